// SPDX-License-Identifier: GPL-2.0
/*
 * A protected domain's heap. The driver's kmalloc family (kmalloc,
 * kzalloc, kmalloc_node, kvmalloc of up to a page) allocates from slab
 * caches of its own domain, one per kmalloc size class, instead of the
 * kernel's kmalloc caches (wrappers/heap.c rewrites those calls). A slab
 * page of these caches holds the domain's objects only, so granting an
 * allocation (page-rounded: arch/x86/protect.c) lets the driver write
 * its own memory and no kernel object; and a page whose last object is
 * freed is revoked, so a write through a stale pointer into it faults.
 *
 * The caches are ordinary slab caches: kfree() and ksize() work on
 * their objects from anywhere, so the kernel may free what the driver
 * allocated and nothing else changes for it. They are made unmergeable
 * (a usercopy region, like kmalloc's own caches have) so SLUB does not
 * alias them to a kernel cache of the same size. Larger allocations
 * already come from the page allocator, a page of their own.
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "heap.h"

static const unsigned int nooks_heap_sizes[NOOKS_HEAP_CLASSES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

/* Cache names must differ from those of a heap left behind (in use). */
static atomic_t nooks_heap_generation = ATOMIC_INIT(0);

/**
 * nooks_heap_max() - the largest allocation a heap serves
 *
 * Return: bytes; larger ones go to the page allocator, as with kmalloc.
 */
size_t nooks_heap_max(void)
{
	return min_t(size_t, nooks_heap_sizes[NOOKS_HEAP_CLASSES - 1],
		     KMALLOC_MAX_CACHE_SIZE);
}
EXPORT_SYMBOL_NS_GPL(nooks_heap_max, NOOKS_INTERNAL);

/**
 * nooks_heap_init() - create a domain's caches
 * @h: the heap, zeroed
 * @name: the domain's name, for the caches' names
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM (nothing is left created).
 */
int nooks_heap_init(struct nooks_heap *h, const char *name)
{
	unsigned int gen = atomic_inc_return(&nooks_heap_generation);
	char cname[64];
	int i;

	for (i = 0; i < NOOKS_HEAP_CLASSES; i++) {
		unsigned int size = nooks_heap_sizes[i];

		if (size > nooks_heap_max())
			break;
		snprintf(cname, sizeof(cname), "nooks-%s-%u-%u", name, gen,
			 size);
		h->caches[i] = kmem_cache_create_usercopy(cname, size, 0, 0,
							  0, size, NULL);
		if (!h->caches[i]) {
			nooks_heap_uninit(h, false);
			return -ENOMEM;
		}
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(nooks_heap_init, NOOKS_INTERNAL);

/**
 * nooks_heap_uninit() - destroy a domain's caches
 * @h: the heap
 * @in_use: the domain still holds memory (a driver that leaked): the
 *	caches are left, and their objects stay valid
 *
 * Context: process context, may sleep.
 */
void nooks_heap_uninit(struct nooks_heap *h, bool in_use)
{
	int i;

	if (in_use)
		return;
	/* kfree_rcu()s of the driver's objects queued before now */
	rcu_barrier();
	for (i = 0; i < NOOKS_HEAP_CLASSES; i++) {
		kmem_cache_destroy(h->caches[i]);
		h->caches[i] = NULL;
	}
}
EXPORT_SYMBOL_NS_GPL(nooks_heap_uninit, NOOKS_INTERNAL);

/**
 * nooks_heap_cache() - the cache of the heap that serves @size bytes
 * @h: the heap
 * @size: the allocation's size
 *
 * Return: the cache, or NULL for 0 bytes (ZERO_SIZE_PTR) and for more
 * than nooks_heap_max() (the page allocator's).
 */
struct kmem_cache *nooks_heap_cache(const struct nooks_heap *h, size_t size)
{
	int i;

	if (!size)
		return NULL;
	for (i = 0; i < NOOKS_HEAP_CLASSES; i++)
		if (size <= nooks_heap_sizes[i])
			return h->caches[i];
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(nooks_heap_cache, NOOKS_INTERNAL);
