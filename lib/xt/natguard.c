// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The NAT guard: untracked packets skip NAT, so before a profile is applied
 * the nat table is searched for DNAT, REDIRECT, SNAT, MASQUERADE and NETMAP
 * rules that could take the first packet of a flow the profile untracks.
 *
 * Precise rather than fearful: a rule counts only when its protocol, ports,
 * addresses, interfaces and addrtype can all match that packet. Matches the
 * guard does not know are taken as "can match". Docker's rules pass: its
 * DNATs name other ports, and its MASQUERADE takes sources on docker0
 * leaving through other interfaces, which a host's own flows never are.
 */
/* glibc's net/if.h first (through rawtune-private.h): the kernel's headers then stand back */
#include "rawtune-private.h"

#include <errno.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_NAT_DEPTH 16

/* The first packet of an untracked flow, as a nat chain would see it. */
struct rt_nat_packet {
	const char *chain; /* the built-in nat chain it traverses */
	bool dst_local;    /* addressed to this host */
	bool from_us;      /* sent by this host: its source and output interface go together */
	bool loopback;     /* sent over lo, from and to local addresses */
	bool arriving;     /* the input interface is known: the profile's, or any */
	/*
	 * Not the profile's packet, but one of any port and address that NAT
	 * may send to the profile's port: its flow is tracked, its replies not.
	 */
	bool landing;
};

struct rt_guard {
	struct rawtune_ctx *ctx;
	const struct rt_family_ops *ops;
	struct xtc_handle *h;
	const struct rawtune_profile *p;
	uint8_t proto;
	size_t alen;
	struct rt_host_addrs local; /* both families: the family's are those of ops->af */
	const struct rt_nat_packet *pkt;
	bool any_port; /* the rule's own port matches do not decide */
	const char *path[RT_NAT_DEPTH];
};

/* ---- addresses and interfaces ----------------------------------------------- */

/* Can an address within @cand/@cand_mask satisfy the rule's address and mask? */
static bool addr_may_match(const uint8_t *addr, const uint8_t *mask, size_t len, bool inv,
			   const uint8_t *cand, const uint8_t *cand_mask)
{
	bool overlap = true, inside = true;

	for (size_t i = 0; i < len; i++) {
		overlap &= ((cand[i] ^ addr[i]) & mask[i] & cand_mask[i]) == 0;
		/* inside: every bit the rule fixes is fixed by the candidate too */
		inside &= (mask[i] & ~cand_mask[i]) == 0;
	}
	return inv ? !(overlap && inside) : overlap;
}

static bool iface_may_match(const char *name, const unsigned char *mask, bool inv,
			    const char *cand)
{
	char padded[IFNAMSIZ] = { 0 };
	bool match = true;

	if (!cand || (cand[0] && cand[strlen(cand) - 1] == '+'))
		return true; /* any interface, or a wildcard: it may */
	strncpy(padded, cand, IFNAMSIZ - 1);
	for (size_t i = 0; i < IFNAMSIZ; i++)
		match &= ((padded[i] ^ name[i]) & mask[i]) == 0;
	return inv ? !match : match;
}

static bool no_constraint(const uint8_t *mask, size_t len, bool inv)
{
	return !inv && rt_all_zero(mask, len);
}

/*
 * Is @l of the guard's family? Then @mask is what it makes local: the
 * address, or the whole prefix of an IPv4 address on lo.
 */
static bool local_mask(const struct rt_guard *g, const struct rt_host_addr *l, uint8_t *mask)
{
	if (l->af != g->ops->af)
		return false;
	rt_prefix_to_mask(mask, g->alen, l->prefix);
	return true;
}

