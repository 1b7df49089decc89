// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * This host's addresses as getifaddrs(3) lists them, and which addresses
 * they make local: exact ones, an IPv4 loopback prefix whole (127.0.0.0/8,
 * 10.9.0.1/24 on lo), an IPv6 one not (the kernel routes only ::1 and the
 * address itself locally). And NAT read from a conntrack entry.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "rawtune-private.h"

/* One interface address as getifaddrs gives it, with its storage. */
struct fake_ifa {
	struct ifaddrs ifa;
	struct sockaddr_storage addr, mask;
	char name[IFNAMSIZ];
};

static struct fake_ifa fake[16];
static size_t nfake;

static struct sockaddr *sockaddr_of(struct sockaddr_storage *ss, int af, const char *text)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)af;
	if (af == AF_INET)
		ck_assert_int_eq(inet_pton(af, text, &((struct sockaddr_in *)ss)->sin_addr), 1);
	else
		ck_assert_int_eq(inet_pton(af, text, &((struct sockaddr_in6 *)ss)->sin6_addr), 1);
	return (struct sockaddr *)ss;
}

/* Append "name addr/mask" (@af AF_UNSPEC: an entry without an address, as for AF_PACKET). */
static void add(const char *name, unsigned int flags, int af, const char *addr, const char *mask)
{
	struct fake_ifa *f = &fake[nfake];

	ck_assert_uint_lt(nfake, ARRAY_SIZE(fake));
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->ifa.ifa_name = f->name;
	f->ifa.ifa_flags = flags;
	if (af != AF_UNSPEC) {
		f->ifa.ifa_addr = sockaddr_of(&f->addr, af, addr);
		f->ifa.ifa_netmask = sockaddr_of(&f->mask, af, mask);
	}
	if (nfake)
		fake[nfake - 1].ifa.ifa_next = &f->ifa;
	nfake++;
}

static struct rt_host_addrs addrs;

/* A host as `ip addr` would show it after "ip addr add 10.9.0.1/24 dev lo" and the like. */
static void setup(void)
{
	const unsigned int lo = IFF_UP | IFF_LOOPBACK, eth = IFF_UP | IFF_BROADCAST;

	nfake = 0;
	add("lo", lo, AF_UNSPEC, NULL, NULL);
	add("eth0", eth, AF_UNSPEC, NULL, NULL);
	add("lo", lo, AF_INET, "127.0.0.1", "255.0.0.0");
	add("lo", lo, AF_INET, "10.9.0.1", "255.255.255.0");
	add("eth0", eth, AF_INET, "192.0.2.10", "255.255.255.0");
	add("lo", lo, AF_INET6, "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	add("lo", lo, AF_INET6, "fd00::1", "ffff:ffff:ffff:ffff::");
	add("eth0", eth, AF_INET6, "2001:db8::10", "ffff:ffff:ffff:ffff::");
	add("eth0", eth, AF_INET6, "fe80::1", "ffff:ffff:ffff:ffff::");
	ck_assert_int_eq(rt_host_addrs_from(&fake[0].ifa, &addrs), 0);
}

static void teardown(void)
{
	rt_host_addrs_free(&addrs);
	ck_assert_ptr_null(addrs.addr);
	ck_assert_uint_eq(addrs.n, 0);
}

static bool local(const char *text)
{
	int af = strchr(text, ':') ? AF_INET6 : AF_INET;
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(af, text, &a), 1);
	return rt_host_addr_is_local(&addrs, af, &a);
}

static const struct {
	const char *addr;
	bool local;
} answers[] = {
	/* lo's IPv4 prefixes, whole: the kernel's local routes 127.0.0.0/8, 10.9.0.0/24 */
	{ "127.0.0.1", true },
	{ "127.0.0.2", true },
	{ "127.255.255.254", true },
	{ "128.0.0.1", false },
	{ "126.255.255.255", false },
	{ "10.9.0.1", true },
	{ "10.9.0.2", true },
	{ "10.9.1.2", false },
	/* another interface: its address, not its prefix */
	{ "192.0.2.10", true },
	{ "192.0.2.11", false },
	/* IPv6 on lo: the address only (fd00::/64 through lo is unreachable, not local) */
	{ "::1", true },
	{ "::2", false },
	{ "fd00::1", true },
	{ "fd00::2", false },
	{ "2001:db8::10", true },
	{ "2001:db8::11", false },
	{ "fe80::1", true },
	/* the families do not mix: 127.0.0.1's bytes are no IPv6 address of lo */
	{ "7f00:1::", false },
	{ "::ffff:127.0.0.1", false },
};

START_TEST(test_is_local)
{
	ck_assert_msg(local(answers[_i].addr) == answers[_i].local, "%s: want %s",
		      answers[_i].addr, answers[_i].local ? "local" : "not local");
}
END_TEST

START_TEST(test_list)
{
	static const struct {
		int af;
		const char *addr;
		unsigned int prefix;
		const char *iface;
	} want[] = {
		{ AF_INET, "127.0.0.1", 8, "lo" },	   { AF_INET, "10.9.0.1", 24, "lo" },
		{ AF_INET, "192.0.2.10", 32, "eth0" },	   { AF_INET6, "::1", 128, "lo" },
		{ AF_INET6, "fd00::1", 128, "lo" },	   { AF_INET6, "2001:db8::10", 128, "eth0" },
		{ AF_INET6, "fe80::1", 128, "eth0" },
	};

	/* the entries without an address (AF_PACKET) are left out */
	ck_assert_uint_eq(addrs.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		uint8_t a[16] = { 0 };

		ck_assert_int_eq(inet_pton(want[i].af, want[i].addr, a), 1);
		ck_assert_int_eq(addrs.addr[i].af, want[i].af);
		ck_assert_mem_eq(addrs.addr[i].addr, a, sizeof(a));
		ck_assert_uint_eq(addrs.addr[i].prefix, want[i].prefix);
		ck_assert_str_eq(addrs.addr[i].iface, want[i].iface);
	}
}
END_TEST

