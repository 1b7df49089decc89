// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The nf_tables guard. rawtune writes legacy x_tables only, but on most
 * current distributions the host's firewall lives in nf_tables, and every
 * nf_tables base chain gives its own verdict: a legacy UNTRACKED accept does
 * not stop an nft drop. So before apply, read the nf_tables ruleset (one
 * chain dump, one rule dump) and walk the chains the untracked packets
 * cross, as the kernel would:
 *
 * - filter: a chain on input, output (forward) whose policy or rules could
 *   drop them refuses the apply; --force cannot help, the drop stays;
 * - nat: a nat rule that could take their flows refuses it as the legacy
 *   NAT guard does (natguard.c), --force overriding.
 *
 * Each rule is judged against one packet class (protocol, the profile's
 * ports on one side) as never, maybe or always matching. Only what is
 * certain counts in the firewall's favour: a rule the guard does not
 * understand may match, and an accept ends the walk only when it always
 * matches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>

#include "nfnl.h"
#include "nft-guard.h"
#include "rawtune-private.h"

/* jump/goto depth: the kernel allows 16 */
#define NFTG_DEPTH 16
/* 32-bit registers: NFT_REG32_00 .. NFT_REG32_15 */
#define NFTG_REGS 16
/* ct state of an untracked packet: NF_CT_STATE_UNTRACKED_BIT */
#define NFTG_CT_UNTRACKED 0x40u

struct nftg_rule;
typedef void nftg_judge_fn(struct nftg_rule *j, const struct nftnl_expr *e);

/*
 * A rule with the judge of each expression looked up once, at the dump: a
 * rule is judged again for every packet class of the profile.
 */
struct nftg_crule {
	struct nftnl_rule *r;
	size_t n;
	struct nftg_expr {
		nftg_judge_fn *judge;
		const struct nftnl_expr *e;
	} *x;
};

struct nftg_chain {
	uint32_t family;
	char *table, *name, *type; /* type: NULL for a regular chain */
	uint32_t hook, policy;
	size_t n, cap;
	struct nftg_crule *rule;
	/* a chain that many rules jump to is walked once per packet class */
	unsigned int walked; /* the guard's pass that found... */
	int result;          /* ...this enum nftg_walk */
};

/* A set's keys, read when a rule's lookup first needs them. */
struct nftg_set {
	uint32_t family;
	char *table, *name;
	bool exact; /* every key read, and none is a range */
	size_t n;
	struct nftg_key {
		uint32_t len;
		uint8_t data[16];
	} *key;
};

struct nftg_ruleset {
	struct mnl_socket *nl;
	size_t n, cap;
	struct nftg_chain *chain;
	size_t nsets;
	struct nftg_set *set;
	int err;
};

/* A class of packets of the profile, as one chain sees it. */
struct nftg_packet {
	uint8_t proto;
	const struct rt_port_range *port; /* the profile's ports, all or one range... */
	size_t nport;
	bool dport; /* ...as destination ports, else as source ports */
};

/* What a rule can match: ordered so that the weaker of two is the smaller. */
enum nftg_match { NFTG_NEVER, NFTG_MAYBE, NFTG_ALWAYS };

/* What a walk found, ordered from best to worst for the guard. */
enum nftg_walk { NFTG_ACCEPTED, NFTG_FELL_OFF, NFTG_HIT };

enum nftg_mode { NFTG_FILTER, NFTG_NAT };

enum nftg_outcome {
	NFTG_GO_ON, /* no verdict: the next rule */
	NFTG_ACCEPT,
	NFTG_DROP, /* drop, reject, queue, or a verdict the guard does not know */
	NFTG_JUMP,
	NFTG_GOTO,
	NFTG_RETURN,
	NFTG_NATS, /* nat, masquerade, redirect */
};

struct nftg_reg {
	enum { NFTG_UNKNOWN, NFTG_KNOWN, NFTG_PORT } kind;
	uint8_t val[4];
};

/* One rule judged against one packet class. */
struct nftg_rule {
	const struct nftg_packet *pkt;
	struct nftg_ruleset *rs;
	const struct nftg_chain *chain;
	struct nftg_reg reg[NFTG_REGS];
	enum nftg_match match;
	enum nftg_outcome outcome;
	const char *target; /* jump and goto */
	const char *what;   /* the expression behind NFTG_DROP or NFTG_NATS */
};

struct nftg_guard {
	struct rawtune_ctx *ctx;
	const struct rawtune_profile *p;
	struct nftg_ruleset rs;
	enum nftg_mode mode;
	/* the rule that would drop or NAT, and how the walk got there */
	const struct nftg_chain *hit_chain;
	uint64_t hit_handle; /* 0: the base chain's policy */
	const char *hit_what;
	unsigned int pass; /* the packet class being walked: 1, 2, ... */
};

/* ---- reading the ruleset -------------------------------------------------- */

static void ruleset_clear(struct nftg_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct nftg_chain *c = &rs->chain[i];

		for (size_t j = 0; j < c->n; j++) {
			nftnl_rule_free(c->rule[j].r);
			free(c->rule[j].x);
		}
		free(c->rule);
		free(c->table);
		free(c->name);
		free(c->type);
	}
	free(rs->chain);
	for (size_t i = 0; i < rs->nsets; i++) {
		free(rs->set[i].table);
		free(rs->set[i].name);
		free(rs->set[i].key);
	}
	free(rs->set);
	if (rs->nl)
		mnl_socket_close(rs->nl);
}

