// SPDX-License-Identifier: LGPL-2.1-or-later
/* Profiles: the model, its validation and the built-in profiles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

struct rt_builtin {
	const char *name;
	const char *ports;
	unsigned int protocols;
};

static const struct rt_builtin builtins[] = {
	{ "web", "80,443", RAWTUNE_PROTO_TCP },
};

bool rt_profile_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > RAWTUNE_PROFILE_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_-") == len;
}

int rt_profile_name_check(struct rawtune_ctx *ctx, const char *name)
{
	char shown[RT_PRINTABLE_MAX];

	if (rt_profile_name_valid(name))
		return 0;
	return rt_fail(ctx, -EINVAL, "bad profile name '%s': use 1 to %d of A-Z a-z 0-9 _ -",
		       rt_printable(name, strlen(name), shown, sizeof(shown)),
		       RAWTUNE_PROFILE_NAME_MAX);
}

RAWTUNE_EXPORT int rawtune_profile_new(struct rawtune_ctx *ctx, const char *name,
				       struct rawtune_profile **out)
{
	struct rawtune_profile *p;
	int err = rt_profile_name_check(ctx, name);

	if (err < 0)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	strcpy(p->name, name);
	p->protocols = RAWTUNE_PROTO_TCP;
	p->direction = RAWTUNE_DIRECTION_SERVER;
	p->families = RAWTUNE_FAMILY_BOTH;
	p->ctx = ctx;
	*out = p;
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_load(struct rawtune_ctx *ctx, const char *name,
					struct rawtune_profile **out)
{
	struct rawtune_profile *p;
	int err = rt_profile_name_check(ctx, name);

	if (err < 0)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		if (strcmp(builtins[i].name, name) != 0)
			continue;
		err = rawtune_profile_new(ctx, name, &p);
		if (err < 0)
			return err;
		err = rawtune_profile_set_ports(p, builtins[i].ports);
		if (err < 0) {
			rawtune_profile_unref(p);
			return err;
		}
		p->protocols = builtins[i].protocols;
		*out = p;
		return 0;
	}
	return rt_fail(ctx, -ENOENT, "unknown profile '%s'", name);
}

RAWTUNE_EXPORT struct rawtune_profile *rawtune_profile_unref(struct rawtune_profile *p)
{
	if (!p)
		return NULL;
	rt_ports_clear(&p->ports);
	free(p->ports_text);
	free(p);
	return NULL;
}

RAWTUNE_EXPORT int rawtune_profile_set_ports(struct rawtune_profile *p, const char *list)
{
	struct rt_ports ports;
	int err = rt_ports_parse(p->ctx, list, &ports);

	if (err < 0)
		return err;
	rt_ports_clear(&p->ports);
	p->ports = ports;
	free(p->ports_text);
	p->ports_text = NULL;
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_set_protocols(struct rawtune_profile *p,
						 unsigned int protocols)
{
	if (!protocols || protocols & ~(unsigned int)(RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP))
		return rt_fail(p->ctx, -EINVAL, "profile %s: protocols must be tcp, udp or both",
			       p->name);
	p->protocols = protocols;
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_set_direction(struct rawtune_profile *p,
						 enum rawtune_direction direction)
{
	if (direction != RAWTUNE_DIRECTION_SERVER && direction != RAWTUNE_DIRECTION_CLIENT)
		return rt_fail(p->ctx, -EINVAL, "profile %s: direction must be server or client",
			       p->name);
	p->direction = direction;
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_set_families(struct rawtune_profile *p, unsigned int families)
{
	if (!families || families & ~(unsigned int)RAWTUNE_FAMILY_BOTH)
		return rt_fail(p->ctx, -EINVAL, "profile %s: family must be ipv4, ipv6 or both",
			       p->name);
	p->families = families;
	return 0;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_name(const struct rawtune_profile *p)
{
	return p->name;
}

RAWTUNE_EXPORT unsigned int rawtune_profile_get_protocols(const struct rawtune_profile *p)
{
	return p->protocols;
}

RAWTUNE_EXPORT enum rawtune_direction
rawtune_profile_get_direction(const struct rawtune_profile *p)
{
	return p->direction;
}

RAWTUNE_EXPORT unsigned int rawtune_profile_get_families(const struct rawtune_profile *p)
{
	return p->families;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_ports(const struct rawtune_profile *p)
{
	struct rawtune_profile *mut = (struct rawtune_profile *)p;
	int len;

	if (p->ports_text)
		return p->ports_text;
	len = rt_ports_format(&p->ports, NULL, 0);
	mut->ports_text = malloc((size_t)len + 1);
	if (!mut->ports_text)
		return "";
	rt_ports_format(&p->ports, mut->ports_text, (size_t)len + 1);
	return p->ports_text;
}
