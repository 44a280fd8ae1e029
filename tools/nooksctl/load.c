// SPDX-License-Identifier: GPL-2.0
/*
 * nooksctl load, unload and check: run an unmodified driver module in a
 * domain. load finds the module (libkmod), loads its dependencies
 * normally, rewrites it in memory (rewrite.c) with prototypes from BTF
 * (btf.c) and the symbol versions of nooks.ko's gates (asked from the
 * running nooks.ko), creates the domain the module notifier binds it to,
 * and loads the result from a memfd. recover, the recovery agent nooks.ko
 * runs after a fault, unloads the failed module and loads it again the
 * same way, into the domain that waits for it. swifi, and load --swifi,
 * write faults into the module first (swifi.c): load keeps the mutant in
 * a file, so that a restart loads it again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>
#include <linux/genetlink.h>

#include <nooks.h>

#include "btf.h"
#include "domain.h"
#include "main.h"
#include "netlink.h"
#include "rewrite.h"
#include "swifi.h"

/* === Finding and reading the module === */

struct ko_file {
	char *path;
	void *data;
	size_t size;
};

static void ko_file_free(struct ko_file *ko)
{
	free(ko->path);
	free(ko->data);
	memset(ko, 0, sizeof(*ko));
}

static int read_file(const char *path, struct ko_file *ko)
{
	struct stat st;
	ssize_t n;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		p_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		p_err("%s is not a regular file", path);
		close(fd);
		return -1;
	}
	ko->size = st.st_size;
	ko->data = malloc(ko->size ? ko->size : 1);
	if (!ko->data) {
		p_err("out of memory reading %s", path);
		close(fd);
		return -1;
	}
	while (done < ko->size) {
		n = read(fd, (char *)ko->data + done, ko->size - done);
		if (n <= 0) {
			p_err("cannot read %s: %s", path,
			      n ? strerror(errno) : "file shrank");
			close(fd);
			return -1;
		}
		done += n;
	}
	close(fd);
	ko->path = strdup(path);
	return ko->path ? 0 : -1;
}

static bool looks_like_path(const char *arg)
{
	size_t len = strlen(arg);

	return strchr(arg, '/') || (len > 3 && !strcmp(arg + len - 3, ".ko"));
}

/*
 * Find MODULE|PATH with libkmod; with load_deps, load the modules it
 * depends on, natively, and make ko->path absolute and canonical:
 * nooks.ko keeps it for the recovery agent, which loads the module again.
 */
static int find_module(const char *arg, bool load_deps, struct ko_file *ko)
{
	struct kmod_list *list = NULL, *deps, *l;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	char *abspath = NULL;
	const char *path;
	int err = -1;

	if (looks_like_path(arg) && access(arg, F_OK) == 0 && !load_deps)
		return read_file(arg, ko);

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		p_err("cannot initialise libkmod");
		return -1;
	}
	if (looks_like_path(arg)) {
		if (kmod_module_new_from_path(ctx, arg, &mod) < 0) {
			p_err("no module file %s", arg);
			goto out;
		}
	} else {
		if (kmod_module_new_from_lookup(ctx, arg, &list) < 0 || !list) {
			p_err("no module '%s' in /lib/modules (see modinfo %s)",
			      arg, arg);
			goto out;
		}
		mod = kmod_module_get_module(list);
	}
	path = kmod_module_get_path(mod);
	if (!path) {
		p_err("module '%s' is built into the kernel: there is nothing to isolate",
		      kmod_module_get_name(mod));
		goto out;
	}
	if (load_deps) {
		/* libkmod's may still hold "./" and "../". */
		abspath = realpath(path, NULL);
		if (!abspath) {
			p_err("cannot find %s: %s", path, strerror(errno));
			goto out;
		}
		path = abspath;
	}
	if (load_deps && strlen(path) >= NOOKS_PATH_MAX) {
		p_err("cannot load %.64s...: its path is %zu bytes, nooks.ko keeps at most %d for restarts (move the module)",
		      path, strlen(path), NOOKS_PATH_MAX - 1);
		goto out;
	}
	if (load_deps) {
		deps = kmod_module_get_dependencies(mod);
		kmod_list_foreach(l, deps) {
			struct kmod_module *dep = kmod_module_get_module(l);
			int r = kmod_module_probe_insert_module(dep,
				KMOD_PROBE_IGNORE_LOADED, NULL, NULL, NULL,
				NULL);

			if (r < 0) {
				p_err("cannot load %s, which %s needs: %s",
				      kmod_module_get_name(dep), arg,
				      strerror(-r));
				kmod_module_unref(dep);
				kmod_module_unref_list(deps);
				goto out;
			}
			kmod_module_unref(dep);
		}
		kmod_module_unref_list(deps);
	}
	err = read_file(path, ko);
out:
	free(abspath);
	if (mod)
		kmod_module_unref(mod);
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return err;
}

/* === nooks.ko's exports and their versions === */

struct export {
	char *name;
	uint32_t crc;
};

struct export_set {
	struct nl_ctx *nl;
	struct export *v;
	size_t n;
};

