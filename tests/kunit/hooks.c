// SPDX-License-Identifier: GPL-2.0
/*
 * The test domain of hooks.h. Tests run one at a time: one gate and one
 * wrapper slot serve them all.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "../../core/domain.h"
#include "../../wrappers/wrap.h"
#include "hooks.h"

static struct nooks_gate_desc nooks_test_hooks_gate = {
	.kind = NOOKS_GATE_EXIT,
	.ret_class = NOOKS_RET_INT,
};

static const struct nooks_wrapper *nooks_test_hooks_wrap[1];

/**
 * nooks_test_hooks_domain() - a domain bound to a module of @name
 * @test: the test, failed if the domain cannot be made
 * @name: the domain's and the module's name
 *
 * Its module is the test module (the owner the shadows give what they
 * keep), its one gate the one nooks_test_hooks_pre() calls through.
 *
 * Return: the domain; free it with nooks_test_hooks_domain_put().
 */
struct nooks_domain *nooks_test_hooks_domain(struct kunit *test,
					     const char *name)
{
	struct nooks_domain *d = nooks_domain_create(name);

	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	KUNIT_ASSERT_EQ(test, nooks_domain_bind_module(d, name), 0);
	d->module = THIS_MODULE;
	d->gates = &nooks_test_hooks_gate;
	d->n_gates = 1;
	WRITE_ONCE(d->wrap, nooks_test_hooks_wrap);
	return d;
}

/**
 * nooks_test_hooks_domain_put() - release what it holds and destroy it
 * @d: from nooks_test_hooks_domain()
 */
void nooks_test_hooks_domain_put(struct nooks_domain *d)
{
	WRITE_ONCE(d->wrap, NULL);	/* static: the domain must not free it */
	d->module = NULL;
	flush_work(&d->fault_work);
	nooks_objtrack_release_all(&d->objects);
	nooks_domain_unbind_module(d);
	nooks_domain_destroy(d);
	nooks_domain_put(d);
}

/**
 * nooks_test_hooks_pre() - run a wrapper's pre hook as the exit gate would
 * @test: the test's priv is the domain; fails unless the hook returns 0
 * @f: the frame to fill
 * @name: the kernel function the driver calls
 * @a0: its first argument
 * @a1: its second
 * @a2: its third
 */
void nooks_test_hooks_pre(struct kunit *test, struct nooks_xpc_frame *f,
			  const char *name, u64 a0, u64 a1, u64 a2)
{
	const struct nooks_wrapper *w = nooks_wrapper_find(name);

	KUNIT_ASSERT_NOT_NULL_MSG(test, w, "no wrapper for %s", name);
	KUNIT_ASSERT_NOT_NULL_MSG(test, w->pre, "%s has no pre hook", name);
	nooks_test_hooks_wrap[0] = w;
	memset(f, 0, sizeof(*f));
	f->domain = test->priv;
	f->desc = &nooks_test_hooks_gate;
	f->kind = NOOKS_XPC_EXIT;
	f->rdi = a0;
	f->rsi = a1;
	f->rdx = a2;
	KUNIT_ASSERT_EQ(test, w->pre(f), 0);
}
