// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the generated typed wrappers (wrappers/generated/,
 * from wrappers/specs/) and their runtime (wrappers/runtime.c): each
 * hook is called as the exit gate calls it, with a frame holding the
 * driver's arguments and the function's return value, against a test
 * domain. Checked: what is recorded and with what release, what a bad
 * parameter does to the domain, and that the generated table is usable.
 */
#include <kunit/test.h>
#include <linux/blk-mq.h>
#include <linux/cpuhotplug.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "../../core/domain.h"
#include "../../recovery/recovery.h"
#include "../../wrappers/wrap.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

/* One exit gate whose wrapper is whichever function a test calls. */
static struct nooks_gate_desc nooks_wt_gate = {
	.kind = NOOKS_GATE_EXIT,
	.ret_class = NOOKS_RET_INT,
};

static const struct nooks_wrapper *nooks_wt_wrap[1];
/* Stands for the module's entry stubs in the entry checks. */
static u8 nooks_wt_stubs[4 * NOOKS_STUB_SIZE];

static int nooks_wrap_test_init(struct kunit *test)
{
	struct nooks_domain *d = nooks_domain_create("kunit_wrap");

	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	KUNIT_ASSERT_EQ(test, nooks_domain_bind_module(d, "kunit_wrap"), 0);
	d->module = THIS_MODULE;
	d->gates = &nooks_wt_gate;
	d->n_gates = 1;
	d->stubs_start = (unsigned long)nooks_wt_stubs;
	d->stubs_end = d->stubs_start + sizeof(nooks_wt_stubs);
	d->strict = true;
	WRITE_ONCE(d->wrap, nooks_wt_wrap);
	test->priv = d;
	return 0;
}

static void nooks_wrap_test_exit(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	WRITE_ONCE(d->wrap, NULL);	/* static: the domain must not free it */
	d->module = NULL;
	flush_work(&d->fault_work);
	nooks_domain_unbind_module(d);
	nooks_domain_destroy(d);
	nooks_domain_put(d);
}

/* A frame as the exit gate builds it for a call of @name(a0, ..., a5). */
static void nooks_wt_frame(struct kunit *test, struct nooks_xpc_frame *f,
			   const char *name, u64 a0, u64 a1, u64 a2, u64 a3,
			   u64 a4, u64 a5)
{
	const struct nooks_wrapper *w = nooks_wrapper_find(name);

	KUNIT_ASSERT_NOT_NULL_MSG(test, w, "no wrapper for %s", name);
	nooks_wt_wrap[0] = w;
	memset(f, 0, sizeof(*f));
	f->domain = test->priv;
	f->desc = &nooks_wt_gate;
	f->kind = NOOKS_XPC_EXIT;
	f->ret = (unsigned long)nooks_wt_frame;	/* the "driver" call site */
	f->rdi = a0;
	f->rsi = a1;
	f->rdx = a2;
	f->rcx = a3;
	f->r8 = a4;
	f->r9 = a5;
}

/* The pre hook's verdict on a call of @name with the given arguments. */
static int nooks_wt_pre(struct kunit *test, const char *name, u64 a0, u64 a1,
			u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct nooks_xpc_frame f;

	nooks_wt_frame(test, &f, name, a0, a1, a2, a3, a4, a5);
	return nooks_wt_wrap[0]->pre ? nooks_wt_wrap[0]->pre(&f) : 0;
}

/* The post hook after a call of @name returned @ret. */
static void nooks_wt_post(struct kunit *test, const char *name, u64 a0, u64 a1,
			  u64 a2, u64 a3, u64 a4, u64 a5, u64 ret)
{
	struct nooks_xpc_frame f;

	nooks_wt_frame(test, &f, name, a0, a1, a2, a3, a4, a5);
	f.rax = ret;
	KUNIT_ASSERT_NOT_NULL_MSG(test, nooks_wt_wrap[0]->post,
				  "%s has no post hook", name);
	nooks_wt_wrap[0]->post(&f);
}

