#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Drift test of the documentation against the source, and a test of
# make install/uninstall. Needs no kernel module and no root. Prints
# TAP; exits non-zero if any test failed.
#
# From the source it takes:
#  - the command words of every cmds[] table in tools/nooksctl/*.c (the
#    table selected with cmd_select(..., NULL) is the top level, one
#    selected with cmd_select(..., "OBJECT") holds OBJECT's commands);
#  - the global options: main.c's longs[] table ("--json", 'j') and the
#    case labels of global_option();
#  - the command options: main.c's command_options[] and every "--word"
#    literal in a do_*() function, which names the commands taking it;
#  - the JSON keys nooksctl prints (jsonw_*_field and jsonw_name literals)
#    and the environment variables it reads (getenv);
#  - the files of a domain in /sys: the names of NOOKS_COUNTER_ATTR(...)
#    and __ATTR*(...) in core/sysfs.c, and the object types of
#    objtrack/types.h.
# and checks that each is named:
#  (a) in "nooksctl help" or "nooksctl OBJECT help": a command on a line
#      "  WORD ..." under Commands:, an option as a word under Options:,
#      a command option on the line of a command that takes it (as
#      "--opt" or "--opt=VALUE");
#  (b) in tools/nooksctl/nooksctl.8: each command in the tag of a .TP
#      entry of COMMANDS ("WORD ARGS", "OBJECT WORD ARGS"; a command
#      option in the tag of each command taking it), each option in one
#      of OPTIONS, JSON keys in JSON OUTPUT, variables in ENVIRONMENT;
#      and the page renders without warnings;
#  (c) by tools/nooksctl/bash-completion/nooksctl, run in a bash subshell
#      (alone, and after bash-completion if installed): commands after
#      "nooksctl", OBJECT's commands after "nooksctl OBJECT", options
#      after "-", command options after the command ("--opt" or
#      "--opt="); domain and module names, faults and restart policies
#      where they are arguments;
#  (d) in Documentation/ABI/testing/sysfs-kernel-nooks: a "What:" entry
#      per file and a row of the objects/ table per type, and no entry
#      for a file or type the source lacks;
#  (e) Documentation/*.rst render without docutils warnings, and the
#      newcomer's map (Documentation/overview.rst) names every design
#      note, the test, campaign and ABI documents and the spec language;
# that dkms.conf's PACKAGE_VERSION is core/main.c's MODULE_VERSION; and
# that "make install DESTDIR=..." installs nooks.ko, nooksctl, the man
# page and the completion (no depmod; bash-completion finds it) and
# "make uninstall" removes them; and that DKMS builds nooks.ko from the
# sources "make dkms-install" gives it.
#
# Usage (from anywhere): tests/user/docs_test.sh
# nooksctl is built with "make -C tools/nooksctl" (nothing to do when it
# is up to date); the install tests are skipped without a built nooks.ko.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

bail() { echo "Bail out! $*"; exit 1; }

CTL=tools/nooksctl
BIN=$CTL/nooksctl
MAN=$CTL/nooksctl.8
COMP=$CTL/bash-completion/nooksctl
ABI=Documentation/ABI/testing/sysfs-kernel-nooks

for f in "$CTL/main.c" "$MAN" "$COMP" "$ABI" core/sysfs.c \
	 objtrack/objtrack.c dkms.conf install.mk; do
	[ -f "$f" ] || bail "no $f"
done
make -s -C "$CTL" nooksctl >/dev/null || bail "cannot build $BIN"
[ -x "$BIN" ] || bail "no $BIN"

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

# t DESCRIPTION COMMAND...: one test; COMMAND decides, and what it
# prints on stdout explains a failure.
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

skip()
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# === What the source says ===

# cmd_tables: "OBJECT WORD FUNCTION" per entry of every cmds[] table,
# OBJECT "-" for the top level.
cmd_tables()
{
	local f obj

	for f in "$CTL"/*.c; do
		grep -q '^static const struct cmd [A-Za-z0-9_]*\[\] = {' "$f" ||
			continue
		if grep -q 'cmd_select([^,]*,[^,]*,[^,]*, *NULL)' "$f"; then
			obj=-
		else
			obj=$(sed -n 's/.*cmd_select([^,]*,[^,]*,[^,]*, *"\([a-z_]*\)").*/\1/p' "$f" |
				head -n 1)
		fi
		[ -n "$obj" ] || { echo "? ? $f"; continue; }
		sed -n '/^static const struct cmd [A-Za-z0-9_]*\[\] = {/,/^};/s/^[[:space:]]*{[[:space:]]*"\([^"]*\)",[[:space:]]*\([A-Za-z0-9_]*\).*/\1 \2/p' "$f" |
			while read -r word func; do
				echo "$obj $word $func"
			done
	done
}

