// SPDX-License-Identifier: LGPL-2.1-or-later
/* Port lists: parsing, normalising, formatting and the errors for bad input. */
#include <check.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

static struct rawtune_ctx *ctx;

static void setup(void)
{
	ck_assert_int_eq(rawtune_new(&ctx), 0);
}

static void teardown(void)
{
	ck_assert_ptr_null(rawtune_unref(ctx));
	ctx = NULL;
}

/* Sorted, disjoint and not adjacent, as rawtune-private.h promises. */
static void assert_normalised(const struct rt_ports *ports)
{
	for (size_t i = 0; i < ports->n; i++) {
		ck_assert_uint_ge(ports->range[i].lo, 1);
		ck_assert_uint_le(ports->range[i].lo, ports->range[i].hi);
		if (i)
			ck_assert_uint_gt(ports->range[i].lo,
					  (unsigned int)ports->range[i - 1].hi + 1);
	}
}

/* ---- good lists ---------------------------------------------------------- */

static const struct {
	const char *list;
	const char *text; /* the normalised form */
	size_t n;	  /* ranges after normalising */
} good[] = {
	{ "80", "80", 1 },
	{ "80,443", "80,443", 2 },
	{ "443,80", "80,443", 2 },
	{ "8000-8100", "8000-8100", 1 },
	{ " 80 , 443 ", "80,443", 2 },
	{ "\t80\t,\t443", "80,443", 2 },
	{ "80,80", "80", 1 },
	{ "80-90,85-100", "80-100", 1 },
	{ "85-100,80-90", "80-100", 1 },
	{ "80,81,82", "80-82", 1 },
	{ "80-89,90-99", "80-99", 1 },
	{ "80-89,91-99", "80-89,91-99", 2 },
	{ "80-100,90", "80-100", 1 },
	{ "80-80", "80", 1 },
	{ "1-65535", "1-65535", 1 },
	{ "65535", "65535", 1 },
	{ "1", "1", 1 },
	{ "00080", "80", 1 },
	{ "53,22,8000-8100,443,80,8050", "22,53,80,443,8000-8100", 5 },
};

START_TEST(test_parse_good)
{
	struct rt_ports ports;
	char buf[128];

	ck_assert_int_eq(rt_ports_parse(ctx, good[_i].list, &ports), 0);
	ck_assert_uint_eq(ports.n, good[_i].n);
	assert_normalised(&ports);
	ck_assert_int_eq(rt_ports_format(&ports, buf, sizeof(buf)),
			 (int)strlen(good[_i].text));
	ck_assert_str_eq(buf, good[_i].text);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	rt_ports_clear(&ports);
}
END_TEST

/* The normalised text parses back to itself. */
START_TEST(test_parse_format_roundtrip)
{
	struct rt_ports ports;
	char buf[128];

	ck_assert_int_eq(rt_ports_parse(ctx, good[_i].text, &ports), 0);
	rt_ports_format(&ports, buf, sizeof(buf));
	ck_assert_str_eq(buf, good[_i].text);
	rt_ports_clear(&ports);
}
END_TEST

START_TEST(test_parse_ranges)
{
	struct rt_ports ports;

	ck_assert_int_eq(rt_ports_parse(ctx, "443, 8000-8100 ,80", &ports), 0);
	ck_assert_uint_eq(ports.n, 3);
	ck_assert_uint_eq(ports.range[0].lo, 80);
	ck_assert_uint_eq(ports.range[0].hi, 80);
	ck_assert_uint_eq(ports.range[1].lo, 443);
	ck_assert_uint_eq(ports.range[1].hi, 443);
	ck_assert_uint_eq(ports.range[2].lo, 8000);
	ck_assert_uint_eq(ports.range[2].hi, 8100);
	rt_ports_clear(&ports);
}
END_TEST

/* ---- bad lists ----------------------------------------------------------- */

static const struct {
	const char *list;
	const char *entry; /* the bad entry as the message quotes it; NULL: empty list */
} bad[] = {
	{ "0", "0" },
	{ "65536", "65536" },
	{ "abc", "abc" },
	{ "80-", "80-" },
	{ "-1", "-1" },
	{ "80,,81", "" },
	{ "90-80", "90-80" },
	{ "99999999999999999999", "99999999999999999999" },
	{ "", NULL },
	{ " ", NULL },
	{ "\t", NULL },
	{ "80,", "" },
	{ ",80", "" },
	{ "80 81", "80 81" },
	{ "80-90-100", "80-90-100" },
	{ "0x50", "0x50" },
	{ "+80", "+80" },
	{ "80\n", "80\\x0a" },
	{ "443,65536", "65536" },
	{ "80,0-10", "0-10" },
	{ "80;443", "80;443" },
	{ "80:90", "80:90" },
	{ "80\\81", "80\\x5c81" },
};

