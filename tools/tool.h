/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the rawtune program's subcommands. */
#ifndef RAWTUNE_TOOL_H
#define RAWTUNE_TOOL_H

#include <stdbool.h>
#include <stdio.h>

#include "rawtune.h"

/* Exit codes, the same for every command (rawtune(8), EXIT STATUS). */
enum {
	RT_EXIT_OK = 0,
	RT_EXIT_FAILURE = 1,
	RT_EXIT_USAGE = 2,
};

struct rt_command {
	const char *name;
	int (*run)(struct rawtune_ctx *ctx, int argc, char *argv[]);
	const char *help;
};

int cmd_apply(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_remove(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_status(struct rawtune_ctx *ctx, int argc, char *argv[]);

/* "rawtune: <message>" on stderr. */
void tool_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message and a hint; returns RT_EXIT_USAGE. */
int tool_usage_error(const char *command, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* The library's last error for a failed call; returns RT_EXIT_FAILURE. */
int tool_lib_error(struct rawtune_ctx *ctx, const char *what, int err);
/* "rule" or "rules" */
const char *tool_rules(unsigned int n);
/* "ipv4+ipv6" */
const char *tool_families(unsigned int families);
/* getopt_long's '?' or ':' (with opterr 0) as a one-line usage error. */
int tool_bad_option(const char *command, int opt, char *argv[]);
/* Parse a non-negative number of seconds for --wait. */
bool tool_parse_seconds(const char *s, unsigned int *out);

#endif /* RAWTUNE_TOOL_H */
