// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the XPC gates: a fake rewritten driver (a manifest, gate
 * descriptors and stubs shaped as nooksctl makes them) calls through the
 * real nooks_xpc_entry/nooks_xpc_exit. Checks arguments in registers and
 * on the stack, varargs, nesting (kernel -> driver -> kernel -> driver),
 * the same-domain fast path, failure values of a failed domain, the
 * preemption state on each side, the frame chain and the counters.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dynamic_queue_limits.h>
#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../../core/domain.h"
#include "../../domains/batch.h"
#include "../../domains/defer.h"
#include "../../domains/rxpool.h"
#include "../../domains/xpc.h"
#include "../../wrappers/entry.h"
#include "../../wrappers/wrap.h"
#include "xpc_test.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

/* The fake driver's manifest and one descriptor per stub. */
struct nooks_manifest nooks_test_manifest = {
	.magic = NOOKS_MANIFEST_MAGIC,
	.version = NOOKS_MANIFEST_VERSION,
};

/* Observations made inside the calls. */
static struct {
	int preempt_driver;	/* preempt_count() in driver code */
	int preempt_kernel;	/* preempt_count() in kernel code */
	struct nooks_xpc_frame *frame_driver;
	/* read inside: the frame is stack memory, gone after the call */
	u32 frame_driver_kind;
	struct nooks_domain *frame_driver_domain;
	struct nooks_xpc_frame *frame_driver_after; /* after an exit call */
	struct nooks_xpc_frame *frame_kernel;
	int cpu_before, cpu_after;
	int driver_calls;
} nooks_seen;

/* The driver's frame, and what is in it while it is there. */
static void nooks_seen_driver_frame(void)
{
	struct nooks_xpc_frame *f = nooks_xpc_current();

	nooks_seen.frame_driver = f;
	nooks_seen.frame_driver_kind = f ? f->kind : 0;
	nooks_seen.frame_driver_domain = f ? f->domain : NULL;
}

/* === Driver side: functions the kernel reaches through entry stubs === */

