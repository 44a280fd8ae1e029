// SPDX-License-Identifier: GPL-2.0
/*
 * nooksctl domain: create, destroy, list and show isolation domains.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include <nooks.h>

#include "domain.h"
#include "main.h"
#include "netlink.h"

struct domain_set {
	struct nl_ctx *nl;
	struct domain_info *v;
	size_t n;
	size_t cap;
};

static const char *const state_names[] = {
	[NOOKS_STATE_LIVE]		= "live",
	[NOOKS_STATE_FAILED]		= "failed",
	[NOOKS_STATE_RECOVERING]	= "recovering",
	[NOOKS_STATE_STOPPED]		= "stopped",
};

static const char *const restart_names[] = {
	[NOOKS_RESTART_ALWAYS]	= "always",
	[NOOKS_RESTART_NEVER]	= "never",
	[NOOKS_RESTART_SHADOW]	= "shadow",
};

/* A newer kernel may know values we do not: show the number. */
static const char *enum_name(const char *const *names, size_t n,
			     uint32_t v, char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "unknown(%u)", v);
	return buf;
}

const char *domain_state_name(uint32_t state, char *buf, size_t len)
{
	return enum_name(state_names, ARRAY_SIZE(state_names), state, buf,
			 len);
}

const char *domain_restart_name(uint32_t restart, char *buf, size_t len)
{
	return enum_name(restart_names, ARRAY_SIZE(restart_names), restart,
			 buf, len);
}

static const char *const shadow_names[] = {
	[NOOKS_SHADOW_NONE]	= "none",
	[NOOKS_SHADOW_PASSIVE]	= "passive",
	[NOOKS_SHADOW_ACTIVE]	= "active",
};

const char *domain_shadow_name(uint32_t shadow, char *buf, size_t len)
{
	return enum_name(shadow_names, ARRAY_SIZE(shadow_names), shadow,
			 buf, len);
}

static const char *state_name(const struct domain_info *d, char *buf,
			      size_t len)
{
	return domain_state_name(d->state, buf, len);
}

static void object_list_clear(struct object_list *l)
{
	while (l->n)
		free(l->v[--l->n].type);
}

static void object_list_free(struct object_list *l)
{
	object_list_clear(l);
	free(l->v);
	l->v = NULL;
}

void domain_info_free(struct domain_info *d)
{
	free(d->name);
	free(d->module);
	free(d->last_fault);
	free(d->path);
	free(d->params);
	free(d->fault_type);
	object_list_free(&d->objs);
	object_list_free(&d->released);
	memset(d, 0, sizeof(*d));
}

