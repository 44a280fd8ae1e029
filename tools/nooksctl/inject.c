// SPDX-License-Identifier: GPL-2.0
/*
 * nooksctl inject: arm a fault that fires inside a domain's driver code
 * on its next entries, to see the domain contain it and recovery run.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nooks.h>

#include "domain.h"
#include "main.h"
#include "netlink.h"

#define INJECT_USAGE	"nooksctl inject DOMAIN FAULT [--count N]"

static const struct {
	const char *name;
	const char *what;
} faults[] = {
	[NOOKS_FAULT_NULL_DEREF]	= { "null-deref", "read through NULL" },
	[NOOKS_FAULT_WILD_WRITE]	= { "wild-write",
					    "write to memory the domain does not own" },
	[NOOKS_FAULT_STACK_OVERFLOW]	= { "stack-overflow",
					    "run off the end of the stack" },
	[NOOKS_FAULT_BUG]		= { "bug", "BUG()" },
	[NOOKS_FAULT_GPF]		= { "gpf",
					    "read through a non-canonical pointer" },
	[NOOKS_FAULT_DIV_ZERO]		= { "div-zero", "divide by zero" },
	[NOOKS_FAULT_BAD_FREE]		= { "bad-free",
					    "kfree of memory the domain does not own" },
	[NOOKS_FAULT_DOUBLE_FREE]	= { "double-free", "kfree twice" },
	[NOOKS_FAULT_HANG]		= { "hang",
					    "loop forever, preemption off" },
	[NOOKS_FAULT_ILLEGAL_INSN]	= { "illegal-insn", "an undefined opcode" },
	[NOOKS_FAULT_HANG_IRQOFF]	= { "hang-irqoff",
					    "loop forever, interrupts off" },
	[NOOKS_FAULT_KERNEL_WRITE]	= { "kernel-write",
					    "write to a global of the kernel" },
	[NOOKS_FAULT_STALE_WRITE]	= { "stale-write",
					    "write to domain memory it freed" },
};

_Static_assert(ARRAY_SIZE(faults) == __NOOKS_FAULT_MAX,
	       "a fault of uapi/nooks.h has no name");

/* The names LKDTM (drivers/misc/lkdtm) gives the same faults. */
static const struct {
	const char *name;
	enum nooks_fault fault;
} lkdtm_aliases[] = {
	{ "ACCESS_NULL",	NOOKS_FAULT_NULL_DEREF },
	{ "EXCEPTION",		NOOKS_FAULT_NULL_DEREF },
	{ "WRITE_KERN",		NOOKS_FAULT_WILD_WRITE },
	{ "EXHAUST_STACK",	NOOKS_FAULT_STACK_OVERFLOW },
	{ "BUG",		NOOKS_FAULT_BUG },
	{ "SLAB_FREE_DOUBLE",	NOOKS_FAULT_DOUBLE_FREE },
	{ "WRITE_AFTER_FREE",	NOOKS_FAULT_STALE_WRITE },
	{ "SOFTLOCKUP",		NOOKS_FAULT_HANG },
	{ "HARDLOCKUP",		NOOKS_FAULT_HANG_IRQOFF },
};

/* Faults only a strict domain catches: the kernel refuses the others. */
static bool needs_strict(unsigned int fault)
{
	return fault == NOOKS_FAULT_BAD_FREE ||
	       fault == NOOKS_FAULT_DOUBLE_FREE;
}

/* Our names, or LKDTM's, in any case; '_' and '-' are the same in ours. */
static int fault_lookup(const char *word)
{
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		const char *n = faults[i].name;

		for (k = 0; n[k] && word[k]; k++) {
			int c = word[k] == '_' ? '-' : (unsigned char)word[k];

			if (tolower(c) != n[k])
				break;
		}
		if (!n[k] && !word[k])
			return i;
	}
	for (i = 0; i < ARRAY_SIZE(lkdtm_aliases); i++)
		if (!strcasecmp(word, lkdtm_aliases[i].name))
			return lkdtm_aliases[i].fault;
	return -1;
}

static void fault_unknown(const char *word)
{
	char names[256] = "";
	size_t i, len = 0;

	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		int w = snprintf(names + len, sizeof(names) - len, "%s%s",
				 i ? ", " : "", faults[i].name);

		if (w < 0 || (size_t)w >= sizeof(names) - len)
			break;
		len += w;
	}
	p_err("unknown fault '%.32s' (use %s, or an LKDTM name; see 'nooksctl help inject')",
	      word, names);
}

/* The state of a domain that refused a fault, for the error. */
static const char *state_of(struct nl_ctx *nl, const char *name, char *buf,
			    size_t len)
{
	struct domain_info d;

	if (domain_get(nl, name, &d)) {
		snprintf(buf, len, "unknown");
	} else {
		char num[32];

		snprintf(buf, len, "%s",
			 domain_state_name(d.state, num, sizeof(num)));
	}
	domain_info_free(&d);
	return buf;
}

