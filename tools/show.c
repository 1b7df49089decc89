// SPDX-License-Identifier: GPL-2.0-or-later
/* rawtune show PROFILE: the profile as a profile file, which loads back as the same profile. */
#include "tools/tool.h"

const char show_usage[] =
	"Usage: rawtune show PROFILE\n"
	"Print the profile that 'rawtune apply PROFILE' would use, from its file or\n"
	"built in, in the format of profile files (rawtune.conf(5)): a starting point\n"
	"for a file of your own in the profile directory.\n"
	"\n" TOOL_HELP_HELP;

/* A list as the library gives it ("80,443") the way a person writes it ("80, 443"). */
static void print_list(const char *key, const char *list)
{
	printf("%s = ", key);
	for (; *list; list++) {
		if (*list == ',')
			fputs(", ", stdout);
		else
			putchar(*list);
	}
	putchar('\n');
}

static void print_profile(const struct rawtune_profile *p)
{
	const char *description = rawtune_profile_get_description(p);
	const char *addresses = rawtune_profile_get_addresses(p);
	const char *interfaces = rawtune_profile_get_interfaces(p);
	char protos[16];

	tool_protos_text(rawtune_profile_get_protocols(p), ", ", protos, sizeof(protos));
	printf("# %s: from %s\n", rawtune_profile_get_name(p), rawtune_profile_get_source(p));
	if (description[0])
		printf("description = %s\n", description);
	print_list("ports", rawtune_profile_get_ports(p));
	printf("protocols = %s\n", protos);
	printf("direction = %s\n", tool_direction_name(rawtune_profile_get_direction(p)));
	printf("family = %s\n", tool_family_name(rawtune_profile_get_families(p)));
	/* the optional keys only when set, as a person would write the file */
	if (addresses[0])
		print_list("addresses", addresses);
	if (interfaces[0])
		print_list("interfaces", interfaces);
	if (rawtune_profile_get_forward(p))
		printf("forward = yes\n");
	if (rawtune_profile_get_peers(p)[0])
		print_list("peers", rawtune_profile_get_peers(p));
	if (rawtune_profile_get_owner(p)[0])
		printf("owner = %s\n", rawtune_profile_get_owner(p));
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
	print_profile(p);
	rawtune_profile_unref(p);
	return RT_EXIT_OK;
}
