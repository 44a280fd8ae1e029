/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Binding loading modules to their domains: the module notifier.
 */
#ifndef _NOOKS_BIND_H
#define _NOOKS_BIND_H

#include <linux/types.h>

int nooks_bind_init(void);
void nooks_bind_uninit(void);
const char *nooks_in_domain_reason(const char *name);

struct nooks_manifest;
const char *nooks_manifest_str(struct nooks_manifest *m, u32 off);

#endif /* _NOOKS_BIND_H */
