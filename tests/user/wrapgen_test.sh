#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tools/wrapgen on small spec files written here: --names
# without BTF; C generated against the stock kernel's vmlinux BTF, and
# for functions of configfs.ko against that module's split BTF
# (--modules), then compiled as an out-of-tree module against the
# kernel's headers with -Werror and sparse (C=2, -Wsparse-error); and
# each class of spec error, which must print FILE:LINE: and the reason,
# exit 1 and write nothing. Loads nothing. Prints TAP; exits non-zero if
# a test failed.
#
# Usage: tests/user/wrapgen_test.sh
#   NOOKS_VMLINUX_BTF  the vmlinux BTF (default: the stock kernel's, from
#                      tools/testvm/vmlinux-btf.sh, which captures it once)
#   KDIR               the kernel headers to compile against (default:
#                      /lib/modules/<the BTF's version>/build)
#   NOOKS_MODULES      the kernel's modules, for --modules (default:
#                      /lib/modules/<the BTF's version>/kernel)
# Without BTF the tests that need it are skipped, without headers (or
# sparse) the compile (or sparse) test, and without configfs.ko as a
# module in NOOKS_MODULES and Module.symvers those of --modules.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
WRAPGEN=$top/tools/wrapgen/wrapgen

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

# emit ok|"not ok" DESCRIPTION
emit()
{
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || failed=$((failed + 1))
}

skip()
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# t DESCRIPTION COMMAND...: one test that passes when COMMAND exits 0;
# returns its status, for diagnostics
t()
{
	local desc=$1

	shift
	if "$@"; then
		emit ok "$desc"
	else
		emit "not ok" "$desc"
		return 1
	fi
}

# not COMMAND...: COMMAND fails
not()
{
	! "$@"
}

# exits1 COMMAND...: COMMAND exits 1 (not 0, not a crash)
exits1()
{
	"$@" > /dev/null
	[ $? = 1 ]
}

# diag FILE...: show files as TAP diagnostics
diag()
{
	sed 's/^/# /' "$@"
}

if ! make -s -C "$top/tools/wrapgen" > "$TMP/build.log" 2>&1; then
	echo "Bail out! cannot build tools/wrapgen"
	diag "$TMP/build.log"
	exit 1
fi

vmlinux=${NOOKS_VMLINUX_BTF:-}
if [ -z "$vmlinux" ]; then
	vmlinux=$("$top/tools/testvm/vmlinux-btf.sh" 2> "$TMP/btf.log") ||
		vmlinux=
