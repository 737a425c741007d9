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

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"
#include "proc.h"
#include "xmalloc.h"
#include "frontd.h"

/*
 * HTTP in the network child: routing, OpenAI-shaped errors, GET /health
 * and GET /ready (which ask inferd and attestd over their channels), and
 * the limits libevent does not enforce by itself (connections) or not
 * in our shape (MaxBodyBytes).  The API endpoints are in front-api.c.
 */

#define HTTP_PATH_ECHO_MAX	128	/* bytes of a bad path echoed back */
#define HTTP_SWEEP_USEC		100000	/* closed-connection sweep period */
/* libevent's own error pages: their size in bytes, how they end. */
#define HTTP_PAGE_MIN		64
#define HTTP_PAGE_MAX		1024
#define HTTP_PAGE_END		"</BODY></HTML>\n"
#define HTTP_PAGE_TYPE		"\r\nContent-Type: text/html\r\n"
#define HTTP_MODELS_PREFIX	"/v1/models/"

/* A connection's bufferevent, held until evhttp has let go of it. */
struct http_conn {
	TAILQ_ENTRY(http_conn)	 hc_entry;
	struct network		*hc_nw;
	struct bufferevent	*hc_bev;
	struct evbuffer_cb_entry *hc_outcb;
	int			 hc_rewriting;
	int			 hc_tls;	/* output never frozen */
};
static TAILQ_HEAD(, http_conn)	 http_conns =
    TAILQ_HEAD_INITIALIZER(http_conns);
static struct event		*http_sweep_ev;

/* A /health request waiting for the siblings' answers. */
struct health_req {
	TAILQ_ENTRY(health_req)	 hr_entry;
	struct network		*hr_nw;
	struct evhttp_request	*hr_req;
	struct evhttp_connection *hr_conn;
	uint32_t		 hr_id;
	int			 hr_ready;	/* GET /ready */
	int			 hr_want;	/* HEALTH_* still awaited */
	int			 hr_got;	/* HEALTH_* answered */
	json_int_t		 hr_models;
	int			 hr_verified;	/* keyd vouched for all */
	int			 hr_pending;	/* models keyd is checking */
	json_t			*hr_tee;
	struct event		*hr_timer;
};
#define HEALTH_INFER	0x01
#define HEALTH_ATTEST	0x02

struct http_route {
	const char	*hr_path;
	int		 hr_prefix;	/* hr_path starts the path */
	int		 hr_methods;	/* EVHTTP_REQ_* */
	const char	*hr_allow;	/* for 405 */
	void		(*hr_cb)(struct network *, struct evhttp_request *);
};

static void	http_route_cb(struct evhttp_request *, void *);
static void	http_printable(const char *, char *, size_t);
static struct bufferevent *http_bevcb(struct event_base *, void *);
static struct bufferevent *http_tls_bevcb(struct event_base *, void *);
static struct bufferevent *http_track(struct network *, struct bufferevent *,
		    int);
static struct evhttp *http_new(struct network *,
		    struct bufferevent *(*)(struct event_base *, void *));
static void	http_outcb(struct evbuffer *,
		    const struct evbuffer_cb_info *, void *);
static void	http_page_json(struct http_conn *, struct evbuffer *,
		    const char *, size_t);
static void	http_sweep(evutil_socket_t, short, void *);
static void	http_pause(struct network *, int);
static void	http_error(struct evhttp_request *, int, const char *,
		    const char *, const char *, const char *);
static void	http_conn_closed(struct evhttp_connection *, void *);
static void	http_health(struct network *, struct evhttp_request *);
static void	http_ready(struct network *, struct evhttp_request *);
static void	http_health_start(struct network *, struct evhttp_request *,
		    int);
static void	http_health_timeout(evutil_socket_t, short, void *);
static void	http_health_finish(struct health_req *);
static void	http_health_free(struct health_req *);
static void	http_ready_finish(struct health_req *);
static struct health_req *http_health_find(struct network *, uint32_t);
static void	http_models(struct network *, struct evhttp_request *);
static void	http_model(struct network *, struct evhttp_request *);

