# SPDX-License-Identifier: GPL-2.0
# Sourced by every scenario inside the guest: TAP helpers. Output goes to
# the guest's second serial port; the host reads "ok"/"not ok" lines.

_tap_n=0

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc (command: $*)"; fi
}

# check_fails DESCRIPTION COMMAND...: passes when COMMAND exits non-zero.
check_fails() {
	local desc=$1
	shift
	if "$@"; then not_ok "$desc (succeeded: $*)"; else ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (expected '$2', got '$3')"
	fi
}

# check_match DESCRIPTION EXTENDED-REGEX TEXT
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1 ('$3' does not match /$2/)"
	fi
}

tap_done() {
	echo "1..$_tap_n"
	echo "# tap_done"
}

# meminfo KEY: the value of KEY in /proc/meminfo, in kB
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# sysfs_domain DOMAIN FILE: one value from the domain's sysfs report
sysfs_domain() {
	cat "/sys/kernel/nooks/domains/$1/$2" 2>/dev/null
}

# delta DOMAIN FILE BEFORE: FILE's value now minus BEFORE
delta() { echo $(($(sysfs_domain "$1" "$2") - $3)); }

# pktgen_send IFC COUNT: pktgen (modprobe'd) sends COUNT 60-byte packets
# on IFC to 10.9.0.2 at a MAC of no one; prints how many it sent
pktgen_send() {
	echo "rem_device_all" > /proc/net/pktgen/kpktgend_0
	echo "add_device $1" > /proc/net/pktgen/kpktgend_0
	echo "count $2" > /proc/net/pktgen/"$1"
	echo "dst 10.9.0.2" > /proc/net/pktgen/"$1"
	echo "dst_mac 52:54:00:12:34:57" > /proc/net/pktgen/"$1"
	echo "start" > /proc/net/pktgen/pgctrl
	sed -n 's/.*sofar: \([0-9]*\).*/\1/p' /proc/net/pktgen/"$1"
	echo "rem_device_all" > /proc/net/pktgen/kpktgend_0
}

