// SPDX-License-Identifier: GPL-2.0
/*
 * Integration-component messages, host side: the host's requests and the
 * guest's replies, as Linux 6.1's hv_utils (hv_util.c, hv_kvp.c,
 * vmbus_prep_negotiate_resp) reads and writes them.
 *
 * The guest answers every request by editing the packet in place and
 * sending back as many bytes as it got; so requests are sent full size
 * and a reply is as long as its request. Each field of a reply is read
 * once into a local, and every size the guest wrote is checked against
 * the bytes there before anything is read through it.
 */
#include <hvkvm/ic_msg.h>

const struct vmb_ic_ver vmb_ic_fw_versions[VMB_IC_FW_NVER] = {
	{ 1, 0 }, { 3, 0 },
};

const struct vmb_ic_ver vmb_ic_hb_versions[VMB_IC_HB_NVER] = {
	{ 1, 0 }, { 3, 0 },
};

const struct vmb_ic_ver vmb_ic_sd_versions[VMB_IC_SD_NVER] = {
	{ 1, 0 }, { 3, 0 }, { 3, 1 }, { 3, 2 },
};

const struct vmb_ic_ver vmb_ic_ts_versions[VMB_IC_TS_NVER] = {
	{ 1, 0 }, { 3, 0 },
};

const struct vmb_ic_ver vmb_ic_ts_ref_versions[VMB_IC_TS_REF_NVER] = {
	{ 1, 0 }, { 3, 0 }, { 4, 0 },
};

const struct vmb_ic_ver vmb_ic_kvp_versions[VMB_IC_KVP_NVER] = {
	{ 3, 0 }, { 4, 0 },
};

#define VMB_IC_PAD8(n)	(((n) + 7) & ~7u)

/* ---- UTF-8 and UTF-16LE ---- */

static u32 vmb_ic_get16(const u8 *p)
{
	return p[0] | (u32)p[1] << 8;
}