static unsigned long nooks_wt_count(struct kunit *test,
				    enum nooks_obj_type type)
{
	struct nooks_domain *d = test->priv;

	return nooks_objtrack_count(&d->objects, type);
}

static bool nooks_wt_failed(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	return nooks_domain_state(d) == NOOKS_STATE_FAILED;
}

static void nooks_wt_expect_fault(struct kunit *test, const char *what)
{
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];

	KUNIT_EXPECT_TRUE(test, nooks_wt_failed(test));
	KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS), 1ULL);
	nooks_domain_last_fault(d, report, sizeof(report));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(report, "bad-param ", 10),
			      "last_fault: %s", report);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(report, what),
				  "last_fault: %s (wanted %s)", report, what);
}

/* Every spec'd function is found, and the table is sorted and unique. */
static void nooks_test_table(struct kunit *test)
{
	unsigned int i;

	KUNIT_ASSERT_GT(test, nooks_wrappers_count, 0U);
	for (i = 0; i < nooks_wrappers_count; i++) {
		const struct nooks_wrapper *w = &nooks_wrappers[i];

		if (i)
			KUNIT_EXPECT_LT_MSG(test,
					    strcmp(nooks_wrappers[i - 1].name,
						   w->name), 0,
					    "%s before %s",
					    nooks_wrappers[i - 1].name, w->name);
		KUNIT_EXPECT_PTR_EQ(test, nooks_wrapper_find(w->name), w);
	}
	KUNIT_EXPECT_NULL(test, nooks_wrapper_find("nooks_no_such_function"));
	KUNIT_EXPECT_NULL(test, nooks_wrapper_find(""));
}

/* kmalloc'd memory: tracked with its size, released by kfree. */
static void nooks_test_memory(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	void *p = kmalloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	nooks_wt_post(test, "__kmalloc", 100, GFP_KERNEL, 0, 0, 0, 0,
		      (unsigned long)p);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_MEMORY), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(&d->objects),
			(size_t)100);
	/* A failed allocation records nothing. */
	nooks_wt_post(test, "__kmalloc", 100, GFP_KERNEL, 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_MEMORY), 1UL);

	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "kfree", (unsigned long)p,
					   0, 0, 0, 0, 0), 0);
	kfree(p);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_MEMORY), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_memory_bytes(&d->objects),
			(size_t)0);
	/* kfree(NULL) is fine. */
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "kfree", 0, 0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
}

/* kfree of what was already freed: the domain fails, the call is refused. */
static void nooks_test_double_free(struct kunit *test)
{
	void *p = kmalloc(8, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	nooks_wt_post(test, "__kmalloc", 8, GFP_KERNEL, 0, 0, 0, 0,
		      (unsigned long)p);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "kfree", (unsigned long)p,
					   0, 0, 0, 0, 0), 0);
	kfree(p);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "kfree", (unsigned long)p,
					   0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "kfree: releases a not held memory");
}

/*
 * A hardening check the driver failed (wrappers/hardening.c): a fault of
 * the domain, reported at the driver's call site, and the kernel's
 * handler (a panic, a BUG) is not called.
 */
