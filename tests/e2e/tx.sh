# SPDX-License-Identifier: GPL-2.0
# Batched transmits (domains/xmit.h) on Debian's e1000 and dummy (a
# lockless one, NETIF_F_LLTX), page-table protection off and on, against
# nooks.ko's batch=0 in the same guest. pktgen sends bursts of 16
# packets (xmit_more set for all but the last of each): a burst's first
# 15 are answered by the entry gate without crossing, the 16th crosses
# once with all of them. Every packet pktgen counts as sent must be one
# the driver transmitted (its tx_packets, exact), and e1000's reach the
# virtio-net peer on the same QEMU hub (nothing leaves the VM). Then a
# fault injected into e1000 while it sends bursts is contained and
# recovered, and nothing the bursts gave it is left held.
# testvm-modules: e1000 dummy virtio_pci virtio_net pktgen
# testvm-tools: ip
# testvm-qemu: -netdev hubport,id=h0,hubid=0 -device e1000,netdev=h0 -netdev hubport,id=h1,hubid=0 -device virtio-net-pci,netdev=h1
# testvm-timeout: 900

PKTS=4000
BURST=16

pg() { echo "$2" > /proc/net/pktgen/"$1"; }

# peer_rx: packets the peer's interface received
peer_rx() {
	nsenter -t "$PEER" -n cat /proc/net/dev | sed 's/:/ /' |
		awk -v i="$PIFC" '$1 == i { print $3 }'
}

# peer_mac: the peer's MAC address (its /sys/class/net is the VM's)
peer_mac() {
	nsenter -t "$PEER" -n ip -o link show "$PIFC" |
		sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'
}

# burst_send IFC COUNT DST DST_MAC: pktgen sends COUNT 60-byte packets in
# bursts of $BURST; prints how many it counted as sent
burst_send() {
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $1"
	pg "$1" "count $2"
	pg "$1" "pkt_size 60"
	pg "$1" "delay 0"
	pg "$1" "burst $BURST"
	pg "$1" "dst $3"
	pg "$1" "dst_mac $4"
	pg pgctrl start
	sed -n 's/.*sofar: \([0-9]*\).*/\1/p' /proc/net/pktgen/"$1"
	pg kpktgend_0 rem_device_all
}

# tx_run DOMAIN IFC DST DST_MAC LABEL: a pktgen run; SENT, TX (the
# driver's tx_packets), IN, OUT, BAT (calls_in, calls_out,
# calls_batched) over it
tx_run() {
	local dom=$1 ifc=$2 p=$5 tx0 in0 out0 bat0
	tx0=$(cat /sys/class/net/"$ifc"/statistics/tx_packets)
	in0=$(sysfs_domain "$dom" calls_in)
	out0=$(sysfs_domain "$dom" calls_out)
	bat0=$(sysfs_domain "$dom" calls_batched)
	SENT=$(burst_send "$ifc" $PKTS "$3" "$4")
	# e1000 counts a packet when its transmit completes
	sleep 1
	TX=$(($(cat /sys/class/net/"$ifc"/statistics/tx_packets) - tx0))
	IN=$(delta "$dom" calls_in "$in0")
	OUT=$(delta "$dom" calls_out "$out0")
	BAT=$(delta "$dom" calls_batched "$bat0")
	SENT=${SENT:-0}
	echo "# $p: pktgen sent $SENT, $dom transmitted $TX; calls_in $IN, calls_out $OUT, calls_batched $BAT"
	# its count is checked after each burst
	check "$p: pktgen sent them all ($SENT)" \
		[ "$SENT" -ge $PKTS -a "$SENT" -lt $((PKTS + BURST)) ]
	# a few more: the stack's own (IPv6 neighbour discovery)
	check "$p: $dom transmitted each one pktgen sent ($TX of $SENT)" \
		[ "$TX" -ge "$SENT" -a "$TX" -le $((SENT + 20)) ]
	check_eq "$p: $dom live" live "$(sysfs_domain "$dom" state)"
}

