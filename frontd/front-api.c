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
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "frontd.h"
#include "front-request.h"

/*
 * The OpenAI-compatible API in the network child.  A request the client
 * got right becomes a JSON document sent to inferd in INFER_REQUEST
 * chunks under a fresh id; inferd's INFER_REPLY chunks are put together
 * again and become the JSON answer, or a stream of server-sent events
 * written as each EVENT arrives.  A client that leaves has its request
 * cancelled at inferd, which frees the slot for the next one.
 */

#define API_ID_CHARS		24	/* random characters of an id */
#define API_ID_BYTES		40	/* "chatcmpl-" + chars + NUL */
#define API_FRAME_FIXED		12	/* op, total, length */
#define API_CHUNK_BYTES		(PROTO_MAX_FRAME - PROTO_HDR_LEN - \
				    API_FRAME_FIXED)
#define API_RETRY_AFTER		"1"	/* seconds, with each 429 */
#define API_STATUS_GONE		499	/* logged: the client left */
#define API_LOG_MODEL		64	/* model name bytes logged */

/* A request open at inferd. */
struct api_req {
	TAILQ_ENTRY(api_req)	 ar_entry;
	struct network		*ar_nw;
	struct evhttp_request	*ar_req;	/* NULL once answered */
	struct evhttp_connection *ar_conn;
	struct event		*ar_closed;	/* the client hung up */
	const char		*ar_method;
	const char		*ar_path;
	uint32_t		 ar_id;
	int			 ar_busy;	/* counts for MaxQueue */
	int			 ar_sse;	/* the stream has started */
	struct req		 ar_rq;
	char			*ar_model;	/* the client's name */
	char			*ar_find;	/* GET /v1/models/{id} */
	char			 ar_cid[API_ID_BYTES];
	int64_t			 ar_created;
	struct req_choice	*ar_choices;
	size_t			 ar_nfinished;
	struct buf		*ar_head;	/* start of each SSE chunk */
	struct buf		*ar_out;	/* SSE chunks being built */
	struct evbuffer		*ar_evb;
	struct timespec		 ar_start;
	json_int_t		 ar_ptok;
	json_int_t		 ar_ctok;
};

static void	api_random(void *, size_t);
static void	api_log(const char *, const char *, int, const char *,
		    const struct timespec *, json_int_t, json_int_t);
static void	api_log_req(struct api_req *, int);
static void	api_error(struct evhttp_request *, const struct req_error *);
static void	api_post(struct network *, struct evhttp_request *,
		    enum req_endpoint, const char *);
static struct api_req *api_open(struct network *, struct evhttp_request *,
		    const char *, const char *, struct req *,
		    const struct timespec *);
static int	api_refused(struct network *, struct evhttp_request *, int);
static void	api_prepare(struct api_req *);
static void	api_watch(struct api_req *);
static void	api_submit(struct api_req *);
static struct api_req *api_find(struct network *, uint32_t);
static void	api_free(struct api_req *);
static void	api_client_closed(evutil_socket_t, short, void *);
static void	api_timeouts(struct api_req *, int);
static void	api_doc(struct network *, uint32_t, uint32_t, const u_char *,
		    size_t);
static void	api_event(struct api_req *, json_t *);
static void	api_result(struct api_req *, json_t *);
static void	api_failed(struct api_req *, json_t *);
static void	api_answer(struct api_req *, int, json_t *);
static void	api_sse_start(struct api_req *);
static void	api_sse_write(struct api_req *);
static void	api_sse_end(struct api_req *, int);

static const char *const api_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

void
api_init(struct network *nw)
{
	TAILQ_INIT(&nw->nw_api);
	if ((nw->nw_rx = buf_new(PROTO_MAX_DOC)) == NULL)
		fatalx_f("buf_new");
	if ((event_base_get_features(nw->nw_base) &
	    EV_FEATURE_EARLY_CLOSE) == 0)
		log_info("event backend %s cannot see clients hang up early",
		    event_base_get_method(nw->nw_base));
}

static void
api_random(void *p, size_t len)
{
	u_char	*d = p;
	ssize_t	 n;

	while (len > 0) {
		if ((n = getrandom(d, len, 0)) == -1) {
			if (errno == EINTR)
				continue;
			fatal_f("getrandom");
		}
		d += n;
		len -= (size_t)n;
	}
}

