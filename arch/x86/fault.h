/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault interception: faults taken while a CPU runs driver code are
 * contained in the driver's domain instead of oopsing the kernel.
 */
#ifndef _NOOKS_FAULT_H
#define _NOOKS_FAULT_H

int nooks_fault_init(void);
void nooks_fault_uninit(void);

#endif /* _NOOKS_FAULT_H */
