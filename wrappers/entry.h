/* SPDX-License-Identifier: GPL-2.0 */
/* Typed wrappers of entry gates: see entry.c. */
#ifndef _NOOKS_ENTRY_H
#define _NOOKS_ENTRY_H

#include <linux/types.h>

struct nooks_domain;
struct net_device;
struct blk_mq_tag_set;
struct nooks_wrapper;

void nooks_entry_wrap(struct nooks_domain *d, const void *fn,
		      const struct nooks_wrapper *w);
bool nooks_entry_attach(struct nooks_domain *d, struct net_device *dev);
void nooks_entry_attach_setup(struct nooks_domain *d, unsigned long stub);
void nooks_entry_attach_tag_set(struct nooks_domain *d,
				struct blk_mq_tag_set *set);

#endif /* _NOOKS_ENTRY_H */
