// SPDX-License-Identifier: GPL-2.0
/*
 * The spec parser: files of "FUNCTION CLAUSE [; CLAUSE]..." lines and
 * include lines (wrappers/specs/README) into struct spec. Everything that
 * needs no prototype is checked here, so "wrapgen --names" (no BTF)
 * rejects what a C build would.
 *
 * A file is cut into logical lines first: comments go, continuations
 * join. A line is then cut into clauses at ';' and a clause into tokens
 * at blanks, except inside {C} values, whose C may hold both, and inside
 * the parentheses of release=FN(...).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wrapgen.h"

/* The object types of objtrack/types.h: spec name, enum constant. */
#define NOOKS_OBJF_EMBEDDED	1
static const struct {
	const char *name;
	const char *constant;
} obj_types[] = {
#define NOOKS_OBJ_TYPE(NAME, name, flags, what) { #name, "NOOKS_OBJ_" #NAME },
#include "../../objtrack/types.h"
#undef NOOKS_OBJ_TYPE
};

static const char *const fails_names[] = {
	[FAILS_DEFAULT] = "default",
	[FAILS_NULL] = "null",
	[FAILS_ERRPTR] = "errptr",
	[FAILS_ERRPTR_OR_NULL] = "errptr-or-null",
	[FAILS_NEGATIVE] = "negative",
	[FAILS_NONZERO] = "nonzero",
	[FAILS_NEVER] = "never",
};

static const char *const clause_names[] = {
	[CL_PLAIN] = "plain",
	[CL_SLEEPS] = "sleeps",
	[CL_ACQUIRE] = "acquire",
	[CL_RELEASE] = "release",
	[CL_HOLD] = "hold",
	[CL_ENTRY] = "entry",
	[CL_FAILS] = "fails=",
	[CL_PRE] = "pre=",
	[CL_CHECK] = "check=",
	[CL_LEAF] = "leaf",
	[CL_DEFER] = "defer",
};

/* Where one logical line came from, for its errors. */
struct where {
	struct spec *s;
	const char *file;
	int line;
};

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "wrapgen: out of memory\n");
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "wrapgen: out of memory\n");
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* FILE:LINE: PREFIX message */
void spec_verror(struct spec *s, const char *file, int line,
		 const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s:%d: %s", file, line, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	s->errors++;
}

void spec_error(struct spec *s, const char *file, int line,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_verror(s, file, line, "", fmt, ap);
	va_end(ap);
}

static __printf(2, 3) void err(struct where *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_verror(w->s, w->file, w->line, "", fmt, ap);
	va_end(ap);
}

int type_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(obj_types); i++)
		if (!strcmp(obj_types[i].name, name))
			return i;
	return -1;
}

/* NOOKS_OBJ_MEMORY for memory */
const char *type_constant(int type)
{
	return obj_types[type].constant;
}

const char *fails_name(enum fails_kind k)
{
	return fails_names[k];
}

static bool is_ident(const char *p)
{
	if (!isalpha((unsigned char)*p) && *p != '_')
		return false;
	while (*++p)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* "aN": N, or -1 */
static int arg_index(const char *p, size_t len)
{
	size_t i;
	int n = 0;

	if (len < 2 || p[0] != 'a')
		return -1;
	for (i = 1; i < len; i++) {
		if (!isdigit((unsigned char)p[i]) || n > 1000)
			return -1;
		n = n * 10 + p[i] - '0';
	}
	return n;
}

/* {C}, one pair of braces around it all (not {a0} + {a1}) */
static bool is_expr(const char *p, size_t len)
{
	int depth = 0;
	size_t i;

	if (len < 2 || p[0] != '{' || p[len - 1] != '}')
		return false;
	for (i = 0; i < len - 1; i++) {
		depth += (p[i] == '{') - (p[i] == '}');
		if (!depth)
			return false;
	}
	return true;
}

/* 123 or 0x10 */
static bool is_number(const char *p)
{
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!p[2])
			return false;
		for (p += 2; *p; p++)
			if (!isxdigit((unsigned char)*p))
				return false;
		return true;
	}
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static int expr_name(struct where *w, struct value *v, const char *id,
		     size_t len)
{
	int n;

	if (len == 3 && !strncmp(id, "ret", 3)) {
		v->ret = true;
		return 0;
	}
	n = arg_index(id, len);
	if (n < 0)
		return 0;
	if (n >= MAX_ARGS) {
		err(w, "{%s}: a%d: the arguments are a0 .. a%d", v->text, n,
		    MAX_ARGS - 1);
		return -1;
	}
	v->args |= BIT(n);
	return 0;
}

