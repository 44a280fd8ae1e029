// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow driver of the network class: the same net_device across a
 * recovery, so applications keep their interface, its index and its
 * addresses, and the packets they send during the restart wait in its
 * queue instead of failing.
 *
 * Passive. Each net_device a domain registers (restart policy shadow)
 * gets a record. The entry wrappers of its ethtool set_ringparam and
 * set_coalesce log what the kernel last set successfully; everything
 * else a restart must restore (up, MTU, MAC address, promiscuous and
 * allmulticast modes, the multicast list, wanted features, carrier) is
 * kept by the kernel in the net_device itself, which the shadow keeps.
 *
 * Active, after a fault (recovery/recovery.c calls these in order):
 *
 *  fail      at the fault, detach the device (not present, transmit
 *            queues stopped): the stack queues packets in the qdisc and
 *            calls no driver;
 *  takeover  once no thread is left in the driver and a restart is due:
 *            snapshot the configuration, point the device's callbacks at
 *            the shadow's (the module goes away), and take the
 *            net_device out of what recovery releases: it is not
 *            unregistered nor freed, but what the driver embedded in its
 *            private area (NAPI contexts, timers) still is; a device
 *            with no queue is deactivated until the replay;
 *  claim     the restarted driver's alloc_etherdev_mqs/alloc_netdev_mqs
 *            of the same private size and queue counts gets the kept
 *            device (in the order the failed driver registered them),
 *            its private area zeroed and the setup function run again;
 *            its register_netdev(ice) only runs ndo_init and restores
 *            the name (e1000 writes "eth%d" into it) and the features
 *            the kernel computes at registration;
 *  resume    after the restart: replay the configuration through the new
 *            driver (features, MTU, MAC address, ethtool ring and
 *            coalescing parameters, ndo_open if it was up, rx flags and
 *            mode, carrier) and attach the device, which wakes its
 *            queues; a kept device no driver claimed is unregistered.
 *
 * The carrier. A restarted NIC driver turns its carrier off in probe and
 * open and on when its link is back (e1000: autonegotiation, then its
 * 2 s watchdog). Seen by the kernel, carrier off deactivates the qdisc,
 * and every packet queued or sent meanwhile is dropped. So from the
 * claim until the link is back the shadow applies the driver's carrier
 * changes to the device silently (the bit the driver reads, no link
 * event), keeps the device detached after the replay while the driver
 * has no link, and attaches it when the driver turns its carrier on: the
 * packets held in the qdisc then go out. A driver that finds no link
 * within NOOKS_SHADOW_LINK_MS gets its device attached and its carrier
 * off made known.
 */
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/sch_generic.h>

#include "../../core/domain.h"
#include "../../domains/xpc.h"
#include "../../wrappers/entry.h"
#include "../../wrappers/wrap.h"
#include "../recovery.h"
#include "shadow.h"

enum nooks_shadow_net_state {
	NOOKS_SHADOW_NET_LIVE,		/* its driver runs: recording */
	NOOKS_SHADOW_NET_KEPT,		/* its driver failed: ours now */
	NOOKS_SHADOW_NET_CLAIMED,	/* the restarted driver allocated it */
	NOOKS_SHADOW_NET_REGISTERED,	/* ... and registered it: replay */
	NOOKS_SHADOW_NET_AWAITING,	/* replayed, detached until link */
};

/* How long a restarted driver may take to find its link. */
#define NOOKS_SHADOW_LINK_MS	10000

/* One net_device a domain registered; on nooks_shadow.netdevs. */
struct nooks_shadow_netdev {
	struct list_head node;		/* under nooks_shadow.lock */
	struct net_device *dev;		/* immutable */
	/* immutable: the transmit queues it was registered with */
	struct netdev_queue *tx;
	unsigned int num_tx;
	enum nooks_shadow_net_state state;	/* under nooks_shadow.lock */
	struct task_struct *claimer;	/* CLAIMED: who allocated it */
	bool reused;			/* CLAIMED: handed out */
	/*
	 * the snapshot is the device's: false from a takeover until a
	 * replay completes (a driver that fails again before then would
	 * leave the shadow a half-replayed device to snapshot)
	 */
	bool replayed;
	/*
	 * under rtnl: a noqueue device takeover deactivated, which the
	 * replay activates again (nooks_shadow_net_deactivate())
	 */
	bool deactivated;
	/*
	 * the receive queues takeover (under rtnl) or the claimer's
	 * free_netdev removed the failed module's sysfs group from
	 * (nooks_shadow_net_scrub()), which the restarted driver's group
	 * is added to when it registers
	 */
	unsigned int rx_groupless;

	/* the snapshot takeover makes; read by claim and resume */
	size_t sizeof_priv;
	unsigned int mtu;
	netdev_features_t wanted_features;
	bool carrier;
	unsigned char addr[MAX_ADDR_LEN];
	char name[IFNAMSIZ];

	/* the log: what the kernel set through ethtool; under lock */
	bool has_ring, has_coal;
	struct ethtool_ringparam ring;
	struct kernel_ethtool_ringparam kring;
	struct ethtool_coalesce coal;
	struct kernel_ethtool_coalesce kcoal;
};

