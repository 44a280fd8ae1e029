// SPDX-License-Identifier: GPL-2.0
/*
 * nooksctl monitor: print the events of the "events" multicast group as
 * they arrive, one line (or one JSON object) each, flushed at once so
 * that a pipe sees every event when it happens.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include <nooks.h>

#include "domain.h"
#include "main.h"
#include "netlink.h"

#define MONITOR_USAGE	"nooksctl monitor [--count N]"

static const char *const event_names[] = {
	[NOOKS_EVENT_DOMAIN_CREATED]	= "created",
	[NOOKS_EVENT_DOMAIN_DESTROYED]	= "destroyed",
	[NOOKS_EVENT_FAULT]		= "fault",
	[NOOKS_EVENT_RECOVERY_START]	= "recovery_start",
	[NOOKS_EVENT_RECOVERY_END]	= "recovery_end",
};

static const char *const result_names[] = {
	[NOOKS_RECOVERY_RESTARTED]	= "restarted",
	[NOOKS_RECOVERY_STOPPED]	= "stopped",
};

/* A newer kernel may send values we do not know: show the number. */
static const char *name_of(const char *const *names, size_t n, uint32_t v,
			   char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "unknown(%u)", v);
	return buf;
}

struct monitor {
	struct nl_ctx *nl;
	int sigfd;		/* SIGINT and SIGTERM: the end of the run */
	unsigned long limit;	/* events to print, 0 for no limit */
	unsigned long seen;
	bool gone;		/* the family was unregistered */
};

static unsigned long long ull(uint64_t v)
{
	return v;
}

static void event_plain(const struct domain_info *d)
{
	char buf[32];
	bool any = false;
	size_t i;

	print_plain(d->name);
	printf(": %s", name_of(event_names, ARRAY_SIZE(event_names), d->event,
			       buf, sizeof(buf)));
	if (d->event == NOOKS_EVENT_FAULT) {
		putchar(' ');
		print_plain(d->last_fault ? d->last_fault :
			    d->fault_type ? d->fault_type : "unknown");
	} else if (d->event == NOOKS_EVENT_RECOVERY_END) {
		if (d->has_result)
			printf(" %s", name_of(result_names,
					      ARRAY_SIZE(result_names),
					      d->result, buf, sizeof(buf)));
		if (d->has_recovery_ns)
			printf(" in %llu ms",
			       ull((d->recovery_ns + 500000) / 1000000));
		fputs(", released", stdout);
		for (i = 0; i < d->released.n; i++) {
			if (!d->released.v[i].count)
				continue;
			putchar(' ');
			print_plain(d->released.v[i].type);
			printf("=%llu", ull(d->released.v[i].count));
			any = true;
		}
		if (!any)
			fputs(" nothing", stdout);
	}
	printf(" (state %s)\n", domain_state_name(d->state, buf, sizeof(buf)));
	fflush(stdout);
}

static void event_json(const struct domain_info *d)
{
	char buf[32], type[64];
	size_t i;

	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "event",
			   name_of(event_names, ARRAY_SIZE(event_names),
				   d->event, buf, sizeof(buf)));
	jsonw_string_field(json_wtr, "domain", d->name);
	jsonw_string_field(json_wtr, "state",
			   domain_state_name(d->state, buf, sizeof(buf)));
	if (d->event == NOOKS_EVENT_FAULT) {
		const char *lf = d->last_fault ? d->last_fault : "";

		jsonw_string_field(json_wtr, "last_fault", lf);
		/* The first word of last_fault, if the kernel left it out. */
		snprintf(type, sizeof(type), "%.*s", (int)strcspn(lf, " "), lf);
		jsonw_string_field(json_wtr, "fault_type",
				   d->fault_type ? d->fault_type : type);
	} else if (d->event == NOOKS_EVENT_RECOVERY_END) {
		if (d->has_result)
			jsonw_string_field(json_wtr, "result",
					   name_of(result_names,
						   ARRAY_SIZE(result_names),
						   d->result, buf,
						   sizeof(buf)));
		if (d->has_recovery_ns)
			jsonw_uint_field(json_wtr, "duration_ns",
					 d->recovery_ns);
		jsonw_name(json_wtr, "released");
		jsonw_start_object(json_wtr);
		for (i = 0; i < d->released.n; i++)
			if (d->released.v[i].count)
				jsonw_uint_field(json_wtr,
						 d->released.v[i].type,
						 d->released.v[i].count);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_object(json_wtr);
	jsonw_end_line(json_wtr);
}

static int ctrl_attr_cb(const struct nlattr *attr, void *data)
{
	struct monitor *m = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(attr, MNL_TYPE_U16) &&
	    mnl_attr_get_u16(attr) == m->nl->family)
		m->gone = true;
	return MNL_CB_OK;
}

/* The controller's notices: only the end of our family matters. */
static int ctrl_msg(struct monitor *m, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (genl->cmd != CTRL_CMD_DELFAMILY)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, GENL_HDRLEN, ctrl_attr_cb, m);
	return m->gone ? MNL_CB_STOP : MNL_CB_OK;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *m = data;
	const struct genlmsghdr *genl;
	struct domain_info d;
	int ret;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return nl_bad_reply(m->nl, "no genl header");
	genl = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return ctrl_msg(m, nlh);
	if (nlh->nlmsg_type != m->nl->family || genl->cmd != NOOKS_CMD_EVENT)
		return MNL_CB_OK;

	ret = domain_parse(m->nl, nlh, &d);
	if (ret == MNL_CB_OK && !d.has_event)
		ret = nl_bad_reply(m->nl, "event without NOOKS_A_EVENT");
	if (ret == MNL_CB_OK) {
		if (json_output)
			event_json(&d);
		else
			event_plain(&d);
		m->seen++;
	}
	domain_info_free(&d);
	if (ret == MNL_CB_OK && m->limit && m->seen >= m->limit)
		return MNL_CB_STOP;
	return ret;
}