/*
 * The values a {C} expression names, so that the hook declares them: the
 * identifiers ret and aN, except as members (x.ret, p->a0) and inside
 * string and character literals.
 */
static int scan_expr(struct where *w, struct value *v)
{
	const char *p = v->text, *start;
	char prev = 0, prev2 = 0, q;

	while (*p) {
		if (*p == '"' || *p == '\'') {
			for (q = *p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
			prev = q;
			continue;
		}
		if (isdigit((unsigned char)*p)) {	/* a pp-number: 0x1f */
			while (isalnum((unsigned char)*p) || *p == '_' ||
			       *p == '.')
				p++;
			prev = '0';
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_') {
			start = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			if (prev != '.' && !(prev == '>' && prev2 == '-') &&
			    expr_name(w, v, start, p - start))
				return -1;
			prev = 'a';
			continue;
		}
		if (!isspace((unsigned char)*p)) {
			prev2 = prev;
			prev = *p;
		}
		p++;
	}
	return 0;
}

static int parse_value(struct where *w, const char *what, const char *tok,
		       struct value *v)
{
	size_t len = strlen(tok);
	int n;

	memset(v, 0, sizeof(*v));
	if (!strcmp(tok, "ret")) {
		v->kind = VAL_RET;
		return 0;
	}
	n = arg_index(tok + (*tok == '*'), len - (*tok == '*'));
	if (n >= MAX_ARGS) {
		err(w, "%s: %s: the arguments are a0 .. a%d", what, tok,
		    MAX_ARGS - 1);
		return -1;
	}
	if (n >= 0) {
		v->kind = *tok == '*' ? VAL_DEREF : VAL_ARG;
		v->arg = n;
		return 0;
	}
	if (is_number(tok)) {
		v->kind = VAL_CONST;
		v->text = xstrdup(tok);
		return 0;
	}
	if (is_expr(tok, len)) {
		v->kind = VAL_EXPR;
		v->text = xstrdup(tok + 1);
		v->text[len - 2] = '\0';
		if (!v->text[strspn(v->text, " \t")]) {
			err(w, "%s: empty {}", what);
			return -1;
		}
		return scan_expr(w, v);
	}
	err(w, "%s: malformed value '%s' (aN, *aN, ret, a number or {C})",
	    what, tok);
	return -1;
}

static void free_value(struct value *v)
{
	free(v->text);
	v->text = NULL;
}

/*
 * Pre hooks run before the call: there is no ret yet, and what an
 * argument points to is the driver's memory, which the kernel must not
 * read on the driver's word before the call has checked it.
 */
static int pre_value(struct where *w, const char *what, struct value *v)
{
	if (v->kind == VAL_RET || (v->kind == VAL_EXPR && v->ret)) {
		err(w, "%s: ret exists after the call only (acquire)", what);
		return -1;
	}
	if (v->kind == VAL_DEREF) {
		err(w, "%s: *a%d is read after the call only (acquire)", what,
		    v->arg);
		return -1;
	}
	return 0;
}

static int parse_fails(struct where *w, const char *kind,
		       enum fails_kind *out)
{
	int k;

	for (k = FAILS_NULL; k <= FAILS_NEVER; k++) {
		if (!strcmp(kind, fails_names[k])) {
			*out = k;
			return 0;
		}
	}
	err(w, "fails=%s: unknown (null, errptr, errptr-or-null, negative, nonzero or never)",
	    kind);
	return -1;
}

/* release=FN(V,...): the values are cut at commas outside {} and (). */
static int parse_release(struct where *w, struct clause *c, char *val)
{
	char *open = strchr(val, '('), *p, *start;
	size_t len = strlen(val);
	int depth = 0;

	if (!open || val[len - 1] != ')') {
		err(w, "release=%s: expected release=FN(VALUE,...)", val);
		return -1;
	}
	*open = '\0';
	val[len - 1] = '\0';
	if (!is_ident(val)) {
		err(w, "release=%s: not a function name", val);
		return -1;
	}
	c->release = xstrdup(val);
	p = open + 1;
	if (!*p)
		return 0;
	for (start = p;; p++) {
		if (*p == '{' || *p == '(') {
			depth++;
		} else if (*p == '}' || *p == ')') {
			depth--;
		} else if (!*p || (*p == ',' && !depth)) {
			bool end = !*p;

			*p = '\0';
			if (c->n_rel_args == MAX_RELEASE_ARGS) {
				err(w, "release=%s: more than %d arguments",
				    c->release, MAX_RELEASE_ARGS);
				return -1;
			}
			if (parse_value(w, "release=", start,
					&c->rel_args[c->n_rel_args])) {
				free_value(&c->rel_args[c->n_rel_args]);
				return -1;
			}
			c->n_rel_args++;
			if (end)
				return 0;
			start = p + 1;
		}
	}
}

/* The clauses each option belongs to, and the flag it sets. */
static const struct option_desc {
	const char *name;	/* "size=" takes a value */
	unsigned int clauses;	/* 1 << enum clause_kind */
	unsigned int opt;	/* OPT_* */
} options[] = {
	{ "size=", BIT(CL_ACQUIRE), 0 },
	{ "if=", BIT(CL_ACQUIRE), 0 },
	{ "release=", BIT(CL_ACQUIRE), 0 },
	{ "fails=", BIT(CL_ACQUIRE), 0 },
	{ "again-ok", BIT(CL_ACQUIRE), OPT_AGAIN_OK },
	{ "grant=", BIT(CL_ACQUIRE), 0 },
	{ "grant", BIT(CL_ACQUIRE), OPT_GRANT },
	{ "null-ok", BIT(CL_RELEASE) | BIT(CL_HOLD), OPT_NULL_OK },
	{ "untracked-ok", BIT(CL_RELEASE), OPT_UNTRACKED_OK },
};

static const char *option_owner(const struct option_desc *o)
{
	if (o->clauses & BIT(CL_HOLD))
		return "release and hold";
	if (o->clauses & BIT(CL_RELEASE))
		return "release";
	return "acquire";
}

static const struct option_desc *option_find(const char *tok)
{
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		len = strlen(options[i].name);
		if (options[i].name[len - 1] == '=' ?
		    !strncmp(tok, options[i].name, len) :
		    !strcmp(tok, options[i].name))
			return &options[i];
	}
	return NULL;
}

