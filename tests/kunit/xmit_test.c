// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of batched transmits (domains/xmit.h): the fake driver of
 * xpc_test.c gets an ndo_start_xmit stub, attached to a net_device (made,
 * not registered) as a registered one's is, and the test calls it as the
 * stack does (netdev_start_xmit(), bottom halves off). A burst crosses
 * once, in order, with the driver's xmit_more as the stack set it; what
 * the driver does not take is given back or kept, never lost; a failed
 * domain's stash is dropped, a fault leaves the batch to recovery.
 */
#include <kunit/test.h>
#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "../../core/domain.h"
#include "../../domains/batch.h"
#include "../../domains/xmit.h"
#include "../../domains/xpc.h"
#include "../../objtrack/objtrack.h"
#include "../../wrappers/entry.h"
#include "../../wrappers/wrap.h"
#include "xpc_test.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

#define NOOKS_XS_MAX	32

/* What the fake driver saw, and what it is to do. */
static struct {
	struct nooks_domain *d;
	u32 calls;
	struct sk_buff *skb[NOOKS_XS_MAX];
	bool more[NOOKS_XS_MAX];
	bool held[NOOKS_XS_MAX];	/* the domain's when handed over */
	u32 busy_at;	/* its call number (from 1) that says busy */
	u32 stop_at;	/* the one after which it stops its queue */
	u32 fault_at;	/* the one that faults */
	int *bad_ptr;	/* NULL: what it writes through then */
} nooks_xs;

/* Sends what it is handed at once: it frees the skb, as a completion. */
static netdev_tx_t nooks_test_drv_xmit_burst(struct sk_buff *skb,
					     struct net_device *dev)
{
	u32 i = nooks_xs.calls++;

	if (i < NOOKS_XS_MAX) {
		nooks_xs.skb[i] = skb;
		nooks_xs.more[i] = netdev_xmit_more();
		nooks_xs.held[i] = nooks_objtrack_holds(&nooks_xs.d->objects,
							NOOKS_OBJ_SKB, skb);
	}
	if (nooks_xs.fault_at == i + 1)
		WRITE_ONCE(*READ_ONCE(nooks_xs.bad_ptr), 1);
	if (nooks_xs.busy_at == i + 1)
		return NETDEV_TX_BUSY;
	if (nooks_xs.stop_at == i + 1)
		netif_tx_stop_queue(netdev_get_tx_queue(dev, 0));
	nooks_objtrack_remove(&nooks_xs.d->objects, NOOKS_OBJ_SKB, skb);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

struct nooks_gate_desc nooks_test_xmit_gates[1] = {
	{
		.target = (unsigned long)nooks_test_drv_xmit_burst,
		.kind = NOOKS_GATE_ENTRY,
		.ret_class = NOOKS_RET_INT,
	},
};

NOOKS_TEST_STUB(nooks_test_entry_xmit_burst, nooks_test_xmit_gates,
		nooks_xpc_entry);

static const struct net_device_ops nooks_test_xmit_ops = {
	.ndo_start_xmit = (void *)nooks_test_entry_xmit_burst,
};

struct nooks_xmit_test {
	struct nooks_domain *d;
	struct net_device *dev;
	const struct nooks_wrapper *wrap[1];
};

static int nooks_xmit_test_init(struct kunit *test)
{
	struct nooks_xmit_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct nooks_domain *d = nooks_domain_create("kunit_xmit");

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	KUNIT_ASSERT_EQ(test, nooks_domain_bind_module(d, "kunit_xmit"), 0);
	t->d = d;
	t->dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, t->dev);
	t->dev->netdev_ops = &nooks_test_xmit_ops;
	/* what the flush checks: up, as the stack's transmits are */
	set_bit(__LINK_STATE_START, &t->dev->state);
	d->gates = nooks_test_xmit_gates;
	d->n_gates = ARRAY_SIZE(nooks_test_xmit_gates);
	d->stubs_start = (unsigned long)nooks_test_entry_xmit_burst;
	d->stubs_end = d->stubs_start + NOOKS_STUB_SIZE;
	WRITE_ONCE(d->wrap, t->wrap);
	WRITE_ONCE(nooks_test_manifest.domain, (unsigned long)d);
	memset(&nooks_xs, 0, sizeof(nooks_xs));
	nooks_xs.d = d;
	test->priv = t;
	/* batching is on by default (nooks.ko batch=1) */
	KUNIT_ASSERT_TRUE(test, nooks_entry_attach(d, t->dev));
	KUNIT_ASSERT_NOT_NULL(test, t->wrap[0]);
	KUNIT_ASSERT_NOT_NULL(test, t->wrap[0]->answer);
	return 0;
}

