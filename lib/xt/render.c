// SPDX-License-Identifier: LGPL-2.1-or-later
/* A rule as iptables-save prints it: for status, dry runs and golden tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"
#include "xt/verdict.h"

#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>

struct rt_out {
	char *buf;
	size_t len, used;
};

static void out(struct rt_out *o, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void out(struct rt_out *o, const char *format, ...)
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

/* As xtables_save_string(): bare when safe, else quoted with escapes. */
static void out_string(struct rt_out *o, const char *s)
{
	static const char bare[] = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t n = strspn(s, bare);

	if (n > 0 && s[n] == '\0') {
		out(o, " %s", s);
		return;
	}
	out(o, " \"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		/* a comment read back from the kernel may hold anything: keep the rule one line */
		if (c < 0x20 || c == 0x7f)
			out(o, "\\x%02x", c);
		else
			out(o, strchr("\"\\'", c) ? "\\%c" : "%c", c);
	}
	out(o, "\"");
}

static void out_ports(struct rt_out *o, const struct rt_rule *r)
{
	const char *proto = r->proto == IPPROTO_TCP ? "tcp" : "udp";
	const char *dir = r->dport ? "d" : "s";

	const char *flags = r->syn ? " --tcp-flags FIN,SYN,RST,ACK SYN"
			    : r->notsyn ? " ! --tcp-flags FIN,SYN,RST,ACK SYN" : "";

	if (r->nports == 1 || r->has_other || *flags)
		out(o, " -m %s", proto);
	if (r->nports == 1 && !r->dport) {
		out(o, " --sport %u", r->ports[0].lo);
		if (r->ports[0].hi != r->ports[0].lo)
			out(o, ":%u", r->ports[0].hi);
	}
	if (r->has_other)
		out(o, " --dport %u:%u", r->other.lo, r->other.hi);
	if (r->nports == 1 && r->dport) {
		out(o, " --dport %u", r->ports[0].lo);
		if (r->ports[0].hi != r->ports[0].lo)
			out(o, ":%u", r->ports[0].hi);
	}
	out(o, "%s", flags);
	if (r->nports == 1)
		return;
	out(o, " -m multiport --%sports ", dir);
	for (unsigned int i = 0; i < r->nports; i++) {
		out(o, "%s%u", i ? "," : "", r->ports[i].lo);
		if (r->ports[i].hi != r->ports[i].lo)
			out(o, ":%u", r->ports[i].hi);
	}
}

static void out_addr(struct rt_out *o, const char *opt, const struct rt_addr *a)
{
	char text[INET6_ADDRSTRLEN + 8];

	if (!a->family)
		return;
	rt_addr_format(a, text, sizeof(text));
	out(o, " %s %s", opt, text);
}

static void out_addrtype(struct rt_out *o, const struct rt_rule *r)
{
	out(o, " -m addrtype%s --dst-type LOCAL", r->dst_not_local ? " !" : "");
}

