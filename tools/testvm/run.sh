#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one scenario in QEMU (TCG) and print its verdict as TAP.
#
# Usage: tools/testvm/run.sh [options] SCENARIO
#   --kernel stock|kunit   which kernel to boot (default: stock)
#   --ko FILE              an extra module to ship in /nooks (repeatable)
#   --log DIR              where console.log, verdict.log go (default:
#                          build/vm/<scenario name>)
#   --interactive          console on this terminal, no verdict (make demo)
#   --append ARGS          more kernel command line (after the header's)
#   --name NAME            the run's name in its verdict and log directory
#                          (default: the scenario's file name)
#
# The scenario is a shell script run by the guest's init with
# tests/e2e/lib.sh sourced. Header lines configure the run:
#   # testvm-modules: e1000 null_blk    Debian modules (and their
#                                       dependencies) to ship
#   # testvm-qemu: -device e1000,...    extra QEMU arguments
#   # testvm-append: pti=on             extra kernel command line
#   # testvm-ko: tests/modules/x.ko      more modules for /nooks, paths
#                                       from the top of the tree
#   # testvm-bin: tests/e2e/bin/x        the tests' programs (make
#                                       test-bins), in /usr/local/bin
#   # testvm-tools: jq                   host programs to ship, with their
#                                       shared libraries
#   # testvm-disk: d0 16M               a zeroed raw image in the log
#                                       directory, as QEMU drive "d0"
#                                       (for a -device ...,drive=d0)
#   # testvm-timeout: 300               seconds before the VM is killed
#   # testvm-allow: REGEX               console lines matching it are
#                                       expected (e.g. a WARNING the
#                                       scenario provokes)
#   # testvm-alone: REASON              make check runs it with no
#                                       other guest beside it (run.sh
#                                       itself ignores it)
#
# The guest writes TAP to its second serial port. The host adds one test
# of its own: "console clean", failing on any Oops, BUG, WARNING, panic,
# lockdep, RCU stall, lockup, hung task, spurious interrupt ("nobody
# cared") or allocation failure report the scenario did not allow, and
# printing as "# " lines what led to the first one. A run that ends before
# the scenario finished (timeout, panic, triple fault) is a failure too.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=stock
kos=()
logdir=
interactive=0

die() { echo "testvm: $*" >&2; exit 2; }

append_opt=
name_opt=
qemu_opt=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--ko) kos+=("$2"); shift 2 ;;
	--log) logdir=$2; shift 2 ;;
	--append) append_opt="$append_opt $2"; shift 2 ;;
	--name) name_opt=$2; shift 2 ;;
	--qemu) qemu_opt="$qemu_opt $2"; shift 2 ;;
	--interactive) interactive=1; shift ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "usage: run.sh [--kernel stock|kunit] [--ko FILE]... [--append ARGS] [--qemu ARGS] [--name NAME] [--log DIR] SCENARIO"
scenario=$(realpath "$1")
[ -r "$scenario" ] || die "no scenario $1"
name=${name_opt:-$(basename "$scenario" .sh)}
logdir=${logdir:-$top/build/vm/$name}

header() {
	sed -n "s/^# testvm-$1: *//p" "$scenario" | tr '\n' ' '
}
modules=$(header modules)
qemu_extra="$(header qemu)$qemu_opt"
append_extra="$(header append)$append_opt"
timeout_s=$(header timeout | tr -d ' ')
timeout_s=${timeout_s:-300}
allow=$(sed -n 's/^# testvm-allow: *//p' "$scenario" | paste -sd'|' -)

case "$kernel" in
stock)
	kver=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' |
		sort -V | tail -n 1)
	[ -n "$kver" ] || die "no Debian kernel: apt-get install linux-image-amd64"
	vmlinuz=/boot/vmlinuz-$kver
	[ -r "$vmlinuz" ] || die "$vmlinuz is not readable (run as root)"
	;;
kunit)
	kdir=$("$top/tools/testvm/kernel.sh")
	vmlinuz=$kdir/arch/x86/boot/bzImage
	kver=$(cat "$kdir/include/config/kernel.release")
	[ -z "$modules" ] || die "$name: Debian modules need --kernel stock"
	;;
*) die "--kernel is stock or kunit" ;;
esac

rm -rf "$logdir"
mkdir -p "$logdir"
root=$logdir/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,nooks,lib/modules/"$kver"}

# busybox, its applets installed at boot
cp /bin/busybox "$root/bin/busybox"

