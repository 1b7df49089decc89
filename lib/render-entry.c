// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel entry as iptables-save prints it, match by match in the entry's
 * own order: for twins, which carry the firewall's own matches beside
 * rawtune's. The matches firewalls put beside a state match are printed in
 * full; any other shows as "-m NAME" alone (iptables-legacy-save has all).
 */
/* glibc's net/if.h and netinet/in.h first: they tell the kernel's headers to stand back */
#include "rawtune-private.h"

#include <arpa/inet.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct rt_text_out {
	char *buf;
	size_t len, used;
};

static void put(struct rt_text_out *o, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void put(struct rt_text_out *o, const char *format, ...)
{
	size_t room = o->used < o->len ? o->len - o->used : 0;
	va_list args;
	int n;

	va_start(args, format);
	n = vsnprintf(room ? o->buf + o->used : NULL, room, format, args);
	va_end(args);
	if (n > 0)
		o->used += (size_t)n;
}

static void put_range(struct rt_text_out *o, const char *inv, const char *opt, const uint16_t p[2])
{
	if (p[0] == 0 && p[1] == UINT16_MAX)
		return;
	put(o, "%s --%s %u", inv, opt, p[0]);
	if (p[1] != p[0])
		put(o, ":%u", p[1]);
}

static void put_flags(struct rt_text_out *o, uint8_t flags)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG" };
	const char *sep = "";

	if (flags == 0x3f) {
		put(o, "ALL");
		return;
	}
	if (!flags)
		put(o, "NONE");
	for (int i = 0; i < 6; i++)
		if (flags & (1 << i)) {
			put(o, "%s%s", sep, names[i]);
			sep = ",";
		}
}

static void put_tcp(struct rt_text_out *o, const struct xt_tcp *t)
{
	put_range(o, t->invflags & XT_TCP_INV_SRCPT ? " !" : "", "sport", t->spts);
	put_range(o, t->invflags & XT_TCP_INV_DSTPT ? " !" : "", "dport", t->dpts);
	if (t->flg_mask || (t->invflags & XT_TCP_INV_FLAGS)) {
		put(o, "%s --tcp-flags ", t->invflags & XT_TCP_INV_FLAGS ? " !" : "");
		put_flags(o, t->flg_mask);
		put(o, " ");
		put_flags(o, t->flg_cmp);
	}
	if (t->option)
		put(o, "%s --tcp-option %u", t->invflags & XT_TCP_INV_OPTION ? " !" : "", t->option);
}

static void put_multiport(struct rt_text_out *o, const struct xt_multiport_v1 *mp)
{
	const char *which = mp->flags == XT_MULTIPORT_SOURCE	  ? "sports"
			    : mp->flags == XT_MULTIPORT_DESTINATION ? "dports"
								    : "ports";

	put(o, "%s --%s ", mp->invert ? " !" : "", which);
	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS; i++) {
		put(o, "%s%u", i ? "," : "", mp->ports[i]);
		if (mp->pflags[i] && i + 1 < mp->count)
			put(o, ":%u", mp->ports[++i]);
	}
}

/* As iptables prints a rate: the largest unit that keeps it whole. */
static void put_limit(struct rt_text_out *o, const struct xt_rateinfo *r)
{
	static const struct {
		const char *name;
		uint32_t mult;
	} rates[] = { { "day", XT_LIMIT_SCALE * 24 * 60 * 60 }, { "hour", XT_LIMIT_SCALE * 60 * 60 },
		      { "min", XT_LIMIT_SCALE * 60 }, { "sec", XT_LIMIT_SCALE } };
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(rates); i++)
		if (r->avg > rates[i].mult || rates[i].mult / r->avg < rates[i].mult % r->avg)
			break;
	if (r->avg)
		put(o, " --limit %u/%s", rates[i - 1].mult / r->avg, rates[i - 1].name);
	put(o, " --limit-burst %u", r->burst);
}

static void put_state(struct rt_text_out *o, uint16_t mask)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} states[] = { { XT_CONNTRACK_STATE_INVALID, "INVALID" },
		       { XT_CONNTRACK_STATE_BIT(IP_CT_NEW), "NEW" },
		       { XT_CONNTRACK_STATE_BIT(IP_CT_RELATED), "RELATED" },
		       { XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED), "ESTABLISHED" },
		       { XT_CONNTRACK_STATE_UNTRACKED, "UNTRACKED" } };
	const char *sep = " --ctstate ";

	for (size_t i = 0; i < ARRAY_SIZE(states); i++)
		if (mask & states[i].bit) {
			put(o, "%s%s", sep, states[i].name);
			sep = ",";
		}
}

static void put_comment(struct rt_text_out *o, const char *s)
{
	static const char bare[] = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t n = strspn(s, bare);

	if (n > 0 && s[n] == '\0') {
		put(o, " --comment %s", s);
		return;
	}
	put(o, " --comment \"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			put(o, "\\x%02x", c);
		else
			put(o, strchr("\"\\'", c) ? "\\%c" : "%c", c);
	}
	put(o, "\"");
}

