// SPDX-License-Identifier: GPL-2.0
/*
 * Batched entries (batch.h) for blk-mq.
 *
 * A domain's tag set gets a copy of its driver's blk_mq_ops (the copy
 * lives as long as the domain) with two callbacks of nooks.ko:
 *
 * - queue_rqs, which blk-mq calls with a plug's requests when the queue
 *   has no I/O scheduler: one crossing hands the driver's queue_rq up to
 *   NOOKS_BATCH_MAX requests of one hardware context, the last marked
 *   last. A request the driver does not take is handled as blk-mq's own
 *   direct issue would (blk_mq_plug_issue_direct()): busy goes back on
 *   the list for blk-mq to issue, an error ends the request. The requests
 *   after it, never handed to the driver, go back on the list too.
 *   Each request of a batch is started by the kernel side before it
 *   crosses (blk_mq_start_request, a premade call: batch.h), when the
 *   driver's call of it can return in the domain; a request handed back
 *   unhandled is then requeued, which unstarts it.
 * - complete, which gathers the completions of one softirq pass (flushed
 *   by a tasklet, which runs in the same pass) or of one queue_rqs call
 *   (a driver that completes while it queues), and completes them with
 *   one crossing. In hard interrupt context a completion crosses alone.
 *
 * A failed domain refuses the crossing: its requests go back to blk-mq,
 * whose direct issue gets the failure of each (wrappers/entry.c), and its
 * completions are not made, as a refused complete is not.
 *
 * The loops run in the domain, on its table and stack: they read the
 * kernel and write this CPU's batch (per-CPU, which a domain may write),
 * nothing else. Not instrumented (Kbuild).
 */
#include <linux/bitops.h>
#include <linux/blk-mq.h>
#include <linux/interrupt.h>
#include <linux/llist.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../core/domain.h"
#include "../objtrack/objtrack.h"
#include "../wrappers/wrap.h"
#include "batch.h"

DEFINE_PER_CPU(struct nooks_batch *, nooks_batch_armed);
EXPORT_PER_CPU_SYMBOL_GPL(nooks_batch_armed);

/* Domains bound from now batch (off: every call crosses, to compare). */
static bool nooks_batch_on = true;
module_param_named(batch, nooks_batch_on, bool, 0644);
MODULE_PARM_DESC(batch,
		 "batch blk-mq submissions and completions of tag sets allocated, and transmits of net devices registered, from now on (default on)");

/**
 * nooks_batch_enabled() - do objects set up from now on batch?
 *
 * Return: the batch parameter.
 */
bool nooks_batch_enabled(void)
{
	return READ_ONCE(nooks_batch_on);
}

struct nooks_batch_ops {
	struct blk_mq_ops ops;		/* what the tag set and its queues use */
	const struct blk_mq_ops *driver;	/* the driver's: entry stubs */
	struct nooks_domain *domain;
	/* its blk_mq_start_request gate is NOOKS_GATE_PREMADE */
	bool premade;
	struct llist_node node;		/* in domain->batch_ops */
};

/* Completions gathered in one context: task (a queue_rqs call), softirq. */
struct nooks_batch_done {
	struct nooks_batch batch;
	const struct nooks_batch_ops *ops;	/* whose requests batch holds */
	bool open;			/* task: a queue_rqs call gathers */
};

static DEFINE_PER_CPU(struct nooks_batch, nooks_batch_submit);
static DEFINE_PER_CPU(struct nooks_batch_done, nooks_batch_done[2]);
static DEFINE_PER_CPU(struct tasklet_struct, nooks_batch_tasklet);

/* --- in the domain --- */

static notrace unsigned long
nooks_batch_run_queue_rq(unsigned long hctx, struct nooks_batch *b)
{
	blk_status_t (*fn)(struct blk_mq_hw_ctx *hctx,
			   const struct blk_mq_queue_data *bd) =
		(void *)b->target;
	struct blk_mq_queue_data bd;
	u32 i, n = READ_ONCE(b->n);
	blk_status_t st;

	for (i = 0; i < n; i++) {
		bd.rq = (struct request *)b->arg[i];
		bd.last = i == n - 1;
		WRITE_ONCE(b->done, i);
		st = fn((struct blk_mq_hw_ctx *)hctx, &bd);
		if (st != BLK_STS_OK)
			return NOOKS_BATCH_RAN | (u64)(__force u8)st << 40 | i;
	}
	WRITE_ONCE(b->done, n);
	return NOOKS_BATCH_RAN | n;
}