/* What a kept device's callbacks are while no driver runs it. */
static netdev_tx_t nooks_shadow_net_xmit(struct sk_buff *skb,
					 struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops nooks_shadow_netdev_ops = {
	.ndo_start_xmit = nooks_shadow_net_xmit,
};

static const struct ethtool_ops nooks_shadow_ethtool_ops = {
	.get_link = ethtool_op_get_link,
};

static void nooks_shadow_set_state(struct nooks_shadow *sh,
				   struct nooks_shadow_netdev *s,
				   enum nooks_shadow_net_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&sh->lock, flags);
	s->state = state;
	spin_unlock_irqrestore(&sh->lock, flags);
}

/*
 * The link wait is over for every device still waiting: attached, and
 * the kernel told the carrier is off (the driver turns it on later).
 */
static void nooks_shadow_net_link_work(struct work_struct *work)
{
	struct nooks_shadow *sh = container_of(to_delayed_work(work),
					       struct nooks_shadow, link_work);
	struct nooks_shadow_netdev *s;

	rtnl_lock();
	list_for_each_entry(s, &sh->netdevs, node) {
		if (s->state != NOOKS_SHADOW_NET_AWAITING)
			continue;
		nooks_shadow_set_state(sh, s, NOOKS_SHADOW_NET_LIVE);
		pr_warn("%s: no link %u ms after the restart: attached without one\n",
			s->dev->name, NOOKS_SHADOW_LINK_MS);
		clear_bit(__LINK_STATE_NOCARRIER, &s->dev->state);
		netif_carrier_off(s->dev);
		netif_device_attach(s->dev);
	}
	rtnl_unlock();
}

/**
 * nooks_shadow_net_init() - no net_device shadowed yet
 * @sh: a domain's shadow drivers
 */
void nooks_shadow_net_init(struct nooks_shadow *sh)
{
	INIT_LIST_HEAD(&sh->netdevs);
	INIT_DELAYED_WORK(&sh->link_work, nooks_shadow_net_link_work);
}

/**
 * nooks_shadow_net_uninit() - forget every net_device record
 * @sh: the domain's, which is going away
 *
 * The devices are the kernel's (registered) or gone; recovery never ends
 * with a device kept.
 */
void nooks_shadow_net_uninit(struct nooks_shadow *sh)
{
	struct nooks_shadow_netdev *s, *tmp;

	cancel_delayed_work_sync(&sh->link_work);
	list_for_each_entry_safe(s, tmp, &sh->netdevs, node) {
		WARN_ON_ONCE(s->state != NOOKS_SHADOW_NET_LIVE &&
			     s->state != NOOKS_SHADOW_NET_AWAITING);
		list_del(&s->node);
		kfree(s);
	}
}

/**
 * nooks_shadow_net_log_locked() - the net_device part of the log
 * @sh: a domain's shadow drivers, its lock held
 * @restarting: set if a device is not back in its driver's hands
 *
 * Return: one entry per device (its snapshot) and one per ethtool
 * setting the shadow will replay.
 */
unsigned int nooks_shadow_net_log_locked(struct nooks_shadow *sh,
					 bool *restarting)
{
	struct nooks_shadow_netdev *s;
	unsigned int n = 0;

	list_for_each_entry(s, &sh->netdevs, node) {
		n += 1 + s->has_ring + s->has_coal;
		if (s->state != NOOKS_SHADOW_NET_LIVE)
			*restarting = true;
	}
	return n;
}

/* Caller holds sh->lock. */
static struct nooks_shadow_netdev *
nooks_shadow_net_find(struct nooks_shadow *sh, const struct net_device *dev)
{
	struct nooks_shadow_netdev *s;

	list_for_each_entry(s, &sh->netdevs, node)
		if (s->dev == dev)
			return s;
	return NULL;
}

/* --- passive --- */

/* The post hooks of set_ringparam and set_coalesce: log what worked. */
static void nooks_shadow_net_log(struct nooks_xpc_frame *f, bool ring)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_netdev *s;
	unsigned long flags;

	if ((int)f->rax || !f->rsi || !f->rdx)
		return;
	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_net_find(sh, (void *)f->rdi);
	if (s && ring) {
		memcpy(&s->ring, (void *)f->rsi, sizeof(s->ring));
		memcpy(&s->kring, (void *)f->rdx, sizeof(s->kring));
		s->has_ring = true;
	} else if (s) {
		memcpy(&s->coal, (void *)f->rsi, sizeof(s->coal));
		memcpy(&s->kcoal, (void *)f->rdx, sizeof(s->kcoal));
		s->has_coal = true;
	}
	spin_unlock_irqrestore(&sh->lock, flags);
}

static void nooks_shadow_net_ring_post(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_log(f, true);
}

static void nooks_shadow_net_coal_post(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_log(f, false);
}

static const struct nooks_wrapper nooks_shadow_net_ring = {
	.name = "set_ringparam",
	.post = nooks_shadow_net_ring_post,
};

static const struct nooks_wrapper nooks_shadow_net_coal = {
	.name = "set_coalesce",
	.post = nooks_shadow_net_coal_post,
};

/* Log what the ethtool callbacks of @d's device @dev set. */
static void nooks_shadow_net_attach(struct nooks_domain *d, struct net_device *dev)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;

	if (!ops)
		return;
	nooks_entry_wrap(d, ops->set_ringparam, &nooks_shadow_net_ring);
	nooks_entry_wrap(d, ops->set_coalesce, &nooks_shadow_net_coal);
}

/**
 * nooks_shadow_net_add() - @d's driver registered @dev: shadow it
 * @d: the domain
 * @dev: the net_device, being registered
 *
 * Only with the restart policy shadow. A device the shadow cannot
 * record is restarted as with policy always (a message says so).
 *
 * Context: process context, under rtnl (the register notifier).
 */
