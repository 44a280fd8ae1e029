/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The domain IDT's #DF entry (arch/x86/idt.c). The CPU is on the #DF IST
 * stack with the interrupted state and an error code pushed. Build a
 * struct pt_regs over them, ask nooks_idt_double_fault_regs() whether
 * this is driver code running off its stack; if so return to where it
 * rewrote the state to (the gates' landing pad), else go on to the
 * kernel's own #DF entry with the stack as the CPU left it.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>

#include "cr3.inc"

SYM_CODE_START(nooks_idt_double_fault)
	UNWIND_HINT_IRET_REGS offset=8
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	UNWIND_HINT_REGS
	/* the IST stack is writable in a domain; nothing else need be */
	NOOKS_TO_KERNEL_CR3 %rax, %rcx
	movq	%rsp, %rdi
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	nooks_idt_double_fault_regs
	movq	%rbx, %rsp
	testb	%al, %al
	/* pops leave the flags alone */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	UNWIND_HINT_IRET_REGS offset=8
	jz	.Lkernel_df
	addq	$8, %rsp
	UNWIND_HINT_IRET_REGS
	iretq
.Lkernel_df:
	UNWIND_HINT_IRET_REGS offset=8
	ANNOTATE_RETPOLINE_SAFE
	jmp	*nooks_idt_kernel_df(%rip)
SYM_CODE_END(nooks_idt_double_fault)
