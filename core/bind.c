// SPDX-License-Identifier: GPL-2.0
/*
 * The module notifier. When a module comes, it is bound to the domain
 * waiting for it (nooksctl load created the domain first), after checking
 * that nooksctl rewrote it: a manifest (include/uapi/nooks_module.h) that
 * accounts for every kernel symbol the module imports. A module that
 * claims a domain but was not rewritten, or that imports something the
 * manifest does not cover, is refused with a message saying why. When the
 * module goes, the domain is stopped and unbound.
 */
#include <linux/bug.h>
#include <linux/elf.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../include/uapi/nooks_module.h"
#include "../arch/x86/hang.h"
#include "../arch/x86/protect.h"
#include "../domains/batch.h"
#include "../domains/local.h"
#include "../recovery/recovery.h"
#include "bind.h"
#include "domain.h"
#include "../wrappers/wrap.h"

struct nooks_in_domain_entry {
	const char *name;
	const char *reason;
	bool prefix;
};

#define NOOKS_IN_DOMAIN(n, r)		{ #n, r, false },
#define NOOKS_IN_DOMAIN_PREFIX(n, r)	{ #n, r, true },
static const struct nooks_in_domain_entry nooks_in_domain[] = {
#include "../wrappers/in_domain.h"
};

#undef NOOKS_IN_DOMAIN
#undef NOOKS_IN_DOMAIN_PREFIX

/* Manifests are small; anything larger is corrupt. */
#define NOOKS_MANIFEST_MAX_ENTRIES	65536

/**
 * nooks_in_domain_reason() - may this import run inside a domain?
 * @name: the imported symbol
 *
 * Return: why it may, or NULL if it must cross.
 */
const char *nooks_in_domain_reason(const char *name)
{
	const struct nooks_in_domain_entry *e;

	for (e = nooks_in_domain; e < nooks_in_domain + ARRAY_SIZE(nooks_in_domain); e++) {
		if (e->prefix ? !strncmp(name, e->name, strlen(e->name)) :
				!strcmp(name, e->name))
			return e->reason;
	}
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(nooks_in_domain_reason, NOOKS_INTERNAL);

/*
 * While the module is coming, mod->kallsyms is the full symbol table
 * (imports included, their values resolved) and cannot change under us.
 */
static struct mod_kallsyms *nooks_bind_kallsyms(struct module *mod)
{
	return rcu_dereference_protected(mod->kallsyms, 1);
}

static struct nooks_manifest *nooks_bind_find_manifest(struct module *mod)
{
	struct mod_kallsyms *ks = nooks_bind_kallsyms(mod);
	unsigned int i;

	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (sym->st_shndx != SHN_UNDEF &&
		    !strcmp(ks->strtab + sym->st_name, NOOKS_MANIFEST_SYMBOL))
			return (struct nooks_manifest *)sym->st_value;
	}
	return NULL;
}

/**
 * nooks_manifest_str() - a name in a manifest's string table
 * @m: the manifest
 * @off: the name's offset in its string table
 *
 * Return: the NUL-terminated name, or NULL if @off does not give one.
 */
const char *nooks_manifest_str(struct nooks_manifest *m, u32 off)
{
	const char *strtab = (const char *)m + m->strtab_off;

	if (off >= m->strtab_size || !memchr(strtab + off, 0,
					     m->strtab_size - off))
		return NULL;
	return strtab + off;
}

static int nooks_bind_check_manifest(struct module *mod,
				     struct nooks_manifest *m)
{
	if (m->magic != NOOKS_MANIFEST_MAGIC ||
	    m->version != NOOKS_MANIFEST_VERSION) {
		pr_err("%s: manifest magic %#x version %u, expected %#x version %u: rewrite it with this nooksctl\n",
		       mod->name, m->magic, m->version, NOOKS_MANIFEST_MAGIC,
		       NOOKS_MANIFEST_VERSION);
		return -EINVAL;
	}
	if (m->n_gates > NOOKS_MANIFEST_MAX_ENTRIES ||
	    m->n_imports > NOOKS_MANIFEST_MAX_ENTRIES || m->domain) {
		pr_err("%s: corrupt manifest\n", mod->name);
		return -EINVAL;
	}
	return 0;
}

