#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control of the containment tests: each fault payload nooksctl
# inject has (but wild-write, which does not crash anything), run natively
# in a fresh VM (tests/modules/nooks_test_native.ko), must crash or wedge
# the stock kernel: an Oops, a BUG, a WARNING (bad-free of a module
# address may end in a WARN rather than an oops, depending on the layout;
# panic_on_warn makes it fatal, as fleets that treat a WARN as a crash
# do), a panic, a soft lockup or an RCU stall on the console. A payload
# that spins with interrupts off is seen by no watchdog of its own CPU
# (TCG has no NMI watchdog) but by RCU on the other, and only while a
# grace period is wanted, so the scenario keeps queueing RCU callbacks;
# without that the control failed once in CI. Were it not so, the recovery scenarios (where the
# same payloads run isolated and the console stays clean) would show
# nothing. One VM per payload; TAP on stdout.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/control
mkdir -p "$out"
n=0
crash='Oops|BUG:|kernel BUG|WARNING:|Kernel panic|soft lockup|rcu_preempt (self-)?detected stall'

# name:enum nooks_fault value
for f in null-deref:0 stack-overflow:2 bug:3 gpf:4 div-zero:5 bad-free:6 \
	double-free:7 hang:8 illegal-insn:9 hang-irqoff:10; do
	name=${f%%:*}
	s=$out/native-$name.sh
	cat > "$s" <<SCENARIO
# testvm-ko: tests/modules/nooks_test_native.ko
# testvm-timeout: 60
# testvm-append: oops=panic panic_on_warn=1 softlockup_panic=1 watchdog_thresh=1 rcupdate.rcu_cpu_stall_timeout=3 sysctl.kernel.panic_on_rcu_stall=1
insmod /nooks/nooks.ko
insmod /nooks/nooks_test_native.ko fault=${f#*:} &
# RCU sees a CPU spinning with interrupts off only while a grace period
# is wanted: each file close from this CPU queues an RCU callback.
for i in \$(seq 20); do cat /proc/uptime > /dev/null; sleep 1; done
SCENARIO
	"$top/tools/testvm/run.sh" --ko "$top/nooks.ko" "$s" > "$out/$name.log" 2>&1
	n=$((n + 1))
	sig=$(grep -aEo "$crash" "$top/build/vm/native-$name/console.log" | head -n 1)
	if [ -n "$sig" ]; then
		echo "ok $n - native $name crashes the kernel ($sig)"
	else
		echo "not ok $n - native $name did not crash the kernel (see build/vm/native-$name/console.log)"
	fi
done
echo "1..$n"
