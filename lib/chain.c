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
	FILE *f = fopen(ops->names_file, "re");
	char line[64];
	bool found = false;

	/* Without the file we cannot tell: assume it exists, at worst it is created. */
	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = strcmp(line, rt_table_name(table)) == 0;
	}
	fclose(f);
	return found;
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
		rt_rule_init(&r->rule);
		r->rule.table = table;
		r->rule.hook = hook;
		ops->decode(e, ops->target(h, e), &r->rule);
		n++;
	}
	*out = rules;
	return (int)n;
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
