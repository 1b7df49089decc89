// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Flushing the conntrack entries of flows that a profile now untracks.
 *
 * Once a profile's NOTRACK rules are in place, new packets of its flows skip
 * conntrack, but the entries made before stay until they time out (two
 * minutes in TIME_WAIT, five days when established). Deleting them through
 * ctnetlink frees the table now.
 *
 * The entries are dumped first and deleted afterwards, on the same handle:
 * a delete sent from the dump callback would have its answer read as part
 * of the dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "rawtune-private.h"

struct ct_flush {
	struct rawtune_ctx *ctx;
	const struct rawtune_profile *profile;
	/* the profile's addresses (NULL: any), this host's (unless forward) */
	const struct rt_addrs *addrs;
	struct rt_host_addrs local;
	unsigned int families; /* those the profile untracks anything in */
	/* the entries to delete, cloned during the dump */
	struct nf_conntrack **found;
	size_t nfound, size;
	int err;
};

/* Does @addr (network order, @family) lie within @net? (family 0: any address) */
static bool addr_in(const struct rt_addr *net, enum rawtune_family family, const uint8_t *addr)
{
	if (net->family == 0)
		return true;
	return net->family == family && rt_prefix_contains(&net->addr, net->prefix, addr);
}

static bool addr_in_list(const struct rt_addrs *list, enum rawtune_family family,
			 const uint8_t *addr)
{
	for (size_t i = 0; i < list->n; i++)
		if (addr_in(&list->addr[i], family, addr))
			return true;
	return false;
}

static bool ct_proto_matches(const struct rawtune_profile *p, const struct nf_conntrack *ct)
{
	uint8_t proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);

	return (proto == IPPROTO_TCP && (p->protocols & RAWTUNE_PROTO_TCP)) ||
	       (proto == IPPROTO_UDP && (p->protocols & RAWTUNE_PROTO_UDP));
}

static bool ct_port_matches(const struct rawtune_profile *p, const struct nf_conntrack *ct)
{
	uint16_t port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));

	for (size_t i = 0; i < p->ports.n; i++)
		if (port >= p->ports.range[i].lo && port <= p->ports.range[i].hi)
			return true;
	return false;
}

/*
 * The rules look at this host's end of the flow: the destination of a
 * server's inbound connections, the source of a client's outbound ones.
 * Without forward it must be a local address (the rules see only
 * PREROUTING's "--dst-type LOCAL" and OUTPUT), and one of the profile's
 * addresses when it has any: a forwarded flow to a neighbour within the
 * profile's prefix stays tracked.
 */
static bool ct_addr_matches(const struct ct_flush *f, const struct nf_conntrack *ct)
{
	int af = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	bool v4 = af == AF_INET;
	enum rawtune_family family = v4 ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6;
	bool server = f->profile->direction == RAWTUNE_DIRECTION_SERVER;
	const void *addr;

	if (v4)
		addr = nfct_get_attr(ct, server ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV4_SRC);
	else
		addr = nfct_get_attr(ct, server ? ATTR_ORIG_IPV6_DST : ATTR_ORIG_IPV6_SRC);
	if (!addr)
		return false;
	if (!f->profile->forward && !rt_host_addr_is_local(&f->local, af, addr))
		return false;
	return !f->addrs || addr_in_list(f->addrs, family, addr);
}

/*
 * The far end of the flow is one of the peers, when the profile names any:
 * the source of a server's inbound connections, the destination of a
 * client's (or, forwarded, of the requests to the servers behind this host).
 * A flow with another host stays tracked, and keeps its entry.
 */
static bool ct_peer_matches(const struct ct_flush *f, const struct nf_conntrack *ct)
{
	const struct rawtune_profile *p = f->profile;
	bool v4 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) == AF_INET;
	bool src = p->direction == RAWTUNE_DIRECTION_SERVER && !p->forward;
	const void *addr;

	if (!p->peers.n)
		return true;
	if (v4)
		addr = nfct_get_attr(ct, src ? ATTR_ORIG_IPV4_SRC : ATTR_ORIG_IPV4_DST);
	else
		addr = nfct_get_attr(ct, src ? ATTR_ORIG_IPV6_SRC : ATTR_ORIG_IPV6_DST);
	return addr && addr_in_list(&p->peers, v4 ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6,
				    addr);
}

/* A family the plan untracks nothing in keeps every entry. */
static bool ct_family_matches(const struct ct_flush *f, const struct nf_conntrack *ct)
{
	int af = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);

	return f->families & (af == AF_INET ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6);
}

/* Untracked packets skip NAT: deleting a NATed entry would break its flow, not free it. */
static bool ct_matches(const struct ct_flush *f, const struct nf_conntrack *ct)
{
	return ct_family_matches(f, ct) && ct_proto_matches(f->profile, ct) &&
	       ct_port_matches(f->profile, ct) && ct_addr_matches(f, ct) &&
	       ct_peer_matches(f, ct) && !rt_ct_is_nat(ct);
}

