// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for domain page tables (arch/x86/pgtable.c): each walks the
 * domain's table and the kernel's for the same addresses and compares
 * present, physical address, RW, NX and the leaf level. Run at the
 * paging depth the guest boots with (tests/kunit/run.sh boots it with 5
 * levels and with no5lvl).
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../../arch/x86/pgtable.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

static DEFINE_PER_CPU(unsigned long, nooks_test_pt_percpu);
static unsigned long nooks_test_pt_data;

/* The kernel image and the module area: not executable in a domain. */
static bool nooks_test_in_image(unsigned long addr)
{
	return (addr >= __START_KERNEL_map &&
		addr - __START_KERNEL_map < KERNEL_IMAGE_SIZE) ||
	       (addr >= MODULES_VADDR && addr < MODULES_END);
}

static void nooks_test_pt_setup(struct kunit *test, struct nooks_pgtable *pt)
{
	KUNIT_ASSERT_EQ(test, nooks_pgtable_init(pt, 0), 0);
	KUNIT_EXPECT_EQ(test, pt->levels, pgtable_l5_enabled() ? 5U : 4U);
}

static void nooks_test_pt_teardown(struct kunit *test, struct nooks_pgtable *pt)
{
	nooks_pgtable_uninit(pt);
	KUNIT_EXPECT_EQ_MSG(test, pt->pages, 0U, "table pages not freed");
	KUNIT_EXPECT_NULL(test, pt->top);
}

/*
 * @addr in the domain as in the kernel, but writable only if @rw (and the
 * kernel's is), not executable in the kernel image.
 */
static void nooks_test_pt_expect(struct kunit *test,
				 const struct nooks_pgtable *pt,
				 unsigned long addr, bool rw, const char *what)
{
	struct nooks_pgtable_walk k, d;

	nooks_pgtable_lookup(NULL, addr, &k);
	nooks_pgtable_lookup(pt, addr, &d);
	KUNIT_EXPECT_TRUE_MSG(test, k.present, "%s %#lx: the kernel maps it",
			      what, addr);
	KUNIT_EXPECT_EQ_MSG(test, d.present, k.present, "%s %#lx: present",
			    what, addr);
	KUNIT_EXPECT_EQ_MSG(test, d.phys, k.phys, "%s %#lx: same page", what,
			    addr);
	KUNIT_EXPECT_EQ_MSG(test, d.rw, rw && k.rw, "%s %#lx: writable", what,
			    addr);
	KUNIT_EXPECT_EQ_MSG(test, d.nx, k.nx || nooks_test_in_image(addr),
			    "%s %#lx: not executable", what, addr);
	/* the inline walk of the domain's own code (domains/local.c) agrees */
	KUNIT_EXPECT_EQ_MSG(test, nooks_pgtable_writable(pt, addr), d.rw,
			    "%s %#lx: writable, inline", what, addr);
	KUNIT_EXPECT_EQ_MSG(test, nooks_pgtable_runnable(pt, addr),
			    d.present && !d.nx, "%s %#lx: runnable, inline",
			    what, addr);
}

/*
 * A fresh domain table: the kernel, read-only, its image and modules
 * (this one too: only a bound module's text is allowed back) not
 * executable.
 */
static void nooks_test_pt_kernel_ro(struct kunit *test)
{
	struct nooks_pgtable pt;
	struct nooks_pgtable_walk k;
	void *heap = kunit_kmalloc(test, 64, GFP_KERNEL);
	void *vm = vmalloc(PAGE_SIZE);
	unsigned long text = (unsigned long)&kfree;

	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	nooks_test_pt_setup(test, &pt);
	/*
	 * top, one table per level between it and the image's 1 GiB, and
	 * one for the module area's last 1 GiB, which ends at the fixmap
	 */
	KUNIT_EXPECT_EQ(test, pt.pages, 2 + pt.levels - 2 + 1);

	nooks_pgtable_lookup(NULL, (unsigned long)heap, &k);
	KUNIT_EXPECT_TRUE_MSG(test, k.rw, "the kernel may write its heap");
	nooks_pgtable_lookup(NULL, text, &k);
	KUNIT_EXPECT_FALSE_MSG(test, k.nx, "the kernel may run its text");

	nooks_test_pt_expect(test, &pt, (unsigned long)heap, false, "kmalloc");
	nooks_test_pt_expect(test, &pt, (unsigned long)vm, false, "vmalloc");
	nooks_test_pt_expect(test, &pt, text, false, "kernel text");
	nooks_test_pt_expect(test, &pt, (unsigned long)&jiffies, false,
			     "kernel data");
	nooks_test_pt_expect(test, &pt, (unsigned long)&nooks_test_pt_data,
			     false, "module data");
	nooks_test_pt_expect(test, &pt,
			     (unsigned long)raw_cpu_ptr(&nooks_test_pt_percpu),
			     false, "per-CPU");
	nooks_test_pt_expect(test, &pt, (unsigned long)nooks_test_pt_expect,
			     false, "module text");
	nooks_pgtable_lookup(&pt, (unsigned long)nooks_test_pt_expect, &k);
	KUNIT_EXPECT_TRUE_MSG(test, k.nx, "another module's text runs only if allowed");
	nooks_test_pt_teardown(test, &pt);
	vfree(vm);
}

