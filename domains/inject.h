/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime fault injection (nooksctl inject): an armed domain's next
 * entries run a fault payload (arch/x86/payload.S) in place of the
 * driver function, as driver code of the domain.
 */
#ifndef _NOOKS_INJECT_H
#define _NOOKS_INJECT_H

#include <linux/types.h>

struct nooks_domain;
struct nooks_xpc_frame;

extern const char *const nooks_fault_names[];

int nooks_inject_arm(struct nooks_domain *d, u32 fault, u32 count,
		     const char **why);
void nooks_inject_fire(struct nooks_domain *d, struct nooks_xpc_frame *f);
bool nooks_inject_payload_ip(unsigned long ip);
void *nooks_inject_payload(u32 fault);

#endif /* _NOOKS_INJECT_H */
