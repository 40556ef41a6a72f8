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
