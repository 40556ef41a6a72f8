/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic-netlink client for the lab selftests: it sends exactly
 * the bytes a test builds (so tests can send malformed requests too) and
 * returns the kernel's errno and extack message.
 */
#ifndef _SELFTESTS_GENL_H
#define _SELFTESTS_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define GENL_TEST_BUF	65536

struct genl_test {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq;
	char buf[GENL_TEST_BUF];
	/* From the last request's ack. */
	char extack[512];
};

/* One received message, copied, for tests to look at. */
struct genl_msg {
	uint8_t cmd;
	struct nlattr *tb[64];
	void *data;		/* the message, owned */
};

/* Open a socket and resolve family; -errno on failure. */
int genl_test_open(struct genl_test *g, const char *family);
void genl_test_close(struct genl_test *g);
/* The id of multicast group grp of family, or -errno. */
int genl_test_mcgrp(struct genl_test *g, const char *family, const char *grp);

/* Start a request in g->buf. */
struct nlmsghdr *genl_test_msg(struct genl_test *g, uint8_t cmd, uint16_t flags);

/*
 * Send nlh and collect replies into msgs (up to max; may be NULL). Returns
 * the number of messages received, or -errno from the kernel's ack, with
 * g->extack holding its message ("" when none).
 */
int genl_test_call(struct genl_test *g, struct nlmsghdr *nlh,
		   struct genl_msg *msgs, int max);

/* Receive one message (for multicast listeners); 0, or -errno/-ETIMEDOUT. */
int genl_test_recv(struct genl_test *g, struct genl_msg *m, int timeout_ms);

void genl_msg_free(struct genl_msg *m);
/* Parse the attributes of a nest into tb[0..63]. */
void genl_parse_nest(const struct nlattr *nest, struct nlattr **tb);

#endif
