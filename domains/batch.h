/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched entries: one kernel->driver crossing for many calls of one
 * driver callback, as Nooks batched its XPCs. The kernel side gathers
 * the calls' arguments into this CPU's struct nooks_batch, arms it and
 * calls the callback's entry stub with the batch for its first argument;
 * the entry gate (domains/xpc.c) sees the armed batch and, instead of
 * the driver function, runs a loop of nooks.ko in the domain that calls
 * the driver function once per argument (batch.c).
 *
 * blk-mq is the user: a domain's tag set gets a copy of the driver's
 * blk_mq_ops with queue_rqs (a plug's requests: one crossing) and a
 * complete that gathers the completions of a softirq pass, or of a
 * queue_rqs call (batch.c).
 */
#ifndef _NOOKS_BATCH_H
#define _NOOKS_BATCH_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "xpc.h"

struct blk_mq_tag_set;
struct nooks_domain;

/*
 * Calls one batched entry makes at most: no more than a deferral queue
 * holds (defer.h), so that a batch of completions defers all it ends.
 */
#define NOOKS_BATCH_MAX		16
/* What a batch loop returns, or'ed with the calls it completed. */
#define NOOKS_BATCH_RAN		BIT_ULL(32)

struct nooks_batch {
	/* set by the kernel side before it arms the batch */
	unsigned long (*run)(unsigned long a0, struct nooks_batch *b);
	unsigned long a0;		/* the callback's first argument */
	unsigned long arg[NOOKS_BATCH_MAX];	/* its second, or first */
	u32 n;				/* calls to make */
	/* set by the entry gate that takes the batch */
	bool entered;
	unsigned long target;		/* the driver function */
	/*
	 * written in the domain, do not trust beyond n: calls completed
	 * before the one running (the status of one that stopped the loop
	 * comes back in the return value)
	 */
	u32 done;
};

/* The batch the next entry of this CPU with it for %rdi takes; see xpc.c. */
DECLARE_PER_CPU(struct nooks_batch *, nooks_batch_armed);

/*
 * Called by nooks_xpc_enter() with the frame of an entry whose first
 * argument is the armed batch: the crossing runs the batch's loop.
 */
static __always_inline bool nooks_batch_take(struct nooks_xpc_frame *f)
{
	struct nooks_batch *b = this_cpu_read(nooks_batch_armed);

	if (likely(!b) || f->rdi != (unsigned long)b)
		return false;
	this_cpu_write(nooks_batch_armed, NULL);
	b->entered = true;
	b->target = f->target;
	f->target = (unsigned long)b->run;
	f->rdi = b->a0;
	f->rsi = (unsigned long)b;
	f->flags |= NOOKS_XPC_BATCH;
	return true;
}

/* The batch an entry gate's frame stands for (armed or taken), or NULL. */
static __always_inline struct nooks_batch *
nooks_batch_of(struct nooks_xpc_frame *f)
{
	struct nooks_batch *b = this_cpu_read(nooks_batch_armed);

	if (f->flags & NOOKS_XPC_BATCH)
		return (struct nooks_batch *)(unsigned long)f->rsi;
	return b && f->rdi == (unsigned long)b ? b : NULL;
}

unsigned long nooks_batch_call(struct nooks_batch *b, const void *stub);
void nooks_batch_attach_tag_set(struct nooks_domain *d,
				struct blk_mq_tag_set *set);
void nooks_batch_domain_uninit(struct nooks_domain *d);
int nooks_batch_init(void);
void nooks_batch_uninit(void);

#endif /* _NOOKS_BATCH_H */
