// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A profile as abstract rules, per table: pure, no I/O, the same for both
 * families. The layout is DESIGN.md's "Rules in the kernel".
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

static const char *const table_names[RT_TABLE_COUNT] = {
	[RT_TABLE_RAW] = "raw",
	[RT_TABLE_FILTER] = "filter",
};

static const char *const hook_names[RT_HOOK_COUNT] = {
	[RT_HOOK_PREROUTING] = "PREROUTING",
	[RT_HOOK_INPUT] = "INPUT",
	[RT_HOOK_FORWARD] = "FORWARD",
	[RT_HOOK_OUTPUT] = "OUTPUT",
};

const char *rt_table_name(enum rt_table table)
{
	return table_names[table];
}

const char *rt_hook_name(enum rt_hook hook)
{
	return hook_names[hook];
}

void rt_hook_chain(enum rt_hook hook, char chain[RT_CHAIN_MAX])
{
	snprintf(chain, RT_CHAIN_MAX, RT_CHAIN_PREFIX "%s", hook_names[hook]);
}

void rt_rule_init(struct rt_rule *r)
{
	memset(r, 0, sizeof(*r));
}

static bool addr_equal(const struct rt_addr *a, const struct rt_addr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

bool rt_rule_equal(const struct rt_rule *a, const struct rt_rule *b)
{
	return a->table == b->table && a->hook == b->hook && a->family == b->family &&
	       a->proto == b->proto && a->pmtu == b->pmtu && a->dport == b->dport &&
	       a->dst_local == b->dst_local && a->dst_not_local == b->dst_not_local &&
	       a->syn == b->syn &&
	       addr_equal(&a->src, &b->src) && addr_equal(&a->dst, &b->dst) &&
	       a->untracked == b->untracked && !a->foreign && !b->foreign &&
	       strcmp(a->iniface, b->iniface) == 0 && strcmp(a->outiface, b->outiface) == 0 &&
	       a->nports == b->nports &&
	       memcmp(a->ports, b->ports, a->nports * sizeof(a->ports[0])) == 0 &&
	       strcmp(a->comment, b->comment) == 0 && a->verdict == b->verdict;
}

void rt_rule_jump(struct rt_rule *r, enum rt_table table, enum rt_hook hook)
{
	rt_rule_init(r);
	r->table = table;
	r->hook = hook;
	strcpy(r->comment, RT_JUMP_COMMENT);
	r->verdict = RT_VERDICT_JUMP;
}

/*
 * One template per kind of rule. A request travels towards the profile's
 * port (destination port P), a reply away from it; for a client profile the
 * two swap. The profile's local address is the destination of what arrives
 * (a server's requests, a client's replies) and the source of what leaves.
 */
enum rt_scope {
	RT_SCOPE_ALWAYS,
	RT_SCOPE_LOCAL,	   /* only without forward: packets for this host */
	RT_SCOPE_FORWARD,  /* only with forward */
	RT_SCOPE_LOOPBACK, /* a client on this host; only when "lo" is not excluded */
};

/* Rules only one direction makes: the counters of new flows. */
enum rt_role {
	RT_ROLE_BOTH,
	RT_ROLE_SERVER,
	RT_ROLE_CLIENT,
};

struct rt_template {
	enum rt_table table;
	enum rt_hook hook;
	enum rt_scope scope;
	bool request; /* in a server profile */
	bool pmtu;
	enum rt_verdict verdict;
	enum rt_role role;
};

/*
 * Count rules (TCP only, no target, so packets go on) sit before the notrack
 * rules that take the first packet of each new flow: their counters are the
 * conntrack entries saved. For UDP the notrack rule's own counter says as much.
 */
static const struct rt_template templates[] = {
	/* requests from other hosts, addressed to this one (never forwarded traffic) */
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING, RT_SCOPE_LOCAL, true, false, RT_VERDICT_COUNT,
	  RT_ROLE_SERVER },
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING, RT_SCOPE_LOCAL, true, false, RT_VERDICT_NOTRACK,
	  RT_ROLE_BOTH },
	/* with forward: requests to anyone, and the replies passing through */
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING, RT_SCOPE_FORWARD, true, false, RT_VERDICT_COUNT,
	  RT_ROLE_SERVER },
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING, RT_SCOPE_FORWARD, true, false, RT_VERDICT_NOTRACK,
	  RT_ROLE_BOTH },
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING, RT_SCOPE_FORWARD, false, false, RT_VERDICT_NOTRACK,
	  RT_ROLE_BOTH },
	/* this host's side of those flows (a client's requests) */
	{ RT_TABLE_RAW, RT_HOOK_OUTPUT, RT_SCOPE_ALWAYS, false, false, RT_VERDICT_COUNT,
	  RT_ROLE_CLIENT },
	{ RT_TABLE_RAW, RT_HOOK_OUTPUT, RT_SCOPE_ALWAYS, false, false, RT_VERDICT_NOTRACK,
	  RT_ROLE_BOTH },
	/* a client on this host: its packets leave through OUTPUT on lo */
	{ RT_TABLE_RAW, RT_HOOK_OUTPUT, RT_SCOPE_LOOPBACK, true, false, RT_VERDICT_NOTRACK,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_INPUT, RT_SCOPE_ALWAYS, true, false, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_INPUT, RT_SCOPE_LOOPBACK, false, false, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	/* untracked flows get no RELATED ICMP: keep path MTU discovery working */
	{ RT_TABLE_FILTER, RT_HOOK_INPUT, RT_SCOPE_ALWAYS, false, true, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_FORWARD, RT_SCOPE_FORWARD, true, false, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_FORWARD, RT_SCOPE_FORWARD, false, false, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_FORWARD, RT_SCOPE_FORWARD, false, true, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_OUTPUT, RT_SCOPE_ALWAYS, false, false, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
	{ RT_TABLE_FILTER, RT_HOOK_OUTPUT, RT_SCOPE_LOOPBACK, true, false, RT_VERDICT_ACCEPT,
	  RT_ROLE_BOTH },
};

static bool has_iface(const struct rawtune_profile *p, const char *name)
{
	for (size_t i = 0; i < p->ifaces.n; i++)
		if (strcmp(p->ifaces.name[i], name) == 0)
			return true;
	return false;
}

static bool template_used(const struct rt_template *t, const struct rawtune_profile *p)
{
	bool server = p->direction == RAWTUNE_DIRECTION_SERVER;

	if ((t->role == RT_ROLE_SERVER && !server) || (t->role == RT_ROLE_CLIENT && server))
		return false;
	switch (t->scope) {
	case RT_SCOPE_LOCAL:
		return !p->forward;
	case RT_SCOPE_FORWARD:
		return p->forward;
	case RT_SCOPE_LOOPBACK:
		return p->ifaces.n == 0 || has_iface(p, "lo");
	case RT_SCOPE_ALWAYS:
		break;
	}
	return true;
}

static unsigned int range_slots(const struct rt_port_range *r)
{
	return r->lo == r->hi ? 1 : 2;
}

/* How many of @ports, starting at @first, fit in one rule. */
static size_t chunk_len(const struct rt_ports *ports, size_t first)
{
	unsigned int slots = 0;
	size_t n = 0;

	while (first + n < ports->n && n < RT_RULE_PORT_SLOTS) {
		slots += range_slots(&ports->range[first + n]);
		if (slots > RT_RULE_PORT_SLOTS)
			break;
		n++;
	}
	return n;
}

/* What one rule of a template gets: the loops of rt_plan_table fill it in. */
struct rt_variant {
	uint8_t proto;
	const struct rt_port_range *ports;
	size_t nports;
	const struct rt_addr *addr; /* NULL: any */
	enum rawtune_family family; /* for ICMP without an address */
	const char *iface;          /* NULL: any */
};

static void fill_rule(struct rt_rule *r, const struct rt_template *t,
		      const struct rawtune_profile *p, const struct rt_variant *v)
{
	bool server = p->direction == RAWTUNE_DIRECTION_SERVER;
	bool arriving;

	rt_rule_init(r);
	r->table = t->table;
	r->hook = t->hook;
	r->proto = v->proto;
	r->pmtu = t->pmtu;
	r->dport = t->pmtu ? false : t->request == server;
	r->dst_local = t->scope == RT_SCOPE_LOCAL;
	r->dst_not_local = t->scope == RT_SCOPE_FORWARD && t->hook == RT_HOOK_PREROUTING &&
			   !t->request;
	r->untracked = t->verdict == RT_VERDICT_ACCEPT && !t->pmtu;
	r->syn = t->verdict == RT_VERDICT_COUNT;
	r->nports = (unsigned int)v->nports;
	if (v->nports) /* ICMP rules have none, and no array to copy from */
		memcpy(r->ports, v->ports, v->nports * sizeof(*v->ports));
	/*
	 * What a server template calls a request arrives at this host, in a
	 * client profile too (there it is the reply): the local address is its
	 * destination. ICMP errors arrive.
	 */
	arriving = t->pmtu || t->request;
	r->family = v->addr ? v->addr->family : v->family;
	if (v->addr && !(t->pmtu && t->hook == RT_HOOK_FORWARD))
		*(arriving ? &r->dst : &r->src) = *v->addr;
	if (t->scope == RT_SCOPE_LOOPBACK)
		strcpy(t->hook == RT_HOOK_INPUT ? r->iniface : r->outiface, "lo");
	else if (v->iface && (t->hook == RT_HOOK_PREROUTING || t->hook == RT_HOOK_INPUT ||
			      (t->hook == RT_HOOK_FORWARD && arriving)))
		snprintf(r->iniface, sizeof(r->iniface), "%s", v->iface);
	else if (v->iface)
		snprintf(r->outiface, sizeof(r->outiface), "%s", v->iface);
	snprintf(r->comment, sizeof(r->comment), RT_COMMENT_PREFIX "%s", p->name);
	r->verdict = t->verdict;
}

struct rt_builder {
	struct rt_plan *plan;
	size_t cap;
	const struct rawtune_profile *p;
	const struct rt_template *t;
	int err;
};

static void push(struct rt_builder *b, const struct rt_variant *v)
{
	struct rt_plan *plan = b->plan;

	if (b->err)
		return;
	if (plan->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		struct rt_rule *n = realloc(plan->rule, ncap * sizeof(*n));

		if (!n) {
			b->err = -ENOMEM;
			return;
		}
		plan->rule = n;
		b->cap = ncap;
	}
	fill_rule(&plan->rule[plan->n++], b->t, b->p, v);
}

/* One rule per interface (or one for any), loopback rules keep their own. */
static void push_ifaces(struct rt_builder *b, struct rt_variant *v)
{
	const struct rawtune_profile *p = b->p;

	if (p->ifaces.n == 0 || b->t->scope == RT_SCOPE_LOOPBACK) {
		v->iface = NULL;
		push(b, v);
		return;
	}
	for (size_t i = 0; i < p->ifaces.n; i++) {
		v->iface = p->ifaces.name[i];
		push(b, v);
	}
}

/* One rule per address (or one for any address). */
static void push_addrs(struct rt_builder *b, struct rt_variant *v)
{
	const struct rawtune_profile *p = b->p;

	if (p->addrs.n == 0) {
		v->addr = NULL;
		push_ifaces(b, v);
		return;
	}
	for (size_t i = 0; i < p->addrs.n; i++) {
		v->addr = &p->addrs.addr[i];
		push_ifaces(b, v);
	}
}

static bool addrs_have_family(const struct rawtune_profile *p, enum rawtune_family family)
{
	for (size_t i = 0; i < p->addrs.n; i++)
		if (p->addrs.addr[i].family == family)
			return true;
	return false;
}

static void push_template(struct rt_builder *b)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP }, { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };
	const struct rawtune_profile *p = b->p;
	struct rt_variant v = { 0 };

	if (b->t->pmtu) {
		/*
		 * ICMP differs by family. Arriving for this host, the error is
		 * addressed to the profile's addresses; forwarded, to the far end,
		 * so only the addresses' families count.
		 */
		if (p->addrs.n && b->t->hook != RT_HOOK_FORWARD) {
			push_addrs(b, &v);
			return;
		}
		for (v.family = RAWTUNE_FAMILY_IPV4; v.family <= RAWTUNE_FAMILY_IPV6; v.family <<= 1)
			if (!p->addrs.n || addrs_have_family(p, v.family))
				push_ifaces(b, &v);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!(p->protocols & protos[i].bit))
			continue;
		/* a UDP flow's first datagram is counted by its notrack rule */
		if (b->t->verdict == RT_VERDICT_COUNT && protos[i].proto != IPPROTO_TCP)
			continue;
		v.proto = protos[i].proto;
		for (size_t first = 0; first < p->ports.n; first += v.nports) {
			v.nports = chunk_len(&p->ports, first);
			v.ports = &p->ports.range[first];
			push_addrs(b, &v);
		}
	}
}

int rt_plan_table(const struct rawtune_profile *p, enum rt_table table, struct rt_plan *plan)
{
	struct rt_builder b = { .plan = plan, .p = p };

	plan->n = 0;
	plan->rule = NULL;
	for (size_t t = 0; t < ARRAY_SIZE(templates) && !b.err; t++) {
		if (templates[t].table != table || !template_used(&templates[t], p))
			continue;
		b.t = &templates[t];
		push_template(&b);
	}
	if (b.err)
		rt_plan_clear(plan);
	return b.err;
}

void rt_plan_keep_family(struct rt_plan *plan, enum rawtune_family family)
{
	size_t out = 0;

	for (size_t i = 0; i < plan->n; i++)
		if (!plan->rule[i].family || plan->rule[i].family == family)
			plan->rule[out++] = plan->rule[i];
	plan->n = out;
}

void rt_plan_clear(struct rt_plan *plan)
{
	free(plan->rule);
	plan->rule = NULL;
	plan->n = 0;
}
