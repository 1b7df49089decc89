// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which chains of the legacy raw table a profile's rules go in. Every packet
 * of the host walks RAWTUNE-PREROUTING and RAWTUNE-OUTPUT: a profile with
 * more ports than one rule holds (a 1,000-port profile makes hundreds of
 * rules) gets chains of its own, RAWTUNE-PRE-<NAME> and RAWTUNE-OUT-<NAME>,
 * reached by one guard per protocol and port side that tests only the
 * protocol and the profile's lowest to highest port. A packet of another
 * port then pays for the guards, not for the profile's rules.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

/* Each hook's prefix for the profiles' own chains: "RAWTUNE-PRE-web". */
static const char *sub_prefix(enum rt_hook hook)
{
	switch (hook) {
	case RT_HOOK_PREROUTING:
		return RT_CHAIN_PREFIX "PRE-";
	case RT_HOOK_OUTPUT:
		return RT_CHAIN_PREFIX "OUT-";
	default:
		return NULL;
	}
}

/* FNV-1a, 32 bits: a long name's short, stable tag. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

bool rt_layout_chain(enum rt_hook hook, const char *profile, char chain[RT_CHAIN_MAX])
{
	const char *prefix = sub_prefix(hook);
	size_t room;
	int keep;

	if (!prefix)
		return false;
	room = RT_CHAIN_MAX - 1 - strlen(prefix);
	if (strlen(profile) <= room) {
		snprintf(chain, RT_CHAIN_MAX, "%s%s", prefix, profile);
		return true;
	}
	/* "twenty-characters-ab": "twenty-d3dc1365", one dash before the hash */
	keep = 7;
	while (keep > 1 && profile[keep - 1] == '-')
		keep--;
	snprintf(chain, RT_CHAIN_MAX, "%s%.*s-%08x", prefix, keep, profile, fnv1a(profile));
	return true;
}

bool rt_layout_is_sub_chain(const char *chain, enum rt_hook hook)
{
	const char *prefix = sub_prefix(hook);

	return prefix && strncmp(chain, prefix, strlen(prefix)) == 0 &&
	       chain[strlen(prefix)] != '\0';
}

static unsigned int port_slots(const struct rt_ports *ports)
{
	unsigned int slots = 0;

	for (size_t i = 0; i < ports->n; i++)
		slots += ports->range[i].lo == ports->range[i].hi ? 1 : 2;
	return slots;
}

bool rt_layout_own_chains(const struct rawtune_profile *p)
{
	return port_slots(&p->ports) > RT_RULE_PORT_SLOTS;
}

/* A guard: protocol, one side's port range, the profile's comment, the jump. */
struct rt_guard {
	enum rt_hook hook;
	uint8_t proto;
	bool dport;
	struct rt_port_range range;
};

static void guard_widen(struct rt_guard *g, const struct rt_rule *r)
{
	for (unsigned int i = 0; i < r->nports; i++) {
		if (r->ports[i].lo < g->range.lo)
			g->range.lo = r->ports[i].lo;
		if (r->ports[i].hi > g->range.hi)
			g->range.hi = r->ports[i].hi;
	}
}

/* The guard that @r needs, found in or added to @g (at most 8: hook, protocol, side). */
static void guard_note(struct rt_guard *g, size_t *n, const struct rt_rule *r)
{
	for (size_t i = 0; i < *n; i++) {
		if (g[i].hook == r->hook && g[i].proto == r->proto && g[i].dport == r->dport) {
			guard_widen(&g[i], r);
			return;
		}
	}
	g[*n] = (struct rt_guard){ .hook = r->hook, .proto = r->proto, .dport = r->dport,
				   .range = { UINT16_MAX, 0 } };
	guard_widen(&g[(*n)++], r);
}

static void guard_rule(struct rt_rule *r, const struct rt_guard *g, const char *profile)
{
	rt_rule_init(r);
	r->table = RT_TABLE_RAW;
	r->hook = g->hook;
	r->proto = g->proto;
	r->dport = g->dport;
	r->nports = 1;
	r->ports[0] = g->range;
	snprintf(r->comment, sizeof(r->comment), RT_COMMENT_PREFIX "%s", profile);
	r->verdict = RT_VERDICT_JUMP;
	rt_layout_chain(g->hook, profile, r->target);
}

int rt_layout_apply(const struct rawtune_profile *p, struct rt_plan *plan)
{
	struct rt_guard guard[2 * 2 * 2];
	size_t nguard = 0;
	struct rt_rule *grown;

	if (!rt_layout_own_chains(p) || plan->n == 0)
		return 0;
	for (size_t i = 0; i < plan->n; i++) {
		struct rt_rule *r = &plan->rule[i];

		if (r->table != RT_TABLE_RAW || !r->proto || !r->nports ||
		    !rt_layout_chain(r->hook, p->name, r->chain))
			continue;
		guard_note(guard, &nguard, r);
	}
	grown = realloc(plan->rule, (plan->n + nguard) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	plan->rule = grown;
	for (size_t i = 0; i < nguard; i++)
		guard_rule(&plan->rule[plan->n++], &guard[i], p->name);
	return 0;
}

bool rt_rule_is_guard(const struct rt_rule *r)
{
	return r->verdict == RT_VERDICT_JUMP && r->target[0] && r->proto;
}

static int names_put(struct rt_chain_names *out, const char *name)
{
	char(*grown)[RT_CHAIN_MAX] = realloc(out->name, (out->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	out->name = grown;
	snprintf(out->name[out->n++], RT_CHAIN_MAX, "%s", name);
	return 0;
}

int rt_layout_sub_chains(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_hook hook,
			 const char *profile, struct rt_chain_names *out)
{
	char chain[RT_CHAIN_MAX];
	int err = 0;

	*out = (struct rt_chain_names){ 0 };
	if (profile) {
		if (rt_layout_chain(hook, profile, chain) && ops->is_chain(h, chain))
			err = names_put(out, chain);
		return err;
	}
	for (const char *c = ops->first_chain(h); c && err == 0; c = ops->next_chain(h))
		if (rt_layout_is_sub_chain(c, hook))
			err = names_put(out, c);
	if (err < 0)
		rt_chain_names_clear(out);
	return err;
}

void rt_chain_names_clear(struct rt_chain_names *names)
{
	free(names->name);
	*names = (struct rt_chain_names){ 0 };
}
