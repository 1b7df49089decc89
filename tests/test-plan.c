// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Profiles as abstract rules, and those rules as iptables-save prints them.
 * The plan is the raw table only: rawtune untracks, it never opens ports (the
 * filter side is the firewall's own rules' twins, verdict.c, not the plan).
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

#define LINE_MAX_LEN 1024
#define WEB_COMMENT "-m comment --comment \"rawtune:web\""
#define DNS_COMMENT "-m comment --comment \"rawtune:dns\""
#define CLI_COMMENT "-m comment --comment \"rawtune:cli\""
/* the SYN flags, as iptables-save prints --syn and ! --syn */
#define SYN "--tcp-flags FIN,SYN,RST,ACK SYN"
#define NOTSYN "! --tcp-flags FIN,SYN,RST,ACK SYN"
#define NOTRACK " -j CT --notrack"

static struct rawtune_ctx *ctx;

static void setup(void)
{
	ck_assert_int_eq(rawtune_new(&ctx), 0);
	/* the built-in profiles, whatever the machine has in its profile directory */
	ck_assert_int_eq(rawtune_set_profile_dir(ctx, "/nonexistent"), 0);
}

static void teardown(void)
{
	ck_assert_ptr_null(rawtune_unref(ctx));
	ctx = NULL;
}

static struct rawtune_profile *profile(const char *name, const char *ports,
				       unsigned int protocols, enum rawtune_direction direction)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, name, &p), 0);
	ck_assert_msg(rawtune_profile_set_ports(p, ports) == 0, "ports '%s': %s", ports,
		      rawtune_last_error(ctx));
	ck_assert_int_eq(rawtune_profile_set_protocols(p, protocols), 0);
	ck_assert_int_eq(rawtune_profile_set_direction(p, direction), 0);
	return p;
}

static struct rawtune_profile *web(const char *ports)
{
	return profile("web", ports, RAWTUNE_PROTO_TCP, RAWTUNE_DIRECTION_SERVER);
}

/* A client of the servers @peers. */
static struct rawtune_profile *client(const char *ports, unsigned int protocols,
				      const char *peers)
{
	struct rawtune_profile *p = profile("cli", ports, protocols, RAWTUNE_DIRECTION_CLIENT);

	ck_assert_msg(rawtune_profile_set_peers(p, peers) == 0, "peers '%s': %s", peers,
		      rawtune_last_error(ctx));
	return p;
}

static void plan(const struct rawtune_profile *p, enum rt_table table, struct rt_plan *out)
{
	ck_assert_int_eq(rt_plan_table(p, table, out), 0);
}

static const struct rt_plan_env no_loopback = {
	.loopback = false,
	.ephemeral = { 32768, 60999 },
};

static void plan_env(const struct rawtune_profile *p, const struct rt_plan_env *env,
		     struct rt_plan *out)
{
	ck_assert_int_eq(rt_plan_table_env(p, RT_TABLE_RAW, env, out), 0);
}

static void render(const struct rt_rule *r, char buf[LINE_MAX_LEN])
{
	int len = rt_rule_render(r, buf, LINE_MAX_LEN);

	ck_assert_int_gt(len, 0);
	ck_assert_int_lt(len, LINE_MAX_LEN);
	ck_assert_uint_eq(strlen(buf), (size_t)len);
}

/* @pl renders as exactly @want, in order; every rule is a raw rule of rawtune's. */
static void assert_rules_text(struct rt_plan *pl, const char *const *want, size_t n)
{
	char buf[LINE_MAX_LEN];

	for (size_t i = 0; i < pl->n && i < n; i++) {
		render(&pl->rule[i], buf);
		ck_assert_msg(strcmp(buf, want[i]) == 0, "rule %zu:\n  got  %s\n  want %s", i, buf,
			      want[i]);
	}
	if (pl->n > n)
		render(&pl->rule[n], buf);
	ck_assert_msg(pl->n == n, "%zu rules, want %zu%s%s", pl->n, n,
		      pl->n > n ? "; the first one more: " : "", pl->n > n ? buf : "");
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(pl->rule[i].table, RT_TABLE_RAW);
		ck_assert(!pl->rule[i].foreign);
	}
	rt_plan_clear(pl);
}

/*
 * The raw plan renders as exactly @want, in order: for both families, or with
 * @family only what rt_plan_keep_family() leaves for it.
 */
static void assert_family_text(const struct rawtune_profile *p, enum rawtune_family family,
			       const char *const *want, size_t n)
{
	struct rt_plan pl;

	plan(p, RT_TABLE_RAW, &pl);
	if (family)
		rt_plan_keep_family(&pl, family);
	assert_rules_text(&pl, want, n);
}

static void assert_plan_text(const struct rawtune_profile *p, const char *const *want, size_t n)
{
	assert_family_text(p, 0, want, n);
}

/* The same with @env. */
static void assert_env_text(const struct rawtune_profile *p, const struct rt_plan_env *env,
			    const char *const *want, size_t n)
{
	struct rt_plan pl;

	plan_env(p, env, &pl);
	assert_rules_text(&pl, want, n);
}

/* The filter table's plan is empty, with either entry point. */
static void assert_no_filter(const struct rawtune_profile *p)
{
	struct rt_plan pl;

	memset(&pl, 0x5a, sizeof(pl));
	plan(p, RT_TABLE_FILTER, &pl);
	ck_assert_uint_eq(pl.n, 0);
	ck_assert_ptr_null(pl.rule);
	memset(&pl, 0x5a, sizeof(pl));
	ck_assert_int_eq(rt_plan_table_env(p, RT_TABLE_FILTER, &no_loopback, &pl), 0);
	ck_assert_uint_eq(pl.n, 0);
	ck_assert_ptr_null(pl.rule);
	rt_plan_clear(&pl);
}

/* Move the count rules of @pl to @counts (when not NULL); returns how many there were. */
static size_t without_count(struct rt_plan *pl, struct rt_plan *counts)
{
	size_t out = 0, n = pl->n;

	if (counts) {
		counts->n = 0;
		counts->rule = calloc(n ? n : 1, sizeof(*counts->rule));
		ck_assert_ptr_nonnull(counts->rule);
	}
	for (size_t i = 0; i < n; i++) {
		if (pl->rule[i].verdict != RT_VERDICT_COUNT)
			pl->rule[out++] = pl->rule[i];
		else if (counts)
			counts->rule[counts->n++] = pl->rule[i];
	}
	pl->n = out;
	return n - out;
}

/* The notrack rule a count rule stands before: the same rule without the flags, with a target. */
static struct rt_rule notrack_twin(const struct rt_rule *count)
{
	struct rt_rule r = *count;

	r.syn = false;
	r.verdict = RT_VERDICT_NOTRACK;
	return r;
}

/* ---- a server: the rules of one port --------------------------------------- */

static const char *const web80_raw[] = {
	/* the count rule: no target, SYN only, right before the inbound notrack rule */
	"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 " SYN " -m addrtype --dst-type LOCAL "
	WEB_COMMENT,
	"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL "
	WEB_COMMENT NOTRACK,
	/* the replies: never a SYN, so a socket on port 80 that connects out stays tracked */
	"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT NOTRACK,
	/* a local client's requests */
	"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT NOTRACK,
};

START_TEST(test_web80)
{
	struct rawtune_profile *p = web("80");

	assert_plan_text(p, web80_raw, ARRAY_SIZE(web80_raw));
	assert_no_filter(p);
	rawtune_profile_unref(p);
}
END_TEST

/* No rule belongs to one family: each family keeps them all. */
START_TEST(test_web80_keep_family)
{
	struct rawtune_profile *p = web("80");

	assert_family_text(p, RAWTUNE_FAMILY_IPV4, web80_raw, ARRAY_SIZE(web80_raw));
	assert_family_text(p, RAWTUNE_FAMILY_IPV6, web80_raw, ARRAY_SIZE(web80_raw));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Whatever the profile, the filter table gets nothing from the plan. Loop:
 * server, client with peers, forward, each with udp, an owner, addresses and
 * interfaces or not.
 */
START_TEST(test_filter_empty)
{
	struct rawtune_profile *p = profile("x", "53,80,8000-8100", RAWTUNE_PROTO_TCP |
					    RAWTUNE_PROTO_UDP, _i & 1 ? RAWTUNE_DIRECTION_CLIENT
								      : RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;

	rawtune_profile_set_forward(p, _i & 2);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	if (_i & 4) {
		ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1"), 0);
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo"), 0);
		ck_assert_int_eq(rawtune_profile_set_owner(p, "100"), 0);
	}
	assert_no_filter(p);
	/* and the raw table has rules */
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_gt(pl.n, 0);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* web's inbound rule in raw PREROUTING for tcp port 80 to a local address. */
static void assert_inbound_80(const struct rt_rule *r, bool syn, enum rt_verdict verdict)
{
	ck_assert_int_eq(r->table, RT_TABLE_RAW);
	ck_assert_int_eq(r->hook, RT_HOOK_PREROUTING);
	ck_assert_uint_eq(r->proto, IPPROTO_TCP);
	ck_assert(r->syn == syn);
	ck_assert(!r->notsyn);
	ck_assert(r->dport);
	ck_assert(r->dst_local);
	ck_assert(!r->untracked);
	ck_assert(!r->foreign);
	ck_assert_str_eq(r->iniface, "");
	ck_assert_str_eq(r->outiface, "");
	ck_assert(!r->outiface_inv);
	ck_assert(!r->has_other && !r->has_owner);
	ck_assert_uint_eq(r->nports, 1);
	ck_assert_uint_eq(r->ports[0].lo, 80);
	ck_assert_uint_eq(r->ports[0].hi, 80);
	ck_assert_str_eq(r->comment, "rawtune:web");
	ck_assert_int_eq(r->verdict, verdict);
	ck_assert_int_eq(r->family, 0);
	ck_assert(!r->pmtu && !r->dst_not_local);
	ck_assert_int_eq(r->src.family, 0);
	ck_assert_int_eq(r->dst.family, 0);
}

START_TEST(test_web80_fields)
{
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;
	struct rt_rule twin;
	const struct rt_rule *r;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 4);
	/* the count rule, then the notrack rule */
	assert_inbound_80(&pl.rule[0], true, RT_VERDICT_COUNT);
	assert_inbound_80(&pl.rule[1], false, RT_VERDICT_NOTRACK);
	/* they differ in the SYN flags and the target only */
	twin = notrack_twin(&pl.rule[0]);
	ck_assert(rt_rule_equal(&twin, &pl.rule[1]));
	/* the reply: source port 80, every segment but a SYN, out any interface */
	r = &pl.rule[2];
	ck_assert_int_eq(r->hook, RT_HOOK_OUTPUT);
	ck_assert(!r->dport && r->notsyn && !r->syn);
	ck_assert(!r->dst_local && !r->dst_not_local);
	ck_assert_str_eq(r->outiface, "");
	ck_assert(!r->outiface_inv && !r->has_other && !r->has_owner);
	ck_assert_uint_eq(r->ports[0].lo, 80);
	/* the loopback rule: a local client's requests, any flags */
	r = &pl.rule[3];
	ck_assert_int_eq(r->hook, RT_HOOK_OUTPUT);
	ck_assert(r->dport && !r->notsyn && !r->syn);
	ck_assert_str_eq(r->outiface, "lo");
	ck_assert(!r->outiface_inv && !r->dst_local);
	for (size_t i = 1; i < pl.n; i++) {
		ck_assert(!pl.rule[i].syn);
		ck_assert(!pl.rule[i].pmtu && !pl.rule[i].untracked);
		ck_assert_int_eq(pl.rule[i].verdict, RT_VERDICT_NOTRACK);
	}
	rt_plan_clear(&pl);
	ck_assert_uint_eq(pl.n, 0);
	ck_assert_ptr_null(pl.rule);
	rawtune_profile_unref(p);
}
END_TEST

/* rt_plan_table() is rt_plan_table_env() with the default: loopback, 32768-60999. */
START_TEST(test_default_env)
{
	struct rawtune_profile *s = web("80,443");
	struct rawtune_profile *c = client("80,443", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					   "192.0.2.10");
	struct rawtune_profile *both[] = { s, c };

	ck_assert(rt_plan_env_default.loopback);
	ck_assert_uint_eq(rt_plan_env_default.ephemeral.lo, 32768);
	ck_assert_uint_eq(rt_plan_env_default.ephemeral.hi, 60999);
	for (size_t k = 0; k < ARRAY_SIZE(both); k++) {
		struct rt_plan a, b;

		plan(both[k], RT_TABLE_RAW, &a);
		plan_env(both[k], &rt_plan_env_default, &b);
		ck_assert_uint_gt(a.n, 0);
		ck_assert_uint_eq(a.n, b.n);
		for (size_t i = 0; i < a.n; i++)
			ck_assert(rt_rule_equal(&a.rule[i], &b.rule[i]));
		rt_plan_clear(&a);
		rt_plan_clear(&b);
	}
	rawtune_profile_unref(s);
	rawtune_profile_unref(c);
}
END_TEST

/* Where the golden files are: $TESTS_SRCDIR (make check), else ./tests. */
static FILE *golden_open(const char *name)
{
	const char *dir = getenv("TESTS_SRCDIR");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/golden/%s", dir ? dir : "tests", name);
	f = fopen(path, "re");
	ck_assert_msg(f, "cannot open %s", path);
	return f;
}

/*
 * iptables-legacy-save lists chains by name, so compare as sets: every
 * "-A RAWTUNE-" line of the raw table in the golden file is one rule of the
 * plan, and the filter table has no such line.
 */
static void assert_golden(const char *name, const struct rawtune_profile *p,
			  enum rawtune_family family)
{
	static const char *const tables[RT_TABLE_COUNT] = { "*raw", "*filter" };
	struct rt_plan pl;
	bool *seen;
	char line[LINE_MAX_LEN], buf[LINE_MAX_LEN];
	FILE *f = golden_open(name);
	int table = -1;
	size_t lines = 0;

	plan(p, RT_TABLE_RAW, &pl);
	rt_plan_keep_family(&pl, family);
	seen = calloc(pl.n ? pl.n : 1, sizeof(bool));
	ck_assert_ptr_nonnull(seen);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (int t = 0; t < RT_TABLE_COUNT; t++)
			if (strcmp(line, tables[t]) == 0)
				table = t;
		if (strncmp(line, "-A RAWTUNE-", 11) != 0)
			continue;
		ck_assert_msg(table == RT_TABLE_RAW, "%s: a rule outside the raw table: %s", name,
			      line);
		bool found = false;

		for (size_t i = 0; i < pl.n && !found; i++) {
			render(&pl.rule[i], buf);
			if (strcmp(buf, line) == 0 && !seen[i])
				found = seen[i] = true;
		}
		ck_assert_msg(found, "%s: no rule of the plan renders as: %s", name, line);
		lines++;
	}
	fclose(f);
	ck_assert_uint_gt(lines, 0);
	ck_assert_uint_eq(lines, pl.n);
	free(seen);
	rt_plan_clear(&pl);
}

START_TEST(test_golden_web80)
{
	struct rawtune_profile *p = web("80");

	assert_golden("web-80.ipv4", p, RAWTUNE_FAMILY_IPV4);
	assert_golden("web-80.ipv6", p, RAWTUNE_FAMILY_IPV6);
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_golden_web)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	assert_golden("web.ipv4", p, RAWTUNE_FAMILY_IPV4);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * The built-in web profile: two ports, one multiport rule per template. The
 * flags, --syn and ! --syn, go in a tcp match of their own, before the
 * multiport match.
 */
START_TEST(test_web_multiport)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m tcp " SYN
		" -m multiport --dports 80,443 -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m multiport --dports 80,443 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -p tcp -m tcp " NOTSYN " -m multiport --sports 80,443 "
		WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m multiport --dports 80,443 " WEB_COMMENT NOTRACK,
	};
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	assert_no_filter(p);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * tcp and udp: each template's rule twice, tcp first; the count rule for tcp
 * only, and ! --syn on the tcp reply only: udp has no flags.
 */
