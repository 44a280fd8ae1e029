/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain as the kernel reports it: a NOOKS_CMD_DOMAIN_GET reply, or a
 * NOOKS_CMD_EVENT message (the same, with what the event adds).
 */
#ifndef NOOKSCTL_DOMAIN_H
#define NOOKSCTL_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "netlink.h"

struct nooks_object {
	char *type;
	uint64_t count;
};

/* Object types with a count: NOOKS_A_DOMAIN_OBJECTS, _RECOVERY_RELEASED. */
struct object_list {
	struct nooks_object *v;
	size_t n;
};

struct domain_info {
	char *name;
	char *module;
	char *last_fault;
	char *path;		/* NULL: an older kernel did not say */
	char *params;
	uint32_t state;
	bool has_state;
	uint32_t restart;
	bool has_restart;
	uint32_t hang_timeout_ms;
	bool has_hang_timeout;
	uint32_t restart_limit;
	bool has_restart_limit;
	uint32_t shadow;	/* enum nooks_shadow_mode */
	bool has_shadow;
	uint32_t shadow_log;
	bool has_shadow_log;
	bool load;		/* waits for its module (a restart is due) */
	uint64_t faults;
	uint64_t recoveries;
	uint64_t calls_in;
	uint64_t calls_out;
	uint64_t memory_bytes;
	struct object_list objs;

	/* Events only. */
	uint32_t event;
	bool has_event;
	char *fault_type;
	uint32_t result;
	bool has_result;
	uint64_t recovery_ns;
	bool has_recovery_ns;
	struct object_list released;
};

void domain_info_free(struct domain_info *d);

/*
 * Parse one message of the family into d (zeroed first; free it with
 * domain_info_free whatever the result). Return: MNL_CB_OK, or
 * MNL_CB_ERROR with errno set (and nl's bad_reply when it is malformed).
 */
int domain_parse(struct nl_ctx *nl, const struct nlmsghdr *nlh,
		 struct domain_info *d);

/* Ask for one domain. Return: 0 or -errno; reports nothing. */
int domain_get(struct nl_ctx *nl, const char *name, struct domain_info *d);

/* The words of enums: "unknown(N)" in buf for a value we do not know. */
const char *domain_state_name(uint32_t state, char *buf, size_t len);
const char *domain_restart_name(uint32_t restart, char *buf, size_t len);
const char *domain_shadow_name(uint32_t shadow, char *buf, size_t len);

#endif /* NOOKSCTL_DOMAIN_H */
