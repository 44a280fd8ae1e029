#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of nooksctl's BTF prototypes (tools/nooksctl/btf.c) against the
# stock kernel's vmlinux BTF (captured once in QEMU by
# tools/testvm/vmlinux-btf.sh) and Debian driver modules. Builds
# build/btf_test; prints TAP; exits non-zero if any test failed.
#
# Usage: tests/user/btf_test.sh [--valgrind]
#   --valgrind  run btf_test under valgrind; a leak or error fails
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

bail() { echo "Bail out! $*"; exit 1; }

wrap=()
case "${1:-}" in
--valgrind)
	command -v valgrind >/dev/null || bail "no valgrind"
	wrap=(valgrind -q --leak-check=full --show-leak-kinds=all
	      --errors-for-leak-kinds=all --error-exitcode=99)
	;;
"") ;;
*) bail "usage: btf_test.sh [--valgrind]" ;;
esac

vmlinux=$(tools/testvm/vmlinux-btf.sh) || bail "no vmlinux BTF"
kver=${vmlinux##*/vmlinux-}

mkdir -p build
cc -O2 -Wall -Wextra -Werror -I include/uapi -I tools/nooksctl \
	tests/user/btf_test.c tools/nooksctl/btf.c -lbpf -o build/btf_test ||
	bail "build/btf_test does not build"

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

# A Debian module of $kver, uncompressed, as $TMP/NAME.ko.
module() {
	local path

	path=$(modinfo -k "$kver" -n "$1" 2>/dev/null) ||
		bail "no module $1 for $kver"
	case "$path" in
	*.ko) cp "$path" "$TMP/$1.ko" ;;
	*.ko.xz) xz -dc "$path" > "$TMP/$1.ko" ;;
	*.ko.zst) zstd -qdc "$path" > "$TMP/$1.ko" ;;
	*.ko.gz) gzip -dc "$path" > "$TMP/$1.ko" ;;
	*) bail "unknown module format $path" ;;
	esac || bail "cannot read $path"
}

for m in e1000 null_blk 8139too virtio_net; do
	module "$m"
done
objcopy --remove-section .BTF "$TMP/e1000.ko" "$TMP/nobtf.ko" ||
	bail "objcopy failed"
printf 'not BTF at all' > "$TMP/garbage"
objcopy --update-section .BTF="$TMP/garbage" "$TMP/e1000.ko" \
	"$TMP/badbtf.ko" || bail "objcopy failed"
# Valid magic, truncated: its header promises more than there is.
head -c 4096 "$vmlinux" > "$TMP/bad.btf"

"${wrap[@]}" build/btf_test "$vmlinux" "$TMP/e1000.ko" "$TMP/nobtf.ko" \
	"$TMP/badbtf.ko" "$TMP/bad.btf" "$TMP/null_blk.ko" "$TMP/8139too.ko" \
	"$TMP/virtio_net.ko"
rc=$?
if [ $rc = 99 ]; then
	echo "# btf_test: valgrind found errors or leaks (see stderr)"
fi
exit $rc
