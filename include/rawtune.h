/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librawtune: keep traffic that needs no connection tracking out of the
 * kernel's conntrack table, with iptables raw-table NOTRACK rules and the
 * matching filter-table accepts for state UNTRACKED.
 *
 * Conventions:
 * - Every call that can fail returns 0 or a negative errno value and hands
 *   objects and values back through out-parameters. The one other success
 *   value is 1, for a call that says whether it changed or found something
 *   (rawtune_profile_check(), _repair(), rawtune_boot_config_enable(),
 *   _disable()); its comment says so.
 * - Getters, which return a value directly, cannot fail; those that format
 *   a list return NULL when memory runs out, never "" (which means any).
 * - After a failure, rawtune_last_error() describes it in one line.
 * - A context and everything made from it belong to one thread at a time:
 *   libiptc keeps global state, so two threads must not use librawtune at
 *   once, even with two contexts.
 */
#ifndef RAWTUNE_H
#define RAWTUNE_H

#include <stdarg.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rawtune_ctx;
struct rawtune_profile;
struct rawtune_profile_list;
struct rawtune_rules;

enum rawtune_proto {
	RAWTUNE_PROTO_TCP = 1 << 0,
	RAWTUNE_PROTO_UDP = 1 << 1,
};

enum rawtune_direction {
	/* inbound connections to the profile's ports (a server) */
	RAWTUNE_DIRECTION_SERVER = 0,
	/* outbound connections from this host to the ports (a client) */
	RAWTUNE_DIRECTION_CLIENT = 1,
};

enum rawtune_family {
	RAWTUNE_FAMILY_IPV4 = 1 << 0,
	RAWTUNE_FAMILY_IPV6 = 1 << 1,
	RAWTUNE_FAMILY_BOTH = RAWTUNE_FAMILY_IPV4 | RAWTUNE_FAMILY_IPV6,
};

/* Longest profile name, without the terminating NUL. */
#define RAWTUNE_PROFILE_NAME_MAX 20

/* ---- context ------------------------------------------------------------ */

/**
 * rawtune_new - create a library context
 * @ctx: where the new context is stored
 *
 * The log priority starts at LOG_ERR, or at the value of the environment
 * variable RAWTUNE_LOG (a number or one of err, warning, notice, info, debug).
 * An unknown RAWTUNE_LOG means LOG_ERR and one warning, through the log
 * function in use when the context first logs or rawtune_set_log_fn() is called.
 *
 * Returns: 0, or -ENOMEM.
 * Since: 0.1
 */
int rawtune_new(struct rawtune_ctx **ctx);

/**
 * rawtune_ref - take a reference on @ctx
 * Returns: @ctx.
 * Since: 0.1
 */
struct rawtune_ctx *rawtune_ref(struct rawtune_ctx *ctx);

/**
 * rawtune_unref - drop a reference; the last one frees the context
 * @ctx: a context, or NULL
 * Returns: NULL when the context was freed, @ctx otherwise.
 * Since: 0.1
 */
struct rawtune_ctx *rawtune_unref(struct rawtune_ctx *ctx);

typedef void (*rawtune_log_fn)(void *data, int priority, const char *file, int line,
			       const char *fn, const char *format, va_list args);

/**
 * rawtune_set_log_fn - send the library's messages to @log_fn
 * @ctx: the context
 * @log_fn: the function, called with a syslog priority
 * @data: passed to @log_fn unchanged
 *
 * The default writes "librawtune: <message>" to stderr.
 * Since: 0.1
 */
void rawtune_set_log_fn(struct rawtune_ctx *ctx, rawtune_log_fn log_fn, void *data);

/**
 * rawtune_get_log_priority - the highest syslog priority that is logged
 * Since: 0.1
 */
int rawtune_get_log_priority(const struct rawtune_ctx *ctx);

/**
 * rawtune_set_log_priority - log messages up to @priority (LOG_ERR .. LOG_DEBUG)
 * Since: 0.1
 */
void rawtune_set_log_priority(struct rawtune_ctx *ctx, int priority);

/**
 * rawtune_set_lock_wait - bound the wait for the xtables lock
 * @ctx: the context
 * @seconds: how long apply and remove wait for "/run/xtables.lock" (or the
 *	file named by XTABLES_LOCKFILE), the lock that "iptables -w" takes;
 *	0 means try once
 *
 * Since: 0.1
 */
void rawtune_set_lock_wait(struct rawtune_ctx *ctx, unsigned int seconds);

/**
 * rawtune_get_profile_dir - where profile files are looked up
 *
 * "$sysconfdir/rawtune/profiles.d" (/etc/rawtune/profiles.d when installed),
 * or the value of the environment variable RAWTUNE_PROFILE_DIR.
 * Since: 0.1
 */
const char *rawtune_get_profile_dir(const struct rawtune_ctx *ctx);

/**
 * rawtune_set_profile_dir - look up profile files in @dir instead
 * Returns: 0, or -ENOMEM.
 * Since: 0.1
 */
int rawtune_set_profile_dir(struct rawtune_ctx *ctx, const char *dir);

/**
 * rawtune_get_boot_config - the boot file that rawtune_boot_config_read() reads
 *
 * "$sysconfdir/rawtune/rawtune.conf" (/etc/rawtune/rawtune.conf when
 * installed), or the value of the environment variable RAWTUNE_CONFIG.
 * Since: 0.1
 */
const char *rawtune_get_boot_config(const struct rawtune_ctx *ctx);

/**
 * rawtune_set_boot_config - read the boot file at @path instead
 * Returns: 0, or -ENOMEM.
 * Since: 0.1
 */
int rawtune_set_boot_config(struct rawtune_ctx *ctx, const char *path);

/**
 * enum rawtune_origin - who applied a profile
 * @RAWTUNE_ORIGIN_COMMAND: a command or a program (the default)
 * @RAWTUNE_ORIGIN_BOOT: rawtune.conf, through "rawtune apply --all": a later
 *	"apply --all" removes it when rawtune.conf no longer lists it
 */
enum rawtune_origin {
	RAWTUNE_ORIGIN_COMMAND = 0,
	RAWTUNE_ORIGIN_BOOT = 1,
};

/**
 * rawtune_set_origin - what the applies of this context record as their origin
 * Since: 0.2
 */
void rawtune_set_origin(struct rawtune_ctx *ctx, enum rawtune_origin origin);

/**
 * rawtune_profile_get_origin - who applied a profile in this network namespace
 * @ctx: the context
 * @name: the profile's name
 * @origin: set to a RAWTUNE_ORIGIN_* value
 *
 * Returns: 0, or -ENOENT when no apply of the profile is on record, or
 * another negative errno. Since: 0.2
 */
