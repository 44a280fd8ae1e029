// SPDX-License-Identifier: GPL-2.0
/*
 * Typed wrappers of entry gates: driver callbacks whose meaning the kernel
 * defines by the table it finds them in, not by their name. A
 * net_device's ndo_start_xmit is handed an skb that, unless it returns
 * NETDEV_TX_BUSY, the driver now owns until it frees it (from its TX
 * completion): an skb in flight, which recovery must free if the driver
 * cannot. When a net_device is registered, the entry stub its
 * ndo_start_xmit names is found and its gate gets this wrapper; the gate
 * runs pre before the driver code and post after it (domains/xpc.c).
 * A blk-mq tag set's queue_rq and init_hctx get theirs when the driver
 * allocates the tag set.
 */
#include <linux/blk-mq.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "../domains/batch.h"
#include "../domains/local.h"
#include "../domains/rxpool.h"
#include "../domains/xmit.h"
#include "entry.h"
#include "wrap.h"

static void nooks_entry_xmit_acquire(struct nooks_xpc_frame *f,
				     unsigned long skb)
{
	unsigned long v[] = { skb, SKB_DROP_REASON_NOT_SPECIFIED };

	/*
	 * grant: drivers update the sk_buff inline (__skb_put when they pad
	 * it); not its data (protection.rst)
	 */
	nooks_wrap_acquire(f, NOOKS_OBJ_SKB, skb, sizeof(struct sk_buff),
			   (void *)kfree_skb_reason, v, ARRAY_SIZE(v),
			   NOOKS_WRAPF_AGAIN_OK | NOOKS_WRAPF_GRANT);
}

static int nooks_entry_xmit_pre(struct nooks_xpc_frame *f)
{
	const struct nooks_batch *b;
	u32 i;

	/*
	 * a burst (domains/xmit.h): the skbs not taken are given back; one
	 * sent again right after itself (pktgen sends one skb a whole
	 * burst long) is the domain's already
	 */
	if (f->flags & NOOKS_XPC_BATCH) {
		b = (const struct nooks_batch *)f->rsi;
		for (i = 0; i < b->n; i++)
			if (!i || b->arg[i] != b->arg[i - 1])
				nooks_entry_xmit_acquire(f, b->arg[i]);
		return 0;
	}
	if (f->rdi)
		nooks_entry_xmit_acquire(f, f->rdi);
	return 0;
}

static void nooks_entry_xmit_post(struct nooks_xpc_frame *f)
{
	if (f->flags & NOOKS_XPC_BATCH) {
		nooks_xmit_done(f, (struct nooks_batch *)f->rsi);
		return;
	}
	/* Busy: the skb stays the kernel's, to be sent again. */
	if ((netdev_tx_t)f->rax == NETDEV_TX_BUSY)
		nooks_objtrack_remove(&f->domain->objects, NOOKS_OBJ_SKB,
				      (void *)(unsigned long)f->rdi);
}

/*
 * A failed domain's transmit. Refused at the gate, the skb was never the
 * driver's and nobody else will free it: dropped here (a leaked skb
 * keeps its socket's bytes in flight, which stalls a TCP stream for
 * good under TCP Small Queues). A fault inside the driver's transmit
 * leaves the skb to recovery (the pre hook recorded it). Busy instead
 * would make the stack retry the failed driver until recovery detaches
 * the device.
 */
static unsigned long nooks_entry_xmit_fail(struct nooks_xpc_frame *f)
{
	struct sk_buff *skb = (struct sk_buff *)f->rdi;
	struct nooks_batch *b = nooks_batch_of(f);

	/* a burst's skbs: dropped the same way; after a fault, its post */
	if (b) {
		if (f->flags & NOOKS_XPC_REFUSED)
			nooks_xmit_refused(b);
		return NETDEV_TX_OK;
	}
	if ((f->flags & NOOKS_XPC_REFUSED) && skb) {
		dev_core_stats_tx_dropped_inc((struct net_device *)f->rsi);
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
	}
	return NETDEV_TX_OK;
}

static const struct nooks_wrapper nooks_entry_xmit = {
	.name = "ndo_start_xmit",
	.pre = nooks_entry_xmit_pre,
	.post = nooks_entry_xmit_post,
	.fail = nooks_entry_xmit_fail,
};

/* The same, sending the stack's bursts in one crossing (domains/xmit.h). */
static const struct nooks_wrapper nooks_entry_xmit_batched = {
	.name = "ndo_start_xmit",
	.pre = nooks_entry_xmit_pre,
	.post = nooks_entry_xmit_post,
	.fail = nooks_entry_xmit_fail,
	.answer = nooks_xmit_answer,
};

/*
 * ndo_get_stats returns the statistics the kernel then copies: a failed
 * domain's NULL would be dereferenced (dev_get_stats, as recovery
 * unregisters the device). The net_device's own counters stand in.
 */