static struct nftg_chain *chain_find(const struct nftg_ruleset *rs, uint32_t family,
				     const char *table, const char *name)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct nftg_chain *c = &rs->chain[i];

		if (c->family == family && strcmp(c->table, table) == 0 &&
		    strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

static int chain_add(struct nftg_ruleset *rs, const struct nftnl_chain *nc)
{
	struct nftg_chain *c;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;
		void *grown = realloc(rs->chain, cap * sizeof(*rs->chain));

		if (!grown)
			return -ENOMEM;
		rs->chain = grown;
		rs->cap = cap;
	}
	c = &rs->chain[rs->n];
	memset(c, 0, sizeof(*c));
	c->family = nftnl_chain_get_u32(nc, NFTNL_CHAIN_FAMILY);
	c->table = strdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_TABLE));
	c->name = strdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME));
	if (nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM)) {
		c->hook = nftnl_chain_get_u32(nc, NFTNL_CHAIN_HOOKNUM);
		c->policy = nftnl_chain_is_set(nc, NFTNL_CHAIN_POLICY)
				    ? nftnl_chain_get_u32(nc, NFTNL_CHAIN_POLICY)
				    : NF_ACCEPT;
		c->type = strdup(nftnl_chain_is_set(nc, NFTNL_CHAIN_TYPE)
					 ? nftnl_chain_get_str(nc, NFTNL_CHAIN_TYPE)
					 : "filter");
	}
	rs->n++;
	if (!c->table || !c->name || (nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM) && !c->type))
		return -ENOMEM;
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftg_ruleset *rs = data;
	struct nftnl_chain *nc = nftnl_chain_alloc();

	if (!nc || nftnl_chain_nlmsg_parse(nlh, nc) < 0)
		rs->err = -ENOMEM;
	else
		rs->err = chain_add(rs, nc);
	nftnl_chain_free(nc);
	return rs->err < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static nftg_judge_fn *judge_of(const char *name);

static int count_cb(struct nftnl_expr *e, void *data)
{
	(*(size_t *)data)++;
	return 0;
}

static int compile_cb(struct nftnl_expr *e, void *data)
{
	struct nftg_crule *cr = data;

	cr->x[cr->n].judge = judge_of(nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	cr->x[cr->n++].e = e;
	return 0;
}

static int rule_put(struct nftg_chain *c, struct nftnl_rule *r)
{
	struct nftg_crule *cr;
	size_t n = 0;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		void *grown = realloc(c->rule, cap * sizeof(*c->rule));

		if (!grown)
			return -ENOMEM;
		c->rule = grown;
		c->cap = cap;
	}
	nftnl_expr_foreach(r, count_cb, &n);
	cr = &c->rule[c->n];
	*cr = (struct nftg_crule){ .r = r, .x = calloc(n + 1, sizeof(*cr->x)) };
	if (!cr->x)
		return -ENOMEM;
	nftnl_expr_foreach(r, compile_cb, cr);
	c->n++;
	return 0;
}

/* The dump lists each chain's rules in their order. */
static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftg_ruleset *rs = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftg_chain *c;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		rs->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	/* a chain added between the two dumps: not ours to judge yet */
	c = chain_find(rs, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
		       nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
		       nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	rs->err = c ? rule_put(c, r) : 0;
	if (!c || rs->err < 0)
		nftnl_rule_free(r);
	return rs->err < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The socket stays open for the sets that the rules look up. */
static int ruleset_read(struct nftg_ruleset *rs)
{
	int err;

	rs->nl = rt_nfnl_open();
	if (!rs->nl)
		return -errno;
	err = rt_nfnl_request(rs->nl, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETCHAIN, NLM_F_DUMP,
			      chain_cb, rs);
	/* no chain, no rule: one dump is all a host without nf_tables pays */
	if (err == 0 && rs->err == 0 && rs->n)
		err = rt_nfnl_request(rs->nl, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETRULE,
				      NLM_F_DUMP, rule_cb, rs);
	return rs->err < 0 ? rs->err : err;
}

static int set_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	return nftnl_set_elems_nlmsg_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static bool key_put(struct nftg_set *s, size_t *cap, const void *key, uint32_t len)
{
	if (s->n == *cap) {
		size_t grow = *cap ? 2 * *cap : 16;
		void *grown = realloc(s->key, grow * sizeof(*s->key));

		if (!grown)
			return false;
		s->key = grown;
		*cap = grow;
	}
	s->key[s->n].len = len;
	memcpy(s->key[s->n++].data, key, len);
	return true;
}

/* Interval sets hold ranges as pairs of elements: not judged here. */
static bool elem_is_key(struct nftnl_set_elem *e)
{
	return !nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END) &&
	       !(nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
		 (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END));
}

/* Every element's key into @s; false when one is not a plain key. */
static bool set_keys(struct nftg_set *s, const struct nftnl_set *ns)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(ns);
	struct nftnl_set_elem *e;
	bool exact = it != NULL;
	size_t cap = 0;

	while (exact && (e = nftnl_set_elems_iter_next(it))) {
		uint32_t len = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

		exact = key && len <= sizeof(s->key[0].data) && elem_is_key(e) &&
			key_put(s, &cap, key, len);
	}
	if (it)
		nftnl_set_elems_iter_destroy(it);
	return exact;
}

