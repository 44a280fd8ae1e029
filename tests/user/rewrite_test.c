// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the module rewriter (tools/nooksctl/rewrite.c) on Debian's
 * modules and on malformed inputs. The output is checked with libelf
 * directly, not with the rewriter's own bookkeeping, so that a bug in
 * one is not hidden by the same bug in the other. Prints TAP.
 *
 * Usage: rewrite_test [--fuzz N] MODULE_DIR   all tests
 *        rewrite_test --write IN OUT          rewrite IN into OUT
 *        rewrite_test --bad FILE DESC         FILE must be refused
 *        rewrite_test --synthetic FILE        checks of a hand-made module
 *        rewrite_test --check FILE            the checks any module passes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "in_domain.h"
#include "rewrite.h"
#include "tap.h"

#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))

#define CRC_ENTRY	0xc0ffee01U
#define CRC_EXIT	0xc0ffee02U
#define SIG_MAGIC	"~Module signature appended~\n"

/* === Callbacks the tests pass to the rewriter === */

static bool fake_crc(void *ctx, const char *name, uint32_t *crc)
{
	(void)ctx;
	if (!strcmp(name, NOOKS_ENTRY_GATE))
		*crc = CRC_ENTRY;
	else if (!strcmp(name, NOOKS_EXIT_GATE))
		*crc = CRC_EXIT;
	else
		return false;
	return true;
}

static bool no_crc(void *ctx, const char *name, uint32_t *crc)
{
	(void)ctx;
	(void)name;
	(void)crc;
	return false;
}

/* What BTF would say about a few names; unknown for all others. */
static bool fake_proto(void *ctx, const char *name, bool driver_fn,
		       struct nooks_proto *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->found = true;
	out->is_func = true;
	if (driver_fn) {
		if (!strcmp(name, "init_module"))
			out->ret_class = NOOKS_RET_INT;
		else if (!strcmp(name, "null_queue_rq"))
			out->ret_class = NOOKS_RET_BLK_STATUS;
		else if (!strcmp(name, "e1000_intr"))
			out->ret_class = NOOKS_RET_ZERO;
		else
			return false;
		return true;
	}
	if (!strcmp(name, "jiffies")) {
		out->is_func = false;
	} else if (!strcmp(name, "_printk") || !strcmp(name, "netdev_info")) {
		out->stack_slots = NOOKS_MAX_STACK_SLOTS;
		out->ret_class = NOOKS_RET_INT;
	} else if (!strcmp(name, "kfree")) {
		out->ret_class = NOOKS_RET_VOID;
	} else if (!strcmp(name, "netdev_err")) {
		/* more than a gate can copy: must be flagged */
		out->stack_slots = NOOKS_MAX_STACK_SLOTS + 4;
		out->ret_class = NOOKS_RET_INT;
	} else if (strcmp(name, "eth_validate_addr")) {
		return false;
	}
	return true;
}

static const struct nooks_rewrite_opts opts_plain = { .crc = fake_crc };
static const struct nooks_rewrite_opts opts_proto = {
	.proto = fake_proto, .crc = fake_crc,
};

/* === A small read-only view of an ELF image, for checking === */

struct view {
	Elf *e;
	size_t shnum;
	size_t shstrndx;
	size_t symtab;
	GElf_Shdr *sh;
	const unsigned char *img;
	size_t size;
	GElf_Sym *syms;
	size_t nsyms;
	const char *strs;
};

static void view_close(struct view *v)
{
	free(v->sh);
	free(v->syms);
	elf_end(v->e);
	memset(v, 0, sizeof(*v));
}

static bool view_open(struct view *v, const void *img, size_t size)
{
	Elf_Data *d;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->img = img;
	v->size = size;
	v->e = elf_memory((char *)img, size);
	if (!v->e || elf_getshdrnum(v->e, &v->shnum) ||
	    elf_getshdrstrndx(v->e, &v->shstrndx))
		goto bad;
	v->sh = calloc(v->shnum, sizeof(*v->sh));
	if (!v->sh)
		goto bad;
	for (i = 0; i < v->shnum; i++) {
		if (!gelf_getshdr(elf_getscn(v->e, i), &v->sh[i]))
			goto bad;
		if (v->sh[i].sh_type == SHT_SYMTAB)
			v->symtab = i;
	}
	if (!v->symtab)
		goto bad;
	d = elf_getdata(elf_getscn(v->e, v->symtab), NULL);
	if (!d)
		goto bad;
	v->nsyms = v->sh[v->symtab].sh_size / sizeof(Elf64_Sym);
	v->syms = calloc(v->nsyms, sizeof(*v->syms));
	if (!v->syms)
		goto bad;
	for (i = 0; i < v->nsyms; i++)
		if (!gelf_getsym(d, i, &v->syms[i]))
			goto bad;
	v->strs = (const char *)img + v->sh[v->sh[v->symtab].sh_link].sh_offset;
	return true;
bad:
	view_close(v);
	return false;
}

static const char *sec_name(const struct view *v, size_t i)
{
	return elf_strptr(v->e, v->shstrndx, v->sh[i].sh_name);
}

static size_t sec_find(const struct view *v, const char *name)
{
	size_t i;

	for (i = 1; i < v->shnum; i++)
		if (!strcmp(sec_name(v, i), name))
			return i;
	return 0;
}

static const unsigned char *sec_data(const struct view *v, size_t i)
{
	return v->img + v->sh[i].sh_offset;
}

static const char *sym_name(const struct view *v, size_t i)
{
	return v->strs + v->syms[i].st_name;
}

static size_t sym_find(const struct view *v, const char *name)
{
	size_t i;

	for (i = 1; i < v->nsyms; i++)
		if (!strcmp(sym_name(v, i), name))
			return i;
	return 0;
}

/* Relocations of section idx (a SHT_RELA), malloc'd. */
static GElf_Rela *relas(const struct view *v, size_t idx, size_t *n)
{
	Elf_Data *d = elf_getdata(elf_getscn(v->e, idx), NULL);
	GElf_Rela *r;
	size_t i;

	*n = v->sh[idx].sh_size / sizeof(Elf64_Rela);
	r = calloc(*n ? *n : 1, sizeof(*r));
	for (i = 0; r && d && i < *n; i++)
		gelf_getrela(d, i, &r[i]);
	return r;
}

static size_t rela_for(const struct view *v, size_t target)
{
	size_t i;

	for (i = 1; i < v->shnum; i++)
		if (v->sh[i].sh_type == SHT_RELA && v->sh[i].sh_info == target)
			return i;
	return 0;
}

static __u32 le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

static __u64 le64(const unsigned char *p)
{
	return le32(p) | (__u64)le32(p + 4) << 32;
}

/* The rewriter's rules, restated independently. */
static bool never_touch(const struct view *v, size_t i)
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
	const char *n = sec_name(v, i);
	size_t k;

	if (!(v->sh[i].sh_flags & SHF_ALLOC))
		return true;
	for (k = 0; k < ARRAY_LEN(names); k++)
		if (!strcmp(n, names[k]))
			return true;
	return !strncmp(n, ".debug_", 7) || !strncmp(n, ".discard.", 9) ||
	       !strncmp(n, ".BTF", 4);
}

static bool branch_at(const struct view *v, size_t sec, GElf_Addr off)
{
	const unsigned char *p = sec_data(v, sec);

	if (!(v->sh[sec].sh_flags & SHF_EXECINSTR))
		return false;
	if (off >= 1 && (p[off - 1] == 0xe8 || p[off - 1] == 0xe9))
		return true;
	return off >= 2 && p[off - 2] == 0x0f && (p[off - 1] & 0xf0) == 0x80;
}

