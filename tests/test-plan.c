// SPDX-License-Identifier: LGPL-2.1-or-later
/* Profiles as abstract rules, and those rules as iptables-save prints them. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

#define LINE_MAX_LEN 1024
#define WEB_COMMENT "-m comment --comment \"rawtune:web\""

/* Untracked flows get no RELATED ICMP: path MTU discovery needs these accepts. */
#define PMTU4(chain, comment)                                                          \
	"-A " chain " -p icmp -m icmp --icmp-type 3/4 -m comment --comment \"" comment   \
	"\" -j ACCEPT"
#define PMTU6(chain, comment)                                                          \
	"-A " chain " -p ipv6-icmp -m icmp6 --icmpv6-type 2 -m comment --comment \""     \
	comment "\" -j ACCEPT"

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

static void plan(const struct rawtune_profile *p, enum rt_table table, struct rt_plan *out)
{
	ck_assert_int_eq(rt_plan_table(p, table, out), 0);
}

static void render(const struct rt_rule *r, char buf[LINE_MAX_LEN])
{
	int len = rt_rule_render(r, buf, LINE_MAX_LEN);

	ck_assert_int_gt(len, 0);
	ck_assert_int_lt(len, LINE_MAX_LEN);
	ck_assert_uint_eq(strlen(buf), (size_t)len);
}

/*
 * The plan of @table renders as exactly @want, in order: for both families,
 * or with @family only what rt_plan_keep_family() leaves for it.
 */
static void assert_family_text(const struct rawtune_profile *p, enum rt_table table,
			       enum rawtune_family family, const char *const *want, size_t n)
{
	struct rt_plan pl;
	char buf[LINE_MAX_LEN];

	plan(p, table, &pl);
	if (family)
		rt_plan_keep_family(&pl, family);
	for (size_t i = 0; i < pl.n && i < n; i++) {
		render(&pl.rule[i], buf);
		ck_assert_msg(strcmp(buf, want[i]) == 0, "rule %zu:\n  got  %s\n  want %s", i, buf,
			      want[i]);
	}
	ck_assert_uint_eq(pl.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(pl.rule[i].table, table);
		ck_assert(!pl.rule[i].foreign);
	}
	rt_plan_clear(&pl);
}

static void assert_plan_text(const struct rawtune_profile *p, enum rt_table table,
			     const char *const *want, size_t n)
{
	assert_family_text(p, table, 0, want, n);
}

