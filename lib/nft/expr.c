// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A rule of the nf_tables backend as libnftnl expressions, in the order nft
 * itself writes them, and back. Only what the backend writes is read back;
 * anything else makes the rule foreign, so that a sync replaces it.
 *
 *	meta nfproto ipv4		a rule with an address, or of one family
 *	iifname "eth0" / oifname != "lo"
 *	meta l4proto tcp
 *	tcp dport { 80, 8000-8100 }	one value, a range, or an anonymous set
 *	ip saddr / ip daddr ...		payload, masked for a prefix
 *	tcp sport 32768-60999		the other side: a client's ephemeral ports
 *	tcp flags & (fin|syn|rst|ack) [!=|==] syn
 *	meta skuid 33
 *	fib daddr type [!=] local	dst_local, dst_not_local: a route lookup, last
 *	counter notrack			or the counter alone: a rule that counts
 *	comment "rawtune:web"		userdata
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h> /* libnftnl's headers use FILE */

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "nft/nft.h"

#define TCP_FLAGS_OFFSET 13
#define TCP_FLAGS_MASK 0x17 /* fin|syn|rst|ack */
#define TCP_FLAG_SYN 0x02
#define SET_KEY_INET_SERVICE 13 /* nft's datatype of ports */

const char *rt_nft_chain_name(enum rt_hook hook)
{
	return hook == RT_HOOK_OUTPUT ? "output" : "prerouting";
}

/* ---- building -------------------------------------------------------------------- */

struct builder {
	struct nftnl_rule *rule;
	bool failed;
};

static struct nftnl_expr *expr(struct builder *b, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		b->failed = true;
	else
		nftnl_rule_add_expr(b->rule, e);
	return e;
}

static void meta_load(struct builder *b, uint32_t key)
{
	struct nftnl_expr *e = expr(b, "meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
}

static void payload_load(struct builder *b, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr(b, "payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
}

static void cmp(struct builder *b, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(b, "cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
}

static void bitwise(struct builder *b, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr(b, "bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
}

static void meta_cmp(struct builder *b, uint32_t key, uint32_t op, const void *data,
		     uint32_t len)
{
	meta_load(b, key);
	cmp(b, op, data, len);
}

static void iface(struct builder *b, uint32_t key, const char *name, bool inv)
{
	char padded[IFNAMSIZ] = { 0 };

	memcpy(padded, name, strnlen(name, sizeof(padded) - 1));
	meta_cmp(b, key, inv ? NFT_CMP_NEQ : NFT_CMP_EQ, padded, sizeof(padded));
}

static void address(struct builder *b, const struct rt_addr *a, bool src)
{
	bool v4 = a->family == RAWTUNE_FAMILY_IPV4;
	uint32_t len = v4 ? 4 : 16;
	uint32_t offset = v4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint8_t mask[16];

	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, offset, len);
	if (a->prefix < len * 8) {
		rt_prefix_to_mask(mask, len, a->prefix);
		bitwise(b, mask, len);
	}
	cmp(b, NFT_CMP_EQ, &a->addr, len);
}

static void port_range(struct builder *b, const struct rt_port_range *p)
{
	uint16_t lo = htons(p->lo), hi = htons(p->hi);
	struct nftnl_expr *e;

	if (p->lo == p->hi) {
		cmp(b, NFT_CMP_EQ, &lo, sizeof(lo));
		return;
	}
	e = expr(b, "range");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set_data(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo, sizeof(lo));
		nftnl_expr_set_data(e, NFTNL_EXPR_RANGE_TO_DATA, &hi, sizeof(hi));
	}
}

static bool set_elem(struct nftnl_set *s, uint16_t port, bool end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint16_t key = htons(port);

	if (!e)
		return false;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	return true;
}

/*
 * A list of single ports is a set of its ports, which the kernel keeps in a
 * bitmap (2-byte keys): one bit test a packet, whatever their number. A
 * list with a range is an interval set, as nft writes and lists it, a tree
 * that a packet walks.
 */
static bool single_ports(const struct rt_ports *ports)
{
	for (size_t i = 0; i < ports->n; i++)
		if (ports->range[i].lo != ports->range[i].hi)
			return false;
	return true;
}

/*
 * The ports as nft writes an anonymous set: single ports, or an interval
 * set, each range a start and an end one past it (none after
 * 65535), and an end at 0 first when the set does not start there.
 */
static struct nftnl_set *port_set(const struct rt_ports *ports, uint32_t set_id)
{
	struct nftnl_set *s = nftnl_set_alloc();
	bool ok = s != NULL, each = single_ports(ports);

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, RT_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "__set%d");
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, set_id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
			  NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | (each ? 0 : NFT_SET_INTERVAL));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, SET_KEY_INET_SERVICE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, sizeof(uint16_t));
	for (size_t i = 0; i < ports->n && ok && each; i++)
		ok = set_elem(s, ports->range[i].lo, false);
	if (!each && ports->range[0].lo != 0)
		ok = set_elem(s, 0, true);
	for (size_t i = 0; i < ports->n && ok && !each; i++) {
		ok = set_elem(s, ports->range[i].lo, false);
		if (ok && ports->range[i].hi != UINT16_MAX)
			ok = set_elem(s, (uint16_t)(ports->range[i].hi + 1), true);
	}
	if (!ok) {
		nftnl_set_free(s);
		return NULL;
	}
	return s;
}

