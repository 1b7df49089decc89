// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One nf_tables rule judged against a class of the packets a profile
 * untracks (a protocol, the profile's ports on one side): never, maybe or
 * always matching, and what it then does. The expressions are followed as
 * the kernel runs them, registers included, as far as the packet class
 * tells their values: the layer 4 protocol, the ports, and the conntrack
 * state, "untracked" (or "new" for the same packets tracked, which finds
 * the firewall's own accept). Anything else may match.
 */
#include <arpa/inet.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>	/* libnftnl's headers need FILE */
#include <string.h>

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>

#include "nft/ruleset.h"

/* 32-bit registers: NFT_REG32_00 .. NFT_REG32_15 */
#define RT_NFT_REGS 16
/* ct state of an untracked packet: NF_CT_STATE_UNTRACKED_BIT */
#define RT_NFT_CT_UNTRACKED 0x40u
/* and of a tracked flow's first packet: NF_CT_STATE_BIT(IP_CT_NEW) */
#define RT_NFT_CT_NEW 0x08u

struct rt_nft_reg {
	enum {
		RT_NFT_UNKNOWN,
		RT_NFT_KNOWN,
		RT_NFT_PORT, /* the profile's ports */
		RT_NFT_PEER, /* the port at the other end */
		RT_NFT_NOT_LO, /* the input interface of a packet from another host */
	} kind;
	uint8_t val[4];
};

/* A rule being judged: the registers as far as they are known. */
struct rt_nft_rule {
	const struct rt_nft_packet *pkt;
	struct rt_nft_ruleset *rs;
	const struct rt_nft_chain *chain;
	struct rt_nft_reg reg[RT_NFT_REGS];
	enum rt_nft_match match;
	enum rt_nft_outcome outcome;
	const char *target; /* jump and goto */
	const char *what;   /* the expression behind RT_NFT_DROP or RT_NFT_NATS */
	enum rt_nft_nat nat;
	int nat_af;
	struct rt_nat_to to;
};

/* lo: the same index and name in every network namespace */
static const uint32_t lo_index = 1;
static const char lo_name[16] = "lo";

/* iif lo, iifname "lo": a compare's data that names lo */
static bool is_lo(const void *data, uint32_t len)
{
	if (len == sizeof(lo_index))
		return memcmp(data, &lo_index, len) == 0;
	return len > 2 && len <= sizeof(lo_name) && memcmp(data, lo_name, len) == 0;
}

/* NFT_REG_1..4 are 16 bytes wide, each four of the 32-bit registers. */
static int reg_index(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + RT_NFT_REGS)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

static struct rt_nft_reg *reg_get(struct rt_nft_rule *j, const struct nftnl_expr *e,
				  uint16_t attr)
{
	int i = nftnl_expr_is_set(e, attr) ? reg_index(nftnl_expr_get_u32(e, attr)) : -1;

	return i < 0 ? NULL : &j->reg[i];
}

/* A load of @len bytes into @attr's register: what it held, and the next ones, is gone. */
static struct rt_nft_reg *reg_load(struct rt_nft_rule *j, const struct nftnl_expr *e,
				   uint16_t attr, uint32_t len)
{
	int i = nftnl_expr_is_set(e, attr) ? reg_index(nftnl_expr_get_u32(e, attr)) : -1;

	if (i < 0) {
		memset(j->reg, 0, sizeof(j->reg));
		return NULL;
	}
	for (uint32_t k = 0; k < (len + 3) / 4 && i + k < RT_NFT_REGS; k++)
		memset(&j->reg[i + k], 0, sizeof(j->reg[0]));
	return &j->reg[i];
}

/* @len bytes (up to 16: an interface name) into the registers from @r on. */
static void reg_known(struct rt_nft_rule *j, struct rt_nft_reg *r, const void *val, size_t len)
{
	size_t first = r ? (size_t)(r - j->reg) : RT_NFT_REGS;
	uint8_t buf[16] = { 0 };

	memcpy(buf, val, len < sizeof(buf) ? len : sizeof(buf));
	for (size_t k = 0; k < (len + 3) / 4 && k < 4 && first + k < RT_NFT_REGS; k++) {
		j->reg[first + k].kind = RT_NFT_KNOWN;
		memcpy(j->reg[first + k].val, buf + 4 * k, 4);
	}
}

/* The @len bytes from @r on, when every register they span is known. */
static bool reg_bytes(const struct rt_nft_rule *j, const struct rt_nft_reg *r, uint32_t len,
		      uint8_t buf[16])
{
	size_t first = (size_t)(r - j->reg);

	if (len > 16 || first + (len + 3) / 4 > RT_NFT_REGS)
		return false;
	for (uint32_t k = 0; k < (len + 3) / 4; k++) {
		if (j->reg[first + k].kind != RT_NFT_KNOWN)
			return false;
		memcpy(buf + 4 * k, j->reg[first + k].val, 4);
	}
	return true;
}

static enum rt_nft_match invert(enum rt_nft_match m)
{
	return m == RT_NFT_MAYBE ? m : m == RT_NFT_NEVER ? RT_NFT_ALWAYS : RT_NFT_NEVER;
}

static void judge(struct rt_nft_rule *j, enum rt_nft_match m)
{
	if (m < j->match)
		j->match = m;
}

/* Do the packet's values [lo, hi] fall in [cl, ch]? */
static enum rt_nft_match in_range(uint32_t lo, uint32_t hi, uint32_t cl, uint32_t ch, bool inv)
{
	enum rt_nft_match m = RT_NFT_MAYBE;

	if (cl > ch || hi < cl || lo > ch)
		m = RT_NFT_NEVER;
	else if (lo >= cl && hi <= ch)
		m = RT_NFT_ALWAYS;
	return inv ? invert(m) : m;
}

/*
 * One judgment for all the packet's port ranges: certain only where it is
 * the same for each. @one judges one range.
 */
static enum rt_nft_match ports_judge(const struct rt_nft_packet *pkt,
				     enum rt_nft_match (*one)(const struct rt_port_range *p,
							      const void *arg),
				     const void *arg)
{
	enum rt_nft_match m = one(&pkt->port[0], arg);

	for (size_t i = 1; i < pkt->nport && m != RT_NFT_MAYBE; i++)
		if (one(&pkt->port[i], arg) != m)
			m = RT_NFT_MAYBE;
	return m;
}

/* The ports [lo, hi] a rule asks for, or all but those. */
struct rt_nft_span {
	uint32_t lo, hi; /* lo > hi: none */
	bool inv;
};

/* The first of @n sorted, disjoint ranges that ends at @lo or after it; @n if none. */
static size_t first_ending_from(const struct rt_port_range *r, size_t n, uint32_t lo)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (r[mid].hi < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/*
 * What ports_judge() would find range by range, from the packet's ranges
 * being sorted and disjoint: all of them fall in the span when their hull
 * does, none when the one a binary search finds does not. A profile of
 * 1,000 ports against a firewall of 1,000 port rules is a million range
 * tests otherwise, for each packet class.
 */
static enum rt_nft_match span_judge(const struct rt_nft_packet *pkt,
				    const struct rt_nft_span *sp)
{
	const struct rt_port_range *r = pkt->port;
	size_t i = first_ending_from(r, pkt->nport, sp->lo);
	enum rt_nft_match m = RT_NFT_MAYBE;

	if (sp->lo > sp->hi || i == pkt->nport || r[i].lo > sp->hi)
		m = RT_NFT_NEVER;
	else if (r[0].lo >= sp->lo && r[pkt->nport - 1].hi <= sp->hi)
		m = RT_NFT_ALWAYS;
	return sp->inv ? invert(m) : m;
}

/* The condition "port OP v" as a span; false for an operator nft_cmp lacks. */
static bool cmp_span(uint32_t op, uint32_t v, struct rt_nft_span *sp)
{
	*sp = (struct rt_nft_span){ .lo = v, .hi = v, .inv = op == NFT_CMP_NEQ };
	switch (op) {
	case NFT_CMP_EQ:
	case NFT_CMP_NEQ:
		return true;
	case NFT_CMP_LT:
		if (v)
			*sp = (struct rt_nft_span){ .lo = 0, .hi = v - 1 };
		else
			*sp = (struct rt_nft_span){ .lo = 1, .hi = 0 };
		return true;
	case NFT_CMP_LTE:
		sp->lo = 0;
		return true;
	case NFT_CMP_GT:
		sp->lo = v + 1; /* past 65535 for v = 65535: none */
		sp->hi = 0xffff;
		return true;
	case NFT_CMP_GTE:
		sp->hi = 0xffff;
		return true;
	}
	return false;
}

/*
 * The port at the other end is an ephemeral one: taken to be none of the
 * single ports that rules name, unless it is one of the profile's (a peer
 * may use that too). Ranges of it are not judged.
 */
static bool peer_may_be(const struct rt_nft_packet *pkt, uint16_t port)
{
	for (size_t i = 0; pkt->profile && i < pkt->profile->n; i++)
		if (port >= pkt->profile->range[i].lo && port <= pkt->profile->range[i].hi)
			return true;
	return false;
}

static enum rt_nft_match peer_cmp(const struct rt_nft_packet *pkt, uint32_t op, uint16_t port)
{
	enum rt_nft_match m = peer_may_be(pkt, port) ? RT_NFT_MAYBE : RT_NFT_NEVER;

	if (op == NFT_CMP_EQ)
		return m;
	return op == NFT_CMP_NEQ ? invert(m) : RT_NFT_MAYBE;
}

/* nft_cmp compares registers with memcmp, whatever the operator. */
static enum rt_nft_match known_cmp(const uint8_t *val, uint32_t op, const void *data,
				   uint32_t len)
{
	int d = memcmp(val, data, len);

	switch (op) {
	case NFT_CMP_EQ:
		return d == 0 ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	case NFT_CMP_NEQ:
		return d != 0 ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	case NFT_CMP_LT:
		return d < 0 ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	case NFT_CMP_LTE:
		return d <= 0 ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	case NFT_CMP_GT:
		return d > 0 ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	case NFT_CMP_GTE:
		return d >= 0 ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	}
	return RT_NFT_MAYBE;
}

static void expr_cmp(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const struct rt_nft_reg *r = reg_get(j, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const void *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	struct rt_nft_span sp;
	uint8_t known[16];
	uint16_t port;

	if (!r || !data || r->kind == RT_NFT_UNKNOWN) {
		judge(j, RT_NFT_MAYBE);
	} else if (r->kind == RT_NFT_KNOWN && reg_bytes(j, r, len, known)) {
		judge(j, known_cmp(known, op, data, len));
	} else if (r->kind == RT_NFT_PORT && len == sizeof(port)) {
		memcpy(&port, data, sizeof(port));
		judge(j, cmp_span(op, ntohs(port), &sp) ? span_judge(j->pkt, &sp) : RT_NFT_MAYBE);
	} else if (r->kind == RT_NFT_PEER && len == sizeof(port)) {
		memcpy(&port, data, sizeof(port));
		judge(j, peer_cmp(j->pkt, op, ntohs(port)));
	} else if (r->kind == RT_NFT_NOT_LO && (op == NFT_CMP_EQ || op == NFT_CMP_NEQ) &&
		   is_lo(data, len)) {
		judge(j, op == NFT_CMP_EQ ? RT_NFT_NEVER : RT_NFT_ALWAYS);
	} else {
		judge(j, RT_NFT_MAYBE);
	}
}

/* tcp dport 1000-2000 (nft writes two compares), or a range expression */
static void expr_range(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const struct rt_nft_reg *r = reg_get(j, e, NFTNL_EXPR_RANGE_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP), flen = 0, tlen = 0;
	const void *from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &flen);
	const void *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &tlen);
	struct rt_nft_span sp = { .inv = op == NFT_RANGE_NEQ };
	uint16_t lo, hi;

	if (!r || r->kind != RT_NFT_PORT || flen != 2 || tlen != 2) {
		judge(j, RT_NFT_MAYBE);
		return;
	}
	memcpy(&lo, from, 2);
	memcpy(&hi, to, 2);
	sp.lo = ntohs(lo);
	sp.hi = ntohs(hi);
	judge(j, span_judge(j->pkt, &sp));
}

/* The interface of the hook, known for packets on lo: iif on input, oif on output. */
static bool lo_is(const struct rt_nft_packet *pkt, uint32_t hook)
{
	return pkt->on_lo && pkt->hook == hook;
}

static void expr_meta(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const struct rt_nft_packet *pkt = j->pkt;
	struct rt_nft_reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return; /* meta ... set: a statement */
	r = reg_load(j, e, NFTNL_EXPR_META_DREG, 16);
	switch (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)) {
	case NFT_META_L4PROTO:
		reg_known(j, r, &pkt->proto, 1);
		break;
	case NFT_META_NFPROTO: /* inet tables: meta nfproto ipv4 */
		if (pkt->nfproto)
			reg_known(j, r, &pkt->nfproto, 1);
		break;
	case NFT_META_IIF:
		if (lo_is(pkt, NF_INET_LOCAL_IN))
			reg_known(j, r, &lo_index, sizeof(lo_index));
		else if (pkt->remote && r)
			r->kind = RT_NFT_NOT_LO;
		break;
	case NFT_META_IIFNAME:
		if (lo_is(pkt, NF_INET_LOCAL_IN))
			reg_known(j, r, lo_name, sizeof(lo_name));
		else if (pkt->remote && r)
			r->kind = RT_NFT_NOT_LO;
		break;
	case NFT_META_OIF:
		if (lo_is(pkt, NF_INET_LOCAL_OUT))
			reg_known(j, r, &lo_index, sizeof(lo_index));
		break;
	case NFT_META_OIFNAME:
		if (lo_is(pkt, NF_INET_LOCAL_OUT))
			reg_known(j, r, lo_name, sizeof(lo_name));
		break;
	}
}

/* Both TCP and UDP carry the source port at 0 and the destination port at 2. */
static void expr_payload(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	uint32_t base, off, len;
	struct rt_nft_reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return; /* payload write: a statement */
	base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	r = reg_load(j, e, NFTNL_EXPR_PAYLOAD_DREG, len);
	if (!r)
		return;
	/* an ICMP packet (path MTU) has no ports there */
	if (j->pkt->nport && base == NFT_PAYLOAD_TRANSPORT_HEADER && len == 2 &&
	    off == (j->pkt->dport ? 2 : 0))
		r->kind = RT_NFT_PORT;
	if (j->pkt->nport && base == NFT_PAYLOAD_TRANSPORT_HEADER && len == 2 &&
	    off == (j->pkt->dport ? 0 : 2))
		r->kind = RT_NFT_PEER;
	/* path MTU's ICMP error: fragmentation needed (3, 4) or packet too big (2, 0) */
	if (!j->pkt->nport && base == NFT_PAYLOAD_TRANSPORT_HEADER && off + len <= 2 &&
	    (j->pkt->proto == IPPROTO_ICMP || j->pkt->proto == IPPROTO_ICMPV6)) {
		const uint8_t icmp[2] = { j->pkt->proto == IPPROTO_ICMP ? 3 : 2,
					  j->pkt->proto == IPPROTO_ICMP ? 4 : 0 };

		reg_known(j, r, icmp + off, len);
	}
	/* ip protocol; IPv6's next header may be an extension header instead */
	if (base == NFT_PAYLOAD_NETWORK_HEADER && len == 1 && off == 9 &&
	    j->pkt->nfproto == NFPROTO_IPV4)
		reg_known(j, r, &j->pkt->proto, 1);
}

static void expr_ct(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const uint32_t state = j->pkt->tracked ? j->pkt->tracked : RT_NFT_CT_UNTRACKED;
	struct rt_nft_reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
		return; /* ct ... set: a statement */
	r = reg_load(j, e, NFTNL_EXPR_CT_DREG, 16);
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATE)
		reg_known(j, r, &state, sizeof(state));
	else if (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATUS &&
		 j->pkt->tracked == RT_NFT_CT_NEW)
		/*
		 * A new flow's status before it is confirmed: no NAT (the NAT
		 * guard saw to that), no reply seen, not assured: ct status
		 * dnat accept, as firewalld writes it, does not take it.
		 */
		reg_known(j, r, &(const uint32_t){ 0 }, sizeof(uint32_t));
	else if (j->pkt->tracked)
		return; /* an entry's mark or status: not known here */
	else
		/* ct mark, ct status, ...: without an entry the kernel ends the rule there */
		judge(j, RT_NFT_NEVER);
}

