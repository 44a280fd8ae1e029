// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the object tracker: add, remove, per-type counts,
 * memory accounting, releases of objects the domain does not hold, and
 * release in reverse acquisition order.
 */
#include <kunit/test.h>

#include "../../objtrack/objtrack.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

/* Keys are never dereferenced: fake, distinct addresses are enough. */
#define KEY(n) ((const void *)(0xffff888000100000UL + (n) * 64))

static struct nooks_objtrack *nooks_test_tracker(struct kunit *test)
{
	struct nooks_objtrack *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_init(t), 0);
	return t;
}

static void nooks_test_add_remove(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	KUNIT_EXPECT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_MEMORY, KEY(1),
						 100, NULL, _RET_IP_,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_MEMORY, KEY(2),
						 28, NULL, _RET_IP_,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_IRQ, KEY(3), 0,
						 NULL, _RET_IP_, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_MEMORY), 2UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_IRQ), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_TIMER), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(t), (size_t)128);
	KUNIT_EXPECT_TRUE(test, nooks_objtrack_holds(t, NOOKS_OBJ_MEMORY,
						     KEY(1)));

	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
						    KEY(1)), 0);
	KUNIT_EXPECT_FALSE(test, nooks_objtrack_holds(t, NOOKS_OBJ_MEMORY,
						      KEY(1)));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_MEMORY), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(t), (size_t)28);

	/* Irq objects are not charged to memory_bytes. */
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_IRQ, KEY(3)),
			0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(t), (size_t)28);
	nooks_objtrack_uninit(t);
}

static void nooks_test_not_held(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	/* What a bad free looks like to the tracker. */
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
						    KEY(9)), -ENOENT);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_MEMORY, KEY(9),
						 8, NULL, 0, GFP_KERNEL), 0);
	/* A double free. */
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
						    KEY(9)), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
						    KEY(9)), -ENOENT);
	/* Held as another type is not held as this one. */
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_PCI_ENABLED, KEY(9), 0,
						 NULL, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
						    KEY(9)), -ENOENT);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_PCI_ENABLED), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(t), (size_t)0);
	nooks_objtrack_uninit(t);
}

static void nooks_test_duplicate(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	KUNIT_EXPECT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_TIMER, KEY(4), 0,
						 NULL, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_TIMER, KEY(4), 0,
						 NULL, 0, GFP_KERNEL), -EEXIST);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_TIMER), 1UL);
	nooks_objtrack_uninit(t);
}

#define NOOKS_TEST_ORDER 8
static unsigned long nooks_test_released[NOOKS_TEST_ORDER];
static unsigned int nooks_test_nreleased;

static void nooks_test_record_release(struct nooks_object *obj)
{
	if (nooks_test_nreleased < NOOKS_TEST_ORDER)
		nooks_test_released[nooks_test_nreleased] = obj->key.addr;
	nooks_test_nreleased++;
}

static void nooks_test_reverse_release(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);
	int i;

	nooks_test_nreleased = 0;
	for (i = 0; i < NOOKS_TEST_ORDER; i++)
		KUNIT_ASSERT_EQ(test,
				nooks_objtrack_add(t, i % NOOKS_OBJ_COUNT,
						   KEY(i), 16,
						   nooks_test_record_release,
						   0, GFP_KERNEL), 0);
	/* A removed object is not released again. */
	KUNIT_ASSERT_EQ(test, nooks_objtrack_remove(t, 3, KEY(3)), 0);

	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(t),
			NOOKS_TEST_ORDER - 1U);
	KUNIT_ASSERT_EQ(test, nooks_test_nreleased, NOOKS_TEST_ORDER - 1U);
	KUNIT_EXPECT_EQ(test, nooks_test_released[0], (unsigned long)KEY(7));
	KUNIT_EXPECT_EQ(test, nooks_test_released[1], (unsigned long)KEY(6));
	KUNIT_EXPECT_EQ(test, nooks_test_released[2], (unsigned long)KEY(5));
	KUNIT_EXPECT_EQ(test, nooks_test_released[3], (unsigned long)KEY(4));
	KUNIT_EXPECT_EQ(test, nooks_test_released[4], (unsigned long)KEY(2));
	KUNIT_EXPECT_EQ(test, nooks_test_released[5], (unsigned long)KEY(1));
	KUNIT_EXPECT_EQ(test, nooks_test_released[6], (unsigned long)KEY(0));
	for (i = 0; i < NOOKS_OBJ_COUNT; i++)
		KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, i), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(t), (size_t)0);
	nooks_objtrack_uninit(t);
}

