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
	"Say which backend this namespace uses (legacy iptables tables or nf_tables)\n"
	"and why; show each profile applied there (or PROFILE) with its rules, as\n"
	"iptables-save or nft writes them, and each rule's packet and byte counters;\n"
	"then plan each profile again against the firewall as it is now and say where\n"
	"the kernel differs (drift: a firewall reload took its twins away, say). Rules\n"
	"left in the other backend are listed with the command that removes them.\n"
	"Exit status: 0 all as planned, 3 drift or rules left in the other backend,\n"
	"4 PROFILE not applied, 1 error.\n"
	"\n" TOOL_HELP_JSON TOOL_HELP_HELP;

#define RT_EXIT_DRIFT 3
#define RT_EXIT_NOT_APPLIED 4

/*
 * The rules status shows: the profiles in the backend this namespace uses,
 * and the rules left in the other one (after a switch, say).
 */
struct view {
	const struct rawtune_rules *rules;
	enum rawtune_backend backend; /* LEGACY or NFT: in use */
	const char *why;  /* rawtune_backend_choose()'s reason */
	const char *only; /* PROFILE, or NULL for all */
};

/* A failure outweighs drift, drift outweighs all as planned. */
static void worse(int *status, int now)
{
	if (*status != RT_EXIT_FAILURE)
		*status = now;
}

/* What rawtune_profile_check() said of one profile. */
struct drift {
	int state; /* 0 as planned, 1 drift, negative errno */
	char why[512];
};

static bool rule_of(const struct rawtune_rules *rules, unsigned int i, const char *profile)
{
	return strcmp(rawtune_rules_get_profile(rules, i), profile) == 0;
}

/* Rule @i is @profile's in @backend. */
static bool rule_in(const struct rawtune_rules *rules, unsigned int i, const char *profile,
		    int backend)
{
	return (int)rawtune_rules_get_backend(rules, i) == backend && rule_of(rules, i, profile);
}

/*
 * Was the profile of rule @i, in its backend, already shown? Profiles go in
 * the order of their first rule.
 */
static bool seen_before(const struct rawtune_rules *rules, unsigned int i)
{
	for (unsigned int j = 0; j < i; j++)
		if (rule_in(rules, j, rawtune_rules_get_profile(rules, i),
			    (int)rawtune_rules_get_backend(rules, i)))
			return true;
	return false;
}

static unsigned int profile_families(const struct rawtune_rules *rules, const char *profile,
				     int backend, unsigned int *count)
{
	unsigned int families = 0;

	*count = 0;
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_in(rules, i, profile, backend))
			continue;
		(*count)++;
		families |= rawtune_rules_get_family(rules, i);
	}
	return families;
}

/* The other backend than the one in use: where rules are left over. */
static int other_backend(int backend)
{
	return backend == RAWTUNE_BACKEND_NFT ? RAWTUNE_BACKEND_LEGACY : RAWTUNE_BACKEND_NFT;
}

/* The first rule of each profile to show (@backend's), or of each left in the other. */
static bool wanted(const struct view *v, unsigned int i, int backend)
{
	return (int)rawtune_rules_get_backend(v->rules, i) == backend &&
	       !seen_before(v->rules, i) && (!v->only || rule_of(v->rules, i, v->only));
}

/* The command that removes @profile's rules from @backend, as the user would type it. */
static const char *remove_command(int backend, const char *profile, char *buf, size_t len)
{
	snprintf(buf, len, "rawtune %s%s%s--backend %s remove %s", tool_netns ? "--netns " : "",
		 tool_netns ? tool_netns : "", tool_netns ? " " : "",
		 rawtune_backend_name(backend), profile);
	return buf;
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

static void print_rules(const struct rawtune_rules *rules, const char *profile, int backend)
{
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_in(rules, i, profile, backend))
			continue;
		printf("  %s %-6s %10" PRIu64 " pkts %12" PRIu64 " bytes  %s\n",
		       rule_family(rules, i), rawtune_rules_get_table(rules, i),
		       rawtune_rules_get_packets(rules, i), rawtune_rules_get_bytes(rules, i),
		       rawtune_rules_get_text(rules, i));
	}
}

static void print_profile(struct rawtune_ctx *ctx, const struct view *v, const char *profile,
			  int *status)
{
	unsigned int count, families = profile_families(v->rules, profile, v->backend, &count);
	struct drift d;

	check(ctx, profile, &d);
	printf("%s: %s, %s, %u %s\n", profile,
	       d.state == 1 ? "DRIFT" : d.state == RT_NOT_OURS ? "unknown" : "applied",
	       tool_families(families), count, tool_rules(count));
	if (d.state == 1) {
		printf("  drift: %s; 'rawtune apply' repairs it\n", d.why);
		worse(status, RT_EXIT_DRIFT);
	} else if (d.state < 0) {
		tool_error("status: %s", d.why);
		*status = RT_EXIT_FAILURE;
	}
	print_rules(v->rules, profile, v->backend);
}