# show_objects DOMAIN: the nonzero object counts, as a TAP comment
show_objects() {
	local f line=""
	for f in /sys/kernel/nooks/domains/"$1"/objects/*; do
		[ "$(cat "$f")" = 0 ] || line="$line $(basename "$f")=$(cat "$f")"
	done
	echo "# $1 holds:${line:- nothing} (memory_bytes $(sysfs_domain "$1" memory_bytes))"
}

# check_objects DOMAIN TYPE=N...: objects/TYPE holds N; N "+" means at
# least one
check_objects() {
	local d=$1 kv t want got
	shift
	for kv in "$@"; do
		t=${kv%%=*}
		want=${kv#*=}
		got=$(sysfs_domain "$d" "objects/$t")
		if [ "$want" = + ]; then
			check "$d: objects/$t > 0 ($got)" [ "${got:-0}" -gt 0 ]
		else
			check_eq "$d: objects/$t" "$want" "$got"
		fi
	done
}

# check_unload_releases DOMAIN: rmmod the domain's module directly (the
# domain stays, stopped): every object count and memory_bytes is back to
# zero, and nooks.ko did not report objects left; then destroy the domain
check_unload_releases() {
	local d=$1 f left=""
	check "$d: rmmod $d" rmmod "$d"
	check_eq "$d: domain stopped" stopped "$(sysfs_domain "$d" state)"
	for f in /sys/kernel/nooks/domains/"$d"/objects/*; do
		[ "$(cat "$f")" = 0 ] || left="$left $(basename "$f")=$(cat "$f")"
	done
	check_eq "$d: no objects left after unload" "" "$left"
	check_eq "$d: memory_bytes 0 after unload" 0 "$(sysfs_domain "$d" memory_bytes)"
	check_fails "$d: no 'unloaded holding' report" \
		sh -c "dmesg | grep -q '$d: unloaded holding'"
	check "$d: nooksctl domain destroy" nooksctl domain destroy "$d"
}

# Free pages parked on the per-CPU lists (kB): MemFree leaves them out, so
# MemAvailable swings by tens of MB as a process frees its memory (nooksctl
# parses 4 MB of BTF) although nothing leaked.
pcp_free_kb() {
	awk '$1 == "count:" { s += $2 } END { print s * 4 }' /proc/zoneinfo
}

# MemAvailable with the per-CPU free lists counted as free, after dropping
# clean caches.
mem_available_kb() {
	echo 3 > /proc/sys/vm/drop_caches
	echo $(($(meminfo MemAvailable) + $(pcp_free_kb)))
}

# check_isolated_cycles DRIVER N [PARAMS...]: after one warm-up cycle,
# N load/unload cycles of DRIVER isolated; Slab may grow by at most
# 1 MiB and MemAvailable (see mem_available_kb) drop by at most 2 MiB.
check_isolated_cycles() {
	local drv=$1 n=$2 i fails=0 slab0 avail0 slab1 avail1
	shift 2
	nooksctl load "$drv" -- "$@" && nooksctl unload "$drv"
	avail0=$(mem_available_kb)
	slab0=$(meminfo Slab)
	for i in $(seq "$n"); do
		if ! nooksctl load "$drv" -- "$@" || ! nooksctl unload "$drv"; then
			fails=$((fails + 1))
		fi
	done
	avail1=$(mem_available_kb)
	slab1=$(meminfo Slab)
	echo "# $drv: $n cycles: Slab $slab0 -> $slab1 kB, MemAvailable $avail0 -> $avail1 kB"
	check_eq "$drv: $n isolated load/unload cycles succeed" 0 "$fails"
	check "$drv: Slab grew by at most 1024 kB over $n cycles ($slab0 -> $slab1)" \
		[ $((slab1 - slab0)) -le 1024 ]
	check "$drv: MemAvailable fell by at most 2048 kB over $n cycles ($avail0 -> $avail1)" \
		[ $((avail0 - avail1)) -le 2048 ]
}

# check_crossings DOMAIN: both directions crossed at least once
check_crossings() {
	local in out
	in=$(sysfs_domain "$1" calls_in)
	out=$(sysfs_domain "$1" calls_out)
	echo "# $1: calls_in $in calls_out $out"
	check "$1: calls_in > 0 ($in)" [ "${in:-0}" -gt 0 ]
	check "$1: calls_out > 0 ($out)" [ "${out:-0}" -gt 0 ]
}

# nic_up DRIVER [ADDR]: bring up the interface of the device DRIVER (its
# name on its bus: ne2k-pci, virtio_net) drives, as ADDR (10.0.2.15/24
# by default), wait up to 10 s
# for carrier, print its name
nic_up() {
	local ifc i
	ifc=$(ls /sys/bus/*/drivers/"$1"/*/net 2>/dev/null | head -n 1)
	[ -n "$ifc" ] || return 1
	ip link set "$ifc" up
	ip addr add "${2:-10.0.2.15/24}" dev "$ifc"
	for i in $(seq 20); do
		[ "$(cat /sys/class/net/"$ifc"/carrier 2>/dev/null)" = 1 ] && break
		sleep 0.5
	done
	echo "$ifc"
}

# check_nic_once MODULE [DOMAIN [BUSDRIVER]]: MODULE, loaded isolated,
# brings its interface up and pings the slirp gateway 10.0.2.2 (answered
# inside QEMU); both directions cross; unload is clean. DOMAIN is the
# module's kernel name (dashes become underscores), BUSDRIVER the name
# its driver has on its bus; both default to MODULE.
check_nic_once() {
	local mod=$1 dom=${2:-$1} bus=${3:-$1} ifc
	check "$mod: nooksctl load" nooksctl load "$mod"
	check_eq "$mod: domain $dom live" live "$(sysfs_domain "$dom" state)"
	ifc=$(nic_up "$bus")
	check "$mod probed an interface ($ifc)" [ -n "$ifc" ]
	check "ping 10.0.2.2 through isolated $mod" ping -c 3 -W 3 10.0.2.2
	check_crossings "$dom"
	ip link set "$ifc" down
	check "$mod: nooksctl unload $dom" nooksctl unload "$dom"
	check_fails "$mod: module gone" [ -e /sys/module/"$dom" ]
	check_fails "$mod: domain gone" [ -e /sys/kernel/nooks/domains/"$dom" ]
}

# check_isolated_nic DRIVER: check_nic_once, then 20 load/unload cycles
# leak nothing.
check_isolated_nic() {
	check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
	check_nic_once "$1"
	check_isolated_cycles "$1" 20
	check "rmmod nooks" rmmod nooks
}

# --- recovery (issue: fault containment and recovery) ---

# uptime_ms: milliseconds since boot, from /proc/uptime
uptime_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# install_agent: nooks.ko's recovery agent becomes a script that notes
# what each domain holds when it runs (after recovery released it, before
# the restart) in /tmp/agent-DOMAIN, then runs nooksctl recover
install_agent() {
	cat > /bin/nooks-agent <<'AGENT'
#!/bin/sh
d=/sys/kernel/nooks/domains/$2
for f in "$d"/objects/* "$d"/memory_bytes; do
	echo "$(basename "$f")=$(cat "$f")"
done > "/tmp/agent-$2"
exec /bin/nooksctl "$@"
AGENT
	chmod +x /bin/nooks-agent
	printf %s /bin/nooks-agent > /sys/module/nooks/parameters/agent
}

# start_sentinel: a process that counts while faults come and go
start_sentinel() {
	(i=0; while :; do i=$((i + 1)); echo $i > /tmp/sentinel; sleep 0.2; done) &
	SENTINEL=$!
}

# check_sentinel: it still runs and counts
check_sentinel() {
	local a b
	a=$(cat /tmp/sentinel)
	sleep 1
	b=$(cat /tmp/sentinel)
	check "sentinel process still counts ($a -> $b)" [ "$b" -gt "$a" ]
	check_not_died
}

# check_not_died: the kernel never died (TAINT_DIE, 'D') nor warned
# (TAINT_WARN, 'W'): contained faults print no oops and no WARN
check_not_died() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	check "kernel not tainted by an oops or a WARN (tainted=$t)" \
		[ $((t & (128 | 512))) = 0 ]
}

# wait_domain DOMAIN FILE VALUE SECONDS: until sysfs FILE reads VALUE
wait_domain() {
	local i
	for i in $(seq $(($4 * 10))); do
		[ "$(sysfs_domain "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# dummy_up: dummy0 up with an address; ping through it (nobody answers,
# but the packets are transmitted); print its tx_packets
dummy_up() {
	ip link set dummy0 up
	ip addr add 10.9.0.1/24 dev dummy0 2>/dev/null
	ping -c 2 -W 1 10.9.0.2 > /dev/null 2>&1
	cat /sys/class/net/dummy0/statistics/tx_packets
}

# check_inject DOMAIN FAULT TYPE TRIGGER...: arm FAULT, run TRIGGER until
# it fires (at most 20 s); the fault is counted and reported as TYPE, the
# agent found nothing held after the release, and the domain is live
# again with one more recovery. INJECT_T0 is when it was armed (ms
# since boot).
check_inject() {
	local d=$1 fault=$2 type=$3 f0 r0 i left
	shift 3
	f0=$(sysfs_domain "$d" faults)
	r0=$(sysfs_domain "$d" recoveries)
	rm -f "/tmp/agent-$d"
	check "$d $fault: nooksctl inject" nooksctl inject "$d" "$fault"
	INJECT_T0=$(uptime_ms)
	for i in $(seq 100); do
		[ "$(sysfs_domain "$d" faults)" != "$f0" ] && break
		"$@" > /dev/null 2>&1
		sleep 0.2
	done
	check_eq "$d $fault: counted" $((f0 + 1)) "$(sysfs_domain "$d" faults)"
	check_match "$d $fault: last_fault names it" "^$type " \
		"$(sysfs_domain "$d" last_fault)"
	check "$d $fault: recovered and live again" \
		wait_domain "$d" recoveries $((r0 + 1)) 60
	check "$d $fault: state live" wait_domain "$d" state live 10
	if [ -r "/tmp/agent-$d" ]; then
		left=$(grep -v '=0$' "/tmp/agent-$d")
	else
		left="(the agent did not run)"
	fi
	check_eq "$d $fault: nothing held after release" "" "$left"
}

# The fault types every driver is checked with: nooksctl name and the
# type the kernel reports. The writes are contained only under page-table
# protection, which a run asks for on the kernel command line
# (nooks.protection=1: insmod does not read it, so scenarios pass
# $NOOKS_PARAMS to insmod themselves).
FAULTS="null-deref:page-fault stack-overflow:stack-overflow bug:bug gpf:gpf
div-zero:divide-error bad-free:bad-param double-free:bad-param hang:hang
illegal-insn:invalid-opcode hang-irqoff:hang"
NOOKS_PARAMS=
if grep -qw nooks.protection=1 /proc/cmdline 2>/dev/null; then
	NOOKS_PARAMS=protection=1
	FAULTS="$FAULTS wild-write:protection-fault kernel-write:protection-fault
		stale-write:protection-fault"
fi

# check_protection DOMAIN: under nooks.protection=1, the domain says it
# is protected; otherwise that it is not
check_protection() {
	if [ -n "$NOOKS_PARAMS" ]; then
		check_match "$1 protected" "^on pt_pages=" \
			"$(sysfs_domain "$1" protection)"
		check_match "protection on" "^on " \
			"$(cat /sys/kernel/nooks/protection)"
	else
		check_eq "$1 not protected" off "$(sysfs_domain "$1" protection)"
	fi
}

# --- block devices ---

# pattern_ok DEV: a 256 KiB random pattern written to DEV reads back
# (direct I/O, past the page cache)
pattern_ok() {
	dd if=/dev/urandom of=/tmp/pattern bs=4096 count=64 2>/dev/null &&
	dd if=/tmp/pattern of="$1" bs=4096 count=64 oflag=direct \
		2>/dev/null &&
	dd if="$1" of=/tmp/back bs=4096 count=64 iflag=direct \
		2>/dev/null &&
	cmp /tmp/pattern /tmp/back
}

# check_disk_faults DOMAIN DEV FAULTS...: each fault (name:type) is
# contained and recovered (check_inject, reading DEV to make the driver
# run), DEV is back, and the restarted driver reads back a pattern
check_disk_faults() {
	local d=$1 dev=$2 ft
	shift 2
	for ft in "$@"; do
		check_inject "$d" "${ft%%:*}" "${ft#*:}" \
			dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct
		check "$d ${ft%%:*}: $dev is back" wait_disk "$dev"
		check "$d ${ft%%:*}: the restarted driver reads back a pattern" \
			pattern_ok "$dev"
		echo "# $d ${ft%%:*}: working again $(($(uptime_ms) - INJECT_T0)) ms after inject"
	done
}

# wait_disk DEV: the block device DEV is there (up to 10 s)
wait_disk() {
	local i
	for i in $(seq 100); do
		[ -b "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- shadow drivers (issue: shadow drivers) ---

# iproute2's ip (testvm-tools: ip), for maddr and allmulticast: busybox
# sh runs its own applet for a plain "ip"
IPROUTE=/usr/local/bin/ip

# shadow_rounds: rounds of every fault type a shadow scenario runs: 5
# (50 faults), or nooks_test.rounds=N on the kernel command line (make
# check's protected runs take 1)
shadow_rounds() {
	local n
	n=$(sed -n 's/.*nooks_test\.rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
	echo "${n:-5}"
}

# shadow_peer DRIVER ADDR: the NIC DRIVER drives natively (a virtio one)
# goes into a network namespace of its own as ADDR/24, with a TCP
# receiver on port 5000 that writes each stream to /tmp/tcp-rx.
shadow_peer() {
	local pifc i
	modprobe virtio_pci
	modprobe "$1"
	for i in $(seq 50); do
		pifc=$(ls /sys/bus/virtio/drivers/"$1"/*/net 2>/dev/null | head -n 1)
		[ -n "$pifc" ] && break
		sleep 0.1
	done
	rm -f /tmp/peer-pid
	unshare -n sh -c 'echo $$ > /tmp/peer-pid; exec sleep 100000' &
	for i in $(seq 50); do
		[ -s /tmp/peer-pid ] && break
		sleep 0.1
	done
	PEER=$(cat /tmp/peer-pid)
	check "peer $1 ($pifc) in a namespace of its own" \
		ip link set "$pifc" netns "$PEER"
	nsenter -t "$PEER" -n sh -c "ip link set lo up; ip link set $pifc up;
		ip addr add $2/24 dev $pifc"
	# its stdin never ends (a FIFO open for writing too): busybox nc
	# closes its sending half at the end of stdin, and the sender quits
	# when it sees that
	mkfifo /tmp/tcp-hold
	nsenter -t "$PEER" -n sh -c 'while :; do
		nc -l -p 5000 <> /tmp/tcp-hold > /tmp/tcp-rx.part &&
			mv /tmp/tcp-rx.part /tmp/tcp-rx
	done' > /dev/null 2>&1 &
	head -c 1048576 /dev/urandom > /tmp/tcp-tx
}

