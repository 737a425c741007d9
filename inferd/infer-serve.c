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
#include <sys/stat.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "utf8.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/sampler.h"
#include "engine/template.h"
#include "engine/tokenizer.h"
#include "inferd.h"

/*
 * The requests of the network child (PROTOCOL section 3): documents
 * reassembled from INFER_REQUEST frames and checked member by member,
 * a first-in first-out queue of generate and embed requests computed
 * one at a time, and the answers that need no forward pass (tokenize,
 * detokenize, models) given at once.  A generation runs one token per
 * turn of the event loop, so that frames arriving meanwhile (a cancel,
 * a tokenize) are handled between two tokens, and each token's event is
 * sent before the next token is computed.
 *
 * The network child has validated the client's JSON: a document that
 * does not have the members and types PROTOCOL lists means that child
 * is not behaving, and is a violation.  Values we cannot serve are
 * answered with an ERROR document.  Prompts, conversations and
 * generated text never reach a log call or an error message, and the
 * buffers holding them are wiped when freed.
 */

/* Data bytes in one INFER_REPLY frame: header, kind, total, length. */
#define INFER_CHUNK_BYTES	(PROTO_MAX_FRAME - PROTO_HDR_LEN - 12)
#define INFER_COALESCE_SEC	0.001	/* events held back at most */
#define INFER_PENALTY_WINDOW	64	/* tokens the penalties look at */
#define INFER_LOGPROB_FLOOR	(-9999.0)	/* for a logprob of -inf */
#define INFER_PIECE_BYTES	(TOK_MAX_PIECE_BYTES + 16)

/* A generate or embed request, queued or running. */
struct infer_req {
	TAILQ_ENTRY(infer_req)	 ir_entry;
	uint32_t		 ir_id;
	uint32_t		 ir_op;
	json_t			*ir_doc;
	struct infer_model	*ir_im;
	int			 ir_cancelled;
};
TAILQ_HEAD(infer_reqs, infer_req);

/* A document under way: the chunks so far. */
struct infer_part {
	uint32_t		 pt_id;
	uint32_t		 pt_op;
	uint32_t		 pt_total;
	struct buf		*pt_buf;	/* NULL: none */
};

/* The tokens of one prompt or embedding input. */
struct infer_prompt {
	int32_t			*pr_ids;
	size_t			 pr_n;
};

struct infer_stop {
	const char		*st_s;		/* in the request */
	size_t			 st_len;
};

/* The token just sampled, for logprobs: log-softmax of raw logits. */
struct infer_lp {
	int32_t			 lp_id;
	double			 lp_val;
	uint32_t		 lp_ntop;
	int32_t			 lp_top[INFER_MAX_TOP];
	double			 lp_topval[INFER_MAX_TOP];
};

/* The generation that runs (there is at most one). */
struct infer_gen {
	struct infer_req	*g_req;
	struct infer_model	*g_im;
	const struct tok	*g_tok;
	uint32_t		 g_n_vocab;	/* logits per token */
	uint32_t		 g_n_ctx;
	struct infer_prompt	*g_prompts;
	size_t			 g_nprompts;
	size_t			 g_prompt;	/* the current one */
	uint32_t		 g_n;		/* choices per prompt */
	uint32_t		 g_choice;
	int64_t			 g_max_tokens;	/* -1: as many as fit */
	uint32_t		 g_max;		/* this choice's limit */
	uint32_t		 g_ntok;	/* tokens this choice has */
	int			 g_prefill;	/* prompt to evaluate */
	int32_t			 g_pending;	/* to evaluate, or -1 */
	float			*g_logits;	/* to sample from */
	float			*g_start;	/* prompt's (n > 1) */
	float			*g_work;	/* g_start copied */
	float			*g_raw;		/* before sampling */
	struct sampler_params	 g_sp;
	struct sampler_bias	*g_bias;
	struct sampler		*g_smp;
	struct tok_stream	 g_ts;
	int			 g_logprobs;
	int			 g_ignore_eos;	/* EOG tokens are text */
	uint32_t		 g_top;
	struct infer_lp		 g_lp;
	struct infer_stop	 g_stops[INFER_MAX_STOPS];
	size_t			 g_nstops;
	char			*g_hold;	/* text not sent yet */
	size_t			 g_nhold;
	size_t			 g_holdmax;
	struct buf		*g_ev;		/* an event */
	uint64_t		 g_prompt_tokens;
	uint64_t		 g_reused;	/* found in the cache */
	uint64_t		 g_completion_tokens;
	double			 g_t0;		/* start time */
	double			 g_prefill_ms;
	const char		*g_finish;
};

static void	infer_req_begin(uint32_t, uint32_t, uint32_t);
static void	infer_req_complete(uint32_t, uint32_t, struct buf *);
static int	infer_req_isopen(uint32_t);
static size_t	infer_req_nopen(void);
static void	infer_req_queue(uint32_t, uint32_t, json_t *);
static void	infer_req_free(struct infer_req *);
static void	infer_schedule(void);
static void	infer_work_cb(evutil_socket_t, short, void *);
static void	infer_run(struct infer_req *);
static double	infer_now(void);

static void	infer_json_wipe(json_t *);
static void	infer_doc_free(json_t *);

static void	infer_reply(uint32_t, uint32_t, const void *, size_t);
static void	infer_reply_buf(uint32_t, uint32_t, const struct buf *);
static void	infer_error(uint32_t, int, const char *, const char *,
		    const char *, const char *, ...)
		    __attribute__((format(printf, 6, 7)));
static void	infer_error_model(uint32_t, const char *, size_t,
		    const struct infer_model *);
static int	infer_json_str(struct buf *, const void *, size_t);
static char	*infer_utf8_dup(const char *, size_t);
static struct buf *infer_doc_new(void);

static char	*infer_tok_text(const struct tok *, int32_t);
static int	infer_render(const struct infer_model *, json_t *, json_t *,
		    char **, size_t *, char *, size_t);
static int	infer_encode(const struct tok *, const char *, size_t, int,
		    int, struct infer_prompt *);
static int	infer_chat_tokens(uint32_t, const struct infer_model *,
		    json_t *, json_t *, int, struct infer_prompt *, char **,
		    size_t *);
static int	infer_inputs(uint32_t, const struct infer_model *,
		    const json_t *, const char *, struct infer_prompt **,
		    size_t *);
static void	infer_prompts_free(struct infer_prompt *, size_t);
static void	infer_encode_error(uint32_t, int, const char *);
static uint32_t	infer_n_vocab(const struct infer_model *);

static void	infer_tokenize(uint32_t, const struct infer_model *,
		    json_t *);
static int	infer_put_tokens(struct buf *, const struct tok *,
		    const struct infer_prompt *, const char *, size_t);
static void	infer_detokenize(uint32_t, const struct infer_model *,
		    json_t *);
static void	infer_models_list(uint32_t);
static void	infer_embed(struct infer_req *);

static int	infer_gen_start(struct infer_req *);
static double	infer_num(const json_t *, const char *, double);
static int	infer_gen_params(struct infer_gen *, const json_t *);
static int	infer_gen_bias(struct infer_gen *, const json_t *);
static int	infer_gen_prompts(struct infer_gen *, json_t *);
static int	infer_gen_prefill(struct infer_gen *);
static void	infer_choice_start(struct infer_gen *);
static void	infer_gen_step(void);
static void	infer_gen_token(struct infer_gen *);
static size_t	infer_stop_scan(struct infer_gen *, int *);
static void	infer_gen_logprobs(struct infer_gen *, int32_t);
static int	infer_put_logprob(struct buf *, const struct tok *, int32_t,
		    double);
static void	infer_gen_event(struct infer_gen *, size_t, int,
		    const char *);
static void	infer_choice_end(struct infer_gen *, const char *, size_t,
		    int);
static void	infer_gen_end(struct infer_gen *);

static struct proc_peer		*infer_peer;	/* network child */
static struct event		*infer_work;	/* next unit of work */
static struct infer_reqs	 infer_queue =
    TAILQ_HEAD_INITIALIZER(infer_queue);
static size_t			 infer_nqueued;
static struct infer_part	 infer_part;
static struct infer_gen		 infer_gen;
static struct buf		*infer_frame;	/* one INFER_REPLY */

/*
 * Before the sandbox, what would open files later: jansson reads
 * /dev/urandom for its hash seed, and glibc the zone file the first
 * time a template formats the date.
 */
