// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune apply PROFILE [--port LIST | --add-port LIST] [--proto LIST] [-4|-6]
 *		 [--dry-run] [--force] [--quiet|--json] [--wait SECONDS]
 * rawtune apply --name NAME --port LIST [--proto LIST] [-4|-6] ...
 * rawtune apply --all [--dry-run] [--force] [--quiet|--json] [--wait SECONDS]
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/tool.h"

/* What the command line changes in the profile, and how to apply it. */
struct apply_args {
	char *ports;	 /* every --port joined */
	char *add_ports; /* every --add-port joined */
	const char *name; /* --name: a profile made on the command line */
	unsigned int protos, families;
	bool dry_run, all, quiet, json;
};

const char apply_usage[] =
	"Usage: rawtune apply PROFILE [--port LIST | --add-port LIST] [--proto LIST]\n"
	"                     [-4|-6] [--dry-run] [--force] [--quiet|--json]\n"
	"                     [--wait SECONDS]\n"
	"       rawtune apply --name NAME --port LIST [--proto LIST] [-4|-6] [OPTIONS]\n"
	"       rawtune apply --all [--dry-run] [--force] [--quiet|--json] [--wait SECONDS]\n"
	"Install the profile's rules: NOTRACK in the raw table and the matching\n"
	"UNTRACKED accepts in the filter table. Applying again with other ports\n"
	"replaces the profile's rules; applying the same profile twice changes nothing.\n"
	"After a change, the conntrack entries of the flows that are untracked from\n"
	"now on are deleted. With --all, every profile that rawtune.conf lists, in its\n"
	"order, as at boot.\n"
	"\n"
	"  -a, --all             apply the profiles of rawtune.conf, with its ports\n"
	"  -p, --port LIST       untrack these ports instead of the profile's own:\n"
	"                        80, 80,443 or 8000-8100 (1-65535); repeated, the\n"
	"                        lists add up\n"
	"      --add-port LIST   add these ports to those the profile is applied with\n"
	"                        now (read from the kernel), keeping its protocols\n"
	"                        and families as applied\n"
	"      --name NAME       apply a profile made here, without a file: tcp,\n"
	"                        server, both families, the ports of --port; NAME\n"
	"                        must not be a built-in profile or a profile file's\n"
	"  -P, --proto LIST      untrack these protocols instead of the profile's own:\n"
	"                        tcp, udp or tcp,udp; repeated, they add up\n"
	"  -4, --ipv4            IPv4 only (the profile's IPv6 rules are removed)\n"
	"  -6, --ipv6            IPv6 only (the profile's IPv4 rules are removed)\n"
	"  -n, --dry-run         print the rules as iptables-restore input, a block\n"
	"                        per family, and change nothing\n"
	"  -f, --force           apply even where a nat table rule (DNAT, REDIRECT,\n"
	"                        SNAT, MASQUERADE) could take this traffic: untracked\n"
	"                        packets skip NAT, so that rule stops working for it\n"
	TOOL_HELP_QUIET
	"  -j, --json            say what changed in JSON, a line per profile\n"
	"                        (fields in rawtune(8))\n" TOOL_HELP_WAIT TOOL_HELP_HELP
	"\nThe profiles: 'rawtune profiles'; one in full: 'rawtune show PROFILE'.\n";

/*
 * Would the profile make rules in @family at all? Asked before apply, and
 * only for -4 or -6, which must not take the rules of the other family away
 * for nothing; what apply made, its report says.
 */
static bool makes_rules(const struct rawtune_profile *p, enum rawtune_family family)
{
	const char *addrs = rawtune_profile_get_addresses(p);
	const char *peers = rawtune_profile_get_peers(p);
	char *text;
	bool any;

	/* only addresses and peers can leave a family out: without them, no need to render */
	if (addrs && !addrs[0] && peers && !peers[0])
		return true;
	/* cannot tell (out of memory): apply as the profile asks */
	if (rawtune_profile_render(p, family, &text) < 0)
		return true;
	any = text[0] != '\0';
	free(text);
	return any;
}

/* Why a family has no rules: what of the profile names only the other one. */
static const char *other_family(const struct rawtune_profile *p)
{
	const char *addrs = rawtune_profile_get_addresses(p);
	const char *peers = rawtune_profile_get_peers(p);
	bool by_addrs = addrs && addrs[0], by_peers = peers && peers[0];

	if (by_addrs && by_peers)
		return "its addresses and peers meet in the other family only";
	if (by_peers)
		return "its peers are all of the other family";
	return "its addresses are all of the other family";
}