START_TEST(test_tcp_udp)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 53 " SYN
		" -m addrtype --dst-type LOCAL " DNS_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 53 -m addrtype --dst-type LOCAL "
		DNS_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -p udp -m udp --dport 53 -m addrtype --dst-type LOCAL "
		DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 53 " NOTSYN " " DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -p udp -m udp --sport 53 " DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 53 " DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p udp -m udp --dport 53 " DNS_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = profile("dns", "53", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);
	struct rawtune_profile *tcp = profile("dns", "53", RAWTUNE_PROTO_TCP,
					      RAWTUNE_DIRECTION_SERVER);
	struct rt_plan both, one, count_both, count_one;

	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	/* without the count rule, each tcp rule has its udp rule after it */
	plan(p, RT_TABLE_RAW, &both);
	plan(tcp, RT_TABLE_RAW, &one);
	ck_assert_uint_eq(without_count(&both, &count_both), 1);
	ck_assert_uint_eq(without_count(&one, &count_one), 1);
	ck_assert_uint_eq(both.n, 6);
	ck_assert_uint_eq(one.n, 3);
	for (size_t i = 0; i < one.n; i++) {
		struct rt_rule udp = one.rule[i];

		ck_assert(rt_rule_equal(&both.rule[2 * i], &one.rule[i]));
		/* the reply (i == 1) loses ! --syn with the protocol */
		ck_assert(udp.notsyn == (i == 1));
		udp.proto = IPPROTO_UDP;
		ck_assert(!rt_rule_equal(&both.rule[2 * i + 1], &udp) || !udp.notsyn);
		udp.notsyn = false;
		ck_assert(rt_rule_equal(&both.rule[2 * i + 1], &udp));
	}
	/* udp adds no count rule */
	ck_assert_uint_eq(count_both.rule[0].proto, IPPROTO_TCP);
	ck_assert(rt_rule_equal(&count_both.rule[0], &count_one.rule[0]));
	rt_plan_clear(&both);
	rt_plan_clear(&one);
	rt_plan_clear(&count_both);
	rt_plan_clear(&count_one);
	rawtune_profile_unref(p);
	rawtune_profile_unref(tcp);
}
END_TEST

START_TEST(test_udp_only)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p udp -m multiport --dports 53,123 -m addrtype --dst-type "
		"LOCAL -m comment --comment \"rawtune:udp\"" NOTRACK,
		"-A RAWTUNE-OUTPUT -p udp -m multiport --sports 53,123 -m comment --comment "
		"\"rawtune:udp\"" NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p udp -m multiport --dports 53,123 -m comment --comment "
		"\"rawtune:udp\"" NOTRACK,
	};
	struct rawtune_profile *p =
		profile("udp", "123,53", RAWTUNE_PROTO_UDP, RAWTUNE_DIRECTION_SERVER);

	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * UDP has no count rule and no flags, whatever the profile: the notrack
 * rule's own counter counts the datagrams. Loop over server and client, each
 * without and with forward, addresses and interfaces.
 */
START_TEST(test_udp_no_count)
{
	struct rawtune_profile *p = profile("udp", "53,123,8000-8100", RAWTUNE_PROTO_UDP,
					    _i & 1 ? RAWTUNE_DIRECTION_CLIENT
						   : RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;

	rawtune_profile_set_forward(p, _i & 2);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	if (_i & 4) {
		ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1"), 0);
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo"), 0);
	}
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_gt(pl.n, 0);
	for (size_t i = 0; i < pl.n; i++) {
		ck_assert(!pl.rule[i].syn && !pl.rule[i].notsyn);
		ck_assert_uint_eq(pl.rule[i].proto, IPPROTO_UDP);
		ck_assert_int_eq(pl.rule[i].verdict, RT_VERDICT_NOTRACK);
	}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* With tcp and udp, the count rules are the tcp profile's, and only those. */
START_TEST(test_count_tcp_only)
{
	enum rawtune_direction dir = _i & 1 ? RAWTUNE_DIRECTION_CLIENT : RAWTUNE_DIRECTION_SERVER;
	struct rawtune_profile *both = profile("x", "53,80,8000-8100", RAWTUNE_PROTO_TCP |
					       RAWTUNE_PROTO_UDP, dir);
	struct rawtune_profile *tcp = profile("x", "53,80,8000-8100", RAWTUNE_PROTO_TCP, dir);
	struct rt_plan pb, pt, cb, ct;

	rawtune_profile_set_forward(both, _i & 2);
	rawtune_profile_set_forward(tcp, _i & 2);
	ck_assert_int_eq(rawtune_profile_set_peers(both, "192.0.2.10"), 0);
	ck_assert_int_eq(rawtune_profile_set_peers(tcp, "192.0.2.10"), 0);
	plan(both, RT_TABLE_RAW, &pb);
	plan(tcp, RT_TABLE_RAW, &pt);
	ck_assert_uint_eq(without_count(&pb, &cb), 1);
	ck_assert_uint_eq(without_count(&pt, &ct), 1);
	ck_assert_uint_eq(cb.n, ct.n);
	for (size_t i = 0; i < cb.n; i++) {
		ck_assert_uint_eq(cb.rule[i].proto, IPPROTO_TCP);
		ck_assert(rt_rule_equal(&cb.rule[i], &ct.rule[i]));
	}
	/* every other rule is there for each protocol */
	ck_assert_uint_eq(pb.n, 2 * pt.n);
	rt_plan_clear(&pb);
	rt_plan_clear(&pt);
	rt_plan_clear(&cb);
	rt_plan_clear(&ct);
	rawtune_profile_unref(both);
	rawtune_profile_unref(tcp);
}
END_TEST

START_TEST(test_ranges)
{
	static const char *const one[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 8000:8100 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 8000:8100 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 8000:8100 " NOTSYN " " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 8000:8100 " WEB_COMMENT NOTRACK,
	};
	static const char *const mixed[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m tcp " SYN
		" -m multiport --dports 80,8000:8100,9000 -m addrtype --dst-type LOCAL "
		WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m multiport --dports 80,8000:8100,9000 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -p tcp -m tcp " NOTSYN " -m multiport --sports 80,8000:8100,9000 "
		WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m multiport --dports 80,8000:8100,9000 "
		WEB_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = web("8000-8100");

	assert_plan_text(p, one, ARRAY_SIZE(one));
	ck_assert_int_eq(rawtune_profile_set_ports(p, "9000,8000-8100,80"), 0);
	assert_plan_text(p, mixed, ARRAY_SIZE(mixed));
	rawtune_profile_unref(p);
}
END_TEST

/* No ports, no rules (apply refuses such a profile before it gets here). */
START_TEST(test_no_ports)
{
	struct rawtune_profile *p;
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_new(ctx, "empty", &p), 0);
	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		plan(p, t, &pl);
		ck_assert_uint_eq(pl.n, 0);
		rt_plan_clear(&pl);
	}
	rawtune_profile_unref(p);
}
END_TEST

/* ---- the owner: a UDP server's replies from its own user only --------------- */

START_TEST(test_owner_udp_reply)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 53 " SYN
		" -m addrtype --dst-type LOCAL " DNS_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 53 -m addrtype --dst-type LOCAL "
		DNS_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -p udp -m udp --dport 53 -m addrtype --dst-type LOCAL "
		DNS_COMMENT NOTRACK,
		/* tcp replies need no owner: ! --syn keeps a connecting socket tracked */
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 53 " NOTSYN " " DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -p udp -m udp --sport 53 -m owner --uid-owner 100 " DNS_COMMENT
		NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 53 " DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p udp -m udp --dport 53 " DNS_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = profile("dns", "53", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;
	size_t owned = 0;

	ck_assert_int_eq(rawtune_profile_set_owner(p, "100"), 0);
	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	plan(p, RT_TABLE_RAW, &pl);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];
		bool want = r->proto == IPPROTO_UDP && r->hook == RT_HOOK_OUTPUT && !r->dport;

		ck_assert(r->has_owner == want);
		ck_assert_uint_eq(r->owner, want ? 100 : 0);
		owned += want;
	}
	ck_assert_uint_eq(owned, 1);
	rt_plan_clear(&pl);
	/* the owner given again as nothing: no owner match */
	ck_assert_int_eq(rawtune_profile_set_owner(p, ""), 0);
	plan(p, RT_TABLE_RAW, &pl);
	for (size_t i = 0; i < pl.n; i++)
		ck_assert(!pl.rule[i].has_owner);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* uid 0 is an owner like any other: "root" resolves to it, and the match is there. */
