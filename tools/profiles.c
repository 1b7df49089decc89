// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune profiles [--json]: every profile, built in or from a file, and whether it is applied. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"

const char profiles_usage[] =
	"Usage: rawtune profiles [--json]\n"
	"List every profile that 'rawtune apply' knows: the built-in ones and the\n"
	"files NAME.conf in the profile directory (a file overrides the built-in\n"
	"profile of its name), with their ports, protocols, direction, families,\n"
	"where each comes from and whether its rules are in the kernel now; and\n"
	"every profile whose rules are in the kernel, its source gone or not. An\n"
	"applied profile shows the ports, protocols, direction and families of its\n"
	"rules. A profile file that cannot be loaded is named on stderr and left\n"
	"out; the others are listed.\n"
	"\n" TOOL_HELP_JSON TOOL_HELP_HELP;

enum applied { APPLIED_NO, APPLIED_YES, APPLIED_UNKNOWN };

/* One row: a profile as defined, as applied, or both. */
struct entry {
	const struct rawtune_profile *defined; /* NULL: its file is gone */
	struct rawtune_profile *applied;       /* from its rules; NULL when not applied */
	enum applied a;
};

struct entries {
	size_t n;
	struct entry *e;
};

/* What a row shows of the profile: what the kernel does when it is applied. */
static const struct rawtune_profile *shown(const struct entry *e)
{
	return e->applied ? e->applied : e->defined;
}

static const char *entry_name(const struct entry *e)
{
	return rawtune_profile_get_name(shown(e));
}

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

static struct entry *entry_find(const struct entries *es, const char *name)
{
	for (size_t i = 0; i < es->n; i++)
		if (strcmp(entry_name(&es->e[i]), name) == 0)
			return &es->e[i];
	return NULL;
}

/* The profile of rule @i as applied, on its profile's row or a new one. */
static int entry_applied(struct rawtune_ctx *ctx, struct entries *es,
			 const struct rawtune_rules *rules, unsigned int i)
{
	const char *name = rawtune_rules_get_profile(rules, i);
	struct entry *e = entry_find(es, name);
	struct rawtune_profile *p;
	int err;

	if (e && e->applied)
		return 0;
	err = rawtune_rules_get_applied(ctx, rules, name, &p);
	if (err == -EINVAL)
		return 0; /* a comment that names no profile: status shows it */
	if (err < 0)
		return err;
	if (!e)
		e = &es->e[es->n++];
	e->applied = p;
	e->a = APPLIED_YES;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(entry_name(a), entry_name(b));
}

static int entries_build(struct rawtune_ctx *ctx, const struct rawtune_profile_list *list,
			 const struct rawtune_rules *rules, struct entries *es)
{
	unsigned int n = rawtune_profile_list_count(list);
	unsigned int nrules = rules ? rawtune_rules_count(rules) : 0;
	int err = 0;

	es->n = 0;
	es->e = calloc(n + nrules + 1, sizeof(*es->e));
	if (!es->e)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		es->e[es->n].defined = rawtune_profile_list_get(list, i);
		es->e[es->n++].a = rules ? APPLIED_NO : APPLIED_UNKNOWN;
	}
	for (unsigned int i = 0; i < nrules && err == 0; i++)
		err = entry_applied(ctx, es, rules, i);
	qsort(es->e, es->n, sizeof(*es->e), by_name);
	return err;
}

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		rawtune_profile_unref(es->e[i].applied);
	free(es->e);
}

/* ---- a table for people ------------------------------------------------------ */

enum { COL_NAME, COL_APPLIED, COL_PORTS, COL_PROTOCOLS, COL_DIRECTION, COL_FAMILY, COL_SOURCE,
       COLS };

struct row {
	const char *cell[COLS];
	char protos[16];
};

static void row_fill(struct row *row, const struct entry *e)
{
	static const char *const applied_words[] = { "no", "yes", "?" };
	const struct rawtune_profile *p = shown(e);

	tool_protos_text(rawtune_profile_get_protocols(p), ",", row->protos, sizeof(row->protos));
	row->cell[COL_NAME] = rawtune_profile_get_name(p);
	row->cell[COL_APPLIED] = applied_words[e->a];
	/* NULL: out of memory */
	row->cell[COL_PORTS] = rawtune_profile_get_ports(p) ? rawtune_profile_get_ports(p) : "?";
	row->cell[COL_PROTOCOLS] = row->protos;
	row->cell[COL_DIRECTION] = tool_direction_name(rawtune_profile_get_direction(p));
	row->cell[COL_FAMILY] = tool_family_name(rawtune_profile_get_families(p));
	row->cell[COL_SOURCE] = e->defined ? rawtune_profile_get_source(e->defined) : "gone";
}

