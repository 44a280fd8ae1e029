# SPDX-License-Identifier: GPL-2.0
# One trial of the SWIFI campaign (tools/testvm/campaign.sh), in a fresh
# guest. The kernel command line says what to run:
#   nooks_campaign.driver=NAME   the Debian module
#   nooks_campaign.spec=T:S:N    the faults (nooksctl swifi)
#   nooks_campaign.mode=native   load the mutant with insmod
#   nooks_campaign.mode=isolated load it with nooksctl load --swifi
#                                --transient (restarts load it as shipped)
#   nooks_campaign.protect=1     isolated under page-table protection
# The trial prints "campaign: KEY VALUE" lines on the TAP port; the host
# classifies the run from them and from the console (a crash leaves no
# "campaign: done"). It passes whatever happens: the campaign measures.
# testvm-modules: dummy null_blk e1000 8139too 8139cp
# testvm-timeout: 120

arg() { sed -n "s/.*nooks_campaign\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
say() { echo "campaign: $*"; echo "campaign: $*" > /dev/kmsg; }

DRV=$(arg driver)
SPEC=$(arg spec)
MODE=$(arg mode)
case $DRV in
null_blk) PARAMS="memory_backed=1 gb=1" ;;
*) PARAMS= ;;
esac

# workload: the driver does its job; 0 if it did
workload() {
	local ifc tx0 tx1 i
	case $DRV in
	dummy)
		[ -d /sys/class/net/dummy0 ] || return 1
		ip link set dummy0 up || return 1
		ip addr add 10.9.0.1/24 dev dummy0 2>/dev/null
		tx0=$(cat /sys/class/net/dummy0/statistics/tx_packets)
		ping -c 10 -i 0.05 -W 1 10.9.0.2 > /dev/null 2>&1
		tx1=$(cat /sys/class/net/dummy0/statistics/tx_packets)
		[ "$tx1" -ge $((tx0 + 10)) ]
		;;
	null_blk)
		[ -b /dev/nullb0 ] || return 1
		dd if=/dev/urandom of=/tmp/pattern bs=4096 count=64 2>/dev/null &&
		dd if=/tmp/pattern of=/dev/nullb0 bs=4096 count=64 \
			oflag=direct 2>/dev/null &&
		dd if=/dev/nullb0 of=/tmp/back bs=4096 count=64 \
			iflag=direct 2>/dev/null &&
		cmp -s /tmp/pattern /tmp/back
		;;
	*)
		# a NIC on QEMU's slirp (restrict=on): ping its gateway
		ifc=$(ls /sys/bus/pci/drivers/"$DRV"/*/net 2>/dev/null | head -n 1)
		[ -n "$ifc" ] || return 1
		ip link set "$ifc" up || return 1
		ip addr add 10.0.2.15/24 dev "$ifc" 2>/dev/null
		# e1000's link comes up about 2 s after it opens: pings
		# sent before are lost (every e1000 trial "failed" so)
		for i in $(seq 40); do
			[ "$(cat /sys/class/net/"$ifc"/carrier 2>/dev/null)" = 1 ] &&
				break
			sleep 0.25
		done
		ping -c 5 -i 0.2 -W 2 10.0.2.2 > /dev/null 2>&1
		;;
	esac
}

# bounded CMD: CMD, given 45 s. A request the driver never completes
# leaves the workload waiting for good (in D state: no signal ends it)
# while the kernel goes on; that is the driver failing, not the kernel
# hanging, so the trial says "workload stuck" and goes on (it used to
# wait for the VM's time bound and count as a hang).
bounded() {
	local pid i
	"$@" &
	pid=$!
	for i in $(seq 90); do
		kill -0 $pid 2>/dev/null || { wait $pid; return; }
		sleep 0.5
	done
	say "workload stuck"
	return 1
}

# QEMU's rtl8139 is an 8139C+: presented as an 8139 for 8139too
[ "$DRV" = 8139too ] && insmod /nooks/nooks_test_pcirev.ko
for dep in $(modinfo -F depends "$DRV" 2>/dev/null | tr , ' '); do
	modprobe "$dep"
done
say "trial $DRV $SPEC $MODE"
if [ "$MODE" = native ]; then
	nooksctl swifi "$DRV" "$SPEC" -o /tmp/mutant.ko > /tmp/sites 2>&1
	sed 's/^/# /' /tmp/sites
	insmod /tmp/mutant.ko $PARAMS && say "load ok" || say "load failed"
	bounded workload && say "workload ok" || say "workload failed"
	sleep 1
	say "done"
	exit 0
fi

if [ "$(arg protect)" = 1 ]; then
	insmod /nooks/nooks.ko protection=1
else
	insmod /nooks/nooks.ko
fi
install_agent
# --transient: the faults are in this load only; a restart loads the
# module as shipped (a fault that recurs on every load is not one a
# restart can recover from)
nooksctl load --swifi="$SPEC" --transient "$DRV" -- $PARAMS > /tmp/sites 2>&1 &&
	say "load ok" || say "load failed"
sed 's/^/# /' /tmp/sites
bounded workload && say "workload ok" || say "workload failed"
sleep 1
d=/sys/kernel/nooks/domains/$DRV
# A fault in init fails the load, and its domain goes with it: nooks.ko's
# "domain D: REPORT: contained" line is what is left of it.
init_fault=$(dmesg | sed -n "s/.*domain $DRV: \(.*\): contained\r*$/\1/p" |
	head -n 1)
if [ -d "$d" ]; then
	f=$(cat "$d"/faults)
	if [ "$f" -gt 0 ]; then
		say "fault_in live"
		# recovery restarts the driver: wait, then run the workload
		# again
		for i in $(seq 150); do
			s=$(cat "$d"/state)
			[ "$s" = live ] || [ "$s" = stopped ] && break
			sleep 0.2
		done
		sleep 1
		bounded workload && say "recovered ok" || say "recovered failed"
	fi
	say "faults $(cat "$d"/faults) recoveries $(cat "$d"/recoveries) state $(cat "$d"/state)"
	say "last_fault $(cat "$d"/last_fault | tr ' ' _)"
elif [ -n "$init_fault" ]; then
	say "fault_in init"
	# the kernel went on: what the failed init held was released, so
	# the module as shipped loads again and works
	nooksctl load "$DRV" -- $PARAMS > /dev/null 2>&1 && bounded workload &&
		say "recovered ok" || say "recovered failed"
	say "faults 1 recoveries 0 state none"
	say "last_fault $(echo "$init_fault" | tr ' ' _)"
else
	say "faults 0 recoveries 0 state none"
fi
say "done"