/* Matches in the order the kernel holds them: a rule read back keeps its own. */
int rt_rule_render(const struct rt_rule *r, char *buf, size_t len)
{
	struct rt_out o = { .buf = buf, .len = len };
	char chain[RT_CHAIN_MAX];

	if (len)
		buf[0] = '\0';
	if (r->chain[0])
		out(&o, "-A %s", r->chain);
	else if (r->verdict == RT_VERDICT_JUMP && !r->target[0])
		out(&o, "-A %s", rt_hook_name(r->hook));
	else {
		rt_hook_chain(r->hook, chain);
		out(&o, "-A %s", chain);
	}
	out_addr(&o, "-s", &r->src);
	out_addr(&o, "-d", &r->dst);
	if (r->iniface[0])
		out(&o, " -i %s", r->iniface);
	if (r->outiface[0])
		out(&o, "%s -o %s", r->outiface_inv ? " !" : "", r->outiface);
	if (r->proto)
		out(&o, " -p %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
	if (r->pmtu && r->family == RAWTUNE_FAMILY_IPV4)
		out(&o, " -p icmp -m icmp --icmp-type 3/4");
	else if (r->pmtu)
		out(&o, " -p ipv6-icmp -m icmp6 --icmpv6-type 2");
	if ((r->dst_local || r->dst_not_local) && r->old_order)
		out_addrtype(&o, r);
	if (r->nports)
		out_ports(&o, r);
	if ((r->dst_local || r->dst_not_local) && !r->old_order)
		out_addrtype(&o, r);
	if (r->has_owner)
		out(&o, " -m owner --uid-owner %u", r->owner);
	if (r->untracked)
		out(&o, " -m conntrack --ctstate UNTRACKED");
	if (r->invalid)
		out(&o, " -m conntrack --ctstate INVALID");
	if (r->limited)
		out(&o, " -m limit --limit 10/sec --limit-burst 20");
	if (r->comment[0]) {
		out(&o, " -m comment --comment");
		out_string(&o, r->comment);
	}
	switch (r->verdict) {
	case RT_VERDICT_NOTRACK:
		out(&o, " -j CT --notrack");
		break;
	case RT_VERDICT_ACCEPT:
		out(&o, " -j ACCEPT");
		break;
	case RT_VERDICT_JUMP:
		if (r->target[0])
			out(&o, " -j %s", r->target);
		else {
			rt_hook_chain(r->hook, chain);
			out(&o, " -j %s", chain);
		}
		break;
	case RT_VERDICT_COUNT:
		break;
	case RT_VERDICT_NONE:
		if (r->target[0])
			out(&o, " -j %s", r->target);
		else
			out(&o, " (a target rawtune does not make)");
		break;
	}
	return (int)o.used;
}

/* ---- a whole profile as iptables-restore input ---------------------------- */

struct rt_text {
	char *buf;
	size_t len, cap;
	int err;
};

static void text_add(struct rt_text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct rt_text *t, const char *format, ...)
{
	va_list args;
	int n;

	if (t->err)
		return;
	va_start(args, format);
	n = vsnprintf(NULL, 0, format, args);
	va_end(args);
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t ncap = (t->len + (size_t)n + 1) * 2;
		char *grown = realloc(t->buf, ncap);

		if (!grown) {
			t->err = -ENOMEM;
			return;
		}
		t->buf = grown;
		t->cap = ncap;
	}
	va_start(args, format);
	vsnprintf(t->buf + t->len, t->cap - t->len, format, args);
	va_end(args);
	t->len += (size_t)n;
}

static void text_rule(struct rt_text *t, const struct rt_rule *r, const char *prefix)
{
	char line[1024];

	rt_rule_render(r, line, sizeof(line));
	text_add(t, "%s%s\n", prefix, line);
}

/* One "*table ... COMMIT" block: chains, jumps at position 1, rules. */
static void text_table(struct rt_text *t, enum rt_table table, const struct rt_plan *plan)
{
	bool used[RT_HOOK_COUNT] = { false };
	char chain[RT_CHAIN_MAX], jump[1024];
	struct rt_rule r;

	if (plan->n == 0)
		return;
	for (size_t i = 0; i < plan->n; i++)
		used[plan->rule[i].hook] = true;
	text_add(t, "*%s\n", rt_table_name(table));
	for (int hook = 0; hook < RT_HOOK_COUNT; hook++) {
		if (!used[hook])
			continue;
		rt_hook_chain(hook, chain);
		text_add(t, ":%s - [0:0]\n", chain);
	}
	/* the profile's own chains (xt/layout.c): one per hook */
	for (int hook = 0; hook < RT_HOOK_COUNT; hook++) {
		for (size_t i = 0; i < plan->n; i++) {
			if ((int)plan->rule[i].hook != hook || !plan->rule[i].chain[0])
				continue;
			text_add(t, ":%s - [0:0]\n", plan->rule[i].chain);
			break;
		}
	}
	for (int hook = 0; hook < RT_HOOK_COUNT; hook++) {
		if (!used[hook])
			continue;
		rt_rule_jump(&r, table, hook);
		/* "-A PREROUTING ..." becomes "-I PREROUTING 1 ..." */
		rt_rule_render(&r, jump, sizeof(jump));
		text_add(t, "-I %s 1%s\n", rt_hook_name(hook), jump + 3 + strlen(rt_hook_name(hook)));
	}
	for (size_t i = 0; i < plan->n; i++)
		text_rule(t, &plan->rule[i], "");
	text_add(t, "COMMIT\n");
}

RAWTUNE_EXPORT int rawtune_profile_render(const struct rawtune_profile *profile,
					  enum rawtune_family family, char **text)
{
	/* the order apply commits them in */
	static const enum rt_table order[] = { RT_TABLE_FILTER, RT_TABLE_RAW };
	struct rawtune_ctx *ctx = profile->ctx;
	struct rt_text t = { 0 };

