// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The boot file (rawtune.conf(5), THE BOOT FILE): which profiles
 * "rawtune apply --all" applies, in order, each optionally with other ports,
 * protocols or families.
 *
 *	apply = web
 *	apply = dns ports=53,5353 protocols=udp family=ipv4
 *
 * The lines read as profile files do ("key = value", blanks and comments);
 * "apply" may repeat, a profile at most once; "backend = auto|legacy|nft",
 * at most once, chooses where every command of the host puts the rules. The
 * editor of "rawtune enable" and "rawtune disable" lives here too, beside
 * the parser, and reads an apply line with it: what it writes reads back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawtune-private.h"

struct rt_boot_parser {
	struct rawtune_ctx *ctx;
	struct rawtune_profile_list *list;
	const char *source;
	unsigned int line;
	int backend;	   /* "backend =": RAWTUNE_BACKEND_*, -1 when not given */
	bool backend_only; /* read only that key: the profiles are not loaded */
};

/*
 * One apply line: the profile and what it overrides, pointing into the
 * line. NULL ports, 0 protocols or families: the profile's own.
 */
struct rt_boot_entry {
	const char *name;
	const char *ports;
	unsigned int protocols, families;
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

/* The options an apply line takes after the profile's name. */
enum boot_option { BOOT_PORTS, BOOT_PROTOCOLS, BOOT_FAMILY, BOOT_OPTION_COUNT };
static const char *const boot_options[BOOT_OPTION_COUNT] = {
	[BOOT_PORTS] = "ports", [BOOT_PROTOCOLS] = "protocols", [BOOT_FAMILY] = "family",
};

static int bad_option(struct rt_boot_parser *bp, const char *text)
{
	char shown[RT_PRINTABLE_MAX];

	return boot_error(bp, -EINVAL,
			  "expected 'ports=LIST', 'protocols=LIST' or 'family=ipv4|ipv6|both' "
			  "after the profile's name, got '%s'",
			  SHOWN(text, shown));
}

/* "ports", "protocols" or "family" = @value into @e; each at most once. */
static int entry_option(struct rt_boot_parser *bp, struct rt_boot_entry *e,
			enum boot_option opt, const char *value)
{
	bool given[BOOT_OPTION_COUNT] = {
		[BOOT_PORTS] = e->ports, [BOOT_PROTOCOLS] = e->protocols,
		[BOOT_FAMILY] = e->families,
	};
	int err = 0;

