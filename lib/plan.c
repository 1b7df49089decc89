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
	       a->syn == b->syn && a->notsyn == b->notsyn && a->outiface_inv == b->outiface_inv &&
	       a->has_other == b->has_other && a->other.lo == b->other.lo &&
	       a->other.hi == b->other.hi && a->has_owner == b->has_owner && a->owner == b->owner &&
	       addr_equal(&a->src, &b->src) && addr_equal(&a->dst, &b->dst) &&
	       a->untracked == b->untracked && !a->foreign && !b->foreign &&
	       strcmp(a->iniface, b->iniface) == 0 && strcmp(a->outiface, b->outiface) == 0 &&
	       a->nports == b->nports &&
	       memcmp(a->ports, b->ports, a->nports * sizeof(a->ports[0])) == 0 &&
	       strcmp(a->comment, b->comment) == 0 && a->verdict == b->verdict &&
	       (a->verdict != RT_VERDICT_JUMP || strcmp(a->target, b->target) == 0);
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
 * One template per kind of rule, all in raw: what rawtune adds to filter
 * are twins of the firewall's own rules (verdict.c), never accepts of its own.
 * A request travels towards the profile's port P (destination port P), a
 * reply away from it (source port P). Replies carry "! --syn": a socket
 * bound to P that opens a connection sends a SYN, which stays tracked and
 * meets the firewall as NEW.
 */
enum rt_scope {
	RT_SCOPE_LOCAL,	   /* a server's flows with this host */
	RT_SCOPE_FORWARD,  /* forward = yes: flows routed through this host */
	RT_SCOPE_LOOPBACK, /* a client on this host; only when its path needs nothing */
	RT_SCOPE_CLIENT,   /* a client profile: this host opens the flows to its peers */
};

struct rt_template {
	enum rt_hook hook;
	enum rt_scope scope;
	bool request;
	enum rt_verdict verdict;
};

/*
 * Count rules (TCP only, no target, so packets go on) sit before the notrack
 * rules that take the first packet of each new flow: their counters are the
 * conntrack entries saved. For UDP the notrack rule's own counter says as much.
 */
static const struct rt_template templates[] = {
	/* requests from other hosts, addressed to this one (never forwarded traffic) */
	{ RT_HOOK_PREROUTING, RT_SCOPE_LOCAL, true, RT_VERDICT_COUNT },
	{ RT_HOOK_PREROUTING, RT_SCOPE_LOCAL, true, RT_VERDICT_NOTRACK },
	{ RT_HOOK_OUTPUT, RT_SCOPE_LOCAL, false, RT_VERDICT_NOTRACK },
	/* a client on this host: its requests leave through OUTPUT on lo */
	{ RT_HOOK_OUTPUT, RT_SCOPE_LOOPBACK, true, RT_VERDICT_NOTRACK },
	/* forward: requests to the peers behind this router, and their replies */
	{ RT_HOOK_PREROUTING, RT_SCOPE_FORWARD, true, RT_VERDICT_COUNT },
	{ RT_HOOK_PREROUTING, RT_SCOPE_FORWARD, true, RT_VERDICT_NOTRACK },
	{ RT_HOOK_PREROUTING, RT_SCOPE_FORWARD, false, RT_VERDICT_NOTRACK },
	/* a client: requests to its peers, replies from them to an ephemeral port */
	{ RT_HOOK_OUTPUT, RT_SCOPE_CLIENT, true, RT_VERDICT_COUNT },
	{ RT_HOOK_OUTPUT, RT_SCOPE_CLIENT, true, RT_VERDICT_NOTRACK },
	{ RT_HOOK_PREROUTING, RT_SCOPE_CLIENT, false, RT_VERDICT_NOTRACK },
};

const struct rt_plan_env rt_plan_env_default = {
	.loopback = true,
	.ephemeral = { 32768, 60999 },
};

static bool has_iface(const struct rawtune_profile *p, const char *name)
{
	for (size_t i = 0; i < p->ifaces.n; i++)
		if (strcmp(p->ifaces.name[i], name) == 0)
			return true;
	return false;
}

/* A server's flows with a client on this host; never with peers, which are other hosts. */
bool rt_plan_local_clients(const struct rawtune_profile *p)
{
	return p->direction == RAWTUNE_DIRECTION_SERVER && !p->forward && !p->peers.n &&
	       (p->ifaces.n == 0 || has_iface(p, "lo"));
}

