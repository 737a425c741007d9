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
#include <sys/resource.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "frontd.h"

/*
 * frontd: parse and check power.conf, then become the parent of the
 * family, or (with -P network, as re-exec'd by the parent) its network
 * child.
 */

static void	usage(void) __attribute__((noreturn));
static void	sanitise_stdfd(void);
static struct config *load_config(const char *, int);
static int	check_user(const struct config *, enum config_kw, char *,
		    size_t);
static int	check_exec(const char *, const char *, char *, size_t);
static int	check_tls(const struct config *, char *, size_t);
static int	check_tls_file(const char *, const char *, int, char *,
		    size_t);

const char *front_conffile_default = POWER_SYSCONFDIR "/power.conf";

static void
usage(void)
{
	fprintf(stderr, "usage: frontd [-dnTv] [-f file]\n");
	exit(1);
}

/* Make sure fds 0-2 are open, so nothing we open lands on them. */
static void
sanitise_stdfd(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= STDERR_FILENO)
		;
	if (fd > STDERR_FILENO)
		close(fd);
}

static int
check_user(const struct config *conf, enum config_kw kw, char *err,
    size_t errlen)
{
	const char	*name = config_str(conf, kw);
	size_t		 n;

	if (getpwnam(name) != NULL)
		return 0;
	snprintf(err, errlen, "%s: no such user \"%s\" (tools/power-adduser.sh "
	    "or make install creates it)", config_table(&n)[kw].ce_name,
	    name);
	return -1;
}

