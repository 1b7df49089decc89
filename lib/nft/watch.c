// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * New nf_tables ruleset generations, as they come: nf_tables announces each
 * commit (NFT_MSG_NEWGEN) to the NFNLGRP_NFTABLES group. A reload of
 * nftables.service ("flush ruleset" first) deletes table inet rawtune, and
 * firewalld's rewrites the chains the verdict was judged against: the drift
 * repair can react at once instead of polling.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nfnl.h"
#include "rawtune-private.h"

struct rawtune_nft_watch {
	struct mnl_socket *nl;
};

RAWTUNE_EXPORT int rawtune_nft_watch_open(struct rawtune_ctx *ctx, struct rawtune_nft_watch **out)
{
	struct rawtune_nft_watch *w = calloc(1, sizeof(*w));
	int err;

	rt_clear_error(ctx);
	if (!w)
		return -ENOMEM;
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!w->nl || mnl_socket_bind(w->nl, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		if (w->nl)
			mnl_socket_close(w->nl);
		free(w);
		return rt_fail(ctx, err, "cannot follow nf_tables' changes: %s", strerror(-err));
	}
	*out = w;
	return 0;
}

RAWTUNE_EXPORT int rawtune_nft_watch_get_fd(const struct rawtune_nft_watch *w)
{
	return mnl_socket_get_fd(w->nl);
}

/* Read what is queued: 1 when a new generation is among it (or was lost), else 0. */
static int drain(struct rawtune_nft_watch *w)
{
	char buf[16384];
	int changed = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(w->nl), buf, sizeof(buf), 0);
		int len = (int)n;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return changed;
		/* the queue overflowed: changes came faster than read, so one came */
		if (n < 0 && errno == ENOBUFS)
			changed = 1;
		else if (n < 0 && errno != EINTR)
			return -errno;
		for (const struct nlmsghdr *h = (const void *)buf; n > 0 && mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len))
			if (h->nlmsg_type == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWGEN))
				changed = 1;
	}
}

RAWTUNE_EXPORT int rawtune_nft_watch_wait(struct rawtune_nft_watch *w, int timeout_ms)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(w->nl), .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? 0 : drain(w);
}

RAWTUNE_EXPORT void rawtune_nft_watch_close(struct rawtune_nft_watch *w)
{
	if (!w)
		return;
	mnl_socket_close(w->nl);
	free(w);
}
