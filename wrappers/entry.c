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
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "entry.h"
#include "wrap.h"

static int nooks_entry_xmit_pre(struct nooks_xpc_frame *f)
{
	unsigned long v[] = { f->rdi, SKB_DROP_REASON_NOT_SPECIFIED };

	/*
	 * grant: drivers update the sk_buff inline (__skb_put when they pad
	 * it); not its data (protection.rst)
	 */
	if (f->rdi)
		nooks_wrap_acquire(f, NOOKS_OBJ_SKB, f->rdi,
				   sizeof(struct sk_buff),
				   (void *)kfree_skb_reason, v, ARRAY_SIZE(v),
				   NOOKS_WRAPF_AGAIN_OK | NOOKS_WRAPF_GRANT);
	return 0;
}

static void nooks_entry_xmit_post(struct nooks_xpc_frame *f)
{
	/* Busy: the skb stays the kernel's, to be sent again. */
	if ((netdev_tx_t)f->rax == NETDEV_TX_BUSY)
		nooks_objtrack_remove(&f->domain->objects, NOOKS_OBJ_SKB,
				      (void *)(unsigned long)f->rdi);
}

static const struct nooks_wrapper nooks_entry_xmit = {
	.name = "ndo_start_xmit",
	.pre = nooks_entry_xmit_pre,
	.post = nooks_entry_xmit_post,
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
	WRITE_ONCE(wrap[i], &nooks_entry_xmit);
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
	const struct nooks_wrapper **wrap = READ_ONCE(d->wrap);
	int i = nooks_entry_gate_index(d, stub);

	if (wrap && i >= 0)
		WRITE_ONCE(wrap[i], &nooks_entry_setup);
}