static int
check_exec(const char *dir, const char *name, char *err, size_t errlen)
{
	char	path[PATH_MAX];
	int	n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path) || access(path, X_OK) == -1) {
		snprintf(err, errlen, "LibexecDir: cannot execute %s/%s: %s",
		    dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

static int
check_tls_file(const char *kw, const char *path, int secret, char *err,
    size_t errlen)
{
	struct stat	st;

	if (stat(path, &st) == -1 || access(path, R_OK) == -1) {
		snprintf(err, errlen, "%s %s: %s", kw, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 ||
	    st.st_size > FRONT_TLS_MAX_FILE) {
		snprintf(err, errlen, "%s %s: not a file of 1 to %d bytes",
		    kw, path, FRONT_TLS_MAX_FILE);
		return -1;
	}
	if (secret && ((st.st_mode & 077) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid()))) {
		snprintf(err, errlen, "%s %s: must be owned by root (or the "
		    "user running frontd) and not readable by group or "
		    "others (mode %04o)", kw, path,
		    (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * ListenTLS: TLSCertificate and TLSKey both (the operator's chain and
 * key, which must load and match) or neither (RA-TLS).
 */
static int
check_tls(const struct config *conf, char *err, size_t errlen)
{
	const struct config_value	*cv;
	const char			*cert, *key, *why;
	SSL_CTX				*ctx;
	size_t				 n = 0;
	int				 ok;

	for (cv = config_get(conf, CONF_KW_LISTENTLS); cv != NULL;
	    cv = cv->cv_next)
		n++;
	if (n > FRONT_MAX_LISTEN) {
		snprintf(err, errlen, "ListenTLS: at most %d addresses",
		    FRONT_MAX_LISTEN);
		return -1;
	}
	cert = config_str(conf, CONF_KW_TLSCERTIFICATE);
	key = config_str(conf, CONF_KW_TLSKEY);
	if ((cert == NULL) != (key == NULL)) {
		snprintf(err, errlen, "TLSCertificate and TLSKey: set both "
		    "(the operator's certificate) or neither (RA-TLS)");
		return -1;
	}
	if (cert == NULL)
		return 0;
	if (check_tls_file("TLSCertificate", cert, 0, err, errlen) != 0 ||
	    check_tls_file("TLSKey", key, 1, err, errlen) != 0)
		return -1;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return -1;
	ok = SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 &&
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1;
	if (!ok) {
		why = ERR_reason_error_string(ERR_peek_last_error());
		snprintf(err, errlen, "TLSCertificate %s, TLSKey %s: %s", cert,
		    key, why != NULL ? why : "cannot be used together");
	}
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * Checks beyond syntax: the users and group exist, the chroot is safe,
 * the programs and model files are there.  Run by -n and at start.
 */
int
front_config_check(struct config *conf, int separate, char *err,
    size_t errlen)
{
	static const enum config_kw	 users[] = {
		CONF_KW_USER, CONF_KW_INFERUSER, CONF_KW_ATTESTUSER,
		CONF_KW_KEYUSER,
	};
	static const char *const	 progs[] = { "inferd", "attestd", "keyd" };
	const struct config_value	*cv;
	const char			*dir;
	size_t				 i, n;
	char				 e[256];

	if (separate) {
		for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
			if (check_user(conf, users[i], err, errlen) != 0)
				return -1;
		if (getgrnam(config_str(conf, CONF_KW_ADMINGROUP)) == NULL) {
			snprintf(err, errlen, "AdminGroup: no such group \"%s\"",
			    config_str(conf, CONF_KW_ADMINGROUP));
			return -1;
		}
		dir = config_str(conf, CONF_KW_CHROOTDIRECTORY);
		if (sandbox_check_dir(dir, e, sizeof(e)) != 0) {
			snprintf(err, errlen, "ChrootDirectory %s: %s", dir, e);
			return -1;
		}
	}
	dir = config_str(conf, CONF_KW_LIBEXECDIR);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (check_exec(dir, progs[i], err, errlen) != 0)
			return -1;
	n = 0;
	for (cv = config_get(conf, CONF_KW_LISTEN); cv != NULL;
	    cv = cv->cv_next)
		n++;
	if (n > FRONT_MAX_LISTEN) {
		snprintf(err, errlen, "Listen: at most %d addresses",
		    FRONT_MAX_LISTEN);
		return -1;
	}
	if (check_tls(conf, err, errlen) != 0)
		return -1;
	for (cv = config_get(conf, CONF_KW_MODEL); cv != NULL;
	    cv = cv->cv_next) {
		if (access(cv->cv_argv[1], R_OK) == -1) {
			snprintf(err, errlen, "%s:%d: Model %s: %s: %s",
			    cv->cv_file ? cv->cv_file : "?", cv->cv_line,
			    cv->cv_argv[0], cv->cv_argv[1], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static struct config *
load_config(const char *file, int separate)
{
	struct config	*conf;
	char		 err[512];

	conf = config_new();
	if (config_load(conf, file, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	config_defaults(conf);
	if (front_config_check(conf, separate, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", file, err);
		exit(1);
	}
	return conf;
}

int
main(int argc, char **argv)
{
	struct front_parent	*fp;
	const char		*conffile = front_conffile_default;
	const char		*procname = NULL;
	int			 ch, debug = 0, verbose = 0, noaction = 0;
	int			 dump = 0, table = 0, level;
	char			 abspath[PATH_MAX];

	sanitise_stdfd();
	while ((ch = getopt(argc, argv, "df:KnP:Tv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'K':
			table = 1;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			procname = optarg;
			break;
		case 'T':
			dump = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (procname != NULL) {
		if (strcmp(procname, "network") != 0)
			fatalx("unknown process %s", procname);
		network_main(debug, verbose);
		/* NOTREACHED */
	}
	if (table) {
		config_dump_table(stdout);
		return 0;
	}

	level = LOG_LEVEL_INFO + verbose;
	log_init(1, level, LOG_DAEMON);
	log_procinit("frontd");

	fp = xcalloc(1, sizeof(*fp));
	fp->fp_separate = sandbox_privileged();
	/* Absolute, so that a reload still finds it after daemon(3). */
	if (realpath(conffile, abspath) != NULL)
		conffile = abspath;
	fp->fp_conffile = xstrdup(conffile);
	fp->fp_conf = load_config(conffile, fp->fp_separate);
	if (noaction) {
		printf("configuration OK\n");
		return 0;
	}
	if (dump) {
		config_dump(fp->fp_conf, stdout);
		return 0;
	}
	fp->fp_debug = debug;
	fp->fp_verbose = verbose;
	parent_main(fp);
	/* NOTREACHED */
}
