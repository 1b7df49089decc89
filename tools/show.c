// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune show PROFILE: the profile as a profile file, which loads back as the same profile. */
#include <stdlib.h>

#include "tools/tool.h"

const char show_usage[] =
	"Usage: rawtune show PROFILE\n"
	"Print the profile that 'rawtune apply PROFILE' would use, from its file or\n"
	"built in, in the format of profile files (rawtune.conf(5)): a starting point\n"
	"for a file of your own in the profile directory.\n"
	"\n" TOOL_HELP_HELP;

/* The library writes the file format; the tool adds where the profile came from. */
static int print_profile(struct rawtune_ctx *ctx, const struct rawtune_profile *p)
{
	char *text;
	int err = rawtune_profile_format(p, &text);

	if (err < 0)
		return tool_lib_error(ctx, rawtune_profile_get_name(p), err);
	printf("# %s: from %s\n%s", rawtune_profile_get_name(p), rawtune_profile_get_source(p),
	       text);
	free(text);
	return RT_EXIT_OK;
}

int cmd_show(struct rawtune_ctx *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		TOOL_OPTION_HELP,
		{ 0 },
	};
	struct rawtune_profile *p;
	const char *name;
	int opt, status;

	opterr = 0;
	opt = getopt_long(argc, argv, ":h", options, NULL);
	if (opt != -1)
		return opt == 'h' ? RT_HELP : tool_bad_option("show", opt, argv);
	status = tool_operand("show", argc, argv, "which profile? (e.g. rawtune show web)", &name);
	if (status == RT_EXIT_OK)
		status = tool_profile_load(ctx, name, &p);
	if (status)
		return status;
	status = print_profile(ctx, p);
	rawtune_profile_unref(p);
	return status;
}