#define HTTP_GET	(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
static const struct http_route http_routes[] = {
	{ "/health", 0, HTTP_GET, "GET, HEAD", http_health },
	{ "/ready", 0, HTTP_GET, "GET, HEAD", http_ready },
	{ "/v1/chat/completions", 0, EVHTTP_REQ_POST, "POST", api_chat },
	{ "/v1/completions", 0, EVHTTP_REQ_POST, "POST", api_completions },
	{ "/v1/embeddings", 0, EVHTTP_REQ_POST, "POST", api_embeddings },
	{ "/v1/tokenize", 0, EVHTTP_REQ_POST, "POST", api_tokenize },
	{ "/v1/detokenize", 0, EVHTTP_REQ_POST, "POST", api_detokenize },
	{ "/v1/models", 0, HTTP_GET, "GET, HEAD", http_models },
	{ HTTP_MODELS_PREFIX, 1, HTTP_GET, "GET, HEAD", http_model },
	{ "/v1/attestation", 0, HTTP_GET, "GET, HEAD", attest_get },
};

/*
 * Two servers with the same routes: one for Listen, one for ListenTLS
 * (libevent 2.1 picks the bufferevent per server, not per socket).
 */
void
http_init(struct network *nw)
{
	nw->nw_http = http_new(nw, http_bevcb);
	nw->nw_https = http_new(nw, http_tls_bevcb);
	api_init(nw);
	attest_init(nw);
}

static struct evhttp *
http_new(struct network *nw,
    struct bufferevent *(*bevcb)(struct event_base *, void *))
{
	struct evhttp	*http;

	if ((http = evhttp_new(nw->nw_base)) == NULL)
		fatalx("evhttp_new");
	/* Every method reaches us, so that a wrong one gets a JSON 405. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_default_content_type(http, "application/json");
	/*
	 * A body over MaxBodyBytes is read to its end before the 413, so
	 * that the client is not reset before it can read the answer.
	 */
	if (evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE) != 0)
		fatalx("evhttp_set_flags");
	evhttp_set_gencb(http, http_route_cb, nw);
	evhttp_set_bevcb(http, bevcb, nw);
	return http;
}

/* The limits of power.conf, on both servers. */
void
http_apply_limits(struct network *nw, struct config *conf)
{
	struct evhttp	*http[2] = { nw->nw_http, nw->nw_https };
	size_t		 i;

	for (i = 0; i < 2; i++) {
		evhttp_set_max_headers_size(http[i],
		    config_num(conf, CONF_KW_MAXHEADERBYTES));
		evhttp_set_max_body_size(http[i],
		    config_num(conf, CONF_KW_MAXBODYBYTES));
		evhttp_set_timeout(http[i], (int)config_num(conf,
		    CONF_KW_REQUESTTIMEOUT));
	}
}

static void
http_listen_on(struct network *nw, struct evhttp *http, int fd,
    const char *addr)
{
	struct evhttp_bound_socket	*bound;

	if (nw->nw_nbound >= FRONT_MAX_BOUND)
		fatalx("listener %s: too many", addr);
	if ((bound = evhttp_accept_socket_with_handle(http, fd)) == NULL)
		fatalx("listener %s", addr);
	nw->nw_boundon[nw->nw_nbound] = http;
	nw->nw_bound[nw->nw_nbound++] = bound;
	if (nw->nw_paused)
		evconnlistener_disable(evhttp_bound_socket_get_listener(bound));
}

void
http_add_listener(struct network *nw, int fd, const char *addr)
{
	http_listen_on(nw, nw->nw_http, fd, addr);
	log_verbose("serving HTTP on %s", addr);
}

void
http_add_tls_listener(struct network *nw, int fd, const char *addr)
{
	http_listen_on(nw, nw->nw_https, fd, addr);
	log_verbose("serving HTTPS on %s", addr);
}

