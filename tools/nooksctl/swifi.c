// SPDX-License-Identifier: GPL-2.0
/*
 * SWIFI, the mutator: faults written into a driver module's code before
 * it is loaded, after the fault types of Rio and Nooks (Swift et al.,
 * SOSP 2003, section 5).
 *
 * Every function symbol of every executable section is decoded with
 * Capstone. An instruction any byte of which a relocation covers is
 * never touched: the loader would write over the fault (calls to the
 * kernel, __fentry__, return thunks, the alternatives' sites), and the
 * rest keeps its length, so the module's layout, its relocations and
 * its symbols stay valid. Each instruction is a candidate for the types
 * that apply to it:
 *
 *   operand        the ModRM reg field of a two-operand instruction
 *                  names another register (a source or destination)
 *   pointer        the high bit of a memory operand's displacement
 *                  flipped, its base not the stack (a corrupt pointer)
 *   branch-invert  a conditional jump's condition inverted
 *   branch-delete  a jump (conditional or not) replaced by NOPs
 *   insn-delete    an instruction that is not control flow, NOPs
 *   init-skip      a store to a local (rsp- or rbp-based mov), NOPs
 *   off-by-one     a conditional jump's < for <=, > for >= (signed or
 *                  not), and back
 *   stack-offset   a store to a local at 8 bytes off
 *
 * The candidates are listed in file order; a PRNG (splitmix64) seeded
 * with SEED picks the faults, so the same module and TYPE:SEED:N always
 * give the same mutant. random picks a type per fault.
 */
#include <capstone/capstone.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swifi.h"

const char *const swifi_type_names[SWIFI_N_TYPES + 1] = {
	[SWIFI_OPERAND]		= "operand",
	[SWIFI_POINTER]		= "pointer",
	[SWIFI_BRANCH_INVERT]	= "branch-invert",
	[SWIFI_BRANCH_DELETE]	= "branch-delete",
	[SWIFI_INSN_DELETE]	= "insn-delete",
	[SWIFI_INIT_SKIP]	= "init-skip",
	[SWIFI_OFF_BY_ONE]	= "off-by-one",
	[SWIFI_STACK_OFFSET]	= "stack-offset",
	[SWIFI_RANDOM]		= "random",
};

/* An instruction the faults may go into. */
struct swifi_cand {
	unsigned int func;		/* index into the function names */
	uint64_t offset;		/* in the function */
	size_t file_off;
	uint8_t len;
	uint8_t modrm_off, disp_off, disp_size;
	uint8_t cc_off;			/* Jcc: the byte with the condition */
	uint16_t types;			/* BIT(enum swifi_type) */
	uint8_t bytes[SWIFI_INSN_MAX];
};

struct swifi_state {
	Elf *elf;
	uint8_t *image;
	size_t size;
	csh cs;
	struct swifi_cand *cands;
	size_t n_cands, cap_cands;
	char **funcs;
	size_t n_funcs, cap_funcs;
	char *err;
	size_t errlen;
};

#define SWIFI_BIT(t)	(1u << (t))

static int swifi_fail(struct swifi_state *st, const char *fmt, const char *arg)
{
	snprintf(st->err, st->errlen, fmt, arg);
	return -1;
}

int swifi_parse(const char *arg, struct swifi_spec *spec, char *err,
		size_t errlen)
{
	const char *colon = strchr(arg, ':');
	char *end;
	size_t tlen;
	unsigned long long v;
	int t;

	if (!colon) {
		snprintf(err, errlen, "'%.64s' is not TYPE:SEED[:N]", arg);
		return -1;
	}
	tlen = colon - arg;
	for (t = 0; t <= SWIFI_RANDOM; t++)
		if (strlen(swifi_type_names[t]) == tlen &&
		    !strncmp(arg, swifi_type_names[t], tlen))
			break;
	if (t > SWIFI_RANDOM) {
		snprintf(err, errlen, "unknown fault type '%.*s' (see nooksctl help swifi)",
			 (int)(tlen > 32 ? 32 : tlen), arg);
		return -1;
	}
	spec->type = t;
	if (colon[1] < '0' || colon[1] > '9') {
		snprintf(err, errlen, "SEED in '%.64s' is not a number", arg);
		return -1;
	}
	v = strtoull(colon + 1, &end, 0);
	spec->seed = v;
	spec->n = 1;
	if (*end == ':') {
		if (end[1] < '0' || end[1] > '9') {
			snprintf(err, errlen, "N in '%.64s' is not a number", arg);
			return -1;
		}
		v = strtoull(end + 1, &end, 10);
		if (!v || v > SWIFI_MAX_FAULTS) {
			snprintf(err, errlen, "N must be 1..%d", SWIFI_MAX_FAULTS);
			return -1;
		}
		spec->n = v;
	}
	if (*end) {
		snprintf(err, errlen, "'%.64s' is not TYPE:SEED[:N]", arg);
		return -1;
	}
	return 0;
}