/* Each option at most once. */
static int option_once(struct where *w, const char *name, bool *seen)
{
	if (*seen) {
		err(w, "%s given twice", name);
		return -1;
	}
	*seen = true;
	return 0;
}

static int parse_option(struct where *w, struct clause *c, char *tok,
			bool *seen_release, bool *seen_fails)
{
	const struct option_desc *o = option_find(tok);
	char *val = strchr(tok, '=');

	if (!o) {
		err(w, "%s: unknown option '%s'", clause_names[c->kind], tok);
		return -1;
	}
	if (!(o->clauses & BIT(c->kind))) {
		err(w, "%s is for %s, not %s", o->name, option_owner(o),
		    clause_names[c->kind]);
		return -1;
	}
	if (o->opt) {
		if (c->opts & o->opt) {
			err(w, "%s given twice", o->name);
			return -1;
		}
		c->opts |= o->opt;
		return 0;
	}
	val++;
	switch (o->name[0]) {
	case 's':
		if (option_once(w, "size=", &c->has_size))
			return -1;
		return parse_value(w, "size=", val, &c->size);
	case 'i':
		if (option_once(w, "if=", &c->has_if))
			return -1;
		return parse_value(w, "if=", val, &c->cond);
	case 'r':
		if (option_once(w, "release=", seen_release))
			return -1;
		return parse_release(w, c, val);
	case 'g':
		if (c->opts & OPT_GRANT) {
			err(w, "grant given twice");
			return -1;
		}
		c->opts |= OPT_GRANT;
		c->has_grant_at = true;
		return parse_value(w, "grant=", val, &c->grant_at);
	default:
		if (option_once(w, "fails=", seen_fails))
			return -1;
		return parse_fails(w, val, &c->fails);
	}
}

