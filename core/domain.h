/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protection domains: the registry of named domains and their lifecycle.
 */
#ifndef _NOOKS_DOMAIN_H
#define _NOOKS_DOMAIN_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../include/uapi/nooks.h"
#include "../include/uapi/nooks_module.h"
#include "../domains/counters.h"
#include "../domains/xpc.h"
#include "../objtrack/objtrack.h"
#include "../recovery/shadow/shadow.h"

#define NOOKS_LAST_FAULT_LEN	128
/* Defaults of the sysfs knobs restart_limit and hang_timeout_ms. */
#define NOOKS_RESTART_LIMIT	10
#define NOOKS_HANG_TIMEOUT_MS	2000

struct nooks_wrapper;

struct nooks_domain {
	/* sysfs node; its reference count is the domain's */
	struct kobject kobj;
	/* immutable after creation */
	char name[NOOKS_NAME_MAX];
	/* registry membership; under nooks_domains_lock */
	struct list_head node;

	/* protects state, module_name and last_fault; taken from any context */
	spinlock_t lock;
	enum nooks_domain_state state;		/* under lock */
	char module_name[NOOKS_NAME_MAX];	/* under lock; "" if none */
	char last_fault[NOOKS_LAST_FAULT_LEN];	/* under lock; "" if none */
	bool load_pending;		/* under lock; nooksctl load under way */
	struct module *module;		/* under lock; set while bound */
	struct nooks_manifest *manifest;	/* under lock; set while bound */

	/*
	 * Set while bound, before the manifest names the domain, and read
	 * by the gates without the lock: the module's gate descriptors, the
	 * typed wrapper of each (NULL for a generic gate), and where its
	 * stubs are.
	 */
	struct nooks_gate_desc *gates;
	u32 n_gates;
	const struct nooks_wrapper **wrap;
	unsigned long stubs_start, stubs_end;
	/*
	 * Every function the module calls has a typed wrapper, so an object
	 * it releases and does not hold cannot have come from a call no
	 * wrapper saw: releasing it is a fault.
	 */
	bool strict;

	/*
	 * tells userspace of a fault and recovers, on the recovery
	 * workqueue; holds a ref
	 */
	struct work_struct fault_work;
	/*
	 * serialises releases of what a failed driver held: the recovery
	 * work's, and the module notifier's when a failed init unloads it
	 */
	struct mutex release_mutex;

	/* recovery policy (recovery/recovery.c) */
	u32 restart;				/* under lock; enum nooks_restart */
	char path[NOOKS_PATH_MAX];		/* under lock; "" if unknown */
	char *params;				/* under lock; kstrdup'd, or NULL */
	unsigned int restart_limit;		/* READ_ONCE; per minute */
	unsigned int hang_timeout_ms;		/* READ_ONCE; sysfs knob */
	unsigned long hang_timeout;		/* READ_ONCE; the same, jiffies */
	/* recovery's own, only touched by the recovery work */
	unsigned long restart_window;		/* jiffies the minute began */
	unsigned int restarts_in_window;
	unsigned long released[NOOKS_OBJ_COUNT]; /* by the last recovery */
	u64 fault_ns;				/* fast mono clock of the fault */
	u64 recovery_ns;			/* the last one, fault to end */
	u32 recovery_result;			/* enum nooks_recovery_result */

	/* copies of its tag sets' blk_mq_ops (domains/batch.c); freed last */
	struct llist_head batch_ops;

	/* fault injection (domains/inject.c) */
	atomic_t inject_left;			/* entries still to fault */
	u32 inject_fault;			/* enum nooks_fault; read when armed */
	struct nooks_gate_desc inject_gate;	/* kfree, for the free payloads */
	const struct nooks_wrapper *inject_wrap;	/* its typed wrapper */
	void *inject_victim;			/* what double-free frees */

	/*
	 * page-table protection of the bound module (arch/x86/protect.h);
	 * NULL when unprotected. Read by the gates with READ_ONCE.
	 */
	struct nooks_protect *prot;

