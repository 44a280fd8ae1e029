# SPDX-License-Identifier: GPL-2.0
# A driver that hangs in its interrupt handler leaves its device
# interrupting: the 8139 never had its status acknowledged. Recovery must
# not let that level-triggered line storm while it releases the driver
# (recovery/recovery.c silences INTx before it unmasks the line): before
# that fix each such recovery took 900 to 75,000 unhandled interrupts,
# and past 99,900 the kernel disables the line ("irq N: nobody cared").
# The peer pings the isolated 8139too, so the next entry after "inject
# hang" is mostly its interrupt handler; the kernel's own count of
# unhandled interrupts on the line (/proc/irq/N/spurious) is the measure.
# testvm-modules: 8139too virtio_pci virtio_net
# testvm-ko: tests/modules/nooks_test_pcirev.ko
# testvm-tools: ethtool ip
# testvm-qemu: -netdev hubport,id=h0,hubid=0 -device rtl8139,netdev=h0 -netdev hubport,id=h1,hubid=0 -device virtio-net-pci,netdev=h1
# testvm-timeout: 900
# testvm-alone: where the hang lands (interrupt handler or not) follows the timing

drv=8139too
check "rtl8139 presented as an 8139" insmod /nooks/nooks_test_pcirev.ko
check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
check "nooksctl load $drv" nooksctl load "$drv"
echo 1000 > /sys/kernel/nooks/domains/"$drv"/restart_limit
ifc=$(ls /sys/bus/pci/drivers/"$drv"/*/net | head -n 1)
shadow_peer virtio_net 10.0.3.2
shadow_configure "$ifc" 10.0.3.1
check "ping the peer through isolated $drv" ping -c 2 -W 3 10.0.3.2
irq=$(cat /sys/class/net/"$ifc"/device/irq)
nsenter -t "$PEER" -n ping -i 0.05 10.0.3.1 > /dev/null 2>&1 &
flood=$!

in_isr=0
worst=0
for i in $(seq 8); do
	shadow_fault "$drv" hang hang 10.0.3.2
	if dmesg | grep 'hang nooks_payload' | tail -n 1 |
		grep -q 'injected in rtl8139_interrupt'; then
		in_isr=$((in_isr + 1))
		# unhandled is reset by an unhandled interrupt 100 ms after the
		# last one, so it counts this recovery's
		n=$(sed -n 's/^unhandled //p' /proc/irq/"$irq"/spurious)
		echo "# hang $i in the interrupt handler: $n unhandled interrupts on irq $irq"
		[ "$n" -gt "$worst" ] && worst=$n
	fi
done
kill "$flood"
check "hangs in the interrupt handler: $in_isr of 8 (at least 3)" \
	[ "$in_isr" -ge 3 ]
check "no interrupt storm: at most 100 unhandled interrupts in a recovery (worst $worst)" \
	[ "$worst" -le 100 ]
check "the line is still on (not disabled as spurious)" \
	ping -c 2 -W 3 10.0.3.2
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload $drv" nooksctl unload "$drv"
check "rmmod nooks" rmmod nooks
