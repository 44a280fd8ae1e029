# SPDX-License-Identifier: GPL-2.0
# Debian's dummy.ko isolated: the interface it creates sends packets, its
# counters rise, both directions cross gates, unload is clean, and 20
# load/unload cycles leak nothing.
# testvm-modules: dummy
# testvm-timeout: 400

D=/sys/kernel/nooks/domains/dummy
check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
out=$(nooksctl -j load dummy)
check "nooksctl load dummy" [ $? = 0 ]
check_match "load -j names the domain" '"domain":"dummy"' "$out"
check_eq "domain live" live "$(sysfs_domain dummy state)"
check_eq "domain module" dummy "$(sysfs_domain dummy module)"
check_match "lsmod shows dummy using nooks" "^nooks .*dummy" "$(lsmod)"
check_match "bound in dmesg" "dummy: bound to domain dummy" "$(dmesg)"
check "dummy0 exists" [ -d /sys/class/net/dummy0 ]
show_objects dummy
# Its rtnl link type, one registered net_device with per-CPU stats.
check_objects dummy driver=1 netdev=1 netdev_registered=1 memory=1

ip link set dummy0 up
ip addr add 10.9.0.1/24 dev dummy0
tx0=$(cat /sys/class/net/dummy0/statistics/tx_packets)
ping -c 5 -W 1 10.9.0.2 > /dev/null 2>&1
tx1=$(cat /sys/class/net/dummy0/statistics/tx_packets)
echo "# tx_packets $tx0 -> $tx1"
check "tx_packets rose by 5 ($tx0 -> $tx1)" [ $((tx1 - tx0)) -ge 5 ]
check_crossings dummy
check_match "show -j counts crossings" '"calls_in":[1-9]' \
	"$(nooksctl -j show dummy)"
# dummy frees each skb its ndo_start_xmit is handed: none stays counted.
check_objects dummy skb=0
ip link set dummy0 down

check "nooksctl unload dummy" nooksctl unload dummy
check_fails "module gone" [ -e /sys/module/dummy ]
check_fails "domain gone" [ -e $D ]
check_fails "dummy0 gone" [ -e /sys/class/net/dummy0 ]

# The kernel unregisters and frees dummy's net_device itself when the
# link type goes (rtnl_link_ops, needs_free_netdev): nothing stays counted.
check "nooksctl load dummy again" nooksctl load dummy
check_unload_releases dummy

check_isolated_cycles dummy 20
check "rmmod nooks" rmmod nooks
