# SPDX-License-Identifier: GPL-2.0
# Faults of isolated driver code (page faults, #GP, #DE, BUG(), bad
# parameters its typed wrappers catch: double free, free of a kernel
# pointer, free of an ERR_PTR; running off the stack; spinning with
# preemption or interrupts off; holding rtnl or spinlocks, which the
# unwinding thread releases; looping on kernel calls that never sleep)
# are contained on the stock kernel:
# the faulting call returns its failure value (here the module's init:
# the load fails), the kernel prints a one-line Nooks report and no oops,
# and keeps running. A BUG() prints nothing of the kernel's own: bind
# dropped its bug table entry. Recovery after faults at run time is in
# the recover-*.sh scenarios.
# testvm-ko: tests/modules/nooks_test_fault.ko
# testvm-timeout: 300

M=/nooks/nooks_test_fault.ko
check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
check "the module loads isolated when it does not fault" nooksctl load $M
check "and unloads" nooksctl unload nooks_test_fault

for how in 1:page-fault:0x0 2:page-fault:0x 3:gpf:0x0 4:divide-error:0x0 \
	5:bug:0x0 6:bad-param:0xff[0-9a-f]+ \
	7:bad-param:0xffffffffc[0-9a-f]+ 8:bad-param:0xfffffffffffffff4 \
	9:stack-overflow:0xff[0-9a-f]+ 10:hang:0x0 11:hang:0x0 \
	12:page-fault:0x0 13:page-fault:0x0 14:hang:0x0; do
	n=${how%%:*}
	type=${how#*:}
	type=${type%%:*}
	err=$(nooksctl load $M -- fault=$n 2>&1)
	check "fault=$n: load fails" [ $? != 0 ]
	check_match "fault=$n: one-line error pointing to dmesg" "see dmesg" "$err"
	fn=nooks_test_fault_init
	[ "$n" != 9 ] || fn=nooks_test_recurse
	check_match "fault=$n: kernel report names the code and address" \
		"nooks: domain nooks_test_fault: $type $fn\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[nooks_test_fault\\] ${how##*:}" \
		"$(dmesg | tail -n 8)"
	check_fails "fault=$n: module not left behind" [ -e /sys/module/nooks_test_fault ]
	check_eq "fault=$n: no domain left behind" "" "$(nooksctl list)"
done
# check_init_fault N DESCRIPTION REPORT: nooks_test_fault fault=N faults
# in init; its load fails with REPORT (a regex) in the log, and nothing
# is left behind
check_init_fault() {
	nooksctl load $M -- fault="$1" > /dev/null 2>&1
	check "fault=$1: load fails" [ $? != 0 ]
	check_match "fault=$1: $2" \
		"nooks: domain nooks_test_fault: $3: contained" "$(dmesg | tail -n 8)"
	check_fails "fault=$1: module not left behind" [ -e /sys/module/nooks_test_fault ]
	check_eq "fault=$1: no domain left behind" "" "$(nooksctl list)"
	check_fails "fault=$1: no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:'"
}
# A leaf kernel call (wrappers/wrap.h) faulting on the driver's wild
# address: the fault is the driver's, the report names the accessor.
check_init_fault 15 "the accessor's page fault on the guard page is the domain's" \
	"page-fault ioread32\\+0x[0-9a-f]+/0x[0-9a-f]+ 0xff[0-9a-f]+"
# A call through a NULL function pointer: the kernel oopses on an
# instruction fetch from a user address before any fixup; the domain
# IDT's #PF stub makes it a fault the handlers contain.
check_init_fault 16 "the jump to NULL is the domain's" "page-fault 0x0 0x0"
# Running off the stack after writing the word at its end (the last
# frame of fault=9 may, by where it starts): the scheduler would panic
# at the next switch (corrupted stack end) had containment not put it
# back.
check_init_fault 17 "the overflow that wrote the stack's end word is contained" \
	"stack-overflow nooks_test_recurse\+0x[0-9a-f]+/0x[0-9a-f]+ \\[nooks_test_fault\\] 0xff[0-9a-f]+"
check_match "fault=12: the thread that faulted under rtnl released it" \
	"domain nooks_test_fault: its faulted code held 1 lock: released" \
	"$(dmesg | grep 'faulted code held' | head -n 1)"
check_match "fault=13: and its two spinlocks" \
	"domain nooks_test_fault: its faulted code held 2 locks: released" \
	"$(dmesg | grep 'faulted code held' | tail -n 1)"
# rtnl still held would block this for good.
ip link show lo > /dev/null 2>&1 &
pid=$!
i=0
while kill -0 $pid 2> /dev/null && [ $i -lt 40 ]; do
	sleep 0.25
	i=$((i + 1))
done
check_fails "rtnl is free after a fault under it: ip link returns" kill -0 $pid
check_match "a double free is named as such" \
	"kfree: releases a not held memory" "$(dmesg | grep 'bad-param' | head -n 1)"
check_match "an ERR_PTR is named as such" "kfree: ERR_PTR as memory" \
	"$(dmesg | grep 'bad-param' | tail -n 1)"
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:'"
check_not_died
check "the kernel still loads modules" nooksctl load $M
check "and unloads them" nooksctl unload nooks_test_fault
check "rmmod nooks" rmmod nooks
