/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integration-component messages, host side, as portable code: building
 * the host's requests (NEGOTIATE, heartbeat, shutdown, time sync, KVP)
 * and parsing the guest's replies. A buffer is the payload of one VMBus
 * INBAND packet (what follows the 16-byte descriptor): pipe header (8),
 * IC header (20), body.
 *
 * Builders zero the buffer, fill it and return the payload length, a
 * multiple of 8, or a negative errno (-ENOSPC: buf too small; -EINVAL:
 * bad argument; -ENAMETOOLONG: a string does not fit its field).
 *
 * Parsers take the guest's bytes: every length and count is checked
 * before use, each is read once, and nothing is read past len. They
 * return 0 or a negative errno (-EBADMSG: malformed). Nothing here
 * allocates, sleeps or keeps state.
 */
#ifndef _HVKVM_IC_MSG_H
#define _HVKVM_IC_MSG_H

#include <hvkvm/ic_proto.h>

struct vmb_ic_ver {
	u16 major, minor;
};

/* What was negotiated for a service, stamped on its later messages. */
struct vmb_ic_neg {
	struct vmb_ic_ver frame, msg;
};

/*
 * The versions the host offers, lowest first (the guest picks by its own
 * preference). Time sync 4.0 only with the guest's reference time at hand.
 */
#define VMB_IC_FW_NVER		2	/* 1.0, 3.0 */
#define VMB_IC_HB_NVER		2	/* 1.0, 3.0 */
#define VMB_IC_SD_NVER		4	/* 1.0, 3.0, 3.1, 3.2 */
#define VMB_IC_TS_NVER		2	/* 1.0, 3.0 */
#define VMB_IC_TS_REF_NVER	3	/* 1.0, 3.0, 4.0 */
/* KVP 5.0 (Windows hosts offer it) is left out: its differences are not known here. */
#define VMB_IC_KVP_NVER		2	/* 3.0, 4.0 */
extern const struct vmb_ic_ver vmb_ic_fw_versions[VMB_IC_FW_NVER];
extern const struct vmb_ic_ver vmb_ic_hb_versions[VMB_IC_HB_NVER];
extern const struct vmb_ic_ver vmb_ic_sd_versions[VMB_IC_SD_NVER];
extern const struct vmb_ic_ver vmb_ic_ts_versions[VMB_IC_TS_NVER];
extern const struct vmb_ic_ver vmb_ic_ts_ref_versions[VMB_IC_TS_REF_NVER];
extern const struct vmb_ic_ver vmb_ic_kvp_versions[VMB_IC_KVP_NVER];

/* Payload sizes of the host's requests. */
#define VMB_IC_HEARTBEAT_LEN	72	/* 28 + 40 */
#define VMB_IC_SHUTDOWN_LEN	2088	/* 28 + 2060: the guest needs all of it */
#define VMB_IC_TIMESYNC_LEN	56	/* 28 + 25 (or 22 for 4.0), padded */
#define VMB_IC_KVP_GET_LEN	2608	/* GET and SET: 28 + 2576, padded */
#define VMB_IC_KVP_DELETE_LEN	552	/* 28 + 520, padded */
#define VMB_IC_KVP_ENUMERATE_LEN 2608	/* 28 + 2580 */
/* NEGOTIATE: 28 + 8 + 4 * (nframe + nmsg), padded */
#define VMB_IC_NEGOTIATE_LEN(nframe, nmsg) \
	((VMB_IC_HDR_SIZE + 8 + 4 * ((nframe) + (nmsg)) + 7) & ~7u)

/*
 * NEGOTIATE (icflags TRANSACTION | REQUEST, versions in the header 0.0)
 * offering the given framework and message versions, 1 to 100 of each.
 */
int vmb_ic_build_negotiate(void *buf, u32 buflen,
			   const struct vmb_ic_ver *frame, unsigned int nframe,
			   const struct vmb_ic_ver *msg, unsigned int nmsg);

/*
 * The guest's reply to it, checked against what was offered: 0 and *out
 * (the guest's choices); -ENOENT when the guest found no common version
 * (counts 0 and 0, or a failure status); -EBADMSG when malformed (short,
 * not a NEGOTIATE response, counts other than 1/1 or 0/0, a choice that
 * was not offered).
 */
int vmb_ic_parse_negotiate(const void *buf, u32 len,
			   const struct vmb_ic_ver *frame, unsigned int nframe,
			   const struct vmb_ic_ver *msg, unsigned int nmsg,
			   struct vmb_ic_neg *out);

/*
 * Any reply: at least the two headers, the RESPONSE flag, icmsgtype as
 * expected, icmsgsize within len. 0 with *status (the guest's HRESULT)
 * and *body / *bodylen (the bytes after the headers; any may be NULL).
 */
