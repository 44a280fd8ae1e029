#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The smoke campaign of make check: tools/testvm/campaign.sh on
# null_blk, two trials (seeds 2 and 3, 5 faults each): the first mutant
# crashes the kernel natively (a page fault in its init), the second
# does nothing visible (see Documentation/campaign.rst). Checks that the
# campaign writes its files and classifies every run, and that the
# native crash is contained in isolation, that its fault was in init,
# and that the module as shipped loads and works after it (what the
# failed init held was released). Then seed 6 alone: its fault
# is in the I/O of the disk its init adds, which the init thread waits
# for inside the domain; recovery must fail that I/O rather than wait
# 30 s and give up. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/campaign-smoke
n=0
failed=0

t() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" > /dev/null 2>&1; then
		echo "ok $n - campaign smoke: $desc"
	else
		echo "not ok $n - campaign smoke: $desc"
		failed=$((failed + 1))
	fi
}

rm -rf "$out"
DRIVERS=null_blk TRIALS=${SMOKE_TRIALS:-2} SEED=${SMOKE_SEED:-1} OUT=$out \
	"$top/tools/testvm/campaign.sh" | sed 's/^/# /'
t "trials.csv has a line per trial" \
	test "$(tail -n +2 "$out/trials.csv" | wc -l)" = "${SMOKE_TRIALS:-2}"
t "every run is classified" \
	sh -c "! cut -d, -f4,6 '$out/trials.csv' | tail -n +2 | grep -v -E '^(crash|failure|none),(crash|failure|none|contained)$'"
t "summary.json is a list with null_blk's counts" \
	jq -e '.[0].driver == "null_blk" and (.[0] | has("trials") and has("native_crash") and has("isolated_crash") and has("contained") and has("recovered"))' "$out/summary.json"
t "summary.md has the table" grep -q '^| null_blk |' "$out/summary.md"
t "no isolated run crashed the kernel" \
	jq -e '.[0].isolated_crash == 0' "$out/summary.json"
t "the native crash was contained" \
	jq -e '.[0].native_crash > 0 and .[0].contained == .[0].native_crash' "$out/summary.json"
t "its fault was in init: the isolated load failed, nooks.ko said contained" \
	sh -c "tail -n +2 '$out/trials.csv' | grep -q '^null_blk,[0-9]*,[^,]*,crash,.*,contained,.*,init\$'"
t "and recovered: after the fault the module as shipped loads and works" \
	jq -e '.[0].recovered == .[0].contained' "$out/summary.json"

rm -rf "$out-6"
DRIVERS=null_blk TRIALS=1 SEED=5 OUT=$out-6 \
	"$top/tools/testvm/campaign.sh" | sed 's/^/# /'
t "seed 6: the init waiting on the I/O it faulted on is contained" \
	sh -c "tail -n +2 '$out-6/trials.csv' | cut -d, -f6 | grep -qx -e contained -e failure -e none"
echo "1..$n"
[ "$failed" = 0 ]