static void nooks_test_hardening(struct kunit *test)
{
	static const char *const checks[][2] = {
		{ "__stack_chk_fail", "stack-protector " },
		{ "fortify_panic", "fortify " },
	};
	struct nooks_domain *d = test->priv;
	char report[NOOKS_LAST_FAULT_LEN];
	struct nooks_xpc_frame f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		nooks_wt_frame(test, &f, checks[i][0], 0, 0, 0, 0, 0, 0);
		f.target = (unsigned long)checks[i][0];	/* not to be called */
		KUNIT_ASSERT_NOT_NULL(test, nooks_wt_wrap[0]->pre);
		nooks_wt_wrap[0]->pre(&f);
		KUNIT_EXPECT_NE(test, f.target, (unsigned long)checks[i][0]);
		KUNIT_EXPECT_TRUE(test, nooks_wt_failed(test));
		nooks_domain_last_fault(d, report, sizeof(report));
		KUNIT_EXPECT_TRUE_MSG(test, !strncmp(report, checks[i][1],
						     strlen(checks[i][1])),
				      "last_fault: %s", report);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(report, "nooks_wt_frame"),
					  "last_fault: %s", report);
		KUNIT_EXPECT_EQ(test, nooks_domain_counter(d, NOOKS_CNT_FAULTS),
				(u64)i + 1);
		/* live again for the next check */
		nooks_domain_set_state(d, NOOKS_STATE_RECOVERING);
		nooks_domain_set_state(d, NOOKS_STATE_LIVE);
	}
}

/*
 * free_netdev of a device still registered (wrappers/check.c): a fault
 * of the domain, found before the release, so the domain still holds the
 * device; once unregistered it may be freed.
 */
static void nooks_test_free_registered_netdev(struct kunit *test)
{
	struct net_device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	struct nooks_domain *d = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects, NOOKS_OBJ_NETDEV,
						 dev, 0, NULL, 0, GFP_KERNEL),
			0);
	dev->reg_state = NETREG_REGISTERED;
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "free_netdev",
					   (unsigned long)dev, 0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "free_netdev: a registered netdev");
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_NETDEV), 1UL);

	nooks_domain_set_state(d, NOOKS_STATE_RECOVERING);
	nooks_domain_set_state(d, NOOKS_STATE_LIVE);
	dev->reg_state = NETREG_UNREGISTERED;
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "free_netdev",
					   (unsigned long)dev, 0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_NETDEV), 0UL);
}

/*
 * dev_addr_mod copies from the driver's buffer into the device's address:
 * an unreadable source or a length past MAX_ADDR_LEN is a bad parameter.
 */
/* A net_device as alloc_netdev leaves it, as far as dev_addr_mod reads. */
static struct net_device *nooks_wt_netdev(struct kunit *test)
{
	struct net_device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->dev_addr = kunit_kzalloc(test, MAX_ADDR_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev->dev_addr);
	return dev;
}

static void nooks_test_dev_addr_mod(struct kunit *test)
{
	struct net_device *dev = nooks_wt_netdev(test);
	struct nooks_domain *d = test->priv;
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };
	char *page = vmalloc(PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "dev_addr_mod",
					   (unsigned long)dev, 0,
					   (unsigned long)mac, ETH_ALEN, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	/* the last byte on the guard page after the vmalloc area */
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "dev_addr_mod",
					   (unsigned long)dev, 0,
					   (unsigned long)page + PAGE_SIZE - 2,
					   ETH_ALEN, 0, 0), 0);
	nooks_wt_expect_fault(test, "dev_addr_mod: an unreadable source");
	vfree(page);
}

static void nooks_test_dev_addr_mod_length(struct kunit *test)
{
	struct net_device *dev = nooks_wt_netdev(test);
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };

	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "dev_addr_mod",
					   (unsigned long)dev, 30,
					   (unsigned long)mac, ETH_ALEN, 0, 0), 0);
	nooks_wt_expect_fault(test, "dev_addr_mod: a length past MAX_ADDR_LEN");
}

/* The kernel compares and writes dev->dev_addr: a NULL one oopsed. */
static void nooks_test_dev_addr_mod_dev_addr(struct kunit *test)
{
	struct net_device *dev = nooks_wt_netdev(test);
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };

	dev->dev_addr = NULL;
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "dev_addr_mod",
					   (unsigned long)dev, 0,
					   (unsigned long)mac, ETH_ALEN, 0, 0), 0);
	nooks_wt_expect_fault(test, "dev_addr_mod: a net_device with an unreadable dev_addr");
}

