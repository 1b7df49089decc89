// SPDX-License-Identifier: LGPL-2.1-or-later
/* The public API for contexts and profiles: no kernel involved. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "rawtune.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct rawtune_ctx *ctx;

static void setup(void)
{
	unsetenv("RAWTUNE_LOG");
	unsetenv("RAWTUNE_PROFILE_DIR");
	ck_assert_int_eq(rawtune_new(&ctx), 0);
	/* the built-in profiles, whatever the machine has in its profile directory */
	ck_assert_int_eq(rawtune_set_profile_dir(ctx, "/nonexistent/profiles.d"), 0);
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
	ck_assert_str_eq(rawtune_profile_get_source(p), "built-in");
	ck_assert_str_eq(rawtune_profile_get_addresses(p), "");
	ck_assert_str_eq(rawtune_profile_get_interfaces(p), "");
	ck_assert_int_eq(rawtune_profile_get_forward(p), 0);
	ck_assert_str_ne(rawtune_profile_get_description(p), "");
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	ck_assert_ptr_null(rawtune_profile_unref(p));
}
END_TEST

static const struct {
	const char *name, *ports;
	unsigned int protocols;
} builtins[] = {
	{ "dns", "53", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP },
	{ "memcached", "11211", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP },
	{ "ntp", "123", RAWTUNE_PROTO_UDP },
	{ "syslog", "514", RAWTUNE_PROTO_UDP },
	{ "web", "80,443", RAWTUNE_PROTO_TCP },
};

START_TEST(test_load_builtins)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_load(ctx, builtins[_i].name, &p), 0);
	ck_assert_str_eq(rawtune_profile_get_name(p), builtins[_i].name);
	ck_assert_str_eq(rawtune_profile_get_ports(p), builtins[_i].ports);
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), builtins[_i].protocols);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_SERVER);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_BOTH);
	ck_assert_str_eq(rawtune_profile_get_source(p), "built-in");
	rawtune_profile_unref(p);
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

START_TEST(test_has_port)
{
	static const unsigned int in[] = { 53, 8000, 8050, 8100 };
	static const unsigned int out[] = { 0, 52, 54, 7999, 8101, 65535, 65536, 100000 };
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "8000-8100,8050,53"), 0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_int_eq(rawtune_profile_has_port(p, in[i]), 1);
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		ck_assert_int_eq(rawtune_profile_has_port(p, out[i]), 0);
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

/* Added ports merge with those there; a bad list leaves them as they were. */
START_TEST(test_add_ports)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_add_ports(p, "8080"), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "8080");
	ck_assert_int_eq(rawtune_profile_add_ports(p, "443, 80,8081-8090"), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443,8080-8090");
	ck_assert_int_eq(rawtune_profile_add_ports(p, "443"), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443,8080-8090");
	for (size_t i = 0; i < sizeof(bad_port_lists) / sizeof(bad_port_lists[0]); i++) {
		ck_assert_int_eq(rawtune_profile_add_ports(p, bad_port_lists[i]), -EINVAL);
		ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443,8080-8090");
	}
	rawtune_profile_unref(p);
}
END_TEST

/* A profile holds a reference on its context: it outlives the caller's. */
START_TEST(test_profile_ref)
{
	struct rawtune_profile *p;
	struct rawtune_ctx *c;

	ck_assert_int_eq(rawtune_new(&c), 0);
	ck_assert_int_eq(rawtune_profile_new(c, "mine", &p), 0);
	ck_assert_ptr_eq(rawtune_profile_ref(p), p);
	ck_assert_ptr_eq(rawtune_profile_unref(p), p);
	ck_assert_ptr_eq(rawtune_unref(c), c);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "0"), -EINVAL);
	ck_assert(contains(rawtune_last_error(c), "'0'"));
	ck_assert_ptr_null(rawtune_profile_unref(p));
	ck_assert_ptr_null(rawtune_profile_ref(NULL));
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

