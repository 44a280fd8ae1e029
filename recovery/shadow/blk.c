// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow driver of the block class: the same gendisk and request
 * queue across a recovery, so applications keep their open block
 * device, and the requests in flight at the fault are requeued and
 * completed by the restarted driver instead of failing.
 *
 * Passive. Each blk-mq disk a domain adds (restart policy shadow) gets
 * a record, if the shadow can keep it: its tag set the domain's and
 * serving only its queue, no init_request (the requests' driver data,
 * the flush request's included, would need the restarted driver's), no
 * sysfs groups of the driver's. What a restart must restore the kernel
 * keeps in the queue and the disk themselves: limits, scheduler,
 * read-ahead, capacity, name and number.
 *
 * Active, after a fault (recovery/recovery.c, through shadow.c):
 *
 *  fail      at the fault, quiesce the queue: the block layer dispatches
 *            nothing; a call the failed driver's gate turns away returns
 *            BLK_STS_RESOURCE (wrappers/entry.c), so its request waits in
 *            the queue;
 *  takeover  once no thread is left in the driver and a restart is due:
 *            requeue every request the driver had taken; move the tag
 *            set (in the driver's memory) into the shadow's; point the
 *            queue's and the disk's callbacks at the shadow's; move the
 *            module references of the open block devices from the
 *            failed module to nooks.ko (or the agent could not unload
 *            it); take disk, queue and tag set out of what recovery
 *            releases;
 *  let go    a disk not kept goes back to the failed driver's gates,
 *            which fail its requests, and recovery deletes it;
 *  claim     the restarted driver's blk_mq_alloc_tag_set of the same
 *            shape adopts the kept tags and requests; its
 *            blk_mq_alloc_disk on that set gets the kept disk, its
 *            hardware contexts initialised by the new driver, the module
 *            references moved to the new module; its add_disk only
 *            restores the name and number the disk had;
 *  resume    after the restart: unquiesce and kick the requeue list, so
 *            the requests go to the new driver; a kept disk no driver
 *            claimed is deleted, its requests failed.
 *
 * The module references. A block device open holds one on
 * disk->fops->owner, taken and put under the disk's open_mutex, except
 * that blkdev_put puts it just after unlocking: a close racing with a
 * move can put the other module. Moves happen at a fault and at the
 * claim, under open_mutex, counting the opens from the block devices'
 * bd_openers.
 *
 * What the shadow cannot keep is the driver's own state: a memory
 * backed null_blk comes back empty, as a RAM disk after a power cut.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../../core/domain.h"
#include "../../domains/xpc.h"
#include "shadow.h"

enum nooks_shadow_blk_state {
	NOOKS_SHADOW_BLK_LIVE,		/* its driver runs: recording */
	NOOKS_SHADOW_BLK_FAILED,	/* its driver failed: queue held */
	NOOKS_SHADOW_BLK_KEPT,		/* ours, its tag set too */
	NOOKS_SHADOW_BLK_SET,		/* the restarted driver took the set */
	NOOKS_SHADOW_BLK_CLAIMED,	/* ... and allocated the disk */
	NOOKS_SHADOW_BLK_REGISTERED,	/* ... and added it: resume */
};

/* One disk a domain added; on nooks_shadow.disks. */
struct nooks_shadow_disk {
	struct list_head node;		/* under nooks_shadow.lock */
	struct gendisk *disk;		/* immutable */
	enum nooks_shadow_blk_state state;	/* under nooks_shadow.lock */
	bool quiesced;			/* by the shadow; under nooks_shadow.lock */
	struct task_struct *claimer;	/* SET, CLAIMED: the restart's task */
	bool handed;			/* SET, CLAIMED: the call was served */
	struct module *claim_mod;	/* CLAIMED: the restarted module */
	/* SET..REGISTERED: the driver's set; KEPT: NULL */
	struct blk_mq_tag_set *set;
	/* KEPT: the tag set; SET..REGISTERED: its shell, to fall back to */
	struct blk_mq_tag_set *kept;
	/* CLAIMED: the disk's callbacks until the driver writes its own */
	struct block_device_operations fops;

	/* the snapshot takeover makes */
	int major, first_minor, minors;
	char name[DISK_NAME_LEN];
	/* at the last fault: requests the driver had taken, requeued; */
	unsigned int requeued;
	/* requests turned away by its gate; under nooks_shadow.lock */
	unsigned int waited;
};

/* A kept queue's callbacks: quiesced, it should not be called at all. */
static blk_status_t nooks_shadow_blk_queue_rq(struct blk_mq_hw_ctx *hctx,
					      const struct blk_mq_queue_data *bd)
{
	return BLK_STS_RESOURCE;
}

/* A request the failed driver completed but did not end. */
static void nooks_shadow_blk_complete(struct request *rq)
{
	blk_mq_end_request(rq, BLK_STS_IOERR);
}

static enum blk_eh_timer_return nooks_shadow_blk_timeout(struct request *rq)
{
	return BLK_EH_RESET_TIMER;
}

static const struct blk_mq_ops nooks_shadow_blk_kept_ops = {
	.queue_rq = nooks_shadow_blk_queue_rq,
	.complete = nooks_shadow_blk_complete,
	.timeout = nooks_shadow_blk_timeout,
};

/* A kept disk no driver took back, being deleted: its requests fail. */
static blk_status_t nooks_shadow_blk_dead_rq(struct blk_mq_hw_ctx *hctx,
					     const struct blk_mq_queue_data *bd)
{
	return BLK_STS_IOERR;
}

static const struct blk_mq_ops nooks_shadow_blk_dead_ops = {
	.queue_rq = nooks_shadow_blk_dead_rq,
	.complete = nooks_shadow_blk_complete,
	.timeout = nooks_shadow_blk_timeout,
};

/* A kept disk's: opens hold nooks.ko. */
static const struct block_device_operations nooks_shadow_blk_fops = {
	.owner = THIS_MODULE,
};

static void nooks_shadow_blk_set_state(struct nooks_shadow *sh,
				       struct nooks_shadow_disk *s,
				       enum nooks_shadow_blk_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&sh->lock, flags);
	s->state = state;
	spin_unlock_irqrestore(&sh->lock, flags);
}

