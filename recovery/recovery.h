/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recovery manager: where the work of releasing a failed domain's
 * resources and restarting its driver runs.
 */
#ifndef _NOOKS_RECOVERY_H
#define _NOOKS_RECOVERY_H

#include <linux/workqueue.h>

int nooks_recovery_init(void);
void nooks_recovery_uninit(void);
bool nooks_recovery_queue(struct work_struct *work);

#endif /* _NOOKS_RECOVERY_H */