/* ---- addresses, interfaces, forward, description ------------------------- */

static const struct {
	const char *list, *text; /* as given, as the profile reports it */
} good_addresses[] = {
	{ "192.0.2.1", "192.0.2.1/32" },
	{ " 192.0.2.1 , 198.51.100.0/24 ", "192.0.2.1/32,198.51.100.0/24" },
	{ "10.1.2.3/17", "10.1.0.0/17" }, /* host bits cleared, as iptables does */
	{ "2001:DB8::1", "2001:db8::1/128" },
	{ "2001:db8::1/64", "2001:db8::/64" },
	{ "192.0.2.1,2001:db8::/32", "192.0.2.1/32,2001:db8::/32" },
	{ "0.0.0.0/1", "0.0.0.0/1" },
	{ "", "" },
};

START_TEST(test_addresses_good)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, "203.0.113.7"), 0);
	ck_assert_str_eq(rawtune_profile_get_addresses(p), "203.0.113.7/32");
	ck_assert_int_eq(rawtune_profile_set_addresses(p, good_addresses[_i].list), 0);
	ck_assert_str_eq(rawtune_profile_get_addresses(p), good_addresses[_i].text);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	rawtune_profile_unref(p);
}
END_TEST

static const struct {
	const char *list, *shown; /* the message quotes this */
} bad_addresses[] = {
	{ "300.1.1.1", "'300.1.1.1'" },
	{ "192.0.2.1/33", "'192.0.2.1/33'" },
	{ "2001:db8::/129", "'2001:db8::/129'" },
	{ "192.0.2.1/", "'192.0.2.1/'" },
	{ "192.0.2.1/-1", "'192.0.2.1/-1'" },
	{ "192.0.2.1/x", "'192.0.2.1/x'" },
	{ "192.0.2.0/0", "'192.0.2.0/0'" }, /* every address */
	{ "192.0.2.1,", "''" },
	{ ",192.0.2.1", "''" },
	{ "host.example", "'host.example'" },
	{ "192.0.2.1\n", "'192.0.2.1\\x0a'" },
};

START_TEST(test_addresses_bad)
{
	struct rawtune_profile *p;
	const char *msg;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, bad_addresses[_i].list), -EINVAL);
	ck_assert_str_eq(rawtune_profile_get_addresses(p), "192.0.2.1/32");
	msg = rawtune_last_error(ctx);
	ck_assert_msg(contains(msg, bad_addresses[_i].shown), "message \"%s\" lacks %s", msg,
		      bad_addresses[_i].shown);
	ck_assert_ptr_null(strchr(msg, '\n'));
	rawtune_profile_unref(p);
}
END_TEST

static const struct {
	const char *list, *text;
} good_interfaces[] = {
	{ "eth0", "eth0" },
	{ " eth0 , lo ", "eth0,lo" },
	{ "veth+", "veth+" },
	{ "abcdefghijklmno", "abcdefghijklmno" }, /* IFNAMSIZ - 1 */
	{ "br-1.100", "br-1.100" },
	{ "", "" },
};

START_TEST(test_interfaces_good)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "bond0"), 0);
	ck_assert_str_eq(rawtune_profile_get_interfaces(p), "bond0");
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, good_interfaces[_i].list), 0);
	ck_assert_str_eq(rawtune_profile_get_interfaces(p), good_interfaces[_i].text);
	rawtune_profile_unref(p);
}
END_TEST

static const struct {
	const char *list, *shown;
} bad_interfaces[] = {
	{ "abcdefghijklmnop", "'abcdefghijklmnop'" }, /* IFNAMSIZ */
	{ "eth/0", "'eth/0'" },
	{ "eth:0", "'eth:0'" },
	{ "eth 0", "'eth 0'" },
	{ "+", "'+'" },
	{ "e+th", "'e+th'" },
	{ ".", "'.'" },
	{ "..", "'..'" },
	{ "eth0,", "''" },
	{ "eth\x01", "'eth\\x01'" },
	{ "\xc3\xa9", "'\\xc3\\xa9'" },
};