/* The command line's changes to the profile; an exit status. */
static int apply_args_set(struct rawtune_ctx *ctx, struct rawtune_profile *p,
			  const struct apply_args *args)
{
	int err = 0;

	if (args->ports)
		err = rawtune_profile_set_ports(p, args->ports);
	if (err == 0 && args->protos)
		err = rawtune_profile_set_protocols(p, args->protos);
	if (err == 0 && args->families)
		err = rawtune_profile_set_families(p, args->families);
	if (err < 0)
		return tool_input_error(ctx, rawtune_profile_get_name(p), err);
	/* -6 on addresses or peers of IPv4 only would untrack nothing and take the IPv4 rules away */
	if (args->families && !makes_rules(p, args->families))
		return tool_usage_error("apply", "%s: %s: %s, so it would make no rules (and "
					"remove those applied)", rawtune_profile_get_name(p),
					args->families == RAWTUNE_FAMILY_IPV4 ? "-4" : "-6",
					other_family(p));
	return RT_EXIT_OK;
}

/*
 * --name: a profile made on the command line. A name that a built-in or a
 * file holds stays that profile's: its rules and the one-off's would share
 * their comment, and each apply of one would replace the other's.
 */
static int apply_new(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **p)
{
	struct rawtune_profile *known;
	int err, status;

	err = rawtune_profile_new(ctx, name, p);
	if (err < 0)
		return tool_input_error(ctx, "apply --name", err);
	err = rawtune_profile_load(ctx, name, &known);
	if (err == -ENOENT)
		return RT_EXIT_OK;
	if (err == 0) {
		tool_error("--name %s: there is a profile of that name (%s): apply it as "
			   "'rawtune apply %s', or choose another name",
			   name, rawtune_profile_get_source(known), name);
		rawtune_profile_unref(known);
		status = RT_EXIT_USAGE;
	} else {
		status = tool_input_error(ctx, name, err);
	}
	*p = rawtune_profile_unref(*p);
	return status;
}

/*
 * --add-port: start from the ports, protocols and families the kernel
 * applies the profile with now, so that an earlier --port, --proto or -4
 * is kept rather than undone by the profile's own definition.
 */
static int apply_as_now(struct rawtune_ctx *ctx, struct rawtune_profile *p,
			const struct apply_args *args)
{
	const char *name = rawtune_profile_get_name(p);
	struct rawtune_profile *now;
	struct rawtune_rules *rules;
	const char *ports;
	int err;

	err = rawtune_rules_read(ctx, &rules);
	if (err < 0)
		return tool_lib_error(ctx, name, err);
	err = rawtune_rules_get_applied(ctx, rules, name, &now);
	rawtune_rules_free(rules);
	if (err == -ENOENT) {
		tool_error("%s: not applied, so --add-port has nothing to add to: give --port",
			   name);
		return RT_EXIT_FAILURE;
	}
	if (err < 0)
		return tool_lib_error(ctx, name, err);
	ports = rawtune_profile_get_ports(now);
	err = ports ? rawtune_profile_set_ports(p, ports) : -ENOMEM;
	if (err == 0 && !args->protos)
		err = rawtune_profile_set_protocols(p, rawtune_profile_get_protocols(now));
	if (err == 0 && !args->families)
		err = rawtune_profile_set_families(p, rawtune_profile_get_families(now));
	rawtune_profile_unref(now);
	if (err == 0)
		err = rawtune_profile_add_ports(p, args->add_ports);
	return err < 0 ? tool_input_error(ctx, name, err) : RT_EXIT_OK;
}

static const enum rawtune_family apply_families[] = { RAWTUNE_FAMILY_IPV4, RAWTUNE_FAMILY_IPV6 };

/*
 * The rules that apply would commit, for reading or for iptables-restore:
 * "# ipv4" and "# ipv6" comment lines head the families' blocks, which
 * iptables-restore skips. Pure computation: no lock, no kernel.
 */
