# SPDX-License-Identifier: GPL-2.0
# Debian's e1000.ko isolated on QEMU's e1000 (-netdev user,restrict=on:
# nothing leaves the VM): it passes traffic, the object tracker's counts
# are what the driver really holds, they return to zero when it unloads,
# and load/unload cycles leak nothing.
# testvm-modules: e1000
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 500

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
check_nic_once e1000

check "nooksctl load e1000" nooksctl load e1000
show_objects e1000
# Probed, interface down: a PCI device enabled, one BAR mapped, a
# registered net_device with its NAPI context, no interrupt yet.
check_objects e1000 driver=1 pci_enabled=1 pci_regions=1 iomap=1 \
	netdev=1 netdev_registered=1 napi=1 irq=0 dma_coherent=0
ifc=$(nic_up e1000)
check "ping 10.0.2.2 through isolated e1000" ping -c 3 -W 3 10.0.2.2
show_objects e1000
# Up: its interrupt, the TX and RX descriptor rings; its RX buffers are
# mapped by local calls (domains/local.h: QEMU's e1000 is dma-direct),
# which hold nothing and are not recorded.
check_objects e1000 irq=1 netdev=1 napi=1 dma_coherent=2 dma_mapping=0 \
	memory=+
ip link set "$ifc" down
show_objects e1000
# Every skb handed to its ndo_start_xmit was freed by its TX cleanup.
check_objects e1000 irq=0 dma_coherent=0 dma_mapping=0 skb=0
check_unload_releases e1000

check_isolated_cycles e1000 20
check "rmmod nooks" rmmod nooks

# Local calls off: every DMA mapping crosses and is recorded until it
# is unmapped.
check "insmod nooks.ko local=0" insmod /nooks/nooks.ko $NOOKS_PARAMS local=0
check "local=0: nooksctl load e1000" nooksctl load e1000
ifc=$(nic_up e1000)
check "local=0: ping 10.0.2.2" ping -c 3 -W 3 10.0.2.2
check_objects e1000 irq=1 dma_coherent=2 dma_mapping=+
ip link set "$ifc" down
check_objects e1000 irq=0 dma_coherent=0 dma_mapping=0 skb=0
check "local=0: nooksctl unload e1000" nooksctl unload e1000
check "rmmod nooks" rmmod nooks
