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

#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

/*
 * Logging.  Every record, ours or a child's, goes through log_emit():
 * format into a fixed buffer, redact, escape control characters,
 * truncate, then hand to the sink, stderr or syslog.  Nothing else in
 * the tree writes to syslog or stderr.
 */

#define LOG_RATELIMIT_PER_SEC	10	/* records before suppressing */

static void	log_emit(int, const char *, const char *, int, int,
		    const char *, va_list) __attribute__((format(printf, 6, 0)));
static void	log_output(int, const char *, const char *);
static void	log_vis_mode(const char *, char *, size_t, int);
static size_t	redact_value(const char *, size_t, size_t, int);
static size_t	redact_string_end(const char *, size_t, size_t);
static size_t	redact_estring_end(const char *, size_t, size_t);
static int	redact_word_at(const char *, size_t, size_t, const char *);
static size_t	redact_space(const char *, size_t, size_t, int);
static size_t	redact_eol(const char *, size_t, size_t);
static size_t	redact_key(const char *, size_t, size_t, int *, int *);
static int	redact_field_end(const char *, size_t, size_t);

static int		 log_to_stderr = 1;
static int		 log_level = LOG_LEVEL_INFO;
static int		 log_facility = LOG_DAEMON;
static const char	*log_procname = "power";
static log_sink_fn	 log_sink;
static void		*log_sink_arg;
static void		(*log_fatal_hook)(void);
static int		 log_dying;

/* JSON keys whose values are user content: always redacted whole. */
static const char *const redact_keys[] = {
	"content", "prompt", "text", "arguments", "input", "delta",
	"system", "message", "query", "instruction",
};

/* Keys whose values are credentials (JSON or key=value / header form). */
static const char *const secret_keys[] = {
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"api_key", "apikey", "api-key", "x-api-key", "password", "secret",
	"token",
};
#define REDACT_NHEADERS	4	/* the first four are HTTP headers */

static const char *const level_names[] = {
	"QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG2",
	"DEBUG3",
};

static const struct {
	const char	*name;
	int		 value;
} facilities[] = {
	{ "DAEMON", LOG_DAEMON }, { "USER", LOG_USER }, { "AUTH", LOG_AUTH },
	{ "LOCAL0", LOG_LOCAL0 }, { "LOCAL1", LOG_LOCAL1 },
	{ "LOCAL2", LOG_LOCAL2 }, { "LOCAL3", LOG_LOCAL3 },
	{ "LOCAL4", LOG_LOCAL4 }, { "LOCAL5", LOG_LOCAL5 },
	{ "LOCAL6", LOG_LOCAL6 }, { "LOCAL7", LOG_LOCAL7 },
};

void
log_init(int to_stderr, int level, int facility)
{
	int	saved = errno;

	log_to_stderr = to_stderr;
	log_setlevel(level);
	if (facility != 0 && facility != -1)
		log_facility = facility;
	if (!to_stderr) {
		closelog();
		openlog(log_procname, LOG_PID | LOG_NDELAY, log_facility);
	}
	errno = saved;
}

void
log_procinit(const char *procname)
{
	int	saved = errno;

	if (procname == NULL)
		return;
	log_procname = procname;
	/* syslog keeps the ident it was opened with: open it again. */
	if (!log_to_stderr) {
		closelog();
		openlog(log_procname, LOG_PID | LOG_NDELAY, log_facility);
	}
	errno = saved;
}

void
log_setlevel(int level)
{
	if (level < LOG_LEVEL_QUIET)
		level = LOG_LEVEL_QUIET;
	if (level > LOG_LEVEL_DEBUG3)
		level = LOG_LEVEL_DEBUG3;
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

void
log_setsink(log_sink_fn fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

void
log_setfatalhook(void (*fn)(void))
{
	log_fatal_hook = fn;
}

int
log_level_from_name(const char *name)
{
	int	i;

	if (strcasecmp(name, "DEBUG1") == 0)
		return LOG_LEVEL_DEBUG;
	for (i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0]));
	    i++)
		if (strcasecmp(level_names[i], name) == 0)
			return i;
	return -1;
}

