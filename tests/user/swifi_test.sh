#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of nooksctl swifi (tools/nooksctl/swifi.c), the SWIFI mutator, on
# Debian driver modules of the stock kernel: every fault type writes N
# faults, changing only the bytes it reports, in no instruction a
# relocation patches, leaving the module's ELF as it was less its
# signature (a bad one is refused even by a kernel that loads unsigned
# modules); the same TYPE:SEED:N gives the same mutant and another seed
# another; bad specs are refused. Needs no kernel module and no root.
# Prints TAP; exits non-zero if any test failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

bail() { echo "Bail out! $*"; exit 1; }

BIN=tools/nooksctl/nooksctl
[ -x "$BIN" ] || bail "no $BIN (make -C tools/nooksctl)"
vmlinux=$(tools/testvm/vmlinux-btf.sh) || bail "no vmlinux BTF"
kver=${vmlinux##*/vmlinux-}

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

# t DESCRIPTION COMMAND...: one test; what COMMAND prints explains a
# failure.
t()
{
	local desc=$1 out

	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		[ -n "$out" ] && printf '%s\n' "$out" | head -n 10 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

# A Debian module of $kver, uncompressed, as $TMP/NAME.ko.
module() {
	local path

	path=$(modinfo -k "$kver" -n "$1" 2>/dev/null) ||
		bail "no module $1 for $kver"
	case "$path" in
	*.ko) cp "$path" "$TMP/$1.ko" ;;
	*.ko.xz) xz -dc "$path" > "$TMP/$1.ko" ;;
	*.ko.zst) zstd -qdc "$path" > "$TMP/$1.ko" ;;
	*) bail "unknown module format $path" ;;
	esac || bail "cannot read $path"
}

# changed_ok ORIG MUTANT LOG: the mutant is ORIG without its signature;
# the bytes that differ are those of the instructions LOG reports, each
# in a text section, none patched by a relocation (readelf's offsets,
# section-relative).
changed_ok() {
	local orig=$1 mut=$2 log=$3 changed reported size

	# the same ELF, less the module signature, which no longer holds
	size=$(stat -c %s "$mut")
	[ "$size" -le "$(stat -c %s "$orig")" ] ||
		{ echo "the mutant is larger"; return 1; }
	[ "$(tail -c 28 "$mut")" != "~Module signature appended~" ] ||
		{ echo "the mutant keeps a signature"; return 1; }
	changed=$(cmp -l -n "$size" "$orig" "$mut" | wc -l)
	reported=$(awk '/^swifi: [a-z-]+ / {
		split($0, a, ": "); split(a[3], b, " -> ");
		nb = split(b[1], x, " "); split(b[2], y, " ");
		for (i = 1; i <= nb; i++) if (x[i] != y[i]) c++ }
		END { print c + 0 }' "$log")
	[ "$changed" -gt 0 ] && [ "$changed" = "$reported" ] ||
		{ echo "$changed bytes differ, the log reports $reported"; return 1; }
	readelf -S -W "$mut" > /dev/null && readelf -s -W "$mut" > /dev/null ||
		{ echo "readelf cannot read the mutant"; return 1; }
	# file offsets of changed bytes -> section + offset; none relocated
	cmp -l -n "$size" "$orig" "$mut" | awk '{ print $1 - 1 }' > "$TMP/offs"
	readelf -S -W "$mut" | sed 's/^ *\[ *\([0-9]*\)\]/\1/' |
		awk "$HEX"' $1 ~ /^[0-9]+$/ && NF >= 6 {
			print $1, $2, hex($5), hex($6) }' > "$TMP/secs"
	readelf -r -W "$mut" | awk "$HEX"'
		/^Relocation section/ { s = $3; gsub(/\047/, "", s)
			sub(/^\.rela/, "", s); next }
		/^[0-9a-f]+ / { print s, hex($1),
			($3 ~ /R_X86_64_64|PC64/) ? 8 : 4 }' > "$TMP/relocs"
	[ -s "$TMP/secs" ] && [ -s "$TMP/relocs" ] ||
		{ echo "cannot read the sections or relocations"; return 1; }
	awk 'FNR == 1 { f++ }
		f == 1 { name[$1] = $2; off[$1] = $3; size[$1] = $4; next }
		f == 2 { rs[++nr] = $1; ro[nr] = $2; rw[nr] = $3; next }
		{ s = ""
		  for (i in name) if ($1 >= off[i] && $1 < off[i] + size[i]) {
			s = name[i]; o = $1 - off[i] }
		  if (s !~ /text/) { print "byte " $1 " in section " s; bad = 1 }
		  for (k = 1; k <= nr; k++)
			if (rs[k] == s && o >= ro[k] && o < ro[k] + rw[k]) {
				print "relocated byte " s "+" o; bad = 1 } }
		END { exit bad }' "$TMP/secs" "$TMP/relocs" "$TMP/offs"
}

