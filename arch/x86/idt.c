// SPDX-License-Identifier: GPL-2.0
/*
 * The domain IDT, built once at load: a copy of the kernel's IDT (all
 * CPUs share one, mapped read-only in the cpu_entry_area) whose gates,
 * each with the kernel's type, privilege and IST index, go to stubs of
 * ours (arch/x86/idt_stubs.S) that make sure the kernel's handler never
 * runs on a domain's page table, then go on to it.
 *
 * #DF goes to nooks_idt_double_fault (arch/x86/trap.S), on the same IST
 * stack. A driver that runs off its stack takes a page fault it cannot
 * push a frame for: the CPU raises #DF on the IST stack. The kernel's
 * handler would panic ("kernel stack overflow"); ours contains it when
 * this CPU runs driver code and the faulting address is next to the
 * stack pointer, and passes every other #DF on to the kernel's handler.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <asm/desc.h>
#include <asm/special_insns.h>
#include <asm/traps.h>

#include "../../domains/xpc.h"
#include "fault.h"
#include "idt.h"

struct desc_ptr nooks_idt_kernel_desc, nooks_idt_domain_desc;
unsigned long nooks_idt_kernel_df;
unsigned long nooks_idt_kernel_handlers[IDT_ENTRIES];
/* A register's worth of room per IST vector for its stub. */
DEFINE_PER_CPU(unsigned long[32], nooks_idt_scratch);
/* The #PF stub cleared the fetch bit of this CPU's page fault. */
DEFINE_PER_CPU(u8, nooks_idt_pf_fetch);

/* The error code bits the #PF stub tests, as numbers in idt_stubs.S. */
static_assert(X86_PF_USER == 0x4 && X86_PF_INSTR == 0x10);

/**
 * nooks_idt_double_fault_regs() - is this #DF a driver's stack overflow?
 * @regs: the state the #DF interrupted; rewritten to unwind if so
 *
 * Called by the #DF stub on the IST stack with nothing else of the
 * kernel's entry code run: no instrumentation, no locks.
 *
 * Return: true if contained (the stub returns to the landing pad).
 */
noinstr bool nooks_idt_double_fault_regs(struct pt_regs *regs)
{
	struct nooks_xpc_frame *f = nooks_xpc_running();
	unsigned long cr2 = native_read_cr2();

	if (!f || cr2 + PAGE_SIZE < regs->sp || cr2 > regs->sp + PAGE_SIZE)
		return false;
	nooks_fault_defer(f, regs, "stack-overflow", cr2);
	return true;
}

/**
 * nooks_idt_init() - copy the kernel's IDT and take over its #DF gate
 *
 * Return: 0, -ENOMEM, or -EOPNOTSUPP if the IDT is not the size of 256
 * gates.
 */
int nooks_idt_init(void)
{
	gate_desc *idt, *df;
	int i;

	store_idt(&nooks_idt_kernel_desc);
	if (nooks_idt_kernel_desc.size != IDT_ENTRIES * sizeof(gate_desc) - 1)
		return -EOPNOTSUPP;
	idt = (gate_desc *)__get_free_page(GFP_KERNEL);
	if (!idt)
		return -ENOMEM;
	memcpy(idt, (void *)nooks_idt_kernel_desc.address, PAGE_SIZE);
	for (i = 0; i < IDT_ENTRIES; i++) {
		gate_desc *g = &idt[i];

		nooks_idt_kernel_handlers[i] = gate_offset(g);
		if (!g->bits.p)
			continue;
		pack_gate(g, g->bits.type, (unsigned long)nooks_idt_stubs +
			  i * NOOKS_IDT_STUB_SIZE, g->bits.dpl, g->bits.ist,
			  g->segment);
	}
	df = &idt[X86_TRAP_DF];
	nooks_idt_kernel_df = nooks_idt_kernel_handlers[X86_TRAP_DF];
	pack_gate(df, GATE_INTERRUPT, (unsigned long)nooks_idt_double_fault,
		  0, df->bits.ist, __KERNEL_CS);
	nooks_idt_domain_desc.size = nooks_idt_kernel_desc.size;
	nooks_idt_domain_desc.address = (unsigned long)idt;
	return 0;
}

/**
 * nooks_idt_uninit() - free the domain IDT; no CPU runs driver code now
 */
void nooks_idt_uninit(void)
{
	free_page(nooks_idt_domain_desc.address);
}
