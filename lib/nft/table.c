// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The table inet rawtune: read back, and changed in one netlink batch.
 *
 * A sync reads the ruleset generation, then the table's sets and rules,
 * and compares the profile's rules with the plan: equal, nothing is sent.
 * Otherwise one batch deletes the profile's old rules by handle and appends
 * the new ones (a rule's anonymous set goes with it), or deletes the table
 * when no rule would be left. The batch carries the generation it was
 * planned on: when another writer (nft -f, iptables-nft, firewalld) changed
 * the ruleset in between, the kernel refuses it whole with ERESTART, and
 * the sync reads and plans again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nfnl.h"
#include "nft/nft.h"

/* nft's priority raw */
#define RT_NFT_PRIO_RAW (-300)
/* a request: a header and a few names */
#define RT_NFT_REQUEST 4096

/* ---- the tables of the namespace ------------------------------------------------- */

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rt_nft_tables *t = data;
	struct nftnl_table *nt = nftnl_table_alloc();
	const char *name;

	if (!nt)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, nt) == 0) {
		name = nftnl_table_get_str(nt, NFTNL_TABLE_NAME);
		if (nftnl_table_get_u32(nt, NFTNL_TABLE_FAMILY) == NFPROTO_INET && name &&
		    strcmp(name, RT_NFT_TABLE) == 0)
			t->own = true;
		else
			t->others = true;
	}
	nftnl_table_free(nt);
	return MNL_CB_OK;
}

int rt_nft_tables_scan(struct rt_nft_tables *t)
{
	struct mnl_socket *nl = rt_nfnl_open();
	int err;

	memset(t, 0, sizeof(*t));
	if (!nl)
		return -errno;
	err = rt_nfnl_request(nl, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE, NLM_F_DUMP,
			      table_cb, t);
	mnl_socket_close(nl);
	/* a kernel without nf_tables has no tables */
	return err == -EINVAL || err == -EOPNOTSUPP ? 0 : err;
}

/* ---- reading the table ------------------------------------------------------------ */

struct reader {
	struct mnl_socket *nl;
	uint32_t seq;
	uint32_t genid;
	struct nftnl_set_list *sets;
	struct rt_nft_plan rules;
	size_t cap;
	bool table;
	int err;
};

static void reader_clear(struct reader *rd)
{
	if (rd->sets)
		nftnl_set_list_free(rd->sets);
	rd->sets = NULL;
	rt_nft_plan_clear(&rd->rules);
	rd->cap = 0;
	rd->table = false;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *gen = nftnl_gen_alloc();

	if (!gen)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, gen) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return MNL_CB_OK;
}

int rt_nft_gen_read(struct mnl_socket *nl, uint32_t seq, uint32_t *genid)
{
	char buf[RT_NFT_REQUEST] = { 0 }; /* no stack byte goes out as padding */
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, seq);

	return rt_nfnl_talk(nl, nlh, gen_cb, genid);
}

bool rt_nft_gen_moved(uint32_t genid)
{
	struct mnl_socket *nl = rt_nfnl_open();
	uint32_t now = genid;

	if (!nl)
		return false;
	if (rt_nft_gen_read(nl, 1, &now) < 0)
		now = genid;
	mnl_socket_close(nl);
	return now != genid;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	nftnl_set_list_add_tail(s, rd->sets);
	return MNL_CB_OK;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	nftnl_set_elems_nlmsg_parse(nlh, data);
	return MNL_CB_OK;
}

static int read_sets(struct reader *rd)
{
	char buf[RT_NFT_REQUEST] = { 0 }; /* no stack byte goes out as padding */
	struct nftnl_set *req = nftnl_set_alloc();
	struct nftnl_set_list_iter *it;
	struct nlmsghdr *nlh;
	int err;

	rd->sets = nftnl_set_list_alloc();
	if (!req || !rd->sets) {
		if (req)
			nftnl_set_free(req);
		return -ENOMEM;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET, NLM_F_DUMP, ++rd->seq);
	nftnl_set_set_str(req, NFTNL_SET_TABLE, RT_NFT_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, req);
	nftnl_set_free(req);
	err = rt_nfnl_talk(rd->nl, nlh, set_cb, rd);
	if (err < 0)
		return err;
	it = nftnl_set_list_iter_create(rd->sets);
	if (!it)
		return -ENOMEM;
	for (struct nftnl_set *s = nftnl_set_list_iter_next(it); s && err == 0;
	     s = nftnl_set_list_iter_next(it)) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
					    ++rd->seq);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		err = rt_nfnl_talk(rd->nl, nlh, elems_cb, s);
	}
	nftnl_set_list_iter_destroy(it);
	return err;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		if (rd->rules.n == rd->cap) {
			size_t cap = rd->cap ? 2 * rd->cap : 16;
			void *grown = realloc(rd->rules.rule, cap * sizeof(*rd->rules.rule));

			if (!grown) {
				nftnl_rule_free(r);
				return MNL_CB_ERROR;
			}
			rd->rules.rule = grown;
			rd->cap = cap;
		}
		rt_nft_rule_decode(r, rd->sets, &rd->rules.rule[rd->rules.n++]);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int read_rules(struct reader *rd, const char *chain)
{
	char buf[RT_NFT_REQUEST] = { 0 }; /* no stack byte goes out as padding */
	struct nftnl_rule *req = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!req)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, ++rd->seq);
	nftnl_rule_set_str(req, NFTNL_RULE_TABLE, RT_NFT_TABLE);
	nftnl_rule_set_str(req, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, req);
	nftnl_rule_free(req);
	return rt_nfnl_talk(rd->nl, nlh, rule_cb, rd);
}

