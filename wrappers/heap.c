// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's kmalloc calls, rewritten to allocate from its domain's
 * heap (domains/heap.c) when the domain is protected. A spec names the
 * rewrite with pre=FN (wrappers/specs/README); the exit gate's pre hook
 * calls FN, which changes the arguments the gate calls the kernel with,
 * and where it calls (f->target): the cache a kmalloc_trace() was
 * compiled against becomes the domain's cache of that size class, and a
 * __kmalloc() of a size a class serves calls kmalloc_trace() with that
 * cache. The arguments the post hook reads keep their meaning. Sizes no
 * class serves (0, beyond nooks_heap_max()) are left to the kernel, as
 * are unprotected domains.
 */
#include <linux/slab.h>

#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "../domains/heap.h"
#include "wrap.h"

static struct kmem_cache *nooks_wrap_heap(struct nooks_xpc_frame *f,
					  size_t size)
{
	struct nooks_protect *p = READ_ONCE(f->domain->prot);

	return p ? nooks_heap_cache(&p->heap, size) : NULL;
}

/**
 * nooks_wrap_heap_kmalloc_trace() - kmalloc_trace(s, flags, size)
 * @f: the exit gate's frame
 */
void nooks_wrap_heap_kmalloc_trace(struct nooks_xpc_frame *f)
{
	struct kmem_cache *c = nooks_wrap_heap(f, f->rdx);

	if (c)
		f->rdi = (unsigned long)c;
}

/**
 * nooks_wrap_heap_kmalloc_node_trace() - (s, flags, node, size)
 * @f: the exit gate's frame
 */
void nooks_wrap_heap_kmalloc_node_trace(struct nooks_xpc_frame *f)
{
	struct kmem_cache *c = nooks_wrap_heap(f, f->rcx);

	if (c)
		f->rdi = (unsigned long)c;
}

/*
 * What the rewritten calls run: their arguments stay where the kernel
 * function's were (the post hook reads them), the cache comes after.
 */
static void *nooks_wrap_heap_kmalloc(size_t size, gfp_t flags,
				     struct kmem_cache *c)
{
	return kmalloc_trace(c, flags, size);
}

static void *nooks_wrap_heap_kmalloc_node(size_t size, gfp_t flags, int node,
					  struct kmem_cache *c)
{
	return kmalloc_node_trace(c, flags, node, size);
}

/**
 * nooks_wrap_heap___kmalloc() - __kmalloc(size, flags)
 * @f: the exit gate's frame
 */
void nooks_wrap_heap___kmalloc(struct nooks_xpc_frame *f)
{
	struct kmem_cache *c = nooks_wrap_heap(f, f->rdi);

	if (!c)
		return;
	f->rdx = (unsigned long)c;
	f->target = (unsigned long)nooks_wrap_heap_kmalloc;
}

/**
 * nooks_wrap_heap_kvmalloc_node() - kvmalloc_node(size, flags, node) of
 *	at most a page (what kvmalloc kmallocs without a vmalloc fallback)
 * @f: the exit gate's frame
 */
void nooks_wrap_heap_kvmalloc_node(struct nooks_xpc_frame *f)
{
	struct kmem_cache *c = f->rdi <= PAGE_SIZE ?
		nooks_wrap_heap(f, f->rdi) : NULL;

	if (!c)
		return;
	f->rcx = (unsigned long)c;
	f->target = (unsigned long)nooks_wrap_heap_kmalloc_node;
}
