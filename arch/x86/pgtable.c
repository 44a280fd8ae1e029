// SPDX-License-Identifier: GPL-2.0
/*
 * Domain page tables. A domain's top-level table holds the kernel half of
 * the kernel's own, with RW cleared in every entry: a supervisor write
 * needs RW at every level (CR0.WP), so below a read-only entry the
 * kernel's tables can be shared as they are. Granting a range makes
 * private copies of the tables along the paths to it, read-only but for
 * the range (a huge page in the way is split), and sets RW again where
 * the kernel's entry had it; a range that covers a whole entry's span is
 * granted at that entry, sharing the kernel's tables below. The kernel
 * image (text, data, bss: 1 GiB at __START_KERNEL_map) is not executable.
 *
 * Bits the hardware ignores (52 and 53) remember, in our entries, the
 * kernel's RW bit and that the entry points to a private table. An entry
 * that points to a private table is writable and executable: the entries
 * of the table decide.
 *
 * Not yet done here: switching to these tables (the gates), resynching a
 * private copy when the kernel changes its own tables below it.
 */
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

#include "arch.h"
#include "pgtable.h"

#define NOOKS_PT_KRW		BIT_ULL(52)	/* the kernel's entry had RW */
#define NOOKS_PT_PRIV		BIT_ULL(53)	/* points to a private table */
#define NOOKS_PT_ENTRIES	512
#define NOOKS_PT_KERNEL_HALF	256		/* first kernel top entry */

enum nooks_pt_op {
	NOOKS_PT_GRANT,
	NOOKS_PT_REVOKE,
	NOOKS_PT_NOEXEC,
};

static unsigned int nooks_pt_shift(unsigned int level)
{
	return PAGE_SHIFT + 9 * (level - 1);
}

static unsigned long *nooks_pt_entry(unsigned long *table, unsigned int level,
				     unsigned long addr)
{
	return &table[(addr >> nooks_pt_shift(level)) & (NOOKS_PT_ENTRIES - 1)];
}

static unsigned long *nooks_pt_table(unsigned long e)
{
	return __va(e & PTE_PFN_MASK);
}

static bool nooks_pt_leaf(unsigned long e, unsigned int level)
{
	return level == 1 || (e & _PAGE_PSE);
}

/* A kernel entry as a domain sees it: read-only unless @writable. */
static unsigned long nooks_pt_copy(unsigned long e, bool writable,
				   unsigned long nx)
{
	e &= ~(NOOKS_PT_KRW | NOOKS_PT_PRIV);
	if (!(e & _PAGE_PRESENT))
		return e;
	if (e & _PAGE_RW)
		e |= NOOKS_PT_KRW;
	if (!writable)
		e &= ~_PAGE_RW;
	return e | nx;
}

static unsigned long nooks_pt_op_entry(unsigned long e, enum nooks_pt_op op)
{
	switch (op) {
	case NOOKS_PT_GRANT:
		return e & NOOKS_PT_KRW ? e | _PAGE_RW : e;
	case NOOKS_PT_REVOKE:
		return e & ~_PAGE_RW;
	case NOOKS_PT_NOEXEC:
		return e | (_PAGE_NX & __supported_pte_mask);
	}
	return e;
}

static unsigned long *nooks_pt_alloc(struct nooks_pgtable *pt)
{
	unsigned long *t = (unsigned long *)get_zeroed_page(GFP_ATOMIC);

	if (t)
		pt->pages++;
	return t;
}

/* *@pe, at @level, now points to private table @t, which decides. */
static void nooks_pt_point(unsigned long *pe, unsigned long *t)
{
	WRITE_ONCE(*pe, __pa(t) | _KERNPG_TABLE | NOOKS_PT_KRW | NOOKS_PT_PRIV);
}

/*
 * Make the kernel table *@pe points to a private copy, its entries with
 * the RW and NX that *@pe gave everything below it.
 */
static int nooks_pt_privatize(struct nooks_pgtable *pt, unsigned long *pe)
{
	unsigned long e = *pe, *src = nooks_pt_table(e), *t;
	int i;

	t = nooks_pt_alloc(pt);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < NOOKS_PT_ENTRIES; i++)
		t[i] = nooks_pt_copy(READ_ONCE(src[i]), e & _PAGE_RW,
				     e & _PAGE_NX);
	nooks_pt_point(pe, t);
	return 0;
}

