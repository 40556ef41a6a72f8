/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stand-ins of fakevid.so share: fakevid.c plays libmnl's socket
 * calls and the family hvkvm_vid, fakevmbus.c the family hvkvm_vmbus,
 * fakeic.c the family hvkvm_ic.
 */
#ifndef FAKE_H
#define FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define PORTID 4242

/* A socket: datagrams waiting for recvfrom, one byte in the pipe for each. */
#define QLEN 32
struct fsock {
	bool used, joined, vmbus_joined, ic_joined;
	int pipefd[2];
	char queue[QLEN][16384];
	size_t qlen[QLEN];
	unsigned int qhead, qtail;
};

#define FAKE_HIDDEN __attribute__((visibility("hidden")))

/* Where the next datagram of s is written, then queued by fake_push. */
FAKE_HIDDEN char *fake_dgram(struct fsock *s);
FAKE_HIDDEN void fake_push(struct fsock *s, size_t len);
FAKE_HIDDEN struct nlmsghdr *fake_put_msg(char *at, uint16_t type,
					  uint16_t flags, uint32_t seq);
FAKE_HIDDEN void fake_put_genl(struct nlmsghdr *nlh, uint8_t cmd);
/* An ACK (err 0) or a refusal, with msg as extack message if not NULL. */
FAKE_HIDDEN void fake_ack(struct fsock *s, const struct nlmsghdr *req, int err,
			  const char *msg);

/* Every socket, to notify those that joined a group. */
FAKE_HIDDEN struct fsock *fake_socks(unsigned int *n);

/* hvkvm_vmbus (fakevmbus.c) */
#define FAKEVMBUS_FAMILY_ID 0x43
#define FAKEVMBUS_GROUP_ID 8
FAKE_HIDDEN void fakevmbus_family(struct fsock *s, const struct nlmsghdr *req);
FAKE_HIDDEN void fakevmbus_join(struct fsock *s);
FAKE_HIDDEN void fakevmbus(struct fsock *s, const struct nlmsghdr *req);

/* hvkvm_ic (fakeic.c) */
#define FAKEIC_FAMILY_ID 0x44
#define FAKEIC_GROUP_ID 9
FAKE_HIDDEN void fakeic_family(struct fsock *s, const struct nlmsghdr *req);
FAKE_HIDDEN void fakeic_join(struct fsock *s);
FAKE_HIDDEN void fakeic(struct fsock *s, const struct nlmsghdr *req);

#endif /* FAKE_H */
