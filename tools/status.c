// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune status [--json]: the applied profiles and their rules, read from the kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tools/tool.h"

const char status_usage[] =
	"Usage: rawtune status [PROFILE] [--json]\n"
	"Show each applied profile (or PROFILE) with its rules, as iptables-save writes\n"
	"them, and each rule's packet and byte counters, read from the kernel's legacy\n"
	"tables; then plan each profile again against the firewall as it is now and\n"
	"say where the kernel differs (drift: a firewall reload took its twins away, say).\n"
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

/*
 * Rules tagged with a name no profile can have were not written by rawtune:
 * listed, never planned, and no failure of status.
 */
#define RT_NOT_OURS 2

static void check(struct rawtune_ctx *ctx, const char *profile, struct drift *d)
{
	d->state = rawtune_profile_check(ctx, profile);
	snprintf(d->why, sizeof(d->why), "%s", d->state ? rawtune_last_error(ctx) : "");
	if (d->state == -EINVAL) {
		d->state = RT_NOT_OURS;
		snprintf(d->why, sizeof(d->why), "not a profile's name: rules tagged by hand");
	}
}

static void print_profile(struct rawtune_ctx *ctx, const struct rawtune_rules *rules,
			  const char *profile, int *status)
{
	unsigned int count, families = profile_families(rules, profile, &count);
	struct drift d;

	check(ctx, profile, &d);
	printf("%s: %s, %s, %u %s\n", profile,
	       d.state == 1 ? "DRIFT" : d.state == RT_NOT_OURS ? "unknown" : "applied",
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
		printf("  %s %-6s %10" PRIu64 " pkts %12" PRIu64 " bytes  %s\n",
		       rule_family(rules, i), rawtune_rules_get_table(rules, i),
		       rawtune_rules_get_packets(rules, i), rawtune_rules_get_bytes(rules, i),
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

/*
 * The profile's counters summed as "stats" and the Prometheus file sum them:
 * the count rules left out of packets and bytes, saved from the rules that
 * count new flows.
 */
static void json_counters(struct json *j, const struct rawtune_rules *rules,
			  const char *profile)
{
	uint64_t packets = 0, bytes = 0, saved = 0;

	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_of(rules, i, profile))
			continue;
		if (rawtune_rules_get_saved(rules, i))
			saved += rawtune_rules_get_packets(rules, i);
		if (rawtune_rules_get_count_only(rules, i))
			continue;
		packets += rawtune_rules_get_packets(rules, i);
		bytes += rawtune_rules_get_bytes(rules, i);
	}
	json_uint(j, "packets", packets);
	json_uint(j, "bytes", bytes);
	json_uint(j, "saved", saved);
}

/* When apply made the rules, in UTC: "2026-12-03T16:14:46Z", null when unknown. */
static void json_applied_at(struct json *j, const struct rawtune_saved *saved,
			    const char *profile)
{
	char when[32];
	struct tm tm;

	for (unsigned int i = 0; saved && i < rawtune_saved_count(saved); i++) {
		time_t t = (time_t)rawtune_saved_get_applied(saved, i);

		if (strcmp(rawtune_saved_get_profile(saved, i), profile) != 0 || t < 0)
			continue;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		json_string(j, "applied_at", when);
		return;
	}
	json_null(j, "applied_at");
}

/*
 * What the rules untrack, in the members and types of "profiles --json":
 * the fields a program wants without parsing rule text.
 */
static void json_applied_as(struct rawtune_ctx *ctx, struct json *j,
			    const struct rawtune_rules *rules, const char *profile)
{
	struct rawtune_profile *p;
	char protos[16];

	if (rawtune_rules_get_applied(ctx, rules, profile, &p) < 0) {
		json_null(j, "ports");
		json_null(j, "protocols");
		json_null(j, "direction");
		json_null(j, "family");
		json_null(j, "forward");
		return;
	}
	json_string(j, "ports", rawtune_profile_get_ports(p));
	tool_protos_text(rawtune_profile_get_protocols(p), ",", protos, sizeof(protos));
	json_string_list(j, "protocols", protos);
	json_string(j, "direction", tool_direction_name(rawtune_profile_get_direction(p)));
	json_string(j, "family", tool_family_name(rawtune_profile_get_families(p)));
	json_bool(j, "forward", rawtune_profile_get_forward(p));
	rawtune_profile_unref(p);
}

static void json_profile(struct rawtune_ctx *ctx, struct json *j,
			 const struct rawtune_rules *rules, const struct rawtune_saved *saved,
			 const char *profile, int *status)
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
	json_applied_as(ctx, j, rules, profile);
	json_applied_at(j, saved, profile);
	json_counters(j, rules, profile);
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
	struct rawtune_saved *saved = NULL;
	int status = RT_EXIT_OK;
	struct json j;

	/* only for the times of apply: without them, applied_at is null */
	if (rawtune_saved_read(ctx, &saved) < 0)
		saved = NULL;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "profiles");
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (wanted(rules, i, only))
			json_profile(ctx, &j, rules, saved, rawtune_rules_get_profile(rules, i),
				     &status);
	json_array_end(&j);
	json_object_end(&j);
	rawtune_saved_free(saved);
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
