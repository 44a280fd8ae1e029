/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the x86 side of a protection domain depends on: the paging depth
 * (a domain page table copies 4 or 5 levels), page-table isolation (with
 * PTI off, kernel mappings are global and survive a CR3 write) and PCID.
 */
#ifndef _NOOKS_ARCH_H
#define _NOOKS_ARCH_H

#include <linux/types.h>

struct nooks_arch_info {
	unsigned int paging_levels;	/* 4 or 5 */
	bool pti;			/* kernel page-table isolation on */
	bool pcid;			/* CR3 carries a PCID */
	bool invpcid;			/* INVPCID can flush global entries */
};

int nooks_arch_init(void);
void nooks_arch_uninit(void);
const struct nooks_arch_info *nooks_arch_info(void);

#endif /* _NOOKS_ARCH_H */
