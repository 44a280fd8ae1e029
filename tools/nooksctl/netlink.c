// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for nooksctl, on top of libmnl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <nooks.h>

#include "main.h"
#include "netlink.h"

/* As in the kernel: anything beyond is not an errno but garbage. */
#define MAX_ERRNO	4095

struct nl_run {
	struct nl_ctx *nl;
	uint16_t type;		/* nlmsg_type the replies must carry */
	mnl_cb_t cb;
	void *data;
};

int nl_bad_reply(struct nl_ctx *nl, const char *why)
{
	if (!nl->bad_reply[0])
		snprintf(nl->bad_reply, sizeof(nl->bad_reply), "%s", why);
	errno = EBADMSG;
	return MNL_CB_ERROR;
}

const char *nl_strerror(struct nl_ctx *nl, int err)
{
	if (nl->bad_reply[0])
		snprintf(nl->errbuf, sizeof(nl->errbuf),
			 "malformed reply from the kernel (%s); do nooksctl and nooks.ko match?",
			 nl->bad_reply);
	else if (nl->ext_msg[0])
		snprintf(nl->errbuf, sizeof(nl->errbuf), "%s", nl->ext_msg);
	else
		snprintf(nl->errbuf, sizeof(nl->errbuf), "%s",
			 strerror(err < 0 ? -err : err));
	return nl->errbuf;
}

static int nl_extack_cb(const struct nlattr *attr, void *data)
{
	struct nl_ctx *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *run = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return nl_bad_reply(run->nl, "short error message");

	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off = sizeof(err->error) + (size_t)err->msg.nlmsg_len;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    off <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, off, nl_extack_cb, run->nl);

	if (!err->error)
		return MNL_CB_STOP;
	errno = err->error < 0 && err->error >= -MAX_ERRNO ? -err->error
							   : EPROTO;
	return MNL_CB_ERROR;
}

/* A dump ends with NLMSG_DONE, which may carry the dump's error. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *run = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			mnl_attr_parse(nlh, sizeof(err), nl_extack_cb,
				       run->nl);
	}
	if (err < 0) {
		errno = err >= -MAX_ERRNO ? -err : EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *run = data;

	/* Not an answer to us; nothing else should arrive, so skip it. */
	if (nlh->nlmsg_type != run->type)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return nl_bad_reply(run->nl, "no genl header");
	return run->cb ? run->cb(nlh, run->data) : MNL_CB_OK;
}

static int nl_talk(struct nl_ctx *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR]	= nl_error_cb,
		[NLMSG_DONE]	= nl_done_cb,
	};
	struct nl_run run = {
		.nl	= nl,
		.type	= nlh->nlmsg_type,
		.cb	= cb,
		.data	= data,
	};
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nl->ext_msg[0] = '\0';
	nl->bad_reply[0] = '\0';

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF_SIZE);
		if (n < 0)
			return -errno;
		/* libmnl would skip it and we would wait forever. */
		if (!mnl_nlmsg_ok((const struct nlmsghdr *)nl->buf, n)) {
			nl_bad_reply(nl, "truncated message");
			return -EBADMSG;
		}
		errno = 0;
		ret = mnl_cb_run2(nl->buf, n, seq, nl->portid, nl_data_cb,
				  &run, ctl, ARRAY_SIZE(ctl));
	} while (ret > MNL_CB_STOP);

	if (ret < 0)
		return errno ? -errno : -EPROTO;
	return 0;
}

int nl_do(struct nl_ctx *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return nl_talk(nl, nlh, cb, data);
}

int nl_dump(struct nl_ctx *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
	    void *data)
{
	nlh->nlmsg_flags |= NLM_F_DUMP;
	return nl_talk(nl, nlh, cb, data);
}

