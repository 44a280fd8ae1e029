/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domain page tables: the kernel's mappings, read-only, with private
 * copies of the tables along the paths to what a domain may write.
 */
#ifndef _NOOKS_ARCH_X86_PGTABLE_H
#define _NOOKS_ARCH_X86_PGTABLE_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>

/**
 * struct nooks_pgtable - one domain's page table
 * @top: the top-level table (PGD; P4Ds folded with 4 levels), order 1
 *	so that CR3 bit 12 (PTI's user table) stays clear
 * @levels: 4 or 5, the kernel's paging depth
 * @pages: table pages owned, @top's two and @retired included (lock)
 * @grants: grant count per page number (lock)
 * @exec: kernel pages the domain may run, by page number (lock)
 * @retired: private tables replaced by nooks_pgtable_resync(), freed
 *	with the table (lock)
 * @synced: the kernel mapping generation the private copies follow
 *	(nooks_pgtable_sync(); written under lock, read with READ_ONCE)
 * @lock: see below
 */
struct nooks_pgtable {
	unsigned long *top;
	unsigned int levels;
	unsigned int pages;
	struct xarray grants;
	struct xarray exec;
	struct list_head retired;
	unsigned long synced;
	spinlock_t lock;	/* the private tables and the fields above */
};

/**
 * struct nooks_pgtable_walk - what a table says about one address
 * @present: mapped
 * @rw: writable by the kernel (RW at every level)
 * @nx: not executable (NX at some level)
 * @level: the level of the leaf: 1 (4 KiB), 2 (2 MiB), 3 (1 GiB)
 * @phys: the physical address it maps to
 */
struct nooks_pgtable_walk {
	bool present, rw, nx;
	unsigned int level;
	phys_addr_t phys;
};

int nooks_pgtable_init(struct nooks_pgtable *pt, unsigned long gen);
void nooks_pgtable_uninit(struct nooks_pgtable *pt);
int nooks_pgtable_grant(struct nooks_pgtable *pt, unsigned long start,
			unsigned long size);
int nooks_pgtable_revoke(struct nooks_pgtable *pt, unsigned long start,
			 unsigned long size);
int nooks_pgtable_allow_exec(struct nooks_pgtable *pt, unsigned long start,
			     unsigned long size);
bool nooks_pgtable_resync(struct nooks_pgtable *pt, unsigned long addr);
void nooks_pgtable_sync(struct nooks_pgtable *pt, unsigned long gen);
void nooks_pgtable_lookup(const struct nooks_pgtable *pt, unsigned long addr,
			  struct nooks_pgtable_walk *w);

/*
 * Does @pt map @addr with the bits @need set and @deny clear at every
 * level? The walk nooks_pgtable_lookup() makes, inline for nooks.ko's
 * code that runs in the domain (domains/local.c), which reads the tables
 * through the kernel's direct map (read-only there). Private tables are
 * freed with @pt only.
 */
static __always_inline bool nooks_pgtable_allows(const struct nooks_pgtable *pt,
						 unsigned long addr,
						 unsigned long need,
						 unsigned long deny)
{
	const unsigned long *table = READ_ONCE(pt->top);
	unsigned int level = pt->levels;
	unsigned long e;

	need |= _PAGE_PRESENT;
	for (;; level--) {
		e = READ_ONCE(table[(addr >> (PAGE_SHIFT + 9 * (level - 1))) &
				    (PTRS_PER_PTE - 1)]);
		if ((e & need) != need || (e & deny))
			return false;
		if (level == 1 || (e & _PAGE_PSE))
			return true;
		table = __va(e & PTE_PFN_MASK);
	}
}

/* May code running on @pt write @addr? */
static __always_inline bool nooks_pgtable_writable(const struct nooks_pgtable *pt,
						   unsigned long addr)
{
	return nooks_pgtable_allows(pt, addr, _PAGE_RW, 0);
}

/* May code running on @pt run the code at @addr? */
static __always_inline bool nooks_pgtable_runnable(const struct nooks_pgtable *pt,
						   unsigned long addr)
{
	return nooks_pgtable_allows(pt, addr, 0, _PAGE_NX);
}

/* The CR3 value of @pt, without a PCID. */
static inline unsigned long nooks_pgtable_cr3(const struct nooks_pgtable *pt)
{
	return __pa(pt->top);
}

#endif /* _NOOKS_ARCH_X86_PGTABLE_H */