/* dql_completed BUG()s on more completed than queued. */
static void nooks_test_dql_completed(struct kunit *test)
{
	struct dql *dql = kunit_kzalloc(test, sizeof(*dql), GFP_KERNEL);
	struct nooks_domain *d = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, dql);
	dql->num_queued = 10;
	dql->num_completed = 4;
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "dql_completed",
					   (unsigned long)dql, 6, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "dql_completed",
					   (unsigned long)dql, 7, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "dql_completed: more completed than queued");
}

/*
 * A NAPI context on a poll list already would be added twice. (One on no
 * list passes: every e1000 and 8139too interrupt in the e2e scenarios.)
 */
static void nooks_test_napi_schedule_twice(struct kunit *test)
{
	struct napi_struct *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	LIST_HEAD(poll);

	KUNIT_ASSERT_NOT_NULL(test, n);
	list_add(&n->poll_list, &poll);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "__napi_schedule",
					   (unsigned long)n, 0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "__napi_schedule: a napi_struct already on a poll list");
}

/*
 * blk_mq_start_request: of a request the domain holds only; one started
 * already (by a batch, domains/batch.c) is not started again.
 */
static void nooks_test_start_request(struct kunit *test)
{
	struct request *rq = kunit_kzalloc(test, sizeof(*rq), GFP_KERNEL);
	struct nooks_xpc_frame f;

	KUNIT_ASSERT_NOT_NULL(test, rq);
	nooks_wt_frame(test, &f, "blk_mq_start_request", (unsigned long)rq,
		       0, 0, 0, 0, 0);
	nooks_wrap_acquire(&f, NOOKS_OBJ_REQUEST, (unsigned long)rq,
			   sizeof(*rq), NULL, NULL, 0, NOOKS_WRAPF_AGAIN_OK);
	f.target = (unsigned long)blk_mq_start_request;
	KUNIT_EXPECT_EQ(test, nooks_wt_wrap[0]->pre(&f), 0);
	KUNIT_EXPECT_EQ(test, f.target, (unsigned long)blk_mq_start_request);
	WRITE_ONCE(rq->state, MQ_RQ_IN_FLIGHT);
	f.target = (unsigned long)blk_mq_start_request;
	KUNIT_EXPECT_EQ(test, nooks_wt_wrap[0]->pre(&f), 0);
	KUNIT_EXPECT_NE(test, f.target, (unsigned long)blk_mq_start_request);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
	/* a request it was never handed: not dereferenced, a fault */
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "blk_mq_start_request",
					   (unsigned long)rq + 64, 0, 0, 0, 0, 0),
			0);
	nooks_wt_expect_fault(test, "blk_mq_start_request: not a held request");
	nooks_objtrack_remove(&((struct nooks_domain *)test->priv)->objects,
			      NOOKS_OBJ_REQUEST, rq);
}

/*
 * A net_device whose kernel-owned pointers or lists the driver
 * overwrote is not given to free_netdev by recovery (recovery/corrupt.c).
 */
static void nooks_test_netdev_sane(struct kunit *test)
{
	struct net_device *dev = alloc_netdev_mqs(0, "nt%d", NET_NAME_UNKNOWN,
						  ether_setup, 1, 1);
	struct netdev_queue *tx;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_EXPECT_TRUE(test, nooks_recovery_netdev_sane(dev));
	RCU_INIT_POINTER(dev->ingress_queue, (struct netdev_queue *)0x1000);
	KUNIT_EXPECT_FALSE(test, nooks_recovery_netdev_sane(dev));
	RCU_INIT_POINTER(dev->ingress_queue, NULL);
	dev->napi_list.next = NULL;
	KUNIT_EXPECT_FALSE(test, nooks_recovery_netdev_sane(dev));
	INIT_LIST_HEAD(&dev->napi_list);
	dev->dev_addrs.list.prev = &dev->napi_list;
	KUNIT_EXPECT_FALSE(test, nooks_recovery_netdev_sane(dev));
	INIT_LIST_HEAD(&dev->dev_addrs.list);
	tx = dev->_tx;
	dev->_tx = (struct netdev_queue *)0xdead000000000000UL;
	KUNIT_EXPECT_FALSE(test, nooks_recovery_netdev_sane(dev));
	dev->_tx = tx;
	KUNIT_EXPECT_TRUE(test, nooks_recovery_netdev_sane(dev));
	free_netdev(dev);
}