static long nooks_test_drv_add8(long a, long b, long c, long d, long e,
				long f, long g, long h)
{
	nooks_seen.preempt_driver = preempt_count();
	nooks_seen_driver_frame();
	nooks_seen.driver_calls++;
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

struct nooks_gate_desc nooks_test_desc_add8 = {
	.target = (unsigned long)nooks_test_drv_add8,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
	.stack_slots = 2,
};

NOOKS_TEST_STUB(nooks_test_entry_add8, nooks_test_desc_add8, nooks_xpc_entry);

static void *nooks_test_drv_ptr(void)
{
	nooks_seen.driver_calls++;
	return &nooks_seen;
}

struct nooks_gate_desc nooks_test_desc_ptr = {
	.target = (unsigned long)nooks_test_drv_ptr,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_PTR,
};

NOOKS_TEST_STUB(nooks_test_entry_ptr, nooks_test_desc_ptr, nooks_xpc_entry);

/* Kernel side reached through an exit stub, which re-enters the driver. */

static int nooks_test_drv_inner(int x)
{
	nooks_seen.driver_calls++;
	return x * 2;
}

struct nooks_gate_desc nooks_test_desc_inner = {
	.target = (unsigned long)nooks_test_drv_inner,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_inner, nooks_test_desc_inner, nooks_xpc_entry);

static int nooks_test_drv_outer(int x)
{
	int r;

	nooks_seen.driver_calls++;
	nooks_seen_driver_frame();
	r = nooks_test_exit_reenter(x + 1) + 1;
	nooks_seen.frame_driver_after = nooks_xpc_current();
	return r;
}

struct nooks_gate_desc nooks_test_desc_outer = {
	.target = (unsigned long)nooks_test_drv_outer,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_outer, nooks_test_desc_outer, nooks_xpc_entry);

/* Driver code calling its own function through its entry stub. */
static int nooks_test_drv_self(int x)
{
	nooks_seen.driver_calls++;
	return nooks_test_entry_inner(x) + 100;
}

struct nooks_gate_desc nooks_test_desc_self = {
	.target = (unsigned long)nooks_test_drv_self,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_self, nooks_test_desc_self, nooks_xpc_entry);

/* Driver code calling kernel functions through exit stubs. */

static char nooks_test_buf[128];

static long nooks_test_drv_calls_kernel(long x)
{
	nooks_seen.driver_calls++;
	nooks_test_exit_snprintf(nooks_test_buf, sizeof(nooks_test_buf),
				 "%ld %d %d %d %d %d %d %d %d %s", x, 2, 3, 4,
				 5, 6, 7, 8, 9, "ten");
	return nooks_test_exit_add8(x, 2, 3, 4, 5, 6, 7, 8);
}

struct nooks_gate_desc nooks_test_desc_calls_kernel = {
	.target = (unsigned long)nooks_test_drv_calls_kernel,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_calls_kernel, nooks_test_desc_calls_kernel,
		nooks_xpc_entry);

/* Driver code whose kernel call sleeps and resumes on another CPU. */
static int nooks_test_drv_migrate(int x)
{
	int r;

	nooks_seen.driver_calls++;
	nooks_seen_driver_frame();
	r = nooks_test_exit_migrate(x);
	nooks_seen.frame_driver_after = nooks_xpc_current();
	nooks_seen.preempt_driver = preempt_count();
	return r;
}

struct nooks_gate_desc nooks_test_desc_migrate = {
	.target = (unsigned long)nooks_test_drv_migrate,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_migrate, nooks_test_desc_migrate,
		nooks_xpc_entry);

/* Driver code that faults, in the ways a buggy driver does. */
static int *nooks_test_bad_ptr;

static int nooks_test_drv_fault_read(int x)
{
	nooks_seen.driver_calls++;
	return READ_ONCE(*READ_ONCE(nooks_test_bad_ptr)) + x;
}

struct nooks_gate_desc nooks_test_desc_fault_read = {
	.target = (unsigned long)nooks_test_drv_fault_read,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_fault_read, nooks_test_desc_fault_read,
		nooks_xpc_entry);

/* Faults with preemption and interrupts off, as under a spinlock. */
static void *nooks_test_drv_fault_write(int x)
{
	nooks_seen.driver_calls++;
	preempt_disable();
	local_irq_disable();
	WRITE_ONCE(*READ_ONCE(nooks_test_bad_ptr), x);
	local_irq_enable();
	preempt_enable();
	return &nooks_seen;
}

struct nooks_gate_desc nooks_test_desc_fault_write = {
	.target = (unsigned long)nooks_test_drv_fault_write,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_PTR,
};

NOOKS_TEST_STUB(nooks_test_entry_fault_write, nooks_test_desc_fault_write,
		nooks_xpc_entry);

/* #GP, #DE and #UD in driver code. */
static int nooks_test_fault_kind;
static int nooks_test_zero;

static int nooks_test_drv_trap(int x)
{
	nooks_seen.driver_calls++;
	switch (READ_ONCE(nooks_test_fault_kind)) {
	case 0:	/* a non-canonical pointer */
		return READ_ONCE(*(int *)(0xdead000000000000UL + x));
	case 1:
		return x / READ_ONCE(nooks_test_zero);
	default:
		BUG();
	}
	return x;
}

struct nooks_gate_desc nooks_test_desc_trap = {
	.target = (unsigned long)nooks_test_drv_trap,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_trap, nooks_test_desc_trap, nooks_xpc_entry);

/*
 * Driver code whose domain fails while it is in a kernel call, or before
 * its next one (as when it faults on another CPU): it must not run on.
 */
static struct nooks_domain *nooks_test_domain;
static bool nooks_test_fail_before;
static int nooks_test_kernel_ran, nooks_test_driver_went_on;

static int nooks_test_drv_calls_failing(int x)
{
	nooks_seen.driver_calls++;
	if (nooks_test_fail_before)
		nooks_domain_fail(nooks_test_domain, "test-fail elsewhere 0x0");
	x = nooks_test_exit_fails(x);
	nooks_test_driver_went_on++;
	return x;
}

struct nooks_gate_desc nooks_test_desc_calls_failing = {
	.target = (unsigned long)nooks_test_drv_calls_failing,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_calls_failing, nooks_test_desc_calls_failing,
		nooks_xpc_entry);

/*
 * Driver code calling kmalloc and kfree through typed wrappers: exit
 * gates 0 and 1 of nooks_test_wrap_gates, whose wrappers the test sets.
 */
static int nooks_test_static_obj;
static void *nooks_test_wrap_ptr;

static int nooks_test_drv_wrapped(int x)
{
	nooks_seen.driver_calls++;
	if (x) {
		/* kfree of memory it never allocated: must not happen. */
		nooks_test_exit_kfree(&nooks_test_static_obj);
		nooks_test_driver_went_on++;
		return x;
	}
	nooks_test_wrap_ptr = nooks_test_exit_kmalloc(32, GFP_KERNEL);
	return nooks_test_wrap_ptr ? 1 : -ENOMEM;
}

struct nooks_gate_desc nooks_test_desc_wrapped = {
	.target = (unsigned long)nooks_test_drv_wrapped,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_wrapped, nooks_test_desc_wrapped,
		nooks_xpc_entry);

/* ndo_start_xmit of the fake driver: gate 2, whose wrapper is attached. */
static netdev_tx_t nooks_test_xmit_ret;
static bool nooks_test_xmit_held;

static netdev_tx_t nooks_test_drv_xmit(struct sk_buff *skb,
				       struct net_device *dev)
{
	struct nooks_domain *d = nooks_test_domain;

	nooks_seen.driver_calls++;
	nooks_test_xmit_held = nooks_objtrack_holds(&d->objects, NOOKS_OBJ_SKB,
						    skb);
	return nooks_test_xmit_ret;
}

struct nooks_gate_desc nooks_test_wrap_gates[3] = {
	{
		.target = (unsigned long)__kmalloc,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_PTR,
	}, {
		.target = (unsigned long)kfree,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_VOID,
	}, {
		.target = (unsigned long)nooks_test_drv_xmit,
		.kind = NOOKS_GATE_ENTRY,
		.ret_class = NOOKS_RET_INT,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_kmalloc, nooks_test_wrap_gates, nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_kfree, nooks_test_wrap_gates + 24, nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_entry_xmit, nooks_test_wrap_gates + 48, nooks_xpc_entry);

/*
 * Driver code calling a kernel function through exit gate 0 of
 * nooks_test_leaf_gates, whose wrapper the test sets (leaf or not): the
 * function notes what it runs under, then reads *p.
 */
static struct {
	struct nooks_xpc_frame *cur;	/* nooks_xpc_current() inside */
	int preempt;			/* preempt_count() inside */
} nooks_test_leaf_seen;

static noinline int nooks_test_kern_leaf(int *p)
{
	nooks_test_leaf_seen.cur = nooks_xpc_current();
	nooks_test_leaf_seen.preempt = preempt_count();
	return READ_ONCE(*p);
}

static int nooks_test_drv_leaf(int *p)
{
	nooks_seen.driver_calls++;
	return nooks_test_exit_leaf(p) + 1;
}

struct nooks_gate_desc nooks_test_leaf_gates[1] = {
	{
		.target = (unsigned long)nooks_test_kern_leaf,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_INT,
	},
};

struct nooks_gate_desc nooks_test_desc_leaf = {
	.target = (unsigned long)nooks_test_drv_leaf,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_exit_leaf, nooks_test_leaf_gates, nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_entry_leaf, nooks_test_desc_leaf, nooks_xpc_entry);

/*
 * Deferred calls (domains/defer.h): driver code calls a deferrable
 * kernel function (exit gate 0 of nooks_test_defer_gates) @before times,
 * one that crosses (gate 1), then the first @after times more. The kernel
 * functions note the order they were made in and what they saw.
 */
#define NOOKS_TEST_DEFER_CALLS	32

static struct {
	unsigned int n;			/* deferrable calls made */
	long args[NOOKS_TEST_DEFER_CALLS][3];
	bool in_driver[NOOKS_TEST_DEFER_CALLS];	/* a frame of ours current */
	unsigned int made_at_cross;	/* n when gate 1's function ran */
	unsigned int made_before_cross;	/* n seen by driver code before */
	unsigned int made_at_return;	/* n seen by driver code at its end */
	unsigned int pre_calls;		/* the typed wrapper's pre hook */
	unsigned int zero_returns;	/* calls that returned 0 to the driver */
	long fail_arg;			/* its check fails on this a0 */
} nooks_test_defer_seen;

/* Made, it returns -1; deferred, the driver gets 0 (unread-return). */
static noinline long nooks_test_kern_note(long a, long b, long c)
{
	unsigned int n = nooks_test_defer_seen.n;

	if (n < NOOKS_TEST_DEFER_CALLS) {
		nooks_test_defer_seen.args[n][0] = a;
		nooks_test_defer_seen.args[n][1] = b;
		nooks_test_defer_seen.args[n][2] = c;
		nooks_test_defer_seen.in_driver[n] = nooks_xpc_current();
	}
	nooks_test_defer_seen.n = n + 1;
	return -1;
}

static noinline void nooks_test_kern_cross(void)
{
	nooks_test_defer_seen.made_at_cross = nooks_test_defer_seen.n;
}

static int nooks_test_drv_defer(int before, int after)
{
	long i;

	for (i = 0; i < before; i++)
		if (!nooks_test_exit_note(i, 100 + i, 200 + i))
			nooks_test_defer_seen.zero_returns++;
	nooks_test_defer_seen.made_before_cross = READ_ONCE(nooks_test_defer_seen.n);
	nooks_test_exit_cross();
	for (i = before; i < before + after; i++)
		if (!nooks_test_exit_note(i, 100 + i, 200 + i))
			nooks_test_defer_seen.zero_returns++;
	nooks_test_defer_seen.made_at_return = READ_ONCE(nooks_test_defer_seen.n);
	return 7;
}

struct nooks_gate_desc nooks_test_defer_gates[2] = {
	{
		.target = (unsigned long)nooks_test_kern_note,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_DEFER,
		.ret_class = NOOKS_RET_VOID,
	},
	{
		.target = (unsigned long)nooks_test_kern_cross,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_VOID,
	},
};

struct nooks_gate_desc nooks_test_desc_defer = {
	.target = (unsigned long)nooks_test_drv_defer,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_exit_note, nooks_test_defer_gates, nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_cross, nooks_test_defer_gates + 24, nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_entry_defer, nooks_test_desc_defer, nooks_xpc_entry);

/*
 * Driver code taking locks through typed wrappers (sync.spec): exit gates
 * of nooks_test_lock_gates, whose wrappers the test sets. Which locks it
 * takes and how it ends is nooks_test_lock_how.
 */
enum nooks_test_lock_how {
	NOOKS_TEST_LOCKS_FAULT,		/* takes all three, then faults */
	NOOKS_TEST_LOCKS_FAILED,	/* takes all three; fails in the kernel */
	NOOKS_TEST_LOCKS_KEEP,		/* returns holding the mutex */
	NOOKS_TEST_LOCKS_DROP,		/* releases it in a later call */
	NOOKS_TEST_LOCKS_NONE,		/* faults holding nothing it took */
};

static DEFINE_MUTEX(nooks_test_mutex);
static DEFINE_SPINLOCK(nooks_test_spin_bh);
static DEFINE_SPINLOCK(nooks_test_spin_irq);
/* the entry frame's count of locks it owns, read in the driver */
static u32 nooks_test_locks_owned;

static int nooks_test_drv_locks(int how)
{
	nooks_seen.driver_calls++;
	switch (how) {
	case NOOKS_TEST_LOCKS_FAULT:
	case NOOKS_TEST_LOCKS_FAILED:
		nooks_test_exit_mutex_lock(&nooks_test_mutex);
		nooks_test_exit_spin_lock_bh(&nooks_test_spin_bh.rlock);
		nooks_test_exit_spin_lock_irqsave(&nooks_test_spin_irq.rlock);
		nooks_test_locks_owned = READ_ONCE(nooks_xpc_current()->locks);
		if (how == NOOKS_TEST_LOCKS_FAILED)
			return nooks_test_exit_fails(how);
		return READ_ONCE(*READ_ONCE(nooks_test_bad_ptr));
	case NOOKS_TEST_LOCKS_KEEP:
		nooks_test_exit_mutex_lock(&nooks_test_mutex);
		nooks_test_locks_owned = READ_ONCE(nooks_xpc_current()->locks);
		return how;
	case NOOKS_TEST_LOCKS_DROP:
		nooks_test_exit_mutex_unlock(&nooks_test_mutex);
		nooks_test_locks_owned = READ_ONCE(nooks_xpc_current()->locks);
		return how;
	}
	return READ_ONCE(*READ_ONCE(nooks_test_bad_ptr));
}

struct nooks_gate_desc nooks_test_desc_locks = {
	.target = (unsigned long)nooks_test_drv_locks,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_locks, nooks_test_desc_locks, nooks_xpc_entry);

/* mutex_lock is mutex_lock_nested under lockdep: the gates call these */
static void nooks_test_kern_mutex_lock(struct mutex *lock)
{
	mutex_lock(lock);
}

static void nooks_test_kern_mutex_unlock(struct mutex *lock)
{
	mutex_unlock(lock);
}

static const char *const nooks_test_lock_fns[] = {
	"mutex_lock", "mutex_unlock", "_raw_spin_lock_bh",
	"_raw_spin_lock_irqsave",
};

struct nooks_gate_desc nooks_test_lock_gates[4] = {
	{
		.target = (unsigned long)nooks_test_kern_mutex_lock,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_VOID,
	}, {
		.target = (unsigned long)nooks_test_kern_mutex_unlock,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_VOID,
	}, {
		.target = (unsigned long)_raw_spin_lock_bh,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_VOID,
	}, {
		.target = (unsigned long)_raw_spin_lock_irqsave,
		.kind = NOOKS_GATE_EXIT,
		.ret_class = NOOKS_RET_UNKNOWN,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_mutex_lock, nooks_test_lock_gates,
		nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_mutex_unlock, nooks_test_lock_gates + 24,
		nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_spin_lock_bh, nooks_test_lock_gates + 48,
		nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_spin_lock_irqsave, nooks_test_lock_gates + 72,
		nooks_xpc_exit);

/*
 * Driver code looping on a kernel call (nooks_test_exit_wait) that busy
 * waits or sleeps 2 ms, 50 times, then returns how many calls it made.
 */
static bool nooks_test_wait_sleeps;
static int nooks_test_wait_calls;

static int nooks_test_drv_loop(int x)
{
	int i;

	nooks_seen.driver_calls++;
	for (i = 0; i < 50; i++)
		x += nooks_test_exit_wait(1);
	return x;
}

struct nooks_gate_desc nooks_test_desc_loop = {
	.target = (unsigned long)nooks_test_drv_loop,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_loop, nooks_test_desc_loop, nooks_xpc_entry);

/* === Kernel side: functions the driver reaches through exit stubs === */

static int nooks_test_kern_wait(int x)
{
	nooks_test_wait_calls++;
	if (nooks_test_wait_sleeps)
		usleep_range(2000, 2100);
	else
		mdelay(2);
	return x;
}

struct nooks_gate_desc nooks_test_desc_kern_wait = {
	.target = (unsigned long)nooks_test_kern_wait,
	.kind = NOOKS_GATE_EXIT,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_exit_wait, nooks_test_desc_kern_wait,
		nooks_xpc_exit);

static int nooks_test_kern_fails(int x)
{
	nooks_test_kernel_ran++;
	if (!nooks_test_fail_before)
		nooks_domain_fail(nooks_test_domain, "test-fail elsewhere 0x0");
	return x;
}

struct nooks_gate_desc nooks_test_desc_kern_fails = {
	.target = (unsigned long)nooks_test_kern_fails,
	.kind = NOOKS_GATE_EXIT,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_exit_fails, nooks_test_desc_kern_fails,
		nooks_xpc_exit);

static int nooks_test_kern_migrate(int x)
{
	int cpu = raw_smp_processor_id();
	unsigned int other = cpumask_any_but(cpu_online_mask, cpu);

	nooks_seen.cpu_before = cpu;
	nooks_seen.frame_kernel = nooks_xpc_current();
	if (other < nr_cpu_ids)
		set_cpus_allowed_ptr(current, cpumask_of(other));
	nooks_seen.cpu_after = raw_smp_processor_id();
	return x + 1;
}

struct nooks_gate_desc nooks_test_desc_kern_migrate = {
	.target = (unsigned long)nooks_test_kern_migrate,
	.kind = NOOKS_GATE_EXIT,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_exit_migrate, nooks_test_desc_kern_migrate,
		nooks_xpc_exit);

static int nooks_test_kern_reenter(int x)
{
	nooks_seen.preempt_kernel = preempt_count();
	nooks_seen.frame_kernel = nooks_xpc_current();
	return nooks_test_entry_inner(x) + 10;
}

struct nooks_gate_desc nooks_test_desc_reenter = {
	.target = (unsigned long)nooks_test_kern_reenter,
	.kind = NOOKS_GATE_EXIT,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_exit_reenter, nooks_test_desc_reenter, nooks_xpc_exit);

static long nooks_test_kern_add8(long a, long b, long c, long d, long e,
				 long f, long g, long h)
{
	nooks_seen.preempt_kernel = preempt_count();
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

struct nooks_gate_desc nooks_test_desc_kern_add8 = {
	.target = (unsigned long)nooks_test_kern_add8,
	.kind = NOOKS_GATE_EXIT,
	.stack_slots = 2,
};

NOOKS_TEST_STUB(nooks_test_exit_add8, nooks_test_desc_kern_add8, nooks_xpc_exit);

struct nooks_gate_desc nooks_test_desc_snprintf = {
	.target = (unsigned long)snprintf,
	.kind = NOOKS_GATE_EXIT,
	.stack_slots = NOOKS_MAX_STACK_SLOTS,
};

NOOKS_TEST_STUB(nooks_test_exit_snprintf, nooks_test_desc_snprintf, nooks_xpc_exit);

/* === Tests === */

static int nooks_xpc_test_init(struct kunit *test)
{
	struct nooks_domain *d = nooks_domain_create("kunit_xpc");

	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	KUNIT_ASSERT_EQ(test, nooks_domain_bind_module(d, "kunit_xpc"), 0);
	WRITE_ONCE(nooks_test_manifest.domain, (unsigned long)d);
	memset(&nooks_seen, 0, sizeof(nooks_seen));
	test->priv = d;
	return 0;
}

static void nooks_xpc_test_exit(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	WRITE_ONCE(nooks_test_manifest.domain, 0);
	flush_work(&d->fault_work);
	nooks_domain_unbind_module(d);
	nooks_domain_destroy(d);
	nooks_domain_put(d);
}

static void nooks_test_entry_args(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	int base = preempt_count();
	long r;

	r = nooks_test_entry_add8(1, 2, 3, 4, 5, 6, 7, 8);
	KUNIT_EXPECT_EQ(test, r, 1L + 4 + 9 + 16 + 25 + 36 + 49 + 64);
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 1);
	/* Driver code runs with preemption off, under its entry frame. */
	KUNIT_EXPECT_EQ(test, nooks_seen.preempt_driver, base + 1);
	KUNIT_ASSERT_NOT_NULL(test, nooks_seen.frame_driver);
	KUNIT_EXPECT_EQ(test, nooks_seen.frame_driver_kind,
			(u32)NOOKS_XPC_ENTRY);
	KUNIT_EXPECT_PTR_EQ(test, nooks_seen.frame_driver_domain, d);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 1ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), 0ULL);
	/* Everything undone on the way out. */
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

static void nooks_test_exit_args(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	int base = preempt_count();
	long r;

	r = nooks_test_entry_calls_kernel(1);
	KUNIT_EXPECT_EQ(test, r, 1L + 4 + 9 + 16 + 25 + 36 + 49 + 64);
	/* Varargs with four arguments on the stack. */
	KUNIT_EXPECT_STREQ(test, nooks_test_buf, "1 2 3 4 5 6 7 8 9 ten");
	/* The kernel callee gets the caller's preemption state back. */
	KUNIT_EXPECT_EQ(test, nooks_seen.preempt_kernel, base);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 1ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), 2ULL);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

static void nooks_test_nesting(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	int base = preempt_count();

	/* kernel -> outer (driver) -> reenter (kernel) -> inner (driver) */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_outer(5), (6 * 2 + 10) + 1);
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 2);
	KUNIT_EXPECT_EQ(test, nooks_seen.preempt_kernel, base);
	/* While the kernel runs, the driver's entry frame is off the CPU... */
	KUNIT_EXPECT_NULL(test, nooks_seen.frame_kernel);
	/* ...and back on when driver code resumes. */
	KUNIT_ASSERT_NOT_NULL(test, nooks_seen.frame_driver);
	KUNIT_EXPECT_PTR_EQ(test, nooks_seen.frame_driver_after,
			    nooks_seen.frame_driver);
	KUNIT_EXPECT_EQ(test, nooks_seen.frame_driver_kind,
			(u32)NOOKS_XPC_ENTRY);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 2ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), 1ULL);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