static void domain_set_free(struct domain_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		domain_info_free(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
	set->cap = 0;
}

/* Letters, digits and '_': what a module name becomes in the kernel. */
int check_domain_name(const char *name)
{
	static const char allowed[] = "A-Z, a-z, 0-9 and _";
	size_t len = strlen(name), i;
	bool only_dashes = true;
	const char *bad = NULL;

	if (!len) {
		p_err("invalid domain name '': it is empty (use 1 to %d characters of %s)",
		      NOOKS_NAME_MAX - 1, allowed);
		return -1;
	}
	if (len > NOOKS_NAME_MAX - 1) {
		p_err("invalid domain name '%.16s...': %zu bytes is too long (use 1 to %d characters of %s)",
		      name, len, NOOKS_NAME_MAX - 1, allowed);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_')
			continue;
		if (!bad)
			bad = name + i;
		if (c != '-')
			only_dashes = false;
	}
	if (!bad)
		return 0;

	if (only_dashes) {
		char fixed[NOOKS_NAME_MAX];

		for (i = 0; i <= len; i++)
			fixed[i] = name[i] == '-' ? '_' : name[i];
		p_err("invalid domain name '%s': '-' is not allowed, use '_' ('%s') as the kernel does in module names",
		      name, fixed);
	} else if (*bad >= 0x20 && *bad <= 0x7e) {
		p_err("invalid domain name '%s': '%c' is not allowed (use only %s)",
		      name, *bad, allowed);
	} else {
		p_err("invalid domain name '%s': byte 0x%02x is not allowed (use only %s)",
		      name, (unsigned char)*bad, allowed);
	}
	return -1;
}

/* Take the single NAME argument of "domain CMD NAME". */
static int get_name(int argc, char **argv, const char *cmd,
		    const char **name)
{
	char usage[64];

	snprintf(usage, sizeof(usage), "nooksctl domain %s NAME", cmd);
	if (argc < 1) {
		p_err("missing domain NAME (usage: %s)", usage);
		return -1;
	}
	if (no_more_args(argc - 1, argv + 1, usage))
		return -1;
	if (check_domain_name(argv[0]))
		return -1;
	*name = argv[0];
	return 0;
}

/*
 * Turn the errors uapi/nooks.h documents for cmd into advice; anything
 * else gets the kernel's own words. name is NULL for a dump.
 */
static int report(struct nl_ctx *nl, int err, uint8_t cmd, const char *what,
		  const char *name)
{
	bool ours = !nl->bad_reply[0];

	if (ours && (err == -EPERM || err == -EACCES))
		p_err("not permitted: nooks needs CAP_NET_ADMIN (run as root)");
	else if (!name)
		p_err("cannot %s domains: %s", what, nl_strerror(nl, err));
	else if (ours && err == -ENOENT && cmd != NOOKS_CMD_DOMAIN_NEW)
		p_err("no domain '%s' (see 'nooksctl list')", name);
	else if (ours && err == -EEXIST && cmd == NOOKS_CMD_DOMAIN_NEW)
		p_err("domain '%s' already exists", name);
	else if (ours && err == -EBUSY && cmd == NOOKS_CMD_DOMAIN_DEL)
		p_err("domain '%s' is busy: a module is bound to it (unload it first)",
		      name);
	else
		p_err("cannot %s domain '%s': %s", what, name,
		      nl_strerror(nl, err));
	return -1;
}

static int put_str(struct nl_ctx *nl, const struct nlattr *attr, char **dst,
		   const char *what)
{
	char *s;

	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return nl_bad_reply(nl, what);
	s = strdup(mnl_attr_get_str(attr));
	if (!s) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	free(*dst);
	*dst = s;
	return MNL_CB_OK;
}

static int put_u64(struct nl_ctx *nl, const struct nlattr *attr,
		   uint64_t *dst, const char *what)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return nl_bad_reply(nl, what);
	*dst = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int put_u32(struct nl_ctx *nl, const struct nlattr *attr,
		   uint32_t *dst, bool *has, const char *what)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return nl_bad_reply(nl, what);
	*dst = mnl_attr_get_u32(attr);
	*has = true;
	return MNL_CB_OK;
}

struct object_parse {
	struct nl_ctx *nl;
	const char *type;
	uint64_t count;
};

static int object_attr_cb(const struct nlattr *attr, void *data)
{
	struct object_parse *op = data;

	switch (mnl_attr_get_type(attr)) {
	case NOOKS_A_OBJECT_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return nl_bad_reply(op->nl, "bad object type");
		op->type = mnl_attr_get_str(attr);
		break;
	case NOOKS_A_OBJECT_COUNT:
		return put_u64(op->nl, attr, &op->count, "bad object count");
	}
	return MNL_CB_OK;
}

struct objects_parse {
	struct nl_ctx *nl;
	struct object_list *l;
};

static int objects_attr_cb(const struct nlattr *attr, void *data)
{
	struct objects_parse *osp = data;
	struct object_parse op = { .nl = osp->nl };
	struct object_list *l = osp->l;
	struct nooks_object *objs;
	int ret;

	if (mnl_attr_get_type(attr) != NOOKS_A_OBJECTS_ENTRY)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return nl_bad_reply(osp->nl, "bad object entry");
	ret = mnl_attr_parse_nested(attr, object_attr_cb, &op);
	if (ret <= MNL_CB_STOP)
		return ret;
	if (!op.type)
		return nl_bad_reply(osp->nl, "object entry without a type");

	objs = realloc(l->v, (l->n + 1) * sizeof(*objs));
	if (!objs) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v = objs;
	objs[l->n].type = strdup(op.type);
	if (!objs[l->n].type) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	objs[l->n].count = op.count;
	l->n++;
	return MNL_CB_OK;
}

