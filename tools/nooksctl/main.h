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

int do_load(int argc, char **argv);
int do_unload(int argc, char **argv);
int do_check(int argc, char **argv);
int do_domain(int argc, char **argv);
int do_domain_help(int argc, char **argv);
int do_domain_list(int argc, char **argv);
int do_domain_show(int argc, char **argv);
int do_domain_create(int argc, char **argv);
int do_domain_destroy(int argc, char **argv);

#endif /* NOOKSCTL_MAIN_H */
