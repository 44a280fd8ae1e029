// SPDX-License-Identifier: GPL-2.0
/*
 * The spec against the target kernel: each function's prototype from its
 * vmlinux BTF, each value a clause names checked against it, each
 * release=FN against FN's own prototype (and Module.symvers: recovery
 * calls it from nooks.ko, so it must be exported).
 *
 * A function Module.symvers says a module exports (its third column, the
 * module's path in the kernel tree, is not "vmlinux") has its prototype
 * in that module's split BTF, the .BTF section of the .ko built on
 * vmlinux's: with --modules DIR, DIR/PATH.ko (or .ko.xz, .ko.zst, .ko.gz)
 * is read once, when a clause first needs one of its functions. Such a
 * release=FN is given to the runtime by name (NOOKS_WRAPF_BY_NAME), so
 * that nooks.ko does not depend on every module a driver uses.
 *
 * The hooks read the arguments from the six argument registers the gate
 * saved and from the caller's stack, in order: that holds while every
 * argument up to the one read takes one integer register, so a struct
 * passed by value, a float or an __int128 before it is an error.
 */
#define _GNU_SOURCE		/* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>

#include "wrapgen.h"

#if LIBBPF_MAJOR_VERSION < 1
#error "libbpf 1.0 or later is needed (NULL and errno on errors)"
#endif

/* Deepest chain of typedefs, qualifiers and pointers followed. */
#define MAX_TYPE_DEPTH	32

struct func_ent {
	const char *name;
	__u32 id;
};

/* The FUNCs of a BTF sorted by name: lookups are binary searches. */
struct func_index {
	struct btf *btf;
	struct func_ent *funcs;
	size_t n_funcs;
};

static struct func_index vmlinux;

/* Module.symvers: a symbol and who exports it. */
struct export {
	char *sym;		/* column 2 */
	char *module;		/* column 3, "fs/configfs/configfs"; NULL: vmlinux */
};

/* Sorted by symbol. */
static struct export *exports;
static size_t n_exports;

/* A module's split BTF, read once. */
struct module {
	char *name;		/* as in Module.symvers */
	struct func_index idx;	/* no idx.btf: unreadable, for error */
	char *error;
};

/* --modules DIR; the modules read so far. */
static const char *modules_dir;
static struct module **modules;
static size_t n_modules;

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	fputs("wrapgen: ", stderr);	/* fmt starts with "libbpf: " */
	return vfprintf(stderr, fmt, ap);
}

static int func_cmp(const void *a, const void *b)
{
	const struct func_ent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static __printf(1, 2) char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "wrapgen: out of memory\n");
		exit(1);
	}
	return p;
}

/* The FUNCs of BTF from type FIRST on (a split BTF: its own types). */
static void index_funcs(struct func_index *x, struct btf *btf, __u32 first)
{
	__u32 id, n = btf__type_cnt(btf);

	x->btf = btf;
	x->funcs = xmalloc((n - first) * sizeof(*x->funcs));
	x->n_funcs = 0;
	for (id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_func(t))
			continue;
		x->funcs[x->n_funcs].name = btf__name_by_offset(btf, t->name_off);
		x->funcs[x->n_funcs++].id = id;
	}
	qsort(x->funcs, x->n_funcs, sizeof(*x->funcs), func_cmp);
}

struct btf *btf_load(const char *path)
{
	struct btf *btf;

	libbpf_set_print(quiet_print);
	btf = btf__parse(path, NULL);
	if (!btf) {
		char msg[128];

		libbpf_strerror(errno, msg, sizeof(msg));
		fprintf(stderr, "wrapgen: %s: no BTF: %s\n", path, msg);
		return NULL;
	}
	index_funcs(&vmlinux, btf, 1);
	return btf;
}

/*
 * PATH decompressed by TOOL (xz, zstd, gzip) into a temporary file: its
 * name, or NULL and *error.
 */
