// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A profile's fields in the words of profile files (rawtune.conf(5)), so the
 * table of "rawtune profiles", its JSON, "rawtune show" and the --proto
 * option all say the same thing.
 */
#include <string.h>

#include "tools/tool.h"

const unsigned int tool_protos[2] = { RAWTUNE_PROTO_TCP, RAWTUNE_PROTO_UDP };

const char *tool_proto_name(unsigned int proto)
{
	return proto == RAWTUNE_PROTO_TCP ? "tcp" : "udp";
}

void tool_protos_text(unsigned int protos, const char *sep, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(tool_protos) / sizeof(tool_protos[0]); i++) {
		if (!(protos & tool_protos[i]))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? sep : "", tool_proto_name(tool_protos[i]));
		if (used >= len)
			return;
	}
}

bool tool_parse_protos(const char *list, unsigned int *protos)
{
	unsigned int found = 0;

	for (;;) {
		size_t n;
		bool known = false;

		list += strspn(list, " ");
		n = strcspn(list, ", ");
		for (size_t i = 0; i < sizeof(tool_protos) / sizeof(tool_protos[0]); i++) {
			const char *name = tool_proto_name(tool_protos[i]);

			if (n == strlen(name) && strncmp(list, name, n) == 0) {
				found |= tool_protos[i];
				known = true;
			}
		}
		if (!known)
			return false;
		list += n;
		list += strspn(list, " ");
		if (*list == '\0')
			break;
		if (*list++ != ',')
			return false;
	}
	*protos = found;
	return true;
}

const char *tool_direction_name(enum rawtune_direction direction)
{
	return direction == RAWTUNE_DIRECTION_CLIENT ? "client" : "server";
}

const char *tool_family_name(unsigned int families)
{
	/* the profile file's word: "both" where messages say "ipv4+ipv6" */
	if ((families & RAWTUNE_FAMILY_BOTH) == RAWTUNE_FAMILY_BOTH)
		return "both";
	return tool_families(families);
}
