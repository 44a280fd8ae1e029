/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Function prototypes from BTF, for the gates "nooksctl load" adds: how
 * many 8-byte stack argument slots a call uses and what a failed call
 * returns. The kernel's types come from the vmlinux BTF, a driver's own
 * from the split BTF in its .ko (".BTF", built on the vmlinux BTF).
 */
#ifndef NOOKSCTL_BTF_H
#define NOOKSCTL_BTF_H

#include <stdbool.h>
#include <stddef.h>

#include "rewrite.h"	/* struct nooks_proto */

struct nooks_btf;

/*
 * Open the vmlinux BTF (raw BTF or an ELF file with a .BTF section):
 * @vmlinux_path, or when NULL $NOOKS_VMLINUX_BTF, else
 * /sys/kernel/btf/vmlinux. Returns NULL with a one-line message in @err
 * on failure.
 */
struct nooks_btf *nooks_btf_open(const char *vmlinux_path, char *err,
				 size_t errlen);

/*
 * Add the split BTF of a driver module, given as its ELF image in memory
 * (the bytes are copied). Several modules may be added; driver lookups
 * search them in the order added. Returns 0, -ENOENT when the module has
 * no .BTF section, -ENOEXEC when @image is not a 64-bit little-endian
 * ELF file, or another -errno when the BTF is malformed; on error @err
 * gets a one-line message.
 */
int nooks_btf_add_module(struct nooks_btf *b, const void *image, size_t len,
			 char *err, size_t errlen);

void nooks_btf_close(struct nooks_btf *b);

/*
 * Look up the FUNC @name: in the modules' BTF first when @driver_fn,
 * then the vmlinux BTF; the other way round otherwise. Fills @p (see
 * struct nooks_proto); returns p->found.
 *
 * stack_slots follows the x86-64 SysV classification: NOOKS_MAX_STACK_SLOTS
 * for a variadic function, otherwise the real count, which may be larger
 * than NOOKS_MAX_STACK_SLOTS (the caller rejects such a function). When
 * the name is a FUNC but its prototype cannot be classified, is_func is
 * true and found false. When several FUNCs share the name (static
 * functions), stack_slots is their largest count, and ret_class is
 * NOOKS_RET_UNKNOWN unless they agree.
 */
bool nooks_btf_proto(struct nooks_btf *b, const char *name, bool driver_fn,
		     struct nooks_proto *p);

#endif /* NOOKSCTL_BTF_H */
