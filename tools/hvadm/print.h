/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON, after iproute2's json_print: every field
 * is printed by one call that names both its JSON key and its text format,
 * so the two outputs cannot drift apart.
 *
 * PRINT_ANY prints the field in both modes, PRINT_TEXT only as text (with
 * fmt), PRINT_JSON only as JSON (under key). Objects and arrays exist only
 * in JSON; in text mode opening and closing them prints nothing. The
 * printer writes to any FILE *, so a test can point it at a memstream.
 */
#ifndef HVADM_PRINT_H
#define HVADM_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum print_type {
	PRINT_TEXT = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_TEXT | PRINT_JSON,
};

struct printer {
	FILE *f;
	bool json;
	bool pretty;
	bool first;		/* nothing yet in the current JSON container */
	unsigned int depth;
};

void print_init(struct printer *p, FILE *f, bool json, bool pretty);

/* key is NULL for an element of an array or for a top-level value. */
void print_open_object(struct printer *p, const char *key);
void print_close_object(struct printer *p);
void print_open_array(struct printer *p, const char *key);
void print_close_array(struct printer *p);

void print_string(struct printer *p, enum print_type t, const char *key,
		  const char *fmt, const char *val);
/* As print_string, but the text form is quoted and escaped like JSON. */
void print_quoted(struct printer *p, enum print_type t, const char *key,
		  const char *fmt, const char *val);
void print_uint(struct printer *p, enum print_type t, const char *key,
		const char *fmt, unsigned int val);
void print_u64(struct printer *p, enum print_type t, const char *key,
	       const char *fmt, uint64_t val);
void print_bool(struct printer *p, enum print_type t, const char *key,
		const char *fmt, bool val);

/* End of one top-level value: a newline in JSON (NDJSON), then flush. */
void print_end(struct printer *p);

/*
 * Write s as a JSON string, quotes included: '"', '\\' and control
 * characters escaped, valid UTF-8 passed through, each byte of an invalid
 * UTF-8 sequence replaced by U+FFFD so that the output is always valid.
 */
void json_escape(FILE *f, const char *s);

#endif /* HVADM_PRINT_H */
