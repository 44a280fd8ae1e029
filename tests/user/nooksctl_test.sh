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

# recover copies its errors to the kernel log: never to this machine's.
export NOOKS_KMSG=$TMP/kmsg
: >"$NOOKS_KMSG"

n=0
failed=0
rc=0

NOT_LOADED="nooksctl: nooks module not loaded (insmod nooks.ko first)"
LONG56=$(printf 'a%.0s' {1..56})
LONG55=$(printf 'a%.0s' {1..55})
FAULTS=(null-deref wild-write stack-overflow bug gpf div-zero bad-free
	double-free hang illegal-insn hang-irqoff kernel-write stale-write)
LKDTM=(ACCESS_NULL EXCEPTION WRITE_KERN EXHAUST_STACK BUG SLAB_FREE_DOUBLE
	SOFTLOCKUP HARDLOCKUP)
FAULT_LIST=$(IFS=,; echo "${FAULTS[*]}")
FAULT_LIST=${FAULT_LIST//,/, }
PARAMS1023=p=$(printf 'v%.0s' {1..1021})
PARAMS1024=p=$(printf 'v%.0s' {1..1022})

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
			load unload check inject monitor recover \
			--restart --count --json --pretty --help --version
}

# inject's help names every fault and every LKDTM alias.
inject_help_ok()
{
	expect_ok "$@" && json_free && names_all "${FAULTS[@]}" "${LKDTM[@]}" --count
}

monitor_help_ok()
{
	expect_ok "$@" && json_free &&
		names_all --count created destroyed fault recovery_start \
			recovery_end
}

recover_help_ok()
{
	expect_ok "$@" && json_free && names_all DOMAIN agent /usr/local/sbin/nooksctl
}

