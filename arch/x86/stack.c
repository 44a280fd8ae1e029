// SPDX-License-Identifier: GPL-2.0
/*
 * Domain stacks (stack.h). Each is a vmalloc area of THREAD_SIZE, so the
 * kernel's guard pages lie below and above it: a driver running off its
 * stack faults on the guard (a #DF, arch/x86/idt.c), never into the
 * memory beside it.
 */
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/sched/task_stack.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "stack.h"

/**
 * nooks_stacks_init() - allocate a pool of domain stacks
 * @s: the pool
 * @n: how many, at most NOOKS_STACKS_MAX
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int nooks_stacks_init(struct nooks_stacks *s, unsigned int n)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->size = THREAD_SIZE;
	n = min_t(unsigned int, n, NOOKS_STACKS_MAX);
	for (i = 0; i < n; i++) {
		s->base[i] = vmalloc(THREAD_SIZE);
		if (!s->base[i]) {
			nooks_stacks_uninit(s);
			return -ENOMEM;
		}
		s->n = i + 1;
	}
	return 0;
}

/**
 * nooks_stacks_uninit() - free the pool; no stack is in use
 * @s: the pool
 */
void nooks_stacks_uninit(struct nooks_stacks *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		vfree(s->base[i]);
	s->n = 0;
}
