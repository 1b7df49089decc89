// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where a DNAT or REDIRECT sends a flow, and whether that is the profile's
 * port at an address whose replies the profile untracks. Such a flow's
 * first packet is another port's or address's, so it is tracked and
 * translated on its way in; its replies leave from the profile's port
 * untracked and skip the reverse translation. Both NAT guards ask here.
 */
#include <arpa/inet.h>
#include <linux/netfilter/nf_nat.h>
#include <string.h>

#include "rawtune-private.h"

/* IPv4's revision 0 has a compat layout; the rest start as struct nf_nat_range. */
bool rt_nat_to_from_xt(int af, unsigned int revision, const void *data, size_t size,
		       struct rt_nat_to *to)
{
	size_t alen = af == AF_INET ? 4 : 16;
	unsigned int flags;

	memset(to, 0, sizeof(*to));
	if (af == AF_INET && revision == 0) {
		struct nf_nat_ipv4_multi_range_compat c;

		if (size < sizeof(c))
			return false;
		memcpy(&c, data, sizeof(c));
		flags = c.range[0].flags;
		memcpy(to->min_addr, &c.range[0].min_ip, 4);
		memcpy(to->max_addr, &c.range[0].max_ip, 4);
		to->min_port = ntohs(c.range[0].min.all);
		to->max_port = ntohs(c.range[0].max.all);
	} else {
		struct nf_nat_range r;

		if (size < sizeof(r))
			return false;
		memcpy(&r, data, sizeof(r));
		flags = r.flags;
		memcpy(to->min_addr, &r.min_addr, alen);
		memcpy(to->max_addr, &r.max_addr, alen);
		to->min_port = ntohs(r.min_proto.all);
		to->max_port = ntohs(r.max_proto.all);
	}
	to->addrs = to->addrs_known = flags & NF_NAT_RANGE_MAP_IPS;
	to->ports = to->ports_known = flags & NF_NAT_RANGE_PROTO_SPECIFIED;
	return true;
}

static bool ports_meet(const struct rt_ports *ports, uint16_t lo, uint16_t hi)
{
	for (size_t i = 0; i < ports->n; i++)
		if (ports->range[i].lo <= hi && ports->range[i].hi >= lo)
			return true;
	return false;
}

/* Does [@min, @max] (network order) hold an address of @prefix at @addr? */
static bool span_meets_prefix(const uint8_t *min, const uint8_t *max, const uint8_t *addr,
			      unsigned int prefix, size_t len)
{
	uint8_t mask[16], lo[16], hi[16];

	rt_prefix_to_mask(mask, len, prefix);
	for (size_t i = 0; i < len; i++) {
		lo[i] = addr[i] & mask[i];
		hi[i] = addr[i] | (uint8_t)~mask[i];
	}
	return memcmp(min, hi, len) <= 0 && memcmp(max, lo, len) >= 0;
}

static bool span_meets_addrs(const struct rt_nat_to *to, int af, const struct rt_addrs *addrs)
{
	enum rawtune_family family = af == AF_INET ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6;

	for (size_t i = 0; i < addrs->n; i++) {
		const struct rt_addr *a = &addrs->addr[i];

		if (!a->family || (a->family == family &&
				   span_meets_prefix(to->min_addr, to->max_addr,
						     (const uint8_t *)&a->addr, a->prefix,
						     af == AF_INET ? 4 : 16)))
			return true;
	}
	return false;
}

static bool span_meets_host(const struct rt_nat_to *to, int af, const struct rt_host_addrs *local)
{
	for (size_t i = 0; i < local->n; i++) {
		const struct rt_host_addr *l = &local->addr[i];

		if (l->af == af && span_meets_prefix(to->min_addr, to->max_addr, l->addr, l->prefix,
						     af == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

bool rt_nat_to_lands(const struct rawtune_profile *p, const struct rt_host_addrs *local, int af,
		     bool redirect, const struct rt_nat_to *to)
{
	/* a server's replies leave from this host; a client's and forwarded ones from peers */
	bool server = p->direction == RAWTUNE_DIRECTION_SERVER && !p->forward;

	if (to->ports && to->ports_known &&
	    !ports_meet(&p->ports, to->min_port, to->max_port))
		return false;
	if (redirect)
		return server;
	if (!to->addrs || !to->addrs_known)
		return true; /* the address kept, or not known here: it may */
	if (!server)
		return span_meets_addrs(to, af, &p->peers);
	if (p->addrs.n && !span_meets_addrs(to, af, &p->addrs))
		return false;
	return span_meets_host(to, af, local);
}
