# SPDX-License-Identifier: GPL-2.0
# The receive path of Debian's e1000, isolated, page-table protection
# off (on with nooks.protection=1 on the command line, by hand: the
# unbatched protected receive cannot keep up under TCG, and e1000 drops
# two thirds of the packets of the local=0 defer=0 run): a virtio-net
# peer (driven natively, in a network namespace of its own, on a QEMU
# hub with the e1000; nothing leaves the VM) sends it pktgen UDP packets
# to a port nobody listens on: 60-byte frames, which
# e1000 copies into a new skb (its copybreak) and hands up. For each it
# makes, in the domain (local calls, domains/local.h), its DMA syncs
# (nothing for a device with no IOMMU on x86), skb_trim(),
# eth_type_trans() and the skb's napi_alloc_skb() (from the receive
# pool the kernel side filled before the poll crossed in,
# domains/rxpool.h); its napi_gro_receive() waits for the end of the
# poll's crossing (domains/defer.h). So with both, calls_local counts at
# least 4.5 per packet, calls_deferred about one per packet more than
# the interrupts (whose __napi_schedule is deferred too; a deferral
# queue holds 16, the 17th call crosses), and a packet crosses out at
# least 4 times fewer than with nooks.ko local=0 defer=0 in the same
# guest, and at most 3 times per 5 packets. Exact counts, not timed; the
# other crossings (the polls, the pool's misses: the first poll learns,
# and a poll that finds more packets than the last one took crosses for
# the rest) vary with how many packets a poll finds.
# testvm-modules: e1000 virtio_pci virtio_net pktgen
# testvm-tools: ip
# testvm-qemu: -netdev hubport,id=h0,hubid=0 -device e1000,netdev=h0 -netdev hubport,id=h1,hubid=0 -device virtio-net-pci,netdev=h1
# testvm-timeout: 600
# testvm-alone: packets per NAPI poll (its crossings per packet) follow the timing

PKTS=3000

# e1000_irqs IFC: the interrupts its line took, on all CPUs
e1000_irqs() {
	awk -v ifc="$1" '$NF == ifc { n = 0; for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) n += $i; print n }' \
		/proc/interrupts
}

# peer_send IFC COUNT DST DST_MAC: pktgen from the peer's namespace
peer_send() {
	nsenter -t "$PEER" -n sh -c "
		echo rem_device_all > /proc/net/pktgen/kpktgend_0
		echo 'add_device $1' > /proc/net/pktgen/kpktgend_0
		echo 'count $2' > /proc/net/pktgen/$1
		echo 'dst $3' > /proc/net/pktgen/$1
		echo 'dst_mac $4' > /proc/net/pktgen/$1
		echo start > /proc/net/pktgen/pgctrl
		echo rem_device_all > /proc/net/pktgen/kpktgend_0"
}

# rx_run LOCAL DEFER: packets received, and calls_out, calls_local,
# calls_deferred and interrupts over them, in RX
rx_run() {
	local p="l=$1 d=$2" ifc rx0 out0 loc0 def0 irq0
	check "$p: insmod nooks.ko $NOOKS_PARAMS local=$1 defer=$2" \
		insmod /nooks/nooks.ko $NOOKS_PARAMS local="$1" defer="$2"
	install_agent
	check "$p: nooksctl load e1000" nooksctl load e1000
	check_protection e1000
	ifc=$(nic_up e1000 10.0.3.1/24)
	check "$p: e1000 probed an interface ($ifc)" [ -n "$ifc" ]
	check "$p: ping the peer through isolated e1000" \
		ping -c 2 -W 3 10.0.3.2
	rx0=$(cat /sys/class/net/"$ifc"/statistics/rx_packets)
	out0=$(sysfs_domain e1000 calls_out)
	loc0=$(sysfs_domain e1000 calls_local)
	def0=$(sysfs_domain e1000 calls_deferred)
	irq0=$(e1000_irqs "$ifc")
	peer_send "$PIFC" $PKTS 10.0.3.1 "$(cat /sys/class/net/"$ifc"/address)"
	sleep 1
	RX=$(($(cat /sys/class/net/"$ifc"/statistics/rx_packets) - rx0))
	OUT=$(delta e1000 calls_out "$out0")
	LOC=$(delta e1000 calls_local "$loc0")
	DEF=$(delta e1000 calls_deferred "$def0")
	IRQ=$(($(e1000_irqs "$ifc") - irq0))
	echo "# local=$1 defer=$2: $RX of $PKTS packets received, calls_out $OUT, calls_local $LOC, calls_deferred $DEF, interrupts $IRQ"
	check "$p: e1000 received most of them ($RX)" [ "$RX" -ge $((PKTS / 2)) ]
	check "$p: ping the peer after" ping -c 2 -W 3 10.0.3.2
	check_eq "$p: e1000 live" live "$(sysfs_domain e1000 state)"
	ip link set "$ifc" down
	check "$p: nooksctl unload e1000" nooksctl unload e1000
	check "$p: rmmod nooks" rmmod nooks
}

check "modprobe pktgen" modprobe pktgen
shadow_peer virtio_net 10.0.3.2
PIFC=$(nsenter -t "$PEER" -n ip -o link show |
	awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2; exit }')
check "the peer's interface ($PIFC)" [ -n "$PIFC" ]

rx_run 0 0
base=$((100 * OUT / (RX + !RX)))
check_eq "l=0 d=0: nothing local" 0 "$LOC"
check_eq "l=0 d=0: nothing deferred" 0 "$DEF"

rx_run 1 1
# 4.25 a packet without the receive pool, about 5 with it
check "l=1 d=1: DMA syncs, skb_trim, eth_type_trans and napi_alloc_skb local for each packet ($LOC/$RX >= 4.5)" \
	[ $((2 * LOC)) -ge $((9 * RX)) ]
# a poll's 17th deferrable call crosses, and makes the 16 queued
check "l=1 d=1: napi_gro_receive deferred for most packets ($DEF - $IRQ interrupts >= 3/4 of $RX)" \
	[ $((4 * (DEF - IRQ))) -ge $((3 * RX)) ]
check "l=1 d=1: 4 fewer crossings out per packet ($base/100 -> $((100 * OUT / RX))/100)" \
	[ $((base - 100 * OUT / (RX + !RX))) -ge 400 ]
# 1.23 a packet without the receive pool, 0.33 to 0.42 with it
check "l=1 d=1: at most 3 crossings out per 5 packets ($OUT/$RX)" \
	[ $((5 * OUT)) -le $((3 * RX)) ]
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
