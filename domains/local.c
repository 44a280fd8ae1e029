// SPDX-License-Identifier: GPL-2.0
/*
 * Local calls (local.h). nooks_local_try() runs in the exit gate before
 * it leaves the domain, on the domain's table and stack: it reads the
 * kernel (read-only there: a device, the vmemmap base, the domain's page
 * tables) and writes this CPU's count of local calls (per-CPU, which a
 * domain may write), the gate's saved registers, and what the kernel's
 * function would write (an sk_buff, a NAPI context, a queue's limits),
 * only where the domain's table lets the driver write it
 * (nooks_local_writable(); otherwise the call crosses). A bad pointer it
 * is handed faults there, and the fault is the driver's, as if its own
 * code had dereferenced it (arch/x86/fault.c).
 *
 * The calls answered: dma_map_page_attrs() and dma_unmap_page_attrs() of
 * a dma-direct device, and skb_clone_tx_timestamp(), which a NIC driver
 * calls for each packet it sends and which does nothing unless the
 * packet has a socket and the device a PHY time stamper; the DMA syncs
 * of a dma-direct device, which do nothing on x86 (DMA-coherent) outside
 * swiotlb. eth_type_trans(), skb_put() and skb_trim(), which a NIC
 * driver calls for each packet it receives, on an sk_buff it may write
 * (under protection it may not be granted one of napi_get_frags()); and
 * napi_schedule_prep(), of each interrupt, and napi_complete_done(), of
 * each poll with nothing to flush, on the driver's NAPI context. The
 * hold check of their wrappers (a NAPI context the driver deleted) is
 * what that skips. And dql_completed() of each transmit completion,
 * the kernel's own function called from here (a protected domain may
 * run it: nooks_local_kernel_import()), on the device's queue. And
 * napi_alloc_skb() of a NAPI poll, from the skbs the kernel side made
 * for it before the poll crossed in (rxpool.h).
 *
 * What a local call does not do that its crossing would: run its typed
 * wrapper. A DMA mapping made locally is not recorded in the domain's
 * object tracker: it holds nothing a recovery would have to release (its
 * unmap does nothing either), and its unmap is local too, since the
 * device decides both. A mapping made through swiotlb crosses, is
 * recorded, and its unmap, an address in the swiotlb pool, crosses.
 *
 * Not instrumented (Kbuild).
 */
#include <linux/dma-direction.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dynamic_queue_limits.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/phy.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <asm/mem_encrypt.h>

#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "defer.h"
#include "local.h"
#include "rxpool.h"
#include "xpc.h"

/* Bind from now with local calls (off: every call crosses, to compare). */
static bool nooks_local_on = true;
module_param_named(local, nooks_local_on, bool, 0644);
MODULE_PARM_DESC(local,
		 "answer DMA maps, unmaps and syncs of dma-direct devices, empty TX timestamp calls, eth_type_trans, skb_put, skb_trim, napi_schedule_prep, napi_complete_done, dql_completed and napi_alloc_skb (from a pool filled before the poll) in the domain, in modules bound from now on (default on)");

/*
 * Local calls made on this CPU, per context level (task, softirq,
 * hardirq, NMI), not yet counted in a domain: the innermost entry frame
 * of the level's driver code made them, and counts them when it leaves
 * or crosses out (nooks_local_fold()).
 */
static DEFINE_PER_CPU(u32, nooks_local_calls[NOOKS_XPC_LEVELS]);

/*
 * May driver code of @cur write @size bytes at @p? Always without
 * protection; under it, if the domain's table says so (what it was
 * granted, its own memory), else the kernel's function crosses to make
 * the writes. A local call must not fault where its crossing would not.
 */