static bool pcrel(unsigned int type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32;
}

static bool crosses(const char *name)
{
	return !nooks_in_domain_reason(name) && strncmp(name, "nooks_", 6);
}

/* A FUNC symbol of the input named name (or name.N) starting at sec+off? */
static bool func_at(const struct view *v, const char *name, size_t sec,
		    GElf_Addr off)
{
	size_t i, len = strlen(name);

	for (i = 1; i < v->nsyms; i++) {
		const char *n = sym_name(v, i);

		if (GELF_ST_TYPE(v->syms[i].st_info) != STT_FUNC ||
		    v->syms[i].st_shndx != sec || v->syms[i].st_value != off)
			continue;
		/* A unique-making ".N" suffix may follow the name. */
		if (!strncmp(n, name, strlen(n)) &&
		    (len == strlen(n) || name[strlen(n)] == '.'))
			return true;
	}
	return false;
}

/* === Checks of one rewritten module === */

struct counts {
	unsigned int entry, exit, unchanged, bad;
	char first_bad[200];
};

static void bad(struct counts *c, const char *fmt, ...) __printf(2, 3);
static void bad(struct counts *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->bad++) {
		va_start(ap, fmt);
		vsnprintf(c->first_bad, sizeof(c->first_bad), fmt, ap);
		va_end(ap);
	}
}

/*
 * Every relocation of the output, compared with the input's at the same
 * place: unchanged, or moved to the stub it should have moved to.
 */
static void check_relocs(const struct view *in, const struct view *out,
			 struct counts *c, struct counts *kept)
{
	size_t i, j;

	for (i = 1; i < in->shnum; i++) {
		size_t t = in->sh[i].sh_info, ni, no;
		GElf_Rela *ri, *ro;
		bool keep;

		if (in->sh[i].sh_type != SHT_RELA)
			continue;
		keep = never_touch(in, t);
		ri = relas(in, i, &ni);
		ro = relas(out, i, &no);
		if (!strcmp(sec_name(in, t), ".static_call_sites")) {
			/* checked by check_static_calls */
			free(ri);
			free(ro);
			continue;
		}
		if (!strcmp(sec_name(in, t), ".orc_unwind_ip") ? no != ni + 2 && no != ni :
		    no != ni) {
			bad(keep ? kept : c, "%s: %zu relocations, was %zu",
			    sec_name(in, i), no, ni);
			free(ri);
			free(ro);
			continue;
		}
		for (j = 0; j < ni; j++) {
			const GElf_Rela *a = &ri[j], *b = &ro[j];
			size_t sa = GELF_R_SYM(a->r_info), sb = GELF_R_SYM(b->r_info);
			const char *na = sym_name(in, sa), *nb = sym_name(out, sb);
			unsigned int type = GELF_R_TYPE(a->r_info);
			const GElf_Sym *syma = &in->syms[sa];
			GElf_Addr fn;

			if (a->r_offset != b->r_offset ||
			    GELF_R_TYPE(b->r_info) != type) {
				bad(keep ? kept : c, "%s[%zu] moved", sec_name(in, i), j);
				continue;
			}
			if (keep) {
				if (sa != sb || a->r_addend != b->r_addend)
					bad(kept, "%s[%zu] (%s) changed to %s",
					    sec_name(in, i), j, na, nb);
				else
					kept->unchanged++;
				continue;
			}
			if (sa == sb && a->r_addend == b->r_addend) {
				/* a call that should have moved? */
				if (syma->st_shndx == SHN_UNDEF && *na &&
				    pcrel(type) && branch_at(in, t, a->r_offset) &&
				    crosses(na))
					bad(c, "%s[%zu]: call to %s not redirected",
					    sec_name(in, i), j, na);
				c->unchanged++;
				continue;
			}
			if (!strncmp(nb, NOOKS_EXIT_PREFIX, strlen(NOOKS_EXIT_PREFIX))) {
				if (syma->st_shndx != SHN_UNDEF ||
				    strcmp(nb + strlen(NOOKS_EXIT_PREFIX), na) ||
				    !pcrel(type) || !branch_at(in, t, a->r_offset) ||
				    !crosses(na) || a->r_addend != b->r_addend)
					bad(c, "%s[%zu]: %s%+ld became %s%+ld",
					    sec_name(in, i), j, na, (long)a->r_addend,
					    nb, (long)b->r_addend);
				else
					c->exit++;
				continue;
			}
			if (!strncmp(nb, NOOKS_ENTRY_PREFIX, strlen(NOOKS_ENTRY_PREFIX))) {
				/* where the input pointed, as the kernel computes */
				fn = syma->st_value + a->r_addend;
				if (pcrel(type) && (in->sh[t].sh_flags & SHF_EXECINSTR))
					fn += 4;
				if (!func_at(in, nb + strlen(NOOKS_ENTRY_PREFIX),
					     syma->st_shndx, fn) ||
				    (pcrel(type) && branch_at(in, t, a->r_offset)) ||
				    (GElf_Sxword)(syma->st_value + a->r_addend - fn) !=
				    b->r_addend)
					bad(c, "%s[%zu]: %s%+ld became %s%+ld",
					    sec_name(in, i), j, na, (long)a->r_addend,
					    nb, (long)b->r_addend);
				else
					c->entry++;
				continue;
			}
			bad(c, "%s[%zu]: %s became %s", sec_name(in, i), j, na, nb);
		}
		free(ri);
		free(ro);
	}
}

static bool reloc_sym_is(const struct view *v, size_t sec, GElf_Addr off,
			 const char *name)
{
	size_t ri = rela_for(v, sec), n, j;
	GElf_Rela *r;
	bool found = false;

	if (!ri)
		return false;
	r = relas(v, ri, &n);
	for (j = 0; r && j < n; j++)
		if (r[j].r_offset == off &&
		    !strcmp(sym_name(v, GELF_R_SYM(r[j].r_info)), name))
			found = true;
	free(r);
	return found;
}

/* A call site of .static_call_sites: section and offset of the call. */
static bool scs_site(const struct view *v, const GElf_Rela *r, size_t n,
		     GElf_Addr entry, size_t *sec, GElf_Addr *off)
{
	size_t j;

	for (j = 0; j < n; j++) {
		const GElf_Sym *s = &v->syms[GELF_R_SYM(r[j].r_info)];

		if (r[j].r_offset != entry)
			continue;
		*sec = s->st_shndx;
		*off = s->st_value + r[j].r_addend;
		return true;
	}
	return false;
}

/* Is the call at sec+off+1 going to an exit stub in v? */
static bool site_gated(const struct view *v, size_t sec, GElf_Addr off)
{
	size_t ri = rela_for(v, sec), n, j;
	GElf_Rela *r;
	bool gated = false;

	if (!ri)
		return false;
	r = relas(v, ri, &n);
	for (j = 0; r && j < n; j++)
		if (r[j].r_offset == off + 1 &&
		    !strncmp(sym_name(v, GELF_R_SYM(r[j].r_info)), NOOKS_EXIT_PREFIX,
			     strlen(NOOKS_EXIT_PREFIX)))
			gated = true;
	free(r);
	return gated;
}

/*
 * The output's sites are the input's whose call does not go to an exit
 * stub, in order, each with its two relocations at its new place.
 */
