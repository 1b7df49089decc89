// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The matches and the target of an entry: identical for IPv4 and IPv6, so
 * they are built and decoded here and the families only add their header.
 * Sizes follow the kernel exactly (XT_ALIGN of header and payload): anything
 * else is refused with EINVAL.
 */
/* glibc's net/if.h and netinet/in.h first: they tell the kernel's headers to stand back */
#include "rawtune-private.h"
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct rt_writer {
	uint8_t *buf;
	size_t len, used;
	bool overflow;
};

/* Append a match or target header and return its zeroed payload. */
static void *put_ext(struct rt_writer *w, const char *name, uint8_t revision, size_t payload)
{
	size_t size = XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(payload);
	struct xt_entry_match *m;

	/* Matches and targets share the user-space header layout. */
	_Static_assert(sizeof(struct xt_entry_match) == sizeof(struct xt_entry_target),
		       "match and target headers differ");
	if (w->overflow || w->used + size > w->len) {
		w->overflow = true;
		return NULL;
	}
	m = (struct xt_entry_match *)(w->buf + w->used);
	memset(m, 0, size);
	m->u.user.match_size = size;
	strncpy(m->u.user.name, name, sizeof(m->u.user.name) - 1);
	m->u.user.revision = revision;
	w->used += size;
	return m->data;
}

/* FIN, SYN, RST and ACK: "--syn" looks at these and wants SYN alone */
#define RT_TCP_SYN_MASK 0x17
#define RT_TCP_SYN 0x02

/*
 * A tcp or udp match carries one range per side and the SYN flags; more
 * ports go into a multiport match after it.
 */
static void put_ports(struct rt_writer *w, const struct rt_rule *r)
{
	const struct rt_port_range *p = r->ports;
	bool single = r->nports == 1;

	if (single || r->syn || r->notsyn || r->has_other) {
		/* tcp and udp share the port range layout */
		uint16_t *spts, *dpts;

		if (r->proto == IPPROTO_TCP) {
			struct xt_tcp *tcp = put_ext(w, "tcp", 0, sizeof(*tcp));

			if (!tcp)
				return;
			spts = tcp->spts;
			dpts = tcp->dpts;
			if (r->syn || r->notsyn) {
				tcp->flg_mask = RT_TCP_SYN_MASK;
				tcp->flg_cmp = RT_TCP_SYN;
				tcp->invflags = r->notsyn ? XT_TCP_INV_FLAGS : 0;
			}
		} else {
			struct xt_udp *udp = put_ext(w, "udp", 0, sizeof(*udp));

			if (!udp)
				return;
			spts = udp->spts;
			dpts = udp->dpts;
		}
		spts[1] = dpts[1] = UINT16_MAX;
		if (r->has_other) {
			dpts[0] = r->other.lo;
			dpts[1] = r->other.hi;
		}
		if (!single)
			goto multiport;
		(r->dport ? dpts : spts)[0] = p->lo;
		(r->dport ? dpts : spts)[1] = p->hi;
		return;
	}
multiport:;

	struct xt_multiport_v1 *mp = put_ext(w, "multiport", 1, sizeof(*mp));

	if (!mp)
		return;
	mp->flags = r->dport ? XT_MULTIPORT_DESTINATION : XT_MULTIPORT_SOURCE;
	for (unsigned int i = 0; i < r->nports; i++) {
		if (p[i].lo != p[i].hi) {
			mp->pflags[mp->count] = 1;
			mp->ports[mp->count++] = p[i].lo;
		}
		mp->ports[mp->count++] = p[i].hi;
	}
}

static void put_target(struct rt_writer *w, const struct rt_rule *r)
{
	struct xt_ct_target_info_v1 *ct;
	struct xt_standard_target *st;
	char chain[RT_CHAIN_MAX];

	switch (r->verdict) {
	case RT_VERDICT_NOTRACK:
		ct = put_ext(w, "CT", 2, sizeof(*ct));
		if (ct)
			ct->flags = XT_CT_NOTRACK;
		return;
	case RT_VERDICT_ACCEPT:
		put_ext(w, "ACCEPT", 0, sizeof(st->verdict));
		return;
	case RT_VERDICT_COUNT:
		/* a standard target without a name: libiptc makes it fall through */
		put_ext(w, "", 0, sizeof(st->verdict));
		return;
	case RT_VERDICT_JUMP:
		/* libiptc turns a chain's name into the jump offset */
		if (r->target[0])
			snprintf(chain, sizeof(chain), "%.*s", RT_CHAIN_MAX - 1, r->target);
		else
			rt_hook_chain(r->hook, chain);
		put_ext(w, chain, 0, sizeof(st->verdict));
		return;
	case RT_VERDICT_NONE:
		break;
	}
	w->overflow = true;
}

