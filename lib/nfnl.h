/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to librawtune: one nfnetlink request and its answer, for the
 * queries no netfilter library has a call for (conntrack statistics,
 * nf_tables' table list). libmnl frames the messages.
 */
#ifndef RAWTUNE_NFNL_H
#define RAWTUNE_NFNL_H

#include <stdint.h>

#include <libmnl/libmnl.h>

/* A NETLINK_NETFILTER socket, bound; NULL with errno set. */
struct mnl_socket *rt_nfnl_open(void);

/*
 * Send the request @type (subsystem << 8 | message) with @flags besides
 * NLM_F_REQUEST, for every family, and run @cb with @data over the answer
 * until it ends (a dump's NLMSG_DONE). Returns 0 or a negative errno.
 */
int rt_nfnl_request(struct mnl_socket *nl, uint16_t type, uint16_t flags, mnl_cb_t cb,
		    void *data);

/*
 * The same for a request built by the caller (with attributes, such as
 * libnftnl builds): send @req, run @cb over the answer until it ends.
 */
int rt_nfnl_talk(struct mnl_socket *nl, const struct nlmsghdr *req, mnl_cb_t cb, void *data);

#endif
