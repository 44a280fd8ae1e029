/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SWIFI: software-implemented fault injection into a driver binary,
 * after Rio and Nooks (Swift et al., SOSP 2003, section 5): faults
 * written into the module's code before it is loaded, decoded with
 * Capstone. See swifi.c.
 */
#ifndef NOOKSCTL_SWIFI_H
#define NOOKSCTL_SWIFI_H

#include <stddef.h>
#include <stdint.h>

enum swifi_type {
	SWIFI_OPERAND,		/* corrupt a source or destination register */
	SWIFI_POINTER,		/* flip the high bit of a pointer's offset */
	SWIFI_BRANCH_INVERT,	/* invert a branch condition */
	SWIFI_BRANCH_DELETE,	/* delete a branch */
	SWIFI_INSN_DELETE,	/* delete an instruction */
	SWIFI_INIT_SKIP,	/* skip an initialisation (a store to a local) */
	SWIFI_OFF_BY_ONE,	/* < for <=, and so on */
	SWIFI_STACK_OFFSET,	/* a stack store at another offset */
	SWIFI_N_TYPES,
	SWIFI_RANDOM = SWIFI_N_TYPES,	/* each fault of any type */
};

#define SWIFI_MAX_FAULTS	64
#define SWIFI_INSN_MAX		16

struct swifi_spec {
	enum swifi_type type;
	uint64_t seed;
	unsigned int n;		/* faults, 1..SWIFI_MAX_FAULTS */
};

/* One fault written into the module. */
struct swifi_site {
	enum swifi_type type;
	char func[128];
	uint64_t offset;	/* in the function */
	unsigned int len;
	uint8_t before[SWIFI_INSN_MAX];
	uint8_t after[SWIFI_INSN_MAX];
};

extern const char *const swifi_type_names[SWIFI_N_TYPES + 1];

/* "TYPE:SEED[:N]" (N defaults to 1). Returns 0 or -1 with err set. */
int swifi_parse(const char *arg, struct swifi_spec *spec, char *err,
		size_t errlen);
/*
 * Write spec's faults into the ELF module image (same size: bytes change
 * in place). sites gets spec->n entries. The same image and spec always
 * give the same mutant. Returns 0 or -1 with err set.
 */
int swifi_mutate(void *image, size_t size, const struct swifi_spec *spec,
		 struct swifi_site *sites, char *err, size_t errlen);

#endif /* NOOKSCTL_SWIFI_H */