	rt_clear_error(ctx);
	if (family != RAWTUNE_FAMILY_IPV4 && family != RAWTUNE_FAMILY_IPV6)
		return rt_fail(ctx, -EINVAL, "render: give one family, ipv4 or ipv6");
	text_add(&t, "%s", "");
	for (size_t i = 0; i < ARRAY_SIZE(order) && !t.err; i++) {
		struct rt_plan plan;

		t.err = rt_plan_table(profile, order[i], &plan);
		if (t.err)
			break;
		rt_plan_keep_family(&plan, family);
		t.err = rt_layout_apply(profile, &plan);
		text_table(&t, order[i], &plan);
		rt_plan_clear(&plan);
	}
	if (t.err) {
		free(t.buf);
		return t.err;
	}
	*text = t.buf;
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_render_host(const struct rawtune_profile *profile,
					       enum rawtune_family family, char **text)
{
	const struct rt_family_ops *ops = family == RAWTUNE_FAMILY_IPV6 ? rt_families[1]
								       : rt_families[0];
	struct rawtune_ctx *ctx = profile->ctx;
	struct rt_plan_env env = rt_plan_env_default;
	struct rt_text t = { 0 };
	struct rt_plan plan = { 0 };
	char *twins = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	rt_clear_error(ctx);
	if (family != RAWTUNE_FAMILY_IPV4 && family != RAWTUNE_FAMILY_IPV6)
		return rt_fail(ctx, -EINVAL, "render: give one family, ipv4 or ipv6");
	f = open_memstream(&twins, &len);
	if (!f)
		return -ENOMEM;
	/* a family the plan untracks nothing in has no twins (twins.c) and no raw rules */
	err = rt_twins_render(ctx, ops, profile, !rt_nat_guard_enabled(ctx), f, &env);
	if (fclose(f) != 0 && err == 0)
		err = -ENOMEM;
	env.ephemeral = rt_ephemeral_range();
	if (err == 0)
		err = rt_plan_table_env(profile, RT_TABLE_RAW, &env, &plan);
	rt_plan_keep_family(&plan, family);
	if (err == 0)
		err = rt_layout_apply(profile, &plan);
	/* the order apply commits them in: the twins, then raw */
	text_add(&t, "%s", twins ? twins : "");
	if (err == 0)
		text_table(&t, RT_TABLE_RAW, &plan);
	rt_plan_clear(&plan);
	free(twins);
	if (err == 0 && t.err)
		err = t.err;
	if (err < 0) {
		free(t.buf);
		return err;
	}
	*text = t.buf;
	return 0;
}

/*
 * ---- any kernel entry, match by match in its own order: twins ----
 * Twins carry the firewall's own matches beside rawtune's. The matches
 * firewalls put beside a state match are printed in full; any other shows
 * as "-m NAME" alone (iptables-legacy-save has all).
 */

static void put_range(struct rt_out *o, const char *inv, const char *opt, const uint16_t p[2])
{
	if (p[0] == 0 && p[1] == UINT16_MAX)
		return;
	out(o, "%s --%s %u", inv, opt, p[0]);
	if (p[1] != p[0])
		out(o, ":%u", p[1]);
}

static void put_flags(struct rt_out *o, uint8_t flags)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG" };
	const char *sep = "";

	if (flags == 0x3f) {
		out(o, "ALL");
		return;
	}
	if (!flags)
		out(o, "NONE");
	for (int i = 0; i < 6; i++)
		if (flags & (1 << i)) {
			out(o, "%s%s", sep, names[i]);
			sep = ",";
		}
}

static void put_tcp(struct rt_out *o, const struct xt_tcp *t)
{
	put_range(o, t->invflags & XT_TCP_INV_SRCPT ? " !" : "", "sport", t->spts);
	put_range(o, t->invflags & XT_TCP_INV_DSTPT ? " !" : "", "dport", t->dpts);
	if (t->flg_mask || (t->invflags & XT_TCP_INV_FLAGS)) {
		out(o, "%s --tcp-flags ", t->invflags & XT_TCP_INV_FLAGS ? " !" : "");
		put_flags(o, t->flg_mask);
		out(o, " ");
		put_flags(o, t->flg_cmp);
	}
	if (t->option)
		out(o, "%s --tcp-option %u", t->invflags & XT_TCP_INV_OPTION ? " !" : "", t->option);
}

static void put_multiport(struct rt_out *o, const struct xt_multiport_v1 *mp)
{
	const char *which = mp->flags == XT_MULTIPORT_SOURCE	  ? "sports"
			    : mp->flags == XT_MULTIPORT_DESTINATION ? "dports"
								    : "ports";

	out(o, "%s --%s ", mp->invert ? " !" : "", which);
	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS; i++) {
		out(o, "%s%u", i ? "," : "", mp->ports[i]);
		if (mp->pflags[i] && i + 1 < mp->count)
			out(o, ":%u", mp->ports[++i]);
	}
}