int rawtune_profile_get_origin(struct rawtune_ctx *ctx, const char *name,
			       enum rawtune_origin *origin);

/**
 * rawtune_profile_repair - apply a profile again as it was applied, if it drifted
 * @ctx: the context
 * @name: the profile's name
 * @added: if not NULL, set to the rules added
 * @removed: if not NULL, set to the rules removed
 *
 * What rawtune_profile_check() finds drifted is applied again from the
 * record of its last apply (ports, families, origin as they were); a
 * profile in place is left alone.
 *
 * Returns: 0 nothing to repair, 1 repaired, -ENOENT when the profile is not
 * applied, or another negative errno as rawtune_profile_apply(). Since: 0.2
 */
int rawtune_profile_repair(struct rawtune_ctx *ctx, const char *name, unsigned int *added,
			   unsigned int *removed);

/**
 * rawtune_set_nat_guard - whether apply first looks for NAT on the traffic
 * @ctx: the context
 * @enabled: non-zero (the default) to refuse, with -EBUSY, a profile whose
 *	traffic a DNAT, REDIRECT, SNAT, MASQUERADE or NETMAP rule of the nat
 *	table could take: untracked packets skip NAT, so that rule would stop
 *	working. 0 applies anyway (rawtune --force).
 *
 * The nat table is read in both families, following jumps into user
 * chains; a rule counts only when its protocol, ports, addresses,
 * interfaces and address type can match the first packet of a flow the
 * profile untracks. The error names the rule.
 * Since: 0.1
 */
void rawtune_set_nat_guard(struct rawtune_ctx *ctx, int enabled);

/* ---- backends ----------------------------------------------------------- */

/**
 * enum rawtune_backend - where rawtune's rules live
 * @RAWTUNE_BACKEND_AUTO: chosen per network namespace (rawtune_backend_choose())
 * @RAWTUNE_BACKEND_LEGACY: the legacy x_tables raw table, through libiptc
 *	(iptables-legacy-save lists them)
 * @RAWTUNE_BACKEND_NFT: nf_tables, rawtune's own table "inet rawtune", through
 *	libnftnl (nft list table inet rawtune lists them)
 * Since: 0.2
 */
enum rawtune_backend {
	RAWTUNE_BACKEND_AUTO = 0,
	RAWTUNE_BACKEND_LEGACY = 1,
	RAWTUNE_BACKEND_NFT = 2,
};

/**
 * rawtune_set_backend - use this backend rather than choosing one
 * @ctx: the context
 * @backend: RAWTUNE_BACKEND_LEGACY, _NFT, or _AUTO (the default: the boot
 *	file's "backend =" key, else chosen per network namespace)
 * Since: 0.2
 */
void rawtune_set_backend(struct rawtune_ctx *ctx, enum rawtune_backend backend);

/**
 * rawtune_backend_choose - the backend apply uses in this network namespace
 * @ctx: the context
 * @backend: set to RAWTUNE_BACKEND_LEGACY or RAWTUNE_BACKEND_NFT
 * @why: where the reason is stored, one clause ("the firewall's rules are in
 *	nf_tables"), valid as long as @ctx; may be NULL
 *
 * The one set with rawtune_set_backend(), else the boot file's "backend ="
 * key, else: the backend that already holds rawtune's rules; legacy where the
 * legacy tables hold the firewall's rules (also when nf_tables holds tables
 * too); nf_tables where only nf_tables does, where the kernel has no legacy
 * tables, or, with no firewall at all, where the iptables command is the
 * nf_tables variant; legacy otherwise.
 *
 * Returns: 0, or a negative errno (a bad "backend =" key) with
 *	rawtune_last_error() set. Since: 0.2
 */
int rawtune_backend_choose(struct rawtune_ctx *ctx, enum rawtune_backend *backend,
			   const char **why);

/**
 * rawtune_backend_name - "auto", "legacy" or "nft"
 * Returns: the name, or NULL for a value that is not a backend. Since: 0.2
 */
const char *rawtune_backend_name(enum rawtune_backend backend);

/**
 * rawtune_backend_parse - the backend named @name ("auto", "legacy", "nft")
 * @name: the name
 * @backend: set to its value
 * Returns: 0, or -EINVAL for a name that is not a backend's. Since: 0.2
 */
int rawtune_backend_parse(const char *name, enum rawtune_backend *backend);

/**
 * rawtune_last_error - the last failure on @ctx, in one line
 * Returns: the message, or "" when nothing failed yet. Valid until the next
 *	call on @ctx.
 * Since: 0.1
 */
const char *rawtune_last_error(const struct rawtune_ctx *ctx);

/* ---- profiles ----------------------------------------------------------- */

/**
 * rawtune_profile_new - an empty profile
 * @ctx: the context
 * @name: 1 to RAWTUNE_PROFILE_NAME_MAX characters of A-Z a-z 0-9 _ -
 * @profile: where the profile is stored
 *
 * The new profile has no ports, protocol tcp, direction server and both
 * families.
 *
 * Returns: 0, -EINVAL for a bad name, -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_new(struct rawtune_ctx *ctx, const char *name,
			struct rawtune_profile **profile);

/**
 * rawtune_profile_load - look up a profile by name
 * @ctx: the context
 * @name: the profile's name
 * @profile: where a new copy of the profile is stored
 *
 * The file NAME.conf in the profile directory (rawtune_get_profile_dir())
 * comes first; otherwise a built-in profile: web (tcp 80, 443), dns (udp
 * and tcp 53), memcached (tcp and udp 11211), ntp (udp 123), syslog (udp 514).
 *
 * Returns: 0, -EINVAL for a bad name or a broken file (the error names the
 *	file and the line), -ENOENT for an unknown profile, -ENOMEM, or the
 *	errno of a file that exists but cannot be read.
 * Since: 0.1
 */
int rawtune_profile_load(struct rawtune_ctx *ctx, const char *name,
			 struct rawtune_profile **profile);

/**
 * rawtune_profile_ref - take a reference on @profile
 * Returns: @profile.
 * Since: 0.1
 */
struct rawtune_profile *rawtune_profile_ref(struct rawtune_profile *profile);

/**
 * rawtune_profile_unref - drop a reference; the last one frees the profile
 * @profile: a profile, or NULL
 *
 * A profile holds a reference on its context.
 *
 * Returns: NULL when the profile was freed, @profile otherwise.
 * Since: 0.1
 */
struct rawtune_profile *rawtune_profile_unref(struct rawtune_profile *profile);

