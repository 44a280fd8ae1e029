# SPDX-License-Identifier: GPL-2.0
# Page-table protection (arch/x86/protect.c), opt-in with
# nooks.protection=1, on Debian's dummy.ko: the driver runs on its own
# page table and stacks and still transmits; a write to nooks.ko's memory
# (wild-write), one to a kernel global (kernel-write) and one to a page of
# the domain's heap it freed (stale-write) are contained protection
# faults, the kernel and a sentinel process run on, and the global is
# unchanged. The domain's heap is a slab cache per size class, gone when
# the driver is unloaded. Without protection the same writes land
# (tests/e2e/recover-dummy.sh injects them only when booted with
# nooks.protection=1, as tests/check.sh does). Here each fault is on a
# fresh load with --restart=never, which then stops the domain.
# testvm-modules: dummy
# testvm-append: nooks.protection=1
# testvm-timeout: 400

check "insmod nooks.ko protection=1" insmod /nooks/nooks.ko $NOOKS_PARAMS
start_sentinel
check_match "global protection file" \
	"^on (flush-global|nonglobal) (pcid|nopcid) [45]-level$" \
	"$(cat /sys/kernel/nooks/protection)"
v0=$(cat /proc/sys/kernel/overflowuid)
heaps() {
	ls /sys/kernel/slab | grep -c '^nooks-dummy-'
}
for fault in wild-write kernel-write stale-write; do
	check "$fault: nooksctl load dummy" nooksctl load dummy --restart=never
	check_protection dummy
	check "$fault: its heap, a cache per kmalloc size class" \
		[ "$(heaps)" -ge 13 ]
	echo "# $(sysfs_domain dummy protection)"
	check "$fault: dummy0 transmits under protection" \
		[ "$(dummy_up)" -ge 2 ]
	check "$fault: nooksctl inject" nooksctl inject dummy $fault
	for i in $(seq 50); do
		[ "$(sysfs_domain dummy faults)" != 0 ] && break
		cat /sys/class/net/dummy0/statistics/tx_packets > /dev/null
		sleep 0.2
	done
	check_eq "$fault: counted" 1 "$(sysfs_domain dummy faults)"
	check_match "$fault: a protection fault of its payload" \
		"^protection-fault nooks_payload_${fault/-/_}\+.* injected in " \
		"$(sysfs_domain dummy last_fault)"
	check "$fault: stopped" wait_domain dummy state stopped 30
	check "$fault: nooksctl unload dummy" nooksctl unload dummy
	check_eq "$fault: its heap is gone" 0 "$(heaps)"
done
check_eq "kernel-write: overflowuid unchanged" "$v0" \
	"$(cat /proc/sys/kernel/overflowuid)"
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "rmmod nooks" rmmod nooks
