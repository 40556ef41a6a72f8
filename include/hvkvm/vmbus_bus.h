/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMBus channel-management protocol, host side, as portable code: it
 * takes the guest's messages (bytes it controls) and keeps the state of
 * the connection, the channels and the GPADLs. What touches the world
 * (posting a message, guest memory, rings) goes through struct vmb_ops.
 *
 * The caller serialises every call on one bus (the kernel holds the VM's
 * mutex). Nothing here sleeps or allocates but through the ops.
 */
#ifndef _HVKVM_VMBUS_BUS_H
#define _HVKVM_VMBUS_BUS_H

#include <hvkvm/vmbus_proto.h>

struct vmb_bus;
struct vmb_chan;

/* A guest physical address descriptor list: the pages of one buffer. */
struct vmb_gpadl {
	struct vmb_gpadl *next;		/* the bus's list */
	u32 handle;			/* the guest's */
	u32 relid;			/* the channel it was made for */
	bool complete;			/* every page has arrived */
	bool ring;			/* in use as an open channel's rings */
	bool tearing;			/* torn down; TORNDOWN when the host lets go */
	u16 rangecount;
	u16 buflen;			/* bytes of range area expected */
	u16 have;			/* and received */
	u8 *area;			/* buflen bytes: the raw range area */
	/* Once complete: the ranges, flattened to their pages. */
	u32 npfns;
	u64 *pfns;
	u32 byte_offset;		/* of the first range, in its page */
	u32 byte_count;			/* of all ranges */
	void *host;			/* the host's mapping of it */
};

enum vmb_chan_state {
	VMB_CHAN_CLOSED,		/* offered (or to be), not open */
	VMB_CHAN_OPEN,
	VMB_CHAN_RESCINDED,		/* waiting for RELID_RELEASED */
};

struct vmb_chan {
	u32 relid;			/* 0 until added to a bus */
	u32 conn_id;			/* the guest signals us on it */
	struct vmb_guid if_type;
	struct vmb_guid if_instance;
	u16 sub_index;
	u16 chn_flags;
	u16 mmio_megabytes;
	u8 user_def[120];
	enum vmb_chan_state state;
	bool offered;			/* in this connection */
	bool released;			/* the guest gave it up (RELID_RELEASED) */
	bool held;			/* offer waits: its twin is not released */
	u32 target_vp;
	u32 ring_gpadl;
	u32 downstream;			/* first page of the host -> guest ring */
	u8 open_data[120];		/* OPENCHANNEL's user data */
	void *host;			/* the host's channel */
};

/* How the portable code reaches the world. */
struct vmb_ops {
	/*
	 * Send a message to the guest's message VP (SINT 2). 0; -ENOBUFS
	 * when the guest has not taken enough of the earlier ones (the bus
	 * keeps it, and what follows, until vmb_bus_flush); other errors
	 * drop it.
	 */
	int (*post)(struct vmb_bus *bus, u32 vp, const void *msg, u32 len);
	void *(*zalloc)(struct vmb_bus *bus, u32 size);
	void (*free)(struct vmb_bus *bus, void *p);
	/*
	 * A GPADL is complete: check every page against guest memory and
	 * map what it needs. Returns 0, or <0 and the guest is told the
	 * creation failed. gpadl_destroy undoes it (only after success).
	 */
	int (*gpadl_create)(struct vmb_bus *bus, struct vmb_gpadl *g);
	void (*gpadl_destroy)(struct vmb_bus *bus, struct vmb_gpadl *g);
	/*
	 * Optional: the guest tore g down. 0: the host holds none of its
	 * pages, GPADL_TORNDOWN goes now; -EBUSY: a device still uses them,
	 * and the host calls vmb_bus_gpadl_done() when it lets go.
	 */
	int (*gpadl_teardown)(struct vmb_bus *bus, struct vmb_gpadl *g);
	/*
	 * Optional: does a device still use pages of a GPADL the bus has
	 * dropped (the connection went)? While it does, the answer to
	 * UNLOAD or to a new INITIATE_CONTACT waits: the guest frees or
	 * reuses its pages once it has it (kexec, a new kernel). Then
	 * vmb_bus_message returns -EAGAIN and the host gives the same
	 * message again once the devices let go.
	 */
	bool (*gpadls_busy)(struct vmb_bus *bus);
	/*
	 * Open: the rings are pages [0, c->downstream) (guest -> host) and
	 * [c->downstream, npfns) (host -> guest) of g. Returns 0, or <0 to
	 * fail the open. After close returns, the host touches neither the
	 * rings nor the channel's doorbell any more.
	 */
	int (*chan_open)(struct vmb_bus *bus, struct vmb_chan *c,
			 struct vmb_gpadl *g);
	void (*chan_close)(struct vmb_bus *bus, struct vmb_chan *c);
	/* Interrupts of an open channel go to vp from now on. */
	int (*chan_retarget)(struct vmb_bus *bus, struct vmb_chan *c, u32 vp);
	/* A rescinded channel's relid was released: the host may free c. */
	void (*chan_gone)(struct vmb_bus *bus, struct vmb_chan *c);
	/* The guest connected (version) or disconnected (0). */
	void (*connection)(struct vmb_bus *bus, u32 version);
	/* A guest fault, for the log: what the guest did wrong. */
	void (*fault)(struct vmb_bus *bus, const char *what, u32 a, u32 b);
};

