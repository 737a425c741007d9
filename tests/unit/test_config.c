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
#include <sys/stat.h>

#include <ctype.h>
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "conf.h"
#include "err.h"
#include "tests.h"

/*
 * Unit tests for common/config.c, the power.conf(5) parser.  Each test
 * writes its files into a private directory made by mkdtemp(3) when the
 * suite starts.  Error paths come first; every error names the file and
 * line it comes from, and the tests check that prefix exactly.
 */

#define TEST_HASH \
	"0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"

static char	test_dir[PATH_MAX];

static const char *test_write(const char *, const void *, size_t);
static const char *test_writes(const char *, const char *);
static int	test_load(const char *, struct config **, char *, size_t);
static int	test_prefixed(const char *, const char *, int, const char *);
static void	test_load_err(const char *, int, const char *);
static char	*test_dump(const struct config *);
static int	test_dump_has(const char *, const char *);
static int	test_suite_init(void);
static int	test_suite_clean(void);
static int	test_rm(const char *, const struct stat *, int, struct FTW *);

/* Write len bytes of p to name in the test directory; return its path. */
static const char *
test_write(const char *name, const void *p, size_t len)
{
	static char	 path[PATH_MAX];
	FILE		*f;

	CU_ASSERT_FATAL((size_t)snprintf(path, sizeof(path), "%s/%s",
	    test_dir, name) < sizeof(path));
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_FATAL(fwrite(p, 1, len, f) == len);
	CU_ASSERT_FATAL(fclose(f) == 0);
	return path;
}

static const char *
test_writes(const char *name, const char *s)
{
	return test_write(name, s, strlen(s));
}

/* Load path into a new config (kept in *confp if not NULL). */
static int
test_load(const char *path, struct config **confp, char *err, size_t errlen)
{
	struct config	*conf;
	int		 r;

	conf = config_new();
	err[0] = '\0';
	r = config_load(conf, path, err, errlen);
	if (confp != NULL)
		*confp = conf;
	else
		config_free(conf);
	return r;
}

/* Is err exactly "file:line: " followed by text that contains want? */
static int
test_prefixed(const char *err, const char *file, int line, const char *want)
{
	char	pfx[PATH_MAX + 32];
	size_t	n;

	n = (size_t)snprintf(pfx, sizeof(pfx), "%s:%d: ", file, line);
	if (strncmp(err, pfx, n) != 0)
		return 0;
	return strstr(err + n, want) != NULL;
}

/* A file holding text fails at line with a message containing want. */
static void
test_load_err(const char *text, int line, const char *want)
{
	char		 err[1024], path[PATH_MAX];

	strlcpy(path, test_writes("bad.conf", text), sizeof(path));
	CU_ASSERT_EQUAL(test_load(path, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, path, line, want));
	if (!test_prefixed(err, path, line, want))
		fprintf(stderr, "\n  want %s:%d: ...%s...\n  got  %s\n", path,
		    line, want, err);
}

