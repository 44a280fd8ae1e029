# SPDX-License-Identifier: GPL-2.0
# make bench: costs of isolation measured in the guest, native and
# isolated in the same VM. Prints "bench: KEY VALUE" lines the host
# collects. Wall times are TCG times (only their ratio means anything);
# crossing counts are exact.
# testvm-modules: e1000 null_blk
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 900

N=10

# centiseconds since boot
now() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# avg_load_cs CMD...: mean centiseconds of N runs of CMD then its undo
avg_cs() {
	local load=$1 unload=$2 i t0 t total=0
	for i in $(seq $N); do
		t0=$(now)
		$load > /dev/null || return 1
		t=$(($(now) - t0))
		total=$((total + t))
		$unload > /dev/null
	done
	echo $((total / N))
}

crossings() {
	echo $(($(sysfs_domain "$1" calls_in) + $(sysfs_domain "$1" calls_out)))
}

check "insmod nooks.ko" insmod /nooks/nooks.ko
echo "bench: e1000_load_native_cs $(avg_cs 'modprobe e1000' 'rmmod e1000')"
echo "bench: e1000_load_isolated_cs $(avg_cs 'nooksctl load e1000' 'nooksctl unload e1000')"
echo "bench: e1000_check_cs $(avg_cs 'nooksctl check e1000' 'true')"

# Crossings per ping through isolated e1000.
check "load e1000" nooksctl load e1000
ifc=$(nic_up e1000)
ping -c 2 -W 2 10.0.2.2 > /dev/null
echo "bench: e1000_probe_ifup_crossings_in $(sysfs_domain e1000 calls_in)"
echo "bench: e1000_probe_ifup_crossings_out $(sysfs_domain e1000 calls_out)"
c0=$(crossings e1000)
in0=$(sysfs_domain e1000 calls_in)
check "100 pings" ping -c 100 -i 0.05 -W 2 10.0.2.2
c1=$(crossings e1000)
in1=$(sysfs_domain e1000 calls_in)
echo "bench: e1000_crossings_per_ping_x100 $(((c1 - c0) * 100 / 100))"
echo "bench: e1000_entries_per_ping_x100 $(((in1 - in0) * 100 / 100))"
check "unload e1000" nooksctl unload e1000

# Crossings per 4 KiB direct I/O on isolated null_blk.
check "load null_blk" nooksctl load null_blk -- memory_backed=1 gb=1
dd if=/dev/zero of=/dev/nullb0 bs=4096 count=16 oflag=direct 2>/dev/null
c0=$(crossings null_blk)
check "1024 writes" dd if=/dev/zero of=/dev/nullb0 bs=4096 count=1024 oflag=direct
c1=$(crossings null_blk)
check "1024 reads" dd if=/dev/nullb0 of=/dev/null bs=4096 count=1024 iflag=direct
c2=$(crossings null_blk)
echo "bench: null_blk_crossings_per_write_x100 $(((c1 - c0) * 100 / 1024))"
echo "bench: null_blk_crossings_per_read_x100 $(((c2 - c1) * 100 / 1024))"
check "unload null_blk" nooksctl unload null_blk