static int exists_cb(const struct nlmsghdr *nlh, void *data)
{
	*(bool *)data = true;
	return MNL_CB_OK;
}

/* The generation, then the table as it is in it; a dump that a commit interrupted: again. */
static int reader_load(struct reader *rd)
{
	char buf[RT_NFT_REQUEST] = { 0 }; /* no stack byte goes out as padding */
	int err = -EINTR;

	for (int tries = 0; tries < RT_NFT_TRIES && err == -EINTR; tries++) {
		struct nftnl_table *t = nftnl_table_alloc();
		struct nlmsghdr *nlh;

		reader_clear(rd);
		if (!t)
			return -ENOMEM;
		err = rt_nft_gen_read(rd->nl, ++rd->seq, &rd->genid);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, 0,
					    ++rd->seq);
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, RT_NFT_TABLE);
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_table_free(t);
		if (err == 0)
			err = rt_nfnl_talk(rd->nl, nlh, exists_cb, &rd->table);
		if (err == -ENOENT)
			return 0; /* no table: no rules */
		if (err == 0)
			err = read_sets(rd);
		if (err == 0)
			err = read_rules(rd, "prerouting");
		if (err == 0)
			err = read_rules(rd, "output");
	}
	return err;
}

static int reader_open(struct rawtune_ctx *ctx, struct reader *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->seq = (uint32_t)time(NULL);
	rd->nl = rt_nfnl_open();
	if (!rd->nl)
		return rt_fail(ctx, -errno, "cannot talk to nf_tables: %s", strerror(errno));
	return 0;
}

static void reader_close(struct reader *rd)
{
	reader_clear(rd);
	if (rd->nl)
		mnl_socket_close(rd->nl);
	rd->nl = NULL;
}

int rt_nft_read(struct rawtune_ctx *ctx, struct rt_nft_plan *out)
{
	struct reader rd;
	int err = reader_open(ctx, &rd);

	out->n = 0;
	out->rule = NULL;
	if (err < 0)
		return err;
	err = reader_load(&rd);
	if (err == 0) {
		*out = rd.rules;
		rd.rules.rule = NULL;
		rd.rules.n = 0;
	} else if (err == -EINVAL || err == -EOPNOTSUPP) {
		err = 0; /* a kernel without nf_tables holds no rawtune table */
	} else {
		err = rt_fail(ctx, err, "cannot read the nf_tables table inet " RT_NFT_TABLE ": %s",
			      strerror(-err));
	}
	reader_close(&rd);
	return err;
}

/* ---- the batch --------------------------------------------------------------------- */

struct batch {
	struct nftnl_batch *b;
	uint32_t seq;
	unsigned int messages;
	bool failed;
};

/* A batch page, and the room past it that one message may take. */
#define RT_NFT_PAGE (128 * 1024)
#define RT_NFT_OVERRUN (UINT16_MAX + 16384)

static struct nlmsghdr *batch_hdr(struct batch *bt, uint16_t type, uint16_t flags)
{
	/*
	 * libnftnl's pages come from malloc and a message leaves gaps in them
	 * (padding, unset fields): zero its room first, so that no byte of
	 * this process's memory goes to the kernel unset.
	 */
	memset(nftnl_batch_buffer(bt->b), 0, RT_NFT_OVERRUN);
	bt->messages++;
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, bt->seq++);
}

static void batch_next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		bt->failed = true;
}

static void add_table(struct batch *bt)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t) {
		bt->failed = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, RT_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE), t);
	nftnl_table_free(t);
	batch_next(bt);
}

static void del_table(struct batch *bt)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t) {
		bt->failed = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, RT_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_DELTABLE, 0), t);
	nftnl_table_free(t);
	batch_next(bt);
}

