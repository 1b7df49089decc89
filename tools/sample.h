/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What "rawtune stats", "watch" and "top" share: one sample of the
 * conntrack counters and of the entries each profile saved (sample.c), and
 * the Prometheus text of those numbers (prometheus.c).
 */
#ifndef RAWTUNE_SAMPLE_H
#define RAWTUNE_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "rawtune.h"

struct json;
struct prom_metrics;

/* ---- one sample (sample.c) -------------------------------------------------- */

struct tool_sample {
	time_t time;
	uint64_t stat[RAWTUNE_CT_STAT_COUNT]; /* RAWTUNE_CT_STAT_UNKNOWN where missing */
	struct rawtune_saved *saved;
};

/* Read a sample; an exit status, after the error when it is not RT_EXIT_OK. */
int tool_sample_read(struct rawtune_ctx *ctx, struct tool_sample *s);
void tool_sample_clear(struct tool_sample *s);
/* The entries all profiles saved. */
uint64_t tool_sample_saved(const struct tool_sample *s);
/* Seconds since profile @i was applied, or -1 when unknown. */
int64_t tool_sample_age(const struct tool_sample *s, unsigned int i);
/* How full the table is, in tenths of a percent (0 when max is unknown). */
unsigned int tool_sample_fill(const struct tool_sample *s);
/* @b - @a for a counter, 0 when either is unknown or it went back. */
uint64_t tool_stat_delta(const uint64_t *a, const uint64_t *b, unsigned int stat);
/* "saved": the total, and "profiles": [{"name", "saved", "seconds"}] */
void tool_json_saved(struct json *j, const struct tool_sample *s);
/*
 * Write @s to @path for node_exporter, with @m's event counters, this
 * build's version and the counters of the rules read now: an exit status,
 * after the error when it is not RT_EXIT_OK.
 */
int tool_sample_prometheus(struct rawtune_ctx *ctx, const char *path,
			   const struct tool_sample *s, struct prom_metrics *m);
/* "45s", "12m05s", "3h07m", "2d05h" */
void tool_duration(int64_t seconds, char *buf, size_t len);

/* ---- the Prometheus text exposition format (prometheus.c) ------------------- */

struct prom_profile {
	const char *name;
	uint64_t saved;
	int64_t applied; /* Unix time, -1 when unknown */
};

/* The counters of a profile's rules in one family and table, summed. */
struct prom_rules {
	const char *profile, *family, *table;
	uint64_t packets, bytes;
};

struct prom_metrics {
	const char *version;  /* rawtune_build_info, left out when NULL */
	const uint64_t *stat; /* RAWTUNE_CT_STAT_COUNT counters */
	bool events;	      /* the event counters below are known */
	uint64_t events_new, events_destroy, events_lost;
	size_t nprofiles;
	const struct prom_profile *profile;
	size_t nrules;
	const struct prom_rules *rules;
};

/* The metrics with their # HELP and # TYPE lines, as node_exporter's textfile collector
 * reads them. */
void prom_write(FILE *out, const struct prom_metrics *m);
/* Write them to @path through a temporary file in its directory and a rename: 0 or
 * -errno. */
int prom_write_file(const char *path, const struct prom_metrics *m);

#endif /* RAWTUNE_SAMPLE_H */
