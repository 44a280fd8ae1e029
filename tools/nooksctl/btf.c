// SPDX-License-Identifier: GPL-2.0
/*
 * Function prototypes from BTF: the stack argument slots and return class
 * of a kernel or driver function, for the gates of "nooksctl load".
 *
 * Each BTF (vmlinux, then every module added) gets an index of its own
 * FUNC types sorted by name, so a lookup is a binary search rather than a
 * walk over the ~100000 types of vmlinux.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/elf.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>

#include "nooks_module.h"
#include "btf.h"

#if LIBBPF_MAJOR_VERSION < 1
#error "libbpf 1.0 or later is needed (NULL and errno on errors)"
#endif

/* The kernel's spelling, which userspace headers lack. */
#ifndef __printf
#define NOOKS_BTF_FORMAT(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((NOOKS_BTF_FORMAT(a, b)))
#endif

#ifndef SHN_XINDEX
#define SHN_XINDEX		0xffff
#endif

#define VMLINUX_BTF_DEFAULT	"/sys/kernel/btf/vmlinux"
#define VMLINUX_BTF_ENV		"NOOKS_VMLINUX_BTF"

/* x86-64 SysV: argument registers of each class */
#define INT_ARG_REGS		6
#define SSE_ARG_REGS		8

/* Deepest chain of typedefs and qualifiers followed. */
#define MAX_TYPE_DEPTH		32

struct func_ent {
	const char *name;
	__u32 id;
};

/* One BTF and the index of the FUNCs it adds. */
struct btf_set {
	struct btf *btf;
	struct func_ent *funcs;
	size_t n_funcs;
};

struct nooks_btf {
	struct btf_set vmlinux;
	struct btf_set *mods;
	size_t n_mods;
};

/*
 * libbpf reports its reasons through its print callback. While we call
 * it, keep its last warning (or, failing one, its first debug message)
 * for our error message instead of letting it reach stderr.
 */
static char libbpf_msg[256];
static libbpf_print_fn_t saved_print;

static int capture_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	size_t n;

	if (level == LIBBPF_DEBUG && libbpf_msg[0])
		return 0;
	vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
	n = strlen(libbpf_msg);
	while (n && (libbpf_msg[n - 1] == '\n' || libbpf_msg[n - 1] == ' '))
		libbpf_msg[--n] = '\0';
	return 0;
}

static void capture_begin(void)
{
	libbpf_msg[0] = '\0';
	saved_print = libbpf_set_print(capture_print);
}

static void capture_end(void)
{
	libbpf_set_print(saved_print);
}