const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_LEVEL_DEBUG3)
		return "UNKNOWN";
	return level_names[level];
}

int
log_facility_from_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(facilities[i].name, name) == 0)
			return facilities[i].value;
	return -1;
}

const char *
log_facility_name(int facility)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].value == facility)
			return facilities[i].name;
	return "UNKNOWN";
}

/* The end of a JSON string that starts after the opening quote at i. */
static size_t
redact_string_end(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == '"')
			return i + 1;
		i++;
	}
	return len;
}

/*
 * The same for JSON inside a JSON string, where quotes come as \" and
 * the inner string's own escapes as \\\" and \\\\: the end is the first
 * \" that does not follow an inner backslash.  A bare " is the end of
 * the outer string: stop before it.
 */
static size_t
redact_estring_end(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] == '"')
			return i;
		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '"')
			return i + 2;
		if (i + 1 < len && s[i + 1] == '\\') {
			/* An inner backslash: it escapes the next inner char. */
			i += 2;
			if (i < len && s[i] == '\\')
				i++;
		} else
			i++;
		i++;
	}
	return len;
}

/*
 * The end of a JSON value starting at i: a string, a balanced object or
 * array (strings inside skipped), or a bare literal.  An unterminated
 * value runs to the end of the input.  With esc the JSON is itself
 * inside a JSON string (quotes are \").
 */
static size_t
redact_value(const char *s, size_t len, size_t i, int esc)
{
	size_t	depth = 0, start, n;

	if (i >= len)
		return len;
	if (!esc && s[i] == '"')
		return redact_string_end(s, len, i + 1);
	if (esc && s[i] == '\\' && i + 1 < len && s[i + 1] == '"')
		return redact_estring_end(s, len, i + 2);
	if (s[i] == '{' || s[i] == '[') {
		while (i < len) {
			if (!esc && s[i] == '"') {
				i = redact_string_end(s, len, i + 1);
				continue;
			}
			if (esc && s[i] == '"')
				return i;	/* the outer string ends */
			if (esc && s[i] == '\\') {
				if (i + 1 < len && s[i + 1] == '"')
					i = redact_estring_end(s, len, i + 2);
				else
					i += 2;
				continue;
			}
			if (s[i] == '{' || s[i] == '[')
				depth++;
			else if (s[i] == '}' || s[i] == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return len;
	}
	/* A literal or number; a colon ends it too (then it was a key). */
	start = i;
	while (i < len && strchr(",}] \t\r\n;&:", s[i]) == NULL &&
	    !(esc && (s[i] == '\\' || s[i] == '"')))
		i++;
	/* Anything else is not JSON: then to the end of the line. */
	n = i - start;
	if (strspn(s + start, "0123456789+-.eE") < n &&
	    !(n == 4 && strncmp(s + start, "true", 4) == 0) &&
	    !(n == 5 && strncmp(s + start, "false", 5) == 0) &&
	    !(n == 4 && strncmp(s + start, "null", 4) == 0)) {
		while (i < len && s[i] != '\n' && s[i] != '\r')
			i++;
	}
	return i;
}

/*
 * A value ends before a blank or a delimiter.  If something else comes
 * next, or a colon (the "value" was a key, as in api_key="x":"y"), the
 * quotes were not paired as they seemed: mask the rest of the line
 * rather than guess.
 */
static size_t
redact_eol(const char *s, size_t len, size_t i)
{
	size_t	k = redact_space(s, len, i, 0);

	if (k >= len || (s[k] != ':' && (k > i ||
	    strchr(",;&)]}\"\\\r\n", s[k]) != NULL)))
		return i;
	while (k < len && s[k] != '\n' && s[k] != '\r')
		k++;
	return k;
}

/* Skip blanks; JSON (json != 0) also allows line breaks there. */
static size_t
redact_space(const char *s, size_t len, size_t i, int json)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || (json &&
	    (s[i] == '\n' || s[i] == '\r'))))
		i++;
	return i;
}