/* acquire|release|hold TYPE KEY [OPTION]... */
static int parse_object(struct where *w, struct clause *c, char **tok, int n)
{
	bool seen_release = false, seen_fails = false;
	const char *what = clause_names[c->kind];
	int i;

	if (n < 3 || option_find(tok[1]) || option_find(tok[2])) {
		err(w, "%s: expected %s TYPE KEY", what, what);
		return -1;
	}
	c->type = type_lookup(tok[1]);
	if (c->type < 0) {
		err(w, "%s: unknown type '%s' (see objtrack/types.h)", what,
		    tok[1]);
		return -1;
	}
	if (parse_value(w, what, tok[2], &c->key))
		return -1;
	if (c->kind != CL_ACQUIRE && pre_value(w, what, &c->key))
		return -1;
	for (i = 3; i < n; i++)
		if (parse_option(w, c, tok[i], &seen_release, &seen_fails))
			return -1;
	if (c->kind != CL_ACQUIRE)
		return 0;
	if (!seen_release) {
		err(w, "acquire %s: missing release=FN(VALUE,...)", tok[1]);
		return -1;
	}
	if (c->has_if && seen_fails) {
		err(w, "acquire %s: both if= and fails=", tok[1]);
		return -1;
	}
	if (c->opts & OPT_GRANT && !c->has_size) {
		err(w, "acquire %s: grant without size= (the bytes granted)",
		    tok[1]);
		return -1;
	}
	return 0;
}

/* Extra tokens after a clause that takes none (or one). */
static int no_more(struct where *w, const char *what, char **tok, int n)
{
	const struct option_desc *o;

	if (!n)
		return 0;
	o = option_find(tok[0]);
	if (o)
		err(w, "%s is for %s, not %s", o->name, option_owner(o),
		    what);
	else
		err(w, "%s: unexpected '%s'", what, tok[0]);
	return -1;
}

static int unknown_clause(struct where *w, const char *tok)
{
	err(w, "unknown clause '%s' (%s)", tok,
	    "plain, sleeps, leaf, defer, acquire, release, hold, entry, fails=, check= or pre=");
	return -1;
}

#define IDENT_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

static int parse_clause(struct where *w, struct clause *c, char **tok, int n)
{
	memset(c, 0, sizeof(*c));
	if (!strcmp(tok[0], "plain")) {
		c->kind = CL_PLAIN;
		return no_more(w, "plain", tok + 1, n - 1);
	}
	if (!strcmp(tok[0], "sleeps")) {
		c->kind = CL_SLEEPS;
		return no_more(w, "sleeps", tok + 1, n - 1);
	}
	if (!strcmp(tok[0], "leaf")) {
		c->kind = CL_LEAF;
		return no_more(w, "leaf", tok + 1, n - 1);
	}
	if (!strcmp(tok[0], "defer")) {
		c->kind = CL_DEFER;
		/* a value the driver never reads: it gets 0 */
		if (n > 1 && !strcmp(tok[1], "unread-return")) {
			c->opts = OPT_UNREAD_RETURN;
			return no_more(w, "defer unread-return", tok + 2,
				       n - 2);
		}
		return no_more(w, "defer", tok + 1, n - 1);
	}
	if (!strncmp(tok[0], "fails=", 6)) {
		c->kind = CL_FAILS;
		if (parse_fails(w, tok[0] + 6, &c->fails))
			return -1;
		return no_more(w, "fails=", tok + 1, n - 1);
	}
	if (!strncmp(tok[0], "pre=", 4) || !strncmp(tok[0], "check=", 6)) {
		bool check = tok[0][0] == 'c';
		const char *fn = strchr(tok[0], '=') + 1;

		c->kind = check ? CL_CHECK : CL_PRE;
		if (!*fn || isdigit((unsigned char)*fn) ||
		    strspn(fn, IDENT_CHARS) != strlen(fn)) {
			err(w, "%s: expected %sFN, a function of nooks.ko",
			    clause_names[c->kind], clause_names[c->kind]);
			return -1;
		}
		c->pre = xstrdup(fn);
		return no_more(w, clause_names[c->kind], tok + 1, n - 1);
	}
	if (!strcmp(tok[0], "entry")) {
		c->kind = CL_ENTRY;
		if (n < 2 || option_find(tok[1]))
			goto bad_entry;
		if (parse_value(w, "entry", tok[1], &c->key))
			return -1;
		if (c->key.kind != VAL_ARG)
			goto bad_entry;
		return no_more(w, "entry", tok + 2, n - 2);
	}
	if (!strcmp(tok[0], "acquire"))
		c->kind = CL_ACQUIRE;
	else if (!strcmp(tok[0], "release"))
		c->kind = CL_RELEASE;
	else if (!strcmp(tok[0], "hold"))
		c->kind = CL_HOLD;
	else if (option_find(tok[0]))
		return no_more(w, "a clause of its own", tok, n);
	else
		return unknown_clause(w, tok[0]);
	return parse_object(w, c, tok, n);

bad_entry:
	err(w, "entry: expected entry aN, the argument that is a function pointer");
	return -1;
}

