// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for lib/vmbus/ic_msg.c: the guest's IC replies and the
 * UTF-16 strings in them.
 *
 * Input: one control byte, then an IC payload as the guest would send it.
 * Control bits 0-2 pick a message type (0-4) to stamp on the payload, with
 * the RESPONSE flag and a fitting icmsgsize, so that the fuzzer reaches the
 * bodies quickly; 6-7 leave the payload as it is. 5 makes a full-size KVP
 * reply instead: the input is op (1), value_type, key_size, value_size
 * (4 each), then bytes tiled over the key and value arrays, so that long
 * strings without a NUL, and sizes that lie about them, are common. Every
 * parser then gets
 * the payload at its full length and at several shorter ones, each copy
 * in a buffer of exactly that length (ASan sees any read past it). The
 * UTF converters get the payload too, and what they accept must survive
 * the round trip unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvkvm/ic_msg.h>

#include "fuzz_check.h"

static void parse_all(const uint8_t *data, uint32_t len, unsigned int outsz)
{
	uint8_t *b = malloc(len ? len : 1);
	char key[VMB_IC_KVP_KEY_UTF8_MAX], val[VMB_IC_KVP_VALUE_UTF8_MAX];
	struct vmb_ic_neg neg;
	const void *body;
	uint32_t st, bl;
	uint64_t seq;
	uint8_t op;
	int err, i;

	CHECK(b);
	memcpy(b, data, len);
	for (i = 0; i <= VMB_IC_MSGTYPE_TIMESYNC; i++) {
		err = vmb_ic_parse_reply(b, len, i, &st, &body, &bl);
		if (!err) {
			CHECK(len >= VMB_IC_HDR_SIZE);
			CHECK(body == b + VMB_IC_HDR_SIZE && bl == len - VMB_IC_HDR_SIZE);
		}
	}
	err = vmb_ic_parse_negotiate(b, len, vmb_ic_fw_versions, VMB_IC_FW_NVER,
				     vmb_ic_sd_versions, VMB_IC_SD_NVER, &neg);
	if (!err)
		CHECK(neg.frame.minor == 0 && neg.msg.major <= 3 && neg.msg.minor <= 2);
	vmb_ic_parse_negotiate(b, len, vmb_ic_fw_versions, VMB_IC_FW_NVER,
			       vmb_ic_kvp_versions, VMB_IC_KVP_NVER, NULL);
	vmb_ic_parse_heartbeat(b, len, &st, &seq);
	vmb_ic_parse_shutdown(b, len, &st);
	vmb_ic_parse_timesync(b, len, &st);

	/* KVP with roomy buffers, the given sizes, and no buffers at all */
	memset(key, 'x', sizeof(key));
	memset(val, 'x', sizeof(val));
	err = vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key), val, sizeof(val));
	CHECK(err == 0 || err == -EBADMSG);
	CHECK(memchr(key, 0, sizeof(key)) && memchr(val, 0, sizeof(val)));
	if (err)
		CHECK(!key[0] && !val[0]);
	if (outsz) {
		char *k = malloc(outsz), *v = malloc(outsz);

		CHECK(k && v);
		err = vmb_ic_parse_kvp(b, len, &op, &st, k, outsz, v, outsz);
		CHECK(err == 0 || err == -EBADMSG || err == -ENAMETOOLONG);
		CHECK(memchr(k, 0, outsz) && memchr(v, 0, outsz));
		free(k);
		free(v);
	}
	vmb_ic_parse_kvp(b, len, NULL, NULL, NULL, 0, NULL, 0);
	free(b);
}

/* UTF-16 in: what converts must convert back to the same units. */
static void utf16(const uint8_t *data, uint32_t len, unsigned int outsz)
{
	uint32_t insize = len & ~1u, units = 0;
	static char s[3 * VMB_IC_KVP_MAX_PKT / 2 + 1];
	static uint8_t w[VMB_IC_KVP_MAX_PKT + 2];
	uint8_t *in = malloc(insize ? insize : 1);
	int n, m;

	CHECK(in);
	memcpy(in, data, insize);
	n = vmb_ic_utf16_to_utf8(in, insize, s, sizeof(s));
	CHECK(n == vmb_ic_utf16_to_utf8(in, insize, NULL, 0));
	if (n >= 0) {
		CHECK((size_t)n == strlen(s));
		while (units * 2 < insize && (in[2 * units] || in[2 * units + 1]))
			units++;
		m = vmb_ic_utf8_to_utf16(s, n, w, sizeof(w));
		CHECK(m == (int)(2 * units + 2));
		CHECK(!memcmp(w, in, 2 * units) && !w[2 * units] && !w[2 * units + 1]);
		/* a short output buffer: refused, never overrun */
		if (outsz <= (unsigned int)n) {
			char *o = malloc(outsz ? outsz : 1);

			CHECK(o);
			CHECK(vmb_ic_utf16_to_utf8(in, insize, o, outsz) == -ENAMETOOLONG);
			free(o);
		}
	} else {
		CHECK(n == -EINVAL);
	}
	free(in);
}