/* Drop the PMTU accepts from @pl; returns how many there were. */
static size_t without_pmtu(struct rt_plan *pl)
{
	size_t out = 0, n = pl->n;

	for (size_t i = 0; i < pl->n; i++)
		if (!pl->rule[i].pmtu)
			pl->rule[out++] = pl->rule[i];
	pl->n = out;
	return n - out;
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

/* ---- the rules of one port ----------------------------------------------- */

static const char *const web80_raw[] = {
	/* the count rule: no target, SYN only, right before the inbound notrack rule */
	"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 "
	"--tcp-flags FIN,SYN,RST,ACK SYN -m comment --comment \"rawtune:web\"",
	"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 " WEB_COMMENT
	" -j CT --notrack",
	"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 " WEB_COMMENT " -j CT --notrack",
	"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT " -j CT --notrack",
};

static const char *const web80_filter[] = {
	"-A RAWTUNE-INPUT -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED " WEB_COMMENT
	" -j ACCEPT",
	"-A RAWTUNE-INPUT -i lo -p tcp -m tcp --sport 80 -m conntrack --ctstate UNTRACKED "
	WEB_COMMENT " -j ACCEPT",
	PMTU4("RAWTUNE-INPUT", "rawtune:web"),
	PMTU6("RAWTUNE-INPUT", "rawtune:web"),
	"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 -m conntrack --ctstate UNTRACKED " WEB_COMMENT
	" -j ACCEPT",
	"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED "
	WEB_COMMENT " -j ACCEPT",
};

START_TEST(test_web80)
{
	struct rawtune_profile *p = web("80");

	assert_plan_text(p, RT_TABLE_RAW, web80_raw, ARRAY_SIZE(web80_raw));
	assert_plan_text(p, RT_TABLE_FILTER, web80_filter, ARRAY_SIZE(web80_filter));
	rawtune_profile_unref(p);
}
END_TEST

/* ICMP differs by family: each family keeps its own PMTU accept, and every other rule. */
START_TEST(test_web80_keep_family)
{
	static const char *const filter4[] = {
		web80_filter[0], web80_filter[1], web80_filter[2], web80_filter[4], web80_filter[5],
	};
	static const char *const filter6[] = {
		web80_filter[0], web80_filter[1], web80_filter[3], web80_filter[4], web80_filter[5],
	};
	struct rawtune_profile *p = web("80");

	assert_family_text(p, RT_TABLE_RAW, RAWTUNE_FAMILY_IPV4, web80_raw, ARRAY_SIZE(web80_raw));
	assert_family_text(p, RT_TABLE_RAW, RAWTUNE_FAMILY_IPV6, web80_raw, ARRAY_SIZE(web80_raw));
	assert_family_text(p, RT_TABLE_FILTER, RAWTUNE_FAMILY_IPV4, filter4, ARRAY_SIZE(filter4));
	assert_family_text(p, RT_TABLE_FILTER, RAWTUNE_FAMILY_IPV6, filter6, ARRAY_SIZE(filter6));
	rawtune_profile_unref(p);
}
END_TEST

/* The fields behind the text, for the first raw rules: the count rule and its notrack rule. */
/* web's inbound rule in raw PREROUTING for tcp port 80 to a local address. */
static void assert_inbound_80(const struct rt_rule *r, bool syn, enum rt_verdict verdict)
{
	ck_assert_int_eq(r->table, RT_TABLE_RAW);
	ck_assert_int_eq(r->hook, RT_HOOK_PREROUTING);
	ck_assert_uint_eq(r->proto, IPPROTO_TCP);
	ck_assert(r->syn == syn);
	ck_assert(r->dport);
	ck_assert(r->dst_local);
	ck_assert(!r->untracked);
	ck_assert(!r->foreign);
	ck_assert_str_eq(r->iniface, "");
	ck_assert_str_eq(r->outiface, "");
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
	ck_assert_int_eq(pl.rule[2].hook, RT_HOOK_OUTPUT);
	ck_assert_int_eq(pl.rule[3].hook, RT_HOOK_OUTPUT);
	for (size_t i = 1; i < pl.n; i++) {
		ck_assert(!pl.rule[i].syn);
		ck_assert_int_eq(pl.rule[i].verdict, RT_VERDICT_NOTRACK);
	}
	rt_plan_clear(&pl);
	ck_assert_uint_eq(pl.n, 0);
	ck_assert_ptr_null(pl.rule);

	/* the PMTU accepts: one per family, no protocol, no ports */
	plan(p, RT_TABLE_FILTER, &pl);
	for (size_t i = 2; i < 4; i++) {
		r = &pl.rule[i];
		ck_assert(r->pmtu);
		ck_assert_int_eq(r->family, i == 2 ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6);
		ck_assert_int_eq(r->hook, RT_HOOK_INPUT);
		ck_assert_uint_eq(r->proto, 0);
		ck_assert_uint_eq(r->nports, 0);
		ck_assert(!r->untracked);
		ck_assert_int_eq(r->verdict, RT_VERDICT_ACCEPT);
	}
	/* the filter table counts nothing */
	for (size_t i = 0; i < pl.n; i++) {
		ck_assert(!pl.rule[i].syn);
		ck_assert_int_ne(pl.rule[i].verdict, RT_VERDICT_COUNT);
	}
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
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
 * "-A RAWTUNE-" line of @table in the golden file is one rule of the plan.
 */
static void assert_golden(const char *name, const struct rawtune_profile *p,
			  enum rawtune_family family)
{
	static const char *const tables[RT_TABLE_COUNT] = { "*raw", "*filter" };
	struct rt_plan pl[RT_TABLE_COUNT];
	bool *seen[RT_TABLE_COUNT];
	char line[LINE_MAX_LEN], buf[LINE_MAX_LEN];
	FILE *f = golden_open(name);
	int table = -1;
	size_t lines = 0;

	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		plan(p, t, &pl[t]);
		rt_plan_keep_family(&pl[t], family);
		seen[t] = calloc(pl[t].n ? pl[t].n : 1, sizeof(bool));
		ck_assert_ptr_nonnull(seen[t]);
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (int t = 0; t < RT_TABLE_COUNT; t++)
			if (strcmp(line, tables[t]) == 0)
				table = t;
		if (strncmp(line, "-A RAWTUNE-", 11) != 0)
			continue;
		ck_assert_int_ge(table, 0);
		bool found = false;

		for (size_t i = 0; i < pl[table].n && !found; i++) {
			render(&pl[table].rule[i], buf);
			if (strcmp(buf, line) == 0 && !seen[table][i])
				found = seen[table][i] = true;
		}
		ck_assert_msg(found, "%s: no rule of the plan renders as: %s", name, line);
		lines++;
	}
	fclose(f);
	ck_assert_uint_eq(lines, pl[RT_TABLE_RAW].n + pl[RT_TABLE_FILTER].n);
	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		free(seen[t]);
		rt_plan_clear(&pl[t]);
	}
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
 * count rule's flags go in a tcp match of their own, before the multiport match.
 */
START_TEST(test_web_multiport)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --tcp-flags "
		"FIN,SYN,RST,ACK SYN -m multiport --dports 80,443 -m comment --comment "
		"\"rawtune:web\"",
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m multiport --dports "
		"80,443 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p tcp -m multiport --sports 80,443 " WEB_COMMENT
		" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m multiport --dports 80,443 " WEB_COMMENT
		" -j CT --notrack",
	};
	static const char *const filter[] = {
		"-A RAWTUNE-INPUT -p tcp -m multiport --dports 80,443 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
		"-A RAWTUNE-INPUT -i lo -p tcp -m multiport --sports 80,443 -m conntrack "
		"--ctstate UNTRACKED " WEB_COMMENT " -j ACCEPT",
		PMTU4("RAWTUNE-INPUT", "rawtune:web"),
		PMTU6("RAWTUNE-INPUT", "rawtune:web"),
		"-A RAWTUNE-OUTPUT -p tcp -m multiport --sports 80,443 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m multiport --dports 80,443 -m conntrack "
		"--ctstate UNTRACKED " WEB_COMMENT " -j ACCEPT",
	};
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_load(ctx, "web", &p), 0);
	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	assert_plan_text(p, RT_TABLE_FILTER, filter, ARRAY_SIZE(filter));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * A client: the remote side has the port, so every rule swaps dport and sport.
 * Its new flows start here: the count rule sits in OUTPUT, before the requests'
 * notrack rule.
 */