static void check_static_calls(const char *mod, const struct view *in,
			       const struct view *out,
			       const struct nooks_rewrite_result *res)
{
	size_t si = sec_find(in, ".static_call_sites");
	size_t so = sec_find(out, ".static_call_sites");
	size_t ni = 0, no = 0, i, k = 0, sec, sec2;
	GElf_Rela *ri = NULL, *ro = NULL;
	unsigned int dropped = 0;
	bool good = true;
	GElf_Addr off, off2;

	if (!si) {
		ok(!so && !res->n_static_call_sites_dropped,
		   "%s: no static call sites", mod);
		return;
	}
	if (rela_for(in, si))
		ri = relas(in, rela_for(in, si), &ni);
	if (rela_for(out, so))
		ro = relas(out, rela_for(out, so), &no);
	for (i = 0; i < in->sh[si].sh_size / 8; i++) {
		if (!scs_site(in, ri, ni, i * 8, &sec, &off))
			continue;
		if (site_gated(out, sec, off)) {
			dropped++;
			continue;
		}
		/* kept: entry k of the output, same site, same key */
		if (!scs_site(out, ro, no, k * 8, &sec2, &off2) ||
		    sec2 != sec || off2 != off)
			good = false;
		k++;
	}
	good = good && out->sh[so].sh_size == k * 8 && no == 2 * k;
	for (i = 0; i < no; i++)
		if (ro[i].r_offset >= k * 8)
			good = false;
	ok(good && dropped == res->n_static_call_sites_dropped &&
	   in->sh[si].sh_size / 8 == k + dropped,
	   "%s: %u static call sites dropped, %zu kept, array and relocations consistent",
	   mod, dropped, k);
	free(ri);
	free(ro);
}

/*
 * What nooks.ko checks when the module comes (core/bind.c): every
 * import of the module has a manifest entry, and only allowed ones run
 * in the domain.
 */
static void check_bind(const char *mod, const struct view *out,
		       const unsigned char *m, __u32 imp_off, __u32 n_imp,
		       const char *strs, __u32 str_size)
{
	const char *missing = NULL;
	size_t i, n_und = 0;
	__u32 k;

	for (i = 1; i < out->nsyms; i++) {
		const char *name = sym_name(out, i);
		bool found = false;

		if (out->syms[i].st_shndx != SHN_UNDEF || !*name)
			continue;
		n_und++;
		for (k = 0; k < n_imp && !found; k++) {
			__u32 off = le32(m + imp_off + k * 8);
			__u32 how = le32(m + imp_off + k * 8 + 4);

			if (off >= str_size || strcmp(strs + off, name))
				continue;
			found = how <= NOOKS_IMPORT_NOOKS &&
				(how != NOOKS_IMPORT_IN_DOMAIN ||
				 nooks_in_domain_reason(name));
		}
		if (!found && !missing)
			missing = name;
	}
	ok(!missing, "%s: all %zu imports of the output are in the manifest, as nooks.ko wants%s%s",
	   mod, n_und, missing ? "; missing: " : "", missing ? missing : "");
}

static void check_manifest(const char *mod, const struct view *out,
			   const struct nooks_rewrite_result *res)
{
	size_t ms = sec_find(out, NOOKS_MANIFEST_SECTION);
	size_t ss = sec_find(out, NOOKS_STUB_SECTION);
	size_t msym = sym_find(out, NOOKS_MANIFEST_SYMBOL);
	const unsigned char *m, *stubs;
	__u32 n_gates, gates_off, n_imp, imp_off, str_off, str_size, i, n_new;
	GElf_Rela *mr = NULL, *sr = NULL;
	size_t size, nmr = 0, nsr = 0;
	bool good = true, stubs_good = true;
	const char *strs;

	if (!ok(ms && msym && out->sh[ms].sh_type == SHT_PROGBITS &&
		out->sh[ms].sh_flags == (SHF_ALLOC | SHF_WRITE) &&
		out->syms[msym].st_shndx == ms && !out->syms[msym].st_value &&
		out->syms[msym].st_size == out->sh[ms].sh_size &&
		GELF_ST_BIND(out->syms[msym].st_info) == STB_GLOBAL,
		"%s: manifest section and symbol", mod))
		return;
	m = sec_data(out, ms);
	size = out->sh[ms].sh_size;
	n_gates = le32(m + 16);
	gates_off = le32(m + 20);
	n_imp = le32(m + 24);
	imp_off = le32(m + 28);
	str_off = le32(m + 32);
	str_size = le32(m + 36);
	/* the gates the stubs jump to are imports too */
	n_new = !!res->n_entry_gates + !!res->n_exit_gates;
	if (!ok(size >= 40 && le32(m) == NOOKS_MANIFEST_MAGIC &&
		le32(m + 4) == NOOKS_MANIFEST_VERSION && !le64(m + 8) &&
		n_gates == res->n_entry_gates + res->n_exit_gates &&
		n_imp == res->n_imports + n_new && gates_off >= 40 &&
		(__u64)gates_off + n_gates * 24ULL <= imp_off &&
		(__u64)imp_off + n_imp * 8ULL <= str_off &&
		(__u64)str_off + str_size <= size && str_size &&
		!m[str_off + str_size - 1] && !(gates_off % 8),
		"%s: manifest header (%u gates, %u imports, %u bytes of names)",
		mod, n_gates, n_imp, str_size))
		return;
	strs = (const char *)m + str_off;
	if (rela_for(out, ms))
		mr = relas(out, rela_for(out, ms), &nmr);
	if (ss && rela_for(out, ss))
		sr = relas(out, rela_for(out, ss), &nsr);
	good = nmr == n_gates;
	for (i = 0; i < n_imp; i++) {
		__u32 name = le32(m + imp_off + i * 8);
		__u32 how = le32(m + imp_off + i * 8 + 4);

		if (name >= str_size)
			good = false;
		else if (i < res->n_imports)
			good = good && !strcmp(strs + name, res->imports[i].name) &&
			       how == res->imports[i].how;
		else
			good = good && how == NOOKS_IMPORT_NOOKS &&
			       (!strcmp(strs + name, NOOKS_ENTRY_GATE) ||
				!strcmp(strs + name, NOOKS_EXIT_GATE));
	}
	for (i = 0; i < n_gates && good; i++) {
		const unsigned char *d = m + gates_off + i * 24;
		__u32 kind = le32(d + 8), name = le32(d + 20);
		const char *pfx = kind == NOOKS_GATE_ENTRY ? NOOKS_ENTRY_PREFIX :
							     NOOKS_EXIT_PREFIX;
		const GElf_Rela *r = &mr[i];
		size_t tsym = GELF_R_SYM(r->r_info);
		const GElf_Sym *stub;
		char want[256];
		size_t s;

		/* entries first, then exits: kind follows the counts */
		bool undef = out->syms[tsym].st_shndx == SHN_UNDEF;
		bool is_exit = kind == NOOKS_GATE_EXIT;

		if (kind != (i < res->n_entry_gates ? NOOKS_GATE_ENTRY :
						      NOOKS_GATE_EXIT) ||
		    le32(d + 12) >= __NOOKS_RET_MAX ||
		    le32(d + 16) > NOOKS_MAX_STACK_SLOTS || name >= str_size ||
		    r->r_offset != gates_off + i * 24 ||
		    GELF_R_TYPE(r->r_info) != R_X86_64_64 || r->r_addend ||
		    strcmp(sym_name(out, tsym), strs + name) ||
		    is_exit != undef ||
		    (kind == NOOKS_GATE_ENTRY &&
		     GELF_ST_TYPE(out->syms[tsym].st_info) != STT_FUNC)) {
			good = false;
			break;
		}
		/* its stub: name, place, bytes, three relocations */
		snprintf(want, sizeof(want), "%s%s", pfx, strs + name);
		for (s = out->nsyms; s-- > 1;)
			if (out->syms[s].st_shndx == ss &&
			    out->syms[s].st_value == i * NOOKS_STUB_SIZE)
				break;
		stub = &out->syms[s];
		if (!ss || s < 1 || strncmp(sym_name(out, s), want, strlen(want)) ||
		    GELF_ST_TYPE(stub->st_info) != STT_FUNC ||
		    stub->st_size != NOOKS_STUB_SIZE || nsr != 3 * n_gates) {
			stubs_good = false;
			break;
		}
		stubs = sec_data(out, ss) + i * NOOKS_STUB_SIZE;
		if (memcmp(stubs, "\x4c\x8d\x15\0\0\0\0\x4c\x8d\x1d\0\0\0\0\xe9\0\0\0\0", 19) ||
		    stubs[19] != 0xcc || stubs[31] != 0xcc ||
		    sr[3 * i].r_offset != i * 32 + 3 ||
		    GELF_R_SYM(sr[3 * i].r_info) != msym ||
		    GELF_R_TYPE(sr[3 * i].r_info) != R_X86_64_PC32 ||
		    sr[3 * i].r_addend != -4 ||
		    sr[3 * i + 1].r_offset != i * 32 + 10 ||
		    GELF_R_SYM(sr[3 * i + 1].r_info) != msym ||
		    sr[3 * i + 1].r_addend != (GElf_Sxword)(gates_off + i * 24) - 4 ||
		    sr[3 * i + 2].r_offset != i * 32 + 15 ||
		    GELF_R_TYPE(sr[3 * i + 2].r_info) != R_X86_64_PLT32 ||
		    sr[3 * i + 2].r_addend != -4 ||
		    strcmp(sym_name(out, GELF_R_SYM(sr[3 * i + 2].r_info)),
			   kind == NOOKS_GATE_ENTRY ? NOOKS_ENTRY_GATE : NOOKS_EXIT_GATE))
			stubs_good = false;
	}
	ok(good, "%s: manifest descriptors, imports and names match report and relocations",
	   mod);
	check_bind(mod, out, m, imp_off, n_imp, strs, str_size);
	if (n_gates && (out->sh[ss].sh_size != n_gates * NOOKS_STUB_SIZE ||
			out->sh[ss].sh_flags != (SHF_ALLOC | SHF_EXECINSTR) ||
			out->sh[ss].sh_addralign != 16))
		stubs_good = false;
	ok(stubs_good,
	   "%s: %u stubs: bytes, symbols and relocations", mod, n_gates);
	free(mr);
	free(sr);
}

