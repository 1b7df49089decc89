// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Apply and remove: up to four tables (raw and filter, IPv4 and IPv6) under
 * one xtables lock, committed in an order that keeps traffic flowing, and
 * undone together when one of them fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applied.h"
#include "xt/kernel-support.h"
#include "nft/guard.h"
#include "nft/nft.h"
#include "rawtune-private.h"
#include "xt/verdict.h"

struct rt_step {
	size_t family; /* index in rt_families[] */
	enum rt_table table;
	enum rt_sync_mode mode;
};

/*
 * Apply: the twins in filter first (twins.c, before these steps), then raw
 * exactly; last, the accepts of rawtune 0.1's RAWTUNE chains in filter go
 * (the plan has none there). No packet is untracked before its twin exists.
 */
static const struct rt_step apply_steps[] = {
	{ 0, RT_TABLE_RAW, RT_SYNC_EXACT },
	{ 1, RT_TABLE_RAW, RT_SYNC_EXACT },
	{ 0, RT_TABLE_FILTER, RT_SYNC_EXACT },
	{ 1, RT_TABLE_FILTER, RT_SYNC_EXACT },
};

/* Remove: raw first, so nothing is untracked once its twins are gone (after these steps). */
static const struct rt_step remove_steps[] = {
	{ 0, RT_TABLE_RAW, RT_SYNC_EXACT },
	{ 1, RT_TABLE_RAW, RT_SYNC_EXACT },
	{ 0, RT_TABLE_FILTER, RT_SYNC_EXACT },
	{ 1, RT_TABLE_FILTER, RT_SYNC_EXACT },
};

struct rt_transaction {
	struct rawtune_ctx *ctx;
	const char *profile;
	const struct rawtune_profile *applied; /* apply: plan it once the firewall is read */
	const struct rawtune_profile *guarded; /* apply: look at NAT first, under the lock */
	struct rt_twins_snapshot *twins[RT_FAMILY_COUNT];
	bool stale_twins[RT_FAMILY_COUNT]; /* apply's first pass kept twins no rule needs */
	bool legacy[RT_FAMILY_COUNT]; /* apply: rawtune 0.1's filter chains to clean away */
	unsigned int untracked; /* apply: the families its plan untracks anything in */
	struct rt_plan plan[RT_FAMILY_COUNT][RT_TABLE_COUNT];
	struct rt_snapshot *snap[RT_FAMILY_COUNT][RT_TABLE_COUNT];
	/* the union pass left the table as the exact pass would: skip that */
	bool exact[RT_FAMILY_COUNT][RT_TABLE_COUNT];
	struct rt_counts counts;
	unsigned int raw_added;
};

static void undo_twins(struct rt_transaction *tx)
{
	for (size_t f = RT_FAMILY_COUNT; f-- > 0;) {
		if (!tx->twins[f])
			continue;
		if (rt_twins_restore(tx->ctx, tx->twins[f]) < 0)
			rt_log(tx->ctx, LOG_ERR, __FILE__, __LINE__, __func__,
			       "could not undo the change: %s", rawtune_last_error(tx->ctx));
		else
			rt_notice(tx->ctx, "undid the change to the %s filter table",
				  rt_families[f]->name);
		rt_twins_snapshot_free(tx->twins[f]);
		tx->twins[f] = NULL;
	}
}

/* Undo the twins, keeping the error that made it necessary. */
static void undo_twins_keep_error(struct rt_transaction *tx)
{
	char reason[512];

	snprintf(reason, sizeof(reason), "%s", rawtune_last_error(tx->ctx));
	undo_twins(tx);
	rt_fail(tx->ctx, 0, "%s", reason);
}

