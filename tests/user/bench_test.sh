#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of make bench's arithmetic (tools/testvm/bench-ops.sh --combine)
# on "bench:" lines written here, as tests/bench/ops.sh prints them in
# its four guests: results.json is a list with every field, a rate's
# ratio is isolated over native and a latency's native over isolated,
# crossings and instructions per operation and per crossing come from
# the right runs, the projection adds 771 cycles per crossing only
# protected, a workload without instructions (a ping) gets nulls, a
# broken line or a missing run is skipped. Runs no guest. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

# t DESCRIPTION COMMAND...: one test, COMMAND decides
t()
{
	local desc=$1

	shift
	n=$((n + 1))
	if "$@" > "$TMP/out" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/#   /' "$TMP/out"
		failed=$((failed + 1))
	fi
}

command -v jq > /dev/null || { echo "1..0 # SKIP no jq"; exit 0; }

# bench: op DRIVER WORKLOAD MODE VALUE UNIT OPS CROSSINGS NS
cat > "$TMP/tcg.ops" <<'EOF'
bench: op null_blk randread-4k-qd1 native 40000 iops 120000 0 3000000000
bench: meta nooks off flush-global nopcid 5-level
bench: op null_blk randread-4k-qd1 isolated 30000 iops 90000 450000 3000000000
bench: op e1000 ping-rtt native 1000 us 50 0 0
bench: op e1000 ping-rtt isolated 1250 us 50 925 0
bench: op dummy send-60b native  pps  0 0
bench: op dummy send-60b isolated  pps  600000 0
bench: meta cmdline console=ttyS0 quiet
EOF
cat > "$TMP/icount.ops" <<'EOF'
bench: op null_blk randread-4k-qd1 native 1 iops 20000 0 172000000
bench: op null_blk randread-4k-qd1 isolated 1 iops 20000 100000 212000000
EOF
sed 's/meta nooks off/meta nooks on/; s/console=ttyS0 quiet/console=ttyS0 quiet nooks_bench.protection=1/' \
	"$TMP/tcg.ops" > "$TMP/tcg-protected.ops"
# no icount-protected run: its instructions are unknown

t "bench-ops.sh --combine writes results.json and results.md" \
	"$top/tools/testvm/bench-ops.sh" --combine "$TMP"
R=$TMP/results.json
j() { jq -e "$@" "$R"; }
sel='.[] | select(.driver == "null_blk" and .protection == "off")'
t "a list, one entry per driver, workload and protection (a broken line skipped)" \
	j 'type == "array" and length == 4'
t "every entry has every field" \
	j 'all(.[]; has("driver") and has("workload") and has("native") and has("isolated") and has("ratio") and has("crossings_per_op") and has("instructions_per_crossing") and has("projected_ratio") and has("cmdline") and has("paging") and has("protection") and has("unit"))'
t "rate: ratio is isolated over native (30000/40000)" j "$sel | .ratio == 0.75"
t "crossings per op from the TCG run (450000/90000)" j "$sel | .crossings_per_op == 5"
t "instructions per op from the icount run (172e6/20000, 212e6/20000)" \
	j "$sel | .native_instructions_per_op == 8600 and .isolated_instructions_per_op == 10600"
t "instructions per crossing: (10600-8600)/5 crossings per op" \
	j "$sel | .instructions_per_crossing == 400"
t "projection unprotected: 8600/(8600+5*400)" \
	j "$sel | .projected_ratio == 0.811"
t "latency: ratio is native over isolated (1000/1250), no instructions" \
	j '.[] | select(.workload == "ping-rtt" and .protection == "off") | .ratio == 0.8 and .instructions_per_crossing == null and .projected_ratio == null and .crossings_per_op == 18.5'
t "protected run without its icount run: nulls, not zeros" \
	j '.[] | select(.driver == "null_blk" and .protection == "on") | .instructions_per_crossing == null and .ratio == 0.75'
t "cmdline and paging from each run" \
	j '(.[] | select(.protection == "on") | .cmdline | test("protection=1")) and (.[0].paging == "5-level")'
t "results.md has the table" grep -q '^| null_blk | randread-4k-qd1 | off |' "$TMP/results.md"

# the 771 cycles apply protected only: give the protected run icount lines
cp "$TMP/icount.ops" "$TMP/icount-protected.ops"
t "bench-ops.sh --combine again, with icount-protected" \
	"$top/tools/testvm/bench-ops.sh" --combine "$TMP"
t "projection protected: 8600/(8600+5*(400+771))" \
	j '.[] | select(.driver == "null_blk" and .protection == "on") | .projected_ratio == 0.595'

echo "1..$n"
[ "$failed" = 0 ]