/* ICMP fragmentation-needed (3/4) or ICMPv6 packet-too-big (2, any code) */
static void put_pmtu(struct rt_writer *w, const struct rt_rule *r)
{
	/* ipt_icmp and ip6t_icmp share their layout */
	_Static_assert(sizeof(struct ipt_icmp) == sizeof(struct ip6t_icmp), "icmp layouts differ");
	struct ipt_icmp *icmp = put_ext(w, r->family == RAWTUNE_FAMILY_IPV4 ? "icmp" : "icmp6", 0,
					sizeof(*icmp));

	if (!icmp)
		return;
	if (r->family == RAWTUNE_FAMILY_IPV4) {
		icmp->type = 3;
		icmp->code[0] = icmp->code[1] = 4;
	} else {
		icmp->type = 2;
		icmp->code[1] = UINT8_MAX;
	}
}

static void put_state(struct rt_writer *w, const struct rt_rule *r)
{
	struct xt_conntrack_mtinfo3 *ct = put_ext(w, "conntrack", 3, sizeof(*ct));

	if (ct) {
		ct->match_flags = XT_CONNTRACK_STATE;
		ct->state_mask = r->invalid ? XT_CONNTRACK_STATE_INVALID
					    : XT_CONNTRACK_STATE_UNTRACKED;
	}
}

static void put_comment(struct rt_writer *w, const struct rt_rule *r)
{
	struct xt_comment_info *c = put_ext(w, "comment", 0, sizeof(*c));

	if (c)
		memcpy(c->comment, r->comment, sizeof(c->comment) - 1);
}

static void put_addrtype(struct rt_writer *w, const struct rt_rule *r)
{
	struct xt_addrtype_info_v1 *at = put_ext(w, "addrtype", 1, sizeof(*at));

	if (at) {
		at->dest = XT_ADDRTYPE_LOCAL;
		at->flags = r->dst_not_local ? XT_ADDRTYPE_INVERT_DEST : 0;
	}
}

/*
 * Every match but the state and the comment, which rules and twins place
 * apart. The ports come before addrtype: every packet of the host meets the
 * raw rules, and addrtype is a route lookup that only the profile's ports
 * need to pay for. Earlier versions put addrtype first: rt_rule.old_order
 * reads such rules back.
 */
static void put_matches(struct rt_writer *w, const struct rt_rule *r)
{
	if (r->pmtu)
		put_pmtu(w, r);
	if (r->nports)
		put_ports(w, r);
	if (r->dst_local || r->dst_not_local)
		put_addrtype(w, r);
	if (r->has_owner) {
		struct xt_owner_match_info *o = put_ext(w, "owner", 1, sizeof(*o));

		if (o) {
			o->uid_min = o->uid_max = r->owner;
			o->match = XT_OWNER_UID;
		}
	}
	if (r->limited) {
		struct xt_rateinfo *rate = put_ext(w, "limit", 0, sizeof(*rate));

		/* 10 a second, bursts of 20: path MTU discovery needs a few */
		if (rate) {
			rate->avg = XT_LIMIT_SCALE / 10;
			rate->burst = 20;
		}
	}
}

size_t rt_entry_build_body(const struct rt_rule *r, uint8_t *buf, size_t len,
			   size_t *matches_size)
{
	struct rt_writer w = { .buf = buf, .len = len };

	put_matches(&w, r);
	if (r->untracked || r->invalid)
		put_state(&w, r);
	if (r->comment[0])
		put_comment(&w, r);
	*matches_size = w.used;
	put_target(&w, r);
	return w.overflow ? 0 : w.used;
}

