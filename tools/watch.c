// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune watch: a line per interval with the table's fill, the flows made
 * and ended per second, the drops since the start and the entries each
 * profile saved; a warning when the table nears full or drops rise. For
 * programs one JSON object per line, for Prometheus a textfile.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sample.h"
#include "tools/tool.h"

/* From this fill on (tenths of a percent) each line warns. */
#define WATCH_FILL_WARN 800
#define WATCH_WARNINGS_MAX 4

const char watch_usage[] =
	"Usage: rawtune watch [--interval SECONDS] [--count N] [--json] [--prometheus FILE]\n"
	"Every interval, show how full the conntrack table is, the entries made and\n"
	"destroyed per second (conntrack events), the packets dropped since the start\n"
	"and the entries each applied profile saved; warn when the table is 80% full\n"
	"or drops rise. Ctrl-C stops, after a line for the part of the interval\n"
	"that had passed.\n"
	"\n"
	"  -i, --interval SECONDS  seconds between lines (default 1)\n"
	"  -c, --count N           stop after N lines (default: never)\n"
	"      --prometheus FILE   also write the numbers to FILE for node_exporter's\n"
	"                          textfile collector, replacing it atomically\n"
	"  -j, --json              write one JSON object per line (fields in rawtune(8))\n"
	"  -h, --help              show this help\n";

struct watch {
	struct rawtune_ctx *ctx;
	unsigned int interval, count;
	bool json;
	const char *prometheus;
	struct rawtune_ct_events *events;
	struct tool_sample first, prev, cur;
	uint64_t new, destroy, lost; /* event counts at the previous line */
	struct timespec when;	     /* of the previous line */
	char warning[WATCH_WARNINGS_MAX][256];
	unsigned int nwarnings;
};

static volatile sig_atomic_t stopped;

static void on_signal(int sig)
{
	stopped = 1;
}

/* No SA_RESTART: a signal ends the wait at once. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Long only: -p is --port, and -P --proto, in every command. */
enum { WATCH_OPT_PROMETHEUS = 0x100 };

static int parse_options(struct watch *w, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "prometheus", required_argument, NULL, WATCH_OPT_PROMETHEUS },
		TOOL_OPTION_JSON,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:c:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (!tool_parse_number(optarg, 1, 86400, &w->interval))
				return tool_usage_error("watch", "bad --interval '%s': give "
							"seconds, 1 to 86400",
							tool_shown(optarg));
			break;
		case 'c':
			if (!tool_parse_number(optarg, 1, UINT_MAX, &w->count))
				return tool_usage_error("watch",
							"bad --count '%s': give a number "
							"of lines, at least 1",
							tool_shown(optarg));
			break;
		case WATCH_OPT_PROMETHEUS:
			if (!optarg[0])
				return tool_usage_error("watch",
							"--prometheus needs a file name");
			w->prometheus = optarg;
			break;
		case TOOL_OPT_JSON:
			w->json = true;
			break;
		case 'h':
			return RT_HELP;
		default:
			return tool_bad_option("watch", opt, argv);
		}
	}
	return tool_operand("watch", argc, argv, NULL, NULL);
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Wait out the interval, counting events meanwhile; false when stopped. */
static bool wait_interval(struct watch *w)
{
	unsigned int ms = w->interval * 1000;

	if (w->events) {
		int err = rawtune_ct_events_read(w->events, ms);

		if (err < 0 && err != -EINTR) {
			tool_warning("stopped counting conntrack events: %s",
				     tool_lib_message(w->ctx, err));
			rawtune_ct_events_close(w->events);
			w->events = NULL;
		}
	} else {
		struct timespec start;

		clock_gettime(CLOCK_MONOTONIC, &start);
		while (!stopped && since(&start) * 1000 < ms)
			poll(NULL, 0, (int)(ms - since(&start) * 1000) + 1);
	}
	return !stopped;
}

static void warn(struct watch *w, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct watch *w, const char *format, ...)
{
	va_list args;

	if (w->nwarnings == WATCH_WARNINGS_MAX)
		return;
	va_start(args, format);
	vsnprintf(w->warning[w->nwarnings++], sizeof(w->warning[0]), format, args);
	va_end(args);
}