void
http_stop_listening(struct network *nw)
{
	size_t	i;

	for (i = 0; i < nw->nw_nbound; i++)
		evhttp_del_accept_socket(nw->nw_boundon[i], nw->nw_bound[i]);
	nw->nw_nbound = 0;
}

unsigned int
http_connections(const struct network *nw)
{
	return nw->nw_conns;
}

/*
 * libevent 2.1 has no connection limit and tells nobody when it frees a
 * connection that never sent a request.  So each connection's
 * bufferevent gets an extra reference here; evhttp_connection_free()
 * shuts the socket down and clears its callbacks, and a sweep that runs
 * while connections exist drops our reference (which closes the fd) and
 * counts it gone.  At MaxConnections the listeners stop accepting and
 * the kernel's backlog holds further clients.
 */
static struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new");
	return http_track(arg, bev, 0);
}

static struct bufferevent *
http_tls_bevcb(struct event_base *base, void *arg)
{
	return http_track(arg, tls_bufferevent(arg, base), 1);
}

static struct bufferevent *
http_track(struct network *nw, struct bufferevent *bev, int tls)
{
	struct event_base	*base = nw->nw_base;
	struct http_conn	*hc;
	struct timeval		 tv = { 0, HTTP_SWEEP_USEC };

	hc = xcalloc(1, sizeof(*hc));
	hc->hc_nw = nw;
	hc->hc_bev = bev;
	hc->hc_tls = tls;
	bufferevent_incref(hc->hc_bev);
	if ((hc->hc_outcb = evbuffer_add_cb(bufferevent_get_output(
	    hc->hc_bev), http_outcb, hc)) == NULL)
		fatalx("evbuffer_add_cb");
	TAILQ_INSERT_TAIL(&http_conns, hc, hc_entry);
	if (++nw->nw_conns >= nw->nw_maxconns)
		http_pause(nw, 1);
	if (http_sweep_ev == NULL)
		http_sweep_ev = event_new(base, -1, EV_PERSIST, http_sweep, nw);
	if (!event_pending(http_sweep_ev, EV_TIMEOUT, NULL))
		event_add(http_sweep_ev, &tv);
	return hc->hc_bev;
}

static void
http_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct network		*nw = arg;
	struct http_conn	*hc, *next;
	bufferevent_data_cb	 rcb, wcb;
	bufferevent_event_cb	 ecb;

	TAILQ_FOREACH_SAFE(hc, &http_conns, hc_entry, next) {
		bufferevent_getcb(hc->hc_bev, &rcb, &wcb, &ecb, NULL);
		if (rcb != NULL || wcb != NULL || ecb != NULL)
			continue;	/* evhttp still owns it */
		TAILQ_REMOVE(&http_conns, hc, hc_entry);
		evbuffer_remove_cb_entry(bufferevent_get_output(hc->hc_bev),
		    hc->hc_outcb);
		bufferevent_decref(hc->hc_bev);
		free(hc);
		if (nw->nw_conns > 0)
			nw->nw_conns--;
	}
	if (nw->nw_paused && nw->nw_conns < nw->nw_maxconns)
		http_pause(nw, 0);
	if (TAILQ_EMPTY(&http_conns))
		event_del(http_sweep_ev);
}

/*
 * libevent 2.1 answers a few failures itself with an HTML page: a body
 * over MaxBodyBytes (413), a malformed or oversized request head (400),
 * an Expect it does not know (417).  It offers no hook for that (2.2
 * has evhttp_set_errorcb), so this callback on each connection's output
 * buffer spots such a page as soon as libevent has queued it, before
 * anything is written, and puts our JSON error in its place.  We never
 * send text/html ourselves.
 */
