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
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"

/*
 * Channels between the processes of the family: event-driven peers with
 * dispatch tables, the sticky-error payload getters, and what every child
 * does first (find its channel, read its configuration).
 */

static void	proc_dispatch(evutil_socket_t, short, void *);
static void	proc_writable(evutil_socket_t, short, void *);
static void	proc_lost(struct proc_peer *, int, const char *);
static void	proc_log_sink(int, const char *, void *);

static const char *const proc_names[PROC_MAX] = {
	"parent", "network", "inferd", "attestd", "keyd"
};

const char *
proc_name(enum proc_id id)
{
	if ((unsigned int)id >= PROC_MAX)
		return "unknown";
	return proc_names[id];
}

int
proc_id_from_name(const char *name)
{
	int	i;

	for (i = 0; i < PROC_MAX; i++)
		if (strcmp(proc_names[i], name) == 0)
			return i;
	return -1;
}

void
proc_peer_open(struct proc_peer *peer, struct event_base *base, int fd,
    enum proc_id id, size_t maxframe, const struct proto_perm *perms,
    size_t nperms, const struct proc_handler *handlers,
    void (*lost)(struct proc_peer *, int, const char *), void *arg)
{
	int	r, flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		fatal_f("fcntl");
	memset(peer, 0, sizeof(*peer));
	if ((r = proto_chan_init(&peer->pp_chan, fd, maxframe, perms,
	    nperms)) != 0)
		fatal_r(r, "channel to %s", proc_name(id));
	peer->pp_id = id;
	peer->pp_name = proc_name(id);
	peer->pp_handlers = handlers;
	peer->pp_lost = lost;
	peer->pp_arg = arg;
	peer->pp_rev = event_new(base, fd, EV_READ | EV_PERSIST,
	    proc_dispatch, peer);
	peer->pp_wev = event_new(base, fd, EV_WRITE, proc_writable, peer);
	if (peer->pp_rev == NULL || peer->pp_wev == NULL)
		fatalx_f("event_new");
	event_add(peer->pp_rev, NULL);
	peer->pp_open = 1;
}

/* Handle whatever the peer sent before it went away (its last words). */
void
proc_peer_drain(struct proc_peer *peer)
{
	if (peer->pp_open)
		proc_dispatch(peer->pp_chan.pc_fd, EV_READ, peer);
}

void
proc_peer_close(struct proc_peer *peer)
{
	if (!peer->pp_open)
		return;
	event_free(peer->pp_rev);
	event_free(peer->pp_wev);
	peer->pp_rev = peer->pp_wev = NULL;
	close(peer->pp_chan.pc_fd);
	proto_chan_clear(&peer->pp_chan);
	peer->pp_open = 0;
}

/* Close the peer, then tell its owner; a violation is logged here. */
static void
proc_lost(struct proc_peer *peer, int violation, const char *why)
{
	if (!peer->pp_open)
		return;
	if (violation)
		log_warnx("protocol violation by %s: %s", peer->pp_name, why);
	/*
	 * The owner acts first: the parent kills a child before the child
	 * can see its channel close and leave as if nothing happened.
	 */
	if (peer->pp_lost != NULL)
		peer->pp_lost(peer, violation, why);
	proc_peer_close(peer);
}

void
proc_violation(struct proc_peer *peer, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	proc_lost(peer, 1, why);
}

static const struct proc_handler *
proc_handler_find(const struct proc_peer *peer, uint32_t type)
{
	const struct proc_handler	*h;

	for (h = peer->pp_handlers; h != NULL && h->ph_cb != NULL; h++)
		if (h->ph_type == type)
			return h;
	return NULL;
}

static void
proc_dispatch(evutil_socket_t fd, short ev, void *arg)
{
	struct proc_peer		*peer = arg;
	const struct proc_handler	*h;
	struct proto_msg		 msg;
	int				 r;

	while (peer->pp_open) {
		memset(&msg, 0, sizeof(msg));
		msg.pm_fd = -1;
		if ((r = proto_recv(&peer->pp_chan, &msg)) == 0)
			return;
		if (r == PWR_ERR_EOF) {
			proc_lost(peer, 0, "channel closed");
			return;
		}
		if (r < 0) {
			proc_lost(peer, 1, pwr_err(r));
			return;
		}
		if ((h = proc_handler_find(peer, msg.pm_hdr.type)) == NULL) {
			proto_msg_clear(&msg);
			proc_violation(peer, "no handler for %s",
			    proto_type_name(msg.pm_hdr.type));
			return;
		}
		h->ph_cb(peer, &msg);
		proto_msg_clear(&msg);
	}
}