static int export_cb(const struct nlmsghdr *nlh, void *data)
{
	struct export_set *set = data;
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t crc = 0;
	struct export *v;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case NOOKS_A_EXPORT_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return nl_bad_reply(set->nl, "bad export name");
			name = mnl_attr_get_str(attr);
			break;
		case NOOKS_A_EXPORT_CRC:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return nl_bad_reply(set->nl, "bad export CRC");
			crc = mnl_attr_get_u32(attr);
			break;
		case NOOKS_A_EXPORT_NS:
			/* Namespaced exports are nooks' own, not for drivers. */
			return MNL_CB_OK;
		}
	}
	if (!name)
		return nl_bad_reply(set->nl, "export without a name");
	v = realloc(set->v, (set->n + 1) * sizeof(*v));
	if (!v)
		return nl_bad_reply(set->nl, "out of memory");
	set->v = v;
	v[set->n].name = strdup(name);
	if (!v[set->n].name)
		return nl_bad_reply(set->nl, "out of memory");
	v[set->n++].crc = crc;
	return MNL_CB_OK;
}

static void export_set_free(struct export_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->v[i].name);
	free(set->v);
}

static bool export_crc(void *ctx, const char *name, uint32_t *crc)
{
	struct export_set *set = ctx;
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (!strcmp(set->v[i].name, name)) {
			*crc = set->v[i].crc;
			return true;
		}
	}
	return false;
}

/* === Rewriting === */

struct rewrite_ctx {
	struct nooks_btf *btf;
	struct export_set *exports;
};

static bool rw_proto(void *ctx, const char *name, bool driver_fn,
		     struct nooks_proto *out)
{
	struct rewrite_ctx *rc = ctx;

	if (rc->btf && nooks_btf_proto(rc->btf, name, driver_fn, out))
		return true;
	/*
	 * A module's init and exit are aliases BTF does not name, and
	 * their types are the kernel's: int (*)(void) and void (*)(void).
	 * A faulting init must fail the load.
	 */
	if (driver_fn && (!strcmp(name, "init_module") ||
			  !strcmp(name, "cleanup_module"))) {
		memset(out, 0, sizeof(*out));
		out->found = true;
		out->is_func = true;
		out->ret_class = name[0] == 'i' ? NOOKS_RET_INT : NOOKS_RET_VOID;
		return true;
	}
	return false;
}

static bool rw_crc(void *ctx, const char *name, uint32_t *crc)
{
	struct rewrite_ctx *rc = ctx;

	return export_crc(rc->exports, name, crc);
}

/*
 * Open the vmlinux BTF and add the module's. Without BTF the rewrite
 * still works, with conservative gates: say so once.
 */
static struct nooks_btf *open_btf(const struct ko_file *ko, bool quiet)
{
	char err[256];
	struct nooks_btf *btf = nooks_btf_open(NULL, err, sizeof(err));

	if (!btf) {
		if (!quiet)
			fprintf(stderr, "nooksctl: warning: %s: %s\n", err,
				"gates copy 16 stack slots, fail with 0");
		return NULL;
	}
	/*
	 * A module without .BTF (out-of-tree builds often have none) only
	 * loses the failure values of its own functions: check shows it.
	 */
	nooks_btf_add_module(btf, ko->data, ko->size, err, sizeof(err));
	return btf;
}

/*
 * A module built for another kernel would only be refused by the kernel
 * with a line in its log: say which kernel it was built for.
 */
static int check_vermagic(const struct ko_file *ko)
{
	static const char key[] = "vermagic=";
	const char *p = ko->data, *end = p + ko->size, *v;
	struct utsname uts;
	size_t len;

	for (v = memmem(p, ko->size, key, sizeof(key) - 1); v;
	     v = memmem(v + 1, end - v - 1, key, sizeof(key) - 1)) {
		/* A .modinfo string starts after a NUL. */
		if (v == p || v[-1] == '\0')
			break;
	}
	if (!v || uname(&uts))
		return 0;	/* the rewriter reports what is wrong */
	v += sizeof(key) - 1;
	len = strnlen(v, end - v);
	if (len == (size_t)(end - v))
		return 0;
	if (strncmp(v, uts.release, strlen(uts.release)) ||
	    (v[strlen(uts.release)] != ' ' && v[strlen(uts.release)])) {
		p_err("%s was built for kernel '%.*s', this kernel is %s",
		      ko->path, (int)strcspn(v, " "), v, uts.release);
		return -1;
	}
	return 0;
}

/*
 * Kernel functions with a register convention of their own (inputs and
 * outputs outside the C ABI, or callers that assume no register is
 * clobbered): a generic gate would break their callers. Those that may
 * run inside a domain are in wrappers/in_domain.h; calling any other one
 * makes a module impossible to isolate until a wrapper keeps the
 * convention.
 */
static const char *const custom_convention[] = {
	"__get_user_*", "__put_user_*", "__x86_indirect_*",
	"__SCT__preempt_schedule*", "copy_user_generic_string",
	"copy_user_generic_unrolled", "copy_user_enhanced_fast_string",
	"clear_page_orig", "clear_page_rep", "clear_page_erms",
	"clear_user_original", "clear_user_rep_good", "clear_user_erms",
};

/* A name, or a prefix when it ends with '*'. */
static bool name_matches(const char *name, const char *pattern)
{
	size_t len = strlen(pattern);

	if (pattern[len - 1] == '*')
		return !strncmp(name, pattern, len - 1);
	return !strcmp(name, pattern);
}

static const char custom_convention_why[] =
	"own register convention: a generic gate would clobber its caller's registers";