/* Granting one page of a huge direct-map page splits it, and no more. */
static void nooks_test_pt_grant_split(struct kunit *test)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 2);
	struct nooks_pgtable_walk k, d;
	struct nooks_pgtable pt;
	unsigned long a, before;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	a = (unsigned long)page_address(pages);
	nooks_test_pt_setup(test, &pt);
	before = pt.pages;
	KUNIT_ASSERT_EQ(test, nooks_pgtable_grant(&pt, a + PAGE_SIZE,
						  PAGE_SIZE), 0);
	for (i = 0; i < 4; i++)
		nooks_test_pt_expect(test, &pt, a + i * PAGE_SIZE, i == 1,
				     "granted page 1 of 4");
	nooks_pgtable_lookup(NULL, a, &k);
	nooks_pgtable_lookup(&pt, a + PAGE_SIZE, &d);
	KUNIT_EXPECT_EQ(test, d.level, 1U);
	/* one private table per level from the top to the 4 KiB leaves */
	KUNIT_EXPECT_EQ_MSG(test, pt.pages - before, pt.levels - 1,
			    "kernel leaf level %u", k.level);

	KUNIT_EXPECT_EQ(test, nooks_pgtable_revoke(&pt, a + PAGE_SIZE,
						   PAGE_SIZE), 0);
	for (i = 0; i < 4; i++)
		nooks_test_pt_expect(test, &pt, a + i * PAGE_SIZE, false,
				     "revoked");
	/* again: the private copies are reused */
	before = pt.pages;
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, a, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, pt.pages, before);
	for (i = 0; i < 4; i++)
		nooks_test_pt_expect(test, &pt, a + i * PAGE_SIZE, true,
				     "granted 4 of 4");
	nooks_test_pt_teardown(test, &pt);
	__free_pages(pages, 2);
}

/* vmalloc space: 4 KiB pages under tables of its own. */
static void nooks_test_pt_grant_vmalloc(struct kunit *test)
{
	char *vm = vmalloc(3 * PAGE_SIZE);
	struct nooks_pgtable pt;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, vm);
	nooks_test_pt_setup(test, &pt);
	KUNIT_ASSERT_EQ(test, nooks_pgtable_grant(&pt, (unsigned long)vm +
						  PAGE_SIZE, PAGE_SIZE), 0);
	for (i = 0; i < 3; i++)
		nooks_test_pt_expect(test, &pt, (unsigned long)vm + i * PAGE_SIZE,
				     i == 1, "vmalloc page 1 of 3 granted");
	nooks_test_pt_teardown(test, &pt);
	vfree(vm);
}

/*
 * A grant that covers a whole entry's span is made at that entry: 2 MiB
 * of the direct map needs no 4 KiB table.
 */
static void nooks_test_pt_grant_whole(struct kunit *test)
{
	void *heap = kunit_kmalloc(test, 64, GFP_KERNEL);
	struct nooks_pgtable_walk k, d;
	struct nooks_pgtable pt;
	unsigned long a, off;

	KUNIT_ASSERT_NOT_NULL(test, heap);
	a = ALIGN_DOWN((unsigned long)heap, PMD_SIZE);
	nooks_test_pt_setup(test, &pt);
	KUNIT_ASSERT_EQ(test, nooks_pgtable_grant(&pt, a, PMD_SIZE), 0);
	nooks_pgtable_lookup(NULL, (unsigned long)heap, &k);
	nooks_pgtable_lookup(&pt, (unsigned long)heap, &d);
	KUNIT_EXPECT_EQ(test, d.level, min(k.level, 2U));
	for (off = 0; off < PMD_SIZE; off += 97 * PAGE_SIZE)
		nooks_test_pt_expect(test, &pt, a + off, true, "2 MiB granted");
	/* beside it, read-only, where the kernel maps anything (RAM holes) */
	nooks_pgtable_lookup(NULL, a + PMD_SIZE, &k);
	if (k.present)
		nooks_test_pt_expect(test, &pt, a + PMD_SIZE, false,
				     "next 2 MiB");
	nooks_pgtable_lookup(NULL, a - PAGE_SIZE, &k);
	if (k.present)
		nooks_test_pt_expect(test, &pt, a - PAGE_SIZE, false,
				     "previous 2 MiB");
	nooks_test_pt_teardown(test, &pt);
}

