// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One table of one family: make a profile's rules there what the plan says,
 * with one libiptc handle (init, edit, commit) per attempt, and put them back
 * as they were when a later table fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

/* A commit refused with EAGAIN (the table changed under us) is tried again. */
#define RT_COMMIT_ATTEMPTS 5

struct rt_saved_rule {
	unsigned int pos;
	uint8_t *entry;
};

struct rt_chain_snapshot {
	enum rt_hook hook;
	char name[RT_CHAIN_MAX];
	bool existed;
	int jump_pos; /* rawtune's jump in the built-in chain, -1 when there was none */
	size_t n;
	struct rt_saved_rule *rule; /* the profile's rules, by position */
};

struct rt_snapshot {
	const struct rt_family_ops *ops;
	enum rt_table table;
	char profile[RAWTUNE_PROFILE_NAME_MAX + 1];
	bool any_profile; /* taken for every profile's rules at once */
	struct rt_chain_snapshot chain[RT_HOOK_COUNT];
	/* the profiles' own chains that existed (xt/layout.c) */
	size_t nown;
	struct rt_chain_snapshot *own;
};

struct rt_edit {
	struct rawtune_ctx *ctx;
	const struct rt_family_ops *ops;
	struct xtc_handle *h;
	enum rt_table table;
	const char *profile;
	/* a check only: rules in the old match order are the profile's as they stand */
	bool old_order_ok;
	bool changed;
	struct rt_counts counts;
};

static int edit_fail(struct rt_edit *ed, int err, const char *what, const char *chain)
{
	return rt_fail(ed->ctx, err, "cannot %s %s in the %s %s table: %s", what, chain,
		       ed->ops->name, rt_table_name(ed->table), ed->ops->strerror(-err));
}

static int insert_rule(struct rt_edit *ed, const char *chain, const struct rt_rule *r,
		       unsigned int pos)
{
	uint8_t buf[RT_ENTRY_MAX];
	int err;

	if (!ed->ops->build(r, buf, sizeof(buf)))
		return rt_fail(ed->ctx, -EINVAL, "internal error: a rule for %s does not fit",
			       chain);
	err = ed->ops->insert(ed->h, chain, buf, pos);
	if (err < 0)
		return edit_fail(ed, err, "add a rule to", chain);
	ed->changed = true;
	return 0;
}

static int delete_rule(struct rt_edit *ed, const char *chain, unsigned int pos)
{
	int err = ed->ops->delete_num(ed->h, chain, pos);

	if (err < 0)
		return edit_fail(ed, err, "delete a rule from", chain);
	ed->changed = true;
	return 0;
}

/*
 * After the chain's rules are settled: a chain with rules is reached by
 * exactly one jump, inserted at position 1 of its built-in chain and left
 * wherever it then stands (rawtune never moves the admin's rules, nor its own
 * above a rule the admin put first); an empty chain goes, with its jump,
 * unless a rule that rawtune did not make jumps to it.
 */
static int settle_jump(struct rt_edit *ed, enum rt_hook hook, const char *chain, size_t rules,
		       size_t ours)
{
	struct rt_chain_jumps jumps;
	struct rt_rule jump;
	int err;

	err = rt_chain_jumps(ed->ops, ed->h, ed->table, hook, &jumps);
	if (err < 0)
		return err;
	if (ours > 0 && jumps.n == 1)
		goto out;
	/*
	 * Only rules rawtune did not make: never add a jump to them. Keep ours
	 * where it is the only way to reach them; else it goes.
	 */
	if (ours == 0 && rules > 0) {
		unsigned int refs = 0;

		err = jumps.n ? ed->ops->references(ed->h, chain, &refs) : 0;
		if (err < 0 || !jumps.n || refs <= jumps.n) {
			if (jumps.n)
				rt_notice(ed->ctx, "kept %s (%s %s) and the jump to it: it holds %zu "
					  "rule(s) not made by rawtune", chain, ed->ops->name,
					  rt_table_name(ed->table), rules);
			goto out;
		}
	}
	for (size_t i = jumps.n; i-- > 0 && err == 0;)
		err = delete_rule(ed, rt_hook_name(hook), jumps.pos[i]);
	if (err < 0)
		goto out;
	if (ours > 0 && jumps.n > 0)
		rt_notice(ed->ctx, "replaced rawtune's jumps by one at position 1 of %s (%s %s)",
			  rt_hook_name(hook), ed->ops->name, rt_table_name(ed->table));
	if (ours > 0) {
		rt_rule_jump(&jump, ed->table, hook);
		err = insert_rule(ed, rt_hook_name(hook), &jump, 0);
	} else if (rules == 0 && ed->ops->is_chain(ed->h, chain)) {
		unsigned int refs = 0;

		err = ed->ops->references(ed->h, chain, &refs);
		if (err == 0 && refs == 0) {
			err = ed->ops->delete_chain(ed->h, chain);
			if (err < 0)
				err = edit_fail(ed, err, "delete the chain", chain);
			ed->changed = true;
		} else if (err == 0) {
			rt_notice(ed->ctx, "kept the empty chain %s (%s %s): %u rule(s) not made by "
				  "rawtune jump to it", chain, ed->ops->name,
				  rt_table_name(ed->table), refs);
		}
	}
out:
	rt_chain_jumps_clear(&jumps);
	return err;
}

