// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The nf_tables guard. rawtune writes legacy x_tables only, but on most
 * current distributions the host's firewall lives in nf_tables, and every
 * nf_tables base chain gives its own verdict: a legacy UNTRACKED accept does
 * not stop an nft drop. So before apply, read the nf_tables ruleset
 * (ruleset.c) and walk the chains the untracked packets cross, as the
 * kernel would:
 *
 * - filter: a chain on input, output (forward) whose policy or rules could
 *   drop them refuses the apply; --force cannot help, the drop stays;
 * - nat: a nat rule that could take their flows refuses it as the legacy
 *   NAT guard does (xt/natguard.c), --force overriding.
 *
 * Each rule is judged (judge.c) against one packet class (a protocol,
 * the profile's ports on one side) as never, maybe or always matching.
 * Only what is certain counts in the firewall's favour: a rule the guard
 * does not understand may match, and an accept ends the walk only when it
 * always matches.
 */
#include <errno.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/guard.h"
#include "nft/ruleset.h"

/* jump/goto depth: the kernel allows 16 */
#define RT_NFT_DEPTH 16

/*
 * filter: may a chain drop the untracked packets; nat: may NAT take the
 * profile's flows; landing: may NAT send other flows to the profile's port.
 */
enum rt_nft_mode { RT_NFT_FILTER, RT_NFT_NAT, RT_NFT_LANDING };

struct rt_nft_check {
	struct rawtune_ctx *ctx;
	const struct rawtune_profile *p;
	struct rt_nft_ruleset rs;
	enum rt_nft_mode mode;
	/* the rule that would drop or NAT, and how the walk got there */
	const struct rt_nft_chain *hit_chain;
	uint64_t hit_handle; /* 0: the base chain's policy */
	const char *hit_what;
	unsigned int pass; /* the packet class being walked: 1, 2, ... */
	struct rt_host_addrs local; /* read for the landing mode */
	bool any_port;              /* landing: the flows are of any port */
	unsigned int families;      /* the families the plan untracks anything in */
};

/* ---- walking the chains ------------------------------------------------------ */

/* What a walk found, ordered from best to worst for the guard. */
enum rt_nft_walk { RT_NFT_ACCEPTED, RT_NFT_FELL_OFF, RT_NFT_HIT };

static enum rt_nft_walk worse(enum rt_nft_walk a, enum rt_nft_walk b)
{
	return a > b ? a : b;
}

static enum rt_nft_walk walk(struct rt_nft_check *g, struct rt_nft_chain *c,
			     const struct rt_nft_packet *pkt, int depth);

/*
 * A flow of another port lands on the profile's only where NAT gives the
 * port; one that keeps its port was walked as the profile's already.
 */
static bool lands(const struct rt_nft_check *g, const struct rt_nft_judgment *j)
{
	if (j->nat == RT_NFT_NAT_OTHER || (g->any_port && !j->to.ports))
		return false;
	return rt_nat_to_lands(g->p, &g->local, j->nat_af, j->nat == RT_NFT_NAT_REDIRECT, &j->to);
}

static bool is_hit(const struct rt_nft_check *g, const struct rt_nft_judgment *j)
{
	switch (g->mode) {
	case RT_NFT_FILTER:
		return j->outcome == RT_NFT_DROP;
	case RT_NFT_NAT:
		return j->outcome == RT_NFT_NATS;
	case RT_NFT_LANDING:
		return j->outcome == RT_NFT_NATS && lands(g, j);
	}
	return false;
}

/*
 * Where a rule leads: HIT, ACCEPTED, or FELL_OFF for "on with the rule
 * after it" (jump) or "back to the caller" (return, goto).
 */
static enum rt_nft_walk rule_leads(struct rt_nft_check *g, const struct rt_nft_chain *c,
				   const struct rt_nft_judgment *j, struct nftnl_rule *r,
				   const struct rt_nft_packet *pkt, int depth)
{
	struct rt_nft_chain *to;

	if (is_hit(g, j)) {
		g->hit_chain = c;
		g->hit_handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		g->hit_what = j->what;
		return RT_NFT_HIT;
	}
	if (j->outcome != RT_NFT_JUMP && j->outcome != RT_NFT_GOTO)
		return j->outcome == RT_NFT_RETURN ? RT_NFT_FELL_OFF : RT_NFT_ACCEPTED;
	to = j->target ? rt_nft_chain_find(&g->rs, c->family, c->table, j->target) : NULL;
	/* gone since the dump, or deeper than the kernel allows */
	if (!to || depth + 1 >= RT_NFT_DEPTH)
		return RT_NFT_FELL_OFF;
	return walk(g, to, pkt, depth + 1);
}

/* The rules of @c from @from on; walk() and walk_from() start it. */
static enum rt_nft_walk walk_rules(struct rt_nft_check *g, const struct rt_nft_chain *c,
				   size_t from, const struct rt_nft_packet *pkt, int depth)
{
	enum rt_nft_walk worst = RT_NFT_ACCEPTED, to;
	struct rt_nft_judgment j;

	for (size_t i = from; i < c->n; i++) {
		rt_nft_rule_judge(&j, &g->rs, c, &c->rule[i], pkt);
		if (j.match == RT_NFT_NEVER || j.outcome == RT_NFT_GO_ON)
			continue;
		/* a drop in the other mode: the packet's walk may end there, unharmed */
		if (j.outcome == RT_NFT_DROP || j.outcome == RT_NFT_NATS) {
			if (!is_hit(g, &j) && j.match == RT_NFT_ALWAYS)
				return worst;
			if (!is_hit(g, &j))
				continue;
		}
		to = rule_leads(g, c, &j, c->rule[i].r, pkt, depth);
		if (to == RT_NFT_HIT)
			return RT_NFT_HIT;
		/* from a jump, the packet that comes back goes on here */
		if (j.outcome == RT_NFT_JUMP && to == RT_NFT_FELL_OFF)
			continue;
		if (j.match == RT_NFT_ALWAYS)
			return worse(worst, to);
		/* maybe matched: both ways are open */
		worst = worse(worst, to);
	}
	return worse(worst, RT_NFT_FELL_OFF);
}

/* A chain's answer depends only on the packet class: found once per class. */
static enum rt_nft_walk walk(struct rt_nft_check *g, struct rt_nft_chain *c,
			     const struct rt_nft_packet *pkt, int depth)
{
	if (c->walked != g->pass) {
		c->result = walk_rules(g, c, 0, pkt, depth);
		c->walked = g->pass;
	}
	return c->result;
}

/* ---- tracked and untracked side by side (filter) ------------------------------- */

/*
 * A rule's conditions besides the conntrack state, as text: two rules with
 * the same conditions take the same packets, whatever state each asks for.
 * The state's load and the compares on its register are left out, and
 * counters, logs and the verdict; a set is its keys. false for a rule
 * that tells a SYN from later segments (tcp flags), which the packet
 * classes here do not: its twin would leave later segments out.
 */
static bool conditions(struct rt_nft_check *g, const struct rt_nft_chain *c,
		       const struct rt_nft_crule *cr, char *buf, size_t len)
{
	uint32_t ct_reg = UINT32_MAX;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cr->n; i++) {
		const struct nftnl_expr *e = cr->x[i].e;
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		char one[512];
		int n;

		if (strcmp(name, "ct") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG) &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATE) {
			ct_reg = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_DREG);
			continue;
		}
		if ((strcmp(name, "cmp") == 0 &&
		     nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG) == ct_reg) ||
		    (strcmp(name, "bitwise") == 0 &&
		     nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG) == ct_reg) ||
		    (strcmp(name, "lookup") == 0 &&
		     nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG) == ct_reg))
			continue;
		if (strcmp(name, "counter") == 0 || strcmp(name, "log") == 0 ||
		    strcmp(name, "immediate") == 0)
			continue;
		if (strcmp(name, "payload") == 0 &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) == NFT_PAYLOAD_TRANSPORT_HEADER &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) == 13)
			return false;
		/* any other load over the state's register ends its reading */
		ct_reg = UINT32_MAX;
		if (strcmp(name, "lookup") == 0) {
			const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
			const struct rt_nft_set *st = set ? rt_nft_set_get(&g->rs, c, set) : NULL;

			if (!st || (!st->exact && !st->ranges.n))
				return false;
			n = snprintf(one, sizeof(one), "lookup %u:", nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
			for (size_t k = 0; k < st->n && n < (int)sizeof(one) - 40; k++)
				for (uint32_t b = 0; b < st->key[k].len; b++)
					n += snprintf(one + n, sizeof(one) - (size_t)n, "%02x%s",
						      st->key[k].data[b], b + 1 == st->key[k].len ? "," : "");
			for (size_t k = 0; k < st->ranges.n && n < (int)sizeof(one) - 40; k++)
				n += snprintf(one + n, sizeof(one) - (size_t)n, "%u-%u,",
					      st->ranges.range[k].lo, st->ranges.range[k].hi);
			if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS))
				n += snprintf(one + n, sizeof(one) - (size_t)n, " flags %u",
					      nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS));
		} else {
			n = nftnl_expr_snprintf(one, sizeof(one), e, NFTNL_OUTPUT_DEFAULT, 0);
		}
		if (n < 0 || used + (size_t)n + 2 >= len)
			return false;
		used += (size_t)snprintf(buf + used, len - used, "%s;", one);
	}
	return true;
}