/* ... and their path needs nothing that twins cannot give (@env). */
static bool loopback_used(const struct rawtune_profile *p, const struct rt_plan_env *env)
{
	return env->loopback && rt_plan_local_clients(p);
}

static bool template_used(const struct rt_template *t, const struct rawtune_profile *p,
			  const struct rt_plan_env *env)
{
	bool client = p->direction == RAWTUNE_DIRECTION_CLIENT;

	if (p->forward)
		return t->scope == RT_SCOPE_FORWARD;
	switch (t->scope) {
	case RT_SCOPE_LOCAL:
		return !client;
	case RT_SCOPE_LOOPBACK:
		return !client && loopback_used(p, env);
	case RT_SCOPE_CLIENT:
		return client;
	case RT_SCOPE_FORWARD:
		break;
	}
	return false;
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
	const struct rt_addr *addr; /* a local address; NULL: any */
	const struct rt_addr *peer; /* the far end; NULL: any */
	const char *iface;          /* NULL: any */
};

/* Does the rule's packet arrive at this host (PREROUTING), or leave it? */
static bool arrives(const struct rt_template *t)
{
	return t->hook == RT_HOOK_PREROUTING;
}

static void fill_addrs(struct rt_rule *r, const struct rt_template *t, const struct rt_variant *v)
{
	/* a local client's requests are addressed to the server's address */
	bool in = arrives(t) || t->scope == RT_SCOPE_LOOPBACK;

	if (v->addr)
		*(in ? &r->dst : &r->src) = *v->addr;
	/* forward: the peers are the servers, the destination of the requests */
	if (v->peer && t->scope == RT_SCOPE_FORWARD)
		*(t->request ? &r->dst : &r->src) = *v->peer;
	else if (v->peer)
		*(in ? &r->src : &r->dst) = *v->peer;
	if (r->src.family || r->dst.family)
		r->family = r->src.family ? r->src.family : r->dst.family;
}

static void fill_iface(struct rt_rule *r, const struct rt_template *t,
		       const struct rawtune_profile *p, const struct rt_variant *v,
		       const struct rt_plan_env *env)
{
	if (t->scope == RT_SCOPE_LOOPBACK) {
		strcpy(r->outiface, "lo");
		return;
	}
	if (v->iface && t->scope == RT_SCOPE_FORWARD) {
		/* the clients' side: where their requests arrive; replies come from the far side */
		if (t->request)
			snprintf(r->iniface, sizeof(r->iniface), "%s", v->iface);
		return;
	}
	if (v->iface && arrives(t))
		snprintf(r->iniface, sizeof(r->iniface), "%s", v->iface);
	else if (v->iface)
		snprintf(r->outiface, sizeof(r->outiface), "%s", v->iface);
	else if (t->scope == RT_SCOPE_LOCAL && !t->request && !loopback_used(p, env) &&
		 !p->peers.n) {
		/* a local client stays tracked: so do the replies it gets */
		strcpy(r->outiface, "lo");
		r->outiface_inv = true;
	}
}

static void fill_rule(struct rt_rule *r, const struct rt_template *t,
		      const struct rawtune_profile *p, const struct rt_variant *v,
		      const struct rt_plan_env *env)
{
	rt_rule_init(r);
	r->table = RT_TABLE_RAW;
	r->hook = t->hook;
	r->proto = v->proto;
	r->dport = t->request;
	r->dst_local = arrives(t) && t->scope != RT_SCOPE_FORWARD;
	r->dst_not_local = arrives(t) && t->scope == RT_SCOPE_FORWARD;
	r->syn = t->verdict == RT_VERDICT_COUNT;
	r->notsyn = !t->request && v->proto == IPPROTO_TCP;
	r->nports = (unsigned int)v->nports;
	memcpy(r->ports, v->ports, v->nports * sizeof(*v->ports));
	if (t->scope == RT_SCOPE_CLIENT && !t->request) {
		r->has_other = true;
		r->other = env->ephemeral;
	}
	/* only the service's user sends UDP from the port untracked */
	if (p->has_owner && v->proto == IPPROTO_UDP && !t->request && !arrives(t)) {
		r->has_owner = true;
		r->owner = p->owner;
	}
	fill_addrs(r, t, v);
	fill_iface(r, t, p, v, env);
	snprintf(r->comment, sizeof(r->comment), RT_COMMENT_PREFIX "%s", p->name);
	r->verdict = t->verdict;
}

