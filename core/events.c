// SPDX-License-Identifier: GPL-2.0
/*
 * Domain events. Listeners of the netlink group (nooksctl monitor) get
 * every event; udev gets KOBJ_ADD/KOBJ_REMOVE from the kobject core for
 * creation and destruction, and KOBJ_CHANGE from here for the rest.
 */
#include <linux/kobject.h>

#include "domain.h"
#include "events.h"
#include "genl.h"

const char *const nooks_event_names[__NOOKS_EVENT_MAX] = {
	[NOOKS_EVENT_DOMAIN_CREATED] = "created",
	[NOOKS_EVENT_DOMAIN_DESTROYED] = "destroyed",
	[NOOKS_EVENT_FAULT] = "fault",
	[NOOKS_EVENT_RECOVERY_START] = "recovery_start",
	[NOOKS_EVENT_RECOVERY_END] = "recovery_end",
};

static_assert(ARRAY_SIZE(nooks_event_names) == __NOOKS_EVENT_MAX);

/* KOBJ_CHANGE with the domain's state, and the event when there is one. */
static void nooks_event_uevent(struct nooks_domain *d, const char *event)
{
	char ev[32], state[32];
	char *envp[3] = { state, NULL, NULL };

	snprintf(state, sizeof(state), "NOOKS_STATE=%s",
		 nooks_state_names[nooks_domain_state(d)]);
	if (event) {
		snprintf(ev, sizeof(ev), "NOOKS_EVENT=%s", event);
		envp[1] = ev;
	}
	kobject_uevent_env(&d->kobj, KOBJ_CHANGE, envp);
}

/**
 * nooks_event() - tell userspace something happened to a domain
 * @d: the domain
 * @ev: what happened
 *
 * Context: process context.
 */
void nooks_event(struct nooks_domain *d, enum nooks_event ev)
{
	nooks_genl_notify(d, ev);
	if (ev == NOOKS_EVENT_DOMAIN_CREATED ||
	    ev == NOOKS_EVENT_DOMAIN_DESTROYED)
		return;
	nooks_event_uevent(d, nooks_event_names[ev]);
}

/**
 * nooks_event_state() - tell udev the domain changed state
 * @d: the domain
 *
 * Context: process context.
 */
void nooks_event_state(struct nooks_domain *d)
{
	nooks_event_uevent(d, NULL);
}