# global_options: "-j --json" per global option (short, and long if any).
global_options()
{
	local c long

	awk '/^static int global_option\(/ { f = 1 }
		f && /^}/ { f = 0 }
		f' "$CTL/main.c" | sed -n "s/.*case '\(.\)':.*/\1/p" |
	while read -r c; do
		long=$(grep -o "{ *\"--[a-z-]*\", *'$c' *}" "$CTL/main.c" |
			sed 's/{ *"\(--[a-z-]*\)".*/\1/')
		echo "-$c $long"
	done
}

# command_options: "OPTION FUNCTION" for every "--word" literal in a
# do_*() function, and "OPTION -" for an entry of command_options[] that
# no do_*() function handles. main.c's command_options[] go to
# $TMP/copt_table.
command_options()
{
	local o

	awk '/^(static )?int do_[a-z_]*\(/ && !/;[[:space:]]*$/ {
		fn = $0; sub(/\(.*/, "", fn); sub(/.* /, "", fn); next }
	/^}/ { fn = "" }
	fn != "" {
		s = $0
		while (match(s, /"--[a-z][a-z-]*"/)) {
			print substr(s, RSTART + 1, RLENGTH - 2), fn
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$CTL"/*.c | sort -u > "$TMP/optfn"
	awk '/command_options\[\] = \{/ { f = 1; next }
		f && /^\};/ { f = 0 }
		f' "$CTL/main.c" | grep -o '"--[a-z][a-z-]*"' | tr -d '"' \
		> "$TMP/copt_table"
	while read -r o; do
		grep -q "^$o " "$TMP/optfn" || echo "$o -"
	done < "$TMP/copt_table"
	cat "$TMP/optfn"
}

json_keys()
{
	cat "$CTL"/*.c | grep -o 'jsonw_[a-z_]*(json_wtr, *"[a-z_]*"' |
		sed 's/.*"\([a-z_]*\)"/\1/' | sort -u
}

env_vars()
{
	local v def

	cat "$CTL"/*.c | grep -o 'getenv([^)]*)' |
		sed 's/getenv(\(.*\))/\1/' | sort -u |
	while read -r v; do
		case $v in
		\"*) echo "${v//\"/}" ;;
		*)
			def=$(cat "$CTL"/*.c |
				sed -n "s/^#define[[:space:]]*${v}[[:space:]]*\"\(.*\)\".*/\1/p")
			echo "${def:-?$v}"
			;;
		esac
	done
}

# sysfs_attrs: the files of a domain directory (macro bodies skipped).
sysfs_attrs()
{
	awk '/^#define/ { def = 1 }
		!def { print }
		def && !/\\$/ { def = 0 }' core/sysfs.c > "$TMP/sysfs.c"
	{
		sed -n 's/^NOOKS_COUNTER_ATTR(\([a-z0-9_]*\),.*/\1/p' "$TMP/sysfs.c"
		grep -o '__ATTR\(_RO\|_RW\|_WO\|\)([a-z0-9_]*' "$TMP/sysfs.c" |
			sed 's/.*(//'
	} | sort -u
}

obj_types()
{
	sed -n 's/^NOOKS_OBJ_TYPE([A-Z0-9_]*, \([a-z0-9_]*\),.*/\1/p' \
		objtrack/types.h
}

cmd_tables > "$TMP/cmds"
global_options > "$TMP/gopts"
command_options > "$TMP/copts"
json_keys > "$TMP/keys"
env_vars > "$TMP/env"
sysfs_attrs > "$TMP/attrs"
obj_types > "$TMP/types"

nonempty()
{
	[ -s "$1" ] && return 0
	echo "found nothing: the source changed shape, fix this test"
	return 1
}

cmds_parsed()
{
	[ "$(grep -c '^- ' "$TMP/cmds")" -ge 5 ] && ! grep -q '^?' "$TMP/cmds" &&
		return 0
	cat "$TMP/cmds"
	return 1
}

