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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

#include <event2/event.h>

#include <openssl/crypto.h>

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
 * The privileged parent.  It stays small: it opens what needs root
 * (listen sockets, the control socket), starts each child
 * with fork + exec, brokers the channels between siblings, restarts a
 * child that dies, and stops the family on SIGTERM.  It parses nothing
 * a client sent; children only report to it.
 */

static void	parent_open_listeners(struct front_parent *);
static void	parent_send_tls(struct front_parent *, struct child *);
static u_char	*parent_read_secret(const char *, size_t *);
static void	parent_count_models(struct front_parent *);
static char	*parent_bound_name(int);
static void	parent_daemonize(struct front_parent *);
static void	parent_spawn(struct front_parent *, enum proc_id);
static void	parent_exec_child(struct front_parent *, enum proc_id, int)
		    __attribute__((noreturn));
static void	parent_send_config(struct front_parent *, struct child *);
static void	parent_broker(struct front_parent *, enum proc_id);
static void	parent_restart_cb(evutil_socket_t, short, void *);
static void	parent_sigchld(evutil_socket_t, short, void *);
static void	parent_sighup(evutil_socket_t, short, void *);
static void	parent_sigterm(evutil_socket_t, short, void *);
static void	parent_grace_cb(evutil_socket_t, short, void *);
static void	parent_reaped(struct front_parent *, struct child *, int);
static void	parent_finish(struct front_parent *) __attribute__((noreturn));
static void	parent_lost(struct proc_peer *, int, const char *);
static void	parent_dispatch_ready(struct proc_peer *, struct proto_msg *);
static void	parent_dispatch_status(struct proc_peer *, struct proto_msg *);
static void	parent_dispatch_log(struct proc_peer *, struct proto_msg *);
static void	parent_dispatch_rotated(struct proc_peer *,
		    struct proto_msg *);
static struct child *parent_child_of(struct proc_peer *);
static int	conf_same(const struct config *, const struct config *,
		    enum config_kw);

/* What a child may send its parent. */
static const struct proto_perm parent_perms[] = {
	{ PROTO_CTL_READY, PROTO_PERM_ONCE },
	{ PROTO_CTL_STATUS, 0 },
	{ PROTO_CTL_LOG, 0 },
};

static const struct proc_handler parent_handlers[] = {
	{ PROTO_CTL_READY, parent_dispatch_ready },
	{ PROTO_CTL_STATUS, parent_dispatch_status },
	{ PROTO_CTL_LOG, parent_dispatch_log },
	{ 0, NULL }
};

/* keyd also answers rotations. */
static const struct proto_perm parent_keyd_perms[] = {
	{ PROTO_CTL_READY, PROTO_PERM_ONCE },
	{ PROTO_CTL_STATUS, 0 },
	{ PROTO_CTL_LOG, 0 },
	{ PROTO_CTL_ROTATED, 0 },
};

static const struct proc_handler parent_keyd_handlers[] = {
	{ PROTO_CTL_READY, parent_dispatch_ready },
	{ PROTO_CTL_STATUS, parent_dispatch_status },
	{ PROTO_CTL_LOG, parent_dispatch_log },
	{ PROTO_CTL_ROTATED, parent_dispatch_rotated },
	{ 0, NULL }
};

/* Sibling channels the parent creates and hands out. */
static const struct {
	enum proc_id	a, b;
} parent_links[] = {
	{ PROC_NETWORK, PROC_INFERD },
	{ PROC_NETWORK, PROC_ATTESTD },
	{ PROC_KEYD, PROC_INFERD },
};

/* The user each child runs as. */
static const enum config_kw child_user_kw[PROC_MAX] = {
	[PROC_NETWORK] = CONF_KW_USER,
	[PROC_INFERD] = CONF_KW_INFERUSER,
	[PROC_ATTESTD] = CONF_KW_ATTESTUSER,
	[PROC_KEYD] = CONF_KW_KEYUSER,
};

