// SPDX-License-Identifier: LGPL-2.1-or-later
/* The public API for contexts and profiles: no kernel involved. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "rawtune.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct rawtune_ctx *ctx;

static void setup(void)
{
	unsetenv("RAWTUNE_LOG");
	ck_assert_int_eq(rawtune_new(&ctx), 0);
}

static void teardown(void)
{
	ck_assert_ptr_null(rawtune_unref(ctx));
	ctx = NULL;
}

static bool contains(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* ---- loading ------------------------------------------------------------- */

START_TEST(test_load_web)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(rawtune_profile_get_name(p), "web");
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_TCP);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_SERVER);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_BOTH);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	ck_assert_ptr_null(rawtune_profile_unref(p));
}
END_TEST

/* Each load is a copy: changing one leaves the next load as built in. */
START_TEST(test_load_is_copy)
{
	struct rawtune_profile *a, *b;

	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &a), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(a, "8080"), 0);
	ck_assert_int_eq(rawtune_profile_set_protocols(a, RAWTUNE_PROTO_UDP), 0);
	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &b), 0);
	ck_assert_ptr_ne(a, b);
	ck_assert_str_eq(rawtune_profile_get_ports(b), "80,443");
	ck_assert_uint_eq(rawtune_profile_get_protocols(b), RAWTUNE_PROTO_TCP);
	ck_assert_str_eq(rawtune_profile_get_ports(a), "8080");
	rawtune_profile_unref(a);
	rawtune_profile_unref(b);
}
END_TEST

START_TEST(test_load_unknown)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_load(ctx, "nosuch", &p), -ENOENT);
	ck_assert_ptr_null(p);
	ck_assert_msg(contains(rawtune_last_error(ctx), "'nosuch'"), "message: %s",
		      rawtune_last_error(ctx));
}
END_TEST

/* Valid but not built in: a name of exactly the longest length. */
START_TEST(test_load_unknown_longest)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_load(ctx, "abcdefghij0123456789", &p), -ENOENT);
	ck_assert_ptr_null(p);
}
END_TEST

/* ---- names --------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *shown; /* how the message quotes it */
} bad_names[] = {
	{ "", "''" },
	{ "abcdefghij0123456789x", "'abcdefghij0123456789x'" },
	{ "../x", "'../x'" },
	{ "a b", "'a b'" },
	{ "web;ls", "'web;ls'" },
	{ "\xc3\xa9", "'\\xc3\\xa9'" }, /* é in UTF-8 */
	{ "web\n", "'web\\x0a'" },
	{ "web/", "'web/'" },
	{ "web.conf", "'web.conf'" },
};

START_TEST(test_load_bad_name)
{
	struct rawtune_profile *p = NULL;
	const char *msg;

	ck_assert_int_eq(rawtune_profile_load(ctx, bad_names[_i].name, &p), -EINVAL);
	ck_assert_ptr_null(p);
	msg = rawtune_last_error(ctx);
	ck_assert_msg(contains(msg, bad_names[_i].shown), "message \"%s\" lacks %s", msg,
		      bad_names[_i].shown);
	ck_assert_ptr_null(strchr(msg, '\n'));
}
END_TEST

START_TEST(test_new_bad_name)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_new(ctx, bad_names[_i].name, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert(contains(rawtune_last_error(ctx), bad_names[_i].shown));
}
END_TEST

static const char *const good_names[] = {
	"abcdefghij0123456789", /* RAWTUNE_PROFILE_NAME_MAX characters */
	"a",
	"ABCXYZ_abcxyz-019",
	"-",
	"_",
};

START_TEST(test_new_good_name)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_new(ctx, good_names[_i], &p), 0);
	ck_assert_str_eq(rawtune_profile_get_name(p), good_names[_i]);
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_name_max)
{
	ck_assert_int_eq(RAWTUNE_PROFILE_NAME_MAX, 20);
	ck_assert_uint_eq(strlen(good_names[0]), RAWTUNE_PROFILE_NAME_MAX);
	ck_assert_uint_eq(strlen(bad_names[1].name), RAWTUNE_PROFILE_NAME_MAX + 1);
}
END_TEST