int vmb_ic_parse_reply(const void *buf, u32 len, u16 icmsgtype, u32 *status,
		       const void **body, u32 *bodylen);

/* Heartbeat: seq_num; the reply carries the guest's (the request's + 1). */
int vmb_ic_build_heartbeat(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			   u64 seq);
int vmb_ic_parse_heartbeat(const void *buf, u32 len, u32 *status, u64 *seq);

/*
 * Shutdown: flags VMB_IC_SHUTDOWN_FLAG_* (0 power off, 2 reboot, 4
 * hibernate, | 1 to force); why (UTF-8, may be NULL) goes into
 * display_message as UTF-16LE, at most 1023 units.
 */
int vmb_ic_build_shutdown(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			  u32 flags, const char *why);
int vmb_ic_parse_shutdown(const void *buf, u32 len, u32 *status);

/*
 * Time sync: host_time in 100 ns units since 1601, flags PROBE, SYNC or
 * SAMPLE. The layout follows neg->msg: 4.0 and later use ref_time (the
 * guest's partition reference counter when host_time was taken), which
 * must not be 0; before 4.0 ref_time is not sent.
 */
int vmb_ic_build_timesync(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			  u64 host_time, u64 ref_time, u8 flags);
int vmb_ic_parse_timesync(const void *buf, u32 len, u32 *status);

/* Unix ns <-> 100 ns since 1601, saturating at 0 and at U64_MAX. */
u64 vmb_ic_unix_ns_to_hv(u64 unix_ns);
u64 vmb_ic_hv_to_unix_ns(u64 hv_time);

/*
 * KVP requests, full size (the guest fills its reply in place). key and
 * value are UTF-8, NUL-terminated; on the wire UTF-16LE with sizes in
 * bytes including the NUL. A key takes at most 255 UTF-16 units and 511
 * UTF-8 bytes, a value 1023 units and 2047 bytes (the guest truncates
 * longer ones silently): -ENAMETOOLONG beyond; invalid UTF-8 -EINVAL.
 */
int vmb_ic_build_kvp_set(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			 u8 pool, const char *key, const char *value);
int vmb_ic_build_kvp_get(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			 u8 pool, const char *key);
int vmb_ic_build_kvp_delete(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			    u8 pool, const char *key);
int vmb_ic_build_kvp_enumerate(void *buf, u32 buflen,
			       const struct vmb_ic_neg *neg, u8 pool, u32 index);

/*
 * A KVP reply: *op (as echoed), *status, and for a successful GET or
 * ENUMERATE the key and value as NUL-terminated UTF-8 in the caller's
 * buffers (REG_U32 and REG_U64 values as decimal text); otherwise both
 * are set to "". key or value may be NULL (with length 0) when not
 * wanted. The sizes the guest wrote are checked: within their arrays,
 * even, valid UTF-16 (a string ends at its first NUL or at its size).
 * -EBADMSG when malformed, -ENAMETOOLONG when a caller buffer is short:
 * buffers of VMB_IC_KVP_KEY_UTF8_MAX and VMB_IC_KVP_VALUE_UTF8_MAX bytes
 * take anything a guest can send (a Linux guest's daemon keeps to 512 and
 * 2048 bytes, NUL included).
 */
#define VMB_IC_KVP_KEY_UTF8_MAX	769	/* 256 units of 3 bytes, and a NUL */
#define VMB_IC_KVP_VALUE_UTF8_MAX 3073	/* 1024 units */
int vmb_ic_parse_kvp(const void *buf, u32 len, u8 *op, u32 *status,
		     char *key, u32 keylen, char *value, u32 valuelen);

/*
 * UTF-8 (s, slen bytes, no NUL needed) to UTF-16LE with a NUL unit, at
 * most outsize bytes: the bytes written, NUL included. -EINVAL: invalid
 * UTF-8 (overlong, surrogate, above U+10FFFF, truncated, a NUL inside);
 * -ENAMETOOLONG: does not fit.
 */
int vmb_ic_utf8_to_utf16(const char *s, u32 slen, void *out, u32 outsize);

/*
 * UTF-16LE (insize bytes, even; it ends at the first NUL unit or at
 * insize) to NUL-terminated UTF-8 in out: the UTF-8 length without the
 * NUL. -EINVAL: odd size or an unpaired surrogate; -ENAMETOOLONG: out
 * is too small.
 */
int vmb_ic_utf16_to_utf8(const void *in, u32 insize, char *out, u32 outsize);

#endif /* _HVKVM_IC_MSG_H */
