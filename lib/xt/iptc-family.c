// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One libiptc family as an rt_family_ops table. Not compiled by itself:
 * iptc4.c and iptc6.c define the macros below and include this file, so
 * IPv4 and IPv6 share every line.
 *
 *   FAM(x)          prefix for this file's names
 *   TC(x)           libiptc's function prefix (iptc_, ip6tc_)
 *   ENTRY           struct ipt_entry / struct ip6t_entry
 *   ENTRY_IP(e)     the entry's address/interface part
 *   PROTO_FLAG      flag that must accompany a protocol (0 / IP6T_F_PROTO)
 *   ICMP_PROTO      IPPROTO_ICMP / IPPROTO_ICMPV6
 *   FAMILY, FAMILY_NAME, FAMILY_AF, SAVE_COMMAND, NAMES_FILE   the ops table's facts
 */
#include <linux/netfilter/x_tables.h>
#include <string.h>

#include "rawtune-private.h"

/* IPT_INV_VIA_OUT and IP6T_INV_VIA_OUT: "! -o IFACE" in both families */
#define RT_INV_VIA_OUT 0x02
#define RT_INV_VIA_IN 0x01 /* IPT_INV_VIA_IN, IP6T_INV_VIA_IN */

/* libiptc declares chain names as xt_chainlabel: hand it one. */
static void FAM(label)(xt_chainlabel label, const char *chain)
{
	memset(label, 0, sizeof(xt_chainlabel));
	strncpy(label, chain, sizeof(xt_chainlabel) - 1);
}

static bool FAM(is_chain)(struct xtc_handle *h, const char *chain)
{
	return TC(is_chain)(chain, h);
}

static const char *FAM(first_chain)(struct xtc_handle *h)
{
	return TC(first_chain)(h);
}

static const char *FAM(next_chain)(struct xtc_handle *h)
{
	return TC(next_chain)(h);
}

static int FAM(create_chain)(struct xtc_handle *h, const char *chain)
{
	xt_chainlabel label;

	FAM(label)(label, chain);
	return TC(create_chain)(label, h) ? 0 : -errno;
}

static int FAM(delete_chain)(struct xtc_handle *h, const char *chain)
{
	xt_chainlabel label;

	FAM(label)(label, chain);
	return TC(delete_chain)(label, h) ? 0 : -errno;
}

static int FAM(references)(struct xtc_handle *h, const char *chain, unsigned int *refs)
{
	xt_chainlabel label;

	FAM(label)(label, chain);
	return TC(get_references)(refs, label, h) ? 0 : -errno;
}

static const rt_entry *FAM(first_rule)(struct xtc_handle *h, const char *chain)
{
	return TC(first_rule)(chain, h);
}

static const rt_entry *FAM(next_rule)(struct xtc_handle *h, const rt_entry *prev)
{
	return TC(next_rule)(prev, h);
}

static const char *FAM(target)(struct xtc_handle *h, const rt_entry *e)
{
	return TC(get_target)(e, h);
}

static const char *FAM(policy)(struct xtc_handle *h, const char *chain)
{
	struct xt_counters counters;

	return TC(get_policy)(chain, &counters, h);
}

static int FAM(insert)(struct xtc_handle *h, const char *chain, const rt_entry *e,
		       unsigned int num)
{
	xt_chainlabel label;

	FAM(label)(label, chain);
	return TC(insert_entry)(label, e, num, h) ? 0 : -errno;
}

static int FAM(delete_num)(struct xtc_handle *h, const char *chain, unsigned int num)
{
	xt_chainlabel label;

	FAM(label)(label, chain);
	return TC(delete_num_entry)(label, num, h) ? 0 : -errno;
}

static int FAM(commit)(struct xtc_handle *h)
{
	return TC(commit)(h) ? 0 : -errno;
}

/*
 * The mask iptables writes for an interface: the name and its NUL ("lo"),
 * or the part before a trailing '+' ("veth+" matches every veth*).
 */
static size_t FAM(iface_mask_len)(const char *name, size_t len)
{
	if (!len)
		return 0;
	return name[len - 1] == '+' ? len - 1 : len + 1;
}

static void FAM(put_iface)(char name[IFNAMSIZ], unsigned char mask[IFNAMSIZ], const char *iface)
{
	size_t len = strnlen(iface, IFNAMSIZ - 1);

	memcpy(name, iface, len);
	memset(mask, 0xff, FAM(iface_mask_len)(iface, len));
}

