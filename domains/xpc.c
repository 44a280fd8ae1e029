// SPDX-License-Identifier: GPL-2.0
/*
 * The C halves of the XPC gates (arch/x86/gate.S). They run on every
 * crossing, between driver and kernel code: no tracing, no
 * instrumentation, nothing that can sleep.
 */
#include <linux/blk_types.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/stddef.h>
#include <asm/processor-flags.h>

#include "../arch/x86/fault.h"
#include "../arch/x86/idt.h"
#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "batch.h"
#include "defer.h"
#include "inject.h"
#include "local.h"
#include "xpc.h"
#include "../wrappers/wrap.h"

static_assert(offsetof(struct nooks_xpc_frame, rdi) == NOOKS_XPC_RDI);
static_assert(offsetof(struct nooks_xpc_frame, rsi) == NOOKS_XPC_RSI);
static_assert(offsetof(struct nooks_xpc_frame, rdx) == NOOKS_XPC_RDX);
static_assert(offsetof(struct nooks_xpc_frame, rcx) == NOOKS_XPC_RCX);
static_assert(offsetof(struct nooks_xpc_frame, r8) == NOOKS_XPC_R8);
static_assert(offsetof(struct nooks_xpc_frame, r9) == NOOKS_XPC_R9);
static_assert(offsetof(struct nooks_xpc_frame, rax) == NOOKS_XPC_RAX);
static_assert(offsetof(struct nooks_xpc_frame, rdx_ret) == NOOKS_XPC_RDX_RET);
static_assert(offsetof(struct nooks_xpc_frame, manifest) == NOOKS_XPC_MANIFEST);
static_assert(offsetof(struct nooks_xpc_frame, desc) == NOOKS_XPC_DESC);
static_assert(offsetof(struct nooks_xpc_frame, rbp) == NOOKS_XPC_RBP);
static_assert(offsetof(struct nooks_xpc_frame, ret) == NOOKS_XPC_RET);
static_assert(offsetof(struct nooks_xpc_frame, target) == NOOKS_XPC_TARGET);
static_assert(offsetof(struct nooks_xpc_frame, flags) == NOOKS_XPC_FLAGS);
static_assert(offsetof(struct nooks_xpc_frame, dstack) == NOOKS_XPC_DSTACK);
static_assert(offsetof(struct nooks_xpc_frame, ksp) == NOOKS_XPC_KSP);
static_assert(offsetof(struct nooks_xpc_frame, cr3_in) == NOOKS_XPC_CR3_IN);
static_assert(offsetof(struct nooks_xpc_frame, cr3) == NOOKS_XPC_CR3);
static_assert(offsetof(struct nooks_xpc_frame, retry_ip) ==
	      NOOKS_XPC_RETRY_IP);
static_assert(sizeof(struct nooks_xpc_frame) == NOOKS_XPC_FRAME_SIZE);
/* The return address leaves %rsp at 8 mod 16; the pushes add 48. */
static_assert((8 + 48 + NOOKS_XPC_FRAME_SIZE) % 16 == 8);
static_assert(offsetof(struct nooks_gate_desc, target) == NOOKS_DESC_TARGET);
static_assert(offsetof(struct nooks_gate_desc, kind) == NOOKS_DESC_KIND);
static_assert(NOOKS_GATE_DEFER == 1U << NOOKS_DESC_DEFER_BIT);
static_assert(NOOKS_GATE_PREMADE == 1U << NOOKS_DESC_PREMADE_BIT);
static_assert(NOOKS_GATE_LOCAL == 1U << NOOKS_DESC_LOCAL_BIT);
static_assert(offsetof(struct nooks_gate_desc, stack_slots) ==
	      NOOKS_DESC_STACK_SLOTS);

/* Innermost entry frame of the driver code each CPU runs; see xpc.h. */
DEFINE_PER_CPU(struct nooks_xpc_frame *, nooks_xpc_cur);
DEFINE_PER_CPU(unsigned long, nooks_xpc_deadline);
DEFINE_PER_CPU(unsigned long, nooks_xpc_dcr3);
DEFINE_PER_CPU(unsigned long, nooks_xpc_kcr3);

