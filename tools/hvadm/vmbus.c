// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm and hvkvm_vmbus, the VMBus host's family: the VMBus side of a VM
 * in vm show and vm list (its connection and channels, then the sections
 * of the VSPs, each from the VSP's own family), and the events of
 * monitor.
 *
 * Only running VMs are known to VMBus, by their VID name. For show and
 * list, VMBus is extra: a VM it does not know (-ENOENT), or no VMBus
 * module at all, shows nothing more and is no error; so is a VSP whose
 * module is not loaded. A VM's channels come in a dump of their own
 * (CHANNEL_GET, a message each: a VM may have 2047), read once per VM.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vmbus.h>

#include "hvadm.h"
#include "utils.h"

/* ---- the family ---- */

static const struct family vmbus_family = {
	.name = HVKVM_VMBUS_GENL_NAME,
	.version = HVKVM_VMBUS_GENL_VERSION,
	.mcgrp = HVKVM_VMBUS_MCGRP_EVENTS,
	.module = "hvkvm_vmbus",
};

int vmbus_connect(struct hvadm *h, bool required, bool events)
{
	return family_connect(&h->vmbus, &vmbus_family, required, events);
}

/* The VSPs' sections of a VM, in this order. */
static const struct vsp_section *const vsp_sections[] = {
	&ic_section,
};

#define NSECTIONS (sizeof(vsp_sections) / sizeof(vsp_sections[0]))

/* ---- attributes ---- */

static const enum mnl_attr_data_type vmbus_types[HVKVM_VMBUS_A_MAX + 1] = {
	[HVKVM_VMBUS_A_VM_NAME] = MNL_TYPE_NUL_STRING,
	[HVKVM_VMBUS_A_CONNECTED] = MNL_TYPE_U8,
	[HVKVM_VMBUS_A_VERSION] = MNL_TYPE_U32,
	[HVKVM_VMBUS_A_MSGS_IN] = MNL_TYPE_U64,
	[HVKVM_VMBUS_A_MSGS_OUT] = MNL_TYPE_U64,
	[HVKVM_VMBUS_A_FAULTS] = MNL_TYPE_U64,
	[HVKVM_VMBUS_A_EVENT] = MNL_TYPE_U32,
	[HVKVM_VMBUS_A_CHANNEL] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type chan_types[HVKVM_VMBUS_CHANNEL_A_MAX + 1] = {
	[HVKVM_VMBUS_CHANNEL_A_CLASS] = MNL_TYPE_NUL_STRING,
	[HVKVM_VMBUS_CHANNEL_A_IF_TYPE] = MNL_TYPE_BINARY,
	[HVKVM_VMBUS_CHANNEL_A_INSTANCE] = MNL_TYPE_BINARY,
	[HVKVM_VMBUS_CHANNEL_A_SUB_INDEX] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_RELID] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_CONN_ID] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_STATE] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_TARGET_VP] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_RING_IN] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_RING_OUT] = MNL_TYPE_U32,
	[HVKVM_VMBUS_CHANNEL_A_PKTS_IN] = MNL_TYPE_U64,
	[HVKVM_VMBUS_CHANNEL_A_PKTS_OUT] = MNL_TYPE_U64,
	[HVKVM_VMBUS_CHANNEL_A_SIGNALS_IN] = MNL_TYPE_U64,
	[HVKVM_VMBUS_CHANNEL_A_SIGNALS_OUT] = MNL_TYPE_U64,
	[HVKVM_VMBUS_CHANNEL_A_ERROR] = MNL_TYPE_NUL_STRING,
};

static void parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct nl_attrs a = { tb, vmbus_types, HVKVM_VMBUS_A_MAX };

	memset(tb, 0, sizeof(*tb) * (HVKVM_VMBUS_A_MAX + 1));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_attr_cb, &a);
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static const char *const chan_states[] = {
	[HVKVM_VMBUS_CHAN_OFFERED] = "offered",
	[HVKVM_VMBUS_CHAN_CLOSED] = "closed",
	[HVKVM_VMBUS_CHAN_OPEN] = "open",
	[HVKVM_VMBUS_CHAN_RESCINDED] = "rescinded",
	[HVKVM_VMBUS_CHAN_FAILED] = "failed",
};

