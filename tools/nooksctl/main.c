// SPDX-License-Identifier: GPL-2.0
/*
 * nooksctl: control Nooks isolation domains over generic netlink.
 *
 * The layout follows bpftool: options first (they are also taken
 * after the command), then a table of commands per level matched by
 * unique prefix, with "help" at every level.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nooks.h>

#include "main.h"

const char *bin_name = "nooksctl";
bool json_output;
bool pretty_output;
struct json_writer *json_wtr;

static bool err_reported;
/* p_err_kmsg(): where errors also go, and what they start with there. */
static int kmsg_fd = -1;
static char kmsg_prefix[128];

void p_err_kmsg(const char *prefix)
{
	const char *path = getenv("NOOKS_KMSG");

	if (kmsg_fd >= 0)
		close(kmsg_fd);
	kmsg_fd = -1;
	if (!prefix)
		return;
	if (!path)
		path = "/dev/kmsg";
	if (!*path)
		return;
	snprintf(kmsg_prefix, sizeof(kmsg_prefix), "%s", prefix);
	kmsg_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
}

/*
 * One write, one record of the kernel log: "<3>" makes it an error.
 * Return: false if it failed, with nowhere else to say so (stderr has
 * the error anyway).
 */
static bool kmsg_write(const char *msg)
{
	char line[1200];
	int len;

	len = snprintf(line, sizeof(line), "<3>%s: %s\n", kmsg_prefix, msg);
	if (len < 0)
		return false;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	return write(kmsg_fd, line, len) == len;
}

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	char *p;

	if (err_reported)
		return;
	err_reported = true;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* User input and kernel text must not break the one-line promise. */
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';

	fflush(stdout);
	fprintf(stderr, "%s: %s\n", bin_name, msg);
	if (kmsg_fd >= 0)
		kmsg_write(msg);
}

bool p_err_reported(void)
{
	return err_reported;
}