/* Bad ranges are refused; the kernel's read-only pages stay read-only. */
static void nooks_test_pt_bad_ranges(struct kunit *test)
{
	unsigned long text = (unsigned long)&kfree & PAGE_MASK;
	struct nooks_pgtable pt;

	nooks_test_pt_setup(test, &pt);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, text + 1, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, text, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, text, 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, PAGE_SIZE, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, -PAGE_SIZE,
						  2 * PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_revoke(&pt, text + 1, PAGE_SIZE),
			-EINVAL);
	/* kernel text: granted, yet read-only, as the kernel maps it */
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, text, PAGE_SIZE), 0);
	nooks_test_pt_expect(test, &pt, text, true, "granted kernel text");
	nooks_test_pt_teardown(test, &pt);
}

/* Grants are counted per page: the last revoke makes it read-only. */
static void nooks_test_pt_grant_counted(struct kunit *test)
{
	void *heap = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long a = (unsigned long)heap & PAGE_MASK;
	struct nooks_pgtable pt;

	KUNIT_ASSERT_NOT_NULL(test, heap);
	nooks_test_pt_setup(test, &pt);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, a, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, a, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_revoke(&pt, a, PAGE_SIZE), 0);
	nooks_test_pt_expect(test, &pt, a, true, "granted twice, revoked once");
	KUNIT_EXPECT_EQ(test, nooks_pgtable_revoke(&pt, a, PAGE_SIZE), 0);
	nooks_test_pt_expect(test, &pt, a, false, "revoked twice");
	/* a revoke more than the grants changes nothing */
	KUNIT_EXPECT_EQ(test, nooks_pgtable_revoke(&pt, a, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, nooks_pgtable_grant(&pt, a, PAGE_SIZE), 0);
	nooks_test_pt_expect(test, &pt, a, true, "granted again");
	nooks_test_pt_teardown(test, &pt);
}

/* Kernel code the domain may run: its pages only, and only code. */
static void nooks_test_pt_allow_exec(struct kunit *test)
{
	unsigned long text = (unsigned long)&kfree & PAGE_MASK, data;
	struct nooks_pgtable_walk k, d;
	struct nooks_pgtable pt;

	nooks_test_pt_setup(test, &pt);
	nooks_pgtable_lookup(&pt, text, &d);
	KUNIT_EXPECT_TRUE_MSG(test, d.nx, "kernel text runs only if allowed");
	KUNIT_EXPECT_FALSE(test, nooks_pgtable_runnable(&pt, text));
	KUNIT_EXPECT_EQ(test, nooks_pgtable_allow_exec(&pt, text, PAGE_SIZE),
			0);
	nooks_pgtable_lookup(&pt, text, &d);
	nooks_pgtable_lookup(NULL, text, &k);
	KUNIT_EXPECT_FALSE_MSG(test, d.nx, "allowed kernel text runs");
	KUNIT_EXPECT_TRUE(test, nooks_pgtable_runnable(&pt, text));
	KUNIT_EXPECT_FALSE(test, nooks_pgtable_writable(&pt, text));
	KUNIT_EXPECT_FALSE(test, d.rw);
	KUNIT_EXPECT_EQ(test, d.phys, k.phys);
	KUNIT_EXPECT_EQ(test, d.level, 1U);
	nooks_pgtable_lookup(&pt, text + PAGE_SIZE, &d);
	KUNIT_EXPECT_TRUE_MSG(test, d.nx, "the next page stays not executable");
	nooks_pgtable_lookup(&pt, text - PAGE_SIZE, &d);
	KUNIT_EXPECT_TRUE_MSG(test, d.nx, "the page before too");
	/* data the kernel does not run is not made executable */
	data = (unsigned long)&jiffies & PAGE_MASK;
	KUNIT_EXPECT_EQ(test, nooks_pgtable_allow_exec(&pt, data, PAGE_SIZE), 0);
	nooks_test_pt_expect(test, &pt, (unsigned long)&jiffies, false,
			     "kernel data allowed to run");
	nooks_test_pt_teardown(test, &pt);
}

/*
 * A private copy is a snapshot: a page the kernel maps later beside a
 * granted one is missing from it until resynced, then mapped read-only.
 */