void
infer_serve_init(struct event_base *base, struct proc_peer *peer)
{
	size_t	seed = 0;

	while (seed == 0)
		if (getentropy(&seed, sizeof(seed)) == -1)
			fatal_f("getentropy");
	json_object_seed(seed);
	tzset();
	infer_peer = peer;
	if ((infer_work = evtimer_new(base, infer_work_cb, NULL)) == NULL)
		fatalx_f("evtimer_new");
	if ((infer_frame = buf_new(PROTO_MAX_FRAME)) == NULL)
		fatalx_f("buf_new");
}

static double
infer_now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * INFER_REQUEST: u32 op, u32 total, one chunk of the document.  The
 * chunks of one document come in consecutive frames; when they add up
 * to total the document is parsed and served.
 */
void
infer_dispatch_request(struct proc_peer *peer, struct proto_msg *msg)
{
	const u_char	*data = NULL;
	struct buf	*doc;
	size_t		 len = 0;
	uint32_t	 op, total, id = msg->pm_hdr.peerid;

	op = proc_get_u32(msg);
	total = proc_get_u32(msg);
	data = proc_get_data(msg, &len);
	if (proc_end(peer, msg) != 0)
		return;
	if (infer_part.pt_buf == NULL) {
		infer_req_begin(id, op, total);
		if (infer_part.pt_buf == NULL)
			return;
	} else if (id != infer_part.pt_id || op != infer_part.pt_op ||
	    total != infer_part.pt_total) {
		proc_violation(peer, "INFER_REQUEST %u: inside request %u's "
		    "document", id, infer_part.pt_id);
		return;
	}
	if (len == 0 || len > total - buf_len(infer_part.pt_buf)) {
		proc_violation(peer, "INFER_REQUEST %u: a chunk of %zu bytes "
		    "with %zu of %u to come", id, len,
		    total - buf_len(infer_part.pt_buf), total);
		return;
	}
	if (buf_put(infer_part.pt_buf, data, len) != 0)
		fatalx_f("buf_put");
	if (buf_len(infer_part.pt_buf) < total)
		return;
	doc = infer_part.pt_buf;
	infer_part.pt_buf = NULL;
	infer_req_complete(id, op, doc);
	buf_free(doc);
}

/* The first frame of a document: the id, op and size must be good. */
static void
infer_req_begin(uint32_t id, uint32_t op, uint32_t total)
{
	if (id == 0 || infer_req_isopen(id)) {
		proc_violation(infer_peer, "INFER_REQUEST: request id %u %s",
		    id, id == 0 ? "is 0" : "is in use");
		return;
	}
	if (op < INFER_OP_GENERATE || op > INFER_OP_MODELS) {
		proc_violation(infer_peer, "INFER_REQUEST %u: op %u", id, op);
		return;
	}
	/* The smallest object is "{}". */
	if (total < 2 || total > PROTO_MAX_DOC) {
		proc_violation(infer_peer, "INFER_REQUEST %u: %u bytes", id,
		    total);
		return;
	}
	if ((op == INFER_OP_GENERATE || op == INFER_OP_EMBED) &&
	    infer_req_nopen() >= INFER_MAX_QUEUE) {
		proc_violation(infer_peer, "INFER_REQUEST %u: more than %d "
		    "requests open", id, INFER_MAX_QUEUE);
		return;
	}
	if ((infer_part.pt_buf = buf_new(total)) == NULL)
		fatalx_f("buf_new");
	infer_part.pt_id = id;
	infer_part.pt_op = op;
	infer_part.pt_total = total;
}

static int
infer_req_isopen(uint32_t id)
{
	struct infer_req	*req;

	if (infer_gen.g_req != NULL && infer_gen.g_req->ir_id == id)
		return 1;
	TAILQ_FOREACH(req, &infer_queue, ir_entry)
		if (req->ir_id == id)
			return 1;
	return 0;
}

static size_t
infer_req_nopen(void)
{
	return infer_nqueued + (infer_gen.g_req != NULL);
}

/*
 * A whole document.  Its JSON must be an object with the members of
 * its op (else a violation); then the request is queued or answered.
 */
static void
infer_req_complete(uint32_t id, uint32_t op, struct buf *b)
{
	json_error_t		 jerr;
	json_t			*doc, *name;
	struct infer_model	*im = NULL;
	char			 why[256];

	doc = json_loadb((const char *)buf_ptr(b), buf_len(b),
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	/* jerr.text may quote the document: only its position is logged. */
	if (doc == NULL) {
		proc_violation(infer_peer, "INFER_REQUEST %u: not JSON (line "
		    "%d, column %d)", id, jerr.line, jerr.column);
		return;
	}
	if (infer_doc_check(op, doc, why, sizeof(why)) != 0) {
		proc_violation(infer_peer, "INFER_REQUEST %u: %s", id, why);
		infer_doc_free(doc);
		return;
	}
	if (op == INFER_OP_MODELS) {
		infer_models_list(id);
		infer_doc_free(doc);
		return;
	}
	name = json_object_get(doc, "model");
	im = infer_model_find(json_string_value(name),
	    json_string_length(name));
	if (im == NULL || im->im_model == NULL) {
		infer_error_model(id, json_string_value(name),
		    json_string_length(name), im);
		infer_doc_free(doc);
		return;
	}
	switch (op) {
	case INFER_OP_GENERATE:
	case INFER_OP_EMBED:
		infer_req_queue(id, op, doc);
		return;
	case INFER_OP_TOKENIZE:
		infer_tokenize(id, im, doc);
		break;
	case INFER_OP_DETOKENIZE:
		infer_detokenize(id, im, doc);
		break;
	}
	infer_doc_free(doc);
}

static void
infer_req_queue(uint32_t id, uint32_t op, json_t *doc)
{
	struct infer_req	*req;
	json_t			*name;

	name = json_object_get(doc, "model");
	req = xcalloc(1, sizeof(*req));
	req->ir_id = id;
	req->ir_op = op;
	req->ir_doc = doc;
	req->ir_im = infer_model_find(json_string_value(name),
	    json_string_length(name));
	infer_model_hold(req->ir_im);
	TAILQ_INSERT_TAIL(&infer_queue, req, ir_entry);
	infer_nqueued++;
	infer_schedule();
}

static void
infer_req_free(struct infer_req *req)
{
	if (req == NULL)
		return;
	infer_model_release(req->ir_im);
	infer_doc_free(req->ir_doc);
	freezero(req, sizeof(*req));
}

/*
 * INFER_CANCEL: a queued request is dropped, a running one stops before
 * its next token.  No reply; an id we do not know has finished.
 */
void
infer_dispatch_cancel(struct proc_peer *peer, struct proto_msg *msg)
{
	struct infer_req	*req;
	uint32_t		 id = msg->pm_hdr.peerid;

	if (infer_serve_between(peer, "INFER_CANCEL") != 0 ||
	    proc_end(peer, msg) != 0)
		return;
	if (infer_gen.g_req != NULL && infer_gen.g_req->ir_id == id) {
		infer_gen.g_req->ir_cancelled = 1;
		return;
	}
	TAILQ_FOREACH(req, &infer_queue, ir_entry) {
		if (req->ir_id != id)
			continue;
		TAILQ_REMOVE(&infer_queue, req, ir_entry);
		infer_nqueued--;
		log_debug("request %u: cancelled while queued", id);
		infer_req_free(req);
		return;
	}
}

/* Frames other than the next chunk may not interrupt a document. */
int
infer_serve_between(struct proc_peer *peer, const char *what)
{
	if (infer_part.pt_buf == NULL)
		return 0;
	proc_violation(peer, "%s inside request %u's document", what,
	    infer_part.pt_id);
	return -1;
}

/* The network child is gone: its requests have no one to answer. */
void
infer_serve_drop(void)
{
	struct infer_req	*req;

	buf_free(infer_part.pt_buf);
	infer_part.pt_buf = NULL;
	if (infer_gen.g_req != NULL)
		infer_gen_end(&infer_gen);
	while ((req = TAILQ_FIRST(&infer_queue)) != NULL) {
		TAILQ_REMOVE(&infer_queue, req, ir_entry);
		infer_req_free(req);
	}
	infer_nqueued = 0;
}

/*
 * Work runs from a timer that expires at once rather than from
 * event_active(): libevent then polls the channels before each unit, so
 * a cancel or a tokenize is served between two tokens.
 */
static void
infer_schedule(void)
{
	struct timeval	tv = { 0, 0 };

	evtimer_add(infer_work, &tv);
}

static void
infer_work_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct infer_req	*req;

	if (infer_gen.g_req != NULL)
		infer_gen_step();
	else if ((req = TAILQ_FIRST(&infer_queue)) != NULL) {
		TAILQ_REMOVE(&infer_queue, req, ir_entry);
		infer_nqueued--;
		infer_run(req);
	}
	if (infer_gen.g_req != NULL || !TAILQ_EMPTY(&infer_queue))
		infer_schedule();
}

