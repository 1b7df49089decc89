// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * "rawtune watch --prometheus": the text exposition format, exactly, and
 * the file written through a rename. No root needed.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/sample.h"

static uint64_t stat_all[RAWTUNE_CT_STAT_COUNT];

static void fill_stats(void)
{
	for (unsigned int i = 0; i < RAWTUNE_CT_STAT_COUNT; i++)
		stat_all[i] = 100 + i;
	stat_all[RAWTUNE_CT_STAT_ENTRIES] = 1234;
	stat_all[RAWTUNE_CT_STAT_MAX] = 262144;
}

/* prom_write's text, as a string to free. */
static char *render(const struct prom_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	prom_write(out, m);
	ck_assert_int_eq(fclose(out), 0);
	return text;
}

static const char expected_full[] =
	"# HELP rawtune_build_info Always 1; the version of rawtune that wrote these metrics.\n"
	"# TYPE rawtune_build_info gauge\n"
	"rawtune_build_info{version=\"1.2.3\"} 1\n"
	"# HELP rawtune_conntrack_entries Entries in the conntrack table of this network "
	"namespace.\n"
	"# TYPE rawtune_conntrack_entries gauge\n"
	"rawtune_conntrack_entries 1234\n"
	"# HELP rawtune_conntrack_entries_limit The most entries the conntrack table may hold "
	"(nf_conntrack_max).\n"
	"# TYPE rawtune_conntrack_entries_limit gauge\n"
	"rawtune_conntrack_entries_limit 262144\n"
	"# HELP rawtune_conntrack_drops_total Packets dropped because the conntrack table was "
	"full.\n"
	"# TYPE rawtune_conntrack_drops_total counter\n"
	"rawtune_conntrack_drops_total 106\n"
	"# HELP rawtune_conntrack_early_drops_total Unassured conntrack entries evicted to make "
	"room for new ones.\n"
	"# TYPE rawtune_conntrack_early_drops_total counter\n"
	"rawtune_conntrack_early_drops_total 107\n"
	"# HELP rawtune_conntrack_insert_failed_total Conntrack entries that clashed with an "
	"equal entry when inserted.\n"
	"# TYPE rawtune_conntrack_insert_failed_total counter\n"
	"rawtune_conntrack_insert_failed_total 105\n"
	"# HELP rawtune_conntrack_invalid_total Packets that conntrack could not track.\n"
	"# TYPE rawtune_conntrack_invalid_total counter\n"
	"rawtune_conntrack_invalid_total 103\n"
	"# HELP rawtune_conntrack_search_restart_total Conntrack lookups restarted because the "
	"table changed under them.\n"
	"# TYPE rawtune_conntrack_search_restart_total counter\n"
	"rawtune_conntrack_search_restart_total 109\n"
	"# HELP rawtune_events_new_total Conntrack NEW events counted since rawtune watch "
	"started.\n"
	"# TYPE rawtune_events_new_total counter\n"
	"rawtune_events_new_total 7\n"
	"# HELP rawtune_events_destroy_total Conntrack DESTROY events counted since rawtune "
	"watch started.\n"
	"# TYPE rawtune_events_destroy_total counter\n"
	"rawtune_events_destroy_total 5\n"
	"# HELP rawtune_events_lost_total Conntrack events the kernel dropped before rawtune "
	"watch read them.\n"
	"# TYPE rawtune_events_lost_total counter\n"
	"rawtune_events_lost_total 2\n"
	"# HELP rawtune_profile_applied 1 for each profile with rules in the kernel.\n"
	"# TYPE rawtune_profile_applied gauge\n"
	"rawtune_profile_applied{profile=\"web\"} 1\n"
	"rawtune_profile_applied{profile=\"dns\"} 1\n"
	"# HELP rawtune_profile_applied_timestamp_seconds When rawtune made the profile's "
	"rules, in seconds since the epoch.\n"
	"# TYPE rawtune_profile_applied_timestamp_seconds gauge\n"
	"rawtune_profile_applied_timestamp_seconds{profile=\"web\"} 1764777600\n"
	"# HELP rawtune_profile_saved_entries_total Conntrack entries not created because a "
	"rawtune profile untracked their flows.\n"
	"# TYPE rawtune_profile_saved_entries_total counter\n"
	"rawtune_profile_saved_entries_total{profile=\"web\"} 4874\n"
	"rawtune_profile_saved_entries_total{profile=\"dns\"} 0\n"
	"# HELP rawtune_rule_packets_total Packets matched by a profile's rules in one family "
	"and table.\n"
	"# TYPE rawtune_rule_packets_total counter\n"
	"rawtune_rule_packets_total{profile=\"web\",family=\"ipv4\",table=\"raw\"} 900\n"
	"rawtune_rule_packets_total{profile=\"web\",family=\"ipv6\",table=\"raw\"} 40\n"
	"# HELP rawtune_rule_bytes_total Bytes matched by a profile's rules in one family and "
	"table.\n"
	"# TYPE rawtune_rule_bytes_total counter\n"
	"rawtune_rule_bytes_total{profile=\"web\",family=\"ipv4\",table=\"raw\"} 61000\n"
	"rawtune_rule_bytes_total{profile=\"web\",family=\"ipv6\",table=\"raw\"} 3200\n";