static const struct nooks_import *
nooks_bind_find_import(struct nooks_manifest *m, const char *name)
{
	const struct nooks_import *imp = (const void *)m + m->imports_off;
	u32 i;

	for (i = 0; i < m->n_imports; i++) {
		const char *s = nooks_manifest_str(m, imp[i].name_off);

		if (s && !strcmp(s, name))
			return &imp[i];
	}
	return NULL;
}

/* Every import of the module must be accounted for by the manifest. */
static int nooks_bind_check_imports(struct module *mod,
				    struct nooks_manifest *m)
{
	struct mod_kallsyms *ks = nooks_bind_kallsyms(mod);
	unsigned int i;

	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		const char *name = ks->strtab + sym->st_name;
		const struct nooks_import *imp;

		if (sym->st_shndx != SHN_UNDEF || !*name)
			continue;
		imp = nooks_bind_find_import(m, name);
		if (!imp) {
			pr_err("%s: imports %s, which nooksctl did not wrap: rewrite the module with this nooksctl\n",
			       mod->name, name);
			return -EINVAL;
		}
		if (imp->how == NOOKS_IMPORT_IN_DOMAIN &&
		    !nooks_in_domain_reason(name)) {
			pr_err("%s: %s would run inside the domain, which nooks does not allow\n",
			       mod->name, name);
			return -EINVAL;
		}
		if (imp->how > NOOKS_IMPORT_NOOKS) {
			pr_err("%s: import %s has unknown handling %u\n",
			       mod->name, name, imp->how);
			return -EINVAL;
		}
	}
	return 0;
}

/* Off only to measure what the wrappers cost (tests/bench/wrappers.sh). */
static bool nooks_bind_wrappers_on = true;
module_param_named(wrappers, nooks_bind_wrappers_on, bool, 0644);
MODULE_PARM_DESC(wrappers,
		 "attach typed wrappers to the modules bound from now on (default on)");

/*
 * Modules bound from now defer the calls their specs let wait
 * (domains/defer.h); off, every call crosses (to measure the difference).
 */
static bool nooks_bind_defer_on = true;
module_param_named(defer, nooks_bind_defer_on, bool, 0644);
MODULE_PARM_DESC(defer,
		 "defer the calls specs say may wait, in modules bound from now on (default on)");

/*
 * The bits of the kind of an exit gate of @name, with wrapper @w and its
 * arguments all in registers, for calls that need not cross: deferred
 * (domains/defer.h), premade by a batched entry (domains/batch.h) or
 * answered in the domain (domains/local.h).
 */
static u32 nooks_bind_gate_bits(const struct nooks_wrapper *w,
				const char *name)
{
	u32 bits = 0;

	if ((w->flags & NOOKS_WRAP_DEFER) && nooks_bind_defer_on)
		bits |= NOOKS_GATE_DEFER;
	if (nooks_batch_premade_import(name))
		bits |= NOOKS_GATE_PREMADE;
	if (nooks_local_import(name))
		bits |= NOOKS_GATE_LOCAL;
	return bits;
}

/*
 * Each exit gate of a function a spec describes gets its typed wrapper,
 * and the gate kind's bits for a deferrable call (domains/defer.h), one
 * a batched entry may premake (domains/batch.h) or one nooks.ko may
 * answer in the domain (domains/local.h).
 * nooksctl marked those imports typed from the same specs; a mismatch
 * means nooksctl and nooks.ko were built from different trees.
 */
static const struct nooks_wrapper **
nooks_bind_wrappers(struct module *mod, struct nooks_manifest *m,
		    unsigned int *generic)
{
	struct nooks_gate_desc *gates = (void *)m + m->gates_off;
	const struct nooks_wrapper **wrap;
	u32 i;

	wrap = kcalloc(max(m->n_gates, 1U), sizeof(*wrap), GFP_KERNEL);
	if (!wrap)
		return ERR_PTR(-ENOMEM);
	*generic = 0;
	for (i = 0; i < m->n_gates; i++) {
		const char *name = nooks_manifest_str(m, gates[i].name_off);
		const struct nooks_import *imp;

		if (!name) {
			pr_err("%s: corrupt manifest: gate %u has no name\n",
			       mod->name, i);
			kfree(wrap);
			return ERR_PTR(-EINVAL);
		}
		if (gates[i].kind != NOOKS_GATE_EXIT)
			continue;
		if (!nooks_bind_wrappers_on) {
			(*generic)++;
			continue;
		}
		wrap[i] = nooks_wrapper_find(name);
		if (!wrap[i])
			(*generic)++;
		else if (!gates[i].stack_slots)
			gates[i].kind |= nooks_bind_gate_bits(wrap[i], name);
		imp = nooks_bind_find_import(m, name);
		if (!wrap[i] && imp && imp->how == NOOKS_IMPORT_TYPED) {
			pr_err("%s: nooksctl wrapped %s as typed, but this nooks.ko has no wrapper for it: use the nooksctl built with it\n",
			       mod->name, name);
			kfree(wrap);
			return ERR_PTR(-EINVAL);
		}
	}
	return wrap;
}