/*
 * Cut a clause into tokens at blanks outside {} and (). Blanks inside
 * the parentheses of release=FN(...) are an error unless inside {}: they
 * would read as a clause boundary to anyone skimming the spec.
 */
static int tokenize(struct where *w, char *p, char ***toks, int *n)
{
	int braces = 0, parens = 0, cap = 0;
	char *start = NULL;

	*n = 0;
	for (;; p++) {
		bool blank = !*p || isspace((unsigned char)*p);

		if (blank && !braces && parens && *p) {
			err(w, "a blank in release=FN(...) outside {}");
			return -1;
		}
		if (blank && !braces && !parens) {
			if (start) {
				if (*n == cap) {
					cap = cap ? cap * 2 : 8;
					*toks = xrealloc(*toks, cap *
							 sizeof(**toks));
				}
				(*toks)[(*n)++] = start;
				start = NULL;
			}
			if (!*p)
				return 0;
			*p = '\0';
			continue;
		}
		if (!*p)
			return 0;	/* unbalanced: caught by split_clauses */
		if (!start)
			start = p;
		if (*p == '{')
			braces++;
		else if (*p == '}')
			braces--;
		else if (*p == '(' && !braces)
			parens++;
		else if (*p == ')' && !braces)
			parens--;
	}
}

/* Check {} and () nest; ';' splits only outside them. */
static int check_nesting(struct where *w, const char *p)
{
	char stack[64];
	int depth = 0;

	for (; *p; p++) {
		if (*p == '{' || *p == '(') {
			if (depth == (int)sizeof(stack)) {
				err(w, "{} and () nested too deep");
				return -1;
			}
			stack[depth++] = *p;
		} else if (*p == '}' || *p == ')') {
			char open = *p == '}' ? '{' : '(';

			if (!depth || stack[depth - 1] != open) {
				err(w, "unbalanced '%c'", *p);
				return -1;
			}
			depth--;
		}
	}
	if (depth) {
		err(w, "unterminated '%c'", stack[depth - 1]);
		return -1;
	}
	return 0;
}

static void text_add(char **text, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*text = xrealloc(*text, *len + n + 1);
	memcpy(*text + *len, s, n + 1);
	*len += n;
}

static struct func *func_find(struct spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_funcs; i++)
		if (!strcmp(s->funcs[i].name, name))
			return &s->funcs[i];
	return NULL;
}

static void clause_free(struct clause *c)
{
	int i;

	free_value(&c->key);
	free_value(&c->size);
	free_value(&c->cond);
	free_value(&c->grant_at);
	for (i = 0; i < c->n_rel_args; i++)
		free_value(&c->rel_args[i]);
	free(c->release);
	free(c->pre);
}

static void func_free(struct func *fn)
{
	int i;

	for (i = 0; i < fn->n_clauses; i++)
		clause_free(&fn->clauses[i]);
	free(fn->clauses);
	free(fn->text);
	free(fn->name);
}

/* How many clauses of @n are of a kind other than @kind. */
static int n_clauses_but(const int *n, int kind)
{
	int k, sum = 0;

	for (k = 0; k <= CL_DEFER; k++)
		if (k != kind)
			sum += n[k];
	return sum;
}