static void mark_custom_conventions(struct nooks_rewrite_result *res)
{
	size_t i, k;

	for (i = 0; i < res->n_imports; i++) {
		struct nooks_import_report *imp = &res->imports[i];

		if ((imp->how != NOOKS_IMPORT_GATE &&
		     imp->how != NOOKS_IMPORT_TYPED) || !imp->calls)
			continue;
		for (k = 0; k < ARRAY_SIZE(custom_convention); k++) {
			if (name_matches(imp->name, custom_convention[k])) {
				imp->unsupported = true;
				imp->why = custom_convention_why;
			}
		}
	}
}

/*
 * Refuse a module with imports no gate can handle, in one line naming the
 * first; @hint ends it ("" for none). Return: -1 if refused, else 0.
 */
static int refuse_unsupported(const struct nooks_rewrite_result *res,
			      const char *hint)
{
	const struct nooks_import_report *first = NULL;
	size_t i, n = 0;

	for (i = 0; i < res->n_imports; i++) {
		if (!res->imports[i].unsupported)
			continue;
		if (!first)
			first = &res->imports[i];
		n++;
	}
	if (!first)
		return 0;
	p_err("cannot isolate %s: %zu import%s no gate can handle, first %s: %s%s",
	      res->modname, n, n > 1 ? "s" : "", first->name,
	      first->why ? first->why : "unsupported", hint);
	return -1;
}

/* === load === */

#define LOAD_USAGE	"nooksctl load MODULE|PATH [--restart=shadow|always|never] [--swifi=TYPE:SEED[:N] [--transient]] [-- PARAMS]"

static int domain_request(struct nl_ctx *nl, uint8_t cmd, const char *name,
			  bool load)
{
	struct nlmsghdr *nlh = nl_msg(nl, cmd);

	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_NAME, name);
	if (load)
		mnl_attr_put(nlh, NOOKS_A_DOMAIN_LOAD, 0, NULL);
	return nl_do(nl, nlh, NULL, NULL);
}

/* The domain for a module about to load, and what recovery needs. */
static int domain_new(struct nl_ctx *nl, const char *name, uint32_t restart,
		      const char *path, const char *params)
{
	struct nlmsghdr *nlh = nl_msg(nl, NOOKS_CMD_DOMAIN_NEW);

	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_NAME, name);
	mnl_attr_put(nlh, NOOKS_A_DOMAIN_LOAD, 0, NULL);
	mnl_attr_put_u32(nlh, NOOKS_A_DOMAIN_RESTART, restart);
	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_PATH, path);
	mnl_attr_put_strz(nlh, NOOKS_A_DOMAIN_PARAMS, params);
	return nl_do(nl, nlh, NULL, NULL);
}

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

static void finit_error(const char *modname, int err)
{
	switch (err) {
	case EEXIST:
		p_err("module %s is already loaded", modname);
		break;
	case ENOEXEC:
		p_err("the kernel refused %s as a module for it (built for another kernel? see dmesg)",
		      modname);
		break;
	case ENOENT:
		p_err("%s needs a symbol this kernel does not export (see dmesg)",
		      modname);
		break;
	case EINVAL:
		p_err("the kernel refused %s (see dmesg; 'nooks:' lines say why)",
		      modname);
		break;
	case EPERM:
		p_err("not permitted: loading modules needs CAP_SYS_MODULE (run as root)");
		break;
	case EKEYREJECTED:
	case EBADMSG:
		p_err("the kernel enforces module signatures: the rewritten %s is unsigned",
		      modname);
		break;
	default:
		p_err("loading %s failed: %s (see dmesg)", modname,
		      strerror(err));
	}
}

static char *join_params(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int load_image(const struct nooks_rewrite_result *res,
		      const char *params)
{
	size_t done = 0;
	ssize_t n;
	int fd, err = 0;

	fd = memfd_create(res->modname, MFD_CLOEXEC);
	if (fd < 0)
		return errno;
	while (done < res->size) {
		n = write(fd, (const char *)res->image + done,
			  res->size - done);
		if (n <= 0) {
			err = n ? errno : EIO;
			close(fd);
			return err;
		}
		done += n;
	}
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	return err;
}

/* What load_rewritten() was asked to do. */
struct load_opts {
	const char *arg;	/* MODULE|PATH */
	const char *params;	/* joined with spaces, "" for none */
	/*
	 * load: create the domain, with the restart policy, the path and
	 * the parameters, and destroy it again if the module fails to load.
	 */
	bool create;
	uint32_t restart;
	/* recover: the domain that waits for the module; it must be its. */
	const char *domain;
	/* load --swifi: TYPE:SEED[:N], the faults to write into it first */
	const char *swifi;
	/* load --transient: restarts load the module as shipped */
	bool transient;
};

/* What it did. */
struct load_done {
	char name[NOOKS_NAME_MAX];	/* the module's, and its domain's */
	char *path;		/* the module file, absolute */
	unsigned int entry_gates;
	unsigned int exit_gates;
	struct swifi_site sites[SWIFI_MAX_FAULTS];	/* load --swifi */
	unsigned int n_sites;
};

/* === SWIFI: faults written into the module (swifi.c) === */

/* Print the faults: one line each, or a JSON array in the open object. */
static void swifi_print(const struct swifi_site *sites, unsigned int n)
{
	char before[3 * SWIFI_INSN_MAX + 1], after[3 * SWIFI_INSN_MAX + 1];
	unsigned int i, k;

	if (json_output)
		jsonw_name(json_wtr, "swifi");
	if (json_output)
		jsonw_start_array(json_wtr);
	for (i = 0; i < n; i++) {
		const struct swifi_site *s = &sites[i];

		before[0] = '\0';
		after[0] = '\0';
		for (k = 0; k < s->len; k++) {
			sprintf(before + strlen(before), "%s%02x",
				k ? " " : "", s->before[k]);
			sprintf(after + strlen(after), "%s%02x", k ? " " : "",
				s->after[k]);
		}
		if (!json_output) {
			printf("swifi: %s %s+0x%llx: %s -> %s\n",
			       swifi_type_names[s->type], s->func,
			       (unsigned long long)s->offset, before, after);
			continue;
		}
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "type", swifi_type_names[s->type]);
		jsonw_string_field(json_wtr, "function", s->func);
		jsonw_uint_field(json_wtr, "offset", s->offset);
		jsonw_string_field(json_wtr, "before", before);
		jsonw_string_field(json_wtr, "after", after);
		jsonw_end_object(json_wtr);
	}
	if (json_output)
		jsonw_end_array(json_wtr);
}