#define RT_NFT_TWINS 32

/* The conditions of the rules that accepted untracked packets and not tracked ones. */
struct rt_nft_twins {
	size_t n;
	char cond[RT_NFT_TWINS][1024];
	/* its tracked accept came after it: the two verdicts met again */
	bool met[RT_NFT_TWINS];
	uint64_t handle[RT_NFT_TWINS];
	const struct rt_nft_chain *chain[RT_NFT_TWINS];
};

/* Untracked packets accepted that their tracked twins have not reached yet? */
static bool twins_pending(const struct rt_nft_twins *twins)
{
	for (size_t k = 0; k < twins->n; k++)
		if (!twins->met[k])
			return true;
	return false;
}

/* The first of them, as the rule a refusal names. */
static void twins_name_pending(struct rt_nft_check *g, const struct rt_nft_twins *twins)
{
	for (size_t k = 0; k < twins->n; k++)
		if (!twins->met[k]) {
			g->hit_chain = twins->chain[k];
			g->hit_handle = twins->handle[k];
			return;
		}
}

/* How a side-by-side walk of a chain ended. */
enum rt_nft_lock {
	RT_LOCK_HIT,	   /* the two part, and the untracked packets lose (or win) */
	RT_LOCK_ALIKE,	   /* both ended with the same verdict */
	RT_LOCK_ON,	   /* both go on after the chain (its end, or a return) */
	RT_LOCK_U_ON,	   /* tracked ones accepted: the untracked go on alone */
	RT_LOCK_T_ON,	   /* untracked ones accepted: the tracked go on alone */
};

/*
 * One class walked on alone from rule @from of @c, as the guard walks:
 * RT_NFT_HIT where it may be dropped, ACCEPTED, or FELL_OFF the chain.
 */
static enum rt_nft_walk walk_from(struct rt_nft_check *g, struct rt_nft_chain *c, size_t from,
				  const struct rt_nft_packet *pkt, int depth)
{
	g->pass++; /* a class of its own: the chains' answers for another do not hold */
	return walk_rules(g, c, from, pkt, depth);
}

/*
 * The class @alone going on by itself after rule @i of @c (the other was
 * accepted): dropped anywhere on its way is where the two part.
 */