/* Wait for a message; 0 when one is there, 1 on a signal, -1 on error. */
static int wait_readable(struct monitor *m)
{
	struct pollfd pfd[2] = {
		{ .fd = mnl_socket_get_fd(m->nl->sock), .events = POLLIN },
		{ .fd = m->sigfd, .events = POLLIN },
	};

	struct signalfd_siginfo si[2];

	while (poll(pfd, ARRAY_SIZE(pfd), -1) < 0) {
		if (errno != EINTR) {
			p_err("cannot wait for events: %s", strerror(errno));
			return -1;
		}
	}
	if (!pfd[1].revents)
		return 0;
	/*
	 * A signal ends the run, even with events waiting. Take it, or it
	 * would kill us when the signal mask is restored.
	 */
	if (read(m->sigfd, si, sizeof(si)) < 0) {
		p_err("cannot read the signal that ends monitor: %s",
		      strerror(errno));
		return -1;
	}
	return 1;
}

static int monitor_loop(struct monitor *m)
{
	struct nl_ctx *nl = m->nl;
	ssize_t n;
	int r;

	for (;;) {
		r = wait_readable(m);
		if (r)
			return r < 0 ? -1 : 0;
		n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF_SIZE);
		if (n < 0 && errno == ENOBUFS) {
			/* The socket overran: say so, and go on. */
			fflush(stdout);
			fprintf(stderr, "%s: warning: %s\n", bin_name,
				"events were lost (they came faster than they were read)");
			continue;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			p_err("cannot read events: %s", strerror(errno));
			return -1;
		}
		nl->bad_reply[0] = '\0';
		if (!mnl_nlmsg_ok((const struct nlmsghdr *)nl->buf, n)) {
			nl_bad_reply(nl, "truncated message");
			p_err("cannot read events: %s",
			      nl_strerror(nl, EBADMSG));
			return -1;
		}
		errno = 0;
		r = mnl_cb_run(nl->buf, n, 0, 0, monitor_cb, m);
		if (r < 0) {
			p_err("cannot read events: %s",
			      nl_strerror(nl, errno ? errno : EPROTO));
			return -1;
		}
		if (m->gone) {
			p_err("nooks module unloaded: no more events");
			return -1;
		}
		if (m->limit && m->seen >= m->limit)
			return 0;
	}
}

int do_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	sigset_t block, oldmask;
	const char *count_arg = NULL;
	struct nl_ctx nl;
	int i, n = 0, r, ret;

	for (i = 0; i < argc; i++) {
		r = opt_value(argc, argv, &i, "--count", &count_arg,
			      MONITOR_USAGE);
		if (r < 0)
			return -1;
		if (!r)
			argv[n++] = argv[i];
	}
	if (n == 1 && !strcmp(argv[0], "help"))
		return do_monitor_help(0, NULL);
	if (no_more_args(n, argv, MONITOR_USAGE))
		return -1;
	if (count_arg && parse_count(count_arg, UINT32_MAX, &m.limit))
		return -1;

	if (nl_open(&nl))
		return -1;
	if (nl_join_events(&nl)) {
		nl_close(&nl);
		return -1;
	}
	m.nl = &nl;

	/*
	 * SIGINT and SIGTERM end the run cleanly: blocked, they wait in a
	 * signalfd that is polled with the socket, so none is missed.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	m.sigfd = signalfd(-1, &block, SFD_CLOEXEC);
	if (m.sigfd < 0) {
		p_err("cannot watch for signals: %s", strerror(errno));
		ret = -1;
	} else {
		ret = monitor_loop(&m);
		close(m.sigfd);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	nl_close(&nl);
	return ret;
}

/* Help is text even with -j: it is for people, not for scripts. */
int do_monitor_help(int argc, char **argv)
{
	if (no_more_args(argc, argv, "nooksctl monitor help"))
		return -1;

	printf("Usage: %s [OPTIONS] monitor [--count N]\n"
	       "\n"
	       "Print the events of every domain as they happen, one line each, until\n"
	       "interrupted (SIGINT or SIGTERM), or after N events with --count:\n"
	       "  NAME: created (state STATE)\n"
	       "  NAME: destroyed (state STATE)\n"
	       "  NAME: fault LAST_FAULT (state STATE)\n"
	       "  NAME: recovery_start (state STATE)\n"
	       "  NAME: recovery_end RESULT in MS ms, released TYPE=COUNT... (state STATE)\n"
	       "STATE is the domain's state after the event; LAST_FAULT is the kind\n"
	       "of fault, where it happened and the address; RESULT is restarted or\n"
	       "stopped. With -j, one JSON object per line (see nooksctl(8)).\n"
	       "monitor needs root (CAP_NET_ADMIN) and the nooks module; it ends\n"
	       "with an error if the nooks module is unloaded.\n",
	       bin_name);
	return 0;
}
