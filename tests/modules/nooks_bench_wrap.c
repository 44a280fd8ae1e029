// SPDX-License-Identifier: GPL-2.0
/*
 * What a typed wrapper adds to a call. Its init times N kmalloc/kfree
 * pairs (a tracked acquire and release) and N spin_lock/spin_unlock
 * pairs (tracked too) with the guest clock, and prints the mean ns per
 * pair. Under QEMU -icount shift=0 a guest ns is one instruction, so
 * loading it natively, isolated with nooks.ko's wrappers on
 * (wrappers=1) and off (wrappers=0) separates the crossing from what the
 * wrapper adds (tests/bench/wrappers.sh). Loaded only in guests.
 */
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define NOOKS_BENCH_N	1000

static DEFINE_SPINLOCK(nooks_bench_lock);

static int __init nooks_bench_wrap_init(void)
{
	u64 t0, t1, t2;
	int i;

	t0 = ktime_get_ns();
	for (i = 0; i < NOOKS_BENCH_N; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		kfree(p);
	}
	t1 = ktime_get_ns();
	for (i = 0; i < NOOKS_BENCH_N; i++) {
		spin_lock(&nooks_bench_lock);
		spin_unlock(&nooks_bench_lock);
	}
	t2 = ktime_get_ns();
	pr_info("nooks_bench_wrap: kmalloc_kfree %llu ns/pair, lock_unlock %llu ns/pair\n",
		div_u64(t1 - t0, NOOKS_BENCH_N), div_u64(t2 - t1, NOOKS_BENCH_N));
	return 0;
}
module_init(nooks_bench_wrap_init);

static void __exit nooks_bench_wrap_exit(void)
{
}
module_exit(nooks_bench_wrap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks benchmark: cost of typed wrappers per call");
