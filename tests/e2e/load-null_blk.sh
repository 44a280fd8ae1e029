# SPDX-License-Identifier: GPL-2.0
# Debian's null_blk.ko isolated (memory-backed): a written pattern reads
# back intact, both directions cross, unload is clean, 20 cycles leak
# nothing. Its dependency configfs loads natively.
# testvm-modules: null_blk
# testvm-timeout: 400

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
check "nooksctl load null_blk -- memory_backed=1 gb=1" \
	nooksctl load null_blk -- memory_backed=1 gb=1
check_eq "domain live" live "$(sysfs_domain null_blk state)"
check "/dev/nullb0 exists" [ -b /dev/nullb0 ]

dd if=/dev/urandom of=/tmp/pattern bs=4096 count=256 2>/dev/null
check "write 1 MiB pattern" dd if=/tmp/pattern of=/dev/nullb0 bs=4096 \
	count=256 oflag=direct
check "read it back" dd if=/dev/nullb0 of=/tmp/back bs=4096 count=256 \
	iflag=direct
check "pattern intact" cmp /tmp/pattern /tmp/back
check_crossings null_blk
show_objects null_blk
# Its configfs subsystem, block major and device index, a tag set, an
# added gendisk, and the pages backing what was written.
check_objects null_blk driver=1 chrdev=1 id=1 blk_mq=1 gendisk=1 disk_added=1 memory=+

check "nooksctl unload null_blk" nooksctl unload null_blk
check_fails "module gone" [ -e /sys/module/null_blk ]
check_fails "/dev/nullb0 gone" [ -e /dev/nullb0 ]
check "nooksctl load null_blk again" nooksctl load null_blk -- memory_backed=1 gb=1
check "write to it" dd if=/tmp/pattern of=/dev/nullb0 bs=4096 count=16 oflag=direct
check_unload_releases null_blk

check_isolated_cycles null_blk 20 memory_backed=1 gb=1
check "rmmod nooks" rmmod nooks
