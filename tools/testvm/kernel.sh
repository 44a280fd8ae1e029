#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the KUnit test kernel from Debian's linux-source-6.1 with the
# fragment tools/testvm/kunit.config, in a cache outside the clone. Prints
# the build directory on stdout. The cache key is the source package version
# plus the fragment's hash, so editing the fragment rebuilds.
#
# Usage: tools/testvm/kernel.sh [--print-key | --source]
#   --source  only unpack the source (for checkpatch, kunit.py); print it
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${NOOKS_CACHE:-$HOME/.cache/nooks}
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/kunit.config

die() { echo "kernel.sh: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: apt-get install linux-source-6.1"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$(printf '%s\n' "$srcver" | cat - "$fragment" | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then
	echo "$key"
	exit 0
fi

src=$cache/linux-source-$srcver
out=$cache/kunit-$key
mkdir -p "$cache"

# One unpack or build at a time; a second caller waits and reuses it.
exec 9> "$cache/.lock"
flock 9

if [ ! -f "$src/.unpacked" ]; then
	echo "kernel.sh: unpacking linux-source $srcver" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf "$tarball"
	mv "$src.tmp" "$src"
	touch "$src/.unpacked"
fi

if [ "${1:-}" = --source ]; then
	echo "$src"
	exit 0
fi

if [ -f "$out/.built" ]; then
	echo "$out"
	exit 0
fi

echo "kernel.sh: building KUnit kernel in $out (a few minutes, once)" >&2
rm -rf "$out"
mkdir -p "$out"
log=$out/build.log
jobs=$(nproc)
run() {
	if ! "$@" >> "$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "failed: $* (log: $log)"
	fi
}
run make -C "$src" O="$out" ARCH=x86_64 tinyconfig
run env KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" \
	-m -O "$out" "$out/.config" "$fragment"
run make -C "$src" O="$out" ARCH=x86_64 olddefconfig

# merge_config silently drops an option whose parent is off: refuse that.
missing=0
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	if ! grep -qxF "$line" "$out/.config"; then
		echo "kernel.sh: fragment line did not stick: $line" >&2
		missing=1
	fi
done < "$fragment"
[ "$missing" = 0 ] || die "fix $fragment (add the missing parents)"

run make -C "$src" O="$out" ARCH=x86_64 -j"$jobs" bzImage modules modules_prepare
touch "$out/.built"
# Builds for older fragments are dead weight (a few hundred MB each).
for old in "$cache"/kunit-*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out"
