// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Entries as libiptc takes them, for both families: exact sizes and layout,
 * build then decode gives the rule back, and anything rawtune does not make
 * decodes as foreign. No kernel: the ops tables' build, decode, size,
 * counters and rename_target only.
 */
/* glibc's headers first: they tell linux/in.h and linux/if.h to stand back */
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <check.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

static const struct rt_family_ops *const families[] = { &rt_iptc4_ops, &rt_iptc6_ops };

static struct rawtune_ctx *ctx;

static void setup(void)
{
	ck_assert_int_eq(rawtune_new(&ctx), 0);
}

static bool is_v4(const struct rt_family_ops *ops)
{
	return ops == &rt_iptc4_ops;
}

static void teardown(void)
{
	ck_assert_ptr_null(rawtune_unref(ctx));
	ctx = NULL;
}

/* ---- the family's header, seen through one view -------------------------- */

struct head {
	size_t size; /* XT_ALIGN(sizeof(entry)) */
	char *iniface, *outiface;
	unsigned char *iniface_mask, *outiface_mask;
	uint16_t *proto;
	uint8_t *flags, *invflags;
	uint8_t *addrs; /* source, destination and their masks */
	size_t addrs_len;
	uint16_t *target_offset, *next_offset;
	struct xt_counters *counters;
	uint8_t proto_flag; /* what must accompany a protocol */
};

#define HEAD_OF(e, ip, flag)                                                            \
	((struct head){                                                                 \
		.size = XT_ALIGN(sizeof(*(e))),                                         \
		.iniface = (e)->ip.iniface,                                             \
		.outiface = (e)->ip.outiface,                                           \
		.iniface_mask = (e)->ip.iniface_mask,                                   \
		.outiface_mask = (e)->ip.outiface_mask,                                 \
		.proto = &(e)->ip.proto,                                                \
		.flags = &(e)->ip.flags,                                                \
		.invflags = &(e)->ip.invflags,                                          \
		.addrs = (uint8_t *)&(e)->ip.src,                                       \
		.addrs_len = 4 * sizeof((e)->ip.src),                                   \
		.target_offset = &(e)->target_offset,                                   \
		.next_offset = &(e)->next_offset,                                       \
		.counters = &(e)->counters,                                             \
		.proto_flag = (flag),                                                   \
	})

static struct head head_of(const struct rt_family_ops *ops, void *entry)
{
	if (ops == &rt_iptc4_ops)
		return HEAD_OF((struct ipt_entry *)entry, ip, 0);
	return HEAD_OF((struct ip6t_entry *)entry, ipv6, IP6T_F_PROTO);
}

static size_t head_size(const struct rt_family_ops *ops)
{
	return ops == &rt_iptc4_ops ? XT_ALIGN(sizeof(struct ipt_entry))
				    : XT_ALIGN(sizeof(struct ip6t_entry));
}

/* ---- what an entry should hold ------------------------------------------- */

/* A match or target of @payload bytes, as the kernel sizes it. */
#define EXT_SIZE(payload) (XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(payload))
#define STANDARD_SIZE EXT_SIZE(sizeof(((struct xt_standard_target *)0)->verdict))
#define CT_SIZE EXT_SIZE(sizeof(struct xt_ct_target_info_v1))

struct ext {
	const char *name;
	uint8_t revision;
	size_t size;
};

/* The most matches an entry can have: tcp, multiport, addrtype, owner, conntrack, comment. */
#define EXT_MAX 6
#define OWNER_SIZE EXT_SIZE(sizeof(struct xt_owner_match_info))

/* The matches rawtune writes for @r, in order; returns how many. */
static size_t expected_matches(const struct rt_rule *r, struct ext out[EXT_MAX])
{
	size_t n = 0;

	if (r->pmtu)
		out[n++] = (struct ext){ r->family == RAWTUNE_FAMILY_IPV4 ? "icmp" : "icmp6", 0,
					 EXT_SIZE(sizeof(struct ipt_icmp)) };
	/*
	 * The SYN flags (--syn, ! --syn) and the far side's range need the tcp or
	 * udp match; with more ports a multiport match follows.
	 */
	if ((r->nports == 1 || r->syn || r->notsyn || r->has_other) && r->proto == IPPROTO_TCP)
		out[n++] = (struct ext){ "tcp", 0, EXT_SIZE(sizeof(struct xt_tcp)) };
	else if (r->nports == 1 || r->has_other)
		out[n++] = (struct ext){ "udp", 0, EXT_SIZE(sizeof(struct xt_udp)) };
	if (r->nports > 1)
		out[n++] = (struct ext){ "multiport", 1,
					 EXT_SIZE(sizeof(struct xt_multiport_v1)) };
	/* after the ports: a route lookup that unrelated packets never reach */
	if (r->dst_local || r->dst_not_local)
		out[n++] = (struct ext){ "addrtype", 1,
					 EXT_SIZE(sizeof(struct xt_addrtype_info_v1)) };
	if (r->has_owner)
		out[n++] = (struct ext){ "owner", 1, OWNER_SIZE };
	if (r->untracked)
		out[n++] = (struct ext){ "conntrack", 3,
					 EXT_SIZE(sizeof(struct xt_conntrack_mtinfo3)) };
	if (r->comment[0])
		out[n++] = (struct ext){ "comment", 0,
					 EXT_SIZE(sizeof(struct xt_comment_info)) };
	return n;
}

static size_t expected_target_size(const struct rt_rule *r)
{
	return r->verdict == RT_VERDICT_NOTRACK ? CT_SIZE : STANDARD_SIZE;
}

static size_t expected_size(const struct rt_family_ops *ops, const struct rt_rule *r)
{
	struct ext ext[EXT_MAX];
	size_t n = expected_matches(r, ext), size = head_size(ops);

	for (size_t i = 0; i < n; i++)
		size += ext[i].size;
	return size + expected_target_size(r);
}

/* The name libiptc reports for the target of @r. */
static const char *target_name(const struct rt_rule *r, char chain[RT_CHAIN_MAX])
{
	switch (r->verdict) {
	case RT_VERDICT_COUNT:
		/* a standard target without a verdict: libiptc's fall-through */
		return "";
	case RT_VERDICT_NOTRACK:
		return "CT";
	case RT_VERDICT_ACCEPT:
		return "ACCEPT";
	case RT_VERDICT_JUMP:
		rt_hook_chain(r->hook, chain);
		return chain;
	case RT_VERDICT_NONE:
		break;
	}
	ck_abort_msg("no target name for verdict %d", r->verdict);
	return NULL;
}

static struct xt_entry_match *match_at(uint8_t *e, size_t off)
{
	return (struct xt_entry_match *)(e + off);
}

static struct xt_entry_target *target_of(const struct rt_family_ops *ops, uint8_t *e)
{
	return (struct xt_entry_target *)(e + *head_of(ops, e).target_offset);
}

/* The match named @name, or NULL. */
static struct xt_entry_match *find_match(const struct rt_family_ops *ops, uint8_t *e,
					 const char *name)
{
	struct head h = head_of(ops, e);

	for (size_t off = h.size; off < *h.target_offset;) {
		struct xt_entry_match *m = match_at(e, off);

		ck_assert_uint_ge(m->u.match_size, sizeof(*m));
		if (strcmp(m->u.user.name, name) == 0)
			return m;
		off += m->u.match_size;
	}
	return NULL;
}

/*
 * As iptables stores them: "lo" with 0xff over the name and its NUL; a
 * wildcard "veth+" with 0xff over "veth" only; zero after.
 */
static void assert_iface(const char *name, const unsigned char *mask, const char *want)
{
	size_t len = strlen(want);
	size_t masked = !len ? 0 : want[len - 1] == '+' ? len - 1 : len + 1;

	ck_assert_str_eq(name, want);
	ck_assert(rt_all_zero(name + len, IFNAMSIZ - len));
	for (size_t i = 0; i < IFNAMSIZ; i++)
		ck_assert_uint_eq(mask[i], i < masked ? 0xff : 0);
}

/* An address and its mask as iptables stores "-s 192.0.2.0/24", or all zero for any. */
static void assert_addr(const uint8_t *addr, const uint8_t *mask, size_t len,
			const struct rt_addr *want)
{
	ck_assert_int_eq(memcmp(addr, &want->addr, want->family ? len : 0), 0);
	if (!want->family)
		ck_assert(rt_all_zero(addr, len));
	for (size_t i = 0; i < len; i++) {
		unsigned int bits = want->prefix > i * 8 ? want->prefix - i * 8 : 0;

		ck_assert_uint_eq(mask[i], bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits));
	}
}

static void assert_header(const struct rt_family_ops *ops, uint8_t *e, const struct rt_rule *r)
{
	struct head h = head_of(ops, e);
	size_t alen = h.addrs_len / 4; /* src, dst, smsk, dmsk */
	uint16_t proto = r->proto;

	if (r->pmtu)
		proto = is_v4(ops) ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	ck_assert_uint_eq(*h.proto, proto);
	ck_assert_uint_eq(*h.flags, proto ? h.proto_flag : 0);
	/* "! -o": IPT_INV_VIA_OUT, the same bit in IPv6 */
	ck_assert_uint_eq(*h.invflags, r->outiface_inv ? IPT_INV_VIA_OUT : 0);
	ck_assert_uint_eq(IPT_INV_VIA_OUT, IP6T_INV_VIA_OUT);
	assert_addr(h.addrs, h.addrs + 2 * alen, alen, &r->src);
	assert_addr(h.addrs + alen, h.addrs + 3 * alen, alen, &r->dst);
	ck_assert(rt_all_zero(h.counters, sizeof(*h.counters)));
	assert_iface(h.iniface, h.iniface_mask, r->iniface);
	assert_iface(h.outiface, h.outiface_mask, r->outiface);
}

/*
 * A tcp or udp match's port ranges: the rule's one range, or any port with
 * more ranges; on the other side any port, or the far side's range (a
 * client's replies: source ports, destination range).
 */
static void assert_port_range(const struct xt_entry_match *m, const struct rt_rule *r)
{
	/* tcp and udp share the port layout */
	const struct xt_udp *udp = (const void *)m->data;
	const uint16_t *ports = r->dport ? udp->dpts : udp->spts;
	const uint16_t *other = r->dport ? udp->spts : udp->dpts;

	if (r->nports == 1) {
		ck_assert_uint_eq(ports[0], r->ports[0].lo);
		ck_assert_uint_eq(ports[1], r->ports[0].hi);
	} else if (!r->has_other) {
		/* the multiport match after it has the ports */
		ck_assert_uint_eq(ports[0], 0);
		ck_assert_uint_eq(ports[1], UINT16_MAX);
	}
	if (r->has_other) {
		ck_assert(!r->dport);
		ck_assert_uint_eq(udp->dpts[0], r->other.lo);
		ck_assert_uint_eq(udp->dpts[1], r->other.hi);
		if (r->nports > 1) {
			ck_assert_uint_eq(udp->spts[0], 0);
			ck_assert_uint_eq(udp->spts[1], UINT16_MAX);
		}
	} else {
		ck_assert_uint_eq(other[0], 0);
		ck_assert_uint_eq(other[1], UINT16_MAX);
	}
}

static void assert_multiport(const struct xt_entry_match *m, const struct rt_rule *r)
{
	const struct xt_multiport_v1 *mp = (const void *)m->data;
	unsigned int k = 0;

	ck_assert_uint_eq(mp->flags, r->dport ? XT_MULTIPORT_DESTINATION : XT_MULTIPORT_SOURCE);
	ck_assert_uint_eq(mp->invert, 0);
	for (unsigned int i = 0; i < r->nports; i++) {
		if (r->ports[i].lo != r->ports[i].hi) {
			ck_assert_uint_eq(mp->pflags[k], 1);
			ck_assert_uint_eq(mp->ports[k++], r->ports[i].lo);
		}
		ck_assert_uint_eq(mp->pflags[k], 0);
		ck_assert_uint_eq(mp->ports[k++], r->ports[i].hi);
	}
	ck_assert_uint_eq(mp->count, k);
	ck_assert_uint_le(mp->count, XT_MULTI_PORTS);
}