/* Does word w stand at s[i] (case-insensitive, not inside a word)? */
static int
redact_word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t	wl = strlen(w);

	if (i + wl > len || strncasecmp(s + i, w, wl) != 0)
		return 0;
	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_' ||
	    s[i - 1] == '-'))
		return 0;
	if (i + wl < len && (isalnum((unsigned char)s[i + wl]) ||
	    s[i + wl] == '_' || s[i + wl] == '-'))
		return 0;
	return 1;
}

/* Is there a key at s[i]?  *header says it names an HTTP header. */
static int
redact_is_key(const char *s, size_t len, size_t i, size_t *keylen,
    int *header)
{
	size_t	k;

	for (k = 0; k < sizeof(redact_keys) / sizeof(redact_keys[0]); k++)
		if (redact_word_at(s, len, i, redact_keys[k])) {
			*keylen = strlen(redact_keys[k]);
			*header = 0;
			return 1;
		}
	for (k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++)
		if (redact_word_at(s, len, i, secret_keys[k])) {
			*keylen = strlen(secret_keys[k]);
			*header = k < REDACT_NHEADERS;
			return 1;
		}
	return 0;
}

/* Append to out (bounded); returns the new length. */
static size_t
redact_put(char *out, size_t o, size_t outlen, const char *p, size_t n)
{
	while (n-- > 0 && o + 1 < outlen)
		out[o++] = *p++;
	return o;
}

/*
 * Does a text-form value end at s[i]: at ";", "&" or ", ", or before a
 * header, whose own value runs to the end of the line?
 */
static int
redact_field_end(const char *s, size_t len, size_t i)
{
	int	quoted, header;

	if (s[i] == ';' || s[i] == '&' || (s[i] == ',' && i + 1 < len &&
	    s[i + 1] == ' '))
		return 1;
	return redact_key(s, len, i, &quoted, &header) != 0 && header;
}

/*
 * A key and its separator at s[i]: "key": (*quotedp 1), \"key\": (2,
 * JSON inside a JSON string) or key= and key: in text (0).  Returns
 * where the value starts (blanks skipped), or 0 if there is no key.
 */
static size_t
redact_key(const char *s, size_t len, size_t i, int *quotedp, int *headerp)
{
	size_t	kl, end;
	int	quoted;

	if (s[i] == '"')
		quoted = 1;
	else if (s[i] == '\\' && i + 1 < len && s[i + 1] == '"')
		quoted = 2;
	else
		quoted = 0;
	if (!redact_is_key(s, len, i + (size_t)quoted, &kl, headerp))
		return 0;
	end = i + (size_t)quoted + kl;
	if (quoted != 0 && (end + (size_t)quoted > len ||
	    memcmp(s + i, s + end, (size_t)quoted) != 0))
		return 0;
	end = redact_space(s, len, end + (size_t)quoted, quoted);
	if (end >= len || (s[end] != ':' && (quoted || s[end] != '=')))
		return 0;
	*quotedp = quoted;
	return redact_space(s, len, end + 1, quoted);
}