/* dns applied by hand, not by rawtune: no time */
static const struct prom_profile two[] = { { "web", 4874, 1764777600 }, { "dns", 0, -1 } };
static const struct prom_rules web_rules[] = {
	{ "web", "ipv4", "raw", 900, 61000 },
	{ "web", "ipv6", "raw", 40, 3200 },
};

START_TEST(full_text)
{
	struct prom_metrics m = { .version = "1.2.3", .stat = stat_all, .events = true,
				  .events_new = 7, .events_destroy = 5, .events_lost = 2,
				  .nprofiles = 2, .profile = two, .nrules = 2,
				  .rules = web_rules };
	char *text = render(&m);

	ck_assert_str_eq(text, expected_full);
	free(text);
}
END_TEST

/*
 * Every line a comment of the two kinds or "name[{labels}] integer"; HELP,
 * TYPE, then samples; a counter's name ends in _total.
 */
#define LABEL "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\""

static void assert_well_formed(const char *text)
{
	regex_t sample, help, type, counter;
	char *copy = strdup(text), *save = NULL, family[128] = "";
	int state = 0; /* 0: expect HELP, 1: expect TYPE, 2: samples */

	ck_assert_int_eq(regcomp(&sample,
				 "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{" LABEL "(," LABEL ")*\\})? [0-9]+$",
				 REG_EXTENDED),
			 0);
	ck_assert_int_eq(regcomp(&help, "^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+$",
				 REG_EXTENDED),
			 0);
	ck_assert_int_eq(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$",
				 REG_EXTENDED),
			 0);
	ck_assert_int_eq(regcomp(&counter, "^# TYPE [a-zA-Z0-9_:]*_total counter$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		regmatch_t m[2];

		if (regexec(&help, line, 2, m, 0) == 0) {
			snprintf(family, sizeof(family), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
				 line + m[1].rm_so);
			state = 1;
		} else if (regexec(&type, line, 2, m, 0) == 0) {
			ck_assert_int_eq(state, 1);
			ck_assert_int_eq(strncmp(line + m[1].rm_so, family, strlen(family)), 0);
			if (strstr(line, " counter"))
				ck_assert_msg(regexec(&counter, line, 0, NULL, 0) == 0,
					      "counter without _total: %s", line);
			state = 2;
		} else {
			ck_assert_msg(regexec(&sample, line, 2, m, 0) == 0, "bad line: %s", line);
			ck_assert_int_eq(state, 2);
			ck_assert_int_eq((int)(m[1].rm_eo - m[1].rm_so), (int)strlen(family));
			ck_assert_int_eq(strncmp(line, family, strlen(family)), 0);
		}
	}
	regfree(&sample);
	regfree(&help);
	regfree(&type);
	regfree(&counter);
	free(copy);
}

START_TEST(well_formed)
{
	struct prom_metrics m = { .version = "1.2.3", .stat = stat_all, .events = true,
				  .nprofiles = 2, .profile = two, .nrules = 2,
				  .rules = web_rules };
	char *text = render(&m);

	assert_well_formed(text);
	free(text);
}
END_TEST

/* A counter the kernel does not have is left out, HELP and TYPE too, never shown as 0. */
START_TEST(unknown_left_out)
{
	uint64_t stat[RAWTUNE_CT_STAT_COUNT];
	struct prom_metrics m = { .stat = stat };
	char *text;

	memcpy(stat, stat_all, sizeof(stat));
	stat[RAWTUNE_CT_STAT_SEARCH_RESTART] = RAWTUNE_CT_STAT_UNKNOWN;
	text = render(&m);
	ck_assert_ptr_null(strstr(text, "search_restart"));
	ck_assert_ptr_nonnull(strstr(text, "\nrawtune_conntrack_drops_total 106\n"));
	assert_well_formed(text);
	free(text);
}
END_TEST