/* ct state established,related: (state & mask) ^ xor, on a known state */
static void expr_bitwise(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const struct rt_nft_reg *src = reg_get(j, e, NFTNL_EXPR_BITWISE_SREG);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), mlen = 0, xlen = 0;
	const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
	const uint8_t * xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	bool boolean = !nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
		       nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL;
	struct rt_nft_reg in = src ? *src : (struct rt_nft_reg){ 0 }, *dst;
	uint8_t val[4];

	dst = reg_load(j, e, NFTNL_EXPR_BITWISE_DREG, len);
	if (!dst || in.kind != RT_NFT_KNOWN || !boolean || !mask || !xor ||
	    len > sizeof(val) || mlen < len || xlen < len)
		return;
	for (uint32_t i = 0; i < len; i++)
		val[i] = (in.val[i] & mask[i]) ^ xor[i];
	reg_known(j, dst, val, len);
}

static void expr_immediate(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	uint32_t len = 0;

	if (nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT) {
		const void *data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		struct rt_nft_reg *r = reg_load(j, e, NFTNL_EXPR_IMM_DREG, len);

		/* a NAT's address or port, which the NAT guard reads */
		if (data && len <= 16)
			reg_known(j, r, data, len);
		return;
	}
	switch ((int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT)) {
	case NF_ACCEPT:
		j->outcome = RT_NFT_ACCEPT;
		break;
	case NFT_CONTINUE:
		break;
	case NFT_JUMP:
		j->outcome = RT_NFT_JUMP;
		j->target = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		break;
	case NFT_GOTO:
		j->outcome = RT_NFT_GOTO;
		j->target = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		break;
	case NFT_RETURN:
		j->outcome = RT_NFT_RETURN;
		break;
	default: /* drop, queue, stolen */
		j->outcome = RT_NFT_DROP;
		j->what = "drop";
		break;
	}
}

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* iptables-nft's DNAT and REDIRECT: the xtables target's own data */
static void xt_nat_to(struct rt_nft_rule *j, const struct nftnl_expr *e, const char *name)
{
	bool redirect = strcmp(name, "REDIRECT") == 0;
	uint32_t len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);

	if (!redirect && strcmp(name, "DNAT") != 0)
		return;
	j->nat = redirect ? RT_NFT_NAT_REDIRECT : RT_NFT_NAT_DNAT;
	j->nat_af = j->chain->family == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
	if (!info || !rt_nat_to_from_xt(j->nat_af, nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV),
					 info, len, &j->to)) {
		/* a layout not known: it may send anything anywhere */
		j->to = (struct rt_nat_to){ .addrs = true, .ports = true };
	}
}