/* Undo the tables already committed, newest first; keep the original error. */
static void roll_back(struct rt_transaction *tx, const struct rt_step *steps, size_t failed)
{
	char reason[512];

	snprintf(reason, sizeof(reason), "%s", rawtune_last_error(tx->ctx));
	for (size_t i = failed; i-- > 0;) {
		struct rt_snapshot **snap = &tx->snap[steps[i].family][steps[i].table];

		if (!*snap)
			continue;
		/* Always said: the firewall is left half changed. */
		if (rt_sync_restore(tx->ctx, *snap) < 0)
			rt_log(tx->ctx, LOG_ERR, __FILE__, __LINE__, __func__,
			       "could not undo the change: %s", rawtune_last_error(tx->ctx));
		/* a filter table whose twins are put back too is said once, with them */
		else if (steps[i].table != RT_TABLE_FILTER || !tx->twins[steps[i].family])
			rt_notice(tx->ctx, "undid the change to the %s %s table",
				  rt_families[steps[i].family]->name, rt_table_name(steps[i].table));
		rt_snapshot_free(*snap);
		*snap = NULL;
	}
	undo_twins(tx);
	rt_fail(tx->ctx, 0, "%s", reason);
}

static int run_step(struct rt_transaction *tx, const struct rt_step *s)
{
	struct rt_snapshot **snap = &tx->snap[s->family][s->table];
	bool *exact = &tx->exact[s->family][s->table];
	struct rt_counts counts = { 0 };
	bool first = !*snap;
	int err;

	if (s->mode == RT_SYNC_EXACT && *exact)
		return 0;
	/* apply read the filter table already: without 0.1's chains, nothing to clean */
	if (tx->applied && s->table == RT_TABLE_FILTER && !tx->legacy[s->family])
		return 0;
	/* The first commit of a table is the one to undo to. */
	err = rt_sync_table(tx->ctx, rt_families[s->family], s->table, tx->profile,
			    &tx->plan[s->family][s->table], s->mode, &counts, first ? snap : NULL);
	/* a table whose commit failed was not changed: nothing to undo there */
	if (err < 0 && first) {
		rt_snapshot_free(*snap);
		*snap = NULL;
	}
	if (err < 0)
		return err;
	*exact = s->mode == RT_SYNC_UNION && counts.stale == 0;
	tx->counts.added += counts.added;
	tx->counts.removed += counts.removed;
	if (s->table == RT_TABLE_RAW)
		tx->raw_added += counts.added;
	return 0;
}

/*
 * Apply: the twins each family's firewall needs, added beside the old ones
 * (ports that are still untracked keep theirs until raw changes), then the
 * raw plan, which depends on what the firewall allows (a local client's
 * path). A family the plan untracks nothing in (the profile leaves it out,
 * or its peers or addresses are all of the other family) gets no twins and
 * an empty plan.
 */
static int twins_and_plans(struct rt_transaction *tx)
{
	const struct rawtune_profile *p = tx->applied;
	bool force = !rt_nat_guard_enabled(tx->ctx);
	int err = 0;

	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0; f++) {
		const struct rt_family_ops *ops = rt_families[f];
		bool used = tx->untracked & ops->family;
		struct rt_plan_env env = rt_plan_env_default;
		struct rt_counts counts = { 0 };

		err = rt_twins_sync(tx->ctx, ops, used ? p : NULL, p->name, force, true, &counts,
				    &env, &tx->twins[f]);
		tx->counts.added += counts.added;
		tx->counts.removed += counts.removed;
		tx->stale_twins[f] = counts.stale || !used;
		tx->legacy[f] = counts.legacy > 0 || !rt_table_exists(ops, RT_TABLE_FILTER);
		env.ephemeral = rt_ephemeral_range();
		if (err == 0 && used) {
			err = rt_plan_table_env(p, RT_TABLE_RAW, &env, &tx->plan[f][RT_TABLE_RAW]);
			rt_plan_keep_family(&tx->plan[f][RT_TABLE_RAW], ops->family);
			if (err == 0)
				err = rt_layout_apply(p, &tx->plan[f][RT_TABLE_RAW]);
		}
	}
	return err;
}

/*
 * Last, once raw is as planned: the twins become exactly what the firewall
 * needs now (apply: the old ones that no port needs go; remove: all go).
 */
