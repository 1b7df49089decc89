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
 *   RAWTUNE_FAULT_LOG=FILE       one line per replace: "replace 3 ipv4 raw failed EPERM",
 *                                "replace 4 ipv6 raw passed" (or "refused" by the kernel)
 *
 * And a kernel built without some tables or extensions, as the kernel
 * answers the questions about them (getsockopt, both families):
 *
 *   RAWTUNE_FAULT_MISSING="CT raw"  tables (SO_GET_INFO) and extensions
 *                                   (SO_GET_REVISION_*) that do not exist: ENOENT
 *   RAWTUNE_FAULT_OLD="conntrack"   extensions without the revision asked: EPROTONOSUPPORT
 */
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

#define SHIM_EXPORT __attribute__((visibility("default")))
#define ERRNO(e) { #e, e }

typedef int setsockopt_fn(int fd, int level, int optname, const void *optval, socklen_t optlen);
typedef int getsockopt_fn(int fd, int level, int optname, void *optval, socklen_t *optlen);

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

/* Should this replace fail, and with which errno? 0: let it through. */
static int fault(void)
{
	unsigned long n = env_count("RAWTUNE_FAULT_REPLACE", 0), repeat;

	if (n == 0 || replaces < n)
		return 0;
	repeat = env_repeat();
	if (repeat && replaces - n >= repeat)
		return 0;
	return env_errno();
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
