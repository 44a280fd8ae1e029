// SPDX-License-Identifier: GPL-2.0
/*
 * Domain registry and lifecycle.
 *
 * A domain is created empty (stopped), becomes live when a module is bound
 * to it, and moves live -> failed -> recovering -> live | stopped as faults
 * are contained and recovered. The registry holds one reference on each
 * domain; lookups take another. The last reference frees the domain and
 * releases whatever its object tracker still holds.
 */
#include <linux/ctype.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "../arch/x86/protect.h"
#include "../domains/batch.h"
#include "../recovery/recovery.h"
#include "domain.h"
#include "events.h"
#include "sysfs.h"

const char *const nooks_state_names[__NOOKS_STATE_MAX] = {
	[NOOKS_STATE_LIVE] = "live",
	[NOOKS_STATE_FAILED] = "failed",
	[NOOKS_STATE_RECOVERING] = "recovering",
	[NOOKS_STATE_STOPPED] = "stopped",
};
EXPORT_SYMBOL_NS_GPL(nooks_state_names, NOOKS_INTERNAL);

static_assert(ARRAY_SIZE(nooks_state_names) == __NOOKS_STATE_MAX);

/* Which states each state may move to. */
static const unsigned int nooks_state_next[__NOOKS_STATE_MAX] = {
	[NOOKS_STATE_LIVE] = BIT(NOOKS_STATE_FAILED) | BIT(NOOKS_STATE_STOPPED),
	[NOOKS_STATE_FAILED] = BIT(NOOKS_STATE_RECOVERING),
	[NOOKS_STATE_RECOVERING] = BIT(NOOKS_STATE_LIVE) |
				   BIT(NOOKS_STATE_STOPPED),
	[NOOKS_STATE_STOPPED] = BIT(NOOKS_STATE_LIVE),
};

static DEFINE_MUTEX(nooks_domains_lock);
static LIST_HEAD(nooks_domains);	/* under nooks_domains_lock */

/**
 * nooks_domain_name_valid() - is this an acceptable domain name?
 * @name: the name
 *
 * Domains are named after kernel module names, whose dashes the kernel
 * already turned into underscores: 1..NOOKS_NAME_MAX-1 of [A-Za-z0-9_].
 *
 * Return: true if valid.
 */
