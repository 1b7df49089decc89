// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune status [--json]: the applied profiles and their rules, read from the kernel. */
#include <inttypes.h>
#include <string.h>

#include "tools/tool.h"

const char status_usage[] =
	"Usage: rawtune status [--json]\n"
	"Show each applied profile with its rules, as iptables-save writes them, and\n"
	"each rule's packet counter. Read from the kernel's legacy tables.\n"
	"\n" TOOL_HELP_JSON TOOL_HELP_HELP;

static bool rule_of(const struct rawtune_rules *rules, unsigned int i, const char *profile)
{
	return strcmp(rawtune_rules_get_profile(rules, i), profile) == 0;
}

/* Was the profile of rule @i already shown? Profiles go in the order of their first rule. */
static bool seen_before(const struct rawtune_rules *rules, unsigned int i)
{
	for (unsigned int j = 0; j < i; j++)
		if (rule_of(rules, j, rawtune_rules_get_profile(rules, i)))
			return true;
	return false;
}

static unsigned int profile_families(const struct rawtune_rules *rules, const char *profile,
				     unsigned int *count)
{
	unsigned int families = 0;

	*count = 0;
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_of(rules, i, profile))
			continue;
		(*count)++;
		families |= rawtune_rules_get_family(rules, i);
	}
	return families;
}

static const char *rule_family(const struct rawtune_rules *rules, unsigned int i)
{
	return tool_families(rawtune_rules_get_family(rules, i));
}

static void print_profile(const struct rawtune_rules *rules, const char *profile)
{
	unsigned int count, families = profile_families(rules, profile, &count);

	printf("%s: applied, %s, %u %s\n", profile, tool_families(families), count,
	       tool_rules(count));
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_of(rules, i, profile))
			continue;
		printf("  %s %-6s %10" PRIu64 " pkts  %s\n", rule_family(rules, i),
		       rawtune_rules_get_table(rules, i), rawtune_rules_get_packets(rules, i),
		       rawtune_rules_get_text(rules, i));
	}
}

static void print_people(const struct rawtune_rules *rules)
{
	unsigned int n = rawtune_rules_count(rules);

	if (n == 0)
		printf("no profile applied\n");
	for (unsigned int i = 0; i < n; i++)
		if (!seen_before(rules, i))
			print_profile(rules, rawtune_rules_get_profile(rules, i));
}

static void json_profile(struct json *j, const struct rawtune_rules *rules, const char *profile)
{
	unsigned int count, families = profile_families(rules, profile, &count);

	json_object_begin(j, NULL);
	json_string(j, "name", profile);
	json_array_begin(j, "families");
	if (families & RAWTUNE_FAMILY_IPV4)
		json_string(j, NULL, "ipv4");
	if (families & RAWTUNE_FAMILY_IPV6)
		json_string(j, NULL, "ipv6");
	json_array_end(j);
	json_array_begin(j, "rules");
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_of(rules, i, profile))
			continue;
		json_object_begin(j, NULL);
		json_string(j, "family", rule_family(rules, i));
		json_string(j, "table", rawtune_rules_get_table(rules, i));
		json_string(j, "rule", rawtune_rules_get_text(rules, i));
		json_uint(j, "packets", rawtune_rules_get_packets(rules, i));
		json_uint(j, "bytes", rawtune_rules_get_bytes(rules, i));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void print_json(const struct rawtune_rules *rules)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "profiles");
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (!seen_before(rules, i))
			json_profile(&j, rules, rawtune_rules_get_profile(rules, i));
	json_array_end(&j);
	json_object_end(&j);
}

int cmd_status(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct rawtune_rules *rules;
	bool json = false;
	int err, status;

	status = tool_json_options("status", argc, argv, &json);
	if (status == RT_EXIT_OK)
		status = tool_operand("status", argc, argv, NULL, NULL);
	if (status)
		return status;
	err = rawtune_rules_read(ctx, &rules);
	if (err < 0)
		return tool_lib_error(ctx, "status", err);
	if (json)
		print_json(rules);
	else
		print_people(rules);
	rawtune_rules_free(rules);
	return RT_EXIT_OK;
}
