/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recovery manager: releasing a failed domain's resources and restarting
 * its driver, on a workqueue of its own.
 */
#ifndef _NOOKS_RECOVERY_H
#define _NOOKS_RECOVERY_H

#include <linux/workqueue.h>

struct nooks_domain;

int nooks_recovery_init(void);
void nooks_recovery_uninit(void);
bool nooks_recovery_queue(struct work_struct *work);
void nooks_recovery_mask_irqs(struct nooks_domain *d);
bool nooks_recovery_wait(struct nooks_domain *d, unsigned int timeout_ms);
void nooks_recovery_release(struct nooks_domain *d, unsigned long *released);
void nooks_recovery_run(struct nooks_domain *d);
void nooks_recovery_unquarantine(struct nooks_domain *d);
struct net_device;
bool nooks_recovery_netdev_sane(const struct net_device *dev);
void nooks_recovery_leak_corrupt(struct nooks_domain *d);

#endif /* _NOOKS_RECOVERY_H */
