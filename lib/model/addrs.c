// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Address lists ("192.0.2.1, 2001:db8::/64") and interface lists
 * ("eth0, bond0, veth+"), as profiles narrow their rules with them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

/* Split @list at commas; call @item on each entry with blanks trimmed. */
static int each_item(struct rawtune_ctx *ctx, const char *list, const char *what,
		     int (*item)(struct rawtune_ctx *ctx, const char *s, void *data), void *data)
{
	const char *s = list;

	for (;;) {
		size_t len = strcspn(s, ",");
		char buf[INET6_ADDRSTRLEN + 8], shown[RT_PRINTABLE_MAX];
		const char *start = s;
		int err;

		while (len && (*start == ' ' || *start == '\t'))
			start++, len--;
		while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(buf))
			return rt_fail(ctx, -EINVAL, "bad %s '%s' in '%s'", what,
				       rt_printable(start, len, shown, sizeof(shown)),
				       rt_printable(list, strlen(list), buf, sizeof(buf)));
		memcpy(buf, start, len);
		buf[len] = '\0';
		err = item(ctx, buf, data);
		if (err < 0)
			return err;
		s += strcspn(s, ",");
		if (*s == '\0')
			return 0;
		s++;
	}
}

static size_t count_items(const char *list)
{
	size_t n = 1;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* ---- addresses ------------------------------------------------------------ */

static void clear_host_bits(uint8_t *addr, size_t len, unsigned int prefix)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int bits = prefix > i * 8 ? prefix - i * 8 : 0;

		if (bits < 8)
			addr[i] &= (uint8_t)(0xff00 >> bits);
	}
}

/* Merge repeats, as port lists do: each address or interface makes rules once. */
static size_t drop_repeats(void *items, size_t n, size_t size)
{
	uint8_t *base = items;
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < out && !seen; j++)
			seen = memcmp(base + j * size, base + i * size, size) == 0;
		if (!seen)
			memmove(base + out++ * size, base + i * size, size);
	}
	return out;
}

static int parse_addr(struct rawtune_ctx *ctx, const char *s, void *data)
{
	struct rt_addrs *out = data;
	struct rt_addr *a = &out->addr[out->n];
	char host[INET6_ADDRSTRLEN + 8], shown[RT_PRINTABLE_MAX];
	const char *slash = strchr(s, '/');
	unsigned long prefix;
	unsigned int max;
	char *end;

	snprintf(host, sizeof(host), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->addr.v4) == 1) {
		a->family = RAWTUNE_FAMILY_IPV4;
		max = 32;
	} else if (inet_pton(AF_INET6, host, &a->addr.v6) == 1) {
		a->family = RAWTUNE_FAMILY_IPV6;
		max = 128;
	} else {
		return rt_fail(ctx, -EINVAL, "bad address '%s': give IPv4 or IPv6 ADDRESS[/PREFIX]",
			       rt_printable(s, strlen(s), shown, sizeof(shown)));
	}
	prefix = max;
	if (slash) {
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || prefix > max || slash[1] < '0' || slash[1] > '9')
			return rt_fail(ctx, -EINVAL, "bad prefix in '%s': 1 to %u",
				       rt_printable(s, strlen(s), shown, sizeof(shown)), max);
		if (prefix == 0)
			return rt_fail(ctx, -EINVAL, "'%s' is every address: leave addresses out",
				       rt_printable(s, strlen(s), shown, sizeof(shown)));
	}
	a->prefix = (uint8_t)prefix;
	clear_host_bits((uint8_t *)&a->addr, max / 8, a->prefix);
	out->n++;
	return 0;
}

int rt_addrs_parse(struct rawtune_ctx *ctx, const char *list, struct rt_addrs *out)
{
	struct rt_addrs addrs = { 0 };
	int err;

	if (blank(list)) {
		*out = addrs;
		return 0;
	}
	addrs.addr = calloc(count_items(list), sizeof(*addrs.addr));
	if (!addrs.addr)
		return -ENOMEM;
	err = each_item(ctx, list, "address", parse_addr, &addrs);
	if (err < 0) {
		free(addrs.addr);
		return err;
	}
	addrs.n = drop_repeats(addrs.addr, addrs.n, sizeof(*addrs.addr));
	*out = addrs;
	return 0;
}

int rt_addr_format(const struct rt_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	inet_ntop(a->family == RAWTUNE_FAMILY_IPV4 ? AF_INET : AF_INET6, &a->addr, host,
		  sizeof(host));
	return snprintf(buf, len, "%s/%u", host, a->prefix);
}

/* ---- interfaces ----------------------------------------------------------- */

/* As the kernel accepts names (dev_valid_name), plus iptables' trailing '+' wildcard. */
static int parse_iface(struct rawtune_ctx *ctx, const char *s, void *data)
{
	struct rt_ifaces *out = data;
	char shown[RT_PRINTABLE_MAX];
	size_t len = strlen(s);

	if (len >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strcspn(s, "/: \t\n\r\"'\\") != len || (strchr(s, '+') && s[len - 1] != '+') ||
	    strcmp(s, "+") == 0) {
		return rt_fail(ctx, -EINVAL,
			       "bad interface '%s': at most %d characters, no '/', ':' or blanks",
			       rt_printable(s, len, shown, sizeof(shown)), IFNAMSIZ - 1);
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return rt_fail(ctx, -EINVAL, "bad interface '%s'",
				       rt_printable(s, len, shown, sizeof(shown)));
	strcpy(out->name[out->n++], s);
	return 0;
}

int rt_ifaces_parse(struct rawtune_ctx *ctx, const char *list, struct rt_ifaces *out)
{
	struct rt_ifaces ifaces = { 0 };
	int err;

	if (blank(list)) {
		*out = ifaces;
		return 0;
	}
	ifaces.name = calloc(count_items(list), sizeof(*ifaces.name));
	if (!ifaces.name)
		return -ENOMEM;
	err = each_item(ctx, list, "interface", parse_iface, &ifaces);
	if (err < 0) {
		free(ifaces.name);
		return err;
	}
	ifaces.n = drop_repeats(ifaces.name, ifaces.n, sizeof(*ifaces.name));
	*out = ifaces;
	return 0;
}
