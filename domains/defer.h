/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deferred exit calls, after Nooks' deferred XPC: a kernel function whose
 * spec says "defer" (a void function the driver learns nothing from: a
 * request ended, an skb freed, NAPI scheduled) is not called when the
 * driver calls it. Its exit gate, still in the domain, queues the call on
 * this CPU; the kernel makes the queued calls, in order and through the
 * same typed wrappers, when the driver code's crossing ends or before
 * its next call that is not deferred. A driver that ends 32 requests in
 * one completion crosses out once instead of 32 times.
 *
 * One queue per CPU and interrupt context (task, softirq, hardirq):
 * driver code of one context runs to completion or crosses out before
 * code of the same context runs again on its CPU, and a crossing out
 * empties the queue first, so a queue only ever holds calls of the
 * innermost entry frame of its context (its owner). NMIs do not defer.
 */
#ifndef _NOOKS_DEFER_H
#define _NOOKS_DEFER_H

#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "xpc.h"

/* Calls a queue holds; the next one crosses out and makes them. */
#define NOOKS_DEFER_MAX		16
/* Arguments a deferred function may take (all in registers). */
#define NOOKS_DEFER_ARGS	3
#define NOOKS_DEFER_LEVELS	3	/* task, softirq, hardirq */

struct nooks_defer_call {
	const struct nooks_gate_desc *desc;
	u64 ret;			/* return address into the driver */
	u64 args[NOOKS_DEFER_ARGS];
};

struct nooks_defer_queue {
	/* the entry frame whose driver code queued the calls */
	struct nooks_xpc_frame *owner;
	u32 n;				/* calls queued */
	struct nooks_defer_call calls[NOOKS_DEFER_MAX];
};

DECLARE_PER_CPU(struct nooks_defer_queue, nooks_defer_queues[NOOKS_DEFER_LEVELS]);

/* The queue of @context (enum of nooks_xpc_context()); NULL in an NMI. */
static __always_inline struct nooks_defer_queue *nooks_defer_queue(u32 context)
{
	if (context & NMI_MASK)
		return NULL;
	return this_cpu_ptr(&nooks_defer_queues[nooks_xpc_level(context)]);
}

/* Called by the exit gate, on the domain's table: see defer.c. */
bool nooks_defer_try(struct nooks_manifest *m,
		     const struct nooks_gate_desc *desc, u64 ret, u64 a0,
		     u64 a1, u64 a2);

void nooks_defer_run(struct nooks_xpc_frame *entry);

/*
 * Make the calls @entry's driver code queued, if any; true if there were.
 * Context: kernel code, @entry no longer this CPU's innermost frame,
 * preemption off.
 */
static __always_inline bool nooks_defer_flush(struct nooks_xpc_frame *entry)
{
	struct nooks_defer_queue *q = nooks_defer_queue(entry->context);

	if (!q || !READ_ONCE(q->n) || q->owner != entry)
		return false;
	nooks_defer_run(entry);
	return true;
}

#endif /* _NOOKS_DEFER_H */
