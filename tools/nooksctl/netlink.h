/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NOOKSCTL_NETLINK_H
#define NOOKSCTL_NETLINK_H

#include <stdint.h>

#include <libmnl/libmnl.h>

/*
 * Big enough for the largest skb the kernel builds for a dump, so that
 * no reply is ever cut short (recvfrom would fail with ENOSPC).
 */
#define NL_BUF_SIZE	32768

struct nl_ctx {
	struct mnl_socket *sock;
	char *buf;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t family_version;
	/* Multicast groups: the family's "events", nlctrl's "notify"; 0 if none. */
	uint32_t events_group;
	uint32_t ctrl_group;
	/* Why the last request failed, when the kernel or parser said. */
	char ext_msg[256];
	char bad_reply[128];
	char errbuf[448];
};

/*
 * Open the socket and resolve the "nooks" family. Reports its own
 * errors (p_err) and returns -1, with nothing left open, on failure.
 */
int nl_open(struct nl_ctx *nl);
void nl_close(struct nl_ctx *nl);

/*
 * Listen to the family's events (NOOKS_CMD_EVENT messages, seq 0), and,
 * when the controller lets us, to its notices (CTRL_CMD_DELFAMILY says
 * the family went away). No request may be sent afterwards: its answer
 * would be mixed with events. Reports its own errors; returns 0 or -1.
 */
int nl_join_events(struct nl_ctx *nl);

/* Start a nooks request in nl->buf; add attributes with mnl_attr_put*. */
struct nlmsghdr *nl_msg(struct nl_ctx *nl, uint8_t cmd);

/*
 * Send a request and run cb on each reply, until the ACK (nl_do) or the
 * end of the dump (nl_dump). cb sees only well-formed messages of the
 * family, with at least a genl header. Returns 0 or -errno.
 */
int nl_do(struct nl_ctx *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
int nl_dump(struct nl_ctx *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
	    void *data);

/* For callbacks: note why a reply is unusable and fail the request. */
int nl_bad_reply(struct nl_ctx *nl, const char *why);

/* The best text for err: the parser's, the kernel's extack, strerror. */
const char *nl_strerror(struct nl_ctx *nl, int err);

#endif /* NOOKSCTL_NETLINK_H */