/* config_dump() output, as one string to free. */
static char *
test_dump(const struct config *conf)
{
	FILE	*f;
	char	*s = NULL;
	size_t	 len = 0;

	f = open_memstream(&s, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	config_dump(conf, f);
	CU_ASSERT_FATAL(fclose(f) == 0);
	return s;
}

/* Does the dump hold line as a whole line? */
static int
test_dump_has(const char *dump, const char *line)
{
	const char	*p;
	size_t		 n = strlen(line);

	for (p = dump; (p = strstr(p, line)) != NULL; p++) {
		if ((p == dump || p[-1] == '\n') && p[n] == '\n')
			return 1;
	}
	return 0;
}

static void
test_unknown_keyword(void)
{
	test_load_err("LogLevel INFO\nLisen 127.0.0.1:80\n", 2,
	    "unknown keyword \"Lisen\"");
	test_load_err("# comment\n\n  Frobnicate\n", 3, "unknown keyword");
}

static void
test_missing_argument(void)
{
	test_load_err("LogLevel\n", 1, "LogLevel: missing argument");
	test_load_err("Model tiny\n", 1, "Model: missing argument");
	test_load_err("Include\n", 1, "Include: missing argument");
	test_load_err("User \"\"\n", 1, "User: \"\" is not a valid name");
}

static void
test_too_many_arguments(void)
{
	test_load_err("LogLevel INFO DEBUG\n", 1,
	    "LogLevel: too many arguments");
	test_load_err("Model a /m.gguf sha256:" TEST_HASH " x\n", 1,
	    "Model: too many arguments");
	test_load_err("Include a b c d e f g h i\n", 1,
	    "more than 8 arguments");
}

static void
test_int_range(void)
{
	test_load_err("MaxConnections 0\n", 1,
	    "MaxConnections: value \"0\" too small: the range is 1-16384");
	test_load_err("MaxConnections 16385\n", 1,
	    "MaxConnections: value \"16385\" too large: the range is "
	    "1-16384");
	test_load_err("MaxBodyBytes 1023\n", 1, "too small");
	test_load_err("MaxBodyBytes 67108865\n", 1, "too large");
	test_load_err("MaxHeaderBytes 1048577\n", 1, "too large");
	test_load_err("RequestTimeout 86401\n", 1, "too large");
	test_load_err("RequestTimeout -1\n", 1, "too small");
	test_load_err("RequestTimeout 99999999999999999999\n", 1, "too large");
}

static void
test_int_not_number(void)
{
	test_load_err("MaxBodyBytes lots\n", 1,
	    "MaxBodyBytes: value \"lots\" invalid");
	test_load_err("MaxConnections 10k\n", 1, "invalid");
	test_load_err("MaxConnections 0x10\n", 1, "invalid");
	test_load_err("RequestTimeout \"\"\n", 1, "invalid");
	/* strtonum() alone would take these. */
	test_load_err("MaxConnections +5\n", 1,
	    "MaxConnections: value \"+5\" invalid");
	test_load_err("MaxConnections \" 5\"\n", 1, "invalid");
	test_load_err("MaxConnections -\n", 1, "invalid");
}

static void
test_bad_enum(void)
{
	test_load_err("TEE sgx\n", 1,
	    "TEE: \"sgx\" is not one of auto|sev-snp|tdx|tsm|simulate|none");
	test_load_err("LogLevel DEBUG4\n", 1, "LogLevel: \"DEBUG4\"");
	test_load_err("SyslogFacility LOCAL\n", 1, "is not one of");
	test_load_err("TEE sev\n", 1, "is not one of");
}

static void
test_relative_path(void)
{
	test_load_err("PidFile run/frontd.pid\n", 1,
	    "PidFile: \"run/frontd.pid\" is not an absolute path");
	test_load_err("ChrootDirectory \"\"\n", 1, "not an absolute path");
	test_load_err("LibexecDir ./libexec\n", 1, "not an absolute path");
}

static void
test_bad_name(void)
{
	test_load_err("User -power\n", 1, "User: \"-power\" is not a valid "
	    "name");
	test_load_err("AdminGroup .admin\n", 1, "is not a valid name");
	test_load_err("InferUser a/b\n", 1, "is not a valid name");
	test_load_err("KeyUser a:b\n", 1, "is not a valid name");
	test_load_err("AttestUser abcdefghijklmnopqrstuvwxyz0123456\n", 1,
	    "is not a valid name");
}

static void
test_bad_listen(void)
{
	test_load_err("Listen 127.0.0.1\n", 1,
	    "Listen: \"127.0.0.1\" is not host:port");
	test_load_err("Listen 127.0.0.1:70000\n", 1, "is not host:port");
	test_load_err("Listen [::1:80\n", 1, "is not host:port");
	test_load_err("Listen ::1]:80\n", 1, "is not host:port");
	test_load_err("Listen [::1]80\n", 1, "is not host:port");
	test_load_err("Listen ::1:80\n", 1, "is not host:port");
	test_load_err("Listen \"127.0.0.1: 80\"\n", 1, "is not host:port");
	test_load_err("Listen 127.0.0.1:+80\n", 1, "is not host:port");
	/* The host must be an address, "*" or a host name. */
	test_load_err("Listen 999.1.1.1:80\n", 1,
	    "Listen: \"999.1.1.1:80\" is not host:port (bad host "
	    "\"999.1.1.1\")");
	test_load_err("Listen [1.2.3.4]:80\n", 1, "bad host");
	test_load_err("Listen [*]:80\n", 1, "bad host");
	test_load_err("Listen -bad-:80\n", 1, "bad host");
	test_load_err("Listen a..b:80\n", 1, "bad host");
	test_load_err("Listen *x:80\n", 1, "bad host");
	test_load_err("Listen host.:80\n", 1, "bad host");
}

static void
test_bad_model(void)
{
	test_load_err("Model tiny models/tiny.gguf\n", 1,
	    "Model: \"models/tiny.gguf\" is not an absolute path");
	test_load_err("Model \"a b\" /m.gguf\n", 1,
	    "Model: \"a b\" is not a valid model name");
	test_load_err("Model tiny /m.gguf sha256:0123\n", 1,
	    "is not sha256:<64 hex digits>");
	test_load_err("Model tiny /m.gguf sha256:" TEST_HASH "0\n", 1,
	    "is not sha256:<64 hex digits>");
	test_load_err("Model tiny /m.gguf sha256:"
	    "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	    1, "is not sha256:<64 hex digits>");
	test_load_err("Model tiny /m.gguf md5:" TEST_HASH "\n", 1,
	    "is not sha256:<64 hex digits>");
	test_load_err("ModelKey file\n", 1, "ModelKey: missing argument");
	test_load_err("ModelKey disk /k\n", 1, "\"disk\" is not file or env");
	test_load_err("ModelKey file k.hex\n", 1,
	    "\"k.hex\" is not an absolute path");
	test_load_err("ModelKey env 1KEY\n", 1,
	    "\"1KEY\" is not an environment variable name");
	test_load_err("ModelKey env A-B\n", 1,
	    "is not an environment variable name");
}

static void
test_unterminated_quote(void)
{
	test_load_err("LogLevel INFO\nLibexecDir \"/unterminated\n", 2,
	    "unterminated quote");
	test_load_err("PidFile \"/a\\\"\n", 1, "unterminated quote");
}

static void
test_include_missing(void)
{
	char	 err[1024], top[PATH_MAX], want[PATH_MAX + 64];

	strlcpy(top, test_writes("top.conf", "LogLevel INFO\n"
	    "Include missing.conf\n"), sizeof(top));
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	snprintf(want, sizeof(want), "Include %s/missing.conf", test_dir);
	CU_ASSERT(test_prefixed(err, top, 2, want));

	/* A glob that matches nothing is not an error. */
	test_writes("top.conf", "Include nothing-*.conf\n");
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)), 0);

	/* The top-level file itself: no line to report. */
	snprintf(want, sizeof(want), "%s/absent.conf", test_dir);
	CU_ASSERT_EQUAL(test_load(want, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
}

static void
test_include_not_regular(void)
{
	char	 err[1024], top[PATH_MAX], fifo[PATH_MAX];

	/* A directory, a device or a FIFO (which would block) is refused. */
	strlcpy(top, test_writes("top.conf", "LogLevel INFO\n"
	    "Include /dev/null\n"), sizeof(top));
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, top, 2,
	    "Include /dev/null: not a regular file"));

	test_writes("top.conf", "Include /\n");
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, top, 1, "Include /: not a regular file"));

	CU_ASSERT_FATAL((size_t)snprintf(fifo, sizeof(fifo), "%s/fifo.conf",
	    test_dir) < sizeof(fifo));
	CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
	test_writes("top.conf", "\nInclude fifo.conf\n");
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, top, 2, "not a regular file"));
	CU_ASSERT_EQUAL(test_load(fifo, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT_EQUAL(strncmp(err, fifo, strlen(fifo)), 0);
	unlink(fifo);
}

static void
test_include_error_location(void)
{
	char	 err[1024], top[PATH_MAX], inc[PATH_MAX];

	strlcpy(inc, test_writes("inc.conf", "# included\n\nBogus yes\n"),
	    sizeof(inc));
	strlcpy(top, test_writes("top.conf", "LogLevel INFO\n"
	    "Include inc.conf\n"), sizeof(top));
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, inc, 3, "unknown keyword \"Bogus\""));
}

