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

#ifndef POWER_MODEL_H
#define POWER_MODEL_H

/*
 * A model: hyper-parameters and weights bound from an open GGUF
 * (model.c), a context with its KV cache (kv.c) and the forward pass
 * (forward.c).  Everything a context needs is allocated when it is
 * made; evaluating tokens allocates nothing.
 *
 * Library code: 0 or a negative PWR_ERR_*; err gets the reason.
 */

#define MODEL_MAX_LAYERS	512
#define MODEL_MAX_EMBD		65536
#define MODEL_MAX_FF		(1U << 18)
#define MODEL_MAX_HEADS		1024
#define MODEL_MAX_HEAD_DIM	1024
#define MODEL_MAX_VOCAB		(1U << 21)
#define MODEL_MAX_CTX		(1U << 20)
#define MODEL_ERRLEN		256

enum model_arch {
	MODEL_ARCH_LLAMA = 1,
	MODEL_ARCH_QWEN2
};

struct model_hparams {
	enum model_arch	 hp_arch;
	const char	*hp_arch_name;
	uint32_t	 hp_n_vocab;
	uint32_t	 hp_n_ctx_train;
	uint32_t	 hp_n_embd;
	uint32_t	 hp_n_ff;
	uint32_t	 hp_n_layer;
	uint32_t	 hp_n_head;
	uint32_t	 hp_n_head_kv;
	uint32_t	 hp_head_dim;		/* key_length */
	uint32_t	 hp_rope_dims;		/* rotated dims per head */
	int		 hp_rope_neox;		/* pairs (i, i + d/2) */
	float		 hp_rope_base;
	float		 hp_rope_freq_scale;	/* 1 / linear factor */
	float		 hp_rms_eps;
	uint32_t	 hp_pooling;		/* enum model_pooling */
};

/* One weight tensor as the kernels see it: rows of ne0 values. */
struct model_weight {
	const char	*w_name;
	uint32_t	 w_type;		/* enum gguf_ttype */
	uint32_t	 w_ncols;		/* ne0: inputs */
	uint32_t	 w_nrows;		/* ne1: outputs (1 for vectors) */
	size_t		 w_rowbytes;
	const void	*w_data;
};

#define MODEL_LAYER_WEIGHTS	12	/* members of struct model_layer */

struct model_layer {
	struct model_weight	 l_attn_norm;
	struct model_weight	 l_wq, l_wk, l_wv, l_wo;
	struct model_weight	 l_bq, l_bk, l_bv;	/* w_data NULL: none */
	struct model_weight	 l_ffn_norm;
	struct model_weight	 l_gate, l_up, l_down;
};

struct gguf;
struct tok;

struct model {
	struct model_hparams	 m_hp;
	struct gguf		*m_gguf;	/* not owned */
	struct tok		*m_tok;
	struct model_weight	 m_tok_embd;
	struct model_weight	 m_out_norm;
	struct model_weight	 m_output;	/* the embedding when tied */
	int			 m_tied;
	struct model_layer	*m_layers;
	uint64_t		 m_types;	/* bit per tensor type used */
};

/*
 * Bind the tensors of an open GGUF (kept open by the caller until
 * model_free), read its tokenizer and run the kernels' self-test for
 * every tensor type the model uses.  Unsupported architectures, tensor
 * types, shapes or missing tensors are refused by name.
 */
int	 model_load(struct gguf *, struct model **, char *err, size_t errlen);
void	 model_free(struct model *);
const char *model_arch_name(const struct model *);

#define MODEL_DEFAULT_BATCH	256
#define MODEL_STREAM_MIN_UNIT	(1U << 20)	/* classifier chunk floor */
#define MODEL_MAX_BATCH		4096

/*
 * A layer source: cp_fetch(arg, il, 1) before layer il's weights are
 * read, cp_fetch(arg, il, 0) once the pass is done with them.  The
 * callback puts the bytes in place and takes them away (the engine then
 * neither reads nor advises that memory outside the two calls); 0, or
 * -1 and the pass fails.  It replaces cp_stream.  NULL: the weights are
 * always there.
 */
typedef int (*model_fetch_cb)(void *arg, uint32_t layer, int acquire);

struct model_ctx_params {
	uint32_t	 cp_n_ctx;		/* 0: the model's */
	uint64_t	 cp_mem_budget;		/* KV bytes; 0: no limit */
	uint32_t	 cp_kv_type;		/* GGUF_TYPE_F16 or GGUF_TYPE_F32 */
	uint32_t	 cp_n_threads;		/* 0: 1 */
	uint32_t	 cp_n_batch;		/* prompt tokens per pass */
	int		 cp_stream;		/* release weights per layer */
	model_fetch_cb	 cp_fetch;		/* layer source, or NULL */
	void		*cp_fetch_arg;
};

