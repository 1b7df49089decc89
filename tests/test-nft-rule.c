// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One nf_tables rule judged against a class of untracked packets
 * (lib/nft/judge.c), with rules built in memory as nft and iptables-nft
 * write them: no kernel, no root.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>

#include "nft/ruleset.h"

static struct nftnl_rule *rule;

static void setup(void)
{
	rule = nftnl_rule_alloc();
	ck_assert_ptr_nonnull(rule);
}

static void teardown(void)
{
	nftnl_rule_free(rule);
	rule = NULL;
}

/* ---- building rules, one expression at a time ------------------------------ */

static struct nftnl_expr *add(const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	ck_assert_ptr_nonnull(e);
	nftnl_rule_add_expr(rule, e);
	return e;
}

static void meta_load(uint32_t key)
{
	struct nftnl_expr *e = add("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}

/* th dport (@offset 2) or th sport (0) */
static void port_load(uint32_t offset)
{
	struct nftnl_expr *e = add("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
}

static void cmp(uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = add("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void l4proto_is(uint8_t proto)
{
	meta_load(NFT_META_L4PROTO);
	cmp(NFT_CMP_EQ, &proto, sizeof(proto));
}

/* tcp dport OP port, as nft writes it */
static void tcp_dport(uint32_t op, uint16_t port)
{
	uint16_t be = htons(port);

	l4proto_is(IPPROTO_TCP);
	port_load(2);
	cmp(op, &be, sizeof(be));
}

/* ct @key & @mask (in the key's byte order), compared with zero by @op */
static void ct_masked(uint32_t key, uint32_t mask, uint32_t op)
{
	struct nftnl_expr *e = add("ct");
	uint32_t zero = 0;

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	e = add("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	cmp(op, &zero, sizeof(zero));
}

/* ct state & @mask, compared with zero by @op */
static void ct_state(uint32_t mask, uint32_t op)
{
	ct_masked(NFT_CT_STATE, mask, op);
}

static void verdict(int code, const char *chain)
{
	struct nftnl_expr *e = add("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void xt_match(const char *name, uint32_t rev, const void *info, size_t len)
{
	struct nftnl_expr *e = add("match");
	void *copy = malloc(len); /* the expression keeps and frees it */

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, info, len);
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, rev);
	nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, copy, (uint32_t)len);
}

/* -m conntrack --ctstate (@flags 0: no --ctstate) */
static void xt_ctstate(uint16_t flags, uint16_t mask, uint16_t inv)
{
	struct xt_conntrack_mtinfo3 info = { 0 };

	info.match_flags = flags;
	info.state_mask = mask;
	info.invert_flags = inv;
	xt_match("conntrack", 3, &info, sizeof(info));
}

/* ---- judging ------------------------------------------------------------------ */

static const struct rt_port_range p8080[] = { { 8080, 8080 } };

/* The rule built so far, for @proto packets to (@dport) or from ports @ports. */
static struct rt_nft_judgment judge_ports(uint8_t proto, const struct rt_port_range *ports,
					  size_t n, bool dport)
{
	struct rt_nft_chain chain = { .family = NFPROTO_INET, .table = "t", .name = "c" };
	struct rt_ports profile = { .n = n, .range = (struct rt_port_range *)ports };
	struct rt_nft_packet pkt = { .proto = proto, .port = ports, .nport = n, .dport = dport,
				     .profile = &profile };
	struct rt_nft_judgment j;
	struct rt_nft_crule cr;

	ck_assert_int_eq(rt_nft_crule_init(&cr, rule), 0);
	rt_nft_rule_judge(&j, NULL, &chain, &cr, &pkt);
	free(cr.x);
	return j;
}

static struct rt_nft_judgment judge(uint8_t proto, uint16_t lo, uint16_t hi)
{
	const struct rt_port_range range = { lo, hi };

	return judge_ports(proto, &range, 1, true);
}

#define assert_judged(j, m, o)                                 \
	do {                                                   \
		struct rt_nft_judgment j_ = (j);               \
		ck_assert_int_eq(j_.match, RT_NFT_##m);        \
		ck_assert_int_eq(j_.outcome, RT_NFT_##o);      \
	} while (0)

START_TEST(test_port_accept)
{
	tcp_dport(NFT_CMP_EQ, 8080);
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, ACCEPT);
	assert_judged(judge(IPPROTO_TCP, 80, 80), NEVER, GO_ON);
	assert_judged(judge(IPPROTO_UDP, 8080, 8080), NEVER, GO_ON);
	assert_judged(judge(IPPROTO_TCP, 8000, 8100), MAYBE, ACCEPT);
	/* replies from port 8080 have some port as destination */
	assert_judged(judge_ports(IPPROTO_TCP, p8080, 1, false), MAYBE, ACCEPT);
}
END_TEST

static const struct {
	uint32_t op;
	uint16_t v, lo, hi;
	enum rt_nft_match m;
} port_cases[] = {
	{ NFT_CMP_NEQ, 8080, 8080, 8080, RT_NFT_NEVER },
	{ NFT_CMP_NEQ, 22, 8080, 8080, RT_NFT_ALWAYS },
	{ NFT_CMP_NEQ, 8080, 8000, 8100, RT_NFT_MAYBE },
	{ NFT_CMP_LT, 1024, 1023, 1023, RT_NFT_ALWAYS },
	{ NFT_CMP_LT, 1024, 1024, 1024, RT_NFT_NEVER },
	{ NFT_CMP_LT, 1, 1, 65535, RT_NFT_NEVER },
	{ NFT_CMP_LT, 0, 1, 65535, RT_NFT_NEVER },
	{ NFT_CMP_LTE, 1024, 1, 1024, RT_NFT_ALWAYS },
	{ NFT_CMP_GT, 65534, 65535, 65535, RT_NFT_ALWAYS },
	{ NFT_CMP_GT, 65535, 1, 65535, RT_NFT_NEVER },
	{ NFT_CMP_GTE, 8080, 8080, 9000, RT_NFT_ALWAYS },
	{ NFT_CMP_GTE, 8080, 80, 8080, RT_NFT_MAYBE },
};

/* Replies from port 8080: the peer's port is none that a rule names, but 8080 */
START_TEST(test_peer_port)
{
	static const struct {
		uint32_t op;
		uint16_t v;
		enum rt_nft_match m;
	} cases[] = {
		{ NFT_CMP_EQ, 25, RT_NFT_NEVER },   { NFT_CMP_NEQ, 25, RT_NFT_ALWAYS },
		{ NFT_CMP_EQ, 8080, RT_NFT_MAYBE }, { NFT_CMP_NEQ, 8080, RT_NFT_MAYBE },
		{ NFT_CMP_GTE, 1024, RT_NFT_MAYBE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		teardown();
		setup();
		tcp_dport(cases[i].op, cases[i].v);
		verdict(NF_DROP, NULL);
		ck_assert_msg(judge_ports(IPPROTO_TCP, p8080, 1, false).match == cases[i].m,
			      "case %zu", i);
	}
}
END_TEST

START_TEST(test_port_compares)
{
	tcp_dport(port_cases[_i].op, port_cases[_i].v);
	verdict(NF_DROP, NULL);
	ck_assert_int_eq(judge(IPPROTO_TCP, port_cases[_i].lo, port_cases[_i].hi).match,
			 port_cases[_i].m);
}
END_TEST

/* tcp dport 1000-2000 drop: two compares */
START_TEST(test_port_range)
{
	uint16_t lo = htons(1000), hi = htons(2000);

	l4proto_is(IPPROTO_TCP);
	port_load(2);
	cmp(NFT_CMP_GTE, &lo, sizeof(lo));
	cmp(NFT_CMP_LTE, &hi, sizeof(hi));
	verdict(NF_DROP, NULL);
	assert_judged(judge(IPPROTO_TCP, 1000, 1000), ALWAYS, DROP);
	assert_judged(judge(IPPROTO_TCP, 2000, 2000), ALWAYS, DROP);
	assert_judged(judge(IPPROTO_TCP, 999, 999), NEVER, GO_ON);
	assert_judged(judge(IPPROTO_TCP, 2001, 2001), NEVER, GO_ON);
	assert_judged(judge(IPPROTO_TCP, 1500, 2500), MAYBE, DROP);
}
END_TEST

/* Several ranges at once: certain only where it is so for each. */
START_TEST(test_port_ranges_together)
{
	static const struct rt_port_range both[] = { { 80, 80 }, { 8080, 8080 } };

	tcp_dport(NFT_CMP_EQ, 8080);
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge_ports(IPPROTO_TCP, both, 2, true), MAYBE, ACCEPT);
	teardown();
	setup();
	tcp_dport(NFT_CMP_NEQ, 22);
	verdict(NF_DROP, NULL);
	assert_judged(judge_ports(IPPROTO_TCP, both, 2, true), ALWAYS, DROP);
}
END_TEST

/*
 * Many ranges against one port compare: the sorted ranges are searched, not
 * walked, and must give what judging each would (between two ranges is none
 * of them; the hull inside the span is all of them).
 */
static const struct rt_port_range spread[] = { { 80, 80 }, { 443, 443 }, { 8000, 8100 },
					       { 9000, 9000 } };

static const struct {
	uint32_t op;
	uint16_t v;
	enum rt_nft_match m;
} spread_cases[] = {
	{ NFT_CMP_EQ, 443, RT_NFT_MAYBE },   { NFT_CMP_EQ, 444, RT_NFT_NEVER },
	{ NFT_CMP_NEQ, 444, RT_NFT_ALWAYS }, { NFT_CMP_EQ, 8050, RT_NFT_MAYBE },
	{ NFT_CMP_EQ, 79, RT_NFT_NEVER },    { NFT_CMP_EQ, 9001, RT_NFT_NEVER },
	{ NFT_CMP_GTE, 80, RT_NFT_ALWAYS },  { NFT_CMP_GT, 9000, RT_NFT_NEVER },
	{ NFT_CMP_LT, 80, RT_NFT_NEVER },    { NFT_CMP_LTE, 9000, RT_NFT_ALWAYS },
	{ NFT_CMP_LT, 9000, RT_NFT_MAYBE },  { NFT_CMP_GT, 8100, RT_NFT_MAYBE },
	{ NFT_CMP_GT, 8101, RT_NFT_MAYBE },  { NFT_CMP_NEQ, 9000, RT_NFT_MAYBE },
};

START_TEST(test_port_spread)
{
	tcp_dport(spread_cases[_i].op, spread_cases[_i].v);
	verdict(NF_DROP, NULL);
	ck_assert_int_eq(judge_ports(IPPROTO_TCP, spread, ARRAY_SIZE(spread), true).match,
			 spread_cases[_i].m);
}
END_TEST

/* tcp dport @lo-@hi as a range expression (nft writes two compares for it) */
static void tcp_dport_range(uint32_t op, uint16_t lo, uint16_t hi)
{
	struct nftnl_expr *e;
	uint16_t be_lo = htons(lo), be_hi = htons(hi);

	l4proto_is(IPPROTO_TCP);
	port_load(2);
	e = add("range");
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &be_lo, sizeof(be_lo));
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &be_hi, sizeof(be_hi));
	verdict(NF_DROP, NULL);
}

START_TEST(test_port_spread_range)
{
	static const struct {
		uint32_t op;
		uint16_t lo, hi;
		enum rt_nft_match m;
	} cases[] = {
		{ NFT_RANGE_EQ, 100, 400, RT_NFT_NEVER },   { NFT_RANGE_NEQ, 100, 400, RT_NFT_ALWAYS },
		{ NFT_RANGE_EQ, 8050, 8060, RT_NFT_MAYBE }, { NFT_RANGE_EQ, 1, 9000, RT_NFT_ALWAYS },
		{ NFT_RANGE_EQ, 8101, 8999, RT_NFT_NEVER }, { NFT_RANGE_EQ, 400, 300, RT_NFT_NEVER },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		teardown();
		setup();
		tcp_dport_range(cases[i].op, cases[i].lo, cases[i].hi);
		ck_assert_msg(judge_ports(IPPROTO_TCP, spread, ARRAY_SIZE(spread), true).match ==
				      cases[i].m,
			      "case %zu", i);
	}
}
END_TEST

static const struct {
	uint32_t mask, op;
	enum rt_nft_match m;
} ct_cases[] = {
	{ 0x02 | 0x04, NFT_CMP_NEQ, RT_NFT_NEVER }, /* established,related */
	{ 0x01, NFT_CMP_NEQ, RT_NFT_NEVER },	    /* invalid */
	{ 0x08, NFT_CMP_NEQ, RT_NFT_NEVER },	    /* new */
	{ 0x40, NFT_CMP_NEQ, RT_NFT_ALWAYS },	    /* untracked */
	{ 0x08 | 0x40, NFT_CMP_NEQ, RT_NFT_ALWAYS }, /* new,untracked */
	{ 0x02, NFT_CMP_EQ, RT_NFT_ALWAYS },	    /* != established */
};

START_TEST(test_ct_state)
{
	ct_state(ct_cases[_i].mask, ct_cases[_i].op);
	verdict(NF_DROP, NULL);
	ck_assert_int_eq(judge(IPPROTO_TCP, 8080, 8080).match, ct_cases[_i].m);
}
END_TEST

/* The same packets tracked, as the verdict rule walks them beside the untracked ones. */
static struct rt_nft_judgment judge_tracked(uint32_t state)
{
	struct rt_nft_chain chain = { .family = NFPROTO_INET, .table = "t", .name = "c" };
	struct rt_ports profile = { .n = 1, .range = (struct rt_port_range *)p8080 };
	struct rt_nft_packet pkt = { .proto = IPPROTO_TCP, .port = p8080, .nport = 1,
				     .dport = true, .profile = &profile, .tracked = state };
	struct rt_nft_judgment j;
	struct rt_nft_crule cr;

	ck_assert_int_eq(rt_nft_crule_init(&cr, rule), 0);
	rt_nft_rule_judge(&j, NULL, &chain, &cr, &pkt);
	free(cr.x);
	return j;
}

/* tcp dport 8080 ct state new accept: the tracked request's accept, never the untracked one's */
START_TEST(test_ct_state_tracked)
{
	tcp_dport(NFT_CMP_EQ, 8080);
	ct_state(0x08, NFT_CMP_NEQ);
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge_tracked(0x08), ALWAYS, ACCEPT);
	assert_judged(judge_tracked(0x02), NEVER, GO_ON);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), NEVER, GO_ON);
}
END_TEST

/*
 * ct status dnat accept, as firewalld writes it: a new flow that no NAT
 * rule takes has no status bit; a reply's status is not known.
 */
START_TEST(test_ct_status_tracked)
{
	ct_masked(NFT_CT_STATUS, htonl(0x20), NFT_CMP_NEQ); /* IPS_DST_NAT */
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge_tracked(0x08), NEVER, GO_ON);
	ck_assert_int_eq(judge_tracked(0x02).match, RT_NFT_MAYBE);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), NEVER, GO_ON);
}
END_TEST

