// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtune enable PROFILE [--port LIST] [--proto LIST] [-4|-6] [--dry-run] [--force]
 *		  [--quiet|--json] [--wait SECONDS]
 * rawtune disable PROFILE [--dry-run] [--quiet|--json] [--wait SECONDS]
 *
 * What firewall-cmd users call "permanent, and now": the profile's line in
 * rawtune.conf, then the rules at once.
 */
#include <errno.h>
#include <stdlib.h>

#include "tools/tool.h"

const char enable_usage[] =
	"Usage: rawtune enable PROFILE [--port LIST] [--proto LIST] [-4|-6] [--dry-run]\n"
	"                      [--force] [--quiet|--json] [--wait SECONDS]\n"
	"List the profile in rawtune.conf, so that it is applied at boot, and apply\n"
	"it now. Its 'apply' line is replaced where it stands, or appended; every\n"
	"other line of the file stays as it is.\n"
	"\n"
	"  -p, --port LIST       apply these ports instead of the profile's own:\n"
	"                        80, 80,443 or 8000-8100; repeated, the lists add up\n"
	"  -P, --proto LIST      these protocols instead: tcp, udp or tcp,udp\n"
	"  -4, --ipv4            IPv4 only\n"
	"  -6, --ipv6            IPv6 only\n"
	"  -n, --dry-run         say whether rawtune.conf would change; change nothing\n"
	"  -f, --force           apply even where a nat table rule could take this\n"
	"                        traffic (see 'rawtune apply --help')\n" TOOL_HELP_QUIET
	"  -j, --json            say what changed in JSON (fields in rawtune(8))\n"
	TOOL_HELP_WAIT TOOL_HELP_HELP;

const char disable_usage[] =
	"Usage: rawtune disable PROFILE [--dry-run] [--quiet|--json] [--wait SECONDS]\n"
	"Take the profile out of rawtune.conf, so that it is not applied at boot,\n"
	"and remove its rules now. Every other line of the file stays as it is.\n"
	"\n"
	"  -n, --dry-run         say whether rawtune.conf would change; change nothing\n"
	TOOL_HELP_QUIET
	"  -j, --json            say what changed in JSON (fields in rawtune(8))\n"
	TOOL_HELP_WAIT TOOL_HELP_HELP;

/* What the command line asks for. */
struct enable_args {
	const char *command;
	char *ports; /* every --port joined */
	unsigned int protos, families;
	bool dry_run, quiet, json;
};

/* --proto LIST, added to what earlier ones gave; an exit status. */
static int option_proto(struct enable_args *args, const char *arg)
{
	unsigned int protos;

	if (!tool_parse_protos(arg, &protos))
		return tool_usage_error(args->command, "bad --proto '%s': tcp, udp or tcp,udp",
					tool_shown(arg));
	args->protos |= protos;
	return RT_EXIT_OK;
}

/* One option of enable or disable (disable takes only the last four). */
static int enable_option(struct rawtune_ctx *ctx, struct enable_args *args, int opt,
			 char *argv[])
{
	switch (opt) {
	case 'p':
		if (tool_list_append(&args->ports, optarg) < 0)
			return tool_lib_error(ctx, args->command, -ENOMEM);
		return RT_EXIT_OK;
	case 'P':
		return option_proto(args, optarg);
	case '4':
	case '6':
		args->families |= opt == '4' ? RAWTUNE_FAMILY_IPV4 : RAWTUNE_FAMILY_IPV6;
		return RT_EXIT_OK;
	case 'f':
		rawtune_set_nat_guard(ctx, 0);
		return RT_EXIT_OK;
	case 'n':
		args->dry_run = true;
		return RT_EXIT_OK;
	case 'q':
		args->quiet = true;
		return RT_EXIT_OK;
	case TOOL_OPT_JSON:
		args->json = true;
		return RT_EXIT_OK;
	case 'w':
		return tool_option_wait(ctx, args->command, optarg);
	case 'h':
		return RT_HELP;
	default:
		return tool_bad_option(args->command, opt, argv);
	}
}