# tx_check LABEL BATCH DOMAIN: the crossings of a tx_run; without
# batching, one in per packet (kept in IN0_DOMAIN); with, one per burst, and
# e1000's interrupt and poll: at most 1/4 per packet, 4 times fewer
tx_check() {
	local p=$1 in0
	if [ "$2" = 0 ]; then
		check_eq "$p: nothing batched" 0 "$BAT"
		check "$p: a crossing in per packet ($IN for $SENT)" \
			[ "$IN" -ge "$SENT" ]
		eval "IN0_$3=$IN"
		return
	fi
	eval "in0=\$IN0_$3"
	check "$p: most packets sent in batches ($BAT of $SENT)" \
		[ $((10 * BAT)) -ge $((9 * SENT)) ]
	check "$p: at most 1/4 crossing in per packet ($IN for $SENT)" \
		[ $((4 * IN)) -le "$SENT" ]
	check "$p: 4 times fewer crossings in than unbatched ($IN, $in0)" \
		[ $((4 * IN)) -le "$in0" ]
	if [ "$3" = dummy ]; then
		# no interrupts: a crossing per burst, and the first ping's
		check "$p: one crossing in per burst ($IN for $SENT)" \
			[ "$IN" -le $((SENT / BURST + 2)) ]
	fi
}

check "modprobe pktgen" modprobe pktgen
shadow_peer virtio_net 10.0.3.2
PIFC=$(nsenter -t "$PEER" -n ip -o link show |
	awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2; exit }')
check "the peer's interface ($PIFC)" [ -n "$PIFC" ]
PMAC=$(peer_mac)
check "the peer's MAC address ($PMAC)" [ -n "$PMAC" ]

for prot in 0 1; do
	for batch in 0 1; do
		p="p=$prot b=$batch"
		check "$p: insmod nooks.ko" \
			insmod /nooks/nooks.ko protection=$prot batch=$batch
		install_agent

		check "$p: nooksctl load e1000" nooksctl load e1000
		ifc=$(nic_up e1000 10.0.3.1/24)
		check "$p: e1000 probed an interface ($ifc)" [ -n "$ifc" ]
		check "$p: ping the peer" ping -c 2 -W 3 10.0.3.2
		rx0=$(peer_rx)
		tx_run e1000 "$ifc" 10.0.3.2 "$PMAC" "$p e1000"
		rx=$(($(peer_rx) - rx0))
		echo "# $p e1000: the peer received $rx"
		check "$p e1000: the peer received most of them ($rx)" \
			[ "$rx" -ge $((SENT * 9 / 10)) ]
		tx_check "$p e1000" $batch e1000
		if [ $batch = 1 ]; then
			E1000_IN=$IN E1000_OUT=$OUT E1000_SENT=$SENT
		fi
		check "$p: ping the peer after" ping -c 2 -W 3 10.0.3.2
		ip link set "$ifc" down
		check "$p: nooksctl unload e1000" nooksctl unload e1000

		check "$p: nooksctl load dummy" nooksctl load dummy
		ip link set dummy0 up
		ip addr add 10.9.0.1/24 dev dummy0
		tx_run dummy dummy0 10.9.0.2 52:54:00:12:34:57 "$p dummy"
		tx_check "$p dummy" $batch dummy
		ip link set dummy0 down
		check "$p: nooksctl unload dummy" nooksctl unload dummy
		check "$p: rmmod nooks" rmmod nooks
	done
	per=$(((E1000_IN + E1000_OUT) * 100 / E1000_SENT))
	echo "# protection=$prot e1000 bursts of $BURST: $per/100 crossings per packet"
	# in: a crossing per burst, an interrupt and a poll per completion;
	# out: nearly none (its NAPI and queue-limit calls are local)
	check "p=$prot: e1000 sends bursts with at most 1/4 crossing per packet ($per/100)" \
		[ "$per" -le 25 ]
done

# a fault while e1000 sends bursts: each packet pktgen counted is the
# driver's or recovery's, and recovery frees what the driver held
check "insmod nooks.ko" insmod /nooks/nooks.ko
install_agent
check "nooksctl load e1000" nooksctl load e1000
ifc=$(nic_up e1000 10.0.3.1/24)
check "e1000 probed an interface ($ifc)" [ -n "$ifc" ]
check_inject e1000 null-deref page-fault \
	burst_send "$ifc" 2000 10.0.3.2 "$PMAC"
ifc=$(nic_up e1000 10.0.3.1/24)
check "e1000 back ($ifc)" [ -n "$ifc" ]
check "ping the peer after the fault" ping -c 2 -W 5 10.0.3.2
tx_run e1000 "$ifc" 10.0.3.2 "$PMAC" "after the fault: e1000"
ip link set "$ifc" down
check "nooksctl unload e1000" nooksctl unload e1000
check "rmmod nooks" rmmod nooks
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check_fails "no transmit timeout" sh -c "dmesg | grep -q 'NETDEV WATCHDOG'"
