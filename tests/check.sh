#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build, then run every test and
# print one TAP-style line per test; the last line is
# "N passed, N failed, N skipped". Exits non-zero if anything failed.
#
# Steps: packages, build, userspace tests, sparse, checkpatch, KUnit in
# QEMU on the KUnit kernel, end-to-end scenarios in QEMU on the stock
# kernel. Logs go to build/check/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/build/check
rm -rf "$logs"
mkdir -p "$logs"
results=$logs/results.tap
: > "$results"
start=$(date +%s)

# emit TAP lines from a command's stdout into the results, live, and
# the "# " diagnostics after a failing one (a CI log must name a cause)
tap() {
	awk '/^(not )?ok / { bad = /^not ok/; print; fflush(); next }
	     bad && /^# / { print; fflush() }' | tee -a "$results"
}

# step NAME COMMAND...: one test that passes when COMMAND exits 0
step() {
	local name=$1
	shift
	if "$@" > "$logs/$name.log" 2>&1; then
		echo "ok - $name" | tee -a "$results"
	else
		echo "not ok - $name (log: build/check/$name.log)" | tee -a "$results"
		tail -n 20 "$logs/$name.log" | sed 's/^/# /'
		return 1
	fi
}

# tapstep NAME COMMAND...: a command that prints its own TAP lines; a
# non-zero exit with no failing line is a failure of its own
tapstep() {
	local name=$1 rc
	shift
	"$@" > "$logs/$name.log" 2>&1
	rc=$?
	tap < "$logs/$name.log"
	if [ $rc != 0 ] && ! grep -q '^not ok' "$logs/$name.log"; then
		echo "not ok - $name exited $rc (log: build/check/$name.log)" |
			tee -a "$results"
		tail -n 20 "$logs/$name.log" | sed 's/^/# /'
	fi
}

summary() {
	local passed failed skipped
	skipped=$(grep -c '^ok .*# SKIP' "$results")
	passed=$(($(grep -c '^ok ' "$results") - skipped))
	failed=$(grep -c '^not ok ' "$results")
	echo "# make check took $(($(date +%s) - start)) s"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

if ! step packages tools/testvm/deps.sh; then
	summary
	exit 1
fi
if ! step build make all test-modules test-bins; then
	summary
	exit 1
fi

for t in tests/user/*.sh; do
	tapstep "user-$(basename "$t" .sh)" bash "$t"
done
step sparse make sparse
tapstep checkpatch tests/style.sh
tapstep kunit tests/kunit/run.sh

# the shadow scenarios run three rounds of the fault types (30 faults
# each) instead of five, to keep make check near 30 minutes; all five
# for e1000, whose ping stream's loss budget (3 a fault) must absorb a
# rare TX watchdog reset after a restart (about 60 pings)
for s in tests/e2e/*.sh; do
	[ "$(basename "$s")" = lib.sh ] && continue
	rounds=3
	[ "$(basename "$s")" = shadow-e1000.sh ] && rounds=5
	tapstep "e2e-$(basename "$s" .sh)" tools/testvm/run.sh --kernel stock \
		--ko "$top/nooks.ko" --append "nooks_test.rounds=$rounds" "$s"
done
# every fault type, the writes included, on the four drivers under
# page-table protection: PTI off (global kernel mappings: flush-global)
# and on (nonglobal), with 5-level and 4-level paging
protected() {
	local name=$1 append=$2 scenario=$3 qemu=${4:-}

	tapstep "e2e-$name" tools/testvm/run.sh --kernel stock \
		--ko "$top/nooks.ko" --append "nooks.protection=1 $append" \
		--qemu "$qemu" --name "$name" "tests/e2e/$scenario.sh"
}
protected protect-recover-dummy "" recover-dummy
protected protect-pti-no5lvl-recover-dummy "pti=on no5lvl" recover-dummy
protected protect-recover-e1000 "" recover-e1000
protected protect-pti-no5lvl-recover-null_blk "pti=on no5lvl" recover-null_blk
protected protect-pti-recover-8139too "pti=on" recover-8139too
# one CPU: its per-CPU unit is the whole first chunk (e1000's udelay
# writes __preempt_count, 127 KiB into it)
protected protect-smp1-load-e1000 "" load-e1000 "-smp 1"
# the shadow driver under protection, one round of every fault type
# (shadow-e1000 protected is run by hand for now: Documentation/design/
# shadow.rst, "Known problems")
protected protect-pti-no5lvl-shadow-dummy "pti=on no5lvl nooks_test.rounds=1" \
	shadow-dummy
protected protect-pti-shadow-null_blk \
	"pti=on nooks_test.rounds=1 nooks_test.irqmode=1" shadow-null_blk
# the control: the same payloads, run natively, do crash the kernel
tapstep control-native bash tests/control/native.sh
# a smoke SWIFI campaign: mutants that crash natively, contained
tapstep campaign-smoke tests/campaign/smoke.sh

summary