START_TEST(test_interfaces_bad)
{
	struct rawtune_profile *p;
	const char *msg;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "bond0"), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, bad_interfaces[_i].list), -EINVAL);
	ck_assert_str_eq(rawtune_profile_get_interfaces(p), "bond0");
	msg = rawtune_last_error(ctx);
	ck_assert_msg(contains(msg, bad_interfaces[_i].shown), "message \"%s\" lacks %s", msg,
		      bad_interfaces[_i].shown);
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_duplicates_merge)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 192.0.2.1/32"), 0);
	ck_assert_str_eq(rawtune_profile_get_addresses(p), "192.0.2.1/32");
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0,eth0"), 0);
	ck_assert_str_eq(rawtune_profile_get_interfaces(p), "eth0");
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_forward_description)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "mine", &p), 0);
	ck_assert_int_eq(rawtune_profile_get_forward(p), 0);
	rawtune_profile_set_forward(p, 5);
	ck_assert_int_eq(rawtune_profile_get_forward(p), 1);
	rawtune_profile_set_forward(p, 0);
	ck_assert_int_eq(rawtune_profile_get_forward(p), 0);
	ck_assert_str_eq(rawtune_profile_get_description(p), "");
	ck_assert_int_eq(rawtune_profile_set_description(p, "my cache, on port 11211"), 0);
	/* control characters would reach terminals through show and profiles */
	ck_assert_int_eq(rawtune_profile_set_description(p, "a\033[2Jb"), -EINVAL);
	ck_assert_int_eq(rawtune_profile_set_description(p, "a\x7f"), -EINVAL);
	ck_assert_str_eq(rawtune_profile_get_description(p), "my cache, on port 11211");
	ck_assert_str_eq(rawtune_profile_get_description(p), "my cache, on port 11211");
	ck_assert_int_eq(rawtune_profile_set_description(p, "two\nlines"), -EINVAL);
	ck_assert_int_eq(rawtune_profile_set_description(p, "cr\r"), -EINVAL);
	ck_assert_str_eq(rawtune_profile_get_description(p), "my cache, on port 11211");
	ck_assert_str_eq(rawtune_profile_get_source(p), "");
	rawtune_profile_unref(p);
}
END_TEST

/* ---- profile text ------------------------------------------------------------ */

START_TEST(test_parse_all_keys)
{
	static const char text[] = "# a comment\n"
				   "\n"
				   "  description = My app = fast  \n"
				   "ports = 8443, 8080\n"
				   "protocols = udp, tcp\n"
				   "\tdirection=client\n"
				   "family = ipv6\n"
				   "addresses = 2001:db8::1\n"
				   "interfaces = eth0, lo\n"
				   "forward = yes";
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_parse(ctx, "app", text, "app.conf", &p), 0);
	ck_assert_str_eq(rawtune_profile_get_name(p), "app");
	ck_assert_str_eq(rawtune_profile_get_description(p), "My app = fast");
	ck_assert_str_eq(rawtune_profile_get_ports(p), "8080,8443");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_CLIENT);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV6);
	ck_assert_str_eq(rawtune_profile_get_addresses(p), "2001:db8::1/128");
	ck_assert_str_eq(rawtune_profile_get_interfaces(p), "eth0,lo");
	ck_assert_int_eq(rawtune_profile_get_forward(p), 1);
	ck_assert_str_eq(rawtune_profile_get_source(p), "app.conf");
	rawtune_profile_unref(p);
}
END_TEST

/* Only ports are needed; the rest keeps rawtune_profile_new()'s defaults. */
START_TEST(test_parse_defaults)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_parse(ctx, "app", "ports = 9000\r\n", "x", &p), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "9000");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_TCP);
	ck_assert_int_eq(rawtune_profile_get_direction(p), RAWTUNE_DIRECTION_SERVER);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_BOTH);
	ck_assert_int_eq(rawtune_profile_get_forward(p), 0);
	ck_assert_str_eq(rawtune_profile_get_description(p), "");
	rawtune_profile_unref(p);
}
END_TEST