static void set_read(struct nftg_ruleset *rs, struct nftg_set *s)
{
	/* two names of at most 256 bytes; zeroed, so no stack bytes go out as padding */
	char buf[2048] = { 0 };
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!ns)
		return;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, s->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, (uint16_t)s->family, NLM_F_DUMP,
				    (uint32_t)time(NULL));
	nftnl_set_elems_nlmsg_build_payload(nlh, ns);
	if (rt_nfnl_talk(rs->nl, nlh, set_elems_cb, ns) == 0)
		s->exact = set_keys(s, ns);
	nftnl_set_free(ns);
}

/* The set @name of @c's table, read once; NULL without memory. */
static const struct nftg_set *set_get(struct nftg_ruleset *rs, const struct nftg_chain *c,
				      const char *name)
{
	struct nftg_set *s;
	void *grown;

	for (size_t i = 0; i < rs->nsets; i++) {
		s = &rs->set[i];
		if (s->family == c->family && strcmp(s->table, c->table) == 0 &&
		    strcmp(s->name, name) == 0)
			return s;
	}
	grown = realloc(rs->set, (rs->nsets + 1) * sizeof(*rs->set));
	if (!grown)
		return NULL;
	rs->set = grown;
	s = &rs->set[rs->nsets++];
	memset(s, 0, sizeof(*s));
	s->family = c->family;
	s->table = strdup(c->table);
	s->name = strdup(name);
	if (s->table && s->name)
		set_read(rs, s);
	return s;
}

/* ---- judging one rule ------------------------------------------------------- */

/* NFT_REG_1..4 are 16 bytes wide, each four of the 32-bit registers. */
static int reg_index(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + NFTG_REGS)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

static struct nftg_reg *reg_get(struct nftg_rule *j, const struct nftnl_expr *e, uint16_t attr)
{
	int i = nftnl_expr_is_set(e, attr) ? reg_index(nftnl_expr_get_u32(e, attr)) : -1;

	return i < 0 ? NULL : &j->reg[i];
}

/* A load of @len bytes into @attr's register: what it held, and the next ones, is gone. */
static struct nftg_reg *reg_load(struct nftg_rule *j, const struct nftnl_expr *e,
				 uint16_t attr, uint32_t len)
{
	int i = nftnl_expr_is_set(e, attr) ? reg_index(nftnl_expr_get_u32(e, attr)) : -1;

	if (i < 0) {
		memset(j->reg, 0, sizeof(j->reg));
		return NULL;
	}
	for (uint32_t k = 0; k < (len + 3) / 4 && i + k < NFTG_REGS; k++)
		memset(&j->reg[i + k], 0, sizeof(j->reg[0]));
	return &j->reg[i];
}

static void reg_known(struct nftg_reg *r, const void *val, size_t len)
{
	if (!r)
		return;
	r->kind = NFTG_KNOWN;
	memset(r->val, 0, sizeof(r->val));
	memcpy(r->val, val, len);
}

static enum nftg_match invert(enum nftg_match m)
{
	return m == NFTG_MAYBE ? m : m == NFTG_NEVER ? NFTG_ALWAYS : NFTG_NEVER;
}

static void judge(struct nftg_rule *j, enum nftg_match m)
{
	if (m < j->match)
		j->match = m;
}

/* Do the packet's values [lo, hi] fall in [cl, ch]? */
static enum nftg_match in_range(uint32_t lo, uint32_t hi, uint32_t cl, uint32_t ch, bool inv)
{
	enum nftg_match m = NFTG_MAYBE;

	if (cl > ch || hi < cl || lo > ch)
		m = NFTG_NEVER;
	else if (lo >= cl && hi <= ch)
		m = NFTG_ALWAYS;
	return inv ? invert(m) : m;
}

/*
 * One judgment for all the packet's port ranges: certain only where it is
 * the same for each. @one judges one range.
 */
static enum nftg_match ports_judge(const struct nftg_packet *pkt,
				   enum nftg_match (*one)(const struct rt_port_range *p,
							  const void *arg),
				   const void *arg)
{
	enum nftg_match m = one(&pkt->port[0], arg);

	for (size_t i = 1; i < pkt->nport && m != NFTG_MAYBE; i++)
		if (one(&pkt->port[i], arg) != m)
			m = NFTG_MAYBE;
	return m;
}

/* The ports [lo, hi] a rule asks for, or all but those. */
struct nftg_span {
	uint32_t lo, hi; /* lo > hi: none */
	bool inv;
};

static enum nftg_match span_one(const struct rt_port_range *p, const void *arg)
{
	const struct nftg_span *sp = arg;

	return in_range(p->lo, p->hi, sp->lo, sp->hi, sp->inv);
}

