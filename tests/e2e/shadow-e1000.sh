# SPDX-License-Identifier: GPL-2.0
# The network shadow driver with Debian's e1000.ko, isolated: the
# interface the applications use survives every fault type. A peer NIC
# (virtio-net, driven natively, in its own network namespace) on a QEMU
# hub with the e1000 answers a ping stream that runs across every fault,
# and a TCP stream crosses the faults of its turn; after each recovery
# the interface has the same index, addresses, MTU, modes, multicast
# list and ethtool settings, and the streams saw no error.
# testvm-modules: e1000 virtio_pci virtio_net
# testvm-tools: ethtool ip
# testvm-qemu: -netdev hubport,id=h0,hubid=0 -device e1000,netdev=h0 -netdev hubport,id=h1,hubid=0 -device virtio-net-pci,netdev=h1
# testvm-timeout: 1500

ROUNDS=$(shadow_rounds)

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load e1000 (policy shadow by default)" nooksctl load e1000
check_protection e1000
check_eq "restart policy" shadow "$(sysfs_domain e1000 restart)"
echo 1000 > /sys/kernel/nooks/domains/e1000/restart_limit

ifc=$(ls /sys/bus/pci/drivers/e1000/*/net | head -n 1)
check "e1000 probed an interface ($ifc)" [ -n "$ifc" ]
shadow_peer virtio_net 10.0.3.2
shadow_configure "$ifc" 10.0.3.1 ring
check_eq "shadow passive" passive "$(sysfs_domain e1000 shadow)"
check_eq "shadow log: the device and its ring sizes" 2 \
	"$(sysfs_domain e1000 shadow_log)"
check "ping the peer through isolated e1000" ping -c 2 -W 3 10.0.3.2
before=$(shadow_state "$ifc")

shadow_ping_start 10.0.3.2
i=0
for round in $(seq "$ROUNDS"); do
	for ft in $FAULTS; do
		i=$((i + 1))
		tcp=
		[ $((i % 4)) = 1 ] && tcp=1
		[ -n "$tcp" ] && shadow_tcp_start 10.0.3.2
		shadow_fault e1000 "${ft%%:*}" "${ft#*:}" 10.0.3.2
		check_eq "fault $i (${ft%%:*}): the same interface and configuration" \
			"$before" "$(shadow_state "$ifc")"
		[ -n "$tcp" ] && shadow_tcp_check "fault $i (${ft%%:*})"
	done
done
shadow_ping_check "$i faults"
check_eq "shadow passive again" passive "$(sysfs_domain e1000 shadow)"
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload e1000" nooksctl unload e1000
check "rmmod nooks" rmmod nooks