t "source: cmds[] tables parsed" cmds_parsed
t "source: global options parsed" nonempty "$TMP/gopts"
t "source: JSON keys parsed" nonempty "$TMP/keys"
t "source: sysfs attributes parsed" nonempty "$TMP/attrs"
t "source: object types parsed" nonempty "$TMP/types"

objects=$(awk '$1 != "-" { print $1 }' "$TMP/cmds" | sort -u)

# === (a) help ===

# help_block NAME: the lines after "NAME:" up to an empty line.
help_block()
{
	awk -v b="$1:" '$0 == b { f = 1; next } /^$/ { f = 0 } f'
}

"$BIN" help > "$TMP/help.-" 2>&1 || bail "nooksctl help failed"
for o in - $objects; do
	if [ "$o" != - ]; then
		"$BIN" "$o" help > "$TMP/help.$o" 2>&1 ||
			bail "nooksctl $o help failed"
	fi
	help_block Commands < "$TMP/help.$o" > "$TMP/help.$o.cmds"
	help_block Options < "$TMP/help.$o" > "$TMP/help.$o.opts"
done

help_of() { [ "$1" = - ] && echo "nooksctl help" || echo "nooksctl $1 help"; }

# help_lists OBJECT WORD: a line "  WORD ..." under Commands:.
help_lists()
{
	grep -Eq -- "^  $2( |\$)" "$TMP/help.$1.cmds" && return 0
	echo "no line '  $2 ...' under Commands: in '$(help_of "$1")'"
	return 1
}

# help_option OPTION: a word of the Options: of "nooksctl help".
help_option()
{
	grep -Eq -- "(^|[[:space:],])$1([[:space:],]|\$)" "$TMP/help.-.opts" &&
		return 0
	echo "$1 is not under Options: in 'nooksctl help'"
	return 1
}

while read -r obj word _; do
	t "help: '$(help_of "$obj")' lists '$word'" help_lists "$obj" "$word"
done < "$TMP/cmds"

while read -r short long; do
	for o in $short $long; do
		t "help: 'nooksctl help' names option $o" help_option "$o"
	done
done < "$TMP/gopts"

# commands_of FUNCTION: "OBJECT WORD" of each command that runs it.
commands_of()
{
	awk -v fn="$1" '$3 == fn { print $1, $2 }' "$TMP/cmds"
}

# opt_in_help OPTION FUNCTION...: the help line of a command that runs
# one of the FUNCTIONs names OPTION.
opt_in_help()
{
	local opt=$1 fn obj word

	shift
	for fn in "$@"; do
		while read -r obj word; do
			grep -Eq -- "^  $word .*$opt([]= ]|\$)" "$TMP/help.$obj.cmds" &&
				return 0
		done < <(commands_of "$fn")
	done
	echo "no help line of a command taking $opt names it"
	return 1
}

# handled OPTION FUNCTION...: some do_*() function handles OPTION, and
# the option parser lets it through to it.
handled()
{
	if [ "$2" = - ]; then
		echo "$1 is in command_options[] but no do_*() function uses it"
		return 1
	fi
	grep -qxF -- "$1" "$TMP/copt_table" && return 0
	echo "$2 takes $1, but it is not in main.c's command_options[]: nooksctl rejects it"
	return 1
}

while read -r opt; do
	mapfile -t fns < <(awk -v o="$opt" '$1 == o { print $2 }' "$TMP/copts")
	t "source: command option $opt is handled by a command" \
		handled "$opt" "${fns[@]}"
	t "help: option $opt on the line of a command taking it" \
		opt_in_help "$opt" "${fns[@]}"
done < <(awk '{ print $1 }' "$TMP/copts" | sort -u)

# === (b) man page ===

# The tag of every .TP entry of section $1 (.SH), as words: fonts, \-,
# \& and \% undone, brackets, bars, braces and commas dropped.
man_tags()
{
	awk -v s="$1" '/^\.SH/ { sh = $0; sub(/^\.SH "?/, "", sh); sub(/"$/, "", sh) }
		tp { if (sh == s) print; tp = 0; next }
		/^\.TP/ { tp = 1 }' "$MAN" |
	sed -e 's/^\.[A-Z][A-Z]* //' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' \
	    -e 's/\\-/-/g' -e 's/\\[&%]//g' -e 's/[][|,{}"]/ /g' \
	    -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//'
}
man_tags COMMANDS > "$TMP/tags.cmds"
man_tags OPTIONS > "$TMP/tags.opts"

