// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune apply PROFILE [--port LIST] [-4|-6] [--wait SECONDS] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"

static void apply_help(void)
{
	printf("Usage: rawtune apply PROFILE [--port LIST] [-4|-6] [--wait SECONDS]\n"
	       "Install the profile's rules: NOTRACK in the raw table and the matching\n"
	       "UNTRACKED accepts in the filter table. Applying again with other ports\n"
	       "replaces the profile's rules; applying the same profile twice changes nothing.\n"
	       "\n"
	       "  -p, --port LIST     untrack these ports instead of the profile's own:\n"
	       "                      80, 80,443 or 8000-8100 (1-65535)\n"
	       "  -4, --ipv4          IPv4 only (the profile's IPv6 rules are removed)\n"
	       "  -6, --ipv6          IPv6 only (the profile's IPv4 rules are removed)\n"
	       "  -w, --wait SECONDS  wait at most this long for the xtables lock (default 30)\n"
	       "  -h, --help          show this help\n"
	       "\nBuilt-in profiles: web (tcp 80,443).\n");
}

static int apply_profile(struct rawtune_ctx *ctx, struct rawtune_profile *p)
{
	unsigned int added = 0, removed = 0;
	const char *name = rawtune_profile_get_name(p);
	const char *fams = tool_families(rawtune_profile_get_families(p));
	int err = rawtune_profile_apply(ctx, p, &added, &removed);

	if (err < 0)
		return tool_lib_error(ctx, name, err);
	if (!added && !removed)
		printf("%s: already applied (%s), nothing changed\n", name, fams);
	else if (!removed)
		printf("%s: %u %s added, %s\n", name, added, tool_rules(added), fams);
	else
		printf("%s: %u %s added, %u removed, %s\n", name, added, tool_rules(added), removed,
		       fams);
	return RT_EXIT_OK;
}

int cmd_apply(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' }, { "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },       { "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },       { 0 },
	};
	struct rawtune_profile *p = NULL;
	const char *ports = NULL;
	unsigned int families = 0, wait;
	int opt, err, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:46w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			ports = optarg;
			break;
		case '4':
		case '6':
			families |= opt == '4' ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6;
			break;
		case 'w':
			if (!tool_parse_seconds(optarg, &wait))
				return tool_usage_error("apply", "bad --wait '%s': give seconds, 0 to 86400",
							optarg);
			rawtune_set_lock_wait(ctx, wait);
			break;
		case 'h':
			apply_help();
			return RT_EXIT_OK;
		default:
			return tool_bad_option("apply", opt, argv);
		}
	}
	if (families == RAWTUNE_FAMILY_BOTH)
		return tool_usage_error("apply", "-4 and -6 exclude each other (give neither for both)");
	if (optind >= argc)
		return tool_usage_error("apply", "which profile? (e.g. rawtune apply web)");
	if (optind + 1 < argc)
		return tool_usage_error("apply", "unexpected argument '%s'", argv[optind + 1]);

	err = rawtune_profile_load(ctx, argv[optind], &p);
	if (err == 0 && ports)
		err = rawtune_profile_set_ports(p, ports);
	if (err == 0 && families)
		err = rawtune_profile_set_families(p, families);
	if (err < 0) {
		tool_error("%s", rawtune_last_error(ctx));
		rawtune_profile_unref(p);
		return RT_EXIT_USAGE;
	}
	status = apply_profile(ctx, p);
	rawtune_profile_unref(p);
	return status;
}