/**
 * rawtune_profile_set_ports - replace the profile's ports
 * @profile: the profile
 * @list: ports and ranges separated by commas, such as "80", "80,443" or
 *	"8000-8100"; each port is 1 to 65535 and a range runs low-high
 *
 * Overlapping and adjacent entries are merged. On error the profile keeps
 * its ports and rawtune_last_error() names the bad entry.
 *
 * Returns: 0, -EINVAL for a malformed list, -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_set_ports(struct rawtune_profile *profile, const char *list);

/**
 * rawtune_profile_add_ports - add to the profile's ports
 * @profile: the profile
 * @list: a port list as for rawtune_profile_set_ports()
 *
 * The ports already there stay; the new ones are merged in. On error the
 * profile keeps its ports and rawtune_last_error() names the bad entry.
 *
 * Returns: 0, -EINVAL for a malformed list, -ENOMEM.
 * Since: 0.2
 */
int rawtune_profile_add_ports(struct rawtune_profile *profile, const char *list);

/**
 * rawtune_profile_set_protocols - which protocols the profile untracks
 * @protocols: RAWTUNE_PROTO_TCP, RAWTUNE_PROTO_UDP or both, or-ed
 * Returns: 0, or -EINVAL.
 * Since: 0.1
 */
int rawtune_profile_set_protocols(struct rawtune_profile *profile, unsigned int protocols);

/**
 * rawtune_profile_set_direction - server (inbound) or client (outbound)
 * Returns: 0, or -EINVAL.
 * Since: 0.1
 */
int rawtune_profile_set_direction(struct rawtune_profile *profile,
				  enum rawtune_direction direction);

/**
 * rawtune_profile_set_families - IPv4, IPv6 or both
 * Returns: 0, or -EINVAL.
 * Since: 0.1
 */
int rawtune_profile_set_families(struct rawtune_profile *profile, unsigned int families);

/**
 * rawtune_profile_parse - read a profile from the text of a profile file
 * @ctx: the context
 * @name: the profile's name
 * @text: "key = value" lines (see rawtune.conf(5))
 * @source: what error messages call the text, such as its file's path
 * @profile: where the new profile is stored
 *
 * Returns: 0, -EINVAL for a broken text (the error names @source and the
 *	line), -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_parse(struct rawtune_ctx *ctx, const char *name, const char *text,
			  const char *source, struct rawtune_profile **profile);

/**
 * rawtune_profile_set_description - a line of free text about the profile
 *
 * Blanks (spaces, tabs) around @text are dropped, as a profile file drops
 * them, so that rawtune_profile_format() writes what parses back the same.
 *
 * Returns: 0, -EINVAL for text with a line break or another control
 *	character (tabs are fine), -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_set_description(struct rawtune_profile *profile, const char *text);

/**
 * rawtune_profile_set_addresses - narrow the rules to these local addresses
 * @list: IPv4 and IPv6 addresses or networks (ADDR[/PREFIX]) separated by
 *	commas, or "" for any address
 *
 * Inbound rules match them as destination, outbound rules as source. With
 * addresses of one family only, the profile makes no rules for the other.
 *
 * Returns: 0, -EINVAL for a malformed list, -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_set_addresses(struct rawtune_profile *profile, const char *list);

/**
 * rawtune_profile_set_interfaces - narrow the rules to these interfaces
 * @list: interface names separated by commas, or "" for any
 *
 * Inbound rules match them as input, outbound rules as output interface.
 * The loopback rules stay only when the list is empty or names "lo".
 *
 * Returns: 0, -EINVAL for a malformed list, -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_set_interfaces(struct rawtune_profile *profile, const char *list);

/**
 * rawtune_profile_set_forward - also untrack and accept forwarded traffic
 * @forward: non-zero for a router or load balancer that forwards the
 *	profile's traffic without NAT
 * Since: 0.1
 */
void rawtune_profile_set_forward(struct rawtune_profile *profile, int forward);

/**
 * rawtune_profile_set_peers - the far ends of the profile's flows
 * @profile: the profile
 * @list: addresses or prefixes, as for rawtune_profile_set_addresses()
 *
 * Required for client profiles (the servers they reach) and for profiles
 * with forward (the servers the routed clients reach): replies are untracked
 * and accepted only from these addresses.
 *
 * Returns: 0, or -EINVAL for a bad list. Since: 0.2
 */
int rawtune_profile_set_peers(struct rawtune_profile *profile, const char *list);

/**
 * rawtune_profile_get_peers - the peers as a list, "" for none
 * Returns: a string owned by the profile, valid until it changes, or NULL
 *	when memory ran out. Since: 0.2
 */
const char *rawtune_profile_get_peers(const struct rawtune_profile *profile);

/**
 * rawtune_profile_set_owner - the local user whose UDP replies go untracked
 * @profile: the profile
 * @user: a user name or a numeric uid; NULL or "" for none
 *
 * A UDP server on an unprivileged port whose replies the firewall's OUTPUT
 * chain filters: only this user's datagrams from the port leave untracked,
 * so no other local user can send from that port past the firewall.
 *
 * Returns: 0, or -EINVAL for an unknown user. Since: 0.2
 */
int rawtune_profile_set_owner(struct rawtune_profile *profile, const char *user);

/** rawtune_profile_get_owner - the owner as given, "" for none. Since: 0.2 */
const char *rawtune_profile_get_owner(const struct rawtune_profile *profile);

/**
 * rawtune_profile_format - the profile in the profile file format
 * @profile: the profile
 * @text: set to the text (free() it), which rawtune_profile_parse() reads
 *	back as the same profile
 *
 * Returns: 0, -EINVAL for a profile without ports (a profile file needs
 *	them), or -ENOMEM; *@text is NULL on failure. Since: 0.2
 */
int rawtune_profile_format(const struct rawtune_profile *profile, char **text);

/**
 * rawtune_profile_render_nft - what the nf_tables backend would commit, as nft input
 * @profile: the profile (failures are its context's last error)
 * @host: non-zero: judge the profile against this host's firewalls first, as
 *	apply does (CAP_NET_ADMIN); 0: the rules alone, reading nothing
 * @text: set to the text (free() it): the table inet rawtune and its two
 *	base chains, then one "add rule inet rawtune CHAIN ..." line a rule,
 *	which "nft -f" loads
 *
 * Changes nothing.
 *
 * Returns: 0, -EPERM or -EBUSY when apply would refuse (the last error says
 * why), -ENOMEM. Since: 0.2
 */
int rawtune_profile_render_nft(const struct rawtune_profile *profile, int host, char **text);

