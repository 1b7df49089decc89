// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Profile files (rawtune.conf(5)): "key = value" lines in
 * PROFILE_DIR/NAME.conf. The built-in profiles are written in the same
 * format and read by the same parser.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawtune-private.h"

#define RT_BUILTIN_SOURCE "built-in"

static const struct {
	const char *name, *text;
} builtins[] = {
	{ "dns", "description = DNS server (queries over UDP and TCP)\n"
		 "ports = 53\nprotocols = udp, tcp\n" },
	{ "memcached", "description = memcached cache server\n"
		       "ports = 11211\nprotocols = tcp, udp\n" },
	{ "ntp", "description = NTP time server\nports = 123\nprotocols = udp\n" },
	{ "syslog", "description = syslog receiver\nports = 514\nprotocols = udp\n" },
	{ "web", "description = Web server: HTTP and HTTPS\nports = 80, 443\nprotocols = tcp\n" },
};

enum rt_key {
	RT_KEY_DESCRIPTION,
	RT_KEY_PORTS,
	RT_KEY_PROTOCOLS,
	RT_KEY_DIRECTION,
	RT_KEY_FAMILY,
	RT_KEY_ADDRESSES,
	RT_KEY_INTERFACES,
	RT_KEY_FORWARD,
	RT_KEY_PEERS,
	RT_KEY_OWNER,
	RT_KEY_COUNT,
};

static const char *const key_names[RT_KEY_COUNT] = {
	[RT_KEY_DESCRIPTION] = "description", [RT_KEY_PORTS] = "ports",
	[RT_KEY_PROTOCOLS] = "protocols",     [RT_KEY_DIRECTION] = "direction",
	[RT_KEY_FAMILY] = "family",	      [RT_KEY_ADDRESSES] = "addresses",
	[RT_KEY_INTERFACES] = "interfaces",   [RT_KEY_FORWARD] = "forward",
	[RT_KEY_PEERS] = "peers",	      [RT_KEY_OWNER] = "owner",
};

struct rt_parser {
	struct rawtune_ctx *ctx;
	struct rawtune_profile *p;
	const char *source;
	unsigned int line;
	unsigned int seen[RT_KEY_COUNT]; /* line of each key, 0 when not seen yet */
};

static int parse_error(struct rt_parser *ps, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static int parse_error(struct rt_parser *ps, const char *format, ...)
{
	char msg[512];
	va_list args;

	va_start(args, format);
	vsnprintf(msg, sizeof(msg), format, args);
	va_end(args);
	return rt_fail(ps->ctx, -EINVAL, "%s:%u: %s", ps->source, ps->line, msg);
}

/* The user's text, safe to quote in a one-line message. */
#define SHOWN(s, buf) rt_printable((s), strlen(s), (buf), sizeof(buf))

/* A library setter failed: put the file and line in front of its message. */
static int setter_error(struct rt_parser *ps, int err)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", rawtune_last_error(ps->ctx));
	return rt_fail(ps->ctx, err, "%s:%u: %s", ps->source, ps->line, msg);
}

int rt_conf_protocols(struct rawtune_ctx *ctx, const char *value, unsigned int *protos)
{
	char *copy = strdup(value), *save = NULL, shown[RT_PRINTABLE_MAX];
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*protos = 0;
	for (char *w = strtok_r(copy, ", \t", &save); w && err == 0; w = strtok_r(NULL, ", \t", &save)) {
		if (strcmp(w, "tcp") == 0)
			*protos |= RAWTUNE_PROTO_TCP;
		else if (strcmp(w, "udp") == 0)
			*protos |= RAWTUNE_PROTO_UDP;
		else
			err = rt_fail(ctx, -EINVAL, "bad protocol '%s': tcp or udp", SHOWN(w, shown));
	}
	free(copy);
	if (err == 0 && !*protos)
		err = rt_fail(ctx, -EINVAL, "no protocol given: tcp, udp or both");
	return err;
}

int rt_conf_family(struct rawtune_ctx *ctx, const char *value, unsigned int *families)
{
	static const char *const words[] = { "ipv4", "ipv6", "both" };
	static const unsigned int bits[] = { RAWTUNE_FAMILY_IPV4, RAWTUNE_FAMILY_IPV6,
					     RAWTUNE_FAMILY_BOTH };
	char shown[RT_PRINTABLE_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcmp(value, words[i]) == 0) {
			*families = bits[i];
			return 0;
		}
	}
	return rt_fail(ctx, -EINVAL, "bad family '%s': ipv4, ipv6 or both", SHOWN(value, shown));
}

