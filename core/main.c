// SPDX-License-Identifier: GPL-2.0
/*
 * nooks.ko: lightweight kernel protection domains for unmodified drivers.
 * This file only brings the parts up and down, in order.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "../arch/x86/arch.h"
#include "../arch/x86/fault.h"
#include "../arch/x86/hang.h"
#include "../arch/x86/idt.h"
#include "../arch/x86/protect.h"
#include "../domains/rxpool.h"
#include "../domains/batch.h"
#include "../domains/xmit.h"
#include "../recovery/recovery.h"
#include "../wrappers/notify.h"
#include "bind.h"
#include "domain.h"
#include "genl.h"
#include "sysfs.h"

static int __init nooks_init(void)
{
	int ret;

	ret = nooks_arch_init();
	if (ret)
		goto err_arch;
	ret = nooks_protect_init();
	if (ret)
		goto err_protect;
	ret = nooks_idt_init();
	if (ret)
		goto err_idt;
	ret = nooks_sysfs_init();
	if (ret)
		goto err_sysfs;
	ret = nooks_domain_registry_init();
	if (ret)
		goto err_registry;
	ret = nooks_recovery_init();
	if (ret)
		goto err_recovery;
	ret = nooks_fault_init();
	if (ret)
		goto err_fault;
	ret = nooks_hang_init();
	if (ret)
		goto err_hang;
	ret = nooks_notify_init();
	if (ret)
		goto err_notify;
	ret = nooks_bind_init();
	if (ret)
		goto err_bind;
	ret = nooks_batch_init();
	if (ret)
		goto err_batch;
	ret = nooks_xmit_init();
	if (ret)
		goto err_xmit;
	nooks_rxpool_init();
	ret = nooks_genl_init();
	if (ret)
		goto err_genl;

	pr_info("loaded\n");
	return 0;

err_genl:
	nooks_rxpool_uninit();
	nooks_xmit_uninit();
err_xmit:
	nooks_batch_uninit();
err_batch:
	nooks_bind_uninit();
err_bind:
	nooks_notify_uninit();
err_notify:
	nooks_hang_uninit();
err_hang:
	nooks_fault_uninit();
err_fault:
	nooks_recovery_uninit();
err_recovery:
	nooks_domain_registry_uninit();
err_registry:
	nooks_sysfs_uninit();
err_sysfs:
	nooks_idt_uninit();
err_idt:
	nooks_protect_uninit();
err_protect:
	nooks_arch_uninit();
err_arch:
	return ret;
}

static void __exit nooks_exit(void)
{
	nooks_genl_uninit();
	nooks_rxpool_uninit();
	nooks_xmit_uninit();
	nooks_batch_uninit();
	nooks_bind_uninit();
	nooks_notify_uninit();
	nooks_hang_uninit();
	nooks_fault_uninit();
	nooks_recovery_uninit();
	nooks_domain_registry_uninit();
	nooks_sysfs_uninit();
	nooks_idt_uninit();
	nooks_protect_uninit();
	nooks_arch_uninit();
	pr_info("unloaded\n");
}

module_init(nooks_init);
module_exit(nooks_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Nooks: protection domains for unmodified kernel drivers");
MODULE_AUTHOR("The Nooks for modern Linux developers");
MODULE_VERSION("0.1");