static const struct {
	const char *text, *message; /* the whole message, for source "x.conf" */
} bad_texts[] = {
	{ "ports = 80\nfoo = 1\n", "x.conf:2: unknown key 'foo' (see rawtune.conf(5))" },
	{ "ports = 80\n\n# c\nports = 81\n", "x.conf:4: duplicate key 'ports' (first on line 1)" },
	{ "description = no ports\n", "x.conf: no 'ports' line: a profile needs its ports" },
	{ "", "x.conf: no 'ports' line: a profile needs its ports" },
	{ "ports 80\n", "x.conf:1: expected 'key = value', got 'ports 80'" },
	{ "ports = 80\nprotocols = sctp\n", "x.conf:2: bad protocol 'sctp': tcp or udp" },
	{ "ports = 80\nprotocols =\n", "x.conf:2: no protocol given: tcp, udp or both" },
	{ "ports = 80\ndirection = both\n", "x.conf:2: bad direction 'both': server or client" },
	{ "ports = 80\nfamily = ipv5\n", "x.conf:2: bad family 'ipv5': ipv4, ipv6 or both" },
	{ "ports = 80\nforward = maybe\n", "x.conf:2: bad forward 'maybe': no or yes" },
	{ "ports = 0\n", "x.conf:1: bad port '0' in '0': ports are 1-65535, ranges LOW-HIGH" },
	{ "ports = 80\naddresses = 300.1.1.1\n",
	  "x.conf:2: bad address '300.1.1.1': give IPv4 or IPv6 ADDRESS[/PREFIX]" },
	{ "ports = 80\nfoo\x01 = 1\n", "x.conf:2: unknown key 'foo\\x01' (see rawtune.conf(5))" },
};

START_TEST(test_parse_bad)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_parse(ctx, "app", bad_texts[_i].text, "x.conf", &p),
			 -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(rawtune_last_error(ctx), bad_texts[_i].message);
}
END_TEST

START_TEST(test_parse_bad_name)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_parse(ctx, "a b", "ports = 80\n", "x.conf", &p),
			 -EINVAL);
	ck_assert_ptr_null(p);
}
END_TEST

/* ---- profile files ------------------------------------------------------------ */