static int enable_options(struct rawtune_ctx *ctx, int argc, char *argv[],
			  struct enable_args *args, const char **name)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		TOOL_OPTION_QUIET,
		TOOL_OPTION_JSON,
		TOOL_OPTION_WAIT,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	bool enable = args->command[0] == 'e';
	const struct option *longopts = enable ? options : options + 5; /* disable: from dry-run on */
	int opt, status = RT_EXIT_OK;

	opterr = 0;
	while (status == RT_EXIT_OK &&
	       (opt = getopt_long(argc, argv, enable ? ":p:P:46fnqjw:h" : ":nqjw:h", longopts,
				  NULL)) != -1)
		status = enable_option(ctx, args, opt, argv);
	if (status)
		return status;
	if (args->families == RAWTUNE_FAMILY_BOTH)
		return tool_usage_error(args->command,
					"-4 and -6 exclude each other (give neither for both)");
	if (args->json && args->quiet)
		return tool_usage_error(args->command, "--json and --quiet exclude each other");
	return tool_operand(args->command, argc, argv,
			    enable ? "which profile? (e.g. rawtune enable web)"
				   : "which profile? (e.g. rawtune disable web)",
			    name);
}

/* The profile as it will be applied at boot: its own, with the options' changes. */
static int enable_load(struct rawtune_ctx *ctx, const char *name,
		       const struct enable_args *args, struct rawtune_profile **p)
{
	int status = tool_profile_load(ctx, name, p), err = 0;

	if (status)
		return status;
	if (args->ports)
		err = rawtune_profile_set_ports(*p, args->ports);
	if (err == 0 && args->protos)
		err = rawtune_profile_set_protocols(*p, args->protos);
	if (err == 0 && args->families)
		err = rawtune_profile_set_families(*p, args->families);
	return err < 0 ? tool_input_error(ctx, name, err) : RT_EXIT_OK;
}

/*
 * rawtune.conf must read before anything changes: enable applies first
 * (a profile the NAT guard refuses must not reach the boot file) and edits
 * the file after, when a mistake elsewhere in it could no longer stop it.
 * A missing file is no mistake: enable creates it.
 */
static int boot_config_readable(struct rawtune_ctx *ctx, const char *command)
{
	struct rawtune_profile_list *list;
	int err = rawtune_boot_config_read(ctx, &list);

	if (err == 0)
		rawtune_profile_list_free(list);
	if (err == 0 || err == -ENOENT)
		return RT_EXIT_OK;
	return tool_input_error(ctx, command, err);
}

/* A failed edit of rawtune.conf; @done says what already happened to the rules. */
static int edit_error(struct rawtune_ctx *ctx, const char *name, const char *done, int err)
{
	tool_error("%s: %s; %s", name, tool_lib_message(ctx, err), done);
	return err == -EINVAL ? RT_EXIT_USAGE : RT_EXIT_FAILURE;
}

/* "web: enabled at boot (/etc/rawtune/rawtune.conf)" and the like. */
static void say_config(struct rawtune_ctx *ctx, const char *name, bool changed, bool enabled,
		       bool dry_run)
{
	const char *would = dry_run && changed ? "would be " : "";
	const char *what = enabled ? (changed ? "enabled at boot" : "already enabled at boot")
				   : (changed ? "disabled at boot" : "not enabled at boot");

	printf("%s: %s%s (%s)\n", name, would, what, rawtune_get_boot_config(ctx));
}

/*
 * --dry-run: only whether rawtune.conf would change, for a program that
 * must know before it acts (Ansible's check mode); the rules are apply
 * --dry-run's and status's to tell.
 */
