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

#ifndef POWER_FRONTD_H
#define POWER_FRONTD_H

/* frontd: the privileged parent and the network child. */

#define FRONT_MAX_LISTEN	16	/* listen sockets */
#define FRONT_BACKOFF_MIN_MS	100	/* first restart delay */
#define FRONT_BACKOFF_MAX_MS	30000	/* longest restart delay */
#define FRONT_STABLE_SEC	60	/* up this long: backoff resets */
#define FRONT_STOP_GRACE_SEC	10	/* SIGTERM: then SIGKILL */
#define FRONT_DRAIN_SEC		5	/* network child drain limit */
#define FRONT_PEER_TIMEOUT_MS	1000	/* sibling answer limit */
#define FRONT_MAX_PENDING	64	/* /health requests waiting */
#define FRONT_MAX_ADMIN		16	/* control socket clients */
#define FRONT_MAX_MODELS_DOC	(4UL << 20) /* model list for attestation */
#define FRONT_MAX_BOUND		(2 * FRONT_MAX_LISTEN)	/* Listen + ListenTLS */
#define FRONT_ATTEST_TIMEOUT_MS	5000	/* evidence: hardware can be slow */
#define FRONT_MAX_ATTEST	64	/* /v1/attestation requests open */
#define FRONT_TLS_MAX_FILE	(24 * 1024)	/* TLSCertificate, TLSKey bytes */

struct config;
struct event_base;
struct proc_peer;

enum child_state {
	CHILD_DOWN = 0,		/* not running, restart pending */
	CHILD_STARTING,		/* spawned, not yet ready */
	CHILD_RUNNING,		/* sent CTL_READY */
	CHILD_STOPPING,		/* asked to shut down */
};

struct front_listener {
	int	 fl_fd;
	char	*fl_addr;
	int	 fl_tls;	/* ListenTLS */
};

/* One child of the family, as the parent sees it. */
struct child {
	enum proc_id		 ch_id;
	pid_t			 ch_pid;
	enum child_state	 ch_state;
	struct proc_peer	 ch_peer;
	uid_t			 ch_uid;
	gid_t			 ch_gid;
	unsigned int		 ch_restarts;
	unsigned int		 ch_backoff_ms;
	struct timespec		 ch_started;	/* CLOCK_MONOTONIC */
	struct event		*ch_restart_ev;
	char			*ch_state_text;	/* from CTL_STATUS */
	char			*ch_detail;	/* from CTL_STATUS */
};

/* Parent state. */
struct front_parent {
	struct event_base	*fp_base;
	struct config		*fp_conf;
	char			*fp_conffile;
	char			*fp_self;	/* our executable, re-exec'd */
	int			 fp_debug;
	int			 fp_verbose;
	int			 fp_separate;	/* root: uid/chroot split */
	int			 fp_stopping;
	struct timespec		 fp_started;
	time_t			 fp_started_wall;
	struct child		 fp_child[PROC_MAX];
	struct front_listener	 fp_listen[FRONT_MAX_BOUND];
	size_t			 fp_nlisten;
	size_t			 fp_nmodel;
	uint32_t		 fp_keyidx;	/* current ModelKey, for keyd */
	int			 fp_ctlfd;
	struct event		*fp_ctlev;
	gid_t			 fp_admingid;
};

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct health_req;
TAILQ_HEAD(health_list, health_req);
struct api_req;
TAILQ_HEAD(api_list, api_req);
struct attest_req;
TAILQ_HEAD(attest_list, attest_req);
struct tls_state;

/* Network child state. */
struct network {
	struct event_base	*nw_base;
	struct evhttp		*nw_http;
	struct proc_child_conf	 nw_cc;
	struct proc_peer	 nw_parent;
	struct proc_peer	 nw_infer;
	struct proc_peer	 nw_attest;
	struct evhttp		*nw_https;	/* TLS listeners (front-tls.c) */
	struct evhttp_bound_socket *nw_bound[FRONT_MAX_BOUND];
	struct evhttp		*nw_boundon[FRONT_MAX_BOUND];
	size_t			 nw_nbound;
	unsigned int		 nw_conns;	/* open connections */
	unsigned int		 nw_maxconns;
	int			 nw_paused;	/* listeners disabled */
	int			 nw_draining;
	struct event		*nw_drain_ev;
	uint32_t		 nw_nextid;
	struct health_list	 nw_pending;
	unsigned int		 nw_npending;
	unsigned int		 nw_maxbody;	/* MaxBodyBytes */
	int			 nw_timeout;	/* RequestTimeout */
	/* The API: requests open at inferd (front-api.c). */
	struct api_list		 nw_api;
	struct api_req		*nw_last;	/* last one replied to */
	unsigned int		 nw_nbusy;	/* generate and embed */
	unsigned int		 nw_maxqueue;	/* MaxQueue */
	/* The INFER_REPLY document being put together. */
	uint32_t		 nw_rx_id;
	uint32_t		 nw_rx_kind;
	size_t			 nw_rx_total;	/* 0: none */
	struct buf		*nw_rx;
	/* GET /v1/attestation (front-attest.c), TLS (front-tls.c). */
	struct attest_list	 nw_attests;
	unsigned int		 nw_nattests;
	struct tls_state	*nw_tls;
};