/* The condition "port OP v" as a span; false for an operator nft_cmp lacks. */
static bool cmp_span(uint32_t op, uint32_t v, struct nftg_span *sp)
{
	*sp = (struct nftg_span){ .lo = v, .hi = v, .inv = op == NFT_CMP_NEQ };
	switch (op) {
	case NFT_CMP_EQ:
	case NFT_CMP_NEQ:
		return true;
	case NFT_CMP_LT:
		if (v)
			*sp = (struct nftg_span){ .lo = 0, .hi = v - 1 };
		else
			*sp = (struct nftg_span){ .lo = 1, .hi = 0 };
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

/* nft_cmp compares registers with memcmp, whatever the operator. */
static enum nftg_match known_cmp(const uint8_t *val, uint32_t op, const void *data,
				 uint32_t len)
{
	int d = memcmp(val, data, len);

	switch (op) {
	case NFT_CMP_EQ:
		return d == 0 ? NFTG_ALWAYS : NFTG_NEVER;
	case NFT_CMP_NEQ:
		return d != 0 ? NFTG_ALWAYS : NFTG_NEVER;
	case NFT_CMP_LT:
		return d < 0 ? NFTG_ALWAYS : NFTG_NEVER;
	case NFT_CMP_LTE:
		return d <= 0 ? NFTG_ALWAYS : NFTG_NEVER;
	case NFT_CMP_GT:
		return d > 0 ? NFTG_ALWAYS : NFTG_NEVER;
	case NFT_CMP_GTE:
		return d >= 0 ? NFTG_ALWAYS : NFTG_NEVER;
	}
	return NFTG_MAYBE;
}

static void expr_cmp(struct nftg_rule *j, const struct nftnl_expr *e)
{
	const struct nftg_reg *r = reg_get(j, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const void *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	struct nftg_span sp;
	uint16_t port;

	if (!r || !data || r->kind == NFTG_UNKNOWN) {
		judge(j, NFTG_MAYBE);
	} else if (r->kind == NFTG_KNOWN && len <= sizeof(r->val)) {
		judge(j, known_cmp(r->val, op, data, len));
	} else if (r->kind == NFTG_PORT && len == sizeof(port)) {
		memcpy(&port, data, sizeof(port));
		judge(j, cmp_span(op, ntohs(port), &sp) ? ports_judge(j->pkt, span_one, &sp)
							: NFTG_MAYBE);
	} else {
		judge(j, NFTG_MAYBE);
	}
}

/* tcp dport 1000-2000 (nft writes two compares), or a range expression */
static void expr_range(struct nftg_rule *j, const struct nftnl_expr *e)
{
	const struct nftg_reg *r = reg_get(j, e, NFTNL_EXPR_RANGE_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP), flen = 0, tlen = 0;
	const void *from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &flen);
	const void *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &tlen);
	struct nftg_span sp = { .inv = op == NFT_RANGE_NEQ };
	uint16_t lo, hi;

	if (!r || r->kind != NFTG_PORT || flen != 2 || tlen != 2) {
		judge(j, NFTG_MAYBE);
		return;
	}
	memcpy(&lo, from, 2);
	memcpy(&hi, to, 2);
	sp.lo = ntohs(lo);
	sp.hi = ntohs(hi);
	judge(j, ports_judge(j->pkt, span_one, &sp));
}

static void expr_meta(struct nftg_rule *j, const struct nftnl_expr *e)
{
	struct nftg_reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return; /* meta ... set: a statement */
	r = reg_load(j, e, NFTNL_EXPR_META_DREG, 16);
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO)
		reg_known(r, &j->pkt->proto, 1);
}

/* Both TCP and UDP carry the source port at 0 and the destination port at 2. */
static void expr_payload(struct nftg_rule *j, const struct nftnl_expr *e)
{
	uint32_t base, off, len;
	struct nftg_reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return; /* payload write: a statement */
	base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	r = reg_load(j, e, NFTNL_EXPR_PAYLOAD_DREG, len);
	if (!r)
		return;
	if (base == NFT_PAYLOAD_TRANSPORT_HEADER && len == 2 && off == (j->pkt->dport ? 2 : 0))
		r->kind = NFTG_PORT;
	/* ip protocol; IPv6's next header may be an extension header instead */
	if (base == NFT_PAYLOAD_NETWORK_HEADER && len == 1 && off == 9 &&
	    j->chain->family == NFPROTO_IPV4)
		reg_known(r, &j->pkt->proto, 1);
}

static void expr_ct(struct nftg_rule *j, const struct nftnl_expr *e)
{
	const uint32_t untracked = NFTG_CT_UNTRACKED;
	struct nftg_reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
		return; /* ct ... set: a statement */
	r = reg_load(j, e, NFTNL_EXPR_CT_DREG, 16);
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATE)
		reg_known(r, &untracked, sizeof(untracked));
	else
		/* ct mark, ct status, ...: without an entry the kernel ends the rule there */
		judge(j, NFTG_NEVER);
}

/* ct state established,related: (state & mask) ^ xor, on a known state */
static void expr_bitwise(struct nftg_rule *j, const struct nftnl_expr *e)
{
	const struct nftg_reg *src = reg_get(j, e, NFTNL_EXPR_BITWISE_SREG);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), mlen = 0, xlen = 0;
	const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
	const uint8_t *xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	bool boolean = !nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
		       nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL;
	struct nftg_reg in = src ? *src : (struct nftg_reg){ 0 }, *dst;
	uint8_t val[4];

	dst = reg_load(j, e, NFTNL_EXPR_BITWISE_DREG, len);
	if (!dst || in.kind != NFTG_KNOWN || !boolean || !mask || !xor || len > sizeof(val) ||
	    mlen < len || xlen < len)
		return;
	for (uint32_t i = 0; i < len; i++)
		val[i] = (in.val[i] & mask[i]) ^ xor[i];
	reg_known(dst, val, len);
}

