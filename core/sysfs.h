/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/nooks: the root, the domains/ kset and each domain's files.
 */
#ifndef _NOOKS_SYSFS_H
#define _NOOKS_SYSFS_H

struct nooks_domain;

int nooks_sysfs_init(void);
void nooks_sysfs_uninit(void);
void nooks_sysfs_domain_init(struct nooks_domain *d);
int nooks_sysfs_domain_add(struct nooks_domain *d);
void nooks_sysfs_domain_del(struct nooks_domain *d);

#endif /* _NOOKS_SYSFS_H */