/* An ATTEST_REPORT, decoded; the pointers borrow from the frame. */
struct evidence_info;
struct attest_evidence {
	uint32_t		 ae_status;	/* 0: evidence follows */
	char			*ae_tee;	/* attestd's tee_type */
	int			 ae_simulated;
	const u_char		*ae_report;
	size_t			 ae_reportlen;
	const u_char		*ae_certs;	/* SNP GUID table */
	size_t			 ae_certslen;
	char			*ae_message;
	const struct evidence_info *ae_info;	/* status 0: parsed */
};

/* frontd.c */
extern const char	*front_conffile_default;
int	front_config_check(struct config *, int separate, char *, size_t);

/* front-parent.c */
__attribute__((noreturn))
void	parent_main(struct front_parent *);
uint64_t parent_uptime(const struct front_parent *);
uint64_t child_uptime(const struct child *);
uid_t	child_real_uid(const struct child *);
const char *child_state_name(enum child_state);
void	parent_reload(struct front_parent *, char *, size_t);

/* front-control.c */
void	control_init(struct front_parent *);
void	control_cleanup(struct front_parent *);
void	control_rotated(struct front_parent *, uint32_t, int, const char *);

/* front-network.c */
__attribute__((noreturn))
void	network_main(int debug, int verbose);

int	network_draining(void);
long long network_ms_since(const struct timespec *);
void	network_send_status(struct network *, uint32_t);

/* front-http.c */
struct network;
struct evhttp_connection;
struct evhttp_request;
struct json_t;
void	http_init(struct network *);
void	http_add_listener(struct network *, int fd, const char *addr);
void	http_stop_listening(struct network *);
unsigned int http_connections(const struct network *);
void	http_infer_status(struct network *, struct proto_msg *);
void	http_attest_tee(struct network *, struct proto_msg *);
void	http_peer_lost(struct network *, enum proc_id);
void	http_reply_json(struct evhttp_request *, int, const char *,
	    struct json_t *);
void	http_watch_close(struct network *, struct evhttp_request *);
void	http_add_tls_listener(struct network *, int fd, const char *addr);
void	http_apply_limits(struct network *, struct config *);

/* front-attest.c */
void	attest_init(struct network *);
void	attest_get(struct network *, struct evhttp_request *);
int	attest_owns_infer(struct network *, uint32_t);
void	attest_infer_doc(struct network *, uint32_t, uint32_t,
	    const u_char *, size_t);
void	attest_dispatch_report(struct network *, struct proto_msg *);
void	attest_request(struct network *, uint32_t, const u_char [64]);
struct json_t *attest_evidence_json(const struct attest_evidence *);
void	attest_conn_closed(struct network *, struct evhttp_connection *);
void	attest_peer_lost(struct network *, enum proc_id);

/* front-tls.c */
struct bufferevent;
void	tls_init(struct network *);
void	tls_listen(struct network *, struct proc_peer *, struct proto_msg *);
void	tls_config(struct network *, struct config *);
int	tls_owns(struct network *, uint32_t);
void	tls_evidence(struct network *, uint32_t, struct attest_evidence *);
void	tls_attest_up(struct network *);
void	tls_peer_lost(struct network *, enum proc_id);
struct bufferevent *tls_bufferevent(struct network *, struct event_base *);
const char *tls_status(struct network *);

/* front-api.c */
void	api_init(struct network *);
void	api_chat(struct network *, struct evhttp_request *);
void	api_completions(struct network *, struct evhttp_request *);
void	api_embeddings(struct network *, struct evhttp_request *);
void	api_tokenize(struct network *, struct evhttp_request *);
void	api_detokenize(struct network *, struct evhttp_request *);
void	api_models(struct network *, struct evhttp_request *, const char *);
void	api_infer_reply(struct network *, struct proto_msg *);
void	api_conn_closed(struct network *, struct evhttp_connection *);
void	api_peer_lost(struct network *);

/* front-filter.c */
extern const struct sandbox_rule	front_filter[];
extern const size_t			front_filter_len;

#endif /* POWER_FRONTD_H */
