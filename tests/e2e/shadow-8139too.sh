# SPDX-License-Identifier: GPL-2.0
# The network shadow driver with Debian's 8139too.ko, isolated, on QEMU's
# rtl8139 presented as an 8139 (nooks_test_pcirev.ko: QEMU's model is an
# 8139C+, which 8139too refuses): shadow_nic in lib.sh, as shadow-e1000
# runs it. 8139too has no ethtool ring settings.
# testvm-modules: 8139too virtio_pci virtio_net
# testvm-ko: tests/modules/nooks_test_pcirev.ko
# testvm-tools: ethtool ip
# testvm-qemu: -netdev hubport,id=h0,hubid=0 -device rtl8139,netdev=h0 -netdev hubport,id=h1,hubid=0 -device virtio-net-pci,netdev=h1
# testvm-timeout: 1500
# testvm-alone: its ping stream loses more around a restart on a shared CPU

check "rtl8139 presented as an 8139" insmod /nooks/nooks_test_pcirev.ko
shadow_nic 8139too
