/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generic netlink client on libmnl: resolve a family (and one multicast
 * group) by name, send a request, collect its replies, and keep the
 * kernel's extended-ACK message of a refusal.
 */
#ifndef HVADM_NL_H
#define HVADM_NL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Room for any message of VID (HVKVM_VID_MSG_MAX) and any request. */
#define NL_BUFSZ 65536

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;	/* genl family id */
	uint8_t version;	/* genl version put in requests */
	uint32_t mcgrp;		/* id of the group asked for in nl_open, or 0 */
	bool overflow;		/* a request did not fit in buf */
	bool intr;		/* the last dump was flagged NLM_F_DUMP_INTR */
	char extack[256];	/* extack message of the last refusal, or "" */
	char buf[NL_BUFSZ];	/* request, then replies */
};

/*
 * Open a socket and resolve family (and mcgrp, unless NULL) by name.
 * Returns 0 or -errno: -ENOENT when the family is not registered (its
 * module is not loaded), -EOPNOTSUPP when it has no group named mcgrp.
 */
int nl_open(struct nl *nl, const char *family, uint8_t version,
	    const char *mcgrp);
void nl_close(struct nl *nl);

/* Start a request for cmd in nl->buf; flags are added to NLM_F_REQUEST. */
struct nlmsghdr *nl_req(struct nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Put an attribute (kind: u32, u64 or strz) with libmnl's bounds check: a
 * request that does not fit fails in nl_talk with -EMSGSIZE.
 */
#define nl_put(nl, nlh, kind, type, val)					\
	((nl)->overflow |= !mnl_attr_put_##kind##_check((nlh),		\
			sizeof((nl)->buf), (type), (val)))

/*
 * Send nlh and run cb on every reply until the ACK or the end of the dump.
 * Returns 0 or -errno; on a refusal nl->extack holds the kernel's message,
 * and on success the message the ACK carried (a warning), or "".
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * Join the group resolved by nl_open and run cb on every notification until
 * cb returns MNL_CB_STOP or an error. It waits with the signal mask sigmask
 * (as ppoll does): a signal blocked by the caller and not by sigmask ends
 * the wait with -EINTR. -ENOBUFS means notifications were lost.
 */
int nl_listen(struct nl *nl, const sigset_t *sigmask, mnl_cb_t cb, void *data);

/* Join the group resolved by nl_open: 0 or -errno. */
int nl_join(struct nl *nl);

/* The socket's file descriptor, to poll. */
int nl_fd(const struct nl *nl);

/*
 * Receive one datagram of notifications (blocking: poll nl_fd first) and
 * run cb on each. Returns 1 when cb returned MNL_CB_STOP, 0 when it wants
 * more, or -errno (-ENOBUFS: notifications were lost).
 */
int nl_recv(struct nl *nl, mnl_cb_t cb, void *data);

/* Print "Error: [<extack>: ]<strerror>" for err (a -errno); returns -1. */
int nl_perror(const struct nl *nl, int err);

/*
 * Parsing what the kernel sends: nl_attr_cb, with a struct nl_attrs as
 * its data, keeps in tb[] the attributes of known type (types[], up to
 * max) that are well formed, and skips the rest.
 */
struct nl_attrs {
	const struct nlattr **tb;
	const enum mnl_attr_data_type *types;
	unsigned int max;
};

int nl_attr_cb(const struct nlattr *attr, void *data);

#endif /* HVADM_NL_H */
