/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to librawtune: the verdict rule (DESIGN.md "track, never allow").
 * verdict.c walks the firewall's chains as the kernel would, for each packet
 * class of a profile, tracked and untracked; where the two part, it plans a
 * twin of the firewall's own rule or refuses. twins.c writes the twins.
 */
#ifndef RAWTUNE_VERDICT_H
#define RAWTUNE_VERDICT_H

#include <stdio.h>

#include "rawtune-private.h"

/* A rule to insert directly before the firewall's own rule @pos of @chain. */
struct rt_twin {
	char chain[32];
	unsigned int pos; /* 0-based, of the original, counting every rule */
	size_t size;
	uint8_t *entry;
};

struct rt_judgement {
	size_t n, cap;
	struct rt_twin *twin;
	bool loopback;	     /* a local client's path needs nothing: untrack it too */
	bool forced;	     /* a refusal was overridden with --force */
	char refusal[512];   /* the first reason to refuse; "" when none */
};

/*
 * Judge @profile against the family's filter table in @filter (and the
 * mangle table in @mangle, NULL when it does not exist). The profile's own
 * rules in @filter are ignored: the twins are planned as if they were gone.
 * Returns 0 with the twins in @out (and out->refusal set when --force was
 * given over a refusal), -EPERM with the context's error naming the chain,
 * rule and port when the profile would widen or break the firewall, or
 * -ENOMEM. Clear @out with rt_judgement_clear() either way.
 */
int rt_verdict_judge(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		     struct xtc_handle *filter, struct xtc_handle *mangle,
		     const struct rawtune_profile *profile, bool force, struct rt_judgement *out);
void rt_judgement_clear(struct rt_judgement *j);

/* Does a firewall manager own @chain (ufw-*, DOCKER*, f2b-*, firewalld's)? */
bool rt_chain_is_managed(const char *chain);

/*
 * Make the profile's twins in the family's filter table what the firewall
 * needs now (none when @profile is NULL: every twin of @name, or of every
 * profile when @name is NULL too, goes), and commit when that changed
 * anything. With @keep_old, the twins there stay and only the missing ones
 * are added (the first half of a change of ports). @counts gets rules added and removed; @env->loopback what the
 * judgement said of loopback; *@snap (when not NULL) what to put back, or
 * NULL when nothing was committed. Returns 0 or a negative errno with the
 * context's error set.
 */
struct rt_twins_snapshot;
int rt_twins_sync(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		  const struct rawtune_profile *profile, const char *name, bool force,
		  bool keep_old, struct rt_counts *counts, struct rt_plan_env *env,
		  struct rt_twins_snapshot **snap);
/* After a later table failed: the twins as they were before rt_twins_sync(). */
int rt_twins_restore(struct rawtune_ctx *ctx, const struct rt_twins_snapshot *snap);
void rt_twins_snapshot_free(struct rt_twins_snapshot *snap);

/*
 * Does the family's filter table hold exactly the twins the profile needs
 * now? 0 yes, 1 no (drift: *@why says what), negative errno on error.
 */
int rt_twins_check(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		   const struct rawtune_profile *profile, struct rt_plan_env *env, char *why,
		   size_t len);

/*
 * The twins apply would leave in the family's filter table, as "-I CHAIN N
 * RULE" lines of iptables-restore input (nothing when the table holds none),
 * written to @f; @env->loopback as the judgement said. Reads, never writes.
 */
int rt_twins_render(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		    const struct rawtune_profile *profile, bool force, FILE *f,
		    struct rt_plan_env *env);

/* The local port range of this network namespace, for client replies. */
struct rt_port_range rt_ephemeral_range(void);

#endif /* RAWTUNE_VERDICT_H */
