// SPDX-License-Identifier: GPL-2.0
/*
 * Containing faults of driver code. A page fault taken in kernel mode
 * while this CPU runs driver code (its innermost entry frame is for the
 * current interrupt context) is the domain's: the domain is marked
 * failed and the fault resumes at the gates' landing pad, which unwinds
 * to that entry frame and returns the failure value to the kernel caller.
 *
 * Page faults: the page_fault_kernel tracepoint runs before the kernel
 * handles the fault and may rewrite regs. With regs->ip at a landing pad
 * whose exception table entry points to itself, both of the kernel's
 * ways on (a spurious fault retried, or a fixup searched by regs->ip)
 * arrive there, and no oops is printed.
 *
 * #GP, #UD (BUG(), illegal instructions) and #DE: the die chain hears of
 * them (DIE_GPF, DIE_TRAP) before the kernel prints or dies; a notifier
 * that rewrites regs and says NOTIFY_STOP resumes at the landing pad. A
 * driver's BUG() is a ud2 whose bug table entry was dropped at bind
 * (core/bind.c), so the kernel prints nothing of its own first.
 *
 * #DF (a driver running off its stack, arch/x86/idt.c) and hangs (an NMI,
 * arch/x86/hang.c) are caught where the domain cannot be failed on the
 * spot: the report waits in a per-CPU slot of the frame's context level
 * and the landing pad files it (nooks_fault_deferred()).
 *
 * An exit gate returning to driver code whose domain failed meanwhile
 * traps at nooks_xpc_exit_unwind_trap with the entry frame in %rax: the
 * same unwinding, without counting another fault.
 *
 * Not traced or instrumented.
 */
#include <linux/kdebug.h>
#include <linux/magic.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>
#include <asm/trapnr.h>

#include "../../core/domain.h"
#include "../../domains/inject.h"
#include "../../domains/xpc.h"
#include "fault.h"
#include "idt.h"
#include "protect.h"

static struct tracepoint *nooks_fault_pf_tp;

/* Reports of deferred faults, one per context level: task, softirq,
 * hardirq, NMI. Written by the fault, read by the landing pad, on this
 * CPU, with nothing of the same level in between.
 */
struct nooks_fault_slot {
	struct nooks_xpc_frame *frame;
	const char *type;
	unsigned long ip;
	unsigned long address;
};

static DEFINE_PER_CPU(struct nooks_fault_slot[NOOKS_XPC_LEVELS],
		      nooks_fault_slots);

static void nooks_fault_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "page_fault_kernel"))
		nooks_fault_pf_tp = tp;
}

/* Resume at the landing pad, unwound to frame @f, with the failure value. */
static notrace void nooks_fault_unwind(struct nooks_xpc_frame *f,
				       struct pt_regs *regs,
				       unsigned long address)
{
	regs->ip = (unsigned long)nooks_xpc_fault_landing;
	regs->bp = f->rbp;
	regs->sp = f->rbp - NOOKS_XPC_PUSHED - NOOKS_XPC_FRAME_SIZE;
	regs->ax = nooks_xpc_fail_value(f);
	regs->dx = 0;
	/* The SMAP check for a user address comes before any fixup. */
	if (address < TASK_SIZE_MAX)
		regs->flags |= X86_EFLAGS_AC;
}

/**
 * nooks_fault_report() - fail a domain with a one-line report
 * @f: a crossing frame of the domain (entry or exit)
 * @type: what happened ("page-fault", "hang", "stack-protector", ...)
 * @ip: where in the driver
 * @address: the address it touched, or 0
 *
 * The report, in last_fault and the kernel log, is "type
 * symbolized-ip address", and for a fault of an injected payload, the
 * driver function @f's gate ran it in place of.
 *
 * Context: any context, fault handlers included.
 */
notrace void nooks_fault_report(struct nooks_xpc_frame *f, const char *type,
				unsigned long ip, unsigned long address)
{
	char report[NOOKS_LAST_FAULT_LEN];
	int n;

	n = snprintf(report, sizeof(report), "%s %pS %#lx", type, (void *)ip,
		     address);
	if (nooks_inject_payload_ip(ip) && n < sizeof(report))
		snprintf(report + n, sizeof(report) - n, " injected in %ps",
			 (void *)f->desc->target);
	nooks_domain_fail(f->domain, report);
}

/* Report a fault of the driver code under @f, fail its domain, unwind. */
static notrace void nooks_fault_contain(struct nooks_xpc_frame *f,
					struct pt_regs *regs, const char *type,
					unsigned long address)
{
	nooks_fault_report(f, type, regs->ip, address);
	nooks_fault_unwind(f, regs, address);
}

/**
 * nooks_fault_defer() - contain a fault whose report must wait
 * @f: the entry frame of the driver code that faulted
 * @regs: its state; rewritten to resume at the landing pad
 * @type: the fault type, first word of the report
 * @address: the address involved, or 0
 *
 * For #DF and NMI context, where failing the domain (locks, workqueues)
 * is not safe: the landing pad does it, in the unwound code's context.
 */
notrace void nooks_fault_defer(struct nooks_xpc_frame *f, struct pt_regs *regs,
			       const char *type, unsigned long address)
{
	struct nooks_fault_slot *slot;

	slot = this_cpu_ptr(&nooks_fault_slots[nooks_xpc_level(f->context)]);
	slot->type = type;
	slot->ip = regs->ip;
	slot->address = address;
	WRITE_ONCE(slot->frame, f);
	nooks_fault_unwind(f, regs, address);
}

