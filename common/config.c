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
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "xmalloc.h"

/*
 * power.conf(5) in sshd_config style, driven by the CONFIG_ENTRIES
 * table in conf.h: the parser, the -T dump and the man page check all
 * walk the same table.
 */

static int	config_file(struct config *, const char *, int, const char *,
		    int, char *, size_t);
static int	config_line(struct config *, char *, const char *, int, int,
		    char *, size_t);
static int	config_split(char *, char **, int *, char *, size_t);
static int	config_include(struct config *, int, char **, const char *,
		    int, int, char *, size_t);
static int	config_check(const struct config_entry *, int, char **,
		    long long *, char *, size_t);
static int	config_err(char *, size_t, const char *, int, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static int	config_name_ok(const char *, size_t, int);
static int	config_host_ok(const char *, int);

#define CONFIG_TABLE_ROW(id, name, type, def, min, max, choices, procs, \
	flags) \
	{ CONF_KW_##id, name, type, def, min, max, choices, procs, flags },
static const struct config_entry config_entries[] = {
	CONFIG_ENTRIES(CONFIG_TABLE_ROW)
};
#undef CONFIG_TABLE_ROW

static const char *const config_type_names[] = {
	"include", "path", "name", "integer", "choice", "address", "model",
	"keysource"
};
_Static_assert(sizeof(config_type_names) / sizeof(config_type_names[0]) ==
    CONF_T_KEYSRC + 1, "a name for every config_type");

const struct config_entry *
config_table(size_t *n)
{
	if (n != NULL)
		*n = CONF_KW__MAX;
	return config_entries;
}

const struct config_entry *
config_entry_byname(const char *name)
{
	size_t	i;

	for (i = 0; i < CONF_KW__MAX; i++)
		if (strcasecmp(config_entries[i].ce_name, name) == 0)
			return &config_entries[i];
	return NULL;
}

struct config *
config_new(void)
{
	return xcalloc(1, sizeof(struct config));
}

static void
config_value_free(struct config_value *cv)
{
	struct config_value	*next;
	int			 i;

	for (; cv != NULL; cv = next) {
		next = cv->cv_next;
		for (i = 0; i < cv->cv_argc; i++)
			free(cv->cv_argv[i]);
		free(cv->cv_argv);
		free(cv->cv_file);
		free(cv);
	}
}

void
config_free(struct config *conf)
{
	size_t	i;

	if (conf == NULL)
		return;
	for (i = 0; i < CONF_KW__MAX; i++)
		config_value_free(conf->cf_vals[i]);
	free(conf->cf_path);
	free(conf);
}

static int
config_err(char *err, size_t errlen, const char *file, int line,
    const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err != NULL && errlen > 0) {
		if (file != NULL)
			(void)snprintf(err, errlen, "%s:%d: %s", file, line, msg);
		else
			(void)snprintf(err, errlen, "%s", msg);
	}
	return PWR_ERR_CONFIG;
}

int
config_load(struct config *conf, const char *path, char *err, size_t errlen)
{
	if (conf->cf_path == NULL)
		conf->cf_path = xstrdup(path);
	return config_file(conf, path, 0, NULL, 0, err, errlen);
}

/*
 * Read one file; from and fromline name the Include that asked for it
 * (NULL for the top-level file), for errors about the file itself.
 */
