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

bool rt_rule_equal(const struct rt_rule *a, const struct rt_rule *b)
{
	return a->table == b->table && a->hook == b->hook && a->proto == b->proto &&
	       a->dport == b->dport && a->dst_local == b->dst_local &&
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
 * One template per rule of a chunk of ports. "inbound" ports are the ones
 * packets arriving at this host carry: destination ports for a server,
 * source ports (the replies) for a client.
 */
struct rt_template {
	enum rt_table table;
	enum rt_hook hook;
	bool inbound_port;
	bool dst_local;
	const char *iniface, *outiface;
	enum rt_verdict verdict;
};

static const struct rt_template templates[] = {
	/* requests from other hosts, addressed to this one (never forwarded traffic) */
	{ RT_TABLE_RAW, RT_HOOK_PREROUTING, true, true, "", "", RT_VERDICT_NOTRACK },
	/* this host's side of those flows */
	{ RT_TABLE_RAW, RT_HOOK_OUTPUT, false, false, "", "", RT_VERDICT_NOTRACK },
	/* a client on this host: its packets leave through OUTPUT on lo */
	{ RT_TABLE_RAW, RT_HOOK_OUTPUT, true, false, "", "lo", RT_VERDICT_NOTRACK },
	{ RT_TABLE_FILTER, RT_HOOK_INPUT, true, false, "", "", RT_VERDICT_ACCEPT },
	{ RT_TABLE_FILTER, RT_HOOK_INPUT, false, false, "lo", "", RT_VERDICT_ACCEPT },
	{ RT_TABLE_FILTER, RT_HOOK_OUTPUT, false, false, "", "", RT_VERDICT_ACCEPT },
	{ RT_TABLE_FILTER, RT_HOOK_OUTPUT, true, false, "", "lo", RT_VERDICT_ACCEPT },
};

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

static void fill_rule(struct rt_rule *r, const struct rt_template *t,
		      const struct rawtune_profile *p, uint8_t proto,
		      const struct rt_port_range *ports, size_t nports)
{
	bool inbound_dport = p->direction == RAWTUNE_DIRECTION_SERVER;

	rt_rule_init(r);
	r->table = t->table;
	r->hook = t->hook;
	r->proto = proto;
	r->dport = t->inbound_port ? inbound_dport : !inbound_dport;
	r->dst_local = t->dst_local;
	r->untracked = t->verdict == RT_VERDICT_ACCEPT;
	strcpy(r->iniface, t->iniface);
	strcpy(r->outiface, t->outiface);
	r->nports = (unsigned int)nports;
	memcpy(r->ports, ports, nports * sizeof(*ports));
	snprintf(r->comment, sizeof(r->comment), RT_COMMENT_PREFIX "%s", p->name);
	r->verdict = t->verdict;
}

static int plan_push(struct rt_plan *plan, size_t *cap, struct rt_rule **slot)
{
	if (plan->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct rt_rule *n = realloc(plan->rule, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		plan->rule = n;
		*cap = ncap;
	}
	*slot = &plan->rule[plan->n++];
	return 0;
}

int rt_plan_table(const struct rawtune_profile *p, enum rt_table table, struct rt_plan *plan)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP }, { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };
	size_t cap = 0;

	plan->n = 0;
	plan->rule = NULL;
	for (size_t t = 0; t < ARRAY_SIZE(templates); t++) {
		if (templates[t].table != table)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
			if (!(p->protocols & protos[i].bit))
				continue;
			for (size_t first = 0, n; first < p->ports.n; first += n) {
				struct rt_rule *r;

				n = chunk_len(&p->ports, first);
				if (plan_push(plan, &cap, &r) < 0) {
					rt_plan_clear(plan);
					return -ENOMEM;
				}
				fill_rule(r, &templates[t], p, protos[i].proto,
					  &p->ports.range[first], n);
			}
		}
	}
	return 0;
}

void rt_plan_clear(struct rt_plan *plan)
{
	free(plan->rule);
	plan->rule = NULL;
	plan->n = 0;
}