static void ports(struct builder *b, const struct rt_ports *ports, bool dport, uint32_t set_id,
		  struct nftnl_set **set)
{
	struct nftnl_expr *e;

	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, dport ? 2 : 0, sizeof(uint16_t));
	if (ports->n == 1) {
		port_range(b, &ports->range[0]);
		return;
	}
	*set = port_set(ports, set_id);
	e = *set ? expr(b, "lookup") : NULL;
	if (!e) {
		b->failed = true;
		return;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "__set%d");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
}

static void comment(struct builder *b, const char *text)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	if (!u || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, text)) {
		b->failed = true;
	} else {
		nftnl_rule_set_data(b->rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
				    nftnl_udata_buf_len(u));
	}
	nftnl_udata_buf_free(u);
}

struct nftnl_rule *rt_nft_rule_build(const struct rt_nft_rule *nr, uint32_t set_id,
				     struct nftnl_set **set)
{
	const struct rt_rule *r = &nr->r;
	struct builder b = { .rule = nftnl_rule_alloc() };
	uint8_t u8;
	uint32_t u32;

	*set = NULL;
	if (!b.rule)
		return NULL;
	nftnl_rule_set_u32(b.rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(b.rule, NFTNL_RULE_TABLE, RT_NFT_TABLE);
	nftnl_rule_set_str(b.rule, NFTNL_RULE_CHAIN, rt_nft_chain_name(r->hook));
	if (r->family) {
		u8 = r->family == RAWTUNE_FAMILY_IPV4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
		meta_cmp(&b, NFT_META_NFPROTO, NFT_CMP_EQ, &u8, sizeof(u8));
	}
	if (r->iniface[0])
		iface(&b, NFT_META_IIFNAME, r->iniface, false);
	if (r->outiface[0])
		iface(&b, NFT_META_OIFNAME, r->outiface, r->outiface_inv);
	if (r->proto) {
		u8 = r->proto;
		meta_cmp(&b, NFT_META_L4PROTO, NFT_CMP_EQ, &u8, sizeof(u8));
	}
	/* the ports first: a packet of another port costs one lookup, no route */
	if (nr->ports.n)
		ports(&b, &nr->ports, r->dport, set_id, set);
	if (r->src.family)
		address(&b, &r->src, true);
	if (r->dst.family)
		address(&b, &r->dst, false);
	if (r->has_other) {
		struct rt_ports other = { .n = 1, .range = (struct rt_port_range *)&r->other };

		ports(&b, &other, !r->dport, set_id, set);
	}
	if (r->syn || r->notsyn) {
		u8 = TCP_FLAGS_MASK;
		payload_load(&b, NFT_PAYLOAD_TRANSPORT_HEADER, TCP_FLAGS_OFFSET, 1);
		bitwise(&b, &u8, 1);
		u8 = TCP_FLAG_SYN;
		cmp(&b, r->syn ? NFT_CMP_EQ : NFT_CMP_NEQ, &u8, 1);
	}
	if (r->has_owner)
		meta_cmp(&b, NFT_META_SKUID, NFT_CMP_EQ, &r->owner, sizeof(r->owner));
	/* last: a route lookup, only for the packets every other match took */
	if (r->dst_local || r->dst_not_local) {
		struct nftnl_expr *e = expr(&b, "fib");

		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		}
		u32 = RTN_LOCAL;
		cmp(&b, r->dst_local ? NFT_CMP_EQ : NFT_CMP_NEQ, &u32, sizeof(u32));
	}
	expr(&b, "counter");
	if (r->verdict == RT_VERDICT_NOTRACK)
		expr(&b, "notrack");
	comment(&b, r->comment);
	if (b.failed) {
		nftnl_rule_free(b.rule);
		if (*set)
			nftnl_set_free(*set);
		*set = NULL;
		return NULL;
	}
	return b.rule;
}

