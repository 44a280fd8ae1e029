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

# report_step NAME RC: a command that passed when it exited 0
report_step() {
	local name=$1 rc=$2
	if [ "$rc" = 0 ]; then
		echo "ok - $name" | tee -a "$results"
	else
		echo "not ok - $name (log: build/check/$name.log)" | tee -a "$results"
		tail -n 20 "$logs/$name.log" | sed 's/^/# /'
		return 1
	fi
}

# report_tap NAME RC: a command that printed its own TAP lines; a
# non-zero exit with no failing line is a failure of its own
report_tap() {
	local name=$1 rc=$2
	tap < "$logs/$name.log"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$logs/$name.log"; then
		echo "not ok - $name exited $rc (log: build/check/$name.log)" |
			tee -a "$results"
		tail -n 20 "$logs/$name.log" | sed 's/^/# /'
	fi
}

# step NAME COMMAND...: one test that passes when COMMAND exits 0
step() {
	local name=$1 rc=0
	shift
	"$@" > "$logs/$name.log" 2>&1 || rc=$?
	report_step "$name" $rc
}

# tapstep NAME COMMAND...: a command that prints its own TAP lines
tapstep() {
	local name=$1 rc=0
	shift
	"$@" > "$logs/$name.log" 2>&1 || rc=$?
	report_tap "$name" $rc
}

# The pool: commands that do not mind sharing the machine run
# CHECK_JOBS (2) at a time; each is reported when it ends, in the order
# they end. (bash 5.2's "wait -n" misses a job that ended before it is
# called, so the pool looks for each job's exit file instead.)
jobs_max=${CHECK_JOBS:-2}
declare -A pool_name=() pool_kind=()

# pool KIND NAME COMMAND...: run COMMAND in the pool, reported by
# report_KIND (step or tap)
pool() {
	local kind=$1 name=$2
	shift 2
	while [ ${#pool_name[@]} -ge "$jobs_max" ]; do
		pool_reap
	done
	rm -f "$logs/$name.rc"
	(
		rc=0
		"$@" < /dev/null > "$logs/$name.log" 2>&1 || rc=$?
		echo $rc > "$logs/$name.rc.new"
		mv "$logs/$name.rc.new" "$logs/$name.rc"
	) &
	pool_name[$!]=$name
	pool_kind[$!]=$kind
}

# pool_reap: wait until a job of the pool ends, and report it
pool_reap() {
	local pid name
	while :; do
		for pid in "${!pool_name[@]}"; do
			name=${pool_name[$pid]}
			[ -e "$logs/$name.rc" ] || continue
			wait "$pid" 2>/dev/null
			"report_${pool_kind[$pid]}" "$name" "$(cat "$logs/$name.rc")"
			unset "pool_name[$pid]" "pool_kind[$pid]"
			return 0
		done
		sleep 1
	done
}

# pool_drain: wait for every job of the pool
pool_drain() {
	while [ ${#pool_name[@]} -gt 0 ]; do
		pool_reap
	done
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

# First the pool: the host tests, then the scenarios that do not mind
# a second guest beside them. Then, one at a time, the scenarios whose
# header says "testvm-alone" (their loss budgets, interrupt counts or
# packets per poll assume the machine to themselves) and the smoke campaign
# (two guests of its own).
for t in tests/user/*.sh; do
	pool tap "user-$(basename "$t" .sh)" bash "$t"
done
pool step sparse make sparse
pool tap checkpatch tests/style.sh
pool tap kunit tests/kunit/run.sh

alone=()
pooled=()
# e2e NAME SCENARIO [run.sh options]: for the pool (with its timeout,
# longest first: the pool ends sooner when the long ones start early),
# or kept for later
e2e() {
	local name=$1 scenario=$2 timeout
	shift 2
	local cmd=(tools/testvm/run.sh --kernel stock --ko "$top/nooks.ko"
		--name "$name" "$@" "$scenario")
	if grep -q '^# testvm-alone:' "$scenario"; then
		alone+=("$(printf '%q ' "$name" "${cmd[@]}")")
	else
		timeout=$(sed -n 's/^# testvm-timeout: *//p' "$scenario")
		pooled+=("${timeout:-300} $(printf '%q ' "$name" "${cmd[@]}")")
	fi
}

# the shadow scenarios run three rounds of the fault types (30 faults
# each) instead of five, to keep make check near 30 minutes; all five
# for e1000, whose ping stream's loss budget (3 a fault) must absorb a
# rare TX watchdog reset after a restart (about 60 pings)
for s in tests/e2e/*.sh; do
	[ "$(basename "$s")" = lib.sh ] && continue
	rounds=3
	[ "$(basename "$s")" = shadow-e1000.sh ] && rounds=5
	e2e "$(basename "$s" .sh)" "$s" --append "nooks_test.rounds=$rounds"
done
# every fault type, the writes included, on the four drivers under
# page-table protection: PTI off (global kernel mappings: flush-global)
# and on (nonglobal), with 5-level and 4-level paging
protected() {
	local name=$1 append=$2 scenario=$3 qemu=${4:-}

	e2e "$name" "tests/e2e/$scenario.sh" \
		--append "nooks.protection=1 $append" --qemu "$qemu"
}
protected protect-recover-dummy "" recover-dummy
protected protect-pti-no5lvl-recover-dummy "pti=on no5lvl" recover-dummy
protected protect-recover-e1000 "" recover-e1000
protected protect-pti-no5lvl-recover-null_blk "pti=on no5lvl" recover-null_blk
protected protect-pti-recover-8139too "pti=on" recover-8139too
# virtio_blk, whose config-space reads are calls through pointers into
# virtio_pci (crossing out on their fetch faults); not virtio_net yet
# (Documentation/design/protection.rst, "Known problems")
protected protect-pti-virtio-blk "pti=on nooks_test.virtio=blk" virtio
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
pool tap control-native bash tests/control/native.sh
while read -r _ job; do
	eval "set -- $job"
	name=$1
	shift
	pool tap "e2e-$name" "$@"
done < <(printf '%s\n' "${pooled[@]}" | sort -s -k1,1nr)
pool_drain

for job in "${alone[@]}"; do
	eval "set -- $job"
	name=$1
	shift
	tapstep "e2e-$name" "$@"
done
# a smoke SWIFI campaign: mutants that crash natively, contained
tapstep campaign-smoke tests/campaign/smoke.sh

summary