static void
http_outcb(struct evbuffer *out, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn	*hc = arg;
	char			 page[HTTP_PAGE_MAX];
	char			*eol, *eoh, *type;
	size_t			 len;

	if (info->n_added == 0 || hc->hc_rewriting)
		return;
	len = evbuffer_get_length(out);
	if (len < HTTP_PAGE_MIN || len >= sizeof(page))
		return;
	/*
	 * Between writes a socket bufferevent keeps the start of its
	 * output frozen, which also stops copyout; libevent's http.c
	 * thaws it the same way when it must look.  A TLS one does not
	 * freeze it, and must not find it frozen.
	 */
	hc->hc_rewriting = 1;
	if (!hc->hc_tls)
		evbuffer_unfreeze(out, 1);
	if (evbuffer_copyout(out, page, 8) != 8 ||
	    memcmp(page, "HTTP/1.", 7) != 0 ||
	    evbuffer_copyout(out, page, len) != (ev_ssize_t)len)
		goto done;
	page[len] = '\0';
	if (len < sizeof(HTTP_PAGE_END) ||
	    strcmp(page + len - (sizeof(HTTP_PAGE_END) - 1),
	    HTTP_PAGE_END) != 0 ||
	    (eol = strstr(page, "\r\n")) == NULL ||
	    (eoh = strstr(page, "\r\n\r\n")) == NULL ||
	    (type = strstr(eol, HTTP_PAGE_TYPE)) == NULL || type > eoh)
		goto done;
	evbuffer_drain(out, len);
	http_page_json(hc, out, page, (size_t)(eol - page));
 done:
	if (!hc->hc_tls)
		evbuffer_freeze(out, 1);
	hc->hc_rewriting = 0;
}

/* Our answer for libevent's page whose status line is line. */
static void
http_page_json(struct http_conn *hc, struct evbuffer *out, const char *line,
    size_t linelen)
{
	const char	*type = "invalid_request_error", *code = "http_error";
	char		 msg[128];
	char		*s;
	json_t		*obj;
	int		 status = 0;

	if (linelen > 12)
		status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
		    (line[11] - '0');
	switch (status) {
	case 413:
		code = "request_too_large";
		snprintf(msg, sizeof(msg), "The request body is larger than"
		    " %u bytes (MaxBodyBytes).", hc->hc_nw->nw_maxbody);
		break;
	case 400:
		code = "invalid_request";
		snprintf(msg, sizeof(msg), "The HTTP request is malformed or"
		    " its head is too large.");
		break;
	case 417:
		code = "expectation_failed";
		snprintf(msg, sizeof(msg), "Only Expect: 100-continue is"
		    " supported.");
		break;
	default:
		if (status >= 500)
			type = "server_error";
		snprintf(msg, sizeof(msg), "The request failed.");
		break;
	}
	if ((obj = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message",
	    msg, "type", type, "param", "code", code)) == NULL ||
	    (s = json_dumps(obj, JSON_COMPACT)) == NULL)
		fatalx("json");
	json_decref(obj);
	evbuffer_add_printf(out, "%.*s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "\r\n%s\n", (int)linelen, line, strlen(s) + 1, s);
	free(s);
}

static void
http_pause(struct network *nw, int pause)
{
	struct evconnlistener	*l;
	size_t			 i;

	if (nw->nw_paused == pause)
		return;
	nw->nw_paused = pause;
	for (i = 0; i < nw->nw_nbound; i++) {
		l = evhttp_bound_socket_get_listener(nw->nw_bound[i]);
		if (pause)
			evconnlistener_disable(l);
		else
			evconnlistener_enable(l);
	}
	if (pause)
		log_ratelimit("MaxConnections (%u) reached: not accepting",
		    nw->nw_maxconns);
}

/* Answer with obj (which this takes) as JSON; reason NULL: the usual. */
void
http_reply_json(struct evhttp_request *req, int code, const char *reason,
    json_t *obj)
{
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	char			*s;

	if ((s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9))) ==
	    NULL)
		fatalx("json_dumps");
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	if (network_draining())
		evhttp_add_header(hdr, "Connection", "close");
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
	json_decref(obj);
	evhttp_send_reply(req, code, reason, NULL);
}