/* iptables-nft's targets that nft cannot express natively (nft_compat) */
static void expr_target(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	static const char *const nat[] = { "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP" };
	/* targets that return XT_CONTINUE: on to the next expression */
	static const char *const go_on[] = {
		"LOG", "NFLOG", "MARK", "CONNMARK", "CT", "NOTRACK",
		"TRACE", "CLASSIFY", "DSCP", "TCPMSS", "CHECKSUM", "AUDIT",
	};
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

	if (!name) {
		j->outcome = RT_NFT_DROP;
		j->what = "an xtables target";
	} else if (name_in(name, nat, ARRAY_SIZE(nat))) {
		j->outcome = RT_NFT_NATS;
		j->what = name;
		xt_nat_to(j, e, name);
	} else if (!name_in(name, go_on, ARRAY_SIZE(go_on))) {
		j->outcome = RT_NFT_DROP;
		j->what = name;
	}
}

/*
 * -m conntrack on an untracked packet: the kernel's conntrack_mt() answers
 * from the state alone (there is no entry), and false without --ctstate.
 */
static enum rt_nft_match xt_conntrack(const void *info, uint32_t len, uint32_t rev,
				      uint32_t tracked)
{
	struct xt_conntrack_mtinfo2 m2; /* revision 3 begins the same way */
	struct xt_conntrack_mtinfo1 m1;
	uint16_t flags, inv, mask;

	if (rev == 1 && len >= sizeof(m1)) {
		memcpy(&m1, info, sizeof(m1));
		flags = m1.match_flags;
		inv = m1.invert_flags;
		mask = m1.state_mask;
	} else if ((rev == 2 || rev == 3) && len >= sizeof(m2)) {
		memcpy(&m2, info, sizeof(m2));
		flags = m2.match_flags;
		inv = m2.invert_flags;
		mask = m2.state_mask;
	} else {
		return RT_NFT_MAYBE;
	}
	if (tracked && (flags & ~XT_CONNTRACK_STATE))
		return RT_NFT_MAYBE; /* a tracked entry's other fields: not known here */
	if (!(flags & XT_CONNTRACK_STATE))
		return tracked ? RT_NFT_ALWAYS : RT_NFT_NEVER;
	return !!(mask & (tracked ? tracked : XT_CONNTRACK_STATE_UNTRACKED)) !=
			       !!(inv & XT_CONNTRACK_STATE)
		       ? RT_NFT_ALWAYS
		       : RT_NFT_NEVER;
}

