// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the domain registry: create, lookup, names, duplicates,
 * references, destroy, lifecycle, counters and fault notes.
 */
#include <kunit/test.h>
#include <linux/kref.h>
#include <linux/string.h>

#include "../../core/domain.h"
#include "../../recovery/recovery.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

static struct nooks_domain *nooks_test_create(struct kunit *test,
					      const char *name)
{
	struct nooks_domain *d = nooks_domain_create(name);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(d), "create %s: %ld", name,
			       PTR_ERR(d));
	return d;
}

static void nooks_test_destroy(struct kunit *test, struct nooks_domain *d)
{
	KUNIT_EXPECT_EQ(test, nooks_domain_destroy(d), 0);
	nooks_domain_put(d);
}

static void nooks_test_create_lookup(struct kunit *test)
{
	unsigned int before = nooks_domain_count_registered();
	struct nooks_domain *d, *found;
	char buf[NOOKS_NAME_MAX];

	d = nooks_test_create(test, "kunit_create");
	KUNIT_EXPECT_STREQ(test, d->name, "kunit_create");
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_STOPPED);
	nooks_domain_module_name(d, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "");
	KUNIT_EXPECT_EQ(test, nooks_domain_count_registered(), before + 1);

	found = nooks_domain_lookup("kunit_create");
	KUNIT_EXPECT_PTR_EQ(test, found, d);
	nooks_domain_put(found);
	KUNIT_EXPECT_NULL(test, nooks_domain_lookup("kunit_nonexistent"));

	nooks_test_destroy(test, d);
	KUNIT_EXPECT_EQ(test, nooks_domain_count_registered(), before);
	KUNIT_EXPECT_NULL(test, nooks_domain_lookup("kunit_create"));
}

static void nooks_test_duplicate_rejected(struct kunit *test)
{
	struct nooks_domain *d = nooks_test_create(test, "kunit_dup");
	struct nooks_domain *again = nooks_domain_create("kunit_dup");

	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EEXIST);
	nooks_test_destroy(test, d);

	/* The name is free again once the first is destroyed. */
	d = nooks_test_create(test, "kunit_dup");
	nooks_test_destroy(test, d);
}

struct nooks_name_case {
	const char *name;
	bool valid;
};

static const struct nooks_name_case nooks_name_cases[] = {
	{ "e1000", true },
	{ "ne2k_pci", true },
	{ "A_9", true },
	{ "0123456789012345678901234567890123456789012345678901234", true },
	{ "01234567890123456789012345678901234567890123456789012345", false },
	{ "", false },
	{ "ne2k-pci", false },
	{ "a/b", false },
	{ "..", false },
	{ "with space", false },
	{ "new\nline", false },
};

static void nooks_name_case_desc(const struct nooks_name_case *c, char *desc)
{
	/* %pE escapes the newline, which would break the KTAP line. */
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%*pE\" %s",
		 (int)min_t(size_t, strlen(c->name), 20), c->name,
		 c->valid ? "valid" : "invalid");
}

KUNIT_ARRAY_PARAM(nooks_name, nooks_name_cases, nooks_name_case_desc);

static void nooks_test_names(struct kunit *test)
{
	const struct nooks_name_case *c = test->param_value;
	struct nooks_domain *d;

	KUNIT_EXPECT_EQ(test, nooks_domain_name_valid(c->name), c->valid);
	d = nooks_domain_create(c->name);
	if (c->valid) {
		KUNIT_ASSERT_FALSE(test, IS_ERR(d));
		nooks_test_destroy(test, d);
	} else {
		KUNIT_EXPECT_EQ(test, PTR_ERR(d), -EINVAL);
	}
}