/* OpenAI's error shape: {"error":{"message","type","param","code"}}. */
static void
http_error(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *errcode, const char *message)
{
	json_t	*obj;

	obj = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error",
	    "message", message, "type", type, "param", "code", errcode);
	if (obj == NULL)
		fatalx("json_pack");
	http_reply_json(req, code, reason, obj);
}

static const char *
http_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

/*
 * A client's bytes echoed in an error must be valid JSON text: keep
 * printable ASCII, replace the rest, cut at the limit.
 */
static void
http_printable(const char *in, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

static void
http_route_cb(struct evhttp_request *req, void *arg)
{
	struct network			*nw = arg;
	const struct evhttp_uri		*uri;
	const char			*path = NULL;
	enum evhttp_cmd_type		 m = evhttp_request_get_command(req);
	char				 msg[HTTP_PATH_ECHO_MAX + 64];
	char				 echo[HTTP_PATH_ECHO_MAX + 1];
	size_t				 i;

	if ((uri = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	for (i = 0; i < sizeof(http_routes) / sizeof(http_routes[0]); i++) {
		if (http_routes[i].hr_prefix ? strncmp(path,
		    http_routes[i].hr_path, strlen(http_routes[i].hr_path)) :
		    strcmp(path, http_routes[i].hr_path))
			continue;
		if ((http_routes[i].hr_methods & m) == 0) {
			evhttp_add_header(evhttp_request_get_output_headers(
			    req), "Allow", http_routes[i].hr_allow);
			snprintf(msg, sizeof(msg), "Method %s is not allowed "
			    "for %s; use %s", http_method_name(m),
			    http_routes[i].hr_path, http_routes[i].hr_allow);
			http_error(req, 405, "Method Not Allowed",
			    "invalid_request_error", "method_not_allowed", msg);
			log_verbose("%s %s 405", http_method_name(m),
			    http_routes[i].hr_path);
			return;
		}
		http_routes[i].hr_cb(nw, req);
		return;
	}
	http_printable(path, echo, sizeof(echo));
	snprintf(msg, sizeof(msg), "Invalid URL (%s %s)", http_method_name(m),
	    echo);
	http_error(req, 404, "Not Found", "invalid_request_error",
	    "not_found", msg);
	log_verbose("%s %s 404", http_method_name(m), echo);
}

/* Hand the client's going away to whoever waits on its requests. */
void
http_watch_close(struct network *nw, struct evhttp_request *req)
{
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    http_conn_closed, nw);
}

static void
http_conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct network		*nw = arg;
	struct health_req	*hr, *next;

	TAILQ_FOREACH_SAFE(hr, &nw->nw_pending, hr_entry, next)
		if (hr->hr_conn == conn)
			http_health_free(hr);
	api_conn_closed(nw, conn);
	attest_conn_closed(nw, conn);
}

static void
http_models(struct network *nw, struct evhttp_request *req)
{
	api_models(nw, req, NULL);
}

/* GET /v1/models/{id}, the id percent-decoded. */
static void
http_model(struct network *nw, struct evhttp_request *req)
{
	const char	*path;
	char		*id;
	size_t		 len;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)) +
	    strlen(HTTP_MODELS_PREFIX);
	if ((id = evhttp_uridecode(path, 0, &len)) == NULL)
		fatalx("evhttp_uridecode");
	if (len == 0 || len != strlen(id)) {
		http_error(req, 404, "Not Found", "invalid_request_error",
		    "model_not_found", "The model does not exist.");
		free(id);
		return;
	}
	api_models(nw, req, id);
	free(id);
}

static void
http_health(struct network *nw, struct evhttp_request *req)
{
	http_health_start(nw, req, 0);
}

/* GET /ready: 200 once inferd answers and has a model loaded. */
static void
http_ready(struct network *nw, struct evhttp_request *req)
{
	http_health_start(nw, req, 1);
}

