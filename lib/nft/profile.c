// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A profile planned for the nf_tables backend, against the firewall as it
 * is: the NAT guards and the nf_tables guard first, the legacy filter table
 * beside it, then the raw plan with its ports in sets. Apply commits it,
 * the drift check compares it. Nothing here writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nft/guard.h"
#include "nft/nft.h"
#include "xt/verdict.h"

/* Are the family's legacy tables loaded at all? Reading one that is not would create it. */
bool rt_legacy_loaded(const struct rt_family_ops *ops)
{
	return access(ops->names_file, F_OK) == 0;
}

/*
 * A legacy filter table beside nf_tables is a firewall too: where it would
 * need twins for the untracked packets, the legacy backend writes them and
 * this one must not (never both backends), so refuse and say which to use.
 * Its refusals (the verdict rule) are this backend's too.
 */
static int legacy_filter_check(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			       struct rt_plan_env *env)
{
	bool force = !rt_nat_guard_enabled(ctx);
	int err = 0;

	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0; f++) {
		const struct rt_family_ops *ops = rt_families[f];
		struct rt_plan_env judged = *env;
		char *text = NULL;
		size_t len = 0;
		FILE *out;

		if (!(p->families & ops->family) || !rt_legacy_loaded(ops) ||
		    !rt_table_exists(ops, RT_TABLE_FILTER))
			continue;
		out = open_memstream(&text, &len);
		if (!out)
			return rt_fail(ctx, -ENOMEM, "out of memory");
		err = rt_twins_render(ctx, ops, p, force, out, &judged);
		fclose(out);
		if (err == 0 && len)
			err = rt_fail(ctx, -EPERM,
				      "the legacy %s filter table needs rules beside its own for the "
				      "untracked packets of profile %s, which only the legacy backend "
				      "writes: apply with --backend legacy (see %s)",
				      ops->name, p->name, ops->save_command);
		env->loopback = env->loopback && judged.loopback;
		free(text);
	}
	return err;
}

int rt_nft_profile_plan(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			struct rt_nft_plan *out, bool advise)
{
	struct rt_plan_env env = rt_plan_env_default;
	struct rt_nft_plan nplan = { 0 };
	struct rt_plan plan = { 0 };
	unsigned int untracked;
	uint32_t genid = 0;
	int err;

	out->n = 0;
	out->rule = NULL;
	err = rt_plan_families(p, &untracked);
	if (err < 0)
		return rt_fail(ctx, err, "out of memory");
	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0 && rt_nat_guard_enabled(ctx); f++)
		if (untracked & rt_families[f]->family && rt_legacy_loaded(rt_families[f]))
			err = rt_nat_guard(ctx, p, rt_families[f]);
	if (err == 0)
		err = legacy_filter_check(ctx, p, &env);
	/* last: from its reading to the batch, another writer's commit means again */
	if (err == 0)
		err = rt_nft_guard(ctx, p, &genid, advise);
	if (err < 0)
		return err;
	env.ephemeral = rt_ephemeral_range();
	err = rt_plan_table_env(p, RT_TABLE_RAW, &env, &plan);
	if (err == 0) {
		if (p->families != RAWTUNE_FAMILY_BOTH)
			rt_plan_keep_family(&plan, p->families);
		err = rt_nft_plan_from(&plan, &nplan);
	}
	/* one family: every rule names it, so the other family's packets pass by */
	for (size_t i = 0; i < nplan.n && p->families != RAWTUNE_FAMILY_BOTH; i++)
		nplan.rule[i].r.family = p->families;
	rt_plan_clear(&plan);
	if (err < 0)
		return rt_fail(ctx, err, "out of memory");
	nplan.genid = genid;
	*out = nplan;
	return 0;
}


/* Without the host: the plan alone, for both families or the profile's one. */
static int plan_alone(const struct rawtune_profile *p, struct rt_nft_plan *out)
{
	struct rt_plan plan = { 0 };
	int err = rt_plan_table(p, RT_TABLE_RAW, &plan);

	if (err == 0 && p->families != RAWTUNE_FAMILY_BOTH)
		rt_plan_keep_family(&plan, p->families);
	if (err == 0)
		err = rt_nft_plan_from(&plan, out);
	for (size_t i = 0; err == 0 && i < out->n && p->families != RAWTUNE_FAMILY_BOTH; i++)
		out->rule[i].r.family = p->families;
	rt_plan_clear(&plan);
	return err;
}

RAWTUNE_EXPORT int rawtune_profile_render_nft(const struct rawtune_profile *profile, int host,
					      char **text)
{
	struct rawtune_ctx *ctx = profile->ctx;
	struct rt_nft_plan plan = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	rt_clear_error(ctx);
	*text = NULL;
	err = host ? rt_nft_profile_plan(ctx, profile, &plan, true) : plan_alone(profile, &plan);
	if (err < 0)
		return err;
	f = open_memstream(&buf, &len);
	if (!f) {
		rt_nft_plan_clear(&plan);
		return -ENOMEM;
	}
	fputs("table inet " RT_NFT_TABLE " {\n"
	      "\tchain prerouting { type filter hook prerouting priority raw; policy accept; }\n"
	      "\tchain output { type filter hook output priority raw; policy accept; }\n"
	      "}\n",
	      f);
	for (size_t i = 0; i < plan.n; i++) {
		int n = rt_nft_rule_render(&plan.rule[i], NULL, 0);
		char *line = malloc((size_t)n + 1);

		if (!line) {
			err = -ENOMEM;
			break;
		}
		rt_nft_rule_render(&plan.rule[i], line, (size_t)n + 1);
		fprintf(f, "%s\n", line);
		free(line);
	}
	if (fclose(f) != 0 && err == 0)
		err = -ENOMEM;
	rt_nft_plan_clear(&plan);
	if (err < 0) {
		free(buf);
		return err;
	}
	*text = buf;
	return 0;
}
