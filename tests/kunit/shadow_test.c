// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the network shadow driver (recovery/shadow/net.c), on a
 * net_device that is never registered, against a test domain: what it
 * records and when, what a takeover keeps and disowns, and how the
 * restarted driver's allocation, registration and carrier changes go
 * through the generated wrappers' pre= hooks (wrappers/specs/net.spec)
 * to the kept device. The replay and the unregistering of unclaimed
 * devices need a registered device: tests/e2e/shadow-*.sh show them.
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/string.h>

#include "../../core/domain.h"
#include "../../wrappers/wrap.h"
#include "hooks.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

#define NOOKS_ST_PRIV	96

/* the devices a test made, freed by its exit */
static struct net_device *nooks_st_devs[4];

static int nooks_shadow_test_init(struct kunit *test)
{
	test->priv = nooks_test_hooks_domain(test, "kunit_shadow");
	return 0;
}

static void nooks_shadow_test_exit(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nooks_st_devs); i++) {
		if (nooks_st_devs[i]) {
			nooks_shadow_net_del(d, nooks_st_devs[i]);
			free_netdev(nooks_st_devs[i]);
		}
		nooks_st_devs[i] = NULL;
	}
	nooks_test_hooks_domain_put(d);
}

static struct net_device *nooks_st_dev(struct kunit *test)
{
	struct net_device *dev = alloc_etherdev_mqs(NOOKS_ST_PRIV, 1, 1);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	for (i = 0; i < ARRAY_SIZE(nooks_st_devs); i++) {
		if (!nooks_st_devs[i]) {
			nooks_st_devs[i] = dev;
			return dev;
		}
	}
	free_netdev(dev);
	KUNIT_FAIL(test, "more than %zu devices", ARRAY_SIZE(nooks_st_devs));
	return NULL;
}

/* Records only under the policy shadow; gone with the device. */
static void nooks_test_shadow_passive(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct net_device *a = nooks_st_dev(test), *b = nooks_st_dev(test);

	KUNIT_EXPECT_EQ(test, d->restart, (u32)NOOKS_RESTART_SHADOW);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_NONE);
	nooks_shadow_net_add(d, a);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_PASSIVE);
	KUNIT_EXPECT_EQ(test, nooks_shadow_log_size(&d->shadow), 1U);

	d->restart = NOOKS_RESTART_ALWAYS;
	nooks_shadow_net_add(d, b);
	KUNIT_EXPECT_EQ(test, nooks_shadow_log_size(&d->shadow), 1U);
	d->restart = NOOKS_RESTART_SHADOW;

	nooks_shadow_net_del(d, a);
	nooks_shadow_net_del(d, b);	/* never recorded: nothing happens */
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_NONE);
}

/*
 * A failed driver's device is kept, and the restarted driver's
 * allocation of the same size gets it back, zeroed, its byte queue
 * limits reset, with what the kernel owns of it (name, flags) kept;
 * its carrier changes stay its own until the link is back.
 */
static void nooks_test_shadow_claim(struct kunit *test)
{
	static const u8 addr[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };
	struct nooks_domain *d = test->priv;
	struct net_device *dev = nooks_st_dev(test);
	size_t size = ALIGN(sizeof(*dev), NETDEV_ALIGN) + NOOKS_ST_PRIV;
	struct net_device *(*alloc)(int sizeof_priv, unsigned int txqs,
				    unsigned int rxqs);
	int (*reg)(struct net_device *dev);
	struct nooks_xpc_frame f;

	strscpy(dev->name, "kshadow0", sizeof(dev->name));
	dev->flags |= IFF_UP | IFF_PROMISC;
	dev->mtu = 1400;
	eth_hw_addr_set(dev, addr);
	memset(netdev_priv(dev), 0xa5, NOOKS_ST_PRIV);
#ifdef CONFIG_BQL
	/* in flight when the driver failed, over the limit: never completes */
	netdev_tx_sent_queue(netdev_get_tx_queue(dev, 0), 1514);
	KUNIT_EXPECT_TRUE(test, netif_xmit_stopped(netdev_get_tx_queue(dev, 0)));
#endif
	nooks_shadow_net_add(d, dev);

	/* what the wrappers recorded when the driver made and registered it */
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects, NOOKS_OBJ_NETDEV,
						 dev, size, NULL, 0,
						 GFP_KERNEL), 0);
	/* not registered yet: no takeover */
	KUNIT_EXPECT_EQ(test, nooks_shadow_takeover(d), 0U);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects,
						 NOOKS_OBJ_NETDEV_REGISTERED,
						 dev, 0, NULL, 0,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, nooks_shadow_takeover(d), 1U);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_ACTIVE);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_NETDEV), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_NETDEV_REGISTERED),
			0UL);
	KUNIT_EXPECT_FALSE(test, netif_device_present(dev));
	KUNIT_EXPECT_PTR_EQ(test, (void *)dev->ethtool_ops->get_link,
			    (void *)ethtool_op_get_link);

	/* another size, other queue counts: a new device */
	nooks_test_hooks_pre(test, &f, "alloc_etherdev_mqs", NOOKS_ST_PRIV / 2, 1, 1);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);
	nooks_test_hooks_pre(test, &f, "alloc_etherdev_mqs", NOOKS_ST_PRIV, 2, 2);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);

	nooks_test_hooks_pre(test, &f, "alloc_etherdev_mqs", NOOKS_ST_PRIV, 1, 1);
	KUNIT_ASSERT_NE(test, f.target, 0ULL);
	alloc = (void *)(unsigned long)f.target;
	KUNIT_ASSERT_PTR_EQ(test, alloc(NOOKS_ST_PRIV, 1, 1), dev);
	KUNIT_EXPECT_TRUE(test, memchr_inv(netdev_priv(dev), 0,
					   NOOKS_ST_PRIV) == NULL);
	KUNIT_EXPECT_EQ(test, dev->flags & (IFF_UP | IFF_PROMISC),
			IFF_UP | IFF_PROMISC);
	KUNIT_EXPECT_EQ(test, dev->mtu, (unsigned int)ETH_DATA_LEN);
	/* nothing in flight for the restarted driver, its queue not stopped */
	KUNIT_EXPECT_FALSE(test, netif_xmit_stopped(netdev_get_tx_queue(dev, 0)));
