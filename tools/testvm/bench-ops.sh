#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/testvm/bench-ops.sh OUT: tests/bench/ops.sh four times, each in
# one guest with native and isolated side by side: under TCG (2 vCPUs)
# for rates and latencies, and under -icount shift=0 (1 vCPU, one guest
# ns per instruction) for instructions; each with page-table protection
# off and on. Writes OUT/results.json, a list of
#   {"driver", "workload", "protection", "unit", "native", "isolated",
#    "ratio", "crossings_per_op", "instructions_per_crossing",
#    "native_instructions_per_op", "isolated_instructions_per_op",
#    "projected_ratio", "cmdline", "paging"}
# ratio: isolated over native for a rate (iops, pps), native over
# isolated for a latency (us), so below 1 is slower. crossings_per_op:
# the domain's calls_in + calls_out per operation, under TCG.
# instructions_per_crossing: what an operation gains isolated, in
# instructions under icount, over its crossings; null where the
# workload waits (a ping). projected_ratio: native over isolated
# instructions per operation on hardware at one instruction a cycle,
# each crossing costing its instructions plus, protected, 771 cycles for
# a page-table switch round trip (ATC 2024). And OUT/results.md.
#
# tools/testvm/bench-ops.sh --combine OUT: only the last step, from the
# OUT/{tcg,icount}[-protected].ops a run left (tests/user/bench_test.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
combine=
if [ "${1:-}" = --combine ]; then
	combine=1
	shift
fi
out=${1:?usage: bench-ops.sh [--combine] OUT}
mkdir -p "$out"
fail=0

# run NAME QEMU APPEND: one guest; its "bench:" lines to OUT/NAME.ops
run() {
	local name=$1 qemu=$2 append=$3
	echo "== bench ops: $name"
	"$top/tools/testvm/run.sh" --kernel stock --ko "$top/nooks.ko" \
		--name "bench-$name" --log "$top/build/vm/bench-$name" \
		--qemu "$qemu" --append "$append" \
		"$top/tests/bench/ops.sh" > "$out/$name.tap" || true
	grep '^not ok' "$out/$name.tap" && fail=1
	tr -d '\r' < "$top/build/vm/bench-$name/verdict.log" |
		grep '^bench: ' > "$out/$name.ops" || true
}

if [ -z "$combine" ]; then
	run tcg "" ""
	run icount "-smp 1 -icount shift=0" "nooks_bench.icount=1"
	run tcg-protected "" "nooks_bench.protection=1"
	run icount-protected "-smp 1 -icount shift=0" \
		"nooks_bench.icount=1 nooks_bench.protection=1"
fi

python3 - "$out" <<'PY'
import json, sys

out = sys.argv[1]

def load(name):
    ops, meta = {}, {}
    try:
        lines = open(f"{out}/{name}.ops").readlines()
    except FileNotFoundError:
        return ops, meta
    for line in lines:
        f = line.split()
        if f[1] == "op" and len(f) == 10 and f[5].isdigit():
            drv, wl, mode, value, unit, n, cross, ns = f[2:10]
            ops[(drv, wl, mode)] = dict(value=int(value), unit=unit,
                                        ops=int(n), crossings=int(cross),
                                        ns=int(ns))
        elif f[1] == "meta":
            meta[f[2]] = " ".join(f[3:])
    return ops, meta

rows = []
for prot, sfx in (("off", ""), ("on", "-protected")):
    tcg, meta = load("tcg" + sfx)
    icount, _ = load("icount" + sfx)
    for (drv, wl, mode), nat in sorted(tcg.items()):
        if mode != "native" or (drv, wl, "isolated") not in tcg:
            continue
        iso = tcg[(drv, wl, "isolated")]
        lat = nat["unit"] == "us"
        ratio = None
        if nat["value"] and iso["value"]:
            ratio = (nat["value"] / iso["value"] if lat
                     else iso["value"] / nat["value"])
        cpo = iso["crossings"] / iso["ops"] if iso["ops"] else None
        inat, iiso = icount.get((drv, wl, "native")), icount.get((drv, wl, "isolated"))
        ipo_n = ipo_i = ipc = None
        if inat and iiso and inat["ns"] and iiso["ns"] and inat["ops"] and iiso["ops"]:
            ipo_n = inat["ns"] / inat["ops"]
            ipo_i = iiso["ns"] / iiso["ops"]
            c = iiso["crossings"] / iiso["ops"]
            ipc = (ipo_i - ipo_n) / c if c else None
        # hardware, at one instruction a cycle: each crossing adds its
        # instructions and, protected, a page-table switch round trip
        # (771 cycles, ATC 2024; icount counts each CR3 write as one)
        proj = None
        if ipc is not None and cpo is not None and ipo_n:
            per = ipc + (771 if prot == "on" else 0)
            proj = ipo_n / (ipo_n + cpo * per)
        r2 = lambda x, n=3: None if x is None else round(x, n)
        rows.append({
            "driver": drv, "workload": wl, "protection": prot,
            "unit": nat["unit"], "native": nat["value"],
            "isolated": iso["value"], "ratio": r2(ratio),
            "crossings_per_op": r2(cpo, 2),
            "instructions_per_crossing": r2(ipc, 0),
            "native_instructions_per_op": r2(ipo_n, 0),
            "isolated_instructions_per_op": r2(ipo_i, 0),
            "projected_ratio": r2(proj),
            "cmdline": meta.get("cmdline", ""),
            "paging": (meta.get("nooks", "").split() or ["?"])[-1],
        })

json.dump(rows, open(f"{out}/results.json", "w"), indent=1)
with open(f"{out}/results.md", "w") as md:
    md.write("| driver | workload | protection | native | isolated | ratio "
             "| crossings/op | instructions/op native | instructions/crossing "
             "| projected ratio |\n"
             "|---|---|---|---|---|---|---|---|---|---|\n")
    fmt = lambda x: "-" if x is None else f"{x:g}"
    for r in rows:
        md.write(f"| {r['driver']} | {r['workload']} | {r['protection']} "
                 f"| {r['native']} {r['unit']} | {r['isolated']} {r['unit']} "
                 f"| {fmt(r['ratio'])} | {fmt(r['crossings_per_op'])} "
                 f"| {fmt(r['native_instructions_per_op'])} "
                 f"| {fmt(r['instructions_per_crossing'])} "
                 f"| {fmt(r['projected_ratio'])} |\n")
    if rows:
        md.write(f"\nTCG, 2 vCPUs (instructions: -icount shift=0, 1 vCPU); "
                 f"paging {rows[0]['paging']}; kernel command line: "
                 f"`{rows[0]['cmdline']}`.\n")
PY
cat "$out/results.md"
exit $fail
