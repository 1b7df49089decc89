// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netfilter/nfnetlink.h>

#include "nfnl.h"

struct mnl_socket *rt_nfnl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int err;

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

int rt_nfnl_talk(struct mnl_socket *nl, const struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char buf[32768]; /* a dump message is at most a page */
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EIO;
	} while (ret > MNL_CB_STOP && (req->nlmsg_flags & NLM_F_DUMP));
	return 0;
}

int rt_nfnl_request(struct mnl_socket *nl, uint16_t type, uint16_t flags, mnl_cb_t cb,
		    void *data)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg))];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return rt_nfnl_talk(nl, nlh, cb, data);
}
