// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One sample of the conntrack counters and the entries saved: stats and watch
 * share it, and the file for node_exporter that both write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sample.h"
#include "tools/tool.h"

/* The library's message says what it could not read; else say it here. */
static int read_error(struct rawtune_ctx *ctx, const char *what, int err)
{
	if (rawtune_last_error(ctx)[0])
		tool_error("%s", rawtune_last_error(ctx));
	else
		tool_error("cannot read %s: %s", what, strerror(-err));
	return RT_EXIT_FAILURE;
}

int tool_sample_read(struct rawtune_ctx *ctx, struct tool_sample *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->time = time(NULL);
	err = rawtune_ct_stats_read(ctx, s->stat, RAWTUNE_CT_STAT_COUNT);
	if (err < 0)
		return read_error(ctx, "the conntrack statistics", err);
	err = rawtune_saved_read(ctx, &s->saved);
	if (err < 0)
		return read_error(ctx, "rawtune's rules", err);
	return RT_EXIT_OK;
}

void tool_sample_clear(struct tool_sample *s)
{
	rawtune_saved_free(s->saved);
	s->saved = NULL;
}

uint64_t tool_sample_saved(const struct tool_sample *s)
{
	uint64_t total = 0;

	for (unsigned int i = 0; s->saved && i < rawtune_saved_count(s->saved); i++)
		total += rawtune_saved_get_entries(s->saved, i);
	return total;
}

int64_t tool_sample_age(const struct tool_sample *s, unsigned int i)
{
	int64_t applied = rawtune_saved_get_applied(s->saved, i);

	if (applied < 0)
		return -1;
	/* a clock set back is not a negative age */
	return (int64_t)s->time > applied ? (int64_t)s->time - applied : 0;
}

unsigned int tool_sample_fill(const struct tool_sample *s)
{
	uint64_t entries = s->stat[RAWTUNE_CT_STAT_ENTRIES],
		 max = s->stat[RAWTUNE_CT_STAT_MAX];

	if (entries == RAWTUNE_CT_STAT_UNKNOWN || max == RAWTUNE_CT_STAT_UNKNOWN ||
	    max == 0)
		return 0;
	return (unsigned int)((entries * 1000 + max / 2) / max);
}

uint64_t tool_stat_delta(const uint64_t *a, const uint64_t *b, unsigned int stat)
{
	if (a[stat] == RAWTUNE_CT_STAT_UNKNOWN || b[stat] == RAWTUNE_CT_STAT_UNKNOWN ||
	    b[stat] < a[stat])
		return 0;
	return b[stat] - a[stat];
}

void tool_json_saved(struct json *j, const struct tool_sample *s)
{
	json_uint(j, "saved", tool_sample_saved(s));
	json_array_begin(j, "profiles");
	for (unsigned int i = 0; i < rawtune_saved_count(s->saved); i++) {
		int64_t age = tool_sample_age(s, i);

		json_object_begin(j, NULL);
		json_string(j, "name", rawtune_saved_get_profile(s->saved, i));
		json_uint(j, "saved", rawtune_saved_get_entries(s->saved, i));
		if (age < 0)
			json_null(j, "seconds");
		else
			json_uint(j, "seconds", (uint64_t)age);
		json_object_end(j);
	}
	json_array_end(j);
}

void tool_duration(int64_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", s / 86400,
			 s % 86400 / 3600);
}

/* ---- the sample for node_exporter ------------------------------------------ */

static struct prom_rules *rules_entry(struct prom_rules *sum, size_t *n,
				      const struct rawtune_rules *rules, unsigned int i)
{
	const char *profile = rawtune_rules_get_profile(rules, i);
	const char *family = tool_families(rawtune_rules_get_family(rules, i));
	const char *table = rawtune_rules_get_table(rules, i);

	for (size_t k = 0; k < *n; k++)
		if (!strcmp(sum[k].profile, profile) && !strcmp(sum[k].family, family) &&
		    !strcmp(sum[k].table, table))
			return &sum[k];
	sum[*n] = (struct prom_rules){ .profile = profile, .family = family, .table = table };
	return &sum[(*n)++];
}

/*
 * The count rules are left out: the notrack rule after each counts the same
 * first packets again, and a sum that counts them twice means nothing.
 */
static size_t rules_sum(const struct rawtune_rules *rules, struct prom_rules *sum)
{
	size_t n = 0;

	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		struct prom_rules *r;

		if (rawtune_rules_get_count_only(rules, i))
			continue;
		r = rules_entry(sum, &n, rules, i);
		r->packets += rawtune_rules_get_packets(rules, i);
		r->bytes += rawtune_rules_get_bytes(rules, i);
	}
	return n;
}

static int write_file(const char *path, const struct prom_metrics *m)
{
	int err = prom_write_file(path, m);

	if (err < 0) {
		tool_error("cannot write '%s': %s", tool_shown(path), strerror(-err));
		return RT_EXIT_FAILURE;
	}
	return RT_EXIT_OK;
}

int tool_sample_prometheus(struct rawtune_ctx *ctx, const char *path,
			   const struct tool_sample *s, struct prom_metrics *m)
{
	unsigned int n = rawtune_saved_count(s->saved);
	struct prom_profile profiles[n ? n : 1];
	struct rawtune_rules *rules;
	struct prom_rules *sum;
	int err, status;

	err = rawtune_rules_read(ctx, &rules);
	if (err < 0)
		return read_error(ctx, "rawtune's rules", err);
	sum = calloc(rawtune_rules_count(rules) + 1, sizeof(*sum));
	if (!sum) {
		rawtune_rules_free(rules);
		tool_error("cannot write '%s': %s", tool_shown(path), strerror(ENOMEM));
		return RT_EXIT_FAILURE;
	}
	for (unsigned int i = 0; i < n; i++)
		profiles[i] = (struct prom_profile){
			.name = rawtune_saved_get_profile(s->saved, i),
			.saved = rawtune_saved_get_entries(s->saved, i),
			.applied = rawtune_saved_get_applied(s->saved, i),
		};
	m->version = PACKAGE_VERSION;
	m->stat = s->stat;
	m->nprofiles = n;
	m->profile = profiles;
	m->rules = sum;
	m->nrules = rules_sum(rules, sum);
	status = write_file(path, m);
	free(sum);
	rawtune_rules_free(rules);
	return status;
}
