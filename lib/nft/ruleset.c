// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The nf_tables ruleset of this network namespace, read for the nf_tables
 * guard through libnftnl: every chain in one dump, the rules of only those
 * the guard walks (one dump each), and the keys of a set only when a rule's
 * lookup needs them.
 */
#include <errno.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>	/* libnftnl's headers need FILE */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nfnl.h"
#include "nft/ruleset.h"
#include "nft/nft.h"

void rt_nft_ruleset_clear(struct rt_nft_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct rt_nft_chain *c = &rs->chain[i];

		for (size_t j = 0; j < c->n; j++) {
			nftnl_rule_free(c->rule[j].r);
			free(c->rule[j].x);
		}
		free(c->rule);
		free(c->table);
		free(c->name);
		free(c->type);
	}
	free(rs->chain);
	for (size_t i = 0; i < rs->nsets; i++) {
		free(rs->set[i].table);
		free(rs->set[i].name);
		free(rs->set[i].key);
		rt_ports_clear(&rs->set[i].ranges);
	}
	free(rs->set);
	if (rs->nl)
		mnl_socket_close(rs->nl);
	memset(rs, 0, sizeof(*rs));
}

struct rt_nft_chain *rt_nft_chain_find(const struct rt_nft_ruleset *rs, uint32_t family,
				       const char *table, const char *name)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct rt_nft_chain *c = &rs->chain[i];

		if (c->family == family && strcmp(c->table, table) == 0 &&
		    strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

static int chain_add(struct rt_nft_ruleset *rs, const struct nftnl_chain *nc)
{
	struct rt_nft_chain *c;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;
		void *grown = realloc(rs->chain, cap * sizeof(*rs->chain));

		if (!grown)
			return -ENOMEM;
		rs->chain = grown;
		rs->cap = cap;
	}
	c = &rs->chain[rs->n];
	memset(c, 0, sizeof(*c));
	c->family = nftnl_chain_get_u32(nc, NFTNL_CHAIN_FAMILY);
	c->table = strdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_TABLE));
	c->name = strdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME));
	if (nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM)) {
		c->hook = nftnl_chain_get_u32(nc, NFTNL_CHAIN_HOOKNUM);
		c->policy = nftnl_chain_is_set(nc, NFTNL_CHAIN_POLICY)
				    ? nftnl_chain_get_u32(nc, NFTNL_CHAIN_POLICY)
				    : NF_ACCEPT;
		c->type = strdup(nftnl_chain_is_set(nc, NFTNL_CHAIN_TYPE)
					 ? nftnl_chain_get_str(nc, NFTNL_CHAIN_TYPE)
					 : "filter");
	}
	rs->n++;
	if (!c->table || !c->name || (nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM) && !c->type))
		return -ENOMEM;
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rt_nft_ruleset *rs = data;
	struct nftnl_chain *nc = nftnl_chain_alloc();

	if (!nc || nftnl_chain_nlmsg_parse(nlh, nc) < 0)
		rs->err = -ENOMEM;
	else
		rs->err = chain_add(rs, nc);
	nftnl_chain_free(nc);
	return rs->err < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int count_cb(struct nftnl_expr *e, void *data)
{
	(*(size_t *)data)++;
	return 0;
}

static int compile_cb(struct nftnl_expr *e, void *data)
{
	struct rt_nft_crule *cr = data;

	cr->x[cr->n].judge = rt_nft_judge_of(nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	cr->x[cr->n++].e = e;
	return 0;
}

int rt_nft_crule_init(struct rt_nft_crule *cr, struct nftnl_rule *r)
{
	size_t n = 0;

	nftnl_expr_foreach(r, count_cb, &n);
	*cr = (struct rt_nft_crule){ .r = r, .x = calloc(n + 1, sizeof(*cr->x)) };
	if (!cr->x)
		return -ENOMEM;
	nftnl_expr_foreach(r, compile_cb, cr);
	return 0;
}

static int rule_put(struct rt_nft_chain *c, struct nftnl_rule *r)
{
	int err;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		void *grown = realloc(c->rule, cap * sizeof(*c->rule));

		if (!grown)
			return -ENOMEM;
		c->rule = grown;
		c->cap = cap;
	}
	err = rt_nft_crule_init(&c->rule[c->n], r);
	if (err == 0)
		c->n++;
	return err;
}

/* One chain's dump lists its rules in their order. */
static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rt_nft_chain *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	int err = -ENOMEM;

	if (r && nftnl_rule_nlmsg_parse(nlh, r) == 0)
		err = rule_put(c, r);
	if (err < 0) {
		nftnl_rule_free(r);
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * The rules of @c alone: the kernel resumes a dump by walking from the
 * first rule of what it dumps, message after message, so a dump of every
 * rule of the ruleset pays for all the chains before the one it is in.
 */
static int chain_rules_read(struct rt_nft_ruleset *rs, struct rt_nft_chain *c)
{
	/* two names of at most 256 bytes; zeroed, so no stack bytes go out as padding */
	char buf[2048] = { 0 };
	struct nftnl_rule *req = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!req)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)c->family, NLM_F_DUMP,
				    ++rs->seq);
	nftnl_rule_set_str(req, NFTNL_RULE_TABLE, c->table);
	nftnl_rule_set_str(req, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_nlmsg_build_payload(nlh, req);
	nftnl_rule_free(req);
	c->read = true;
	return rt_nfnl_talk(rs->nl, nlh, rule_cb, c);
}