START_TEST(test_client)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --sport 80 "
		"-m comment --comment \"rawtune:cli\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 80 --tcp-flags FIN,SYN,RST,ACK SYN "
		"-m comment --comment \"rawtune:cli\"",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 80 -m comment --comment \"rawtune:cli\" "
		"-j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --sport 80 -m comment --comment "
		"\"rawtune:cli\" -j CT --notrack",
	};
	static const char *const filter[] = {
		"-A RAWTUNE-INPUT -p tcp -m tcp --sport 80 -m conntrack --ctstate UNTRACKED "
		"-m comment --comment \"rawtune:cli\" -j ACCEPT",
		"-A RAWTUNE-INPUT -i lo -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED "
		"-m comment --comment \"rawtune:cli\" -j ACCEPT",
		PMTU4("RAWTUNE-INPUT", "rawtune:cli"),
		PMTU6("RAWTUNE-INPUT", "rawtune:cli"),
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED "
		"-m comment --comment \"rawtune:cli\" -j ACCEPT",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --sport 80 -m conntrack --ctstate "
		"UNTRACKED -m comment --comment \"rawtune:cli\" -j ACCEPT",
	};
	struct rawtune_profile *p =
		profile("cli", "80", RAWTUNE_PROTO_TCP, RAWTUNE_DIRECTION_CLIENT);

	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	assert_plan_text(p, RT_TABLE_FILTER, filter, ARRAY_SIZE(filter));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * Server and client plans differ in the port direction only; ICMP has no ports.
 * The count rules differ in where they sit: before the server's inbound
 * requests in PREROUTING, before the client's outbound ones in OUTPUT.
 */
START_TEST(test_client_swaps_every_rule)
{
	struct rawtune_profile *s = profile("x", "80,443,8000-8100", RAWTUNE_PROTO_TCP |
						RAWTUNE_PROTO_UDP, RAWTUNE_DIRECTION_SERVER);
	struct rawtune_profile *c = profile("x", "80,443,8000-8100", RAWTUNE_PROTO_TCP |
						RAWTUNE_PROTO_UDP, RAWTUNE_DIRECTION_CLIENT);

	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		struct rt_plan ps, pc, cs, cc;

		plan(s, t, &ps);
		plan(c, t, &pc);
		ck_assert_uint_eq(ps.n, pc.n);
		ck_assert_uint_gt(ps.n, 0);
		ck_assert_uint_eq(without_count(&ps, &cs), t == RT_TABLE_RAW ? 1 : 0);
		ck_assert_uint_eq(without_count(&pc, &cc), t == RT_TABLE_RAW ? 1 : 0);
		ck_assert_uint_eq(ps.n, pc.n);
		for (size_t i = 0; i < ps.n; i++) {
			ck_assert(ps.rule[i].pmtu == pc.rule[i].pmtu);
			ck_assert(ps.rule[i].pmtu || ps.rule[i].dport != pc.rule[i].dport);
			pc.rule[i].dport = ps.rule[i].dport;
			ck_assert(rt_rule_equal(&ps.rule[i], &pc.rule[i]));
		}
		/* both count the requests, towards the port */
		for (size_t i = 0; i < cs.n; i++) {
			ck_assert(cs.rule[i].dport && cc.rule[i].dport);
			ck_assert_int_eq(cs.rule[i].hook, RT_HOOK_PREROUTING);
			ck_assert(cs.rule[i].dst_local);
			ck_assert_int_eq(cc.rule[i].hook, RT_HOOK_OUTPUT);
			ck_assert(!cc.rule[i].dst_local);
			cc.rule[i].hook = RT_HOOK_PREROUTING;
			cc.rule[i].dst_local = true;
			ck_assert(rt_rule_equal(&cs.rule[i], &cc.rule[i]));
		}
		rt_plan_clear(&ps);
		rt_plan_clear(&pc);
		rt_plan_clear(&cs);
		rt_plan_clear(&cc);
	}
	rawtune_profile_unref(s);
	rawtune_profile_unref(c);
}
END_TEST

