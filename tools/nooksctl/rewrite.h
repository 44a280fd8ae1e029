/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rewrite a driver module (.ko) so that it runs in a Nooks domain: every
 * call from the driver to the kernel goes through an exit stub and every
 * address-taken driver function is reached through an entry stub, as
 * described in include/uapi/nooks_module.h. Works on a copy in memory;
 * never loads anything.
 */
#ifndef NOOKSCTL_REWRITE_H
#define NOOKSCTL_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nooks_module.h>

/* A function's prototype, from BTF, as far as a gate needs it. */
struct nooks_proto {
	bool found;		/* a prototype is known */
	/*
	 * 8-byte stack argument slots (arguments beyond the six in
	 * registers); NOOKS_MAX_STACK_SLOTS for varargs.
	 */
	unsigned int stack_slots;
	unsigned int ret_class;	/* enum nooks_ret_class */
	bool is_func;		/* imports: a function, else data */
};

struct nooks_rewrite_opts {
	/*
	 * Prototype of a kernel function (an import, driver_fn false) or
	 * of a driver function (an entry, driver_fn true); false if
	 * unknown. May be NULL: then nothing is known, gates copy
	 * NOOKS_MAX_STACK_SLOTS and return NOOKS_RET_UNKNOWN, and an
	 * import only referenced by address counts as data.
	 */
	bool (*proto)(void *ctx, const char *name, bool driver_fn,
		      struct nooks_proto *out);
	void *ctx;
	/*
	 * CRC of a symbol exported by nooks.ko that the output imports
	 * (NOOKS_ENTRY_GATE, NOOKS_EXIT_GATE); false if unknown, which
	 * fails the rewrite. Not called when analyse_only.
	 */
	bool (*crc)(void *ctx, const char *name, uint32_t *crc);
	bool analyse_only;	/* fill the report, produce no output */
};

struct nooks_import_report {
	char *name;
	enum nooks_import_how how;
	unsigned int calls;		/* call/jump relocations */
	unsigned int address_refs;	/* all other relocations */
	bool unsupported;		/* some use cannot be gated */
	const char *why;		/* if unsupported: one line */
};

struct nooks_rewrite_result {
	void *image;		/* the rewritten module (malloc'd) */
	size_t size;
	char modname[56];
	struct nooks_import_report *imports;	/* one per import */
	size_t n_imports;
	unsigned int n_entry_gates;
	unsigned int n_exit_gates;
	unsigned int n_entry_relocs;	/* references moved to entry stubs */
	unsigned int n_exit_relocs;	/* calls moved to exit stubs */
	unsigned int n_static_call_sites_dropped;
	bool had_signature;
};

/*
 * Rewrite the module ko[0..len). Returns 0 with res filled (free it with
 * nooks_rewrite_result_free), or a negative errno with err holding one
 * line saying what is wrong and res zeroed. opts may be NULL (no
 * prototypes, no CRCs: only analyse_only could succeed, so NULL means
 * analyse_only).
 */
int nooks_rewrite(const void *ko, size_t len,
		  const struct nooks_rewrite_opts *opts,
		  struct nooks_rewrite_result *res, char *err, size_t errlen);
void nooks_rewrite_result_free(struct nooks_rewrite_result *res);

/* The name of an enum nooks_import_how value, for reports. */
const char *nooks_import_how_name(unsigned int how);

#endif /* NOOKSCTL_REWRITE_H */