/*
 * A kernel call that sleeps and resumes on another CPU: driver code gets
 * its frame and preemption state back there, and no CPU keeps a pointer
 * into the call's stack afterwards (the bug a stale per-CPU frame caused
 * when null_blk's init slept and migrated).
 */
static void nooks_test_migration(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	int base, cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	base = preempt_count();
	KUNIT_EXPECT_EQ(test, nooks_test_entry_migrate(41), 42);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_NE(test, nooks_seen.cpu_before, nooks_seen.cpu_after);
	KUNIT_EXPECT_NULL(test, nooks_seen.frame_kernel);
	KUNIT_ASSERT_NOT_NULL(test, nooks_seen.frame_driver);
	KUNIT_EXPECT_PTR_EQ(test, nooks_seen.frame_driver_after,
			    nooks_seen.frame_driver);
	KUNIT_EXPECT_EQ(test, nooks_seen.preempt_driver, base + 1);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_NULL(test, nooks_xpc_cpu_frame(cpu));
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 1ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), 1ULL);
}

/* A fault in driver code fails the domain and returns the failure value. */
static void nooks_test_fault_contained(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];
	int base = preempt_count();

	nooks_test_bad_ptr = NULL;
	KUNIT_EXPECT_EQ(test, nooks_test_entry_fault_read(1), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 1);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 1ULL);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, strstr(report, "page-fault"));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test,
				     strstr(report, "nooks_test_drv_fault_read"));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, strstr(report, " 0x0"));
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	/* A failed domain runs nothing more. */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_fault_read(1), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 1);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 1ULL);
}

/* The entry's preemption and interrupt state come back after a fault. */
static void nooks_test_fault_state_restored(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	int base = preempt_count();

	nooks_test_bad_ptr = (int *)16;
	KUNIT_EXPECT_NULL(test, nooks_test_entry_fault_write(7));
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

/* A kernel address with nothing mapped: a vmalloc guard page. */
static void nooks_test_fault_kernel_address(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];
	char *page = vmalloc(PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, page);
	nooks_test_bad_ptr = (int *)(page + PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, nooks_test_entry_fault_write(7));
	vfree(page);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test,
				     strstr(report, "nooks_test_drv_fault_write"));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

static const char *const nooks_trap_names[] = {
	"gpf", "divide-error", "bug",
};

static void nooks_trap_desc(const char *const *name, char *desc)
{
	strscpy(desc, *name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nooks_trap, nooks_trap_names, nooks_trap_desc);

/* #GP, #DE and #UD (BUG()) are contained like page faults. */
static void nooks_test_trap_contained(struct kunit *test)
{
	const char *const *name = test->param_value;
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];
	int base = preempt_count();

	WRITE_ONCE(nooks_test_fault_kind, name - nooks_trap_names);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_trap(8), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 1);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(report, *name, strlen(*name)),
			      "report: %s", report);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, strstr(report, "nooks_test_drv_trap"));
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

static const bool nooks_fail_when[] = { false, true };

static void nooks_fail_when_desc(const bool *before, char *desc)
{
	strscpy(desc, *before ? "failed before the kernel call" :
				"failed during the kernel call",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nooks_fail_when, nooks_fail_when, nooks_fail_when_desc);

/*
 * A thread in (or entering) an exit call of a domain that failed does not
 * go back to driver code: it leaves through its entry gate with the
 * failure value.
 */
static void nooks_test_exit_unwinds(struct kunit *test)
{
	const bool *before = test->param_value;
	struct nooks_domain *d = test->priv;
	int base = preempt_count();

	nooks_test_domain = d;
	nooks_test_fail_before = *before;
	nooks_test_kernel_ran = 0;
	nooks_test_driver_went_on = 0;
	KUNIT_EXPECT_EQ(test, nooks_test_entry_calls_failing(5), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_test_kernel_ran, *before ? 0 : 1);
	KUNIT_EXPECT_EQ(test, nooks_test_driver_went_on, 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	/* The unwinding is not another fault. */
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 1ULL);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

static void nooks_test_fast_path(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	/* The driver calling itself through a stub crosses nothing. */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_self(3), 3 * 2 + 100);
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 2);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 1ULL);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

static void nooks_test_failed_domain(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	KUNIT_ASSERT_EQ(test, nooks_domain_set_state(d, NOOKS_STATE_FAILED), 0);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_add8(1, 2, 3, 4, 5, 6, 7, 8),
			(long)-EIO);
	KUNIT_EXPECT_NULL(test, nooks_test_entry_ptr());
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 0ULL);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	/* Back to live through the lifecycle, for the exit handler. */
	KUNIT_ASSERT_EQ(test, nooks_domain_set_state(d, NOOKS_STATE_RECOVERING), 0);
	KUNIT_ASSERT_EQ(test, nooks_domain_set_state(d, NOOKS_STATE_LIVE), 0);
	KUNIT_EXPECT_PTR_EQ(test, nooks_test_entry_ptr(), (void *)&nooks_seen);
}

/*
 * The exit gate runs a typed wrapper's hooks: what the driver allocates is
 * tracked, and a kfree of what it does not hold is a fault of its domain,
 * never made (kfree of a static variable would crash the kernel).
 */
static void nooks_test_typed_wrappers(struct kunit *test)
{
	const struct nooks_wrapper *wrap[2] = {
		nooks_wrapper_find("__kmalloc"), nooks_wrapper_find("kfree"),
	};
	struct nooks_domain *d = test->priv;
	int base = preempt_count();
	char report[NOOKS_LAST_FAULT_LEN];

	KUNIT_ASSERT_NOT_NULL(test, wrap[0]);
	KUNIT_ASSERT_NOT_NULL(test, wrap[1]);
	d->gates = nooks_test_wrap_gates;
	d->n_gates = 2;		/* the exit gates; not the xmit entry */
	d->strict = true;
	WRITE_ONCE(d->wrap, wrap);
	nooks_test_domain = d;
	nooks_test_driver_went_on = 0;

	KUNIT_EXPECT_EQ(test, nooks_test_entry_wrapped(0), 1);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects, NOOKS_OBJ_MEMORY), 1UL);
	KUNIT_EXPECT_TRUE(test, nooks_objtrack_holds(&d->objects, NOOKS_OBJ_MEMORY,
						     nooks_test_wrap_ptr));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(&d->objects), (size_t)32);

	KUNIT_EXPECT_EQ(test, nooks_test_entry_wrapped(1), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_test_driver_went_on, 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 1ULL);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(report, "bad-param ", 10), "%s",
			      report);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	KUNIT_EXPECT_EQ(test, preempt_count(), base);

	/*
	 * The same refused call with no driver code to unwind to (made from
	 * kernel context): the gate returns without making it.
	 */
	nooks_test_exit_kfree(&nooks_test_static_obj);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 2ULL);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);

	WRITE_ONCE(d->wrap, NULL);
	/* What the driver still holds is recovery's to release. */
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(&d->objects), 1U);
}

