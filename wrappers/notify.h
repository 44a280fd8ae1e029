/* SPDX-License-Identifier: GPL-2.0 */
/* Objects the kernel ends itself: see notify.c. */
#ifndef _NOOKS_NOTIFY_H
#define _NOOKS_NOTIFY_H

int nooks_notify_init(void);
void nooks_notify_uninit(void);

#endif /* _NOOKS_NOTIFY_H */