/* Keywords whose change needs a restart of frontd, not a reload. */
static const enum config_kw restart_kws[] = {
	CONF_KW_LISTEN, CONF_KW_MODEL, CONF_KW_USER, CONF_KW_INFERUSER,
	CONF_KW_ATTESTUSER, CONF_KW_KEYUSER, CONF_KW_CHROOTDIRECTORY,
	CONF_KW_LIBEXECDIR, CONF_KW_CONTROLSOCKET, CONF_KW_ADMINGROUP,
	CONF_KW_PIDFILE, CONF_KW_TEE, CONF_KW_SEVGUESTDEVICE,
	CONF_KW_CONTEXTLENGTH, CONF_KW_KVCACHEMEMORY, CONF_KW_KVCACHETYPE,
	CONF_KW_STREAMLAYERS, CONF_KW_THREADS,
	CONF_KW_TDXGUESTDEVICE, CONF_KW_TSMREPORTDIRECTORY,
	CONF_KW_LISTENTLS, CONF_KW_TLSCERTIFICATE, CONF_KW_TLSKEY,
	CONF_KW_HASHCACHE, CONF_KW_MODELKEY, CONF_KW_MODELSIGNINGKEY,
	CONF_KW_SEVVMPL,
};

static struct front_parent	*parent_fp;	/* for the fatal hook */
static struct event		*parent_grace_ev;

static void
parent_fatal_hook(void)
{
	int	i;

	if (parent_fp == NULL)
		return;
	for (i = 1; i < PROC_MAX; i++)
		if (parent_fp->fp_child[i].ch_pid > 0)
			kill(parent_fp->fp_child[i].ch_pid, SIGKILL);
}