static int twins_settle(struct rt_transaction *tx)
{
	const struct rawtune_profile *p = tx->applied;
	bool force = !rt_nat_guard_enabled(tx->ctx);
	int err = 0;

	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0; f++) {
		bool used = p && tx->untracked & rt_families[f]->family;
		struct rt_plan_env env;
		struct rt_counts counts = { 0 };

		/* apply: a family whose first pass left nothing stale reads no table again */
		if (p && !tx->stale_twins[f])
			continue;
		/* the first commit of the table is the state to undo to */
		err = rt_twins_sync(tx->ctx, rt_families[f], used ? p : NULL, tx->profile, force,
				    false, &counts, &env, tx->twins[f] ? NULL : &tx->twins[f]);
		tx->counts.removed += counts.removed;
		tx->counts.added += counts.added;
	}
	return err;
}

static int run(struct rt_transaction *tx, const struct rt_step *steps, size_t nsteps)
{
	uint32_t judged = 0; /* the nf_tables generation the guard judged */
	int lock, err = 0;
	size_t i;

	lock = rt_lock_take(tx->ctx);
	if (lock < 0)
		return lock;
	for (size_t f = 0; f < RT_FAMILY_COUNT && tx->guarded && err == 0; f++)
		if (tx->untracked & rt_families[f]->family)
			err = rt_nat_guard(tx->ctx, tx->guarded, rt_families[f]);
	if (err == 0 && tx->applied)
		err = rt_nft_guard(tx->ctx, tx->applied, &judged, true);
	if (err == 0 && tx->applied) {
		err = twins_and_plans(tx);
		if (err < 0)
			undo_twins_keep_error(tx);
	}
	if (err < 0) {
		rt_lock_release(lock);
		return err;
	}
	for (i = 0; i < nsteps && err == 0; i++)
		err = run_step(tx, &steps[i]);
	if (err < 0)
		roll_back(tx, steps, i - 1);
	/* a failure here undoes all: raw as it was, and the twins */
	if (err == 0) {
		err = twins_settle(tx);
		/*
		 * nf_tables changed while the legacy tables were written (no
		 * lock keeps its writers out): judged again, as it is now; a
		 * firewall that would drop the untracked packets undoes all.
		 */
		if (err == 0 && judged && rt_nft_gen_moved(judged)) {
			rt_dbg(tx->ctx, "nf_tables changed after the guard judged it: again");
			err = rt_nft_guard(tx->ctx, tx->applied, NULL, false);
		}
		if (err < 0)
			roll_back(tx, steps, nsteps);
	}
	rt_lock_release(lock);
	return err;
}

/* Did every raw rule of the plan (the counters) start now? */
static bool raw_all_new(const struct rt_transaction *tx)
{
	size_t planned = 0;

	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		planned += tx->plan[f][RT_TABLE_RAW].n;
	return planned > 0 && tx->raw_added == planned;
}

static void tx_clear(struct rt_transaction *tx)
{
	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		for (int t = 0; t < RT_TABLE_COUNT; t++) {
			rt_plan_clear(&tx->plan[f][t]);
			rt_snapshot_free(tx->snap[f][t]);
		}
	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		rt_twins_snapshot_free(tx->twins[f]);
}

/* ---- what an apply did ---------------------------------------------------------- */

struct rawtune_apply_report {
	unsigned int added, removed;
	unsigned int families; /* with rules now */
	enum rawtune_backend backend;
};

/* The families whose raw plan, the one just committed, holds a rule. */
static unsigned int planned_families(const struct rt_transaction *tx)
{
	unsigned int families = 0;

	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		if (tx->plan[f][RT_TABLE_RAW].n)
			families |= rt_families[f]->family;
	return families;
}

static void report_legacy(const struct rt_transaction *tx, struct rawtune_apply_report *r)
{
	r->backend = RAWTUNE_BACKEND_LEGACY;
	r->added = tx->counts.added;
	r->removed = tx->counts.removed;
	r->families = planned_families(tx);
}

/* ---- the nf_tables backend ------------------------------------------------------ */

/*
 * The families an nf_tables plan has rules in: a rule without a family is
 * in both of the profile's (table inet); one with an address, in its own.
 */
static unsigned int nft_plan_families(const struct rt_nft_plan *plan, unsigned int families)
{
	unsigned int ruled = 0;

	for (size_t i = 0; i < plan->n; i++)
		ruled |= plan->rule[i].r.family ? plan->rule[i].r.family : RAWTUNE_FAMILY_BOTH;
	return ruled & families;
}

