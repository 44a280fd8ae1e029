/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cross-domain calls (XPC): the crossing frame each gate keeps on the
 * stack, and the C halves of the gates in arch/x86/gate.S.
 *
 * Each CPU has a chain of the entry frames of the driver code it is
 * running right now: the innermost is the code that runs, the others were
 * interrupted by it on this CPU. An entry gate (kernel calls driver)
 * pushes its frame and disables preemption for as long as driver code
 * runs; it pops the frame on return. An exit gate (driver calls kernel)
 * pops the entry frame of its caller and gives the kernel back the
 * caller's preemption state, so sleeping calls sleep; on return it takes
 * preemption again and pushes the entry frame on whatever CPU the task
 * resumed on. So a chain never holds a frame of a task that is not
 * running on that CPU: nothing points into a stack that may be gone.
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
#define NOOKS_XPC_FLAGS		108
#define NOOKS_XPC_ENTERED_BIT	0
#define NOOKS_XPC_RET		112
#define NOOKS_XPC_TARGET	136
#define NOOKS_XPC_DSTACK	152
#define NOOKS_XPC_KSP		160
#define NOOKS_XPC_CR3_IN	168
#define NOOKS_XPC_CR3		176
#define NOOKS_XPC_RETRY_IP	200
#define NOOKS_XPC_FRAME_SIZE	208

/* Offsets in struct nooks_gate_desc (include/uapi/nooks_module.h). */
#define NOOKS_DESC_TARGET	0
#define NOOKS_DESC_KIND		8
#define NOOKS_DESC_STACK_SLOTS	16
/* NOOKS_GATE_DEFER in the descriptor's kind (domains/defer.h) */
#define NOOKS_DESC_DEFER_BIT	31
/* NOOKS_GATE_PREMADE (domains/batch.h) */
#define NOOKS_DESC_PREMADE_BIT	30
/* NOOKS_GATE_LOCAL (domains/local.h) */
#define NOOKS_DESC_LOCAL_BIT	29

/* Callee-saved registers the gates push below the saved %rbp. */
#define NOOKS_XPC_PUSHED	40

#ifndef __ASSEMBLY__

#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

struct nooks_domain;
struct nooks_protect;

enum nooks_xpc_kind {
	NOOKS_XPC_ENTRY,	/* kernel called into the domain */
	NOOKS_XPC_EXIT,		/* the domain called the kernel */
};

/* The exit frame gave back a preemption count taken by an entry. */
#define NOOKS_XPC_ENTERED	BIT(NOOKS_XPC_ENTERED_BIT)
/* The entry granted its task's pagefault_disabled (arch/x86/protect.c). */
#define NOOKS_XPC_TASK_GRANT	BIT(1)
/*
 * The entry gate refused the call (domain not live, no stack): no driver
 * code and no wrapper ran; what the failure value stands for is still
 * the caller's (wrappers/entry.c).
 */
#define NOOKS_XPC_REFUSED	BIT(2)
/*
 * An exit to a leaf (NOOKS_WRAP_LEAF): ENTERED is set, yet the entry
 * frame stayed this CPU's and kept its preemption count.
 */
#define NOOKS_XPC_LEAF		BIT(3)
/* The entry runs a batch of calls (domains/batch.h). */
#define NOOKS_XPC_BATCH		BIT(4)
/* The entry's wrapper answered the call, with f->rax: nothing crossed. */
#define NOOKS_XPC_ANSWERED	BIT(5)

