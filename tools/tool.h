/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the rawtune program's subcommands. */
#ifndef RAWTUNE_TOOL_H
#define RAWTUNE_TOOL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rawtune.h"

/* Exit codes, the same for every command (rawtune(8), EXIT STATUS). */
enum {
	RT_EXIT_OK = 0,
	RT_EXIT_FAILURE = 1,
	RT_EXIT_USAGE = 2,
	/* not an exit status: a command returns it for --help, main prints the help */
	RT_HELP = -1,
};

struct rt_command {
	const char *name;
	int (*run)(struct rawtune_ctx *ctx, int argc, char *argv[]);
	const char *usage; /* "rawtune CMD --help" */
	const char *help;  /* its line in "rawtune --help" */
};

int cmd_apply(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_remove(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_status(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_profiles(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_show(struct rawtune_ctx *ctx, int argc, char *argv[]);
extern const char apply_usage[], remove_usage[], status_usage[], profiles_usage[], show_usage[];
int cmd_stats(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_watch(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_top(struct rawtune_ctx *ctx, int argc, char *argv[]);
extern const char stats_usage[], watch_usage[], top_usage[];
int cmd_repair(struct rawtune_ctx *ctx, int argc, char *argv[]);
extern const char repair_usage[];
int cmd_enable(struct rawtune_ctx *ctx, int argc, char *argv[]);
int cmd_disable(struct rawtune_ctx *ctx, int argc, char *argv[]);
extern const char enable_usage[], disable_usage[];

/* ---- options that several commands share (rawtune.c) ---------------------- */

/*
 * Every short option means one thing in every command (rawtune(8)): -j is
 * --json wherever there is JSON to write.
 */
enum { TOOL_OPT_JSON = 'j' };

#define TOOL_OPTION_WAIT { "wait", required_argument, NULL, 'w' }
#define TOOL_OPTION_JSON { "json", no_argument, NULL, TOOL_OPT_JSON }
#define TOOL_OPTION_HELP { "help", no_argument, NULL, 'h' }
#define TOOL_OPTION_QUIET { "quiet", no_argument, NULL, 'q' }

/* Their lines in "rawtune CMD --help", aligned like each command's own. */
#define TOOL_HELP_WAIT \
	"  -w, --wait SECONDS    wait at most this long for the xtables lock (default 30)\n"
#define TOOL_HELP_JSON "  -j, --json            write JSON for programs (fields in rawtune(8))\n"
#define TOOL_HELP_HELP "  -h, --help            show this help\n"
#define TOOL_HELP_QUIET \
	"  -q, --quiet           say nothing on success (errors and warnings still)\n"

/*
 * The options of a command whose only ones are --json and --help: 0 to go
 * on, RT_HELP or RT_EXIT_USAGE to stop.
 */
int tool_json_options(const char *command, int argc, char *argv[], bool *json);
/* --wait SECONDS: bound the lock wait of @ctx; 0, or RT_EXIT_USAGE after the error. */
int tool_option_wait(struct rawtune_ctx *ctx, const char *command, const char *arg);
/*
 * After the options: the command's one operand in *@operand (NULL when it
 * is missing), or none when @operand is NULL. @what is the error for a
 * missing operand (NULL: it is optional). Returns 0, or RT_EXIT_USAGE after
 * the error.
 */
int tool_operand(const char *command, int argc, char *argv[], const char *what,
		 const char **operand);
/*
 * A list option given again adds to the list: "--port 80 --port 443" is
 * "80,443", as a user who repeats an option means. *@list is malloc'ed
 * (NULL before the first); 0, or -ENOMEM.
 */
int tool_list_append(char **list, const char *item);
/* getopt_long's '?' or ':' (with opterr 0) as a one-line usage error. */
int tool_bad_option(const char *command, int opt, char *argv[]);

/* ---- messages (rawtune.c) -------------------------------------------------- */

/* --netns NAME as given, NULL without it: for a command line that a message prints. */
extern const char *tool_netns;

/* "rawtune: <message>" on stderr. */
void tool_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* "rawtune: warning: <message>" on stderr. */
void tool_warning(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message and a hint; returns RT_EXIT_USAGE. */
int tool_usage_error(const char *command, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The user's text, safe to quote in a one-line message: control characters
 * and backslashes escaped, long text cut. Valid until the next call.
 */
const char *tool_shown(const char *s);
/* Why a library call failed: its last error, else the errno's text. */
const char *tool_lib_message(struct rawtune_ctx *ctx, int err);
/* "rawtune: WHAT: <why the library call failed>"; returns RT_EXIT_FAILURE. */
int tool_lib_error(struct rawtune_ctx *ctx, const char *what, int err);
/*
 * A library call that takes the user's words failed: for -EINVAL (a bad
 * name, port list or profile file) the library's message alone and
 * RT_EXIT_USAGE, for anything else as tool_lib_error().
 */
int tool_input_error(struct rawtune_ctx *ctx, const char *what, int err);
/* rawtune_profile_load() with its errors reported; returns an exit status. */
int tool_profile_load(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **p);
/* "rule" or "rules" */
const char *tool_rules(unsigned int n);
/* "ipv4", "ipv6" or "ipv4+ipv6", as messages name a set of families */
const char *tool_families(unsigned int families);
/* Parse a decimal number from @min to @max: no sign, blank or trailing text. */
bool tool_parse_number(const char *s, unsigned int min, unsigned int max, unsigned int *out);

/* ---- applying a profile (apply.c), for apply and enable -------------------- */

/* What applying a profile did. */
struct tool_applied {
	unsigned int ruled; /* the families with rules now */
	unsigned int added, removed, deleted; /* rules; conntrack entries */
	int flush_err; /* why the entries could not be deleted, or 0 */
};

/*
 * Apply @p, then delete the conntrack entries of the flows untracked from
 * now on; an exit status after the error. A failed delete is not one:
 * tool_applied_warn() says it after the caller said what changed.
 */
int tool_apply(struct rawtune_ctx *ctx, const struct rawtune_profile *p, struct tool_applied *r);
/* "web: 16 rules added, ipv4+ipv6" */
void tool_applied_say(const struct rawtune_profile *p, const struct tool_applied *r);
/* The same as members of a JSON object: profile, changed, added, removed, ... */
struct json;
void tool_applied_json(struct json *j, const struct rawtune_profile *p,
		       const struct tool_applied *r);
void tool_applied_warn(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
		       const struct tool_applied *r);
/* Where to look for the rules when iptables is the nf_tables variant. */
void tool_note_nftables(struct rawtune_ctx *ctx, bool quiet);

/* ---- a profile's fields in the words of profile files (format.c) ---------- */

/* The protocols in the order they are written; tool_proto_name() names each. */
extern const unsigned int tool_protos[2];
const char *tool_proto_name(unsigned int proto);
/* "tcp", "udp" or "tcp" @sep "udp" into @buf */
void tool_protos_text(unsigned int protos, const char *sep, char *buf, size_t len);
/* "tcp", "udp", "tcp,udp" or "udp,tcp" (spaces allowed); false when malformed */
bool tool_parse_protos(const char *list, unsigned int *protos);
/* "server" or "client" */
const char *tool_direction_name(enum rawtune_direction direction);
/* "ipv4", "ipv6" or "both", as profile files name the family */
const char *tool_family_name(unsigned int families);

/* ---- JSON output for --json (json.c) --------------------------------------- */

#define JSON_DEPTH_MAX 8
/*
 * The "schema" member that opens every JSON text (rawtune(8), JSON OUTPUT):
 * raised when a member is removed or changes meaning, not when one is added.
 */
#define JSON_SCHEMA 3

/*
 * One JSON text, written as it is built. Every call takes the member's key
 * inside an object and NULL inside an array; the commas come by themselves.
 * An outermost object starts with "schema": JSON_SCHEMA. Closing the
 * outermost value ends the text with a newline.
 */
struct json {
	FILE *out;
	unsigned int depth;
	bool more[JSON_DEPTH_MAX]; /* a value was written at this depth: comma first */
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* A NULL @value (a library getter out of memory) is written as null. */
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* RAWTUNE_FAMILY_* bits as an array: ["ipv4","ipv6"] */
void json_families(struct json *j, const char *key, unsigned int families);
/* "a,b" as an array of strings, "" as [], NULL as null */
void json_string_list(struct json *j, const char *key, const char *list);

#endif /* RAWTUNE_TOOL_H */