size_t rt_twin_matches(const struct rt_rule *r, const uint8_t *copied, size_t ncopied,
		       uint8_t *buf, size_t len)
{
	struct rt_writer w = { .buf = buf, .len = len };

	put_comment(&w, r);
	if (w.overflow || w.used + ncopied > len)
		return 0;
	memcpy(buf + w.used, copied, ncopied);
	w.used += ncopied;
	put_matches(&w, r);
	put_state(&w, r);
	return w.overflow ? 0 : w.used;
}

static const struct xt_entry_match *last_match(const uint8_t *matches, size_t size)
{
	const struct xt_entry_match *last = NULL;

	for (size_t off = 0; off + sizeof(*last) <= size;) {
		const struct xt_entry_match *m = (const void *)(matches + off);

		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > size)
			return NULL;
		last = m;
		off += m->u.match_size;
	}
	return last;
}

bool rt_is_twin(const uint8_t *matches, size_t size, const char *profile)
{
	const struct xt_entry_match *first = (const void *)matches, *last;
	const char *c;

	if (size < sizeof(*first) + sizeof(struct xt_comment_info) ||
	    strcmp(first->u.user.name, "comment") != 0 ||
	    first->u.match_size < sizeof(*first) + sizeof(struct xt_comment_info))
		return false;
	c = ((const struct xt_comment_info *)first->data)->comment;
	if (strncmp(c, RT_COMMENT_PREFIX, strlen(RT_COMMENT_PREFIX)) != 0)
		return false;
	c += strlen(RT_COMMENT_PREFIX);
	if (profile ? strcmp(c, profile) != 0 : !rt_profile_name_valid(c))
		return false;
	last = last_match(matches, size);
	return last && rt_match_is_untracked(last);
}

/*
 * The kernel writes a match's name back over its own pointer: the bytes
 * after the name's NUL are left over. Zero them so that copies compare.
 */
void rt_ext_scrub(uint8_t *exts, size_t len)
{
	for (size_t off = 0; off + sizeof(struct xt_entry_match) <= len;) {
		struct xt_entry_match *m = (void *)(exts + off);
		size_t n = strnlen(m->u.user.name, sizeof(m->u.user.name));

		if (m->u.match_size < sizeof(*m))
			return;
		memset(m->u.user.name + n, 0, sizeof(m->u.user.name) - n);
		off += m->u.match_size;
	}
}

bool rt_match_is_untracked(const void *match)
{
	const struct xt_entry_match *m = match;
	struct xt_conntrack_mtinfo3 want = {
		.match_flags = XT_CONNTRACK_STATE,
		.state_mask = XT_CONNTRACK_STATE_UNTRACKED,
	};
	struct xt_conntrack_mtinfo3 invalid = {
		.match_flags = XT_CONNTRACK_STATE,
		.state_mask = XT_CONNTRACK_STATE_INVALID,
	};

	return strcmp(m->u.user.name, "conntrack") == 0 && m->u.user.revision == 3 &&
	       m->u.match_size >= sizeof(*m) + sizeof(want) &&
	       (memcmp(m->data, &want, sizeof(want)) == 0 ||
		memcmp(m->data, &invalid, sizeof(invalid)) == 0);
}

bool rt_all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* ---- addresses: prefixes as masks ------------------------------------------- */

void rt_prefix_to_mask(uint8_t *mask, size_t len, unsigned int prefix)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int bits = prefix > i * 8 ? prefix - i * 8 : 0;

		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
	}
}

/* Whole bytes first: every address of every rule read back comes through here. */
int rt_mask_to_prefix(const uint8_t *mask, size_t len)
{
	size_t i = 0;
	uint8_t rest;

	while (i < len && mask[i] == 0xff)
		i++;
	if (i == len)
		return (int)(len * 8);
	/* leading ones then zeros: its complement plus one is a power of two */
	rest = (uint8_t)~mask[i];
	if (rest & (uint8_t)(rest + 1) || !rt_all_zero(mask + i + 1, len - i - 1))
		return -1;
	return (int)(i * 8) + __builtin_popcount(mask[i]);
}

/* ---- decoding ------------------------------------------------------------ */

static bool port_range_any(const uint16_t pts[2])
{
	return pts[0] == 0 && pts[1] == UINT16_MAX;
}

/*
 * tcp and udp: one of source or destination range, or a source range with
 * the far side's destination range (a client's replies).
 */
