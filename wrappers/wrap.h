/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed wrappers: the hooks an exit gate runs around a kernel function
 * whose meaning a spec states (wrappers/specs/README), and the runtime
 * the generated hooks call. tools/wrapgen writes the hooks and the table
 * nooks_wrappers[] (wrappers/generated/wrappers.c).
 */
#ifndef _NOOKS_WRAP_H
#define _NOOKS_WRAP_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "../domains/xpc.h"
#include "../objtrack/objtrack.h"

/* struct nooks_wrapper.flags */
#define NOOKS_WRAP_SLEEPS	BIT(0)	/* may sleep: process context */
/*
 * leaf: the kernel function runs as a part of the driver code that
 * calls it: its entry frame stays this CPU's, preemption stays off, and
 * a fault in it is the driver's (an MMIO accessor given a wild address).
 * Only for functions that take no lock, never sleep and never fault but
 * on a bad argument.
 */
#define NOOKS_WRAP_LEAF		BIT(1)
/*
 * defer: a call may wait until the driver code's crossing ends
 * (domains/defer.h): the function returns nothing, takes at most three
 * arguments and the driver learns nothing from it (it ends, frees or
 * schedules), never sleeps, and its pre hook only checks and forgets.
 */
#define NOOKS_WRAP_DEFER	BIT(2)

/*
 * Exit gates (the driver calls the kernel function @name) run pre with
 * the caller's preemption state; a nonzero return means the domain
 * failed and the call is not made. Entry gates (the kernel calls a
 * driver callback in a role, wrappers/entry.c) run pre with preemption
 * off, before the driver code, and ignore its return. post runs after
 * the call, in kernel context, with its return value in f->rax (an exit
 * wrapper may change it).
 */
struct nooks_wrapper {
	const char *name;		/* the kernel function, or the role */
	int (*pre)(struct nooks_xpc_frame *f);
	void (*post)(struct nooks_xpc_frame *f);
	/*
	 * entry: what the call returns when the domain has failed, if not
	 * its return class's failure value (a pointer the kernel uses)
	 */
	unsigned long (*fail)(struct nooks_xpc_frame *f);
	/*
	 * entry, kernel caller: true if it answered the call itself, with
	 * f->rax, and nothing crosses (domains/xmit.h)
	 */
	bool (*answer)(struct nooks_xpc_frame *f);
	unsigned int flags;		/* NOOKS_WRAP_* */
};

/* Generated: sorted by name (strcmp) for nooks_wrapper_find(). */
extern const struct nooks_wrapper nooks_wrappers[];
extern const unsigned int nooks_wrappers_count;

/* Flags of the runtime calls below, from a clause's options. */
#define NOOKS_WRAPF_NULL_OK		BIT(0)	/* release, hold */
#define NOOKS_WRAPF_UNTRACKED_OK	BIT(1)	/* release */
#define NOOKS_WRAPF_AGAIN_OK		BIT(2)	/* acquire */
#define NOOKS_WRAPF_GRANT		BIT(3)	/* acquire */
#define NOOKS_WRAPF_BY_NAME		BIT(4)	/* acquire: release is a name */

const struct nooks_wrapper *nooks_wrapper_find(const char *name);

int nooks_wrap_hold(struct nooks_xpc_frame *f, enum nooks_obj_type type,
		    unsigned long key, unsigned int flags);
int nooks_wrap_release(struct nooks_xpc_frame *f, enum nooks_obj_type type,
		       unsigned long key, unsigned int flags);
int nooks_wrap_entry(struct nooks_xpc_frame *f, unsigned int arg,
		     unsigned long fn);
void nooks_wrap_acquire(struct nooks_xpc_frame *f, enum nooks_obj_type type,
			unsigned long key, size_t size, void *release,
			const unsigned long *values, unsigned int n_values,
			unsigned int flags);
void nooks_wrap_acquire_at(struct nooks_xpc_frame *f,
			   enum nooks_obj_type type, unsigned long key,
			   size_t size, unsigned long grant, void *release,
			   const unsigned long *values, unsigned int n_values,
			   unsigned int flags);
/* pre= rewrites into the domain heap (wrappers/heap.c) */
int nooks_wrap_bad_param(struct nooks_xpc_frame *f, enum nooks_obj_type type,
			 unsigned long key, const char *why);
int nooks_wrap_check_free_netdev(struct nooks_xpc_frame *f);
int nooks_wrap_check_dev_addr_mod(struct nooks_xpc_frame *f);
int nooks_wrap_check_dma_alloc_attrs(struct nooks_xpc_frame *f);
int nooks_wrap_check_dql_completed(struct nooks_xpc_frame *f);
int nooks_wrap_check___napi_schedule(struct nooks_xpc_frame *f);
int nooks_wrap_check_lock(struct nooks_xpc_frame *f);
int nooks_wrap_check_dma_device(struct nooks_xpc_frame *f);
int nooks_wrap_check_bitmap(struct nooks_xpc_frame *f);
int nooks_wrap_check_bitmap_from(struct nooks_xpc_frame *f);
int nooks_wrap_check_rx_skb(struct nooks_xpc_frame *f);
int nooks_wrap_check_kernel_a0(struct nooks_xpc_frame *f);
int nooks_wrap_check_kernel_a1(struct nooks_xpc_frame *f);
int nooks_wrap_check_crc32(struct nooks_xpc_frame *f);
int nooks_wrap_check_stats64(struct nooks_xpc_frame *f);
int nooks_wrap_check_hrtimer(struct nooks_xpc_frame *f);
int nooks_wrap_check_gro_skb(struct nooks_xpc_frame *f);
void nooks_wrap_locks_unwind(struct nooks_xpc_frame *f,
			     struct list_head *sleeping);
void nooks_wrap_locks_unwind_sleeping(struct nooks_domain *d,
				      struct list_head *sleeping);
void nooks_wrap_heap_kmalloc_trace(struct nooks_xpc_frame *f);
/* hardening.c: the kernel's hardening checks failed in a domain */
void nooks_wrap_pre___stack_chk_fail(struct nooks_xpc_frame *f);
void nooks_wrap_pre_fortify_panic(struct nooks_xpc_frame *f);
void nooks_wrap_heap_kmalloc_node_trace(struct nooks_xpc_frame *f);
void nooks_wrap_heap___kmalloc(struct nooks_xpc_frame *f);
void nooks_wrap_heap_kvmalloc_node(struct nooks_xpc_frame *f);
/* entry.c: a NAPI context's poll gets its receive pool */
void nooks_wrap_netif_napi_add_weight(struct nooks_xpc_frame *f);
/* virtio.c: a virtio driver's remove, for a failed domain */
void nooks_wrap_register_virtio_driver(struct nooks_xpc_frame *f);
/* domains/batch.c: a start of a request a batch started already */
void nooks_wrap_blk_mq_start_request(struct nooks_xpc_frame *f);
u64 nooks_wrap_stack_arg(struct nooks_xpc_frame *f, unsigned int n);

#endif /* _NOOKS_WRAP_H */
