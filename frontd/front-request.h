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

#ifndef POWER_FRONT_REQUEST_H
#define POWER_FRONT_REQUEST_H

/*
 * The OpenAI-compatible API as pure functions, without libevent or I/O:
 * check a client's JSON body and build the document inferd gets
 * (PROTOCOL section 3) or the OpenAI error to answer; check inferd's
 * replies; build the JSON and server-sent events the client gets.
 * Unit-tested in tests/unit/test_request.c, fuzzed by fuzz-request.
 */

#define REQ_MAX_N		16	/* choices per prompt */
#define REQ_MAX_STOP		4	/* stop strings */
#define REQ_MAX_INPUTS		2048	/* prompts, inputs */
#define REQ_MAX_CHOICES		2048	/* n x prompts */
#define REQ_MAX_TOP_LOGPROBS	20	/* chat top_logprobs */
#define REQ_MAX_LEGACY_LOGPROBS	5	/* completions logprobs */
#define REQ_MAX_TOKEN_ID	INT32_MAX
#define REQ_MAX_TOKENS		INT32_MAX	/* max_tokens */
#define REQ_MAX_MODEL_BYTES	256	/* longest model name accepted */
#define REQ_SEED_MAX		(1ULL << 53)	/* seeds: 0 .. 2^53 */
#define REQ_ERR_PARAM_BYTES	64
#define REQ_ERR_TEXT_BYTES	256
#define REQ_ERR_WORD_BYTES	48	/* an error's type or code */
#define REQ_JSON_FLAGS		(JSON_COMPACT | JSON_REAL_PRECISION(9))

#define REQ_FINGERPRINT		"fp_power_" PACKAGE_VERSION

/* The endpoints that take a JSON body. */
enum req_endpoint {
	REQ_EP_CHAT = 0,	/* POST /v1/chat/completions */
	REQ_EP_COMPLETION,	/* POST /v1/completions */
	REQ_EP_EMBEDDING,	/* POST /v1/embeddings */
	REQ_EP_TOKENIZE,	/* POST /v1/tokenize */
	REQ_EP_DETOKENIZE,	/* POST /v1/detokenize */
	REQ_EP_MAX
};

/* The op of an INFER_REQUEST. */
enum req_op {
	REQ_OP_GENERATE = 1,
	REQ_OP_EMBED,
	REQ_OP_TOKENIZE,
	REQ_OP_DETOKENIZE,
	REQ_OP_MODELS,
};

/* The kinds of INFER_REPLY. */
enum req_kind {
	REQ_KIND_EVENT = 1,
	REQ_KIND_RESULT,
	REQ_KIND_ERROR,
};

/* An OpenAI error: {"error":{"message","type","param","code"}}. */
struct req_error {
	int	re_status;
	char	re_type[REQ_ERR_WORD_BYTES];
	char	re_code[REQ_ERR_WORD_BYTES];	/* "": null */
	char	re_param[REQ_ERR_PARAM_BYTES];	/* "": null */
	char	re_message[REQ_ERR_TEXT_BYTES];
};

/* A checked client request. */
struct req {
	enum req_endpoint rq_ep;
	enum req_op	 rq_op;
	json_t		*rq_doc;	/* the document for inferd */
	const char	*rq_model;	/* in rq_doc */
	int		 rq_stream;
	int		 rq_usage;	/* stream_options.include_usage */
	int		 rq_logprobs;	/* token logprobs wanted */
	int		 rq_base64;	/* embeddings as base64 */
	size_t		 rq_n;
	size_t		 rq_nprompts;	/* 1 for chat */
	size_t		 rq_nchoices;	/* rq_n x rq_nprompts */
	size_t		 rq_ninputs;	/* embedding inputs */
};

/* One choice of a generation as the network child collects it. */
struct req_choice {
	struct buf	*rc_text;	/* the text (not streaming) */
	json_t		*rc_logprobs;	/* token entries, or NULL */
	const char	*rc_finish;	/* NULL while it runs */
	size_t		 rc_offset;	/* text_offset so far */
	int		 rc_started;	/* streaming: first chunk sent */
};

/* A checked EVENT; the pointers borrow from the document. */
struct req_event {
	size_t		 ev_index;
	const char	*ev_text;
	size_t		 ev_textlen;
	json_t		*ev_logprobs;	/* NULL: none */
	const char	*ev_finish;	/* NULL: more follow */
};

/* What a streamed chunk says about its choice. */
enum req_delta {
	REQ_DELTA_ROLE,		/* chat: the assistant role */
	REQ_DELTA_TEXT,		/* the text and logprobs */
	REQ_DELTA_FINISH,	/* empty delta and finish_reason */
};

/* front-request.c: client requests */
int	 req_parse(enum req_endpoint, const void *, size_t, uint64_t seed,
	    struct req *, struct req_error *);
void	 req_clear(struct req *);
uint64_t req_seed_fold(json_int_t);
int	 req_set_error(struct req_error *, int, const char *, const char *,
	    const char *, const char *, ...)
	    __attribute__((format(printf, 6, 7)));
json_t	*req_error_json(const struct req_error *);

/* front-request.c: inferd's replies (-1 and *why: a violation) */
int	 req_check_event(const json_t *, const struct req *,
	    struct req_event *, const char **why);
int	 req_check_result(const json_t *, const struct req *,
	    const char **why);
int	 req_check_models(const json_t *, const char **why);
int	 req_check_error(const json_t *, struct req_error *,
	    const char **why);

/* front-request.c: answers */
json_t	*req_reply_generate(const struct req *, const char *id,
	    int64_t created, struct req_choice *, const json_t *result);
json_t	*req_reply_embed(const struct req *, const json_t *result);
json_t	*req_reply_tokenize(const struct req *, const json_t *result);
json_t	*req_reply_models(const json_t *result, const char *id);
int	 req_model_refused(const json_t *result, const char *id);
json_t	*req_legacy_logprobs(const json_t *entries, size_t *offset);
int	 req_sse_head(struct buf *, const struct req *, const char *id,
	    int64_t created);
int	 req_sse_choice(struct buf *, const struct req *, const struct buf *,
	    struct req_choice *, size_t, enum req_delta,
	    const struct req_event *);
int	 req_sse_usage(struct buf *, const struct buf *, const json_t *);
int	 req_sse_error(struct buf *, const struct req_error *);
int	 req_json_string(struct buf *, const char *, size_t);
int	 req_base64(struct buf *, const u_char *, size_t);

#endif /* POWER_FRONT_REQUEST_H */
