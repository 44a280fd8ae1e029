// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose init faults on request, to show a fault in isolated
 * driver code contained: fault=1 reads through NULL, 2 writes into a
 * vmalloc guard page, 3 reads through a non-canonical pointer (#GP), 4
 * divides by zero (#DE), 5 is BUG() (#UD); bad parameters a typed wrapper
 * catches: 6 frees a buffer twice, 7 frees a pointer it never allocated,
 * 8 frees an ERR_PTR; 9 recurses until it runs off the stack; 10 spins
 * with preemption off (the entry took it), 11 with interrupts off; 12
 * reads through NULL holding rtnl_lock, 13 holding a spinlock with
 * bottom halves off and inside it one with interrupts off; 14 loops on a
 * kernel call that never sleeps; 15 has a kernel MMIO accessor (ioread32,
 * a leaf) read a vmalloc guard page; 16 calls through a NULL function
 * pointer; 17 writes the word at its stack's end (the scheduler's
 * STACK_END_MAGIC), as the last frame of 9 may, and then does 9. With
 * fault=0 it loads and does nothing.
 */
#include <linux/init.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

static int nooks_test_fault;
module_param_named(fault, nooks_test_fault, int, 0444);

static int *nooks_test_null;
static void (*nooks_test_null_fn)(void);
static int nooks_test_zero;
static int nooks_test_static;
static unsigned long nooks_test_depth = ULONG_MAX;
static DEFINE_SPINLOCK(nooks_test_lock_irq);
static DEFINE_SPINLOCK(nooks_test_lock_bh);

/* Deeper than any stack, one 512-byte frame at a time. */
static noinline unsigned long nooks_test_recurse(unsigned long n)
{
	char buf[512];

	buf[0] = n;
	barrier_data(buf);
	if (n < READ_ONCE(nooks_test_depth))
		return nooks_test_recurse(n + 1) + buf[0];
	return buf[0];
}

static int __init nooks_test_fault_init(void)
{
	char *page;

	switch (nooks_test_fault) {
	case 1:
		return READ_ONCE(*READ_ONCE(nooks_test_null));
	case 2:
		page = vmalloc(PAGE_SIZE);
		if (!page)
			return -ENOMEM;
		WRITE_ONCE(page[PAGE_SIZE], 1);
		vfree(page);
		return 0;
	case 3:
		return READ_ONCE(*(int *)0xdead000000000000UL);
	case 4:
		return READ_ONCE(nooks_test_fault) / READ_ONCE(nooks_test_zero);
	case 5:
		BUG();
	case 6:
		page = kmalloc(64, GFP_KERNEL);
		kfree(page);
		kfree(READ_ONCE(page));
		return 0;
	case 7:
		kfree(&nooks_test_static);
		return 0;
	case 8:
		kfree(ERR_PTR(-ENOMEM));
		return 0;
	case 9:
		return nooks_test_recurse(0) ? 0 : 1;
	case 17:
		/* as a frame of the recursion may, before the guard page */
		WRITE_ONCE(*end_of_stack(current), 0);
		return nooks_test_recurse(0) ? 0 : 1;
	case 10:
		for (;;)
			cpu_relax();
	case 11:
		local_irq_disable();
		for (;;)
			cpu_relax();
	case 12:
		rtnl_lock();
		return READ_ONCE(*READ_ONCE(nooks_test_null));
	case 13: {
		unsigned long flags;

		spin_lock_bh(&nooks_test_lock_bh);
		spin_lock_irqsave(&nooks_test_lock_irq, flags);
		return READ_ONCE(*READ_ONCE(nooks_test_null)) + flags;
	}
	case 14: {
		u32 x;

		for (;;)
			get_random_bytes(&x, sizeof(x));
	}
	case 16:
		READ_ONCE(nooks_test_null_fn)();
		return 0;
	case 15:
		page = vmalloc(PAGE_SIZE);
		if (!page)
			return -ENOMEM;
		ioread32((void __iomem *)(page + PAGE_SIZE));
		vfree(page);
		return 0;
	}
	return 0;
}
module_init(nooks_test_fault_init);

static void __exit nooks_test_fault_exit(void)
{
}
module_exit(nooks_test_fault_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks test: a driver that faults when asked");
