// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table protection of a domain (protect.h). When a module is bound
 * with protection on (the "protection" parameter), its driver code runs
 * on a page table of its own (pgtable.c) where the kernel is read-only
 * and its image not executable, on stacks of its own (stack.c). It may
 * write, and nothing else:
 *
 * - the module's data and bss (its __ro_after_init data and init data
 *   until its init returns);
 * - its stacks;
 * - every CPU's per-CPU unit (drivers write __preempt_count and per-CPU
 *   statistics inline) and every CPU's exception (IST) stacks, where the
 *   CPU pushes NMI and #DF frames before any code of ours runs;
 * - what its typed wrappers grant: memory it allocates, its net_device,
 *   DMA buffers, MMIO mappings (wrappers/specs, "grant").
 *
 * Per-CPU units and IST stacks are granted for all CPUs, not only the
 * one running: one table serves every CPU.
 *
 * TLB. Our entries are never global, so a CR3 write drops them. The
 * kernel's own may be (PTI off): a global writable kernel entry cached
 * before entry would let a wild write through, and a global read-only or
 * no-execute one cached inside would fault the kernel after. With global
 * kernel mappings every switch therefore flushes global entries too
 * (CR4.PGE toggled, "flush-global"); with PTI on they are not global
 * ("nonglobal") and a CR3 write is enough. With PCID a domain has a PCID
 * of its own, flushed on every entry (the kernel flushes its changes to
 * shared kernel tables only in its own PCIDs, so a domain PCID kept
 * across entries could hold stale translations), while the kernel's
 * PCID is kept across the round trip (CR3_NOFLUSH on the way back).
 *
 * Faults. A page fault of driver code that the kernel's tables allow is
 * either a stale private copy (resynced, and the access tried again), a
 * kernel function the driver may run (allowed, tried again), or a
 * protection fault: contained like any other (arch/x86/fault.c).
 */
#include <linux/blk-mq.h>
#include <linux/idr.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/cpu_entry_area.h>
#include <asm/pgtable.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>

#include "../../core/bind.h"
#include "../../core/domain.h"
#include "../../domains/local.h"
#include "../../domains/xpc.h"
#include "arch.h"
#include "protect.h"

static bool nooks_protect_on;
module_param_named(protection, nooks_protect_on, bool, 0644);
MODULE_PARM_DESC(protection,
		 "run drivers bound from now on under page-table protection");

/*
 * The kernel's mapping generation: how many times the kernel has flushed
 * a range of its own mappings from the TLBs. It does so after unmapping
 * and before reusing the addresses (vmalloc space: task stacks, vmalloc
 * and ioremap areas), so a domain that last synced its private table
 * copies at an older generation may map an address to an old page.
 */
static atomic_long_t nooks_protect_kgen = ATOMIC_LONG_INIT(0);

static int nooks_protect_kflush(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_long_inc(&nooks_protect_kgen);
	return 0;
}

static struct kprobe nooks_protect_kprobe = {
	.symbol_name = "flush_tlb_kernel_range",
	.pre_handler = nooks_protect_kflush,
};

u8 nooks_protect_flush_global;
unsigned long nooks_protect_noflush;
static bool nooks_protect_pcid;
static unsigned long nooks_protect_percpu_unit;
static DEFINE_IDA(nooks_protect_pcids);

/* Domain PCIDs: above the kernel's (1..TLB_NR_DYN_ASIDS), below PTI's. */
#define NOOKS_PCID_FIRST	0x80
#define NOOKS_PCID_LAST		0x7ff

/*
 * Kernel functions that the functions driver code runs in the domain
 * (wrappers/in_domain.h) call in turn: allowed on their first fault.
 */
static const char *const nooks_protect_callees[] = {
	"delay_tsc", "delay_loop", "delay_halt", "delay_halt_tpause",
	"delay_halt_mwaitx", "memcpy_orig", "memmove_orig", "memset_orig",
	"__x86_indirect_thunk_array", "__x86_return_thunk",
};