/* The head of the queue: load its model, then generate or embed. */
static void
infer_run(struct infer_req *req)
{
	char	err[MODEL_ERRLEN];

	if (infer_model_ready(req->ir_im, err, sizeof(err)) != 0) {
		infer_error(req->ir_id, 503, "server_error",
		    "model_not_available", "model", "The model '%s' could "
		    "not be loaded", req->ir_im->im_name);
		infer_req_free(req);
		return;
	}
	if (req->ir_op == INFER_OP_EMBED) {
		infer_embed(req);
		infer_req_free(req);
		return;
	}
	/* It owns the request now, even if it fails. */
	(void)infer_gen_start(req);
}

/* Wipe the strings of a document (prompts, conversations) in place. */
static void
infer_json_wipe(json_t *v)
{
	const char	*key;
	json_t		*e;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		explicit_bzero((char *)json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, e)
			infer_json_wipe(e);
		break;
	case JSON_OBJECT:
		json_object_foreach(v, key, e)
			infer_json_wipe(e);
		break;
	default:
		break;
	}
}

static void
infer_doc_free(json_t *doc)
{
	if (doc == NULL)
		return;
	infer_json_wipe(doc);
	json_decref(doc);
}

/*
 * Replies.  A document goes out as the chunks of consecutive
 * INFER_REPLY frames, and is pushed to the socket at once: the network
 * child streams each event to its client while the next token is
 * computed.  Only when tokens come faster than one a millisecond (tiny
 * models) are events queued for up to that long and sent together:
 * waking the network child for each costs more than the token then.
 * A request's first event is never held (time to first token).
 */
static void
infer_reply(uint32_t id, uint32_t kind, const void *data, size_t len)
{
	static double	 last_flush;
	static uint32_t	 last_id;
	const u_char	*p = data;
	size_t		 off = 0, n;
	double		 now = infer_now();
	int		 hold;

	if (len > PROTO_MAX_DOC)
		fatalx_f("reply of %zu bytes", len);
	hold = kind == INFER_REPLY_EVENT && len <= INFER_CHUNK_BYTES &&
	    id == last_id && now - last_flush < INFER_COALESCE_SEC;
	do {
		n = len - off < INFER_CHUNK_BYTES ? len - off :
		    INFER_CHUNK_BYTES;
		(void)buf_consume(infer_frame, buf_len(infer_frame));
		if (buf_put_u32(infer_frame, kind) != 0 ||
		    buf_put_u32(infer_frame, (uint32_t)len) != 0 ||
		    buf_put_data(infer_frame, p + off, n) != 0)
			fatalx_f("buf");
		if (hold)
			proc_queue(infer_peer, PROTO_INFER_REPLY, id,
			    infer_frame);
		else
			proc_send(infer_peer, PROTO_INFER_REPLY, id, -1,
			    infer_frame);
		off += n;
	} while (off < len);
	if (hold)
		return;
	last_id = id;
	last_flush = now;
	if (kind != INFER_REPLY_EVENT)
		buf_reset(infer_frame);
	if (infer_peer->pp_open)
		(void)proto_flush(&infer_peer->pp_chan);
}

static void
infer_reply_buf(uint32_t id, uint32_t kind, const struct buf *b)
{
	infer_reply(id, kind, buf_ptr(b), buf_len(b));
}

/* A document buffer: a reply may not be larger than a request. */
static struct buf *
infer_doc_new(void)
{
	struct buf	*b;

	if ((b = buf_new(PROTO_MAX_DOC)) == NULL)
		fatalx_f("buf_new");
	return b;
}

/*
 * An ERROR reply, the request's last.  The message is ours: it never
 * quotes a prompt or a conversation.
 */
static void
infer_error(uint32_t id, int status, const char *type, const char *code,
    const char *param, const char *fmt, ...)
{
	struct buf	*b;
	char		 msg[512];
	va_list		 ap;
	int		 r;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((b = buf_new(4096)) == NULL)
		fatalx_f("buf_new");
	r = buf_putf(b, "{\"status\":%d,\"type\":\"%s\",\"code\":", status,
	    type);
	r |= code != NULL ? buf_putf(b, "\"%s\"", code) : buf_putf(b, "null");
	r |= buf_putf(b, ",\"param\":");
	r |= param != NULL ? buf_putf(b, "\"%s\"", param) :
	    buf_putf(b, "null");
	r |= buf_putf(b, ",\"message\":");
	r |= infer_json_str(b, msg, strlen(msg));
	r |= buf_put(b, "}", 1);
	if (r != 0)
		fatalx_f("error reply too long");
	log_verbose("request %u: error %d %s", id, status,
	    code != NULL ? code : type);
	infer_reply_buf(id, INFER_REPLY_ERROR, b);
	buf_free(b);
}

/* A model that does not exist, or that was refused at start. */
static void
infer_error_model(uint32_t id, const char *name, size_t len,
    const struct infer_model *im)
{
	if (im == NULL)
		infer_error(id, 404, "invalid_request_error",
		    "model_not_found", "model", "The model '%.*s' does not "
		    "exist", (int)(len > 128 ? 128 : len), name);
	else
		infer_error(id, 503, "server_error", "model_not_available",
		    "model", "The model '%s' is not available: %s",
		    im->im_name, im->im_unverified ? "it failed verification" :
		    "inferd refused it at start");
}

/*
 * A JSON string of len bytes: quotes, backslashes and control
 * characters escaped, each byte that is not part of valid UTF-8
 * replaced by U+FFFD.
 */
static int
infer_json_str(struct buf *b, const void *s, size_t len)
{
	const u_char	*p = s;
	size_t		 i = 0, j, n;
	int		 r;

	r = buf_put(b, "\"", 1);
	while (i < len && r == 0) {
		for (j = i; j < len && p[j] >= 0x20 && p[j] < 0x80 &&
		    p[j] != '"' && p[j] != '\\'; j++)
			;
		if (j > i) {
			r = buf_put(b, p + i, j - i);
			i = j;
			continue;
		}
		if (p[i] >= 0x80) {
			if ((n = utf8_len(p + i, len - i)) == 0) {
				r = buf_put(b, "\xef\xbf\xbd", 3);
				n = 1;
			} else
				r = buf_put(b, p + i, n);
			i += n;
			continue;
		}
		switch (p[i]) {
		case '"':
			r = buf_put(b, "\\\"", 2);
			break;
		case '\\':
			r = buf_put(b, "\\\\", 2);
			break;
		case '\n':
			r = buf_put(b, "\\n", 2);
			break;
		case '\r':
			r = buf_put(b, "\\r", 2);
			break;
		case '\t':
			r = buf_put(b, "\\t", 2);
			break;
		default:
			r = buf_putf(b, "\\u%04x", p[i]);
			break;
		}
		i++;
	}
	if (r == 0)
		r = buf_put(b, "\"", 1);
	return r;
}

