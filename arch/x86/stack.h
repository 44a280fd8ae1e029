/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domain stacks: driver code of a protected domain runs on stacks of its
 * own, writable in the domain, with a guard page below each. Entry gates
 * take one for each crossing into the domain and give it back when the
 * crossing ends; a task blocked in an exit call keeps its stack.
 */
#ifndef _NOOKS_ARCH_X86_STACK_H
#define _NOOKS_ARCH_X86_STACK_H

#include <linux/bitops.h>
#include <linux/types.h>

#include "../../include/uapi/nooks_module.h"

#define NOOKS_STACKS_MAX	64

/**
 * struct nooks_stacks - a domain's pool of stacks
 * @base: each stack's lowest byte (vmalloc'd: guard pages around)
 * @busy: taken stacks, one bit each (atomic bit operations)
 * @n: how many stacks; immutable
 * @size: bytes per stack; immutable
 */
struct nooks_stacks {
	void *base[NOOKS_STACKS_MAX];
	unsigned long busy[BITS_TO_LONGS(NOOKS_STACKS_MAX)];
	unsigned int n;
	unsigned int size;
};

int nooks_stacks_init(struct nooks_stacks *s, unsigned int n);
void nooks_stacks_uninit(struct nooks_stacks *s);

/*
 * Take a stack: its index, or -1 when all are in use. Any context;
 * not instrumented (the gates).
 */
static __always_inline int nooks_stack_get(struct nooks_stacks *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!test_and_set_bit(i, s->busy))
			return i;
	return -1;
}

static __always_inline void nooks_stack_put(struct nooks_stacks *s, int i)
{
	clear_bit(i, s->busy);
}

/*
 * The address the stack grows down from. An exit gate copies as many
 * stack argument slots as its descriptor says (varargs: the most) from
 * above the driver's frame: leave that much room at the top, so that the
 * outermost driver function's gates read stack, not the guard page.
 */
#define NOOKS_STACK_HEADROOM	(2 * NOOKS_MAX_STACK_SLOTS * 8)

static __always_inline unsigned long nooks_stack_top(struct nooks_stacks *s,
						     int i)
{
	return (unsigned long)s->base[i] + s->size - NOOKS_STACK_HEADROOM;
}

#endif /* _NOOKS_ARCH_X86_STACK_H */