# shadow_configure IFC ADDR [ring]: everything a restart must give
# back: an MTU, a MAC address, ADDR/24, up, promiscuous and allmulticast
# modes, a multicast address, and with "ring" ring sizes
shadow_configure() {
	local i
	check "$1: mtu 1400" ip link set dev "$1" mtu 1400
	check "$1: a MAC address of ours" \
		ip link set dev "$1" address 52:54:00:12:34:99
	check "$1: up" ip link set dev "$1" up
	ip addr add "$2"/24 dev "$1"
	check "$1: promiscuous" ip link set dev "$1" promisc on
	check "$1: allmulticast" $IPROUTE link set dev "$1" allmulticast on
	check "$1: a multicast address" $IPROUTE maddr add 01:00:5e:00:00:42 dev "$1"
	[ "$3" = ring ] && check "$1: rings of 128" ethtool -G "$1" rx 128 tx 128
	for i in $(seq 20); do
		[ "$(cat /sys/class/net/"$1"/carrier 2>/dev/null)" = 1 ] && break
		sleep 0.5
	done
}

# shadow_state IFC: one line of what applications see of the interface
shadow_state() {
	local n=/sys/class/net/$1
	echo "ifindex=$(cat "$n"/ifindex) mtu=$(cat "$n"/mtu)" \
		"address=$(cat "$n"/address) flags=$(cat "$n"/flags)" \
		"carrier=$(cat "$n"/carrier)" \
		"inet=$(ip -o -4 addr show dev "$1" | awk '{ print $4 }')" \
		"maddr=$($IPROUTE maddr show dev "$1" | grep -c 01:00:5e:00:00:42)" \
		"ring=$(ethtool -g "$1" 2>/dev/null | awk '/^Current/ { c = 1 }
			c && /^(RX|TX):/ { printf "%s%s", $1, $2 }')"
}