/* tcp and udp: each template's rule twice, tcp first; the count rule for tcp only. */
START_TEST(test_tcp_udp)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 53 "
		"--tcp-flags FIN,SYN,RST,ACK SYN -m comment --comment \"rawtune:dns\"",
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 53 "
		"-m comment --comment \"rawtune:dns\" -j CT --notrack",
		"-A RAWTUNE-PREROUTING -p udp -m addrtype --dst-type LOCAL -m udp --dport 53 "
		"-m comment --comment \"rawtune:dns\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 53 -m comment --comment \"rawtune:dns\" "
		"-j CT --notrack",
		"-A RAWTUNE-OUTPUT -p udp -m udp --sport 53 -m comment --comment \"rawtune:dns\" "
		"-j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 53 -m comment --comment "
		"\"rawtune:dns\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p udp -m udp --dport 53 -m comment --comment "
		"\"rawtune:dns\" -j CT --notrack",
	};
	struct rawtune_profile *p = profile("dns", "53", RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					    RAWTUNE_DIRECTION_SERVER);
	struct rawtune_profile *tcp = profile("dns", "53", RAWTUNE_PROTO_TCP,
					      RAWTUNE_DIRECTION_SERVER);
	struct rt_plan both, one, count_both, count_one;

	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	/* without the count rule, the raw table pairs up as the filter table does */
	plan(p, RT_TABLE_RAW, &both);
	plan(tcp, RT_TABLE_RAW, &one);
	ck_assert_uint_eq(without_count(&both, &count_both), 1);
	ck_assert_uint_eq(without_count(&one, &count_one), 1);
	ck_assert_uint_eq(both.n, 6);
	ck_assert_uint_eq(one.n, 3);
	for (size_t i = 0; i < one.n; i++) {
		struct rt_rule udp = one.rule[i];

		ck_assert(rt_rule_equal(&both.rule[2 * i], &one.rule[i]));
		udp.proto = IPPROTO_UDP;
		ck_assert(rt_rule_equal(&both.rule[2 * i + 1], &udp));
	}
	/* udp adds no count rule */
	ck_assert_uint_eq(count_both.rule[0].proto, IPPROTO_TCP);
	ck_assert(rt_rule_equal(&count_both.rule[0], &count_one.rule[0]));
	rt_plan_clear(&both);
	rt_plan_clear(&one);
	rt_plan_clear(&count_both);
	rt_plan_clear(&count_one);

	plan(p, RT_TABLE_FILTER, &both);
	plan(tcp, RT_TABLE_FILTER, &one);
	/* the PMTU accepts do not depend on the protocols */
	ck_assert_uint_eq(without_pmtu(&both), 2);
	ck_assert_uint_eq(without_pmtu(&one), 2);
	ck_assert_uint_eq(both.n, 8);
	ck_assert_uint_eq(one.n, 4);
	for (size_t i = 0; i < one.n; i++) {
		struct rt_rule udp = one.rule[i];

		ck_assert(rt_rule_equal(&both.rule[2 * i], &one.rule[i]));
		udp.proto = IPPROTO_UDP;
		ck_assert(rt_rule_equal(&both.rule[2 * i + 1], &udp));
	}
	rt_plan_clear(&both);
	rt_plan_clear(&one);
	rawtune_profile_unref(p);
	rawtune_profile_unref(tcp);
}
END_TEST

START_TEST(test_udp_only)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -p udp -m addrtype --dst-type LOCAL -m multiport --dports "
		"53,123 -m comment --comment \"rawtune:udp\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p udp -m multiport --sports 53,123 -m comment --comment "
		"\"rawtune:udp\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p udp -m multiport --dports 53,123 -m comment --comment "
		"\"rawtune:udp\" -j CT --notrack",
	};
	struct rawtune_profile *p =
		profile("udp", "123,53", RAWTUNE_PROTO_UDP, RAWTUNE_DIRECTION_SERVER);

	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * UDP has no count rule, whatever the profile: the notrack rule's own counter
 * counts the datagrams. Loop over server and client, each without and with
 * forward, addresses and interfaces.
 */
START_TEST(test_udp_no_count)
{
	struct rawtune_profile *p = profile("udp", "53,123,8000-8100", RAWTUNE_PROTO_UDP,
					    _i & 1 ? RAWTUNE_DIRECTION_CLIENT
						   : RAWTUNE_DIRECTION_SERVER);

	rawtune_profile_set_forward(p, _i & 2);
	if (_i & 4) {
		ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1"), 0);
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo"), 0);
	}
	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		struct rt_plan pl;

		plan(p, t, &pl);
		ck_assert_uint_gt(pl.n, 0);
		for (size_t i = 0; i < pl.n; i++) {
			ck_assert(!pl.rule[i].syn);
			ck_assert_int_ne(pl.rule[i].verdict, RT_VERDICT_COUNT);
		}
		rt_plan_clear(&pl);
	}
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
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport "
		"8000:8100 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport "
		"8000:8100 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 8000:8100 " WEB_COMMENT
		" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 8000:8100 " WEB_COMMENT
		" -j CT --notrack",
	};
	static const char *const mixed[] = {
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --tcp-flags "
		"FIN,SYN,RST,ACK SYN -m multiport --dports 80,8000:8100,9000 " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m multiport --dports "
		"80,8000:8100,9000 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p tcp -m multiport --sports 80,8000:8100,9000 " WEB_COMMENT
		" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m multiport --dports 80,8000:8100,9000 "
		WEB_COMMENT " -j CT --notrack",
	};
	struct rawtune_profile *p = web("8000-8100");

	assert_plan_text(p, RT_TABLE_RAW, one, ARRAY_SIZE(one));
	ck_assert_int_eq(rawtune_profile_set_ports(p, "9000,8000-8100,80"), 0);
	assert_plan_text(p, RT_TABLE_RAW, mixed, ARRAY_SIZE(mixed));
	rawtune_profile_unref(p);
}
END_TEST