/**
 * rawtune_profile_render_host - what apply would commit here, as iptables-restore input
 * @profile: the profile; failures are described on its context
 * @family: RAWTUNE_FAMILY_IPV4 or RAWTUNE_FAMILY_IPV6
 * @text: set to the text (free() it): the twins this host's firewall needs
 *	("*filter", "-I CHAIN N ..."), then the raw table as
 *	rawtune_profile_render() gives it; "" when the profile has no rules in
 *	@family
 *
 * Unlike rawtune_profile_render() it reads the family's filter and mangle
 * tables (CAP_NET_ADMIN), and judges the profile as apply does; it changes
 * nothing.
 *
 * Returns: 0, -EPERM when apply would refuse (the last error says why) or
 * without the privilege, -EINVAL for another family, -ENOMEM. Since: 0.2
 */
int rawtune_profile_render_host(const struct rawtune_profile *profile, enum rawtune_family family,
				char **text);

/**
 * rawtune_profile_check - is an applied profile in place as planned?
 * @ctx: the context
 * @name: the profile's name
 *
 * Plans the profile as it was applied against the firewall as it is now
 * (its raw rules and the twins the firewall's own rules need) and compares
 * with the kernel: a firewall reload that took the twins away, a missing
 * jump, or a firewall that changed under the profile are drift. The
 * context's last error says what drifted.
 *
 * Returns: 0 as planned, 1 drift, -ENOENT when the profile is not applied,
 * or another negative errno. Since: 0.2
 */
int rawtune_profile_check(struct rawtune_ctx *ctx, const char *name);

/** rawtune_profile_get_description - the description, "" when none. Since: 0.1 */
const char *rawtune_profile_get_description(const struct rawtune_profile *profile);

/**
 * rawtune_profile_get_addresses - the addresses as a list, "" for any
 * Returns: a string owned by the profile, valid until it changes, or NULL
 *	when memory ran out (never "", which means any address). Since: 0.1
 */
const char *rawtune_profile_get_addresses(const struct rawtune_profile *profile);

/**
 * rawtune_profile_get_interfaces - the interfaces as a list, "" for any
 * Returns: a string owned by the profile, valid until it changes, or NULL
 *	when memory ran out (never "", which means any interface). Since: 0.1
 */
const char *rawtune_profile_get_interfaces(const struct rawtune_profile *profile);

/** rawtune_profile_get_forward - 1 when forwarded traffic is untracked too. Since: 0.1 */
int rawtune_profile_get_forward(const struct rawtune_profile *profile);

/**
 * rawtune_profile_get_source - where the profile came from
 * Returns: "built-in", a file's path, or "" for one made by the program.
 * Since: 0.1
 */
const char *rawtune_profile_get_source(const struct rawtune_profile *profile);

/** rawtune_profile_get_name - the profile's name. Since: 0.1 */
const char *rawtune_profile_get_name(const struct rawtune_profile *profile);

/** rawtune_profile_get_protocols - RAWTUNE_PROTO_* bits. Since: 0.1 */
unsigned int rawtune_profile_get_protocols(const struct rawtune_profile *profile);

/** rawtune_profile_get_direction - server or client. Since: 0.1 */
enum rawtune_direction rawtune_profile_get_direction(const struct rawtune_profile *profile);

/** rawtune_profile_get_families - RAWTUNE_FAMILY_* bits. Since: 0.1 */
unsigned int rawtune_profile_get_families(const struct rawtune_profile *profile);

/**
 * rawtune_profile_get_ports - the ports as a normalised list ("80,443,8000-8100")
 * Returns: a string owned by the profile, valid until it changes ("" for no
 *	ports), or NULL when memory ran out.
 * Since: 0.1
 */
const char *rawtune_profile_get_ports(const struct rawtune_profile *profile);

/** rawtune_profile_has_port - 1 when @port is one of the profile's ports, else 0. Since: 0.1 */
int rawtune_profile_has_port(const struct rawtune_profile *profile, unsigned int port);

/**
 * rawtune_profile_list_read - every profile: the built-ins and the files
 * @ctx: the context
 * @list: where the list is stored, sorted by name
 *
 * A file NAME.conf overrides the built-in profile NAME. Files whose name is
 * not a valid profile name are skipped with a warning, and so is a file
 * that cannot be loaded (an error in it, unreadable, refused: see
 * rawtune.conf(5)), logged at LOG_WARNING with its error; no built-in of
 * its name is listed then, as rawtune_profile_load() would fail on the file.
 * An empty file is no profile (LOG_NOTICE).
 *
 * Returns: 0; a negative errno with the context's error set for a profile
 *	directory that cannot be read or is refused; -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_list_read(struct rawtune_ctx *ctx, struct rawtune_profile_list **list);

/**
 * rawtune_profile_list_applied - the profiles applied in this network namespace
 * @ctx: the context
 * @list: where the list is stored, sorted by name
 *
 * Every profile as its last apply here recorded it (ports, families, as
 * given then), whether or not its rules are still in the kernel: a
 * firewall's reload may have flushed them (nftables.service's "flush
 * ruleset" deletes table inet rawtune). rawtune_profile_check() calls such
 * a profile drifted, rawtune_profile_repair() applies it again. Removed
 * profiles have no record.
 *
 * Returns: 0, or -ENOMEM. Since: 0.2
 */
int rawtune_profile_list_applied(struct rawtune_ctx *ctx, struct rawtune_profile_list **list);

/* ---- following nf_tables' changes -------------------------------------------- */

struct rawtune_nft_watch;

/**
 * rawtune_nft_watch_open - follow the nf_tables commits of this network namespace
 * @ctx: the context
 * @watch: set to the watch (close it with rawtune_nft_watch_close())
 *
 * Every commit to nf_tables (nft -f, a reload of nftables.service, firewalld,
 * iptables-nft) makes a new ruleset generation, which the kernel announces:
 * a repair can run at once when a reload flushed table inet rawtune.
 *
 * Returns: 0, or a negative errno with the last error set. Since: 0.2
 */
int rawtune_nft_watch_open(struct rawtune_ctx *ctx, struct rawtune_nft_watch **watch);

/** rawtune_nft_watch_get_fd - the descriptor to poll for POLLIN. Since: 0.2 */
int rawtune_nft_watch_get_fd(const struct rawtune_nft_watch *watch);

/**
 * rawtune_nft_watch_wait - wait for a new ruleset generation
 * @watch: the watch
 * @timeout_ms: at most this long; -1 without end, 0 not at all
 *
 * Reads every announcement queued.
 *
 * Returns: 1 when the ruleset changed since the last call (also when
 * announcements were lost: changes came faster than read), 0 when not
 * within @timeout_ms, or a negative errno. Since: 0.2
 */
int rawtune_nft_watch_wait(struct rawtune_nft_watch *watch, int timeout_ms);