static void
test_include_loop(void)
{
	char		 err[1024], top[PATH_MAX], name[32], text[64];
	struct config	*conf;
	int		 i;

	/* A file that includes itself stops at the depth limit. */
	strlcpy(top, test_writes("loop.conf", "Listen *:1\n"
	    "Include loop.conf\n"), sizeof(top));
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, top, 2, "Include nested more than 8 "
	    "deep"));

	/* Exactly CONFIG_MAX_DEPTH levels are allowed. */
	for (i = 0; i <= CONFIG_MAX_DEPTH; i++) {
		snprintf(name, sizeof(name), "level%d.conf", i);
		if (i < CONFIG_MAX_DEPTH)
			snprintf(text, sizeof(text), "Include level%d.conf\n",
			    i + 1);
		else
			snprintf(text, sizeof(text), "MaxConnections 7\n");
		test_writes(name, text);
	}
	CU_ASSERT_FATAL((size_t)snprintf(top, sizeof(top), "%s/level0.conf",
	    test_dir) < sizeof(top));
	CU_ASSERT_EQUAL_FATAL(test_load(top, &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXCONNECTIONS), 7);
	config_free(conf);

	/* One more is not. */
	snprintf(text, sizeof(text), "Include level%d.conf\n",
	    CONFIG_MAX_DEPTH + 1);
	snprintf(name, sizeof(name), "level%d.conf", CONFIG_MAX_DEPTH);
	test_writes(name, text);
	snprintf(name, sizeof(name), "level%d.conf", CONFIG_MAX_DEPTH + 1);
	test_writes(name, "MaxConnections 7\n");
	CU_ASSERT_EQUAL(test_load(top, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT_FATAL((size_t)snprintf(top, sizeof(top), "%s/level%d.conf",
	    test_dir, CONFIG_MAX_DEPTH) < sizeof(top));
	CU_ASSERT(test_prefixed(err, top, 1, "nested more than 8 deep"));
}

static void
test_long_line(void)
{
	struct config	*conf;
	char		*text, err[1024];
	size_t		 n = CONFIG_MAX_LINE + 64;

	/* Line 2 is a comment of CONFIG_MAX_LINE bytes: fine. */
	text = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memcpy(text, "LogLevel INFO\n#", 15);
	memset(text + 15, 'x', CONFIG_MAX_LINE - 1);
	memcpy(text + 14 + CONFIG_MAX_LINE, "\nTEE none\n", 11);
	CU_ASSERT_EQUAL(test_load(test_writes("long.conf", text), &conf, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_TEE), "none");
	config_free(conf);
	/* One byte more is not. */
	text[14 + CONFIG_MAX_LINE] = 'x';
	test_load_err(text, 2, "line longer than 4096 bytes");
	/* Also without a newline at the end of the file. */
	text[14 + CONFIG_MAX_LINE + 1] = '\0';
	test_load_err(text, 2, "line longer than 4096 bytes");
	free(text);
}

static void
test_nul_byte(void)
{
	static const char	 text[] = "LogLevel INFO\nTEE none\0junk\n";
	static const char	 last[] = "LogLevel INFO\nTEE none\0";
	static const char	 only[] = "\0\n";
	char			 err[1024], path[PATH_MAX];

	strlcpy(path, test_write("nul.conf", text, sizeof(text) - 1),
	    sizeof(path));
	CU_ASSERT_EQUAL(test_load(path, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, path, 2, "NUL byte in line"));

	/* On the last line, without a newline. */
	test_write("nul.conf", last, sizeof(last) - 1);
	CU_ASSERT_EQUAL(test_load(path, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, path, 2, "NUL byte in line"));

	test_write("nul.conf", only, sizeof(only) - 1);
	CU_ASSERT_EQUAL(test_load(path, NULL, err, sizeof(err)),
	    PWR_ERR_CONFIG);
	CU_ASSERT(test_prefixed(err, path, 1, "NUL byte in line"));
}

static void
test_too_many_values(void)
{
	char	 text[CONFIG_MAX_VALUES * 24 + 32];
	size_t	 off = 0;
	int	 i;

	for (i = 0; i <= CONFIG_MAX_VALUES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "Listen 127.0.0.1:%d\n", 1000 + i);
	test_load_err(text, CONFIG_MAX_VALUES + 1,
	    "Listen: more than 64 values");
}

static void
test_set_without_file(void)
{
	struct config	*conf;
	char		 err[256];
	char		*bad[] = { "0", NULL };
	char		*good[] = { "42", NULL };
	char		*two[] = { "1", "2", NULL };
	char		*rel[] = { "x.pid", NULL };
	char		*lst[] = { "[::1]:0", NULL };

	conf = config_new();
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_MAXCONNECTIONS, 1, bad,
	    NULL, 0, err, sizeof(err)), PWR_ERR_CONFIG);
	CU_ASSERT_STRING_EQUAL(err, "MaxConnections: value \"0\" too small: "
	    "the range is 1-16384");
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_MAXCONNECTIONS, 2, two,
	    NULL, 0, err, sizeof(err)), PWR_ERR_CONFIG);
	CU_ASSERT_STRING_EQUAL(err, "MaxConnections: too many arguments");
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_MAXCONNECTIONS, 0, NULL,
	    NULL, 0, err, sizeof(err)), PWR_ERR_CONFIG);
	CU_ASSERT_STRING_EQUAL(err, "MaxConnections: missing argument");
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_PIDFILE, 1, rel,
	    NULL, 0, err, sizeof(err)), PWR_ERR_CONFIG);
	CU_ASSERT_STRING_EQUAL(err, "PidFile: \"x.pid\" is not an absolute "
	    "path");
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW__MAX, 1, good,
	    NULL, 0, err, sizeof(err)), PWR_ERR_CONFIG);
	CU_ASSERT_EQUAL(config_set(conf, (enum config_kw)-1, 1, good,
	    NULL, 0, err, sizeof(err)), PWR_ERR_CONFIG);
	/* A NULL err buffer is allowed. */
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_MAXCONNECTIONS, 1, bad,
	    NULL, 0, NULL, 0), PWR_ERR_CONFIG);
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW_MAXCONNECTIONS));

	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_MAXCONNECTIONS, 1, good,
	    NULL, 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXCONNECTIONS), 42);
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW_MAXCONNECTIONS)->cv_file);
	CU_ASSERT_EQUAL(config_set(conf, CONF_KW_LISTEN, 1, lst,
	    NULL, 0, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_LISTEN), "[::1]:0");
	config_free(conf);
}

