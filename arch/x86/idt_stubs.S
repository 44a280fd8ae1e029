/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The domain IDT's stubs (arch/x86/idt.c): one per vector, 32 bytes
 * apart from nooks_idt_stubs, each pushing the kernel's handler of its
 * vector and going on to common code that makes sure no kernel code runs
 * on a domain's page table.
 *
 * Exceptions (vectors 0-31, the IST ones included): on a domain's table,
 * load the kernel's, then go to the kernel's handler with the frame the
 * CPU pushed, so that regs hold the real faulting ip. A fault of the
 * driver resumes at the gates' landing pad (arch/x86/fault.c) or, when
 * only a stale table copy or a kernel function it may run was in the
 * way, at nooks_xpc_retry_pad, back on the domain's table. An exception
 * the kernel handles and returns from (a WARN, an int3) returns to driver
 * code on the kernel's table until its next crossing.
 *
 * Interrupts (vectors 32-255): on a domain's table, load the kernel's and
 * call the kernel's handler as if the interrupt had come at
 * nooks_idt_irq_return, with the interrupted domain CR3 saved above that
 * fake frame: the handler returns there, which loads that CR3 again and
 * returns to where the interrupt came. Off a domain's table, the kernel's
 * handler directly.
 *
 * Entered with interrupts off (interrupt gates), from kernel mode only:
 * the domain IDT is loaded only while a CPU runs driver code.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/percpu.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/trapnr.h>

#include "cr3.inc"

	.section .text, "ax"
	.balign 16
SYM_CODE_START(nooks_idt_stubs)
	vector = 0
	.rept 256
	.balign 32
	.if vector == X86_TRAP_DB
	jmp	nooks_idt_ist_1
	.elseif vector == X86_TRAP_NMI
	jmp	nooks_idt_ist_2
	.elseif vector == X86_TRAP_MC
	jmp	nooks_idt_ist_18
	.else
	/* From user mode: only through a stale domain IDT, on user GS. */
	.if vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30
	testb	$3, 16(%rsp)
	.else
	testb	$3, 8(%rsp)
	.endif
	jz	1f
	jmp	*nooks_idt_kernel_handlers + 8 * vector(%rip)
1:	pushq	nooks_idt_kernel_handlers + 8 * vector(%rip)
	.if vector == X86_TRAP_PF
	jmp	nooks_idt_pf
	.elseif vector < 32
	jmp	nooks_idt_exception
	.else
	jmp	nooks_idt_interrupt
	.endif
	.endif
	vector = vector + 1
	.endr
SYM_CODE_END(nooks_idt_stubs)

/*
 * NMI, #DB and #MC come on IST stacks, where the kernel's NMI entry keeps
 * state right below the CPU's frame ("NMI executing"): nothing may be
 * pushed there. Their stubs use a per-CPU word each instead of the stack,
 * and go on with a memory-indirect jump. Interrupts are off (interrupt
 * gates), so the CR4.PGE toggle needs no more.
 */
.macro NOOKS_IST_STUB vec
SYM_CODE_START_LOCAL(nooks_idt_ist_\vec)
	testb	$3, 8(%rsp)
	jnz	.Lgo_user\@
	movq	%rax, PER_CPU_VAR(nooks_idt_scratch + 8 * \vec)
	movq	%cr3, %rax
	cmpq	PER_CPU_VAR(nooks_xpc_dcr3), %rax
	jne	.Lgo\@
	movq	PER_CPU_VAR(nooks_xpc_kcr3), %rax
	movq	%rax, %cr3
	cmpb	$0, nooks_protect_flush_global(%rip)
	je	.Lgo\@
	movq	%cr4, %rax
	xorq	$X86_CR4_PGE, %rax
	movq	%rax, %cr4
	xorq	$X86_CR4_PGE, %rax
	movq	%rax, %cr4
.Lgo\@:
	movq	PER_CPU_VAR(nooks_idt_scratch + 8 * \vec), %rax
.Lgo_user\@:
	ANNOTATE_RETPOLINE_SAFE
	jmp	*nooks_idt_kernel_handlers + 8 * \vec(%rip)
SYM_CODE_END(nooks_idt_ist_\vec)
.endm

	NOOKS_IST_STUB 1
	NOOKS_IST_STUB 2
	NOOKS_IST_STUB 18