/*
 * A leaf kernel call (NOOKS_WRAP_LEAF) runs as a part of its caller: the
 * entry frame stays this CPU's and preemption stays off, and a fault in
 * it is the domain's, unwound to that entry. The same call through a
 * wrapper that is not a leaf leaves the CPU to the kernel.
 */
static void nooks_test_leaf_call(struct kunit *test)
{
	static const struct nooks_wrapper leaf = {
		.name = "leaf", .flags = NOOKS_WRAP_LEAF,
	};
	static const struct nooks_wrapper plain = { .name = "plain" };
	const struct nooks_wrapper *wrap[1] = { &leaf };
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];
	int base = preempt_count();
	int x = 41;
	char *page;

	d->gates = nooks_test_leaf_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_leaf_gates);
	WRITE_ONCE(d->wrap, wrap);

	KUNIT_EXPECT_EQ(test, nooks_test_entry_leaf(&x), 42);
	KUNIT_EXPECT_NOT_NULL(test, nooks_test_leaf_seen.cur);
	KUNIT_EXPECT_GT(test, nooks_test_leaf_seen.preempt, base);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), 1ULL);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());

	wrap[0] = &plain;
	KUNIT_EXPECT_EQ(test, nooks_test_entry_leaf(&x), 42);
	KUNIT_EXPECT_NULL(test, nooks_test_leaf_seen.cur);
	KUNIT_EXPECT_EQ(test, nooks_test_leaf_seen.preempt, base);
	wrap[0] = &leaf;

	/* the leaf reads a vmalloc guard page the driver handed it */
	page = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_leaf((int *)(page + PAGE_SIZE)),
			-EIO);
	vfree(page);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 1ULL);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(report, "page-fault nooks_test_kern_leaf", 31),
			      "%s", report);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	WRITE_ONCE(d->wrap, NULL);
}

/*
 * A registered net_device's ndo_start_xmit, an entry stub of the domain,
 * gets its typed entry wrapper: the skb the kernel hands over is the
 * driver's (tracked) while it runs and after, unless it returns busy.
 */
static void nooks_test_entry_wrapper(struct kunit *test)
{
	const struct nooks_wrapper *wrap[3] = { NULL, NULL, NULL };
	const struct net_device_ops ops = {
		.ndo_start_xmit = (void *)nooks_test_entry_xmit,
	};
	struct nooks_domain *d = test->priv;
	struct net_device *dev;
	struct sk_buff *skb;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	skb = kunit_kzalloc(test, sizeof(*skb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	dev->netdev_ops = &ops;
	d->gates = nooks_test_wrap_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_wrap_gates);
	WRITE_ONCE(d->wrap, wrap);
	nooks_test_domain = d;

	/* Outside the domain's stubs: not its callback. */
	KUNIT_EXPECT_FALSE(test, nooks_entry_attach(d, dev));
	d->stubs_start = (unsigned long)nooks_test_entry_xmit;
	d->stubs_end = d->stubs_start + NOOKS_STUB_SIZE;
	KUNIT_ASSERT_TRUE(test, nooks_entry_attach(d, dev));
	KUNIT_EXPECT_NOT_NULL(test, wrap[2]);

	nooks_test_xmit_ret = NETDEV_TX_OK;
	KUNIT_EXPECT_EQ(test, nooks_test_entry_xmit(skb, dev), NETDEV_TX_OK);
	KUNIT_EXPECT_TRUE(test, nooks_test_xmit_held);
	KUNIT_EXPECT_TRUE(test, nooks_objtrack_holds(&d->objects, NOOKS_OBJ_SKB,
						     skb));
	/* Its TX completion frees it (the wrapper of the free forgets it). */
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(&d->objects, NOOKS_OBJ_SKB,
						    skb), 0);

	nooks_test_xmit_ret = NETDEV_TX_BUSY;
	KUNIT_EXPECT_EQ(test, nooks_test_entry_xmit(skb, dev), NETDEV_TX_BUSY);
	KUNIT_EXPECT_TRUE(test, nooks_test_xmit_held);
	KUNIT_EXPECT_FALSE(test, nooks_objtrack_holds(&d->objects, NOOKS_OBJ_SKB,
						      skb));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects, NOOKS_OBJ_SKB), 0UL);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	WRITE_ONCE(d->wrap, NULL);
	d->stubs_start = 0;
	d->stubs_end = 0;
}

/* The domain's gates are nooks_test_lock_gates, with their wrappers. */
static void nooks_test_lock_wrappers(struct kunit *test,
				     const struct nooks_wrapper **wrap)
{
	struct nooks_domain *d = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nooks_test_lock_fns); i++) {
		wrap[i] = nooks_wrapper_find(nooks_test_lock_fns[i]);
		KUNIT_ASSERT_NOT_NULL(test, wrap[i]);
	}
	d->gates = nooks_test_lock_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_lock_gates);
	d->strict = true;
	WRITE_ONCE(d->wrap, wrap);
	nooks_test_domain = d;
	nooks_test_bad_ptr = NULL;
	nooks_test_fail_before = false;
}

/* Nobody holds @lock: it can be taken. */
static bool nooks_test_spin_free(spinlock_t *lock)
{
	unsigned long flags;

	if (!spin_trylock_irqsave(lock, flags))
		return false;
	spin_unlock_irqrestore(lock, flags);
	return true;
}

static const int nooks_test_unwound_how[] = {
	NOOKS_TEST_LOCKS_FAULT, NOOKS_TEST_LOCKS_FAILED,
};

static void nooks_unwound_desc(const int *how, char *desc)
{
	strscpy(desc, *how == NOOKS_TEST_LOCKS_FAULT ? "driver code faults" :
			"domain fails in a kernel call",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nooks_test_unwound, nooks_test_unwound_how,
		  nooks_unwound_desc);

/*
 * Driver code that faults holding locks it took (a mutex, a spinlock with
 * bottom halves off, one with interrupts off) does not leave them held:
 * the unwinding thread releases them, and the kernel has the entry's
 * preemption and interrupt state back.
 */
static void nooks_test_locks_unwound(struct kunit *test)
{
	const struct nooks_wrapper *wrap[ARRAY_SIZE(nooks_test_lock_fns)];
	struct nooks_domain *d = test->priv;
	const int *how = test->param_value;
	int base = preempt_count();

	nooks_test_lock_wrappers(test, wrap);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_locks(*how), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_test_locks_owned, 3U);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_FALSE(test, mutex_is_locked(&nooks_test_mutex));
	KUNIT_EXPECT_TRUE(test, nooks_test_spin_free(&nooks_test_spin_bh));
	KUNIT_EXPECT_TRUE(test, nooks_test_spin_free(&nooks_test_spin_irq));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects, NOOKS_OBJ_LOCK),
			0UL);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	WRITE_ONCE(d->wrap, NULL);
	/* held or not, the test must not leave them held */
	if (mutex_is_locked(&nooks_test_mutex))
		mutex_unlock(&nooks_test_mutex);
}

/*
 * A lock driver code returns with belongs to no crossing: a later call
 * may release it, and a later fault does not.
 */
static void nooks_test_locks_kept(struct kunit *test)
{
	const struct nooks_wrapper *wrap[ARRAY_SIZE(nooks_test_lock_fns)];
	struct nooks_domain *d = test->priv;
	struct nooks_objtrack *t = &d->objects;

	nooks_test_lock_wrappers(test, wrap);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_locks(NOOKS_TEST_LOCKS_KEEP),
			NOOKS_TEST_LOCKS_KEEP);
	KUNIT_EXPECT_EQ(test, nooks_test_locks_owned, 1U);
	KUNIT_EXPECT_TRUE(test, mutex_is_locked(&nooks_test_mutex));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_LOCK), 1UL);

	/* Released by another call, whose frame owned none of it. */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_locks(NOOKS_TEST_LOCKS_DROP),
			NOOKS_TEST_LOCKS_DROP);
	KUNIT_EXPECT_EQ(test, nooks_test_locks_owned, 0U);
	KUNIT_EXPECT_FALSE(test, mutex_is_locked(&nooks_test_mutex));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_LOCK), 0UL);

	/* Kept again; a fault of another call leaves it to recovery. */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_locks(NOOKS_TEST_LOCKS_KEEP),
			NOOKS_TEST_LOCKS_KEEP);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_locks(NOOKS_TEST_LOCKS_NONE),
			-EIO);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_TRUE(test, mutex_is_locked(&nooks_test_mutex));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_forget_type(t, NOOKS_OBJ_LOCK), 1U);
	WRITE_ONCE(d->wrap, NULL);
	if (mutex_is_locked(&nooks_test_mutex))
		mutex_unlock(&nooks_test_mutex);
}

static const bool nooks_test_wait_how[] = { false, true };

static void nooks_wait_desc(const bool *sleeps, char *desc)
{
	strscpy(desc, *sleeps ? "kernel calls that sleep" :
				"kernel calls that busy wait",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nooks_test_wait, nooks_test_wait_how, nooks_wait_desc);

/*
 * The hang deadline (20 ms here) runs on through kernel calls that do
 * not sleep: 50 calls busy waiting 2 ms each are a hang, found when one
 * returns; 50 calls sleeping 2 ms each are not.
 */
static void nooks_test_hang_across_calls(struct kunit *test)
{
	const bool *sleeps = test->param_value;
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];
	int base = preempt_count();

	nooks_domain_set_hang_timeout(d, 20);
	nooks_test_wait_sleeps = *sleeps;
	nooks_test_wait_calls = 0;
	if (*sleeps) {
		KUNIT_EXPECT_EQ(test, nooks_test_entry_loop(0), 50);
		KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	} else {
		KUNIT_EXPECT_EQ(test, nooks_test_entry_loop(0), -EIO);
		KUNIT_EXPECT_LT(test, nooks_test_wait_calls, 50);
		KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
		nooks_domain_last_fault(d, report, sizeof(report));
		KUNIT_EXPECT_TRUE_MSG(test,
				      !strncmp(report, "hang nooks_test_drv_loop+", 25),
				      "last_fault: %s", report);
	}
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

/* The typed wrapper of the deferrable function: its check, when made. */
static int nooks_test_defer_pre(struct nooks_xpc_frame *f)
{
	nooks_test_defer_seen.pre_calls++;
	if ((long)f->rdi != nooks_test_defer_seen.fail_arg)
		return 0;
	nooks_domain_fail(f->domain, "bad-param test");
	return -EFAULT;
}

struct nooks_test_defer_case {
	int before, after;
	/* expected */
	unsigned int before_cross;	/* made when driver code crosses */
	unsigned int at_return;		/* made when it returns */
	u64 calls_out, deferred;
};

static const struct nooks_test_defer_case nooks_test_defer_cases[] = {
	/* all wait: for the crossing, then for the return */
	{ 3, 2, 0, 3, 1, 5 },
	/* the queue holds NOOKS_DEFER_MAX: the next call crosses */
	{ NOOKS_DEFER_MAX + 1, 0, NOOKS_DEFER_MAX + 1, NOOKS_DEFER_MAX + 1,
	  2, NOOKS_DEFER_MAX },
	{ 2 * NOOKS_DEFER_MAX + 3, 1, 2 * NOOKS_DEFER_MAX + 2,
	  2 * NOOKS_DEFER_MAX + 3, 3, 2 * NOOKS_DEFER_MAX + 2 },
	{ 0, 0, 0, 0, 1, 0 },
};

static void nooks_test_defer_desc(const struct nooks_test_defer_case *c,
				  char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d deferred, a crossing, %d",
		 c->before, c->after);
}

