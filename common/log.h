/*
 * Copyright (c) 2026 The power authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#ifndef POWER_LOG_H
#define POWER_LOG_H

/*
 * Logging.  log.c is the only code that writes to syslog or stderr; every
 * record, including records forwarded from children, passes through one
 * choke point that formats it into a fixed buffer, applies the redaction
 * filter, escapes control characters and truncates.
 */

#define LOG_MAX_LINE		1024	/* bytes of a record after filtering */
#define LOG_MAX_FORMAT		8192	/* bytes formatted before filtering */

enum log_level {
	LOG_LEVEL_QUIET = 0,
	LOG_LEVEL_FATAL,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_INFO,
	LOG_LEVEL_VERBOSE,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_DEBUG2,
	LOG_LEVEL_DEBUG3,
};

/*
 * A sink receives filtered records instead of syslog; children use one
 * to send records to the parent over their control channel.
 */
typedef void (*log_sink_fn)(int level, const char *line, void *arg);

void	log_init(int to_stderr, int level, int facility);
void	log_procinit(const char *procname);
void	log_setlevel(int);
int	log_getlevel(void);
void	log_setsink(log_sink_fn, void *);
int	log_level_from_name(const char *);	/* -1 if unknown */
const char *log_level_name(int);
int	log_facility_from_name(const char *);	/* -1 if unknown */
const char *log_facility_name(int);

/* Emit a record received from a child: it goes through the choke point. */
void	log_forward(int level, const char *procname, const char *line);

/*
 * The redaction filter, exported for tests: values of the JSON keys
 * content, prompt, text, arguments, input, delta, system, message, query
 * and instruction become "[REDACTED]" (objects and arrays whole),
 * Authorization/Cookie header values, bearer tokens and API keys are
 * masked.  Writes a NUL-terminated result, truncated to outlen.
 */
void	log_redact(const char *in, char *out, size_t outlen);
/* Escape control characters and non-ASCII bytes (\n, \t, \\, \xNN). */
void	log_vis(const char *in, char *out, size_t outlen);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_ratelimit(const char *, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn))
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn))
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_doit(int level, int with_errno, const char *func,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* _f variants prefix __func__; _r variants append pwr_err(r). */
#define log_warn_f(...)		log_doit(LOG_LEVEL_ERROR, 1, __func__, __VA_ARGS__)
#define log_warnx_f(...)	log_doit(LOG_LEVEL_ERROR, 0, __func__, __VA_ARGS__)
#define log_debug_f(...)	log_doit(LOG_LEVEL_DEBUG, 0, __func__, __VA_ARGS__)
#define log_warn_r(r, ...)	log_doit_r(LOG_LEVEL_ERROR, (r), __func__, __VA_ARGS__)
#define fatal_f(...)		fatal_doit(1, __func__, __VA_ARGS__)
#define fatalx_f(...)		fatal_doit(0, __func__, __VA_ARGS__)
#define fatal_r(r, ...)		fatal_doit_r((r), __func__, __VA_ARGS__)

void	log_doit_r(int level, int r, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
__attribute__((noreturn))
void	fatal_doit(int with_errno, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
__attribute__((noreturn))
void	fatal_doit_r(int r, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Called by fatal() before exit, e.g. to kill children; may be NULL. */
void	log_setfatalhook(void (*)(void));

#endif /* POWER_LOG_H */
