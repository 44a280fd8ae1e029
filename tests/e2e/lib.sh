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

# nic_up DRIVER: bring up the interface of the device DRIVER (its name on
# its bus: ne2k-pci, virtio_net) drives, as 10.0.2.15/24, wait up to 10 s
# for carrier, print its name
nic_up() {
	local ifc i
	ifc=$(ls /sys/bus/*/drivers/"$1"/*/net 2>/dev/null | head -n 1)
	[ -n "$ifc" ] || return 1
	ip link set "$ifc" up
	ip addr add 10.0.2.15/24 dev "$ifc"
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