static void assert_match(const struct xt_entry_match *m, const struct ext *want,
			 const struct rt_rule *r)
{
	ck_assert_str_eq(m->u.user.name, want->name);
	ck_assert_uint_eq(m->u.user.revision, want->revision);
	ck_assert_uint_eq(m->u.match_size, want->size);
	if (strcmp(want->name, "addrtype") == 0) {
		const struct xt_addrtype_info_v1 *at = (const void *)m->data;

		ck_assert_uint_eq(at->dest, XT_ADDRTYPE_LOCAL);
		ck_assert_uint_eq(at->source, 0);
		ck_assert_uint_eq(at->flags, r->dst_not_local ? XT_ADDRTYPE_INVERT_DEST : 0);
	} else if (strcmp(want->name, "icmp") == 0) {
		const struct ipt_icmp *icmp = (const void *)m->data;

		/* fragmentation needed: type 3, code 4 */
		ck_assert_uint_eq(icmp->type, 3);
		ck_assert_uint_eq(icmp->code[0], 4);
		ck_assert_uint_eq(icmp->code[1], 4);
		ck_assert_uint_eq(icmp->invflags, 0);
	} else if (strcmp(want->name, "icmp6") == 0) {
		const struct ip6t_icmp *icmp = (const void *)m->data;

		/* packet too big: type 2, any code */
		ck_assert_uint_eq(icmp->type, 2);
		ck_assert_uint_eq(icmp->code[0], 0);
		ck_assert_uint_eq(icmp->code[1], 255);
		ck_assert_uint_eq(icmp->invflags, 0);
	} else if (strcmp(want->name, "conntrack") == 0) {
		const struct xt_conntrack_mtinfo3 *ct = (const void *)m->data;

		ck_assert_uint_eq(ct->match_flags, XT_CONNTRACK_STATE);
		ck_assert_uint_eq(ct->state_mask, XT_CONNTRACK_STATE_UNTRACKED);
		ck_assert_uint_eq(ct->invert_flags, 0);
	} else if (strcmp(want->name, "comment") == 0) {
		const struct xt_comment_info *c = (const void *)m->data;

		ck_assert_str_eq(c->comment, r->comment);
	} else if (strcmp(want->name, "tcp") == 0) {
		const struct xt_tcp *tcp = (const void *)m->data;

		assert_port_range(m, r);
		/* --tcp-flags FIN,SYN,RST,ACK SYN, inverted for ! --syn, or no flags at all */
		ck_assert_uint_eq(tcp->flg_mask, r->syn || r->notsyn ? 0x17 : 0);
		ck_assert_uint_eq(tcp->flg_cmp, r->syn || r->notsyn ? 0x02 : 0);
		ck_assert_uint_eq(tcp->option, 0);
		ck_assert_uint_eq(tcp->invflags, r->notsyn ? XT_TCP_INV_FLAGS : 0);
	} else if (strcmp(want->name, "udp") == 0) {
		const struct xt_udp *udp = (const void *)m->data;

		assert_port_range(m, r);
		ck_assert_uint_eq(udp->invflags, 0);
	} else if (strcmp(want->name, "owner") == 0) {
		const struct xt_owner_match_info *o = (const void *)m->data;

		/* --uid-owner UID: one uid, no group, nothing inverted */
		ck_assert_uint_eq(o->uid_min, r->owner);
		ck_assert_uint_eq(o->uid_max, r->owner);
		ck_assert_uint_eq(o->gid_min, 0);
		ck_assert_uint_eq(o->gid_max, 0);
		ck_assert_uint_eq(o->match, XT_OWNER_UID);
		ck_assert_uint_eq(o->invert, 0);
	} else {
		ck_assert_str_eq(want->name, "multiport");
		assert_multiport(m, r);
	}
}

static void assert_target(const struct xt_entry_target *t, const struct rt_rule *r)
{
	char chain[RT_CHAIN_MAX];

	ck_assert_uint_eq(t->u.target_size, expected_target_size(r));
	ck_assert_str_eq(t->u.user.name, target_name(r, chain));
	if (r->verdict == RT_VERDICT_NOTRACK) {
		const struct xt_ct_target_info_v1 *ct = (const void *)t->data;

		ck_assert_uint_eq(t->u.user.revision, 2);
		ck_assert_uint_eq(ct->flags, XT_CT_NOTRACK);
		ck_assert_str_eq(ct->helper, "");
		ck_assert_uint_eq(ct->zone, 0);
	} else {
		const struct xt_standard_target *st = (const void *)t;

		/* libiptc turns the name into the verdict: ours stays 0 */
		ck_assert_uint_eq(t->u.user.revision, 0);
		ck_assert_int_eq(st->verdict, 0);
	}
	if (r->verdict == RT_VERDICT_COUNT)
		ck_assert_str_eq(t->u.user.name, XT_STANDARD_TARGET);
}

/* Build @r for @ops into @buf and check every byte that matters. */
static size_t build_checked(const struct rt_family_ops *ops, const struct rt_rule *r,
			    uint8_t buf[RT_ENTRY_MAX])
{
	size_t size = ops->build(r, buf, RT_ENTRY_MAX), off;
	struct head h = head_of(ops, buf);
	struct ext ext[EXT_MAX];
	size_t n = expected_matches(r, ext);

	ck_assert_uint_eq(size, expected_size(ops, r));
	ck_assert_uint_eq(ops->size(buf), size);
	ck_assert_uint_eq(*h.next_offset, size);
	ck_assert_uint_eq(*h.target_offset, size - expected_target_size(r));
	assert_header(ops, buf, r);
	off = h.size;
	for (size_t i = 0; i < n; i++) {
		assert_match(match_at(buf, off), &ext[i], r);
		off += ext[i].size;
	}
	ck_assert_uint_eq(off, *h.target_offset);
	assert_target(target_of(ops, buf), r);
	return size;
}

/* Decode as rt_chain_read() does: table and hook from where the entry was found. */
static void decode(const struct rt_family_ops *ops, const uint8_t *e, const char *target,
		   enum rt_table table, enum rt_hook hook, struct rt_rule *out)
{
	rt_rule_init(out);
	out->table = table;
	out->hook = hook;
	ops->decode(e, target, out);
}

static void assert_roundtrip(const struct rt_family_ops *ops, const struct rt_rule *r)
{
	uint8_t buf[RT_ENTRY_MAX];
	char chain[RT_CHAIN_MAX];
	struct rt_rule back;

	build_checked(ops, r, buf);
	decode(ops, buf, target_name(r, chain), r->table, r->hook, &back);
	ck_assert_msg(!back.foreign, "%s: rule decodes as foreign", ops->name);
	/* the fields one by one first, for a message that says which */
	ck_assert(back.syn == r->syn);
	ck_assert(back.notsyn == r->notsyn);
	ck_assert(back.outiface_inv == r->outiface_inv);
	ck_assert(back.has_other == r->has_other);
	ck_assert_uint_eq(back.other.lo, r->other.lo);
	ck_assert_uint_eq(back.other.hi, r->other.hi);
	ck_assert(back.has_owner == r->has_owner);
	ck_assert_uint_eq(back.owner, r->owner);
	ck_assert(back.dport == r->dport);
	ck_assert_uint_eq(back.nports, r->nports);
	ck_assert(rt_rule_equal(&back, r));
}

/* ---- rules to build ------------------------------------------------------ */

static struct rawtune_profile *profile(const char *ports, unsigned int protocols,
				       enum rawtune_direction direction)
{
	struct rawtune_profile *p;

	ck_assert_int_eq(rawtune_profile_new(ctx, "web", &p), 0);
	ck_assert_int_eq(rawtune_profile_set_ports(p, ports), 0);
	ck_assert_int_eq(rawtune_profile_set_protocols(p, protocols), 0);
	ck_assert_int_eq(rawtune_profile_set_direction(p, direction), 0);
	return p;
}

/* Rule @i of the raw plan of web @ports (tcp) in @direction, with one peer for a client. */
static void plan_rule(const char *ports, enum rawtune_direction direction, size_t i,
		      struct rt_rule *out)
{
	struct rawtune_profile *p = profile(ports, RAWTUNE_PROTO_TCP, direction);
	struct rt_plan pl;

	if (direction == RAWTUNE_DIRECTION_CLIENT)
		ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10"), 0);
	ck_assert_int_eq(rt_plan_table(p, RT_TABLE_RAW, &pl), 0);
	ck_assert_uint_lt(i, pl.n);
	*out = pl.rule[i];
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}

/* web 80's raw rules, as web80_rule() counts them */
enum {
	RAW_COUNT,	/* PREROUTING, SYN only, no target */
	RAW_PREROUTING, /* PREROUTING -j CT --notrack */
	RAW_OUTPUT,	/* the replies: ! --syn */
	RAW_OUTPUT_LO,
};

/* A client's rules: OUTPUT count and notrack to the peer, PREROUTING replies from it. */
enum {
	CLIENT_COUNT,
	CLIENT_OUTPUT,
	CLIENT_REPLY, /* ! --syn, --dport 32768:60999 */
};

/* Rule @i of web 80's raw plan, as above. */
static void web80_rule(size_t i, struct rt_rule *out)
{
	plan_rule("80", RAWTUNE_DIRECTION_SERVER, i, out);
}

/*
 * The filter accepts of the earlier design for web @ports, built by hand: INPUT,
 * INPUT -i lo, OUTPUT, OUTPUT -o lo, each "-m conntrack --ctstate UNTRACKED
 * -j ACCEPT". The plan makes them no more, but rawtune still reads such
 * rules back (to take them away), and its twins carry the same UNTRACKED
 * match.
 */
static void accept_rule_ports(const char *ports, size_t i, struct rt_rule *out)
{
	static const struct {
		enum rt_hook hook;
		bool dport;
		const char *in, *out;
	} shapes[] = {
		{ RT_HOOK_INPUT, true, "", "" },
		{ RT_HOOK_INPUT, false, "lo", "" },
		{ RT_HOOK_OUTPUT, false, "", "" },
		{ RT_HOOK_OUTPUT, true, "", "lo" },
	};

	ck_assert_uint_lt(i, ARRAY_SIZE(shapes));
	plan_rule(ports, RAWTUNE_DIRECTION_SERVER, RAW_PREROUTING, out);
	out->table = RT_TABLE_FILTER;
	out->hook = shapes[i].hook;
	out->dport = shapes[i].dport;
	out->dst_local = false;
	out->untracked = true;
	strcpy(out->iniface, shapes[i].in);
	strcpy(out->outiface, shapes[i].out);
	out->verdict = RT_VERDICT_ACCEPT;
}

static void accept_rule(size_t i, struct rt_rule *out)
{
	accept_rule_ports("80", i, out);
}

/* The earlier design's PMTU accept for @family in filter INPUT, by hand as the above. */
static void pmtu_rule(enum rawtune_family family, struct rt_rule *out)
{
	rt_rule_init(out);
	out->table = RT_TABLE_FILTER;
	out->hook = RT_HOOK_INPUT;
	out->family = family;
	out->pmtu = true;
	strcpy(out->comment, "rawtune:web");
	out->verdict = RT_VERDICT_ACCEPT;
}

/* The udp reply of dns 53 with an owner: "-p udp -m udp --sport 53 -m owner --uid-owner 53". */
static void owner_rule(struct rt_rule *out)
{
	struct rawtune_profile *p = profile("53", RAWTUNE_PROTO_UDP, RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_owner(p, "53"), 0);
	ck_assert_int_eq(rt_plan_table(p, RT_TABLE_RAW, &pl), 0);
	ck_assert_uint_eq(pl.n, 3);
	*out = pl.rule[1];
	ck_assert(out->has_owner);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}