# shadow_ping_start ADDR: a ping stream, 5 a second, until shadow_ping_check
shadow_ping_start() {
	ping -i 0.2 "$1" > /tmp/ping-stream 2>&1 &
	PING_STREAM=$!
}

# shadow_ping_check DESCRIPTION: stop the stream; no error reached it,
# and it lost at most 3 packets per fault on average (most faults lose
# 0 or 1; about one in ten a burst of 3 to 10 around the restart, not
# understood yet: Documentation/design/shadow.rst)
shadow_ping_check() {
	local sent got
	kill -INT "$PING_STREAM"
	wait "$PING_STREAM"
	sent=$(awk '/packets transmitted/ { print $1 }' /tmp/ping-stream)
	got=$(awk '/packets transmitted/ { print $4 }' /tmp/ping-stream)
	echo "# ping stream across $1: $sent sent, $got answered, $((sent - got)) lost"
	# which ones: bursts of them tell an outage from single losses
	awk -F'seq=' '/seq=/ { split($2, a, " "); seen[a[1] + 0] = 1; if (a[1] + 0 > m) m = a[1] + 0 }
		END { for (i = 0; i <= m; i++) if (!seen[i]) l = l " " i; if (l != "") print "# lost:" l }' /tmp/ping-stream
	check_fails "ping stream across $1: no error" \
		grep -Eiq "unreachable|sendto|error|denied|down" /tmp/ping-stream
	check "ping stream across $1: at most 3 packets lost per fault" \
		[ $((sent - got)) -le $((3 * SHADOW_FAULTS)) ]
}

