// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fault injection for the namespace tests, loaded with LD_PRELOAD: fail the
 * Nth table replace of this process, as the kernel does for a writer that
 * raced us (EAGAIN) or refuses a table (EPERM, ENOMEM, EINVAL...). The real
 * setsockopt is not called for a failed replace, so the kernel keeps the
 * table it had.
 *
 *   RAWTUNE_FAULT_REPLACE=N      the replace to fail, counted from 1 (unset or 0: none)
 *   RAWTUNE_FAULT_ERRNO=E        a number or a name such as EAGAIN (default EPERM)
 *   RAWTUNE_FAULT_REPEAT=K|all   K replaces fail from the Nth on (default 1), or all of them
 *   RAWTUNE_FAULT_REPLACE_RUN=CMD  instead of failing it, run the shell command CMD just
 *                                before the Nth replace, which then goes as it was: another
 *                                writer that commits while rawtune writes its tables
 *   RAWTUNE_FAULT_LOG=FILE       one line per replace: "replace 3 ipv4 raw failed EPERM",
 *                                "replace 4 ipv6 raw passed" (or "refused" by the kernel)
 *
 * And the nf_tables batches (sendmsg of a netlink batch), which the kernel
 * itself is made to refuse, so that what it undoes is its own doing:
 *
 *   RAWTUNE_FAULT_BATCH=N        the batch to have refused, counted from 1 (REPEAT as above)
 *   RAWTUNE_FAULT_BATCH_HOW=stale  the batch carries a generation that is not the
 *                                ruleset's: refused whole with ERESTART, as when another
 *                                writer committed between rawtune's read and its batch
 *   RAWTUNE_FAULT_BATCH_HOW=last   the batch's last message becomes one nf_tables does
 *                                not know: the kernel runs the messages before it, then
 *                                refuses the batch and undoes them (EINVAL)
 *   RAWTUNE_FAULT_BATCH_HOW=run   RAWTUNE_FAULT_BATCH_RUN, a shell command, runs just
 *                                before the batch, which then goes as it was: another
 *                                writer that commits between rawtune's read and its batch
 *   The log gets "batch 1 stale" or "batch 2 passed".
 *
 * And a kernel built without some tables or extensions, as the kernel
 * answers the questions about them (getsockopt, both families):
 *
 *   RAWTUNE_FAULT_MISSING="CT raw"  tables (SO_GET_INFO) and extensions
 *                                   (SO_GET_REVISION_*) that do not exist: ENOENT
 *   RAWTUNE_FAULT_OLD="conntrack"   extensions without the revision asked: EPROTONOSUPPORT
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/uio.h>

#define SHIM_EXPORT __attribute__((visibility("default")))
#define ERRNO(e) { #e, e }

typedef int setsockopt_fn(int fd, int level, int optname, const void *optval, socklen_t optlen);
typedef int getsockopt_fn(int fd, int level, int optname, void *optval, socklen_t *optlen);
typedef ssize_t sendmsg_fn(int fd, const struct msghdr *msg, int flags);

static const struct {
	const char *name;
	int value;
} errnos[] = {
	ERRNO(EPERM),  ERRNO(ENOENT),  ERRNO(EINTR),       ERRNO(EIO),
	ERRNO(EAGAIN), ERRNO(ENOMEM),  ERRNO(EACCES),      ERRNO(EFAULT),
	ERRNO(EBUSY),  ERRNO(EEXIST),  ERRNO(EINVAL),      ERRNO(ENOSPC),
	ERRNO(ELOOP),  ERRNO(ENOBUFS), ERRNO(ENOPROTOOPT), ERRNO(ETIMEDOUT),
};

static unsigned long replaces; /* seen so far by this process */
static unsigned long batches;  /* nf_tables batches sent so far by this process */

/* A bad setting is the test's mistake: stop with automake's hard error. */
static void __attribute__((noreturn)) bad_setting(const char *name, const char *value)
{
	fprintf(stderr, "fault-shim: %s=%s: not understood\n", name, value);
	_exit(99);
}

static unsigned long env_count(const char *name, unsigned long unset)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s || !*s)
		return unset;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || s[0] == '-')
		bad_setting(name, s);
	return v;
}

static int env_errno(void)
{
	const char *s = getenv("RAWTUNE_FAULT_ERRNO");
	unsigned long v;
	char *end;

	if (!s || !*s)
		return EPERM;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(s, errnos[i].name) == 0)
			return errnos[i].value;
	v = strtoul(s, &end, 10);
	if (*end || v == 0 || v > 4095)
		bad_setting("RAWTUNE_FAULT_ERRNO", s);
	return (int)v;
}

