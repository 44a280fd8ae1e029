# SPDX-License-Identifier: GPL-2.0
# Debian's 8139too.ko isolated, faulting on purpose. QEMU's rtl8139 is
# an 8139C+, which 8139too's probe refuses natively too (load-8139too.sh),
# so its only entries are init, exit and probe: binding the device to it
# through sysfs runs the probe, where each injected fault fires. Every
# fault type (the writes too, under nooks.protection=1) is contained while a sentinel process keeps
# running, the release leaves nothing held, and the restarted driver
# probes (and refuses) the device again exactly as before.
# testvm-modules: 8139too
# testvm-qemu: -netdev user,id=n0,restrict=on -device rtl8139,netdev=n0
# testvm-timeout: 600

bdf=0000:00:02.0
probe() {
	echo $bdf > /sys/bus/pci/drivers/8139too/bind
}
refusals() {
	dmesg | grep -c "8139too $bdf: This .* use 8139cp"
}

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load 8139too" nooksctl load 8139too
check_protection 8139too
echo 100 > /sys/kernel/nooks/domains/8139too/restart_limit
check_eq "its probe refuses the 8139C+" 1 "$(refusals)"
for ft in $FAULTS; do
	n=$(refusals)
	check_inject 8139too "${ft%%:*}" "${ft#*:}" probe
	check "8139too ${ft%%:*}: the restarted driver probed the device again" \
		[ "$(refusals)" -gt "$n" ]
	echo "# 8139too ${ft%%:*}: working again $(($(uptime_ms) - INJECT_T0)) ms after inject"
done
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload 8139too" nooksctl unload 8139too
check "rmmod nooks" rmmod nooks
