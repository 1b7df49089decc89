// SPDX-License-Identifier: LGPL-2.1-or-later
/* The boot file, rawtune.conf: rawtune_boot_config_read() and its errors. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rawtune.h"
#include "rawtune-private.h" /* rt_boot_config_backend(): the key without the kernel */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct rawtune_ctx *ctx;
/* rawtune.conf and profiles.d/ in a directory of their own */
static char dir[64], conf[128], profile_dir[128];

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_conf(const char *text)
{
	write_file(conf, text, strlen(text));
}

static void write_profile(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.conf", profile_dir, name);
	write_file(path, text, strlen(text));
}

static void setup(void)
{
	unsetenv("RAWTUNE_LOG");
	unsetenv("RAWTUNE_CONFIG");
	unsetenv("RAWTUNE_PROFILE_DIR");
	/* as root, the library refuses files that group or others may write */
	umask(022);
	strcpy(dir, "/tmp/rawtune-test-boot.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/rawtune.conf", dir);
	snprintf(profile_dir, sizeof(profile_dir), "%s/profiles.d", dir);
	ck_assert_int_eq(mkdir(profile_dir, 0700), 0);
	ck_assert_int_eq(rawtune_new(&ctx), 0);
	ck_assert_int_eq(rawtune_set_profile_dir(ctx, profile_dir), 0);
	ck_assert_int_eq(rawtune_set_boot_config(ctx, conf), 0);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	ck_assert_ptr_null(rawtune_unref(ctx));
	ctx = NULL;
	ck_assert_int_eq(nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* Read the boot file, expecting success; the list's names joined by ' '. */
static struct rawtune_profile_list *read_ok(char *names, size_t len)
{
	struct rawtune_profile_list *list = NULL;
	size_t used = 0;

	ck_assert_msg(rawtune_boot_config_read(ctx, &list) == 0, "read failed: %s",
		      rawtune_last_error(ctx));
	ck_assert_ptr_nonnull(list);
	names[0] = '\0';
	for (unsigned int i = 0; i < rawtune_profile_list_count(list); i++)
		used += (size_t)snprintf(names + used, len - used, "%s%s", i ? " " : "",
					 rawtune_profile_get_name(rawtune_profile_list_get(list, i)));
	return list;
}

static const char *ports_of(const struct rawtune_profile_list *list, unsigned int i)
{
	return rawtune_profile_get_ports(rawtune_profile_list_get(list, i));
}

/* ---- the path ----------------------------------------------------------------- */

START_TEST(test_path_default)
{
	struct rawtune_ctx *c;
	const char *path, *tail = "/rawtune/rawtune.conf";

	ck_assert_int_eq(rawtune_new(&c), 0);
	path = rawtune_get_boot_config(c);
	ck_assert_uint_gt(strlen(path), strlen(tail));
	ck_assert_str_eq(path + strlen(path) - strlen(tail), tail);
	rawtune_unref(c);
}
END_TEST

START_TEST(test_path_env)
{
	struct rawtune_ctx *c;

	setenv("RAWTUNE_CONFIG", "/somewhere/boot.conf", 1);
	ck_assert_int_eq(rawtune_new(&c), 0);
	ck_assert_str_eq(rawtune_get_boot_config(c), "/somewhere/boot.conf");
	rawtune_unref(c);
	/* empty means unset */
	setenv("RAWTUNE_CONFIG", "", 1);
	ck_assert_int_eq(rawtune_new(&c), 0);
	ck_assert_str_ne(rawtune_get_boot_config(c), "");
	rawtune_unref(c);
	unsetenv("RAWTUNE_CONFIG");
}
END_TEST

START_TEST(test_path_set)
{
	ck_assert_str_eq(rawtune_get_boot_config(ctx), conf);
	ck_assert_int_eq(rawtune_set_boot_config(ctx, "/other"), 0);
	ck_assert_str_eq(rawtune_get_boot_config(ctx), "/other");
}
END_TEST

/* ---- good files ----------------------------------------------------------------- */

static const char *const empty_texts[] = {
	"",
	"\n\n",
	"# apply = web\n#apply = dns ports=53\n",
	"   \t\n\t# only comments\n\r\n",
};

START_TEST(test_empty)
{
	struct rawtune_profile_list *list;
	char names[256];

	write_conf(empty_texts[_i]);
	list = read_ok(names, sizeof(names));
	ck_assert_uint_eq(rawtune_profile_list_count(list), 0);
	rawtune_profile_list_free(list);
}
END_TEST

/* In the file's order, not sorted; each with its own ports unless overridden. */
START_TEST(test_order_and_ports)
{
	struct rawtune_profile_list *list;
	char names[256];

	write_conf("# boot\n"
		   "apply = web\n"
		   "\n"
		   "apply = dns ports=53,5353\n"
		   "apply = ntp\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web dns ntp");
	ck_assert_str_eq(ports_of(list, 0), "80,443");
	ck_assert_str_eq(ports_of(list, 1), "53,5353");
	ck_assert_uint_eq(rawtune_profile_get_protocols(rawtune_profile_list_get(list, 1)),
			  RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP);
	ck_assert_str_eq(ports_of(list, 2), "123");
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	rawtune_profile_list_free(list);
}
END_TEST

/* Blanks where profile files allow them, a CR at the end of a line. */
START_TEST(test_blanks)
{
	struct rawtune_profile_list *list;
	char names[256];

	write_conf("  apply=web\r\n"
		   "\tapply\t=\tdns   ports = 5353, 53 \r\n"
		   "apply = syslog ports=1514\n"
		   "apply = ntp ports =123-124");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web dns syslog ntp");
	ck_assert_str_eq(ports_of(list, 0), "80,443");
	ck_assert_str_eq(ports_of(list, 1), "53,5353");
	ck_assert_str_eq(ports_of(list, 2), "1514");
	ck_assert_str_eq(ports_of(list, 3), "123-124");
	rawtune_profile_list_free(list);
}
END_TEST

/* A profile file comes before the built-in, as for rawtune_profile_load(). */
START_TEST(test_profile_files)
{
	struct rawtune_profile_list *list;
	const struct rawtune_profile *p;
	char names[256];

	write_profile("api", "ports = 8000-8010\nprotocols = udp\n");
	write_profile("web", "ports = 8080\n");
	write_conf("apply = api ports=9000\napply = web\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "api web");
	p = rawtune_profile_list_get(list, 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "9000");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_UDP);
	ck_assert_ptr_nonnull(strstr(rawtune_profile_get_source(p), "/profiles.d/api.conf"));
	ck_assert_str_eq(ports_of(list, 1), "8080");
	rawtune_profile_list_free(list);
}
END_TEST

/* Protocols and families beside the ports, in any order, blanks as for ports. */
START_TEST(test_protocols_family)
{
	struct rawtune_profile_list *list;
	const struct rawtune_profile *p;
	char names[256];

	write_conf("apply = web protocols=udp\n"
		   "apply = dns family = ipv6 ports = 53, 5353 protocols = tcp , udp\n"
		   "apply = ntp family=ipv4\n"
		   "apply = syslog ports=1514 family=both protocols=tcp\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web dns ntp syslog");
	p = rawtune_profile_list_get(list, 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "80,443");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_UDP);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_BOTH);
	p = rawtune_profile_list_get(list, 1);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "53,5353");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_TCP | RAWTUNE_PROTO_UDP);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV6);
	p = rawtune_profile_list_get(list, 2);
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_UDP);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV4);
	p = rawtune_profile_list_get(list, 3);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "1514");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_TCP);
	rawtune_profile_list_free(list);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------- */

