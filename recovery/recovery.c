// SPDX-License-Identifier: GPL-2.0
/*
 * The recovery manager. A contained fault fails the domain (every later
 * crossing into it returns its failure value, every thread in it unwinds
 * when it next crosses), masks the interrupt lines its driver holds and
 * detaches its shadowed network devices and quiesces its shadowed disks'
 * queues (recovery/shadow/). Then,
 * on the ordered recovery workqueue (never in the faulting context, one
 * domain at a time, flushed before nooks.ko goes away):
 *
 *  1. failed -> recovering;
 *  2. wait for the threads still inside the driver to leave (they are
 *     blocked in kernel calls and unwind on return), reporting every
 *     NOOKS_RECOVERY_REPORT_MS while they do not; still there after
 *     NOOKS_RECOVERY_UNBLOCK_MS, they may be waiting for I/O the failed
 *     driver will never complete (its init adding a disk whose first
 *     read it faulted on): the shadows let go of the disks they held
 *     and the requests the driver took end with an I/O error, as step
 *     3 would have done, and no disk is kept; after recover_wait_ms
 *     give up: the domain is stopped with what its driver held kept
 *     (freeing it under a thread that may still use it could crash the
 *     kernel), until the module is unloaded;
 *  3. end with an I/O error every block request the driver had taken
 *     and will never complete (or deleting its disk would wait for them
 *     forever; the block shadow requeued those of the disks it keeps),
 *     have its PCI devices stop asserting INTx and unmask the lines (a
 *     line may be shared), release every tracked object newest first
 *     with the function that releases it, counting per type; locks
 *     the unwound threads took are released already (wrappers/locks.c),
 *     those left are forgotten;
 *  4. decide whether to restart: policy always or shadow, and fewer
 *     than restart_limit restarts in the last minute; if so the shadow
 *     drivers take the devices they keep out of what step 3 releases
 *     (this runs before step 3), and give back the ones they held at
 *     the fault and do not keep (whatever the decision);
 *  5. run the recovery agent, `nooksctl recover DOMAIN` (the module
 *     parameter "agent"), as a usermode helper and wait for it: it
 *     unloads the failed module (whose exit gate no longer runs driver
 *     code) and, when a restart is due, loads the module again from the
 *     path and parameters nooksctl load recorded; the domain goes live
 *     when it binds;
 *  6. the shadow drivers replay their devices' configuration to the
 *     restarted driver and give them back, or unregister the ones no
 *     driver took; the domain is live (restarted) or stopped; tell
 *     userspace.
 *
 * Why a usermode helper rather than the monitor daemon: recovery then
 * needs nothing running beforehand (a driver loaded at boot recovers
 * too), the policy and its rate limit are the kernel's, and loading a
 * module needs the rewriting only nooksctl does.
 */
#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/blk-mq.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include <linux/umh.h>

#include "../core/domain.h"
#include "../core/events.h"
#include "recovery.h"

#define NOOKS_RECOVERY_REPORT_MS	5000
#define NOOKS_RECOVERY_UNBLOCK_MS	1000

static char *nooks_agent = "/usr/local/sbin/nooksctl";
module_param_named(agent, nooks_agent, charp, 0644);
MODULE_PARM_DESC(agent, "recovery agent run as 'AGENT recover DOMAIN' (empty: none)");

/* The KUnit suites look at failed domains as the fault left them. */
static bool nooks_recover = true;
module_param_named(recover, nooks_recover, bool, 0444);
MODULE_PARM_DESC(recover, "recover failed domains (0: leave them failed, for tests)");

static unsigned int nooks_recover_wait_ms = 30000;
module_param_named(recover_wait_ms, nooks_recover_wait_ms, uint, 0644);
MODULE_PARM_DESC(recover_wait_ms, "how long recovery waits for threads to leave a failed driver before it gives up (ms, 0: forever)");

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

static void nooks_recovery_mask_one(struct nooks_object *obj, void *arg)
{
	if (obj->flags & NOOKS_OBJF_MASKED)
		return;
	disable_irq_nosync(obj->values[0]);
	obj->flags |= NOOKS_OBJF_MASKED;
}

static void nooks_recovery_unmask_one(struct nooks_object *obj, void *arg)
{
	if (!(obj->flags & NOOKS_OBJF_MASKED))
		return;
	obj->flags &= ~NOOKS_OBJF_MASKED;
	enable_irq(obj->values[0]);
}

/**
 * nooks_recovery_mask_irqs() - mask every interrupt line the domain holds
 * @d: the failed domain
 *
 * Its handlers return their failure value (IRQ_NONE) from now on; a
 * level-triggered device would keep interrupting until it is released.
 *
 * Context: any context but NMI.
 */
