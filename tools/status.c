// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune status [--json]: the applied profiles and their rules, read from the kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/tool.h"

const char status_usage[] =
	"Usage: rawtune status [PROFILE] [--json]\n"
	"Show each applied profile (or PROFILE) with its rules, as iptables-save writes\n"
	"them, and each rule's packet counter, read from the kernel's legacy tables;\n"
	"then plan each profile again against the firewall as it is now and say where\n"
	"the kernel differs (drift: a firewall reload took its twins away, say).\n"
	"Exit status: 0 all as planned, 3 drift, 4 PROFILE not applied, 1 error.\n"
	"\n" TOOL_HELP_JSON TOOL_HELP_HELP;

#define RT_EXIT_DRIFT 3
#define RT_EXIT_NOT_APPLIED 4

/* What rawtune_profile_check() said of one profile. */
struct drift {
	int state; /* 0 as planned, 1 drift, negative errno */
	char why[512];
};

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

static void check(struct rawtune_ctx *ctx, const char *profile, struct drift *d)
{
	d->state = rawtune_profile_check(ctx, profile);
	snprintf(d->why, sizeof(d->why), "%s", d->state ? rawtune_last_error(ctx) : "");
}

static void print_profile(struct rawtune_ctx *ctx, const struct rawtune_rules *rules,
			  const char *profile, int *status)
{
	unsigned int count, families = profile_families(rules, profile, &count);
	struct drift d;

	check(ctx, profile, &d);
	printf("%s: %s, %s, %u %s\n", tool_shown(profile), d.state == 1 ? "DRIFT" : "applied",
	       tool_families(families), count, tool_rules(count));
	if (d.state == 1) {
		printf("  drift: %s; 'rawtune apply' repairs it\n", d.why);
		*status = RT_EXIT_DRIFT;
	} else if (d.state < 0) {
		tool_error("status: %s", d.why);
		*status = RT_EXIT_FAILURE;
	}
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_of(rules, i, profile))
			continue;
		printf("  %s %-6s %10" PRIu64 " pkts  %s\n", rule_family(rules, i),
		       rawtune_rules_get_table(rules, i), rawtune_rules_get_packets(rules, i),
		       rawtune_rules_get_text(rules, i));
	}
}

/* Only @only's rules, when given. */
static bool wanted(const struct rawtune_rules *rules, unsigned int i, const char *only)
{
	return !seen_before(rules, i) && (!only || rule_of(rules, i, only));
}

static int print_people(struct rawtune_ctx *ctx, const struct rawtune_rules *rules,
			const char *only)
{
	unsigned int n = rawtune_rules_count(rules);
	int status = RT_EXIT_OK;

	if (n == 0 && !only)
		printf("no profile applied\n");
	for (unsigned int i = 0; i < n; i++)
		if (wanted(rules, i, only))
			print_profile(ctx, rules, rawtune_rules_get_profile(rules, i), &status);
	return status;
}

static void json_profile(struct rawtune_ctx *ctx, struct json *j,
			 const struct rawtune_rules *rules, const char *profile, int *status)
{
	unsigned int count, families = profile_families(rules, profile, &count);
	struct drift d;

	check(ctx, profile, &d);
	if (d.state == 1)
		*status = RT_EXIT_DRIFT;
	else if (d.state < 0)
		*status = RT_EXIT_FAILURE;
	json_object_begin(j, NULL);
	json_string(j, "name", profile);
	json_string(j, "state", d.state == 1 ? "drift" : d.state == 0 ? "applied" : "unknown");
	if (d.state)
		json_string(j, "drift", d.why);
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

static int print_json(struct rawtune_ctx *ctx, const struct rawtune_rules *rules,
		      const char *only)
{
	int status = RT_EXIT_OK;
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "profiles");
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (wanted(rules, i, only))
			json_profile(ctx, &j, rules, rawtune_rules_get_profile(rules, i), &status);
	json_array_end(&j);
	json_object_end(&j);
	return status;
}

static bool applied(const struct rawtune_rules *rules, const char *profile)
{
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (rule_of(rules, i, profile))
			return true;
	return false;
}

int cmd_status(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct rawtune_rules *rules;
	const char *only = NULL;
	bool json = false;
	int err, status;

	status = tool_json_options("status", argc, argv, &json);
	if (status == RT_EXIT_OK)
		status = tool_operand("status", argc, argv, NULL, &only);
	if (status)
		return status;
	err = rawtune_rules_read(ctx, &rules);
	if (err < 0)
		return tool_lib_error(ctx, "status", err);
	/* a name that no profile may have is bad input, as for apply and remove */
	if (only && rawtune_profile_check(ctx, only) == -EINVAL) {
		rawtune_rules_free(rules);
		return tool_input_error(ctx, "status", -EINVAL);
	}
	if (only && !applied(rules, only)) {
		rawtune_rules_free(rules);
		tool_error("%s: not applied", tool_shown(only));
		return RT_EXIT_NOT_APPLIED;
	}
	status = json ? print_json(ctx, rules, only) : print_people(ctx, rules, only);
	rawtune_rules_free(rules);
	return status;
}