/* How many replaces fail from the Nth on; 0 for all of them. */
static unsigned long env_repeat(void)
{
	const char *s = getenv("RAWTUNE_FAULT_REPEAT");
	unsigned long v;

	if (s && strcmp(s, "all") == 0)
		return 0;
	v = env_count("RAWTUNE_FAULT_REPEAT", 1);
	if (v == 0)
		bad_setting("RAWTUNE_FAULT_REPEAT", s);
	return v;
}

static const char *errno_name(int err, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].value == err)
			return errnos[i].name;
	snprintf(buf, len, "%d", err);
	return buf;
}

/* what: "failed" (injected), "passed", or "refused" (by the kernel) */
static void log_replace(const char *family, const char *table, const char *what, int err)
{
	const char *file = getenv("RAWTUNE_FAULT_LOG");
	char buf[16];
	int fd;

	if (!file || !*file)
		return;
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (err)
		dprintf(fd, "replace %lu %s %s %s %s\n", replaces, family, table, what,
			errno_name(err, buf, sizeof(buf)));
	else
		dprintf(fd, "replace %lu %s %s %s\n", replaces, family, table, what);
	close(fd);
}

/* Is @seen, counted from 1, among the ones that the variable @var makes fail? */
static int chosen(const char *var, unsigned long seen)
{
	unsigned long n = env_count(var, 0), repeat;

	if (n == 0 || seen < n)
		return 0;
	repeat = env_repeat();
	return !repeat || seen - n < repeat;
}

/* Should this replace fail, and with which errno? 0: let it through. */
static int fault(void)
{
	return chosen("RAWTUNE_FAULT_REPLACE", replaces) ? env_errno() : 0;
}

/* The other writer, without this shim: its own commits are not rawtune's. */
static void run_writer(const char *var)
{
	const char *cmd = getenv(var);

	unsetenv("LD_PRELOAD");
	if (!cmd || system(cmd) != 0)
		bad_setting(var, cmd ? cmd : "(unset)");
}

SHIM_EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	static setsockopt_fn *real;
	const char *family = NULL;
	char table[XT_TABLE_MAXNAMELEN] = "?";
	int err, ret;

	if (!real)
		real = (setsockopt_fn *)dlsym(RTLD_NEXT, "setsockopt");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (level == IPPROTO_IP && optname == IPT_SO_SET_REPLACE)
		family = "ipv4";
	else if (level == IPPROTO_IPV6 && optname == IP6T_SO_SET_REPLACE)
		family = "ipv6";
	if (!family)
		return real(fd, level, optname, optval, optlen);

	/* ipt_replace and ip6t_replace both start with the table's name */
	if (optval && optlen >= XT_TABLE_MAXNAMELEN)
		snprintf(table, sizeof(table), "%.*s", XT_TABLE_MAXNAMELEN - 1,
			 ((const struct ipt_replace *)optval)->name);
	replaces++;
	if (getenv("RAWTUNE_FAULT_REPLACE_RUN") && chosen("RAWTUNE_FAULT_REPLACE", replaces)) {
		log_replace(family, table, "run", 0);
		run_writer("RAWTUNE_FAULT_REPLACE_RUN");
		return real(fd, level, optname, optval, optlen);
	}
	err = fault();
	if (err) {
		log_replace(family, table, "failed", err);
		errno = err;
		return -1;
	}
	ret = real(fd, level, optname, optval, optlen);
	err = errno;
	log_replace(family, table, ret < 0 ? "refused" : "passed", ret < 0 ? err : 0);
	errno = err;
	return ret;
}

/* Is @name a word of the environment variable @var? */
static int listed(const char *var, const char *name)
{
	const char *s = getenv(var);
	size_t n = strlen(name);

	while (s && *s) {
		size_t len = strcspn(s, " ,");

		if (len == n && strncmp(s, name, n) == 0)
			return 1;
		s += len;
		s += strspn(s, " ,");
	}
	return 0;
}

