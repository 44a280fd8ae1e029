// SPDX-License-Identifier: GPL-2.0
/*
 * A module that claims to be rewritten for a domain but whose manifest
 * does not account for one of its imports (_printk): nooks.ko must refuse
 * it. nooksctl never writes such a manifest; a bug in it, or a hand-made
 * module, could.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "../../include/uapi/nooks_module.h"

struct nooks_test_manifest {
	struct nooks_manifest m;
	struct nooks_import imports[2];
	char strtab[64];
};

struct nooks_test_manifest __nooks_manifest __used = {
	.m = {
		.magic = NOOKS_MANIFEST_MAGIC,
		.version = NOOKS_MANIFEST_VERSION,
		.n_imports = 2,
		.imports_off = offsetof(struct nooks_test_manifest, imports),
		.strtab_off = offsetof(struct nooks_test_manifest, strtab),
		.strtab_size = sizeof(((struct nooks_test_manifest *)0)->strtab),
	},
	.imports = {
		{ .name_off = 0, .how = NOOKS_IMPORT_IN_DOMAIN },
		{ .name_off = 19, .how = NOOKS_IMPORT_IN_DOMAIN },
	},
	/* _printk is missing on purpose. */
	.strtab = "__x86_return_thunk\0__fentry__",
};

static int __init nooks_test_badmanifest_init(void)
{
	pr_info("loaded\n");
	return 0;
}
module_init(nooks_test_badmanifest_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks test: a manifest missing an import");