/* Without events, no event metrics; without profiles, the family's HELP and TYPE only. */
START_TEST(no_events_no_profiles)
{
	struct prom_metrics m = { .stat = stat_all };
	char *text = render(&m);
	const char *tail = "# TYPE rawtune_rule_bytes_total counter\n";

	ck_assert_ptr_null(strstr(text, "rawtune_events_"));
	ck_assert_str_eq(text + strlen(text) - strlen(tail), tail);
	assert_well_formed(text);
	free(text);
}
END_TEST

START_TEST(label_escaped)
{
	static const struct prom_profile odd[] = { { "a\"b\\c\nd", 1, -1 } };
	static const struct prom_rules odd_rules[] = { { "a\"b\\c\nd", "ipv4", "raw", 2, 3 } };
	struct prom_metrics m = { .version = "0.2\"", .stat = stat_all, .nprofiles = 1,
				  .profile = odd, .nrules = 1, .rules = odd_rules };
	char *text = render(&m);

	ck_assert_ptr_nonnull(strstr(text, "rawtune_build_info{version=\"0.2\\\"\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "rawtune_profile_saved_entries_total{profile=\"a\\\"b"
					   "\\\\c\\nd\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "rawtune_rule_bytes_total{profile=\"a\\\"b\\\\c\\nd\","
					   "family=\"ipv4\",table=\"raw\"} 3\n"));
	assert_well_formed(text);
	free(text);
}
END_TEST

/*
 * Prometheus' own parser, when promtool is installed: it knows rules of the
 * format (unique series, no HELP after samples) that the checks above do not.
 */
START_TEST(promtool_agrees)
{
	struct prom_metrics m = { .version = "1.2.3", .stat = stat_all, .events = true,
				  .nprofiles = 2, .profile = two, .nrules = 2,
				  .rules = web_rules };
	FILE *check;

	if (system("command -v promtool >/dev/null") != 0) {
		puts("SKIP (part): no promtool");
		return;
	}
	check = popen("promtool check metrics", "w");
	ck_assert_ptr_nonnull(check);
	prom_write(check, &m);
	ck_assert_int_eq(pclose(check), 0);
}
END_TEST

static char *read_file(const char *path)
{
	char *text = calloc(1, 65536);
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	fread(text, 1, 65535, f);
	fclose(f);
	return text;
}

/* Only the named file is left in the directory: the temporary file was renamed. */
static void assert_alone(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			ck_assert_str_eq(e->d_name, name);
			n++;
		}
	closedir(d);
	ck_assert_int_eq(n, 1);
}

START_TEST(file_replaced)
{
	char dir[] = "/tmp/test-prometheus.XXXXXX", path[64];
	struct prom_metrics m = { .stat = stat_all, .events = true, .events_new = 7,
				  .events_destroy = 5, .events_lost = 2, .nprofiles = 2,
				  .profile = two };
	struct stat st;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rawtune.prom", dir);
	umask(077);
	ck_assert_int_eq(prom_write_file(path, &m), 0);
	m.events_lost = 3;
	ck_assert_int_eq(prom_write_file(path, &m), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	text = read_file(path);
	ck_assert_ptr_nonnull(strstr(text, "\nrawtune_events_lost_total 3\n"));
	free(text);
	assert_alone(dir, "rawtune.prom");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(file_errors)
{
	struct prom_metrics m = { .stat = stat_all };

	ck_assert_int_eq(prom_write_file("/nonexistent-rawtune-dir/x.prom", &m), -ENOENT);
	ck_assert_int_eq(prom_write_file("/tmp/", &m), -EISDIR);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("prometheus");
	TCase *tc = tcase_create("text");

	fill_stats();
	tcase_add_test(tc, full_text);
	tcase_add_test(tc, well_formed);
	tcase_add_test(tc, unknown_left_out);
	tcase_add_test(tc, no_events_no_profiles);
	tcase_add_test(tc, label_escaped);
	tcase_add_test(tc, promtool_agrees);
	tcase_add_test(tc, file_replaced);
	tcase_add_test(tc, file_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