# nooksctl and the shared libraries it needs
copy_with_libs() {
	local bin=$1 dest=$2 lib
	cp "$bin" "$root$dest"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
if [ -x "$top/tools/nooksctl/nooksctl" ]; then
	copy_with_libs "$top/tools/nooksctl/nooksctl" /bin/nooksctl
	# where nooks.ko runs its recovery agent from (make install's place)
	mkdir -p "$root/usr/local/sbin"
	ln -s /bin/nooksctl "$root/usr/local/sbin/nooksctl"
fi

# in /usr/local/bin, first in PATH: busybox --install would replace
# a /bin/ip with its own applet
mkdir -p "$root/usr/local/bin"
for tool in $(header tools); do
	path=$(command -v "$tool") || die "$name: no $tool on the host"
	copy_with_libs "$path" "/usr/local/bin/$tool"
done

# the tests' own programs (make test-bins), by path from the top
for bin in $(header bin); do
	[ -x "$top/$bin" ] || die "$name: no $bin (run make test-bins first)"
	copy_with_libs "$top/$bin" "/usr/local/bin/$(basename "$bin")"
done

for ko in $(header ko); do
	kos+=("$top/$ko")
done
for ko in "${kos[@]}"; do
	[ -r "$ko" ] || die "no module $ko (run make first)"
	cp "$ko" "$root/nooks/"
done

# Debian driver modules with their dependencies, and the indexes modprobe
# reads, so the scenario can modprobe them as on a real system.
if [ -n "$modules" ]; then
	for m in $modules; do
		modprobe -S "$kver" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }' | grep . ||
			die "$name: no module $m for $kver"
	done | sort -u | while read -r f; do
		mkdir -p "$root$(dirname "$f")"
		cp "$f" "$root$f"
	done
	cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} \
		"$root/lib/modules/$kver/" 2>/dev/null || true
	depmod -b "$root" "$kver"
fi

cp "$top/tests/e2e/lib.sh" "$root/lib.sh"
cp "$scenario" "$root/scenario.sh"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >> "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

cat > "$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up 2>/dev/null
export NOOKS_KVER=$kver NOOKS_INTERACTIVE=$interactive
if [ "\$NOOKS_INTERACTIVE" = 1 ]; then
	sh /scenario.sh
else
	sh -c '. /lib.sh; . /scenario.sh; tap_done' > /dev/ttyS1 2>&1
fi
echo "testvm: scenario ended"
reboot -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$logdir/initramfs.cpio"

# -nodefaults: no default NIC (it would be unrestricted user networking).
qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1G -nodefaults
	-no-reboot -display none -kernel "$vmlinuz"
	-initrd "$logdir/initramfs.cpio")
append="console=ttyS0 panic=-1 loglevel=7 $append_extra"
# shellcheck disable=SC2206
extra=($qemu_extra)
header disk | xargs -r -n 2 | while read -r id size; do
	[ -n "$size" ] || die "$name: testvm-disk: ID SIZE"
	rm -f "$logdir/$id.img"
	truncate -s "$size" "$logdir/$id.img"
done
for id in $(header disk | xargs -r -n 2 | awk '{ print $1 }'); do
	extra+=(-drive "file=$logdir/$id.img,if=none,id=$id,format=raw")
done

if [ "$interactive" = 1 ]; then
	exec "${qemu[@]}" -serial stdio -append "$append" "${extra[@]}"
fi

status=0
timeout --foreground -k 5 "$timeout_s" "${qemu[@]}" \
	-serial "file:$logdir/console.log" -serial "file:$logdir/verdict.log" \
	-append "$append" "${extra[@]}" </dev/null >"$logdir/qemu.out" 2>&1 ||
	status=$?

# The scenario's own results, named after the scenario.
sed -n -e "s/^\(not ok\|ok\) [0-9]* *-* */\1 - $name: /p" \
	"$logdir/verdict.log" 2>/dev/null | tr -d '\r'
if ! grep -q '^# tap_done' "$logdir/verdict.log" 2>/dev/null; then
	echo "not ok - $name: scenario finished (qemu exit $status, timeout ${timeout_s}s; see $logdir/console.log)"
fi

# (each report that dumps a stack is named before its "Call Trace:")
bad='Oops|BUG:|WARNING:|Kernel panic|general protection fault|Call Trace:|RCU stall|rcu: INFO:|detected stall|nobody cared|blocked for more than|soft lockup|hard LOCKUP|page allocation failure|unchecked MSR access|possible circular locking|inconsistent lock state|UBSAN:|KASAN:|kernel BUG at|Unable to handle|unreferenced object'
if [ -n "$allow" ]; then
	found=$(tr -d '\r' < "$logdir/console.log" | grep -E "$bad" |
		grep -Ev "$allow" || true)
else
	found=$(tr -d '\r' < "$logdir/console.log" | grep -E "$bad" || true)
fi
if [ -z "$found" ]; then
	echo "ok - $name: console clean"
else
	echo "not ok - $name: console clean: $(echo "$found" | head -n 1)"
	# What led to the first bad line, so a CI log alone names the cause.
	first=$(echo "$found" | head -n 1)
	tr -d '\r' < "$logdir/console.log" | grep -F -B 6 -A 12 -m 1 -- "$first" |
		sed 's/^/# /'
fi
