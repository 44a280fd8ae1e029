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
 * Bits the hardware ignores (52 to 54) remember, in our entries, the
 * kernel's RW bit, that the entry points to a private table, and that the
 * kernel's entry was executable. An entry that points to a private table
 * is writable and executable: the entries of the table decide. No entry
 * of ours is global: a CR3 write drops them from the TLB.
 *
 * Grants are counted per page (an xarray), so that objects sharing a page
 * each hold it writable, and so that a private copy the kernel changed
 * below (nooks_pgtable_resync()) can be made again with the grants and
 * the code allowed to run in the domain (nooks_pgtable_allow_exec()).
 */
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

#include "arch.h"
#include "pgtable.h"

#define NOOKS_PT_KRW		BIT_ULL(52)	/* the kernel's entry had RW */
#define NOOKS_PT_PRIV		BIT_ULL(53)	/* points to a private table */
#define NOOKS_PT_KX		BIT_ULL(54)	/* the kernel's entry had no NX */
#define NOOKS_PT_OURS		(NOOKS_PT_KRW | NOOKS_PT_PRIV | NOOKS_PT_KX)
#define NOOKS_PT_ENTRIES	512
#define NOOKS_PT_KERNEL_HALF	256		/* first kernel top entry */

enum nooks_pt_op {
	NOOKS_PT_GRANT,
	NOOKS_PT_REVOKE,
	NOOKS_PT_NOEXEC,
	NOOKS_PT_EXEC,
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

/* Does @e point to a private table of ours? */
static bool nooks_pt_private(unsigned long e)
{
	return (e & (_PAGE_PRESENT | NOOKS_PT_PRIV)) ==
	       (_PAGE_PRESENT | NOOKS_PT_PRIV);
}

static bool nooks_pt_leaf(unsigned long e, unsigned int level)
{
	return level == 1 || (e & _PAGE_PSE);
}

/* A kernel entry as a domain sees it: read-only unless @writable. */
static unsigned long nooks_pt_copy(unsigned long e, bool writable,
				   unsigned long nx)
{
	e &= ~NOOKS_PT_OURS;
	if (!(e & _PAGE_PRESENT))
		return e;
	if (e & _PAGE_RW)
		e |= NOOKS_PT_KRW;
	if (!(e & _PAGE_NX))
		e |= NOOKS_PT_KX;
	e &= ~_PAGE_GLOBAL;
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
	case NOOKS_PT_EXEC:
		return e & NOOKS_PT_KX ? e & ~_PAGE_NX : e;
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

static bool nooks_pt_range_ok(unsigned long start, unsigned long size)
{
	return size && PAGE_ALIGNED(start) && PAGE_ALIGNED(size) &&
	       start >= TASK_SIZE_MAX && start + size - 1 >= start;
}

/* Apply @op to the pages [@first, @last]. Lock held. */
static int nooks_pt_pages(struct nooks_pgtable *pt, unsigned long first,
			  unsigned long last, enum nooks_pt_op op)
{
	return nooks_pt_apply(pt, pt->top, pt->levels, first << PAGE_SHIFT,
			      (last << PAGE_SHIFT) + PAGE_SIZE - 1, op);
}

/*
 * The only places the domain adds NX to an entry the kernel may run: the
 * kernel image and the module area (other modules' code; the domain's
 * own module and nooks.ko are allowed back, nooks_protect_bind()).
 */
static bool nooks_pt_in_image(unsigned long addr)
{
	return (addr >= __START_KERNEL_map &&
		addr - __START_KERNEL_map < KERNEL_IMAGE_SIZE) ||
	       (addr >= MODULES_VADDR && addr < MODULES_END);
}

static void nooks_pt_free(struct nooks_pgtable *pt, unsigned long *table,
			  unsigned int level);
static bool nooks_pt_resync(struct nooks_pgtable *pt, unsigned long addr);

/* Free the private tables below entries [@from, 512) of @table. */
static void nooks_pt_free_below(struct nooks_pgtable *pt, unsigned long *table,
				unsigned int level, int from)
{
	int i;

	for (i = from; level > 1 && i < NOOKS_PT_ENTRIES; i++)
		if (nooks_pt_private(table[i]))
			nooks_pt_free(pt, nooks_pt_table(table[i]), level - 1);
}

static void nooks_pt_free(struct nooks_pgtable *pt, unsigned long *table,
			  unsigned int level)
{
	nooks_pt_free_below(pt, table, level, 0);
	free_page((unsigned long)table);
	pt->pages--;
}

/*
 * A private table no entry points to any more, which a CPU running in the
 * domain may still be walking until its next CR3 write: freed with the
 * domain.
 */
static void nooks_pt_retire(struct nooks_pgtable *pt, unsigned long *table,
			    unsigned int level)
{
	int i;

	for (i = 0; level > 1 && i < NOOKS_PT_ENTRIES; i++)
		if (nooks_pt_private(table[i]))
			nooks_pt_retire(pt, nooks_pt_table(table[i]), level - 1);
	list_add(&virt_to_page(table)->lru, &pt->retired);
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
int nooks_pgtable_init(struct nooks_pgtable *pt, unsigned long gen)
{
	unsigned long *kernel = __va(read_cr3_pa()), flags;
	int i, ret;

	spin_lock_init(&pt->lock);
	xa_init(&pt->grants);
	xa_init(&pt->exec);
	INIT_LIST_HEAD(&pt->retired);
	pt->levels = nooks_arch_info()->paging_levels;
	pt->synced = gen;
	pt->top = (unsigned long *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!pt->top)
		return -ENOMEM;
	pt->pages = 2;
	for (i = NOOKS_PT_KERNEL_HALF; i < NOOKS_PT_ENTRIES; i++)
		pt->top[i] = nooks_pt_copy(READ_ONCE(kernel[i]), false, 0);
	spin_lock_irqsave(&pt->lock, flags);
	ret = nooks_pt_apply(pt, pt->top, pt->levels, __START_KERNEL_map,
			     __START_KERNEL_map + KERNEL_IMAGE_SIZE - 1,
			     NOOKS_PT_NOEXEC);
	if (!ret)
		ret = nooks_pt_apply(pt, pt->top, pt->levels, MODULES_VADDR,
				     MODULES_END - 1, NOOKS_PT_NOEXEC);
	spin_unlock_irqrestore(&pt->lock, flags);
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
	struct page *page, *next;

	if (!pt->top)
		return;
	nooks_pt_free_below(pt, pt->top, pt->levels, NOOKS_PT_KERNEL_HALF);
	free_pages((unsigned long)pt->top, 1);
	pt->pages -= 2;
	list_for_each_entry_safe(page, next, &pt->retired, lru) {
		list_del(&page->lru);
		__free_page(page);
		pt->pages--;
	}
	WARN_ON_ONCE(pt->pages);
	xa_destroy(&pt->grants);
	xa_destroy(&pt->exec);
	pt->top = NULL;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_uninit, NOOKS_INTERNAL);

/*
 * Add @delta (+1 or -1) to the grant count of each page of the range,
 * and apply @op to the runs of pages whose count left or reached zero.
 * Lock held.
 */
static int nooks_pt_count(struct nooks_pgtable *pt, unsigned long start,
			  unsigned long size, int delta, enum nooks_pt_op op)
{
	unsigned long first = start >> PAGE_SHIFT;
	unsigned long last = first + (size >> PAGE_SHIFT) - 1;
	unsigned long idx, run = ULONG_MAX;
	int ret = 0;

	xa_lock(&pt->grants);
	for (idx = first; ; idx++) {
		bool edge = false;

		if (idx <= last) {
			unsigned long n = xa_to_value(xa_load(&pt->grants, idx) ?:
						      xa_mk_value(0));
			void *old;

			if (delta < 0 && !n)
				goto flush;	/* not granted: nothing to undo */
			n += delta;
			old = __xa_store(&pt->grants, idx,
					 n ? xa_mk_value(n) : NULL, GFP_ATOMIC);
			if (xa_is_err(old)) {
				ret = xa_err(old);
				goto flush;
			}
			edge = delta > 0 ? n == 1 : n == 0;
		}
		if (edge) {
			if (run == ULONG_MAX)
				run = idx;
			continue;
		}
flush:
		if (run != ULONG_MAX) {
			int err = nooks_pt_pages(pt, run, idx - 1, op);

			ret = ret ?: err;
			run = ULONG_MAX;
		}
		if (idx >= last || ret)
			break;
	}
	xa_unlock(&pt->grants);
	return ret;
}

/**
 * nooks_pgtable_grant() - let a domain write a range the kernel may write
 * @pt: the domain's table
 * @start: first byte, page-aligned, a kernel address
 * @size: bytes, page-aligned, not 0
 *
 * Counted per page: a page stays writable until each of its grants is
 * revoked. Pages the kernel maps read-only stay so; unmapped pages stay
 * unmapped.
 *
 * Context: any; allocates with GFP_ATOMIC.
 * Return: 0, -EINVAL for a bad range, -ENOMEM (part may be granted).
 */
int nooks_pgtable_grant(struct nooks_pgtable *pt, unsigned long start,
			unsigned long size)
{
	unsigned long flags, a;
	int ret;

	if (!nooks_pt_range_ok(start, size))
		return -EINVAL;
	spin_lock_irqsave(&pt->lock, flags);
	/*
	 * A private copy may still map an address the kernel has since
	 * mapped again elsewhere (vmalloc reuses addresses): copy the
	 * kernel's mapping of each page before making it writable.
	 */
	for (a = start; a < start + size; a += PAGE_SIZE)
		nooks_pt_resync(pt, a);
	ret = nooks_pt_count(pt, start, size, 1, NOOKS_PT_GRANT);
	spin_unlock_irqrestore(&pt->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_grant, NOOKS_INTERNAL);

/**
 * nooks_pgtable_revoke() - take back one grant of a range
 * @pt: the domain's table
 * @start: first byte, page-aligned, a kernel address
 * @size: bytes, page-aligned, not 0
 *
 * Pages whose last grant this was are read-only in the domain again.
 * No CPU's TLB is flushed: the domain's entries are not global, so a
 * CPU drops them at its next CR3 write, which every crossing out of the
 * domain makes (with PCID, every entry flushes the domain's PCID: see
 * arch/x86/protect.c). A CPU inside the domain right now keeps a stale
 * entry until it crosses.
 *
 * Context: any.
 * Return: 0, -EINVAL for a bad range, -ENOMEM.
 */
int nooks_pgtable_revoke(struct nooks_pgtable *pt, unsigned long start,
			 unsigned long size)
{
	unsigned long flags;
	int ret;

	if (!nooks_pt_range_ok(start, size))
		return -EINVAL;
	spin_lock_irqsave(&pt->lock, flags);
	ret = nooks_pt_count(pt, start, size, -1, NOOKS_PT_REVOKE);
	spin_unlock_irqrestore(&pt->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_revoke, NOOKS_INTERNAL);

/**
 * nooks_pgtable_allow_exec() - let a domain run kernel code in a range
 * @pt: the domain's table
 * @start: first byte, page-aligned, a kernel address
 * @size: bytes, page-aligned, not 0
 *
 * For the few kernel functions driver code runs without crossing (the
 * return and retpoline thunks, memcpy, udelay: wrappers/in_domain.h).
 * The whole pages become executable, as far as the kernel's are.
 *
 * Context: any; allocates with GFP_ATOMIC.
 * Return: 0, -EINVAL for a bad range, -ENOMEM.
 */
int nooks_pgtable_allow_exec(struct nooks_pgtable *pt, unsigned long start,
			     unsigned long size)
{
	unsigned long flags, idx, first = start >> PAGE_SHIFT;
	int ret = 0;

	if (!nooks_pt_range_ok(start, size))
		return -EINVAL;
	spin_lock_irqsave(&pt->lock, flags);
	for (idx = first; !ret && idx < first + (size >> PAGE_SHIFT); idx++)
		ret = xa_err(xa_store(&pt->exec, idx, xa_mk_value(1),
				      GFP_ATOMIC));
	if (!ret)
		ret = nooks_pt_pages(pt, first, idx - 1, NOOKS_PT_EXEC);
	spin_unlock_irqrestore(&pt->lock, flags);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_allow_exec, NOOKS_INTERNAL);

/* Grant and allow again what lies in [@first, @last]. Lock held. */
static void nooks_pt_reapply(struct nooks_pgtable *pt, unsigned long first,
			     unsigned long last)
{
	unsigned long idx;
	void *v;

	xa_for_each_range(&pt->grants, idx, v, first >> PAGE_SHIFT,
			  last >> PAGE_SHIFT)
		nooks_pt_pages(pt, idx, idx, NOOKS_PT_GRANT);
	xa_for_each_range(&pt->exec, idx, v, first >> PAGE_SHIFT,
			  last >> PAGE_SHIFT)
		nooks_pt_pages(pt, idx, idx, NOOKS_PT_EXEC);
}

/* The page @addr lies in, as the leaf @e at @level maps it. */
static unsigned long nooks_pt_phys(unsigned long e, unsigned int level,
				   unsigned long addr)
{
	unsigned long mask = (1UL << nooks_pt_shift(level)) - 1;

	return ((e & PTE_PFN_MASK & ~mask) | (addr & mask)) & PAGE_MASK;
}

/*
 * Does the private table under our entry @e at @level (a huge page of
 * the kernel's we split) still map @addr where the kernel's leaf @ke
 * does?
 */
static bool nooks_pt_same_leaf(unsigned long e, unsigned int level,
			       unsigned long addr, unsigned long ke)
{
	unsigned int klevel = level;

	while (level > 1 && (e & NOOKS_PT_PRIV)) {
		level--;
		e = READ_ONCE(*nooks_pt_entry(nooks_pt_table(e), level, addr));
	}
	return (e & _PAGE_PRESENT) && nooks_pt_leaf(e, level) &&
	       nooks_pt_phys(e, level, addr) == nooks_pt_phys(ke, klevel, addr);
}

/**
 * nooks_pgtable_resync() - copy the kernel's mapping of @addr again
 * @pt: the domain's table
 * @addr: an address the domain faulted on
 *
 * Private copies are snapshots: the kernel may since have mapped, split
 * or remapped what lies below them (a new vmalloc area beside a granted
 * one). Where the domain's path to @addr stops following the kernel's,
 * the kernel's entry is copied again (read-only) and the grants and
 * allowances in its span applied again.
 *
 * Context: any, the kernel's CR3 loaded.
 * Return: true if the domain's mapping of @addr changed: try again.
 */
bool nooks_pgtable_resync(struct nooks_pgtable *pt, unsigned long addr)
{
	unsigned long flags;
	bool changed;

	if (addr < TASK_SIZE_MAX)
		return false;
	spin_lock_irqsave(&pt->lock, flags);
	changed = nooks_pt_resync(pt, addr);
	spin_unlock_irqrestore(&pt->lock, flags);
	return changed;
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_resync, NOOKS_INTERNAL);

/* See nooks_pgtable_resync(). Lock held. */
static bool nooks_pt_resync(struct nooks_pgtable *pt, unsigned long addr)
{
	unsigned long *table = pt->top, *ktable = __va(read_cr3_pa());
	unsigned int level = pt->levels;
	bool changed = false;

	for (;; level--) {
		unsigned long *pe = nooks_pt_entry(table, level, addr);
		unsigned long ke = READ_ONCE(*nooks_pt_entry(ktable, level,
							     addr));
		unsigned long span = 1UL << nooks_pt_shift(level);
		unsigned long first = addr & ~(span - 1), e = *pe, ne;
		bool kleaf = nooks_pt_leaf(ke, level);

		if ((e & NOOKS_PT_PRIV) && (ke & _PAGE_PRESENT)) {
			if (!kleaf) {
				table = nooks_pt_table(e);
				ktable = nooks_pt_table(ke);
				continue;
			}
			if (nooks_pt_same_leaf(e, level, addr, ke))
				break;
		}
		ne = nooks_pt_copy(ke, false, nooks_pt_in_image(first) ?
				   _PAGE_NX & __supported_pte_mask : 0);
		if (!(e & NOOKS_PT_PRIV) && (e & ~_PAGE_RW) == (ne & ~_PAGE_RW))
			break;
		if (e & NOOKS_PT_PRIV)
			nooks_pt_retire(pt, nooks_pt_table(e), level - 1);
		WRITE_ONCE(*pe, ne);
		xa_lock(&pt->grants);
		nooks_pt_reapply(pt, first, first + span - 1);
		xa_unlock(&pt->grants);
		changed = true;
		break;
	}
	return changed;
}

/* Entries of ours that still map what the kernel's map? Lock held. */
static void nooks_pt_sync_table(struct nooks_pgtable *pt, unsigned long *table,
				unsigned long *ktable, unsigned int level,
				unsigned long base)
{
	unsigned int i;

	for (i = 0; i < NOOKS_PT_ENTRIES; i++) {
		unsigned long addr = base +
			((unsigned long)i << nooks_pt_shift(level));
		unsigned long e = READ_ONCE(table[i]);
		unsigned long ke = READ_ONCE(ktable[i]);

		if (!(ke & _PAGE_PRESENT)) {
			if (e & _PAGE_PRESENT)
				nooks_pt_resync(pt, addr);
			continue;
		}
		if (nooks_pt_private(e)) {
			if (!nooks_pt_leaf(ke, level))
				nooks_pt_sync_table(pt, nooks_pt_table(e),
						    nooks_pt_table(ke),
						    level - 1, addr);
			else if (!nooks_pt_same_leaf(e, level, addr, ke))
				nooks_pt_resync(pt, addr);
			continue;
		}
		if ((e ^ ke) & (PTE_PFN_MASK | _PAGE_PRESENT | _PAGE_PSE))
			nooks_pt_resync(pt, addr);
	}
}

/**
 * nooks_pgtable_sync() - make every private copy follow the kernel again
 * @pt: the domain's table
 * @gen: the kernel's mapping generation now (see protect.c)
 *
 * A private copy holds the kernel's entries beside the grants as they
 * were when it was made. The kernel reuses virtual addresses (vmalloc
 * space: task stacks, ioremap) after it has flushed them from the TLBs;
 * a stale entry of ours would then read the old page, silently. Called
 * on entry when the kernel has flushed kernel ranges since the last call:
 * every entry of a private table that maps something else than the
 * kernel's is copied again (nooks_pt_resync()).
 *
 * Context: any, the kernel's CR3 loaded, no CPU running on @pt that
 * could read what changes (the caller enters after this returns).
 */
void nooks_pgtable_sync(struct nooks_pgtable *pt, unsigned long gen)
{
	unsigned long *kernel = __va(read_cr3_pa()), flags;
	unsigned int top = nooks_pt_shift(pt->levels), i;

	if (READ_ONCE(pt->synced) == gen)
		return;
	spin_lock_irqsave(&pt->lock, flags);
	/* another CPU may have synced while this one waited for the lock */
	if (pt->synced == gen)
		goto out;
	for (i = NOOKS_PT_KERNEL_HALF; i < NOOKS_PT_ENTRIES; i++) {
		unsigned long base = (~0UL << (top + 9)) |
				     ((unsigned long)i << top);

		if (nooks_pt_private(pt->top[i]))
			nooks_pt_sync_table(pt, nooks_pt_table(pt->top[i]),
					    nooks_pt_table(READ_ONCE(kernel[i])),
					    pt->levels - 1, base);
	}
	WRITE_ONCE(pt->synced, gen);
out:
	spin_unlock_irqrestore(&pt->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_pgtable_sync, NOOKS_INTERNAL);

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