/* What a line states as a whole: clauses that contradict or repeat. */
static int check_func(struct where *w, struct func *fn)
{
	int i, n[CL_DEFER + 1] = { 0 };
	bool fails = false;

	for (i = 0; i < fn->n_clauses; i++) {
		struct clause *c = &fn->clauses[i];

		n[c->kind]++;
		if (c->kind == CL_FAILS)
			fn->fails = c->fails;
		if (c->kind == CL_ACQUIRE && c->fails)
			fails = true;
		if (c->kind == CL_DEFER && (c->opts & OPT_UNREAD_RETURN))
			fn->defer_unread = true;
	}
	if (n[CL_PLAIN] > 1 || n[CL_SLEEPS] > 1 || n[CL_FAILS] > 1 ||
	    n[CL_PRE] > 1 || n[CL_CHECK] > 1 || n[CL_LEAF] > 1 ||
	    n[CL_DEFER] > 1) {
		err(w, "%s: %s given twice", fn->name,
		    n[CL_PLAIN] > 1 ? "plain" :
		    n[CL_SLEEPS] > 1 ? "sleeps" :
		    n[CL_LEAF] > 1 ? "leaf" :
		    n[CL_DEFER] > 1 ? "defer" :
		    n[CL_PRE] > 1 ? "pre=" :
		    n[CL_CHECK] > 1 ? "check=" : "fails=");
		return -1;
	}
	if (n[CL_PLAIN] && (n[CL_ACQUIRE] || n[CL_RELEASE] || n[CL_HOLD] ||
			    n[CL_ENTRY] || n[CL_PRE] || n[CL_CHECK])) {
		err(w, "%s: plain, yet it has %s clauses", fn->name,
		    "acquire, release, hold, entry, check= or pre=");
		return -1;
	}
	if (n[CL_LEAF] && n_clauses_but(n, CL_LEAF)) {
		err(w, "%s: leaf, yet it has other clauses (a leaf is plain and never sleeps)",
		    fn->name);
		return -1;
	}
	if (n[CL_DEFER] && (n[CL_SLEEPS] || n[CL_ACQUIRE] || n[CL_PRE] ||
			    n[CL_ENTRY])) {
		err(w, "%s: defer, yet it has %s clauses (%s)", fn->name,
		    "sleeps, acquire, entry or pre=",
		    "a deferred call may only be checked and forget what it releases");
		return -1;
	}
	if ((n[CL_FAILS] || fails) && !n[CL_ACQUIRE]) {
		err(w, "%s: fails= without an acquire clause", fn->name);
		return -1;
	}
	fn->sleeps = n[CL_SLEEPS];
	fn->leaf = n[CL_LEAF];
	fn->defer = n[CL_DEFER];
	fn->has_pre = n[CL_RELEASE] || n[CL_HOLD] || n[CL_ENTRY] ||
		      n[CL_PRE] || n[CL_CHECK];
	fn->has_post = n[CL_ACQUIRE];
	return 0;
}

static void func_add(struct spec *s, struct func *fn)
{
	if (s->n_funcs == s->cap_funcs) {
		s->cap_funcs = s->cap_funcs ? s->cap_funcs * 2 : 64;
		s->funcs = xrealloc(s->funcs, s->cap_funcs * sizeof(*s->funcs));
	}
	s->funcs[s->n_funcs++] = *fn;
}

/* FUNCTION CLAUSE [; CLAUSE]...; rest: after the name */
static int parse_func(struct where *w, const char *name, char *rest)
{
	struct func fn = { .file = w->file, .line = w->line };
	char **toks = NULL, *p, *start;
	int braces = 0, parens = 0, n, i;
	size_t len = 0;
	struct func *dup;
	bool end;

	if (!is_ident(name)) {
		err(w, "'%s': not a function name", name);
		return -1;
	}
	fn.name = xstrdup(name);
	if (!*rest) {
		err(w, "%s: no clauses (plain, if nothing else)", name);
		goto fail;
	}
	if (check_nesting(w, rest))
		goto fail;
	for (start = p = rest;; p++) {
		if (*p == '{')
			braces++;
		else if (*p == '}')
			braces--;
		else if (*p == '(')
			parens++;
		else if (*p == ')')
			parens--;
		if (*p && (*p != ';' || braces || parens))
			continue;
		end = !*p;
		*p = '\0';
		if (tokenize(w, start, &toks, &n))
			goto fail;
		if (!n) {
			err(w, "%s: empty clause", name);
			goto fail;
		}
		/* The text first: parsing cuts release=FN(...) apart. */
		if (len)
			text_add(&fn.text, &len, "; ");
		for (i = 0; i < n; i++) {
			if (i)
				text_add(&fn.text, &len, " ");
			text_add(&fn.text, &len, toks[i]);
		}
		fn.clauses = xrealloc(fn.clauses, (fn.n_clauses + 1) *
				      sizeof(*fn.clauses));
		if (parse_clause(w, &fn.clauses[fn.n_clauses], toks, n)) {
			clause_free(&fn.clauses[fn.n_clauses]);
			goto fail;
		}
		fn.n_clauses++;
		if (end)
			break;
		start = p + 1;
	}
	if (check_func(w, &fn))
		goto fail;
	dup = func_find(w->s, name);
	if (dup) {
		err(w, "%s: duplicate function (first at %s:%d)", name,
		    dup->file, dup->line);
		goto fail;
	}
	free(toks);
	func_add(w->s, &fn);
	return 0;

fail:
	free(toks);
	func_free(&fn);
	return -1;
}