/* One line per request: never a body, a prompt or an answer. */
static void
api_log(const char *method, const char *path, int status, const char *model,
    const struct timespec *start, json_int_t ptok, json_int_t ctok)
{
	log_info("%s %s %d model=%.*s tokens=%lld+%lld %lldms", method, path,
	    status, API_LOG_MODEL, model != NULL ? model : "-",
	    (long long)ptok, (long long)ctok, network_ms_since(start));
}

static void
api_log_req(struct api_req *ar, int status)
{
	api_log(ar->ar_method, ar->ar_path, status, ar->ar_model,
	    &ar->ar_start, ar->ar_ptok, ar->ar_ctok);
}

static void
api_error(struct evhttp_request *req, const struct req_error *err)
{
	json_t	*obj;

	if ((obj = req_error_json(err)) == NULL)
		fatalx_f("req_error_json");
	/* libevent 2.1 does not know 429's phrase. */
	http_reply_json(req, err->re_status, err->re_status == 429 ?
	    "Too Many Requests" : NULL, obj);
}

void
api_chat(struct network *nw, struct evhttp_request *req)
{
	api_post(nw, req, REQ_EP_CHAT, "/v1/chat/completions");
}

void
api_completions(struct network *nw, struct evhttp_request *req)
{
	api_post(nw, req, REQ_EP_COMPLETION, "/v1/completions");
}

void
api_embeddings(struct network *nw, struct evhttp_request *req)
{
	api_post(nw, req, REQ_EP_EMBEDDING, "/v1/embeddings");
}

void
api_tokenize(struct network *nw, struct evhttp_request *req)
{
	api_post(nw, req, REQ_EP_TOKENIZE, "/v1/tokenize");
}

void
api_detokenize(struct network *nw, struct evhttp_request *req)
{
	api_post(nw, req, REQ_EP_DETOKENIZE, "/v1/detokenize");
}

/* GET /v1/models, or GET /v1/models/{id} when id is not NULL. */
void
api_models(struct network *nw, struct evhttp_request *req, const char *id)
{
	struct api_req	*ar;
	struct req	 rq;
	struct timespec	 start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&rq, 0, sizeof(rq));
	rq.rq_op = REQ_OP_MODELS;
	rq.rq_doc = json_object();
	if ((ar = api_open(nw, req, "GET", id == NULL ? "/v1/models" :
	    "/v1/models/{id}", &rq, &start)) == NULL)
		return;
	if (id != NULL)
		ar->ar_find = xstrdup(id);
	api_submit(ar);
}

static void
api_post(struct network *nw, struct evhttp_request *req,
    enum req_endpoint ep, const char *path)
{
	struct evbuffer		*in;
	struct api_req		*ar;
	struct req_error	 err;
	struct req		 rq;
	struct timespec		 start;
	const char		*body = "";
	size_t			 len;
	uint64_t		 seed;

	clock_gettime(CLOCK_MONOTONIC, &start);
	in = evhttp_request_get_input_buffer(req);
	if ((len = evbuffer_get_length(in)) > 0 &&
	    (body = (const char *)evbuffer_pullup(in, -1)) == NULL)
		fatalx_f("evbuffer_pullup");
	api_random(&seed, sizeof(seed));
	if (req_parse(ep, body, len, seed, &rq, &err) != 0) {
		api_error(req, &err);
		api_log("POST", path, err.re_status, NULL, &start, 0, 0);
		return;
	}
	if ((ar = api_open(nw, req, "POST", path, &rq, &start)) != NULL)
		api_submit(ar);
}

/*
 * A request about to go to inferd: refused here if inferd is away or
 * the queue is full, else given an id and watched for the client
 * leaving.  Takes over rq.
 */
