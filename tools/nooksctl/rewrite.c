// SPDX-License-Identifier: GPL-2.0
/*
 * The module rewriter: reads a driver .ko, moves the driver's calls to
 * the kernel onto exit stubs and the kernel's ways into the driver onto
 * entry stubs, and adds the manifest nooks.ko reads at load (see
 * include/uapi/nooks_module.h for the format, DESIGN.md section 5
 * "Loading" for why each step is needed).
 *
 * Section and symbol indexes of the input are kept: new sections and
 * symbols only go at the end, so every sh_link, sh_info, st_shndx and
 * r_info of the input stays right without renumbering.
 *
 * Every length and offset of the input is checked before use: the input
 * is untrusted, and a malformed one must give an error line, not a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "in_domain.h"
#include "typed.h"
#include "rewrite.h"

#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))
#define NOOKS_FORMAT(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((NOOKS_FORMAT(a, b)))

/* scripts/sign-file.c and include/linux/module_signature.h */
#define SIG_MAGIC		"~Module signature appended~\n"
#define SIG_MAGIC_LEN		(sizeof(SIG_MAGIC) - 1)
#define SIG_INFO_LEN		12	/* struct module_signature */

/* struct module on 6.1 x86_64: state, list, then name[MODULE_NAME_LEN] */
#define MODULE_NAME_OFF		24
#define MODULE_NAME_LEN		56

/* struct modversion_info: unsigned long crc; char name[56] */
#define MODVERSION_SIZE		64
#define MODVERSION_NAME_LEN	56

/* struct static_call_site: s32 addr; s32 key */
#define SCS_SIZE		8

/* struct orc_entry (asm/orc_types.h), 6 bytes, packed */
#define ORC_SIZE		6
#define ORC_REG_SP		5

/* Stub layout; the byte offsets of the three relocated fields. */
#define STUB_MANIFEST_FIELD	3
#define STUB_DESC_FIELD		10
#define STUB_JMP_FIELD		15
#define STUB_CODE_LEN		19

#define MANIFEST_HDR_SIZE	40	/* sizeof(struct nooks_manifest) */
#define GATE_DESC_SIZE		24	/* sizeof(struct nooks_gate_desc) */
#define IMPORT_SIZE		8	/* sizeof(struct nooks_import) */

#define NO_GATE			(-1)

/* nooks.ko's limit: a manifest larger than this is taken as corrupt. */
#define MANIFEST_MAX_ENTRIES	65536

/* The symbols the stubs jump to, entry then exit. */
static const char * const gate_names[2] = {
	NOOKS_ENTRY_GATE, NOOKS_EXIT_GATE
};

struct sec {
	GElf_Shdr sh;
	const char *name;
	const unsigned char *raw;	/* input bytes; NULL for NOBITS */
	bool keep;		/* relocations here are never changed */
	bool exec;		/* driver code whose calls may be redirected */
	/* SHT_RELA only */
	GElf_Rela *rela;
	size_t n_rela;
	int *act;		/* per relocation: gate index or NO_GATE */
	size_t *by_off;		/* relocation indexes sorted by r_offset */
	/* the section's new contents, if it changes */
	void *out;
	size_t out_size;
	Elf_Type out_type;
};

/* A driver function, by address: aliases share one. */
struct fn {
	size_t shndx;
	GElf_Addr value;
	size_t sym;		/* the name it is known by */
	int gate;
};

struct import {
	const char *name;
	size_t sym;
	unsigned int calls;
	unsigned int address_refs;
	unsigned int redirected;
	unsigned int how;
	bool unsupported;
	const char *why;
	const char *in_domain;
	struct nooks_proto proto;
	int gate;
	__u32 name_off;
};

struct gate {
	bool entry;
	size_t target_sym;	/* F or K: where the descriptor points */
	const char *name;
	char *stub_name;
	struct nooks_proto proto;
	size_t stub_sym;
	__u32 name_off;
};

struct buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

struct rw {
	const struct nooks_rewrite_opts *opts;
	struct nooks_rewrite_result *res;
	char *err;
	size_t errlen;
	bool failed;

	unsigned char *img;	/* our copy, signature cut off */
	size_t len;
	Elf *elf;
	size_t shnum;
	size_t shstrndx;
	struct sec *secs;

	size_t symtab;
	size_t strtab;
	GElf_Sym *syms;
	size_t nsyms;
	const char *strs;
	size_t strs_size;

	struct fn *fns;
	size_t n_fns;
	struct import *imps;
	size_t n_imps;
	size_t *sym_imp;	/* per symbol: import index + 1, or 0 */
	struct gate *gates;
	size_t n_gates;
	unsigned int n_entry;

	size_t sec_scs;		/* .static_call_sites, 0 if none */
	size_t sec_versions;
	size_t sec_modinfo;
	size_t sec_this_module;

	/* new symbols */
	GElf_Sym *new_syms;
	size_t n_new_syms;
	size_t cap_new_syms;
	size_t manifest_sym;
	size_t gate_sym[2];	/* entry, exit: 0 if unused */
	struct buf strtab_add;
	struct buf shstrtab_add;
};

