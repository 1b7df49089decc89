// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A helper for tests/ns-apply-report.sh, run inside a test namespace:
 *   apply-report PROFILE     applies it, prints what the report says:
 *                            "added N removed N families F backend B"
 *   apply-report -n PROFILE  applies it without asking for a report
 * F is ipv4, ipv6, ipv4+ipv6 or none; B legacy or nft. The backend is the
 * one RAWTUNE_BACKEND names, the profile one of RAWTUNE_PROFILE_DIR.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rawtune.h"

static const char *families(unsigned int f)
{
	switch (f) {
	case RAWTUNE_FAMILY_IPV4:
		return "ipv4";
	case RAWTUNE_FAMILY_IPV6:
		return "ipv6";
	case RAWTUNE_FAMILY_BOTH:
		return "ipv4+ipv6";
	case 0:
		return "none";
	}
	return "?";
}

static int apply(struct rawtune_ctx *ctx, const char *name, bool want_report)
{
	struct rawtune_apply_report *report = NULL;
	struct rawtune_profile *p = NULL;
	int err = rawtune_profile_load(ctx, name, &p);

	if (err == 0)
		err = rawtune_profile_apply(p, want_report ? &report : NULL);
	rawtune_profile_unref(p);
	if (err < 0) {
		fprintf(stderr, "apply-report: %s: %s\n", name, rawtune_last_error(ctx));
		return 1;
	}
	if (!want_report) {
		printf("applied\n");
		return 0;
	}
	printf("added %u removed %u families %s backend %s\n",
	       rawtune_apply_report_get_added(report), rawtune_apply_report_get_removed(report),
	       families(rawtune_apply_report_get_families(report)),
	       rawtune_backend_name(rawtune_apply_report_get_backend(report)));
	rawtune_apply_report_free(report);
	return 0;
}

int main(int argc, char **argv)
{
	bool want_report = !(argc == 3 && strcmp(argv[1], "-n") == 0);
	struct rawtune_ctx *ctx;
	int status;

	if (argc != 2 && want_report) {
		fprintf(stderr, "usage: apply-report [-n] PROFILE\n");
		return 2;
	}
	if (rawtune_new(&ctx) < 0)
		return 1;
	status = apply(ctx, argv[argc - 1], want_report);
	rawtune_unref(ctx);
	return status;
}
