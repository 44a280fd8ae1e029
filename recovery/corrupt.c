// SPDX-License-Identifier: GPL-2.0
/*
 * Objects a failed driver corrupted, which recovery leaks rather than
 * releases. A domain may write its net_device (it is granted: the
 * driver's private area and the fields drivers set live in it), and so
 * may overwrite the pointers the kernel keeps there and frees with it.
 * free_netdev() then frees garbage (the campaign's dummy 38: kfree of its
 * ingress_queue) or walks a broken list (e1000 199: its napi_list), and
 * the kernel oopses after the fault was contained. Before releasing, the
 * net_devices the domain holds are checked: a pointer the kernel would
 * free must be the kernel's heap, a list it would walk must hold
 * together. One that does not is forgotten, with a warning: its memory
 * is lost, the kernel goes on.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/uaccess.h>

#include "../core/domain.h"
#include "../objtrack/objtrack.h"
#include "recovery.h"

/* The longest list of a net_device it walks; longer is corrupted. */
#define NOOKS_CORRUPT_LIST_MAX	4096

/* Memory the kernel's allocators give: the direct map, or mapped vmalloc. */
static bool nooks_corrupt_heap(const void *p)
{
	unsigned long v;

	if (virt_addr_valid(p))
		return true;
	return is_vmalloc_addr(p) && !get_kernel_nofault(v, (unsigned long *)p);
}

/* Does the list at @head go round, each node's prev its predecessor? */
static bool nooks_corrupt_list_ok(const struct list_head *head)
{
	const struct list_head *pos = head;
	struct list_head *next, *prev;
	unsigned int n = 0;

	do {
		if (get_kernel_nofault(next, &pos->next) || !next ||
		    !nooks_corrupt_heap(next) ||
		    get_kernel_nofault(prev, &next->prev) || prev != pos)
			return false;
		pos = next;
	} while (pos != head && ++n < NOOKS_CORRUPT_LIST_MAX);
	return pos == head;
}

/* A per-CPU pointer whose units lie in the kernel's memory. */
static bool nooks_corrupt_percpu(const void __percpu *p)
{
	return p && nooks_corrupt_heap(per_cpu_ptr(p, 0));
}

/**
 * nooks_recovery_netdev_sane() - may free_netdev() be given this device?
 * @dev: a net_device a failed domain holds
 *
 * Checks what free_netdev() and unregistering free or walk: its queues,
 * its ingress queue, its per-CPU reference counts and XDP bulk queue,
 * its NAPI and address lists, its registration state.
 *
 * Context: any; reads through fault-safe accessors where the pointer is
 * the driver's to corrupt.
 * Return: false if the driver corrupted any of it.
 */
bool nooks_recovery_netdev_sane(const struct net_device *dev)
{
	const void *ingress = rcu_access_pointer(dev->ingress_queue);

	if (READ_ONCE(dev->reg_state) > NETREG_DUMMY)
		return false;
	if (!nooks_corrupt_heap(dev->_tx) || !nooks_corrupt_heap(dev->_rx))
		return false;
	if (ingress && !nooks_corrupt_heap(ingress))
		return false;
#ifdef CONFIG_PCPU_DEV_REFCNT
	if (!nooks_corrupt_percpu(dev->pcpu_refcnt))
		return false;
#endif
	if (dev->xdp_bulkq && !nooks_corrupt_percpu(dev->xdp_bulkq))
		return false;
	return nooks_corrupt_list_ok(&dev->napi_list) &&
	       nooks_corrupt_list_ok(&dev->dev_addrs.list) &&
	       nooks_corrupt_list_ok(&dev->uc.list) &&
	       nooks_corrupt_list_ok(&dev->mc.list);
}
EXPORT_SYMBOL_NS_GPL(nooks_recovery_netdev_sane, NOOKS_INTERNAL);

/* Visitor: forget a corrupted net_device instead of freeing it. */
static void nooks_corrupt_netdev_one(struct nooks_object *obj, void *arg)
{
	struct net_device *dev = (struct net_device *)obj->key.addr;
	unsigned int *leaked = arg;

	if (nooks_recovery_netdev_sane(dev))
		return;
	obj->release = NULL;
	(*leaked)++;
}

/**
 * nooks_recovery_leak_corrupt() - forget what the driver corrupted
 * @d: a failed domain, before its objects are released
 *
 * A corrupted net_device stays tracked (its registration too is released
 * as usual, which is the unregistering the stack needs) but is not freed.
 *
 * Context: process context, no thread left in the driver.
 */
void nooks_recovery_leak_corrupt(struct nooks_domain *d)
{
	unsigned int leaked = 0;

	nooks_objtrack_visit_type(&d->objects, NOOKS_OBJ_NETDEV,
				  nooks_corrupt_netdev_one, &leaked);
	if (leaked)
		pr_warn("domain %s: %u net_device%s its driver corrupted (pointers the kernel frees, lists it walks): leaked, not freed\n",
			d->name, leaked, leaked == 1 ? "" : "s");
}