/* The profile's addresses of this family, or every local one. */
static bool dst_may_match(const struct rt_guard *g, const struct rt_entry_view *v)
{
	bool inv = v->invflags & IPT_INV_DSTIP;
	uint8_t mask[16];

	if (no_constraint(v->dmsk, g->alen, inv))
		return true;
	if (!g->pkt->dst_local && !g->p->addrs.n)
		return true; /* a remote host: any address */
	for (size_t i = 0; i < g->p->addrs.n; i++) {
		const struct rt_addr *a = &g->p->addrs.addr[i];

		if (a->family != g->ops->family)
			continue;
		rt_prefix_to_mask(mask, g->alen, a->prefix);
		if (addr_may_match(v->dst, v->dmsk, g->alen, inv, (const uint8_t *)&a->addr, mask))
			return true;
	}
	if (g->p->addrs.n || !g->pkt->dst_local)
		return false;
	for (size_t i = 0; i < g->local.n; i++) {
		const struct rt_host_addr *l = &g->local.addr[i];

		if (local_mask(g, l, mask) &&
		    addr_may_match(v->dst, v->dmsk, g->alen, inv, l->addr, mask))
			return true;
	}
	return false;
}

/* Can the local address @l (@lmask: a loopback prefix) be one the profile names? */
static bool in_profile(const struct rt_guard *g, const struct rt_host_addr *l,
		       const uint8_t *lmask)
{
	uint8_t mask[16];
	bool addr_ok = !g->p->addrs.n, iface_ok = !g->p->ifaces.n;

	for (size_t i = 0; i < g->p->addrs.n && !addr_ok; i++) {
		const struct rt_addr *a = &g->p->addrs.addr[i];

		if (a->family != g->ops->family)
			continue;
		rt_prefix_to_mask(mask, g->alen, a->prefix);
		addr_ok = addr_may_match((const uint8_t *)&a->addr, mask, g->alen, false, l->addr,
					 lmask);
	}
	for (size_t i = 0; i < g->p->ifaces.n && !iface_ok; i++)
		iface_ok = strcmp(g->p->ifaces.name[i], l->iface) == 0;
	return addr_ok && iface_ok;
}

/*
 * A packet this host sends leaves with a source address of the interface
 * it leaves through: source and output interface are checked together.
 */
static bool from_us_may_match(const struct rt_guard *g, const struct rt_entry_view *v)
{
	bool sinv = v->invflags & IPT_INV_SRCIP, oinv = v->invflags & IPT_INV_VIA_OUT;
	uint8_t mask[16];

	for (size_t i = 0; i < g->local.n; i++) {
		const struct rt_host_addr *l = &g->local.addr[i];

		if (!local_mask(g, l, mask) || !in_profile(g, l, mask))
			continue;
		if (addr_may_match(v->src, v->smsk, g->alen, sinv, l->addr, mask) &&
		    iface_may_match(v->outiface, v->outiface_mask, oinv,
				    g->pkt->loopback ? "lo" : l->iface))
			return true;
	}
	return false;
}

static bool in_iface_may_match(const struct rt_guard *g, const struct rt_entry_view *v)
{
	bool inv = v->invflags & IPT_INV_VIA_IN;

	if (!g->p->ifaces.n)
		return iface_may_match(v->iniface, v->iniface_mask, inv, NULL);
	for (size_t i = 0; i < g->p->ifaces.n; i++)
		if (iface_may_match(v->iniface, v->iniface_mask, inv, g->p->ifaces.name[i]))
			return true;
	return false;
}

/* ---- protocol, ports, addrtype ----------------------------------------------- */

/* Does any port of the profile fall inside [lo, hi] (outside, with @inv)? */
static bool ports_may_match(const struct rt_ports *ports, uint16_t lo, uint16_t hi, bool inv)
{
	for (size_t i = 0; i < ports->n; i++) {
		const struct rt_port_range *r = &ports->range[i];

		if (!inv && r->lo <= hi && r->hi >= lo)
			return true;
		if (inv && (r->lo < lo || r->hi > hi))
			return true;
	}
	return false;
}