load_help_ok()
{
	expect_ok "$@" && json_free && names_all --restart always never shadow PARAMS
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

# kmsg_is [LINE]: the kernel log file (NOOKS_KMSG) holds exactly LINE,
# or nothing; it is emptied for the next test.
kmsg_is()
{
	local got

	got=$(cat "$NOOKS_KMSG")
	: >"$NOOKS_KMSG"
	[ "$got" = "${1:-}" ] && return 0
	echo "#   kmsg: $got"
	return 1
}

# recover without the module: the error on stderr, and in the kernel log.
recover_not_loaded()
{
	if module_loaded; then
		return 0
	fi
	: >"$NOOKS_KMSG"
	expect_exact_error "$NOT_LOADED" recover "$1" &&
		kmsg_is "<3>nooksctl recover $1: ${NOT_LOADED#nooksctl: }"
}

# As the kernel runs it: stdin, stdout and stderr closed.
recover_no_fds()
{
	if module_loaded; then
		return 0
	fi
	: >"$NOOKS_KMSG"
	"$BIN" recover x <&- >&- 2>&-
	rc=$?
	[ "$rc" -eq 1 ] &&
		kmsg_is "<3>nooksctl recover x: ${NOT_LOADED#nooksctl: }"
}

# NOOKS_KMSG empty: recover logs nowhere but stderr.
recover_no_log()
{
	if module_loaded; then
		return 0
	fi
	: >"$NOOKS_KMSG"
	NOOKS_KMSG='' "$BIN" recover x >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	[ "$rc" -eq 1 ] && [ "$(cat "$TMP/err")" = "$NOT_LOADED" ] && kmsg_is
}

# A usage error of recover: stderr only, not the kernel log.
recover_usage_error()
{
	: >"$NOOKS_KMSG"
	expect_error "$@" && kmsg_is
}

# not_loaded_faults FAULT...: each passes the fault check.
not_loaded_faults()
{
	local f

	for f in "$@"; do
		not_loaded inject x "$f" || { echo "#   fault $f"; return 1; }
	done
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

# --- help of the commands that have one ---
t "help inject names every fault and LKDTM alias" inject_help_ok help inject
t "inject help prints the inject help" same_as help inject -- inject help
t "inject -h prints the inject help" same_as help inject -- inject -h
t "inject --help prints the inject help" same_as help inject -- inject --help
t "prefix 'inj h' prints the inject help" same_as help inject -- inj help
t "-j help inject prints the plain help" same_as help inject -- -j help inject
t "help monitor names --count and the events" monitor_help_ok help monitor
t "monitor help prints the monitor help" same_as help monitor -- monitor help
t "monitor -h prints the monitor help" same_as help monitor -- monitor -h
t "help recover names the agent parameter" recover_help_ok help recover
t "recover -h prints the recover help" same_as help recover -- recover -h
t "help load names --restart and its policies" load_help_ok help load
t "load -h prints the load help" same_as help load -- load -h
t "inject help with an argument is an error" \
	expect_error "unexpected argument 'x'" help inject x

# --- inject: arguments checked before any netlink ---
t "inject without arguments is an error" \
	expect_exact_error "nooksctl: missing DOMAIN and FAULT (usage: nooksctl inject DOMAIN FAULT [--count N])" \
	inject
t "inject without FAULT is an error" expect_error "missing FAULT" inject x
t "inject with an unknown fault lists the faults" \
	expect_error "unknown fault 'bad' (use $FAULT_LIST, or an LKDTM name" \
	inject x bad
t "inject with a fault prefix is an unknown fault" \
	expect_error "unknown fault 'null'" inject x null
t "inject --count 0 is an error" \
	expect_exact_error "nooksctl: invalid count '0' (use 1 to 1000)" \
	inject x null-deref --count 0
t "inject --count 1001 is an error" \
	expect_exact_error "nooksctl: invalid count '1001' (use 1 to 1000)" \
	inject x null-deref --count 1001
t "inject --count abc is an error" expect_error "invalid count 'abc'" \
	inject x null-deref --count abc
t "inject --count=abc is an error" expect_error "invalid count 'abc'" \
	inject x null-deref --count=abc
t "inject --count 1x is an error" expect_error "invalid count '1x'" \
	inject x null-deref --count 1x
t "inject --count= is an error" expect_error "invalid count ''" \
	inject x null-deref --count=
t "inject huge --count is an error" expect_error "invalid count" \
	inject x null-deref --count 99999999999999999999999
t "inject --count without N is an error" \
	expect_error "missing value after --count" inject x null-deref --count
t "inject with a third argument is an error" \
	expect_error "unexpected argument 'y'" inject x bug y
t "inject with a bad domain name is an error" \
	expect_error "invalid domain name 'a-b'" inject a-b bug
t "inject with an unknown fault under -j: one stderr line, no stdout" \
	expect_error "unknown fault" -j inject x bad
t "inject errors on the domain before the fault" \
	expect_error "invalid domain name" inject a.b bad
t "inject: every fault name passes the check$(skip_note)" \
	not_loaded_faults "${FAULTS[@]}"
t "inject: every LKDTM name passes the check$(skip_note)" \
	not_loaded_faults "${LKDTM[@]}"
t "inject: names in any case and with '_' pass$(skip_note)" \
	not_loaded_faults access_null Softlockup NULL_DEREF hang_irqoff
t "inject --count 1000 passes the check$(skip_note)" \
	not_loaded inject x null-deref --count 1000
t "inject --count=1 before the domain passes$(skip_note)" \
	not_loaded inject --count=1 x bug
t "inject wild-write warns only once netlink is up$(skip_note)" \
	not_loaded inject x wild-write
t "-j inject without the module$(skip_note)" not_loaded -j inject x bug

# --- load --restart and limits, checked before any netlink ---
t "load --restart=bad lists the policies" \
	expect_exact_error "nooksctl: invalid --restart value 'bad' (use shadow, always or never)" \
	load e1000 --restart=bad
for policy in shadow always never; do
	t "load --restart=$policy is a policy$(skip_note)" \
		not_loaded load /no/such/e1000.ko --restart=$policy
	t "load --restart $policy (two words) is a policy$(skip_note)" \
		not_loaded load --restart $policy e1000
done
t "load --restart= is an error" expect_error "invalid --restart value ''" \
	load e1000 --restart=
t "load --restart without a value is an error" \
	expect_error "missing value after --restart" load e1000 --restart
t "load with only --restart is missing MODULE" \
	expect_error "missing MODULE" load --restart=never
t "load with 1024 bytes of parameters is refused" \
	expect_error "module parameters are 1024 bytes, nooks.ko keeps at most 1023" \
	load e1000 -- "$PARAMS1024"
t "load --restart=never passes the checks$(skip_note)" \
	not_loaded load e1000 --restart=never
t "load --transient without --swifi is an error" \
	expect_error "--transient is about the faults of --swifi" \
	load e1000 --transient
t "load --swifi --transient passes the checks$(skip_note)" \
	not_loaded load e1000 --swifi=random:1:5 --transient
t "load --restart=always with parameters passes$(skip_note)" \
	not_loaded load e1000 --restart=always -- copybreak=0
t "load with 1023 bytes of parameters passes$(skip_note)" \
	not_loaded load e1000 -- "$PARAMS1023"

# --- monitor ---
t "monitor with an argument is an error" \
	expect_exact_error "nooksctl: unexpected argument 'x' (usage: nooksctl monitor [--count N])" \
	monitor x
t "monitor --count 0 is an error" expect_error "invalid count '0'" \
	monitor --count 0
t "monitor --count abc is an error" expect_error "invalid count 'abc'" \
	monitor --count abc
t "monitor --count without N is an error" \
	expect_error "missing value after --count" monitor --count
t "monitor without the module$(skip_note)" not_loaded monitor
t "monitor --count 1 without the module$(skip_note)" not_loaded monitor --count 1
t "-j monitor without the module$(skip_note)" not_loaded -j monitor

# --- recover ---
t "recover without DOMAIN is an error, not logged" \
	recover_usage_error "missing DOMAIN (usage: nooksctl recover DOMAIN)" recover
t "recover with two domains is an error, not logged" \
	recover_usage_error "unexpected argument 'b'" recover a b
t "recover with a bad name is an error, not logged" \
	recover_usage_error "invalid domain name 'a-b'" recover a-b
t "recover without the module: stderr and kernel log$(skip_note)" \
	recover_not_loaded e1000
t "recover with no stdin/stdout/stderr logs to the kernel log$(skip_note)" \
	recover_no_fds
t "NOOKS_KMSG= keeps recover out of any log$(skip_note)" recover_no_log

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
