// SPDX-License-Identifier: GPL-2.0
/*
 * Batched transmits (xmit.h).
 *
 * A stash holds up to NOOKS_BATCH_MAX skbs for one transmit queue of one
 * device, in the order the stack handed them over, with a reference on
 * the device. Its batch crosses:
 *
 * - at the call of the burst's last packet (xmit_more false), or of the
 *   packet that fills it, from the stack's own transmit (its queue's lock
 *   held, as for any transmit): nooks_xmit_answer() arms the batch, the
 *   entry gate takes it. The stack's skb is the batch's last: the
 *   driver's answer for it is the stack's;
 * - from the timer, a tick after a burst began, if the stack stopped
 *   short of its last packet: under the queue's lock, unless the queue is
 *   stopped (then it tries again a tick later) or the device is down or
 *   no longer the driver's (then the skbs are dropped, counted in the
 *   device's tx_dropped).
 *
 * The loop (nooks_xmit_run) stops where the driver does not take a packet
 * (NETDEV_TX_BUSY) or stops the queue: what it did not take stays in the
 * stash, except the stack's own skb, which gets NETDEV_TX_BUSY back and is
 * requeued by the stack, which calls again once the driver wakes the
 * queue. A batch the domain refuses (failed, no stack) drops its skbs, as
 * a refused transmit does; one the driver faults in leaves them all to
 * recovery, which the entry wrapper made the domain's (wrappers/entry.c).
 *
 * The packets of a stash leave in order. One the stack sends to the same
 * queue from another CPU meanwhile may overtake them, only when the stack
 * stopped short of a burst's end or the driver stopped the queue.
 */
#include <linux/interrupt.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/timer.h>

#include "../core/domain.h"
#include "../objtrack/objtrack.h"
#include "batch.h"
#include "xmit.h"

/*
 * This CPU's, with bottom halves off (the stack transmits so, the timer
 * is a softirq): nothing else touches it meanwhile. A batch's loop reads
 * it in the domain and writes batch.done and rc.
 */
struct nooks_xmit_stash {
	/* a0: the device; arg: the skbs; n: how many */
	struct nooks_batch batch;
	struct net_device *dev;		/* held while batch.n */
	struct netdev_queue *txq;	/* of dev, the skbs' */
	/* dev's ndo_start_xmit when the first skb came: an entry stub */
	const void *stub;
	bool more;		/* the xmit_more of the batch's last skb */
	bool from_stack;	/* the last skb is the stack's call that crosses */
	bool crossing;		/* the batch is armed or in the domain */
	/* written in the domain: what the driver returned for the last */
	int rc;
	struct timer_list timer;	/* sends what a burst left */
};

static DEFINE_PER_CPU(struct nooks_xmit_stash, nooks_xmit_stash);

/* --- in the domain --- */

static notrace unsigned long nooks_xmit_run(unsigned long dev,
					    struct nooks_batch *b)
{
	struct nooks_xmit_stash *s = container_of(b, struct nooks_xmit_stash,
						  batch);
	netdev_tx_t (*fn)(struct sk_buff *skb, struct net_device *dev) =
		(void *)b->target;
	struct netdev_queue *txq = READ_ONCE(s->txq);
	u32 i, n = min_t(u32, READ_ONCE(b->n), NOOKS_BATCH_MAX);
	bool more = READ_ONCE(s->more);
	int rc;

	for (i = 0; i < n; i++) {
		/* as the stack, which stops a burst where the driver did */
		if (i && netif_xmit_stopped(txq))
			return NOOKS_BATCH_RAN | i;
		WRITE_ONCE(b->done, i);
		__this_cpu_write(softnet_data.xmit.more, i < n - 1 || more);
		rc = fn((struct sk_buff *)b->arg[i], (struct net_device *)dev);
		WRITE_ONCE(s->rc, rc);
		if (!dev_xmit_complete(rc))
			return NOOKS_BATCH_RAN | i;
	}
	WRITE_ONCE(b->done, n);
	return NOOKS_BATCH_RAN | n;
}

/* --- in the kernel --- */

/* The stash is empty: let its device go. */
static void nooks_xmit_clear(struct nooks_xmit_stash *s)
{
	s->batch.n = 0;
	dev_put(s->dev);
	s->dev = NULL;
	s->txq = NULL;
	s->stub = NULL;
}