static void print_leftover(const struct view *v, const char *profile, int *status)
{
	int other = other_backend(v->backend);
	unsigned int count;
	char cmd[512];

	profile_families(v->rules, profile, other, &count);
	printf("left in %s: %s, %u %s; '%s' removes them\n", rawtune_backend_name(other),
	       profile, count, tool_rules(count), remove_command(other, profile, cmd, sizeof(cmd)));
	print_rules(v->rules, profile, other);
	worse(status, RT_EXIT_DRIFT);
}

/* Has @profile a rule in either backend? */
static bool in_any(const struct rawtune_rules *rules, const char *profile)
{
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (strcmp(rawtune_rules_get_profile(rules, i), profile) == 0)
			return true;
	return false;
}

/*
 * The profiles applied here on record whose rules are gone from both
 * backends (a reload flushed them): drifted, each, as @show says them.
 */
static unsigned int gone(struct rawtune_ctx *ctx, const struct view *v, int *status,
			 void (*show)(struct rawtune_ctx *ctx, const struct view *v,
				      const char *profile, int *status, void *data),
			 void *data)
{
	struct rawtune_profile_list *list;
	unsigned int shown = 0;

	if (rawtune_profile_list_applied(ctx, &list) < 0)
		return 0;
	for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++) {
		const char *name = rawtune_profile_get_name(rawtune_profile_list_get(list, i));

		if (in_any(v->rules, name) || (v->only && strcmp(v->only, name) != 0))
			continue;
		show(ctx, v, name, status, data);
		shown++;
	}
	rawtune_profile_list_free(list);
	return shown;
}

static void show_text(struct rawtune_ctx *ctx, const struct view *v, const char *profile,
		      int *status, void *data)
{
	print_profile(ctx, v, profile, status);
}

static int print_people(struct rawtune_ctx *ctx, const struct view *v)
{
	unsigned int n = rawtune_rules_count(v->rules), shown = 0;
	int status = RT_EXIT_OK, other = other_backend(v->backend);

	printf("backend: %s (%s)\n", rawtune_backend_name(v->backend), v->why);
	for (unsigned int i = 0; i < n; i++) {
		if (!wanted(v, i, v->backend))
			continue;
		print_profile(ctx, v, rawtune_rules_get_profile(v->rules, i), &status);
		shown++;
	}
	shown += gone(ctx, v, &status, show_text, NULL);
	if (!shown && !v->only)
		printf("no profile applied\n");
	for (unsigned int i = 0; i < n; i++)
		if (wanted(v, i, other))
			print_leftover(v, rawtune_rules_get_profile(v->rules, i), &status);
	return status;
}

/*
 * The profile's counters summed as "stats" and the Prometheus file sum them:
 * the count rules left out of packets and bytes, saved from the rules that
 * count new flows.
 */
static void json_counters(struct json *j, const struct rawtune_rules *rules,
			  const char *profile, int backend)
{
	uint64_t packets = 0, bytes = 0, saved = 0;

	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_in(rules, i, profile, backend))
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

static void json_rules(struct json *j, const struct rawtune_rules *rules, const char *profile,
		       int backend)
{
	json_array_begin(j, "rules");
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		if (!rule_in(rules, i, profile, backend))
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
}

static void json_profile(struct rawtune_ctx *ctx, struct json *j, const struct view *v,
			 const struct rawtune_saved *saved, const char *profile, int *status)
{
	unsigned int count, families = profile_families(v->rules, profile, v->backend, &count);
	struct drift d;

	check(ctx, profile, &d);
	if (d.state == 1)
		worse(status, RT_EXIT_DRIFT);
	else if (d.state < 0)
		*status = RT_EXIT_FAILURE;
	json_object_begin(j, NULL);
	json_string(j, "name", profile);
	json_string(j, "state", d.state == 1 ? "drift" : d.state == 0 ? "applied" : "unknown");
	if (d.state)
		json_string(j, "drift", d.why);
	json_string(j, "backend", rawtune_backend_name(v->backend));
	json_array_begin(j, "families");
	if (families & RAWTUNE_FAMILY_IPV4)
		json_string(j, NULL, "ipv4");
	if (families & RAWTUNE_FAMILY_IPV6)
		json_string(j, NULL, "ipv6");
	json_array_end(j);
	json_applied_as(ctx, j, v->rules, profile);
	json_applied_at(j, saved, profile);
	json_counters(j, v->rules, profile, v->backend);
	json_rules(j, v->rules, profile, v->backend);
	json_object_end(j);
}

