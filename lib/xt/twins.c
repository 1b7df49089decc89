// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Twins in the filter table of one family: the profile's old twins out, the
 * ones the firewall needs now (verdict.c) in, directly before their
 * originals, in one handle and one commit. Nothing is committed when the
 * result is what was there, so a re-apply never moves a rule.
 */
#include "xt/verdict.h"

#include <errno.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_TWIN_ATTEMPTS 5

/* A rule of rawtune's outside its own chains, where it stands. */
struct rt_placed {
	char chain[32];
	unsigned int pos;
	size_t size;
	uint8_t *entry; /* as libiptc inserts it: targets named */
};

struct rt_placed_list {
	size_t n, cap;
	struct rt_placed *rule;
};

struct rt_twins_tx {
	struct rawtune_ctx *ctx;
	const struct rt_family_ops *ops;
	struct xtc_handle *h, *mangle;
	char name[RAWTUNE_PROFILE_NAME_MAX + 1];
	bool any; /* every profile's twins */
	struct rt_placed_list before, after;
	struct rt_judgement judgement;
	bool keep_old; /* the twins there stay: only the missing ones are added */
};

static void placed_clear(struct rt_placed_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->rule[i].entry);
	free(l->rule);
	memset(l, 0, sizeof(*l));
}

/* Is @e a twin of profile NAME (of any profile's with @any)? */
static bool is_twin(const struct rt_twins_tx *tx, const rt_entry *e)
{
	struct rt_entry_view v;

	tx->ops->view(e, &v);
	return rt_is_twin(v.matches, v.matches_size, tx->any ? NULL : tx->name);
}


/* A copy that compares equal whatever the counters, and that libiptc takes back. */
static int placed_add_named(struct rt_twins_tx *tx, struct rt_placed_list *l, const char *chain,
			    unsigned int pos, const rt_entry *e, const char *target)
{
	size_t size = tx->ops->size(e);
	struct rt_entry_view v;
	struct rt_placed *p;
	uint8_t *copy;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct rt_placed *grown = realloc(l->rule, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->rule = grown;
		l->cap = ncap;
	}
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	tx->ops->view(e, &v);
	tx->ops->assemble(e, 0, v.matches, v.matches_size, v.target, v.target_size, copy, size);
	tx->ops->rename_target(copy, target);
	tx->ops->view(copy, &v);
	rt_ext_scrub((uint8_t *)v.matches, v.matches_size + v.target_size);
	if (v.target_size == XT_ALIGN(sizeof(struct xt_entry_target)) + XT_ALIGN(sizeof(int)))
		memset(copy + size - XT_ALIGN(sizeof(int)), 0, XT_ALIGN(sizeof(int)));
	p = &l->rule[l->n++];
	snprintf(p->chain, sizeof(p->chain), "%s", chain);
	p->pos = pos;
	p->size = size;
	p->entry = copy;
	return 0;
}

/* An entry of the handle: libiptc names its target. */
static int placed_add(struct rt_twins_tx *tx, struct rt_placed_list *l, const char *chain,
		      unsigned int pos, const rt_entry *e)
{
	return placed_add_named(tx, l, chain, pos, e, tx->ops->target(tx->h, e));
}

/* Every twin of the profile in the table, where it stands; with @drop, delete them. */
static int placed_read(struct rt_twins_tx *tx, struct rt_placed_list *l, bool drop)
{
	int err = 0;

	for (const char *c = tx->ops->first_chain(tx->h); c && err == 0;
	     c = tx->ops->next_chain(tx->h)) {
		unsigned int pos = 0;

		if (rt_chain_is_filter_own(c))
			continue;
		for (const rt_entry *e = tx->ops->first_rule(tx->h, c); e && err == 0;
		     e = tx->ops->next_rule(tx->h, e), pos++)
			if (is_twin(tx, e))
				err = placed_add(tx, l, c, pos, e);
	}
	/* deleting moves what follows: from the last one back */
	for (size_t i = l->n; drop && i-- > 0 && err == 0;)
		err = tx->ops->delete_num(tx->h, l->rule[i].chain, l->rule[i].pos);
	return err;
}

