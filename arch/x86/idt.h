/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The domain IDT: the kernel's gates, each through a stub that leaves a
 * domain's page table before the kernel's handler runs, and for #DF (a
 * driver that ran off its stack) a handler of ours. A CPU loads it while
 * it runs driver code and the kernel's IDT again when it runs none (the
 * gates, domains/xpc.c): kernel code that can sleep never runs under it.
 */
#ifndef _NOOKS_IDT_H
#define _NOOKS_IDT_H

#include <linux/percpu.h>
#include <asm/desc_defs.h>
#include <asm/segment.h>

extern struct desc_ptr nooks_idt_kernel_desc, nooks_idt_domain_desc;
/* The kernel's #DF entry, where the domain IDT's #DF stub goes on. */
extern unsigned long nooks_idt_kernel_df;
/* The kernel's handler of each vector, where each stub goes on. */
extern unsigned long nooks_idt_kernel_handlers[IDT_ENTRIES];

/* A register's worth of room per IST vector, for its stub. */
DECLARE_PER_CPU(unsigned long[32], nooks_idt_scratch);
/* Set by the #PF stub when it cleared a fetch from a user address. */
DECLARE_PER_CPU(u8, nooks_idt_pf_fetch);

/* arch/x86/idt_stubs.S: 256 stubs, this many bytes apart. */
#define NOOKS_IDT_STUB_SIZE	32
void nooks_idt_stubs(void);
void nooks_idt_irq_return(void);

int nooks_idt_init(void);
void nooks_idt_uninit(void);

/* The CPU starts running driver code: no instrumentation. */
static __always_inline void nooks_idt_load_domain(void)
{
	asm volatile("lidt %0" : : "m" (nooks_idt_domain_desc));
}

/* The CPU runs no driver code any more. */
static __always_inline void nooks_idt_load_kernel(void)
{
	asm volatile("lidt %0" : : "m" (nooks_idt_kernel_desc));
}

/* The #DF entry of the domain IDT: arch/x86/trap.S. */
void nooks_idt_double_fault(void);
bool nooks_idt_double_fault_regs(struct pt_regs *regs);

#endif /* _NOOKS_IDT_H */