void nooks_shadow_net_add(struct nooks_domain *d, struct net_device *dev)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_netdev *s;
	unsigned long flags;

	if (!nooks_shadow_wanted(d))
		return;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		pr_warn("domain %s: out of memory: %s is not shadowed, a restart makes a new device\n",
			d->name, dev->name);
		return;
	}
	s->dev = dev;
	s->tx = dev->_tx;
	s->num_tx = dev->num_tx_queues;
	s->state = NOOKS_SHADOW_NET_LIVE;
	s->replayed = true;
	spin_lock_irqsave(&sh->lock, flags);
	list_add_tail(&s->node, &sh->netdevs);
	spin_unlock_irqrestore(&sh->lock, flags);
	nooks_shadow_net_attach(d, dev);
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_net_add, NOOKS_INTERNAL);

/**
 * nooks_shadow_net_del() - @dev is being unregistered: forget it
 * @d: a domain
 * @dev: the net_device
 *
 * Context: process context, under rtnl (the unregister notifier).
 */
void nooks_shadow_net_del(struct nooks_domain *d, struct net_device *dev)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_netdev *s;
	unsigned long flags;

	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_net_find(sh, dev);
	if (s)
		list_del(&s->node);
	spin_unlock_irqrestore(&sh->lock, flags);
	kfree(s);
}
EXPORT_SYMBOL_NS_GPL(nooks_shadow_net_del, NOOKS_INTERNAL);

/* --- active --- */

/*
 * Are @s's transmit queues the ones it was registered with? The driver
 * may write its net_device: the kernel would set bits across whatever
 * queue array and count it found there.
 */
static bool nooks_shadow_net_intact(const struct nooks_shadow_netdev *s)
{
	return READ_ONCE(s->dev->_tx) == s->tx &&
	       READ_ONCE(s->dev->num_tx_queues) == s->num_tx;
}

/*
 * Stop handing @dev's driver packets: its transmit queues stopped, the
 * packets wait in the qdisc. A device with no queue (noqueue: dummy)
 * would turn stopped queues into -ENETDOWN for the sender; its packets
 * go on to the failed driver's gate, or the shadow's transmit, which
 * drop them as a lossy link would.
 */
static void nooks_shadow_net_hold(const struct nooks_shadow_netdev *s)
{
	struct net_device *dev = s->dev;
	struct Qdisc *q;
	bool queue;

	/* corrupted: left to the failed gate, which drops, and to recovery */
	if (!nooks_shadow_net_intact(s))
		return;
	rcu_read_lock();
	q = rcu_dereference(netdev_get_tx_queue(dev, 0)->qdisc);
	queue = q && q->enqueue;
	rcu_read_unlock();
	if (queue)
		netif_device_detach(dev);
	else
		clear_bit(__LINK_STATE_PRESENT, &dev->state);
}

/*
 * A device with no queue (noqueue: dummy) is sent to directly, and each
 * sender reads its flags and features (__dev_queue_xmit: IFF_UP, then
 * NETIF_F_LLTX once to take the queue's lock and once to drop it). The
 * claim rewrites both while the setup function runs again: a sender then
 * got -ENOMEM (not up and no queue), or dropped a lock it never took
 * (LLTX when it locked, not when it unlocked), which left its preemption
 * count at -1. Deactivated as the kernel deactivates a device going down
 * (its queues on noop_qdisc, which drops what it is given and tells the
 * sender nothing), no sender reaches the device until the replay
 * activates it again. Under rtnl; sleeps (dev_deactivate() waits for the
 * senders under way).
 */
static void nooks_shadow_net_deactivate(struct nooks_shadow_netdev *s)
{
	struct net_device *dev = s->dev;
	struct Qdisc *q;

	q = rtnl_dereference(netdev_get_tx_queue(dev, 0)->qdisc);
	if (!(dev->flags & IFF_UP) || !q || q->enqueue)
		return;
	dev_deactivate(dev);
	s->deactivated = true;
}

/*
 * The device takeover deactivated gets its queue back, as an open does
 * (dev_activate(): only with a carrier; without one, the carrier on
 * activates it). Under rtnl.
 */
static void nooks_shadow_net_activate(struct nooks_shadow_netdev *s)
{
	if (!s->deactivated)
		return;
	s->deactivated = false;
	if (s->dev->flags & IFF_UP)
		dev_activate(s->dev);
}

/**
 * nooks_shadow_net_fail_locked() - a fault: the stack stops calling the
 *	driver
 * @sh: the failed domain's shadow drivers, its lock held
 *
 * Its devices are detached: not present, their transmit queues stopped,
 * so packets wait in the qdisc instead of reaching a driver that can
 * only drop them (see nooks_shadow_net_hold()).
 *
 * Context: any context but NMI, fault handlers included.
 */
void nooks_shadow_net_fail_locked(struct nooks_shadow *sh)
{
	struct nooks_shadow_netdev *s;

	list_for_each_entry(s, &sh->netdevs, node) {
		if (s->state == NOOKS_SHADOW_NET_AWAITING)
			s->state = NOOKS_SHADOW_NET_LIVE;
		if (s->state == NOOKS_SHADOW_NET_LIVE)
			nooks_shadow_net_hold(s);
	}
}

static bool nooks_shadow_net_modules(const void *p, struct module *mod)
{
	return p && mod && within_module((unsigned long)p, mod);
}

