// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A helper for tests/ns-conntrack.sh, run inside a test namespace:
 *   ct-flush PORTS server|client[:ipv4|:ipv6] [ADDRESSES]   prints "deleted N"
 *   ct-flush --nft                             prints "nftables 0|1"
 */
#include <stdio.h>
#include <string.h>

#include "rawtune.h"

static int usage(void)
{
	fprintf(stderr, "usage: ct-flush PORTS server|client[:ipv4|:ipv6] [ADDRESSES]\n"
			"       ct-flush --nft\n");
	return 2;
}

static int flush(struct rawtune_ctx *ctx, int argc, char **argv)
{
	enum rawtune_direction dir = RAWTUNE_DIRECTION_SERVER;
	enum rawtune_family family = RAWTUNE_FAMILY_BOTH;
	struct rawtune_profile *p = NULL;
	char *suffix = strchr(argv[2], ':');
	unsigned int deleted;
	int err;

	if (suffix) {
		*suffix++ = '\0';
		if (strcmp(suffix, "ipv4") == 0)
			family = RAWTUNE_FAMILY_IPV4;
		else if (strcmp(suffix, "ipv6") == 0)
			family = RAWTUNE_FAMILY_IPV6;
		else
			return usage();
	}
	if (strcmp(argv[2], "client") == 0)
		dir = RAWTUNE_DIRECTION_CLIENT;
	else if (strcmp(argv[2], "server") != 0)
		return usage();
	err = rawtune_profile_new(ctx, "t", &p);
	if (err == 0)
		err = rawtune_profile_set_families(p, family);
	if (err == 0)
		err = rawtune_profile_set_ports(p, argv[1]);
	if (err == 0)
		err = rawtune_profile_set_direction(p, dir);
	if (err == 0 && argc > 3)
		err = rawtune_profile_set_addresses(p, argv[3]);
	if (err == 0)
		err = rawtune_ct_flush_profile(p, &deleted);
	rawtune_profile_unref(p);
	if (err < 0) {
		fprintf(stderr, "ct-flush: %s\n", rawtune_last_error(ctx));
		return 1;
	}
	printf("deleted %u\n", deleted);
	return 0;
}

int main(int argc, char **argv)
{
	struct rawtune_ctx *ctx;
	int ret;

	if (!(argc == 2 && strcmp(argv[1], "--nft") == 0) && (argc < 3 || argc > 4))
		return usage();
	if (rawtune_new(&ctx) < 0)
		return 1;
	if (argc == 2) {
		printf("nftables %d\n", rawtune_nftables_in_use(ctx));
		ret = 0;
	} else {
		ret = flush(ctx, argc, argv);
	}
	rawtune_unref(ctx);
	return ret;
}
