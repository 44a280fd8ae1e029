# SPDX-License-Identifier: GPL-2.0
# Sourced by every scenario inside the guest: TAP helpers. Output goes to
# the guest's second serial port; the host reads "ok"/"not ok" lines.

_tap_n=0

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc (command: $*)"; fi
}

# check_fails DESCRIPTION COMMAND...: passes when COMMAND exits non-zero.
check_fails() {
	local desc=$1
	shift
	if "$@"; then not_ok "$desc (succeeded: $*)"; else ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (expected '$2', got '$3')"
	fi
}

# check_match DESCRIPTION EXTENDED-REGEX TEXT
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1 ('$3' does not match /$2/)"
	fi
}

tap_done() {
	echo "1..$_tap_n"
	echo "# tap_done"
}