static void expr_immediate(struct nftg_rule *j, const struct nftnl_expr *e)
{
	uint32_t len = 0;

	if (nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT) {
		nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		reg_load(j, e, NFTNL_EXPR_IMM_DREG, len);
		return;
	}
	switch ((int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT)) {
	case NF_ACCEPT:
		j->outcome = NFTG_ACCEPT;
		break;
	case NFT_CONTINUE:
		break;
	case NFT_JUMP:
		j->outcome = NFTG_JUMP;
		j->target = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		break;
	case NFT_GOTO:
		j->outcome = NFTG_GOTO;
		j->target = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		break;
	case NFT_RETURN:
		j->outcome = NFTG_RETURN;
		break;
	default: /* drop, queue, stolen */
		j->outcome = NFTG_DROP;
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

/* iptables-nft's targets that nft cannot express natively (nft_compat) */
static void expr_target(struct nftg_rule *j, const struct nftnl_expr *e)
{
	static const char *const nat[] = { "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP" };
	static const char *const go_on[] = { "LOG",  "NFLOG", "MARK",     "CONNMARK", "CT",
					     "NOTRACK", "TRACE", "CLASSIFY", "DSCP",  "TCPMSS",
					     "CHECKSUM", "AUDIT" };
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

	if (!name) {
		j->outcome = NFTG_DROP;
		j->what = "an xtables target";
	} else if (name_in(name, nat, ARRAY_SIZE(nat))) {
		j->outcome = NFTG_NATS;
		j->what = name;
	} else if (!name_in(name, go_on, ARRAY_SIZE(go_on))) {
		j->outcome = NFTG_DROP;
		j->what = name;
	}
}

/*
 * -m conntrack on an untracked packet: the kernel's conntrack_mt() answers
 * from the state alone (there is no entry), and false without --ctstate.
 */
static enum nftg_match xt_conntrack(const void *info, uint32_t len, uint32_t rev)
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
		return NFTG_MAYBE;
	}
	if (!(flags & XT_CONNTRACK_STATE))
		return NFTG_NEVER;
	return !!(mask & XT_CONNTRACK_STATE_UNTRACKED) != !!(inv & XT_CONNTRACK_STATE)
		       ? NFTG_ALWAYS
		       : NFTG_NEVER;
}

static enum nftg_match xt_state(const void *info, uint32_t len, uint32_t rev)
{
	struct xt_state_info st;

	if (rev != 0 || len < sizeof(st))
		return NFTG_MAYBE;
	memcpy(&st, info, sizeof(st));
	return st.statemask & XT_STATE_UNTRACKED ? NFTG_ALWAYS : NFTG_NEVER;
}

/* The ports of -m multiport (host byte order, a range taking two slots) against one range. */
static enum nftg_match multiport_one(const struct rt_port_range *p, const void *arg)
{
	const struct xt_multiport_v1 *mp = arg;
	enum nftg_match m = NFTG_NEVER, one;

	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS && m != NFTG_ALWAYS; i++) {
		uint16_t lo = mp->ports[i], hi = lo;

		if (mp->pflags[i] && i + 1 < mp->count)
			hi = mp->ports[++i];
		one = in_range(p->lo, p->hi, lo, hi, false);
		m = one > m ? one : m;
	}
	return mp->invert ? invert(m) : m;
}

static enum nftg_match xt_multiport(const struct nftg_packet *pkt, const void *info,
				    uint32_t len, uint32_t rev)
{
	struct xt_multiport_v1 mp;
	uint8_t side;

	if (rev != 1 || len < sizeof(mp))
		return NFTG_MAYBE;
	memcpy(&mp, info, sizeof(mp));
	side = pkt->dport ? XT_MULTIPORT_DESTINATION : XT_MULTIPORT_SOURCE;
	if (mp.flags != side)
		return NFTG_MAYBE; /* the other side, or either: any port */
	return ports_judge(pkt, multiport_one, &mp);
}

/* iptables-nft's matches that nft cannot express natively (nft_compat) */
static void expr_xt_match(struct nftg_rule *j, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	uint32_t rev = nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV), len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

	if (!name || !info)
		judge(j, NFTG_MAYBE);
	else if (strcmp(name, "conntrack") == 0)
		judge(j, xt_conntrack(info, len, rev));
	else if (strcmp(name, "state") == 0)
		judge(j, xt_state(info, len, rev));
	else if (strcmp(name, "multiport") == 0)
		judge(j, xt_multiport(j->pkt, info, len, rev));
	else
		judge(j, NFTG_MAYBE);
}

static void expr_nat(struct nftg_rule *j, const struct nftnl_expr *e)
{
	j->outcome = NFTG_NATS;
	j->what = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
}

/* reject; and synproxy, tproxy, dup, ...: they may decide the packet's fate */
static void expr_decides(struct nftg_rule *j, const struct nftnl_expr *e)
{
	j->outcome = NFTG_DROP;
	j->what = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
}

