// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verdict rule: a profile changes what the kernel tracks, never what the
 * host accepts. For each packet class of the profile (TCP: a bare SYN is the
 * NEW class, every other segment ESTABLISHED; UDP: NEW) the filter chains are
 * walked as the kernel walks them, for the packet as tracked and as
 * untracked. Matches that do not read conntrack treat both alike, so the two
 * walks part only at a state match. There:
 *  - NEW class at a NEW-state rule: a twin goes directly before it, with the
 *    same matches, "--ctstate UNTRACKED" and "--syn" instead of the state,
 *    narrowed to the profile's ports, so bans above it still apply;
 *  - ESTABLISHED class of a request at the ESTABLISHED accept: the tracked
 *    packet is accepted there only because its flow's first packet was, so
 *    the untracked one walks on where the first packet walked, and gets a
 *    "! --syn" twin beside each NEW twin;
 *  - a reply at the ESTABLISHED accept: a "! --syn" twin of that accept;
 *  - anything else (a state match that takes untracked packets, conntrack
 *    reads rawtune cannot judge, rate limits the ESTABLISHED accept kept the
 *    later packets from, rules that tell SYN from the rest): refuse.
 */
/* glibc's net/if.h first (through verdict.h): the kernel's headers then stand back */
#include "xt/verdict.h"

#include <errno.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_WALK_DEPTH 32

/* How much of a class a rule's matches take. */
enum { M_NO, M_SOME, M_ALL };

/* The TCP flags of a class: a bare SYN, any other segment, or UDP's any. */
enum rt_flags { F_ANY, F_SYN, F_NOTSYN };

/* Connection states, one bit each, as both state matches mean them. */
#define S_INVALID 0x01
#define S_EST 0x02
#define S_REL 0x04
#define S_NEW 0x08
#define S_UNTR 0x100

enum rt_tkind { T_CONTINUE, T_ACCEPT, T_DROP, T_RETURN, T_JUMP, T_UNKNOWN };

/* One rule of the table, read once for every walk. */
struct rt_xrule {
	const rt_entry *e;
	struct rt_entry_view v;
	const char *target;
	enum rt_tkind kind;
	unsigned int pos;
	bool ours; /* a twin of rawtune's: judged as if gone */
};

struct rt_xchain {
	char name[32];
	size_t n;
	struct rt_xrule *rule;
};

/* The packets of one leg: one direction of the profile's flows through one chain. */
struct rt_leg {
	uint8_t proto;
	bool request;   /* the profile's ports are destination ports */
	bool to_local;  /* addressed to this host */
	bool from_local;
	const struct rt_addrs *src, *dst; /* known addresses, NULL: any */
	const char *in, *out;            /* a known interface, NULL: any */
	bool not_lo;	/* from or to another host: never on lo */
	const struct rt_port_range *other; /* the far side's ports, NULL: any */
};

struct rt_judge {
	struct rawtune_ctx *ctx;
	const struct rt_family_ops *ops;
	struct xtc_handle *h;
	const char *table;
	const struct rawtune_profile *p;
	bool force;
	bool quiet; /* loopback: any twin or refusal only says "not loopback" */
	bool twins_allowed;
	bool failed;
	struct rt_judgement *out;
	const struct rt_ports *ports; /* the profile's, or one range of them */
	size_t nchains;
	struct rt_xchain **chains; /* each its own allocation: walks hold pointers */
	struct rt_plan_env env;
};

struct rt_walker {
	struct rt_judge *j;
	const struct rt_leg *leg;
	bool est;     /* the ESTABLISHED class (a request's later segments, or a reply) */
	bool reply;
	enum rt_flags flags, ref_flags; /* this class's, and the request's other class's */
	bool tail;    /* tracked accepted at the ESTABLISHED accept; untracked goes on */
	bool strip_rate; /* the twin being made leaves limit and hashlimit out */
	bool *open;   /* the NEW class: which of the profile's port ranges some path accepts */
	size_t nopen;
	int depth;
};

struct rt_rinfo {
	int n, n_ref; /* for the class's flags, and for the first packet's */
	bool perpacket; /* a content or counting match: every packet it sees counts */
	bool rate;	/* limit or hashlimit: a twin for later segments may leave it out */
	bool ct_unknown;
	int nct;
	uint16_t ct_mask[4];
	bool ct_inv[4];
};

static int m_and(int a, int b)
{
	return a < b ? a : b;
}

static int m_or(int a, int b)
{
	return a > b ? a : b;
}

static int m_not(int a)
{
	return a == M_ALL ? M_NO : a == M_NO ? M_ALL : M_SOME;
}

/* ---- the table, indexed once ------------------------------------------------ */

/*
 * A twin rawtune wrote, for any profile: judged as if gone. Another
 * profile's twins on a shared port take the same packets as this one's would.
 */
static bool is_ours(const struct rt_entry_view *v)
{
	return rt_is_twin(v->matches, v->matches_size, NULL);
}

static enum rt_tkind target_kind(struct rt_judge *j, const char *t)
{
	static const char *const go_on[] = {
		"",	"LOG",	  "NFLOG", "ULOG", "TRACE", "AUDIT",   "MARK",	 "CONNMARK",
		"TOS",	"DSCP",	  "TTL",   "HL",   "TCPMSS", "CLASSIFY", "SECMARK", "CONNSECMARK",
		"SET",	"IDLETIMER", "LED", "CHECKSUM", "TCPOPTSTRIP", "RATEEST", "NFACCT",
	};

	/* the verdicts first: most rules of a big firewall end in one */
	if (strcmp(t, "ACCEPT") == 0)
		return T_ACCEPT;
	if (strcmp(t, "DROP") == 0 || strcmp(t, "REJECT") == 0)
		return T_DROP;
	if (strcmp(t, "RETURN") == 0)
		return T_RETURN;
	for (size_t i = 0; i < ARRAY_SIZE(go_on); i++)
		if (strcmp(t, go_on[i]) == 0)
			return T_CONTINUE;
	if (j->ops->is_chain(j->h, t))
		return T_JUMP;
	return T_UNKNOWN;
}

