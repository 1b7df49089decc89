// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune status: the applied profiles and their rules, read from the kernel. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "tools/tool.h"

static void status_help(void)
{
	printf("Usage: rawtune status\n"
	       "Show each applied profile with its rules, as iptables-save writes them, and\n"
	       "each rule's packet counter. Read from the kernel's legacy tables.\n"
	       "\n"
	       "  -h, --help  show this help\n");
}

/* Was the profile of rule @i already printed? */
static bool seen_before(const struct rawtune_rules *rules, unsigned int i)
{
	for (unsigned int j = 0; j < i; j++)
		if (strcmp(rawtune_rules_get_profile(rules, j), rawtune_rules_get_profile(rules, i)) == 0)
			return true;
	return false;
}

static void print_profile(const struct rawtune_rules *rules, const char *profile)
{
	unsigned int n = rawtune_rules_count(rules), count = 0, families = 0;

	for (unsigned int i = 0; i < n; i++)
		if (strcmp(rawtune_rules_get_profile(rules, i), profile) == 0) {
			count++;
			families |= rawtune_rules_get_family(rules, i);
		}
	printf("%s: applied, %s, %u %s\n", profile, tool_families(families), count,
	       tool_rules(count));
	for (unsigned int i = 0; i < n; i++) {
		if (strcmp(rawtune_rules_get_profile(rules, i), profile) != 0)
			continue;
		printf("  %s %-6s %10" PRIu64 " pkts  %s\n",
		       rawtune_rules_get_family(rules, i) == RAWTUNE_FAMILY_IPV4 ? "ipv4" : "ipv6",
		       rawtune_rules_get_table(rules, i), rawtune_rules_get_packets(rules, i),
		       rawtune_rules_get_text(rules, i));
	}
}

int cmd_status(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rawtune_rules *rules;
	unsigned int n;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt != 'h')
			return tool_bad_option("status", opt, argv);
		status_help();
		return RT_EXIT_OK;
	}
	if (optind < argc)
		return tool_usage_error("status", "unexpected argument '%s'", argv[optind]);
	err = rawtune_rules_read(ctx, &rules);
	if (err < 0)
		return tool_lib_error(ctx, "status", err);
	n = rawtune_rules_count(rules);
	if (n == 0)
		printf("no profile applied\n");
	for (unsigned int i = 0; i < n; i++)
		if (!seen_before(rules, i))
			print_profile(rules, rawtune_rules_get_profile(rules, i));
	rawtune_rules_free(rules);
	return RT_EXIT_OK;
}