static __always_inline bool nooks_local_writable(struct nooks_xpc_frame *cur,
						 const void *p, size_t size)
{
	const struct nooks_protect *prot = cur->prot;
	unsigned long a = (unsigned long)p;

	if (!prot)
		return true;
	return nooks_pgtable_writable(&prot->pt, a) &&
	       ((a ^ (a + size - 1)) < PAGE_SIZE ||
		nooks_pgtable_writable(&prot->pt, a + size - 1));
}

/*
 * dma-direct with nothing between memory and the device: no dma_map_ops
 * (an IOMMU's, the device's or the platform's), no bus offsets, no
 * memory encryption, no forced bounce buffers. x86 is DMA-coherent: no
 * cache maintenance either.
 */
static __always_inline bool nooks_local_dma_direct(struct device *dev)
{
	return !get_dma_ops(dev) && READ_ONCE(dev->dma_mask) &&
	       !READ_ONCE(dev->dma_range_map) && !sme_me_mask &&
	       !is_swiotlb_force_bounce(dev);
}

/*
 * dma_map_page_attrs(dev, page, offset, size, dir, attrs) as dma-direct
 * makes it when the device can reach the page: its physical address.
 * One it cannot reach goes to swiotlb, or fails: the kernel's to do.
 */
static __always_inline bool nooks_local_dma_map(u64 *a)
{
	struct device *dev = (struct device *)(unsigned long)a[0];
	struct page *page = (struct page *)(unsigned long)a[1];
	u64 size = a[3], limit;
	phys_addr_t phys;

	if (!valid_dma_direction((int)a[4]) || !size ||
	    !nooks_local_dma_direct(dev))
		return false;
	phys = page_to_phys(page) + a[2];
	limit = min_not_zero(*dev->dma_mask, dev->bus_dma_limit);
	if (phys + size - 1 < phys || phys + size - 1 > limit)
		return false;
	a[0] = phys;
	return true;
}

/*
 * dma_unmap_page_attrs(dev, addr, size, dir, attrs): nothing to do for
 * dma-direct unless the address is a swiotlb bounce buffer.
 */
static __always_inline bool nooks_local_dma_unmap(u64 *a)
{
	struct device *dev = (struct device *)(unsigned long)a[0];

	return valid_dma_direction((int)a[3]) && nooks_local_dma_direct(dev) &&
	       !is_swiotlb_buffer(dev, a[1]);
}

/*
 * dma_sync_single_for_cpu() and _for_device(dev, addr, size, dir): for
 * dma-direct on x86 (DMA-coherent) nothing either, unless the address is
 * a swiotlb bounce buffer, which is copied.
 */
static __always_inline bool nooks_local_dma_sync(u64 *a)
{
	return nooks_local_dma_unmap(a);
}

/*
 * skb_put(skb, len) and skb_trim(skb, len) of a linear skb with the room:
 * what skbuff.c does. A nonlinear skb (the kernel's BUG or WARN), or one
 * the data would overrun (skb_over_panic), or one the driver may not
 * write, crosses.
 */
static __always_inline bool nooks_local_skb_put(struct nooks_xpc_frame *cur,
						u64 *a)
{
	struct sk_buff *skb = (struct sk_buff *)(unsigned long)a[0];
	unsigned int len = (unsigned int)a[1];
	void *tail;

	if (!nooks_local_writable(cur, skb, sizeof(*skb)) ||
	    skb_is_nonlinear(skb) ||
	    len > (unsigned int)(skb_end_pointer(skb) - skb_tail_pointer(skb)))
		return false;
	tail = skb_tail_pointer(skb);
	skb->tail += len;
	skb->len += len;
	a[0] = (unsigned long)tail;
	return true;
}

static __always_inline bool nooks_local_skb_trim(struct nooks_xpc_frame *cur,
						 u64 *a)
{
	struct sk_buff *skb = (struct sk_buff *)(unsigned long)a[0];
	unsigned int len = (unsigned int)a[1];

	if (!nooks_local_writable(cur, skb, sizeof(*skb)) ||
	    skb_is_nonlinear(skb))
		return false;
	if (skb->len > len) {
		skb->len = len;
		skb_set_tail_pointer(skb, len);
	}
	return true;
}

