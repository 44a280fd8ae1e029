# SPDX-License-Identifier: GPL-2.0
# make bench: the cost per operation of isolation, native and isolated
# in the same guest (tools/testvm/bench.sh runs this twice: under TCG
# for rates, and under -icount shift=0 with one vCPU, where the guest
# clock counts instructions). Each workload prints
#   bench: op DRIVER WORKLOAD MODE VALUE UNIT OPS CROSSINGS NS
# MODE native or isolated; VALUE the rate or latency (UNIT iops, pps,
# us); OPS the operations done; CROSSINGS the domain's calls_in +
# calls_out over them (0 natively); NS the guest nanoseconds they took
# (instructions under icount; 0 where the workload waits, a ping).
# nooks_bench.protection=1 on the kernel command line isolates under
# page-table protection; nooks_bench.defer=0 loads nooks.ko with
# defer=0 (every call crosses: domains/defer.h, to compare), and
# nooks_bench.batch=0 with batch=0 (no batched entries: domains/batch.h);
# nooks_bench.icount=1 runs fewer operations.
# testvm-modules: null_blk e1000 dummy pktgen
# testvm-tools: fio jq
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 1500

arg() { sed -n "s/.*nooks_bench\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

ICOUNT=$(arg icount)
PARAMS=
[ "$(arg protection)" = 1 ] && PARAMS=protection=1
[ "$(arg defer)" = 0 ] && PARAMS="$PARAMS defer=0"
[ "$(arg batch)" = 0 ] && PARAMS="$PARAMS batch=0"
if [ "$ICOUNT" = 1 ]; then
	IOS=20000	# I/Os per fio run
	PKTS=20000	# packets per pktgen run
else
	IOS=
	PKTS=200000
fi

crossings() {
	if [ -d /sys/kernel/nooks/domains/"$1" ]; then
		echo $(($(sysfs_domain "$1" calls_in) + $(sysfs_domain "$1" calls_out)))
	else
		echo 0
	fi
}

# report DRIVER WORKLOAD MODE VALUE UNIT OPS CROSSINGS NS
report() { echo "bench: op $*"; }

# --- null_blk: 4 KiB random I/O with fio (io_uring, O_DIRECT) ---

# fio_run DOMAIN MODE RW QD [BATCH]: BATCH, I/Os submitted and reaped
# 16 at a time with no I/O scheduler (blk-mq's queue_rqs: domains/batch.c)
fio_run() {
	local dom=$1 mode=$2 rw=$3 qd=$4 batch=$5 c0 c1 out dir ops ms iops
	local size="--runtime=3 --time_based" opts= name=
	[ -n "$IOS" ] && size="--number_ios=$IOS --size=1g"
	if [ -n "$batch" ]; then
		opts="--iodepth_batch_submit=$batch --iodepth_batch_complete_min=$batch"
		name=-batch$batch
		echo none > /sys/block/nullb0/queue/scheduler
	fi
	c0=$(crossings "$dom")
	out=$(fio --name=b --filename=/dev/nullb0 --direct=1 \
		--ioengine=io_uring --rw="$rw" --bs=4k --iodepth="$qd" \
		$opts $size --output-format=json 2>/dev/null)
	c1=$(crossings "$dom")
	dir=read
	[ "$rw" = randwrite ] && dir=write
	ops=$(echo "$out" | jq ".jobs[0].$dir.total_ios")
	ms=$(echo "$out" | jq ".jobs[0].job_runtime")
	iops=$(echo "$out" | jq ".jobs[0].$dir.iops | floor")
	check "null_blk $mode $rw qd$qd$name: fio did I/O ($ops)" \
		[ "${ops:-0}" -gt 0 ]
	report null_blk "$rw-4k-qd$qd$name" "$mode" "$iops" iops "$ops" \
		$((c1 - c0)) $((ms * 1000000))
}

null_blk_all() {
	local mode=$1 rw qd
	for rw in randread randwrite; do
		for qd in 1 32; do
			fio_run null_blk "$mode" "$rw" "$qd"
		done
		fio_run null_blk "$mode" "$rw" 32 16
	done
}

check "native null_blk" modprobe null_blk gb=1 bs=4096
null_blk_all native
check "native rmmod null_blk" rmmod null_blk

check "insmod nooks.ko $PARAMS" insmod /nooks/nooks.ko $PARAMS
# e.g. "on flush-global nopcid 5-level": protection, TLB mode, paging
echo "bench: meta nooks $(cat /sys/kernel/nooks/protection)"
check "isolated null_blk" nooksctl load null_blk -- gb=1 bs=4096
null_blk_all isolated
check "unload null_blk" nooksctl unload null_blk

# --- dummy and e1000: pktgen sends 60-byte UDP packets ---

check "modprobe pktgen" modprobe pktgen
pgset() { echo "$2" > /proc/net/pktgen/"$1"; }

# pktgen_run DOMAIN MODE IFC DST DST_MAC WORKLOAD [BURST]: BURST, packets
# sent in bursts of it, xmit_more set for all but the last of each
# (batched transmits: domains/xmit.c)
pktgen_run() {
	local dom=$1 mode=$2 ifc=$3 c0 c1 res usec sent pps
	pgset kpktgend_0 rem_device_all
	pgset kpktgend_0 "add_device $ifc"
	pgset "$ifc" "count $PKTS"
	pgset "$ifc" "pkt_size 60"
	pgset "$ifc" "delay 0"
	pgset "$ifc" "clone_skb 0"
	pgset "$ifc" "burst ${7:-1}"
	pgset "$ifc" "dst $4"
	pgset "$ifc" "dst_mac $5"
	c0=$(crossings "$dom")
	pgset pgctrl start
	c1=$(crossings "$dom")
	# "Result: OK: 1234(c1000+d234) usec, 200000 (60byte,0frags)"
	# "  162000pps 77Mb/sec (...) errors: 0"
	res=$(cat /proc/net/pktgen/"$ifc")
	# busy time: pktgen's own idle waits (a full tx queue) left out
	usec=$(echo "$res" | sed -n 's/.*Result: OK: [0-9]*(c\([0-9]*\)+d.*/\1/p')
	sent=$(echo "$res" | sed -n 's/.* usec, \([0-9]*\) (.*/\1/p')
	pps=$(echo "$res" | sed -n 's/^ *\([0-9]*\)pps .*/\1/p')
	check "$dom $mode: pktgen sent $sent packets" [ "${sent:-0}" -gt 0 ]
	pgset kpktgend_0 rem_device_all
	report "$dom" "$6" "$mode" "$pps" pps "$sent" $((c1 - c0)) \
		$((usec * 1000))
}

dummy_all() {
	local mode=$1
	ip link set dummy0 up
	ip addr add 10.9.0.1/24 dev dummy0
	pktgen_run dummy "$mode" dummy0 10.9.0.2 52:54:00:12:34:57 send-60b
	pktgen_run dummy "$mode" dummy0 10.9.0.2 52:54:00:12:34:57 \
		send-60b-burst16 16
	ip link set dummy0 down
}

check "native dummy" modprobe dummy
dummy_all native
check "native rmmod dummy" rmmod dummy
check "isolated dummy" nooksctl load dummy
dummy_all isolated
check "unload dummy" nooksctl unload dummy

# ping_run DOMAIN MODE: round trip to the slirp gateway (in QEMU)
ping_run() {
	local dom=$1 mode=$2 n=50 c0 c1 avg
	c0=$(crossings "$dom")
	avg=$(ping -c $n -i 0.05 -W 2 10.0.2.2 |
		sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p')
	c1=$(crossings "$dom")
	check "e1000 $mode: pings answered (avg ${avg:-none} ms)" [ -n "$avg" ]
	report e1000 ping-rtt "$mode" \
		"$(awk -v a="${avg:-0}" 'BEGIN { printf "%d", a * 1000 }')" us \
		$n $((c1 - c0)) 0
}

e1000_all() {
	local mode=$1 ifc
	ifc=$(nic_up e1000)
	check "e1000 $mode: interface ($ifc)" [ -n "$ifc" ]
	ping -c 2 -W 2 10.0.2.2 > /dev/null
	ping_run e1000 "$mode"
	pktgen_run e1000 "$mode" "$ifc" 10.0.2.2 52:55:0a:00:02:02 send-60b
	pktgen_run e1000 "$mode" "$ifc" 10.0.2.2 52:55:0a:00:02:02 \
		send-60b-burst16 16
	ip link set "$ifc" down
}

check "native e1000" modprobe e1000
e1000_all native
check "native rmmod e1000" rmmod e1000
check "isolated e1000" nooksctl load e1000
e1000_all isolated
check "unload e1000" nooksctl unload e1000
check "rmmod nooks" rmmod nooks

echo "bench: meta cmdline $(cat /proc/cmdline)"
