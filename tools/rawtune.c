// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune: the command line, dispatching to one file per subcommand, and
 * what the subcommands share: messages, common options, loading a profile.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "rawtune.h"
#include "tools/tool.h"

const char *tool_netns;

static const struct rt_command commands[] = {
	{ "apply", cmd_apply, apply_usage, "install a profile's NOTRACK rules and the twins its firewall needs" },
	{ "remove", cmd_remove, remove_usage, "delete a profile's rules, or all of rawtune's" },
	{ "status", cmd_status, status_usage, "show the applied profiles, their rules and counters" },
	{ "enable", cmd_enable, enable_usage, "apply a profile now and at boot (rawtune.conf)" },
	{ "disable", cmd_disable, disable_usage, "remove a profile now and from rawtune.conf" },
	{ "repair", cmd_repair, repair_usage, "apply again, as applied, what a firewall reload undid" },
	{ "profiles", cmd_profiles, profiles_usage, "list the profiles, built in and from files" },
	{ "show", cmd_show, show_usage, "print a profile in the profile file format" },
	{ "stats", cmd_stats, stats_usage, "show conntrack occupancy, drops and entries saved" },
	{ "watch", cmd_watch, watch_usage, "the same every interval, with warnings and rates" },
	{ "top", cmd_top, top_usage, "the ports holding the most conntrack entries, and advice" },
};

static void message(const char *prefix, const char *format, va_list args)
	__attribute__((format(printf, 2, 0)));

static void message(const char *prefix, const char *format, va_list args)
{
	fputs(prefix, stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

void tool_error(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	message("rawtune: ", format, args);
	va_end(args);
}

void tool_warning(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	message("rawtune: warning: ", format, args);
	va_end(args);
}

int tool_usage_error(const char *command, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	message("rawtune: ", format, args);
	va_end(args);
	fprintf(stderr, "Try 'rawtune %s%s--help'.\n", command ? command : "",
		command ? " " : "");
	return RT_EXIT_USAGE;
}

const char *tool_shown(const char *s)
{
	static char buf[256];
	size_t used = 0;

	/* room left for one "\xNN", the "..." and the NUL */
	for (; *s && used + 8 < sizeof(buf); s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[used++] = (char)c;
		else
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "\\x%02x", c);
	}
	if (*s)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "...");
	buf[used] = '\0';
	return buf;
}

const char *tool_lib_message(struct rawtune_ctx *ctx, int err)
{
	const char *msg = rawtune_last_error(ctx);

	return msg[0] ? msg : strerror(-err);
}

int tool_lib_error(struct rawtune_ctx *ctx, const char *what, int err)
{
	/* only the xtables lock times out: its wait is the user's to choose */
	tool_error("%s: %s%s", what, tool_lib_message(ctx, err),
		   err == -ETIMEDOUT ? "; to wait longer: --wait SECONDS" : "");
	return RT_EXIT_FAILURE;
}

int tool_bad_option(const char *command, int opt, char *argv[])
{
	const char *arg = argv[optind - 1];
	char shortopt[2] = { (char)optopt, '\0' };

	if (opt == ':')
		return tool_usage_error(command, "option '%s' needs a value", tool_shown(arg));
	if (optopt && strncmp(arg, "--", 2) != 0)
		return tool_usage_error(command, "unknown option '-%s'", tool_shown(shortopt));
	return tool_usage_error(command, "unknown option '%s'", tool_shown(arg));
}

int tool_list_append(char **list, const char *item)
{
	size_t len = *list ? strlen(*list) + 1 : 0;
	char *joined = realloc(*list, len + strlen(item) + 1);

	if (!joined)
		return -ENOMEM;
	if (len)
		joined[len - 1] = ',';
	strcpy(joined + len, item);
	*list = joined;
	return 0;
}

int tool_json_options(const char *command, int argc, char *argv[], bool *json)
{
	static const struct option options[] = {
		TOOL_OPTION_JSON,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jh", options, NULL)) != -1) {
		switch (opt) {
		case TOOL_OPT_JSON:
			*json = true;
			break;
		case 'h':
			return RT_HELP;
		default:
			return tool_bad_option(command, opt, argv);
		}
	}
	return RT_EXIT_OK;
}

int tool_option_wait(struct rawtune_ctx *ctx, const char *command, const char *arg)
{
	unsigned int seconds;

	if (!tool_parse_number(arg, 0, 86400, &seconds))
		return tool_usage_error(command, "bad --wait '%s': give seconds, 0 to 86400",
					tool_shown(arg));
	rawtune_set_lock_wait(ctx, seconds);
	return 0;
}

int tool_operand(const char *command, int argc, char *argv[], const char *what,
		 const char **operand)
{
	int allowed = operand ? 1 : 0;

	if (operand)
		*operand = optind < argc ? argv[optind] : NULL;
	if (operand && !*operand && what)
		return tool_usage_error(command, "%s", what);
	if (optind + allowed < argc)
		return tool_usage_error(command, "unexpected argument '%s'",
					tool_shown(argv[optind + allowed]));
	return 0;
}