/* A repeated list replaces the earlier one. */
static int put_objects(struct nl_ctx *nl, const struct nlattr *attr,
		       struct object_list *l, const char *what)
{
	struct objects_parse osp = { .nl = nl, .l = l };

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return nl_bad_reply(nl, what);
	object_list_clear(l);
	return mnl_attr_parse_nested(attr, objects_attr_cb, &osp);
}

struct domain_parse {
	struct nl_ctx *nl;
	struct domain_info *d;
};

static int domain_attr_cb(const struct nlattr *attr, void *data)
{
	struct domain_parse *dp = data;
	struct domain_info *d = dp->d;
	struct nl_ctx *nl = dp->nl;

	switch (mnl_attr_get_type(attr)) {
	case NOOKS_A_DOMAIN_NAME:
		return put_str(nl, attr, &d->name, "bad domain name");
	case NOOKS_A_DOMAIN_STATE:
		return put_u32(nl, attr, &d->state, &d->has_state,
			       "bad domain state");
	case NOOKS_A_DOMAIN_MODULE:
		return put_str(nl, attr, &d->module, "bad module name");
	case NOOKS_A_DOMAIN_FAULTS:
		return put_u64(nl, attr, &d->faults, "bad fault count");
	case NOOKS_A_DOMAIN_RECOVERIES:
		return put_u64(nl, attr, &d->recoveries,
			       "bad recovery count");
	case NOOKS_A_DOMAIN_CALLS_IN:
		return put_u64(nl, attr, &d->calls_in, "bad calls_in");
	case NOOKS_A_DOMAIN_CALLS_OUT:
		return put_u64(nl, attr, &d->calls_out, "bad calls_out");
	case NOOKS_A_DOMAIN_MEMORY_BYTES:
		return put_u64(nl, attr, &d->memory_bytes,
			       "bad memory_bytes");
	case NOOKS_A_DOMAIN_LAST_FAULT:
		return put_str(nl, attr, &d->last_fault, "bad last_fault");
	case NOOKS_A_DOMAIN_OBJECTS:
		return put_objects(nl, attr, &d->objs, "bad object list");
	case NOOKS_A_DOMAIN_RESTART:
		return put_u32(nl, attr, &d->restart, &d->has_restart,
			       "bad restart policy");
	case NOOKS_A_DOMAIN_PATH:
		return put_str(nl, attr, &d->path, "bad module path");
	case NOOKS_A_DOMAIN_PARAMS:
		return put_str(nl, attr, &d->params, "bad module parameters");
	case NOOKS_A_DOMAIN_LOAD:
		if (mnl_attr_validate(attr, MNL_TYPE_FLAG) < 0)
			return nl_bad_reply(nl, "bad load flag");
		d->load = true;
		break;
	case NOOKS_A_DOMAIN_HANG_TIMEOUT_MS:
		return put_u32(nl, attr, &d->hang_timeout_ms,
			       &d->has_hang_timeout, "bad hang_timeout_ms");
	case NOOKS_A_DOMAIN_RESTART_LIMIT:
		return put_u32(nl, attr, &d->restart_limit,
			       &d->has_restart_limit, "bad restart_limit");
	case NOOKS_A_DOMAIN_SHADOW:
		return put_u32(nl, attr, &d->shadow, &d->has_shadow,
			       "bad shadow mode");
	case NOOKS_A_DOMAIN_SHADOW_LOG:
		return put_u32(nl, attr, &d->shadow_log, &d->has_shadow_log,
			       "bad shadow_log");
	case NOOKS_A_EVENT:
		return put_u32(nl, attr, &d->event, &d->has_event,
			       "bad event");
	case NOOKS_A_FAULT_TYPE:
		return put_str(nl, attr, &d->fault_type, "bad fault type");
	case NOOKS_A_RECOVERY_RESULT:
		return put_u32(nl, attr, &d->result, &d->has_result,
			       "bad recovery result");
	case NOOKS_A_RECOVERY_NS:
		d->has_recovery_ns = true;
		return put_u64(nl, attr, &d->recovery_ns,
			       "bad recovery time");
	case NOOKS_A_RECOVERY_RELEASED:
		return put_objects(nl, attr, &d->released,
				   "bad list of released objects");
	}
	/* Attributes from a newer kernel are not ours to judge. */
	return MNL_CB_OK;
}

