// SPDX-License-Identifier: GPL-2.0
/*
 * Locks held by driver code that faulted.
 *
 * A lock the driver takes through a typed wrapper (sync.spec: spinlocks,
 * mutexes, rwsems, rtnl) is a tracked object owned by the crossing its
 * driver code runs under: the exit frame's caller, counted in that entry
 * frame's locks field (struct nooks_object.owner). When that driver code
 * faults and its thread unwinds to the entry gate, the thread releases
 * the locks it took, newest first, as the driver would have: the next
 * user of rtnl, or of a spinlock the kernel shares with the driver, does
 * not wait for good (Nooks' four uncontained crashes were deadlocks of
 * this kind; so were every one of dummy's in our first campaign).
 *
 * A lock the driver returns with (taken in one call, released in
 * another) is owned by no crossing once its call ends; recovery only
 * forgets it, since the thread that took it is gone (recovery/recovery.c).
 */
#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/printk.h>

#include "../core/domain.h"
#include "../domains/xpc.h"
#include "wrap.h"

/*
 * Release one lock and free its record. Unwinding is no release the
 * driver made: the wrappers of the unlock functions are not involved.
 */
static notrace void nooks_wrap_locks_release(struct nooks_object *obj)
{
	if (obj->release)
		obj->release(obj);
	nooks_objtrack_free(obj);
}

/**
 * nooks_wrap_locks_unwind() - release the spinlocks of faulted driver code
 * @f: the entry frame being unwound, still this CPU's current one
 * @sleeping: gets the records of the sleeping locks it holds, newest
 *	first, for nooks_wrap_locks_unwind_sleeping()
 *
 * Called with the preemption count and interrupt state the driver code
 * had at the fault, so each unlock gives back what its lock took; a
 * _bh unlock may run pending softirqs, as it would have in the driver.
 * Every lock the crossing owns leaves the tracker.
 *
 * Context: the unwinding thread, in the context of the entry.
 */
notrace void nooks_wrap_locks_unwind(struct nooks_xpc_frame *f,
				     struct list_head *sleeping)
{
	struct nooks_domain *d = f->domain;
	struct nooks_object *obj, *tmp;
	unsigned int n;
	LIST_HEAD(held);

	n = nooks_objtrack_take_owned(&d->objects, &f->locks, &held);
	list_for_each_entry_safe(obj, tmp, &held, order) {
		list_del(&obj->order);
		if (obj->flags & NOOKS_OBJF_SLEEPS) {
			list_add_tail(&obj->order, sleeping);
			continue;
		}
		nooks_wrap_locks_release(obj);
	}
	pr_info("domain %s: its faulted code held %u lock%s: released by the unwinding thread\n",
		d->name, n, n == 1 ? "" : "s");
}

/**
 * nooks_wrap_locks_unwind_sleeping() - release the sleeping locks it held
 * @d: the domain
 * @sleeping: from nooks_wrap_locks_unwind(), newest first
 *
 * After the crossing ended, in the context of the kernel code that made
 * it: rtnl_unlock() may sleep. Where that context cannot sleep, the
 * driver could not have taken them either; they go back to the tracker,
 * owned by nobody, for recovery to forget.
 */
void nooks_wrap_locks_unwind_sleeping(struct nooks_domain *d,
				      struct list_head *sleeping)
{
	struct nooks_object *obj, *tmp;
	bool can_sleep = preemptible() && !in_interrupt();

	list_for_each_entry_safe(obj, tmp, sleeping, order) {
		list_del(&obj->order);
		if (can_sleep) {
			nooks_wrap_locks_release(obj);
			continue;
		}
		if (nooks_objtrack_insert(&d->objects, obj))
			nooks_objtrack_free(obj);
	}
	if (!can_sleep)
		pr_warn("domain %s: sleeping locks held where no sleep is allowed: left to recovery\n",
			d->name);
}