START_TEST(test_owner_root)
{
	struct rawtune_profile *p = profile("dns", "53,5353", RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);
	char buf[LINE_MAX_LEN];
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_owner(p, "root"), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 2);
	ck_assert(pl.rule[1].has_owner);
	ck_assert_uint_eq(pl.rule[1].owner, 0);
	render(&pl.rule[1], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-OUTPUT -o eth0 -p udp -m multiport --sports 53,5353 "
			      "-m owner --uid-owner 0 -m comment --comment \"rawtune:dns\""
			      NOTRACK);
	rt_plan_clear(&pl);
	/* the largest uid */
	ck_assert_int_eq(rawtune_profile_set_owner(p, "4294967294"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.rule[1].owner, 4294967294u);
	render(&pl.rule[1], buf);
	ck_assert_ptr_nonnull(strstr(buf, " -m owner --uid-owner 4294967294 "));
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Only a server's own UDP replies carry the owner: a client's requests and
 * replies, and forwarded flows, are no local service's. Loop: tcp or udp x
 * server, client, forward.
 */
START_TEST(test_owner_only_server_udp)
{
	unsigned int proto = _i & 1 ? RAWTUNE_PROTO_UDP : RAWTUNE_PROTO_TCP;
	int kind = _i / 2; /* 0 server, 1 client, 2 forward */
	struct rawtune_profile *p = profile("x", "53,123", proto, kind == 1
						  ? RAWTUNE_DIRECTION_CLIENT
						  : RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;
	size_t owned = 0;

	rawtune_profile_set_forward(p, kind == 2);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	ck_assert_int_eq(rawtune_profile_set_owner(p, "1000"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_gt(pl.n, 0);
	for (size_t i = 0; i < pl.n; i++)
		owned += pl.rule[i].has_owner;
	ck_assert_uint_eq(owned, kind == 0 && proto == RAWTUNE_PROTO_UDP ? 1 : 0);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* ---- the loopback: when the firewall's path for a local client needs more ---- */

/*
 * Without loopback (rt_plan_env.loopback false) a local client stays tracked:
 * no rule for its requests on lo, and the replies to it stay tracked too,
 * "! -o lo".
 */
START_TEST(test_loopback_off)
{
	static const char *const raw[] = {
		web80_raw[0],
		web80_raw[1],
		"-A RAWTUNE-OUTPUT ! -o lo -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;

	assert_env_text(p, &no_loopback, raw, ARRAY_SIZE(raw));
	plan_env(p, &no_loopback, &pl);
	ck_assert_str_eq(pl.rule[2].outiface, "lo");
	ck_assert(pl.rule[2].outiface_inv);
	ck_assert(pl.rule[2].notsyn);
	/* the only rule with the inversion */
	ck_assert(!pl.rule[0].outiface_inv && !pl.rule[1].outiface_inv);
	rt_plan_clear(&pl);
	/* the default keeps the loopback rule, and the reply goes out anywhere */
	plan_env(p, &rt_plan_env_default, &pl);
	ck_assert_uint_eq(pl.n, 4);
	for (size_t i = 0; i < pl.n; i++)
		ck_assert(!pl.rule[i].outiface_inv);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* With addresses, and with udp and an owner: the reply keeps them all and "! -o lo". */
START_TEST(test_loopback_off_addresses)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -d 192.0.2.1/32 -p udp -m udp --dport 53 "
		"-m addrtype --dst-type LOCAL " DNS_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -s 192.0.2.1/32 ! -o lo -p udp -m udp --sport 53 -m owner "
		"--uid-owner 53 " DNS_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = profile("dns", "53", RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	ck_assert_int_eq(rawtune_profile_set_owner(p, "53"), 0);
	assert_env_text(p, &no_loopback, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

/* Interfaces that leave out lo: the same plan with or without loopback, no "! -o". */
START_TEST(test_loopback_off_interfaces)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m tcp --dport 80 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o eth0 -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT
		NOTRACK,
	};
	struct rawtune_profile *p = web("80");

	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0"), 0);
	assert_env_text(p, &no_loopback, raw, ARRAY_SIZE(raw));
	assert_env_text(p, &rt_plan_env_default, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

/* ---- a client: requests to its peers, replies from them to an ephemeral port ---- */

#define PEER4 "192.0.2.10/32"
#define PEER6 "2001:db8::10/128"

static const char *const cli80_raw[] = {
	/* its new flows start here: counted in OUTPUT, right before their notrack rule */
	"-A RAWTUNE-OUTPUT -d " PEER4 " -p tcp -m tcp --dport 80 " SYN " " CLI_COMMENT,
	"-A RAWTUNE-OUTPUT -d " PEER4 " -p tcp -m tcp --dport 80 " CLI_COMMENT NOTRACK,
	/* the replies: from the peer's port 80 to this host's ephemeral ports, no SYN */
	"-A RAWTUNE-PREROUTING -s " PEER4 " -p tcp -m tcp --sport 80 --dport 32768:60999 "
	NOTSYN " -m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK,
};

START_TEST(test_client)
{
	struct rawtune_profile *p = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");

	assert_plan_text(p, cli80_raw, ARRAY_SIZE(cli80_raw));
	assert_family_text(p, RAWTUNE_FAMILY_IPV4, cli80_raw, ARRAY_SIZE(cli80_raw));
	/* an IPv4 peer: nothing for IPv6 */
	assert_family_text(p, RAWTUNE_FAMILY_IPV6, NULL, 0);
	assert_no_filter(p);
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_client_fields)
{
	struct rawtune_profile *p = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");
	struct rt_plan pl;
	struct rt_rule twin;
	const struct rt_rule *r;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 3);
	for (size_t i = 0; i < pl.n; i++) {
		r = &pl.rule[i];
		ck_assert_int_eq(r->family, RAWTUNE_FAMILY_IPV4);
		ck_assert_uint_eq(r->proto, IPPROTO_TCP);
		ck_assert(!r->has_owner && !r->outiface_inv && !r->dst_not_local);
		ck_assert_str_eq(r->iniface, "");
		ck_assert_str_eq(r->outiface, "");
		ck_assert_str_eq(r->comment, "rawtune:cli");
	}
	/* the requests: to the peer, towards port 80, any local port */
	for (size_t i = 0; i < 2; i++) {
		r = &pl.rule[i];
		ck_assert_int_eq(r->hook, RT_HOOK_OUTPUT);
		ck_assert(r->dport && !r->notsyn && !r->has_other && !r->dst_local);
		ck_assert_int_eq(r->dst.family, RAWTUNE_FAMILY_IPV4);
		ck_assert_uint_eq(r->dst.prefix, 32);
		ck_assert_uint_eq(ntohl(r->dst.addr.v4.s_addr), 0xc000020a);
		ck_assert_int_eq(r->src.family, 0);
	}
	ck_assert_int_eq(pl.rule[0].verdict, RT_VERDICT_COUNT);
	twin = notrack_twin(&pl.rule[0]);
	ck_assert(rt_rule_equal(&twin, &pl.rule[1]));
	/* the replies: from the peer, its port 80, to the ephemeral range */
	r = &pl.rule[2];
	ck_assert_int_eq(r->hook, RT_HOOK_PREROUTING);
	ck_assert(!r->dport && r->notsyn && !r->syn && r->dst_local);
	ck_assert(r->has_other);
	ck_assert_uint_eq(r->other.lo, 32768);
	ck_assert_uint_eq(r->other.hi, 60999);
	ck_assert_uint_eq(r->nports, 1);
	ck_assert_uint_eq(r->ports[0].lo, 80);
	ck_assert_int_eq(r->src.family, RAWTUNE_FAMILY_IPV4);
	ck_assert_uint_eq(ntohl(r->src.addr.v4.s_addr), 0xc000020a);
	ck_assert_int_eq(r->dst.family, 0);
	ck_assert_int_eq(r->verdict, RT_VERDICT_NOTRACK);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* The ephemeral range is the host's, as the environment gives it. */
START_TEST(test_client_ephemeral)
{
	static const struct rt_plan_env env = { .loopback = true, .ephemeral = { 1024, 65535 } };
	static const char *const raw[] = {
		cli80_raw[0],
		cli80_raw[1],
		"-A RAWTUNE-PREROUTING -s " PEER4
		" -p tcp -m tcp --sport 80 --dport 1024:65535 " NOTSYN
		" -m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");
	struct rt_plan pl;

	assert_env_text(p, &env, raw, ARRAY_SIZE(raw));
	/* and loopback has nothing to do with a client: the same plan without it */
	assert_env_text(p, &no_loopback, cli80_raw, ARRAY_SIZE(cli80_raw));
	plan_env(p, &env, &pl);
	ck_assert_uint_eq(pl.rule[2].other.lo, 1024);
	ck_assert_uint_eq(pl.rule[2].other.hi, 65535);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* udp: no count rule, no flags; the replies to the ephemeral range all the same. */
START_TEST(test_client_udp)
{
	static const char *const raw[] = {
		"-A RAWTUNE-OUTPUT -d " PEER6 " -p udp -m udp --dport 53 " CLI_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER6
		" -p udp -m udp --sport 53 --dport 32768:60999 -m addrtype --dst-type LOCAL "
		CLI_COMMENT NOTRACK,
	};
	static const char *const multi[] = {
		"-A RAWTUNE-OUTPUT -d " PEER6 " -p udp -m multiport --dports 53,123 " CLI_COMMENT
		NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER6
		" -p udp -m udp --dport 32768:60999 -m multiport --sports 53,123 "
		"-m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = client("53", RAWTUNE_PROTO_UDP, "2001:db8::10");
	struct rt_plan pl;

	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	assert_family_text(p, RAWTUNE_FAMILY_IPV6, raw, ARRAY_SIZE(raw));
	assert_family_text(p, RAWTUNE_FAMILY_IPV4, NULL, 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert(pl.rule[1].has_other && !pl.rule[1].notsyn);
	ck_assert_int_eq(pl.rule[1].family, RAWTUNE_FAMILY_IPV6);
	rt_plan_clear(&pl);
	ck_assert_int_eq(rawtune_profile_set_ports(p, "123,53"), 0);
	assert_plan_text(p, multi, ARRAY_SIZE(multi));
	rawtune_profile_unref(p);
}
END_TEST

/* Several ports: the far side's range in the tcp match, the ports in multiport. */
START_TEST(test_client_multiport)
{
	static const char *const raw[] = {
		"-A RAWTUNE-OUTPUT -d " PEER4 " -p tcp -m tcp " SYN " -m multiport --dports "
		"80,443 " CLI_COMMENT,
		"-A RAWTUNE-OUTPUT -d " PEER4 " -p tcp -m multiport --dports 80,443 " CLI_COMMENT
		NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER4 " -p tcp -m tcp --dport 32768:60999 " NOTSYN
		" -m multiport --sports 80,443 -m addrtype --dst-type LOCAL " CLI_COMMENT
		NOTRACK,
	};
	struct rawtune_profile *p = client("443,80", RAWTUNE_PROTO_TCP, "192.0.2.10");

	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * A rule per peer, each in its family: the count rules first, as per
 * template. tcp and udp: udp's rules after tcp's in each template.
 */
START_TEST(test_client_peers_both_families)
{
	static const char *const raw6[] = {
		"-A RAWTUNE-OUTPUT -d " PEER6 " -p tcp -m tcp --dport 80 " SYN " " CLI_COMMENT,
		"-A RAWTUNE-OUTPUT -d " PEER6 " -p tcp -m tcp --dport 80 " CLI_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -d " PEER6 " -p udp -m udp --dport 80 " CLI_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER6
		" -p tcp -m tcp --sport 80 --dport 32768:60999 " NOTSYN
		" -m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER6
		" -p udp -m udp --sport 80 --dport 32768:60999 -m addrtype --dst-type LOCAL "
		CLI_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = client("80", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					   "192.0.2.10, 2001:db8::10");
	struct rt_plan pl;

	assert_family_text(p, RAWTUNE_FAMILY_IPV6, raw6, ARRAY_SIZE(raw6));
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 10);
	for (size_t i = 0; i < pl.n; i++)
		ck_assert_int_eq(pl.rule[i].family,
				 i % 2 ? RAWTUNE_FAMILY_IPV6 : RAWTUNE_FAMILY_IPV4);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Local addresses and interfaces: the requests leave from the address through
 * the interface, the replies arrive there. A local address and a peer of
 * different families make no rule.
 */
START_TEST(test_client_addresses_interfaces)
{
	static const char *const raw[] = {
		"-A RAWTUNE-OUTPUT -s 192.0.2.1/32 -d " PEER4 " -o eth1 -p tcp -m tcp --dport 443 "
		SYN " " CLI_COMMENT,
		"-A RAWTUNE-OUTPUT -s 2001:db8::1/128 -d " PEER6 " -o eth1 -p tcp -m tcp --dport "
		"443 " SYN " " CLI_COMMENT,
		"-A RAWTUNE-OUTPUT -s 192.0.2.1/32 -d " PEER4 " -o eth1 -p tcp -m tcp --dport 443 "
		CLI_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -s 2001:db8::1/128 -d " PEER6 " -o eth1 -p tcp -m tcp --dport "
		"443 " CLI_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER4
		" -d 192.0.2.1/32 -i eth1 -p tcp -m tcp --sport 443 --dport 32768:60999 "
		NOTSYN " -m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER6
		" -d 2001:db8::1/128 -i eth1 -p tcp -m tcp --sport 443 --dport 32768:60999 "
		NOTSYN " -m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = client("443", RAWTUNE_PROTO_TCP, "192.0.2.10, 2001:db8::10");

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1"), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth1"), 0);
	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	/* no loopback rule, no "! -o lo" for a client, whatever the environment */
	assert_env_text(p, &no_loopback, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Server and client plans are different layouts, not one another's mirror:
 * the client counts in OUTPUT and has no loopback rule; only its replies
 * carry the far side's range.
 */
START_TEST(test_client_server_differ)
{
	struct rawtune_profile *s = web("80");
	struct rawtune_profile *c = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");
	struct rt_plan ps, pc;

	plan(s, RT_TABLE_RAW, &ps);
	plan(c, RT_TABLE_RAW, &pc);
	ck_assert_uint_eq(ps.n, 4);
	ck_assert_uint_eq(pc.n, 3);
	ck_assert_int_eq(ps.rule[0].hook, RT_HOOK_PREROUTING);
	ck_assert_int_eq(pc.rule[0].hook, RT_HOOK_OUTPUT);
	for (size_t i = 0; i < ps.n; i++)
		ck_assert(!ps.rule[i].has_other);
	for (size_t i = 0; i < pc.n; i++) {
		ck_assert(pc.rule[i].has_other == !pc.rule[i].dport);
		ck_assert_str_ne(pc.rule[i].outiface, "lo");
	}
	rt_plan_clear(&ps);
	rt_plan_clear(&pc);
	rawtune_profile_unref(s);
	rawtune_profile_unref(c);
}
END_TEST

/* ---- a server narrowed: addresses, interfaces ------------------------------ */

#define V4 "192.0.2.1/32"
#define V6 "2001:db8::/64"

/* Requests match the address as destination, replies as source. */
START_TEST(test_addresses)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -d " V4 " -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -d " V4
		" -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -s " V4 " -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT
		NOTRACK,
	};
	struct rawtune_profile *p = web("80");
	char buf[LINE_MAX_LEN];
	struct rt_plan pl;
	const struct rt_rule *lo;

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 4);
	/* the loopback rule: a local client's requests to the address, on lo */
	lo = &pl.rule[3];
	render(lo, buf);
	ck_assert_msg(lo->hook == RT_HOOK_OUTPUT && lo->dport && !lo->notsyn, "%s", buf);
	ck_assert_str_eq(lo->outiface, "lo");
	ck_assert_int_eq(lo->family, RAWTUNE_FAMILY_IPV4);
	pl.n = 3;
	assert_rules_text(&pl, raw, ARRAY_SIZE(raw));
	/* IPv4 addresses only: nothing for IPv6 */
	assert_family_text(p, RAWTUNE_FAMILY_IPV6, NULL, 0);
	rawtune_profile_unref(p);
}
END_TEST

/* One rule per address, each in its family; host bits are cleared. */
START_TEST(test_addresses_both_families)
{
	static const char *const raw6[] = {
		"-A RAWTUNE-PREROUTING -d " V6 " -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -d " V6
		" -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -s " V6 " -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT
		NOTRACK,
	};
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1/64"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	rt_plan_keep_family(&pl, RAWTUNE_FAMILY_IPV6);
	ck_assert_uint_eq(pl.n, 4);
	pl.n = 3; /* the loopback rule: test_addresses */
	assert_rules_text(&pl, raw6, ARRAY_SIZE(raw6));
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 8);
	for (size_t i = 0; i < pl.n; i++)
		ck_assert_int_eq(pl.rule[i].family,
				 i % 2 ? RAWTUNE_FAMILY_IPV6 : RAWTUNE_FAMILY_IPV4);
	/* a count rule per address, each with its notrack rule's -d */
	for (size_t i = 0; i < 2; i++) {
		struct rt_rule twin = notrack_twin(&pl.rule[i]);

		ck_assert_int_eq(pl.rule[i].verdict, RT_VERDICT_COUNT);
		ck_assert_int_eq(pl.rule[i].dst.family, pl.rule[i].family);
		ck_assert(rt_rule_equal(&twin, &pl.rule[i + 2]));
	}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* An interface list leaves out the loopback rule unless it names "lo". */
START_TEST(test_interfaces)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m tcp --dport 80 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o eth0 -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT
		NOTRACK,
	};
	/* a count rule per interface, all of them before the notrack rules */
	static const char *const raw_lo[] = {
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i lo -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m tcp --dport 80 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -i lo -p tcp -m tcp --dport 80 "
		"-m addrtype --dst-type LOCAL " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o eth0 -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT
		NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT NOTRACK,
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = web("80");

	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0"), 0);
	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo"), 0);
	assert_plan_text(p, raw_lo, ARRAY_SIZE(raw_lo));
	rawtune_profile_unref(p);
}
END_TEST

/* ---- forward = yes: flows routed through this host, towards the peers ------- */

static const char *const fwd80_raw[] = {
	"-A RAWTUNE-PREROUTING -d " PEER4 " -i eth1 -p tcp -m tcp --dport 80 " SYN
	" -m addrtype ! --dst-type LOCAL " WEB_COMMENT,
	"-A RAWTUNE-PREROUTING -d " PEER4
	" -i eth1 -p tcp -m tcp --dport 80 -m addrtype ! --dst-type LOCAL " WEB_COMMENT NOTRACK,
	/* the replies come from the far side: no interface */
	"-A RAWTUNE-PREROUTING -s " PEER4 " -p tcp -m tcp --sport 80 " NOTSYN
	" -m addrtype ! --dst-type LOCAL " WEB_COMMENT NOTRACK,
};

START_TEST(test_forward)
{
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;

	rawtune_profile_set_forward(p, 1);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth1"), 0);
	assert_plan_text(p, fwd80_raw, ARRAY_SIZE(fwd80_raw));
	assert_no_filter(p);
	plan(p, RT_TABLE_RAW, &pl);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];

		ck_assert_int_eq(r->hook, RT_HOOK_PREROUTING);
		ck_assert(r->dst_not_local && !r->dst_local);
		ck_assert(!r->has_other && !r->has_owner && !r->outiface_inv);
		ck_assert_int_eq(r->family, RAWTUNE_FAMILY_IPV4);
		ck_assert_str_eq(r->outiface, "");
		ck_assert(r->notsyn == !r->dport);
		/* the peer is the server: the requests' destination, the replies' source */
		ck_assert_int_eq((r->dport ? &r->dst : &r->src)->family, RAWTUNE_FAMILY_IPV4);
		ck_assert_int_eq((r->dport ? &r->src : &r->dst)->family, 0);
	}
	rt_plan_clear(&pl);
	/* forward off again: the server's own layout */
	rawtune_profile_set_forward(p, 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_int_eq(pl.rule[pl.n - 1].hook, RT_HOOK_OUTPUT);
	for (size_t i = 0; i < pl.n; i++)
		ck_assert(!pl.rule[i].dst_not_local);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * forward takes over the whole plan: the direction, local addresses and the
 * loopback make no difference, nor does an owner.
 */
START_TEST(test_forward_ignores)
{
	struct rawtune_profile *p = web("80");

	rawtune_profile_set_forward(p, 1);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth1"), 0);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, "198.51.100.1, 2001:db8::1"), 0);
	ck_assert_int_eq(rawtune_profile_set_owner(p, "100"), 0);
	assert_plan_text(p, fwd80_raw, ARRAY_SIZE(fwd80_raw));
	assert_env_text(p, &no_loopback, fwd80_raw, ARRAY_SIZE(fwd80_raw));
	ck_assert_int_eq(rawtune_profile_set_direction(p, RAWTUNE_DIRECTION_CLIENT), 0);
	assert_plan_text(p, fwd80_raw, ARRAY_SIZE(fwd80_raw));
	/* nothing for IPv6: the only peer is IPv4 */
	assert_family_text(p, RAWTUNE_FAMILY_IPV6, NULL, 0);
	rawtune_profile_unref(p);
}
END_TEST

/* udp, several ports, an IPv6 peer and no interface. */
START_TEST(test_forward_udp_multiport)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -d " PEER6
		" -p udp -m multiport --dports 53,123 -m addrtype ! --dst-type LOCAL "
		WEB_COMMENT NOTRACK,
		"-A RAWTUNE-PREROUTING -s " PEER6
		" -p udp -m multiport --sports 53,123 -m addrtype ! --dst-type LOCAL "
		WEB_COMMENT NOTRACK,
	};
	struct rawtune_profile *p = profile("web", "53,123", RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);

	rawtune_profile_set_forward(p, 1);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "2001:db8::10"), 0);
	assert_plan_text(p, raw, ARRAY_SIZE(raw));
	assert_family_text(p, RAWTUNE_FAMILY_IPV6, raw, ARRAY_SIZE(raw));
	assert_family_text(p, RAWTUNE_FAMILY_IPV4, NULL, 0);
	rawtune_profile_unref(p);
}
END_TEST

/* ---- what holds for every plan ------------------------------------------------ */

/*
 * Loop: direction x forward x protocols x narrowing (addresses, interfaces
 * with and without lo, owner) x loopback. Every rule is a raw rule in
 * PREROUTING or OUTPUT with the fields its template gives it.
 */
START_TEST(test_invariants)
{
	bool client_dir = _i & 1, forward = _i & 2, udp = _i & 4, addrs = _i & 8,
	     lo_iface = _i & 16, eth_iface = _i & 32, loopback = !(_i & 64);
	struct rawtune_profile *p = profile("inv", "53,80,8000-8100", RAWTUNE_PROTO_TCP |
					    (udp ? RAWTUNE_PROTO_UDP : 0),
					    client_dir ? RAWTUNE_DIRECTION_CLIENT
						       : RAWTUNE_DIRECTION_SERVER);
	struct rt_plan_env env = { .loopback = loopback, .ephemeral = { 40000, 50000 } };
	bool client = client_dir && !forward;
	struct rt_plan pl;

	rawtune_profile_set_forward(p, forward);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	ck_assert_int_eq(rawtune_profile_set_owner(p, "1000"), 0);
	if (addrs)
		ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1"), 0);
	if (lo_iface || eth_iface)
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, lo_iface && eth_iface
								      ? "eth0, lo"
								      : lo_iface ? "lo" : "eth0"),
				 0);
	plan_env(p, &env, &pl);
	/*
	 * every profile here has peers, which are other hosts: lo alone leaves
	 * nothing but a forward profile's replies, which name no interface
	 */
	if (lo_iface && !eth_iface && !forward)
		ck_assert_uint_eq(pl.n, 0);
	else
		ck_assert_uint_gt(pl.n, 0);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];
		bool tcp = r->proto == IPPROTO_TCP, in = r->hook == RT_HOOK_PREROUTING;
		char buf[LINE_MAX_LEN];

		render(r, buf);
		ck_assert_msg(r->table == RT_TABLE_RAW && !r->foreign && !r->pmtu &&
				      !r->untracked, "%s", buf);
		ck_assert_msg(in || r->hook == RT_HOOK_OUTPUT, "%s", buf);
		ck_assert_msg(tcp || r->proto == IPPROTO_UDP, "%s", buf);
		ck_assert_msg(r->nports >= 1 && r->nports <= RT_RULE_PORT_SLOTS, "%s", buf);
		ck_assert_str_eq(r->comment, "rawtune:inv");
		/* count rules: tcp requests with --syn; replies: tcp with ! --syn */
		ck_assert_msg(r->syn == (r->verdict == RT_VERDICT_COUNT), "%s", buf);
		ck_assert_msg(!r->syn || (tcp && r->dport), "%s", buf);
		ck_assert_msg(r->notsyn == (tcp && !r->dport), "%s", buf);
		ck_assert_msg(r->verdict == RT_VERDICT_COUNT || r->verdict == RT_VERDICT_NOTRACK,
			      "%s", buf);
		/* addrtype: LOCAL on what arrives for this host, ! LOCAL on what is routed */
		ck_assert_msg(r->dst_not_local == forward, "%s", buf);
		ck_assert_msg(r->dst_local == (in && !forward), "%s", buf);
		if (forward)
			ck_assert_msg(in, "%s", buf);
		/* the far side's range: a client's replies only */
		ck_assert_msg(r->has_other == (client && !r->dport), "%s", buf);
		if (r->has_other)
			ck_assert(r->other.lo == 40000 && r->other.hi == 50000);
		/* the owner: a server's udp replies only */
		ck_assert_msg(r->has_owner == (!client && !forward && !tcp && !r->dport && !in),
			      "%s", buf);
		ck_assert_uint_eq(r->owner, r->has_owner ? 1000 : 0);
		/* "! -o lo" never with peers: the replies go to them, not to lo */
		ck_assert_msg(!r->outiface_inv, "%s", buf);
		ck_assert_msg(strcmp(r->iniface, "lo") != 0 && strcmp(r->outiface, "lo") != 0,
			      "%s", buf);
		if (r->outiface_inv)
			ck_assert_str_eq(r->outiface, "lo");
		ck_assert_msg(!r->iniface[0] || in, "%s", buf);
		ck_assert_msg(!r->outiface[0] || !in, "%s", buf);
		/* a client's and a forwarded flow's rules name the peer: requests go to it */
		if (client || forward)
			ck_assert_msg(r->family && (r->dport ? r->dst : r->src).family, "%s", buf);
		/* loopback rules: only a server's, with loopback and lo among its interfaces */
		if (!in && r->dport && !client)
			ck_assert_msg(loopback && (lo_iface || !eth_iface) &&
					      strcmp(r->outiface, "lo") == 0,
				      "%s", buf);
	}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* No two rules of a plan are the same rule. Loop as test_invariants. */
START_TEST(test_no_duplicates)
{
	bool client_dir = _i & 1, forward = _i & 2, addrs = _i & 4, ifaces = _i & 8;
	struct rawtune_profile *p = profile("dup", "53,80,8000-8100", RAWTUNE_PROTO_TCP |
					    RAWTUNE_PROTO_UDP, client_dir
					    ? RAWTUNE_DIRECTION_CLIENT : RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;

	rawtune_profile_set_forward(p, forward);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	if (addrs)
		ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1"), 0);
	/*
	 * forward with two interfaces repeats its reply rule once per interface
	 * (the replies carry none): one interface there until the plan stops that
	 */
	if (ifaces)
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, forward ? "eth0" : "eth0, eth1"),
				 0);
	plan(p, RT_TABLE_RAW, &pl);
	for (size_t i = 0; i < pl.n; i++)
		for (size_t j = i + 1; j < pl.n; j++) {
			char buf[LINE_MAX_LEN];

			render(&pl.rule[i], buf);
			ck_assert_msg(!rt_rule_equal(&pl.rule[i], &pl.rule[j]),
				      "rules %zu and %zu: %s", i, j, buf);
		}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* ---- count rules, whatever the profile ------------------------------------ */

/*
 * Does @r untrack the first packet of the profile's own new tcp flows: a
 * server's requests arriving, a client's leaving, forwarded ones arriving?
 */
static bool takes_new_flows(const struct rt_rule *r, const struct rawtune_profile *p)
{
	bool client = rawtune_profile_get_direction(p) == RAWTUNE_DIRECTION_CLIENT &&
		      !rawtune_profile_get_forward(p);
	enum rt_hook hook = client ? RT_HOOK_OUTPUT : RT_HOOK_PREROUTING;

	return r->verdict == RT_VERDICT_NOTRACK && r->proto == IPPROTO_TCP && r->hook == hook &&
	       r->dport;
}

/*
 * Every count rule is a tcp request rule with the SYN flags and without a
 * target, and its notrack rule follows it with only count rules and their
 * notrack rules in between, in the same order; every notrack rule that takes
 * the first packet of the profile's new tcp flows has its count rule. No other
 * rule has the flags.
 */
static void assert_count_rules(const struct rawtune_profile *p)
{
	struct rt_plan pl;
	size_t last_twin = 0, counted = 0, counts = 0;
	bool *is_twin;

	plan(p, RT_TABLE_RAW, &pl);
	is_twin = calloc(pl.n ? pl.n : 1, sizeof(*is_twin));
	ck_assert_ptr_nonnull(is_twin);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];
		struct rt_rule twin;
		size_t j;

		ck_assert(r->syn == (r->verdict == RT_VERDICT_COUNT));
		if (r->verdict != RT_VERDICT_COUNT)
			continue;
		counts++;
		ck_assert_uint_eq(r->proto, IPPROTO_TCP);
		ck_assert(r->dport && !r->notsyn);
		ck_assert(!r->untracked && !r->pmtu && !r->foreign && !r->has_owner);
		ck_assert_uint_ge(r->nports, 1);
		ck_assert_int_eq(r->table, RT_TABLE_RAW);
		twin = notrack_twin(r);
		for (j = i + 1; j < pl.n && !rt_rule_equal(&twin, &pl.rule[j]); j++) {
			char buf[LINE_MAX_LEN];

			render(&pl.rule[j], buf);
			ck_assert_msg(pl.rule[j].verdict == RT_VERDICT_COUNT || is_twin[j],
				      "between a count rule and its notrack rule: %s", buf);
		}
		ck_assert_msg(j < pl.n, "count rule %zu has no notrack rule after it", i);
		ck_assert_uint_gt(j, last_twin);
		last_twin = j;
		is_twin[j] = true;
	}
	for (size_t i = 0; i < pl.n; i++) {
		if (!takes_new_flows(&pl.rule[i], p))
			continue;
		counted++;
		ck_assert_msg(is_twin[i], "notrack rule %zu takes new flows uncounted", i);
	}
	/* a profile with tcp counts something */
	ck_assert(counted > 0 || !(rawtune_profile_get_protocols(p) & RAWTUNE_PROTO_TCP));
	ck_assert_uint_ge(counts, counted);
	free(is_twin);
	rt_plan_clear(&pl);
}

/* Loop: direction x forward x protocols x narrowing x ports. */
START_TEST(test_count_rules)
{
	static const char *const ports[] = { "80", "1000,1002,1004,1006,1008,1010,1012,1014,"
					     "1016,1018,1020,1022,1024,1026,1028,1030,2000-2010" };
	static const unsigned int protocols[] = { RAWTUNE_PROTO_TCP,
						  RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP };
	struct rawtune_profile *p =
		profile("x", ports[_i & 1], protocols[(_i >> 1) & 1],
			(_i >> 2) & 1 ? RAWTUNE_DIRECTION_CLIENT : RAWTUNE_DIRECTION_SERVER);
	unsigned int narrow = (unsigned int)(_i >> 4) & 3;

	rawtune_profile_set_forward(p, (_i >> 3) & 1);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::/64"), 0);
	if (narrow & 1)
		ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::/64"), 0);
	if (narrow & 2)
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo, veth+"), 0);
	assert_count_rules(p);
	rawtune_profile_unref(p);
}
END_TEST

/* ---- chunking ------------------------------------------------------------ */

/*
 * Notrack templates, each once per protocol: a server has 3 (requests, replies,
 * loopback), a client 2 (requests, replies). Both add the count template, for
 * tcp only.
 */
static size_t notrack_templates(const struct rawtune_profile *p)
{
	return rawtune_profile_get_direction(p) == RAWTUNE_DIRECTION_CLIENT ? 2 : 3;
}

static unsigned int range_slots(const struct rt_port_range *r)
{
	return r->lo == r->hi ? 1 : 2;
}

static unsigned int slots(const struct rt_rule *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->nports; i++)
		n += range_slots(&r->ports[i]);
	return n;
}

/*
 * Each group of rules (one template, one protocol), taken together, carries
 * the profile's ranges exactly once and in order; every rule fits the
 * multiport match, and is full (the next range would not have fitted). The
 * group of count rules is chunked as the notrack rules after it: rule by rule
 * its twin. Returns the rules per group.
 */
static size_t assert_chunks(const struct rawtune_profile *p, unsigned int protocols)
{
	const struct rt_ports *ports = &p->ports;
	size_t groups = notrack_templates(p) * protocols + 1, per, r = 0;
	struct rt_plan pl;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n % groups, 0);
	per = pl.n / groups;
	for (size_t g = 0; g < groups; g++) {
		const struct rt_rule *first = &pl.rule[g * per];
		size_t next = 0;

		for (size_t i = 0; i < per; i++, r++) {
			const struct rt_rule *rule = &pl.rule[r];

			ck_assert_uint_ge(rule->nports, 1);
			ck_assert_uint_le(slots(rule), RT_RULE_PORT_SLOTS);
			ck_assert_int_eq(rule->hook, first->hook);
			ck_assert_int_eq(rule->proto, first->proto);
			ck_assert_int_eq(rule->dport, first->dport);
			ck_assert_int_eq(rule->verdict, first->verdict);
			ck_assert_int_eq(rule->syn, first->syn);
			ck_assert_str_eq(rule->outiface, first->outiface);
			ck_assert_str_eq(rule->iniface, first->iniface);
			if (rule->verdict == RT_VERDICT_COUNT) {
				struct rt_rule twin = notrack_twin(rule);

				ck_assert_uint_lt(g + 1, groups);
				ck_assert(rt_rule_equal(&twin, &pl.rule[r + per]));
			}
			ck_assert_uint_le(next + rule->nports, ports->n);
			ck_assert_int_eq(memcmp(rule->ports, &ports->range[next],
						rule->nports * sizeof(rule->ports[0])),
					 0);
			next += rule->nports;
			if (next < ports->n)
				ck_assert_uint_gt(slots(rule) + range_slots(&ports->range[next]),
						  RT_RULE_PORT_SLOTS);
		}
		ck_assert_uint_eq(next, ports->n);
	}
	rt_plan_clear(&pl);
	return per;
}

