// SPDX-License-Identifier: GPL-2.0
/*
 * A module no gate can isolate: get_user() calls __get_user_4, whose
 * register convention (value in %rdx, error in %rax, nothing else
 * clobbered) a generic gate would break. nooksctl must refuse it.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/uaccess.h>

static unsigned long nooks_test_addr = 4096;
module_param_named(addr, nooks_test_addr, ulong, 0444);

static int __init nooks_test_getuser_init(void)
{
	u32 v;

	if (get_user(v, (u32 __user *)nooks_test_addr))
		return 0;
	pr_info("read %u\n", v);
	return 0;
}
module_init(nooks_test_getuser_init);

static void __exit nooks_test_getuser_exit(void)
{
}
module_exit(nooks_test_getuser_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks test: an import no gate can handle");
