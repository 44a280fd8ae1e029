/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the C test programs of tests/user share: TAP lines and reading a
 * whole file.
 */
#ifndef NOOKS_TEST_TAP_H
#define NOOKS_TEST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef __printf
#define NOOKS_TAP_FORMAT(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((NOOKS_TAP_FORMAT(a, b)))
#endif

static unsigned int n_tests;
static unsigned int n_failed;

/* One "ok N - ..." or "not ok N - ..." line; returns cond. */
static inline __printf(2, 3) bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	printf("%sok %u - ", cond ? "" : "not ", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return cond;
}

/* A "# ..." comment line. */
static inline __printf(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The whole file in memory (free() it), its size in *len; NULL on error. */
static inline void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL, *p = NULL;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		p = realloc(buf, cap);
		if (!p)
			break;
		buf = p;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
	}
	if (ferror(f) || !p) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

#endif /* NOOKS_TEST_TAP_H */