/*
 * The mutant loses the module's appended signature, which no longer
 * matches: a kernel refuses a bad signature even when it loads unsigned
 * modules (EKEYREJECTED). Its layout: the ELF, the signature, struct
 * module_signature (sig_len big-endian in its last 4 bytes), the magic.
 */
static void swifi_unsign(struct ko_file *ko)
{
	static const char magic[] = "~Module signature appended~\n";
	const size_t mlen = sizeof(magic) - 1, info = 12;
	const unsigned char *p = ko->data;
	size_t sig;

	if (ko->size < mlen + info ||
	    memcmp(p + ko->size - mlen, magic, mlen))
		return;
	p += ko->size - mlen - 4;
	sig = (size_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	if (sig + info + mlen <= ko->size)
		ko->size -= sig + info + mlen;
}

/* Write the faults of @arg (TYPE:SEED[:N]) into @ko's image. */
static int swifi_ko(struct ko_file *ko, const char *arg,
		    struct swifi_site *sites, unsigned int *n)
{
	struct swifi_spec spec;
	char err[256];

	if (swifi_parse(arg, &spec, err, sizeof(err))) {
		p_err("--swifi: %s", err);
		return -1;
	}
	swifi_unsign(ko);
	if (swifi_mutate(ko->data, ko->size, &spec, sites, err, sizeof(err))) {
		p_err("cannot write faults into %s: %s", ko->path, err);
		return -1;
	}
	*n = spec.n;
	return 0;
}

static int write_file(const char *path, const void *data, size_t size)
{
	size_t done = 0;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		p_err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	while (done < size) {
		w = write(fd, (const char *)data + done, size - done);
		if (w <= 0) {
			p_err("cannot write %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		done += w;
	}
	if (close(fd)) {
		p_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * load --swifi: the mutant goes to a file of its own (TMPDIR, else
 * /tmp), which the domain records, so that a restart loads the same
 * faults again.
 */
static int swifi_keep(struct ko_file *ko)
{
	const char *dir = getenv("TMPDIR");
	const char *base = strrchr(ko->path, '/');
	char *path;

	base = base ? base + 1 : ko->path;
	if (asprintf(&path, "%s/nooks-swifi-%s", dir && *dir ? dir : "/tmp",
		     base) < 0) {
		p_err("out of memory");
		return -1;
	}
	if (write_file(path, ko->data, ko->size)) {
		free(path);
		return -1;
	}
	free(ko->path);
	ko->path = path;
	return 0;
}

/*
 * The part of load that recover does too: ask nooks.ko for its exports,
 * find the module (loading what it depends on), rewrite it, and load it
 * into its domain. Reports its errors; returns 0 or -1.
 */
static int load_rewritten(struct nl_ctx *nl, const struct load_opts *o,
			  struct load_done *done)
{
	struct export_set exports = { .nl = nl };
	struct nooks_rewrite_result res = { 0 };
	struct rewrite_ctx rc = { .exports = &exports };
	struct nooks_rewrite_opts opts = {
		.proto = rw_proto,
		.crc = rw_crc,
		.ctx = &rc,
	};
	struct ko_file ko = { 0 };
	char err[256];
	int ret = -1, e;

	e = nl_dump(nl, nl_msg(nl, NOOKS_CMD_EXPORTS_GET), export_cb,
		    &exports);
	if (e) {
		p_err("cannot ask nooks.ko for its gates: %s",
		      nl_strerror(nl, e));
		goto out_exports;
	}
	if (find_module(o->arg, true, &ko))
		goto out_exports;
	if (check_vermagic(&ko))
		goto out_ko;
	/*
	 * The domain keeps ko.path for restarts: the mutant's copy, or
	 * with --transient the module as shipped.
	 */
	if (o->swifi && (swifi_ko(&ko, o->swifi, done->sites,
				  &done->n_sites) ||
			 (!o->transient && swifi_keep(&ko))))
		goto out_ko;

	rc.btf = open_btf(&ko, false);
	e = nooks_rewrite(ko.data, ko.size, &opts, &res, err, sizeof(err));
	if (e) {
		p_err("cannot rewrite %s: %s", ko.path, err);
		goto out_btf;
	}
	mark_custom_conventions(&res);
	snprintf(err, sizeof(err), " (see nooksctl check %s)", o->arg);
	if (refuse_unsupported(&res, err))
		goto out_res;
	if (o->domain && strcmp(res.modname, o->domain)) {
		p_err("%s holds module %s, not %s: domain '%s' waits for its own module",
		      ko.path, res.modname, o->domain, o->domain);
		goto out_res;
	}
	if (module_loaded(res.modname)) {
		if (o->create)
			p_err("module %s is already loaded (rmmod it first, or nooksctl unload %s)",
			      res.modname, res.modname);
		else
			p_err("module %s is loaded, not by nooksctl: not loaded again",
			      res.modname);
		goto out_res;
	}

	if (o->create) {
		e = domain_new(nl, res.modname, o->restart, ko.path,
			       o->params);
		if (e == -EEXIST) {
			p_err("domain '%s' already exists (nooksctl domain destroy %s, or unload its module)",
			      res.modname, res.modname);
			goto out_res;
		} else if (e) {
			p_err("cannot create domain '%s': %s", res.modname,
			      nl_strerror(nl, e));
			goto out_res;
		}
	}
	e = load_image(&res, o->params);
	if (e) {
		finit_error(res.modname, e);
		if (o->create)
			domain_request(nl, NOOKS_CMD_DOMAIN_DEL, res.modname,
				       false);
		goto out_res;
	}
	snprintf(done->name, sizeof(done->name), "%s", res.modname);
	done->entry_gates = res.n_entry_gates;
	done->exit_gates = res.n_exit_gates;
	done->path = ko.path;
	ko.path = NULL;
	ret = 0;
out_res:
	nooks_rewrite_result_free(&res);
out_btf:
	nooks_btf_close(rc.btf);
out_ko:
	ko_file_free(&ko);
out_exports:
	export_set_free(&exports);
	return ret;
}

static int parse_restart(const char *value, uint32_t *restart)
{
	if (!strcmp(value, "always")) {
		*restart = NOOKS_RESTART_ALWAYS;
		return 0;
	}
	if (!strcmp(value, "never")) {
		*restart = NOOKS_RESTART_NEVER;
		return 0;
	}
	if (!strcmp(value, "shadow")) {
		*restart = NOOKS_RESTART_SHADOW;
		return 0;
	}
	p_err("invalid --restart value '%.32s' (use shadow, always or never)",
	      value);
	return -1;
}

int do_load(int argc, char **argv)
{
	struct load_opts o = {
		.create = true,
		.restart = NOOKS_RESTART_SHADOW,
	};
	struct load_done done = { 0 };
	const char *restart = NULL, *swifi = NULL;
	bool transient = false;
	char *params = NULL;
	struct nl_ctx nl;
	int i, n = 0, r, ret = -1;

	/* Options until a second "--" (option parsing took the first). */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--transient")) {
			transient = true;
			continue;
		}
		r = opt_value(argc, argv, &i, "--restart", &restart,
			      LOAD_USAGE);
		if (!r)
			r = opt_value(argc, argv, &i, "--swifi", &swifi,
				      LOAD_USAGE);
		if (r < 0)
			return -1;
		if (!r)
			argv[n++] = argv[i];
	}
	if (n < 1) {
		p_err("missing MODULE (usage: %s)", LOAD_USAGE);
		return -1;
	}
	o.arg = argv[0];
	argc = n - 1;
	argv++;
	if (argc && !strcmp(argv[0], "--")) {
		argc--;
		argv++;
	}
	if (restart && parse_restart(restart, &o.restart))
		return -1;
	if (transient && !swifi) {
		p_err("--transient is about the faults of --swifi: give --swifi=TYPE:SEED[:N] too");
		return -1;
	}
	params = join_params(argc, argv);
	if (!params) {
		p_err("out of memory");
		return -1;
	}
	if (strlen(params) >= NOOKS_PARAMS_MAX) {
		p_err("module parameters are %zu bytes, nooks.ko keeps at most %d for restarts",
		      strlen(params), NOOKS_PARAMS_MAX - 1);
		goto out_free;
	}
	o.params = params;
	o.swifi = swifi;
	o.transient = transient;

	if (nl_open(&nl))
		goto out_free;
	ret = load_rewritten(&nl, &o, &done);
	nl_close(&nl);
	if (!ret && !json_output && done.n_sites) {
		if (transient)
			printf("swifi: %u faults loaded; restarts load %s\n",
			       done.n_sites, done.path);
		else
			printf("swifi: %u faults written into %s\n",
			       done.n_sites, done.path);
		swifi_print(done.sites, done.n_sites);
	}
	if (!ret && json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "domain", done.name);
		jsonw_string_field(json_wtr, "path", done.path);
		jsonw_uint_field(json_wtr, "entry_gates", done.entry_gates);
		jsonw_uint_field(json_wtr, "exit_gates", done.exit_gates);
		jsonw_string_field(json_wtr, "restart",
				   o.restart == NOOKS_RESTART_NEVER ? "never" :
				   o.restart == NOOKS_RESTART_ALWAYS ? "always" :
								       "shadow");
		jsonw_bool_field(json_wtr, "loaded", true);
		if (swifi)
			jsonw_bool_field(json_wtr, "transient", transient);
		if (done.n_sites)
			swifi_print(done.sites, done.n_sites);
		jsonw_end_object(json_wtr);
	}
	free(done.path);
out_free:
	free(params);
	return ret;
}

/* Help is text even with -j: it is for people, not for scripts. */
int do_load_help(int argc, char **argv)
{
	if (no_more_args(argc, argv, "nooksctl load help"))
		return -1;

	printf("Usage: %s [OPTIONS] load MODULE|PATH [--restart=POLICY]\n"
	       "                 [--swifi=TYPE:SEED[:N] [--transient]] [-- PARAMS]\n"
	       "\n"
	       "Load a driver module, rewritten, into a new domain named after it;\n"
	       "the modules it depends on load first, natively. MODULE is looked up\n"
	       "in /lib/modules; PATH (with a '/' or ending in .ko) is a module file.\n"
	       "PARAMS (name=value) go to the module's init; nooks.ko keeps them,\n"
	       "with the module's path, to load it again after a fault.\n"
	       "\n"
	       "POLICY says what recovery does after a fault of the driver:\n"
	       "  shadow            (the default) as always, and a shadow driver keeps\n"
	       "                    the driver's network devices (the same interface,\n"
	       "                    index and addresses, its packets held, its\n"
	       "                    configuration replayed to the restarted driver)\n"
	       "                    and blk-mq disks (the same disk, open, its requests\n"
	       "                    in flight requeued to the restarted driver);\n"
	       "                    a driver of no class with a shadow just restarts\n"
	       "  always            unload it, release what it held, load it again:\n"
	       "                    new devices (a driver that keeps faulting is\n"
	       "                    stopped after restart_limit restarts in 60 s)\n"
	       "  never             unload it, release what it held, and stop\n"
	       "\n"
	       "--swifi writes N faults (default 1) of TYPE into the module's code\n"
	       "first, chosen by SEED (see 'nooksctl help swifi'); the mutant is kept\n"
	       "as $TMPDIR/nooks-swifi-NAME.ko (else /tmp), which restarts load\n"
	       "again, and each fault is printed (with -j, under the key swifi).\n"
	       "--transient makes the faults transient, like a bit flip or a lost\n"
	       "race: they are in the image loaded now, and restarts load the module\n"
	       "as shipped.\n"
	       "\n"
	       "load needs root (CAP_NET_ADMIN and CAP_SYS_MODULE) and the nooks\n"
	       "module; with -j it prints what it loaded.\n",
	       bin_name);
	return 0;
}

/* === unload === */

int do_unload(int argc, char **argv)
{
	struct nl_ctx nl;
	const char *name;
	int e;

	if (argc < 1) {
		p_err("missing DOMAIN (usage: nooksctl unload DOMAIN)");
		return -1;
	}
	name = argv[0];
	if (no_more_args(argc - 1, argv + 1, "nooksctl unload DOMAIN"))
		return -1;
	if (strlen(name) >= NOOKS_NAME_MAX || strchr(name, '/')) {
		p_err("invalid domain name '%s'", name);
		return -1;
	}
	if (nl_open(&nl))
		return -1;
	e = domain_request(&nl, NOOKS_CMD_DOMAIN_GET, name, false);
	if (e) {
		if (e == -ENOENT)
			p_err("no domain '%s' (see 'nooksctl list')", name);
		else
			p_err("cannot find domain '%s': %s", name,
			      nl_strerror(&nl, e));
		goto err;
	}
	/* The domain is named after its module; its exit runs in the gate. */
	if (module_loaded(name) &&
	    syscall(SYS_delete_module, name, O_NONBLOCK)) {
		if (errno == EWOULDBLOCK || errno == EBUSY)
			p_err("module %s is in use (see lsmod); stop its users first",
			      name);
		else if (errno == EPERM)
			p_err("not permitted: unloading modules needs CAP_SYS_MODULE (run as root)");
		else
			p_err("cannot unload module %s: %s", name,
			      strerror(errno));
		goto err;
	}
	e = domain_request(&nl, NOOKS_CMD_DOMAIN_DEL, name, false);
	if (e) {
		p_err("module %s unloaded, but domain '%s' stays: %s", name,
		      name, nl_strerror(&nl, e));
		goto err;
	}
	nl_close(&nl);
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "domain", name);
		jsonw_bool_field(json_wtr, "unloaded", true);
		jsonw_end_object(json_wtr);
	}
	return 0;
err:
	nl_close(&nl);
	return -1;
}