/* A tcp client's reply from its peer in @family, with ! --syn and --dport 32768:60999. */
static void client_reply_rule(const char *ports, enum rawtune_family family, struct rt_rule *out)
{
	struct rawtune_profile *p = profile(ports, RAWTUNE_PROTO_TCP, RAWTUNE_DIRECTION_CLIENT);
	struct rt_plan pl;

	ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	ck_assert_int_eq(rt_plan_table(p, RT_TABLE_RAW, &pl), 0);
	rt_plan_keep_family(&pl, family);
	ck_assert_uint_eq(pl.n, 3);
	*out = pl.rule[CLIENT_REPLY];
	ck_assert(out->has_other && out->notsyn);
	ck_assert_int_eq(out->src.family, family);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}

/* web 80's reply without loopback: "! -o lo". */
static void nolo_rule(struct rt_rule *out)
{
	static const struct rt_plan_env env = { .loopback = false, .ephemeral = { 32768, 60999 } };
	struct rawtune_profile *p = profile("80", RAWTUNE_PROTO_TCP, RAWTUNE_DIRECTION_SERVER);
	struct rt_plan pl;

	ck_assert_int_eq(rt_plan_table_env(p, RT_TABLE_RAW, &env, &pl), 0);
	ck_assert_uint_eq(pl.n, 3);
	*out = pl.rule[RAW_OUTPUT];
	ck_assert(out->outiface_inv);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
}

/* ---- sizes --------------------------------------------------------------- */

/* The kernel's sizes on x86_64, which the kernel checks exactly. */
START_TEST(test_layout)
{
#if defined(__x86_64__)
	ck_assert_uint_eq(sizeof(struct ipt_entry), 112);
	ck_assert_uint_eq(sizeof(struct ip6t_entry), 168);
	ck_assert_uint_eq(sizeof(struct xt_entry_match), 32);
	ck_assert_uint_eq(sizeof(struct xt_entry_target), 32);
	ck_assert_uint_eq(XT_ALIGN(sizeof(struct xt_tcp)), 16);
	ck_assert_uint_eq(XT_ALIGN(sizeof(struct xt_udp)), 16);
	ck_assert_uint_eq(sizeof(struct xt_addrtype_info_v1), 8);
	ck_assert_uint_eq(XT_ALIGN(sizeof(struct xt_multiport_v1)), 48);
	ck_assert_uint_eq(XT_ALIGN(sizeof(struct xt_conntrack_mtinfo3)), 168);
	ck_assert_uint_eq(XT_ALIGN(sizeof(struct xt_owner_match_info)), 24);
	ck_assert_uint_eq(OWNER_SIZE, 56);
	ck_assert_uint_eq(sizeof(struct xt_comment_info), 256);
	ck_assert_uint_eq(sizeof(struct xt_ct_target_info_v1), 72);
	ck_assert_uint_eq(STANDARD_SIZE, 40);
	ck_assert_uint_eq(CT_SIZE, 104);
#endif
}
END_TEST

/* RT_ENTRY_MAX holds the largest entry rawtune could build: every match at once. */
START_TEST(test_entry_max)
{
	size_t largest = XT_ALIGN(sizeof(struct ip6t_entry)) +
			 EXT_SIZE(sizeof(struct xt_addrtype_info_v1)) +
			 EXT_SIZE(sizeof(struct xt_tcp)) +
			 EXT_SIZE(sizeof(struct xt_multiport_v1)) + OWNER_SIZE +
			 EXT_SIZE(sizeof(struct xt_conntrack_mtinfo3)) +
			 EXT_SIZE(sizeof(struct xt_comment_info)) + CT_SIZE;
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	ck_assert_uint_le(largest, RT_ENTRY_MAX);
	web80_rule(RAW_PREROUTING, &r);
	r.untracked = true;
	r.nports = 2;
	r.ports[1].lo = r.ports[1].hi = 443;
	r.has_owner = true;
	r.owner = UINT32_MAX - 1;
	strcpy(r.iniface, "abcdefghijklmno");
	strcpy(r.outiface, "abcdefghijklmno");
	r.outiface_inv = true;
	/* without the SYN flags the ports need no tcp match */
	ck_assert_uint_eq(rt_iptc6_ops.build(&r, buf, sizeof(buf)),
			  largest - EXT_SIZE(sizeof(struct xt_tcp)));
	assert_roundtrip(&rt_iptc6_ops, &r);
	/* ! --syn: every match at once, and still a rule rawtune reads back */
	r.notsyn = true;
	ck_assert_uint_eq(rt_iptc6_ops.build(&r, buf, sizeof(buf)), largest);
	assert_roundtrip(&rt_iptc6_ops, &r);
	/* --syn with a target: no rule of rawtune's, but it fits */
	r.notsyn = false;
	r.syn = true;
	ck_assert_uint_eq(rt_iptc6_ops.build(&r, buf, sizeof(buf)), largest);
	build_checked(&rt_iptc6_ops, &r, buf);
	decode(&rt_iptc6_ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(back.foreign);
}
END_TEST

/* Exact sizes of web 80's entries, as literals. */
START_TEST(test_size_literals)
{
#if defined(__x86_64__)
	/*
	 * raw PREROUTING: 112 + addrtype 40 + tcp 48 + comment 288 + target, the
	 * count rule's standard 40 or CT 104; raw OUTPUT without the addrtype
	 */
	static const size_t raw[2][4] = { { 528, 592, 552, 552 }, { 584, 648, 608, 608 } };
	/* filter: 112 + tcp 48 + conntrack 200 + comment 288 + ACCEPT 40 */
	static const size_t filter[2][4] = { { 688, 688, 688, 688 }, { 744, 744, 744, 744 } };
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r;

	for (size_t f = 0; f < 2; f++) {
		for (size_t i = 0; i < 4; i++) {
			web80_rule(i, &r);
			ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), raw[f][i]);
		}
		for (size_t i = 0; i < 4; i++) {
			accept_rule(i, &r);
			ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), filter[f][i]);
		}
		/* a jump: comment and a standard target */
		rt_rule_jump(&r, RT_TABLE_RAW, RT_HOOK_PREROUTING);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 496 : 440);
		/* PMTU accept: icmp 40 + comment 288 + ACCEPT 40 */
		pmtu_rule(families[f]->family, &r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 536 : 480);
		/* web 80,443's count rule: the flags' tcp match 48, then multiport 80 */
		plan_rule("80,443", RAWTUNE_DIRECTION_SERVER, RAW_COUNT, &r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 664 : 608);
		/* a client's count rule, in OUTPUT: no addrtype; the peer is in the header */
		plan_rule("80", RAWTUNE_DIRECTION_CLIENT, CLIENT_COUNT, &r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 544 : 488);
		/* its replies: addrtype, the tcp match with both ranges and ! --syn, CT */
		plan_rule("80", RAWTUNE_DIRECTION_CLIENT, CLIENT_REPLY, &r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 648 : 592);
		/* with several ports: multiport 80 after the tcp match */
		plan_rule("80,443", RAWTUNE_DIRECTION_CLIENT, CLIENT_REPLY, &r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 728 : 672);
		/* a udp reply with an owner: udp 48, owner 56, comment, CT */
		owner_rule(&r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), f ? 664 : 608);
		/* "! -o lo" is a header flag: the reply's size */
		nolo_rule(&r);
		ck_assert_uint_eq(families[f]->build(&r, buf, sizeof(buf)), raw[f][RAW_OUTPUT]);
	}
	/* the target starts after the matches */
	web80_rule(RAW_PREROUTING, &r);
	rt_iptc4_ops.build(&r, buf, sizeof(buf));
	ck_assert_uint_eq(((struct ipt_entry *)buf)->target_offset, 488);
	ck_assert_uint_eq(((struct ipt_entry *)buf)->next_offset, 592);
	/* the count rule has the same matches, but the smaller target */
	web80_rule(RAW_COUNT, &r);
	rt_iptc4_ops.build(&r, buf, sizeof(buf));
	ck_assert_uint_eq(((struct ipt_entry *)buf)->target_offset, 488);
	ck_assert_uint_eq(((struct ipt_entry *)buf)->next_offset, 528);
#endif
}
END_TEST

/*
 * The count rule's entry, from the headers' sizes: header, addrtype, the tcp
 * match with the flags (and the port when there is one), multiport for more
 * ports, comment, a standard target.
 */
START_TEST(test_count_size)
{
	const struct rt_family_ops *ops = families[_i];
	size_t head = head_size(ops), single, multi;
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r;

	single = head + EXT_SIZE(sizeof(struct xt_addrtype_info_v1)) +
		 EXT_SIZE(sizeof(struct xt_tcp)) + EXT_SIZE(sizeof(struct xt_comment_info)) +
		 EXT_SIZE(sizeof(((struct xt_standard_target *)0)->verdict));
	multi = single + EXT_SIZE(sizeof(struct xt_multiport_v1));
	web80_rule(RAW_COUNT, &r);
	ck_assert_int_eq(r.verdict, RT_VERDICT_COUNT);
	ck_assert_uint_eq(build_checked(ops, &r, buf), single);
	ck_assert_uint_eq(*head_of(ops, buf).target_offset, single - STANDARD_SIZE);
	plan_rule("80,443", RAWTUNE_DIRECTION_SERVER, RAW_COUNT, &r);
	ck_assert_int_eq(r.verdict, RT_VERDICT_COUNT);
	ck_assert_uint_eq(build_checked(ops, &r, buf), multi);
	/* the client's has no addrtype */
	plan_rule("80", RAWTUNE_DIRECTION_CLIENT, CLIENT_COUNT, &r);
	ck_assert_int_eq(r.verdict, RT_VERDICT_COUNT);
	ck_assert_uint_eq(build_checked(ops, &r, buf),
			  single - EXT_SIZE(sizeof(struct xt_addrtype_info_v1)));
}
END_TEST

/* ---- build, then decode: every rule of several plans --------------------- */

static const struct {
	const char *ports;
	unsigned int protocols;
	enum rawtune_direction direction;
	const char *addresses, *interfaces, *peers, *owner;
	bool forward, no_loopback;
} plans[] = {
	{ .ports = "80", .protocols = RAWTUNE_PROTO_TCP },
	{ .ports = "80,443", .protocols = RAWTUNE_PROTO_TCP },
	{ .ports = "53,123,8000-8100,9000-9010", .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
	  .direction = RAWTUNE_DIRECTION_CLIENT, .peers = "192.0.2.10, 2001:db8::/64" },
	{ .ports = "8000-8100", .protocols = RAWTUNE_PROTO_UDP },
	{ .ports = "1-65535", .protocols = RAWTUNE_PROTO_TCP,
	  .direction = RAWTUNE_DIRECTION_CLIENT, .peers = "192.0.2.0/24, 2001:db8::/32" },
	{ .ports = "1,65535", .protocols = RAWTUNE_PROTO_UDP,
	  .direction = RAWTUNE_DIRECTION_CLIENT, .peers = "198.51.100.0/24, 2001:db8:6::/48" },
	{ .ports = NULL /* 1000 ports */, .protocols = RAWTUNE_PROTO_TCP },
	{ .ports = NULL /* 1000 ranges */, .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP },
	{ .ports = "80,443", .protocols = RAWTUNE_PROTO_TCP,
	  .addresses = "192.0.2.1, 198.51.100.0/24, 2001:db8::1, 2001:db8:1::/48, 10.1.2.3/17" },
	{ .ports = "53", .protocols = RAWTUNE_PROTO_UDP, .direction = RAWTUNE_DIRECTION_CLIENT,
	  .interfaces = "eth0, lo, abcdefghijklmno, veth+", .peers = "192.0.2.53, 2001:db8::53" },
	{ .ports = "80,8000-8100", .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
	  .addresses = "192.0.2.1, 2001:db8::/32", .interfaces = "eth1", .forward = true,
	  .peers = "203.0.113.0/24, 2001:db8:5::/48" },
	/* the owner on udp replies, and ! -o lo without loopback */
	{ .ports = "53,5353", .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
	  .owner = "0" },
	{ .ports = "53", .protocols = RAWTUNE_PROTO_UDP, .owner = "4294967294",
	  .addresses = "192.0.2.1, 2001:db8::1", .no_loopback = true },
	{ .ports = "80,443,8000-8100", .protocols = RAWTUNE_PROTO_TCP, .no_loopback = true },
	{ .ports = "443", .protocols = RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
	  .direction = RAWTUNE_DIRECTION_CLIENT, .peers = "192.0.2.10, 2001:db8::10",
	  .addresses = "192.0.2.1, 2001:db8::1", .interfaces = "eth0", .no_loopback = true },
};