/* -m conntrack --ctstate NEW, as iptables-nft writes it, for the tracked request */
START_TEST(test_xt_conntrack_tracked)
{
	xt_ctstate(XT_CONNTRACK_STATE, XT_CONNTRACK_STATE_BIT(IP_CT_NEW), 0);
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge_tracked(0x08), ALWAYS, ACCEPT);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), NEVER, GO_ON);
}
END_TEST

/* ct mark, ct status, ...: an untracked packet has no entry, the rule ends there */
START_TEST(test_ct_other_keys)
{
	struct nftnl_expr *e = add("ct");
	uint32_t zero = 0;

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	cmp(NFT_CMP_EQ, &zero, sizeof(zero));
	verdict(NF_DROP, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), NEVER, GO_ON);
}
END_TEST

/*
 * tcp dport { ... } accept: the set's keys stand in the ruleset's cache, as
 * rt_nft_set_get() leaves them after reading them once.
 */
static struct rt_nft_judgment judge_lookup(struct rt_nft_key *keys, size_t n, uint32_t flags,
					   uint16_t lo, uint16_t hi)
{
	struct rt_nft_set set = { .family = NFPROTO_INET, .table = "t", .name = "s",
				  .exact = true, .n = n, .key = keys };
	struct rt_nft_ruleset rs = { .nsets = 1, .set = &set };
	struct rt_nft_chain chain = { .family = NFPROTO_INET, .table = "t", .name = "c" };
	const struct rt_port_range range = { lo, hi };
	struct rt_nft_packet pkt = { .proto = IPPROTO_TCP, .port = &range, .nport = 1,
				     .dport = true };
	struct rt_nft_judgment j;
	struct rt_nft_crule cr;
	struct nftnl_expr *e;

	l4proto_is(IPPROTO_TCP);
	port_load(2);
	e = add("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "s");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, flags);
	verdict(NF_ACCEPT, NULL);
	ck_assert_int_eq(rt_nft_crule_init(&cr, rule), 0);
	rt_nft_rule_judge(&j, &rs, &chain, &cr, &pkt);
	free(cr.x);
	/* a new rule for the next call */
	teardown();
	setup();
	return j;
}

static struct rt_nft_key port_key(uint16_t port)
{
	struct rt_nft_key k = { .len = 2 };
	uint16_t be = htons(port);

	memcpy(k.data, &be, sizeof(be));
	return k;
}

START_TEST(test_set_lookup)
{
	struct rt_nft_key ports[] = { port_key(80), port_key(8080), port_key(8081) };
	struct rt_nft_key concat[] = { { .len = 8 } };

	ck_assert_int_eq(judge_lookup(ports, 3, 0, 8080, 8080).match, RT_NFT_ALWAYS);
	ck_assert_int_eq(judge_lookup(ports, 3, 0, 8080, 8081).match, RT_NFT_ALWAYS);
	ck_assert_int_eq(judge_lookup(ports, 3, 0, 8080, 8082).match, RT_NFT_MAYBE);
	ck_assert_int_eq(judge_lookup(ports, 3, 0, 22, 22).match, RT_NFT_NEVER);
	ck_assert_int_eq(judge_lookup(ports, 3, NFT_LOOKUP_F_INV, 22, 22).match, RT_NFT_ALWAYS);
	ck_assert_int_eq(judge_lookup(ports, 0, 0, 8080, 8080).match, RT_NFT_NEVER);
	ck_assert_int_eq(judge_lookup(concat, 1, 0, 8080, 8080).match, RT_NFT_MAYBE);
}
END_TEST

/* meta nfproto in an inet table: known where the class has one family */
START_TEST(test_nfproto)
{
	const struct rt_port_range range = { 8080, 8080 };
	struct rt_nft_chain chain = { .family = NFPROTO_INET, .table = "t", .name = "c" };
	struct rt_nft_packet pkt = { .proto = IPPROTO_TCP, .port = &range, .nport = 1 };
	uint8_t ipv6 = NFPROTO_IPV6;
	struct rt_nft_judgment j;
	struct rt_nft_crule cr;

	meta_load(NFT_META_NFPROTO);
	cmp(NFT_CMP_EQ, &ipv6, sizeof(ipv6));
	verdict(NF_DROP, NULL);
	ck_assert_int_eq(rt_nft_crule_init(&cr, rule), 0);
	pkt.nfproto = NFPROTO_IPV4;
	rt_nft_rule_judge(&j, NULL, &chain, &cr, &pkt);
	ck_assert_int_eq(j.match, RT_NFT_NEVER);
	pkt.nfproto = NFPROTO_IPV6;
	rt_nft_rule_judge(&j, NULL, &chain, &cr, &pkt);
	ck_assert_int_eq(j.match, RT_NFT_ALWAYS);
	pkt.nfproto = 0;
	rt_nft_rule_judge(&j, NULL, &chain, &cr, &pkt);
	ck_assert_int_eq(j.match, RT_NFT_MAYBE);
	free(cr.x);
}
END_TEST

START_TEST(test_unknown_may_match)
{
	static const char lo[16] = "lo";

	meta_load(NFT_META_IIFNAME);
	cmp(NFT_CMP_EQ, lo, sizeof(lo));
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), MAYBE, ACCEPT);
	teardown();
	setup();
	add("fib");
	verdict(NF_DROP, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), MAYBE, DROP);
	teardown();
	setup();
	add("synproxy"); /* decides the packet's fate itself */
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, DROP);
}
END_TEST