static enum rt_nft_lock go_on_alone(struct rt_nft_check *g, struct rt_nft_chain *c, size_t i,
				    const struct rt_nft_packet *alone, int depth,
				    enum rt_nft_lock on)
{
	enum rt_nft_walk w = walk_from(g, c, i + 1, alone, depth);

	if (w == RT_NFT_HIT)
		return RT_LOCK_HIT;
	if (w == RT_NFT_ACCEPTED)
		return RT_LOCK_ALIKE;
	/* fell off: the caller's rules, or the base chain's policy */
	if (depth > 0)
		return on;
	return c->policy == NF_DROP ? RT_LOCK_HIT : RT_LOCK_ALIKE;
}

static bool same_judgment(const struct rt_nft_judgment *a, const struct rt_nft_judgment *b)
{
	if (a->match != b->match || a->outcome != b->outcome)
		return false;
	if (a->outcome != RT_NFT_JUMP && a->outcome != RT_NFT_GOTO)
		return true;
	return a->target && b->target && strcmp(a->target, b->target) == 0;
}

/*
 * Walk @c for the untracked packets @u and the same packets tracked @t
 * side by side. A rule that reads neither's state treats both alike,
 * whatever it does. Where they part, the untracked ones must get what the
 * tracked ones get: an accept of tracked packets only is matched by an
 * earlier accept of the untracked ones with the same conditions (its
 * twin), or by a later accept of them; an accept of untracked packets
 * only must not take packets that the tracked walk may still drop.
 */
static enum rt_nft_lock lockstep(struct rt_nft_check *g, struct rt_nft_chain *c,
				 const struct rt_nft_packet *u, const struct rt_nft_packet *t,
				 int depth, struct rt_nft_twins *twins)
{
	struct rt_nft_judgment ju, jt;
	char cond[1024];

	for (size_t i = 0; i < c->n; i++) {
		const struct rt_nft_crule *cr = &c->rule[i];

		rt_nft_rule_judge(&ju, &g->rs, c, cr, u);
		rt_nft_rule_judge(&jt, &g->rs, c, cr, t);
		if (ju.match == RT_NFT_NEVER && jt.match == RT_NFT_NEVER)
			continue;
		if (same_judgment(&ju, &jt)) {
			struct rt_nft_chain *to;
			enum rt_nft_lock w;

			if (ju.outcome == RT_NFT_GO_ON || ju.outcome == RT_NFT_NATS)
				continue;
			if (ju.outcome == RT_NFT_RETURN) {
				if (ju.match == RT_NFT_ALWAYS)
					return RT_LOCK_ON;
				continue;
			}
			/*
			 * A drop (a ban) between a twin and the accept it twins:
			 * the untracked packets it would take were accepted
			 * already, the tracked ones are not.
			 */
			if (ju.outcome == RT_NFT_DROP && twins_pending(twins)) {
				g->hit_chain = c;
				g->hit_handle = nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE);
				g->hit_what = "drops tracked packets that a rule before it accepts "
					      "untracked";
				return RT_LOCK_HIT;
			}
			if (ju.outcome != RT_NFT_JUMP && ju.outcome != RT_NFT_GOTO) {
				/* accepted or dropped alike */
				if (ju.match == RT_NFT_ALWAYS)
					return RT_LOCK_ALIKE;
				continue;
			}
			to = ju.target ? rt_nft_chain_find(&g->rs, c->family, c->table, ju.target)
				       : NULL;
			if (!to || depth + 1 >= RT_NFT_DEPTH)
				continue;
			w = lockstep(g, to, u, t, depth + 1, twins);
			/* goto: what comes back goes to this chain's caller */
			if (ju.outcome == RT_NFT_GOTO && ju.match == RT_NFT_ALWAYS &&
			    (w == RT_LOCK_ON || w == RT_LOCK_U_ON || w == RT_LOCK_T_ON))
				return w;
			if (w == RT_LOCK_U_ON)
				w = go_on_alone(g, c, i, u, depth, w);
			else if (w == RT_LOCK_T_ON)
				w = go_on_alone(g, c, i, t, depth, w);
			if (w == RT_LOCK_HIT || w == RT_LOCK_U_ON || w == RT_LOCK_T_ON)
				return w;
			if (ju.match == RT_NFT_ALWAYS && w == RT_LOCK_ALIKE)
				return w;
			continue;
		}
		g->hit_chain = c;
		g->hit_handle = nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE);
		if (jt.outcome == RT_NFT_ACCEPT && ju.match == RT_NFT_NEVER) {
			bool twinned = false;
			enum rt_nft_lock w;

			if (conditions(g, c, cr, cond, sizeof(cond)))
				for (size_t k = 0; k < twins->n && !twinned; k++)
					if (strcmp(twins->cond[k], cond) == 0)
						twinned = twins->met[k] = true;
			if (twinned) {
				if (jt.match == RT_NFT_ALWAYS)
					return RT_LOCK_ALIKE;
				continue;
			}
			/* no twin before: a later accept of both may still take them */
			w = go_on_alone(g, c, i, u, depth, RT_LOCK_U_ON);
			g->hit_chain = c;
			g->hit_handle = nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE);
			g->hit_what = "accepts them only when tracked";
			if (w != RT_LOCK_ALIKE || jt.match == RT_NFT_ALWAYS)
				return w;
			continue;
		}
		if (ju.outcome == RT_NFT_ACCEPT && jt.match == RT_NFT_NEVER) {
			if (ju.match == RT_NFT_ALWAYS) {
				enum rt_nft_lock w = go_on_alone(g, c, i, t, depth, RT_LOCK_T_ON);

				g->hit_chain = c;
				g->hit_handle = nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE);
				g->hit_what = "accepts them untracked where the tracked ones may "
					      "still be dropped";
				return w;
			}
			if (twins->n == RT_NFT_TWINS ||
			    !conditions(g, c, cr, twins->cond[twins->n], sizeof(twins->cond[0]))) {
				g->hit_what = "accepts some of them untracked only, in a way rawtune "
					      "does not judge";
				return RT_LOCK_HIT;
			}
			twins->handle[twins->n] = nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE);
			twins->chain[twins->n++] = c;
			continue;
		}
		g->hit_what = "reads the conntrack state in a way rawtune does not judge";
		return RT_LOCK_HIT;
	}
	return RT_LOCK_ON;
}