static struct rt_xchain *chain_read(struct rt_judge *j, const char *name)
{
	struct rt_xchain *c = calloc(1, sizeof(*c));
	size_t cap = 0;

	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	for (const rt_entry *e = j->ops->first_rule(j->h, name); e; e = j->ops->next_rule(j->h, e)) {
		struct rt_xrule *r;

		if (c->n == cap) {
			struct rt_xrule *more;

			cap = cap ? cap * 2 : 16;
			more = realloc(c->rule, cap * sizeof(*more));
			if (!more) {
				free(c->rule);
				free(c);
				return NULL;
			}
			c->rule = more;
		}
		r = &c->rule[c->n];
		r->e = e;
		r->pos = (unsigned int)c->n++;
		j->ops->view(e, &r->v);
		r->target = j->ops->target(j->h, e);
		r->kind = target_kind(j, r->target);
		/* rawtune 0.1's accepts at position 1: going, judged as if gone */
		r->ours = is_ours(&r->v) || rt_chain_is_filter_own(r->target);
	}
	return c;
}

/* A chain read once however many walks and jumps meet it. */
static struct rt_xchain *chain_index(struct rt_judge *j, const char *name)
{
	struct rt_xchain **grown, *c;

	for (size_t i = 0; i < j->nchains; i++)
		if (strcmp(j->chains[i]->name, name) == 0)
			return j->chains[i];
	if (!j->ops->is_chain(j->h, name))
		return NULL;
	grown = realloc(j->chains, (j->nchains + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	j->chains = grown;
	c = chain_read(j, name);
	if (c)
		j->chains[j->nchains++] = c;
	return c;
}

static void chains_free(struct rt_judge *j)
{
	for (size_t i = 0; i < j->nchains; i++) {
		free(j->chains[i]->rule);
		free(j->chains[i]);
	}
	free(j->chains);
	j->chains = NULL;
	j->nchains = 0;
}

/* ---- matching: how much of a leg's class a rule takes ------------------------ */

/* A known address (prefix) against the rule's address and mask. */
static int addr_rel(const uint8_t *addr, const uint8_t *mask, size_t len,
		    const struct rt_addr *a)
{
	uint8_t amask[16];
	bool overlap = true, inside = true;

	rt_prefix_to_mask(amask, len, a->prefix);
	for (size_t i = 0; i < len; i++) {
		const uint8_t *b = (const uint8_t *)&a->addr;

		overlap &= ((b[i] ^ addr[i]) & mask[i] & amask[i]) == 0;
		inside &= (mask[i] & ~amask[i]) == 0;
	}
	return !overlap ? M_NO : inside ? M_ALL : M_SOME;
}

static int addr_match(const struct rt_judge *j, const uint8_t *addr, const uint8_t *mask,
		      size_t len, bool inv, const struct rt_addrs *known)
{
	int res = -1;

	if (rt_all_zero(mask, len))
		return inv ? M_NO : M_ALL;
	if (!known || !known->n)
		return M_SOME;
	for (size_t i = 0; i < known->n; i++) {
		int r;

		if (known->addr[i].family != j->ops->family)
			continue;
		r = addr_rel(addr, mask, len, &known->addr[i]);
		res = res < 0 ? r : r == res ? r : M_SOME;
	}
	if (res < 0)
		return M_SOME;
	return inv ? m_not(res) : res;
}

static int iface_match(const char *name, const unsigned char *mask, bool inv, const char *known,
		       bool not_lo)
{
	char padded[IFNAMSIZ] = { 0 };
	bool match = true;

	/* masks cover a prefix of the name: an empty one starts with 0 */
	if (!mask[0])
		return inv ? M_NO : M_ALL;
	/* "-i lo" exactly: never a packet from another host */
	if (!known && not_lo && strcmp(name, "lo") == 0 && mask[2] == 0xff)
		return inv ? M_ALL : M_NO;
	if (!known)
		return M_SOME;
	strncpy(padded, known, IFNAMSIZ - 1);
	for (size_t i = 0; i < IFNAMSIZ; i++)
		match &= ((padded[i] ^ name[i]) & mask[i]) == 0;
	return match != inv ? M_ALL : M_NO;
}

static int header_match(const struct rt_judge *j, const struct rt_leg *leg,
			const struct rt_entry_view *v)
{
	int res = M_ALL;

	if (v->proto)
		res = (v->proto == leg->proto) != v->proto_inv ? M_ALL : M_NO;
	res = m_and(res, addr_match(j, v->src, v->smsk, v->addr_len, v->invflags & IPT_INV_SRCIP,
				    leg->src));
	res = m_and(res, addr_match(j, v->dst, v->dmsk, v->addr_len, v->invflags & IPT_INV_DSTIP,
				    leg->dst));
	res = m_and(res, iface_match(v->iniface, v->iniface_mask, v->invflags & IPT_INV_VIA_IN,
				     leg->in, leg->not_lo));
	return m_and(res, iface_match(v->outiface, v->outiface_mask,
				      v->invflags & IPT_INV_VIA_OUT, leg->out, leg->not_lo));
}

/* The profile's ports against [lo, hi]. */
static int ports_rel(const struct rt_ports *ports, uint16_t lo, uint16_t hi)
{
	bool all = true, any = false;

	for (size_t i = 0; i < ports->n; i++) {
		const struct rt_port_range *r = &ports->range[i];

		any |= r->lo <= hi && r->hi >= lo;
		all &= r->lo >= lo && r->hi <= hi;
	}
	return all ? M_ALL : any ? M_SOME : M_NO;
}

static int range_match(const struct rt_judge *j, const struct rt_leg *leg, bool dst,
		       const uint16_t pts[2], bool inv)
{
	int res;

	if (pts[0] == 0 && pts[1] == UINT16_MAX)
		res = M_ALL;
	else if (dst == leg->request)
		res = ports_rel(j->ports, pts[0], pts[1]);
	else if (leg->other)
		res = leg->other->lo >= pts[0] && leg->other->hi <= pts[1] ? M_ALL
		      : leg->other->lo <= pts[1] && leg->other->hi >= pts[0] ? M_SOME
									       : M_NO;
	else
		res = M_SOME;
	return inv ? m_not(res) : res;
}

/* "--tcp-flags MASK COMP" for every flag combination of the class. */
static int flags_match(uint8_t mask, uint8_t cmp, bool inv, enum rt_flags flags)
{
	bool seen[2] = { false, false };

	if (!mask && !inv)
		return M_ALL;
	for (unsigned int f = 0; f < 64; f++) {
		bool syn = (f & 0x17) == 0x02;

		if ((flags == F_SYN && f != 0x02) || (flags == F_NOTSYN && syn))
			continue;
		seen[(((f & mask) == cmp) != inv)] = true;
	}
	return seen[1] && !seen[0] ? M_ALL : seen[1] ? M_SOME : M_NO;
}

static int multiport_match(const struct rt_judge *j, const struct rt_leg *leg,
			   const struct xt_multiport_v1 *mp, bool v1)
{
	int side[2] = { M_NO, M_NO }; /* source, destination */
	int res;

	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS; i++) {
		uint16_t pts[2] = { mp->ports[i], mp->ports[i] };

		if (v1 && mp->pflags[i] && i + 1 < mp->count)
			pts[1] = mp->ports[++i];
		for (int d = 0; d < 2; d++) {
			int r = range_match(j, leg, d, pts, false);

			/* the union of ranges: ALL only when one range holds them all */
			side[d] = side[d] == M_NO ? r : m_or(side[d], r == M_NO ? M_NO : M_SOME);
			if (r == M_ALL)
				side[d] = M_ALL;
		}
	}
	if (mp->flags == XT_MULTIPORT_SOURCE)
		res = side[0];
	else if (mp->flags == XT_MULTIPORT_DESTINATION)
		res = side[1];
	else
		res = m_or(side[0], side[1]);
	return v1 && mp->invert ? m_not(res) : res;
}

static void ct_add(struct rt_rinfo *ri, uint16_t mask, bool inv)
{
	if (ri->nct == (int)ARRAY_SIZE(ri->ct_mask)) {
		ri->ct_unknown = true;
		return;
	}
	ri->ct_mask[ri->nct] = mask;
	ri->ct_inv[ri->nct++] = inv;
}

static void conntrack_info(const struct xt_entry_match *m, struct rt_rinfo *ri)
{
	const uint16_t known = XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS;
	uint16_t flags, inv, mask;

	if (m->u.user.revision == 1) {
		const struct xt_conntrack_mtinfo1 *c = (const void *)m->data;

		flags = c->match_flags, inv = c->invert_flags, mask = c->state_mask;
	} else if (m->u.user.revision == 2 || m->u.user.revision == 3) {
		const struct xt_conntrack_mtinfo2 *c = (const void *)m->data;

		flags = c->match_flags, inv = c->invert_flags, mask = c->state_mask;
	} else {
		ri->ct_unknown = true;
		return;
	}
	if ((flags & ~known) || !(flags & XT_CONNTRACK_STATE) ||
	    (mask & (XT_CONNTRACK_STATE_SNAT | XT_CONNTRACK_STATE_DNAT))) {
		ri->ct_unknown = true;
		return;
	}
	ct_add(ri, (uint16_t)((mask & 0x0f) | (mask & XT_CONNTRACK_STATE_UNTRACKED ? S_UNTR : 0)),
	       inv & XT_CONNTRACK_STATE);
}

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Matches that read conntrack beyond the state, or count per packet. */
static const char *const ct_readers[] = { "connmark", "connlimit", "helper", "connbytes",
					  "connlabel", "cluster", "ipvs", "socket", "conntrack",
					  "state" };
static const char *const rate_limits[] = { "limit", "hashlimit" };
static const char *const per_packet[] = { "recent", "quota", "statistic",
					  "length", "string", "u32", "bpf", "tcpmss", "ecn",
					  "nfacct", "rateest", "connrate" };
/* Matches on what every packet of a flow's direction shares. */
static const char *const steady[] = { "comment", "set", "iprange", "mac", "pkttype", "physdev",
				      "owner", "mark", "devgroup", "dscp", "tos", "ttl", "hl",
				      "policy", "realm", "cgroup", "cpu", "time", "rpfilter",
				      "icmp", "icmp6", "ah", "esp", "sctp", "dccp", "ipv6header",
				      "frag", "hbh", "dst", "rt", "mh", "srh", "osf", "addrtype",
				      "geoip", "multiport", "tcp", "udp" };

static int addrtype_match(const struct rt_leg *leg, const struct xt_entry_match *m)
{
	uint16_t src, dst;
	bool inv;

	if (m->u.user.revision == 1) {
		const struct xt_addrtype_info_v1 *a = (const void *)m->data;

		src = a->source, dst = a->dest, inv = a->flags & XT_ADDRTYPE_INVERT_DEST;
		if (a->flags & ~(uint32_t)(XT_ADDRTYPE_INVERT_DEST))
			return M_SOME;
	} else {
		const struct xt_addrtype_info *a = (const void *)m->data;

		src = a->source, dst = a->dest, inv = a->invert_dest;
	}
	/* what a TCP packet to this host is: LOCAL, never broadcast or multicast */
	if (src || !dst || !leg->to_local)
		return M_SOME;
	if (dst & XT_ADDRTYPE_LOCAL)
		return inv ? M_NO : M_ALL;
	if (leg->proto != IPPROTO_TCP)
		return M_SOME;
	return inv ? M_ALL : M_NO;
}

static int match_one(const struct rt_judge *j, const struct rt_leg *leg,
		     const struct xt_entry_match *m, enum rt_flags flags, struct rt_rinfo *ri)
{
	const char *name = m->u.user.name;

	if (strcmp(name, "tcp") == 0 && leg->proto == IPPROTO_TCP) {
		const struct xt_tcp *t = (const void *)m->data;

		if (t->option)
			ri->perpacket = true;
		return m_and(m_and(range_match(j, leg, false, t->spts, t->invflags & XT_TCP_INV_SRCPT),
				   range_match(j, leg, true, t->dpts, t->invflags & XT_TCP_INV_DSTPT)),
			     flags_match(t->flg_mask, t->flg_cmp, t->invflags & XT_TCP_INV_FLAGS,
					 flags));
	}
	if (strcmp(name, "udp") == 0 && leg->proto == IPPROTO_UDP) {
		const struct xt_udp *u = (const void *)m->data;

		return m_and(range_match(j, leg, false, u->spts, u->invflags & XT_UDP_INV_SRCPT),
			     range_match(j, leg, true, u->dpts, u->invflags & XT_UDP_INV_DSTPT));
	}
	if (strcmp(name, "tcp") == 0 || strcmp(name, "udp") == 0)
		return M_NO; /* the other protocol's match: the kernel checks it */
	if (strcmp(name, "multiport") == 0)
		return multiport_match(j, leg, (const void *)m->data, m->u.user.revision == 1);
	if (strcmp(name, "state") == 0) {
		const struct xt_state_info *s = (const void *)m->data;

		ct_add(ri, (uint16_t)((s->statemask & 0x0f) |
				      (s->statemask & XT_STATE_UNTRACKED ? S_UNTR : 0)), false);
		return M_ALL;
	}
	if (strcmp(name, "conntrack") == 0) {
		conntrack_info(m, ri);
		return M_ALL;
	}
	if (strcmp(name, "comment") == 0)
		return M_ALL;
	if (strcmp(name, "addrtype") == 0)
		return addrtype_match(leg, m);
	if (name_in(name, ct_readers, ARRAY_SIZE(ct_readers))) {
		ri->ct_unknown = true;
		return M_SOME;
	}
	if (name_in(name, rate_limits, ARRAY_SIZE(rate_limits)))
		ri->rate = true;
	else if (name_in(name, per_packet, ARRAY_SIZE(per_packet)) ||
		 !name_in(name, steady, ARRAY_SIZE(steady)))
		ri->perpacket = true;
	return M_SOME;
}

static int rule_match(const struct rt_judge *j, const struct rt_leg *leg,
		      const struct rt_entry_view *v, enum rt_flags flags, struct rt_rinfo *ri)
{
	int res = header_match(j, leg, v);

	for (size_t off = 0; off + sizeof(struct xt_entry_match) <= v->matches_size && res;) {
		const struct xt_entry_match *m = (const void *)(v->matches + off);

		if (m->u.match_size < sizeof(*m))
			break;
		res = m_and(res, match_one(j, leg, m, flags, ri));
		off += m->u.match_size;
	}
	return res;
}

static void analyse(const struct rt_walker *w, const struct rt_xrule *r, struct rt_rinfo *ri)
{
	struct rt_rinfo ref;

	memset(ri, 0, sizeof(*ri));
	ri->n = rule_match(w->j, w->leg, &r->v, w->flags, ri);
	memset(&ref, 0, sizeof(ref));
	ri->n_ref = w->flags == w->ref_flags ? ri->n
					    : rule_match(w->j, w->leg, &r->v, w->ref_flags, &ref);
}

static bool ct_takes(const struct rt_rinfo *ri, uint16_t state)
{
	for (int i = 0; i < ri->nct; i++)
		if (((ri->ct_mask[i] & state) != 0) == ri->ct_inv[i])
			return false;
	return true;
}

/* ---- refusing, and twins ----------------------------------------------------- */

static void port_text(const struct rawtune_profile *p, char *buf, size_t len)
{
	const struct rt_port_range *r = &p->ports.range[0];

	if (r->lo == r->hi)
		snprintf(buf, len, "%u", r->lo);
	else
		snprintf(buf, len, "%u-%u", r->lo, r->hi);
	if (p->ports.n > 1)
		snprintf(buf + strlen(buf), len - strlen(buf), ",...");
}

static int refuse(struct rt_walker *w, const struct rt_xchain *c, const struct rt_xrule *r,
		  const char *format, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct rt_walker *w, const struct rt_xchain *c, const struct rt_xrule *r,
		  const char *format, ...)
{
	struct rt_judge *j = w->j;
	char why[256], port[32];
	va_list args;

	j->failed = true;
	if (j->quiet)
		return -EPERM;
	va_start(args, format);
	vsnprintf(why, sizeof(why), format, args);
	va_end(args);
	port_text(j->p, port, sizeof(port));
	if (!j->out->refusal[0] && r)
		snprintf(j->out->refusal, sizeof(j->out->refusal),
			 "%s rule %u of %s (%s %s), %s port %s: %s", w->reply ? "replies at" : "at",
			 r->pos + 1, c->name, j->ops->name, j->table,
			 w->leg->proto == IPPROTO_TCP ? "tcp" : "udp", port, why);
	else if (!j->out->refusal[0])
		snprintf(j->out->refusal, sizeof(j->out->refusal), "%s (%s %s), %s port %s: %s",
			 c->name, j->ops->name, j->table,
			 w->leg->proto == IPPROTO_TCP ? "tcp" : "udp", port, why);
	if (j->force) {
		j->out->forced = true;
		return 0;
	}
	return -EPERM;
}

/* What a firewall manager would have the admin run instead. */
static const char *manager_advice(const char *chain, uint8_t proto)
{
	if (strncmp(chain, "ufw", 3) == 0)
		return proto == IPPROTO_TCP ? "ufw's own rule decides: 'ufw allow PORT/tcp' writes "
					      "a plain accept, which untracked packets pass"
					    : "ufw's own rule decides: 'ufw allow PORT/udp' writes "
					      "a plain accept, which untracked packets pass";
	if (strncmp(chain, "IN_", 3) == 0 || strncmp(chain, "FWD_", 4) == 0 ||
	    strstr(chain, "_direct") || strstr(chain, "_ZONES"))
		return "firewalld owns it: 'firewall-cmd --add-port=PORT/PROTO' and the same with "
		       "--permanent (firewalld >= 1.3 writes plain port accepts)";
	return "a firewall manager owns it and rewrites it on reload: allow the port there";
}

bool rt_chain_is_managed(const char *chain)
{
	static const char *const prefixes[] = {
		"ufw-", "ufw6-", "DOCKER", "f2b-", "fail2ban-", "KUBE-", "cali-", "LIBVIRT_",
		"IN_", "FWD_", "OUT_", "INPUT_", "FORWARD_", "OUTPUT_", "sshguard", "CILIUM",
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(chain, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static int twin_put(struct rt_judge *j, const struct rt_xchain *c, const struct rt_xrule *r,
		    const uint8_t *entry, size_t size)
{
	struct rt_judgement *out = j->out;
	struct rt_twin *t;

	/* A rule met twice on one walk (two jumps to its chain) is twinned once. */
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->twin[i].chain, c->name) == 0 && out->twin[i].pos == r->pos &&
		    out->twin[i].size == size && memcmp(out->twin[i].entry, entry, size) == 0)
			return 0;
	if (out->n == out->cap) {
		size_t ncap = out->cap ? out->cap * 2 : 8;
		struct rt_twin *grown = realloc(out->twin, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		out->twin = grown;
		out->cap = ncap;
	}
	t = &out->twin[out->n];
	t->entry = malloc(size);
	if (!t->entry)
		return -ENOMEM;
	memcpy(t->entry, entry, size);
	t->size = size;
	t->pos = r->pos;
	snprintf(t->chain, sizeof(t->chain), "%s", c->name);
	out->n++;
	return 0;
}

/* The original's matches without its state matches (nor its rate limits, with @strip_rate). */
static size_t copy_matches(const struct rt_entry_view *v, bool strip_rate, uint8_t *buf,
			   size_t len)
{
	size_t used = 0;

	for (size_t off = 0; off + sizeof(struct xt_entry_match) <= v->matches_size;) {
		const struct xt_entry_match *m = (const void *)(v->matches + off);

		if (m->u.match_size < sizeof(*m))
			break;
		off += m->u.match_size;
		if (strcmp(m->u.user.name, "state") == 0 || strcmp(m->u.user.name, "conntrack") == 0)
			continue;
		if (strip_rate && name_in(m->u.user.name, rate_limits, ARRAY_SIZE(rate_limits)))
			continue;
		if (used + m->u.match_size > len)
			return SIZE_MAX;
		memcpy(buf + used, m, m->u.match_size);
		used += m->u.match_size;
	}
	return used;
}

/*
 * Twins of rule @r for the walker's class: its own matches, the class's
 * flags, the profile's ports (one twin per 15 of them), UNTRACKED and the
 * profile's comment, and @r's own target.
 */
static int twin(struct rt_walker *w, const struct rt_xchain *c, const struct rt_xrule *r)
{
	struct rt_judge *j = w->j;
	const struct rawtune_profile *p = j->p;
	uint8_t body[RT_ENTRY_MAX], matches[2 * RT_ENTRY_MAX], target[RT_ENTRY_MAX];
	uint8_t entry[3 * RT_ENTRY_MAX];
	size_t base, tsize = r->v.target_size;
	struct xt_entry_target *tgt;
	struct rt_rule extra;
	int err = 0;

	if (!j->twins_allowed)
		return refuse(w, c, r, "a twin would be needed here");
	if (rt_chain_is_managed(c->name))
		return refuse(w, c, r, "its state match would need a twin in a chain a firewall "
			      "manager rewrites (%s)", manager_advice(c->name, w->leg->proto));
	if (w->leg->proto == IPPROTO_UDP && w->reply && !p->has_owner) {
		for (size_t i = 0; i < p->ports.n; i++)
			if (p->ports.range[i].hi >= 1024)
				return refuse(w, c, r, "UDP replies from an unprivileged port pass "
					      "this chain only as ESTABLISHED: name the service's user "
					      "with 'owner =' so no other local user sends from the port");
	}
	if (tsize > sizeof(target))
		return -ENOMEM;
	base = copy_matches(&r->v, w->strip_rate, body, sizeof(body));
	if (base == SIZE_MAX)
		return -ENOMEM;
	rt_ext_scrub(body, base);
	memcpy(target, r->v.target, tsize);
	/* a standard target read back carries no name: libiptc needs it to insert */
	tgt = (struct xt_entry_target *)target;
	if (!tgt->u.user.name[0] && r->target[0])
		strncpy(tgt->u.user.name, r->target, sizeof(tgt->u.user.name) - 1);
	for (size_t first = 0; first < p->ports.n && err == 0;) {
		size_t n = 0, mlen, size, slots = 0;

		while (first + n < p->ports.n && n < RT_RULE_PORT_SLOTS) {
			slots += p->ports.range[first + n].lo == p->ports.range[first + n].hi ? 1 : 2;
			if (slots > RT_RULE_PORT_SLOTS)
				break;
			n++;
		}
		rt_rule_init(&extra);
		extra.proto = w->leg->proto;
		extra.dport = w->leg->request;
		extra.nports = (unsigned int)n;
		memcpy(extra.ports, &p->ports.range[first], n * sizeof(extra.ports[0]));
		extra.syn = w->flags == F_SYN;
		extra.notsyn = w->flags == F_NOTSYN;
		if (w->leg->other) {
			extra.has_other = true;
			extra.other = *w->leg->other;
		}
		if (p->has_owner && w->reply && w->leg->proto == IPPROTO_UDP && w->leg->from_local) {
			extra.has_owner = true;
			extra.owner = p->owner;
		}
		extra.untracked = true;
		snprintf(extra.comment, sizeof(extra.comment), RT_COMMENT_PREFIX "%s", p->name);
		extra.verdict = RT_VERDICT_COUNT;
		first += n;
		mlen = rt_twin_matches(&extra, body, base, matches, sizeof(matches));
		if (!mlen)
			return -ENOMEM;
		size = j->ops->assemble(r->e, w->leg->proto, matches, mlen, target, tsize, entry,
					sizeof(entry));
		if (!size)
			return -ENOMEM;
		/* the leg's interfaces: a loopback twin never takes a remote host's packets */
		j->ops->narrow_iface(entry, w->leg->in, w->leg->out);
		err = twin_put(j, c, r, entry, size);
	}
	return err;
}

/* ---- the walk ------------------------------------------------------------------- */

enum { STEP_ON, STEP_DONE, STEP_RETURN };

static int walk(struct rt_walker *w, struct rt_xchain *c);

/* A rule that tells a SYN from the later segments, where that changes a verdict. */
static bool flags_part(const struct rt_walker *w, const struct rt_xrule *r,
		       const struct rt_rinfo *ri)
{
	int first = w->flags == F_SYN ? ri->n : ri->n_ref;

	if (w->leg->proto != IPPROTO_TCP || w->reply || r->kind == T_CONTINUE)
		return false;
	/* dropping odd flag combinations that no first packet has narrows only */
	return ri->n != ri->n_ref && !(first == M_NO && r->kind == T_DROP);
}

/*
 * After @r, the next rule that can decide for the walker's class: is it an
 * accept of all of it, for packets in state @state?
 */
static bool next_accepts_all(const struct rt_walker *w, const struct rt_xchain *c,
			     const struct rt_xrule *r, uint16_t state)
{
	for (size_t i = r->pos + 1; i < c->n; i++) {
		const struct rt_xrule *next = &c->rule[i];
		struct rt_rinfo ri;

		if (next->ours)
			continue;
		analyse(w, next, &ri);
		if (ri.n == M_NO || (next->kind == T_CONTINUE && !ri.ct_unknown))
			continue;
		return next->kind == T_ACCEPT && ri.n == M_ALL && !ri.ct_unknown &&
		       ct_takes(&ri, state);
	}
	return false;
}

/* Is the next rule that decides after @r the ESTABLISHED accept, which untracked packets pass? */
static bool established_next(const struct rt_walker *w, const struct rt_xchain *c,
			     const struct rt_xrule *r)
{
	return next_accepts_all(w, c, r, S_EST) && !next_accepts_all(w, c, r, S_UNTR);
}

/*
 * A reply the ESTABLISHED accept @r takes: does every untracked one meet an
 * accept for all of them further down, with nothing on the way that could
 * decide otherwise (as "-A INPUT -i lo -j ACCEPT" below it)? Then it needs
 * no twin.
 */
static bool accepted_further(const struct rt_walker *w, const struct rt_xchain *c,
			     const struct rt_xrule *r)
{
	return next_accepts_all(w, c, r, S_UNTR);
}

/*
 * A flow's later segment meets a NEW-state rule above the ESTABLISHED accept:
 * tracked, it passes on to that accept. When nothing else can decide for it
 * on the way, the flows the rule lets start are the ones whose later
 * segments get there: they get a "! --syn" twin of the rule. A NEW-only
 * drop never met them and leaves them alone.
 */
static int new_before_established(struct rt_walker *w, const struct rt_xchain *c,
				  const struct rt_xrule *r, const struct rt_rinfo *ri, bool *taken)
{
	*taken = false;
	if (r->kind == T_DROP || r->kind == T_CONTINUE)
		return 0;
	if (r->kind != T_ACCEPT || ri->perpacket || ri->rate || !established_next(w, c, r))
		return refuse(w, c, r, "rawtune cannot tell where the flows' later packets would go");
	*taken = true;
	return twin(w, c, r);
}

/* Where tracked and untracked walk together: does the untracked packet take @r? */
static int step_together(struct rt_walker *w, const struct rt_xchain *c,
			 const struct rt_xrule *r, const struct rt_rinfo *ri, bool *taken)
{
	bool mt = ct_takes(ri, w->est ? S_EST : S_NEW), mu = ct_takes(ri, S_UNTR);
	int err;

	*taken = mt;
	if (mt == mu && !mt && w->est && !w->reply && ct_takes(ri, S_NEW))
		return new_before_established(w, c, r, ri, taken);
	if (mt == mu)
		return flags_part(w, r, ri) && mt
			       ? refuse(w, c, r, "it treats a SYN and the later segments apart")
			       : 0;
	if (!mt)
		return refuse(w, c, r, "its state match takes untracked packets that tracked ones "
			      "would not meet");
	if (w->est && !w->reply) {
		/* the ESTABLISHED accept: untracked, the flow's later packets walk on */
		if (r->kind != T_ACCEPT || ri->n != M_ALL)
			return refuse(w, c, r, "rawtune cannot tell where the flows' later packets "
				      "would go");
		w->tail = true;
		*taken = false;
		return 0;
	}
	if (r->kind == T_UNKNOWN)
		return refuse(w, c, r, "its target %s cannot be judged", r->target);
	if (w->reply && r->kind == T_ACCEPT && ri->n == M_ALL && accepted_further(w, c, r)) {
		*taken = false;
		return 0;
	}
	err = twin(w, c, r);
	return err;
}

/*
 * A NEW-state rule with a rate limit, met by a flow's later segments: the
 * limit counted first packets only. An accept gets a "! --syn" twin without
 * the limit (its "--syn" twin keeps it); a limited drop never met the later
 * segments, so they pass it.
 */
static int rate_twin(struct rt_walker *w, const struct rt_xchain *c, const struct rt_xrule *r,
		     bool *taken)
{
	int err;

	*taken = r->kind == T_ACCEPT;
	if (r->kind == T_DROP)
		return 0;
	if (r->kind != T_ACCEPT)
		return refuse(w, c, r, "a rate limit ahead of its target %s cannot be judged",
			      r->target);
	w->strip_rate = true;
	err = twin(w, c, r);
	w->strip_rate = false;
	return err;
}

/* After the ESTABLISHED accept: the untracked packet must go where its flow's first did. */
static int step_tail(struct rt_walker *w, const struct rt_xchain *c, const struct rt_xrule *r,
		     const struct rt_rinfo *ri, bool *taken)
{
	bool mfirst = ct_takes(ri, S_NEW), mu = ct_takes(ri, S_UNTR);

	*taken = mu;
	if (!mfirst && mu)
		return refuse(w, c, r, "its state match takes untracked packets that tracked ones "
			      "would not meet");
	if (r->kind == T_CONTINUE)
		return 0; /* logged or counted for the first packet only: later ones need not be */
	if (ri->rate && !ri->perpacket && mfirst && !mu && w->leg->proto == IPPROTO_TCP)
		return rate_twin(w, c, r, taken);
	if ((ri->perpacket || ri->rate) && (mfirst || mu))
		return refuse(w, c, r, "a rate or content match that the flows' later packets "
			      "never reached when tracked would now count them");
	if (flags_part(w, r, ri) && (mfirst || mu))
		return refuse(w, c, r, "it treats a SYN and the later segments apart");
	if (mfirst == mu)
		return 0;
	*taken = true;
	if (r->kind == T_UNKNOWN)
		return refuse(w, c, r, "its target %s cannot be judged", r->target);
	/* UDP: the first packet's twin takes the later ones too */
	return w->leg->proto == IPPROTO_TCP ? twin(w, c, r) : 0;
}

/* An accept the class takes: which port ranges of the profile can it take? */
static void mark_open(struct rt_walker *w, const struct rt_xrule *r)
{
	struct rt_judge *j = w->j;
	const struct rt_ports *all = j->ports;

	for (size_t i = 0; w->open && w->nopen < all->n && i < all->n; i++) {
		struct rt_ports one = { .n = 1, .range = &all->range[i] };
		struct rt_rinfo ri = { 0 };

		if (w->open[i])
			continue;
		j->ports = &one;
		w->open[i] = rule_match(j, w->leg, &r->v, w->flags, &ri) != M_NO;
		w->nopen += w->open[i];
		j->ports = all;
	}
}

static int step(struct rt_walker *w, struct rt_xchain *c, const struct rt_xrule *r)
{
	struct rt_rinfo ri;
	bool taken;
	int err, res;

	analyse(w, r, &ri);
	if (ri.n == M_NO)
		return STEP_ON;
	if (ri.ct_unknown)
		return refuse(w, c, r, "it reads connection tracking beyond the state, which "
			      "untracked packets do not have");
	err = w->tail ? step_tail(w, c, r, &ri, &taken) : step_together(w, c, r, &ri, &taken);
	if (err < 0)
		return err;
	if (!taken)
		return STEP_ON;
	switch (r->kind) {
	case T_CONTINUE:
		return STEP_ON;
	case T_ACCEPT:
		mark_open(w, r);
		/* fall through */
	case T_DROP:
		return ri.n == M_ALL ? STEP_DONE : STEP_ON;
	case T_RETURN:
		return ri.n == M_ALL ? STEP_RETURN : STEP_ON;
	case T_JUMP:
		res = walk(w, chain_index(w->j, r->target));
		if (res < 0)
			return res;
		if (ri.n == M_ALL && res == STEP_DONE)
			return STEP_DONE;
		return ri.n == M_ALL && r->v.is_goto ? STEP_RETURN : STEP_ON;
	case T_UNKNOWN:
		break;
	}
	return refuse(w, c, r, "its target %s cannot be judged", r->target);
}

static int walk(struct rt_walker *w, struct rt_xchain *c)
{
	int res = STEP_ON;

	if (!c)
		return -ENOMEM;
	if (++w->depth > RT_WALK_DEPTH)
		return refuse(w, c, NULL, "chains nest deeper than %d", RT_WALK_DEPTH);
	for (size_t i = 0; i < c->n && res == STEP_ON; i++) {
		if (c->rule[i].ours)
			continue;
		res = step(w, c, &c->rule[i]);
	}
	w->depth--;
	if (res < 0)
		return res;
	return res == STEP_DONE ? STEP_DONE : STEP_ON;
}

/* ---- legs ---------------------------------------------------------------------- */

/*
 * Walk @chain for one class. With @closed (the NEW class of a request):
 * *@closed is the first port range of the profile that no path accepts,
 * -1 when every one is accepted somewhere.
 */
static int walk_class(struct rt_judge *j, const char *chain, const struct rt_leg *leg, bool est,
		      bool reply, int *closed)
{
	enum rt_flags first = leg->proto == IPPROTO_TCP ? F_SYN : F_ANY;
	struct rt_walker w = {
		.j = j,
		.leg = leg,
		.est = est,
		.reply = reply,
		.flags = est && leg->proto == IPPROTO_TCP ? F_NOTSYN : first,
		/* a request's classes look at each other: a rule that tells them apart matters */
		.ref_flags = leg->proto != IPPROTO_TCP ? F_ANY
			     : reply || !est ? F_NOTSYN : F_SYN,
	};
	const char *policy;
	bool policy_accepts;
	int res;

	if (closed) {
		w.open = calloc(j->ports->n + 1, sizeof(*w.open));
		if (!w.open)
			return -ENOMEM;
	}
	res = walk(&w, chain_index(j, chain));
	policy = j->ops->policy(j->h, chain);
	policy_accepts = res == STEP_ON && policy && strcmp(policy, "ACCEPT") == 0;
	for (size_t i = 0; closed && res >= 0 && i < j->ports->n; i++)
		if (!w.open[i] && !policy_accepts) {
			*closed = (int)i;
			break;
		}
	free(w.open);
	return res < 0 ? res : 0;
}

/* One direction: a request (NEW and ESTABLISHED classes) or a reply (ESTABLISHED). */
static int judge_leg(struct rt_judge *j, const char *chain, const struct rt_leg *leg, bool reply)
{
	int closed = -1, err;

	if (!j->ops->is_chain(j->h, chain))
		return 0;
	if (reply)
		return walk_class(j, chain, leg, true, true, NULL);
	err = walk_class(j, chain, leg, false, false, &closed);
	if (err == 0)
		err = walk_class(j, chain, leg, true, false, NULL);
	if (err == 0 && closed >= 0 && !j->quiet && j->twins_allowed) {
		struct rt_walker w = { .j = j, .leg = leg };
		struct rt_xchain *c = chain_index(j, chain);
		const struct rt_port_range *r = &j->ports->range[closed];

		if (!c)
			return -ENOMEM;
		if (r->lo == r->hi)
			return refuse(&w, c, NULL, "the firewall does not accept port %u; rawtune "
				      "untracks, it does not open ports", r->lo);
		return refuse(&w, c, NULL, "the firewall does not accept ports %u-%u; rawtune "
			      "untracks, it does not open ports", r->lo, r->hi);
	}
	return err;
}

static const struct rt_addrs *maybe(const struct rt_addrs *a)
{
	return a->n ? a : NULL;
}

static const char *one_iface(const struct rawtune_profile *p)
{
	return p->ifaces.n == 1 ? p->ifaces.name[0] : NULL;
}

/* The legs of each protocol, through the filter chains (or mangle's, with @mangle). */
static int judge_proto(struct rt_judge *j, uint8_t proto, bool mangle)
{
	const struct rawtune_profile *p = j->p;
	const struct rt_addrs *addrs = maybe(&p->addrs), *peers = maybe(&p->peers);
	const char *iface = one_iface(p);
	struct rt_leg req = { .proto = proto, .request = true, .not_lo = true };
	struct rt_leg rep = { .proto = proto, .not_lo = true };
	const char *req_chain, *rep_chain;
	int err;

	if (p->forward) {
		req.dst = peers, req.in = iface;
		rep.src = peers, rep.out = iface;
		req_chain = rep_chain = "FORWARD";
	} else if (p->direction == RAWTUNE_DIRECTION_CLIENT) {
		req.from_local = true, req.src = addrs, req.dst = peers, req.out = iface;
		rep.to_local = true, rep.src = peers, rep.dst = addrs, rep.in = iface;
		rep.other = &j->env.ephemeral;
		req_chain = "OUTPUT", rep_chain = "INPUT";
	} else {
		req.to_local = true, req.dst = addrs, req.in = iface;
		rep.from_local = true, rep.src = addrs, rep.out = iface;
		req_chain = "INPUT", rep_chain = "OUTPUT";
	}
	if (mangle) {
		static const char *const in[] = { "PREROUTING", "INPUT" };
		static const char *const out[] = { "OUTPUT", "POSTROUTING" };
		static const char *const fwd[] = { "PREROUTING", "FORWARD", "POSTROUTING" };
		const char *const *list = p->forward ? fwd : req.to_local ? in : out;
		size_t n = p->forward ? 3 : 2;

		err = 0;
		for (size_t i = 0; i < n && err == 0; i++)
			err = judge_leg(j, list[i], &req, false);
		list = p->forward ? fwd : rep.to_local ? in : out;
		for (size_t i = 0; i < n && err == 0; i++)
			err = judge_leg(j, list[i], &rep, true);
		return err;
	}
	err = judge_leg(j, req_chain, &req, false);
	if (err == 0)
		err = judge_leg(j, rep_chain, &rep, true);
	return err;
}

/*
 * A client on this host: its flows to the port cross INPUT and OUTPUT on lo.
 * Their twins are kept when all of them can be made; anything that would
 * refuse only leaves a local client's flows tracked.
 */
static bool loopback_judge(struct rt_judge *j, uint8_t proto)
{
	struct rt_leg in_req = { .proto = proto, .request = true, .to_local = true, .in = "lo" };
	struct rt_leg out_req = { .proto = proto, .request = true, .from_local = true, .out = "lo" };
	struct rt_leg in_rep = { .proto = proto, .to_local = true, .in = "lo" };
	struct rt_leg out_rep = { .proto = proto, .from_local = true, .out = "lo" };
	bool quiet = j->quiet, force = j->force;
	size_t n = j->out->n;
	int err;

	j->quiet = true, j->force = false, j->failed = false;
	err = judge_leg(j, "INPUT", &in_req, false);
	if (err == 0)
		err = judge_leg(j, "OUTPUT", &out_req, false);
	if (err == 0)
		err = judge_leg(j, "INPUT", &in_rep, true);
	if (err == 0)
		err = judge_leg(j, "OUTPUT", &out_rep, true);
	j->quiet = quiet, j->force = force;
	if (err == 0 && !j->failed)
		return true;
	while (j->out->n > n)
		free(j->out->twin[--j->out->n].entry);
	return false;
}

/*
 * Path MTU discovery: an ICMP error about an untracked flow is INVALID, not
 * RELATED. Where INPUT accepts RELATED packets, a twin directly before that
 * accept takes fragmentation-needed (packet-too-big) errors in the INVALID
 * state, with the accept's own matches and at a bounded rate; nowhere else.
 */
static int pmtu_twin(struct rt_judge *j)
{
	uint8_t icmp = j->ops->family == RAWTUNE_FAMILY_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	struct rt_leg leg = { .proto = icmp, .to_local = true, .not_lo = true };
	struct rt_xchain *c = chain_index(j, "INPUT");
	struct rt_walker w = { .j = j, .leg = &leg };
	uint8_t body[RT_ENTRY_MAX], matches[2 * RT_ENTRY_MAX], entry[3 * RT_ENTRY_MAX];
	uint8_t target[RT_ENTRY_MAX];
	size_t base, mlen, size, tsize;
	struct rt_rule extra;

	for (size_t i = 0; c && i < c->n; i++) {
		const struct rt_xrule *r = &c->rule[i];
		struct rt_rinfo ri;

		if (r->ours)
			continue;
		analyse(&w, r, &ri);
		if (ri.n == M_NO || ri.ct_unknown || !ri.nct || !ct_takes(&ri, S_REL))
			continue;
		if (r->kind != T_ACCEPT)
			return 0;
		base = copy_matches(&r->v, true, body, sizeof(body));
		if (base == SIZE_MAX)
			return -ENOMEM;
		rt_ext_scrub(body, base);
		rt_rule_init(&extra);
		extra.pmtu = extra.invalid = extra.limited = true;
		extra.family = j->ops->family;
		snprintf(extra.comment, sizeof(extra.comment), RT_COMMENT_PREFIX "%s", j->p->name);
		extra.verdict = RT_VERDICT_ACCEPT;
		/* the target: an accept, as rawtune builds it */
		tsize = rt_entry_build_body(&extra, target, sizeof(target), &mlen);
		if (!tsize)
			return -ENOMEM;
		memmove(target, target + mlen, tsize - mlen);
		tsize -= mlen;
		mlen = rt_twin_matches(&extra, body, base, matches, sizeof(matches));
		if (!mlen)
			return -ENOMEM;
		size = j->ops->assemble(r->e, icmp, matches, mlen, target, tsize, entry,
					sizeof(entry));
		if (!size)
			return -ENOMEM;
		return twin_put(j, c, r, entry, size);
	}
	return 0;
}

static int judge_table(struct rt_judge *j, struct xtc_handle *h, const char *table, bool twins)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP }, { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };
	int err = 0;

	j->h = h;
	j->table = table;
	j->twins_allowed = twins;
	for (size_t i = 0; i < ARRAY_SIZE(protos) && err == 0; i++) {
		if (!(j->p->protocols & protos[i].bit))
			continue;
		err = judge_proto(j, protos[i].proto, !twins);
		/* lo's twins only where the plan can untrack a local client's flows */
		if (err == 0 && twins && rt_plan_local_clients(j->p) &&
		    !loopback_judge(j, protos[i].proto))
			j->out->loopback = false;
	}
	if (err == 0 && twins && !j->p->forward)
		err = pmtu_twin(j);
	chains_free(j);
	return err;
}

static int client_udp(struct rt_judge *j)
{
	const struct rawtune_profile *p = j->p;

	if (!(p->protocols & RAWTUNE_PROTO_UDP) ||
	    (p->direction != RAWTUNE_DIRECTION_CLIENT && !p->forward))
		return 0;
	snprintf(j->out->refusal, sizeof(j->out->refusal),
		 "a UDP %s profile cannot be untracked safely: without conntrack a reply "
		 "cannot be checked against its request, and any peer address could be spoofed "
		 "onto the local UDP sockets", p->forward ? "forward" : "client");
	if (j->force) {
		j->out->forced = true;
		return 0;
	}
	return -EPERM;
}

int rt_verdict_judge(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
		     struct xtc_handle *filter, struct xtc_handle *mangle,
		     const struct rawtune_profile *profile, bool force, struct rt_judgement *out)
{
	struct rt_judge j = { .ctx = ctx, .ops = ops, .p = profile, .force = force, .out = out,
			      .ports = &profile->ports };
	int err;

	memset(out, 0, sizeof(*out));
	out->loopback = true;
	j.env = rt_plan_env_default;
	j.env.ephemeral = rt_ephemeral_range();
	if ((profile->direction == RAWTUNE_DIRECTION_CLIENT || profile->forward) &&
	    !profile->peers.n)
		return rt_fail(ctx, -EINVAL, "a %s profile needs 'peers =' (the addresses of "
			       "the far ends): without them any host could send as a reply",
			       profile->forward ? "forward" : "client");
	err = client_udp(&j);
	if (err == 0 && mangle)
		err = judge_table(&j, mangle, "mangle", false);
	if (err == 0 && filter)
		err = judge_table(&j, filter, "filter", true);
	if (err == -EPERM)
		return rt_fail(ctx, err, "%s", out->refusal);
	if (err < 0)
		return rt_fail(ctx, err, "cannot read the %s firewall: %s", ops->name,
			       strerror(-err));
	return 0;
}

void rt_judgement_clear(struct rt_judgement *jd)
{
	for (size_t i = 0; i < jd->n; i++)
		free(jd->twin[i].entry);
	free(jd->twin);
	jd->twin = NULL;
	jd->n = jd->cap = 0;
}

struct rt_port_range rt_ephemeral_range(void)
{
	struct rt_port_range r = rt_plan_env_default.ephemeral;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	unsigned int lo, hi;

	if (!f)
		return r;
	if (fscanf(f, "%u %u", &lo, &hi) == 2 && lo <= hi && hi <= UINT16_MAX) {
		r.lo = (uint16_t)lo;
		r.hi = (uint16_t)hi;
	}
	fclose(f);
	return r;
}
