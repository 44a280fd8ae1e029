// SPDX-License-Identifier: GPL-2.0
/*
 * What the generated wrapper hooks call (wrappers/wrap.h): the checks
 * that turn a driver's bad parameter into a fault of its domain, and the
 * records of what it acquires. The hooks run in kernel context after the
 * exit gate gave the caller's preemption state back, from any context the
 * driver calls from (hard interrupts included).
 */
#include <linux/bsearch.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "../arch/x86/protect.h"
#include "../core/bind.h"
#include "../core/domain.h"
#include "entry.h"
#include "wrap.h"

/* The generated table, for the KUnit suites. */
EXPORT_SYMBOL_NS_GPL(nooks_wrappers, NOOKS_INTERNAL);
EXPORT_SYMBOL_NS_GPL(nooks_wrappers_count, NOOKS_INTERNAL);

static int nooks_wrapper_cmp(const void *key, const void *elt)
{
	const struct nooks_wrapper *w = elt;

	return strcmp(key, w->name);
}

/**
 * nooks_wrapper_find() - the typed wrapper of a kernel function
 * @name: the function
 *
 * Return: its wrapper, or NULL when no spec states its meaning.
 */
const struct nooks_wrapper *nooks_wrapper_find(const char *name)
{
	return bsearch(name, nooks_wrappers, nooks_wrappers_count,
		       sizeof(nooks_wrappers[0]), nooks_wrapper_cmp);
}
EXPORT_SYMBOL_NS_GPL(nooks_wrapper_find, NOOKS_INTERNAL);

static const char *nooks_wrap_fn_name(struct nooks_xpc_frame *f)
{
	const struct nooks_wrapper *w = nooks_domain_wrapper(f->domain, f->desc);

	return w ? w->name : "?";
}

/**
 * nooks_wrap_bad_param() - the driver passed something it must not
 * @f: the exit gate's frame
 * @type: the kind of object the argument should be, or NOOKS_OBJ_COUNT
 * @key: the argument
 * @why: what it is instead, before the type's name ("NULL as")
 *
 * Its domain fails with a "bad-param" report, and the gate unwinds the
 * driver code that called instead of making the call.
 *
 * Return: -EFAULT, for the pre hook to return.
 */
int nooks_wrap_bad_param(struct nooks_xpc_frame *f, enum nooks_obj_type type,
			 unsigned long key, const char *why)
{
	char report[NOOKS_LAST_FAULT_LEN];

	snprintf(report, sizeof(report), "bad-param %pS %#lx %s: %s%s%s",
		 (void *)(unsigned long)f->ret, key, nooks_wrap_fn_name(f), why,
		 type < NOOKS_OBJ_COUNT ? " " : "",
		 type < NOOKS_OBJ_COUNT ? nooks_obj_type_names[type] : "");
	nooks_domain_fail(f->domain, report);
	return -EFAULT;
}

static int nooks_wrap_check(struct nooks_xpc_frame *f,
			    enum nooks_obj_type type, unsigned long key,
			    unsigned int flags)
{
	if (!key)
		return flags & NOOKS_WRAPF_NULL_OK ? 0 :
			nooks_wrap_bad_param(f, type, key, "NULL as");
	if (IS_ERR_VALUE(key))
		return nooks_wrap_bad_param(f, type, key, "ERR_PTR as");
	return 1;
}

