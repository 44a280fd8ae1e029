/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wrapgen: typed wrappers from the specs in wrappers/specs/ (the language
 * is wrappers/specs/README). spec.c parses the files into struct spec,
 * btf.c checks them against the target kernel's prototypes (vmlinux's
 * BTF, and the split BTF of the modules that export the other functions),
 * gen.c writes the C that nooks.ko is built with, or the list of names
 * for nooksctl.
 */
#ifndef _WRAPGEN_H
#define _WRAPGEN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/types.h>

struct btf;

/* The kernel's spelling, which userspace headers lack. */
#ifndef __printf
#define WRAPGEN_FORMAT(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((WRAPGEN_FORMAT(a, b)))
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1u << (n))

#define MAX_ARGS	10	/* a0 .. a9 */
#define MAX_REG_ARGS	6	/* x86-64: rdi rsi rdx rcx r8 r9 */
#define MAX_RELEASE_ARGS 6	/* what recovery passes to release= */

enum value_kind {
	VAL_ARG,		/* aN */
	VAL_DEREF,		/* *aN: read after the call */
	VAL_RET,		/* ret */
	VAL_CONST,		/* 123, 0x10 */
	VAL_EXPR,		/* {C} */
};

struct value {
	enum value_kind kind;
	int arg;		/* VAL_ARG, VAL_DEREF */
	char *text;		/* VAL_CONST; VAL_EXPR without the braces */
	unsigned int args;	/* VAL_EXPR: bit N: names aN */
	bool ret;		/* VAL_EXPR: names ret */
};

enum clause_kind {
	CL_PLAIN,
	CL_SLEEPS,
	CL_ACQUIRE,
	CL_RELEASE,
	CL_HOLD,
	CL_ENTRY,
	CL_FAILS,
	CL_PRE,
	CL_CHECK,
	CL_LEAF,
	CL_DEFER,
};

enum fails_kind {
	FAILS_DEFAULT,		/* no fails=: by the return type */
	FAILS_NULL,
	FAILS_ERRPTR,
	FAILS_ERRPTR_OR_NULL,
	FAILS_NEGATIVE,
	FAILS_NONZERO,
	FAILS_NEVER,
};

/* Clause options, and the runtime flags of wrappers/wrap.h they become. */
#define OPT_NULL_OK		BIT(0)	/* NOOKS_WRAPF_NULL_OK */
#define OPT_UNTRACKED_OK	BIT(1)	/* NOOKS_WRAPF_UNTRACKED_OK */
#define OPT_AGAIN_OK		BIT(2)	/* NOOKS_WRAPF_AGAIN_OK */
#define OPT_GRANT		BIT(3)	/* NOOKS_WRAPF_GRANT */
#define OPT_BY_NAME		BIT(4)	/* NOOKS_WRAPF_BY_NAME: set by btf.c */
#define OPT_UNREAD_RETURN	BIT(5)	/* defer: drivers never read the value */

struct clause {
	enum clause_kind kind;
	int type;		/* acquire, release, hold: index in types.h */
	struct value key;	/* acquire, release, hold; entry: VAL_ARG */
	unsigned int opts;	/* OPT_*; OPT_BY_NAME: release=FN is a module's */
	bool has_size, has_if, has_grant_at;
	struct value size, cond;
	struct value grant_at;	/* grant=VALUE: where the bytes start */
	enum fails_kind fails;	/* CL_FAILS, or fails= on an acquire */
	char *release;		/* acquire: release=FN */
	char *pre;		/* pre=FN, check=FN */
	struct value rel_args[MAX_RELEASE_ARGS];
	int n_rel_args;
};

/* What BTF says about a function's argument or return value. */
enum type_class {
	TC_VOID,
	TC_INT,			/* integer, enum, or char: one register */
	TC_BOOL,		/* only %al (%dil, ...) is defined */
	TC_PTR,
	TC_OTHER,		/* struct/union by value, float, __int128 */
};

struct func {
	char *name;
	const char *file;	/* as given on the command line */
	int line;		/* where its logical line starts */
	char *text;		/* the clauses, normalized, for a comment */
	struct clause *clauses;
	int n_clauses;
	bool sleeps;
	bool leaf;		/* runs as part of its caller (NOOKS_WRAP_LEAF) */
	bool defer;		/* may wait for the crossing's end (NOOKS_WRAP_DEFER) */
	bool defer_unread;	/* ... and returns an integer drivers never read */
	enum fails_kind fails;	/* the fails= clause */
	bool has_pre, has_post;	/* hold/release/entry; acquire */

	/* from BTF, for generating C */
	const struct btf *btf;	/* vmlinux's, or its module's split BTF */
	__u32 proto;		/* its FUNC_PROTO, in btf */
	int n_args;		/* not counting "..." */
};

struct spec {
	struct func *funcs;
	size_t n_funcs, cap_funcs;
	char **includes;	/* "<linux/slab.h>", deduplicated */
	size_t n_includes, cap_includes;
	unsigned long lines;	/* physical lines read */
	int errors;
};

/* spec.c */
int spec_parse_file(struct spec *s, const char *path);
void spec_free(struct spec *s);
int type_lookup(const char *name);
const char *type_constant(int type);
const char *fails_name(enum fails_kind k);
__printf(4, 5) void spec_error(struct spec *s, const char *file, int line,
			       const char *fmt, ...);
__printf(5, 0) void spec_verror(struct spec *s, const char *file, int line,
				const char *prefix, const char *fmt,
				va_list ap);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* btf.c */
struct btf *btf_load(const char *path);
void btf_unload(struct btf *btf);
int btf_check(struct spec *s, const char *symvers, const char *modules);
enum type_class btf_class(const struct btf *btf, __u32 id);
bool btf_nameable(const struct btf *btf, __u32 id);
__u32 btf_arg_type(const struct btf *btf, const struct func *fn, int n);
__u32 btf_ret_type(const struct btf *btf, const struct func *fn);
char *btf_decl(const struct btf *btf, __u32 id, const char *name);

/* gen.c */
int gen_c(const struct spec *s, FILE *out);
int gen_names(const struct spec *s, FILE *out);
void sort_funcs(struct spec *s);

#endif /* _WRAPGEN_H */
