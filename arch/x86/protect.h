/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table protection of a domain: its page table, its stacks, what it
 * may write and run, and how CPUs switch to it (domains/xpc.c, the
 * gates and the domain IDT).
 */
#ifndef _NOOKS_ARCH_X86_PROTECT_H
#define _NOOKS_ARCH_X86_PROTECT_H

#include <linux/atomic.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>

#include "../../domains/heap.h"
#include "../../include/uapi/nooks_module.h"
#include "pgtable.h"
#include "stack.h"

struct module;
struct nooks_domain;
struct nooks_object;
struct pt_regs;
struct nooks_xpc_frame;

/* Most kernel functions one domain may call through pointers. */
#define NOOKS_PROTECT_INDIRECT	32
/* Stack words a call through a pointer gets (arguments 7 to 10). */
#define NOOKS_PROTECT_INDIRECT_SLOTS	4

/**
 * struct nooks_protect - one bound module's protection domain
 * @pt: the page table
 * @stacks: the stacks its driver code runs on
 * @cr3: what CR3 holds while a CPU runs in it (the table and its PCID)
 * @pcid: its PCID, 0 without PCID
 * @ro_after_init: the module's __ro_after_init data, writable until its
 *	init returns (start, size); immutable
 * @init_data: the same for its init data
 * @stack_misses: entries refused because every stack was in use
 * @resyncs: faults that found a stale private table copy
 * @syncs: entries that checked every private copy (nooks_protect_sync())
 * @exec_allowed: kernel functions allowed to run in the domain on a fault
 * @indirect_lock: serializes adding to @indirect
 * @indirect: exit gate descriptors of the kernel functions the driver
 *	calls through pointers (nooks_protect_fault()); filled under
 *	@indirect_lock, read without it up to @n_indirect
 * @n_indirect: how many of @indirect are filled; written under
 *	@indirect_lock with release, read with acquire
 * @indirect_calls: calls through pointers made exit crossings
 * @heap: where its driver's kmalloc calls allocate (domains/heap.c)
 */
struct nooks_protect {
	struct nooks_pgtable pt;
	struct nooks_stacks stacks;
	struct nooks_heap heap;
	unsigned long cr3;
	u16 pcid;
	unsigned long ro_after_init[2];
	unsigned long init_data[2];
	atomic_long_t stack_misses;
	atomic_long_t resyncs;
	atomic_long_t syncs;
	atomic_long_t exec_allowed;
	raw_spinlock_t indirect_lock;
	struct nooks_gate_desc indirect[NOOKS_PROTECT_INDIRECT];
	unsigned int n_indirect;
	atomic_long_t indirect_calls;
};

/* Global kernel TLB entries must go on every switch (read by asm). */
extern u8 nooks_protect_flush_global;
/* CR3_NOFLUSH with PCID: going back to the kernel keeps its PCID's TLB. */
extern unsigned long nooks_protect_noflush;

int nooks_protect_init(void);
void nooks_protect_uninit(void);
const char *nooks_protect_mode(void);
bool nooks_protect_enabled(void);

int nooks_protect_bind(struct nooks_domain *d, struct module *mod);
void nooks_protect_live(struct nooks_domain *d);
void nooks_protect_unbind(struct nooks_domain *d);
void nooks_protect_sync(struct nooks_protect *p);
void nooks_protect_grant(struct nooks_domain *d, unsigned long addr,
			 size_t size);
void nooks_protect_revoke(struct nooks_domain *d, unsigned long addr,
			  size_t size);
void nooks_protect_object_prepare(struct nooks_object *obj);
void nooks_protect_grant_object(struct nooks_domain *d,
				const struct nooks_object *obj);
void nooks_protect_revoke_object(struct nooks_domain *d,
				 const struct nooks_object *obj);
void nooks_protect_task_revoke(struct nooks_xpc_frame *f);
/* What nooks_protect_fault() found. */
enum nooks_protect_pf {
	NOOKS_PF_OTHER,		/* the kernel would not allow it either */
	NOOKS_PF_PROTECTION,	/* the kernel would, the domain may not */
	NOOKS_PF_RETRIED,	/* a stale copy or an allowed function */
};

enum nooks_protect_pf nooks_protect_fault(struct nooks_xpc_frame *f,
					  struct pt_regs *regs,
					  unsigned long address,
					  unsigned long error_code);

/* The CR3 value a CPU loads to run in @p (the domain's PCID flushed). */
static __always_inline unsigned long
nooks_protect_load_cr3(const struct nooks_protect *p)
{
	return p->cr3;
}

#endif /* _NOOKS_ARCH_X86_PROTECT_H */
