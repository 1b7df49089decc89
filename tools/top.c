// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune top: the ports that hold the most conntrack entries and, for each
 * one a profile could untrack, the command that would: a profile whose
 * ports hold it (built-in ones first), else a profile file to write. A
 * port that NAT takes gets none: untracked, its packets would skip NAT.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"

#define TOP_DEFAULT 10
/* where "UNTRACK WITH" starts, for the warnings under it */
#define TOP_ADVICE_COLUMN 37

const char top_usage[] =
	"Usage: rawtune top [--count N] [--json]\n"
	"Show the ports whose flows hold the most conntrack entries, by protocol,\n"
	"destination port and path (in: to this host, out: from it, fwd: through\n"
	"it), and for each one a profile could untrack, the command that would do\n"
	"it; none, and a warning, where NAT takes that traffic, which untracked\n"
	"packets would skip. Walks the whole table once.\n"
	"\n"
	"  -c, --count N         show N ports (default 10)\n" TOOL_HELP_JSON
		TOOL_HELP_HELP;

struct advice {
	const char *profile; /* an existing profile that covers the port */
	char name[RAWTUNE_PROFILE_NAME_MAX + 1]; /* else a profile file to write */
	char file[PATH_MAX];
	char text[96];
	char command[1024]; /* an applied profile's ports are in it too */
};

/* What advice is drawn from, and what it must keep: the profiles applied. */
struct top_state {
	const struct rawtune_profile_list *list;
	const struct rawtune_rules *rules; /* NULL: could not be read */
};

static const char *proto_name(unsigned int proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_DCCP:
		return "dccp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_GRE:
		return "gre";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

static const char *path_name(enum rawtune_ct_path path)
{
	return path == RAWTUNE_CT_PATH_OUT	 ? "out"
	       : path == RAWTUNE_CT_PATH_FORWARD ? "fwd"
						 : "in";
}

/* Would @p, applied as it is, untrack this port's flows? */
static bool covers(const struct rawtune_profile *p, unsigned int proto, unsigned int port,
		   enum rawtune_ct_path path)
{
	unsigned int bit = proto == IPPROTO_TCP ? RAWTUNE_PROTO_TCP : RAWTUNE_PROTO_UDP;
	bool client = rawtune_profile_get_direction(p) == RAWTUNE_DIRECTION_CLIENT;
	const char *addrs, *ifaces;

	if (!(rawtune_profile_get_protocols(p) & bit))
		return false;
	if (client != (path == RAWTUNE_CT_PATH_OUT))
		return false;
	if (path == RAWTUNE_CT_PATH_FORWARD && !rawtune_profile_get_forward(p))
		return false;
	/* narrowed to addresses or interfaces (or cannot tell): maybe not these flows */
	addrs = rawtune_profile_get_addresses(p);
	ifaces = rawtune_profile_get_interfaces(p);
	if (!addrs || !ifaces || addrs[0] || ifaces[0])
		return false;
	return rawtune_profile_has_port(p, port);
}

static const struct rawtune_profile *find_profile(const struct rawtune_profile_list *list,
						  unsigned int proto, unsigned int port,
						  enum rawtune_ct_path path)
{
	/* built-in profiles first, then files */
	for (int builtin = 1; list && builtin >= 0; builtin--)
		for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++) {
			const struct rawtune_profile *p =
				rawtune_profile_list_get(list, i);
			bool is_builtin =
				strcmp(rawtune_profile_get_source(p), "built-in") == 0;

			if (is_builtin == (builtin == 1) && covers(p, proto, port, path))
				return p;
		}
	return NULL;
}

/*
 * The ports of the applied profile @name joined with @port, normalised, in
 * @ports, and its protocols with @bit (RAWTUNE_PROTO_*) in *@protos: what
 * "apply NAME --port" must name to add the port and drop nothing.
 * 0 when @name is not applied, 1 when it is, or a negative errno.
 */
static int applied_with(struct rawtune_ctx *ctx, const struct rawtune_rules *rules,
			const char *name, unsigned int bit, unsigned int port, char *ports,
			size_t len, unsigned int *protos)
{
	struct rawtune_profile *joined;
	const char *merged;
	char *list = NULL, number[8];
	int err = 0;

	*protos = bit;
	for (unsigned int i = 0; rules && i < rawtune_rules_count(rules) && err == 0; i++) {
		if (strcmp(rawtune_rules_get_profile(rules, i), name) != 0 ||
		    !rawtune_rules_get_protocol(rules, i))
			continue;
		*protos |= rawtune_rules_get_protocol(rules, i);
		err = tool_list_append(&list, rawtune_rules_get_ports(rules, i));
	}
	if (err < 0 || !list) {
		free(list);
		return err;
	}
	snprintf(number, sizeof(number), "%u", port);
	err = tool_list_append(&list, number);
	/* the library sorts and merges the list, as apply would */
	if (err == 0)
		err = rawtune_profile_new(ctx, name, &joined);
	if (err == 0) {
		err = rawtune_profile_set_ports(joined, list);
		merged = err == 0 ? rawtune_profile_get_ports(joined) : NULL;
		if (err == 0 && !merged)
			err = -ENOMEM;
		if (err == 0 && (size_t)snprintf(ports, len, "%s", merged) >= len)
			err = -ENOSPC;
		rawtune_profile_unref(joined);
	}
	free(list);
	return err < 0 ? err : 1;
}