static char *decompress(const char *tool, const char *path, char **error)
{
	const char *dir = getenv("TMPDIR");
	char *tmp = xasprintf("%s/wrapgen-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd, status;
	pid_t pid;

	fd = mkstemp(tmp);
	if (fd < 0) {
		*error = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (dup2(fd, STDOUT_FILENO) >= 0)
			execlp(tool, tool, "-dc", "--", path, (char *)NULL);
		fprintf(stderr, "wrapgen: %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		*error = xasprintf("%s: %s -dc failed", path, tool);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

/* How a module may be installed, and what decompresses it. */
static const struct {
	const char *suffix;
	const char *tool;
} module_files[] = {
	{ ".ko", NULL },
	{ ".ko.xz", "xz" },
	{ ".ko.zst", "zstd" },
	{ ".ko.gz", "gzip" },
};

/* The split BTF of module NAME on vmlinux's, or NULL and *error. */
static struct btf *read_module(const char *name, char **error)
{
	char *path = NULL, *tmp = NULL;
	struct btf *btf = NULL;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(module_files); i++) {
		free(path);
		path = xasprintf("%s/%s%s", modules_dir, name,
				 module_files[i].suffix);
		if (!access(path, F_OK))
			break;
	}
	if (i == ARRAY_SIZE(module_files)) {
		*error = xasprintf("no %s/%s.ko (nor .ko.xz, .ko.zst, .ko.gz)",
				   modules_dir, name);
		goto out;
	}
	if (module_files[i].tool) {
		tmp = decompress(module_files[i].tool, path, error);
		if (!tmp)
			goto out;
	}
	btf = btf__parse_split(tmp ? tmp : path, vmlinux.btf);
	err = errno;
	if (!btf) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		*error = xasprintf("%s: no BTF: %s", path, msg);
	}
	if (tmp)
		unlink(tmp);
out:
	free(tmp);
	free(path);
	return btf;
}

static struct module *module_btf(const char *name)
{
	struct module *m;
	struct btf *btf;
	size_t i;

	for (i = 0; i < n_modules; i++)
		if (!strcmp(modules[i]->name, name))
			return modules[i];
	m = xmalloc(sizeof(*m));
	m->name = xstrdup(name);
	m->error = NULL;
	m->idx = (struct func_index){ 0 };
	btf = read_module(name, &m->error);
	if (btf)
		index_funcs(&m->idx, btf, btf__type_cnt(vmlinux.btf));
	modules = xrealloc(modules, (n_modules + 1) * sizeof(*modules));
	modules[n_modules++] = m;
	return m;
}

/* Whether the hooks would read two FUNCs' arguments alike. */
static bool same_proto(const struct btf *btf, __u32 a, __u32 b)
{
	const struct btf_type *x, *y;
	const struct btf_param *p, *q;
	int i;

	x = btf__type_by_id(btf, btf__type_by_id(btf, a)->type);
	y = btf__type_by_id(btf, btf__type_by_id(btf, b)->type);
	if (!x || !y || !btf_is_func_proto(x) || !btf_is_func_proto(y) ||
	    btf_vlen(x) != btf_vlen(y) ||
	    btf_class(btf, x->type) != btf_class(btf, y->type))
		return false;
	p = btf_params(x);
	q = btf_params(y);
	for (i = 0; i < btf_vlen(x); i++)
		if (btf_class(btf, p[i].type) != btf_class(btf, q[i].type))
			return false;
	return true;
}

/*
 * The FUNC named NAME: 0, -ENOENT, or -EINVAL if several FUNCs of that
 * name (static functions of different files, or one function whose types
 * two files spell differently) disagree and none is global, the one a
 * driver could call. Debian's BTF marks every FUNC static.
 */
static int find_func(const struct func_index *x, const char *name,
		     __u32 *id)
{
	struct func_ent key = { .name = name }, *e;
	const struct btf *btf = x->btf;
	bool differ = false;

	e = bsearch(&key, x->funcs, x->n_funcs, sizeof(*x->funcs), func_cmp);
	if (!e)
		return -ENOENT;
	while (e > x->funcs && !strcmp(e[-1].name, name))
		e--;
	*id = e->id;
	for (; e < x->funcs + x->n_funcs && !strcmp(e->name, name); e++) {
		const struct btf_type *t = btf__type_by_id(btf, e->id);

		if (btf_vlen(t) == BTF_FUNC_GLOBAL) {	/* a FUNC's linkage */
			*id = e->id;
			return 0;
		}
		differ |= !same_proto(btf, *id, e->id);
	}
	return differ ? -EINVAL : 0;
}

static const struct export *exported(const char *name);

/* Where a function's prototype was looked for. */
struct where {
	const struct btf *btf;	/* vmlinux's, or the module's split BTF */
	const struct module *module;	/* NULL: vmlinux */
};

/*
 * The FUNC NAME: in the BTF of the module that exports it if there is
 * one (Module.symvers) and --modules says where modules are, else in
 * vmlinux's. A static function of vmlinux may have the name of a
 * module's export: the module's prototype is the one a driver calls.
 * 0, -ENOENT, -EINVAL (see find_func) or -ENODATA: the module's BTF
 * cannot be read.
 */
static int locate(const char *name, struct where *w, __u32 *id)
{
	const struct export *e = modules_dir ? exported(name) : NULL;
	const struct module *m;

	w->btf = vmlinux.btf;
	w->module = NULL;
	if (!e || !e->module)
		return find_func(&vmlinux, name, id);
	m = module_btf(e->module);
	w->module = m;
	if (!m->idx.btf)
		return -ENODATA;
	w->btf = m->idx.btf;
	return find_func(&m->idx, name, id);
}

/* What locate's error means, after the function's name. */
static const char *find_error(int err, const struct where *w, char *buf,
			      size_t size)
{
	if (!w->module)
		return err == -ENOENT ? "is not a function in BTF" :
			"has prototypes in BTF that differ";
	if (err == -ENODATA)
		snprintf(buf, size,
			 "is exported by module %s, whose BTF cannot be read: %s",
			 w->module->name, w->module->error);
	else
		snprintf(buf, size, err == -ENOENT ?
			 "is not a function in the BTF of module %s" :
			 "has prototypes in the BTF of module %s that differ",
			 w->module->name);
	return buf;
}

/* Past typedefs and qualifiers: what the type is. */
static __u32 resolve(const struct btf *btf, __u32 id)
{
	int depth;

	for (depth = 0; id && depth < MAX_TYPE_DEPTH; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t)
			return 0;
		if (!btf_is_typedef(t) && !btf_is_mod(t) &&
		    !btf_is_type_tag(t))
			return id;
		id = t->type;
	}
	return id;
}

enum type_class btf_class(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	id = resolve(btf, id);
	if (!id)
		return TC_VOID;
	t = btf__type_by_id(btf, id);
	if (btf_is_ptr(t))
		return TC_PTR;
	if (btf_is_enum(t) || btf_is_enum64(t))
		return TC_INT;
	if (btf_is_int(t)) {
		if (btf_int_encoding(t) & BTF_INT_BOOL)
			return TC_BOOL;
		return t->size <= 8 ? TC_INT : TC_OTHER;
	}
	return TC_OTHER;
}

/* For errors: what kind of type, past typedefs. */
static const char *describe(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	id = resolve(btf, id);
	if (!id)
		return "void";
	t = btf__type_by_id(btf, id);
	if (btf_is_struct(t))
		return "a struct";
	if (btf_is_union(t))
		return "a union";
	if (btf_is_float(t))
		return "a float";
	if (btf_is_int(t))
		return "a 128-bit integer";
	return "neither an integer nor a pointer";
}

/*
 * Whether btf_dump can spell the type as a name: not an anonymous struct,
 * union or enum (whose whole body it would write), here or behind a
 * pointer, array or function prototype. Through a typedef it stays a name.
 */
static bool nameable(const struct btf *btf, __u32 id, int depth)
{
	const struct btf_type *t;
	const struct btf_param *p;
	int i;

	if (!id)
		return true;
	if (depth > MAX_TYPE_DEPTH)
		return false;
	t = btf__type_by_id(btf, id);
	if (!t)
		return false;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPEDEF:
		return true;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
		return t->name_off != 0;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return nameable(btf, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		return nameable(btf, btf_array(t)->type, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		p = btf_params(t);
		for (i = 0; i < btf_vlen(t); i++)
			if (!nameable(btf, p[i].type, depth + 1))
				return false;
		return nameable(btf, t->type, depth + 1);
	default:
		return false;
	}
}

bool btf_nameable(const struct btf *btf, __u32 id)
{
	return nameable(btf, id, 0);
}

/* The prototype of FUNC id: its FUNC_PROTO, arguments without "...". */
static const struct btf_type *proto_of(const struct btf *btf, __u32 id,
				       __u32 *proto, int *n_args,
				       bool *variadic)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_param *p;
	int n;

	*proto = t->type;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return NULL;
	n = btf_vlen(t);
	p = btf_params(t);
	*variadic = n && !p[n - 1].type;
	*n_args = n - *variadic;
	return t;
}

__u32 btf_arg_type(const struct btf *btf, const struct func *fn, int n)
{
	return btf_params(btf__type_by_id(btf, fn->proto))[n].type;
}

__u32 btf_ret_type(const struct btf *btf, const struct func *fn)
{
	return btf__type_by_id(btf, fn->proto)->type;
}

/* Checking one function: where its errors go. */
struct fctx {
	struct spec *s;
	const struct btf *btf;
	struct func *fn;
	const char *what;	/* the clause or option being checked */
};

/* FILE:LINE: FUNCTION: CLAUSE: message */
static __printf(2, 3) void ferr(struct fctx *c, const char *fmt, ...)
{
	char prefix[256];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s: %s: ", c->fn->name, c->what);
	va_start(ap, fmt);
	spec_verror(c->s, c->fn->file, c->fn->line, prefix, fmt, ap);
	va_end(ap);
}

static int check_arg(struct fctx *c, int n)
{
	const struct btf *btf = c->btf;
	struct func *fn = c->fn;
	__u32 type;
	int i;

	if (n >= fn->n_args) {
		ferr(c, "a%d: %s has %d argument%s", n, fn->name, fn->n_args,
		     fn->n_args == 1 ? "" : "s");
		return -1;
	}
	for (i = 0; i <= n; i++) {
		enum type_class tc;

		type = btf_arg_type(btf, fn, i);
		tc = btf_class(btf, type);
		if (tc == TC_INT || tc == TC_BOOL || tc == TC_PTR)
			continue;
		if (i == n)
			ferr(c, "a%d is %s passed by value: not supported",
			     n, describe(btf, type));
		else
			ferr(c, "a%d: a%d before it is %s passed by value: not supported",
			     n, i, describe(btf, type));
		return -1;
	}
	type = btf_arg_type(btf, fn, n);
	if (!nameable(btf, type, 0)) {
		ferr(c, "a%d: its type has no name (anonymous struct, union or enum)",
		     n);
		return -1;
	}
	return 0;
}

static int check_ret(struct fctx *c)
{
	__u32 type = btf_ret_type(c->btf, c->fn);

	switch (btf_class(c->btf, type)) {
	case TC_VOID:
		ferr(c, "ret: %s returns void", c->fn->name);
		return -1;
	case TC_OTHER:
		ferr(c, "ret: %s returns %s by value: not supported", c->fn->name,
		     describe(c->btf, type));
		return -1;
	case TC_PTR:
		return 0;	/* as void *ret if it has no name */
	default:
		break;
	}
	if (!nameable(c->btf, type, 0)) {
		ferr(c, "ret: its type has no name (anonymous enum)");
		return -1;
	}
	return 0;
}

/* *aN: aN must point to something that fits in an unsigned long. */
static int check_deref(struct fctx *c, int n)
{
	__u32 type = btf_arg_type(c->btf, c->fn, n);
	const struct btf_type *t;
	enum type_class tc;

	if (btf_class(c->btf, type) != TC_PTR) {
		ferr(c, "*a%d: a%d is not a pointer", n, n);
		return -1;
	}
	t = btf__type_by_id(c->btf, resolve(c->btf, type));
	tc = btf_class(c->btf, t->type);
	if (tc != TC_INT && tc != TC_BOOL && tc != TC_PTR) {
		ferr(c, "*a%d: a%d points to %s, not an integer or a pointer",
		     n, n, tc == TC_VOID ? "void" : describe(c->btf, t->type));
		return -1;
	}
	if (!nameable(c->btf, t->type, 0)) {
		ferr(c, "*a%d: what a%d points to has no name", n, n);
		return -1;
	}
	return 0;
}

static int check_value(struct fctx *c, const struct value *v)
{
	int n;

	switch (v->kind) {
	case VAL_ARG:
		return check_arg(c, v->arg);
	case VAL_DEREF:
		if (check_arg(c, v->arg))
			return -1;
		return check_deref(c, v->arg);
	case VAL_RET:
		return check_ret(c);
	case VAL_EXPR:
		for (n = 0; n < MAX_ARGS; n++)
			if (v->args & BIT(n) && check_arg(c, n))
				return -1;
		if (v->ret)
			return check_ret(c);
		return 0;
	default:
		return 0;
	}
}

static int export_cmp(const void *a, const void *b)
{
	const struct export *x = a, *y = b;

	return strcmp(x->sym, y->sym);
}

/* Module.symvers: CRC, symbol, module, export type, namespace. */
static int load_symvers(const char *path)
{
	char *line = NULL, *sym, *module, *save;
	size_t cap = 0, size = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "wrapgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (!strtok_r(line, "\t\n", &save))
			continue;
		sym = strtok_r(NULL, "\t\n", &save);
		if (!sym)
			continue;
		module = strtok_r(NULL, "\t\n", &save);
		if (n_exports == size) {
			size = size ? size * 2 : 4096;
			exports = xrealloc(exports, size * sizeof(*exports));
		}
		exports[n_exports].sym = xstrdup(sym);
		exports[n_exports++].module =
			module && strcmp(module, "vmlinux") ?
			xstrdup(module) : NULL;
	}
	free(line);
	fclose(f);
	if (!n_exports) {
		fprintf(stderr, "wrapgen: %s: no symbols: not a Module.symvers\n",
			path);
		return -1;
	}
	qsort(exports, n_exports, sizeof(*exports), export_cmp);
	return 0;
}