static bool multiport_may_match(const struct rt_ports *ports, const struct xt_multiport_v1 *mp)
{
	if (mp->flags == XT_MULTIPORT_SOURCE || mp->invert)
		return true; /* source ports are anything; an inverted set, to be safe */
	for (unsigned int i = 0; i < mp->count && i < XT_MULTI_PORTS; i++) {
		uint16_t lo = mp->ports[i], hi = lo;

		if (mp->pflags[i] && i + 1 < mp->count)
			hi = mp->ports[++i];
		if (ports_may_match(ports, lo, hi, false))
			return true;
	}
	return false;
}

static bool match_may_match(const struct rt_guard *g, const struct xt_entry_match *m)
{
	const char *name = m->u.user.name;
	uint8_t rev = m->u.user.revision;

	if (g->any_port && (strcmp(name, "tcp") == 0 || strcmp(name, "udp") == 0 ||
			    strcmp(name, "multiport") == 0))
		return true;
	if (g->pkt->landing && strcmp(name, "addrtype") == 0)
		return true; /* addressed to anyone */
	if (strcmp(name, "tcp") == 0 && rev == 0) {
		const struct xt_tcp *tcp = (const void *)m->data;

		return ports_may_match(&g->p->ports, tcp->dpts[0], tcp->dpts[1],
				       tcp->invflags & XT_TCP_INV_DSTPT);
	}
	if (strcmp(name, "udp") == 0 && rev == 0) {
		const struct xt_udp *udp = (const void *)m->data;

		return ports_may_match(&g->p->ports, udp->dpts[0], udp->dpts[1],
				       udp->invflags & XT_UDP_INV_DSTPT);
	}
	if (strcmp(name, "multiport") == 0 && rev == 1)
		return multiport_may_match(&g->p->ports, (const void *)m->data);
	if (strcmp(name, "addrtype") == 0 && rev == 1) {
		const struct xt_addrtype_info_v1 *at = (const void *)m->data;
		bool local = !(at->flags & XT_ADDRTYPE_INVERT_DEST);

		if (at->dest != XT_ADDRTYPE_LOCAL)
			return true;
		return local == g->pkt->dst_local;
	}
	return true; /* a match the guard does not know: it may */
}

static bool rule_may_match(const struct rt_guard *g, const struct rt_entry_view *v)
{
	bool pinv = v->invflags & IPT_INV_PROTO;
	size_t off = 0;

	if (v->proto && (v->proto == g->proto) == pinv)
		return false;
	/* other senders are anyone: their source addresses can be anything */
	if ((g->pkt->from_us || g->pkt->loopback) && !from_us_may_match(g, v))
		return false;
	if (!g->pkt->landing && !dst_may_match(g, v))
		return false;
	if (g->pkt->arriving && !in_iface_may_match(g, v))
		return false;
	while (off + sizeof(struct xt_entry_match) <= v->matches_size) {
		const struct xt_entry_match *m = (const void *)(v->matches + off);

		if (m->u.match_size < sizeof(*m))
			break;
		if (!match_may_match(g, m))
			return false;
		off += m->u.match_size;
	}
	return true;
}

/* ---- walking the nat chains ---------------------------------------------------- */

static bool is_nat_target(const char *target)
{
	static const char *const nat[] = { "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP" };

	for (size_t i = 0; i < ARRAY_SIZE(nat); i++)
		if (strcmp(target, nat[i]) == 0)
			return true;
	return false;
}

/* ---- NAT that sends other flows to the profile's port ----------------------------- */

static bool nat_to_read(const struct rt_guard *g, const struct rt_entry_view *v,
			struct rt_nat_to *to)
{
	const struct xt_entry_target *t = (const void *)v->target;

	return v->target_size >= sizeof(*t) &&
	       rt_nat_to_from_xt(g->ops->af, t->u.user.revision, t->data,
				 v->target_size - sizeof(*t), to);
}