/** rawtune_nft_watch_close - stop following; NULL is a no-op. Since: 0.2 */
void rawtune_nft_watch_close(struct rawtune_nft_watch *watch);

/** rawtune_profile_list_count - how many profiles the list holds. Since: 0.1 */
unsigned int rawtune_profile_list_count(const struct rawtune_profile_list *list);

/** rawtune_profile_list_get - profile @i, owned by the list. Since: 0.1 */
const struct rawtune_profile *rawtune_profile_list_get(const struct rawtune_profile_list *list,
							unsigned int i);

/** rawtune_profile_list_free - free the list and its profiles. Since: 0.1 */
void rawtune_profile_list_free(struct rawtune_profile_list *list);

/**
 * rawtune_boot_config_read - the profiles to apply at boot, from the boot file
 * @ctx: the context
 * @list: where the list is stored, in the order of the file
 *
 * Reads the file rawtune_get_boot_config() names: "apply = PROFILE" lines,
 * each optionally ending in "ports=LIST", "protocols=LIST" and "family=F"
 * to replace the profile's own (see rawtune.conf(5); the last two since 0.2). Every profile is loaded as rawtune_profile_load() does,
 * so that a mistake anywhere is found before anything is applied. A file
 * without "apply" lines gives an empty list.
 *
 * Returns: 0, -EINVAL for a broken line, an unknown or broken profile, a bad
 *	port list or a profile listed twice (the error names the file and the
 *	line), -ENOENT when the file does not exist, -ENOMEM, or the errno of a
 *	file that cannot be read.
 * Since: 0.1
 */
int rawtune_boot_config_read(struct rawtune_ctx *ctx, struct rawtune_profile_list **list);

/**
 * enum rawtune_boot_config_flags - how rawtune_boot_config_enable() and
 *	rawtune_boot_config_disable() edit the boot file
 * @RAWTUNE_BOOT_CONFIG_DRY_RUN: change nothing, only say whether the file
 *	would change (and fail as the edit would)
 */
enum rawtune_boot_config_flags {
	RAWTUNE_BOOT_CONFIG_DRY_RUN = 1 << 0,
};

/**
 * rawtune_boot_config_enable - list a profile in the boot file, to apply at boot
 * @ctx: the context
 * @name: the profile's name
 * @ports: the ports to apply it with, as for rawtune_profile_set_ports(), or
 *	NULL for its own
 * @protocols: RAWTUNE_PROTO_* bits to apply it with, or 0 for its own
 * @families: RAWTUNE_FAMILY_* bits to apply it with, or 0 for its own
 * @flags: RAWTUNE_BOOT_CONFIG_* bits, or 0
 *
 * The profile's "apply" line in the file rawtune_get_boot_config() names is
 * replaced where it stands, or one is appended; every other line, comments
 * included, stays byte for byte. A line that says the same already stays as
 * written. The new text must read back as rawtune_boot_config_read() reads
 * it (so the profile must exist) before it replaces the file, atomically
 * (a temporary file in the same directory, renamed over it) and with the
 * old file's mode and owner; a missing file is created with mode 0644.
 * Concurrent edits wait for each other. Nothing is applied.
 *
 * Returns: 1 when the file changed, 0 when it listed the profile so already,
 *	-EINVAL for a bad name or port list or a file that would not read back
 *	(the error names the line), or another negative errno.
 * Since: 0.2
 */
int rawtune_boot_config_enable(struct rawtune_ctx *ctx, const char *name, const char *ports,
			       unsigned int protocols, unsigned int families, unsigned int flags);

/**
 * rawtune_boot_config_disable - take a profile out of the boot file
 * @ctx: the context
 * @name: the profile's name
 * @flags: RAWTUNE_BOOT_CONFIG_* bits, or 0
 *
 * Its "apply" lines go, even one that does not parse; everything else stays
 * as in rawtune_boot_config_enable(). Nothing is removed from the kernel.
 *
 * Returns: 1 when the file changed, 0 when it did not list the profile (or
 *	does not exist), -EINVAL for a bad name or a file that would not read
 *	back, or another negative errno.
 * Since: 0.2
 */
int rawtune_boot_config_disable(struct rawtune_ctx *ctx, const char *name, unsigned int flags);

/* ---- applying and removing ---------------------------------------------- */

/**
 * rawtune_profile_render - the profile's rules as iptables-restore input
 * @profile: the profile; failures are described on its context
 * @family: RAWTUNE_FAMILY_IPV4 or RAWTUNE_FAMILY_IPV6
 * @text: where a new string is stored (free() it); "" when the profile has
 *	no rules in @family
 *
 * The text declares rawtune's chains, inserts the jumps at position 1 and
 * appends the rules, one "*table ... COMMIT" block per table: what apply
 * commits when no other profile is applied. "iptables-legacy-restore --test
 * --noflush" accepts it.
 *
 * Returns: 0, -EINVAL, -ENOMEM.
 * Since: 0.1
 */
int rawtune_profile_render(const struct rawtune_profile *profile, enum rawtune_family family,
			   char **text);

struct rawtune_apply_report;

/**
 * rawtune_profile_apply - install the profile's rules in the kernel
 * @profile: the profile; it must have at least one port. Its context says
 *	the backend, the NAT guard and the origin, and gets the last error.
 * @report: if not NULL, set on success to what the apply did (free it
 *	with rawtune_apply_report_free())
 *
 * Makes this profile's rules in the backend that rawtune_backend_choose()
 * names exactly what the profile asks for, leaving every other rule as it
 * was. Legacy: the twins the filter table needs are committed before the
 * raw table's NOTRACK rules, so traffic keeps flowing throughout, all
 * under the xtables lock; when one commit fails, those already made are
 * undone. nf_tables: one batch, which the kernel commits whole or not at
 * all. Nothing is committed when the rules are already in place. The
 * profile is planned once per family: the report says what that plan put
 * in the kernel, so the caller need not plan or render it again.
 *
 * Returns: 0, or a negative errno: -EBUSY when NAT applies to the profile's
 *	traffic (see rawtune_set_nat_guard()), -EPERM without CAP_NET_ADMIN or
 *	without access to the lock file, or when a firewall would treat the
 *	untracked packets differently from tracked ones (the verdict rule: no
 *	override for an nf_tables chain, whose drop rawtune cannot change),
 *	-ETIMEDOUT when the lock stayed busy, -EINVAL for a profile without
 *	ports, -ENOMEM (before anything is changed), or what the kernel
 *	answered.
 * Since: 0.1; @report since 0.2, in place of the counts of added and
 *	removed rules
 */