/* Is the kernel's leaf mapping of @addr global? */
static bool nooks_protect_global(const void *addr)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)addr, &level);

	return pte && (pte_flags(*pte) & _PAGE_GLOBAL);
}

static unsigned long nooks_protect_unit_size(void)
{
	unsigned long unit = ULONG_MAX;
	int a, b;

	for_each_possible_cpu(a)
		for_each_possible_cpu(b)
			if (__per_cpu_offset[b] > __per_cpu_offset[a])
				unit = min(unit, __per_cpu_offset[b] -
						 __per_cpu_offset[a]);
	if (unit != ULONG_MAX)
		return unit;
	/*
	 * One CPU: its unit is the whole first chunk, which x86 allocates
	 * in atoms of PMD_SIZE (PAGE_SIZE without PSE): at least an atom,
	 * and at least PCPU_MIN_UNIT_SIZE. The kernel's static per-CPU
	 * data alone (__preempt_count at 127 KiB) outgrows the latter.
	 */
	return max_t(unsigned long, PCPU_MIN_UNIT_SIZE,
		     boot_cpu_has(X86_FEATURE_PSE) ? PMD_SIZE : PAGE_SIZE);
}

/**
 * nooks_protect_init() - find how CPUs must switch to a domain
 *
 * Return: 0, or -ENOMEM.
 */
int nooks_protect_init(void)
{
	void *heap = kmalloc(64, GFP_KERNEL);
	int ret;

	if (!heap)
		return -ENOMEM;
	ret = register_kprobe(&nooks_protect_kprobe);
	if (ret) {
		pr_err("protection: cannot watch the kernel's TLB flushes (%s: %d)\n",
		       nooks_protect_kprobe.symbol_name, ret);
		kfree(heap);
		return ret;
	}
	nooks_protect_flush_global = (__read_cr4() & X86_CR4_PGE) &&
		(nooks_protect_global(heap) ||
		 nooks_protect_global(&nooks_protect_on) ||
		 nooks_protect_global((void *)&jiffies) ||
		 nooks_protect_global(this_cpu_ptr(&nooks_xpc_cur)));
	kfree(heap);
	nooks_protect_pcid = !!(__read_cr4() & X86_CR4_PCIDE);
	nooks_protect_noflush = nooks_protect_pcid ? CR3_NOFLUSH : 0;
	nooks_protect_percpu_unit = nooks_protect_unit_size();
	pr_info("protection %s: %s\n", nooks_protect_on ? "on" : "off",
		nooks_protect_mode());
	return 0;
}

/**
 * nooks_protect_uninit() - pairs with nooks_protect_init()
 */
void nooks_protect_uninit(void)
{
	unregister_kprobe(&nooks_protect_kprobe);
	ida_destroy(&nooks_protect_pcids);
}

/**
 * nooks_protect_mode() - how CPUs switch to a domain, for sysfs
 *
 * Return: "flush-global" or "nonglobal" (TLB), then "pcid" or "nopcid".
 */
const char *nooks_protect_mode(void)
{
	if (nooks_protect_flush_global)
		return nooks_protect_pcid ? "flush-global pcid" :
					    "flush-global nopcid";
	return nooks_protect_pcid ? "nonglobal pcid" : "nonglobal nopcid";
}

/**
 * nooks_protect_enabled() - are modules bound from now on protected?
 *
 * Return: the "protection" parameter.
 */
bool nooks_protect_enabled(void)
{
	return READ_ONCE(nooks_protect_on);
}

static int nooks_protect_range(struct nooks_protect *p, unsigned long addr,
			       unsigned long size)
{
	unsigned long start = addr & PAGE_MASK;

	if (!size)
		return 0;
	return nooks_pgtable_grant(&p->pt, start,
				   PAGE_ALIGN(addr + size) - start);
}

/* Undo nooks_protect_range(). */
static void nooks_protect_unrange(struct nooks_protect *p, unsigned long addr,
				  unsigned long size)
{
	unsigned long start = addr & PAGE_MASK;

	if (size)
		nooks_pgtable_revoke(&p->pt, start,
				     PAGE_ALIGN(addr + size) - start);
}