static void
test_every_keyword(void)
{
	static const struct {
		const char	*line;
		const char	*dump;
	} good[] = {
		{ "AdminGroup wheel", "admingroup wheel" },
		{ "AttestUser _att", "attestuser _att" },
		{ "ChrootDirectory /var/lib/empty",
		    "chrootdirectory /var/lib/empty" },
		{ "ContextLength 4096", "contextlength 4096" },
		{ "ControlSocket /tmp/ctl.sock", "controlsocket /tmp/ctl.sock" },
		{ "HashCache /var/db/power/hashes",
		    "hashcache /var/db/power/hashes" },
		{ "InferUser nobody", "inferuser nobody" },
		{ "KeepAlive 300", "keepalive 300" },
		{ "KeyUser key-user.1", "keyuser key-user.1" },
		{ "KVCacheMemory 16777216", "kvcachememory 16777216" },
		{ "KVCacheType F32", "kvcachetype f32" },
		{ "LibexecDir /opt/power/libexec",
		    "libexecdir /opt/power/libexec" },
		{ "Listen [::1]:8443", "listen [::1]:8443" },
		{ "ListenTLS 127.0.0.1:8443", "listentls 127.0.0.1:8443" },
		{ "LogLevel debug3", "loglevel DEBUG3" },
		{ "MaxBodyBytes 67108864", "maxbodybytes 67108864" },
		{ "MaxConnections 1", "maxconnections 1" },
		{ "MaxHeaderBytes 1024", "maxheaderbytes 1024" },
		{ "MaxLoadedModels 32", "maxloadedmodels 32" },
		{ "MaxQueue 0", "maxqueue 0" },
		{ "Model tiny:q8_0 /models/tiny.gguf sha256:" TEST_HASH,
		    "model tiny:q8_0 /models/tiny.gguf sha256:" TEST_HASH },
		{ "ModelKey file /etc/power/model.key",
		    "modelkey file /etc/power/model.key" },
		{ "ModelKey env POWER_MODEL_KEY_2",
		    "modelkey env POWER_MODEL_KEY_2" },
		{ "ModelSigningKey /etc/power/publisher.pem",
		    "modelsigningkey /etc/power/publisher.pem" },
		{ "PidFile /tmp/frontd.pid", "pidfile /tmp/frontd.pid" },
		{ "RATLSLifetime 600", "ratlslifetime 600" },
		{ "RequestTimeout 86400", "requesttimeout 86400" },
		{ "SevGuestDevice /dev/sev", "sevguestdevice /dev/sev" },
		{ "SevVmpl 3", "sevvmpl 3" },
		{ "StreamLayers Yes", "streamlayers yes" },
		{ "SyslogFacility local7", "syslogfacility LOCAL7" },
		{ "TdxGuestDevice /dev/tdx", "tdxguestdevice /dev/tdx" },
		{ "TEE Simulate", "tee simulate" },
		{ "Threads 64", "threads 64" },
		{ "TLSCertificate /etc/power/cert.pem",
		    "tlscertificate /etc/power/cert.pem" },
		{ "TLSKey /etc/power/key.pem", "tlskey /etc/power/key.pem" },
		{ "TsmReportDirectory /tmp/tsm", "tsmreportdirectory /tmp/tsm" },
		{ "User _www", "user _www" },
	};
	const struct config_entry	*table;
	struct config			*conf;
	char				 text[4096], err[1024], *dump;
	size_t				 i, k, n, off = 0;
	int				 found;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "%s\n", good[i].line);
	CU_ASSERT_FATAL(off < sizeof(text));
	CU_ASSERT_EQUAL_FATAL(test_load(test_writes("all.conf", text), &conf,
	    err, sizeof(err)), 0);
	dump = test_dump(conf);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT(test_dump_has(dump, good[i].dump));
		if (!test_dump_has(dump, good[i].dump))
			fprintf(stderr, "\n  dump lacks \"%s\"\n", good[i].dump);
	}
	free(dump);

	/* The list above covers the whole table (but Include). */
	table = config_table(&n);
	CU_ASSERT_EQUAL(n, CONF_KW__MAX);
	for (k = 0; k < n; k++) {
		CU_ASSERT_EQUAL(table[k].ce_id, k);
		if (table[k].ce_type == CONF_T_INCLUDE)
			continue;
		found = 0;
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
			if (strncmp(good[i].line, table[k].ce_name,
			    strlen(table[k].ce_name)) == 0 &&
			    good[i].line[strlen(table[k].ce_name)] == ' ')
				found = 1;
		CU_ASSERT(found);
		CU_ASSERT_PTR_NOT_NULL(config_get(conf, table[k].ce_id));
		if (k > 0)
			CU_ASSERT(strcasecmp(table[k - 1].ce_name,
			    table[k].ce_name) < 0);
	}
	CU_ASSERT_EQUAL(config_get(conf, CONF_KW_MAXHEADERBYTES)->cv_line, 18);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_TEE), 4);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_LOGLEVEL), 8);
	config_free(conf);
}

