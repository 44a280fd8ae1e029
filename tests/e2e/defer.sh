# SPDX-License-Identifier: GPL-2.0
# Deferred exit calls (domains/defer.h), on Debian's null_blk and dummy,
# with page-table protection off and on, against nooks.ko's defer=0 in
# the same guest, local calls off (with them, dummy's
# skb_clone_tx_timestamp does not cross at all: tests/e2e/local.sh).
# Crossing counts are exact, not timed: null_blk crosses
# out three times per I/O (blk_mq_start_request, blk_mq_complete_request,
# blk_mq_end_request) and dummy twice per packet (skb_clone_tx_timestamp,
# consume_skb); deferred, the completion's two and the free wait for the
# end of the crossing, and each leaves one. The data still round-trips,
# the domains stay live, and the deferred calls are counted.
# testvm-modules: null_blk dummy pktgen
# testvm-tools: fio jq
# testvm-timeout: 400

IOS=3000
PKTS=5000

# null_blk_run PROT DEFER: calls_out and calls_deferred per I/O (x100)
# in PER
null_blk_run() {
	local out0 def0 ios out def
	check "p=$1 d=$2: nooksctl load null_blk memory_backed=1" \
		nooksctl load null_blk -- gb=1 bs=4096 memory_backed=1
	dd if=/dev/urandom of=/tmp/pattern bs=4096 count=256 2>/dev/null
	check "p=$1 d=$2: null_blk: a 1 MiB pattern written and read back" \
		sh -c 'dd if=/tmp/pattern of=/dev/nullb0 bs=4096 oflag=direct 2>/dev/null &&
		       dd if=/dev/nullb0 of=/tmp/back bs=4096 count=256 iflag=direct 2>/dev/null &&
		       cmp -s /tmp/pattern /tmp/back'
	check "p=$1 d=$2: nooksctl unload null_blk" nooksctl unload null_blk
	check "p=$1 d=$2: nooksctl load null_blk" \
		nooksctl load null_blk -- gb=1 bs=4096
	out0=$(sysfs_domain null_blk calls_out)
	def0=$(sysfs_domain null_blk calls_deferred)
	ios=$(fio --name=b --filename=/dev/nullb0 --direct=1 \
		--ioengine=io_uring --rw=randread --bs=4k --iodepth=32 \
		--number_ios=$IOS --size=1g --output-format=json 2>/dev/null |
		jq .jobs[0].read.total_ios)
	out=$(delta null_blk calls_out "$out0")
	def=$(delta null_blk calls_deferred "$def0")
	echo "# protection=$1 defer=$2 null_blk: $ios I/Os, calls_out $out, calls_deferred $def"
	check_eq "p=$1 d=$2: null_blk live" live "$(sysfs_domain null_blk state)"
	check "p=$1 d=$2: nooksctl unload null_blk" nooksctl unload null_blk
	PER="$((100 * out / ios)) $((100 * def / ios))"
}

# dummy_run PROT DEFER: calls_out and calls_deferred per packet (x100)
# in PER
dummy_run() {
	local out0 def0 sent out def
	check "p=$1 d=$2: nooksctl load dummy" nooksctl load dummy
	ip link set dummy0 up
	out0=$(sysfs_domain dummy calls_out)
	def0=$(sysfs_domain dummy calls_deferred)
	sent=$(pktgen_send dummy0 $PKTS)
	out=$(delta dummy calls_out "$out0")
	def=$(delta dummy calls_deferred "$def0")
	echo "# protection=$1 defer=$2 dummy: $sent packets, calls_out $out, calls_deferred $def"
	check_eq "p=$1 d=$2: dummy sent them all" "$PKTS" "$sent"
	check_eq "p=$1 d=$2: dummy live" live "$(sysfs_domain dummy state)"
	check "p=$1 d=$2: nooksctl unload dummy" nooksctl unload dummy
	PER="$((100 * out / sent)) $((100 * def / sent))"
}

check "modprobe pktgen" modprobe pktgen
for prot in 0 1; do
	check "insmod nooks.ko protection=$prot defer=0 local=0" \
		insmod /nooks/nooks.ko protection=$prot defer=0 local=0
	install_agent
	null_blk_run $prot 0
	check_eq "p=$prot: null_blk, nothing deferred: 3 calls out per I/O" \
		"300 0" "$PER"
	dummy_run $prot 0
	check_eq "p=$prot: dummy, nothing deferred: 2 calls out per packet" \
		"200 0" "$PER"
	check "rmmod nooks" rmmod nooks

	check "insmod nooks.ko protection=$prot local=0" \
		insmod /nooks/nooks.ko protection=$prot local=0
	install_agent
	null_blk_run $prot 1
	check_eq "p=$prot: null_blk deferred: 1 call out, 2 deferred per I/O" \
		"100 200" "$PER"
	dummy_run $prot 1
	check_eq "p=$prot: dummy deferred: 1 call out, 1 deferred per packet" \
		"100 100" "$PER"
	check "rmmod nooks" rmmod nooks
done
