/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow drivers (Swift et al., OSDI 2004): per class, an agent of the
 * kernel that watches the calls between the kernel and a driver of that
 * class. While the driver runs it is passive: it records what a restart
 * must restore. After a fault it is active: it keeps the devices the
 * kernel sees, holds their requests, hands the same devices to the
 * restarted driver and replays their configuration. shadow.c holds
 * what recovery calls; net.c and blk.c are the classes.
 */
#ifndef _NOOKS_SHADOW_H
#define _NOOKS_SHADOW_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "../../include/uapi/nooks.h"

struct nooks_domain;
struct nooks_xpc_frame;
struct net_device;
struct gendisk;
struct request_queue;

/* A domain's shadow drivers. */
struct nooks_shadow {
	/*
	 * protects the list and every record on it; taken from the entry
	 * wrappers' post hooks (preemption off), never across a call
	 */
	spinlock_t lock;
	struct list_head netdevs;	/* nooks_shadow_netdev; under lock */
	struct list_head disks;		/* nooks_shadow_disk; under lock */
	bool active;			/* under lock */
	/* attaches the devices whose restarted driver found no link */
	struct delayed_work link_work;
};

void nooks_shadow_init(struct nooks_shadow *sh);
void nooks_shadow_uninit(struct nooks_shadow *sh);
enum nooks_shadow_mode nooks_shadow_mode(struct nooks_shadow *sh);
unsigned int nooks_shadow_log_size(struct nooks_shadow *sh);

/* recovery: a fault, before the driver is released, after its restart */
void nooks_shadow_fail(struct nooks_domain *d);
unsigned int nooks_shadow_takeover(struct nooks_domain *d);
void nooks_shadow_let_go(struct nooks_domain *d);
void nooks_shadow_resume(struct nooks_domain *d);
bool nooks_shadow_wanted(struct nooks_domain *d);

/* the classes' parts of the above (sh->lock held where it says so) */
void nooks_shadow_net_init(struct nooks_shadow *sh);
void nooks_shadow_net_uninit(struct nooks_shadow *sh);
unsigned int nooks_shadow_net_log_locked(struct nooks_shadow *sh,
					 bool *restarting);
void nooks_shadow_net_fail_locked(struct nooks_shadow *sh);
unsigned int nooks_shadow_net_takeover(struct nooks_domain *d);
void nooks_shadow_net_resume(struct nooks_domain *d);
void nooks_shadow_blk_uninit(struct nooks_shadow *sh);
unsigned int nooks_shadow_blk_log_locked(struct nooks_shadow *sh,
					 bool *restarting);
void nooks_shadow_blk_fail_locked(struct nooks_shadow *sh);
unsigned int nooks_shadow_blk_takeover(struct nooks_domain *d);
void nooks_shadow_blk_let_go(struct nooks_domain *d);
void nooks_shadow_blk_resume(struct nooks_domain *d);

/* passive: the net_devices a domain registers, and their configuration */
void nooks_shadow_net_add(struct nooks_domain *d, struct net_device *dev);
void nooks_shadow_net_del(struct nooks_domain *d, struct net_device *dev);

/* pre= hooks of the wrappers of the allocation and registration calls */
void nooks_shadow_pre_alloc_etherdev_mqs(struct nooks_xpc_frame *f);
void nooks_shadow_pre_alloc_netdev_mqs(struct nooks_xpc_frame *f);
void nooks_shadow_pre_register_netdev(struct nooks_xpc_frame *f);
void nooks_shadow_pre_free_netdev(struct nooks_xpc_frame *f);
bool nooks_shadow_net_is_claimed(struct nooks_domain *d,
				 const struct net_device *dev);
void nooks_shadow_pre_netif_carrier_on(struct nooks_xpc_frame *f);
void nooks_shadow_pre_netif_carrier_off(struct nooks_xpc_frame *f);
void nooks_shadow_pre_netif_set_real_num_tx_queues(struct nooks_xpc_frame *f);
void nooks_shadow_pre_netif_set_real_num_rx_queues(struct nooks_xpc_frame *f);
void nooks_shadow_pre_netif_set_real_num_queues(struct nooks_xpc_frame *f);

/* block: the queue of a disk the shadow holds (queue_rq's failure) */
bool nooks_shadow_blk_holds(struct nooks_domain *d, struct request_queue *q);

/* pre= hooks of the block calls (block.spec) */
void nooks_shadow_pre_blk_mq_alloc_tag_set(struct nooks_xpc_frame *f);
void nooks_shadow_pre_blk_mq_free_tag_set(struct nooks_xpc_frame *f);
void nooks_shadow_pre___blk_mq_alloc_disk(struct nooks_xpc_frame *f);
void nooks_shadow_pre_device_add_disk(struct nooks_xpc_frame *f);
void nooks_shadow_pre_del_gendisk(struct nooks_xpc_frame *f);
void nooks_shadow_pre_put_disk(struct nooks_xpc_frame *f);

#endif /* _NOOKS_SHADOW_H */
