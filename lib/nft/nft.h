/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to librawtune: the nf_tables backend. rawtune's rules live in one
 * table of its own, "inet rawtune", in two base chains at priority raw:
 *
 *	table inet rawtune {
 *		chain prerouting { type filter hook prerouting priority raw; }
 *		chain output { type filter hook output priority raw; }
 *	}
 *
 * Each rule carries a counter and the comment "rawtune:PROFILE"; a rule's
 * ports are one anonymous interval set, so its cost does not grow with the
 * port count. Every change is one netlink batch, which the kernel commits
 * whole or not at all, checked against the ruleset generation it was
 * planned on.
 */
#ifndef RAWTUNE_NFT_H
#define RAWTUNE_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawtune-private.h"

#define RT_NFT_TABLE "rawtune"

/* One rule of the backend: an rt_rule without ports (nports 0), and all its ports. */
struct rt_nft_rule {
	struct rt_rule r;
	struct rt_ports ports;
	uint64_t handle; /* read back: the kernel's handle */
	uint64_t packets, bytes;
};

struct rt_nft_plan {
	size_t n;
	struct rt_nft_rule *rule;
	/*
	 * The ruleset generation the guard judged (0: none): the batch
	 * commits against it, so a firewall changed since is judged again.
	 */
	uint32_t genid;
};

/* tries of a sync, or of a plan and its sync, that another writer's commit interrupted */
#define RT_NFT_TRIES 8

/*
 * A raw plan (rt_plan_table, both families) as the backend writes it: the
 * rules that differ only in their ports become one with all of them.
 */
int rt_nft_plan_from(const struct rt_plan *plan, struct rt_nft_plan *out);
void rt_nft_plan_clear(struct rt_nft_plan *plan);
bool rt_nft_rule_equal(const struct rt_nft_rule *a, const struct rt_nft_rule *b);

/* The tables nf_tables holds in this network namespace. */
struct rt_nft_tables {
	bool own;    /* inet rawtune */
	bool others; /* any other: a firewall */
};

/* 0, or a negative errno (no nf_tables in the kernel: 0, none found). */
int rt_nft_tables_scan(struct rt_nft_tables *t);

/*
 * Make @profile's rules in inet rawtune exactly @plan, in one batch, and
 * only when that changes anything; @profile NULL with an empty plan removes
 * every profile's. The table goes when its last rule does. Returns 0, or a
 * negative errno with the context's error set; @counts says what changed.
 */
int rt_nft_sync(struct rawtune_ctx *ctx, const char *profile, const struct rt_nft_plan *plan,
		struct rt_counts *counts);

/*
 * A plan the guard judged (genid set) is not sent again when the ruleset
 * changed: rt_nft_sync() returns -ERESTART, without an error message, for
 * the caller to plan (and judge) again; after RT_NFT_TRIES such tries it
 * says so with rt_nft_kept_changing(), -EAGAIN.
 */
int rt_nft_kept_changing(struct rawtune_ctx *ctx);

/* Would rt_nft_sync() change anything? 1 yes, 0 no, or a negative errno. */
int rt_nft_check(struct rawtune_ctx *ctx, const char *profile, const struct rt_nft_plan *plan);

/*
 * Every rule of inet rawtune, in chain order (prerouting, then output), with
 * its counters; *@out is empty when the table does not exist. Returns 0 or a
 * negative errno with the context's error set.
 */
int rt_nft_read(struct rawtune_ctx *ctx, struct rt_nft_plan *out);

/* The ruleset's generation into *@genid, asked on @nl with @seq; 0 or a negative errno. */
struct mnl_socket;
int rt_nft_gen_read(struct mnl_socket *nl, uint32_t seq, uint32_t *genid);
/* Has the ruleset's generation moved on from @genid? false when it cannot be read. */
bool rt_nft_gen_moved(uint32_t genid);

/* The rule in nft's syntax, as "nft list table inet rawtune" shows it; as snprintf. */
int rt_nft_rule_render(const struct rt_nft_rule *r, char *buf, size_t len);

/* ---- profile.c ---- */

/* Are the family's legacy tables loaded at all? Reading one that is not would create it. */
bool rt_legacy_loaded(const struct rt_family_ops *ops);

/*
 * @p's rules for this backend, in *@out, after the guards: 0, or -EPERM /
 * -EBUSY with the context's error saying what refuses (nothing written).
 * @advise: the nf_tables guard's warnings too (apply's first try only).
 */
int rt_nft_profile_plan(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			struct rt_nft_plan *out, bool advise);

/* ---- expr.c: rules as libnftnl objects, and back ---- */

struct nftnl_rule;
struct nftnl_set;
struct nftnl_set_list;

/*
 * @r as a libnftnl rule of chain @chain; its ports, when a set holds them,
 * as the anonymous set *@set (NULL when none) with id @set_id. NULL on
 * out-of-memory.
 */
struct nftnl_rule *rt_nft_rule_build(const struct rt_nft_rule *r, uint32_t set_id,
				     struct nftnl_set **set);
/*
 * A kernel rule back into @out, its set's elements from @sets. false when it
 * is not one rawtune writes (out->r.foreign set too).
 */
bool rt_nft_rule_decode(const struct nftnl_rule *nr, const struct nftnl_set_list *sets,
			struct rt_nft_rule *out);

/*
 * The port ranges of an interval set of 2-byte keys (as nft writes them:
 * a start, an end one past it), in @out; false for any other set.
 */
bool rt_nft_set_port_ranges(struct nftnl_set *s, struct rt_ports *out);

/* "prerouting" or "output": the base chain of @hook. */
const char *rt_nft_chain_name(enum rt_hook hook);

#endif /* RAWTUNE_NFT_H */
