# SPDX-License-Identifier: GPL-2.0
# Debian's 8139too.ko isolated, on QEMU's rtl8139. QEMU 7.2 emulates an
# 8139C+ (revision 0x20), which 8139too refuses natively ("use 8139cp")
# and QEMU cannot present another revision. First the isolated driver
# must behave exactly as the native one on it: init and probe run in the
# domain, the probe refuses the device with the same message, unload is
# clean. Then nooks_test_pcirev.ko presents the device as an 8139
# (revision 0x10; QEMU's model also emulates the 8139's own transmit and
# receive), and 8139too drives it, natively and isolated: traffic to the
# slirp gateway, and 20 load/unload cycles that leak nothing.
# testvm-modules: 8139too
# testvm-ko: tests/modules/nooks_test_pcirev.ko
# testvm-qemu: -netdev user,id=n0,restrict=on -device rtl8139,netdev=n0
# testvm-timeout: 400

refusal() {
	dmesg | grep -o "8139too 0000:00:02.0: This .* use 8139cp" | tail -n 1
}

check "native modprobe 8139too" modprobe 8139too
native=$(refusal)
check_match "native 8139too refuses QEMU's 8139C+" "use 8139cp" "$native"
check "native rmmod 8139too" rmmod 8139too
dmesg -c > /dev/null

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
check "nooksctl load 8139too" nooksctl load 8139too
check_eq "domain live" live "$(sysfs_domain 8139too state)"
check_eq "isolated probe refuses it the same way" "$native" "$(refusal)"
check_fails "no device bound, as natively" [ -e /sys/bus/pci/drivers/8139too/0000:00:02.0 ]
in=$(sysfs_domain 8139too calls_in)
check "init and probe crossed into the domain (calls_in $in)" [ "$in" -ge 2 ]
check_crossings 8139too
show_objects 8139too
# Only its PCI driver registration: probe refused the device.
check_objects 8139too driver=1 pci_enabled=0 iomap=0 netdev=0
check "nooksctl unload 8139too" nooksctl unload 8139too
check_fails "module gone" [ -e /sys/module/8139too ]
check "nooksctl load 8139too again" nooksctl load 8139too
check_unload_releases 8139too
check "rmmod nooks" rmmod nooks

check "rtl8139 presented as an 8139" insmod /nooks/nooks_test_pcirev.ko
check "native modprobe 8139too drives it" modprobe 8139too
ifc=$(nic_up 8139too)
check "native 8139too probed an interface ($ifc)" [ -n "$ifc" ]
check "ping 10.0.2.2 through native 8139too" ping -c 3 -W 3 10.0.2.2
ip link set "$ifc" down
check "native rmmod 8139too" rmmod 8139too
check_isolated_nic 8139too