# shadow_send_check DESCRIPTION: stop a ping stream nobody answers (to
# an address behind dummy0); no error reached it
shadow_send_check() {
	kill -INT "$PING_STREAM"
	wait "$PING_STREAM"
	echo "# ping stream across $1: $(awk '/packets transmitted/ { print $1 }' /tmp/ping-stream) sent"
	check_fails "ping stream across $1: no error" \
		grep -Eiq "unreachable|sendto|error|denied|down" /tmp/ping-stream
	# what an error was, and the last answers before it
	grep -Ei -B3 "unreachable|sendto|error|denied|down" /tmp/ping-stream |
		head -n 20 | sed 's/^/# ping: /'
}

# shadow_tcp_start ADDR: a 1 MiB TCP stream to the peer, paced over ~6 s
shadow_tcp_start() {
	rm -f /tmp/tcp-rx /tmp/tcp-rc
	(for i in $(seq 0 63); do
		dd if=/tmp/tcp-tx bs=16384 skip=$i count=1 2>/dev/null
		sleep 0.1
	done | nc "$1" 5000; echo $? > /tmp/tcp-rc) > /dev/null 2>&1 &
	sleep 1
}

# shadow_tcp_check DESCRIPTION: the stream ended without an error and
# its data arrived intact
shadow_tcp_check() {
	local i
	for i in $(seq 600); do
		[ -s /tmp/tcp-rc ] && [ -e /tmp/tcp-rx ] && break
		sleep 0.1
	done
	check_eq "$1: the TCP stream ended without an error" 0 \
		"$(cat /tmp/tcp-rc 2>/dev/null)"
	check_eq "$1: its data arrived intact" \
		"$(md5sum < /tmp/tcp-tx)" "$(md5sum < /tmp/tcp-rx 2>/dev/null)"
	echo "# $1: $(wc -c < /tmp/tcp-rx 2>/dev/null) bytes received" \
		"($(wc -c < /tmp/tcp-rx.part 2>/dev/null) in a stream not ended)"
}