static void add_chain(struct batch *bt, enum rt_hook hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c) {
		bt->failed = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, RT_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, rt_nft_chain_name(hook));
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM,
			    hook == RT_HOOK_OUTPUT ? NF_INET_LOCAL_OUT : NF_INET_PRE_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, RT_NFT_PRIO_RAW);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
	nftnl_chain_free(c);
	batch_next(bt);
}

static void del_rule(struct batch *bt, const struct rt_nft_rule *r)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();

	if (!nr) {
		bt->failed = true;
		return;
	}
	nftnl_rule_set_str(nr, NFTNL_RULE_TABLE, RT_NFT_TABLE);
	nftnl_rule_set_str(nr, NFTNL_RULE_CHAIN, rt_nft_chain_name(r->r.hook));
	nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, r->handle);
	nftnl_rule_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_DELRULE, 0), nr);
	nftnl_rule_free(nr);
	batch_next(bt);
}

/* The set's elements, as many messages as their nest's 64 KiB needs. */
static void add_set(struct batch *bt, struct nftnl_set *s)
{
	struct nftnl_set_elems_iter *it;

	nftnl_set_nlmsg_build_payload(batch_hdr(bt, NFT_MSG_NEWSET, NLM_F_CREATE), s);
	batch_next(bt);
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		bt->failed = true;
		return;
	}
	/* the iterator never returns to NULL: its answer says whether more follow */
	while (nftnl_set_elems_iter_cur(it) && !bt->failed) {
		int more = nftnl_set_elems_nlmsg_build_payload_iter(
			batch_hdr(bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE), it);

		batch_next(bt);
		if (more <= 0)
			break;
	}
	nftnl_set_elems_iter_destroy(it);
}

static void add_rule(struct batch *bt, const struct rt_nft_rule *r, uint32_t set_id)
{
	struct nftnl_set *set;
	struct nftnl_rule *nr = rt_nft_rule_build(r, set_id, &set);

	if (!nr) {
		bt->failed = true;
		return;
	}
	if (set) {
		add_set(bt, set);
		nftnl_set_free(set);
	}
	nftnl_rule_nlmsg_build_payload(
		batch_hdr(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), nr);
	nftnl_rule_free(nr);
	batch_next(bt);
}

/* The socket's send buffer must hold the whole batch: one sendmsg, one skb. */
static void sndbuf_fit(struct mnl_socket *nl, size_t len)
{
	int size = (int)len + 65536;

	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) <
	    0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/*
 * Send the batch and collect one answer per message: the kernel handles
 * a batch inside sendmsg(), so every ack and error is queued when it returns.
 */
static int batch_send(struct mnl_socket *nl, struct batch *bt)
{
	int iovlen = nftnl_batch_iovec_len(bt->b);
	struct iovec *iov = calloc((size_t)iovlen, sizeof(*iov));
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl) };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t len = 0;
	int first = 0;

	if (!iov)
		return -ENOMEM;
	nftnl_batch_iovec(bt->b, iov, (uint32_t)iovlen);
	for (int i = 0; i < iovlen; i++)
		len += iov[i].iov_len;
	sndbuf_fit(nl, len);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)iovlen;
	if (sendmsg(mnl_socket_get_fd(nl), &msg, 0) < 0) {
		free(iov);
		return -errno;
	}
	free(iov);
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? first : -errno;
		for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, (int)n);
		     h = mnl_nlmsg_next(h, (int *)&n)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type == NLMSG_ERROR && e->error && !first)
				first = e->error;
		}
	}
}

/* ---- sync ---------------------------------------------------------------------------- */

static bool is_profile(const struct rt_nft_rule *r, const char *profile)
{
	const char *c = r->r.comment;

	if (strncmp(c, RT_COMMENT_PREFIX, strlen(RT_COMMENT_PREFIX)) != 0)
		return false;
	return !profile || strcmp(c + strlen(RT_COMMENT_PREFIX), profile) == 0;
}

/* Are the profile's rules in the table the plan, in its order? */
static bool unchanged(const struct reader *rd, const char *profile,
		      const struct rt_nft_plan *plan)
{
	size_t k = 0;

	for (size_t i = 0; i < rd->rules.n; i++) {
		if (!is_profile(&rd->rules.rule[i], profile))
			continue;
		if (k == plan->n || !rt_nft_rule_equal(&rd->rules.rule[i], &plan->rule[k]))
			return false;
		k++;
	}
	return k == plan->n;
}

/* Rules of the table that are not @profile's, which stay. */
static size_t others(const struct reader *rd, const char *profile)
{
	size_t n = 0;

	for (size_t i = 0; i < rd->rules.n; i++)
		n += profile && !is_profile(&rd->rules.rule[i], profile);
	return n;
}

