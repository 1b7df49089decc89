/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to librawtune: the nf_tables ruleset of this network namespace as
 * the nf_tables guard reads it (ruleset.c), and one of its rules judged
 * against a class of the packets that a profile untracks (judge.c).
 */
#ifndef RAWTUNE_NFT_RULESET_H
#define RAWTUNE_NFT_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawtune-private.h"

struct mnl_socket;
struct nftnl_expr;
struct nftnl_rule;

struct rt_nft_rule;
typedef void rt_nft_judge_fn(struct rt_nft_rule *j, const struct nftnl_expr *e);

/*
 * A rule with the judge of each expression looked up once, at the dump: a
 * rule is judged again for every packet class of the profile.
 */
struct rt_nft_crule {
	struct nftnl_rule *r;
	size_t n;
	struct rt_nft_expr {
		rt_nft_judge_fn *judge;
		const struct nftnl_expr *e;
	} *x;
};

struct rt_nft_chain {
	uint32_t family;
	char *table, *name, *type; /* type: NULL for a regular chain */
	uint32_t hook, policy;
	size_t n, cap;
	struct rt_nft_crule *rule;
	bool wanted, read; /* the guard may walk it; its rules are here */
	/* a chain that many rules jump to is walked once per packet class */
	unsigned int walked; /* the guard's pass that found... */
	int result;	     /* ...this enum rt_nft_walk */
};

/* A set's keys, read when a rule's lookup first needs them. */
struct rt_nft_set {
	uint32_t family;
	char *table, *name;
	bool exact; /* every key read, and none is a range */
	struct rt_ports ranges; /* else an interval set of ports: its ranges */
	size_t n;
	struct rt_nft_key {
		uint32_t len;
		uint8_t data[16];
	} *key;
};

struct rt_nft_ruleset {
	struct mnl_socket *nl;
	size_t n, cap;
	struct rt_nft_chain *chain;
	size_t nsets;
	struct rt_nft_set *set;
	uint32_t seq;
	int err;
	uint32_t genid; /* the generation all of it was read from */
};

/* A class of packets of the profile, as one chain sees it. */
struct rt_nft_packet {
	uint8_t nfproto; /* NFPROTO_IPV4 or _IPV6 where the class has one family, else 0 */
	uint8_t proto;
	const struct rt_port_range *port; /* the profile's ports, all or one range... */
	size_t nport;
	bool dport; /* ...as destination ports, else as source ports */
	uint32_t hook;
	bool on_lo; /* between two sockets of this host: the hook's interface is lo */
	bool remote; /* from another host: its input interface is not lo */
	const struct rt_ports *profile; /* all the profile's ports: a peer may use one */
	/*
	 * The class as conntrack sees it without rawtune, to find the
	 * firewall's own accept: the ct state bit of a tracked flow's request
	 * (new) or reply (established); 0: untracked, as rawtune makes it.
	 */
	uint32_t tracked;
};

/* What a rule can match; a rule matches as the least of its parts. */
enum rt_nft_match { RT_NFT_NEVER, RT_NFT_MAYBE, RT_NFT_ALWAYS };

enum rt_nft_outcome {
	RT_NFT_GO_ON, /* no verdict: the next rule */
	RT_NFT_ACCEPT,
	RT_NFT_DROP, /* drop, reject, queue, or a verdict the guard does not know */
	RT_NFT_JUMP,
	RT_NFT_GOTO,
	RT_NFT_RETURN,
	RT_NFT_NATS, /* nat, masquerade, redirect */
};

/* One rule judged against one packet class. */
/* Which NAT an RT_NFT_NATS outcome is: a DNAT or a REDIRECT sends flows somewhere. */
enum rt_nft_nat { RT_NFT_NAT_OTHER, RT_NFT_NAT_DNAT, RT_NFT_NAT_REDIRECT };

struct rt_nft_judgment {
	enum rt_nft_match match;
	enum rt_nft_outcome outcome;
	const char *target; /* jump and goto */
	const char *what;   /* the expression behind RT_NFT_DROP or RT_NFT_NATS */
	enum rt_nft_nat nat;
	int nat_af;            /* AF_INET or AF_INET6: the family of @to's addresses */
	struct rt_nat_to to; /* where a DNAT or REDIRECT sends the flow */
};

/* ---- ruleset.c ------------------------------------------------------------- */

/* Does the guard walk base chain @c? */
typedef bool rt_nft_chain_want_fn(const struct rt_nft_chain *c, void *arg);

/*
 * Every chain of every table, and the rules of the base chains that @want
 * picks and of every chain they jump or go to: others stay empty, with
 * read false. All from one ruleset generation, else -EINTR. The socket
 * stays open for the sets that rules look up. 0 or a negative errno; clear
 * @rs with rt_nft_ruleset_clear() either way, which leaves it empty for reuse.
 */
int rt_nft_ruleset_read(struct rt_nft_ruleset *rs, rt_nft_chain_want_fn *want, void *arg);
void rt_nft_ruleset_clear(struct rt_nft_ruleset *rs);
struct rt_nft_chain *rt_nft_chain_find(const struct rt_nft_ruleset *rs, uint32_t family,
				       const char *table, const char *name);
/* @r's expressions with their judges, for rt_nft_rule_judge(); free() @cr->x before @r. */
int rt_nft_crule_init(struct rt_nft_crule *cr, struct nftnl_rule *r);
/* The set @name of @c's table, its keys read on first use; NULL without memory. */
const struct rt_nft_set *rt_nft_set_get(struct rt_nft_ruleset *rs,
					const struct rt_nft_chain *c, const char *name);

/* ---- judge.c ---------------------------------------------------------------- */

/* The judge of the expression called @name ("cmp", "payload", ...). */
rt_nft_judge_fn *rt_nft_judge_of(const char *name);
void rt_nft_rule_judge(struct rt_nft_judgment *out, struct rt_nft_ruleset *rs,
		       const struct rt_nft_chain *c, const struct rt_nft_crule *cr,
		       const struct rt_nft_packet *pkt);

#endif