# man_entry COMMAND [OPTION]: an entry of COMMANDS whose tag is the words
# of COMMAND, then only arguments (no further command word), and names
# OPTION.
man_entry()
{
	local cmd=$1 opt=${2:-}

	if [ -z "$opt" ]; then
		grep -Eq -- "^$cmd( [^a-z]|\$)" "$TMP/tags.cmds" && return 0
		echo "no entry in COMMANDS of $MAN whose tag is '$cmd [ARGS]'"
	else
		grep -E -- "^$cmd( [^a-z]|\$)" "$TMP/tags.cmds" |
			grep -Eq -- "(^| )$opt( |=|\$)" && return 0
		echo "no entry in COMMANDS of $MAN whose tag is '$cmd [ARGS]' with $opt"
	fi
	return 1
}

man_option()
{
	grep -Eq -- "(^| )$1( |\$)" "$TMP/tags.opts" && return 0
	echo "no entry in OPTIONS of $MAN whose tag names $1"
	return 1
}

while read -r obj word _; do
	if [ "$obj" = - ]; then
		t "man: entry for command '$word'" man_entry "$word"
	else
		t "man: entry for command '$obj $word'" man_entry "$obj $word"
	fi
done < "$TMP/cmds"

while read -r short long; do
	for o in $short $long; do
		t "man: entry for option $o" man_option "$o"
	done
done < "$TMP/gopts"

while read -r opt fn; do
	[ "$fn" = - ] && continue
	while read -r obj word; do
		[ "$obj" = - ] && obj= || obj="$obj "
		t "man: entry for '$obj$word' names $opt" man_entry "$obj$word" "$opt"
	done < <(commands_of "$fn")
done < "$TMP/copts"