/* A pointer argument at NULL plus an offset, first or second. */
static void nooks_test_user_address_args(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	u8 buf[8];

	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "crc32_le", 0, 0x28, 0,
					   0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "crc32_le", 0,
					   (unsigned long)buf, sizeof(buf),
					   0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "blk_queue_flag_clear", 10,
					   0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "blk_queue_flag_clear: a user address as its second argument");
}

/* Statistics the kernel cannot read; readable ones pass. */
static void nooks_test_stats64_unreadable(struct kunit *test)
{
	struct net_device_stats *st = kunit_kzalloc(test, sizeof(*st),
						    GFP_KERNEL);
	struct nooks_domain *d = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "netdev_stats_to_stats64", 0,
					   (unsigned long)st, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "netdev_stats_to_stats64", 0,
					   0x1000, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "netdev_stats_to_stats64: unreadable net_device_stats");
}

/* An hrtimer never initialised has no base; an initialised one passes. */
static void nooks_test_hrtimer_uninitialised(struct kunit *test)
{
	struct hrtimer *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct nooks_domain *d = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, t);
	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "hrtimer_active",
					   (unsigned long)t, 0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	memset(t, 0, sizeof(*t));
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "hrtimer_active",
					   (unsigned long)t, 0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "hrtimer_active: an uninitialised timer");
}

/* A NULL bitmap with bits to search; with none, it is fine. */
static void nooks_test_bitmap_null(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "_find_next_bit", 0, 64, 64,
					   0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "_find_first_zero_bit", 0, 0,
					   0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "_find_next_bit", 0, 64, 3,
					   0, 0, 0), 0);
	nooks_wt_expect_fault(test, "_find_next_bit: a bitmap at a user address");
}

/*
 * A kernel call given an argument no kernel object can be at: the
 * check= fails the domain with this report. SWIFI trials of the
 * 200-trial run that crashed the kernel so (Documentation/campaign.rst).
 */
struct nooks_wt_bad_arg {
	const char *fn;
	u64 a[6];
	const char *report;
};

static const struct nooks_wt_bad_arg nooks_wt_bad_args[] = {
	/* null_blk 73: a lock in a structure never set up */
	{ "_raw_spin_lock_irq", { 0x138 },
	  "_raw_spin_lock_irq: a user address as lock" },
	/* e1000 82: a corrupted device pointer */
	{ "dma_map_page_attrs", { 0xc2717110UL, 0, 0, 64, 1 },
	  "dma_map_page_attrs: a user address as its device" },
	/* null_blk 171 */
	{ "__init_waitqueue_head", { 8 },
	  "__init_waitqueue_head: a user address as its first argument" },
	/* 8139too 166 */
	{ "crc32_le", { 0, 0x28, 6 }, "crc32_le: bytes at a user address" },
	/* 8139too 83: an skb in a module's image (here, this test's data) */
	{ "netif_receive_skb", { (unsigned long)&nooks_wt_gate },
	  "netif_receive_skb: an address outside the direct map as skb" },
};

static void nooks_wt_bad_arg_desc(const struct nooks_wt_bad_arg *c,
				  char *desc)
{
	strscpy(desc, c->fn, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nooks_wt_bad_arg, nooks_wt_bad_args, nooks_wt_bad_arg_desc);

static void nooks_test_bad_arg(struct kunit *test)
{
	const struct nooks_wt_bad_arg *c = test->param_value;

	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, c->fn, c->a[0], c->a[1],
					   c->a[2], c->a[3], c->a[4], c->a[5]),
			0);
	nooks_wt_expect_fault(test, c->report);
}

