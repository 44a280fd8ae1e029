/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault payloads of nooksctl inject (arch/x86/payload.S), run in
 * place of a driver function by domains/inject.c.
 */
#ifndef _NOOKS_PAYLOAD_H
#define _NOOKS_PAYLOAD_H

#include <linux/types.h>

struct nooks_manifest;
struct nooks_gate_desc;

void nooks_payload_null_deref(void);	/* the first of them */
void nooks_payload_wild_write(void);
void nooks_payload_kernel_write(void);
void nooks_payload_stale_write(void);
void nooks_payload_stack_overflow(void);
void nooks_payload_bug(void);
void nooks_payload_gpf(void);
void nooks_payload_div_zero(void);
void nooks_payload_hang(void);
void nooks_payload_hang_irqoff(void);
void nooks_payload_illegal_insn(void);
void nooks_payload_end(void);		/* where they end */
void nooks_payload_gate_call(struct nooks_manifest *m,
			     struct nooks_gate_desc *desc, unsigned long arg);
extern u64 nooks_payload_victim;
extern u64 nooks_payload_stale;

#endif /* _NOOKS_PAYLOAD_H */
