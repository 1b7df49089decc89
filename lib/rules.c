// SPDX-License-Identifier: LGPL-2.1-or-later
/* Status: rawtune's rules read back from the kernel, with their counters. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/nft.h"
#include "rawtune-private.h"

struct rt_status_rule {
	char profile[RT_COMMENT_MAX];
	struct rt_rule rule; /* as decoded: what the profile is, as applied */
	struct rt_ports nft_ports; /* an nf_tables rule's ports: any number */
	enum rawtune_backend backend;
	enum rawtune_family family;
	enum rt_table table;
	char *text;
	uint64_t packets, bytes;
	bool saved;
	unsigned int protocol; /* RAWTUNE_PROTO_*, 0 for a rule without ports */
	char *ports;
};

struct rawtune_rules {
	size_t n, cap;
	struct rt_status_rule *rule;
};

/*
 * Does the rule count new flows that its profile untracks: the TCP count
 * rules, and the notrack rules that take a UDP flow's first datagram towards
 * the port? Not the lo rules of raw OUTPUT: a local client's datagrams are
 * counted again when they arrive through PREROUTING.
 */
static bool counts_saved(const struct rt_rule *r)
{
	if (r->verdict == RT_VERDICT_COUNT)
		return true;
	return r->verdict == RT_VERDICT_NOTRACK && r->proto == IPPROTO_UDP && r->dport &&
	       strcmp(r->iniface, "lo") != 0 && strcmp(r->outiface, "lo") != 0;
}

/*
 * The name in a rule's comment, which anyone who may change the tables could
 * have written: a name that is not a profile's is kept printable, so that no
 * output (status lines, stats, watch) shows a control character from it.
 */
static void profile_name(char out[RT_COMMENT_MAX], const char *name)
{
	if (rt_profile_name_valid(name))
		strcpy(out, name);
	else
		rt_printable(name, strlen(name), out, RT_COMMENT_MAX);
}

/* A legacy rule's ports, or an nf_tables rule's. */
static struct rt_ports status_ports(const struct rt_status_rule *s)
{
	struct rt_ports ports = { .n = s->rule.nports,
				  .range = (struct rt_port_range *)s->rule.ports };

	return s->backend == RAWTUNE_BACKEND_NFT ? s->nft_ports : ports;
}

/* The rule's protocol and ports, as a profile's are given: what is applied. */
static int rule_ports(struct rt_status_rule *s)
{
	const struct rt_rule *r = &s->rule;
	struct rt_ports ports = status_ports(s);
	int len;

	/* a guard's range is no port of the profile's */
	if (!ports.n || (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP) ||
	    (s->backend == RAWTUNE_BACKEND_LEGACY && rt_rule_is_guard(r)))
		return 0;
	s->protocol = r->proto == IPPROTO_TCP ? RAWTUNE_PROTO_TCP : RAWTUNE_PROTO_UDP;
	len = rt_ports_format(&ports, NULL, 0);
	s->ports = malloc((size_t)len + 1);
	if (!s->ports)
		return -ENOMEM;
	rt_ports_format(&ports, s->ports, (size_t)len + 1);
	return 0;
}

/* The rule's text: rawtune's own rules from the model, twins from the entry itself. */
static char *rule_text(const struct rt_family_ops *ops, const struct rt_chain_rule *cr)
{
	bool twin = cr->rule.table == RT_TABLE_FILTER && cr->rule.chain[0];
	int len = twin ? rt_entry_render(ops, cr->entry, cr->rule.chain, cr->rule.target, NULL, 0)
		       : rt_rule_render(&cr->rule, NULL, 0);
	char *text = malloc((size_t)len + 1);

	if (text && twin)
		rt_entry_render(ops, cr->entry, cr->rule.chain, cr->rule.target, text,
				(size_t)len + 1);
	else if (text)
		rt_rule_render(&cr->rule, text, (size_t)len + 1);
	return text;
}

/* A new zeroed entry at the list's end, not counted yet; NULL without memory. */
static struct rt_status_rule *rules_grow(struct rawtune_rules *list)
{
	struct rt_status_rule *s;

	if (list->n == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 16;
		struct rt_status_rule *grown = realloc(list->rule, ncap * sizeof(*grown));

		if (!grown)
			return NULL;
		list->rule = grown;
		list->cap = ncap;
	}
	s = &list->rule[list->n];
	memset(s, 0, sizeof(*s));
	return s;
}

