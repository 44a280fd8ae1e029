/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel functions a rewritten driver calls directly, without crossing
 * to the kernel: each either must keep its call sites untouched (the
 * kernel patches them, or the callers assume no register is clobbered)
 * or is a pure helper that only touches what the caller hands it, so
 * running it with the domain's rights is safe and a crossing would only
 * cost time. The list is wrappers/in_domain.h, one line and a reason per
 * name, shared with nooks.ko.
 */
#ifndef NOOKSCTL_IN_DOMAIN_H
#define NOOKSCTL_IN_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

struct nooks_in_domain {
	const char *name;
	bool prefix;		/* name is a prefix: matches every suffix */
	const char *reason;	/* one line */
};

/* Why calls to name stay in the domain, or NULL if they cross. */
const char *nooks_in_domain_reason(const char *name);

/* The i-th table entry, or NULL past the end (for docs and tests). */
const struct nooks_in_domain *nooks_in_domain_entry(size_t i);

#endif /* NOOKSCTL_IN_DOMAIN_H */
