/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-domain event counters, kept per CPU so the gates can count a
 * crossing with one this_cpu_inc() and no shared cache line.
 */
#ifndef _NOOKS_COUNTERS_H
#define _NOOKS_COUNTERS_H

#include <linux/percpu.h>
#include <linux/types.h>

enum nooks_counter {
	NOOKS_CNT_CALLS_IN,	/* kernel->driver crossings */
	NOOKS_CNT_CALLS_OUT,	/* driver->kernel crossings */
	NOOKS_CNT_FAULTS,	/* faults contained */
	NOOKS_CNT_RECOVERIES,	/* recoveries completed */
	NOOKS_CNT_LEAVES,	/* kernel->driver crossings ended (or unwound) */
	NOOKS_CNT_DEFERRED,	/* driver->kernel calls deferred, no crossing */
	NOOKS_CNT_BATCHED,	/* kernel->driver calls made in batched entries */
	NOOKS_CNT_PREMADE,	/* driver->kernel calls a batch made before */
	NOOKS_CNT_LOCAL,	/* driver->kernel calls answered in the domain */

	NOOKS_CNT_COUNT
};

extern const char *const nooks_counter_names[NOOKS_CNT_COUNT];

struct nooks_counters {
	u64 v[NOOKS_CNT_COUNT];
};

struct nooks_counters __percpu *nooks_counters_alloc(void);
void nooks_counters_free(struct nooks_counters __percpu *c);
u64 nooks_counters_sum(struct nooks_counters __percpu *c,
		       enum nooks_counter n);

/* Safe from any context, including the gates with preemption on. */
static __always_inline void nooks_counter_inc(struct nooks_counters __percpu *c,
					      enum nooks_counter n)
{
	this_cpu_inc(c->v[n]);
}

#endif /* _NOOKS_COUNTERS_H */