# shadow_fault DOMAIN FAULT TYPE ADDR: inject FAULT while traffic runs;
# it is contained and recovered with nothing held; the first ping of
# ADDR answered after it (ADDR a block device: the first direct read of
# it done) says how long applications waited (the pause)
shadow_fault() {
	local d=$1 f0 r0 i
	f0=$(sysfs_domain "$d" faults)
	r0=$(sysfs_domain "$d" recoveries)
	SHADOW_FAULTS=$((${SHADOW_FAULTS:-0} + 1))
	rm -f "/tmp/agent-$d"
	nooksctl inject "$d" "$2" || not_ok "$d $2: nooksctl inject"
	INJECT_T0=$(uptime_ms)
	for i in $(seq 100); do
		[ "$(sysfs_domain "$d" faults)" != "$f0" ] && break
		sleep 0.1
	done
	check_match "$d $2: contained ($f0 -> $(sysfs_domain "$d" faults))" \
		"^$3 " "$(sysfs_domain "$d" last_fault)"
	check "$d $2: recovered and live again" \
		wait_domain "$d" recoveries $((r0 + 1)) 60
	if [ -r "/tmp/agent-$d" ]; then
		check_eq "$d $2: nothing held after release" "" \
			"$(grep -v '=0$' "/tmp/agent-$d")"
	else
		not_ok "$d $2: the recovery agent did not run"
	fi
	for i in $(seq 100); do
		[ -z "$4" ] && break
		case $4 in
		/dev/*)	dd if="$4" of=/dev/null bs=4096 count=1 iflag=direct \
				2> /dev/null && break
			sleep 0.1 ;;
		*)	ping -c 1 -W 1 "$4" > /dev/null 2>&1 && break ;;
		esac
	done
	echo "# $d $2: pause $(($(uptime_ms) - INJECT_T0)) ms$(shadow_ping_lost)"
	# busybox ping stops at its first error: say by which fault
	if [ -n "$PING_STREAM" ] && [ -z "$PING_ENDED" ] &&
	   grep -Eiq "unreachable|sendto|error|denied|down" /tmp/ping-stream; then
		PING_ENDED=$SHADOW_FAULTS
		echo "# the ping stream got an error by fault $SHADOW_FAULTS ($2): $(tail -n 1 /tmp/ping-stream)"
	fi
}

# shadow_ping_lost: ", N lost so far" of the ping stream, if one runs
# (sequence numbers answered, counted up to the newest one)
shadow_ping_lost() {
	[ -n "$PING_STREAM" ] && [ -s /tmp/ping-stream ] || return 0
	awk -F'seq=' '/seq=/ { split($2, a, " "); n++; if (a[1] + 0 > m) m = a[1] + 0 }
		END { if (n) printf ", %d lost so far", m + 1 - n }' /tmp/ping-stream
}

# shadow_drained IFC: its transmit queues count no bytes in flight
# (byte queue limits) within 3 s: what the failed driver had sent and
# never completed is not counted against the restarted one
shadow_drained() {
	local i q n
	for i in $(seq 30); do
		n=0
		for q in /sys/class/net/"$1"/queues/tx-*/byte_queue_limits/inflight; do
			[ -r "$q" ] && n=$((n + $(cat "$q")))
		done
		[ "$n" = 0 ] && return 0
		sleep 0.1
	done
	echo "# $1: $n bytes in flight"
	return 1
}