static uint64_t swifi_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The bytes a section's relocations patch, sorted. */
struct swifi_reloc {
	uint64_t start;
	uint64_t end;
};

struct swifi_relocs {
	struct swifi_reloc *r;
	size_t n;
};

/* Does a relocation cover a byte of [off, off + len)? */
static bool swifi_relocated(const struct swifi_relocs *r, uint64_t off,
			    unsigned int len)
{
	size_t lo = 0, hi = r->n;

	/* the first relocation that ends after off */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->r[mid].end <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n && r->r[lo].start < off + len;
}

static int swifi_cmp_reloc(const void *a, const void *b)
{
	uint64_t x = ((const struct swifi_reloc *)a)->start;
	uint64_t y = ((const struct swifi_reloc *)b)->start;

	return x < y ? -1 : x > y;
}

static int swifi_relocs_of(struct swifi_state *st, size_t shndx,
			   struct swifi_relocs *r)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0, i;

	memset(r, 0, sizeof(*r));
	while ((scn = elf_nextscn(st->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    sh.sh_info != shndx || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		if (r->n + n > cap) {
			struct swifi_reloc *more;

			cap = r->n + n;
			more = realloc(r->r, cap * sizeof(*r->r));
			if (!more)
				return swifi_fail(st, "%s", "out of memory");
			r->r = more;
		}
		for (i = 0; i < n; i++) {
			GElf_Rela rela;
			unsigned int type;

			if (!gelf_getrela(data, i, &rela))
				continue;
			/* code relocations patch 4 bytes, or 8 */
			type = GELF_R_TYPE(rela.r_info);
			r->r[r->n].start = rela.r_offset;
			r->r[r->n].end = rela.r_offset +
				(type == R_X86_64_64 || type == R_X86_64_PC64 ?
				 8 : 4);
			r->n++;
		}
	}
	qsort(r->r, r->n, sizeof(*r->r), swifi_cmp_reloc);
	return 0;
}

static bool swifi_is_jcc(const cs_insn *insn, uint8_t *cc_off)
{
	const cs_x86 *x = &insn->detail->x86;

	if (x->opcode[0] >= 0x70 && x->opcode[0] <= 0x7f && insn->size >= 2) {
		*cc_off = insn->size - 2;
		return true;
	}
	if (x->opcode[0] == 0x0f && x->opcode[1] >= 0x80 &&
	    x->opcode[1] <= 0x8f && insn->size >= 6) {
		*cc_off = insn->size - 5;
		return true;
	}
	return false;
}

/* ModRM.reg is an opcode extension in these one-byte opcodes. */
static bool swifi_reg_is_opcode(uint8_t op)
{
	switch (op) {
	case 0x80: case 0x81: case 0x83: case 0x8f: case 0xc0: case 0xc1:
	case 0xc6: case 0xc7: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
	case 0xf6: case 0xf7: case 0xfe: case 0xff:
		return true;
	}
	return false;
}

static bool swifi_stack_reg(x86_reg r)
{
	return r == X86_REG_RSP || r == X86_REG_RBP || r == X86_REG_ESP ||
	       r == X86_REG_EBP;
}

/* The types of fault @insn can take. */
static uint16_t swifi_types(csh cs, const cs_insn *insn, uint8_t *cc_off)
{
	const cs_x86 *x = &insn->detail->x86;
	bool control = cs_insn_group(cs, insn, X86_GRP_JUMP) ||
		       cs_insn_group(cs, insn, X86_GRP_CALL) ||
		       cs_insn_group(cs, insn, X86_GRP_RET) ||
		       cs_insn_group(cs, insn, X86_GRP_INT) ||
		       cs_insn_group(cs, insn, X86_GRP_IRET);
	uint16_t types = 0;
	int i;

	if (insn->id == X86_INS_NOP || insn->id == X86_INS_INT3 ||
	    insn->id == X86_INS_UD2 || insn->id == X86_INS_ENDBR64)
		return 0;
	if (swifi_is_jcc(insn, cc_off)) {
		uint8_t cc = insn->bytes[*cc_off] & 0x0f;

		types |= SWIFI_BIT(SWIFI_BRANCH_INVERT) |
			 SWIFI_BIT(SWIFI_BRANCH_DELETE);
		if (cc == 0x2 || cc == 0x3 || cc == 0x6 || cc == 0x7 ||
		    cc >= 0xc)
			types |= SWIFI_BIT(SWIFI_OFF_BY_ONE);
		return types;
	}
	if (x->opcode[0] == 0xeb || x->opcode[0] == 0xe9)
		return SWIFI_BIT(SWIFI_BRANCH_DELETE);
	if (control)
		return 0;
	types |= SWIFI_BIT(SWIFI_INSN_DELETE);
	if (x->encoding.modrm_offset && x->op_count == 2 &&
	    !swifi_reg_is_opcode(x->opcode[0]) &&
	    (x->operands[0].type == X86_OP_REG ||
	     x->operands[1].type == X86_OP_REG))
		types |= SWIFI_BIT(SWIFI_OPERAND);
	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type != X86_OP_MEM || !x->encoding.disp_offset)
			continue;
		if (op->mem.base != X86_REG_INVALID &&
		    op->mem.base != X86_REG_RIP && !swifi_stack_reg(op->mem.base))
			types |= SWIFI_BIT(SWIFI_POINTER);
	}
	if (insn->id == X86_INS_MOV && x->op_count == 2 &&
	    x->operands[0].type == X86_OP_MEM &&
	    swifi_stack_reg(x->operands[0].mem.base) &&
	    x->operands[0].mem.index == X86_REG_INVALID) {
		types |= SWIFI_BIT(SWIFI_INIT_SKIP);
		if (x->encoding.disp_size == 1)
			types |= SWIFI_BIT(SWIFI_STACK_OFFSET);
	}
	return types;
}

