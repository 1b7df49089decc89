// SPDX-License-Identifier: LGPL-2.1-or-later
/* Port lists: "80", "80,443", "8000-8100", blanks allowed around entries. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

/* One port: digits only, 1..65535. Advances *@s past it. */
static bool parse_port(const char **s, uint16_t *port)
{
	unsigned long v = 0;
	const char *p = *s;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > UINT16_MAX)
			return false;
	}
	if (v == 0)
		return false;
	*port = (uint16_t)v;
	*s = p;
	return true;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Why an entry is bad, when nothing more precise applies. */
#define PORTS_SYNTAX "ports are 1-65535, ranges LOW-HIGH"

/* The entry at @s: its length up to the comma or the end, blanks trimmed. */
static size_t entry_text(const char *s)
{
	size_t n = strcspn(s, ",");

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * The port of a service name ("http") in /etc/services, to suggest it: a
 * port list takes numbers only, so that a profile means the same on every
 * host, whatever its services file says.
 */
static bool service_port(const char *s, size_t n, unsigned int *port)
{
	struct servent se, *found = NULL;
	char name[64], buf[1024];

	if (n == 0 || n >= sizeof(name))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	memcpy(name, s, n);
	name[n] = '\0';
	if (getservbyname_r(name, NULL, &se, buf, sizeof(buf), &found) != 0 || !found)
		return false;
	*port = ntohs((uint16_t)found->s_port);
	return *port != 0;
}

/* Exactly two ports separated by @sep in the @n bytes at @s. */
static bool parse_pair(const char *s, size_t n, char sep, struct rt_port_range *r)
{
	const char *p = s;

	if (!parse_port(&p, &r->lo) || *p != sep)
		return false;
	p++;
	return parse_port(&p, &r->hi) && p == s + n;
}

/*
 * What a person may have meant by a bad entry of @n bytes at @s: the
 * forms other tools use, said in ours. False when it is none of them.
 */
static bool explain_entry(const char *s, size_t n, char *why, size_t len)
{
	struct rt_port_range r;
	unsigned int port;

	if (memchr(s, '/', n))
		snprintf(why, len, "a port list holds no protocol: give it with --proto "
				   "or 'protocols ='");
	else if (parse_pair(s, n, ':', &r))
		snprintf(why, len, "ranges are written LOW-HIGH: %u-%u", r.lo, r.hi);
	else if (parse_pair(s, n, '-', &r) && r.hi < r.lo)
		snprintf(why, len, "a reversed range: write %u-%u", r.hi, r.lo);
	else if (isalpha((unsigned char)s[0]) && service_port(s, n, &port))
		snprintf(why, len, "ports are numbers (%.*s is %u in /etc/services)", (int)n, s,
			 port);
	else
		return false;
	return true;
}

/* One entry, "P" or "LO-HI", ending at a comma or the end of the string. */
static bool parse_entry(const char **s, struct rt_port_range *r)
{
	const char *p = skip_blanks(*s);

	if (!parse_port(&p, &r->lo))
		return false;
	r->hi = r->lo;
	if (*p == '-') {
		p++;
		if (!parse_port(&p, &r->hi) || r->hi < r->lo)
			return false;
	}
	p = skip_blanks(p);
	if (*p != ',' && *p != '\0')
		return false;
	*s = p;
	return true;
}

static int range_cmp(const void *a, const void *b)
{
	const struct rt_port_range *x = a, *y = b;

	return x->lo != y->lo ? (int)x->lo - (int)y->lo : (int)x->hi - (int)y->hi;
}

/* Sort, then merge overlapping and adjacent ranges. */
static void normalise(struct rt_ports *ports)
{
	size_t out = 0;

	qsort(ports->range, ports->n, sizeof(*ports->range), range_cmp);
	for (size_t i = 0; i < ports->n; i++) {
		struct rt_port_range *last = out ? &ports->range[out - 1] : NULL;

		if (last && (uint32_t)ports->range[i].lo <= (uint32_t)last->hi + 1) {
			if (ports->range[i].hi > last->hi)
				last->hi = ports->range[i].hi;
			continue;
		}
		ports->range[out++] = ports->range[i];
	}
	ports->n = out;
}

/* The entry that starts at @s, for the error message. */
static int entry_len(const char *s)
{
	const char *comma = strchr(s, ',');

	return comma ? (int)(comma - s) : (int)strlen(s);
}

/* The error for the bad entry at @start of @list; -EINVAL. */
static int bad_entry(struct rawtune_ctx *ctx, const char *list, const char *start)
{
	char entry[RT_PRINTABLE_MAX], all[RT_PRINTABLE_MAX], why[128];
	const char *text = skip_blanks(start);

	if (!*skip_blanks(list))
		return rt_fail(ctx, -EINVAL, "empty port list");
	if (!explain_entry(text, entry_text(text), why, sizeof(why)))
		snprintf(why, sizeof(why), PORTS_SYNTAX);
	return rt_fail(ctx, -EINVAL, "bad port '%s' in '%s': %s",
		       rt_printable(start, entry_len(start), entry, sizeof(entry)),
		       rt_printable(list, strlen(list), all, sizeof(all)), why);
}

int rt_ports_parse(struct rawtune_ctx *ctx, const char *list, struct rt_ports *out)
{
	struct rt_ports ports = { 0 };
	const char *s = list;
	size_t cap = 1;

	for (const char *c = list; *c; c++)
		cap += *c == ',';
	ports.range = calloc(cap, sizeof(*ports.range));
	if (!ports.range)
		return -ENOMEM;
	for (;;) {
		const char *start = s;

		if (!parse_entry(&s, &ports.range[ports.n])) {
			free(ports.range);
			return bad_entry(ctx, list, start);
		}
		ports.n++;
		if (*s == '\0')
			break;
		s++; /* the comma */
	}
	normalise(&ports);
	*out = ports;
	return 0;
}

void rt_ports_clear(struct rt_ports *ports)
{
	free(ports->range);
	ports->range = NULL;
	ports->n = 0;
}

int rt_ports_format(const struct rt_ports *ports, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ports->n; i++) {
		const struct rt_port_range *r = &ports->range[i];
		char item[16];
		int n = r->lo == r->hi ? snprintf(item, sizeof(item), "%s%u", i ? "," : "", r->lo)
				       : snprintf(item, sizeof(item), "%s%u-%u", i ? "," : "",
						  r->lo, r->hi);

		if (used + (size_t)n < len)
			memcpy(buf + used, item, (size_t)n + 1);
		used += (size_t)n;
	}
	return (int)used;
}