static void json_leftover(struct json *j, const struct view *v, const char *profile,
			  int *status)
{
	int other = other_backend(v->backend);
	char cmd[512];

	json_object_begin(j, NULL);
	json_string(j, "profile", profile);
	json_string(j, "backend", rawtune_backend_name(other));
	json_string(j, "remove", remove_command(other, profile, cmd, sizeof(cmd)));
	json_rules(j, v->rules, profile, other);
	json_object_end(j);
	worse(status, RT_EXIT_DRIFT);
}

struct json_gone {
	struct json *j;
	const struct rawtune_saved *saved;
};

static void show_json(struct rawtune_ctx *ctx, const struct view *v, const char *profile,
		      int *status, void *data)
{
	struct json_gone *g = data;

	json_profile(ctx, g->j, v, g->saved, profile, status);
}

static int print_json(struct rawtune_ctx *ctx, const struct view *v)
{
	unsigned int n = rawtune_rules_count(v->rules);
	struct rawtune_saved *saved = NULL;
	int status = RT_EXIT_OK, other = other_backend(v->backend);
	struct json j;

	/* only for the times of apply: without them, applied_at is null */
	if (rawtune_saved_read(ctx, &saved) < 0)
		saved = NULL;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "backend", rawtune_backend_name(v->backend));
	json_string(&j, "backend_reason", v->why);
	json_array_begin(&j, "profiles");
	for (unsigned int i = 0; i < n; i++)
		if (wanted(v, i, v->backend))
			json_profile(ctx, &j, v, saved, rawtune_rules_get_profile(v->rules, i),
				     &status);
	gone(ctx, v, &status, show_json, &(struct json_gone){ &j, saved });
	json_array_end(&j);
	json_array_begin(&j, "leftovers");
	for (unsigned int i = 0; i < n; i++)
		if (wanted(v, i, other))
			json_leftover(&j, v, rawtune_rules_get_profile(v->rules, i), &status);
	json_array_end(&j);
	json_object_end(&j);
	rawtune_saved_free(saved);
	return status;
}

/* Is @profile applied in @backend? */
static bool applied(const struct rawtune_rules *rules, const char *profile, int backend)
{
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (rule_in(rules, i, profile, backend))
			return true;
	return false;
}

/* PROFILE not in the backend in use: say where its rules are, if anywhere. */
static int not_applied(const struct view *v)
{
	int other = other_backend(v->backend);
	char cmd[512];

	if (!applied(v->rules, v->only, other)) {
		tool_error("%s: not applied", tool_shown(v->only));
		return RT_EXIT_NOT_APPLIED;
	}
	tool_error("%s: not applied in %s, the backend in use; its rules are left in %s: "
		   "'%s' removes them",
		   tool_shown(v->only), rawtune_backend_name(v->backend),
		   rawtune_backend_name(other), remove_command(other, v->only, cmd, sizeof(cmd)));
	return RT_EXIT_NOT_APPLIED;
}

int cmd_status(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct rawtune_rules *rules;
	struct view v = { 0 };
	bool json = false;
	int err, status;

	status = tool_json_options("status", argc, argv, &json);
	if (status == RT_EXIT_OK)
		status = tool_operand("status", argc, argv, NULL, &v.only);
	if (status)
		return status;
	/* before the rules: a bad "backend =" in the boot file is said alone */
	err = rawtune_backend_choose(ctx, &v.backend, &v.why);
	if (err < 0)
		return tool_lib_error(ctx, "status", err);
	err = rawtune_rules_read(ctx, &rules);
	if (err < 0)
		return tool_lib_error(ctx, "status", err);
	v.rules = rules;
	/* a name that no profile may have is bad input, as for apply and remove */
	if (v.only && rawtune_profile_check(ctx, v.only) == -EINVAL) {
		rawtune_rules_free(rules);
		return tool_input_error(ctx, "status", -EINVAL);
	}
	/* a profile whose rules a reload flushed is listed as drifted, not as not applied */
	if (v.only && !applied(rules, v.only, v.backend) &&
	    (in_any(rules, v.only) || rawtune_profile_check(ctx, v.only) != 1))
		status = not_applied(&v);
	else
		status = json ? print_json(ctx, &v) : print_people(ctx, &v);
	rawtune_rules_free(rules);
	return status;
}