static char profile_dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", profile_dir, name);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void files_setup(void)
{
	setup();
	/* as root, the library refuses files that group or others may write */
	umask(022);
	strcpy(profile_dir, "/tmp/rawtune-test-profile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(profile_dir));
	ck_assert_int_eq(rawtune_set_profile_dir(ctx, profile_dir), 0);
	ck_assert_str_eq(rawtune_get_profile_dir(ctx), profile_dir);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void files_teardown(void)
{
	ck_assert_int_eq(nftw(profile_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	teardown();
}

/* A file NAME.conf comes before the built-in profile NAME. */
START_TEST(test_file_overrides_builtin)
{
	struct rawtune_profile *p;
	char path[256];

	write_file("web.conf", "ports = 8080\nprotocols = tcp\n");
	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "8080");
	snprintf(path, sizeof(path), "%s/web.conf", profile_dir);
	ck_assert_str_eq(rawtune_profile_get_source(p), path);
	rawtune_profile_unref(p);
	/* the other built-ins are still there */
	ck_assert_int_eq(rawtune_profile_load(ctx, "dns", &p), 0);
	ck_assert_str_eq(rawtune_profile_get_source(p), "built-in");
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_file_broken)
{
	struct rawtune_profile *p = NULL;
	char want[256];

	write_file("app.conf", "ports = 80\nbogus\n");
	ck_assert_int_eq(rawtune_profile_load(ctx, "app", &p), -EINVAL);
	ck_assert_ptr_null(p);
	snprintf(want, sizeof(want), "%s/app.conf:2: expected 'key = value', got 'bogus'",
		 profile_dir);
	ck_assert_str_eq(rawtune_last_error(ctx), want);
}
END_TEST

/* A file that exists but cannot be read is an error, not a fallback to the built-in. */
START_TEST(test_file_unreadable)
{
	struct rawtune_profile *p = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s/web.conf", profile_dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), -EPERM);
	ck_assert_ptr_null(p);
	ck_assert_msg(contains(rawtune_last_error(ctx), path), "message: %s",
		      rawtune_last_error(ctx));
	ck_assert_msg(contains(rawtune_last_error(ctx), "not a regular file"), "message: %s",
		      rawtune_last_error(ctx));
}
END_TEST

START_TEST(test_file_unknown)
{
	struct rawtune_profile *p = NULL;

	ck_assert_int_eq(rawtune_profile_load(ctx, "nosuch", &p), -ENOENT);
	ck_assert_ptr_null(p);
	ck_assert(contains(rawtune_last_error(ctx), "'nosuch'"));
	ck_assert(contains(rawtune_last_error(ctx), profile_dir));
}
END_TEST

struct warnings {
	unsigned int n;
	char last[512];
};

static void log_warnings(void *data, int priority, const char *file, int line, const char *fn,
			 const char *format, va_list args)
{
	struct warnings *w = data;

	if (priority != LOG_WARNING)
		return;
	w->n++;
	vsnprintf(w->last, sizeof(w->last), format, args);
}

/* Built-ins and files, sorted by name; a file overrides; odd names are skipped. */
START_TEST(test_list)
{
	static const char *const names[] = { "dns", "memcached", "ntp", "syslog", "web", "zeta" };
	struct rawtune_profile_list *list = NULL;
	struct warnings warn = { 0 };
	const struct rawtune_profile *p;

	write_file("web.conf", "ports = 8080\n");
	write_file("zeta.conf", "ports = 7000-7010\nprotocols = udp\n");
	write_file("bad name.conf", "ports = 1\n");
	write_file(".hidden.conf", "ports = 2\n");
	write_file("notes.txt", "not a profile\n");
	write_file(".conf", "ports = 3\n");
	rawtune_set_log_fn(ctx, log_warnings, &warn);
	rawtune_set_log_priority(ctx, LOG_WARNING);
	ck_assert_int_eq(rawtune_profile_list_read(ctx, &list), 0);
	ck_assert_uint_eq(rawtune_profile_list_count(list), ARRAY_SIZE(names));
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		p = rawtune_profile_list_get(list, i);
		ck_assert_str_eq(rawtune_profile_get_name(p), names[i]);
	}
	ck_assert_ptr_null(rawtune_profile_list_get(list, ARRAY_SIZE(names)));
	ck_assert_str_eq(rawtune_profile_get_ports(rawtune_profile_list_get(list, 4)), "8080");
	ck_assert_str_eq(rawtune_profile_get_ports(rawtune_profile_list_get(list, 5)),
			 "7000-7010");
	ck_assert_uint_eq(warn.n, 1);
	ck_assert_msg(contains(warn.last, "bad name.conf"), "warning: %s", warn.last);
	rawtune_profile_list_free(list);
	rawtune_profile_list_free(NULL);
}
END_TEST

/*
 * One broken file costs only its own profile, and the built-in of its name,
 * which apply would not reach: the rest is listed, the file named in a
 * warning.
 */
START_TEST(test_list_broken)
{
	static const char *const names[] = { "dns", "memcached", "ntp", "syslog", "zeta" };
	struct rawtune_profile_list *list = NULL;
	struct warnings warn = { 0 };

	write_file("app.conf", "ports = 80\nports = 81\n");
	write_file("web.conf", "ports = 80\ncolour = red\n");
	write_file("zeta.conf", "ports = 7000\n");
	rawtune_set_log_fn(ctx, log_warnings, &warn);
	rawtune_set_log_priority(ctx, LOG_WARNING);
	ck_assert_int_eq(rawtune_profile_list_read(ctx, &list), 0);
	ck_assert_uint_eq(rawtune_profile_list_count(list), ARRAY_SIZE(names));
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		ck_assert_str_eq(rawtune_profile_get_name(rawtune_profile_list_get(list, i)),
				 names[i]);
	ck_assert_uint_eq(warn.n, 2);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	rawtune_profile_list_free(list);
}
END_TEST

/* Without files, the built-ins alone. */
START_TEST(test_list_no_dir)
{
	struct rawtune_profile_list *list;

	ck_assert_int_eq(rawtune_set_profile_dir(ctx, "/nonexistent/profiles.d"), 0);
	ck_assert_int_eq(rawtune_profile_list_read(ctx, &list), 0);
	ck_assert_uint_eq(rawtune_profile_list_count(list), ARRAY_SIZE(builtins));
	for (unsigned int i = 0; i < ARRAY_SIZE(builtins); i++)
		ck_assert_str_eq(rawtune_profile_get_name(rawtune_profile_list_get(list, i)),
				 builtins[i].name);
	rawtune_profile_list_free(list);
}
END_TEST

START_TEST(test_profile_dir_env)
{
	struct rawtune_ctx *c;
	const char *dir;

	ck_assert_int_eq(setenv("RAWTUNE_PROFILE_DIR", "/srv/profiles", 1), 0);
	ck_assert_int_eq(rawtune_new(&c), 0);
	ck_assert_str_eq(rawtune_get_profile_dir(c), "/srv/profiles");
	rawtune_unref(c);
	/* empty: the default */
	ck_assert_int_eq(setenv("RAWTUNE_PROFILE_DIR", "", 1), 0);
	ck_assert_int_eq(rawtune_new(&c), 0);
	unsetenv("RAWTUNE_PROFILE_DIR");
	dir = rawtune_get_profile_dir(c);
	ck_assert_uint_gt(strlen(dir), strlen("/rawtune/profiles.d"));
	ck_assert_str_eq(dir + strlen(dir) - strlen("/rawtune/profiles.d"), "/rawtune/profiles.d");
	rawtune_unref(c);
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
	tcase_add_loop_test(tc, test_load_builtins, 0, ARRAY_SIZE(builtins));
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
	tcase_add_test(tc, test_has_port);
	tcase_add_loop_test(tc, test_ports_bad_keeps_old, 0, ARRAY_SIZE(bad_port_lists));
	tcase_add_test(tc, test_ports_bad_keeps_old_uncached);
	tcase_add_test(tc, test_add_ports);
	tcase_add_test(tc, test_profile_ref);
	tcase_add_test(tc, test_profile_unref);
	suite_add_tcase(s, tc);

	tc = tcase_create("narrowing");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_addresses_good, 0, ARRAY_SIZE(good_addresses));
	tcase_add_loop_test(tc, test_addresses_bad, 0, ARRAY_SIZE(bad_addresses));
	tcase_add_loop_test(tc, test_interfaces_good, 0, ARRAY_SIZE(good_interfaces));
	tcase_add_loop_test(tc, test_interfaces_bad, 0, ARRAY_SIZE(bad_interfaces));
	tcase_add_test(tc, test_duplicates_merge);
	tcase_add_test(tc, test_forward_description);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_all_keys);
	tcase_add_test(tc, test_parse_defaults);
	tcase_add_loop_test(tc, test_parse_bad, 0, ARRAY_SIZE(bad_texts));
	tcase_add_test(tc, test_parse_bad_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, files_setup, files_teardown);
	tcase_add_test(tc, test_file_overrides_builtin);
	tcase_add_test(tc, test_file_broken);
	tcase_add_test(tc, test_file_unreadable);
	tcase_add_test(tc, test_file_unknown);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_list_broken);
	tcase_add_test(tc, test_list_no_dir);
	tcase_add_test(tc, test_profile_dir_env);
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
