# SPDX-License-Identifier: GPL-2.0
# Guest side of the KUnit run (tests/kunit/run.sh): load nooks.ko and the
# suites, and print the suites' KTAP from the kernel log behind "ktap: ".
# The debugfs results files of 6.1 keep only the last line of each
# parameterised case, which is not valid KTAP; the log has every line.
# testvm-timeout: 300
# BUG() in nooks_xpc's driver code: the kernel reports it before the die
# chain lets nooks contain it.
# testvm-allow: kernel BUG at .*tests/kunit/xpc_test.c

check "insmod nooks.ko" insmod /nooks/nooks.ko recover=0
dmesg -c > /dev/null
check "insmod nooks_kunit.ko" insmod /nooks/nooks_kunit.ko
dmesg | sed 's/^\[ *[0-9.]*\] //' > /tmp/kunit.log
n=$(grep -Ec '^(not )?ok [0-9]+ ' /tmp/kunit.log)
check "KUnit suites ran" [ "$n" -ge 2 ]
# A module's suites print indented documents numbered 1..n with no
# top-level plan: give them one.
{
	echo "KTAP version 1"
	echo "1..$n"
	cat /tmp/kunit.log
} | sed 's/^/ktap: /'
check "rmmod nooks_kunit" rmmod nooks_kunit
check "rmmod nooks" rmmod nooks
check_eq "nothing left in sysfs" "" "$(ls /sys/kernel/nooks 2>/dev/null)"