/**
 * nooks_wrap_hold() - check an argument is an object the domain holds
 * @f: the exit gate's frame
 * @type: the kind of object the function takes
 * @key: the argument
 * @flags: NOOKS_WRAPF_NULL_OK
 *
 * As for nooks_wrap_release(), an object not held is a fault only when
 * all the domain's imports are typed.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_hold(struct nooks_xpc_frame *f, enum nooks_obj_type type,
		    unsigned long key, unsigned int flags)
{
	int ret = nooks_wrap_check(f, type, key, flags);

	if (ret <= 0)
		return ret;
	if (!nooks_objtrack_holds(&f->domain->objects, type, (void *)key) &&
	    f->domain->strict)
		return nooks_wrap_bad_param(f, type, key, "not a held");
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_hold, NOOKS_INTERNAL);

/**
 * nooks_wrap_release() - the call releases an object: stop tracking it
 * @f: the exit gate's frame
 * @type: the kind of object
 * @key: the argument naming it
 * @flags: NOOKS_WRAPF_NULL_OK, NOOKS_WRAPF_UNTRACKED_OK
 *
 * Releasing what the domain does not hold (a double free, a kernel
 * pointer, garbage) is a fault of the domain when all its imports are
 * typed; otherwise the object may come from a function no wrapper
 * describes (a kmemdup without a spec), and the call goes ahead.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_release(struct nooks_xpc_frame *f, enum nooks_obj_type type,
		       unsigned long key, unsigned int flags)
{
	int ret = nooks_wrap_check(f, type, key, flags);

	if (ret <= 0)
		return ret;
	if (nooks_objtrack_remove(&f->domain->objects, type, (void *)key) &&
	    !(flags & NOOKS_WRAPF_UNTRACKED_OK) && f->domain->strict)
		return nooks_wrap_bad_param(f, type, key, "releases a not held");
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_release, NOOKS_INTERNAL);

/**
 * nooks_wrap_entry() - check a function pointer the kernel will call
 * @f: the exit gate's frame
 * @arg: which argument, for the report
 * @fn: its value
 *
 * The driver must hand the kernel its entry gates (the rewriter made
 * every address it takes one), never its own code, which would run
 * unisolated.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_entry(struct nooks_xpc_frame *f, unsigned int arg,
		     unsigned long fn)
{
	struct nooks_domain *d = f->domain;
	char why[40];

	if (fn && fn >= d->stubs_start && fn < d->stubs_end) {
		/* alloc_netdev_mqs's a3: see nooks_entry_attach_setup() */
		if (arg == 3 && !strcmp(nooks_wrap_fn_name(f), "alloc_netdev_mqs"))
			nooks_entry_attach_setup(d, fn);
		return 0;
	}
	if (!fn)
		return 0;
	if (!within_module(fn, READ_ONCE(d->module)))
		return 0;
	snprintf(why, sizeof(why), "a%u is driver code, not its gate", arg);
	return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT, fn, why);
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_entry, NOOKS_INTERNAL);

/*
 * A release function another module exports (configfs's): the driver
 * that acquired the object calls it too, so one of its exit gates names
 * it, resolved by the module loader. nooks.ko takes no reference of its
 * own (symbol_get() refuses non-GPL symbols, and would make nooks.ko pin
 * modules): the driver's dependency keeps that module loaded while the
 * driver, and so its objects, live.
 */