bool nooks_domain_name_valid(const char *name)
{
	size_t i, len = strnlen(name, NOOKS_NAME_MAX);

	if (len == 0 || len >= NOOKS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_')
			return false;
	return true;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_name_valid, NOOKS_INTERNAL);

/* Called with nooks_domains_lock held. */
static struct nooks_domain *nooks_domain_find(const char *name)
{
	struct nooks_domain *d;

	lockdep_assert_held(&nooks_domains_lock);
	list_for_each_entry(d, &nooks_domains, node)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/**
 * nooks_domain_release() - free a domain whose last reference is gone
 * @kobj: the domain's kobject
 *
 * Called by the kobject core; releases what the domain still holds.
 */
void nooks_domain_release(struct kobject *kobj)
{
	struct nooks_domain *d = container_of(kobj, struct nooks_domain, kobj);

	unsigned int left = nooks_objtrack_uninit(&d->objects);

	nooks_shadow_uninit(&d->shadow);
	nooks_recovery_unquarantine(d);
	nooks_batch_domain_uninit(d);

	if (left)
		pr_warn("domain %s: destroyed with %u objects its driver never released: forgotten, not released\n",
			d->name, left);
	kfree(d->wrap);
	kfree(d->params);
	nooks_counters_free(d->counters);
	kfree(d);
}

/* The driver released an object it could write: it no longer may. */
static void nooks_domain_ungrant(struct nooks_objtrack *t,
				 const struct nooks_object *obj)
{
	nooks_protect_revoke_object(container_of(t, struct nooks_domain,
						 objects), obj);
}

static void nooks_domain_fault_work(struct work_struct *work)
{
	struct nooks_domain *d = container_of(work, struct nooks_domain,
					      fault_work);

	nooks_event(d, NOOKS_EVENT_FAULT);
	nooks_recovery_run(d);
	nooks_domain_put(d);
}

/**
 * nooks_domain_create() - create and register an empty domain
 * @name: its name (see nooks_domain_name_valid())
 *
 * The domain starts stopped, with no module, and appears in sysfs.
 *
 * Context: process context, may sleep.
 * Return: the domain with a reference for the caller (drop it with
 * nooks_domain_put()), or ERR_PTR(-EINVAL) for a bad name,
 * ERR_PTR(-EEXIST) if the name is taken, ERR_PTR(-ENOMEM).
 */
struct nooks_domain *nooks_domain_create(const char *name)
{
	struct nooks_domain *d;
	int ret;

	if (!nooks_domain_name_valid(name))
		return ERR_PTR(-EINVAL);

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	strscpy(d->name, name, sizeof(d->name));
	INIT_LIST_HEAD(&d->node);
	INIT_WORK(&d->fault_work, nooks_domain_fault_work);
	spin_lock_init(&d->lock);
	mutex_init(&d->release_mutex);
	d->state = NOOKS_STATE_STOPPED;
	d->restart = NOOKS_RESTART_SHADOW;
	d->restart_limit = NOOKS_RESTART_LIMIT;
	nooks_domain_set_hang_timeout(d, NOOKS_HANG_TIMEOUT_MS);
	atomic_set(&d->inject_left, 0);
	nooks_shadow_init(&d->shadow);
	INIT_LIST_HEAD(&d->quarantine);
	init_llist_head(&d->batch_ops);
	d->counters = nooks_counters_alloc();
	if (!d->counters) {
		kfree(d);
		return ERR_PTR(-ENOMEM);
	}
	ret = nooks_objtrack_init(&d->objects);
	d->objects.ungrant = nooks_domain_ungrant;
	if (ret) {
		nooks_counters_free(d->counters);
		kfree(d);
		return ERR_PTR(ret);
	}
	/* From here on the kobject owns d: errors go through kobject_put(). */
	nooks_sysfs_domain_init(d);

	mutex_lock(&nooks_domains_lock);
	if (nooks_domain_find(name)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = nooks_sysfs_domain_add(d);
	if (ret)
		goto err_unlock;
	list_add_tail(&d->node, &nooks_domains);
	kobject_get(&d->kobj);	/* the caller's reference */
	mutex_unlock(&nooks_domains_lock);

	nooks_event(d, NOOKS_EVENT_DOMAIN_CREATED);
	return d;

err_unlock:
	mutex_unlock(&nooks_domains_lock);
	kobject_put(&d->kobj);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_create, NOOKS_INTERNAL);

/* Called with nooks_domains_lock held; drops the registry's reference. */
static void nooks_domain_unregister(struct nooks_domain *d)
{
	lockdep_assert_held(&nooks_domains_lock);
	list_del_init(&d->node);
	nooks_event(d, NOOKS_EVENT_DOMAIN_DESTROYED);
	nooks_sysfs_domain_del(d);
	kobject_put(&d->kobj);
}

/**
 * nooks_domain_destroy() - remove a domain from the registry and sysfs
 * @d: the domain; the caller keeps its own reference
 *
 * Context: process context, may sleep.
 * Return: 0; -EBUSY while a module is bound to it; -ENOENT if it was
 * already destroyed.
 */
int nooks_domain_destroy(struct nooks_domain *d)
{
	unsigned long flags;
	bool bound;
	int ret = 0;

	mutex_lock(&nooks_domains_lock);
	spin_lock_irqsave(&d->lock, flags);
	bound = d->module_name[0] != '\0';
	spin_unlock_irqrestore(&d->lock, flags);
	if (list_empty(&d->node))
		ret = -ENOENT;
	else if (bound)
		ret = -EBUSY;
	else
		nooks_domain_unregister(d);
	mutex_unlock(&nooks_domains_lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_destroy, NOOKS_INTERNAL);

/**
 * nooks_domain_lookup() - find a registered domain by name
 * @name: the name
 *
 * Return: the domain with a reference (drop it with nooks_domain_put()),
 * or NULL.
 */
struct nooks_domain *nooks_domain_lookup(const char *name)
{
	struct nooks_domain *d;

	mutex_lock(&nooks_domains_lock);
	d = nooks_domain_find(name);
	if (d)
		kobject_get(&d->kobj);
	mutex_unlock(&nooks_domains_lock);
	return d;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_lookup, NOOKS_INTERNAL);

/**
 * nooks_domain_nth() - the n-th registered domain, for dumps
 * @n: index from 0, in creation order
 *
 * Return: the domain with a reference, or NULL past the end.
 */
struct nooks_domain *nooks_domain_nth(unsigned long n)
{
	struct nooks_domain *d, *found = NULL;

	mutex_lock(&nooks_domains_lock);
	list_for_each_entry(d, &nooks_domains, node) {
		if (n-- == 0) {
			found = d;
			kobject_get(&d->kobj);
			break;
		}
	}
	mutex_unlock(&nooks_domains_lock);
	return found;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_nth, NOOKS_INTERNAL);

/**
 * nooks_domain_count_registered() - how many domains exist
 *
 * Return: the number of registered domains.
 */
unsigned int nooks_domain_count_registered(void)
{
	struct nooks_domain *d;
	unsigned int n = 0;

	mutex_lock(&nooks_domains_lock);
	list_for_each_entry(d, &nooks_domains, node)
		n++;
	mutex_unlock(&nooks_domains_lock);
	return n;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_count_registered, NOOKS_INTERNAL);

/**
 * nooks_domain_get() - take a reference
 * @d: the domain
 *
 * Return: @d.
 */
struct nooks_domain *nooks_domain_get(struct nooks_domain *d)
{
	kobject_get(&d->kobj);
	return d;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_get, NOOKS_INTERNAL);

/**
 * nooks_domain_put() - drop a reference; the last one frees the domain
 * @d: the domain, or NULL
 *
 * Context: process context (the last put releases tracked objects).
 */
void nooks_domain_put(struct nooks_domain *d)
{
	if (d)
		kobject_put(&d->kobj);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_put, NOOKS_INTERNAL);

/**
 * nooks_domain_state() - current state
 * @d: the domain
 *
 * Return: the state; it may change as soon as the lock is dropped.
 */
enum nooks_domain_state nooks_domain_state(struct nooks_domain *d)
{
	return READ_ONCE(d->state);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_state, NOOKS_INTERNAL);

/**
 * nooks_domain_set_state() - move a domain to another state
 * @d: the domain
 * @to: the new state
 *
 * Only the moves of the lifecycle are allowed: live -> failed | stopped,
 * failed -> recovering, recovering -> live | stopped, stopped -> live.
 *
 * Context: process context (sends a uevent and a netlink event).
 * Return: 0, or -EINVAL for a move the lifecycle does not have.
 */
int nooks_domain_set_state(struct nooks_domain *d, enum nooks_domain_state to)
{
	unsigned long flags;
	int ret = -EINVAL;

	if (to >= __NOOKS_STATE_MAX)
		return -EINVAL;
	spin_lock_irqsave(&d->lock, flags);
	if (nooks_state_next[d->state] & BIT(to)) {
		WRITE_ONCE(d->state, to);
		ret = 0;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (!ret)
		nooks_event_state(d);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_set_state, NOOKS_INTERNAL);

/**
 * nooks_domain_expect_load() - a module of the domain's name is coming
 * @d: the domain, stopped and empty
 *
 * The module notifier binds the next module of this name to @d, and
 * refuses it if it was not rewritten for a domain.
 *
 * Return: 0, or -EBUSY if a module is bound or the domain is not stopped.
 */
int nooks_domain_expect_load(struct nooks_domain *d)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&d->lock, flags);
	if (d->module_name[0] || d->state != NOOKS_STATE_STOPPED)
		ret = -EBUSY;
	else
		d->load_pending = true;
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_expect_load, NOOKS_INTERNAL);

/**
 * nooks_domain_set_origin() - what recovery needs to restart the driver
 * @d: the domain
 * @restart: enum nooks_restart
 * @path: the module file, or NULL
 * @params: its parameters, or NULL
 *
 * Context: process context.
 * Return: 0, -EINVAL for an unknown policy or a path too long, -ENOMEM.
 */
int nooks_domain_set_origin(struct nooks_domain *d, u32 restart,
			    const char *path, const char *params)
{
	char *copy = NULL, *old;
	unsigned long flags;

	if (restart >= __NOOKS_RESTART_MAX ||
	    (path && strlen(path) >= sizeof(d->path)))
		return -EINVAL;
	if (params) {
		copy = kstrdup(params, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	spin_lock_irqsave(&d->lock, flags);
	d->restart = restart;
	strscpy(d->path, path ?: "", sizeof(d->path));
	old = d->params;
	d->params = copy;
	spin_unlock_irqrestore(&d->lock, flags);
	kfree(old);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_set_origin, NOOKS_INTERNAL);

/**
 * nooks_domain_expect_restart() - the recovering domain's module is due
 * to be loaded again by the recovery agent
 * @d: the domain
 *
 * Return: true if @d is recovering and now waits for its module.
 */
bool nooks_domain_expect_restart(struct nooks_domain *d)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&d->lock, flags);
	ok = d->state == NOOKS_STATE_RECOVERING;
	if (ok)
		d->load_pending = true;
	spin_unlock_irqrestore(&d->lock, flags);
	return ok;
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_expect_restart, NOOKS_INTERNAL);

/**
 * nooks_domain_load_pending() - is a module load into @d under way?
 * @d: the domain
 *
 * Return: true between nooks_domain_expect_load() and the binding.
 */
bool nooks_domain_load_pending(struct nooks_domain *d)
{
	return READ_ONCE(d->load_pending);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_load_pending, NOOKS_INTERNAL);

/**
 * nooks_domain_bind_module() - bind a loading module; the domain goes live
 * @d: the domain, which must be empty and stopped, or recovering with a
 *     restart due
 * @module: the module's name
 *
 * Context: process context.
 * Return: 0; -EBUSY if a module is already bound or the domain is
 * neither; -EINVAL for a bad name.
 */
int nooks_domain_bind_module(struct nooks_domain *d, const char *module)
{
	unsigned long flags;
	int ret = 0;

	if (!nooks_domain_name_valid(module))
		return -EINVAL;
	spin_lock_irqsave(&d->lock, flags);
	if (d->module_name[0] ||
	    !(d->state == NOOKS_STATE_STOPPED ||
	      (d->state == NOOKS_STATE_RECOVERING && d->load_pending))) {
		ret = -EBUSY;
	} else {
		strscpy(d->module_name, module, sizeof(d->module_name));
		d->load_pending = false;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (ret)
		return ret;
	return nooks_domain_set_state(d, NOOKS_STATE_LIVE);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_bind_module, NOOKS_INTERNAL);

/**
 * nooks_domain_unbind_module() - the bound module is gone; the domain stops
 * @d: the domain
 *
 * A recovering domain stays recovering: its recovery decides how it ends.
 *
 * Context: process context.
 */
void nooks_domain_unbind_module(struct nooks_domain *d)
{
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&d->lock, flags);
	d->module_name[0] = '\0';
	changed = d->state != NOOKS_STATE_STOPPED &&
		  d->state != NOOKS_STATE_RECOVERING;
	if (changed)
		WRITE_ONCE(d->state, NOOKS_STATE_STOPPED);
	spin_unlock_irqrestore(&d->lock, flags);
	if (changed)
		nooks_event_state(d);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_unbind_module, NOOKS_INTERNAL);

/**
 * nooks_domain_module_name() - copy the bound module's name
 * @d: the domain
 * @buf: destination
 * @len: its size
 */
void nooks_domain_module_name(struct nooks_domain *d, char *buf, size_t len)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	strscpy(buf, d->module_name, len);
	spin_unlock_irqrestore(&d->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_module_name, NOOKS_INTERNAL);

/**
 * nooks_domain_note_fault() - count a contained fault and keep its report
 * @d: the domain
 * @report: one line: type, symbolized ip, address
 *
 * Context: any context.
 */
void nooks_domain_note_fault(struct nooks_domain *d, const char *report)
{
	unsigned long flags;

	nooks_domain_count(d, NOOKS_CNT_FAULTS);
	spin_lock_irqsave(&d->lock, flags);
	strscpy(d->last_fault, report, sizeof(d->last_fault));
	spin_unlock_irqrestore(&d->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_note_fault, NOOKS_INTERNAL);

/**
 * nooks_domain_fail() - a fault was contained: the domain fails
 * @d: the domain
 * @report: one line: type, symbolized ip, address
 *
 * A live domain becomes failed, so every later crossing into it returns
 * its failure value; userspace hears of it from process context.
 *
 * Context: any context, fault handlers included.
 */
void nooks_domain_fail(struct nooks_domain *d, const char *report)
{
	unsigned long flags;

	bool failed;

	nooks_domain_note_fault(d, report);
	spin_lock_irqsave(&d->lock, flags);
	failed = d->state == NOOKS_STATE_LIVE;
	if (failed) {
		WRITE_ONCE(d->state, NOOKS_STATE_FAILED);
		d->fault_ns = ktime_get_mono_fast_ns();
	}
	spin_unlock_irqrestore(&d->lock, flags);
	pr_err("domain %s: %s: contained\n", d->name, report);
	/*
	 * A device whose handler no longer runs must not storm meanwhile,
	 * and the stack must stop handing packets to a failed driver.
	 */
	if (failed) {
		nooks_recovery_mask_irqs(d);
		nooks_shadow_fail(d);
	}
	kobject_get(&d->kobj);
	if (!nooks_recovery_queue(&d->fault_work))
		kobject_put(&d->kobj);	/* already queued with a reference */
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_fail, NOOKS_INTERNAL);

/**
 * nooks_domain_last_fault() - copy the last fault's report
 * @d: the domain
 * @buf: destination
 * @len: its size
 *
 * Copies "none" before the first fault.
 */
void nooks_domain_last_fault(struct nooks_domain *d, char *buf, size_t len)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	strscpy(buf, d->last_fault[0] ? d->last_fault : "none", len);
	spin_unlock_irqrestore(&d->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_last_fault, NOOKS_INTERNAL);

/**
 * nooks_domain_stop_recovery() - a recovery ends without a restart
 * @d: the domain; stops if it is still recovering
 *
 * Context: process context.
 */
void nooks_domain_stop_recovery(struct nooks_domain *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->load_pending = false;
	spin_unlock_irqrestore(&d->lock, flags);
	if (nooks_domain_state(d) == NOOKS_STATE_RECOVERING)
		nooks_domain_set_state(d, NOOKS_STATE_STOPPED);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_stop_recovery, NOOKS_INTERNAL);

/**
 * nooks_domain_set_hang_timeout() - how long driver code may keep a CPU
 * @d: the domain
 * @ms: milliseconds without crossing before it counts as hung
 */
void nooks_domain_set_hang_timeout(struct nooks_domain *d, unsigned int ms)
{
	WRITE_ONCE(d->hang_timeout_ms, ms);
	WRITE_ONCE(d->hang_timeout, max(msecs_to_jiffies(ms), 1UL));
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_set_hang_timeout, NOOKS_INTERNAL);

/**
 * nooks_domain_inside() - threads running the domain's driver code now
 * @d: the domain
 *
 * Counts crossings into the domain not yet returned or unwound, threads
 * blocked in a kernel call made by driver code included.
 *
 * Return: the number; racy, for recovery to wait on.
 */
unsigned long nooks_domain_inside(struct nooks_domain *d)
{
	return nooks_domain_counter(d, NOOKS_CNT_CALLS_IN) -
	       nooks_domain_counter(d, NOOKS_CNT_LEAVES);
}
EXPORT_SYMBOL_NS_GPL(nooks_domain_inside, NOOKS_INTERNAL);

/**
 * nooks_domain_registry_init() - start with no domains
 *
 * Return: 0.
 */
int nooks_domain_registry_init(void)
{
	return 0;
}

/**
 * nooks_domain_registry_uninit() - destroy every domain, at module exit
 *
 * No module can be bound here: a bound module depends on nooks.ko, so
 * nooks.ko cannot be unloaded before it.
 */
void nooks_domain_registry_uninit(void)
{
	struct nooks_domain *d, *tmp;

	mutex_lock(&nooks_domains_lock);
	list_for_each_entry_safe(d, tmp, &nooks_domains, node) {
		WARN_ON(d->module_name[0]);
		nooks_domain_unregister(d);
	}
	mutex_unlock(&nooks_domains_lock);
}