/*
 * A rule in the kernel is the plan's when it matches the same packets and,
 * for an apply, holds its matches in today's order: an apply after an
 * upgrade writes the old order's rules again.
 */
static bool same_rule(const struct rt_edit *ed, const struct rt_rule *cur,
		      const struct rt_rule *want)
{
	return rt_rule_equal(cur, want) && (ed->old_order_ok || !cur->old_order);
}

/*
 * Where a chain's rules come from in the plan: @hook's, in RAWTUNE-<hook>
 * (@own "") or in a profile's own chain @own.
 */
struct rt_place {
	enum rt_hook hook;
	const char *own;
};

static bool in_place(const struct rt_rule *r, const struct rt_place *at)
{
	return r->hook == at->hook && strcmp(r->chain, at->own) == 0;
}

/* Pair the chain's rules of this profile with the plan's; the rest is to delete or add. */
static void match_rules(const struct rt_edit *ed, const struct rt_chain_rule *cur, int n,
			const struct rt_plan *plan, const struct rt_place *at, bool *keep,
			bool *have)
{
	for (int i = 0; i < n; i++)
		keep[i] = !rt_rule_is_profile(&cur[i].rule, ed->profile);
	for (size_t p = 0; p < plan->n; p++) {
		have[p] = false;
		if (!in_place(&plan->rule[p], at))
			continue;
		for (int i = 0; i < n && !have[p]; i++) {
			if (keep[i] || !same_rule(ed, &cur[i].rule, &plan->rule[p]))
				continue;
			keep[i] = have[p] = true;
		}
	}
}

/* Are the profile's rules in the chain exactly the plan's, in the plan's order? */
static bool in_plan_order(const struct rt_edit *ed, const struct rt_chain_rule *cur, int n,
			  const struct rt_plan *plan, const struct rt_place *at)
{
	size_t p = 0;

	for (int i = 0; i < n; i++) {
		if (!rt_rule_is_profile(&cur[i].rule, ed->profile))
			continue;
		while (p < plan->n && !in_place(&plan->rule[p], at))
			p++;
		if (p == plan->n || !same_rule(ed, &cur[i].rule, &plan->rule[p]))
			return false;
		p++;
	}
	while (p < plan->n && !in_place(&plan->rule[p], at))
		p++;
	return p == plan->n;
}

/*
 * After a union: would an exact pass still change this chain (old rules of
 * the profile to delete, or its rules out of the plan's order)? When no
 * chain would, the exact pass is skipped: it would read the whole table
 * again only to change nothing.
 */
static int note_stale(struct rt_edit *ed, const struct rt_place *at, const char *chain,
		      const struct rt_plan *plan)
{
	struct rt_chain_rule *cur;
	int n = rt_chain_read(ed->ops, ed->h, ed->table, at->hook, chain, &cur);

	if (n < 0)
		return n;
	if (!in_plan_order(ed, cur, n, plan, at))
		ed->counts.stale++;
	free(cur);
	return 0;
}