/* NAME's line of Module.symvers, or NULL. */
static const struct export *exported(const char *name)
{
	struct export key = { .sym = (char *)name };

	return bsearch(&key, exports, n_exports, sizeof(*exports),
		       export_cmp);
}

/*
 * release=FN(...): recovery calls FN with these values in registers; by
 * name if a module exports it (the runtime looks it up, and pins the
 * module while the object lives).
 */
static int check_release(struct fctx *c, struct clause *cl)
{
	const struct btf_param *p;
	const struct btf_type *t;
	const struct export *e;
	struct where w;
	bool variadic;
	__u32 id, proto;
	char buf[512];
	int n, i, err;

	err = locate(cl->release, &w, &id);
	if (err) {
		ferr(c, "%s %s", cl->release,
		     find_error(err, &w, buf, sizeof(buf)));
		return -1;
	}
	t = proto_of(w.btf, id, &proto, &n, &variadic);
	if (!t || variadic) {
		ferr(c, "%s: %s", cl->release,
		     t ? "variadic: not supported" : "no prototype in BTF");
		return -1;
	}
	if (n != cl->n_rel_args) {
		ferr(c, "%s takes %d argument%s, not %d", cl->release, n,
		     n == 1 ? "" : "s", cl->n_rel_args);
		return -1;
	}
	p = btf_params(t);
	for (i = 0; i < n; i++) {
		enum type_class tc = btf_class(w.btf, p[i].type);

		if (tc != TC_INT && tc != TC_BOOL && tc != TC_PTR) {
			ferr(c, "%s: argument %d is %s passed by value: not supported",
			     cl->release, i, describe(w.btf, p[i].type));
			return -1;
		}
	}
	e = exported(cl->release);
	if (n_exports && !e) {
		ferr(c, "%s is not exported (not in Module.symvers)",
		     cl->release);
		return -1;
	}
	if (e && e->module)
		cl->opts |= OPT_BY_NAME;
	for (i = 0; i < n; i++)
		if (check_value(c, &cl->rel_args[i]))
			return -1;
	return 0;
}