/* As iptables prints a rate: the largest unit that keeps it whole. */
static void put_limit(struct rt_out *o, const struct xt_rateinfo *r)
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
		out(o, " --limit %u/%s", rates[i - 1].mult / r->avg, rates[i - 1].name);
	out(o, " --limit-burst %u", r->burst);
}

static void put_state(struct rt_out *o, uint16_t mask)
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
			out(o, "%s%s", sep, states[i].name);
			sep = ",";
		}
}

static void put_match(struct rt_out *o, const struct xt_entry_match *m)
{
	const char *name = m->u.user.name;
	const void *data = m->data;

	out(o, " -m %s", name);
	if (strcmp(name, "tcp") == 0) {
		put_tcp(o, data);
	} else if (strcmp(name, "udp") == 0) {
		const struct xt_udp *u = data;

		put_range(o, u->invflags & XT_UDP_INV_SRCPT ? " !" : "", "sport", u->spts);
		put_range(o, u->invflags & XT_UDP_INV_DSTPT ? " !" : "", "dport", u->dpts);
	} else if (strcmp(name, "multiport") == 0 && m->u.user.revision == 1) {
		put_multiport(o, data);
	} else if (strcmp(name, "comment") == 0) {
		out(o, " --comment");
		out_string(o, ((const struct xt_comment_info *)data)->comment);
	} else if (strcmp(name, "conntrack") == 0 && m->u.user.revision == 3) {
		const struct xt_conntrack_mtinfo3 *ct = data;

		if (ct->invert_flags & XT_CONNTRACK_STATE)
			out(o, " !");
		put_state(o, ct->state_mask);
	} else if (strcmp(name, "limit") == 0) {
		put_limit(o, data);
	} else if (strcmp(name, "owner") == 0 && m->u.user.revision == 1) {
		const struct xt_owner_match_info *ow = data;

		if (ow->match & XT_OWNER_UID)
			out(o, " --uid-owner %u", ow->uid_min);
	} else if (strcmp(name, "icmp") == 0) {
		const struct ipt_icmp *ic = data;

		out(o, " --icmp-type %u/%u", ic->type, ic->code[0]);
	} else if (strcmp(name, "icmp6") == 0) {
		out(o, " --icmpv6-type %u", ((const struct ipt_icmp *)data)->type);
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

static void put_addr(struct rt_out *o, const char *opt, bool inv, const uint8_t *addr,
		     const uint8_t *mask, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	int prefix;

	if (rt_all_zero(mask, len) && !inv)
		return;
	prefix = rt_mask_to_prefix(mask, len);
	inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	out(o, "%s %s %s/%d", inv ? " !" : "", opt, text, prefix);
}

static void put_iface(struct rt_out *o, const char *opt, bool inv, const char *name,
		      const unsigned char *mask)
{
	size_t n = strnlen(name, IFNAMSIZ);

	if (!n)
		return;
	/* a mask that stops short of the name's NUL: "veth+" */
	out(o, "%s %s %s%s", inv ? " !" : "", opt, name, mask[n] ? "" : "+");
}

static void put_proto(struct rt_out *o, bool inv, uint16_t proto)
{
	static const struct {
		uint16_t proto;
		const char *name;
	} names[] = { { IPPROTO_TCP, "tcp" }, { IPPROTO_UDP, "udp" }, { IPPROTO_ICMP, "icmp" },
		      { IPPROTO_ICMPV6, "ipv6-icmp" } };

	out(o, "%s -p ", inv ? " !" : "");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].proto == proto) {
			out(o, "%s", names[i].name);
			return;
		}
	out(o, "%u", proto);
}

int rt_entry_render(const struct rt_family_ops *ops, const rt_entry *e, const char *chain,
		    const char *target, char *buf, size_t len)
{
	struct rt_out o = { .buf = buf, .len = len };
	struct rt_entry_view v;

	if (len)
		buf[0] = '\0';
	ops->view(e, &v);
	out(&o, "-A %s", chain);
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
		out(&o, " -%c %s", v.is_goto ? 'g' : 'j', target);
	if (strcmp(target, "REJECT") == 0 && v.target_size >= sizeof(struct xt_entry_target) + 4)
		out(&o, " --reject-with %s",
		    reject_with(ops->family, *(const unsigned int *)(v.target +
								     sizeof(struct xt_entry_target))));
	return (int)o.used;
}