/* Drop what @s holds: nobody can send it. */
static void nooks_xmit_drop(struct nooks_xmit_stash *s)
{
	u32 i;

	for (i = 0; i < s->batch.n; i++) {
		dev_core_stats_tx_dropped_inc(s->dev);
		kfree_skb_reason((struct sk_buff *)s->batch.arg[i],
				 SKB_DROP_REASON_NOT_SPECIFIED);
	}
	nooks_xmit_clear(s);
}

/* @s's batch is to cross: its loop, from the stack's call or not. */
static void nooks_xmit_prepare(struct nooks_xmit_stash *s, bool from_stack)
{
	s->batch.run = nooks_xmit_run;
	s->batch.a0 = (unsigned long)s->dev;
	s->batch.premade = 0;
	s->from_stack = from_stack;
	s->crossing = true;
}

/* Make sure the timer looks at @s within a tick or two. */
static void nooks_xmit_watch(struct nooks_xmit_stash *s)
{
	if (!timer_pending(&s->timer))
		mod_timer(&s->timer, jiffies + 1);
}

/**
 * nooks_xmit_answer() - answer a transmit without crossing, or batch it
 * @f: the entry frame of a domain's ndo_start_xmit (skb, dev), from
 *	kernel code: the domain is live, nothing is armed
 *
 * A packet with more behind it goes into this CPU's stash, answered
 * NETDEV_TX_OK in f->rax. A burst's last packet, or the one that fills
 * the stash, arms the stash's batch with it last: the crossing takes
 * it, with the batch in place of the skb in f->rdi. A lone packet, one
 * of another queue than the stash's, or one sent with bottom halves on
 * or in a hard interrupt (netpoll) crosses as it is.
 *
 * Context: the entry gate, preemption off.
 * Return: true if answered.
 */
bool nooks_xmit_answer(struct nooks_xpc_frame *f)
{
	struct sk_buff *skb = (struct sk_buff *)f->rdi;
	struct net_device *dev = (struct net_device *)f->rsi;
	struct nooks_xmit_stash *s;
	struct netdev_queue *txq;
	bool more;
	u32 n;

	if (!softirq_count() || in_hardirq() || in_nmi() || irqs_disabled() ||
	    !skb || !dev || this_cpu_read(nooks_batch_armed))
		return false;
	s = this_cpu_ptr(&nooks_xmit_stash);
	more = __this_cpu_read(softnet_data.xmit.more);
	n = s->batch.n;
	if (s->crossing || (!n && !more))
		return false;
	txq = netdev_get_tx_queue(dev, skb_get_queue_mapping(skb));
	if (n && (s->dev != dev || s->txq != txq))
		return false;
	if (!n) {
		dev_hold(dev);
		s->dev = dev;
		s->txq = txq;
		s->stub = READ_ONCE(dev->netdev_ops)->ndo_start_xmit;
	}
	s->batch.arg[n++] = (unsigned long)skb;
	s->batch.n = n;
	if (more && n < NOOKS_BATCH_MAX) {
		nooks_xmit_watch(s);
		f->rax = NETDEV_TX_OK;
		return true;
	}
	s->more = more;
	nooks_xmit_prepare(s, true);
	nooks_batch_arm(&s->batch);
	f->rdi = (unsigned long)&s->batch;
	return false;
}

/**
 * nooks_xmit_done() - after a batch of transmits crossed
 * @f: its entry frame, f->rax what the loop returned (without
 *	NOOKS_BATCH_RAN: the driver faulted, f->rax is the failure value)
 * @b: the batch, a stash's
 *
 * Sets f->rax to what the stack's call returns, if the batch is one.
 * Context: bottom halves off, the stash's CPU.
 */
void nooks_xmit_done(struct nooks_xpc_frame *f, struct nooks_batch *b)
{
	struct nooks_xmit_stash *s = container_of(b, struct nooks_xmit_stash,
						  batch);
	u32 i, k, n = b->n;
	unsigned long ret = f->rax;

	s->crossing = false;
	if (!(ret & NOOKS_BATCH_RAN)) {
		/* the domain's now, every one: recovery frees them */
		f->rax = NETDEV_TX_OK;
		nooks_xmit_clear(s);
		return;
	}
	i = min_t(u32, (u32)ret, n);
	this_cpu_add(f->domain->counters->v[NOOKS_CNT_BATCHED], i);
	if (i == n) {
		f->rax = READ_ONCE(s->rc);
		nooks_xmit_clear(s);
		return;
	}
	/* from i on, the driver did not take them: the kernel's again */
	for (k = i; k < n; k++)
		nooks_objtrack_remove(&f->domain->objects, NOOKS_OBJ_SKB,
				      (void *)b->arg[k]);
	f->rax = NETDEV_TX_OK;
	if (s->from_stack) {
		/* the stack's own skb: it sends it again */
		f->rax = NETDEV_TX_BUSY;
		n--;
	}
	memmove(b->arg, b->arg + i, (n - i) * sizeof(b->arg[0]));
	b->n = n - i;
	if (b->n)
		nooks_xmit_watch(s);
	else
		nooks_xmit_clear(s);
}