static struct api_req *
api_open(struct network *nw, struct evhttp_request *req, const char *method,
    const char *path, struct req *rq, const struct timespec *start)
{
	struct api_req	*ar;
	int		 busy, status;

	busy = rq->rq_op == REQ_OP_GENERATE || rq->rq_op == REQ_OP_EMBED;
	if ((status = api_refused(nw, req, busy)) != 0) {
		api_log(method, path, status, rq->rq_model, start, 0, 0);
		req_clear(rq);
		return NULL;
	}
	ar = xcalloc(1, sizeof(*ar));
	ar->ar_nw = nw;
	ar->ar_req = req;
	ar->ar_conn = evhttp_request_get_connection(req);
	ar->ar_method = method;
	ar->ar_path = path;
	ar->ar_start = *start;
	ar->ar_rq = *rq;
	memset(rq, 0, sizeof(*rq));
	if (ar->ar_rq.rq_model != NULL)
		ar->ar_model = xstrdup(ar->ar_rq.rq_model);
	ar->ar_busy = busy;
	nw->nw_nbusy += busy;
	do {
		ar->ar_id = ++nw->nw_nextid;
	} while (ar->ar_id == 0 || api_find(nw, ar->ar_id) != NULL);
	TAILQ_INSERT_TAIL(&nw->nw_api, ar, ar_entry);
	api_prepare(ar);
	api_watch(ar);
	return ar;
}

/* 503 while inferd is away, 429 when the queue is full; else 0. */
static int
api_refused(struct network *nw, struct evhttp_request *req, int busy)
{
	struct req_error	err;

	if (!nw->nw_infer.pp_open)
		(void)req_set_error(&err, 503, "server_error",
		    "service_unavailable", NULL, "The inference service is"
		    " not available; try again later.");
	else if (busy && nw->nw_nbusy >= 1 + nw->nw_maxqueue) {
		(void)req_set_error(&err, 429, "rate_limit_error",
		    "rate_limit_exceeded", NULL, "The server is busy with"
		    " other requests (queue of %u full); try again later.",
		    nw->nw_maxqueue);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", API_RETRY_AFTER);
	} else
		return 0;
	api_error(req, &err);
	return err.re_status;
}

/* The answer's id and time, and a place for each choice's text. */
static void
api_prepare(struct api_req *ar)
{
	u_char	rnd[API_ID_CHARS];
	size_t	i, n;

	api_random(rnd, sizeof(rnd));
	n = strlcpy(ar->ar_cid, ar->ar_rq.rq_ep == REQ_EP_CHAT ? "chatcmpl-" :
	    "cmpl-", sizeof(ar->ar_cid));
	for (i = 0; i < sizeof(rnd); i++)
		ar->ar_cid[n + i] = api_chars[rnd[i] % 62];
	ar->ar_cid[n + i] = '\0';
	ar->ar_created = (int64_t)time(NULL);
	if (ar->ar_rq.rq_op != REQ_OP_GENERATE)
		return;
	ar->ar_choices = xcalloc(ar->ar_rq.rq_nchoices,
	    sizeof(*ar->ar_choices));
	for (i = 0; i < ar->ar_rq.rq_nchoices && !ar->ar_rq.rq_stream; i++)
		if ((ar->ar_choices[i].rc_text = buf_new(0)) == NULL)
			fatalx_f("buf_new");
}

/*
 * libevent stops reading a connection while its request is being
 * answered, so it would not see the client go; an EV_CLOSED event
 * (EPOLLRDHUP) on the socket does.  Answers go out without Nagle's
 * delay: each streamed chunk at once, a large answer's last segment
 * without waiting for an ACK.
 */
static void
api_watch(struct api_req *ar)
{
	struct network	*nw = ar->ar_nw;
	int		 fd, one = 1;

	http_watch_close(nw, ar->ar_req);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(
	    ar->ar_conn));
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_debug_f("TCP_NODELAY: %s", strerror(errno));
	if ((ar->ar_closed = event_new(nw->nw_base, fd, EV_CLOSED,
	    api_client_closed, ar)) == NULL)
		fatalx_f("event_new");
	event_add(ar->ar_closed, NULL);
}

