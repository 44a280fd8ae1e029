# SPDX-License-Identifier: GPL-2.0
# Debian's virtio_blk and virtio_net isolated, the transport (virtio_pci,
# virtio_ring, virtio) native: each does its job, and every fault type
# (the writes too, under nooks.protection=1, as tests/check.sh runs it
# again) is contained while a sentinel process keeps running; recovery
# releases the driver's registration, and the failed driver's remove is
# done for it (the device reset, its virtqueues deleted:
# wrappers/virtio.c), so the restarted driver probes the device again
# and works. A virtio driver reads its device's config space through the
# transport's ops, kernel code it calls through pointers: under
# protection each such call becomes an exit crossing
# (arch/x86/protect.c, "indirect_calls" in the domain's protection file).
# testvm-modules: virtio_blk virtio_net virtio_pci
# testvm-disk: d0 16M
# testvm-qemu: -device virtio-blk-pci,drive=d0
# testvm-qemu: -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0
# testvm-timeout: 900

# check_indirect DOMAIN: under protection, its calls through pointers
# to kernel code crossed out
check_indirect() {
	local calls
	[ -n "$NOOKS_PARAMS" ] || return 0
	calls=$(sysfs_domain "$1" protection | sed -n 's/.*indirect_calls=\([0-9]*\).*/\1/p')
	echo "# $1: $(sysfs_domain "$1" protection)"
	check "$1: calls through pointers crossed out (${calls:-none})" \
		[ "${calls:-0}" -gt 0 ]
}

# bad-free and double-free need a strict domain (every import typed):
# the virtqueue calls are generic, so nooksctl refuses them
VFAULTS=$(echo $FAULTS | tr ' ' '\n' | grep -v -e '^bad-free:' -e '^double-free:')

# check_not_strict DOMAIN: nooksctl inject refuses what needs strictness
check_not_strict() {
	check_match "$1: bad-free refused, not strict" "not strict" \
		"$(nooksctl inject "$1" bad-free 2>&1)"
	check_eq "$1: nothing injected" 0 "$(sysfs_domain "$1" faults)"
}

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "virtio_pci natively" modprobe virtio_pci

check "virtio_blk: nooksctl load" nooksctl load virtio_blk
check_protection virtio_blk
echo 100 > /sys/kernel/nooks/domains/virtio_blk/restart_limit
check "virtio_blk: /dev/vda" wait_disk /dev/vda
check "virtio_blk: a pattern reads back" pattern_ok /dev/vda
check_indirect virtio_blk
check_not_strict virtio_blk
check_disk_faults virtio_blk /dev/vda $VFAULTS
check_crossings virtio_blk
check "virtio_blk: nooksctl unload" nooksctl unload virtio_blk

# nooks_test.virtio=blk on the kernel command line: virtio_blk only
# (tests/check.sh's protected run: virtio_net's receive buffers are page
# fragments, skb_page_frag_refill()'s, which nothing grants yet)
if grep -q 'nooks_test.virtio=blk' /proc/cmdline; then
	echo "# virtio_net not run: nooks_test.virtio=blk"
	check_sentinel
	check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
	check "rmmod nooks" rmmod nooks
	return 0
fi

check "virtio_net: nooksctl load" nooksctl load virtio_net
check_protection virtio_net
echo 100 > /sys/kernel/nooks/domains/virtio_net/restart_limit
ifc=$(nic_up virtio_net)
check "virtio_net: ping through it ($ifc)" ping -c 2 -W 3 10.0.2.2
check_indirect virtio_net
check_not_strict virtio_net
# the driver's sysfs group on each receive queue (QEMU's virtio-net has
# mergeable receive buffers): the shadow keeps the interface, and the
# restarted driver's group replaces the failed one's
mrg() {
	cat "/sys/class/net/$ifc/queues/rx-0/virtio_net/mergeable_rx_buffer_size"
}
check "virtio_net: its receive queue's sysfs group ($(mrg))" mrg
for ft in $VFAULTS; do
	check_inject virtio_net "${ft%%:*}" "${ft#*:}" ping -c 1 -W 1 10.0.2.2
	ifc=$(nic_up virtio_net)
	check "virtio_net ${ft%%:*}: the restarted driver passes traffic ($ifc)" \
		ping -c 2 -W 3 10.0.2.2
	check "virtio_net ${ft%%:*}: the receive queue's sysfs group" mrg
done
check_crossings virtio_net
check "virtio_net: nooksctl unload" nooksctl unload virtio_net

check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "rmmod nooks" rmmod nooks