static int nooks_protect_grant_cpus(struct nooks_protect *p)
{
	int cpu, ret = 0;

	for_each_possible_cpu(cpu) {
		struct cpu_entry_area *cea = get_cpu_entry_area(cpu);
		unsigned long ist = (unsigned long)&cea->estacks;

		ret = nooks_protect_range(p, __per_cpu_offset[cpu],
					  nooks_protect_percpu_unit);
		if (!ret)
			ret = nooks_protect_range(p, ist, sizeof(cea->estacks));
		if (ret)
			break;
	}
	return ret;
}

/* The bytes [from, to) of a module layout. */
static void nooks_protect_layout(unsigned long *range,
				 const struct module_layout *l,
				 unsigned int from, unsigned int to)
{
	range[0] = (unsigned long)l->base + from;
	range[1] = to > from ? to - from : 0;
}

static int nooks_protect_grant_module(struct nooks_protect *p,
				      struct module *mod)
{
	const struct module_layout *core = &mod->core_layout;
	const struct module_layout *init = &mod->init_layout;
	unsigned long data[2];
	int ret;

	nooks_protect_layout(data, core, core->ro_after_init_size, core->size);
	nooks_protect_layout(p->ro_after_init, core, core->ro_size,
			     core->ro_after_init_size);
	nooks_protect_layout(p->init_data, init, init->ro_size, init->size);
	ret = nooks_protect_range(p, data[0], data[1]);
	if (!ret)
		ret = nooks_protect_range(p, p->ro_after_init[0],
					  p->ro_after_init[1]);
	if (!ret)
		ret = nooks_protect_range(p, p->init_data[0], p->init_data[1]);
	return ret;
}

/*
 * The symbol @addr lies in, from kallsyms ("name+off/size [mod]": its
 * lookup by size and offset is not exported): its offset and size.
 */
static bool nooks_protect_symbol(unsigned long addr, unsigned long *off,
				 unsigned long *size)
{
	char sym[KSYM_SYMBOL_LEN], *slash, *plus;

	sprint_symbol(sym, addr);
	slash = strchr(sym, '/');
	plus = strchr(sym, '+');
	return slash && plus && sscanf(slash, "/%lx", size) == 1 &&
	       sscanf(plus, "+%lx", off) == 1 && *off <= addr;
}

/* Let the domain run the kernel function @addr lies in, whole. */
static bool nooks_protect_allow_function(struct nooks_protect *p,
					 unsigned long addr)
{
	unsigned long off, size;

	if (!nooks_protect_symbol(addr, &off, &size))
		return false;
	addr -= off;
	return !nooks_pgtable_allow_exec(&p->pt, addr & PAGE_MASK,
					 PAGE_ALIGN(addr + max(size, 1UL)) -
					 (addr & PAGE_MASK));
}

/* The first @n of @p->indirect: the one for @target and @slots, or NULL. */
static struct nooks_gate_desc *
nooks_protect_indirect_find(struct nooks_protect *p, unsigned int n,
			    unsigned long target, u32 slots)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p->indirect[i].target == target &&
		    p->indirect[i].stack_slots == slots)
			return &p->indirect[i];
	return NULL;
}

/*
 * The exit gate descriptor a call of @target through a pointer crosses
 * by: the module's own, when it also calls @target directly (its typed
 * wrapper then applies), else one of @p->indirect for @target and
 * @slots, added on the first such call. NULL when @p->indirect is full.
 */
