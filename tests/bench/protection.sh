# SPDX-License-Identifier: GPL-2.0
# make bench: what page-table protection costs, in one VM: null_blk 4 KiB
# direct I/O and e1000 ping round trips native (modprobe), isolated
# (nooksctl load) and protected (nooks.ko's protection parameter set
# before the load), with the crossings each operation makes. Wall times
# are TCG times: a CR3 write costs QEMU a flush of its whole soft TLB, so
# the protected/native ratio here is far worse than on hardware; only
# crossings per operation carry over (Documentation/design/protection.rst).
# testvm-modules: e1000 null_blk
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 1200

IOS=2048
PINGS=200

# ns since boot (busybox date has no %N)
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }

crossings() {
	echo $(($(sysfs_domain "$1" calls_in) + $(sysfs_domain "$1" calls_out)))
}

# blk MODE: KIOPS x1000 of 4 KiB direct writes then reads on /dev/nullb0
blk() {
	local mode=$1 t0 t1 t2 c0 c1
	# warm up: the disk's pages allocated, TCG's translations made
	dd if=/dev/zero of=/dev/nullb0 bs=4096 count=$IOS oflag=direct \
		2>/dev/null
	dd if=/dev/nullb0 of=/dev/null bs=4096 count=$IOS iflag=direct \
		2>/dev/null
	[ "$mode" = native ] || c0=$(crossings null_blk)
	t0=$(now_ns)
	dd if=/dev/zero of=/dev/nullb0 bs=4096 count=$IOS oflag=direct \
		2>/dev/null || return 1
	t1=$(now_ns)
	dd if=/dev/nullb0 of=/dev/null bs=4096 count=$IOS iflag=direct \
		2>/dev/null || return 1
	t2=$(now_ns)
	echo "bench: null_blk_${mode}_write_iops $((IOS * 1000000000 / (t1 - t0)))"
	echo "bench: null_blk_${mode}_read_iops $((IOS * 1000000000 / (t2 - t1)))"
	if [ "$mode" != native ]; then
		c1=$(crossings null_blk)
		echo "bench: null_blk_${mode}_crossings_per_io_x100 $(((c1 - c0) * 100 / (2 * IOS)))"
	fi
}

# net MODE: mean ping round trip (us) to the slirp gateway through e1000
net() {
	local mode=$1 c0 c1 avg
	ifc=$(nic_up e1000)
	ping -c 3 -W 2 10.0.2.2 > /dev/null || return 1
	[ "$mode" = native ] || c0=$(crossings e1000)
	avg=$(ping -c $PINGS -i 0.01 -W 2 10.0.2.2 |
		awk -F/ '/round-trip/ { printf "%d", $4 * 1000 }')
	[ -n "$avg" ] || return 1
	echo "bench: e1000_${mode}_ping_rtt_us $avg"
	if [ "$mode" != native ]; then
		c1=$(crossings e1000)
		echo "bench: e1000_${mode}_crossings_per_ping_x100 $(((c1 - c0) * 100 / PINGS))"
	fi
}

check "native null_blk" modprobe null_blk memory_backed=1 gb=1
check "native null_blk I/O" blk native
check "rmmod null_blk" rmmod null_blk
check "native e1000" modprobe e1000
check "native e1000 ping" net native
check "rmmod e1000" rmmod e1000

check "insmod nooks.ko" insmod /nooks/nooks.ko
for mode in isolated protected; do
	[ $mode = protected ] &&
		echo 1 > /sys/module/nooks/parameters/protection
	check "$mode null_blk" nooksctl load null_blk -- memory_backed=1 gb=1
	check "$mode null_blk I/O" blk $mode
	echo "# $(sysfs_domain null_blk protection)"
	check "$mode unload null_blk" nooksctl unload null_blk
	check "$mode e1000" nooksctl load e1000
	check "$mode e1000 ping" net $mode
	echo "# $(sysfs_domain e1000 protection)"
	check "$mode unload e1000" nooksctl unload e1000
done
check "rmmod nooks" rmmod nooks
