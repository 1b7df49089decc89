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

/* ---- the writer beside the parser: format, parse, format --------------------- */

/* Every field the text carries; the name and the source are not in it. */
static void assert_same_profile(const struct rawtune_profile *a, const struct rawtune_profile *b)
{
	ck_assert_str_eq(rawtune_profile_get_description(a), rawtune_profile_get_description(b));
	ck_assert_str_eq(rawtune_profile_get_ports(a), rawtune_profile_get_ports(b));
	ck_assert_uint_eq(rawtune_profile_get_protocols(a), rawtune_profile_get_protocols(b));
	ck_assert_int_eq(rawtune_profile_get_direction(a), rawtune_profile_get_direction(b));
	ck_assert_uint_eq(rawtune_profile_get_families(a), rawtune_profile_get_families(b));
	ck_assert_str_eq(rawtune_profile_get_addresses(a), rawtune_profile_get_addresses(b));
	ck_assert_str_eq(rawtune_profile_get_interfaces(a), rawtune_profile_get_interfaces(b));
	ck_assert_int_eq(rawtune_profile_get_forward(a), rawtune_profile_get_forward(b));
	ck_assert_str_eq(rawtune_profile_get_peers(a), rawtune_profile_get_peers(b));
	ck_assert_str_eq(rawtune_profile_get_owner(a), rawtune_profile_get_owner(b));
}

/* format -> parse -> format: the same text, and the same profile. */
static void assert_round_trip(const struct rawtune_profile *p)
{
	struct rawtune_profile *again;
	char *text, *text_again;

	ck_assert_int_eq(rawtune_profile_format(p, &text), 0);
	ck_assert_msg(rawtune_profile_parse(ctx, rawtune_profile_get_name(p), text, "formatted",
					    &again) == 0,
		      "%s does not parse: %s\n%s", rawtune_profile_get_name(p),
		      rawtune_last_error(ctx), text);
	ck_assert_int_eq(rawtune_profile_format(again, &text_again), 0);
	ck_assert_str_eq(text_again, text);
	assert_same_profile(again, p);
	free(text_again);
	free(text);
	rawtune_profile_unref(again);
}

START_TEST(test_round_trip_builtins)
{
	struct rawtune_profile_list *list;
	unsigned int n;

	ck_assert_int_eq(rawtune_profile_list_read(ctx, &list), 0);
	n = rawtune_profile_list_count(list);
	ck_assert_uint_eq(n, 5);
	for (unsigned int i = 0; i < n; i++) {
		const struct rawtune_profile *p = rawtune_profile_list_get(list, i);

		ck_assert_str_eq(rawtune_profile_get_source(p), "built-in");
		assert_round_trip(p);
	}
	rawtune_profile_list_free(list);
}
END_TEST

/* A profile made with the setters: NULL leaves a field as rawtune_profile_new() has it. */
static const struct shape {
	const char *name, *description, *ports;
	unsigned int protocols, families;
	enum rawtune_direction direction;
	const char *addresses, *interfaces, *peers, *owner;
	int forward;
} shapes[] = {
	{ .name = "plain", .ports = "80" },
	{ .name = "ranges", .ports = "8000-8100, 53,1-10,65535", .protocols = RAWTUNE_PROTO_UDP },
	{ .name = "both-protos", .ports = "11211",
	  .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP },
	{ .name = "ipv4", .ports = "443", .families = RAWTUNE_FAMILY_IPV4 },
	{ .name = "ipv6", .ports = "443", .families = RAWTUNE_FAMILY_IPV6 },
	{ .name = "addresses", .ports = "80,443",
	  .addresses = "192.0.2.1, 198.51.100.0/24,2001:db8::1/64" },
	{ .name = "interfaces", .ports = "80", .interfaces = "eth0,veth+,lo,br-1.100" },
	{ .name = "client", .ports = "5432", .direction = RAWTUNE_DIRECTION_CLIENT,
	  .peers = "192.0.2.10,2001:db8::10" },
	{ .name = "forward", .ports = "80", .forward = 1, .peers = "203.0.113.0/24" },
	{ .name = "owner-name", .ports = "5353", .protocols = RAWTUNE_PROTO_UDP, .owner = "root" },
	{ .name = "owner-uid", .ports = "5353", .protocols = RAWTUNE_PROTO_UDP, .owner = "0" },
	{ .name = "everything", .description = "all the keys at once", .ports = "53,8053-8060",
	  .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP, .families = RAWTUNE_FAMILY_IPV4,
	  .direction = RAWTUNE_DIRECTION_CLIENT, .addresses = "10.0.0.0/8",
	  .interfaces = "eth1", .peers = "192.0.2.53", .forward = 1 },
	/* descriptions with characters the file format gives a meaning elsewhere */
	{ .name = "d-equals", .description = "a = b == c", .ports = "1" },
	{ .name = "d-hash", .description = "# not a comment", .ports = "1" },
	{ .name = "d-hash-inside", .description = "port 80 # and 443", .ports = "1" },
	{ .name = "d-tab", .description = "tab\there", .ports = "1" },
	{ .name = "d-key", .description = "ports = 9999", .ports = "1" },
	{ .name = "d-quotes", .description = "\"quoted\" 'and' \\backslash\\", .ports = "1" },
	{ .name = "d-utf8", .description = "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80", .ports = "1" },
	{ .name = "d-comma", .description = "a, b,c", .ports = "1" },
	{ .name = "d-blanks", .description = "  spaces and tabs around\t ", .ports = "1" },
	{ .name = "d-only-blanks", .description = " \t ", .ports = "1" },
	{ .name = "d-cr-looking", .description = "\\r\\n", .ports = "1" },
};

