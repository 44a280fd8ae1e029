# SPDX-License-Identifier: GPL-2.0
# Local calls (domains/local.h) on Debian's e1000, with page-table
# protection off and on, against nooks.ko's local=0 in the same guest.
# QEMU's e1000 has no IOMMU in front of it: each DMA map and unmap is
# answered in the domain. e1000 maps and unmaps each packet it sends,
# and calls skb_clone_tx_timestamp, which does nothing for a packet of
# no socket (pktgen's): three crossings out per packet with local=0,
# three local calls (an exact count) and none with local=1. dummy,
# whose skb free is deferred, then crosses out for nothing it sends.
# e1000's packets go to the restricted user network (nothing leaves the
# VM), and a ping to its gateway answers before and after.
# testvm-modules: e1000 dummy pktgen
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 400

PKTS=5000

# e1000_run PROT LOCAL: calls_out and calls_local per packet (x100) in PER
e1000_run() {
	local out0 loc0 sent out loc ifc
	check "p=$1 l=$2: nooksctl load e1000" nooksctl load e1000
	ifc=$(nic_up e1000)
	check "p=$1 l=$2: e1000 probed an interface ($ifc)" [ -n "$ifc" ]
	check "p=$1 l=$2: ping 10.0.2.2 through isolated e1000" \
		ping -c 3 -W 3 10.0.2.2
	out0=$(sysfs_domain e1000 calls_out)
	loc0=$(sysfs_domain e1000 calls_local)
	sent=$(pktgen_send "$ifc" $PKTS)
	# the completions of the last packets
	sleep 1
	out=$(delta e1000 calls_out "$out0")
	loc=$(delta e1000 calls_local "$loc0")
	echo "# protection=$1 local=$2 e1000: ${sent:-0} packets, calls_out $out, calls_local $loc"
	check_eq "p=$1 l=$2: e1000 sent them all" "$PKTS" "${sent:-0}"
	check "p=$1 l=$2: ping 10.0.2.2 after" ping -c 2 -W 3 10.0.2.2
	check_eq "p=$1 l=$2: e1000 live" live "$(sysfs_domain e1000 state)"
	ip link set "$ifc" down
	check "p=$1 l=$2: nooksctl unload e1000" nooksctl unload e1000
	PER="$((100 * out / PKTS)) $((100 * loc / PKTS))"
}

# dummy_run: dummy's calls_out and calls_local per packet (x100) in PER
dummy_run() {
	local out0 loc0 sent out loc
	check "dummy: nooksctl load dummy" nooksctl load dummy
	ip link set dummy0 up
	out0=$(sysfs_domain dummy calls_out)
	loc0=$(sysfs_domain dummy calls_local)
	sent=$(pktgen_send dummy0 $PKTS)
	out=$(delta dummy calls_out "$out0")
	loc=$(delta dummy calls_local "$loc0")
	echo "# dummy: ${sent:-0} packets, calls_out $out, calls_local $loc"
	check_eq "dummy sent them all" "$PKTS" "${sent:-0}"
	check "dummy: nooksctl unload dummy" nooksctl unload dummy
	PER="$((100 * out / PKTS)) $((100 * loc / PKTS))"
}

check "modprobe pktgen" modprobe pktgen
for prot in 0 1; do
	check "insmod nooks.ko protection=$prot local=0" \
		insmod /nooks/nooks.ko protection=$prot local=0
	install_agent
	e1000_run $prot 0
	set -- $PER
	base=$1
	check_eq "p=$prot l=0: nothing local" 0 "$2"
	check "p=$prot l=0: a map, an unmap, a timestamp cross out per packet ($1/100)" \
		[ "$1" -ge 300 ]
	check "rmmod nooks" rmmod nooks

	check "insmod nooks.ko protection=$prot" \
		insmod /nooks/nooks.ko protection=$prot
	install_agent
	e1000_run $prot 1
	set -- $PER
	check "p=$prot l=1: a map, an unmap, a timestamp local per packet ($2/100)" \
		[ "$2" -ge 300 ]
	# the other crossings (interrupts, NAPI polls) vary with timing
	check "p=$prot l=1: fewer crossings out per packet ($base/100 -> $1/100)" \
		[ $((base - $1)) -ge 250 ]
	# dummy's timestamp call local, its skb free deferred: no
	# crossing out at all, the packet's one crossing is its xmit
	dummy_run
	check_eq "p=$prot: dummy, no crossing out, a local timestamp per packet" \
		"0 100" "$PER"
	check "rmmod nooks" rmmod nooks
done
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
