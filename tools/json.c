// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON (RFC 8259) for every command's --json output: one writer, so that
 * escaping and commas are right in one place.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "tools/tool.h"

/*
 * The length of the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned int min, c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		min = 0x80;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		min = 0x800;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		min = 0x10000;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string. The text comes from profile files and the kernel: control
 * characters are escaped, and bytes that are not UTF-8 become U+FFFD, which
 * keeps the output valid JSON whatever a file holds.
 */
static void put_string(FILE *out, const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value, *end = s + len;

	fputc('"', out);
	while (s < end) {
		size_t n = utf8_len(s, (size_t)(end - s));

		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '\t')
			fputs("\\t", out);
		else if (*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else if (n == 0)
			fputs("\\ufffd", out);
		else
			fwrite(s, 1, n, out);
		s += n ? n : 1;
	}
	fputc('"', out);
}

/* The comma and key in front of every value. */
static void member(struct json *j, const char *key)
{
	if (j->more[j->depth])
		fputc(',', j->out);
	j->more[j->depth] = true;
	if (key) {
		put_string(j->out, key, strlen(key));
		fputc(':', j->out);
	}
}

static void open_value(struct json *j, const char *key, char bracket)
{
	member(j, key);
	fputc(bracket, j->out);
	assert(j->depth + 1 < JSON_DEPTH_MAX);
	j->more[++j->depth] = false;
}

static void close_value(struct json *j, char bracket)
{
	assert(j->depth > 0);
	fputc(bracket, j->out);
	if (--j->depth == 0)
		fputc('\n', j->out);
}

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

void json_object_begin(struct json *j, const char *key)
{
	bool outermost = j->depth == 0;

	open_value(j, key, '{');
	/* every text says which version of its fields it holds, first */
	if (outermost)
		json_uint(j, "schema", JSON_SCHEMA);
}

void json_object_end(struct json *j)
{
	close_value(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	open_value(j, key, '[');
}

void json_array_end(struct json *j)
{
	close_value(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
	if (!value) {
		json_null(j, key);
		return;
	}
	member(j, key);
	put_string(j->out, value, strlen(value));
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	member(j, key);
	fprintf(j->out, "%" PRIu64, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	member(j, key);
	fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}

void json_string_list(struct json *j, const char *key, const char *list)
{
	if (!list) {
		json_null(j, key);
		return;
	}
	json_array_begin(j, key);
	while (*list) {
		size_t n = strcspn(list, ",");

		member(j, NULL);
		put_string(j->out, list, n);
		list += list[n] ? n + 1 : n;
	}
	json_array_end(j);
}

void json_families(struct json *j, const char *key, unsigned int families)
{
	json_array_begin(j, key);
	if (families & RAWTUNE_FAMILY_IPV4)
		json_string(j, NULL, "ipv4");
	if (families & RAWTUNE_FAMILY_IPV6)
		json_string(j, NULL, "ipv6");
	json_array_end(j);
}