/* "first,first+step,..." with @n entries; @width > 0 makes them ranges. */
static char *port_list(unsigned int n, unsigned int first, unsigned int step,
		       unsigned int width)
{
	char *list = malloc(n * 12 + 1), *p = list;

	ck_assert_ptr_nonnull(list);
	*p = '\0';
	for (unsigned int i = 0; i < n; i++) {
		unsigned int lo = first + i * step;

		p += width ? sprintf(p, "%s%u-%u", i ? "," : "", lo, lo + width)
			   : sprintf(p, "%s%u", i ? "," : "", lo);
	}
	return list;
}

/* ---- xt/layout.c: a profile's own chains ------------------------------------ */

static const struct {
	const char *what;
	unsigned int n, first, step, width;
	bool own; /* more than 15 slots, a range counting two */
} own_cases[] = {
	{ "15 ports", 15, 1000, 2, 0, false },
	{ "16 ports", 16, 1000, 2, 0, true },
	{ "7 ranges", 7, 1000, 10, 5, false },
	{ "8 ranges", 8, 1000, 10, 5, true },
	{ "1000 ports", 1000, 2, 2, 0, true },
};

/* Inline up to 15 slots; beyond, every rule in its hook's own chain and the guards last. */
START_TEST(test_layout_own_chains)
{
	char *list = port_list(own_cases[_i].n, own_cases[_i].first, own_cases[_i].step,
			       own_cases[_i].width);
	struct rawtune_profile *p = web(list);
	struct rt_plan pl;
	size_t n, guards = 0;

	plan(p, RT_TABLE_RAW, &pl);
	n = pl.n;
	ck_assert_int_eq(rt_layout_own_chains(p), own_cases[_i].own);
	ck_assert_int_eq(rt_layout_apply(p, &pl), 0);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];
		const char *want = !own_cases[_i].own || i >= n ? ""
				   : r->hook == RT_HOOK_PREROUTING ? "RAWTUNE-PRE-web"
								   : "RAWTUNE-OUT-web";

		ck_assert_msg(strcmp(r->chain, want) == 0, "%s: rule %zu in '%s', want '%s'",
			      own_cases[_i].what, i, r->chain, want);
		ck_assert_int_eq(rt_rule_is_guard(r), i >= n);
		guards += rt_rule_is_guard(r);
	}
	/* tcp only: inbound --dport; outbound --sport and the lo rules' --dport */
	ck_assert_uint_eq(guards, own_cases[_i].own ? 3 : 0);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
	free(list);
}
END_TEST