START_TEST(test_parse_bad)
{
	struct rt_ports ports = { .n = 7 };
	const char *msg;
	char want[64];

	ck_assert_int_eq(rt_ports_parse(ctx, bad[_i].list, &ports), -EINVAL);
	/* nothing is handed back on failure */
	ck_assert_uint_eq(ports.n, 7);
	ck_assert_ptr_null(ports.range);

	msg = rawtune_last_error(ctx);
	ck_assert_ptr_null(strchr(msg, '\n'));
	if (!bad[_i].entry) {
		ck_assert_str_eq(msg, "empty port list");
		return;
	}
	snprintf(want, sizeof(want), "bad port '%s'", bad[_i].entry);
	ck_assert_msg(strstr(msg, want), "'%s': message \"%s\" lacks \"%s\"", bad[_i].list, msg,
		      want);
}
END_TEST

START_TEST(test_parse_bad_quotes_list)
{
	struct rt_ports ports;

	ck_assert_int_eq(rt_ports_parse(ctx, "80,443,0", &ports), -EINVAL);
	ck_assert_str_eq(rawtune_last_error(ctx),
			 "bad port '0' in '80,443,0': ports are 1-65535, ranges LOW-HIGH");
}
END_TEST

START_TEST(test_parse_bad_newline)
{
	struct rt_ports ports;

	ck_assert_int_eq(rt_ports_parse(ctx, "80\n", &ports), -EINVAL);
	ck_assert_str_eq(rawtune_last_error(ctx),
			 "bad port '80\\x0a' in '80\\x0a': ports are 1-65535, ranges LOW-HIGH");
}
END_TEST

/* A long bad list is shortened in the message, which stays one line. */
START_TEST(test_parse_bad_long)
{
	struct rt_ports ports;
	char list[4096];
	const char *msg;

	memset(list, '\n', sizeof(list) - 1);
	list[sizeof(list) - 1] = '\0';
	ck_assert_int_eq(rt_ports_parse(ctx, list, &ports), -EINVAL);
	msg = rawtune_last_error(ctx);
	ck_assert_ptr_null(strchr(msg, '\n'));
	ck_assert_ptr_nonnull(strstr(msg, "bad port '\\x0a\\x0a"));
	ck_assert_uint_lt(strlen(msg), 2 * RT_PRINTABLE_MAX + 100);
}
END_TEST

/* ---- many ports ---------------------------------------------------------- */

/* "2000,1998,...,2": 1000 distinct ports, none adjacent, in reverse order. */
START_TEST(test_parse_1000)
{
	char *list = malloc(1000 * 6), *text = malloc(1000 * 6), *p = list, *q = text;
	struct rt_ports ports;
	int len;

	ck_assert_ptr_nonnull(list);
	ck_assert_ptr_nonnull(text);
	for (unsigned int i = 0; i < 1000; i++) {
		p += sprintf(p, "%s%u", i ? "," : "", 2000 - 2 * i);
		q += sprintf(q, "%s%u", i ? "," : "", 2 + 2 * i);
	}
	ck_assert_int_eq(rt_ports_parse(ctx, list, &ports), 0);
	ck_assert_uint_eq(ports.n, 1000);
	for (unsigned int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(ports.range[i].lo, 2 + 2 * i);
		ck_assert_uint_eq(ports.range[i].hi, 2 + 2 * i);
	}
	len = rt_ports_format(&ports, NULL, 0);
	ck_assert_int_eq(len, (int)strlen(text));
	rt_ports_format(&ports, list, (size_t)len + 1);
	ck_assert_str_eq(list, text);
	rt_ports_clear(&ports);
	free(list);
	free(text);
}
END_TEST