static enum rt_nft_match xt_state(const void *info, uint32_t len, uint32_t rev, uint32_t tracked)
{
	struct xt_state_info st;

	if (rev != 0 || len < sizeof(st))
		return RT_NFT_MAYBE;
	memcpy(&st, info, sizeof(st));
	return st.statemask & (tracked ? tracked : XT_STATE_UNTRACKED) ? RT_NFT_ALWAYS
									: RT_NFT_NEVER;
}

/* The ports of -m multiport (host byte order, a range taking two slots) against one range. */
static enum rt_nft_match multiport_one(const struct rt_port_range *p, const void *arg)
{
	const struct xt_multiport_v1 *mp = arg;
	enum rt_nft_match m = RT_NFT_NEVER, one;

	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS && m != RT_NFT_ALWAYS;
	     i++) {
		uint16_t lo = mp->ports[i], hi = lo;

		if (mp->pflags[i] && i + 1 < mp->count)
			hi = mp->ports[++i];
		one = in_range(p->lo, p->hi, lo, hi, false);
		m = one > m ? one : m;
	}
	return mp->invert ? invert(m) : m;
}

/* The ports of -m multiport against the peer's: single ports only. */
static enum rt_nft_match multiport_peer(const struct rt_nft_packet *pkt,
					const struct xt_multiport_v1 *mp)
{
	enum rt_nft_match m = RT_NFT_NEVER;

	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS; i++)
		if (mp->pflags[i] || peer_may_be(pkt, mp->ports[i]))
			m = RT_NFT_MAYBE;
	return mp->invert ? invert(m) : m;
}