static __always_inline unsigned long nooks_xpc_read_cr3(void)
{
	unsigned long cr3;

	asm volatile("mov %%cr3, %0" : "=r" (cr3));
	return cr3;
}

/*
 * This CPU runs on a domain's table (a gate called from driver code):
 * go to the kernel's. Return: the domain's CR3, or 0 if it was not on one.
 */
static __always_inline unsigned long nooks_xpc_to_kernel_cr3(void)
{
	unsigned long cr3 = nooks_xpc_read_cr3();

	if (!cr3 || cr3 != this_cpu_read(nooks_xpc_dcr3))
		return 0;
	asm volatile("mov %0, %%cr3" : : "r" (this_cpu_read(nooks_xpc_kcr3))
		     : "memory");
	if (nooks_protect_flush_global) {
		unsigned long flags = arch_local_irq_save(), cr4;

		asm volatile("mov %%cr4, %0" : "=r" (cr4));
		asm volatile("mov %0, %%cr4" : : "r" (cr4 & ~X86_CR4_PGE)
			     : "memory");
		asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
		arch_local_irq_restore(flags);
	}
	return cr3;
}

/* A deadline from now for driver code of @d (arch/x86/hang.c). */
static __always_inline unsigned long nooks_xpc_deadline_from_now(struct nooks_domain *d)
{
	return (jiffies + READ_ONCE(d->hang_timeout)) | 1;
}

/* How often the current task has been switched out: did it sleep? */
static __always_inline unsigned long nooks_xpc_switches(void)
{
	return current->nvcsw + current->nivcsw;
}

/*
 * @f becomes the innermost entry frame of this CPU, on top of @prev: its
 * driver code runs from now, and must cross again before @deadline
 * (arch/x86/hang.c). The first frame loads the domain IDT.
 */
static __always_inline void nooks_xpc_push(struct nooks_xpc_frame *f,
					   struct nooks_xpc_frame *prev,
					   unsigned long deadline)
{
	f->deadline = deadline;
	f->prev = prev;
	if (!prev)
		nooks_idt_load_domain();
	this_cpu_write(nooks_xpc_cur, f);
	this_cpu_write(nooks_xpc_deadline, f->deadline);
	/* the gate loads f->cr3 itself, last */
	if (f->cr3)
		this_cpu_write(nooks_xpc_kcr3, nooks_xpc_read_cr3() |
			       nooks_protect_noflush);
	this_cpu_write(nooks_xpc_dcr3, f->cr3);
}

/* @prev becomes the innermost entry frame again; NULL: none is left. */
static __always_inline void nooks_xpc_pop(struct nooks_xpc_frame *prev)
{
	this_cpu_write(nooks_xpc_cur, prev);
	this_cpu_write(nooks_xpc_deadline, prev ? prev->deadline : 0);
	this_cpu_write(nooks_xpc_dcr3, prev ? prev->cr3 : 0);
	if (!prev)
		nooks_idt_load_kernel();
}

/*
 * The gates are exported from C so that genksyms gives them CRCs: Debian's
 * kernel refuses a module import without one.
 */
EXPORT_SYMBOL_GPL(nooks_xpc_entry);
EXPORT_SYMBOL_GPL(nooks_xpc_exit);

static struct nooks_domain *nooks_xpc_domain(struct nooks_xpc_frame *f)
{
	return (struct nooks_domain *)(unsigned long)READ_ONCE(f->manifest->domain);
}

/**
 * nooks_xpc_enter() - start a kernel->driver crossing
 * @f: the entry gate's frame
 *
 * Return: 0 to cross; 1 when the caller is the same domain's code (a
 * driver calling itself through a stored pointer: a plain call); -1 when
 * the domain is not live and the caller must get the failure value, or
 * the entry's wrapper answered the call (NOOKS_XPC_ANSWERED).
 */
