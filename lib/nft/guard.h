/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to librawtune: the nf_tables guard, a read-only look at the
 * nf_tables ruleset of this network namespace before a profile is applied.
 */
#ifndef RAWTUNE_NFT_GUARD_H
#define RAWTUNE_NFT_GUARD_H

#include <stdbool.h>
#include <stdint.h>

struct rawtune_ctx;
struct rawtune_profile;

/*
 * 0 when nf_tables lets the packets that @profile untracks through as
 * before. -EPERM, with the context's error naming chain and port, when an
 * nf_tables filter chain on their way could drop them (a legacy accept
 * cannot overrule it; --force does not lift this). -EBUSY when an nf_tables
 * nat rule could take their flows (untracked packets skip NAT), unless the
 * NAT guard is off (--force).
 */
/*
 * @genid, if not NULL, gets the ruleset generation judged (0: no
 * nf_tables): a commit against it fails when the ruleset changed since.
 * @advise: warn where a chain on input would drop the ICMP errors about the
 * profile's untracked flows that path MTU discovery needs, with the rule
 * that lets them in (apply says it; top, which only asks, does not).
 */
int rt_nft_guard(struct rawtune_ctx *ctx, const struct rawtune_profile *profile,
		 uint32_t *genid, bool advise);

#endif