/*
 * Point every callback of @dev that is the failed module's elsewhere.
 * The module's sysfs group on each receive queue (virtio_net's) goes
 * too: its files call the module, and the kernel would read the group
 * when it unregisters the device, after the module is gone. From
 * takeover, under rtnl, and the claimer's free_netdev of a device it
 * was handed.
 */
static void nooks_shadow_net_scrub(struct nooks_shadow_netdev *s,
				   struct module *mod)
{
	struct net_device *dev = s->dev;
	unsigned int i;

	if (nooks_shadow_net_modules(dev->sysfs_rx_queue_group, mod)) {
		/* (given back unregistered: only added queues have it) */
		for (i = s->rx_groupless; i < dev->real_num_rx_queues; i++)
			sysfs_remove_group(&dev->_rx[i].kobj,
					   dev->sysfs_rx_queue_group);
		dev->sysfs_rx_queue_group = NULL;
		s->rx_groupless = dev->real_num_rx_queues;
	}
	dev->netdev_ops = &nooks_shadow_netdev_ops;
	dev->ethtool_ops = &nooks_shadow_ethtool_ops;
	if (nooks_shadow_net_modules(dev->header_ops, mod))
		dev->header_ops = NULL;
	/* or the module's rtnl_link_unregister would delete the device */
	if (nooks_shadow_net_modules(dev->rtnl_link_ops, mod))
		dev->rtnl_link_ops = NULL;
	if (nooks_shadow_net_modules(dev->priv_destructor, mod))
		dev->priv_destructor = NULL;
	if (nooks_shadow_net_modules(dev->dev.type, mod))
		dev->dev.type = NULL;
}

/* Record what the kernel configured on @s's device. Under rtnl. */
static void nooks_shadow_net_snapshot(struct nooks_shadow_netdev *s,
				      size_t size)
{
	struct net_device *dev = s->dev;
	size_t head = ALIGN(sizeof(struct net_device), NETDEV_ALIGN);

	s->sizeof_priv = size > head ? size - head : 0;
	s->mtu = dev->mtu;
	s->wanted_features = dev->wanted_features;
	s->carrier = netif_carrier_ok(dev);
	memcpy(s->addr, dev->dev_addr, min_t(size_t, dev->addr_len,
					     sizeof(s->addr)));
	strscpy(s->name, dev->name, sizeof(s->name));
}

/**
 * nooks_shadow_net_takeover() - keep the failed driver's net_devices
 * @d: the failed domain, no thread left in its driver, a restart due
 *
 * Each device the driver allocated and registered itself is
 * snapshotted, its callbacks pointed at the shadow's, and taken out of
 * what recovery releases. A device the kernel allocated (ip link add)
 * is released as before, and so is one the driver corrupted
 * (nooks_recovery_netdev_sane()), which recovery then leaks.
 *
 * Context: process context (the recovery work), before the release.
 * Return: how many devices it keeps.
 */
unsigned int nooks_shadow_net_takeover(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_netdev *s;
	struct module *mod;
	unsigned long flags;
	unsigned int n = 0;
	size_t size;

	spin_lock_irqsave(&d->lock, flags);
	mod = d->module;	/* unloaded by the agent, after this */
	spin_unlock_irqrestore(&d->lock, flags);

	rtnl_lock();
	list_for_each_entry(s, &sh->netdevs, node) {
		if (s->state != NOOKS_SHADOW_NET_LIVE)
			continue;
		size = nooks_objtrack_size(&d->objects, NOOKS_OBJ_NETDEV,
					   s->dev);
		if (!size || !nooks_objtrack_holds(&d->objects,
						   NOOKS_OBJ_NETDEV_REGISTERED,
						   s->dev))
			continue;
		/* what its driver corrupted is not handed to the next one */
		if (!nooks_shadow_net_intact(s) ||
		    !nooks_recovery_netdev_sane(s->dev)) {
			pr_warn("domain %s: %s (ifindex %d) corrupted by its driver: not kept, the restarted driver gets a new device\n",
				d->name, s->dev->name, s->dev->ifindex);
			continue;
		}
		if (s->replayed)
			nooks_shadow_net_snapshot(s, size);
		s->replayed = false;
		nooks_shadow_net_hold(s);
		nooks_shadow_net_deactivate(s);
		nooks_shadow_net_scrub(s, mod);
		nooks_objtrack_disown(&d->objects, NOOKS_OBJ_NETDEV_REGISTERED,
				      s->dev);
		nooks_objtrack_disown(&d->objects, NOOKS_OBJ_NETDEV, s->dev);
		nooks_shadow_set_state(sh, s, NOOKS_SHADOW_NET_KEPT);
		pr_info("domain %s: shadow keeps %s (ifindex %d) for the restarted driver\n",
			d->name, s->dev->name, s->dev->ifindex);
		n++;
	}
	rtnl_unlock();
	/* no CPU still in a callback of the module's it read before */
	synchronize_net();
	return n;
}

/*
 * The record in state @state of @dev (if NULL: the one this task
 * claimed and was not handed yet), in any domain; with a reference on
 * its domain. Process context.
 */
static struct nooks_shadow_netdev *
nooks_shadow_net_claimed(const struct net_device *dev,
			 enum nooks_shadow_net_state state,
			 struct nooks_domain **dp)
{
	struct nooks_shadow_netdev *s, *found = NULL;
	struct nooks_domain *d;
	unsigned long flags, n;

