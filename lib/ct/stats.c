// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Conntrack statistics over ctnetlink, as "conntrack -C" and "conntrack -S"
 * ask for them: IPCTNL_MSG_CT_GET_STATS answers this network namespace's
 * entry count and the global nf_conntrack_max, IPCTNL_MSG_CT_GET_STATS_CPU
 * dumps one message of counters per CPU, summed here. Two small requests
 * whatever the size of the table: never a walk over its entries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "nfnl.h"
#include "rawtune-private.h"

/* Each counter's name, and the CTA_STATS_* attribute that carries it per CPU. */
static const struct {
	const char *name;
	int attr; /* 0: from IPCTNL_MSG_CT_GET_STATS */
} stats[RAWTUNE_CT_STAT_COUNT] = {
	[RAWTUNE_CT_STAT_ENTRIES] = { "entries", 0 },
	[RAWTUNE_CT_STAT_MAX] = { "max", 0 },
	[RAWTUNE_CT_STAT_FOUND] = { "found", CTA_STATS_FOUND },
	[RAWTUNE_CT_STAT_INVALID] = { "invalid", CTA_STATS_INVALID },
	[RAWTUNE_CT_STAT_INSERT] = { "insert", CTA_STATS_INSERT },
	[RAWTUNE_CT_STAT_INSERT_FAILED] = { "insert_failed", CTA_STATS_INSERT_FAILED },
	[RAWTUNE_CT_STAT_DROP] = { "drop", CTA_STATS_DROP },
	[RAWTUNE_CT_STAT_EARLY_DROP] = { "early_drop", CTA_STATS_EARLY_DROP },
	[RAWTUNE_CT_STAT_ERROR] = { "error", CTA_STATS_ERROR },
	[RAWTUNE_CT_STAT_SEARCH_RESTART] = { "search_restart", CTA_STATS_SEARCH_RESTART },
	[RAWTUNE_CT_STAT_CLASH_RESOLVE] = { "clash_resolve", CTA_STATS_CLASH_RESOLVE },
	[RAWTUNE_CT_STAT_CHAIN_TOOLONG] = { "chaintoolong", CTA_STATS_CHAIN_TOOLONG },
};

struct ct_stats {
	uint64_t value[RAWTUNE_CT_STAT_COUNT];
};

RAWTUNE_EXPORT const char *rawtune_ct_stat_name(unsigned int stat)
{
	return stat < RAWTUNE_CT_STAT_COUNT ? stats[stat].name : NULL;
}

/* A u32 attribute, or -1 for one that is not. */
static int64_t attr_u32(const struct nlattr *attr)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return -1;
	return ntohl(mnl_attr_get_u32(attr));
}

static void add(struct ct_stats *s, unsigned int stat, int64_t v)
{
	if (v < 0)
		return;
	if (s->value[stat] == RAWTUNE_CT_STAT_UNKNOWN)
		s->value[stat] = 0;
	s->value[stat] += (uint64_t)v;
}

static int global_attr(const struct nlattr *attr, void *data)
{
	switch (mnl_attr_get_type(attr)) {
	case CTA_STATS_GLOBAL_ENTRIES:
		add(data, RAWTUNE_CT_STAT_ENTRIES, attr_u32(attr));
		break;
	case CTA_STATS_GLOBAL_MAX_ENTRIES:
		add(data, RAWTUNE_CT_STAT_MAX, attr_u32(attr));
		break;
	}
	return MNL_CB_OK;
}

static int cpu_attr(const struct nlattr *attr, void *data)
{
	int type = mnl_attr_get_type(attr);

	for (unsigned int i = 0; i < RAWTUNE_CT_STAT_COUNT; i++)
		if (stats[i].attr && stats[i].attr == type)
			add(data, i, attr_u32(attr));
	return MNL_CB_OK;
}

static int global_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), global_attr, data);
}

static int cpu_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), cpu_attr, data);
}

static int ct_stats_fail(struct rawtune_ctx *ctx, int err)
{
	const char *hint = "";

	if (err == -EPERM)
		hint = " (you must be root)";
	else if (err == -EOPNOTSUPP || err == -EPROTONOSUPPORT || err == -ENOENT)
		hint = " (no conntrack in this kernel: nf_conntrack_netlink)";
	return rt_fail(ctx, err, "cannot read the conntrack statistics: %s%s",
		       strerror(-err), hint);
}

static int ct_stats_query(struct ct_stats *s)
{
	struct mnl_socket *nl = rt_nfnl_open();
	int err;

	if (!nl)
		return -errno;
	err = rt_nfnl_request(nl, NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET_STATS, 0,
			      global_msg, s);
	if (err == 0)
		err = rt_nfnl_request(nl, NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET_STATS_CPU,
				      NLM_F_DUMP, cpu_msg, s);
	mnl_socket_close(nl);
	return err;
}

RAWTUNE_EXPORT int rawtune_ct_stats_read(struct rawtune_ctx *ctx, uint64_t *values,
					 unsigned int n)
{
	struct ct_stats s;
	unsigned int known = n < RAWTUNE_CT_STAT_COUNT ? n : RAWTUNE_CT_STAT_COUNT;
	int err;

	rt_clear_error(ctx);
	for (unsigned int i = 0; i < RAWTUNE_CT_STAT_COUNT; i++)
		s.value[i] = RAWTUNE_CT_STAT_UNKNOWN;
	err = ct_stats_query(&s);
	if (err < 0)
		return ct_stats_fail(ctx, err);
	for (unsigned int i = 0; i < n; i++)
		values[i] = i < known ? s.value[i] : RAWTUNE_CT_STAT_UNKNOWN;
	return 0;
}
