# SPDX-License-Identifier: GPL-2.0
# Debian's null_blk.ko isolated (memory-backed), faulting on purpose,
# with plain restarts (the block shadow: shadow-null_blk.sh):
# every fault type (the writes too, under nooks.protection=1, as
# tests/check.sh runs it again) is contained while a sentinel process
# keeps running, the release leaves nothing held, and the restarted
# driver's /dev/nullb0 reads back what was written to it.
# testvm-modules: null_blk
# testvm-timeout: 600

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load null_blk (plain restart)" \
	nooksctl load null_blk --restart=always -- memory_backed=1 gb=1
check_protection null_blk
echo 100 > /sys/kernel/nooks/domains/null_blk/restart_limit
check "pattern reads back" pattern_ok /dev/nullb0
# heap_objects: what null_blk holds in its domain's heap (protected)
heap_objects() {
	cat /sys/kernel/slab/nooks-null_blk-*/objects 2>/dev/null |
		awk '{ n += $1 } END { print n + 0 }'
}
if [ -n "$NOOKS_PARAMS" ]; then
	check "null_blk allocates from its domain's heap" \
		[ "$(heap_objects)" -gt 0 ]
fi
check_disk_faults null_blk /dev/nullb0 $FAULTS
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload null_blk" nooksctl unload null_blk
check "rmmod nooks" rmmod nooks
