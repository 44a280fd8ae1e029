// SPDX-License-Identifier: GPL-2.0
/*
 * The receive pool (rxpool.h): the kernel side, which fills a CPU's
 * pool before a NAPI poll crosses in and empties it when the crossing
 * ends. The domain's side is nooks_rxpool_take(), a local call.
 */
#include <linux/interrupt.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>

#include "../core/domain.h"
#include "../objtrack/objtrack.h"
#include "../wrappers/wrap.h"
#include "rxpool.h"

DEFINE_PER_CPU(struct nooks_rxpool, nooks_rxpool);
EXPORT_PER_CPU_SYMBOL_GPL(nooks_rxpool);

/*
 * What records an skb of __napi_alloc_skb as the domain's: its typed
 * wrapper's post hook (wrappers/specs/net.spec), found at load.
 */
static void (*nooks_rxpool_record)(struct nooks_xpc_frame *f);

/* Let the spares go (another NAPI context, or larger skbs wanted). */
static void nooks_rxpool_free_spares(struct nooks_rxpool *p)
{
	while (p->spares)
		consume_skb(p->spare[--p->spares]);
}

/**
 * nooks_rxpool_open() - fill this CPU's pool for a poll about to cross
 * @f: the entry frame of a NAPI poll (napi, budget), its domain set
 *
 * With what the last poll of the same NAPI context here took or asked
 * for; nothing the first time, nor for a poll run with interrupts off
 * (netpoll).
 *
 * Context: the entry gate's pre hook, bottom halves off.
 */
void nooks_rxpool_open(struct nooks_xpc_frame *f)
{
	struct nooks_rxpool *p = this_cpu_ptr(&nooks_rxpool);
	struct napi_struct *napi = (struct napi_struct *)f->rdi;
	/* as the allocation's exit frame would be, under the poll's entry */
	struct nooks_xpc_frame call = {
		.manifest = f->manifest,
		.desc = f->desc,
		.domain = f->domain,
		.kind = NOOKS_XPC_EXIT,
		.ret = f->ret,
	};
	struct sk_buff *skb;
	u32 n;

	if (!napi || !softirq_count() || in_hardirq() || irqs_disabled() ||
	    !nooks_rxpool_record)
		return;
	/*
	 * Polls do not nest with bottom halves off: one still open is one
	 * whose crossing ended without its post hook (its wrapper changed
	 * meanwhile). What it held is not known to be the kernel's: left.
	 */
	p->frame = NULL;
	if (p->napi != napi) {
		nooks_rxpool_free_spares(p);
		p->napi = napi;
		p->want = 0;
		p->len = 0;
	}
	for (n = 0; n < p->want; n++) {
		if (p->spares) {
			skb = p->spare[--p->spares];
			skb->dev = READ_ONCE(napi->dev);
		} else {
			skb = __napi_alloc_skb(napi, p->len,
					       GFP_ATOMIC | __GFP_NOWARN);
			if (!skb)
				break;
		}
		call.rax = (unsigned long)skb;
		nooks_rxpool_record(&call);
		p->skb[n] = skb;
	}
	p->filled = n;
	p->n = n;
	p->missed = 0;
	p->missed_len = 0;
	p->frame = f;
}

/**
 * nooks_rxpool_close() - a poll's crossing ended: empty the pool
 * @f: its entry frame
 *
 * The skbs it did not take are the kernel's again, spares for the next
 * poll; after a fault (the domain failed) they are recovery's. The next
 * poll gets twice as many as this one took or crossed for, or half what
 * this one got if more, of the largest size it asked for.
 *
 * Context: the entry gate's post hook, bottom halves off.
 */
void nooks_rxpool_close(struct nooks_xpc_frame *f)
{
	struct nooks_rxpool *p = this_cpu_ptr(&nooks_rxpool);
	u32 i, left, want;
	unsigned int len;
	struct sk_buff *skb;

	if (p->frame != f)
		return;
	p->frame = NULL;
	/* written in the domain: no more than it was given */
	left = min(READ_ONCE(p->n), p->filled);
	if (READ_ONCE(f->domain->state) != NOOKS_STATE_LIVE)
		left = 0;
	for (i = 0; i < left; i++) {
		skb = p->skb[i];
		/* not recorded (no memory for it), or recovery's now: left */
		if (nooks_objtrack_remove(&f->domain->objects, NOOKS_OBJ_SKB,
					  skb))
			continue;
		if (p->spares < NOOKS_RXPOOL_MAX && !skb->pfmemalloc)
			p->spare[p->spares++] = skb;
		else
			consume_skb(skb);
	}
	want = p->filled - left + READ_ONCE(p->missed);
	p->want = min_t(u32, max(2 * want, p->filled / 2), NOOKS_RXPOOL_MAX);
	len = READ_ONCE(p->missed_len);
	if (len > p->len && p->len < NOOKS_RXPOOL_LEN) {
		nooks_rxpool_free_spares(p);
		p->len = min_t(unsigned int, round_up(len, 128),
			       NOOKS_RXPOOL_LEN);
	}
	p->n = 0;
}

/**
 * nooks_rxpool_init() - find how the pool records its skbs
 *
 * Without __napi_alloc_skb's typed wrapper, polls get no pool.
 */
void nooks_rxpool_init(void)
{
	const struct nooks_wrapper *w = nooks_wrapper_find("__napi_alloc_skb");

	nooks_rxpool_record = w ? w->post : NULL;
}

/**
 * nooks_rxpool_uninit() - free every CPU's spares
 *
 * Context: module unload, no poll crossing left.
 */
void nooks_rxpool_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		nooks_rxpool_free_spares(per_cpu_ptr(&nooks_rxpool, cpu));
}
EXPORT_SYMBOL_NS_GPL(nooks_rxpool_uninit, NOOKS_INTERNAL);
