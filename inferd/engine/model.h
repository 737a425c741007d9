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

struct model_ctx_params {
	uint32_t	 cp_n_ctx;		/* 0: the model's */
	uint64_t	 cp_mem_budget;		/* KV bytes; 0: no limit */
	uint32_t	 cp_kv_type;		/* GGUF_TYPE_F16 or GGUF_TYPE_F32 */
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
 * is out of range; nothing is evaluated then.
 */
int	 model_eval(struct model_ctx *, const int32_t *tokens, size_t n,
	    float *all, char *err, size_t errlen);
const float *model_ctx_logits(const struct model_ctx *);

/* kv.c: the per-layer K and V cache, F16 or F32. */
struct kv_cache;

int	 kv_new(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim,
	    uint32_t type, struct kv_cache **);
void	 kv_free(struct kv_cache *);
size_t	 kv_bytes_per_pos(uint32_t n_layer, uint32_t kv_dim, uint32_t type);
void	 kv_store(struct kv_cache *, uint32_t layer, uint32_t pos,
	    const float *k, const float *v);
/* Dot of q (head_dim values) with the cached key at (layer, pos, off). */
float	 kv_dot_key(const struct kv_cache *, uint32_t layer, uint32_t pos,
	    uint32_t off, const float *q, uint32_t head_dim);
/* out += w * the cached value at (layer, pos, off). */
void	 kv_axpy_value(const struct kv_cache *, uint32_t layer, uint32_t pos,
	    uint32_t off, float w, float *out, uint32_t head_dim);

#endif /* POWER_MODEL_H */