man_renders()
{
	local out

	out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN" 2>&1)
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

if command -v groff >/dev/null; then
	t "man: renders without warnings (groff -man -ww)" man_renders
	LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou -rLL=250n "$MAN" \
		> "$TMP/man.txt" 2>/dev/null
else
	skip "man: renders without warnings" "no groff (apt-get install groff-base)"
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(dq/"/g' "$MAN" > "$TMP/man.txt"
fi

# section NAME: the rendered text of section NAME.
section()
{
	awk -v s="$1" '/^[A-Z]/ { f = ($0 == s) } f' "$TMP/man.txt"
}
section "JSON OUTPUT" > "$TMP/man.json"
section "ENVIRONMENT" > "$TMP/man.env"

man_json_key()
{
	grep -Eq "(^|[^a-z_])$1([^a-z_]|\$)" "$TMP/man.json" && return 0
	echo "no \"$1\" in JSON OUTPUT of $MAN"
	return 1
}

man_env()
{
	grep -Eq "^       $1( |\$)" "$TMP/man.env" && return 0
	echo "no entry for $1 in ENVIRONMENT of $MAN"
	return 1
}

while read -r key; do
	t "man: JSON OUTPUT describes key '$key'" man_json_key "$key"
done < "$TMP/keys"

while read -r var; do
	t "man: ENVIRONMENT describes $var" man_env "$var"
done < "$TMP/env"

# === (c) bash completion ===

mkdir -p "$TMP/domains/e1000" "$TMP/domains/null_blk" "$TMP/modules"
printf '%s\n' 'kernel/drivers/net/dummy.ko:' \
	'kernel/drivers/block/null_blk/null_blk.ko.xz: kernel/lib/configfs.ko' \
	> "$TMP/modules/modules.dep"

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
with_bc=

# complete WORD...: what the completion offers for the last WORD, one
# per line, from a bash without any startup file (with bash-completion
# loaded first if with_bc is set).
complete_words()
{
	bash --norc --noprofile -c '
		if [ -n "$3" ]; then
			source "$3" || exit 1
		fi
		source "$1" || exit 1
		_nooksctl_domains_dir=$2/domains
		_nooksctl_modules_dir=$2/modules
		shift 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_nooksctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$TMP" \
		"${with_bc:+$BASH_COMPLETION}" "$@"
}

# offers WANT WORD...: completing the last WORD offers WANT (each of the
# space-separated words of WANT).
offers()
{
	local want=$1 w got

	shift
	got=$(complete_words "$@") || { echo "sourcing $COMP failed"; return 1; }
	for w in $want; do
		grep -qxF -- "$w" <<<"$got" && continue
		echo "'nooksctl ${*:2}' offers: $(tr '\n' ' ' <<<"$got")"
		return 1
	done
}

# offers_option OPTION WORD...: completing the last WORD offers OPTION,
# or "OPTION=" for an option that takes its value after '='.
offers_option()
{
	local opt=$1 got

	shift
	got=$(complete_words "$@") || { echo "sourcing $COMP failed"; return 1; }
	grep -qxF -e "$opt" -e "$opt=" <<<"$got" && return 0
	echo "'nooksctl ${*:2}' offers: $(tr '\n' ' ' <<<"$got")"
	return 1
}

# words_sorted: the words of stdin, sorted, on one line.
words_sorted()
{
	tr ' ' '\n' | grep -v '^$' | sort | tr '\n' ' '
}

# offers_only WANT WORD...: completing the last WORD offers exactly the
# words of WANT, in any order.
offers_only()
{
	local want=$1 got

	shift
	got=$(complete_words "$@") || { echo "sourcing $COMP failed"; return 1; }
	[ "$(words_sorted <<<"$got")" = "$(words_sorted <<<"$want")" ] &&
		return 0
	echo "'nooksctl ${*:2}' offers: $(tr '\n' ' ' <<<"$got")"
	return 1
}

while read -r obj word _; do
	if [ "$obj" = - ]; then
		t "completion: 'nooksctl <TAB>' offers '$word'" offers "$word" nooksctl ""
	else
		t "completion: 'nooksctl $obj <TAB>' offers '$word'" \
			offers "$word" nooksctl "$obj" ""
	fi
done < "$TMP/cmds"

while read -r short long; do
	for o in $short $long; do
		t "completion: 'nooksctl -<TAB>' offers $o" offers "$o" nooksctl -
	done
done < "$TMP/gopts"

while read -r opt fn; do
	[ "$fn" = - ] && continue
	while read -r obj word; do
		[ "$obj" = - ] && obj= || obj="$obj "
		# shellcheck disable=SC2086 # obj is zero or one word
		t "completion: 'nooksctl $obj$word NAME -<TAB>' offers $opt" \
			offers_option "$opt" nooksctl $obj "$word" x -
	done < <(commands_of "$fn")
done < "$TMP/copts"

t "completion: command words complete from a prefix ('dom' -> domain)" \
	offers domain nooksctl dom
t "completion: 'nooksctl unload <TAB>' offers domain names" \
	offers "e1000 null_blk" nooksctl unload ""
t "completion: 'nooksctl show <TAB>' offers domain names" \
	offers "e1000 null_blk" nooksctl show ""
t "completion: 'nooksctl domain show <TAB>' offers domain names" \
	offers "e1000 null_blk" nooksctl domain show ""
t "completion: 'nooksctl domain destroy <TAB>' offers domain names" \
	offers "e1000 null_blk" nooksctl domain destroy ""
t "completion: 'nooksctl domain create NAME <TAB>' offers --load" \
	offers "--load" nooksctl domain create x ""
t "completion: 'nooksctl load <TAB>' offers module names" \
	offers "dummy null_blk" nooksctl load ""
t "completion: 'nooksctl check <TAB>' offers module names" \
	offers "dummy null_blk" nooksctl check ""
mkdir -p "$TMP/ko"
: > "$TMP/ko/drv.ko"
t "completion: 'nooksctl load DIR/<TAB>' offers .ko files" \
	offers "$TMP/ko/drv.ko" nooksctl load "$TMP/ko/"
t "completion: 'nooksctl check DIR/<TAB>' offers .ko files" \
	offers "$TMP/ko/drv.ko" nooksctl check "$TMP/ko/"
t "completion: 'nooksctl recover <TAB>' offers domain names" \
	offers "e1000 null_blk" nooksctl recover ""
t "completion: 'nooksctl inject <TAB>' offers domain names" \
	offers "e1000 null_blk" nooksctl inject ""
# The faults: inject's help lists them, one per line, first word.
"$BIN" help inject 2>/dev/null |
	awk '/^Faults/ { f = 1; next } /^$/ { f = 0 } f && /^  [a-z]/ { print $1 }' \
	> "$TMP/faults"
t "source: 'nooksctl help inject' lists the faults" nonempty "$TMP/faults"
t "completion: 'nooksctl inject DOMAIN <TAB>' offers every fault of 'help inject'" \
	offers_only "$(tr '\n' ' ' < "$TMP/faults")" nooksctl inject e1000 ""
t "completion: 'nooksctl inject DOMAIN n<TAB>' offers null-deref" \
	offers_only null-deref nooksctl inject e1000 n
t "completion: 'nooksctl inject DOMAIN FAULT <TAB>' offers nothing" \
	offers_only "" nooksctl inject e1000 bug ""
t "completion: 'nooksctl inject --count 2 DOMAIN <TAB>' offers faults" \
	offers "null-deref hang" nooksctl inject --count 2 e1000 ""
t "completion: 'nooksctl inject DOMAIN FAULT --count <TAB>' offers nothing" \
	offers_only "" nooksctl inject e1000 bug --count ""
t "completion: 'nooksctl monitor -<TAB>' offers --count" \
	offers --count nooksctl monitor -
t "completion: 'nooksctl load MODULE --restart <TAB>' offers the policies" \
	offers_only "shadow always never" nooksctl load e1000 --restart ""
# Where '=' breaks words, bash splits "--restart=a" into three words.
t "completion: 'nooksctl load MODULE --restart=<TAB>' offers the policies" \
	offers_only "shadow always never" nooksctl load e1000 --restart = ""
t "completion: 'nooksctl load MODULE --restart=n<TAB>' offers never" \
	offers_only never nooksctl load e1000 --restart = n
t "completion: 'nooksctl load MODULE --restart=a <TAB>' offers parameters, not modules" \
	offers_only "" nooksctl load e1000 --restart = always ""
t "completion: 'nooksctl help <TAB>' offers the commands with a help" \
	offers "domain load inject monitor recover" nooksctl help ""

# The same function under bash-completion (_init_completion).
if [ -r "$BASH_COMPLETION" ]; then
	with_bc=1
	t "completion under bash-completion: 'nooksctl <TAB>' offers every command" \
		offers "$(awk '$1 == "-" { print $2 }' "$TMP/cmds" | tr '\n' ' ')" nooksctl ""
	t "completion under bash-completion: 'nooksctl dom cr NAME -<TAB>' offers --load" \
		offers --load nooksctl dom cr x -
	t "completion under bash-completion: 'nooksctl unload <TAB>' offers domain names" \
		offers "e1000 null_blk" nooksctl unload ""
	t "completion under bash-completion: 'nooksctl inject DOMAIN <TAB>' offers faults" \
		offers "null-deref hang-irqoff" nooksctl inject e1000 ""
	t "completion under bash-completion: 'nooksctl load MODULE --restart=<TAB>' offers the policies" \
		offers_only "shadow always never" nooksctl load e1000 --restart = ""
	t "completion under bash-completion: 'nooksctl load MODULE --restart=ne<TAB>' offers never" \
		offers_only never nooksctl load e1000 --restart = ne
	with_bc=
else
	skip "completion under bash-completion" "no $BASH_COMPLETION"
fi

# === (d) sysfs ABI ===

# The files and object types the ABI document describes.
sed -n 's|^What:[[:space:]]*/sys/kernel/nooks/domains/<name>/\([a-z0-9_]*\)$|\1|p' \
	"$ABI" | sort -u > "$TMP/abi.attrs"
awk '/^What:/ { f = ($2 == "/sys/kernel/nooks/domains/<name>/objects/") }
	f && /^\t\t[a-z0-9_]+  / { print $1 }' "$ABI" | sort -u > "$TMP/abi.types"

# in_list WORD FILE WHAT: WORD is a line of FILE, or say WHAT is missing.
in_list()
{
	grep -qxF -- "$1" "$2" && return 0
	echo "no $3"
	return 1
}

# only_known DOCUMENTED SOURCE: nothing documented that the source lacks.
only_known()
{
	local extra

	extra=$(comm -23 "$1" <(sort -u "$2") | tr '\n' ' ')
	[ -z "$extra" ] && return 0
	echo "described, not in the source: $extra"
	return 1
}

while read -r a; do
	t "ABI: $ABI describes domains/<name>/$a" in_list "$a" "$TMP/abi.attrs" \
		"What: /sys/kernel/nooks/domains/<name>/$a"
done < "$TMP/attrs"
while read -r ty; do
	t "ABI: $ABI describes objects/$ty" in_list "$ty" "$TMP/abi.types" \
		"row '$ty' in the table of objects/"
done < "$TMP/types"
t "ABI: no file described that core/sysfs.c lacks" \
	only_known "$TMP/abi.attrs" "$TMP/attrs"
t "ABI: no object type described that objtrack.c lacks" \
	only_known "$TMP/abi.types" "$TMP/types"

# === dkms.conf and make install ===

modver=$(sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' core/main.c)
pkgver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
t "dkms.conf: PACKAGE_VERSION ($pkgver) is MODULE_VERSION ($modver)" \
	test -n "$modver" -a "$pkgver" = "$modver"

# Use install.mk as the Makefile does once it includes it, or next to it.
if grep -Eq '^-?include .*install\.mk' Makefile; then
	mk=(make -s)
else
	mk=(make -s -f Makefile -f install.mk)
fi
# A depmod that leaves a mark: with DESTDIR it must not run.
mkdir -p "$TMP/bin"
printf '#!/bin/sh\ntouch "%s/depmod-ran"\n' "$TMP" > "$TMP/bin/depmod"
chmod +x "$TMP/bin/depmod"
mk_install()
{
	env -u PREFIX -u SBINDIR -u MANDIR -u BASHCOMPDIR \
		-u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		PATH="$TMP/bin:$PATH" "${mk[@]}" "$@" > "$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log"; return 1; }
}

# installed ROOT PREFIX KVER: the four files, as built, with their modes.
installed()
{
	local root=$1 prefix=$2 kver=$3 f

	for f in "lib/modules/$kver/updates/nooks.ko:nooks.ko:644" \
		 "${prefix#/}/sbin/nooksctl:$BIN:755" \
		 "${prefix#/}/share/man/man8/nooksctl.8:$MAN:644" \
		 "${prefix#/}/share/bash-completion/completions/nooksctl:$COMP:644"; do
		IFS=: read -r dst src mode <<<"$f"
		[ -f "$root/$dst" ] || { echo "no $dst"; return 1; }
		cmp -s "$root/$dst" "$src" || { echo "$dst is not $src"; return 1; }
		[ "$(stat -c %a "$root/$dst")" = "$mode" ] ||
			{ echo "$dst has mode $(stat -c %a "$root/$dst"), not $mode"; return 1; }
	done
	[ ! -e "$TMP/depmod-ran" ] || { echo "depmod ran with DESTDIR"; return 1; }
}

no_files()
{
	local left

	left=$(find "$1" -type f)
	[ -z "$left" ] || { printf 'left: %s\n' "$left"; return 1; }
}

# install_ok ROOT PREFIX KVER [VAR=VALUE...]
install_ok()
{
	local root=$1 prefix=$2 kver=$3

	shift 3
	mk_install install DESTDIR="$root" KVER="$kver" "$@" &&
		installed "$root" "$prefix" "$kver"
}

# uninstall_ok ROOT PREFIX KVER [VAR=VALUE...]
uninstall_ok()
{
	local root=$1 kver=$3

	shift 3
	mk_install uninstall DESTDIR="$root" KVER="$kver" "$@" && no_files "$root"
}

# bc_loads DIR: bash-completion's loader, searching DIR (as it searches
# /usr/local/share and /usr/share), finds and loads the completion.
bc_loads()
{
	local out

	out=$(XDG_DATA_DIRS=$1 BASH_COMPLETION_USER_DIR=$TMP/none \
		bash --norc --noprofile -c '
		source "$1" || exit 1
		__load_completion nooksctl && complete -p nooksctl' _ \
		"$BASH_COMPLETION" 2>&1)
	[[ $out == *"-F _nooksctl nooksctl"* ]] && return 0
	echo "not loaded from $1: $out"
	return 1
}

# install_refused ROOT KVER: fails, installs nothing.
install_refused()
{
	if mk_install install DESTDIR="$1" KVER="$2" >/dev/null; then
		echo "make install KVER=$2 succeeded"
		return 1
	fi
	[ ! -d "$1" ] || no_files "$1"
}

# The kernel nooks.ko was built for (its vermagic).
kver=
if [ -f nooks.ko ]; then
	kver=$(tr '\0' '\n' < nooks.ko |
		sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -n 1)
fi
if [ -z "$kver" ]; then
	for d in "make install DESTDIR=..." \
		 "bash-completion finds the installed completion" \
		 "make uninstall DESTDIR=..." "make install PREFIX=/usr" \
		 "make uninstall PREFIX=/usr" \
		 "make install refuses a nooks.ko built for another kernel"; do
		skip "$d" "nooks.ko not built (make)"
	done
else
	d=$TMP/destdir
	t "make install DESTDIR=... installs the four files, no depmod" \
		install_ok "$d" /usr/local "$kver"
	if [ -r "$BASH_COMPLETION" ]; then
		t "bash-completion finds the installed completion in PREFIX/share" \
			bc_loads "$d/usr/local/share"
	else
		skip "bash-completion finds the installed completion" \
			"no $BASH_COMPLETION"
	fi
	t "make uninstall DESTDIR=... removes them" uninstall_ok "$d" /usr/local "$kver"
	d=$TMP/destdir-usr
	t "make install PREFIX=/usr DESTDIR=... installs under /usr" \
		install_ok "$d" /usr "$kver" PREFIX=/usr
	t "make uninstall PREFIX=/usr DESTDIR=... removes them" \
		uninstall_ok "$d" /usr "$kver" PREFIX=/usr
	t "make install refuses a nooks.ko built for another kernel" \
		install_refused "$TMP/destdir-other" 0.0.0-other
fi

# dkms_builds KVER: the sources make dkms-src copies (those dkms-install
# gives DKMS) build into nooks.ko for KVER with DKMS, in a tree of its
# own (--dkmstree, --sourcetree): nothing under /var/lib/dkms or
# /usr/src but the signing key DKMS makes on its first build as root.
dkms_builds()
{
	local kv=$1 src=$TMP/dkms-src tree=$TMP/dkms-tree ko

	mkdir -p "$src" "$tree"
	mk_install dkms-src DKMS_SRC="$src/nooks-$pkgver" || return 1
	(cd "$TMP" &&
	 dkms add -m nooks -v "$pkgver" --dkmstree "$tree" --sourcetree "$src" &&
	 dkms build -m nooks -v "$pkgver" -k "$kv" --dkmstree "$tree" \
		--sourcetree "$src") > "$TMP/dkms.log" 2>&1 ||
		{ cat "$TMP/dkms.log" "$tree"/nooks/*/build/make.log 2>/dev/null |
		  tail -n 20; return 1; }
	ko=$tree/nooks/$pkgver/$kv/x86_64/module/nooks.ko
	[ -f "$ko" ] || { echo "no $ko"; return 1; }
	tr '\0' '\n' < "$ko" | grep -a "^vermagic=$kv " > /dev/null ||
		{ echo "$ko is not built for $kv"; return 1; }
}

if [ -z "$kver" ]; then
	skip "dkms builds nooks.ko from what dkms-install copies" "nooks.ko not built (make)"
elif ! command -v dkms >/dev/null; then
	skip "dkms builds nooks.ko from what dkms-install copies" "no dkms (apt-get install dkms)"
else
	t "dkms builds nooks.ko for $kver from what dkms-install copies" \
		dkms_builds "$kver"
fi

# === (e) Documentation/ ===
# rst_renders FILE: docutils reads FILE without a warning.
rst_renders()
{
	python3 -c 'import sys
from docutils.core import publish_doctree
publish_doctree(open(sys.argv[1]).read(), source_path=sys.argv[1],
		settings_overrides={"halt_level": 2, "report_level": 2})' "$1"
}

if python3 -c 'import docutils' 2>/dev/null; then
	for f in Documentation/*.rst Documentation/design/*.rst; do
		t "docs: $f renders without warnings (docutils)" rst_renders "$f"
	done
else
	skip "docs: Documentation/*.rst render" "no docutils (apt-get install python3-docutils)"
fi
for f in Documentation/design/*.rst Documentation/testing.rst \
	 Documentation/campaign.rst wrappers/specs/README \
	 Documentation/ABI/testing/sysfs-kernel-nooks; do
	t "docs: the overview points to ${f#Documentation/}" \
		grep -qF "${f##*/}" Documentation/overview.rst
done
t "docs: README points to the overview" \
	grep -qF Documentation/overview.rst README.md

echo "1..$n"
[ "$failed" = 0 ]
