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

/*
 * A duration in nanoseconds as days, hours, minutes and whole seconds, the
 * largest unit first and the others two digits wide: "7s", "4m05s",
 * "1h02m03s", "2d03h04m05s". Returns buf.
 */
#define DURATION_STR_MAX 32
char *format_duration(uint64_t ns, char buf[DURATION_STR_MAX]);

/* Why a partition crashed, as VM_CRASH says (HVKVM_VID_CRASH_A_*). */
struct crash_info {
	uint32_t kind;		/* enum hvkvm_vid_crash_kind */
	uint32_t code;		/* exit status or signal */
	bool has_params;
	uint64_t params[5];	/* HVKVM_VID_CRASH_PARAMS */
	const char *message;	/* or NULL */
};

/* "worker-exit", "worker-signal", "triple-fault", "guest", "worker-error"; or NULL. */
const char *crash_kind_name(uint32_t kind);

/*
 * One line for people: "worker exited with status 3", "worker killed by
 * signal 9", "triple fault", "guest crash P0=0x1e P1=0x0 P2=0x0 P3=0x0
 * P4=0x0", "worker error: MESSAGE", "crash of kind 7". A message with
 * any other kind follows in parentheses. Control characters become
 * spaces, so that it is one line. Returns buf (truncated to size).
 */
char *format_crash(const struct crash_info *c, char *buf, size_t size);

/*
 * Timeout in whole seconds, 1 to TIMEOUT_MAX: 0 on success, -EINVAL or
 * -ERANGE otherwise.
 */
#define TIMEOUT_MAX 86400
int parse_timeout(const char *s, unsigned int *secs);

/*
 * A GUID as it travels in VMBus (Microsoft's mixed-endian layout: the first
 * three fields little-endian, the last eight bytes in order) in its usual
 * text form, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". Returns buf.
 */
#define GUID_STR_MAX 37
char *format_guid(const uint8_t b[16], char buf[GUID_STR_MAX]);

/* A version major << 16 | minor as "major.minor" ("5.3"). Returns buf. */
#define VERSION_STR_MAX 12
char *format_version(uint32_t v, char buf[VERSION_STR_MAX]);

/*
 * The name of value in names[0..n-1], or "unknown(N)" in buf when it has
 * none. Returns the name.
 */
#define NAME_STR_MAX 24
const char *name_of(const char *const *names, size_t n, uint32_t value,
		    char buf[NAME_STR_MAX]);
#define NAME_OF(names, v, buf) name_of(names, sizeof(names) / sizeof(names[0]), v, buf)

#endif /* HVADM_UTILS_H */
