// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Conntrack events: a ctnetlink socket subscribed to the NEW and DESTROY
 * groups of this network namespace, counted without parsing the entries
 * (each event is one message: its type says which it is).
 *
 * At tens of thousands of flows a second the socket's receive buffer can
 * fill faster than it is read; the kernel then drops events and reports
 * ENOBUFS once. That costs only the rates: the count of entries never comes
 * from events but from the statistics (rawtune_ct_stats_read()). The number
 * dropped is the socket's drop counter (SO_MEMINFO), which the kernel bumps
 * for every event it could not queue.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>

#include "rawtune-private.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/*
 * Room for a burst of about 26,000 events between two reads (measured by
 * bench/watch-events: the kernel doubles the 16 MiB and charges each event
 * about 1,280 bytes).
 */
#define RT_EVENTS_RCVBUF (16 << 20)

struct rawtune_ct_events {
	struct rawtune_ctx *ctx;
	struct nfct_handle *h;
	int fd;
	uint64_t new, destroy, lost, overruns;
	char buf[8192]; /* one event per datagram, each a few hundred bytes */
};

static void set_rcvbuf(struct rawtune_ct_events *ev)
{
	int size = RT_EVENTS_RCVBUF;

	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; without it, what rmem_max
	 * allows */
	if (setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		rt_dbg(ev->ctx, "cannot enlarge the event socket's buffer: %m");
}

RAWTUNE_EXPORT int rawtune_ct_events_open(struct rawtune_ctx *ctx,
					  struct rawtune_ct_events **out)
{
	struct rawtune_ct_events *ev;
	int err;

	rt_clear_error(ctx);
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->h = nfct_open(CONNTRACK,
			  NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY);
	if (!ev->h) {
		err = errno ? errno : EIO;
		free(ev);
		return rt_fail(ctx, -err, "cannot subscribe to conntrack events: %s%s",
			       strerror(err), err == EPERM ? " (you must be root)" : "");
	}
	ev->fd = nfct_fd(ev->h);
	set_rcvbuf(ev);
	ev->ctx = rawtune_ref(ctx);
	*out = ev;
	return 0;
}

RAWTUNE_EXPORT int rawtune_ct_events_get_fd(const struct rawtune_ct_events *ev)
{
	return ev->fd;
}

static void count(struct rawtune_ct_events *ev, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
			continue;
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == IPCTNL_MSG_CT_NEW)
			ev->new ++;
		else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == IPCTNL_MSG_CT_DELETE)
			ev->destroy++;
	}
}

/* Events the kernel could not queue: the socket's drop counter, at least one per ENOBUFS.
 */
static void update_lost(struct rawtune_ct_events *ev)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (getsockopt(ev->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
	    len > SK_MEMINFO_DROPS * sizeof(mem[0]) && mem[SK_MEMINFO_DROPS] > ev->lost)
		ev->lost = mem[SK_MEMINFO_DROPS];
	if (ev->lost < ev->overruns)
		ev->lost = ev->overruns;
}

/* Read everything queued, without waiting. */
static int drain(struct rawtune_ct_events *ev)
{
	for (;;) {
		ssize_t n = recv(ev->fd, ev->buf, sizeof(ev->buf), MSG_DONTWAIT);

		if (n > 0) {
			count(ev, ev->buf, (size_t)n);
			continue;
		}
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ENOBUFS) {
			/* the queue overflowed; what is queued still counts */
			ev->overruns++;
			update_lost(ev);
			rt_dbg(ev->ctx, "conntrack events lost (%" PRIu64 " so far)",
			       ev->lost);
			continue;
		}
		if (errno == EINTR)
			return -EINTR;
		return rt_fail(ev->ctx, -errno, "cannot read conntrack events: %m");
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

RAWTUNE_EXPORT int rawtune_ct_events_read(struct rawtune_ct_events *ev,
					  unsigned int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int err;

	rt_clear_error(ev->ctx);
	for (;;) {
		struct pollfd pfd = { .fd = ev->fd, .events = POLLIN };
		int64_t left;

		err = drain(ev);
		if (err < 0)
			break;
		left = deadline - now_ms();
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) < 0 &&
		    errno == EINTR) {
			err = -EINTR;
			break;
		}
	}
	update_lost(ev);
	return err;
}

RAWTUNE_EXPORT uint64_t rawtune_ct_events_get_new(const struct rawtune_ct_events *ev)
{
	return ev->new;
}

RAWTUNE_EXPORT uint64_t rawtune_ct_events_get_destroy(const struct rawtune_ct_events *ev)
{
	return ev->destroy;
}

RAWTUNE_EXPORT uint64_t rawtune_ct_events_get_lost(const struct rawtune_ct_events *ev)
{
	return ev->lost;
}

RAWTUNE_EXPORT void rawtune_ct_events_close(struct rawtune_ct_events *ev)
{
	if (!ev)
		return;
	nfct_close(ev->h);
	rawtune_unref(ev->ctx);
	free(ev);
}
