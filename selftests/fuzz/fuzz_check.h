/* SPDX-License-Identifier: GPL-2.0 */
/* The fuzz targets' invariant: abort, saying which, when it fails. */
#ifndef _HVKVM_FUZZ_CHECK_H
#define _HVKVM_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
		abort(); \
	} \
} while (0)

#endif /* _HVKVM_FUZZ_CHECK_H */