SHIM_EXPORT int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	static getsockopt_fn *real;
	int info, revision;
	/* xt_get_revision, ipt_getinfo and ip6t_getinfo all start with the name */
	char name[XT_TABLE_MAXNAMELEN] = "";

	if (!real)
		real = (getsockopt_fn *)dlsym(RTLD_NEXT, "getsockopt");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	info = (level == IPPROTO_IP && optname == IPT_SO_GET_INFO) ||
	       (level == IPPROTO_IPV6 && optname == IP6T_SO_GET_INFO);
	revision = (level == IPPROTO_IP && (optname == IPT_SO_GET_REVISION_MATCH ||
					    optname == IPT_SO_GET_REVISION_TARGET)) ||
		   (level == IPPROTO_IPV6 && (optname == IP6T_SO_GET_REVISION_MATCH ||
					      optname == IP6T_SO_GET_REVISION_TARGET));
	if ((info || revision) && optval && optlen && *optlen >= XT_EXTENSION_MAXNAMELEN)
		snprintf(name, sizeof(name), "%.*s", XT_EXTENSION_MAXNAMELEN - 1,
			 (const char *)optval);
	if (name[0] && listed("RAWTUNE_FAULT_MISSING", name)) {
		errno = ENOENT;
		return -1;
	}
	if (name[0] && revision && listed("RAWTUNE_FAULT_OLD", name)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return real(fd, level, optname, optval, optlen);
}

/* ---- nf_tables batches ---------------------------------------------------------------- */

static void log_batch(const char *what)
{
	const char *file = getenv("RAWTUNE_FAULT_LOG");
	int fd;

	if (!file || !*file)
		return;
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	dprintf(fd, "batch %lu %s\n", batches, what);
	close(fd);
}

/* The message iov..iovlen as one buffer, which the shim may change. */
static char *flatten(const struct msghdr *msg, size_t *len)
{
	char *buf;
	size_t off = 0;

	*len = 0;
	for (size_t i = 0; i < msg->msg_iovlen; i++)
		*len += msg->msg_iov[i].iov_len;
	buf = malloc(*len ? *len : 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		memcpy(buf + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
		off += msg->msg_iov[i].iov_len;
	}
	return buf;
}

static int is_batch(const char *buf, size_t len)
{
	const struct nlmsghdr *h = (const void *)buf;

	return len >= NLMSG_HDRLEN && h->nlmsg_type == NFNL_MSG_BATCH_BEGIN;
}

/* Move the generation that the batch begins with away from the ruleset's. */
static void make_stale(char *buf, size_t len)
{
	struct nlmsghdr *h = (void *)buf;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	while (off + NLA_HDRLEN <= h->nlmsg_len && off + NLA_HDRLEN <= len) {
		struct nlattr *a = (void *)(buf + off);

		if (a->nla_len < NLA_HDRLEN)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NFNL_BATCH_GENID) {
			uint32_t *gen = (void *)(buf + off + NLA_HDRLEN);

			/* 0 means "no check": never turn a generation into it */
			*gen = htonl(ntohl(*gen) + 1 ? ntohl(*gen) + 1 : 2);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Turn the last message before the batch's end into a type nf_tables has not. */
static void spoil_last(char *buf, size_t len)
{
	struct nlmsghdr *last = NULL;
	size_t off = 0;

	while (off + NLMSG_HDRLEN <= len) {
		struct nlmsghdr *h = (void *)(buf + off);

		if (h->nlmsg_len < NLMSG_HDRLEN)
			break;
		if (h->nlmsg_type == NFNL_MSG_BATCH_END)
			break;
		if (h->nlmsg_type != NFNL_MSG_BATCH_BEGIN)
			last = h;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (last)
		last->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | 0xff);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static sendmsg_fn *real;
	const char *how = getenv("RAWTUNE_FAULT_BATCH_HOW");
	struct msghdr copy;
	struct iovec iov;
	size_t len;
	ssize_t ret;
	char *buf;

	if (!real)
		real = (sendmsg_fn *)dlsym(RTLD_NEXT, "sendmsg");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	buf = flatten(msg, &len);
	if (!buf || !is_batch(buf, len)) {
		free(buf);
		return real(fd, msg, flags);
	}
	batches++;
	if (!chosen("RAWTUNE_FAULT_BATCH", batches)) {
		free(buf);
		log_batch("passed");
		return real(fd, msg, flags);
	}
	if (how && strcmp(how, "run") == 0) {
		free(buf);
		log_batch("run");
		run_writer("RAWTUNE_FAULT_BATCH_RUN");
		return real(fd, msg, flags);
	}
	if (how && strcmp(how, "last") == 0)
		spoil_last(buf, len);
	else if (!how || strcmp(how, "stale") == 0)
		make_stale(buf, len);
	else
		bad_setting("RAWTUNE_FAULT_BATCH_HOW", how);
	log_batch(how ? how : "stale");
	iov = (struct iovec){ .iov_base = buf, .iov_len = len };
	copy = *msg;
	copy.msg_iov = &iov;
	copy.msg_iovlen = 1;
	ret = real(fd, &copy, flags);
	free(buf);
	return ret;
}