static int dry_run(struct rawtune_ctx *ctx, const char *name, const struct enable_args *args)
{
	bool enable = args->command[0] == 'e';
	int edited = enable ? rawtune_boot_config_enable(ctx, name, args->ports, args->protos,
							 args->families,
							 RAWTUNE_BOOT_CONFIG_DRY_RUN)
			    : rawtune_boot_config_disable(ctx, name, RAWTUNE_BOOT_CONFIG_DRY_RUN);
	struct json j;

	if (edited < 0)
		return tool_input_error(ctx, name, edited);
	if (args->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "profile", name);
		json_bool(&j, "dry_run", true);
		json_bool(&j, "config_changed", edited == 1);
		json_object_end(&j);
	} else if (!args->quiet) {
		say_config(ctx, name, edited == 1, enable, true);
	}
	return RT_EXIT_OK;
}

static int enable_profile(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			  const struct enable_args *args)
{
	const char *name = rawtune_profile_get_name(p);
	struct tool_applied r;
	struct json j;
	int status, edited;

	/* the profile comes from rawtune.conf now: apply --all may prune it */
	rawtune_set_origin(ctx, RAWTUNE_ORIGIN_BOOT);
	status = tool_apply(ctx, p, &r);
	if (status)
		return status;
	edited = rawtune_boot_config_enable(ctx, name, args->ports, args->protos, args->families,
					    0);
	if (edited < 0)
		return edit_error(ctx, name, "the rules are applied, but not at boot", edited);
	if (args->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		tool_applied_json(&j, p, &r);
		json_bool(&j, "config_changed", edited == 1);
		json_object_end(&j);
	} else if (!args->quiet) {
		tool_applied_say(p, &r);
		say_config(ctx, name, edited == 1, true, false);
	}
	tool_applied_warn(ctx, p, &r);
	tool_note_nftables(ctx, args->quiet || args->json);
	return RT_EXIT_OK;
}

/* {"schema":1,"profile":"web","changed":true,"removed":18,"config_changed":true} */
static void disable_json(const char *name, unsigned int removed, bool edited)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "profile", name);
	json_bool(&j, "changed", removed > 0 || edited);
	json_uint(&j, "removed", removed);
	json_bool(&j, "config_changed", edited);
	json_object_end(&j);
}

/* Out of the file first: a mistake in it leaves the rules as they are. */
static int disable_profile(struct rawtune_ctx *ctx, const char *name,
			   const struct enable_args *args)
{
	unsigned int removed = 0;
	int edited = rawtune_boot_config_disable(ctx, name, 0), err;

	if (edited < 0)
		return tool_input_error(ctx, name, edited);
	err = rawtune_profile_remove(ctx, name, &removed);
	if (err < 0)
		return edit_error(ctx, name, "it is out of rawtune.conf, but its rules stay", err);
	if (args->json) {
		disable_json(name, removed, edited == 1);
		return RT_EXIT_OK;
	}
	if (args->quiet)
		return RT_EXIT_OK;
	if (removed)
		printf("%s: %u %s removed\n", name, removed, tool_rules(removed));
	else
		printf("%s: not applied, nothing removed\n", name);
	say_config(ctx, name, edited == 1, false, false);
	return RT_EXIT_OK;
}

int cmd_enable(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct enable_args args = { .command = "enable" };
	struct rawtune_profile *p = NULL;
	const char *name;
	int status = enable_options(ctx, argc, argv, &args, &name);

	if (status == RT_EXIT_OK)
		status = enable_load(ctx, name, &args, &p);
	if (status == RT_EXIT_OK && args.dry_run)
		status = dry_run(ctx, name, &args);
	else if (status == RT_EXIT_OK)
		status = boot_config_readable(ctx, "enable");
	if (status == RT_EXIT_OK && !args.dry_run)
		status = enable_profile(ctx, p, &args);
	rawtune_profile_unref(p);
	free(args.ports);
	return status;
}

int cmd_disable(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct enable_args args = { .command = "disable" };
	const char *name;
	int status = enable_options(ctx, argc, argv, &args, &name);

	if (status)
		return status;
	return args.dry_run ? dry_run(ctx, name, &args) : disable_profile(ctx, name, &args);
}