static const struct nooks_gate_desc *
nooks_protect_indirect_desc(struct nooks_domain *d, struct nooks_protect *p,
			    unsigned long target, u32 slots)
{
	const u32 flags = NOOKS_GATE_DEFER | NOOKS_GATE_PREMADE |
			  NOOKS_GATE_LOCAL;
	const struct nooks_gate_desc *gates = READ_ONCE(d->gates);
	struct nooks_gate_desc *g;
	unsigned int i, n = READ_ONCE(d->n_gates);
	unsigned long irqflags;

	for (i = 0; gates && i < n; i++)
		if ((gates[i].kind & ~flags) == NOOKS_GATE_EXIT &&
		    gates[i].target == target)
			return &gates[i];
	/* pairs with the release below: the entries before n are filled */
	n = smp_load_acquire(&p->n_indirect);
	g = nooks_protect_indirect_find(p, n, target, slots);
	if (g)
		return g;
	raw_spin_lock_irqsave(&p->indirect_lock, irqflags);
	g = nooks_protect_indirect_find(p, p->n_indirect, target, slots);
	if (!g && p->n_indirect < NOOKS_PROTECT_INDIRECT) {
		g = &p->indirect[p->n_indirect];
		g->target = target;
		g->kind = NOOKS_GATE_EXIT;
		/* no prototype: 0 when the domain failed */
		g->ret_class = NOOKS_RET_UNKNOWN;
		g->stack_slots = slots;
		/* the entry is filled before lockless readers count it */
		smp_store_release(&p->n_indirect, p->n_indirect + 1);
	}
	raw_spin_unlock_irqrestore(&p->indirect_lock, irqflags);
	return g;
}

/*
 * Driver code called the kernel function @address through a pointer (an
 * ops table the kernel or another module filled in, as virtio's config
 * ops): the fetch faulted, kernel text not being executable here. When
 * @address starts a function outside nooks.ko and the call came from
 * the module (or tail-called from a function the entry gate called),
 * resume at nooks_xpc_indirect_pad with %r10 and %r11 set as an exit
 * stub of @address would set them: the call crosses out.
 *
 * With no prototype, the gate copies NOOKS_PROTECT_INDIRECT_SLOTS stack
 * words above the return address (arguments 7 to 10: virtio's find_vqs
 * takes 7), or none when they are not all readable (a tail call at the
 * top of a domain stack, its guard page above).
 */
static bool nooks_protect_indirect(struct nooks_xpc_frame *f,
				   struct nooks_protect *p,
				   struct pt_regs *regs, unsigned long address)
{
	struct module *mod = READ_ONCE(f->domain->module);
	unsigned long words[NOOKS_PROTECT_INDIRECT_SLOTS];
	const struct nooks_gate_desc *g;
	unsigned long ret, off, size;
	u32 slots;

	if (regs->ip != address || !mod ||
	    within_module(address, THIS_MODULE) ||
	    !nooks_protect_symbol(address, &off, &size) || off)
		return false;
	if (copy_from_kernel_nofault(&ret, (void *)regs->sp, sizeof(ret)) ||
	    (!within_module(ret, mod) &&
	     ret != (unsigned long)nooks_xpc_entry_return))
		return false;
	slots = NOOKS_PROTECT_INDIRECT_SLOTS;
	if (copy_from_kernel_nofault(words, (void *)regs->sp + sizeof(ret),
				     sizeof(words)))
		slots = 0;
	g = nooks_protect_indirect_desc(f->domain, p, address, slots);
	if (!g)
		return false;
	regs->r10 = (unsigned long)f->manifest;
	regs->r11 = (unsigned long)g;
	regs->ip = (unsigned long)nooks_xpc_indirect_pad;
	atomic_long_inc(&p->indirect_calls);
	return true;
}

/*
 * The module area is not executable in a domain (arch/x86/pgtable.c) but
 * for the code driver code runs: the module's own text (its init text
 * until it is freed), and nooks.ko's (the gates, the domain IDT's stubs,
 * the injected faults' payloads, local and deferred calls).
 */
static int nooks_protect_allow_text(struct nooks_protect *p,
				    struct module *mod)
{
	const struct module_layout *l[] = {
		&mod->core_layout, &mod->init_layout, &THIS_MODULE->core_layout,
	};
	int i, ret = 0;

	for (i = 0; !ret && i < ARRAY_SIZE(l); i++)
		if (l[i]->base && l[i]->text_size)
			ret = nooks_pgtable_allow_exec(&p->pt,
						       (unsigned long)l[i]->base,
						       PAGE_ALIGN(l[i]->text_size));
	return ret;
}

/*
 * The imports the module runs in the domain (core/bind.c checked them),
 * and those nooks.ko's local calls run there (domains/local.c).
 */