/* Caller holds sh->lock. */
static struct nooks_shadow_disk *
nooks_shadow_blk_find(struct nooks_shadow *sh, const struct gendisk *disk)
{
	struct nooks_shadow_disk *s;

	list_for_each_entry(s, &sh->disks, node)
		if (s->disk == disk)
			return s;
	return NULL;
}

/* The module references open block devices of @disk hold. */
static unsigned int nooks_shadow_blk_opens(struct gendisk *disk)
{
	struct block_device *part;
	unsigned long idx;
	unsigned int n = 0;

	lockdep_assert_held(&disk->open_mutex);
	rcu_read_lock();
	xa_for_each(&disk->part_tbl, idx, part)
		n += atomic_read(&part->bd_openers);
	rcu_read_unlock();
	/* an open partition holds the whole disk open too */
	return n - disk->open_partitions;
}

/*
 * How long a move of the module references waits for open_mutex. A
 * last close holds it while it writes the block device's dirty pages
 * back, which waits for the queue the shadow holds.
 */
#define NOOKS_SHADOW_BLK_LOCK_MS	2000

/*
 * @disk's callbacks become @fops, and the references its open block
 * devices hold move from the old owner to the new one. Return: false
 * (nothing done) if a close holds open_mutex for too long.
 */
static bool nooks_shadow_blk_set_fops(struct gendisk *disk,
				      const struct block_device_operations *fops)
{
	unsigned long until = jiffies +
			      msecs_to_jiffies(NOOKS_SHADOW_BLK_LOCK_MS);
	struct module *from;
	unsigned int i, n;

	while (!mutex_trylock(&disk->open_mutex)) {
		if (time_after(jiffies, until))
			return false;
		msleep(20);
	}
	from = disk->fops->owner;
	n = nooks_shadow_blk_opens(disk);
	for (i = 0; i < n; i++)
		__module_get(fops->owner);
	WRITE_ONCE(disk->fops, fops);
	for (i = 0; i < n; i++)
		module_put(from);
	mutex_unlock(&disk->open_mutex);
	return true;
}

/**
 * nooks_shadow_blk_uninit() - forget every disk record
 * @sh: the domain's, which is going away
 *
 * Its disks were deleted with their driver: recovery never ends with a
 * disk kept.
 */
void nooks_shadow_blk_uninit(struct nooks_shadow *sh)
{
	struct nooks_shadow_disk *s, *tmp;

	list_for_each_entry_safe(s, tmp, &sh->disks, node) {
		WARN_ON_ONCE(s->state != NOOKS_SHADOW_BLK_LIVE);
		list_del(&s->node);
		kfree(s->kept);
		kfree(s);
	}
}