static unsigned long nooks_entry_get_stats_fail(struct nooks_xpc_frame *f)
{
	return (unsigned long)&((struct net_device *)f->rdi)->stats;
}

static const struct nooks_wrapper nooks_entry_get_stats = {
	.name = "ndo_get_stats",
	.fail = nooks_entry_get_stats_fail,
};

/*
 * A setup callback: the kernel calls it with the object it is building,
 * before the call that builds it returns and that call's wrapper grants
 * the object to the domain (alloc_netdev_mqs() and the driver's setup
 * function, dummy_setup). The driver may write the net_device while its
 * setup runs. Its private area is not granted until the allocation
 * returns (alloc_netdev_mqs does not say its size to the callback).
 */
static int nooks_entry_setup_pre(struct nooks_xpc_frame *f)
{
	nooks_protect_grant(f->domain, f->rdi, sizeof(struct net_device));
	return 0;
}

static void nooks_entry_setup_post(struct nooks_xpc_frame *f)
{
	nooks_protect_revoke(f->domain, f->rdi, sizeof(struct net_device));
}

static const struct nooks_wrapper nooks_entry_setup = {
	.name = "setup",
	.pre = nooks_entry_setup_pre,
	.post = nooks_entry_setup_post,
};

/*
 * blk-mq lends the driver each request from queue_rq until the driver
 * ends it (blk_mq_end_request, block.spec): a request it holds, with the
 * driver's PDU behind it (tag_set->cmd_size) and, for a read, its
 * payload granted (arch/x86/protect.c). Recovery only forgets requests in
 * flight: the block layer's timeout ends them.
 */
static void nooks_entry_queue_rq_acquire(struct nooks_xpc_frame *f,
					 struct request *rq)
{
	nooks_wrap_acquire(f, NOOKS_OBJ_REQUEST, (unsigned long)rq,
			   sizeof(*rq) + rq->q->tag_set->cmd_size, NULL, NULL,
			   0, NOOKS_WRAPF_AGAIN_OK | NOOKS_WRAPF_GRANT);
}

static int nooks_entry_queue_rq_pre(struct nooks_xpc_frame *f)
{
	const struct blk_mq_queue_data *bd = (const void *)f->rsi;
	struct request *rq;
	u32 i;

	/* a batch (domains/batch.c): the kernel side forgets what is not taken */
	if (f->flags & NOOKS_XPC_BATCH) {
		const struct nooks_batch *b = (const void *)f->rsi;

		for (i = 0; i < b->n; i++)
			nooks_entry_queue_rq_acquire(f, (void *)b->arg[i]);
		return 0;
	}
	rq = bd ? bd->rq : NULL;
	if (rq)
		nooks_entry_queue_rq_acquire(f, rq);
	return 0;
}

static void nooks_entry_queue_rq_post(struct nooks_xpc_frame *f)
{
	const struct blk_mq_queue_data *bd = (const void *)f->rsi;

	/* Not queued (busy, an error): the block layer keeps the request. */
	if (bd && !(f->flags & NOOKS_XPC_BATCH) && (u8)f->rax != (__force u8)BLK_STS_OK)
		nooks_objtrack_remove(&f->domain->objects, NOOKS_OBJ_REQUEST,
				      bd->rq);
}

/*
 * A failed domain's queue_rq: refused at the gate, or unwound by a fault
 * in the driver. A request the driver started (or ended) is its: BLK_STS_OK,
 * so the block layer leaves it alone; recovery ends it, or the block
 * shadow requeues it (a request ended and freed meanwhile must not be
 * requeued or ended again). One it never started fails, or, while the
 * block shadow holds the queue (recovery/shadow/blk.c), waits in the
 * block layer for the restarted driver.
 */
static unsigned long nooks_entry_queue_rq_fail(struct nooks_xpc_frame *f)
{
	struct blk_mq_hw_ctx *hctx = (struct blk_mq_hw_ctx *)f->rdi;
	const struct blk_mq_queue_data *bd = (const void *)f->rsi;
	/* f->domain is not set in a call the gate refused */
	struct nooks_domain *d = (void *)(unsigned long)READ_ONCE(f->manifest->domain);
	struct request *rq;

	/* a batch: its kernel side sees that it did not run (domains/batch.c) */
	if (nooks_batch_of(f))
		return 0;
	rq = bd ? bd->rq : NULL;
	if (!d || !hctx || !rq)
		return (__force u8)BLK_STS_IOERR;
	if (!(f->flags & NOOKS_XPC_REFUSED) &&
	    (!nooks_objtrack_holds(&d->objects, NOOKS_OBJ_REQUEST, rq) ||
	     blk_mq_request_started(rq)))
		return (__force u8)BLK_STS_OK;
	if (nooks_shadow_blk_holds(d, hctx->queue))
		return (__force u8)BLK_STS_RESOURCE;
	return (__force u8)BLK_STS_IOERR;
}