/* No ports, no port rules (apply refuses such a profile before it gets here). */
START_TEST(test_no_ports)
{
	struct rawtune_profile *p;
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_new(ctx, "empty", &p), 0);
	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		plan(p, t, &pl);
		without_pmtu(&pl);
		ck_assert_uint_eq(pl.n, 0);
		rt_plan_clear(&pl);
	}
	rawtune_profile_unref(p);
}
END_TEST

/* ---- narrowing: addresses, interfaces, forward ------------------------------ */

#define V4 "192.0.2.1/32"
#define V6 "2001:db8::/64"

/* Inbound rules match the address as destination, outbound as source. */
/* A client's local address is the source of its requests and the destination of replies. */
START_TEST(test_client_addresses)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -d " V4 " -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--sport 8080 -m comment --comment \"rawtune:proxy\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -s " V4 " -p tcp -m tcp --dport 8080 --tcp-flags "
		"FIN,SYN,RST,ACK SYN -m comment --comment \"rawtune:proxy\"",
		"-A RAWTUNE-OUTPUT -s " V4 " -p tcp -m tcp --dport 8080 -m comment --comment "
		"\"rawtune:proxy\" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -d " V4 " -o lo -p tcp -m tcp --sport 8080 -m comment --comment "
		"\"rawtune:proxy\" -j CT --notrack",
	};
	struct rawtune_profile *p = profile("proxy", "8080", RAWTUNE_PROTO_TCP,
					    RAWTUNE_DIRECTION_CLIENT);

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	rawtune_profile_unref(p);
}
END_TEST

START_TEST(test_addresses)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -d " V4 " -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -d " V4 " -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -s " V4 " -p tcp -m tcp --sport 80 " WEB_COMMENT
		" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -d " V4 " -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT
		" -j CT --notrack",
	};
	static const char *const filter[] = {
		"-A RAWTUNE-INPUT -d " V4 " -p tcp -m tcp --dport 80 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
		"-A RAWTUNE-INPUT -s " V4 " -i lo -p tcp -m tcp --sport 80 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
		PMTU4("RAWTUNE-INPUT -d " V4, "rawtune:web"),
		"-A RAWTUNE-OUTPUT -s " V4 " -p tcp -m tcp --sport 80 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
		"-A RAWTUNE-OUTPUT -d " V4 " -o lo -p tcp -m tcp --dport 80 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
	};
	struct rawtune_profile *p = web("80");

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	assert_plan_text(p, RT_TABLE_FILTER, filter, ARRAY_SIZE(filter));
	/* IPv4 addresses only: nothing for IPv6 */
	assert_family_text(p, RT_TABLE_RAW, RAWTUNE_FAMILY_IPV6, NULL, 0);
	assert_family_text(p, RT_TABLE_FILTER, RAWTUNE_FAMILY_IPV6, NULL, 0);
	assert_family_text(p, RT_TABLE_FILTER, RAWTUNE_FAMILY_IPV4, filter, ARRAY_SIZE(filter));
	rawtune_profile_unref(p);
}
END_TEST