static enum rt_nft_match xt_multiport(const struct rt_nft_packet *pkt, const void *info,
				      uint32_t len, uint32_t rev)
{
	struct xt_multiport_v1 mp;
	uint8_t side;

	if (rev != 1 || len < sizeof(mp))
		return RT_NFT_MAYBE;
	memcpy(&mp, info, sizeof(mp));
	side = pkt->dport ? XT_MULTIPORT_DESTINATION : XT_MULTIPORT_SOURCE;
	if (mp.flags == side)
		return ports_judge(pkt, multiport_one, &mp);
	if (mp.flags != (pkt->dport ? XT_MULTIPORT_SOURCE : XT_MULTIPORT_DESTINATION))
		return RT_NFT_MAYBE; /* either side */
	return multiport_peer(pkt, &mp);
}

/* iptables-nft's matches that nft cannot express natively (nft_compat) */
static void expr_xt_match(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	uint32_t rev = nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV), len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

	if (!name || !info)
		judge(j, RT_NFT_MAYBE);
	else if (strcmp(name, "conntrack") == 0)
		judge(j, xt_conntrack(info, len, rev, j->pkt->tracked));
	else if (strcmp(name, "state") == 0)
		judge(j, xt_state(info, len, rev, j->pkt->tracked));
	else if (strcmp(name, "multiport") == 0)
		judge(j, xt_multiport(j->pkt, info, len, rev));
	else
		judge(j, RT_NFT_MAYBE);
}