/* ---- the profile's packets --------------------------------------------------- */

/*
 * Only the families the plan untracks anything in are judged: a profile
 * whose peers are all IPv4 leaves IPv6 packets tracked, whatever an ip6
 * chain does with them.
 */
static bool family_covered(const struct rt_nft_check *g, uint32_t family)
{
	if (family == NFPROTO_INET)
		return g->families;
	if (family == NFPROTO_IPV4)
		return g->families & RAWTUNE_FAMILY_IPV4;
	if (family == NFPROTO_IPV6)
		return g->families & RAWTUNE_FAMILY_IPV6;
	return false; /* arp, bridge, netdev: not the packets rawtune untracks */
}

/* The one family of the packets a chain of @family sees, or 0 for both. */
static uint8_t packet_family(const struct rt_nft_check *g, uint32_t family)
{
	if (family == NFPROTO_IPV4 || family == NFPROTO_IPV6)
		return (uint8_t)family;
	if (g->families == RAWTUNE_FAMILY_IPV4)
		return NFPROTO_IPV4;
	if (g->families == RAWTUNE_FAMILY_IPV6)
		return NFPROTO_IPV6;
	return 0;
}

/* The profile's ports as the packets on a hook carry them. */
enum rt_nft_side {
	RT_NFT_DPORT = 1 << 0,
	RT_NFT_SPORT = 1 << 1,
	RT_NFT_LO_DPORT = 1 << 2, /* on lo */
	RT_NFT_LO_SPORT = 1 << 3,
};

/*
 * Inbound packets carry the port as destination on a server, outbound ones
 * as source; a client swaps them. Over lo a server's packets cross both
 * hooks both ways: its local clients' requests leave through output, its
 * replies to them come in through input (only where the plan can untrack
 * a local client's flows: a server without peers).
 */
static unsigned int filter_sides(const struct rawtune_profile *p, uint32_t hook)
{
	bool server = p->direction != RAWTUNE_DIRECTION_CLIENT, lo = rt_plan_local_clients(p);

	switch (hook) {
	case NF_INET_LOCAL_IN:
		if (!server)
			return RT_NFT_SPORT;
		return RT_NFT_DPORT | (lo ? RT_NFT_LO_SPORT : 0);
	case NF_INET_LOCAL_OUT:
		if (!server)
			return RT_NFT_DPORT;
		return RT_NFT_SPORT | (lo ? RT_NFT_LO_DPORT : 0);
	case NF_INET_FORWARD:
		return p->forward ? RT_NFT_DPORT | RT_NFT_SPORT : 0;
	}
	return 0;
}

/* The first packet of a flow, which NAT decides on, carries the port as destination. */
static unsigned int nat_sides(const struct rawtune_profile *p, uint32_t hook)
{
	bool server = p->direction != RAWTUNE_DIRECTION_CLIENT;

	switch (hook) {
	case NF_INET_PRE_ROUTING:
		return server || p->forward ? RT_NFT_DPORT : 0;
	case NF_INET_LOCAL_IN:
		return server ? RT_NFT_DPORT : 0;
	case NF_INET_LOCAL_OUT: /* a server's clients on this host, or a client */
		return RT_NFT_DPORT;
	case NF_INET_POST_ROUTING:
		return !server || p->forward ? RT_NFT_DPORT : 0;
	}
	return 0;
}

/*
 * Where NAT can send other flows to the profile's port: destination NAT
 * of what arrives, and of what this host sends (a server's own clients,
 * or a client).
 */
static unsigned int landing_sides(const struct rawtune_profile *p, uint32_t hook)
{
	bool server = p->direction == RAWTUNE_DIRECTION_SERVER && !p->forward;

	switch (hook) {
	case NF_INET_PRE_ROUTING:
		return server || p->forward ? RT_NFT_DPORT : 0;
	case NF_INET_LOCAL_OUT:
		return p->forward ? 0 : RT_NFT_DPORT;
	}
	return 0;
}

/* The sides of the profile's packets that base chain @c sees in @mode; 0: not walked. */
static unsigned int chain_sides(const struct rt_nft_check *g, const struct rt_nft_chain *c,
				enum rt_nft_mode mode)
{
	bool nat;

	if (!c->type || !family_covered(g, c->family))
		return 0;
	/* rawtune's own table only untracks */
	if (c->family == NFPROTO_INET && strcmp(c->table, "rawtune") == 0)
		return 0;
	nat = strcmp(c->type, "nat") == 0;
	if (mode == RT_NFT_NAT)
		return nat ? nat_sides(g->p, c->hook) : 0;
	if (mode == RT_NFT_LANDING)
		return nat ? landing_sides(g->p, c->hook) : 0;
	return nat ? 0 : filter_sides(g->p, c->hook);
}

/*
 * The base chains that either mode walks: only they and the chains they
 * reach are read (a big chain of a hook the profile's packets never pass
 * costs nothing).
 */
static bool chain_wanted(const struct rt_nft_chain *c, void *arg)
{
	const struct rt_nft_check *g = arg;

	return chain_sides(g, c, RT_NFT_FILTER) ||
	       (rt_nat_guard_enabled(g->ctx) && chain_sides(g, c, RT_NFT_NAT));
}

static const struct rt_nft_crule *tracked_accept(struct rt_nft_check *g,
						  const struct rt_nft_chain *c,
						  const struct rt_nft_packet *pkt, int depth,
						  const struct rt_nft_chain **at, size_t *pos,
						  enum rt_nft_match *how);

