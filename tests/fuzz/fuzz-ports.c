// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the list setters of a profile: rawtune_profile_set_ports() against a
 * reference parser written here from rawtune.h, and set_addresses() and
 * set_interfaces() for their round trip. Each input goes to all three.
 *
 * Checked for each input:
 * - set_ports accepts exactly the lists the reference accepts, and
 *   get_ports() is the reference's normalised text;
 * - what each getter prints, its setter accepts and prints the same again;
 * - a failed call leaves the profile's list as it was, and
 *   rawtune_last_error() is one line without control characters.
 *
 * make check runs the seed corpus (corpus-ports/) through this file with
 * tests/fuzz/run-corpus.c. To fuzz for real with libFuzzer (clang), from the
 * top of a configured tree, see tests/fuzz/README:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-fno-sanitize-recover=all -include config.h \
 *	-Iinclude -Ilib -DSYSCONFDIR='"/etc"' tests/fuzz/fuzz-ports.c \
 *	$(ls lib/[a-z]*.c | grep -v iptc-family) \
 *	$(pkg-config --cflags --libs libip4tc libip6tc libnetfilter_conntrack libmnl) \
 *	-o fuzz-ports
 *   mkdir -p /tmp/corpus-ports
 *   ./fuzz-ports -max_total_time=600 /tmp/corpus-ports tests/fuzz/corpus-ports
 */
#include <stdbool.h>

#include "fuzz.h"

#define PORTS_BEFORE "7"

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool ref_port(const char **s, unsigned long *port)
{
	const char *p = *s;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned long)(*p - '0')) > 65535)
			return false;
	*port = v;
	*s = p;
	return v >= 1;
}

/*
 * rawtune.h: "ports and ranges separated by commas ... each port is 1 to
 * 65535 and a range runs low-high"; ports.c allows blanks around entries.
 * Fills @text with the normalised list, or returns false.
 */
static bool ref_ports(const char *list, char *text, size_t len)
{
	static bool set[65536];
	const char *s = list;
	size_t used = 0;

	memset(set, 0, sizeof(set));
	for (;;) {
		unsigned long lo, hi;

		s = skip_blanks(s);
		if (!ref_port(&s, &lo))
			return false;
		hi = lo;
		if (*s == '-') {
			s++;
			if (!ref_port(&s, &hi) || hi < lo)
				return false;
		}
		s = skip_blanks(s);
		if (*s != ',' && *s != '\0')
			return false;
		for (unsigned long p = lo; p <= hi; p++)
			set[p] = true;
		if (!*s++)
			break;
	}
	text[0] = '\0';
	for (unsigned long p = 1; p <= 65535; p++) {
		unsigned long lo = p;

		if (!set[p])
			continue;
		while (p < 65535 && set[p + 1])
			p++;
		used += (size_t)(lo == p ? snprintf(text + used, len - used, "%s%lu",
						   used ? "," : "", lo)
					 : snprintf(text + used, len - used, "%s%lu-%lu",
						    used ? "," : "", lo, p));
		if (used >= len)
			abort(); /* the buffer below is big enough for every list */
	}
	return true;
}

typedef int (*list_set)(struct rawtune_profile *p, const char *list);
typedef const char *(*list_get)(const struct rawtune_profile *p);

/* What @get prints, @set accepts on a fresh profile and prints the same. */
static void check_round_trip(struct rawtune_ctx *ctx, const char *what, list_set set,
			     list_get get, const char *text, const char *input)
{
	struct rawtune_profile *p;
	int err;

	if (rawtune_profile_new(ctx, "again", &p) < 0)
		abort();
	err = set(p, text);
	if (err < 0) {
		fuzz_show("printed", text);
		fuzz_show("error", rawtune_last_error(ctx));
		fuzz_fail(input, "%s: the printed list does not parse again (%d)", what, err);
	}
	if (strcmp(get(p), text) != 0) {
		fuzz_show("printed", text);
		fuzz_show("printed again", get(p));
		fuzz_fail(input, "%s: the printed list changes when parsed again", what);
	}
	rawtune_profile_unref(p);
}

static void check_list(struct rawtune_ctx *ctx, struct rawtune_profile *p, const char *what,
		       list_set set, list_get get, const char *input)
{
	char *before = strdup(get(p));
	int err;

	if (!before)
		abort();
	err = set(p, input);
	if (err < 0) {
		fuzz_check_error(ctx, err, input);
		if (strcmp(get(p), before) != 0)
			fuzz_fail(input, "%s: a failed call changed the list", what);
	} else {
		check_round_trip(ctx, what, set, get, get(p), input);
	}
	free(before);
}

static void check_ports(struct rawtune_ctx *ctx, struct rawtune_profile *p, const char *input)
{
	/* 32768 single ports of 5 characters and a comma at most */
	static char expected[32768 * 6 + 1];
	bool ok = ref_ports(input, expected, sizeof(expected));
	int err = rawtune_profile_set_ports(p, input);

	if (err < 0 && ok)
		fuzz_fail(input, "set_ports refused a good list (%d): %s", err,
			  rawtune_last_error(ctx));
	if (err == 0 && !ok)
		fuzz_fail(input, "set_ports accepted a bad list as \"%s\"",
			  rawtune_profile_get_ports(p));
	if (err < 0) {
		fuzz_check_error(ctx, err, input);
		if (strcmp(rawtune_profile_get_ports(p), PORTS_BEFORE) != 0)
			fuzz_fail(input, "a failed set_ports changed the ports");
		return;
	}
	if (strcmp(rawtune_profile_get_ports(p), expected) != 0) {
		fuzz_show("expected", expected);
		fuzz_show("got", rawtune_profile_get_ports(p));
		fuzz_fail(input, "set_ports normalised the list differently");
	}
	check_round_trip(ctx, "ports", rawtune_profile_set_ports, rawtune_profile_get_ports,
			 rawtune_profile_get_ports(p), input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_string(data, size);
	struct rawtune_ctx *ctx;
	struct rawtune_profile *p;

	if (rawtune_new(&ctx) < 0 || rawtune_profile_new(ctx, "fuzz", &p) < 0)
		abort();
	/* a list to keep when a call fails */
	if (rawtune_profile_set_ports(p, PORTS_BEFORE) < 0 ||
	    rawtune_profile_set_addresses(p, "192.0.2.1, 2001:db8::/64") < 0 ||
	    rawtune_profile_set_interfaces(p, "eth0, veth+") < 0)
		abort();
	check_ports(ctx, p, input);
	check_list(ctx, p, "addresses", rawtune_profile_set_addresses,
		   rawtune_profile_get_addresses, input);
	check_list(ctx, p, "interfaces", rawtune_profile_set_interfaces,
		   rawtune_profile_get_interfaces, input);
	if (rawtune_profile_unref(p) || rawtune_unref(ctx))
		fuzz_fail(input, "a reference was left on the profile or the context");
	free(input);
	return 0;
}