static void check_section_links(const char *mod, const struct view *out)
{
	size_t i;
	bool good = true;

	for (i = 1; i < out->shnum; i++) {
		const GElf_Shdr *s = &out->sh[i];

		if (s->sh_type != SHT_RELA)
			continue;
		if (s->sh_link != out->symtab || !s->sh_info ||
		    s->sh_info >= out->shnum || !(s->sh_flags & SHF_INFO_LINK) ||
		    s->sh_entsize != sizeof(Elf64_Rela))
			good = false;
	}
	ok(good, "%s: every relocation section links the symbol table and its section", mod);
}

static void check_versions(const char *mod, const struct view *out,
			   const struct nooks_rewrite_result *res)
{
	size_t v = sec_find(out, "__versions"), i;
	bool entry = false, exit = false;
	const unsigned char *p;

	if (!ok(v && !(out->sh[v].sh_size % 64), "%s: __versions present", mod))
		return;
	p = sec_data(out, v);
	for (i = 0; i < out->sh[v].sh_size; i += 64) {
		if (!strcmp((const char *)p + i + 8, NOOKS_ENTRY_GATE))
			entry = le64(p + i) == CRC_ENTRY;
		if (!strcmp((const char *)p + i + 8, NOOKS_EXIT_GATE))
			exit = le64(p + i) == CRC_EXIT;
	}
	ok(entry == !!res->n_entry_gates && exit == !!res->n_exit_gates,
	   "%s: __versions has %s%s%s with the CRCs passed", mod,
	   entry ? NOOKS_ENTRY_GATE : "", entry && exit ? " and " : "",
	   exit ? NOOKS_EXIT_GATE : "");
}

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

static void check_modinfo(const char *mod, const struct view *in,
			  const struct view *out)
{
	size_t si = sec_find(in, ".modinfo"), so = sec_find(out, ".modinfo");
	const char *a = (const char *)sec_data(in, si);
	const char *b = (const char *)sec_data(out, so);
	size_t i = 0, j = 0, na = in->sh[si].sh_size, nb = out->sh[so].sh_size;
	bool same = true, deps = false;
	char old[512] = "";

	/* the same strings in the same order, but for depends= */
	while (i < na && j < nb) {
		if (!strncmp(a + i, "depends=", 8) && !strncmp(b + j, "depends=", 8)) {
			deps = list_has(b + j + 8, "nooks");
			snprintf(old, sizeof(old), "%s", a + i + 8);
			/* every old dependency is still there */
			for (char *w = strtok(old, ","); w; w = strtok(NULL, ","))
				if (!list_has(b + j + 8, w))
					same = false;
		} else if (strcmp(a + i, b + j)) {
			same = false;
		}
		i += strlen(a + i) + 1;
		j += strlen(b + j) + 1;
	}
	ok(same && deps && i == na && j == nb,
	   "%s: .modinfo depends has nooks, other strings unchanged", mod);
}

static const char *how_of(const struct nooks_rewrite_result *res,
			  const char *name)
{
	size_t i;

	for (i = 0; i < res->n_imports; i++)
		if (!strcmp(res->imports[i].name, name))
			return nooks_import_how_name(res->imports[i].how);
	return "(not imported)";
}

static const struct nooks_import_report *
import_of(const struct nooks_rewrite_result *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->n_imports; i++)
		if (!strcmp(res->imports[i].name, name))
			return &res->imports[i];
	return NULL;
}

/* Both views, or neither. */
static bool open_both(struct view *in, const void *ko, size_t len,
		      struct view *out, const struct nooks_rewrite_result *res)
{
	if (!view_open(in, ko, len))
		return false;
	if (view_open(out, res->image, res->size))
		return true;
	view_close(in);
	return false;
}