/* counter, log, ...: neither compare nor decide */
static void expr_quiet(struct nftg_rule *j, const struct nftnl_expr *e)
{
}

/* fib, limit, set lookups, ...: the rule may or may not match */
static void expr_maybe(struct nftg_rule *j, const struct nftnl_expr *e)
{
	memset(j->reg, 0, sizeof(j->reg));
	judge(j, NFTG_MAYBE);
}

/* Is every port of one range a key of the set, some, or none? */
static enum nftg_match set_ports_one(const struct rt_port_range *p, const void *arg)
{
	const struct nftg_set *s = arg;
	size_t in = 0;
	uint16_t key;

	for (size_t i = 0; i < s->n; i++) {
		if (s->key[i].len != sizeof(key))
			continue;
		memcpy(&key, s->key[i].data, sizeof(key));
		in += ntohs(key) >= p->lo && ntohs(key) <= p->hi;
	}
	if (in && in == (size_t)(p->hi - p->lo) + 1)
		return NFTG_ALWAYS;
	return in ? NFTG_MAYBE : NFTG_NEVER;
}

/* Is the packet's known value, or its ports, a key of @s? */
static enum nftg_match set_match(const struct nftg_set *s, const struct nftg_reg *r,
				 const struct nftg_packet *pkt)
{
	if (r->kind == NFTG_PORT)
		return ports_judge(pkt, set_ports_one, s);
	for (size_t i = 0; i < s->n; i++)
		if (s->key[i].len <= sizeof(r->val) &&
		    memcmp(s->key[i].data, r->val, s->key[i].len) == 0)
			return NFTG_ALWAYS;
	return NFTG_NEVER;
}

/*
 * tcp dport { 80, 443 }, ct state { new, untracked }: judged from the set's
 * keys. A verdict map (vmap) that the packet may hit may hold a drop.
 */
static void expr_lookup(struct nftg_rule *j, const struct nftnl_expr *e)
{
	const struct nftg_reg *r = reg_get(j, e, NFTNL_EXPR_LOOKUP_SREG);
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	const struct nftg_set *s = NULL;
	enum nftg_match m = NFTG_MAYBE;

	if (r && r->kind != NFTG_UNKNOWN && name)
		s = set_get(j->rs, j->chain, name);
	if (s && s->exact)
		m = set_match(s, r, j->pkt);
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
	    (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV))
		m = invert(m);
	judge(j, m);
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
		return;
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT) {
		j->outcome = NFTG_DROP;
		j->what = "verdict map";
	} else {
		reg_load(j, e, NFTNL_EXPR_LOOKUP_DREG, 16);
	}
}

static const struct {
	const char *name;
	void (*judge)(struct nftg_rule *j, const struct nftnl_expr *e);
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

static nftg_judge_fn *judge_of(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(exprs); i++)
		if (strcmp(name, exprs[i].name) == 0)
			return exprs[i].judge;
	return expr_decides;
}

static void rule_judge(struct nftg_rule *j, struct nftg_ruleset *rs,
		       const struct nftg_chain *c, const struct nftg_crule *cr,
		       const struct nftg_packet *pkt)
{
	memset(j, 0, sizeof(*j));
	j->pkt = pkt;
	j->rs = rs;
	j->chain = c;
	j->match = NFTG_ALWAYS;
	/* a compare that never matches ends the rule, as in the kernel */
	for (size_t i = 0; i < cr->n && j->match != NFTG_NEVER; i++)
		cr->x[i].judge(j, cr->x[i].e);
}

/* ---- walking the chains ------------------------------------------------------ */

static enum nftg_walk worse(enum nftg_walk a, enum nftg_walk b)
{
	return a > b ? a : b;
}

static enum nftg_walk walk(struct nftg_guard *g, struct nftg_chain *c,
			   const struct nftg_packet *pkt, int depth);

static bool is_hit(const struct nftg_guard *g, enum nftg_outcome o)
{
	return o == (g->mode == NFTG_NAT ? NFTG_NATS : NFTG_DROP);
}

/*
 * Where a rule leads: HIT, ACCEPTED, or FELL_OFF for "on with the rule
 * after it" (jump) or "back to the caller" (return, goto).
 */
static enum nftg_walk rule_leads(struct nftg_guard *g, const struct nftg_chain *c,
				 const struct nftg_rule *j, struct nftnl_rule *r, int depth)
{
	struct nftg_chain *to;

	if (is_hit(g, j->outcome)) {
		g->hit_chain = c;
		g->hit_handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		g->hit_what = j->what;
		return NFTG_HIT;
	}
	if (j->outcome != NFTG_JUMP && j->outcome != NFTG_GOTO)
		return j->outcome == NFTG_RETURN ? NFTG_FELL_OFF : NFTG_ACCEPTED;
	to = j->target ? chain_find(&g->rs, c->family, c->table, j->target) : NULL;
	if (!to || depth + 1 >= NFTG_DEPTH)
		return NFTG_FELL_OFF; /* gone since the dump, or deeper than the kernel allows */
	return walk(g, to, j->pkt, depth + 1);
}