static int nooks_protect_allow_imports(struct nooks_protect *p,
				       struct module *mod)
{
	struct mod_kallsyms *ks = rcu_dereference_protected(mod->kallsyms, 1);
	unsigned int i;

	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		const char *name = ks->strtab + sym->st_name;

		if (sym->st_shndx != SHN_UNDEF || !*name || !sym->st_value ||
		    (!nooks_in_domain_reason(name) &&
		     !nooks_local_kernel_import(name)))
			continue;
		if (!nooks_protect_allow_function(p, sym->st_value))
			pr_warn("%s: cannot let the domain run %s\n",
				mod->name, name);
	}
	return 0;
}

static void nooks_protect_free(struct nooks_protect *p, bool heap_in_use)
{
	int i;

	nooks_heap_uninit(&p->heap, heap_in_use);
	for (i = 0; i < p->stacks.n; i++)
		nooks_pgtable_revoke(&p->pt, (unsigned long)p->stacks.base[i],
				     p->stacks.size);
	nooks_stacks_uninit(&p->stacks);
	nooks_pgtable_uninit(&p->pt);
	if (p->pcid)
		ida_free(&nooks_protect_pcids, p->pcid);
	kfree(p);
}

/**
 * nooks_protect_bind() - protect a module being bound, if protection is on
 * @d: its domain; d->prot is set on success
 * @mod: the module, coming
 *
 * Context: process context, the module notifier.
 * Return: 0 (also when protection is off), or a negative errno.
 */
int nooks_protect_bind(struct nooks_domain *d, struct module *mod)
{
	struct nooks_protect *p;
	int i, ret, pcid;

	if (!nooks_protect_enabled())
		return 0;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	raw_spin_lock_init(&p->indirect_lock);
	ret = nooks_pgtable_init(&p->pt,
				 atomic_long_read(&nooks_protect_kgen));
	if (ret) {
		kfree(p);
		return ret;
	}
	ret = nooks_stacks_init(&p->stacks, 4 * num_possible_cpus() + 8);
	for (i = 0; !ret && i < p->stacks.n; i++)
		ret = nooks_pgtable_grant(&p->pt,
					  (unsigned long)p->stacks.base[i],
					  p->stacks.size);
	if (!ret)
		ret = nooks_protect_grant_cpus(p);
	if (!ret)
		ret = nooks_protect_grant_module(p, mod);
	if (!ret)
		ret = nooks_heap_init(&p->heap, d->name);
	if (!ret)
		ret = nooks_protect_allow_text(p, mod);
	if (!ret)
		ret = nooks_protect_allow_imports(p, mod);
	if (!ret && nooks_protect_pcid) {
		pcid = ida_alloc_range(&nooks_protect_pcids, NOOKS_PCID_FIRST,
				       NOOKS_PCID_LAST, GFP_KERNEL);
		if (pcid < 0)
			ret = pcid;
		else
			p->pcid = pcid;
	}
	if (ret) {
		nooks_protect_free(p, false);
		return ret;
	}
	p->cr3 = nooks_pgtable_cr3(&p->pt) | p->pcid;
	pr_info("%s: protected: %u table pages, %u stacks\n", mod->name,
		p->pt.pages, p->stacks.n);
	WRITE_ONCE(d->prot, p);
	return 0;
}

/**
 * nooks_protect_live() - the module's init returned: its __ro_after_init
 * and init data are no longer the driver's to write
 * @d: the domain
 */
void nooks_protect_live(struct nooks_domain *d)
{
	struct nooks_protect *p = READ_ONCE(d->prot);

	if (!p)
		return;
	nooks_protect_unrange(p, p->ro_after_init[0], p->ro_after_init[1]);
	nooks_protect_unrange(p, p->init_data[0], p->init_data[1]);
}

/**
 * nooks_protect_unbind() - the module is gone: free its protection
 * @d: the domain
 *
 * Threads still inside the domain (stuck past recovery's wait) may still
 * run on its table and stacks: then they are kept, with a warning.
 */