static const struct {
	const char *text;
	int err;
	const char *message; /* after "DIR/rawtune.conf" */
} bad[] = {
	{ "apply = web\nweb\n", -EINVAL, ":2: expected 'apply = PROFILE', got 'web'" },
	{ "profile = web\n", -EINVAL, ":1: unknown key 'profile': only 'apply' and 'backend' (see rawtune.conf(5))" },
	{ "Apply = web\n", -EINVAL, ":1: unknown key 'Apply'" },
	{ "apply =\n", -EINVAL, ":1: 'apply' without a profile name" },
	{ "apply = web port=80\n", -EINVAL,
	  ":1: expected 'ports=LIST', 'protocols=LIST' or 'family=ipv4|ipv6|both' after the "
	  "profile's name, got 'port=80'" },
	{ "apply = web 80\n", -EINVAL,
	  ":1: expected 'ports=LIST', 'protocols=LIST' or 'family=ipv4|ipv6|both' after the "
	  "profile's name, got '80'" },
	{ "apply = web ports 80\n", -EINVAL, ":1: expected 'ports=LIST'" },
	{ "apply = web ports==80\n", -EINVAL, ":1: expected 'ports=LIST'" },
	{ "apply = web ports=80family=ipv4\n", -EINVAL, ":1: expected 'ports=LIST'" },
	{ "apply = web protocols=sctp\n", -EINVAL, ":1: bad protocol 'sctp': tcp or udp" },
	{ "apply = web protocols=\n", -EINVAL, ":1: no protocol given: tcp, udp or both" },
	{ "apply = web family=inet\n", -EINVAL, ":1: bad family 'inet': ipv4, ipv6 or both" },
	{ "apply = web family=ipv4 family=ipv6\n", -EINVAL, ":1: 'family=' given twice" },
	{ "apply = web ports=80 protocols=udp ports=81\n", -EINVAL, ":1: 'ports=' given twice" },
	{ "apply = web ports=\n", -EINVAL, ":1: " },
	{ "apply = web ports=0\n", -EINVAL, ":1: bad port '0'" },
	{ "apply = web ports=80 # http\n", -EINVAL, ":1: bad port '80 # http'" },
	{ "\n\napply = nosuch\n", -EINVAL, ":3: unknown profile 'nosuch'" },
	{ "apply = bad/name\n", -EINVAL, ":1: bad profile name 'bad/name'" },
	{ "apply = web\napply = dns\napply = web ports=8080\n", -EINVAL,
	  ":3: profile 'web' is listed twice" },
	{ "apply = web\napply = broken\n", -EINVAL, ":2: " },
	{ "apply = web\n\x01\n", -EINVAL, ":2: expected 'apply = PROFILE', got '\\x01'" },
	/* a list: the file takes one profile a line */
	{ "apply = web, dns\n", -EINVAL,
	  ":1: one profile per 'apply' line: 'apply = web', then 'apply = dns' on a line of its own" },
	{ "apply = web,dns ports=53\n", -EINVAL,
	  ":1: one profile per 'apply' line: 'apply = web', then 'apply = dns' on a line of its own" },
	{ "apply = web ,\n", -EINVAL, ":1: one profile per 'apply' line, no comma: 'apply = web'" },
	/* the backend key: one of three words, once */
	{ "backend = foo\n", -EINVAL, ":1: backend 'foo': expected auto, legacy or nft" },
	{ "backend = NFT\n", -EINVAL, ":1: backend 'NFT': expected auto, legacy or nft" },
	{ "backend =\n", -EINVAL, ":1: backend '': expected auto, legacy or nft" },
	{ "backend = nft legacy\n", -EINVAL, ":1: backend 'nft legacy': expected" },
	{ "apply = web\nbackend = iptables\n", -EINVAL, ":2: backend 'iptables': expected" },
	{ "backend = nft\nbackend = nft\n", -EINVAL, ":2: a second 'backend' line: give it once" },
	{ "backend = legacy\napply = web\nbackend = auto\n", -EINVAL,
	  ":3: a second 'backend' line: give it once" },
	{ "Backend = nft\n", -EINVAL, ":1: unknown key 'Backend'" },
};

