/* SPDX-License-Identifier: GPL-2.0 */
/* A protected domain's heap: see heap.c. */
#ifndef _NOOKS_HEAP_H
#define _NOOKS_HEAP_H

#include <linux/types.h>

struct kmem_cache;

/* The size classes of kmalloc's caches, up to KMALLOC_MAX_CACHE_SIZE. */
#define NOOKS_HEAP_CLASSES	13

struct nooks_heap {
	/* set by init, then read-only; NULL: that class failed */
	struct kmem_cache *caches[NOOKS_HEAP_CLASSES];
};

int nooks_heap_init(struct nooks_heap *h, const char *name);
void nooks_heap_uninit(struct nooks_heap *h, bool in_use);
struct kmem_cache *nooks_heap_cache(const struct nooks_heap *h, size_t size);
size_t nooks_heap_max(void);

#endif /* _NOOKS_HEAP_H */