/* Send the document in chunks of at most one frame each. */
static void
api_submit(struct api_req *ar)
{
	struct network	*nw = ar->ar_nw;
	struct req_error	 err;
	struct buf	*b;
	char		*s;
	size_t		 len, off = 0, n;

	if ((s = json_dumps(ar->ar_rq.rq_doc, JSON_COMPACT)) == NULL)
		fatalx_f("json_dumps");
	len = strlen(s);
	/* Keep no prompt longer than needed. */
	json_decref(ar->ar_rq.rq_doc);
	ar->ar_rq.rq_doc = NULL;
	ar->ar_rq.rq_model = ar->ar_model;
	if (len > PROTO_MAX_DOC || len > UINT32_MAX) {
		freezero(s, len);
		(void)req_set_error(&err, 413, "invalid_request_error",
		    "request_too_large", NULL, "The request is too large.");
		api_error(ar->ar_req, &err);
		ar->ar_req = NULL;
		api_log_req(ar, 413);
		api_free(ar);
		return;
	}
	if ((b = buf_new(PROTO_MAX_FRAME)) == NULL)
		fatalx_f("buf_new");
	do {
		n = len - off < API_CHUNK_BYTES ? len - off : API_CHUNK_BYTES;
		buf_reset(b);
		if (buf_put_u32(b, ar->ar_rq.rq_op) != 0 ||
		    buf_put_u32(b, (uint32_t)len) != 0 ||
		    buf_put_data(b, s + off, n) != 0)
			fatalx_f("buf");
		proc_send(&nw->nw_infer, PROTO_INFER_REQUEST, ar->ar_id, -1, b);
		off += n;
	} while (off < len);
	buf_free(b);
	freezero(s, len);
}

static struct api_req *
api_find(struct network *nw, uint32_t id)
{
	struct api_req	*ar;

	/* Replies come in runs for one request: try the last one first. */
	if (nw->nw_last != NULL && nw->nw_last->ar_id == id)
		return nw->nw_last;
	TAILQ_FOREACH(ar, &nw->nw_api, ar_entry)
		if (ar->ar_id == id)
			return nw->nw_last = ar;
	return NULL;
}

static void
api_free(struct api_req *ar)
{
	struct network	*nw = ar->ar_nw;
	size_t		 i;

	TAILQ_REMOVE(&nw->nw_api, ar, ar_entry);
	if (nw->nw_last == ar)
		nw->nw_last = NULL;
	nw->nw_nbusy -= ar->ar_busy;
	if (ar->ar_closed != NULL)
		event_free(ar->ar_closed);
	if (ar->ar_choices != NULL) {
		for (i = 0; i < ar->ar_rq.rq_nchoices; i++) {
			buf_free(ar->ar_choices[i].rc_text);
			if (ar->ar_choices[i].rc_logprobs != NULL)
				json_decref(ar->ar_choices[i].rc_logprobs);
		}
		free(ar->ar_choices);
	}
	buf_free(ar->ar_head);
	buf_free(ar->ar_out);
	if (ar->ar_evb != NULL)
		evbuffer_free(ar->ar_evb);
	req_clear(&ar->ar_rq);
	free(ar->ar_model);
	free(ar->ar_find);
	free(ar);
}

/*
 * EV_CLOSED fired: free the connection.  Its close callback (below,
 * through front-http.c) cancels the request.
 */
static void
api_client_closed(evutil_socket_t fd, short ev, void *arg)
{
	struct api_req	*ar = arg;

	evhttp_connection_free(ar->ar_conn);
}

/*
 * A client connection is going away.  Its requests are cancelled at
 * inferd and forgotten.  libevent frees a request still on the
 * connection; one it took off (it failed while we answered) is ours.
 */
void
api_conn_closed(struct network *nw, struct evhttp_connection *conn)
{
	struct api_req	*ar, *next;

	TAILQ_FOREACH_SAFE(ar, &nw->nw_api, ar_entry, next) {
		if (ar->ar_conn != conn)
			continue;
		if (nw->nw_infer.pp_open)
			proc_send_empty(&nw->nw_infer, PROTO_INFER_CANCEL,
			    ar->ar_id);
		if (ar->ar_req != NULL &&
		    evhttp_request_get_connection(ar->ar_req) == NULL)
			evhttp_request_free(ar->ar_req);
		ar->ar_req = NULL;
		api_log_req(ar, API_STATUS_GONE);
		api_free(ar);
	}
}

/*
 * inferd went away: requests not answered yet get 503; a stream that
 * has started is cut off, so that the client sees it incomplete.
 */