/* libbpf's last message without its prefix, or "" */
static const char *libbpf_reason(void)
{
	const char *m = libbpf_msg;

	if (!strncmp(m, "libbpf: ", 8))
		m += 8;
	return m;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__printf(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *nl;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* one line */
	while ((nl = strchr(err, '\n')))
		*nl = ' ';
}

static int cmp_func_ent(const void *a, const void *b)
{
	const struct func_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Index the FUNCs with type ids from @first on. */
static int index_funcs(struct btf_set *s, __u32 first)
{
	__u32 cnt = btf__type_cnt(s->btf), id;
	size_t n = 0;

	for (id = first; id < cnt; id++)
		if (btf_is_func(btf__type_by_id(s->btf, id)))
			n++;
	s->funcs = calloc(n ? n : 1, sizeof(*s->funcs));
	if (!s->funcs)
		return -ENOMEM;
	for (id = first; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(s->btf, id);
		const char *name;

		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(s->btf, t->name_off);
		if (!name || !*name)
			continue;
		s->funcs[s->n_funcs].name = name;
		s->funcs[s->n_funcs].id = id;
		s->n_funcs++;
	}
	qsort(s->funcs, s->n_funcs, sizeof(*s->funcs), cmp_func_ent);
	return 0;
}

static void free_set(struct btf_set *s)
{
	free(s->funcs);
	btf__free(s->btf);
}

struct nooks_btf *nooks_btf_open(const char *vmlinux_path, char *err,
				 size_t errlen)
{
	const char *path = vmlinux_path;
	struct nooks_btf *b;
	char why[128];
	int e;

	if (!path) {
		path = getenv(VMLINUX_BTF_ENV);
		if (!path || !*path)
			path = VMLINUX_BTF_DEFAULT;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	capture_begin();
	b->vmlinux.btf = btf__parse(path, NULL);
	e = errno;
	capture_end();
	if (!b->vmlinux.btf) {
		libbpf_strerror(e, why, sizeof(why));
		set_err(err, errlen, "cannot read vmlinux BTF %s: %s%s%s", path,
			why, libbpf_msg[0] ? ": " : "", libbpf_reason());
		free(b);
		return NULL;
	}
	if (index_funcs(&b->vmlinux, 1)) {
		set_err(err, errlen, "out of memory");
		nooks_btf_close(b);
		return NULL;
	}
	return b;
}

void nooks_btf_close(struct nooks_btf *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n_mods; i++)
		free_set(&b->mods[i]);
	free(b->mods);
	free_set(&b->vmlinux);
	free(b);
}

/* Section header @i; the image need not be aligned. */
static struct elf64_shdr shdr(const unsigned char *image,
			      const struct elf64_hdr *eh, size_t i)
{
	struct elf64_shdr sh;

	memcpy(&sh, image + eh->e_shoff + i * sizeof(sh), sizeof(sh));
	return sh;
}

/* Does [off, off + size) lie within an image of @len bytes? */
static bool in_image(__u64 off, __u64 size, size_t len)
{
	return off <= len && size <= len - off;
}

/*
 * Find the ".BTF" section of a 64-bit little-endian ELF image: 0 with
 * *@data and *@size set, -ENOENT when there is none, -ENOEXEC when the
 * image is not such an ELF file or its section headers are out of bounds.
 */
static int find_btf_section(const unsigned char *image, size_t len,
			    const void **data, size_t *size, const char **why)
{
	struct elf64_hdr eh;
	struct elf64_shdr sh, strsh;
	size_t shnum, shstrndx, i;
	const char *strtab;

	*why = "not a 64-bit little-endian ELF file";
	if (len < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, image, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	*why = "no .BTF section";
	if (!eh.e_shoff)
		return -ENOENT;
	*why = "bad ELF section headers";
	if (eh.e_shentsize != sizeof(sh) || !in_image(eh.e_shoff, sizeof(sh), len))
		return -ENOEXEC;
	sh = shdr(image, &eh, 0);
	shnum = eh.e_shnum ? eh.e_shnum : sh.sh_size;
	shstrndx = eh.e_shstrndx == SHN_XINDEX ? sh.sh_link : eh.e_shstrndx;
	if (shnum > (len - eh.e_shoff) / sizeof(sh) || shstrndx >= shnum)
		return -ENOEXEC;
	strsh = shdr(image, &eh, shstrndx);
	if (strsh.sh_type == SHT_NOBITS ||
	    !in_image(strsh.sh_offset, strsh.sh_size, len))
		return -ENOEXEC;
	strtab = (const char *)image + strsh.sh_offset;

	for (i = 1; i < shnum; i++) {
		const char *name;

		sh = shdr(image, &eh, i);
		if (sh.sh_name >= strsh.sh_size)
			return -ENOEXEC;
		name = strtab + sh.sh_name;
		if (strnlen(name, strsh.sh_size - sh.sh_name) ==
		    strsh.sh_size - sh.sh_name)
			return -ENOEXEC;
		if (strcmp(name, ".BTF"))
			continue;
		*why = "bad .BTF section";
		if (sh.sh_type == SHT_NOBITS ||
		    !in_image(sh.sh_offset, sh.sh_size, len) ||
		    sh.sh_size > UINT32_MAX)
			return -ENOEXEC;
		*data = image + sh.sh_offset;
		*size = sh.sh_size;
		return 0;
	}
	*why = "no .BTF section";
	return -ENOENT;
}

/*
 * Split BTF from bytes in memory. libbpf exports btf__new_split() only
 * from 1.4 on (before, libbpf.map lists it after "local: *"), so older
 * ones parse it from a memfd. NULL with errno set on failure.
 */
#if LIBBPF_MAJOR_VERSION > 1 || LIBBPF_MINOR_VERSION >= 4
static struct btf *new_split(const void *data, size_t size, struct btf *base)
{
	return btf__new_split(data, size, base);
}
#else
static struct btf *new_split(const void *data, size_t size, struct btf *base)
{
	const char *p = data;
	char path[64];
	struct btf *btf = NULL;
	ssize_t n;
	int fd, e;

	fd = memfd_create("nooks-btf", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	while (size) {
		n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			goto out;
		}
		p += n;
		size -= n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	btf = btf__parse_raw_split(path, base);
	e = errno;
out:
	close(fd);
	if (!btf)
		errno = e;
	return btf;
}
#endif

int nooks_btf_add_module(struct nooks_btf *b, const void *image, size_t len,
			 char *err, size_t errlen)
{
	struct btf_set s = { 0 }, *mods;
	const char *why;
	const void *data;
	size_t size;
	int e;

	e = find_btf_section(image, len, &data, &size, &why);
	if (e) {
		set_err(err, errlen, "module: %s", why);
		return e;
	}
	capture_begin();
	s.btf = new_split(data, size, b->vmlinux.btf);
	e = -errno;
	capture_end();
	/* -ENOENT means "no .BTF" to callers; not an unreadable memfd */
	if (e == -ENOENT)
		e = -EIO;
	if (!s.btf) {
		char msg[128];

		libbpf_strerror(e, msg, sizeof(msg));
		set_err(err, errlen, "module: bad .BTF: %s%s%s", msg,
			libbpf_msg[0] ? ": " : "", libbpf_reason());
		return e;
	}
	if (index_funcs(&s, btf__type_cnt(b->vmlinux.btf)))
		goto nomem;
	mods = realloc(b->mods, (b->n_mods + 1) * sizeof(*b->mods));
	if (!mods)
		goto nomem;
	b->mods = mods;
	b->mods[b->n_mods++] = s;
	return 0;
nomem:
	free_set(&s);
	set_err(err, errlen, "out of memory");
	return -ENOMEM;
}

/*
 * Skip typedefs and qualifiers: 1 with *@tp set to the type under them,
 * 0 when that is void, -1 for a bad id or too deep a chain.
 */
static int skip_mods(const struct btf *btf, __u32 id,
		     const struct btf_type **tp)
{
	const struct btf_type *t;
	int depth;

	for (depth = 0; depth < MAX_TYPE_DEPTH; depth++) {
		if (!id)
			return 0;
		t = btf__type_by_id(btf, id);
		if (!t)
			return -1;
		if (!btf_is_mod(t) && !btf_is_typedef(t)) {
			*tp = t;
			return 1;
		}
		id = t->type;
	}
	return -1;
}

/* Is @id (through qualifiers) the typedef @name? */
static bool is_typedef(const struct btf *btf, __u32 id, const char *name)
{
	const struct btf_type *t;
	int depth;

	for (depth = 0; depth < MAX_TYPE_DEPTH && id; depth++) {
		t = btf__type_by_id(btf, id);
		if (!t)
			return false;
		if (btf_is_typedef(t) &&
		    !strcmp(btf__name_by_offset(btf, t->name_off), name))
			return true;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			return false;
		id = t->type;
	}
	return false;
}

/*
 * What a gate returns when the domain failed: -EIO for an int, NULL,
 * false; 0 for an enum (its first value is "nothing done": IRQ_NONE,
 * HRTIMER_NORESTART, BLK_EH_DONE); BLK_STS_IOERR for a blk_status_t,
 * a u8 that -EIO would turn into garbage.
 */
static unsigned int ret_class(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;
	int r = skip_mods(btf, id, &t);

	if (r > 0 && is_typedef(btf, id, "blk_status_t"))
		return NOOKS_RET_BLK_STATUS;

	if (r <= 0)
		return r ? NOOKS_RET_UNKNOWN : NOOKS_RET_VOID;
	if (btf_is_ptr(t))
		return NOOKS_RET_PTR;
	if (btf_is_int(t))
		return btf_int_encoding(t) & BTF_INT_BOOL ? NOOKS_RET_BOOL :
							    NOOKS_RET_INT;
	if (btf_is_any_enum(t))
		return NOOKS_RET_ZERO;
	return NOOKS_RET_UNKNOWN;
}

/* The calling convention's state while the arguments are placed. */
struct arg_state {
	unsigned int int_regs;	/* integer registers used */
	unsigned int sse_regs;	/* SSE registers used */
	unsigned int slots;	/* 8-byte stack slots used */
};

/*
 * Alignment of type @id as GCC lays it out on x86-64: 16 for __int128,
 * unlike btf__align_of(), which caps scalars at 8. 0 if unknown. Sets
 * *@unaligned when a member is off its alignment (a packed struct, which
 * the ABI passes in memory).
 */
static unsigned int abi_align(const struct btf *btf, __u32 id, int depth,
			      bool *unaligned)
{
	const struct btf_member *m;
	const struct btf_type *t;
	unsigned int a, max = 1;
	__u16 i;

	if (depth > MAX_TYPE_DEPTH || skip_mods(btf, id, &t) <= 0)
		return 0;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		return t->size >= 16 ? 16 : t->size ? t->size : 1;
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_ARRAY:
		return abi_align(btf, btf_array(t)->type, depth + 1, unaligned);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		m = btf_members(t);
		for (i = 0; i < btf_vlen(t); i++, m++) {
			a = abi_align(btf, m->type, depth + 1, unaligned);
			if (!a)
				return 0;
			if (!btf_member_bitfield_size(t, i) &&
			    btf_member_bit_offset(t, i) % (a * 8)) {
				*unaligned = true;
				return 1;
			}
			if (a > max)
				max = a;
		}
		return t->size % max ? 1 : max;
	default:
		return 0;
	}
}

/* Pass an argument in memory: its slots, 16-byte alignment respected. */
static void pass_in_memory(struct arg_state *st, __u64 size,
			   unsigned int align)
{
	if (align > 8 && st->slots % 2)
		st->slots++;
	st->slots += (size + 7) / 8;
}

/* Place one argument; false when its type cannot be classified. */
static bool place_arg(const struct btf *btf, __u32 id, struct arg_state *st)
{
	const struct btf_type *t;
	bool unaligned = false;
	unsigned int align;
	__s64 size;
	__u64 words;

	if (skip_mods(btf, id, &t) <= 0)
		return false;
	if (btf_is_ptr(t) || btf_is_array(t)) {
		/* arrays decay to pointers */
		size = 8;
	} else if (btf_is_int(t) || btf_is_any_enum(t) ||
		   btf_is_composite(t) || btf_is_float(t)) {
		size = btf__resolve_size(btf, id);
		if (size < 0)
			return false;
	} else {
		return false;
	}
	if (btf_is_ptr(t) || btf_is_array(t))
		align = 8;
	else
		align = abi_align(btf, id, 0, &unaligned);
	if (!align)
		return false;
	words = (size + 7) / 8;

	if (btf_is_float(t)) {
		/* not in the kernel; SSE class, long double in memory */
		if (size <= 8 && st->sse_regs < SSE_ARG_REGS)
			st->sse_regs++;
		else
			pass_in_memory(st, size, align);
		return true;
	}
	/* scalars, and aggregates of at most two eightbytes: INTEGER */
	if (size > 16 || unaligned) {
		pass_in_memory(st, size, align);
		return true;
	}
	if (st->int_regs + words <= INT_ARG_REGS)
		st->int_regs += words;
	else
		pass_in_memory(st, size, align);
	return true;
}

/* Classify FUNC @func_id; false when its prototype is unusable. */
static bool classify(const struct btf *btf, __u32 func_id,
		     struct nooks_proto *p)
{
	const struct btf_type *fn = btf__type_by_id(btf, func_id);
	const struct btf_type *proto, *rt;
	struct arg_state st = { 0 };
	const struct btf_param *params;
	unsigned int i, n;

	proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return false;
	p->ret_class = ret_class(btf, proto->type);

	/* A returned aggregate over 16 bytes: its address goes in %rdi. */
	if (skip_mods(btf, proto->type, &rt) > 0 && btf_is_composite(rt) &&
	    btf__resolve_size(btf, proto->type) > 16)
		st.int_regs = 1;

	params = btf_params(proto);
	n = btf_vlen(proto);
	for (i = 0; i < n; i++) {
		if (!params[i].type) {
			if (i != n - 1)
				return false;
			/* "...": the gate copies as much as it can */
			p->stack_slots = NOOKS_MAX_STACK_SLOTS;
			return true;
		}
		if (!place_arg(btf, params[i].type, &st))
			return false;
	}
	p->stack_slots = st.slots;
	return true;
}

/* First index entry named @name, or NULL. */
static const struct func_ent *find_first(const struct btf_set *s,
					 const char *name)
{
	size_t lo = 0, hi = s->n_funcs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->funcs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n_funcs && !strcmp(s->funcs[lo].name, name))
		return &s->funcs[lo];
	return NULL;
}

/* Look @name up in one BTF; false when it has no such FUNC. */
static bool proto_in(const struct btf_set *s, const char *name,
		     struct nooks_proto *p)
{
	const struct func_ent *e = find_first(s, name);
	const struct func_ent *end = s->funcs + s->n_funcs;
	bool any = false;

	if (!e)
		return false;
	p->is_func = true;
	for (; e < end && !strcmp(e->name, name); e++) {
		struct nooks_proto q = { 0 };

		if (!classify(s->btf, e->id, &q))
			continue;
		if (!any) {
			p->stack_slots = q.stack_slots;
			p->ret_class = q.ret_class;
			any = true;
			continue;
		}
		/* static functions of the same name: be conservative */
		if (q.stack_slots > p->stack_slots)
			p->stack_slots = q.stack_slots;
		if (q.ret_class != p->ret_class)
			p->ret_class = NOOKS_RET_UNKNOWN;
	}
	p->found = any;
	return true;
}

bool nooks_btf_proto(struct nooks_btf *b, const char *name, bool driver_fn,
		     struct nooks_proto *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->ret_class = NOOKS_RET_UNKNOWN;
	if (!b || !name)
		return false;
	if (!driver_fn && proto_in(&b->vmlinux, name, p))
		return p->found;
	for (i = 0; i < b->n_mods; i++)
		if (proto_in(&b->mods[i], name, p))
			return p->found;
	if (driver_fn)
		proto_in(&b->vmlinux, name, p);
	return p->found;
}