/**
 * nooks_shadow_blk_log_locked() - the disk part of the log
 * @sh: a domain's shadow drivers, its lock held
 * @restarting: set if a disk is not back in its driver's hands
 *
 * Return: one entry per disk (its snapshot).
 */
unsigned int nooks_shadow_blk_log_locked(struct nooks_shadow *sh,
					 bool *restarting)
{
	struct nooks_shadow_disk *s;
	unsigned int n = 0;

	list_for_each_entry(s, &sh->disks, node) {
		n++;
		if (s->state != NOOKS_SHADOW_BLK_LIVE)
			*restarting = true;
	}
	return n;
}

/**
 * nooks_shadow_blk_holds() - is @q a queue the shadow holds for @d?
 * @d: a failed domain
 * @q: the queue of a request its gate turned away (or whose call a fault
 *	unwound)
 *
 * Any disk with a record: the domain failed, so the shadow holds its
 * queue from now until the disk is the restarted driver's, or let go
 * (its record is gone then). The request is counted as one that waited.
 *
 * Context: any context but NMI.
 * Return: true if the request is to wait (BLK_STS_RESOURCE), not fail.
 */
bool nooks_shadow_blk_holds(struct nooks_domain *d, struct request_queue *q)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_disk *s;
	unsigned long flags;
	bool holds = false;

	spin_lock_irqsave(&sh->lock, flags);
	list_for_each_entry(s, &sh->disks, node) {
		if (s->disk->queue == q) {
			s->waited++;
			holds = true;
			break;
		}
	}
	spin_unlock_irqrestore(&sh->lock, flags);
	return holds;
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_blk_holds, NOOKS_INTERNAL);

/* --- passive --- */

/* Can the shadow keep @disk, which @d's driver is adding? */
static const char *nooks_shadow_blk_unfit(struct nooks_domain *d,
					  struct gendisk *disk,
					  const void *groups)
{
	struct request_queue *q = disk->queue;
	struct blk_mq_tag_set *set = q ? q->tag_set : NULL;

	if (!q || !queue_is_mq(q) || !set)
		return "not a blk-mq disk";
	if (!nooks_objtrack_holds(&d->objects, NOOKS_OBJ_GENDISK, disk) ||
	    !nooks_objtrack_holds(&d->objects, NOOKS_OBJ_BLK_MQ, set))
		return "its disk or tag set is not the driver's";
	if (set->ops->init_request)
		return "its requests carry driver data (init_request)";
	if (set->shared_tags || (set->flags & BLK_MQ_F_TAG_HCTX_SHARED))
		return "its tags are shared";
	if (groups)
		return "the driver adds sysfs attributes to it";
	if (disk->fops->submit_bio || disk->fops->pr_ops)
		return "its callbacks are more than a blk-mq disk's";
	return NULL;
}

/* --- active --- */

/**
 * nooks_shadow_blk_fail_locked() - a fault: hold the queues
 * @sh: the failed domain's shadow drivers, its lock held
 *
 * Context: any context but NMI.
 */
void nooks_shadow_blk_fail_locked(struct nooks_shadow *sh)
{
	struct nooks_shadow_disk *s;

	list_for_each_entry(s, &sh->disks, node) {
		if (s->state == NOOKS_SHADOW_BLK_LIVE ||
		    s->state == NOOKS_SHADOW_BLK_REGISTERED) {
			s->state = NOOKS_SHADOW_BLK_FAILED;
			s->waited = 0;
		}
		if (!s->quiesced) {
			blk_mq_quiesce_queue_nowait(s->disk->queue);
			s->quiesced = true;
		}
	}
}

static bool nooks_shadow_blk_requeue(struct request *rq, void *arg)
{
	unsigned int *n = arg;

	blk_mq_requeue_request(rq, false);
	(*n)++;
	return true;
}

/* The queues of @set now use @to. */
static void nooks_shadow_blk_move_set(struct blk_mq_tag_set *from,
				      struct blk_mq_tag_set *to)
{
	struct request_queue *q;

	mutex_init(&to->tag_list_lock);
	INIT_LIST_HEAD(&to->tag_list);
	list_splice_init(&from->tag_list, &to->tag_list);
	list_for_each_entry(q, &to->tag_list, tag_set_list)
		WRITE_ONCE(q->tag_set, to);
}

/*
 * Point what the kernel calls of @s's disk at the shadow's. Return:
 * false (nothing done) if its module references cannot move.
 */