static const struct nooks_wrapper nooks_entry_queue_rq = {
	.name = "queue_rq",
	.pre = nooks_entry_queue_rq_pre,
	.post = nooks_entry_queue_rq_post,
	.fail = nooks_entry_queue_rq_fail,
};

/* A driver's init_hctx sets the hardware context's driver_data. */
static int nooks_entry_init_hctx_pre(struct nooks_xpc_frame *f)
{
	nooks_protect_grant(f->domain, f->rdi, sizeof(struct blk_mq_hw_ctx));
	return 0;
}

static void nooks_entry_init_hctx_post(struct nooks_xpc_frame *f)
{
	nooks_protect_revoke(f->domain, f->rdi, sizeof(struct blk_mq_hw_ctx));
}

static const struct nooks_wrapper nooks_entry_init_hctx = {
	.name = "init_hctx",
	.pre = nooks_entry_init_hctx_pre,
	.post = nooks_entry_init_hctx_post,
};

/* A NAPI poll: its pool of receive skbs (domains/rxpool.h). */
static int nooks_entry_poll_pre(struct nooks_xpc_frame *f)
{
	nooks_rxpool_open(f);
	return 0;
}

static void nooks_entry_poll_post(struct nooks_xpc_frame *f)
{
	nooks_rxpool_close(f);
}

static const struct nooks_wrapper nooks_entry_poll = {
	.name = "napi_poll",
	.pre = nooks_entry_poll_pre,
	.post = nooks_entry_poll_post,
};

/**
 * nooks_wrap_netif_napi_add_weight() - pre= of netif_napi_add_weight
 * @f: the exit gate's frame: (dev, napi, poll, weight), poll an entry
 *	stub of the domain (its entry check passed)
 *
 * While local calls are on, the poll's entry gets the wrapper that fills
 * and empties the receive pool its napi_alloc_skb() calls take from.
 */
void nooks_wrap_netif_napi_add_weight(struct nooks_xpc_frame *f)
{
	if (nooks_local_import("__napi_alloc_skb"))
		nooks_entry_wrap(f->domain, (const void *)f->rdx,
				 &nooks_entry_poll);
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_netif_napi_add_weight, NOOKS_INTERNAL);

/*
 * Callbacks that fill in structures the kernel hands them (its netlink
 * reply's, or on its stack), lent while the call runs: under protection
 * e1000's get_ringparam otherwise faults on the first "ethtool -g", and
 * 8139too's ndo_get_stats64 on the rtnl_link_stats64 that
 * rtnl_fill_ifinfo reserves in its reply. Lent page-wise, like
 * everything granted.
 */
static void nooks_entry_lend(struct nooks_xpc_frame *f, bool grant,
			     size_t rsi, size_t rdx)
{
	void (*fn)(struct nooks_domain *d, unsigned long addr, size_t size) =
		grant ? nooks_protect_grant : nooks_protect_revoke;

	if (f->rsi && rsi)
		fn(f->domain, f->rsi, rsi);
	if (f->rdx && rdx)
		fn(f->domain, f->rdx, rdx);
}

#define NOOKS_ENTRY_LEND(cb, type1, type2)				\
static int nooks_entry_##cb##_pre(struct nooks_xpc_frame *f)		\
{									\
	nooks_entry_lend(f, true, sizeof(type1), sizeof(type2));	\
	return 0;							\
}									\
static void nooks_entry_##cb##_post(struct nooks_xpc_frame *f)		\
{									\
	nooks_entry_lend(f, false, sizeof(type1), sizeof(type2));	\
}									\
static const struct nooks_wrapper nooks_entry_##cb = {			\
	.name = #cb,							\
	.pre = nooks_entry_##cb##_pre,					\
	.post = nooks_entry_##cb##_post,				\
}

/* (dev, out) callbacks: the second register holds no structure */
struct nooks_entry_none { u8 none[0]; };

NOOKS_ENTRY_LEND(get_ringparam, struct ethtool_ringparam,
		 struct kernel_ethtool_ringparam);
NOOKS_ENTRY_LEND(get_coalesce, struct ethtool_coalesce,
		 struct kernel_ethtool_coalesce);
NOOKS_ENTRY_LEND(get_drvinfo, struct ethtool_drvinfo, struct nooks_entry_none);
NOOKS_ENTRY_LEND(get_pauseparam, struct ethtool_pauseparam,
		 struct nooks_entry_none);
NOOKS_ENTRY_LEND(get_channels, struct ethtool_channels,
		 struct nooks_entry_none);
NOOKS_ENTRY_LEND(get_wol, struct ethtool_wolinfo, struct nooks_entry_none);
NOOKS_ENTRY_LEND(get_link_ksettings, struct ethtool_link_ksettings,
		 struct nooks_entry_none);
