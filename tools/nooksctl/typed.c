// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel functions nooks.ko has typed wrappers for: the names of
 * the spec files in wrappers/specs, which tools/wrapgen lists sorted in
 * wrappers/generated/wrapped.h from the same specs nooks.ko's wrappers
 * are generated from. nooks.ko refuses a module whose manifest marks an
 * import typed that it has no wrapper for.
 */
#include <stdlib.h>
#include <string.h>

#include "typed.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct wrapped {
	const char *name;
};

#define NOOKS_WRAPPED(n)	{ #n },
static const struct wrapped wrapped[] = {
#include "../../wrappers/generated/wrapped.h"
};

#undef NOOKS_WRAPPED

static int cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct wrapped *)elt)->name);
}

bool nooks_typed(const char *name)
{
	return name && bsearch(name, wrapped, ARRAY_SIZE(wrapped),
			       sizeof(wrapped[0]), cmp);
}

size_t nooks_typed_count(void)
{
	return ARRAY_SIZE(wrapped);
}