notrace int nooks_xpc_enter(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d = nooks_xpc_domain(f);
	const struct nooks_wrapper *w;
	struct nooks_xpc_frame *cur;
	struct nooks_protect *p;
	u32 context;

	f->cr3_in = 0;
	f->retry_ip = 0;
	f->locks = 0;
	f->flags = NOOKS_XPC_REFUSED;
	if (unlikely(!d || READ_ONCE(d->state) != NOOKS_STATE_LIVE))
		return -1;
	preempt_disable();
	cur = this_cpu_read(nooks_xpc_cur);
	context = nooks_xpc_context();
	if (cur && cur->domain == d && cur->context == context) {
		preempt_enable();
		return 1;
	}
	/* A callback whose role the kernel defines: see wrappers/entry.c. */
	w = nooks_domain_wrapper(d, f->desc);
	if (unlikely(w && w->answer) && !cur && w->answer(f)) {
		f->flags = NOOKS_XPC_ANSWERED;
		preempt_enable();
		return -1;
	}
	/* Called from another domain's code: nothing below runs on its table. */
	f->cr3_in = nooks_xpc_to_kernel_cr3();
	p = READ_ONCE(d->prot);
	f->prot = p;
	f->cr3 = 0;
	f->dstack = 0;
	if (p) {
		f->stack = nooks_stack_get(&p->stacks);
		if (unlikely(f->stack < 0)) {
			atomic_long_inc(&p->stack_misses);
			preempt_enable();
			return -1;
		}
		f->dstack = nooks_stack_top(&p->stacks, f->stack);
		f->cr3 = nooks_protect_load_cr3(p);
		nooks_protect_sync(p);
	}
	f->kind = NOOKS_XPC_ENTRY;
	f->flags = 0;
	f->domain = d;
	f->target = f->desc->target;
	/* a batch of calls armed by the kernel side (domains/batch.h) */
	if (unlikely(this_cpu_read(nooks_batch_armed)))
		nooks_batch_take(f);
	if (unlikely(w && w->pre))
		w->pre(f);
	f->context = context;
	f->preempt = preempt_count();
	f->irqflags = arch_local_save_flags();
	if (unlikely(atomic_read(&d->inject_left)))
		nooks_inject_fire(d, f);
	nooks_xpc_push(f, cur, nooks_xpc_deadline_from_now(d));
	nooks_domain_count(d, NOOKS_CNT_CALLS_IN);
	return 0;
}

/**
 * nooks_xpc_leave() - end a kernel->driver crossing
 * @f: the entry gate's frame; f->rax is what the driver returned
 */
notrace void nooks_xpc_leave(struct nooks_xpc_frame *f)
{
	const struct nooks_wrapper *w;

	nooks_xpc_pop(f->prev);
	/* what its driver code deferred is made now (domains/defer.h) */
	nooks_defer_flush(f);
	nooks_local_fold(f);
	/* before the frame goes: a lock it returns with stays held */
	if (unlikely(READ_ONCE(f->locks)))
		nooks_objtrack_orphan(&f->domain->objects, &f->locks);
	if (f->prot)
		nooks_stack_put(&f->prot->stacks, f->stack);
	if (unlikely(f->flags & NOOKS_XPC_TASK_GRANT))
		nooks_protect_task_revoke(f);
	nooks_domain_count(f->domain, NOOKS_CNT_LEAVES);
	preempt_enable();
	w = nooks_domain_wrapper(f->domain, f->desc);
	if (unlikely(w && w->post))
		w->post(f);
}

/**
 * nooks_xpc_unwind() - end a crossing whose driver code faulted
 * @f: the entry gate's frame, which the fault resumed at
 *
 * The driver code was abandoned wherever it was. A fault caught where
 * the domain could not be failed on the spot (#DF, NMI) is reported
 * first, so that nothing below lets driver code of the domain run on.
 * The locks this driver code took are released by this thread, as it
 * would have: spinlocks first, each giving back the preemption count and
 * interrupt state it took; then the rest of the preemption count and
 * interrupt state the entry had goes back; the sleeping locks last, once
 * the crossing has ended (wrappers/locks.c).
 */
