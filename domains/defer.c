// SPDX-License-Identifier: GPL-2.0
/*
 * Deferred exit calls (defer.h). nooks_defer_try() runs in the exit gate
 * before it leaves the domain, on the domain's table and stack: it reads
 * the kernel (read-only there) and writes this CPU's per-CPU unit (which
 * a domain may write), nothing else. nooks_defer_run() runs in kernel
 * context and makes the calls as the exit gate would have: the typed
 * wrapper's pre hook (its checks; a failed one fails the domain and the
 * call is not made), the function, the post hook.
 *
 * Not instrumented (Kbuild): it runs between driver and kernel code.
 */
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "../core/domain.h"
#include "../wrappers/wrap.h"
#include "batch.h"
#include "defer.h"

DEFINE_PER_CPU(struct nooks_defer_queue, nooks_defer_queues[NOOKS_DEFER_LEVELS]);

/**
 * nooks_defer_try() - queue a call of a deferrable function, if it may be
 * @m: the calling module's manifest (%r10 of its exit stub)
 * @desc: the exit gate's descriptor (%r11), with NOOKS_GATE_DEFER or
 *	NOOKS_GATE_PREMADE
 * @ret: the return address into the driver (for reports)
 * @a0: the first argument
 * @a1: the second
 * @a2: the third
 *
 * The call is queued when the driver code runs under an entry frame of
 * its own domain in this context, the domain is live and this context's
 * queue has room and holds only that frame's calls. Otherwise the gate
 * crosses out as for any call, and that crossing makes the queued calls
 * first. A call through a NOOKS_GATE_PREMADE gate is never queued: it
 * returns at once if the kernel made it already (nooks_batch_premade()),
 * else it crosses.
 *
 * Context: the exit gate, on the domain's table; preemption off (the
 * entry frame holds it) whenever it returns true.
 * Return: true if queued (the gate returns to the driver at once).
 */
notrace bool nooks_defer_try(struct nooks_manifest *m,
			     const struct nooks_gate_desc *desc, u64 ret,
			     u64 a0, u64 a1, u64 a2)
{
	struct nooks_xpc_frame *cur = nooks_domain_caller(m);
	struct nooks_defer_queue *q;
	struct nooks_defer_call *c;
	u32 n;

	if (!cur)
		return false;
	/* not deferred: made already, or crosses (domains/batch.h) */
	if (desc->kind & NOOKS_GATE_PREMADE)
		return nooks_batch_premade(cur, desc, a0);
	q = nooks_defer_queue(cur->context);
	if (!q)
		return false;
	n = READ_ONCE(q->n);
	if (n >= NOOKS_DEFER_MAX || (n && q->owner != cur))
		return false;
	c = &q->calls[n];
	c->desc = desc;
	c->ret = ret;
	c->args[0] = a0;
	c->args[1] = a1;
	c->args[2] = a2;
	q->owner = cur;
	barrier();
	WRITE_ONCE(q->n, n + 1);
	return true;
}

/* One queued call, as the exit gate makes it (domains/xpc.c). */
static void nooks_defer_call(struct nooks_xpc_frame *entry,
			     const struct nooks_defer_call *c)
{
	struct nooks_domain *d = entry->domain;
	const struct nooks_wrapper *w;
	struct nooks_xpc_frame f = {
		.rdi = c->args[0],
		.rsi = c->args[1],
		.rdx = c->args[2],
		.manifest = entry->manifest,
		.desc = (struct nooks_gate_desc *)c->desc,
		.domain = d,
		.kind = NOOKS_XPC_EXIT,
		.ret = c->ret,
	};
	void (*fn)(u64 a0, u64 a1, u64 a2);

	/* the queue is domain-writable: only its own deferrable gates */
	if (c->desc < READ_ONCE(d->gates) ||
	    c->desc >= READ_ONCE(d->gates) + READ_ONCE(d->n_gates) ||
	    !(c->desc->kind & NOOKS_GATE_DEFER)) {
		nooks_domain_fail(d, "bad-param deferred call of no deferrable gate");
		return;
	}
	f.target = c->desc->target;
	w = nooks_domain_wrapper(d, f.desc);
	if (w && w->pre && w->pre(&f))
		return;			/* the domain failed: not made */
	fn = (void *)(unsigned long)f.target;
	fn(f.rdi, f.rsi, f.rdx);
	if (w && w->post)
		w->post(&f);
}

/**
 * nooks_defer_run() - make the calls @entry's driver code queued
 * @entry: the owner of this CPU's queue of its context
 *
 * The queue is emptied before the first call: a call that enters a
 * domain again queues anew.
 *
 * Context: kernel code, @entry no longer this CPU's innermost frame,
 * preemption off.
 */
notrace void nooks_defer_run(struct nooks_xpc_frame *entry)
{
	struct nooks_defer_queue *q = nooks_defer_queue(entry->context);
	struct nooks_defer_call calls[NOOKS_DEFER_MAX];
	unsigned int i, n;

	n = min_t(u32, READ_ONCE(q->n), NOOKS_DEFER_MAX);
	memcpy(calls, q->calls, n * sizeof(calls[0]));
	q->owner = NULL;
	WRITE_ONCE(q->n, 0);
	this_cpu_add(entry->domain->counters->v[NOOKS_CNT_DEFERRED], n);
	for (i = 0; i < n; i++)
		nooks_defer_call(entry, &calls[i]);
}