struct rt_builder {
	struct rt_plan *plan;
	size_t cap;
	const struct rawtune_profile *p;
	const struct rt_template *t;
	const struct rt_plan_env *env;
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
	fill_rule(&plan->rule[plan->n++], b->t, b->p, v, b->env);
}

/* One rule per interface (or one for any), loopback rules keep their own. */
static void push_ifaces(struct rt_builder *b, struct rt_variant *v)
{
	const struct rawtune_profile *p = b->p;

	/* forward replies come from the far side, whatever the clients' interface */
	if (p->ifaces.n == 0 || b->t->scope == RT_SCOPE_LOOPBACK ||
	    (b->t->scope == RT_SCOPE_FORWARD && !b->t->request)) {
		v->iface = NULL;
		push(b, v);
		return;
	}
	for (size_t i = 0; i < p->ifaces.n; i++) {
		/* lo is the loopback rule's, and only when a local client's path allows it */
		if (strcmp(p->ifaces.name[i], "lo") == 0 && !loopback_used(p, b->env))
			continue;
		v->iface = p->ifaces.name[i];
		push(b, v);
	}
}

/* One rule per peer (or one for any). */
static void push_peers(struct rt_builder *b, struct rt_variant *v)
{
	const struct rawtune_profile *p = b->p;

	v->peer = NULL;
	if (p->peers.n == 0 || b->t->scope == RT_SCOPE_LOOPBACK) {
		push_ifaces(b, v);
		return;
	}
	for (size_t i = 0; i < p->peers.n; i++) {
		/* a local address and a peer of different families never meet */
		if (v->addr && v->addr->family != p->peers.addr[i].family)
			continue;
		v->peer = &p->peers.addr[i];
		push_ifaces(b, v);
	}
}

/* One rule per local address (or one for any address); forward has none. */
static void push_addrs(struct rt_builder *b, struct rt_variant *v)
{
	const struct rawtune_profile *p = b->p;

	if (p->addrs.n == 0 || b->t->scope == RT_SCOPE_FORWARD) {
		v->addr = NULL;
		push_peers(b, v);
		return;
	}
	for (size_t i = 0; i < p->addrs.n; i++) {
		v->addr = &p->addrs.addr[i];
		push_peers(b, v);
	}
}

static void push_template(struct rt_builder *b)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP }, { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };
	const struct rawtune_profile *p = b->p;
	struct rt_variant v = { 0 };

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

int rt_plan_table_env(const struct rawtune_profile *p, enum rt_table table,
		      const struct rt_plan_env *env, struct rt_plan *plan)
{
	struct rt_builder b = { .plan = plan, .p = p, .env = env };

	plan->n = 0;
	plan->rule = NULL;
	plan->families = p->families;
	if (table != RT_TABLE_RAW)
		return 0;
	for (size_t t = 0; t < ARRAY_SIZE(templates) && !b.err; t++) {
		if (!template_used(&templates[t], p, env))
			continue;
		b.t = &templates[t];
		push_template(&b);
	}
	if (b.err)
		rt_plan_clear(plan);
	return b.err;
}

int rt_plan_table(const struct rawtune_profile *p, enum rt_table table, struct rt_plan *plan)
{
	return rt_plan_table_env(p, table, &rt_plan_env_default, plan);
}

void rt_plan_keep_family(struct rt_plan *plan, enum rawtune_family family)
{
	size_t out = 0;

	plan->families &= family;
	for (size_t i = 0; i < plan->n && plan->families; i++)
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

bool rt_plan_untracks(const struct rt_plan *plan, enum rawtune_family family)
{
	if (!(plan->families & family))
		return false;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->rule[i].verdict == RT_VERDICT_NOTRACK &&
		    (!plan->rule[i].family || plan->rule[i].family == family))
			return true;
	return false;
}

/* Which families untrack anything does not depend on the host: the default env answers. */
int rt_plan_families(const struct rawtune_profile *profile, unsigned int *families)
{
	static const enum rawtune_family each[] = { RAWTUNE_FAMILY_IPV4, RAWTUNE_FAMILY_IPV6 };
	struct rt_plan plan;
	int err = rt_plan_table(profile, RT_TABLE_RAW, &plan);

	*families = 0;
	for (size_t i = 0; err == 0 && i < ARRAY_SIZE(each); i++)
		if (rt_plan_untracks(&plan, each[i]))
			*families |= each[i];
	rt_plan_clear(&plan);
	return err;
}