void nooks_protect_unbind(struct nooks_domain *d)
{
	struct nooks_protect *p = READ_ONCE(d->prot);
	unsigned long in_use;

	if (!p)
		return;
	WRITE_ONCE(d->prot, NULL);
	/* Gates read d->prot with preemption off. */
	synchronize_rcu();
	if (nooks_domain_inside(d)) {
		pr_warn("domain %s: %lu threads still inside: its page table and stacks are not freed\n",
			d->name, nooks_domain_inside(d));
		return;
	}
	in_use = nooks_objtrack_count(&d->objects, NOOKS_OBJ_MEMORY);
	if (in_use)
		pr_warn("domain %s: its driver still holds %lu allocations: its heap is left allocated\n",
			d->name, in_use);
	nooks_protect_free(p, in_use);
}

/**
 * nooks_protect_sync() - the domain's table as the kernel's is now
 * @p: the protection of the domain a CPU enters
 *
 * The entry gate reads its frame and the caller's stack arguments on the
 * domain's table, and the driver reads what its caller passes by pointer
 * (a bio on the stack of the task that submitted it). When the kernel
 * has flushed kernel mappings since the domain's private copies were
 * last checked, they are checked now (nooks_pgtable_sync()): once per
 * flush, not per entry.
 *
 * Context: the entry gate, the kernel's CR3 loaded.
 */
void nooks_protect_sync(struct nooks_protect *p)
{
	unsigned long gen = atomic_long_read(&nooks_protect_kgen);

	if (unlikely(READ_ONCE(p->pt.synced) != gen)) {
		nooks_pgtable_sync(&p->pt, gen);
		atomic_long_inc(&p->syncs);
	}
}

/**
 * nooks_protect_grant() - the domain may write [@addr, @addr + @size)
 * @d: the domain
 * @addr: first byte, any alignment
 * @size: bytes; the pages they touch are granted
 *
 * Context: any.
 */
void nooks_protect_grant(struct nooks_domain *d, unsigned long addr,
			 size_t size)
{
	struct nooks_protect *p = READ_ONCE(d->prot);

	if (p && addr >= TASK_SIZE_MAX && nooks_protect_range(p, addr, size))
		pr_warn_ratelimited("domain %s: cannot grant %zu bytes at %p\n",
				    d->name, size, (void *)addr);
}

/**
 * nooks_protect_revoke() - undo one nooks_protect_grant() of the range
 * @d: the domain
 * @addr: as granted
 * @size: as granted
 *
 * Context: any.
 */
void nooks_protect_revoke(struct nooks_domain *d, unsigned long addr,
			  size_t size)
{
	struct nooks_protect *p = READ_ONCE(d->prot);

	if (p && addr >= TASK_SIZE_MAX)
		nooks_protect_unrange(p, addr, size);
}

/**
 * nooks_protect_object_prepare() - what granting @obj covers
 * @obj: an object a typed wrapper is about to track with
 *	NOOKS_OBJF_GRANT, with key, size and grant set
 *
 * Sets its second range, as it is now: the struct pages of pages (their
 * owner keeps its index and private there), a net_device's transmit queues
 * (an allocation of their own, which drivers write inline:
 * netif_start_queue, BQL's netdev_sent_queue), a gendisk's request
 * queue (drivers set its queuedata), an sk_buff's data buffer
 * from its head to its end (the driver fills received packets and
 * rewrites headers it offloads; not skb_shared_info behind it, the
 * kernel's). Kept in the object because the kernel may move them while
 * the driver holds it (pskb_expand_head): the revoke undoes what was
 * granted.
 */
