/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which imports have a typed wrapper in nooks.ko (wrappers/specs/README):
 * their calls still go through an exit stub, and nooks.ko runs the
 * wrapper's checks and records around the call.
 */
#ifndef NOOKSCTL_TYPED_H
#define NOOKSCTL_TYPED_H

#include <stdbool.h>
#include <stddef.h>

/* Does nooks.ko have a typed wrapper for the kernel function @name? */
bool nooks_typed(const char *name);

/* How many functions have one. */
size_t nooks_typed_count(void);

#endif /* NOOKSCTL_TYPED_H */