/* Could base chain @c drop (or NAT) the packets of @pkt? */
static bool chain_hits(struct rt_nft_check *g, struct rt_nft_chain *c,
		       const struct rt_nft_packet *pkt)
{
	enum rt_nft_walk w;

	g->pass++;
	g->hit_chain = c;
	g->hit_handle = 0;
	if (g->mode == RT_NFT_FILTER) {
		struct rt_nft_twins *twins = calloc(1, sizeof(*twins));
		struct rt_nft_packet t = *pkt;

		if (!twins)
			return true;
		/* NF_CT_STATE_BIT(IP_CT_NEW) for a request, (IP_CT_ESTABLISHED) for a reply */
		t.tracked = pkt->dport ? 0x08u : 0x02u;
		enum rt_nft_lock l = lockstep(g, c, pkt, &t, 0, twins);
		/* both reach a drop policy, some untracked ones accepted on the way: wider */
		bool wider = l == RT_LOCK_ON && c->policy == NF_DROP && twins_pending(twins);

		if (wider) {
			twins_name_pending(g, twins);
			g->hit_what = "accepts them untracked where the tracked ones reach the "
				      "policy drop";
		}
		free(twins);
		if (!wider && l != RT_LOCK_HIT)
			return false;
		/*
		 * Replies over lo to this host's own clients, whose requests this
		 * chain never accepts tracked, do not exist.
		 */
		if (!pkt->dport && pkt->on_lo) {
			struct rt_nft_packet req = *pkt;
			const struct rt_nft_chain *at = NULL;
			enum rt_nft_match how = RT_NFT_NEVER;
			size_t pos = 0;

			req.dport = true;
			req.tracked = 0x08u;
			g->pass++;
			if (!tracked_accept(g, c, &req, 0, &at, &pos, &how) && how == RT_NFT_NEVER &&
			    c->policy == NF_DROP)
				return false;
		}
		return true;
	}
	w = walk(g, c, pkt, 0);
	return w == RT_NFT_HIT ||
	       (w == RT_NFT_FELL_OFF && c->policy == NF_DROP && g->mode == RT_NFT_FILTER);
}

/*
 * All the profile's ports at once first: judged together, a rule is only
 * less certain than for each range, so where that walk finds nothing,
 * neither would one per range; that is the common case and costs one walk.
 * Otherwise one walk per range, which finds the range to name, or nothing.
 */
static bool side_refuses(struct rt_nft_check *g, struct rt_nft_chain *c,
			 struct rt_nft_packet *pkt)
{
	static const struct rt_port_range any = { 1, 65535 };
	const struct rt_ports *ports = &g->p->ports;

	/* landing: the flows of the profile's ports that NAT keeps there, then any other */
	g->any_port = false;
	pkt->port = ports->range;
	pkt->nport = ports->n;
	if (g->mode == RT_NFT_LANDING && !chain_hits(g, c, pkt)) {
		g->any_port = true;
		pkt->port = &any;
		pkt->nport = 1;
		return chain_hits(g, c, pkt);
	}
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
static bool chain_refuses(struct rt_nft_check *g, struct rt_nft_chain *c, unsigned int sides,
			  struct rt_nft_packet *pkt)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP },
		       { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };

	pkt->nfproto = packet_family(g, c->family);
	pkt->hook = c->hook;
	pkt->profile = &g->p->ports;
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!(g->p->protocols & protos[i].bit))
			continue;
		pkt->proto = protos[i].proto;
		for (unsigned int side = RT_NFT_DPORT; side <= RT_NFT_LO_SPORT; side <<= 1) {
			if (!(sides & side))
				continue;
			pkt->dport = side & (RT_NFT_DPORT | RT_NFT_LO_DPORT);
			pkt->on_lo = side & (RT_NFT_LO_DPORT | RT_NFT_LO_SPORT);
			if (side_refuses(g, c, pkt))
				return true;
		}
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

/* "tcp dport 8080", "iif lo tcp sport 8000-8100": words of nft's own syntax */
static void port_text(const struct rt_nft_packet *pkt, char *buf, size_t len)
{
	const char *proto = pkt->proto == IPPROTO_TCP ? "tcp" : "udp";
	const char *lo = "";

	if (pkt->on_lo)
		lo = pkt->hook == NF_INET_LOCAL_IN ? "iif lo " : "oif lo ";
	if (pkt->port->lo == pkt->port->hi)
		snprintf(buf, len, "%s%s %s %u", lo, proto, pkt->dport ? "dport" : "sport",
			 pkt->port->lo);
	else
		snprintf(buf, len, "%s%s %s %u-%u", lo, proto, pkt->dport ? "dport" : "sport",
			 pkt->port->lo, pkt->port->hi);
}

/* ---- the fix to advise ------------------------------------------------------------ */

/*
 * The rule that accepts the same packets when they are tracked (ct state
 * new): the firewall's own accept for the port, which the fix twins. In
 * @c or a chain it jumps to; NULL when the tracked packets are dropped or
 * fall off first (then no fix would be narrow: the port is not open).
 */
static const struct rt_nft_crule *tracked_accept(struct rt_nft_check *g,
						  const struct rt_nft_chain *c,
						  const struct rt_nft_packet *pkt, int depth,
						  const struct rt_nft_chain **at, size_t *pos,
						  enum rt_nft_match *how)
{
	struct rt_nft_judgment j;