START_TEST(test_verdicts)
{
	add("counter");
	add("reject");
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, DROP);
	teardown();
	setup();
	verdict(NFT_JUMP, "sub");
	ck_assert_str_eq(judge(IPPROTO_TCP, 8080, 8080).target, "sub");
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, JUMP);
	teardown();
	setup();
	tcp_dport(NFT_CMP_EQ, 8080);
	add("redir");
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, NATS);
}
END_TEST

/* iptables-nft: -m conntrack --ctstate as an xtables match */
START_TEST(test_xt_conntrack)
{
	xt_ctstate(XT_CONNTRACK_STATE, XT_CONNTRACK_STATE_INVALID, 0);
	verdict(NF_DROP, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), NEVER, GO_ON);
	teardown();
	setup();
	xt_ctstate(XT_CONNTRACK_STATE, XT_CONNTRACK_STATE_UNTRACKED, 0);
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, ACCEPT);
	teardown();
	setup();
	xt_ctstate(XT_CONNTRACK_STATE, XT_CONNTRACK_STATE_INVALID, XT_CONNTRACK_STATE);
	verdict(NF_DROP, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, DROP);
	teardown();
	setup();
	xt_ctstate(XT_CONNTRACK_ORIGSRC, 0, 0); /* no --ctstate: false without an entry */
	verdict(NF_DROP, NULL);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), NEVER, GO_ON);
}
END_TEST