void print_plain(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

bool is_prefix(const char *pfx, const char *str)
{
	size_t len = strlen(pfx);

	/* An empty word would match everything; treat it as unknown. */
	return len && !strncmp(pfx, str, len);
}

const struct cmd *cmd_find(const struct cmd *cmds, const char *word,
			   const char *object)
{
	const struct cmd *c, *match = NULL;
	char cands[256] = "";
	size_t len = 0;
	int n = 0;

	for (c = cmds; c->cmd; c++) {
		if (!strcmp(word, c->cmd))
			return c;
		if (!is_prefix(word, c->cmd))
			continue;
		match = c;
		if (len < sizeof(cands)) {
			int w = snprintf(cands + len, sizeof(cands) - len,
					 "%s%s", n ? ", " : "", c->cmd);

			len += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	if (n == 1)
		return match;

	if (n > 1)
		p_err("ambiguous %s%scommand '%s': it matches %s (see 'nooksctl %s%shelp')",
		      object ? object : "", object ? " " : "", word, cands,
		      object ? object : "", object ? " " : "");
	else
		p_err("unknown %s%scommand '%s' (see 'nooksctl %s%shelp')",
		      object ? object : "", object ? " " : "", word,
		      object ? object : "", object ? " " : "");
	return NULL;
}

int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       const char *object)
{
	const struct cmd *c;

	if (argc < 1) {
		if (object)
			return cmds[0].func(0, argv);
		p_err("missing command (see 'nooksctl help')");
		return -1;
	}

	c = cmd_find(cmds, argv[0], object);
	if (!c)
		return -1;
	return c->func(argc - 1, argv + 1);
}

int no_more_args(int argc, char **argv, const char *usage)
{
	if (argc < 1)
		return 0;
	p_err("unexpected argument '%s' (usage: %s)", argv[0], usage);
	return -1;
}

int opt_value(int argc, char **argv, int *i, const char *opt,
	      const char **value, const char *usage)
{
	const char *a = argv[*i];
	size_t len = strlen(opt);

	if (strncmp(a, opt, len))
		return 0;
	if (a[len] == '=') {
		*value = a + len + 1;
		return 1;
	}
	if (a[len])
		return 0;
	if (*i + 1 >= argc) {
		p_err("missing value after %s (usage: %s)", opt, usage);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int parse_count(const char *s, unsigned long max, unsigned long *count)
{
	unsigned long v = 0;
	bool big = false;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		unsigned long d = *p - '0';

		if (v > (max - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	if (p == s || *p || !v || big) {
		p_err("invalid count '%.32s' (use 1 to %lu)", s, max);
		return -1;
	}
	*count = v;
	return 0;
}

static int do_help(int argc, char **argv);

static int do_version(int argc, char **argv)
{
	if (no_more_args(argc, argv, "nooksctl version"))
		return -1;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", NOOKSCTL_VERSION);
		jsonw_string_field(json_wtr, "family", NOOKS_GENL_NAME);
		jsonw_uint_field(json_wtr, "family_version",
				 NOOKS_GENL_VERSION);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s %s (generic netlink family %s, version %d)\n",
		       bin_name, NOOKSCTL_VERSION, NOOKS_GENL_NAME,
		       NOOKS_GENL_VERSION);
	}
	return 0;
}

static const struct cmd cmds[] = {
	{ "help",	do_help },
	{ "version",	do_version },
	{ "domain",	do_domain },
	{ "load",	do_load },
	{ "unload",	do_unload },
	{ "check",	do_check },
	{ "inject",	do_inject },
	{ "monitor",	do_monitor },
	{ "recover",	do_recover },
	{ "swifi",	do_swifi },
	{ "list",	do_domain_list },
	{ "show",	do_domain_show },
	{ "create",	do_domain_create },
	{ "destroy",	do_domain_destroy },
	{ NULL }
};

/* Objects and commands with a help of their own. */
static const struct {
	int (*func)(int argc, char **argv);
	int (*help)(int argc, char **argv);
} helps[] = {
	{ do_domain,	do_domain_help },
	{ do_load,	do_load_help },
	{ do_inject,	do_inject_help },
	{ do_monitor,	do_monitor_help },
	{ do_recover,	do_recover_help },
	{ do_swifi,	do_swifi_help },
};

/* Help is text even with -j: it is for people, not for scripts. */
static int do_help(int argc, char **argv)
{
	size_t i;

	if (argc > 0) {
		const struct cmd *c = cmd_find(cmds, argv[0], NULL);

		if (!c)
			return -1;
		if (no_more_args(argc - 1, argv + 1,
				 "nooksctl help [OBJECT|COMMAND]"))
			return -1;
		for (i = 0; i < ARRAY_SIZE(helps); i++)
			if (c->func == helps[i].func)
				return helps[i].help(0, NULL);
	}

	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "       %s [OPTIONS] OBJECT COMMAND [ARGS]\n"
	       "\n"
	       "Commands:\n"
	       "  load MODULE|PATH [--restart=shadow|always|never] [--swifi=TYPE:SEED[:N] [--transient]] [-- PARAMS]\n"
	       "                    load a driver module, rewritten, into a new domain\n"
	       "                    named after it (its dependencies load natively);\n"
	       "                    --restart says what recovery does after a fault\n"
	       "  unload DOMAIN     unload the domain's module and destroy the domain\n"
	       "  check MODULE|PATH report how each import of a module would be handled:\n"
	       "                    typed, generic (crosses a gate), in-domain, data or\n"
	       "                    unsupported; fails if the module cannot be isolated\n"
	       "  inject DOMAIN FAULT [--count N]\n"
	       "                    make the driver of DOMAIN fault on its next N entries\n"
	       "                    (default 1); 'nooksctl help inject' lists the FAULTs\n"
	       "  monitor [--count N]\n"
	       "                    print domain events as they happen, one line each\n"
	       "                    (with --count, exit after N)\n"
	       "  recover DOMAIN    the recovery agent nooks.ko runs: unload a failed\n"
	       "                    driver, and load it again if a restart is due\n"
	       "  swifi MODULE|PATH TYPE:SEED[:N] -o|--output FILE\n"
	       "                    write N faults of TYPE into a copy of a module\n"
	       "                    (fault injection); 'nooksctl help swifi' lists them\n"
	       "  list              list all domains (same as 'domain list')\n"
	       "  show NAME         show one domain (same as 'domain show NAME')\n"
	       "  create NAME       create a domain (same as 'domain create NAME')\n"
	       "  destroy NAME      destroy a domain (same as 'domain destroy NAME')\n"
	       "  domain COMMAND    manage domains, see 'nooksctl domain help'\n"
	       "  version           print the version\n"
	       "  help [OBJECT|COMMAND]\n"
	       "                    print this help, or the help of OBJECT or of\n"
	       "                    load, inject, monitor, recover or swifi\n"
	       "\n"
	       "Objects:\n"
	       "  domain            an isolation domain for one kernel module\n"
	       "\n"
	       "Options:\n"
	       "  -j, --json        print JSON on stdout (errors stay text on stderr)\n"
	       "  -p, --pretty      print indented JSON (implies -j)\n"
	       "  -h, --help        print help (after an object or a command: its help)\n"
	       "  -V, --version     print the version\n"
	       "\n"
	       "Commands may be shortened to a unique prefix ('dom' for 'domain').\n"
	       "Every command but check, swifi, help and version needs root (CAP_NET_ADMIN)\n"
	       "and the nooks module (insmod nooks.ko); load, unload and recover\n"
	       "need CAP_SYS_MODULE too. check reads prototypes from\n"
	       "/sys/kernel/btf/vmlinux or $NOOKS_VMLINUX_BTF.\n"
	       "Exit status is 0 on success and 1 on any error, bad usage included;\n"
	       "the error is one line on stderr that starts with 'nooksctl: '.\n",
	       bin_name, bin_name);
	return 0;
}

/* Options that belong to a command, passed to it as they are. */
static const char *const command_options[] = {
	"--load",
	"--restart",
	"--count",
	"--swifi",
	"--transient",
	"--output",
	"-o",
	NULL
};

static bool is_command_option(const char *arg)
{
	const char *const *o;

	for (o = command_options; *o; o++) {
		size_t len = strlen(*o);

		if (!strncmp(arg, *o, len) && (!arg[len] || arg[len] == '='))
			return true;
	}
	return false;
}

static int global_option(char c)
{
	switch (c) {
	case 'p':
		pretty_output = true;
		json_output = true;
		return 0;
	case 'j':
		json_output = true;
		return 0;
	case 'h':
	case 'V':
		return c;
	}
	p_err("unknown option '-%c' (see 'nooksctl help')", c);
	return -1;
}

/*
 * Take the global options out of argv, wherever they are ("nooksctl list
 * -j" works), and leave the rest in order: command words, command options
 * and everything after "--" (which is dropped, as getopt does), taken as
 * it is.
 */
static int parse_global_options(int *argcp, char **argv, bool *help,
				bool *version)
{
	static const struct {
		const char *name;
		char c;
	} longs[] = {
		{ "--json", 'j' }, { "--pretty", 'p' },
		{ "--help", 'h' }, { "--version", 'V' },
	};
	int argc = *argcp, i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *flags = a + 1;
		char one[2] = { 0 };
		size_t k;
		int r;

		if (!strcmp(a, "--")) {
			while (++i < argc)
				argv[n++] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1] || is_command_option(a)) {
			argv[n++] = argv[i];
			continue;
		}
		if (a[1] == '-') {
			for (k = 0; k < ARRAY_SIZE(longs); k++)
				if (!strcmp(a, longs[k].name))
					break;
			if (k == ARRAY_SIZE(longs)) {
				if (strchr(a, '='))
					p_err("option '%s' takes no value (see 'nooksctl help')",
					      a);
				else
					p_err("unknown option '%s' (see 'nooksctl help')",
					      a);
				return -1;
			}
			one[0] = longs[k].c;
			flags = one;
		}
		for (; *flags; flags++) {
			r = global_option(*flags);
			if (r < 0)
				return -1;
			if (r == 'h')
				*help = true;
			else if (r == 'V')
				*version = true;
		}
	}
	argv[n] = NULL;
	*argcp = n;
	return 0;
}

int main(int argc, char **argv)
{
	bool want_help = false, want_version = false;
	int ret;

	argc--;
	argv++;
	if (parse_global_options(&argc, argv, &want_help, &want_version))
		return 1;

	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			p_err("out of memory");
			return 1;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}

	if (want_help)
		/* "nooksctl domain -h" means "nooksctl help domain". */
		ret = do_help(argc > 0 ? 1 : 0, argv);
	else if (want_version)
		ret = do_version(0, argv);
	else
		ret = cmd_select(cmds, argc, argv, NULL);

	if (json_output)
		jsonw_destroy(&json_wtr);

	/* A full disk or closed pipe must not look like success. */
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		p_err("cannot write output: %s",
		      errno ? strerror(errno) : "write error");
		ret = -1;
	}
	if (ret && !p_err_reported())
		p_err("failed for an unknown reason");
	return ret ? 1 : 0;
}