static void
proc_writable(evutil_socket_t fd, short ev, void *arg)
{
	struct proc_peer	*peer = arg;
	int			 r;

	if (!peer->pp_open)
		return;
	if ((r = proto_flush(&peer->pp_chan)) == PWR_ERR_AGAIN)
		event_add(peer->pp_wev, NULL);
	else if (r != 0)
		proc_lost(peer, 0, pwr_err(r));
}

void
proc_send(struct proc_peer *peer, uint32_t type, uint32_t peerid, int fd,
    const struct buf *b)
{
	int	r;

	if (!peer->pp_open) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (b != NULL)
		r = proto_compose_buf(&peer->pp_chan, type, peerid, fd, b);
	else
		r = proto_compose(&peer->pp_chan, type, peerid, fd, NULL, 0);
	if (r != 0)
		fatal_r(r, "compose %s to %s", proto_type_name(type),
		    peer->pp_name);
	if (!event_pending(peer->pp_wev, EV_WRITE, NULL))
		event_active(peer->pp_wev, EV_WRITE, 0);
}

void
proc_queue(struct proc_peer *peer, uint32_t type, uint32_t peerid,
    const struct buf *b)
{
	int	r;

	if (!peer->pp_open)
		return;
	if ((r = proto_compose_buf(&peer->pp_chan, type, peerid, -1, b)) != 0)
		fatal_r(r, "compose %s to %s", proto_type_name(type),
		    peer->pp_name);
}

void
proc_send_empty(struct proc_peer *peer, uint32_t type, uint32_t peerid)
{
	proc_send(peer, type, peerid, -1, NULL);
}

void
proc_flush_blocking(struct proc_peer *peer)
{
	struct pollfd	pfd;

	while (peer->pp_open &&
	    proto_flush(&peer->pp_chan) == PWR_ERR_AGAIN) {
		pfd.fd = peer->pp_chan.pc_fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 1000) <= 0)
			return;
	}
}

uint8_t
proc_get_u8(struct proto_msg *msg)
{
	uint8_t	v = 0;
	int	r;

	if (msg->pm_err == 0 && (r = buf_get_u8(msg->pm_buf, &v)) != 0)
		msg->pm_err = r;
	return v;
}

uint32_t
proc_get_u32(struct proto_msg *msg)
{
	uint32_t	v = 0;
	int		r;

	if (msg->pm_err == 0 && (r = buf_get_u32(msg->pm_buf, &v)) != 0)
		msg->pm_err = r;
	return v;
}

uint64_t
proc_get_u64(struct proto_msg *msg)
{
	uint64_t	v = 0;
	int		r;

	if (msg->pm_err == 0 && (r = buf_get_u64(msg->pm_buf, &v)) != 0)
		msg->pm_err = r;
	return v;
}

char *
proc_get_string(struct proto_msg *msg)
{
	char	*s = NULL;
	int	 r;

	if (msg->pm_err == 0 &&
	    (r = buf_get_string(msg->pm_buf, &s, NULL)) != 0)
		msg->pm_err = r;
	return s;
}

const u_char *
proc_get_data(struct proto_msg *msg, size_t *lenp)
{
	const u_char	*d = NULL;
	int		 r;

	*lenp = 0;
	if (msg->pm_err == 0 &&
	    (r = buf_get_data_direct(msg->pm_buf, &d, lenp)) != 0)
		msg->pm_err = r;
	return d;
}

int
proc_end(struct proc_peer *peer, struct proto_msg *msg)
{
	if (msg->pm_err != 0) {
		proc_violation(peer, "%s: %s", proto_type_name(msg->pm_hdr.type),
		    pwr_err(msg->pm_err));
		return -1;
	}
	if (buf_len(msg->pm_buf) != 0) {
		proc_violation(peer, "%s: %zu trailing bytes",
		    proto_type_name(msg->pm_hdr.type), buf_len(msg->pm_buf));
		return -1;
	}
	return 0;
}

int
proc_take_fd(struct proto_msg *msg)
{
	int	fd = msg->pm_fd;

	msg->pm_fd = -1;
	return fd;
}

