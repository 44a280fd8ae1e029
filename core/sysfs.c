// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs reports, one value per file (Documentation/ABI/testing/
 * sysfs-kernel-nooks):
 *
 *   /sys/kernel/nooks/domains/<name>/{state,module,faults,recoveries,
 *	last_fault,calls_in,calls_out,calls_deferred,calls_batched,
 *	calls_premade,calls_local,
 *	memory_bytes,restart,restart_limit,hang_timeout_ms}
 *   /sys/kernel/nooks/domains/<name>/objects/<type>
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "../arch/x86/arch.h"
#include "../arch/x86/protect.h"
#include "domain.h"
#include "sysfs.h"

static struct kobject *nooks_root_kobj;	/* /sys/kernel/nooks */
static struct kset *nooks_domains_kset;	/* /sys/kernel/nooks/domains */

static struct nooks_domain *to_domain(struct kobject *kobj)
{
	return container_of(kobj, struct nooks_domain, kobj);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  nooks_state_names[nooks_domain_state(to_domain(kobj))]);
}

static ssize_t module_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	char name[NOOKS_NAME_MAX];

	nooks_domain_module_name(to_domain(kobj), name, sizeof(name));
	return sysfs_emit(buf, "%s\n", name);
}

static ssize_t last_fault_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	char report[NOOKS_LAST_FAULT_LEN];

	nooks_domain_last_fault(to_domain(kobj), report, sizeof(report));
	return sysfs_emit(buf, "%s\n", report);
}

static ssize_t memory_bytes_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct nooks_domain *d = to_domain(kobj);

	return sysfs_emit(buf, "%zu\n", nooks_objtrack_memory_bytes(&d->objects));
}

static ssize_t restart_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct nooks_domain *d = to_domain(kobj);
	unsigned long flags;
	u32 restart;

	spin_lock_irqsave(&d->lock, flags);
	restart = d->restart;
	spin_unlock_irqrestore(&d->lock, flags);
	return sysfs_emit(buf, "%s\n",
			  restart == NOOKS_RESTART_ALWAYS ? "always" :
			  restart == NOOKS_RESTART_SHADOW ? "shadow" : "never");
}

static ssize_t restart_limit_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_domain(kobj)->restart_limit));
}

static ssize_t restart_limit_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	unsigned int v;
	int ret = kstrtouint(buf, 0, &v);

	if (ret)
		return ret;
	WRITE_ONCE(to_domain(kobj)->restart_limit, v);
	return count;
}

static ssize_t hang_timeout_ms_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_domain(kobj)->hang_timeout_ms));
}

/* 10 ms .. 1 hour: shorter than a tick is no deadline at all. */
static ssize_t hang_timeout_ms_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int v;
	int ret = kstrtouint(buf, 0, &v);

	if (ret)
		return ret;
	if (v < 10 || v > 3600 * 1000)
		return -ERANGE;
	nooks_domain_set_hang_timeout(to_domain(kobj), v);
	return count;
}

/*
 * "off", or the protection of the bound module: its page table's pages,
 * its stacks, and what its faults found.
 */
static ssize_t protection_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct nooks_protect *p;
	unsigned int indirect;
	ssize_t n;

	rcu_read_lock();
	p = READ_ONCE(to_domain(kobj)->prot);
	if (!p) {
		n = sysfs_emit(buf, "off\n");
	} else {
		n = sysfs_emit(buf, "on pt_pages=%u stacks=%u ",
			       READ_ONCE(p->pt.pages), p->stacks.n);
		n += sysfs_emit_at(buf, n,
				   "stack_misses=%ld resyncs=%ld exec_allowed=%ld syncs=%ld ",
				   atomic_long_read(&p->stack_misses),
				   atomic_long_read(&p->resyncs),
				   atomic_long_read(&p->exec_allowed),
				   atomic_long_read(&p->syncs));
		/* pairs with nooks_protect_indirect_desc()'s release */
		indirect = smp_load_acquire(&p->n_indirect);
		n += sysfs_emit_at(buf, n, "indirect=%u indirect_calls=%ld\n",
				   indirect,
				   atomic_long_read(&p->indirect_calls));
	}
	rcu_read_unlock();
	return n;
}