static void nooks_test_refcount(struct kunit *test)
{
	struct nooks_domain *d = nooks_test_create(test, "kunit_ref");
	struct nooks_domain *extra;
	unsigned int refs = kref_read(&d->kobj.kref);

	/* The registry's reference and ours. */
	KUNIT_EXPECT_EQ(test, refs, 2U);
	extra = nooks_domain_lookup("kunit_ref");
	KUNIT_EXPECT_EQ(test, kref_read(&d->kobj.kref), refs + 1);
	nooks_domain_put(extra);
	KUNIT_EXPECT_EQ(test, kref_read(&d->kobj.kref), refs);

	/* Destroy drops only the registry's; ours still keeps it readable. */
	KUNIT_EXPECT_EQ(test, nooks_domain_destroy(d), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&d->kobj.kref), 1U);
	KUNIT_EXPECT_STREQ(test, d->name, "kunit_ref");
	KUNIT_EXPECT_EQ(test, nooks_domain_destroy(d), -ENOENT);
	KUNIT_EXPECT_NULL(test, nooks_domain_lookup("kunit_ref"));
	nooks_domain_put(d);
}

static void nooks_test_destroy_bound(struct kunit *test)
{
	struct nooks_domain *d = nooks_test_create(test, "kunit_bound");
	char buf[NOOKS_NAME_MAX];

	KUNIT_ASSERT_EQ(test, nooks_domain_bind_module(d, "dummy"), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	nooks_domain_module_name(d, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "dummy");
	KUNIT_EXPECT_EQ(test, nooks_domain_bind_module(d, "other"), -EBUSY);
	KUNIT_EXPECT_EQ(test, nooks_domain_destroy(d), -EBUSY);

	nooks_domain_unbind_module(d);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_STOPPED);
	nooks_domain_module_name(d, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "");
	nooks_test_destroy(test, d);
}

struct nooks_move_case {
	enum nooks_domain_state from, to;
	bool allowed;
};

/* Every pair of states: the lifecycle has exactly the allowed ones. */
static const struct nooks_move_case nooks_move_cases[] = {
	{ NOOKS_STATE_LIVE, NOOKS_STATE_LIVE, false },
	{ NOOKS_STATE_LIVE, NOOKS_STATE_FAILED, true },
	{ NOOKS_STATE_LIVE, NOOKS_STATE_RECOVERING, false },
	{ NOOKS_STATE_LIVE, NOOKS_STATE_STOPPED, true },
	{ NOOKS_STATE_FAILED, NOOKS_STATE_LIVE, false },
	{ NOOKS_STATE_FAILED, NOOKS_STATE_FAILED, false },
	{ NOOKS_STATE_FAILED, NOOKS_STATE_RECOVERING, true },
	{ NOOKS_STATE_FAILED, NOOKS_STATE_STOPPED, false },
	{ NOOKS_STATE_RECOVERING, NOOKS_STATE_LIVE, true },
	{ NOOKS_STATE_RECOVERING, NOOKS_STATE_FAILED, false },
	{ NOOKS_STATE_RECOVERING, NOOKS_STATE_RECOVERING, false },
	{ NOOKS_STATE_RECOVERING, NOOKS_STATE_STOPPED, true },
	{ NOOKS_STATE_STOPPED, NOOKS_STATE_LIVE, true },
	{ NOOKS_STATE_STOPPED, NOOKS_STATE_FAILED, false },
	{ NOOKS_STATE_STOPPED, NOOKS_STATE_RECOVERING, false },
	{ NOOKS_STATE_STOPPED, NOOKS_STATE_STOPPED, false },
};

static void nooks_move_case_desc(const struct nooks_move_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s -> %s",
		 nooks_state_names[c->from], nooks_state_names[c->to]);
}

KUNIT_ARRAY_PARAM(nooks_move, nooks_move_cases, nooks_move_case_desc);

/* Walk a fresh domain along allowed moves to @state. */
static void nooks_test_reach(struct kunit *test, struct nooks_domain *d,
			     enum nooks_domain_state state)
{
	static const enum nooks_domain_state path[] = {
		NOOKS_STATE_LIVE, NOOKS_STATE_FAILED, NOOKS_STATE_RECOVERING,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(path) &&
	     nooks_domain_state(d) != state; i++)
		KUNIT_ASSERT_EQ(test, nooks_domain_set_state(d, path[i]), 0);
	KUNIT_ASSERT_EQ(test, nooks_domain_state(d), state);
}

