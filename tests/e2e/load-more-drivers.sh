# SPDX-License-Identifier: GPL-2.0
# The mechanism is general: more Debian drivers than the four the issue
# names, each isolated in turn, do their job and unload cleanly. NICs:
# e1000e, pcnet32, ne2k-pci (a dash in its file name: domain ne2k_pci),
# virtio_net (with virtio_pci native), each on its own restricted slirp
# (nothing leaves the VM); block: brd and loop with data read back.
# testvm-modules: e1000e pcnet32 ne2k-pci virtio_net virtio_pci brd loop
# testvm-qemu: -netdev user,id=n1,restrict=on -device e1000e,netdev=n1
# testvm-qemu: -netdev user,id=n2,restrict=on -device pcnet,netdev=n2
# testvm-qemu: -netdev user,id=n3,restrict=on -device ne2k_pci,netdev=n3
# testvm-qemu: -netdev user,id=n4,restrict=on -device virtio-net-pci,netdev=n4
# testvm-timeout: 600

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
check_nic_once e1000e
check_nic_once pcnet32
check_nic_once ne2k-pci ne2k_pci
check "virtio_pci natively" modprobe virtio_pci
check_nic_once virtio_net

dd if=/dev/urandom of=/tmp/pattern bs=4096 count=256 2>/dev/null
check "brd: nooksctl load" nooksctl load brd -- rd_nr=1 rd_size=8192
check "brd: write 1 MiB" dd if=/tmp/pattern of=/dev/ram0 bs=4096 count=256
echo 3 > /proc/sys/vm/drop_caches
check "brd: read back intact" sh -c \
	"dd if=/dev/ram0 bs=4096 count=256 2>/dev/null | cmp - /tmp/pattern"
check_crossings brd
check "brd: nooksctl unload" nooksctl unload brd

check "loop: nooksctl load" nooksctl load loop
dd if=/dev/zero of=/tmp/img bs=4096 count=256 2>/dev/null
check "loop: losetup" losetup /dev/loop0 /tmp/img
check "loop: write 1 MiB" dd if=/tmp/pattern of=/dev/loop0 bs=4096 \
	count=256 conv=fsync
check "loop: backing file holds it" cmp /tmp/pattern /tmp/img
check "loop: losetup -d" losetup -d /dev/loop0
check_crossings loop
check "loop: nooksctl unload" nooksctl unload loop
check "rmmod nooks" rmmod nooks