int rawtune_profile_apply(const struct rawtune_profile *profile,
			  struct rawtune_apply_report **report);

/**
 * rawtune_apply_report_get_added - the rules that rawtune_profile_apply() added
 *
 * Rules of both families and every table: notrack and count rules, the
 * twins in the legacy filter tables. 0 with rawtune_apply_report_get_removed()
 * 0 too: the profile was in place already, nothing was committed.
 * Since: 0.2
 */
unsigned int rawtune_apply_report_get_added(const struct rawtune_apply_report *report);

/**
 * rawtune_apply_report_get_removed - the profile's earlier rules that the apply removed
 * Since: 0.2
 */
unsigned int rawtune_apply_report_get_removed(const struct rawtune_apply_report *report);

/**
 * rawtune_apply_report_get_families - the families that hold the profile's rules now
 *
 * Returns: RAWTUNE_FAMILY_* bits: those of the profile in which its notrack
 *	rules (legacy raw table, or inet rawtune) untrack anything now. A
 *	profile whose addresses (or peers) are all of one family untracks
 *	nothing in the other; 0 when it untracks nothing in its own families.
 * Since: 0.2
 */
unsigned int rawtune_apply_report_get_families(const struct rawtune_apply_report *report);

/**
 * rawtune_apply_report_get_backend - where the apply put the rules
 * Returns: RAWTUNE_BACKEND_LEGACY or RAWTUNE_BACKEND_NFT. Since: 0.2
 */
enum rawtune_backend rawtune_apply_report_get_backend(const struct rawtune_apply_report *report);

/**
 * rawtune_apply_report_free - free a report from rawtune_profile_apply(); takes NULL
 * Since: 0.2
 */
void rawtune_apply_report_free(struct rawtune_apply_report *report);

/**
 * rawtune_profile_remove - delete the rules of the profile named @name
 * @ctx: the context
 * @name: the profile's name
 * @removed: if not NULL, the number of rules removed
 *
 * The raw table is committed before the filter table. rawtune's chains and
 * the jumps to them go once no rule is left in them. Rules that rawtune did
 * not make stay where they are.
 *
 * Returns: 0 (also when nothing was applied), or a negative errno as for
 *	rawtune_profile_apply().
 * Since: 0.1
 */
int rawtune_profile_remove(struct rawtune_ctx *ctx, const char *name, unsigned int *removed);

/**
 * rawtune_remove_all - delete every rule rawtune made, of every profile
 * @ctx: the context
 * @removed: if not NULL, the number of rules removed
 *
 * As rawtune_profile_remove() for all profiles at once.
 * Since: 0.1
 */
int rawtune_remove_all(struct rawtune_ctx *ctx, unsigned int *removed);

/**
 * rawtune_ct_flush_profile - delete the conntrack entries the profile now untracks
 * @profile: the profile; failures are described on its context
 * @deleted: if not NULL, the number of entries deleted
 *
 * Entries of flows that the profile's rules untrack from now on would
 * otherwise stay until they time out. Deletes those of the profile's
 * protocols and ports in its direction (to a local address for a server, from
 * one for a client, any with forward), through ctnetlink, in this network
 * namespace. Entries of NATed flows stay. A profile that names interfaces
 * deletes nothing: entries do not record interfaces.
 *
 * Returns: 0, or a negative errno.
 * Since: 0.1
 */
int rawtune_ct_flush_profile(const struct rawtune_profile *profile, unsigned int *deleted);

/**
 * rawtune_nftables_in_use - do rules live in nf_tables, which iptables-nft shows?
 *
 * rawtune writes the legacy x_tables, which the nf_tables variant of
 * iptables does not list. This tells whether the host's "iptables" command is
 * that variant and nf_tables holds any table, so the caller can say where
 * rawtune's rules are.
 *
 * Returns: 1 or 0.
 * Since: 0.1
 */
int rawtune_nftables_in_use(struct rawtune_ctx *ctx);

/* ---- reading the rules back ---------------------------------------------- */

/**
 * rawtune_rules_read - read rawtune's rules from the kernel
 * @ctx: the context
 * @rules: where the list is stored
 *
 * Reads every rule tagged "rawtune:PROFILE" in rawtune's chains, in both
 * families, with its packet and byte counters. Tables that do not exist yet
 * are not created.
 *
 * Returns: 0, or a negative errno.
 * Since: 0.1
 */
int rawtune_rules_read(struct rawtune_ctx *ctx, struct rawtune_rules **rules);

/** rawtune_rules_count - how many rules the list holds. Since: 0.1 */
unsigned int rawtune_rules_count(const struct rawtune_rules *rules);

/**
 * rawtune_rules_get_backend - which backend holds rule @i
 * Returns: RAWTUNE_BACKEND_LEGACY or RAWTUNE_BACKEND_NFT (0 past the end).
 * Since: 0.2
 */
enum rawtune_backend rawtune_rules_get_backend(const struct rawtune_rules *rules,
					       unsigned int i);

/**
 * rawtune_rules_get_profile - the profile rule @i belongs to
 *
 * The name after "rawtune:" in the rule's comment. Anyone who may change
 * the tables may write that comment, so a name that is not a valid profile
 * name comes with its control characters and backslashes as \xNN: it never
 * splits a line of output. Such a name is never used as a path.
 *
 * Since: 0.1
 */
const char *rawtune_rules_get_profile(const struct rawtune_rules *rules, unsigned int i);

/** rawtune_rules_get_family - RAWTUNE_FAMILY_IPV4 or _IPV6. Since: 0.1 */
enum rawtune_family rawtune_rules_get_family(const struct rawtune_rules *rules, unsigned int i);

/** rawtune_rules_get_table - "raw" or "filter". Since: 0.1 */
const char *rawtune_rules_get_table(const struct rawtune_rules *rules, unsigned int i);

/**
 * rawtune_rules_get_text - the rule as iptables-save prints it
 * ("-A RAWTUNE-PREROUTING -p tcp ... -j CT --notrack"). Since: 0.1
 */
const char *rawtune_rules_get_text(const struct rawtune_rules *rules, unsigned int i);

/** rawtune_rules_get_packets - the rule's packet counter. Since: 0.1 */
uint64_t rawtune_rules_get_packets(const struct rawtune_rules *rules, unsigned int i);

/**
 * rawtune_rules_get_saved - does rule @i count conntrack entries saved?
 *
 * 1 for the rules whose packet counter is the number of new flows that
 * their profile untracked: for TCP a count rule (no target, SYN only) right
 * before the notrack rule that takes the first packet of a flow, for UDP
 * that notrack rule itself (each datagram towards the port; exact for
 * request/response protocols such as DNS). A local client's flows over lo
 * pass raw PREROUTING too and are counted there, once. The sum of their
 * packets over a profile is the entries it saved since its rules were made.
 * Since: 0.1
 */