	for (n = 0; !found && (d = nooks_domain_nth(n)); n++) {
		spin_lock_irqsave(&d->shadow.lock, flags);
		list_for_each_entry(s, &d->shadow.netdevs, node) {
			if (s->state == state && (dev ? s->dev == dev :
			    s->claimer == current && !s->reused)) {
				found = s;
				break;
			}
		}
		if (found && !dev)
			found->reused = true;
		spin_unlock_irqrestore(&d->shadow.lock, flags);
		if (found)
			*dp = d;
		else
			nooks_domain_put(d);
	}
	return found;
}

/*
 * Byte queue limits as a fresh device has them. The failed driver's
 * packets in flight never complete: counted against the restarted
 * driver's, they would keep its queue stopped once they exceed the
 * limit, for the kernel's transmit watchdog to find seconds later.
 */
static void nooks_shadow_net_reset_queues(struct net_device *dev)
{
	struct netdev_queue *txq;
	unsigned int i;

	for (i = 0; i < dev->num_tx_queues; i++) {
		txq = netdev_get_tx_queue(dev, i);
		__netif_tx_lock_bh(txq);
		netdev_tx_reset_queue(txq);
		__netif_tx_unlock_bh(txq);
	}
}

/*
 * The kept device, made what a fresh allocation would give the driver:
 * its private area zeroed, its features cleared, its byte queue limits
 * reset, the setup function run again; what the kernel owns of it
 * (flags, queue length) kept.
 */
static struct net_device *
nooks_shadow_net_reuse(void (*setup)(struct net_device *))
{
	struct nooks_shadow_netdev *s;
	unsigned int dflags, priv_flags, qlen;
	struct nooks_domain *d;
	struct net_device *dev;

	s = nooks_shadow_net_claimed(NULL, NOOKS_SHADOW_NET_CLAIMED, &d);
	if (!s)
		return NULL;
	dev = s->dev;
	dflags = dev->flags;
	priv_flags = dev->priv_flags;
	qlen = dev->tx_queue_len;
	memset(netdev_priv(dev), 0, s->sizeof_priv);
	nooks_shadow_net_reset_queues(dev);
	/*
	 * but LLTX: a qdisc's sender (sch_direct_xmit) between its queue's
	 * lock and unlock reads it twice
	 */
	dev->features &= NETIF_F_LLTX;
	dev->hw_features = 0;
	dev->wanted_features = 0;
	dev->vlan_features = 0;
	dev->hw_enc_features = 0;
	dev->mpls_features = 0;
	if (setup)
		setup(dev);
	dev->flags = dflags;
	dev->priv_flags = priv_flags;
	dev->tx_queue_len = qlen;
	pr_info("domain %s: the restarted driver gets %s (ifindex %d) back\n",
		d->name, s->name, dev->ifindex);
	nooks_domain_put(d);
	return dev;
}

static struct net_device *
nooks_shadow_net_alloc_etherdev(int sizeof_priv, unsigned int txqs,
				unsigned int rxqs)
{
	return nooks_shadow_net_reuse(ether_setup);
}

static struct net_device *
nooks_shadow_net_alloc_netdev(int sizeof_priv, const char *name,
			      unsigned char name_assign_type,
			      void (*setup)(struct net_device *),
			      unsigned int txqs, unsigned int rxqs)
{
	return nooks_shadow_net_reuse(setup);
}

/* A kept device for an allocation of this size by @f's driver? */
static bool nooks_shadow_net_claim(struct nooks_xpc_frame *f, int sizeof_priv,
				   unsigned int txqs, unsigned int rxqs)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_netdev *s;
	unsigned long flags;
	bool found = false;

	if (sizeof_priv < 0)
		return false;
	spin_lock_irqsave(&sh->lock, flags);
	list_for_each_entry(s, &sh->netdevs, node) {
		if (s->state == NOOKS_SHADOW_NET_KEPT &&
		    s->sizeof_priv == sizeof_priv &&
		    s->dev->num_tx_queues == txqs &&
		    s->dev->num_rx_queues == rxqs) {
			s->state = NOOKS_SHADOW_NET_CLAIMED;
			s->claimer = current;
			s->reused = false;
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&sh->lock, flags);
	return found;
}

/**
 * nooks_shadow_pre_alloc_etherdev_mqs() - pre= of alloc_etherdev_mqs
 * @f: the exit gate's frame: (sizeof_priv, txqs, rxqs)
 */
void nooks_shadow_pre_alloc_etherdev_mqs(struct nooks_xpc_frame *f)
{
	if (nooks_shadow_net_claim(f, (int)f->rdi, f->rsi, f->rdx))
		f->target = (unsigned long)nooks_shadow_net_alloc_etherdev;
}

/**
 * nooks_shadow_pre_alloc_netdev_mqs() - pre= of alloc_netdev_mqs
 * @f: the exit gate's frame: (sizeof_priv, name, name_assign_type,
 *	setup, txqs, rxqs)
 */
void nooks_shadow_pre_alloc_netdev_mqs(struct nooks_xpc_frame *f)
{
	if (nooks_shadow_net_claim(f, (int)f->rdi, f->r8, f->r9))
		f->target = (unsigned long)nooks_shadow_net_alloc_netdev;
}

/*
 * What register_netdevice does to a new device that the kept one still
 * needs: the driver's ndo_init, the name it had, the features the
 * kernel adds and those the user wanted.
 */