START_TEST(test_layout_guards_text)
{
	char *list = port_list(1000, 10000, 7, 0);
	struct rawtune_profile *p = profile("big", list, RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);
	static const char *const want[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 10000:16993 -m comment --comment "
		"\"rawtune:big\" -j RAWTUNE-PRE-big",
		"-A RAWTUNE-PREROUTING -p udp -m udp --dport 10000:16993 -m comment --comment "
		"\"rawtune:big\" -j RAWTUNE-PRE-big",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 10000:16993 -m comment --comment "
		"\"rawtune:big\" -j RAWTUNE-OUT-big",
		"-A RAWTUNE-OUTPUT -p udp -m udp --sport 10000:16993 -m comment --comment "
		"\"rawtune:big\" -j RAWTUNE-OUT-big",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 10000:16993 -m comment --comment "
		"\"rawtune:big\" -j RAWTUNE-OUT-big",
		"-A RAWTUNE-OUTPUT -p udp -m udp --dport 10000:16993 -m comment --comment "
		"\"rawtune:big\" -j RAWTUNE-OUT-big",
	};
	char buf[LINE_MAX_LEN];
	struct rt_plan pl;
	size_t n;

	plan(p, RT_TABLE_RAW, &pl);
	n = pl.n;
	ck_assert_int_eq(rt_layout_apply(p, &pl), 0);
	ck_assert_uint_eq(pl.n, n + ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		render(&pl.rule[n + i], buf);
		ck_assert_str_eq(buf, want[i]);
	}
	/* a rule in an own chain prints with its chain */
	render(&pl.rule[0], buf);
	ck_assert_msg(strncmp(buf, "-A RAWTUNE-PRE-big -p tcp -m tcp ", 33) == 0, "%s", buf);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
	free(list);
}
END_TEST

/* iptables' 28 characters: 16 of the name fit, a longer one keeps 7 and a hash. */
START_TEST(test_layout_chain_names)
{
	static const struct {
		enum rt_hook hook;
		const char *profile, *chain;
	} names[] = {
		{ RT_HOOK_PREROUTING, "web", "RAWTUNE-PRE-web" },
		{ RT_HOOK_OUTPUT, "web", "RAWTUNE-OUT-web" },
		{ RT_HOOK_PREROUTING, "sixteen-chars-ab", "RAWTUNE-PRE-sixteen-chars-ab" },
		/* FNV-1a 32 of the whole name; the 7th character, a dash, is not doubled */
		{ RT_HOOK_PREROUTING, "twenty-characters-ab", "RAWTUNE-PRE-twenty-d3dc1365" },
		{ RT_HOOK_OUTPUT, "seventeen-chars-a", NULL },
	};
	char chain[RT_CHAIN_MAX], other[RT_CHAIN_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		ck_assert(rt_layout_chain(names[i].hook, names[i].profile, chain));
		ck_assert_uint_le(strlen(chain), RT_CHAIN_MAX - 1);
		if (names[i].chain)
			ck_assert_str_eq(chain, names[i].chain);
		ck_assert(rt_layout_is_sub_chain(chain, names[i].hook));
	}
	/* two long names that share their first 7 characters differ */
	rt_layout_chain(RT_HOOK_OUTPUT, "seventeen-chars-a", chain);
	rt_layout_chain(RT_HOOK_OUTPUT, "seventeen-chars-b", other);
	ck_assert_str_ne(chain, other);
	/* no own chain in filter; RAWTUNE-PREROUTING is no profile's */
	ck_assert(!rt_layout_chain(RT_HOOK_INPUT, "web", chain));
	ck_assert(!rt_layout_is_sub_chain("RAWTUNE-PREROUTING", RT_HOOK_PREROUTING));
	ck_assert(!rt_layout_is_sub_chain("RAWTUNE-OUTPUT", RT_HOOK_OUTPUT));
	ck_assert(!rt_layout_is_sub_chain("RAWTUNE-PRE-", RT_HOOK_PREROUTING));
	ck_assert(!rt_layout_is_sub_chain("RAWTUNE-PRE-web", RT_HOOK_OUTPUT));
}
END_TEST

static const struct {
	const char *what;
	unsigned int n, first, step, width;
	size_t rules; /* per template */
} chunks[] = {
	{ "15 ports", 15, 1000, 2, 0, 1 },
	{ "16 ports", 16, 1000, 2, 0, 2 },
	{ "30 ports", 30, 1000, 2, 0, 2 },
	{ "31 ports", 31, 1000, 2, 0, 3 },
	{ "7 ranges", 7, 1000, 10, 5, 1 },
	{ "8 ranges", 8, 1000, 10, 5, 2 },
	{ "1000 ports", 1000, 2, 2, 0, 67 },
	{ "1000 ranges", 1000, 10, 60, 50, 143 },
};

/* How many count rules the raw table of @p has; each is tcp. */
static size_t count_rules(const struct rawtune_profile *p)
{
	struct rt_plan pl, counts;
	size_t n;

	plan(p, RT_TABLE_RAW, &pl);
	n = without_count(&pl, &counts);
	for (size_t i = 0; i < counts.n; i++)
		ck_assert_uint_eq(counts.rule[i].proto, IPPROTO_TCP);
	rt_plan_clear(&pl);
	rt_plan_clear(&counts);
	return n;
}

