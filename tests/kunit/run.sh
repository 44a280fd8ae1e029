#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suites in QEMU on the KUnit kernel and print one TAP line
# per test case, parsed by the kernel's own kunit.py. Exits non-zero if
# anything failed or the suites did not run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$("$top/tools/testvm/kernel.sh") || exit 1
mods=$("$top/tools/testvm/build-kunit-modules.sh") || {
	echo "not ok - kunit: build nooks_kunit.ko"
	exit 1
}
src=$(sed -n 's/^abs_srctree *:= *//p' "$kdir/Makefile")
src=${src:-$(cd "$kdir" && realpath source)}
fail=0

# run_suites NAME APPEND: one guest booted with APPEND; TAP lines named
# NAME
run_suites() {
	local name=$1 logdir=$top/build/vm/$1 scenario=$top/build/vm/$1.sh parse
	mkdir -p "$(dirname "$logdir")"
	{
		echo "# testvm-append: $2"
		cat "$top/tests/kunit/vm.sh"
	} > "$scenario"
	"$top/tools/testvm/run.sh" --kernel kunit --log "$logdir" \
		--ko "$mods/nooks.ko" --ko "$mods/nooks_kunit.ko" \
		"$scenario" | sed "s/ - $name: / - $name vm: /" |
		tee "$logdir.tap"
	grep -q '^not ok' "$logdir.tap" && fail=1

	sed -n 's/^ktap: //p' "$logdir/verdict.log" | tr -d '\r' > "$logdir/ktap.txt"
	python3 "$src/tools/testing/kunit/kunit.py" parse --json="$logdir/kunit.json" \
		"$logdir/ktap.txt" > "$logdir/kunit.out" 2>&1
	parse=$?
	# kunit.py can exit 0 on a document it could only partly parse.
	if grep -q '\[ERROR\]\|\[CRASHED\]' "$logdir/kunit.out"; then
		parse=255
	fi
	if [ "$parse" = 0 ]; then
		echo "ok - $name: kunit.py parse"
	else
		echo "not ok - $name: kunit.py parse exited $parse (see $logdir/kunit.out)"
		fail=1
	fi

	# One line per case; the kernel's own "# suite: pass:N fail:N skip:N
	# total:N" lines must agree with what kunit.py parsed.
	python3 - "$logdir/kunit.json" "$logdir/ktap.txt" "$name" <<-'PY' || fail=1
	import json, re, sys
	tag = sys.argv[3]
	try:
	    root = json.load(open(sys.argv[1]))
	except (OSError, ValueError) as e:
	    print(f"not ok - {tag}: results ({e})")
	    sys.exit(1)
	kernel_total = 0
	kernel_fail = 0
	for line in open(sys.argv[2]):
	    m = re.match(r"\s*# (\S+): pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)", line)
	    if m and m.group(1) != "Totals":
	        kernel_fail += int(m.group(3))
	        kernel_total += int(m.group(5))
	bad = 0
	count = 0
	def walk(group, prefix):
	    global bad, count
	    name = f"{prefix}.{group['name']}" if prefix else group["name"]
	    for case in group.get("test_cases", []):
	        count += 1
	        status = case["status"]
	        if status in ("PASS", "SKIP"):
	            skip = " # SKIP" if status == "SKIP" else ""
	            print(f"ok - {tag}: {name}.{case['name']}{skip}")
	        else:
	            bad += 1
	            print(f"not ok - {tag}: {name}.{case['name']} {status}")
	    for sub in group.get("sub_groups", []):
	        walk(sub, name)
	for sub in root.get("sub_groups", []):
	    walk(sub, "")
	if count == 0:
	    print(f"not ok - {tag}: no test cases ran")
	    bad += 1
	if kernel_fail:
	    print(f"not ok - {tag}: the kernel counted {kernel_fail} failures")
	    bad += 1
	sys.exit(1 if bad else 0)
	PY
}

# 5-level paging (QEMU's -cpu max has LA57), then 4-level
run_suites kunit ""
run_suites kunit-no5lvl no5lvl
exit $fail