/* What is left at teardown is forgotten, never released. */
static void nooks_test_uninit_forgets(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	nooks_test_nreleased = 0;
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_WORK, KEY(1), 0,
						 nooks_test_record_release, 0,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_MEMORY, KEY(2), 8,
						 nooks_test_record_release, 0,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_uninit(t), 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_nreleased, 0U);
}

/*
 * Freeing memory forgets the embedded objects (timers, work) inside it,
 * and only those: nothing is left of them to release.
 */
static void nooks_test_embedded(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	nooks_test_nreleased = 0;
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_MEMORY, KEY(100),
						 64, NULL, 0, GFP_KERNEL), 0);
	/* Inside: a timer and a work item; outside: a timer at the end. */
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_TIMER, KEY(100),
						 0, nooks_test_record_release,
						 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_WORK,
						 KEY(100) + 63, 0,
						 nooks_test_record_release,
						 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_TIMER,
						 KEY(100) + 64, 0,
						 nooks_test_record_release,
						 0, GFP_KERNEL), 0);
	/* A non-embedded object inside is kept: it has its own lifetime. */
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_IRQ,
						 KEY(100) + 8, 0,
						 nooks_test_record_release,
						 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
						    KEY(100)), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_TIMER), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_WORK), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_IRQ), 1UL);
	KUNIT_EXPECT_TRUE(test, nooks_objtrack_holds(t, NOOKS_OBJ_TIMER,
						     KEY(100) + 64));
	KUNIT_EXPECT_EQ(test, nooks_test_nreleased, 0U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(t), 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_nreleased, 2U);
	nooks_objtrack_uninit(t);
}

/*
 * Disowning memory (a shadow driver keeps a failed driver's net_device)
 * forgets only it: what the driver embedded in it is still released.
 */
static void nooks_test_disown(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	nooks_test_nreleased = 0;
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_NETDEV, KEY(200),
						 128, nooks_test_record_release,
						 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_TIMER,
						 KEY(200) + 64, 0,
						 nooks_test_record_release,
						 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_size(t, NOOKS_OBJ_NETDEV,
						  KEY(200)), (size_t)128);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_disown(t, NOOKS_OBJ_NETDEV,
						    KEY(200)), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_disown(t, NOOKS_OBJ_NETDEV,
						    KEY(200)), -ENOENT);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_size(t, NOOKS_OBJ_NETDEV,
						  KEY(200)), (size_t)0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_TIMER), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(t), 1U);
	KUNIT_EXPECT_EQ(test, nooks_test_nreleased, 1U);
	nooks_objtrack_uninit(t);
}

/* Enough objects to put several in every bucket. */
static void nooks_test_many(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);
	const int n = 4096;
	int i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_MEMORY,
							 KEY(i), 1, NULL, 0,
							 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_MEMORY),
			(unsigned long)n);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(t), (size_t)n);
	for (i = 0; i < n; i += 2)
		KUNIT_ASSERT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_MEMORY,
							    KEY(i)), 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, nooks_objtrack_holds(t, NOOKS_OBJ_MEMORY,
							   KEY(i)), i % 2 == 1);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(t), (unsigned int)n / 2);
	nooks_objtrack_uninit(t);
}

static void nooks_test_forget_type(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);

	nooks_test_nreleased = 0;
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_LOCK, KEY(1), 0,
						 nooks_test_record_release, 0,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_IRQ, KEY(2), 0,
						 nooks_test_record_release, 0,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(t, NOOKS_OBJ_LOCK, KEY(3), 0,
						 nooks_test_record_release, 0,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_forget_type(t, NOOKS_OBJ_LOCK), 2U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_LOCK), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(t), 1U);
	KUNIT_EXPECT_EQ(test, nooks_test_nreleased, 1U);
	KUNIT_EXPECT_EQ(test, nooks_test_released[0], (unsigned long)KEY(2));
	nooks_objtrack_uninit(t);
}