static int build(struct batch *bt, const struct reader *rd, const char *profile,
		 const struct rt_nft_plan *plan, struct rt_counts *counts)
{
	struct nlmsghdr *begin;
	uint32_t set_id = 1;
	bool drop_table = plan->n == 0 && others(rd, profile) == 0;

	bt->b = nftnl_batch_alloc(RT_NFT_PAGE, RT_NFT_OVERRUN);
	if (!bt->b)
		return -ENOMEM;
	memset(nftnl_batch_buffer(bt->b), 0, RT_NFT_OVERRUN);
	begin = nftnl_batch_begin(nftnl_batch_buffer(bt->b), bt->seq++);
	/* refused whole (ERESTART) when the ruleset is no longer the one read */
	mnl_attr_put_u32(begin, NFNL_BATCH_GENID, htonl(rd->genid));
	batch_next(bt);
	for (size_t i = 0; i < rd->rules.n; i++)
		if (is_profile(&rd->rules.rule[i], profile) ||
		    (!profile && rd->rules.rule[i].r.foreign))
			counts->removed++;
	if (drop_table) {
		if (rd->table)
			del_table(bt);
	} else {
		add_table(bt);
		add_chain(bt, RT_HOOK_PREROUTING);
		add_chain(bt, RT_HOOK_OUTPUT);
		for (size_t i = 0; i < rd->rules.n; i++)
			if (is_profile(&rd->rules.rule[i], profile))
				del_rule(bt, &rd->rules.rule[i]);
		for (size_t i = 0; i < plan->n; i++)
			add_rule(bt, &plan->rule[i], set_id++);
		counts->added += (unsigned int)plan->n;
	}
	memset(nftnl_batch_buffer(bt->b), 0, RT_NFT_OVERRUN);
	nftnl_batch_end(nftnl_batch_buffer(bt->b), bt->seq++);
	batch_next(bt);
	return bt->failed ? -ENOMEM : 0;
}

static int sync_once(struct rawtune_ctx *ctx, struct reader *rd, const char *profile,
		     const struct rt_nft_plan *plan, struct rt_counts *counts, bool dry)
{
	struct batch bt = { .seq = rd->seq + 1 };
	int err = reader_load(rd);

	if (err < 0)
		return err;
	if (unchanged(rd, profile, plan) && (plan->n || !rd->table || others(rd, profile)))
		return 0;
	if (dry)
		return 1;
	/* the firewall the guard judged is no longer this one */
	if (plan->genid && rd->genid != plan->genid)
		return -ERESTART;
	memset(counts, 0, sizeof(*counts));
	err = build(&bt, rd, profile, plan, counts);
	if (err == 0)
		err = batch_send(rd->nl, &bt);
	rd->seq = bt.seq;
	nftnl_batch_free(bt.b);
	if (err < 0)
		memset(counts, 0, sizeof(*counts));
	(void)ctx;
	return err;
}

static int sync_run(struct rawtune_ctx *ctx, const char *profile, const struct rt_nft_plan *plan,
		    struct rt_counts *counts, bool dry)
{
	struct rt_counts unused = { 0 };
	struct reader rd;
	int err = reader_open(ctx, &rd);

	if (!counts)
		counts = &unused;
	for (int tries = 0; err == 0 && tries < RT_NFT_TRIES; tries++) {
		err = sync_once(ctx, &rd, profile, plan, counts, dry);
		if (err != -ERESTART && err != -EINTR)
			break;
		if (plan->genid && !dry) {
			err = -ERESTART; /* the caller plans and judges again */
			break;
		}
		rt_dbg(ctx, "nf_tables changed while rawtune planned: again");
		err = 0;
		if (tries + 1 == RT_NFT_TRIES)
			err = -EAGAIN;
	}
	reader_close(&rd);
	if (err == -EAGAIN)
		return rt_nft_kept_changing(ctx);
	if (err == -ERESTART)
		return err;
	if (err < 0 && !rawtune_last_error(ctx)[0])
		return rt_fail(ctx, err, "cannot change the nf_tables table inet " RT_NFT_TABLE
				    ": %s (nothing was changed: nf_tables commits all or nothing)",
			       strerror(-err));
	return err;
}

int rt_nft_kept_changing(struct rawtune_ctx *ctx)
{
	return rt_fail(ctx, -EAGAIN,
		       "the nf_tables ruleset kept changing under rawtune (%d tries): "
		       "nothing was changed",
		       RT_NFT_TRIES);
}

int rt_nft_sync(struct rawtune_ctx *ctx, const char *profile, const struct rt_nft_plan *plan,
		struct rt_counts *counts)
{
	return sync_run(ctx, profile, plan, counts, false);
}

int rt_nft_check(struct rawtune_ctx *ctx, const char *profile, const struct rt_nft_plan *plan)
{
	return sync_run(ctx, profile, plan, NULL, true);
}