static bool decode_port_range(const uint16_t spts[2], const uint16_t dpts[2], struct rt_rule *r)
{
	bool sany = port_range_any(spts), dany = port_range_any(dpts);

	if (r->nports)
		return false;
	if (!sany && !dany) {
		r->has_other = true;
		r->other.lo = dpts[0];
		r->other.hi = dpts[1];
		dany = true;
	}
	if (sany && dany)
		return false;
	r->dport = sany;
	r->ports[0].lo = r->dport ? dpts[0] : spts[0];
	r->ports[0].hi = r->dport ? dpts[1] : spts[1];
	r->nports = 1;
	return true;
}

static bool decode_multiport(const struct xt_multiport_v1 *mp, struct rt_rule *r)
{
	/* a destination range before source ports: the far side's */
	if (r->nports == 1 && r->dport && !r->has_other && mp->flags == XT_MULTIPORT_SOURCE) {
		r->has_other = true;
		r->other = r->ports[0];
		r->nports = 0;
	}
	if (r->nports || mp->invert || mp->count > XT_MULTI_PORTS ||
	    (mp->flags != XT_MULTIPORT_SOURCE && mp->flags != XT_MULTIPORT_DESTINATION))
		return false;
	r->dport = mp->flags == XT_MULTIPORT_DESTINATION;
	for (unsigned int i = 0; i < mp->count; i++) {
		struct rt_port_range *p = &r->ports[r->nports++];

		p->lo = p->hi = mp->ports[i];
		if (mp->pflags[i] && i + 1 < mp->count)
			p->hi = mp->ports[++i];
	}
	return r->nports > 0;
}

static bool decode_conntrack(const struct xt_conntrack_mtinfo3 *ct, struct rt_rule *r)
{
	struct xt_conntrack_mtinfo3 want = {
		.match_flags = XT_CONNTRACK_STATE,
		.state_mask = XT_CONNTRACK_STATE_UNTRACKED,
	};

	if (memcmp(ct, &want, sizeof(want)) == 0) {
		r->untracked = true;
		return true;
	}
	want.state_mask = XT_CONNTRACK_STATE_INVALID;
	r->invalid = memcmp(ct, &want, sizeof(want)) == 0;
	return r->invalid;
}

static bool decode_match(const struct xt_entry_match *m, struct rt_rule *r)
{
	const char *name = m->u.user.name;
	uint8_t rev = m->u.user.revision;
	const void *data = m->data;

	if (strcmp(name, "tcp") == 0 && rev == 0 && r->proto == IPPROTO_TCP) {
		const struct xt_tcp *tcp = data;

		bool syn = tcp->flg_mask == RT_TCP_SYN_MASK && tcp->flg_cmp == RT_TCP_SYN;

		if (tcp->option || (tcp->invflags & ~XT_TCP_INV_FLAGS) ||
		    (!syn && (tcp->flg_mask || tcp->flg_cmp || tcp->invflags)))
			return false;
		r->notsyn = syn && tcp->invflags;
		r->syn = syn && !r->notsyn;
		/* flags alone: a multiport match follows with the ports */
		if (syn && port_range_any(tcp->spts) && port_range_any(tcp->dpts))
			return true;
		return decode_port_range(tcp->spts, tcp->dpts, r);
	}
	if (strcmp(name, "udp") == 0 && rev == 0 && r->proto == IPPROTO_UDP) {
		const struct xt_udp *udp = data;

		return !udp->invflags && decode_port_range(udp->spts, udp->dpts, r);
	}
	if (strcmp(name, "multiport") == 0 && rev == 1)
		return decode_multiport(data, r);
	if (strcmp(name, "addrtype") == 0 && rev == 1) {
		const struct xt_addrtype_info_v1 *at = data;

		if (at->dest != XT_ADDRTYPE_LOCAL || at->source ||
		    (at->flags & ~(uint32_t)XT_ADDRTYPE_INVERT_DEST))
			return false;
		r->dst_not_local = at->flags != 0;
		r->dst_local = !r->dst_not_local;
		return true;
	}
	if ((strcmp(name, "icmp") == 0 || strcmp(name, "icmp6") == 0) && rev == 0 && r->pmtu) {
		const struct ipt_icmp *icmp = data;
		bool v4 = strcmp(name, "icmp") == 0;

		return !icmp->invflags && v4 == (r->family == RAWTUNE_FAMILY_IPV4) &&
		       (v4 ? icmp->type == 3 && icmp->code[0] == 4 && icmp->code[1] == 4
			   : icmp->type == 2 && icmp->code[0] == 0 && icmp->code[1] == UINT8_MAX);
	}
	if (strcmp(name, "conntrack") == 0 && rev == 3)
		return decode_conntrack(data, r);
	if (strcmp(name, "limit") == 0 && rev == 0) {
		const struct xt_rateinfo *rate = data;

		r->limited = rate->avg == XT_LIMIT_SCALE / 10 && rate->burst == 20;
		return r->limited;
	}
	if (strcmp(name, "owner") == 0 && rev == 1) {
		const struct xt_owner_match_info *o = data;

		if (o->match != XT_OWNER_UID || o->invert || o->uid_min != o->uid_max)
			return false;
		r->has_owner = true;
		r->owner = o->uid_min;
		return true;
	}
	if (strcmp(name, "comment") == 0) {
		const struct xt_comment_info *c = data;

		memcpy(r->comment, c->comment, sizeof(c->comment));
		r->comment[sizeof(c->comment) - 1] = '\0';
		return true;
	}
	return false;
}