void nooks_recovery_mask_irqs(struct nooks_domain *d)
{
	nooks_objtrack_visit_type(&d->objects, NOOKS_OBJ_IRQ,
				  nooks_recovery_mask_one, NULL);
}

#define NOOKS_RECOVERY_MAX_SETS	8

struct nooks_recovery_sets {
	struct blk_mq_tag_set *set[NOOKS_RECOVERY_MAX_SETS];
	unsigned int n;
};

static void nooks_recovery_collect_set(struct nooks_object *obj, void *arg)
{
	struct nooks_recovery_sets *sets = arg;

	if (sets->n < NOOKS_RECOVERY_MAX_SETS)
		sets->set[sets->n++] = (struct blk_mq_tag_set *)obj->key.addr;
}

static bool nooks_recovery_fail_rq(struct request *rq, void *arg)
{
	unsigned int *n = arg;

	blk_mq_end_request(rq, BLK_STS_IOERR);
	(*n)++;
	return true;
}

/* Step 3: requests started and never to be completed by the driver. */
static void nooks_recovery_fail_requests(struct nooks_domain *d)
{
	struct nooks_recovery_sets sets = { .n = 0 };
	unsigned int i, n = 0;

	nooks_objtrack_visit_type(&d->objects, NOOKS_OBJ_BLK_MQ,
				  nooks_recovery_collect_set, &sets);
	for (i = 0; i < sets.n; i++)
		blk_mq_tagset_busy_iter(sets.set[i], nooks_recovery_fail_rq, &n);
	if (n)
		pr_info("domain %s: %u requests it had taken ended with an I/O error\n",
			d->name, n);
}

/**
 * nooks_recovery_wait() - wait for the threads in a failed driver to leave
 * @d: the failed domain
 * @timeout_ms: how long to wait at most; 0: until they do
 *
 * They are blocked in kernel calls made by driver code, and unwind when
 * they return. A report every NOOKS_RECOVERY_REPORT_MS says how many are
 * still inside. After NOOKS_RECOVERY_UNBLOCK_MS the disks the shadow held
 * are let go and the requests the driver took fail: a thread may be
 * waiting for them (see the top of this file).
 *
 * Context: process context; sleeps.
 * Return: true when none is left inside, false after @timeout_ms.
 */
bool nooks_recovery_wait(struct nooks_domain *d, unsigned int timeout_ms)
{
	unsigned long start = jiffies, reported = jiffies;
	unsigned long inside;
	bool unblocked = false;

	while ((inside = nooks_domain_inside(d))) {
		if (!unblocked && time_after(jiffies, start +
			msecs_to_jiffies(NOOKS_RECOVERY_UNBLOCK_MS))) {
			pr_warn("domain %s: %lu threads still inside after %u ms: failing the I/O they may wait for\n",
				d->name, inside,
				jiffies_to_msecs(jiffies - start));
			nooks_shadow_let_go(d);
			nooks_recovery_fail_requests(d);
			unblocked = true;
		}
		if (timeout_ms && time_after(jiffies, start +
					     msecs_to_jiffies(timeout_ms))) {
			pr_err("domain %s: %lu threads still inside after %u ms: stopped, what its driver held is kept until the module is unloaded\n",
			       d->name, inside,
			       jiffies_to_msecs(jiffies - start));
			return false;
		}
		if (time_after(jiffies, reported +
			       msecs_to_jiffies(NOOKS_RECOVERY_REPORT_MS))) {
			pr_warn("domain %s: %lu threads still inside after %u ms: waiting for them to return from the kernel\n",
				d->name, inside,
				jiffies_to_msecs(jiffies - start));
			reported = jiffies;
		}
		msleep(20);
	}
	return true;
}
EXPORT_SYMBOL_NS_GPL(nooks_recovery_wait, NOOKS_INTERNAL);

/* Step 4: policy always or shadow, under the limit of restarts a minute. */
static bool nooks_recovery_restart_due(struct nooks_domain *d)
{
	unsigned int limit = READ_ONCE(d->restart_limit);
	unsigned long flags;
	u32 policy;

	spin_lock_irqsave(&d->lock, flags);
	policy = d->restart;
	spin_unlock_irqrestore(&d->lock, flags);
	if (policy == NOOKS_RESTART_NEVER)
		return false;
	if (time_after(jiffies, d->restart_window + 60 * HZ) ||
	    !d->restarts_in_window) {
		d->restart_window = jiffies;
		d->restarts_in_window = 0;
	}
	if (d->restarts_in_window >= limit) {
		pr_warn("domain %s: %u restarts in the last minute (restart_limit): stopped\n",
			d->name, d->restarts_in_window);
		return false;
	}
	d->restarts_in_window++;
	return true;
}