/* 1000 ports, 2 to 2000, or 1000 ranges of 51 ports, 60 apart. */
static char *many(bool ranges)
{
	char *list = malloc(1000 * 12), *p = list;

	ck_assert_ptr_nonnull(list);
	for (unsigned int i = 0; i < 1000; i++) {
		unsigned int lo = ranges ? 10 + 60 * i : 2 + 2 * i;

		p += ranges ? sprintf(p, "%s%u-%u", i ? "," : "", lo, lo + 50)
			    : sprintf(p, "%s%u", i ? "," : "", lo);
	}
	return list;
}

/* Loop over plans x families. */
START_TEST(test_roundtrip_plans)
{
	const struct rt_family_ops *ops = families[_i % 2];
	size_t which = (size_t)_i / 2, rules = 0;
	char *list = plans[which].ports ? strdup(plans[which].ports) : many(which == 7);
	struct rawtune_profile *p = profile(list, plans[which].protocols,
					    plans[which].direction);
	struct rt_plan_env env = rt_plan_env_default;
	struct rt_plan pl;

	if (plans[which].addresses)
		ck_assert_int_eq(rawtune_profile_set_addresses(p, plans[which].addresses), 0);
	if (plans[which].interfaces)
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, plans[which].interfaces), 0);
	if (plans[which].peers)
		ck_assert_int_eq(rawtune_profile_set_peers(p, plans[which].peers), 0);
	if (plans[which].owner)
		ck_assert_int_eq(rawtune_profile_set_owner(p, plans[which].owner), 0);
	rawtune_profile_set_forward(p, plans[which].forward);
	env.loopback = !plans[which].no_loopback;
	ck_assert_int_eq(rt_plan_table_env(p, RT_TABLE_RAW, &env, &pl), 0);
	rt_plan_keep_family(&pl, ops->family);
	for (size_t i = 0; i < pl.n; i++)
		assert_roundtrip(ops, &pl.rule[i]);
	rules += pl.n;
	rt_plan_clear(&pl);
	ck_assert_uint_gt(rules, 0);
	/* the filter table has no plan to build */
	ck_assert_int_eq(rt_plan_table(p, RT_TABLE_FILTER, &pl), 0);
	ck_assert_uint_eq(pl.n, 0);
	rawtune_profile_unref(p);
	free(list);
}
END_TEST

START_TEST(test_roundtrip_jumps)
{
	static const struct {
		enum rt_table table;
		enum rt_hook hook;
	} jumps[] = {
		{ RT_TABLE_RAW, RT_HOOK_PREROUTING }, { RT_TABLE_RAW, RT_HOOK_OUTPUT },
		{ RT_TABLE_FILTER, RT_HOOK_INPUT },   { RT_TABLE_FILTER, RT_HOOK_FORWARD },
		{ RT_TABLE_FILTER, RT_HOOK_OUTPUT },
	};
	struct rt_rule r;

	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		for (size_t i = 0; i < ARRAY_SIZE(jumps); i++) {
			rt_rule_jump(&r, jumps[i].table, jumps[i].hook);
			assert_roundtrip(families[f], &r);
		}
	}
}
END_TEST

/* Interfaces up to the longest name, and both at once. */
START_TEST(test_roundtrip_ifaces)
{
	static const char *const names[] = { "lo", "e", "eth0", "abcdefghijklmno" };
	struct rt_rule r;

	ck_assert_uint_eq(strlen(names[3]), IFNAMSIZ - 1);
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			accept_rule(0, &r);
			strcpy(r.iniface, names[i]);
			assert_roundtrip(families[f], &r);
			strcpy(r.outiface, names[ARRAY_SIZE(names) - 1 - i]);
			assert_roundtrip(families[f], &r);
		}
	}
}
END_TEST

/* The longest comment a rule can carry survives the trip. Loop: families x notrack, count. */
START_TEST(test_roundtrip_long_comment)
{
	struct rt_rule r;

	web80_rule(_i / 2 ? RAW_COUNT : RAW_OUTPUT, &r);
	memset(r.comment, 'c', sizeof(r.comment) - 1);
	r.comment[sizeof(r.comment) - 1] = '\0';
	assert_roundtrip(families[_i % 2], &r);
}
END_TEST

/* ---- count rules --------------------------------------------------------- */

/* Profiles with count rules, in the shapes they come in. */
static const struct {
	const char *ports;
	enum rawtune_direction direction;
	const char *addresses, *interfaces;
	bool forward;
} count_plans[] = {
	{ .ports = "80" },
	{ .ports = "80,443" },
	{ .ports = "8000-8100" },
	{ .ports = "80,8000-8100,9000" },
	{ .ports = NULL /* 1000 ports */ },
	{ .ports = "80", .direction = RAWTUNE_DIRECTION_CLIENT },
	{ .ports = "80,443,8000-8100", .direction = RAWTUNE_DIRECTION_CLIENT },
	{ .ports = "80", .forward = true },
	{ .ports = "80,443", .forward = true },
	{ .ports = "80,443",
	  .addresses = "192.0.2.1, 198.51.100.0/24, 2001:db8::1, 2001:db8:1::/48" },
	{ .ports = "80", .interfaces = "eth0, lo, abcdefghijklmno, veth+" },
	{ .ports = "443", .direction = RAWTUNE_DIRECTION_CLIENT,
	  .addresses = "192.0.2.1, 2001:db8::1", .interfaces = "eth1" },
};

/*
 * Loop over count_plans x families: every count rule builds and decodes back
 * as itself, its target "" as RT_VERDICT_COUNT; its notrack rule follows in
 * the plan and decodes as itself.
 */
START_TEST(test_roundtrip_count)
{
	const struct rt_family_ops *ops = families[_i % 2];
	size_t which = (size_t)_i / 2, counts = 0;
	char *list = count_plans[which].ports ? strdup(count_plans[which].ports) : many(false);
	struct rawtune_profile *p = profile(list, RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP,
					    count_plans[which].direction);
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_plan pl;

	if (count_plans[which].addresses)
		ck_assert_int_eq(rawtune_profile_set_addresses(p, count_plans[which].addresses),
				 0);
	if (count_plans[which].interfaces)
		ck_assert_int_eq(rawtune_profile_set_interfaces(p, count_plans[which].interfaces),
				 0);
	rawtune_profile_set_forward(p, count_plans[which].forward);
	/* clients and forward reach their peers */
	if (count_plans[which].forward || count_plans[which].direction == RAWTUNE_DIRECTION_CLIENT)
		ck_assert_int_eq(rawtune_profile_set_peers(p, "192.0.2.10, 2001:db8::10"), 0);
	ck_assert_int_eq(rt_plan_table(p, RT_TABLE_RAW, &pl), 0);
	rt_plan_keep_family(&pl, ops->family);
	for (size_t i = 0; i < pl.n; i++) {
		const struct rt_rule *r = &pl.rule[i];
		struct rt_rule back, twin;
		bool found = false;

		if (r->verdict != RT_VERDICT_COUNT)
			continue;
		counts++;
		ck_assert(r->syn);
		ck_assert_uint_eq(r->proto, IPPROTO_TCP);
		assert_roundtrip(ops, r);
		build_checked(ops, r, buf);
		decode(ops, buf, "", r->table, r->hook, &back);
		ck_assert(!back.foreign);
		ck_assert_int_eq(back.verdict, RT_VERDICT_COUNT);
		ck_assert(back.syn);
		ck_assert(back.dport);
		ck_assert_uint_eq(back.nports, r->nports);
		ck_assert(rt_rule_equal(&back, r));
		/* the same matches with the notrack target: the flags make it foreign */
		twin = *r;
		twin.verdict = RT_VERDICT_NOTRACK;
		build_checked(ops, &twin, buf);
		decode(ops, buf, "CT", twin.table, twin.hook, &back);
		ck_assert_int_eq(back.verdict, RT_VERDICT_NOTRACK);
		ck_assert(back.syn && back.foreign);
		/* its notrack rule, without the flags */
		twin.syn = false;
		for (size_t j = i + 1; j < pl.n && !found; j++)
			found = rt_rule_equal(&twin, &pl.rule[j]);
		ck_assert(found);
		assert_roundtrip(ops, &twin);
	}
	ck_assert_uint_gt(counts, 0);
	rt_plan_clear(&pl);
	rawtune_profile_unref(p);
	free(list);
}
END_TEST

/*
 * Built as rawtune would build them, but not rawtune's: the count rule's
 * matches without the flags, and the flags with a target. Loop over the
 * single-port and the multiport count rule x families.
 */
START_TEST(test_count_built_foreign)
{
	static const enum rt_verdict verdicts[] = { RT_VERDICT_NOTRACK, RT_VERDICT_ACCEPT,
						    RT_VERDICT_JUMP };
	const struct rt_family_ops *ops = families[_i % 2];
	uint8_t buf[RT_ENTRY_MAX];
	char chain[RT_CHAIN_MAX];
	struct rt_rule count, r, back;

	plan_rule(_i / 2 ? "80,443" : "80", RAWTUNE_DIRECTION_SERVER, RAW_COUNT,
		  &count);
	ck_assert_int_eq(count.verdict, RT_VERDICT_COUNT);
	/* no flags, no target: a rule that counts every packet */
	r = count;
	r.syn = false;
	build_checked(ops, &r, buf);
	decode(ops, buf, "", r.table, r.hook, &back);
	ck_assert_int_eq(back.verdict, RT_VERDICT_COUNT);
	ck_assert(!back.syn);
	ck_assert(back.foreign);
	ck_assert(!rt_rule_equal(&back, &count));
	/* the flags and a target */
	for (size_t v = 0; v < ARRAY_SIZE(verdicts); v++) {
		r = count;
		r.verdict = verdicts[v];
		build_checked(ops, &r, buf);
		decode(ops, buf, target_name(&r, chain), r.table, r.hook, &back);
		ck_assert_int_eq(back.verdict, verdicts[v]);
		ck_assert(back.syn);
		ck_assert_msg(back.foreign, "verdict %d with --syn decodes as rawtune's",
			      verdicts[v]);
		ck_assert(!rt_rule_equal(&back, &count));
		ck_assert(!rt_rule_equal(&back, &r));
	}
}
END_TEST

/* A jump and an accept read back with libiptc's "" for their target: no rules of rawtune's. */
START_TEST(test_count_target_without_flags)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	rt_rule_jump(&r, RT_TABLE_RAW, RT_HOOK_PREROUTING);
	build_checked(ops, &r, buf);
	decode(ops, buf, "", r.table, r.hook, &back);
	ck_assert_int_eq(back.verdict, RT_VERDICT_COUNT);
	ck_assert(back.foreign);
	accept_rule(0, &r);
	build_checked(ops, &r, buf);
	decode(ops, buf, "", r.table, r.hook, &back);
	ck_assert_int_eq(back.verdict, RT_VERDICT_COUNT);
	ck_assert(back.foreign);
	/* and the notrack rule's matches with "" */
	web80_rule(RAW_PREROUTING, &r);
	build_checked(ops, &r, buf);
	decode(ops, buf, "", r.table, r.hook, &back);
	ck_assert(back.foreign);
}
END_TEST

/* ---- the header ---------------------------------------------------------- */