const char *rt_conf_family_name(unsigned int families)
{
	switch (families & RAWTUNE_FAMILY_BOTH) {
	case RAWTUNE_FAMILY_IPV4:
		return "ipv4";
	case RAWTUNE_FAMILY_IPV6:
		return "ipv6";
	default:
		return "both";
	}
}

/* value must be one of @words; returns its index or a negative errno. */
static int pick(struct rt_parser *ps, const char *key, const char *value,
		const char *const *words, size_t n)
{
	char shown[RT_PRINTABLE_MAX];

	for (size_t i = 0; i < n; i++)
		if (strcmp(value, words[i]) == 0)
			return (int)i;
	return parse_error(ps, "bad %s '%s': %s%s%s%s%s", key, SHOWN(value, shown), words[0],
			   n > 2 ? ", " : " or ", words[1], n > 2 ? " or " : "", n > 2 ? words[2] : "");
}

static int set_key(struct rt_parser *ps, enum rt_key key, const char *value)
{
	static const char *const directions[] = { "server", "client" };
	static const char *const yesno[] = { "no", "yes" };
	struct rawtune_profile *p = ps->p;
	unsigned int bits;
	int i, err = 0;

	switch (key) {
	case RT_KEY_DESCRIPTION:
		err = rawtune_profile_set_description(p, value);
		break;
	case RT_KEY_PORTS:
		err = rawtune_profile_set_ports(p, value);
		break;
	case RT_KEY_PROTOCOLS:
		err = rt_conf_protocols(ps->ctx, value, &bits);
		if (err == 0)
			err = rawtune_profile_set_protocols(p, bits);
		break;
	case RT_KEY_DIRECTION:
		i = pick(ps, "direction", value, directions, 2);
		if (i < 0)
			return i;
		p->direction = i ? RAWTUNE_DIRECTION_CLIENT : RAWTUNE_DIRECTION_SERVER;
		break;
	case RT_KEY_FAMILY:
		err = rt_conf_family(ps->ctx, value, &bits);
		if (err == 0)
			p->families = bits;
		break;
	case RT_KEY_ADDRESSES:
		err = rawtune_profile_set_addresses(p, value);
		break;
	case RT_KEY_INTERFACES:
		err = rawtune_profile_set_interfaces(p, value);
		break;
	case RT_KEY_FORWARD:
		i = pick(ps, "forward", value, yesno, 2);
		if (i < 0)
			return i;
		p->forward = i == 1;
		break;
	case RT_KEY_PEERS:
		err = rawtune_profile_set_peers(p, value);
		break;
	case RT_KEY_OWNER:
		err = rawtune_profile_set_owner(p, value);
		break;
	case RT_KEY_COUNT:
		break;
	}
	return err < 0 ? setter_error(ps, err) : 0;
}

char *rt_conf_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int parse_line(struct rt_parser *ps, char *line)
{
	char *eq, *key, *value, shown[RT_PRINTABLE_MAX];

	line = rt_conf_trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return parse_error(ps, "expected 'key = value', got '%s'", SHOWN(line, shown));
	*eq = '\0';
	key = rt_conf_trim(line);
	value = rt_conf_trim(eq + 1);
	for (enum rt_key k = 0; k < RT_KEY_COUNT; k++) {
		if (strcmp(key, key_names[k]) != 0)
			continue;
		if (ps->seen[k])
			return parse_error(ps, "duplicate key '%s' (first on line %u)", key,
					   ps->seen[k]);
		ps->seen[k] = ps->line;
		return set_key(ps, k, value);
	}
	return parse_error(ps, "unknown key '%s' (see rawtune.conf(5))", SHOWN(key, shown));
}

RAWTUNE_EXPORT int rawtune_profile_parse(struct rawtune_ctx *ctx, const char *name,
					 const char *text, const char *source,
					 struct rawtune_profile **out)
{
	struct rt_parser ps = { .ctx = ctx, .source = source };
	char *copy;
	int err;

	err = rawtune_profile_new(ctx, name, &ps.p);
	if (err < 0)
		return err;
	copy = strdup(text);
	if (!copy || rt_profile_set_source(ps.p, source) < 0) {
		err = -ENOMEM;
		goto out;
	}
	/* strtok_r would merge empty lines and lose the count: split by hand */
	for (char *line = copy, *next; line && err == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ps.line++;
		err = parse_line(&ps, line);
	}
	if (err == 0 && !ps.seen[RT_KEY_PORTS])
		err = rt_fail(ctx, -EINVAL, "%s: no 'ports' line: a profile needs its ports", source);
out:
	free(copy);
	if (err < 0) {
		rawtune_profile_unref(ps.p);
		return err;
	}
	*out = ps.p;
	return 0;
}

