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

#ifndef POWER_INFERD_H
#define POWER_INFERD_H

/* inferd: the sandboxed inference worker. */

#define INFER_MAX_MODELS	32	/* models one inferd holds */
#define INFER_MAX_THREADS	256	/* RLIMIT_NPROC for our uid */
#define INFER_MAX_QUEUE		4097	/* generate, embed requests open */
#define INFER_MAX_CHOICES	16	/* n */
#define INFER_MAX_STOPS		4	/* stop strings */
#define INFER_MAX_TOP		20	/* top_logprobs */
#define INFER_MAX_SEED		(1LL << 53)
#define INFER_MAX_CHUNKS	65536	/* of a streamed model, as .enc */

/* INFER_REQUEST operations and INFER_REPLY kinds (PROTOCOL 3). */
enum infer_op {
	INFER_OP_GENERATE = 1,
	INFER_OP_EMBED,
	INFER_OP_TOKENIZE,
	INFER_OP_DETOKENIZE,
	INFER_OP_MODELS
};

enum infer_reply {
	INFER_REPLY_EVENT = 1,
	INFER_REPLY_RESULT,
	INFER_REPLY_ERROR
};

struct event;
struct event_base;
struct gguf;
struct model;
struct model_ctx;
struct infer_stream;
struct proc_handler;
struct proc_peer;
struct proto_msg;
struct tmpl;

/*
 * A configured model.  Checked (im_model set) once its file passed the
 * engine's checks and its chat template rendered; loaded (im_ctx set)
 * while it has a context and KV cache.  im_cache records the tokens
 * whose keys and values the cache holds, so that a prompt sharing a
 * prefix with the previous one evaluates only the rest.
 */
struct infer_model {
	char		*im_name;
	char		*im_path;	/* for messages: never opened */
	char		*im_sha256;	/* keyd computed it: hex, or "" */
	int		 im_fd;		/* from keyd: file or sealed memfd */
	struct infer_stream *im_stream;	/* or streamed from keyd */
	uint64_t	 im_size;	/* plaintext bytes, as keyd saw */
	int64_t		 im_mtime;	/* of the file on disk */
	struct gguf	*im_gguf;	/* NULL if refused */
	struct model	*im_model;	/* bound weights and tokenizer */
	struct tmpl	*im_tmpl;	/* chat template */
	int		 im_chatml;	/* none in the file: ChatML */
	char		*im_bos_text;	/* for the template */
	char		*im_eos_text;
	struct model_ctx *im_ctx;	/* context and KV cache, if loaded */
	int32_t		*im_cache;	/* tokens in the KV cache */
	uint32_t	 im_ncache;
	uint32_t	 im_busy;	/* requests queued or running */
	uint64_t	 im_lastuse;	/* LRU clock at the last use */
	struct event	*im_idle;	/* KeepAlive timer */
	char		*im_error;	/* why it was refused */
	int		 im_unverified;	/* keyd refused it */
};

/* inferd.c */
struct infer_model *infer_model_find(const char *, size_t);
struct infer_model *infer_model_at(size_t);	/* NULL past the end */
int	infer_model_ready(struct infer_model *, char *, size_t);
void	infer_model_hold(struct infer_model *);
void	infer_model_release(struct infer_model *);
void	infer_model_forget(struct infer_model *);
int	infer_models_verified(void);

/* infer-doc.c: 0, or -1 with why naming the member at fault. */
struct json_t;
int	infer_doc_check(uint32_t op, struct json_t *, char *why,
	    size_t whylen);

/* infer-serve.c */
void	infer_serve_init(struct event_base *, struct proc_peer *);
void	infer_dispatch_request(struct proc_peer *, struct proto_msg *);
void	infer_dispatch_cancel(struct proc_peer *, struct proto_msg *);
int	infer_serve_between(struct proc_peer *, const char *);
void	infer_serve_drop(void);
int	infer_tmpl_check(struct infer_model *, char *, size_t);

/* infer-stream.c */
void	infer_stream_init(struct event_base *, struct proc_peer *,
	    const struct proc_handler *);
struct infer_stream *infer_stream_parse(struct proc_peer *,
	    struct proto_msg *, uint32_t model, uint64_t size);
void	infer_stream_free(struct infer_stream *);
int	infer_stream_same(struct infer_stream *, const struct infer_stream *);
int	infer_stream_open(struct infer_model *, char *, size_t);
int	infer_stream_fetch(void *, uint32_t, int);
int	infer_stream_defer(struct proc_peer *, struct proto_msg *);
void	infer_stream_dispatch_chunk(struct proc_peer *, struct proto_msg *);

/* infer-filter.c */
extern const struct sandbox_rule	infer_filter[];
extern const size_t			infer_filter_len;

/* infer-test.c */
void	infer_test_init(int parentfd, const struct proc_peer *keyd);

#endif /* POWER_INFERD_H */