void nooks_protect_object_prepare(struct nooks_object *obj)
{
	obj->extra = 0;
	obj->extra_size = 0;
	if (obj->key.type == NOOKS_OBJ_NETDEV) {
		struct net_device *dev = (struct net_device *)obj->key.addr;

		if (dev->_tx) {
			obj->extra = (unsigned long)dev->_tx;
			obj->extra_size = dev->num_tx_queues *
					  sizeof(struct netdev_queue);
		}
	} else if (obj->key.type == NOOKS_OBJ_MEMORY &&
		   obj->grant != obj->key.addr) {
		/* pages: their struct pages too (the owner's index, private) */
		obj->extra = obj->key.addr;
		obj->extra_size = obj->size / PAGE_SIZE * sizeof(struct page);
	} else if (obj->key.type == NOOKS_OBJ_GENDISK) {
		struct gendisk *disk = (struct gendisk *)obj->key.addr;

		if (disk->queue) {
			obj->extra = (unsigned long)disk->queue;
			obj->extra_size = sizeof(struct request_queue);
		}
	} else if (obj->key.type == NOOKS_OBJ_SKB) {
		struct sk_buff *skb = (struct sk_buff *)obj->key.addr;

		if (skb->head) {
			obj->extra = (unsigned long)skb->head;
			obj->extra_size = skb_end_pointer(skb) - skb->head;
		}
	}
}

/* nooks_protect_grant() or nooks_protect_revoke(), as @grant says. */
static void nooks_protect_lend(struct nooks_domain *d, unsigned long addr,
			       size_t size, bool grant)
{
	if (grant)
		nooks_protect_grant(d, addr, size);
	else
		nooks_protect_revoke(d, addr, size);
}

/*
 * A __percpu cookie (alloc_percpu) is not an address of the kernel half:
 * each CPU's copy of the @size bytes is. Return: true if @addr was one.
 */
static bool nooks_protect_percpu(struct nooks_domain *d, unsigned long addr,
				 size_t size, bool grant)
{
	int cpu;

	if (!addr || addr >= TASK_SIZE_MAX)
		return false;
	for_each_possible_cpu(cpu)
		nooks_protect_lend(d, (unsigned long)
				   per_cpu_ptr((void __percpu *)addr, cpu),
				   size, grant);
	return true;
}

/*
 * A block request's payload, for a read: the driver fills its pages. Its
 * bios stay attached until the driver ends it, so the revoke, made when
 * it does (or when queue_rq hands it back), walks the same segments.
 */
static void nooks_protect_rq_payload(struct nooks_domain *d,
				     struct request *rq, bool grant)
{
	struct req_iterator iter;
	struct bio_vec bv;

	if (req_op(rq) != REQ_OP_READ)
		return;
	rq_for_each_segment(bv, rq, iter)
		nooks_protect_lend(d, (unsigned long)bvec_virt(&bv), bv.bv_len,
				   grant);
}

static void nooks_protect_object(struct nooks_domain *d,
				 const struct nooks_object *obj, bool grant)
{
	if (!READ_ONCE(d->prot))
		return;
	if (nooks_protect_percpu(d, obj->grant, obj->size, grant))
		return;
	nooks_protect_lend(d, obj->grant, obj->size, grant);
	if (obj->extra_size)
		nooks_protect_lend(d, obj->extra, obj->extra_size, grant);
	if (obj->key.type == NOOKS_OBJ_REQUEST)
		nooks_protect_rq_payload(d, (struct request *)obj->key.addr,
					 grant);
}

/**
 * nooks_protect_grant_object() - a typed wrapper's grant of an object
 * @d: the domain
 * @obj: the object, prepared (nooks_protect_object_prepare())
 *
 * Its ranges, each CPU's copy of per-CPU memory, a read request's
 * payload.
 */
void nooks_protect_grant_object(struct nooks_domain *d,
				const struct nooks_object *obj)
{
	nooks_protect_object(d, obj, true);
}

/**
 * nooks_protect_revoke_object() - undo nooks_protect_grant_object()
 * @d: the domain
 * @obj: as granted
 */
void nooks_protect_revoke_object(struct nooks_domain *d,
				 const struct nooks_object *obj)
{
	nooks_protect_object(d, obj, false);
}

static bool nooks_protect_callee(unsigned long addr)
{
	char sym[KSYM_SYMBOL_LEN], *plus;
	int i;

	sprint_symbol_no_offset(sym, addr);
	plus = strchr(sym, ' ');
	if (plus)
		*plus = '\0';
	if (nooks_in_domain_reason(sym))
		return true;
	for (i = 0; i < ARRAY_SIZE(nooks_protect_callees); i++)
		if (!strcmp(sym, nooks_protect_callees[i]))
			return true;
	return false;
}

