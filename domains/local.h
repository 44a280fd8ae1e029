/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local calls: kernel functions whose common case nooks.ko answers in
 * the domain, without crossing, from what it may read there. The exit
 * gate of such a function (NOOKS_GATE_LOCAL in its kind, set at bind)
 * calls nooks_local_try() first, still on the domain's table and stack;
 * when that cannot answer, the call crosses as any other and its typed
 * wrapper runs.
 *
 * The DMA streaming API is the user: on a device with no IOMMU, bounce
 * buffers or memory encryption (dma-direct, the case of every device
 * of a guest or a host booted without an IOMMU), mapping a page is
 * arithmetic and unmapping it does nothing. e1000 maps and unmaps each
 * packet it sends: two crossings of the four it made per packet. The
 * third, skb_clone_tx_timestamp(), does nothing but for a packet of a
 * socket on a device with a PHY time stamper.
 */
#ifndef _NOOKS_LOCAL_H
#define _NOOKS_LOCAL_H

#include <linux/types.h>

struct nooks_gate_desc;
struct nooks_manifest;
struct nooks_xpc_frame;

/* Called by the exit gate, on the domain's table: see local.c. */
bool nooks_local_try(struct nooks_manifest *m,
		     const struct nooks_gate_desc *desc, u64 *args);
bool nooks_local_import(const char *name);
bool nooks_local_kernel_import(const char *name);
void nooks_local_fold(struct nooks_xpc_frame *f);

#endif /* _NOOKS_LOCAL_H */