static void nooks_xmit_test_exit(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct nooks_domain *d = t->d;

	/* nothing may be left in the stash: it holds the device */
	local_bh_disable();
	if (nooks_xmit_pending()) {
		KUNIT_FAIL(test, "the stash still holds %u skbs",
			   nooks_xmit_pending());
		netif_tx_start_all_queues(t->dev);
		nooks_xmit_flush();
	}
	local_bh_enable();
	WRITE_ONCE(nooks_test_manifest.domain, 0);
	flush_work(&d->fault_work);
	WRITE_ONCE(d->wrap, NULL);
	nooks_domain_unbind_module(d);
	nooks_domain_destroy(d);
	nooks_domain_put(d);
	clear_bit(__LINK_STATE_START, &t->dev->state);
	free_netdev(t->dev);
}

/* The stack's transmit of @skb, with xmit_more @more. */
static netdev_tx_t nooks_test_stack_xmit(struct nooks_xmit_test *t,
					 struct sk_buff *skb, bool more)
{
	netdev_tx_t rc;

	local_bh_disable();
	rc = netdev_start_xmit(skb, t->dev, netdev_get_tx_queue(t->dev, 0),
			       more);
	local_bh_enable();
	return rc;
}

static unsigned int nooks_test_pending(void)
{
	unsigned int n;

	local_bh_disable();
	n = nooks_xmit_pending();
	local_bh_enable();
	return n;
}

static void nooks_test_flush(void)
{
	local_bh_disable();
	nooks_xmit_flush();
	local_bh_enable();
}

static void nooks_test_skbs(struct kunit *test, struct sk_buff **skb, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		skb[i] = alloc_skb(64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb[i]);
	}
}

static u64 nooks_test_calls_in(struct nooks_xmit_test *t)
{
	return nooks_domain_counter(t->d, NOOKS_CNT_CALLS_IN);
}

/*
 * A burst of 4: the first 3 are answered without crossing, the 4th
 * crosses once with all of them, in order, the driver's xmit_more set
 * for all but the last, each skb the domain's when handed over. A lone
 * packet then crosses as it is.
 */
static void nooks_test_xmit_burst(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb[5];
	int i;

	nooks_test_skbs(test, skb, 5);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[i], true),
				NETDEV_TX_OK);
		KUNIT_EXPECT_EQ(test, nooks_test_pending(), i + 1U);
	}
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 0U);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 0ULL);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[3], false),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 4U);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 1ULL);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(t->d, NOOKS_CNT_BATCHED),
			4ULL);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[i], skb[i]);
		KUNIT_EXPECT_EQ(test, nooks_xs.more[i], i < 3);
		KUNIT_EXPECT_TRUE(test, nooks_xs.held[i]);
	}
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);

	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[4], false),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 5U);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 2ULL);
	KUNIT_EXPECT_FALSE(test, nooks_xs.more[4]);
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(t->d, NOOKS_CNT_BATCHED),
			4ULL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&t->d->objects,
						   NOOKS_OBJ_SKB), 0UL);
}

/*
 * One skb sent a whole burst long, as pktgen does (a reference each):
 * the domain's once, handed to the driver each time.
 */