static int swifi_add_func(struct swifi_state *st, const char *name)
{
	if (st->n_funcs == st->cap_funcs) {
		st->cap_funcs = st->cap_funcs ? 2 * st->cap_funcs : 64;
		st->funcs = realloc(st->funcs,
				    st->cap_funcs * sizeof(*st->funcs));
		if (!st->funcs)
			return swifi_fail(st, "%s", "out of memory");
	}
	st->funcs[st->n_funcs] = strdup(name);
	if (!st->funcs[st->n_funcs])
		return swifi_fail(st, "%s", "out of memory");
	st->n_funcs++;
	return 0;
}

/* Decode one function, adding its candidates. */
static int swifi_scan_func(struct swifi_state *st, const GElf_Shdr *sh,
			   const struct swifi_relocs *r, const GElf_Sym *sym,
			   unsigned int func)
{
	const uint8_t *code = st->image + sh->sh_offset + sym->st_value;
	size_t left = sym->st_size;
	uint64_t addr = sym->st_value;
	cs_insn *insn = cs_malloc(st->cs);
	int ret = 0;

	if (!insn)
		return swifi_fail(st, "%s", "out of memory");
	while (left) {
		struct swifi_cand *c;
		uint8_t cc_off = 0;
		uint16_t types;

		if (!cs_disasm_iter(st->cs, &code, &left, &addr, insn)) {
			/* not decoded (Capstone 4 lacks some): the rest is */
			break;
		}
		if (swifi_relocated(r, insn->address, insn->size) ||
		    insn->size > SWIFI_INSN_MAX)
			continue;
		types = swifi_types(st->cs, insn, &cc_off);
		if (!types)
			continue;
		if (st->n_cands == st->cap_cands) {
			st->cap_cands = st->cap_cands ? 2 * st->cap_cands : 1024;
			st->cands = realloc(st->cands,
					    st->cap_cands * sizeof(*st->cands));
			if (!st->cands) {
				ret = swifi_fail(st, "%s", "out of memory");
				break;
			}
		}
		c = &st->cands[st->n_cands++];
		memset(c, 0, sizeof(*c));
		c->func = func;
		c->offset = insn->address - sym->st_value;
		c->file_off = sh->sh_offset + insn->address;
		c->len = insn->size;
		c->modrm_off = insn->detail->x86.encoding.modrm_offset;
		c->disp_off = insn->detail->x86.encoding.disp_offset;
		c->disp_size = insn->detail->x86.encoding.disp_size;
		c->cc_off = cc_off;
		c->types = types;
		memcpy(c->bytes, insn->bytes, insn->size);
	}
	cs_free(insn, 1);
	return ret;
}