int domain_parse(struct nl_ctx *nl, const struct nlmsghdr *nlh,
		 struct domain_info *d)
{
	struct domain_parse dp = { .nl = nl, .d = d };
	int ret;

	memset(d, 0, sizeof(*d));
	ret = mnl_attr_parse(nlh, GENL_HDRLEN, domain_attr_cb, &dp);
	if (ret <= MNL_CB_STOP)
		return ret;
	if (!d->name)
		return nl_bad_reply(nl, "domain without a name");
	if (!d->has_state)
		return nl_bad_reply(nl, "domain without a state");
	return MNL_CB_OK;
}

static int domain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct domain_set *set = data;
	struct domain_info *d;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		struct domain_info *v = realloc(set->v, cap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		set->v = v;
		set->cap = cap;
	}
	/* Count it now so that it is freed whatever happens below. */
	d = &set->v[set->n++];
	return domain_parse(set->nl, nlh, d);
}

int domain_get(struct nl_ctx *nl, const char *name, struct domain_info *d)
{
	struct domain_set set = { .nl = nl };
	struct nlmsghdr *nlh;
	int err;

	memset(d, 0, sizeof(*d));
	nlh = nl_msg(nl, NOOKS_CMD_DOMAIN_GET);
	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_NAME, name);
	err = nl_do(nl, nlh, domain_cb, &set);
	if (!err && !set.n) {
		nl_bad_reply(nl, "no domain in the answer");
		err = -EBADMSG;
	}
	if (!err) {
		/* The set keeps an empty one to free. */
		*d = set.v[0];
		memset(&set.v[0], 0, sizeof(set.v[0]));
	}
	domain_set_free(&set);
	return err;
}

/* For %llu: checkpatch reads PRIu64 as CamelCase. */
static unsigned long long ull(uint64_t v)
{
	return v;
}

static const char *or_none(const char *s)
{
	return s ? s : "none";
}

static void domain_json(const struct domain_info *d)
{
	char buf[32];
	size_t i;

	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "name", d->name);
	jsonw_string_field(json_wtr, "state",
			   state_name(d, buf, sizeof(buf)));
	jsonw_string_field(json_wtr, "module", d->module ? d->module : "");
	jsonw_uint_field(json_wtr, "faults", d->faults);
	jsonw_uint_field(json_wtr, "recoveries", d->recoveries);
	jsonw_uint_field(json_wtr, "calls_in", d->calls_in);
	jsonw_uint_field(json_wtr, "calls_out", d->calls_out);
	jsonw_uint_field(json_wtr, "memory_bytes", d->memory_bytes);
	jsonw_string_field(json_wtr, "last_fault", or_none(d->last_fault));
	jsonw_name(json_wtr, "objects");
	jsonw_start_object(json_wtr);
	for (i = 0; i < d->objs.n; i++)
		jsonw_uint_field(json_wtr, d->objs.v[i].type,
				 d->objs.v[i].count);
	jsonw_end_object(json_wtr);
	/* What an older nooks.ko does not report is left out. */
	if (d->has_restart)
		jsonw_string_field(json_wtr, "restart",
				   domain_restart_name(d->restart, buf,
						       sizeof(buf)));
	if (d->path)
		jsonw_string_field(json_wtr, "path", d->path);
	if (d->params)
		jsonw_string_field(json_wtr, "params", d->params);
	if (d->has_hang_timeout)
		jsonw_uint_field(json_wtr, "hang_timeout_ms",
				 d->hang_timeout_ms);
	if (d->has_restart_limit)
		jsonw_uint_field(json_wtr, "restart_limit", d->restart_limit);
	if (d->has_shadow)
		jsonw_string_field(json_wtr, "shadow",
				   domain_shadow_name(d->shadow, buf,
						      sizeof(buf)));
	if (d->has_shadow_log)
		jsonw_uint_field(json_wtr, "shadow_log", d->shadow_log);
	jsonw_end_object(json_wtr);
}

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

