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
#define NOOKS_OBJ_TYPE(NAME, name, flags, what) \
	[NOOKS_OBJ_##NAME] = #name,
#include "types.h"
#undef NOOKS_OBJ_TYPE
};
EXPORT_SYMBOL_NS_GPL(nooks_obj_type_names, NOOKS_INTERNAL);

static const u8 nooks_obj_type_flags[NOOKS_OBJ_COUNT] = {
#define NOOKS_OBJ_TYPE(NAME, name, flags, what) \
	[NOOKS_OBJ_##NAME] = flags,
#include "types.h"
#undef NOOKS_OBJ_TYPE
};

/**
 * nooks_objtrack_type_flags() - the NOOKS_OBJF_* flags of a type
 * @type: the type
 *
 * Return: NOOKS_OBJF_EMBEDDED or 0.
 */
unsigned int nooks_objtrack_type_flags(enum nooks_obj_type type)
{
	return type < NOOKS_OBJ_COUNT ? nooks_obj_type_flags[type] : 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_type_flags, NOOKS_INTERNAL);

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
	INIT_LIST_HEAD(&t->embedded);
	memset(t->count, 0, sizeof(t->count));
	t->memory_bytes = 0;
	t->ungrant = NULL;
	t->buckets = kvmalloc_array(n, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&t->buckets[i]);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_init, NOOKS_INTERNAL);

/**
 * nooks_objtrack_uninit() - tear down, forgetting what is left
 * @t: the tracker
 *
 * Objects still tracked are not released: by now the driver that held
 * them is gone, and a release no wrapper saw would make this a double
 * free. Recovery releases a failed driver's objects before this.
 *
 * Return: how many objects were forgotten.
 */
unsigned int nooks_objtrack_uninit(struct nooks_objtrack *t)
{
	struct nooks_object *obj, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(obj, tmp, &t->order, order) {
		nooks_objtrack_free(obj);
		n++;
	}
	INIT_LIST_HEAD(&t->order);
	INIT_LIST_HEAD(&t->embedded);
	kvfree(t->buckets);
	t->buckets = NULL;
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_uninit, NOOKS_INTERNAL);

/* Caller holds t->lock. */
static void nooks_objtrack_unlink(struct nooks_objtrack *t,
				  struct nooks_object *obj)
{
	hlist_del(&obj->hnode);
	list_del(&obj->order);
	if (obj->flags & NOOKS_OBJF_EMBEDDED)
		list_del(&obj->inner);
	t->count[obj->key.type]--;
	if (obj->key.type == NOOKS_OBJ_MEMORY)
		t->memory_bytes -= obj->size;
	if (obj->owner)
		(*obj->owner)--;
	obj->owner = NULL;
}

/**
 * nooks_objtrack_alloc() - a blank object to fill and insert
 * @gfp: allocation flags of the caller's context
 *
 * Return: the object, or NULL.
 */
struct nooks_object *nooks_objtrack_alloc(gfp_t gfp)
{
	return kzalloc(sizeof(struct nooks_object), gfp);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_alloc, NOOKS_INTERNAL);

/**
 * nooks_objtrack_free() - free an object that is not (or no longer) tracked
 * @obj: the object, or NULL
 */
void nooks_objtrack_free(struct nooks_object *obj)
{
	kfree(obj);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_free, NOOKS_INTERNAL);

/**
 * nooks_objtrack_insert() - record that the domain acquired an object
 * @t: the tracker
 * @obj: from nooks_objtrack_alloc(), its key and release filled in
 *
 * Return: 0, the tracker owns @obj; -EEXIST if its key is already
 * tracked, or -EINVAL for a bad type: the caller still owns @obj.
 */
