// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime fault injection. nooksctl inject arms a domain with a fault
 * type and a count; each of the domain's next entries (kernel->driver
 * crossings) decrements the count and, while it lasts, calls the fault's
 * payload instead of the driver function. The payloads fault as driver
 * code would; what catches them is the same as for a real driver fault.
 *
 * The free payloads call kfree through an exit gate of their own with the
 * kfree typed wrapper, as a driver freeing memory would: they need a
 * strict domain (every import typed), where freeing what the domain does
 * not hold is a detected fault. In any other the free would reach the
 * kernel and corrupt it, so they are refused.
 *
 * wild-write (a word of nooks.ko's) and kernel-write (a global of the
 * kernel's) are contained only in a domain with page-table protection
 * (arch/x86/protect.c); elsewhere the write lands, harmlessly, and the
 * kernel log says so.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "../arch/x86/payload.h"
#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "../wrappers/wrap.h"
#include "inject.h"
#include "xpc.h"

/* The writes only page-table protection contains. */
static bool nooks_inject_writes(u32 fault)
{
	return fault == NOOKS_FAULT_WILD_WRITE ||
	       fault == NOOKS_FAULT_KERNEL_WRITE ||
	       fault == NOOKS_FAULT_STALE_WRITE;
}

const char *const nooks_fault_names[__NOOKS_FAULT_MAX] = {
	[NOOKS_FAULT_NULL_DEREF] = "null-deref",
	[NOOKS_FAULT_WILD_WRITE] = "wild-write",
	[NOOKS_FAULT_STACK_OVERFLOW] = "stack-overflow",
	[NOOKS_FAULT_BUG] = "bug",
	[NOOKS_FAULT_GPF] = "gpf",
	[NOOKS_FAULT_DIV_ZERO] = "div-zero",
	[NOOKS_FAULT_BAD_FREE] = "bad-free",
	[NOOKS_FAULT_DOUBLE_FREE] = "double-free",
	[NOOKS_FAULT_HANG] = "hang",
	[NOOKS_FAULT_ILLEGAL_INSN] = "illegal-insn",
	[NOOKS_FAULT_HANG_IRQOFF] = "hang-irqoff",
	[NOOKS_FAULT_KERNEL_WRITE] = "kernel-write",
	[NOOKS_FAULT_STALE_WRITE] = "stale-write",
};

/* kfree through the domain's injection gate, as its driver would. */
static void nooks_payload_kfree(const void *p)
{
	struct nooks_domain *d = nooks_xpc_current()->domain;

	nooks_payload_gate_call(READ_ONCE(d->manifest), &d->inject_gate,
				(unsigned long)p);
	barrier();	/* a call, not a tail jump: the report names the caller */
}

static void nooks_payload_bad_free(void)
{
	nooks_payload_kfree(&nooks_payload_victim);
}

static void nooks_inject_release_kfree(struct nooks_object *obj)
{
	kfree((void *)obj->key.addr);
}

/*
 * Memory the domain holds, as if its driver had kmalloc'd it (the entry
 * gate allocated it, in kernel context: nooks_inject_fire()): freed twice.
 */
static void nooks_payload_double_free(void)
{
	void *p = READ_ONCE(nooks_xpc_current()->domain->inject_victim);

	nooks_payload_kfree(p);
	nooks_payload_kfree(p);
}

/* The double-free payload's victim: 0 or -ENOMEM. */
static int nooks_inject_victim(struct nooks_domain *d)
{
	void *p = kmalloc(64, GFP_ATOMIC);

	if (!p)
		return -ENOMEM;
	if (nooks_objtrack_add(&d->objects, NOOKS_OBJ_MEMORY, p, 64,
			       nooks_inject_release_kfree, _RET_IP_,
			       GFP_ATOMIC)) {
		kfree(p);
		return -ENOMEM;
	}
	WRITE_ONCE(d->inject_victim, p);
	return 0;
}

/*
 * What stale-write writes: a page-sized allocation of the domain's heap
 * (domains/heap.c; kmalloc's when unprotected), granted and revoked as
 * the driver's own kmalloc and kfree would, then freed: the page holds no
 * other object, so nothing keeps it writable.
 */
static int nooks_inject_stale(struct nooks_domain *d)
{
	struct nooks_protect *p = READ_ONCE(d->prot);
	struct kmem_cache *c = p ? nooks_heap_cache(&p->heap, PAGE_SIZE) :
				   NULL;
	void *v = c ? kmalloc_trace(c, GFP_ATOMIC, PAGE_SIZE) :
		      kmalloc(PAGE_SIZE, GFP_ATOMIC);

	if (!v)
		return -ENOMEM;
	nooks_protect_grant(d, (unsigned long)v, PAGE_SIZE);
	nooks_protect_revoke(d, (unsigned long)v, PAGE_SIZE);
	kfree(v);
	WRITE_ONCE(nooks_payload_stale, (unsigned long)v);
	return 0;
}

static void (*const nooks_payloads[__NOOKS_FAULT_MAX])(void) = {
	[NOOKS_FAULT_NULL_DEREF] = nooks_payload_null_deref,
	[NOOKS_FAULT_WILD_WRITE] = nooks_payload_wild_write,
	[NOOKS_FAULT_STACK_OVERFLOW] = nooks_payload_stack_overflow,
	[NOOKS_FAULT_BUG] = nooks_payload_bug,
	[NOOKS_FAULT_GPF] = nooks_payload_gpf,
	[NOOKS_FAULT_DIV_ZERO] = nooks_payload_div_zero,
	[NOOKS_FAULT_BAD_FREE] = nooks_payload_bad_free,
	[NOOKS_FAULT_DOUBLE_FREE] = nooks_payload_double_free,
	[NOOKS_FAULT_HANG] = nooks_payload_hang,
	[NOOKS_FAULT_ILLEGAL_INSN] = nooks_payload_illegal_insn,
	[NOOKS_FAULT_HANG_IRQOFF] = nooks_payload_hang_irqoff,
	[NOOKS_FAULT_KERNEL_WRITE] = nooks_payload_kernel_write,
	[NOOKS_FAULT_STALE_WRITE] = nooks_payload_stale_write,
};

static bool nooks_inject_frees(u32 fault)
{
	return fault == NOOKS_FAULT_BAD_FREE || fault == NOOKS_FAULT_DOUBLE_FREE;
}

/**
 * nooks_inject_arm() - make the domain's next entries fault
 * @d: the domain
 * @fault: enum nooks_fault
 * @count: how many entries, 1..NOOKS_INJECT_COUNT_MAX
 * @why: set to a message for the user on error
 *
 * Return: 0; -EINVAL for an unknown fault or count; -EBUSY if the domain
 * is not live; -EOPNOTSUPP for a free payload in a domain that is not
 * strict.
 */
int nooks_inject_arm(struct nooks_domain *d, u32 fault, u32 count,
		     const char **why)
{
	const struct nooks_wrapper *w;

	if (fault >= __NOOKS_FAULT_MAX) {
		*why = "unknown fault type";
		return -EINVAL;
	}
	if (!count || count > NOOKS_INJECT_COUNT_MAX) {
		*why = "count must be 1..1000";
		return -EINVAL;
	}
	if (nooks_domain_state(d) != NOOKS_STATE_LIVE || !READ_ONCE(d->module)) {
		*why = "the domain is not live";
		return -EBUSY;
	}
	if (nooks_inject_frees(fault)) {
		w = nooks_wrapper_find("kfree");
		if (!w || !READ_ONCE(d->strict)) {
			*why = "not strict: the driver has untyped imports";
			return -EOPNOTSUPP;
		}
		d->inject_gate.target = (unsigned long)kfree;
		d->inject_gate.kind = NOOKS_GATE_EXIT;
		d->inject_gate.ret_class = NOOKS_RET_VOID;
		WRITE_ONCE(d->inject_wrap, w);
	}
	atomic_set(&d->inject_left, 0);
	WRITE_ONCE(d->inject_fault, fault);
	atomic_set(&d->inject_left, count);
	pr_info("domain %s: %s armed for the next %u entries%s\n", d->name,
		nooks_fault_names[fault], count,
		nooks_inject_writes(fault) && !READ_ONCE(d->prot) ?
		" (not contained: the domain is not protected)" : "");
	return 0;
}

/**
 * nooks_inject_fire() - an entry of an armed domain: run the payload?
 * @d: the domain
 * @f: the entry frame; its target becomes the payload
 *
 * Context: the entry gate, preemption off.
 */
notrace void nooks_inject_fire(struct nooks_domain *d,
			       struct nooks_xpc_frame *f)
{
	u32 fault;

	if (atomic_dec_if_positive(&d->inject_left) < 0)
		return;
	fault = READ_ONCE(d->inject_fault);
	if (nooks_inject_frees(fault) && !READ_ONCE(d->strict)) {
		pr_warn("domain %s: %s not injected: the domain is no longer strict\n",
			d->name, nooks_fault_names[fault]);
		return;
	}
	if (fault == NOOKS_FAULT_DOUBLE_FREE && nooks_inject_victim(d)) {
		pr_warn("domain %s: double-free not injected: no memory\n",
			d->name);
		return;
	}
	if (fault == NOOKS_FAULT_STALE_WRITE && nooks_inject_stale(d)) {
		pr_warn("domain %s: stale-write not injected: no memory\n",
			d->name);
		return;
	}
	if (nooks_inject_writes(fault) && !READ_ONCE(d->prot))
		pr_warn("domain %s: %s injected: NOT contained (the domain is not protected)\n",
			d->name, nooks_fault_names[fault]);
	f->target = (unsigned long)nooks_payloads[fault];
}

/**
 * nooks_inject_payload() - the payload of a fault type, for the control
 * run that shows the payloads crash the kernel when not isolated
 * (tests/control/native.sh)
 * @fault: enum nooks_fault
 *
 * Return: the payload, or NULL for an unknown fault.
 */
void *nooks_inject_payload(u32 fault)
{
	return fault < __NOOKS_FAULT_MAX ? nooks_payloads[fault] : NULL;
}
EXPORT_SYMBOL_GPL(nooks_inject_payload);

/**
 * nooks_inject_payload_ip() - is @ip in a payload, i.e. driver code?
 * @ip: an instruction address
 *
 * Return: true for the assembly payloads.
 */
notrace bool nooks_inject_payload_ip(unsigned long ip)
{
	return ip >= (unsigned long)nooks_payload_null_deref &&
	       ip < (unsigned long)nooks_payload_end;
}
