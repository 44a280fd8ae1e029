# SPDX-License-Identifier: GPL-2.0
# make demo: what a user sees. Runs in the guest on the stock kernel.
# testvm-timeout: 240

say() { echo; echo "\$ $*"; "$@" 2>&1; }

say uname -r
say insmod /nooks/nooks.ko
say dmesg | grep nooks
say nooksctl domain create e1000
say nooksctl list
say nooksctl show e1000
say nooksctl -p show e1000
for f in /sys/kernel/nooks/domains/e1000/*; do
	[ -f "$f" ] && echo "$f: $(cat "$f")"
done
say ls /sys/kernel/nooks/domains/e1000/objects
say nooksctl domain destroy e1000
say rmmod nooks
check "demo ran" true