	for (size_t i = 0; i < c->n; i++) {
		const struct rt_nft_crule *found;
		struct rt_nft_chain *to;

		rt_nft_rule_judge(&j, &g->rs, c, &c->rule[i], pkt);
		if (j.match == RT_NFT_NEVER || j.outcome == RT_NFT_GO_ON)
			continue;
		/* an accept that may not take them (iif lo accept): on to the one that does */
		if (j.outcome == RT_NFT_ACCEPT && j.match == RT_NFT_MAYBE) {
			if (*how == RT_NFT_NEVER) {
				*at = c;
				*pos = i;
				*how = RT_NFT_MAYBE;
			}
			continue;
		}
		if (j.outcome == RT_NFT_ACCEPT) {
			*at = c;
			*pos = i;
			*how = j.match;
			return &c->rule[i];
		}
		if (j.outcome == RT_NFT_JUMP || j.outcome == RT_NFT_GOTO) {
			to = j.target ? rt_nft_chain_find(&g->rs, c->family, c->table, j.target)
				      : NULL;
			found = to && depth + 1 < RT_NFT_DEPTH
					? tracked_accept(g, to, pkt, depth + 1, at, pos, how)
					: NULL;
			if (found)
				return found;
			if (j.outcome == RT_NFT_JUMP || j.match != RT_NFT_ALWAYS)
				continue;
		}
		if (j.match == RT_NFT_ALWAYS)
			break; /* dropped, or back to the caller */
	}
	/* no certain accept: the first that may, if any, for the admin to judge */
	return depth == 0 && *how == RT_NFT_MAYBE ? &(*at)->rule[*pos] : NULL;
}

/*
 * Does the rule ask no more than the protocol, ports and state? Then its
 * twin for the refused ports is exactly "PROTO dport PORTS ct state
 * untracked accept" at its place. Anything else (an address, an
 * interface, a limit) the twin must copy, which only the admin can write.
 */
static bool only_ports_and_state(const struct rt_nft_crule *cr)
{
	for (size_t i = 0; i < cr->n; i++) {
		const struct nftnl_expr *e = cr->x[i].e;
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (strcmp(name, "meta") == 0) {
			uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);

			if (key != NFT_META_L4PROTO && key != NFT_META_NFPROTO)
				return false;
		} else if (strcmp(name, "payload") == 0) {
			uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);

			if (nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) !=
				    NFT_PAYLOAD_TRANSPORT_HEADER ||
			    (off != 0 && off != 2))
				return false;
		} else if (strcmp(name, "ct") == 0) {
			if (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) != NFT_CT_STATE)
				return false;
		} else if (strcmp(name, "lookup") == 0) {
			if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
				return false;
		} else if (strcmp(name, "match") == 0) {
			/* iptables-nft's -m conntrack --ctstate, -m state */
			const char *mt = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);

			if (!mt || (strcmp(mt, "conntrack") != 0 && strcmp(mt, "state") != 0))
				return false;
		} else if (strcmp(name, "cmp") != 0 && strcmp(name, "range") != 0 &&
			   strcmp(name, "bitwise") != 0 && strcmp(name, "immediate") != 0 &&
			   strcmp(name, "counter") != 0 && strcmp(name, "log") != 0) {
			return false;
		}
	}
	return true;
}

static bool written_by_iptables_nft(const struct rt_nft_chain *c)
{
	return (c->family == NFPROTO_IPV4 || c->family == NFPROTO_IPV6) &&
	       strcmp(c->table, "filter") == 0;
}

/* "8080" or "8000:8100", as iptables writes a port */
static void xt_port(const struct rt_port_range *p, char *buf, size_t len)
{
	if (p->lo == p->hi)
		snprintf(buf, len, "%u", p->lo);
	else
		snprintf(buf, len, "%u:%u", p->lo, p->hi);
}

/* The fix that accepts the untracked packets where the firewall accepts them tracked. */
static void fix_text(struct rt_nft_check *g, const struct rt_nft_chain *c,
		     const struct rt_nft_packet *pkt, const char *port, char *buf, size_t len)
{
	const struct rt_nft_chain *at = NULL;
	struct rt_nft_packet tracked = *pkt;
	const struct rt_nft_crule *cr;
	enum rt_nft_match how = RT_NFT_NEVER;
	const char *proto = pkt->proto == IPPROTO_TCP ? "tcp" : "udp";
	size_t pos = 0;
	char xp[16];

	/* NF_CT_STATE_BIT(IP_CT_NEW) for a request, (IP_CT_ESTABLISHED) for a reply */
	tracked.tracked = pkt->dport ? 0x08u : 0x02u;
	g->pass++;
	cr = tracked_accept(g, c, &tracked, 0, &at, &pos, &how);
	if (strcmp(c->table, "firewalld") == 0) {
		/* firewall-cmd writes a range as 8000-8100 */
		if (pkt->port->lo == pkt->port->hi)
			snprintf(xp, sizeof(xp), "%u", pkt->port->lo);
		else
			snprintf(xp, sizeof(xp), "%u-%u", pkt->port->lo, pkt->port->hi);
		snprintf(buf, len, "open the port in firewalld, which writes plain accepts (1.3 and "
			 "later) that untracked packets pass: 'firewall-cmd --add-port=%s/%s' and "
			 "'firewall-cmd --permanent --add-port=%s/%s'; rawtune never writes into a "
			 "firewall manager's table", xp, proto, xp, proto);
		return;
	}
	if (!cr) {
		snprintf(buf, len, "the firewall does not accept %s when tracked either: there "
			 "is nothing to untrack", port);
		return;
	}
	if (how != RT_NFT_ALWAYS || !only_ports_and_state(cr)) {
		snprintf(buf, len, "rule handle %llu of chain %s accepts them when tracked: add "
			 "a copy of it with 'ct state untracked' for its state match, right before "
			 "it (see 'nft -a list chain %s %s %s'); never a bare accept before the "
			 "drop", (unsigned long long)nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE),
			 at->name, family_name(at->family), at->table, at->name);
		return;
	}
	if (written_by_iptables_nft(at)) {
		xt_port(pkt->port, xp, sizeof(xp));
		snprintf(buf, len, "accept them beside the rule that accepts them tracked: "
			 "'%s -I %s %zu -p %s --%s %s -m conntrack --ctstate UNTRACKED -j ACCEPT'",
			 at->family == NFPROTO_IPV6 ? "ip6tables" : "iptables", at->name, pos + 1,
			 proto, pkt->dport ? "dport" : "sport", xp);
		return;
	}
	snprintf(buf, len, "accept them beside the rule that accepts them tracked with "
		 "'nft insert rule %s %s %s position %llu %s ct state untracked accept'",
		 family_name(at->family), at->table, at->name,
		 (unsigned long long)nftnl_rule_get_u64(cr->r, NFTNL_RULE_HANDLE), port);
}