static void nooks_test_gro_bad_skb(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "napi_gro_receive",
					   (unsigned long)d, 0x1e8UL,
					   0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "napi_gro_receive: an address outside the direct map as skb");
}

/* dma_alloc_attrs reads dev and writes the bus address through a2. */
static void nooks_test_dma_alloc_device(struct kunit *test)
{
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "dma_alloc_attrs",
					   0x800000d0UL, PAGE_SIZE,
					   (unsigned long)&nooks_wt_gate,
					   GFP_KERNEL, 0, 0), 0);
	nooks_wt_expect_fault(test, "dma_alloc_attrs: an unreadable device");
}

static void nooks_test_dma_alloc_handle(struct kunit *test)
{
	struct device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	struct nooks_domain *d = test->priv;
	char *page = vmalloc(PAGE_SIZE);
	dma_addr_t handle;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "dma_alloc_attrs",
					   (unsigned long)dev, PAGE_SIZE,
					   (unsigned long)&handle,
					   GFP_KERNEL, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_domain_state(d), NOOKS_STATE_LIVE);
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "dma_alloc_attrs",
					   (unsigned long)dev, PAGE_SIZE,
					   (unsigned long)page + PAGE_SIZE,
					   GFP_KERNEL, 0, 0), 0);
	nooks_wt_expect_fault(test, "dma_alloc_attrs: an unreadable dma_handle");
	vfree(page);
}

/* kfree of memory the kernel owns. */
static void nooks_test_free_kernel_pointer(struct kunit *test)
{
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "kfree",
					   (unsigned long)&nooks_wt_gate,
					   0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "not held");
}

static void nooks_test_err_ptr(struct kunit *test)
{
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "kfree",
					   (unsigned long)ERR_PTR(-ENOMEM),
					   0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "ERR_PTR as memory");
}

/*
 * An id from an IDA is released by ida_free with the values captured at
 * acquisition: after recovery's release the same id is free again.
 */
static DEFINE_IDA(nooks_wt_ida);

static void nooks_test_release_values(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	int id = ida_alloc_range(&nooks_wt_ida, 5, 100, GFP_KERNEL);

	KUNIT_ASSERT_EQ(test, id, 5);
	nooks_wt_post(test, "ida_alloc_range", (unsigned long)&nooks_wt_ida, 5,
		      100, GFP_KERNEL, 0, 0, id);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_ID), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(&d->objects), 1U);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_ID), 0UL);
	/* ida_free(&ida, 5) ran: 5 is handed out again. */
	id = ida_alloc_range(&nooks_wt_ida, 5, 100, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, id, 5);
	if (id >= 0)
		ida_free(&nooks_wt_ida, id);
	/* A failed allocation (negative) records nothing. */
	nooks_wt_post(test, "ida_alloc_range", (unsigned long)&nooks_wt_ida, 5,
		      100, GFP_KERNEL, 0, 0, (u64)-ENOSPC);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_ID), 0UL);
	ida_destroy(&nooks_wt_ida);
}

/*
 * A CPU hotplug state and an instance of it (virtio_net's init and
 * probe): both recorded, the dynamic state by the number it returned,
 * and released instance first (a state removed with instances left
 * warns, which the guest's console check would catch).
 */