static bool nooks_shadow_blk_scrub(struct nooks_shadow_disk *s)
{
	struct request_queue *q = s->disk->queue;
	struct blk_mq_hw_ctx *hctx;
	unsigned long i;

	if (!nooks_shadow_blk_set_fops(s->disk, &nooks_shadow_blk_fops))
		return false;
	WRITE_ONCE(q->mq_ops, &nooks_shadow_blk_kept_ops);
	queue_for_each_hw_ctx(q, hctx, i)
		hctx->driver_data = NULL;
	q->queuedata = NULL;
	s->disk->private_data = NULL;
	return true;
}

/*
 * Keep @s's disk, whose driver failed: its requests requeued, its tag
 * set moved into shadow memory. Return: false if the domain does not
 * hold all of it.
 */
static bool nooks_shadow_blk_keep(struct nooks_domain *d,
				  struct nooks_shadow_disk *s)
{
	struct gendisk *disk = s->disk;
	struct request_queue *q = disk->queue;
	struct blk_mq_tag_set *set = q->tag_set, *ks;

	if (!nooks_objtrack_holds(&d->objects, NOOKS_OBJ_GENDISK, disk) ||
	    !nooks_objtrack_holds(&d->objects, NOOKS_OBJ_DISK_ADDED, disk) ||
	    !nooks_objtrack_holds(&d->objects, NOOKS_OBJ_BLK_MQ, set) ||
	    !list_is_singular(&set->tag_list))
		return false;
	ks = kmemdup(set, sizeof(*set), GFP_KERNEL);
	if (!ks)
		return false;
	if (!nooks_shadow_blk_scrub(s)) {
		pr_warn("domain %s: %s is being closed with data to write back: not kept\n",
			d->name, disk->disk_name);
		kfree(ks);
		return false;
	}
	/* no CPU still dispatching to the failed driver */
	blk_mq_wait_quiesce_done(q);
	s->requeued = 0;
	blk_mq_tagset_busy_iter(set, nooks_shadow_blk_requeue, &s->requeued);
	ks->ops = &nooks_shadow_blk_kept_ops;
	ks->driver_data = NULL;
	nooks_shadow_blk_move_set(set, ks);

	s->major = disk->major;
	s->first_minor = disk->first_minor;
	s->minors = disk->minors;
	strscpy(s->name, disk->disk_name, sizeof(s->name));
	kfree(s->kept);		/* the shell of an earlier restart */
	s->kept = ks;
	s->set = NULL;
	nooks_objtrack_disown(&d->objects, NOOKS_OBJ_DISK_ADDED, disk);
	nooks_objtrack_disown(&d->objects, NOOKS_OBJ_GENDISK, disk);
	nooks_objtrack_disown(&d->objects, NOOKS_OBJ_BLK_MQ, set);
	return true;
}

/**
 * nooks_shadow_blk_takeover() - keep the failed driver's disks
 * @d: the failed domain, no thread left in its driver, a restart due
 *
 * Context: process context (the recovery work), before the release.
 * Return: how many disks it keeps.
 */
unsigned int nooks_shadow_blk_takeover(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_disk *s;
	unsigned int n = 0;

	/* records are added and deleted by the driver, which is gone */
	list_for_each_entry(s, &sh->disks, node) {
		if (s->state != NOOKS_SHADOW_BLK_FAILED ||
		    !nooks_shadow_blk_keep(d, s))
			continue;
		nooks_shadow_blk_set_state(sh, s, NOOKS_SHADOW_BLK_KEPT);
		pr_info("domain %s: shadow keeps %s (%d:%d) for the restarted driver\n",
			d->name, s->name, s->major, s->first_minor);
		n++;
	}
	return n;
}

/*
 * The disk a restarted driver was handed is the shadow's again. Its
 * module references stay where they are if they cannot move: on the
 * restarted module, which then cannot be unloaded until they go.
 */
static void nooks_shadow_blk_unclaim_disk(struct nooks_shadow_disk *s)
{
	if (!nooks_shadow_blk_scrub(s))
		pr_warn("%s: its opens keep the restarted module loaded\n",
			s->name);
	WRITE_ONCE(s->disk->queue->mq_ops, &nooks_shadow_blk_kept_ops);
}

/*
 * The tag set a restarted driver adopted is the shadow's again. The
 * driver's is left empty: freeing it later frees nothing.
 */