/* === recover === */

#define RECOVER_USAGE	"nooksctl recover DOMAIN"
/* How long recover waits for the users of a failed module to let go. */
#define UNLOAD_WAIT_MS	10000
#define UNLOAD_RETRY_MS	100

/*
 * A usermode helper starts without stdin, stdout and stderr: give them
 * /dev/null, so that no file recover opens takes their place (and gets
 * what is printed).
 */
static void std_fds_open(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR | O_NOCTTY);
	} while (fd >= 0 && fd <= 2);
	if (fd > 2)
		close(fd);
}

static long long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Unload name, waiting for whoever still holds a reference to let go. */
static int unload_module_wait(const char *name)
{
	const struct timespec pause = {
		.tv_nsec = UNLOAD_RETRY_MS * 1000000L,
	};
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno == ENOENT)	/* gone meanwhile */
			return 0;
		if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EBUSY)
			break;
		if (elapsed_ms(&start) >= UNLOAD_WAIT_MS) {
			p_err("module %s is still in use after %d s (see lsmod): stop its users, then nooksctl recover again",
			      name, UNLOAD_WAIT_MS / 1000);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	if (errno == EPERM)
		p_err("not permitted: unloading modules needs CAP_SYS_MODULE (run as root)");
	else
		p_err("cannot unload module %s: %s", name, strerror(errno));
	return -1;
}

