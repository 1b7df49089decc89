// SPDX-License-Identifier: LGPL-2.1-or-later
/* Profiles: the model and its validation. Files and built-ins: profile-file.c. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

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
	int err;

	rt_clear_error(ctx);
	err = rt_profile_name_check(ctx, name);
	if (err < 0)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->source = strdup("");
	if (!p->source) {
		free(p);
		return -ENOMEM;
	}
	strcpy(p->name, name);
	p->protocols = RAWTUNE_PROTO_TCP;
	p->direction = RAWTUNE_DIRECTION_SERVER;
	p->families = RAWTUNE_FAMILY_BOTH;
	p->refcount = 1;
	p->ctx = rawtune_ref(ctx);
	*out = p;
	return 0;
}

RAWTUNE_EXPORT struct rawtune_profile *rawtune_profile_ref(struct rawtune_profile *p)
{
	if (p)
		p->refcount++;
	return p;
}

static void drop_caches(struct rawtune_profile *p)
{
	free(p->ports_text);
	free(p->addrs_text);
	free(p->ifaces_text);
	free(p->peers_text);
	p->ports_text = p->addrs_text = p->ifaces_text = p->peers_text = NULL;
}

RAWTUNE_EXPORT struct rawtune_profile *rawtune_profile_unref(struct rawtune_profile *p)
{
	if (!p || --p->refcount > 0)
		return p;
	rawtune_unref(p->ctx);
	rt_ports_clear(&p->ports);
	free(p->addrs.addr);
	free(p->peers.addr);
	free(p->ifaces.name);
	free(p->description);
	free(p->source);
	drop_caches(p);
	free(p);
	return NULL;
}

int rt_profile_set_source(struct rawtune_profile *p, const char *source)
{
	char *copy = strdup(source);

	if (!copy)
		return -ENOMEM;
	free(p->source);
	p->source = copy;
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_set_ports(struct rawtune_profile *p, const char *list)
{
	struct rt_ports ports;
	int err;

	rt_clear_error(p->ctx);
	err = rt_ports_parse(p->ctx, list, &ports);
	if (err < 0)
		return err;
	rt_ports_clear(&p->ports);
	p->ports = ports;
	drop_caches(p);
	return 0;
}

/*
 * Through the text of both lists: the parser already merges overlapping and
 * adjacent entries, and names a bad entry in the user's own words.
 */
RAWTUNE_EXPORT int rawtune_profile_add_ports(struct rawtune_profile *p, const char *list)
{
	const char *now = rawtune_profile_get_ports(p);
	char *joined;
	int err;

	if (!now)
		return -ENOMEM;
	if (!now[0])
		return rawtune_profile_set_ports(p, list);
	if (asprintf(&joined, "%s,%s", now, list) < 0)
		return -ENOMEM;
	err = rawtune_profile_set_ports(p, joined);
	free(joined);
	return err;
}