/*
 * napi_schedule_prep(n), of each interrupt of a NAPI driver: the compare
 * and exchange of n->state net/core/dev.c makes, on the driver's own
 * NAPI context, if the driver may write it (under protection, one it
 * did not allocate itself may not be granted).
 */
static __always_inline bool
nooks_local_napi_schedule_prep(struct nooks_xpc_frame *cur, u64 *a)
{
	struct napi_struct *n = (struct napi_struct *)(unsigned long)a[0];
	unsigned long val, new;

	if (!nooks_local_writable(cur, &n->state, sizeof(n->state)))
		return false;
	do {
		val = READ_ONCE(n->state);
		if (unlikely(val & NAPIF_STATE_DISABLE)) {
			a[0] = false;
			return true;
		}
		new = val | NAPIF_STATE_SCHED;
		if (val & NAPIF_STATE_SCHED)
			new |= NAPIF_STATE_MISSED;
	} while (cmpxchg(&n->state, val, new) != val);
	a[0] = !(val & NAPIF_STATE_SCHED);
	return true;
}

/* A call deferred to the end of a crossing that is an skb's free. */
static __always_inline bool nooks_local_is_free(unsigned long fn)
{
	return fn == (unsigned long)napi_consume_skb ||
	       fn == (unsigned long)consume_skb ||
	       fn == (unsigned long)kfree_skb_reason ||
	       fn == (unsigned long)__dev_kfree_skb_any ||
	       fn == (unsigned long)__dev_kfree_skb_irq;
}

/*
 * napi_complete_done(n, work_done) of a poll that leaves GRO and the
 * stack nothing to flush (a transmit completion): net/core/dev.c's
 * compare and exchange of n->state, and true. Anything more crosses:
 * packets GRO holds or lists, or that the crossing's end is to deliver
 * (a deferred napi_gro_receive: only frees may wait, defer.h), a missed
 * schedule, busy polling, netpoll, deferred hard interrupts or a GRO
 * flush timeout, a context on a poll list, a context the driver may not
 * write.
 */
static __always_inline bool
nooks_local_napi_complete_done(struct nooks_xpc_frame *cur, u64 *a)
{
	struct napi_struct *n = (struct napi_struct *)(unsigned long)a[0];
	struct nooks_defer_queue *q = nooks_defer_queue(cur->context);
	unsigned long val, new;
	u32 i;

	if (!nooks_local_writable(cur, &n->state, sizeof(n->state)) ||
	    READ_ONCE(n->gro_bitmask) || READ_ONCE(n->rx_count) ||
	    READ_ONCE(n->defer_hard_irqs_count) ||
	    READ_ONCE(n->dev->napi_defer_hard_irqs) ||
	    !list_empty(&n->poll_list))
		return false;
	if (q && q->owner == cur)
		for (i = 0; i < min_t(u32, READ_ONCE(q->n), NOOKS_DEFER_MAX); i++)
			if (!nooks_local_is_free(q->calls[i].desc->target))
				return false;
	do {
		val = READ_ONCE(n->state);
		if (!(val & NAPIF_STATE_SCHED) ||
		    (val & (NAPIF_STATE_MISSED | NAPIF_STATE_NPSVC |
			    NAPIF_STATE_IN_BUSY_POLL)))
			return false;
		new = val & ~(NAPIF_STATE_SCHED | NAPIF_STATE_SCHED_THREADED |
			      NAPIF_STATE_PREFER_BUSY_POLL);
	} while (cmpxchg(&n->state, val, new) != val);
	a[0] = true;
	return true;
}

/*
 * dql_completed(dql, count), of each transmit completion
 * (netdev_completed_queue()): the kernel's, called here, with the check
 * of its wrapper first (more completed than queued crosses, and the
 * wrapper fails the domain for it), on limits the driver may write
 * (under protection, its device's granted transmit queues), where the
 * domain may run it (nooks_local_kernel_import()).
 */
