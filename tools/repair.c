// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune repair [PROFILE]: what drifted, applied again as it was applied. A
 * firewall's own reload (ufw reload, iptables-restore of a saved file)
 * replaces the filter table and takes the twins away while the notrack rules
 * stay; rawtune-repair.timer runs this every minute.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"

const char repair_usage[] =
	"Usage: rawtune repair [PROFILE] [--wait SECONDS]\n"
	"Check every applied profile (or PROFILE) as 'rawtune status' does, and apply\n"
	"again what drifted, with the ports and families it was applied with. A profile\n"
	"in place is left alone. Exit status: 0 all in place or repaired, 4 PROFILE not\n"
	"applied, 1 a repair failed.\n"
	"\n"
	"  -w, --wait SECONDS    wait at most this long for the xtables lock\n" TOOL_HELP_HELP;

/* One profile; an exit status. */
static int repair_one(struct rawtune_ctx *ctx, const char *name)
{
	unsigned int added, removed;
	int err = rawtune_profile_repair(ctx, name, &added, &removed);

	if (err == -ENOENT) {
		tool_error("%s: not applied", tool_shown(name));
		return 4;
	}
	if (err < 0)
		return tool_lib_error(ctx, name, err);
	if (err == 1)
		printf("%s: repaired, %u %s added, %u removed\n", name, added, tool_rules(added),
		       removed);
	return RT_EXIT_OK;
}

/* Each applied profile once, in the order of its first rule. */
static int repair_all(struct rawtune_ctx *ctx)
{
	struct rawtune_rules *rules;
	int status = RT_EXIT_OK, err = rawtune_rules_read(ctx, &rules);
	unsigned int n;

	if (err < 0)
		return tool_lib_error(ctx, "repair", err);
	n = rawtune_rules_count(rules);
	for (unsigned int i = 0; i < n; i++) {
		const char *name = rawtune_rules_get_profile(rules, i);
		bool seen = false;

		for (unsigned int k = 0; k < i && !seen; k++)
			seen = strcmp(rawtune_rules_get_profile(rules, k), name) == 0;
		if (!seen && repair_one(ctx, name) != RT_EXIT_OK)
			status = RT_EXIT_FAILURE;
	}
	rawtune_rules_free(rules);
	return status;
}

int cmd_repair(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		TOOL_OPTION_WAIT,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	const char *name;
	int opt, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:h", options, NULL)) != -1) {
		if (opt == 'h')
			return RT_HELP;
		if (opt != 'w')
			return tool_bad_option("repair", opt, argv);
		status = tool_option_wait(ctx, "repair", optarg);
		if (status)
			return status;
	}
	status = tool_operand("repair", argc, argv, NULL, &name);
	if (status)
		return status;
	return name ? repair_one(ctx, name) : repair_all(ctx);
}