static int
config_file(struct config *conf, const char *path, int depth,
    const char *from, int fromline, char *err, size_t errlen)
{
	FILE		*f;
	struct stat	 st;
	char		 line[CONFIG_MAX_LINE + 2];
	size_t		 len;
	int		 lineno = 0, r = 0, c, fd;

	if (depth > CONFIG_MAX_DEPTH)
		return config_err(err, errlen, from, fromline,
		    "%s: Include nested more than %d deep", path,
		    CONFIG_MAX_DEPTH);
	/*
	 * Only a regular file: a directory cannot be read and a FIFO would
	 * block (O_NONBLOCK keeps open(2) itself from waiting for one).
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return config_err(err, errlen, from, fromline, "%s%s: %s",
		    from != NULL ? "Include " : "", path, strerror(errno));
	if (fstat(fd, &st) == -1)
		r = errno;
	else if (!S_ISREG(st.st_mode))
		r = -1;
	else if ((f = fdopen(fd, "r")) == NULL)
		r = errno;
	if (r != 0) {
		close(fd);
		return config_err(err, errlen, from, fromline, "%s%s: %s",
		    from != NULL ? "Include " : "", path,
		    r == -1 ? "not a regular file" : strerror(r));
	}
	/*
	 * Read byte by byte rather than with fgets(), which cannot tell a
	 * NUL byte from the end of the line.  Stop at the first NUL or at
	 * CONFIG_MAX_LINE + 1 bytes: nothing unbounded is read.
	 */
	while (r == 0) {
		len = 0;
		c = EOF;
		while (len <= CONFIG_MAX_LINE && (c = getc(f)) != EOF &&
		    c != '\n' && c != '\0')
			line[len++] = (char)c;
		if (c == EOF && len == 0)
			break;
		lineno++;
		if (c == '\0') {
			r = config_err(err, errlen, path, lineno,
			    "NUL byte in line");
			break;
		}
		if (len > CONFIG_MAX_LINE) {
			r = config_err(err, errlen, path, lineno,
			    "line longer than %d bytes", CONFIG_MAX_LINE);
			break;
		}
		line[len] = '\0';
		r = config_line(conf, line, path, lineno, depth, err, errlen);
	}
	if (r == 0 && ferror(f))
		r = config_err(err, errlen, path, lineno, "read error");
	fclose(f);
	return r;
}

/*
 * Split a line into words: whitespace separates, double quotes group
 * (with \" and \\ inside), # outside quotes starts a comment.
 */
static int
config_split(char *s, char **argv, int *argc, char *why, size_t whylen)
{
	char	*out;
	int	 n = 0, inq;

	*argc = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (n >= CONFIG_MAX_ARGS + 1) {
			snprintf(why, whylen, "more than %d arguments",
			    CONFIG_MAX_ARGS);
			return -1;
		}
		argv[n++] = out = s;
		inq = 0;
		while (*s != '\0') {
			if (inq && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
				*out++ = s[1];
				s += 2;
			} else if (*s == '"') {
				inq = !inq;
				s++;
			} else if (!inq && (*s == ' ' || *s == '\t' ||
			    *s == '\r' || *s == '#'))
				break;
			else
				*out++ = *s++;
		}
		if (inq) {
			snprintf(why, whylen, "unterminated quote");
			return -1;
		}
		if (*s == '#') {
			*out = '\0';
			break;
		}
		if (*s != '\0')
			s++;
		*out = '\0';
	}
	*argc = n;
	return 0;
}

static int
config_line(struct config *conf, char *line, const char *file, int lineno,
    int depth, char *err, size_t errlen)
{
	const struct config_entry	*ce;
	char				*argv[CONFIG_MAX_ARGS + 2], *eq;
	char				 why[128];
	int				 argc;

	/* "Keyword=value", "Keyword = value" and "Keyword =value", as sshd. */
	eq = line + strspn(line, " \t");
	eq += strcspn(eq, " \t\r=\"#");
	eq += strspn(eq, " \t\r");
	if (*eq == '=')
		*eq = ' ';
	if (config_split(line, argv, &argc, why, sizeof(why)) != 0)
		return config_err(err, errlen, file, lineno, "%s", why);
	if (argc == 0)
		return 0;
	if ((ce = config_entry_byname(argv[0])) == NULL)
		return config_err(err, errlen, file, lineno,
		    "unknown keyword \"%.64s\"", argv[0]);
	if (ce->ce_type == CONF_T_INCLUDE)
		return config_include(conf, argc - 1, argv + 1, file, lineno,
		    depth, err, errlen);
	return config_set(conf, ce->ce_id, argc - 1, argv + 1, file, lineno,
	    err, errlen);
}