START_TEST(test_bad)
{
	struct rawtune_profile_list *list = NULL;
	char want[512];

	write_profile("broken", "ports = 1\nbogus\n");
	write_conf(bad[_i].text);
	ck_assert_int_eq(rawtune_boot_config_read(ctx, &list), bad[_i].err);
	ck_assert_ptr_null(list);
	snprintf(want, sizeof(want), "%s%s", conf, bad[_i].message);
	ck_assert_msg(strncmp(rawtune_last_error(ctx), want, strlen(want)) == 0,
		      "error '%s', want it to start with '%s'", rawtune_last_error(ctx), want);
}
END_TEST

/* A broken profile file: both files named, each with its line. */
START_TEST(test_broken_profile)
{
	struct rawtune_profile_list *list = NULL;
	char want[512];

	write_profile("app", "ports = 80\nbogus\n");
	write_conf("apply = app\n");
	ck_assert_int_eq(rawtune_boot_config_read(ctx, &list), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: %s/app.conf:2: expected 'key = value', got 'bogus'",
		 conf, profile_dir);
	ck_assert_str_eq(rawtune_last_error(ctx), want);
}
END_TEST

START_TEST(test_missing)
{
	struct rawtune_profile_list *list = NULL;
	char want[512];

	ck_assert_int_eq(rawtune_boot_config_read(ctx, &list), -ENOENT);
	ck_assert_ptr_null(list);
	snprintf(want, sizeof(want), "cannot read %s: %s", conf, strerror(ENOENT));
	ck_assert_str_eq(rawtune_last_error(ctx), want);
}
END_TEST