	if (given[opt])
		return boot_error(bp, -EINVAL, "'%s=' given twice", boot_options[opt]);
	if (opt == BOOT_PORTS)
		e->ports = value;
	else if (opt == BOOT_PROTOCOLS)
		err = rt_conf_protocols(bp->ctx, value, &e->protocols);
	else
		err = rt_conf_family(bp->ctx, value, &e->families);
	return err < 0 ? boot_lib_error(bp, err) : 0;
}

/*
 * Where the option after @value starts: the word before the next '=', which
 * no value holds. NULL when @value runs to the end of the line.
 */
static char *next_option(char *value)
{
	char *eq = strchr(value, '='), *key;

	if (!eq)
		return NULL;
	key = eq;
	while (key > value && (key[-1] == ' ' || key[-1] == '\t'))
		key--;
	while (key > value && key[-1] >= 'a' && key[-1] <= 'z')
		key--;
	return key;
}

/*
 * After the profile's name: nothing, or options "KEY=VALUE" apart by
 * blanks, with blanks allowed around the '=' and inside a list
 * ("ports = 80, 443 protocols=tcp").
 */
static int entry_options(struct rt_boot_parser *bp, char *rest, struct rt_boot_entry *e)
{
	rest = rt_conf_trim(rest);
	while (*rest) {
		size_t len = strspn(rest, "abcdefghijklmnopqrstuvwxyz");
		char *value = rest + len + strspn(rest + len, " \t"), *next;
		enum boot_option opt;
		int err;

		for (opt = 0; opt < BOOT_OPTION_COUNT; opt++)
			if (len == strlen(boot_options[opt]) &&
			    strncmp(rest, boot_options[opt], len) == 0)
				break;
		if (opt == BOOT_OPTION_COUNT || *value != '=')
			return bad_option(bp, rest);
		next = next_option(++value);
		/* "ports==80", "ports=80family=ipv4" */
		if (next && (next == value || (next[-1] != ' ' && next[-1] != '\t')))
			return bad_option(bp, value);
		rest = next ? next : value + strlen(value);
		if (next)
			next[-1] = '\0';
		err = entry_option(bp, e, opt, rt_conf_trim(value));
		if (err < 0)
			return err;
	}
	return 0;
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

/* The value of an apply line, "NAME [OPTION...]", into @e (cut in place). */
static int entry_parse(struct rt_boot_parser *bp, char *value, struct rt_boot_entry *e)
{
	size_t len = strcspn(value, " \t,");
	char *rest = value + len + strspn(value + len, " \t");
	int err;

	*e = (struct rt_boot_entry){ .name = value };
	if (*rest == ',') {
		value[len] = '\0';
		return one_per_line(bp, value, rest + 1);
	}
	err = entry_options(bp, value + len, e);
	if (err < 0)
		return err;
	value[len] = '\0';
	if (!*value)
		return boot_error(bp, -EINVAL, "'apply' without a profile name");
	return 0;
}

/* The entry's overrides on the profile it names. */
static int entry_set(const struct rt_boot_entry *e, struct rawtune_profile *p)
{
	int err = 0;

	if (e->ports)
		err = rawtune_profile_set_ports(p, e->ports);
	if (err == 0 && e->protocols)
		err = rawtune_profile_set_protocols(p, e->protocols);
	if (err == 0 && e->families)
		err = rawtune_profile_set_families(p, e->families);
	return err;
}

/* "NAME [OPTION...]": load the profile, apply its overrides, append it. */
static int boot_apply(struct rt_boot_parser *bp, char *value)
{
	struct rt_boot_entry e;
	struct rawtune_profile *p;
	int err = entry_parse(bp, value, &e);

	if (err < 0)
		return err;
	for (size_t i = 0; i < bp->list->n; i++)
		if (strcmp(bp->list->profile[i]->name, e.name) == 0)
			return boot_error(bp, -EINVAL, "profile '%s' is listed twice", e.name);
	err = rawtune_profile_load(bp->ctx, e.name, &p);
	if (err < 0)
		/* an unknown profile is a mistake in this file */
		return boot_lib_error(bp, err == -ENOENT ? -EINVAL : err);
	err = entry_set(&e, p);
	if (err < 0) {
		rawtune_profile_unref(p);
		return boot_lib_error(bp, err);
	}
	return rt_profile_list_put(bp->list, p);
}

static int boot_backend(struct rt_boot_parser *bp, const char *value)
{
	char shown[RT_PRINTABLE_MAX];
	enum rawtune_backend backend;

	if (rawtune_backend_parse(value, &backend) < 0)
		return boot_error(bp, -EINVAL, "backend '%s': expected auto, legacy or nft",
				  SHOWN(value, shown));
	if (bp->backend >= 0)
		return boot_error(bp, -EINVAL, "a second 'backend' line: give it once");
	bp->backend = backend;
	return 0;
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
	if (strcmp(key, "backend") == 0)
		return boot_backend(bp, rt_conf_trim(eq + 1));
	if (strcmp(key, "apply") != 0)
		return boot_error(bp, -EINVAL,
				  "unknown key '%s': only 'apply' and 'backend' (see rawtune.conf(5))",
				  SHOWN(key, shown));
	return bp->backend_only ? 0 : boot_apply(bp, rt_conf_trim(eq + 1));
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

/* @text (cut in place) as the boot file @source: every profile it lists, loaded. */
static int boot_read_text(struct rawtune_ctx *ctx, const char *source, char *text,
			  struct rawtune_profile_list **out)
{
	struct rt_boot_parser bp = { .ctx = ctx, .source = source, .backend = -1 };
	int err;

	bp.list = calloc(1, sizeof(*bp.list));
	err = bp.list ? boot_parse(&bp, text) : -ENOMEM;
	if (err < 0) {
		rawtune_profile_list_free(bp.list);
		return err;
	}
	*out = bp.list;
	return 0;
}

RAWTUNE_EXPORT int rawtune_boot_config_read(struct rawtune_ctx *ctx,
					    struct rawtune_profile_list **out)
{
	const char *source = rawtune_get_boot_config(ctx);
	char *text;
	int err;

	rt_clear_error(ctx);
	err = rt_conf_read(ctx, source, "rawtune.conf file", &text);
	if (err < 0)
		return rawtune_last_error(ctx)[0] ? err
			: rt_fail(ctx, err, "cannot read %s: %s", source, strerror(-err));
	err = boot_read_text(ctx, source, text, out);
	free(text);
	return err;
}

int rt_boot_config_backend(struct rawtune_ctx *ctx)
{
	const char *source = rawtune_get_boot_config(ctx);
	struct rt_boot_parser bp = { .ctx = ctx, .source = source, .backend = -1,
				     .backend_only = true };
	char *text;
	int err;

	err = rt_conf_read(ctx, source, "rawtune.conf file", &text);
	if (err == -ENOENT)
		return RAWTUNE_BACKEND_AUTO;
	if (err < 0)
		return rawtune_last_error(ctx)[0] ? err
			: rt_fail(ctx, err, "cannot read %s: %s", source, strerror(-err));
	err = boot_parse(&bp, text);
	free(text);
	if (err < 0)
		return err;
	return bp.backend < 0 ? RAWTUNE_BACKEND_AUTO : bp.backend;
}

/* ---- the editor beside the parser: what it writes reads back --------------- */

#define BOOT_LINE_MAX 512

/* RAWTUNE_PROTO_* bits as an apply line writes them; "" for none. */
static const char *protocols_word(unsigned int protocols)
{
	switch (protocols) {
	case RAWTUNE_PROTO_TCP:
		return "tcp";
	case RAWTUNE_PROTO_UDP:
		return "udp";
	case RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP:
		return "tcp,udp";
	default:
		return "";
	}
}

/*
 * The apply line for @e, in the one form the editor writes: "apply = NAME"
 * and the options it sets, the ports normalised. 0, or -EINVAL for bad
 * ports with the context's error naming them.
 */
static int entry_format(struct rawtune_ctx *ctx, const struct rt_boot_entry *e, char *buf,
			size_t len)
{
	char ports[BOOT_LINE_MAX] = "";
	struct rt_ports parsed;
	int err, used;

	if (e->ports) {
		err = rt_ports_parse(ctx, e->ports, &parsed);
		if (err < 0)
			return err;
		rt_ports_format(&parsed, ports, sizeof(ports));
		rt_ports_clear(&parsed);
	}
	used = snprintf(buf, len, "apply = %s%s%s%s%s%s%s", e->name, ports[0] ? " ports=" : "",
			ports, e->protocols ? " protocols=" : "", protocols_word(e->protocols),
			e->families ? " family=" : "",
			e->families ? rt_conf_family_name(e->families) : "");
	return used < (int)len ? 0 : rt_fail(ctx, -EINVAL, "the apply line is too long");
}

/*
 * Whether the line of @len bytes at @line is an apply line of the profile
 * @name, however it is written; its options need not parse (disable takes
 * a broken line out).
 */
static bool names_profile(const char *line, size_t len, const char *name)
{
	char buf[BOOT_LINE_MAX], *key, *value, *eq;

	if (len >= sizeof(buf))
		return false; /* longer than any apply line of a name and its options */
	memcpy(buf, line, len);
	buf[len] = '\0';
	key = rt_conf_trim(buf);
	eq = strchr(key, '=');
	if (*key == '#' || !eq)
		return false;
	*eq = '\0';
	if (strcmp(rt_conf_trim(key), "apply") != 0)
		return false;
	value = rt_conf_trim(eq + 1);
	value[strcspn(value, " \t,")] = '\0';
	return strcmp(value, name) == 0;
}

/*
 * Whether the line says what @want says already, so that enable leaves the
 * admin's own spelling alone. A line that does not parse does not.
 */
static bool says(struct rawtune_ctx *ctx, const char *line, size_t len, const char *want)
{
	char buf[BOOT_LINE_MAX], have[BOOT_LINE_MAX], *eq;
	struct rt_boot_parser bp = { .ctx = ctx, .source = "" };
	struct rt_boot_entry e;

	memcpy(buf, line, len); /* names_profile() found it short enough */
	buf[len] = '\0';
	eq = strchr(buf, '=');
	return entry_parse(&bp, rt_conf_trim(eq + 1), &e) == 0 &&
	       entry_format(ctx, &e, have, sizeof(have)) == 0 && strcmp(have, want) == 0;
}

/*
 * @text with the profile's apply lines edited: the first replaced by @want
 * (NULL: taken out, as are any later ones, which the parser would refuse),
 * or @want appended when there is none. Every other line stays byte for byte.
 */
static int boot_edit(struct rawtune_ctx *ctx, const char *text, const char *name,
		     const char *want, char **out)
{
	size_t size = 0;
	bool done = false;
	FILE *f = open_memstream(out, &size);

	if (!f)
		return -ENOMEM;
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n"), end = n + (s[n] == '\n');
		bool mine = names_profile(s, n, name);

		if (!mine || (want && !done && says(ctx, s, n, want)))
			fwrite(s, 1, end, f);
		else if (want && !done)
			fprintf(f, "%s\n", want);
		done |= mine;
		s += end;
	}
	if (want && !done)
		fprintf(f, "%s%s\n", text[0] && text[strlen(text) - 1] != '\n' ? "\n" : "", want);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	rt_clear_error(ctx); /* says() may have failed on a line that is replaced */
	return 0;
}

/* The edited text must read back whole before it replaces the file. */
static int boot_check(struct rawtune_ctx *ctx, const char *path, const char *text)
{
	struct rawtune_profile_list *list;
	char *copy = strdup(text);
	int err;

	if (!copy)
		return -ENOMEM;
	err = boot_read_text(ctx, path, copy, &list);
	free(copy);
	if (err == 0)
		rawtune_profile_list_free(list);
	return err;
}

/*
 * Read, edit and, when the text changed and reads back, replace the boot
 * file (with RAWTUNE_BOOT_CONFIG_DRY_RUN: only say it would).
 */
static int boot_config_edit(struct rawtune_ctx *ctx, const char *name, const char *want,
			    unsigned int flags)
{
	const char *path = rawtune_get_boot_config(ctx);
	char *text = NULL, *edited = NULL;
	int lock, err;

	lock = rt_conf_lock(ctx, path);
	if (lock < 0)
		return lock;
	err = rt_conf_read(ctx, path, "rawtune.conf file", &text);
	if (err == -ENOENT)
		text = strdup(""); /* enable creates the file; disable finds nothing */
	if (err < 0 && err != -ENOENT)
		goto out;
	err = text ? boot_edit(ctx, text, name, want, &edited) : -ENOMEM;
	if (err < 0 || strcmp(text, edited) == 0)
		goto out;
	err = boot_check(ctx, path, edited);
	if (err == 0 && !(flags & RAWTUNE_BOOT_CONFIG_DRY_RUN))
		err = rt_conf_replace(ctx, path, edited);
	if (err == 0)
		err = 1;
out:
	free(edited);
	free(text);
	close(lock);
	return err;
}

RAWTUNE_EXPORT int rawtune_boot_config_enable(struct rawtune_ctx *ctx, const char *name,
					      const char *ports, unsigned int protocols,
					      unsigned int families, unsigned int flags)
{
	struct rt_boot_entry e = { .name = name, .ports = ports };
	char want[BOOT_LINE_MAX];
	int err;

	rt_clear_error(ctx);
	err = rt_profile_name_check(ctx, name);
	if (err < 0)
		return err;
	if ((protocols & ~(unsigned int)(RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP)) ||
	    (families & ~(unsigned int)RAWTUNE_FAMILY_BOTH) ||
	    (flags & ~(unsigned int)RAWTUNE_BOOT_CONFIG_DRY_RUN))
		return rt_fail(ctx, -EINVAL, "bad protocols, families or flags for '%s'", name);
	e.protocols = protocols;
	e.families = families;
	err = entry_format(ctx, &e, want, sizeof(want));
	return err < 0 ? err : boot_config_edit(ctx, name, want, flags);
}

RAWTUNE_EXPORT int rawtune_boot_config_disable(struct rawtune_ctx *ctx, const char *name,
					       unsigned int flags)
{
	int err;

	rt_clear_error(ctx);
	err = rt_profile_name_check(ctx, name);
	if (err == 0 && (flags & ~(unsigned int)RAWTUNE_BOOT_CONFIG_DRY_RUN))
		err = rt_fail(ctx, -EINVAL, "bad flags for '%s'", name);
	return err < 0 ? err : boot_config_edit(ctx, name, NULL, flags);
}
