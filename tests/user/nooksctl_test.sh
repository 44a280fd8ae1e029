#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of nooksctl that need no kernel module: usage, help,
# prefix matching, name checks, and the error for a missing module.
# Prints TAP; exits non-zero if any test failed.
#
# Usage: tests/user/nooksctl_test.sh [PATH_TO_NOOKSCTL]

BIN=${1:-tools/nooksctl/nooksctl}

if [ ! -x "$BIN" ]; then
	echo "Bail out! $BIN is not an executable (make -C tools/nooksctl)"
	exit 1
fi

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0
rc=0

NOT_LOADED="nooksctl: nooks module not loaded (insmod nooks.ko first)"
LONG56=$(printf 'a%.0s' {1..56})
LONG55=$(printf 'a%.0s' {1..55})

# Run nooksctl; leaves $rc, $TMP/out and $TMP/err.
run()
{
	"$BIN" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
}

# Record one test: t DESCRIPTION COMMAND...; COMMAND decides.
t()
{
	local desc=$1

	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "#   rc=$rc"
		sed 's/^/#   stdout: /' "$TMP/out" | head -n 5
		sed 's/^/#   stderr: /' "$TMP/err" | head -n 5
		failed=$((failed + 1))
	fi
}

# Exactly one newline-terminated line in FILE.
one_line()
{
	[ "$(wc -l <"$1")" -eq 1 ] && [ -z "$(tail -c 1 "$1")" ]
}

# expect_error SUBSTRING ARGS...: exit 1, nothing on stdout, one line on
# stderr that starts with "nooksctl: " and contains SUBSTRING.
expect_error()
{
	local want=$1

	shift
	run "$@"
	[ "$rc" -eq 1 ] && [ ! -s "$TMP/out" ] && one_line "$TMP/err" &&
		grep -q '^nooksctl: ' "$TMP/err" &&
		grep -qF -- "$want" "$TMP/err"
}

# expect_exact_error LINE ARGS...: as expect_error, stderr exactly LINE.
expect_exact_error()
{
	local want=$1

	shift
	run "$@"
	[ "$rc" -eq 1 ] && [ ! -s "$TMP/out" ] &&
		[ "$(cat "$TMP/err")" = "$want" ] && one_line "$TMP/err"
}

# expect_ok ARGS...: exit 0, something on stdout, nothing on stderr.
expect_ok()
{
	run "$@"
	[ "$rc" -eq 0 ] && [ -s "$TMP/out" ] && [ ! -s "$TMP/err" ]
}

# Help is for people: no JSON syntax in it.
json_free()
{
	! grep -q '[{}"]' "$TMP/out"
}

# names_all WORD...: every WORD appears as a word in stdout.
names_all()
{
	local w

	for w in "$@"; do
		grep -qw -- "$w" "$TMP/out" || return 1
	done
}

# A name is echoed cut short, so the line stays readable.
short_error()
{
	expect_error "too long" "$@" && [ "$(wc -c <"$TMP/err")" -lt 300 ]
}

top_help_ok()
{
	expect_ok "$@" && json_free &&
		names_all list show create destroy domain version help \
			--json --pretty --help --version
}

domain_help_ok()
{
	expect_ok "$@" && json_free &&
		names_all list show create destroy help NAME
}

# same_as ARGS1 -- ARGS2: both succeed with identical stdout.
same_as()
{
	local a=()

	while [ "$1" != "--" ]; do
		a+=("$1")
		shift
	done
	shift
	expect_ok "${a[@]}" || return 1
	cp "$TMP/out" "$TMP/out.a"
	expect_ok "$@" && cmp -s "$TMP/out" "$TMP/out.a"
}

version_ok()
{
	expect_ok "$@" && one_line "$TMP/out" &&
		grep -qE '^nooksctl [0-9]+\.[0-9]+\.[0-9]+ ' "$TMP/out"
}

json_version_ok()
{
	expect_ok "$@" && one_line "$TMP/out" &&
		grep -qE '^\{"version":"[0-9]+\.[0-9]+\.[0-9]+",' "$TMP/out"
}

# The missing-module tests are meaningless where nooks is loaded.
module_loaded()
{
	[ -d /sys/module/nooks ]
}

not_loaded()
{
	if module_loaded; then
		return 0
	fi
	expect_exact_error "$NOT_LOADED" "$@"
}

skip_note()
{
	module_loaded && echo " # SKIP nooks is loaded here"
}

# --- help and version ---
t "help exits 0 and names every command and option" top_help_ok help
t "-h prints the same help" same_as help -- -h
t "--help prints the same help" same_as help -- --help
t "domain help exits 0 and names every domain command" \
	domain_help_ok domain help
t "help domain prints the domain help" same_as domain help -- help domain
t "domain -h prints the domain help" same_as domain help -- domain -h
t "-h domain prints the domain help" same_as domain help -- -h domain
t "-j help prints the plain help, not JSON" same_as help -- -j help
t "-p domain help prints the plain help, not JSON" \
	same_as domain help -- -p domain help
t "-V prints a version line" version_ok -V
t "--version prints a version line" version_ok --version
t "version command prints a version line" version_ok version
t "-j -V prints the version as JSON" json_version_ok -j -V