static int apply_dry_run(struct rawtune_ctx *ctx, const struct rawtune_profile *p)
{
	const char *name = rawtune_profile_get_name(p);
	enum rawtune_backend backend;
	int err = rawtune_backend_choose(ctx, &backend, NULL);

	if (err < 0)
		return tool_lib_error(ctx, name, err);
	/* nft input, which "nft -f" loads: both families in one table */
	if (backend == RAWTUNE_BACKEND_NFT) {
		char *text;

		err = rawtune_profile_render_nft(p, geteuid() == 0, &text);

		if (err < 0)
			return tool_lib_error(ctx, name, err);
		fputs(text, stdout);
		free(text);
		return RT_EXIT_OK;
	}

	for (size_t i = 0; i < sizeof(apply_families) / sizeof(apply_families[0]); i++) {
		char *text;

		if (!(rawtune_profile_get_families(p) & apply_families[i]))
			continue;
		/* root sees the twins its firewall needs; others the raw rules alone */
		err = geteuid() == 0 ? rawtune_profile_render_host(p, apply_families[i], &text)
				     : rawtune_profile_render(p, apply_families[i], &text);
		if (err < 0)
			return tool_lib_error(ctx, name, err);
		/* a family without rules, as with addresses of the other family only */
		if (text[0])
			printf("# %s\n%s", tool_families(apply_families[i]), text);
		free(text);
	}
	return RT_EXIT_OK;
}

void tool_note_nftables(struct rawtune_ctx *ctx, bool quiet)
{
	/* rawtune's legacy rules are invisible to the nf_tables variant's "iptables -L" */
	enum rawtune_backend backend;

	if (!quiet && rawtune_backend_choose(ctx, &backend, NULL) == 0 &&
	    backend == RAWTUNE_BACKEND_LEGACY && rawtune_nftables_in_use(ctx) == 1)
		fputs("rawtune: note: this host's iptables is the nf_tables variant; "
		      "rawtune's rules are in the legacy tables: see them with "
		      "'iptables-legacy -t raw -L' or 'rawtune status'\n",
		      stderr);
}

/*
 * "web: 16 rules added, ipv4+ipv6; 30 conntrack entries deleted", naming
 * the families that have rules now.
 */
void tool_applied_say(const struct rawtune_profile *p, const struct tool_applied *r)
{
	const char *name = rawtune_profile_get_name(p);
	const char *fams = tool_families(r->ruled);

	if (!r->ruled) {
		printf("%s: no rules in %s: %s", name,
		       tool_families(rawtune_profile_get_families(p)), other_family(p));
		if (r->removed)
			printf("; %u %s removed", r->removed, tool_rules(r->removed));
		printf("\n");
		return;
	}
	if (!r->added && !r->removed) {
		printf("%s: already applied (%s), nothing changed\n", name, fams);
		return;
	}
	printf("%s: %u %s added, ", name, r->added, tool_rules(r->added));
	if (r->removed)
		printf("%u removed, ", r->removed);
	printf("%s", fams);
	if (r->deleted)
		printf("; %u conntrack %s deleted", r->deleted, r->deleted == 1 ? "entry" : "entries");
	printf("\n");
}

/* The members of tool_applied_say()'s line for programs. */
void tool_applied_json(struct json *j, const struct rawtune_profile *p,
		       const struct tool_applied *r)
{
	json_string(j, "profile", rawtune_profile_get_name(p));
	json_bool(j, "changed", r->added || r->removed);
	json_uint(j, "added", r->added);
	json_uint(j, "removed", r->removed);
	json_families(j, "families", r->ruled);
	json_uint(j, "conntrack_deleted", r->deleted);
}

void tool_applied_warn(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
		       const struct tool_applied *r)
{
	/* the warning after the line that says the rules are in */
	fflush(stdout);
	if (r->flush_err < 0)
		tool_warning("%s: the rules are in, but the old conntrack entries stay: %s",
			     rawtune_profile_get_name(p), tool_lib_message(ctx, r->flush_err));
}

/*
 * After a change, flows that were tracked before would keep their entries
 * until they time out: delete them, so the table reflects the rules now.
 * A failure is only a warning: the rules are in, the entries expire anyway.
 */
int tool_apply(struct rawtune_ctx *ctx, const struct rawtune_profile *p, struct tool_applied *r)
{
	struct rawtune_apply_report *report;
	int err;

	*r = (struct tool_applied){ 0 };
	err = rawtune_profile_apply(p, &report);
	if (err < 0)
		return tool_lib_error(ctx, rawtune_profile_get_name(p), err);
	r->added = rawtune_apply_report_get_added(report);
	r->removed = rawtune_apply_report_get_removed(report);
	r->ruled = rawtune_apply_report_get_families(report);
	rawtune_apply_report_free(report);
	if (r->added || r->removed)
		r->flush_err = rawtune_ct_flush_profile(p, &r->deleted);
	return RT_EXIT_OK;
}