/* Where the rewriter put the module's stubs: a function pointer there is a gate. */
static void nooks_bind_stubs(struct module *mod, unsigned long *start,
			     unsigned long *end)
{
	struct mod_kallsyms *ks = nooks_bind_kallsyms(mod);
	unsigned int i;

	*start = ULONG_MAX;
	*end = 0;
	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		const char *name = ks->strtab + sym->st_name;

		if (sym->st_shndx == SHN_UNDEF ||
		    (strncmp(name, NOOKS_ENTRY_PREFIX, strlen(NOOKS_ENTRY_PREFIX)) &&
		     strncmp(name, NOOKS_EXIT_PREFIX, strlen(NOOKS_EXIT_PREFIX))))
			continue;
		*start = min_t(unsigned long, *start, sym->st_value);
		*end = max_t(unsigned long, *end, sym->st_value + NOOKS_STUB_SIZE);
	}
	if (*start > *end)
		*start = *end = 0;
}

/*
 * A BUG() in an isolated driver is a fault to contain, not a reason for
 * the kernel to print "kernel BUG at" and oops: drop the BUG entries of
 * the module's bug table (keeping its WARNs), so its ud2 is an invalid
 * opcode the fault handler classifies as "bug". Entries hold offsets
 * relative to themselves, so a moved entry gets new ones.
 */
static void nooks_bind_strip_bugs(struct module *mod)
{
#ifdef CONFIG_GENERIC_BUG
	struct bug_entry *from, *to = mod->bug_table;
	unsigned int i, kept = 0;

	for (i = 0; i < mod->num_bugs; i++) {
		from = &mod->bug_table[i];
		if (!(from->flags & BUGFLAG_WARNING))
			continue;
		to = &mod->bug_table[kept++];
		if (to == from)
			continue;
#ifdef CONFIG_GENERIC_BUG_RELATIVE_POINTERS
		to->bug_addr_disp = (long)&from->bug_addr_disp +
				    from->bug_addr_disp -
				    (long)&to->bug_addr_disp;
#ifdef CONFIG_DEBUG_BUGVERBOSE
		to->file_disp = (long)&from->file_disp + from->file_disp -
				(long)&to->file_disp;
		to->line = from->line;
#endif
		to->flags = from->flags;
#else
		*to = *from;
#endif
	}
	if (kept != mod->num_bugs)
		pr_info("%s: %u BUG()s will be contained faults\n", mod->name,
			mod->num_bugs - kept);
	mod->num_bugs = kept;
#endif
}