START_TEST(test_binary)
{
	struct rawtune_profile_list *list = NULL;
	char want[512];

	write_file(conf, "apply = web\n\0", 13);
	ck_assert_int_eq(rawtune_boot_config_read(ctx, &list), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a rawtune.conf file", conf);
	ck_assert_msg(strncmp(rawtune_last_error(ctx), want, strlen(want)) == 0, "error '%s'",
		      rawtune_last_error(ctx));
}
END_TEST

/* A failed read leaves no error behind for the next good one. */
START_TEST(test_error_cleared)
{
	struct rawtune_profile_list *list = NULL;
	char names[256];

	write_conf("bogus\n");
	ck_assert_int_eq(rawtune_boot_config_read(ctx, &list), -EINVAL);
	write_conf("apply = web\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(rawtune_last_error(ctx), "");
	rawtune_profile_list_free(list);
}
END_TEST

static char *read_conf(void);

/* ---- the backend key ------------------------------------------------------------- */

static const struct {
	const char *text;
	enum rawtune_backend backend;
} backend_lines[] = {
	{ "backend = legacy\n", RAWTUNE_BACKEND_LEGACY },
	{ "backend=nft", RAWTUNE_BACKEND_NFT },
	{ "\tbackend  =  nft \r\n", RAWTUNE_BACKEND_NFT },
	{ "backend = auto\n", RAWTUNE_BACKEND_AUTO },
	{ "# backend = nft\napply = web\n", RAWTUNE_BACKEND_AUTO },
	{ "", RAWTUNE_BACKEND_AUTO },
};

START_TEST(test_backend_values)
{
	write_conf(backend_lines[_i].text);
	ck_assert_int_eq(rt_boot_config_backend(ctx), backend_lines[_i].backend);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
}
END_TEST

START_TEST(test_backend_no_file)
{
	ck_assert_int_eq(rt_boot_config_backend(ctx), RAWTUNE_BACKEND_AUTO);
	ck_assert_str_eq(rawtune_last_error(ctx), "");
}
END_TEST

/* The apply lines read as before beside it, wherever it stands. */
START_TEST(test_backend_beside_apply)
{
	struct rawtune_profile_list *list;
	char names[256];

	write_conf("apply = web\nbackend = nft\napply = dns ports=53\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web dns");
	ck_assert_str_eq(ports_of(list, 0), "80,443");
	ck_assert_str_eq(ports_of(list, 1), "53");
	rawtune_profile_list_free(list);
	ck_assert_int_eq(rt_boot_config_backend(ctx), RAWTUNE_BACKEND_NFT);
}
END_TEST

/* The boot file's backend is the choice, said so; the caller's comes first. */
START_TEST(test_backend_chosen)
{
	enum rawtune_backend b = RAWTUNE_BACKEND_AUTO;
	const char *why = NULL;

	write_conf("backend = nft\n");
	ck_assert_int_eq(rawtune_backend_choose(ctx, &b, &why), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_NFT);
	ck_assert_str_eq(why, "chosen in the boot file (backend =)");
	write_conf("apply = web\nbackend = legacy\n");
	ck_assert_int_eq(rawtune_backend_choose(ctx, &b, NULL), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_LEGACY);
	rawtune_set_backend(ctx, RAWTUNE_BACKEND_NFT);
	ck_assert_int_eq(rawtune_backend_choose(ctx, &b, &why), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_NFT);
	ck_assert_str_eq(why, "chosen with --backend");
	/* a value that is no backend leaves the choice as it was */
	rawtune_set_backend(ctx, (enum rawtune_backend)7);
	ck_assert_int_eq(rawtune_backend_choose(ctx, &b, NULL), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_NFT);
}
END_TEST

/* A bad key stops the choice with the file and line, as it stops the boot. */
START_TEST(test_backend_choose_bad)
{
	enum rawtune_backend b = RAWTUNE_BACKEND_AUTO;
	char want[512];

	write_conf("apply = web\n\nbackend = foo\n");
	ck_assert_int_eq(rawtune_backend_choose(ctx, &b, NULL), -EINVAL);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_AUTO);
	snprintf(want, sizeof(want), "%s:3: backend 'foo': expected auto, legacy or nft", conf);
	ck_assert_str_eq(rawtune_last_error(ctx), want);
	/* the caller's choice does not read the file */
	rawtune_set_backend(ctx, RAWTUNE_BACKEND_LEGACY);
	ck_assert_int_eq(rawtune_backend_choose(ctx, &b, NULL), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_LEGACY);
}
END_TEST

/* enable and disable edit the apply lines only: the backend line stays. */
START_TEST(test_backend_edit)
{
	write_conf("backend = nft\napply = web\n");
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "ntp", "123", RAWTUNE_PROTO_UDP, 0, 0), 1);
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", 0), 1);
	ck_assert_str_eq(read_conf(), "backend = nft\napply = ntp ports=123 protocols=udp\n");
	ck_assert_int_eq(rt_boot_config_backend(ctx), RAWTUNE_BACKEND_NFT);
}
END_TEST