struct nooks_xpc_frame {
	/* filled by the assembly */
	u64 rdi, rsi, rdx, rcx, r8, r9;
	u64 rax;			/* %al counts vector args of varargs */
	u64 rdx_ret;			/* second return register */
	struct nooks_manifest *manifest;	/* %r10 from the stub */
	struct nooks_gate_desc *desc;		/* %r11 from the stub */
	u64 rbp;			/* the gate's frame: where to unwind */
	/* filled by the C half */
	/*
	 * entry: the frame it interrupted on this CPU; exit: the entry
	 * frame of the driver code that called it
	 */
	struct nooks_xpc_frame *prev;
	struct nooks_domain *domain;
	u32 kind;			/* enum nooks_xpc_kind */
	u32 flags;
	u64 ret;			/* return address into the caller */
	u32 context;			/* entry: interrupt context it runs in */
	u32 preempt;			/* entry: preempt_count() in the driver */
	unsigned long irqflags;		/* entry: interrupt flags at entry */
	u64 target;			/* the code it calls */
	/*
	 * entry: cross by then or hang; exit: its task's context switches
	 * when the call began (nooks_xpc_reenter())
	 */
	unsigned long deadline;
	/* protected domains (arch/x86/protect.h) */
	u64 dstack;		/* entry: top of its domain stack; 0: none */
	u64 ksp;		/* exit: stack its kernel call runs on; 0: this */
	u64 cr3_in;		/* entry: the domain CR3 its caller ran on */
	u64 cr3;		/* entry: the CR3 its driver code runs on; 0 */
	struct nooks_protect *prot;	/* entry: whose stack it took */
	s32 stack;		/* entry: which stack */
	/*
	 * entry: how many tracked objects its driver code took that its
	 * unwinding releases (locks): struct nooks_object.owner; under the
	 * domain's objtrack lock, read racily by its own thread
	 */
	u32 locks;
	u64 retry_ip;		/* entry: where nooks_xpc_retry_pad resumes */
};

DECLARE_PER_CPU(struct nooks_xpc_frame *, nooks_xpc_cur);
/* The innermost frame's deadline, 0 when the CPU runs no driver code. */
DECLARE_PER_CPU(unsigned long, nooks_xpc_deadline);
/*
 * The innermost frame's domain CR3 (0: none), and the kernel's CR3 that
 * leaving it loads again; read by the gates and the domain IDT's stubs.
 */
DECLARE_PER_CPU(unsigned long, nooks_xpc_dcr3);
DECLARE_PER_CPU(unsigned long, nooks_xpc_kcr3);

/*
 * The interrupt context code runs in. Driver code interrupted on this CPU
 * stays the innermost entry while the interrupt's kernel code runs, but
 * that kernel code calling into the domain must cross.
 */
static __always_inline u32 nooks_xpc_context(void)
{
	return preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET);
}

/* Interrupt context levels: task, softirq, hardirq, NMI. */
#define NOOKS_XPC_LEVELS	4

/* The level of @context (a nooks_xpc_context()): 0 to NOOKS_XPC_LEVELS - 1. */
static __always_inline unsigned int nooks_xpc_level(u32 context)
{
	if (context & NMI_MASK)
		return 3;
	if (context & HARDIRQ_MASK)
		return 2;
	return context & SOFTIRQ_OFFSET ? 1 : 0;
}

/*
 * The entry frame of the driver code this CPU runs in the current
 * context, or NULL when it runs kernel code: what a fault unwinds to.
 */
static __always_inline struct nooks_xpc_frame *nooks_xpc_running(void)
{
	struct nooks_xpc_frame *f = this_cpu_read(nooks_xpc_cur);

	return f && f->context == nooks_xpc_context() ? f : NULL;
}

/* The gates, for stubs, and where faults resume: arch/x86/gate.S. */
void nooks_xpc_entry(void);
void nooks_xpc_exit(void);
void nooks_xpc_fault_landing(void);
void nooks_xpc_retry_pad(void);
void nooks_xpc_indirect_pad(void);
void nooks_xpc_entry_return(void);
void nooks_xpc_exit_unwind_trap(void);

/* Called by the gates only. */
int nooks_xpc_enter(struct nooks_xpc_frame *f);
void nooks_xpc_leave(struct nooks_xpc_frame *f);
unsigned long nooks_xpc_fail_value(struct nooks_xpc_frame *f);
struct nooks_xpc_frame *nooks_xpc_out(struct nooks_xpc_frame *f);
struct nooks_xpc_frame *nooks_xpc_back(struct nooks_xpc_frame *f);
void nooks_xpc_unwind(struct nooks_xpc_frame *f);

struct nooks_xpc_frame *nooks_xpc_current(void);
struct nooks_xpc_frame *nooks_xpc_cpu_frame(int cpu);
unsigned long nooks_xpc_ret_failure(unsigned int ret_class);

#endif /* __ASSEMBLY__ */
#endif /* _NOOKS_XPC_H */