static const char *const events[] = {
	[HVKVM_VMBUS_EVENT_CONNECTED] = "vmbus-connected",
	[HVKVM_VMBUS_EVENT_DISCONNECTED] = "vmbus-disconnected",
};

/* ---- the VMBus side of a VM ---- */

/* A GUID attribute in text, or "" when it is not 16 bytes. */
static const char *guid_str(const struct nlattr *a, char buf[GUID_STR_MAX])
{
	if (!a || mnl_attr_get_payload_len(a) != 16)
		return "";
	return format_guid(mnl_attr_get_payload(a), buf);
}

/*
 * channel CLASS INSTANCE [sub N] relid N state S [vp N ring in SIZE out
 * SIZE] packets in N out N signals in N out N [error "..."]
 */
static void channel_print(struct printer *p, const struct nlattr *nest)
{
	const struct nlattr *tb[HVKVM_VMBUS_CHANNEL_A_MAX + 1] = { NULL };
	struct nl_attrs a = { tb, chan_types, HVKVM_VMBUS_CHANNEL_A_MAX };
	char gbuf[GUID_STR_MAX], sbuf[24], in[SIZE_STR_MAX], out[SIZE_STR_MAX];
	const struct nlattr *cls;
	uint32_t sub;

	mnl_attr_parse_nested(nest, nl_attr_cb, &a);
	cls = tb[HVKVM_VMBUS_CHANNEL_A_CLASS];
	print_open_object(p, NULL);
	print_string(p, PRINT_ANY, "class", "\n    channel %s",
		     cls ? mnl_attr_get_str(cls) : "?");
	print_string(p, PRINT_ANY, "instance", " %s",
		     guid_str(tb[HVKVM_VMBUS_CHANNEL_A_INSTANCE], gbuf));
	print_string(p, PRINT_JSON, "type", NULL,
		     guid_str(tb[HVKVM_VMBUS_CHANNEL_A_IF_TYPE], gbuf));
	sub = get_u32(tb[HVKVM_VMBUS_CHANNEL_A_SUB_INDEX]);
	print_uint(p, sub ? PRINT_ANY : PRINT_JSON, "sub_index", " sub %u", sub);
	print_uint(p, PRINT_ANY, "relid", " relid %u",
		   get_u32(tb[HVKVM_VMBUS_CHANNEL_A_RELID]));
	print_uint(p, PRINT_JSON, "conn_id", NULL,
		   get_u32(tb[HVKVM_VMBUS_CHANNEL_A_CONN_ID]));
	if (tb[HVKVM_VMBUS_CHANNEL_A_STATE])
		print_string(p, PRINT_ANY, "state", " state %s",
			     NAME_OF(chan_states, get_u32(tb[HVKVM_VMBUS_CHANNEL_A_STATE]), sbuf));
	/* an open channel's */
	if (tb[HVKVM_VMBUS_CHANNEL_A_TARGET_VP])
		print_uint(p, PRINT_ANY, "target_vp", " vp %u",
			   get_u32(tb[HVKVM_VMBUS_CHANNEL_A_TARGET_VP]));
	if (tb[HVKVM_VMBUS_CHANNEL_A_RING_IN] && tb[HVKVM_VMBUS_CHANNEL_A_RING_OUT]) {
		print_uint(p, PRINT_JSON, "ring_in", NULL,
			   get_u32(tb[HVKVM_VMBUS_CHANNEL_A_RING_IN]));
		print_uint(p, PRINT_JSON, "ring_out", NULL,
			   get_u32(tb[HVKVM_VMBUS_CHANNEL_A_RING_OUT]));
		format_size(get_u32(tb[HVKVM_VMBUS_CHANNEL_A_RING_IN]), in);
		format_size(get_u32(tb[HVKVM_VMBUS_CHANNEL_A_RING_OUT]), out);
		print_string(p, PRINT_TEXT, NULL, " ring in %s", in);
		print_string(p, PRINT_TEXT, NULL, " out %s", out);
	}
	print_u64(p, PRINT_ANY, "packets_in", " packets in %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_CHANNEL_A_PKTS_IN]));
	print_u64(p, PRINT_ANY, "packets_out", " out %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_CHANNEL_A_PKTS_OUT]));
	print_u64(p, PRINT_ANY, "signals_in", " signals in %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_CHANNEL_A_SIGNALS_IN]));
	print_u64(p, PRINT_ANY, "signals_out", " out %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_CHANNEL_A_SIGNALS_OUT]));
	if (tb[HVKVM_VMBUS_CHANNEL_A_ERROR])
		print_quoted(p, PRINT_ANY, "error", " error %s",
			     mnl_attr_get_str(tb[HVKVM_VMBUS_CHANNEL_A_ERROR]));
	print_close_object(p);
}

/* A VM's channels, dumped once (vm list may print a VM again). */
struct vm_chans {
	struct vm_chans *next;
	char *name;
	struct records *chans;		/* NULL: none to show */
};

struct vmbus_state {
	struct nl *nl;
	struct records *recs;
	struct vm_chans *chans;
	void *sections[NSECTIONS];	/* each VSP's, or NULL: no section */
};

/* The channels of VM name: its CHANNEL_GET replies, or NULL. */
static const struct records *chans_of(struct vmbus_state *st, const char *name)
{
	struct vm_chans *c;

	for (c = st->chans; c; c = c->next)
		if (!strcmp(c->name, name))
			return c->chans;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	if (!c->name) {
		free(c);
		return NULL;
	}
	c->chans = records_dump(st->nl, HVKVM_VMBUS_CMD_CHANNEL_GET,
				HVKVM_VMBUS_A_VM_NAME, name, "VMBus channels");
	c->next = st->chans;
	st->chans = c;
	return c->chans;
}

/*
 * The VMBus side of a VM (a VM_GET record), inside the VM's object:
 * VMBus's own part, the VSPs' sections, the warnings of all.
 */
static void record_print(struct printer *p, const struct nlmsghdr *nlh,
			 const char *name, struct vmbus_state *st)
{
	const struct nlattr *tb[HVKVM_VMBUS_A_MAX + 1];
	const struct nlattr *ctb[HVKVM_VMBUS_A_MAX + 1];
	const struct records *chans;
	const struct nlmsghdr *one;
	char vbuf[VERSION_STR_MAX];
	struct warnings w = { 0 };
	bool connected;
	unsigned int i;
	size_t c;

	parse(nlh, tb);
	connected = tb[HVKVM_VMBUS_A_CONNECTED] &&
		    mnl_attr_get_u8(tb[HVKVM_VMBUS_A_CONNECTED]);
	print_open_object(p, "vmbus");
	print_bool(p, PRINT_JSON, "connected", NULL, connected);
	print_string(p, PRINT_TEXT, NULL, "\n    vmbus %s",
		     connected ? "connected" : "not connected");
	if (tb[HVKVM_VMBUS_A_VERSION])
		print_string(p, PRINT_ANY, "version", " version %s",
			     format_version(get_u32(tb[HVKVM_VMBUS_A_VERSION]), vbuf));
	print_u64(p, PRINT_ANY, "msgs_in", " messages in %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_A_MSGS_IN]));
	print_u64(p, PRINT_ANY, "msgs_out", " out %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_A_MSGS_OUT]));
	print_u64(p, PRINT_ANY, "faults", " faults %" PRIu64,
		  get_u64(tb[HVKVM_VMBUS_A_FAULTS]));
	print_open_array(p, "channels");
	chans = chans_of(st, name);
	for (c = 0; (one = records_at(chans, c)); c++) {
		parse(one, ctb);
		if (ctb[HVKVM_VMBUS_A_CHANNEL])
			channel_print(p, ctb[HVKVM_VMBUS_A_CHANNEL]);
	}
	print_close_array(p);
	for (i = 0; i < NSECTIONS; i++)
		if (st->sections[i])
			vsp_sections[i]->print(p, name, st->sections[i], &w);
	print_open_array(p, "warnings");
	for (i = 0; i < w.n; i++) {
		print_string(p, PRINT_ANY, NULL, "\n    warning: %s", w.msg[i]);
		free(w.msg[i]);
	}
	print_close_array(p);
	print_close_object(p);
}

struct vmbus_state *vmbus_state_new(struct hvadm *h, bool dump)
{
	struct vmbus_state *st;
	unsigned int i;

	if (vmbus_connect(h, false, false) <= 0)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->nl = h->vmbus;
	st->recs = records_new(h->vmbus, HVKVM_VMBUS_CMD_VM_GET,
			       HVKVM_VMBUS_A_VM_NAME, dump, "VMBus state");
	if (!st->recs) {
		free(st);
		return NULL;
	}
	for (i = 0; i < NSECTIONS; i++)
		st->sections[i] = vsp_sections[i]->open(h, dump);
	return st;
}

void vmbus_state_free(struct vmbus_state *st)
{
	struct vm_chans *c;
	unsigned int i;

	if (!st)
		return;
	for (i = 0; i < NSECTIONS; i++)
		if (st->sections[i])
			vsp_sections[i]->close(st->sections[i]);
	while ((c = st->chans)) {
		st->chans = c->next;
		records_free(c->chans);
		free(c->name);
		free(c);
	}
	records_free(st->recs);
	free(st);
}

void vmbus_state_print(struct printer *p, const char *name, void *data)
{
	struct vmbus_state *st = data;
	const struct nlmsghdr *nlh;

	if (!st || !name)
		return;
	nlh = records_find(st->recs, name);
	if (nlh)
		record_print(p, nlh, name, st);
}

/* ---- monitor ---- */

/* EVENT NAME [ version V ]; JSON {"event":..,"vm":{"name":..},"version":..} */
int vmbus_event_print(struct printer *p, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[HVKVM_VMBUS_A_MAX + 1];
	char buf[32], vbuf[VERSION_STR_MAX];
	uint32_t ev;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl) ||
	    genl->cmd != HVKVM_VMBUS_CMD_EVENT)
		return MNL_CB_OK;
	parse(nlh, tb);
	if (!tb[HVKVM_VMBUS_A_EVENT] || !tb[HVKVM_VMBUS_A_VM_NAME])
		return MNL_CB_OK;
	ev = get_u32(tb[HVKVM_VMBUS_A_EVENT]);
	if (ev < sizeof(events) / sizeof(events[0]))
		snprintf(buf, sizeof(buf), "%s", events[ev]);
	else
		snprintf(buf, sizeof(buf), "vmbus-unknown(%u)", ev);
	print_open_object(p, NULL);
	print_string(p, PRINT_ANY, "event", "%s", buf);
	print_open_object(p, "vm");
	print_string(p, PRINT_ANY, "name", " %s",
		     mnl_attr_get_str(tb[HVKVM_VMBUS_A_VM_NAME]));
	print_close_object(p);
	if (tb[HVKVM_VMBUS_A_VERSION])
		print_string(p, PRINT_ANY, "version", " version %s",
			     format_version(get_u32(tb[HVKVM_VMBUS_A_VERSION]), vbuf));
	print_string(p, PRINT_TEXT, NULL, "%s", "\n");
	print_close_object(p);
	print_end(p);
	return ferror(p->f) ? MNL_CB_ERROR : MNL_CB_OK;	/* errno is set */
}