	/* lockless per-CPU counters */
	struct nooks_counters __percpu *counters;
	/* what the domain holds; has its own lock */
	struct nooks_objtrack objects;
	/* shadow drivers of its devices; has its own lock */
	struct nooks_shadow shadow;
	/*
	 * coherent DMA buffers of failed drivers whose device may still
	 * write them (recovery/recovery.c), released with the domain; only
	 * the recovery work and the domain's release touch it
	 */
	struct list_head quarantine;
};

extern const char *const nooks_state_names[__NOOKS_STATE_MAX];

int nooks_domain_registry_init(void);
void nooks_domain_registry_uninit(void);

void nooks_domain_release(struct kobject *kobj);
bool nooks_domain_name_valid(const char *name);
struct nooks_domain *nooks_domain_create(const char *name);
int nooks_domain_destroy(struct nooks_domain *d);
struct nooks_domain *nooks_domain_lookup(const char *name);
struct nooks_domain *nooks_domain_get(struct nooks_domain *d);
void nooks_domain_put(struct nooks_domain *d);
unsigned int nooks_domain_count_registered(void);
struct nooks_domain *nooks_domain_nth(unsigned long n);

int nooks_domain_set_state(struct nooks_domain *d,
			   enum nooks_domain_state to);
enum nooks_domain_state nooks_domain_state(struct nooks_domain *d);
int nooks_domain_expect_load(struct nooks_domain *d);
int nooks_domain_set_origin(struct nooks_domain *d, u32 restart,
			    const char *path, const char *params);
bool nooks_domain_expect_restart(struct nooks_domain *d);
void nooks_domain_stop_recovery(struct nooks_domain *d);
bool nooks_domain_load_pending(struct nooks_domain *d);
int nooks_domain_bind_module(struct nooks_domain *d, const char *module);
void nooks_domain_unbind_module(struct nooks_domain *d);
void nooks_domain_module_name(struct nooks_domain *d, char *buf,
			      size_t len);
void nooks_domain_note_fault(struct nooks_domain *d, const char *report);
void nooks_domain_fail(struct nooks_domain *d, const char *report);
void nooks_domain_last_fault(struct nooks_domain *d, char *buf, size_t len);
void nooks_domain_set_hang_timeout(struct nooks_domain *d, unsigned int ms);
unsigned long nooks_domain_inside(struct nooks_domain *d);

static __always_inline void nooks_domain_count(struct nooks_domain *d,
					       enum nooks_counter n)
{
	nooks_counter_inc(d->counters, n);
}

/* The typed wrapper of a gate of the domain's module, or NULL. */
static __always_inline const struct nooks_wrapper *
nooks_domain_wrapper(struct nooks_domain *d, const struct nooks_gate_desc *desc)
{
	const struct nooks_wrapper **wrap = READ_ONCE(d->wrap);
	unsigned long i = desc - d->gates;

	if (likely(wrap && i < READ_ONCE(d->n_gates)))
		return READ_ONCE(wrap[i]);
	/* The gate the free payloads of nooksctl inject call kfree by. */
	return desc == &d->inject_gate ? READ_ONCE(d->inject_wrap) : NULL;
}

/*
 * For an exit gate, before it leaves the domain (a deferred, premade or
 * local call): the entry frame of the calling driver code of module @m,
 * running in this context under its live domain; NULL if there is none,
 * and the call must cross.
 */
static __always_inline struct nooks_xpc_frame *
nooks_domain_caller(struct nooks_manifest *m)
{
	struct nooks_xpc_frame *cur = nooks_xpc_running();

	if (!cur || cur->manifest != m ||
	    READ_ONCE(cur->domain->state) != NOOKS_STATE_LIVE)
		return NULL;
	return cur;
}

static inline u64 nooks_domain_counter(struct nooks_domain *d,
				       enum nooks_counter n)
{
	return nooks_counters_sum(d->counters, n);
}

#endif /* _NOOKS_DOMAIN_H */