static bool placed_equal(const struct rt_placed_list *a, const struct rt_placed_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->rule[i].chain, b->rule[i].chain) != 0 || a->rule[i].pos != b->rule[i].pos ||
		    a->rule[i].size != b->rule[i].size ||
		    memcmp(a->rule[i].entry, b->rule[i].entry, a->rule[i].size) != 0)
			return false;
	return true;
}

/* How many of @a have no equal rule in @b. */
static unsigned int placed_missing(const struct rt_placed_list *a, const struct rt_placed_list *b)
{
	unsigned int n = 0;

	for (size_t i = 0; i < a->n; i++) {
		bool found = false;

		for (size_t k = 0; k < b->n && !found; k++)
			found = strcmp(a->rule[i].chain, b->rule[k].chain) == 0 &&
				a->rule[i].size == b->rule[k].size &&
				memcmp(a->rule[i].entry, b->rule[k].entry, a->rule[i].size) == 0;
		n += !found;
	}
	return n;
}

/* With keep_old: the same twin stands already (the "before" copies are as the kernel has them). */
static bool already_there(const struct rt_twins_tx *tx, const struct rt_twin *t)
{
	struct rt_twins_tx probe = *tx;
	struct rt_placed_list one = { 0 };
	struct rt_entry_view v;
	bool found = false;

	/* compare as placed_add() normalises: scrubbed names, named targets */
	tx->ops->view(t->entry, &v);
	if (placed_add_named(&probe, &one, t->chain, 0, t->entry,
			     ((const struct xt_entry_target *)v.target)->u.user.name) == 0)
		for (size_t i = 0; i < tx->before.n && !found; i++)
			found = strcmp(tx->before.rule[i].chain, t->chain) == 0 &&
				tx->before.rule[i].size == one.rule[0].size &&
				memcmp(tx->before.rule[i].entry, one.rule[0].entry, t->size) == 0;
	placed_clear(&one);
	return found;
}

/* The profile named by a twin's first match, "" for another rule. */
static void twin_name(const struct rt_twins_tx *tx, const rt_entry *e, char *name, size_t len)
{
	struct rt_entry_view v;
	const struct xt_entry_match *m;

	name[0] = '\0';
	tx->ops->view(e, &v);
	if (!rt_is_twin(v.matches, v.matches_size, NULL))
		return;
	m = (const void *)v.matches;
	snprintf(name, len, "%s",
		 ((const struct xt_comment_info *)m->data)->comment + strlen(RT_COMMENT_PREFIX));
}

/*
 * Where a twin goes: before its original, and among other profiles' twins
 * there in the order of their names, so that applying one profile again
 * never moves it past another's.
 */
static unsigned int place(const struct rt_twins_tx *tx, const struct rt_twin *t)
{
	char name[RT_COMMENT_MAX];
	unsigned int pos = t->pos, i = 0;
	const rt_entry *e, *above[64];
	size_t n = 0;

	for (e = tx->ops->first_rule(tx->h, t->chain); e && i < t->pos;
	     e = tx->ops->next_rule(tx->h, e), i++)
		above[n++ % 64] = e;
	for (; pos > 0 && n > 0 && t->pos - pos < 64; pos--) {
		twin_name(tx, above[--n % 64], name, sizeof(name));
		if (!name[0] || strcmp(name, tx->name) < 0)
			break;
	}
	return pos;
}

/* With keep_old: does a twin stand that the judgement did not ask for? */
static bool stale_twins(struct rt_twins_tx *tx)
{
	struct rt_placed_list want = { 0 };
	bool stale = true;
	size_t i;

	for (i = 0; i < tx->judgement.n; i++) {
		const struct rt_twin *t = &tx->judgement.twin[i];
		struct rt_entry_view v;

		tx->ops->view(t->entry, &v);
		if (placed_add_named(tx, &want, t->chain, 0, t->entry,
				     ((const struct xt_entry_target *)v.target)->u.user.name) < 0)
			break;
	}
	if (i == tx->judgement.n)
		stale = placed_missing(&tx->before, &want) > 0;
	placed_clear(&want);
	return stale;
}