/* ---- decoding -------------------------------------------------------------------- */

enum load { LOAD_NONE, LOAD_META, LOAD_PAYLOAD, LOAD_FIB };

struct decoder {
	struct rt_nft_rule *out;
	const struct nftnl_set_list *sets;
	enum load load;
	uint32_t key; /* meta key */
	uint32_t base, offset, len;
	uint8_t mask[16];
	bool masked;
	bool has_gte; /* a port range's low end, waiting for its high one */
	uint16_t gte;
	bool have_ports;
	bool ok;
};

static void reject(struct decoder *d)
{
	d->ok = false;
}

static const void *data_of(const struct nftnl_expr *e, uint16_t attr, uint32_t want)
{
	uint32_t len = 0;
	const void *p = nftnl_expr_get(e, attr, &len);

	return p && len == want ? p : NULL;
}

static bool port_side(struct decoder *d, const struct rt_port_range *ranges, size_t n)
{
	bool dport = d->offset == 2;
	struct rt_rule *r = &d->out->r;

	if (!d->have_ports) {
		d->have_ports = true;
		r->dport = dport;
		d->out->ports.range = malloc(n * sizeof(*ranges));
		if (!d->out->ports.range)
			return false;
		memcpy(d->out->ports.range, ranges, n * sizeof(*ranges));
		d->out->ports.n = n;
		return true;
	}
	/* the other side: one range */
	if (n != 1 || dport == r->dport || r->has_other)
		return false;
	r->has_other = true;
	r->other = ranges[0];
	return true;
}

static bool is_port_load(const struct decoder *d)
{
	return d->load == LOAD_PAYLOAD && d->base == NFT_PAYLOAD_TRANSPORT_HEADER &&
	       (d->offset == 0 || d->offset == 2) && d->len == 2;
}

/* The address payloads of the rule's family: 1 source, 2 destination, 0 other. */
static int address_side(const struct decoder *d)
{
	enum rawtune_family f = d->out->r.family;

	if (d->load != LOAD_PAYLOAD || d->base != NFT_PAYLOAD_NETWORK_HEADER)
		return 0;
	/* nft loads only the prefix's bytes: ip daddr 10.0.0.0/24 reads 3 */
	if (f == RAWTUNE_FAMILY_IPV4 && d->len >= 1 && d->len <= 4)
		return d->offset == 12 ? 1 : d->offset == 16 ? 2 : 0;
	if (f == RAWTUNE_FAMILY_IPV6 && d->len >= 1 && d->len <= 16)
		return d->offset == 8 ? 1 : d->offset == 24 ? 2 : 0;
	return 0;
}