static int nooks_shadow_net_register(struct net_device *dev)
{
	struct nooks_shadow_netdev *s;
	struct nooks_domain *d;
	unsigned int i, n;
	int ret = 0;

	s = nooks_shadow_net_claimed(dev, NOOKS_SHADOW_NET_CLAIMED, &d);
	if (!s)
		return -ENODEV;
	if (dev->netdev_ops && dev->netdev_ops->ndo_init)
		ret = dev->netdev_ops->ndo_init(dev);
	if (ret) {
		nooks_domain_put(d);
		return ret;
	}
	strscpy(dev->name, s->name, sizeof(dev->name));
	/* queues added since have the group already */
	n = min(s->rx_groupless, dev->real_num_rx_queues);
	for (i = 0; dev->sysfs_rx_queue_group && i < n; i++)
		if (sysfs_create_group(&dev->_rx[i].kobj,
				       dev->sysfs_rx_queue_group))
			netdev_warn(dev, "nooks: no sysfs group on rx queue %u\n",
				    i);
	s->rx_groupless = 0;
	dev->hw_features |= NETIF_F_SOFT_FEATURES | NETIF_F_SOFT_FEATURES_OFF;
	dev->features |= NETIF_F_SOFT_FEATURES;
	if (!(dev->flags & IFF_LOOPBACK))
		dev->hw_features |= NETIF_F_NOCACHE_COPY;
	dev->vlan_features |= NETIF_F_HIGHDMA;
	dev->hw_enc_features |= NETIF_F_SG | NETIF_F_GSO_PARTIAL;
	dev->mpls_features |= NETIF_F_SG;
	dev->wanted_features = s->wanted_features;
	nooks_shadow_set_state(&d->shadow, s, NOOKS_SHADOW_NET_REGISTERED);
	/* what the register notifier does for a new device */
	nooks_entry_attach(d, dev);
	nooks_shadow_net_attach(d, dev);
	nooks_domain_put(d);
	return 0;
}

/*
 * pre= hooks that find @dev in @f's domain in one of the states of
 * @mask (bits of enum nooks_shadow_net_state) and, if so, redirect the
 * call to @fn. Return: the state found, or -1.
 */
static int nooks_shadow_net_redirect(struct nooks_xpc_frame *f,
				     unsigned int mask, void *fn)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct nooks_shadow_netdev *s;
	unsigned long flags;
	int state = -1;

	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_net_find(sh, (void *)f->rdi);
	if (s && (mask & BIT(s->state))) {
		state = s->state;
		f->target = (unsigned long)fn;
	}
	spin_unlock_irqrestore(&sh->lock, flags);
	return state;
}

/**
 * nooks_shadow_pre_register_netdev() - pre= of register_netdev(ice)
 * @f: the exit gate's frame: (dev)
 */
void nooks_shadow_pre_register_netdev(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_redirect(f, BIT(NOOKS_SHADOW_NET_CLAIMED),
				  nooks_shadow_net_register);
}

/* The restarted driver gives a claimed device back: kept again. */
static void nooks_shadow_net_unclaim(struct net_device *dev)
{
	struct nooks_shadow_netdev *s;
	struct nooks_domain *d;
	unsigned long flags;
	struct module *mod;

	s = nooks_shadow_net_claimed(dev, NOOKS_SHADOW_NET_CLAIMED, &d);
	if (!s)
		return;
	spin_lock_irqsave(&d->lock, flags);
	mod = d->module;
	spin_unlock_irqrestore(&d->lock, flags);
	nooks_shadow_net_scrub(s, mod);
	nooks_shadow_set_state(&d->shadow, s, NOOKS_SHADOW_NET_KEPT);
	nooks_domain_put(d);
}

/**
 * nooks_shadow_net_is_claimed() - a restarted driver holds a kept device
 * @d: the domain
 * @dev: the device
 *
 * Its free_netdev gives the device back (nooks_shadow_pre_free_netdev()),
 * registered as it is.
 *
 * Return: true if @dev is a device the shadow keeps, claimed.
 */
bool nooks_shadow_net_is_claimed(struct nooks_domain *d,
				 const struct net_device *dev)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_netdev *s;
	unsigned long flags;
	bool claimed;

	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_net_find(sh, dev);
	claimed = s && s->state == NOOKS_SHADOW_NET_CLAIMED;
	spin_unlock_irqrestore(&sh->lock, flags);
	return claimed;
}

/**
 * nooks_shadow_pre_free_netdev() - pre= of free_netdev
 * @f: the exit gate's frame: (dev)
 *
 * A restarted driver whose probe fails frees the device it was handed:
 * the shadow keeps it (resume unregisters it if nothing claims it).
 */
void nooks_shadow_pre_free_netdev(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_redirect(f, BIT(NOOKS_SHADOW_NET_CLAIMED),
				  nooks_shadow_net_unclaim);
}

static void nooks_shadow_net_nop(struct net_device *dev)
{
}

#define NOOKS_SHADOW_NET_RESTARTING (BIT(NOOKS_SHADOW_NET_CLAIMED) | \
				     BIT(NOOKS_SHADOW_NET_REGISTERED) | \
				     BIT(NOOKS_SHADOW_NET_AWAITING))

/**
 * nooks_shadow_pre_netif_carrier_off() - pre= of netif_carrier_off
 * @f: the exit gate's frame: (dev)
 *
 * A restarting driver's carrier off is the driver's alone (see above).
 *
 * Context: any.
 */
