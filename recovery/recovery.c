// SPDX-License-Identifier: GPL-2.0
/*
 * Recovery runs on its own ordered workqueue: never in the faulting
 * context (which may hold locks or have interrupts off), one domain at a
 * time, and flushed before nooks.ko goes away.
 */
#include <linux/errno.h>

#include "recovery.h"

static struct workqueue_struct *nooks_recovery_wq;

/**
 * nooks_recovery_init() - create the recovery workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int nooks_recovery_init(void)
{
	nooks_recovery_wq = alloc_ordered_workqueue("nooks_recovery",
						    WQ_MEM_RECLAIM);
	return nooks_recovery_wq ? 0 : -ENOMEM;
}

/**
 * nooks_recovery_uninit() - wait for queued recoveries, then destroy
 */
void nooks_recovery_uninit(void)
{
	destroy_workqueue(nooks_recovery_wq);
}

/**
 * nooks_recovery_queue() - run @work on the recovery workqueue
 * @work: the recovery of one domain
 *
 * Return: false if it was already queued.
 */
bool nooks_recovery_queue(struct work_struct *work)
{
	return queue_work(nooks_recovery_wq, work);
}