START_TEST(test_chunks)
{
	char *list = port_list(chunks[_i].n, chunks[_i].first, chunks[_i].step, chunks[_i].width);
	struct rawtune_profile *p = web(list);

	ck_assert_uint_eq(p->ports.n, chunks[_i].n);
	ck_assert_uint_eq(assert_chunks(p, 1), chunks[_i].rules);
	/* one count rule per chunk */
	ck_assert_uint_eq(count_rules(p), chunks[_i].rules);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP),
			 0);
	ck_assert_uint_eq(assert_chunks(p, 2), chunks[_i].rules);
	/* and still one per chunk: udp adds none */
	ck_assert_uint_eq(count_rules(p), chunks[_i].rules);
	/* a client's rules, with one peer, are chunked the same way */
	ck_assert_int_eq(rawtune_profile_set_direction(p, RAWTUNE_DIRECTION_CLIENT), 0);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	ck_assert_uint_eq(assert_chunks(p, 2), chunks[_i].rules);
	ck_assert_uint_eq(count_rules(p), chunks[_i].rules);
	rawtune_profile_unref(p);
	free(list);
}
END_TEST

/* 16 ports: 15 in a multiport rule, the last alone in a tcp match. */
START_TEST(test_chunk_16_text)
{
	char *list = port_list(16, 1001, 1, 0), *spaced = port_list(16, 1001, 2, 0);
	struct rawtune_profile *p = web(spaced);
	char buf[LINE_MAX_LEN];
	struct rt_plan pl;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 8);
	/* the count rules, chunked as the notrack rules after them */
	render(&pl.rule[0], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN "
			      "-m multiport --dports 1001,1003,1005,1007,1009,1011,1013,1015,"
			      "1017,1019,1021,1023,1025,1027,1029 "
			      "-m addrtype --dst-type LOCAL " WEB_COMMENT);
	render(&pl.rule[1], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 1031 "
			      "--tcp-flags FIN,SYN,RST,ACK SYN -m addrtype --dst-type LOCAL "
			      WEB_COMMENT);
	render(&pl.rule[2], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp "
			      "-m multiport --dports 1001,1003,1005,1007,1009,1011,1013,1015,"
			      "1017,1019,1021,1023,1025,1027,1029 "
			      "-m addrtype --dst-type LOCAL " WEB_COMMENT " -j CT --notrack");
	render(&pl.rule[3], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 1031 "
			      "-m addrtype --dst-type LOCAL " WEB_COMMENT " -j CT --notrack");
	render(&pl.rule[4], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-OUTPUT -p tcp -m tcp " NOTSYN " -m multiport --sports "
			      "1001,1003,1005,1007,1009,1011,1013,1015,1017,1019,1021,1023,1025,"
			      "1027,1029 " WEB_COMMENT " -j CT --notrack");
	render(&pl.rule[5], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 1031 " NOTSYN " "
			      WEB_COMMENT " -j CT --notrack");
	rt_plan_clear(&pl);
	/* adjacent ports merge into one range: one rule per template */
	ck_assert_int_eq(rawtune_profile_set_ports(p, list), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 4);
	render(&pl.rule[0], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 1001:1016 "
			      "--tcp-flags FIN,SYN,RST,ACK SYN -m addrtype --dst-type LOCAL "
			      WEB_COMMENT);
	render(&pl.rule[2], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 1001:1016 " NOTSYN " "
			      WEB_COMMENT " -j CT --notrack");
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
	free(list);
	free(spaced);
}
END_TEST

/* A range never straddles two rules: 14 ports and a range are 16 slots. */
START_TEST(test_chunk_range_not_split)
{
	char *singles = port_list(14, 1000, 2, 0), list[LINE_MAX_LEN];
	struct rawtune_profile *p;
	struct rt_plan pl;

	snprintf(list, sizeof(list), "%s,2000-2010", singles);
	p = web(list);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 8);
	/* the count rules, then the notrack rules: chunked alike */
	for (size_t i = 0; i < 4; i += 2) {
		ck_assert_int_eq(pl.rule[i].verdict, i ? RT_VERDICT_NOTRACK : RT_VERDICT_COUNT);
		ck_assert_uint_eq(pl.rule[i].nports, 14);
		ck_assert_uint_eq(pl.rule[i + 1].nports, 1);
		ck_assert_uint_eq(pl.rule[i + 1].ports[0].lo, 2000);
		ck_assert_uint_eq(pl.rule[i + 1].ports[0].hi, 2010);
	}
	rt_plan_clear(&pl);
	/* 13 ports and a range fit exactly */
	ck_assert_int_eq(rawtune_profile_set_ports(p, "1000,1002,1004,1006,1008,1010,1012,1014,"
						      "1016,1018,1020,1022,1024,2000-2010"),
			 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 4);
	ck_assert_int_eq(pl.rule[0].verdict, RT_VERDICT_COUNT);
	ck_assert_uint_eq(slots(&pl.rule[0]), 15);
	ck_assert_uint_eq(slots(&pl.rule[1]), 15);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
	free(singles);
}
END_TEST

/*
 * 1000 ports: each appears exactly once among each template's rules: the
 * count rules and the notrack rules for requests in PREROUTING, the replies
 * and the loopback rules in OUTPUT.
 */
START_TEST(test_1000_each_once)
{
	char *list = port_list(1000, 3, 3, 0);
	struct rawtune_profile *p = web(list);
	/* [count][hook][dport] */
	static unsigned char seen[2 * RT_HOOK_COUNT * 2][65536];
	struct rt_plan pl;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 4 * 67);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];
		unsigned int group = (r->verdict == RT_VERDICT_COUNT) * RT_HOOK_COUNT * 2 +
				     r->hook * 2 + r->dport;

		for (unsigned int k = 0; k < r->nports; k++) {
			ck_assert_uint_eq(r->ports[k].lo, r->ports[k].hi);
			seen[group][r->ports[k].lo]++;
		}
	}
	for (unsigned int group = 0; group < 2 * RT_HOOK_COUNT * 2; group++) {
		unsigned int count = group / (RT_HOOK_COUNT * 2), hook = group / 2 % RT_HOOK_COUNT;
		bool dport = group % 2, used;
		unsigned int wrong = 0;

		used = hook == RT_HOOK_PREROUTING ? dport : hook == RT_HOOK_OUTPUT && !count;
		for (unsigned int port = 0; port < 65536; port++)
			wrong += seen[group][port] != (used && port % 3 == 0 && port && port <= 3000);
		ck_assert_msg(wrong == 0, "%s %s %s: ports not seen exactly once",
			      count ? "count" : "notrack", rt_hook_name(hook),
			      dport ? "dport" : "sport");
	}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
	free(list);
}
END_TEST

/* ---- jumps and names ----------------------------------------------------- */

static const struct {
	enum rt_table table;
	enum rt_hook hook;
	const char *text;
} jumps[] = {
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING,
	  "-A PREROUTING -m comment --comment rawtune -j RAWTUNE-PREROUTING" },
	{ RT_TABLE_RAW, RT_HOOK_OUTPUT,
	  "-A OUTPUT -m comment --comment rawtune -j RAWTUNE-OUTPUT" },
	{ RT_TABLE_FILTER, RT_HOOK_INPUT,
	  "-A INPUT -m comment --comment rawtune -j RAWTUNE-INPUT" },
	{ RT_TABLE_FILTER, RT_HOOK_FORWARD,
	  "-A FORWARD -m comment --comment rawtune -j RAWTUNE-FORWARD" },
	{ RT_TABLE_FILTER, RT_HOOK_OUTPUT,
	  "-A OUTPUT -m comment --comment rawtune -j RAWTUNE-OUTPUT" },
};

START_TEST(test_jump)
{
	struct rt_rule r;
	char buf[LINE_MAX_LEN];

	memset(&r, 0x5a, sizeof(r));
	rt_rule_jump(&r, jumps[_i].table, jumps[_i].hook);
	render(&r, buf);
	ck_assert_str_eq(buf, jumps[_i].text);
	ck_assert_int_eq(r.table, jumps[_i].table);
	ck_assert_int_eq(r.hook, jumps[_i].hook);
	ck_assert_uint_eq(r.proto, 0);
	ck_assert_uint_eq(r.nports, 0);
	ck_assert(!r.foreign && !r.dst_local && !r.untracked);
	ck_assert_str_eq(r.iniface, "");
	ck_assert_str_eq(r.outiface, "");
	ck_assert_str_eq(r.comment, "rawtune");
	ck_assert_int_eq(r.verdict, RT_VERDICT_JUMP);
}
END_TEST

START_TEST(test_names)
{
	static const char *const chains[RT_HOOK_COUNT] = {
		"RAWTUNE-PREROUTING", "RAWTUNE-INPUT", "RAWTUNE-FORWARD", "RAWTUNE-OUTPUT"
	};
	static const char *const hooks[RT_HOOK_COUNT] = { "PREROUTING", "INPUT", "FORWARD",
							  "OUTPUT" };
	char chain[RT_CHAIN_MAX];

	for (int h = 0; h < RT_HOOK_COUNT; h++) {
		memset(chain, 'x', sizeof(chain));
		rt_hook_chain(h, chain);
		ck_assert_str_eq(chain, chains[h]);
		ck_assert_str_eq(rt_hook_name(h), hooks[h]);
	}
	ck_assert_str_eq(rt_table_name(RT_TABLE_RAW), "raw");
	ck_assert_str_eq(rt_table_name(RT_TABLE_FILTER), "filter");
}
END_TEST

/* ---- rendering details --------------------------------------------------- */

/*
 * As snprintf: the full length, and a terminated prefix in a short buffer.
 * Loop: the count rule, whose text ends without a target, a server's reply
 * with ! --syn, a client's reply with the far side's range.
 */
