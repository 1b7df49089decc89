// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The profile as text: the getters that format its lists, and the profile
 * file's writer beside its parser. No kernel involved.
 *
 * Linked with -Wl,--wrap=malloc, so the library's allocations can be made
 * to fail on demand (libc's own are not wrapped).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct rawtune_ctx *ctx;

/* How many of the next allocations fail. */
static unsigned int malloc_failures;

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

void *__wrap_malloc(size_t size)
{
	if (malloc_failures > 0) {
		malloc_failures--;
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(size);
}

static void setup(void)
{
	unsetenv("RAWTUNE_LOG");
	unsetenv("RAWTUNE_PROFILE_DIR");
	ck_assert_int_eq(rawtune_new(&ctx), 0);
	/* the built-in profiles, whatever the machine has in its profile directory */
	ck_assert_int_eq(rawtune_set_profile_dir(ctx, "/nonexistent/profiles.d"), 0);
	malloc_failures = 0;
}

static void teardown(void)
{
	malloc_failures = 0;
	ck_assert_ptr_null(rawtune_unref(ctx));
	ctx = NULL;
}

/* ---- out of memory: NULL, never "" (which means any) ----------------------- */

static struct rawtune_profile *full_profile(void)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "full", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "80,443"), 0);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0"), 0);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "198.51.100.0/24"), 0);
	return p;
}

typedef const char *(*list_getter)(const struct rawtune_profile *p);

static const struct {
	list_getter get;
	const char *text;
} list_getters[] = {
	{ rawtune_profile_get_ports, "80,443" },
	{ rawtune_profile_get_addresses, "192.0.2.1/32" },
	{ rawtune_profile_get_interfaces, "eth0" },
	{ rawtune_profile_get_peers, "198.51.100.0/24" },
};

START_TEST(test_getter_out_of_memory)
{
	struct rawtune_profile *p = full_profile();

	malloc_failures = 1;
	ck_assert_ptr_null(list_getters[_i].get(p));
	ck_assert_uint_eq(malloc_failures, 0);
	/* nothing was cached: the next call formats the list */
	ck_assert_str_eq(list_getters[_i].get(p), list_getters[_i].text);
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_getter_empty_needs_no_memory)
{
	struct rawtune_profile *p;
	const char *text;

	ck_assert_int_eq(rawtune_profile_new(ctx, "empty", &p), 0);
	malloc_failures = 1000;
	text = list_getters[_i].get(p);
	malloc_failures = 0;
	ck_assert_str_eq(text, "");
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_format_out_of_memory)
{
	struct rawtune_profile *p = full_profile();
	char *text = (char *)"not touched";

	malloc_failures = 1;
	ck_assert_int_eq(rawtune_profile_format(p, &text), -ENOMEM);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(rawtune_profile_format(p, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "addresses = 192.0.2.1/32\n"));
	free(text);
	rawtune_profile_unref(p);
}
END_TEST

static Suite *profile_file_suite(void)
{
	Suite *s = suite_create("profile-file");
	TCase *tc;

	tc = tcase_create("out-of-memory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_getter_out_of_memory, 0, ARRAY_SIZE(list_getters));
	tcase_add_loop_test(tc, test_getter_empty_needs_no_memory, 0, ARRAY_SIZE(list_getters));
	tcase_add_test(tc, test_format_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(profile_file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
