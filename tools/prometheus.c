// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * "rawtune stats --prometheus FILE" and "rawtune watch --prometheus FILE":
 * the numbers in Prometheus' text exposition format, for node_exporter's
 * textfile collector. The file is replaced by a rename, so the collector
 * never reads half of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/sample.h"

static const struct {
	unsigned int stat;
	const char *name, *type, *help;
} ct_metrics[] = {
	{ RAWTUNE_CT_STAT_ENTRIES, "rawtune_conntrack_entries", "gauge",
	  "Entries in the conntrack table of this network namespace." },
	{ RAWTUNE_CT_STAT_MAX, "rawtune_conntrack_entries_limit", "gauge",
	  "The most entries the conntrack table may hold (nf_conntrack_max)." },
	{ RAWTUNE_CT_STAT_DROP, "rawtune_conntrack_drops_total", "counter",
	  "Packets dropped because the conntrack table was full." },
	{ RAWTUNE_CT_STAT_EARLY_DROP, "rawtune_conntrack_early_drops_total", "counter",
	  "Unassured conntrack entries evicted to make room for new ones." },
	{ RAWTUNE_CT_STAT_INSERT_FAILED, "rawtune_conntrack_insert_failed_total",
	  "counter",
	  "Conntrack entries that clashed with an equal entry when inserted." },
	{ RAWTUNE_CT_STAT_INVALID, "rawtune_conntrack_invalid_total", "counter",
	  "Packets that conntrack could not track." },
	{ RAWTUNE_CT_STAT_SEARCH_RESTART, "rawtune_conntrack_search_restart_total",
	  "counter",
	  "Conntrack lookups restarted because the table changed under them." },
};

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* A series' labels, from pairs of name and value, NULL-terminated. */
static void labels(FILE *out, const char *const *pair)
{
	fputc('{', out);
	for (size_t i = 0; pair[i]; i += 2) {
		fprintf(out, "%s%s=\"", i ? "," : "", pair[i]);
		label_value(out, pair[i + 1]);
		fputc('"', out);
	}
	fputc('}', out);
}

static void sample(FILE *out, const char *name, const char *const *pair, uint64_t v)
{
	fputs(name, out);
	if (pair)
		labels(out, pair);
	fprintf(out, " %" PRIu64 "\n", v);
}

static void write_build(FILE *out, const struct prom_metrics *m)
{
	if (!m->version)
		return;
	family(out, "rawtune_build_info", "gauge",
	       "Always 1; the version of rawtune that wrote these metrics.");
	sample(out, "rawtune_build_info", (const char *const[]){ "version", m->version, NULL },
	       1);
}

static void write_ct(FILE *out, const struct prom_metrics *m)
{
	for (size_t i = 0; i < sizeof(ct_metrics) / sizeof(ct_metrics[0]); i++) {
		uint64_t v = m->stat[ct_metrics[i].stat];

		/* a counter the kernel does not have is left out, not made 0 */
		if (v == RAWTUNE_CT_STAT_UNKNOWN)
			continue;
		family(out, ct_metrics[i].name, ct_metrics[i].type, ct_metrics[i].help);
		sample(out, ct_metrics[i].name, NULL, v);
	}
}

static void write_events(FILE *out, const struct prom_metrics *m)
{
	if (!m->events)
		return;
	family(out, "rawtune_events_new_total", "counter",
	       "Conntrack NEW events counted since rawtune watch started.");
	sample(out, "rawtune_events_new_total", NULL, m->events_new);
	family(out, "rawtune_events_destroy_total", "counter",
	       "Conntrack DESTROY events counted since rawtune watch started.");
	sample(out, "rawtune_events_destroy_total", NULL, m->events_destroy);
	family(out, "rawtune_events_lost_total", "counter",
	       "Conntrack events the kernel dropped before rawtune watch read them.");
	sample(out, "rawtune_events_lost_total", NULL, m->events_lost);
}

static void write_profiles(FILE *out, const struct prom_metrics *m)
{
	family(out, "rawtune_profile_applied", "gauge",
	       "1 for each profile with rules in the kernel.");
	for (size_t i = 0; i < m->nprofiles; i++)
		sample(out, "rawtune_profile_applied",
		       (const char *const[]){ "profile", m->profile[i].name, NULL }, 1);
	family(out, "rawtune_profile_applied_timestamp_seconds", "gauge",
	       "When rawtune made the profile's rules, in seconds since the epoch.");
	for (size_t i = 0; i < m->nprofiles; i++) {
		/* rules rawtune did not make have no time: no series, not 0 */
		if (m->profile[i].applied < 0)
			continue;
		sample(out, "rawtune_profile_applied_timestamp_seconds",
		       (const char *const[]){ "profile", m->profile[i].name, NULL },
		       (uint64_t)m->profile[i].applied);
	}
	family(out, "rawtune_profile_saved_entries_total", "counter",
	       "Conntrack entries not created because a rawtune profile untracked their flows.");
	for (size_t i = 0; i < m->nprofiles; i++)
		sample(out, "rawtune_profile_saved_entries_total",
		       (const char *const[]){ "profile", m->profile[i].name, NULL },
		       m->profile[i].saved);
}

static void write_rule_counter(FILE *out, const struct prom_metrics *m, bool bytes)
{
	const char *name = bytes ? "rawtune_rule_bytes_total" : "rawtune_rule_packets_total";

	family(out, name, "counter",
	       bytes ? "Bytes matched by a profile's rules in one family and table."
		     : "Packets matched by a profile's rules in one family and table.");
	for (size_t i = 0; i < m->nrules; i++) {
		const struct prom_rules *r = &m->rules[i];

		sample(out, name,
		       (const char *const[]){ "profile", r->profile, "family", r->family,
					      "table", r->table, NULL },
		       bytes ? r->bytes : r->packets);
	}
}

void prom_write(FILE *out, const struct prom_metrics *m)
{
	write_build(out, m);
	write_ct(out, m);
	write_events(out, m);
	write_profiles(out, m);
	write_rule_counter(out, m, false);
	write_rule_counter(out, m, true);
}

static int split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, dlen, ".");
		*base = path;
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= dlen)
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
		*base = slash + 1;
	}
	return **base ? 0 : -EISDIR;
}

int prom_write_file(const char *path, const struct prom_metrics *m)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	FILE *out;
	int fd, err;

	err = split_path(path, dir, sizeof(dir), &base);
	if (err < 0)
		return err;
	/* a dot file without .prom: the collector ignores it until the rename */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	out = fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	prom_write(out, m);
	errno = 0;
	if (fflush(out) != 0 || ferror(out) || fsync(fileno(out)) < 0)
		err = errno ? -errno : -EIO;
	if (fclose(out) != 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}
