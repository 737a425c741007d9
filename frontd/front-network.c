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
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

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
 * The network child: runs as User in an empty chroot under seccomp and
 * does all the talking to clients.  It holds no secrets and opens
 * nothing: listen sockets and sibling channels arrive from the parent.
 */

static void	network_apply_config(struct network *, struct config *);
static void	network_lost_sibling(struct proc_peer *, int, const char *);
static void	network_dispatch_config(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_status(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_peer(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_listen(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_shutdown(struct proc_peer *,
		    struct proto_msg *);
static void	network_dispatch_infer(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_attest(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_report(struct proc_peer *, struct proto_msg *);
static void	network_dispatch_tls(struct proc_peer *, struct proto_msg *);
static void	network_drain_cb(evutil_socket_t, short, void *);
static void	network_dispatch_reply(struct proc_peer *, struct proto_msg *);
static void	*network_malloc(size_t);
static void	*network_realloc(void *, size_t);
static void	 network_free(void *);

static const struct proto_perm network_parent_perms[] = {
	{ PROTO_CTL_CONFIG, 0 },
	{ PROTO_CTL_STATUS_REQ, 0 },
	{ PROTO_CTL_PEER, PROTO_PERM_FD },
	{ PROTO_CTL_LISTEN, PROTO_PERM_FD },
	{ PROTO_CTL_TLS, PROTO_PERM_FD },
	{ PROTO_CTL_SHUTDOWN, PROTO_PERM_ONCE },
};

static const struct proc_handler network_parent_handlers[] = {
	{ PROTO_CTL_CONFIG, network_dispatch_config },
	{ PROTO_CTL_STATUS_REQ, network_dispatch_status },
	{ PROTO_CTL_PEER, network_dispatch_peer },
	{ PROTO_CTL_LISTEN, network_dispatch_listen },
	{ PROTO_CTL_TLS, network_dispatch_tls },
	{ PROTO_CTL_SHUTDOWN, network_dispatch_shutdown },
	{ 0, NULL }
};

static const struct proto_perm network_infer_perms[] = {
	{ PROTO_INFER_STATUS, 0 },
	{ PROTO_INFER_REPLY, 0 },
};

static const struct proc_handler network_infer_handlers[] = {
	{ PROTO_INFER_STATUS, network_dispatch_infer },
	{ PROTO_INFER_REPLY, network_dispatch_reply },
	{ 0, NULL }
};

static const struct proto_perm network_attest_perms[] = {
	{ PROTO_ATTEST_TEE, 0 },
	{ PROTO_ATTEST_REPORT, 0 },
};

static const struct proc_handler network_attest_handlers[] = {
	{ PROTO_ATTEST_TEE, network_dispatch_attest },
	{ PROTO_ATTEST_REPORT, network_dispatch_report },
	{ 0, NULL }
};

static struct network	network_state;

__attribute__((noreturn))
void
network_main(int debug, int verbose)
{
	struct network		*nw = &network_state;
	struct sandbox_limits	 lim;

	/*
	 * Everything this process holds may be a prompt or an answer:
	 * libevent and jansson wipe what they free (STYLE section 6).
	 */
	event_set_mem_functions(network_malloc, network_realloc,
	    network_free);
	json_set_alloc_funcs(network_malloc, network_free);
	log_init(1, LOG_LEVEL_INFO + verbose, 0);
	log_procinit("network");
	proc_child_init(PROC_NETWORK, &nw->nw_cc);
	TAILQ_INIT(&nw->nw_pending);
	signal(SIGPIPE, SIG_IGN);
	if ((nw->nw_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	/* jansson seeds its hash function from /dev/urandom: do it now. */
	json_object_seed(0);
	http_init(nw);
	network_apply_config(nw, nw->nw_cc.cc_config);
	tls_init(nw);
	proc_peer_open(&nw->nw_parent, nw->nw_base, PROC_CHANNEL_FD,
	    PROC_PARENT, PROTO_MAX_CTL_FRAME, network_parent_perms,
	    sizeof(network_parent_perms) / sizeof(network_parent_perms[0]),
	    network_parent_handlers, proc_lost_parent, nw);
	proc_log_to_parent(&nw->nw_parent);
	/* Connections, listeners, channels and a little slack. */
	lim.sl_nofile = nw->nw_maxconns + FRONT_MAX_BOUND + 32;
	lim.sl_nproc = 0;
	lim.sl_fsize = 0;
	proc_child_sandbox(&nw->nw_cc, &lim, front_filter, front_filter_len);
	proc_send_empty(&nw->nw_parent, PROTO_CTL_READY, 0);
	event_base_dispatch(nw->nw_base);
	exit(0);
}

/* Milliseconds since a CLOCK_MONOTONIC time, for logs and status. */
long long
network_ms_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

int
network_draining(void)
{
	return network_state.nw_draining;
}

static void *
network_malloc(size_t len)
{
	void	*p;

	if ((p = malloc(len)) == NULL && len != 0)
		fatal_f("malloc");
	return p;
}

/* A copy, so that the old block can be wiped before it is freed. */
static void *
network_realloc(void *p, size_t len)
{
	void	*q;
	size_t	 old;

	if (p == NULL)
		return network_malloc(len);
	if (len == 0) {
		network_free(p);
		return NULL;
	}
	q = network_malloc(len);
	old = malloc_usable_size(p);
	memcpy(q, p, old < len ? old : len);
	network_free(p);
	return q;
}

static void
network_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void
network_apply_config(struct network *nw, struct config *conf)
{
	log_setlevel((int)config_num(conf, CONF_KW_LOGLEVEL));
	nw->nw_maxconns = (unsigned int)config_num(conf,
	    CONF_KW_MAXCONNECTIONS);
	nw->nw_maxqueue = (unsigned int)config_num(conf, CONF_KW_MAXQUEUE);
	nw->nw_maxbody = (unsigned int)config_num(conf, CONF_KW_MAXBODYBYTES);
	nw->nw_timeout = (int)config_num(conf, CONF_KW_REQUESTTIMEOUT);
	http_apply_limits(nw, conf);
}

static void
network_lost_sibling(struct proc_peer *peer, int violation,
    const char *why)
{
	proc_lost_sibling(peer, violation, why);
	http_peer_lost(peer->pp_arg, peer->pp_id);
}

static void
network_dispatch_config(struct proc_peer *peer, struct proto_msg *msg)
{
	struct network	*nw = peer->pp_arg;
	struct config	*conf;

	if ((conf = proc_child_reload(peer, msg, PROC_NETWORK)) == NULL)
		return;
	network_apply_config(nw, conf);
	tls_config(nw, conf);
	config_free(nw->nw_cc.cc_config);
	nw->nw_cc.cc_config = conf;
}

static void
network_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	if (proc_end(peer, msg) != 0)
		return;
	network_send_status(peer->pp_arg, msg->pm_hdr.peerid);
}

/* CTL_STATUS: an answer (peerid), or news such as a new certificate (0). */
void
network_send_status(struct network *nw, uint32_t peerid)
{
	struct buf	*b;
	char		 detail[512];

	snprintf(detail, sizeof(detail), "%zu listener(s), %u connection(s),"
	    " %u generation(s) running or queued, inferd %s, attestd %s,"
	    " TLS: %s", nw->nw_nbound, http_connections(nw), nw->nw_nbusy,
	    nw->nw_infer.pp_open ? "up" : "down",
	    nw->nw_attest.pp_open ? "up" : "down", tls_status(nw));
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, nw->nw_draining ? "draining" : "serving") != 0 ||
	    buf_put_string(b, detail) != 0)
		fatalx_f("buf");
	proc_send(&nw->nw_parent, PROTO_CTL_STATUS, peerid, -1, b);
	buf_free(b);
}

static void
network_dispatch_peer(struct proc_peer *peer, struct proto_msg *msg)
{
	struct network	*nw = peer->pp_arg;
	uint32_t	 id;
	int		 fd;

	id = proc_get_u32(msg);
	if (proc_end(peer, msg) != 0)
		return;
	fd = proc_take_fd(msg);
	switch (id) {
	case PROC_INFERD:
		/* A new inferd: nothing open at the old one will answer. */
		if (nw->nw_infer.pp_open)
			http_peer_lost(nw, PROC_INFERD);
		proc_peer_close(&nw->nw_infer);
		proc_peer_open(&nw->nw_infer, nw->nw_base, fd, PROC_INFERD,
		    PROTO_MAX_FRAME, network_infer_perms,
		    sizeof(network_infer_perms) /
		    sizeof(network_infer_perms[0]), network_infer_handlers,
		    network_lost_sibling, nw);
		break;
	case PROC_ATTESTD:
		/* As for inferd: what the old one owed will not come. */
		if (nw->nw_attest.pp_open)
			http_peer_lost(nw, PROC_ATTESTD);
		proc_peer_close(&nw->nw_attest);
		proc_peer_open(&nw->nw_attest, nw->nw_base, fd, PROC_ATTESTD,
		    PROTO_MAX_CTL_FRAME, network_attest_perms,
		    sizeof(network_attest_perms) /
		    sizeof(network_attest_perms[0]), network_attest_handlers,
		    network_lost_sibling, nw);
		tls_attest_up(nw);
		break;
	default:
		close(fd);
		proc_violation(peer, "CTL_PEER: no channel to %s",
		    proc_name(id));
		return;
	}
	log_debug("channel to %s open", proc_name(id));
}

static void
network_dispatch_listen(struct proc_peer *peer, struct proto_msg *msg)
{
	struct network	*nw = peer->pp_arg;
	char		*addr;

	addr = proc_get_string(msg);
	if (proc_end(peer, msg) != 0) {
		free(addr);
		return;
	}
	if (nw->nw_nbound >= FRONT_MAX_BOUND) {
		free(addr);
		proc_violation(peer, "CTL_LISTEN: too many listeners");
		return;
	}
	http_add_listener(nw, proc_take_fd(msg), addr);
	free(addr);
}

/* Stop accepting, let open connections finish, then leave. */
static void
network_dispatch_shutdown(struct proc_peer *peer, struct proto_msg *msg)
{
	struct network	*nw = peer->pp_arg;
	struct timeval	 tv = { 0, 50000 };

	if (proc_end(peer, msg) != 0)
		return;
	log_verbose("draining %u connection(s)", http_connections(nw));
	nw->nw_draining = 1;
	http_stop_listening(nw);
	nw->nw_drain_ev = event_new(nw->nw_base, -1, EV_PERSIST,
	    network_drain_cb, nw);
	event_add(nw->nw_drain_ev, &tv);
}

static void
network_drain_cb(evutil_socket_t fd, short ev, void *arg)
{
	static unsigned int	 ticks;
	struct network		*nw = arg;

	if (http_connections(nw) != 0 && ++ticks < FRONT_DRAIN_SEC * 20)
		return;
	proc_flush_blocking(&nw->nw_parent);
	exit(0);
}

static void
network_dispatch_infer(struct proc_peer *peer, struct proto_msg *msg)
{
	http_infer_status(peer->pp_arg, msg);
}

static void
network_dispatch_attest(struct proc_peer *peer, struct proto_msg *msg)
{
	http_attest_tee(peer->pp_arg, msg);
}

static void
network_dispatch_report(struct proc_peer *peer, struct proto_msg *msg)
{
	attest_dispatch_report(peer->pp_arg, msg);
}

static void
network_dispatch_tls(struct proc_peer *peer, struct proto_msg *msg)
{
	tls_listen(peer->pp_arg, peer, msg);
}

static void
network_dispatch_reply(struct proc_peer *peer, struct proto_msg *msg)
{
	api_infer_reply(peer->pp_arg, msg);
}