static bool FAM(get_iface)(const char name[IFNAMSIZ], const unsigned char mask[IFNAMSIZ],
			   char out[IFNAMSIZ])
{
	unsigned char want[IFNAMSIZ] = { 0 };
	size_t len = strnlen(name, IFNAMSIZ - 1);

	memset(want, 0xff, FAM(iface_mask_len)(name, len));
	memcpy(out, name, len);
	out[len] = '\0';
	return memcmp(mask, want, IFNAMSIZ) == 0;
}

static void FAM(put_addr)(void *addr, void *mask, size_t len, const struct rt_addr *a)
{
	if (!a->family)
		return;
	memcpy(addr, &a->addr, len);
	rt_prefix_to_mask(mask, len, a->prefix);
}

/* An address and mask as rt_addr; false for a mask that is no prefix. */
static bool FAM(get_addr)(const void *addr, const void *mask, size_t len, struct rt_addr *a)
{
	int prefix = rt_mask_to_prefix(mask, len);

	memset(a, 0, sizeof(*a));
	if (prefix < 0)
		return false;
	if (prefix == 0)
		return rt_all_zero(addr, len);
	a->family = FAMILY;
	a->prefix = (uint8_t)prefix;
	memcpy(&a->addr, addr, len);
	return true;
}

static size_t FAM(build)(const struct rt_rule *r, uint8_t *buf, size_t len)
{
	ENTRY *e = (ENTRY *)buf;
	size_t head = XT_ALIGN(sizeof(*e)), body, matches;
	size_t alen = sizeof(ENTRY_IP(e).src);

	if (len < head)
		return 0;
	memset(buf, 0, head);
	ENTRY_IP(e).proto = r->pmtu ? ICMP_PROTO : r->proto;
	if (ENTRY_IP(e).proto)
		ENTRY_IP(e).flags |= PROTO_FLAG;
	FAM(put_addr)(&ENTRY_IP(e).src, &ENTRY_IP(e).smsk, alen, &r->src);
	FAM(put_addr)(&ENTRY_IP(e).dst, &ENTRY_IP(e).dmsk, alen, &r->dst);
	FAM(put_iface)(ENTRY_IP(e).iniface, ENTRY_IP(e).iniface_mask, r->iniface);
	FAM(put_iface)(ENTRY_IP(e).outiface, ENTRY_IP(e).outiface_mask, r->outiface);
	if (r->outiface_inv)
		ENTRY_IP(e).invflags |= RT_INV_VIA_OUT;
	body = rt_entry_build_body(r, buf + head, len - head, &matches);
	if (!body)
		return 0;
	e->target_offset = head + matches;
	e->next_offset = head + body;
	return head + body;
}

/* The caller has set @r's table and hook, which the entry does not record. */
static void FAM(decode)(const rt_entry *entry, const char *target_name, struct rt_rule *r)
{
	const ENTRY *e = entry;
	size_t head = XT_ALIGN(sizeof(*e));
	const uint8_t *base = entry;

	size_t alen = sizeof(ENTRY_IP(e).src);

	r->proto = ENTRY_IP(e).proto;
	r->outiface_inv = ENTRY_IP(e).invflags == RT_INV_VIA_OUT && ENTRY_IP(e).outiface[0];
	if ((ENTRY_IP(e).invflags && !r->outiface_inv) || ENTRY_IP(e).flags != (r->proto ? PROTO_FLAG : 0) ||
	    (r->proto && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP &&
	     r->proto != ICMP_PROTO))
		r->foreign = true;
	if (r->proto == ICMP_PROTO) {
		r->proto = 0;
		r->pmtu = true; /* the icmp match must confirm it */
	}
	if (!FAM(get_addr)(&ENTRY_IP(e).src, &ENTRY_IP(e).smsk, alen, &r->src) ||
	    !FAM(get_addr)(&ENTRY_IP(e).dst, &ENTRY_IP(e).dmsk, alen, &r->dst))
		r->foreign = true;
	if (r->pmtu || r->src.family || r->dst.family)
		r->family = FAMILY;
	if (!FAM(get_iface)(ENTRY_IP(e).iniface, ENTRY_IP(e).iniface_mask, r->iniface) ||
	    !FAM(get_iface)(ENTRY_IP(e).outiface, ENTRY_IP(e).outiface_mask, r->outiface))
		r->foreign = true;
	if (e->target_offset < head || e->next_offset < e->target_offset) {
		r->foreign = true;
		return;
	}
	rt_entry_decode_body(base + head, e->target_offset - head, base + e->target_offset,
			     target_name, r);
}

static size_t FAM(size)(const rt_entry *e)
{
	return ((const ENTRY *)e)->next_offset;
}

static void FAM(counters)(const rt_entry *entry, uint64_t *packets, uint64_t *bytes)
{
	const ENTRY *e = entry;

	*packets = e->counters.pcnt;
	*bytes = e->counters.bcnt;
}