void
log_redact(const char *in, char *out, size_t outlen)
{
	size_t	len, i = 0, o = 0, j, end;
	int	header, quoted;

	if (outlen == 0)
		return;
	len = strlen(in);
	while (i < len && o + 1 < outlen) {
		if ((end = redact_key(in, len, i, &quoted, &header)) != 0) {
			/* Key, then separator: keep them, mask the value. */
			o = redact_put(out, o, outlen, in + i, end - i);
			if (quoted == 2) {
				i = redact_eol(in, len,
				    redact_value(in, len, end, 1));
				o = redact_put(out, o, outlen,
				    "\\\"[REDACTED]\\\"", 14);
			} else if (quoted || (end < len &&
			    (in[end] == '"' || in[end] == '{' ||
			    (in[end] == '[' && strncmp(in + end,
			    "[REDACTED]", 10) != 0)))) {
				/* (Text already masked stays as it is.) */
				i = redact_eol(in, len,
				    redact_value(in, len, end, 0));
				o = redact_put(out, o, outlen,
				    "\"[REDACTED]\"", 12);
			} else {
				/*
				 * Text form: to the end of the line, or
				 * of the field (not for headers: a
				 * Cookie holds "a=1; b=2").
				 */
				i = end;
				while (i < len && in[i] != '\n' &&
				    in[i] != '\r' && (header ||
				    !redact_field_end(in, len, i)))
					i++;
				o = redact_put(out, o, outlen,
				    "[REDACTED]", 10);
			}
			continue;
		}
		if (redact_word_at(in, len, i, "bearer") &&
		    (end = redact_space(in, len, i + 6, 0)) > i + 6 &&
		    end < len && strchr("\"\\,\r\n", in[end]) == NULL &&
		    redact_key(in, len, end, &quoted, &header) == 0 &&
		    !redact_word_at(in, len, end, "bearer")) {
			/*
			 * A token has no backslash: stop before a \" too.  And
			 * in "Bearer prompt: x" or "Bearer Bearer x" the next
			 * word is not the token.
			 */
			o = redact_put(out, o, outlen, in + i, end - i);
			i = end;
			while (i < len && strchr(" \t\"\\,\r\n", in[i]) == NULL)
				i++;
			o = redact_put(out, o, outlen, "[REDACTED]", 10);
			continue;
		}
		if (in[i] == 's' && i + 3 < len && in[i + 1] == 'k' &&
		    in[i + 2] == '-' && (i == 0 ||
		    !isalnum((unsigned char)in[i - 1]))) {
			j = i + 3;
			while (j < len && (isalnum((unsigned char)in[j]) ||
			    in[j] == '_' || in[j] == '-'))
				j++;
			if (j - (i + 3) >= 16) {
				o = redact_put(out, o, outlen, "sk-[REDACTED]",
				    13);
				i = j;
				continue;
			}
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

void
log_vis(const char *in, char *out, size_t outlen)
{
	log_vis_mode(in, out, outlen, 0);
}

/*
 * keep_bs leaves backslashes alone: a child's record was escaped by the
 * child already, and escaping it again would double every backslash.
 * Control characters a child sends are still escaped.
 */
static void
log_vis_mode(const char *in, char *out, size_t outlen, int keep_bs)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)in;
	char			 e[4];
	size_t			 o = 0, n;

	if (outlen == 0)
		return;
	for (; *p != '\0'; p++) {
		n = 0;
		switch (*p) {
		case '\n':
			e[n++] = '\\';
			e[n++] = 'n';
			break;
		case '\r':
			e[n++] = '\\';
			e[n++] = 'r';
			break;
		case '\t':
			e[n++] = '\\';
			e[n++] = 't';
			break;
		case '\\':
			e[n++] = '\\';
			if (!keep_bs)
				e[n++] = '\\';
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f) {
				e[n++] = '\\';
				e[n++] = 'x';
				e[n++] = hex[*p >> 4];
				e[n++] = hex[*p & 0xf];
			} else
				e[n++] = (char)*p;
		}
		if (o + n + 1 > outlen)
			break;		/* never split an escape */
		memcpy(out + o, e, n);
		o += n;
	}
	out[o] = '\0';
}

/* The choke point. */
static void
log_emit(int level, const char *procname, const char *func, int with_errno,
    int r, const char *fmt, va_list ap)
{
	char	raw[LOG_MAX_FORMAT], red[LOG_MAX_FORMAT];
	char	vis[LOG_MAX_LINE * 4], line[LOG_MAX_LINE];
	size_t	n = 0;
	int	saved = errno, k;

	if (level > log_level)
		return;
	if (func != NULL && (k = snprintf(raw, sizeof(raw), "%s: ", func)) > 0
	    && (size_t)k < sizeof(raw))
		n = (size_t)k;
	(void)vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	n = strlen(raw);
	if (with_errno && n < sizeof(raw))
		(void)snprintf(raw + n, sizeof(raw) - n, ": %s",
		    strerror(saved));
	else if (r != 0 && n < sizeof(raw))
		(void)snprintf(raw + n, sizeof(raw) - n, ": %s", pwr_err(r));
	log_redact(raw, red, sizeof(red));
	log_vis_mode(red, vis, sizeof(vis), procname != NULL);
	if (strlen(vis) >= sizeof(line)) {
		/* Escape again into the shorter buffer: no half escape. */
		log_vis_mode(red, line, sizeof(line) - 3, procname != NULL);
		(void)strlcat(line, "...", sizeof(line));
	} else
		memcpy(line, vis, strlen(vis) + 1);
	if (log_sink != NULL && procname == NULL)
		log_sink(level, line, log_sink_arg);
	else
		log_output(level, procname != NULL ? procname : log_procname,
		    line);
	errno = saved;
}