START_TEST(test_header_proto_flag)
{
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r;
	struct head h;

	web80_rule(RAW_PREROUTING, &r);
	rt_iptc4_ops.build(&r, buf, sizeof(buf));
	h = head_of(&rt_iptc4_ops, buf);
	ck_assert_uint_eq(*h.proto, IPPROTO_TCP);
	ck_assert_uint_eq(*h.flags, 0);
	rt_iptc6_ops.build(&r, buf, sizeof(buf));
	h = head_of(&rt_iptc6_ops, buf);
	ck_assert_uint_eq(*h.proto, IPPROTO_TCP);
	ck_assert_uint_eq(*h.flags, IP6T_F_PROTO);
	/* no protocol, no flag */
	rt_rule_jump(&r, RT_TABLE_RAW, RT_HOOK_PREROUTING);
	rt_iptc6_ops.build(&r, buf, sizeof(buf));
	ck_assert_uint_eq(*h.proto, 0);
	ck_assert_uint_eq(*h.flags, 0);
}
END_TEST

START_TEST(test_header_lo)
{
	static const unsigned char lo_mask[IFNAMSIZ] = { 0xff, 0xff, 0xff };
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r;
	struct head h;

	/* raw OUTPUT -o lo */
	web80_rule(RAW_OUTPUT_LO, &r);
	ck_assert_str_eq(r.outiface, "lo");
	ops->build(&r, buf, sizeof(buf));
	h = head_of(ops, buf);
	ck_assert_mem_eq(h.outiface, "lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0", IFNAMSIZ);
	ck_assert_mem_eq(h.outiface_mask, lo_mask, IFNAMSIZ);
	ck_assert(rt_all_zero(h.iniface, IFNAMSIZ));
	ck_assert(rt_all_zero(h.iniface_mask, IFNAMSIZ));
	/* filter INPUT -i lo */
	accept_rule(1, &r);
	ck_assert_str_eq(r.iniface, "lo");
	ops->build(&r, buf, sizeof(buf));
	ck_assert_mem_eq(h.iniface, "lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0", IFNAMSIZ);
	ck_assert_mem_eq(h.iniface_mask, lo_mask, IFNAMSIZ);
	ck_assert(rt_all_zero(h.outiface, IFNAMSIZ));
	ck_assert(rt_all_zero(h.outiface_mask, IFNAMSIZ));
}
END_TEST

/* ---- buffers too small --------------------------------------------------- */

/* Every length short of the entry gives 0, without a byte written past it. */
START_TEST(test_build_short)
{
	const struct rt_family_ops *ops = families[_i];
	struct rt_rule rules[5];

	web80_rule(RAW_PREROUTING, &rules[0]);
	accept_rule(3, &rules[1]);
	rt_rule_jump(&rules[2], RT_TABLE_FILTER, RT_HOOK_INPUT);
	web80_rule(RAW_COUNT, &rules[3]);
	plan_rule("80,443", RAWTUNE_DIRECTION_SERVER, RAW_COUNT, &rules[4]);
	for (size_t k = 0; k < ARRAY_SIZE(rules); k++) {
		size_t size = expected_size(ops, &rules[k]);

		for (size_t len = 0; len <= size; len++) {
			/* exactly @len bytes, so valgrind sees any write past them */
			uint8_t *buf = malloc(len ? len : 1);

			ck_assert_ptr_nonnull(buf);
			ck_assert_uint_eq(ops->build(&rules[k], buf, len),
					  len == size ? size : 0);
			free(buf);
		}
	}
}
END_TEST

/* Loop: the notrack rule (0), the count rule (1). */
START_TEST(test_build_body_short)
{
	uint8_t full[RT_ENTRY_MAX];
	size_t matches = 0, size, m2;
	struct rt_rule r;

	web80_rule(_i ? RAW_COUNT : RAW_PREROUTING, &r);
	size = rt_entry_build_body(&r, full, sizeof(full), &matches);
	ck_assert_uint_eq(size, expected_size(&rt_iptc4_ops, &r) - head_size(&rt_iptc4_ops));
	ck_assert_uint_eq(matches, size - (_i ? STANDARD_SIZE : CT_SIZE));
	for (size_t len = 0; len < size; len++) {
		uint8_t *buf = malloc(len ? len : 1);

		ck_assert_uint_eq(rt_entry_build_body(&r, buf, len, &m2), 0);
		free(buf);
	}
}
END_TEST

/* A rule without a target rawtune makes cannot be built. */
START_TEST(test_build_no_verdict)
{
	uint8_t buf[RT_ENTRY_MAX];
	size_t matches;
	struct rt_rule r;

	accept_rule(0, &r);
	r.verdict = RT_VERDICT_NONE;
	ck_assert_uint_eq(rt_entry_build_body(&r, buf, sizeof(buf), &matches), 0);
	ck_assert_uint_eq(rt_iptc4_ops.build(&r, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(rt_iptc6_ops.build(&r, buf, sizeof(buf)), 0);
}
END_TEST

/* ---- rename_target, size and counters ------------------------------------ */

START_TEST(test_rename_target)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct xt_entry_target *t;
	struct rt_rule r;

	/* a standard target read from the kernel has no name */
	accept_rule(0, &r);
	ops->build(&r, buf, sizeof(buf));
	t = target_of(ops, buf);
	memset(t->u.user.name, 0, sizeof(t->u.user.name));
	ops->rename_target(buf, "ACCEPT");
	ck_assert_str_eq(t->u.user.name, "ACCEPT");
	/* a name that is there stays */
	ops->rename_target(buf, "DROP");
	ck_assert_str_eq(t->u.user.name, "ACCEPT");
	/* a jump */
	rt_rule_jump(&r, RT_TABLE_FILTER, RT_HOOK_INPUT);
	ops->build(&r, buf, sizeof(buf));
	t = target_of(ops, buf);
	memset(t->u.user.name, 0, sizeof(t->u.user.name));
	ops->rename_target(buf, "RAWTUNE-INPUT");
	ck_assert_str_eq(t->u.user.name, "RAWTUNE-INPUT");
	/* CT is left alone */
	web80_rule(RAW_PREROUTING, &r);
	ops->build(&r, buf, sizeof(buf));
	ops->rename_target(buf, "ACCEPT");
	ck_assert_str_eq(target_of(ops, buf)->u.user.name, "CT");
	ck_assert_uint_eq(target_of(ops, buf)->u.user.revision, 2);
	/* the count rule's fall-through: libiptc names it "", and so it stays */
	web80_rule(RAW_COUNT, &r);
	ops->build(&r, buf, sizeof(buf));
	ops->rename_target(buf, "");
	ck_assert_str_eq(target_of(ops, buf)->u.user.name, "");
	ck_assert_uint_eq(target_of(ops, buf)->u.target_size, STANDARD_SIZE);
}
END_TEST

/* A name longer than the field is cut and stays terminated. */
START_TEST(test_rename_target_long)
{
	const struct rt_family_ops *ops = families[_i];
	char name[64];
	uint8_t buf[RT_ENTRY_MAX];
	struct xt_entry_target *t;
	struct rt_rule r;

	memset(name, 'N', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	rt_rule_jump(&r, RT_TABLE_FILTER, RT_HOOK_INPUT);
	ops->build(&r, buf, sizeof(buf));
	t = target_of(ops, buf);
	memset(t->u.user.name, 0, sizeof(t->u.user.name));
	ops->rename_target(buf, name);
	ck_assert_uint_eq(strlen(t->u.user.name), sizeof(t->u.user.name) - 1);
	ck_assert_int_eq(strncmp(t->u.user.name, name, sizeof(t->u.user.name) - 1), 0);
}
END_TEST

/* Loop: families x the notrack rule, the count rule (whose packets are entries saved). */
START_TEST(test_counters)
{
	const struct rt_family_ops *ops = families[_i % 2];
	uint8_t buf[RT_ENTRY_MAX];
	uint64_t packets = 1, bytes = 1;
	struct rt_rule r;

	web80_rule(_i / 2 ? RAW_COUNT : RAW_PREROUTING, &r);
	ops->build(&r, buf, sizeof(buf));
	ops->counters(buf, &packets, &bytes);
	ck_assert_uint_eq(packets, 0);
	ck_assert_uint_eq(bytes, 0);
	head_of(ops, buf).counters->pcnt = 12345678901ULL;
	head_of(ops, buf).counters->bcnt = 98765432109ULL;
	ops->counters(buf, &packets, &bytes);
	ck_assert_uint_eq(packets, 12345678901ULL);
	ck_assert_uint_eq(bytes, 98765432109ULL);
}
END_TEST

/* ---- what rawtune does not make decodes as foreign ----------------------- */

/*
 * Each case changes a built entry of web "80" (or web "80,443" for
 * multiport), or the name libiptc reports for its target.
 */
/* Rules that are not one of web 80's raw or filter rules. */
enum {
	RULE_PMTU = -1,	/* the family's PMTU accept */
	RULE_OWNER = -2,	/* owner_rule() */
	RULE_NOLO = -3,		/* nolo_rule() */
	RULE_CLIENT_REPLY = -4, /* a client's reply from its peer */
};

struct foreign_case {
	const char *what;
	enum rt_table table;
	int rule;          /* as web80_rule() or accept_rule() count, or RULE_* */
	bool multiport;    /* web "80,443" instead */
	const char *target; /* libiptc's target name, NULL: the right one */
	void (*patch)(const struct rt_family_ops *ops, uint8_t *e);
};

static void patch_none(const struct rt_family_ops *ops, uint8_t *e)
{
}

static void patch_invflags(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).invflags = IPT_INV_VIA_IN; /* same bit as IP6T_INV_VIA_IN */
}

static void patch_invflags_proto(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).invflags = IPT_INV_PROTO;
}

/* -s 10.0.0.1/32 or -s ::1/128 */
static void patch_source(const struct rt_family_ops *ops, uint8_t *e)
{
	struct head h = head_of(ops, e);
	size_t addr = h.addrs_len / 4;

	h.addrs[addr - 1] = 1;
	memset(h.addrs + 2 * addr, 0xff, addr);
	if (addr == 4)
		h.addrs[0] = 10;
}

/* -s 10.0.0.0/255.0.255.0: a mask that is no prefix */
static void patch_source_mask(const struct rt_family_ops *ops, uint8_t *e)
{
	struct head h = head_of(ops, e);
	size_t addr = h.addrs_len / 4;

	h.addrs[0] = 10;
	h.addrs[2 * addr] = 0xff;
	h.addrs[2 * addr + 2] = 0xff;
}

/* -d with the address only, no mask */
static void patch_destination(const struct rt_family_ops *ops, uint8_t *e)
{
	struct head h = head_of(ops, e);

	h.addrs[h.addrs_len / 4] = 10;
}

/* "eth" with the mask over its 3 characters only: neither "-i eth" nor "-i eth+" */
static void patch_wildcard_iface(const struct rt_family_ops *ops, uint8_t *e)
{
	struct head h = head_of(ops, e);

	memset(h.iniface, 0, IFNAMSIZ);
	memset(h.iniface_mask, 0, IFNAMSIZ);
	memcpy(h.iniface, "eth", 3);
	memset(h.iniface_mask, 0xff, 3);
}

/* "lo" with its NUL left out of the mask: "-i lo+" */
static void patch_lo_wildcard(const struct rt_family_ops *ops, uint8_t *e)
{
	head_of(ops, e).outiface_mask[2] = 0;
}

/* A mask without a name */
static void patch_mask_without_name(const struct rt_family_ops *ops, uint8_t *e)
{
	head_of(ops, e).iniface_mask[0] = 0xff;
}

static void patch_goto_flag(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).flags |= ops == &rt_iptc4_ops ? IPT_F_GOTO : IP6T_F_GOTO;
}

static void patch_icmp(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).proto = IPPROTO_ICMP;
}

static void patch_match_string(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "tcp");

	ck_assert_ptr_nonnull(m);
	strcpy(m->u.user.name, "string");
}

static void patch_match_revision(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "addrtype");

	ck_assert_ptr_nonnull(m);
	m->u.user.revision = 0;
}