int tool_input_error(struct rawtune_ctx *ctx, const char *what, int err)
{
	/* the message names the user's words already: "bad port '0' ..." */
	if (err == -EINVAL) {
		tool_error("%s", rawtune_last_error(ctx));
		return RT_EXIT_USAGE;
	}
	return tool_lib_error(ctx, what, err);
}

/* Edits from @a to @b, letters compared without case; names are short. */
static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[RAWTUNE_PROFILE_NAME_MAX + 2];
	size_t n = strlen(b);

	if (n > RAWTUNE_PROFILE_NAME_MAX)
		return UINT_MAX;
	for (size_t j = 0; j <= n; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; a[i - 1]; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= n; j++) {
			unsigned int up = row[j], best = diag;

			if (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]))
				best++;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[n];
}

/* The profile whose name is closest to @name: the same but for case, or a typo or two. */
static const char *closest_profile(const struct rawtune_profile_list *list, const char *name,
				   char *buf, size_t len)
{
	size_t n = strlen(name);
	unsigned int best = 3; /* two edits at most, and fewer than the name has letters */

	buf[0] = '\0';
	if (n > RAWTUNE_PROFILE_NAME_MAX)
		return NULL;
	if (n < best)
		best = (unsigned int)n;
	for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++) {
		const struct rawtune_profile *p = rawtune_profile_list_get(list, i);
		const char *candidate = rawtune_profile_get_name(p);
		unsigned int d = edit_distance(name, candidate);

		if (d < best) {
			best = d;
			snprintf(buf, len, "%s", candidate);
		}
	}
	return buf[0] ? buf : NULL;
}

/*
 * The library's "unknown profile" line, and where to look: the names there
 * are, and the one the user probably meant. A profile file that does not
 * parse costs only the guess.
 */
static int unknown_profile(struct rawtune_ctx *ctx, const char *name)
{
	char message[512]; /* the library's, before reading the list replaces it */
	char guess[RAWTUNE_PROFILE_NAME_MAX + 1];
	struct rawtune_profile_list *list;

	snprintf(message, sizeof(message), "%s", rawtune_last_error(ctx));
	if (rawtune_profile_list_read(ctx, &list) == 0) {
		if (closest_profile(list, name, guess, sizeof(guess))) {
			tool_error("%s: did you mean '%s'? ('rawtune profiles' lists them)",
				   message, guess);
			rawtune_profile_list_free(list);
			return RT_EXIT_USAGE;
		}
		rawtune_profile_list_free(list);
	}
	tool_error("%s: 'rawtune profiles' lists them", message);
	return RT_EXIT_USAGE;
}

int tool_profile_load(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **p)
{
	int err = rawtune_profile_load(ctx, name, p);

	if (err == 0)
		return RT_EXIT_OK;
	/* an unknown profile is a mistyped name, not a failure */
	if (err == -ENOENT)
		return unknown_profile(ctx, name);
	return tool_input_error(ctx, name, err);
}

const char *tool_rules(unsigned int n)
{
	return n == 1 ? "rule" : "rules";
}

const char *tool_families(unsigned int families)
{
	switch (families & RAWTUNE_FAMILY_BOTH) {
	case RAWTUNE_FAMILY_IPV4:
		return "ipv4";
	case RAWTUNE_FAMILY_IPV6:
		return "ipv6";
	default:
		return "ipv4+ipv6";
	}
}

bool tool_parse_number(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* The library's notices and warnings, in the tool's own voice. */
static void log_tool(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	/* an error logged on the way (a failed undo) is worse than a warning */
	if (priority <= LOG_ERR)
		message("rawtune: error: ", format, args);
	else
		message(priority == LOG_WARNING ? "rawtune: warning: " : "rawtune: ", format, args);
}

/*
 * Output that did not reach its file or pipe (a full disk, a closed pipe)
 * is a failure: a script reading --json must not take half a text for all.
 */
static int stdout_close(int status)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_error("cannot write the output: %s", errno ? strerror(errno) : "I/O error");
		return RT_EXIT_FAILURE;
	}
	return status;
}

/*
 * --netns NAME: run in the network namespace that "ip netns add NAME" made,
 * as "ip -n NAME" does, before anything reads or writes a table. Returns 0,
 * or an exit status after the error.
 */
static int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(name) > NAME_MAX)
		return tool_usage_error(NULL, "bad --netns '%s': the name of a namespace in "
					"/run/netns, as 'ip netns list' shows",
					tool_shown(name));
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tool_error("--netns %s: cannot open %s: %s%s", tool_shown(name), path,
			   strerror(errno), errno == ENOENT ? " (see 'ip netns list')" : "");
		return RT_EXIT_FAILURE;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		tool_error("--netns %s: cannot enter it: %s%s", tool_shown(name),
			   strerror(errno), errno == EPERM ? " (you must be root)" : "");
		close(fd);
		return RT_EXIT_FAILURE;
	}
	close(fd);
	return 0;
}

