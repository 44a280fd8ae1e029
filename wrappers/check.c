// SPDX-License-Identifier: GPL-2.0
/*
 * check= functions (wrappers/specs/README): preconditions of kernel
 * functions that the kernel itself enforces by crashing. The generated
 * pre hook runs them before any other check; a call that breaks one is a
 * bad parameter of the driver (its domain fails, the call is not made).
 * Found by the SWIFI campaign (Documentation/campaign.rst): a mutant of
 * dummy that skipped the branch on register_netdevice's error freed the
 * device it had just registered, and free_netdev BUG()ed.
 */
#include <linux/netdevice.h>

#include "../core/domain.h"
#include "../recovery/shadow/shadow.h"
#include "wrap.h"

/**
 * nooks_wrap_check_free_netdev() - check= of free_netdev
 * @f: the exit gate's frame: (dev)
 *
 * A net_device still registered (or being unregistered) would be half
 * torn down before free_netdev's BUG_ON. One the domain does not hold is
 * left to the release check: it is not read. A device the shadow driver
 * keeps and a restarted driver claimed is registered by design; its free
 * gives it back to the shadow.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_free_netdev(struct nooks_xpc_frame *f)
{
	struct net_device *dev = (struct net_device *)(unsigned long)f->rdi;
	struct nooks_domain *d = f->domain;
	u8 reg;

	if (!nooks_objtrack_holds(&d->objects, NOOKS_OBJ_NETDEV, dev))
		return 0;
	reg = READ_ONCE(dev->reg_state);
	if (reg == NETREG_UNINITIALIZED || reg == NETREG_UNREGISTERED)
		return 0;
	if (nooks_shadow_net_is_claimed(d, dev))
		return 0;
	return nooks_wrap_bad_param(f, NOOKS_OBJ_NETDEV, (unsigned long)dev,
				    "a registered");
}