fi
[ -z "$vmlinux" ] || [ -r "$vmlinux" ] || vmlinux=
if [ -n "$vmlinux" ]; then
	kver=${vmlinux##*/vmlinux-}
	[ -d "/lib/modules/$kver" ] || kver=$(uname -r)
	KDIR=${KDIR:-/lib/modules/$kver/build}
	symvers=$KDIR/Module.symvers
	moddir=${NOOKS_MODULES:-/lib/modules/$kver/kernel}
	echo "# BTF: $vmlinux; headers: $KDIR; modules: $moddir"
else
	echo "# no vmlinux BTF: skipping what needs it"
	diag "$TMP/btf.log" 2>/dev/null
fi

cd "$TMP" || exit 1

# gen OUT SPEC...: C from SPECs (stdout to OUT.stdout, stderr to OUT.err)
gen()
{
	local out=$1

	shift
	"$WRAPGEN" --btf "$vmlinux" ${symvers:+--symvers "$symvers"} \
		-o "$out" "$@" > "$out.stdout" 2> "$out.err"
}

# has FILE LINE...: FILE has each LINE, exactly, as a whole line
has()
{
	local f=$1 l

	shift
	[ -e "$f" ] || return 1
	for l in "$@"; do
		if ! grep -qxF -- "$l" "$f"; then
			echo "# $f lacks: $l"
			return 1
		fi
	done
}

gen_real()
{
	gen real.c real.spec || return 1
	grep -qx "wrapgen: 10 functions (4 with pre, 3 with post), 16 spec lines -> [0-9]* generated lines" \
		real.c.stdout && [ ! -s real.c.err ] && [ ! -e real.c.tmp ]
}

table_sorted()
{
	sed -n 's/^\t{ .name = "\([^"]*\)".*/\1/p' real.c > table.got &&
		[ "$(wc -l < table.got)" = 10 ] && LC_ALL=C sort -c table.got
}

includes_once()
{
	[ "$(grep -c '^#include <linux/slab.h>$' edge.c)" = 1 ] &&
		[ "$(grep -c '^#include "../wrap.h"$' edge.c)" = 1 ] &&
		[ "$(grep -m 2 '^#include' edge.c | tr '\n' ' ')" = \
		  "#include <linux/slab.h> #include <linux/gfp.h> " ]
}

# free_netdev's pre hook: check= first, before the release it guards,
# whatever the order of the clauses.
check_first()
{
	sed -n '/^static int nooks_pre_free_netdev(/,/^}/p' edge.c |
		grep -e '(f)' -e nooks_wrap_release > check.got
	printf '%s\n' '	if (nooks_wrap_check_free_netdev(f))' \
		'	if (nooks_wrap_release(f, NOOKS_OBJ_NETDEV, (__force unsigned long)(a0), 0))' \
		> check.want
	cmp -s check.got check.want || diff check.want check.got
}

# --- specs that generate ---

cat > real.spec <<'EOF'
# The README's examples, and functions with no prototype needed.
include <linux/slab.h>
include <linux/dma-mapping.h>
include <linux/interrupt.h>
__kmalloc        acquire memory ret size=a0 release=kfree(ret)
kfree            release memory a0 null-ok
dma_alloc_attrs  acquire dma_coherent ret size=a1 grant \
		 release=dma_free_attrs(a0,a1,ret,*a2,a4)
request_threaded_irq  sleeps; entry a1; entry a2; \
		 acquire irq a0 release=free_irq(a0,a5)
free_irq         sleeps; release irq a0
msleep           sleeps; plain
_printk          plain
__SCT__cond_resched  sleeps; plain
ioread32         leaf
consume_skb      release skb a0 null-ok; defer
EOF

# Every kind of value, flag and fails=; a stack argument (a6), a bool
# return, an enum and a __bitwise argument, a function pointer argument
# without a typedef, a release function of no arguments, and a {C} that
# would end the spec comment if pasted as is.
cat > edge.spec <<'EOF'
include <linux/slab.h>
include <linux/gfp.h>
include <linux/fs.h>
include <linux/kthread.h>
include <linux/workqueue.h>
include <linux/timer.h>
include <linux/io.h>
include <linux/rtnetlink.h>
include <linux/netdevice.h>
include <linux/pci.h>
include <linux/spinlock.h>
include <linux/dma-mapping.h>
include "../wrap.h"
include <linux/slab.h>	# again: emitted once

__get_free_pages acquire memory ret size={PAGE_SIZE << a1} \
		 if={ret != 0 && (__force unsigned int)a0 != 0} \
		 release=free_pages(ret,a1)	# a comment after a continuation
kmalloc_trace	acquire memory ret size={a2 + sizeof("*/") - sizeof("/*")} release=kfree(ret)
alloc_chrdev_region sleeps; acquire chrdev *a0 release=unregister_chrdev_region(*a0,a2)
__alloc_bucket_spinlocks acquire memory *a0 if={ret == 0 && a6 && (__force unsigned int)a4} \
		 release=free_bucket_spinlocks(*a0)
kthread_create_on_node sleeps; entry a0; acquire kthread ret fails=errptr release=kthread_stop(ret)
alloc_workqueue	fails=null; acquire workqueue ret release=destroy_workqueue(ret)
pci_enable_device sleeps; fails=negative; acquire pci_enabled a0 release=pci_disable_device(a0)
register_netdev	acquire netdev_registered a0 fails=nonzero release=unregister_netdev(a0); hold netdev a0
init_timer_key	fails=never; acquire timer a0 again-ok release=timer_delete_sync(a0)
ioremap		acquire iomap ret size=a1 fails=errptr-or-null grant release=iounmap(ret)
rtnl_lock	sleeps; acquire lock 1 release=rtnl_unlock()
queue_work_on	acquire work a2 if=ret again-ok release=cancel_work_sync(a2)
dma_map_page_attrs acquire dma_mapping ret if={!dma_mapping_error(a0, ret)} \
		 release=dma_unmap_page_attrs(a0,ret,a3,a4,a5)
timer_delete	release timer a0 untracked-ok
kfree_sensitive	release memory a0 null-ok untracked-ok; hold memory {a0}  null-ok
netif_carrier_on hold netdev a0
iounmap		release iomap a0
alloc_netdev_mqs acquire netdev ret release=free_netdev(ret); entry a3
alloc_pages	acquire memory ret size={PAGE_SIZE << a1} grant={page_address(ret)} \
		 release=__free_pages(ret,a1)
__kmalloc_node	pre=nooks_wrap_heap___kmalloc; acquire memory ret size=a0 \
		 grant release=kfree(ret)
free_netdev	release netdev a0; check=nooks_wrap_check_free_netdev
EOF

# --- --names: no BTF ---

cat > names2.spec <<'EOF'
zzz_last	plain
AAA_first	sleeps		# upper case sorts first in strcmp
EOF

names_sorted()
{
	"$WRAPGEN" --names -o names.h real.spec names2.spec > names.stdout \
		2>&1 || return 1
	sed -n 's/^NOOKS_WRAPPED(\(.*\))$/\1/p' names.h > names.got
	printf '%s\n' __kmalloc kfree dma_alloc_attrs request_threaded_irq \
		free_irq msleep _printk __SCT__cond_resched ioread32 consume_skb \
		zzz_last AAA_first |
		LC_ALL=C sort > names.want
	cmp -s names.got names.want
}

# Comment lines and NOOKS_WRAPPED lines only; no summary, no leftovers.
names_header()
{
	head -n 1 names.h |
		grep -qxF "/* SPDX-License-Identifier: GPL-2.0 */" &&
		grep -q "Generated by tools/wrapgen" names.h &&
		! grep -v '^NOOKS_WRAPPED(\|^/\*\|^ \*' names.h &&
		[ ! -s names.stdout ] && [ ! -e names.h.tmp ]
}

names_empty()
{
	"$WRAPGEN" --names -o empty.h > /dev/null 2>&1 && [ -s empty.h ] &&
		! grep -q '^NOOKS_WRAPPED' empty.h
}

t "--names: one NOOKS_WRAPPED per function, sorted by strcmp" names_sorted
t "--names: SPDX and generated header, nothing else" names_header
t "--names: no spec at all is an empty list" names_empty

# --- generating C ---

if [ -z "$vmlinux" ]; then
	skip "generate C from the README's examples" "no vmlinux BTF"
	skip "generate C from the edge cases" "no vmlinux BTF"
else
	t "generate C from the README's examples" gen_real ||
		diag real.c.stdout real.c.err
	t "the hooks and the table are as specified" has real.c \
		'// SPDX-License-Identifier: GPL-2.0' \
		'#include <linux/slab.h>' \
		'#include "../wrap.h"' \
		'/* kfree: release memory a0 null-ok */' \
		'static int nooks_pre_kfree(struct nooks_xpc_frame *f)' \
		'	const void *a0 __maybe_unused = (__force const void *)(unsigned long)f->rdi;' \
		'	if (nooks_wrap_release(f, NOOKS_OBJ_MEMORY, (__force unsigned long)(a0), NOOKS_WRAPF_NULL_OK))' \
		'		return -EFAULT;' \
		'	size_t a0 __maybe_unused = (__force size_t)f->rdi;' \
		'	void *ret __maybe_unused = (__force void *)(unsigned long)f->rax;' \
		'	if (!IS_ERR_OR_NULL(ret)) {' \
		'			(__force unsigned long)(*a2),' \
		'				   (__force size_t)(a1), (void *)dma_free_attrs, v, ARRAY_SIZE(v), NOOKS_WRAPF_GRANT);' \
		'	if (nooks_wrap_entry(f, 2, (__force unsigned long)(a2)))' \
		'	int ret __maybe_unused = (__force int)f->rax;' \
		'	if (ret == 0) {' \
		'	{ .name = "__SCT__cond_resched", .flags = NOOKS_WRAP_SLEEPS },' \
		'	{ .name = "ioread32", .flags = NOOKS_WRAP_LEAF },' \
		'	{ .name = "consume_skb", .pre = nooks_pre_consume_skb, .flags = NOOKS_WRAP_DEFER },' \
		'	{ .name = "request_threaded_irq", .pre = nooks_pre_request_threaded_irq, .post = nooks_post_request_threaded_irq, .flags = NOOKS_WRAP_SLEEPS },' \
		'const unsigned int nooks_wrappers_count = ARRAY_SIZE(nooks_wrappers);'
	t "the table is sorted by strcmp" table_sorted
	t "no hook for plain and sleeps" not grep -q \
		'nooks_p[a-z]*_\(msleep\|_printk\|__SCT__cond_resched\)' real.c

	t "generate C from the edge cases" gen edge.c edge.spec || diag edge.c.err
	t "stack argument, bool, enum, function pointer, fails=, flags" has edge.c \
		'	struct lock_class_key *a6 __maybe_unused = (__force struct lock_class_key *)(unsigned long)nooks_wrap_stack_arg(f, 0);' \
		'	bool ret __maybe_unused = (__force bool)(u8)f->rax;' \
		'	enum dma_data_direction a4 __maybe_unused = (__force enum dma_data_direction)f->r8;' \
		'	gfp_t a0 __maybe_unused = (__force gfp_t)f->rdi;' \
		'	int (*a0)(void *) __maybe_unused = (__force int (*)(void *))(unsigned long)f->rdi;' \
		'	struct task_struct *ret __maybe_unused = (__force struct task_struct *)(unsigned long)f->rax;' \
		'	if (!IS_ERR(ret)) {' \
		'	if (ret != NULL) {' \
		'	if ((long)(ret) >= 0) {' \
		'	if (1) {' \
		'	if (ret) {' \
		'	if (ret == 0 && a6 && (__force unsigned int)a4) {' \
		'				   0, (void *)rtnl_unlock, NULL, 0, 0);' \
		'				   (__force size_t)(PAGE_SIZE << a1), (void *)free_pages, v, ARRAY_SIZE(v), 0);' \
		'	if (nooks_wrap_release(f, NOOKS_OBJ_MEMORY, (__force unsigned long)(a0), NOOKS_WRAPF_NULL_OK | NOOKS_WRAPF_UNTRACKED_OK))' \
		'				   0, (void *)timer_delete_sync, v, ARRAY_SIZE(v), NOOKS_WRAPF_AGAIN_OK);' \
		'/* kmalloc_trace: acquire memory ret size={a2 + sizeof("* /") - sizeof("/ *")} release=kfree(ret) */'
	t "grant=VALUE, pre=FN" has edge.c \
		'		nooks_wrap_acquire_at(f, NOOKS_OBJ_MEMORY, (__force unsigned long)(ret),' \
		'				   (__force size_t)(PAGE_SIZE << a1), (__force unsigned long)(page_address(ret)), (void *)__free_pages, v, ARRAY_SIZE(v), NOOKS_WRAPF_GRANT);' \
		'static int nooks_pre___kmalloc_node(struct nooks_xpc_frame *f)' \
		'	nooks_wrap_heap___kmalloc(f);' \
		'	{ .name = "__kmalloc_node", .pre = nooks_pre___kmalloc_node, .post = nooks_post___kmalloc_node, .flags = 0 },'
	t "check=FN runs first, before the release it guards" check_first
	t "includes in first-seen order, each once, wrap.h once" includes_once
	cp edge.c edge.first
	gen edge.c edge.spec
	t "the output is the same on a second run" cmp -s edge.c edge.first
	gen empty.c
fi

# --- functions of modules (--modules) ---

# configfs.ko's functions: their prototypes are in its BTF, and their
# release functions are given by name, with other flags or alone.
cat > cfs.spec <<'EOF'
include <linux/configfs.h>
configfs_register_subsystem  sleeps; acquire driver a0 \
		 release=configfs_unregister_subsystem(a0)
configfs_unregister_subsystem  sleeps; release driver a0
configfs_register_group  sleeps; acquire driver a1 again-ok \
		 release=configfs_unregister_group(a1)
EOF

# gen_cfs OUT MODULES SPEC...: C with --modules MODULES
gen_cfs()
{
	local out=$1 dir=$2

	shift 2
	"$WRAPGEN" --btf "$vmlinux" --symvers "$symvers" --modules "$dir" \
		-o "$out" "$@" > "$out.stdout" 2> "$out.err"
}

gen_modules()
{
	gen_cfs cfs.c "$moddir" cfs.spec || return 1
	grep -qx "wrapgen: 3 functions (1 with pre, 2 with post), 6 spec lines -> [0-9]* generated lines" \
		cfs.c.stdout && [ ! -s cfs.c.err ] && [ ! -e cfs.c.tmp ]
}

# Without --modules, what vmlinux's BTF lacks is an error, as ever.
no_modules()
{
	rm -f e.out
	exits1 "$WRAPGEN" --btf "$vmlinux" --symvers "$symvers" -o e.out \
		cfs.spec 2> e.err && [ ! -e e.out ] &&
		[ "$(wc -l < e.err)" = 3 ] &&
		grep -qxF "cfs.spec:2: configfs_register_subsystem: not a function in BTF, and its clauses need its prototype" e.err &&
		grep -qxF "cfs.spec:4: configfs_unregister_subsystem: not a function in BTF, and its clauses need its prototype" e.err
}

# The same C from the module compressed, by each tool there is; the
# decompressed copy is removed.
compressed()
{
	local ext tool n=0

	for ext in xz:xz zst:zstd gz:gzip; do
		tool=${ext#*:}
		ext=${ext%:*}
		command -v "$tool" > /dev/null || continue
		rm -rf "z$ext"
		if ! { mkdir -p "z$ext/fs/configfs" "z$ext/tmp" &&
		       "$tool" -c "$moddir/fs/configfs/configfs.ko" \
				> "z$ext/fs/configfs/configfs.ko.$ext" &&
		       TMPDIR=$TMP/z$ext/tmp gen_cfs "z$ext.c" "$TMP/z$ext" \
				cfs.spec &&
		       cmp -s cfs.c "z$ext.c" &&
		       [ -z "$(ls -A "z$ext/tmp")" ]; }; then
			echo "# .ko.$ext"
			return 1
		fi
		n=$((n + 1))
	done
	[ $n -gt 0 ]
}

# fails_mod DESCRIPTION EXPECTED SPEC_TEXT [MODULES [SYMVERS]]: as fails
# below, with --modules
fails_mod()
{
	local desc=$1 expect=$2 rc

	printf '%s\n' "$3" > e.spec
	rm -f e.out e.out.tmp
	"$WRAPGEN" --btf "$vmlinux" --symvers "${5:-$symvers}" \
		--modules "${4:-$moddir}" -o e.out e.spec > e.stdout 2> e.err
	rc=$?
	if [ $rc = 1 ] && grep -qxF -- "$expect" e.err && [ ! -e e.out ] &&
	   [ ! -e e.out.tmp ] && [ ! -s e.stdout ]; then
		emit ok "error: $desc"
	else
		emit "not ok" "error: $desc"
		echo "# exit $rc; expected: $expect"
		diag e.err
	fi
}

modules_tests=(
	"functions of a module: prototypes from its BTF (--modules)"
	"a module's release function is given by name"
	"without --modules, a module's function is an error as before"
	"a compressed module (.ko.xz, .ko.zst, .ko.gz) reads alike"
	"error: release=FN of a module of another arity"
	"error: argument beyond a module function's prototype"
	"error: a module's export that is not a function"
	"error: a module that is not in --modules"
)
if [ -z "$vmlinux" ]; then
	why="no vmlinux BTF"
elif ! awk -F '\t' '$2 == "configfs_register_subsystem" &&
		   $3 == "fs/configfs/configfs" { ok = 1 } END { exit !ok }' \
		"$symvers" 2> /dev/null; then
	why="configfs is not a module in $symvers"
elif [ ! -e "$moddir/fs/configfs/configfs.ko" ]; then
	why="no $moddir/fs/configfs/configfs.ko"
else
	why=
fi
if [ -n "$why" ]; then
	for d in "${modules_tests[@]}"; do
		skip "$d" "$why"
	done
else
	t "${modules_tests[0]}" gen_modules || diag cfs.c.stdout cfs.c.err
	t "${modules_tests[1]}" has cfs.c \
		'/* configfs_register_subsystem: sleeps; acquire driver a0 release=configfs_unregister_subsystem(a0) */' \
		'	struct configfs_subsystem *a0 __maybe_unused = (__force struct configfs_subsystem *)(unsigned long)f->rdi;' \
		'				   0, (void *)"configfs_unregister_subsystem", v, ARRAY_SIZE(v), NOOKS_WRAPF_BY_NAME);' \
		'	struct config_group *a1 __maybe_unused = (__force struct config_group *)(unsigned long)f->rsi;' \
		'				   0, (void *)"configfs_unregister_group", v, ARRAY_SIZE(v), NOOKS_WRAPF_AGAIN_OK | NOOKS_WRAPF_BY_NAME);' \
		'	if (nooks_wrap_release(f, NOOKS_OBJ_DRIVER, (__force unsigned long)(a0), 0))' \
		'	{ .name = "configfs_unregister_subsystem", .pre = nooks_pre_configfs_unregister_subsystem, .flags = NOOKS_WRAP_SLEEPS },'
	t "${modules_tests[2]}" no_modules || diag e.err
	t "${modules_tests[3]}" compressed
	fails_mod "release=FN of a module of another arity" \
		"e.spec:1: configfs_register_subsystem: release=: configfs_unregister_subsystem takes 1 argument, not 2" \
		"configfs_register_subsystem acquire driver a0 release=configfs_unregister_subsystem(a0,a0)"
	fails_mod "argument beyond a module function's prototype" \
		"e.spec:1: configfs_unregister_subsystem: release: a1: configfs_unregister_subsystem has 1 argument" \
		"configfs_unregister_subsystem release driver a1"
	{
		grep -F configfs_ "$symvers"
		printf '0x0\tnooks_no_such_var\tfs/configfs/configfs\tEXPORT_SYMBOL\t\n'
	} > fake.symvers
	fails_mod "a module's export that is not a function" \
		"e.spec:1: nooks_no_such_var: not a function in the BTF of module fs/configfs/configfs, and its clauses need its prototype" \
		"nooks_no_such_var hold driver a0" "" fake.symvers
	fails_mod "a module that is not in --modules" \
		"e.spec:1: __kmalloc: release=: configfs_unregister_subsystem is exported by module fs/configfs/configfs, whose BTF cannot be read: no $TMP/nomods/fs/configfs/configfs.ko (nor .ko.xz, .ko.zst, .ko.gz)" \
		"__kmalloc acquire memory ret release=configfs_unregister_subsystem(ret)" \
		"$TMP/nomods"
fi

# --- the generated C in a kernel build ---

# A module per generated file, in a tree with our headers at their
# relative places (wrappers/generated/X.c includes "../wrap.h"). The
# runtime is not linked in: modpost only warns of nooks_wrap_*.
build_module()
{
	local m

	mkdir -p mod/wrappers/generated || return 1
	for d in wrappers domains objtrack include/uapi; do
		mkdir -p "mod/$d" && cp "$top/$d"/*.h "mod/$d/" || return 1
	done
	echo "ccflags-y := -Werror" > mod/Kbuild
	for m in real edge empty $([ -e cfs.c ] && echo cfs); do
		cp "$m.c" "mod/wrappers/generated/$m.c" || return 1
		printf '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' \
			> "mod/lic_$m.c"
		echo "obj-m += wg_$m.o" >> mod/Kbuild
		echo "wg_$m-y := wrappers/generated/$m.o lic_$m.o" >> mod/Kbuild
	done
	make -C "$KDIR" M="$TMP/mod" KBUILD_MODPOST_WARN=1 "$@" modules \
		> mod.log 2>&1
}

if [ -z "$vmlinux" ]; then
	skip "the generated C compiles in a module (-Werror) and is sparse-clean" "no vmlinux BTF"
elif [ ! -e "$KDIR/Makefile" ]; then
	skip "the generated C compiles in a module (-Werror)" "no kernel headers in $KDIR"
elif ! command -v sparse > /dev/null; then
	t "the generated C compiles in a module (-Werror)" build_module ||
		diag mod.log
	skip "the generated C is sparse-clean" "no sparse"
else
	t "the generated C compiles in a module (-Werror) and is sparse-clean" \
		build_module C=2 CF="-Wsparse-error -D__CHECK_ENDIAN__" ||
		diag mod.log
fi

# Release by name: the wrappers of configfs.ko's functions do not make
# the module that holds them depend on configfs.ko.
no_depends()
{
	[ -e mod/wg_cfs.ko ] &&
		! tr '\0' '\n' < mod/wg_cfs.ko | grep '^depends=.' &&
		! grep 'configfs_.*undefined' mod.log
}

if [ -e cfs.c ] && [ -e mod/Kbuild ]; then
	t "wrappers of a module's functions do not depend on it" no_depends
else
	skip "wrappers of a module's functions do not depend on it" \
		"not generated or not compiled"
fi

# --- errors ---

# fails MODE DESCRIPTION EXPECTED SPEC_TEXT: wrapgen on e.spec holding
# SPEC_TEXT must exit 1 with EXPECTED (a whole line of stderr) and write
# no output. MODE: names (no BTF needed) or btf.
fails()
{
	local mode=$1 desc=$2 expect=$3 rc

	printf '%s\n' "$4" > e.spec
	rm -f e.out e.out.tmp
	if [ "$mode" = names ]; then
		"$WRAPGEN" --names -o e.out e.spec > e.stdout 2> e.err
	elif [ -z "$vmlinux" ]; then
		skip "error: $desc" "no vmlinux BTF"
		return
	else
		"$WRAPGEN" --btf "$vmlinux" --symvers "$symvers" -o e.out \
			e.spec > e.stdout 2> e.err
	fi
	rc=$?
	if [ $rc = 1 ] && grep -qxF -- "$expect" e.err && [ ! -e e.out ] &&
	   [ ! -e e.out.tmp ] && [ ! -s e.stdout ]; then
		emit ok "error: $desc"
	else
		emit "not ok" "error: $desc"
		echo "# exit $rc; expected: $expect"
		diag e.err
	fi
}

fails names "unknown clause" \
	"e.spec:1: unknown clause 'frobnicate' (plain, sleeps, leaf, defer, acquire, release, hold, entry, fails=, check= or pre=)" \
	"kfree frobnicate"
fails names "unknown option" \
	"e.spec:1: release: unknown option 'frob'" \
	"kfree release memory a0 frob"
fails names "malformed value" \
	"e.spec:1: release: malformed value 'a0+1' (aN, *aN, ret, a number or {C})" \
	"kfree release memory a0+1"
fails names "malformed size= value" \
	"e.spec:1: size=: malformed value '0x' (aN, *aN, ret, a number or {C})" \
	"__kmalloc acquire memory ret size=0x release=kfree(ret)"
fails names "argument beyond a9" \
	"e.spec:1: release: a10: the arguments are a0 .. a9" \
	"kfree release memory a10"
fails names "unknown TYPE" \
	"e.spec:1: release: unknown type 'memorx' (see objtrack/types.h)" \
	"kfree release memorx a0"
fails names "acquire without TYPE KEY" \
	"e.spec:1: acquire: expected acquire TYPE KEY" \
	"__kmalloc acquire memory release=kfree(ret)"
fails names "ret in a pre clause" \
	"e.spec:1: release: ret exists after the call only (acquire)" \
	"kfree release memory ret"
fails names "ret in a {C} of a pre clause" \
	"e.spec:1: hold: ret exists after the call only (acquire)" \
	"kfree hold memory {ret + 1}"
fails names "*aN in a pre clause" \
	"e.spec:1: release: *a0 is read after the call only (acquire)" \
	"kfree release memory *a0"
fails names "entry of something else than aN" \
	"e.spec:1: entry: expected entry aN, the argument that is a function pointer" \
	"request_threaded_irq entry ret"
fails names "again-ok on release" \
	"e.spec:1: again-ok is for acquire, not release" \
	"kfree release memory a0 again-ok"
fails names "grant on hold" \
	"e.spec:1: grant is for acquire, not hold" \
	"kfree hold memory a0 grant"
fails names "size= on release" \
	"e.spec:1: size= is for acquire, not release" \
	"kfree release memory a0 size=a0"
fails names "if= on hold" \
	"e.spec:1: if= is for acquire, not hold" \
	"kfree hold memory a0 if=a0"
fails names "release= on release" \
	"e.spec:1: release= is for acquire, not release" \
	"kfree release memory a0 release=kfree(a0)"
fails names "fails= on release" \
	"e.spec:1: fails= is for acquire, not release" \
	"kfree release memory a0 fails=null"
fails names "null-ok on acquire" \
	"e.spec:1: null-ok is for release and hold, not acquire" \
	"__kmalloc acquire memory ret null-ok release=kfree(ret)"
fails names "untracked-ok on hold" \
	"e.spec:1: untracked-ok is for release, not hold" \
	"kfree hold memory a0 untracked-ok"
fails names "an option on plain" \
	"e.spec:1: null-ok is for release and hold, not plain" \
	"kfree plain null-ok"
fails names "acquire without release=" \
	"e.spec:1: acquire memory: missing release=FN(VALUE,...)" \
	"__kmalloc acquire memory ret size=a0"
fails names "release= without parentheses" \
	"e.spec:1: release=kfree: expected release=FN(VALUE,...)" \
	"__kmalloc acquire memory ret release=kfree"
fails names "grant without size=" \
	"e.spec:1: acquire memory: grant without size= (the bytes granted)" \
	"__kmalloc acquire memory ret grant release=kfree(ret)"
fails names "more than 6 release arguments" \
	"e.spec:1: release=kfree: more than 6 arguments" \
	"__kmalloc acquire memory ret release=kfree(a0,a0,a0,a0,a0,a0,a0)"
fails names "a blank inside release=(...)" \
	"e.spec:1: a blank in release=FN(...) outside {}" \
	"__kmalloc acquire memory ret release=kfree(ret, a0)"
fails names "unknown fails= kind" \
	"e.spec:1: fails=bogus: unknown (null, errptr, errptr-or-null, negative, nonzero or never)" \
	"__kmalloc fails=bogus; acquire memory ret release=kfree(ret)"
fails names "both if= and fails=" \
	"e.spec:1: acquire memory: both if= and fails=" \
	"__kmalloc acquire memory ret if=ret fails=null release=kfree(ret)"
fails names "fails= without acquire" \
	"e.spec:1: kfree: fails= without an acquire clause" \
	"kfree fails=null; release memory a0"
fails names "plain with release" \
	"e.spec:1: kfree: plain, yet it has acquire, release, hold, entry, check= or pre= clauses" \
	"kfree plain; release memory a0"
fails names "leaf with sleeps" \
	"e.spec:1: ioread32: leaf, yet it has other clauses (a leaf is plain and never sleeps)" \
	"ioread32 leaf; sleeps"
fails names "leaf with a hold" \
	"e.spec:1: ioread32: leaf, yet it has other clauses (a leaf is plain and never sleeps)" \
	"ioread32 leaf; hold memory a0"
fails names "leaf twice" \
	"e.spec:1: ioread32: leaf given twice" \
	"ioread32 leaf; leaf"
fails names "defer with sleeps" \
	"e.spec:1: kfree: defer, yet it has sleeps, acquire, entry or pre= clauses (a deferred call may only be checked and forget what it releases)" \
	"kfree release memory a0; sleeps; defer"
fails names "defer twice" \
	"e.spec:1: kfree: defer given twice" \
	"kfree defer; defer"
fails names "pre= twice" \
	"e.spec:1: __kmalloc: pre= given twice" \
	"__kmalloc pre=f; pre=g; acquire memory ret release=kfree(ret)"
fails names "pre= not a function name" \
	"e.spec:1: pre=: expected pre=FN, a function of nooks.ko" \
	"__kmalloc pre=f(a0); acquire memory ret release=kfree(ret)"
fails names "check= twice" \
	"e.spec:1: kfree: check= given twice" \
	"kfree check=f; check=g; release memory a0"
fails names "check= not a function name" \
	"e.spec:1: check=: expected check=FN, a function of nooks.ko" \
	"kfree check=; release memory a0"
fails names "sleeps twice" \
	"e.spec:1: msleep: sleeps given twice" \
	"msleep sleeps; sleeps"
fails names "no clauses" \
	"e.spec:1: kfree: no clauses (plain, if nothing else)" \
	"kfree"
fails names "an empty clause" \
	"e.spec:1: kfree: empty clause" \
	"kfree plain;"
fails names "unterminated {" \
	"e.spec:1: unterminated '{'" \
	"kfree hold memory {a0"
fails names "malformed include" \
	"e.spec:1: include: expected include <header> or include \"header\"" \
	"include linux/slab.h"
fails names "a continued line's errors name its first line" \
	"e.spec:4: release: unknown option 'frob'" \
	"# a comment
include <linux/slab.h>	# another

kfree \\
	release memory a0 \\
	frob"
fails names "the line after a continued one" \
	"e.spec:3: unknown clause 'bogus' (plain, sleeps, leaf, defer, acquire, release, hold, entry, fails=, check= or pre=)" \
	"kfree release memory a0 \\
	null-ok
__kmalloc bogus"
fails names "# inside {} is no comment" \
	"e.spec:1: hold: unknown option 'x'" \
	"kfree hold memory {a0 #} x"

# A function twice, across files.
duplicate()
{
	printf 'kfree release memory a0\n' > a.spec
	printf '# b\nkfree plain\n' > b.spec
	rm -f e.out
	exits1 "$WRAPGEN" --names -o e.out a.spec b.spec 2> e.err &&
		grep -qxF "b.spec:2: kfree: duplicate function (first at a.spec:1)" \
			e.err && [ ! -e e.out ]
}
t "error: duplicate function across files" duplicate || diag e.err

fails btf "function missing from BTF" \
	"e.spec:1: no_such_function_xyz: not a function in BTF, and its clauses need its prototype" \
	"no_such_function_xyz release memory a0"
fails btf "argument beyond the prototype" \
	"e.spec:1: kfree: release: a1: kfree has 1 argument" \
	"kfree release memory a1"
fails btf "argument beyond the prototype in {C}" \
	"e.spec:1: kfree: hold: a3: kfree has 1 argument" \
	"kfree hold memory {a0 + a3}"
fails btf "argument beyond the prototype in release=" \
	"e.spec:1: __kmalloc: release=: a2: __kmalloc has 2 arguments" \
	"__kmalloc acquire memory ret release=kfree(a2)"
fails btf "defer of a function that returns a value" \
	"e.spec:1: __kmalloc: defer, yet it returns a value (a deferred call returns nothing, or an integer marked unread-return, and takes at most 3 arguments)" \
	"__kmalloc defer"
fails btf "defer unread-return of a function that returns a pointer" \
	"e.spec:1: __kmalloc: defer, yet it returns a value (a deferred call returns nothing, or an integer marked unread-return, and takes at most 3 arguments)" \
	"__kmalloc defer unread-return"
fails btf "defer unread-return of a void function" \
	"e.spec:1: kfree: defer unread-return, yet it returns no integer" \
	"kfree defer unread-return"
fails names "defer with an unknown word" \
	"e.spec:1: defer: unexpected 'later'" \
	"kfree defer later"
fails btf "defer of a function of more than 3 arguments" \
	"e.spec:1: dma_free_attrs: defer, yet it takes more than 3 arguments (a deferred call returns nothing, or an integer marked unread-return, and takes at most 3 arguments)" \
	"dma_free_attrs defer"
fails btf "defer of a variadic function" \
	"e.spec:1: _printk: defer, yet it is variadic (a deferred call returns nothing, or an integer marked unread-return, and takes at most 3 arguments)" \
	"_printk defer"
fails btf "ret of a void function" \
	"e.spec:1: rtnl_lock: acquire: ret: rtnl_lock returns void" \
	"rtnl_lock acquire lock ret release=rtnl_unlock()"
fails btf "*aN of a non-pointer" \
	"e.spec:1: free_irq: acquire: *a0: a0 is not a pointer" \
	"free_irq acquire irq *a0 release=free_irq(a0,a1)"
fails btf "*aN of a pointer to a struct" \
	"e.spec:1: dma_alloc_attrs: acquire: *a0: a0 points to a struct, not an integer or a pointer" \
	"dma_alloc_attrs acquire dma_coherent *a0 release=dma_free_attrs(a0,a1,ret,*a2,a4)"
fails btf "release=FN not in BTF" \
	"e.spec:1: __kmalloc: release=: no_such_free is not a function in BTF" \
	"__kmalloc acquire memory ret release=no_such_free(ret)"
fails btf "release=FN of another arity" \
	"e.spec:1: __kmalloc: release=: kfree takes 1 argument, not 2" \
	"__kmalloc acquire memory ret release=kfree(ret,a0)"
fails btf "release=FN not exported (--symvers)" \
	"e.spec:1: __kmalloc: release=: do_exit is not exported (not in Module.symvers)" \
	"__kmalloc acquire memory ret release=do_exit(ret)"
fails btf "struct passed by value" \
	"e.spec:1: vmf_insert_mixed: hold: a2 is a struct passed by value: not supported" \
	"vmf_insert_mixed hold memory a2"
fails btf "an argument after a struct passed by value" \
	"e.spec:1: __xa_alloc: hold: a4: a3 before it is a struct passed by value: not supported" \
	"__xa_alloc hold memory a4"
fails btf "entry of a non-function pointer" \
	"e.spec:1: kfree: entry: a0 is not a function pointer" \
	"kfree entry a0"
fails btf "fails= that does not fit the return type" \
	"e.spec:1: __kmalloc: fails=: negative: __kmalloc returns a pointer" \
	"__kmalloc fails=negative; acquire memory ret release=kfree(ret)"

# Parse errors are all reported, and no BTF check runs after them.
parse_stops()
{
	printf '%s\n' 'kfree release memory a1' 'msleep bogus' \
		'__kmalloc acquire memory ret release=kfree(ret,a0)' > e.spec
	rm -f e.out
	exits1 "$WRAPGEN" --btf "$vmlinux" -o e.out e.spec 2> e.err &&
		[ "$(wc -l < e.err)" = 1 ] && grep -q '^e.spec:2: ' e.err
}

# Every BTF error is reported; what was at OUT stays.
btf_all()
{
	printf '%s\n' 'kfree release memory a1' 'msleep plain' \
		'__kmalloc acquire memory ret release=kfree(ret,a0)' > e.spec
	echo "keep me" > e.out
	exits1 "$WRAPGEN" --btf "$vmlinux" -o e.out e.spec 2> e.err &&
		[ "$(wc -l < e.err)" = 2 ] && grep -q '^e.spec:1: ' e.err &&
		grep -q '^e.spec:3: ' e.err && [ "$(cat e.out)" = "keep me" ] &&
		[ ! -e e.out.tmp ]
}

if [ -n "$vmlinux" ]; then
	t "error: a parse error is reported, then stops the run" parse_stops ||
		diag e.err
	t "error: every BTF error is reported; the old output stays" btf_all ||
		diag e.err
else
	skip "error: a parse error is reported, then stops the run" "no vmlinux BTF"
	skip "error: every BTF error is reported; the old output stays" "no vmlinux BTF"
fi

usage_errors()
{
	rm -f e.out
	exits1 "$WRAPGEN" -o e.out real.spec 2> /dev/null &&
		exits1 "$WRAPGEN" --names --btf x -o e.out real.spec \
			2> /dev/null &&
		exits1 "$WRAPGEN" --btf x --modules y -o e.out real.spec \
			2> /dev/null &&
		exits1 "$WRAPGEN" --names -o e.out no-such.spec 2> e.err &&
		grep -qxF "wrapgen: no-such.spec: No such file or directory" \
			e.err && [ ! -e e.out ]
}
t "error: usage, and a spec that cannot be read" usage_errors

# --- memory ---

vg()
{
	local cfs=

	[ -e cfs.c ] && cfs=cfs.spec
	valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$WRAPGEN" --btf "$vmlinux" --symvers "$symvers" \
		--modules "$moddir" -o vg.c edge.spec real.spec $cfs > /dev/null
}

if [ -z "$vmlinux" ]; then
	skip "valgrind: no error or leak" "no vmlinux BTF"
elif ! command -v valgrind > /dev/null; then
	skip "valgrind: no error or leak" "no valgrind"
else
	t "valgrind: no error or leak" vg
fi

echo "1..$n"
[ $failed = 0 ]