notrace void nooks_xpc_unwind(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d = f->domain;
	LIST_HEAD(sleeping);

	nooks_fault_deferred(f);
	if (unlikely(READ_ONCE(f->locks)))
		nooks_wrap_locks_unwind(f, &sleeping);
	preempt_count_set(f->preempt);
	local_irq_restore(f->irqflags);
	nooks_xpc_leave(f);
	if (unlikely(!list_empty(&sleeping)))
		nooks_wrap_locks_unwind_sleeping(d, &sleeping);
}

/**
 * nooks_xpc_ret_failure() - what a failed call returns, by return class
 * @ret_class: enum nooks_ret_class
 *
 * Return: -EIO for int-like functions, BLK_STS_IOERR for blk_status_t,
 * 0 (NULL, false, an enum's first value) otherwise.
 */
notrace unsigned long nooks_xpc_ret_failure(unsigned int ret_class)
{
	switch (ret_class) {
	case NOOKS_RET_INT:
		return (unsigned long)-EIO;
	case NOOKS_RET_BLK_STATUS:
		return (__force u8)BLK_STS_IOERR;
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_xpc_ret_failure, NOOKS_INTERNAL);

/**
 * nooks_xpc_fail_value() - the failure value of an entry gate's function
 * @f: the entry gate's frame
 *
 * Return: see nooks_xpc_ret_failure(); for a call the entry's wrapper
 * answered, its answer.
 */
notrace unsigned long nooks_xpc_fail_value(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d;
	const struct nooks_wrapper *w;

	if (f->flags & NOOKS_XPC_ANSWERED)
		return f->rax;
	d = nooks_xpc_domain(f);
	w = d ? nooks_domain_wrapper(d, f->desc) : NULL;
	if (w && w->fail)
		return w->fail(f);
	return nooks_xpc_ret_failure(f->desc->ret_class);
}

/* A domain whose driver code must not run on. */
static __always_inline bool nooks_xpc_failed(struct nooks_domain *d)
{
	enum nooks_domain_state state = READ_ONCE(d->state);

	return state == NOOKS_STATE_FAILED || state == NOOKS_STATE_RECOVERING;
}

/* Put the caller's entry frame back on this CPU: driver code resumes. */
static __always_inline struct nooks_xpc_frame *
nooks_xpc_reenter(struct nooks_xpc_frame *f)
{
	struct nooks_xpc_frame *entry = f->prev;
	unsigned long deadline = entry->deadline;

	/*
	 * A kernel call that slept gives the driver code a new deadline;
	 * one that did not is part of the driver's time on this CPU: driver
	 * code looping on kernel calls that never sleep (a SWIFI mutant of
	 * dummy, on cpumask_next) is a hang, as the soft-lockup watchdog
	 * would say later.
	 */
	if (nooks_xpc_switches() != f->deadline)
		deadline = nooks_xpc_deadline_from_now(entry->domain);
	preempt_disable();
	nooks_xpc_push(entry, this_cpu_read(nooks_xpc_cur), deadline);
	return entry;
}

/**
 * nooks_xpc_out() - start a driver->kernel crossing
 * @f: the exit gate's frame
 *
 * A typed wrapper's pre hook runs here, in kernel context; when it finds
 * a bad parameter the domain has failed and the call is not made.
 *
 * Return: NULL to call the kernel function; the caller's entry frame when
 * its domain has failed (a fault on another CPU meanwhile, or a bad
 * parameter): the gate then unwinds to it instead; @f itself when the
 * call must not be made and there is no entry frame to unwind to: the
 * gate returns f->rax.
 */
notrace struct nooks_xpc_frame *nooks_xpc_out(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d = nooks_xpc_domain(f);
	struct nooks_xpc_frame *cur = this_cpu_read(nooks_xpc_cur);
	const struct nooks_wrapper *w;

	f->kind = NOOKS_XPC_EXIT;
	f->domain = d;
	f->target = f->desc->target;
	f->flags = 0;
	f->prev = NULL;
	f->ksp = 0;
	if (d)
		nooks_domain_count(d, NOOKS_CNT_CALLS_OUT);
	/*
	 * Driver code reached without an entry gate (nothing of ours holds
	 * preemption) only counts. Otherwise the caller's entry frame leaves
	 * this CPU while the kernel runs, and the kernel gets the caller's
	 * preemption state back.
	 */
	w = d ? nooks_domain_wrapper(d, f->desc) : NULL;
	if (cur && cur->context == nooks_xpc_context()) {
		if (unlikely(nooks_xpc_failed(cur->domain)))
			return cur;
		f->flags = NOOKS_XPC_ENTERED;
		f->prev = cur;
		/* below the entry frame, on the stack the kernel called on */
		if (cur->dstack)
			f->ksp = (unsigned long)cur;
		/*
		 * A leaf runs as part of its caller: the entry frame stays
		 * this CPU's (a fault in it is the driver's, unwound to that
		 * frame), preemption off. It has no hooks.
		 */
		if (w && (w->flags & NOOKS_WRAP_LEAF)) {
			f->flags |= NOOKS_XPC_LEAF;
			return NULL;
		}
		f->deadline = nooks_xpc_switches();
		nooks_xpc_pop(cur->prev);
		nooks_local_fold(cur);
		/* the calls it deferred come first, in order */
		if (nooks_defer_flush(cur) &&
		    unlikely(nooks_xpc_failed(cur->domain))) {
			preempt_enable();
			return nooks_xpc_reenter(f);
		}
		preempt_enable();
	}
	if (!w || !w->pre || likely(!w->pre(f)))
		return NULL;
	if (f->flags & NOOKS_XPC_ENTERED)
		return nooks_xpc_reenter(f);
	f->rax = nooks_xpc_ret_failure(f->desc->ret_class);
	f->rdx_ret = 0;
	return f;
}

/**
 * nooks_xpc_back() - end a driver->kernel crossing: driver code resumes
 * @f: the exit gate's frame
 *
 * A typed wrapper's post hook runs first, still in kernel context, to
 * record what the call acquired (even when the domain failed meanwhile:
 * recovery must release it). The task may have slept and resumed on
 * another CPU: the entry frame goes on top of this CPU's chain.
 *
 * Return: NULL to return to the driver; the entry frame when its domain
 * failed while the kernel ran: the gate unwinds to it instead.
 */
notrace struct nooks_xpc_frame *nooks_xpc_back(struct nooks_xpc_frame *f)
{
	const struct nooks_wrapper *w;
	struct nooks_xpc_frame *entry;

	w = f->domain ? nooks_domain_wrapper(f->domain, f->desc) : NULL;
	if (w && w->post)
		w->post(f);
	if (!(f->flags & NOOKS_XPC_ENTERED) || (f->flags & NOOKS_XPC_LEAF))
		return NULL;
	entry = nooks_xpc_reenter(f);
	if (unlikely(nooks_xpc_failed(entry->domain)))
		return entry;
	/*
	 * Past its deadline, which a kernel call that did not sleep did not
	 * move: a loop whose time goes mostly to such calls, where the hang
	 * timer would rarely find it in driver code.
	 */
	if (unlikely(time_after(jiffies, entry->deadline))) {
		nooks_fault_report(entry, "hang", f->ret, 0);
		return entry;
	}
	return NULL;
}

/**
 * nooks_xpc_current() - the entry frame of the driver code this CPU runs
 *
 * Return: the frame, or NULL when this CPU runs no driver code.
 */
struct nooks_xpc_frame *nooks_xpc_current(void)
{
	return this_cpu_read(nooks_xpc_cur);
}
EXPORT_SYMBOL_NS_GPL(nooks_xpc_current, NOOKS_INTERNAL);

/**
 * nooks_xpc_cpu_frame() - the innermost entry frame of a CPU, for tests
 * @cpu: the CPU
 *
 * Return: the frame, or NULL.
 */
struct nooks_xpc_frame *nooks_xpc_cpu_frame(int cpu)
{
	return READ_ONCE(per_cpu(nooks_xpc_cur, cpu));
}
EXPORT_SYMBOL_NS_GPL(nooks_xpc_cpu_frame, NOOKS_INTERNAL);
