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
 *	NOOKS_A_DOMAIN_RESTART	u32, optional, enum nooks_restart: what
 *				recovery does after a fault (default
 *				NOOKS_RESTART_SHADOW).
 *	NOOKS_A_DOMAIN_PATH	string, optional, < NOOKS_PATH_MAX bytes: the
 *				module file, for the recovery agent.
 *	NOOKS_A_DOMAIN_PARAMS	string, optional, < NOOKS_PARAMS_MAX bytes:
 *				the module parameters, for the agent.
 *	Errors: -EEXIST (name taken), -EINVAL (bad name or policy), -ENOMEM.
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
 *	NOOKS_A_DOMAIN_RESTART		u32, enum nooks_restart
 *	NOOKS_A_DOMAIN_PATH		string, "" if not given
 *	NOOKS_A_DOMAIN_PARAMS		string, "" if none
 *	NOOKS_A_DOMAIN_LOAD		flag, present while the domain waits for
 *					its module to be loaded (set by
 *					recovery when a restart is due: the
 *					agent loads PATH with PARAMS)
 *	NOOKS_A_DOMAIN_HANG_TIMEOUT_MS	u32, the hang deadline
 *	NOOKS_A_DOMAIN_RESTART_LIMIT	u32, most restarts in 60 s
 *	NOOKS_A_DOMAIN_SHADOW		u32, enum nooks_shadow_mode
 *	NOOKS_A_DOMAIN_SHADOW_LOG	u32, entries in the shadow's log
 *
 * NOOKS_CMD_EXPORTS_GET: dump the symbols nooks.ko exports (its gates and
 *	wrappers), one message each, so nooksctl can bind a driver to them
 *	with the right symbol versions:
 *	NOOKS_A_EXPORT_NAME	string
 *	NOOKS_A_EXPORT_CRC	u32, the symbol's CRC (0 without MODVERSIONS)
 *	NOOKS_A_EXPORT_NS	string, the symbol namespace if any
 *
 * NOOKS_CMD_EVENT: sent by the kernel only, to the multicast group
 *	NOOKS_MCGRP_EVENTS: NOOKS_A_EVENT (u32, enum nooks_event) and
 *	every attribute of a NOOKS_CMD_DOMAIN_GET reply. NOOKS_EVENT_FAULT
 *	adds NOOKS_A_FAULT_TYPE (string: the first word of last_fault,
 *	e.g. "page-fault"); NOOKS_A_DOMAIN_LAST_FAULT has type, symbolized
 *	ip and address. NOOKS_EVENT_RECOVERY_END adds
 *	NOOKS_A_RECOVERY_RESULT (u32, enum nooks_recovery_result),
 *	NOOKS_A_RECOVERY_NS (u64, from the fault to this event) and
 *	NOOKS_A_RECOVERY_RELEASED (nested like NOOKS_A_DOMAIN_OBJECTS: one
 *	entry per object type recovery released, with its count; types it
 *	released none of are left out).
 *
 * NOOKS_CMD_INJECT: arm a fault that fires inside the domain's driver
 *	code on its next entries (kernel->driver crossings).
 *	NOOKS_A_DOMAIN_NAME	string, required.
 *	NOOKS_A_INJECT_FAULT	u32, required, enum nooks_fault.
 *	NOOKS_A_INJECT_COUNT	u32, optional, 1..NOOKS_INJECT_COUNT_MAX
 *				(default 1): how many entries fault. A new
 *				request replaces an armed one.
 *	Errors: -ENOENT (no such domain), -EINVAL (unknown fault or count),
 *	-EBUSY (the domain is not live), -EOPNOTSUPP (bad-free and
 *	double-free need a strict domain: one whose every import has a
 *	typed wrapper, so a free of memory it does not hold is caught).
 *	NOOKS_FAULT_WILD_WRITE, NOOKS_FAULT_KERNEL_WRITE and
 *	NOOKS_FAULT_STALE_WRITE are accepted and fire everywhere, but are
 *	contained only in a domain with page-table protection; elsewhere
 *	the write lands (nooks.ko's own sacrificial word; a kernel global,
 *	adding 0; a page of the domain's heap just freed, adding 0), and
 *	the kernel says so in its log.
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
/* Longest module path and parameter string, including the NUL. */
#define NOOKS_PATH_MAX		256
#define NOOKS_PARAMS_MAX	1024
/* Most entries one NOOKS_CMD_INJECT arms. */
#define NOOKS_INJECT_COUNT_MAX	1000

enum nooks_cmd {
	NOOKS_CMD_UNSPEC,
	NOOKS_CMD_DOMAIN_NEW,
	NOOKS_CMD_DOMAIN_DEL,
	NOOKS_CMD_DOMAIN_GET,
	NOOKS_CMD_EVENT,
	NOOKS_CMD_EXPORTS_GET,
	NOOKS_CMD_INJECT,

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
	NOOKS_A_DOMAIN_RESTART,
	NOOKS_A_DOMAIN_PATH,
	NOOKS_A_DOMAIN_PARAMS,
	NOOKS_A_DOMAIN_HANG_TIMEOUT_MS,
	NOOKS_A_DOMAIN_RESTART_LIMIT,
	NOOKS_A_INJECT_FAULT,
	NOOKS_A_INJECT_COUNT,
	NOOKS_A_FAULT_TYPE,
	NOOKS_A_RECOVERY_RESULT,
	NOOKS_A_RECOVERY_NS,
	NOOKS_A_RECOVERY_RELEASED,
	NOOKS_A_DOMAIN_SHADOW,
	NOOKS_A_DOMAIN_SHADOW_LOG,

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

/* What recovery does after a fault: nooksctl load --restart=. */
enum nooks_restart {
	NOOKS_RESTART_ALWAYS,	/* unload, release, load again (rate limited) */
	NOOKS_RESTART_NEVER,	/* unload, release, stop */
	/*
	 * as ALWAYS, and a shadow driver keeps the devices of the classes
	 * that have one (net): the restarted driver gets them back
	 */
	NOOKS_RESTART_SHADOW,

	__NOOKS_RESTART_MAX
};

/* The mode of a domain's shadow drivers (sysfs "shadow"). */
enum nooks_shadow_mode {
	NOOKS_SHADOW_NONE,	/* no device of a class with a shadow */
	NOOKS_SHADOW_PASSIVE,	/* recording */
	NOOKS_SHADOW_ACTIVE,	/* keeping devices across a recovery */

	__NOOKS_SHADOW_MAX
};

/* How a recovery ended. */
enum nooks_recovery_result {
	NOOKS_RECOVERY_RESTARTED,	/* the driver runs again: live */
	NOOKS_RECOVERY_STOPPED,		/* by policy, limit or a failed restart */

	__NOOKS_RECOVERY_MAX
};

/*
 * Faults nooksctl inject arms; the names nooksctl takes are in
 * nooksctl(8). Each runs as driver code of the domain.
 */
enum nooks_fault {
	NOOKS_FAULT_NULL_DEREF,		/* read through NULL */
	NOOKS_FAULT_WILD_WRITE,		/* write to memory the domain does not own */
	NOOKS_FAULT_STACK_OVERFLOW,	/* run off the end of the stack */
	NOOKS_FAULT_BUG,		/* BUG() */
	NOOKS_FAULT_GPF,		/* read through a non-canonical pointer */
	NOOKS_FAULT_DIV_ZERO,		/* divide by zero */
	NOOKS_FAULT_BAD_FREE,		/* kfree of memory the domain does not own */
	NOOKS_FAULT_DOUBLE_FREE,	/* kfree twice */
	NOOKS_FAULT_HANG,		/* loop forever, preemption off */
	NOOKS_FAULT_ILLEGAL_INSN,	/* an undefined opcode */
	NOOKS_FAULT_HANG_IRQOFF,	/* loop forever, interrupts off */
	NOOKS_FAULT_KERNEL_WRITE,	/* write to a global of the kernel */
	NOOKS_FAULT_STALE_WRITE,	/* write to domain memory it freed */

	__NOOKS_FAULT_MAX
};

#endif /* _UAPI_NOOKS_H */