static __printf(3, 4) int fail(struct rw *rw, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *p;

	/* The first error is the precise one: keep it. */
	if (rw->failed)
		return -errnum;
	rw->failed = true;
	if (!rw->err || !rw->errlen)
		return -errnum;
	va_start(ap, fmt);
	vsnprintf(rw->err, rw->errlen, fmt, ap);
	va_end(ap);
	/* Names from the input must not break the one-line promise. */
	for (p = rw->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -errnum;
}

static int nomem(struct rw *rw)
{
	return fail(rw, ENOMEM, "out of memory");
}

static void put16(unsigned char *p, __u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(unsigned char *p, __u32 v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, __u64 v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static int buf_add(struct rw *rw, struct buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *p;

		while (cap - b->len < len)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return nomem(rw);
		b->p = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

/* Append a NUL-terminated string; its offset goes to *off. */
static int buf_str(struct rw *rw, struct buf *b, const char *s, size_t *off)
{
	*off = b->len;
	return buf_add(rw, b, s, strlen(s) + 1);
}

static int buf_zero(struct rw *rw, struct buf *b, size_t len)
{
	static const unsigned char zero[64];
	int ret;

	while (len) {
		size_t n = len < sizeof(zero) ? len : sizeof(zero);

		ret = buf_add(rw, b, zero, n);
		if (ret)
			return ret;
		len -= n;
	}
	return 0;
}

static bool is_pow2(GElf_Xword x)
{
	return !(x & (x - 1));
}

static const char *sym_name(const struct rw *rw, size_t i)
{
	return rw->strs + rw->syms[i].st_name;
}

/* The symbol names a defined, allocated section. */
static bool sym_defined(const struct rw *rw, const GElf_Sym *s)
{
	return s->st_shndx != SHN_UNDEF && s->st_shndx < rw->shnum &&
	       (rw->secs[s->st_shndx].sh.sh_flags & SHF_ALLOC);
}

/*
 * Sections whose relocations stay as they are: the kernel's patching
 * tables (they must keep pointing at the original call sites and
 * targets), unwind data, debug info, and what the loader drops.
 */
static bool keep_relocs(const struct sec *s)
{
	static const char * const names[] = {
		"__mcount_loc", ".orc_unwind_ip", ".orc_unwind",
		".return_sites", ".retpoline_sites", ".call_sites",
		"__jump_table", "__bug_table", "__ex_table",
		".altinstructions", ".altinstr_replacement",
		".parainstructions", ".smp_locks",
		"__patchable_function_entries", ".ibt_endbr_seal",
		".static_call_sites",
	};
	static const char * const prefixes[] = {
		".debug_", ".discard.", ".BTF",
	};
	size_t i;

	if (!(s->sh.sh_flags & SHF_ALLOC))
		return true;
	for (i = 0; i < ARRAY_LEN(names); i++)
		if (!strcmp(s->name, names[i]))
			return true;
	for (i = 0; i < ARRAY_LEN(prefixes); i++)
		if (!strncmp(s->name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int strip_signature(struct rw *rw)
{
	const unsigned char *end = rw->img + rw->len;
	__u32 sig_len;
	size_t cut;

	if (rw->len < SIG_MAGIC_LEN ||
	    memcmp(end - SIG_MAGIC_LEN, SIG_MAGIC, SIG_MAGIC_LEN))
		return 0;
	if (rw->len < SIG_MAGIC_LEN + SIG_INFO_LEN)
		return fail(rw, EBADMSG,
			    "module signature marker without signature information");
	end -= SIG_MAGIC_LEN;
	sig_len = (__u32)end[-4] << 24 | end[-3] << 16 | end[-2] << 8 | end[-1];
	cut = SIG_MAGIC_LEN + SIG_INFO_LEN;
	if (sig_len > rw->len - cut)
		return fail(rw, EBADMSG,
			    "module signature length %u exceeds the file (%zu bytes)",
			    sig_len, rw->len);
	rw->len -= cut + sig_len;
	rw->res->had_signature = true;
	return 0;
}

/* The ELF header and section headers, checked as the kernel checks them. */
static int check_headers(struct rw *rw)
{
	const unsigned char *id = rw->img;
	Elf64_Ehdr raw;
	GElf_Ehdr eh;
	size_t i;

	if (rw->len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG))
		return fail(rw, ENOEXEC, "not an ELF file");
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(rw, ENOEXEC, "not a 64-bit ELF file (class %u)",
			    id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(rw, ENOEXEC, "not a little-endian ELF file");
	if (rw->len < sizeof(Elf64_Ehdr))
		return fail(rw, ENOEXEC, "truncated ELF header (%zu bytes)",
			    rw->len);
	/* Bounds first, so that libelf only ever sees sane headers. */
	memcpy(&raw, rw->img, sizeof(raw));
	if (raw.e_shentsize != sizeof(Elf64_Shdr))
		return fail(rw, ENOEXEC, "section header size %u, not %zu",
			    raw.e_shentsize, sizeof(Elf64_Shdr));
	if (raw.e_shnum == 0 || raw.e_shnum >= SHN_LORESERVE - 4)
		return fail(rw, ENOEXEC, "unsupported number of sections (%u)",
			    raw.e_shnum);
	if (raw.e_shoff >= rw->len ||
	    raw.e_shnum * sizeof(Elf64_Shdr) > rw->len - raw.e_shoff)
		return fail(rw, ENOEXEC,
			    "section headers (%u at %#llx) run past the end of the file (%zu bytes)",
			    raw.e_shnum, (unsigned long long)raw.e_shoff,
			    rw->len);
	rw->elf = elf_memory((char *)rw->img, rw->len);
	if (!rw->elf || elf_kind(rw->elf) != ELF_K_ELF || !gelf_getehdr(rw->elf, &eh))
		return fail(rw, ENOEXEC, "libelf cannot read the file: %s",
			    elf_errmsg(-1));
	if (eh.e_type != ET_REL)
		return fail(rw, ENOEXEC,
			    "not a relocatable object (e_type %u), so not a kernel module",
			    eh.e_type);
	if (eh.e_machine != EM_X86_64)
		return fail(rw, ENOEXEC, "not an x86-64 object (e_machine %u)",
			    eh.e_machine);
	if (eh.e_ehsize != sizeof(Elf64_Ehdr))
		return fail(rw, ENOEXEC, "ELF header size %u, not %zu",
			    eh.e_ehsize, sizeof(Elf64_Ehdr));
	if (eh.e_shstrndx == SHN_UNDEF || eh.e_shstrndx >= eh.e_shnum)
		return fail(rw, ENOEXEC, "bad section name table index %u",
			    eh.e_shstrndx);
	rw->shnum = eh.e_shnum;
	rw->shstrndx = eh.e_shstrndx;
	rw->secs = calloc(rw->shnum, sizeof(*rw->secs));
	if (!rw->secs)
		return nomem(rw);

	for (i = 0; i < rw->shnum; i++) {
		struct sec *s = &rw->secs[i];
		Elf_Scn *scn = elf_getscn(rw->elf, i);

		if (!scn || !gelf_getshdr(scn, &s->sh))
			return fail(rw, ENOEXEC, "cannot read section header %zu: %s",
				    i, elf_errmsg(-1));
		if (s->sh.sh_type != SHT_NOBITS) {
			if (s->sh.sh_offset > rw->len ||
			    s->sh.sh_size > rw->len - s->sh.sh_offset)
				return fail(rw, ENOEXEC,
					    "section %zu (offset %#llx, size %#llx) runs past the end of the file (%zu bytes)",
					    i, (unsigned long long)s->sh.sh_offset,
					    (unsigned long long)s->sh.sh_size, rw->len);
			s->raw = rw->img + s->sh.sh_offset;
		}
		if (!is_pow2(s->sh.sh_addralign))
			return fail(rw, ENOEXEC,
				    "section %zu has alignment %llu, not a power of two",
				    i, (unsigned long long)s->sh.sh_addralign);
		if (s->sh.sh_type == SHT_REL)
			return fail(rw, ENOEXEC,
				    "section %zu is SHT_REL; x86-64 modules use SHT_RELA",
				    i);
		if (s->sh.sh_type == SHT_SYMTAB_SHNDX || s->sh.sh_type == SHT_GROUP)
			return fail(rw, ENOEXEC,
				    "section %zu has unsupported type %u", i,
				    s->sh.sh_type);
	}
	if (rw->secs[0].sh.sh_type != SHT_NULL || rw->secs[0].sh.sh_size)
		return fail(rw, ENOEXEC, "section 0 is not empty");
	return 0;
}

static int check_names(struct rw *rw)
{
	const struct sec *st = &rw->secs[rw->shstrndx];
	size_t i;

	if (st->sh.sh_type != SHT_STRTAB || !st->sh.sh_size ||
	    st->raw[st->sh.sh_size - 1])
		return fail(rw, ENOEXEC,
			    "section name table %zu is not a NUL-terminated string table",
			    rw->shstrndx);
	for (i = 0; i < rw->shnum; i++) {
		struct sec *s = &rw->secs[i];

		if (s->sh.sh_name >= st->sh.sh_size)
			return fail(rw, ENOEXEC,
				    "section %zu has its name outside the name table",
				    i);
		s->name = (const char *)st->raw + s->sh.sh_name;
		if (!strcmp(s->name, NOOKS_MANIFEST_SECTION) ||
		    !strcmp(s->name, NOOKS_STUB_SECTION))
			return fail(rw, EEXIST,
				    "module already rewritten for nooks (has %s)",
				    s->name);
		if (s->sh.sh_flags & SHF_ALLOC) {
			if (!strcmp(s->name, ".static_call_sites"))
				rw->sec_scs = i;
			else if (!strcmp(s->name, "__versions"))
				rw->sec_versions = i;
			else if (!strcmp(s->name, ".modinfo"))
				rw->sec_modinfo = i;
			else if (!strcmp(s->name, ".gnu.linkonce.this_module"))
				rw->sec_this_module = i;
		}
		s->keep = keep_relocs(s);
		s->exec = (s->sh.sh_flags & SHF_EXECINSTR) && !s->keep &&
			  s->sh.sh_type == SHT_PROGBITS;
	}
	if (!rw->sec_this_module)
		return fail(rw, ENOEXEC,
			    "no .gnu.linkonce.this_module section: not a kernel module");
	if (!rw->sec_modinfo)
		return fail(rw, ENOEXEC, "no .modinfo section: not a kernel module");
	return 0;
}

static int load_symbols(struct rw *rw)
{
	const struct sec *s, *st;
	Elf_Data *d;
	size_t i;

	for (i = 1; i < rw->shnum; i++) {
		if (rw->secs[i].sh.sh_type != SHT_SYMTAB)
			continue;
		if (rw->symtab)
			return fail(rw, ENOEXEC, "more than one symbol table");
		rw->symtab = i;
	}
	if (!rw->symtab)
		return fail(rw, ENOEXEC, "no symbol table");
	s = &rw->secs[rw->symtab];
	if (s->sh.sh_entsize != sizeof(Elf64_Sym) ||
	    s->sh.sh_size % sizeof(Elf64_Sym) || !s->sh.sh_size)
		return fail(rw, ENOEXEC, "symbol table has a bad size");
	rw->nsyms = s->sh.sh_size / sizeof(Elf64_Sym);
	if (s->sh.sh_info > rw->nsyms)
		return fail(rw, ENOEXEC, "symbol table sh_info %u is past its end",
			    s->sh.sh_info);
	if (s->sh.sh_link == 0 || s->sh.sh_link >= rw->shnum ||
	    rw->secs[s->sh.sh_link].sh.sh_type != SHT_STRTAB)
		return fail(rw, ENOEXEC, "symbol table has no string table");
	rw->strtab = s->sh.sh_link;
	st = &rw->secs[rw->strtab];
	if (!st->sh.sh_size || st->raw[st->sh.sh_size - 1])
		return fail(rw, ENOEXEC, "symbol string table is not NUL-terminated");
	rw->strs = (const char *)st->raw;
	rw->strs_size = st->sh.sh_size;

	d = elf_getdata(elf_getscn(rw->elf, rw->symtab), NULL);
	if (!d)
		return fail(rw, ENOEXEC, "cannot read the symbol table: %s",
			    elf_errmsg(-1));
	rw->syms = calloc(rw->nsyms, sizeof(*rw->syms));
	if (!rw->syms)
		return nomem(rw);
	for (i = 0; i < rw->nsyms; i++) {
		GElf_Sym *sym = &rw->syms[i];

		if (!gelf_getsym(d, i, sym))
			return fail(rw, ENOEXEC, "cannot read symbol %zu: %s", i,
				    elf_errmsg(-1));
		if (sym->st_name >= rw->strs_size)
			return fail(rw, ENOEXEC,
				    "symbol %zu has its name outside the string table",
				    i);
		if (sym->st_shndx == SHN_XINDEX ||
		    (sym->st_shndx < SHN_LORESERVE && sym->st_shndx >= rw->shnum))
			return fail(rw, ENOEXEC,
				    "symbol %zu (%s) is in section %u, which does not exist",
				    i, sym_name(rw, i), sym->st_shndx);
	}
	return 0;
}

/* Width of the field a relocation type writes, 0 if we do not know it. */
static size_t reloc_width(unsigned int type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_32:
	case R_X86_64_32S:
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		return 4;
	default:
		return 0;
	}
}

static int load_relocs(struct rw *rw)
{
	size_t i, j;

	for (i = 1; i < rw->shnum; i++) {
		struct sec *s = &rw->secs[i];
		const struct sec *t;
		Elf_Data *d;

		if (s->sh.sh_type != SHT_RELA)
			continue;
		if (s->sh.sh_entsize != sizeof(Elf64_Rela) ||
		    s->sh.sh_size % sizeof(Elf64_Rela))
			return fail(rw, ENOEXEC,
				    "relocation section %s has a bad size", s->name);
		if (s->sh.sh_link != rw->symtab)
			return fail(rw, ENOEXEC,
				    "relocation section %s does not use the symbol table",
				    s->name);
		if (!s->sh.sh_info || s->sh.sh_info >= rw->shnum)
			return fail(rw, ENOEXEC,
				    "relocation section %s applies to section %u, which does not exist",
				    s->name, s->sh.sh_info);
		t = &rw->secs[s->sh.sh_info];
		s->n_rela = s->sh.sh_size / sizeof(Elf64_Rela);
		if (!s->n_rela)
			continue;
		d = elf_getdata(elf_getscn(rw->elf, i), NULL);
		if (!d)
			return fail(rw, ENOEXEC, "cannot read %s: %s", s->name,
				    elf_errmsg(-1));
		s->rela = calloc(s->n_rela, sizeof(*s->rela));
		s->act = malloc(s->n_rela * sizeof(*s->act));
		if (!s->rela || !s->act)
			return nomem(rw);
		for (j = 0; j < s->n_rela; j++) {
			GElf_Rela *r = &s->rela[j];
			size_t w;

			s->act[j] = NO_GATE;
			if (!gelf_getrela(d, j, r))
				return fail(rw, ENOEXEC, "cannot read %s: %s",
					    s->name, elf_errmsg(-1));
			if (GELF_R_SYM(r->r_info) >= rw->nsyms)
				return fail(rw, ENOEXEC,
					    "relocation %zu of %s uses symbol %llu, which does not exist",
					    j, s->name,
					    (unsigned long long)GELF_R_SYM(r->r_info));
			w = reloc_width(GELF_R_TYPE(r->r_info));
			if (!(t->sh.sh_flags & SHF_ALLOC) || !w)
				continue;
			if (!t->raw || r->r_offset > t->sh.sh_size ||
			    w > t->sh.sh_size - r->r_offset)
				return fail(rw, ENOEXEC,
					    "relocation %zu of %s (offset %#llx) is outside %s",
					    j, s->name,
					    (unsigned long long)r->r_offset, t->name);
		}
	}
	return 0;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return 0;
}

/*
 * Global names first among aliases (init_module over e1000_init_module):
 * that is the name the module's own tables use.
 */
static bool better_name(const struct rw *rw, size_t a, size_t b)
{
	bool ga = GELF_ST_BIND(rw->syms[a].st_info) != STB_LOCAL;
	bool gb = GELF_ST_BIND(rw->syms[b].st_info) != STB_LOCAL;

	if (ga != gb)
		return ga;
	return a < b;
}

static int index_functions(struct rw *rw)
{
	size_t i, n = 0;

	rw->fns = calloc(rw->nsyms, sizeof(*rw->fns));
	if (!rw->fns)
		return nomem(rw);
	for (i = 1; i < rw->nsyms; i++) {
		const GElf_Sym *s = &rw->syms[i];

		if (GELF_ST_TYPE(s->st_info) != STT_FUNC || !sym_defined(rw, s))
			continue;
		rw->fns[n].shndx = s->st_shndx;
		rw->fns[n].value = s->st_value;
		rw->fns[n].sym = i;
		rw->fns[n].gate = NO_GATE;
		n++;
	}
	qsort(rw->fns, n, sizeof(*rw->fns), cmp_fn);
	/* One entry per address: aliases are one function. */
	rw->n_fns = 0;
	for (i = 0; i < n; i++) {
		struct fn *last = rw->n_fns ? &rw->fns[rw->n_fns - 1] : NULL;

		if (last && !cmp_fn(last, &rw->fns[i])) {
			if (better_name(rw, rw->fns[i].sym, last->sym))
				last->sym = rw->fns[i].sym;
			continue;
		}
		rw->fns[rw->n_fns++] = rw->fns[i];
	}
	return 0;
}

static struct fn *find_fn(struct rw *rw, size_t shndx, GElf_Addr value)
{
	struct fn key = { .shndx = shndx, .value = value };

	return bsearch(&key, rw->fns, rw->n_fns, sizeof(*rw->fns), cmp_fn);
}

static int cmp_imp_name(const void *a, const void *b)
{
	const struct import *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static int cmp_imp_sym(const void *a, const void *b)
{
	const struct import *x = a, *y = b;

	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static int collect_imports(struct rw *rw)
{
	size_t i, n = 0, *twin;

	rw->imps = calloc(rw->nsyms, sizeof(*rw->imps));
	rw->sym_imp = calloc(rw->nsyms, sizeof(*rw->sym_imp));
	twin = calloc(rw->nsyms, sizeof(*twin));
	if (!rw->imps || !rw->sym_imp || !twin) {
		free(twin);
		return nomem(rw);
	}
	for (i = 1; i < rw->nsyms; i++) {
		const GElf_Sym *s = &rw->syms[i];
		unsigned int bind = GELF_ST_BIND(s->st_info);

		if (s->st_shndx != SHN_UNDEF || !*sym_name(rw, i) ||
		    (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		rw->imps[n].name = sym_name(rw, i);
		rw->imps[n].sym = i;
		n++;
	}
	/* A name imported twice is one import: the loader binds both alike. */
	qsort(rw->imps, n, sizeof(*rw->imps), cmp_imp_name);
	rw->n_imps = 0;
	for (i = 0; i < n; i++) {
		struct import *last = rw->n_imps ? &rw->imps[rw->n_imps - 1] : NULL;

		if (last && !strcmp(last->name, rw->imps[i].name))
			twin[rw->imps[i].sym] = last->sym;
		else
			rw->imps[rw->n_imps++] = rw->imps[i];
	}
	qsort(rw->imps, rw->n_imps, sizeof(*rw->imps), cmp_imp_sym);
	for (i = 0; i < rw->n_imps; i++)
		rw->sym_imp[rw->imps[i].sym] = i + 1;
	for (i = 1; i < rw->nsyms; i++)
		if (twin[i])
			rw->sym_imp[i] = rw->sym_imp[twin[i]];
	free(twin);
	for (i = 0; i < rw->n_imps; i++) {
		struct import *k = &rw->imps[i];

		k->gate = NO_GATE;
		k->in_domain = nooks_in_domain_reason(k->name);
		k->proto.stack_slots = NOOKS_MAX_STACK_SLOTS;
		k->proto.ret_class = NOOKS_RET_UNKNOWN;
		if (rw->opts && rw->opts->proto &&
		    !rw->opts->proto(rw->opts->ctx, k->name, false, &k->proto))
			memset(&k->proto, 0, sizeof(k->proto));
		if (!k->proto.found) {
			k->proto.stack_slots = NOOKS_MAX_STACK_SLOTS;
			k->proto.ret_class = NOOKS_RET_UNKNOWN;
		}
	}
	return 0;
}

/*
 * Is the 4-byte field at off the operand of a call, jmp or jcc? These
 * are the only instructions whose rel32 ends the instruction with the
 * opcode right before it; a rip-relative operand has a ModRM byte there
 * (0x05..0x3d), which none of these opcodes can be.
 */
static bool is_branch(const struct sec *t, GElf_Addr off)
{
	const unsigned char *p = t->raw;

	if (off >= 1 && (p[off - 1] == 0xe8 || p[off - 1] == 0xe9))
		return true;
	return off >= 2 && p[off - 2] == 0x0f && (p[off - 1] & 0xf0) == 0x80;
}

static bool is_pcrel32(unsigned int type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32;
}

static const char why_alt[] =
	"called from an alternative replacement, which the kernel patches in ungated";
static const char why_slots[] =
	"needs more stack argument slots than a gate copies";

/* Decide, for every relocation, whether it moves to a stub. */
static void scan_relocs(struct rw *rw)
{
	size_t i, j;

	for (i = 1; i < rw->shnum; i++) {
		struct sec *s = &rw->secs[i];
		struct sec *t;

		if (s->sh.sh_type != SHT_RELA || !s->n_rela)
			continue;
		t = &rw->secs[s->sh.sh_info];
		for (j = 0; j < s->n_rela; j++) {
			const GElf_Rela *r = &s->rela[j];
			unsigned int type = GELF_R_TYPE(r->r_info);
			size_t symi = GELF_R_SYM(r->r_info);
			const GElf_Sym *sym = &rw->syms[symi];
			bool branch = false;
			GElf_Addr target;
			struct fn *f;

			if (!reloc_width(type) || !(t->sh.sh_flags & SHF_ALLOC))
				continue;
			if ((t->sh.sh_flags & SHF_EXECINSTR) && t->raw &&
			    is_pcrel32(type))
				branch = is_branch(t, r->r_offset);
			if (rw->sym_imp[symi]) {
				struct import *k = &rw->imps[rw->sym_imp[symi] - 1];

				if (!strcmp(t->name, ".altinstr_replacement") &&
				    branch && !k->in_domain) {
					k->calls++;
					k->unsupported = true;
					k->why = why_alt;
				}
				if (t->keep)
					continue;
				if (!branch) {
					k->address_refs++;
					continue;
				}
				k->calls++;
				if (!t->exec || k->in_domain ||
				    !strncmp(k->name, "nooks_", 6))
					continue;
				k->redirected++;
				/* Exit gates get their index later. */
				s->act[j] = -2 - (int)(rw->sym_imp[symi] - 1);
				continue;
			}
			if (t->keep || branch || !sym_defined(rw, sym))
				continue;
			/*
			 * A pc-relative operand in code is relative to the
			 * end of the instruction, 4 bytes after the field
			 * for lea; in data it is relative to the field.
			 */
			target = sym->st_value + r->r_addend;
			if (is_pcrel32(type) && (t->sh.sh_flags & SHF_EXECINSTR))
				target += 4;
			f = find_fn(rw, sym->st_shndx, target);
			if (!f)
				continue;
			f->gate = 0;	/* referenced; numbered later */
			s->act[j] = (int)(f - rw->fns);
		}
	}
}

static int add_gate(struct rw *rw, bool entry, size_t target_sym,
		    const char *name)
{
	struct gate *g = &rw->gates[rw->n_gates];
	const char *pfx = entry ? NOOKS_ENTRY_PREFIX : NOOKS_EXIT_PREFIX;
	size_t len = strlen(pfx) + strlen(name) + 16;

	g->entry = entry;
	g->target_sym = target_sym;
	g->name = name;
	g->stub_name = malloc(len);
	if (!g->stub_name)
		return nomem(rw);
	snprintf(g->stub_name, len, "%s%s", pfx, name);
	rw->n_gates++;
	return 0;
}

static int cmp_gate_name(const void *a, const void *b)
{
	const struct gate *const *x = a, *const *y = b;
	int c = strcmp((*x)->stub_name, (*y)->stub_name);

	if (c)
		return c;
	return *x < *y ? -1 : *x > *y;
}

/*
 * Two static functions of one name (from two source files) get two
 * stubs: number the later ones so that every stub symbol is unique.
 */
static int unique_stub_names(struct rw *rw)
{
	struct gate **v;
	size_t i, dup = 0;

	if (rw->n_gates < 2)
		return 0;
	v = malloc(rw->n_gates * sizeof(*v));
	if (!v)
		return nomem(rw);
	for (i = 0; i < rw->n_gates; i++)
		v[i] = &rw->gates[i];
	qsort(v, rw->n_gates, sizeof(*v), cmp_gate_name);
	for (i = 1; i < rw->n_gates; i++) {
		size_t len;
		char *p;

		if (strcmp(v[i]->stub_name, v[i - dup - 1]->stub_name)) {
			dup = 0;
			continue;
		}
		dup++;
		len = strlen(v[i]->stub_name) + 24;
		p = malloc(len);
		if (!p) {
			free(v);
			return nomem(rw);
		}
		snprintf(p, len, "%s.%zu", v[i]->stub_name, dup);
		free(v[i]->stub_name);
		v[i]->stub_name = p;
	}
	free(v);
	return 0;
}

static void gate_proto(struct rw *rw, struct gate *g, struct import *k)
{
	struct nooks_proto *p = &g->proto;

	if (k) {
		*p = k->proto;
	} else {
		memset(p, 0, sizeof(*p));
		if (rw->opts && rw->opts->proto &&
		    !rw->opts->proto(rw->opts->ctx, g->name, true, p))
			memset(p, 0, sizeof(*p));
	}
	if (!p->found) {
		p->stack_slots = NOOKS_MAX_STACK_SLOTS;
		p->ret_class = NOOKS_RET_UNKNOWN;
	}
	if (p->ret_class >= __NOOKS_RET_MAX)
		p->ret_class = NOOKS_RET_UNKNOWN;
	if (p->stack_slots > NOOKS_MAX_STACK_SLOTS) {
		/* The gate would drop arguments: say so, copy what it can. */
		if (k) {
			k->unsupported = true;
			k->why = why_slots;
		}
		p->stack_slots = NOOKS_MAX_STACK_SLOTS;
	}
}

static int make_gates(struct rw *rw)
{
	size_t i, j, max = rw->n_fns + rw->n_imps;
	int ret;

	rw->gates = calloc(max ? max : 1, sizeof(*rw->gates));
	if (!rw->gates)
		return nomem(rw);
	/* Entries in address order, then exits in symbol order. */
	for (i = 0; i < rw->n_fns; i++) {
		struct fn *f = &rw->fns[i];

		if (f->gate == NO_GATE)
			continue;
		f->gate = (int)rw->n_gates;
		ret = add_gate(rw, true, f->sym, sym_name(rw, f->sym));
		if (ret)
			return ret;
		gate_proto(rw, &rw->gates[f->gate], NULL);
	}
	rw->n_entry = rw->n_gates;
	for (i = 0; i < rw->n_imps; i++) {
		struct import *k = &rw->imps[i];

		if (!k->redirected)
			continue;
		k->gate = (int)rw->n_gates;
		ret = add_gate(rw, false, k->sym, k->name);
		if (ret)
			return ret;
		gate_proto(rw, &rw->gates[rw->n_gates - 1], k);
	}
	/* Now that gates are numbered, the actions name them. */
	for (i = 1; i < rw->shnum; i++) {
		struct sec *s = &rw->secs[i];

		if (s->sh.sh_type != SHT_RELA)
			continue;
		for (j = 0; j < s->n_rela; j++) {
			int a = s->act[j];

			if (a >= 0) {
				s->act[j] = rw->fns[a].gate;
				rw->res->n_entry_relocs++;
			} else if (a != NO_GATE) {
				s->act[j] = rw->imps[-2 - a].gate;
				rw->res->n_exit_relocs++;
			}
		}
	}
	rw->res->n_entry_gates = rw->n_entry;
	rw->res->n_exit_gates = rw->n_gates - rw->n_entry;
	return unique_stub_names(rw);
}

static int cmp_off_ctx_sort(const void *a, const void *b, void *ctx)
{
	const struct sec *s = ctx;
	GElf_Addr x = s->rela[*(const size_t *)a].r_offset;
	GElf_Addr y = s->rela[*(const size_t *)b].r_offset;

	if (x != y)
		return x < y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* The relocation section applying to section t, 0 if none. */
static size_t rela_for(const struct rw *rw, size_t t)
{
	size_t i;

	for (i = 1; i < rw->shnum; i++)
		if (rw->secs[i].sh.sh_type == SHT_RELA &&
		    rw->secs[i].sh.sh_info == t)
			return i;
	return 0;
}

/* The gate a relocation at t+off was moved to, or NO_GATE. */
static int gate_at(struct rw *rw, size_t t, GElf_Addr off)
{
	size_t ri = rela_for(rw, t), lo, hi;
	struct sec *s;

	if (!ri)
		return NO_GATE;
	s = &rw->secs[ri];
	if (!s->by_off && s->n_rela) {
		size_t i;

		s->by_off = malloc(s->n_rela * sizeof(*s->by_off));
		if (!s->by_off)
			return NO_GATE - 1;
		for (i = 0; i < s->n_rela; i++)
			s->by_off[i] = i;
		qsort_r(s->by_off, s->n_rela, sizeof(*s->by_off),
			cmp_off_ctx_sort, s);
	}
	lo = 0;
	hi = s->n_rela;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->rela[s->by_off[mid]].r_offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->n_rela && s->rela[s->by_off[lo]].r_offset == off; lo++) {
		int g = s->act[s->by_off[lo]];

		if (g != NO_GATE && !rw->gates[g].entry)
			return g;
	}
	return NO_GATE;
}

/*
 * Drop the .static_call_sites entries of calls now going to an exit
 * stub: at load the kernel would patch them into direct calls to the
 * current static call target, bypassing the gate. Other entries stay,
 * with their relocations moved down to the entry's new place.
 */
static int drop_static_call_sites(struct rw *rw)
{
	struct sec *s, *rs;
	size_t n, i, j, kept = 0, n_rela = 0;
	unsigned char *data;
	GElf_Rela *rela;
	bool *drop;

	if (!rw->sec_scs)
		return 0;
	s = &rw->secs[rw->sec_scs];
	if (s->sh.sh_size % SCS_SIZE || !s->raw)
		return fail(rw, ENOEXEC, ".static_call_sites is not an array of %d-byte entries",
			    SCS_SIZE);
	i = rela_for(rw, rw->sec_scs);
	if (!i)
		return 0;
	rs = &rw->secs[i];
	n = s->sh.sh_size / SCS_SIZE;
	drop = calloc(n ? n : 1, sizeof(*drop));
	if (!drop)
		return nomem(rw);
	for (j = 0; j < rs->n_rela; j++) {
		const GElf_Rela *r = &rs->rela[j];
		const GElf_Sym *sym = &rw->syms[GELF_R_SYM(r->r_info)];
		GElf_Addr site;
		int g;

		/* The first field of each entry is the call site. */
		if (r->r_offset % SCS_SIZE || r->r_offset / SCS_SIZE >= n ||
		    !is_pcrel32(GELF_R_TYPE(r->r_info)) || !sym_defined(rw, sym))
			continue;
		site = sym->st_value + r->r_addend;
		g = gate_at(rw, sym->st_shndx, site + 1);
		if (g < NO_GATE) {
			free(drop);
			return nomem(rw);
		}
		if (g != NO_GATE)
			drop[r->r_offset / SCS_SIZE] = true;
	}
	data = malloc(s->sh.sh_size ? s->sh.sh_size : 1);
	rela = malloc((rs->n_rela ? rs->n_rela : 1) * sizeof(*rela));
	if (!data || !rela) {
		free(data);
		free(rela);
		free(drop);
		return nomem(rw);
	}
	for (i = 0; i < n; i++) {
		if (drop[i])
			continue;
		memcpy(data + kept * SCS_SIZE, s->raw + i * SCS_SIZE, SCS_SIZE);
		for (j = 0; j < rs->n_rela; j++) {
			GElf_Rela r = rs->rela[j];

			if (r.r_offset / SCS_SIZE != i)
				continue;
			r.r_offset -= (i - kept) * SCS_SIZE;
			rela[n_rela++] = r;
		}
		kept++;
	}
	free(drop);
	rw->res->n_static_call_sites_dropped = n - kept;
	s->out = data;
	s->out_size = kept * SCS_SIZE;
	s->out_type = ELF_T_BYTE;
	/* The relocations are rewritten from rs->rela: swap in the kept. */
	free(rs->rela);
	rs->rela = rela;
	rs->n_rela = n_rela;
	for (j = 0; j < n_rela; j++)
		rs->act[j] = NO_GATE;
	return 0;
}

static int get_modname(struct rw *rw)
{
	const struct sec *s = &rw->secs[rw->sec_this_module];
	const char *m = (const char *)rw->secs[rw->sec_modinfo].raw;
	size_t msize = rw->secs[rw->sec_modinfo].sh.sh_size;
	char *name = rw->res->modname;
	size_t i;

	if (!s->raw || s->sh.sh_size < MODULE_NAME_OFF + MODULE_NAME_LEN)
		return fail(rw, ENOEXEC, ".gnu.linkonce.this_module is too small (%llu bytes)",
			    (unsigned long long)s->sh.sh_size);
	if (!m || !msize || m[msize - 1])
		return fail(rw, ENOEXEC, ".modinfo is not NUL-terminated");
	memcpy(name, s->raw + MODULE_NAME_OFF, MODULE_NAME_LEN);
	if (!memchr(name, 0, MODULE_NAME_LEN))
		return fail(rw, ENOEXEC,
			    "module name in .gnu.linkonce.this_module is not terminated");
	for (i = 0; !*name && i < msize; i += strlen(m + i) + 1)
		if (!strncmp(m + i, "name=", 5) &&
		    strlen(m + i + 5) < MODULE_NAME_LEN)
			strcpy(name, m + i + 5);
	if (!*name)
		return fail(rw, ENOEXEC, "module has no name");
	return 0;
}

/* Is item one of the comma-separated words of list? */
static bool list_has(const char *list, const char *item)
{
	size_t len = strlen(item);

	while (*list) {
		const char *comma = strchr(list, ',');
		size_t n = comma ? (size_t)(comma - list) : strlen(list);

		if (n == len && !strncmp(list, item, len))
			return true;
		list += n + !!comma;
	}
	return false;
}

/*
 * "depends=" gets "nooks": modprobe then loads nooks.ko first, and the
 * loader finds the gate symbols the stubs jump to.
 */
static int edit_modinfo(struct rw *rw)
{
	struct sec *s = &rw->secs[rw->sec_modinfo];
	const char *m = (const char *)s->raw;
	size_t size = s->sh.sh_size, i;
	struct buf b = { 0 };
	bool done = false;
	int ret = 0;

	for (i = 0; i < size && !ret; i += strlen(m + i) + 1) {
		const char *str = m + i, *deps = str + 8;

		if (done || strncmp(str, "depends=", 8)) {
			ret = buf_add(rw, &b, str, strlen(str) + 1);
			continue;
		}
		/* The loader reads the first one only. */
		done = true;
		ret = buf_add(rw, &b, str, strlen(str));
		if (!ret && !list_has(deps, "nooks"))
			ret = buf_add(rw, &b, *deps ? "," : "", *deps ? 1 : 0);
		if (!ret && !list_has(deps, "nooks"))
			ret = buf_add(rw, &b, "nooks", 5);
		if (!ret)
			ret = buf_add(rw, &b, "", 1);
	}
	if (!ret && !done)
		ret = buf_add(rw, &b, "depends=nooks", 14);
	if (ret) {
		free(b.p);
		return ret;
	}
	s->out = b.p;
	s->out_size = b.len;
	s->out_type = ELF_T_BYTE;
	return 0;
}

static int add_sym(struct rw *rw, const char *name, unsigned int type,
		   size_t shndx, GElf_Addr value, GElf_Xword size, size_t *idx)
{
	GElf_Sym *s;
	size_t off;
	int ret;

	if (rw->n_new_syms == rw->cap_new_syms) {
		size_t cap = rw->cap_new_syms ? rw->cap_new_syms * 2 : 64;
		GElf_Sym *p = realloc(rw->new_syms, cap * sizeof(*p));

		if (!p)
			return nomem(rw);
		rw->new_syms = p;
		rw->cap_new_syms = cap;
	}
	ret = buf_str(rw, &rw->strtab_add, name, &off);
	if (ret)
		return ret;
	s = &rw->new_syms[rw->n_new_syms];
	memset(s, 0, sizeof(*s));
	s->st_name = rw->strs_size + off;
	s->st_info = GELF_ST_INFO(STB_GLOBAL, type);
	s->st_shndx = shndx;
	s->st_value = value;
	s->st_size = size;
	*idx = rw->nsyms + rw->n_new_syms++;
	return 0;
}

/* Section indexes of what we add, after all of the input's. */
struct layout {
	size_t stubs, stubs_rela, manifest, manifest_rela;
	size_t gates_off, imports_off, strtab_off, strtab_size, size;
};

static size_t import_sym_for(struct rw *rw, const char *name)
{
	size_t i;

	for (i = 0; i < rw->n_imps; i++)
		if (!strcmp(rw->imps[i].name, name))
			return rw->imps[i].sym;
	return 0;
}

static bool gate_used(const struct rw *rw, size_t i)
{
	return i == 0 ? rw->n_entry : rw->n_gates > rw->n_entry;
}

static int add_symbols(struct rw *rw, const struct layout *l)
{
	size_t i;
	int ret;

	ret = add_sym(rw, NOOKS_MANIFEST_SYMBOL, STT_OBJECT, l->manifest, 0,
		      l->size, &rw->manifest_sym);
	for (i = 0; i < rw->n_gates && !ret; i++)
		ret = add_sym(rw, rw->gates[i].stub_name, STT_FUNC, l->stubs,
			      i * NOOKS_STUB_SIZE, NOOKS_STUB_SIZE,
			      &rw->gates[i].stub_sym);
	for (i = 0; i < 2 && !ret; i++) {
		if (!gate_used(rw, i))
			continue;
		/* A module importing the gate itself keeps that symbol. */
		rw->gate_sym[i] = import_sym_for(rw, gate_names[i]);
		if (!rw->gate_sym[i])
			ret = add_sym(rw, gate_names[i], STT_NOTYPE, SHN_UNDEF,
				      0, 0, &rw->gate_sym[i]);
	}
	return ret;
}

static GElf_Rela mkrela(GElf_Addr off, size_t sym, unsigned int type,
			GElf_Sxword addend)
{
	GElf_Rela r = {
		.r_offset = off,
		.r_info = GELF_R_INFO(sym, type),
		.r_addend = addend,
	};

	return r;
}

static int build_stubs(struct rw *rw, struct sec *stubs, struct sec *rela,
		       const struct layout *l)
{
	unsigned char *p;
	GElf_Rela *r;
	size_t i;

	p = malloc(rw->n_gates * NOOKS_STUB_SIZE);
	r = malloc(rw->n_gates * 3 * sizeof(*r));
	if (!p || !r) {
		free(p);
		free(r);
		return nomem(rw);
	}
	stubs->out = p;
	stubs->out_size = rw->n_gates * NOOKS_STUB_SIZE;
	stubs->out_type = ELF_T_BYTE;
	rela->out = r;
	rela->out_size = rw->n_gates * 3 * sizeof(*r);
	rela->out_type = ELF_T_RELA;
	for (i = 0; i < rw->n_gates; i++) {
		static const unsigned char code[STUB_CODE_LEN] = {
			0x4c, 0x8d, 0x15, 0, 0, 0, 0,	/* lea m(%rip),%r10 */
			0x4c, 0x8d, 0x1d, 0, 0, 0, 0,	/* lea d(%rip),%r11 */
			0xe9, 0, 0, 0, 0,		/* jmp gate */
		};
		unsigned char *q = p + i * NOOKS_STUB_SIZE;
		GElf_Addr base = i * NOOKS_STUB_SIZE;
		size_t desc = l->gates_off + i * GATE_DESC_SIZE;
		size_t gate = rw->gate_sym[rw->gates[i].entry ? 0 : 1];

		memcpy(q, code, sizeof(code));
		/* int3: a stray jump into the padding traps (SLS too). */
		memset(q + STUB_CODE_LEN, 0xcc, NOOKS_STUB_SIZE - STUB_CODE_LEN);
		*r++ = mkrela(base + STUB_MANIFEST_FIELD, rw->manifest_sym,
			      R_X86_64_PC32, -4);
		*r++ = mkrela(base + STUB_DESC_FIELD, rw->manifest_sym,
			      R_X86_64_PC32, (GElf_Sxword)desc - 4);
		*r++ = mkrela(base + STUB_JMP_FIELD, gate, R_X86_64_PLT32, -4);
	}
	return 0;
}

static int build_manifest(struct rw *rw, struct sec *man, struct sec *rela,
			  struct layout *l)
{
	struct buf strs = { 0 }, b = { 0 };
	size_t i, off, n_imps = rw->n_imps;
	__u32 gate_off[2] = { 0 };
	unsigned char *p;
	GElf_Rela *r;
	int ret = buf_add(rw, &strs, "", 1);

	for (i = 0; i < rw->n_imps && !ret; i++) {
		ret = buf_str(rw, &strs, rw->imps[i].name, &off);
		rw->imps[i].name_off = off;
	}
	/*
	 * The gates the stubs jump to are imports of the output: nooks.ko
	 * wants every import of the module listed.
	 */
	for (i = 0; i < 2 && !ret; i++) {
		if (!gate_used(rw, i) || import_sym_for(rw, gate_names[i]))
			continue;
		ret = buf_str(rw, &strs, gate_names[i], &off);
		gate_off[i] = off;
		n_imps++;
	}
	if (!ret && (rw->n_gates > MANIFEST_MAX_ENTRIES ||
		     n_imps > MANIFEST_MAX_ENTRIES))
		ret = fail(rw, EFBIG,
			   "%zu gates and %zu imports: more than nooks.ko takes (%d)",
			   rw->n_gates, n_imps, MANIFEST_MAX_ENTRIES);
	for (i = 0; i < rw->n_gates && !ret; i++) {
		struct gate *g = &rw->gates[i];

		if (!g->entry) {
			g->name_off = rw->imps[rw->sym_imp[g->target_sym] - 1].name_off;
			continue;
		}
		ret = buf_str(rw, &strs, g->name, &off);
		g->name_off = off;
	}
	l->gates_off = MANIFEST_HDR_SIZE;
	l->imports_off = l->gates_off + rw->n_gates * GATE_DESC_SIZE;
	l->strtab_off = l->imports_off + n_imps * IMPORT_SIZE;
	l->strtab_size = strs.len;
	l->size = (l->strtab_off + l->strtab_size + 7) & ~(size_t)7;
	if (!ret && l->size > UINT32_MAX)
		ret = fail(rw, EFBIG, "manifest too large (%zu bytes)", l->size);
	if (!ret)
		ret = buf_zero(rw, &b, l->size);
	if (ret) {
		free(strs.p);
		free(b.p);
		return ret;
	}
	p = b.p;
	put32(p, NOOKS_MANIFEST_MAGIC);
	put32(p + 4, NOOKS_MANIFEST_VERSION);
	put32(p + 16, rw->n_gates);
	put32(p + 20, l->gates_off);
	put32(p + 24, n_imps);
	put32(p + 28, l->imports_off);
	put32(p + 32, l->strtab_off);
	put32(p + 36, l->strtab_size);
	for (i = 0; i < rw->n_gates; i++) {
		const struct gate *g = &rw->gates[i];
		unsigned char *q = p + l->gates_off + i * GATE_DESC_SIZE;

		put32(q + 8, g->entry ? NOOKS_GATE_ENTRY : NOOKS_GATE_EXIT);
		put32(q + 12, g->proto.ret_class);
		put32(q + 16, g->proto.stack_slots);
		put32(q + 20, g->name_off);
	}
	for (i = 0; i < rw->n_imps; i++) {
		unsigned char *q = p + l->imports_off + i * IMPORT_SIZE;

		put32(q, rw->imps[i].name_off);
		put32(q + 4, rw->imps[i].how);
	}
	for (i = 0, off = l->imports_off + rw->n_imps * IMPORT_SIZE; i < 2; i++) {
		if (!gate_off[i])
			continue;
		put32(p + off, gate_off[i]);
		put32(p + off + 4, NOOKS_IMPORT_NOOKS);
		off += IMPORT_SIZE;
	}
	memcpy(p + l->strtab_off, strs.p, strs.len);
	free(strs.p);
	man->out = b.p;
	man->out_size = l->size;
	man->out_type = ELF_T_BYTE;

	if (!rela)
		return 0;
	r = malloc(rw->n_gates * sizeof(*r));
	if (!r)
		return nomem(rw);
	rela->out = r;
	rela->out_size = rw->n_gates * sizeof(*r);
	rela->out_type = ELF_T_RELA;
	for (i = 0; i < rw->n_gates; i++)
		r[i] = mkrela(l->gates_off + i * GATE_DESC_SIZE,
			      rw->gates[i].target_sym, R_X86_64_64, 0);
	return 0;
}

static bool versions_have(const struct sec *v, const char *name)
{
	size_t i;

	for (i = 0; i + MODVERSION_SIZE <= v->sh.sh_size; i += MODVERSION_SIZE)
		if (!strncmp((const char *)v->raw + i + 8, name,
			     MODVERSION_NAME_LEN))
			return true;
	return false;
}

/*
 * Debian's kernel has MODVERSIONS: a new import without a __versions
 * entry fails the load ("no symbol version for nooks_xpc_exit").
 */
static int add_versions(struct rw *rw)
{
	struct sec *v;
	struct buf b = { 0 };
	size_t i;
	int ret;

	if (!rw->sec_versions)
		return fail(rw, ENOEXEC,
			    "module has no __versions section (built without MODVERSIONS?)");
	v = &rw->secs[rw->sec_versions];
	if (!v->raw || v->sh.sh_size % MODVERSION_SIZE)
		return fail(rw, ENOEXEC, "__versions size %llu is not a multiple of %d",
			    (unsigned long long)v->sh.sh_size, MODVERSION_SIZE);
	ret = buf_add(rw, &b, v->raw, v->sh.sh_size);
	for (i = 0; i < 2 && !ret; i++) {
		unsigned char e[MODVERSION_SIZE] = { 0 };
		__u32 crc;

		if (!rw->gate_sym[i] || versions_have(v, gate_names[i]))
			continue;
		if (!rw->opts->crc ||
		    !rw->opts->crc(rw->opts->ctx, gate_names[i], &crc)) {
			ret = fail(rw, ENOENT,
				   "no CRC for %s (is nooks.ko's Module.symvers at hand?)",
				   gate_names[i]);
			break;
		}
		put64(e, crc);
		memcpy(e + 8, gate_names[i], strlen(gate_names[i]));
		ret = buf_add(rw, &b, e, sizeof(e));
	}
	if (ret) {
		free(b.p);
		return ret;
	}
	v->out = b.p;
	v->out_size = b.len;
	v->out_type = ELF_T_BYTE;
	return 0;
}

/*
 * One ORC entry for all stubs: they run with the caller's return
 * address on top of the stack and touch neither %rsp nor %rbp, like a
 * function's first instruction. Then a terminator at the end of the
 * section, as objtool puts after every section. Without these an
 * interrupt in a stub gives an unreliable stack trace.
 */
static int add_orc(struct rw *rw)
{
	size_t orc = 0, ip = 0, ip_rela, i;
	struct sec *o, *s, *rs;
	unsigned char *od, *ipd;
	GElf_Rela *r;

	for (i = 1; i < rw->shnum; i++) {
		if (!(rw->secs[i].sh.sh_flags & SHF_ALLOC))
			continue;
		if (!strcmp(rw->secs[i].name, ".orc_unwind"))
			orc = i;
		else if (!strcmp(rw->secs[i].name, ".orc_unwind_ip"))
			ip = i;
	}
	if (!orc || !ip || !rw->n_gates)
		return 0;
	ip_rela = rela_for(rw, ip);
	o = &rw->secs[orc];
	s = &rw->secs[ip];
	/* A table the kernel would refuse anyway is not ours to fix. */
	if (!ip_rela || !o->raw || !s->raw || s->sh.sh_size % 4 ||
	    o->sh.sh_size % ORC_SIZE ||
	    s->sh.sh_size / 4 != o->sh.sh_size / ORC_SIZE)
		return 0;
	rs = &rw->secs[ip_rela];
	od = calloc(1, o->sh.sh_size + 2 * ORC_SIZE);
	ipd = calloc(1, s->sh.sh_size + 2 * 4);
	r = realloc(rs->rela, (rs->n_rela + 2) * sizeof(*r));
	if (!od || !ipd || !r) {
		free(od);
		free(ipd);
		if (r)
			rs->rela = r;
		return nomem(rw);
	}
	rs->rela = r;
	memcpy(od, o->raw, o->sh.sh_size);
	/* sp_offset 8, sp_reg SP, bp_reg undefined, type CALL */
	put16(od + o->sh.sh_size, 8);
	put16(od + o->sh.sh_size + 4, ORC_REG_SP);
	/* the terminator is all zeroes: sp_reg undefined */
	memcpy(ipd, s->raw, s->sh.sh_size);
	r[rs->n_rela++] = mkrela(s->sh.sh_size, rw->gates[0].stub_sym,
				 R_X86_64_PC32, 0);
	r[rs->n_rela++] = mkrela(s->sh.sh_size + 4,
				 rw->gates[rw->n_gates - 1].stub_sym,
				 R_X86_64_PC32, NOOKS_STUB_SIZE);
	o->out = od;
	o->out_size = o->sh.sh_size + 2 * ORC_SIZE;
	o->out_type = ELF_T_BYTE;
	s->out = ipd;
	s->out_size = s->sh.sh_size + 2 * 4;
	s->out_type = ELF_T_BYTE;
	return 0;
}

/* Apply the decisions of scan_relocs to the relocation arrays. */
static void redirect_relocs(struct rw *rw)
{
	size_t i, j;

	for (i = 1; i < rw->shnum; i++) {
		struct sec *s = &rw->secs[i];

		if (s->sh.sh_type != SHT_RELA)
			continue;
		for (j = 0; j < s->n_rela; j++) {
			GElf_Rela *r = &s->rela[j];
			const struct gate *g;
			const GElf_Sym *sym;
			GElf_Addr fval;

			if (s->act[j] == NO_GATE)
				continue;
			g = &rw->gates[s->act[j]];
			sym = &rw->syms[GELF_R_SYM(r->r_info)];
			if (g->entry) {
				/*
				 * The stub gets what the function got: S + A
				 * was F (plus the pc-relative bias), so the
				 * new addend keeps S + A - F.
				 */
				fval = rw->syms[g->target_sym].st_value;
				r->r_addend += (GElf_Sxword)(sym->st_value - fval);
			}
			r->r_info = GELF_R_INFO(g->stub_sym, GELF_R_TYPE(r->r_info));
		}
	}
}

static int new_scn(struct rw *rw, Elf *out, const GElf_Shdr *sh,
		   void *buf, size_t size, Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(out);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;

	if (!d)
		return fail(rw, EIO, "libelf: %s", elf_errmsg(-1));
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh->sh_addralign ? sh->sh_addralign : 1;
	d->d_off = 0;
	d->d_version = EV_CURRENT;
	if (!gelf_update_shdr(scn, (GElf_Shdr *)sh))
		return fail(rw, EIO, "libelf: %s", elf_errmsg(-1));
	return 0;
}

static int concat(struct rw *rw, struct sec *s, const struct buf *add)
{
	unsigned char *p;

	if (!add->len)
		return 0;
	p = malloc(s->sh.sh_size + add->len);
	if (!p)
		return nomem(rw);
	memcpy(p, s->raw, s->sh.sh_size);
	memcpy(p + s->sh.sh_size, add->p, add->len);
	s->out = p;
	s->out_size = s->sh.sh_size + add->len;
	s->out_type = ELF_T_BYTE;
	return 0;
}

static int write_elf(struct rw *rw, struct sec *extra, size_t n_extra)
{
	size_t total = rw->shnum + n_extra, i;
	GElf_Ehdr in_eh, eh;
	struct stat st;
	Elf *out = NULL;
	void *image;
	int fd, ret = 0;

	fd = memfd_create("nooks-rewrite", MFD_CLOEXEC);
	if (fd < 0)
		return fail(rw, errno, "memfd_create: %s", strerror(errno));
	out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!out || !gelf_newehdr(out, ELFCLASS64) || !gelf_getehdr(out, &eh) ||
	    !gelf_getehdr(rw->elf, &in_eh)) {
		ret = fail(rw, EIO, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	memcpy(eh.e_ident, in_eh.e_ident, EI_NIDENT);
	eh.e_type = in_eh.e_type;
	eh.e_machine = in_eh.e_machine;
	eh.e_version = in_eh.e_version;
	eh.e_flags = in_eh.e_flags;
	eh.e_shstrndx = rw->shstrndx;
	if (!gelf_update_ehdr(out, &eh)) {
		ret = fail(rw, EIO, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	for (i = 1; i < total && !ret; i++) {
		struct sec *s = i < rw->shnum ? &rw->secs[i] : &extra[i - rw->shnum];
		GElf_Shdr sh = s->sh;
		void *buf = (void *)s->raw;
		size_t size = s->sh.sh_size;
		Elf_Type type = ELF_T_BYTE;

		if (s->out) {
			buf = s->out;
			size = s->out_size;
			type = s->out_type;
		} else if (s->sh.sh_type == SHT_RELA) {
			/* Relocations are written from their parsed form. */
			buf = s->rela;
			size = s->n_rela * sizeof(*s->rela);
			type = ELF_T_RELA;
		}
		if (s->sh.sh_type == SHT_NOBITS)
			buf = NULL;
		sh.sh_size = size;
		ret = new_scn(rw, out, &sh, buf, size, type);
	}
	if (ret)
		goto out;
	if (elf_update(out, ELF_C_WRITE) < 0) {
		ret = fail(rw, EIO, "libelf cannot write the module: %s",
			   elf_errmsg(-1));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = fail(rw, errno, "fstat: %s", strerror(errno));
		goto out;
	}
	image = malloc(st.st_size ? st.st_size : 1);
	if (!image) {
		ret = nomem(rw);
		goto out;
	}
	if (pread(fd, image, st.st_size, 0) != st.st_size) {
		free(image);
		ret = fail(rw, EIO, "cannot read back the rewritten module");
		goto out;
	}
	rw->res->image = image;
	rw->res->size = st.st_size;
out:
	elf_end(out);
	close(fd);
	return ret;
}

static unsigned int import_how(const struct import *k)
{
	if (k->in_domain)
		return NOOKS_IMPORT_IN_DOMAIN;
	if (!strncmp(k->name, "nooks_", 6))
		return NOOKS_IMPORT_NOOKS;
	if (k->redirected)
		return nooks_typed(k->name) ? NOOKS_IMPORT_TYPED :
					      NOOKS_IMPORT_GATE;
	/* Called only where no gate can go: a function all the same. */
	if (k->calls || (k->proto.found && k->proto.is_func))
		return NOOKS_IMPORT_ADDRESS;
	return NOOKS_IMPORT_DATA;
}

static int fill_report(struct rw *rw)
{
	struct nooks_rewrite_result *res = rw->res;
	size_t i;

	res->imports = calloc(rw->n_imps ? rw->n_imps : 1, sizeof(*res->imports));
	if (!res->imports)
		return nomem(rw);
	for (i = 0; i < rw->n_imps; i++) {
		const struct import *k = &rw->imps[i];
		struct nooks_import_report *r = &res->imports[i];

		r->name = strdup(k->name);
		if (!r->name)
			return nomem(rw);
		res->n_imports = i + 1;
		r->how = k->how;
		r->calls = k->calls;
		r->address_refs = k->address_refs;
		r->unsupported = k->unsupported;
		r->why = k->why;
	}
	return 0;
}

/* Name a new section and, if there is one, its relocation section. */
static int name_sections(struct rw *rw, const char *name, struct sec *s,
			 struct sec *rela)
{
	/* One table may hold both symbol and section names (LLVM's way). */
	struct buf *b = rw->strtab == rw->shstrndx ? &rw->strtab_add :
						     &rw->shstrtab_add;
	size_t off;
	int ret;

	/* ".rela<name>" holds "<name>" as its tail: one string for both. */
	ret = buf_add(rw, b, ".rela", 5);
	if (!ret)
		ret = buf_str(rw, b, name, &off);
	if (ret)
		return ret;
	s->sh.sh_name = rw->secs[rw->shstrndx].sh.sh_size + off;
	if (rela)
		rela->sh.sh_name = s->sh.sh_name - 5;
	return 0;
}

static void rela_header(struct rw *rw, struct sec *rela, size_t target)
{
	rela->sh.sh_type = SHT_RELA;
	rela->sh.sh_flags = SHF_INFO_LINK;
	rela->sh.sh_link = rw->symtab;
	rela->sh.sh_info = target;
	rela->sh.sh_addralign = 8;
	rela->sh.sh_entsize = sizeof(Elf64_Rela);
}

static int build_output(struct rw *rw)
{
	struct sec extra[4], *stubs = NULL, *stubs_rela = NULL, *man, *man_rela = NULL;
	struct layout l = { 0 };
	size_t n_extra = 0, i;
	int ret;

	memset(extra, 0, sizeof(extra));
	if (rw->n_gates) {
		l.stubs = rw->shnum + n_extra;
		stubs = &extra[n_extra++];
		l.stubs_rela = rw->shnum + n_extra;
		stubs_rela = &extra[n_extra++];
	}
	l.manifest = rw->shnum + n_extra;
	man = &extra[n_extra++];
	if (rw->n_gates) {
		l.manifest_rela = rw->shnum + n_extra;
		man_rela = &extra[n_extra++];
	}

	man->sh.sh_type = SHT_PROGBITS;
	man->sh.sh_flags = SHF_ALLOC | SHF_WRITE;
	man->sh.sh_addralign = 8;
	if (man_rela)
		rela_header(rw, man_rela, l.manifest);
	if (stubs) {
		stubs->sh.sh_type = SHT_PROGBITS;
		stubs->sh.sh_flags = SHF_ALLOC | SHF_EXECINSTR;
		stubs->sh.sh_addralign = 16;
		rela_header(rw, stubs_rela, l.stubs);
	}

	/* The manifest's size is needed for its symbol: build it first. */
	ret = build_manifest(rw, man, man_rela, &l);
	if (!ret)
		ret = add_symbols(rw, &l);
	if (!ret) {
		redirect_relocs(rw);
		ret = add_versions(rw);
	}
	if (!ret)
		ret = edit_modinfo(rw);
	if (!ret && stubs)
		ret = build_stubs(rw, stubs, stubs_rela, &l);
	if (!ret)
		ret = add_orc(rw);
	if (!ret && stubs)
		ret = name_sections(rw, NOOKS_STUB_SECTION, stubs, stubs_rela);
	if (!ret)
		ret = name_sections(rw, NOOKS_MANIFEST_SECTION, man, man_rela);
	if (ret)
		goto out;

	/* The string tables and the symbol table grow at their ends. */
	ret = concat(rw, &rw->secs[rw->strtab], &rw->strtab_add);
	if (!ret && rw->strtab != rw->shstrndx)
		ret = concat(rw, &rw->secs[rw->shstrndx], &rw->shstrtab_add);
	if (!ret) {
		struct sec *s = &rw->secs[rw->symtab];
		GElf_Sym *all = malloc((rw->nsyms + rw->n_new_syms) * sizeof(*all));

		if (!all) {
			ret = nomem(rw);
			goto out;
		}
		memcpy(all, rw->syms, rw->nsyms * sizeof(*all));
		memcpy(all + rw->nsyms, rw->new_syms,
		       rw->n_new_syms * sizeof(*all));
		s->out = all;
		s->out_size = (rw->nsyms + rw->n_new_syms) * sizeof(*all);
		s->out_type = ELF_T_SYM;
	}
	if (!ret)
		ret = write_elf(rw, extra, n_extra);
out:
	for (i = 0; i < ARRAY_LEN(extra); i++)
		free(extra[i].out);
	return ret;
}

static void rw_free(struct rw *rw)
{
	size_t i;

	if (rw->secs) {
		for (i = 0; i < rw->shnum; i++) {
			free(rw->secs[i].rela);
			free(rw->secs[i].act);
			free(rw->secs[i].by_off);
			free(rw->secs[i].out);
		}
	}
	free(rw->secs);
	for (i = 0; i < rw->n_gates; i++)
		free(rw->gates[i].stub_name);
	free(rw->gates);
	free(rw->syms);
	free(rw->fns);
	free(rw->imps);
	free(rw->sym_imp);
	free(rw->new_syms);
	free(rw->strtab_add.p);
	free(rw->shstrtab_add.p);
	elf_end(rw->elf);
	free(rw->img);
}

const char *nooks_import_how_name(unsigned int how)
{
	static const char * const names[] = {
		[NOOKS_IMPORT_GATE] = "gate",
		[NOOKS_IMPORT_TYPED] = "typed",
		[NOOKS_IMPORT_IN_DOMAIN] = "in-domain",
		[NOOKS_IMPORT_DATA] = "data",
		[NOOKS_IMPORT_ADDRESS] = "address",
		[NOOKS_IMPORT_NOOKS] = "nooks",
	};

	return how < ARRAY_LEN(names) ? names[how] : "?";
}

void nooks_rewrite_result_free(struct nooks_rewrite_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n_imports; i++)
		free(res->imports[i].name);
	free(res->imports);
	free(res->image);
	memset(res, 0, sizeof(*res));
}

int nooks_rewrite(const void *ko, size_t len,
		  const struct nooks_rewrite_opts *opts,
		  struct nooks_rewrite_result *res, char *err, size_t errlen)
{
	static const struct nooks_rewrite_opts analyse = { .analyse_only = true };
	struct rw rw = {
		.opts = opts ? opts : &analyse,
		.res = res,
		.err = err,
		.errlen = errlen,
	};
	size_t i;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!res)
		return fail(&rw, EINVAL, "no result to fill");
	memset(res, 0, sizeof(*res));
	if (!ko && len)
		return fail(&rw, EINVAL, "no input");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(&rw, EIO, "libelf: %s", elf_errmsg(-1));
	rw.img = malloc(len ? len : 1);
	if (!rw.img)
		return nomem(&rw);
	if (len)
		memcpy(rw.img, ko, len);
	rw.len = len;

	ret = strip_signature(&rw);
	if (!ret)
		ret = check_headers(&rw);
	if (!ret)
		ret = check_names(&rw);
	if (!ret)
		ret = get_modname(&rw);
	if (!ret)
		ret = load_symbols(&rw);
	if (!ret)
		ret = load_relocs(&rw);
	if (!ret)
		ret = index_functions(&rw);
	if (!ret)
		ret = collect_imports(&rw);
	if (!ret) {
		scan_relocs(&rw);
		ret = make_gates(&rw);
	}
	if (!ret)
		ret = drop_static_call_sites(&rw);
	if (!ret) {
		for (i = 0; i < rw.n_imps; i++)
			rw.imps[i].how = import_how(&rw.imps[i]);
		ret = fill_report(&rw);
	}
	if (!ret && !rw.opts->analyse_only)
		ret = build_output(&rw);
	rw_free(&rw);
	if (ret) {
		nooks_rewrite_result_free(res);
		if (err && errlen && !err[0])
			snprintf(err, errlen, "rewrite failed (%s)", strerror(-ret));
	}
	return ret;
}