/*
 * A translation's bounds from its registers, when an immediate loaded
 * them; *@known false otherwise (a map, a hash: anything).
 */
static void nat_span(const struct rt_nft_rule *j, const struct nftnl_expr *e, uint16_t min_attr,
		     uint16_t max_attr, uint32_t len, uint8_t *min, uint8_t *max, bool *known)
{
	const struct rt_nft_reg *lo = reg_get((struct rt_nft_rule *)j, e, min_attr);
	const struct rt_nft_reg *hi = reg_get((struct rt_nft_rule *)j, e, max_attr);
	uint8_t buf[16];

	*known = lo && reg_bytes(j, lo, len, buf);
	if (!*known)
		return;
	memcpy(min, buf, len);
	*known = !hi || reg_bytes(j, hi, len, buf);
	memcpy(max, buf, len);
}

static void nat_ports(const struct rt_nft_rule *j, const struct nftnl_expr *e,
		      uint16_t min_attr, uint16_t max_attr, struct rt_nat_to *to)
{
	uint16_t min = 0, max = 0;

	to->ports = nftnl_expr_is_set(e, min_attr);
	if (!to->ports)
		return;
	nat_span(j, e, min_attr, max_attr, 2, (uint8_t *)&min, (uint8_t *)&max,
		 &to->ports_known);
	to->min_port = ntohs(min);
	to->max_port = ntohs(max);
}

