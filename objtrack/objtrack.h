/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object tracker: what one domain holds right now, and how to release it.
 * Typed wrappers add an object when the driver acquires a resource and
 * remove it when the driver releases it; recovery releases what is left,
 * newest first.
 */
#ifndef _NOOKS_OBJTRACK_H
#define _NOOKS_OBJTRACK_H

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* struct nooks_object.flags and the types' flags in types.h */
#define NOOKS_OBJF_EMBEDDED	BIT(0)	/* lives inside other tracked memory */
#define NOOKS_OBJF_GRANT	BIT(1)	/* the driver may write its size bytes */
#define NOOKS_OBJF_MASKED	BIT(2)	/* an irq recovery disabled */
#define NOOKS_OBJF_SLEEPS	BIT(3)	/* its release needs process context */

/* Also the file names under /sys/kernel/nooks/domains/<d>/objects/. */
enum nooks_obj_type {
#define NOOKS_OBJ_TYPE(NAME, name, flags, what) NOOKS_OBJ_##NAME,
#include "types.h"
#undef NOOKS_OBJ_TYPE
	NOOKS_OBJ_COUNT
};

extern const char *const nooks_obj_type_names[NOOKS_OBJ_COUNT];

/* The same address may be tracked once per type (a pci_dev enabled and
 * with its regions requested is two objects).
 */
struct nooks_object_key {
	unsigned long addr;
	unsigned long type;
};

/* Most values a release function is called with. */
#define NOOKS_OBJ_MAX_VALUES	6

struct nooks_object {
	struct hlist_node hnode;	/* in a bucket; under nooks_objtrack.lock */
	struct list_head order;		/* under nooks_objtrack.lock */
	struct list_head inner;		/* embedded list; under nooks_objtrack.lock */
	struct nooks_object_key key;	/* immutable */
	size_t size;			/* bytes at key.addr it covers */
	unsigned long site;		/* code address that acquired it */
	void (*release)(struct nooks_object *obj); /* may be NULL */
	/* what release calls, with values; for typed wrappers */
	void *fn;
	unsigned long values[NOOKS_OBJ_MAX_VALUES];
	u8 n_values;
	u8 flags;			/* NOOKS_OBJF_* */
	/*
	 * The crossing whose unwinding releases it (a lock its driver code
	 * took and holds), as that crossing's count of what it owns, which
	 * the tracker keeps; NULL: none. Under nooks_objtrack.lock; the
	 * owner clears it before its frame goes.
	 */
	u32 *owner;
	/*
	 * NOOKS_OBJF_GRANT: what the driver may write, as it was granted
	 * (arch/x86/protect.c): size bytes at grant (key.addr, or the
	 * memory of a struct page), and extra_size bytes at extra (an
	 * sk_buff's data, a net_device's transmit queues), which the kernel
	 * may move while the driver holds the object.
	 */
	unsigned long grant;
	unsigned long extra;
	size_t extra_size;
};

/*
 * Wrappers add and remove objects from any context, hard interrupts
 * included (dev_kfree_skb_irq), so everything is under one IRQ-safe
 * spinlock. rhashtable is not usable there: its bucket locks disable
 * bottom halves, which must not be re-enabled with interrupts off.
 */
#define NOOKS_OBJTRACK_BITS	10

struct nooks_objtrack {
	spinlock_t lock;		/* protects everything below */
	struct hlist_head *buckets;	/* 1 << NOOKS_OBJTRACK_BITS; under lock */
	struct list_head order;		/* oldest first; under lock */
	struct list_head embedded;	/* NOOKS_OBJF_EMBEDDED ones; under lock */
	unsigned long count[NOOKS_OBJ_COUNT]; /* under lock, read racily */
	size_t memory_bytes;		/* under lock, read racily */
	/*
	 * Called, without the lock, for each NOOKS_OBJF_GRANT object that
	 * nooks_objtrack_remove() removes: the driver may no longer write
	 * it. NULL or set once after init.
	 */
	void (*ungrant)(struct nooks_objtrack *t,
			const struct nooks_object *obj);
};

int nooks_objtrack_init(struct nooks_objtrack *t);
unsigned int nooks_objtrack_uninit(struct nooks_objtrack *t);
int nooks_objtrack_add(struct nooks_objtrack *t, enum nooks_obj_type type,
		       const void *addr, size_t size,
		       void (*release)(struct nooks_object *obj),
		       unsigned long site, gfp_t gfp);
int nooks_objtrack_remove(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr);
int nooks_objtrack_disown(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr);
size_t nooks_objtrack_size(struct nooks_objtrack *t, enum nooks_obj_type type,
			   const void *addr);
bool nooks_objtrack_holds(struct nooks_objtrack *t, enum nooks_obj_type type,
			  const void *addr);
unsigned int nooks_objtrack_release_all(struct nooks_objtrack *t);
unsigned int nooks_objtrack_release_counted(struct nooks_objtrack *t,
					    unsigned long *released);
typedef void (*nooks_objtrack_fn_t)(struct nooks_object *obj, void *arg);
void nooks_objtrack_visit_type(struct nooks_objtrack *t,
			       enum nooks_obj_type type,
			       nooks_objtrack_fn_t fn, void *arg);
unsigned int nooks_objtrack_take_type(struct nooks_objtrack *t,
				      enum nooks_obj_type type,
				      struct list_head *out);
unsigned int nooks_objtrack_forget_type(struct nooks_objtrack *t,
					enum nooks_obj_type type);
unsigned int nooks_objtrack_take_owned(struct nooks_objtrack *t, u32 *owner,
				       struct list_head *out);
void nooks_objtrack_orphan(struct nooks_objtrack *t, u32 *owner);
struct nooks_object *nooks_objtrack_alloc(gfp_t gfp);
void nooks_objtrack_free(struct nooks_object *obj);
int nooks_objtrack_insert(struct nooks_objtrack *t, struct nooks_object *obj);
unsigned int nooks_objtrack_type_flags(enum nooks_obj_type type);

static inline unsigned long nooks_objtrack_count(struct nooks_objtrack *t,
						 enum nooks_obj_type type)
{
	return READ_ONCE(t->count[type]);
}

static inline size_t nooks_objtrack_memory_bytes(struct nooks_objtrack *t)
{
	return READ_ONCE(t->memory_bytes);
}

#endif /* _NOOKS_OBJTRACK_H */