KUNIT_ARRAY_PARAM(nooks_test_defer, nooks_test_defer_cases,
		  nooks_test_defer_desc);

static void nooks_test_defer_calls(struct kunit *test)
{
	const struct nooks_test_defer_case *c = test->param_value;
	static const struct nooks_wrapper w = {
		.name = "note", .pre = nooks_test_defer_pre,
		.flags = NOOKS_WRAP_DEFER,
	};
	const struct nooks_wrapper *wrap[2] = { &w, NULL };
	struct nooks_domain *d = test->priv;
	int base = preempt_count();
	unsigned int i, total = c->before + c->after;

	memset(&nooks_test_defer_seen, 0, sizeof(nooks_test_defer_seen));
	nooks_test_defer_seen.fail_arg = -1;
	d->gates = nooks_test_defer_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_defer_gates);
	WRITE_ONCE(d->wrap, wrap);

	KUNIT_EXPECT_EQ(test, nooks_test_entry_defer(c->before, c->after), 7);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.made_before_cross,
			c->before_cross);
	/* the crossing made what was queued first */
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.made_at_cross,
			(unsigned int)c->before);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.made_at_return,
			c->at_return);
	/* and the return the rest, each once, in order, by the kernel */
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.n, total);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.pre_calls, total);
	for (i = 0; i < total && i < NOOKS_TEST_DEFER_CALLS; i++) {
		KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.args[i][0], (long)i);
		KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.args[i][1], 100L + i);
		KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.args[i][2], 200L + i);
		KUNIT_EXPECT_FALSE(test, nooks_test_defer_seen.in_driver[i]);
	}
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
			c->calls_out);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_DEFERRED),
			c->deferred);
	/* a deferred call returns 0, a made one what the function did */
	KUNIT_EXPECT_EQ(test, (u64)nooks_test_defer_seen.zero_returns,
			c->deferred);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	WRITE_ONCE(d->wrap, NULL);
}

/*
 * A deferred call whose check fails when it is made fails the domain,
 * and is not made; the calls after it in the queue are still checked.
 */
static void nooks_test_defer_bad_param(struct kunit *test)
{
	static const struct nooks_wrapper w = {
		.name = "note", .pre = nooks_test_defer_pre,
		.flags = NOOKS_WRAP_DEFER,
	};
	const struct nooks_wrapper *wrap[2] = { &w, NULL };
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];

	memset(&nooks_test_defer_seen, 0, sizeof(nooks_test_defer_seen));
	nooks_test_defer_seen.fail_arg = 1;
	d->gates = nooks_test_defer_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_defer_gates);
	WRITE_ONCE(d->wrap, wrap);

	/* 0, 1 (bad), 2 queued; the crossing makes them, then unwinds */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_defer(3, 2), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.pre_calls, 3U);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.n, 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.args[1][0], 2L);
	KUNIT_EXPECT_EQ(test, nooks_test_defer_seen.made_at_cross, 0U);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_TRUE_MSG(test, strstr(report, "bad-param"), "%s", report);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	WRITE_ONCE(d->wrap, NULL);
}

/*
 * Batched entries (domains/batch.h): one crossing runs a loop in the
 * domain that calls the driver function once per argument.
 */
static struct {
	unsigned int n;
	unsigned long arg[NOOKS_BATCH_MAX];
	bool in_driver[NOOKS_BATCH_MAX];
} nooks_test_batch_seen;

static int nooks_test_drv_batched(unsigned long arg)
{
	unsigned int n = nooks_test_batch_seen.n;

	if (n < NOOKS_BATCH_MAX) {
		nooks_test_batch_seen.arg[n] = arg;
		nooks_test_batch_seen.in_driver[n] = nooks_xpc_current();
	}
	nooks_test_batch_seen.n = n + 1;
	return 0;
}

struct nooks_gate_desc nooks_test_desc_batched = {
	.target = (unsigned long)nooks_test_drv_batched,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_batched, nooks_test_desc_batched,
		nooks_xpc_entry);

/* The loop a batch runs in the domain (batch.c has the blk-mq ones). */
static unsigned long nooks_test_batch_run(unsigned long a0,
					  struct nooks_batch *b)
{
	int (*fn)(unsigned long arg) = (void *)b->target;
	u32 i;

	for (i = 0; i < b->n; i++)
		fn(b->arg[i] + a0);
	return NOOKS_BATCH_RAN | b->n;
}

static unsigned long nooks_test_batch(struct kunit *test, unsigned int n,
				      unsigned long a0, struct nooks_batch *b)
{
	unsigned long ret;
	unsigned int i;

	memset(&nooks_test_batch_seen, 0, sizeof(nooks_test_batch_seen));
	memset(b, 0, sizeof(*b));
	b->run = nooks_test_batch_run;
	b->a0 = a0;
	b->n = n;
	for (i = 0; i < n; i++)
		b->arg[i] = 10 * i;
	preempt_disable();
	ret = nooks_batch_call(b, (void *)nooks_test_entry_batched);
	KUNIT_EXPECT_NULL(test, this_cpu_read(nooks_batch_armed));
	preempt_enable();
	return ret;
}

static void nooks_test_batch_calls(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct nooks_batch b;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, nooks_test_batch(test, NOOKS_BATCH_MAX, 3, &b),
			NOOKS_BATCH_RAN | NOOKS_BATCH_MAX);
	KUNIT_EXPECT_TRUE(test, b.entered);
	KUNIT_EXPECT_EQ(test, b.target, (unsigned long)nooks_test_drv_batched);
	/* each argument once, in order, in the driver, in one crossing */
	KUNIT_EXPECT_EQ(test, nooks_test_batch_seen.n, NOOKS_BATCH_MAX);
	for (i = 0; i < NOOKS_BATCH_MAX; i++) {
		KUNIT_EXPECT_EQ(test, nooks_test_batch_seen.arg[i], 10UL * i + 3);
		KUNIT_EXPECT_TRUE(test, nooks_test_batch_seen.in_driver[i]);
	}
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 1ULL);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());

	/* not armed: the same stub is the driver function's, called once */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_batched(5), 0);
	KUNIT_EXPECT_EQ(test, nooks_test_batch_seen.n, NOOKS_BATCH_MAX + 1);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN), 2ULL);

	/* a failed domain refuses the batch: nothing runs, nothing is left armed */
	nooks_domain_fail(d, "test-fail batch 0x0");
	KUNIT_EXPECT_EQ(test, nooks_test_batch(test, 4, 0, &b), (unsigned long)-EIO);
	KUNIT_EXPECT_FALSE(test, b.entered);
	KUNIT_EXPECT_EQ(test, nooks_test_batch_seen.n, 0U);
}

/*
 * Premade calls (domains/batch.h): the kernel side made a call for each
 * argument of a batch before it crossed; the driver's own call of it with
 * the argument of the batch call that runs returns in the domain. One
 * with another argument, or outside a batch, crosses.
 */
static struct {
	unsigned int made;		/* by the kernel function */
	unsigned long arg[NOOKS_BATCH_MAX * 2];
} nooks_test_premade_seen;

static noinline void nooks_test_kern_start(unsigned long arg)
{
	unsigned int n = nooks_test_premade_seen.made;

	if (n < ARRAY_SIZE(nooks_test_premade_seen.arg))
		nooks_test_premade_seen.arg[n] = arg;
	nooks_test_premade_seen.made = n + 1;
}

struct nooks_gate_desc nooks_test_desc_start = {
	.target = (unsigned long)nooks_test_kern_start,
	.kind = NOOKS_GATE_EXIT | NOOKS_GATE_PREMADE,
	.ret_class = NOOKS_RET_VOID,
};

NOOKS_TEST_STUB(nooks_test_exit_start, nooks_test_desc_start, nooks_xpc_exit);

/* The driver function: starts its argument, and an odd one its next. */
static int nooks_test_drv_starts(unsigned long arg)
{
	nooks_test_exit_start(arg);
	if (arg & 1)
		nooks_test_exit_start(arg + 1);
	return 0;
}

struct nooks_gate_desc nooks_test_desc_starts = {
	.target = (unsigned long)nooks_test_drv_starts,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_starts, nooks_test_desc_starts,
		nooks_xpc_entry);

/* As batch.c's loops: b->done names the call that runs. */
static unsigned long nooks_test_batch_run_done(unsigned long a0,
					       struct nooks_batch *b)
{
	int (*fn)(unsigned long arg) = (void *)b->target;
	u32 i;

	for (i = 0; i < b->n; i++) {
		WRITE_ONCE(b->done, i);
		fn(b->arg[i]);
	}
	WRITE_ONCE(b->done, b->n);
	return NOOKS_BATCH_RAN | b->n;
}

static void nooks_test_premade_calls(struct kunit *test)
{
	static const unsigned long args[] = { 2, 4, 5, 8 };
	struct nooks_domain *d = test->priv;
	struct nooks_batch b;
	unsigned int i, premade;
	u64 in, out;

	for (premade = 0; premade < 2; premade++) {
		memset(&nooks_test_premade_seen, 0,
		       sizeof(nooks_test_premade_seen));
		memset(&b, 0, sizeof(b));
		b.run = nooks_test_batch_run_done;
		b.premade = premade ? (unsigned long)nooks_test_kern_start : 0;
		b.n = ARRAY_SIZE(args);
		for (i = 0; i < b.n; i++)
			b.arg[i] = args[i];
		in = nooks_domain_counter(d, NOOKS_CNT_CALLS_IN);
		out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
		preempt_disable();
		KUNIT_EXPECT_EQ(test,
				nooks_batch_call(&b, (void *)nooks_test_entry_starts),
				NOOKS_BATCH_RAN | ARRAY_SIZE(args));
		preempt_enable();
		KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN),
				in + 1);
		if (!premade) {
			/* every start crossed: 2, 4, 5, 6 (5's next), 8 */
			KUNIT_EXPECT_EQ(test, b.premade_hit, 0U);
			KUNIT_EXPECT_EQ(test, nooks_test_premade_seen.made, 5U);
			KUNIT_EXPECT_EQ(test,
					nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
					out + 5);
			continue;
		}
		/* each call's own start returned at once; only 6 crossed */
		KUNIT_EXPECT_EQ(test, b.premade_hit, 0xfU);
		KUNIT_EXPECT_EQ(test, nooks_test_premade_seen.made, 1U);
		KUNIT_EXPECT_EQ(test, nooks_test_premade_seen.arg[0], 6UL);
		KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
				out + 1);
	}
	/* a plain entry, no batch: its start crosses */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_starts(2), 0);
	KUNIT_EXPECT_EQ(test, nooks_test_premade_seen.made, 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_premade_seen.arg[1], 2UL);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
}

