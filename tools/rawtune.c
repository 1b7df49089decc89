// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune: the command line, dispatching to one file per subcommand. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "rawtune.h"
#include "tools/tool.h"

static const struct rt_command commands[] = {
	{ "apply", cmd_apply, "install a profile's NOTRACK rules and accepts" },
	{ "remove", cmd_remove, "delete a profile's rules" },
	{ "status", cmd_status, "show the applied profiles, their rules and counters" },
};

void tool_error(const char *format, ...)
{
	va_list args;

	fputs("rawtune: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
}

int tool_usage_error(const char *command, const char *format, ...)
{
	va_list args;

	fputs("rawtune: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fprintf(stderr, "\nTry 'rawtune %s%s--help'.\n", command ? command : "",
		command ? " " : "");
	return RT_EXIT_USAGE;
}

int tool_lib_error(struct rawtune_ctx *ctx, const char *what, int err)
{
	const char *msg = rawtune_last_error(ctx);

	if (msg[0])
		tool_error("%s: %s", what, msg);
	else
		tool_error("%s: %s", what, strerror(-err));
	return RT_EXIT_FAILURE;
}

int tool_bad_option(const char *command, int opt, char *argv[])
{
	const char *arg = argv[optind - 1];

	if (opt == ':')
		return tool_usage_error(command, "option '%s' needs a value", arg);
	if (optopt && strncmp(arg, "--", 2) != 0)
		return tool_usage_error(command, "unknown option '-%c'", optopt);
	return tool_usage_error(command, "unknown option '%s'", arg);
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

bool tool_parse_seconds(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 86400)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* The library's notices and warnings, in the tool's own voice. */
static void log_tool(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	fputs(priority <= LOG_WARNING ? "rawtune: warning: " : "rawtune: ", stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

static void help(FILE *out)
{
	fprintf(out, "Usage: rawtune COMMAND [OPTIONS]\n"
		     "Keep traffic that needs no connection tracking out of the conntrack table.\n"
		     "\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nOptions:\n"
		     "  -h, --help     show this help\n"
		     "  -V, --version  show the version\n"
		     "\n'rawtune COMMAND --help' explains a command. See rawtune(8).\n");
}

int main(int argc, char *argv[])
{
	struct rawtune_ctx *ctx;
	int err, status;

	if (argc < 2)
		return tool_usage_error(NULL, "no command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		help(stdout);
		return RT_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("rawtune %s\n", PACKAGE_VERSION);
		return RT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		err = rawtune_new(&ctx);
		if (err < 0) {
			tool_error("cannot start: %s", strerror(-err));
			return RT_EXIT_FAILURE;
		}
		rawtune_set_log_fn(ctx, log_tool, NULL);
		if (!getenv("RAWTUNE_LOG"))
			rawtune_set_log_priority(ctx, LOG_NOTICE);
		status = commands[i].run(ctx, argc - 1, argv + 1);
		rawtune_unref(ctx);
		return status;
	}
	if (argv[1][0] == '-')
		return tool_usage_error(NULL, "unknown option '%s'", argv[1]);
	return tool_usage_error(NULL, "unknown command '%s'", argv[1]);
}
