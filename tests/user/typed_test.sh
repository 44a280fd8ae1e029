#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every function import of the four drivers the wrappers were written for
# (dummy, null_blk, e1000, 8139too) is typed: "nooksctl check" on Debian's
# modules shows each import typed, in-domain or data, none generic or
# unsupported. Also: a module with an import no spec covers still lists
# it as generic. Needs the stock kernel's vmlinux BTF
# (tools/testvm/vmlinux-btf.sh) and the Debian driver modules.
set -u
cd "$(dirname "$0")/../.." || exit 1

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }
bail() { echo "Bail out! $*"; exit 1; }

vmlinux=$(tools/testvm/vmlinux-btf.sh) || bail "no vmlinux BTF"
export NOOKS_VMLINUX_BTF=$vmlinux
kver=${vmlinux##*/vmlinux-}
nooksctl=tools/nooksctl/nooksctl
[ -x $nooksctl ] || bail "build nooksctl first"

for m in dummy null_blk e1000 8139too; do
	path=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || bail "no module $m"
	out=$($nooksctl check "$path") || { not_ok "$m: nooksctl check"; continue; }
	imports=$(printf '%s\n' "$out" | awk 'NR > 2')
	typed=$(printf '%s\n' "$imports" | awk '$2 == "typed"' | wc -l)
	other=$(printf '%s\n' "$imports" |
		awk '$2 != "typed" && $2 != "in-domain" && $2 != "data" { print $1 ":" $2 }' |
		tr '\n' ' ')
	if [ "$typed" -gt 0 ] && [ -z "$other" ]; then
		ok "$m: $typed typed imports, none generic or unsupported"
	else
		not_ok "$m: $typed typed; not typed, in-domain or data: ${other:-none}"
	fi
done

# A test module calling ktime_get, which no spec covers.
out=$($nooksctl check tests/modules/nooks_bench_wrap.ko 2>&1)
if printf '%s\n' "$out" | grep -Eq '^ +[a-z_]+ +generic'; then
	ok "an import without a spec is listed as generic"
else
	not_ok "an import without a spec is listed as generic: $out"
fi
echo "1..$n"
exit $fail