/* One rule per address, each in its family; host bits are cleared. */
START_TEST(test_addresses_both_families)
{
	static const char *const raw6[] = {
		"-A RAWTUNE-PREROUTING -d " V6 " -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -d " V6 " -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -s " V6 " -p tcp -m tcp --sport 80 " WEB_COMMENT
		" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -d " V6 " -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT
		" -j CT --notrack",
	};
	struct rawtune_profile *p = web("80");
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::1/64"), 0);
	assert_family_text(p, RT_TABLE_RAW, RAWTUNE_FAMILY_IPV6, raw6, ARRAY_SIZE(raw6));
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
	plan(p, RT_TABLE_FILTER, &pl);
	/* 4 templates and one PMTU accept, for each address */
	ck_assert_uint_eq(pl.n, 10);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/* An interface list leaves out the loopback rules unless it names "lo". */
START_TEST(test_interfaces)
{
	static const char *const raw[] = {
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o eth0 -p tcp -m tcp --sport 80 " WEB_COMMENT
		" -j CT --notrack",
	};
	static const char *const filter[] = {
		"-A RAWTUNE-INPUT -i eth0 -p tcp -m tcp --dport 80 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
		PMTU4("RAWTUNE-INPUT -i eth0", "rawtune:web"),
		PMTU6("RAWTUNE-INPUT -i eth0", "rawtune:web"),
		"-A RAWTUNE-OUTPUT -o eth0 -p tcp -m tcp --sport 80 -m conntrack --ctstate "
		"UNTRACKED " WEB_COMMENT " -j ACCEPT",
	};
	/* a count rule per interface, all of them before the notrack rules */
	static const char *const raw_lo[] = {
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i lo -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -i eth0 -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-PREROUTING -i lo -p tcp -m addrtype --dst-type LOCAL -m tcp "
		"--dport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o eth0 -p tcp -m tcp --sport 80 " WEB_COMMENT
		" -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --sport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT " -j CT --notrack",
	};
	struct rawtune_profile *p = web("80");

	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0"), 0);
	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	assert_plan_text(p, RT_TABLE_FILTER, filter, ARRAY_SIZE(filter));
	ck_assert_int_eq(rawtune_profile_set_interfaces(p, "eth0, lo"), 0);
	assert_plan_text(p, RT_TABLE_RAW, raw_lo, ARRAY_SIZE(raw_lo));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * forward = yes: requests to anyone, replies passing through to others
 * ("! --dst-type LOCAL"), and the accepts in FORWARD.
 */
START_TEST(test_forward)
{
	static const char *const raw[] = {
		/* the count rule counts forwarded flows too: no addrtype */
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 --tcp-flags FIN,SYN,RST,ACK SYN "
		WEB_COMMENT,
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-PREROUTING -p tcp -m addrtype ! --dst-type LOCAL -m tcp --sport 80 "
		WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 " WEB_COMMENT " -j CT --notrack",
		"-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 " WEB_COMMENT " -j CT --notrack",
	};
	static const char *const filter[] = {
		web80_filter[0],
		web80_filter[1],
		web80_filter[2],
		web80_filter[3],
		"-A RAWTUNE-FORWARD -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED "
		WEB_COMMENT " -j ACCEPT",
		"-A RAWTUNE-FORWARD -p tcp -m tcp --sport 80 -m conntrack --ctstate UNTRACKED "
		WEB_COMMENT " -j ACCEPT",
		PMTU4("RAWTUNE-FORWARD", "rawtune:web"),
		PMTU6("RAWTUNE-FORWARD", "rawtune:web"),
		web80_filter[4],
		web80_filter[5],
	};
	struct rawtune_profile *p = web("80");

	rawtune_profile_set_forward(p, 1);
	assert_plan_text(p, RT_TABLE_RAW, raw, ARRAY_SIZE(raw));
	assert_plan_text(p, RT_TABLE_FILTER, filter, ARRAY_SIZE(filter));
	rawtune_profile_set_forward(p, 0);
	assert_plan_text(p, RT_TABLE_RAW, web80_raw, ARRAY_SIZE(web80_raw));
	rawtune_profile_unref(p);
}
END_TEST

/*
 * A client with forward = yes: its own requests are counted in OUTPUT, right
 * before their notrack rule, as without forward.
 */
START_TEST(test_client_forward)
{
	static const char *const count =
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 80 --tcp-flags FIN,SYN,RST,ACK SYN "
		"-m comment --comment \"rawtune:cl\"";
	static const char *const notrack =
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 80 -m comment --comment \"rawtune:cl\" "
		"-j CT --notrack";
	struct rawtune_profile *p = profile("cl", "80", RAWTUNE_PROTO_TCP,
					    RAWTUNE_DIRECTION_CLIENT);
	char buf[LINE_MAX_LEN];
	size_t found = 0;
	struct rt_plan pl;

	rawtune_profile_set_forward(p, 1);
	plan(p, RT_TABLE_RAW, &pl);
	for (size_t i = 0; i < pl.n; i++) {
		if (pl.rule[i].verdict != RT_VERDICT_COUNT || pl.rule[i].hook != RT_HOOK_OUTPUT)
			continue;
		found++;
		render(&pl.rule[i], buf);
		ck_assert_str_eq(buf, count);
		ck_assert_uint_lt(i + 1, pl.n);
		render(&pl.rule[i + 1], buf);
		ck_assert_str_eq(buf, notrack);
	}
	ck_assert_uint_eq(found, 1);
	rt_plan_clear(&pl);
	plan(p, RT_TABLE_FILTER, &pl);
	for (size_t i = 0; i < pl.n; i++)
		ck_assert_int_ne(pl.rule[i].verdict, RT_VERDICT_COUNT);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}
END_TEST

/*
 * With addresses of one family only the profile makes no rule for the
 * other, the FORWARD PMTU accept included.
 */
START_TEST(test_forward_addresses_one_family)
{
	struct rawtune_profile *p = web("80");
	char buf[LINE_MAX_LEN];
	struct rt_plan pl;

	rawtune_profile_set_forward(p, 1);
	ck_assert_int_eq(rawtune_profile_set_addresses(p, "192.0.2.1"), 0);
	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		plan(p, t, &pl);
		rt_plan_keep_family(&pl, RAWTUNE_FAMILY_IPV6);
		if (pl.n)
			render(&pl.rule[0], buf);
		ck_assert_msg(pl.n == 0, "%s: %zu IPv6 rules, first: %s", rt_table_name(t), pl.n,
			      buf);
		rt_plan_clear(&pl);
	}
	rawtune_profile_unref(p);
}
END_TEST

/* ---- count rules, whatever the profile ------------------------------------ */

/*
 * Does @r untrack the first packet of the profile's own new tcp flows: a
 * server's requests arriving, a client's leaving?
 */
static bool takes_new_flows(const struct rt_rule *r, enum rawtune_direction direction)
{
	enum rt_hook hook = direction == RAWTUNE_DIRECTION_SERVER ? RT_HOOK_PREROUTING
								   : RT_HOOK_OUTPUT;

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
	enum rawtune_direction dir = rawtune_profile_get_direction(p);
	struct rt_plan pl;
	size_t last_twin = 0, counted = 0, counts = 0;
	bool *is_twin;

	plan(p, RT_TABLE_FILTER, &pl);
	for (size_t i = 0; i < pl.n; i++) {
		ck_assert(!pl.rule[i].syn);
		ck_assert_int_ne(pl.rule[i].verdict, RT_VERDICT_COUNT);
	}
	rt_plan_clear(&pl);

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
		ck_assert(r->dport);
		ck_assert(!r->untracked && !r->pmtu && !r->dst_not_local && !r->foreign);
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
		if (!takes_new_flows(&pl.rule[i], dir))
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
 * Templates per table: raw 3, filter 4; each once per protocol. The raw table
 * of a server profile without forward adds the count template, for tcp only.
 */
static const size_t templates[RT_TABLE_COUNT] = { [RT_TABLE_RAW] = 3, [RT_TABLE_FILTER] = 4 };
static const size_t count_templates[RT_TABLE_COUNT] = { [RT_TABLE_RAW] = 1 };

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
static size_t assert_chunks(const struct rawtune_profile *p, enum rt_table table,
			    unsigned int protocols)
{
	const struct rt_ports *ports = &p->ports;
	size_t groups = templates[table] * protocols + count_templates[table], per, r = 0;
	struct rt_plan pl;

	plan(p, table, &pl);
	ck_assert_uint_eq(without_pmtu(&pl), table == RT_TABLE_FILTER ? 2 : 0);
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

/* How many count rules @table of @p has; each is tcp. */
static size_t count_rules(const struct rawtune_profile *p, enum rt_table table)
{
	struct rt_plan pl, counts;
	size_t n;

	plan(p, table, &pl);
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
	ck_assert_uint_eq(assert_chunks(p, RT_TABLE_RAW, 1), chunks[_i].rules);
	ck_assert_uint_eq(assert_chunks(p, RT_TABLE_FILTER, 1), chunks[_i].rules);
	/* one count rule per chunk */
	ck_assert_uint_eq(count_rules(p, RT_TABLE_RAW), chunks[_i].rules);
	ck_assert_uint_eq(count_rules(p, RT_TABLE_FILTER), 0);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP),
			 0);
	ck_assert_uint_eq(assert_chunks(p, RT_TABLE_RAW, 2), chunks[_i].rules);
	ck_assert_uint_eq(assert_chunks(p, RT_TABLE_FILTER, 2), chunks[_i].rules);
	/* and still one per chunk: udp adds none */
	ck_assert_uint_eq(count_rules(p, RT_TABLE_RAW), chunks[_i].rules);
	/* a client's count rules, in OUTPUT, are chunked the same way */
	ck_assert_int_eq(rawtune_profile_set_direction(p, RAWTUNE_DIRECTION_CLIENT), 0);
	ck_assert_uint_eq(assert_chunks(p, RT_TABLE_RAW, 2), chunks[_i].rules);
	ck_assert_uint_eq(count_rules(p, RT_TABLE_RAW), chunks[_i].rules);
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
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL "
			      "-m tcp --tcp-flags FIN,SYN,RST,ACK SYN "
			      "-m multiport --dports 1001,1003,1005,1007,1009,1011,1013,1015,"
			      "1017,1019,1021,1023,1025,1027,1029 " WEB_COMMENT);
	render(&pl.rule[1], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL "
			      "-m tcp --dport 1031 --tcp-flags FIN,SYN,RST,ACK SYN " WEB_COMMENT);
	render(&pl.rule[2], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL "
			      "-m multiport --dports 1001,1003,1005,1007,1009,1011,1013,1015,"
			      "1017,1019,1021,1023,1025,1027,1029 " WEB_COMMENT
			      " -j CT --notrack");
	render(&pl.rule[3], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL "
			      "-m tcp --dport 1031 " WEB_COMMENT " -j CT --notrack");
	render(&pl.rule[4], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-OUTPUT -p tcp -m multiport --sports 1001,1003,1005,"
			      "1007,1009,1011,1013,1015,1017,1019,1021,1023,1025,1027,1029 "
			      WEB_COMMENT " -j CT --notrack");
	rt_plan_clear(&pl);
	/* adjacent ports merge into one range: one rule per template */
	ck_assert_int_eq(rawtune_profile_set_ports(p, list), 0);
	plan(p, RT_TABLE_RAW, &pl);
	ck_assert_uint_eq(pl.n, 4);
	render(&pl.rule[0], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL "
			      "-m tcp --dport 1001:1016 --tcp-flags FIN,SYN,RST,ACK SYN "
			      WEB_COMMENT);
	render(&pl.rule[2], buf);
	ck_assert_str_eq(buf, "-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 1001:1016 " WEB_COMMENT
			      " -j CT --notrack");
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

/* 1000 ports: each appears exactly once among each template's rules. */
START_TEST(test_1000_each_once)
{
	char *list = port_list(1000, 3, 3, 0);
	struct rawtune_profile *p = web(list);
	static unsigned char seen[RT_HOOK_COUNT * 2][65536];
	struct rt_plan pl;

	plan(p, RT_TABLE_FILTER, &pl);
	ck_assert_uint_eq(without_pmtu(&pl), 2);
	ck_assert_uint_eq(pl.n, 4 * 67);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];

		for (unsigned int k = 0; k < r->nports; k++) {
			ck_assert_uint_eq(r->ports[k].lo, r->ports[k].hi);
			seen[r->hook * 2 + r->dport][r->ports[k].lo]++;
		}
	}
	for (unsigned int hook_dir = 0; hook_dir < RT_HOOK_COUNT * 2; hook_dir++) {
		unsigned int hook = hook_dir / 2, wrong = 0;

		if (hook != RT_HOOK_INPUT && hook != RT_HOOK_OUTPUT)
			continue;
		for (unsigned int port = 0; port < 65536; port++)
			wrong += seen[hook_dir][port] != (port % 3 == 0 && port && port <= 3000);
		ck_assert_msg(wrong == 0, "%s %s: %u ports not seen exactly once",
			      rt_hook_name(hook), hook_dir % 2 ? "dport" : "sport", wrong);
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
 * Loop: a filter accept, then the count rule, whose text ends without a target.
 */
START_TEST(test_render_short_buffer)
{
	struct rawtune_profile *p = web("80");
	char full[LINE_MAX_LEN], buf[LINE_MAX_LEN];
	const struct rt_rule *r;
	struct rt_plan pl;
	int len;

	plan(p, _i ? RT_TABLE_RAW : RT_TABLE_FILTER, &pl);
	r = &pl.rule[_i ? 0 : 1];
	ck_assert_int_eq(r->verdict, _i ? RT_VERDICT_COUNT : RT_VERDICT_ACCEPT);
	len = rt_rule_render(r, full, sizeof(full));
	ck_assert_int_eq(rt_rule_render(r, NULL, 0), len);
	ck_assert_uint_eq(strlen(full), (size_t)len);
	ck_assert(_i == 0 || strstr(full, " -j ") == NULL);
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

START_TEST(test_equal_plans)
{
	struct rawtune_profile *p = profile("x", "80,443,8000-8100,9000", RAWTUNE_PROTO_TCP |
					    RAWTUNE_PROTO_UDP, RAWTUNE_DIRECTION_CLIENT);

	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		struct rt_plan a, b;

		plan(p, t, &a);
		plan(p, t, &b);
		ck_assert_uint_eq(a.n, b.n);
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
	}
	rawtune_profile_unref(p);
}
END_TEST

/* Change one field of one of web "80,8000-8100,9000"'s raw PREROUTING rules. */
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
	}
}
#define FIELD_CHANGES 24

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

