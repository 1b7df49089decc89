// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune stats [--json | --prometheus FILE]: occupancy, drop counters and
 * entries saved, one sample.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/sample.h"
#include "tools/tool.h"

const char stats_usage[] =
	"Usage: rawtune stats [--json | --prometheus FILE]\n"
	"Show how full this network namespace's conntrack table is, the kernel's\n"
	"drop counters, and the entries each applied profile saved. Reads counters\n"
	"only (ctnetlink statistics and rule counters): never walks the table.\n"
	"\n" TOOL_HELP_JSON
	"      --prometheus FILE write the numbers to FILE for node_exporter's textfile\n"
	"                        collector, replacing it atomically, and print nothing\n"
	TOOL_HELP_HELP;

/* Long only, as in watch: -p is --port, and -P --proto, in every command. */
enum { STATS_OPT_PROMETHEUS = 0x100 };

static int parse_options(int argc, char *argv[], bool *json, const char **prometheus)
{
	static const struct option options[] = {
		{ "prometheus", required_argument, NULL, STATS_OPT_PROMETHEUS },
		TOOL_OPTION_JSON,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jh", options, NULL)) != -1) {
		switch (opt) {
		case STATS_OPT_PROMETHEUS:
			if (!optarg[0])
				return tool_usage_error("stats",
							"--prometheus needs a file name");
			*prometheus = optarg;
			break;
		case TOOL_OPT_JSON:
			*json = true;
			break;
		case 'h':
			return RT_HELP;
		default:
			return tool_bad_option("stats", opt, argv);
		}
	}
	/* one output: a timer's run writes the file and nothing else */
	if (*json && *prometheus)
		return tool_usage_error("stats", "--json and --prometheus exclude each other");
	return tool_operand("stats", argc, argv, NULL, NULL);
}

/* The counters in the order people read them: what says "the table is full" first. */
static const unsigned int shown[] = {
	RAWTUNE_CT_STAT_DROP,		RAWTUNE_CT_STAT_EARLY_DROP,
	RAWTUNE_CT_STAT_INSERT_FAILED,	RAWTUNE_CT_STAT_INVALID,
	RAWTUNE_CT_STAT_SEARCH_RESTART, RAWTUNE_CT_STAT_FOUND,
	RAWTUNE_CT_STAT_INSERT,		RAWTUNE_CT_STAT_ERROR,
	RAWTUNE_CT_STAT_CLASH_RESOLVE,	RAWTUNE_CT_STAT_CHAIN_TOOLONG,
};

static const char *const notes[RAWTUNE_CT_STAT_COUNT] = {
	[RAWTUNE_CT_STAT_DROP] = "packets dropped: table full",
	[RAWTUNE_CT_STAT_EARLY_DROP] = "entries evicted to make room",
	[RAWTUNE_CT_STAT_INSERT_FAILED] = "clashes, not lack of room",
};

static void print_people(const struct tool_sample *s)
{
	unsigned int fill = tool_sample_fill(s);
	char age[32];

	printf("%-16s %" PRIu64 " of %" PRIu64 " (%u.%u%% full)\n", "entries",
	       s->stat[RAWTUNE_CT_STAT_ENTRIES], s->stat[RAWTUNE_CT_STAT_MAX], fill / 10,
	       fill % 10);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		uint64_t v = s->stat[shown[i]];

		if (v == RAWTUNE_CT_STAT_UNKNOWN)
			continue;
		if (notes[shown[i]])
			printf("%-16s %-12" PRIu64 "  %s\n",
			       rawtune_ct_stat_name(shown[i]), v, notes[shown[i]]);
		else
			printf("%-16s %" PRIu64 "\n", rawtune_ct_stat_name(shown[i]), v);
	}
	printf("%-16s %" PRIu64 "%s\n", "saved", tool_sample_saved(s),
	       rawtune_saved_count(s->saved) ? "" : "  (no profile applied)");
	for (unsigned int i = 0; i < rawtune_saved_count(s->saved); i++) {
		int64_t seconds = tool_sample_age(s, i);

		uint64_t n = rawtune_saved_get_entries(s->saved, i);

		/* "web 31 in 17s" read like a time to come: say it was the past */
		if (seconds < 0) {
			snprintf(age, sizeof(age), "since an unknown time");
		} else {
			strcpy(age, "over the last ");
			tool_duration(seconds, age + strlen(age), sizeof(age) - strlen(age));
		}
		printf("  %s: %" PRIu64 " %s saved %s\n",
		       rawtune_saved_get_profile(s->saved, i), n,
		       n == 1 ? "entry" : "entries", age);
	}
}

static void print_json(const struct tool_sample *s)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	for (unsigned int i = 0; i < RAWTUNE_CT_STAT_COUNT; i++) {
		if (s->stat[i] == RAWTUNE_CT_STAT_UNKNOWN)
			json_null(&j, rawtune_ct_stat_name(i));
		else
			json_uint(&j, rawtune_ct_stat_name(i), s->stat[i]);
	}
	tool_json_saved(&j, s);
	json_object_end(&j);
}

int cmd_stats(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	const char *prometheus = NULL;
	struct prom_metrics m = { 0 };
	struct tool_sample s;
	bool json = false;
	int status;

	status = parse_options(argc, argv, &json, &prometheus);
	if (status)
		return status;
	status = tool_sample_read(ctx, &s);
	if (status)
		return status;
	if (prometheus)
		status = tool_sample_prometheus(ctx, prometheus, &s, &m);
	else if (json)
		print_json(&s);
	else
		print_people(&s);
	tool_sample_clear(&s);
	return status;
}
