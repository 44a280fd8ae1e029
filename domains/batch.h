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
 *
 * Premade calls: a kernel call each driver call of a batch makes with
 * its argument (blk_mq_start_request, which every queue_rq makes) may be
 * made by the kernel side for each argument before it crosses. The
 * driver's own call then returns at once in the domain: its exit gate
 * carries NOOKS_GATE_PREMADE, and nooks_batch_premade() finds the call
 * is the batch's premade function with the argument of the driver call
 * that runs. So a batch of 16 I/Os crosses once, not 17 times.
 */
#ifndef _NOOKS_BATCH_H
#define _NOOKS_BATCH_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/minmax.h>
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
	/* made by the kernel side for each argument (batch.h); 0: none */
	unsigned long premade;
	/* set by the entry gate that takes the batch */
	bool entered;
	unsigned long target;		/* the driver function */
	/*
	 * written in the domain, do not trust beyond n: calls completed
	 * before the one running (the status of one that stopped the loop
	 * comes back in the return value)
	 */
	u32 done;
	/*
	 * written in the domain, do not trust beyond n: bit i, the
	 * driver's call of the premade function for arg[i] returned at once
	 */
	u32 premade_hit;
};

static_assert(NOOKS_BATCH_MAX <= 32);

/* The batch the next entry of this CPU with it for %rdi takes; see xpc.c. */
DECLARE_PER_CPU(struct nooks_batch *, nooks_batch_armed);

/*
 * The next entry of this CPU with @b for its first argument takes @b:
 * run, a0, arg and n set. nooks_batch_call() arms and calls; a kernel
 * side whose entry is already under way arms only (domains/xmit.c).
 */
static __always_inline void nooks_batch_arm(struct nooks_batch *b)
{
	b->entered = false;
	b->done = 0;
	b->premade_hit = 0;
	this_cpu_write(nooks_batch_armed, b);
}

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

/*
 * Called by the exit gate of a NOOKS_GATE_PREMADE function, in the
 * domain, for driver code of the entry frame @cur that calls the function
 * of @desc with @a0: true if the kernel side made that call already for
 * the batch call that runs, which the call then stands for. Reads the
 * frame (read-only in the domain) and writes this CPU's batch.
 */
static __always_inline bool
nooks_batch_premade(struct nooks_xpc_frame *cur,
		    const struct nooks_gate_desc *desc, u64 a0)
{
	struct nooks_batch *b;
	u32 i;

	if (!(cur->flags & NOOKS_XPC_BATCH))
		return false;
	b = (struct nooks_batch *)(unsigned long)cur->rsi;
	i = READ_ONCE(b->done);
	if (!b->premade || b->premade != desc->target ||
	    i >= min_t(u32, READ_ONCE(b->n), NOOKS_BATCH_MAX) ||
	    b->arg[i] != a0)
		return false;
	b->premade_hit |= BIT(i);
	return true;
}

bool nooks_batch_enabled(void);
bool nooks_batch_premade_import(const char *name);
unsigned long nooks_batch_call(struct nooks_batch *b, const void *stub);
void nooks_batch_attach_tag_set(struct nooks_domain *d,
				struct blk_mq_tag_set *set);
void nooks_batch_domain_uninit(struct nooks_domain *d);
int nooks_batch_init(void);
void nooks_batch_uninit(void);

#endif /* _NOOKS_BATCH_H */
