// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The nf_tables guard. rawtune writes legacy x_tables only, but on most
 * current distributions the host's firewall lives in nf_tables, and every
 * nf_tables base chain gives its own verdict: a legacy UNTRACKED accept does
 * not stop an nft drop. So before apply, read the nf_tables ruleset
 * (nft-ruleset.c) and walk the chains the untracked packets cross, as the
 * kernel would:
 *
 * - filter: a chain on input, output (forward) whose policy or rules could
 *   drop them refuses the apply; --force cannot help, the drop stays;
 * - nat: a nat rule that could take their flows refuses it as the legacy
 *   NAT guard does (natguard.c), --force overriding.
 *
 * Each rule is judged (nft-rule.c) against one packet class (a protocol,
 * the profile's ports on one side) as never, maybe or always matching.
 * Only what is certain counts in the firewall's favour: a rule the guard
 * does not understand may match, and an accept ends the walk only when it
 * always matches.
 */
#include <errno.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>
#include <string.h>

#include <libnftnl/rule.h>
#include <linux/netfilter.h>

#include "nft-guard.h"
#include "nft-ruleset.h"

/* jump/goto depth: the kernel allows 16 */
#define RT_NFT_DEPTH 16

enum rt_nft_mode { RT_NFT_FILTER, RT_NFT_NAT };

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

static bool is_hit(const struct rt_nft_check *g, enum rt_nft_outcome o)
{
	return o == (g->mode == RT_NFT_NAT ? RT_NFT_NATS : RT_NFT_DROP);
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

	if (is_hit(g, j->outcome)) {
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

static enum rt_nft_walk walk_rules(struct rt_nft_check *g, const struct rt_nft_chain *c,
				   const struct rt_nft_packet *pkt, int depth)
{
	enum rt_nft_walk worst = RT_NFT_ACCEPTED, to;
	struct rt_nft_judgment j;

	for (size_t i = 0; i < c->n; i++) {
		rt_nft_rule_judge(&j, &g->rs, c, &c->rule[i], pkt);
		if (j.match == RT_NFT_NEVER || j.outcome == RT_NFT_GO_ON)
			continue;
		/* a drop in the other mode: the packet's walk may end there, unharmed */
		if (j.outcome == RT_NFT_DROP || j.outcome == RT_NFT_NATS) {
			if (!is_hit(g, j.outcome) && j.match == RT_NFT_ALWAYS)
				return worst;
			if (!is_hit(g, j.outcome))
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

/* The one family of the packets a chain of @family sees, or 0 for both. */
static uint8_t packet_family(const struct rawtune_profile *p, uint32_t family)
{
	if (family == NFPROTO_IPV4 || family == NFPROTO_IPV6)
		return (uint8_t)family;
	if (p->families == RAWTUNE_FAMILY_IPV4)
		return NFPROTO_IPV4;
	if (p->families == RAWTUNE_FAMILY_IPV6)
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

/* A server's clients on this host reach it over lo, unless its interfaces leave lo out. */
static bool has_loopback(const struct rawtune_profile *p)
{
	for (size_t i = 0; i < p->ifaces.n; i++)
		if (strcmp(p->ifaces.name[i], "lo") == 0)
			return true;
	return p->ifaces.n == 0;
}

/*
 * Inbound packets carry the port as destination on a server, outbound ones
 * as source; a client swaps them. Over lo a server's packets cross both
 * hooks both ways: its local clients' requests leave through output, its
 * replies to them come in through input.
 */
static unsigned int filter_sides(const struct rawtune_profile *p, uint32_t hook)
{
	bool server = p->direction != RAWTUNE_DIRECTION_CLIENT, lo = has_loopback(p);

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

static bool chain_checked(const struct rt_nft_check *g, const struct rt_nft_chain *c)
{
	bool nat;

	if (!c->type || !family_covered(g->p, c->family))
		return false;
	/* rawtune's own table only untracks */
	if (c->family == NFPROTO_INET && strcmp(c->table, "rawtune") == 0)
		return false;
	nat = strcmp(c->type, "nat") == 0;
	return g->mode == RT_NFT_NAT ? nat : !nat;
}

/* Could base chain @c drop (or NAT) the packets of @pkt? */
static bool chain_hits(struct rt_nft_check *g, struct rt_nft_chain *c,
		       const struct rt_nft_packet *pkt)
{
	enum rt_nft_walk w;

	g->pass++;
	g->hit_chain = c;
	g->hit_handle = 0;
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
static bool chain_refuses(struct rt_nft_check *g, struct rt_nft_chain *c, unsigned int sides,
			  struct rt_nft_packet *pkt)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP },
		       { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };

	pkt->nfproto = packet_family(g->p, c->family);
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

/* "by its policy drop" or "by rule handle 7 of chain sub (reject)" */
static void hit_text(const struct rt_nft_check *g, const struct rt_nft_chain *base, char *buf,
		     size_t len)
{
	if (!g->hit_handle)
		snprintf(buf, len, "by its policy drop");
	else if (g->hit_chain == base)
		snprintf(buf, len, "by rule handle %llu (%s)",
			 (unsigned long long)g->hit_handle, g->hit_what);
	else
		snprintf(buf, len, "by rule handle %llu of chain %s (%s)",
			 (unsigned long long)g->hit_handle, g->hit_chain->name, g->hit_what);
}

static int refuse_filter(struct rt_nft_check *g, const struct rt_nft_chain *c,
			 const struct rt_nft_packet *pkt)
{
	char port[64], how[160];

	port_text(pkt, port, sizeof(port));
	hit_text(g, c, how, sizeof(how));
	return rt_fail(g->ctx, -EPERM,
		       "the nf_tables chain %s %s %s (hook %s) may drop the untracked packets "
		       "of %s %s; rawtune cannot make another table's drop accept, and "
		       "--force does not change that: accept them first with "
		       "'nft insert rule %s %s %s %s ct state untracked accept'",
		       family_name(c->family), c->table, c->name, hook_name(c->hook), port, how,
		       family_name(c->family), c->table, c->name, port);
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

/* ---- the guard ------------------------------------------------------------------ */

static int check_mode(struct rt_nft_check *g, enum rt_nft_mode mode)
{
	struct rt_nft_packet pkt;

	g->mode = mode;
	for (size_t i = 0; i < g->rs.n; i++) {
		struct rt_nft_chain *c = &g->rs.chain[i];
		unsigned int sides;

		if (!chain_checked(g, c))
			continue;
		sides = mode == RT_NFT_NAT ? nat_sides(g->p, c->hook)
					   : filter_sides(g->p, c->hook);
		if (!sides || !chain_refuses(g, c, sides, &pkt))
			continue;
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
		err = rt_nft_ruleset_read(&g->rs);
	}
	return err;
}

int rt_nft_guard(struct rawtune_ctx *ctx, const struct rawtune_profile *profile)
{
	struct rt_nft_check g = { .ctx = ctx, .p = profile };
	int err = ruleset_read(&g);

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
	rt_dbg(ctx, "nf_tables: %zu chains", g.rs.n);
	err = check_mode(&g, RT_NFT_FILTER);
	if (err == 0 && rt_nat_guard_enabled(ctx))
		err = check_mode(&g, RT_NFT_NAT);
	rt_nft_ruleset_clear(&g.rs);
	return err;
}