static void domain_plain_line(const struct domain_info *d)
{
	char buf[32];

	print_plain(d->name);
	printf("  state %s  module ", state_name(d, buf, sizeof(buf)));
	print_plain(or_dash(d->module));
	printf("  faults %llu  recoveries %llu  calls_in %llu  calls_out %llu  memory_bytes %llu",
	       ull(d->faults), ull(d->recoveries), ull(d->calls_in),
	       ull(d->calls_out), ull(d->memory_bytes));
	if (d->has_restart)
		printf("  restart %s",
		       domain_restart_name(d->restart, buf, sizeof(buf)));
	putchar('\n');
}

static void domain_plain_show(const struct domain_info *d)
{
	bool any = false;
	char buf[32];
	size_t i;

	fputs("name: ", stdout);
	print_plain(d->name);
	printf("\nstate: %s\nmodule: ", state_name(d, buf, sizeof(buf)));
	print_plain(or_dash(d->module));
	printf("\nfaults: %llu\nrecoveries: %llu\n",
	       ull(d->faults), ull(d->recoveries));
	printf("calls_in: %llu\ncalls_out: %llu\nmemory_bytes: %llu\n",
	       ull(d->calls_in), ull(d->calls_out), ull(d->memory_bytes));
	fputs("last_fault: ", stdout);
	print_plain(or_none(d->last_fault));
	putchar('\n');
	if (d->has_restart)
		printf("restart: %s\n",
		       domain_restart_name(d->restart, buf, sizeof(buf)));
	if (d->path) {
		fputs("path: ", stdout);
		print_plain(or_dash(d->path));
		putchar('\n');
	}
	if (d->params) {
		fputs("params: ", stdout);
		print_plain(or_dash(d->params));
		putchar('\n');
	}
	if (d->has_hang_timeout)
		printf("hang_timeout_ms: %u\n", d->hang_timeout_ms);
	if (d->has_restart_limit)
		printf("restart_limit: %u\n", d->restart_limit);
	if (d->has_shadow)
		printf("shadow: %s\n",
		       domain_shadow_name(d->shadow, buf, sizeof(buf)));
	if (d->has_shadow_log)
		printf("shadow_log: %u\n", d->shadow_log);

	for (i = 0; i < d->objs.n; i++) {
		if (!d->objs.v[i].count)
			continue;
		if (!any)
			puts("objects:");
		any = true;
		fputs("  ", stdout);
		print_plain(d->objs.v[i].type);
		printf(": %llu\n", ull(d->objs.v[i].count));
	}
	if (!any)
		puts("objects: none");
}

static int cmp_domain(const void *a, const void *b)
{
	const struct domain_info *da = a, *db = b;

	return strcmp(da->name, db->name);
}

int do_domain_list(int argc, char **argv)
{
	struct domain_set set = { 0 };
	struct nl_ctx nl;
	int err, tries;
	size_t i;

	if (no_more_args(argc, argv, "nooksctl domain list"))
		return -1;
	if (nl_open(&nl))
		return -1;
	set.nl = &nl;

	/* A domain coming or going mid-dump interrupts it: try again. */
	for (tries = 0; tries < 3; tries++) {
		domain_set_free(&set);
		err = nl_dump(&nl, nl_msg(&nl, NOOKS_CMD_DOMAIN_GET),
			      domain_cb, &set);
		if (err != -EINTR)
			break;
	}
	if (err == -EINTR)
		p_err("cannot list domains: they kept changing during the dump (try again)");
	else if (err)
		report(&nl, err, NOOKS_CMD_DOMAIN_GET, "list", NULL);
	if (err)
		goto out;

	if (set.n > 1)
		qsort(set.v, set.n, sizeof(*set.v), cmp_domain);
	if (json_output)
		jsonw_start_array(json_wtr);
	for (i = 0; i < set.n; i++) {
		if (json_output)
			domain_json(&set.v[i]);
		else
			domain_plain_line(&set.v[i]);
	}
	if (json_output)
		jsonw_end_array(json_wtr);
out:
	domain_set_free(&set);
	nl_close(&nl);
	return err ? -1 : 0;
}