static void nooks_test_xmit_repeat(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb;
	int i;

	nooks_test_skbs(test, &skb, 1);
	skb_get(skb);
	skb_get(skb);
	skb_get(skb);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb, i < 2),
				NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 3U);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 1ULL);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[i], skb);
	KUNIT_EXPECT_TRUE(test, nooks_xs.held[0]);
	/* the driver freed it each time: one reference left, untracked */
	KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 1U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&t->d->objects,
						   NOOKS_OBJ_SKB), 0UL);
	kfree_skb(skb);
}

/*
 * More than a stash holds: it crosses full, the driver told more is to
 * come; the rest of the burst crosses at its end.
 */
static void nooks_test_xmit_full(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb[NOOKS_BATCH_MAX + 2];
	int i, n = ARRAY_SIZE(skb);

	nooks_test_skbs(test, skb, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[i], i < n - 1),
				NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, (u32)n);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 2ULL);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[i], skb[i]);
		KUNIT_EXPECT_EQ(test, nooks_xs.more[i], i < n - 1);
	}
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
}

/*
 * The driver says busy to the 3rd of a burst of 4: the stack gets busy
 * for its own, the 4th, and sends it again; the 3rd waits in the stash
 * and goes first, the domain's only when the driver takes it.
 */
static void nooks_test_xmit_busy(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb[4];
	int i;

	nooks_test_skbs(test, skb, 4);
	nooks_xs.busy_at = 3;
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[i], true),
				NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[3], false),
			NETDEV_TX_BUSY);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 3U);
	KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[2], skb[2]);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 1U);
	KUNIT_EXPECT_FALSE(test, nooks_objtrack_holds(&t->d->objects,
						      NOOKS_OBJ_SKB, skb[2]));
	KUNIT_EXPECT_FALSE(test, nooks_objtrack_holds(&t->d->objects,
						      NOOKS_OBJ_SKB, skb[3]));

	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[3], false),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 5U);
	KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[3], skb[2]);
	KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[4], skb[3]);
	KUNIT_EXPECT_TRUE(test, nooks_xs.more[3]);
	KUNIT_EXPECT_FALSE(test, nooks_xs.more[4]);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&t->d->objects,
						   NOOKS_OBJ_SKB), 0UL);
}

/*
 * The driver stops its queue after the 2nd of a burst of 4: the loop
 * stops there, as the stack would; the stack's 4th gets busy. The 3rd
 * waits while the queue is stopped (the timer's flush leaves it), and is
 * sent, the driver told nothing more comes, once it is started again.
 */
static void nooks_test_xmit_stopped(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb[4];
	int i;

	nooks_test_skbs(test, skb, 4);
	nooks_xs.stop_at = 2;
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[i], true),
				NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[3], false),
			NETDEV_TX_BUSY);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 1U);
	nooks_test_flush();
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 1U);

	netif_tx_start_queue(netdev_get_tx_queue(t->dev, 0));
	nooks_test_flush();
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 3U);
	KUNIT_EXPECT_PTR_EQ(test, nooks_xs.skb[2], skb[2]);
	KUNIT_EXPECT_FALSE(test, nooks_xs.more[2]);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
	kfree_skb(skb[3]);
}

/*
 * The stack stops short of a burst's last packet: the timer's flush
 * sends what it left, the driver told nothing more comes.
 */
static void nooks_test_xmit_left(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb[2];

	nooks_test_skbs(test, skb, 2);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[0], true),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[1], true),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 0U);
	nooks_test_flush();
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 1ULL);
	KUNIT_EXPECT_TRUE(test, nooks_xs.more[0]);
	KUNIT_EXPECT_FALSE(test, nooks_xs.more[1]);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
	/* and once more, by the timer itself, a tick or two later */
	nooks_test_skbs(test, skb, 1);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[0], true),
			NETDEV_TX_OK);
	msleep(50);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 3U);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
}