static int refuse_filter(struct rt_nft_check *g, const struct rt_nft_chain *c,
			 const struct rt_nft_packet *pkt)
{
	char port[64], how[160], fix[640];

	port_text(pkt, port, sizeof(port));
	if (g->hit_chain == c)
		snprintf(how, sizeof(how), "rule handle %llu %s",
			 (unsigned long long)g->hit_handle, g->hit_what);
	else
		snprintf(how, sizeof(how), "rule handle %llu of chain %s %s",
			 (unsigned long long)g->hit_handle, g->hit_chain->name, g->hit_what);
	fix_text(g, c, pkt, port, fix, sizeof(fix));
	return rt_fail(g->ctx, -EPERM,
		       "the nf_tables chain %s %s %s (hook %s) may drop the untracked packets "
		       "of %s: %s; rawtune cannot make another table's drop accept, and "
		       "--force does not change that: %s",
		       family_name(c->family), c->table, c->name, hook_name(c->hook), port, how,
		       fix);
}

static int refuse_nat(struct rt_nft_check *g, const struct rt_nft_chain *c,
		      const struct rt_nft_packet *pkt)
{
	const struct rt_nft_chain *at = g->hit_chain;
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

static int refuse_landing(struct rt_nft_check *g, const struct rt_nft_chain *c)
{
	const struct rt_nft_chain *at = g->hit_chain;
	char via[300] = ""; /* nf_tables names: up to 256 bytes */

	if (at != c)
		snprintf(via, sizeof(via), ", reached from %s", c->name);
	return rt_fail(g->ctx, -EBUSY,
		       "NAT sends other flows to its port: rule handle %llu of the nf_tables nat "
		       "chain %s %s %s (%s%s) translates them to it, and their replies, "
		       "untracked, would skip the reverse translation; see 'nft -a list chain "
		       "%s %s %s', or use --force to apply anyway",
		       (unsigned long long)g->hit_handle, family_name(at->family), at->table,
		       at->name, g->hit_what, via, family_name(at->family), at->table, at->name);
}

/* ---- path MTU -------------------------------------------------------------------- */

/* NF_CT_STATE_INVALID_BIT and NF_CT_STATE_BIT(IP_CT_RELATED) */
#define RT_NFT_CT_INVALID 0x01u
#define RT_NFT_CT_RELATED 0x04u

/* What to add, before the related accept, for one family's path MTU errors. */
static const char *pmtu_rule(uint8_t nfproto)
{
	return nfproto == NFPROTO_IPV4
		       ? "icmp type destination-unreachable icmp code frag-needed ct state invalid "
			 "limit rate 10/second burst 20 packets accept"
		       : "icmpv6 type packet-too-big ct state invalid limit rate 10/second burst 20 "
			 "packets accept";
}

/* How a packet class's walk for an accept ended. */
enum rt_nft_reach { RT_REACH_ACCEPT, RT_REACH_DROPPED, RT_REACH_FELL_OFF };

/*
 * Could any rule on @pkt's way through @c accept it, a rate-limited one
 * too? DROPPED where it certainly meets a drop first.
 */
static enum rt_nft_reach may_accept(struct rt_nft_check *g, const struct rt_nft_chain *c,
				    const struct rt_nft_packet *pkt, int depth)
{
	struct rt_nft_judgment j;

	for (size_t i = 0; i < c->n; i++) {
		struct rt_nft_chain *to;
		enum rt_nft_reach r;

		rt_nft_rule_judge(&j, &g->rs, c, &c->rule[i], pkt);
		if (j.match == RT_NFT_NEVER)
			continue;
		switch (j.outcome) {
		case RT_NFT_ACCEPT:
			return RT_REACH_ACCEPT;
		case RT_NFT_DROP:
		case RT_NFT_RETURN:
			if (j.match == RT_NFT_ALWAYS)
				return j.outcome == RT_NFT_DROP ? RT_REACH_DROPPED
								: RT_REACH_FELL_OFF;
			continue;
		case RT_NFT_JUMP:
		case RT_NFT_GOTO:
			to = j.target ? rt_nft_chain_find(&g->rs, c->family, c->table, j.target)
				      : NULL;
			if (!to || depth + 1 >= RT_NFT_DEPTH)
				continue;
			r = may_accept(g, to, pkt, depth + 1);
			if (r == RT_REACH_ACCEPT ||
			    (j.match == RT_NFT_ALWAYS && (r == RT_REACH_DROPPED || j.outcome == RT_NFT_GOTO)))
				return r;
			continue;
		default:
			continue;
		}
	}
	if (depth == 0)
		return c->policy == NF_DROP ? RT_REACH_DROPPED : RT_REACH_ACCEPT;
	return RT_REACH_FELL_OFF;
}

/*
 * Path MTU discovery: an ICMP error about an untracked flow (fragmentation
 * needed, packet too big) arrives in state invalid, not related. Where a
 * chain on input accepts it related and may drop it invalid, the profile's
 * flows lose their path MTU errors there. rawtune writes nothing into that
 * chain (the legacy backend's twin cannot overrule it), so it says which
 * rule would let them in, rate-limited as the legacy twin is, and where:
 * before the first rule where the two part (the related accept, or an
 * invalid drop ahead of it).
 */
static void pmtu_advise(struct rt_nft_check *g)
{
	static const uint8_t families[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	struct rt_nft_twins *twins = calloc(1, sizeof(*twins));

	if (!twins || g->p->forward) {
		free(twins);
		return;
	}
	g->mode = RT_NFT_FILTER;
	for (size_t i = 0; i < g->rs.n; i++) {
		struct rt_nft_chain *c = &g->rs.chain[i];

		if (c->hook != NF_INET_LOCAL_IN || !chain_sides(g, c, RT_NFT_FILTER))
			continue;
		for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
			uint8_t only = packet_family(g, c->family);
			struct rt_nft_packet u = { .nfproto = families[f], .hook = NF_INET_LOCAL_IN,
						   .dport = true, .remote = true,
						   .tracked = RT_NFT_CT_INVALID };
			struct rt_nft_packet t;
			char cond[1024];

			if ((only && only != families[f]) ||
			    (c->family != NFPROTO_INET && c->family != families[f]))
				continue;
			u.proto = families[f] == NFPROTO_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
			u.profile = &g->p->ports;
			t = u;
			t.tracked = RT_NFT_CT_RELATED;
			/*
			 * Accepted by some rule already (the advised one too), or
			 * dropped when tracked as well: nothing that rawtune changes.
			 */
			if (may_accept(g, c, &u, 0) != RT_REACH_DROPPED ||
			    may_accept(g, c, &t, 0) == RT_REACH_DROPPED)
				continue;
			memset(twins, 0, sizeof(*twins));
			g->pass++;
			if (lockstep(g, c, &u, &t, 0, twins) != RT_LOCK_HIT || !g->hit_handle)
				continue;
			/* the accept's other matches (an interface, a source) go into the fix too */
			const struct rt_nft_crule *cr = NULL;

			for (size_t k = 0; k < g->hit_chain->n && !cr; k++)
				if (nftnl_rule_get_u64(g->hit_chain->rule[k].r, NFTNL_RULE_HANDLE) ==
				    g->hit_handle)
					cr = &g->hit_chain->rule[k];
			rt_warn(g->ctx,
				"path MTU: the nf_tables chain %s %s %s accepts ICMP errors about "
				"tracked flows (related) and may drop those about %s's untracked "
				"flows, which arrive in state invalid (rule handle %llu); to let "
				"them in, rate-limited%s: nft insert rule %s %s %s position %llu %s",
				family_name(g->hit_chain->family), g->hit_chain->table,
				g->hit_chain->name, g->p->name, (unsigned long long)g->hit_handle,
				cr && conditions(g, g->hit_chain, cr, cond, sizeof(cond)) && cond[0]
					? " (with that rule's other matches)"
					: "",
				family_name(g->hit_chain->family), g->hit_chain->table,
				g->hit_chain->name, (unsigned long long)g->hit_handle,
				pmtu_rule(families[f]));
		}
	}
	free(twins);
}

/* ---- the guard ------------------------------------------------------------------ */

static int check_mode(struct rt_nft_check *g, enum rt_nft_mode mode)
{
	struct rt_nft_packet pkt = { 0 };

	g->mode = mode;
	for (size_t i = 0; i < g->rs.n; i++) {
		struct rt_nft_chain *c = &g->rs.chain[i];
		unsigned int sides = chain_sides(g, c, mode);

		if (!sides || !chain_refuses(g, c, sides, &pkt))
			continue;
		if (mode == RT_NFT_LANDING)
			return refuse_landing(g, c);
		return mode == RT_NFT_NAT ? refuse_nat(g, c, &pkt) : refuse_filter(g, c, &pkt);
	}
	return 0;
}

/*
 * Without nf_tables the kernel answers a request to its subsystem with
 * EINVAL (and a kernel without nfnetlink refuses the socket).
 */
static bool nft_absent(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -EPROTONOSUPPORT ||
	       err == -EAFNOSUPPORT;
}

/* A dump that a change of the ruleset interrupted (EINTR) is read again. */
static int ruleset_read(struct rt_nft_check *g)
{
	int err = -EINTR;

	for (int tries = 0; tries < 3 && err == -EINTR; tries++) {
		rt_nft_ruleset_clear(&g->rs);
		err = rt_nft_ruleset_read(&g->rs, chain_wanted, g);
	}
	return err;
}

/* What the guard read, for the debug log (a test counts it). */
static void rules_read_say(const struct rt_nft_check *g)
{
	size_t chains = 0, rules = 0;

	for (size_t i = 0; i < g->rs.n; i++) {
		chains += g->rs.chain[i].read;
		rules += g->rs.chain[i].n;
	}
	rt_dbg(g->ctx, "nf_tables: %zu chains, the rules of %zu read: %zu rules", g->rs.n, chains,
	       rules);
}

int rt_nft_guard(struct rawtune_ctx *ctx, const struct rawtune_profile *profile,
		 uint32_t *genid, bool advise)
{
	struct rt_nft_check g = { .ctx = ctx, .p = profile };
	int err = rt_plan_families(profile, &g.families);

	if (err < 0)
		return rt_fail(ctx, err, "out of memory");
	err = ruleset_read(&g);
	if (genid)
		*genid = err == 0 ? g.rs.genid : 0;
	if (err < 0) {
		rt_nft_ruleset_clear(&g.rs);
		if (!nft_absent(err))
			return rt_fail(ctx, err,
				       "cannot read the nf_tables ruleset, which could drop the "
				       "untracked packets: %s",
				       strerror(-err));
		rt_dbg(ctx, "no nf_tables in this kernel: nothing it could drop");
		return 0;
	}
	rules_read_say(&g);
	err = check_mode(&g, RT_NFT_FILTER);
	if (err == 0 && rt_nat_guard_enabled(ctx))
		err = check_mode(&g, RT_NFT_NAT);
	if (err == 0 && rt_nat_guard_enabled(ctx)) {
		err = rt_host_addrs_read(ctx, &g.local);
		if (err == 0)
			err = check_mode(&g, RT_NFT_LANDING);
		rt_host_addrs_free(&g.local);
	}
	if (err == 0 && advise)
		pmtu_advise(&g);
	rt_nft_ruleset_clear(&g.rs);
	return err;
}