# shadow_nic DRIVER [ring]: the shadow scenario of a PCI NIC on a QEMU
# hub with a virtio-net peer (shadow-e1000.sh): every fault type,
# shadow_rounds times, under a ping stream, a TCP stream every fourth
# fault; after each, the same interface and configuration (with "ring",
# its ethtool ring sizes too: one more entry in the shadow's log).
shadow_nic() {
	local drv=$1 ring=$2 ifc before i round ft tcp
	local ROUNDS
	ROUNDS=$(shadow_rounds)

	check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
	install_agent
	start_sentinel
	check "nooksctl load "$drv" (policy shadow by default)" nooksctl load "$drv"
	check_protection "$drv"
	check_eq "restart policy" shadow "$(sysfs_domain "$drv" restart)"
	echo 1000 > /sys/kernel/nooks/domains/"$drv"/restart_limit

	ifc=$(ls /sys/bus/pci/drivers/"$drv"/*/net | head -n 1)
	check "$drv probed an interface ($ifc)" [ -n "$ifc" ]
	shadow_peer virtio_net 10.0.3.2
	shadow_configure "$ifc" 10.0.3.1 "$ring"
	check_eq "shadow passive" passive "$(sysfs_domain "$drv" shadow)"
	if [ "$ring" = ring ]; then
		check_eq "shadow log: the device and its ring sizes" 2 \
			"$(sysfs_domain "$drv" shadow_log)"
	else
		check_eq "shadow log: the device" 1 \
			"$(sysfs_domain "$drv" shadow_log)"
	fi
	check "ping the peer through isolated $drv" ping -c 2 -W 3 10.0.3.2
	before=$(shadow_state "$ifc")

	shadow_ping_start 10.0.3.2
	i=0
	for round in $(seq "$ROUNDS"); do
		for ft in $FAULTS; do
			i=$((i + 1))
			tcp=
			[ $((i % 4)) = 1 ] && tcp=1
			[ -n "$tcp" ] && shadow_tcp_start 10.0.3.2
			shadow_fault "$drv" "${ft%%:*}" "${ft#*:}" 10.0.3.2
			check_eq "fault $i (${ft%%:*}): the same interface and configuration" \
				"$before" "$(shadow_state "$ifc")"
			check "fault $i (${ft%%:*}): no bytes left in flight" \
				shadow_drained "$ifc"
			[ -n "$tcp" ] && shadow_tcp_check "fault $i (${ft%%:*})"
		done
	done
	shadow_ping_check "$i faults"
	check_eq "shadow passive again" passive "$(sysfs_domain "$drv" shadow)"
	check_sentinel
	check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
	check_fails "no transmit timeout" sh -c "dmesg | grep -q 'NETDEV WATCHDOG'"
	check "nooksctl unload $drv" nooksctl unload "$drv"
	check "rmmod nooks" rmmod nooks
}