/* Each column as wide as its widest cell; the last one unpadded. */
static void row_print(const struct row *row, const int width[COLS])
{
	for (int c = 0; c < COLS - 1; c++)
		printf("%-*s  ", width[c], row->cell[c]);
	printf("%s\n", row->cell[COLS - 1]);
}

static int print_table(const struct entries *es)
{
	static const struct row header = { .cell = { "NAME", "APPLIED", "PORTS", "PROTOCOLS",
						     "DIRECTION", "FAMILY", "SOURCE" } };
	struct row *rows = calloc(es->n ? es->n : 1, sizeof(*rows));
	int width[COLS] = { 0 };

	if (!rows) {
		tool_error("profiles: out of memory");
		return RT_EXIT_FAILURE;
	}
	for (size_t i = 0; i < es->n; i++)
		row_fill(&rows[i], &es->e[i]);
	for (int c = 0; c < COLS; c++) {
		width[c] = (int)strlen(header.cell[c]);
		for (size_t i = 0; i < es->n; i++)
			if ((int)strlen(rows[i].cell[c]) > width[c])
				width[c] = (int)strlen(rows[i].cell[c]);
	}
	row_print(&header, width);
	for (size_t i = 0; i < es->n; i++)
		row_print(&rows[i], width);
	free(rows);
	return RT_EXIT_OK;
}

/* ---- JSON for programs ------------------------------------------------------- */

static void json_protocols(struct json *j, const struct rawtune_profile *p)
{
	unsigned int protos = rawtune_profile_get_protocols(p);

	json_array_begin(j, "protocols");
	for (size_t i = 0; i < sizeof(tool_protos) / sizeof(tool_protos[0]); i++)
		if (protos & tool_protos[i])
			json_string(j, NULL, tool_proto_name(tool_protos[i]));
	json_array_end(j);
}

/* What the profile's rules untrack, which "apply --port 8080 -4" makes differ. */
static void json_applied_as(struct json *j, const struct rawtune_profile *p)
{
	if (!p) {
		json_null(j, "applied_as");
		return;
	}
	json_object_begin(j, "applied_as");
	json_string(j, "ports", rawtune_profile_get_ports(p));
	json_protocols(j, p);
	json_string(j, "direction", tool_direction_name(rawtune_profile_get_direction(p)));
	json_string(j, "family", tool_family_name(rawtune_profile_get_families(p)));
	json_bool(j, "forward", rawtune_profile_get_forward(p));
	json_object_end(j);
}

/* The definition's fields; a profile whose file is gone has only its rules. */
static void json_profile(struct json *j, const struct entry *e)
{
	const struct rawtune_profile *p = e->defined ? e->defined : e->applied;

	json_object_begin(j, NULL);
	json_string(j, "name", rawtune_profile_get_name(p));
	json_string(j, "description", rawtune_profile_get_description(p));
	if (e->defined)
		json_string(j, "source", rawtune_profile_get_source(p));
	else
		json_null(j, "source");
	json_string(j, "ports", rawtune_profile_get_ports(p));
	json_protocols(j, p);
	json_string(j, "direction", tool_direction_name(rawtune_profile_get_direction(p)));
	json_string(j, "family", tool_family_name(rawtune_profile_get_families(p)));
	json_string_list(j, "addresses", rawtune_profile_get_addresses(p));
	json_string_list(j, "interfaces", rawtune_profile_get_interfaces(p));
	json_bool(j, "forward", rawtune_profile_get_forward(p));
	if (e->a == APPLIED_UNKNOWN)
		json_null(j, "applied");
	else
		json_bool(j, "applied", e->a == APPLIED_YES);
	json_applied_as(j, e->applied);
	json_object_end(j);
}

static int print_json(const struct entries *es)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "profiles");
	for (size_t i = 0; i < es->n; i++)
		json_profile(&j, &es->e[i]);
	json_array_end(&j);
	json_object_end(&j);
	return RT_EXIT_OK;
}

int cmd_profiles(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	struct rawtune_profile_list *list;
	struct rawtune_rules *rules;
	struct entries es;
	bool json = false;
	int err, status;

	status = tool_json_options("profiles", argc, argv, &json);
	if (status == RT_EXIT_OK)
		status = tool_operand("profiles", argc, argv, NULL, NULL);
	if (status)
		return status;
	/* a broken file is skipped with a warning; a refused directory ends the list */
	err = rawtune_profile_list_read(ctx, &list);
	if (err < 0)
		return tool_input_error(ctx, "profiles", err);
	rules = read_applied(ctx);
	err = entries_build(ctx, list, rules, &es);
	if (err < 0)
		status = tool_lib_error(ctx, "profiles", err);
	else
		status = json ? print_json(&es) : print_table(&es);
	entries_free(&es);
	rawtune_rules_free(rules);
	rawtune_profile_list_free(list);
	return status;
}