/* The success condition of an acquire without if=. */
static int check_success(struct fctx *c, const struct clause *cl)
{
	enum fails_kind fails = cl->fails ? cl->fails : c->fn->fails;
	__u32 type = btf_ret_type(c->btf, c->fn);
	enum type_class tc = btf_class(c->btf, type);

	switch (fails) {
	case FAILS_NEVER:
		return 0;
	case FAILS_NULL:
	case FAILS_ERRPTR:
	case FAILS_ERRPTR_OR_NULL:
		if (tc == TC_PTR)
			return 0;
		break;
	case FAILS_NEGATIVE:
	case FAILS_NONZERO:
		if (tc == TC_INT || tc == TC_BOOL)
			return check_ret(c);
		break;
	default:
		if (tc == TC_VOID)
			return 0;
		if (tc != TC_OTHER)
			return check_ret(c);
		ferr(c, "%s returns %s by value: say when it succeeds with if=",
		     c->fn->name, describe(c->btf, type));
		return -1;
	}
	c->what = "fails=";
	ferr(c, "%s: %s returns %s", fails_name(fails), c->fn->name,
	     tc == TC_VOID ? "void" : tc == TC_PTR ? "a pointer" :
	     tc == TC_OTHER ? describe(c->btf, type) : "an integer");
	return -1;
}