static int rules_add(struct rawtune_rules *list, const struct rt_family_ops *ops,
		     const struct rt_chain_rule *cr)
{
	struct rt_status_rule *s = rules_grow(list);

	if (!s)
		return -ENOMEM;
	profile_name(s->profile, cr->rule.comment + strlen(RT_COMMENT_PREFIX));
	s->rule = cr->rule;
	s->backend = RAWTUNE_BACKEND_LEGACY;
	s->family = ops->family;
	s->table = cr->rule.table;
	ops->counters(cr->entry, &s->packets, &s->bytes);
	s->saved = counts_saved(&cr->rule);
	/* a twin's first ports are its original's: the raw rules say what is applied */
	if (!cr->rule.chain[0] && rule_ports(s) < 0)
		return -ENOMEM;
	list->n++; /* freed with the list from here */
	s->text = rule_text(ops, cr);
	return s->text ? 0 : -ENOMEM;
}

/* An nf_tables rule of inet rawtune; the list takes its ports. */
static int rules_add_nft(struct rawtune_rules *list, struct rt_nft_rule *nr)
{
	struct rt_status_rule *s = rules_grow(list);
	int len;

	if (!s)
		return -ENOMEM;
	if (!rt_rule_is_profile(&nr->r, NULL)) {
		rt_ports_clear(&nr->ports);
		return 0;
	}
	profile_name(s->profile, nr->r.comment + strlen(RT_COMMENT_PREFIX));
	s->rule = nr->r;
	s->nft_ports = nr->ports;
	nr->ports.range = NULL;
	nr->ports.n = 0;
	s->backend = RAWTUNE_BACKEND_NFT;
	s->family = nr->r.family ? nr->r.family : RAWTUNE_FAMILY_BOTH;
	s->table = RT_TABLE_RAW;
	s->packets = nr->packets;
	s->bytes = nr->bytes;
	s->saved = counts_saved(&nr->r);
	list->n++;
	if (rule_ports(s) < 0)
		return -ENOMEM;
	nr->ports = s->nft_ports; /* lent back for the text */
	len = rt_nft_rule_render(nr, NULL, 0);
	s->text = malloc((size_t)len + 1);
	if (s->text)
		rt_nft_rule_render(nr, s->text, (size_t)len + 1);
	nr->ports.range = NULL;
	nr->ports.n = 0;
	return s->text ? 0 : -ENOMEM;
}

static int read_nft(struct rawtune_ctx *ctx, struct rawtune_rules *list)
{
	struct rt_nft_plan rules;
	int err = rt_nft_read(ctx, &rules);

	for (size_t i = 0; i < rules.n && err == 0; i++)
		err = rules_add_nft(list, &rules.rule[i]);
	rt_nft_plan_clear(&rules);
	return err;
}

/*
 * The twins: rules tagged "rawtune:PROFILE" with rawtune's UNTRACKED match,
 * in the firewall's own chains. Their text shows what rawtune knows of
 * their matches; iptables-legacy-save shows all of them.
 */
static bool is_twin_entry(const struct rt_family_ops *ops, const rt_entry *e)
{
	struct rt_entry_view v;

	ops->view(e, &v);
	return rt_is_twin(v.matches, v.matches_size, NULL);
}

static int read_twins(const struct rt_family_ops *ops, struct xtc_handle *h,
		      struct rawtune_rules *list)
{
	int err = 0;

	for (const char *c = ops->first_chain(h); c && err == 0; c = ops->next_chain(h)) {
		if (rt_chain_is_filter_own(c))
			continue;
		for (const rt_entry *e = ops->first_rule(h, c); e && err == 0;
		     e = ops->next_rule(h, e)) {
			struct rt_chain_rule cr = { .entry = e };
			const char *target = ops->target(h, e);

			if (!is_twin_entry(ops, e))
				continue;
			rt_rule_init(&cr.rule);
			cr.rule.table = RT_TABLE_FILTER;
			ops->decode(e, target, &cr.rule);
			if (!rt_rule_is_profile(&cr.rule, NULL))
				continue;
			snprintf(cr.rule.chain, sizeof(cr.rule.chain), "%s", c);
			snprintf(cr.rule.target, sizeof(cr.rule.target), "%s", target);
			if (cr.rule.verdict != RT_VERDICT_ACCEPT)
				cr.rule.verdict = RT_VERDICT_NONE;
			err = rules_add(list, ops, &cr);
		}
	}
	return err;
}

