// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink control plane. Every operation is admin-only
 * (GENL_ADMIN_PERM): the kernel, not nooksctl, refuses other users.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "../domains/inject.h"
#include "domain.h"
#include "genl.h"

static const struct nla_policy nooks_genl_policy[NOOKS_A_MAX + 1] = {
	[NOOKS_A_DOMAIN_NAME] = { .type = NLA_NUL_STRING,
				  .len = NOOKS_NAME_MAX - 1 },
	[NOOKS_A_DOMAIN_LOAD] = { .type = NLA_FLAG },
	[NOOKS_A_DOMAIN_RESTART] = NLA_POLICY_MAX(NLA_U32, __NOOKS_RESTART_MAX - 1),
	[NOOKS_A_DOMAIN_PATH] = { .type = NLA_NUL_STRING,
				  .len = NOOKS_PATH_MAX - 1 },
	[NOOKS_A_DOMAIN_PARAMS] = { .type = NLA_NUL_STRING,
				    .len = NOOKS_PARAMS_MAX - 1 },
	[NOOKS_A_INJECT_FAULT] = NLA_POLICY_MAX(NLA_U32, __NOOKS_FAULT_MAX - 1),
	[NOOKS_A_INJECT_COUNT] = NLA_POLICY_RANGE(NLA_U32, 1,
						  NOOKS_INJECT_COUNT_MAX),
};

static struct genl_family nooks_genl_family;
/* Events stop before the family goes; set and cleared at init/exit only. */
static bool nooks_genl_registered;

