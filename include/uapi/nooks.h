/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Nooks control plane: the generic netlink family "nooks".
 *
 * Every command needs CAP_NET_ADMIN in the initial user namespace
 * (GENL_ADMIN_PERM); the kernel refuses others with -EPERM. The family
 * lives in the initial network namespace only.
 *
 * Commands:
 *
 * NOOKS_CMD_DOMAIN_NEW: create a domain.
 *	NOOKS_A_DOMAIN_NAME	string, required; 1..NOOKS_NAME_MAX-1 bytes
 *				of [A-Za-z0-9_] (a module name with dashes
 *				turned into underscores).
 *	NOOKS_A_DOMAIN_LOAD	flag, optional: a module of this name is about
 *				to be loaded into the domain. The module
 *				notifier binds it, or refuses it if nooksctl
 *				did not rewrite it.
 *	Errors: -EEXIST (name taken), -EINVAL (bad name), -ENOMEM.
 *
 * NOOKS_CMD_DOMAIN_DEL: destroy a domain.
 *	NOOKS_A_DOMAIN_NAME	string, required.
 *	Errors: -ENOENT (no such domain), -EBUSY (a module is bound to it:
 *	unload the module first).
 *
 * NOOKS_CMD_DOMAIN_GET: report domains. As a do request with
 *	NOOKS_A_DOMAIN_NAME it answers one domain (-ENOENT if unknown); as
 *	a dump request (NLM_F_DUMP) it answers every domain. Each reply
 *	carries:
 *	NOOKS_A_DOMAIN_NAME		string
 *	NOOKS_A_DOMAIN_STATE		u32, enum nooks_domain_state
 *	NOOKS_A_DOMAIN_MODULE		string, empty when no module is bound
 *	NOOKS_A_DOMAIN_FAULTS		u64
 *	NOOKS_A_DOMAIN_RECOVERIES	u64
 *	NOOKS_A_DOMAIN_CALLS_IN		u64, kernel->driver crossings
 *	NOOKS_A_DOMAIN_CALLS_OUT	u64, driver->kernel crossings
 *	NOOKS_A_DOMAIN_MEMORY_BYTES	u64
 *	NOOKS_A_DOMAIN_LAST_FAULT	string, "none" before the first fault
 *	NOOKS_A_DOMAIN_OBJECTS		nested: one NOOKS_A_OBJECTS_ENTRY per
 *					object type, each nested with
 *					NOOKS_A_OBJECT_TYPE (string) and
 *					NOOKS_A_OBJECT_COUNT (u64)
 *
 * NOOKS_CMD_EXPORTS_GET: dump the symbols nooks.ko exports (its gates and
 *	wrappers), one message each, so nooksctl can bind a driver to them
 *	with the right symbol versions:
 *	NOOKS_A_EXPORT_NAME	string
 *	NOOKS_A_EXPORT_CRC	u32, the symbol's CRC (0 without MODVERSIONS)
 *	NOOKS_A_EXPORT_NS	string, the symbol namespace if any
 *
 * NOOKS_CMD_EVENT: sent by the kernel only, to the multicast group
 *	NOOKS_MCGRP_EVENTS, with NOOKS_A_EVENT (u32, enum nooks_event),
 *	NOOKS_A_DOMAIN_NAME and NOOKS_A_DOMAIN_STATE; later events add
 *	attributes of their own.
 *
 * u64 attributes are padded with NOOKS_A_PAD.
 */
#ifndef _UAPI_NOOKS_H
#define _UAPI_NOOKS_H

#define NOOKS_GENL_NAME		"nooks"
#define NOOKS_GENL_VERSION	1
#define NOOKS_MCGRP_EVENTS	"events"

/* Longest domain name including the NUL: the kernel's MODULE_NAME_LEN. */
#define NOOKS_NAME_MAX		56

enum nooks_cmd {
	NOOKS_CMD_UNSPEC,
	NOOKS_CMD_DOMAIN_NEW,
	NOOKS_CMD_DOMAIN_DEL,
	NOOKS_CMD_DOMAIN_GET,
	NOOKS_CMD_EVENT,
	NOOKS_CMD_EXPORTS_GET,

	__NOOKS_CMD_MAX
};

#define NOOKS_CMD_MAX (__NOOKS_CMD_MAX - 1)

enum nooks_attr {
	NOOKS_A_UNSPEC,
	NOOKS_A_PAD,
	NOOKS_A_DOMAIN_NAME,
	NOOKS_A_DOMAIN_STATE,
	NOOKS_A_DOMAIN_MODULE,
	NOOKS_A_DOMAIN_FAULTS,
	NOOKS_A_DOMAIN_RECOVERIES,
	NOOKS_A_DOMAIN_CALLS_IN,
	NOOKS_A_DOMAIN_CALLS_OUT,
	NOOKS_A_DOMAIN_MEMORY_BYTES,
	NOOKS_A_DOMAIN_LAST_FAULT,
	NOOKS_A_DOMAIN_OBJECTS,
	NOOKS_A_EVENT,
	NOOKS_A_DOMAIN_LOAD,
	NOOKS_A_EXPORT_NAME,
	NOOKS_A_EXPORT_CRC,
	NOOKS_A_EXPORT_NS,

	__NOOKS_A_MAX
};

#define NOOKS_A_MAX (__NOOKS_A_MAX - 1)

/* Nested in NOOKS_A_DOMAIN_OBJECTS. */
enum nooks_objects_attr {
	NOOKS_A_OBJECTS_UNSPEC,
	NOOKS_A_OBJECTS_ENTRY,

	__NOOKS_A_OBJECTS_MAX
};

#define NOOKS_A_OBJECTS_MAX (__NOOKS_A_OBJECTS_MAX - 1)

/* Nested in NOOKS_A_OBJECTS_ENTRY. */
enum nooks_object_attr {
	NOOKS_A_OBJECT_UNSPEC,
	NOOKS_A_OBJECT_PAD,
	NOOKS_A_OBJECT_TYPE,
	NOOKS_A_OBJECT_COUNT,

	__NOOKS_A_OBJECT_MAX
};

#define NOOKS_A_OBJECT_MAX (__NOOKS_A_OBJECT_MAX - 1)

/* Also the words in /sys/kernel/nooks/domains/<name>/state. */
enum nooks_domain_state {
	NOOKS_STATE_LIVE,	/* a module is bound and runs */
	NOOKS_STATE_FAILED,	/* faulted; crossings unwind */
	NOOKS_STATE_RECOVERING,	/* resources being released, restart due */
	NOOKS_STATE_STOPPED,	/* no module runs in it */

	__NOOKS_STATE_MAX
};

enum nooks_event {
	NOOKS_EVENT_DOMAIN_CREATED,
	NOOKS_EVENT_DOMAIN_DESTROYED,
	NOOKS_EVENT_FAULT,
	NOOKS_EVENT_RECOVERY_START,
	NOOKS_EVENT_RECOVERY_END,

	__NOOKS_EVENT_MAX
};

#endif /* _UAPI_NOOKS_H */