int do_domain_show(int argc, char **argv)
{
	struct domain_info d;
	const char *name;
	struct nl_ctx nl;
	int err;

	if (get_name(argc, argv, "show", &name))
		return -1;
	if (nl_open(&nl))
		return -1;

	err = domain_get(&nl, name, &d);
	if (err)
		report(&nl, err, NOOKS_CMD_DOMAIN_GET, "show", name);
	else if (json_output)
		domain_json(&d);
	else
		domain_plain_show(&d);
	domain_info_free(&d);
	nl_close(&nl);
	return err ? -1 : 0;
}

static int domain_change(int argc, char **argv, const char *verb,
			 uint8_t cmd, const char *done, bool load)
{
	struct nlmsghdr *nlh;
	const char *name;
	struct nl_ctx nl;
	int err;

	if (get_name(argc, argv, verb, &name))
		return -1;
	if (nl_open(&nl))
		return -1;

	nlh = nl_msg(&nl, cmd);
	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_NAME, name);
	if (load)
		mnl_attr_put(nlh, NOOKS_A_DOMAIN_LOAD, 0, NULL);
	err = nl_do(&nl, nlh, NULL, NULL);
	if (err)
		report(&nl, err, cmd, verb, name);
	nl_close(&nl);
	if (err)
		return -1;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "domain", name);
		jsonw_bool_field(json_wtr, done, true);
		jsonw_end_object(json_wtr);
	}
	return 0;
}

/*
 * "--load" reserves the domain for the next module of its name: the
 * kernel then refuses that module unless nooksctl rewrote it.
 */
int do_domain_create(int argc, char **argv)
{
	bool load = false;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--load"))
			load = true;
		else
			argv[n++] = argv[i];
	}
	return domain_change(n, argv, "create", NOOKS_CMD_DOMAIN_NEW,
			     "created", load);
}

int do_domain_destroy(int argc, char **argv)
{
	return domain_change(argc, argv, "destroy", NOOKS_CMD_DOMAIN_DEL,
			     "destroyed", false);
}

/* Help is text even with -j: it is for people, not for scripts. */
int do_domain_help(int argc, char **argv)
{
	if (no_more_args(argc, argv, "nooksctl domain help"))
		return -1;

	printf("Usage: %s [OPTIONS] domain COMMAND [ARGS]\n"
	       "\n"
	       "Commands:\n"
	       "  list              list all domains (the default COMMAND)\n"
	       "  show NAME         show the state, counters, restart policy and\n"
	       "                    objects of NAME\n"
	       "  create NAME [--load]\n"
	       "                    create an empty domain NAME; with --load, reserve\n"
	       "                    it for the next module named NAME, which the\n"
	       "                    kernel then refuses unless nooksctl rewrote it\n"
	       "  destroy NAME      destroy domain NAME; no module may be bound to it\n"
	       "  help              print this help\n"
	       "\n"
	       "NAME is 1 to %d characters of A-Z, a-z, 0-9 and _ (a module name\n"
	       "with '-' turned into '_').\n"
	       "With -j, list prints an array of the objects that show prints, and\n"
	       "create and destroy print what they did.\n"
	       "These commands need root (CAP_NET_ADMIN) and the nooks module\n"
	       "(insmod nooks.ko); see 'nooksctl help' for options and exit status.\n",
	       bin_name, NOOKS_NAME_MAX - 1);
	return 0;
}

static const struct cmd cmds[] = {
	{ "list",	do_domain_list },
	{ "show",	do_domain_show },
	{ "create",	do_domain_create },
	{ "destroy",	do_domain_destroy },
	{ "help",	do_domain_help },
	{ NULL }
};

int do_domain(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, "domain");
}