/*
 * Before judging again, a pause of 1, 2, 4 ... 64 ms: a process that has
 * just slept gets the CPU at once and is seldom preempted in the few
 * milliseconds from its reading to its batch, which on a busy machine a
 * writer that commits all the time would otherwise fill each time.
 */
static void nft_pause(int tries)
{
	struct timespec pause = { 0, (1L << (tries < 6 ? tries : 6)) * 1000000L };

	nanosleep(&pause, NULL);
}

static int nft_apply(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
		     struct rawtune_apply_report *r)
{
	struct rt_nft_plan plan = { 0 };
	struct rt_counts counts = { 0 };
	int err = -ERESTART;

	/* a firewall changed after the guard judged it is judged again */
	for (int tries = 0; err == -ERESTART; tries++) {
		rt_nft_plan_clear(&plan);
		if (tries == RT_NFT_TRIES) {
			err = rt_nft_kept_changing(ctx);
			break;
		}
		err = rt_nft_profile_plan(ctx, p, &plan, tries == 0);
		if (err == 0)
			err = rt_nft_sync(ctx, p->name, &plan, &counts);
		if (err == -ERESTART) {
			rt_dbg(ctx, "nf_tables changed after the guard judged it: again");
			nft_pause(tries);
		}
	}
	if (err == 0) {
		r->backend = RAWTUNE_BACKEND_NFT;
		r->added = counts.added;
		r->removed = counts.removed;
		r->families = nft_plan_families(&plan, p->families);
		/* as raw_all_new(): a rule kept keeps its counter, and its start */
		rt_applied_record(ctx, p, plan.n > 0 && counts.added == plan.n);
		rt_applied_keep(ctx, p);
	}
	rt_nft_plan_clear(&plan);
	return err;
}

/* Which backend a call works on; a negative errno for a bad boot file. */
static int backend_of(struct rawtune_ctx *ctx)
{
	const char *why;
	int backend = rt_backend_choose(ctx, &why);

	if (backend > 0)
		rt_info(ctx, "backend %s: %s", rawtune_backend_name(backend), why);
	return backend;
}

/*
 * Remove takes the rules from wherever they are, unless the caller named a
 * backend: the nf_tables table when it exists, the legacy tables when they
 * are loaded. Reading never creates a table in either.
 */
static int nft_remove(struct rawtune_ctx *ctx, const char *name, unsigned int *removed)
{
	struct rt_nft_plan empty = { 0 };
	struct rt_counts counts = { 0 };
	int err = rt_nft_sync(ctx, name, &empty, &counts);

	if (err == 0 && removed)
		*removed += counts.removed;
	return err;
}

static bool legacy_present(void)
{
	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		if (rt_legacy_loaded(rt_families[f]) &&
		    (rt_table_exists(rt_families[f], RT_TABLE_RAW) ||
		     rt_table_exists(rt_families[f], RT_TABLE_FILTER)))
			return true;
	return false;
}

/* What apply refuses before it looks at the kernel. */
static int apply_check(const struct rawtune_profile *profile)
{
	if (profile->ports.n == 0)
		return rt_fail(profile->ctx, -EINVAL, "profile %s has no ports", profile->name);
	if ((profile->direction == RAWTUNE_DIRECTION_CLIENT || profile->forward) &&
	    !profile->peers.n)
		return rt_fail(profile->ctx, -EINVAL, "a %s profile needs 'peers =' (the "
			       "addresses of the far ends): without them any host could send as "
			       "a reply", profile->forward ? "forward" : "client");
	return 0;
}

static int legacy_apply(const struct rawtune_profile *profile, struct rawtune_apply_report *r)
{
	struct rawtune_ctx *ctx = profile->ctx;
	struct rt_transaction tx = { .ctx = ctx, .profile = profile->name, .applied = profile };
	int err = 0;

	if (rt_nat_guard_enabled(ctx))
		tx.guarded = profile;
	err = rt_plan_families(profile, &tx.untracked);
	/* Name what the kernel lacks before changing anything. */
	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0; f++)
		if (tx.untracked & rt_families[f]->family)
			err = rt_kernel_check(ctx, rt_families[f]);
	if (err == 0)
		err = run(&tx, apply_steps, ARRAY_SIZE(apply_steps));
	if (err == 0) {
		report_legacy(&tx, r);
		rt_applied_record(ctx, profile, raw_all_new(&tx));
		rt_applied_keep(ctx, profile);
	}
	tx_clear(&tx);
	return err;
}