# --- prefix matching ---
t "prefix 'dom help' runs domain help" same_as domain help -- dom help
t "prefix 'domain h' runs domain help" same_as domain help -- domain h
t "prefix 'he' runs help" same_as help -- he
t "prefix 'ver' runs version" same_as version -- ver
t "ambiguous prefix 'd' is an error listing domain and destroy" \
	expect_error "ambiguous command 'd': it matches domain, destroy" d
t "-j with an ambiguous prefix: one stderr line, no stdout" \
	expect_error "ambiguous command 'd'" -j d list

# --- unknown commands and options ---
t "no command is an error" expect_error "missing command"
t "unknown object is an error" \
	expect_exact_error "nooksctl: unknown command 'frob' (see 'nooksctl help')" \
	frob
t "unknown domain command is an error" \
	expect_exact_error "nooksctl: unknown domain command 'frob' (see 'nooksctl domain help')" \
	domain frob
t "longer-than-command word is unknown" expect_error "unknown" helpx
t "empty command is unknown" expect_error "unknown command ''" ""
t "unknown long option is an error" expect_error "unknown option '--frob'" \
	--frob help
t "unknown short option is an error" expect_error "unknown option '-x'" \
	-x help
t "option with a value is an error" expect_error "takes no value" \
	--json=1 help
t "help with an unknown object is an error" expect_error "unknown" \
	help frob
t "-j with an unknown command: one stderr line, no stdout" \
	expect_error "unknown command" -j frob

# --- argument counts ---
t "show without NAME is an error" expect_error "missing domain NAME" show
t "domain show without NAME is an error" expect_error "missing domain NAME" \
	domain show
t "domain create without NAME is an error" \
	expect_error "missing domain NAME" domain create
t "domain destroy without NAME is an error" \
	expect_error "missing domain NAME" domain destroy
t "list with an argument is an error" \
	expect_error "unexpected argument 'x'" list x
t "domain list with an argument is an error" \
	expect_error "unexpected argument 'x'" domain list x
t "show with two names is an error" \
	expect_error "unexpected argument 'b'" show a b
t "domain create with two names is an error" \
	expect_error "unexpected argument 'b'" domain create a b
t "domain destroy with two names is an error" \
	expect_error "unexpected argument 'b'" domain destroy a b
t "domain help with an argument is an error" \
	expect_error "unexpected argument 'x'" domain help x
t "help with two arguments is an error" \
	expect_error "unexpected argument" help domain x
t "version with an argument is an error" \
	expect_error "unexpected argument 'x'" version x

# --- domain names, checked before any netlink ---
t "name with a dash is rejected and '_' suggested" \
	expect_error "invalid domain name 'my-dom': '-' is not allowed, use '_' ('my_dom')" \
	domain create my-dom
t "name with a slash is rejected" \
	expect_error "invalid domain name 'a/b': '/' is not allowed" \
	domain create a/b
t "empty name is rejected" expect_error "invalid domain name '': it is empty" \
	domain create ""
t "56-byte name is rejected" expect_error "56 bytes is too long" \
	domain create "$LONG56"
t "name with a space is rejected" expect_error "' ' is not allowed" \
	show "a b"
t "name with a newline gives still one line" \
	expect_error "invalid domain name 'a?b'" destroy $'a\nb'
t "name with a high byte is rejected" expect_error "byte 0xc3 is not allowed" \
	show $'caf\xc3\xa9'
t "name starting with a dash is read as an option" \
	expect_error "unknown option" domain create -a
t "-- lets a dash name through to the name check" \
	expect_error "invalid domain name '-a'" domain create -- -a
t "show with a bad name is rejected" expect_error "invalid domain name" \
	show a.b
t "destroy with a bad name is rejected" expect_error "invalid domain name" \
	domain destroy "a b"
t "-j with a bad name: one stderr line, no stdout" \
	expect_error "invalid domain name" -j domain create a-b
t "huge name gives a short one-line error" short_error domain create \
	"$(printf 'b%.0s' {1..5000})"

# --- no module loaded: the netlink family is missing ---
t "list without the module$(skip_note)" not_loaded list
t "domain list without the module$(skip_note)" not_loaded domain list
t "domain alone lists, without the module$(skip_note)" not_loaded domain
t "show x without the module$(skip_note)" not_loaded show x
t "domain show x without the module$(skip_note)" not_loaded domain show x
t "domain create x without the module$(skip_note)" not_loaded domain create x
t "domain destroy x without the module$(skip_note)" not_loaded domain destroy x
t "create alias without the module$(skip_note)" not_loaded create x
t "destroy alias without the module$(skip_note)" not_loaded destroy x
t "55-byte name passes the name check$(skip_note)" \
	not_loaded domain create "$LONG55"
t "-j list error: one stderr line, no stdout$(skip_note)" not_loaded -j list
t "-p show error: one stderr line, no stdout$(skip_note)" not_loaded -p show x
t "-j after the command works too$(skip_note)" not_loaded list -j
t "--json create error$(skip_note)" not_loaded --json domain create x

# --- output errors ---
# A full disk must not look like success.
full_disk()
{
	"$BIN" "$@" >/dev/full 2>"$TMP/err"
	rc=$?
	: >"$TMP/out"
	[ "$rc" -eq 1 ] && one_line "$TMP/err" &&
		grep -q '^nooksctl: cannot write output' "$TMP/err"
}

if [ -w /dev/full ]; then
	t "help to a full disk fails with one line" full_disk help
fi

echo "1..$n"
[ "$failed" -eq 0 ]