/*
 * Driver code that ran off the task's stack (unprotected, it runs on its
 * caller's) into the guard page below may have written the word at the
 * stack's end first: the scheduler checks it (STACK_END_MAGIC) and
 * panics at the task's next switch. Nothing else lives there, and the
 * overflow is contained: the word is put back.
 */
static notrace void nooks_fault_stack_end(unsigned long address)
{
	unsigned long *end = end_of_stack(current);

	if (address < (unsigned long)end &&
	    address >= (unsigned long)end - PAGE_SIZE)
		*end = STACK_END_MAGIC;
}

/**
 * nooks_fault_deferred() - file the report of a deferred fault of @f
 * @f: the entry frame being unwound
 */
notrace void nooks_fault_deferred(struct nooks_xpc_frame *f)
{
	struct nooks_fault_slot *slot;

	slot = this_cpu_ptr(&nooks_fault_slots[nooks_xpc_level(f->context)]);
	if (READ_ONCE(slot->frame) != f)
		return;
	WRITE_ONCE(slot->frame, NULL);
	if (!strcmp(slot->type, "stack-overflow"))
		nooks_fault_stack_end(slot->address);
	/* symbolized here: kallsyms is too slow for an NMI handler */
	nooks_fault_report(f, slot->type, slot->ip, slot->address);
}

static notrace void nooks_fault_pf_probe(void *data, unsigned long address,
					 struct pt_regs *regs,
					 unsigned long error_code)
{
	struct nooks_xpc_frame *f = nooks_xpc_running();
	bool fetch = this_cpu_read(nooks_idt_pf_fetch);

	if (fetch)
		this_cpu_write(nooks_idt_pf_fetch, 0);
	if (!f || user_mode(regs)) {
		/* not the driver's: the kernel reports the fault it sees */
		if (fetch)
			pr_emerg("the page fault below was an instruction fetch from %#lx (its error code was changed by the domain IDT)\n",
				 address);
		return;
	}
	switch (f->cr3 ? nooks_protect_fault(f, regs, address, error_code) :
			 NOOKS_PF_OTHER) {
	case NOOKS_PF_RETRIED:
		return;			/* tried again in the domain */
	case NOOKS_PF_PROTECTION:
		nooks_fault_contain(f, regs, "protection-fault", address);
		return;
	case NOOKS_PF_OTHER:
		break;
	}
	nooks_fault_contain(f, regs, "page-fault", address);
}

static const char *nooks_fault_trap_name(unsigned long val, int trapnr,
					 struct pt_regs *regs)
{
	u8 insn[2];

	if (val == DIE_GPF)
		return "gpf";
	switch (trapnr) {
	case X86_TRAP_DE:
		return "divide-error";
	case X86_TRAP_UD:
		/* ud2 is how BUG() is written */
		if (!copy_from_kernel_nofault(insn, (void *)regs->ip, 2) &&
		    insn[0] == 0x0f && insn[1] == 0x0b)
			return "bug";
		return "invalid-opcode";
	}
	return NULL;
}

static notrace int nooks_fault_die(struct notifier_block *nb,
				   unsigned long val, void *data)
{
	struct die_args *args = data;
	struct nooks_xpc_frame *f;
	const char *type;

	if (val != DIE_GPF && val != DIE_TRAP)
		return NOTIFY_DONE;
	if (val == DIE_TRAP && args->trapnr == X86_TRAP_UD &&
	    args->regs->ip == (unsigned long)nooks_xpc_exit_unwind_trap) {
		nooks_fault_unwind((struct nooks_xpc_frame *)args->regs->ax,
				   args->regs, 0);
		return NOTIFY_STOP;
	}
	f = nooks_xpc_running();
	if (!f || user_mode(args->regs))
		return NOTIFY_DONE;
	type = nooks_fault_trap_name(val, args->trapnr, args->regs);
	if (!type)
		return NOTIFY_DONE;
	nooks_fault_contain(f, args->regs, type, 0);
	return NOTIFY_STOP;
}

static struct notifier_block nooks_fault_die_nb = {
	.notifier_call = nooks_fault_die,
};

/**
 * nooks_fault_init() - start intercepting faults of driver code
 *
 * Return: 0, or -ENOENT if this kernel has no page_fault_kernel
 * tracepoint, or the error of registering the probe or notifier.
 */
int nooks_fault_init(void)
{
	int ret;

	for_each_kernel_tracepoint(nooks_fault_find_tp, NULL);
	if (!nooks_fault_pf_tp) {
		pr_err("no page_fault_kernel tracepoint: faults cannot be contained\n");
		return -ENOENT;
	}
	ret = register_die_notifier(&nooks_fault_die_nb);
	if (ret)
		return ret;
	ret = tracepoint_probe_register(nooks_fault_pf_tp,
					nooks_fault_pf_probe, NULL);
	if (ret)
		unregister_die_notifier(&nooks_fault_die_nb);
	return ret;
}

/**
 * nooks_fault_uninit() - stop intercepting; returns once no probe runs
 */
void nooks_fault_uninit(void)
{
	tracepoint_probe_unregister(nooks_fault_pf_tp, nooks_fault_pf_probe,
				    NULL);
	tracepoint_synchronize_unregister();
	unregister_die_notifier(&nooks_fault_die_nb);
}
