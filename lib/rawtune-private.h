/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to librawtune: never installed. */
#ifndef RAWTUNE_PRIVATE_H
#define RAWTUNE_PRIVATE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include "rawtune.h"

#define RAWTUNE_EXPORT __attribute__((visibility("default")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- context.c: logging and errors --------------------------------------- */

void rt_log(struct rawtune_ctx *ctx, int priority, const char *file, int line,
	    const char *fn, const char *format, ...) __attribute__((format(printf, 6, 7)));

#define rt_log_cond(ctx, prio, ...)                                                     \
	do {                                                                            \
		if (rawtune_get_log_priority(ctx) >= (prio))                            \
			rt_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__);   \
	} while (0)

#define rt_dbg(ctx, ...) rt_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define rt_info(ctx, ...) rt_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define rt_notice(ctx, ...) rt_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define rt_warn(ctx, ...) rt_log_cond(ctx, LOG_WARNING, __VA_ARGS__)

/*
 * Record a failure as the context's last error and return @err (a negative
 * errno). The message is not logged: the caller decides what to show.
 */
int rt_fail(struct rawtune_ctx *ctx, int err, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Entry points that can fail start with a clean slate. */
void rt_clear_error(struct rawtune_ctx *ctx);

unsigned int rt_lock_wait(const struct rawtune_ctx *ctx);
/* What rawtune_set_backend() set: AUTO unless the caller chose. */
enum rawtune_backend rt_backend_set(const struct rawtune_ctx *ctx);
/* Did RAWTUNE_BACKEND set it? */
bool rt_backend_from_env(const struct rawtune_ctx *ctx);
enum rawtune_origin rt_origin(const struct rawtune_ctx *ctx);

/*
 * At most @n bytes of @s for an error message: control characters and
 * backslashes as \xNN, so the user's input cannot split the message's line.
 */
const char *rt_printable(const char *s, size_t n, char *buf, size_t len);
#define RT_PRINTABLE_MAX 256

/* ---- model/ports.c: port lists -------------------------------------------------- */

struct rt_port_range {
	uint16_t lo, hi;
};

struct rt_ports {
	size_t n;
	struct rt_port_range *range; /* sorted, disjoint, not adjacent */
};

/* Parse "80,443,8000-8100" into @out (freed with rt_ports_clear). */
int rt_ports_parse(struct rawtune_ctx *ctx, const char *list, struct rt_ports *out);
void rt_ports_clear(struct rt_ports *ports);
/* Print the normalised list; returns the length as snprintf does. */
int rt_ports_format(const struct rt_ports *ports, char *buf, size_t len);

/* ---- model/profile.c --------------------------------------------------------- */

struct rt_addr {
	enum rawtune_family family; /* 0: any address */
	uint8_t prefix;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr; /* host bits cleared, as iptables stores it */
};

struct rt_addrs {
	size_t n;
	struct rt_addr *addr;
};

struct rt_ifaces {
	size_t n;
	char (*name)[IFNAMSIZ];
};

/* ---- model/addrs.c: address and interface lists ---------------------------------- */

int rt_addrs_parse(struct rawtune_ctx *ctx, const char *list, struct rt_addrs *out);
/* "192.0.2.0/24"; returns the length as snprintf does. */
int rt_addr_format(const struct rt_addr *a, char *buf, size_t len);
int rt_ifaces_parse(struct rawtune_ctx *ctx, const char *list, struct rt_ifaces *out);

struct rawtune_profile {
	int refcount;
	char name[RAWTUNE_PROFILE_NAME_MAX + 1];
	char *description;
	char *source; /* "built-in", a file's path, or "" */
	unsigned int protocols;
	enum rawtune_direction direction;
	unsigned int families;
	bool forward;
	struct rt_ports ports;
	struct rt_addrs addrs;
	struct rt_ifaces ifaces;
	/* the far ends: required for client and forward profiles (the verdict rule) */
	struct rt_addrs peers;
	/* the local user whose UDP replies leave untracked; has_owner false: any */
	bool has_owner;
	uint32_t owner;
	char owner_text[64];
	/* caches for the get_* calls that return lists as text */
	char *ports_text, *addrs_text, *ifaces_text, *peers_text;
	struct rawtune_ctx *ctx;
};

bool rt_profile_name_valid(const char *name);
/* 0, or -EINVAL with the context's error naming the rule for names. */
int rt_profile_name_check(struct rawtune_ctx *ctx, const char *name);
int rt_profile_set_source(struct rawtune_profile *p, const char *source);

/* ---- model/profile-file.c: "key = value" files, lists of profiles ---------------- */

/* Cut blanks around @s, and a carriage return at its end, in place. */
char *rt_conf_trim(char *s);
/*
 * The values that profile files and rawtune.conf's apply lines share, with
 * the same words and messages in both: "tcp, udp" into RAWTUNE_PROTO_* bits,
 * "ipv4", "ipv6" or "both" into RAWTUNE_FAMILY_* bits. 0, or -EINVAL with
 * the context's error naming the bad word (the caller adds file and line).
 */
int rt_conf_protocols(struct rawtune_ctx *ctx, const char *value, unsigned int *protos);
int rt_conf_family(struct rawtune_ctx *ctx, const char *value, unsigned int *families);
/* The family's word in those files: "ipv4", "ipv6" or "both". */
const char *rt_conf_family_name(unsigned int families);

/* ---- model/boot-config.c: the boot file's "backend =" key ------------------------- */

/*
 * RAWTUNE_BACKEND_LEGACY or _NFT as the boot file's "backend =" key names
 * it; RAWTUNE_BACKEND_AUTO when the key is absent, "auto", or there is no
 * boot file; a negative errno with the context's error naming file and line
 * for a value that is not a backend or a file that cannot be read.
 */
int rt_boot_config_backend(struct rawtune_ctx *ctx);

/* ---- backend.c: which backend, per network namespace ------------------------- */

/* rawtune_backend_choose(): RAWTUNE_BACKEND_LEGACY or _NFT, or a negative errno. */
int rt_backend_choose(struct rawtune_ctx *ctx, const char **why);
/* Does this namespace hold rawtune's rules in the legacy raw table? (Reads, never creates.) */
bool rt_legacy_has_rules(void);

/* ---- nft/variant.c ------------------------------------------------------------------ */

/* Is the "iptables" in PATH the nf_tables variant (xtables-nft-multi)? */
bool rt_iptables_is_nft(struct rawtune_ctx *ctx);

/* ---- model/conf-file.c: configuration read as a root daemon must ------------------- */

/*
 * Read a text file of at most 64 KiB without NUL bytes into *@text (free()
 * it); @what names the kind of file in the error for one that is not. A
 * link, a FIFO or anything but a regular file is refused, and so, as root,
 * is a file that another user owns or group or others may write: -EPERM
 * with the context's error naming the path and the reason. -ENOENT (no
 * error set) when the file does not exist.
 */
int rt_conf_read(struct rawtune_ctx *ctx, const char *path, const char *what, char **text);
/* The same for @name in the directory @dirfd; @path names it in messages. */
int rt_conf_read_at(struct rawtune_ctx *ctx, int dirfd, const char *name, const char *path,
		    const char *what, char **text);
/*
 * Open the directory @path under the same rules (O_DIRECTORY | O_NOFOLLOW):
 * an fd, -ENOENT when it does not exist, or a negative errno with the
 * context's error set.
 */
int rt_conf_open_dir(struct rawtune_ctx *ctx, const char *path);
/*
 * Serialise the edits of the file at @path: an exclusive flock(2) on its
 * directory, held until the returned fd is closed; a negative errno with the
 * context's error set.
 */
int rt_conf_lock(struct rawtune_ctx *ctx, const char *path);
/*
 * Replace the file at @path with @text as one step: a temporary file in the
 * same directory, given the old file's mode and owner (0644 for a new file),
 * synced and renamed over it, so a reader or a crash sees the old file or
 * the new one, never half of it. 0, or a negative errno with the error set.
 */
int rt_conf_replace(struct rawtune_ctx *ctx, const char *path, const char *text);
struct rawtune_profile_list {
	size_t n, cap;
	struct rawtune_profile **profile;
};

/* Append @p (the list takes the reference), replacing a profile of its name. */
int rt_profile_list_put(struct rawtune_profile_list *list, struct rawtune_profile *p);

/* ---- plan.c: a profile as abstract rules ---------------------------------- */

enum rt_table {
	RT_TABLE_RAW,
	RT_TABLE_FILTER,
	RT_TABLE_COUNT,
};

/* The built-in chain whose RAWTUNE-<hook> chain holds a rule. */
enum rt_hook {
	RT_HOOK_PREROUTING,
	RT_HOOK_INPUT,
	RT_HOOK_FORWARD,
	RT_HOOK_OUTPUT,
	RT_HOOK_COUNT,
};

enum rt_verdict {
	RT_VERDICT_NONE, /* a target rawtune does not make */
	RT_VERDICT_NOTRACK,
	RT_VERDICT_ACCEPT,
	RT_VERDICT_JUMP, /* to RAWTUNE-<hook> from the built-in chain; a guard's to rt_rule.target */
	RT_VERDICT_COUNT, /* no target: the rule only counts (new TCP flows: saved entries) */
};

/* Most ports one rule matches: the multiport match's 15 slots, a range taking two. */
#define RT_RULE_PORT_SLOTS 15
#define RT_COMMENT_MAX 256
#define RT_CHAIN_MAX 29 /* XT_EXTENSION_MAXNAMELEN: 28 characters and NUL */

/* The comment on the jumps, shared by all profiles; a profile's rules carry "rawtune:NAME". */
#define RT_JUMP_COMMENT "rawtune"
#define RT_COMMENT_PREFIX "rawtune:"
#define RT_CHAIN_PREFIX "RAWTUNE-"

/*
 * One rule, the same for both families. Rules are compared with memcmp, so
 * they are always zero-filled before use (rt_rule_init).
 */
struct rt_rule {
	enum rt_table table;
	enum rt_hook hook;
	/*
	 * RAWTUNE_FAMILY_IPV4 or _IPV6 for a rule that exists in one family
	 * only (it names an address, or ICMP); 0 for one that reads the same
	 * in both.
	 */
	enum rawtune_family family;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP; 0 for a jump or ICMP */
	bool pmtu;     /* ICMP fragmentation-needed / ICMPv6 packet-too-big */
	bool dport;    /* ports are destination ports, else source ports */
	bool dst_local; /* -m addrtype --dst-type LOCAL */
	bool dst_not_local; /* -m addrtype ! --dst-type LOCAL */
	/*
	 * Read back with addrtype ahead of the ports, as rawtune wrote it
	 * before: the same rule (rt_rule_equal), which apply writes again in
	 * the order that spares unrelated packets the route lookup.
	 */
	bool old_order;
	bool untracked; /* -m conntrack --ctstate UNTRACKED */
	bool invalid;   /* -m conntrack --ctstate INVALID: ICMP errors about untracked flows */
	bool limited;   /* -m limit: rawtune's rate for those ICMP errors */
	bool syn;       /* -m tcp --tcp-flags FIN,SYN,RST,ACK SYN: the first packet of a flow */
	bool notsyn;    /* ! --syn: every later segment (sport-keyed rules never take a SYN) */
	bool outiface_inv; /* ! -o OUTIFACE */
	bool has_other;    /* the far side's port range: a client's ephemeral ports */
	struct rt_port_range other;
	bool has_owner; /* -m owner --uid-owner OWNER */
	uint32_t owner;
	bool foreign;   /* read from the kernel with parts rawtune does not make */
	struct rt_addr src, dst; /* family 0: any */
	char iniface[IFNAMSIZ];
	char outiface[IFNAMSIZ];
	unsigned int nports;
	struct rt_port_range ports[RT_RULE_PORT_SLOTS];
	char comment[RT_COMMENT_MAX];
	enum rt_verdict verdict;
	/*
	 * A twin read back: its chain and target, which render.c prints as they
	 * are. A raw rule: the profile's own chain it lives in ("" for
	 * RAWTUNE-<hook>), and a guard's jump to that chain (xt/layout.c).
	 */
	char chain[32];
	char target[32];
};

void rt_rule_init(struct rt_rule *r);
bool rt_rule_equal(const struct rt_rule *a, const struct rt_rule *b);
const char *rt_table_name(enum rt_table table);
const char *rt_hook_name(enum rt_hook hook);
/* "RAWTUNE-PREROUTING" */
void rt_hook_chain(enum rt_hook hook, char chain[RT_CHAIN_MAX]);
/* The jump from a built-in chain to RAWTUNE-<hook>. */
void rt_rule_jump(struct rt_rule *r, enum rt_table table, enum rt_hook hook);

struct rt_plan {
	size_t n;
	struct rt_rule *rule;
	/* the profile's families: a rule of both (family 0) is in these only */
	unsigned int families;
};

/* What the plan takes from the host: xt/verdict.c decides it, tests fix it. */
struct rt_plan_env {
	bool loopback; /* untrack a local client's flows too: its path needs nothing */
	struct rt_port_range ephemeral; /* net.ipv4.ip_local_port_range */
};
extern const struct rt_plan_env rt_plan_env_default;

/*
 * All rules of @profile for one table, in order, for both families; empty for
 * a table it does not use (filter: twins are xt/verdict.c's). rt_plan_table()
 * takes rt_plan_env_default.
 */
int rt_plan_table(const struct rawtune_profile *profile, enum rt_table table,
		  struct rt_plan *plan);
int rt_plan_table_env(const struct rawtune_profile *profile, enum rt_table table,
		      const struct rt_plan_env *env, struct rt_plan *plan);
/*
 * Keep what @plan has for @family: drop the rules that belong to the other
 * family only, and every rule when the profile leaves @family out.
 */
void rt_plan_keep_family(struct rt_plan *plan, enum rawtune_family family);
void rt_plan_clear(struct rt_plan *plan);
/*
 * Does @plan (raw) untrack anything in @family: a notrack rule of that family,
 * or of both when the profile takes @family? A profile whose peers or
 * addresses are all of one family untracks nothing in the other: no twins
 * there, nothing to judge, no entries to flush.
 */
bool rt_plan_untracks(const struct rt_plan *plan, enum rawtune_family family);
/*
 * Can @profile untrack the flows of a client on this host (over lo, where
 * their path allows)? A server's, without peers (other hosts), with lo
 * among its interfaces or none named. Where it cannot, nothing on lo needs
 * a twin or a judgement.
 */
bool rt_plan_local_clients(const struct rawtune_profile *profile);
/* The families in which @profile's raw plan untracks anything, 0 for none. */
int rt_plan_families(const struct rawtune_profile *profile, unsigned int *families);

/* ---- xt/render.c: iptables-save text ----------------------------------------- */

/* "-A RAWTUNE-PREROUTING -p tcp ... -j CT --notrack"; returns length as snprintf. */
int rt_rule_render(const struct rt_rule *r, char *buf, size_t len);

/* ---- xt/entry.c: matches and targets, the same for both families -------------- */

/* Large enough for any entry rawtune builds, header included. */
#define RT_ENTRY_MAX 1024

/*
 * Write @r's matches and target to @buf; returns the size of the matches
 * (the target follows) in *@matches_size and the total, or 0 when @len is
 * too small.
 */
size_t rt_entry_build_body(const struct rt_rule *r, uint8_t *buf, size_t len,
			   size_t *matches_size);

/*
 * Decode matches and target of a kernel entry into @r (proto, interfaces
 * are the family's job). @target is libiptc's name of the target ("ACCEPT",
 * "CT", a chain's name).
 */
void rt_entry_decode_body(const uint8_t *matches, size_t matches_size, const uint8_t *target,
			  const char *target_name, struct rt_rule *r);

bool rt_all_zero(const void *p, size_t len);
/*
 * A twin's matches into @buf: the comment "rawtune:PROFILE" of @r first,
 * then the original's @copied matches, then what @r adds (ports, flags,
 * owner, ICMP, limit), the state (UNTRACKED, or INVALID) last. That frame
 * tells rawtune's twins from the admin's rules. Returns the size, 0 when
 * it does not fit.
 */
size_t rt_twin_matches(const struct rt_rule *r, const uint8_t *copied, size_t ncopied,
		       uint8_t *buf, size_t len);
/* Are @matches a twin's frame, of @profile (any profile's when NULL)? */
bool rt_is_twin(const uint8_t *matches, size_t size, const char *profile);
/* Zero what the kernel left after the names of matches and a target laid end to end. */
void rt_ext_scrub(uint8_t *exts, size_t len);
/*
 * Is the xt_entry_match @match "-m conntrack --ctstate UNTRACKED" (or
 * INVALID, the state of ICMP errors about untracked flows) as rawtune
 * writes it?
 */
bool rt_match_is_untracked(const void *match);
void rt_prefix_to_mask(uint8_t *mask, size_t len, unsigned int prefix);
/* The prefix length of a contiguous mask, -1 for another mask. */
int rt_mask_to_prefix(const uint8_t *mask, size_t len);

/* ---- xt/iptc4.c / xt/iptc6.c: one libiptc family ----------------------------------- */
#include "xt/iptc-ops.h"

/* ---- xt/render.c: any kernel entry, as iptables-save prints it (twins) ---- */

int rt_entry_render(const struct rt_family_ops *ops, const rt_entry *entry, const char *chain,
		    const char *target, char *buf, size_t len);

/* Both families, IPv4 first. */
#define RT_FAMILY_COUNT 2
extern const struct rt_family_ops *const rt_families[RT_FAMILY_COUNT];

/* ---- xt/chain.c: reading chains back ------------------------------------------- */

/* Does the family's table exist in this network namespace? (Without creating it.) */
bool rt_table_exists(const struct rt_family_ops *ops, enum rt_table table);
/* The same for any table by name ("mangle", "nat"). */
bool rt_table_name_exists(const struct rt_family_ops *ops, const char *table);
/* Does @table have the built-in chain @hook (raw: PREROUTING, OUTPUT)? */
bool rt_table_has_hook(enum rt_table table, enum rt_hook hook);

struct rt_chain_rule {
	unsigned int pos; /* 0-based */
	const rt_entry *entry;
	struct rt_rule rule;
};

/*
 * Read and decode every rule of @chain (none when it does not exist); the
 * rules get @table and @hook. Returns how many, or -ENOMEM; free *@out.
 */
int rt_chain_read(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_table table,
		  enum rt_hook hook, const char *chain, struct rt_chain_rule **out);
/* rawtune's jumps in a built-in chain. */
struct rt_chain_jumps {
	size_t n;
	unsigned int *pos; /* 0-based, ascending */
};

/*
 * Find rawtune's jumps in the built-in chain @hook of @table without decoding
 * its other rules (there may be tens of thousands), and without walking past
 * the last rule that jumps to RAWTUNE-<hook>. Returns 0 or a negative errno;
 * clear *@out with rt_chain_jumps_clear().
 */
int rt_chain_jumps(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_table table,
		   enum rt_hook hook, struct rt_chain_jumps *out);
void rt_chain_jumps_clear(struct rt_chain_jumps *j);
/* How many rules @chain holds (0 when it does not exist). */
unsigned int rt_chain_length(const struct rt_family_ops *ops, struct xtc_handle *h,
			     const char *chain);
/* Tagged "rawtune:@profile" (any profile when @profile is NULL). */
bool rt_rule_is_profile(const struct rt_rule *r, const char *profile);
/* RAWTUNE-INPUT, -OUTPUT, -FORWARD: rawtune 0.1's chains in filter, never a twin's place. */
bool rt_chain_is_filter_own(const char *chain);
/* rawtune's own jump from a built-in chain to its RAWTUNE chain. */
bool rt_rule_is_jump(const struct rt_rule *r);

/* ---- xt/layout.c: which raw chains a profile's rules go in ----------------------- */

/*
 * Does @p get chains of its own (more ports than one rule's 15 slots)?
 * Then its raw rules go in RAWTUNE-PRE-<NAME> and RAWTUNE-OUT-<NAME>,
 * reached from RAWTUNE-PREROUTING / RAWTUNE-OUTPUT by guards.
 */
bool rt_layout_own_chains(const struct rawtune_profile *p);
/*
 * The chain of @profile's own for @hook: "RAWTUNE-PRE-web"; a name too long
 * for the 28 characters keeps its first 7 and a hash of the whole. False
 * for a hook that has none (a filter hook).
 */
bool rt_layout_chain(enum rt_hook hook, const char *profile, char chain[RT_CHAIN_MAX]);
/* Is @chain a profile's own chain for @hook, by its name? */
bool rt_layout_is_sub_chain(const char *chain, enum rt_hook hook);
/*
 * Lay out @p's raw @plan (one family's, after rt_plan_keep_family): a
 * profile with chains of its own gets its rules' chain set, and one guard
 * per hook, protocol and port side appended. Returns 0 or -ENOMEM.
 */
int rt_layout_apply(const struct rawtune_profile *p, struct rt_plan *plan);
/* A guard: a jump from RAWTUNE-<hook> to a profile's own chain. */
bool rt_rule_is_guard(const struct rt_rule *r);

struct rt_chain_names {
	size_t n;
	char (*name)[RT_CHAIN_MAX];
};

/*
 * The profiles' own chains for @hook that exist in the handle's table:
 * @profile's only, or every profile's when NULL. 0 or -ENOMEM; clear
 * *@out with rt_chain_names_clear().
 */
int rt_layout_sub_chains(const struct rt_family_ops *ops, struct xtc_handle *h, enum rt_hook hook,
			 const char *profile, struct rt_chain_names *out);
void rt_chain_names_clear(struct rt_chain_names *names);

/* ---- xt/natguard.c ------------------------------------------------------------- */

/*
 * -EBUSY, with the context's error naming the rule, when a rule of the
 * family's nat table could take a flow that @profile untracks.
 */
int rt_nat_guard(struct rawtune_ctx *ctx, const struct rawtune_profile *profile,
		 const struct rt_family_ops *ops);
bool rt_nat_guard_enabled(const struct rawtune_ctx *ctx);

/* ---- xt/lock.c -------------------------------------------------------------- */

/* Take the xtables lock within rt_lock_wait(ctx) seconds; returns an fd or -errno. */
int rt_lock_take(struct rawtune_ctx *ctx);
void rt_lock_release(int fd);

/* ---- xt/sync.c: one table of one family ----------------------------------------- */

struct rt_snapshot;

enum rt_sync_mode {
	RT_SYNC_EXACT, /* the profile's rules become exactly the plan */
	RT_SYNC_UNION, /* add what the plan lacks, keep the rest (first half of a swap) */
};

struct rt_counts {
	unsigned int added, removed;
	unsigned int stale; /* after a union: chains that an exact pass would still change */
	unsigned int legacy; /* filter chains of rawtune 0.1 seen (RAWTUNE-INPUT, ...) */
};

/*
 * Make @profile's rules (every profile's with NULL) in one table what @plan says, and commit when that
 * changed anything. With @snap not NULL, *@snap receives what was there
 * before, for rt_sync_restore(), or NULL when nothing was committed.
 * Returns 0, or a negative errno with the context's error set.
 */
int rt_sync_table(struct rawtune_ctx *ctx, const struct rt_family_ops *ops, enum rt_table table,
		  const char *profile, const struct rt_plan *plan, enum rt_sync_mode mode,
		  struct rt_counts *counts, struct rt_snapshot **snap);
/* Would rt_sync_table() change anything? 1 yes, 0 no, or a negative errno. */
int rt_sync_check(struct rawtune_ctx *ctx, const struct rt_family_ops *ops, enum rt_table table,
		  const char *profile, const struct rt_plan *plan);
/* Put the profile's rules of a table back as they were when @snap was taken. */
int rt_sync_restore(struct rawtune_ctx *ctx, const struct rt_snapshot *snap);
void rt_snapshot_free(struct rt_snapshot *snap);

/* ---- host.c: this host's addresses, and NAT of a conntrack entry ---------------- */

struct ifaddrs;
struct nf_conntrack;

/* Does @addr lie within @net/@prefix (both network order, @prefix bits compared)? */
bool rt_prefix_contains(const void *net, unsigned int prefix, const void *addr);

/*
 * An address of this host and the interface that holds it: @prefix is the
 * length of the address (32, 128), or of the prefix that the kernel routes
 * locally with it (an IPv4 address on a loopback device: 127.0.0.0/8).
 */
struct rt_host_addr {
	int af; /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t addr[16]; /* network order, IPv4 in the first 4 bytes */
	char iface[IFNAMSIZ];
};

struct rt_host_addrs {
	size_t n;
	struct rt_host_addr *addr;
};

/* This network namespace's addresses, both families; free with rt_host_addrs_free(). */
int rt_host_addrs_read(struct rawtune_ctx *ctx, struct rt_host_addrs *addrs);
/* The same from a getifaddrs(3) list: 0 or -ENOMEM. */
int rt_host_addrs_from(const struct ifaddrs *list, struct rt_host_addrs *addrs);
/* Is @addr (network order, AF_INET or AF_INET6 @af) one of this host's? */
bool rt_host_addr_is_local(const struct rt_host_addrs *addrs, int af, const void *addr);

/* ---- nat-to.c: where a DNAT or REDIRECT sends a flow ------------------------------ */

/* Ports in host order, addresses in network order. */
struct rt_nat_to {
	bool addrs, ports;             /* which of the two it translates */
	bool addrs_known, ports_known; /* and whether the guard knows to what */
	uint8_t min_addr[16], max_addr[16];
	uint16_t min_port, max_port;
};

/* An xtables DNAT or REDIRECT target's data; false for a layout not known. */
bool rt_nat_to_from_xt(int af, unsigned int revision, const void *data, size_t size,
		       struct rt_nat_to *to);
/*
 * Can it send a flow to the profile's port, at an address whose replies the
 * profile untracks: this host's on a server, a peer's on a client or for
 * forwarding? A translation that keeps the port counts: the caller knows
 * whether the rule's own ports are the profile's.
 */
bool rt_nat_to_lands(const struct rawtune_profile *p, const struct rt_host_addrs *local, int af,
		     bool redirect, const struct rt_nat_to *to);
void rt_host_addrs_free(struct rt_host_addrs *addrs);
/*
 * Did NAT rewrite this flow? Untracked packets skip NAT, so such a flow
 * must stay tracked: top does not advise untracking it, flush keeps it.
 */
bool rt_ct_is_nat(const struct nf_conntrack *ct);

#endif /* RAWTUNE_PRIVATE_H */