void
api_peer_lost(struct network *nw)
{
	struct evhttp_connection	*conn;
	struct api_req			*ar;
	struct req_error		 err;

	nw->nw_rx_total = 0;
	buf_reset(nw->nw_rx);
	(void)req_set_error(&err, 503, "server_error", "service_unavailable",
	    NULL, "The inference service stopped; try again later.");
	while ((ar = TAILQ_FIRST(&nw->nw_api)) != NULL) {
		if (ar->ar_sse) {
			conn = ar->ar_conn;
			ar->ar_req = NULL;
			api_log_req(ar, 502);
			api_free(ar);
			evhttp_connection_free(conn);
			continue;
		}
		api_error(ar->ar_req, &err);
		ar->ar_req = NULL;
		api_log_req(ar, 503);
		api_free(ar);
	}
}

/*
 * RequestTimeout is libevent's read and write timeout.  libevent reads
 * while a stream is written (to see the client close), so a long stream
 * would time out reading: only the write timeout, for a client that
 * stops reading, stays while streaming.
 */
static void
api_timeouts(struct api_req *ar, int streaming)
{
	struct timeval	tv;

	tv.tv_sec = ar->ar_nw->nw_timeout;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(
	    ar->ar_conn), streaming ? NULL : &tv, &tv);
}

/* One INFER_REPLY frame: put the document together, then act on it. */
void
api_infer_reply(struct network *nw, struct proto_msg *msg)
{
	struct proc_peer	*peer = &nw->nw_infer;
	const u_char		*data = NULL;
	uint32_t		 kind, total, id = msg->pm_hdr.peerid;
	size_t			 len = 0, max;

	kind = proc_get_u32(msg);
	total = proc_get_u32(msg);
	data = proc_get_data(msg, &len);
	if (proc_end(peer, msg) != 0)
		return;
	if (nw->nw_rx_total == 0) {
		/* A model list for /v1/attestation is much smaller. */
		max = attest_owns_infer(nw, id) ? FRONT_MAX_MODELS_DOC :
		    PROTO_MAX_DOC;
		if (kind < REQ_KIND_EVENT || kind > REQ_KIND_ERROR ||
		    total == 0 || total > max) {
			proc_violation(peer, "INFER_REPLY: kind %u, %u bytes",
			    kind, total);
			return;
		}
		if (len == total) {
			/* The usual case: the whole document in one frame. */
			api_doc(nw, id, kind, data, len);
			return;
		}
		nw->nw_rx_id = id;
		nw->nw_rx_kind = kind;
		nw->nw_rx_total = total;
		buf_reset(nw->nw_rx);
	} else if (id != nw->nw_rx_id || kind != nw->nw_rx_kind ||
	    total != nw->nw_rx_total) {
		proc_violation(peer, "INFER_REPLY: chunk of another document");
		return;
	}
	if (len > nw->nw_rx_total - buf_len(nw->nw_rx)) {
		proc_violation(peer, "INFER_REPLY: chunks longer than %zu",
		    nw->nw_rx_total);
		return;
	}
	if (buf_put(nw->nw_rx, data, len) != 0)
		fatalx_f("buf_put");
	if (buf_len(nw->nw_rx) < nw->nw_rx_total)
		return;
	nw->nw_rx_total = 0;
	api_doc(nw, id, kind, buf_ptr(nw->nw_rx), buf_len(nw->nw_rx));
	buf_reset(nw->nw_rx);
}

/*
 * A whole reply document: the model list GET /v1/attestation asked for
 * goes to front-attest.c.  A request we forgot (cancelled) is ignored.
 */
static void
api_doc(struct network *nw, uint32_t id, uint32_t kind, const u_char *data,
    size_t len)
{
	struct api_req	*ar;
	json_error_t	 jerr;
	json_t		*doc;

	if (attest_owns_infer(nw, id)) {
		attest_infer_doc(nw, id, kind, data, len);
		return;
	}
	if ((doc = json_loadb((const char *)data, len, JSON_ALLOW_NUL,
	    &jerr)) == NULL ||
	    !json_is_object(doc)) {
		if (doc != NULL)
			json_decref(doc);
		proc_violation(&nw->nw_infer, "INFER_REPLY: not a JSON object");
		return;
	}
	if ((ar = api_find(nw, id)) != NULL) {
		switch (kind) {
		case REQ_KIND_EVENT:
			api_event(ar, doc);
			break;
		case REQ_KIND_RESULT:
			api_result(ar, doc);
			break;
		default:
			api_failed(ar, doc);
			break;
		}
	}
	json_decref(doc);
}