/*
 * The domain fails with packets in the stash: the flush drops them (its
 * batch is refused), and the device's tx_dropped counts them.
 */
static void nooks_test_xmit_failed(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct rtnl_link_stats64 stats;
	struct sk_buff *skb[2];
	int i;

	nooks_test_skbs(test, skb, 2);
	for (i = 0; i < 2; i++) {
		skb_get(skb[i]);
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[i], true),
				NETDEV_TX_OK);
	}
	nooks_domain_fail(t->d, "test-fail xmit 0x0");
	nooks_test_flush();
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 0U);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, refcount_read(&skb[i]->users), 1U);
		kfree_skb(skb[i]);
	}
	dev_get_stats(t->dev, &stats);
	KUNIT_EXPECT_EQ(test, stats.tx_dropped, 2ULL);
}

/*
 * The driver faults on the 2nd of a burst of 3: the stack's call gets
 * NETDEV_TX_OK, the domain has failed, and the 2nd and 3rd are the
 * domain's: recovery's release (nooks.ko recover=0 here: the test makes
 * it) frees them.
 */
static void nooks_test_xmit_fault(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct sk_buff *skb[3];
	int i;

	nooks_test_skbs(test, skb, 3);
	nooks_xs.fault_at = 2;
	for (i = 0; i < 3; i++) {
		skb_get(skb[i]);
		KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[i], i < 2),
				NETDEV_TX_OK);
	}
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 2U);
	KUNIT_EXPECT_NE(test, nooks_domain_state(t->d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_EQ(test, nooks_test_pending(), 0U);
	KUNIT_EXPECT_NULL(test, nooks_xpc_current());
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(t->d, NOOKS_CNT_FAULTS),
			1ULL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&t->d->objects,
						   NOOKS_OBJ_SKB), 2UL);
	KUNIT_EXPECT_FALSE(test, nooks_objtrack_holds(&t->d->objects,
						      NOOKS_OBJ_SKB, skb[0]));
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(&t->d->objects), 2U);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, refcount_read(&skb[i]->users), 1U);
		kfree_skb(skb[i]);
	}
}

/* With batching off, the wrapper answers nothing: each packet crosses. */
static void nooks_test_xmit_unbatched(struct kunit *test)
{
	struct nooks_xmit_test *t = test->priv;
	struct nooks_wrapper w = *t->wrap[0];
	struct sk_buff *skb[2];

	nooks_test_skbs(test, skb, 2);
	w.answer = NULL;
	WRITE_ONCE(t->wrap[0], &w);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[0], true),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_test_stack_xmit(t, skb[1], false),
			NETDEV_TX_OK);
	KUNIT_EXPECT_EQ(test, nooks_xs.calls, 2U);
	KUNIT_EXPECT_EQ(test, nooks_test_calls_in(t), 2ULL);
	KUNIT_EXPECT_TRUE(test, nooks_xs.more[0]);
}

static struct kunit_case nooks_xmit_test_cases[] = {
	KUNIT_CASE(nooks_test_xmit_burst),
	KUNIT_CASE(nooks_test_xmit_repeat),
	KUNIT_CASE(nooks_test_xmit_full),
	KUNIT_CASE(nooks_test_xmit_busy),
	KUNIT_CASE(nooks_test_xmit_stopped),
	KUNIT_CASE(nooks_test_xmit_left),
	KUNIT_CASE(nooks_test_xmit_failed),
	KUNIT_CASE(nooks_test_xmit_fault),
	KUNIT_CASE(nooks_test_xmit_unbatched),
	{}
};

static struct kunit_suite nooks_xmit_test_suite = {
	.name = "nooks_xmit",
	.init = nooks_xmit_test_init,
	.exit = nooks_xmit_test_exit,
	.test_cases = nooks_xmit_test_cases,
};

kunit_test_suite(nooks_xmit_test_suite);
