#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict on every C file and header of ours; one TAP line
# per file.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$("$top/tools/testvm/kernel.sh" --source) || exit 1
cd "$top" || exit 1
fail=0
for f in $(git ls-files '*.c' '*.h'); do
	# CAMELCASE: the kernel's own Elf_Sym and C99's PRIu64 are not ours
	# to rename. EXPORT_SYMBOL: the assembly gates are exported from C
	# (domains/xpc.c), away from their code, so genksyms versions them.
	ignore=SPDX_LICENSE_TAG,FILE_PATH_CHANGES,CAMELCASE,EXPORT_SYMBOL
	# Tests call BUG() on purpose: it is the fault they show contained.
	case "$f" in tests/*) ignore=$ignore,AVOID_BUG ;; esac
	# The block shadow builds a block_device_operations per disk: its
	# owner is the restarted module, known only at the claim.
	case "$f" in recovery/shadow/blk.c) ignore=$ignore,CONST_STRUCT ;; esac
	out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types --ignore "$ignore" -f "$f" 2>&1)
	if printf '%s\n' "$out" | grep -q ': \(ERROR\|WARNING\|CHECK\):'; then
		echo "not ok - checkpatch: $f: $(printf '%s\n' "$out" | grep -m1 ': \(ERROR\|WARNING\|CHECK\):')"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	else
		echo "ok - checkpatch: $f"
	fi
done
exit $fail
