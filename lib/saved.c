// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Entries saved: per applied profile, the conntrack entries its rules kept
 * out of the table, the sum of the packet counters of the rules that
 * rawtune_rules_get_saved() marks, and since when they count (applied.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "rawtune-private.h"

struct rt_saved_profile {
	char name[RAWTUNE_PROFILE_NAME_MAX + 1];
	uint64_t entries;
	int64_t applied;
};

struct rawtune_saved {
	size_t n;
	struct rt_saved_profile *profile;
};

static struct rt_saved_profile *find(struct rawtune_saved *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->profile[i].name, name) == 0)
			return &s->profile[i];
	return NULL;
}

/* Profiles in the order of their first rule, as status lists them. */
static int sum(struct rawtune_saved *s, const struct rawtune_rules *rules)
{
	unsigned int n = rawtune_rules_count(rules);

	s->profile = calloc(n ? n : 1, sizeof(*s->profile));
	if (!s->profile)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		const char *name = rawtune_rules_get_profile(rules, i);
		struct rt_saved_profile *p = find(s, name);

		/* rules tagged with a longer, foreign name are not a profile's */
		if (strlen(name) > RAWTUNE_PROFILE_NAME_MAX)
			continue;
		if (!p) {
			p = &s->profile[s->n++];
			strcpy(p->name, name);
		}
		if (rawtune_rules_get_saved(rules, i))
			p->entries += rawtune_rules_get_packets(rules, i);
	}
	return 0;
}

RAWTUNE_EXPORT int rawtune_saved_read(struct rawtune_ctx *ctx, struct rawtune_saved **out)
{
	struct rawtune_saved *s = calloc(1, sizeof(*s));
	struct rawtune_rules *rules;
	int err;

	if (!s)
		return -ENOMEM;
	err = rawtune_rules_read(ctx, &rules);
	if (err < 0) {
		free(s);
		return err;
	}
	err = sum(s, rules);
	rawtune_rules_free(rules);
	if (err < 0) {
		rawtune_saved_free(s);
		return err;
	}
	for (size_t i = 0; i < s->n; i++)
		s->profile[i].applied = rt_applied_read(ctx, s->profile[i].name);
	*out = s;
	return 0;
}

RAWTUNE_EXPORT unsigned int rawtune_saved_count(const struct rawtune_saved *saved)
{
	return (unsigned int)saved->n;
}

RAWTUNE_EXPORT const char *rawtune_saved_get_profile(const struct rawtune_saved *saved,
						     unsigned int i)
{
	return i < saved->n ? saved->profile[i].name : NULL;
}

RAWTUNE_EXPORT uint64_t rawtune_saved_get_entries(const struct rawtune_saved *saved,
						  unsigned int i)
{
	return i < saved->n ? saved->profile[i].entries : 0;
}

RAWTUNE_EXPORT int64_t rawtune_saved_get_applied(const struct rawtune_saved *saved,
						 unsigned int i)
{
	return i < saved->n ? saved->profile[i].applied : -1;
}

RAWTUNE_EXPORT void rawtune_saved_free(struct rawtune_saved *saved)
{
	if (!saved)
		return;
	free(saved->profile);
	free(saved);
}