START_TEST(test_render_short_buffer)
{
	struct rawtune_profile *p = _i == 2 ? client("80", RAWTUNE_PROTO_TCP, "192.0.2.10")
					    : web("80");
	static const size_t index[] = { 0, 2, 2 };
	char full[LINE_MAX_LEN], buf[LINE_MAX_LEN];
	const struct rt_rule *r;
	struct rt_plan pl;
	int len;

	plan(p, RT_TABLE_RAW, &pl);
	r = &pl.rule[index[_i]];
	ck_assert_int_eq(r->verdict, _i ? RT_VERDICT_NOTRACK : RT_VERDICT_COUNT);
	ck_assert(_i != 1 || r->notsyn);
	ck_assert(_i != 2 || r->has_other);
	len = rt_rule_render(r, full, sizeof(full));
	ck_assert_int_eq(rt_rule_render(r, NULL, 0), len);
	ck_assert_uint_eq(strlen(full), (size_t)len);
	ck_assert(_i || strstr(full, " -j ") == NULL);
	for (size_t n = 1; n <= (size_t)len + 1; n++) {
		memset(buf, 'x', sizeof(buf));
		ck_assert_int_eq(rt_rule_render(r, buf, n), len);
		ck_assert_uint_eq(strlen(buf), n - 1);
		ck_assert_int_eq(strncmp(buf, full, n - 1), 0);
		ck_assert_int_eq(buf[n], 'x');
	}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Each field on its own, by hand, in the order iptables-save prints the
 * options: addresses, interfaces, protocol, then the matches in the order
 * the entry holds them (addrtype, tcp/udp, multiport, owner, conntrack,
 * comment), then the target.
 */
static void base_rule(struct rt_rule *r, enum rt_hook hook, uint8_t proto, unsigned int port)
{
	rt_rule_init(r);
	r->table = RT_TABLE_RAW;
	r->hook = hook;
	r->proto = proto;
	r->nports = 1;
	r->ports[0].lo = r->ports[0].hi = (uint16_t)port;
	strcpy(r->comment, "rawtune:x");
	r->verdict = RT_VERDICT_NOTRACK;
}

/* The one address of @text. */
static void parse_addr(const char *text, struct rt_addr *out)
{
	struct rt_addrs list;

	ck_assert_int_eq(rt_addrs_parse(ctx, text, &list), 0);
	ck_assert_uint_eq(list.n, 1);
	*out = list.addr[0];
	free(list.addr);
}

static void make_notsyn(struct rt_rule *r)
{
	base_rule(r, RT_HOOK_OUTPUT, IPPROTO_TCP, 22);
	r->notsyn = true;
}

static void make_notsyn_range(struct rt_rule *r)
{
	make_notsyn(r);
	r->ports[0].hi = 23;
}

static void make_notsyn_multiport(struct rt_rule *r)
{
	make_notsyn(r);
	r->nports = 3;
	r->ports[1].lo = 100;
	r->ports[1].hi = 200;
	r->ports[2].lo = r->ports[2].hi = 443;
}

static void make_outiface_inv(struct rt_rule *r)
{
	make_notsyn(r);
	strcpy(r->outiface, "lo");
	r->outiface_inv = true;
}

static void make_outiface_inv_addr(struct rt_rule *r)
{
	make_outiface_inv(r);
	parse_addr("2001:db8::1", &r->src);
	r->family = RAWTUNE_FAMILY_IPV6;
}

static void make_other(struct rt_rule *r)
{
	base_rule(r, RT_HOOK_PREROUTING, IPPROTO_TCP, 443);
	r->dst_local = true;
	r->notsyn = true;
	r->has_other = true;
	r->other.lo = 32768;
	r->other.hi = 60999;
}

static void make_other_udp(struct rt_rule *r)
{
	base_rule(r, RT_HOOK_PREROUTING, IPPROTO_UDP, 53);
	r->has_other = true;
	r->other.lo = 1024;
	r->other.hi = 65535;
}

static void make_other_udp_multiport(struct rt_rule *r)
{
	make_other_udp(r);
	r->nports = 2;
	r->ports[1].lo = r->ports[1].hi = 123;
}

static void make_owner(struct rt_rule *r)
{
	base_rule(r, RT_HOOK_OUTPUT, IPPROTO_UDP, 53);
	r->has_owner = true;
	r->owner = 65534;
}

static void make_owner_root(struct rt_rule *r)
{
	make_owner(r);
	r->owner = 0;
}

static void make_not_local(struct rt_rule *r)
{
	base_rule(r, RT_HOOK_PREROUTING, IPPROTO_TCP, 80);
	r->dst_not_local = true;
	r->notsyn = true;
	parse_addr("198.51.100.0/24", &r->src);
	r->family = RAWTUNE_FAMILY_IPV4;
}

static void make_everything(struct rt_rule *r)
{
	make_other_udp_multiport(r);
	r->hook = RT_HOOK_OUTPUT;
	r->has_owner = true;
	r->owner = 1000;
	strcpy(r->outiface, "eth0");
	r->outiface_inv = true;
	r->untracked = true;
	parse_addr("192.0.2.1", &r->src);
	parse_addr("192.0.2.10", &r->dst);
	r->family = RAWTUNE_FAMILY_IPV4;
}

#define X_COMMENT "-m comment --comment \"rawtune:x\""

static const struct {
	const char *what;
	void (*make)(struct rt_rule *r);
	const char *text;
} render_cases[] = {
	{ "! --syn", make_notsyn,
	  "-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 22 " NOTSYN " " X_COMMENT NOTRACK },
	{ "! --syn, a range", make_notsyn_range,
	  "-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 22:23 " NOTSYN " " X_COMMENT NOTRACK },
	{ "! --syn, multiport", make_notsyn_multiport,
	  "-A RAWTUNE-OUTPUT -p tcp -m tcp " NOTSYN " -m multiport --sports 22,100:200,443 "
	  X_COMMENT NOTRACK },
	{ "! -o lo", make_outiface_inv,
	  "-A RAWTUNE-OUTPUT ! -o lo -p tcp -m tcp --sport 22 " NOTSYN " " X_COMMENT NOTRACK },
	{ "-s with ! -o lo", make_outiface_inv_addr,
	  "-A RAWTUNE-OUTPUT -s 2001:db8::1/128 ! -o lo -p tcp -m tcp --sport 22 " NOTSYN " "
	  X_COMMENT NOTRACK },
	{ "the far side's range, tcp", make_other,
	  "-A RAWTUNE-PREROUTING -p tcp -m tcp --sport 443 --dport 32768:60999 " NOTSYN
	  " -m addrtype --dst-type LOCAL " X_COMMENT NOTRACK },
	{ "the far side's range, udp", make_other_udp,
	  "-A RAWTUNE-PREROUTING -p udp -m udp --sport 53 --dport 1024:65535 " X_COMMENT
	  NOTRACK },
	{ "the far side's range, udp multiport", make_other_udp_multiport,
	  "-A RAWTUNE-PREROUTING -p udp -m udp --dport 1024:65535 -m multiport --sports 53,123 "
	  X_COMMENT NOTRACK },
	{ "owner", make_owner,
	  "-A RAWTUNE-OUTPUT -p udp -m udp --sport 53 -m owner --uid-owner 65534 " X_COMMENT
	  NOTRACK },
	{ "owner root", make_owner_root,
	  "-A RAWTUNE-OUTPUT -p udp -m udp --sport 53 -m owner --uid-owner 0 " X_COMMENT
	  NOTRACK },
	{ "! --dst-type LOCAL", make_not_local,
	  "-A RAWTUNE-PREROUTING -s 198.51.100.0/24 -p tcp -m tcp --sport 80 " NOTSYN
	  " -m addrtype ! --dst-type LOCAL " X_COMMENT NOTRACK },
	{ "all at once", make_everything,
	  "-A RAWTUNE-OUTPUT -s 192.0.2.1/32 -d 192.0.2.10/32 ! -o eth0 -p udp -m udp --dport "
	  "1024:65535 -m multiport --sports 53,123 -m owner --uid-owner 1000 -m conntrack "
	  "--ctstate UNTRACKED " X_COMMENT NOTRACK },
};

START_TEST(test_render_fields)
{
	char buf[LINE_MAX_LEN];
	struct rt_rule r;

	render_cases[_i].make(&r);
	render(&r, buf);
	ck_assert_msg(strcmp(buf, render_cases[_i].text) == 0, "%s:\n  got  %s\n  want %s",
		      render_cases[_i].what, buf, render_cases[_i].text);
}
END_TEST

/*
 * The whole profile as iptables-restore input (apply's dry run): the raw
 * table only, chains, jumps at position 1, then the rules in plan order.
 */
START_TEST(test_profile_render)
{
	static const char want[] =
		"*raw\n"
		":RAWTUNE-PREROUTING - [0:0]\n"
		":RAWTUNE-OUTPUT - [0:0]\n"
		"-I PREROUTING 1 -m comment --comment rawtune -j RAWTUNE-PREROUTING\n"
		"-I OUTPUT 1 -m comment --comment rawtune -j RAWTUNE-OUTPUT\n"
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 " SYN
		" -m addrtype --dst-type LOCAL " WEB_COMMENT "\n"
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL "
		WEB_COMMENT NOTRACK "\n"
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 " NOTSYN " " WEB_COMMENT NOTRACK "\n"
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT NOTRACK "\n"
		"COMMIT\n";
	static const char want_client[] =
		"*raw\n"
		":RAWTUNE-PREROUTING - [0:0]\n"
		":RAWTUNE-OUTPUT - [0:0]\n"
		"-I PREROUTING 1 -m comment --comment rawtune -j RAWTUNE-PREROUTING\n"
		"-I OUTPUT 1 -m comment --comment rawtune -j RAWTUNE-OUTPUT\n"
		"-A RAWTUNE-OUTPUT -d " PEER4 " -p tcp -m tcp --dport 80 " SYN " " CLI_COMMENT "\n"
		"-A RAWTUNE-OUTPUT -d " PEER4 " -p tcp -m tcp --dport 80 " CLI_COMMENT NOTRACK "\n"
		"-A RAWTUNE-PREROUTING -s " PEER4 " -p tcp -m tcp --sport 80 --dport 32768:60999 "
		NOTSYN " -m addrtype --dst-type LOCAL " CLI_COMMENT NOTRACK "\n"
		"COMMIT\n";
	struct rawtune_profile *p = web("80");
	struct rawtune_profile *c = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");
	char *text = NULL;

	for (int f = RAWTUNE_FAMILY_IPV4; f <= RAWTUNE_FAMILY_IPV6; f <<= 1) {
		ck_assert_int_eq(rawtune_profile_render(p, f, &text), 0);
		ck_assert_str_eq(text, want);
		free(text);
	}
	ck_assert_int_eq(rawtune_profile_render(c, RAWTUNE_FAMILY_IPV4, &text), 0);
	ck_assert_str_eq(text, want_client);
	free(text);
	/* an IPv4 peer: nothing at all for IPv6 */
	ck_assert_int_eq(rawtune_profile_render(c, RAWTUNE_FAMILY_IPV6, &text), 0);
	ck_assert_str_eq(text, "");
	free(text);
	/* one family at a time */
	text = NULL;
	ck_assert_int_eq(rawtune_profile_render(p,
						RAWTUNE_FAMILY_IPV4 | RAWTUNE_FAMILY_IPV6, &text),
			 -EINVAL);
	ck_assert_ptr_null(text);
	rawtune_profile_unref(p);
	rawtune_profile_unref(c);
}
END_TEST

/* Comments as iptables-save quotes them. */
START_TEST(test_render_comment_quoting)
{
	static const struct {
		const char *comment, *shown;
	} cases[] = {
		{ "rawtune", " rawtune " },
		{ "a_b-9Z", " a_b-9Z " },
		{ "rawtune:web", " \"rawtune:web\" " },
		{ "a b", " \"a b\" " },
		{ "say \"hi\"", " \"say \\\"hi\\\"\" " },
		{ "it's", " \"it\\'s\" " },
		{ "back\\slash", " \"back\\\\slash\" " },
	};
	char buf[LINE_MAX_LEN], want[LINE_MAX_LEN];
	struct rt_rule r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		rt_rule_jump(&r, RT_TABLE_RAW, RT_HOOK_OUTPUT);
		strcpy(r.comment, cases[i].comment);
		render(&r, buf);
		snprintf(want, sizeof(want), "-A OUTPUT -m comment --comment%s-j RAWTUNE-OUTPUT",
			 cases[i].shown);
		ck_assert_str_eq(buf, want);
	}
}
END_TEST

/* ---- comparing rules ----------------------------------------------------- */

/* Loop: a client with peers, a server with udp and an owner, forward. */
START_TEST(test_equal_plans)
{
	struct rawtune_profile *p = profile("x", "80,443,8000-8100,9000", RAWTUNE_PROTO_TCP |
					    RAWTUNE_PROTO_UDP, _i == 0 ? RAWTUNE_DIRECTION_CLIENT
								       : RAWTUNE_DIRECTION_SERVER);
	struct rt_plan a, b;

	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	ck_assert_int_eq(rawtune_profile_set_owner(p, "100"), 0);
	rawtune_profile_set_forward(p, _i == 2);
	plan(p, RT_TABLE_RAW, &a);
	plan(p, RT_TABLE_RAW, &b);
	ck_assert_uint_eq(a.n, b.n);
	ck_assert_uint_gt(a.n, 0);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert(rt_rule_equal(&a.rule[i], &b.rule[i]));
		ck_assert(rt_rule_equal(&a.rule[i], &a.rule[i]));
		/* distinct rules of one plan differ */
		for (size_t j = 0; j < a.n; j++)
			if (j != i)
				ck_assert(!rt_rule_equal(&a.rule[i], &b.rule[j]));
	}
	rt_plan_clear(&a);
	rt_plan_clear(&b);
	rawtune_profile_unref(p);
}
END_TEST

/* Change one field of one of web "80,8000-8100,9000"'s raw rules. */
static void change(struct rt_rule *r, int field)
{
	switch (field) {
	case 0: r->table = RT_TABLE_FILTER; break;
	case 1: r->hook = RT_HOOK_INPUT; break;
	case 2: r->proto = IPPROTO_UDP; break;
	case 3: r->dport = !r->dport; break;
	case 4: r->dst_local = !r->dst_local; break;
	case 5: r->untracked = !r->untracked; break;
	case 6: strcpy(r->iniface, "lo"); break;
	case 7: strcpy(r->outiface, "lo"); break;
	case 8: r->nports--; break;
	case 9: r->ports[0].lo++; break;
	case 10: r->ports[1].hi--; break;
	case 11: r->ports[2].lo = r->ports[2].hi = 9001; break;
	case 12: strcpy(r->comment, "rawtune:other"); break;
	case 13: strcpy(r->comment, "rawtune:we"); break;
	case 14: r->verdict = RT_VERDICT_ACCEPT; break;
	case 15: r->verdict = RT_VERDICT_NONE; break;
	case 16: r->foreign = true; break;
	case 17: r->family = RAWTUNE_FAMILY_IPV4; break;
	case 18: r->pmtu = true; break;
	case 19: r->dst_not_local = true; break;
	case 20: r->src.family = RAWTUNE_FAMILY_IPV4; r->src.prefix = 32; break;
	case 21: r->dst.family = RAWTUNE_FAMILY_IPV6; r->dst.prefix = 128; break;
	case 22: r->syn = !r->syn; break;
	case 23:
		r->verdict = r->verdict == RT_VERDICT_COUNT ? RT_VERDICT_NOTRACK
							    : RT_VERDICT_COUNT;
		break;
	case 24: r->notsyn = !r->notsyn; break;
	case 25: r->outiface_inv = !r->outiface_inv; break;
	case 26: r->has_other = !r->has_other; break;
	case 27: r->other.lo = 32768; break;
	case 28: r->other.hi = 60999; break;
	case 29: r->has_owner = !r->has_owner; break;
	case 30: r->owner = 1000; break;
	case 31: strcpy(r->outiface, "lo"); r->outiface_inv = true; break;
	}
}
#define FIELD_CHANGES 32