/* Every function of every executable section, in symbol table order. */
static int swifi_scan(struct swifi_state *st)
{
	Elf_Scn *symscn = NULL, *scn = NULL;
	struct swifi_relocs *relocs;
	GElf_Shdr symsh;
	Elf_Data *syms;
	size_t nsec, i, n;
	uint8_t **seen;
	int ret = 0;

	while ((scn = elf_nextscn(st->elf, scn)))
		if (gelf_getshdr(scn, &symsh) && symsh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			break;
		}
	if (!symscn || elf_getshdrnum(st->elf, &nsec))
		return swifi_fail(st, "%s", "no symbol table");
	syms = elf_getdata(symscn, NULL);
	if (!syms || !symsh.sh_entsize)
		return swifi_fail(st, "%s", "no symbol table");
	relocs = calloc(nsec, sizeof(*relocs));
	seen = calloc(nsec, sizeof(*seen));
	if (!relocs || !seen) {
		free(relocs);
		free(seen);
		return swifi_fail(st, "%s", "out of memory");
	}
	n = symsh.sh_size / symsh.sh_entsize;
	for (i = 0; i < n && !ret; i++) {
		GElf_Shdr sh;
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(syms, i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= nsec)
			continue;
		scn = elf_getscn(st->elf, sym.st_shndx);
		if (!scn || !gelf_getshdr(scn, &sh) ||
		    !(sh.sh_flags & SHF_EXECINSTR) || sh.sh_type != SHT_PROGBITS ||
		    sym.st_value + sym.st_size > sh.sh_size ||
		    sh.sh_offset + sh.sh_size > st->size)
			continue;
		if (!seen[sym.st_shndx]) {
			seen[sym.st_shndx] = calloc(sh.sh_size ? sh.sh_size : 1, 1);
			if (!seen[sym.st_shndx] ||
			    swifi_relocs_of(st, sym.st_shndx,
					    &relocs[sym.st_shndx])) {
				ret = swifi_fail(st, "%s", "out of memory");
				break;
			}
		}
		/* an alias of a function already decoded */
		if (seen[sym.st_shndx][sym.st_value])
			continue;
		memset(seen[sym.st_shndx] + sym.st_value, 1, sym.st_size);
		name = elf_strptr(st->elf, symsh.sh_link, sym.st_name);
		ret = swifi_add_func(st, name ? name : "?");
		if (!ret)
			ret = swifi_scan_func(st, &sh, &relocs[sym.st_shndx],
					      &sym, st->n_funcs - 1);
	}
	for (i = 0; i < nsec; i++) {
		free(relocs[i].r);
		free(seen[i]);
	}
	free(relocs);
	free(seen);
	return ret;
}

/* The bytes of @c with a fault of @type. */
static void swifi_apply(const struct swifi_cand *c, enum swifi_type type,
			uint8_t *b)
{
	uint8_t cc;

	memcpy(b, c->bytes, c->len);
	switch (type) {
	case SWIFI_OPERAND:
		b[c->modrm_off] ^= 0x08;	/* reg field, lowest bit */
		break;
	case SWIFI_POINTER:
		b[c->disp_off + c->disp_size - 1] ^= 0x80;
		break;
	case SWIFI_BRANCH_INVERT:
		b[c->cc_off] ^= 0x01;
		break;
	case SWIFI_OFF_BY_ONE:
		cc = b[c->cc_off] & 0x0f;
		/* b <-> be, ae <-> a, l <-> le, ge <-> g */
		cc = cc == 0x2 ? 0x6 : cc == 0x6 ? 0x2 : cc == 0x3 ? 0x7 :
		     cc == 0x7 ? 0x3 : cc == 0xc ? 0xe : cc == 0xe ? 0xc :
		     cc == 0xd ? 0xf : 0xd;
		b[c->cc_off] = (b[c->cc_off] & 0xf0) | cc;
		break;
	case SWIFI_STACK_OFFSET:
		b[c->disp_off] += (int8_t)b[c->disp_off] <= 119 ? 8 : -8;
		break;
	case SWIFI_BRANCH_DELETE:
	case SWIFI_INSN_DELETE:
	case SWIFI_INIT_SKIP:
	default:
		memset(b, 0x90, c->len);
		break;
	}
}

