// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * For tests/ns-ct-full.sh, loaded with LD_PRELOAD: a socket receive buffer
 * far too small, so that conntrack events overflow it and the kernel drops
 * them (ENOBUFS), as at a high rate of new flows with a real buffer.
 *
 *   RAWTUNE_RCVBUF=BYTES   what SO_RCVBUF and SO_RCVBUFFORCE set instead
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

typedef int setsockopt_fn(int fd, int level, int optname, const void *optval, socklen_t optlen);

SHIM_EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	static setsockopt_fn *real;
	const char *env = getenv("RAWTUNE_RCVBUF");
	int size;

	if (!real)
		real = (setsockopt_fn *)dlsym(RTLD_NEXT, "setsockopt");
	if (env && level == SOL_SOCKET && (optname == SO_RCVBUF || optname == SO_RCVBUFFORCE)) {
		size = atoi(env);
		return real(fd, level, SO_RCVBUFFORCE, &size, sizeof(size));
	}
	return real(fd, level, optname, optval, optlen);
}