static void nooks_shadow_blk_unclaim_set(struct nooks_shadow_disk *s)
{
	struct blk_mq_tag_set *ks = s->kept, *set = s->set;

	ks->tags = set->tags;
	ks->ops = &nooks_shadow_blk_kept_ops;
	ks->driver_data = NULL;
	nooks_shadow_blk_move_set(set, ks);
	set->tags = NULL;
	set->nr_hw_queues = 0;
	memset(set->map, 0, sizeof(set->map));
	s->set = NULL;
}

/* Delete a kept disk no driver took back, and forget it. */
static void nooks_shadow_blk_delete(struct nooks_domain *d,
				    struct nooks_shadow_disk *s)
{
	struct gendisk *disk = s->disk;
	unsigned long flags;

	pr_warn("domain %s: no restarted driver took %s back: deleted\n",
		d->name, disk->disk_name);
	spin_lock_irqsave(&d->shadow.lock, flags);
	list_del(&s->node);
	spin_unlock_irqrestore(&d->shadow.lock, flags);
	s->kept->ops = &nooks_shadow_blk_dead_ops;
	WRITE_ONCE(disk->queue->mq_ops, &nooks_shadow_blk_dead_ops);
	blk_mq_unquiesce_queue(disk->queue);
	blk_mq_kick_requeue_list(disk->queue);
	del_gendisk(disk);
	put_disk(disk);
	blk_mq_free_tag_set(s->kept);
	kfree(s->kept);
	kfree(s);
}

/**
 * nooks_shadow_blk_let_go() - give back the disks the shadow does not keep
 * @d: the failed domain, after the takeover if there was one
 *
 * A disk held at the fault and not kept goes back to the failed driver's
 * gates, which now fail its requests (the release deletes it). A disk a
 * restarted driver had claimed before failing in turn is the shadow's
 * again (kept for the next restart, or deleted by resume).
 *
 * Context: process context (the recovery work), before the release.
 */
void nooks_shadow_blk_let_go(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_disk *s, *tmp;
	unsigned long flags;

	list_for_each_entry_safe(s, tmp, &sh->disks, node) {
		struct request_queue *q = s->disk->queue;

		switch (s->state) {
		case NOOKS_SHADOW_BLK_FAILED:
			spin_lock_irqsave(&sh->lock, flags);
			list_del(&s->node);
			spin_unlock_irqrestore(&sh->lock, flags);
			if (s->quiesced)
				blk_mq_unquiesce_queue(q);
			kfree(s->kept);
			kfree(s);
			break;
		case NOOKS_SHADOW_BLK_CLAIMED:
			nooks_objtrack_disown(&d->objects, NOOKS_OBJ_GENDISK,
					      s->disk);
			nooks_shadow_blk_unclaim_disk(s);
			fallthrough;
		case NOOKS_SHADOW_BLK_SET:
			nooks_objtrack_disown(&d->objects, NOOKS_OBJ_BLK_MQ,
					      s->set);
			nooks_shadow_blk_unclaim_set(s);
			nooks_shadow_blk_set_state(sh, s, NOOKS_SHADOW_BLK_KEPT);
			break;
		default:
			break;
		}
	}
}

/**
 * nooks_shadow_blk_resume() - the restart is over: give the disks back
 * @d: the domain, live again or not
 *
 * Each disk the restarted driver added gets its queue back: unquiesced,
 * the requeued requests dispatched to the new driver. A kept disk no
 * driver took is deleted.
 *
 * Context: process context (the recovery work), after the agent.
 */
void nooks_shadow_blk_resume(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_disk *s, *tmp;
	unsigned int waited;
	unsigned long flags;
	bool quiesced;

	nooks_shadow_blk_let_go(d);	/* claims never completed */
	list_for_each_entry_safe(s, tmp, &sh->disks, node) {
		switch (s->state) {
		case NOOKS_SHADOW_BLK_REGISTERED:
			spin_lock_irqsave(&sh->lock, flags);
			s->state = NOOKS_SHADOW_BLK_LIVE;
			quiesced = s->quiesced;
			s->quiesced = false;
			waited = s->waited;
			spin_unlock_irqrestore(&sh->lock, flags);
			kfree(s->kept);
			s->kept = NULL;
			if (quiesced)
				blk_mq_unquiesce_queue(s->disk->queue);
			blk_mq_kick_requeue_list(s->disk->queue);
			pr_info("domain %s: %s is its driver's again: %u requests requeued (%u the driver had taken, %u its gate turned away)\n",
				d->name, s->name, s->requeued + waited,
				s->requeued, waited);
			break;
		case NOOKS_SHADOW_BLK_KEPT:
			nooks_shadow_blk_delete(d, s);
			break;
		default:
			break;
		}
	}
}

