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
#include "verdict.h"

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

int rt_rule_render(const struct rt_rule *r, char *buf, size_t len)
{
	struct rt_out o = { .buf = buf, .len = len };
	char chain[RT_CHAIN_MAX];

	if (len)
		buf[0] = '\0';
	if (r->chain[0])
		out(&o, "-A %s", r->chain);
	else if (r->verdict == RT_VERDICT_JUMP)
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
	if (r->dst_local || r->dst_not_local)
		out(&o, " -m addrtype%s --dst-type LOCAL", r->dst_not_local ? " !" : "");
	if (r->nports)
		out_ports(&o, r);
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
		rt_hook_chain(r->hook, chain);
		out(&o, " -j %s", chain);
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

RAWTUNE_EXPORT int rawtune_profile_render(struct rawtune_ctx *ctx,
					  const struct rawtune_profile *profile,
					  enum rawtune_family family, char **text)
{
	/* the order apply commits them in */
	static const enum rt_table order[] = { RT_TABLE_FILTER, RT_TABLE_RAW };
	struct rt_text t = { 0 };

	rt_clear_error(ctx);
	if (family != RAWTUNE_FAMILY_IPV4 && family != RAWTUNE_FAMILY_IPV6)
		return rt_fail(ctx, -EINVAL, "render: give one family, ipv4 or ipv6");
	text_add(&t, "%s", "");
	for (size_t i = 0; i < ARRAY_SIZE(order) && !t.err; i++) {
		struct rt_plan plan;

		if (!(profile->families & family))
			break;
		t.err = rt_plan_table(profile, order[i], &plan);
		if (t.err)
			break;
		rt_plan_keep_family(&plan, family);
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

RAWTUNE_EXPORT int rawtune_profile_render_host(struct rawtune_ctx *ctx,
					       const struct rawtune_profile *profile,
					       enum rawtune_family family, char **text)
{
	const struct rt_family_ops *ops = family == RAWTUNE_FAMILY_IPV6 ? rt_families[1]
								       : rt_families[0];
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
	err = profile->families & family
		      ? rt_twins_render(ctx, ops, profile, !rt_nat_guard_enabled(ctx), f, &env)
		      : 0;
	if (fclose(f) != 0 && err == 0)
		err = -ENOMEM;
	env.ephemeral = rt_ephemeral_range();
	if (err == 0 && profile->families & family)
		err = rt_plan_table_env(profile, RT_TABLE_RAW, &env, &plan);
	rt_plan_keep_family(&plan, family);
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
