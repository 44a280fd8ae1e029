// SPDX-License-Identifier: GPL-2.0
/*
 * The imports that run inside the domain. The list itself is
 * wrappers/in_domain.h, shared with nooks.ko: the kernel refuses a
 * module whose manifest claims any other import runs in the domain, so
 * the two sides must never disagree. Keep it short: every name there
 * runs kernel code with the domain's rights and without a gate's checks.
 */
#include <string.h>

#include "in_domain.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define NOOKS_IN_DOMAIN(n, r)		{ #n, false, r },
#define NOOKS_IN_DOMAIN_PREFIX(n, r)	{ #n, true, r },
static const struct nooks_in_domain table[] = {
#include "../../wrappers/in_domain.h"
};

#undef NOOKS_IN_DOMAIN
#undef NOOKS_IN_DOMAIN_PREFIX

const char *nooks_in_domain_reason(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		const struct nooks_in_domain *e = &table[i];

		if (e->prefix ? !strncmp(name, e->name, strlen(e->name)) :
				!strcmp(name, e->name))
			return e->reason;
	}
	return NULL;
}

const struct nooks_in_domain *nooks_in_domain_entry(size_t i)
{
	return i < ARRAY_SIZE(table) ? &table[i] : NULL;
}