static int ct_collect(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct ct_flush *f = data;
	struct nf_conntrack *copy;

	if (!ct_matches(f, ct))
		return NFCT_CB_CONTINUE;
	if (f->nfound == f->size) {
		size_t size = f->size ? f->size * 2 : 64;
		struct nf_conntrack **found = realloc(f->found, size * sizeof(*found));

		if (!found)
			goto nomem;
		f->found = found;
		f->size = size;
	}
	copy = nfct_clone(ct);
	if (!copy)
		goto nomem;
	f->found[f->nfound++] = copy;
	return NFCT_CB_CONTINUE;
nomem:
	f->err = -ENOMEM;
	return NFCT_CB_STOP;
}

/* Opening needs no privilege; the kernel checks CAP_NET_ADMIN on the first request. */
static int ct_fail(struct rawtune_ctx *ctx, int err, const char *what)
{
	return rt_fail(ctx, -err, "cannot %s: %s%s", what, strerror(err),
		       err == EPERM ? " (you must be root)" : "");
}

static int ct_dump(struct ct_flush *f, struct nfct_handle *h, uint32_t af)
{
	if (nfct_query(h, NFCT_Q_DUMP, &af) < 0 && f->err == 0)
		return ct_fail(f->ctx, errno, "read the conntrack table");
	return f->err;
}

/* Entries that ended since the dump are already gone: not an error. */
static int ct_destroy_found(struct ct_flush *f, struct nfct_handle *h, unsigned int *deleted)
{
	for (size_t i = 0; i < f->nfound; i++) {
		if (nfct_query(h, NFCT_Q_DESTROY, f->found[i]) == 0)
			(*deleted)++;
		else if (errno != ENOENT)
			return ct_fail(f->ctx, errno, "delete a conntrack entry");
	}
	return 0;
}

static void ct_flush_release(struct ct_flush *f)
{
	for (size_t i = 0; i < f->nfound; i++)
		nfct_destroy(f->found[i]);
	free(f->found);
	rt_host_addrs_free(&f->local);
}

/* A kernel without conntrack has no entries to flush: *@h stays NULL, no error. */
static int ct_open(struct rawtune_ctx *ctx, struct nfct_handle **h)
{
	int err;

	*h = nfct_open(CONNTRACK, 0);
	if (*h)
		return 0;
	err = errno;
	if (err == EPROTONOSUPPORT || err == ENOENT) {
		rt_dbg(ctx, "no conntrack in this kernel (%s): nothing to flush", strerror(err));
		return 0;
	}
	return ct_fail(ctx, err, "open conntrack");
}

static int ct_flush(struct ct_flush *f, struct nfct_handle *h, unsigned int *deleted)
{
	int err;

	if (!f->profile->forward) {
		err = rt_host_addrs_read(f->ctx, &f->local);
		if (err < 0)
			return err;
	}
	if (nfct_callback_register(h, NFCT_T_ALL, ct_collect, f) < 0)
		return -ENOMEM;
	/*
	 * The dump picks the families the profile untracks anything in; one
	 * dump for both, as the kernel walks its whole hash table for each,
	 * whatever the family.
	 */
	switch (f->families) {
	case RAWTUNE_FAMILY_IPV4:
		err = ct_dump(f, h, AF_INET);
		break;
	case RAWTUNE_FAMILY_IPV6:
		err = ct_dump(f, h, AF_INET6);
		break;
	default:
		err = ct_dump(f, h, AF_UNSPEC);
	}
	if (err < 0)
		return err;
	return ct_destroy_found(f, h, deleted);
}

RAWTUNE_EXPORT int rawtune_ct_flush_profile(const struct rawtune_profile *profile,
					    unsigned int *deleted)
{
	struct rawtune_ctx *ctx = profile->ctx;
	struct ct_flush f = { .ctx = ctx, .profile = profile };
	struct nfct_handle *h;
	unsigned int n = 0;
	uint64_t entries;
	int err;

	rt_clear_error(ctx);
	if (deleted)
		*deleted = 0;
	/*
	 * Entries do not record interfaces: flushing by port would also drop
	 * flows on other interfaces that stay tracked.
	 */
	if (profile->ifaces.n > 0) {
		rt_notice(ctx, "%s: names interfaces, so its conntrack entries are left to time out",
			  profile->name);
		return 0;
	}
	/*
	 * An empty table (as at boot, before traffic) has nothing to delete:
	 * skip the dump, which walks the kernel's whole hash table even then.
	 * The count is read after the commits: no entry of the profile's
	 * traffic can have been made since.
	 */
	if (rawtune_ct_stats_read(ctx, &entries, 1) == 0 && entries == 0) {
		rt_dbg(ctx, "%s: the conntrack table is empty: nothing to delete", profile->name);
		return 0;
	}
	rt_clear_error(ctx);
	if (profile->addrs.n > 0)
		f.addrs = &profile->addrs;
	err = rt_plan_families(profile, &f.families);
	if (err < 0)
		return rt_fail(ctx, err, "out of memory");
	if (!f.families) {
		rt_dbg(ctx, "%s: untracks nothing: no conntrack entry to delete", profile->name);
		return 0;
	}
	err = ct_open(ctx, &h);
	if (err == 0 && h) {
		err = ct_flush(&f, h, &n);
		nfct_close(h);
	}
	ct_flush_release(&f);
	if (err == 0)
		rt_dbg(ctx, "%s: %u conntrack entries deleted", profile->name, n);
	if (deleted)
		*deleted = n;
	return err;
}
