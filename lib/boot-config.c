// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The boot file (rawtune.conf(5), THE BOOT FILE): which profiles
 * "rawtune apply --all" applies, in order, each optionally with other ports.
 *
 *	apply = web
 *	apply = dns ports=53,5353
 *
 * The lines read as profile files do ("key = value", blanks and comments);
 * "apply" is the one key and may repeat, a profile at most once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawtune-private.h"

struct rt_boot_parser {
	struct rawtune_ctx *ctx;
	struct rawtune_profile_list *list;
	const char *source;
	unsigned int line;
};

static int boot_error(struct rt_boot_parser *bp, int err, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: message" as the context's error; returns @err. */
static int boot_error(struct rt_boot_parser *bp, int err, const char *format, ...)
{
	char msg[512];
	va_list args;

	va_start(args, format);
	vsnprintf(msg, sizeof(msg), format, args);
	va_end(args);
	return rt_fail(bp->ctx, err, "%s:%u: %s", bp->source, bp->line, msg);
}

#define SHOWN(s, buf) rt_printable((s), strlen(s), (buf), sizeof(buf))

/* A library call failed on this line: its message, after the file and line. */
static int boot_lib_error(struct rt_boot_parser *bp, int err)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", rawtune_last_error(bp->ctx));
	return boot_error(bp, err, "%s", msg[0] ? msg : strerror(-err));
}

/*
 * After the profile's name: nothing (*@ports NULL), or "ports=LIST" with
 * blanks allowed around the '='.
 */
static int ports_override(struct rt_boot_parser *bp, char *rest, const char **ports)
{
	char *value, shown[RT_PRINTABLE_MAX];

	*ports = NULL;
	rest = rt_conf_trim(rest);
	if (!*rest)
		return 0;
	if (strncmp(rest, "ports", 5) == 0) {
		value = rest + 5 + strspn(rest + 5, " \t");
		if (*value == '=') {
			*ports = rt_conf_trim(value + 1);
			return 0;
		}
	}
	return boot_error(bp, -EINVAL, "expected 'ports=LIST' after the profile's name, got '%s'",
			  SHOWN(rest, shown));
}

/*
 * "apply = web, dns": a list where the file takes one profile a line (a
 * comma could not tell the next profile from the ports of "ports=80,443").
 * Say how to write it. @rest follows the comma.
 */
static int one_per_line(struct rt_boot_parser *bp, const char *name, const char *rest)
{
	char first[RT_PRINTABLE_MAX], next[RT_PRINTABLE_MAX], word[RT_PRINTABLE_MAX];
	size_t len;

	rest += strspn(rest, " \t");
	len = strcspn(rest, " \t,");
	snprintf(word, sizeof(word), "%.*s", (int)len, rest);
	SHOWN(name, first);
	if (!word[0])
		return boot_error(bp, -EINVAL, "one profile per 'apply' line, no comma: 'apply = %s'",
				  first);
	return boot_error(bp, -EINVAL,
			  "one profile per 'apply' line: 'apply = %s', then 'apply = %s' on a line of its own",
			  first, SHOWN(word, next));
}

/* "NAME" or "NAME ports=LIST": load the profile, override its ports, append it. */
static int boot_apply(struct rt_boot_parser *bp, char *value)
{
	size_t len = strcspn(value, " \t,");
	char *rest = value + len + strspn(value + len, " \t");
	const char *ports;
	struct rawtune_profile *p;
	int err;

	if (*rest == ',') {
		value[len] = '\0';
		return one_per_line(bp, value, rest + 1);
	}
	err = ports_override(bp, value + len, &ports);
	if (err < 0)
		return err;
	value[len] = '\0';
	if (!*value)
		return boot_error(bp, -EINVAL, "'apply' without a profile name");
	for (size_t i = 0; i < bp->list->n; i++)
		if (strcmp(bp->list->profile[i]->name, value) == 0)
			return boot_error(bp, -EINVAL, "profile '%s' is listed twice", value);
	err = rawtune_profile_load(bp->ctx, value, &p);
	if (err < 0)
		/* an unknown profile is a mistake in this file */
		return boot_lib_error(bp, err == -ENOENT ? -EINVAL : err);
	if (ports)
		err = rawtune_profile_set_ports(p, ports);
	if (err < 0) {
		rawtune_profile_unref(p);
		return boot_lib_error(bp, err);
	}
	return rt_profile_list_put(bp->list, p);
}

static int boot_line(struct rt_boot_parser *bp, char *line)
{
	char *eq, *key, shown[RT_PRINTABLE_MAX];

	line = rt_conf_trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return boot_error(bp, -EINVAL, "expected 'apply = PROFILE', got '%s'",
				  SHOWN(line, shown));
	*eq = '\0';
	key = rt_conf_trim(line);
	if (strcmp(key, "apply") != 0)
		return boot_error(bp, -EINVAL, "unknown key '%s': only 'apply' (see rawtune.conf(5))",
				  SHOWN(key, shown));
	return boot_apply(bp, rt_conf_trim(eq + 1));
}

static int boot_parse(struct rt_boot_parser *bp, char *text)
{
	int err = 0;

	/* by hand, as profile files: strtok_r would merge empty lines and lose the count */
	for (char *line = text, *next; line && err == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		bp->line++;
		err = boot_line(bp, line);
	}
	return err;
}

RAWTUNE_EXPORT int rawtune_boot_config_read(struct rawtune_ctx *ctx,
					    struct rawtune_profile_list **out)
{
	struct rt_boot_parser bp = { .ctx = ctx, .source = rawtune_get_boot_config(ctx) };
	char *text;
	int err;

	rt_clear_error(ctx);
	err = rt_conf_read(ctx, bp.source, "rawtune.conf file", &text);
	if (err < 0)
		return rawtune_last_error(ctx)[0] ? err
			: rt_fail(ctx, err, "cannot read %s: %s", bp.source, strerror(-err));
	bp.list = calloc(1, sizeof(*bp.list));
	err = bp.list ? boot_parse(&bp, text) : -ENOMEM;
	free(text);
	if (err < 0) {
		rawtune_profile_list_free(bp.list);
		return err;
	}
	*out = bp.list;
	return 0;
}