NOOKS_ENTRY_LEND(get_stats64, struct rtnl_link_stats64,
		 struct nooks_entry_none);

/*
 * The gate descriptor an entry stub of the domain jumps with: the stub's
 * second instruction is "lea desc(%rip), %r11" (include/uapi/nooks_module.h).
 */
static int nooks_entry_gate_index(struct nooks_domain *d, unsigned long stub)
{
	static const u8 lea_r11[] = { 0x4c, 0x8d, 0x1d };
	const u8 *p = (const u8 *)stub;
	const struct nooks_gate_desc *desc;
	s32 rel;

	if (stub < d->stubs_start || stub + NOOKS_STUB_SIZE > d->stubs_end ||
	    memcmp(p + 7, lea_r11, sizeof(lea_r11)))
		return -1;
	memcpy(&rel, p + 10, sizeof(rel));
	desc = (const void *)(stub + 14 + rel);
	if (desc < d->gates || desc >= d->gates + d->n_gates ||
	    desc->kind != NOOKS_GATE_ENTRY)
		return -1;
	return desc - d->gates;
}

/**
 * nooks_entry_wrap() - give the entry stub @fn of @d the wrapper @w
 * @d: a domain
 * @fn: a callback the kernel holds; nothing happens unless it is an
 *	entry stub of @d
 * @w: the wrapper its gate runs from now on
 */
void nooks_entry_wrap(struct nooks_domain *d, const void *fn,
		      const struct nooks_wrapper *w)
{
	const struct nooks_wrapper **wrap = READ_ONCE(d->wrap);
	int i = nooks_entry_gate_index(d, (unsigned long)fn);

	if (wrap && i >= 0)
		WRITE_ONCE(wrap[i], w);
}

/**
 * nooks_entry_attach() - give a domain's callbacks in @dev their wrappers
 * @d: a domain
 * @dev: a net_device being registered
 *
 * Return: true if @dev's ndo_start_xmit is an entry stub of @d.
 */
bool nooks_entry_attach(struct nooks_domain *d, struct net_device *dev)
{
	const struct nooks_wrapper **wrap = READ_ONCE(d->wrap);
	int i;

	if (!wrap || !dev->netdev_ops)
		return false;
	i = nooks_entry_gate_index(d,
				   (unsigned long)dev->netdev_ops->ndo_start_xmit);
	if (i < 0)
		return false;
	WRITE_ONCE(wrap[i], nooks_batch_enabled() ? &nooks_entry_xmit_batched :
						   &nooks_entry_xmit);
	nooks_entry_wrap(d, dev->netdev_ops->ndo_get_stats,
			 &nooks_entry_get_stats);
	nooks_entry_wrap(d, dev->netdev_ops->ndo_get_stats64,
			 &nooks_entry_get_stats64);
	if (dev->ethtool_ops) {
		const struct ethtool_ops *e = dev->ethtool_ops;

		nooks_entry_wrap(d, e->get_ringparam, &nooks_entry_get_ringparam);
		nooks_entry_wrap(d, e->get_coalesce, &nooks_entry_get_coalesce);
		nooks_entry_wrap(d, e->get_drvinfo, &nooks_entry_get_drvinfo);
		nooks_entry_wrap(d, e->get_pauseparam,
				 &nooks_entry_get_pauseparam);
		nooks_entry_wrap(d, e->get_channels, &nooks_entry_get_channels);
		nooks_entry_wrap(d, e->get_wol, &nooks_entry_get_wol);
		nooks_entry_wrap(d, e->get_link_ksettings,
				 &nooks_entry_get_link_ksettings);
	}
	return true;
}
EXPORT_SYMBOL_NS_GPL(nooks_entry_attach, NOOKS_INTERNAL);

/**
 * nooks_entry_attach_setup() - @stub is a setup callback (see above)
 * @d: a domain
 * @stub: an entry stub of @d the kernel is handed as a setup function
 */
void nooks_entry_attach_setup(struct nooks_domain *d, unsigned long stub)
{
	nooks_entry_wrap(d, (const void *)stub, &nooks_entry_setup);
}

/**
 * nooks_entry_attach_tag_set() - give a tag set's callbacks their wrappers
 * @d: the domain that allocated it
 * @set: a blk-mq tag set, its ops set
 */
void nooks_entry_attach_tag_set(struct nooks_domain *d,
				struct blk_mq_tag_set *set)
{
	if (!set->ops)
		return;
	nooks_entry_wrap(d, set->ops->queue_rq, &nooks_entry_queue_rq);
	nooks_entry_wrap(d, set->ops->init_hctx, &nooks_entry_init_hctx);
	if (nooks_entry_gate_index(d, (unsigned long)set->ops->queue_rq) >= 0)
		nooks_batch_attach_tag_set(d, set);
}
