// SPDX-License-Identifier: GPL-2.0
/*
 * Hang detection. Each CPU running driver code has a deadline (the gates
 * set it to now + the domain's hang_timeout_ms whenever driver code
 * starts or resumes running, domains/xpc.c). A timer on every CPU looks
 * at the deadlines four times a second. Past its own, the timer
 * interrupt's regs show what it interrupted; another CPU past its
 * deadline gets an NMI, which arrives even with interrupts off. Either
 * way, if what was interrupted is still the same driver code (the
 * interrupted context is the frame's, its ip the module's or an injected
 * payload's), it resumes at the landing pad, unwound like any fault.
 *
 * The timers run only while some module is bound to a domain, on the
 * CPUs online when the first was bound.
 */
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/hrtimer.h>
#include <linux/smp.h>
#include <asm/irq_regs.h>
#include <asm/apic.h>
#include <asm/nmi.h>

#include "../../core/domain.h"
#include "../../domains/inject.h"
#include "../../domains/xpc.h"
#include "fault.h"
#include "hang.h"
#include "idt.h"

#define NOOKS_HANG_PERIOD_NS	(NSEC_PER_SEC / 4)

static DEFINE_PER_CPU(struct hrtimer, nooks_hang_timer);
static atomic_t nooks_hang_users;		/* bound modules */
static DEFINE_PER_CPU(bool, nooks_hang_nmi_sent);

/* Is @ip the driver code of @f, not a gate or the kernel it called? */
static notrace bool nooks_hang_in_driver(struct nooks_xpc_frame *f,
					 unsigned long ip)
{
	struct module *mod = READ_ONCE(f->domain->module);

	return (mod && within_module(ip, mod)) || nooks_inject_payload_ip(ip);
}

/*
 * This CPU was interrupted (by an NMI or a timer interrupt, which added
 * @offset to the preemption count) at @regs: if that is driver code past
 * its deadline, resume it unwound.
 */
static notrace void nooks_hang_check(struct pt_regs *regs, unsigned int offset)
{
	struct nooks_xpc_frame *f = this_cpu_read(nooks_xpc_cur);
	unsigned long deadline = this_cpu_read(nooks_xpc_deadline);
	unsigned long ip;
	u32 context;

	if (!f || !regs || !deadline || !time_after(jiffies, deadline) ||
	    user_mode(regs))
		return;
	context = (preempt_count() - offset) &
		  (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET);
	/*
	 * An interrupt on a domain's table shows the frame the domain IDT
	 * made (arch/x86/idt_stubs.S): the CPU's is above the saved CR3.
	 */
	ip = regs->ip;
	if (ip == (unsigned long)nooks_idt_irq_return)
		ip = ((unsigned long *)regs->sp)[1];
	if (f->context != context || !nooks_hang_in_driver(f, ip))
		return;		/* looked at again next period */
	regs->ip = ip;		/* for the report; unwinding rewrites it */
	nooks_fault_defer(f, regs, "hang", 0);
}

/*
 * Every CPU looks at its own driver code through the regs of the timer
 * interrupt, and sends the other CPUs past their deadline an NMI, which
 * also stops driver code that runs with interrupts off.
 */
static enum hrtimer_restart nooks_hang_tick(struct hrtimer *t)
{
	int cpu, self = smp_processor_id();

	for_each_online_cpu(cpu) {
		unsigned long deadline = READ_ONCE(per_cpu(nooks_xpc_deadline,
							   cpu));

		if (!deadline || !time_after(jiffies, deadline))
			continue;
		if (cpu == self) {
			nooks_hang_check(get_irq_regs(), HARDIRQ_OFFSET);
			continue;
		}
		if (READ_ONCE(per_cpu(nooks_hang_nmi_sent, cpu)))
			continue;
		WRITE_ONCE(per_cpu(nooks_hang_nmi_sent, cpu), true);
		apic->send_IPI(cpu, NMI_VECTOR);
	}
	if (!atomic_read(&nooks_hang_users))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(NOOKS_HANG_PERIOD_NS));
	return HRTIMER_RESTART;
}

/*
 * An NMI from kernel mode does not return through its pt_regs: the entry
 * code (arch/x86/entry/entry_64.S, "iret" frame) keeps a copy of the
 * hardware frame just above them, taken before the handlers ran, and
 * iretq reads the copy. Rewrite the copy as nooks_hang_check() rewrote
 * @regs, unless a nested NMI already pointed it at repeat_nmi (which
 * copies @regs again).
 */
static notrace void nooks_hang_nmi_return(struct pt_regs *regs,
					  unsigned long ip, unsigned long sp)
{
	unsigned long *iret = (unsigned long *)(regs + 1);

	if (READ_ONCE(iret[0]) != ip || READ_ONCE(iret[3]) != sp)
		return;
	iret[2] = regs->flags;
	iret[3] = regs->sp;
	WRITE_ONCE(iret[0], regs->ip);
}

static notrace int nooks_hang_nmi(unsigned int type, struct pt_regs *regs)
{
	unsigned long ip = regs->ip, sp = regs->sp;

	if (!this_cpu_read(nooks_hang_nmi_sent))
		return NMI_DONE;
	this_cpu_write(nooks_hang_nmi_sent, false);
	nooks_hang_check(regs, NMI_OFFSET + HARDIRQ_OFFSET);
	if (regs->ip != ip)
		nooks_hang_nmi_return(regs, ip, sp);
	return NMI_HANDLED;
}

static void nooks_hang_start(void *unused)
{
	hrtimer_start(this_cpu_ptr(&nooks_hang_timer),
		      ns_to_ktime(NOOKS_HANG_PERIOD_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

/**
 * nooks_hang_watch() - a module was bound: watch for hangs
 */
void nooks_hang_watch(void)
{
	if (atomic_inc_return(&nooks_hang_users) == 1)
		on_each_cpu(nooks_hang_start, NULL, 1);
}

/**
 * nooks_hang_unwatch() - a bound module went away
 */
void nooks_hang_unwatch(void)
{
	atomic_dec(&nooks_hang_users);
}

/**
 * nooks_hang_init() - register the NMI handler
 *
 * Return: 0 or the error of register_nmi_handler().
 */
int nooks_hang_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		hrtimer_init(per_cpu_ptr(&nooks_hang_timer, cpu),
			     CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		per_cpu_ptr(&nooks_hang_timer, cpu)->function = nooks_hang_tick;
	}
	return register_nmi_handler(NMI_LOCAL, nooks_hang_nmi, 0, "nooks_hang");
}

/**
 * nooks_hang_uninit() - stop the timer and the NMI handler
 */
void nooks_hang_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		hrtimer_cancel(per_cpu_ptr(&nooks_hang_timer, cpu));
	unregister_nmi_handler(NMI_LOCAL, "nooks_hang");
}
