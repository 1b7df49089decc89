// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reading a chain back from a libiptc handle, decoded into rt_rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

const struct rt_family_ops *const rt_families[RT_FAMILY_COUNT] = { &rt_iptc4_ops, &rt_iptc6_ops };

bool rt_table_has_hook(enum rt_table table, enum rt_hook hook)
{
	if (table == RT_TABLE_RAW)
		return hook == RT_HOOK_PREROUTING || hook == RT_HOOK_OUTPUT;
	return hook != RT_HOOK_PREROUTING;
}

bool rt_table_exists(const struct rt_family_ops *ops, enum rt_table table)
{
	return rt_table_name_exists(ops, rt_table_name(table));
}

bool rt_table_name_exists(const struct rt_family_ops *ops, const char *table)
{
	FILE *f = fopen(ops->names_file, "re");
	char line[64];
	bool found = false;

	/* Without the file we cannot tell: assume it exists, at worst it is created. */
	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = strcmp(line, table) == 0;
	}
	fclose(f);
	return found;
}

/* Decode one entry as read from @hook's chain of @table. */
static void chain_decode(const struct rt_family_ops *ops, enum rt_table table,
			 enum rt_hook hook, const rt_entry *e, const char *target,
			 struct rt_rule *r)
{
	rt_rule_init(r);
	r->table = table;
	r->hook = hook;
	ops->decode(e, target, r);
}

int rt_chain_read(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_table table,
		  enum rt_hook hook, const char *chain, struct rt_chain_rule **out)
{
	struct rt_chain_rule *rules = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!ops->is_chain(h, chain))
		return 0;
	for (const rt_entry *e = ops->first_rule(h, chain); e; e = ops->next_rule(h, e)) {
		struct rt_chain_rule *r;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct rt_chain_rule *grown = realloc(rules, ncap * sizeof(*grown));

			if (!grown) {
				free(rules);
				return -ENOMEM;
			}
			rules = grown;
			cap = ncap;
		}
		r = &rules[n];
		r->pos = (unsigned int)n;
		r->entry = e;
		chain_decode(ops, table, hook, e, ops->target(h, e), &r->rule);
		/* a profile's own chain: its rules say where they live */
		if (table == RT_TABLE_RAW && rt_layout_is_sub_chain(chain, hook))
			snprintf(r->rule.chain, sizeof(r->rule.chain), "%s", chain);
		n++;
	}
	*out = rules;
	return (int)n;
}

static bool is_jump_entry(const struct rt_family_ops *ops, enum rt_table table,
			  enum rt_hook hook, const rt_entry *e, const char *target)
{
	struct rt_rule r;

	chain_decode(ops, table, hook, e, target, &r);
	return rt_rule_is_jump(&r);
}

static int jumps_put(struct rt_chain_jumps *j, unsigned int pos, size_t *cap)
{
	if (j->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		unsigned int *grown = realloc(j->pos, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		j->pos = grown;
		*cap = ncap;
	}
	j->pos[j->n++] = pos;
	return 0;
}

/*
 * Rules that jump to RAWTUNE-<hook>: none when the chain is missing; else
 * libiptc counts them, so the walk can stop at the last one.
 */
static int chain_refs(const struct rt_family_ops *ops, struct xtc_handle *h, const char *chain,
		      unsigned int *refs)
{
	*refs = 0;
	if (!ops->is_chain(h, chain))
		return 0;
	return ops->references(h, chain, refs);
}

int rt_chain_jumps(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_table table,
		   enum rt_hook hook, struct rt_chain_jumps *out)
{
	char chain[RT_CHAIN_MAX];
	unsigned int refs, pos = 0;
	size_t cap = 0;
	int err;

	*out = (struct rt_chain_jumps){ 0 };
	rt_hook_chain(hook, chain);
	err = chain_refs(ops, h, chain, &refs);
	if (err < 0 || !refs || !ops->is_chain(h, rt_hook_name(hook)))
		return err;
	/*
	 * Only a rule whose target is RAWTUNE-<hook> can be the jump: compare
	 * libiptc's target name, decode just those.
	 */
	for (const rt_entry *e = ops->first_rule(h, rt_hook_name(hook)); e && refs;
	     e = ops->next_rule(h, e), pos++) {
		const char *target = ops->target(h, e);

		if (strcmp(target, chain) != 0)
			continue;
		refs--;
		if (!is_jump_entry(ops, table, hook, e, target))
			continue;
		if (jumps_put(out, pos, &cap) < 0) {
			rt_chain_jumps_clear(out);
			return -ENOMEM;
		}
	}
	return 0;
}

unsigned int rt_chain_length(const struct rt_family_ops *ops, struct xtc_handle *h,
			     const char *chain)
{
	unsigned int n = 0;

	if (!ops->is_chain(h, chain))
		return 0;
	for (const rt_entry *e = ops->first_rule(h, chain); e; e = ops->next_rule(h, e))
		n++;
	return n;
}

void rt_chain_jumps_clear(struct rt_chain_jumps *j)
{
	free(j->pos);
	*j = (struct rt_chain_jumps){ 0 };
}

bool rt_rule_is_profile(const struct rt_rule *r, const char *profile)
{
	size_t len = strlen(RT_COMMENT_PREFIX);

	return strncmp(r->comment, RT_COMMENT_PREFIX, len) == 0 &&
	       (!profile || strcmp(r->comment + len, profile) == 0);
}

bool rt_rule_is_jump(const struct rt_rule *r)
{
	return r->verdict == RT_VERDICT_JUMP && !r->foreign && !r->proto && !r->nports &&
	       strcmp(r->comment, RT_JUMP_COMMENT) == 0;
}

bool rt_chain_is_filter_own(const char *chain)
{
	static const char *const hooks[] = { "INPUT", "FORWARD", "OUTPUT" };

	/* called for every rule's target: no formatting on this path */
	if (strncmp(chain, RT_CHAIN_PREFIX, strlen(RT_CHAIN_PREFIX)) != 0)
		return false;
	chain += strlen(RT_CHAIN_PREFIX);
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		if (strcmp(chain, hooks[i]) == 0)
			return true;
	return false;
}