START_TEST(test_backend_names)
{
	enum rawtune_backend b = RAWTUNE_BACKEND_LEGACY;

	ck_assert_int_eq(rawtune_backend_parse("auto", &b), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_AUTO);
	ck_assert_int_eq(rawtune_backend_parse("legacy", &b), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_LEGACY);
	ck_assert_int_eq(rawtune_backend_parse("nft", &b), 0);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_NFT);
	ck_assert_int_eq(rawtune_backend_parse("Nft", &b), -EINVAL);
	ck_assert_int_eq(rawtune_backend_parse("", &b), -EINVAL);
	ck_assert_int_eq(rawtune_backend_parse(NULL, &b), -EINVAL);
	ck_assert_int_eq(b, RAWTUNE_BACKEND_NFT); /* untouched by a failure */
	for (int i = RAWTUNE_BACKEND_AUTO; i <= RAWTUNE_BACKEND_NFT; i++) {
		ck_assert_int_eq(rawtune_backend_parse(rawtune_backend_name(i), &b), 0);
		ck_assert_int_eq(b, i);
	}
	ck_assert_ptr_null(rawtune_backend_name((enum rawtune_backend)3));
}
END_TEST

/* ---- editing: enable and disable ------------------------------------------------ */

static char *read_conf(void)
{
	static char text[4096];
	FILE *f = fopen(conf, "re");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The comments, blank lines and other profiles' lines that every edit keeps. */
#define KEPT_HEAD "# boot profiles\n\n  # web: see the wiki\n"
#define KEPT_DNS "apply=dns   ports = 5353, 53\n"

/* Parse, edit, parse: the edit says what was asked, everything else as it was. */
START_TEST(test_enable_round_trip)
{
	struct rawtune_profile_list *list;
	const struct rawtune_profile *p;
	char names[256];

	write_conf(KEPT_HEAD "apply = web\n" KEPT_DNS "# end\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web dns");
	rawtune_profile_list_free(list);

	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", "443, 8080", RAWTUNE_PROTO_UDP,
						    RAWTUNE_FAMILY_IPV6, 0), 1);
	ck_assert_str_eq(read_conf(), KEPT_HEAD
			 "apply = web ports=443,8080 protocols=udp family=ipv6\n" KEPT_DNS "# end\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web dns");
	p = rawtune_profile_list_get(list, 0);
	ck_assert_str_eq(rawtune_profile_get_ports(p), "443,8080");
	ck_assert_uint_eq(rawtune_profile_get_protocols(p), RAWTUNE_PROTO_UDP);
	ck_assert_uint_eq(rawtune_profile_get_families(p), RAWTUNE_FAMILY_IPV6);
	ck_assert_str_eq(ports_of(list, 1), "53,5353");
	rawtune_profile_list_free(list);

	/* again: nothing to change, the file is not rewritten */
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", "8080,443", RAWTUNE_PROTO_UDP,
						    RAWTUNE_FAMILY_IPV6, 0), 0);
	/* the admin's own spelling of the same line stays */
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "dns", "53,5353", 0, 0, 0), 0);
	/* back to the profile's own: the options go */
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", NULL, 0, 0, 0), 1);
	ck_assert_str_eq(read_conf(), KEPT_HEAD "apply = web\n" KEPT_DNS "# end\n");
	ck_assert_str_eq(rawtune_last_error(ctx), "");
}
END_TEST

