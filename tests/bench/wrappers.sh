# SPDX-License-Identifier: GPL-2.0
# make bench: instructions a typed wrapper adds to a call. Under -icount
# shift=0 the guest clock advances one ns per instruction, so the ns per
# call pair tests/modules/nooks_bench_wrap.ko prints are instructions:
# native, isolated with wrappers (tracking kmalloc/kfree and spin
# lock/unlock), isolated without (generic gates), and protected (the
# kmalloc from the domain's heap, both crossings switching page tables),
# in the same VM.
# testvm-ko: tests/modules/nooks_bench_wrap.ko
# testvm-qemu: -smp 1 -icount shift=0
# testvm-timeout: 600

M=/nooks/nooks_bench_wrap.ko

# run LABEL CMD...: load the bench module with CMD, print its figures
run() {
	local label=$1 line
	shift
	dmesg -c > /dev/null
	check "$label: load" "$@"
	line=$(dmesg | grep -o 'kmalloc_kfree [0-9]* ns/pair, lock_unlock [0-9]* ns/pair')
	set -- $line
	echo "bench: ${label}_kmalloc_kfree_insns $2"
	echo "bench: ${label}_lock_unlock_insns $5"
	rmmod nooks_bench_wrap
}

run native insmod $M
check "insmod nooks.ko" insmod /nooks/nooks.ko
run typed nooksctl load $M
nooksctl domain destroy nooks_bench_wrap > /dev/null 2>&1
echo 0 > /sys/module/nooks/parameters/wrappers
run generic nooksctl load $M
nooksctl domain destroy nooks_bench_wrap > /dev/null 2>&1
echo 1 > /sys/module/nooks/parameters/wrappers
echo 1 > /sys/module/nooks/parameters/protection
run protected nooksctl load $M
nooksctl domain destroy nooks_bench_wrap > /dev/null 2>&1
echo 0 > /sys/module/nooks/parameters/protection
check "rmmod nooks" rmmod nooks