static struct xt_tcp *tcp_of(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "tcp");

	ck_assert_ptr_nonnull(m);
	return (struct xt_tcp *)m->data;
}

/* --syn */
static void patch_tcp_flags(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_mask = 0x17;
	tcp_of(ops, e)->flg_cmp = 0x02;
}

static void patch_tcp_option(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->option = 2;
}

/* "! --dport 80" */
static void patch_tcp_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->invflags = XT_TCP_INV_DSTPT;
}

/* both --sport and --dport */
static void patch_tcp_both_ports(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->spts[0] = tcp_of(ops, e)->spts[1] = 1024;
}

static struct xt_multiport_v1 *multiport_of(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "multiport");

	ck_assert_ptr_nonnull(m);
	return (struct xt_multiport_v1 *)m->data;
}

static void patch_multiport_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	multiport_of(ops, e)->invert = 1;
}

/* --ports: source or destination */
static void patch_multiport_either(const struct rt_family_ops *ops, uint8_t *e)
{
	multiport_of(ops, e)->flags = XT_MULTIPORT_EITHER;
}

static struct xt_conntrack_mtinfo3 *conntrack_of(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "conntrack");

	ck_assert_ptr_nonnull(m);
	return (struct xt_conntrack_mtinfo3 *)m->data;
}

/* --ctstate UNTRACKED,ESTABLISHED */
static void patch_ctstate_more(const struct rt_family_ops *ops, uint8_t *e)
{
	conntrack_of(ops, e)->state_mask |= XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
}

/* --ctstate ESTABLISHED */
static void patch_ctstate_other(const struct rt_family_ops *ops, uint8_t *e)
{
	conntrack_of(ops, e)->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
}

/* ! --ctstate UNTRACKED */
static void patch_ctstate_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	conntrack_of(ops, e)->invert_flags = XT_CONNTRACK_STATE;
}

static void patch_addrtype_source(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "addrtype");

	ck_assert_ptr_nonnull(m);
	((struct xt_addrtype_info_v1 *)m->data)->source = XT_ADDRTYPE_LOCAL;
}

static struct xt_ct_target_info_v1 *ct_of(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_target *t = target_of(ops, e);

	ck_assert_str_eq(t->u.user.name, "CT");
	return (struct xt_ct_target_info_v1 *)t->data;
}

static struct ipt_icmp *icmp_of(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, is_v4(ops) ? "icmp" : "icmp6");

	ck_assert_ptr_nonnull(m);
	/* ipt_icmp and ip6t_icmp share their layout */
	return (struct ipt_icmp *)m->data;
}

/* another ICMP type: destination unreachable in IPv6, a type that does not exist in IPv4 */
static void patch_icmp_type(const struct rt_family_ops *ops, uint8_t *e)
{
	icmp_of(ops, e)->type = 1;
}

/* "--icmp-type 3" without the code, "--icmpv6-type 2/0" */
static void patch_icmp_code(const struct rt_family_ops *ops, uint8_t *e)
{
	struct ipt_icmp *icmp = icmp_of(ops, e);

	icmp->code[0] = 0;
	icmp->code[1] = is_v4(ops) ? 0xff : 0;
}

static void patch_icmp_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	icmp_of(ops, e)->invflags = IPT_ICMP_INV;
}

/* the other family's ICMP match */
static void patch_icmp_family(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, is_v4(ops) ? "icmp" : "icmp6");

	strcpy(m->u.user.name, is_v4(ops) ? "icmp6" : "icmp");
}

/* the icmp match under "-p tcp" */
static void patch_icmp_proto(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).proto = IPPROTO_TCP;
}

static void patch_ct_zone_flag(const struct rt_family_ops *ops, uint8_t *e)
{
	ct_of(ops, e)->flags |= XT_CT_ZONE_DIR_ORIG;
}

/* -j CT --helper ftp: no notrack at all */
static void patch_ct_helper_only(const struct rt_family_ops *ops, uint8_t *e)
{
	ct_of(ops, e)->flags = 0;
	strcpy(ct_of(ops, e)->helper, "ftp");
}

/*
 * Rules that look like rawtune's but do more or less: a CT target with a
 * helper or a zone besides notrack, and a tcp match that never matches.
 */
/* -j CT --notrack --helper ftp */
static void patch_ct_notrack_helper(const struct rt_family_ops *ops, uint8_t *e)
{
	strcpy(ct_of(ops, e)->helper, "ftp");
}

/* -j CT --notrack --zone 5 */
static void patch_ct_notrack_zone(const struct rt_family_ops *ops, uint8_t *e)
{
	ct_of(ops, e)->zone = 5;
}

/* --tcp-flags with an empty mask but a comparison: never matches */
static void patch_tcp_flg_cmp(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_cmp = 0x02;
}

/*
 * A count rule is rawtune's only as rawtune makes it: the tcp match with
 * exactly FIN,SYN,RST,ACK SYN and a standard target without a verdict.
 */
/* the flags dropped: a rule without a target that counts every packet */
static void patch_tcp_no_flags(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_mask = 0;
	tcp_of(ops, e)->flg_cmp = 0;
}

/* --tcp-flags NONE SYN: never matches */
static void patch_tcp_no_flags_mask(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_mask = 0;
}

/* --tcp-flags ALL SYN */
static void patch_tcp_flags_all(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_mask = 0x3f;
}

/* --tcp-flags SYN SYN: SYN-ACKs too */
static void patch_tcp_flags_syn_mask(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_mask = 0x02;
}

/* --tcp-flags FIN,SYN,RST,ACK SYN,ACK */
static void patch_tcp_flags_synack(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_cmp = 0x12;
}

/* ! --tcp-flags FIN,SYN,RST,ACK SYN */
static void patch_tcp_flags_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->invflags = XT_TCP_INV_FLAGS;
}

/* a port in the flags' tcp match besides the multiport match */
static void patch_tcp_port_and_multiport(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->dpts[0] = tcp_of(ops, e)->dpts[1] = 80;
}

/* "-p udp -m udp --dport 80" without a target: udp has no flags to count flows by */
static void patch_udp_no_target(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_tcp *tcp = tcp_of(ops, e);
	struct xt_entry_match *m = find_match(ops, e, "tcp");

	*head_of(ops, e).proto = IPPROTO_UDP;
	strcpy(m->u.user.name, "udp");
	/* xt_udp ends where xt_tcp has its option and flags */
	tcp->option = tcp->flg_mask = tcp->flg_cmp = tcp->invflags = 0;
}

static void patch_ct_revision0(const struct rt_family_ops *ops, uint8_t *e)
{
	target_of(ops, e)->u.user.revision = 0;
}

/* A match whose size runs past the target: the entry is not rawtune's to read. */
static void patch_match_size(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "comment");

	m->u.match_size += 8;
}

static void patch_target_offset(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).target_offset = 8;
}

static struct xt_owner_match_info *owner_of(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "owner");

	ck_assert_ptr_nonnull(m);
	return (struct xt_owner_match_info *)m->data;
}

/* ! --uid-owner 53 */
static void patch_owner_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	owner_of(ops, e)->invert = XT_OWNER_UID;
}

/* --uid-owner 53-54 */
static void patch_owner_range(const struct rt_family_ops *ops, uint8_t *e)
{
	owner_of(ops, e)->uid_max++;
}

/* --uid-owner 53 --gid-owner 0 */
static void patch_owner_gid(const struct rt_family_ops *ops, uint8_t *e)
{
	owner_of(ops, e)->match |= XT_OWNER_GID;
}

/* --uid-owner 53 --socket-exists */
static void patch_owner_socket(const struct rt_family_ops *ops, uint8_t *e)
{
	owner_of(ops, e)->match |= XT_OWNER_SOCKET;
}

/* --gid-owner 53 instead */
static void patch_owner_gid_only(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_owner_match_info *o = owner_of(ops, e);

	o->gid_min = o->gid_max = o->uid_min;
	o->uid_min = o->uid_max = 0;
	o->match = XT_OWNER_GID;
}

static void patch_owner_revision(const struct rt_family_ops *ops, uint8_t *e)
{
	find_match(ops, e, "owner")->u.user.revision = 0;
}

/* udp ! --sport 53 */
static void patch_udp_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	struct xt_entry_match *m = find_match(ops, e, "udp");

	ck_assert_ptr_nonnull(m);
	((struct xt_udp *)m->data)->invflags = XT_UDP_INV_SRCPT;
}

/* ! -o lo with ! -i besides */
static void patch_invflags_in_too(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).invflags |= IPT_INV_VIA_IN;
}

/* ! -o lo with ! -s besides */
static void patch_invflags_src_too(const struct rt_family_ops *ops, uint8_t *e)
{
	*head_of(ops, e).invflags |= IPT_INV_SRCIP;
}

/* ! --tcp-flags SYN SYN: the SYN-ACKs out too */
static void patch_notsyn_mask(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_mask = 0x02;
}

/* ! --tcp-flags FIN,SYN,RST,ACK SYN,ACK */
static void patch_notsyn_cmp(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->flg_cmp = 0x12;
}

/* ! --syn ! --dport 32768:60999 */
static void patch_other_invert(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->invflags |= XT_TCP_INV_DSTPT;
}

/* the flags inverted on the request: ! --syn --dport 80 with a count rule's empty target */
static void patch_count_notsyn(const struct rt_family_ops *ops, uint8_t *e)
{
	tcp_of(ops, e)->invflags = XT_TCP_INV_FLAGS;
}

