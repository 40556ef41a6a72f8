// SPDX-License-Identifier: GPL-2.0
/* Pure helpers of hvadm: argument parsing and formatting. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/hvkvm_vid.h>

#include "utils.h"

int pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("Warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char size_suffixes[] = "KMGTPE";

/* Digits only: strtoull alone would take spaces, signs and "-1". */
static int parse_digits(const char *s, char **end, unsigned long long *val)
{
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, end, 10);
	return errno == ERANGE ? -ERANGE : 0;
}

int parse_size(const char *s, uint64_t *val)
{
	unsigned long long v;
	unsigned int shift = 0;
	const char *p;
	char *end;
	int err;

	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	if (*end) {
		p = strchr(size_suffixes, toupper((unsigned char)*end));
		if (p) {
			shift = 10 * (p - size_suffixes + 1);
			end++;
			if (!strcasecmp(end, "iB"))
				end += 2;
		}
		if (!strcasecmp(end, "B"))
			end++;
		if (*end)
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*val = (uint64_t)v << shift;
	return 0;
}

int parse_u32(const char *s, uint32_t *val)
{
	unsigned long long v;
	char *end;
	int err;

	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v > UINT32_MAX)
		return -ERANGE;
	*val = v;
	return 0;
}

bool name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= HVKVM_VID_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

char *format_size(uint64_t val, char buf[SIZE_STR_MAX])
{
	unsigned int i = 0;

	while (val && i < sizeof(size_suffixes) - 1 && !(val & 1023)) {
		val >>= 10;
		i++;
	}
	if (i)
		snprintf(buf, SIZE_STR_MAX, "%llu%c", (unsigned long long)val,
			 size_suffixes[i - 1]);
	else
		snprintf(buf, SIZE_STR_MAX, "%llu", (unsigned long long)val);
	return buf;
}

char *format_duration(uint64_t ns, char buf[DURATION_STR_MAX])
{
	uint64_t s = ns / 1000000000ULL;
	unsigned long long d = s / 86400;
	unsigned int h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;

	if (d)
		snprintf(buf, DURATION_STR_MAX, "%llud%02uh%02um%02us", d, h, m, sec);
	else if (h)
		snprintf(buf, DURATION_STR_MAX, "%uh%02um%02us", h, m, sec);
	else if (m)
		snprintf(buf, DURATION_STR_MAX, "%um%02us", m, sec);
	else
		snprintf(buf, DURATION_STR_MAX, "%us", sec);
	return buf;
}

static const char *const crash_kinds[] = {
	[HVKVM_VID_CRASH_WORKER_EXIT] = "worker-exit",
	[HVKVM_VID_CRASH_WORKER_SIGNAL] = "worker-signal",
	[HVKVM_VID_CRASH_TRIPLE_FAULT] = "triple-fault",
	[HVKVM_VID_CRASH_GUEST] = "guest",
	[HVKVM_VID_CRASH_WORKER_ERROR] = "worker-error",
};

const char *crash_kind_name(uint32_t kind)
{
	return kind < sizeof(crash_kinds) / sizeof(crash_kinds[0]) ?
		crash_kinds[kind] : NULL;
}

/* Append to buf like snprintf, keeping it NUL-terminated when it fills. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += n;
}

char *format_crash(const struct crash_info *c, char *buf, size_t size)
{
	const char *msg = c->message && *c->message ? c->message : NULL;
	size_t len = 0;
	unsigned int i;

	if (!size)
		return buf;
	buf[0] = '\0';
	switch (c->kind) {
	case HVKVM_VID_CRASH_WORKER_EXIT:
		append(buf, size, &len, "worker exited with status %u", c->code);
		break;
	case HVKVM_VID_CRASH_WORKER_SIGNAL:
		append(buf, size, &len, "worker killed by signal %u", c->code);
		break;
	case HVKVM_VID_CRASH_TRIPLE_FAULT:
		append(buf, size, &len, "triple fault");
		break;
	case HVKVM_VID_CRASH_GUEST:
		append(buf, size, &len, "guest crash");
		for (i = 0; c->has_params && i < 5; i++)
			append(buf, size, &len, " P%u=0x%llx", i,
			       (unsigned long long)c->params[i]);
		break;
	case HVKVM_VID_CRASH_WORKER_ERROR:
		append(buf, size, &len, "worker error: %s", msg ? msg : "(no message)");
		msg = NULL;
		break;
	default:
		append(buf, size, &len, "crash of kind %u", c->kind);
	}
	if (msg)
		append(buf, size, &len, " (%s)", msg);
	for (i = 0; buf[i]; i++)	/* one line, whatever the worker said */
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	return buf;
}

int parse_timeout(const char *s, unsigned int *secs)
{
	uint32_t v;
	int err = parse_u32(s, &v);

	if (err)
		return err;
	if (!v)
		return -EINVAL;
	if (v > TIMEOUT_MAX)
		return -ERANGE;
	*secs = v;
	return 0;
}

char *format_guid(const uint8_t b[16], char buf[GUID_STR_MAX])
{
	snprintf(buf, GUID_STR_MAX,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return buf;
}

char *format_version(uint32_t v, char buf[VERSION_STR_MAX])
{
	snprintf(buf, VERSION_STR_MAX, "%u.%u", v >> 16, v & 0xffff);
	return buf;
}

const char *name_of(const char *const *names, size_t n, uint32_t value,
		    char buf[NAME_STR_MAX])
{
	if (value < n && names[value])
		return names[value];
	snprintf(buf, NAME_STR_MAX, "unknown(%u)", value);
	return buf;
}
