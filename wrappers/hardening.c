// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's hardening checks, failed by driver code: a stack canary
 * overwritten (__stack_chk_fail, which the compiler calls from the
 * driver's epilogue) or a fortified string function overflowing its
 * buffer (fortify_panic). The kernel's handlers panic or BUG; in a
 * domain the check's failure is the driver's fault: its domain fails
 * with the report "stack-protector" or "fortify", the call does not
 * happen, and the thread unwinds out of the driver as it returns to it
 * (these functions do not return: nothing of the driver runs after).
 * Found by the SWIFI campaign (Documentation/campaign.rst): a mutant
 * that overwrote dummy_setup's canary panicked the kernel.
 */
#include <linux/kernel.h>

#include "../arch/x86/fault.h"
#include "../core/domain.h"
#include "wrap.h"

static void nooks_wrap_noreturn(void)
{
}

/* Fail @f's domain with "@type <driver call site> 0x0", skip the call. */
static void nooks_wrap_check_failed(struct nooks_xpc_frame *f,
				    const char *type)
{
	nooks_fault_report(f, type, f->ret, 0);
	f->target = (unsigned long)nooks_wrap_noreturn;
}

/**
 * nooks_wrap_pre___stack_chk_fail() - pre= of __stack_chk_fail
 * @f: the exit gate's frame
 */
void nooks_wrap_pre___stack_chk_fail(struct nooks_xpc_frame *f)
{
	nooks_wrap_check_failed(f, "stack-protector");
}

/**
 * nooks_wrap_pre_fortify_panic() - pre= of fortify_panic
 * @f: the exit gate's frame: (name of the string function)
 */
void nooks_wrap_pre_fortify_panic(struct nooks_xpc_frame *f)
{
	nooks_wrap_check_failed(f, "fortify");
}
