// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The nf_tables backend's rules: the plan's rules with their ports in one
 * set (iptables' multiport takes 15 slots a rule, a set any number), and
 * their text in nft's own syntax.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/nft.h"

bool rt_nft_rule_equal(const struct rt_nft_rule *a, const struct rt_nft_rule *b)
{
	return rt_rule_equal(&a->r, &b->r) && a->ports.n == b->ports.n &&
	       (a->ports.n == 0 ||
		memcmp(a->ports.range, b->ports.range, a->ports.n * sizeof(*a->ports.range)) == 0);
}

void rt_nft_plan_clear(struct rt_nft_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		rt_ports_clear(&plan->rule[i].ports);
	free(plan->rule);
	plan->rule = NULL;
	plan->n = 0;
	plan->genid = 0;
}

/* Add @r's ports to @to's, which stay sorted and merged. */
static int ports_merge(struct rt_ports *to, const struct rt_rule *r)
{
	struct rt_port_range *all = realloc(to->range, (to->n + r->nports) * sizeof(*all));
	size_t n = to->n + r->nports, out = 0;

	if (!all)
		return -ENOMEM;
	memcpy(all + to->n, r->ports, r->nports * sizeof(*all));
	/* insertion sort: the plan's chunks come in order already */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && all[j - 1].lo > all[j].lo; j--) {
			struct rt_port_range t = all[j];

			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (out && (uint32_t)all[out - 1].hi + 1 >= all[i].lo) {
			if (all[i].hi > all[out - 1].hi)
				all[out - 1].hi = all[i].hi;
			continue;
		}
		all[out++] = all[i];
	}
	to->range = all;
	to->n = out;
	return 0;
}

int rt_nft_plan_from(const struct rt_plan *plan, struct rt_nft_plan *out)
{
	int err = 0;

	out->n = 0;
	out->rule = calloc(plan->n ? plan->n : 1, sizeof(*out->rule));
	if (!out->rule)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n && err == 0; i++) {
		struct rt_rule key = plan->rule[i];
		struct rt_nft_rule *to = NULL;

		key.nports = 0;
		memset(key.ports, 0, sizeof(key.ports));
		for (size_t j = 0; j < out->n && !to; j++)
			if (rt_rule_equal(&out->rule[j].r, &key))
				to = &out->rule[j];
		if (!to) {
			to = &out->rule[out->n++];
			to->r = key;
		}
		err = ports_merge(&to->ports, &plan->rule[i]);
	}
	if (err) {
		rt_nft_plan_clear(out);
		return err;
	}
	/* in the order the kernel lists them: prerouting's rules, then output's */
	for (size_t i = 1; i < out->n; i++)
		for (size_t j = i; j > 0 && out->rule[j - 1].r.hook > out->rule[j].r.hook; j--) {
			struct rt_nft_rule t = out->rule[j];

			out->rule[j] = out->rule[j - 1];
			out->rule[j - 1] = t;
		}
	return 0;
}

/* ---- text ------------------------------------------------------------------------ */

struct text {
	char *buf;
	size_t len;
	int total;
};

static void put(struct text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *format, ...)
{
	size_t used = t->total < 0 ? 0 : (size_t)t->total;
	va_list args;
	int n;

	va_start(args, format);
	n = vsnprintf(used < t->len ? t->buf + used : NULL, used < t->len ? t->len - used : 0,
		      format, args);
	va_end(args);
	t->total += n;
}

static void put_range(struct text *t, const struct rt_port_range *p)
{
	if (p->lo == p->hi)
		put(t, "%u", p->lo);
	else
		put(t, "%u-%u", p->lo, p->hi);
}

static void put_ports(struct text *t, const char *proto, bool dport, const struct rt_port_range *p,
		      size_t n)
{
	put(t, " %s %s ", proto, dport ? "dport" : "sport");
	if (n == 1) {
		put_range(t, p);
		return;
	}
	put(t, "{ ");
	for (size_t i = 0; i < n; i++) {
		put(t, "%s", i ? ", " : "");
		put_range(t, &p[i]);
	}
	put(t, " }");
}

static void put_addr(struct text *t, const char *which, const struct rt_addr *a)
{
	char addr[64];

	rt_addr_format(a, addr, sizeof(addr));
	put(t, " %s %s %s", a->family == RAWTUNE_FAMILY_IPV4 ? "ip" : "ip6", which, addr);
}

int rt_nft_rule_render(const struct rt_nft_rule *nr, char *buf, size_t len)
{
	const struct rt_rule *r = &nr->r;
	const char *proto = r->proto == IPPROTO_TCP ? "tcp" : "udp";
	struct text t = { .buf = buf, .len = buf ? len : 0 };

	if (buf && len)
		buf[0] = '\0';
	put(&t, "add rule inet " RT_NFT_TABLE " %s", rt_nft_chain_name(r->hook));
	if (r->family && !r->src.family && !r->dst.family)
		put(&t, " meta nfproto %s", r->family == RAWTUNE_FAMILY_IPV4 ? "ipv4" : "ipv6");
	if (r->iniface[0])
		put(&t, " iifname \"%s\"", r->iniface);
	if (r->outiface[0])
		put(&t, " oifname %s\"%s\"", r->outiface_inv ? "!= " : "", r->outiface);
	if (nr->ports.n)
		put_ports(&t, proto, r->dport, nr->ports.range, nr->ports.n);
	else if (r->proto)
		put(&t, " meta l4proto %s", proto);
	if (r->src.family)
		put_addr(&t, "saddr", &r->src);
	if (r->dst.family)
		put_addr(&t, "daddr", &r->dst);
	if (r->has_other)
		put_ports(&t, proto, !r->dport, &r->other, 1);
	if (r->syn || r->notsyn)
		put(&t, " tcp flags & (fin|syn|rst|ack) %s syn", r->syn ? "==" : "!=");
	if (r->has_owner)
		put(&t, " meta skuid %u", r->owner);
	if (r->dst_local || r->dst_not_local)
		put(&t, " fib daddr type %slocal", r->dst_not_local ? "!= " : "");
	put(&t, " counter");
	if (r->verdict == RT_VERDICT_NOTRACK)
		put(&t, " notrack");
	put(&t, " comment \"%s\"", r->comment);
	return t.total;
}