enum nooks_genl_mcgrp {
	NOOKS_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group nooks_genl_mcgrps[] = {
	[NOOKS_MCGRP_EVENTS_ID] = { .name = NOOKS_MCGRP_EVENTS,
				    .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/*
 * One NOOKS_A_OBJECTS_ENTRY (type name, count) per object type nested in
 * @attr; with @skip_zero, types with a count of 0 are left out.
 */
static int nooks_genl_put_counts(struct sk_buff *skb, int attr,
				 const unsigned long *counts, bool skip_zero)
{
	struct nlattr *objs, *entry;
	int i;

	objs = nla_nest_start(skb, attr);
	if (!objs)
		return -EMSGSIZE;
	for (i = 0; i < NOOKS_OBJ_COUNT; i++) {
		if (skip_zero && !counts[i])
			continue;
		entry = nla_nest_start(skb, NOOKS_A_OBJECTS_ENTRY);
		if (!entry ||
		    nla_put_string(skb, NOOKS_A_OBJECT_TYPE,
				   nooks_obj_type_names[i]) ||
		    nla_put_u64_64bit(skb, NOOKS_A_OBJECT_COUNT, counts[i],
				      NOOKS_A_OBJECT_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, objs);
	return 0;
}

static int nooks_genl_put_objects(struct sk_buff *skb, struct nooks_domain *d)
{
	unsigned long counts[NOOKS_OBJ_COUNT];
	int i;

	for (i = 0; i < NOOKS_OBJ_COUNT; i++)
		counts[i] = nooks_objtrack_count(&d->objects, i);
	return nooks_genl_put_counts(skb, NOOKS_A_DOMAIN_OBJECTS, counts, false);
}

/* Restart policy and the rest recovery reads, copied under the lock. */
static int nooks_genl_put_origin(struct sk_buff *skb, struct nooks_domain *d)
{
	char path[NOOKS_PATH_MAX];
	unsigned long flags;
	bool load_pending;
	char *params;
	u32 restart;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	restart = d->restart;
	strscpy(path, d->path, sizeof(path));
	params = kstrdup(d->params ?: "", GFP_ATOMIC);
	load_pending = d->load_pending;
	spin_unlock_irqrestore(&d->lock, flags);
	if (!params)
		return -ENOMEM;
	ret = nla_put_u32(skb, NOOKS_A_DOMAIN_RESTART, restart) ||
	      nla_put_string(skb, NOOKS_A_DOMAIN_PATH, path) ||
	      nla_put_string(skb, NOOKS_A_DOMAIN_PARAMS, params) ||
	      (load_pending && nla_put_flag(skb, NOOKS_A_DOMAIN_LOAD)) ||
	      nla_put_u32(skb, NOOKS_A_DOMAIN_HANG_TIMEOUT_MS,
			  READ_ONCE(d->hang_timeout_ms)) ||
	      nla_put_u32(skb, NOOKS_A_DOMAIN_RESTART_LIMIT,
			  READ_ONCE(d->restart_limit)) ||
	      nla_put_u32(skb, NOOKS_A_DOMAIN_SHADOW,
			  nooks_shadow_mode(&d->shadow)) ||
	      nla_put_u32(skb, NOOKS_A_DOMAIN_SHADOW_LOG,
			  nooks_shadow_log_size(&d->shadow)) ? -EMSGSIZE : 0;
	kfree(params);
	return ret;
}

/* The attributes an event adds to the domain's report. */
static int nooks_genl_put_event(struct sk_buff *skb, struct nooks_domain *d,
				int event, const char *fault)
{
	char type[32];

	switch (event) {
	case NOOKS_EVENT_FAULT:
		strscpy(type, fault, sizeof(type));
		type[strcspn(type, " ")] = '\0';
		return nla_put_string(skb, NOOKS_A_FAULT_TYPE, type);
	case NOOKS_EVENT_RECOVERY_END:
		if (nla_put_u32(skb, NOOKS_A_RECOVERY_RESULT,
				d->recovery_result) ||
		    nla_put_u64_64bit(skb, NOOKS_A_RECOVERY_NS, d->recovery_ns,
				      NOOKS_A_PAD))
			return -EMSGSIZE;
		/* what the last recovery released */
		return nooks_genl_put_counts(skb, NOOKS_A_RECOVERY_RELEASED,
					     d->released, true);
	}
	return 0;
}

static int nooks_genl_put_counter(struct sk_buff *skb, int attr,
				  struct nooks_domain *d, enum nooks_counter n)
{
	return nla_put_u64_64bit(skb, attr, nooks_domain_counter(d, n),
				 NOOKS_A_PAD);
}

/* One message describing @d; the caller frees @skb on error. */
static int nooks_genl_fill(struct sk_buff *skb, struct nooks_domain *d,
			   u32 portid, u32 seq, int flags, u8 cmd, int event)
{
	char module[NOOKS_NAME_MAX];
	char fault[NOOKS_LAST_FAULT_LEN];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nooks_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nooks_domain_module_name(d, module, sizeof(module));
	nooks_domain_last_fault(d, fault, sizeof(fault));
	if ((event >= 0 && nla_put_u32(skb, NOOKS_A_EVENT, event)) ||
	    nla_put_string(skb, NOOKS_A_DOMAIN_NAME, d->name) ||
	    nla_put_u32(skb, NOOKS_A_DOMAIN_STATE, nooks_domain_state(d)) ||
	    nla_put_string(skb, NOOKS_A_DOMAIN_MODULE, module) ||
	    nooks_genl_put_counter(skb, NOOKS_A_DOMAIN_FAULTS, d,
				   NOOKS_CNT_FAULTS) ||
	    nooks_genl_put_counter(skb, NOOKS_A_DOMAIN_RECOVERIES, d,
				   NOOKS_CNT_RECOVERIES) ||
	    nooks_genl_put_counter(skb, NOOKS_A_DOMAIN_CALLS_IN, d,
				   NOOKS_CNT_CALLS_IN) ||
	    nooks_genl_put_counter(skb, NOOKS_A_DOMAIN_CALLS_OUT, d,
				   NOOKS_CNT_CALLS_OUT) ||
	    nla_put_u64_64bit(skb, NOOKS_A_DOMAIN_MEMORY_BYTES,
			      nooks_objtrack_memory_bytes(&d->objects),
			      NOOKS_A_PAD) ||
	    nla_put_string(skb, NOOKS_A_DOMAIN_LAST_FAULT, fault) ||
	    nooks_genl_put_objects(skb, d) ||
	    nooks_genl_put_origin(skb, d) ||
	    nooks_genl_put_event(skb, d, event, fault)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static const char *nooks_genl_name(struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, NOOKS_A_DOMAIN_NAME))
		return NULL;
	return nla_data(info->attrs[NOOKS_A_DOMAIN_NAME]);
}

static int nooks_genl_domain_new(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = nooks_genl_name(info);
	const char *path = NULL, *params = NULL;
	u32 restart = NOOKS_RESTART_SHADOW;
	struct nooks_domain *d;
	int ret;

	if (!name)
		return -EINVAL;
	d = nooks_domain_create(name);
	if (IS_ERR(d)) {
		if (PTR_ERR(d) == -EINVAL)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[NOOKS_A_DOMAIN_NAME],
					    "domain names are 1-55 characters of [A-Za-z0-9_]");
		else if (PTR_ERR(d) == -EEXIST)
			GENL_SET_ERR_MSG(info, "a domain with this name exists");
		return PTR_ERR(d);
	}
	if (info->attrs[NOOKS_A_DOMAIN_RESTART])
		restart = nla_get_u32(info->attrs[NOOKS_A_DOMAIN_RESTART]);
	if (info->attrs[NOOKS_A_DOMAIN_PATH])
		path = nla_data(info->attrs[NOOKS_A_DOMAIN_PATH]);
	if (info->attrs[NOOKS_A_DOMAIN_PARAMS])
		params = nla_data(info->attrs[NOOKS_A_DOMAIN_PARAMS]);
	ret = nooks_domain_set_origin(d, restart, path, params);
	if (ret) {
		nooks_domain_destroy(d);
		nooks_domain_put(d);
		return ret;
	}
	if (nla_get_flag(info->attrs[NOOKS_A_DOMAIN_LOAD]))
		nooks_domain_expect_load(d);	/* a new domain is stopped */
	nooks_domain_put(d);
	return 0;
}

static int nooks_genl_inject(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = nooks_genl_name(info);
	const char *why = NULL;
	struct nooks_domain *d;
	u32 count = 1;
	int ret;

	if (!name || GENL_REQ_ATTR_CHECK(info, NOOKS_A_INJECT_FAULT))
		return -EINVAL;
	if (info->attrs[NOOKS_A_INJECT_COUNT])
		count = nla_get_u32(info->attrs[NOOKS_A_INJECT_COUNT]);
	d = nooks_domain_lookup(name);
	if (!d) {
		GENL_SET_ERR_MSG(info, "no such domain");
		return -ENOENT;
	}
	ret = nooks_inject_arm(d, nla_get_u32(info->attrs[NOOKS_A_INJECT_FAULT]),
			       count, &why);
	if (ret && why && info->extack)
		info->extack->_msg = why;	/* a literal of inject.c */
	nooks_domain_put(d);
	return ret;
}

static int nooks_genl_domain_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = nooks_genl_name(info);
	struct nooks_domain *d;
	int ret;

	if (!name)
		return -EINVAL;
	d = nooks_domain_lookup(name);
	if (!d) {
		GENL_SET_ERR_MSG(info, "no such domain");
		return -ENOENT;
	}
	ret = nooks_domain_destroy(d);
	if (ret == -EBUSY)
		GENL_SET_ERR_MSG(info, "a module is bound to the domain");
	nooks_domain_put(d);
	return ret;
}

static int nooks_genl_domain_get(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = nooks_genl_name(info);
	struct nooks_domain *d;
	struct sk_buff *msg;
	int ret;

	if (!name)
		return -EINVAL;
	d = nooks_domain_lookup(name);
	if (!d) {
		GENL_SET_ERR_MSG(info, "no such domain");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		nooks_domain_put(d);
		return -ENOMEM;
	}
	ret = nooks_genl_fill(msg, d, info->snd_portid, info->snd_seq, 0,
			      NOOKS_CMD_DOMAIN_GET, -1);
	nooks_domain_put(d);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: index of the next domain to dump. */
static int nooks_genl_domain_dump(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct nooks_domain *d;
	int ret;

	while ((d = nooks_domain_nth(cb->args[0]))) {
		ret = nooks_genl_fill(skb, d, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      NOOKS_CMD_DOMAIN_GET, -1);
		nooks_domain_put(d);
		if (ret)
			break;
		cb->args[0]++;
	}
	return skb->len;
}

/* cb->args[0]: index into nooks.ko's exports, GPL-only ones after the rest. */
static int nooks_genl_exports_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	const struct module *mod = THIS_MODULE;
	unsigned int n = mod->num_syms + mod->num_gpl_syms;

	for (; cb->args[0] < n; cb->args[0]++) {
		unsigned int i = cb->args[0];
		bool gpl = i >= mod->num_syms;
		const struct kernel_symbol *sym;
		const char *ns;
		u32 crc = 0;
		void *hdr;

		if (gpl)
			i -= mod->num_syms;
		sym = gpl ? &mod->gpl_syms[i] : &mod->syms[i];
#ifdef CONFIG_MODVERSIONS
		crc = gpl ? mod->gpl_crcs[i] : mod->crcs[i];
#endif
		ns = offset_to_ptr(&sym->namespace_offset);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &nooks_genl_family,
				  NLM_F_MULTI, NOOKS_CMD_EXPORTS_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, NOOKS_A_EXPORT_NAME,
				   offset_to_ptr(&sym->name_offset)) ||
		    nla_put_u32(skb, NOOKS_A_EXPORT_CRC, crc) ||
		    (ns && *ns && nla_put_string(skb, NOOKS_A_EXPORT_NS, ns))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	return skb->len;
}

static const struct genl_small_ops nooks_genl_ops[] = {
	{
		.cmd = NOOKS_CMD_DOMAIN_NEW,
		.doit = nooks_genl_domain_new,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOOKS_CMD_DOMAIN_DEL,
		.doit = nooks_genl_domain_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOOKS_CMD_DOMAIN_GET,
		.doit = nooks_genl_domain_get,
		.dumpit = nooks_genl_domain_dump,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOOKS_CMD_EXPORTS_GET,
		.dumpit = nooks_genl_exports_dump,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOOKS_CMD_INJECT,
		.doit = nooks_genl_inject,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family nooks_genl_family __ro_after_init = {
	.name = NOOKS_GENL_NAME,
	.version = NOOKS_GENL_VERSION,
	.maxattr = NOOKS_A_MAX,
	.policy = nooks_genl_policy,
	.netnsok = false,
	.module = THIS_MODULE,
	.small_ops = nooks_genl_ops,
	.n_small_ops = ARRAY_SIZE(nooks_genl_ops),
	.resv_start_op = NOOKS_CMD_EXPORTS_GET + 1,
	.mcgrps = nooks_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nooks_genl_mcgrps),
};

/**
 * nooks_genl_notify() - send an event to the "events" multicast group
 * @d: the domain
 * @ev: the event
 *
 * Context: process context. Events are best effort: with no listener, or
 * out of memory, nothing is sent.
 */
void nooks_genl_notify(struct nooks_domain *d, enum nooks_event ev)
{
	struct sk_buff *msg;

	if (!nooks_genl_registered ||
	    !genl_has_listeners(&nooks_genl_family, &init_net,
				NOOKS_MCGRP_EVENTS_ID))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (nooks_genl_fill(msg, d, 0, 0, 0, NOOKS_CMD_EVENT, ev)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&nooks_genl_family, msg, 0, NOOKS_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
}

/**
 * nooks_genl_init() - register the "nooks" family
 *
 * Return: 0 or a negative errno.
 */
int nooks_genl_init(void)
{
	int ret;

	ret = genl_register_family(&nooks_genl_family);
	if (!ret)
		nooks_genl_registered = true;
	return ret;
}

/**
 * nooks_genl_uninit() - unregister the family; no command runs after this
 */
void nooks_genl_uninit(void)
{
	nooks_genl_registered = false;
	genl_unregister_family(&nooks_genl_family);
}
