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
	"       rawtune repair --follow [--wait SECONDS]\n"
	"Check every applied profile (or PROFILE) as 'rawtune status' does, and apply\n"
	"again what drifted, with the ports and families it was applied with. A profile\n"
	"in place is left alone. Exit status: 0 all in place or repaired, 4 PROFILE not\n"
	"applied, 1 a repair failed.\n"
	"\n"
	"  -f, --follow          keep running: repair at once after each nf_tables commit\n"
	"                        (a reload of nftables.service flushes rawtune's table),\n"
	"                        and every minute for the legacy tables, which say nothing\n"
	"  -w, --wait SECONDS    wait at most this long for the xtables lock\n" TOOL_HELP_HELP;

/* --follow: the legacy tables announce nothing, so look at them this often too */
#define FOLLOW_POLL_MS 60000
/* a reload commits more than once: wait for it to settle before repairing */
#define FOLLOW_SETTLE_MS 300

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

/*
 * The profiles on record whose rules are gone from the kernel: a reload
 * that flushed the ruleset (nftables.service) took them all.
 */
static int repair_gone(struct rawtune_ctx *ctx, const struct rawtune_rules *rules, int status)
{
	struct rawtune_profile_list *list;
	int err = rawtune_profile_list_applied(ctx, &list);

	if (err < 0)
		return tool_lib_error(ctx, "repair", err);
	for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++) {
		const char *name = rawtune_profile_get_name(rawtune_profile_list_get(list, i));
		bool kept = false;

		for (unsigned int k = 0; k < rawtune_rules_count(rules) && !kept; k++)
			kept = strcmp(rawtune_rules_get_profile(rules, k), name) == 0;
		if (!kept && repair_one(ctx, name) != RT_EXIT_OK)
			status = RT_EXIT_FAILURE;
	}
	rawtune_profile_list_free(list);
	return status;
}

/* Each applied profile once, in the order of its first rule, then those whose rules are gone. */
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
	status = repair_gone(ctx, rules, status);
	rawtune_rules_free(rules);
	return status;
}

/*
 * Repair now, then after every nf_tables commit (once it settled) and every
 * minute; a repair's own commit comes back once and finds nothing to do.
 * Runs until killed; a failed repair is said and the watch goes on.
 */
static int follow(struct rawtune_ctx *ctx)
{
	struct rawtune_nft_watch *watch;
	int err = rawtune_nft_watch_open(ctx, &watch);

	if (err < 0)
		return tool_lib_error(ctx, "repair", err);
	for (;;) {
		repair_all(ctx);
		fflush(stdout);
		err = rawtune_nft_watch_wait(watch, FOLLOW_POLL_MS);
		while (err == 1)
			err = rawtune_nft_watch_wait(watch, FOLLOW_SETTLE_MS);
		if (err < 0)
			break;
	}
	rawtune_nft_watch_close(watch);
	tool_error("repair: cannot follow nf_tables' changes: %s", strerror(-err));
	return RT_EXIT_FAILURE;
}

int cmd_repair(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "follow", no_argument, NULL, 'f' },
		TOOL_OPTION_WAIT,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	bool follows = false;
	const char *name;
	int opt, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":fw:h", options, NULL)) != -1) {
		if (opt == 'h')
			return RT_HELP;
		if (opt == 'f') {
			follows = true;
			continue;
		}
		if (opt != 'w')
			return tool_bad_option("repair", opt, argv);
		status = tool_option_wait(ctx, "repair", optarg);
		if (status)
			return status;
	}
	status = tool_operand("repair", argc, argv, NULL, &name);
	if (status)
		return status;
	if (follows && name) {
		tool_error("repair: --follow repairs every profile: give no PROFILE");
		return RT_EXIT_USAGE;
	}
	if (follows)
		return follow(ctx);
	return name ? repair_one(ctx, name) : repair_all(ctx);
}