/* Can this DNAT or REDIRECT send a flow to the profile's port and address? */
static bool lands_on_profile(const struct rt_guard *g, const struct rt_entry_view *v,
			     const char *target)
{
	struct rt_nat_to to;

	if (!nat_to_read(g, v, &to))
		return true; /* a layout the guard does not know: it may */
	return rt_nat_to_lands(g->p, &g->local, g->ops->af, strcmp(target, "REDIRECT") == 0,
			       &to);
}

/* Without a port of its own, the flow keeps its port: the rule's port matches decide. */
static bool keeps_port(const struct rt_guard *g, const struct rt_entry_view *v)
{
	struct rt_nat_to to;

	return nat_to_read(g, v, &to) && !to.ports;
}

static bool is_landing_target(const char *target)
{
	return strcmp(target, "DNAT") == 0 || strcmp(target, "REDIRECT") == 0;
}

static int refuse(struct rt_guard *g, const char *chain, unsigned int num, const char *target,
		  int depth)
{
	char via[256] = "";

	for (int i = 0; i < depth; i++) {
		size_t used = strlen(via);

		snprintf(via + used, sizeof(via) - used, "%s%s", i ? " -> " : ", reached from ",
			 g->path[i]);
	}
	if (g->pkt->landing)
		return rt_fail(g->ctx, -EBUSY,
			       "NAT sends other flows to its port: rule %u of the %s nat chain "
			       "%s (-j %s%s) translates them to it, and their replies, "
			       "untracked, would skip the reverse translation; see "
			       "'%s -t nat -S %s', or use --force to apply anyway",
			       num, g->ops->name, chain, target, via,
			       g->ops->family == RAWTUNE_FAMILY_IPV4 ? "iptables-legacy"
								     : "ip6tables-legacy",
			       chain);
	return rt_fail(g->ctx, -EBUSY,
		       "NAT applies to its traffic: rule %u of the %s nat chain %s (-j %s%s) "
		       "would no longer apply, because untracked packets skip NAT; see "
		       "'%s -t nat -S %s', or use --force to apply anyway",
		       num, g->ops->name, chain, target, via,
		       g->ops->family == RAWTUNE_FAMILY_IPV4 ? "iptables-legacy" : "ip6tables-legacy",
		       chain);
}