static void decode_meta_cmp(struct decoder *d, uint32_t op, const uint8_t *data, uint32_t len)
{
	struct rt_rule *r = &d->out->r;

	switch (d->key) {
	case NFT_META_NFPROTO:
		if (op != NFT_CMP_EQ || len != 1 || r->family)
			return reject(d);
		r->family = data[0] == NFPROTO_IPV4 ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6;
		return;
	case NFT_META_L4PROTO:
		if (op != NFT_CMP_EQ || len != 1 || r->proto)
			return reject(d);
		r->proto = data[0];
		return;
	case NFT_META_IIFNAME:
	case NFT_META_OIFNAME: {
		char *name = d->key == NFT_META_IIFNAME ? r->iniface : r->outiface;

		if (len != IFNAMSIZ || data[IFNAMSIZ - 1] || name[0] ||
		    (op == NFT_CMP_NEQ && d->key == NFT_META_IIFNAME))
			return reject(d);
		memcpy(name, data, IFNAMSIZ);
		if (d->key == NFT_META_OIFNAME)
			r->outiface_inv = op == NFT_CMP_NEQ;
		return;
	}
	case NFT_META_SKUID:
		if (op != NFT_CMP_EQ || len != 4 || r->has_owner)
			return reject(d);
		r->has_owner = true;
		memcpy(&r->owner, data, 4);
		return;
	}
	reject(d);
}

static void decode_cmp(struct decoder *d, const struct nftnl_expr *e)
{
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	struct rt_rule *r = &d->out->r;
	int side;

	/* nft writes a range as two compares: gte the low end, then lte the high */
	if (data && len == 2 && is_port_load(d) && op == NFT_CMP_GTE && !d->has_gte) {
		d->has_gte = true;
		memcpy(&d->gte, data, 2);
		return;
	}
	if (data && len == 2 && is_port_load(d) && op == NFT_CMP_LTE && d->has_gte) {
		uint16_t hi;
		struct rt_port_range range;

		memcpy(&hi, data, 2);
		range.lo = ntohs(d->gte);
		range.hi = ntohs(hi);
		d->has_gte = false;
		d->load = LOAD_NONE;
		if (!port_side(d, &range, 1))
			reject(d);
		return;
	}
	if (!data || d->has_gte || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ))
		return reject(d);
	if (d->load == LOAD_META)
		decode_meta_cmp(d, op, data, len);
	else if (d->load == LOAD_FIB && len == 4) {
		uint32_t type;

		memcpy(&type, data, 4);
		if (type != RTN_LOCAL || r->dst_local || r->dst_not_local)
			return reject(d);
		r->dst_local = op == NFT_CMP_EQ;
		r->dst_not_local = op == NFT_CMP_NEQ;
	} else if (is_port_load(d) && op == NFT_CMP_EQ && len == 2) {
		uint16_t port;
		struct rt_port_range range;

		memcpy(&port, data, 2);
		range.lo = range.hi = ntohs(port);
		if (!port_side(d, &range, 1))
			reject(d);
	} else if (d->load == LOAD_PAYLOAD && d->base == NFT_PAYLOAD_TRANSPORT_HEADER &&
		   d->offset == TCP_FLAGS_OFFSET && d->len == 1 && d->masked &&
		   d->mask[0] == TCP_FLAGS_MASK && len == 1 && data[0] == TCP_FLAG_SYN) {
		if (r->syn || r->notsyn)
			return reject(d);
		r->syn = op == NFT_CMP_EQ;
		r->notsyn = op == NFT_CMP_NEQ;
	} else if ((side = address_side(d)) && op == NFT_CMP_EQ && len == d->len) {
		struct rt_addr *a = side == 1 ? &r->src : &r->dst;
		int prefix = d->masked ? rt_mask_to_prefix(d->mask, len) : (int)len * 8;

		if (a->family || prefix < 0)
			return reject(d);
		a->family = r->family;
		a->prefix = (uint8_t)prefix;
		memcpy(&a->addr, data, len); /* the bytes past a short load stay 0 */
	} else {
		reject(d);
	}
	d->load = LOAD_NONE;
	d->masked = false;
}