static void *nooks_wrap_import(struct nooks_domain *d, const char *name)
{
	struct nooks_manifest *m;
	unsigned long flags;
	void *fn = NULL;
	u32 i;

	spin_lock_irqsave(&d->lock, flags);
	m = d->manifest;
	for (i = 0; m && i < m->n_gates && !fn; i++) {
		const struct nooks_gate_desc *g = &d->gates[i];
		const char *s = nooks_manifest_str(m, g->name_off);

		if (g->kind == NOOKS_GATE_EXIT && s && !strcmp(s, name))
			fn = (void *)(unsigned long)g->target;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return fn;
}

/* What recovery calls for an object a typed wrapper recorded. */
typedef void (*nooks_release_fn)(unsigned long, unsigned long, unsigned long,
				 unsigned long, unsigned long, unsigned long);

static void nooks_wrap_release_call(struct nooks_object *obj)
{
	nooks_release_fn fn = (nooks_release_fn)obj->fn;
	const unsigned long *v = obj->values;

	/* Extra arguments are harmless in the x86-64 calling convention. */
	fn(v[0], v[1], v[2], v[3], v[4], v[5]);
}

/**
 * nooks_wrap_acquire_at() - the call acquired an object: track it
 * @f: the exit gate's frame
 * @type: the kind of object
 * @key: what names it
 * @size: bytes it covers
 * @grant: with NOOKS_WRAPF_GRANT, where the @size bytes the driver may
 *	write start (@key, or the memory of a struct page @key)
 * @release: the kernel function that releases it, or its name with
 *	NOOKS_WRAPF_BY_NAME (a function of another module: see
 *	nooks_wrap_import()); NULL: recovery only forgets it
 * @values: the arguments of @release
 * @n_values: how many (at most NOOKS_OBJ_MAX_VALUES)
 * @flags: NOOKS_WRAPF_AGAIN_OK, NOOKS_WRAPF_GRANT, NOOKS_WRAPF_BY_NAME
 *
 * An object that cannot be recorded (no memory for the record) stays
 * untracked, with a warning: recovery would not release it.
 */
void nooks_wrap_acquire_at(struct nooks_xpc_frame *f,
			   enum nooks_obj_type type, unsigned long key,
			   size_t size, unsigned long grant, void *release,
			   const unsigned long *values, unsigned int n_values,
			   unsigned int flags)
{
	const struct nooks_wrapper *w = nooks_domain_wrapper(f->domain, f->desc);
	struct nooks_objtrack *t = &f->domain->objects;
	struct nooks_object *obj;
	gfp_t gfp;

	gfp = w && (w->flags & NOOKS_WRAP_SLEEPS) ? GFP_KERNEL :
		GFP_ATOMIC | __GFP_NOWARN;
	obj = nooks_objtrack_alloc(gfp);
	if (!obj)
		goto untracked;
	obj->key.addr = key;
	obj->key.type = type;
	obj->size = size;
	obj->site = f->ret;
	obj->release = release ? nooks_wrap_release_call : NULL;
	obj->fn = release;
	if (flags & NOOKS_WRAPF_BY_NAME) {
		obj->fn = nooks_wrap_import(f->domain, release);
		if (!obj->fn) {
			nooks_objtrack_free(obj);
			goto untracked;
		}
	}
	if (flags & NOOKS_WRAPF_GRANT) {
		obj->flags |= NOOKS_OBJF_GRANT;
		obj->grant = grant;
		nooks_protect_object_prepare(obj);
		nooks_protect_grant_object(f->domain, obj);
	}
	n_values = min_t(unsigned int, n_values, NOOKS_OBJ_MAX_VALUES);
	memcpy(obj->values, values, n_values * sizeof(*values));
	obj->n_values = n_values;
	/* the driver code that took a lock releases it if it faults */
	if (type == NOOKS_OBJ_LOCK && (f->flags & NOOKS_XPC_ENTERED)) {
		obj->owner = &f->prev->locks;
		if (w && (w->flags & NOOKS_WRAP_SLEEPS))
			obj->flags |= NOOKS_OBJF_SLEEPS;
	}

	/* granted before it is tracked: a concurrent release revokes it */
	if (!nooks_objtrack_insert(t, obj)) {
		/* before the driver adds a disk: see entry.c */
		if (type == NOOKS_OBJ_BLK_MQ)
			nooks_entry_attach_tag_set(f->domain, (void *)key);
		return;
	}
	if (flags & NOOKS_WRAPF_GRANT)
		nooks_protect_revoke_object(f->domain, obj);
	if (flags & NOOKS_WRAPF_AGAIN_OK) {
		nooks_objtrack_free(obj);
		return;
	}
	/*
	 * The kernel gave out the same object again, so it was released by
	 * a path no wrapper saw: the old record is stale.
	 */
	pr_warn_ratelimited("domain %s: %s returned %s %#lx again: a release was not seen\n",
			    f->domain->name, nooks_wrap_fn_name(f),
			    nooks_obj_type_names[type], key);
	nooks_objtrack_remove(t, type, (void *)key);
	if (!nooks_objtrack_insert(t, obj))
		return;
	if (flags & NOOKS_WRAPF_GRANT)
		nooks_protect_revoke_object(f->domain, obj);
	nooks_objtrack_free(obj);
untracked:
	/*
	 * The driver holds something the tracker does not know: its later
	 * release must not look like a release of garbage.
	 */
	WRITE_ONCE(f->domain->strict, false);
	pr_warn_ratelimited("domain %s: %s: cannot track %s %#lx: releases no longer checked\n",
			    f->domain->name, nooks_wrap_fn_name(f),
			    nooks_obj_type_names[type], key);
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_acquire_at, NOOKS_INTERNAL);

/**
 * nooks_wrap_acquire() - nooks_wrap_acquire_at(), granting at @key
 * @f: the exit gate's frame
 * @type: the kind of object
 * @key: what names it
 * @size: bytes it covers
 * @release: as for nooks_wrap_acquire_at()
 * @values: the arguments of @release
 * @n_values: how many (at most NOOKS_OBJ_MAX_VALUES)
 * @flags: NOOKS_WRAPF_AGAIN_OK, NOOKS_WRAPF_GRANT, NOOKS_WRAPF_BY_NAME
 */
void nooks_wrap_acquire(struct nooks_xpc_frame *f, enum nooks_obj_type type,
			unsigned long key, size_t size, void *release,
			const unsigned long *values, unsigned int n_values,
			unsigned int flags)
{
	nooks_wrap_acquire_at(f, type, key, size, key, release, values,
			      n_values, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_acquire, NOOKS_INTERNAL);

/**
 * nooks_wrap_stack_arg() - an argument the caller passed on its stack
 * @f: the exit gate's frame
 * @n: which stack slot (argument 6 is slot 0)
 *
 * Return: the slot's value.
 */
u64 nooks_wrap_stack_arg(struct nooks_xpc_frame *f, unsigned int n)
{
	/* Above the gate's saved %rbp and the return address. */
	return ((u64 *)(unsigned long)(f->rbp + 16))[n];
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_stack_arg, NOOKS_INTERNAL);