static void put_match(struct rt_text_out *o, const struct xt_entry_match *m)
{
	const char *name = m->u.user.name;
	const void *data = m->data;

	put(o, " -m %s", name);
	if (strcmp(name, "tcp") == 0) {
		put_tcp(o, data);
	} else if (strcmp(name, "udp") == 0) {
		const struct xt_udp *u = data;

		put_range(o, u->invflags & XT_UDP_INV_SRCPT ? " !" : "", "sport", u->spts);
		put_range(o, u->invflags & XT_UDP_INV_DSTPT ? " !" : "", "dport", u->dpts);
	} else if (strcmp(name, "multiport") == 0 && m->u.user.revision == 1) {
		put_multiport(o, data);
	} else if (strcmp(name, "comment") == 0) {
		put_comment(o, ((const struct xt_comment_info *)data)->comment);
	} else if (strcmp(name, "conntrack") == 0 && m->u.user.revision == 3) {
		const struct xt_conntrack_mtinfo3 *ct = data;

		if (ct->invert_flags & XT_CONNTRACK_STATE)
			put(o, " !");
		put_state(o, ct->state_mask);
	} else if (strcmp(name, "limit") == 0) {
		put_limit(o, data);
	} else if (strcmp(name, "owner") == 0 && m->u.user.revision == 1) {
		const struct xt_owner_match_info *ow = data;

		if (ow->match & XT_OWNER_UID)
			put(o, " --uid-owner %u", ow->uid_min);
	} else if (strcmp(name, "icmp") == 0) {
		const struct ipt_icmp *ic = data;

		put(o, " --icmp-type %u/%u", ic->type, ic->code[0]);
	} else if (strcmp(name, "icmp6") == 0) {
		put(o, " --icmpv6-type %u", ((const struct ipt_icmp *)data)->type);
	}
}

static const char *reject_with(enum rawtune_family family, unsigned int with)
{
	static const char *const v4[] = { "icmp-net-unreachable", "icmp-host-unreachable",
					  "icmp-proto-unreachable", "icmp-port-unreachable",
					  "icmp-echo-reply", "icmp-net-prohibited",
					  "icmp-host-prohibited", "tcp-reset", "icmp-admin-prohibited" };
	static const char *const v6[] = { "icmp6-no-route", "icmp6-adm-prohibited",
					  "icmp6-not-neighbour", "icmp6-addr-unreachable",
					  "icmp6-port-unreachable", "echoreply", "tcp-reset",
					  "icmp6-policy-fail", "icmp6-reject-route" };

	if (family == RAWTUNE_FAMILY_IPV4)
		return with < ARRAY_SIZE(v4) ? v4[with] : "?";
	return with < ARRAY_SIZE(v6) ? v6[with] : "?";
}

static void put_addr(struct rt_text_out *o, const char *opt, bool inv, const uint8_t *addr,
		     const uint8_t *mask, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	int prefix;

	if (rt_all_zero(mask, len) && !inv)
		return;
	prefix = rt_mask_to_prefix(mask, len);
	inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	put(o, "%s %s %s/%d", inv ? " !" : "", opt, text, prefix);
}

static void put_iface(struct rt_text_out *o, const char *opt, bool inv, const char *name,
		      const unsigned char *mask)
{
	size_t n = strnlen(name, IFNAMSIZ);

	if (!n)
		return;
	/* a mask that stops short of the name's NUL: "veth+" */
	put(o, "%s %s %s%s", inv ? " !" : "", opt, name, mask[n] ? "" : "+");
}

static void put_proto(struct rt_text_out *o, bool inv, uint16_t proto)
{
	static const struct {
		uint16_t proto;
		const char *name;
	} names[] = { { IPPROTO_TCP, "tcp" }, { IPPROTO_UDP, "udp" }, { IPPROTO_ICMP, "icmp" },
		      { IPPROTO_ICMPV6, "ipv6-icmp" } };

	put(o, "%s -p ", inv ? " !" : "");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].proto == proto) {
			put(o, "%s", names[i].name);
			return;
		}
	put(o, "%u", proto);
}

int rt_entry_render(const struct rt_family_ops *ops, const rt_entry *e, const char *chain,
		    const char *target, char *buf, size_t len)
{
	struct rt_text_out o = { .buf = buf, .len = len };
	struct rt_entry_view v;

	if (len)
		buf[0] = '\0';
	ops->view(e, &v);
	put(&o, "-A %s", chain);
	put_addr(&o, "-s", v.invflags & IPT_INV_SRCIP, v.src, v.smsk, v.addr_len);
	put_addr(&o, "-d", v.invflags & IPT_INV_DSTIP, v.dst, v.dmsk, v.addr_len);
	put_iface(&o, "-i", v.invflags & IPT_INV_VIA_IN, v.iniface, v.iniface_mask);
	put_iface(&o, "-o", v.invflags & IPT_INV_VIA_OUT, v.outiface, v.outiface_mask);
	if (v.proto)
		put_proto(&o, v.proto_inv, v.proto);
	for (size_t off = 0; off + sizeof(struct xt_entry_match) <= v.matches_size;) {
		const struct xt_entry_match *m = (const void *)(v.matches + off);

		if (m->u.match_size < sizeof(*m))
			break;
		put_match(&o, m);
		off += m->u.match_size;
	}
	if (target[0])
		put(&o, " -%c %s", v.is_goto ? 'g' : 'j', target);
	if (strcmp(target, "REJECT") == 0 && v.target_size >= sizeof(struct xt_entry_target) + 4)
		put(&o, " --reject-with %s",
		    reject_with(ops->family, *(const unsigned int *)(v.target +
								     sizeof(struct xt_entry_target))));
	return (int)o.used;
}