static int nooks_bind_coming(struct module *mod)
{
	struct nooks_manifest *m = nooks_bind_find_manifest(mod);
	struct nooks_domain *d = nooks_domain_lookup(mod->name);
	const struct nooks_wrapper **wrap, **old_wrap;
	unsigned int generic;
	unsigned long flags;
	int ret;

	if (!m && !(d && nooks_domain_load_pending(d))) {
		nooks_domain_put(d);	/* not ours */
		return 0;
	}
	if (!m) {
		pr_err("%s: domain %s waits for this module, but it was not rewritten: load it with 'nooksctl load'\n",
		       mod->name, d->name);
		ret = -EINVAL;
		goto out_put;
	}
	if (!d || !nooks_domain_load_pending(d)) {
		pr_err("%s: rewritten for a nooks domain, but none waits for it: load it with 'nooksctl load'\n",
		       mod->name);
		ret = -EINVAL;
		goto out_put;
	}
	ret = nooks_bind_check_manifest(mod, m);
	if (!ret)
		ret = nooks_bind_check_imports(mod, m);
	if (ret)
		goto out_put;
	wrap = nooks_bind_wrappers(mod, m, &generic);
	if (IS_ERR(wrap)) {
		ret = PTR_ERR(wrap);
		goto out_put;
	}

	nooks_bind_strip_bugs(mod);
	spin_lock_irqsave(&d->lock, flags);
	d->module = mod;
	d->manifest = m;
	d->gates = (void *)m + m->gates_off;
	d->n_gates = m->n_gates;
	old_wrap = d->wrap;
	WRITE_ONCE(d->wrap, wrap);
	nooks_bind_stubs(mod, &d->stubs_start, &d->stubs_end);
	d->strict = !generic;
	spin_unlock_irqrestore(&d->lock, flags);
	/* No gate of another module reads the old array any more. */
	kfree(old_wrap);
	ret = nooks_protect_bind(d, mod);
	if (!ret) {
		ret = nooks_domain_bind_module(d, mod->name);
		if (ret)
			nooks_protect_unbind(d);
	}
	if (ret) {
		spin_lock_irqsave(&d->lock, flags);
		d->module = NULL;
		d->manifest = NULL;
		spin_unlock_irqrestore(&d->lock, flags);
		goto out_put;
	}
	/* Stubs find the domain here; the lookup's reference is the binding's. */
	WRITE_ONCE(m->domain, (unsigned long)d);
	nooks_hang_watch();
	pr_info("%s: bound to domain %s (%u gates, %u imports, %u generic)\n",
		mod->name, d->name, m->n_gates, m->n_imports, generic);
	return 0;

out_put:
	nooks_domain_put(d);
	return ret;
}

static void nooks_bind_going(struct module *mod)
{
	struct nooks_domain *d = nooks_domain_lookup(mod->name);
	struct nooks_manifest *m;
	unsigned long flags;

	if (!d)
		return;
	spin_lock_irqsave(&d->lock, flags);
	m = d->module == mod ? d->manifest : NULL;
	spin_unlock_irqrestore(&d->lock, flags);
	/*
	 * A failed driver's code cannot release what it held. Its gates
	 * still give its callbacks' failure values their meaning: an
	 * ndo_get_stats the release makes the kernel call (unregistering
	 * 8139cp after its probe faulted) must not return NULL.
	 */
	if (m && nooks_domain_state(d) != NOOKS_STATE_LIVE)
		nooks_recovery_release(d, NULL);
	spin_lock_irqsave(&d->lock, flags);
	if (m && d->module == mod) {
		d->module = NULL;
		d->manifest = NULL;
		/* Nothing may look for gates in the module's memory now. */
		d->stubs_start = 0;
		d->stubs_end = 0;
		d->n_gates = 0;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (m) {
		unsigned long left = 0;
		int type;

		/* Late calls through stubs now get the failure value. */
		WRITE_ONCE(m->domain, 0);
		for (type = 0; type < NOOKS_OBJ_COUNT; type++)
			left += nooks_objtrack_count(&d->objects, type);
		if (left)
			pr_warn("%s: unloaded holding %lu objects (see /sys/kernel/nooks/domains/%s/objects)\n",
				mod->name, left, d->name);
		nooks_domain_unbind_module(d);
		nooks_protect_unbind(d);
		nooks_hang_unwatch();
		nooks_domain_put(d);	/* the binding's reference */
	}
	nooks_domain_put(d);
}

/* Init returned: what was the driver's until then is not any more. */
static void nooks_bind_live(struct module *mod)
{
	struct nooks_domain *d = nooks_domain_lookup(mod->name);

	if (!d)
		return;
	if (READ_ONCE(d->module) == mod)
		nooks_protect_live(d);
	nooks_domain_put(d);
}

static int nooks_bind_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	switch (action) {
	case MODULE_STATE_COMING:
		return notifier_from_errno(nooks_bind_coming(data));
	case MODULE_STATE_LIVE:
		nooks_bind_live(data);
		break;
	case MODULE_STATE_GOING:
		nooks_bind_going(data);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block nooks_bind_nb = {
	.notifier_call = nooks_bind_notify,
};

/**
 * nooks_bind_init() - start watching modules come and go
 *
 * Return: 0 or a negative errno.
 */
int nooks_bind_init(void)
{
	return register_module_notifier(&nooks_bind_nb);
}

/**
 * nooks_bind_uninit() - stop watching; no module is bound by now (a bound
 * module depends on nooks.ko)
 */
void nooks_bind_uninit(void)
{
	unregister_module_notifier(&nooks_bind_nb);
}