/*
 * Local calls (domains/local.h): the DMA map and unmap of a dma-direct
 * device are answered in the domain; those of a device with dma_map_ops
 * (an IOMMU's) cross to the kernel's functions.
 */
static struct {
	unsigned int maps, unmaps, syncs;
	struct page *page;
} nooks_test_local_seen;

static dma_addr_t nooks_test_ops_map(struct device *dev, struct page *page,
				     unsigned long offset, size_t size,
				     enum dma_data_direction dir,
				     unsigned long attrs)
{
	nooks_test_local_seen.maps++;
	return 0x1000 + offset;
}

static void nooks_test_ops_unmap(struct device *dev, dma_addr_t addr,
				 size_t size, enum dma_data_direction dir,
				 unsigned long attrs)
{
	nooks_test_local_seen.unmaps++;
}

static void nooks_test_ops_sync(struct device *dev, dma_addr_t addr,
				size_t size, enum dma_data_direction dir)
{
	nooks_test_local_seen.syncs++;
}

static const struct dma_map_ops nooks_test_dma_ops = {
	.map_page = nooks_test_ops_map,
	.unmap_page = nooks_test_ops_unmap,
	.sync_single_for_cpu = nooks_test_ops_sync,
	.sync_single_for_device = nooks_test_ops_sync,
};

struct nooks_gate_desc nooks_test_local_gates[4] = {
	{
		.target = (unsigned long)dma_map_page_attrs,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_UNKNOWN,
	},
	{
		.target = (unsigned long)dma_unmap_page_attrs,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_VOID,
	},
	{
		.target = (unsigned long)dma_sync_single_for_cpu,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_VOID,
	},
	{
		.target = (unsigned long)dma_sync_single_for_device,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_VOID,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_dma_map, nooks_test_local_gates,
		nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_dma_unmap, nooks_test_local_gates + 24,
		nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_dma_sync_cpu, nooks_test_local_gates + 48,
		nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_dma_sync_dev, nooks_test_local_gates + 72,
		nooks_xpc_exit);

/*
 * The driver function: maps 64 bytes at 16 in the page, syncs them for
 * the CPU and back for the device, unmaps them.
 */
static u64 nooks_test_drv_dma(struct device *dev)
{
	dma_addr_t addr = nooks_test_exit_dma_map(dev, nooks_test_local_seen.page,
						  16, 64, DMA_BIDIRECTIONAL, 0);

	nooks_test_exit_dma_sync_cpu(dev, addr, 64, DMA_BIDIRECTIONAL);
	nooks_test_exit_dma_sync_dev(dev, addr, 64, DMA_BIDIRECTIONAL);
	nooks_test_exit_dma_unmap(dev, addr, 64, DMA_BIDIRECTIONAL, 0);
	return addr;
}

struct nooks_gate_desc nooks_test_desc_dma = {
	.target = (unsigned long)nooks_test_drv_dma,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_UNKNOWN,
};

NOOKS_TEST_STUB(nooks_test_entry_dma, nooks_test_desc_dma, nooks_xpc_entry);

static void nooks_test_local_calls(struct kunit *test)
{
	struct device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	struct nooks_domain *d = test->priv;
	u64 mask = DMA_BIT_MASK(64), out, local;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	memset(&nooks_test_local_seen, 0, sizeof(nooks_test_local_seen));
	nooks_test_local_seen.page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nooks_test_local_seen.page);
	dev->dma_mask = &mask;
	out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
	local = nooks_domain_counter(d, NOOKS_CNT_LOCAL);

	/* dma-direct: the physical address, no crossing out */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_dma(dev),
			(u64)page_to_phys(nooks_test_local_seen.page) + 16);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), out);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_LOCAL),
			local + 4);

	/* dma_map_ops: all cross, to the ops */
	set_dma_ops(dev, &nooks_test_dma_ops);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_dma(dev), 0x1000ULL + 16);
	KUNIT_EXPECT_EQ(test, nooks_test_local_seen.maps, 1U);
	KUNIT_EXPECT_EQ(test, nooks_test_local_seen.unmaps, 1U);
	KUNIT_EXPECT_EQ(test, nooks_test_local_seen.syncs, 2U);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
			out + 4);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_LOCAL),
			local + 4);

	/* a device pointer in the user half: the driver's fault */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_dma((struct device *)64), 0ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	__free_page(nooks_test_local_seen.page);
}

/*
 * eth_type_trans(), local in an unprotected domain: what it does to an
 * skb is what the kernel's does to a copy, for each kind of frame; a
 * frame whose header is not all in the linear data crosses.
 */
struct nooks_test_eth_case {
	const char *name;
	u8 dest[ETH_ALEN];
	u16 proto;			/* host order; below 0x600 a length */
	u16 sap;			/* the two bytes after the header */
	unsigned int linear;		/* bytes in the linear data */
	bool local;
};

static const struct nooks_test_eth_case nooks_test_eth_cases[] = {
	{ "IPv4 to us", { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, ETH_P_IP, 0x4500, 60, true },
	{ "ARP broadcast", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, ETH_P_ARP, 1, 60, true },
	{ "IPv6 multicast", { 0x33, 0x33, 0, 0, 0, 1 }, ETH_P_IPV6, 0x6000, 60, true },
	{ "another host", { 0x52, 0x54, 0, 0x12, 0x34, 0x57 }, ETH_P_IP, 0x4500, 60, true },
	{ "802.3 raw (IPX)", { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 46, 0xffff, 60, true },
	{ "802.2 LLC", { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 46, 0x4242, 60, true },
	{ "IPv4, 15 bytes linear", { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
	  ETH_P_IP, 0x4500, 15, false },
	{ "raw, sap paged", { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 46, 0xffff, 15, false },
};

static void nooks_test_eth_desc(const struct nooks_test_eth_case *c,
				char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nooks_test_eth, nooks_test_eth_cases, nooks_test_eth_desc);

struct nooks_gate_desc nooks_test_eth_gates[1] = {
	{
		.target = (unsigned long)eth_type_trans,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_UNKNOWN,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_eth_type_trans, nooks_test_eth_gates,
		nooks_xpc_exit);

static u64 nooks_test_drv_eth(struct sk_buff *skb, struct net_device *dev)
{
	return (__force u16)nooks_test_exit_eth_type_trans(skb, dev);
}

struct nooks_gate_desc nooks_test_desc_eth = {
	.target = (unsigned long)nooks_test_drv_eth,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_UNKNOWN,
};

NOOKS_TEST_STUB(nooks_test_entry_eth, nooks_test_desc_eth, nooks_xpc_entry);

/* A received frame of @c, its first @c->linear bytes in the linear data. */
static struct sk_buff *nooks_test_eth_skb(struct kunit *test,
					  const struct nooks_test_eth_case *c)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	struct page *page;
	u8 frame[60] = { 0 };
	__be16 v;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	memcpy(frame, c->dest, ETH_ALEN);
	memcpy(frame + ETH_ALEN, "\x52\x54\x00\x12\x34\x99", ETH_ALEN);
	v = htons(c->proto);
	memcpy(frame + 12, &v, 2);
	v = htons(c->sap);
	memcpy(frame + ETH_HLEN, &v, 2);
	skb_put_data(skb, frame, c->linear);
	if (c->linear < sizeof(frame)) {
		page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, page);
		memcpy(page_address(page), frame + c->linear,
		       sizeof(frame) - c->linear);
		skb_add_rx_frag(skb, 0, page, 0, sizeof(frame) - c->linear,
				PAGE_SIZE);
	}
	return skb;
}

static void nooks_test_local_eth_type_trans(struct kunit *test)
{
	static const u8 addr[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	const struct nooks_test_eth_case *c = test->param_value;
	struct net_device *dev = alloc_etherdev(0);
	struct nooks_domain *d = test->priv;
	struct sk_buff *mine, *kern;
	u64 out, local, proto;
	__be16 want;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	eth_hw_addr_set(dev, addr);
	kern = nooks_test_eth_skb(test, c);
	mine = nooks_test_eth_skb(test, c);
	out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
	local = nooks_domain_counter(d, NOOKS_CNT_LOCAL);

	want = eth_type_trans(kern, dev);
	proto = nooks_test_entry_eth(mine, dev);
	KUNIT_EXPECT_EQ(test, proto, (u64)(__force u16)want);
	KUNIT_EXPECT_EQ(test, (u32)mine->pkt_type, (u32)kern->pkt_type);
	KUNIT_EXPECT_EQ(test, mine->len, kern->len);
	KUNIT_EXPECT_EQ(test, skb_headroom(mine), skb_headroom(kern));
	KUNIT_EXPECT_EQ(test, mine->mac_header, kern->mac_header);
	KUNIT_EXPECT_PTR_EQ(test, mine->dev, dev);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_LOCAL),
			local + c->local);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
			out + !c->local);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	kfree_skb(kern);
	kfree_skb(mine);
	free_netdev(dev);
}

/*
 * skb_put() and skb_trim(), local in an unprotected domain on a linear
 * skb: what the kernel's do to a copy; on a nonlinear one they cross.
 */
struct nooks_gate_desc nooks_test_skb_gates[2] = {
	{
		.target = (unsigned long)skb_put,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_PTR,
	},
	{
		.target = (unsigned long)skb_trim,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_VOID,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_skb_put, nooks_test_skb_gates, nooks_xpc_exit);
NOOKS_TEST_STUB(nooks_test_exit_skb_trim, nooks_test_skb_gates + 24,
		nooks_xpc_exit);

/* Puts @put bytes (none if 0), trims to @trim; the put's offset in head. */
static u64 nooks_test_drv_skb_len(struct sk_buff *skb, unsigned int put,
				  unsigned int trim)
{
	u64 at = 0;

	if (put)
		at = (u8 *)nooks_test_exit_skb_put(skb, put) - skb->head;
	nooks_test_exit_skb_trim(skb, trim);
	return at;
}

struct nooks_gate_desc nooks_test_desc_skb_len = {
	.target = (unsigned long)nooks_test_drv_skb_len,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_UNKNOWN,
};

NOOKS_TEST_STUB(nooks_test_entry_skb_len, nooks_test_desc_skb_len,
		nooks_xpc_entry);

static void nooks_test_local_skb_len(struct kunit *test)
{
	struct sk_buff *mine = alloc_skb(256, GFP_KERNEL);
	struct sk_buff *kern = alloc_skb(256, GFP_KERNEL);
	struct nooks_domain *d = test->priv;
	struct page *page = alloc_page(GFP_KERNEL);
	u64 out, local, at;

	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_ASSERT_NOT_NULL(test, kern);
	KUNIT_ASSERT_NOT_NULL(test, page);
	skb_reserve(mine, 16);
	skb_reserve(kern, 16);
	out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
	local = nooks_domain_counter(d, NOOKS_CNT_LOCAL);

	/* linear: put 100, trim to 60, trim to 80 (nothing): all local */
	at = (u8 *)skb_put(kern, 100) - kern->head;
	skb_trim(kern, 60);
	skb_trim(kern, 80);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_skb_len(mine, 100, 60), at);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_skb_len(mine, 0, 80), 0ULL);
	KUNIT_EXPECT_EQ(test, mine->len, kern->len);
	KUNIT_EXPECT_EQ(test, mine->tail, kern->tail);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_LOCAL),
			local + 3);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), out);

	/* nonlinear: the trim crosses (the kernel's does nothing here) */
	skb_add_rx_frag(mine, 0, page, 0, 100, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_skb_len(mine, 0, 500), 0ULL);
	KUNIT_EXPECT_EQ(test, mine->len, 160U);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
			out + 1);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	kfree_skb(mine);
	kfree_skb(kern);
}