__attribute__((noreturn))
void
parent_main(struct front_parent *fp)
{
	struct event	*ev;
	int		 i, level;
	char		 self[PATH_MAX];
	ssize_t		 n;

	level = (int)config_num(fp->fp_conf, CONF_KW_LOGLEVEL) +
	    fp->fp_verbose;
	log_init(1, level > LOG_LEVEL_DEBUG3 ? LOG_LEVEL_DEBUG3 :
	    level, log_facility_from_name(config_str(fp->fp_conf,
	    CONF_KW_SYSLOGFACILITY)));
	if (!fp->fp_separate)
		log_warnx("running as uid %u, not root: no uid or chroot "
		    "separation is possible; seccomp still applies",
		    (unsigned int)getuid());
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	fp->fp_self = xstrdup(self);

	parent_open_listeners(fp);
	parent_count_models(fp);
	if (!fp->fp_debug)
		parent_daemonize(fp);
	clock_gettime(CLOCK_MONOTONIC, &fp->fp_started);
	fp->fp_started_wall = time(NULL);

	signal(SIGPIPE, SIG_IGN);
	if ((fp->fp_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	control_init(fp);
	parent_fp = fp;
	log_setfatalhook(parent_fatal_hook);

	ev = evsignal_new(fp->fp_base, SIGCHLD, parent_sigchld, fp);
	evsignal_add(ev, NULL);
	ev = evsignal_new(fp->fp_base, SIGHUP, parent_sighup, fp);
	evsignal_add(ev, NULL);
	ev = evsignal_new(fp->fp_base, SIGTERM, parent_sigterm, fp);
	evsignal_add(ev, NULL);
	ev = evsignal_new(fp->fp_base, SIGINT, parent_sigterm, fp);
	evsignal_add(ev, NULL);

	for (i = 1; i < PROC_MAX; i++) {
		fp->fp_child[i].ch_id = i;
		fp->fp_child[i].ch_backoff_ms = FRONT_BACKOFF_MIN_MS;
		fp->fp_child[i].ch_restart_ev = evtimer_new(fp->fp_base,
		    parent_restart_cb, &fp->fp_child[i]);
	}
	for (i = 1; i < PROC_MAX; i++)
		parent_spawn(fp, i);
	log_info("started, pid %ld, %zu listener(s), %zu model(s)",
	    (long)getpid(), fp->fp_nlisten, fp->fp_nmodel);
	event_base_dispatch(fp->fp_base);
	fatalx("event loop ended");
}

/* Listen sockets first, then ListenTLS ones. */
static void
parent_open_listeners(struct front_parent *fp)
{
	static const enum config_kw	 kws[] = {
		CONF_KW_LISTEN, CONF_KW_LISTENTLS
	};
	const struct config_value	*cv;
	struct addrinfo			 hints, *res, *ai;
	struct front_listener		*fl;
	char				 host[256], port[16];
	int				 r, fd, on = 1, k;

	for (k = 0; k < 2; k++)
	for (cv = config_get(fp->fp_conf, kws[k]); cv != NULL;
	    cv = cv->cv_next) {
		if (config_split_listen(cv->cv_argv[0], host, sizeof(host),
		    port, sizeof(port)) != 0)
			fatalx("Listen %s: bad address", cv->cv_argv[0]);
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((r = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host,
		    port, &hints, &res)) != 0)
			fatalx("Listen %s: %s", cv->cv_argv[0],
			    gai_strerror(r));
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (fp->fp_nlisten >= FRONT_MAX_BOUND)
				fatalx("Listen: more than %d sockets",
				    FRONT_MAX_BOUND);
			if ((fd = socket(ai->ai_family, ai->ai_socktype |
			    SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
				fatal("socket for %s", cv->cv_argv[0]);
			if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on)) == -1)
				fatal("SO_REUSEADDR");
			if (ai->ai_family == AF_INET6 && setsockopt(fd,
			    IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
				fatal("IPV6_V6ONLY");
			if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
				fatal("bind %s", cv->cv_argv[0]);
			if (listen(fd, 128) == -1)
				fatal("listen %s", cv->cv_argv[0]);
			fl = &fp->fp_listen[fp->fp_nlisten++];
			fl->fl_fd = fd;
			fl->fl_addr = parent_bound_name(fd);
			fl->fl_tls = k;
			log_info("listening %s %s", k ? "for TLS on" : "on",
			    fl->fl_addr);
		}
		freeaddrinfo(res);
	}
}

/*
 * CTL_TLS for each ListenTLS socket: with the operator's chain and key
 * when TLSCertificate and TLSKey are set (read now, as root, and wiped
 * once queued), else empty (RA-TLS).  Read again for every network
 * child, so a renewed certificate is picked up by a restart.
 */
static void
parent_send_tls(struct front_parent *fp, struct child *ch)
{
	const char	*certfile, *keyfile;
	u_char		*cert = NULL, *key = NULL;
	size_t		 certlen = 0, keylen = 0, i;
	struct buf	*b;
	int		 fd;

	certfile = config_str(fp->fp_conf, CONF_KW_TLSCERTIFICATE);
	keyfile = config_str(fp->fp_conf, CONF_KW_TLSKEY);
	for (i = 0; i < fp->fp_nlisten; i++) {
		if (!fp->fp_listen[i].fl_tls)
			continue;
		if (certfile != NULL && cert == NULL &&
		    ((cert = parent_read_secret(certfile, &certlen)) == NULL ||
		    (key = parent_read_secret(keyfile, &keylen)) == NULL)) {
			log_warn("TLS: cannot read %s or %s: ListenTLS not "
			    "served", certfile, keyfile);
			break;
		}
		if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
			fatalx_f("buf_new");
		if ((fd = dup(fp->fp_listen[i].fl_fd)) == -1)
			fatal("dup");
		if (buf_put_string(b, fp->fp_listen[i].fl_addr) != 0 ||
		    buf_put_data(b, cert, certlen) != 0 ||
		    buf_put_data(b, key, keylen) != 0)
			fatalx("TLSCertificate and TLSKey: too large");
		proc_send(&ch->ch_peer, PROTO_CTL_TLS, 0, fd, b);
		buf_free(b);		/* wipes */
	}
	if (cert != NULL) {
		OPENSSL_cleanse(cert, certlen);
		free(cert);
	}
	if (key != NULL) {
		OPENSSL_cleanse(key, keylen);
		free(key);
	}
}

/* A whole file of at most FRONT_TLS_MAX_FILE bytes, or NULL. */
static u_char *
parent_read_secret(const char *path, size_t *lenp)
{
	u_char	*p;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return NULL;
	p = xcalloc(1, FRONT_TLS_MAX_FILE + 1);
	while ((n = read(fd, p + len, FRONT_TLS_MAX_FILE + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n == -1 || len == 0 || len > FRONT_TLS_MAX_FILE) {
		OPENSSL_cleanse(p, FRONT_TLS_MAX_FILE + 1);
		free(p);
		errno = n == -1 ? errno : EFBIG;
		return NULL;
	}
	*lenp = len;
	return p;
}

/* The address really bound, port 0 resolved: "1.2.3.4:80", "[::1]:80". */
static char *
parent_bound_name(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 host[NI_MAXHOST], serv[NI_MAXSERV], *s;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		fatal("getsockname");
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		fatalx("getnameinfo");
	xasprintf(&s, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
	    serv);
	return s;
}

/*
 * keyd opens the model files, checks them and passes them to inferd;
 * the parent only counts them (front_config_check saw that they exist).
 */
static void
parent_count_models(struct front_parent *fp)
{
	const struct config_value	*cv;

	for (cv = config_get(fp->fp_conf, CONF_KW_MODEL); cv != NULL;
	    cv = cv->cv_next)
		fp->fp_nmodel++;
}

/*
 * Detach, and write the pid file before the process that started us
 * exits, so that init scripts and systemd find it at once.
 */
static void
parent_daemonize(struct front_parent *fp)
{
	const char	*pidfile = config_str(fp->fp_conf, CONF_KW_PIDFILE);
	char		 dir[PATH_MAX], c = 0;
	FILE		*f;
	int		 p[2], fd;
	pid_t		 pid;

	if (pipe(p) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		close(p[1]);
		/* Returns when the daemon wrote the pid file or died. */
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		_exit(c == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	log_init(0, log_getlevel(), log_facility_from_name(
	    config_str(fp->fp_conf, CONF_KW_SYSLOGFACILITY)));
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	if (strlcpy(dir, pidfile, sizeof(dir)) < sizeof(dir) &&
	    mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		log_warn("mkdir for pid file %s", pidfile);
	if ((f = fopen(pidfile, "w")) == NULL)
		log_warn("pid file %s", pidfile);
	else {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	c = 1;
	if (write(p[1], &c, 1) != 1)
		log_warn("daemonize: tell the starting process");
	close(p[1]);
}

static void
parent_spawn(struct front_parent *fp, enum proc_id id)
{
	struct child	*ch = &fp->fp_child[id];
	struct passwd	*pw;
	int		 sv[2];
	pid_t		 pid;

	ch->ch_uid = getuid();
	ch->ch_gid = getgid();
	if (fp->fp_separate) {
		if ((pw = getpwnam(config_str(fp->fp_conf,
		    child_user_kw[id]))) == NULL)
			fatalx("%s: user %s vanished", proc_name(id),
			    config_str(fp->fp_conf, child_user_kw[id]));
		ch->ch_uid = pw->pw_uid;
		ch->ch_gid = pw->pw_gid;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(sv[0]);
		parent_exec_child(fp, id, sv[1]);
		/* NOTREACHED */
	}
	close(sv[1]);
	ch->ch_pid = pid;
	ch->ch_state = CHILD_STARTING;
	clock_gettime(CLOCK_MONOTONIC, &ch->ch_started);
	free(ch->ch_state_text);
	free(ch->ch_detail);
	ch->ch_state_text = xstrdup("starting");
	ch->ch_detail = xstrdup("");
	if (id == PROC_KEYD)
		proc_peer_open(&ch->ch_peer, fp->fp_base, sv[0], id,
		    PROTO_MAX_CTL_FRAME, parent_keyd_perms,
		    sizeof(parent_keyd_perms) / sizeof(parent_keyd_perms[0]),
		    parent_keyd_handlers, parent_lost, fp);
	else
		proc_peer_open(&ch->ch_peer, fp->fp_base, sv[0], id,
		    PROTO_MAX_CTL_FRAME, parent_perms,
		    sizeof(parent_perms) / sizeof(parent_perms[0]),
		    parent_handlers, parent_lost, fp);
	log_debug("started %s, pid %ld", proc_name(id), (long)pid);
	parent_send_config(fp, ch);
	parent_broker(fp, id);
}

/* In the forked child: channel on fd 3, nothing else, then exec. */
static void
parent_exec_child(struct front_parent *fp, enum proc_id id, int fd)
{
	static const char *const keep[] = {
		"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
		"POWER_NO_SIMD", "GLIBC_TUNABLES",
	};
	const struct config_value *cv;
	char		*argv[16], *envp[8 + 16], path[PATH_MAX], *v;
	sigset_t	 set;
	size_t		 i, ne = 0;
	int		 na = 0, n;

	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (fd == PROC_CHANNEL_FD) {
		if (fcntl(fd, F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(fd, PROC_CHANNEL_FD) == -1)
		_exit(127);
	closefrom(PROC_CHANNEL_FD + 1);

	if (id == PROC_NETWORK) {
		n = snprintf(path, sizeof(path), "%s", fp->fp_self);
		argv[na++] = "frontd";
		argv[na++] = "-P";
		argv[na++] = "network";
	} else {
		n = snprintf(path, sizeof(path), "%s/%s",
		    config_str(fp->fp_conf, CONF_KW_LIBEXECDIR),
		    proc_name(id));
		argv[na++] = (char *)proc_name(id);
	}
	if (n < 0 || (size_t)n >= sizeof(path))
		_exit(127);
	if (fp->fp_debug)
		argv[na++] = "-d";
	for (n = 0; n < fp->fp_verbose && n < 3; n++)
		argv[na++] = "-v";
	argv[na] = NULL;

	envp[ne++] = "PATH=/usr/bin:/bin";
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if ((v = getenv(keep[i])) == NULL)
			continue;
		if (asprintf(&envp[ne], "%s=%s", keep[i], v) != -1)
			ne++;
	}
	/* ModelKey env: to keyd alone, never to another child. */
	for (cv = config_get(fp->fp_conf, CONF_KW_MODELKEY);
	    id == PROC_KEYD && cv != NULL; cv = cv->cv_next) {
		if (strcmp(cv->cv_argv[0], "env") != 0 ||
		    ne + 1 >= sizeof(envp) / sizeof(envp[0]) ||
		    (v = getenv(cv->cv_argv[1])) == NULL)
			continue;
		if (asprintf(&envp[ne], "%s=%s", cv->cv_argv[1], v) != -1)
			ne++;
	}
	envp[ne] = NULL;
	execve(path, argv, envp);
	dprintf(STDERR_FILENO, "frontd: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

static void
parent_send_config(struct front_parent *fp, struct child *ch)
{
	struct proc_child_conf	 cc;
	struct buf		*b;

	memset(&cc, 0, sizeof(cc));
	cc.cc_id = ch->ch_id;
	cc.cc_debug = fp->fp_debug;
	cc.cc_separate = fp->fp_separate;
	cc.cc_uid = ch->ch_uid;
	cc.cc_gid = ch->ch_gid;
	cc.cc_chroot = (char *)config_str(fp->fp_conf,
	    CONF_KW_CHROOTDIRECTORY);
	cc.cc_started = (uint64_t)fp->fp_started_wall;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	proc_conf_compose(b, &cc, fp->fp_conf);
	proc_send(&ch->ch_peer, PROTO_CTL_CONFIG, 0, -1, b);
	buf_free(b);
}

/*
 * Hand a freshly started child what it serves: listen sockets to the
 * network child, the rotation to restore to keyd, and a new channel to
 * each running sibling it talks to (keyd sends inferd the models).
 */
static void
parent_broker(struct front_parent *fp, enum proc_id id)
{
	struct child			*ch = &fp->fp_child[id], *other;
	struct buf			*b;
	size_t				 i;
	int				 fd, sv[2];
	enum proc_id			 oid;

	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (id == PROC_NETWORK) {
		for (i = 0; i < fp->fp_nlisten; i++) {
			if (fp->fp_listen[i].fl_tls)
				continue;
			buf_reset(b);
			if ((fd = dup(fp->fp_listen[i].fl_fd)) == -1)
				fatal("dup");
			if (buf_put_string(b, fp->fp_listen[i].fl_addr) != 0)
				fatalx_f("buf");
			proc_send(&ch->ch_peer, PROTO_CTL_LISTEN, 0, fd, b);
		}
		parent_send_tls(fp, ch);
	}
	/* A restarted keyd starts at the key powerctl rotated to. */
	if (id == PROC_KEYD && fp->fp_keyidx > 0) {
		buf_reset(b);
		if (buf_put_u32(b, fp->fp_keyidx) != 0)
			fatalx_f("buf");
		proc_send(&ch->ch_peer, PROTO_CTL_ROTATE_KEY, 0, -1, b);
	}
	for (i = 0; i < sizeof(parent_links) / sizeof(parent_links[0]); i++) {
		if (parent_links[i].a == id)
			oid = parent_links[i].b;
		else if (parent_links[i].b == id)
			oid = parent_links[i].a;
		else
			continue;
		other = &fp->fp_child[oid];
		if (other->ch_pid <= 0 || !other->ch_peer.pp_open)
			continue;	/* it gets the link when it starts */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) == -1)
			fatal("socketpair");
		buf_reset(b);
		if (buf_put_u32(b, oid) != 0)
			fatalx_f("buf");
		proc_send(&ch->ch_peer, PROTO_CTL_PEER, 0, sv[0], b);
		buf_reset(b);
		if (buf_put_u32(b, id) != 0)
			fatalx_f("buf");
		proc_send(&other->ch_peer, PROTO_CTL_PEER, 0, sv[1], b);
	}
	buf_free(b);
}

static struct child *
parent_child_of(struct proc_peer *peer)
{
	struct front_parent	*fp = peer->pp_arg;

	return &fp->fp_child[peer->pp_id];
}

/*
 * The channel closed or the child broke the protocol: a child without
 * its channel is of no use and may be compromised, so kill it; the
 * restart happens when it is reaped.
 */
static void
parent_lost(struct proc_peer *peer, int violation, const char *why)
{
	struct front_parent	*fp = peer->pp_arg;
	struct child		*ch = parent_child_of(peer);

	if (ch->ch_pid <= 0)
		return;
	if (violation || !fp->fp_stopping) {
		log_debug("%s: %s: killing pid %ld", proc_name(ch->ch_id), why,
		    (long)ch->ch_pid);
		kill(ch->ch_pid, SIGKILL);
	}
}

static void
parent_dispatch_ready(struct proc_peer *peer, struct proto_msg *msg)
{
	struct child	*ch = parent_child_of(peer);

	if (proc_end(peer, msg) != 0)
		return;
	ch->ch_state = CHILD_RUNNING;
	free(ch->ch_state_text);
	ch->ch_state_text = xstrdup("running");
	log_verbose("%s ready, pid %ld", proc_name(ch->ch_id),
	    (long)ch->ch_pid);
	proc_send_empty(peer, PROTO_CTL_STATUS_REQ, 0);
}

static void
parent_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct child	*ch = parent_child_of(peer);
	char		*state, *detail;

	state = proc_get_string(msg);
	detail = proc_get_string(msg);
	if (proc_end(peer, msg) != 0) {
		free(state);
		free(detail);
		return;
	}
	free(ch->ch_state_text);
	free(ch->ch_detail);
	ch->ch_state_text = state;
	ch->ch_detail = detail;
}

static void
parent_dispatch_log(struct proc_peer *peer, struct proto_msg *msg)
{
	uint32_t	 level;
	char		*line;

	level = proc_get_u32(msg);
	line = proc_get_string(msg);
	if (proc_end(peer, msg) != 0) {
		free(line);
		return;
	}
	if (level < LOG_LEVEL_FATAL || level > LOG_LEVEL_DEBUG3)
		proc_violation(peer, "log level %u", level);
	else
		log_forward((int)level, peer->pp_name, line);
	free(line);
}

/* keyd's answer to a rotation; peerid names the admin who asked. */
static void
parent_dispatch_rotated(struct proc_peer *peer, struct proto_msg *msg)
{
	struct front_parent	*fp = peer->pp_arg;
	uint8_t			 ok;
	uint32_t		 cur;
	char			*text;

	ok = proc_get_u8(msg);
	cur = proc_get_u32(msg);
	text = proc_get_string(msg);
	if (proc_end(peer, msg) != 0) {
		free(text);
		return;
	}
	if (ok)
		fp->fp_keyidx = cur;
	if (msg->pm_hdr.peerid != 0)
		control_rotated(fp, msg->pm_hdr.peerid, ok, text);
	free(text);
}

static void
parent_restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child		*ch = arg;
	struct front_parent	*fp = parent_fp;

	if (fp->fp_stopping || ch->ch_pid > 0)
		return;
	ch->ch_restarts++;
	log_info("restarting %s (restart %u)", proc_name(ch->ch_id),
	    ch->ch_restarts);
	parent_spawn(fp, ch->ch_id);
}

static void
parent_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	struct front_parent	*fp = arg;
	pid_t			 pid;
	int			 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 1; i < PROC_MAX; i++)
			if (fp->fp_child[i].ch_pid == pid)
				break;
		if (i == PROC_MAX)
			continue;
		parent_reaped(fp, &fp->fp_child[i], status);
	}
	if (fp->fp_stopping) {
		for (i = 1; i < PROC_MAX; i++)
			if (fp->fp_child[i].ch_pid > 0)
				return;
		parent_finish(fp);
	}
}

static void
parent_reaped(struct front_parent *fp, struct child *ch, int status)
{
	struct timeval	tv;
	const char	*name = proc_name(ch->ch_id);
	long		pid = (long)ch->ch_pid;

	/* The pid is gone: forget it, then read the child's last frames. */
	ch->ch_pid = 0;
	ch->ch_state = CHILD_DOWN;
	proc_peer_drain(&ch->ch_peer);
	proc_peer_close(&ch->ch_peer);
	if (fp->fp_stopping && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_verbose("%s (pid %ld) stopped", name, pid);
	else if (WIFEXITED(status))
		log_warnx("lost child: %s (pid %ld) exited with status %d",
		    name, pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("lost child: %s (pid %ld) killed by signal %d (%s)",
		    name, pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	free(ch->ch_state_text);
	ch->ch_state_text = xstrdup(fp->fp_stopping ? "stopped" :
	    "restarting");
	if (fp->fp_stopping)
		return;
	/* Back off a child that keeps dying; forgive one that ran a while. */
	if (child_uptime(ch) >= FRONT_STABLE_SEC)
		ch->ch_backoff_ms = FRONT_BACKOFF_MIN_MS;
	tv.tv_sec = ch->ch_backoff_ms / 1000;
	tv.tv_usec = (ch->ch_backoff_ms % 1000) * 1000;
	evtimer_add(ch->ch_restart_ev, &tv);
	ch->ch_backoff_ms *= 2;
	if (ch->ch_backoff_ms > FRONT_BACKOFF_MAX_MS)
		ch->ch_backoff_ms = FRONT_BACKOFF_MAX_MS;
}

static void
parent_sighup(evutil_socket_t sig, short ev, void *arg)
{
	char	err[512];

	log_info("SIGHUP: reloading %s", parent_fp->fp_conffile);
	parent_reload(arg, err, sizeof(err));
}

static int
conf_same(const struct config *a, const struct config *b,
    enum config_kw kw)
{
	const struct config_value	*va, *vb;
	int				 i;

	va = config_get(a, kw);
	vb = config_get(b, kw);
	for (; va != NULL && vb != NULL; va = va->cv_next, vb = vb->cv_next) {
		if (va->cv_argc != vb->cv_argc)
			return 0;
		for (i = 0; i < va->cv_argc; i++)
			if (strcmp(va->cv_argv[i], vb->cv_argv[i]) != 0)
				return 0;
	}
	return va == NULL && vb == NULL;
}

/*
 * Re-read power.conf and send each child its part.  What needs root
 * again (sockets, models, users) cannot change under a running family:
 * such a reload is refused and says which keyword needs a restart.
 */
void
parent_reload(struct front_parent *fp, char *err, size_t errlen)
{
	struct config	*conf;
	size_t		 i, n;
	int		 level;

	err[0] = '\0';
	conf = config_new();
	if (config_load(conf, fp->fp_conffile, err, errlen) != 0)
		goto fail;
	config_defaults(conf);
	if (front_config_check(conf, fp->fp_separate, err, errlen) != 0)
		goto fail;
	for (i = 0; i < sizeof(restart_kws) / sizeof(restart_kws[0]); i++) {
		if (!conf_same(conf, fp->fp_conf, restart_kws[i])) {
			snprintf(err, errlen, "%s changed: restart frontd to "
			    "apply it; reload refused",
			    config_table(&n)[restart_kws[i]].ce_name);
			goto fail;
		}
	}
	config_free(fp->fp_conf);
	fp->fp_conf = conf;
	level = (int)config_num(conf, CONF_KW_LOGLEVEL) + fp->fp_verbose;
	log_setlevel(level > LOG_LEVEL_DEBUG3 ? LOG_LEVEL_DEBUG3 : level);
	for (i = 1; i < PROC_MAX; i++)
		if (fp->fp_child[i].ch_pid > 0)
			parent_send_config(fp, &fp->fp_child[i]);
	log_info("configuration reloaded");
	return;
 fail:
	log_warnx("reload failed: %s", err);
	config_free(conf);
}

static void
parent_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	struct front_parent	*fp = arg;
	struct child		*ch;
	struct timeval		 tv = { FRONT_STOP_GRACE_SEC, 0 };
	int			 i, running = 0;

	if (fp->fp_stopping)
		return;
	log_info("%s: stopping", strsignal(sig));
	fp->fp_stopping = 1;
	for (i = 1; i < PROC_MAX; i++) {
		ch = &fp->fp_child[i];
		evtimer_del(ch->ch_restart_ev);
		if (ch->ch_pid <= 0)
			continue;
		running++;
		ch->ch_state = CHILD_STOPPING;
		proc_send_empty(&ch->ch_peer, PROTO_CTL_SHUTDOWN, 0);
	}
	if (running == 0)
		parent_finish(fp);
	parent_grace_ev = evtimer_new(fp->fp_base, parent_grace_cb, fp);
	evtimer_add(parent_grace_ev, &tv);
}

static void
parent_grace_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct front_parent	*fp = arg;
	int			 i;

	for (i = 1; i < PROC_MAX; i++) {
		if (fp->fp_child[i].ch_pid <= 0)
			continue;
		log_warnx("%s did not stop in %d seconds: killing it",
		    proc_name(i), FRONT_STOP_GRACE_SEC);
		kill(fp->fp_child[i].ch_pid, SIGKILL);
	}
}

static void
parent_finish(struct front_parent *fp)
{
	control_cleanup(fp);
	if (!fp->fp_debug)
		(void)unlink(config_str(fp->fp_conf, CONF_KW_PIDFILE));
	log_info("stopped");
	exit(0);
}

uint64_t
parent_uptime(const struct front_parent *fp)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - fp->fp_started.tv_sec);
}

uint64_t
child_uptime(const struct child *ch)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - ch->ch_started.tv_sec);
}

/* The kernel's word on who the child is, not the child's. */
uid_t
child_real_uid(const struct child *ch)
{
	char		 path[64], line[256];
	FILE		*f;
	unsigned int	 uid;
	uid_t		 r = (uid_t)-1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)ch->ch_pid);
	if ((f = fopen(path, "r")) == NULL)
		return r;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Uid: %u", &uid) == 1) {
			r = uid;
			break;
		}
	fclose(f);
	return r;
}

const char *
child_state_name(enum child_state s)
{
	switch (s) {
	case CHILD_DOWN:
		return "down";
	case CHILD_STARTING:
		return "starting";
	case CHILD_RUNNING:
		return "running";
	case CHILD_STOPPING:
		return "stopping";
	}
	return "unknown";
}