static void
test_case_insensitive_keywords(void)
{
	struct config	*conf;
	char		 err[1024];

	CU_ASSERT_EQUAL_FATAL(test_load(test_writes("case.conf",
	    "maxconnections 10\nLOGLEVEL verbose\nuser Mixed_Case\n"
	    "tee SEV-SNP\n"), &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXCONNECTIONS), 10);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_LOGLEVEL), "VERBOSE");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_USER), "Mixed_Case");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_TEE), "sev-snp");
	config_free(conf);
	CU_ASSERT_PTR_NOT_NULL(config_entry_byname("mAxBoDyByTeS"));
	CU_ASSERT_PTR_NULL(config_entry_byname("MaxBody"));
	CU_ASSERT_PTR_NULL(config_entry_byname(""));
}

static void
test_quotes_and_comments(void)
{
	struct config	*conf;
	char		 err[1024];

	CU_ASSERT_EQUAL_FATAL(test_load(test_writes("quote.conf",
	    "PidFile \"/tmp/a dir/frontd.pid\"   # trailing comment\n"
	    "ControlSocket \"/tmp/x\\\"y\\\\z#w\"\n"
	    "\t  # indented comment\r\n"
	    "ChrootDirectory /var/\"empty dir\"\r\n"
	    "LibexecDir /opt#comment right after\n"
	    "Model \"m\" \"/models/a b.gguf\"\n"), &conf, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_PIDFILE),
	    "/tmp/a dir/frontd.pid");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_CONTROLSOCKET),
	    "/tmp/x\"y\\z#w");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_CHROOTDIRECTORY),
	    "/var/empty dir");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_LIBEXECDIR), "/opt");
	CU_ASSERT_STRING_EQUAL(config_get(conf, CONF_KW_MODEL)->cv_argv[1],
	    "/models/a b.gguf");
	CU_ASSERT_EQUAL(config_get(conf, CONF_KW_MODEL)->cv_line, 6);
	config_free(conf);
}