/*
 * napi_schedule_prep(), local in an unprotected domain: the state and
 * result of the kernel's own on a copy, from each state it may find.
 */
struct nooks_gate_desc nooks_test_napi_gates[1] = {
	{
		.target = (unsigned long)napi_schedule_prep,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_BOOL,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_napi_prep, nooks_test_napi_gates,
		nooks_xpc_exit);

static u64 nooks_test_drv_napi_prep(struct napi_struct *n)
{
	return nooks_test_exit_napi_prep(n);
}

struct nooks_gate_desc nooks_test_desc_napi_prep = {
	.target = (unsigned long)nooks_test_drv_napi_prep,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_UNKNOWN,
};

NOOKS_TEST_STUB(nooks_test_entry_napi_prep, nooks_test_desc_napi_prep,
		nooks_xpc_entry);

static void nooks_test_local_napi_prep(struct kunit *test)
{
	static const unsigned long states[] = {
		0, NAPIF_STATE_SCHED, NAPIF_STATE_SCHED | NAPIF_STATE_MISSED,
		NAPIF_STATE_DISABLE, NAPIF_STATE_SCHED | NAPIF_STATE_DISABLE,
		NAPIF_STATE_NPSVC | NAPIF_STATE_SCHED,
	};
	struct napi_struct *mine = kunit_kzalloc(test, sizeof(*mine), GFP_KERNEL);
	struct napi_struct *kern = kunit_kzalloc(test, sizeof(*kern), GFP_KERNEL);
	struct nooks_domain *d = test->priv;
	u64 out, local;
	unsigned int i;
	bool want;

	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_ASSERT_NOT_NULL(test, kern);
	out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
	local = nooks_domain_counter(d, NOOKS_CNT_LOCAL);
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		mine->state = states[i];
		kern->state = states[i];
		want = napi_schedule_prep(kern);
		KUNIT_EXPECT_EQ_MSG(test, nooks_test_entry_napi_prep(mine),
				    (u64)want, "state %#lx", states[i]);
		KUNIT_EXPECT_EQ_MSG(test, mine->state, kern->state,
				    "state %#lx", states[i]);
	}
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_LOCAL),
			local + ARRAY_SIZE(states));
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), out);
}

/*
 * napi_complete_done(), local in an unprotected domain when nothing is
 * to be flushed: the state and result of the kernel's own on a twin NAPI
 * context; what it cannot answer crosses (netpoll, busy polling, a
 * deferred call that is not a free, deferred hard interrupts).
 */
struct nooks_gate_desc nooks_test_napi_done_gates[1] = {
	{
		.target = (unsigned long)napi_complete_done,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_BOOL,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_napi_done, nooks_test_napi_done_gates,
		nooks_xpc_exit);

static u64 nooks_test_drv_napi_done(struct napi_struct *n, int work, int note)
{
	if (note)
		nooks_test_exit_note(1, 2, 3);
	return nooks_test_exit_napi_done(n, work);
}

struct nooks_gate_desc nooks_test_desc_napi_done = {
	.target = (unsigned long)nooks_test_drv_napi_done,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_UNKNOWN,
};

NOOKS_TEST_STUB(nooks_test_entry_napi_done, nooks_test_desc_napi_done,
		nooks_xpc_entry);

static int nooks_test_napi_poll(struct napi_struct *n, int budget)
{
	return 0;
}

static void nooks_test_local_napi_done(struct kunit *test)
{
	static const struct {
		unsigned long state;
		int work, note, defer_irqs;
		bool local;
	} cases[] = {
		{ NAPIF_STATE_SCHED, 0, 0, 0, true },
		{ NAPIF_STATE_SCHED, 5, 0, 0, true },
		{ NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC, 0, 0, 0, false },
		{ NAPIF_STATE_SCHED | NAPIF_STATE_IN_BUSY_POLL, 0, 0, 0, false },
		{ NAPIF_STATE_SCHED, 0, 1, 0, false },
		{ NAPIF_STATE_SCHED, 5, 0, 1, false },
	};
	struct napi_struct *mine = kunit_kzalloc(test, sizeof(*mine), GFP_KERNEL);
	struct napi_struct *kern = kunit_kzalloc(test, sizeof(*kern), GFP_KERNEL);
	struct nooks_domain *d = test->priv;
	struct net_device *dev = alloc_etherdev(0);
	u64 out, local, dout, dlocal, got;
	unsigned int i;
	bool want;

	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_ASSERT_NOT_NULL(test, kern);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	/* the note's gate may defer */
	d->gates = nooks_test_defer_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_defer_gates);
	netif_napi_add(dev, mine, nooks_test_napi_poll);
	netif_napi_add(dev, kern, nooks_test_napi_poll);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		dev->napi_defer_hard_irqs = cases[i].defer_irqs;
		mine->state = cases[i].state;
		kern->state = cases[i].state;
		mine->defer_hard_irqs_count = 0;
		kern->defer_hard_irqs_count = 0;
		out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
		local = nooks_domain_counter(d, NOOKS_CNT_LOCAL);
		want = napi_complete_done(kern, cases[i].work);
		got = nooks_test_entry_napi_done(mine, cases[i].work,
						 cases[i].note);
		KUNIT_EXPECT_EQ_MSG(test, got, (u64)want, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, mine->state, kern->state, "case %u", i);
		dout = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT) - out;
		dlocal = nooks_domain_counter(d, NOOKS_CNT_LOCAL) - local;
		/* the note, deferred, crosses at the end, or before the call */
		KUNIT_EXPECT_EQ_MSG(test, dlocal, (u64)cases[i].local,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, dout, (u64)!cases[i].local,
				    "case %u", i);
	}
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	free_netdev(dev);
}

/*
 * dql_completed(), local in an unprotected domain: the kernel's own, on
 * the driver's queue limits, after the check of its wrapper. More
 * completed than queued crosses, and the wrapper fails the domain
 * instead of the kernel's BUG_ON.
 */
struct nooks_gate_desc nooks_test_dql_gates[1] = {
	{
		.target = (unsigned long)dql_completed,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_VOID,
	},
};

NOOKS_TEST_STUB(nooks_test_exit_dql_completed, nooks_test_dql_gates,
		nooks_xpc_exit);

static int nooks_test_drv_dql(struct dql *dql, unsigned int count)
{
	nooks_test_exit_dql_completed(dql, count);
	return 1;
}

struct nooks_gate_desc nooks_test_desc_dql = {
	.target = (unsigned long)nooks_test_drv_dql,
	.kind = NOOKS_GATE_ENTRY,
	.ret_class = NOOKS_RET_INT,
};

NOOKS_TEST_STUB(nooks_test_entry_dql, nooks_test_desc_dql, nooks_xpc_entry);

static void nooks_test_local_dql(struct kunit *test)
{
	const struct nooks_wrapper *wrap[1] = {
		nooks_wrapper_find("dql_completed"),
	};
	struct dql *mine = kunit_kzalloc(test, sizeof(*mine), GFP_KERNEL);
	struct dql *kern = kunit_kzalloc(test, sizeof(*kern), GFP_KERNEL);
	struct nooks_domain *d = test->priv;
	u64 out, local;

	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_ASSERT_NOT_NULL(test, kern);
	KUNIT_ASSERT_NOT_NULL(test, wrap[0]);
	d->gates = nooks_test_dql_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_dql_gates);
	WRITE_ONCE(d->wrap, wrap);
	dql_init(mine, HZ);
	dql_init(kern, HZ);
	dql_queued(mine, 3000);
	dql_queued(kern, 3000);
	out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);
	local = nooks_domain_counter(d, NOOKS_CNT_LOCAL);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_dql(mine, 1000), 1);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_dql(mine, 2000), 1);
	dql_completed(kern, 1000);
	dql_completed(kern, 2000);
	/* a tick between the two runs moves only when the slack was measured */
	mine->slack_start_time = kern->slack_start_time;
	KUNIT_EXPECT_EQ(test, memcmp(mine, kern, sizeof(*mine)), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_LOCAL), local + 2);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT), out);

	/* nothing left in flight: one more completed is the domain's fault */
	KUNIT_EXPECT_EQ(test, nooks_test_entry_dql(mine, 1), -EIO);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_EQ(test, mine->num_completed, 3000U);
	WRITE_ONCE(d->wrap, NULL);
}

/*
 * The receive pool (domains/rxpool.h): a NAPI poll's napi_alloc_skb()
 * calls, answered in the domain from skbs recorded as the domain's
 * before the poll crossed in. The first poll learns (its allocations
 * cross); then twice as many as the last poll took, of the size it
 * asked for, are there; what a poll did not take is the kernel's again when it
 * returns, and recovery's when it faults. A larger size than the
 * pool's, or a NAPI context not the poll's, crosses.
 */
int nooks_test_entry_rxpoll(struct napi_struct *napi, int budget);
struct sk_buff *nooks_test_exit_napi_alloc_skb(struct napi_struct *napi,
					       unsigned int len, gfp_t gfp);
