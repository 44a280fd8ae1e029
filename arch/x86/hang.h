/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hang detection: driver code that keeps a CPU past its domain's
 * hang_timeout_ms without crossing is stopped by an NMI and unwound.
 */
#ifndef _NOOKS_HANG_H
#define _NOOKS_HANG_H

int nooks_hang_init(void);
void nooks_hang_uninit(void);
void nooks_hang_watch(void);
void nooks_hang_unwatch(void);

#endif /* _NOOKS_HANG_H */
