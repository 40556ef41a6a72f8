/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the unit tests of parsers of guest bytes: a copy of len bytes that
 * ends where an inaccessible page starts, so that a read past them
 * faults. The buffer is reused by the next call and stays mapped until
 * the test's process exits. NULL when len is over GUARDED_MAX.
 */
#ifndef _HVKVM_SELFTESTS_GUARDED_H
#define _HVKVM_SELFTESTS_GUARDED_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define GUARDED_PAGE	4096
#define GUARDED_MAX	(3 * GUARDED_PAGE)

static inline uint8_t *guarded(const void *src, size_t len)
{
	static uint8_t *map;
	uint8_t *p;

	if (!map) {
		map = mmap(NULL, GUARDED_MAX + GUARDED_PAGE,
			   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			return NULL;
		}
		if (mprotect(map + GUARDED_MAX, GUARDED_PAGE, PROT_NONE))
			return NULL;
	}
	if (len > GUARDED_MAX)
		return NULL;
	p = map + GUARDED_MAX - len;
	memcpy(p, src, len);
	return p;
}

#endif /* _HVKVM_SELFTESTS_GUARDED_H */