/**
 * nooks_xmit_refused() - a batch of transmits the domain refused
 * @b: the batch, a stash's, armed or taken
 *
 * Its skbs are dropped: the stack's answer is NETDEV_TX_OK, as for a
 * refused transmit (wrappers/entry.c).
 */
void nooks_xmit_refused(struct nooks_batch *b)
{
	struct nooks_xmit_stash *s = container_of(b, struct nooks_xmit_stash,
						  batch);

	if (this_cpu_read(nooks_batch_armed) == b)
		this_cpu_write(nooks_batch_armed, NULL);
	s->crossing = false;
	nooks_xmit_drop(s);
}

/* Send what @s holds, its queue's lock held if it has one. */
static void nooks_xmit_send(struct nooks_xmit_stash *s)
{
	if (netif_xmit_frozen_or_drv_stopped(s->txq)) {
		nooks_xmit_watch(s);
		return;
	}
	s->more = false;
	nooks_xmit_prepare(s, false);
	nooks_batch_call(&s->batch, s->stub);
	/* neither done nor refused: a gate with no wrapper refused it */
	if (s->crossing)
		nooks_xmit_refused(&s->batch);
}

/* Send or drop what @s holds; leave it if its queue is stopped. */
static void nooks_xmit_flush_stash(struct nooks_xmit_stash *s)
{
	struct net_device *dev = s->dev;
	struct netdev_queue *txq = s->txq;

	if (!s->batch.n || s->crossing)
		return;
	/* down (then closing waits for this softirq), or another's now */
	if (!netif_running(dev) ||
	    READ_ONCE(dev->netdev_ops)->ndo_start_xmit != s->stub) {
		nooks_xmit_drop(s);
		return;
	}
	if (dev->features & NETIF_F_LLTX) {
		nooks_xmit_send(s);
		return;
	}
	__netif_tx_lock(txq, smp_processor_id());
	nooks_xmit_send(s);
	__netif_tx_unlock(txq);
}

static void nooks_xmit_timer(struct timer_list *t)
{
	struct nooks_xmit_stash *s = from_timer(s, t, timer);

	/* a CPU gone offline: its timers run elsewhere */
	if (s != this_cpu_ptr(&nooks_xmit_stash)) {
		if (s->batch.n && !s->crossing)
			nooks_xmit_drop(s);
		return;
	}
	nooks_xmit_flush_stash(s);
}

/**
 * nooks_xmit_pending() - how many skbs this CPU's stash holds
 *
 * Context: bottom halves off.
 * Return: the count.
 */
unsigned int nooks_xmit_pending(void)
{
	return this_cpu_ptr(&nooks_xmit_stash)->batch.n;
}
EXPORT_SYMBOL_NS_GPL(nooks_xmit_pending, NOOKS_INTERNAL);

/**
 * nooks_xmit_flush() - what this CPU's timer does, now
 *
 * Context: bottom halves off.
 */
void nooks_xmit_flush(void)
{
	nooks_xmit_flush_stash(this_cpu_ptr(&nooks_xmit_stash));
}
EXPORT_SYMBOL_NS_GPL(nooks_xmit_flush, NOOKS_INTERNAL);

/**
 * nooks_xmit_init() - set up each CPU's stash
 *
 * Return: 0.
 */
int nooks_xmit_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		timer_setup(&per_cpu_ptr(&nooks_xmit_stash, cpu)->timer,
			    nooks_xmit_timer, TIMER_PINNED);
	return 0;
}

/**
 * nooks_xmit_uninit() - stop the timers; drop what is left
 *
 * Context: no domain is left, so nothing is sent any more.
 */
void nooks_xmit_uninit(void)
{
	struct nooks_xmit_stash *s;
	int cpu;

	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&nooks_xmit_stash, cpu);
		del_timer_sync(&s->timer);
		if (s->batch.n)
			nooks_xmit_drop(s);
	}
}
