/* SPDX-License-Identifier: GPL-2.0 */
/* The generic netlink family "nooks" (protocol in include/uapi/nooks.h). */
#ifndef _NOOKS_GENL_H
#define _NOOKS_GENL_H

#include "../include/uapi/nooks.h"

struct nooks_domain;

int nooks_genl_init(void);
void nooks_genl_uninit(void);
void nooks_genl_notify(struct nooks_domain *d, enum nooks_event ev);

#endif /* _NOOKS_GENL_H */