static int
config_include(struct config *conf, int argc, char **argv, const char *file,
    int lineno, int depth, char *err, size_t errlen)
{
	glob_t	 g;
	char	 path[PATH_MAX], dir[PATH_MAX];
	size_t	 i;
	int	 r = 0, k, n;

	if (argc < 1)
		return config_err(err, errlen, file, lineno,
		    "Include: missing argument");
	for (k = 0; k < argc && r == 0; k++) {
		if (argv[k][0] == '/')
			n = snprintf(path, sizeof(path), "%s", argv[k]);
		else {
			if (strlcpy(dir, file, sizeof(dir)) >= sizeof(dir))
				return config_err(err, errlen, file, lineno,
				    "Include: path too long");
			n = snprintf(path, sizeof(path), "%s/%s", dirname(dir),
			    argv[k]);
		}
		if (n < 0 || (size_t)n >= sizeof(path))
			return config_err(err, errlen, file, lineno,
			    "Include: path too long");
		memset(&g, 0, sizeof(g));
		switch (glob(path, 0, NULL, &g)) {
		case 0:
			break;
		case GLOB_NOMATCH:
			globfree(&g);
			if (strpbrk(path, "*?[") != NULL)
				continue;
			return config_err(err, errlen, file, lineno,
			    "Include %s: %s", path, strerror(ENOENT));
		default:
			globfree(&g);
			return config_err(err, errlen, file, lineno,
			    "Include %s: glob failed", path);
		}
		for (i = 0; i < g.gl_pathc && r == 0; i++) {
			if (depth + 1 > CONFIG_MAX_DEPTH) {
				r = config_err(err, errlen, file, lineno,
				    "Include nested more than %d deep",
				    CONFIG_MAX_DEPTH);
				break;
			}
			r = config_file(conf, g.gl_pathv[i], depth + 1, file,
			    lineno, err, errlen);
		}
		globfree(&g);
	}
	return r;
}

static int
config_name_ok(const char *s, size_t max, int model)
{
	size_t	i, len = strlen(s);

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		if (isalnum((unsigned char)s[i]) || s[i] == '_')
			continue;
		if (i > 0 && (s[i] == '.' || s[i] == '-'))
			continue;
		if (model && (s[i] == '.' || s[i] == '-' || s[i] == ':'))
			continue;
		return 0;
	}
	return 1;
}

/*
 * A Listen host: "*", an IPv4 address, an IPv6 address (only in
 * brackets) or a host name of dot-separated labels.
 */
static int
config_host_ok(const char *host, int bracketed)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 len = strlen(host), n;
	const char	*p;

	if (bracketed)
		return inet_pton(AF_INET6, host, &a6) == 1;
	if (strcmp(host, "*") == 0)
		return 1;
	if (strspn(host, "0123456789.") == len)
		return inet_pton(AF_INET, host, &a4) == 1;
	if (len > 253)
		return 0;
	for (p = host; ; p += n + 1) {
		n = strcspn(p, ".");
		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-' ||
		    strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n)
			return 0;
		if (p[n] == '\0')
			return 1;
	}
}

