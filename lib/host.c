// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which addresses are this host's, and whether a flow was NATed: the one
 * answer that top's advice, the flush after apply and the NAT guard share,
 * so that they never disagree about the same address or flow.
 *
 * An address is the host's when the kernel routes it locally, which is
 * what the rules' "--dst-type LOCAL" and nf_tables' "fib daddr type local"
 * ask. For an interface address that is the address itself, with one
 * exception: an IPv4 address on a loopback device makes its whole prefix
 * local (the kernel adds a local route for the prefix there, which is why
 * all of 127.0.0.0/8 is local and 10.9.0.1/24 on lo makes 10.9.0.2 local).
 * IPv6 does not do that: fd00::1/64 on lo leaves fd00::2 unreachable, not
 * local, so there only the address (::1) counts.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "rawtune-private.h"

bool rt_prefix_contains(const void *net, unsigned int prefix, const void *addr)
{
	const uint8_t *n = net, *a = addr;
	unsigned int full = prefix / 8, rest = prefix % 8;

	if (memcmp(n, a, full) != 0)
		return false;
	return rest == 0 || ((n[full] ^ a[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static size_t af_len(int af)
{
	return af == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static const void *sockaddr_addr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return &((const struct sockaddr_in *)sa)->sin_addr;
	return &((const struct sockaddr_in6 *)sa)->sin6_addr;
}

static unsigned int mask_bits(const struct sockaddr *mask, size_t len)
{
	const uint8_t *m = sockaddr_addr(mask);
	unsigned int bits = 0;

	for (size_t i = 0; i < len; i++)
		bits += (unsigned int)__builtin_popcount(m[i]);
	return bits;
}

/* @ifa as a host address; false for what is not an IP address. */
static bool host_addr_from(const struct ifaddrs *ifa, struct rt_host_addr *a)
{
	int af = ifa->ifa_addr ? ifa->ifa_addr->sa_family : AF_UNSPEC;
	bool lo_prefix = af == AF_INET && (ifa->ifa_flags & IFF_LOOPBACK) && ifa->ifa_netmask;
	size_t len;

	if (af != AF_INET && af != AF_INET6)
		return false;
	len = af_len(af);
	memset(a, 0, sizeof(*a));
	a->af = af;
	memcpy(a->addr, sockaddr_addr(ifa->ifa_addr), len);
	a->prefix = (uint8_t)(lo_prefix ? mask_bits(ifa->ifa_netmask, len) : len * 8);
	snprintf(a->iface, sizeof(a->iface), "%s", ifa->ifa_name ? ifa->ifa_name : "");
	return true;
}

int rt_host_addrs_from(const struct ifaddrs *list, struct rt_host_addrs *addrs)
{
	size_t n = 0;

	addrs->n = 0;
	for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next)
		n++;
	addrs->addr = calloc(n ? n : 1, sizeof(*addrs->addr));
	if (!addrs->addr)
		return -ENOMEM;
	for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next)
		addrs->n += host_addr_from(ifa, &addrs->addr[addrs->n]);
	return 0;
}

int rt_host_addrs_read(struct rawtune_ctx *ctx, struct rt_host_addrs *addrs)
{
	struct ifaddrs *list;
	int err;

	addrs->n = 0;
	addrs->addr = NULL;
	if (getifaddrs(&list) < 0) {
		err = errno;
		return rt_fail(ctx, -err, "cannot list this host's addresses: %s", strerror(err));
	}
	err = rt_host_addrs_from(list, addrs);
	freeifaddrs(list);
	return err;
}

bool rt_host_addr_is_local(const struct rt_host_addrs *addrs, int af, const void *addr)
{
	if (!addr)
		return false;
	for (size_t i = 0; i < addrs->n; i++)
		if (addrs->addr[i].af == af &&
		    rt_prefix_contains(addrs->addr[i].addr, addrs->addr[i].prefix, addr))
			return true;
	return false;
}

void rt_host_addrs_free(struct rt_host_addrs *addrs)
{
	free(addrs->addr);
	addrs->addr = NULL;
	addrs->n = 0;
}

/*
 * Older libnetfilter_conntrack's IS_SNAT and IS_DNAT compare only the first
 * 32 bits of an address, missing IPv6 NAT within a /32, so the status bits
 * decide too: the kernel sets IPS_SRC_NAT and IPS_DST_NAT only when it
 * rewrote the tuple (the _DONE bits it sets on every entry once a nat table
 * exists). The comparisons still count for an entry that carries no status.
 */
bool rt_ct_is_nat(const struct nf_conntrack *ct)
{
	if (nfct_getobjopt(ct, NFCT_GOPT_IS_SNAT) > 0 || nfct_getobjopt(ct, NFCT_GOPT_IS_DNAT) > 0 ||
	    nfct_getobjopt(ct, NFCT_GOPT_IS_SPAT) > 0 || nfct_getobjopt(ct, NFCT_GOPT_IS_DPAT) > 0)
		return true;
	return nfct_attr_is_set(ct, ATTR_STATUS) > 0 &&
	       (nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_NAT_MASK);
}
