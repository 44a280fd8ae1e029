# SPDX-License-Identifier: GPL-2.0
# The block shadow driver with Debian's null_blk.ko (memory-backed),
# isolated: /dev/nullb0 survives every fault type with its number, size
# and queue settings, held open by a writer/reader with checksums
# (tests/e2e/bin/blkcheck.c, 4 threads) that gets no I/O error and no
# bad data across every fault: the requests in flight wait for the
# restarted driver. What the restart loses is null_blk's store, which
# is driver memory: a block written before a fault reads back as zeros
# after it, which blkcheck counts apart.
# testvm-modules: null_blk
# testvm-bin: tests/e2e/bin/blkcheck
# testvm-timeout: 1500
# testvm-alone: its I/O stream waits are timed

ROUNDS=$(shadow_rounds)
# null_blk completes from a timer (irqmode 2: requests are inside the
# driver at the fault, and are requeued) unless the command line says
# nooks_test.irqmode=1 (softirq: they are inside only during queue_rq)
IRQMODE=$(sed -n 's/.*nooks_test\.irqmode=\([0-9]\).*/\1/p' /proc/cmdline)
IRQMODE=${IRQMODE:-2}

# blk_state DISK: what must not change across a recovery
blk_state() {
	local b=/sys/block/$1
	echo "dev=$(cat "$b"/dev) size=$(cat "$b"/size)" \
		"scheduler=$(cat "$b"/queue/scheduler)" \
		"read_ahead_kb=$(cat "$b"/queue/read_ahead_kb)" \
		"nr_requests=$(cat "$b"/queue/nr_requests)" \
		"block=$(cat "$b"/queue/logical_block_size)"
}

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load null_blk (policy shadow by default)" \
	nooksctl load null_blk -- memory_backed=1 gb=1 irqmode="$IRQMODE" \
	completion_nsec=1000000
check_protection null_blk
check_eq "restart policy" shadow "$(sysfs_domain null_blk restart)"
echo 1000 > /sys/kernel/nooks/domains/null_blk/restart_limit
check_eq "shadow passive" passive "$(sysfs_domain null_blk shadow)"
check_eq "shadow log: the disk" 1 "$(sysfs_domain null_blk shadow_log)"
# settings the kernel keeps in the queue, which the shadow keeps
check "nullb0: scheduler none" sh -c "echo none > /sys/block/nullb0/queue/scheduler"
check "nullb0: read-ahead 1 MiB" sh -c "echo 1024 > /sys/block/nullb0/queue/read_ahead_kb"
before=$(blk_state nullb0)
echo "# $before"

blkcheck /dev/nullb0 4 /sys/kernel/nooks/domains/null_blk/faults \
	> /tmp/blkcheck 2>&1 &
BLKCHECK=$!
sleep 1
i=0
for round in $(seq "$ROUNDS"); do
	for ft in $FAULTS; do
		i=$((i + 1))
		shadow_fault null_blk "${ft%%:*}" "${ft#*:}" /dev/nullb0
		check_eq "fault $i (${ft%%:*}): the same disk and queue settings" \
			"$before" "$(blk_state nullb0)"
		check "fault $i (${ft%%:*}): the writer/reader runs on" \
			kill -0 "$BLKCHECK"
	done
done
sleep 1
kill -TERM "$BLKCHECK"
wait "$BLKCHECK"
rc=$?
cat /tmp/blkcheck | sed 's/^/# /'
check_eq "blkcheck across $i faults: no I/O error, no bad data (exit status)" \
	0 "$rc"
check "blkcheck did I/O" grep -q "^blkcheck: ops [1-9]" /tmp/blkcheck
echo "# requests requeued: $(dmesg |
	sed -n 's/.*nullb0 is its driver.s again: \([0-9]*\) requests requeued.*/\1/p' |
	awk '{ n += $1; c++ } END { printf "%d in %d recoveries", n, c }')"
check_eq "shadow passive again" passive "$(sysfs_domain null_blk shadow)"
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload null_blk" nooksctl unload null_blk
check_fails "nullb0 gone with its driver" [ -e /sys/block/nullb0 ]
check "rmmod nooks" rmmod nooks