/* Split the huge page *@pe maps at @level into pages of @level - 1. */
static int nooks_pt_split(struct nooks_pgtable *pt, unsigned long *pe,
			  unsigned int level)
{
	unsigned long e = *pe, step = 1UL << nooks_pt_shift(level - 1);
	unsigned long base = e & PTE_PFN_MASK & ~((1UL << nooks_pt_shift(level)) - 1);
	unsigned long flags = e & ~PTE_PFN_MASK, *t;
	int i;

	t = nooks_pt_alloc(pt);
	if (!t)
		return -ENOMEM;
	if (level - 1 == 1) {
		/* the PAT bit of a 4 KiB page is where PSE was */
		flags &= ~_PAGE_PSE;
		if (e & _PAGE_PAT_LARGE)
			flags |= _PAGE_PAT;
	} else {
		flags |= e & _PAGE_PAT_LARGE;
	}
	for (i = 0; i < NOOKS_PT_ENTRIES; i++)
		t[i] = (base + i * step) | flags;
	nooks_pt_point(pe, t);
	return 0;
}

/* Apply @op to [@addr, @last] under @table at @level. Lock held. */
static int nooks_pt_apply(struct nooks_pgtable *pt, unsigned long *table,
			  unsigned int level, unsigned long addr,
			  unsigned long last, enum nooks_pt_op op)
{
	unsigned long span = 1UL << nooks_pt_shift(level);
	int ret;

	for (;;) {
		unsigned long *pe = nooks_pt_entry(table, level, addr);
		unsigned long end = (addr | (span - 1));	/* entry's last */
		unsigned long e = READ_ONCE(*pe);
		bool whole = !(addr & (span - 1)) && end <= last;

		if (end > last)
			end = last;
		if (!(e & _PAGE_PRESENT)) {
			/* nothing mapped: nothing to grant */
		} else if (whole && !(e & NOOKS_PT_PRIV)) {
			WRITE_ONCE(*pe, nooks_pt_op_entry(e, op));
		} else {
			if (!(e & NOOKS_PT_PRIV)) {
				ret = nooks_pt_leaf(e, level) ?
				      nooks_pt_split(pt, pe, level) :
				      nooks_pt_privatize(pt, pe);
				if (ret)
					return ret;
			}
			ret = nooks_pt_apply(pt, nooks_pt_table(*pe), level - 1,
					     addr, end, op);
			if (ret)
				return ret;
		}
		if (end == last)
			return 0;
		addr = end + 1;
	}
}

static int nooks_pt_range(struct nooks_pgtable *pt, unsigned long start,
			  unsigned long size, enum nooks_pt_op op)
{
	unsigned long flags;
	int ret;

	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
	    start < TASK_SIZE_MAX || start + size - 1 < start)
		return -EINVAL;
	spin_lock_irqsave(&pt->lock, flags);
	ret = nooks_pt_apply(pt, pt->top, pt->levels, start, start + size - 1,
			     op);
	spin_unlock_irqrestore(&pt->lock, flags);
	return ret;
}

static void nooks_pt_free(struct nooks_pgtable *pt, unsigned long *table,
			  unsigned int level);

/* Free the private tables below entries [@from, 512) of @table. */
static void nooks_pt_free_below(struct nooks_pgtable *pt, unsigned long *table,
				unsigned int level, int from)
{
	int i;

	for (i = from; level > 1 && i < NOOKS_PT_ENTRIES; i++)
		if ((table[i] & (_PAGE_PRESENT | NOOKS_PT_PRIV)) ==
		    (_PAGE_PRESENT | NOOKS_PT_PRIV))
			nooks_pt_free(pt, nooks_pt_table(table[i]), level - 1);
}

static void nooks_pt_free(struct nooks_pgtable *pt, unsigned long *table,
			  unsigned int level)
{
	nooks_pt_free_below(pt, table, level, 0);
	free_page((unsigned long)table);
	pt->pages--;
}