static enum rt_verdict decode_target(const struct xt_entry_target *t, const char *target_name,
				     struct rt_rule *r)
{
	enum rt_hook hook = r->hook;

	char chain[RT_CHAIN_MAX];

	if (!target_name[0])
		return RT_VERDICT_COUNT;
	if (strcmp(target_name, "ACCEPT") == 0)
		return RT_VERDICT_ACCEPT;
	if (strcmp(target_name, "CT") == 0 && t->u.user.revision >= 1) {
		struct xt_ct_target_info_v1 ct;

		/* notrack and nothing else: no zone, helper, events or timeout */
		memcpy(&ct, t->data, offsetof(struct xt_ct_target_info_v1, ct));
		ct.flags &= (uint16_t)~XT_CT_NOTRACK_ALIAS;
		if (ct.flags != XT_CT_NOTRACK)
			return RT_VERDICT_NONE;
		ct.flags = 0;
		if (!rt_all_zero(&ct, offsetof(struct xt_ct_target_info_v1, ct)))
			return RT_VERDICT_NONE;
		return RT_VERDICT_NOTRACK;
	}
	rt_hook_chain(hook, chain);
	if (strcmp(target_name, chain) == 0)
		return RT_VERDICT_JUMP;
	/* a guard: to a profile's own chain */
	if (r->table == RT_TABLE_RAW && rt_layout_is_sub_chain(target_name, hook) &&
	    strlen(target_name) < sizeof(r->target)) {
		strcpy(r->target, target_name);
		return RT_VERDICT_JUMP;
	}
	return RT_VERDICT_NONE;
}

static bool is_port_match(const char *name)
{
	return strcmp(name, "tcp") == 0 || strcmp(name, "udp") == 0 ||
	       strcmp(name, "multiport") == 0;
}

void rt_entry_decode_body(const uint8_t *matches, size_t matches_size, const uint8_t *target,
			  const char *target_name, struct rt_rule *r)
{
	bool icmp = false, ports = false;
	size_t off = 0;

	while (off + sizeof(struct xt_entry_match) <= matches_size) {
		const struct xt_entry_match *m = (const void *)(matches + off);

		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > matches_size) {
			r->foreign = true;
			break;
		}
		icmp |= strncmp(m->u.user.name, "icmp", 4) == 0;
		ports |= is_port_match(m->u.user.name);
		/* addrtype ahead of the ports: the order written before */
		if (!ports && strcmp(m->u.user.name, "addrtype") == 0)
			r->old_order = true;
		if (!decode_match(m, r))
			r->foreign = true;
		off += m->u.match_size;
	}
	r->verdict = decode_target((const void *)target, target_name, r);
	/* ICMP without the one type rawtune accepts is not rawtune's rule */
	r->old_order = r->old_order && r->nports;
	if (r->verdict == RT_VERDICT_NONE || (r->pmtu && !icmp) ||
	    (r->verdict == RT_VERDICT_COUNT) != r->syn)
		r->foreign = true;
}