/* By chain and position, and in the judgement's order where they are the same. */
static int twin_order(const void *a, const void *b)
{
	const struct rt_twin *x = *(const struct rt_twin *const *)a, *y = *(const struct rt_twin *const *)b;
	int c = strcmp(x->chain, y->chain);

	if (c)
		return c;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Twins are planned against positions without any of the profile's: insert
 * from the last position back, so that each lands before its original.
 */
static int insert_twins(struct rt_twins_tx *tx)
{
	struct rt_judgement *jd = &tx->judgement;
	struct rt_twin **order = calloc(jd->n + 1, sizeof(*order));
	int err = 0;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < jd->n; i++)
		order[i] = &jd->twin[i];
	qsort(order, jd->n, sizeof(*order), twin_order);
	for (size_t i = jd->n; i-- > 0 && err == 0;) {
		if (tx->keep_old && already_there(tx, order[i]))
			continue;
		err = tx->ops->insert(tx->h, order[i]->chain, order[i]->entry,
				      place(tx, order[i]));
		if (err < 0)
			err = rt_fail(tx->ctx, err, "cannot add a twin to %s in the %s filter table: %s",
				      order[i]->chain, tx->ops->name, tx->ops->strerror(-err));
	}
	free(order);
	return err;
}

/* rawtune 0.1's chains in this filter table: only then has sync.c work there. */
static unsigned int legacy_chains(const struct rt_twins_tx *tx)
{
	static const char *const chains[] = { "RAWTUNE-INPUT", "RAWTUNE-OUTPUT", "RAWTUNE-FORWARD" };
	unsigned int n = 0;

	for (size_t i = 0; tx->h && i < ARRAY_SIZE(chains); i++)
		n += tx->ops->is_chain(tx->h, chains[i]);
	return n;
}

static void tx_close(struct rt_twins_tx *tx)
{
	if (tx->h)
		tx->ops->free(tx->h);
	if (tx->mangle)
		tx->ops->free(tx->mangle);
	tx->h = tx->mangle = NULL;
	placed_clear(&tx->after);
	rt_judgement_clear(&tx->judgement);
}

static int tx_open(struct rt_twins_tx *tx)
{
	tx->h = tx->ops->init("filter");
	if (!tx->h)
		return rt_fail(tx->ctx, -errno, "cannot read the %s filter table: %s", tx->ops->name,
			       tx->ops->strerror(errno));
	if (rt_table_name_exists(tx->ops, "mangle")) {
		tx->mangle = tx->ops->init("mangle");
		if (!tx->mangle)
			return rt_fail(tx->ctx, -errno, "cannot read the %s mangle table: %s",
				       tx->ops->name, tx->ops->strerror(errno));
	}
	return 0;
}

/*
 * Edit the handle: old twins out, new ones in. Returns 0 with *@changed
 * telling whether the table now differs from what it was.
 */
static int tx_edit(struct rt_twins_tx *tx, const struct rawtune_profile *profile, bool force,
		   bool keep_old, bool *changed)
{
	int err;

	tx->keep_old = keep_old;
	placed_clear(&tx->before);
	err = placed_read(tx, &tx->before, !keep_old);
	if (err == 0 && profile)
		err = rt_verdict_judge(tx->ctx, tx->ops, tx->h, tx->mangle, profile, force,
				       &tx->judgement);
	else if (err < 0)
		err = rt_fail(tx->ctx, err, "cannot edit the %s filter table: %s", tx->ops->name,
			      tx->ops->strerror(-err));
	if (err == 0)
		err = insert_twins(tx);
	if (err == 0)
		err = placed_read(tx, &tx->after, false);
	*changed = !placed_equal(&tx->before, &tx->after);
	return err;
}

struct rt_twins_snapshot {
	const struct rt_family_ops *ops;
	char name[RAWTUNE_PROFILE_NAME_MAX + 1];
	bool any;
	struct rt_placed_list before;
};

void rt_twins_snapshot_free(struct rt_twins_snapshot *snap)
{
	if (!snap)
		return;
	placed_clear(&snap->before);
	free(snap);
}

