// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The xtables lock: the file that "iptables -w" flocks, so rawtune and
 * iptables never replace a table under each other. Polled with LOCK_NB up to
 * a deadline rather than alarm(), which would disturb the caller's signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "rawtune-private.h"

#define RT_LOCK_DEFAULT_PATH "/run/xtables.lock"
#define RT_LOCK_POLL_NS (50 * 1000 * 1000)

static const char *lock_path(void)
{
	const char *path = getenv("XTABLES_LOCKFILE");

	return path && *path ? path : RT_LOCK_DEFAULT_PATH;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Who holds the lock on the file of @fd, from /proc/locks: "comm (pid N)"
 * in @buf, or false when it cannot tell (no /proc, a holder in another PID
 * namespace).
 */
static bool lock_holder(int fd, char *buf, size_t len)
{
	unsigned int major, minor, pid = 0;
	unsigned long long ino;
	char line[256], comm[64] = "", path[64];
	struct stat st;
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return false;
	while (!pid && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s FLOCK %*s WRITE %u %x:%x:%llu", &pid, &major, &minor,
			   &ino) != 4 || ino != st.st_ino || major != major(st.st_dev) ||
		    minor != minor(st.st_dev))
			pid = 0;
	fclose(f);
	if (!pid)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, len, "%s (pid %u)", comm[0] ? comm : "a process", pid);
	return true;
}

static int lock_busy(struct rawtune_ctx *ctx, int fd, const char *path)
{
	char holder[96];
	bool known = lock_holder(fd, holder, sizeof(holder));

	close(fd);
	return rt_fail(ctx, -ETIMEDOUT, "%s holds the xtables lock %s (waited %u s)",
		       known ? holder : "another program", path, rt_lock_wait(ctx));
}

int rt_lock_take(struct rawtune_ctx *ctx)
{
	const struct timespec pause = { .tv_nsec = RT_LOCK_POLL_NS };
	const char *path = lock_path();
	double deadline = now() + rt_lock_wait(ctx);
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return rt_fail(ctx, -EPERM, "cannot open the xtables lock %s: %m (you must be root)",
			       path);
	if (fd < 0)
		return rt_fail(ctx, -errno, "cannot open the xtables lock %s: %m", path);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		if (err == EINTR)
			continue;
		if (err != EWOULDBLOCK || now() >= deadline) {
			if (err != EWOULDBLOCK) {
				close(fd);
				return rt_fail(ctx, -err, "cannot take the xtables lock %s: %s",
					       path, strerror(err));
			}
			return lock_busy(ctx, fd, path);
		}
		nanosleep(&pause, NULL);
	}
	rt_dbg(ctx, "took the xtables lock %s", path);
	return fd;
}

void rt_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
