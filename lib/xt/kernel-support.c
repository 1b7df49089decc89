// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Before an apply: does the kernel have what rawtune's rules use? A kernel
 * built without the raw table, the CT target or one of the matches refuses
 * the commit with libiptc's "No chain/target/match by that name", which says
 * neither what is missing nor what to do. So ask it first, as iptables does
 * for every extension it loads: the revision queries (which also load a
 * module that is not loaded yet) and the table's info (which loads the
 * table's module). Then the error names the piece, its module and its
 * kernel option.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* before the kernel's headers: they give way to glibc's net/if.h, not the reverse */
#include "rawtune-private.h"
#include "xt/kernel-support.h"

#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

struct rt_extension {
	const char *name;
	uint8_t revision;
	bool target;
	const char *module;
	const char *option;
};

/* What entry.c builds, with the revisions it writes; tcp and udp are in x_tables. */
static const struct rt_extension extensions[] = {
	{ "CT", 2, true, "xt_CT", "CONFIG_NETFILTER_XT_TARGET_CT" },
	{ "conntrack", 3, false, "xt_conntrack", "CONFIG_NETFILTER_XT_MATCH_CONNTRACK" },
	{ "comment", 0, false, "xt_comment", "CONFIG_NETFILTER_XT_MATCH_COMMENT" },
	{ "multiport", 1, false, "xt_multiport", "CONFIG_NETFILTER_XT_MATCH_MULTIPORT" },
	{ "addrtype", 1, false, "xt_addrtype", "CONFIG_NETFILTER_XT_MATCH_ADDRTYPE" },
	{ "tcp", 0, false, "xt_tcpudp", "CONFIG_NETFILTER_XTABLES" },
	{ "udp", 0, false, "xt_tcpudp", "CONFIG_NETFILTER_XTABLES" },
};

/* The socket options and names that differ between the families. */
struct rt_family_probe {
	int af, level;
	int get_info, revision_match, revision_target;
	const char *icmp, *core_module, *core_option;
	const char *table_module[RT_TABLE_COUNT], *table_option[RT_TABLE_COUNT];
};

static const struct rt_family_probe probes[] = {
	{ AF_INET, IPPROTO_IP, IPT_SO_GET_INFO, IPT_SO_GET_REVISION_MATCH,
	  IPT_SO_GET_REVISION_TARGET, "icmp", "ip_tables", "CONFIG_IP_NF_IPTABLES",
	  { [RT_TABLE_RAW] = "iptable_raw", [RT_TABLE_FILTER] = "iptable_filter" },
	  { [RT_TABLE_RAW] = "CONFIG_IP_NF_RAW", [RT_TABLE_FILTER] = "CONFIG_IP_NF_FILTER" } },
	{ AF_INET6, IPPROTO_IPV6, IP6T_SO_GET_INFO, IP6T_SO_GET_REVISION_MATCH,
	  IP6T_SO_GET_REVISION_TARGET, "icmp6", "ip6_tables", "CONFIG_IP6_NF_IPTABLES",
	  { [RT_TABLE_RAW] = "ip6table_raw", [RT_TABLE_FILTER] = "ip6table_filter" },
	  { [RT_TABLE_RAW] = "CONFIG_IP6_NF_RAW", [RT_TABLE_FILTER] = "CONFIG_IP6_NF_FILTER" } },
};

/*
 * The kernel's answer for one question: 0 (it has it), or the errno.
 * ENOPROTOOPT: no ip_tables / ip6_tables at all.
 */
static int ask(int fd, int level, int optname, const char *name, uint8_t revision)
{
	union {
		struct xt_get_revision rev;
		struct ipt_getinfo info; /* ip6t_getinfo is the same */
	} q;
	socklen_t len;

	memset(&q, 0, sizeof(q));
	if (optname == IPT_SO_GET_INFO || optname == IP6T_SO_GET_INFO) {
		strncpy(q.info.name, name, sizeof(q.info.name) - 1);
		len = sizeof(q.info);
	} else {
		strncpy(q.rev.name, name, sizeof(q.rev.name) - 1);
		q.rev.revision = revision;
		len = sizeof(q.rev);
	}
	return getsockopt(fd, level, optname, &q, &len) < 0 ? errno : 0;
}

/* Not an answer about the kernel's features: the apply will report it. */
static bool inconclusive(int err)
{
	return err != ENOENT && err != EPROTONOSUPPORT && err != ENOPROTOOPT;
}

/* @revision: the extension's revision that rawtune writes, -1 for a table */
static int lacks(struct rawtune_ctx *ctx, const struct rt_family_ops *ops, int err,
		 const char *what, int revision, const char *module, const char *option)
{
	char rev[32] = "";

	if (err == EPROTONOSUPPORT)
		return rt_fail(ctx, -ENOENT,
			       "the kernel's %s %s is too old: rawtune needs revision %d "
			       "(module %s, kernel option %s)",
			       ops->name, what, revision, module, option);
	if (revision >= 0)
		snprintf(rev, sizeof(rev), ", revision %d", revision);
	return rt_fail(ctx, -ENOENT, "the kernel lacks the %s %s%s (module %s, kernel option %s)",
		       ops->name, what, rev, module, option);
}

static int check_family(struct rawtune_ctx *ctx, const struct rt_family_ops *ops,
			const struct rt_family_probe *p, int fd)
{
	char what[64];
	int err;

	for (int t = 0; t < RT_TABLE_COUNT; t++) {
		err = ask(fd, p->level, p->get_info, rt_table_name(t), 0);
		if (err == ENOPROTOOPT)
			return lacks(ctx, ops, err, "iptables", -1, p->core_module, p->core_option);
		if (!inconclusive(err)) {
			snprintf(what, sizeof(what), "%s table", rt_table_name(t));
			return lacks(ctx, ops, err, what, -1, p->table_module[t], p->table_option[t]);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(extensions); i++) {
		const struct rt_extension *x = &extensions[i];

		err = ask(fd, p->level, x->target ? p->revision_target : p->revision_match, x->name,
			  x->revision);
		if (!inconclusive(err)) {
			snprintf(what, sizeof(what), "%s %s", x->name, x->target ? "target" : "match");
			return lacks(ctx, ops, err, what, x->revision, x->module, x->option);
		}
	}
	err = ask(fd, p->level, p->revision_match, p->icmp, 0);
	if (!inconclusive(err)) {
		snprintf(what, sizeof(what), "%s match", p->icmp);
		return lacks(ctx, ops, err, what, 0, p->core_module, p->core_option);
	}
	return 0;
}

int rt_kernel_check(struct rawtune_ctx *ctx, const struct rt_family_ops *ops)
{
	const struct rt_family_probe *p = NULL;
	int fd, err;

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
		if (probes[i].af == ops->af)
			p = &probes[i];
	if (!p)
		return 0;
	fd = socket(p->af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			return rt_fail(ctx, -EAFNOSUPPORT, "the kernel has no %s (the profile asks for it: "
					    "leave it out with -4 or -6, or family in the profile)",
				       ops->name);
		return 0; /* no privilege: the apply says so */
	}
	err = check_family(ctx, ops, p, fd);
	close(fd);
	return err;
}