static int check_acquire(struct fctx *c, struct clause *cl)
{
	c->what = "acquire";
	if (check_value(c, &cl->key))
		return -1;
	c->what = "size=";
	if (cl->has_size && check_value(c, &cl->size))
		return -1;
	c->what = "grant=";
	if (cl->has_grant_at && check_value(c, &cl->grant_at))
		return -1;
	c->what = "if=";
	if (cl->has_if && check_value(c, &cl->cond))
		return -1;
	c->what = "acquire";
	if (!cl->has_if && check_success(c, cl))
		return -1;
	c->what = "release=";
	return check_release(c, cl);
}

/* entry aN: a function pointer the kernel will call. */
static int check_entry(struct fctx *c, const struct clause *cl)
{
	__u32 type = btf_arg_type(c->btf, c->fn, cl->key.arg);
	const struct btf_type *t;

	t = btf__type_by_id(c->btf, resolve(c->btf, type));
	if (btf_class(c->btf, type) == TC_PTR) {
		t = btf__type_by_id(c->btf, resolve(c->btf, t->type));
		if (t && btf_is_func_proto(t))
			return 0;
	}
	ferr(c, "a%d is not a function pointer", cl->key.arg);
	return -1;
}

static int check_clause(struct fctx *c, struct clause *cl)
{
	switch (cl->kind) {
	case CL_ACQUIRE:
		return check_acquire(c, cl);
	case CL_RELEASE:
	case CL_HOLD:
		c->what = cl->kind == CL_HOLD ? "hold" : "release";
		return check_value(c, &cl->key);
	case CL_ENTRY:
		c->what = "entry";
		if (check_value(c, &cl->key))
			return -1;
		return check_entry(c, cl);
	default:
		return 0;
	}
}

