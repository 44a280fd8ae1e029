# SPDX-License-Identifier: GPL-2.0
# The e1000 scenario with full preemption (Debian's kernel is
# PREEMPT_DYNAMIC, voluntary by default) and page-table isolation on:
# gates must keep preemption right when the kernel may preempt anywhere,
# and entries from interrupts and softirqs (NAPI) must nest.
# testvm-modules: e1000
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-append: preempt=full pti=on
# testvm-timeout: 500

check_match "full preemption in force" "preempt=full" "$(cat /proc/cmdline)"
check_match "PTI in force" "Kernel/User page tables isolation: enabled" "$(dmesg)"
check_isolated_nic e1000