START_TEST(test_enable_append)
{
	struct rawtune_profile_list *list;
	char names[256];

	/* no newline at the end: the new line still starts a line of its own */
	write_conf(KEPT_HEAD "apply = web");
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "ntp", "123", RAWTUNE_PROTO_UDP, 0, 0), 1);
	ck_assert_str_eq(read_conf(), KEPT_HEAD "apply = web\napply = ntp ports=123 protocols=udp\n");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "web ntp");
	rawtune_profile_list_free(list);
}
END_TEST

/* A missing file is created, as the package installs it: 0644. */
START_TEST(test_enable_creates)
{
	struct stat st;

	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", NULL, 0, RAWTUNE_FAMILY_IPV4, 0), 1);
	ck_assert_str_eq(read_conf(), "apply = web family=ipv4\n");
	ck_assert_int_eq(stat(conf, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
}
END_TEST

/* The file keeps its mode; no temporary file stays behind. */
START_TEST(test_enable_keeps_mode)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int n = 0;

	write_conf("apply = web\n");
	ck_assert_int_eq(chmod(conf, 0600), 0);
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "dns", NULL, 0, 0, 0), 1);
	ck_assert_int_eq(stat(conf, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || de->d_name[1] == 'r'; /* ".rawtune.conf.XXXXXX" */
	closedir(d);
	ck_assert_int_eq(n, 2); /* rawtune.conf and profiles.d */
}
END_TEST

/* Nothing written when the result would not read back, or the input is bad. */
START_TEST(test_enable_refused)
{
	static const char text[] = KEPT_HEAD "apply = web\n";

	write_conf(text);
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "nosuch", NULL, 0, 0, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(rawtune_last_error(ctx), ":5: unknown profile 'nosuch'"));
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", "0", 0, 0, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(rawtune_last_error(ctx), "bad port '0'"));
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "bad/name", NULL, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "bad/name", 0), -EINVAL);
	ck_assert_str_eq(read_conf(), text);
	/* a broken line elsewhere: the file would not read back */
	write_conf("bogus\n");
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", NULL, 0, 0, 0), -EINVAL);
	ck_assert_str_eq(read_conf(), "bogus\n");
}
END_TEST

