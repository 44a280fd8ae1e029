#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of the stock Debian kernel's vmlinux BTF, capturing it
# once from a QEMU guest. Debian ships no vmlinux, and this host's
# /sys/kernel/btf/vmlinux belongs to another kernel, so the file comes
# from the target kernel itself: boot /boot/vmlinuz-<kver> (the newest)
# under TCG with a busybox initramfs whose init base64-encodes
# /sys/kernel/btf/vmlinux onto the second serial port, then check it
# (size and SHA-256 as the guest reported them, BTF magic, btf__parse)
# and install it atomically as
#
#	${NOOKS_CACHE:-$HOME/.cache/nooks}/btf/vmlinux-<kver>
#
# The guest has no network device and no disk. Progress goes to stderr;
# stdout gets only the path.
#
# Usage: tools/testvm/vmlinux-btf.sh [--force]
#   --force   capture again even if the cached file exists
set -euo pipefail

cache=${NOOKS_CACHE:-$HOME/.cache/nooks}
btfdir=$cache/btf
timeout_s=${NOOKS_BTF_TIMEOUT:-300}
force=0

die() { echo "vmlinux-btf: $*" >&2; exit 1; }

case "${1:-}" in
--force) force=1 ;;
"") ;;
*) die "usage: vmlinux-btf.sh [--force]" ;;
esac

# shellcheck disable=SC2012
kver=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' |
	sort -V | tail -n 1)
[ -n "$kver" ] || die "no Debian kernel: apt-get install linux-image-amd64"
vmlinuz=/boot/vmlinuz-$kver
[ -r "$vmlinuz" ] || die "$vmlinuz is not readable (run as root)"
out=$btfdir/vmlinux-$kver

if [ "$force" = 0 ] && [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$btfdir"
# One capture at a time; a second caller waits, then finds the file.
exec 9>"$btfdir/.lock"
flock -w "$((timeout_s + 60))" 9 || die "timed out waiting for $btfdir/.lock"
if [ "$force" = 0 ] && [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

command -v qemu-system-x86_64 >/dev/null ||
	die "no qemu-system-x86_64: apt-get install qemu-system-x86"
[ -x /bin/busybox ] || die "no /bin/busybox: apt-get install busybox-static"
command -v cc >/dev/null || die "no cc (needed to check the BTF with libbpf)"

work=$(mktemp -d "$btfdir/.capture.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys}
cp /bin/busybox "$root/bin/busybox"

# The guest: one header line (size, SHA-256), the base64 text, one end
# line. ttyS1 adds \r before each \n; the host strips them.
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
f=/sys/kernel/btf/vmlinux
if [ -r $f ]; then
	size=$(wc -c < $f)
	sum=$(sha256sum < $f | cut -d' ' -f1)
	{
		echo "NOOKS-BTF-BEGIN $size $sum"
		base64 < $f
		echo "NOOKS-BTF-END"
	} > /dev/ttyS1
else
	echo "NOOKS-BTF-MISSING" > /dev/ttyS1
fi
sync
reboot -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

echo "vmlinux-btf: capturing the BTF of $kver in QEMU (TCG)" >&2
start=$(date +%s)
status=0
timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg \
	-cpu max -m 1G -nodefaults -no-reboot -display none \
	-kernel "$vmlinuz" -initrd "$work/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 quiet" \
	-serial "file:$work/console.log" -serial "file:$work/btf.b64" \
	</dev/null >"$work/qemu.out" 2>&1 || status=$?

fail() {
	local why="qemu exit $status"

	[ "$status" != 124 ] || why="timed out after ${timeout_s}s"
	echo "vmlinux-btf: $* ($why); console:" >&2
	tr -d '\r' < "$work/console.log" | tail -n 20 | sed 's/^/  /' >&2
	exit 1
}

tr -d '\r' < "$work/btf.b64" > "$work/btf.txt"
grep -q '^NOOKS-BTF-MISSING' "$work/btf.txt" &&
	fail "the guest has no /sys/kernel/btf/vmlinux"
header=$(grep -m1 '^NOOKS-BTF-BEGIN ' "$work/btf.txt") ||
	fail "the guest sent no BTF"
grep -q '^NOOKS-BTF-END$' "$work/btf.txt" ||
	fail "the BTF transfer did not finish"
read -r _ size sum <<<"$header"
sed -n '/^NOOKS-BTF-BEGIN /,/^NOOKS-BTF-END$/{/^NOOKS-BTF-/d;p}' \
	"$work/btf.txt" | base64 -d > "$work/vmlinux" ||
	fail "the base64 text does not decode"

got=$(stat -c %s "$work/vmlinux")
[ "$got" = "$size" ] || fail "got $got bytes, the guest sent $size"
got=$(sha256sum < "$work/vmlinux" | cut -d' ' -f1)
[ "$got" = "$sum" ] || fail "SHA-256 mismatch"
magic=$(od -An -tx1 -N2 "$work/vmlinux" | tr -d ' ')
[ "$magic" = 9feb ] || fail "no BTF magic (0xeB9F) at offset 0: $magic"

# libbpf must parse it as raw BTF.
cat > "$work/check.c" <<'EOF'
#include <stdio.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct btf *btf;

	if (argc != 2)
		return 2;
	btf = btf__parse_raw(argv[1]);
	if (!btf)
		return 1;
	printf("%u\n", btf__type_cnt(btf));
	btf__free(btf);
	return 0;
}
EOF
cc -O2 -Wall -o "$work/check" "$work/check.c" -lbpf ||
	die "cannot build the libbpf check (apt-get install libbpf-dev)"
types=$("$work/check" "$work/vmlinux") || fail "libbpf cannot parse the BTF"

chmod 0644 "$work/vmlinux"
# Same file system: the rename is atomic.
mv -f "$work/vmlinux" "$out"
echo "vmlinux-btf: $out: $size bytes, $((types - 1)) types," \
	"captured in $(($(date +%s) - start)) s" >&2
echo "$out"