static void
http_health_start(struct network *nw, struct evhttp_request *req, int ready)
{
	struct health_req	*hr;
	struct timeval		 tv;

	if (nw->nw_npending >= FRONT_MAX_PENDING) {
		http_error(req, 503, "Service Unavailable", "server_error",
		    "overloaded", "Too many health checks in flight");
		return;
	}
	hr = xcalloc(1, sizeof(*hr));
	hr->hr_nw = nw;
	hr->hr_req = req;
	hr->hr_conn = evhttp_request_get_connection(req);
	hr->hr_id = ++nw->nw_nextid;
	hr->hr_ready = ready;
	hr->hr_models = -1;
	TAILQ_INSERT_TAIL(&nw->nw_pending, hr, hr_entry);
	nw->nw_npending++;
	http_watch_close(nw, req);
	if (nw->nw_infer.pp_open) {
		hr->hr_want |= HEALTH_INFER;
		proc_send_empty(&nw->nw_infer, PROTO_INFER_STATUS_REQ,
		    hr->hr_id);
	}
	if (nw->nw_attest.pp_open && !ready) {
		hr->hr_want |= HEALTH_ATTEST;
		proc_send_empty(&nw->nw_attest, PROTO_ATTEST_TEE_REQ,
		    hr->hr_id);
	}
	if (hr->hr_want == 0) {
		http_health_finish(hr);
		return;
	}
	tv.tv_sec = FRONT_PEER_TIMEOUT_MS / 1000;
	tv.tv_usec = (FRONT_PEER_TIMEOUT_MS % 1000) * 1000;
	hr->hr_timer = evtimer_new(nw->nw_base, http_health_timeout, hr);
	evtimer_add(hr->hr_timer, &tv);
}

static struct health_req *
http_health_find(struct network *nw, uint32_t id)
{
	struct health_req	*hr;

	TAILQ_FOREACH(hr, &nw->nw_pending, hr_entry)
		if (hr->hr_id == id)
			return hr;
	return NULL;
}

static void
http_health_free(struct health_req *hr)
{
	TAILQ_REMOVE(&hr->hr_nw->nw_pending, hr, hr_entry);
	hr->hr_nw->nw_npending--;
	if (hr->hr_timer != NULL)
		event_free(hr->hr_timer);
	if (hr->hr_tee != NULL)
		json_decref(hr->hr_tee);
	free(hr);
}

static void
http_health_timeout(evutil_socket_t fd, short ev, void *arg)
{
	http_health_finish(arg);
}

static void
http_health_finish(struct health_req *hr)
{
	struct network	*nw = hr->hr_nw;
	json_t		*obj, *tee;
	int		 ok;
	time_t		 now = time(NULL);

	if (hr->hr_ready) {
		http_ready_finish(hr);
		return;
	}
	ok = (hr->hr_got & (HEALTH_INFER | HEALTH_ATTEST)) ==
	    (HEALTH_INFER | HEALTH_ATTEST);
	if (hr->hr_tee != NULL)
		tee = json_incref(hr->hr_tee);
	else
		tee = json_pack("{s:s, s:b, s:b}", "type", "unknown",
		    "available", 0, "simulated", 0);
	obj = json_pack("{s:s, s:s, s:I, s:I, s:o}",
	    "status", ok ? "ok" : "degraded",
	    "version", PACKAGE_VERSION,
	    "uptime_seconds", (json_int_t)(now > (time_t)nw->nw_cc.cc_started ?
	    now - (time_t)nw->nw_cc.cc_started : 0),
	    "loaded_models", hr->hr_models < 0 ? (json_int_t)0 : hr->hr_models,
	    "tee", tee);
	if (obj == NULL)
		fatalx("json_pack");
	json_object_set_new(obj, "models_verified",
	    json_boolean(hr->hr_verified));
	json_object_set_new(obj, "models_pending",
	    json_integer(hr->hr_pending));
	if (!ok)
		json_object_set_new(obj, "unavailable", json_pack("[s*s*]",
		    (hr->hr_got & HEALTH_INFER) ? NULL : "inferd",
		    (hr->hr_got & HEALTH_ATTEST) ? NULL : "attestd"));
	http_reply_json(hr->hr_req, ok ? 200 : 503, ok ? "OK" :
	    "Service Unavailable", obj);
	http_health_free(hr);
}

