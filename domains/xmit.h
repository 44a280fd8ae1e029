/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched transmits: one kernel->driver crossing per burst of packets.
 *
 * The stack says a packet has more behind it (netdev_xmit_more(): a
 * qdisc's bulk dequeue, a GSO segment list, pktgen's bursts) so that a
 * driver may ring its doorbell once per burst. A domain's ndo_start_xmit
 * gate (wrappers/entry.c) answers such a call itself, without crossing:
 * the skb goes into this CPU's stash and the stack gets NETDEV_TX_OK.
 * The burst's last packet crosses once, as a batch (domains/batch.h)
 * whose loop in the domain hands the driver every stashed packet in
 * order, the xmit_more it would have seen set for all but the last.
 *
 * The stash is per CPU: the stack transmits with bottom halves off, so
 * nothing else on the CPU touches it meanwhile (an interrupt's netpoll
 * transmit crosses alone). Packets the driver did not take (its queue
 * stopped, it said busy) wait in the stash for the next transmit to
 * their queue, and a per-CPU timer sends what a burst left behind (the
 * stack stopped short of its last packet) a tick later, or drops it
 * once the device is down or its driver gone. See xmit.c.
 */
#ifndef _NOOKS_XMIT_H
#define _NOOKS_XMIT_H

#include <linux/types.h>

struct nooks_batch;
struct nooks_xpc_frame;

bool nooks_xmit_answer(struct nooks_xpc_frame *f);
void nooks_xmit_done(struct nooks_xpc_frame *f, struct nooks_batch *b);
void nooks_xmit_refused(struct nooks_batch *b);
unsigned int nooks_xmit_pending(void);
void nooks_xmit_flush(void);
int nooks_xmit_init(void);
void nooks_xmit_uninit(void);

#endif /* _NOOKS_XMIT_H */
