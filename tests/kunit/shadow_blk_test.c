// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the block shadow driver (recovery/shadow/blk.c), on a
 * real blk-mq tag set and disk that are never added, against a test
 * domain: which disks get a record, what a fault and a takeover do to
 * the queue and what the domain holds, and how the restarted driver's
 * blk_mq_alloc_tag_set, blk_mq_alloc_disk and add_disk go through the
 * generated wrappers' pre= hooks (wrappers/specs/block.spec) to the
 * kept tags and disk. Requests requeued across a real fault, and the
 * deletion of a kept disk no driver claims, need an added disk:
 * tests/e2e/shadow-null_blk.sh shows them.
 */
#include <kunit/test.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/string.h>

#include "../../core/domain.h"
#include "../../wrappers/wrap.h"
#include "hooks.h"

MODULE_IMPORT_NS(NOOKS_INTERNAL);

static unsigned int nooks_sbt_init_hctx_calls;

static blk_status_t nooks_sbt_queue_rq(struct blk_mq_hw_ctx *hctx,
				       const struct blk_mq_queue_data *bd)
{
	blk_mq_start_request(bd->rq);
	blk_mq_end_request(bd->rq, BLK_STS_OK);
	return BLK_STS_OK;
}

static int nooks_sbt_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			       unsigned int idx)
{
	nooks_sbt_init_hctx_calls++;
	hctx->driver_data = data;
	return 0;
}

static const struct blk_mq_ops nooks_sbt_ops = {
	.queue_rq = nooks_sbt_queue_rq,
	.init_hctx = nooks_sbt_init_hctx,
};

static int nooks_sbt_init_request(struct blk_mq_tag_set *set,
				  struct request *rq, unsigned int hctx_idx,
				  unsigned int numa_node)
{
	return 0;
}

static const struct blk_mq_ops nooks_sbt_rq_ops = {
	.queue_rq = nooks_sbt_queue_rq,
	.init_request = nooks_sbt_init_request,
};

static const struct block_device_operations nooks_sbt_fops = {
	.owner = THIS_MODULE,
};

/* A driver's: its tag set, and the disk on it. */
struct nooks_sbt_driver {
	struct blk_mq_tag_set set;
	struct gendisk *disk;
};

static void nooks_sbt_set_init(struct blk_mq_tag_set *set,
			       const struct blk_mq_ops *ops, void *data)
{
	memset(set, 0, sizeof(*set));
	set->ops = ops;
	set->nr_hw_queues = 1;
	set->queue_depth = 8;
	set->cmd_size = 16;
	set->numa_node = NUMA_NO_NODE;
	set->driver_data = data;
}

/* What the driver does and the wrappers record, up to add_disk. */
static void nooks_sbt_probe(struct kunit *test, struct nooks_sbt_driver *drv,
			    const struct blk_mq_ops *ops)
{
	struct nooks_domain *d = test->priv;

	nooks_sbt_set_init(&drv->set, ops, drv);
	KUNIT_ASSERT_EQ(test, blk_mq_alloc_tag_set(&drv->set), 0);
	drv->disk = blk_mq_alloc_disk(&drv->set, drv);
	KUNIT_ASSERT_FALSE(test, IS_ERR(drv->disk));
	drv->disk->fops = &nooks_sbt_fops;
	drv->disk->major = 250;
	drv->disk->first_minor = 3;
	drv->disk->minors = 1;
	strscpy(drv->disk->disk_name, "kshadowb0",
		sizeof(drv->disk->disk_name));
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects,
						 NOOKS_OBJ_BLK_MQ, &drv->set,
						 0, NULL, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects,
						 NOOKS_OBJ_GENDISK, drv->disk,
						 0, NULL, 0, GFP_KERNEL), 0);
}

static void nooks_sbt_remove(struct nooks_sbt_driver *drv)
{
	put_disk(drv->disk);
	blk_mq_free_tag_set(&drv->set);
}

static int nooks_shadow_blk_test_init(struct kunit *test)
{
	test->priv = nooks_test_hooks_domain(test, "kunit_shadow_blk");
	return 0;
}

static void nooks_shadow_blk_test_exit(struct kunit *test)
{
	nooks_test_hooks_domain_put(test->priv);
}