/* Add a lock owned by the crossing counted in @owner (NULL: none). */
static void nooks_test_add_owned(struct kunit *test, struct nooks_objtrack *t,
				 unsigned long key, u32 *owner)
{
	struct nooks_object *obj = nooks_objtrack_alloc(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->key.addr = (unsigned long)KEY(key);
	obj->key.type = NOOKS_OBJ_LOCK;
	obj->owner = owner;
	KUNIT_ASSERT_EQ(test, nooks_objtrack_insert(t, obj), 0);
}

/*
 * Objects owned by a crossing (locks its driver code took): counted in
 * the owner, taken out newest first, or left to nobody when it ends.
 */
static void nooks_test_owned(struct kunit *test)
{
	struct nooks_objtrack *t = nooks_test_tracker(test);
	struct nooks_object *obj, *tmp;
	u32 a = 0, b = 0;
	unsigned long got[3];
	unsigned int n = 0;
	LIST_HEAD(out);

	nooks_test_add_owned(test, t, 1, &a);
	nooks_test_add_owned(test, t, 2, &b);
	nooks_test_add_owned(test, t, 3, &a);
	nooks_test_add_owned(test, t, 4, NULL);
	nooks_test_add_owned(test, t, 5, &a);
	KUNIT_EXPECT_EQ(test, a, 3U);
	KUNIT_EXPECT_EQ(test, b, 1U);

	/* released by the driver: no longer the crossing's */
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_LOCK, KEY(3)), 0);
	KUNIT_EXPECT_EQ(test, a, 2U);

	KUNIT_EXPECT_EQ(test, nooks_objtrack_take_owned(t, &a, &out), 2U);
	KUNIT_EXPECT_EQ(test, a, 0U);
	list_for_each_entry_safe(obj, tmp, &out, order) {
		if (n < ARRAY_SIZE(got))
			got[n] = obj->key.addr;
		n++;
		KUNIT_EXPECT_NULL(test, obj->owner);
		nooks_objtrack_free(obj);
	}
	KUNIT_ASSERT_EQ(test, n, 2U);
	KUNIT_EXPECT_EQ(test, got[0], (unsigned long)KEY(5));
	KUNIT_EXPECT_EQ(test, got[1], (unsigned long)KEY(1));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(t, NOOKS_OBJ_LOCK), 2UL);

	/* b's crossing ends holding its lock: tracked, nobody's */
	nooks_objtrack_orphan(t, &b);
	KUNIT_EXPECT_EQ(test, b, 0U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_take_owned(t, &b, &out), 0U);
	KUNIT_EXPECT_TRUE(test, nooks_objtrack_holds(t, NOOKS_OBJ_LOCK, KEY(2)));
	/* a later removal no longer counts in what was b */
	b = 7;
	KUNIT_EXPECT_EQ(test, nooks_objtrack_remove(t, NOOKS_OBJ_LOCK, KEY(2)), 0);
	KUNIT_EXPECT_EQ(test, b, 7U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_forget_type(t, NOOKS_OBJ_LOCK), 1U);
	nooks_objtrack_uninit(t);
}

static struct kunit_case nooks_objtrack_test_cases[] = {
	KUNIT_CASE(nooks_test_add_remove),
	KUNIT_CASE(nooks_test_not_held),
	KUNIT_CASE(nooks_test_duplicate),
	KUNIT_CASE(nooks_test_reverse_release),
	KUNIT_CASE(nooks_test_uninit_forgets),
	KUNIT_CASE(nooks_test_embedded),
	KUNIT_CASE(nooks_test_disown),
	KUNIT_CASE(nooks_test_forget_type),
	KUNIT_CASE(nooks_test_owned),
	KUNIT_CASE(nooks_test_many),
	{}
};

static struct kunit_suite nooks_objtrack_test_suite = {
	.name = "nooks_objtrack",
	.test_cases = nooks_objtrack_test_cases,
};

kunit_test_suite(nooks_objtrack_test_suite);