static void nooks_test_pt_resync(struct kunit *test)
{
	struct nooks_pgtable_walk k, d;
	struct nooks_pgtable pt;
	void *a = vmalloc(PAGE_SIZE), *b = NULL, *extra[64];
	int i, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, a);
	nooks_test_pt_setup(test, &pt);
	KUNIT_ASSERT_EQ(test, nooks_pgtable_grant(&pt, (unsigned long)a,
						  PAGE_SIZE), 0);
	/* a page vmalloc maps from now on in the same 2 MiB */
	for (i = 0; i < ARRAY_SIZE(extra) && !b; i++) {
		extra[n] = vmalloc(PAGE_SIZE);
		if (!extra[n])
			break;
		if (((unsigned long)extra[n] ^ (unsigned long)a) < PMD_SIZE)
			b = extra[n];
		n++;
	}
	if (b) {
		nooks_pgtable_lookup(&pt, (unsigned long)b, &d);
		nooks_pgtable_lookup(NULL, (unsigned long)b, &k);
		KUNIT_EXPECT_TRUE(test, k.present);
		KUNIT_EXPECT_FALSE_MSG(test, d.present && d.phys == k.phys,
				       "mapped after the copy: stale");
		KUNIT_EXPECT_TRUE(test, nooks_pgtable_resync(&pt,
							     (unsigned long)b));
		nooks_test_pt_expect(test, &pt, (unsigned long)b, false,
				     "resynced");
		nooks_test_pt_expect(test, &pt, (unsigned long)a, true,
				     "still granted after the resync");
		KUNIT_EXPECT_FALSE_MSG(test,
				       nooks_pgtable_resync(&pt, (unsigned long)b),
				       "a second resync changes nothing");
	}
	nooks_test_pt_teardown(test, &pt);
	while (n--)
		vfree(extra[n]);
	vfree(a);
	if (!b)
		kunit_skip(test, "vmalloc mapped no page beside the granted one");
}

/* Our level-1 entry for @addr, or NULL (test only: no lock). */
static unsigned long *nooks_test_pt_pte(struct nooks_pgtable *pt,
					unsigned long addr)
{
	unsigned long *t = pt->top, e;
	unsigned int level;

	for (level = pt->levels; level > 1; level--) {
		e = t[(addr >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
		if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
			return NULL;
		t = __va(e & PTE_PFN_MASK);
	}
	return &t[(addr >> PAGE_SHIFT) & 511];
}

/*
 * The kernel maps an address beside a granted page to another page
 * (vmalloc space reused after a TLB flush): here our private copy is
 * made to map an old page instead, as it would then. It keeps doing so
 * until nooks_pgtable_sync() of a new generation copies the kernel's.
 */
static void nooks_test_pt_sync(struct kunit *test)
{
	struct page *old = alloc_page(GFP_KERNEL);
	unsigned long a, *pte;
	struct nooks_pgtable_walk d, k;
	struct nooks_pgtable pt;
	void *v = vmalloc(2 * PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, v);
	a = (unsigned long)v;
	if ((a ^ (a + PAGE_SIZE)) >= PMD_SIZE) {
		vfree(v);
		__free_page(old);
		kunit_skip(test, "the two pages straddle a 2 MiB boundary");
	}
	nooks_test_pt_setup(test, &pt);
	KUNIT_ASSERT_EQ(test, nooks_pgtable_grant(&pt, a + PAGE_SIZE,
						  PAGE_SIZE), 0);
	pte = nooks_test_pt_pte(&pt, a);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	WRITE_ONCE(*pte, (*pte & ~PTE_PFN_MASK) | page_to_phys(old));
	nooks_pgtable_lookup(NULL, a, &k);
	nooks_pgtable_sync(&pt, 0);
	nooks_pgtable_lookup(&pt, a, &d);
	KUNIT_EXPECT_TRUE_MSG(test, d.phys == page_to_phys(old),
			      "same generation: not walked");
	nooks_pgtable_sync(&pt, 1);
	nooks_pgtable_lookup(&pt, a, &d);
	KUNIT_EXPECT_TRUE_MSG(test, d.present && d.phys == k.phys,
			      "maps the kernel's page again");
	nooks_test_pt_expect(test, &pt, a, false, "synced");
	nooks_test_pt_expect(test, &pt, a + PAGE_SIZE, true,
			     "still granted after the sync");
	nooks_test_pt_teardown(test, &pt);
	vfree(v);
	__free_page(old);
}

static struct kunit_case nooks_pgtable_test_cases[] = {
	KUNIT_CASE(nooks_test_pt_kernel_ro),
	KUNIT_CASE(nooks_test_pt_grant_split),
	KUNIT_CASE(nooks_test_pt_grant_vmalloc),
	KUNIT_CASE(nooks_test_pt_grant_whole),
	KUNIT_CASE(nooks_test_pt_bad_ranges),
	KUNIT_CASE(nooks_test_pt_grant_counted),
	KUNIT_CASE(nooks_test_pt_allow_exec),
	KUNIT_CASE(nooks_test_pt_resync),
	KUNIT_CASE(nooks_test_pt_sync),
	{}
};

static struct kunit_suite nooks_pgtable_test_suite = {
	.name = "nooks_pgtable",
	.test_cases = nooks_pgtable_test_cases,
};

kunit_test_suite(nooks_pgtable_test_suite);