/**
 * nooks_pgtable_init() - a domain page table: the kernel, read-only
 * @pt: the table to set up
 *
 * The kernel half of the current top-level table, every entry read-only;
 * the kernel image not executable. No user half.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int nooks_pgtable_init(struct nooks_pgtable *pt)
{
	unsigned long *kernel = __va(read_cr3_pa());
	int i, ret;

	spin_lock_init(&pt->lock);
	pt->levels = nooks_arch_info()->paging_levels;
	pt->top = (unsigned long *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!pt->top)
		return -ENOMEM;
	pt->pages = 2;
	for (i = NOOKS_PT_KERNEL_HALF; i < NOOKS_PT_ENTRIES; i++)
		pt->top[i] = nooks_pt_copy(READ_ONCE(kernel[i]), false, 0);
	ret = nooks_pt_range(pt, __START_KERNEL_map, KERNEL_IMAGE_SIZE,
			     NOOKS_PT_NOEXEC);
	if (ret)
		nooks_pgtable_uninit(pt);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_init, NOOKS_INTERNAL);

/**
 * nooks_pgtable_uninit() - free every table page of a domain page table
 * @pt: the table, switched to by no CPU
 */
void nooks_pgtable_uninit(struct nooks_pgtable *pt)
{
	if (!pt->top)
		return;
	nooks_pt_free_below(pt, pt->top, pt->levels, NOOKS_PT_KERNEL_HALF);
	free_pages((unsigned long)pt->top, 1);
	pt->pages -= 2;
	WARN_ON_ONCE(pt->pages);
	pt->top = NULL;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_uninit, NOOKS_INTERNAL);

/**
 * nooks_pgtable_grant() - let a domain write a range the kernel may write
 * @pt: the domain's table
 * @start: first byte, page-aligned, a kernel address
 * @size: bytes, page-aligned, not 0
 *
 * Pages the kernel maps read-only stay so; unmapped pages stay unmapped.
 *
 * Context: any; allocates with GFP_ATOMIC.
 * Return: 0, -EINVAL for a bad range, -ENOMEM (part may be granted).
 */
int nooks_pgtable_grant(struct nooks_pgtable *pt, unsigned long start,
			unsigned long size)
{
	return nooks_pt_range(pt, start, size, NOOKS_PT_GRANT);
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_grant, NOOKS_INTERNAL);

static void nooks_pt_flush_local(void *unused)
{
	__flush_tlb_all();
}

/**
 * nooks_pgtable_revoke() - make a range read-only in a domain again
 * @pt: the domain's table
 * @start: first byte, page-aligned, a kernel address
 * @size: bytes, page-aligned, not 0
 *
 * The private table copies stay; every CPU's TLB is flushed.
 *
 * Context: process or softirq context, interrupts on.
 * Return: 0, -EINVAL for a bad range, -ENOMEM.
 */
int nooks_pgtable_revoke(struct nooks_pgtable *pt, unsigned long start,
			 unsigned long size)
{
	int ret = nooks_pt_range(pt, start, size, NOOKS_PT_REVOKE);

	if (ret != -EINVAL)
		on_each_cpu(nooks_pt_flush_local, NULL, 1);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_revoke, NOOKS_INTERNAL);

/**
 * nooks_pgtable_lookup() - walk a table for one address, as the CPU would
 * @pt: a domain's table, or NULL for the kernel's (the current CR3)
 * @addr: the address
 * @w: what the walk found
 */
void nooks_pgtable_lookup(const struct nooks_pgtable *pt, unsigned long addr,
			  struct nooks_pgtable_walk *w)
{
	unsigned long *table = pt ? pt->top : __va(read_cr3_pa());
	unsigned int level = pt ? pt->levels : nooks_arch_info()->paging_levels;

	memset(w, 0, sizeof(*w));
	w->rw = true;
	for (;; level--) {
		unsigned long e = READ_ONCE(*nooks_pt_entry(table, level, addr));
		unsigned long mask = (1UL << nooks_pt_shift(level)) - 1;

		if (!(e & _PAGE_PRESENT)) {
			w->rw = false;
			return;
		}
		w->rw &= !!(e & _PAGE_RW);
		w->nx |= !!(e & _PAGE_NX);
		if (nooks_pt_leaf(e, level)) {
			w->present = true;
			w->level = level;
			w->phys = (e & PTE_PFN_MASK & ~mask) | (addr & mask);
			return;
		}
		table = nooks_pt_table(e);
	}
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_lookup, NOOKS_INTERNAL);