/* Addresses compare by family, prefix and every byte. */
START_TEST(test_equal_addresses)
{
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;
	struct rt_rule a, b;

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "2001:db8::1"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	a = b = pl.rule[0];
	ck_assert_int_eq(a.dst.family, RAWTUNE_FAMILY_IPV6);
	ck_assert(rt_rule_equal(&a, &b));
	b.dst.prefix = 64;
	ck_assert(!rt_rule_equal(&a, &b));
	b = a;
	b.dst.addr.v6.s6_addr[15] = 2;
	ck_assert(!rt_rule_equal(&a, &b));
	b = a;
	b.src = b.dst;
	ck_assert(!rt_rule_equal(&a, &b));
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Loop over the changes, for the count rule (0), its notrack rule (1) and the
 * reply rule with ! --syn (2).
 */
START_TEST(test_equal_field_changes)
{
	static const enum rt_verdict verdicts[] = { RT_VERDICT_COUNT, RT_VERDICT_NOTRACK,
						    RT_VERDICT_NOTRACK };
	struct rawtune_profile *p = web("80,8000-8100,9000");
	const struct rt_rule *want;
	int field = _i % FIELD_CHANGES, which = _i / FIELD_CHANGES;
	struct rt_plan pl;
	struct rt_rule r;

	plan(p, RT_TABLE_RAW, &pl);
	want = &pl.rule[which];
	ck_assert_int_eq(want->verdict, verdicts[which]);
	ck_assert(want->notsyn == (which == 2));
	ck_assert_uint_eq(want->nports, 3);
	r = *want;
	ck_assert(rt_rule_equal(&r, want));
	change(&r, field);
	ck_assert_msg(!rt_rule_equal(&r, want), "change %d compares equal", field);
	ck_assert_msg(!rt_rule_equal(want, &r), "change %d compares equal", field);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* The other range and the owner compare by value too: a client's and an owner's rules. */
START_TEST(test_equal_other_owner)
{
	struct rawtune_profile *c = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");
	struct rawtune_profile *s = profile("dns", "53", RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);
	static const struct rt_plan_env env = { .loopback = true, .ephemeral = { 32768, 61000 } };
	struct rt_plan a, b;
	struct rt_rule r;

	plan(c, RT_TABLE_RAW, &a);
	plan_env(c, &env, &b);
	ck_assert(a.rule[2].has_other);
	/* requests alike, replies to another range differ */
	ck_assert(rt_rule_equal(&a.rule[0], &b.rule[0]));
	ck_assert(rt_rule_equal(&a.rule[1], &b.rule[1]));
	ck_assert(!rt_rule_equal(&a.rule[2], &b.rule[2]));
	r = b.rule[2];
	r.other.hi = 60999;
	ck_assert(rt_rule_equal(&a.rule[2], &r));
	rt_plan_clear(&a);
	rt_plan_clear(&b);

	ck_assert_int_eq(rawtune_profile_set_owner(s, "100"), 0);
	plan(s, RT_TABLE_RAW, &a);
	ck_assert_int_eq(rawtune_profile_set_owner(s, "101"), 0);
	plan(s, RT_TABLE_RAW, &b);
	ck_assert_uint_eq(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		ck_assert(rt_rule_equal(&a.rule[i], &b.rule[i]) == !a.rule[i].has_owner);
	rt_plan_clear(&a);
	rt_plan_clear(&b);
	rawtune_profile_unref(c);
	rawtune_profile_unref(s);
}
END_TEST

/*
 * A count rule and its notrack rule differ in the SYN flags and the target:
 * each alone makes another rule, both together the notrack rule.
 */
START_TEST(test_equal_syn)
{
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;
	struct rt_rule r;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_int_eq(pl.rule[0].verdict, RT_VERDICT_COUNT);
	ck_assert_int_eq(pl.rule[1].verdict, RT_VERDICT_NOTRACK);
	ck_assert(!rt_rule_equal(&pl.rule[0], &pl.rule[1]));
	/* the flags alone */
	r = pl.rule[0];
	r.syn = false;
	ck_assert(!rt_rule_equal(&r, &pl.rule[0]));
	ck_assert(!rt_rule_equal(&r, &pl.rule[1]));
	/* the target alone: a notrack rule with --syn */
	r = pl.rule[0];
	r.verdict = RT_VERDICT_NOTRACK;
	ck_assert(!rt_rule_equal(&r, &pl.rule[0]));
	ck_assert(!rt_rule_equal(&r, &pl.rule[1]));
	ck_assert(!rt_rule_equal(&pl.rule[1], &r));
	/* both */
	r.syn = false;
	ck_assert(rt_rule_equal(&r, &pl.rule[1]));
	ck_assert(rt_rule_equal(&pl.rule[1], &r));
	/* and back */
	r = pl.rule[1];
	r.syn = true;
	ck_assert(!rt_rule_equal(&r, &pl.rule[1]));
	r.verdict = RT_VERDICT_COUNT;
	ck_assert(rt_rule_equal(&r, &pl.rule[0]));
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* A foreign rule equals nothing, not even itself. */
START_TEST(test_equal_foreign)
{
	struct rt_rule a, b;

	rt_rule_jump(&a, RT_TABLE_RAW, RT_HOOK_PREROUTING);
	rt_rule_jump(&b, RT_TABLE_RAW, RT_HOOK_PREROUTING);
	ck_assert(rt_rule_equal(&a, &b));
	a.foreign = true;
	ck_assert(!rt_rule_equal(&a, &b));
	ck_assert(!rt_rule_equal(&b, &a));
	ck_assert(!rt_rule_equal(&a, &a));
	b.foreign = true;
	ck_assert(!rt_rule_equal(&a, &b));
}
END_TEST

/* ---- which families a plan untracks anything in ---------------------------- */

static unsigned int families_of(const struct rawtune_profile *p)
{
	unsigned int families = 0xff;

	ck_assert_int_eq(rt_plan_families(p, &families), 0);
	return families;
}

/* Without peers or addresses: both of the profile's families, or its one. */
START_TEST(test_untracks_any_address)
{
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;

	plan(p, RT_TABLE_RAW, &pl);
	ck_assert(rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	ck_assert(rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV6));
	rt_plan_clear(&pl);
	ck_assert_uint_eq(families_of(p), RAWTUNE_FAMILY_BOTH);
	ck_assert_int_eq(rawtune_profile_set_families(p, RAWTUNE_FAMILY_IPV4), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert(rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	/* its rules read the same in both families, but the profile leaves IPv6 out */
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV6));
	rt_plan_keep_family(&pl, RAWTUNE_FAMILY_IPV6);
	ck_assert_uint_eq(pl.n, 0);
	rt_plan_clear(&pl);
	ck_assert_uint_eq(families_of(p), RAWTUNE_FAMILY_IPV4);
	rawtune_profile_unref(p);
}
END_TEST

/* Peers of one family: a server, a client and a forward profile untrack only there. */
START_TEST(test_untracks_peers_family)
{
	struct rawtune_profile *srv = web("80"), *cli = client("80", RAWTUNE_PROTO_TCP,
							     "2001:db8::10");
	struct rawtune_profile *fwd = web("80");
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_peers(srv, "192.0.2.10, 198.51.100.0/24"), 0);
	plan(srv, RT_TABLE_RAW, &pl);
	ck_assert_uint_gt(pl.n, 0);
	ck_assert(rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV6));
	rt_plan_keep_family(&pl, RAWTUNE_FAMILY_IPV6);
	ck_assert_uint_eq(pl.n, 0);
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	rt_plan_clear(&pl);
	ck_assert_uint_eq(families_of(srv), RAWTUNE_FAMILY_IPV4);
	ck_assert_uint_eq(families_of(cli), RAWTUNE_FAMILY_IPV6);
	ck_assert_int_eq(rawtune_profile_set_peers(fwd, "192.0.2.10"), 0);
	rawtune_profile_set_forward(fwd, 1);
	ck_assert_uint_eq(families_of(fwd), RAWTUNE_FAMILY_IPV4);
	/* peers of each family: both */
	ck_assert_int_eq(rawtune_profile_set_peers(srv, "192.0.2.10, 2001:db8::10"), 0);
	ck_assert_uint_eq(families_of(srv), RAWTUNE_FAMILY_BOTH);
	/* IPv4 peers, the profile IPv6 only: nothing anywhere */
	ck_assert_int_eq(rawtune_profile_set_peers(srv, "192.0.2.10"), 0);
	ck_assert_int_eq(rawtune_profile_set_families(srv, RAWTUNE_FAMILY_IPV6), 0);
	ck_assert_uint_eq(families_of(srv), 0);
	rawtune_profile_unref(srv);
	rawtune_profile_unref(cli);
	rawtune_profile_unref(fwd);
}
END_TEST

/* An IPv6 address and IPv4 peers never meet: no rule, nothing untracked. */
START_TEST(test_untracks_addresses_peers_apart)
{
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "2001:db8::1"), 0);
	ck_assert_uint_eq(families_of(p), RAWTUNE_FAMILY_IPV6);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 0);
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV6));
	rt_plan_clear(&pl);
	ck_assert_uint_eq(families_of(p), 0);
	rawtune_profile_unref(p);
}
END_TEST

/* Count rules alone untrack nothing; an empty plan, nothing. */
START_TEST(test_untracks_notrack_only)
{
	struct rt_rule count;
	struct rt_plan pl = { .n = 1, .rule = &count, .families = RAWTUNE_FAMILY_BOTH };

	rt_rule_init(&count);
	count.table = RT_TABLE_RAW;
	count.verdict = RT_VERDICT_COUNT;
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	count.verdict = RT_VERDICT_NOTRACK;
	count.family = RAWTUNE_FAMILY_IPV6;
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV4));
	ck_assert(rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV6));
	pl.n = 0;
	ck_assert(!rt_plan_untracks(&pl, RAWTUNE_FAMILY_IPV6));
}
END_TEST

/* A local client's flows: a server's without peers, lo among its interfaces or none. */
START_TEST(test_local_clients)
{
	struct rawtune_profile *p = web("80"), *cli = client("80", RAWTUNE_PROTO_TCP, "192.0.2.10");

	ck_assert(rt_plan_local_clients(p));
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo"), 0);
	ck_assert(rt_plan_local_clients(p));
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0"), 0);
	ck_assert(!rt_plan_local_clients(p));
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, ""), 0);
	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	ck_assert(!rt_plan_local_clients(p));
	rawtune_profile_set_forward(p, 1);
	ck_assert(!rt_plan_local_clients(p));
	ck_assert(!rt_plan_local_clients(cli));
	rawtune_profile_unref(p);
	rawtune_profile_unref(cli);
}
END_TEST

static Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc;

	tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_web80);
	tcase_add_test(tc, test_web80_keep_family);
	tcase_add_loop_test(tc, test_filter_empty, 0, 8);
	tcase_add_test(tc, test_web80_fields);
	tcase_add_test(tc, test_default_env);
	tcase_add_test(tc, test_golden_web80);
	tcase_add_test(tc, test_golden_web);
	tcase_add_test(tc, test_web_multiport);
	tcase_add_test(tc, test_tcp_udp);
	tcase_add_test(tc, test_udp_only);
	tcase_add_loop_test(tc, test_udp_no_count, 0, 8);
	tcase_add_loop_test(tc, test_count_tcp_only, 0, 4);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_no_ports);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_addresses_both_families);
	tcase_add_test(tc, test_interfaces);
	suite_add_tcase(s, tc);

	tc = tcase_create("owner");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_owner_udp_reply);
	tcase_add_test(tc, test_owner_root);
	tcase_add_loop_test(tc, test_owner_only_server_udp, 0, 6);
	suite_add_tcase(s, tc);

	tc = tcase_create("loopback");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_loopback_off);
	tcase_add_test(tc, test_loopback_off_addresses);
	tcase_add_test(tc, test_loopback_off_interfaces);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_client);
	tcase_add_test(tc, test_client_fields);
	tcase_add_test(tc, test_client_ephemeral);
	tcase_add_test(tc, test_client_udp);
	tcase_add_test(tc, test_client_multiport);
	tcase_add_test(tc, test_client_peers_both_families);
	tcase_add_test(tc, test_client_addresses_interfaces);
	tcase_add_test(tc, test_client_server_differ);
	suite_add_tcase(s, tc);

	tc = tcase_create("forward");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_forward);
	tcase_add_test(tc, test_forward_ignores);
	tcase_add_test(tc, test_forward_udp_multiport);
	suite_add_tcase(s, tc);

	tc = tcase_create("invariants");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_invariants, 0, 128);
	tcase_add_loop_test(tc, test_no_duplicates, 0, 16);
	tcase_add_loop_test(tc, test_count_rules, 0, 64);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_chunks, 0, ARRAY_SIZE(chunks));
	tcase_add_test(tc, test_chunk_16_text);
	tcase_add_test(tc, test_chunk_range_not_split);
	tcase_add_test(tc, test_1000_each_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("layout");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_layout_own_chains, 0, ARRAY_SIZE(own_cases));
	tcase_add_test(tc, test_layout_guards_text);
	tcase_add_test(tc, test_layout_chain_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_jump, 0, ARRAY_SIZE(jumps));
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_render_short_buffer, 0, 3);
	tcase_add_loop_test(tc, test_render_fields, 0, ARRAY_SIZE(render_cases));
	tcase_add_test(tc, test_render_comment_quoting);
	tcase_add_test(tc, test_profile_render);
	suite_add_tcase(s, tc);

	tc = tcase_create("equal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_equal_plans, 0, 3);
	tcase_add_loop_test(tc, test_equal_field_changes, 0, 3 * FIELD_CHANGES);
	tcase_add_test(tc, test_equal_other_owner);
	tcase_add_test(tc, test_equal_syn);
	tcase_add_test(tc, test_equal_addresses);
	tcase_add_test(tc, test_equal_foreign);
	suite_add_tcase(s, tc);

	tc = tcase_create("untracks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_untracks_any_address);
	tcase_add_test(tc, test_untracks_peers_family);
	tcase_add_test(tc, test_untracks_addresses_peers_apart);
	tcase_add_test(tc, test_untracks_notrack_only);
	tcase_add_test(tc, test_local_clients);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(plan_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