/* --- claim --- */

/*
 * The record in @state whose set (or disk) is @p, claimed by this task
 * and, if @hand, not handed out yet; in any domain, with a reference on
 * it. Process context.
 */
static struct nooks_shadow_disk *
nooks_shadow_blk_claimed(const void *p, enum nooks_shadow_blk_state state,
			 bool hand, struct nooks_domain **dp)
{
	struct nooks_shadow_disk *s, *found = NULL;
	struct nooks_domain *d;
	unsigned long flags, n;

	for (n = 0; !found && (d = nooks_domain_nth(n)); n++) {
		spin_lock_irqsave(&d->shadow.lock, flags);
		list_for_each_entry(s, &d->shadow.disks, node) {
			if (s->state == state && s->claimer == current &&
			    (s->set == p || s->disk == p) &&
			    !(hand && s->handed)) {
				found = s;
				break;
			}
		}
		if (found && hand)
			found->handed = true;
		spin_unlock_irqrestore(&d->shadow.lock, flags);
		if (found)
			*dp = d;
		else
			nooks_domain_put(d);
	}
	return found;
}

/* Would blk_mq_alloc_tag_set make @set what @ks is? */
static bool nooks_shadow_blk_same_shape(const struct blk_mq_tag_set *set,
					const struct blk_mq_tag_set *ks)
{
	unsigned int nr_maps = set->nr_maps ? set->nr_maps : 1;
	unsigned int hwq = set->nr_hw_queues;

	if (nr_maps == 1)
		hwq = min(hwq, nr_cpu_ids);
	return set->ops && set->ops->queue_rq && !set->ops->init_request &&
	       nr_maps == ks->nr_maps && hwq == ks->nr_hw_queues &&
	       min_t(unsigned int, set->queue_depth, BLK_MQ_MAX_DEPTH) ==
	       ks->queue_depth && set->reserved_tags == ks->reserved_tags &&
	       set->cmd_size == ks->cmd_size && set->flags == ks->flags;
}

/*
 * The restarted driver's set takes what blk_mq_alloc_tag_set would have
 * built from the kept one: maps, tags and requests, the queue.
 */
static int nooks_shadow_blk_alloc_tag_set(struct blk_mq_tag_set *set)
{
	struct nooks_shadow_disk *s;
	struct blk_mq_tag_set *ks;
	struct nooks_domain *d;

	s = nooks_shadow_blk_claimed(set, NOOKS_SHADOW_BLK_SET, true, &d);
	if (!s)
		return -ENODEV;
	ks = s->kept;
	memcpy(set->map, ks->map, sizeof(set->map));
	set->nr_maps = ks->nr_maps;
	set->nr_hw_queues = ks->nr_hw_queues;
	set->queue_depth = ks->queue_depth;
	set->tags = ks->tags;
	nooks_shadow_blk_move_set(ks, set);
	nooks_domain_put(d);
	return 0;
}

/**
 * nooks_shadow_pre_blk_mq_alloc_tag_set() - pre= of blk_mq_alloc_tag_set
 * @f: the exit gate's frame: (set)
 *
 * A restarted driver's tag set of the shape of a kept one adopts it.
 */
void nooks_shadow_pre_blk_mq_alloc_tag_set(struct nooks_xpc_frame *f)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct blk_mq_tag_set *set = (void *)f->rdi;
	struct nooks_shadow_disk *s;
	unsigned long flags;

	if (!set)
		return;
	spin_lock_irqsave(&sh->lock, flags);
	list_for_each_entry(s, &sh->disks, node) {
		if (s->state == NOOKS_SHADOW_BLK_KEPT &&
		    nooks_shadow_blk_same_shape(set, s->kept)) {
			s->state = NOOKS_SHADOW_BLK_SET;
			s->set = set;
			s->claimer = current;
			s->handed = false;
			f->target = (unsigned long)nooks_shadow_blk_alloc_tag_set;
			break;
		}
	}
	spin_unlock_irqrestore(&sh->lock, flags);
}

/*
 * The kept disk of the restarted driver's set, made what a new one would
 * be to it: its queue's driver data, its hardware contexts initialised
 * by the new driver, the module references the new module's.
 */