void nooks_shadow_pre_netif_carrier_off(struct nooks_xpc_frame *f)
{
	if (nooks_shadow_net_redirect(f, NOOKS_SHADOW_NET_RESTARTING,
				      nooks_shadow_net_nop) >= 0)
		set_bit(__LINK_STATE_NOCARRIER,
			&((struct net_device *)f->rdi)->state);
}

/*
 * A device the shadow hands a restarted driver is registered already,
 * and the kernel asserts rtnl when a registered device's queue counts
 * change: the restarted driver's probe (virtio_net's, before its
 * register_netdev) sets them without it. Until the driver registers
 * the device, the shadow takes rtnl around these.
 */
static int nooks_shadow_net_set_tx(struct net_device *dev, unsigned int txq)
{
	int ret;

	rtnl_lock();
	ret = netif_set_real_num_tx_queues(dev, txq);
	rtnl_unlock();
	return ret;
}

static int nooks_shadow_net_set_rx(struct net_device *dev, unsigned int rxq)
{
	int ret;

	rtnl_lock();
	ret = netif_set_real_num_rx_queues(dev, rxq);
	rtnl_unlock();
	return ret;
}

static int nooks_shadow_net_set_queues(struct net_device *dev,
				       unsigned int txq, unsigned int rxq)
{
	int ret;

	rtnl_lock();
	ret = netif_set_real_num_queues(dev, txq, rxq);
	rtnl_unlock();
	return ret;
}

/**
 * nooks_shadow_pre_netif_set_real_num_tx_queues() - its pre=
 * @f: the exit gate's frame: (dev, txq)
 *
 * Context: process context (a driver's probe, on a claimed device).
 */
void nooks_shadow_pre_netif_set_real_num_tx_queues(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_redirect(f, BIT(NOOKS_SHADOW_NET_CLAIMED),
				  nooks_shadow_net_set_tx);
}

/**
 * nooks_shadow_pre_netif_set_real_num_rx_queues() - its pre=
 * @f: the exit gate's frame: (dev, rxq)
 *
 * Context: process context (a driver's probe, on a claimed device).
 */
void nooks_shadow_pre_netif_set_real_num_rx_queues(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_redirect(f, BIT(NOOKS_SHADOW_NET_CLAIMED),
				  nooks_shadow_net_set_rx);
}

/**
 * nooks_shadow_pre_netif_set_real_num_queues() - its pre=
 * @f: the exit gate's frame: (dev, txq, rxq)
 *
 * Context: process context (a driver's probe, on a claimed device).
 */
void nooks_shadow_pre_netif_set_real_num_queues(struct nooks_xpc_frame *f)
{
	nooks_shadow_net_redirect(f, BIT(NOOKS_SHADOW_NET_CLAIMED),
				  nooks_shadow_net_set_queues);
}

/**
 * nooks_shadow_pre_netif_carrier_on() - pre= of netif_carrier_on
 * @f: the exit gate's frame: (dev)
 *
 * A restarting driver has its link again: silently, as the kernel never
 * saw it go; a device held for its link is attached.
 *
 * Context: any.
 */
void nooks_shadow_pre_netif_carrier_on(struct nooks_xpc_frame *f)
{
	struct nooks_shadow *sh = &f->domain->shadow;
	struct net_device *dev = (void *)f->rdi;
	struct nooks_shadow_netdev *s;
	unsigned long flags;
	bool attach = false;

	spin_lock_irqsave(&sh->lock, flags);
	s = nooks_shadow_net_find(sh, dev);
	if (s && (NOOKS_SHADOW_NET_RESTARTING & BIT(s->state))) {
		f->target = (unsigned long)nooks_shadow_net_nop;
		clear_bit(__LINK_STATE_NOCARRIER, &dev->state);
		if (s->state == NOOKS_SHADOW_NET_AWAITING) {
			s->state = NOOKS_SHADOW_NET_LIVE;
			attach = true;
		}
	}
	spin_unlock_irqrestore(&sh->lock, flags);
	if (attach)
		netif_device_attach(dev);
}

/*
 * Replay the configuration of @s's device through the restarted driver.
 * Under rtnl. The settings go in as to a device that is down (not
 * running: the driver only records them, as before an open; an e1000
 * told of a new MTU while "running" but not open would wait forever in
 * napi_disable), then the open, then what the driver reads only once
 * open (rx flags and mode, carrier). The device is marked present for
 * the replay (dev_set_mtu and dev_set_mac_address refuse an absent one)
 * with its queues still stopped: nothing goes out before the driver is
 * open. Return: true when the device waits for its driver's link.
 */
static bool nooks_shadow_net_replay(struct nooks_domain *d,
				    struct nooks_shadow_netdev *s)
{
	struct net_device *dev = s->dev;
	const struct net_device_ops *ops = dev->netdev_ops;
	const struct ethtool_ops *eops = dev->ethtool_ops;
	bool up = dev->flags & IFF_UP;
	struct sockaddr_storage ss;
	bool ok = true;
	int ret;