/* UTF-8 in: what converts must convert back to the same bytes. */
static void utf8(const uint8_t *data, uint32_t len, unsigned int outsz)
{
	static uint8_t w[2 * VMB_IC_KVP_MAX_PKT + 2];
	static char s[VMB_IC_KVP_MAX_PKT + 1];
	char *in = malloc(len ? len : 1);
	uint8_t *o;
	int n, m;

	CHECK(in);
	memcpy(in, data, len);
	n = vmb_ic_utf8_to_utf16(in, len, w, sizeof(w));
	if (n >= 0) {
		CHECK(n >= 2 && !(n & 1));
		m = vmb_ic_utf16_to_utf8(w, n, s, sizeof(s));
		CHECK(m == (int)len && !memcmp(s, in, len));
		o = malloc(outsz ? outsz : 1);
		CHECK(o);
		m = vmb_ic_utf8_to_utf16(in, len, o, outsz);
		CHECK(m == (outsz >= (unsigned int)n ? n : -ENAMETOOLONG));
		free(o);
	} else {
		CHECK(n == -EINVAL || n == -ENAMETOOLONG);
	}
	free(in);
}

/* A full-size KVP reply made from in (n >= 13 bytes): its length. */
static uint32_t kvp_reply(uint8_t *buf, const uint8_t *in, uint32_t n)
{
	struct vmb_ic_msg_hdr *h = (struct vmb_ic_msg_hdr *)buf;
	struct vmb_ic_kvp_msg *m = (struct vmb_ic_kvp_msg *)(buf + VMB_IC_HDR_SIZE);
	const struct vmb_ic_neg neg = { { 3, 0 }, { 4, 0 } };
	struct vmb_ic_kvp_exchg *x;
	uint32_t len, i, v[3];
	uint8_t *area;

	memcpy(v, in + 1, sizeof(v));
	if (in[0] == VMB_IC_KVP_OP_ENUMERATE) {
		len = vmb_ic_build_kvp_enumerate(buf, VMB_IC_KVP_MAX_PKT, &neg, 0, 0);
		x = &m->body.enumerate.data;
	} else {
		len = vmb_ic_build_kvp_get(buf, VMB_IC_KVP_MAX_PKT, &neg, 0, "k");
		x = &m->body.get;
		m->hdr.operation = in[0];
	}
	h->ic.icflags = VMB_IC_FLAGS_GUEST_REPLY;
	x->value_type = v[0];
	x->key_size = v[1];
	x->value_size = v[2];
	in += 13;
	n -= 13;
	/* the value follows the key: one area */
	area = (uint8_t *)x + offsetof(struct vmb_ic_kvp_exchg, key);
	for (i = 0; n && i < sizeof(x->key) + sizeof(x->value); i++)
		area[i] = in[i % n];
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[VMB_IC_KVP_MAX_PKT];
	struct vmb_ic_msg_hdr *h = (struct vmb_ic_msg_hdr *)buf;
	uint32_t len, cuts[4];
	unsigned int ctl, outsz, i;

	if (!size || size - 1 > sizeof(buf))
		return 0;
	ctl = data[0];
	len = size - 1;
	memcpy(buf, data + 1, len);
	if ((ctl & 7) == 5 && len >= 13) {
		len = kvp_reply(buf, data + 1, size - 1);
	} else if ((ctl & 7) <= VMB_IC_MSGTYPE_TIMESYNC && len >= VMB_IC_HDR_SIZE) {
		h->ic.icmsgtype = ctl & 7;
		h->ic.icflags |= VMB_IC_FLAG_RESPONSE;
		if (h->ic.icmsgsize > len - VMB_IC_HDR_SIZE)
			h->ic.icmsgsize = len - VMB_IC_HDR_SIZE;
	}
	/* a caller's buffer size for the converters: 0 to 31 bytes, or none */
	outsz = ctl >> 3;

	cuts[0] = len;
	cuts[1] = len ? len - 1 : 0;
	cuts[2] = len / 2;
	cuts[3] = len > VMB_IC_HDR_SIZE + 8 ? VMB_IC_HDR_SIZE + 8 : len;
	for (i = 0; i < 4; i++)
		parse_all(buf, cuts[i], outsz);

	utf16(data + 1, size - 1, outsz);
	utf8(data + 1, size - 1, outsz);
	return 0;
}