static notrace unsigned long
nooks_batch_run_complete(unsigned long unused, struct nooks_batch *b)
{
	void (*fn)(struct request *rq) = (void *)b->target;
	u32 i, n = READ_ONCE(b->n);

	for (i = 0; i < n; i++) {
		WRITE_ONCE(b->done, i);
		fn((struct request *)b->arg[i]);
	}
	WRITE_ONCE(b->done, n);
	return NOOKS_BATCH_RAN | n;
}

/* --- in the kernel --- */

/**
 * nooks_batch_call() - one crossing for a batch of calls
 * @b: this CPU's batch of its context, run, a0, arg and n set
 * @stub: the entry stub of the driver function to call for each argument
 *
 * The entry gate takes @b (nooks_batch_take()) and runs b->run in the
 * domain instead of the driver function, which it records in b->target.
 *
 * Context: preemption off; a softirq that interrupts and batches too
 * puts back what it found armed.
 * Return: what b->run returned, with NOOKS_BATCH_RAN; without it, the
 * failure value of @stub's function: the domain refused the crossing
 * (b->entered false) or failed in it.
 */
unsigned long nooks_batch_call(struct nooks_batch *b, const void *stub)
{
	unsigned long (*fn)(struct nooks_batch *b, struct nooks_batch *b2) =
		(void *)stub;
	struct nooks_batch *prev = this_cpu_read(nooks_batch_armed);
	unsigned long ret;

	nooks_batch_arm(b);
	ret = fn(b, b);
	this_cpu_write(nooks_batch_armed, prev);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_batch_call, NOOKS_INTERNAL);

static void nooks_batch_queue_rqs(struct request **rqlist);
static void nooks_batch_complete(struct request *rq);

/* The copy @q uses, or NULL if its ops are no longer ours (a shadow's). */
static const struct nooks_batch_ops *nooks_batch_ops(struct request_queue *q,
						     bool submit)
{
	const struct blk_mq_ops *ops = READ_ONCE(q->mq_ops);

	if (submit ? ops->queue_rqs != nooks_batch_queue_rqs :
		     ops->complete != nooks_batch_complete)
		return NULL;
	return container_of(ops, struct nooks_batch_ops, ops);
}

/* Make the completions @c gathered, in one crossing. */
static void nooks_batch_flush(struct nooks_batch_done *c)
{
	struct nooks_batch *b = &c->batch;

	if (!b->n)
		return;
	b->run = nooks_batch_run_complete;
	b->a0 = 0;
	b->premade = 0;
	if (nooks_batch_call(b, c->ops->driver->complete) & NOOKS_BATCH_RAN)
		this_cpu_add(c->ops->domain->counters->v[NOOKS_CNT_BATCHED],
			     b->n);
	b->n = 0;
}

static void nooks_batch_complete(struct request *rq)
{
	const struct nooks_batch_ops *o = nooks_batch_ops(rq->q, false);
	struct nooks_batch_done *c = NULL;

	if (!o) {
		READ_ONCE(rq->q->mq_ops)->complete(rq);
		return;
	}
	if (in_serving_softirq() && !in_hardirq() && !in_nmi())
		c = this_cpu_ptr(&nooks_batch_done[1]);
	else if (!in_interrupt() && this_cpu_read(nooks_batch_done[0].open))
		c = this_cpu_ptr(&nooks_batch_done[0]);
	if (!c) {
		o->driver->complete(rq);
		return;
	}
	if (c->batch.n && (c->ops != o || c->batch.n == NOOKS_BATCH_MAX))
		nooks_batch_flush(c);
	if (!c->batch.n && c == this_cpu_ptr(&nooks_batch_done[1]))
		tasklet_schedule(this_cpu_ptr(&nooks_batch_tasklet));
	c->ops = o;
	c->batch.arg[c->batch.n++] = (unsigned long)rq;
}

static void nooks_batch_tasklet_fn(struct tasklet_struct *t)
{
	nooks_batch_flush(this_cpu_ptr(&nooks_batch_done[1]));
}

/* The driver no longer holds @rq (it never had it, or gave it back). */
static void nooks_batch_untrack(struct nooks_domain *d, struct request *rq)
{
	nooks_objtrack_remove(&d->objects, NOOKS_OBJ_REQUEST, rq);
}