/* Where a context spends its time (model_ctx_stats). */
enum model_stage {
	MODEL_STAGE_ATTN,		/* norm, Q/K/V, RoPE, attention, Wo */
	MODEL_STAGE_FFN,		/* norm, gate, up, SwiGLU, down */
	MODEL_STAGE_OUTPUT,		/* final norm and classifier */
	MODEL_STAGE_OTHER,		/* embedding, streaming */
	MODEL_STAGE__MAX
};

struct model_stats {
	uint64_t	 ms_ns[MODEL_STAGE__MAX];
	uint64_t	 ms_tokens;		/* tokens evaluated */
	uint64_t	 ms_passes;		/* model_eval passes */
};

struct model_ctx;

void	 model_ctx_defaults(struct model_ctx_params *);
/* n_ctx = min(model, cp_n_ctx, what cp_mem_budget holds). */
int	 model_ctx_new(const struct model *, const struct model_ctx_params *,
	    struct model_ctx **, char *err, size_t errlen);
void	 model_ctx_free(struct model_ctx *);
uint32_t model_ctx_n_ctx(const struct model_ctx *);
uint32_t model_ctx_n_past(const struct model_ctx *);
/* Forget the sequence (positions restart at 0). */
void	 model_ctx_reset(struct model_ctx *);

/*
 * Evaluate n tokens at positions n_past ... n_past + n - 1.  The logits
 * of the last one are left in model_ctx_logits(); if all is not NULL,
 * every token's n_vocab logits are written there, row after row.
 * PWR_ERR_RANGE (with err) if the context would overflow or a token id
 * is out of range; nothing is evaluated then.  PWR_ERR_NOT_FOUND (with
 * err) if cp_fetch failed: the sequence is left where it was, but the
 * KV cache of the positions tried may hold junk until overwritten.
 */
int	 model_eval(struct model_ctx *, const int32_t *tokens, size_t n,
	    float *all, char *err, size_t errlen);
const float *model_ctx_logits(const struct model_ctx *);
/*
 * Keep the first n positions of the sequence (n <= n_past): the next
 * token is evaluated at position n, over the cache of those before.
 */
void	 model_ctx_truncate(struct model_ctx *, uint32_t n);

/* How an embedding pools the hidden states of its tokens. */
enum model_pooling {
	MODEL_POOLING_MEAN = 1,
	MODEL_POOLING_CLS,		/* the first token */
	MODEL_POOLING_LAST		/* the last token */
};

/* The GGUF's <arch>.pooling_type (1 mean, 2 cls, 3 last); else mean. */
enum model_pooling model_pooling(const struct model *);
/*
 * An embedding: the context is reset, the n tokens evaluated from
 * position 0 without the classifier, their final-norm hidden states
 * pooled and L2-normalised into out (n_embd floats).  The context is
 * left reset.  Errors as model_eval (PWR_ERR_RANGE with err).
 */
int	 model_embed(struct model_ctx *, const int32_t *tokens, size_t n,
	    float *out, char *err, size_t errlen);
uint32_t model_ctx_threads(const struct model_ctx *);
uint32_t model_ctx_batch(const struct model_ctx *);
int	 model_ctx_streaming(const struct model_ctx *);

/* Per-stage timing (off by default: it costs clock reads). */
void	 model_ctx_set_timing(struct model_ctx *, int on);
void	 model_ctx_stats(const struct model_ctx *, struct model_stats *);
void	 model_ctx_stats_reset(struct model_ctx *);

/*
 * Bytes one decode step reads from memory: every weight matrix and
 * norm it multiplies, one embedding row and the KV cache up to n_past.
 * The bandwidth bound is this divided by the read bandwidth.
 */
uint64_t model_ctx_decode_bytes(const struct model_ctx *);
/*
 * The bytes of the model's mapping that layer il's weights span, for
 * streaming them out and in.
 */
void	 model_layer_extent(const struct model *, uint32_t il,
	    const void **start, size_t *len);
/* Bytes of weights a token multiplies (no KV). */
uint64_t model_weight_bytes(const struct model *);
/*
 * The largest unit layer streaming holds at once: the biggest layer;
 * the classifier goes in chunks of that size (at least 1 MiB).
 */
uint64_t model_stream_unit_bytes(const struct model *);

/* kv.c: the per-layer K and V cache, F16 or F32. */
struct kv_cache;

int	 kv_new(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim,
	    uint32_t type, struct kv_cache **);
void	 kv_free(struct kv_cache *);
size_t	 kv_bytes_per_pos(uint32_t n_layer, uint32_t kv_dim, uint32_t type);
void	 kv_store(struct kv_cache *, uint32_t layer, uint32_t pos,
	    const float *k, const float *v);
/* A layer's keys or values: position 0, rows *rowbytes apart. */
const void *kv_keys(const struct kv_cache *, uint32_t layer,
	    size_t *rowbytes);
const void *kv_values(const struct kv_cache *, uint32_t layer,
	    size_t *rowbytes);
uint32_t kv_type(const struct kv_cache *);

#endif /* POWER_MODEL_H */
