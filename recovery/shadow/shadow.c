// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow drivers: what recovery (recovery/recovery.c) and the domain's
 * reports call, for every class at once. The classes are net.c (the
 * same net_device across a recovery) and blk.c (the same gendisk and
 * request queue, the requests in flight requeued). A domain's records
 * of both kinds are on lists under one lock, so that the fault, taken
 * in any context, stops the kernel calling the failed driver for all of
 * its devices in one step.
 */
#include <linux/spinlock.h>

#include "../../core/domain.h"
#include "shadow.h"

/**
 * nooks_shadow_init() - a domain's shadow drivers, passive and empty
 * @sh: the domain's
 */
void nooks_shadow_init(struct nooks_shadow *sh)
{
	spin_lock_init(&sh->lock);
	INIT_LIST_HEAD(&sh->disks);
	nooks_shadow_net_init(sh);
}

/**
 * nooks_shadow_uninit() - forget every record
 * @sh: the domain's, which is going away
 */
void nooks_shadow_uninit(struct nooks_shadow *sh)
{
	nooks_shadow_net_uninit(sh);
	nooks_shadow_blk_uninit(sh);
}

/**
 * nooks_shadow_wanted() - does @d's restart policy ask for shadows?
 * @d: a domain
 *
 * Return: true with policy shadow: its devices get records as they are
 * registered.
 */
bool nooks_shadow_wanted(struct nooks_domain *d)
{
	unsigned long flags;
	bool wanted;

	spin_lock_irqsave(&d->lock, flags);
	wanted = d->restart == NOOKS_RESTART_SHADOW;
	spin_unlock_irqrestore(&d->lock, flags);
	return wanted;
}

/* Entries in the log; *restarting if a device is not its driver's. */
static unsigned int nooks_shadow_log(struct nooks_shadow *sh, bool *restarting)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&sh->lock, flags);
	*restarting = sh->active;
	n = nooks_shadow_net_log_locked(sh, restarting) +
	    nooks_shadow_blk_log_locked(sh, restarting);
	spin_unlock_irqrestore(&sh->lock, flags);
	return n;
}

/**
 * nooks_shadow_mode() - what sysfs "shadow" shows
 * @sh: a domain's shadow drivers
 *
 * Return: none without a device of a class with a shadow; else active
 * from a fault until every device is back in its driver's hands (a
 * network link included), passive otherwise.
 */
enum nooks_shadow_mode nooks_shadow_mode(struct nooks_shadow *sh)
{
	bool restarting;

	if (!nooks_shadow_log(sh, &restarting))
		return NOOKS_SHADOW_NONE;
	return restarting ? NOOKS_SHADOW_ACTIVE : NOOKS_SHADOW_PASSIVE;
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_mode, NOOKS_INTERNAL);

/**
 * nooks_shadow_log_size() - entries in the shadow's log
 * @sh: a domain's shadow drivers
 *
 * Return: one per device it shadows (its snapshot) and one per setting
 * it will replay (ethtool ring and coalescing parameters).
 */
unsigned int nooks_shadow_log_size(struct nooks_shadow *sh)
{
	bool restarting;

	return nooks_shadow_log(sh, &restarting);
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_log_size, NOOKS_INTERNAL);

/**
 * nooks_shadow_fail() - a fault: the kernel stops calling the driver
 * @d: the domain, failed this instant
 *
 * Network devices are detached (packets wait in their qdisc), block
 * queues quiesced (requests wait in the block layer, and those the
 * failed driver's gate turns away are requeued, not failed).
 *
 * Context: any context but NMI, fault handlers included.
 */
void nooks_shadow_fail(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	unsigned long flags;

	spin_lock_irqsave(&sh->lock, flags);
	sh->active = !list_empty(&sh->netdevs) || !list_empty(&sh->disks);
	nooks_shadow_net_fail_locked(sh);
	nooks_shadow_blk_fail_locked(sh);
	spin_unlock_irqrestore(&sh->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_fail, NOOKS_INTERNAL);

/**
 * nooks_shadow_takeover() - keep the failed driver's devices
 * @d: the failed domain, no thread left in its driver, a restart due
 *
 * Context: process context (the recovery work), before the release.
 * Return: how many devices the shadows keep.
 */
unsigned int nooks_shadow_takeover(struct nooks_domain *d)
{
	return nooks_shadow_net_takeover(d) + nooks_shadow_blk_takeover(d);
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_takeover, NOOKS_INTERNAL);

/**
 * nooks_shadow_let_go() - give back what the shadows do not keep
 * @d: the failed domain, after the takeover if there was one
 *
 * The devices the shadows held at the fault but do not keep go back to
 * the failed driver's gates, which fail their requests, so the release
 * can delete them.
 *
 * Context: process context (the recovery work), before the release.
 */
void nooks_shadow_let_go(struct nooks_domain *d)
{
	nooks_shadow_blk_let_go(d);
}

/**
 * nooks_shadow_resume() - the restart is over: give the devices back
 * @d: the domain, live again or not
 *
 * Context: process context (the recovery work), after the agent.
 */
void nooks_shadow_resume(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	unsigned long flags;

	nooks_shadow_net_resume(d);
	nooks_shadow_blk_resume(d);
	spin_lock_irqsave(&sh->lock, flags);
	sh->active = false;
	spin_unlock_irqrestore(&sh->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_resume, NOOKS_INTERNAL);