static int apply_profile(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			 const struct apply_args *args)
{
	struct tool_applied r;
	int status = tool_apply(ctx, p, &r);
	struct json j;

	if (status)
		return status;
	if (args->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		tool_applied_json(&j, p, &r);
		json_object_end(&j);
	} else if (!args->quiet) {
		tool_applied_say(p, &r);
	}
	tool_applied_warn(ctx, p, &r);
	return RT_EXIT_OK;
}

/* Long only: each short option means one thing in every command. */
enum { APPLY_OPT_ADD_PORT = 0x100, APPLY_OPT_NAME };

/* The options that go together, once all are read: 0, or RT_EXIT_USAGE after the error. */
static int apply_options_check(const struct apply_args *args)
{
	if (args->families == RAWTUNE_FAMILY_BOTH)
		return tool_usage_error("apply",
					"-4 and -6 exclude each other (give neither for both)");
	if (args->json && (args->dry_run || args->quiet))
		return tool_usage_error("apply", "--json excludes --dry-run and --quiet");
	if (args->all && (args->ports || args->add_ports || args->protos || args->families ||
			  args->name))
		return tool_usage_error("apply", "--all applies the profiles as rawtune.conf "
					"lists them: no --port, --add-port, --name, --proto, "
					"-4 or -6");
	if (args->ports && args->add_ports)
		return tool_usage_error("apply", "--port replaces the ports, --add-port adds "
					"to them: give one");
	if (args->name && !args->ports && !args->add_ports)
		return tool_usage_error("apply", "--name %s needs --port: a profile made on "
					"the command line has no ports of its own",
					tool_shown(args->name));
	return RT_EXIT_OK;
}

static int apply_options(struct rawtune_ctx *ctx, int argc, char *argv[], struct apply_args *args)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "add-port", required_argument, NULL, APPLY_OPT_ADD_PORT },
		{ "name", required_argument, NULL, APPLY_OPT_NAME },
		{ "proto", required_argument, NULL, 'P' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		TOOL_OPTION_QUIET,
		TOOL_OPTION_JSON,
		TOOL_OPTION_WAIT,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	unsigned int protos;
	int opt, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:P:46nfaqjw:h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (tool_list_append(&args->ports, optarg) < 0)
				return tool_lib_error(ctx, "apply", -ENOMEM);
			break;
		case APPLY_OPT_ADD_PORT:
			if (tool_list_append(&args->add_ports, optarg) < 0)
				return tool_lib_error(ctx, "apply", -ENOMEM);
			break;
		case APPLY_OPT_NAME:
			args->name = optarg;
			break;
		case 'P':
			/* repeated, the protocols add up as the ports do */
			if (!tool_parse_protos(optarg, &protos))
				return tool_usage_error("apply",
							"bad --proto '%s': tcp, udp or tcp,udp",
							tool_shown(optarg));
			args->protos |= protos;
			break;
		case '4':
		case '6':
			args->families |= opt == '4' ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6;
			break;
		case 'n':
			args->dry_run = true;
			break;
		case 'f':
			rawtune_set_nat_guard(ctx, 0);
			break;
		case 'a':
			args->all = true;
			break;
		case 'q':
			args->quiet = true;
			break;
		case TOOL_OPT_JSON:
			args->json = true;
			break;
		case 'w':
			status = tool_option_wait(ctx, "apply", optarg);
			if (status)
				return status;
			break;
		case 'h':
			return RT_HELP;
		default:
			return tool_bad_option("apply", opt, argv);
		}
	}
	return apply_options_check(args);
}

/* One profile as the command line or rawtune.conf gives it; an exit status. */
static int apply_one(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
		     const struct apply_args *args)
{
	return args->dry_run ? apply_dry_run(ctx, p) : apply_profile(ctx, p, args);
}

static bool listed(const struct rawtune_profile_list *list, const char *name)
{
	for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++)
		if (strcmp(rawtune_profile_get_name(rawtune_profile_list_get(list, i)), name) == 0)
			return true;
	return false;
}

/*
 * What an earlier apply --all applied and rawtune.conf no longer lists goes
 * (a reload of rawtune.service); what the admin applied by hand stays.
 */