static void nooks_test_cpuhp(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct hlist_node node = {}, again = {};
	int state;

	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "__cpuhp_setup_state",
					   CPUHP_AP_ONLINE_DYN, 0, 0, 0, 0, 1),
			0);
	state = __cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "nooks/test", false,
				    NULL, NULL, true);
	KUNIT_ASSERT_GT(test, state, 0);
	nooks_wt_post(test, "__cpuhp_setup_state", CPUHP_AP_ONLINE_DYN, 0, 0,
		      0, 0, 1, state);
	KUNIT_ASSERT_EQ(test, __cpuhp_state_add_instance(state, &node, false),
			0);
	nooks_wt_post(test, "__cpuhp_state_add_instance", state,
		      (unsigned long)&node, 0, 0, 0, 0, 0);
	/* a failed setup records nothing */
	nooks_wt_post(test, "__cpuhp_setup_state", CPUHP_AP_ONLINE_DYN, 0, 0,
		      0, 0, 1, (u64)-ENOSPC);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_NOTIFIER), 2UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(&d->objects), 2U);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_NOTIFIER), 0UL);
	/* the state is gone: it takes no instance */
	KUNIT_EXPECT_NE(test, __cpuhp_state_add_instance(state, &again, false),
			0);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
}

static irqreturn_t nooks_wt_handler(int irq, void *dev)
{
	return IRQ_NONE;
}

/*
 * request_irq: the handler must be a gate (or kernel code), never the
 * driver's own code; success records the irq, failure nothing.
 */
static void nooks_test_irq(struct kunit *test)
{
	unsigned long gate = (unsigned long)nooks_wt_stubs + NOOKS_STUB_SIZE;
	int dev;

	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "request_threaded_irq", 11,
					   gate, 0, 0, 0, (unsigned long)&dev),
			0);
	nooks_wt_post(test, "request_threaded_irq", 11, gate, 0, 0, 0,
		      (unsigned long)&dev, 0);
	nooks_wt_post(test, "request_threaded_irq", 12, gate, 0, 0, 0,
		      (unsigned long)&dev + 1, (u64)-EBUSY);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_IRQ), 1UL);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "free_irq", 11,
					   (unsigned long)&dev, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_IRQ), 0UL);

	/* This module plays the driver: its own handler bypasses the gates. */
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "request_threaded_irq", 11,
					   (unsigned long)nooks_wt_handler, 0,
					   0, 0, (unsigned long)&dev), 0);
	nooks_wt_expect_fault(test, "driver code, not its gate");
}

/* A call that needs a live net_device of the domain. */
static void nooks_test_hold(struct kunit *test)
{
	/* unregistered: free_netdev's check= reads its reg_state */
	struct net_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	nooks_wt_post(test, "alloc_etherdev_mqs", 0, 1, 1, 0, 0, 0,
		      (unsigned long)dev);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_NETDEV), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "netif_device_attach",
					   (unsigned long)dev, 0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "free_netdev",
					   (unsigned long)dev, 0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_NETDEV), 0UL);
	/* Used after its release. */
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "netif_device_attach",
					   (unsigned long)dev, 0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "netif_device_attach: not a held netdev");
	kfree(dev);
}

/*
 * Re-arming a timer is normal; work queued inside memory the driver
 * frees is forgotten with it.
 */
static void nooks_test_again_and_embedded(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	u8 *priv = kzalloc(256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, priv);
	nooks_wt_post(test, "__kmalloc", 256, GFP_KERNEL, 0, 0, 0, 0,
		      (unsigned long)priv);
	nooks_wt_post(test, "hrtimer_start_range_ns", (unsigned long)priv, 1,
		      0, 0, 0, 0, 0);
	nooks_wt_post(test, "hrtimer_start_range_ns", (unsigned long)priv, 2,
		      0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_TIMER), 1UL);
	nooks_wt_post(test, "queue_work_on", WORK_CPU_UNBOUND, 0,
		      (unsigned long)(priv + 64), 0, 0, 0, true);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_WORK), 1UL);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "kfree", (unsigned long)priv,
					   0, 0, 0, 0, 0), 0);
	kfree(priv);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_TIMER), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_WORK), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_release_all(&d->objects), 0U);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
}