/*
 * Counts say what changed (rules added, rules gone); the edit may do more:
 * when only the order differs from the plan's, the profile's rules are all
 * written again in order. One commit replaces the table, so packets never
 * see the chain half done.
 */
static int sync_chain(struct rt_edit *ed, const struct rt_place *at, const struct rt_plan *plan,
		      enum rt_sync_mode mode)
{
	struct rt_chain_rule *cur;
	char chain[RT_CHAIN_MAX];
	bool *keep = NULL, *have = NULL;
	size_t rules, ours = 0; /* rules in the chain after the edit, and rawtune's among them */
	int n, err = -ENOMEM;

	if (at->own[0])
		snprintf(chain, sizeof(chain), "%s", at->own);
	else
		rt_hook_chain(at->hook, chain);
	n = rt_chain_read(ed->ops, ed->h, ed->table, at->hook, chain, &cur);
	if (n < 0)
		return n;
	keep = calloc((size_t)n + 1, sizeof(*keep));
	have = calloc(plan->n + 1, sizeof(*have));
	if (!keep || !have)
		goto out;
	match_rules(ed, cur, n, plan, at, keep, have);
	for (int i = 0; i < n; i++)
		ed->counts.removed += mode == RT_SYNC_EXACT && !keep[i];
	for (size_t p = 0; p < plan->n; p++)
		ed->counts.added += in_place(&plan->rule[p], at) && !have[p];
	if (mode == RT_SYNC_UNION) {
		for (int i = 0; i < n; i++)
			keep[i] = true;
	} else if (!in_plan_order(ed, cur, n, plan, at)) {
		for (int i = 0; i < n; i++)
			keep[i] = !rt_rule_is_profile(&cur[i].rule, ed->profile);
		for (size_t p = 0; p < plan->n; p++)
			have[p] = false;
	}

	err = 0;
	rules = (size_t)n;
	for (int i = n - 1; i >= 0 && err == 0; i--) {
		if (keep[i])
			continue;
		err = delete_rule(ed, chain, cur[i].pos);
		rules--;
	}
	for (size_t p = 0; p < plan->n && err == 0; p++) {
		if (!in_place(&plan->rule[p], at) || have[p])
			continue;
		if (!ed->ops->is_chain(ed->h, chain)) {
			err = ed->ops->create_chain(ed->h, chain);
			if (err < 0) {
				err = edit_fail(ed, err, "create the chain", chain);
				break;
			}
		}
		err = insert_rule(ed, chain, &plan->rule[p], (unsigned int)rules++);
		ours++;
	}
	for (int i = 0; i < n; i++)
		ours += keep[i] && rt_rule_is_profile(&cur[i].rule, NULL);
	/* a profile's own chain is reached by its guards, settled with RAWTUNE-<hook> */
	if (err == 0 && !at->own[0])
		err = settle_jump(ed, at->hook, chain, rules, ours);
	if (err == 0 && mode == RT_SYNC_UNION)
		err = note_stale(ed, at, chain, plan);
out:
	free(cur);
	free(keep);
	free(have);
	return err;
}

/*
 * The profile's own chains for @hook that the edit looks at: the one its
 * name gives (whether it exists or not), or for every profile the ones
 * that exist. None outside raw.
 */
static int own_chains(const struct rt_edit *ed, enum rt_hook hook, struct rt_chain_names *out)
{
	char chain[RT_CHAIN_MAX];

	*out = (struct rt_chain_names){ 0 };
	if (ed->table != RT_TABLE_RAW)
		return 0;
	if (!ed->profile)
		return rt_layout_sub_chains(ed->ops, ed->h, hook, NULL, out);
	if (!rt_layout_chain(hook, ed->profile, chain))
		return 0;
	out->name = malloc(sizeof(*out->name));
	if (!out->name)
		return -ENOMEM;
	memcpy(out->name[0], chain, sizeof(chain));
	out->n = 1;
	return 0;
}

