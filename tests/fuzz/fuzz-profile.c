// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the profile file parser, rawtune_profile_parse(), with the input as
 * the text of a profile file.
 *
 * Checked for each input:
 * - a parsed profile has ports, and get_ports() parses again to the same text;
 * - the profile written back in the file format (as 'rawtune show' does)
 *   parses again to the same profile, field by field;
 * - rawtune_profile_render() succeeds for both families;
 * - a failed parse returns -EINVAL (or -ENOMEM), and rawtune_last_error() is
 *   one line without control characters that names the source.
 *
 * make check runs the seed corpus (corpus-profile/) through this file with
 * tests/fuzz/run-corpus.c. To fuzz for real with libFuzzer (clang), from the
 * top of a configured tree, see tests/fuzz/README:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-fno-sanitize-recover=all -include config.h \
 *	-Iinclude -Ilib -DSYSCONFDIR='"/etc"' tests/fuzz/fuzz-profile.c \
 *	$(ls lib/[a-z]*.c | grep -v iptc-family) \
 *	$(pkg-config --cflags --libs libip4tc libip6tc libnetfilter_conntrack libmnl) \
 *	-o fuzz-profile
 *   mkdir -p /tmp/corpus-profile
 *   ./fuzz-profile -max_total_time=600 /tmp/corpus-profile tests/fuzz/corpus-profile
 */
#include "fuzz.h"

#define SOURCE "fuzz"

/* The profile in the file format, every key written out. */
static char *profile_text(const struct rawtune_profile *p)
{
	static const char *const protocols[] = { "", "tcp", "udp", "tcp, udp" };
	static const char *const families[] = { "", "ipv4", "ipv6", "both" };
	unsigned int proto = rawtune_profile_get_protocols(p);
	unsigned int family = rawtune_profile_get_families(p);
	char *text;

	if (proto > 3 || family > 3)
		return NULL;
	if (asprintf(&text,
		     "description = %s\nports = %s\nprotocols = %s\ndirection = %s\n"
		     "family = %s\naddresses = %s\ninterfaces = %s\nforward = %s\n",
		     rawtune_profile_get_description(p), rawtune_profile_get_ports(p),
		     protocols[proto],
		     rawtune_profile_get_direction(p) == RAWTUNE_DIRECTION_CLIENT ? "client"
										 : "server",
		     families[family], rawtune_profile_get_addresses(p),
		     rawtune_profile_get_interfaces(p),
		     rawtune_profile_get_forward(p) ? "yes" : "no") < 0)
		abort();
	return text;
}

#define SAME_STRING(a, b, get, input)                                               \
	do {                                                                        \
		if (strcmp(get(a), get(b)) != 0) {                                  \
			fuzz_show("first", get(a));                                 \
			fuzz_show("again", get(b));                                 \
			fuzz_fail(input, #get ": differs once written out and parsed"); \
		}                                                                   \
	} while (0)

#define SAME_NUMBER(a, b, get, input)                                               \
	do {                                                                        \
		if (get(a) != get(b))                                               \
			fuzz_fail(input, #get ": %d, then %d once written out and parsed", \
				  (int)get(a), (int)get(b));                        \
	} while (0)

static void check_written_out(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			      const char *input)
{
	char *text = profile_text(p);
	struct rawtune_profile *again;
	int err;

	if (!text)
		fuzz_fail(input, "protocols %u or families %u out of range",
			  rawtune_profile_get_protocols(p), rawtune_profile_get_families(p));
	err = rawtune_profile_parse(ctx, "fuzz", text, "written out", &again);
	if (err < 0) {
		fuzz_show("written out", text);
		fuzz_show("error", rawtune_last_error(ctx));
		fuzz_fail(input, "the profile written out does not parse again (%d)", err);
	}
	SAME_STRING(p, again, rawtune_profile_get_description, input);
	SAME_STRING(p, again, rawtune_profile_get_ports, input);
	SAME_STRING(p, again, rawtune_profile_get_addresses, input);
	SAME_STRING(p, again, rawtune_profile_get_interfaces, input);
	SAME_NUMBER(p, again, rawtune_profile_get_protocols, input);
	SAME_NUMBER(p, again, rawtune_profile_get_direction, input);
	SAME_NUMBER(p, again, rawtune_profile_get_families, input);
	SAME_NUMBER(p, again, rawtune_profile_get_forward, input);
	rawtune_profile_unref(again);
	free(text);
}

static void check_ports(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			const char *input)
{
	const char *ports = rawtune_profile_get_ports(p);
	struct rawtune_profile *again;

	if (!ports[0])
		fuzz_fail(input, "a parsed profile without ports");
	if (rawtune_profile_new(ctx, "again", &again) < 0)
		abort();
	if (rawtune_profile_set_ports(again, ports) < 0)
		fuzz_fail(input, "get_ports() \"%s\" does not parse again: %s", ports,
			  rawtune_last_error(ctx));
	if (strcmp(rawtune_profile_get_ports(again), ports) != 0)
		fuzz_fail(input, "get_ports() \"%s\" parses again as \"%s\"", ports,
			  rawtune_profile_get_ports(again));
	rawtune_profile_unref(again);
}

static void check_render(struct rawtune_ctx *ctx, const struct rawtune_profile *p,
			 const char *input)
{
	static const enum rawtune_family family[] = { RAWTUNE_FAMILY_IPV4, RAWTUNE_FAMILY_IPV6 };

	for (size_t i = 0; i < 2; i++) {
		char *text;
		int err = rawtune_profile_render(p, family[i], &text);

		if (err == -ENOMEM)
			continue;
		if (err < 0)
			fuzz_fail(input, "render failed (%d): %s", err, rawtune_last_error(ctx));
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_string(data, size);
	struct rawtune_profile *p = NULL;
	struct rawtune_ctx *ctx;
	int err;

	if (rawtune_new(&ctx) < 0)
		abort();
	err = rawtune_profile_parse(ctx, "fuzz", input, SOURCE, &p);
	if (err < 0) {
		fuzz_check_error(ctx, err, input);
		if (err == -EINVAL && strncmp(rawtune_last_error(ctx), SOURCE ":",
					      strlen(SOURCE ":")) != 0)
			fuzz_fail(input, "the error does not name the source: %s",
				  rawtune_last_error(ctx));
	} else {
		if (strcmp(rawtune_profile_get_name(p), "fuzz") != 0 ||
		    strcmp(rawtune_profile_get_source(p), SOURCE) != 0)
			fuzz_fail(input, "the profile lost its name or its source");
		check_ports(ctx, p, input);
		check_written_out(ctx, p, input);
		check_render(ctx, p, input);
	}
	if (rawtune_profile_unref(p) || rawtune_unref(ctx))
		fuzz_fail(input, "a reference was left on the profile or the context");
	free(input);
	return 0;
}
