// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening rawtune's configuration the way a root daemon must. rawtune runs
 * as root at boot and what it reads decides root's firewall, so a file is
 * read only when nobody but root could have put it there: never through a
 * symbolic link (another user's link could point anywhere), never a FIFO or
 * device (a FIFO with no writer would hang boot), and, as root, only when
 * root owns it and neither group nor others may write it. A refused file is
 * never read, so no message can quote from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rawtune-private.h"

#define RT_CONF_FILE_MAX (64 * 1024)

/* Why root must not trust what @st describes, or NULL. */
static const char *untrusted(const struct stat *st)
{
	if (geteuid() != 0)
		return NULL; /* a user reads only what that user may read anyway */
	if (st->st_uid != 0)
		return "not owned by root";
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == (S_IWGRP | S_IWOTH))
		return "writable by group and others";
	if (st->st_mode & S_IWGRP)
		return "writable by its group";
	if (st->st_mode & S_IWOTH)
		return "writable by others";
	return NULL;
}

static int check(struct rawtune_ctx *ctx, int fd, const char *path, bool dir)
{
	struct stat st;
	const char *why;

	if (fstat(fd, &st) < 0)
		return rt_fail(ctx, -errno, "cannot read %s: %m", path);
	if (dir && !S_ISDIR(st.st_mode))
		return rt_fail(ctx, -EPERM, "%s: not a directory: refused", path);
	if (!dir && !S_ISREG(st.st_mode))
		return rt_fail(ctx, -EPERM, "%s: not a regular file: refused", path);
	why = untrusted(&st);
	if (why && st.st_uid != 0)
		return rt_fail(ctx, -EPERM,
			       "%s: %s (uid %u): refused (rawtune runs as root: chown root, chmod go-w)",
			       path, why, (unsigned int)st.st_uid);
	if (why)
		return rt_fail(ctx, -EPERM,
			       "%s: %s: refused (rawtune runs as root: chown root, chmod go-w)",
			       path, why);
	return 0;
}

/*
 * openat(2) without following a link or waiting for a writer, then checked:
 * an fd, -ENOENT when there is nothing at @path, or another negative errno
 * with the context's error set. @path names @name in messages.
 */
static int conf_open(struct rawtune_ctx *ctx, int dirfd, const char *name, const char *path,
		     bool dir)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (dir ? O_DIRECTORY : 0);
	int fd = openat(dirfd, name, flags), err;
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	/* O_NOFOLLOW says ELOOP for a link, O_DIRECTORY before it ENOTDIR */
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return rt_fail(ctx, -EPERM,
			       "%s: a symbolic link: refused (rawtune follows no links in its configuration)",
			       path);
	if (fd < 0 && errno == ENOTDIR && dir)
		return rt_fail(ctx, -EPERM, "%s: not a directory: refused", path);
	if (fd < 0)
		return rt_fail(ctx, -errno, "cannot open %s: %m", path);
	err = check(ctx, fd, path, dir);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

int rt_conf_open_dir(struct rawtune_ctx *ctx, const char *path)
{
	return conf_open(ctx, AT_FDCWD, path, path, true);
}

/* All of @fd, at most RT_CONF_FILE_MAX bytes and no NUL, into *@text. */
static int read_text(struct rawtune_ctx *ctx, int fd, const char *path, const char *what,
		     char **text)
{
	char *buf = malloc(RT_CONF_FILE_MAX + 1);
	size_t n = 0;
	ssize_t got = 1;

	if (!buf)
		return -ENOMEM;
	while (n <= RT_CONF_FILE_MAX && got > 0) {
		got = read(fd, buf + n, RT_CONF_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got > 0)
			n += (size_t)got;
	}
	if (got < 0) {
		int err = errno;

		free(buf);
		return rt_fail(ctx, -err, "cannot read %s: %s", path, strerror(err));
	}
	if (n > RT_CONF_FILE_MAX || memchr(buf, '\0', n)) {
		free(buf);
		return rt_fail(ctx, -EINVAL, "%s: not a %s (binary data or over %d bytes)", path,
			       what, RT_CONF_FILE_MAX);
	}
	buf[n] = '\0';
	*text = buf;
	return 0;
}

int rt_conf_read_at(struct rawtune_ctx *ctx, int dirfd, const char *name, const char *path,
		    const char *what, char **text)
{
	int fd = conf_open(ctx, dirfd, name, path, false), err;

	*text = NULL;
	if (fd < 0)
		return fd;
	err = read_text(ctx, fd, path, what, text);
	close(fd);
	return err;
}

int rt_conf_read(struct rawtune_ctx *ctx, const char *path, const char *what, char **text)
{
	return rt_conf_read_at(ctx, AT_FDCWD, path, path, what, text);
}

/* ---- writing: rawtune.conf edited in place by "rawtune enable" ------------- */

/* The directory part of @path into @buf: "." when it has none. */
static const char *dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return ".";
	if (slash == path)
		return "/";
	snprintf(buf, len, "%.*s", (int)(slash - path), path);
	return buf;
}

int rt_conf_lock(struct rawtune_ctx *ctx, const char *path)
{
	char buf[4096];
	const char *dir = dir_of(path, buf, sizeof(buf));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return rt_fail(ctx, -errno, "cannot open %s: %m", dir);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = -errno;

			close(fd);
			return rt_fail(ctx, err, "cannot lock %s: %s", dir, strerror(-err));
		}
	}
	return fd;
}

/* All of @text to @fd, then to the disk: rename must not publish a file still in the cache. */
static int write_all(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		text += n;
		len -= (size_t)n;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

/*
 * The old file's mode and owner on the temporary file, so the edit keeps
 * what the admin (or the package) set; a new file gets 0644 as installed.
 */
static int keep_mode(int fd, const char *path)
{
	struct stat old, st;

	if (lstat(path, &old) < 0) {
		if (errno != ENOENT)
			return -errno;
		return fchmod(fd, 0644) < 0 ? -errno : 0;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_uid != old.st_uid || st.st_gid != old.st_gid) &&
	    fchown(fd, old.st_uid, old.st_gid) < 0)
		return -errno;
	return fchmod(fd, old.st_mode & 07777) < 0 ? -errno : 0;
}

/* Make the rename itself durable: it lives in the directory. */
static void sync_dir(const char *path)
{
	char buf[4096];
	int fd = open(dir_of(path, buf, sizeof(buf)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	fsync(fd);
	close(fd);
}

int rt_conf_replace(struct rawtune_ctx *ctx, const char *path, const char *text)
{
	char tmp[4096], buf[4096];
	const char *base = strrchr(path, '/');
	int fd, err;

	/* hidden, so that a listing of the directory never shows it as a file */
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir_of(path, buf, sizeof(buf)),
		     base ? base + 1 : path) >= (int)sizeof(tmp))
		return rt_fail(ctx, -ENAMETOOLONG, "cannot write %s: %s", path,
			       strerror(ENAMETOOLONG));
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return rt_fail(ctx, -errno, "cannot write %s: cannot create %s: %m", path, tmp);
	err = keep_mode(fd, path);
	if (err == 0)
		err = write_all(fd, text);
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0) {
		unlink(tmp);
		return rt_fail(ctx, err, "cannot write %s: %s", path, strerror(-err));
	}
	sync_dir(path);
	return 0;
}
