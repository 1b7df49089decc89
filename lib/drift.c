// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Drift: an applied profile planned again, against the firewall as it is
 * now, and compared with the kernel. A firewall's own reload (ufw reload,
 * iptables-restore of a saved file) replaces the filter table and takes the
 * twins with it while the notrack rules stay: the profile's traffic is then
 * dropped. Nothing here writes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "applied.h"
#include "nft/nft.h"
#include "rawtune-private.h"
#include "xt/verdict.h"

/* The backend that holds a rule of the profile, 0 for none. */
static int in_kernel(struct rawtune_ctx *ctx, const char *name)
{
	struct rawtune_rules *rules;
	int found = 0, err = rawtune_rules_read(ctx, &rules);

	if (err < 0)
		return err;
	for (unsigned int i = 0; i < rawtune_rules_count(rules) && !found; i++)
		if (strcmp(rawtune_rules_get_profile(rules, i), name) == 0)
			found = (int)rawtune_rules_get_backend(rules, i);
	rawtune_rules_free(rules);
	return found;
}

/*
 * The profile as applied; one applied before such records were kept is
 * looked up by name. -ENOENT when the kernel holds none of its rules.
 */
/*
 * @backend: the one that holds its rules, or 0 when none does and only
 * the record of its apply is left (a reload flushed its rules).
 */
static int applied_profile(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **p,
			   int *backend)
{
	int err = in_kernel(ctx, name);

	if (err < 0)
		return err;
	*backend = err;
	if (err == 0)
		return rt_applied_load(ctx, name, p);
	err = rt_applied_load(ctx, name, p);
	if (err == -ENOENT)
		err = rawtune_profile_load(ctx, name, p);
	return err;
}

/* The nf_tables backend: the guards would still let it apply, and the table holds the plan. */
static int check_nft(struct rawtune_ctx *ctx, const struct rawtune_profile *p, char *why,
		     size_t len)
{
	struct rt_nft_plan plan;
	int err = rt_nft_profile_plan(ctx, p, &plan, false);

	if (err == -EPERM || err == -EBUSY || err == -EINVAL) {
		snprintf(why, len, "the firewall changed: apply would refuse now: %s",
			 rawtune_last_error(ctx));
		return 1;
	}
	if (err == 0)
		err = rt_nft_check(ctx, p->name, &plan);
	if (err == 1)
		snprintf(why, len, "%s: its rules in the nf_tables table inet " RT_NFT_TABLE
			 " differ from the plan for this firewall (missing, or changed)", p->name);
	rt_nft_plan_clear(&plan);
	return err;
}

/*
 * One family: the twins its firewall needs (none where the plan untracks
 * nothing: a twin there is drift too), and the raw rules of the plan.
 */
static int check_family(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
			const struct rawtune_profile *p, char *why, size_t len)
{
	struct rt_plan_env env = rt_plan_env_default;
	struct rt_plan plan = { 0 };
	int err = rt_twins_check(ctx, ops, p, &env, why, len);

	/* the firewall changed so that apply would refuse now: drift too */
	if (err == -EPERM || err == -EINVAL) {
		snprintf(why, len, "the firewall changed: apply would refuse now: %s",
			 rawtune_last_error(ctx));
		return 1;
	}
	if (err != 0)
		return err;
	env.ephemeral = rt_ephemeral_range();
	err = rt_plan_table_env(p, RT_TABLE_RAW, &env, &plan);
	rt_plan_keep_family(&plan, ops->family);
	if (err == 0)
		err = rt_layout_apply(p, &plan);
	if (err == 0)
		err = rt_sync_check(ctx, ops, RT_TABLE_RAW, p->name, &plan);
	if (err == 1)
		snprintf(why, len, "%s: its %s raw rules differ from the plan for this firewall "
			 "(rules or the jump to them missing, or changed)", p->name, ops->name);
	rt_plan_clear(&plan);
	return err;
}

RAWTUNE_EXPORT int rawtune_profile_check(struct rawtune_ctx *ctx, const char *name)
{
	struct rawtune_profile *p = NULL;
	char why[512] = "";
	int err, backend = 0;

	rt_clear_error(ctx);
	err = rt_profile_name_check(ctx, name);
	if (err == 0)
		err = applied_profile(ctx, name, &p, &backend);
	if (err == -ENOENT)
		return rt_fail(ctx, -ENOENT, "%s: not applied", name);
	if (err == 0 && backend == 0) {
		snprintf(why, sizeof(why), "%s: its rules are gone from the kernel, the record "
			 "of its apply is left (a firewall reload that flushed the ruleset?)", name);
		err = 1;
	}
	if (err == 0 && backend == RAWTUNE_BACKEND_NFT)
		err = check_nft(ctx, p, why, sizeof(why));
	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0 && backend == RAWTUNE_BACKEND_LEGACY; f++)
		err = check_family(ctx, rt_families[f], p, why, sizeof(why));
	rawtune_profile_unref(p);
	if (err == 1)
		rt_fail(ctx, 0, "%s", why);
	return err;
}

RAWTUNE_EXPORT int rawtune_profile_repair(struct rawtune_ctx *ctx, const char *name,
					  unsigned int *added, unsigned int *removed)
{
	enum rawtune_origin before = rt_origin(ctx);
	struct rawtune_apply_report *report = NULL;
	struct rawtune_profile *p = NULL;
	enum rawtune_origin origin;
	int err = rawtune_profile_check(ctx, name);

	if (added)
		*added = 0;
	if (removed)
		*removed = 0;
	if (err <= 0)
		return err;
	err = applied_profile(ctx, name, &p, &(int){ 0 });
	if (err < 0)
		return err;
	/* a repair only repairs: it keeps who applied the profile */
	if (rawtune_profile_get_origin(ctx, name, &origin) == 0)
		rawtune_set_origin(ctx, origin);
	err = rawtune_profile_apply(p, &report);
	rawtune_set_origin(ctx, before);
	rawtune_profile_unref(p);
	if (err < 0)
		return err;
	if (added)
		*added = rawtune_apply_report_get_added(report);
	if (removed)
		*removed = rawtune_apply_report_get_removed(report);
	rawtune_apply_report_free(report);
	return 1;
}
