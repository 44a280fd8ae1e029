// SPDX-License-Identifier: GPL-2.0
/*
 * The control of the containment tests: runs a fault payload of nooksctl
 * inject (nooks.ko's, found with symbol_get) natively, outside any
 * domain, from its init. fault= is an enum nooks_fault. The free
 * payloads need a domain's gate, so their native forms are written out
 * here: kfree of a static, and a kfree twice. The hang payload runs with
 * preemption off, as it does in a domain. Every one of them should crash
 * or wedge the kernel: tests/control/native.sh checks it does.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "../../include/uapi/nooks.h"

static int nooks_test_fault = -1;
module_param_named(fault, nooks_test_fault, int, 0444);

static int nooks_test_static;

static int __init nooks_test_native_init(void)
{
	void *(*payload_of)(u32 fault);
	void (*payload)(void);
	void *p;

	switch (nooks_test_fault) {
	case NOOKS_FAULT_BAD_FREE:
		kfree(&nooks_test_static);
		return 0;
	case NOOKS_FAULT_DOUBLE_FREE:
		p = kmalloc(64, GFP_KERNEL);
		kfree(p);
		kfree(READ_ONCE(p));
		return 0;
	}
	payload_of = __symbol_get("nooks_inject_payload");
	if (!payload_of)
		return -ENOENT;
	payload = payload_of(nooks_test_fault);
	if (payload) {
		if (nooks_test_fault == NOOKS_FAULT_HANG)
			preempt_disable();
		payload();
	}
	symbol_put(nooks_inject_payload);
	return payload ? 0 : -EINVAL;
}
module_init(nooks_test_native_init);

static void __exit nooks_test_native_exit(void)
{
}
module_exit(nooks_test_native_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks test: fault payloads run natively, as a control");