static struct rawtune_profile *shape_profile(const struct shape *sh)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, sh->name, &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, sh->ports), 0);
	if (sh->description)
		ck_assert_int_eq(rawtune_profile_set_description(p, sh->description), 0);
	if (sh->protocols)
		ck_assert_int_eq(rawtune_profile_set_protocols(p, sh->protocols), 0);
	if (sh->families)
		ck_assert_int_eq(rawtune_profile_set_families(p, sh->families), 0);
	ck_assert_int_eq(rawtune_profile_set_direction(p, sh->direction), 0);
	if (sh->addresses)
		ck_assert_int_eq(rawtune_profile_set_addresses(p, sh->addresses), 0);
	if (sh->interfaces)
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, sh->interfaces), 0);
	if (sh->peers)
		ck_assert_int_eq(rawtune_profile_set_peers(p, sh->peers), 0);
	if (sh->owner)
		ck_assert_int_eq(rawtune_profile_set_owner(p, sh->owner), 0);
	rawtune_profile_set_forward(p, sh->forward);
	return p;
}

START_TEST(test_round_trip_shapes)
{
	struct rawtune_profile *p = shape_profile(&shapes[_i]);

	assert_round_trip(p);
	rawtune_profile_unref(p);
}
END_TEST

/* No ports, no file: the parser would refuse what the writer wrote. */
START_TEST(test_format_no_ports)
{
	struct rawtune_profile *p;
	char *text = (char *)"not touched";

	ck_assert_int_eq(rawtune_profile_new(ctx, "bare", &p), 0);
	ck_assert_int_eq(rawtune_profile_format(p, &text), -EINVAL);
	ck_assert_ptr_null(text);
	ck_assert_ptr_nonnull(strstr(rawtune_last_error(ctx), "bare"));
	rawtune_profile_unref(p);
}
END_TEST

/* The text a profile file would hold: each key once, optional ones only when set. */
START_TEST(test_format_text)
{
	struct rawtune_profile *all = NULL;
	char *text;

	for (size_t i = 0; i < ARRAY_SIZE(shapes) && !all; i++)
		if (strcmp(shapes[i].name, "everything") == 0)
			all = shape_profile(&shapes[i]);
	ck_assert_ptr_nonnull(all);
	ck_assert_int_eq(rawtune_profile_format(all, &text), 0);
	ck_assert_str_eq(text, "description = all the keys at once\n"
			       "ports = 53, 8053-8060\n"
			       "protocols = tcp, udp\n"
			       "direction = client\n"
			       "family = ipv4\n"
			       "addresses = 10.0.0.0/8\n"
			       "interfaces = eth1\n"
			       "forward = yes\n"
			       "peers = 192.0.2.53/32\n");
	free(text);
	rawtune_profile_unref(all);
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

	tc = tcase_create("round-trip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip_builtins);
	tcase_add_loop_test(tc, test_round_trip_shapes, 0, ARRAY_SIZE(shapes));
	tcase_add_test(tc, test_format_text);
	tcase_add_test(tc, test_format_no_ports);
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