/* include <hdr> | include "hdr" */
static int parse_include(struct where *w, char *arg)
{
	struct spec *s = w->s;
	size_t len = strlen(arg), i;

	if (len < 3 || strpbrk(arg, " \t") ||
	    !((arg[0] == '<' && arg[len - 1] == '>') ||
	      (arg[0] == '"' && arg[len - 1] == '"')) ||
	    strpbrk(arg + 1, "<>\"") != arg + len - 1) {
		err(w, "include: expected include <header> or include \"header\"");
		return -1;
	}
	for (i = 0; i < s->n_includes; i++)
		if (!strcmp(s->includes[i], arg))
			return 0;
	if (s->n_includes == s->cap_includes) {
		s->cap_includes = s->cap_includes ? s->cap_includes * 2 : 16;
		s->includes = xrealloc(s->includes, s->cap_includes *
				       sizeof(*s->includes));
	}
	s->includes[s->n_includes++] = xstrdup(arg);
	return 0;
}

static void parse_line(struct where *w, char *line)
{
	char *end, *name, *rest;

	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (!*line)
		return;
	name = line;
	rest = line + strcspn(line, " \t\r\f\v");
	if (*rest) {
		*rest++ = '\0';
		while (isspace((unsigned char)*rest))
			rest++;
	}
	if (!strcmp(name, "include"))
		parse_include(w, rest);
	else
		parse_func(w, name, rest);
}

/*
 * Logical lines: '#' outside {} starts a comment to the end of its
 * physical line; a backslash before the end of a line (blanks may
 * follow it) joins the next one. Errors name the first physical line.
 */
static void parse_buf(struct spec *s, const char *file, const char *buf,
		      size_t len)
{
	struct where w = { .s = s, .file = file, .line = 1 };
	char *line = xmalloc(len + 1);
	bool comment = false;
	int phys = 1, depth = 0;
	size_t i, j, n = 0;

	for (i = 0; i <= len; i++) {
		char c = i < len ? buf[i] : '\n';

		if (c == '\n') {
			line[n] = '\0';
			parse_line(&w, line);
			n = 0;
			depth = 0;
			comment = false;
			w.line = ++phys;
			continue;
		}
		if (comment)
			continue;
		if (c == '\\') {
			for (j = i + 1; j < len && strchr(" \t\r", buf[j]); j++)
				;
			if (j == len || buf[j] == '\n') {
				line[n++] = ' ';
				phys++;
				i = j;
				continue;
			}
		}
		if (c == '#' && !depth) {
			comment = true;
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && depth)
			depth--;
		line[n++] = c;
	}
	free(line);
}

int spec_parse_file(struct spec *s, const char *path)
{
	size_t len = 0, cap = 0, i;
	char *buf = NULL;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "wrapgen: %s: %s\n", path, strerror(errno));
		s->errors++;
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		i = fread(buf + len, 1, cap - len, f);
		len += i;
		if (i == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "wrapgen: %s: read error\n", path);
		s->errors++;
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if (memchr(buf, '\0', len)) {
		fprintf(stderr, "wrapgen: %s: a NUL byte: not a spec\n", path);
		s->errors++;
		free(buf);
		return -1;
	}
	for (i = 0; i < len; i++)
		s->lines += buf[i] == '\n';
	s->lines += len && buf[len - 1] != '\n';
	parse_buf(s, path, buf, len);
	free(buf);
	return 0;
}

void spec_free(struct spec *s)
{
	size_t i;

	for (i = 0; i < s->n_funcs; i++)
		func_free(&s->funcs[i]);
	free(s->funcs);
	for (i = 0; i < s->n_includes; i++)
		free(s->includes[i]);
	free(s->includes);
	memset(s, 0, sizeof(*s));
}