int nooks_objtrack_insert(struct nooks_objtrack *t, struct nooks_object *obj)
{
	unsigned long type = obj->key.type;
	unsigned long flags;
	int ret = -EEXIST;

	if (WARN_ON_ONCE(type >= NOOKS_OBJ_COUNT))
		return -EINVAL;
	obj->flags &= ~NOOKS_OBJF_EMBEDDED;
	obj->flags |= nooks_obj_type_flags[type];

	spin_lock_irqsave(&t->lock, flags);
	if (!nooks_objtrack_find(t, obj->key.addr, type)) {
		hlist_add_head(&obj->hnode,
			       nooks_objtrack_bucket(t, obj->key.addr, type));
		list_add_tail(&obj->order, &t->order);
		if (obj->flags & NOOKS_OBJF_EMBEDDED)
			list_add_tail(&obj->inner, &t->embedded);
		t->count[type]++;
		if (type == NOOKS_OBJ_MEMORY)
			t->memory_bytes += obj->size;
		if (obj->owner)
			(*obj->owner)++;
		ret = 0;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_insert, NOOKS_INTERNAL);

/**
 * nooks_objtrack_add() - record that the domain acquired an object
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address, the lookup key with @type
 * @size: bytes it covers (charged to memory_bytes for memory)
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
	int ret;

	if (WARN_ON_ONCE(type >= NOOKS_OBJ_COUNT))
		return -EINVAL;
	obj = nooks_objtrack_alloc(gfp);
	if (!obj)
		return -ENOMEM;
	obj->key.addr = (unsigned long)addr;
	obj->key.type = type;
	obj->size = size;
	obj->site = site;
	obj->release = release;
	ret = nooks_objtrack_insert(t, obj);
	if (ret)
		nooks_objtrack_free(obj);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_add, NOOKS_INTERNAL);

/*
 * Memory at [start, start + size) is gone: objects that lived inside it
 * (a timer in a freed private struct) have nothing left to release.
 * Caller holds t->lock; the forgotten objects go on @dead.
 */
static void nooks_objtrack_forget_inside(struct nooks_objtrack *t,
					 unsigned long start, size_t size,
					 struct list_head *dead)
{
	struct nooks_object *obj, *tmp;

	if (!size)
		return;
	list_for_each_entry_safe(obj, tmp, &t->embedded, inner) {
		if (obj->key.addr - start < size) {
			nooks_objtrack_unlink(t, obj);
			list_add(&obj->order, dead);
		}
	}
}

static void nooks_objtrack_free_list(struct list_head *dead)
{
	struct nooks_object *obj, *tmp;

	list_for_each_entry_safe(obj, tmp, dead, order)
		nooks_objtrack_free(obj);
}

static int nooks_objtrack_drop(struct nooks_objtrack *t,
			       enum nooks_obj_type type, const void *addr,
			       bool inside)
{
	struct nooks_object *obj;
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&t->lock, flags);
	obj = nooks_objtrack_find(t, (unsigned long)addr, type);
	if (obj) {
		nooks_objtrack_unlink(t, obj);
		if (inside && !(obj->flags & NOOKS_OBJF_EMBEDDED))
			nooks_objtrack_forget_inside(t, obj->key.addr,
						     obj->size, &dead);
	}
	spin_unlock_irqrestore(&t->lock, flags);

	if (!obj)
		return -ENOENT;
	if ((obj->flags & NOOKS_OBJF_GRANT) && t->ungrant)
		t->ungrant(t, obj);
	nooks_objtrack_free(obj);
	nooks_objtrack_free_list(&dead);
	return 0;
}

/**
 * nooks_objtrack_remove() - record that the domain released an object
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address
 *
 * The release function is not called: the driver released it itself.
 * Embedded objects inside the @size bytes it covered are forgotten.
 *
 * Return: 0, or -ENOENT if the domain does not hold it (a wrapper turns
 * that into a fault of the domain).
 */
int nooks_objtrack_remove(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr)
{
	return nooks_objtrack_drop(t, type, addr, true);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_remove, NOOKS_INTERNAL);

/**
 * nooks_objtrack_disown() - the domain no longer holds an object, which
 *	lives on
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address
 *
 * A shadow driver keeps a failed driver's net_device: it is not released,
 * but what the driver embedded in it (its NAPI contexts, timers) still is.
 *
 * Return: 0, or -ENOENT if the domain does not hold it.
 */
int nooks_objtrack_disown(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr)
{
	return nooks_objtrack_drop(t, type, addr, false);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_disown, NOOKS_INTERNAL);

/**
 * nooks_objtrack_size() - how many bytes an object covers
 * @t: the tracker
 * @type: what kind of resource
 * @addr: its address
 *
 * Return: its size (as its acquire recorded it), or 0 if not held.
 */
size_t nooks_objtrack_size(struct nooks_objtrack *t, enum nooks_obj_type type,
			   const void *addr)
{
	struct nooks_object *obj;
	unsigned long flags;
	size_t size;

	spin_lock_irqsave(&t->lock, flags);
	obj = nooks_objtrack_find(t, (unsigned long)addr, type);
	size = obj ? obj->size : 0;
	spin_unlock_irqrestore(&t->lock, flags);
	return size;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_size, NOOKS_INTERNAL);

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
 * nooks_objtrack_take_type() - take every object of a type out
 * @t: the tracker
 * @type: the type
 * @out: where they go, linked by their order field, oldest first
 *
 * The caller owns them now: it calls their release and
 * nooks_objtrack_free() when it sees fit.
 *
 * Return: how many objects were taken.
 */