/* An own chain left empty and unreferenced (its guards are gone) goes. */
static int drop_own_chain(struct rt_edit *ed, const char *chain)
{
	unsigned int refs = 0;
	int err;

	if (!ed->ops->is_chain(ed->h, chain) || rt_chain_length(ed->ops, ed->h, chain) > 0)
		return 0;
	err = ed->ops->references(ed->h, chain, &refs);
	if (err < 0 || refs > 0)
		return err < 0 ? edit_fail(ed, err, "count the references to", chain) : 0;
	err = ed->ops->delete_chain(ed->h, chain);
	if (err < 0)
		return edit_fail(ed, err, "delete the chain", chain);
	ed->changed = true;
	return 0;
}

/*
 * The profile's own chains first, so that the guards in RAWTUNE-<hook> find
 * them; those left empty go last, once no guard jumps to them.
 */
static int edit_table(struct rt_edit *ed, const struct rt_plan *plan, enum rt_sync_mode mode)
{
	struct rt_chain_names own[RT_HOOK_COUNT] = { 0 };
	int err = 0;

	for (int hook = 0; hook < RT_HOOK_COUNT && err == 0; hook++) {
		if (!rt_table_has_hook(ed->table, hook))
			continue;
		err = own_chains(ed, hook, &own[hook]);
		for (size_t i = 0; i < own[hook].n && err == 0; i++) {
			struct rt_place at = { hook, own[hook].name[i] };

			err = sync_chain(ed, &at, plan, mode);
		}
	}
	for (int hook = 0; hook < RT_HOOK_COUNT && err == 0; hook++) {
		struct rt_place at = { hook, "" };

		if (rt_table_has_hook(ed->table, hook))
			err = sync_chain(ed, &at, plan, mode);
	}
	for (int hook = 0; hook < RT_HOOK_COUNT; hook++) {
		for (size_t i = 0; i < own[hook].n && err == 0; i++)
			err = drop_own_chain(ed, own[hook].name[i]);
		rt_chain_names_clear(&own[hook]);
	}
	return err;
}

/* ---- snapshots ------------------------------------------------------------- */

static void chain_snapshot_clear(struct rt_chain_snapshot *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->rule[i].entry);
	free(cs->rule);
}

void rt_snapshot_free(struct rt_snapshot *snap)
{
	if (!snap)
		return;
	for (int hook = 0; hook < RT_HOOK_COUNT; hook++)
		chain_snapshot_clear(&snap->chain[hook]);
	for (size_t i = 0; i < snap->nown; i++)
		chain_snapshot_clear(&snap->own[i]);
	free(snap->own);
	free(snap);
}

/* The profile's rules in @chain, by position. */
static int snapshot_rules(const struct rt_edit *ed, enum rt_hook hook, const char *chain,
			  struct rt_chain_snapshot *cs)
{
	struct rt_chain_rule *cur;
	int n;

	cs->hook = hook;
	snprintf(cs->name, sizeof(cs->name), "%s", chain);
	cs->existed = ed->ops->is_chain(ed->h, chain);
	n = rt_chain_read(ed->ops, ed->h, ed->table, hook, chain, &cur);
	if (n < 0)
		return n;
	cs->rule = calloc((size_t)n + 1, sizeof(*cs->rule));
	for (int i = 0; cs->rule && i < n; i++) {
		size_t size = ed->ops->size(cur[i].entry);
		struct rt_saved_rule *s;

		if (!rt_rule_is_profile(&cur[i].rule, ed->profile))
			continue;
		s = &cs->rule[cs->n];
		s->pos = cur[i].pos;
		s->entry = malloc(size);
		if (!s->entry) {
			free(cur);
			return -ENOMEM;
		}
		memcpy(s->entry, cur[i].entry, size);
		ed->ops->rename_target(s->entry, ed->ops->target(ed->h, cur[i].entry));
		cs->n++;
	}
	free(cur);
	return cs->rule ? 0 : -ENOMEM;
}

static int snapshot_chain(const struct rt_edit *ed, enum rt_hook hook,
			  struct rt_chain_snapshot *cs)
{
	struct rt_chain_jumps jumps;
	char chain[RT_CHAIN_MAX];
	int err;