static int walk(struct rt_guard *g, const char *chain, int depth)
{
	unsigned int num = 0;

	for (int i = 0; i < depth; i++)
		if (strcmp(g->path[i], chain) == 0)
			return 0; /* a loop: the kernel refuses those, but do not spin */
	if (depth >= RT_NAT_DEPTH || !g->ops->is_chain(g->h, chain))
		return 0;
	g->path[depth] = chain;
	for (const rt_entry *e = g->ops->first_rule(g->h, chain); e; e = g->ops->next_rule(g->h, e)) {
		const char *target = g->ops->target(g->h, e);
		struct rt_entry_view v;
		int err;

		num++;
		g->ops->view(e, &v);
		/* a landing flow is of any port, unless NAT keeps it */
		g->any_port = g->pkt->landing &&
			      !(is_landing_target(target) && keeps_port(g, &v));
		if (!rule_may_match(g, &v))
			continue;
		if (g->pkt->landing && is_landing_target(target)) {
			if (lands_on_profile(g, &v, target))
				return refuse(g, chain, num, target, depth);
			continue;
		}
		if (!g->pkt->landing && is_nat_target(target))
			return refuse(g, chain, num, target, depth);
		if (g->ops->is_chain(g->h, target)) {
			err = walk(g, target, depth + 1);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* ---- the packets to check -------------------------------------------------------- */

static const struct rt_nat_packet server_packets[] = {
	{ .chain = "PREROUTING", .dst_local = true, .arriving = true },
	{ .chain = "INPUT", .dst_local = true, .arriving = true },
};

static const struct rt_nat_packet client_packets[] = {
	{ .chain = "OUTPUT", .from_us = true },
	{ .chain = "POSTROUTING", .from_us = true },
};

static const struct rt_nat_packet forward_packets[] = {
	{ .chain = "PREROUTING", .arriving = true },
	{ .chain = "POSTROUTING" },
};

/*
 * A client on this host: port redirects in OUTPUT matter. Source NAT of a
 * flow between two local sockets on lo (Docker masquerades its subnet on
 * every interface but its bridge) changes nothing either end depends on.
 */
static const struct rt_nat_packet loopback_packet = {
	.chain = "OUTPUT", .dst_local = true, .loopback = true
};

/*
 * Flows NAT may send to the profile's port: from outside (PREROUTING) and,
 * on a server, from this host's own clients (OUTPUT).
 */
static const struct rt_nat_packet server_landings[] = {
	{ .chain = "PREROUTING", .arriving = true, .landing = true },
	{ .chain = "OUTPUT", .landing = true },
};

static const struct rt_nat_packet client_landings[] = {
	{ .chain = "OUTPUT", .landing = true },
};

static const struct rt_nat_packet forward_landings[] = {
	{ .chain = "PREROUTING", .arriving = true, .landing = true },
};

static int check_packet(struct rt_guard *g, const struct rt_nat_packet *pkt)
{
	static const struct {
		unsigned int bit;
		uint8_t proto;
	} protos[] = { { RAWTUNE_PROTO_TCP, IPPROTO_TCP }, { RAWTUNE_PROTO_UDP, IPPROTO_UDP } };
	int err = 0;

	g->pkt = pkt;
	for (size_t i = 0; i < ARRAY_SIZE(protos) && err == 0; i++) {
		if (!(g->p->protocols & protos[i].bit))
			continue;
		g->proto = protos[i].proto;
		err = walk(g, pkt->chain, 0);
	}
	return err;
}

static int check_packets(struct rt_guard *g, const struct rt_nat_packet *set, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && err == 0; i++)
		err = check_packet(g, &set[i]);
	return err;
}

static int check_family(struct rt_guard *g)
{
	bool client = g->p->direction == RAWTUNE_DIRECTION_CLIENT;
	int err = 0;

	if (client)
		err = check_packets(g, client_packets, ARRAY_SIZE(client_packets));
	if (err == 0 && !client)
		err = check_packets(g, server_packets, ARRAY_SIZE(server_packets));
	/* forward untracks traffic to anyone, this host included */
	if (err == 0 && g->p->forward)
		err = check_packets(g, forward_packets, ARRAY_SIZE(forward_packets));
	if (err == 0 && rt_plan_local_clients(g->p))
		err = check_packet(g, &loopback_packet);
	if (err == 0 && client)
		err = check_packets(g, client_landings, ARRAY_SIZE(client_landings));
	else if (err == 0 && g->p->forward)
		err = check_packets(g, forward_landings, ARRAY_SIZE(forward_landings));
	else if (err == 0)
		err = check_packets(g, server_landings, ARRAY_SIZE(server_landings));
	return err;
}

int rt_nat_guard(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
		 const struct rt_family_ops *ops)
{
	struct rt_guard g = { .ctx = ctx, .ops = ops, .p = p };
	FILE *f;
	char line[64];
	bool nat = false;
	int err;

	/* no nat table, no NAT; and reading it would create it */
	f = fopen(ops->names_file, "re");
	while (f && !nat && fgets(line, sizeof(line), f))
		nat = strcmp(line, "nat\n") == 0;
	if (f)
		fclose(f);
	else
		nat = true;
	if (!nat)
		return 0;
	g.alen = ops->af == AF_INET ? 4 : 16;
	err = rt_host_addrs_read(ctx, &g.local);
	if (err < 0)
		return err;
	g.h = ops->init("nat");
	if (!g.h) {
		err = errno;
		rt_host_addrs_free(&g.local);
		return rt_fail(ctx, -err, "cannot read the %s nat table: %s", ops->name,
			       ops->strerror(err));
	}
	err = check_family(&g);
	ops->free(g.h);
	rt_host_addrs_free(&g.local);
	return err;
}