static void nooks_test_state_moves(struct kunit *test)
{
	const struct nooks_move_case *c = test->param_value;
	struct nooks_domain *d = nooks_test_create(test, "kunit_moves");
	int ret;

	nooks_test_reach(test, d, c->from);
	ret = nooks_domain_set_state(d, c->to);
	KUNIT_EXPECT_EQ(test, ret, c->allowed ? 0 : -EINVAL);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d),
			c->allowed ? c->to : c->from);
	KUNIT_EXPECT_EQ(test, nooks_domain_set_state(d, __NOOKS_STATE_MAX),
			-EINVAL);
	nooks_test_destroy(test, d);
}

static void nooks_test_counters(struct kunit *test)
{
	struct nooks_domain *d = nooks_test_create(test, "kunit_counters");
	int i;

	for (i = 0; i < NOOKS_CNT_COUNT; i++)
		KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, i), 0ULL);
	for (i = 0; i < 1000; i++)
		nooks_domain_count(d, NOOKS_CNT_CALLS_IN);
	for (i = 0; i < 7; i++)
		nooks_domain_count(d, NOOKS_CNT_CALLS_OUT);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_IN),
			1000ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_CALLS_OUT),
			7ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 0ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_RECOVERIES),
			0ULL);
	KUNIT_EXPECT_STREQ(test, nooks_counter_names[NOOKS_CNT_CALLS_IN],
			   "calls_in");
	nooks_test_destroy(test, d);
}

/*
 * Recovery waits for the threads inside (crossings in, not yet left) and
 * gives up after its bound rather than release under a stuck thread.
 */
static void nooks_test_recovery_wait(struct kunit *test)
{
	struct nooks_domain *d = nooks_test_create(test, "kunit_wait");
	unsigned long start;

	KUNIT_EXPECT_EQ(test, nooks_domain_inside(d), 0UL);
	KUNIT_EXPECT_TRUE(test, nooks_recovery_wait(d, 100));
	nooks_domain_count(d, NOOKS_CNT_CALLS_IN);
	nooks_domain_count(d, NOOKS_CNT_CALLS_IN);
	nooks_domain_count(d, NOOKS_CNT_LEAVES);
	KUNIT_EXPECT_EQ(test, nooks_domain_inside(d), 1UL);
	start = jiffies;
	KUNIT_EXPECT_FALSE(test, nooks_recovery_wait(d, 100));
	KUNIT_EXPECT_GE(test, jiffies_to_msecs(jiffies - start), 100U);
	nooks_domain_count(d, NOOKS_CNT_LEAVES);
	KUNIT_EXPECT_TRUE(test, nooks_recovery_wait(d, 100));
	nooks_test_destroy(test, d);
}

static void nooks_test_fault_note(struct kunit *test)
{
	struct nooks_domain *d = nooks_test_create(test, "kunit_fault");
	char buf[NOOKS_LAST_FAULT_LEN];

	nooks_domain_last_fault(d, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "none");
	nooks_domain_note_fault(d, "null-deref e1000_xmit_frame+0x12 0x0");
	nooks_domain_note_fault(d, "gpf e1000_clean+0x40 0xdead000000000000");
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 2ULL);
	nooks_domain_last_fault(d, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "gpf e1000_clean+0x40 0xdead000000000000");
	nooks_test_destroy(test, d);
}

static struct kunit_case nooks_domain_test_cases[] = {
	KUNIT_CASE(nooks_test_create_lookup),
	KUNIT_CASE(nooks_test_duplicate_rejected),
	KUNIT_CASE_PARAM(nooks_test_names, nooks_name_gen_params),
	KUNIT_CASE(nooks_test_refcount),
	KUNIT_CASE(nooks_test_destroy_bound),
	KUNIT_CASE_PARAM(nooks_test_state_moves, nooks_move_gen_params),
	KUNIT_CASE(nooks_test_counters),
	KUNIT_CASE(nooks_test_fault_note),
	KUNIT_CASE(nooks_test_recovery_wait),
	{}
};

static struct kunit_suite nooks_domain_test_suite = {
	.name = "nooks_domain",
	.test_cases = nooks_domain_test_cases,
};

kunit_test_suite(nooks_domain_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for nooks.ko");