/* What must hold of any rewritten module. */
static void check_output(const char *name, const struct view *in,
			 const struct view *out,
			 const struct nooks_rewrite_result *res)
{
	struct counts c = { 0 }, kept = { 0 };
	size_t oi = sec_find(in, ".orc_unwind_ip");
	size_t oo = sec_find(out, ".orc_unwind_ip");
	size_t u = sec_find(out, ".orc_unwind");

	check_relocs(in, out, &c, &kept);
	ok(!c.bad && c.exit == res->n_exit_relocs && c.entry == res->n_entry_relocs,
	   "%s: %u calls moved to exit stubs, %u references to entry stubs, %u unchanged%s%s",
	   name, c.exit, c.entry, c.unchanged, c.bad ? "; first problem: " : "",
	   c.first_bad);
	ok(!kept.bad, "%s: %u relocations of kernel-patched and unwind sections unchanged%s%s",
	   name, kept.unchanged, kept.bad ? "; first problem: " : "",
	   kept.first_bad);
	check_section_links(name, out);
	check_versions(name, out, res);
	check_modinfo(name, in, out);
	check_manifest(name, out, res);
	check_static_calls(name, in, out, res);
	if (import_of(res, "__fentry__") || import_of(res, "__x86_return_thunk"))
		ok(strcmp(how_of(res, "__fentry__"), "gate") &&
		   strcmp(how_of(res, "__x86_return_thunk"), "gate"),
		   "%s: __fentry__ and __x86_return_thunk stay in the domain", name);
	if (oi && (res->n_entry_gates || res->n_exit_gates))
		ok(out->sh[oo].sh_size == in->sh[oi].sh_size + 8 &&
		   out->sh[u].sh_size / 6 == out->sh[oo].sh_size / 4 &&
		   !memcmp(sec_data(out, oo), sec_data(in, oi), in->sh[oi].sh_size),
		   "%s: ORC tables grew by the stubs' two entries", name);
}

struct module_expect {
	const char *file;
	const char *name;
	unsigned int min_entries, max_entries;
	bool has_init, has_exit;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void check_stub_desc_fields(const char *mod, const struct view *out,
				   const char *stub, __u32 ret_class, __u32 slots)
{
	size_t ms = sec_find(out, NOOKS_MANIFEST_SECTION);
	size_t s = sym_find(out, stub);
	const unsigned char *m = sec_data(out, ms), *d;
	size_t i = out->syms[s].st_value / NOOKS_STUB_SIZE;

	if (!ok(s, "%s: has a stub %s", mod, stub))
		return;
	d = m + le32(m + 20) + i * 24;
	ok(le32(d + 12) == ret_class && le32(d + 16) == slots,
	   "%s: %s descriptor: ret_class %u (want %u), stack_slots %u (want %u)",
	   mod, stub, le32(d + 12), ret_class, le32(d + 16), slots);
}

static void test_module(const char *dir, const struct module_expect *x)
{
	struct nooks_rewrite_result res, res2, ana;
	struct view in, out;
	char path[4096], err[256];
	unsigned int how[NOOKS_IMPORT_NOOKS + 1] = { 0 };
	double t0, t1;
	void *ko, *stripped;
	size_t len, i;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, x->file);
	ko = read_file(path, &len);
	if (!ok(ko, "%s: read %s", x->name, path))
		return;

	ret = nooks_rewrite(ko, len, NULL, &ana, err, sizeof(err));
	ok(!ret && !ana.image && !strcmp(ana.modname, x->name),
	   "%s: analysis without options", x->name);
	ret = nooks_rewrite(ko, len, &opts_plain, &res, err, sizeof(err));
	ok(!ret, "%s: rewrite without prototypes%s%s", x->name,
	   ret ? ": " : "", ret ? err : "");
	nooks_rewrite_result_free(&res);
	t0 = now_ms();
	ret = nooks_rewrite(ko, len, &opts_proto, &res, err, sizeof(err));
	t1 = now_ms();
	if (!ok(!ret && res.image, "%s: rewrite with prototypes%s%s", x->name,
		ret ? ": " : "", ret ? err : "")) {
		nooks_rewrite_result_free(&ana);
		free(ko);
		return;
	}
	ok(!strcmp(res.modname, x->name), "%s: module name is \"%s\"", x->name,
	   res.modname);
	ok(res.had_signature &&
	   !memmem(res.image, res.size, SIG_MAGIC, strlen(SIG_MAGIC)),
	   "%s: signature stripped", x->name);
	for (i = 0; i < res.n_imports; i++)
		how[res.imports[i].how]++;
	diag("%s: %zu imports: %u gate, %u in-domain, %u data, %u address, %u nooks",
	     x->name, res.n_imports, how[NOOKS_IMPORT_GATE],
	     how[NOOKS_IMPORT_IN_DOMAIN], how[NOOKS_IMPORT_DATA],
	     how[NOOKS_IMPORT_ADDRESS], how[NOOKS_IMPORT_NOOKS]);
	diag("%s: %u entry gates (%u refs), %u exit gates (%u calls), %u sites dropped, %.2f ms",
	     x->name, res.n_entry_gates, res.n_entry_relocs, res.n_exit_gates,
	     res.n_exit_relocs, res.n_static_call_sites_dropped, t1 - t0);
	ok(ana.n_imports == res.n_imports &&
	   ana.n_entry_gates == res.n_entry_gates &&
	   ana.n_exit_gates == res.n_exit_gates &&
	   ana.n_entry_relocs == res.n_entry_relocs &&
	   ana.n_exit_relocs == res.n_exit_relocs &&
	   ana.n_static_call_sites_dropped == res.n_static_call_sites_dropped,
	   "%s: analysis counts equal the rewrite's", x->name);
	ok(res.n_entry_gates >= x->min_entries &&
	   res.n_entry_gates <= x->max_entries && res.n_exit_gates > 0 &&
	   res.n_entry_relocs >= res.n_entry_gates &&
	   res.n_exit_relocs >= res.n_exit_gates,
	   "%s: %u entry gates (expected %u..%u), %u exit gates", x->name,
	   res.n_entry_gates, x->min_entries, x->max_entries,
	   res.n_exit_gates);

	/* the input without its signature, as the rewriter saw it */
	stripped = malloc(len);
	memcpy(stripped, ko, len);
	if (!ok(open_both(&in, stripped, len, &out, &res),
		"%s: input and output readable by libelf", x->name))
		goto out;
	check_output(x->name, &in, &out, &res);
	if (x->has_init)
		ok(reloc_sym_is(&out, sec_find(&out, ".gnu.linkonce.this_module"),
				0x138, NOOKS_ENTRY_PREFIX "init_module"),
		   "%s: module init goes through __nooks_entry_init_module", x->name);
	if (x->has_exit)
		ok(reloc_sym_is(&out, sec_find(&out, ".gnu.linkonce.this_module"),
				0x350, NOOKS_ENTRY_PREFIX "cleanup_module"),
		   "%s: module exit goes through __nooks_entry_cleanup_module", x->name);
	if (!strcmp(x->name, "e1000")) {
		const struct nooks_import_report *e = import_of(&res, "netdev_err");

		ok(!strcmp(how_of(&res, "__udelay"), "in-domain") &&
		   !strcmp(how_of(&res, "jiffies"), "data") &&
		   !strcmp(how_of(&res, "_printk"), "typed") &&
		   !strcmp(how_of(&res, "netdev_info"), "typed") &&
		   !strcmp(how_of(&res, "eth_validate_addr"), "address") &&
		   !strcmp(how_of(&res, "param_ops_int"), "data"),
		   "e1000: __udelay %s, jiffies %s, _printk %s, netdev_info %s, eth_validate_addr %s, param_ops_int %s",
		   how_of(&res, "__udelay"), how_of(&res, "jiffies"),
		   how_of(&res, "_printk"), how_of(&res, "netdev_info"),
		   how_of(&res, "eth_validate_addr"), how_of(&res, "param_ops_int"));
		ok(e && e->unsupported && e->why,
		   "e1000: an import needing more stack slots than a gate copies is flagged (%s)",
		   e && e->why ? e->why : "not flagged");
		ok(res.n_entry_relocs == 69 && res.n_entry_gates == 60,
		   "e1000: 60 address-taken functions from 69 relocations, as DESIGN.md found (%u from %u)",
		   res.n_entry_gates, res.n_entry_relocs);
		ok(res.n_imports == 154, "e1000: 154 imports (%zu)", res.n_imports);
		check_stub_desc_fields("e1000", &out, NOOKS_EXIT_PREFIX "_printk",
				       NOOKS_RET_INT, NOOKS_MAX_STACK_SLOTS);
		check_stub_desc_fields("e1000", &out, NOOKS_EXIT_PREFIX "kfree",
				       NOOKS_RET_VOID, 0);
		check_stub_desc_fields("e1000", &out, NOOKS_EXIT_PREFIX "netdev_err",
				       NOOKS_RET_INT, NOOKS_MAX_STACK_SLOTS);
		check_stub_desc_fields("e1000", &out, NOOKS_EXIT_PREFIX "msleep",
				       NOOKS_RET_UNKNOWN, NOOKS_MAX_STACK_SLOTS);
		check_stub_desc_fields("e1000", &out, NOOKS_ENTRY_PREFIX "init_module",
				       NOOKS_RET_INT, 0);
		check_stub_desc_fields("e1000", &out, NOOKS_ENTRY_PREFIX "e1000_intr",
				       NOOKS_RET_ZERO, 0);
	}
	if (!strcmp(x->name, "null_blk"))
		/* not clamped to "unknown" (0, BLK_STS_OK: a lost request) */
		check_stub_desc_fields("null_blk", &out,
				       NOOKS_ENTRY_PREFIX "null_queue_rq",
				       NOOKS_RET_BLK_STATUS, 0);
	view_close(&out);
	view_close(&in);