int do_recover(int argc, char **argv)
{
	char prefix[NOOKS_NAME_MAX + 32];
	struct load_done done = { 0 };
	struct load_opts o = { 0 };
	bool unloaded = false;
	struct domain_info d;
	const char *name;
	struct nl_ctx nl;
	int ret = -1, e;

	if (argc < 1) {
		p_err("missing DOMAIN (usage: %s)", RECOVER_USAGE);
		return -1;
	}
	if (no_more_args(argc - 1, argv + 1, RECOVER_USAGE))
		return -1;
	name = argv[0];
	if (check_domain_name(name))
		return -1;

	/* Nobody may watch: the kernel's log gets the error too. */
	std_fds_open();
	snprintf(prefix, sizeof(prefix), "nooksctl recover %s", name);
	p_err_kmsg(prefix);

	if (nl_open(&nl))
		goto out_kmsg;
	e = domain_get(&nl, name, &d);
	if (e) {
		if (!nl.bad_reply[0] && e == -ENOENT)
			p_err("no domain '%s' (see 'nooksctl list')", name);
		else if (!nl.bad_reply[0] && (e == -EPERM || e == -EACCES))
			p_err("not permitted: nooks needs CAP_NET_ADMIN (run as root)");
		else
			p_err("cannot find domain '%s': %s", name,
			      nl_strerror(&nl, e));
		goto out;
	}
	if (d.state == NOOKS_STATE_LIVE) {
		p_err("domain '%s' is live: recover is for a failed driver (nooksctl unload stops a live one)",
		      name);
		goto out;
	}
	if (d.module && d.module[0] && module_loaded(d.module)) {
		if (unload_module_wait(d.module))
			goto out;
		unloaded = true;
	}
	/* Without the flag, no restart is due: recovery stops the driver. */
	if (d.load) {
		if (!d.path || !d.path[0]) {
			p_err("domain was not loaded by nooksctl load: nothing to restart");
			goto out;
		}
		o.arg = d.path;
		o.params = d.params ? d.params : "";
		o.domain = name;
		if (load_rewritten(&nl, &o, &done))
			goto out;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "domain", name);
		jsonw_bool_field(json_wtr, "unloaded", unloaded);
		jsonw_bool_field(json_wtr, "loaded", d.load);
		jsonw_end_object(json_wtr);
	}
	ret = 0;
