/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domain events: a netlink message to the "events" group and a uevent on
 * the domain's kobject.
 */
#ifndef _NOOKS_EVENTS_H
#define _NOOKS_EVENTS_H

#include "../include/uapi/nooks.h"

struct nooks_domain;

extern const char *const nooks_event_names[__NOOKS_EVENT_MAX];

void nooks_event(struct nooks_domain *d, enum nooks_event ev);
void nooks_event_state(struct nooks_domain *d);

#endif /* _NOOKS_EVENTS_H */