static struct gendisk *nooks_shadow_blk_alloc_disk(struct blk_mq_tag_set *set,
						   void *queuedata,
						   struct lock_class_key *lkclass)
{
	struct blk_mq_hw_ctx *hctx;
	struct nooks_shadow_disk *s;
	struct request_queue *q;
	struct nooks_domain *d;
	unsigned long i, j;
	int ret;

	s = nooks_shadow_blk_claimed(set, NOOKS_SHADOW_BLK_CLAIMED, false, &d);
	if (!s)
		return ERR_PTR(-ENODEV);
	q = s->disk->queue;
	memset(&s->fops, 0, sizeof(s->fops));
	s->fops.owner = s->claim_mod;
	if (!nooks_shadow_blk_set_fops(s->disk, &s->fops)) {
		pr_warn("domain %s: %s is being closed with data to write back: not handed back\n",
			d->name, s->name);
		ret = -EBUSY;
		goto unclaim;
	}
	q->queuedata = queuedata;
	queue_for_each_hw_ctx(q, hctx, i) {
		if (!set->ops->init_hctx)
			break;
		ret = set->ops->init_hctx(hctx, set->driver_data, i);
		if (ret) {
			queue_for_each_hw_ctx(q, hctx, j) {
				if (j >= i)
					break;
				if (set->ops->exit_hctx)
					set->ops->exit_hctx(hctx, j);
			}
			q->queuedata = NULL;
			nooks_shadow_blk_unclaim_disk(s);
			goto unclaim;
		}
	}
	WRITE_ONCE(q->mq_ops, set->ops);
	pr_info("domain %s: the restarted driver gets %s back\n", d->name,
		s->name);
	nooks_domain_put(d);
	return s->disk;
unclaim:
	nooks_shadow_blk_set_state(&d->shadow, s, NOOKS_SHADOW_BLK_SET);
	nooks_domain_put(d);
	return ERR_PTR(ret);
}

/**
 * nooks_shadow_pre___blk_mq_alloc_disk() - pre= of __blk_mq_alloc_disk
 * @f: the exit gate's frame: (set, queuedata, lkclass)
 *
 * A disk on an adopted tag set is the kept one.
 */
void nooks_shadow_pre___blk_mq_alloc_disk(struct nooks_xpc_frame *f)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_disk *s;
	unsigned long flags;
	struct module *mod;

	spin_lock_irqsave(&f->domain->lock, flags);
	mod = f->domain->module;
	spin_unlock_irqrestore(&f->domain->lock, flags);
	spin_lock_irqsave(&sh->lock, flags);
	list_for_each_entry(s, &sh->disks, node) {
		if (s->state == NOOKS_SHADOW_BLK_SET &&
		    s->set == (void *)f->rdi && s->claimer == current) {
			s->state = NOOKS_SHADOW_BLK_CLAIMED;
			s->claim_mod = mod;
			f->target = (unsigned long)nooks_shadow_blk_alloc_disk;
			break;
		}
	}
	spin_unlock_irqrestore(&sh->lock, flags);
}

static int nooks_shadow_blk_add_disk(struct device *parent,
				     struct gendisk *disk,
				     const struct attribute_group **groups)
{
	struct nooks_shadow_disk *s;
	struct nooks_domain *d;

	s = nooks_shadow_blk_claimed(disk, NOOKS_SHADOW_BLK_CLAIMED, false,
				     &d);
	if (!s)
		return -ENODEV;
	if (disk->major != s->major || disk->first_minor != s->first_minor ||
	    disk->minors != s->minors)
		pr_info("domain %s: %s keeps its number %d:%d (the restarted driver asks %d:%d)\n",
			d->name, s->name, s->major, s->first_minor,
			disk->major, disk->first_minor);
	disk->major = s->major;
	disk->first_minor = s->first_minor;
	disk->minors = s->minors;
	strscpy(disk->disk_name, s->name, sizeof(disk->disk_name));
	if (groups)
		pr_warn("domain %s: %s: the restarted driver's sysfs attributes are not added\n",
			d->name, s->name);
	nooks_shadow_blk_set_state(&d->shadow, s,
				   NOOKS_SHADOW_BLK_REGISTERED);
	nooks_domain_put(d);
	return 0;
}

/**
 * nooks_shadow_pre_device_add_disk() - pre= of device_add_disk
 * @f: the exit gate's frame: (parent, disk, groups)
 *
 * A restarted driver adds the disk it was handed: it is added already.
 * Any other disk of a domain with policy shadow gets a record.
 *
 * Context: process context.
 */
