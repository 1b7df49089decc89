// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: reference count, logging, the last error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rawtune-private.h"

/* "iptables -w" waits forever; a library call should not. */
#define RT_LOCK_WAIT_DEFAULT 30

struct rawtune_ctx {
	int refcount;
	rawtune_log_fn log_fn;
	void *log_data;
	int log_priority;
	unsigned int lock_wait;
	bool nat_guard;
	enum rawtune_backend backend;
	bool backend_env; /* from RAWTUNE_BACKEND, not rawtune_set_backend() */
	enum rawtune_origin origin;
	char *profile_dir;
	char *boot_config;
	char last_error[512];
	/* an unknown RAWTUNE_LOG, said once through the log function in use */
	char log_env_unknown[64];
};

static void log_stderr(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	fprintf(stderr, "librawtune: ");
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

/* A syslog priority from a name or a number; -1 when it is neither. */
static int log_priority_parse(const char *s)
{
	static const struct {
		const char *name;
		int priority;
	} names[] = {
		{ "err", LOG_ERR },   { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	char *end;
	long n = strtol(s, &end, 10);

	if (end != s && *end == '\0')
		return n < LOG_EMERG ? LOG_EMERG : n > LOG_DEBUG ? LOG_DEBUG : (int)n;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].priority;
	return -1;
}

static void log_env_read(struct rawtune_ctx *ctx)
{
	const char *env = secure_getenv("RAWTUNE_LOG");
	int priority;

	if (!env)
		return;
	priority = log_priority_parse(env);
	if (priority >= 0) {
		ctx->log_priority = priority;
		return;
	}
	/*
	 * Not said here: the program has had no chance yet to install its
	 * log function, and the warning should reach its user in its voice.
	 */
	rt_printable(env, strlen(env), ctx->log_env_unknown, sizeof(ctx->log_env_unknown));
}

static void log_call(struct rawtune_ctx *ctx, int priority, const char *file, int line,
		     const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

static void log_call(struct rawtune_ctx *ctx, int priority, const char *file, int line,
		     const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	va_end(args);
}

/*
 * Whatever the priority: a mistyped RAWTUNE_LOG=verbose would otherwise
 * silently show less than its user asked for.
 */
static void log_env_warn(struct rawtune_ctx *ctx)
{
	if (!ctx->log_env_unknown[0])
		return;
	log_call(ctx, LOG_WARNING, __FILE__, __LINE__, __func__,
		 "RAWTUNE_LOG=%s: unknown, use err|warning|notice|info|debug or 0-7",
		 ctx->log_env_unknown);
	ctx->log_env_unknown[0] = '\0';
}

RAWTUNE_EXPORT int rawtune_new(struct rawtune_ctx **out)
{
	struct rawtune_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *env;

	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = log_stderr;
	ctx->log_priority = LOG_ERR;
	ctx->lock_wait = RT_LOCK_WAIT_DEFAULT;
	ctx->nat_guard = true;
	log_env_read(ctx);
	env = secure_getenv("RAWTUNE_PROFILE_DIR");
	ctx->profile_dir = strdup(env && *env ? env : SYSCONFDIR "/rawtune/profiles.d");
	env = secure_getenv("RAWTUNE_BACKEND");
	if (env && rawtune_backend_parse(env, &ctx->backend) == 0)
		ctx->backend_env = ctx->backend != RAWTUNE_BACKEND_AUTO;
	env = secure_getenv("RAWTUNE_CONFIG");
	ctx->boot_config = strdup(env && *env ? env : SYSCONFDIR "/rawtune/rawtune.conf");
	if (!ctx->profile_dir || !ctx->boot_config) {
		rawtune_unref(ctx);
		return -ENOMEM;
	}
	*out = ctx;
	return 0;
}

RAWTUNE_EXPORT struct rawtune_ctx *rawtune_ref(struct rawtune_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

RAWTUNE_EXPORT struct rawtune_ctx *rawtune_unref(struct rawtune_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return ctx;
	free(ctx->profile_dir);
	free(ctx->boot_config);
	free(ctx);
	return NULL;
}

RAWTUNE_EXPORT void rawtune_set_log_fn(struct rawtune_ctx *ctx, rawtune_log_fn log_fn,
				       void *data)
{
	ctx->log_fn = log_fn ? log_fn : log_stderr;
	ctx->log_data = log_fn ? data : NULL;
	log_env_warn(ctx);
}

RAWTUNE_EXPORT int rawtune_get_log_priority(const struct rawtune_ctx *ctx)
{
	return ctx->log_priority;
}

RAWTUNE_EXPORT void rawtune_set_log_priority(struct rawtune_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

RAWTUNE_EXPORT void rawtune_set_lock_wait(struct rawtune_ctx *ctx, unsigned int seconds)
{
	ctx->lock_wait = seconds;
}

RAWTUNE_EXPORT const char *rawtune_get_profile_dir(const struct rawtune_ctx *ctx)
{
	return ctx->profile_dir;
}

static int string_set(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

RAWTUNE_EXPORT int rawtune_set_profile_dir(struct rawtune_ctx *ctx, const char *dir)
{
	return string_set(&ctx->profile_dir, dir);
}

RAWTUNE_EXPORT const char *rawtune_get_boot_config(const struct rawtune_ctx *ctx)
{
	return ctx->boot_config;
}

RAWTUNE_EXPORT int rawtune_set_boot_config(struct rawtune_ctx *ctx, const char *path)
{
	return string_set(&ctx->boot_config, path);
}

RAWTUNE_EXPORT void rawtune_set_nat_guard(struct rawtune_ctx *ctx, int enabled)
{
	ctx->nat_guard = enabled != 0;
}

bool rt_nat_guard_enabled(const struct rawtune_ctx *ctx)
{
	return ctx->nat_guard;
}

RAWTUNE_EXPORT void rawtune_set_backend(struct rawtune_ctx *ctx, enum rawtune_backend backend)
{
	if (backend == RAWTUNE_BACKEND_AUTO || backend == RAWTUNE_BACKEND_LEGACY ||
	    backend == RAWTUNE_BACKEND_NFT) {
		ctx->backend = backend;
		ctx->backend_env = false;
	}
}

bool rt_backend_from_env(const struct rawtune_ctx *ctx)
{
	return ctx->backend_env;
}

enum rawtune_backend rt_backend_set(const struct rawtune_ctx *ctx)
{
	return ctx->backend;
}

unsigned int rt_lock_wait(const struct rawtune_ctx *ctx)
{
	return ctx->lock_wait;
}

RAWTUNE_EXPORT const char *rawtune_last_error(const struct rawtune_ctx *ctx)
{
	return ctx->last_error;
}

void rt_log(struct rawtune_ctx *ctx, int priority, const char *file, int line, const char *fn,
	    const char *format, ...)
{
	char text[1024];
	size_t len;
	va_list args;

	log_env_warn(ctx);
	va_start(args, format);
	vsnprintf(text, sizeof(text), format, args);
	va_end(args);
	/* a message is one line: the log function ends it, not the caller */
	len = strlen(text);
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	log_call(ctx, priority, file, line, fn, "%s", text);
}

void rt_clear_error(struct rawtune_ctx *ctx)
{
	ctx->last_error[0] = '\0';
}

int rt_fail(struct rawtune_ctx *ctx, int err, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(ctx->last_error, sizeof(ctx->last_error), format, args);
	va_end(args);
	rt_dbg(ctx, "error: %s", ctx->last_error);
	return err;
}

const char *rt_printable(const char *s, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < n && s[i] && used + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[used++] = (char)c;
		else
			used += (size_t)snprintf(buf + used, len - used, "\\x%02x", c);
	}
	buf[used] = '\0';
	return buf;
}

RAWTUNE_EXPORT void rawtune_set_origin(struct rawtune_ctx *ctx, enum rawtune_origin origin)
{
	ctx->origin = origin;
}

enum rawtune_origin rt_origin(const struct rawtune_ctx *ctx)
{
	return ctx->origin;
}