int rawtune_rules_get_saved(const struct rawtune_rules *rules, unsigned int i);

/**
 * rawtune_rules_get_count_only - does rule @i only count?
 *
 * 1 for a rule without a target (the TCP count rule before a notrack rule):
 * the packets it counts are counted again by the rule after it, so a sum of
 * a profile's packets or bytes that should not count a flow's first packet
 * twice leaves it out. 1 too for a guard, the jump to a profile's own chain
 * (see rawtune(8), RULES): the rules there count its packets again.
 * Since: 0.2
 */
int rawtune_rules_get_count_only(const struct rawtune_rules *rules, unsigned int i);

/**
 * rawtune_rules_get_ports - the ports rule @i matches, as a normalised port
 * list ("80,443"), or "" for a rule without ports (a jump, ICMP). Over all
 * of a profile's rules, the ports it is applied with. Since: 0.1
 */
const char *rawtune_rules_get_ports(const struct rawtune_rules *rules, unsigned int i);

/**
 * rawtune_rules_get_protocol - RAWTUNE_PROTO_TCP or RAWTUNE_PROTO_UDP for a
 * rule with ports, else 0. Since: 0.1
 */
unsigned int rawtune_rules_get_protocol(const struct rawtune_rules *rules, unsigned int i);

/** rawtune_rules_get_bytes - the rule's byte counter. Since: 0.1 */
uint64_t rawtune_rules_get_bytes(const struct rawtune_rules *rules, unsigned int i);

/**
 * rawtune_rules_get_applied - a profile as its rules in the kernel apply it
 * @ctx: the context
 * @rules: a list from rawtune_rules_read()
 * @name: the profile's name
 * @profile: where the new profile is stored (rawtune_profile_unref() it)
 *
 * What the rules of @name untrack, which can differ from the profile's
 * definition ("rawtune apply web --port 8080 -4") or outlive it (a file
 * deleted after apply): the families it has rules in, and the ports,
 * protocols, direction and forward flag of its notrack rules, in the backend
 * of its first rule (a profile left in both after a switch is read from one).
 * Addresses, interfaces and the description are not read back; the source
 * is "".
 *
 * Returns: 0, -ENOENT when @rules holds no rule of @name, -EINVAL for a
 *	name that is not a valid profile name, or another negative errno.
 * Since: 0.1
 */
int rawtune_rules_get_applied(struct rawtune_ctx *ctx, const struct rawtune_rules *rules,
			      const char *name, struct rawtune_profile **profile);

/**
 * rawtune_rules_free - free a list from rawtune_rules_read()
 * @rules: the list, or NULL
 * Since: 0.1
 */
void rawtune_rules_free(struct rawtune_rules *rules);

/* ---- conntrack: occupancy, drops, entries saved, events, top ports ------- */

/*
 * The counters rawtune_ct_stats_read() reads, by index. New counters are
 * added at the end only, so an index never changes meaning.
 */
enum rawtune_ct_stat {
	/* entries in this network namespace's table (nf_conntrack_count) */
	RAWTUNE_CT_STAT_ENTRIES = 0,
	/* the most entries a table may hold (nf_conntrack_max, global) */
	RAWTUNE_CT_STAT_MAX = 1,
	/* the kernel's per-CPU counters, summed over the CPUs: */
	RAWTUNE_CT_STAT_FOUND = 2,
	/* packets that conntrack could not make sense of */
	RAWTUNE_CT_STAT_INVALID = 3,
	RAWTUNE_CT_STAT_INSERT = 4,
	/* an entry lost a race with an equal one (a clash): not lack of room */
	RAWTUNE_CT_STAT_INSERT_FAILED = 5,
	/* packets dropped because the table was full: "table full, dropping packet" */
	RAWTUNE_CT_STAT_DROP = 6,
	/* unassured entries evicted to make room for new ones */
	RAWTUNE_CT_STAT_EARLY_DROP = 7,
	RAWTUNE_CT_STAT_ERROR = 8,
	RAWTUNE_CT_STAT_SEARCH_RESTART = 9,
	RAWTUNE_CT_STAT_CLASH_RESOLVE = 10,
	RAWTUNE_CT_STAT_CHAIN_TOOLONG = 11,
	/* how many counters this header knows: grows with new versions */
	RAWTUNE_CT_STAT_COUNT
};

/* A counter that the kernel (or this library) does not provide. */
#define RAWTUNE_CT_STAT_UNKNOWN UINT64_MAX

/**
 * rawtune_ct_stats_read - occupancy and drop counters of the conntrack table
 * @ctx: the context
 * @values: where the counters are stored, indexed by enum rawtune_ct_stat
 * @n: how many @values has room for, normally RAWTUNE_CT_STAT_COUNT
 *
 * Asks ctnetlink (IPCTNL_MSG_CT_GET_STATS and IPCTNL_MSG_CT_GET_STATS_CPU)
 * about this network namespace: the cost does not grow with the table,
 * which is never walked. The per-CPU counters count since the namespace
 * was created. A counter the kernel does not report, or that this library
 * does not know (an index beyond its RAWTUNE_CT_STAT_COUNT), is set to
 * RAWTUNE_CT_STAT_UNKNOWN.
 *
 * Which counters this library knows, rawtune_ct_stat_name() tells (it
 * names only those).
 *
 * Returns: 0, or a negative errno: -EPERM without CAP_NET_ADMIN,
 *	-EOPNOTSUPP without conntrack in the kernel.
 * Since: 0.1
 */
int rawtune_ct_stats_read(struct rawtune_ctx *ctx, uint64_t *values, unsigned int n);

/**
 * rawtune_ct_stat_name - a counter's name: "entries", "max", "drop", ...
 * Returns: the name, the one "conntrack -S" uses for the per-CPU counters,
 *	or NULL for an index this library does not know.
 * Since: 0.1
 */
const char *rawtune_ct_stat_name(unsigned int stat);

struct rawtune_saved;

/**
 * rawtune_saved_read - the conntrack entries each applied profile saved
 * @ctx: the context
 * @saved: where the list is stored
 *
 * For each profile with rules in the kernel, in the order of its first
 * rule: the sum of the packet counters of the rules that
 * rawtune_rules_get_saved() marks (new flows that were not tracked), and
 * when its rules were made. That time is recorded by
 * rawtune_profile_apply() when it makes all of a profile's rules anew, in
 * /run/rawtune/netns-COOKIE/PROFILE (COOKIE: this network namespace's,
 * which no other namespace ever gets; net-INODE on kernels before 5.14), and
 * deleted by rawtune_profile_remove() and rawtune_remove_all().
 *
 * Returns: 0, or a negative errno as for rawtune_rules_read().
 * Since: 0.1
 */