void nooks_shadow_pre_device_add_disk(struct nooks_xpc_frame *f)
{
	struct nooks_domain *d = f->domain;
	struct nooks_shadow *sh = &d->shadow;
	struct gendisk *disk = (void *)f->rsi;
	struct nooks_shadow_disk *s;
	unsigned long flags;
	const char *why;

	if (!disk)
		return;
	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_blk_find(sh, disk);
	if (s && s->state == NOOKS_SHADOW_BLK_CLAIMED)
		f->target = (unsigned long)nooks_shadow_blk_add_disk;
	spin_unlock_irqrestore(&sh->lock, flags);
	if (s || !nooks_shadow_wanted(d))
		return;
	why = nooks_shadow_blk_unfit(d, disk, (void *)f->rdx);
	if (why) {
		pr_info("domain %s: %s is not shadowed (%s): a restart makes a new disk\n",
			d->name, disk->disk_name, why);
		return;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return;		/* not shadowed: a restart makes a new disk */
	s->disk = disk;
	s->state = NOOKS_SHADOW_BLK_LIVE;
	spin_lock_irqsave(&sh->lock, flags);
	list_add_tail(&s->node, &sh->disks);
	spin_unlock_irqrestore(&sh->lock, flags);
}

/*
 * The driver deletes (or, its add having failed, puts) a disk: a record
 * of its own goes. A disk deleted between a restart's add and resume
 * gets its queue back first, or the deletion would wait forever for the
 * requests held in it.
 */
static void nooks_shadow_blk_forget(struct nooks_xpc_frame *f)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_disk *s;
	unsigned long flags;
	bool quiesced = false;

	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_blk_find(sh, (void *)f->rdi);
	if (s && (s->state == NOOKS_SHADOW_BLK_LIVE ||
		  s->state == NOOKS_SHADOW_BLK_REGISTERED)) {
		list_del(&s->node);
		quiesced = s->quiesced;
	} else {
		s = NULL;
	}
	spin_unlock_irqrestore(&sh->lock, flags);
	if (!s)
		return;
	if (quiesced) {
		blk_mq_unquiesce_queue(s->disk->queue);
		blk_mq_kick_requeue_list(s->disk->queue);
	}
	kfree(s->kept);
	kfree(s);
}

/**
 * nooks_shadow_pre_del_gendisk() - pre= of del_gendisk
 * @f: the exit gate's frame: (disk)
 */
void nooks_shadow_pre_del_gendisk(struct nooks_xpc_frame *f)
{
	nooks_shadow_blk_forget(f);
}

static void nooks_shadow_blk_nop(void *p)
{
}

/**
 * nooks_shadow_pre_put_disk() - pre= of put_disk
 * @f: the exit gate's frame: (disk)
 *
 * A restarted driver whose probe fails puts the disk it was handed: the
 * shadow keeps it. A disk whose add failed loses its record.
 */
void nooks_shadow_pre_put_disk(struct nooks_xpc_frame *f)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_disk *s;
	unsigned long flags;
	bool claimed;

	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_blk_find(sh, (void *)f->rdi);
	claimed = s && s->state == NOOKS_SHADOW_BLK_CLAIMED;
	spin_unlock_irqrestore(&sh->lock, flags);
	if (!claimed) {
		nooks_shadow_blk_forget(f);
		return;
	}
	nooks_shadow_blk_unclaim_disk(s);
	nooks_shadow_blk_set_state(sh, s, NOOKS_SHADOW_BLK_SET);
	f->target = (unsigned long)nooks_shadow_blk_nop;
}

/**
 * nooks_shadow_pre_blk_mq_free_tag_set() - pre= of blk_mq_free_tag_set
 * @f: the exit gate's frame: (set)
 *
 * A restarted driver whose probe fails frees the tag set it adopted: the
 * shadow takes the tags back.
 */
void nooks_shadow_pre_blk_mq_free_tag_set(struct nooks_xpc_frame *f)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_disk *s, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&sh->lock, flags);
	list_for_each_entry(s, &sh->disks, node) {
		if (s->state == NOOKS_SHADOW_BLK_SET &&
		    s->set == (void *)f->rdi) {
			found = s;
			break;
		}
	}
	spin_unlock_irqrestore(&sh->lock, flags);
	if (!found)
		return;
	nooks_shadow_blk_unclaim_set(found);
	nooks_shadow_blk_set_state(sh, found, NOOKS_SHADOW_BLK_KEPT);
	f->target = (unsigned long)nooks_shadow_blk_nop;
}
