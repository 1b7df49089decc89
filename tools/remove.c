// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune remove PROFILE [--wait SECONDS] */
#include <errno.h>
#include <getopt.h>

#include "tools/tool.h"

static void remove_help(void)
{
	printf("Usage: rawtune remove PROFILE [--wait SECONDS]\n"
	       "Delete the profile's rules from the raw and filter tables of both families.\n"
	       "rawtune's chains and the jumps to them go once they are empty; rules that\n"
	       "rawtune did not make stay.\n"
	       "\n"
	       "  -w, --wait SECONDS  wait at most this long for the xtables lock (default 30)\n"
	       "  -h, --help          show this help\n");
}

int cmd_remove(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned int removed = 0, wait;
	const char *name;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (!tool_parse_seconds(optarg, &wait))
				return tool_usage_error("remove",
							"bad --wait '%s': give seconds, 0 to 86400",
							optarg);
			rawtune_set_lock_wait(ctx, wait);
			break;
		case 'h':
			remove_help();
			return RT_EXIT_OK;
		default:
			return tool_bad_option("remove", opt, argv);
		}
	}
	if (optind >= argc)
		return tool_usage_error("remove", "which profile? (e.g. rawtune remove web)");
	if (optind + 1 < argc)
		return tool_usage_error("remove", "unexpected argument '%s'", argv[optind + 1]);
	name = argv[optind];
	err = rawtune_profile_remove(ctx, name, &removed);
	if (err == -EINVAL) {
		tool_error("%s", rawtune_last_error(ctx));
		return RT_EXIT_USAGE;
	}
	if (err < 0)
		return tool_lib_error(ctx, name, err);
	if (removed)
		printf("%s: %u %s removed\n", name, removed, tool_rules(removed));
	else
		printf("%s: not applied, nothing removed\n", name);
	return RT_EXIT_OK;
}
