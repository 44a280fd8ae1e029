# SPDX-License-Identifier: GPL-2.0
# Foundation: nooks.ko loads, the sysfs tree and the netlink family work,
# nooksctl drives them, non-root users are refused by the kernel, and
# rmmod with a domain present is clean.
# testvm-tools: jq
# testvm-timeout: 240

D=/sys/kernel/nooks/domains

check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS
check "sysfs root /sys/kernel/nooks/domains" [ -d $D ]
check_match "arch facts logged" "nooks: x86_64 [45]-level paging, pti (on|off)" \
	"$(dmesg | grep 'nooks: x86_64')"

check_eq "list empty" "" "$(nooksctl list)"
check_eq "list -j empty array" "[]" "$(nooksctl -j list | jq -c .)"

check "domain create e1000_t" nooksctl domain create e1000_t
check "sysfs directory appears" [ -d $D/e1000_t ]
check_eq "state stopped (no module)" stopped "$(cat $D/e1000_t/state)"
check_eq "module empty" "" "$(cat $D/e1000_t/module)"
for f in faults recoveries calls_in calls_out memory_bytes; do
	check_eq "$f is 0" 0 "$(cat $D/e1000_t/$f)"
done
check_eq "last_fault none" none "$(cat $D/e1000_t/last_fault)"
check_eq "29 object types" 29 "$(ls $D/e1000_t/objects | wc -l)"
for t in memory irq timer work netdev netdev_registered gendisk pci_enabled dma_coherent dma_mapping iomap lock; do
	check_eq "objects/$t is 0" 0 "$(cat $D/e1000_t/objects/$t)"
done
check_fails "sysfs files are read-only" sh -c "echo live > $D/e1000_t/state"

out=$(nooksctl list)
check_match "list names the domain" "^e1000_t +state stopped" "$out"
json=$(nooksctl -j show e1000_t)
check "show -j parses as JSON" sh -c "printf '%s' '$json' | jq -e . >/dev/null"
check_eq "show -j name" e1000_t "$(printf '%s' "$json" | jq -r .name)"
check_eq "show -j state" stopped "$(printf '%s' "$json" | jq -r .state)"
check_eq "show -j calls_in" 0 "$(printf '%s' "$json" | jq -r .calls_in)"
check_eq "show -j objects.memory" 0 \
	"$(printf '%s' "$json" | jq -r .objects.memory)"
check_eq "show -j object types" 29 \
	"$(printf '%s' "$json" | jq -r '.objects | length')"
check_eq "list -j has one domain" 1 "$(nooksctl -j list | jq length)"
check_match "show plain" "^state: stopped$" "$(nooksctl show e1000_t)"
check_match "pretty JSON is multi-line" "^ +\"name\"" \
	"$(nooksctl -p show e1000_t)"

err=$(nooksctl domain create e1000_t 2>&1 >/dev/null)
check_match "duplicate refused" "already exists" "$err"
check_eq "duplicate error is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
check_fails "duplicate exits non-zero" nooksctl domain create e1000_t
err=$(nooksctl show nosuch 2>&1)
check_match "unknown domain" "no domain 'nosuch'" "$err"
check_fails "unknown domain exits non-zero" nooksctl show nosuch
check_fails "destroy unknown exits non-zero" nooksctl domain destroy nosuch
check_fails "bad name refused" nooksctl domain create bad-name
check_fails "no directory for a bad name" [ -e $D/bad-name ]

# The kernel refuses unprivileged users (GENL_ADMIN_PERM), whatever the tool.
err=$(su -s /bin/sh nobody -c "nooksctl list" 2>&1)
check_match "non-root list refused" "not permitted" "$err"
err=$(su -s /bin/sh nobody -c "nooksctl domain create evil" 2>&1)
check_match "non-root create refused" "not permitted" "$err"
check_fails "non-root create made nothing" [ -e $D/evil ]
err=$(su -s /bin/sh nobody -c "nooksctl domain destroy e1000_t" 2>&1)
check_match "non-root destroy refused" "not permitted" "$err"
check "domain survives non-root destroy" [ -d $D/e1000_t ]

check "domain destroy" nooksctl domain destroy e1000_t
check_fails "sysfs directory gone" [ -e $D/e1000_t ]
check_eq "list empty again" "" "$(nooksctl list)"

check "create a second domain" nooksctl domain create dummy
check "create a third domain" nooksctl domain create null_blk
check_eq "list has two" 2 "$(nooksctl list | wc -l)"
check "rmmod nooks with domains present" rmmod nooks
check_fails "sysfs root gone" [ -e /sys/kernel/nooks ]
err=$(nooksctl list 2>&1)
check_match "tool says module not loaded" "nooks module not loaded" "$err"
check "insmod nooks.ko again" insmod /nooks/nooks.ko $NOOKS_PARAMS
check_eq "fresh registry after reload" "" "$(nooksctl list)"
check "rmmod nooks again" rmmod nooks