static struct nlmsghdr *nl_msg_type(struct nl_ctx *nl, uint16_t type,
				    uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/* libmnl leaves attribute padding as it finds it: no stale bytes. */
	memset(nl->buf, 0, NL_BUF_SIZE);
	nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++nl->seq;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nl_msg(struct nl_ctx *nl, uint8_t cmd)
{
	return nl_msg_type(nl, nl->family, cmd, NOOKS_GENL_VERSION);
}

struct family_reply {
	struct nl_ctx *nl;
	const char *group;	/* the multicast group wanted, or NULL */
	uint16_t id;
	uint32_t version;
	uint32_t group_id;
};

struct group_reply {
	struct nl_ctx *nl;
	const char *name;
	uint32_t id;
};

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	struct group_reply *gr = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_MCAST_GRP_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return nl_bad_reply(gr->nl, "bad multicast group name");
		gr->name = mnl_attr_get_str(attr);
		break;
	case CTRL_ATTR_MCAST_GRP_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return nl_bad_reply(gr->nl, "bad multicast group id");
		gr->id = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* One entry of CTRL_ATTR_MCAST_GROUPS: keep the id of the one wanted. */
static int groups_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_reply *fr = data;
	struct group_reply gr = { .nl = fr->nl };
	int ret;

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return nl_bad_reply(fr->nl, "bad multicast group");
	ret = mnl_attr_parse_nested(attr, group_attr_cb, &gr);
	if (ret <= MNL_CB_STOP)
		return ret;
	if (fr->group && gr.name && !strcmp(gr.name, fr->group))
		fr->group_id = gr.id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_reply *fr = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return nl_bad_reply(fr->nl, "bad family id");
		fr->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return nl_bad_reply(fr->nl, "bad family version");
		fr->version = mnl_attr_get_u32(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return nl_bad_reply(fr->nl, "bad multicast group list");
		return mnl_attr_parse_nested(attr, groups_attr_cb, fr);
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, data);
}

/* Ask the controller for family name, and the id of its group. */
static int family_lookup(struct nl_ctx *nl, const char *name,
			 struct family_reply *fr)
{
	struct nlmsghdr *nlh;

	nlh = nl_msg_type(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nl_do(nl, nlh, family_cb, fr);
}

int nl_open(struct nl_ctx *nl)
{
	struct family_reply fr = { .nl = nl, .group = NOOKS_MCGRP_EVENTS };
	int one = 1;
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_BUF_SIZE);
	if (!nl->buf) {
		p_err("out of memory");
		return -1;
	}

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		p_err("cannot open a generic netlink socket: %s",
		      strerror(errno));
		goto err_close;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		p_err("cannot bind the generic netlink socket: %s",
		      strerror(errno));
		goto err_close;
	}
	/* Best effort: without them errors are only less precise. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	err = family_lookup(nl, NOOKS_GENL_NAME, &fr);
	/* The family lives in the initial network namespace only. */
	if (err == -ENOENT && !nl->bad_reply[0] &&
	    !access("/sys/module/nooks", F_OK)) {
		p_err("nooks is loaded but not reachable from this network namespace (run nooksctl in the initial one)");
		goto err_close;
	}
	if (err == -ENOENT && !nl->bad_reply[0]) {
		p_err("nooks module not loaded (insmod nooks.ko first)");
		goto err_close;
	}
	if (!err && !fr.id) {
		nl_bad_reply(nl, "no family id");
		err = -EBADMSG;
	}
	if (err) {
		p_err("cannot look up the generic netlink family '%s': %s",
		      NOOKS_GENL_NAME, nl_strerror(nl, err));
		goto err_close;
	}
	nl->family = fr.id;
	nl->family_version = fr.version;
	nl->events_group = fr.group_id;
	return 0;

err_close:
	nl_close(nl);
	return -1;
}

void nl_close(struct nl_ctx *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->buf);
	nl->buf = NULL;
}

static int join_group(struct nl_ctx *nl, uint32_t group)
{
	unsigned int g = group;

	return mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &g,
				     sizeof(g));
}

int nl_join_events(struct nl_ctx *nl)
{
	struct family_reply fr = { .nl = nl, .group = "notify" };

	if (!nl->events_group) {
		p_err("nooks.ko has no '%s' multicast group (do nooksctl and nooks.ko match?)",
		      NOOKS_MCGRP_EVENTS);
		return -1;
	}
	/*
	 * First the last request, then the groups. Without the controller's
	 * notices only the end of nooks.ko goes unnoticed.
	 */
	if (!family_lookup(nl, "nlctrl", &fr) && fr.group_id &&
	    !join_group(nl, fr.group_id))
		nl->ctrl_group = fr.group_id;

	if (join_group(nl, nl->events_group)) {
		if (errno == EPERM || errno == EACCES)
			p_err("not permitted: nooks needs CAP_NET_ADMIN (run as root)");
		else
			p_err("cannot listen to the '%s' multicast group of '%s': %s",
			      NOOKS_MCGRP_EVENTS, NOOKS_GENL_NAME,
			      strerror(errno));
		return -1;
	}
	return 0;
}
