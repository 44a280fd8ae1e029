# SPDX-License-Identifier: GPL-2.0
# Debian's e1000.ko isolated, faulting on purpose: every fault type
# nooksctl inject has (the writes too, under nooks.protection=1) is contained while a sentinel
# process keeps running, recovery releases everything the driver held,
# restarts it, and the new instance passes traffic again.
# testvm-modules: e1000
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 900

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load e1000" nooksctl load e1000
check_protection e1000
echo 100 > /sys/kernel/nooks/domains/e1000/restart_limit
ifc=$(nic_up e1000)
check "ping through isolated e1000" ping -c 2 -W 3 10.0.2.2
for ft in $FAULTS; do
	check_inject e1000 "${ft%%:*}" "${ft#*:}" ping -c 1 -W 1 10.0.2.2
	ifc=$(nic_up e1000)
	check "e1000 ${ft%%:*}: the restarted driver passes traffic ($ifc)" \
		ping -c 2 -W 3 10.0.2.2
	echo "# e1000 ${ft%%:*}: working again $(($(uptime_ms) - INJECT_T0)) ms after inject"
done
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload e1000" nooksctl unload e1000
check "rmmod nooks" rmmod nooks