static enum nftg_walk walk_rules(struct nftg_guard *g, const struct nftg_chain *c,
				 const struct nftg_packet *pkt, int depth)
{
	enum nftg_walk worst = NFTG_ACCEPTED, to;
	struct nftg_rule j;

	for (size_t i = 0; i < c->n; i++) {
		rule_judge(&j, &g->rs, c, &c->rule[i], pkt);
		if (j.match == NFTG_NEVER || j.outcome == NFTG_GO_ON)
			continue;
		/* a drop in the other mode: the packet's walk may end there, unharmed */
		if (j.outcome == NFTG_DROP || j.outcome == NFTG_NATS) {
			if (!is_hit(g, j.outcome) && j.match == NFTG_ALWAYS)
				return worst;
			if (!is_hit(g, j.outcome))
				continue;
		}
		to = rule_leads(g, c, &j, c->rule[i].r, depth);
		if (to == NFTG_HIT)
			return NFTG_HIT;
		/* from a jump, the packet that comes back goes on here */
		if (j.outcome == NFTG_JUMP && to == NFTG_FELL_OFF)
			continue;
		if (j.match == NFTG_ALWAYS)
			return worse(worst, to);
		/* maybe matched: both ways are open */
		worst = worse(worst, to);
	}
	return worse(worst, NFTG_FELL_OFF);
}

/* A chain's answer depends only on the packet class: found once per class. */
static enum nftg_walk walk(struct nftg_guard *g, struct nftg_chain *c,
			   const struct nftg_packet *pkt, int depth)
{
	if (c->walked != g->pass) {
		c->result = walk_rules(g, c, pkt, depth);
		c->walked = g->pass;
	}
	return c->result;
}

/* ---- the profile's packets --------------------------------------------------- */

static bool family_covered(const struct rawtune_profile *p, uint32_t family)
{
	if (family == NFPROTO_INET)
		return true;
	if (family == NFPROTO_IPV4)
		return p->families & RAWTUNE_FAMILY_IPV4;
	if (family == NFPROTO_IPV6)
		return p->families & RAWTUNE_FAMILY_IPV6;
	return false; /* arp, bridge, netdev: not the packets rawtune untracks */
}

/* The profile's ports as the packets on a hook carry them. */
enum nftg_side {
	NFTG_DPORT = 1 << 0,
	NFTG_SPORT = 1 << 1,
};

/*
 * Inbound packets carry the port as destination on a server, outbound ones
 * as source; a client swaps them.
 */
static unsigned int filter_sides(const struct rawtune_profile *p, uint32_t hook)
{
	bool server = p->direction != RAWTUNE_DIRECTION_CLIENT;

	switch (hook) {
	case NF_INET_LOCAL_IN:
		return server ? NFTG_DPORT : NFTG_SPORT;
	case NF_INET_LOCAL_OUT:
		return server ? NFTG_SPORT : NFTG_DPORT;
	case NF_INET_FORWARD:
		return p->forward ? NFTG_DPORT | NFTG_SPORT : 0;
	}
	return 0;
}

/* The first packet of a flow, which NAT decides on, carries the port as destination. */
static unsigned int nat_sides(const struct rawtune_profile *p, uint32_t hook)
{
	bool server = p->direction != RAWTUNE_DIRECTION_CLIENT;

	switch (hook) {
	case NF_INET_PRE_ROUTING:
		return server || p->forward ? NFTG_DPORT : 0;
	case NF_INET_LOCAL_IN:
		return server ? NFTG_DPORT : 0;
	case NF_INET_LOCAL_OUT: /* a server's clients on this host, or a client */
		return NFTG_DPORT;
	case NF_INET_POST_ROUTING:
		return !server || p->forward ? NFTG_DPORT : 0;
	}
	return 0;
}

static bool chain_checked(const struct nftg_guard *g, const struct nftg_chain *c)
{
	bool nat;

	if (!c->type || !family_covered(g->p, c->family))
		return false;
	nat = strcmp(c->type, "nat") == 0;
	return g->mode == NFTG_NAT ? nat : !nat;
}

/* Could base chain @c drop (or NAT) the packets of @pkt? */
static bool chain_hits(struct nftg_guard *g, struct nftg_chain *c,
		       const struct nftg_packet *pkt)
{
	enum nftg_walk w;

	g->pass++;
	g->hit_chain = c;
	g->hit_handle = 0;
	w = walk(g, c, pkt, 0);
	return w == NFTG_HIT ||
	       (w == NFTG_FELL_OFF && c->policy == NF_DROP && g->mode == NFTG_FILTER);
}

/*
 * All the profile's ports at once first: judged together, a rule is only
 * less certain than for each range, so where that walk finds nothing,
 * neither would one per range; that is the common case and costs one walk.
 * Otherwise one walk per range, which finds the range to name, or nothing.
 */
static bool side_refuses(struct nftg_guard *g, struct nftg_chain *c, struct nftg_packet *pkt)
{
	const struct rt_ports *ports = &g->p->ports;

	pkt->port = ports->range;
	pkt->nport = ports->n;
	if (!chain_hits(g, c, pkt))
		return false;
	for (size_t r = 0; r < ports->n; r++) {
		pkt->port = &ports->range[r];
		pkt->nport = 1;
		if (chain_hits(g, c, pkt))
			return true;
	}
	return false;
}