/* ---- a new profile and its setters --------------------------------------- */

START_TEST(test_new_defaults)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_str_eq(rawtune_profile_get_name(p), "mine");
	ck_assert_str_eq(rawtune_profile_get_ports(p), "");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_TCP);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_SERVER);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_BOTH);
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_set_good)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, RAWTUNE_PROTO_UDP), 0);
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_UDP);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP),
			 0);
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), 3);
	ck_assert_int_eq(rawtune_profile_set_direction(p, RAWTUNE_DIRECTION_CLIENT), 0);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_CLIENT);
	ck_assert_int_eq(rawtune_profile_set_direction(p, RAWTUNE_DIRECTION_SERVER), 0);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_SERVER);
	ck_assert_int_eq(rawtune_profile_set_families(p, RAWTUNE_FAMILY_IPV6), 0);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV6);
	ck_assert_int_eq(rawtune_profile_set_families(p, RAWTUNE_FAMILY_IPV4), 0);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV4);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	rawtune_profile_unref(p);
}
END_TEST

static const unsigned int bad_protocols[] = { 0, 4, 7, 8, ~0u };

START_TEST(test_set_protocols_bad)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, RAWTUNE_PROTO_UDP), 0);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, bad_protocols[_i]), -EINVAL);
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_UDP);
	ck_assert(contains(rawtune_last_error(ctx), "mine"));
	rawtune_profile_unref(p);
}
END_TEST

static const unsigned int bad_families[] = { 0, 4, 7, 8, ~0u };

START_TEST(test_set_families_bad)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_families(p, RAWTUNE_FAMILY_IPV6), 0);
	ck_assert_int_eq(rawtune_profile_set_families(p, bad_families[_i]), -EINVAL);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV6);
	ck_assert(contains(rawtune_last_error(ctx), "mine"));
	rawtune_profile_unref(p);
}
END_TEST

static const int bad_directions[] = { 2, 7, -1 };

START_TEST(test_set_direction_bad)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_direction(p, RAWTUNE_DIRECTION_CLIENT), 0);
	ck_assert_int_eq(
		rawtune_profile_set_direction(p, (enum rawtune_direction)bad_directions[_i]),
		-EINVAL);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_CLIENT);
	ck_assert(contains(rawtune_last_error(ctx), "mine"));
	rawtune_profile_unref(p);
}
END_TEST

/* ---- ports --------------------------------------------------------------- */

START_TEST(test_ports_reflect_changes)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "443, 80"), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443");
	/* asked twice without a change: the same answer */
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443");
	ck_assert_int_eq(rawtune_profile_set_ports(p, "8000-8100,8050,53"), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "53,8000-8100");
	ck_assert_int_eq(rawtune_profile_set_ports(p, "1-65535"), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "1-65535");
	rawtune_profile_unref(p);
}
END_TEST

static const char *const bad_port_lists[] = { "0", "", "80,", "65536", "80-", "abc" };

START_TEST(test_ports_bad_keeps_old)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	/* the cached text, before and after the failure */
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443");
	ck_assert_int_eq(rawtune_profile_set_ports(p, bad_port_lists[_i]), -EINVAL);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443");
	ck_assert_str_ne(rawtune_last_error(ctx), "");
	rawtune_profile_unref(p);
}
END_TEST

/* Without the text cached before: the failure must not have touched the ports. */
START_TEST(test_ports_bad_keeps_old_uncached)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "53"), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "53,0"), -EINVAL);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "53");
	ck_assert(contains(rawtune_last_error(ctx), "'0'"));
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_profile_unref)
{
	struct rawtune_profile *p;

	ck_assert_ptr_null(rawtune_profile_unref(NULL));
	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	rawtune_profile_get_ports(p);
	ck_assert_ptr_null(rawtune_profile_unref(p));
}
END_TEST