static void
http_ready_finish(struct health_req *hr)
{
	if ((hr->hr_got & HEALTH_INFER) == 0)
		http_error(hr->hr_req, 503, "Service Unavailable",
		    "server_error", "not_ready", "The inference service is not"
		    " answering.");
	else if (hr->hr_models <= 0)
		http_error(hr->hr_req, 503, "Service Unavailable",
		    "server_error", "not_ready", "No model is loaded yet.");
	else
		http_reply_json(hr->hr_req, 200, "OK",
		    json_pack("{s:s}", "status", "ready"));
	http_health_free(hr);
}

static void
http_health_answered(struct health_req *hr, int what)
{
	hr->hr_want &= ~what;
	hr->hr_got |= what;
	if (hr->hr_want == 0)
		http_health_finish(hr);
}

void
http_infer_status(struct network *nw, struct proto_msg *msg)
{
	struct health_req	*hr;
	uint32_t		 loaded, configured, pending;
	uint8_t			 verified;

	loaded = proc_get_u32(msg);
	configured = proc_get_u32(msg);
	verified = proc_get_u8(msg);
	pending = proc_get_u32(msg);
	if (proc_end(&nw->nw_infer, msg) != 0)
		return;
	if (loaded > configured || verified > 1 || pending > 1024) {
		proc_violation(&nw->nw_infer, "INFER_STATUS: %u of %u loaded, "
		    "verified %u", loaded, configured, verified);
		return;
	}
	if ((hr = http_health_find(nw, msg->pm_hdr.peerid)) == NULL)
		return;		/* the client left, or we timed out */
	hr->hr_models = loaded;
	hr->hr_verified = verified;
	hr->hr_pending = (int)pending;
	http_health_answered(hr, HEALTH_INFER);
}

void
http_attest_tee(struct network *nw, struct proto_msg *msg)
{
	struct health_req	*hr;
	char			*type, *detail;
	uint8_t			 available, simulated;

	type = proc_get_string(msg);
	available = proc_get_u8(msg);
	simulated = proc_get_u8(msg);
	detail = proc_get_string(msg);
	if (proc_end(&nw->nw_attest, msg) != 0)
		goto out;
	if ((hr = http_health_find(nw, msg->pm_hdr.peerid)) == NULL)
		goto out;
	hr->hr_tee = json_pack("{s:s, s:b, s:b, s:s}", "type", type,
	    "available", available != 0, "simulated", simulated != 0,
	    "detail", detail);
	if (hr->hr_tee == NULL) {
		proc_violation(&nw->nw_attest, "ATTEST_TEE: not UTF-8");
		goto out;
	}
	http_health_answered(hr, HEALTH_ATTEST);
 out:
	free(type);
	free(detail);
}

/* A sibling went away: its answers will not come. */
void
http_peer_lost(struct network *nw, enum proc_id id)
{
	struct health_req	*hr, *next;
	int			 what;

	if (id == PROC_INFERD)
		api_peer_lost(nw);
	attest_peer_lost(nw, id);
	tls_peer_lost(nw, id);
	what = id == PROC_INFERD ? HEALTH_INFER : HEALTH_ATTEST;
	TAILQ_FOREACH_SAFE(hr, &nw->nw_pending, hr_entry, next) {
		if ((hr->hr_want & what) == 0)
			continue;
		hr->hr_want &= ~what;
		if (hr->hr_want == 0)
			http_health_finish(hr);
	}
}