/* Every protocol of the profile, on @sides; *@pkt the packets refused. */
static bool chain_refuses(struct nftg_guard *g, struct nftg_chain *c, unsigned int sides,
			  struct nftg_packet *pkt)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP }, { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };

	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!(g->p->protocols & protos[i].bit))
			continue;
		pkt->proto = protos[i].proto;
		pkt->dport = true;
		if ((sides & NFTG_DPORT) && side_refuses(g, c, pkt))
			return true;
		pkt->dport = false;
		if ((sides & NFTG_SPORT) && side_refuses(g, c, pkt))
			return true;
	}
	return false;
}

/* ---- saying why ---------------------------------------------------------------- */

static const char *family_name(uint32_t family)
{
	switch (family) {
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_INET:
		return "inet";
	}
	return "?";
}

static const char *hook_name(uint32_t hook)
{
	static const char *const names[] = { "prerouting", "input", "forward", "output",
					     "postrouting" };

	return hook < ARRAY_SIZE(names) ? names[hook] : "?";
}

static void port_text(const struct nftg_packet *pkt, char *buf, size_t len)
{
	const char *proto = pkt->proto == IPPROTO_TCP ? "tcp" : "udp";

	if (pkt->port->lo == pkt->port->hi)
		snprintf(buf, len, "%s %s %u", proto, pkt->dport ? "dport" : "sport", pkt->port->lo);
	else
		snprintf(buf, len, "%s %s %u-%u", proto, pkt->dport ? "dport" : "sport",
			 pkt->port->lo, pkt->port->hi);
}

/* "by its policy drop" or "by rule handle 7 of chain sub (reject)" */
static void hit_text(const struct nftg_guard *g, const struct nftg_chain *base, char *buf,
		     size_t len)
{
	if (!g->hit_handle)
		snprintf(buf, len, "by its policy drop");
	else if (g->hit_chain == base)
		snprintf(buf, len, "by rule handle %llu (%s)", (unsigned long long)g->hit_handle,
			 g->hit_what);
	else
		snprintf(buf, len, "by rule handle %llu of chain %s (%s)",
			 (unsigned long long)g->hit_handle, g->hit_chain->name, g->hit_what);
}

static int refuse_filter(struct nftg_guard *g, const struct nftg_chain *c,
			 const struct nftg_packet *pkt)
{
	char port[64], how[160];

	port_text(pkt, port, sizeof(port));
	hit_text(g, c, how, sizeof(how));
	return rt_fail(g->ctx, -EPERM,
		       "the nf_tables chain %s %s %s (hook %s) may drop the untracked packets "
		       "of %s %s; rawtune writes only legacy iptables rules, which cannot accept "
		       "them there, and --force does not change that: accept them first with "
		       "'nft insert rule %s %s %s %s ct state untracked accept'",
		       family_name(c->family), c->table, c->name, hook_name(c->hook), port, how,
		       family_name(c->family), c->table, c->name, port);
}

static int refuse_nat(struct nftg_guard *g, const struct nftg_chain *c,
		      const struct nftg_packet *pkt)
{
	const struct nftg_chain *at = g->hit_chain;
	char port[64], via[300] = ""; /* nf_tables names: up to 256 bytes */

	port_text(pkt, port, sizeof(port));
	if (at != c)
		snprintf(via, sizeof(via), ", reached from %s", c->name);
	return rt_fail(g->ctx, -EBUSY,
		       "NAT applies to its traffic (%s): rule handle %llu of the nf_tables nat "
		       "chain %s %s %s (%s%s) would no longer apply, because untracked packets "
		       "skip NAT; see 'nft -a list chain %s %s %s', or use --force to apply "
		       "anyway",
		       port, (unsigned long long)g->hit_handle, family_name(at->family),
		       at->table, at->name, g->hit_what, via, family_name(at->family), at->table,
		       at->name);
}

/* ---- the guard ------------------------------------------------------------------ */

static int check_mode(struct nftg_guard *g, enum nftg_mode mode)
{
	struct nftg_packet pkt;

	g->mode = mode;
	for (size_t i = 0; i < g->rs.n; i++) {
		struct nftg_chain *c = &g->rs.chain[i];
		unsigned int sides;

		if (!chain_checked(g, c))
			continue;
		sides = mode == NFTG_NAT ? nat_sides(g->p, c->hook) : filter_sides(g->p, c->hook);
		if (!sides || !chain_refuses(g, c, sides, &pkt))
			continue;
		return mode == NFTG_NAT ? refuse_nat(g, c, &pkt) : refuse_filter(g, c, &pkt);
	}
	return 0;
}

int rt_nft_guard(struct rawtune_ctx *ctx, const struct rawtune_profile *profile)
{
	struct nftg_guard g = { .ctx = ctx, .p = profile };
	int err = ruleset_read(&g.rs);

	if (err < 0) {
		/* no nf_tables here (or no right to read it): nothing it could drop */
		rt_dbg(ctx, "cannot read the nf_tables ruleset: %s", strerror(-err));
		ruleset_clear(&g.rs);
		return 0;
	}
	rt_dbg(ctx, "nf_tables: %zu chains", g.rs.n);
	err = check_mode(&g, NFTG_FILTER);
	if (err == 0 && rt_nat_guard_enabled(ctx))
		err = check_mode(&g, NFTG_NAT);
	ruleset_clear(&g.rs);
	return err;
}
