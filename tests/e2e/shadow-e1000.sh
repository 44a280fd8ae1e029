# SPDX-License-Identifier: GPL-2.0
# The network shadow driver with Debian's e1000.ko, isolated: the
# interface the applications use survives every fault type. A peer NIC
# (virtio-net, driven natively, in its own network namespace) on a QEMU
# hub with the e1000 answers a ping stream that runs across every fault,
# and a TCP stream crosses the faults of its turn; after each recovery
# the interface has the same index, addresses, MTU, modes, multicast
# list and ethtool settings, and the streams saw no error.
# testvm-modules: e1000 virtio_pci virtio_net
# testvm-tools: ethtool ip
# testvm-qemu: -netdev hubport,id=h0,hubid=0 -device e1000,netdev=h0 -netdev hubport,id=h1,hubid=0 -device virtio-net-pci,netdev=h1
# testvm-timeout: 1500
# testvm-alone: its ping stream loses more around a restart on a shared CPU

shadow_nic e1000 ring