	rt_hook_chain(hook, chain);
	err = rt_chain_jumps(ed->ops, ed->h, ed->table, hook, &jumps);
	if (err < 0)
		return err;
	cs->jump_pos = jumps.n ? (int)jumps.pos[0] : -1;
	rt_chain_jumps_clear(&jumps);
	return snapshot_rules(ed, hook, chain, cs);
}

/* The profile's own chains that exist (every profile's with none named). */
static int snapshot_own(const struct rt_edit *ed, enum rt_hook hook, struct rt_snapshot *snap)
{
	struct rt_chain_names names;
	struct rt_chain_snapshot *grown;
	int err = rt_layout_sub_chains(ed->ops, ed->h, hook, ed->profile, &names);

	if (err < 0 || names.n == 0)
		return err;
	grown = realloc(snap->own, (snap->nown + names.n) * sizeof(*grown));
	if (!grown) {
		rt_chain_names_clear(&names);
		return -ENOMEM;
	}
	snap->own = grown;
	for (size_t i = 0; i < names.n && err == 0; i++) {
		snap->own[snap->nown] = (struct rt_chain_snapshot){ .jump_pos = -1 };
		err = snapshot_rules(ed, hook, names.name[i], &snap->own[snap->nown++]);
	}
	rt_chain_names_clear(&names);
	return err;
}

static int snapshot_take(const struct rt_edit *ed, struct rt_snapshot **out)
{
	struct rt_snapshot *snap = calloc(1, sizeof(*snap));
	int err = 0;

	if (!snap)
		return -ENOMEM;
	snap->ops = ed->ops;
	snap->table = ed->table;
	snap->any_profile = !ed->profile;
	if (ed->profile)
		strncpy(snap->profile, ed->profile, sizeof(snap->profile) - 1);
	for (int hook = 0; hook < RT_HOOK_COUNT && err == 0; hook++) {
		if (!rt_table_has_hook(ed->table, hook))
			continue;
		err = snapshot_chain(ed, hook, &snap->chain[hook]);
		if (err == 0 && ed->table == RT_TABLE_RAW)
			err = snapshot_own(ed, hook, snap);
	}
	if (err < 0) {
		rt_snapshot_free(snap);
		return err;
	}
	*out = snap;
	return 0;
}

/*
 * The profile's rules of one chain back at their old places; returns how
 * many rules the chain holds then, or a negative errno.
 */
static int restore_rules(struct rt_edit *ed, const char *chain, const struct rt_chain_snapshot *cs)
{
	struct rt_chain_rule *cur = NULL;
	int n, err = 0;

	n = rt_chain_read(ed->ops, ed->h, ed->table, cs->hook, chain, &cur);
	if (n < 0)
		return n;
	for (int i = n - 1; i >= 0 && err == 0; i--)
		if (rt_rule_is_profile(&cur[i].rule, ed->profile)) {
			err = delete_rule(ed, chain, cur[i].pos);
			n--;
		}
	free(cur);
	if (err == 0 && cs->existed && !ed->ops->is_chain(ed->h, chain)) {
		err = ed->ops->create_chain(ed->h, chain);
		if (err < 0)
			err = edit_fail(ed, err, "create the chain", chain);
		ed->changed = true;
	}
	for (size_t i = 0; i < cs->n && err == 0; i++) {
		unsigned int pos = cs->rule[i].pos < (unsigned int)n ? cs->rule[i].pos : (unsigned int)n;

		err = ed->ops->insert(ed->h, chain, cs->rule[i].entry, pos);
		if (err < 0)
			err = edit_fail(ed, err, "put back a rule in", chain);
		ed->changed = true;
		n++;
	}
	return err < 0 ? err : n;
}

