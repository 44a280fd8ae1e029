/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Imports an isolated driver runs inside its domain, without crossing.
 * One table for nooks.ko, which refuses a module claiming any other, and
 * for nooksctl, which leaves their calls alone. Each line says why.
 *
 * NOOKS_IN_DOMAIN(name, reason): exactly this symbol.
 * NOOKS_IN_DOMAIN_PREFIX(prefix, reason): every symbol starting so.
 *
 * Include this after defining both macros.
 */
/* Emitted by the compiler and patched by the kernel at load. */
NOOKS_IN_DOMAIN(__x86_return_thunk, "each ret of the driver; patched by the kernel")
NOOKS_IN_DOMAIN_PREFIX(__x86_indirect_thunk_, "retpoline of each indirect call")
NOOKS_IN_DOMAIN(__fentry__, "ftrace call site, patched by the kernel")
/*
 * preempt_enable()'s static call: a thunk that must preserve every
 * register, which a gate would not. Driver code runs under an entry gate
 * that holds a preemption count, so the count never reaches zero there
 * and the thunk is never taken.
 */
NOOKS_IN_DOMAIN(__SCT__preempt_schedule, "preserves all registers; not taken in a domain")
NOOKS_IN_DOMAIN(__SCT__preempt_schedule_notrace, "preserves all registers; not taken in a domain")
/* Pure helpers: they only touch memory the driver names. */
NOOKS_IN_DOMAIN(memcpy, "copies between buffers the driver names")
NOOKS_IN_DOMAIN(memset, "fills a buffer the driver names")
NOOKS_IN_DOMAIN(memmove, "copies between buffers the driver names")
NOOKS_IN_DOMAIN(memcmp, "reads only")
NOOKS_IN_DOMAIN(__memcpy, "copies between buffers the driver names")
NOOKS_IN_DOMAIN(__memset, "fills a buffer the driver names")
NOOKS_IN_DOMAIN(__memmove, "copies between buffers the driver names")
NOOKS_IN_DOMAIN(memchr, "reads only")
NOOKS_IN_DOMAIN(strlen, "reads only")
NOOKS_IN_DOMAIN(strnlen, "reads only")
NOOKS_IN_DOMAIN(strcmp, "reads only")
NOOKS_IN_DOMAIN(strncmp, "reads only")
NOOKS_IN_DOMAIN(strchr, "reads only")
NOOKS_IN_DOMAIN(strrchr, "reads only")
NOOKS_IN_DOMAIN(strstr, "reads only")
NOOKS_IN_DOMAIN(strcpy, "copies into a buffer the driver names")
NOOKS_IN_DOMAIN(strncpy, "copies into a buffer the driver names")
NOOKS_IN_DOMAIN(strcat, "copies into a buffer the driver names")
NOOKS_IN_DOMAIN(strncat, "copies into a buffer the driver names")
NOOKS_IN_DOMAIN(strlcpy, "copies into a buffer the driver names")
NOOKS_IN_DOMAIN(strscpy, "copies into a buffer the driver names")
NOOKS_IN_DOMAIN(__sw_hweight32, "pure arithmetic; custom calling convention")
NOOKS_IN_DOMAIN(__sw_hweight64, "pure arithmetic; custom calling convention")
NOOKS_IN_DOMAIN(is_vmalloc_addr, "pure address arithmetic")
/* Busy-wait loops: 78% of e1000's crossings during probe. */
NOOKS_IN_DOMAIN(__udelay, "busy-wait loop, touches no memory")
NOOKS_IN_DOMAIN(__const_udelay, "busy-wait loop, touches no memory")
NOOKS_IN_DOMAIN(__ndelay, "busy-wait loop, touches no memory")
NOOKS_IN_DOMAIN(__delay, "busy-wait loop, touches no memory")