/* Loop over the changes, for the count rule (0) and for its notrack rule (1). */
START_TEST(test_equal_field_changes)
{
	struct rawtune_profile *p = web("80,8000-8100,9000");
	const struct rt_rule *want;
	int field = _i % FIELD_CHANGES;
	struct rt_plan pl;
	struct rt_rule r;

	plan(p, RT_TABLE_RAW, &pl);
	want = &pl.rule[_i / FIELD_CHANGES];
	ck_assert_int_eq(want->verdict,
			 _i / FIELD_CHANGES ? RT_VERDICT_NOTRACK : RT_VERDICT_COUNT);
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

static Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc;

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_web80);
	tcase_add_test(tc, test_web80_keep_family);
	tcase_add_test(tc, test_web80_fields);
	tcase_add_test(tc, test_golden_web80);
	tcase_add_test(tc, test_golden_web);
	tcase_add_test(tc, test_web_multiport);
	tcase_add_test(tc, test_client);
	tcase_add_test(tc, test_client_swaps_every_rule);
	tcase_add_test(tc, test_tcp_udp);
	tcase_add_test(tc, test_udp_only);
	tcase_add_loop_test(tc, test_udp_no_count, 0, 8);
	tcase_add_loop_test(tc, test_count_tcp_only, 0, 4);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_no_ports);
	suite_add_tcase(s, tc);

	tc = tcase_create("narrowing");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_client_addresses);
	tcase_add_test(tc, test_addresses_both_families);
	tcase_add_test(tc, test_interfaces);
	tcase_add_test(tc, test_forward);
	tcase_add_test(tc, test_client_forward);
	tcase_add_test(tc, test_forward_addresses_one_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("count");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_count_rules, 0, 64);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_chunks, 0, ARRAY_SIZE(chunks));
	tcase_add_test(tc, test_chunk_16_text);
	tcase_add_test(tc, test_chunk_range_not_split);
	tcase_add_test(tc, test_1000_each_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_jump, 0, ARRAY_SIZE(jumps));
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_render_short_buffer, 0, 2);
	tcase_add_test(tc, test_render_comment_quoting);
	suite_add_tcase(s, tc);

	tc = tcase_create("equal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_equal_plans);
	tcase_add_loop_test(tc, test_equal_field_changes, 0, 2 * FIELD_CHANGES);
	tcase_add_test(tc, test_equal_syn);
	tcase_add_test(tc, test_equal_addresses);
	tcase_add_test(tc, test_equal_foreign);
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
