// SPDX-License-Identifier: GPL-2.0
/*
 * Object tracker. The hash buckets give O(1) add and remove from the typed
 * wrappers (for up to a few thousand live objects; the table does not
 * grow); the list keeps acquisition order so recovery can release the
 * newest object first (a timer before the memory it points into).
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/slab.h>

#include "objtrack.h"

const char *const nooks_obj_type_names[NOOKS_OBJ_COUNT] = {
	[NOOKS_OBJ_MEMORY] = "memory",
	[NOOKS_OBJ_IRQ] = "irq",
	[NOOKS_OBJ_TIMER] = "timer",
	[NOOKS_OBJ_WORK] = "work",
	[NOOKS_OBJ_TASKLET] = "tasklet",
	[NOOKS_OBJ_NAPI] = "napi",
	[NOOKS_OBJ_NETDEV] = "netdev",
	[NOOKS_OBJ_SKB] = "skb",
	[NOOKS_OBJ_BLK_MQ] = "blk_mq",
	[NOOKS_OBJ_GENDISK] = "gendisk",
	[NOOKS_OBJ_PCI] = "pci",
	[NOOKS_OBJ_DMA] = "dma",
	[NOOKS_OBJ_IOMAP] = "iomap",
	[NOOKS_OBJ_CHRDEV] = "chrdev",
	[NOOKS_OBJ_SYSFS] = "sysfs",
	[NOOKS_OBJ_KTHREAD] = "kthread",
	[NOOKS_OBJ_WORKQUEUE] = "workqueue",
	[NOOKS_OBJ_NOTIFIER] = "notifier",
	[NOOKS_OBJ_LOCK] = "lock",
};
EXPORT_SYMBOL_NS_GPL(nooks_obj_type_names, NOOKS_INTERNAL);

static_assert(ARRAY_SIZE(nooks_obj_type_names) == NOOKS_OBJ_COUNT);

static struct hlist_head *nooks_objtrack_bucket(struct nooks_objtrack *t,
						unsigned long addr,
						unsigned long type)
{
	return &t->buckets[hash_long(addr ^ type, NOOKS_OBJTRACK_BITS)];
}

/* Caller holds t->lock. */
static struct nooks_object *nooks_objtrack_find(struct nooks_objtrack *t,
						unsigned long addr,
						unsigned long type)
{
	struct nooks_object *obj;

	lockdep_assert_held(&t->lock);
	hlist_for_each_entry(obj, nooks_objtrack_bucket(t, addr, type), hnode)
		if (obj->key.addr == addr && obj->key.type == type)
			return obj;
	return NULL;
}

/**
 * nooks_objtrack_init() - set up an empty tracker
 * @t: the tracker
 *
 * Return: 0, or -ENOMEM.
 */
int nooks_objtrack_init(struct nooks_objtrack *t)
{
	unsigned int i, n = 1U << NOOKS_OBJTRACK_BITS;

	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->order);
	memset(t->count, 0, sizeof(t->count));
	t->memory_bytes = 0;
	t->buckets = kvmalloc_array(n, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&t->buckets[i]);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_init, NOOKS_INTERNAL);

/**
 * nooks_objtrack_uninit() - release what is left and tear down
 * @t: the tracker
 *
 * Context: process context; release functions may sleep.
 */
void nooks_objtrack_uninit(struct nooks_objtrack *t)
{
	nooks_objtrack_release_all(t);
	kvfree(t->buckets);
	t->buckets = NULL;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_uninit, NOOKS_INTERNAL);

/* Caller holds t->lock. */
static void nooks_objtrack_unlink(struct nooks_objtrack *t,
				  struct nooks_object *obj)
{
	hlist_del(&obj->hnode);
	list_del(&obj->order);
	t->count[obj->key.type]--;
	if (obj->key.type == NOOKS_OBJ_MEMORY)
		t->memory_bytes -= obj->size;
}

/**
 * nooks_objtrack_add() - record that the domain acquired an object
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address, the lookup key with @type
 * @size: bytes charged to memory_bytes (memory objects only)
 * @release: how recovery releases it, or NULL if nothing is to be done
 * @site: the driver code address that acquired it, for reports
 * @gfp: allocation flags of the caller's context
 *
 * Return: 0; -EEXIST if @addr is already tracked with @type; -ENOMEM.
 */
int nooks_objtrack_add(struct nooks_objtrack *t, enum nooks_obj_type type,
		       const void *addr, size_t size,
		       void (*release)(struct nooks_object *obj),
		       unsigned long site, gfp_t gfp)
{
	struct nooks_object *obj;
	unsigned long flags;
	bool dup;

	if (WARN_ON_ONCE(type >= NOOKS_OBJ_COUNT))
		return -EINVAL;
	obj = kzalloc(sizeof(*obj), gfp);
	if (!obj)
		return -ENOMEM;
	obj->key.addr = (unsigned long)addr;
	obj->key.type = type;
	obj->size = size;
	obj->site = site;
	obj->release = release;

	spin_lock_irqsave(&t->lock, flags);
	dup = nooks_objtrack_find(t, obj->key.addr, type);
	if (!dup) {
		hlist_add_head(&obj->hnode,
			       nooks_objtrack_bucket(t, obj->key.addr, type));
		list_add_tail(&obj->order, &t->order);
		t->count[type]++;
		if (type == NOOKS_OBJ_MEMORY)
			t->memory_bytes += size;
	}
	spin_unlock_irqrestore(&t->lock, flags);

	if (dup) {
		kfree(obj);
		return -EEXIST;
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_add, NOOKS_INTERNAL);

/**
 * nooks_objtrack_remove() - record that the domain released an object
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address
 *
 * The release function is not called: the driver released it itself.
 *
 * Return: 0, or -ENOENT if the domain does not hold it (a wrapper turns
 * that into a fault of the domain).
 */
int nooks_objtrack_remove(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr)
{
	struct nooks_object *obj;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	obj = nooks_objtrack_find(t, (unsigned long)addr, type);
	if (obj)
		nooks_objtrack_unlink(t, obj);
	spin_unlock_irqrestore(&t->lock, flags);

	if (!obj)
		return -ENOENT;
	kfree(obj);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_remove, NOOKS_INTERNAL);

/**
 * nooks_objtrack_holds() - does the domain hold this object?
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address
 *
 * Return: true if it is tracked.
 */
bool nooks_objtrack_holds(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr)
{
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&t->lock, flags);
	found = nooks_objtrack_find(t, (unsigned long)addr, type);
	spin_unlock_irqrestore(&t->lock, flags);
	return found;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_holds, NOOKS_INTERNAL);

/**
 * nooks_objtrack_release_all() - release every object, newest first
 * @t: the tracker
 *
 * Context: process context; release functions may sleep.
 * Return: how many objects were released.
 */
unsigned int nooks_objtrack_release_all(struct nooks_objtrack *t)
{
	struct nooks_object *obj;
	unsigned int n = 0;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&t->lock, flags);
		obj = NULL;
		if (!list_empty(&t->order)) {
			obj = list_last_entry(&t->order, struct nooks_object,
					      order);
			nooks_objtrack_unlink(t, obj);
		}
		spin_unlock_irqrestore(&t->lock, flags);
		if (!obj)
			break;
		if (obj->release)
			obj->release(obj);
		kfree(obj);
		n++;
	}
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_release_all, NOOKS_INTERNAL);