/*
 * pagefault_disable() is inline: kmap_atomic(), kmap_local_page() and
 * the copy helpers built on it count in current->pagefault_disabled. An
 * entry whose driver code does that may write that field of its task
 * (and so the rest of its page, a part of some task_structs) until it
 * returns: granted on the first write, revoked by nooks_xpc_leave().
 */
static bool nooks_protect_task_grant(struct nooks_xpc_frame *f,
				     unsigned long address)
{
	unsigned long field = (unsigned long)&current->pagefault_disabled;

	if (address < field || address >= field + sizeof(int) ||
	    (f->flags & NOOKS_XPC_TASK_GRANT))
		return false;
	nooks_protect_grant(f->domain, field, sizeof(int));
	f->flags |= NOOKS_XPC_TASK_GRANT;
	return true;
}

/**
 * nooks_protect_task_revoke() - an entry that wrote its task returns
 * @f: its frame, with NOOKS_XPC_TASK_GRANT
 */
void nooks_protect_task_revoke(struct nooks_xpc_frame *f)
{
	nooks_protect_revoke(f->domain,
			     (unsigned long)&current->pagefault_disabled,
			     sizeof(int));
	f->flags &= ~NOOKS_XPC_TASK_GRANT;
}

/**
 * nooks_protect_fault() - a page fault of driver code in a protected domain
 * @f: the entry frame of the driver code
 * @regs: its state; set to try the access again when that is the answer
 * @address: the address it faulted on
 * @error_code: the page fault's error code
 *
 * Context: the page fault tracepoint, the kernel's CR3 loaded.
 * Return: NOOKS_PF_RETRIED when the access is tried again (in the domain,
 * through nooks_xpc_retry_pad), or a call through a pointer to a kernel
 * function crosses out (nooks_xpc_indirect_pad); NOOKS_PF_PROTECTION
 * when the kernel's tables would allow it and the domain's do not: a
 * protection fault;
 * NOOKS_PF_OTHER when the kernel would not allow it either.
 */
enum nooks_protect_pf nooks_protect_fault(struct nooks_xpc_frame *f,
					  struct pt_regs *regs,
					  unsigned long address,
					  unsigned long error_code)
{
	struct nooks_protect *p = READ_ONCE(f->domain->prot);
	bool write = error_code & X86_PF_WRITE;
	bool exec = error_code & X86_PF_INSTR;
	struct nooks_pgtable_walk k, w;

	if (address < TASK_SIZE_MAX)
		return NOOKS_PF_OTHER;
	nooks_pgtable_lookup(NULL, address, &k);
	if (!k.present || (write && !k.rw) || (exec && k.nx))
		return NOOKS_PF_OTHER;	/* the kernel would not allow it */
	if (!p)
		return NOOKS_PF_PROTECTION;
	nooks_pgtable_lookup(&p->pt, address, &w);
	if (w.present && (!write || w.rw) && (!exec || !w.nx)) {
		/* allowed already: a stale TLB entry, dropped by the fault */
	} else if (nooks_pgtable_resync(&p->pt, address)) {
		atomic_long_inc(&p->resyncs);
	} else if (exec && nooks_protect_callee(address) &&
		   nooks_protect_allow_function(p, address)) {
		atomic_long_inc(&p->exec_allowed);
	} else if (write && nooks_protect_task_grant(f, address)) {
		/* retried */
	} else if (exec && nooks_protect_indirect(f, p, regs, address)) {
		return NOOKS_PF_RETRIED;	/* crosses out from the pad */
	} else {
		return NOOKS_PF_PROTECTION;
	}
	/*
	 * Resume at the pad, which loads the domain's CR3 and jumps to
	 * f->retry_ip. (Not on the stack below regs->sp: that is where the
	 * CPU pushed the frame regs are.)
	 */
	f->retry_ip = regs->ip;
	regs->ip = (unsigned long)nooks_xpc_retry_pad;
	return NOOKS_PF_RETRIED;
}