/*
 * #PF. [rsp]: the kernel's handler, [rsp + 8]: the error code. The
 * kernel oopses on an instruction fetch from a user address in kernel
 * mode before it looks for an exception fixup (do_user_addr_fault), so
 * driver code jumping through a NULL or corrupted function pointer could
 * not be contained like its other faults. With the domain IDT loaded the
 * CPU runs driver code (or an interrupt nested in it): the fetch bit is
 * cleared, so the kernel handles the fault as an access to that user
 * address, which the fault handlers contain (arch/x86/fault.c); the
 * per-CPU flag tells them the bit was cleared, so that a fault that is
 * not the driver's is reported as the fetch it was.
 */
	NOOKS_PF_USER = 0x4	/* X86_PF_USER, checked in idt.c */
	NOOKS_PF_INSTR = 0x10	/* X86_PF_INSTR, checked in idt.c */
SYM_CODE_START(nooks_idt_pf)
	testb	$NOOKS_PF_INSTR, 8(%rsp)
	jz	1f
	testb	$NOOKS_PF_USER, 8(%rsp)
	jnz	1f
	pushq	%rax
	movq	%cr2, %rax
	btq	$63, %rax
	popq	%rax
	jc	1f
	andq	$~NOOKS_PF_INSTR, 8(%rsp)
	movb	$1, PER_CPU_VAR(nooks_idt_pf_fetch)
1:	jmp	nooks_idt_exception
SYM_CODE_END(nooks_idt_pf)

/* [rsp]: the kernel's handler; above it the CPU's frame. */
SYM_CODE_START(nooks_idt_exception)
	pushq	%rax
	pushq	%rcx
	NOOKS_TO_KERNEL_CR3 %rax, %rcx
	popq	%rcx
	popq	%rax
	ret
SYM_CODE_END(nooks_idt_exception)

/*
 * [rsp]: the kernel's handler; X = rsp + 8: the CPU's frame (RIP, CS,
 * RFLAGS, RSP, SS). On a domain's table, build below X:
 *	X-8	the domain CR3
 *	X-16	SS	} a frame as the CPU would push for an interrupt
 *	X-24	X-8	} of nooks_idt_irq_return, interrupts on or off
 *	X-32	RFLAGS	} as at the interrupted code
 *	X-40	CS	}
 *	X-48	nooks_idt_irq_return
 *	X-56	the kernel's handler, which ret goes to
 */
SYM_CODE_START(nooks_idt_interrupt)
	pushq	%rax
	movq	%cr3, %rax
	cmpq	PER_CPU_VAR(nooks_xpc_dcr3), %rax
	je	.Lon_domain
	popq	%rax
	ret
.Lon_domain:
	pushq	%rax			/* X-24: the domain CR3 */
	pushq	%rcx			/* X-32 */
	movq	PER_CPU_VAR(nooks_xpc_kcr3), %rax
	movq	%rax, %cr3
	NOOKS_FLUSH_GLOBAL %rax, %rcx
	subq	$40, %rsp		/* rsp = X-72; X-k is (72-k)(%rsp) */
	movq	64(%rsp), %rax		/* the handler */
	movq	%rax, 16(%rsp)
	movq	48(%rsp), %rax		/* the domain CR3 */
	movq	%rax, 64(%rsp)
	movq	56(%rsp), %rax		/* saved %rax */
	movq	%rax, 8(%rsp)
	movq	40(%rsp), %rax		/* saved %rcx */
	movq	%rax, (%rsp)
	movq	104(%rsp), %rax		/* SS */
	movq	%rax, 56(%rsp)
	leaq	64(%rsp), %rax		/* RSP: X-8 */
	movq	%rax, 48(%rsp)
	movq	88(%rsp), %rax		/* RFLAGS */
	movq	%rax, 40(%rsp)
	movq	80(%rsp), %rax		/* CS */
	movq	%rax, 32(%rsp)
	leaq	nooks_idt_irq_return(%rip), %rax
	movq	%rax, 24(%rsp)
	popq	%rcx
	popq	%rax
	ret
SYM_CODE_END(nooks_idt_interrupt)

/*
 * The kernel's handler returned here on the kernel's table, which it may
 * have changed (a lazy TLB switch): remember it as the one to go back
 * to, load the interrupted domain CR3 at [rsp] and return to the code
 * the interrupt came at.
 */
SYM_CODE_START(nooks_idt_irq_return)
	pushq	%rax
	pushq	%rcx
	movq	%cr3, %rax
	orq	nooks_protect_noflush(%rip), %rax
	movq	%rax, PER_CPU_VAR(nooks_xpc_kcr3)
	NOOKS_LOAD_CR3 16(%rsp), %rax, %rcx
	popq	%rcx
	popq	%rax
	addq	$8, %rsp
	iretq
SYM_CODE_END(nooks_idt_irq_return)
