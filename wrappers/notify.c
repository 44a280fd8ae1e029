// SPDX-License-Identifier: GPL-2.0
/*
 * Objects the kernel ends itself. Most of what a driver holds it also
 * releases, through a wrapper that sees it; but a net_device registered
 * through rtnl_link_ops (dummy's) is unregistered by the kernel when the
 * link type goes, and freed by it too when needs_free_netdev is set. A
 * netdevice notifier forgets those records, so a domain's counts stay
 * what its driver really holds. The same notifier gives the callbacks of
 * a net_device being registered their entry wrappers (entry.c), and a
 * shadow driver (recovery/shadow/net.c) when the domain's policy is
 * shadow.
 */
#include <linux/netdevice.h>
#include <linux/notifier.h>

#include "../core/domain.h"
#include "entry.h"
#include "notify.h"

static int nooks_notify_netdev(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nooks_domain *d;
	unsigned long n;

	if (event == NETDEV_REGISTER) {
		for (n = 0; (d = nooks_domain_nth(n)); n++) {
			bool mine = nooks_entry_attach(d, dev);

			if (mine)
				nooks_shadow_net_add(d, dev);
			nooks_domain_put(d);
			if (mine)
				break;
		}
		return NOTIFY_DONE;
	}
	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	for (n = 0; (d = nooks_domain_nth(n)); n++) {
		/*
		 * Recovery may be the one unregistering it (its record is
		 * gone already): the kernel frees it either way.
		 */
		nooks_objtrack_remove(&d->objects, NOOKS_OBJ_NETDEV_REGISTERED,
				      dev);
		if (dev->needs_free_netdev)
			nooks_objtrack_remove(&d->objects, NOOKS_OBJ_NETDEV, dev);
		nooks_shadow_net_del(d, dev);
		nooks_domain_put(d);
	}
	return NOTIFY_DONE;
}

static struct notifier_block nooks_notify_netdev_nb = {
	.notifier_call = nooks_notify_netdev,
};

/**
 * nooks_notify_init() - start hearing of objects the kernel ends
 *
 * Return: 0 or a negative errno.
 */
int nooks_notify_init(void)
{
	return register_netdevice_notifier(&nooks_notify_netdev_nb);
}

/**
 * nooks_notify_uninit() - stop
 */
void nooks_notify_uninit(void)
{
	unregister_netdevice_notifier(&nooks_notify_netdev_nb);
}
