// SPDX-License-Identifier: GPL-2.0-or-later
/* One sample of the conntrack counters and the entries saved: stats and watch share it.
 */
#include <inttypes.h>
#include <stdio.h>
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