/*
 * Give blk-mq back a request the driver never had: on *@left's list for
 * blk-mq to issue, or, if the batch started it, requeued (which unstarts
 * it: a started request on a list would time out).
 */
static void nooks_batch_give_back(struct request *rq, bool premade,
				  struct request ***left)
{
	if (premade)
		blk_mq_requeue_request(rq, true);
	else
		rq_list_add_tail(left, rq);
}

/*
 * Hand @n requests of @hctx to the driver in one crossing. Return: how
 * many it took; the ones from there on are back on *@left's list, ended
 * or requeued.
 */
static u32 nooks_batch_submit_rqs(const struct nooks_batch_ops *o,
				  struct blk_mq_hw_ctx *hctx,
				  struct request **rqs, u32 n,
				  struct request ***left)
{
	struct nooks_domain *d = o->domain;
	struct nooks_batch_done *c;
	struct nooks_batch *b;
	u32 i, done = 0, next, hit;
	unsigned long ret;
	blk_status_t st;
	bool entered, premade;

	/* a request started for a refused crossing would only be requeued */
	premade = o->premade && READ_ONCE(d->state) == NOOKS_STATE_LIVE;
	preempt_disable();
	c = this_cpu_ptr(&nooks_batch_done[0]);
	c->open = true;
	b = this_cpu_ptr(&nooks_batch_submit);
	b->run = nooks_batch_run_queue_rq;
	b->a0 = (unsigned long)hctx;
	b->premade = premade ? (unsigned long)blk_mq_start_request : 0;
	for (i = 0; i < n; i++) {
		/*
		 * blk-mq's queue_rqs path leaves this to the driver (nvme and
		 * virtio-blk do it): the tag iterators and timeouts find a
		 * request by it
		 */
		hctx->tags->rqs[rqs[i]->tag] = rqs[i];
		b->arg[i] = (unsigned long)rqs[i];
		if (premade)
			blk_mq_start_request(rqs[i]);
	}
	b->n = n;
	ret = nooks_batch_call(b, o->driver->queue_rq);
	entered = b->entered;
	hit = READ_ONCE(b->premade_hit) & (u32)GENMASK(n - 1, 0);
	if (!(ret & NOOKS_BATCH_RAN) && entered)
		done = min_t(u32, READ_ONCE(b->done), n);
	/* what the driver completed as it queued */
	c->open = false;
	nooks_batch_flush(c);
	preempt_enable();

	next = done;
	if (hit)
		this_cpu_add(d->counters->v[NOOKS_CNT_PREMADE], hweight32(hit));
	if (ret & NOOKS_BATCH_RAN) {
		done = min_t(u32, (u32)ret, n);
		next = done + 1;
		st = (__force blk_status_t)(u8)(ret >> 40);
		this_cpu_add(d->counters->v[NOOKS_CNT_BATCHED],
			     min(done + 1, n));
		if (done < n) {
			struct request *rq = rqs[done];

			nooks_batch_untrack(d, rq);
			if (st != BLK_STS_RESOURCE && st != BLK_STS_DEV_RESOURCE)
				blk_mq_end_request(rq, st);
			else if (blk_mq_request_started(rq))
				blk_mq_requeue_request(rq, true);
			else
				rq_list_add_tail(left, rq);
		}
		if (done && done < n && o->driver->commit_rqs)
			o->driver->commit_rqs(hctx);
	} else if (entered && done < n) {
		/* A fault: the request the driver had is its, if it started it. */
		struct request *rq = rqs[done];

		next = done + 1;
		if (nooks_objtrack_holds(&d->objects, NOOKS_OBJ_REQUEST, rq) &&
		    !(premade ? hit & BIT(done) : blk_mq_request_started(rq))) {
			nooks_batch_untrack(d, rq);
			nooks_batch_give_back(rq, premade, left);
		}
	}
	for (i = next; i < n; i++) {
		if (entered)
			nooks_batch_untrack(d, rqs[i]);
		nooks_batch_give_back(rqs[i], premade, left);
	}
	return done;
}

