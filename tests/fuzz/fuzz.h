/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the fuzz harnesses: the libFuzzer entry point, and the checks
 * that every harness makes. A broken invariant aborts, which libFuzzer
 * reports as a crash and run-corpus as a failed test.
 */
#ifndef RAWTUNE_FUZZ_H
#define RAWTUNE_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string, the library's APIs take no lengths. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Show @s with escapes, so that the report reproduces the input exactly. */
static inline void fuzz_show(const char *what, const char *s)
{
	fprintf(stderr, "  %s: \"", what);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\')
			fputc(*c, stderr);
		else
			fprintf(stderr, "\\x%02x", *c);
	fputs("\"\n", stderr);
}

#define fuzz_fail(input, ...)                                                      \
	do {                                                                       \
		fprintf(stderr, "fuzz: invariant broken at %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                                      \
		fputc('\n', stderr);                                               \
		fuzz_show("input", input);                                         \
		abort();                                                           \
	} while (0)

/* rawtune.h: after a failure, rawtune_last_error() describes it in one line. */
static inline void fuzz_check_error(const struct rawtune_ctx *ctx, int err, const char *input)
{
	const char *msg = rawtune_last_error(ctx);

	/* the parsers and setters document -EINVAL and -ENOMEM, nothing else */
	if (err != -EINVAL && err != -ENOMEM)
		fuzz_fail(input, "returned %d, not -EINVAL or -ENOMEM", err);
	if (err == -ENOMEM)
		return;
	if (!msg[0])
		fuzz_fail(input, "failure %d with an empty rawtune_last_error()", err);
	for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
		if (*c < 0x20 || *c == 0x7f) {
			fuzz_show("error", msg);
			fuzz_fail(input, "rawtune_last_error() holds control character 0x%02x", *c);
		}
}

#endif
