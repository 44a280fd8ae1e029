// SPDX-License-Identifier: GPL-2.0
/*
 * Containing faults of driver code. A page fault taken in kernel mode
 * while this CPU runs driver code (its innermost entry frame is for the
 * current interrupt context) is the domain's: the domain is marked
 * failed and the fault resumes at the gates' landing pad, which unwinds
 * to that entry frame and returns the failure value to the kernel caller.
 *
 * The page_fault_kernel tracepoint runs before the kernel handles the
 * fault and may rewrite regs. With regs->ip at a landing pad whose
 * exception table entry points to itself, both of the kernel's ways on
 * (a spurious fault retried, or a fixup searched by regs->ip) arrive
 * there, and no oops is printed. Not traced or instrumented.
 */
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>

#include "../../core/domain.h"
#include "../../domains/xpc.h"
#include "fault.h"

static struct tracepoint *nooks_fault_pf_tp;

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

static notrace void nooks_fault_pf_probe(void *data, unsigned long address,
					 struct pt_regs *regs,
					 unsigned long error_code)
{
	struct nooks_xpc_frame *f = nooks_xpc_running();
	char report[NOOKS_LAST_FAULT_LEN];

	if (!f || user_mode(regs))
		return;
	snprintf(report, sizeof(report), "page-fault %pS %#lx", (void *)regs->ip,
		 address);
	nooks_domain_fail(f->domain, report);
	nooks_fault_unwind(f, regs, address);
}

/**
 * nooks_fault_init() - start intercepting faults of driver code
 *
 * Return: 0, or -ENOENT if this kernel has no page_fault_kernel
 * tracepoint, or the error of registering the probe.
 */
int nooks_fault_init(void)
{
	for_each_kernel_tracepoint(nooks_fault_find_tp, NULL);
	if (!nooks_fault_pf_tp) {
		pr_err("no page_fault_kernel tracepoint: faults cannot be contained\n");
		return -ENOENT;
	}
	return tracepoint_probe_register(nooks_fault_pf_tp,
					 nooks_fault_pf_probe, NULL);
}

/**
 * nooks_fault_uninit() - stop intercepting; returns once no probe runs
 */
void nooks_fault_uninit(void)
{
	tracepoint_probe_unregister(nooks_fault_pf_tp, nooks_fault_pf_probe,
				    NULL);
	tracepoint_synchronize_unregister();
}