static void
test_equals_sign(void)
{
	struct config	*conf;
	char		 err[1024];

	CU_ASSERT_EQUAL_FATAL(test_load(test_writes("eq.conf",
	    "MaxConnections=12\nLogLevel= ERROR\n  TEE=none\n"
	    "PidFile=\"/tmp/p=q\"\n"
	    "RequestTimeout =9\nUser\t=\tbob\n"), &conf, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXCONNECTIONS), 12);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_LOGLEVEL), "ERROR");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_TEE), "none");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_PIDFILE), "/tmp/p=q");
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_REQUESTTIMEOUT), 9);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_USER), "bob");
	config_free(conf);
	/* Only one "=" goes; a second one is part of the value. */
	test_load_err("User = = x\n", 1, "User: too many arguments");
	test_load_err("MaxConnections==12\n", 1, "invalid");
}

static void
test_first_value_wins(void)
{
	struct config	*conf;
	char		 err[1024];

	CU_ASSERT_EQUAL_FATAL(test_load(test_writes("first.conf",
	    "MaxConnections 5\nmaxconnections 6\nUser first\nUser second\n"),
	    &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXCONNECTIONS), 5);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_USER), "first");
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW_USER)->cv_next);
	CU_ASSERT_EQUAL(config_get(conf, CONF_KW_USER)->cv_line, 3);
	config_free(conf);
	/* A later value is still checked. */
	test_load_err("MaxConnections 5\nMaxConnections 0\n", 2, "too small");
}