/* iptables-nft: -m multiport --dports 80,443,8000:8100 */
START_TEST(test_xt_multiport)
{
	struct xt_multiport_v1 mp = { .flags = XT_MULTIPORT_DESTINATION, .count = 4 };

	mp.ports[0] = 80;
	mp.ports[1] = 443;
	mp.ports[2] = 8000;
	mp.ports[3] = 8100;
	mp.pflags[2] = 1;
	l4proto_is(IPPROTO_TCP);
	xt_match("multiport", 1, &mp, sizeof(mp));
	verdict(NF_ACCEPT, NULL);
	assert_judged(judge(IPPROTO_TCP, 443, 443), ALWAYS, ACCEPT);
	assert_judged(judge(IPPROTO_TCP, 8080, 8080), ALWAYS, ACCEPT);
	assert_judged(judge(IPPROTO_TCP, 22, 22), NEVER, GO_ON);
	assert_judged(judge(IPPROTO_TCP, 8050, 8200), MAYBE, ACCEPT);
	/* replies from 8080: --dports names the peer's port, and 8000:8100 is a range */
	assert_judged(judge_ports(IPPROTO_TCP, p8080, 1, false), MAYBE, ACCEPT);
	teardown();
	setup();
	mp.count = 2; /* 80,443: neither the profile's port nor a range */
	l4proto_is(IPPROTO_TCP);
	xt_match("multiport", 1, &mp, sizeof(mp));
	verdict(NF_DROP, NULL);
	assert_judged(judge_ports(IPPROTO_TCP, p8080, 1, false), NEVER, GO_ON);
}
END_TEST

static Suite *nft_rule_suite(void)
{
	Suite *s = suite_create("nft-rule");
	TCase *tc = tcase_create("judge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_port_accept);
	tcase_add_test(tc, test_peer_port);
	tcase_add_loop_test(tc, test_port_compares, 0, ARRAY_SIZE(port_cases));
	tcase_add_test(tc, test_port_range);
	tcase_add_test(tc, test_port_ranges_together);
	tcase_add_loop_test(tc, test_port_spread, 0, ARRAY_SIZE(spread_cases));
	tcase_add_test(tc, test_port_spread_range);
	tcase_add_loop_test(tc, test_ct_state, 0, ARRAY_SIZE(ct_cases));
	tcase_add_test(tc, test_ct_other_keys);
	tcase_add_test(tc, test_ct_state_tracked);
	tcase_add_test(tc, test_ct_status_tracked);
	tcase_add_test(tc, test_xt_conntrack_tracked);
	tcase_add_test(tc, test_set_lookup);
	tcase_add_test(tc, test_nfproto);
	tcase_add_test(tc, test_unknown_may_match);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_xt_conntrack);
	tcase_add_test(tc, test_xt_multiport);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(nft_rule_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
