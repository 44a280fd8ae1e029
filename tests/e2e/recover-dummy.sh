# SPDX-License-Identifier: GPL-2.0
# Debian's dummy.ko isolated, faulting on purpose: every fault type (the
# writes under page-table protection: tests/check.sh runs this scenario
# again with nooks.protection=1) is contained while a sentinel process
# keeps running, the
# release leaves nothing held, the restarted driver's dummy0 transmits
# again (its packet counters move), and each state change was a
# KOBJ_CHANGE uevent.
# testvm-modules: dummy
# testvm-timeout: 600

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
install_agent
start_sentinel
check "nooksctl load dummy" nooksctl load dummy
check_protection dummy
# twelve faults within a minute: more restarts than the default allows
echo 100 > /sys/kernel/nooks/domains/dummy/restart_limit
# every uevent of the domain's kobject, one line each
uevent sh -c 'case "$DEVPATH" in */nooks/domains/dummy)
	echo "$ACTION $NOOKS_STATE $NOOKS_EVENT" >> /tmp/uevents;; esac' &
uev=$!
check "dummy0 transmits" [ "$(dummy_up)" -ge 2 ]
for ft in $FAULTS; do
	# reading its statistics calls its ndo_get_stats64
	check_inject dummy "${ft%%:*}" "${ft#*:}" \
		cat /sys/class/net/dummy0/statistics/tx_packets
	tx=$(dummy_up)
	check "dummy ${ft%%:*}: the restarted dummy0 transmits ($tx)" \
		[ "${tx:-0}" -ge 2 ]
	echo "# dummy ${ft%%:*}: working again $(($(uptime_ms) - INJECT_T0)) ms after inject"
done
check_sentinel
kill $uev
sed 's/^/# uevent: /' /tmp/uevents | head -n 12
# each state change is a uevent (NOOKS_STATE), and so is each event
# (NOOKS_EVENT with the state then)
check_eq "uevents per recovery: failed, recovering, live" \
	"$(for i in $FAULTS; do printf 'failed recovering live '; done)" \
	"$(awk 'NF == 2 || $3 == "fault" { printf "%s ", $2 }' /tmp/uevents)"
check_eq "events in uevents: fault, recovery_start, recovery_end" \
	"$(for i in $FAULTS; do printf 'fault recovery_start recovery_end '; done)" \
	"$(awk 'NF == 3 { printf "%s ", $3 }' /tmp/uevents)"
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
check "nooksctl unload dummy" nooksctl unload dummy
check "rmmod nooks" rmmod nooks
