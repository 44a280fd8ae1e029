/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NOOKSCTL_MAIN_H
#define NOOKSCTL_MAIN_H

#include <stdbool.h>

#include "json_writer.h"

#define NOOKSCTL_VERSION	"0.1.0"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* The kernel's spellings, which userspace headers lack. */
#define NOOKSCTL_FORMAT(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((NOOKSCTL_FORMAT(a, b)))
#define fallthrough		__attribute__((__fallthrough__))

struct cmd {
	const char *cmd;
	int (*func)(int argc, char **argv);
};

extern const char *bin_name;
extern bool json_output;
extern bool pretty_output;
extern struct json_writer *json_wtr;

/*
 * Report an error: one line on stderr, prefixed with "nooksctl: ".
 * Only the first call of a run prints, so that a failure deep down is
 * not followed by a second, vaguer message from its caller.
 */
void p_err(const char *fmt, ...) __printf(1, 2);
bool p_err_reported(void);
/*
 * Also send p_err's line to the kernel log, as "PREFIX: MESSAGE", for a
 * run nobody watches (the recovery agent). The log is /dev/kmsg, or
 * $NOOKS_KMSG ("" for none); if it cannot be opened for writing, only
 * stderr has the error. A NULL prefix stops it.
 */
void p_err_kmsg(const char *prefix);

/* Print kernel or user text on a line of its own: controls become '?'. */
void print_plain(const char *s);

bool is_prefix(const char *pfx, const char *str);
/*
 * Run the command argv[0] from cmds, matched by unique prefix. object
 * names the level for error messages and help ("domain"), NULL at the
 * top. With no argv, cmds[0] runs at an object level.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       const char *object);
/* Like cmd_select's lookup, without running; reports errors. */
const struct cmd *cmd_find(const struct cmd *cmds, const char *word,
			   const char *object);

/* Fail with a usage error if any argument is left. */
int no_more_args(int argc, char **argv, const char *usage);
/*
 * Take a command option with a value, "OPT VALUE" or "OPT=VALUE", at
 * argv[*i]. Return: 1 if it is OPT (*value set, *i at its last word), 0
 * if it is not, -1 (reported, with usage) if OPT has no value.
 */
int opt_value(int argc, char **argv, int *i, const char *opt,
	      const char **value, const char *usage);
/*
 * Read a count of 1 to max from s, decimal digits only. Return: 0, or -1
 * (reported: "invalid count", with what to use) if s is anything else.
 */
int parse_count(const char *s, unsigned long max, unsigned long *count);
/*
 * Check a domain name as the kernel will (1 to NOOKS_NAME_MAX - 1 bytes
 * of A-Z, a-z, 0-9 and _), before any netlink. Return: 0, or -1
 * (reported, saying what to use).
 */
int check_domain_name(const char *name);

int do_load(int argc, char **argv);
int do_load_help(int argc, char **argv);
int do_unload(int argc, char **argv);
int do_check(int argc, char **argv);
int do_inject(int argc, char **argv);
int do_inject_help(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_monitor_help(int argc, char **argv);
int do_recover(int argc, char **argv);
int do_recover_help(int argc, char **argv);
int do_swifi(int argc, char **argv);
int do_swifi_help(int argc, char **argv);
int do_domain(int argc, char **argv);
int do_domain_help(int argc, char **argv);
int do_domain_list(int argc, char **argv);
int do_domain_show(int argc, char **argv);
int do_domain_create(int argc, char **argv);
int do_domain_destroy(int argc, char **argv);

#endif /* NOOKSCTL_MAIN_H */