/*
 * One token (or piece of text) of one choice.  Streamed at once, or
 * kept for the answer.  After a violation ar is gone: return at once.
 */
static void
api_event(struct api_req *ar, json_t *doc)
{
	struct network		*nw = ar->ar_nw;
	struct req_event	 ev;
	struct req_choice	*ch;
	const struct req	*rq = &ar->ar_rq;
	const char		*why;

	if (req_check_event(doc, rq, &ev, &why) != 0) {
		proc_violation(&nw->nw_infer, "INFER_REPLY: %s", why);
		return;
	}
	ch = &ar->ar_choices[ev.ev_index];
	if (ch->rc_finish != NULL) {
		proc_violation(&nw->nw_infer, "INFER_REPLY: EVENT for choice"
		    " %zu after it finished", ev.ev_index);
		return;
	}
	if (rq->rq_stream) {
		if (!ar->ar_sse)
			api_sse_start(ar);
		buf_reset(ar->ar_out);
		if (!ch->rc_started && rq->rq_ep == REQ_EP_CHAT &&
		    req_sse_choice(ar->ar_out, rq, ar->ar_head, ch,
		    ev.ev_index, REQ_DELTA_ROLE, &ev) != 0)
			fatalx_f("req_sse_choice");
		ch->rc_started = 1;
		if ((ev.ev_textlen > 0 || (rq->rq_logprobs &&
		    json_array_size(ev.ev_logprobs) > 0)) &&
		    req_sse_choice(ar->ar_out, rq, ar->ar_head, ch,
		    ev.ev_index, REQ_DELTA_TEXT, &ev) != 0)
			fatalx_f("req_sse_choice");
		if (ev.ev_finish != NULL &&
		    req_sse_choice(ar->ar_out, rq, ar->ar_head, ch,
		    ev.ev_index, REQ_DELTA_FINISH, &ev) != 0)
			fatalx_f("req_sse_choice");
		api_sse_write(ar);
	} else {
		if (buf_put(ch->rc_text, ev.ev_text, ev.ev_textlen) != 0) {
			proc_violation(&nw->nw_infer, "INFER_REPLY: choice"
			    " %zu too long", ev.ev_index);
			return;
		}
		if (rq->rq_logprobs && ev.ev_logprobs != NULL) {
			if (ch->rc_logprobs == NULL)
				ch->rc_logprobs = json_array();
			json_array_extend(ch->rc_logprobs, ev.ev_logprobs);
		}
	}
	if (ev.ev_finish != NULL) {
		ch->rc_finish = ev.ev_finish;
		ar->ar_nfinished++;
	}
}

static void
api_result(struct api_req *ar, json_t *doc)
{
	struct network		*nw = ar->ar_nw;
	const struct req	*rq = &ar->ar_rq;
	struct req_error	 err;
	const char		*why;
	json_t			*reply;

	if (req_check_result(doc, rq, &why) != 0) {
		proc_violation(&nw->nw_infer, "INFER_REPLY: %s", why);
		return;
	}
	ar->ar_ptok = json_integer_value(json_object_get(doc,
	    "prompt_tokens"));
	ar->ar_ctok = json_integer_value(json_object_get(doc,
	    "completion_tokens"));
	switch (rq->rq_op) {
	case REQ_OP_GENERATE:
		if (ar->ar_nfinished != rq->rq_nchoices) {
			proc_violation(&nw->nw_infer, "INFER_REPLY: RESULT"
			    " before every choice finished");
			return;
		}
		if (rq->rq_stream) {
			if (!ar->ar_sse)
				api_sse_start(ar);
			buf_reset(ar->ar_out);
			if (rq->rq_usage && req_sse_usage(ar->ar_out,
			    ar->ar_head, doc) != 0)
				fatalx_f("req_sse_usage");
			api_sse_end(ar, 1);
			api_log_req(ar, 200);
			api_free(ar);
			return;
		}
		reply = req_reply_generate(rq, ar->ar_cid, ar->ar_created,
		    ar->ar_choices, doc);
		break;
	case REQ_OP_EMBED:
		reply = req_reply_embed(rq, doc);
		break;
	case REQ_OP_TOKENIZE:
	case REQ_OP_DETOKENIZE:
		reply = req_reply_tokenize(rq, doc);
		break;
	default:
		reply = req_reply_models(doc, ar->ar_find);
		if (reply == NULL && ar->ar_find != NULL &&
		    req_model_refused(doc, ar->ar_find)) {
			(void)req_set_error(&err, 503, "server_error",
			    "model_not_available", "model", "The model is "
			    "configured but not available: it failed its checks "
			    "at start (see the server's log).");
			api_error(ar->ar_req, &err);
			ar->ar_req = NULL;
			api_log_req(ar, 503);
			api_free(ar);
			return;
		}
		if (reply == NULL) {
			(void)req_set_error(&err, 404, "invalid_request_error",
			    "model_not_found", "model", "The model does not"
			    " exist.");
			api_error(ar->ar_req, &err);
			ar->ar_req = NULL;
			api_log_req(ar, 404);
			api_free(ar);
			return;
		}
		break;
	}
	if (reply == NULL)
		fatalx_f("reply");
	api_answer(ar, 200, reply);
}