out:
	domain_info_free(&d);
	free(done.path);
	nl_close(&nl);
out_kmsg:
	p_err_kmsg(NULL);
	return ret;
}

/* Help is text even with -j: it is for people, not for scripts. */
int do_recover_help(int argc, char **argv)
{
	if (no_more_args(argc, argv, "nooksctl recover help"))
		return -1;

	printf("Usage: %s [OPTIONS] recover DOMAIN\n"
	       "\n"
	       "The recovery agent. nooks.ko runs it, with no terminal, after it\n"
	       "released what the failed driver of DOMAIN held: recover unloads the\n"
	       "driver's module (waiting up to %d s for its users to let go) and,\n"
	       "when a restart is due, loads the module again from the path and with\n"
	       "the parameters load was given, rewritten, into the waiting domain.\n"
	       "Its errors also go to the kernel log (see dmesg).\n"
	       "nooks.ko runs the program its agent parameter names (by default\n"
	       "/usr/local/sbin/nooksctl). recover needs root (CAP_NET_ADMIN and\n"
	       "CAP_SYS_MODULE) and the nooks module.\n",
	       bin_name, UNLOAD_WAIT_MS / 1000);
	return 0;
}

/* === check === */

static const char *check_how(const struct nooks_import_report *imp)
{
	if (imp->unsupported)
		return "unsupported";
	switch (imp->how) {
	case NOOKS_IMPORT_TYPED:
		return "typed";
	case NOOKS_IMPORT_GATE:
		return "generic";
	case NOOKS_IMPORT_IN_DOMAIN:
	case NOOKS_IMPORT_NOOKS:
		return "in-domain";
	default:
		return "data";
	}
}

