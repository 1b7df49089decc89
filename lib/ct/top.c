// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Top talkers: which ports hold the conntrack table. One dump of the table
 * (a walk over every entry: this is the one expensive reading), grouped by
 * protocol, original destination port and the way the flow goes through
 * this host: to it, from it, or through it.
 *
 * Untracking a port that NAT serves would break it, so for each of the top
 * ports the answer says whether NAT takes it: entries already translated,
 * or a nat rule that the NAT guard finds for a profile of that one port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "rawtune-private.h"
#include "nft/guard.h"

struct rt_top_port {
	uint64_t entries; /* 0: a free slot of the hash table */
	uint64_t nat_entries;
	uint16_t port;
	uint8_t proto;
	uint8_t path;
	int nat;
};

struct rawtune_ct_top {
	uint64_t total;
	size_t n;
	struct rt_top_port *port;
};

struct top_walk {
	struct rawtune_ctx *ctx;
	struct rt_top_port *slot; /* open addressing, size a power of two */
	size_t size, used;
	uint64_t total;
	struct rt_host_addrs local;
	int err;
};

static enum rawtune_ct_path path_of(const struct top_walk *w,
				    const struct nf_conntrack *ct)
{
	int af = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	bool v4 = af == AF_INET;

	if (rt_host_addr_is_local(&w->local, af,
				  nfct_get_attr(ct, v4 ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST)))
		return RAWTUNE_CT_PATH_IN;
	if (rt_host_addr_is_local(&w->local, af,
				  nfct_get_attr(ct, v4 ? ATTR_ORIG_IPV4_SRC : ATTR_ORIG_IPV6_SRC)))
		return RAWTUNE_CT_PATH_OUT;
	return RAWTUNE_CT_PATH_FORWARD;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP;
}

static size_t hash(uint8_t proto, uint8_t path, uint16_t port)
{
	uint32_t key = (uint32_t)proto << 18 | (uint32_t)path << 16 | port;

	return (size_t)(key * 2654435761u);
}

static struct rt_top_port *slot_find(struct rt_top_port *slot, size_t size, uint8_t proto,
				     uint8_t path, uint16_t port)
{
	size_t i = hash(proto, path, port) & (size - 1);

	while (slot[i].entries &&
	       (slot[i].proto != proto || slot[i].path != path || slot[i].port != port))
		i = (i + 1) & (size - 1);
	return &slot[i];
}

static int grow(struct top_walk *w)
{
	size_t size = w->size ? w->size * 2 : 256;
	struct rt_top_port *slot = calloc(size, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < w->size; i++)
		if (w->slot[i].entries)
			*slot_find(slot, size, w->slot[i].proto, w->slot[i].path,
				   w->slot[i].port) = w->slot[i];
	free(w->slot);
	w->slot = slot;
	w->size = size;
	return 0;
}

static int top_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct top_walk *w = data;
	uint8_t proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	uint16_t port =
		has_ports(proto) ? ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST)) : 0;
	uint8_t path = (uint8_t)path_of(w, ct);
	struct rt_top_port *p;

	if (w->used * 2 >= w->size && (w->err = grow(w)) < 0)
		return NFCT_CB_STOP;
	p = slot_find(w->slot, w->size, proto, path, port);
	if (!p->entries) {
		p->proto = proto;
		p->path = path;
		p->port = port;
		w->used++;
	}
	p->entries++;
	p->nat_entries += rt_ct_is_nat(ct);
	w->total++;
	return NFCT_CB_CONTINUE;
}

static int by_entries(const void *a, const void *b)
{
	const struct rt_top_port *x = a, *y = b;

	if (x->entries != y->entries)
		return x->entries < y->entries ? 1 : -1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->path < y->path ? -1 : x->path > y->path;
}

static int walk_table(struct top_walk *w)
{
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	uint32_t family = AF_UNSPEC; /* both families in one dump */
	int err = 0;

	if (!h)
		err = -errno;
	else if (nfct_callback_register(h, NFCT_T_ALL, top_entry, w) < 0)
		err = -ENOMEM;
	else if (nfct_query(h, NFCT_Q_DUMP, &family) < 0 && w->err == 0)
		err = -errno;
	if (h)
		nfct_close(h);
	if (err == 0)
		err = w->err;
	if (err < 0 && err != -ENOMEM)
		return rt_fail(w->ctx, err, "cannot read the conntrack table: %s%s",
			       strerror(-err),
			       err == -EPERM ? " (you must be root)" : "");
	return err;
}

/*
 * Apply asks nf_tables as well, whichever backend holds the rules: NAT
 * written by iptables-nft, Docker on it, firewalld or nft lives there. Its
 * guard judges the filter chains first; a refusal there (-EPERM) leaves
 * NAT unjudged, and is not NAT's: 0 then, as without nf_tables.
 */
