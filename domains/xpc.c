// SPDX-License-Identifier: GPL-2.0
/*
 * The C halves of the XPC gates (arch/x86/gate.S). They run on every
 * crossing, between driver and kernel code: no tracing, no
 * instrumentation, nothing that can sleep.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/preempt.h>
#include <linux/stddef.h>

#include "../core/domain.h"
#include "xpc.h"

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
static_assert(sizeof(struct nooks_xpc_frame) == NOOKS_XPC_FRAME_SIZE);
static_assert(NOOKS_XPC_FRAME_SIZE % 16 == 8);
static_assert(offsetof(struct nooks_gate_desc, target) == NOOKS_DESC_TARGET);
static_assert(offsetof(struct nooks_gate_desc, stack_slots) ==
	      NOOKS_DESC_STACK_SLOTS);

/* Innermost crossing of each CPU; see domains/xpc.h. */
DEFINE_PER_CPU(struct nooks_xpc_frame *, nooks_xpc_cur);

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
 * Return: 0 to cross; 1 when this CPU already runs the same domain's
 * code (a driver calling itself through a stored pointer: a plain call);
 * -1 when the domain is not live and the caller must get the failure
 * value.
 */
notrace int nooks_xpc_enter(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d = nooks_xpc_domain(f);
	struct nooks_xpc_frame *cur;

	if (unlikely(!d || READ_ONCE(d->state) != NOOKS_STATE_LIVE))
		return -1;
	preempt_disable();
	cur = this_cpu_read(nooks_xpc_cur);
	if (cur && cur->kind == NOOKS_XPC_ENTRY && cur->domain == d) {
		preempt_enable();
		return 1;
	}
	f->kind = NOOKS_XPC_ENTRY;
	f->flags = 0;
	f->domain = d;
	f->prev = cur;
	this_cpu_write(nooks_xpc_cur, f);
	nooks_domain_count(d, NOOKS_CNT_CALLS_IN);
	return 0;
}

/**
 * nooks_xpc_leave() - end a kernel->driver crossing
 * @f: the entry gate's frame
 */
notrace void nooks_xpc_leave(struct nooks_xpc_frame *f)
{
	this_cpu_write(nooks_xpc_cur, f->prev);
	preempt_enable();
}

/**
 * nooks_xpc_ret_failure() - what a failed call returns, by return class
 * @ret_class: enum nooks_ret_class
 *
 * Return: -EIO for int-like functions, 0 (NULL, false) otherwise.
 */
notrace unsigned long nooks_xpc_ret_failure(unsigned int ret_class)
{
	return ret_class == NOOKS_RET_INT ? (unsigned long)-EIO : 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_xpc_ret_failure, NOOKS_INTERNAL);

/**
 * nooks_xpc_fail_value() - the failure value of an entry gate's function
 * @f: the entry gate's frame
 *
 * Return: see nooks_xpc_ret_failure().
 */
notrace unsigned long nooks_xpc_fail_value(struct nooks_xpc_frame *f)
{
	return nooks_xpc_ret_failure(f->desc->ret_class);
}

/**
 * nooks_xpc_out() - start a driver->kernel crossing
 * @f: the exit gate's frame
 *
 * Return: 0.
 */
notrace int nooks_xpc_out(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d = nooks_xpc_domain(f);
	struct nooks_xpc_frame *cur = this_cpu_read(nooks_xpc_cur);

	if (d)
		nooks_domain_count(d, NOOKS_CNT_CALLS_OUT);
	f->kind = NOOKS_XPC_EXIT;
	f->domain = d;
	f->flags = 0;
	/*
	 * Driver code reached without an entry gate (nothing of ours holds
	 * preemption) only counts; otherwise give the kernel back the
	 * caller's preemption state.
	 */
	if (!cur || cur->kind != NOOKS_XPC_ENTRY)
		return 0;
	f->flags = NOOKS_XPC_ENTERED;
	f->prev = cur;
	this_cpu_write(nooks_xpc_cur, f);
	preempt_enable();
	return 0;
}

/**
 * nooks_xpc_back() - end a driver->kernel crossing: driver code resumes
 * @f: the exit gate's frame
 */
notrace void nooks_xpc_back(struct nooks_xpc_frame *f)
{
	if (!(f->flags & NOOKS_XPC_ENTERED))
		return;
	preempt_disable();
	this_cpu_write(nooks_xpc_cur, f->prev);
}

/**
 * nooks_xpc_current() - this CPU's innermost crossing frame
 *
 * Return: the frame, or NULL outside any crossing.
 */
struct nooks_xpc_frame *nooks_xpc_current(void)
{
	return this_cpu_read(nooks_xpc_cur);
}
EXPORT_SYMBOL_NS_GPL(nooks_xpc_current, NOOKS_INTERNAL);