/* The shadow drivers' mode: none, passive or active. */
static ssize_t shadow_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	static const char *const names[] = {
		[NOOKS_SHADOW_NONE] = "none",
		[NOOKS_SHADOW_PASSIVE] = "passive",
		[NOOKS_SHADOW_ACTIVE] = "active",
	};

	return sysfs_emit(buf, "%s\n",
			  names[nooks_shadow_mode(&to_domain(kobj)->shadow)]);
}

/* Entries in their log: a snapshot per device, a setting to replay. */
static ssize_t shadow_log_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  nooks_shadow_log_size(&to_domain(kobj)->shadow));
}

#define NOOKS_COUNTER_ATTR(_name, _counter)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n",				\
			  nooks_domain_counter(to_domain(kobj), _counter)); \
}									\
static struct kobj_attribute nooks_attr_##_name = __ATTR_RO(_name)

NOOKS_COUNTER_ATTR(faults, NOOKS_CNT_FAULTS);
NOOKS_COUNTER_ATTR(recoveries, NOOKS_CNT_RECOVERIES);
NOOKS_COUNTER_ATTR(calls_in, NOOKS_CNT_CALLS_IN);
NOOKS_COUNTER_ATTR(calls_out, NOOKS_CNT_CALLS_OUT);
NOOKS_COUNTER_ATTR(calls_deferred, NOOKS_CNT_DEFERRED);
NOOKS_COUNTER_ATTR(calls_batched, NOOKS_CNT_BATCHED);
NOOKS_COUNTER_ATTR(calls_premade, NOOKS_CNT_PREMADE);
NOOKS_COUNTER_ATTR(calls_local, NOOKS_CNT_LOCAL);

static struct kobj_attribute nooks_attr_state = __ATTR_RO(state);
static struct kobj_attribute nooks_attr_module = __ATTR_RO(module);
static struct kobj_attribute nooks_attr_last_fault = __ATTR_RO(last_fault);
static struct kobj_attribute nooks_attr_memory_bytes = __ATTR_RO(memory_bytes);
static struct kobj_attribute nooks_attr_restart = __ATTR_RO(restart);
static struct kobj_attribute nooks_attr_restart_limit = __ATTR_RW(restart_limit);
static struct kobj_attribute nooks_attr_hang_timeout_ms =
	__ATTR_RW(hang_timeout_ms);
static struct kobj_attribute nooks_attr_protection = __ATTR_RO(protection);
static struct kobj_attribute nooks_attr_shadow = __ATTR_RO(shadow);
static struct kobj_attribute nooks_attr_shadow_log = __ATTR_RO(shadow_log);

static struct attribute *nooks_domain_attrs[] = {
	&nooks_attr_state.attr,
	&nooks_attr_module.attr,
	&nooks_attr_faults.attr,
	&nooks_attr_recoveries.attr,
	&nooks_attr_last_fault.attr,
	&nooks_attr_calls_in.attr,
	&nooks_attr_calls_out.attr,
	&nooks_attr_calls_deferred.attr,
	&nooks_attr_calls_batched.attr,
	&nooks_attr_calls_premade.attr,
	&nooks_attr_calls_local.attr,
	&nooks_attr_memory_bytes.attr,
	&nooks_attr_restart.attr,
	&nooks_attr_restart_limit.attr,
	&nooks_attr_hang_timeout_ms.attr,
	&nooks_attr_protection.attr,
	&nooks_attr_shadow.attr,
	&nooks_attr_shadow_log.attr,
	NULL,
};

static const struct attribute_group nooks_domain_group = {
	.attrs = nooks_domain_attrs,
};

/* objects/<type>: one file per tracked type, named from the type table. */
struct nooks_obj_attr {
	struct kobj_attribute kattr;
	enum nooks_obj_type type;
};

static ssize_t nooks_obj_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct nooks_obj_attr *oa = container_of(attr, struct nooks_obj_attr,
						 kattr);

	return sysfs_emit(buf, "%lu\n",
			  nooks_objtrack_count(&to_domain(kobj)->objects,
					       oa->type));
}