static void
api_failed(struct api_req *ar, json_t *doc)
{
	struct network		*nw = ar->ar_nw;
	struct req_error	 err;
	const char		*why;

	if (req_check_error(doc, &err, &why) != 0) {
		proc_violation(&nw->nw_infer, "INFER_REPLY: %s", why);
		return;
	}
	if (ar->ar_sse) {
		buf_reset(ar->ar_out);
		if (req_sse_error(ar->ar_out, &err) != 0)
			fatalx_f("req_sse_error");
		api_sse_end(ar, 0);
		api_log_req(ar, err.re_status);
		api_free(ar);
		return;
	}
	api_error(ar->ar_req, &err);
	ar->ar_req = NULL;
	api_log_req(ar, err.re_status);
	api_free(ar);
}

static void
api_answer(struct api_req *ar, int status, json_t *reply)
{
	http_reply_json(ar->ar_req, status, NULL, reply);
	ar->ar_req = NULL;
	api_log_req(ar, status);
	api_free(ar);
}

/* The first EVENT of a stream: headers out, no read timeout. */
static void
api_sse_start(struct api_req *ar)
{
	struct evkeyvalq	*hdr;

	hdr = evhttp_request_get_output_headers(ar->ar_req);
	evhttp_add_header(hdr, "Content-Type", "text/event-stream");
	evhttp_add_header(hdr, "Cache-Control", "no-cache");
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	if (network_draining())
		evhttp_add_header(hdr, "Connection", "close");
	if ((ar->ar_head = buf_new(0)) == NULL ||
	    (ar->ar_out = buf_new(0)) == NULL ||
	    (ar->ar_evb = evbuffer_new()) == NULL)
		fatalx_f("alloc");
	if (req_sse_head(ar->ar_head, &ar->ar_rq, ar->ar_cid,
	    ar->ar_created) != 0)
		fatalx_f("req_sse_head");
	evhttp_send_reply_start(ar->ar_req, 200, "OK");
	api_timeouts(ar, 1);
	ar->ar_sse = 1;
}

static void
api_sse_write(struct api_req *ar)
{
	if (buf_len(ar->ar_out) == 0)
		return;
	if (evbuffer_add(ar->ar_evb, buf_ptr(ar->ar_out),
	    buf_len(ar->ar_out)) != 0)
		fatalx_f("evbuffer_add");
	evhttp_send_reply_chunk(ar->ar_req, ar->ar_evb);
	/* A client gone mid-stream leaves the chunk here: drop it. */
	evbuffer_drain(ar->ar_evb, evbuffer_get_length(ar->ar_evb));
	buf_reset(ar->ar_out);
}

/* What is in ar_out, [DONE] if done, and the end of the stream. */
static void
api_sse_end(struct api_req *ar, int done)
{
	if (done && buf_put(ar->ar_out, "data: [DONE]\n\n", 14) != 0)
		fatalx_f("buf_put");
	api_sse_write(ar);
	api_timeouts(ar, 0);
	evhttp_send_reply_end(ar->ar_req);
	ar->ar_req = NULL;
}
