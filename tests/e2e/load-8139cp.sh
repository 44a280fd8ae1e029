# SPDX-License-Identifier: GPL-2.0
# Debian's 8139cp.ko isolated on QEMU's rtl8139 (an 8139C+), which is the
# driver that drives that device (-netdev user,restrict=on: nothing leaves
# the VM): see check_isolated_nic in lib.sh. Its dependency mii loads
# natively.
# testvm-modules: 8139cp
# testvm-qemu: -netdev user,id=n0,restrict=on -device rtl8139,netdev=n0
# testvm-timeout: 500

check_isolated_nic 8139cp