static struct nooks_obj_attr nooks_obj_attrs[NOOKS_OBJ_COUNT];
static struct attribute *nooks_obj_attr_ptrs[NOOKS_OBJ_COUNT + 1];

static const struct attribute_group nooks_objects_group = {
	.name = "objects",
	.attrs = nooks_obj_attr_ptrs,
};

static const struct attribute_group *nooks_domain_groups[] = {
	&nooks_domain_group,
	&nooks_objects_group,
	NULL,
};

static const struct kobj_type nooks_domain_ktype = {
	.release = nooks_domain_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = nooks_domain_groups,
};

/**
 * nooks_sysfs_domain_init() - initialise a domain's kobject
 * @d: the domain
 *
 * After this the domain is freed by its last kobject_put().
 */
void nooks_sysfs_domain_init(struct nooks_domain *d)
{
	kobject_init(&d->kobj, &nooks_domain_ktype);
	d->kobj.kset = nooks_domains_kset;
}

/**
 * nooks_sysfs_domain_add() - show a domain under /sys/kernel/nooks/domains
 * @d: the domain, initialised by nooks_sysfs_domain_init()
 *
 * Return: 0 or a negative errno from the kobject core.
 */
int nooks_sysfs_domain_add(struct nooks_domain *d)
{
	int ret;

	ret = kobject_add(&d->kobj, NULL, "%s", d->name);
	if (ret)
		return ret;
	kobject_uevent(&d->kobj, KOBJ_ADD);
	return 0;
}

/**
 * nooks_sysfs_domain_del() - remove a domain's directory
 * @d: the domain
 *
 * Waits for readers of its files to finish; the caller still holds a
 * reference.
 */
void nooks_sysfs_domain_del(struct nooks_domain *d)
{
	kobject_uevent(&d->kobj, KOBJ_REMOVE);
	kobject_del(&d->kobj);
}

/*
 * /sys/kernel/nooks/protection: whether modules bound from now on are
 * protected, and how CPUs switch to a domain (arch/x86/protect.c).
 */
static ssize_t nooks_global_protection_show(struct kobject *kobj,
					    struct kobj_attribute *attr,
					    char *buf)
{
	return sysfs_emit(buf, "%s %s %u-level\n",
			  nooks_protect_enabled() ? "on" : "off",
			  nooks_protect_mode(),
			  nooks_arch_info()->paging_levels);
}

static struct kobj_attribute nooks_attr_global_protection =
	__ATTR(protection, 0444, nooks_global_protection_show, NULL);

/**
 * nooks_sysfs_init() - create /sys/kernel/nooks and its domains/ kset
 *
 * Return: 0 or -ENOMEM.
 */
int nooks_sysfs_init(void)
{
	int i;

	for (i = 0; i < NOOKS_OBJ_COUNT; i++) {
		struct nooks_obj_attr *oa = &nooks_obj_attrs[i];

		sysfs_attr_init(&oa->kattr.attr);
		oa->kattr.attr.name = nooks_obj_type_names[i];
		oa->kattr.attr.mode = 0444;
		oa->kattr.show = nooks_obj_show;
		oa->type = i;
		nooks_obj_attr_ptrs[i] = &oa->kattr.attr;
	}

	nooks_root_kobj = kobject_create_and_add("nooks", kernel_kobj);
	if (!nooks_root_kobj)
		return -ENOMEM;
	if (sysfs_create_file(nooks_root_kobj,
			      &nooks_attr_global_protection.attr)) {
		kobject_put(nooks_root_kobj);
		return -ENOMEM;
	}
	nooks_domains_kset = kset_create_and_add("domains", NULL,
						 nooks_root_kobj);
	if (!nooks_domains_kset) {
		kobject_put(nooks_root_kobj);
		return -ENOMEM;
	}
	return 0;
}

/**
 * nooks_sysfs_uninit() - remove /sys/kernel/nooks; domains are gone by now
 */
void nooks_sysfs_uninit(void)
{
	kset_unregister(nooks_domains_kset);
	kobject_put(nooks_root_kobj);
}