static __always_inline bool nooks_local_dql_completed(struct nooks_xpc_frame *cur,
						      u64 *a)
{
	struct dql *dql = (struct dql *)(unsigned long)a[0];
	unsigned int count = (unsigned int)a[1];

	if (!nooks_local_writable(cur, dql, sizeof(*dql)) ||
	    (cur->prot && !nooks_pgtable_runnable(&cur->prot->pt,
						  (unsigned long)dql_completed)) ||
	    count > READ_ONCE(dql->num_queued) - READ_ONCE(dql->num_completed))
		return false;
	dql_completed(dql, count);
	return true;
}

#ifdef CONFIG_NETWORK_PHY_TIMESTAMPING
/*
 * skb_clone_tx_timestamp(skb), of every packet a NIC driver sends (in
 * skb_tx_timestamp()): it does nothing for a packet of no socket, nor on
 * a device with no PHY time stamper, where the kernel's would not get
 * far (it would dereference the missing PHY for a PTP packet).
 */
static __always_inline bool nooks_local_tx_timestamp(u64 *a)
{
	struct sk_buff *skb = (struct sk_buff *)(unsigned long)a[0];
	struct phy_device *phydev;

	if (!READ_ONCE(skb->sk))
		return true;
	phydev = READ_ONCE(skb->dev->phydev);
	return !phydev || !READ_ONCE(phydev->mii_ts);
}
#endif

/*
 * eth_type_trans(skb, dev) as net/ethernet/eth.c makes it, when the
 * header and the two bytes after it are in the linear data and the
 * device has no DSA tagger: the rest (skb_header_pointer() of paged
 * data, a tagger's protocol) crosses, and so does one on an sk_buff the
 * driver may not write.
 */
static __always_inline bool
nooks_local_eth_type_trans(struct nooks_xpc_frame *cur, u64 *a)
{
	struct sk_buff *skb = (struct sk_buff *)(unsigned long)a[0];
	struct net_device *dev = (struct net_device *)(unsigned long)a[1];
	const struct ethhdr *eth;
	u16 sap;

	if (!nooks_local_writable(cur, skb, sizeof(*skb)) ||
	    skb_headlen(skb) < ETH_HLEN + sizeof(sap))
		return false;
#if IS_ENABLED(CONFIG_NET_DSA)
	if (READ_ONCE(dev->dsa_ptr))
		return false;
#endif
	skb->dev = dev;
	skb_reset_mac_header(skb);
	eth = (const struct ethhdr *)skb->data;
	skb->len -= ETH_HLEN;
	skb->data += ETH_HLEN;
	eth_skb_pkt_type(skb, dev);
	if (likely(eth_proto_is_802_3(eth->h_proto))) {
		a[0] = (__force u16)eth->h_proto;
		return true;
	}
	memcpy(&sap, skb->data, sizeof(sap));
	a[0] = (__force u16)(sap == 0xFFFF ? htons(ETH_P_802_3) :
			     htons(ETH_P_802_2));
	return true;
}

/**
 * nooks_local_try() - answer a call of a local function in the domain
 * @m: the calling module's manifest (%r10 of its exit stub)
 * @desc: the exit gate's descriptor (%r11), with NOOKS_GATE_LOCAL
 * @args: the call's six argument registers, as the gate saved them;
 *	args[0] becomes the return value when the call is answered
 *
 * Only for driver code under an entry frame of its own live domain in
 * this context, which counts the call.
 *
 * Context: the exit gate, on the domain's table.
 * Return: true if answered (the gate returns args[0] to the driver).
 */
