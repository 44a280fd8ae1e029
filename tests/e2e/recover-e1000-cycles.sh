# SPDX-License-Identifier: GPL-2.0
# 100 inject+recover cycles in a row on Debian's e1000.ko isolated: each
# fault (the types in turn) fires in its ndo_open as the interface comes
# up, is contained, recovery releases everything (the agent sees nothing
# held) and restarts the driver; nothing leaks (Slab within 2 MiB,
# MemAvailable within 4 MiB over the 100), nothing hangs, and the last
# instance passes traffic.
# testvm-modules: e1000
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 1200

# nic: the e1000 interface of the instance bound now
nic() {
	ls /sys/bus/pci/drivers/e1000/*/net 2>/dev/null | head -n 1
}

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
check "nooksctl load e1000" nooksctl load e1000
check_protection e1000
echo 1000 > /sys/kernel/nooks/domains/e1000/restart_limit
# a warm-up cycle, then the baseline
nooksctl inject e1000 null-deref
ip link set "$(nic)" up 2>/dev/null
wait_domain e1000 recoveries 1 60
avail0=$(mem_available_kb)
slab0=$(meminfo Slab)
t0=$(uptime_ms)
fails=0
held=0
i=0
for i in $(seq 100); do
	set -- $FAULTS
	shift $((i % $#))
	ft=$1
	rm -f /tmp/agent-e1000
	nooksctl inject e1000 "${ft%%:*}" || fails=$((fails + 1))
	ip link set "$(nic)" up 2>/dev/null
	if ! wait_domain e1000 recoveries $((i + 1)) 60 ||
	   ! wait_domain e1000 state live 10; then
		fails=$((fails + 1))
		echo "# cycle $i (${ft%%:*}) did not recover"
		break
	fi
	[ -z "$(grep -v '=0$' /tmp/agent-e1000 2>/dev/null)" ] &&
		[ -r /tmp/agent-e1000 ] || held=$((held + 1))
done
t1=$(uptime_ms)
avail1=$(mem_available_kb)
slab1=$(meminfo Slab)
echo "# 100 cycles in $((t1 - t0)) ms: Slab $slab0 -> $slab1 kB, MemAvailable $avail0 -> $avail1 kB"
check_eq "100 cycles recovered" 0 "$fails"
check_eq "faults counted" 101 "$(sysfs_domain e1000 faults)"
check_eq "recoveries counted" 101 "$(sysfs_domain e1000 recoveries)"
check_eq "nothing held after any release" 0 "$held"
check "Slab grew by at most 2048 kB ($slab0 -> $slab1)" \
	[ $((slab1 - slab0)) -le 2048 ]
check "MemAvailable fell by at most 4096 kB ($avail0 -> $avail1)" \
	[ $((avail0 - avail1)) -le 4096 ]
ifc=$(nic_up e1000)
check "the last instance passes traffic ($ifc)" ping -c 2 -W 3 10.0.2.2
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check_not_died
check "nooksctl unload e1000" nooksctl unload e1000
check "rmmod nooks" rmmod nooks