/* Where a dnat or redirect sends the flow: the NAT guard asks whether to the profile */
static void expr_nat(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	j->outcome = RT_NFT_NATS;
	j->what = name;
	if (strcmp(name, "redir") == 0) {
		j->nat = RT_NFT_NAT_REDIRECT;
		j->nat_af = j->pkt->nfproto == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
		nat_ports(j, e, NFTNL_EXPR_REDIR_REG_PROTO_MIN, NFTNL_EXPR_REDIR_REG_PROTO_MAX,
			  &j->to);
		return;
	}
	if (strcmp(name, "nat") != 0 || nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) != NFT_NAT_DNAT)
		return;
	j->nat = RT_NFT_NAT_DNAT;
	j->nat_af = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY) == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
	j->to.addrs = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN);
	if (j->to.addrs)
		nat_span(j, e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFTNL_EXPR_NAT_REG_ADDR_MAX,
			 j->nat_af == AF_INET ? 4 : 16, j->to.min_addr, j->to.max_addr,
			 &j->to.addrs_known);
	nat_ports(j, e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFTNL_EXPR_NAT_REG_PROTO_MAX, &j->to);
}

/* reject; and synproxy, tproxy, dup, ...: they may decide the packet's fate */
static void expr_decides(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	j->outcome = RT_NFT_DROP;
	j->what = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
}

/* counter, log, ...: neither compare nor decide */
static void expr_quiet(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
}

/* fib, limit, set lookups, ...: the rule may or may not match */
static void expr_maybe(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	memset(j->reg, 0, sizeof(j->reg));
	judge(j, RT_NFT_MAYBE);
}

/* Is every port of one range a key of the set, some, or none? */
static enum rt_nft_match set_ports_one(const struct rt_port_range *p, const void *arg)
{
	const struct rt_nft_set *s = arg;
	size_t in = 0;
	uint16_t key;

	for (size_t i = 0; i < s->n; i++) {
		if (s->key[i].len != sizeof(key))
			continue;
		memcpy(&key, s->key[i].data, sizeof(key));
		in += ntohs(key) >= p->lo && ntohs(key) <= p->hi;
	}
	if (in && in == (size_t)(p->hi - p->lo) + 1)
		return RT_NFT_ALWAYS;
	return in ? RT_NFT_MAYBE : RT_NFT_NEVER;
}

/* How much of the range an interval set of ports covers (its ranges are disjoint). */
static enum rt_nft_match set_ranges_one(const struct rt_port_range *p, const void *arg)
{
	const struct rt_ports *ranges = arg;
	uint32_t in = 0;

	for (size_t i = 0; i < ranges->n; i++) {
		uint32_t lo = ranges->range[i].lo > p->lo ? ranges->range[i].lo : p->lo;
		uint32_t hi = ranges->range[i].hi < p->hi ? ranges->range[i].hi : p->hi;

		in += lo <= hi ? hi - lo + 1 : 0;
	}
	if (in == (uint32_t)(p->hi - p->lo) + 1)
		return RT_NFT_ALWAYS;
	return in ? RT_NFT_MAYBE : RT_NFT_NEVER;
}