/* Check arguments against the entry; *num gets INT/ENUM values. */
static int
config_check(const struct config_entry *ce, int argc, char **argv,
    long long *num, char *why, size_t whylen)
{
	const char	*errstr, *p, *q;
	char		 host[256], port[16];
	size_t		 len, i;
	int		 want_min = 1, want_max = 1, idx;

	*num = 0;
	if (ce->ce_type == CONF_T_MODEL) {
		want_min = 2;
		want_max = 3;
	} else if (ce->ce_type == CONF_T_KEYSRC)
		want_min = want_max = 2;
	if (argc < want_min) {
		snprintf(why, whylen, "missing argument");
		return -1;
	}
	if (argc > want_max) {
		snprintf(why, whylen, "too many arguments");
		return -1;
	}
	switch (ce->ce_type) {
	case CONF_T_INCLUDE:
		break;
	case CONF_T_PATH:
		if (argv[0][0] != '/') {
			snprintf(why, whylen, "\"%.128s\" is not an absolute "
			    "path", argv[0]);
			return -1;
		}
		break;
	case CONF_T_NAME:
		if (!config_name_ok(argv[0], 32, 0)) {
			snprintf(why, whylen, "\"%.64s\" is not a valid name",
			    argv[0]);
			return -1;
		}
		break;
	case CONF_T_INT:
		/* Digits only: strtonum() would also take " 5" and "+5". */
		p = argv[0] + (argv[0][0] == '-');
		if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
			errstr = "invalid";
		else
			*num = strtonum(argv[0], ce->ce_min, ce->ce_max,
			    &errstr);
		if (errstr != NULL) {
			snprintf(why, whylen, "value \"%.32s\" %s: the range "
			    "is %lld-%lld", argv[0], errstr, ce->ce_min,
			    ce->ce_max);
			return -1;
		}
		break;
	case CONF_T_ENUM:
		len = strlen(argv[0]);
		for (p = ce->ce_choices, idx = 0; p != NULL; idx++) {
			q = strchr(p, '|');
			i = q != NULL ? (size_t)(q - p) : strlen(p);
			if (i == len && strncasecmp(p, argv[0], len) == 0) {
				*num = idx;
				return 0;
			}
			p = q != NULL ? q + 1 : NULL;
		}
		snprintf(why, whylen, "\"%.32s\" is not one of %s", argv[0],
		    ce->ce_choices);
		return -1;
	case CONF_T_LISTEN:
		if (config_split_listen(argv[0], host, sizeof(host), port,
		    sizeof(port)) != 0) {
			snprintf(why, whylen, "\"%.64s\" is not host:port "
			    "(port 0-65535, [v6]:port for IPv6)", argv[0]);
			return -1;
		}
		if (!config_host_ok(host, argv[0][0] == '[')) {
			snprintf(why, whylen, "\"%.64s\" is not host:port "
			    "(bad host \"%.64s\")", argv[0], host);
			return -1;
		}
		break;
	case CONF_T_MODEL:
		if (!config_name_ok(argv[0], 64, 1)) {
			snprintf(why, whylen, "\"%.64s\" is not a valid model "
			    "name", argv[0]);
			return -1;
		}
		if (argv[1][0] != '/') {
			snprintf(why, whylen, "\"%.128s\" is not an absolute "
			    "path", argv[1]);
			return -1;
		}
		if (argc == 3) {
			p = argv[2];
			if (strncmp(p, "sha256:", 7) != 0 ||
			    strlen(p + 7) != 64 ||
			    strspn(p + 7, "0123456789abcdefABCDEF") != 64) {
				snprintf(why, whylen, "\"%.80s\" is not "
				    "sha256:<64 hex digits>", p);
				return -1;
			}
		}
		break;
	case CONF_T_KEYSRC:
		if (strcmp(argv[0], "file") == 0) {
			if (argv[1][0] != '/') {
				snprintf(why, whylen, "\"%.128s\" is not an "
				    "absolute path", argv[1]);
				return -1;
			}
		} else if (strcmp(argv[0], "env") == 0) {
			if (!config_name_ok(argv[1], 64, 0) ||
			    strspn(argv[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789_") !=
			    strlen(argv[1]) || isdigit((u_char)argv[1][0])) {
				snprintf(why, whylen, "\"%.64s\" is not an "
				    "environment variable name", argv[1]);
				return -1;
			}
		} else {
			snprintf(why, whylen, "\"%.32s\" is not file or env",
			    argv[0]);
			return -1;
		}
		break;
	}
	return 0;
}

int
config_set(struct config *conf, enum config_kw kw, int argc, char **argv,
    const char *file, int line, char *err, size_t errlen)
{
	const struct config_entry	*ce;
	struct config_value		*cv, **tail;
	char				 why[256];
	long long			 num;
	size_t				 n = 0, len;
	int				 i;
	const char			*p;

	if ((unsigned int)kw >= CONF_KW__MAX)
		return config_err(err, errlen, file, line, "bad keyword");
	ce = &config_entries[kw];
	if (config_check(ce, argc, argv, &num, why, sizeof(why)) != 0)
		return config_err(err, errlen, file, line, "%s: %s",
		    ce->ce_name, why);
	tail = &conf->cf_vals[kw];
	for (cv = *tail; cv != NULL; cv = cv->cv_next, n++)
		tail = &cv->cv_next;
	if (n > 0 && !(ce->ce_flags & CONF_F_MULTI))
		return 0;	/* the first value wins */
	if (n >= CONFIG_MAX_VALUES)
		return config_err(err, errlen, file, line,
		    "%s: more than %d values", ce->ce_name, CONFIG_MAX_VALUES);
	cv = xcalloc(1, sizeof(*cv));
	cv->cv_argc = argc;
	cv->cv_argv = xcalloc((size_t)argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++)
		cv->cv_argv[i] = xstrdup(argv[i]);
	if (ce->ce_type == CONF_T_ENUM) {
		/* Keep the table's spelling. */
		p = ce->ce_choices;
		for (i = 0; i < num; i++)
			p = strchr(p, '|') + 1;
		len = strcspn(p, "|");
		free(cv->cv_argv[0]);
		cv->cv_argv[0] = xcalloc(1, len + 1);
		memcpy(cv->cv_argv[0], p, len);
	}
	cv->cv_num = num;
	if (file != NULL) {
		cv->cv_file = xstrdup(file);
		cv->cv_line = line;
	}
	*tail = cv;
	return 0;
}

void
config_defaults(struct config *conf)
{
	const struct config_entry	*ce;
	char				*argv[2];
	size_t				 i;

	for (i = 0; i < CONF_KW__MAX; i++) {
		ce = &config_entries[i];
		if (ce->ce_default == NULL || conf->cf_vals[i] != NULL)
			continue;
		argv[0] = (char *)ce->ce_default;
		argv[1] = NULL;
		(void)config_set(conf, ce->ce_id, 1, argv, NULL, 0, NULL, 0);
	}
}

const struct config_value *
config_get(const struct config *conf, enum config_kw kw)
{
	if ((unsigned int)kw >= CONF_KW__MAX)
		return NULL;
	return conf->cf_vals[kw];
}

const char *
config_str(const struct config *conf, enum config_kw kw)
{
	const struct config_value	*cv = config_get(conf, kw);

	return cv != NULL ? cv->cv_argv[0] : NULL;
}

long long
config_num(const struct config *conf, enum config_kw kw)
{
	const struct config_value	*cv = config_get(conf, kw);

	return cv != NULL ? cv->cv_num : 0;
}

void
config_dump(const struct config *conf, FILE *f)
{
	const struct config_value	*cv;
	size_t				 i, k;
	int				 j;

	for (i = 0; i < CONF_KW__MAX; i++) {
		if (config_entries[i].ce_type == CONF_T_INCLUDE)
			continue;
		for (cv = conf->cf_vals[i]; cv != NULL; cv = cv->cv_next) {
			for (k = 0; config_entries[i].ce_name[k] != '\0'; k++)
				fputc(tolower((unsigned char)
				    config_entries[i].ce_name[k]), f);
			for (j = 0; j < cv->cv_argc; j++)
				fprintf(f, " %s", cv->cv_argv[j]);
			fputc('\n', f);
		}
	}
}

void
config_dump_table(FILE *f)
{
	static const char *const procs[] = {
		"parent", "network", "inferd", "attestd", "keyd"
	};
	const struct config_entry	*ce;
	size_t				 i, p;
	int				 first;

	for (i = 0; i < CONF_KW__MAX; i++) {
		ce = &config_entries[i];
		fprintf(f, "%s\t%s\t%s\t", ce->ce_name,
		    config_type_names[ce->ce_type],
		    ce->ce_default != NULL ? ce->ce_default : "none");
		if (ce->ce_type == CONF_T_INT)
			fprintf(f, "%lld-%lld", ce->ce_min, ce->ce_max);
		else if (ce->ce_type == CONF_T_ENUM)
			fprintf(f, "%s", ce->ce_choices);
		else
			fprintf(f, "-");
		fputc('\t', f);
		first = 1;
		for (p = 0; p < 5; p++) {
			if (!(ce->ce_procs & (1 << p)))
				continue;
			fprintf(f, "%s%s", first ? "" : ",", procs[p]);
			first = 0;
		}
		if (first)
			fprintf(f, "-");
		fputc('\n', f);
	}
}

/*
 * "host:port" or "[v6]:port"; port 0 asks the kernel for a free one
 * (for tests).  host may be "*" for every address.
 */
int
config_split_listen(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*colon, *errstr, *h;
	size_t		 hl;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return PWR_ERR_INVALID_FORMAT;
		h = s + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return PWR_ERR_INVALID_FORMAT;
		h = s;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen || strlen(colon + 1) >= portlen ||
	    colon[1] == '\0')
		return PWR_ERR_INVALID_FORMAT;
	/* Digits only: strtonum() would also take " 80", "+80" and "-0". */
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return PWR_ERR_INVALID_FORMAT;
	(void)strtonum(colon + 1, 0, 65535, &errstr);
	if (errstr != NULL)
		return PWR_ERR_INVALID_FORMAT;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:*_") != hl)
		return PWR_ERR_INVALID_FORMAT;
	strlcpy(port, colon + 1, portlen);
	return 0;
}
