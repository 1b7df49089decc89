/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to librawtune: when each profile was applied, in this network
 * namespace (applied.c). The kernel keeps no timestamps on rules, so apply
 * and remove record them in a state file per profile.
 */
#ifndef RAWTUNE_APPLIED_H
#define RAWTUNE_APPLIED_H

#include <stdbool.h>
#include <stdint.h>

struct rawtune_ctx;
struct rawtune_profile;

/*
 * After a successful apply: when every counting rule of the profile is new
 * (@fresh: it had none, or all were replaced, so all its counters start
 * now), record the time. A failure is a warning, never the apply's.
 */
void rt_applied_record(struct rawtune_ctx *ctx, const struct rawtune_profile *profile,
		       bool fresh);

/* After a successful remove of @profile, or of all profiles (NULL): forget the times. */
void rt_applied_forget(struct rawtune_ctx *ctx, const char *profile);

/* After a successful apply: the profile as applied, for status to plan it again. */
void rt_applied_keep(struct rawtune_ctx *ctx, const struct rawtune_profile *profile);

/* The profile as applied in this network namespace; -ENOENT when there is no record. */
int rt_applied_load(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **out);

/* The Unix time @profile was applied at, or -1 when unknown. */
int64_t rt_applied_read(struct rawtune_ctx *ctx, const char *profile);

#endif /* RAWTUNE_APPLIED_H */