/* Is the packet's known value, or its ports, a key of @s? */
static enum rt_nft_match set_match(const struct rt_nft_set *s, const struct rt_nft_reg *r,
				   const struct rt_nft_packet *pkt)
{
	bool port = r->kind == RT_NFT_PORT || r->kind == RT_NFT_PEER;
	uint16_t key;

	/* longer keys are concatenations (tcp dport . ip saddr): not judged */
	for (size_t i = 0; i < s->n; i++)
		if (port ? s->key[i].len != 2 : s->key[i].len > sizeof(r->val))
			return RT_NFT_MAYBE;
	if (r->kind == RT_NFT_PORT)
		return ports_judge(pkt, set_ports_one, s);
	for (size_t i = 0; r->kind == RT_NFT_PEER && i < s->n; i++) {
		memcpy(&key, s->key[i].data, sizeof(key));
		if (peer_may_be(pkt, ntohs(key)))
			return RT_NFT_MAYBE;
	}
	if (r->kind == RT_NFT_PEER)
		return RT_NFT_NEVER;
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->key[i].data, r->val, s->key[i].len) == 0)
			return RT_NFT_ALWAYS;
	return RT_NFT_NEVER;
}

/*
 * tcp dport { 80, 443 }, ct state { new, untracked }: judged from the set's
 * keys. A verdict map (vmap) that the packet may hit may hold a drop.
 */
static void expr_lookup(struct rt_nft_rule *j, const struct nftnl_expr *e)
{
	const struct rt_nft_reg *r = reg_get(j, e, NFTNL_EXPR_LOOKUP_SREG);
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	const struct rt_nft_set *s = NULL;
	enum rt_nft_match m = RT_NFT_MAYBE;

	if (r && r->kind != RT_NFT_UNKNOWN && name)
		s = rt_nft_set_get(j->rs, j->chain, name);
	if (s && s->exact)
		m = set_match(s, r, j->pkt);
	else if (s && s->ranges.n && r->kind == RT_NFT_PORT)
		m = ports_judge(j->pkt, set_ranges_one, &s->ranges);
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
	    (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV))
		m = invert(m);
	judge(j, m);
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
		return;
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT) {
		j->outcome = RT_NFT_DROP;
		j->what = "verdict map";
	} else {
		reg_load(j, e, NFTNL_EXPR_LOOKUP_DREG, 16);
	}
}

static const struct {
	const char *name;
	void (*judge)(struct rt_nft_rule *j, const struct nftnl_expr *e);
} exprs[] = {
	{ "cmp", expr_cmp },
	{ "range", expr_range },
	{ "meta", expr_meta },
	{ "payload", expr_payload },
	{ "ct", expr_ct },
	{ "bitwise", expr_bitwise },
	{ "immediate", expr_immediate },
	{ "target", expr_target },
	{ "lookup", expr_lookup },
	{ "nat", expr_nat },
	{ "masq", expr_nat },
	{ "redir", expr_nat },
	{ "reject", expr_decides },
	{ "counter", expr_quiet },
	{ "log", expr_quiet },
	{ "notrack", expr_quiet },
	{ "last", expr_quiet },
	{ "fib", expr_maybe },
	{ "limit", expr_maybe },
	{ "quota", expr_maybe },
	{ "connlimit", expr_maybe },
	{ "dynset", expr_maybe },
	{ "exthdr", expr_maybe },
	{ "socket", expr_maybe },
	{ "osf", expr_maybe },
	{ "rt", expr_maybe },
	{ "hash", expr_maybe },
	{ "numgen", expr_maybe },
	{ "xfrm", expr_maybe },
	{ "tunnel", expr_maybe },
	{ "objref", expr_maybe },
	{ "match", expr_xt_match },
	{ "inner", expr_maybe },
};

rt_nft_judge_fn *rt_nft_judge_of(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(exprs); i++)
		if (strcmp(name, exprs[i].name) == 0)
			return exprs[i].judge;
	return expr_decides;
}

void rt_nft_rule_judge(struct rt_nft_judgment *out, struct rt_nft_ruleset *rs,
		       const struct rt_nft_chain *c, const struct rt_nft_crule *cr,
		       const struct rt_nft_packet *pkt)
{
	struct rt_nft_rule j = { .pkt = pkt, .rs = rs, .chain = c, .match = RT_NFT_ALWAYS };

	/* a compare that never matches ends the rule, as in the kernel */
	for (size_t i = 0; i < cr->n && j.match != RT_NFT_NEVER; i++)
		cr->x[i].judge(&j, cr->x[i].e);
	*out = (struct rt_nft_judgment){ j.match, j.outcome, j.target, j.what,
					 j.nat, j.nat_af, j.to };
}