struct vmb_stats {
	u64 msgs_in;
	u64 msgs_out;
	u64 faults;
	u64 post_errors;
	u64 msgs_waited;		/* posted late: the guest was busy */
};

/* A message waiting for the guest to take the ones before it. */
struct vmb_outmsg {
	struct vmb_outmsg *next;
	u32 vp;
	u32 len;
	u8 msg[VMB_MSG_MAX];
};

struct vmb_bus {
	const struct vmb_ops *ops;
	u32 nvps;			/* VP indices are below it */
	u32 conn_base;			/* channel conn_id = conn_base + relid */
	u32 relid_max;			/* relids are 1..relid_max */
	bool connected;
	bool offers_requested;		/* send offers as they come */
	u32 version;			/* negotiated, when connected */
	u32 msg_vp;			/* where messages go */
	u64 monitor_page1, monitor_page2;
	struct vmb_chan *chans[VMB_RELID_MAX + 1];	/* by relid */
	struct vmb_gpadl *gpadls;
	u32 ngpadls;
	u32 gpadl_bytes;		/* of range areas, all GPADLs */
	struct vmb_outmsg *outq, *outq_tail;	/* oldest first */
	u32 noutq;
	struct vmb_stats stats;
};

/*
 * Per bus: how many GPADLs, and how much range area (8 bytes a page) they
 * may hold, so that a guest cannot make the host allocate without bound.
 * 2 MiB of range area describes 1 GiB of guest buffers.
 */
#define VMB_GPADLS_MAX		1024
#define VMB_GPADL_BYTES_MAX	(2u << 20)
/*
 * Messages the bus keeps while the guest takes none: enough for the
 * answers to one guest message (REQUESTOFFERS: an offer per channel and
 * ALLOFFERS_DELIVERED) and the host's own offers and rescinds of every
 * channel. The caller stops handing the bus guest messages while any
 * wait (vmb_bus_flush), so the queue cannot grow past that.
 */
#define VMB_OUTQ_MAX		(3 * VMB_RELID_MAX + 16)
#define VMB_STATUS_FAILED	0xc0000001u	/* STATUS_UNSUCCESSFUL */
#define VMB_STATUS_CONNECTION_REFUSED	0xc0000236u

/* The versions the host accepts, newest first. */
extern const u32 vmb_versions[];
extern const unsigned int vmb_nversions;

void vmb_bus_init(struct vmb_bus *bus, const struct vmb_ops *ops, u32 nvps,
		  u32 conn_base, u32 relid_max);
/*
 * A guest message (HvPostMessage payload) on connection conn_id. Returns
 * 0 when it was taken (even if it was refused on the protocol's terms),
 * -ENOENT for a connection id the bus does not serve (the hypercall
 * then fails with INVALID_CONNECTION_ID), or -EAGAIN for an UNLOAD or
 * INITIATE_CONTACT whose answer waits for devices to let go of the
 * guest's pages (ops->gpadls_busy): give the same message again later,
 * before any that came after it.
 */
int vmb_bus_message(struct vmb_bus *bus, u32 conn_id, const void *msg,
		    u32 len);
/*
 * Add a channel (filled but for relid/conn_id): offered at once when the
 * guest has asked for offers. -ENOSPC when no relid is free.
 */
int vmb_bus_add(struct vmb_bus *bus, struct vmb_chan *c);
/*
 * Take a channel away. If the guest knows it, it is rescinded: closed,
 * its GPADLs dropped, and chan_gone is called when the guest releases
 * the relid; otherwise chan_gone is called at once.
 */
void vmb_bus_remove(struct vmb_bus *bus, struct vmb_chan *c);
/*
 * A complete GPADL of c's device (made on any of its channels: netvsc
 * makes its buffers on the primary and uses them from sub-channels), not
 * being torn down, not the rings of an open channel; NULL otherwise.
 */
struct vmb_gpadl *vmb_bus_gpadl(struct vmb_bus *bus, const struct vmb_chan *c,
				u32 handle);
/*
 * The host let go of GPADL handle, which the guest tore down
 * (gpadl_teardown said -EBUSY): GPADL_TORNDOWN goes, the GPADL is freed.
 * Nothing if no such GPADL waits (the connection went meanwhile, and
 * with it the GPADL: gpadl_destroy came instead).
 */
void vmb_bus_gpadl_done(struct vmb_bus *bus, u32 handle);

/*
 * Post what waits, in order, until the guest is busy again. True when
 * nothing waits any more: only then should the caller hand the bus the
 * guest's next message (a guest that takes no messages then stalls only
 * itself, and nothing it waits for is dropped).
 */
bool vmb_bus_flush(struct vmb_bus *bus);

/* Forget the connection (the VM is reset or stops): everything closed. */
void vmb_bus_reset(struct vmb_bus *bus);
/* Free all channels' GPADLs and call chan_gone for every channel. */
void vmb_bus_destroy(struct vmb_bus *bus);

const char *vmb_msg_name(u32 msgtype);
const char *vmb_version_name(u32 version);

#endif /* _HVKVM_VMBUS_BUS_H */
