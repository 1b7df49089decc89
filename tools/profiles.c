// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune profiles [--json]: every profile, built in or from a file, and whether it is applied. */
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"

const char profiles_usage[] =
	"Usage: rawtune profiles [--json]\n"
	"List every profile that 'rawtune apply' knows: the built-in ones and the\n"
	"files NAME.conf in the profile directory (a file overrides the built-in\n"
	"profile of its name), with their ports, protocols, direction, families,\n"
	"where each comes from and whether its rules are in the kernel now.\n"
	"\n" TOOL_HELP_JSON TOOL_HELP_HELP;

enum applied { APPLIED_NO, APPLIED_YES, APPLIED_UNKNOWN };

/*
 * Which profiles have rules in the kernel. Listing the profiles needs no
 * privilege but reading the rules does: without it, say so and go on.
 */
static struct rawtune_rules *read_applied(struct rawtune_ctx *ctx)
{
	struct rawtune_rules *rules;
	int err = rawtune_rules_read(ctx, &rules);

	if (err == 0)
		return rules;
	tool_warning("cannot tell which profiles are applied: %s", tool_lib_message(ctx, err));
	return NULL;
}

static enum applied applied(const struct rawtune_rules *rules, const char *name)
{
	if (!rules)
		return APPLIED_UNKNOWN;
	for (unsigned int i = 0; i < rawtune_rules_count(rules); i++)
		if (strcmp(rawtune_rules_get_profile(rules, i), name) == 0)
			return APPLIED_YES;
	return APPLIED_NO;
}

/* ---- a table for people ------------------------------------------------------ */

enum { COL_NAME, COL_APPLIED, COL_PORTS, COL_PROTOCOLS, COL_DIRECTION, COL_FAMILY, COL_SOURCE,
       COLS };

struct row {
	const char *cell[COLS];
	char protos[16];
};

static void row_fill(struct row *row, const struct rawtune_profile *p, enum applied a)
{
	static const char *const applied_words[] = { "no", "yes", "?" };

	tool_protos_text(rawtune_profile_get_protocols(p), ",", row->protos, sizeof(row->protos));
	row->cell[COL_NAME] = rawtune_profile_get_name(p);
	row->cell[COL_APPLIED] = applied_words[a];
	row->cell[COL_PORTS] = rawtune_profile_get_ports(p);
	row->cell[COL_PROTOCOLS] = row->protos;
	row->cell[COL_DIRECTION] = tool_direction_name(rawtune_profile_get_direction(p));
	row->cell[COL_FAMILY] = tool_family_name(rawtune_profile_get_families(p));
	row->cell[COL_SOURCE] = rawtune_profile_get_source(p);
}

/* Each column as wide as its widest cell; the last one unpadded. */
static void row_print(const struct row *row, const int width[COLS])
{
	for (int c = 0; c < COLS - 1; c++)
		printf("%-*s  ", width[c], row->cell[c]);
	printf("%s\n", row->cell[COLS - 1]);
}

static int print_table(const struct rawtune_profile_list *list, const struct rawtune_rules *rules)
{
	static const struct row header = { .cell = { "NAME", "APPLIED", "PORTS", "PROTOCOLS",
						     "DIRECTION", "FAMILY", "SOURCE" } };
	unsigned int n = rawtune_profile_list_count(list);
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));
	int width[COLS] = { 0 };

	if (!rows) {
		tool_error("profiles: out of memory");
		return RT_EXIT_FAILURE;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct rawtune_profile *p = rawtune_profile_list_get(list, i);

		row_fill(&rows[i], p, applied(rules, rawtune_profile_get_name(p)));
	}
	for (int c = 0; c < COLS; c++) {
		width[c] = (int)strlen(header.cell[c]);
		for (unsigned int i = 0; i < n; i++)
			if ((int)strlen(rows[i].cell[c]) > width[c])
				width[c] = (int)strlen(rows[i].cell[c]);
	}
	row_print(&header, width);
	for (unsigned int i = 0; i < n; i++)
		row_print(&rows[i], width);
	free(rows);
	return RT_EXIT_OK;
}

/* ---- JSON for programs ------------------------------------------------------- */

static void json_profile(struct json *j, const struct rawtune_profile *p, enum applied a)
{
	unsigned int protos = rawtune_profile_get_protocols(p);

	json_object_begin(j, NULL);
	json_string(j, "name", rawtune_profile_get_name(p));
	json_string(j, "description", rawtune_profile_get_description(p));
	json_string(j, "source", rawtune_profile_get_source(p));
	json_string(j, "ports", rawtune_profile_get_ports(p));
	json_array_begin(j, "protocols");
	for (size_t i = 0; i < sizeof(tool_protos) / sizeof(tool_protos[0]); i++)
		if (protos & tool_protos[i])
			json_string(j, NULL, tool_proto_name(tool_protos[i]));
	json_array_end(j);
	json_string(j, "direction", tool_direction_name(rawtune_profile_get_direction(p)));
	json_string(j, "family", tool_family_name(rawtune_profile_get_families(p)));
	json_string_list(j, "addresses", rawtune_profile_get_addresses(p));
	json_string_list(j, "interfaces", rawtune_profile_get_interfaces(p));
	json_bool(j, "forward", rawtune_profile_get_forward(p));
	if (a == APPLIED_UNKNOWN)
		json_null(j, "applied");
	else
		json_bool(j, "applied", a == APPLIED_YES);
	json_object_end(j);
}

static int print_json(const struct rawtune_profile_list *list, const struct rawtune_rules *rules)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "profiles");
	for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++) {
		const struct rawtune_profile *p = rawtune_profile_list_get(list, i);

		json_profile(&j, p, applied(rules, rawtune_profile_get_name(p)));
	}
	json_array_end(&j);
	json_object_end(&j);
	return RT_EXIT_OK;
}

int cmd_profiles(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct rawtune_profile_list *list;
	struct rawtune_rules *rules;
	bool json = false;
	int err, status;

	status = tool_json_options("profiles", argc, argv, &json);
	if (status == RT_EXIT_OK)
		status = tool_operand("profiles", argc, argv, NULL, NULL);
	if (status)
		return status;
	err = rawtune_profile_list_read(ctx, &list);
	/* a broken file: the user's to fix, as when apply loads it */
	if (err < 0)
		return tool_input_error(ctx, "profiles", err);
	rules = read_applied(ctx);
	status = json ? print_json(list, rules) : print_table(list, rules);
	rawtune_rules_free(rules);
	rawtune_profile_list_free(list);
	return status;
}
