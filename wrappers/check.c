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

/*
 * A pointer argument in the user half, where no kernel object is: NULL
 * plus an offset, or a corrupted pointer. An address compare, no read.
 */
static int nooks_wrap_check_kernel(struct nooks_xpc_frame *f,
				   unsigned long addr,
				   enum nooks_obj_type type, const char *what)
{
	if (likely(addr >= TASK_SIZE_MAX))
		return 0;
	return nooks_wrap_bad_param(f, type, addr, what);
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
	return nooks_wrap_check_kernel(f, f->rdi, NOOKS_OBJ_LOCK,
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
	return nooks_wrap_check_kernel(f, f->rdi, NOOKS_OBJ_COUNT,
				       "a user address as its device");
}

/**
 * nooks_wrap_check_bitmap() - check= of _find_first_zero_bit
 * @f: the exit gate's frame: (addr, size)
 *
 * A bitmap with bits to search at a user address: NULL, in a structure
 * the driver never set up (SWIFI: e1000 trial 105 of the 200-trial run,
 * find_next_bit oopsed). NULL with no bits to search is fine.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_bitmap(struct nooks_xpc_frame *f)
{
	if (!f->rsi)
		return 0;
	return nooks_wrap_check_kernel(f, f->rdi, NOOKS_OBJ_COUNT,
				       "a bitmap at a user address");
}

/**
 * nooks_wrap_check_bitmap_from() - check= of _find_next_bit
 * @f: the exit gate's frame: (addr, size, offset)
 *
 * As nooks_wrap_check_bitmap(), with the search from @offset: none when
 * it is past the size.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_bitmap_from(struct nooks_xpc_frame *f)
{
	if (f->rdx >= f->rsi)
		return 0;
	return nooks_wrap_check_kernel(f, f->rdi, NOOKS_OBJ_COUNT,
				       "a bitmap at a user address");
}

/**
 * nooks_wrap_check_kernel_a0() - check= of a function whose first
 *	argument must be a kernel object
 * @f: the exit gate's frame
 *
 * NULL plus an offset, a structure the driver never set up: the kernel
 * code oopses on it (SWIFI, 200-trial run: null_blk 171,
 * __init_waitqueue_head at 0x8). An address compare.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_kernel_a0(struct nooks_xpc_frame *f)
{
	return nooks_wrap_check_kernel(f, f->rdi, NOOKS_OBJ_COUNT,
				       "a user address as its first argument");
}

/**
 * nooks_wrap_check_kernel_a1() - the same for the second argument
 * @f: the exit gate's frame
 *
 * SWIFI, 200-trial run: null_blk 188 (blk_queue_flag_clear of a NULL
 * queue), 8139too 139 (skb_copy_and_csum_dev into NULL).
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_kernel_a1(struct nooks_xpc_frame *f)
{
	return nooks_wrap_check_kernel(f, f->rsi, NOOKS_OBJ_COUNT,
				       "a user address as its second argument");
}

/**
 * nooks_wrap_check_crc32() - check= of crc32_le
 * @f: the exit gate's frame: (crc, p, len)
 *
 * Bytes to sum at a user address (SWIFI, 200-trial run: 8139too 166,
 * at 0x28). None to sum: any p.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_crc32(struct nooks_xpc_frame *f)
{
	if (!f->rdx)
		return 0;
	return nooks_wrap_check_kernel(f, f->rsi, NOOKS_OBJ_COUNT,
				       "bytes at a user address");
}

/**
 * nooks_wrap_check_stats64() - check= of netdev_stats_to_stats64
 * @f: the exit gate's frame: (stats64, netdev_stats)
 *
 * The kernel copies the net_device_stats the driver names: a corrupted
 * pointer to unmapped memory oopsed (SWIFI, 200-trial run: 8139too 128).
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_stats64(struct nooks_xpc_frame *f)
{
	if (nooks_wrap_readable((const void *)f->rsi,
				sizeof(struct net_device_stats)))
		return 0;
	return nooks_wrap_bad_param(f, NOOKS_OBJ_COUNT, f->rsi,
				    "unreadable net_device_stats");
}

/**
 * nooks_wrap_check_hrtimer() - check= of hrtimer_active and
 *	hrtimer_start_range_ns
 * @f: the exit gate's frame: (timer, ...)
 *
 * A timer hrtimer_init() never set up has no clock base: the kernel
 * oopses on it (SWIFI: null_blk 43 and 196 of the 200-trial run, from
 * null_handle_cmd).
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_hrtimer(struct nooks_xpc_frame *f)
{
	struct hrtimer *timer = (struct hrtimer *)(unsigned long)f->rdi;
	unsigned long base;

	if (copy_from_kernel_nofault(&base, &timer->base, sizeof(base)))
		return nooks_wrap_bad_param(f, NOOKS_OBJ_TIMER,
					    (unsigned long)timer,
					    "an unreadable");
	if (base < TASK_SIZE_MAX)
		return nooks_wrap_bad_param(f, NOOKS_OBJ_TIMER,
					    (unsigned long)timer,
					    "an uninitialised");
	return 0;
}

/*
 * An skb is a slab object, in the kernel's direct map: a pointer
 * elsewhere (the user half, a module's image) is not one.
 */
static int nooks_wrap_check_skb(struct nooks_xpc_frame *f, unsigned long skb)
{
	if (likely(virt_addr_valid((void *)skb)))
		return 0;
	return nooks_wrap_bad_param(f, NOOKS_OBJ_SKB, skb,
				    "an address outside the direct map as");
}

/**
 * nooks_wrap_check_rx_skb() - check= of netif_receive_skb (skb in a0)
 * @f: the exit gate's frame: (skb)
 *
 * The driver hands the stack an skb the kernel reads at once: a garbage
 * pointer (a SWIFI mutant of 8139too passed one into its own module's
 * image, from a register it had not loaded: trial 83 of the 200-trial
 * run) oopsed in the receive path. Address arithmetic, per packet.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_rx_skb(struct nooks_xpc_frame *f)
{
	return nooks_wrap_check_skb(f, f->rdi);
}

/**
 * nooks_wrap_check_gro_skb() - check= of napi_gro_receive (skb in a1)
 * @f: the exit gate's frame: (napi, skb)
 *
 * As nooks_wrap_check_rx_skb(), for the skb NAPI drivers hand to GRO.
 *
 * Return: 0; -EFAULT when the domain failed for it.
 */
int nooks_wrap_check_gro_skb(struct nooks_xpc_frame *f)
{
	return nooks_wrap_check_skb(f, f->rsi);
}