/* ---- files ------------------------------------------------------------------ */

/* NAME.conf in the profile directory @dirfd; @path names it in messages. */
static int load_file(struct rawtune_ctx *ctx, int dirfd, const char *name, const char *path,
		     struct rawtune_profile **out)
{
	char file[RAWTUNE_PROFILE_NAME_MAX + sizeof(".conf")], *text;
	int err;

	snprintf(file, sizeof(file), "%s.conf", name);
	err = rt_conf_read_at(ctx, dirfd, file, path, "profile file", &text);
	if (err < 0)
		return err;
	/*
	 * "rawtune show web > web.conf" has the shell empty the file before
	 * rawtune reads it: an empty file is no profile and hides none.
	 */
	if (text[strspn(text, " \t\r\n")] == '\0')
		err = -ENODATA;
	else
		err = rawtune_profile_parse(ctx, name, text, path, out);
	free(text);
	return err;
}

static int load_builtin(struct rawtune_ctx *ctx, const char *name, struct rawtune_profile **out)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return rawtune_profile_parse(ctx, name, builtins[i].text, RT_BUILTIN_SOURCE,
						     out);
	return -ENOENT;
}

RAWTUNE_EXPORT int rawtune_profile_load(struct rawtune_ctx *ctx, const char *name,
					struct rawtune_profile **out)
{
	const char *dir = rawtune_get_profile_dir(ctx);
	char path[4096];
	int dfd, err;

	rt_clear_error(ctx);
	err = rt_profile_name_check(ctx, name);
	if (err < 0)
		return err;
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	/* a directory others may write could hold any NAME.conf: refuse it, built-ins too */
	dfd = rt_conf_open_dir(ctx, dir);
	if (dfd < 0 && dfd != -ENOENT)
		return dfd;
	err = dfd < 0 ? -ENOENT : load_file(ctx, dfd, name, path, out);
	if (dfd >= 0)
		close(dfd);
	if (err == -ENODATA) {
		err = load_builtin(ctx, name, out);
		if (err == 0)
			rt_notice(ctx, "note: %s is empty, using the built-in %s", path, name);
		else if (err == -ENOENT)
			return rt_fail(ctx, -ENOENT,
				       "unknown profile '%s' (no built-in profile, and %s is empty)",
				       name, path);
		return err;
	}
	if (err == -ENOENT)
		err = load_builtin(ctx, name, out);
	if (err == -ENOENT)
		return rt_fail(ctx, -ENOENT, "unknown profile '%s' (no built-in profile and no %s)",
			       name, path);
	return err;
}

/* ---- the list of all profiles ------------------------------------------------- */

int rt_profile_list_put(struct rawtune_profile_list *list, struct rawtune_profile *p)
{
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->profile[i]->name, p->name) != 0)
			continue;
		/* a file overrides the built-in profile of that name */
		rawtune_profile_unref(list->profile[i]);
		list->profile[i] = p;
		return 0;
	}
	if (list->n == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 16;
		struct rawtune_profile **grown = realloc(list->profile, ncap * sizeof(*grown));

		if (!grown) {
			rawtune_profile_unref(p);
			return -ENOMEM;
		}
		list->profile = grown;
		list->cap = ncap;
	}
	list->profile[list->n++] = p;
	return 0;
}

/* An empty file in the listing: it hides no built-in profile, and is none itself. */
static int empty_file(struct rawtune_ctx *ctx, const struct rawtune_profile_list *list,
		      const char *name, const char *path)
{
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->profile[i]->name, name) != 0)
			continue;
		rt_notice(ctx, "note: %s is empty, using the built-in %s", path, name);
		return 0;
	}
	rt_notice(ctx, "note: %s is empty, ignored", path);
	return 0;
}

/*
 * A file that cannot be loaded costs only its own profile, as a unit with an
 * error costs systemctl's listing only that unit: say why, and list no
 * built-in of its name either, since "rawtune apply NAME" would fail on the
 * file.
 */
static int broken_file(struct rawtune_ctx *ctx, struct rawtune_profile_list *list,
		       const char *name)
{
	rt_warn(ctx, "profile file skipped: %s", rawtune_last_error(ctx));
	rt_clear_error(ctx);
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->profile[i]->name, name) != 0)
			continue;
		rawtune_profile_unref(list->profile[i]);
		list->profile[i] = list->profile[--list->n];
		break;
	}
	return 0;
}