	set_bit(__LINK_STATE_PRESENT, &dev->state);
	clear_bit(__LINK_STATE_START, &dev->state);
	netdev_update_features(dev);
	if (dev->mtu != s->mtu) {
		ret = dev_set_mtu(dev, s->mtu);
		ok &= !ret;
		if (ret)
			pr_warn("domain %s: %s: the restarted driver refuses MTU %u (%d)\n",
				d->name, dev->name, s->mtu, ret);
	}
	if (dev->addr_len && memcmp(dev->dev_addr, s->addr, dev->addr_len)) {
		ss.ss_family = dev->type;
		memcpy(ss.__data, s->addr, dev->addr_len);
		ret = dev_set_mac_address(dev, (struct sockaddr *)&ss, NULL);
		if (ret == -EOPNOTSUPP)
			dev_addr_mod(dev, 0, s->addr, dev->addr_len);
		else
			ok &= !ret;
		if (ret && ret != -EOPNOTSUPP)
			pr_warn("domain %s: %s: the restarted driver refuses its address (%d)\n",
				d->name, dev->name, ret);
	}
	if (s->has_ring && eops && eops->set_ringparam) {
		ret = eops->set_ringparam(dev, &s->ring, &s->kring, NULL);
		ok &= !ret;
		if (ret)
			pr_warn("domain %s: %s: ring parameters not replayed (%d)\n",
				d->name, dev->name, ret);
	}
	if (s->has_coal && eops && eops->set_coalesce) {
		ret = eops->set_coalesce(dev, &s->coal, &s->kcoal, NULL);
		ok &= !ret;
		if (ret)
			pr_warn("domain %s: %s: coalescing parameters not replayed (%d)\n",
				d->name, dev->name, ret);
	}
	if (up) {
		set_bit(__LINK_STATE_START, &dev->state);
		ret = ops->ndo_open ? ops->ndo_open(dev) : 0;
		if (ret) {
			/* up without a driver: left detached, for ip link down */
			clear_bit(__LINK_STATE_PRESENT, &dev->state);
			pr_err("domain %s: %s: the restarted driver does not open it (%d): left detached\n",
			       d->name, dev->name, ret);
			return false;
		}
	}
	if (ops->ndo_change_rx_flags &&
	    (dev->flags & (IFF_PROMISC | IFF_ALLMULTI)))
		ops->ndo_change_rx_flags(dev, dev->flags &
					 (IFF_PROMISC | IFF_ALLMULTI));
	netif_addr_lock_bh(dev);
	if (ops->ndo_set_rx_mode)
		ops->ndo_set_rx_mode(dev);
	netif_addr_unlock_bh(dev);
	if (ops->ndo_change_carrier && s->carrier != netif_carrier_ok(dev))
		ops->ndo_change_carrier(dev, s->carrier);
	clear_bit(__LINK_STATE_PRESENT, &dev->state);
	s->replayed = ok;
	/* a deactivated device is not held for its link: nothing queues */
	if (up && s->carrier && !netif_carrier_ok(dev) && !s->deactivated) {
		unsigned long flags;
		bool waiting;

		/*
		 * The open started the queues (netif_start_queue): stopped
		 * again until the link, or the packets would go out to a NIC
		 * without one (e1000 then resets itself for the stuck work).
		 * Its carrier on may have come meanwhile and attached it.
		 */
		netif_tx_stop_all_queues(dev);
		spin_lock_irqsave(&d->shadow.lock, flags);
		waiting = s->state == NOOKS_SHADOW_NET_AWAITING;
		spin_unlock_irqrestore(&d->shadow.lock, flags);
		if (waiting)
			return true;
		netif_tx_wake_all_queues(dev);
		return false;
	}
	/* attach: present again, queues woken, the transmit watchdog up */
	netif_device_attach(dev);
	nooks_shadow_net_activate(s);
	return false;
}

/**
 * nooks_shadow_net_resume() - the restart is over: give the devices back
 * @d: the domain, live again or not
 *
 * Each device the restarted driver registered gets its configuration
 * replayed and is attached (when its driver has a link); each one it
 * did not (no restart, or a driver that failed again) is unregistered:
 * the shadow cannot keep a device without a driver forever.
 *
 * Context: process context (the recovery work), after the agent.
 */
void nooks_shadow_net_resume(struct nooks_domain *d)
{
	struct nooks_shadow *sh = &d->shadow;
	struct nooks_shadow_netdev *s, *tmp;
	bool waiting = false;
	unsigned long flags;
	struct net_device *dev;

	rtnl_lock();
	list_for_each_entry_safe(s, tmp, &sh->netdevs, node) {
		dev = s->dev;
		switch (s->state) {
		case NOOKS_SHADOW_NET_LIVE:
		case NOOKS_SHADOW_NET_AWAITING:
			break;
		case NOOKS_SHADOW_NET_REGISTERED:
			/* AWAITING first: its carrier on may come any time */
			nooks_shadow_set_state(sh, s, NOOKS_SHADOW_NET_AWAITING);
			if (nooks_shadow_net_replay(d, s)) {
				waiting = true;
				break;
			}
			spin_lock_irqsave(&sh->lock, flags);
			if (s->state == NOOKS_SHADOW_NET_AWAITING)
				s->state = NOOKS_SHADOW_NET_LIVE;
			spin_unlock_irqrestore(&sh->lock, flags);
			break;
		default:
			pr_warn("domain %s: no restarted driver took %s back: unregistered\n",
				d->name, dev->name);
			nooks_shadow_set_state(sh, s, NOOKS_SHADOW_NET_LIVE);
			/* the unregister notifier drops the record */
			dev->needs_free_netdev = true;
			unregister_netdevice(dev);
			break;
		}
	}
	rtnl_unlock();
	if (waiting)
		mod_delayed_work(system_wq, &sh->link_work,
				 msecs_to_jiffies(NOOKS_SHADOW_LINK_MS));
}