#ifdef CONFIG_BQL
	KUNIT_EXPECT_EQ(test, netdev_get_tx_queue(dev, 0)->dql.num_queued,
			netdev_get_tx_queue(dev, 0)->dql.num_completed);
#endif
	/* claimed once: a second allocation is a new device */
	nooks_test_hooks_pre(test, &f, "alloc_etherdev_mqs", NOOKS_ST_PRIV, 1, 1);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);

	/* e1000's probe writes "eth%d" into the name before registering */
	strscpy(dev->name, "eth%d", sizeof(dev->name));
	nooks_test_hooks_pre(test, &f, "register_netdev", (unsigned long)dev, 0, 0);
	KUNIT_ASSERT_NE(test, f.target, 0ULL);
	reg = (void *)(unsigned long)f.target;
	KUNIT_EXPECT_EQ(test, reg(dev), 0);
	KUNIT_EXPECT_STREQ(test, dev->name, "kshadow0");
	KUNIT_EXPECT_TRUE(test, dev->features & NETIF_F_SOFT_FEATURES);

	/* its carrier is the driver's alone until the replay attaches it */
	nooks_test_hooks_pre(test, &f, "netif_carrier_off", (unsigned long)dev, 0, 0);
	KUNIT_EXPECT_NE(test, f.target, 0ULL);
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev));
	nooks_test_hooks_pre(test, &f, "netif_carrier_on", (unsigned long)dev, 0, 0);
	KUNIT_EXPECT_NE(test, f.target, 0ULL);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(dev));
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_ACTIVE);

	/* a device the shadow does not know: the kernel's call, unchanged */
	nooks_test_hooks_pre(test, &f, "netif_carrier_off",
			     (unsigned long)nooks_st_dev(test), 0, 0);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);
}

/*
 * A device its driver corrupted (a list the kernel walks broken, its
 * transmit queues not those it registered with) is not kept: it stays
 * what recovery releases (and leaks, recovery/corrupt.c), and the
 * restarted driver's allocation is a new device.
 */
static void nooks_test_shadow_corrupt(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct net_device *dev = nooks_st_dev(test);
	size_t size = ALIGN(sizeof(*dev), NETDEV_ALIGN) + NOOKS_ST_PRIV;
	struct list_head *next = dev->napi_list.next;
	const struct net_device_ops *ops = dev->netdev_ops;
	struct nooks_xpc_frame f;

	nooks_shadow_net_add(d, dev);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects, NOOKS_OBJ_NETDEV,
						 dev, size, NULL, 0,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects,
						 NOOKS_OBJ_NETDEV_REGISTERED,
						 dev, 0, NULL, 0,
						 GFP_KERNEL), 0);
	dev->napi_list.next = (struct list_head *)0x4000UL;
	KUNIT_EXPECT_EQ(test, nooks_shadow_takeover(d), 0U);
	dev->napi_list.next = next;
	/* more transmit queues than it registered with */
	dev->num_tx_queues = 4096;
	KUNIT_EXPECT_EQ(test, nooks_shadow_takeover(d), 0U);
	dev->num_tx_queues = 1;
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_NETDEV), 1UL);
	KUNIT_EXPECT_PTR_EQ(test, dev->netdev_ops, ops);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_PASSIVE);
	nooks_test_hooks_pre(test, &f, "alloc_etherdev_mqs", NOOKS_ST_PRIV, 1, 1);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);
	/* intact, the same device is kept */
	KUNIT_EXPECT_EQ(test, nooks_shadow_takeover(d), 1U);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_NETDEV), 0UL);
	KUNIT_EXPECT_PTR_NE(test, dev->netdev_ops, ops);
}

static struct kunit_case nooks_shadow_test_cases[] = {
	KUNIT_CASE(nooks_test_shadow_passive),
	KUNIT_CASE(nooks_test_shadow_claim),
	KUNIT_CASE(nooks_test_shadow_corrupt),
	{}
};

static struct kunit_suite nooks_shadow_test_suite = {
	.name = "nooks_shadow",
	.init = nooks_shadow_test_init,
	.exit = nooks_shadow_test_exit,
	.test_cases = nooks_shadow_test_cases,
};

kunit_test_suite(nooks_shadow_test_suite);