static void
test_listen_accumulates(void)
{
	const struct config_value	*cv;
	struct config			*conf;
	char				 err[1024], *dump;
	char				 top[PATH_MAX];

	test_writes("l1.conf", "Listen 10.0.0.1:81\n");
	test_writes("l2.conf", "Listen 10.0.0.2:82\nModel b /b.gguf\n");
	strlcpy(top, test_writes("listen.conf", "Listen *:8080\n"
	    "Model a /a.gguf\nInclude l?.conf\nListen [::1]:0\n"),
	    sizeof(top));
	CU_ASSERT_EQUAL_FATAL(test_load(top, &conf, err, sizeof(err)), 0);
	cv = config_get(conf, CONF_KW_LISTEN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cv);
	CU_ASSERT_STRING_EQUAL(cv->cv_argv[0], "*:8080");
	CU_ASSERT_STRING_EQUAL(cv->cv_file, top);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cv = cv->cv_next);
	CU_ASSERT_STRING_EQUAL(cv->cv_argv[0], "10.0.0.1:81");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cv = cv->cv_next);
	CU_ASSERT_STRING_EQUAL(cv->cv_argv[0], "10.0.0.2:82");
	CU_ASSERT_PTR_NOT_NULL(strstr(cv->cv_file, "/l2.conf"));
	CU_ASSERT_EQUAL(cv->cv_line, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cv = cv->cv_next);
	CU_ASSERT_STRING_EQUAL(cv->cv_argv[0], "[::1]:0");
	CU_ASSERT_PTR_NULL(cv->cv_next);
	cv = config_get(conf, CONF_KW_MODEL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cv);
	CU_ASSERT_EQUAL(cv->cv_argc, 2);
	CU_ASSERT_STRING_EQUAL(cv->cv_argv[0], "a");
	CU_ASSERT_PTR_NULL(cv->cv_argv[2]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cv = cv->cv_next);
	CU_ASSERT_STRING_EQUAL(cv->cv_argv[0], "b");

	/* Defaults do not add to values that were set. */
	config_defaults(conf);
	dump = test_dump(conf);
	CU_ASSERT(test_dump_has(dump, "listen *:8080"));
	CU_ASSERT(test_dump_has(dump, "listen [::1]:0"));
	CU_ASSERT(!test_dump_has(dump, "listen 127.0.0.1:8080"));
	CU_ASSERT(test_dump_has(dump, "model b /b.gguf"));
	free(dump);
	config_free(conf);
}

static void
test_defaults(void)
{
	const struct config_entry	*table;
	struct config			*conf;
	char				 err[1024], *dump, want[256];
	size_t				 i, n, k;

	CU_ASSERT_EQUAL_FATAL(test_load(test_writes("empty.conf",
	    "# nothing\nMaxConnections 9\n"), &conf, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW_LISTEN));
	config_defaults(conf);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXCONNECTIONS), 9);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MAXBODYBYTES), 1048576);
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_LOGLEVEL), 3);
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_LISTEN),
	    "127.0.0.1:8080");
	CU_ASSERT_STRING_EQUAL(config_str(conf, CONF_KW_TEE), "auto");
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW_MODEL));
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW_INCLUDE));
	CU_ASSERT_PTR_NULL(config_get(conf, CONF_KW__MAX));
	CU_ASSERT_PTR_NULL(config_str(conf, CONF_KW_MODEL));
	CU_ASSERT_EQUAL(config_num(conf, CONF_KW_MODEL), 0);

	/* Every default is valid and shows in the dump. */
	dump = test_dump(conf);
	table = config_table(&n);
	for (i = 0; i < n; i++) {
		if (table[i].ce_default == NULL ||
		    table[i].ce_id == CONF_KW_MAXCONNECTIONS)
			continue;
		CU_ASSERT_PTR_NOT_NULL(config_get(conf, table[i].ce_id));
		for (k = 0; table[i].ce_name[k] != '\0'; k++)
			want[k] = (char)tolower((unsigned char)
			    table[i].ce_name[k]);
		snprintf(want + k, sizeof(want) - k, " %s",
		    table[i].ce_default);
		CU_ASSERT(test_dump_has(dump, want));
	}
	CU_ASSERT(test_dump_has(dump, "maxconnections 9"));
	free(dump);
	config_free(conf);
}

