/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * What "nooksctl load" adds to a driver module, and what nooks.ko reads
 * from it when the module is loaded (format version 1). See
 * Documentation/design/loading.rst.
 *
 * The rewriter adds to the module:
 *
 * - a writable allocated section NOOKS_MANIFEST_SECTION holding one
 *   struct nooks_manifest, named by the global symbol
 *   NOOKS_MANIFEST_SYMBOL, then the gate descriptors (struct
 *   nooks_gate_desc[]), then the import table (struct nooks_import[]),
 *   then a string table. Offsets are from the start of the manifest.
 *
 * - an executable section NOOKS_STUB_SECTION of NOOKS_STUB_SIZE-byte
 *   stubs, one per gate descriptor, each:
 *
 *	lea  __nooks_manifest(%rip), %r10	4c 8d 15 <PC32>
 *	lea  <its descriptor>(%rip), %r11	4c 8d 1d <PC32>
 *	jmp  nooks_xpc_entry | nooks_xpc_exit	e9 <PLT32>
 *	int3 padding
 *
 *   and a global STT_FUNC symbol "__nooks_entry_<fn>" or
 *   "__nooks_exit_<fn>" for each, so stack traces name them.
 *
 * Entry descriptors (kernel->driver): every address-taken function of
 * the driver; the references that take its address now take its stub's.
 * Exit descriptors (driver->kernel): every imported kernel function that
 * crosses; the driver's calls and jumps to it now go to its stub, while
 * references that take its address keep the real function (the kernel
 * compares function pointers).
 *
 * r10 and r11 are scratch registers in the x86-64 calling convention and
 * carry no argument, so the stubs leave the call's arguments untouched.
 */
#ifndef _UAPI_NOOKS_MODULE_H
#define _UAPI_NOOKS_MODULE_H

#define NOOKS_MANIFEST_SECTION	".data.nooks_manifest"
#define NOOKS_STUB_SECTION	".text.nooks_stubs"
#define NOOKS_MANIFEST_SYMBOL	"__nooks_manifest"
#define NOOKS_ENTRY_PREFIX	"__nooks_entry_"
#define NOOKS_EXIT_PREFIX	"__nooks_exit_"
#define NOOKS_ENTRY_GATE	"nooks_xpc_entry"
#define NOOKS_EXIT_GATE		"nooks_xpc_exit"

#define NOOKS_MANIFEST_MAGIC	0x4b4f4f4eU	/* "NOOK" little-endian */
#define NOOKS_MANIFEST_VERSION	1
#define NOOKS_STUB_SIZE		32

/* Most stack slots a gate copies for a call's arguments beyond six. */
#define NOOKS_MAX_STACK_SLOTS	16

#ifndef __ASSEMBLY__

#include <linux/types.h>

struct nooks_manifest {
	__u32 magic;		/* NOOKS_MANIFEST_MAGIC */
	__u32 version;		/* NOOKS_MANIFEST_VERSION */
	__u64 domain;		/* set by nooks.ko at load; 0 in the file */
	__u32 n_gates;		/* struct nooks_gate_desc entries */
	__u32 gates_off;
	__u32 n_imports;	/* struct nooks_import entries */
	__u32 imports_off;
	__u32 strtab_off;	/* NUL-terminated names */
	__u32 strtab_size;
};

enum nooks_gate_kind {
	NOOKS_GATE_ENTRY,	/* kernel calls driver */
	NOOKS_GATE_EXIT,	/* driver calls kernel */
};

/*
 * Set in an exit gate's kind by nooks.ko when it binds the module, never
 * in the file: calls through the gate may be deferred to the end of the
 * driver code's crossing (domains/defer.h).
 */
#define NOOKS_GATE_DEFER	(1U << 31)
/*
 * Likewise: a call through the gate may have been made already by the
 * kernel side of a batched entry (domains/batch.h).
 */
#define NOOKS_GATE_PREMADE	(1U << 30)
/* Likewise: nooks.ko may answer a call in the domain (domains/local.h). */
#define NOOKS_GATE_LOCAL	(1U << 29)

/* What a gate returns to its caller when the domain has failed. */
enum nooks_ret_class {
	NOOKS_RET_VOID,
	NOOKS_RET_INT,		/* -EIO */
	NOOKS_RET_PTR,		/* NULL */
	NOOKS_RET_BOOL,		/* false */
	NOOKS_RET_UNKNOWN,	/* no prototype: 0 */
	NOOKS_RET_ZERO,		/* an enum: 0 (IRQ_NONE, NETDEV_TX_OK, ...) */
	NOOKS_RET_BLK_STATUS,	/* blk_status_t: BLK_STS_IOERR */

	__NOOKS_RET_MAX
};

struct nooks_gate_desc {
	__u64 target;		/* R_X86_64_64 to the real function */
	__u32 kind;		/* enum nooks_gate_kind */
	__u32 ret_class;	/* enum nooks_ret_class */
	__u32 stack_slots;	/* 8-byte stack argument slots to copy */
	__u32 name_off;		/* into the string table */
};

/* How the rewritten module uses each kernel symbol it imports. */
enum nooks_import_how {
	NOOKS_IMPORT_GATE,	/* calls cross through an exit stub */
	NOOKS_IMPORT_TYPED,	/* calls go to a typed wrapper in nooks.ko */
	NOOKS_IMPORT_IN_DOMAIN,	/* runs inside the domain (allowed list) */
	NOOKS_IMPORT_DATA,	/* a variable, not a function */
	NOOKS_IMPORT_ADDRESS,	/* a function whose address is only taken */
	NOOKS_IMPORT_NOOKS,	/* a gate or wrapper exported by nooks.ko */
};

struct nooks_import {
	__u32 name_off;		/* into the string table */
	__u32 how;		/* enum nooks_import_how */
};

#endif /* __ASSEMBLY__ */
#endif /* _UAPI_NOOKS_MODULE_H */