static const struct foreign_case foreign_cases[] = {
	/* the owner as rawtune writes it: one uid, nothing else */
	{ "owner: ! --uid-owner", RT_TABLE_RAW, RULE_OWNER, false, NULL, patch_owner_invert },
	{ "owner: a uid range", RT_TABLE_RAW, RULE_OWNER, false, NULL, patch_owner_range },
	{ "owner: --gid-owner besides", RT_TABLE_RAW, RULE_OWNER, false, NULL, patch_owner_gid },
	{ "owner: --socket-exists besides", RT_TABLE_RAW, RULE_OWNER, false, NULL,
	  patch_owner_socket },
	{ "owner: --gid-owner instead", RT_TABLE_RAW, RULE_OWNER, false, NULL,
	  patch_owner_gid_only },
	{ "owner: revision 0", RT_TABLE_RAW, RULE_OWNER, false, NULL, patch_owner_revision },
	{ "owner: udp ! --sport", RT_TABLE_RAW, RULE_OWNER, false, NULL, patch_udp_invert },
	{ "owner: -j DROP", RT_TABLE_RAW, RULE_OWNER, false, "DROP", patch_none },
	/* "! -o lo" and nothing else inverted */
	{ "! -o lo ! -i", RT_TABLE_RAW, RULE_NOLO, false, NULL, patch_invflags_in_too },
	{ "! -o lo ! -s", RT_TABLE_RAW, RULE_NOLO, false, NULL, patch_invflags_src_too },
	{ "! -o lo+", RT_TABLE_RAW, RULE_NOLO, false, NULL, patch_lo_wildcard },
	/* replies: ! --syn exactly */
	{ "reply: ! --tcp-flags SYN SYN", RT_TABLE_RAW, RAW_OUTPUT, false, NULL,
	  patch_notsyn_mask },
	{ "reply: ! --tcp-flags ... SYN,ACK", RT_TABLE_RAW, RAW_OUTPUT, true, NULL,
	  patch_notsyn_cmp },
	{ "reply: tcp option", RT_TABLE_RAW, RAW_OUTPUT, true, NULL, patch_tcp_option },
	{ "reply: tcp ! --dport", RT_TABLE_RAW, RAW_OUTPUT, false, NULL, patch_tcp_invert },
	{ "client reply: ! --dport 32768:60999", RT_TABLE_RAW, RULE_CLIENT_REPLY, false, NULL,
	  patch_other_invert },
	{ "client reply: ! --dport, multiport", RT_TABLE_RAW, RULE_CLIENT_REPLY, true, NULL,
	  patch_other_invert },
	{ "client reply: tcp option", RT_TABLE_RAW, RULE_CLIENT_REPLY, false, NULL,
	  patch_tcp_option },
	{ "count: ! --syn", RT_TABLE_RAW, RAW_COUNT, false, NULL, patch_count_notsyn },
	{ "count: ! --syn, multiport", RT_TABLE_RAW, RAW_COUNT, true, NULL, patch_count_notsyn },
	{ "invflags", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_invflags },
	{ "! -p tcp", RT_TABLE_RAW, RAW_OUTPUT, false, NULL, patch_invflags_proto },
	{ "source mask no prefix", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_source_mask },
	{ "destination address", RT_TABLE_FILTER, 0, false, NULL, patch_destination },
	{ "interface mask short of its name", RT_TABLE_FILTER, 0, false, NULL,
	  patch_wildcard_iface },
	{ "-o lo+", RT_TABLE_RAW, RAW_OUTPUT_LO, false, NULL, patch_lo_wildcard },
	{ "mask without a name", RT_TABLE_RAW, RAW_OUTPUT, false, NULL, patch_mask_without_name },
	{ "goto flag", RT_TABLE_FILTER, 2, false, NULL, patch_goto_flag },
	{ "-p icmp", RT_TABLE_RAW, RAW_OUTPUT, false, NULL, patch_icmp },
	{ "match string", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_match_string },
	{ "addrtype revision 0", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_match_revision },
	{ "--syn -j CT --notrack", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_tcp_flags },
	{ "tcp option", RT_TABLE_FILTER, 0, false, NULL, patch_tcp_option },
	{ "tcp ! --dport", RT_TABLE_FILTER, 0, false, NULL, patch_tcp_invert },
	{ "multiport invert", RT_TABLE_RAW, RAW_PREROUTING, true, NULL, patch_multiport_invert },
	{ "multiport --ports", RT_TABLE_FILTER, 1, true, NULL, patch_multiport_either },
	{ "ctstate UNTRACKED,ESTABLISHED", RT_TABLE_FILTER, 0, false, NULL, patch_ctstate_more },
	{ "ctstate ESTABLISHED", RT_TABLE_FILTER, 3, false, NULL, patch_ctstate_other },
	{ "! --ctstate", RT_TABLE_FILTER, 2, false, NULL, patch_ctstate_invert },
	{ "addrtype --src-type", RT_TABLE_RAW, RAW_PREROUTING, false, NULL,
	  patch_addrtype_source },
	{ "CT zone flag", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_ct_zone_flag },
	{ "CT --helper", RT_TABLE_RAW, RAW_OUTPUT, false, NULL, patch_ct_helper_only },
	{ "CT --notrack --helper ftp", RT_TABLE_RAW, RAW_PREROUTING, false, NULL,
	  patch_ct_notrack_helper },
	{ "CT --notrack --zone 5", RT_TABLE_RAW, RAW_PREROUTING, false, NULL,
	  patch_ct_notrack_zone },
	{ "tcp --tcp-flags NONE SYN", RT_TABLE_RAW, RAW_PREROUTING, false, NULL,
	  patch_tcp_flg_cmp },
	{ "CT revision 0", RT_TABLE_RAW, RAW_OUTPUT_LO, false, NULL, patch_ct_revision0 },
	{ "PMTU: another ICMP type", RT_TABLE_FILTER, RULE_PMTU, false, NULL, patch_icmp_type },
	{ "PMTU: another ICMP code", RT_TABLE_FILTER, RULE_PMTU, false, NULL, patch_icmp_code },
	{ "PMTU: ! --icmp-type", RT_TABLE_FILTER, RULE_PMTU, false, NULL, patch_icmp_invert },
	{ "PMTU: other family's ICMP", RT_TABLE_FILTER, RULE_PMTU, false, NULL, patch_icmp_family },
	{ "PMTU: icmp under -p tcp", RT_TABLE_FILTER, RULE_PMTU, false, NULL, patch_icmp_proto },
	{ "PMTU: -j DROP", RT_TABLE_FILTER, RULE_PMTU, false, "DROP", patch_none },
	{ "-j DROP", RT_TABLE_FILTER, 0, false, "DROP", patch_none },
	{ "-j RETURN", RT_TABLE_FILTER, 1, false, "RETURN", patch_none },
	{ "-j LOG", RT_TABLE_FILTER, 0, false, "LOG", patch_none },
	{ "-j another chain", RT_TABLE_RAW, RAW_PREROUTING, false, "RAWTUNE-OUTPUT", patch_none },
	{ "match size", RT_TABLE_FILTER, 0, false, NULL, patch_match_size },
	{ "target offset", RT_TABLE_RAW, RAW_PREROUTING, false, NULL, patch_target_offset },
	/* the SYN flags on a rule with a target: only the count rule has them */
	{ "accept --syn", RT_TABLE_FILTER, 0, false, NULL, patch_tcp_flags },
	{ "count: -j ACCEPT", RT_TABLE_RAW, RAW_COUNT, false, "ACCEPT", patch_none },
	{ "count: -j DROP", RT_TABLE_RAW, RAW_COUNT, false, "DROP", patch_none },
	{ "count: -j RETURN", RT_TABLE_RAW, RAW_COUNT, true, "RETURN", patch_none },
	{ "count: -j LOG", RT_TABLE_RAW, RAW_COUNT, false, "LOG", patch_none },
	{ "count: a standard target named CT", RT_TABLE_RAW, RAW_COUNT, false, "CT",
	  patch_none },
	{ "count: -j RAWTUNE-PREROUTING", RT_TABLE_RAW, RAW_COUNT, false, "RAWTUNE-PREROUTING",
	  patch_none },
	/* no target, other flags */
	{ "count: no flags", RT_TABLE_RAW, RAW_COUNT, false, NULL, patch_tcp_no_flags },
	{ "count: no flags, multiport", RT_TABLE_RAW, RAW_COUNT, true, NULL, patch_tcp_no_flags },
	{ "count: --tcp-flags ALL SYN", RT_TABLE_RAW, RAW_COUNT, false, NULL,
	  patch_tcp_flags_all },
	{ "count: --tcp-flags SYN SYN", RT_TABLE_RAW, RAW_COUNT, true, NULL,
	  patch_tcp_flags_syn_mask },
	{ "count: --tcp-flags ... SYN,ACK", RT_TABLE_RAW, RAW_COUNT, false, NULL,
	  patch_tcp_flags_synack },
	{ "count: --tcp-flags NONE SYN", RT_TABLE_RAW, RAW_COUNT, false, NULL,
	  patch_tcp_no_flags_mask },
	{ "count: ! --tcp-flags", RT_TABLE_RAW, RAW_COUNT, false, NULL, patch_tcp_flags_invert },
	{ "count: tcp option", RT_TABLE_RAW, RAW_COUNT, true, NULL, patch_tcp_option },
	{ "count: --dport in tcp and multiport", RT_TABLE_RAW, RAW_COUNT, true, NULL,
	  patch_tcp_port_and_multiport },
	{ "count: udp", RT_TABLE_RAW, RAW_COUNT, false, NULL, patch_udp_no_target },
	/* and whatever makes another rule foreign */
	{ "count: invflags", RT_TABLE_RAW, RAW_COUNT, false, NULL, patch_invflags },
	{ "count: tcp match renamed", RT_TABLE_RAW, RAW_COUNT, true, NULL, patch_match_string },
	{ "count: multiport invert", RT_TABLE_RAW, RAW_COUNT, true, NULL, patch_multiport_invert },
	{ "count: addrtype --src-type", RT_TABLE_RAW, RAW_COUNT, false, NULL,
	  patch_addrtype_source },
	{ "count: match size", RT_TABLE_RAW, RAW_COUNT, false, NULL, patch_match_size },
	{ "count: target offset", RT_TABLE_RAW, RAW_COUNT, true, NULL, patch_target_offset },
};

/* Loop over cases x families. */
START_TEST(test_foreign)
{
	const struct rt_family_ops *ops = families[_i % 2];
	const struct foreign_case *c = &foreign_cases[_i / 2];
	const char *ports = c->multiport ? "80,443" : "80";
	uint8_t buf[RT_ENTRY_MAX], copy[RT_ENTRY_MAX];
	char chain[RT_CHAIN_MAX];
	struct rt_rule rule, back;
	const struct rt_rule *r = &rule;
	size_t size;

	switch (c->rule) {
	case RULE_PMTU:
		pmtu_rule(ops->family, &rule);
		break;
	case RULE_OWNER:
		owner_rule(&rule);
		break;
	case RULE_NOLO:
		nolo_rule(&rule);
		break;
	case RULE_CLIENT_REPLY:
		client_reply_rule(ports, ops->family, &rule);
		break;
	default:
		if (c->table == RT_TABLE_FILTER)
			accept_rule_ports(ports, (size_t)c->rule, &rule);
		else
			plan_rule(ports, RAWTUNE_DIRECTION_SERVER, (size_t)c->rule, &rule);
	}
	size = build_checked(ops, r, buf);
	memcpy(copy, buf, size);
	c->patch(ops, copy);
	ck_assert_msg(memcmp(copy, buf, size) != 0 || c->target, "%s: the patch changed nothing",
		      c->what);
	/* the copy before the patch is rawtune's own */
	decode(ops, buf, target_name(r, chain), r->table, r->hook, &back);
	ck_assert(rt_rule_equal(&back, r));
	decode(ops, copy, c->target ? c->target : target_name(r, chain), r->table, r->hook,
	       &back);
	ck_assert_msg(back.foreign, "%s (%s): decodes as rawtune's own rule", c->what, ops->name);
	ck_assert(!rt_rule_equal(&back, r));
}
END_TEST

/* An address rawtune did not ask for decodes as that address: a different rule. */
START_TEST(test_decode_source_address)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	web80_rule(RAW_OUTPUT, &r);
	build_checked(ops, &r, buf);
	patch_source(ops, buf);
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(!back.foreign);
	ck_assert_int_eq(back.src.family, ops->family);
	ck_assert_uint_eq(back.src.prefix, is_v4(ops) ? 32 : 128);
	ck_assert_int_eq(back.family, ops->family);
	ck_assert(!rt_rule_equal(&back, &r));
	/* the rule that asks for it is equal */
	r.family = r.src.family = ops->family;
	r.src.prefix = back.src.prefix;
	if (is_v4(ops))
		r.src.addr.v4.s_addr = htonl(0x0a000001);
	else
		r.src.addr.v6.s6_addr[15] = 1;
	ck_assert(rt_rule_equal(&back, &r));
}
END_TEST

/*
 * iptables stores "-i eth+" as the name "eth+" with the mask over "eth": the
 * rule for "eth+", not the one for "-i eth", nor one for any interface.
 */
START_TEST(test_decode_wildcard_iface)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;
	struct head h;

	accept_rule(0, &r);
	strcpy(r.iniface, "eth");
	build_checked(ops, &r, buf);
	h = head_of(ops, buf);
	strcpy(h.iniface, "eth+");
	h.iniface_mask[3] = 0;
	decode(ops, buf, "ACCEPT", r.table, r.hook, &back);
	ck_assert(!back.foreign);
	ck_assert_str_eq(back.iniface, "eth+");
	ck_assert(!rt_rule_equal(&back, &r));
	r.iniface[0] = '\0';
	ck_assert(!rt_rule_equal(&back, &r));
	strcpy(r.iniface, "eth+");
	ck_assert(rt_rule_equal(&back, &r));
}
END_TEST

/*
 * Interface wildcards ("veth+") are written as iptables writes them: the
 * mask covers the name before the '+', so every veth* matches.
 */
START_TEST(test_wildcard_iface)
{
	static const unsigned char mask[IFNAMSIZ] = { 0xff, 0xff, 0xff, 0xff };
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r;
	struct head h;

	accept_rule(0, &r);
	strcpy(r.iniface, "veth+");
	ops->build(&r, buf, sizeof(buf));
	h = head_of(ops, buf);
	ck_assert_str_eq(h.iniface, "veth+");
	ck_assert_mem_eq(h.iniface_mask, mask, IFNAMSIZ);
	assert_roundtrip(ops, &r);
}
END_TEST