int rawtune_saved_read(struct rawtune_ctx *ctx, struct rawtune_saved **saved);

/** rawtune_saved_count - how many profiles the list holds. Since: 0.1 */
unsigned int rawtune_saved_count(const struct rawtune_saved *saved);

/** rawtune_saved_get_profile - the name of profile @i. Since: 0.1 */
const char *rawtune_saved_get_profile(const struct rawtune_saved *saved, unsigned int i);

/** rawtune_saved_get_entries - the entries profile @i saved since its rules were made. Since: 0.1 */
uint64_t rawtune_saved_get_entries(const struct rawtune_saved *saved, unsigned int i);

/**
 * rawtune_saved_get_applied - when profile @i was applied
 * Returns: the Unix time in seconds, or -1 when unknown (the rules were not
 *	made by rawtune_profile_apply(), or the state file is gone).
 * Since: 0.1
 */
int64_t rawtune_saved_get_applied(const struct rawtune_saved *saved, unsigned int i);

/** rawtune_saved_free - free a list from rawtune_saved_read(); takes NULL. Since: 0.1 */
void rawtune_saved_free(struct rawtune_saved *saved);

struct rawtune_ct_events;

/**
 * rawtune_ct_events_open - count conntrack entries made and destroyed
 * @ctx: the context; the events object holds a reference on it
 * @events: where the new object is stored
 *
 * Subscribes to this network namespace's conntrack NEW and DESTROY events
 * with a large receive buffer. Nothing is counted until
 * rawtune_ct_events_read().
 *
 * Returns: 0, or a negative errno: -EPERM without CAP_NET_ADMIN.
 * Since: 0.1
 */
int rawtune_ct_events_open(struct rawtune_ctx *ctx, struct rawtune_ct_events **events);

/**
 * rawtune_ct_events_get_fd - the socket, to poll() for readability
 * Since: 0.1
 */
int rawtune_ct_events_get_fd(const struct rawtune_ct_events *events);

/**
 * rawtune_ct_events_read - count the events that arrive within @timeout_ms
 * @events: the events object
 * @timeout_ms: how long to read; 0 reads what is queued and returns
 *
 * When the kernel had to drop events because they came faster than they
 * were read, rawtune_ct_events_get_lost() grows and reading goes on: the
 * counts of new and destroyed entries are then low. The number of entries
 * never depends on events: read it with rawtune_ct_stats_read().
 *
 * Returns: 0 once @timeout_ms passed, -EINTR when a signal interrupted the
 *	wait (the counts so far are kept), or a negative errno.
 * Since: 0.1
 */
int rawtune_ct_events_read(struct rawtune_ct_events *events, unsigned int timeout_ms);

/** rawtune_ct_events_get_new - NEW events counted since the object was opened. Since: 0.1 */
uint64_t rawtune_ct_events_get_new(const struct rawtune_ct_events *events);

/** rawtune_ct_events_get_destroy - DESTROY events counted since it was opened. Since: 0.1 */
uint64_t rawtune_ct_events_get_destroy(const struct rawtune_ct_events *events);

/** rawtune_ct_events_get_lost - events the kernel dropped since it was opened. Since: 0.1 */
uint64_t rawtune_ct_events_get_lost(const struct rawtune_ct_events *events);

/** rawtune_ct_events_close - unsubscribe and free; takes NULL. Since: 0.1 */
void rawtune_ct_events_close(struct rawtune_ct_events *events);

/* Which way a flow goes through this host, seen from its first packet. */
enum rawtune_ct_path {
	RAWTUNE_CT_PATH_IN = 0,      /* to a local address: what a server profile untracks */
	RAWTUNE_CT_PATH_OUT = 1,     /* from a local address: a client profile */
	RAWTUNE_CT_PATH_FORWARD = 2, /* through: a profile with forward */
};

struct rawtune_ct_top;

/**
 * rawtune_ct_top_read - the ports that hold the most conntrack entries
 * @ctx: the context
 * @n: how many ports to keep
 * @top: where the list is stored, the most entries first
 *
 * Walks the whole table once (ctnetlink dump, both families), counting
 * entries by protocol, original destination port and path. For each port
 * kept it also asks whether NAT takes that traffic (see
 * rawtune_ct_top_get_nat()).
 *
 * Returns: 0, or a negative errno: -EPERM without CAP_NET_ADMIN.
 * Since: 0.1
 */
int rawtune_ct_top_read(struct rawtune_ctx *ctx, unsigned int n, struct rawtune_ct_top **top);

/** rawtune_ct_top_count - how many ports the list holds (at most n). Since: 0.1 */
unsigned int rawtune_ct_top_count(const struct rawtune_ct_top *top);

/** rawtune_ct_top_get_total - all the entries the walk saw. Since: 0.1 */
uint64_t rawtune_ct_top_get_total(const struct rawtune_ct_top *top);

/** rawtune_ct_top_get_protocol - the IP protocol number (IPPROTO_TCP, ...). Since: 0.1 */
unsigned int rawtune_ct_top_get_protocol(const struct rawtune_ct_top *top, unsigned int i);

/** rawtune_ct_top_get_port - the destination port, 0 for a protocol without ports. Since: 0.1 */
unsigned int rawtune_ct_top_get_port(const struct rawtune_ct_top *top, unsigned int i);

/** rawtune_ct_top_get_path - in, out or forwarded. Since: 0.1 */
enum rawtune_ct_path rawtune_ct_top_get_path(const struct rawtune_ct_top *top, unsigned int i);

/** rawtune_ct_top_get_entries - the entries of port @i. Since: 0.1 */
uint64_t rawtune_ct_top_get_entries(const struct rawtune_ct_top *top, unsigned int i);

/**
 * rawtune_ct_top_get_nat - does NAT take the traffic of port @i?
 * Returns: 1 when some of its entries were translated or a nat rule could
 *	take its flows (apply would refuse a profile of that port, see
 *	rawtune_set_nat_guard()), 0 when not, -1 when the nat table could not
 *	be read.
 * Since: 0.1
 */
int rawtune_ct_top_get_nat(const struct rawtune_ct_top *top, unsigned int i);

/** rawtune_ct_top_free - free a list from rawtune_ct_top_read(); takes NULL. Since: 0.1 */
void rawtune_ct_top_free(struct rawtune_ct_top *top);

#ifdef __cplusplus
}
#endif

#endif /* RAWTUNE_H */