static int nft_nat_guarded(struct rawtune_ctx *ctx, const struct rawtune_profile *profile)
{
	int err = rt_nft_guard(ctx, profile, NULL, false);

	if (err == -EBUSY)
		return 1;
	return err == 0 || err == -EPERM ? 0 : -1;
}

/*
 * Would the NAT guard refuse a profile of this one port? 1 yes, 0 no, -1
 * when the nat table could not be read.
 */
static int nat_guarded(struct rawtune_ctx *ctx, const struct rt_top_port *p)
{
	struct rawtune_profile *profile;
	char port[8];
	int err, nat = 0;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return 0;
	if (rawtune_profile_new(ctx, "top", &profile) < 0)
		return -1;
	snprintf(port, sizeof(port), "%u", p->port);
	err = rawtune_profile_set_ports(profile, port);
	if (err == 0)
		err = rawtune_profile_set_protocols(profile, p->proto == IPPROTO_TCP
								     ? RAWTUNE_PROTO_TCP
								     : RAWTUNE_PROTO_UDP);
	if (err == 0 && p->path == RAWTUNE_CT_PATH_OUT)
		err = rawtune_profile_set_direction(profile, RAWTUNE_DIRECTION_CLIENT);
	if (p->path == RAWTUNE_CT_PATH_FORWARD)
		rawtune_profile_set_forward(profile, 1);
	for (size_t f = 0; f < RT_FAMILY_COUNT && err == 0 && !nat; f++) {
		err = rt_nat_guard(ctx, profile, rt_families[f]);
		if (err == -EBUSY) {
			nat = 1;
			err = 0;
		}
	}
	if (err == 0 && !nat)
		nat = nft_nat_guarded(ctx, profile);
	rawtune_profile_unref(profile);
	rt_clear_error(ctx);
	return err < 0 ? -1 : nat;
}

RAWTUNE_EXPORT int rawtune_ct_top_read(struct rawtune_ctx *ctx, unsigned int n,
				       struct rawtune_ct_top **out)
{
	struct top_walk w = { .ctx = ctx };
	struct rawtune_ct_top *top;
	size_t k = 0;
	int err;

	rt_clear_error(ctx);
	top = calloc(1, sizeof(*top));
	if (!top)
		return -ENOMEM;
	err = rt_host_addrs_read(ctx, &w.local);
	if (err == 0)
		err = walk_table(&w);
	rt_host_addrs_free(&w.local);
	if (err < 0) {
		free(w.slot);
		free(top);
		return err;
	}
	/* pack the used slots to the front, then sort them */
	for (size_t i = 0; i < w.size; i++)
		if (w.slot[i].entries)
			w.slot[k++] = w.slot[i];
	if (k) /* no slot at all on an empty table: qsort wants an array */
		qsort(w.slot, k, sizeof(*w.slot), by_entries);
	top->port = w.slot;
	top->n = k < n ? k : n;
	top->total = w.total;
	for (size_t i = 0; i < top->n; i++) {
		struct rt_top_port *p = &top->port[i];

		p->nat = p->nat_entries ? 1 : nat_guarded(ctx, p);
	}
	*out = top;
	return 0;
}

RAWTUNE_EXPORT unsigned int rawtune_ct_top_count(const struct rawtune_ct_top *top)
{
	return (unsigned int)top->n;
}

RAWTUNE_EXPORT uint64_t rawtune_ct_top_get_total(const struct rawtune_ct_top *top)
{
	return top->total;
}

RAWTUNE_EXPORT unsigned int rawtune_ct_top_get_protocol(const struct rawtune_ct_top *top,
							unsigned int i)
{
	return i < top->n ? top->port[i].proto : 0;
}

RAWTUNE_EXPORT unsigned int rawtune_ct_top_get_port(const struct rawtune_ct_top *top,
						    unsigned int i)
{
	return i < top->n ? top->port[i].port : 0;
}

RAWTUNE_EXPORT enum rawtune_ct_path
rawtune_ct_top_get_path(const struct rawtune_ct_top *top, unsigned int i)
{
	return i < top->n ? (enum rawtune_ct_path)top->port[i].path : RAWTUNE_CT_PATH_IN;
}

RAWTUNE_EXPORT uint64_t rawtune_ct_top_get_entries(const struct rawtune_ct_top *top,
						   unsigned int i)
{
	return i < top->n ? top->port[i].entries : 0;
}

RAWTUNE_EXPORT int rawtune_ct_top_get_nat(const struct rawtune_ct_top *top,
					  unsigned int i)
{
	return i < top->n ? top->port[i].nat : -1;
}

RAWTUNE_EXPORT void rawtune_ct_top_free(struct rawtune_ct_top *top)
{
	if (!top)
		return;
	free(top->port);
	free(top);
}