unsigned int nooks_objtrack_take_type(struct nooks_objtrack *t,
				      enum nooks_obj_type type,
				      struct list_head *out)
{
	struct nooks_object *obj, *tmp;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	list_for_each_entry_safe(obj, tmp, &t->order, order) {
		if (obj->key.type != type)
			continue;
		nooks_objtrack_unlink(t, obj);
		list_add_tail(&obj->order, out);
		n++;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_take_type, NOOKS_INTERNAL);

/**
 * nooks_objtrack_forget_type() - stop tracking every object of a type
 * @t: the tracker
 * @type: the type
 *
 * Their release functions are not called.
 *
 * Return: how many objects were forgotten.
 */
unsigned int nooks_objtrack_forget_type(struct nooks_objtrack *t,
					enum nooks_obj_type type)
{
	unsigned int n;
	LIST_HEAD(dead);

	n = nooks_objtrack_take_type(t, type, &dead);
	nooks_objtrack_free_list(&dead);
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_forget_type, NOOKS_INTERNAL);

/**
 * nooks_objtrack_take_owned() - take the objects a crossing owns out
 * @t: the tracker
 * @owner: the crossing's count of what it owns (struct nooks_object.owner)
 * @out: where they go, linked by their order field, newest first
 *
 * The caller owns them now, as for nooks_objtrack_take_type(); they are
 * no longer the crossing's, and *@owner is 0.
 *
 * Return: how many objects were taken.
 */
unsigned int nooks_objtrack_take_owned(struct nooks_objtrack *t, u32 *owner,
				       struct list_head *out)
{
	struct nooks_object *obj, *tmp;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	list_for_each_entry_safe_reverse(obj, tmp, &t->order, order) {
		if (!*owner)
			break;
		if (obj->owner != owner)
			continue;
		nooks_objtrack_unlink(t, obj);
		list_add_tail(&obj->order, out);
		n++;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_take_owned, NOOKS_INTERNAL);

/**
 * nooks_objtrack_orphan() - a crossing ends and leaves its objects held
 * @t: the tracker
 * @owner: the crossing's count of what it owns
 *
 * They stay tracked, owned by no crossing (a lock taken in one call of
 * the driver and released in another), and *@owner is 0.
 */
void nooks_objtrack_orphan(struct nooks_objtrack *t, u32 *owner)
{
	struct nooks_object *obj;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	list_for_each_entry_reverse(obj, &t->order, order) {
		if (!*owner)
			break;
		if (obj->owner == owner) {
			obj->owner = NULL;
			(*owner)--;
		}
	}
	spin_unlock_irqrestore(&t->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_orphan, NOOKS_INTERNAL);

/**
 * nooks_objtrack_release_counted() - release every object, newest first
 * @t: the tracker
 * @released: if not NULL, incremented per type for each object released
 *
 * Context: process context; release functions may sleep.
 * Return: how many objects were released.
 */
unsigned int nooks_objtrack_release_counted(struct nooks_objtrack *t,
					    unsigned long *released)
{
	struct nooks_object *obj;
	unsigned int n = 0;
	unsigned long flags;

	/*
	 * An object embedded in memory is newer than the memory, so it is
	 * released first, before the memory it lives in.
	 */
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
		if (released)
			released[obj->key.type]++;
		n++;
		nooks_objtrack_free(obj);
	}
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_release_counted, NOOKS_INTERNAL);

/**
 * nooks_objtrack_release_all() - release every object, newest first
 * @t: the tracker
 *
 * Return: how many objects were released.
 */
unsigned int nooks_objtrack_release_all(struct nooks_objtrack *t)
{
	return nooks_objtrack_release_counted(t, NULL);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_release_all, NOOKS_INTERNAL);

/**
 * nooks_objtrack_visit_type() - call @fn on every object of a type
 * @t: the tracker
 * @type: the type
 * @fn: called under the tracker's lock, interrupts off: must not sleep,
 *	add or remove objects
 * @arg: passed to @fn
 */
void nooks_objtrack_visit_type(struct nooks_objtrack *t,
			       enum nooks_obj_type type,
			       nooks_objtrack_fn_t fn, void *arg)
{
	struct nooks_object *obj;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	list_for_each_entry(obj, &t->order, order) {
		if (obj->key.type == type)
			fn(obj, arg);
	}
	spin_unlock_irqrestore(&t->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_objtrack_visit_type, NOOKS_INTERNAL);
