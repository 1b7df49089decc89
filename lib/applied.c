// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * When each profile was applied: "entries saved" is a sum of rule counters,
 * which count from the moment their rules were committed, but the kernel
 * keeps no timestamp on a rule. So apply records the time in a state file,
 * RUN/netns-COOKIE/PROFILE, and remove deletes it. RUN is /run/rawtune (or
 * $RAWTUNE_RUN_DIR); COOKIE is the network namespace's cookie
 * (SO_NETNS_COOKIE), which the kernel never gives twice: a namespace that
 * is destroyed without a remove leaves its file behind, and no later
 * namespace reads it. The inode of /proc/self/ns/net is reused as soon as
 * its namespace is freed: it keys the files (RUN/net-INODE) only on kernels
 * without the cookie (before 5.14). The file holds the Unix time in seconds
 * and a newline.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applied.h"
#include "rawtune-private.h"

#define RT_RUN_DIR "/run/rawtune"

/* Linux 5.14; glibc's headers may predate it */
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static const char *run_dir(void)
{
	const char *env = secure_getenv("RAWTUNE_RUN_DIR");

	return env && *env ? env : RT_RUN_DIR;
}

/* This network namespace's cookie in *@cookie; 0 or a negative errno. */
static int netns_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* RUN/netns-COOKIE, or RUN/net-INODE without cookies, into @buf; 0 or a negative errno. */
static int state_dir(char *buf, size_t len)
{
	uint64_t cookie;
	struct stat st;
	int err = netns_cookie(&cookie), n;

	if (err == 0)
		n = snprintf(buf, len, "%s/netns-%" PRIu64, run_dir(), cookie);
	else if (err != -ENOPROTOOPT)
		return err;
	else if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	else
		n = snprintf(buf, len, "%s/net-%ju", run_dir(), (uintmax_t)st.st_ino);
	return (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* mkdir with mode 0755 whatever the umask; an existing directory is fine. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0)
		return chmod(path, 0755) < 0 ? -errno : 0;
	return errno == EEXIST ? 0 : -errno;
}

static int make_dirs(const char *dir)
{
	int err = make_dir(run_dir());

	return err < 0 ? err : make_dir(dir);
}

/* Write @text to @dir/@name through a temporary file and a rename: readers see all or
 * nothing. */
static int write_atomic(const char *dir, const char *name, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	size_t len = strlen(text);
	int fd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >=
		    sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}

static void rt_dbg_applied(struct rawtune_ctx *ctx, const char *name)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
	rt_dbg(ctx, "%s: applied at %s", name, when);
}

void rt_applied_record(struct rawtune_ctx *ctx, const struct rawtune_profile *profile,
		       bool fresh)
{
	char dir[PATH_MAX], text[32];
	int err;

	/*
	 * Only when all of the profile's rules are new: a re-apply that keeps
	 * some rules keeps their counters, and so the time they started.
	 */
	if (!fresh)
		return;
	snprintf(text, sizeof(text), "%jd\n", (intmax_t)time(NULL));
	err = state_dir(dir, sizeof(dir));
	if (err == 0)
		err = make_dirs(dir);
	if (err == 0)
		err = write_atomic(dir, profile->name, text);
	if (err < 0)
		rt_warn(ctx, "cannot record when %s was applied in %s: %s", profile->name,
			run_dir(), strerror(-err));
	else
		rt_dbg_applied(ctx, profile->name);
}

static void forget_one(struct rawtune_ctx *ctx, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return;
	if (unlink(path) < 0 && errno != ENOENT)
		rt_warn(ctx, "cannot delete %s: %s", path, strerror(errno));
}

void rt_applied_forget(struct rawtune_ctx *ctx, const char *profile)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (state_dir(dir, sizeof(dir)) < 0)
		return;
	if (profile) {
		char conf[RAWTUNE_PROFILE_NAME_MAX + 8];

		if (!rt_profile_name_valid(profile))
			return;
		snprintf(conf, sizeof(conf), "%s.conf", profile);
		forget_one(ctx, dir, profile);
		forget_one(ctx, dir, conf);
		rmdir(dir); /* once the last profile is gone */
		return;
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			forget_one(ctx, dir, e->d_name);
	closedir(d);
	rmdir(dir);
}