static int read_dir(struct rawtune_ctx *ctx, struct rawtune_profile_list *list)
{
	const char *dir = rawtune_get_profile_dir(ctx);
	int fd = rt_conf_open_dir(ctx, dir), err = 0;
	struct dirent *de;
	DIR *d;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return rt_fail(ctx, err, "cannot read %s: %s", dir, strerror(-err));
	}
	while (err == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256], path[4096];
		struct rawtune_profile *p;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0 || de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
		if (!rt_profile_name_valid(name)) {
			rt_warn(ctx, "skipped %s/%s: not a valid profile name", dir, de->d_name);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = load_file(ctx, dirfd(d), name, path, &p);
		if (err == -ENODATA)
			err = empty_file(ctx, list, name, path);
		else if (err == 0)
			err = rt_profile_list_put(list, p);
		else if (err != -ENOMEM)
			err = broken_file(ctx, list, name);
	}
	closedir(d);
	return err;
}

static int by_name(const void *a, const void *b)
{
	const struct rawtune_profile *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

RAWTUNE_EXPORT int rawtune_profile_list_read(struct rawtune_ctx *ctx,
					     struct rawtune_profile_list **out)
{
	struct rawtune_profile_list *list = calloc(1, sizeof(*list));
	int err = 0;

	rt_clear_error(ctx);
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(builtins) && err == 0; i++) {
		struct rawtune_profile *p;

		err = load_builtin(ctx, builtins[i].name, &p);
		if (err == 0)
			err = rt_profile_list_put(list, p);
	}
	if (err == 0)
		err = read_dir(ctx, list);
	if (err < 0) {
		rawtune_profile_list_free(list);
		return err;
	}
	qsort(list->profile, list->n, sizeof(*list->profile), by_name);
	*out = list;
	return 0;
}

RAWTUNE_EXPORT unsigned int rawtune_profile_list_count(const struct rawtune_profile_list *list)
{
	return (unsigned int)list->n;
}

RAWTUNE_EXPORT const struct rawtune_profile *
rawtune_profile_list_get(const struct rawtune_profile_list *list, unsigned int i)
{
	return i < list->n ? list->profile[i] : NULL;
}

RAWTUNE_EXPORT void rawtune_profile_list_free(struct rawtune_profile_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		rawtune_profile_unref(list->profile[i]);
	free(list->profile);
	free(list);
}

/* ---- the writer beside the parser: what it writes parses back the same ---- */

static void format_list(FILE *f, const char *key, const char *list)
{
	if (!*list)
		return;
	fprintf(f, "%s = ", key);
	for (; *list; list++)
		fputs(*list == ',' ? ", " : (char[]){ *list, '\0' }, f);
	fputc('\n', f);
}

RAWTUNE_EXPORT int rawtune_profile_format(const struct rawtune_profile *p, char **text)
{
	const char *ports = rawtune_profile_get_ports(p);
	const char *addrs = rawtune_profile_get_addresses(p);
	const char *ifaces = rawtune_profile_get_interfaces(p);
	const char *peers = rawtune_profile_get_peers(p);
	unsigned int protos = p->protocols;
	size_t len = 0;
	FILE *f;

	*text = NULL;
	rt_clear_error(p->ctx);
	if (!ports || !addrs || !ifaces || !peers)
		return -ENOMEM;
	/* the parser requires a ports line: no text would read back */
	if (!ports[0])
		return rt_fail(p->ctx, -EINVAL, "profile %s: no ports, which a profile file needs",
			       p->name);
	f = open_memstream(text, &len);
	if (!f)
		return -ENOMEM;
	if (p->description && p->description[0])
		fprintf(f, "description = %s\n", p->description);
	format_list(f, "ports", ports);
	fprintf(f, "protocols = %s%s%s\n", protos & RAWTUNE_PROTO_TCP ? "tcp" : "",
		protos == (RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP) ? ", " : "",
		protos & RAWTUNE_PROTO_UDP ? "udp" : "");
	fprintf(f, "direction = %s\n",
		p->direction == RAWTUNE_DIRECTION_CLIENT ? "client" : "server");
	fprintf(f, "family = %s\n", rt_conf_family_name(p->families));
	/* the optional keys only when set, as a person would write the file */
	format_list(f, "addresses", addrs);
	format_list(f, "interfaces", ifaces);
	if (p->forward)
		fputs("forward = yes\n", f);
	format_list(f, "peers", peers);
	if (p->has_owner)
		fprintf(f, "owner = %s\n", p->owner_text);
	if (fclose(f) != 0 || !*text) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}
