// SPDX-License-Identifier: LGPL-2.1-or-later
/* A rule as iptables-save prints it: for status, dry runs and golden tests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rawtune-private.h"

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
	for (; *s; s++)
		out(o, strchr("\"\\'", *s) ? "\\%c" : "%c", *s);
	out(o, "\"");
}

static void out_ports(struct rt_out *o, const struct rt_rule *r)
{
	const char *proto = r->proto == IPPROTO_TCP ? "tcp" : "udp";
	const char *dir = r->dport ? "d" : "s";

	if (r->nports == 1) {
		out(o, " -m %s --%sport %u", proto, dir, r->ports[0].lo);
		if (r->ports[0].hi != r->ports[0].lo)
			out(o, ":%u", r->ports[0].hi);
		return;
	}
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

int rt_rule_render(const struct rt_rule *r, char *buf, size_t len)
{
	struct rt_out o = { .buf = buf, .len = len };
	char chain[RT_CHAIN_MAX];

	if (len)
		buf[0] = '\0';
	if (r->verdict == RT_VERDICT_JUMP)
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
		out(&o, " -o %s", r->outiface);
	if (r->proto)
		out(&o, " -p %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
	if (r->pmtu && r->family == RAWTUNE_FAMILY_IPV4)
		out(&o, " -p icmp -m icmp --icmp-type 3/4");
	else if (r->pmtu)
		out(&o, " -p ipv6-icmp -m icmp6 --icmpv6-type 2");
	if (r->dst_local || r->dst_not_local)
		out(&o, " -m addrtype%s --dst-type LOCAL", r->dst_not_local ? " !" : "");
	if (r->nports)
		out_ports(&o, r);
	if (r->untracked)
		out(&o, " -m conntrack --ctstate UNTRACKED");
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
		rt_hook_chain(r->hook, chain);
		out(&o, " -j %s", chain);
		break;
	case RT_VERDICT_NONE:
		out(&o, " (a target rawtune does not make)");
		break;
	}
	return (int)o.used;
}