/*
 * A function with only plain and sleeps needs no prototype, and may have
 * none in BTF: static call trampolines (__SCT__cond_resched) are not
 * functions C declares.
 */
static void check_func(struct spec *s, struct func *fn)
{
	struct fctx c = { .s = s, .fn = fn };
	struct where w;
	bool variadic;
	char buf[512];
	__u32 id;
	int i, err;

	if (!fn->has_pre && !fn->has_post && !fn->defer)
		return;
	err = locate(fn->name, &w, &id);
	if (err == -ENOENT) {
		if (w.module)
			snprintf(buf, sizeof(buf), "the BTF of module %s",
				 w.module->name);
		spec_error(s, fn->file, fn->line,
			   "%s: not a function in %s, and its clauses need its prototype",
			   fn->name, w.module ? buf : "BTF");
		return;
	}
	if (err) {
		spec_error(s, fn->file, fn->line, "%s %s", fn->name,
			   find_error(err, &w, buf, sizeof(buf)));
		return;
	}
	fn->btf = w.btf;
	c.btf = w.btf;
	if (!proto_of(fn->btf, id, &fn->proto, &fn->n_args, &variadic)) {
		spec_error(s, fn->file, fn->line, "%s: no prototype in BTF",
			   fn->name);
		return;
	}
	/*
	 * The exit gate queues three registers and returns 0: nothing, or
	 * with unread-return an integer the spec says drivers do not read.
	 */
	if (fn->defer) {
		int rc = btf_class(fn->btf, btf_ret_type(fn->btf, fn));

		if (variadic || fn->n_args > 3 ||
		    (rc != TC_VOID && !(fn->defer_unread && rc == TC_INT))) {
			spec_error(s, fn->file, fn->line,
				   "%s: defer, yet it %s (a deferred call returns nothing, or an integer marked unread-return, and takes at most 3 arguments)",
				   fn->name, variadic ? "is variadic" :
				   fn->n_args > 3 ? "takes more than 3 arguments" :
				   "returns a value");
			return;
		}
		if (fn->defer_unread && rc != TC_INT) {
			spec_error(s, fn->file, fn->line,
				   "%s: defer unread-return, yet it returns no integer",
				   fn->name);
			return;
		}
	}
	for (i = 0; i < fn->n_clauses; i++)
		if (check_clause(&c, &fn->clauses[i]))
			return;
}