static void inject_error(struct nl_ctx *nl, int err, const char *name,
			 unsigned int fault)
{
	const char *fname = faults[fault].name;
	bool ours = !nl->bad_reply[0];
	bool why = ours && nl->ext_msg[0];
	char state[32];

	if (ours && (err == -EPERM || err == -EACCES)) {
		p_err("not permitted: nooks needs CAP_NET_ADMIN (run as root)");
	} else if (ours && err == -ENOENT) {
		p_err("no domain '%s' (see 'nooksctl list')", name);
	} else if (ours && err == -EBUSY) {
		p_err("domain '%s' is not live (state %s): faults fire in a running driver only",
		      name, state_of(nl, name, state, sizeof(state)));
	} else if (ours && err == -EOPNOTSUPP && !why && needs_strict(fault)) {
		p_err("domain '%s' is not strict: %s is caught only when every import of its driver has a typed wrapper (see nooksctl check)",
		      name, fname);
	} else if (ours && err == -EOPNOTSUPP && !why) {
		/* What genetlink answers for a command it does not know. */
		p_err("this nooks.ko cannot inject faults (is it older than nooksctl?)");
	} else {
		p_err("cannot inject %s into domain '%s': %s", fname, name,
		      nl_strerror(nl, err));
	}
}

/* Does /sys/kernel/nooks/domains/NAME/protection say "on"? */
static bool domain_protected(const char *name)
{
	char path[128], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/nooks/domains/%s/protection",
		 name);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strncmp(buf, "on", 2);
}

int do_inject(int argc, char **argv)
{
	const char *name, *word, *count_arg = NULL;
	unsigned long count = 1;
	struct nlmsghdr *nlh;
	struct nl_ctx nl;
	int i, n = 0, r, fault, err;
	bool writes;

	for (i = 0; i < argc; i++) {
		r = opt_value(argc, argv, &i, "--count", &count_arg,
			      INJECT_USAGE);
		if (r < 0)
			return -1;
		if (!r)
			argv[n++] = argv[i];
	}
	if (n == 1 && !strcmp(argv[0], "help"))
		return do_inject_help(0, NULL);
	if (n < 1) {
		p_err("missing DOMAIN and FAULT (usage: %s)", INJECT_USAGE);
		return -1;
	}
	if (n < 2) {
		p_err("missing FAULT (usage: %s; see 'nooksctl help inject')",
		      INJECT_USAGE);
		return -1;
	}
	if (no_more_args(n - 2, argv + 2, INJECT_USAGE))
		return -1;
	name = argv[0];
	word = argv[1];
	if (check_domain_name(name))
		return -1;
	fault = fault_lookup(word);
	if (fault < 0) {
		fault_unknown(word);
		return -1;
	}
	if (count_arg && parse_count(count_arg, NOOKS_INJECT_COUNT_MAX, &count))
		return -1;

	if (nl_open(&nl))
		return -1;
	writes = fault == NOOKS_FAULT_WILD_WRITE ||
		 fault == NOOKS_FAULT_KERNEL_WRITE ||
		 fault == NOOKS_FAULT_STALE_WRITE;
	if (writes && !domain_protected(name)) {
		fflush(stdout);
		fprintf(stderr, "%s: warning: %s %s: %s\n", bin_name,
			faults[fault].name,
			"is not contained: the domain has no page-table protection",
			"the write lands, harmlessly, and the kernel logs it");
	}
	nlh = nl_msg(&nl, NOOKS_CMD_INJECT);
	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_NAME, name);
	mnl_attr_put_u32(nlh, NOOKS_A_INJECT_FAULT, fault);
	mnl_attr_put_u32(nlh, NOOKS_A_INJECT_COUNT, count);
	err = nl_do(&nl, nlh, NULL, NULL);
	if (err)
		inject_error(&nl, err, name, fault);
	nl_close(&nl);
	if (err)
		return -1;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "domain", name);
		jsonw_string_field(json_wtr, "fault", faults[fault].name);
		jsonw_uint_field(json_wtr, "count", count);
		jsonw_bool_field(json_wtr, "contained",
				 !writes || domain_protected(name));
		jsonw_end_object(json_wtr);
	}
	return 0;
}

/* Help is text even with -j: it is for people, not for scripts. */
int do_inject_help(int argc, char **argv)
{
	size_t i, k;

	if (no_more_args(argc, argv, "nooksctl inject help"))
		return -1;

	printf("Usage: %s [OPTIONS] inject DOMAIN FAULT [--count N]\n"
	       "\n"
	       "Arm FAULT in the driver of DOMAIN: it fires inside the driver's code\n"
	       "on its next N entries (kernel to driver crossings; N is 1 to %d,\n"
	       "default 1), and the domain contains it: the driver fails, its\n"
	       "resources are released and recovery restarts it or not, as load's\n"
	       "--restart said. A new inject replaces an armed one.\n"
	       "\n"
	       "Faults (and the names LKDTM gives them, also taken):\n",
	       bin_name, NOOKS_INJECT_COUNT_MAX);
	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		bool any = false;

		printf("  %-16s  %s", faults[i].name, faults[i].what);
		for (k = 0; k < ARRAY_SIZE(lkdtm_aliases); k++) {
			if (lkdtm_aliases[k].fault != i)
				continue;
			printf("%s%s", any ? ", " : " (", lkdtm_aliases[k].name);
			any = true;
		}
		printf("%s\n", any ? ")" : "");
	}
	printf("\n"
	       "FAULT is matched in any case. bad-free and double-free need a strict\n"
	       "domain (every import of the driver has a typed wrapper). wild-write,\n"
	       "kernel-write and stale-write are contained only in a domain under\n"
	       "page-table protection (nooks.ko protection=1); elsewhere the write\n"
	       "lands (harmlessly: nooks.ko's own word, or adding 0) and the kernel\n"
	       "logs it.\n"
	       "The domain must be live. inject needs root (CAP_NET_ADMIN) and the\n"
	       "nooks module; with -j it prints what it armed.\n");
	return 0;
}
