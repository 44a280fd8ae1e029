# SPDX-License-Identifier: GPL-2.0
# Debian's 8139too.ko isolated, faulting on purpose, on QEMU's rtl8139
# presented as an 8139 (nooks_test_pcirev.ko; QEMU's model is an 8139C+,
# which 8139too refuses: load-8139too.sh): every fault type (the writes
# too, under nooks.protection=1) is contained while a sentinel process
# keeps running, recovery releases everything the driver held, restarts
# it, and the new instance passes traffic again.
# testvm-modules: 8139too
# testvm-ko: tests/modules/nooks_test_pcirev.ko
# testvm-qemu: -netdev user,id=n0,restrict=on -device rtl8139,netdev=n0
# testvm-timeout: 900

check "rtl8139 presented as an 8139" insmod /nooks/nooks_test_pcirev.ko
check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load 8139too" nooksctl load 8139too
check_protection 8139too
echo 100 > /sys/kernel/nooks/domains/8139too/restart_limit
ifc=$(nic_up 8139too)
check "ping through isolated 8139too ($ifc)" ping -c 2 -W 3 10.0.2.2
for ft in $FAULTS; do
	check_inject 8139too "${ft%%:*}" "${ft#*:}" ping -c 1 -W 1 10.0.2.2
	ifc=$(nic_up 8139too)
	check "8139too ${ft%%:*}: the restarted driver passes traffic ($ifc)" \
		ping -c 2 -W 3 10.0.2.2
	echo "# 8139too ${ft%%:*}: working again $(($(uptime_ms) - INJECT_T0)) ms after inject"
done
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload 8139too" nooksctl unload 8139too
check "rmmod nooks" rmmod nooks