static void
log_output(int level, const char *procname, const char *line)
{
	int	pri;

	if (log_to_stderr) {
		dprintf(STDERR_FILENO, "%s: %s\n", procname, line);
		return;
	}
	switch (level) {
	case LOG_LEVEL_FATAL:
		pri = LOG_CRIT;
		break;
	case LOG_LEVEL_ERROR:
		pri = LOG_ERR;
		break;
	case LOG_LEVEL_INFO:
		pri = LOG_INFO;
		break;
	case LOG_LEVEL_VERBOSE:
		pri = LOG_INFO;
		break;
	default:
		pri = LOG_DEBUG;
	}
	if (strcmp(procname, log_procname) == 0)
		syslog(pri, "%s", line);
	else
		syslog(pri, "%s: %s", procname, line);
}

static void	log_emit_named(int, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
log_emit_named(int level, const char *procname, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(level, procname, NULL, 0, 0, fmt, ap);
	va_end(ap);
}

/* A child's record: filtered again here, written under its name. */
void
log_forward(int level, const char *procname, const char *line)
{
	log_emit_named(level, procname != NULL ? procname : "child", "%s",
	    line);
}

#define LOG_VARIANT(fn, level, with_errno)				\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	log_emit(level, NULL, NULL, with_errno, 0, fmt, ap);		\
	va_end(ap);							\
}
LOG_VARIANT(log_warn, LOG_LEVEL_ERROR, 1)
LOG_VARIANT(log_warnx, LOG_LEVEL_ERROR, 0)
LOG_VARIANT(log_info, LOG_LEVEL_INFO, 0)
LOG_VARIANT(log_verbose, LOG_LEVEL_VERBOSE, 0)
LOG_VARIANT(log_debug, LOG_LEVEL_DEBUG, 0)

void
log_ratelimit(const char *fmt, ...)
{
	static time_t		window;
	static unsigned int	count, suppressed;
	time_t			now = time(NULL);
	va_list			ap;

	if (now != window) {
		if (suppressed > 0)
			log_warnx("%u messages suppressed", suppressed);
		window = now;
		count = suppressed = 0;
	}
	if (++count > LOG_RATELIMIT_PER_SEC) {
		suppressed++;
		return;
	}
	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, NULL, NULL, 0, 0, fmt, ap);
	va_end(ap);
}

void
log_doit(int level, int with_errno, const char *func, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(level, NULL, func, with_errno, 0, fmt, ap);
	va_end(ap);
}

void
log_doit_r(int level, int r, const char *func, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(level, NULL, func, 0, r, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
log_die(void)
{
	/* A hook that calls fatal() itself must not loop. */
	if (log_fatal_hook != NULL && !log_dying) {
		log_dying = 1;
		log_fatal_hook();
	}
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_FATAL, NULL, NULL, 1, 0, fmt, ap);
	va_end(ap);
	log_die();
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_FATAL, NULL, NULL, 0, 0, fmt, ap);
	va_end(ap);
	log_die();
}

void
fatal_doit(int with_errno, const char *func, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_FATAL, NULL, func, with_errno, 0, fmt, ap);
	va_end(ap);
	log_die();
}

void
fatal_doit_r(int r, const char *func, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_FATAL, NULL, func, 0, r, fmt, ap);
	va_end(ap);
	log_die();
}
