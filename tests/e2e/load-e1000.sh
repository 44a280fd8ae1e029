# SPDX-License-Identifier: GPL-2.0
# Debian's e1000.ko isolated on QEMU's e1000 (-netdev user,restrict=on:
# nothing leaves the VM): see check_isolated_nic in lib.sh.
# testvm-modules: e1000
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 500

check_isolated_nic e1000