/*
 * A tcp match with both ranges is the shape of a client's reply: source ports
 * and the far side's destination range. A request rule given a source range
 * decodes as that, another rule of rawtune's, not as itself.
 */
START_TEST(test_decode_both_ports)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	web80_rule(RAW_PREROUTING, &r);
	build_checked(ops, &r, buf);
	patch_tcp_both_ports(ops, buf);
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(!back.foreign);
	ck_assert(!rt_rule_equal(&back, &r));
	ck_assert(!back.dport);
	ck_assert_uint_eq(back.nports, 1);
	ck_assert_uint_eq(back.ports[0].lo, 1024);
	ck_assert_uint_eq(back.ports[0].hi, 1024);
	ck_assert(back.has_other);
	ck_assert_uint_eq(back.other.lo, 80);
	ck_assert_uint_eq(back.other.hi, 80);
	/* the rule that asks for that is equal */
	r.dport = false;
	r.ports[0].lo = r.ports[0].hi = 1024;
	r.has_other = true;
	r.other.lo = r.other.hi = 80;
	ck_assert(rt_rule_equal(&back, &r));
	assert_roundtrip(ops, &r);
}
END_TEST

/*
 * The reply's ! --syn read back: without the flags it is the reply rule of
 * the earlier design, another rule; with them not inverted it is --syn with a
 * target, foreign.
 */
START_TEST(test_decode_reply_flags)
{
	const struct rt_family_ops *ops = families[_i % 2];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	if (_i / 2)
		client_reply_rule("80", ops->family, &r);
	else
		web80_rule(RAW_OUTPUT, &r);
	ck_assert(r.notsyn && !r.syn);
	build_checked(ops, &r, buf);
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(back.notsyn && !back.syn && !back.foreign);
	ck_assert(rt_rule_equal(&back, &r));
	/* no flags */
	tcp_of(ops, buf)->flg_mask = tcp_of(ops, buf)->flg_cmp = 0;
	tcp_of(ops, buf)->invflags = 0;
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(!back.notsyn && !back.syn && !back.foreign);
	ck_assert(back.has_other == r.has_other);
	ck_assert(!rt_rule_equal(&back, &r));
	r.notsyn = false;
	ck_assert(rt_rule_equal(&back, &r));
	/* --syn */
	r.notsyn = true;
	build_checked(ops, &r, buf);
	tcp_of(ops, buf)->invflags = 0;
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(back.syn && !back.notsyn);
	ck_assert(back.foreign);
}
END_TEST

/* "! -o lo" read back, and "-o lo" without the inversion: another rule. */
START_TEST(test_decode_outiface_inv)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	nolo_rule(&r);
	build_checked(ops, &r, buf);
	ck_assert_uint_eq(*head_of(ops, buf).invflags, IPT_INV_VIA_OUT);
	assert_iface(head_of(ops, buf).outiface, head_of(ops, buf).outiface_mask, "lo");
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(back.outiface_inv && !back.foreign);
	ck_assert_str_eq(back.outiface, "lo");
	ck_assert(rt_rule_equal(&back, &r));
	*head_of(ops, buf).invflags = 0;
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(!back.outiface_inv && !back.foreign);
	ck_assert_str_eq(back.outiface, "lo");
	ck_assert(!rt_rule_equal(&back, &r));
	r.outiface_inv = false;
	ck_assert(rt_rule_equal(&back, &r));
}
END_TEST

/* The owner read back as its uid: another uid is another rule. */
START_TEST(test_decode_owner)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	owner_rule(&r);
	ck_assert_uint_eq(r.owner, 53);
	build_checked(ops, &r, buf);
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(back.has_owner && !back.foreign);
	ck_assert_uint_eq(back.owner, 53);
	ck_assert(rt_rule_equal(&back, &r));
	owner_of(ops, buf)->uid_min = owner_of(ops, buf)->uid_max = 0;
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(back.has_owner && !back.foreign);
	ck_assert_uint_eq(back.owner, 0);
	ck_assert(!rt_rule_equal(&back, &r));
	r.owner = 0;
	ck_assert(rt_rule_equal(&back, &r));
	/* no owner match at all: the reply without an owner */
	r.has_owner = false;
	build_checked(ops, &r, buf);
	ck_assert_ptr_null(find_match(ops, buf, "owner"));
	assert_roundtrip(ops, &r);
}
END_TEST

/*
 * Every combination of the verdict rule's fields, by hand, round-trips in
 * both families. Loop bits: udp, several ports, ! --syn (tcp only), the far
 * side's range, an owner, "! -o lo", a ranges-only port list, the count
 * target instead of notrack (tcp requests: --syn).
 */
START_TEST(test_roundtrip_fields)
{
	bool udp = _i & 1, multi = _i & 2, notsyn = _i & 4, other = _i & 8, owner = _i & 16,
	     inv = _i & 32, ranges = _i & 64, count = _i & 128;
	struct rt_rule r;

	if ((udp && (notsyn || count)) || (count && (notsyn || other || owner)))
		return; /* udp has no flags; a count rule is a request with --syn */
	rt_rule_init(&r);
	r.table = RT_TABLE_RAW;
	r.hook = inv || owner ? RT_HOOK_OUTPUT : RT_HOOK_PREROUTING;
	r.proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
	r.dport = !notsyn && !other;
	r.nports = multi ? 3 : 1;
	r.ports[0].lo = ranges ? 1000 : 80;
	r.ports[0].hi = ranges ? 1999 : 80;
	r.ports[1].lo = ranges ? 3000 : 443;
	r.ports[1].hi = ranges ? 3999 : 443;
	r.ports[2].lo = r.ports[2].hi = 8080;
	r.notsyn = notsyn;
	r.syn = count;
	r.has_other = other;
	if (other) {
		r.other.lo = 32768;
		r.other.hi = 60999;
	}
	r.has_owner = owner;
	r.owner = owner ? 1000 : 0;
	if (inv) {
		strcpy(r.outiface, "lo");
		r.outiface_inv = true;
	}
	strcpy(r.comment, "rawtune:fields");
	r.verdict = count ? RT_VERDICT_COUNT : RT_VERDICT_NOTRACK;
	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		assert_roundtrip(families[f], &r);
}
END_TEST

/* A jump found in another chain than its own is not rawtune's jump. */
START_TEST(test_foreign_jump_elsewhere)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	rt_rule_jump(&r, RT_TABLE_RAW, RT_HOOK_OUTPUT);
	build_checked(ops, &r, buf);
	decode(ops, buf, "RAWTUNE-OUTPUT", RT_TABLE_RAW, RT_HOOK_PREROUTING, &back);
	ck_assert(back.foreign);
	ck_assert_int_eq(back.verdict, RT_VERDICT_NONE);
}
END_TEST

/* iptables' "-j NOTRACK" is CT with NOTRACK|NOTRACK_ALIAS: the same rule. */
START_TEST(test_notrack_alias)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;

	web80_rule(RAW_PREROUTING, &r);
	build_checked(ops, &r, buf);
	ct_of(ops, buf)->flags |= XT_CT_NOTRACK_ALIAS;
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert(!back.foreign);
	ck_assert_int_eq(back.verdict, RT_VERDICT_NOTRACK);
	ck_assert(rt_rule_equal(&back, &r));
}
END_TEST

/* A decoded rule's comment is terminated even when the kernel's fills the field. */
START_TEST(test_decode_full_comment)
{
	const struct rt_family_ops *ops = families[_i];
	uint8_t buf[RT_ENTRY_MAX];
	struct rt_rule r, back;
	struct xt_entry_match *m;

	web80_rule(RAW_PREROUTING, &r);
	build_checked(ops, &r, buf);
	m = find_match(ops, buf, "comment");
	memset(((struct xt_comment_info *)m->data)->comment, 'x', XT_MAX_COMMENT_LEN);
	decode(ops, buf, "CT", r.table, r.hook, &back);
	ck_assert_uint_eq(strlen(back.comment), XT_MAX_COMMENT_LEN - 1);
	ck_assert(!rt_rule_equal(&back, &r));
}
END_TEST

/* The prefix of @mask bit by bit, -1 when the ones are not all leading. */
static int reference_prefix(const uint8_t *mask, size_t len)
{
	size_t bits = len * 8, ones = 0;

	while (ones < bits && (mask[ones / 8] & (0x80 >> (ones % 8))))
		ones++;
	for (size_t b = ones; b < bits; b++)
		if (mask[b / 8] & (0x80 >> (b % 8)))
			return -1;
	return (int)ones;
}

/* Every prefix round-trips through rt_prefix_to_mask, both address sizes. */
START_TEST(test_mask_prefixes)
{
	uint8_t mask[16];

	for (size_t len = 4; len <= 16; len += 12)
		for (unsigned int prefix = 0; prefix <= len * 8; prefix++) {
			rt_prefix_to_mask(mask, len, prefix);
			ck_assert_int_eq(rt_mask_to_prefix(mask, len), (int)prefix);
		}
}
END_TEST

/* Every 2-byte mask, and random 4- and 16-byte masks near a prefix. */
START_TEST(test_mask_to_prefix)
{
	uint8_t mask[16];

	for (unsigned int v = 0; v <= 0xffff; v++) {
		mask[0] = (uint8_t)(v >> 8);
		mask[1] = (uint8_t)v;
		ck_assert_int_eq(rt_mask_to_prefix(mask, 2), reference_prefix(mask, 2));
	}
	srand(7);
	for (int i = 0; i < 200000; i++) {
		size_t len = i % 2 ? 16 : 4;

		rt_prefix_to_mask(mask, len, (unsigned int)rand() % (unsigned int)(len * 8 + 1));
		if (i % 3)
			mask[rand() % len] ^= (uint8_t)(1u << (rand() % 8)); /* one bit off */
		ck_assert_int_eq(rt_mask_to_prefix(mask, len), reference_prefix(mask, len));
	}
}
END_TEST

static Suite *entry_suite(void)
{
	Suite *s = suite_create("entry");
	TCase *tc;

	tc = tcase_create("build");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_entry_max);
	tcase_add_test(tc, test_size_literals);
	tcase_add_loop_test(tc, test_count_size, 0, ARRAY_SIZE(families));
	tcase_add_test(tc, test_header_proto_flag);
	tcase_add_loop_test(tc, test_header_lo, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_build_short, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_build_body_short, 0, 2);
	tcase_add_test(tc, test_build_no_verdict);
	tcase_add_loop_test(tc, test_rename_target, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_rename_target_long, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_counters, 0, 2 * ARRAY_SIZE(families));
	tcase_add_test(tc, test_mask_prefixes);
	tcase_add_test(tc, test_mask_to_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_roundtrip_plans, 0, 2 * ARRAY_SIZE(plans));
	tcase_add_test(tc, test_roundtrip_jumps);
	tcase_add_test(tc, test_roundtrip_ifaces);
	tcase_add_loop_test(tc, test_roundtrip_long_comment, 0, 2 * ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_roundtrip_count, 0, 2 * ARRAY_SIZE(count_plans));
	tcase_add_loop_test(tc, test_roundtrip_fields, 0, 256);
	suite_add_tcase(s, tc);

	tc = tcase_create("foreign");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_foreign, 0, 2 * ARRAY_SIZE(foreign_cases));
	tcase_add_loop_test(tc, test_count_built_foreign, 0, 2 * ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_count_target_without_flags, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_foreign_jump_elsewhere, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_source_address, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_both_ports, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_reply_flags, 0, 2 * ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_outiface_inv, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_owner, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_wildcard_iface, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_wildcard_iface, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_notrack_alias, 0, ARRAY_SIZE(families));
	tcase_add_loop_test(tc, test_decode_full_comment, 0, ARRAY_SIZE(families));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(entry_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