/* 1000 adjacent ports in reverse order merge into one range. */
START_TEST(test_parse_1000_adjacent)
{
	char *list = malloc(1000 * 6), *p = list;
	struct rt_ports ports;
	char buf[32];

	ck_assert_ptr_nonnull(list);
	for (unsigned int i = 0; i < 1000; i++)
		p += sprintf(p, "%s%u", i ? "," : "", 1000 - i);
	ck_assert_int_eq(rt_ports_parse(ctx, list, &ports), 0);
	ck_assert_uint_eq(ports.n, 1);
	rt_ports_format(&ports, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1-1000");
	rt_ports_clear(&ports);
	free(list);
}
END_TEST

/* ---- format and clear ---------------------------------------------------- */

START_TEST(test_format_empty)
{
	struct rt_ports ports = { 0 };
	char buf[8] = "junk";

	ck_assert_int_eq(rt_ports_format(&ports, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(rt_ports_format(&ports, NULL, 0), 0);
}
END_TEST

/* As snprintf: the full length comes back, the buffer holds a terminated prefix. */
START_TEST(test_format_short_buffer)
{
	const char *text = "80,443,8000-8100";
	struct rt_ports ports;
	char buf[32];

	ck_assert_int_eq(rt_ports_parse(ctx, text, &ports), 0);
	for (size_t len = 1; len <= strlen(text) + 1; len++) {
		memset(buf, 'x', sizeof(buf));
		ck_assert_int_eq(rt_ports_format(&ports, buf, len), (int)strlen(text));
		ck_assert_uint_lt(strlen(buf), len);
		ck_assert_int_eq(strncmp(buf, text, strlen(buf)), 0);
		ck_assert_int_eq(buf[len], 'x');
	}
	ck_assert_str_eq(buf, text);
	ck_assert_int_eq(rt_ports_format(&ports, NULL, 0), (int)strlen(text));
	rt_ports_clear(&ports);
}
END_TEST

START_TEST(test_clear)
{
	struct rt_ports ports;

	ck_assert_int_eq(rt_ports_parse(ctx, "80,443", &ports), 0);
	rt_ports_clear(&ports);
	ck_assert_uint_eq(ports.n, 0);
	ck_assert_ptr_null(ports.range);
	rt_ports_clear(&ports);
	ck_assert_uint_eq(ports.n, 0);
}
END_TEST

/* Each failure replaces the last error. */
START_TEST(test_error_replaced)
{
	struct rt_ports ports;

	ck_assert_int_eq(rt_ports_parse(ctx, "abc", &ports), -EINVAL);
	ck_assert_int_eq(rt_ports_parse(ctx, "65536", &ports), -EINVAL);
	ck_assert_ptr_nonnull(strstr(rawtune_last_error(ctx), "'65536'"));
	ck_assert_ptr_null(strstr(rawtune_last_error(ctx), "abc"));
}
END_TEST

/* What a person meant by a bad entry, said back in the message. */
static const struct {
	const char *list;
	const char *why;
} explained[] = {
	{ "80-70", "bad port '80-70' in '80-70': a reversed range: write 70-80" },
	{ "443, 80:90", "bad port ' 80:90' in '443, 80:90': ranges are written LOW-HIGH: 80-90" },
	{ "80/tcp", "bad port '80/tcp' in '80/tcp': a port list holds no protocol: give it "
		    "with --proto or 'protocols ='" },
	{ "htpp", "bad port 'htpp' in 'htpp': ports are 1-65535, ranges LOW-HIGH" },
};

START_TEST(test_parse_explained)
{
	struct rt_ports ports;

	ck_assert_int_eq(rt_ports_parse(ctx, explained[_i].list, &ports), -EINVAL);
	ck_assert_str_eq(rawtune_last_error(ctx), explained[_i].why);
}
END_TEST

/* A service name is refused, its number suggested where the host knows it. */
START_TEST(test_parse_service)
{
	struct rt_ports ports;

	if (!getservbyname("http", NULL))
		return; /* a build root without /etc/services */
	ck_assert_int_eq(rt_ports_parse(ctx, "443,http", &ports), -EINVAL);
	ck_assert_str_eq(rawtune_last_error(ctx), "bad port 'http' in '443,http': ports are "
						  "numbers (http is 80 in /etc/services)");
}
END_TEST

static Suite *ports_suite(void)
{
	Suite *s = suite_create("ports");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_parse_good, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_parse_format_roundtrip, 0, ARRAY_SIZE(good));
	tcase_add_test(tc, test_parse_ranges);
	tcase_add_test(tc, test_parse_1000);
	tcase_add_test(tc, test_parse_1000_adjacent);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_parse_bad, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_parse_bad_quotes_list);
	tcase_add_test(tc, test_parse_bad_newline);
	tcase_add_test(tc, test_parse_bad_long);
	tcase_add_test(tc, test_error_replaced);
	tcase_add_loop_test(tc, test_parse_explained, 0, ARRAY_SIZE(explained));
	tcase_add_test(tc, test_parse_service);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format_empty);
	tcase_add_test(tc, test_format_short_buffer);
	tcase_add_test(tc, test_clear);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ports_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
