/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test domain whose one exit gate runs any typed wrapper's pre hook, as
 * the gate would for a driver's call: for the KUnit tests of the shadow
 * drivers (shadow_test.c, shadow_blk_test.c), whose claims go through the
 * generated pre= hooks.
 */
#ifndef _NOOKS_KUNIT_HOOKS_H
#define _NOOKS_KUNIT_HOOKS_H

#include <kunit/test.h>
#include <linux/types.h>

struct nooks_domain;
struct nooks_xpc_frame;

struct nooks_domain *nooks_test_hooks_domain(struct kunit *test,
					     const char *name);
void nooks_test_hooks_domain_put(struct nooks_domain *d);
void nooks_test_hooks_pre(struct kunit *test, struct nooks_xpc_frame *f,
			  const char *name, u64 a0, u64 a1, u64 a2);

#endif /* _NOOKS_KUNIT_HOOKS_H */