/*
 * Take "--OPTION VALUE" (or "--OPTION=VALUE") out of the arguments, wherever
 * it is up to a "--", so that every command has it without parsing it: the
 * global options, --netns and --backend, act before the command runs.
 * *@value is NULL without it. Returns 0 or an exit status.
 */
static int global_option(int *argc, char *argv[], const char *option, const char **value)
{
	size_t len = strlen(option);
	int out = 1;

	*value = NULL;
	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strncmp(argv[i], option, len) == 0 && argv[i][len] == '=')
			v = argv[i] + len + 1;
		else if (strcmp(argv[i], option) == 0 && i + 1 < *argc)
			v = argv[++i];
		else if (strcmp(argv[i], option) == 0)
			return tool_usage_error(NULL, "option '%s' needs a value", option);
		if (!v) {
			argv[out++] = argv[i];
			continue;
		}
		if (*value)
			return tool_usage_error(NULL, "%s given twice", option);
		*value = v;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

/*
 * --backend legacy|nft|auto: checked before anything runs, so that a bad
 * one changes nothing. One line: the accepted values are the whole hint.
 */
static int backend_option(const char *name, int *backend)
{
	enum rawtune_backend b = RAWTUNE_BACKEND_AUTO;

	if (!name || rawtune_backend_parse(name, &b) == 0) {
		*backend = (int)b;
		return 0;
	}
	tool_error("bad --backend '%s': expected legacy, nft or auto", tool_shown(name));
	return RT_EXIT_USAGE;
}

static const struct rt_command *command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* "rawtune --help", and "rawtune help CMD" as "rawtune CMD --help" */
static int help(int argc, char *argv[])
{
	const struct rt_command *cmd;

	if (argc > 2) {
		cmd = command_find(argv[2]);
		if (!cmd)
			return tool_usage_error(NULL, "unknown command '%s'", tool_shown(argv[2]));
		fputs(cmd->usage, stdout);
		return RT_EXIT_OK;
	}
	printf("Usage: rawtune COMMAND [OPTIONS]\n"
	       "Keep traffic that needs no connection tracking out of the conntrack table.\n"
	       "\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-8s  %s\n", commands[i].name, commands[i].help);
	printf("\nOptions:\n"
	       "  --netns NAME   run in the network namespace NAME of 'ip netns' (any\n"
	       "                 command, before or after it)\n"
	       "  --backend legacy|nft|auto\n"
	       "                 where rawtune's rules go: the legacy iptables tables or\n"
	       "                 nf_tables (default auto: BACKENDS in rawtune(8))\n"
	       "  -h, --help     show this help\n"
	       "  -V, --version  show the version\n"
	       "\n'rawtune COMMAND --help' explains a command. See rawtune(8).\n");
	return RT_EXIT_OK;
}

static int run(const struct rt_command *cmd, int backend, int argc, char *argv[])
{
	struct rawtune_ctx *ctx;
	int err, status;

	err = rawtune_new(&ctx);
	if (err < 0) {
		tool_error("cannot start: %s", strerror(-err));
		return RT_EXIT_FAILURE;
	}
	rawtune_set_log_fn(ctx, log_tool, NULL);
	/* auto: as without the option, RAWTUNE_BACKEND and the boot file still count */
	if (backend != RAWTUNE_BACKEND_AUTO)
		rawtune_set_backend(ctx, (enum rawtune_backend)backend);
	if (!getenv("RAWTUNE_LOG"))
		rawtune_set_log_priority(ctx, LOG_NOTICE);
	status = cmd->run(ctx, argc, argv);
	rawtune_unref(ctx);
	if (status == RT_HELP) {
		fputs(cmd->usage, stdout);
		status = RT_EXIT_OK;
	}
	return status;
}

int main(int argc, char *argv[])
{
	const struct rt_command *cmd;
	const char *backend_name;
	int status, backend;

	status = global_option(&argc, argv, "--netns", &tool_netns);
	if (status == 0)
		status = global_option(&argc, argv, "--backend", &backend_name);
	if (status == 0)
		status = backend_option(backend_name, &backend);
	if (status)
		return status;
	if (tool_netns) {
		status = netns_enter(tool_netns);
		if (status)
			return status;
	}
	if (argc < 2)
		return tool_usage_error(NULL, "no command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return stdout_close(help(argc, argv));
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("rawtune %s\n", PACKAGE_VERSION);
		return stdout_close(RT_EXIT_OK);
	}
	cmd = command_find(argv[1]);
	if (cmd)
		return stdout_close(run(cmd, backend, argc - 1, argv + 1));
	if (argv[1][0] == '-')
		return tool_usage_error(NULL, "unknown option '%s'", tool_shown(argv[1]));
	return tool_usage_error(NULL, "unknown command '%s'", tool_shown(argv[1]));
}