static void
test_split_listen(void)
{
	static const char *const bad[] = {
		"127.0.0.1", ":80", "127.0.0.1:", "[::1]", "[::1]80", "::1:80",
		"[]:80", "[::1:80", "::1]:80", "h:70000", "h:65536", "h:-1",
		"h: 80", "h:+80", "h:8o", "a b:80", "h/x:80", "", ":",
		"[::1]:", "h:123456789012345678901234567890",
	};
	char	host[64], port[16], tiny[4];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(config_split_listen(bad[i], host,
		    sizeof(host), port, sizeof(port)),
		    PWR_ERR_INVALID_FORMAT);
	}
	/* Too long for the caller's buffers. */
	CU_ASSERT_EQUAL(config_split_listen("abcd:80", tiny, sizeof(tiny),
	    port, sizeof(port)), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(config_split_listen("abc:8080", host, sizeof(host),
	    tiny, sizeof(tiny)), PWR_ERR_INVALID_FORMAT);

	CU_ASSERT_EQUAL(config_split_listen("[::1]:80", host, sizeof(host),
	    port, sizeof(port)), 0);
	CU_ASSERT_STRING_EQUAL(host, "::1");
	CU_ASSERT_STRING_EQUAL(port, "80");
	CU_ASSERT_EQUAL(config_split_listen("*:8080", host, sizeof(host),
	    port, sizeof(port)), 0);
	CU_ASSERT_STRING_EQUAL(host, "*");
	CU_ASSERT_STRING_EQUAL(port, "8080");
	CU_ASSERT_EQUAL(config_split_listen("127.0.0.1:0", host,
	    sizeof(host), port, sizeof(port)), 0);
	CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(port, "0");
	CU_ASSERT_EQUAL(config_split_listen("localhost:65535", host,
	    sizeof(host), port, sizeof(port)), 0);
	CU_ASSERT_STRING_EQUAL(host, "localhost");
	CU_ASSERT_STRING_EQUAL(port, "65535");
	CU_ASSERT_EQUAL(config_split_listen("abc:808", tiny, sizeof(tiny),
	    port, sizeof(port)), 0);
	CU_ASSERT_STRING_EQUAL(tiny, "abc");
}

static void
test_dump_table(void)
{
	FILE	*f;
	char	*s = NULL;
	size_t	 len = 0;

	f = open_memstream(&s, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	config_dump_table(f);
	CU_ASSERT_FATAL(fclose(f) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s,
	    "MaxConnections\tinteger\t256\t1-16384\tnetwork\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Include\tinclude\tnone\t-\t-\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s,
	    "Model\tmodel\tnone\t-\tparent,inferd,keyd\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\tparent,network,inferd,attestd,"
	    "keyd\n"));
	free(s);
}

static int
test_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
test_suite_init(void)
{
	const char	*tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(test_dir, sizeof(test_dir), "%s/conf.XXXXXXXX",
	    tmp) >= sizeof(test_dir) || mkdtemp(test_dir) == NULL)
		return -1;
	return 0;
}

static int
test_suite_clean(void)
{
	if (test_dir[0] == '\0')
		return 0;
	return nftw(test_dir, test_rm, 8, FTW_DEPTH | FTW_PHYS);
}

int
config_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "unknown keyword is an error at file:line",
		    test_unknown_keyword },
		{ "missing argument is an error", test_missing_argument },
		{ "too many arguments is an error", test_too_many_arguments },
		{ "integer out of range at either end is an error",
		    test_int_range },
		{ "integer that is not a number is an error",
		    test_int_not_number },
		{ "value not among the choices is an error", test_bad_enum },
		{ "relative path is an error", test_relative_path },
		{ "bad user or group name is an error", test_bad_name },
		{ "Listen without a valid host:port is an error",
		    test_bad_listen },
		{ "Model or ModelKey with a bad path, hash or source is an error",
		    test_bad_model },
		{ "unterminated quote is an error", test_unterminated_quote },
		{ "Include of a missing file names the including line",
		    test_include_missing },
		{ "Include of a directory, device or FIFO is an error",
		    test_include_not_regular },
		{ "error in an included file names that file and line",
		    test_include_error_location },
		{ "Include loop stops at the depth limit", test_include_loop },
		{ "line over 4096 bytes is an error", test_long_line },
		{ "NUL byte in a line is an error", test_nul_byte },
		{ "more than 64 values of one keyword is an error",
		    test_too_many_values },
		{ "config_set without a file re-validates, error has no "
		    "file:line", test_set_without_file },
		{ "every keyword parses a valid value and shows in the dump",
		    test_every_keyword },
		{ "keywords are case-insensitive", test_case_insensitive_keywords },
		{ "quotes keep spaces, # starts a comment",
		    test_quotes_and_comments },
		{ "Keyword=value is accepted", test_equals_sign },
		{ "the first value wins", test_first_value_wins },
		{ "Listen and Model accumulate across Includes",
		    test_listen_accumulates },
		{ "config_defaults fills only unset keywords", test_defaults },
		{ "config_split_listen accepts host:port and [v6]:port",
		    test_split_listen },
		{ "config_dump_table lists the table", test_dump_table },
	};
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite("config", test_suite_init,
	    test_suite_clean)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	}
	return 0;
}