static void vmb_ic_put16(u8 *p, u32 v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

/*
 * One code point from s (n > 0 bytes left): its length, or 0 if the bytes
 * there are not a shortest-form UTF-8 scalar value.
 */
static u32 vmb_ic_utf8_decode(const u8 *s, u32 n, u32 *cp)
{
	static const u32 min[4] = { 0, 0x80, 0x800, 0x10000 };
	u32 c = s[0], len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len - 1] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int vmb_ic_utf8_to_utf16(const char *s, u32 slen, void *out, u32 outsize)
{
	const u8 *p = (const u8 *)s;
	u8 *o = out;
	u32 pos = 0, w = 0, cp, n;

	while (pos < slen) {
		n = vmb_ic_utf8_decode(p + pos, slen - pos, &cp);
		if (!n || !cp)
			return -EINVAL;
		pos += n;
		if (cp >= 0x10000) {
			if (outsize < 4 || w > outsize - 4)
				return -ENAMETOOLONG;
			cp -= 0x10000;
			vmb_ic_put16(o + w, 0xd800 | cp >> 10);
			vmb_ic_put16(o + w + 2, 0xdc00 | (cp & 0x3ff));
			w += 4;
		} else {
			if (outsize < 2 || w > outsize - 2)
				return -ENAMETOOLONG;
			vmb_ic_put16(o + w, cp);
			w += 2;
		}
	}
	if (outsize < 2 || w > outsize - 2)
		return -ENAMETOOLONG;
	vmb_ic_put16(o + w, 0);
	return w + 2;
}

int vmb_ic_utf16_to_utf8(const void *in, u32 insize, char *out, u32 outsize)
{
	const u8 *p = in;
	u32 pos = 0, w = 0, c, lo, n;

	if (insize & 1)
		return -EINVAL;
	while (pos < insize) {
		c = vmb_ic_get16(p + pos);
		pos += 2;
		if (!c)
			break;
		if (c >= 0xdc00 && c <= 0xdfff)
			return -EINVAL;
		if (c >= 0xd800 && c <= 0xdbff) {
			if (pos >= insize)
				return -EINVAL;
			lo = vmb_ic_get16(p + pos);
			if (lo < 0xdc00 || lo > 0xdfff)
				return -EINVAL;
			pos += 2;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		}
		n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (out) {
			if (outsize <= n || w > outsize - n - 1)
				return -ENAMETOOLONG;
			switch (n) {
			case 1:
				out[w] = c;
				break;
			case 2:
				out[w] = 0xc0 | c >> 6;
				out[w + 1] = 0x80 | (c & 0x3f);
				break;
			case 3:
				out[w] = 0xe0 | c >> 12;
				out[w + 1] = 0x80 | ((c >> 6) & 0x3f);
				out[w + 2] = 0x80 | (c & 0x3f);
				break;
			default:
				out[w] = 0xf0 | c >> 18;
				out[w + 1] = 0x80 | ((c >> 12) & 0x3f);
				out[w + 2] = 0x80 | ((c >> 6) & 0x3f);
				out[w + 3] = 0x80 | (c & 0x3f);
				break;
			}
		}
		w += n;
	}
	if (out) {
		if (!outsize)
			return -ENAMETOOLONG;
		out[w] = '\0';
	}
	return w;
}

/* ---- framing ---- */

/*
 * Zero the payload (padding included) and fill both headers: the body
 * follows at VMB_IC_HDR_SIZE. The payload length, or -ENOSPC.
 */
static int vmb_ic_start(void *buf, u32 buflen, u16 type,
			const struct vmb_ic_neg *neg, u32 bodysize)
{
	struct vmb_ic_msg_hdr *h = buf;
	u32 len = VMB_IC_PAD8(VMB_IC_HDR_SIZE + bodysize);

	if (!buf || buflen < len)
		return -ENOSPC;
	memset(buf, 0, len);
	h->pipe.flags = VMB_IC_PIPE_TYPE_DATA;
	h->pipe.msgsize = sizeof(h->ic) + bodysize;
	if (neg) {
		h->ic.icverframe.major = neg->frame.major;
		h->ic.icverframe.minor = neg->frame.minor;
		h->ic.icvermsg.major = neg->msg.major;
		h->ic.icvermsg.minor = neg->msg.minor;
	}
	h->ic.icmsgtype = type;
	h->ic.icmsgsize = bodysize;
	h->ic.status = VMB_IC_S_OK;
	h->ic.ictransaction_id = 0;
	h->ic.icflags = VMB_IC_FLAGS_HOST_REQUEST;
	return len;
}

int vmb_ic_parse_reply(const void *buf, u32 len, u16 icmsgtype, u32 *status,
		       const void **body, u32 *bodylen)
{
	const struct vmb_ic_msg_hdr *h = buf;
	u16 type, size;
	u8 flags;

	if (!buf || len < VMB_IC_HDR_SIZE)
		return -EBADMSG;
	type = h->ic.icmsgtype;
	flags = h->ic.icflags;
	size = h->ic.icmsgsize;
	if (type != icmsgtype || !(flags & VMB_IC_FLAG_RESPONSE) ||
	    size > len - VMB_IC_HDR_SIZE)
		return -EBADMSG;
	if (status)
		*status = h->ic.status;
	if (body)
		*body = (const u8 *)buf + VMB_IC_HDR_SIZE;
	if (bodylen)
		*bodylen = len - VMB_IC_HDR_SIZE;
	return 0;
}

/* ---- NEGOTIATE ---- */

int vmb_ic_build_negotiate(void *buf, u32 buflen,
			   const struct vmb_ic_ver *frame, unsigned int nframe,
			   const struct vmb_ic_ver *msg, unsigned int nmsg)
{
	struct vmb_ic_negotiate *neg;
	unsigned int i;
	int len;

	if (!frame || !msg || !nframe || !nmsg ||
	    nframe > VMB_IC_MAX_VER_COUNT || nmsg > VMB_IC_MAX_VER_COUNT)
		return -EINVAL;
	len = vmb_ic_start(buf, buflen, VMB_IC_MSGTYPE_NEGOTIATE, NULL,
			   sizeof(*neg) + 4 * (nframe + nmsg));
	if (len < 0)
		return len;
	neg = (struct vmb_ic_negotiate *)((u8 *)buf + VMB_IC_HDR_SIZE);
	neg->icframe_vercnt = nframe;
	neg->icmsg_vercnt = nmsg;
	for (i = 0; i < nframe; i++) {
		neg->icversion_data[i].major = frame[i].major;
		neg->icversion_data[i].minor = frame[i].minor;
	}
	for (i = 0; i < nmsg; i++) {
		neg->icversion_data[nframe + i].major = msg[i].major;
		neg->icversion_data[nframe + i].minor = msg[i].minor;
	}
	return len;
}

static bool vmb_ic_offered(const struct vmb_ic_ver *list, unsigned int n,
			   u16 major, u16 minor)
{
	unsigned int i;

	for (i = 0; list && i < n; i++)
		if (list[i].major == major && list[i].minor == minor)
			return true;
	return false;
}

int vmb_ic_parse_negotiate(const void *buf, u32 len,
			   const struct vmb_ic_ver *frame, unsigned int nframe,
			   const struct vmb_ic_ver *msg, unsigned int nmsg,
			   struct vmb_ic_neg *out)
{
	const struct vmb_ic_negotiate *neg;
	struct vmb_ic_neg got;
	u16 nf, nm;
	u32 status, blen;
	const void *body;
	int err;

	err = vmb_ic_parse_reply(buf, len, VMB_IC_MSGTYPE_NEGOTIATE, &status,
				 &body, &blen);
	if (err)
		return err;
	if (blen < sizeof(*neg))
		return -EBADMSG;
	neg = body;
	nf = neg->icframe_vercnt;
	nm = neg->icmsg_vercnt;
	if (nf > VMB_IC_MAX_VER_COUNT || nm > VMB_IC_MAX_VER_COUNT)
		return -EBADMSG;
	if (status != VMB_IC_S_OK || (!nf && !nm))
		return -ENOENT;
	if (nf != 1 || nm != 1 || blen < VMB_IC_NEGOTIATE_REPLY_SIZE)
		return -EBADMSG;
	got.frame.major = neg->icversion_data[0].major;
	got.frame.minor = neg->icversion_data[0].minor;
	got.msg.major = neg->icversion_data[1].major;
	got.msg.minor = neg->icversion_data[1].minor;
	if (!vmb_ic_offered(frame, nframe, got.frame.major, got.frame.minor) ||
	    !vmb_ic_offered(msg, nmsg, got.msg.major, got.msg.minor))
		return -EBADMSG;
	if (out)
		*out = got;
	return 0;
}

/* ---- heartbeat ---- */

int vmb_ic_build_heartbeat(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			   u64 seq)
{
	struct vmb_ic_heartbeat *hb;
	int len;

	if (!neg)
		return -EINVAL;
	len = vmb_ic_start(buf, buflen, VMB_IC_MSGTYPE_HEARTBEAT, neg,
			   sizeof(*hb));
	if (len < 0)
		return len;
	hb = (struct vmb_ic_heartbeat *)((u8 *)buf + VMB_IC_HDR_SIZE);
	hb->seq_num = seq;
	return len;
}

int vmb_ic_parse_heartbeat(const void *buf, u32 len, u32 *status, u64 *seq)
{
	const struct vmb_ic_heartbeat *hb;
	const void *body;
	u32 blen;
	int err;

	err = vmb_ic_parse_reply(buf, len, VMB_IC_MSGTYPE_HEARTBEAT, status,
				 &body, &blen);
	if (err)
		return err;
	if (blen < sizeof(hb->seq_num))
		return -EBADMSG;
	hb = body;
	if (seq)
		*seq = hb->seq_num;
	return 0;
}

/* ---- shutdown ---- */

int vmb_ic_build_shutdown(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			  u32 flags, const char *why)
{
	struct vmb_ic_shutdown *sd;
	size_t n;
	int len, err;

	if (!neg || flags & ~VMB_IC_SHUTDOWN_FLAGS_ALL)
		return -EINVAL;
	len = vmb_ic_start(buf, buflen, VMB_IC_MSGTYPE_SHUTDOWN, neg,
			   sizeof(*sd));
	if (len < 0)
		return len;
	sd = (struct vmb_ic_shutdown *)((u8 *)buf + VMB_IC_HDR_SIZE);
	sd->reason_code = VMB_IC_SHUTDOWN_REASON_PLANNED;
	sd->timeout_seconds = 0;
	sd->flags = flags;
	if (why) {
		/* 1023 units are at most 3069 bytes of UTF-8 */
		n = strnlen(why, 2 * VMB_IC_SHUTDOWN_MSG_SIZE);
		if (n == 2 * VMB_IC_SHUTDOWN_MSG_SIZE)
			return -ENAMETOOLONG;
		err = vmb_ic_utf8_to_utf16(why, n, sd->display_message,
					   sizeof(sd->display_message));
		if (err < 0)
			return err;
	}
	return len;
}

int vmb_ic_parse_shutdown(const void *buf, u32 len, u32 *status)
{
	u32 blen;
	int err;

	err = vmb_ic_parse_reply(buf, len, VMB_IC_MSGTYPE_SHUTDOWN, status,
				 NULL, &blen);
	if (err)
		return err;
	/* the guest replies to a full-size request only */
	if (blen < sizeof(struct vmb_ic_shutdown))
		return -EBADMSG;
	return 0;
}

/* ---- time sync ---- */

int vmb_ic_build_timesync(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			  u64 host_time, u64 ref_time, u8 flags)
{
	struct vmb_ic_timesync_ref *ref;
	struct vmb_ic_timesync *ts;
	int len;

	if (!neg || flags & ~(VMB_IC_TIMESYNC_FLAG_SYNC |
			      VMB_IC_TIMESYNC_FLAG_SAMPLE))
		return -EINVAL;
	if (neg->msg.major >= 4) {
		if (!ref_time)
			return -EINVAL;
		len = vmb_ic_start(buf, buflen, VMB_IC_MSGTYPE_TIMESYNC, neg,
				   sizeof(*ref));
		if (len < 0)
			return len;
		ref = (struct vmb_ic_timesync_ref *)((u8 *)buf + VMB_IC_HDR_SIZE);
		ref->parenttime = host_time;
		ref->vmreferencetime = ref_time;
		ref->flags = flags;
		return len;
	}
	len = vmb_ic_start(buf, buflen, VMB_IC_MSGTYPE_TIMESYNC, neg,
			   sizeof(*ts));
	if (len < 0)
		return len;
	ts = (struct vmb_ic_timesync *)((u8 *)buf + VMB_IC_HDR_SIZE);
	ts->parenttime = host_time;
	ts->flags = flags;
	return len;
}

int vmb_ic_parse_timesync(const void *buf, u32 len, u32 *status)
{
	u32 blen;
	int err;

	err = vmb_ic_parse_reply(buf, len, VMB_IC_MSGTYPE_TIMESYNC, status,
				 NULL, &blen);
	if (err)
		return err;
	if (blen < sizeof(struct vmb_ic_timesync_ref))
		return -EBADMSG;
	return 0;
}

u64 vmb_ic_unix_ns_to_hv(u64 unix_ns)
{
	return unix_ns / 100 + VMB_IC_EPOCH_DELTA;
}

u64 vmb_ic_hv_to_unix_ns(u64 hv_time)
{
	u64 t;

	if (hv_time <= VMB_IC_EPOCH_DELTA)
		return 0;
	t = hv_time - VMB_IC_EPOCH_DELTA;
	if (t > ~0ULL / 100)
		return ~0ULL;
	return t * 100;
}

/* ---- KVP ---- */

/*
 * A UTF-8 string into a UTF-16 field of size bytes, NUL included, the
 * guest taking at most size - 1 bytes of it as UTF-8: the bytes written.
 */
static int vmb_ic_kvp_string(const char *s, void *field, u32 size)
{
	size_t n;

	if (!s)
		return -EINVAL;
	n = strnlen(s, size);
	if (n == size)
		return -ENAMETOOLONG;
	return vmb_ic_utf8_to_utf16(s, n, field, size);
}

static int vmb_ic_kvp_start(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			    u8 op, u8 pool, u32 bodysize)
{
	struct vmb_ic_kvp_hdr *kh;
	int len;

	if (!neg || pool >= VMB_IC_KVP_POOL_COUNT)
		return -EINVAL;
	len = vmb_ic_start(buf, buflen, VMB_IC_MSGTYPE_KVPEXCHANGE, neg,
			   bodysize);
	if (len < 0)
		return len;
	kh = (struct vmb_ic_kvp_hdr *)((u8 *)buf + VMB_IC_HDR_SIZE);
	kh->operation = op;
	kh->pool = pool;
	return len;
}

static struct vmb_ic_kvp_msg *vmb_ic_kvp_body(void *buf)
{
	return (struct vmb_ic_kvp_msg *)((u8 *)buf + VMB_IC_HDR_SIZE);
}

static int vmb_ic_build_kvp_exchg(void *buf, u32 buflen,
				  const struct vmb_ic_neg *neg, u8 op, u8 pool,
				  const char *key, const char *value)
{
	struct vmb_ic_kvp_exchg *x;
	int len, n;

	len = vmb_ic_kvp_start(buf, buflen, neg, op, pool,
			       VMB_IC_KVP_BODY_GET);
	if (len < 0)
		return len;
	x = &vmb_ic_kvp_body(buf)->body.set;
	x->value_type = VMB_IC_REG_SZ;
	n = vmb_ic_kvp_string(key, x->key, sizeof(x->key));
	if (n < 0)
		return n;
	x->key_size = n;
	if (value) {
		n = vmb_ic_kvp_string(value, x->value, sizeof(x->value));
		if (n < 0)
			return n;
		x->value_size = n;
	}
	return len;
}

int vmb_ic_build_kvp_set(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			 u8 pool, const char *key, const char *value)
{
	if (!value)
		return -EINVAL;
	return vmb_ic_build_kvp_exchg(buf, buflen, neg, VMB_IC_KVP_OP_SET,
				      pool, key, value);
}

int vmb_ic_build_kvp_get(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			 u8 pool, const char *key)
{
	return vmb_ic_build_kvp_exchg(buf, buflen, neg, VMB_IC_KVP_OP_GET,
				      pool, key, NULL);
}

int vmb_ic_build_kvp_delete(void *buf, u32 buflen, const struct vmb_ic_neg *neg,
			    u8 pool, const char *key)
{
	struct vmb_ic_kvp_delete *d;
	int len, n;

	len = vmb_ic_kvp_start(buf, buflen, neg, VMB_IC_KVP_OP_DELETE, pool,
			       VMB_IC_KVP_BODY_DELETE);
	if (len < 0)
		return len;
	d = &vmb_ic_kvp_body(buf)->body.del;
	n = vmb_ic_kvp_string(key, d->key, sizeof(d->key));
	if (n < 0)
		return n;
	d->key_size = n;
	return len;
}

int vmb_ic_build_kvp_enumerate(void *buf, u32 buflen,
			       const struct vmb_ic_neg *neg, u8 pool, u32 index)
{
	int len;

	len = vmb_ic_kvp_start(buf, buflen, neg, VMB_IC_KVP_OP_ENUMERATE, pool,
			       VMB_IC_KVP_BODY_ENUMERATE);
	if (len < 0)
		return len;
	vmb_ic_kvp_body(buf)->body.enumerate.index = index;
	return len;
}

static int vmb_ic_decimal(u64 v, char *out, u32 outsize)
{
	char tmp[20];
	u32 n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	if (outsize <= n)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* A UTF-16 field of the guest's: size checked, then converted. */
static int vmb_ic_kvp_field(const u8 *field, u32 size, u32 max, char *out,
			    u32 outsize)
{
	int n;

	if (size > max || size & 1)
		return -EBADMSG;
	n = vmb_ic_utf16_to_utf8(field, size, out, out ? outsize : 0);
	if (n == -EINVAL)
		return -EBADMSG;
	return n < 0 ? n : 0;
}

static int vmb_ic_kvp_value(const struct vmb_ic_kvp_exchg *x, char *out,
			    u32 outsize)
{
	u32 type = x->value_type, size = x->value_size;
	int n;

	switch (type) {
	case VMB_IC_REG_SZ:
		return vmb_ic_kvp_field(x->value, size, sizeof(x->value), out,
					outsize);
	case VMB_IC_REG_U32:
		if (size != sizeof(u32))
			return -EBADMSG;
		n = out ? vmb_ic_decimal(x->value_u32, out, outsize) : 0;
		break;
	case VMB_IC_REG_U64:
		if (size != sizeof(u64))
			return -EBADMSG;
		n = out ? vmb_ic_decimal(x->value_u64, out, outsize) : 0;
		break;
	default:
		return -EBADMSG;
	}
	return n < 0 ? n : 0;
}

int vmb_ic_parse_kvp(const void *buf, u32 len, u8 *op, u32 *status,
		     char *key, u32 keylen, char *value, u32 valuelen)
{
	const struct vmb_ic_kvp_exchg *x;
	const struct vmb_ic_kvp_msg *m;
	u32 st, blen, need;
	const void *body;
	u8 o;
	int err;

	if ((key && !keylen) || (value && !valuelen))
		return -ENAMETOOLONG;
	if (key)
		key[0] = '\0';
	if (value)
		value[0] = '\0';
	err = vmb_ic_parse_reply(buf, len, VMB_IC_MSGTYPE_KVPEXCHANGE, &st,
				 &body, &blen);
	if (err)
		return err;
	if (blen < sizeof(struct vmb_ic_kvp_hdr))
		return -EBADMSG;
	m = body;
	o = m->hdr.operation;
	switch (o) {
	case VMB_IC_KVP_OP_GET:
	case VMB_IC_KVP_OP_SET:
		need = VMB_IC_KVP_BODY_GET;
		x = &m->body.get;
		break;
	case VMB_IC_KVP_OP_DELETE:
		need = VMB_IC_KVP_BODY_DELETE;
		x = NULL;
		break;
	case VMB_IC_KVP_OP_ENUMERATE:
		need = VMB_IC_KVP_BODY_ENUMERATE;
		x = &m->body.enumerate.data;
		break;
	case VMB_IC_KVP_OP_GET_IP_INFO:
	case VMB_IC_KVP_OP_SET_IP_INFO:
		need = VMB_IC_KVP_BODY_IP;
		x = NULL;
		break;
	default:
		return -EBADMSG;
	}
	/* a reply is as long as the request, which was full size */
	if (blen < need)
		return -EBADMSG;
	if (op)
		*op = o;
	if (status)
		*status = st;
	if (st != VMB_IC_S_OK || o == VMB_IC_KVP_OP_SET || !x)
		return 0;
	err = vmb_ic_kvp_field(x->key, x->key_size, sizeof(x->key), key,
			       keylen);
	if (!err)
		err = vmb_ic_kvp_value(x, value, valuelen);
	if (err) {
		if (key)
			key[0] = '\0';
		if (value)
			value[0] = '\0';
	}
	return err;
}
