// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune remove PROFILE|--all [--quiet|--json] [--wait SECONDS] */
#include "tools/tool.h"

const char remove_usage[] =
	"Usage: rawtune remove PROFILE [--quiet|--json] [--wait SECONDS]\n"
	"       rawtune remove --all [--quiet|--json] [--wait SECONDS]\n"
	"Delete the profile's rules from the raw and filter tables of both families,\n"
	"or with --all every rule rawtune made. rawtune's chains and the jumps to them\n"
	"go once they are empty; rules that rawtune did not make stay.\n"
	"\n"
	"  -a, --all             remove the rules of every profile\n" TOOL_HELP_QUIET
	"  -j, --json            say what changed in JSON (fields in rawtune(8))\n"
	TOOL_HELP_WAIT TOOL_HELP_HELP;

/* How much to say on success. */
enum say { SAY_TEXT, SAY_NOTHING, SAY_JSON };

/* {"schema":2,"profile":"web","changed":true,"removed":18}; null for --all */
static void remove_json(const char *name, unsigned int removed)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	if (name)
		json_string(&j, "profile", name);
	else
		json_null(&j, "profile");
	json_bool(&j, "changed", removed > 0);
	json_uint(&j, "removed", removed);
	json_object_end(&j);
}

static int remove_all(struct rawtune_ctx *ctx, enum say say)
{
	unsigned int removed = 0;
	int err = rawtune_remove_all(ctx, &removed);

	if (err < 0)
		return tool_lib_error(ctx, "remove --all", err);
	if (say == SAY_JSON)
		remove_json(NULL, removed);
	if (say != SAY_TEXT)
		return RT_EXIT_OK;
	if (removed)
		printf("all profiles: %u %s removed\n", removed, tool_rules(removed));
	else
		printf("no profile applied, nothing removed\n");
	return RT_EXIT_OK;
}

static int remove_profile(struct rawtune_ctx *ctx, const char *name, enum say say)
{
	unsigned int removed = 0;
	int err = rawtune_profile_remove(ctx, name, &removed);

	if (err < 0)
		return tool_input_error(ctx, name, err);
	if (say == SAY_JSON)
		remove_json(name, removed);
	if (say != SAY_TEXT)
		return RT_EXIT_OK;
	if (removed)
		printf("%s: %u %s removed\n", name, removed, tool_rules(removed));
	else
		printf("%s: not applied, nothing removed\n", name);
	return RT_EXIT_OK;
}

int cmd_remove(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		TOOL_OPTION_QUIET,
		TOOL_OPTION_JSON,
		TOOL_OPTION_WAIT,
		TOOL_OPTION_HELP,
		{ 0 },
	};
	const char *name;
	enum say say = SAY_TEXT;
	bool all = false;
	int opt, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":aqjw:h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'q':
		case TOOL_OPT_JSON:
			if (say != SAY_TEXT && say != (opt == 'q' ? SAY_NOTHING : SAY_JSON))
				return tool_usage_error("remove",
							"--json and --quiet exclude each other");
			say = opt == 'q' ? SAY_NOTHING : SAY_JSON;
			break;
		case 'w':
			status = tool_option_wait(ctx, "remove", optarg);
			if (status)
				return status;
			break;
		case 'h':
			return RT_HELP;
		default:
			return tool_bad_option("remove", opt, argv);
		}
	}
	status = tool_operand("remove", argc, argv,
			      all ? NULL : "which profile? (e.g. rawtune remove web, or --all)",
			      &name);
	if (status)
		return status;
	if (all && name)
		return tool_usage_error("remove", "a profile and --all exclude each other");
	return all ? remove_all(ctx, say) : remove_profile(ctx, name, say);
}