/* A NUL-terminated copy with invalid UTF-8 replaced (for jansson). */
static char *
infer_utf8_dup(const char *s, size_t len)
{
	const u_char	*p = (const u_char *)s;
	char		*out;
	size_t		 i = 0, o = 0, n;

	out = xreallocarray(NULL, len + 1, 3);
	while (i < len) {
		if ((n = utf8_len(p + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

/*
 * Chat templates and tokens.  A model's template is parsed when the
 * model is checked, and must render a one-message conversation then:
 * a template that cannot is refused with the model.
 */
int
infer_tmpl_check(struct infer_model *im, char *err, size_t errlen)
{
	const struct tok	*tok = im->im_model->m_tok;
	struct gguf_str		 src;
	json_t			*msgs;
	char			 e[TMPL_ERRLEN], *out = NULL;
	size_t			 outlen = 0;
	int			 r;

	r = gguf_get_str(im->im_gguf, "tokenizer.chat_template", &src);
	if (r == PWR_ERR_NOT_FOUND) {
		src.s_ptr = tmpl_chatml;
		src.s_len = strlen(tmpl_chatml);
		im->im_chatml = 1;
	} else if (r != 0)
		return pwr_errf(err, errlen, r, "chat template: "
		    "tokenizer.chat_template is not a string");
	if ((r = tmpl_parse(src.s_ptr, src.s_len, &im->im_tmpl, e,
	    sizeof(e))) != 0)
		return pwr_errf(err, errlen, r, "chat template: %s", e);
	im->im_bos_text = infer_tok_text(tok, tok_bos(tok));
	im->im_eos_text = infer_tok_text(tok, tok_eos(tok));
	if ((msgs = json_pack("[{s:s, s:s}]", "role", "user", "content",
	    "Hello")) == NULL)
		fatalx_f("json_pack");
	r = infer_render(im, msgs, NULL, &out, &outlen, e, sizeof(e));
	json_decref(msgs);
	if (r != 0)
		return pwr_errf(err, errlen, r, "chat template: %s", e);
	freezero(out, outlen + 1);
	return 0;
}

/* A special token's text for the template, or "". */
static char *
infer_tok_text(const struct tok *tok, int32_t id)
{
	const char	*t;
	size_t		 len = 0;

	if (id == TOK_NONE || (t = tok_text(tok, id, &len)) == NULL)
		return xstrdup("");
	return infer_utf8_dup(t, len);
}

/*
 * Render a conversation: messages, tools if given, a generation prompt
 * and the vocabulary's BOS and EOS texts, as Hugging Face's
 * apply_chat_template passes them.
 */
static int
infer_render(const struct infer_model *im, json_t *msgs, json_t *tools,
    char **out, size_t *outlen, char *err, size_t errlen)
{
	struct timespec	 ts;
	json_t		*ctx;
	int		 r;

	*out = NULL;
	*outlen = 0;
	if ((ctx = json_object()) == NULL ||
	    json_object_set(ctx, "messages", msgs) != 0 ||
	    (tools != NULL && json_object_set(ctx, "tools", tools) != 0) ||
	    json_object_set_new(ctx, "add_generation_prompt",
	    json_true()) != 0 ||
	    json_object_set_new(ctx, "bos_token",
	    json_string(im->im_bos_text)) != 0 ||
	    json_object_set_new(ctx, "eos_token",
	    json_string(im->im_eos_text)) != 0)
		fatalx_f("json");
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	r = tmpl_render(im->im_tmpl, ctx, ts.tv_sec, out, outlen, err,
	    errlen);
	json_decref(ctx);
	return r;
}

/* Tokens of len bytes of text, in a new array (wiped when freed). */
static int
infer_encode(const struct tok *tok, const char *text, size_t len,
    int add_bos, int special, struct infer_prompt *pr)
{
	size_t	max, n = 0;
	int	r;

	pr->pr_ids = NULL;
	pr->pr_n = 0;
	/* Most text has fewer tokens than half its bytes: else retry. */
	max = len / 2 + 16;
	for (;;) {
		pr->pr_ids = xreallocarray(NULL, max, sizeof(*pr->pr_ids));
		r = tok_encode(tok, text, len, add_bos, special, pr->pr_ids,
		    max, &n);
		if (r == 0) {
			pr->pr_n = n;
			return 0;
		}
		freezero(pr->pr_ids, max * sizeof(*pr->pr_ids));
		pr->pr_ids = NULL;
		if (r != PWR_ERR_NO_BUFFER_SPACE || n <= max)
			return r;
		max = n;
	}
}

static void
infer_encode_error(uint32_t id, int r, const char *param)
{
	if (r == PWR_ERR_STRING_TOO_LARGE)
		infer_error(id, 400, "invalid_request_error",
		    "context_length_exceeded", param, "The text is too long "
		    "or too complex to tokenize");
	else
		infer_error(id, 500, "server_error", NULL, NULL,
		    "Tokenizing failed: %s", pwr_err(r));
}

/*
 * A conversation's tokens: the rendered template, with special token
 * texts recognised, and BOS first if the vocabulary wants one and the
 * template did not write it.  The rendered text is returned if textp is
 * not NULL (freezero it).  An ERROR has been sent if this fails.
 */
static int
infer_chat_tokens(uint32_t id, const struct infer_model *im, json_t *msgs,
    json_t *tools, int add_special, struct infer_prompt *pr, char **textp,
    size_t *lenp)
{
	const struct tok	*tok = im->im_model->m_tok;
	const char		*bos;
	char			 e[TMPL_ERRLEN], *text;
	size_t			 len, blen = 0;
	int			 add_bos, r;

	r = infer_render(im, msgs, tools, &text, &len, e, sizeof(e));
	if (r == TMPL_ERR_RAISED) {
		/* The template's own words, not the conversation's. */
		infer_error(id, 400, "invalid_request_error",
		    "invalid_messages", "messages", "%s", e);
		return -1;
	} else if (r == PWR_ERR_ALLOC_FAIL) {
		infer_error(id, 500, "server_error", NULL, NULL,
		    "Out of memory rendering the chat template");
		return -1;
	} else if (r != 0) {
		infer_error(id, 400, "invalid_request_error",
		    "invalid_messages", "messages", "The model's chat "
		    "template cannot render these messages%s",
		    r == TMPL_ERR_LIMIT ? ": they are too large" : "");
		return -1;
	}
	add_bos = add_special && tok_add_bos(tok) && tok_bos(tok) != TOK_NONE;
	if (add_bos && (bos = tok_text(tok, tok_bos(tok), &blen)) != NULL &&
	    blen > 0 && len >= blen && memcmp(text, bos, blen) == 0)
		add_bos = 0;
	if ((r = infer_encode(tok, text, len, add_bos, 1, pr)) != 0) {
		freezero(text, len + 1);
		infer_encode_error(id, r, "messages");
		return -1;
	}
	if (textp != NULL) {
		*textp = text;
		*lenp = len;
	} else
		freezero(text, len + 1);
	return 0;
}

/* Token ids a request may name: both the model and the vocabulary. */
static uint32_t
infer_n_vocab(const struct infer_model *im)
{
	uint32_t	n = tok_n_vocab(im->im_model->m_tok);

	return n < im->im_model->m_hp.hp_n_vocab ? n :
	    im->im_model->m_hp.hp_n_vocab;
}

/*
 * Prompts or embedding inputs: strings tokenized with BOS as the
 * vocabulary wants and no special tokens, arrays of ids used as they
 * are.  An ERROR has been sent if this fails.
 */
static int
infer_inputs(uint32_t id, const struct infer_model *im, const json_t *arr,
    const char *param, struct infer_prompt **prsp, size_t *np)
{
	const struct tok	*tok = im->im_model->m_tok;
	struct infer_prompt	*prs, *pr;
	const json_t		*v, *e;
	json_int_t		 t;
	size_t			 i, j, n = json_array_size(arr);
	int			 r;

	*prsp = NULL;
	*np = 0;
	if (n == 0) {
		infer_error(id, 400, "invalid_request_error", NULL, param,
		    "The %s is empty", param);
		return -1;
	}
	prs = xcalloc(n, sizeof(*prs));
	*prsp = prs;
	*np = n;
	json_array_foreach(arr, i, v) {
		pr = &prs[i];
		if (json_is_string(v)) {
			if ((r = infer_encode(tok, json_string_value(v),
			    json_string_length(v), tok_add_bos(tok), 0,
			    pr)) != 0) {
				infer_encode_error(id, r, param);
				return -1;
			}
		} else {
			pr->pr_n = json_array_size(v);
			pr->pr_ids = xcalloc(pr->pr_n + 1,
			    sizeof(*pr->pr_ids));
			json_array_foreach(v, j, e) {
				t = json_integer_value(e);
				if (t < 0 || t >= infer_n_vocab(im)) {
					infer_error(id, 400,
					    "invalid_request_error", NULL,
					    param, "%s %zu has a token id "
					    "outside the vocabulary (0 to %u)",
					    param, i, infer_n_vocab(im) - 1);
					return -1;
				}
				pr->pr_ids[j] = (int32_t)t;
			}
		}
		if (pr->pr_n == 0) {
			infer_error(id, 400, "invalid_request_error", NULL,
			    param, "%s %zu has no tokens", param, i);
			return -1;
		}
	}
	return 0;
}

static void
infer_prompts_free(struct infer_prompt *prs, size_t n)
{
	size_t	i;

	if (prs == NULL)
		return;
	for (i = 0; i < n; i++)
		freezero(prs[i].pr_ids, prs[i].pr_n * sizeof(*prs[i].pr_ids));
	freezero(prs, n * sizeof(*prs));
}

/*
 * tokenize: the tokens of content, or of the rendered conversation,
 * with the byte range of each in that text and its piece.
 */
static void
infer_tokenize(uint32_t id, const struct infer_model *im, json_t *doc)
{
	const struct tok	*tok = im->im_model->m_tok;
	struct infer_prompt	 pr = { NULL, 0 };
	struct buf		*b;
	json_t			*content, *v;
	const char		*text;
	char			*rendered = NULL;
	size_t			 len = 0;
	int			 add_special = 1, r;

	if ((v = json_object_get(doc, "add_special")) != NULL)
		add_special = json_is_true(v);
	if ((content = json_object_get(doc, "content")) != NULL) {
		text = json_string_value(content);
		len = json_string_length(content);
		if ((r = infer_encode(tok, text, len,
		    add_special && tok_add_bos(tok), 1, &pr)) != 0) {
			infer_encode_error(id, r, "content");
			return;
		}
	} else {
		if (infer_chat_tokens(id, im, json_object_get(doc, "messages"),
		    json_object_get(doc, "tools"), add_special, &pr,
		    &rendered, &len) != 0)
			return;
		text = rendered;
	}
	b = infer_doc_new();
	r = buf_putf(b, "{\"model\":");
	r |= infer_json_str(b, im->im_name, strlen(im->im_name));
	r |= buf_putf(b, ",\"tokens\":");
	r |= infer_put_tokens(b, tok, &pr, text, len);
	r |= buf_put(b, "}", 1);
	if (r != 0)
		infer_error(id, 400, "invalid_request_error", NULL, "content",
		    "The list of tokens would be larger than %lu bytes",
		    PROTO_MAX_DOC);
	else
		infer_reply_buf(id, INFER_REPLY_RESULT, b);
	buf_free(b);
	freezero(pr.pr_ids, pr.pr_n * sizeof(*pr.pr_ids));
	if (rendered != NULL)
		freezero(rendered, len + 1);
}

/*
 * Each token with the bytes it covers in text: its piece where the text
 * has it; a piece with the space SentencePiece put before the text
 * covers the text without it; a control token the tokenizer added
 * (BOS) covers nothing.  Else the piece's length, as far as the text
 * goes.
 */
static int
infer_put_tokens(struct buf *b, const struct tok *tok,
    const struct infer_prompt *pr, const char *text, size_t len)
{
	char	 piece[INFER_PIECE_BYTES];
	size_t	 i, pos = 0, end, n;
	int	 r, k, spm = tok_kind(tok) == TOK_KIND_SPM;

	r = buf_put(b, "[", 1);
	for (i = 0; i < pr->pr_n && r == 0; i++) {
		if ((k = tok_piece(tok, pr->pr_ids[i], 1, piece,
		    sizeof(piece))) < 0)
			k = 0;
		n = (size_t)k;
		if (n > 0 && n <= len - pos &&
		    memcmp(text + pos, piece, n) == 0)
			end = pos + n;
		else if (spm && n > 0 && piece[0] == ' ' &&
		    n - 1 <= len - pos &&
		    memcmp(text + pos, piece + 1, n - 1) == 0)
			end = pos + n - 1;
		else if (tok_piece(tok, pr->pr_ids[i], 0, piece,
		    sizeof(piece)) == 0)
			end = pos;
		else
			end = n <= len - pos ? pos + n : len;
		r |= buf_putf(b, "%s{\"id\":%d,\"start\":%zu,\"end\":%zu,"
		    "\"piece\":", i > 0 ? "," : "", pr->pr_ids[i], pos, end);
		r |= infer_json_str(b, piece, n);
		r |= buf_put(b, "}", 1);
		pos = end;
	}
	if (r == 0)
		r = buf_put(b, "]", 1);
	explicit_bzero(piece, sizeof(piece));
	return r;
}

/* detokenize: the text of token ids, control tokens left out. */
static void
infer_detokenize(uint32_t id, const struct infer_model *im, json_t *doc)
{
	const struct tok	*tok = im->im_model->m_tok;
	struct tok_stream	 ts;
	struct buf		*text, *b;
	const json_t		*tokens, *v;
	json_int_t		 t;
	char			 out[INFER_PIECE_BYTES];
	size_t			 i;
	int			 n, r = 0;

	tokens = json_object_get(doc, "tokens");
	json_array_foreach(tokens, i, v) {
		t = json_integer_value(v);
		if (t < 0 || t >= tok_n_vocab(tok)) {
			infer_error(id, 400, "invalid_request_error", NULL,
			    "tokens", "Token %zu is outside the vocabulary "
			    "(0 to %u)", i, tok_n_vocab(tok) - 1);
			return;
		}
	}
	text = infer_doc_new();
	tok_stream_init(&ts, tok, 0);
	json_array_foreach(tokens, i, v) {
		if ((n = tok_stream_push(&ts, (int32_t)json_integer_value(v),
		    out, sizeof(out))) > 0)
			r |= buf_put(text, out, (size_t)n);
	}
	if ((n = tok_stream_flush(&ts, out, sizeof(out))) > 0)
		r |= buf_put(text, out, (size_t)n);
	b = infer_doc_new();
	r |= buf_putf(b, "{\"model\":");
	r |= infer_json_str(b, im->im_name, strlen(im->im_name));
	r |= buf_putf(b, ",\"content\":");
	r |= infer_json_str(b, buf_ptr(text), buf_len(text));
	r |= buf_put(b, "}", 1);
	if (r != 0)
		infer_error(id, 400, "invalid_request_error", NULL, "tokens",
		    "The text would be larger than %lu bytes", PROTO_MAX_DOC);
	else
		infer_reply_buf(id, INFER_REPLY_RESULT, b);
	buf_free(b);
	buf_free(text);
	explicit_bzero(out, sizeof(out));
	explicit_bzero(&ts, sizeof(ts));
}

/* models: every configured model, loaded or not, refused or not. */
static void
infer_models_list(uint32_t id)
{
	struct infer_model	*im;
	struct buf		*b;
	size_t			 i;
	int			 r;

	b = infer_doc_new();
	r = buf_putf(b, "{\"data\":[");
	for (i = 0; (im = infer_model_at(i)) != NULL; i++) {
		r |= buf_putf(b, "%s{\"id\":", i > 0 ? "," : "");
		r |= infer_json_str(b, im->im_name, strlen(im->im_name));
		r |= buf_putf(b, ",\"created\":%lld,\"size\":%llu,\"sha256\":",
		    (long long)im->im_mtime, (unsigned long long)im->im_size);
		if (im->im_sha256[0] != '\0')
			r |= infer_json_str(b, im->im_sha256,
			    strlen(im->im_sha256));
		else
			r |= buf_putf(b, "null");
		r |= buf_putf(b, ",\"loaded\":%s",
		    im->im_ctx != NULL ? "true" : "false");
		if (im->im_model == NULL) {
			r |= buf_putf(b, ",\"error\":");
			r |= infer_json_str(b, im->im_error,
			    strlen(im->im_error));
		}
		r |= buf_put(b, "}", 1);
	}
	r |= buf_putf(b, "]}");
	if (r != 0)
		fatalx_f("models list too long");
	infer_reply_buf(id, INFER_REPLY_RESULT, b);
	buf_free(b);
}

/*
 * embed: one pooled, L2-normalised vector per input.  Every input is
 * tokenized and checked before the first is computed.
 */
static void
infer_embed(struct infer_req *req)
{
	struct infer_model	*im = req->ir_im;
	struct infer_prompt	*prs = NULL;
	struct buf		*b = NULL;
	const json_t		*inputs;
	char			 err[MODEL_ERRLEN];
	float			*vec = NULL;
	uint32_t		 n_ctx = model_ctx_n_ctx(im->im_ctx);
	uint32_t		 n_embd = im->im_model->m_hp.hp_n_embd;
	uint64_t		 ntok = 0;
	size_t			 n = 0, i, j;
	double			 t0 = infer_now();
	int			 r;

	inputs = json_object_get(req->ir_doc, "inputs");
	/* Each number takes two bytes at least: "0,". */
	if (json_array_size(inputs) > PROTO_MAX_DOC / 2 / n_embd) {
		infer_error(req->ir_id, 400, "invalid_request_error", NULL,
		    "input", "Too many inputs: their embeddings would be "
		    "larger than %lu bytes", PROTO_MAX_DOC);
		return;
	}
	if (infer_inputs(req->ir_id, im, inputs, "input", &prs, &n) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (prs[i].pr_n <= n_ctx)
			continue;
		infer_error(req->ir_id, 400, "invalid_request_error",
		    "context_length_exceeded", "input", "This model's "
		    "maximum context length is %u tokens, but input %zu has "
		    "%zu tokens", n_ctx, i, prs[i].pr_n);
		goto out;
	}
	vec = xcalloc(n_embd, sizeof(*vec));
	b = infer_doc_new();
	r = buf_putf(b, "{\"model\":");
	r |= infer_json_str(b, im->im_name, strlen(im->im_name));
	r |= buf_putf(b, ",\"data\":[");
	for (i = 0; i < n && r == 0; i++) {
		/* model_embed starts from an empty cache and leaves it so. */
		infer_model_forget(im);
		if (model_embed(im->im_ctx, prs[i].pr_ids, prs[i].pr_n, vec,
		    err, sizeof(err)) != 0) {
			log_warnx("embed %u: model %s: %s", req->ir_id,
			    im->im_name, err);
			infer_error(req->ir_id, 500, "server_error", NULL,
			    NULL, "The model failed to compute an embedding");
			goto out;
		}
		ntok += prs[i].pr_n;
		r |= buf_putf(b, "%s[", i > 0 ? "," : "");
		for (j = 0; j < n_embd; j++)
			r |= buf_putf(b, "%s%.9g", j > 0 ? "," : "",
			    isfinite(vec[j]) ? vec[j] : 0.0);
		r |= buf_put(b, "]", 1);
	}
	r |= buf_putf(b, "],\"prompt_tokens\":%llu}", (unsigned long long)ntok);
	if (r != 0)
		infer_error(req->ir_id, 400, "invalid_request_error", NULL,
		    "input", "The embeddings would be larger than %lu bytes",
		    PROTO_MAX_DOC);
	else
		infer_reply_buf(req->ir_id, INFER_REPLY_RESULT, b);
	log_info("embed %u: model %s, %zu inputs, %llu tokens in %.1f ms",
	    req->ir_id, im->im_name, n, (unsigned long long)ntok,
	    (infer_now() - t0) * 1e3);
 out:
	buf_free(b);
	if (vec != NULL)
		freezero(vec, n_embd * sizeof(*vec));
	infer_prompts_free(prs, n);
}

/*
 * Generation.  infer_gen_start() checks what the request asks for and
 * tokenizes every prompt before anything is computed; then each turn of
 * the loop evaluates the prompt or the token sampled last, samples the
 * next one and sends its event.
 */
static int
infer_gen_start(struct infer_req *req)
{
	struct infer_gen	*g = &infer_gen;
	struct infer_model	*im = req->ir_im;
	size_t			 i, maxstop = 0;

	memset(g, 0, sizeof(*g));
	g->g_req = req;
	g->g_im = im;
	g->g_tok = im->im_model->m_tok;
	g->g_n_vocab = im->im_model->m_hp.hp_n_vocab;
	g->g_n_ctx = model_ctx_n_ctx(im->im_ctx);
	g->g_pending = -1;
	g->g_t0 = infer_now();
	if (infer_gen_params(g, req->ir_doc) != 0 ||
	    infer_gen_prompts(g, req->ir_doc) != 0) {
		infer_gen_end(g);
		return -1;
	}
	for (i = 0; i < g->g_nstops; i++)
		if (g->g_stops[i].st_len > maxstop)
			maxstop = g->g_stops[i].st_len;
	/* Held text is shorter than a stop string, then a piece comes. */
	g->g_holdmax = maxstop + INFER_PIECE_BYTES + 16;
	g->g_hold = xmalloc(g->g_holdmax);
	if ((g->g_ev = buf_new(PROTO_MAX_DOC)) == NULL)
		fatalx_f("buf_new");
	if (g->g_logprobs)
		g->g_raw = xcalloc(g->g_n_vocab, sizeof(*g->g_raw));
	if (g->g_n > 1) {
		g->g_start = xcalloc(g->g_n_vocab, sizeof(*g->g_start));
		g->g_work = xcalloc(g->g_n_vocab, sizeof(*g->g_work));
	}
	g->g_prefill = 1;
	return 0;
}

static double
infer_num(const json_t *doc, const char *name, double dflt)
{
	const json_t	*v;

	return (v = json_object_get(doc, name)) != NULL ?
	    json_number_value(v) : dflt;
}

/*
 * Sampling parameters; what the network child left out has OpenAI's
 * default.  Values out of range are the client's: an ERROR.
 */
static int
infer_gen_params(struct infer_gen *g, const json_t *doc)
{
	struct sampler_params	*sp = &g->g_sp;
	struct sampler		*smp;
	const json_t		*v, *e;
	uint32_t		 id = g->g_req->ir_id;
	size_t			 i;
	const char		*bad = NULL;

	sampler_defaults(sp);
	sp->sp_temp = infer_num(doc, "temperature", 1.0);
	sp->sp_top_p = infer_num(doc, "top_p", 1.0);
	sp->sp_min_p = infer_num(doc, "min_p", 0.0);
	sp->sp_presence_penalty = infer_num(doc, "presence_penalty", 0.0);
	sp->sp_freq_penalty = infer_num(doc, "frequency_penalty", 0.0);
	sp->sp_repeat_penalty = infer_num(doc, "repeat_penalty", 1.0);
	sp->sp_penalty_last_n = INFER_PENALTY_WINDOW;
	if ((v = json_object_get(doc, "top_k")) != NULL)
		sp->sp_top_k = json_integer_value(v) > UINT32_MAX ?
		    UINT32_MAX : (uint32_t)json_integer_value(v);
	if ((v = json_object_get(doc, "seed")) != NULL)
		sp->sp_seed = (uint64_t)json_integer_value(v);
	g->g_n = (v = json_object_get(doc, "n")) != NULL ?
	    (uint32_t)json_integer_value(v) : 1;
	g->g_max_tokens = (v = json_object_get(doc, "max_tokens")) != NULL ?
	    json_integer_value(v) : -1;
	g->g_logprobs = json_is_true(json_object_get(doc, "logprobs"));
	g->g_ignore_eos = json_is_true(json_object_get(doc, "ignore_eos"));
	if ((v = json_object_get(doc, "top_logprobs")) != NULL)
		g->g_top = (uint32_t)json_integer_value(v);
	if ((v = json_object_get(doc, "stop")) != NULL) {
		json_array_foreach(v, i, e) {
			g->g_stops[i].st_s = json_string_value(e);
			g->g_stops[i].st_len = json_string_length(e);
		}
		g->g_nstops = json_array_size(v);
	}
	if (infer_gen_bias(g, json_object_get(doc, "logit_bias")) != 0)
		return -1;
	if (!(sp->sp_temp >= 0))
		bad = "temperature";
	else if (!(sp->sp_top_p > 0 && sp->sp_top_p <= 1))
		bad = "top_p";
	else if (!(sp->sp_min_p >= 0 && sp->sp_min_p <= 1))
		bad = "min_p";
	else if (!(sp->sp_repeat_penalty > 0))
		bad = "repeat_penalty";
	else if (sampler_new(sp, g->g_n_vocab, &smp) != 0)
		bad = "";
	else
		sampler_free(smp);
	if (bad != NULL) {
		infer_error(id, 400, "invalid_request_error", NULL,
		    *bad != '\0' ? bad : NULL, "%s%sout of range", bad,
		    *bad != '\0' ? " is " : "A sampling parameter is ");
		return -1;
	}
	return 0;
}

/* logit_bias: [token id, bias] pairs for the sampler. */
static int
infer_gen_bias(struct infer_gen *g, const json_t *v)
{
	const json_t	*e;
	json_int_t	 t;
	size_t		 i;

	if (v == NULL || json_array_size(v) == 0)
		return 0;
	if (json_array_size(v) > SAMPLER_MAX_BIAS) {
		infer_error(g->g_req->ir_id, 400, "invalid_request_error",
		    NULL, "logit_bias", "logit_bias has more than %d entries",
		    SAMPLER_MAX_BIAS);
		return -1;
	}
	g->g_bias = xcalloc(json_array_size(v), sizeof(*g->g_bias));
	json_array_foreach(v, i, e) {
		t = json_integer_value(json_array_get(e, 0));
		if (t < 0 || t >= g->g_n_vocab) {
			infer_error(g->g_req->ir_id, 400,
			    "invalid_request_error", NULL, "logit_bias",
			    "logit_bias names a token outside the vocabulary "
			    "(0 to %u)", g->g_n_vocab - 1);
			return -1;
		}
		g->g_bias[i].sb_id = (int32_t)t;
		g->g_bias[i].sb_bias = json_number_value(json_array_get(e, 1));
	}
	g->g_sp.sp_bias = g->g_bias;
	g->g_sp.sp_nbias = json_array_size(v);
	return 0;
}

/*
 * The prompts' tokens, each leaving room in the context for at least
 * one token, and for max_tokens if given.
 */
static int
infer_gen_prompts(struct infer_gen *g, json_t *doc)
{
	struct infer_prompt	*pr;
	const char		*param;
	uint32_t		 id = g->g_req->ir_id;
	size_t			 i;

	if (json_object_get(doc, "messages") != NULL) {
		param = "messages";
		g->g_prompts = xcalloc(1, sizeof(*g->g_prompts));
		g->g_nprompts = 1;
		if (infer_chat_tokens(id, g->g_im,
		    json_object_get(doc, "messages"),
		    json_object_get(doc, "tools"), 1, g->g_prompts, NULL,
		    NULL) != 0)
			return -1;
		if (g->g_prompts[0].pr_n == 0) {
			infer_error(id, 400, "invalid_request_error", NULL,
			    param, "The conversation gives an empty prompt");
			return -1;
		}
	} else {
		param = "prompt";
		if (infer_inputs(id, g->g_im, json_object_get(doc, "prompts"),
		    param, &g->g_prompts, &g->g_nprompts) != 0)
			return -1;
	}
	for (i = 0; i < g->g_nprompts; i++) {
		pr = &g->g_prompts[i];
		if (pr->pr_n >= g->g_n_ctx) {
			infer_error(id, 400, "invalid_request_error",
			    "context_length_exceeded", param, "This model's "
			    "maximum context length is %u tokens, but the "
			    "prompt has %zu tokens", g->g_n_ctx, pr->pr_n);
			return -1;
		}
		if (g->g_max_tokens > 0 &&
		    (uint64_t)g->g_max_tokens > g->g_n_ctx - pr->pr_n) {
			infer_error(id, 400, "invalid_request_error",
			    "context_length_exceeded", "max_tokens", "This "
			    "model's maximum context length is %u tokens; "
			    "the prompt has %zu, which leaves room for %zu, "
			    "but max_tokens is %lld", g->g_n_ctx, pr->pr_n,
			    g->g_n_ctx - pr->pr_n,
			    (long long)g->g_max_tokens);
			return -1;
		}
	}
	return 0;
}

/*
 * Evaluate the current prompt in one pass.  What the KV cache holds
 * already (the longest common prefix with the tokens it was filled
 * with) is kept; the last prompt token is always evaluated, for its
 * logits.
 */
static int
infer_gen_prefill(struct infer_gen *g)
{
	struct infer_model	*im = g->g_im;
	struct infer_prompt	*pr = &g->g_prompts[g->g_prompt];
	char			 err[MODEL_ERRLEN];
	size_t			 k = 0, lim;
	double			 t0 = infer_now();

	lim = im->im_ncache < model_ctx_n_past(im->im_ctx) ?
	    im->im_ncache : model_ctx_n_past(im->im_ctx);
	while (k < lim && k < pr->pr_n && im->im_cache[k] == pr->pr_ids[k])
		k++;
	if (k == pr->pr_n)
		k--;
	model_ctx_truncate(im->im_ctx, (uint32_t)k);
	im->im_ncache = (uint32_t)k;
	if (model_eval(im->im_ctx, pr->pr_ids + k, pr->pr_n - k, NULL, err,
	    sizeof(err)) != 0) {
		infer_model_forget(im);
		log_warnx("generate %u: model %s: %s", g->g_req->ir_id,
		    im->im_name, err);
		infer_error(g->g_req->ir_id, 500, "server_error", NULL, NULL,
		    "The model failed to evaluate the prompt");
		infer_gen_end(g);
		return -1;
	}
	memcpy(im->im_cache + k, pr->pr_ids + k,
	    (pr->pr_n - k) * sizeof(*im->im_cache));
	im->im_ncache = (uint32_t)pr->pr_n;
	g->g_prefill_ms += (infer_now() - t0) * 1e3;
	g->g_reused += k;
	g->g_prompt_tokens += pr->pr_n;
	g->g_logits = (float *)model_ctx_logits(im->im_ctx);
	if (g->g_n > 1)
		memcpy(g->g_start, g->g_logits,
		    g->g_n_vocab * sizeof(*g->g_start));
	g->g_max = g->g_max_tokens > 0 ? (uint32_t)g->g_max_tokens :
	    g->g_n_ctx - (uint32_t)pr->pr_n;
	g->g_prefill = 0;
	g->g_choice = 0;
	infer_choice_start(g);
	return 0;
}

/*
 * A choice starts from the prompt's logits (a copy after the first
 * choice, whose tokens are cut from the cache again), with a sampler
 * seeded seed + i that has seen the end of the prompt.
 */
static void
infer_choice_start(struct infer_gen *g)
{
	struct infer_model	*im = g->g_im;
	struct infer_prompt	*pr = &g->g_prompts[g->g_prompt];
	struct sampler_params	 sp = g->g_sp;
	size_t			 i;

	if (g->g_choice > 0) {
		model_ctx_truncate(im->im_ctx, (uint32_t)pr->pr_n);
		im->im_ncache = (uint32_t)pr->pr_n;
		memcpy(g->g_work, g->g_start,
		    g->g_n_vocab * sizeof(*g->g_work));
		g->g_logits = g->g_work;
	}
	sp.sp_seed += g->g_choice;
	if (sampler_new(&sp, g->g_n_vocab, &g->g_smp) != 0)
		fatalx_f("sampler_new");
	i = pr->pr_n > INFER_PENALTY_WINDOW ?
	    pr->pr_n - INFER_PENALTY_WINDOW : 0;
	for (; i < pr->pr_n; i++)
		sampler_accept(g->g_smp, pr->pr_ids[i]);
	/*
	 * The text continues the prompt: keep the space of the first
	 * piece, which a stream would drop as the start of a text.
	 */
	tok_stream_init(&g->g_ts, g->g_tok, 0);
	g->g_ts.ts_started = 1;
	g->g_ntok = 0;
	g->g_nhold = 0;
	g->g_pending = -1;
}

/* One turn: the prompt or the last token evaluated, a token sampled. */
static void
infer_gen_step(void)
{
	struct infer_gen	*g = &infer_gen;
	struct infer_model	*im = g->g_im;
	char			 err[MODEL_ERRLEN];

	if (g->g_req->ir_cancelled) {
		log_info("generate %u: model %s, cancelled after %llu tokens",
		    g->g_req->ir_id, im->im_name,
		    (unsigned long long)g->g_completion_tokens);
		infer_gen_end(g);
		return;
	}
	if (g->g_prefill) {
		if (infer_gen_prefill(g) != 0)
			return;
	} else if (g->g_pending >= 0) {
		if (model_eval(im->im_ctx, &g->g_pending, 1, NULL, err,
		    sizeof(err)) != 0) {
			infer_model_forget(im);
			log_warnx("generate %u: model %s: %s",
			    g->g_req->ir_id, im->im_name, err);
			infer_error(g->g_req->ir_id, 500, "server_error",
			    NULL, NULL, "The model failed to evaluate a token");
			infer_gen_end(g);
			return;
		}
		im->im_cache[im->im_ncache++] = g->g_pending;
		g->g_pending = -1;
		g->g_logits = (float *)model_ctx_logits(im->im_ctx);
	}
	infer_gen_token(g);
}

/*
 * Sample a token and send what it adds: its text, less what may begin a
 * stop string, and its logprobs.  It ends the choice if it is an end of
 * generation (whose text is not sent), completes a stop string (whose
 * text and what follows are not sent) or is the last one allowed.
 */
static void
infer_gen_token(struct infer_gen *g)
{
	size_t	send;
	int32_t	id;
	int	n, stopped;

	if (g->g_logprobs)
		memcpy(g->g_raw, g->g_logits, g->g_n_vocab * sizeof(*g->g_raw));
	id = sampler_sample(g->g_smp, g->g_logits);
	sampler_accept(g->g_smp, id);
	g->g_ntok++;
	g->g_completion_tokens++;
	if (tok_is_eog(g->g_tok, id) && !g->g_ignore_eos) {
		if ((n = tok_stream_flush(&g->g_ts, g->g_hold + g->g_nhold,
		    g->g_holdmax - g->g_nhold)) > 0)
			g->g_nhold += (size_t)n;
		infer_choice_end(g, "stop", g->g_nhold, 0);
		return;
	}
	if (g->g_logprobs)
		infer_gen_logprobs(g, id);
	if ((n = tok_stream_push(&g->g_ts, id, g->g_hold + g->g_nhold,
	    g->g_holdmax - g->g_nhold)) > 0)
		g->g_nhold += (size_t)n;
	if (g->g_ntok >= g->g_max) {
		if ((n = tok_stream_flush(&g->g_ts, g->g_hold + g->g_nhold,
		    g->g_holdmax - g->g_nhold)) > 0)
			g->g_nhold += (size_t)n;
		send = infer_stop_scan(g, &stopped);
		infer_choice_end(g, stopped ? "stop" : "length",
		    stopped ? send : g->g_nhold, g->g_logprobs);
		return;
	}
	send = infer_stop_scan(g, &stopped);
	if (stopped) {
		infer_choice_end(g, "stop", send, g->g_logprobs);
		return;
	}
	if (send > 0 || g->g_logprobs)
		infer_gen_event(g, send, g->g_logprobs, NULL);
	memmove(g->g_hold, g->g_hold + send, g->g_nhold - send);
	g->g_nhold -= send;
	g->g_pending = id;
}

/*
 * How much of the held text can be sent: all of it but the longest end
 * that begins a stop string; or, if a stop string is in it, what comes
 * before the first one (*stopped set).
 */
static size_t
infer_stop_scan(struct infer_gen *g, int *stopped)
{
	const struct infer_stop	*st;
	const char		*p;
	size_t			 i, k, first = SIZE_MAX, keep = 0;

	*stopped = 0;
	for (i = 0; i < g->g_nstops; i++) {
		st = &g->g_stops[i];
		p = memmem(g->g_hold, g->g_nhold, st->st_s, st->st_len);
		if (p != NULL && (size_t)(p - g->g_hold) < first)
			first = (size_t)(p - g->g_hold);
	}
	if (first != SIZE_MAX) {
		*stopped = 1;
		return first;
	}
	for (i = 0; i < g->g_nstops; i++) {
		st = &g->g_stops[i];
		k = st->st_len - 1 < g->g_nhold ? st->st_len - 1 : g->g_nhold;
		for (; k > keep; k--) {
			if (memcmp(g->g_hold + g->g_nhold - k, st->st_s,
			    k) == 0) {
				keep = k;
				break;
			}
		}
	}
	return g->g_nhold - keep;
}

/*
 * Log-probabilities of the sampled token and the most likely ones,
 * from the model's logits before bias, penalties and temperature.
 */
static void
infer_gen_logprobs(struct infer_gen *g, int32_t id)
{
	struct infer_lp	*lp = &g->g_lp;
	const float	*l = g->g_raw;
	double		 sum = 0, logz;
	float		 max = -INFINITY;
	uint32_t	 i, j;

	for (i = 0; i < g->g_n_vocab; i++)
		if (l[i] > max)
			max = l[i];
	for (i = 0; i < g->g_n_vocab && isfinite(max); i++)
		if (l[i] > -INFINITY)
			sum += expf(l[i] - max);
	logz = max + log(sum);
	lp->lp_id = id;
	lp->lp_val = l[id] - logz;
	lp->lp_ntop = 0;
	for (i = 0; i < g->g_n_vocab && g->g_top > 0; i++) {
		if (!(l[i] > -INFINITY) || (lp->lp_ntop == g->g_top &&
		    l[i] <= lp->lp_topval[lp->lp_ntop - 1]))
			continue;
		j = lp->lp_ntop < g->g_top ? lp->lp_ntop++ : lp->lp_ntop - 1;
		for (; j > 0 && lp->lp_topval[j - 1] < l[i]; j--) {
			lp->lp_top[j] = lp->lp_top[j - 1];
			lp->lp_topval[j] = lp->lp_topval[j - 1];
		}
		lp->lp_top[j] = (int32_t)i;
		lp->lp_topval[j] = l[i];
	}
	for (j = 0; j < lp->lp_ntop; j++)
		lp->lp_topval[j] -= logz;
}

/* {"token", "bytes", "logprob" of one token, left open. */
static int
infer_put_logprob(struct buf *b, const struct tok *tok, int32_t id,
    double val)
{
	char	piece[INFER_PIECE_BYTES];
	int	n, j, r;

	if ((n = tok_piece(tok, id, 1, piece, sizeof(piece))) < 0)
		n = 0;
	r = buf_putf(b, "{\"token\":");
	r |= infer_json_str(b, piece, (size_t)n);
	r |= buf_putf(b, ",\"bytes\":[");
	for (j = 0; j < n; j++)
		r |= buf_putf(b, "%s%u", j > 0 ? "," : "", (u_char)piece[j]);
	r |= buf_putf(b, "],\"logprob\":%.9g",
	    isfinite(val) ? val : INFER_LOGPROB_FLOOR);
	return r;
}

/* An EVENT with the first len held bytes, logprobs and finish reason. */
static void
infer_gen_event(struct infer_gen *g, size_t len, int with_lp,
    const char *finish)
{
	struct buf	*b = g->g_ev;
	struct infer_lp	*lp = &g->g_lp;
	uint32_t	 j;
	int		 r;

	(void)buf_consume(b, buf_len(b));
	r = buf_putf(b, "{\"index\":%zu,\"text\":",
	    g->g_prompt * g->g_n + g->g_choice);
	r |= infer_json_str(b, g->g_hold, len);
	if (with_lp) {
		r |= buf_putf(b, ",\"logprobs\":[");
		r |= infer_put_logprob(b, g->g_tok, lp->lp_id, lp->lp_val);
		r |= buf_putf(b, ",\"top_logprobs\":[");
		for (j = 0; j < lp->lp_ntop; j++) {
			r |= buf_putf(b, "%s", j > 0 ? "," : "");
			r |= infer_put_logprob(b, g->g_tok, lp->lp_top[j],
			    lp->lp_topval[j]);
			r |= buf_put(b, "}", 1);
		}
		r |= buf_putf(b, "]}]");
	}
	if (finish != NULL)
		r |= buf_putf(b, ",\"finish_reason\":\"%s\"", finish);
	r |= buf_put(b, "}", 1);
	if (r != 0)
		fatalx_f("event too large");
	infer_reply_buf(g->g_req->ir_id, INFER_REPLY_EVENT, b);
}

/*
 * The last event of a choice; then the next choice, the next prompt,
 * or the RESULT.
 */
static void
infer_choice_end(struct infer_gen *g, const char *finish, size_t len,
    int with_lp)
{
	struct buf	*b;
	double		 ms;
	int		 r;

	infer_gen_event(g, len, with_lp, finish);
	g->g_finish = finish;
	explicit_bzero(g->g_hold, g->g_holdmax);
	g->g_nhold = 0;
	sampler_free(g->g_smp);
	g->g_smp = NULL;
	if (++g->g_choice < g->g_n) {
		infer_choice_start(g);
		return;
	}
	if (++g->g_prompt < g->g_nprompts) {
		g->g_prefill = 1;
		return;
	}
	b = infer_doc_new();
	r = buf_putf(b, "{\"model\":");
	r |= infer_json_str(b, g->g_im->im_name, strlen(g->g_im->im_name));
	r |= buf_putf(b, ",\"prompt_tokens\":%llu,\"completion_tokens\":%llu}",
	    (unsigned long long)g->g_prompt_tokens,
	    (unsigned long long)g->g_completion_tokens);
	if (r != 0)
		fatalx_f("result too large");
	infer_reply_buf(g->g_req->ir_id, INFER_REPLY_RESULT, b);
	buf_free(b);
	ms = (infer_now() - g->g_t0) * 1e3 - g->g_prefill_ms;
	log_info("generate %u: model %s, %llu prompt tokens (%llu reused) "
	    "in %.1f ms, %llu tokens in %.1f ms (%.1f tokens/s), finish %s",
	    g->g_req->ir_id, g->g_im->im_name,
	    (unsigned long long)g->g_prompt_tokens,
	    (unsigned long long)g->g_reused, g->g_prefill_ms,
	    (unsigned long long)g->g_completion_tokens, ms,
	    ms > 0 ? g->g_completion_tokens * 1e3 / ms : 0.0, finish);
	infer_gen_end(g);
}

/* The generation is over (done, failed or cancelled): free it all. */
static void
infer_gen_end(struct infer_gen *g)
{
	struct infer_req	*req = g->g_req;
	size_t			 nv = g->g_n_vocab;

	sampler_free(g->g_smp);
	infer_prompts_free(g->g_prompts, g->g_nprompts);
	free(g->g_bias);
	if (g->g_hold != NULL)
		freezero(g->g_hold, g->g_holdmax);
	if (g->g_raw != NULL)
		freezero(g->g_raw, nv * sizeof(*g->g_raw));
	if (g->g_start != NULL)
		freezero(g->g_start, nv * sizeof(*g->g_start));
	if (g->g_work != NULL)
		freezero(g->g_work, nv * sizeof(*g->g_work));
	buf_free(g->g_ev);
	explicit_bzero(g, sizeof(*g));
	infer_req_free(req);
}