static void decode_range(struct decoder *d, const struct nftnl_expr *e)
{
	const uint16_t *from = data_of(e, NFTNL_EXPR_RANGE_FROM_DATA, 2);
	const uint16_t *to = data_of(e, NFTNL_EXPR_RANGE_TO_DATA, 2);
	struct rt_port_range range;

	if (!is_port_load(d) || !from || !to ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) != NFT_RANGE_EQ)
		return reject(d);
	range.lo = ntohs(*from);
	range.hi = ntohs(*to);
	if (!port_side(d, &range, 1))
		reject(d);
	d->load = LOAD_NONE;
}

struct keys {
	size_t n;
	struct key {
		uint16_t port;
		bool end;
	} key[1 << 17];
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return (x->port > y->port) - (x->port < y->port);
}

/* The ranges of an interval set of ports, from its elements in any order. */
bool rt_nft_set_port_ranges(struct nftnl_set *s, struct rt_ports *out)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct keys *k = malloc(sizeof(*k));
	bool ok = it && k, intervals = false;

	if (ok)
		k->n = 0;
	for (struct nftnl_set_elem *e = ok ? nftnl_set_elems_iter_next(it) : NULL; e && ok;
	     e = nftnl_set_elems_iter_next(it)) {
		uint32_t len = 0;
		const uint16_t *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

		if (!key || len != 2 || k->n == ARRAY_SIZE(k->key)) {
			ok = false;
			break;
		}
		k->key[k->n].port = ntohs(*key);
		k->key[k->n].end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
				   (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
				    NFT_SET_ELEM_INTERVAL_END);
		k->n++;
	}
	if (it)
		nftnl_set_elems_iter_destroy(it);
	out->n = 0;
	out->range = ok ? calloc(k->n ? k->n : 1, sizeof(*out->range)) : NULL;
	ok = ok && out->range;
	if (ok)
		qsort(k->key, k->n, sizeof(k->key[0]), key_cmp);
	/* no end at all: a set of single ports, as nft writes { 80, 443 } */
	for (size_t i = 0; ok && i < k->n; i++)
		intervals = intervals || k->key[i].end;
	for (size_t i = 0; ok && !intervals && i < k->n; i++) {
		if (out->n && out->range[out->n - 1].hi + 1 == k->key[i].port)
			out->range[out->n - 1].hi = k->key[i].port;
		else
			out->range[out->n++] = (struct rt_port_range){ k->key[i].port,
								       k->key[i].port };
	}
	for (size_t i = 0; ok && intervals && i < k->n; i++) {
		if (k->key[i].end) {
			/* an end with no start before it: only nft's leading 0 */
			ok = k->key[i].port == 0 && i == 0;
			continue;
		}
		out->range[out->n].lo = k->key[i].port;
		if (i + 1 < k->n && k->key[i + 1].end)
			out->range[out->n].hi = (uint16_t)(k->key[++i].port - 1);
		else if (i + 1 == k->n)
			out->range[out->n].hi = UINT16_MAX;
		else
			ok = false;
		out->n++;
	}
	free(k);
	if (!ok || !out->n) {
		free(out->range);
		out->range = NULL;
		out->n = 0;
		return false;
	}
	return true;
}

static void decode_lookup(struct decoder *d, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	struct nftnl_set_list_iter *it;
	struct rt_ports found = { 0 };
	bool ok = false;

	if (!is_port_load(d) || !name || !d->sets ||
	    (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
	     nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS)))
		return reject(d);
	it = nftnl_set_list_iter_create((struct nftnl_set_list *)d->sets);
	for (struct nftnl_set *s = it ? nftnl_set_list_iter_next(it) : NULL; s;
	     s = nftnl_set_list_iter_next(it)) {
		if (strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), name) == 0) {
			ok = rt_nft_set_port_ranges(s, &found);
			break;
		}
	}
	if (it)
		nftnl_set_list_iter_destroy(it);
	/* a set of one range reads as the rule nft would write for it: rebuilt */
	if (!ok || found.n < 2 || d->have_ports || !port_side(d, found.range, found.n))
		reject(d);
	free(found.range);
	d->load = LOAD_NONE;
}

