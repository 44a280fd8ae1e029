// SPDX-License-Identifier: GPL-2.0
/*
 * Per-domain counters. Readers sum over the possible CPUs; a reader racing
 * with an increment may miss it, which a statistic can afford.
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>

#include "counters.h"

const char *const nooks_counter_names[NOOKS_CNT_COUNT] = {
	[NOOKS_CNT_CALLS_IN] = "calls_in",
	[NOOKS_CNT_CALLS_OUT] = "calls_out",
	[NOOKS_CNT_FAULTS] = "faults",
	[NOOKS_CNT_RECOVERIES] = "recoveries",
	[NOOKS_CNT_LEAVES] = "leaves",
	[NOOKS_CNT_DEFERRED] = "calls_deferred",
	[NOOKS_CNT_BATCHED] = "calls_batched",
	[NOOKS_CNT_PREMADE] = "calls_premade",
	[NOOKS_CNT_LOCAL] = "calls_local",
};
EXPORT_SYMBOL_NS_GPL(nooks_counter_names, NOOKS_INTERNAL);

static_assert(ARRAY_SIZE(nooks_counter_names) == NOOKS_CNT_COUNT);

/**
 * nooks_counters_alloc() - allocate a zeroed set of per-CPU counters
 *
 * Return: the counters, or NULL when out of memory.
 */
struct nooks_counters __percpu *nooks_counters_alloc(void)
{
	return alloc_percpu(struct nooks_counters);
}
EXPORT_SYMBOL_NS_GPL(nooks_counters_alloc, NOOKS_INTERNAL);

/**
 * nooks_counters_free() - free counters from nooks_counters_alloc()
 * @c: the counters; NULL is allowed
 */
void nooks_counters_free(struct nooks_counters __percpu *c)
{
	free_percpu(c);
}
EXPORT_SYMBOL_NS_GPL(nooks_counters_free, NOOKS_INTERNAL);

/**
 * nooks_counters_sum() - read one counter summed over all CPUs
 * @c: the counters
 * @n: which counter
 *
 * Return: the sum.
 */
u64 nooks_counters_sum(struct nooks_counters __percpu *c, enum nooks_counter n)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(c, cpu)->v[n];
	return sum;
}
EXPORT_SYMBOL_NS_GPL(nooks_counters_sum, NOOKS_INTERNAL);