/* Pick the faults: spec->n distinct instructions. */
static int swifi_pick(struct swifi_state *st, const struct swifi_spec *spec,
		      struct swifi_site *sites)
{
	uint64_t x = spec->seed ^ ((uint64_t)spec->type << 56);
	size_t counts[SWIFI_N_TYPES] = { 0 }, i, k, pick;
	bool *used;
	unsigned int f, tries;
	enum swifi_type type;

	for (i = 0; i < st->n_cands; i++)
		for (k = 0; k < SWIFI_N_TYPES; k++)
			if (st->cands[i].types & SWIFI_BIT(k))
				counts[k]++;
	used = calloc(st->n_cands ? st->n_cands : 1, sizeof(*used));
	if (!used)
		return swifi_fail(st, "%s", "out of memory");
	for (f = 0; f < spec->n; f++) {
		for (tries = 0; tries < 1000; tries++) {
			type = spec->type;
			if (type == SWIFI_RANDOM)
				type = swifi_next(&x) % SWIFI_N_TYPES;
			if (!counts[type])
				continue;
			pick = swifi_next(&x) % counts[type];
			for (i = 0; i < st->n_cands; i++)
				if ((st->cands[i].types & SWIFI_BIT(type)) &&
				    !pick--)
					break;
			if (!used[i])
				break;
		}
		if (tries == 1000) {
			free(used);
			return swifi_fail(st, "not enough instructions for %s faults",
					  swifi_type_names[spec->type]);
		}
		used[i] = true;
		sites[f].type = type;
		snprintf(sites[f].func, sizeof(sites[f].func), "%s",
			 st->funcs[st->cands[i].func]);
		sites[f].offset = st->cands[i].offset;
		sites[f].len = st->cands[i].len;
		memcpy(sites[f].before, st->cands[i].bytes, st->cands[i].len);
		swifi_apply(&st->cands[i], type, sites[f].after);
		memcpy(st->image + st->cands[i].file_off, sites[f].after,
		       st->cands[i].len);
	}
	free(used);
	return 0;
}

int swifi_mutate(void *image, size_t size, const struct swifi_spec *spec,
		 struct swifi_site *sites, char *err, size_t errlen)
{
	struct swifi_state st = {
		.image = image,
		.size = size,
		.err = err,
		.errlen = errlen,
	};
	GElf_Ehdr eh;
	size_t i;
	int ret = -1;

	if (!spec->n || spec->n > SWIFI_MAX_FAULTS)
		return swifi_fail(&st, "%s", "N must be 1..64");
	elf_version(EV_CURRENT);
	st.elf = elf_memory(image, size);
	if (!st.elf || !gelf_getehdr(st.elf, &eh) || eh.e_type != ET_REL ||
	    eh.e_machine != EM_X86_64) {
		swifi_fail(&st, "%s", "not an x86-64 kernel module");
		goto out;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &st.cs) != CS_ERR_OK) {
		swifi_fail(&st, "%s", "cannot open the disassembler");
		goto out;
	}
	cs_option(st.cs, CS_OPT_DETAIL, CS_OPT_ON);
	if (swifi_scan(&st))
		goto out_cs;
	ret = swifi_pick(&st, spec, sites);
out_cs:
	cs_close(&st.cs);
out:
	if (st.elf)
		elf_end(st.elf);
	for (i = 0; i < st.n_funcs; i++)
		free(st.funcs[i]);
	free(st.funcs);
	free(st.cands);
	return ret;
}