notrace bool nooks_local_try(struct nooks_manifest *m,
			     const struct nooks_gate_desc *desc, u64 *args)
{
	struct nooks_xpc_frame *cur = nooks_domain_caller(m);
	bool done;

	if (!cur)
		return false;
	if (desc->target == (unsigned long)dma_map_page_attrs)
		done = nooks_local_dma_map(args);
	else if (desc->target == (unsigned long)dma_unmap_page_attrs)
		done = nooks_local_dma_unmap(args);
	else if (desc->target == (unsigned long)dma_sync_single_for_cpu ||
		 desc->target == (unsigned long)dma_sync_single_for_device)
		done = nooks_local_dma_sync(args);
	else if (desc->target == (unsigned long)eth_type_trans)
		done = nooks_local_eth_type_trans(cur, args);
	else if (desc->target == (unsigned long)skb_put)
		done = nooks_local_skb_put(cur, args);
	else if (desc->target == (unsigned long)skb_trim)
		done = nooks_local_skb_trim(cur, args);
	else if (desc->target == (unsigned long)napi_schedule_prep)
		done = nooks_local_napi_schedule_prep(cur, args);
	else if (desc->target == (unsigned long)napi_complete_done)
		done = nooks_local_napi_complete_done(cur, args);
	else if (desc->target == (unsigned long)dql_completed)
		done = nooks_local_dql_completed(cur, args);
	else if (desc->target == (unsigned long)__napi_alloc_skb)
		done = nooks_rxpool_take(cur, args);
#ifdef CONFIG_NETWORK_PHY_TIMESTAMPING
	else if (desc->target == (unsigned long)skb_clone_tx_timestamp)
		done = nooks_local_tx_timestamp(args);
#endif
	else
		return false;
	if (done)
		this_cpu_inc(nooks_local_calls[nooks_xpc_level(cur->context)]);
	return done;
}

/**
 * nooks_local_import() - may calls of an import be local?
 * @name: the kernel function an exit gate calls
 *
 * Return: true for the functions nooks_local_try() knows, while local
 * calls are on.
 */
bool nooks_local_import(const char *name)
{
	return READ_ONCE(nooks_local_on) &&
	       (!strcmp(name, "dma_map_page_attrs") ||
		!strcmp(name, "dma_unmap_page_attrs") ||
		!strcmp(name, "dma_sync_single_for_cpu") ||
		!strcmp(name, "dma_sync_single_for_device") ||
		!strcmp(name, "eth_type_trans") ||
		!strcmp(name, "skb_put") || !strcmp(name, "skb_trim") ||
		!strcmp(name, "napi_schedule_prep") ||
		!strcmp(name, "napi_complete_done") ||
		!strcmp(name, "dql_completed") ||
		!strcmp(name, "__napi_alloc_skb") ||
		(IS_ENABLED(CONFIG_NETWORK_PHY_TIMESTAMPING) &&
		 !strcmp(name, "skb_clone_tx_timestamp")));
}

/**
 * nooks_local_kernel_import() - does a local call of an import run the
 *	kernel's own function in the domain?
 * @name: the kernel function an exit gate calls
 *
 * A protected domain importing it must be let run it
 * (arch/x86/protect.c): dql_completed(), which touches nothing but the
 * limits it is handed and jiffies, while local calls are on.
 *
 * Return: true if so.
 */
bool nooks_local_kernel_import(const char *name)
{
	return READ_ONCE(nooks_local_on) && !strcmp(name, "dql_completed");
}

/**
 * nooks_local_fold() - count the local calls of an entry frame's code
 * @f: the innermost entry frame of its context on this CPU, which
 *	leaves or crosses out
 *
 * Context: kernel code, preemption off.
 */
notrace void nooks_local_fold(struct nooks_xpc_frame *f)
{
	u32 *n = this_cpu_ptr(&nooks_local_calls[nooks_xpc_level(f->context)]);

	if (likely(!*n))
		return;
	this_cpu_add(f->domain->counters->v[NOOKS_CNT_LOCAL], *n);
	*n = 0;
}
