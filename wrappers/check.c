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
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/dynamic_queue_limits.h>
#include <linux/netdevice.h>
#include <linux/uaccess.h>

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

/* Can the kernel read the first and the last of @len bytes at @p? */
static bool nooks_wrap_readable(const void *p, size_t len)
{
	u8 b;

	return len && !copy_from_kernel_nofault(&b, p, 1) &&
	       !copy_from_kernel_nofault(&b, p + len - 1, 1);
}

/**
 * nooks_wrap_check_dev_addr_mod() - check= of dev_addr_mod
 * @f: the exit gate's frame: (dev, offset, addr, len)
 *
 * Every Ethernet driver sets its address so (eth_hw_addr_set): the
 * kernel copies len bytes from addr into dev's address at offset. A
 * corrupted addr (SWIFI: dummy trials 28 and 29) faulted in the kernel's
 * memcpy; an offset or length past MAX_ADDR_LEN would write past the
 * address. dev is not checked against what the domain holds: dummy sets
 * the address of devices the kernel allocated (rtnl_link_ops.setup). Its
 * dev_addr, which the kernel compares and writes, must be readable too:
 * a dev that is no net_device, or one whose dev_addr the driver overwrote
 * (it may write its net_device), oopsed in dev_addr_check (SWIFI: dummy
 * trials 49 to 51 of the 200-trial run; there the driver had overwritten
 * its net_device, and recovery's free_netdev oopses on it next).
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_dev_addr_mod(struct nooks_xpc_frame *f)
{
	struct net_device *dev = (struct net_device *)(unsigned long)f->rdi;
	unsigned long offset = (unsigned int)f->rsi;
	const void *addr = (const void *)(unsigned long)f->rdx;
	size_t len = f->rcx;
	unsigned char *dev_addr;

	if (offset > MAX_ADDR_LEN || len > MAX_ADDR_LEN - offset)
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT, len,
					    "a length past MAX_ADDR_LEN");
	if (!nooks_wrap_readable(dev, sizeof(*dev)))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)dev,
					    "an unreadable net_device");
	if (copy_from_kernel_nofault(&dev_addr, &dev->dev_addr,
				     sizeof(dev_addr)) ||
	    !nooks_wrap_readable(dev_addr, MAX_ADDR_LEN))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)dev,
					    "a net_device with an unreadable dev_addr");
	if (len && !nooks_wrap_readable(addr, len))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)addr,
					    "an unreadable source");
	return 0;
}

/**
 * nooks_wrap_check_dma_alloc_attrs() - check= of dma_alloc_attrs
 * @f: the exit gate's frame: (dev, size, dma_handle, gfp, attrs)
 *
 * The kernel reads dev's DMA configuration and writes the bus address
 * through dma_handle: corrupted pointers in either oopsed in
 * dma_alloc_attrs and dma_direct_alloc (SWIFI: 8139too trials 7 and
 * 30). Both must at least be readable kernel memory; a wild pointer
 * into mapped memory still gets through.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_dma_alloc_attrs(struct nooks_xpc_frame *f)
{
	const struct device *dev = (const struct device *)(unsigned long)f->rdi;
	const dma_addr_t *handle = (const dma_addr_t *)(unsigned long)f->rdx;

	if (!nooks_wrap_readable(dev, sizeof(*dev)))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)dev,
					    "an unreadable device");
	if (!nooks_wrap_readable(handle, sizeof(*handle)))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)handle,
					    "an unreadable dma_handle");
	return 0;
}

/**
 * nooks_wrap_check_dql_completed() - check= of dql_completed
 * @f: the exit gate's frame: (dql, count)
 *
 * A transmit completion reports the packets the device sent
 * (netdev_completed_queue); more than were queued is the kernel's
 * BUG_ON. A mutant of e1000 that corrupted its completion's counts hit it
 * (SWIFI: e1000 trial 47 of the 200-trial run). num_queued only grows
 * meanwhile (the transmit path), and num_completed is this call's own.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_dql_completed(struct nooks_xpc_frame *f)
{
	struct dql *dql = (struct dql *)(unsigned long)f->rdi;
	unsigned int count = (unsigned int)f->rsi;
	unsigned int queued, completed;

	if (copy_from_kernel_nofault(&queued, &dql->num_queued,
				     sizeof(queued)) ||
	    copy_from_kernel_nofault(&completed, &dql->num_completed,
				     sizeof(completed)))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)dql,
					    "an unreadable dql");
	if (count > queued - completed)
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT, count,
					    "more completed than queued");
	return 0;
}

/**
 * nooks_wrap_check___napi_schedule() - check= of __napi_schedule
 * @f: the exit gate's frame: (napi)
 *
 * A driver schedules its NAPI context after napi_schedule_prep() said it
 * may (it set NAPI_STATE_SCHED), and a context not scheduled is on no
 * poll list (napi_complete_done takes it off before it clears SCHED). A
 * mutant of e1000 that called it regardless added the context to the
 * poll list twice: the kernel's list debugging BUG()s (SWIFI: e1000 trial
 * 54 of the 200-trial run).
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check___napi_schedule(struct nooks_xpc_frame *f)
{
	struct napi_struct *n = (struct napi_struct *)(unsigned long)f->rdi;
	struct list_head *next;

	if (copy_from_kernel_nofault(&next, &n->poll_list.next, sizeof(next)))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)n,
					    "an unreadable napi_struct");
	if (next != &n->poll_list)
		return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT,
					    (unsigned long)n,
					    "a napi_struct already on a poll list");
	return 0;
}

/**
 * nooks_wrap_check_lock() - check= of the lock functions (sync.spec)
 * @f: the exit gate's frame: (lock, ...)
 *
 * A lock in a structure the driver never set up is at a small offset
 * from NULL: a user address, where the kernel's lock code oopses (SWIFI:
 * null_blk trial 73 of the 200-trial run, spin_lock_irq at 0x138). Only
 * the address is compared, on every lock call: no read.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_lock(struct nooks_xpc_frame *f)
{
	if (likely(f->rdi >= TASK_SIZE_MAX))
		return 0;
	return nooks_wrap_bad_param(f, NOOKS_OBJ_LOCK, f->rdi,
				    "a user address as");
}

/**
 * nooks_wrap_check_dma_device() - check= of the streaming DMA mappings
 * @f: the exit gate's frame: (dev, ...)
 *
 * The kernel reads the device's DMA configuration first: a corrupted
 * device pointer in the user half oopsed in dma_map_page_attrs (SWIFI:
 * e1000 trial 82 of the 200-trial run). An address compare, per packet.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_dma_device(struct nooks_xpc_frame *f)
{
	if (likely(f->rdi >= TASK_SIZE_MAX))
		return 0;
	return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT, f->rdi,
				    "a user address as its device");
}
