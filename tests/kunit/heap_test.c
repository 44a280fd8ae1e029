// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a protected domain's heap (domains/heap.c): a cache per kmalloc
 * size class, of its own, whose pages hold no kernel object, and whose
 * objects the kernel's kfree() and ksize() take.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "../../domains/heap.h"

#define NOOKS_TEST_HEAP_N	64

static void nooks_test_heap_classes(struct kunit *test)
{
	static const size_t sizes[] = { 1, 8, 9, 96, 100, 200, 1000, 4096,
					8192 };
	struct nooks_heap h = {}, h2 = {};
	int i;

	KUNIT_ASSERT_EQ(test, nooks_heap_init(&h, "kunit"), 0);
	KUNIT_ASSERT_EQ(test, nooks_heap_init(&h2, "kunit"), 0);
	KUNIT_EXPECT_EQ(test, nooks_heap_max(), (size_t)KMALLOC_MAX_CACHE_SIZE);
	KUNIT_EXPECT_NULL(test, nooks_heap_cache(&h, 0));
	KUNIT_EXPECT_NULL(test, nooks_heap_cache(&h, nooks_heap_max() + 1));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct kmem_cache *c = nooks_heap_cache(&h, sizes[i]), *k;
		u8 *p;

		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_GE(test, kmem_cache_size(c), (unsigned int)sizes[i]);
		KUNIT_EXPECT_PTR_NE_MSG(test, c, nooks_heap_cache(&h2, sizes[i]),
					"two domains share a cache");
		k = kmalloc_caches[KMALLOC_NORMAL][__kmalloc_index(sizes[i],
								    false)];
		KUNIT_EXPECT_PTR_NE_MSG(test, c, k, "aliased to kmalloc's cache");
		p = kmalloc_trace(c, GFP_KERNEL | __GFP_ZERO, sizes[i]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, sizes[i]));
		KUNIT_EXPECT_GE(test, ksize(p), sizes[i]);
		kfree(p);	/* the kernel's kfree, as anyone would call it */
	}
	nooks_heap_uninit(&h2, false);
	nooks_heap_uninit(&h, false);
	KUNIT_EXPECT_NULL(test, h.caches[0]);
}

/* No page holds both a heap object and a kmalloc object. */
static void nooks_test_heap_pages(struct kunit *test)
{
	void *mine[NOOKS_TEST_HEAP_N], *kernel[NOOKS_TEST_HEAP_N];
	struct nooks_heap h = {};
	struct kmem_cache *c;
	int i, j, shared = 0;

	KUNIT_ASSERT_EQ(test, nooks_heap_init(&h, "kunit"), 0);
	c = nooks_heap_cache(&h, 64);
	for (i = 0; i < NOOKS_TEST_HEAP_N; i++) {
		mine[i] = kmalloc_trace(c, GFP_KERNEL, 64);
		kernel[i] = kmalloc(64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mine[i]);
		KUNIT_ASSERT_NOT_NULL(test, kernel[i]);
	}
	for (i = 0; i < NOOKS_TEST_HEAP_N; i++)
		for (j = 0; j < NOOKS_TEST_HEAP_N; j++)
			shared += virt_to_page(mine[i]) ==
				  virt_to_page(kernel[j]);
	KUNIT_EXPECT_EQ(test, shared, 0);
	for (i = 0; i < NOOKS_TEST_HEAP_N; i++) {
		kfree(mine[i]);
		kfree(kernel[i]);
	}
	nooks_heap_uninit(&h, false);
}

static struct kunit_case nooks_heap_test_cases[] = {
	KUNIT_CASE(nooks_test_heap_classes),
	KUNIT_CASE(nooks_test_heap_pages),
	{}
};

static struct kunit_suite nooks_heap_test_suite = {
	.name = "nooks_heap",
	.test_cases = nooks_heap_test_cases,
};

kunit_test_suite(nooks_heap_test_suite);