	ret = nooks_rewrite(ko, len, &opts_proto, &res2, err, sizeof(err));
	ok(!ret && res2.size == res.size && !memcmp(res.image, res2.image, res.size),
	   "%s: the same input gives the same output", x->name);
	nooks_rewrite_result_free(&res2);
	{
		struct nooks_rewrite_opts o = { .crc = no_crc };

		ret = nooks_rewrite(ko, len, &o, &res2, err, sizeof(err));
		ok(ret < 0 && strstr(err, NOOKS_ENTRY_GATE) && !res2.image,
		   "%s: an unknown CRC fails the rewrite (%s)", x->name, err);
		nooks_rewrite_result_free(&res2);
	}
	/* the rewritten module is refused: rewriting twice would nest gates */
	ret = nooks_rewrite(res.image, res.size, &opts_proto, &res2, err, sizeof(err));
	ok(ret < 0 && strstr(err, "already"), "%s: a rewritten module is refused (%s)",
	   x->name, err);
	nooks_rewrite_result_free(&res2);
out:
	free(stripped);
	nooks_rewrite_result_free(&res);
	nooks_rewrite_result_free(&ana);
	free(ko);
}

/* === Malformed inputs === */

/* One line, no crash: what every bad input must give. */
static bool refused(const void *buf, size_t len, char *err, size_t errlen)
{
	struct nooks_rewrite_result res;
	int ret;

	memset(&res, 0x5a, sizeof(res));
	ret = nooks_rewrite(buf, len, &opts_proto, &res, err, errlen);
	if (!ret) {
		nooks_rewrite_result_free(&res);
		return false;
	}
	return ret < 0 && err[0] && !strchr(err, '\n') && !res.image &&
	       !res.imports;
}

static void test_bad(const char *desc, const void *buf, size_t len)
{
	char err[256] = "";
	bool r = refused(buf, len, err, sizeof(err));

	ok(r, "%s is refused: %s", desc, err);
}