/* With imports no wrapper describes, an untracked release may be fine. */
static void nooks_test_not_strict(struct kunit *test)
{
	struct nooks_domain *d = test->priv;

	d->strict = false;
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "kfree",
					   (unsigned long)&nooks_wt_gate,
					   0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
	/* An ERR_PTR is a bug whoever allocated the object. */
	KUNIT_EXPECT_NE(test, nooks_wt_pre(test, "kfree",
					   (unsigned long)ERR_PTR(-EIO),
					   0, 0, 0, 0, 0), 0);
	nooks_wt_expect_fault(test, "ERR_PTR as memory");
}

/*
 * An object that cannot be tracked (here: released by a function of
 * another module the driver does not import) leaves the domain no
 * longer strict, so its later release is not taken for garbage.
 */
static void nooks_test_untracked_relaxes(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct nooks_xpc_frame f;
	unsigned long v[] = { 1 };

	nooks_wt_frame(test, &f, "kfree", 0, 0, 0, 0, 0, 0);
	nooks_wrap_acquire(&f, NOOKS_OBJ_DRIVER, 0x1000, 0,
			   (void *)"nooks_no_such_release", v, ARRAY_SIZE(v),
			   NOOKS_WRAPF_BY_NAME);
	KUNIT_EXPECT_EQ(test, nooks_wt_count(test, NOOKS_OBJ_DRIVER), 0UL);
	KUNIT_EXPECT_FALSE(test, d->strict);
	KUNIT_EXPECT_EQ(test, nooks_wt_pre(test, "kfree",
					   (unsigned long)&nooks_wt_gate,
					   0, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, nooks_wt_failed(test));
}

static struct kunit_case nooks_wrap_test_cases[] = {
	KUNIT_CASE(nooks_test_table),
	KUNIT_CASE(nooks_test_memory),
	KUNIT_CASE(nooks_test_double_free),
	KUNIT_CASE(nooks_test_free_kernel_pointer),
	KUNIT_CASE(nooks_test_hardening),
	KUNIT_CASE(nooks_test_free_registered_netdev),
	KUNIT_CASE(nooks_test_dev_addr_mod),
	KUNIT_CASE(nooks_test_dev_addr_mod_length),
	KUNIT_CASE(nooks_test_dev_addr_mod_dev_addr),
	KUNIT_CASE(nooks_test_dql_completed),
	KUNIT_CASE(nooks_test_napi_schedule_twice),
	KUNIT_CASE(nooks_test_start_request),
	KUNIT_CASE(nooks_test_netdev_sane),
	KUNIT_CASE(nooks_test_bitmap_null),
	KUNIT_CASE(nooks_test_user_address_args),
	KUNIT_CASE(nooks_test_stats64_unreadable),
	KUNIT_CASE(nooks_test_hrtimer_uninitialised),
	KUNIT_CASE_PARAM(nooks_test_bad_arg, nooks_wt_bad_arg_gen_params),
	KUNIT_CASE(nooks_test_gro_bad_skb),
	KUNIT_CASE(nooks_test_dma_alloc_device),
	KUNIT_CASE(nooks_test_dma_alloc_handle),
	KUNIT_CASE(nooks_test_err_ptr),
	KUNIT_CASE(nooks_test_release_values),
	KUNIT_CASE(nooks_test_irq),
	KUNIT_CASE(nooks_test_cpuhp),
	KUNIT_CASE(nooks_test_hold),
	KUNIT_CASE(nooks_test_again_and_embedded),
	KUNIT_CASE(nooks_test_not_strict),
	KUNIT_CASE(nooks_test_untracked_relaxes),
	{}
};

static struct kunit_suite nooks_wrap_test_suite = {
	.name = "nooks_wrap",
	.init = nooks_wrap_test_init,
	.exit = nooks_wrap_test_exit,
	.test_cases = nooks_wrap_test_cases,
};

kunit_test_suite(nooks_wrap_test_suite);
