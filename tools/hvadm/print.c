// SPDX-License-Identifier: GPL-2.0
/* One print path for text and JSON; see print.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

void print_init(struct printer *p, FILE *f, bool json, bool pretty)
{
	*p = (struct printer){ .f = f, .json = json || pretty, .pretty = pretty,
			       .first = true };
}

static void newline(struct printer *p)
{
	if (p->pretty)
		fprintf(p->f, "\n%*s", 2 * p->depth, "");
}

/* Separator, indentation and key before a JSON value. */
static void json_key(struct printer *p, const char *key)
{
	if (!p->first)
		fputc(',', p->f);
	if (p->depth)
		newline(p);
	p->first = false;
	if (key) {
		json_escape(p->f, key);
		fputs(p->pretty ? ": " : ":", p->f);
	}
}

static void open_container(struct printer *p, const char *key, char c)
{
	if (!p->json)
		return;
	json_key(p, key);
	fputc(c, p->f);
	p->depth++;
	p->first = true;
}

static void close_container(struct printer *p, char c)
{
	if (!p->json)
		return;
	p->depth--;
	if (!p->first)
		newline(p);
	fputc(c, p->f);
	p->first = false;
}

void print_open_object(struct printer *p, const char *key)
{
	open_container(p, key, '{');
}

void print_close_object(struct printer *p)
{
	close_container(p, '}');
}

void print_open_array(struct printer *p, const char *key)
{
	open_container(p, key, '[');
}

void print_close_array(struct printer *p)
{
	close_container(p, ']');
}

/*
 * Text: print the value (the variadic argument) with fmt, and return false.
 * JSON: put the key, and return true when the caller is to put the value.
 */
static bool field(struct printer *p, enum print_type t, const char *key,
		  const char *fmt, ...)
{
	va_list ap;

	if (p->json) {
		if (t & PRINT_JSON)
			json_key(p, key);
		return t & PRINT_JSON;
	}
	if ((t & PRINT_TEXT) && fmt) {
		va_start(ap, fmt);
		vfprintf(p->f, fmt, ap);
		va_end(ap);
	}
	return false;
}

void print_string(struct printer *p, enum print_type t, const char *key,
		  const char *fmt, const char *val)
{
	if (field(p, t, key, fmt, val))
		json_escape(p->f, val);
}

void print_quoted(struct printer *p, enum print_type t, const char *key,
		  const char *fmt, const char *val)
{
	char *q = NULL;
	size_t len;
	FILE *m;

	if (p->json || !(t & PRINT_TEXT)) {
		print_string(p, t, key, fmt, val);
		return;
	}
	m = open_memstream(&q, &len);
	if (!m)
		return;
	json_escape(m, val);
	if (!fclose(m))
		field(p, t, key, fmt, q);
	free(q);
}

void print_uint(struct printer *p, enum print_type t, const char *key,
		const char *fmt, unsigned int val)
{
	if (field(p, t, key, fmt, val))
		fprintf(p->f, "%u", val);
}

void print_u64(struct printer *p, enum print_type t, const char *key,
	       const char *fmt, uint64_t val)
{
	if (field(p, t, key, fmt, val))
		fprintf(p->f, "%" PRIu64, val);
}

void print_bool(struct printer *p, enum print_type t, const char *key,
		const char *fmt, bool val)
{
	if (field(p, t, key, fmt, val ? "true" : "false"))
		fputs(val ? "true" : "false", p->f);
}

void print_end(struct printer *p)
{
	if (p->json && !p->depth) {
		fputc('\n', p->f);
		p->first = true;
	}
	fflush(p->f);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	c = s[0] & (0x3f >> (n - 1));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*s < 0x20) {
				fprintf(f, "\\u%04x", *s);
			} else if (*s < 0x80) {
				fputc(*s, f);
			} else if ((n = utf8_len(s))) {
				fwrite(s, 1, n, f);
				s += n;
				continue;
			} else {
				fputs("\\ufffd", f);
			}
		}
		s++;
	}
	fputc('"', f);
}