static void FAM(view)(const rt_entry *entry, struct rt_entry_view *v)
{
	const ENTRY *e = entry;
	size_t head = XT_ALIGN(sizeof(*e));

	v->proto = ENTRY_IP(e).proto;
	v->invflags = ENTRY_IP(e).invflags;
	v->addr_len = sizeof(ENTRY_IP(e).src);
	v->src = (const uint8_t *)&ENTRY_IP(e).src;
	v->smsk = (const uint8_t *)&ENTRY_IP(e).smsk;
	v->dst = (const uint8_t *)&ENTRY_IP(e).dst;
	v->dmsk = (const uint8_t *)&ENTRY_IP(e).dmsk;
	v->iniface = ENTRY_IP(e).iniface;
	v->outiface = ENTRY_IP(e).outiface;
	v->iniface_mask = ENTRY_IP(e).iniface_mask;
	v->outiface_mask = ENTRY_IP(e).outiface_mask;
	v->matches = (const uint8_t *)entry + head;
	v->matches_size = e->target_offset > head ? e->target_offset - head : 0;
	v->target = (const uint8_t *)entry + e->target_offset;
	v->target_size = e->next_offset - e->target_offset;
	v->is_goto = ENTRY_IP(e).flags & GOTO_FLAG;
	v->proto_inv = ENTRY_IP(e).invflags & INV_PROTO;
}

static void FAM(narrow_iface)(rt_entry *entry, const char *in, const char *out)
{
	ENTRY *e = entry;

	if (in && !ENTRY_IP(e).iniface[0] && !(ENTRY_IP(e).invflags & RT_INV_VIA_IN))
		FAM(put_iface)(ENTRY_IP(e).iniface, ENTRY_IP(e).iniface_mask, in);
	if (out && !ENTRY_IP(e).outiface[0] && !(ENTRY_IP(e).invflags & RT_INV_VIA_OUT))
		FAM(put_iface)(ENTRY_IP(e).outiface, ENTRY_IP(e).outiface_mask, out);
}

static size_t FAM(assemble)(const rt_entry *orig, uint8_t proto, const uint8_t *matches,
			    size_t matches_size, const uint8_t *target, size_t target_size,
			    uint8_t *buf, size_t len)
{
	const ENTRY *o = orig;
	ENTRY *e = (ENTRY *)buf;
	size_t head = XT_ALIGN(sizeof(*e));

	if (len < head + matches_size + target_size)
		return 0;
	memset(buf, 0, head);
	ENTRY_IP(e) = ENTRY_IP(o);
	if (proto && (!ENTRY_IP(e).proto || (ENTRY_IP(e).invflags & INV_PROTO))) {
		ENTRY_IP(e).proto = proto;
		ENTRY_IP(e).invflags &= (uint8_t)~INV_PROTO;
		ENTRY_IP(e).flags |= PROTO_FLAG;
	}
	memcpy(buf + head, matches, matches_size);
	memcpy(buf + head + matches_size, target, target_size);
	e->target_offset = (uint16_t)(head + matches_size);
	e->next_offset = (uint16_t)(head + matches_size + target_size);
	return e->next_offset;
}

static void FAM(rename_target)(rt_entry *entry, const char *target_name)
{
	ENTRY *e = entry;
	struct xt_entry_target *t = (void *)((uint8_t *)entry + e->target_offset);

	if (!t->u.user.name[0])
		strncpy(t->u.user.name, target_name, sizeof(t->u.user.name) - 1);
}

const struct rt_family_ops FAM(ops) = {
	.name = FAMILY_NAME,
	.family = FAMILY,
	.af = FAMILY_AF,
	.save_command = SAVE_COMMAND,
	.names_file = NAMES_FILE,
	.init = TC(init),
	.free = TC(free),
	.commit = FAM(commit),
	.strerror = TC(strerror),
	.is_chain = FAM(is_chain),
	.first_chain = FAM(first_chain),
	.next_chain = FAM(next_chain),
	.create_chain = FAM(create_chain),
	.delete_chain = FAM(delete_chain),
	.references = FAM(references),
	.first_rule = FAM(first_rule),
	.next_rule = FAM(next_rule),
	.target = FAM(target),
	.insert = FAM(insert),
	.delete_num = FAM(delete_num),
	.build = FAM(build),
	.decode = FAM(decode),
	.size = FAM(size),
	.counters = FAM(counters),
	.view = FAM(view),
	.rename_target = FAM(rename_target),
	.policy = FAM(policy),
	.narrow_iface = FAM(narrow_iface),
	.assemble = FAM(assemble),
};