int64_t rt_applied_read(struct rawtune_ctx *ctx, const char *profile)
{
	char dir[PATH_MAX], path[PATH_MAX], text[32] = "";
	long long t;
	char *end;
	FILE *f;

	/* the name comes from a rule's comment, which anyone who may change the tables wrote */
	if (!rt_profile_name_valid(profile) || state_dir(dir, sizeof(dir)) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, profile) >= sizeof(path))
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	errno = 0;
	t = strtoll(text, &end, 10);
	if (errno || end == text || (*end != '\n' && *end != '\0') || t < 0) {
		rt_dbg(ctx, "%s: not a time, ignored", path);
		return -1;
	}
	return t;
}

/* The record's first line: who applied it, as a comment the parser skips. */
#define RT_ORIGIN_BOOT_LINE "# origin: rawtune.conf\n"

void rt_applied_keep(struct rawtune_ctx *ctx, const struct rawtune_profile *profile)
{
	char dir[PATH_MAX], name[RAWTUNE_PROFILE_NAME_MAX + 8], *text = NULL, *record = NULL;
	bool boot = rt_origin(ctx) == RAWTUNE_ORIGIN_BOOT;
	int err = rawtune_profile_format(profile, &text);

	snprintf(name, sizeof(name), "%s.conf", profile->name);
	if (err == 0 && asprintf(&record, "%s%s", boot ? RT_ORIGIN_BOOT_LINE : "", text) < 0) {
		record = NULL;
		err = -ENOMEM;
	}
	if (err == 0)
		err = state_dir(dir, sizeof(dir));
	if (err == 0)
		err = make_dirs(dir);
	if (err == 0)
		err = write_atomic(dir, name, record);
	if (err < 0)
		rt_warn(ctx, "cannot record how %s was applied in %s: %s", profile->name,
			run_dir(), strerror(-err));
	free(text);
	free(record);
}

/* The record's text, NUL-terminated (free() it); -ENOENT without one. */
static int record_read(struct rawtune_ctx *ctx, const char *name, char **text)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int err = state_dir(dir, sizeof(dir));

	*text = NULL;
	if (err < 0)
		return err;
	if (!rt_profile_name_valid(name))
		return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.conf", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (access(path, F_OK) < 0)
		return -errno;
	return rt_conf_read(ctx, path, "record of an applied profile", text);
}

RAWTUNE_EXPORT int rawtune_profile_get_origin(struct rawtune_ctx *ctx, const char *name,
					       enum rawtune_origin *origin)
{
	char *text;
	int err = record_read(ctx, name, &text);

	if (err < 0)
		return err;
	*origin = strncmp(text, RT_ORIGIN_BOOT_LINE, strlen(RT_ORIGIN_BOOT_LINE)) == 0
			  ? RAWTUNE_ORIGIN_BOOT
			  : RAWTUNE_ORIGIN_COMMAND;
	free(text);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

RAWTUNE_EXPORT int rawtune_profile_list_applied(struct rawtune_ctx *ctx,
						struct rawtune_profile_list **out)
{
	struct rawtune_profile_list *list = calloc(1, sizeof(*list));
	char dir[PATH_MAX], **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int err = 0;
	DIR *d;

	rt_clear_error(ctx);
	if (!list)
		return -ENOMEM;
	d = state_dir(dir, sizeof(dir)) == 0 ? opendir(dir) : NULL;
	while (d && err == 0 && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		/* NAME.conf, NAME a profile's name: anything else is not a record */
		if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? 2 * cap : 8) * sizeof(*names));

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			names = grown;
		}
		names[n] = strndup(e->d_name, len - 5);
		if (!names[n])
			err = -ENOMEM;
		else if (!rt_profile_name_valid(names[n]))
			free(names[n]);
		else
			n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		struct rawtune_profile *p;

		/* a record that no longer reads (edited by hand) is skipped, said */
		if (err == 0 && rt_applied_load(ctx, names[i], &p) == 0)
			err = rt_profile_list_put(list, p);
		else if (err == 0)
			rt_warn(ctx, "%s: the record of its apply does not read: %s", names[i],
				rawtune_last_error(ctx));
		free(names[i]);
	}
	free(names);
	if (err < 0) {
		rawtune_profile_list_free(list);
		return rt_fail(ctx, err, "out of memory");
	}
	rt_clear_error(ctx);
	*out = list;
	return 0;
}

int rt_applied_load(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **out)
{
	char *text;
	int err = record_read(ctx, name, &text);

	*out = NULL;
	if (err < 0)
		return err;
	err = rawtune_profile_parse(ctx, name, text, "applied", out);
	free(text);
	return err;
}
