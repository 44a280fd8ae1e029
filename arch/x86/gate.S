/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XPC gates. A stub in the rewritten driver (include/uapi/nooks_module.h)
 * jumps here with %r10 = the driver's manifest and %r11 = the gate
 * descriptor, the call's arguments untouched in registers and on the
 * stack. The gate builds a crossing frame (domains/xpc.h), asks its C
 * half whether and how to cross, copies the stack arguments the
 * descriptor names, calls the real function, and undoes the crossing.
 *
 * Stack while the target runs:
 *
 *	  stack arguments of the caller    16(%rbp)...
 *	  return address into the caller    8(%rbp)
 *	  caller's %rbp                      (%rbp)
 *	  %rbx %r12 %r13 %r14 %r15         -40(%rbp)
 *	  (the frame's size keeps %rsp 16-byte aligned at the call)
 *	  struct nooks_xpc_frame           -40-FRAME_SIZE(%rbp)
 *	  copied stack arguments             (%rsp)
 *
 * A fault inside the target can resume at the gate's return label with
 * only %rbp (saved in the frame) right: everything else is found from it.
 * Not instrumented: no ftrace, no KCOV, no sanitizers (see Kbuild).
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/orc_types.h>
#include <asm/smap.h>

#include "../../domains/xpc.h"
#include "cr3.inc"

#define FRAME	(-NOOKS_XPC_PUSHED - NOOKS_XPC_FRAME_SIZE)

.macro SAVE_ARGS base
	movq	%rdi, NOOKS_XPC_RDI(\base)
	movq	%rsi, NOOKS_XPC_RSI(\base)
	movq	%rdx, NOOKS_XPC_RDX(\base)
	movq	%rcx, NOOKS_XPC_RCX(\base)
	movq	%r8, NOOKS_XPC_R8(\base)
	movq	%r9, NOOKS_XPC_R9(\base)
	movq	%rax, NOOKS_XPC_RAX(\base)
.endm

.macro LOAD_ARGS base
	movq	NOOKS_XPC_RDI(\base), %rdi
	movq	NOOKS_XPC_RSI(\base), %rsi
	movq	NOOKS_XPC_RDX(\base), %rdx
	movq	NOOKS_XPC_RCX(\base), %rcx
	movq	NOOKS_XPC_R8(\base), %r8
	movq	NOOKS_XPC_R9(\base), %r9
	movq	NOOKS_XPC_RAX(\base), %rax
.endm

.macro PROLOGUE
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$NOOKS_XPC_FRAME_SIZE, %rsp
	SAVE_ARGS %rsp
	movq	%r10, NOOKS_XPC_MANIFEST(%rsp)
	movq	%r11, NOOKS_XPC_DESC(%rsp)
	movq	%rbp, NOOKS_XPC_RBP(%rsp)
	movq	8(%rbp), %r10
	movq	%r10, NOOKS_XPC_RET(%rsp)
.endm

.macro EPILOGUE
	leaq	-NOOKS_XPC_PUSHED(%rbp), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
.endm

/*
 * Copy desc->stack_slots (at most NOOKS_MAX_STACK_SLOTS) words of the
 * caller's stack arguments below the frame, reload the argument
 * registers and call the frame's target: for an exit desc->target, or
 * what a heap= rewrite made it (wrappers/heap.c); for an entry the driver
 * function, or a fault nooksctl inject armed. %rbx
 * holds the frame across the call.
 *
 * In a protected domain an entry calls on the domain stack the C half
 * took, after loading the domain's CR3 (its last act on the kernel's
 * table); an exit calls on the kernel stack below the entry frame.
 */
.macro CALL_TARGET entry
	movq	%rsp, %rbx
.if \entry
	movq	NOOKS_XPC_DSTACK(%rbx), %rax
.else
	movq	NOOKS_XPC_KSP(%rbx), %rax
.endif
	testq	%rax, %rax
	jz	.Lstack\@
	movq	%rax, %rsp
.Lstack\@:
	movq	NOOKS_XPC_DESC(%rbx), %r11
	movl	NOOKS_DESC_STACK_SLOTS(%r11), %ecx
	cmpl	$NOOKS_MAX_STACK_SLOTS, %ecx
	jbe	.Lslots\@
	movl	$NOOKS_MAX_STACK_SLOTS, %ecx
.Lslots\@:
	leaq	(, %rcx, 8), %rax
	subq	%rax, %rsp
	andq	$-16, %rsp
	leaq	16(%rbp), %rsi
	movq	%rsp, %rdi
	rep movsq
.if \entry
	NOOKS_LOAD_CR3 NOOKS_XPC_CR3(%rbx), %rax, %rcx
.endif
	LOAD_ARGS %rbx
	movq	NOOKS_XPC_TARGET(%rbx), %r11
	CALL_NOSPEC r11
.endm

/*
 * Back on the kernel's table and on the frame (whatever the target left
 * in %rsp), let the C half fn undo the crossing, and return the target's
 * %rax:%rdx, on the caller's domain table if it ran on one.
 */
.macro RETURN_THROUGH fn
	NOOKS_TO_KERNEL_CR3 %rcx, %rsi
	leaq	FRAME(%rbp), %rsp
	movq	%rax, NOOKS_XPC_RAX(%rsp)
	movq	%rdx, NOOKS_XPC_RDX_RET(%rsp)
	movq	%rsp, %rdi
	call	\fn
	movq	NOOKS_XPC_RAX(%rsp), %rax
	movq	NOOKS_XPC_RDX_RET(%rsp), %rdx
	NOOKS_LOAD_CR3 NOOKS_XPC_CR3_IN(%rsp), %rcx, %rsi
	EPILOGUE
	RET
.endm

/* Kernel calls an isolated driver's function. */
SYM_FUNC_START(nooks_xpc_entry)
	PROLOGUE
	movq	%rsp, %rdi
	call	nooks_xpc_enter
	testl	%eax, %eax
	jnz	.Lentry_no_crossing

	CALL_TARGET 1
SYM_INNER_LABEL(nooks_xpc_entry_return, SYM_L_GLOBAL)
	RETURN_THROUGH nooks_xpc_leave

.Lentry_no_crossing:
	js	.Lentry_failed
	/* Already running in this domain: a plain call, no crossing. */
	LOAD_ARGS %rsp
	movq	NOOKS_XPC_DESC(%rsp), %r11
	movq	NOOKS_DESC_TARGET(%r11), %r11
	EPILOGUE
	JMP_NOSPEC r11

.Lentry_failed:
	/* The domain is not live: the caller gets the failure value. */
	movq	%rsp, %rdi
	call	nooks_xpc_fail_value
	xorl	%edx, %edx
	NOOKS_LOAD_CR3 NOOKS_XPC_CR3_IN(%rsp), %rcx, %rsi
	EPILOGUE
	RET
SYM_FUNC_END(nooks_xpc_entry)

/* An isolated driver calls a kernel function. */
SYM_FUNC_START(nooks_xpc_exit)
	testl	$(1 << NOOKS_DESC_LOCAL_BIT), NOOKS_DESC_KIND(%r11)
	jnz	.Lexit_local
	testl	$(1 << NOOKS_DESC_DEFER_BIT | 1 << NOOKS_DESC_PREMADE_BIT), \
		NOOKS_DESC_KIND(%r11)
	jnz	.Lexit_defer
.Lexit_cross:
	PROLOGUE
	/* the arguments are in the frame: any register will do */
	NOOKS_TO_KERNEL_CR3 %rax, %rcx
	movq	%rsp, %rdi
	call	nooks_xpc_out
	testq	%rax, %rax
	jnz	.Lexit_no_call

	CALL_TARGET 0
	leaq	FRAME(%rbp), %rsp
	movq	%rax, NOOKS_XPC_RAX(%rsp)
	movq	%rdx, NOOKS_XPC_RDX_RET(%rsp)
	movq	%rsp, %rdi
	call	nooks_xpc_back
	testq	%rax, %rax
	jnz	.Lexit_unwind
.Lexit_return:
	/* Driver code that crossed out crosses back onto its table. */
	testl	$(1 << NOOKS_XPC_ENTERED_BIT), NOOKS_XPC_FLAGS(%rsp)
	jz	.Lexit_ret
	NOOKS_LOAD_CR3 PER_CPU_VAR(nooks_xpc_dcr3), %rcx, %rsi
.Lexit_ret:
	movq	NOOKS_XPC_RAX(%rsp), %rax
	movq	NOOKS_XPC_RDX_RET(%rsp), %rdx
	EPILOGUE
	RET

.Lexit_no_call:
	/* A refused call with no driver code to unwind returns f->rax. */
	cmpq	%rax, %rsp
	je	.Lexit_return
.Lexit_unwind:
	/*
	 * The domain failed: the driver code that called must not run on.
	 * Trap here with its entry frame in %rax; the die notifier
	 * (arch/x86/fault.c) knows this address and returns from that entry
	 * gate with its failure value, as a fault in the driver would.
	 */
SYM_INNER_LABEL(nooks_xpc_exit_unwind_trap, SYM_L_GLOBAL)
	ud2

.Lexit_defer:
	/*
	 * A call the spec lets wait (domains/defer.h): queued from here,
	 * still on the domain's table and stack, with no crossing, when
	 * nooks_defer_try(manifest, desc, return address, a0, a1, a2) may;
	 * else it crosses as any call. Or one a batched entry's kernel side
	 * made already (domains/batch.h): it returns at once, else crosses.
	 * The function returns nothing, or a value drivers do not read
	 * (its spec says unread-return): 0.
	 */
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	%rdx, %r9
	movq	%rsi, %r8
	movq	%rdi, %rcx
	movq	8(%rbp), %rdx
	movq	%r11, %rsi
	movq	%r10, %rdi
	call	nooks_defer_try
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	testb	%al, %al
	jz	.Lexit_cross
	xorl	%eax, %eax
	RET

.Lexit_local:
	/*
	 * A call nooks.ko may answer in the domain (domains/local.h):
	 * nooks_local_try(manifest, desc, args), the six argument registers
	 * at args, in order, still on the domain's table and stack. It
	 * answers with args[0], or the call crosses as any other.
	 */
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	movq	%rsp, %rdx
	movq	%r11, %rsi
	movq	%r10, %rdi
	call	nooks_local_try
	testb	%al, %al
	jz	.Lexit_local_cross
	movq	(%rsp), %rax
	leaq	(%rbp), %rsp
	popq	%rbp
	RET
.Lexit_local_cross:
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%rbp
	jmp	.Lexit_cross
SYM_FUNC_END(nooks_xpc_exit)

/*
 * Where a fault in driver code resumes (arch/x86/fault.c): the fault
 * handler set %rbp to the innermost entry frame's, %rax to the failure
 * value and, for a user address, EFLAGS.AC to pass the SMAP check. The
 * exception table entry pointing here to here is what lets the kernel's
 * own fixup path arrive here instead of oopsing.
 */
SYM_CODE_START(nooks_xpc_retry_pad)
	/*
	 * Where a page fault of driver code that was only a stale private
	 * table or a kernel function it may run resumes
	 * (arch/x86/protect.c), with the faulting ip in the innermost entry
	 * frame. Back onto the domain's table, and try again.
	 */
	UNWIND_HINT_EMPTY
	pushq	%rax			/* becomes the ip to go to */
	pushq	%rax
	pushq	%rcx
	NOOKS_LOAD_CR3 PER_CPU_VAR(nooks_xpc_dcr3), %rax, %rcx
	movq	PER_CPU_VAR(nooks_xpc_cur), %rax
	movq	NOOKS_XPC_RETRY_IP(%rax), %rax
	testq	%rax, %rax
	jnz	1f
	ud2
1:	movq	%rax, 16(%rsp)
	popq	%rcx
	popq	%rax
	ANNOTATE_UNRET_SAFE
	ret
	int3
SYM_CODE_END(nooks_xpc_retry_pad)
	_ASM_EXTABLE(nooks_xpc_retry_pad, nooks_xpc_retry_pad)

/*
 * Where driver code that called a kernel function through a pointer
 * resumes (arch/x86/protect.c, nooks_protect_indirect()): the fetch
 * faulted at the function, whose arguments are untouched in registers
 * and on the stack, the return address into the driver on top. The
 * fault handler set %r10 and %r11 as an exit stub would (scratch at a
 * call). Back onto the domain's table, and cross out as a stub does.
 */
SYM_CODE_START(nooks_xpc_indirect_pad)
	UNWIND_HINT_FUNC
	pushq	%rax
	pushq	%rcx
	NOOKS_LOAD_CR3 PER_CPU_VAR(nooks_xpc_dcr3), %rax, %rcx
	popq	%rcx
	popq	%rax
	jmp	nooks_xpc_exit
SYM_CODE_END(nooks_xpc_indirect_pad)
	_ASM_EXTABLE(nooks_xpc_indirect_pad, nooks_xpc_indirect_pad)

SYM_CODE_START(nooks_xpc_fault_landing)
	UNWIND_HINT type=UNWIND_HINT_TYPE_CALL sp_reg=ORC_REG_BP sp_offset=16
	ASM_CLAC
	RETURN_THROUGH nooks_xpc_unwind
SYM_CODE_END(nooks_xpc_fault_landing)
	_ASM_EXTABLE(nooks_xpc_fault_landing, nooks_xpc_fault_landing)