int do_check(int argc, char **argv)
{
	struct nooks_rewrite_result res = { 0 };
	struct rewrite_ctx rc = { 0 };
	struct nooks_rewrite_opts opts = {
		.proto = rw_proto,
		.ctx = &rc,
		.analyse_only = true,
	};
	struct ko_file ko = { 0 };
	char err[256];
	size_t i;
	int ret = -1;

	if (argc < 1) {
		p_err("missing MODULE (usage: nooksctl check MODULE|PATH)");
		return -1;
	}
	if (no_more_args(argc - 1, argv + 1, "nooksctl check MODULE|PATH"))
		return -1;
	if (find_module(argv[0], false, &ko))
		return -1;
	rc.btf = open_btf(&ko, true);
	if (nooks_rewrite(ko.data, ko.size, &opts, &res, err, sizeof(err))) {
		p_err("cannot analyse %s: %s", ko.path, err);
		goto out;
	}
	mark_custom_conventions(&res);

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "module", res.modname);
		jsonw_string_field(json_wtr, "path", ko.path);
		jsonw_bool_field(json_wtr, "btf", !!rc.btf);
		jsonw_uint_field(json_wtr, "entry_gates", res.n_entry_gates);
		jsonw_uint_field(json_wtr, "exit_gates", res.n_exit_gates);
		jsonw_name(json_wtr, "imports");
		jsonw_start_array(json_wtr);
		for (i = 0; i < res.n_imports; i++) {
			const struct nooks_import_report *imp = &res.imports[i];

			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", imp->name);
			jsonw_string_field(json_wtr, "how", check_how(imp));
			jsonw_uint_field(json_wtr, "calls", imp->calls);
			jsonw_uint_field(json_wtr, "address_refs",
					 imp->address_refs);
			if (imp->unsupported && imp->why)
				jsonw_string_field(json_wtr, "why", imp->why);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
	} else {
		printf("module %s (%s)\n", res.modname, ko.path);
		printf("entry gates %u, exit gates %u, BTF %s\n",
		       res.n_entry_gates, res.n_exit_gates,
		       rc.btf ? "yes" : "no (set NOOKS_VMLINUX_BTF)");
		for (i = 0; i < res.n_imports; i++) {
			const struct nooks_import_report *imp = &res.imports[i];

			printf("  %-32s %-11s", imp->name, check_how(imp));
			if (imp->unsupported && imp->why)
				printf(" %s", imp->why);
			printf("\n");
		}
	}
	if (refuse_unsupported(&res, ""))
		goto out;
	ret = 0;
out:
	nooks_rewrite_result_free(&res);
	nooks_btf_close(rc.btf);
	ko_file_free(&ko);
	return ret;
}

/* === swifi === */

#define SWIFI_USAGE	"nooksctl swifi MODULE|PATH TYPE:SEED[:N] -o FILE"

int do_swifi(int argc, char **argv)
{
	struct swifi_site sites[SWIFI_MAX_FAULTS];
	struct ko_file ko = { 0 };
	const char *out = NULL;
	unsigned int n_sites;
	int i, n = 0, r, ret = -1;

	for (i = 0; i < argc; i++) {
		r = opt_value(argc, argv, &i, "-o", &out, SWIFI_USAGE);
		if (!r)
			r = opt_value(argc, argv, &i, "--output", &out,
				      SWIFI_USAGE);
		if (r < 0)
			return -1;
		if (!r)
			argv[n++] = argv[i];
	}
	if (n != 2 || !out) {
		p_err("%s (usage: %s)", n < 2 ? "missing MODULE or TYPE:SEED" :
		      n > 2 ? "too many arguments" : "missing -o FILE",
		      SWIFI_USAGE);
		return -1;
	}
	if (find_module(argv[0], false, &ko))
		return -1;
	if (swifi_ko(&ko, argv[1], sites, &n_sites) ||
	    write_file(out, ko.data, ko.size))
		goto out;
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "module", ko.path);
		jsonw_string_field(json_wtr, "output", out);
		swifi_print(sites, n_sites);
		jsonw_end_object(json_wtr);
	} else {
		printf("swifi: %u faults written into %s from %s\n", n_sites,
		       out, ko.path);
		swifi_print(sites, n_sites);
	}
	ret = 0;
out:
	ko_file_free(&ko);
	return ret;
}

/* Help is text even with -j: it is for people, not for scripts. */
int do_swifi_help(int argc, char **argv)
{
	int t;

	if (no_more_args(argc, argv, "nooksctl swifi help"))
		return -1;
	printf("Usage: %s [OPTIONS] swifi MODULE|PATH TYPE:SEED[:N] -o FILE\n"
	       "\n"
	       "Write N faults (default 1, at most %d) of TYPE into a copy of a driver\n"
	       "module's code, for a fault injection campaign: the same module and\n"
	       "TYPE:SEED:N always give the same mutant. 'nooksctl load --swifi' loads\n"
	       "one isolated; this writes it to FILE, to load natively. Each fault\n"
	       "is printed: its type, function+offset, and the bytes before and after.\n"
	       "Instructions a relocation patches are never touched.\n"
	       "\n"
	       "TYPEs (after Rio and Nooks):\n"
	       "  operand           a two-operand instruction's register operand\n"
	       "                    becomes another register\n"
	       "  pointer           the high bit of a memory operand's displacement\n"
	       "                    is flipped (its base not the stack)\n"
	       "  branch-invert     a conditional jump's condition is inverted\n"
	       "  branch-delete     a jump is replaced by NOPs\n"
	       "  insn-delete       an instruction that is not control flow is\n"
	       "                    replaced by NOPs\n"
	       "  init-skip         a store to a local (rsp- or rbp-based) is\n"
	       "                    replaced by NOPs\n"
	       "  off-by-one        a conditional jump's < becomes <=, > becomes >=\n"
	       "                    (and back)\n"
	       "  stack-offset      a store to a local goes 8 bytes off\n"
	       "  random            each fault of any of the above\n"
	       "\n"
	       "Types:", bin_name, SWIFI_MAX_FAULTS);
	for (t = 0; t <= SWIFI_RANDOM; t++)
		printf("%s %s", t ? "," : "", swifi_type_names[t]);
	printf("\n");
	return 0;
}