/* ---- the context --------------------------------------------------------- */

START_TEST(test_ctx_ref)
{
	struct rawtune_ctx *c;

	ck_assert_int_eq(rawtune_new(&c), 0);
	ck_assert_ptr_eq(rawtune_ref(c), c);
	ck_assert_ptr_eq(rawtune_ref(c), c);
	ck_assert_ptr_eq(rawtune_unref(c), c);
	ck_assert_ptr_eq(rawtune_unref(c), c);
	/* still usable while a reference is held */
	ck_assert_str_eq(rawtune_last_error(c), "");
	ck_assert_ptr_null(rawtune_unref(c));
	ck_assert_ptr_null(rawtune_unref(NULL));
	ck_assert_ptr_null(rawtune_ref(NULL));
}
END_TEST

/* No global state: an error on one context is not seen on another. */
START_TEST(test_ctx_independent)
{
	struct rawtune_ctx *other;
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_new(&other), 0);
	ck_assert_ptr_ne(other, ctx);
	ck_assert_int_eq(rawtune_profile_load(other, "nosuch", &p), -ENOENT);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	ck_assert_str_ne(rawtune_last_error(other), "");
	rawtune_set_log_priority(other, LOG_DEBUG);
	ck_assert_int_eq(rawtune_get_log_priority(ctx), LOG_ERR);
	rawtune_unref(other);
}
END_TEST

/* A profile reports its errors on the context it was made with. */
START_TEST(test_profile_errors_on_its_ctx)
{
	struct rawtune_ctx *other;
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_new(&other), 0);
	ck_assert_int_eq(rawtune_profile_new(other, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "0"), -EINVAL);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	ck_assert(contains(rawtune_last_error(other), "'0'"));
	rawtune_profile_unref(p);
	rawtune_unref(other);
}
END_TEST

/* ---- logging ------------------------------------------------------------- */

struct log_record {
	unsigned int calls;
	int priority;
	char message[512];
};

static void log_record(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	struct log_record *rec = data;

	ck_assert_ptr_nonnull(file);
	ck_assert_ptr_nonnull(fn);
	ck_assert_int_gt(line, 0);
	rec->calls++;
	rec->priority = priority;
	vsnprintf(rec->message, sizeof(rec->message), format, args);
}

START_TEST(test_log_priority_default)
{
	ck_assert_int_eq(rawtune_get_log_priority(ctx), LOG_ERR);
	rawtune_set_log_priority(ctx, LOG_INFO);
	ck_assert_int_eq(rawtune_get_log_priority(ctx), LOG_INFO);
}
END_TEST

/* Failures are recorded at LOG_DEBUG: the callback sees them only then. */
START_TEST(test_log_fn_debug)
{
	struct log_record rec = { 0 };
	struct rawtune_profile *p = NULL;

	rawtune_set_log_fn(ctx, log_record, &rec);
	rawtune_set_log_priority(ctx, LOG_DEBUG);
	ck_assert_int_eq(rawtune_profile_load(ctx, "nosuch", &p), -ENOENT);
	ck_assert_uint_eq(rec.calls, 1);
	ck_assert_int_eq(rec.priority, LOG_DEBUG);
	ck_assert_msg(contains(rec.message, rawtune_last_error(ctx)),
		      "logged \"%s\", error \"%s\"", rec.message, rawtune_last_error(ctx));
	ck_assert(contains(rec.message, "'nosuch'"));
}
END_TEST

START_TEST(test_log_fn_quiet_below_debug)
{
	struct log_record rec = { 0 };
	struct rawtune_profile *p = NULL;

	rawtune_set_log_fn(ctx, log_record, &rec);
	ck_assert_int_eq(rawtune_profile_load(ctx, "nosuch", &p), -ENOENT);
	rawtune_set_log_priority(ctx, LOG_INFO);
	ck_assert_int_eq(rawtune_profile_load(ctx, "bad name", &p), -EINVAL);
	ck_assert_uint_eq(rec.calls, 0);
}
END_TEST