/* Is the failed module past its init (so the agent must unload it)? */
static bool nooks_recovery_module_live(struct nooks_domain *d)
{
	unsigned long flags;
	bool live;

	spin_lock_irqsave(&d->lock, flags);
	live = d->module && d->module->state == MODULE_STATE_LIVE;
	spin_unlock_irqrestore(&d->lock, flags);
	return live;
}

/* Step 5. Return: the agent's exit status, or a negative errno. */
static int nooks_recovery_agent(struct nooks_domain *d)
{
	char *argv[4], *envp[3];

	argv[0] = nooks_agent;
	argv[1] = "recover";
	argv[2] = d->name;
	argv[3] = NULL;
	envp[0] = "HOME=/";
	envp[1] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
	envp[2] = NULL;

	if (!nooks_agent || !nooks_agent[0])
		return -ENOENT;
	return call_usermodehelper(nooks_agent, argv, envp, UMH_WAIT_PROC);
}

static void nooks_recovery_stop_dma_one(struct nooks_object *obj, void *arg)
{
	pci_clear_master((struct pci_dev *)obj->key.addr);
}

#define NOOKS_RECOVERY_MAX_PCI	8

struct nooks_recovery_pcis {
	struct pci_dev *dev[NOOKS_RECOVERY_MAX_PCI];
	unsigned int n;
};

/*
 * A level-triggered device the failed driver left asserting its line (a
 * NIC with received packets pending) interrupts without end from the
 * moment its line is unmasked until the release frees the handler,
 * which meanwhile returns IRQ_NONE; on a shared line, or when the
 * storm starves the release on its CPU, the kernel's spurious-interrupt
 * detector disables the line ("irq N: nobody cared"). So its PCI
 * devices stop asserting INTx first. The restarted driver's
 * pci_enable_device() clears the bit again (do_pci_enable_device());
 * nooks_recovery_intx_restore() clears it on a device left enabled.
 */
static void nooks_recovery_intx_off_one(struct nooks_object *obj, void *arg)
{
	struct pci_dev *pdev = (struct pci_dev *)obj->key.addr;
	struct nooks_recovery_pcis *pcis = arg;

	if (pdev->msi_enabled || pdev->msix_enabled || !pdev->irq ||
	    pcis->n == NOOKS_RECOVERY_MAX_PCI)
		return;
	pci_intx(pdev, 0);
	pcis->dev[pcis->n++] = pci_dev_get(pdev);
}

static void nooks_recovery_intx_restore(struct nooks_recovery_pcis *pcis)
{
	unsigned int i;

	for (i = 0; i < pcis->n; i++) {
		if (pci_is_enabled(pcis->dev[i]))
			pci_intx(pcis->dev[i], 1);
		pci_dev_put(pcis->dev[i]);
	}
}

/*
 * A device that was bus master still holds the addresses of the
 * driver's descriptor rings: the restarted driver sets it master again
 * before it resets it (e1000's probe), and it writes descriptor status
 * into the old rings meanwhile, page tables of the next process to get
 * their pages included. They are kept until the domain goes.
 */
static void nooks_recovery_quarantine(struct nooks_domain *d)
{
	struct nooks_object *obj;
	unsigned int n;
	size_t bytes = 0;
	LIST_HEAD(taken);

	if (!nooks_objtrack_count(&d->objects, NOOKS_OBJ_PCI_MASTER))
		return;
	n = nooks_objtrack_take_type(&d->objects, NOOKS_OBJ_DMA_COHERENT,
				     &taken);
	if (!n)
		return;
	list_for_each_entry(obj, &taken, order)
		bytes += obj->size;
	list_splice_tail(&taken, &d->quarantine);
	pr_info("domain %s: %u coherent DMA buffers (%zu bytes) kept until the domain goes: its device may still write them\n",
		d->name, n, bytes);
}

/**
 * nooks_recovery_unquarantine() - release the DMA buffers recovery kept
 * @d: a domain going away
 *
 * Its device has been reset by a driver since (the restarted one, or
 * unloading it), or is gone.
 *
 * Context: process context.
 */
void nooks_recovery_unquarantine(struct nooks_domain *d)
{
	struct nooks_object *obj, *tmp;

	list_for_each_entry_safe(obj, tmp, &d->quarantine, order) {
		list_del(&obj->order);
		if (obj->release)
			obj->release(obj);
		nooks_objtrack_free(obj);
	}
}