static int read_chain(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_table table,
		      enum rt_hook hook, const char *chain, struct rawtune_rules *list)
{
	struct rt_chain_rule *cur;
	int n = rt_chain_read(ops, h, table, hook, chain, &cur), err = 0;

	for (int i = 0; i < n && err == 0; i++)
		if (rt_rule_is_profile(&cur[i].rule, NULL))
			err = rules_add(list, ops, &cur[i]);
	free(cur);
	return n < 0 ? n : err;
}

static int read_table(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		      enum rt_table table, struct rawtune_rules *list)
{
	struct xtc_handle *h;
	int err = 0;

	if (!rt_table_exists(ops, table))
		return 0;
	h = ops->init(rt_table_name(table));
	if (!h)
		return rt_fail(ctx, -errno, "cannot read the %s %s table: %s", ops->name,
			       rt_table_name(table), ops->strerror(errno));
	for (int hook = 0; hook < RT_HOOK_COUNT && err == 0; hook++) {
		struct rt_chain_names subs;
		char chain[RT_CHAIN_MAX];

		if (!rt_table_has_hook(table, hook))
			continue;
		rt_hook_chain(hook, chain);
		err = read_chain(ops, h, table, hook, chain, list);
		/* the profiles' own chains, after the guards that lead to them */
		if (err == 0 && table == RT_TABLE_RAW)
			err = rt_layout_sub_chains(ops, h, hook, NULL, &subs);
		for (size_t i = 0; err == 0 && table == RT_TABLE_RAW && i < subs.n; i++)
			err = read_chain(ops, h, table, hook, subs.name[i], list);
		if (table == RT_TABLE_RAW)
			rt_chain_names_clear(&subs);
	}
	if (err == 0 && table == RT_TABLE_FILTER)
		err = read_twins(ops, h, list);
	ops->free(h);
	return err;
}

RAWTUNE_EXPORT int rawtune_rules_read(struct rawtune_ctx *ctx, struct rawtune_rules **out)
{
	struct rawtune_rules *list = calloc(1, sizeof(*list));
	int err = 0;

	rt_clear_error(ctx);
	if (!list)
		return -ENOMEM;
	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0; f++)
		for (int t = 0; t < RT_TABLE_COUNT && err == 0; t++)
			err = read_table(ctx, rt_families[f], t, list);
	if (err == 0)
		err = read_nft(ctx, list);
	if (err < 0) {
		rawtune_rules_free(list);
		return err;
	}
	*out = list;
	return 0;
}

RAWTUNE_EXPORT unsigned int rawtune_rules_count(const struct rawtune_rules *rules)
{
	return (unsigned int)rules->n;
}

RAWTUNE_EXPORT const char *rawtune_rules_get_profile(const struct rawtune_rules *rules,
						     unsigned int i)
{
	return i < rules->n ? rules->rule[i].profile : NULL;
}

RAWTUNE_EXPORT enum rawtune_backend rawtune_rules_get_backend(const struct rawtune_rules *rules,
							      unsigned int i)
{
	return i < rules->n ? rules->rule[i].backend : 0;
}

RAWTUNE_EXPORT enum rawtune_family rawtune_rules_get_family(const struct rawtune_rules *rules,
							    unsigned int i)
{
	return i < rules->n ? rules->rule[i].family : 0;
}

RAWTUNE_EXPORT const char *rawtune_rules_get_table(const struct rawtune_rules *rules,
						   unsigned int i)
{
	return i < rules->n ? rt_table_name(rules->rule[i].table) : NULL;
}

RAWTUNE_EXPORT const char *rawtune_rules_get_text(const struct rawtune_rules *rules,
						  unsigned int i)
{
	return i < rules->n ? rules->rule[i].text : NULL;
}

RAWTUNE_EXPORT uint64_t rawtune_rules_get_packets(const struct rawtune_rules *rules,
						  unsigned int i)
{
	return i < rules->n ? rules->rule[i].packets : 0;
}

RAWTUNE_EXPORT int rawtune_rules_get_saved(const struct rawtune_rules *rules, unsigned int i)
{
	return i < rules->n && rules->rule[i].saved;
}