/* Keep what was there before a commit, to put it back if a later table fails. */
static void keep_before(struct rt_twins_tx *tx, struct rt_twins_snapshot **snap)
{
	if (!snap)
		return;
	*snap = calloc(1, sizeof(**snap));
	if (!*snap)
		return;
	(*snap)->ops = tx->ops;
	(*snap)->any = tx->any;
	memcpy((*snap)->name, tx->name, sizeof(tx->name));
	(*snap)->before = tx->before;
	memset(&tx->before, 0, sizeof(tx->before));
}

int rt_twins_restore(struct rawtune_ctx *ctx, const struct rt_twins_snapshot *snap)
{
	struct rt_twins_tx tx = { .ctx = ctx, .ops = snap->ops, .any = snap->any };
	struct rt_placed_list gone = { 0 };
	int err;

	memcpy(tx.name, snap->name, sizeof(tx.name));
	tx.h = tx.ops->init("filter");
	if (!tx.h)
		return rt_fail(ctx, -errno, "cannot read the %s filter table: %s", tx.ops->name,
			       tx.ops->strerror(errno));
	err = placed_read(&tx, &gone, true);
	/* ascending: each lands where it stood, the ones before it being back already */
	for (size_t i = 0; i < snap->before.n && err == 0; i++)
		err = tx.ops->insert(tx.h, snap->before.rule[i].chain, snap->before.rule[i].entry,
				     snap->before.rule[i].pos);
	if (err == 0)
		err = tx.ops->commit(tx.h);
	if (err < 0)
		rt_fail(ctx, err, "cannot put back the twins in the %s filter table: %s",
			tx.ops->name, tx.ops->strerror(-err));
	placed_clear(&gone);
	tx_close(&tx);
	return err;
}

/*
 * The profile to judge in this family: NULL where its plan untracks nothing
 * (peers or addresses all of the other family, or a family it leaves out),
 * which needs no twin: an accept of UNTRACKED packets that nothing of the
 * profile makes untracked there.
 */
static int judged_profile(const struct rt_family_ops *ops, const struct rawtune_profile **profile)
{
	unsigned int families;
	int err;

	if (!*profile)
		return 0;
	err = rt_plan_families(*profile, &families);
	if (err < 0)
		return rt_fail((*profile)->ctx, err, "out of memory");
	if (!(families & ops->family))
		*profile = NULL;
	return 0;
}

int rt_twins_sync(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		  const struct rawtune_profile *profile, const char *name, bool force,
		  bool keep_old, struct rt_counts *counts, struct rt_plan_env *env,
		  struct rt_twins_snapshot **snap)
{
	struct rt_twins_tx tx = { .ctx = ctx, .ops = ops, .any = !name && !profile };
	bool changed = false;
	int err = 0;

	snprintf(tx.name, sizeof(tx.name), "%s", profile ? profile->name : name ? name : "");
	env->loopback = true;
	if (snap)
		*snap = NULL;
	/* No filter table: no firewall to twin, and reading it would create one. */
	if (!rt_table_exists(ops, RT_TABLE_FILTER))
		return 0;
	err = judged_profile(ops, &profile);
	if (err < 0)
		return err;
	for (int attempt = 1; attempt <= RT_TWIN_ATTEMPTS; attempt++) {
		err = tx_open(&tx);
		if (err == 0)
			err = tx_edit(&tx, profile, force, keep_old, &changed);
		env->loopback = tx.judgement.loopback || !profile;
		counts->legacy = legacy_chains(&tx);
		/* old twins kept that no rule needs now: the settle pass has work */
		if (err == 0 && keep_old)
			counts->stale += stale_twins(&tx);
		if (err == 0 && tx.judgement.forced)
			rt_log(ctx, LOG_WARNING, __FILE__, __LINE__, __func__,
			       "--force: applied although %s; this may open or break traffic",
			       tx.judgement.refusal);
		if (err < 0 || !changed)
			break;
		counts->added += placed_missing(&tx.after, &tx.before);
		counts->removed += placed_missing(&tx.before, &tx.after);
		err = ops->commit(tx.h);
		if (err == 0)
			keep_before(&tx, snap);
		if (err == 0 || err != -EAGAIN)
			break;
		tx_close(&tx);
		rt_dbg(ctx, "the %s filter table changed under us (attempt %d), reading it again",
		       ops->name, attempt);
	}
	if (err == -EAGAIN)
		rt_fail(ctx, err, "the %s filter table kept changing while rawtune committed it "
			"(%d attempts): another program writes it without the xtables lock",
			ops->name, RT_TWIN_ATTEMPTS);
	if (err < 0 && !rawtune_last_error(ctx)[0])
		rt_fail(ctx, err, "cannot commit the %s filter table: %s", ops->name,
			ops->strerror(-err));
	tx_close(&tx);
	placed_clear(&tx.before);
	return err;
}

