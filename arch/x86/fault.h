/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault interception: faults taken while a CPU runs driver code are
 * contained in the driver's domain instead of oopsing the kernel.
 */
#ifndef _NOOKS_FAULT_H
#define _NOOKS_FAULT_H

struct nooks_xpc_frame;
struct pt_regs;

int nooks_fault_init(void);
void nooks_fault_uninit(void);
void nooks_fault_defer(struct nooks_xpc_frame *f, struct pt_regs *regs,
		       const char *type, unsigned long address);
void nooks_fault_deferred(struct nooks_xpc_frame *f);
void nooks_fault_report(struct nooks_xpc_frame *f, const char *type,
			unsigned long ip, unsigned long address);

#endif /* _NOOKS_FAULT_H */