static int prune_boot(struct rawtune_ctx *ctx, const struct rawtune_profile_list *list)
{
	struct rawtune_rules *rules;
	int status = RT_EXIT_OK, err = rawtune_rules_read(ctx, &rules);

	if (err < 0)
		return tool_lib_error(ctx, "apply --all", err);
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++) {
		const char *name = rawtune_rules_get_profile(rules, i);
		enum rawtune_origin origin;
		unsigned int removed = 0;
		bool seen = false;

		for (unsigned int k = 0; k < i && !seen; k++)
			seen = strcmp(rawtune_rules_get_profile(rules, k), name) == 0;
		if (seen || listed(list, name) ||
		    rawtune_profile_get_origin(ctx, name, &origin) < 0 ||
		    origin != RAWTUNE_ORIGIN_BOOT)
			continue;
		if (rawtune_profile_remove(ctx, name, &removed) < 0)
			status = tool_lib_error(ctx, name, -EIO);
		else
			printf("%s: %u %s removed: %s no longer lists it\n", name, removed,
			       tool_rules(removed), rawtune_get_boot_config(ctx));
	}
	rawtune_rules_free(rules);
	return status;
}

/*
 * Every profile of rawtune.conf, in its order. A profile that fails does not
 * stop the others: at boot, what can be applied should be. The file itself
 * is read whole first, so that a mistake in it changes nothing.
 */
static int apply_all(struct rawtune_ctx *ctx, const struct apply_args *args)
{
	bool dry_run = args->dry_run;
	struct rawtune_profile_list *list;
	unsigned int n, failed = 0;
	char *names;
	int err = rawtune_boot_config_read(ctx, &list);

	if (err == -EINVAL)
		return tool_input_error(ctx, "apply --all", err);
	if (err < 0) {
		tool_error("apply --all: %s (it lists the profiles to apply: see rawtune.conf(5))",
			   tool_lib_message(ctx, err));
		return RT_EXIT_FAILURE;
	}
	n = rawtune_profile_list_count(list);
	names = calloc(n + 2, RAWTUNE_PROFILE_NAME_MAX + 32);
	if (!names) {
		rawtune_profile_list_free(list);
		return tool_lib_error(ctx, "apply --all", -ENOMEM);
	}
	if (n == 0 && !args->quiet && !args->json)
		printf("%s lists no profile, nothing applied\n", rawtune_get_boot_config(ctx));
	rawtune_set_origin(ctx, RAWTUNE_ORIGIN_BOOT);
	for (unsigned int i = 0; i < n; i++) {
		const struct rawtune_profile *p = rawtune_profile_list_get(list, i);

		if (dry_run)
			printf("# profile %s\n", rawtune_profile_get_name(p));
		if (apply_one(ctx, p, args) == RT_EXIT_OK)
			continue;
		strcat(strcat(names, failed++ ? ", " : ""), rawtune_profile_get_name(p));
	}
	if (!dry_run && prune_boot(ctx, list) != RT_EXIT_OK)
		strcat(strcat(names, failed++ ? ", " : ""), "(removing unlisted profiles)");
	if (!dry_run && failed < n)
		tool_note_nftables(ctx, args->quiet);
	if (failed) {
		fflush(stdout);
		tool_error("apply --all: %u of %u profiles failed: %s", failed, n, names);
	}
	free(names);
	rawtune_profile_list_free(list);
	return failed ? RT_EXIT_FAILURE : RT_EXIT_OK;
}

static int apply_command(struct rawtune_ctx *ctx, int argc, char *argv[],
			 struct apply_args *args)
{
	struct rawtune_profile *p = NULL;
	const char *name;
	int status;

	status = apply_options(ctx, argc, argv, args);
	if (status == RT_EXIT_OK)
		status = tool_operand("apply", argc, argv,
				      args->all || args->name
					      ? NULL
					      : "which profile? (e.g. rawtune apply web)",
				      &name);
	if (status)
		return status;
	if (args->all && name)
		return tool_usage_error("apply", "a profile and --all exclude each other");
	if (args->name && name)
		return tool_usage_error("apply", "a profile and --name exclude each other");
	if (args->all)
		return apply_all(ctx, args);
	if (args->name)
		status = apply_new(ctx, args->name, &p);
	else
		status = tool_profile_load(ctx, name, &p);
	if (status == RT_EXIT_OK && args->add_ports)
		status = apply_as_now(ctx, p, args);
	if (status == RT_EXIT_OK)
		status = apply_args_set(ctx, p, args);
	if (status == RT_EXIT_OK)
		status = apply_one(ctx, p, args);
	if (status == RT_EXIT_OK && !args->dry_run)
		tool_note_nftables(ctx, args->quiet);
	rawtune_profile_unref(p);
	return status;
}

int cmd_apply(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct apply_args args = { 0 };
	int status = apply_command(ctx, argc, argv, &args);

	free(args.ports);
	free(args.add_ports);
	return status;
}