static void find_warnings(struct watch *w, uint64_t lost)
{
	const uint64_t *a = w->prev.stat, *b = w->cur.stat;
	unsigned int fill = tool_sample_fill(&w->cur);
	uint64_t drop = tool_stat_delta(a, b, RAWTUNE_CT_STAT_DROP);
	uint64_t early = tool_stat_delta(a, b, RAWTUNE_CT_STAT_EARLY_DROP);

	w->nwarnings = 0;
	if (fill >= WATCH_FILL_WARN)
		warn(w,
		     "the conntrack table is %u.%u%% full (%" PRIu64 " of %" PRIu64
		     " entries):"
		     " when full, new flows are dropped",
		     fill / 10, fill % 10, b[RAWTUNE_CT_STAT_ENTRIES],
		     b[RAWTUNE_CT_STAT_MAX]);
	if (drop)
		warn(w,
		     "%" PRIu64
		     " packets dropped since the last line: the conntrack table "
		     "is full",
		     drop);
	if (early)
		warn(w,
		     "%" PRIu64 " entries evicted early since the last line to make room",
		     early);
	if (lost)
		warn(w,
		     "%" PRIu64 " conntrack events lost (they came faster than read): "
		     "new/s and destroy/s are too low",
		     lost);
}

static uint64_t per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (uint64_t)((double)n / seconds + 0.5) : n;
}

static void print_header(const struct watch *w)
{
	printf("%-8s  %-20s %6s %8s %10s %8s %6s  %s\n", "TIME", "ENTRIES/MAX", "FILL",
	       "NEW/S", "DESTROY/S", "DROPS", "LOST", "SAVED");
	fflush(stdout);
}

static void print_line(const struct watch *w, uint64_t new_s, uint64_t destroy_s)
{
	const struct tool_sample *s = &w->cur;
	unsigned int fill = tool_sample_fill(s);
	char when[16], entries[48], fillp[16], new[24] = "-", destroy[24] = "-",
					       lost[24] = "-";
	struct tm tm;

	strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&s->time, &tm));
	snprintf(entries, sizeof(entries), "%" PRIu64 "/%" PRIu64,
		 s->stat[RAWTUNE_CT_STAT_ENTRIES], s->stat[RAWTUNE_CT_STAT_MAX]);
	snprintf(fillp, sizeof(fillp), "%u.%u%%", fill / 10, fill % 10);
	if (w->events) {
		snprintf(new, sizeof(new), "%" PRIu64, new_s);
		snprintf(destroy, sizeof(destroy), "%" PRIu64, destroy_s);
		snprintf(lost, sizeof(lost), "%" PRIu64,
			 rawtune_ct_events_get_lost(w->events));
	}
	printf("%-8s  %-20s %6s %8s %10s %8" PRIu64 " %6s ", when, entries, fillp, new,
	       destroy, tool_stat_delta(w->first.stat, s->stat, RAWTUNE_CT_STAT_DROP),
	       lost);
	for (unsigned int i = 0; i < rawtune_saved_count(s->saved); i++)
		printf(" %s %" PRIu64 "%s", rawtune_saved_get_profile(s->saved, i),
		       rawtune_saved_get_entries(s->saved, i),
		       i + 1 < rawtune_saved_count(s->saved) ? "," : "");
	if (rawtune_saved_count(s->saved) == 0)
		printf(" -");
	putchar('\n');
	for (unsigned int i = 0; i < w->nwarnings; i++)
		printf("warning: %s\n", w->warning[i]);
	fflush(stdout);
}

/*
 * "drop": the kernel's counter as "stats" gives it, "drop_delta": its rise
 * since the last line; two names, so that neither is read as the other.
 */
static void counter(struct json *j, const char *key, const struct watch *w,
		    unsigned int stat)
{
	char delta[64];

	snprintf(delta, sizeof(delta), "%s_delta", key);
	if (w->cur.stat[stat] == RAWTUNE_CT_STAT_UNKNOWN) {
		json_null(j, key);
		json_null(j, delta);
		return;
	}
	json_uint(j, key, w->cur.stat[stat]);
	json_uint(j, delta, tool_stat_delta(w->prev.stat, w->cur.stat, stat));
}