/* After btf_load; MODULES: where the modules are, or NULL. */
int btf_check(struct spec *s, const char *symvers, const char *modules)
{
	size_t i;

	if (symvers && load_symvers(symvers))
		return -1;
	modules_dir = modules;
	for (i = 0; i < s->n_funcs; i++)
		check_func(s, &s->funcs[i]);
	return s->errors ? -1 : 0;
}

/* btf_dump's output, collected. */
struct strbuf {
	char *p;
	size_t len;
};

static void collect(void *ctx, const char *fmt, va_list ap)
{
	struct strbuf *b = ctx;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n <= 0)
		return;
	b->p = xrealloc(b->p, b->len + n + 1);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	b->len += n;
}

/*
 * The C declaration of a NAME of type id ("const void *a0"), or with an
 * empty NAME the type for a cast. A new btf_dump each time: one that
 * lives on numbers the second of two distinct types of one name
 * ("foo___2"), which no header declares.
 */
char *btf_decl(const struct btf *btf, __u32 id, const char *name)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = name);
	struct strbuf b = { .p = xstrdup("") };
	struct btf_dump *d;

	d = btf_dump__new(btf, collect, &b, NULL);
	if (!d || btf_dump__emit_type_decl(d, id, &opts)) {
		fprintf(stderr, "wrapgen: btf_dump cannot write type %u\n", id);
		exit(1);
	}
	btf_dump__free(d);
	while (b.len && b.p[b.len - 1] == ' ')
		b.p[--b.len] = '\0';
	return b.p;
}

void btf_unload(struct btf *btf)
{
	size_t i;

	for (i = 0; i < n_modules; i++) {
		btf__free(modules[i]->idx.btf);
		free(modules[i]->idx.funcs);
		free(modules[i]->name);
		free(modules[i]->error);
		free(modules[i]);
	}
	free(modules);
	modules = NULL;
	n_modules = 0;
	modules_dir = NULL;
	btf__free(btf);
	free(vmlinux.funcs);
	vmlinux = (struct func_index){ 0 };
	for (i = 0; i < n_exports; i++) {
		free(exports[i].sym);
		free(exports[i].module);
	}
	free(exports);
	exports = NULL;
	n_exports = 0;
}