RAWTUNE_EXPORT int rawtune_profile_set_addresses(struct rawtune_profile *p, const char *list)
{
	struct rt_addrs addrs;
	int err;

	rt_clear_error(p->ctx);
	err = rt_addrs_parse(p->ctx, list, &addrs);
	if (err < 0)
		return err;
	free(p->addrs.addr);
	p->addrs = addrs;
	drop_caches(p);
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_set_peers(struct rawtune_profile *p, const char *list)
{
	struct rt_addrs peers;
	int err;

	rt_clear_error(p->ctx);
	err = rt_addrs_parse(p->ctx, list, &peers);
	if (err < 0)
		return err;
	free(p->peers.addr);
	p->peers = peers;
	drop_caches(p);
	return 0;
}

/* A user's name or a numeric uid, resolved now: the kernel matches numbers. */
RAWTUNE_EXPORT int rawtune_profile_set_owner(struct rawtune_profile *p, const char *user)
{
	char shown[RT_PRINTABLE_MAX], *end;
	struct passwd *pw;
	unsigned long uid;

	rt_clear_error(p->ctx);
	if (!user || !*user) {
		p->has_owner = false;
		p->owner_text[0] = '\0';
		return 0;
	}
	errno = 0;
	uid = strtoul(user, &end, 10);
	if (*user >= '0' && *user <= '9' && !*end && errno == 0 && uid < UINT32_MAX) {
		p->owner = (uint32_t)uid;
	} else {
		pw = strlen(user) < sizeof(p->owner_text) ? getpwnam(user) : NULL;
		if (!pw)
			return rt_fail(p->ctx, -EINVAL, "profile %s: owner \"%s\": no such user",
				       p->name, rt_printable(user, 64, shown, sizeof(shown)));
		p->owner = (uint32_t)pw->pw_uid;
	}
	p->has_owner = true;
	snprintf(p->owner_text, sizeof(p->owner_text), "%s", user);
	return 0;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_owner(const struct rawtune_profile *p)
{
	return p->has_owner ? p->owner_text : "";
}

RAWTUNE_EXPORT int rawtune_profile_set_interfaces(struct rawtune_profile *p, const char *list)
{
	struct rt_ifaces ifaces;
	int err;

	rt_clear_error(p->ctx);
	err = rt_ifaces_parse(p->ctx, list, &ifaces);
	if (err < 0)
		return err;
	free(p->ifaces.name);
	p->ifaces = ifaces;
	drop_caches(p);
	return 0;
}

RAWTUNE_EXPORT int rawtune_profile_set_description(struct rawtune_profile *p, const char *text)
{
	size_t len;
	char *copy;

	/* shown on terminals and in JSON: one line, no control characters */
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 ? *c != '\t' : *c == 0x7f)
			return rt_fail(p->ctx, -EINVAL,
				       "profile %s: the description must be one line of text, "
				       "without control characters", p->name);
	/* blanks around it go, as a profile file drops them: it writes back the same */
	text += strspn(text, " \t");
	len = strlen(text);
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	free(p->description);
	p->description = copy;
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

RAWTUNE_EXPORT void rawtune_profile_set_forward(struct rawtune_profile *p, int forward)
{
	p->forward = forward != 0;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_name(const struct rawtune_profile *p)
{
	return p->name;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_description(const struct rawtune_profile *p)
{
	return p->description ? p->description : "";
}

RAWTUNE_EXPORT const char *rawtune_profile_get_source(const struct rawtune_profile *p)
{
	return p->source;
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

RAWTUNE_EXPORT int rawtune_profile_get_forward(const struct rawtune_profile *p)
{
	return p->forward;
}

/*
 * Lists are formatted on demand ("eth0,eth1") and cached until the profile
 * changes. An empty list needs no memory: "" means any, so a failed
 * allocation must say NULL, never "".
 */
typedef int (*rt_item_format)(const struct rawtune_profile *p, size_t i, char *buf, size_t len);

static const char *list_text(const struct rawtune_profile *p, char **cache, size_t n,
			     rt_item_format format)
{
	size_t len = 1, used = 0;
	char *text;

	if (*cache)
		return *cache;
	if (n == 0)
		return "";
	for (size_t i = 0; i < n; i++)
		len += (size_t)format(p, i, NULL, 0) + 1;
	text = malloc(len);
	if (!text)
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			text[used++] = ',';
		used += (size_t)format(p, i, text + used, len - used);
	}
	*cache = text;
	return text;
}

static int format_addr(const struct rawtune_profile *p, size_t i, char *buf, size_t len)
{
	return rt_addr_format(&p->addrs.addr[i], buf, len);
}

static int format_iface(const struct rawtune_profile *p, size_t i, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", p->ifaces.name[i]);
}

RAWTUNE_EXPORT int rawtune_profile_has_port(const struct rawtune_profile *p, unsigned int port)
{
	for (size_t i = 0; i < p->ports.n; i++)
		if (port >= p->ports.range[i].lo && port <= p->ports.range[i].hi)
			return 1;
	return 0;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_ports(const struct rawtune_profile *p)
{
	struct rawtune_profile *mut = (struct rawtune_profile *)p;
	int len;

	if (p->ports_text)
		return p->ports_text;
	if (p->ports.n == 0)
		return "";
	len = rt_ports_format(&p->ports, NULL, 0);
	mut->ports_text = malloc((size_t)len + 1);
	if (!mut->ports_text)
		return NULL;
	rt_ports_format(&p->ports, mut->ports_text, (size_t)len + 1);
	return p->ports_text;
}

RAWTUNE_EXPORT const char *rawtune_profile_get_addresses(const struct rawtune_profile *p)
{
	struct rawtune_profile *mut = (struct rawtune_profile *)p;

	return list_text(p, &mut->addrs_text, p->addrs.n, format_addr);
}

RAWTUNE_EXPORT const char *rawtune_profile_get_interfaces(const struct rawtune_profile *p)
{
	struct rawtune_profile *mut = (struct rawtune_profile *)p;

	return list_text(p, &mut->ifaces_text, p->ifaces.n, format_iface);
}

static int format_peer(const struct rawtune_profile *p, size_t i, char *buf, size_t len)
{
	return rt_addr_format(&p->peers.addr[i], buf, len);
}

RAWTUNE_EXPORT const char *rawtune_profile_get_peers(const struct rawtune_profile *p)
{
	struct rawtune_profile *mut = (struct rawtune_profile *)p;

	return list_text(p, &mut->peers_text, p->peers.n, format_peer);
}