RAWTUNE_EXPORT int rawtune_profile_apply(const struct rawtune_profile *profile,
					 struct rawtune_apply_report **report)
{
	struct rawtune_ctx *ctx = profile->ctx;
	struct rawtune_apply_report done = { 0 }, *r = NULL;
	int err;

	rt_clear_error(ctx);
	err = apply_check(profile);
	/* the report is made first: once rules are committed, nothing may fail */
	if (err == 0 && report) {
		r = calloc(1, sizeof(*r));
		if (!r)
			err = rt_fail(ctx, -ENOMEM, "out of memory");
	}
	if (err == 0)
		err = backend_of(ctx);
	if (err >= 0)
		err = err == RAWTUNE_BACKEND_NFT ? nft_apply(ctx, profile, &done)
						 : legacy_apply(profile, &done);
	if (err < 0) {
		free(r);
		return err;
	}
	if (report) {
		*r = done;
		*report = r;
	}
	return 0;
}

RAWTUNE_EXPORT unsigned int
rawtune_apply_report_get_added(const struct rawtune_apply_report *report)
{
	return report->added;
}

RAWTUNE_EXPORT unsigned int
rawtune_apply_report_get_removed(const struct rawtune_apply_report *report)
{
	return report->removed;
}

RAWTUNE_EXPORT unsigned int
rawtune_apply_report_get_families(const struct rawtune_apply_report *report)
{
	return report->families;
}

RAWTUNE_EXPORT enum rawtune_backend
rawtune_apply_report_get_backend(const struct rawtune_apply_report *report)
{
	return report->backend;
}

RAWTUNE_EXPORT void rawtune_apply_report_free(struct rawtune_apply_report *report)
{
	free(report);
}

/* Remove @name (every profile with NULL) from the backends that hold rules. */
static int remove_from(struct rawtune_ctx *ctx, const char *name, unsigned int *removed)
{
	struct rt_transaction tx = { .ctx = ctx, .profile = name };
	enum rawtune_backend only = rt_backend_set(ctx);
	int err = 0;

	if (removed)
		*removed = 0;
	if (only == RAWTUNE_BACKEND_AUTO) {
		err = rt_boot_config_backend(ctx);
		/* a bad boot file must not keep rules from going */
		only = err > 0 ? (enum rawtune_backend)err : RAWTUNE_BACKEND_AUTO;
		if (err < 0)
			rt_clear_error(ctx);
		err = 0;
	}
	if (only != RAWTUNE_BACKEND_LEGACY)
		err = nft_remove(ctx, name, removed);
	if (err == 0 && only != RAWTUNE_BACKEND_NFT &&
	    (only == RAWTUNE_BACKEND_LEGACY || legacy_present())) {
		err = run(&tx, remove_steps, ARRAY_SIZE(remove_steps));
		if (err == 0 && removed)
			*removed += tx.counts.removed;
	}
	tx_clear(&tx);
	return err;
}

RAWTUNE_EXPORT int rawtune_remove_all(struct rawtune_ctx *ctx, unsigned int *removed)
{
	struct rt_transaction tx = { .ctx = ctx, .profile = NULL };
	int err;

	rt_clear_error(ctx);
	err = remove_from(ctx, NULL, removed);
	if (err == 0)
		rt_applied_forget(ctx, tx.profile);
	tx_clear(&tx);
	return err;
}

RAWTUNE_EXPORT int rawtune_profile_remove(struct rawtune_ctx *ctx, const char *name,
					  unsigned int *removed)
{
	struct rt_transaction tx = { .ctx = ctx, .profile = name };
	int err;

	rt_clear_error(ctx);
	err = rt_profile_name_check(ctx, name);
	if (err < 0)
		return err;
	err = remove_from(ctx, name, removed);
	if (err == 0)
		rt_applied_forget(ctx, tx.profile);
	tx_clear(&tx);
	return err;
}