static void put_le32(unsigned char *p, __u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put_le64(unsigned char *p, __u64 v)
{
	put_le32(p, v);
	put_le32(p + 4, v >> 32);
}

static void put_be32(unsigned char *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A fresh copy of the module to damage. */
static unsigned char *fresh(unsigned char *m, const unsigned char *ko, size_t len)
{
	memcpy(m, ko, len);
	return m;
}

struct raw_sec {
	size_t hdr;		/* file offset of the section header */
	__u64 off;		/* sh_offset */
	__u64 size;		/* sh_size */
};

static struct raw_sec raw_sec(const unsigned char *img, size_t len,
			      const char *name)
{
	struct raw_sec r = { 0 };
	struct view v;
	size_t i;

	if (!view_open(&v, img, len))
		return r;
	i = sec_find(&v, name);
	if (i) {
		r.hdr = le64(img + 0x28) + 64 * i;
		r.off = v.sh[i].sh_offset;
		r.size = v.sh[i].sh_size;
	}
	view_close(&v);
	return r;
}

static void test_malformed(const char *dir)
{
	static const size_t cuts[] = { 1, 4, 16, 63, 64, 65, 200, 4096, 20000 };
	struct raw_sec text, symtab, strtab, rela, modinfo;
	size_t len, body, i, sig_len_at;
	unsigned char *ko, *m;
	char path[4096];
	char desc[128];
	__u64 off;

	test_bad("an empty file", "", 0);
	test_bad("NULL with length 0", NULL, 0);
	test_bad("\"hello\"", "hello", 5);
	test_bad("a signature marker alone", SIG_MAGIC, strlen(SIG_MAGIC));

	snprintf(path, sizeof(path), "%s/drivers/net/ethernet/intel/e1000/e1000.ko", dir);
	ko = read_file(path, &len);
	if (!ok(ko && len > 1000, "read e1000.ko for malformed variants")) {
		free(ko);
		return;
	}
	m = malloc(len);
	/* the ELF ends with the section headers; the signature follows */
	body = le64(ko + 0x28) + 64 * (ko[0x3c] | ko[0x3d] << 8);
	sig_len_at = len - strlen(SIG_MAGIC) - 4;

	for (i = 0; i < ARRAY_LEN(cuts); i++) {
		snprintf(desc, sizeof(desc), "e1000.ko cut to %zu bytes", cuts[i]);
		test_bad(desc, ko, cuts[i]);
	}
	snprintf(desc, sizeof(desc), "e1000.ko cut to half (%zu bytes)", body / 2);
	test_bad(desc, ko, body / 2);
	test_bad("e1000.ko without signature, cut by one byte", ko, body - 1);

	fresh(m, ko, len)[EI_CLASS] = ELFCLASS32;
	test_bad("e1000.ko with EI_CLASS 32-bit", m, len);
	fresh(m, ko, len)[EI_DATA] = ELFDATA2MSB;
	test_bad("e1000.ko with EI_DATA big-endian", m, len);
	fresh(m, ko, len)[16] = ET_EXEC;
	test_bad("e1000.ko as ET_EXEC", m, len);
	fresh(m, ko, len)[18] = EM_AARCH64;
	test_bad("e1000.ko for another machine", m, len);
	put_be32(fresh(m, ko, len) + sig_len_at, 0xffffffff);
	test_bad("e1000.ko with signature length 0xffffffff", m, len);
	put_be32(fresh(m, ko, len) + sig_len_at, len - 40 + 1);
	test_bad("e1000.ko with signature length one past the start", m, len);
	/* the cut then takes the end of the section headers too */
	put_be32(fresh(m, ko, len) + sig_len_at, len - body - 40 + 1);
	test_bad("e1000.ko with a signature length one too long", m, len);
	put_le64(fresh(m, ko, len) + 0x28, len - 10);
	test_bad("e1000.ko with section headers past the end", m, len);
	put_le64(fresh(m, ko, len) + 0x28, ~0ULL - 63);
	test_bad("e1000.ko with section headers at 2^64 - 64", m, len);
	fresh(m, ko, len);
	m[0x3c] = 0xff;
	m[0x3d] = 0xff;
	test_bad("e1000.ko with 0xffff sections", m, len);
	fresh(m, ko, len);
	m[0x3c] = 0;
	m[0x3d] = 0;
	test_bad("e1000.ko with 0 sections", m, len);
	fresh(m, ko, len)[0x3e] = 0xf0;
	test_bad("e1000.ko with e_shstrndx out of range", m, len);
	fresh(m, ko, len)[0x3a] = 40;
	test_bad("e1000.ko with e_shentsize 40", m, len);

	text = raw_sec(ko, len, ".text");
	put_le64(fresh(m, ko, len) + text.hdr + 24, len * 2);
	test_bad("e1000.ko with .text's offset past the end", m, len);
	put_le64(fresh(m, ko, len) + text.hdr + 32, ~0ULL);
	test_bad("e1000.ko with .text's size 2^64 - 1", m, len);
	put_le32(fresh(m, ko, len) + text.hdr, 0x7fffffff);
	test_bad("e1000.ko with .text's name outside the name table", m, len);
	put_le64(fresh(m, ko, len) + text.hdr + 48, 3);
	test_bad("e1000.ko with .text's alignment 3", m, len);

	symtab = raw_sec(ko, len, ".symtab");
	strtab = raw_sec(ko, len, ".strtab");
	put_le64(fresh(m, ko, len) + symtab.hdr + 56, 16);
	test_bad("e1000.ko with a symbol table entry size of 16", m, len);
	put_le32(fresh(m, ko, len) + symtab.hdr + 40,
		 (symtab.hdr - le64(ko + 0x28)) / 64);
	test_bad("e1000.ko with the symbol table linked to itself", m, len);
	put_le32(fresh(m, ko, len) + symtab.hdr + 44, 0x7fffffff);
	test_bad("e1000.ko with sh_info past the symbol table", m, len);
	/* symbol 1: st_name at +0, st_shndx at +6 */
	put_le32(fresh(m, ko, len) + symtab.off + 24, 0x7fffffff);
	test_bad("e1000.ko with a symbol name outside the string table", m, len);
	fresh(m, ko, len);
	m[symtab.off + 24 + 6] = 0xf0;
	m[symtab.off + 24 + 7] = 0x7f;
	test_bad("e1000.ko with a symbol in section 0x7ff0", m, len);
	fresh(m, ko, len)[strtab.off + strtab.size - 1] = 'x';
	test_bad("e1000.ko with an unterminated string table", m, len);

	rela = raw_sec(ko, len, ".rela.text");
	put_le32(fresh(m, ko, len) + rela.hdr + 44, 999);
	test_bad("e1000.ko with .rela.text applying to section 999", m, len);
	put_le32(fresh(m, ko, len) + rela.hdr + 40,
		 (text.hdr - le64(ko + 0x28)) / 64);
	test_bad("e1000.ko with .rela.text linked to .text", m, len);
	put_le64(fresh(m, ko, len) + rela.hdr + 56, 8);
	test_bad("e1000.ko with .rela.text entry size 8", m, len);
	put_le64(fresh(m, ko, len) + rela.off, 0x7ffffff0);
	test_bad("e1000.ko with a relocation past .text", m, len);
	put_le32(fresh(m, ko, len) + rela.off + 12, 0xffffff);
	test_bad("e1000.ko with a relocation using symbol 0xffffff", m, len);

	put_le64(fresh(m, ko, len) + raw_sec(ko, len, ".gnu.linkonce.this_module").hdr + 8, 0);
	test_bad("e1000.ko without .gnu.linkonce.this_module", m, len);
	modinfo = raw_sec(ko, len, ".modinfo");
	fresh(m, ko, len)[modinfo.off + modinfo.size - 1] = 'x';
	test_bad("e1000.ko with .modinfo unterminated", m, len);
	put_le64(fresh(m, ko, len) + raw_sec(ko, len, "__versions").hdr + 8, 0);
	test_bad("e1000.ko without __versions", m, len);
	put_le64(fresh(m, ko, len) + raw_sec(ko, len, ".static_call_sites").hdr + 32, 7);
	test_bad("e1000.ko with .static_call_sites of 7 bytes", m, len);
	off = raw_sec(ko, len, ".symtab").hdr;
	put_le64(fresh(m, ko, len) + off + 32, 0);
	test_bad("e1000.ko with an empty symbol table", m, len);
	free(m);
	free(ko);
}

/* Flip random bytes of a module's headers and tables; nothing may crash. */
static void test_fuzz(const char *dir, const char *file, unsigned int rounds)
{
	unsigned int i, refused_n = 0, accepted = 0, badmsg = 0, unreadable = 0;
	unsigned char *ko, *m;
	char path[4096], err[256];
	size_t len;
	struct view v;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ko = read_file(path, &len);
	if (!ok(!!ko, "read %s for fuzzing", file))
		return;
	m = malloc(len);
	srand(1);
	for (i = 0; i < rounds; i++) {
		struct nooks_rewrite_result res;
		size_t n = 1 + rand() % 8, l = len, k;
		int ret;

		memcpy(m, ko, len);
		for (k = 0; k < n; k++) {
			size_t at;

			/* the ELF header, the section headers, or anywhere */
			switch (rand() % 3) {
			case 0:
				at = rand() % 64;
				break;
			case 1:
				at = len - 1 - rand() % (len < 3000 ? len : 3000);
				break;
			default:
				at = rand() % len;
				break;
			}
			m[at] = rand() % 4 ? rand() & 0xff : (rand() % 2 ? 0xff : 0);
		}
		if (rand() % 10 == 0)
			l = rand() % len;
		err[0] = '\0';
		ret = nooks_rewrite(m, l, &opts_proto, &res, err, sizeof(err));
		if (ret) {
			refused_n++;
			if (ret >= 0 || !err[0] || strchr(err, '\n'))
				badmsg++;
			continue;
		}
		accepted++;
		if (!view_open(&v, res.image, res.size))
			unreadable++;
		else
			view_close(&v);
		nooks_rewrite_result_free(&res);
	}
	ok(!badmsg && !unreadable,
	   "fuzz: %u mutants of %s: %u refused with one line, %u rewritten into readable ELF",
	   rounds, file, refused_n, accepted);
	free(m);
	free(ko);
}

static void test_in_domain_table(void)
{
	const struct nooks_in_domain *e;
	size_t i;
	bool good = true;

	for (i = 0; (e = nooks_in_domain_entry(i)); i++)
		if (!e->name || !*e->name || !e->reason || !*e->reason ||
		    strchr(e->reason, '\n') ||
		    nooks_in_domain_reason(e->name) != e->reason)
			good = false;
	ok(good && i >= 30, "in-domain table: %zu entries, each with a reason", i);
	ok(nooks_in_domain_reason("__x86_indirect_thunk_r11") &&
	   nooks_in_domain_reason("__udelay") &&
	   !nooks_in_domain_reason("_printk") &&
	   !nooks_in_domain_reason("__SCT__cond_resched") &&
	   !nooks_in_domain_reason("memcpy_toio") &&
	   !nooks_in_domain_reason(NULL),
	   "in-domain table: thunk prefix matches, _printk/cond_resched/memcpy_toio cross");
}

/* === The hand-made module (tests/user/rewrite_synthetic.S) === */

static void test_synthetic(const char *file)
{
	struct nooks_rewrite_result res;
	const struct nooks_import_report *k;
	struct view in, out;
	char err[256];
	size_t len;
	void *ko = read_file(file, &len);
	int ret;

	if (!ok(!!ko, "synthetic: read %s", file))
		return;
	ret = nooks_rewrite(ko, len, &opts_proto, &res, err, sizeof(err));
	if (!ok(!ret, "synthetic: rewritten%s%s", ret ? ": " : "", ret ? err : "")) {
		free(ko);
		return;
	}
	ok(!strcmp(res.modname, "synth") && !res.had_signature,
	   "synthetic: name \"%s\", no signature", res.modname);
	if (!ok(open_both(&in, ko, len, &out, &res),
		"synthetic: readable"))
		goto out;
	check_output("synthetic", &in, &out, &res);
	diag("synthetic: %u entry gates (%u refs), %u exit gates (%u calls), %u sites dropped",
	     res.n_entry_gates, res.n_entry_relocs, res.n_exit_gates,
	     res.n_exit_relocs, res.n_static_call_sites_dropped);
	/*
	 * Entries: init_module (this_module and .init.data), cleanup_module,
	 * helper (lea, section-relative), helper2 (mov $, 32S), ops_fn (.quad),
	 * exported_fn (PC32 in data), the two static "dup"s.
	 */
	ok(res.n_entry_gates == 8 && res.n_entry_relocs == 9,
	   "synthetic: 8 entry gates from 9 references (%u, %u)",
	   res.n_entry_gates, res.n_entry_relocs);
	ok(sym_find(&out, NOOKS_ENTRY_PREFIX "dup") &&
	   sym_find(&out, NOOKS_ENTRY_PREFIX "dup.1"),
	   "synthetic: two static functions of one name get two stub names");
	ok(!sym_find(&out, NOOKS_ENTRY_PREFIX "coldpart") &&
	   !sym_find(&out, NOOKS_ENTRY_PREFIX "local_call"),
	   "synthetic: jumps and calls to driver functions stay direct");
	/* exits: kfunc (call and jcc), __SCT__cond_resched, __SCT__might_resched */
	ok(res.n_exit_gates == 3 && res.n_exit_relocs == 4,
	   "synthetic: 3 exit gates from 4 calls (%u, %u)", res.n_exit_gates,
	   res.n_exit_relocs);
	k = import_of(&res, "kfunc");
	ok(k && k->how == NOOKS_IMPORT_GATE && k->calls == 2 && k->address_refs == 2,
	   "synthetic: kfunc: gate, 2 calls, 2 address references kept (%u, %u)",
	   k ? k->calls : 0, k ? k->address_refs : 0);
	k = import_of(&res, "altfunc");
	ok(k && k->unsupported && k->why && k->how == NOOKS_IMPORT_ADDRESS,
	   "synthetic: a call only in .altinstr_replacement is flagged unsupported (%s)",
	   k && k->why ? k->why : "not flagged");
	k = import_of(&res, "nooks_something");
	ok(k && k->how == NOOKS_IMPORT_NOOKS && k->calls == 1,
	   "synthetic: calls to nooks_* stay direct");
	ok(!strcmp(how_of(&res, "memcpy"), "in-domain"),
	   "synthetic: memcpy in-domain");
	ok(res.n_static_call_sites_dropped == 2,
	   "synthetic: 2 of 3 static call sites dropped (%u)",
	   res.n_static_call_sites_dropped);
	{
		size_t so = sec_find(&out, ".modinfo");
		const char *s = (const char *)sec_data(&out, so);
		bool found = false;
		size_t i;

		for (i = 0; i < out.sh[so].sh_size; i += strlen(s + i) + 1)
			if (!strcmp(s + i, "depends=foo,bar,nooks"))
				found = true;
		ok(found, "synthetic: depends=foo,bar becomes depends=foo,bar,nooks");
	}
	view_close(&out);
	view_close(&in);
out:
	nooks_rewrite_result_free(&res);
	free(ko);
}

/* The checks that hold of any module, on any module. */
static void check_mode(const char *file)
{
	struct nooks_rewrite_result res;
	const char *name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct view in, out;
	char err[256];
	size_t len;
	void *ko = read_file(file, &len);
	int ret;

	if (!ok(!!ko, "%s: read", name))
		return;
	ret = nooks_rewrite(ko, len, &opts_proto, &res, err, sizeof(err));
	if (ok(!ret, "%s: rewritten%s%s", name, ret ? ": " : "", ret ? err : "")) {
		if (ok(open_both(&in, ko, len, &out, &res),
		       "%s: readable", name)) {
			check_output(name, &in, &out, &res);
			view_close(&out);
			view_close(&in);
		}
		nooks_rewrite_result_free(&res);
	}
	free(ko);
}

static int write_mode(const char *in, const char *out)
{
	struct nooks_rewrite_result res;
	char err[256];
	size_t len;
	void *ko = read_file(in, &len);
	FILE *f;
	int ret;

	if (!ko) {
		fprintf(stderr, "cannot read %s\n", in);
		return 1;
	}
	ret = nooks_rewrite(ko, len, &opts_proto, &res, err, sizeof(err));
	free(ko);
	if (ret) {
		fprintf(stderr, "%s: %s\n", in, err);
		return 1;
	}
	f = fopen(out, "wb");
	if (!f || fwrite(res.image, 1, res.size, f) != res.size || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", out);
		nooks_rewrite_result_free(&res);
		return 1;
	}
	nooks_rewrite_result_free(&res);
	return 0;
}

static const struct module_expect modules[] = {
	{ "drivers/net/dummy.ko", "dummy", 5, 30, true, true },
	{ "drivers/block/null_blk/null_blk.ko", "null_blk", 40, 200, true, true },
	{ "drivers/net/ethernet/intel/e1000/e1000.ko", "e1000", 50, 70, true, true },
	{ "drivers/net/ethernet/realtek/8139too.ko", "8139too", 20, 80, true, true },
};

int main(int argc, char **argv)
{
	unsigned int fuzz = 300;
	size_t i;

	elf_version(EV_CURRENT);
	if (argc == 4 && !strcmp(argv[1], "--write"))
		return write_mode(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--bad")) {
		size_t len;
		void *buf = read_file(argv[2], &len);

		if (buf)
			test_bad(argv[3], buf, len);
		else
			ok(false, "%s: cannot read %s", argv[3], argv[2]);
		free(buf);
	} else if (argc == 3 && !strcmp(argv[1], "--check")) {
		check_mode(argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "--synthetic")) {
		test_synthetic(argv[2]);
	} else {
		if (argc == 4 && !strcmp(argv[1], "--fuzz")) {
			fuzz = strtoul(argv[2], NULL, 0);
			argv += 2;
			argc -= 2;
		}
		if (argc != 2) {
			fprintf(stderr,
				"usage: %s [--fuzz N] MODULE_DIR | --write IN OUT | --bad FILE DESC | --synthetic FILE | --check FILE\n",
				argv[0]);
			return 2;
		}
		test_in_domain_table();
		for (i = 0; i < ARRAY_LEN(modules); i++)
			test_module(argv[1], &modules[i]);
		test_malformed(argv[1]);
		test_fuzz(argv[1], "drivers/net/dummy.ko", fuzz);
		test_fuzz(argv[1], "drivers/net/ethernet/intel/e1000/e1000.ko",
			  fuzz / 10);
	}
	printf("1..%u\n", n_tests);
	return n_failed ? 1 : 0;
}