# hex(): for mawk, which lacks strtonum
HEX='function hex(h,  i, n) { n = 0; h = tolower(h)
	for (i = 1; i <= length(h); i++)
		n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return n }'

for m in null_blk e1000 dummy 8139too; do
	module "$m"
done

TYPES="operand pointer branch-invert branch-delete insn-delete init-skip
off-by-one stack-offset random"
for m in null_blk e1000; do
	for ty in $TYPES; do
		t "$m $ty:7:5: five faults" sh -c "$BIN swifi $TMP/$m.ko $ty:7:5 -o $TMP/$m-$ty.ko > $TMP/$m-$ty.log &&
			[ \$(grep -c '^swifi: $ty ' $TMP/$m-$ty.log) = 5 ] ||
			{ [ $ty = random ] && [ \$(grep -c '^swifi: [a-z-]* [^ ]*+0x' $TMP/$m-$ty.log) = 5 ]; }"
		t "$m $ty:7:5: only the reported bytes change, none relocated" \
			changed_ok "$TMP/$m.ko" "$TMP/$m-$ty.ko" "$TMP/$m-$ty.log"
	done
done
for m in dummy 8139too; do
	t "$m random:3:5" sh -c "$BIN swifi $TMP/$m.ko random:3:5 -o $TMP/$m-r.ko > $TMP/$m-r.log"
	t "$m random:3:5: only the reported bytes change, none relocated" \
		changed_ok "$TMP/$m.ko" "$TMP/$m-r.ko" "$TMP/$m-r.log"
done

t "the same seed gives the same mutant" sh -c "
	$BIN swifi $TMP/null_blk.ko random:11:5 -o $TMP/a.ko > /dev/null &&
	$BIN swifi $TMP/null_blk.ko random:11:5 -o $TMP/b.ko > /dev/null &&
	cmp $TMP/a.ko $TMP/b.ko"
t "another seed gives another mutant" sh -c "
	$BIN swifi $TMP/null_blk.ko random:12:5 -o $TMP/c.ko > /dev/null &&
	! cmp -s $TMP/a.ko $TMP/c.ko"
t "N defaults to 1" sh -c "
	[ \$($BIN swifi $TMP/null_blk.ko branch-invert:1 -o $TMP/d.ko |
	     grep -c '^swifi: branch-invert ') = 1 ]"
t "JSON: module, output and five faults with their bytes" sh -c "
	$BIN -j swifi $TMP/null_blk.ko random:11:5 -o $TMP/e.ko |
	jq -e '.module and .output and (.swifi | length == 5) and
	       all(.swifi[]; .type and .function and (.offset | type == \"number\") and
		   .before != .after)' > /dev/null"

# bad input: refused, nothing written
for spec in nosuch:1 random random: random:x random:1:0 random:1:65 \
	    random:1:2:3 branch-invert:1:x; do
	t "refuses '$spec'" sh -c "! $BIN swifi $TMP/null_blk.ko '$spec' -o $TMP/bad.ko 2> $TMP/err &&
		grep -q '^nooksctl: ' $TMP/err && [ ! -e $TMP/bad.ko ]"
done
t "refuses a missing -o" sh -c "! $BIN swifi $TMP/null_blk.ko random:1 2> $TMP/err &&
	grep -q 'missing -o FILE' $TMP/err"
printf 'not an ELF file' > "$TMP/garbage.ko"
t "refuses a file that is not a module" sh -c "! $BIN swifi $TMP/garbage.ko random:1 -o $TMP/bad.ko 2> $TMP/err &&
	grep -q 'not an x86-64 kernel module' $TMP/err && [ ! -e $TMP/bad.ko ]"

echo "1..$n"
[ "$failed" = 0 ]