static int nooks_test_drv_rxpoll(struct napi_struct *napi, int budget);

struct nooks_gate_desc nooks_test_rxpool_gates[2] = {
	{
		.target = (unsigned long)nooks_test_drv_rxpoll,
		.kind = NOOKS_GATE_ENTRY,
		.ret_class = NOOKS_RET_INT,
	},
	{
		.target = (unsigned long)__napi_alloc_skb,
		.kind = NOOKS_GATE_EXIT | NOOKS_GATE_LOCAL,
		.ret_class = NOOKS_RET_PTR,
	},
};

/* the exit stub's descriptor is the second: 24 bytes in */
static_assert(sizeof(struct nooks_gate_desc) == 24);
NOOKS_TEST_STUB(nooks_test_entry_rxpoll, nooks_test_rxpool_gates,
		nooks_xpc_entry);
NOOKS_TEST_STUB(nooks_test_exit_napi_alloc_skb, nooks_test_rxpool_gates + 24,
		nooks_xpc_exit);

/* What the fake poll allocates, and what it got. */
static struct {
	struct nooks_domain *d;
	struct napi_struct *napi;	/* whose context it allocates with */
	unsigned int len[8];
	bool fault;			/* after its allocations */
	struct sk_buff *skb[8];
	bool held[8];			/* the domain's when it got it */
	bool room[8];			/* len bytes of tailroom, napi's dev */
} nooks_rp;

static int nooks_test_drv_rxpoll(struct napi_struct *napi, int budget)
{
	struct sk_buff *skb;
	int i;

	for (i = 0; i < budget && i < ARRAY_SIZE(nooks_rp.len); i++) {
		skb = nooks_test_exit_napi_alloc_skb(nooks_rp.napi,
						     nooks_rp.len[i],
						     GFP_ATOMIC);
		nooks_rp.skb[i] = skb;
		if (!skb)
			continue;
		nooks_rp.held[i] = nooks_objtrack_holds(&nooks_rp.d->objects,
							NOOKS_OBJ_SKB, skb);
		nooks_rp.room[i] = skb_tailroom(skb) >= nooks_rp.len[i] &&
				   !skb->len && skb->dev == napi->dev;
		/* handed up: the stack's (the wrapper would forget it) */
		nooks_objtrack_remove(&nooks_rp.d->objects, NOOKS_OBJ_SKB, skb);
		kfree_skb(skb);
	}
	if (nooks_rp.fault)
		WRITE_ONCE(*READ_ONCE(nooks_test_bad_ptr), 1);
	return i;
}

/* One poll of @budget with lengths @len; the calls that crossed out. */
static u64 nooks_test_rxpoll(struct kunit *test, struct napi_struct *napi,
			     int budget, const unsigned int *len)
{
	struct nooks_domain *d = nooks_rp.d;
	u64 out = nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT);

	memcpy(nooks_rp.len, len, budget * sizeof(*len));
	memset(nooks_rp.held, 0, sizeof(nooks_rp.held));
	memset(nooks_rp.room, 0, sizeof(nooks_rp.room));
	local_bh_disable();
	nooks_test_entry_rxpoll(napi, budget);
	local_bh_enable();
	return nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT) - out;
}

static void nooks_test_local_rxpool(struct kunit *test)
{
	static const unsigned int small[4] = { 60, 100, 128, 60 };
	static const unsigned int big[1] = { 300 };
	const struct nooks_wrapper *wrap[2] = { NULL, NULL };
	struct nooks_domain *d = test->priv;
	struct net_device *dev = alloc_etherdev(0);
	struct napi_struct *napi = kunit_kzalloc(test, 2 * sizeof(*napi),
						 GFP_KERNEL);
	struct nooks_xpc_frame add = { .domain = d };
	struct nooks_rxpool *p;
	unsigned int i, j;
	bool held;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, napi);
	memset(&nooks_rp, 0, sizeof(nooks_rp));
	nooks_rp.d = d;
	nooks_rp.napi = napi;
	napi[0].dev = dev;
	napi[1].dev = dev;
	d->gates = nooks_test_rxpool_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_rxpool_gates);
	d->stubs_start = (unsigned long)nooks_test_entry_rxpoll;
	d->stubs_end = d->stubs_start + NOOKS_STUB_SIZE;
	WRITE_ONCE(d->wrap, wrap);
	/* netif_napi_add_weight's pre= gives the poll's entry its pool */
	add.rdx = (unsigned long)nooks_test_entry_rxpoll;
	nooks_wrap_netif_napi_add_weight(&add);
	KUNIT_ASSERT_NOT_NULL(test, wrap[0]);

	/* this CPU's pool throughout; each poll with bottom halves off */
	migrate_disable();
	p = this_cpu_ptr(&nooks_rxpool);
	/* the first learns: each allocation crosses */
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 2, small), 2ULL);
	/*
	 * a steady stream crosses for none, each skb the domain's: the
	 * next pool has twice what the last poll took or crossed for
	 */
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 2, small), 0ULL);
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 4, small), 0ULL);
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 4, small), 0ULL);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, nooks_rp.held[i], "skb %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, nooks_rp.room[i], "skb %u", i);
	}
	/* a poll that takes 1: those left are the kernel's again, spares */
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 1, small), 0ULL);
	KUNIT_EXPECT_GE(test, p->filled, 2U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects, NOOKS_OBJ_SKB),
			0UL);
	KUNIT_EXPECT_GE(test, p->spares, p->filled - 1);
	KUNIT_EXPECT_NULL(test, p->frame);
	/* larger than the pool's: crosses, and the next pool is larger */
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 1, big), 1ULL);
	KUNIT_EXPECT_EQ(test, p->len, 384U);
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 1, big), 0ULL);
	KUNIT_EXPECT_TRUE(test, nooks_rp.room[0]);
	/* another NAPI context's allocation crosses */
	nooks_rp.napi = napi + 1;
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 1, small), 1ULL);
	nooks_rp.napi = napi;
	/* a poll that faults leaves what it did not take to recovery */
	KUNIT_EXPECT_EQ(test, nooks_test_rxpoll(test, napi, 2, small), 1ULL);
	nooks_rp.fault = true;
	nooks_test_bad_ptr = NULL;
	local_bh_disable();
	KUNIT_EXPECT_EQ(test, nooks_test_entry_rxpoll(napi, 1), -EIO);
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_FAILED);
	KUNIT_EXPECT_NULL(test, p->frame);
	KUNIT_ASSERT_GE(test, p->filled, 2U);
	/* it took the last; the others are the domain's, not spares */
	for (i = 0; i < p->filled - 1; i++) {
		held = nooks_objtrack_holds(&d->objects, NOOKS_OBJ_SKB,
					    p->skb[i]);
		KUNIT_EXPECT_TRUE_MSG(test, held, "skb %u", i);
		for (j = 0; j < p->spares; j++)
			KUNIT_EXPECT_PTR_NE(test, p->spare[j], p->skb[i]);
	}
	flush_work(&d->fault_work);
	for (i = 0; i < p->filled - 1; i++)
		if (!nooks_objtrack_remove(&d->objects, NOOKS_OBJ_SKB,
					   p->skb[i]))
			kfree_skb(p->skb[i]);
	migrate_enable();
	nooks_rxpool_uninit();
	WRITE_ONCE(d->wrap, NULL);
	free_netdev(dev);
}

static void nooks_test_unbound(struct kunit *test)
{
	/* A module gone from its domain: late calls get the failure value. */
	WRITE_ONCE(nooks_test_manifest.domain, 0);
	KUNIT_EXPECT_EQ(test, nooks_test_entry_outer(1), -EIO);
	KUNIT_EXPECT_NULL(test, nooks_test_entry_ptr());
	KUNIT_EXPECT_EQ(test, nooks_seen.driver_calls, 0);
}

static void nooks_test_failure_values(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, nooks_xpc_ret_failure(NOOKS_RET_INT),
			(unsigned long)-EIO);
	KUNIT_EXPECT_EQ(test, nooks_xpc_ret_failure(NOOKS_RET_PTR), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_xpc_ret_failure(NOOKS_RET_BOOL), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_xpc_ret_failure(NOOKS_RET_VOID), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_xpc_ret_failure(NOOKS_RET_UNKNOWN), 0UL);
}

static struct kunit_case nooks_xpc_test_cases[] = {
	KUNIT_CASE(nooks_test_entry_args),
	KUNIT_CASE(nooks_test_exit_args),
	KUNIT_CASE(nooks_test_nesting),
	KUNIT_CASE(nooks_test_migration),
	KUNIT_CASE(nooks_test_fast_path),
	KUNIT_CASE(nooks_test_failed_domain),
	KUNIT_CASE(nooks_test_fault_contained),
	KUNIT_CASE(nooks_test_fault_state_restored),
	KUNIT_CASE(nooks_test_fault_kernel_address),
	KUNIT_CASE_PARAM(nooks_test_trap_contained, nooks_trap_gen_params),
	KUNIT_CASE_PARAM(nooks_test_exit_unwinds, nooks_fail_when_gen_params),
	KUNIT_CASE(nooks_test_unbound),
	KUNIT_CASE(nooks_test_failure_values),
	KUNIT_CASE(nooks_test_typed_wrappers),
	KUNIT_CASE(nooks_test_leaf_call),
	KUNIT_CASE_PARAM(nooks_test_defer_calls, nooks_test_defer_gen_params),
	KUNIT_CASE(nooks_test_defer_bad_param),
	KUNIT_CASE(nooks_test_batch_calls),
	KUNIT_CASE(nooks_test_premade_calls),
	KUNIT_CASE(nooks_test_local_calls),
	KUNIT_CASE_PARAM(nooks_test_local_eth_type_trans, nooks_test_eth_gen_params),
	KUNIT_CASE(nooks_test_local_skb_len),
	KUNIT_CASE(nooks_test_local_napi_prep),
	KUNIT_CASE(nooks_test_local_napi_done),
	KUNIT_CASE(nooks_test_local_dql),
	KUNIT_CASE(nooks_test_local_rxpool),
	KUNIT_CASE(nooks_test_entry_wrapper),
	KUNIT_CASE_PARAM(nooks_test_locks_unwound, nooks_test_unwound_gen_params),
	KUNIT_CASE(nooks_test_locks_kept),
	KUNIT_CASE_PARAM(nooks_test_hang_across_calls, nooks_test_wait_gen_params),
	{}
};

static struct kunit_suite nooks_xpc_test_suite = {
	.name = "nooks_xpc",
	.init = nooks_xpc_test_init,
	.exit = nooks_xpc_test_exit,
	.test_cases = nooks_xpc_test_cases,
};

kunit_test_suite(nooks_xpc_test_suite);
