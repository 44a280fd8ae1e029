/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault payloads of nooksctl inject (domains/inject.c). An armed entry
 * gate calls one in place of the driver function, on the driver's
 * arguments, as driver code of the domain: its fault is a real fault of
 * domain code, caught and unwound like any other.
 *
 * A bare ud2 is what a driver's BUG() becomes once its bug table entry
 * is dropped at bind (core/bind.c). The loops run with preemption off
 * (the entry took it) or interrupts off, for the hang detector.
 *
 * Built without objtool (see Kbuild): the loops that run off the stack
 * and the undefined opcodes are not code it can follow.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

#include "../../domains/xpc.h"

	.section .text.nooks_payload, "ax"

/* The first payload: where the payloads' range starts (hang detection). */
SYM_FUNC_START(nooks_payload_null_deref)
	xorl	%eax, %eax
	movq	(%rax), %rax
	RET
SYM_FUNC_END(nooks_payload_null_deref)

/*
 * Bump nooks_payload_victim, then run the driver function after all (%rbx
 * is the entry gate's frame): without page-table protection the write
 * simply lands, and the driver must not lose the call.
 */
SYM_FUNC_START(nooks_payload_wild_write)
	leaq	nooks_payload_victim(%rip), %r10
	incq	(%r10)
	movq	NOOKS_XPC_DESC(%rbx), %r11
	movq	NOOKS_DESC_TARGET(%r11), %r11
	JMP_NOSPEC r11
SYM_FUNC_END(nooks_payload_wild_write)

/*
 * Write a global of the kernel's own (overflowuid, adding 0: if the
 * write lands it changes nothing), then run the driver function.
 */
SYM_FUNC_START(nooks_payload_kernel_write)
	addl	$0, overflowuid(%rip)
	movq	NOOKS_XPC_DESC(%rbx), %r11
	movq	NOOKS_DESC_TARGET(%r11), %r11
	JMP_NOSPEC r11
SYM_FUNC_END(nooks_payload_kernel_write)

/*
 * Write (adding 0) where nooks_payload_stale points: memory the domain
 * freed just now (domains/inject.c), then run the driver function.
 */
SYM_FUNC_START(nooks_payload_stale_write)
	movq	nooks_payload_stale(%rip), %r10
	addl	$0, (%r10)
	movq	NOOKS_XPC_DESC(%rbx), %r11
	movq	NOOKS_DESC_TARGET(%r11), %r11
	JMP_NOSPEC r11
SYM_FUNC_END(nooks_payload_stale_write)

SYM_FUNC_START(nooks_payload_stack_overflow)
1:	subq	$512, %rsp
	movq	$0, (%rsp)
	jmp	1b
SYM_FUNC_END(nooks_payload_stack_overflow)

SYM_FUNC_START(nooks_payload_bug)
	ud2
SYM_FUNC_END(nooks_payload_bug)

SYM_FUNC_START(nooks_payload_gpf)
	movabsq	$0xdead000000000000, %rax
	movq	(%rax), %rax
	RET
SYM_FUNC_END(nooks_payload_gpf)

SYM_FUNC_START(nooks_payload_div_zero)
	movl	$1, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	divl	%ecx
	RET
SYM_FUNC_END(nooks_payload_div_zero)

SYM_FUNC_START(nooks_payload_hang)
1:	pause
	jmp	1b
SYM_FUNC_END(nooks_payload_hang)

SYM_FUNC_START(nooks_payload_hang_irqoff)
	cli
1:	pause
	jmp	1b
SYM_FUNC_END(nooks_payload_hang_irqoff)

/* UD0: an opcode no x86 CPU defines. */
SYM_FUNC_START(nooks_payload_illegal_insn)
	.byte	0x0f, 0xff, 0xc0
SYM_FUNC_END(nooks_payload_illegal_insn)

/*
 * nooks_payload_gate_call(manifest, desc, arg): call desc's function
 * through the exit gate as the domain's driver code would, with the
 * wrapper of desc.
 */
SYM_FUNC_START(nooks_payload_gate_call)
	movq	%rdi, %r10
	movq	%rsi, %r11
	movq	%rdx, %rdi
	jmp	nooks_xpc_exit
SYM_FUNC_END(nooks_payload_gate_call)

SYM_CODE_START(nooks_payload_end)
SYM_CODE_END(nooks_payload_end)

	.data
	.balign 8
SYM_DATA(nooks_payload_victim, .quad 0)
SYM_DATA(nooks_payload_stale, .quad 0)