/*
 * "rawtune apply web --port 80,443": the port seen, and the ports and
 * protocols the profile is applied with, which a bare "--port 443" would
 * take away. False when that cannot be worked out.
 */
static bool profile_command(struct rawtune_ctx *ctx, const struct top_state *st,
			    const struct rawtune_profile *p, unsigned int proto,
			    unsigned int port, struct advice *a)
{
	unsigned int bit = proto == IPPROTO_TCP ? RAWTUNE_PROTO_TCP : RAWTUNE_PROTO_UDP;
	char ports[sizeof(a->command) - 64], protos[24] = "";
	unsigned int applied_protos;
	int applied = applied_with(ctx, st->rules, a->profile, bit, port, ports, sizeof(ports),
				   &applied_protos);

	if (applied < 0)
		return false;
	if (!applied)
		snprintf(ports, sizeof(ports), "%u", port);
	if (applied && applied_protos != rawtune_profile_get_protocols(p)) {
		strcpy(protos, " --proto ");
		tool_protos_text(applied_protos, ",", protos + strlen(protos),
				 sizeof(protos) - strlen(protos));
	}
	snprintf(a->command, sizeof(a->command), "rawtune apply %s --port %s%s", a->profile,
		 ports, protos);
	return true;
}

/* The protocols that profiles untrack. */
static bool untrackable(unsigned int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/*
 * false when no profile can untrack this protocol, or NAT takes the port
 * (@nat 1): untracked, its packets would skip NAT and the flows break, and
 * apply refuses such a profile. A nat table that could not be read (-1)
 * leaves the advice, with the warning to check.
 */
static bool advise(struct rawtune_ctx *ctx, const struct top_state *st, unsigned int proto,
		   unsigned int port, enum rawtune_ct_path path, int nat, struct advice *a)
{
	const struct rawtune_profile *p;
	static const char *const suffix[] = { "", "-out", "-fwd" };
	static const char *const key[] = { "", "direction = client\n",
					   "forward = yes\n" };

	memset(a, 0, sizeof(*a));
	if (!untrackable(proto) || nat == 1)
		return false;
	p = find_profile(st->list, proto, port, path);
	if (p) {
		a->profile = rawtune_profile_get_name(p);
		return profile_command(ctx, st, p, proto, port, a);
	}
	snprintf(a->name, sizeof(a->name), "%s-%u%s",
		 proto == IPPROTO_TCP ? "tcp" : "udp", port, suffix[path]);
	snprintf(a->file, sizeof(a->file), "%s/%s.conf", rawtune_get_profile_dir(ctx),
		 a->name);
	snprintf(a->text, sizeof(a->text), "ports = %u\nprotocols = %s\n%s", port,
		 proto == IPPROTO_TCP ? "tcp" : "udp", key[path]);
	snprintf(a->command, sizeof(a->command), "rawtune apply %s", a->name);
	return true;
}

/* The file's lines on one line, for people: "ports = 80, protocols = tcp". */
static void text_inline(const char *text, char *buf, size_t len)
{
	size_t used = 0;

	for (; *text && used + 3 < len; text++) {
		if (*text != '\n')
			buf[used++] = *text;
		else if (text[1]) {
			buf[used++] = ';';
			buf[used++] = ' ';
		}
	}
	buf[used] = '\0';
}

static unsigned int share(uint64_t part, uint64_t total)
{
	return total ? (unsigned int)((part * 1000 + total / 2) / total) : 0;
}

static void print_people(struct rawtune_ctx *ctx, const struct rawtune_ct_top *top,
			 const struct top_state *st)
{
	uint64_t total = rawtune_ct_top_get_total(top);
	unsigned int n = rawtune_ct_top_count(top);

	printf("%" PRIu64 " conntrack %s\n", total, total == 1 ? "entry" : "entries");
	if (n == 0)
		return;
	printf("%-7s %5s %-4s %9s %6s  %s\n", "PROTO", "PORT", "PATH", "ENTRIES", "SHARE",
	       "UNTRACK WITH");
	for (unsigned int i = 0; i < n; i++) {
		unsigned int proto = rawtune_ct_top_get_protocol(top, i);
		unsigned int port = rawtune_ct_top_get_port(top, i);
		enum rawtune_ct_path path = rawtune_ct_top_get_path(top, i);
		unsigned int pct = share(rawtune_ct_top_get_entries(top, i), total);
		int nat = rawtune_ct_top_get_nat(top, i);
		char pbuf[8], pcts[16], text[96];
		struct advice a;

		snprintf(pcts, sizeof(pcts), "%u.%u%%", pct / 10, pct % 10);
		printf("%-7s %5u %-4s %9" PRIu64 " %6s  ", proto_name(proto, pbuf, sizeof(pbuf)),
		       port, path_name(path), rawtune_ct_top_get_entries(top, i), pcts);
		if (!advise(ctx, st, proto, port, path, nat, &a)) {
			printf("-\n");
		} else if (a.profile) {
			printf("%s\n", a.command);
		} else {
			text_inline(a.text, text, sizeof(text));
			printf("%s, after writing %s: %s\n", a.command, a.file, text);
		}
		if (!untrackable(proto))
			continue;
		if (nat == 1)
			printf("%*swarning: NAT takes this traffic: untracked, it would skip "
			       "NAT and break, so it stays tracked (apply refuses)\n",
			       TOP_ADVICE_COLUMN, "");
		else if (nat < 0)
			printf("%*swarning: could not read the nat table: check for NAT first\n",
			       TOP_ADVICE_COLUMN, "");
	}
}

static void print_json(struct rawtune_ctx *ctx, const struct rawtune_ct_top *top,
		       const struct top_state *st)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_uint(&j, "total", rawtune_ct_top_get_total(top));
	json_array_begin(&j, "ports");
	for (unsigned int i = 0; i < rawtune_ct_top_count(top); i++) {
		unsigned int proto = rawtune_ct_top_get_protocol(top, i);
		unsigned int port = rawtune_ct_top_get_port(top, i);
		enum rawtune_ct_path path = rawtune_ct_top_get_path(top, i);
		int nat = rawtune_ct_top_get_nat(top, i);
		bool can = false;
		struct advice a;
		char pbuf[8];

		json_object_begin(&j, NULL);
		json_string(&j, "protocol", proto_name(proto, pbuf, sizeof(pbuf)));
		json_uint(&j, "port", port);
		json_string(&j, "path", path_name(path));
		json_uint(&j, "entries", rawtune_ct_top_get_entries(top, i));
		if (nat < 0)
			json_null(&j, "nat");
		else
			json_bool(&j, "nat", nat);
		can = advise(ctx, st, proto, port, path, nat, &a);
		if (!can) {
			json_null(&j, "profile");
			json_null(&j, "profile_file");
			json_null(&j, "profile_text");
			json_null(&j, "command");
		} else {
			json_string(&j, "profile", a.profile ? a.profile : a.name);
			if (a.profile) {
				json_null(&j, "profile_file");
				json_null(&j, "profile_text");
			} else {
				json_string(&j, "profile_file", a.file);
				json_string(&j, "profile_text", a.text);
			}
			json_string(&j, "command", a.command);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
}

static int parse_options(int argc, char *argv[], unsigned int *count, bool *json)
{
	static const struct option options[] = {
		{ "count", required_argument, NULL, 'c' },
		TOOL_OPTION_JSON,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!tool_parse_number(optarg, 1, 65536, count))
				return tool_usage_error("top", "bad --count '%s': give 1 to 65536",
							tool_shown(optarg));
			break;
		case TOOL_OPT_JSON:
			*json = true;
			break;
		case 'h':
			return RT_HELP;
		default:
			return tool_bad_option("top", opt, argv);
		}
	}
	return tool_operand("top", argc, argv, NULL, NULL);
}

int cmd_top(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct rawtune_profile_list *list = NULL;
	struct rawtune_rules *rules = NULL;
	struct rawtune_ct_top *top;
	struct top_state st;
	unsigned int count = TOP_DEFAULT;
	bool json = false;
	int err, status;

	status = parse_options(argc, argv, &count, &json);
	if (status)
		return status;
	err = rawtune_ct_top_read(ctx, count, &top);
	if (err < 0)
		return tool_lib_error(ctx, "top", err);
	/* a broken profile file costs only its advice */
	err = rawtune_profile_list_read(ctx, &list);
	if (err < 0) {
		tool_warning("advice without the profile files: %s",
			     tool_lib_message(ctx, err));
		list = NULL;
	}
	err = rawtune_rules_read(ctx, &rules);
	if (err < 0) {
		tool_warning("advice without the applied rules, check 'rawtune status' first: %s",
			     tool_lib_message(ctx, err));
		rules = NULL;
	}
	st = (struct top_state){ .list = list, .rules = rules };
	if (json)
		print_json(ctx, top, &st);
	else
		print_people(ctx, top, &st);
	rawtune_rules_free(rules);
	rawtune_profile_list_free(list);
	rawtune_ct_top_free(top);
	return RT_EXIT_OK;
}
