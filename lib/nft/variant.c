// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Is the host's iptables the nf_tables variant, with rules in nf_tables?
 * Then "iptables -L" lists nf_tables and not the legacy x_tables that
 * rawtune writes, and the caller should say where rawtune's rules are.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h> /* ahead of linux/netfilter.h, which would redefine its structs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nfnl.h"
#include "rawtune-private.h"

/* Without PATH: the directories where distributions install iptables, sbin first. */
#define RT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The "iptables" that a shell would run: the first executable one in PATH. */
static bool iptables_find(char *path, size_t len)
{
	const char *dirs = getenv("PATH"), *dir, *end;

	if (!dirs || !*dirs)
		dirs = RT_DEFAULT_PATH;
	for (dir = dirs;; dir = end + 1) {
		int n;

		end = strchrnul(dir, ':');
		/* an empty entry is the current directory, as for the shell */
		if (end == dir)
			n = snprintf(path, len, "./iptables");
		else
			n = snprintf(path, len, "%.*s/iptables", (int)(end - dir), dir);
		if (n > 0 && (size_t)n < len && executable(path))
			return true;
		if (*end == '\0')
			return false;
	}
}

/*
 * iptables-nft is a link to xtables-nft-multi, on Debian by way of
 * /etc/alternatives; the legacy one leads to xtables-legacy-multi.
 */
bool rt_iptables_is_nft(struct rawtune_ctx *ctx)
{
	char path[PATH_MAX];
	char *target, *name;
	bool nft;

	if (!iptables_find(path, sizeof(path))) {
		rt_dbg(ctx, "no iptables in PATH");
		return false;
	}
	target = realpath(path, NULL);
	if (!target) {
		rt_dbg(ctx, "cannot resolve %s: %s", path, strerror(errno));
		return false;
	}
	name = strrchr(target, '/');
	nft = strstr(name ? name + 1 : target, "nft") != NULL;
	rt_dbg(ctx, "iptables is %s: %s variant", target, nft ? "nf_tables" : "legacy");
	free(target);
	return nft;
}

static int count_table(const struct nlmsghdr *nlh, void *data)
{
	unsigned int *count = data;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWTABLE)
		(*count)++;
	return MNL_CB_OK;
}

/* How many tables nf_tables holds in this network namespace, or -errno. */
static int nft_table_count(void)
{
	struct mnl_socket *nl = rt_nfnl_open();
	unsigned int count = 0;
	int err;

	if (!nl)
		return -errno;
	err = rt_nfnl_request(nl, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE, NLM_F_DUMP,
			      count_table, &count);
	mnl_socket_close(nl);
	return err < 0 ? err : (int)count;
}

RAWTUNE_EXPORT int rawtune_nftables_in_use(struct rawtune_ctx *ctx)
{
	int n;

	/*
	 * The command first: asking nf_tables on a legacy host would load
	 * its module for nothing.
	 */
	if (!rt_iptables_is_nft(ctx))
		return 0;
	n = nft_table_count();
	if (n < 0) {
		rt_dbg(ctx, "cannot list the nf_tables tables: %s", strerror(-n));
		return 0;
	}
	rt_dbg(ctx, "nf_tables holds %d tables", n);
	return n > 0;
}
