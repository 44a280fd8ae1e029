/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive pool: the skbs a NAPI poll allocates for the packets it
 * copies (napi_alloc_skb(): e1000's copybreak, 8139too's every packet)
 * are made by the kernel side before the poll crosses in, recorded and
 * granted as the domain's as the allocation's wrapper would record and
 * grant them, and handed out in the domain by a local call
 * (domains/local.c), so a poll crosses out for none of them. What the
 * poll did not take goes back to the kernel when its crossing ends, and
 * waits on this CPU for the next poll, unrecorded.
 *
 * One pool per CPU, open for one poll's crossing at a time (a poll that
 * interrupts it, netpoll's, allocates by crossing). How many skbs and
 * of what size a pool gets follows what the last poll of the same NAPI
 * context on this CPU took, or asked for and crossed for (larger than
 * the pool's, or after the pool ran out): twice that, or half what the
 * last pool had if more, so a stream whose polls find a varying number
 * of packets seldom runs out. The first poll learns. The size is
 * rounded up to 128 bytes: an skb may have more room than asked for, as
 * napi_alloc_skb's rounding gives, and a little more truesize.
 *
 * A poll that faults leaves the pool's skbs to recovery: they are the
 * domain's, released as it releases anything else the driver held.
 */
#ifndef _NOOKS_RXPOOL_H
#define _NOOKS_RXPOOL_H

#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "xpc.h"

struct napi_struct;
struct sk_buff;

/* skbs a pool holds at most: a NAPI poll's usual budget */
#define NOOKS_RXPOOL_MAX	64
/* the largest skb a pool makes: napi_alloc_skb's page-fragment sizes */
#define NOOKS_RXPOOL_LEN	2048

struct nooks_rxpool {
	/* the entry frame of the poll it is open for; NULL: closed */
	struct nooks_xpc_frame *frame;
	struct napi_struct *napi;	/* the poll's NAPI context */
	unsigned int len;		/* room in each skb, in bytes */
	/* skbs left to hand out: skb[0..n); written in the domain */
	u32 n;
	/*
	 * written in the domain: allocations that crossed (the pool empty,
	 * or asking for more than len), and the largest length asked
	 */
	u32 missed;
	unsigned int missed_len;
	struct sk_buff *skb[NOOKS_RXPOOL_MAX];

	/* the kernel side's alone */
	u32 filled;			/* how many the last poll got */
	u32 want;			/* how many the next poll gets */
	/* not recorded, of len bytes, for napi: spare[0..spares) */
	u32 spares;
	struct sk_buff *spare[NOOKS_RXPOOL_MAX];
};

DECLARE_PER_CPU(struct nooks_rxpool, nooks_rxpool);

/**
 * nooks_rxpool_take() - answer napi_alloc_skb() from the open pool
 * @cur: the entry frame of the driver code that calls
 * @args: the exit gate's argument registers: (napi, len, gfp_mask);
 *	args[0] becomes the skb
 *
 * Context: the exit gate, on the domain's table (local.c).
 * Return: true if answered.
 */
static __always_inline bool nooks_rxpool_take(struct nooks_xpc_frame *cur,
					      u64 *args)
{
	struct nooks_rxpool *p = this_cpu_ptr(&nooks_rxpool);
	unsigned int len = args[1];
	u32 n;

	if (p->frame != cur || p->napi != (void *)(unsigned long)args[0] ||
	    (args[2] & (__force u64)(__GFP_DMA | __GFP_DIRECT_RECLAIM)))
		return false;
	n = p->n;
	if (!n || n > NOOKS_RXPOOL_MAX || len > p->len) {
		p->missed++;
		if (len > p->missed_len)
			p->missed_len = len;
		return false;
	}
	p->n = --n;
	args[0] = (unsigned long)p->skb[n];
	return true;
}

void nooks_rxpool_init(void);
void nooks_rxpool_open(struct nooks_xpc_frame *f);
void nooks_rxpool_close(struct nooks_xpc_frame *f);
void nooks_rxpool_uninit(void);

#endif /* _NOOKS_RXPOOL_H */