static void nooks_batch_queue_rqs(struct request **rqlist)
{
	struct request *rqs[NOOKS_BATCH_MAX], *left = NULL, **tail = &left;
	const struct nooks_batch_ops *o;
	struct blk_mq_hw_ctx *hctx;
	struct request *rq;
	u32 n;

	while ((rq = rq_list_peek(rqlist))) {
		o = nooks_batch_ops(rq->q, true);
		if (!o || in_interrupt())
			break;
		hctx = rq->mq_hctx;
		n = 0;
		do {
			rqs[n++] = rq_list_pop(rqlist);
			rq = rq_list_peek(rqlist);
		} while (rq && rq->mq_hctx == hctx && n < NOOKS_BATCH_MAX);
		if (nooks_batch_submit_rqs(o, hctx, rqs, n, &tail) < n)
			break;
	}
	/* not taken: blk-mq issues them one by one */
	*tail = *rqlist;
	*rqlist = left;
}

/* What a driver's start of a request started already calls. */
static void nooks_batch_started(struct request *rq)
{
}

/**
 * nooks_wrap_blk_mq_start_request() - pre= of blk_mq_start_request
 * @f: the exit gate's frame; a0, a request the domain holds (checked)
 *
 * A start that crosses, of a request a batch started already (a driver
 * that starts its requests later, from a work item, or another request
 * than the one queue_rq was given), is not made again: blk-mq would warn
 * and restart its timeout.
 */
void nooks_wrap_blk_mq_start_request(struct nooks_xpc_frame *f)
{
	if (blk_mq_request_started((struct request *)f->rdi))
		f->target = (unsigned long)nooks_batch_started;
}

/**
 * nooks_batch_premade_import() - may a batch premake calls of an import?
 * @name: the kernel function an exit gate calls
 *
 * Return: true for blk_mq_start_request, while batching is on: a batch
 * of queue_rq calls starts its requests before it crosses.
 */
bool nooks_batch_premade_import(const char *name)
{
	return nooks_batch_enabled() && !strcmp(name, "blk_mq_start_request");
}

/* Does @d's driver start requests through a gate a batch may premake? */
static bool nooks_batch_premade_gate(struct nooks_domain *d)
{
	const struct nooks_gate_desc *g = READ_ONCE(d->gates);
	u32 i, n = READ_ONCE(d->n_gates);

	for (i = 0; g && i < n; i++)
		if ((g[i].kind & NOOKS_GATE_PREMADE) &&
		    g[i].target == (unsigned long)blk_mq_start_request)
			return true;
	return false;
}

/**
 * nooks_batch_attach_tag_set() - let a domain's tag set batch
 * @d: the domain that allocated it
 * @set: the tag set, its queue_rq an entry stub of @d
 *
 * Nothing happens when batching is off, the driver has a queue_rqs of
 * its own, or it may sleep in queue_rq (BLK_MQ_F_BLOCKING).
 *
 * Context: before the driver makes a queue of @set.
 */
void nooks_batch_attach_tag_set(struct nooks_domain *d,
				struct blk_mq_tag_set *set)
{
	struct nooks_batch_ops *o;

	if (!nooks_batch_enabled() || set->ops->queue_rqs ||
	    (set->flags & BLK_MQ_F_BLOCKING))
		return;
	o = kmalloc(sizeof(*o), GFP_ATOMIC);
	if (!o)
		return;
	o->ops = *set->ops;
	o->ops.queue_rqs = nooks_batch_queue_rqs;
	if (o->ops.complete)
		o->ops.complete = nooks_batch_complete;
	o->driver = set->ops;
	o->domain = d;
	o->premade = nooks_batch_premade_gate(d);
	llist_add(&o->node, &d->batch_ops);
	WRITE_ONCE(set->ops, &o->ops);
}

/**
 * nooks_batch_domain_uninit() - free a domain's copies of blk_mq_ops
 * @d: a domain being freed: no queue uses them any more
 */
void nooks_batch_domain_uninit(struct nooks_domain *d)
{
	struct nooks_batch_ops *o, *tmp;

	llist_for_each_entry_safe(o, tmp, llist_del_all(&d->batch_ops), node)
		kfree(o);
}

/**
 * nooks_batch_init() - set up each CPU's completion tasklet
 *
 * Return: 0.
 */
int nooks_batch_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tasklet_setup(per_cpu_ptr(&nooks_batch_tasklet, cpu),
			      nooks_batch_tasklet_fn);
	return 0;
}

/**
 * nooks_batch_uninit() - wait for the completion tasklets
 */
void nooks_batch_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tasklet_kill(per_cpu_ptr(&nooks_batch_tasklet, cpu));
}
