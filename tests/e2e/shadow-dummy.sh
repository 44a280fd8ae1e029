# SPDX-License-Identifier: GPL-2.0
# The network shadow driver with Debian's dummy.ko, isolated: dummy0
# survives every fault type with its index, addresses, MTU, modes and
# multicast list, a ping stream sent through it (nobody answers: dummy
# drops what it sends) and a UDP sender sending back to back
# (tests/e2e/bin/udpsend.c) get no error across every fault, and after
# each recovery the restarted driver counts what dummy0 sends again.
# testvm-modules: dummy
# testvm-bin: tests/e2e/bin/udpsend
# testvm-tools: ip
# testvm-timeout: 1500
# testvm-alone: its streams' loss budgets are timed

ROUNDS=$(shadow_rounds)

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load dummy (policy shadow by default)" nooksctl load dummy
check_protection dummy
check_eq "restart policy" shadow "$(sysfs_domain dummy restart)"
echo 1000 > /sys/kernel/nooks/domains/dummy/restart_limit
shadow_configure dummy0 10.0.4.1
check_eq "shadow passive" passive "$(sysfs_domain dummy shadow)"
check_eq "shadow log: the device" 1 "$(sysfs_domain dummy shadow_log)"
before=$(shadow_state dummy0)

shadow_ping_start 10.0.4.2
udpsend 10.0.4.3 9 > /tmp/udpsend 2>&1 &
udpsend=$!
i=0
for round in $(seq "$ROUNDS"); do
	for ft in $FAULTS; do
		i=$((i + 1))
		shadow_fault dummy "${ft%%:*}" "${ft#*:}"
		check_eq "fault $i (${ft%%:*}): the same interface and configuration" \
			"$before" "$(shadow_state dummy0)"
		tx=$(cat /sys/class/net/dummy0/statistics/tx_packets)
		ping -c 1 -W 1 10.0.4.2 > /dev/null 2>&1
		tx2=$(cat /sys/class/net/dummy0/statistics/tx_packets)
		check "fault $i (${ft%%:*}): the restarted dummy counts what it sends ($tx -> $tx2)" \
			[ "$tx2" -gt "$tx" ]
	done
done
shadow_send_check "$i faults"
kill -INT "$udpsend"
wait "$udpsend"
rc=$?
sed 's/^/# /' /tmp/udpsend
check_eq "udpsend across $i faults: no send failed (exit status)" 0 "$rc"
check "udpsend sent" grep -q "^udpsend: sent [1-9]" /tmp/udpsend
check_eq "shadow passive again" passive "$(sysfs_domain dummy shadow)"
check_sentinel
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload dummy" nooksctl unload dummy
check_fails "dummy0 gone with its driver" [ -e /sys/class/net/dummy0 ]
check "rmmod nooks" rmmod nooks