RAWTUNE_EXPORT int rawtune_rules_get_count_only(const struct rawtune_rules *rules,
						unsigned int i)
{
	const struct rt_status_rule *s;

	if (i >= rules->n)
		return 0;
	s = &rules->rule[i];
	/* a guard's packets go on to the rules of the profile's own chain, counted there */
	return s->rule.verdict == RT_VERDICT_COUNT ||
	       (s->backend == RAWTUNE_BACKEND_LEGACY && rt_rule_is_guard(&s->rule));
}

RAWTUNE_EXPORT const char *rawtune_rules_get_ports(const struct rawtune_rules *rules,
						   unsigned int i)
{
	return i >= rules->n ? NULL : rules->rule[i].ports ? rules->rule[i].ports : "";
}

RAWTUNE_EXPORT unsigned int rawtune_rules_get_protocol(const struct rawtune_rules *rules,
						       unsigned int i)
{
	return i < rules->n ? rules->rule[i].protocol : 0;
}

RAWTUNE_EXPORT uint64_t rawtune_rules_get_bytes(const struct rawtune_rules *rules,
						unsigned int i)
{
	return i < rules->n ? rules->rule[i].bytes : 0;
}

/* ---- a profile as its rules apply it ------------------------------------------ */

/* Append "LO-HI," (or "LO,") to the growing list *@text. */
static int ports_append(char **text, size_t *len, const struct rt_port_range *range)
{
	char one[16];
	int n = range->lo == range->hi ? snprintf(one, sizeof(one), "%u,", range->lo)
				       : snprintf(one, sizeof(one), "%u-%u,", range->lo, range->hi);
	char *grown = realloc(*text, *len + (size_t)n + 1);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + *len, one, (size_t)n + 1);
	*text = grown;
	*len += (size_t)n;
	return 0;
}

/*
 * The inbound notrack rules (raw PREROUTING) say what the profile untracks:
 * their ports, protocols, direction (destination ports: a server) and whether
 * they reach beyond this host's addresses (forward).
 */
static int applied_from(struct rawtune_profile *p, const struct rt_status_rule *s,
			char **ports, size_t *len)
{
	const struct rt_rule *r = &s->rule;
	struct rt_ports all = status_ports(s);
	int err = 0;

	if (r->verdict != RT_VERDICT_NOTRACK || r->hook != RT_HOOK_PREROUTING || !r->proto)
		return 0;
	p->protocols |= r->proto == IPPROTO_TCP ? RAWTUNE_PROTO_TCP : RAWTUNE_PROTO_UDP;
	p->direction = r->dport ? RAWTUNE_DIRECTION_SERVER : RAWTUNE_DIRECTION_CLIENT;
	p->forward = p->forward || !r->dst_local;
	for (size_t i = 0; i < all.n && err == 0; i++)
		err = ports_append(ports, len, &all.range[i]);
	return err;
}

RAWTUNE_EXPORT int rawtune_rules_get_applied(struct rawtune_ctx *ctx,
					     const struct rawtune_rules *rules, const char *name,
					     struct rawtune_profile **out)
{
	enum rawtune_backend backend = RAWTUNE_BACKEND_AUTO;
	struct rawtune_profile *p;
	char *ports = NULL;
	size_t len = 0;
	int err = rawtune_profile_new(ctx, name, &p);

	if (err < 0)
		return err;
	p->protocols = 0;
	p->families = 0;
	for (size_t i = 0; i < rules->n && err == 0; i++) {
		if (strcmp(rules->rule[i].profile, name) != 0)
			continue;
		/* a profile left in both backends (after a switch): the first one's rules */
		if (!backend)
			backend = rules->rule[i].backend;
		if (rules->rule[i].backend != backend)
			continue;
		p->families |= rules->rule[i].family;
		err = applied_from(p, &rules->rule[i], &ports, &len);
	}
	if (err == 0 && !p->families)
		err = rt_fail(ctx, -ENOENT, "profile '%s' is not applied", name);
	if (err == 0 && ports) {
		ports[len - 1] = '\0'; /* the last comma */
		err = rawtune_profile_set_ports(p, ports);
	}
	free(ports);
	if (err < 0) {
		rawtune_profile_unref(p);
		return err;
	}
	*out = p;
	return 0;
}

RAWTUNE_EXPORT void rawtune_rules_free(struct rawtune_rules *rules)
{
	if (!rules)
		return;
	for (size_t i = 0; i < rules->n; i++) {
		free(rules->rule[i].text);
		free(rules->rule[i].ports);
		rt_ports_clear(&rules->rule[i].nft_ports);
	}
	free(rules->rule);
	free(rules);
}