static void print_json(const struct watch *w, uint64_t new, uint64_t destroy,
		       double seconds)
{
	const struct tool_sample *s = &w->cur;
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_uint(&j, "time", (uint64_t)s->time);
	json_uint(&j, "entries", s->stat[RAWTUNE_CT_STAT_ENTRIES]);
	json_uint(&j, "max", s->stat[RAWTUNE_CT_STAT_MAX]);
	if (w->events) {
		json_uint(&j, "new", new);
		json_uint(&j, "destroy", destroy);
		json_uint(&j, "new_per_second", per_second(new, seconds));
		json_uint(&j, "destroy_per_second", per_second(destroy, seconds));
		json_uint(&j, "lost", rawtune_ct_events_get_lost(w->events));
	} else {
		json_null(&j, "new");
		json_null(&j, "destroy");
		json_null(&j, "new_per_second");
		json_null(&j, "destroy_per_second");
		json_null(&j, "lost");
	}
	counter(&j, "drop", w, RAWTUNE_CT_STAT_DROP);
	counter(&j, "early_drop", w, RAWTUNE_CT_STAT_EARLY_DROP);
	counter(&j, "insert_failed", w, RAWTUNE_CT_STAT_INSERT_FAILED);
	tool_json_saved(&j, s);
	json_array_begin(&j, "warnings");
	for (unsigned int i = 0; i < w->nwarnings; i++)
		json_string(&j, NULL, w->warning[i]);
	json_array_end(&j);
	json_object_end(&j);
	fflush(stdout);
}

static int write_prometheus(const struct watch *w)
{
	struct prom_metrics m = { .events = w->events != NULL };

	if (w->events) {
		m.events_new = rawtune_ct_events_get_new(w->events);
		m.events_destroy = rawtune_ct_events_get_destroy(w->events);
		m.events_lost = rawtune_ct_events_get_lost(w->events);
	}
	return tool_sample_prometheus(w->ctx, w->prometheus, &w->cur, &m);
}

/* One line: read, compare with the previous line, write. */
static int step(struct watch *w)
{
	uint64_t new = 0, destroy = 0, lost = 0;
	double seconds = since(&w->when);
	int status;

	status = tool_sample_read(w->ctx, &w->cur);
	if (status)
		return status;
	clock_gettime(CLOCK_MONOTONIC, &w->when);
	if (w->events) {
		new = rawtune_ct_events_get_new(w->events) - w->new;
		destroy = rawtune_ct_events_get_destroy(w->events) - w->destroy;
		lost = rawtune_ct_events_get_lost(w->events) - w->lost;
		w->new += new;
		w->destroy += destroy;
		w->lost += lost;
	}
	find_warnings(w, lost);
	if (w->json)
		print_json(w, new, destroy, seconds);
	else
		print_line(w, per_second(new, seconds), per_second(destroy, seconds));
	if (w->prometheus)
		status = write_prometheus(w);
	tool_sample_clear(&w->prev);
	w->prev = w->cur;
	w->cur.saved = NULL;
	return status;
}

static int run(struct watch *w)
{
	int status, err;

	err = rawtune_ct_events_open(w->ctx, &w->events);
	if (err < 0)
		tool_warning("new/s and destroy/s unknown: %s",
			     tool_lib_message(w->ctx, err));
	status = tool_sample_read(w->ctx, &w->first);
	if (status)
		return status;
	status = tool_sample_read(w->ctx, &w->prev);
	if (status)
		return status;
	clock_gettime(CLOCK_MONOTONIC, &w->when);
	if (!w->json)
		print_header(w);
	for (unsigned int n = 0; status == RT_EXIT_OK && (w->count == 0 || n < w->count);
	     n++) {
		if (!wait_interval(w)) {
			/* Stopped: a last line for the part of the interval that
			 * passed, so that no event counted goes unreported. */
			if (w->events)
				rawtune_ct_events_read(w->events, 0);
			status = step(w);
			break;
		}
		status = step(w);
	}
	return status;
}

int cmd_watch(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct watch w = { .ctx = ctx, .interval = 1 };
	int status;

	status = parse_options(&w, argc, argv);
	if (status)
		return status;
	catch_signals();
	status = run(&w);
	rawtune_ct_events_close(w.events);
	tool_sample_clear(&w.first);
	tool_sample_clear(&w.prev);
	tool_sample_clear(&w.cur);
	return status;
}
