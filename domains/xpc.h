/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cross-domain calls (XPC): the crossing frame each gate keeps on the
 * stack, and the C halves of the gates in arch/x86/gate.S.
 *
 * Each CPU has a current frame: the innermost crossing it is running
 * under. An entry gate (kernel calls driver) links its frame, disables
 * preemption for as long as driver code runs, and unlinks on return. An
 * exit gate (driver calls kernel) links its frame and gives the kernel
 * back the preemption state of the caller, so sleeping calls sleep; on
 * return it takes it again, on whatever CPU it resumed on. Every change
 * saves the previous value in a frame on the task's own stack, so the
 * chain stays right across sleeps, migration and interrupts.
 *
 * The frame layout is shared with the assembly: keep the offsets below
 * and the struct in step (static_assert in xpc.c).
 */
#ifndef _NOOKS_XPC_H
#define _NOOKS_XPC_H

#include "../include/uapi/nooks_module.h"

#define NOOKS_XPC_RDI		0
#define NOOKS_XPC_RSI		8
#define NOOKS_XPC_RDX		16
#define NOOKS_XPC_RCX		24
#define NOOKS_XPC_R8		32
#define NOOKS_XPC_R9		40
#define NOOKS_XPC_RAX		48
#define NOOKS_XPC_RDX_RET	56
#define NOOKS_XPC_MANIFEST	64
#define NOOKS_XPC_DESC		72
#define NOOKS_XPC_RBP		80
#define NOOKS_XPC_FRAME_SIZE	120	/* keeps the stack 16-byte aligned */

/* Offsets in struct nooks_gate_desc (include/uapi/nooks_module.h). */
#define NOOKS_DESC_TARGET	0
#define NOOKS_DESC_STACK_SLOTS	16

/* Callee-saved registers the gates push below the saved %rbp. */
#define NOOKS_XPC_PUSHED	40

#ifndef __ASSEMBLY__

#include <linux/percpu.h>
#include <linux/types.h>

struct nooks_domain;

enum nooks_xpc_kind {
	NOOKS_XPC_ENTRY,	/* kernel called into the domain */
	NOOKS_XPC_EXIT,		/* the domain called the kernel */
};

/* The exit frame gave back a preemption count taken by an entry. */
#define NOOKS_XPC_ENTERED	BIT(0)

struct nooks_xpc_frame {
	/* filled by the assembly */
	u64 rdi, rsi, rdx, rcx, r8, r9;
	u64 rax;			/* %al counts vector args of varargs */
	u64 rdx_ret;			/* second return register */
	struct nooks_manifest *manifest;	/* %r10 from the stub */
	struct nooks_gate_desc *desc;		/* %r11 from the stub */
	u64 rbp;			/* the gate's frame: where to unwind */
	/* filled by the C half */
	struct nooks_xpc_frame *prev;	/* outer frame of this CPU */
	struct nooks_domain *domain;
	u32 kind;			/* enum nooks_xpc_kind */
	u32 flags;
	u64 pad;
};

DECLARE_PER_CPU(struct nooks_xpc_frame *, nooks_xpc_cur);

/* The gates, for stubs: arch/x86/gate.S. */
void nooks_xpc_entry(void);
void nooks_xpc_exit(void);

/* Called by the gates only. */
int nooks_xpc_enter(struct nooks_xpc_frame *f);
void nooks_xpc_leave(struct nooks_xpc_frame *f);
unsigned long nooks_xpc_fail_value(struct nooks_xpc_frame *f);
int nooks_xpc_out(struct nooks_xpc_frame *f);
void nooks_xpc_back(struct nooks_xpc_frame *f);

struct nooks_xpc_frame *nooks_xpc_current(void);
unsigned long nooks_xpc_ret_failure(unsigned int ret_class);

#endif /* __ASSEMBLY__ */
#endif /* _NOOKS_XPC_H */