/* The chains that @c's rules jump or go to (an immediate verdict naming a chain). */
static void targets_want(struct rt_nft_ruleset *rs, const struct rt_nft_chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t k = 0; k < c->rule[i].n; k++) {
			const struct nftnl_expr *e = c->rule[i].x[k].e;
			struct rt_nft_chain *to;

			if (!nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN) ||
			    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "immediate") != 0)
				continue;
			to = rt_nft_chain_find(rs, c->family, c->table,
					       nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
			if (to)
				to->wanted = true;
		}
	}
}

/* The wanted chains' rules, and those of every chain they reach. */
static int wanted_read(struct rt_nft_ruleset *rs)
{
	bool more = true;
	int err = 0;

	while (more && err == 0) {
		more = false;
		for (size_t i = 0; i < rs->n && err == 0; i++) {
			struct rt_nft_chain *c = &rs->chain[i];

			if (!c->wanted || c->read)
				continue;
			err = chain_rules_read(rs, c);
			targets_want(rs, c);
			more = true;
		}
	}
	return err;
}

int rt_nft_ruleset_read(struct rt_nft_ruleset *rs, rt_nft_chain_want_fn *want, void *arg)
{
	uint32_t gen = 0, after = 0;
	int err;

	rs->nl = rt_nfnl_open();
	if (!rs->nl)
		return -errno;
	rs->seq = (uint32_t)time(NULL);
	err = rt_nft_gen_read(rs->nl, ++rs->seq, &gen);
	if (err == 0)
		err = rt_nfnl_request(rs->nl, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETCHAIN,
				      NLM_F_DUMP, chain_cb, rs);
	if (err < 0 || rs->err < 0)
		return rs->err < 0 ? rs->err : err;
	for (size_t i = 0; i < rs->n; i++)
		rs->chain[i].wanted = rs->chain[i].type && want(&rs->chain[i], arg);
	err = wanted_read(rs);
	if (err == 0)
		err = rt_nft_gen_read(rs->nl, ++rs->seq, &after);
	/* the chains were read one dump each: all of them from one generation, or again */
	if (err == 0 && after != gen)
		return -EINTR;
	rs->genid = gen;
	return err;
}

static int set_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	return nftnl_set_elems_nlmsg_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static bool key_put(struct rt_nft_set *s, size_t *cap, const void *key, uint32_t len)
{
	if (s->n == *cap) {
		size_t grow = *cap ? 2 * *cap : 16;
		void *grown = realloc(s->key, grow * sizeof(*s->key));

		if (!grown)
			return false;
		s->key = grown;
		*cap = grow;
	}
	s->key[s->n].len = len;
	memcpy(s->key[s->n++].data, key, len);
	return true;
}

/* Interval sets hold ranges as pairs of elements: not judged here. */
static bool elem_is_key(struct nftnl_set_elem *e)
{
	return !nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END) &&
	       !(nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
		 (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
		  NFT_SET_ELEM_INTERVAL_END));
}

/* Every element's key into @s; false when one is not a plain key. */
static bool set_keys(struct rt_nft_set *s, const struct nftnl_set *ns)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(ns);
	struct nftnl_set_elem *e;
	bool exact = it != NULL;
	size_t cap = 0;

	while (exact && (e = nftnl_set_elems_iter_next(it))) {
		uint32_t len = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

		exact = key && len <= sizeof(s->key[0].data) && elem_is_key(e) &&
			key_put(s, &cap, key, len);
	}
	if (it)
		nftnl_set_elems_iter_destroy(it);
	return exact;
}

static void set_read(struct rt_nft_ruleset *rs, struct rt_nft_set *s)
{
	/* two names of at most 256 bytes; zeroed, so no stack bytes go out as padding */
	char buf[2048] = { 0 };
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!ns)
		return;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, s->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, (uint16_t)s->family, NLM_F_DUMP,
				    (uint32_t)time(NULL));
	nftnl_set_elems_nlmsg_build_payload(nlh, ns);
	if (rt_nfnl_talk(rs->nl, nlh, set_elems_cb, ns) == 0) {
		s->exact = set_keys(s, ns);
		if (!s->exact)
			rt_nft_set_port_ranges(ns, &s->ranges);
	}
	nftnl_set_free(ns);
}

const struct rt_nft_set *rt_nft_set_get(struct rt_nft_ruleset *rs,
					const struct rt_nft_chain *c, const char *name)
{
	struct rt_nft_set *s;
	void *grown;

	for (size_t i = 0; i < rs->nsets; i++) {
		s = &rs->set[i];
		if (s->family == c->family && strcmp(s->table, c->table) == 0 &&
		    strcmp(s->name, name) == 0)
			return s;
	}
	grown = realloc(rs->set, (rs->nsets + 1) * sizeof(*rs->set));
	if (!grown)
		return NULL;
	rs->set = grown;
	s = &rs->set[rs->nsets++];
	memset(s, 0, sizeof(*s));
	s->family = c->family;
	s->table = strdup(c->table);
	s->name = strdup(name);
	if (s->table && s->name)
		set_read(rs, s);
	return s;
}