/* No address at all (a namespace whose lo is down): nothing is local, not even 127.0.0.1. */
START_TEST(test_empty)
{
	struct rt_host_addrs none;
	struct in_addr a = { htonl(INADDR_LOOPBACK) };

	ck_assert_int_eq(rt_host_addrs_from(NULL, &none), 0);
	ck_assert_uint_eq(none.n, 0);
	ck_assert(!rt_host_addr_is_local(&none, AF_INET, &a));
	ck_assert(!rt_host_addr_is_local(&addrs, AF_INET, NULL));
	rt_host_addrs_free(&none);
}
END_TEST

/* This namespace's own list, read with getifaddrs: each of its addresses is local. */
START_TEST(test_read)
{
	struct rawtune_ctx *ctx;
	struct rt_host_addrs here;

	ck_assert_int_eq(rawtune_new(&ctx), 0);
	ck_assert_int_eq(rt_host_addrs_read(ctx, &here), 0);
	for (size_t i = 0; i < here.n; i++)
		ck_assert(rt_host_addr_is_local(&here, here.addr[i].af, here.addr[i].addr));
	rt_host_addrs_free(&here);
	rawtune_unref(ctx);
}
END_TEST

START_TEST(test_prefix_contains)
{
	uint8_t net[4] = { 10, 9, 0, 0 }, in[4] = { 10, 9, 0, 255 }, out[4] = { 10, 9, 1, 0 };
	uint8_t odd[4] = { 10, 9, 0, 128 };

	ck_assert(rt_prefix_contains(net, 24, in));
	ck_assert(!rt_prefix_contains(net, 24, out));
	ck_assert(rt_prefix_contains(net, 23, out));
	ck_assert(!rt_prefix_contains(net, 25, odd));
	ck_assert(rt_prefix_contains(net, 0, odd));
	ck_assert(rt_prefix_contains(in, 32, in));
}
END_TEST

/* ---- NAT of a conntrack entry -------------------------------------------------- */

enum { PLAIN, SNAT, DNAT, SPAT, DPAT };

/* A TCP entry 192.0.2.1:40000 -> 192.0.2.10:80, its reply changed as @how says. */
static struct nf_conntrack *entry4(int how, uint32_t status, bool has_status)
{
	struct nf_conntrack *ct = nfct_new();

	ck_assert_ptr_nonnull(ct);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_SRC, inet_addr("192.0.2.1"));
	nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_DST, inet_addr("192.0.2.10"));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(40000));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(80));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, inet_addr(how == DNAT ? "10.0.0.5" : "192.0.2.10"));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, inet_addr(how == SNAT ? "198.51.100.1" : "192.0.2.1"));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(how == DPAT ? 8080 : 80));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(how == SPAT ? 50000 : 40000));
	if (has_status)
		nfct_set_attr_u32(ct, ATTR_STATUS, status);
	return ct;
}

START_TEST(test_nat4)
{
	static const struct {
		int how;
		uint32_t status;
		bool has_status, nat;
	} cases[] = {
		{ PLAIN, 0, false, false },
		/* the _DONE bits are on every entry once a nat table exists */
		{ PLAIN, IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE | IPS_CONFIRMED, true, false },
		{ SNAT, 0, false, true },
		{ DNAT, 0, false, true },
		{ SPAT, 0, false, true },
		{ DPAT, 0, false, true },
		{ PLAIN, IPS_DST_NAT, true, true },
		{ PLAIN, IPS_SRC_NAT, true, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct nf_conntrack *ct = entry4(cases[i].how, cases[i].status, cases[i].has_status);

		ck_assert_msg(rt_ct_is_nat(ct) == cases[i].nat, "case %zu", i);
		nfct_destroy(ct);
	}
}
END_TEST

/*
 * IPv6 NAT within a /32 (2001:db8::1 to 2001:db8::2), which older
 * libnetfilter_conntrack's comparison of the first 32 bits misses: the
 * status bits still tell.
 */
START_TEST(test_nat6_within_32)
{
	struct nf_conntrack *ct = nfct_new();
	struct in6_addr a, b, c;

	ck_assert_ptr_nonnull(ct);
	inet_pton(AF_INET6, "2001:db8::c", &c);
	inet_pton(AF_INET6, "2001:db8::1", &a);
	inet_pton(AF_INET6, "2001:db8::2", &b);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET6);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	nfct_set_attr(ct, ATTR_ORIG_IPV6_SRC, &c);
	nfct_set_attr(ct, ATTR_ORIG_IPV6_DST, &a);
	nfct_set_attr(ct, ATTR_REPL_IPV6_SRC, &b);
	nfct_set_attr(ct, ATTR_REPL_IPV6_DST, &c);
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(40000));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(80));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(80));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(40000));
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_DST_NAT | IPS_DST_NAT_DONE);
	ck_assert(rt_ct_is_nat(ct));
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_DST_NAT_DONE);
	nfct_set_attr(ct, ATTR_REPL_IPV6_SRC, &a);
	ck_assert(!rt_ct_is_nat(ct));
	nfct_destroy(ct);
}
END_TEST

static Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc;

	tc = tcase_create("addresses");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_is_local, 0, ARRAY_SIZE(answers));
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_prefix_contains);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_add_test(tc, test_nat4);
	tcase_add_test(tc, test_nat6_within_32);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(host_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