/* A record only for a disk the shadow can keep, and only once. */
static void nooks_test_shadow_blk_passive(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct nooks_sbt_driver *a, *b;
	struct nooks_xpc_frame f;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	nooks_sbt_probe(test, a, &nooks_sbt_ops);
	nooks_sbt_probe(test, b, &nooks_sbt_rq_ops);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_NONE);

	/* requests with driver data, sysfs groups: not kept */
	nooks_test_hooks_pre(test, &f, "device_add_disk", 0,
			     (unsigned long)b->disk, 0);
	KUNIT_EXPECT_EQ(test, nooks_shadow_log_size(&d->shadow), 0U);
	nooks_test_hooks_pre(test, &f, "device_add_disk", 0,
			     (unsigned long)a->disk, (unsigned long)&f);
	KUNIT_EXPECT_EQ(test, nooks_shadow_log_size(&d->shadow), 0U);

	nooks_test_hooks_pre(test, &f, "device_add_disk", 0,
			     (unsigned long)a->disk, 0);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);	/* the kernel adds it */
	KUNIT_EXPECT_EQ(test, nooks_shadow_log_size(&d->shadow), 1U);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_PASSIVE);
	nooks_test_hooks_pre(test, &f, "device_add_disk", 0,
			     (unsigned long)a->disk, 0);
	KUNIT_EXPECT_EQ(test, nooks_shadow_log_size(&d->shadow), 1U);
	/* were the domain to fail: a's requests wait, b's fail */
	KUNIT_EXPECT_TRUE(test, nooks_shadow_blk_holds(d, a->disk->queue));
	KUNIT_EXPECT_FALSE(test, nooks_shadow_blk_holds(d, b->disk->queue));

	/* its driver deletes it: forgotten */
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects,
						 NOOKS_OBJ_DISK_ADDED, a->disk,
						 0, NULL, 0, GFP_KERNEL), 0);
	nooks_test_hooks_pre(test, &f, "del_gendisk", (unsigned long)a->disk, 0, 0);
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_NONE);
	nooks_objtrack_remove(&d->objects, NOOKS_OBJ_GENDISK, a->disk);
	nooks_objtrack_remove(&d->objects, NOOKS_OBJ_BLK_MQ, &a->set);
	nooks_objtrack_remove(&d->objects, NOOKS_OBJ_GENDISK, b->disk);
	nooks_objtrack_remove(&d->objects, NOOKS_OBJ_BLK_MQ, &b->set);
	nooks_sbt_remove(a);
	nooks_sbt_remove(b);
}

/*
 * A fault quiesces the queue and holds it; the takeover moves the tag set
 * out of the driver and disowns it all; the restarted driver's calls get
 * the kept tags and disk, and resume gives the queue back.
 */
