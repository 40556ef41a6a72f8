// SPDX-License-Identifier: GPL-2.0
/*
 * A raw HVKVM_VMBUS_CMD_CHANNEL_GET, sent as given, for hvadm_vmbus.sh
 * against fakevid.so (hvadm itself always names a running VM):
 *
 *	chan_get [--do] [NAME]
 *
 * A dump (a do with --do), with VM_NAME NAME or without. Prints each
 * reply as "NAME relid N", then, if the request failed, "error -E: MSG"
 * (": MSG" only with an extack message) and exits with status 1.
 */
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vmbus.h>

#include "genl.h"

#define MAX_MSGS 2048

static struct genl_test g;
static struct genl_msg msgs[MAX_MSGS];

int main(int argc, char **argv)
{
	const char *name = NULL;
	struct nlmsghdr *nlh;
	struct nlattr *tb[64];
	uint16_t flags = NLM_F_DUMP;
	int i, n;

	if (argc > 1 && !strcmp(argv[1], "--do")) {
		flags = 0;
		argc--, argv++;
	}
	if (argc > 1)
		name = argv[1];
	n = genl_test_open(&g, HVKVM_VMBUS_GENL_NAME);
	if (n < 0) {
		printf("cannot open %s: %s\n", HVKVM_VMBUS_GENL_NAME, strerror(-n));
		return 2;
	}
	nlh = genl_test_msg(&g, HVKVM_VMBUS_CMD_CHANNEL_GET, flags);
	if (name)
		mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_VM_NAME, name);
	n = genl_test_call(&g, nlh, msgs, MAX_MSGS);
	for (i = 0; i < (n < 0 ? 0 : n < MAX_MSGS ? n : MAX_MSGS); i++) {
		struct nlattr **a = msgs[i].tb;

		if (msgs[i].cmd != HVKVM_VMBUS_CMD_CHANNEL_GET ||
		    !a[HVKVM_VMBUS_A_VM_NAME] || !a[HVKVM_VMBUS_A_CHANNEL]) {
			printf("reply %d: command %u, no name or no channel\n",
			       i, msgs[i].cmd);
		} else {
			genl_parse_nest(a[HVKVM_VMBUS_A_CHANNEL], tb);
			printf("%s relid %u\n",
			       mnl_attr_get_str(a[HVKVM_VMBUS_A_VM_NAME]),
			       tb[HVKVM_VMBUS_CHANNEL_A_RELID] ?
			       mnl_attr_get_u32(tb[HVKVM_VMBUS_CHANNEL_A_RELID]) : 0);
		}
		genl_msg_free(&msgs[i]);
	}
	genl_test_close(&g);
	if (n < 0) {
		printf("error %d%s%s\n", n, g.extack[0] ? ": " : "", g.extack);
		return 1;
	}
	return 0;
}
