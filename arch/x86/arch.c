// SPDX-License-Identifier: GPL-2.0
/*
 * x86 facts the domain page tables and gates are built on, read once at
 * load. The domain tables themselves come with page-table protection.
 */
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/pgtable.h>

#include "arch.h"

static struct nooks_arch_info nooks_arch __ro_after_init;

/**
 * nooks_arch_init() - read the paging mode and TLB features
 *
 * Return: 0, or -EOPNOTSUPP on a CPU without long mode paging.
 */
int nooks_arch_init(void)
{
	if (!IS_ENABLED(CONFIG_X86_64))
		return -EOPNOTSUPP;
	nooks_arch.paging_levels = pgtable_l5_enabled() ? 5 : 4;
	nooks_arch.pti = boot_cpu_has(X86_FEATURE_PTI);
	nooks_arch.pcid = boot_cpu_has(X86_FEATURE_PCID);
	nooks_arch.invpcid = boot_cpu_has(X86_FEATURE_INVPCID);
	pr_info("x86_64 %u-level paging, pti %s, pcid %s, invpcid %s\n",
		nooks_arch.paging_levels, nooks_arch.pti ? "on" : "off",
		nooks_arch.pcid ? "yes" : "no",
		nooks_arch.invpcid ? "yes" : "no");
	return 0;
}

/**
 * nooks_arch_uninit() - nothing to undo yet; pairs with nooks_arch_init()
 */
void nooks_arch_uninit(void)
{
}

/**
 * nooks_arch_info() - the facts read at load
 *
 * Return: the facts; never NULL.
 */
const struct nooks_arch_info *nooks_arch_info(void)
{
	return &nooks_arch;
}