static void nooks_test_shadow_blk_claim(struct kunit *test)
{
	struct nooks_domain *d = test->priv;
	struct nooks_sbt_driver *old, *new;
	struct blk_mq_tag_set *kept;
	struct request_queue *q;
	struct nooks_xpc_frame f;
	int (*alloc_set)(struct blk_mq_tag_set *set);
	struct gendisk *(*alloc_disk)(struct blk_mq_tag_set *set, void *data,
				      struct lock_class_key *lkclass);
	int (*add)(struct device *parent, struct gendisk *disk,
		   const struct attribute_group **groups);

	old = kunit_kzalloc(test, sizeof(*old), GFP_KERNEL);
	new = kunit_kzalloc(test, sizeof(*new), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, new);
	nooks_sbt_probe(test, old, &nooks_sbt_ops);
	q = old->disk->queue;
	nooks_test_hooks_pre(test, &f, "device_add_disk", 0,
			     (unsigned long)old->disk, 0);
	KUNIT_ASSERT_EQ(test, nooks_objtrack_add(&d->objects,
						 NOOKS_OBJ_DISK_ADDED,
						 old->disk, 0, NULL, 0,
						 GFP_KERNEL), 0);

	nooks_shadow_fail(d);
	KUNIT_EXPECT_TRUE(test, blk_queue_quiesced(q));
	KUNIT_EXPECT_TRUE(test, nooks_shadow_blk_holds(d, q));
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_ACTIVE);

	KUNIT_EXPECT_EQ(test, nooks_shadow_takeover(d), 1U);
	kept = q->tag_set;
	KUNIT_EXPECT_PTR_NE(test, kept, &old->set);
	KUNIT_EXPECT_PTR_EQ(test, kept->tags, old->set.tags);
	KUNIT_EXPECT_PTR_NE(test, (void *)q->mq_ops, (void *)&nooks_sbt_ops);
	KUNIT_EXPECT_PTR_NE(test, (void *)old->disk->fops,
			    (void *)&nooks_sbt_fops);
	KUNIT_EXPECT_NULL(test, q->queuedata);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_GENDISK), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_DISK_ADDED), 0UL);
	KUNIT_EXPECT_EQ(test, nooks_objtrack_count(&d->objects,
						   NOOKS_OBJ_BLK_MQ), 0UL);

	/* another shape (queue depth): the kernel's own tag set */
	nooks_sbt_set_init(&new->set, &nooks_sbt_ops, new);
	new->set.queue_depth = 16;
	nooks_test_hooks_pre(test, &f, "blk_mq_alloc_tag_set",
			     (unsigned long)&new->set, 0, 0);
	KUNIT_EXPECT_EQ(test, f.target, 0ULL);

	nooks_sbt_set_init(&new->set, &nooks_sbt_ops, new);
	nooks_test_hooks_pre(test, &f, "blk_mq_alloc_tag_set",
			     (unsigned long)&new->set, 0, 0);
	KUNIT_ASSERT_NE(test, f.target, 0ULL);
	alloc_set = (void *)(unsigned long)f.target;
	KUNIT_ASSERT_EQ(test, alloc_set(&new->set), 0);
	KUNIT_EXPECT_PTR_EQ(test, q->tag_set, &new->set);
	KUNIT_EXPECT_PTR_EQ(test, new->set.tags, kept->tags);

	nooks_test_hooks_pre(test, &f, "__blk_mq_alloc_disk",
			     (unsigned long)&new->set, (unsigned long)new, 0);
	KUNIT_ASSERT_NE(test, f.target, 0ULL);
	alloc_disk = (void *)(unsigned long)f.target;
	nooks_sbt_init_hctx_calls = 0;
	new->disk = alloc_disk(&new->set, new, NULL);
	KUNIT_ASSERT_PTR_EQ(test, new->disk, old->disk);
	KUNIT_EXPECT_EQ(test, nooks_sbt_init_hctx_calls, 1U);
	KUNIT_EXPECT_PTR_EQ(test, q->queuedata, (void *)new);
	KUNIT_EXPECT_PTR_EQ(test, (void *)q->mq_ops, (void *)&nooks_sbt_ops);

	/* the driver fills the disk in, another number, then adds it */
	new->disk->fops = &nooks_sbt_fops;
	new->disk->major = 251;
	strscpy(new->disk->disk_name, "kshadowb%d",
		sizeof(new->disk->disk_name));
	nooks_test_hooks_pre(test, &f, "device_add_disk", 0,
			     (unsigned long)new->disk, 0);
	KUNIT_ASSERT_NE(test, f.target, 0ULL);
	add = (void *)(unsigned long)f.target;
	KUNIT_EXPECT_EQ(test, add(NULL, new->disk, NULL), 0);
	KUNIT_EXPECT_EQ(test, new->disk->major, 250);
	KUNIT_EXPECT_STREQ(test, new->disk->disk_name, "kshadowb0");
	KUNIT_EXPECT_TRUE(test, blk_queue_quiesced(q));

	nooks_shadow_resume(d);
	KUNIT_EXPECT_FALSE(test, blk_queue_quiesced(q));
	KUNIT_EXPECT_EQ(test, nooks_shadow_mode(&d->shadow),
			NOOKS_SHADOW_PASSIVE);

	/* the restarted driver's: put and freed as it would */
	put_disk(new->disk);
	blk_mq_free_tag_set(&new->set);
}

static struct kunit_case nooks_shadow_blk_test_cases[] = {
	KUNIT_CASE(nooks_test_shadow_blk_passive),
	KUNIT_CASE(nooks_test_shadow_blk_claim),
	{}
};

static struct kunit_suite nooks_shadow_blk_test_suite = {
	.name = "nooks_shadow_blk",
	.init = nooks_shadow_blk_test_init,
	.exit = nooks_shadow_blk_test_exit,
	.test_cases = nooks_shadow_blk_test_cases,
};

kunit_test_suite(nooks_shadow_blk_test_suite);
