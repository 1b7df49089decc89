/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libip4tc and libip6tc have the same API over different entry types. One
 * source, iptc-family.c, is compiled once per family (iptc4.c, iptc6.c) into
 * an ops table, so the rest of the library is written once.
 */
#ifndef RAWTUNE_IPTC_OPS_H
#define RAWTUNE_IPTC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xtc_handle;
struct rt_rule;

/* An entry as libiptc returns it; its layout is the family's business. */
typedef void rt_entry;

/*
 * Any entry's address part, read without judging it: what the NAT guard
 * needs of rules rawtune did not make. Invert flags are the IPT_INV_* bits,
 * the same for both families.
 */
struct rt_entry_view {
	uint16_t proto;
	uint8_t invflags;
	size_t addr_len; /* 4 or 16 */
	const uint8_t *src, *smsk, *dst, *dmsk;
	const char *iniface, *outiface;
	const unsigned char *iniface_mask, *outiface_mask;
	const uint8_t *matches;
	size_t matches_size;
	const uint8_t *target;
	size_t target_size;
	bool is_goto; /* -g CHAIN: a RETURN there returns past this chain */
	bool proto_inv;
};

struct rt_family_ops {
	const char *name;          /* "ipv4" */
	enum rawtune_family family; /* RAWTUNE_FAMILY_IPV4 */
	int af;                    /* AF_INET */
	const char *save_command;  /* what users run to see the rules */
	const char *names_file;    /* /proc/net/ip_tables_names */

	struct xtc_handle *(*init)(const char *table);
	void (*free)(struct xtc_handle *h);
	int (*commit)(struct xtc_handle *h);
	const char *(*strerror)(int err);

	bool (*is_chain)(struct xtc_handle *h, const char *chain);
	const char *(*first_chain)(struct xtc_handle *h);
	const char *(*next_chain)(struct xtc_handle *h);
	int (*create_chain)(struct xtc_handle *h, const char *chain);
	int (*delete_chain)(struct xtc_handle *h, const char *chain);
	int (*references)(struct xtc_handle *h, const char *chain, unsigned int *refs);

	const rt_entry *(*first_rule)(struct xtc_handle *h, const char *chain);
	const rt_entry *(*next_rule)(struct xtc_handle *h, const rt_entry *prev);
	const char *(*target)(struct xtc_handle *h, const rt_entry *e);
	/* A built-in chain's policy ("ACCEPT", "DROP"), NULL for a user chain. */
	const char *(*policy)(struct xtc_handle *h, const char *chain);
	/* 0-based position, as libiptc's insert and delete take it */
	int (*insert)(struct xtc_handle *h, const char *chain, const rt_entry *e, unsigned int num);
	int (*delete_num)(struct xtc_handle *h, const char *chain, unsigned int num);

	/* Build the whole entry for @r into @buf; returns its size, 0 if it does not fit. */
	size_t (*build)(const struct rt_rule *r, uint8_t *buf, size_t len);
	void (*decode)(const rt_entry *e, const char *target_name, struct rt_rule *r);
	size_t (*size)(const rt_entry *e);
	void (*counters)(const rt_entry *e, uint64_t *packets, uint64_t *bytes);
	void (*view)(const rt_entry *e, struct rt_entry_view *v);
	/*
	 * A copy of a kernel entry that libiptc accepts back: standard targets
	 * read from the kernel carry no name, so @target_name is put in.
	 */
	void (*rename_target)(rt_entry *e, const char *target_name);
	/*
	 * A new entry into @buf: @orig's address part (with @proto where it
	 * named none or another, inverted), then @matches and @target. Returns
	 * its size, 0 when it does not fit.
	 */
	/* Narrow @e to input @in and output @out (NULL: as it is) where it names none. */
	void (*narrow_iface)(rt_entry *e, const char *in, const char *out);
	size_t (*assemble)(const rt_entry *orig, uint8_t proto, const uint8_t *matches,
			   size_t matches_size, const uint8_t *target, size_t target_size,
			   uint8_t *buf, size_t len);
};

extern const struct rt_family_ops rt_iptc4_ops;
extern const struct rt_family_ops rt_iptc6_ops;

#endif /* RAWTUNE_IPTC_OPS_H */