static const struct {
	const char *value;
	int priority;
} log_env[] = {
	{ "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG }, { "info", LOG_INFO },
	{ "notice", LOG_NOTICE }, { "warning", LOG_WARNING }, { "err", LOG_ERR },
	{ "3", 3 }, { "7", 7 }, { "0", 0 },
	{ "99", LOG_DEBUG }, /* clamped */
	{ "-1", LOG_EMERG },
	{ "bogus", LOG_ERR }, { "", LOG_ERR }, { "3x", LOG_ERR },
};

START_TEST(test_log_env)
{
	struct rawtune_ctx *c;

	ck_assert_int_eq(setenv("RAWTUNE_LOG", log_env[_i].value, 1), 0);
	ck_assert_int_eq(rawtune_new(&c), 0);
	unsetenv("RAWTUNE_LOG");
	ck_assert_int_eq(rawtune_get_log_priority(c), log_env[_i].priority);
	rawtune_unref(c);
}
END_TEST

/* With RAWTUNE_LOG=debug the callback sees failures without a call to set the priority. */
START_TEST(test_log_env_reaches_fn)
{
	struct log_record rec = { 0 };
	struct rawtune_profile *p = NULL;
	struct rawtune_ctx *c;

	ck_assert_int_eq(setenv("RAWTUNE_LOG", "debug", 1), 0);
	ck_assert_int_eq(rawtune_new(&c), 0);
	unsetenv("RAWTUNE_LOG");
	rawtune_set_log_fn(c, log_record, &rec);
	ck_assert_int_eq(rawtune_profile_new(c, "", &p), -EINVAL);
	ck_assert_uint_eq(rec.calls, 1);
	ck_assert_int_eq(rec.priority, LOG_DEBUG);
	rawtune_unref(c);
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_web);
	tcase_add_test(tc, test_load_is_copy);
	tcase_add_test(tc, test_load_unknown);
	tcase_add_test(tc, test_load_unknown_longest);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_load_bad_name, 0, ARRAY_SIZE(bad_names));
	tcase_add_loop_test(tc, test_new_bad_name, 0, ARRAY_SIZE(bad_names));
	tcase_add_loop_test(tc, test_new_good_name, 0, ARRAY_SIZE(good_names));
	tcase_add_test(tc, test_name_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("setters");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new_defaults);
	tcase_add_test(tc, test_set_good);
	tcase_add_loop_test(tc, test_set_protocols_bad, 0, ARRAY_SIZE(bad_protocols));
	tcase_add_loop_test(tc, test_set_families_bad, 0, ARRAY_SIZE(bad_families));
	tcase_add_loop_test(tc, test_set_direction_bad, 0, ARRAY_SIZE(bad_directions));
	tcase_add_test(tc, test_ports_reflect_changes);
	tcase_add_loop_test(tc, test_ports_bad_keeps_old, 0, ARRAY_SIZE(bad_port_lists));
	tcase_add_test(tc, test_ports_bad_keeps_old_uncached);
	tcase_add_test(tc, test_profile_unref);
	suite_add_tcase(s, tc);

	tc = tcase_create("context");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ctx_ref);
	tcase_add_test(tc, test_ctx_independent);
	tcase_add_test(tc, test_profile_errors_on_its_ctx);
	tcase_add_test(tc, test_log_priority_default);
	tcase_add_test(tc, test_log_fn_debug);
	tcase_add_test(tc, test_log_fn_quiet_below_debug);
	tcase_add_loop_test(tc, test_log_env, 0, ARRAY_SIZE(log_env));
	tcase_add_test(tc, test_log_env_reaches_fn);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(profile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