/* Put one chain back: the profile's rules at their old places, the jump as it was. */
static int restore_chain(struct rt_edit *ed, enum rt_hook hook,
			 const struct rt_chain_snapshot *cs)
{
	struct rt_chain_jumps jumps;
	char chain[RT_CHAIN_MAX];
	struct rt_rule jump;
	unsigned int at;
	int n, err = 0;

	rt_hook_chain(hook, chain);
	n = restore_rules(ed, chain, cs);
	if (n < 0)
		return n;

	err = rt_chain_jumps(ed->ops, ed->h, ed->table, hook, &jumps);
	if (err < 0)
		return err;
	for (size_t i = jumps.n; i-- > 0 && err == 0;)
		err = delete_rule(ed, rt_hook_name(hook), jumps.pos[i]);
	rt_chain_jumps_clear(&jumps);
	if (err == 0 && cs->jump_pos >= 0) {
		/* the built-in chain may be shorter now: counting it is rarely needed */
		at = (unsigned int)cs->jump_pos;
		if (at > 0) {
			unsigned int len = rt_chain_length(ed->ops, ed->h, rt_hook_name(hook));

			at = at < len ? at : len;
		}
		rt_rule_jump(&jump, ed->table, hook);
		err = insert_rule(ed, rt_hook_name(hook), &jump, at);
	}
	if (err == 0 && !cs->existed && n == 0 && ed->ops->is_chain(ed->h, chain)) {
		err = ed->ops->delete_chain(ed->h, chain);
		if (err < 0)
			err = edit_fail(ed, err, "delete the chain", chain);
	}
	return err;
}

static const struct rt_chain_snapshot *snapshot_own_find(const struct rt_snapshot *snap,
							 const char *chain)
{
	for (size_t i = 0; i < snap->nown; i++)
		if (strcmp(snap->own[i].name, chain) == 0)
			return &snap->own[i];
	return NULL;
}

/*
 * The own chains first (the guards put back jump to them), then
 * RAWTUNE-<hook>; own chains that the failed edit made lose its rules, and
 * go once nothing jumps to them.
 */
static int restore_table(struct rt_edit *ed, const struct rt_snapshot *snap)
{
	struct rt_chain_names made[RT_HOOK_COUNT] = { 0 };
	int err = 0;

	for (size_t i = 0; i < snap->nown && err == 0; i++) {
		int n = restore_rules(ed, snap->own[i].name, &snap->own[i]);

		err = n < 0 ? n : 0;
	}
	for (int hook = 0; hook < RT_HOOK_COUNT && err == 0; hook++) {
		struct rt_chain_snapshot none = { .hook = hook, .jump_pos = -1 };

		if (!rt_table_has_hook(ed->table, hook))
			continue;
		err = ed->table == RT_TABLE_RAW
			      ? rt_layout_sub_chains(ed->ops, ed->h, hook, ed->profile, &made[hook])
			      : 0;
		for (size_t i = 0; i < made[hook].n && err == 0; i++) {
			int n = snapshot_own_find(snap, made[hook].name[i])
					? 0
					: restore_rules(ed, made[hook].name[i], &none);

			err = n < 0 ? n : 0;
		}
	}
	for (int hook = 0; hook < RT_HOOK_COUNT && err == 0; hook++)
		if (rt_table_has_hook(ed->table, hook))
			err = restore_chain(ed, hook, &snap->chain[hook]);
	for (int hook = 0; hook < RT_HOOK_COUNT; hook++) {
		for (size_t i = 0; i < made[hook].n && err == 0; i++)
			if (!snapshot_own_find(snap, made[hook].name[i]))
				err = drop_own_chain(ed, made[hook].name[i]);
		rt_chain_names_clear(&made[hook]);
	}
	return err;
}

/* ---- one table, with retries ------------------------------------------------ */

static int open_table(struct rt_edit *ed)
{
	ed->h = ed->ops->init(rt_table_name(ed->table));
	if (!ed->h) {
		int err = errno ? errno : EIO;

		return rt_fail(ed->ctx, -err, "cannot read the %s %s table: %s", ed->ops->name,
			       rt_table_name(ed->table), ed->ops->strerror(err));
	}
	ed->changed = false;
	ed->counts = (struct rt_counts){ 0 };
	return 0;
}

static void close_table(struct rt_edit *ed)
{
	if (ed->h)
		ed->ops->free(ed->h);
	ed->h = NULL;
}

/*
 * Commit the edited table. libiptc may report a failure after the new table
 * went live: when the kernel already holds what we wanted, that is success.
 */