void
proc_child_args(int argc, char **argv, int *debug, int *verbose)
{
	int	ch;

	*debug = *verbose = 0;
	while ((ch = getopt(argc, argv, "dv")) != -1) {
		switch (ch) {
		case 'd':
			*debug = 1;
			break;
		case 'v':
			(*verbose)++;
			break;
		default:
			fprintf(stderr, "usage: %s [-dv]\n", program_invocation_short_name);
			exit(1);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s [-dv]\n", program_invocation_short_name);
		exit(1);
	}
}

/*
 * A child starts with its parent on fd 3 and nothing else.  Wait for
 * the configuration frame; anything else first is a violation.
 */
void
proc_child_init(enum proc_id id, struct proc_child_conf *cc)
{
	static const struct proto_perm	 perms[] = {
		{ PROTO_CTL_CONFIG, PROTO_PERM_ONCE },
	};
	struct proto_chan	 chan;
	struct proto_msg	 msg;
	struct pollfd		 pfd;
	struct stat		 st;
	int			 r, type;
	socklen_t		 len = sizeof(type);

	char			 err[256];

	if (fstat(PROC_CHANNEL_FD, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(PROC_CHANNEL_FD, SOL_SOCKET, SO_TYPE, &type,
	    &len) == -1 || type != SOCK_SEQPACKET)
		fatalx("%s is started by frontd, not by hand", proc_name(id));
	if ((r = proto_chan_init(&chan, PROC_CHANNEL_FD, PROTO_MAX_CTL_FRAME,
	    perms, 1)) != 0)
		fatal_r(r, "channel");
	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.pm_fd = -1;
		if ((r = proto_recv(&chan, &msg)) == 1)
			break;
		if (r < 0)
			fatalx("parent channel: %s", pwr_err(r));
		pfd.fd = PROC_CHANNEL_FD;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("poll");
	}
	if (proc_conf_parse(&msg, cc, err, sizeof(err)) != 0)
		fatalx("configuration from parent: %s", err);
	proto_msg_clear(&msg);
	proto_chan_clear(&chan);
	if (cc->cc_id != id)
		fatalx("parent configured %s, but this is %s",
		    proc_name(cc->cc_id), proc_name(id));
}

void
proc_child_conf_clear(struct proc_child_conf *cc)
{
	free(cc->cc_chroot);
	config_free(cc->cc_config);
	memset(cc, 0, sizeof(*cc));
}

/*
 * The configuration frame: who the child is, how to confine it, and the
 * keywords it uses, each as its argument vector.
 */
void
proc_conf_compose(struct buf *b, const struct proc_child_conf *cc,
    const struct config *conf)
{
	const struct config_entry	*tab;
	const struct config_value	*cv;
	size_t				 n, i, count = 0;
	int				 j, r = 0, procbit = 1 << cc->cc_id;

	tab = config_table(&n);
	for (i = 0; i < n; i++)
		if (tab[i].ce_procs & procbit)
			for (cv = config_get(conf, tab[i].ce_id); cv != NULL;
			    cv = cv->cv_next)
				count++;
	r |= buf_put_u32(b, cc->cc_id);
	r |= buf_put_u32(b, (cc->cc_debug ? 1 : 0) |
	    (cc->cc_separate ? 2 : 0));
	r |= buf_put_u32(b, cc->cc_uid);
	r |= buf_put_u32(b, cc->cc_gid);
	r |= buf_put_string(b, cc->cc_chroot != NULL ? cc->cc_chroot : "");
	r |= buf_put_u64(b, cc->cc_started);
	r |= buf_put_u32(b, (uint32_t)count);
	for (i = 0; i < n; i++) {
		if (!(tab[i].ce_procs & procbit))
			continue;
		for (cv = config_get(conf, tab[i].ce_id); cv != NULL;
		    cv = cv->cv_next) {
			r |= buf_put_string(b, tab[i].ce_name);
			r |= buf_put_u32(b, (uint32_t)cv->cv_argc);
			for (j = 0; j < cv->cv_argc; j++)
				r |= buf_put_string(b, cv->cv_argv[j]);
		}
	}
	if (r != 0)
		fatalx_f("configuration too large for a frame");
}

int
proc_conf_parse(struct proto_msg *msg, struct proc_child_conf *cc,
    char *err, size_t errlen)
{
	const struct config_entry	*ce;
	char				*kw, *argv[CONFIG_MAX_ARGS + 1];
	uint32_t			 flags, count, argc, i, j;
	int				 r = 0;

	memset(cc, 0, sizeof(*cc));
	cc->cc_config = config_new();
	cc->cc_id = proc_get_u32(msg);
	flags = proc_get_u32(msg);
	cc->cc_debug = (flags & 1) != 0;
	cc->cc_separate = (flags & 2) != 0;
	cc->cc_uid = proc_get_u32(msg);
	cc->cc_gid = proc_get_u32(msg);
	cc->cc_chroot = proc_get_string(msg);
	cc->cc_started = proc_get_u64(msg);
	count = proc_get_u32(msg);
	if (msg->pm_err != 0 || cc->cc_id >= PROC_MAX) {
		snprintf(err, errlen, "malformed header");
		return -1;
	}
	for (i = 0; i < count && r == 0; i++) {
		kw = proc_get_string(msg);
		argc = proc_get_u32(msg);
		if (msg->pm_err != 0 || argc == 0 || argc > CONFIG_MAX_ARGS) {
			free(kw);
			snprintf(err, errlen, "malformed keyword %u", i);
			return -1;
		}
		for (j = 0; j < argc; j++)
			argv[j] = proc_get_string(msg);
		argv[argc] = NULL;
		if (msg->pm_err != 0) {
			snprintf(err, errlen, "malformed keyword %u", i);
			r = -1;
		} else if ((ce = config_entry_byname(kw)) == NULL) {
			snprintf(err, errlen, "unknown keyword");
			r = -1;
		} else
			r = config_set(cc->cc_config, ce->ce_id, (int)argc,
			    argv, NULL, 0, err, errlen);
		for (j = 0; j < argc; j++)
			free(argv[j]);
		free(kw);
	}
	if (r != 0)
		return -1;
	if (buf_len(msg->pm_buf) != 0) {
		snprintf(err, errlen, "trailing bytes");
		return -1;
	}
	config_defaults(cc->cc_config);
	return 0;
}

static void
proc_log_sink(int level, const char *line, void *arg)
{
	struct proc_peer	*peer = arg;
	struct buf		*b;

	if (!peer->pp_open)
		return;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		return;
	/*
	 * Send at once: the record may be the last words of a process that
	 * is about to exit (fatal), and it keeps records in order.
	 */
	if (buf_put_u32(b, (uint32_t)level) == 0 &&
	    buf_put_string(b, line) == 0 &&
	    proto_compose_buf(&peer->pp_chan, PROTO_CTL_LOG, 0, -1, b) == 0 &&
	    proto_flush(&peer->pp_chan) == PWR_ERR_AGAIN &&
	    !event_pending(peer->pp_wev, EV_WRITE, NULL))
		event_add(peer->pp_wev, NULL);
	buf_free(b);
}

void
proc_log_to_parent(struct proc_peer *peer)
{
	log_setsink(proc_log_sink, peer);
}

void
proc_child_sandbox(const struct proc_child_conf *cc,
    const struct sandbox_limits *lim, const struct sandbox_rule *rules,
    size_t nrules)
{
	struct sandbox_limits	l = *lim;

	if (cc->cc_separate)
		sandbox_drop(cc->cc_chroot, cc->cc_uid, cc->cc_gid);
	else
		log_warnx("not root: %s keeps uid %u, no chroot",
		    proc_name(cc->cc_id), (unsigned int)getuid());
	sandbox_caps_clear();
	/* Children write no files; but with -d stderr may be one. */
	if (cc->cc_debug)
		l.sl_fsize = RLIM_INFINITY;
	sandbox_rlimits(&l);
	sandbox_no_new_privs();
	sandbox_set_logfd(PROC_CHANNEL_FD);
	sandbox_seccomp(proc_name(cc->cc_id), rules, nrules);
}

struct config *
proc_child_reload(struct proc_peer *peer, struct proto_msg *msg,
    enum proc_id id)
{
	struct proc_child_conf	 cc;
	struct config		*conf;
	char			 err[256];

	if (proc_conf_parse(msg, &cc, err, sizeof(err)) != 0 ||
	    cc.cc_id != id) {
		proc_child_conf_clear(&cc);
		proc_violation(peer, "CTL_CONFIG: %s", err);
		return NULL;
	}
	log_setlevel((int)config_num(cc.cc_config, CONF_KW_LOGLEVEL));
	conf = cc.cc_config;
	cc.cc_config = NULL;
	proc_child_conf_clear(&cc);
	log_verbose("configuration reloaded");
	return conf;
}

void
proc_dispatch_shutdown(struct proc_peer *peer, struct proto_msg *msg)
{
	if (proc_end(peer, msg) != 0)
		return;
	log_verbose("shutting down");
	proc_flush_blocking(peer);
	exit(0);
}

void
proc_lost_parent(struct proc_peer *peer, int violation, const char *why)
{
	log_setsink(NULL, NULL);
	if (violation)
		fatalx("parent channel: %s", why);
	/* The parent went away: nobody is left to serve. */
	exit(0);
}

void
proc_lost_sibling(struct proc_peer *peer, int violation, const char *why)
{
	if (violation)
		fatalx("%s broke the protocol: %s", peer->pp_name, why);
	log_verbose("%s channel closed: waiting for a new one",
	    peer->pp_name);
}
