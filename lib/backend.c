// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which backend holds rawtune's rules in this network namespace: the legacy
 * x_tables (libiptc) or nf_tables (libnftnl, table inet rawtune). Never
 * both: the caller's choice first, then the boot file's, then the host's
 * own answer, read without creating a table in either backend:
 *
 * 1. where rawtune's rules already are;
 * 2. where the firewall lives: legacy tables with rules (also beside
 *    nf_tables tables: the twins rawtune adds there are legacy rules),
 *    else nf_tables tables;
 * 3. with no firewall: the kernel without legacy tables, or the iptables
 *    command the admin runs, if it is the nf_tables variant, say nf_tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <netinet/in.h>

/* after netinet/in.h: the kernel's headers give way to glibc's */
#include "nft/nft.h"
#include "rawtune-private.h"

#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>

static const char *const names[] = {
	[RAWTUNE_BACKEND_AUTO] = "auto",
	[RAWTUNE_BACKEND_LEGACY] = "legacy",
	[RAWTUNE_BACKEND_NFT] = "nft",
};

RAWTUNE_EXPORT const char *rawtune_backend_name(enum rawtune_backend backend)
{
	return (unsigned int)backend < ARRAY_SIZE(names) ? names[backend] : NULL;
}

RAWTUNE_EXPORT int rawtune_backend_parse(const char *name, enum rawtune_backend *backend)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0) {
			*backend = (enum rawtune_backend)i;
			return 0;
		}
	return -EINVAL;
}

/* Does any legacy table of the family hold a rule or a policy other than ACCEPT? */
static bool family_has_firewall(const struct rt_family_ops *ops, bool *rawtune)
{
	char table[64];
	FILE *f = fopen(ops->names_file, "re");
	bool found = false;

	/* no file: the family's x_tables are not even loaded */
	if (!f)
		return false;
	while (!found && fgets(table, sizeof(table), f)) {
		struct xtc_handle *h;

		table[strcspn(table, "\n")] = '\0';
		h = ops->init(table);
		if (!h)
			continue;
		for (const char *c = ops->first_chain(h); c && !found; c = ops->next_chain(h)) {
			const char *policy = ops->policy(h, c);

			if (strncmp(c, RT_CHAIN_PREFIX, strlen(RT_CHAIN_PREFIX)) == 0) {
				*rawtune = *rawtune || ops->first_rule(h, c);
				continue;
			}
			if (policy && strcmp(policy, "ACCEPT") != 0) {
				found = true;
				break;
			}
			for (const rt_entry *e = ops->first_rule(h, c); e && !found;
			     e = ops->next_rule(h, e)) {
				const char *target = ops->target(h, e);

				/* rawtune's own jumps are not the firewall's */
				found = !target ||
					strncmp(target, RT_CHAIN_PREFIX, strlen(RT_CHAIN_PREFIX)) != 0;
			}
		}
		ops->free(h);
	}
	fclose(f);
	return found;
}

bool rt_legacy_has_rules(void)
{
	bool rawtune = false;

	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		family_has_firewall(rt_families[f], &rawtune);
	return rawtune;
}

/* Does modules.dep or modules.builtin of the running kernel name @module ("/ip_tables.ko")? */
static bool module_listed(const char *module)
{
	static const char *const lists[] = { "modules.dep", "modules.builtin" };
	struct utsname u;
	bool found = false;

	if (uname(&u) < 0)
		return true; /* cannot tell: assume it is there */
	for (size_t i = 0; i < ARRAY_SIZE(lists) && !found; i++) {
		char path[512], line[1024];
		FILE *f;

		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, lists[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, module) != NULL;
		fclose(f);
	}
	return found;
}

/*
 * Can the kernel hold rawtune's legacy rules? Without creating a table:
 * ip_tables loaded or there to load, and the CT target that notrack needs
 * (a revision query, which loads xt_CT but no table). Only a certain "no"
 * counts: RHEL 10 ships no ip_tables, and has xt_CT in an extra package.
 */
static bool legacy_supported(void)
{
	struct xt_get_revision rev = { .name = "CT", .revision = 2 };
	socklen_t len = sizeof(rev);
	int fd, err = 0;

	if (access(rt_families[0]->names_file, F_OK) != 0 && !module_listed("/ip_tables.ko"))
		return false;
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return true;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_REVISION_TARGET, &rev, &len) < 0)
		err = errno;
	close(fd);
	return err != ENOENT && err != EPROTONOSUPPORT;
}

/* The backend, or a negative errno for a bad boot file. */
int rt_backend_choose(struct rawtune_ctx *ctx, const char **why)
{
	struct rt_nft_tables nft = { 0 };
	bool legacy_rawtune = false, legacy_fw = false;
	const char *reason;
	int backend = rt_backend_set(ctx);

	if (backend != RAWTUNE_BACKEND_AUTO) {
		reason = rt_backend_from_env(ctx) ? "chosen with RAWTUNE_BACKEND"
						  : "chosen with --backend";
		goto out;
	}
	backend = rt_boot_config_backend(ctx);
	if (backend < 0)
		return backend;
	if (backend != RAWTUNE_BACKEND_AUTO) {
		reason = "chosen in the boot file (backend =)";
		goto out;
	}
	for (size_t f = 0; f < RT_FAMILY_COUNT; f++)
		legacy_fw = family_has_firewall(rt_families[f], &legacy_rawtune) || legacy_fw;
	rt_nft_tables_scan(&nft);
	if (nft.own) {
		backend = RAWTUNE_BACKEND_NFT;
		reason = "rawtune's rules are in nf_tables, table inet rawtune";
	} else if (legacy_rawtune) {
		backend = RAWTUNE_BACKEND_LEGACY;
		reason = "rawtune's rules are in the legacy raw table";
	} else if (legacy_fw) {
		backend = RAWTUNE_BACKEND_LEGACY;
		reason = nft.others ? "the firewall has rules in the legacy tables (and "
				      "tables in nf_tables)"
				    : "the firewall's rules are in the legacy tables";
	} else if (nft.others) {
		backend = RAWTUNE_BACKEND_NFT;
		reason = "the firewall's rules are in nf_tables";
	} else if (rt_iptables_is_nft(ctx)) {
		backend = RAWTUNE_BACKEND_NFT;
		reason = "no firewall yet, and iptables is the nf_tables variant";
	} else if (!legacy_supported()) {
		backend = RAWTUNE_BACKEND_NFT;
		reason = "the kernel has no legacy iptables tables";
	} else {
		backend = RAWTUNE_BACKEND_LEGACY;
		reason = "no firewall yet, and iptables is the legacy variant";
	}
out:
	rt_dbg(ctx, "backend %s: %s", rawtune_backend_name(backend), reason);
	if (why)
		*why = reason;
	return backend;
}

RAWTUNE_EXPORT int rawtune_backend_choose(struct rawtune_ctx *ctx, enum rawtune_backend *backend,
					  const char **why)
{
	int chosen = rt_backend_choose(ctx, why);

	if (chosen < 0)
		return chosen;
	*backend = (enum rawtune_backend)chosen;
	return 0;
}