static int commit_table(struct rt_edit *ed, const struct rt_plan *plan, enum rt_sync_mode mode)
{
	int err = ed->ops->commit(ed->h);
	struct rt_edit check = *ed;
	bool in_place = false;

	close_table(ed);
	if (err == 0 || err == -EAGAIN)
		return err;
	check.h = NULL;
	if (open_table(&check) == 0) {
		in_place = edit_table(&check, plan, mode) == 0 && !check.changed;
		close_table(&check);
	}
	if (in_place) {
		rt_dbg(ed->ctx, "commit reported an error but the table is in place");
		return 0;
	}
	return rt_fail(ed->ctx, err, "cannot commit the %s %s table: %s", ed->ops->name,
		       rt_table_name(ed->table), ed->ops->strerror(-err));
}

int rt_sync_table(struct rawtune_ctx *ctx, const struct rt_family_ops *ops, enum rt_table table,
		  const char *profile, const struct rt_plan *plan, enum rt_sync_mode mode,
		  struct rt_counts *counts, struct rt_snapshot **snap)
{
	struct rt_edit ed = { .ctx = ctx, .ops = ops, .table = table, .profile = profile };
	int err = 0;

	/* Nothing to add and no table: nothing to remove either, and reading would create it. */
	if (plan->n == 0 && !rt_table_exists(ops, table))
		return 0;
	for (int attempt = 1; attempt <= RT_COMMIT_ATTEMPTS; attempt++) {
		err = open_table(&ed);
		if (err < 0)
			return err;
		if (snap) {
			rt_snapshot_free(*snap);
			*snap = NULL;
			err = snapshot_take(&ed, snap);
		}
		if (err == 0)
			err = edit_table(&ed, plan, mode);
		if (err < 0 || !ed.changed) {
			close_table(&ed);
			counts->stale += ed.counts.stale;
			if (snap) {
				/* unchanged: nothing to put back */
				rt_snapshot_free(*snap);
				*snap = NULL;
			}
			return err;
		}
		err = commit_table(&ed, plan, mode);
		if (err == 0) {
			counts->added += ed.counts.added;
			counts->removed += ed.counts.removed;
			counts->stale += ed.counts.stale;
			rt_dbg(ctx, "committed the %s %s table: %u added, %u removed", ops->name,
			       rt_table_name(table), ed.counts.added, ed.counts.removed);
			return 0;
		}
		if (err != -EAGAIN)
			return err;
		rt_dbg(ctx, "the %s %s table changed under us (attempt %d), reading it again",
		       ops->name, rt_table_name(table), attempt);
	}
	return rt_fail(ctx, -EAGAIN, "the %s %s table kept changing while rawtune committed it "
		       "(%d attempts): another program writes it without the xtables lock",
		       ops->name, rt_table_name(table), RT_COMMIT_ATTEMPTS);
}

int rt_sync_restore(struct rawtune_ctx *ctx, const struct rt_snapshot *snap)
{
	struct rt_edit ed = { .ctx = ctx, .ops = snap->ops, .table = snap->table,
			      .profile = snap->any_profile ? NULL : snap->profile };
	int err = 0;

	for (int attempt = 1; attempt <= RT_COMMIT_ATTEMPTS; attempt++) {
		err = open_table(&ed);
		if (err < 0)
			return err;
		err = restore_table(&ed, snap);
		if (err < 0 || !ed.changed) {
			close_table(&ed);
			return err;
		}
		err = ed.ops->commit(ed.h);
		close_table(&ed);
		if (err != -EAGAIN)
			break;
	}
	if (err < 0)
		return rt_fail(ctx, err, "cannot put back the %s %s table: %s", snap->ops->name,
			       rt_table_name(snap->table), snap->ops->strerror(-err));
	return 0;
}

int rt_sync_check(struct rawtune_ctx *ctx, const struct rt_family_ops *ops, enum rt_table table,
		  const char *profile, const struct rt_plan *plan)
{
	struct rt_edit ed = { .ctx = ctx, .ops = ops, .table = table, .profile = profile,
			      .old_order_ok = true };
	int err;

	if (plan->n == 0 && !rt_table_exists(ops, table))
		return 0;
	err = open_table(&ed);
	if (err == 0)
		err = edit_table(&ed, plan, RT_SYNC_EXACT);
	close_table(&ed);
	return err < 0 ? err : ed.changed;
}