static void decode_bitwise(struct decoder *d, const struct nftnl_expr *e)
{
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), n = 0;
	const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &n);
	const uint8_t *xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &n);

	if (d->load != LOAD_PAYLOAD || d->masked || len != d->len || len > sizeof(d->mask) ||
	    !mask || !xor || !rt_all_zero(xor, len))
		return reject(d);
	memcpy(d->mask, mask, len);
	d->masked = true;
}

static void decode_expr(struct decoder *d, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (strcmp(name, "meta") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG)) {
		d->load = LOAD_META;
		d->key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	} else if (strcmp(name, "payload") == 0 &&
		   nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) {
		d->load = LOAD_PAYLOAD;
		d->base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
		d->offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
		d->len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
		d->masked = false;
	} else if (strcmp(name, "fib") == 0) {
		if (nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT) != NFT_FIB_RESULT_ADDRTYPE ||
		    nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS) != NFTA_FIB_F_DADDR)
			reject(d);
		d->load = LOAD_FIB;
	} else if (strcmp(name, "cmp") == 0) {
		decode_cmp(d, e);
	} else if (strcmp(name, "range") == 0) {
		decode_range(d, e);
	} else if (strcmp(name, "lookup") == 0) {
		decode_lookup(d, e);
	} else if (strcmp(name, "bitwise") == 0) {
		decode_bitwise(d, e);
	} else if (strcmp(name, "counter") == 0) {
		d->out->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		d->out->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
		if (d->out->r.verdict != RT_VERDICT_NONE)
			reject(d);
		d->out->r.verdict = RT_VERDICT_COUNT;
	} else if (strcmp(name, "notrack") == 0) {
		if (d->out->r.verdict != RT_VERDICT_COUNT)
			reject(d);
		d->out->r.verdict = RT_VERDICT_NOTRACK;
	} else {
		reject(d);
	}
}

static int udata_comment(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;
	uint8_t len = nftnl_udata_len(attr);
	const char *value = nftnl_udata_get(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && len > 0 &&
	    value[len - 1] == '\0')
		*comment = value;
	return 0;
}

bool rt_nft_rule_decode(const struct nftnl_rule *nr, const struct nftnl_set_list *sets,
			struct rt_nft_rule *out)
{
	struct decoder d = { .out = out, .sets = sets, .ok = true };
	const char *chain = nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN), *text = NULL;
	struct nftnl_expr_iter *it;
	uint32_t len = 0;
	const void *udata;

	memset(out, 0, sizeof(*out));
	rt_rule_init(&out->r);
	out->r.table = RT_TABLE_RAW;
	out->r.hook = chain && strcmp(chain, "output") == 0 ? RT_HOOK_OUTPUT
							    : RT_HOOK_PREROUTING;
	out->handle = nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE);
	udata = nftnl_rule_get_data(nr, NFTNL_RULE_USERDATA, &len);
	if (udata)
		nftnl_udata_parse(udata, len, udata_comment, &text);
	if (text)
		snprintf(out->r.comment, sizeof(out->r.comment), "%s", text);
	it = nftnl_expr_iter_create(nr);
	for (struct nftnl_expr *e = it ? nftnl_expr_iter_next(it) : NULL; e && d.ok;
	     e = nftnl_expr_iter_next(it))
		decode_expr(&d, e);
	if (it)
		nftnl_expr_iter_destroy(it);
	else
		d.ok = false;
	/* a load without its test, or a rule with no counter */
	if (d.load != LOAD_NONE || d.has_gte || out->r.verdict == RT_VERDICT_NONE)
		d.ok = false;
	out->r.foreign = !d.ok;
	return d.ok;
}