/*
 * The twins the firewall needs now, planned in a handle that is never
 * committed (status, dry runs). A family without a filter table needs none,
 * nor one the profile untracks nothing in: twins there are drift.
 * Returns 0 with *@changed, or a negative errno; tx_close() and the
 * placed lists are the caller's to clear.
 */
static int tx_plan(struct rt_twins_tx *tx, const struct rawtune_profile *profile, bool force,
		   struct rt_plan_env *env, bool *changed)
{
	int err;

	snprintf(tx->name, sizeof(tx->name), "%s", profile->name);
	env->loopback = true;
	*changed = false;
	if (!rt_table_exists(tx->ops, RT_TABLE_FILTER))
		return 0;
	err = judged_profile(tx->ops, &profile);
	if (err == 0)
		err = tx_open(tx);
	if (err == 0)
		err = tx_edit(tx, profile, force, false, changed);
	env->loopback = tx->judgement.loopback;
	return err;
}

int rt_twins_check(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		   const struct rawtune_profile *profile, struct rt_plan_env *env, char *why,
		   size_t len)
{
	struct rt_twins_tx tx = { .ctx = ctx, .ops = ops };
	bool changed;
	int err = tx_plan(&tx, profile, false, env, &changed);

	if (err == 0 && changed)
		snprintf(why, len, "%s: the %s filter table holds %u twin(s) the firewall no longer "
			 "needs and lacks %u it needs", profile->name, ops->name,
			 placed_missing(&tx.before, &tx.after), placed_missing(&tx.after, &tx.before));
	tx_close(&tx);
	placed_clear(&tx.before);
	return err < 0 ? err : changed;
}

/* "-I CHAIN N RULE" for each twin apply would leave, as iptables-restore reads it. */
static int render_after(const struct rt_twins_tx *tx, FILE *f)
{
	for (size_t i = 0; i < tx->after.n; i++) {
		const struct rt_placed *p = &tx->after.rule[i];
		struct rt_entry_view v;
		char *line;
		int len;

		tx->ops->view(p->entry, &v);
		len = rt_entry_render(tx->ops, p->entry, p->chain,
				      ((const struct xt_entry_target *)v.target)->u.user.name, NULL, 0);
		line = malloc((size_t)len + 1);
		if (!line)
			return -ENOMEM;
		rt_entry_render(tx->ops, p->entry, p->chain,
				((const struct xt_entry_target *)v.target)->u.user.name, line,
				(size_t)len + 1);
		/* "-A CHAIN ..." as "-I CHAIN N ...": where apply puts it */
		fprintf(f, "-I %s %u%s\n", p->chain, p->pos + 1, line + 3 + strlen(p->chain));
		free(line);
	}
	return 0;
}

int rt_twins_render(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		    const struct rawtune_profile *profile, bool force, FILE *f,
		    struct rt_plan_env *env)
{
	struct rt_twins_tx tx = { .ctx = ctx, .ops = ops };
	bool changed;
	int err = tx_plan(&tx, profile, force, env, &changed);

	if (err == 0 && tx.after.n) {
		fputs("*filter\n", f);
		err = render_after(&tx, f);
		fputs("COMMIT\n", f);
	}
	tx_close(&tx);
	placed_clear(&tx.before);
	return err;
}