START_TEST(test_disable)
{
	struct rawtune_profile_list *list;
	char names[256];

	/* a later duplicate and a broken line of the profile go with it */
	write_conf(KEPT_HEAD "apply = web ports=8080\n" KEPT_DNS "apply = web bogus\n# end");
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", 0), 1);
	ck_assert_str_eq(read_conf(), KEPT_HEAD KEPT_DNS "# end");
	list = read_ok(names, sizeof(names));
	ck_assert_str_eq(names, "dns");
	rawtune_profile_list_free(list);
	/* not listed: nothing to do */
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", 0), 0);
	/* "# apply = web" is a comment, "apply = webby" another profile */
	write_conf("# apply = web\n#apply=web\napply = dns\n");
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", 0), 0);
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "dn", 0), 0);
	ck_assert_str_eq(read_conf(), "# apply = web\n#apply=web\napply = dns\n");
}
END_TEST

/* A dry run says what would change and changes nothing, failing as the edit would. */
START_TEST(test_dry_run)
{
	static const char text[] = KEPT_HEAD "apply = web\n";
	const unsigned int dry = RAWTUNE_BOOT_CONFIG_DRY_RUN;

	write_conf(text);
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", NULL, 0, 0, dry), 0);
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "web", "8080", 0, 0, dry), 1);
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "dns", NULL, 0, 0, dry), 1);
	ck_assert_int_eq(rawtune_boot_config_enable(ctx, "nosuch", NULL, 0, 0, dry), -EINVAL);
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", dry), 1);
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "dns", dry), 0);
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", 1 << 5), -EINVAL);
	ck_assert_str_eq(read_conf(), text);
}
END_TEST

START_TEST(test_disable_missing)
{
	ck_assert_int_eq(rawtune_boot_config_disable(ctx, "web", 0), 0);
	ck_assert_int_eq(access(conf, F_OK), -1);
}
END_TEST

static Suite *boot_suite(void)
{
	Suite *s = suite_create("boot-config");
	TCase *tc;

	tc = tcase_create("path");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_path_default);
	tcase_add_test(tc, test_path_env);
	tcase_add_test(tc, test_path_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_empty, 0, ARRAY_SIZE(empty_texts));
	tcase_add_test(tc, test_order_and_ports);
	tcase_add_test(tc, test_blanks);
	tcase_add_test(tc, test_profile_files);
	tcase_add_test(tc, test_protocols_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("backend");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_backend_values, 0, ARRAY_SIZE(backend_lines));
	tcase_add_test(tc, test_backend_no_file);
	tcase_add_test(tc, test_backend_beside_apply);
	tcase_add_test(tc, test_backend_chosen);
	tcase_add_test(tc, test_backend_choose_bad);
	tcase_add_test(tc, test_backend_edit);
	tcase_add_test(tc, test_backend_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("edit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_enable_round_trip);
	tcase_add_test(tc, test_enable_append);
	tcase_add_test(tc, test_enable_creates);
	tcase_add_test(tc, test_enable_keeps_mode);
	tcase_add_test(tc, test_enable_refused);
	tcase_add_test(tc, test_disable);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_disable_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_broken_profile);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_error_cleared);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(boot_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
