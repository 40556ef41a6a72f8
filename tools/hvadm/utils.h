/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of hvadm: argument parsing and formatting. No global state,
 * no netlink: the unit tests in selftests/unit compile this file directly.
 */
#ifndef HVADM_UTILS_H
#define HVADM_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "Error: <message>" on stderr, one line. Always returns -1. */
int pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A byte count: decimal digits and an optional binary suffix K, M, G, T, P
 * or E (case-insensitive, 1K = 1024), itself optionally followed by "B" or
 * "iB"; a bare "B" means bytes. Zero, signs, spaces, overflow and anything
 * else are refused with -EINVAL (or -ERANGE for overflow).
 */
int parse_size(const char *s, uint64_t *val);

/* Plain decimal u32, no sign, no spaces: -EINVAL or -ERANGE on error. */
int parse_u32(const char *s, uint32_t *val);

/* A VM name as the UAPI header defines it. */
bool name_ok(const char *name);

/*
 * Format a byte count with the largest binary suffix that divides it
 * exactly ("512M", "1536M", "3G", "1000"). Returns buf.
 */
#define SIZE_STR_MAX 24
char *format_size(uint64_t val, char buf[SIZE_STR_MAX]);

#endif /* HVADM_UTILS_H */