/**
 * nooks_recovery_release() - release what a failed driver held
 * @d: the failed domain
 * @released: if not NULL, counts per type of what was released
 *
 * First its PCI devices stop bus mastering: a NIC goes on writing the
 * packets it receives into the rings the driver gave it, which the
 * release frees (e1000 under a ping stream corrupted the page tables of
 * the next process to get those pages); and as the restarted driver may
 * let it write again before resetting it, those coherent buffers are
 * kept until the domain goes; a net_device it corrupted is not freed
 * (recovery/corrupt.c). Then the block requests it took
 * and will never complete end with an I/O error, its PCI devices stop
 * asserting INTx and its interrupt lines are unmasked (a line may be
 * shared); then every object, newest first. The locks
 * the faulting code took, its unwinding thread released
 * (wrappers/locks.c); those left, the driver returned with, are only
 * forgotten: releasing them from here, for a thread that is gone, would
 * be wrong.
 *
 * The module notifier releases too when a failed init unloads the
 * module, maybe while the recovery work does: d->release_mutex makes
 * one of them release everything and the other nothing (del_gendisk
 * and put_disk of one disk in two threads at once: kernfs warnings).
 *
 * Context: process context, no thread left in the driver.
 */
void nooks_recovery_release(struct nooks_domain *d, unsigned long *released)
{
	struct nooks_recovery_pcis pcis = { .n = 0 };
	unsigned int locks, n;

	mutex_lock(&d->release_mutex);
	nooks_objtrack_visit_type(&d->objects, NOOKS_OBJ_PCI_MASTER,
				  nooks_recovery_stop_dma_one, NULL);
	nooks_recovery_quarantine(d);
	nooks_recovery_leak_corrupt(d);
	nooks_recovery_fail_requests(d);
	nooks_objtrack_visit_type(&d->objects, NOOKS_OBJ_PCI_ENABLED,
				  nooks_recovery_intx_off_one, &pcis);
	nooks_objtrack_visit_type(&d->objects, NOOKS_OBJ_IRQ,
				  nooks_recovery_unmask_one, NULL);

	locks = nooks_objtrack_forget_type(&d->objects, NOOKS_OBJ_LOCK);
	n = nooks_objtrack_release_counted(&d->objects, released);
	nooks_recovery_intx_restore(&pcis);
	if (n || locks)
		pr_info("domain %s: released %u objects its failed driver held%s\n",
			d->name, n, locks ? " (locks it returned with forgotten)" : "");
	mutex_unlock(&d->release_mutex);
}

/* Step 6: live again when the restart bound it, else stopped; tell. */
static void nooks_recovery_end(struct nooks_domain *d, bool restart)
{
	if (nooks_domain_state(d) == NOOKS_STATE_LIVE && restart) {
		d->recovery_result = NOOKS_RECOVERY_RESTARTED;
		nooks_domain_count(d, NOOKS_CNT_RECOVERIES);
	} else {
		d->recovery_result = NOOKS_RECOVERY_STOPPED;
		nooks_domain_stop_recovery(d);
	}
	d->recovery_ns = ktime_get_mono_fast_ns() - d->fault_ns;
	pr_info("domain %s: recovery %s in %llu ms\n", d->name,
		d->recovery_result == NOOKS_RECOVERY_RESTARTED ?
		"restarted the driver" : "stopped the domain",
		d->recovery_ns / NSEC_PER_MSEC);
	nooks_event(d, NOOKS_EVENT_RECOVERY_END);
}

/**
 * nooks_recovery_run() - recover a failed domain
 * @d: the domain, failed
 *
 * Context: the recovery workqueue.
 */
void nooks_recovery_run(struct nooks_domain *d)
{
	bool restart, live;
	int ret;

	if (!nooks_recover ||
	    nooks_domain_set_state(d, NOOKS_STATE_RECOVERING))
		return;		/* not failed: unloaded meanwhile */
	memset(d->released, 0, sizeof(d->released));
	nooks_event(d, NOOKS_EVENT_RECOVERY_START);

	if (!nooks_recovery_wait(d, READ_ONCE(nooks_recover_wait_ms))) {
		nooks_shadow_let_go(d);
		nooks_shadow_resume(d);
		nooks_recovery_end(d, false);
		return;
	}

	/*
	 * A module whose init faulted is on its way out already, and its
	 * load failed: nothing to unload, and no restart.
	 */
	live = nooks_recovery_module_live(d);
	restart = live && nooks_recovery_restart_due(d) &&
		  nooks_domain_expect_restart(d);
	if (restart)
		nooks_shadow_takeover(d);
	nooks_shadow_let_go(d);
	nooks_recovery_release(d, d->released);
	ret = live ? nooks_recovery_agent(d) : 0;
	if (ret)
		pr_err("domain %s: recovery agent '%s recover %s' failed (%d)%s\n",
		       d->name, nooks_agent, d->name, ret,
		       ret == -ENOENT ? ": set nooks.agent to nooksctl's path" : "");
	nooks_shadow_resume(d);
	nooks_recovery_end(d, restart);
}
