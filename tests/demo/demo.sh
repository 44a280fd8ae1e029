# SPDX-License-Identifier: GPL-2.0
# make demo: what a user sees. Runs in the guest on the stock kernel:
# Debian's own e1000.ko, loaded into a domain, pings through its gates;
# a NULL dereference injected into it is contained, the monitor shows
# the fault and the recovery, and the restarted driver pings again.
# testvm-modules: e1000
# testvm-qemu: -netdev user,id=n0,restrict=on -device e1000,netdev=n0
# testvm-timeout: 300

say() { echo; echo "\$ $*"; "$@" 2>&1; }

say uname -r
say insmod /nooks/nooks.ko
echo
echo "\$ nooksctl check e1000   (imports by handling; the full list without awk)"
nooksctl check e1000 | awk 'NR <= 2 { print; next } { n[$2]++ }
	END { for (h in n) printf "  %-10s %d imports\n", h, n[h] }'
say nooksctl load e1000
say nooksctl list
ifc=$(nic_up e1000)
say ping -c 3 10.0.2.2
say nooksctl show e1000
echo
echo "\$ nooksctl monitor &"
nooksctl monitor > /tmp/monitor.log 2>&1 &
mon=$!
sleep 1
say nooksctl inject e1000 null-deref
say ping -c 1 -W 2 10.0.2.2
for i in $(seq 100); do
	[ "$(cat /sys/kernel/nooks/domains/e1000/recoveries)" = 1 ] && break
	sleep 0.1
done
kill $mon
echo
echo "(nooksctl monitor printed:)"
cat /tmp/monitor.log
echo
echo "(no shadow driver yet: the restarted e1000 is a new interface, so it is configured again)"
ifc=$(nic_up e1000)
say ping -c 3 10.0.2.2
for f in /sys/kernel/nooks/domains/e1000/*; do
	[ -f "$f" ] && echo "$f: $(cat "$f")"
done
say nooksctl -p show e1000
say dmesg | grep -E 'nooks|e1000'
ip link set "$ifc" down
say nooksctl unload e1000
say nooksctl list
say rmmod nooks
check "demo ran" true
