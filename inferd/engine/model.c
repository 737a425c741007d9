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

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/quant.h"
#include "engine/tokenizer.h"

/* Refuse with a reason: PWR_ERR_INVALID_FORMAT. */
#define model_errf(e, l, ...)	\
	pwr_errf(e, l, PWR_ERR_INVALID_FORMAT, __VA_ARGS__)

/*
 * Model loading: the architecture table, hyper-parameters from the
 * GGUF metadata and the weights bound by name with their shapes checked
 * against those hyper-parameters.  Nothing here trusts the file: every
 * value is range-checked before anything is sized from it.
 */

struct model_arch_def {
	const char	*ad_name;
	enum model_arch	 ad_arch;
	int		 ad_rope_neox;
	int		 ad_qkv_bias;
};

static const struct model_arch_def model_archs[] = {
	{ "llama", MODEL_ARCH_LLAMA, 0, 0 },
	{ "qwen2", MODEL_ARCH_QWEN2, 1, 1 },
};

static int	model_hp_u32(struct gguf *, const char *, const char *,
		    uint32_t, uint32_t, uint32_t *, int, char *, size_t);
static int	model_hp_f32(struct gguf *, const char *, const char *,
		    float, float, float *, int, char *, size_t);
static int	model_hparams(struct gguf *, struct model_hparams *, char *,
		    size_t);
static int	model_rope_scaling(struct gguf *, struct model_hparams *,
		    char *, size_t);
static int	model_bind(struct model *, struct model_weight *,
		    const char *, uint32_t, uint32_t, int, char *, size_t);
static int	model_bind_layer(struct model *, uint32_t, char *, size_t);
static int	model_bind_all(struct model *, char *, size_t);
static int	model_selftest(const struct model *, char *, size_t);

/* "<arch>.<key>" as a u32 in [lo, hi]; def when absent and !required. */
static int
model_hp_u32(struct gguf *g, const char *arch, const char *key, uint32_t lo,
    uint32_t hi, uint32_t *v, int required, char *err, size_t errlen)
{
	char		name[128];
	uint32_t	x;
	int		r;

	/* The getter zeroes its output: keep the default until found. */
	(void)snprintf(name, sizeof(name), "%s.%s", arch, key);
	if ((r = gguf_get_u32(g, name, &x)) == PWR_ERR_NOT_FOUND && !required)
		return 0;
	if (r == 0)
		*v = x;
	if (r == PWR_ERR_NOT_FOUND)
		return model_errf(err, errlen, "missing key %s", name);
	if (r != 0)
		return model_errf(err, errlen, "%s: not an unsigned 32-bit "
		    "integer", name);
	if (*v < lo || *v > hi)
		return model_errf(err, errlen, "%s: %u is outside %u..%u",
		    name, *v, lo, hi);
	return 0;
}

static int
model_hp_f32(struct gguf *g, const char *arch, const char *key, float lo,
    float hi, float *v, int required, char *err, size_t errlen)
{
	char	name[128];
	float	x;
	int	r;

	(void)snprintf(name, sizeof(name), "%s.%s", arch, key);
	if ((r = gguf_get_f32(g, name, &x)) == PWR_ERR_NOT_FOUND && !required)
		return 0;
	if (r == 0)
		*v = x;
	if (r == PWR_ERR_NOT_FOUND)
		return model_errf(err, errlen, "missing key %s", name);
	if (r != 0)
		return model_errf(err, errlen, "%s: not a float", name);
	if (!(*v >= lo && *v <= hi))		/* NaN fails too */
		return model_errf(err, errlen, "%s: %g is outside %g..%g",
		    name, (double)*v, (double)lo, (double)hi);
	return 0;
}

/* Linear RoPE scaling only; other kinds change the maths: refuse them. */
static int
model_rope_scaling(struct gguf *g, struct model_hparams *hp, char *err,
    size_t errlen)
{
	const char	*arch = hp->hp_arch_name;
	char		 name[128], *type;
	float		 factor = 0;
	int		 r, linear = 0, typed = 0;

	(void)snprintf(name, sizeof(name), "%s.rope.scaling.type", arch);
	if ((r = gguf_get_strdup(g, name, &type)) == 0) {
		typed = 1;
		if (strcmp(type, "linear") == 0)
			linear = 1;
		else if (strcmp(type, "none") != 0) {
			r = model_errf(err, errlen, "%s: unsupported RoPE "
			    "scaling \"%.32s\"", name, type);
			free(type);
			return r;
		}
		free(type);
	} else if (r != PWR_ERR_NOT_FOUND)
		return model_errf(err, errlen, "%s: not a string", name);
	if ((r = model_hp_f32(g, arch, "rope.scaling.factor", 0, 1024,
	    &factor, 0, err, errlen)) != 0)
		return r;
	if (factor == 0 && (r = model_hp_f32(g, arch, "rope.scale_linear",
	    0, 1024, &factor, 0, err, errlen)) != 0)
		return r;
	if (factor != 0 && (linear || !typed))
		hp->hp_rope_freq_scale = 1.0f / factor;
	return 0;
}

static int
model_hparams(struct gguf *g, struct model_hparams *hp, char *err,
    size_t errlen)
{
	const char	*a = hp->hp_arch_name;
	uint32_t	 vlen = 0, pool;
	int		 r;

	if ((r = model_hp_u32(g, a, "context_length", 1, MODEL_MAX_CTX,
	    &hp->hp_n_ctx_train, 1, err, errlen)) != 0 ||
	    (r = model_hp_u32(g, a, "embedding_length", 1, MODEL_MAX_EMBD,
	    &hp->hp_n_embd, 1, err, errlen)) != 0 ||
	    (r = model_hp_u32(g, a, "feed_forward_length", 1, MODEL_MAX_FF,
	    &hp->hp_n_ff, 1, err, errlen)) != 0 ||
	    (r = model_hp_u32(g, a, "block_count", 1, MODEL_MAX_LAYERS,
	    &hp->hp_n_layer, 1, err, errlen)) != 0 ||
	    (r = model_hp_u32(g, a, "attention.head_count", 1,
	    MODEL_MAX_HEADS, &hp->hp_n_head, 1, err, errlen)) != 0)
		return r;
	hp->hp_n_head_kv = hp->hp_n_head;
	if ((r = model_hp_u32(g, a, "attention.head_count_kv", 1,
	    hp->hp_n_head, &hp->hp_n_head_kv, 0, err, errlen)) != 0)
		return r;
	if (hp->hp_n_head % hp->hp_n_head_kv != 0)
		return model_errf(err, errlen, "%s.attention.head_count %u is "
		    "not a multiple of head_count_kv %u", a, hp->hp_n_head,
		    hp->hp_n_head_kv);
	hp->hp_head_dim = hp->hp_n_embd / hp->hp_n_head;
	if ((r = model_hp_u32(g, a, "attention.key_length", 1,
	    MODEL_MAX_HEAD_DIM, &hp->hp_head_dim, 0, err, errlen)) != 0)
		return r;
	vlen = hp->hp_head_dim;
	if ((r = model_hp_u32(g, a, "attention.value_length", 1,
	    MODEL_MAX_HEAD_DIM, &vlen, 0, err, errlen)) != 0)
		return r;
	if (vlen != hp->hp_head_dim)
		return model_errf(err, errlen, "%s.attention.value_length %u "
		    "differs from key_length %u", a, vlen, hp->hp_head_dim);
	if (hp->hp_head_dim == 0 || hp->hp_head_dim > MODEL_MAX_HEAD_DIM ||
	    hp->hp_head_dim % 2 != 0)
		return model_errf(err, errlen, "head size %u is not an even "
		    "number in 2..%u", hp->hp_head_dim, MODEL_MAX_HEAD_DIM);
	hp->hp_rope_dims = hp->hp_head_dim;
	if ((r = model_hp_u32(g, a, "rope.dimension_count", 2,
	    hp->hp_head_dim, &hp->hp_rope_dims, 0, err, errlen)) != 0)
		return r;
	if (hp->hp_rope_dims % 2 != 0)
		return model_errf(err, errlen, "%s.rope.dimension_count %u is "
		    "odd", a, hp->hp_rope_dims);
	hp->hp_rope_base = 10000.0f;
	hp->hp_rope_freq_scale = 1.0f;
	hp->hp_rms_eps = 1e-5f;
	if ((r = model_hp_f32(g, a, "rope.freq_base", 1.0f, 1e12f,
	    &hp->hp_rope_base, 0, err, errlen)) != 0 ||
	    (r = model_hp_f32(g, a, "attention.layer_norm_rms_epsilon",
	    0, 1.0f, &hp->hp_rms_eps, 0, err, errlen)) != 0)
		return r;
	/* 0 none and 4 rank have no vector of their own: pool the mean. */
	pool = 1;
	if ((r = model_hp_u32(g, a, "pooling_type", 0, 4, &pool, 0, err,
	    errlen)) != 0)
		return r;
	hp->hp_pooling = pool == 2 ? MODEL_POOLING_CLS :
	    pool == 3 ? MODEL_POOLING_LAST : MODEL_POOLING_MEAN;
	return model_rope_scaling(g, hp, err, errlen);
}

/*
 * Bind one tensor: its type must be one the kernels compute with, its
 * shape exactly [ncols, nrows] (a vector when nrows is 0), and a vector
 * must be F32 and float-aligned since it is read in place.
 */
static int
model_bind(struct model *m, struct model_weight *w, const char *name,
    uint32_t ncols, uint32_t nrows, int optional, char *err, size_t errlen)
{
	const struct gguf_tensor	*t;
	const char			*tn;
	size_t				 rowbytes;

	memset(w, 0, sizeof(*w));
	if ((t = gguf_find_tensor(m->m_gguf, name)) == NULL) {
		if (optional)
			return 0;
		return model_errf(err, errlen, "missing tensor %s", name);
	}
	tn = gguf_type_name(t->t_type);
	if (!quant_supported(t->t_type))
		return model_errf(err, errlen, "%s: unsupported tensor type "
		    "%s", name, tn != NULL ? tn : "unknown");
	if (t->t_ne[0] != ncols || t->t_ne[1] != (nrows ? nrows : 1) ||
	    t->t_ne[2] != 1 || t->t_ne[3] != 1 ||
	    t->t_ndims != (nrows ? 2U : 1U))
		return model_errf(err, errlen, "%s: shape [%llu, %llu, %llu, "
		    "%llu], want [%u, %u]", name,
		    (unsigned long long)t->t_ne[0],
		    (unsigned long long)t->t_ne[1],
		    (unsigned long long)t->t_ne[2],
		    (unsigned long long)t->t_ne[3], ncols, nrows ? nrows : 1);
	if (!quant_row_ok(t->t_type, ncols))
		return model_errf(err, errlen, "%s: rows of %u values are not "
		    "whole %s blocks", name, ncols, tn);
	if (nrows == 0 && (t->t_type != GGUF_TYPE_F32 ||
	    (uintptr_t)t->t_data % sizeof(float) != 0))
		return model_errf(err, errlen, "%s: a %s vector, want aligned "
		    "F32", name, tn);
	rowbytes = quant_row_bytes(t->t_type, ncols);
	if (rowbytes * (nrows ? nrows : 1) != t->t_nbytes)
		return model_errf(err, errlen, "%s: %llu bytes, want %zu",
		    name, (unsigned long long)t->t_nbytes,
		    rowbytes * (nrows ? nrows : 1));
	w->w_name = name;
	w->w_type = t->t_type;
	w->w_ncols = ncols;
	w->w_nrows = nrows ? nrows : 1;
	w->w_rowbytes = rowbytes;
	w->w_data = t->t_data;
	m->m_types |= 1ULL << t->t_type;
	return 0;
}

static int
model_bind_layer(struct model *m, uint32_t il, char *err, size_t errlen)
{
	const struct model_hparams	*hp = &m->m_hp;
	struct model_layer		*l = &m->m_layers[il];
	uint32_t			 e = hp->hp_n_embd, f = hp->hp_n_ff;
	uint32_t			 q = hp->hp_n_head * hp->hp_head_dim;
	uint32_t			 kv = hp->hp_n_head_kv * hp->hp_head_dim;
	int				 bias, r;
	size_t				 i;
	char				*name;
	const struct {
		struct model_weight	*w;
		const char		*suffix;
		uint32_t		 cols, rows;
		int			 is_bias;
	} tab[] = {
		{ &l->l_attn_norm, "attn_norm.weight", e, 0, 0 },
		{ &l->l_wq, "attn_q.weight", e, q, 0 },
		{ &l->l_wk, "attn_k.weight", e, kv, 0 },
		{ &l->l_wv, "attn_v.weight", e, kv, 0 },
		{ &l->l_wo, "attn_output.weight", q, e, 0 },
		{ &l->l_bq, "attn_q.bias", q, 0, 1 },
		{ &l->l_bk, "attn_k.bias", kv, 0, 1 },
		{ &l->l_bv, "attn_v.bias", kv, 0, 1 },
		{ &l->l_ffn_norm, "ffn_norm.weight", e, 0, 0 },
		{ &l->l_gate, "ffn_gate.weight", e, f, 0 },
		{ &l->l_up, "ffn_up.weight", e, f, 0 },
		{ &l->l_down, "ffn_down.weight", f, e, 0 },
	};

	bias = m->m_hp.hp_arch == MODEL_ARCH_QWEN2;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].is_bias && !bias)
			continue;
		/* The name outlives this call: the weight keeps it. */
		if (asprintf(&name, "blk.%u.%s", il, tab[i].suffix) == -1)
			return PWR_ERR_ALLOC_FAIL;
		r = model_bind(m, tab[i].w, name, tab[i].cols, tab[i].rows, 0,
		    err, errlen);
		if (r != 0 || tab[i].w->w_data == NULL) {
			free(name);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

static int
model_bind_all(struct model *m, char *err, size_t errlen)
{
	const struct gguf_tensor	*t;
	uint32_t			 il, e = m->m_hp.hp_n_embd;
	int				 r;

	if ((t = gguf_find_tensor(m->m_gguf, "token_embd.weight")) == NULL)
		return model_errf(err, errlen, "missing tensor "
		    "token_embd.weight");
	if (t->t_ne[1] == 0 || t->t_ne[1] > MODEL_MAX_VOCAB)
		return model_errf(err, errlen, "token_embd.weight: %llu "
		    "tokens, want 1..%u", (unsigned long long)t->t_ne[1],
		    MODEL_MAX_VOCAB);
	m->m_hp.hp_n_vocab = (uint32_t)t->t_ne[1];
	if ((r = model_bind(m, &m->m_tok_embd, "token_embd.weight", e,
	    m->m_hp.hp_n_vocab, 0, err, errlen)) != 0 ||
	    (r = model_bind(m, &m->m_out_norm, "output_norm.weight", e, 0, 0,
	    err, errlen)) != 0 ||
	    (r = model_bind(m, &m->m_output, "output.weight", e,
	    m->m_hp.hp_n_vocab, 1, err, errlen)) != 0)
		return r;
	if (m->m_output.w_data == NULL) {
		/* No output.weight: the classifier is the embedding. */
		m->m_output = m->m_tok_embd;
		m->m_tied = 1;
	}
	m->m_layers = calloc(m->m_hp.hp_n_layer, sizeof(*m->m_layers));
	if (m->m_layers == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (il = 0; il < m->m_hp.hp_n_layer; il++)
		if ((r = model_bind_layer(m, il, err, errlen)) != 0)
			return r;
	return 0;
}

/* The kernels of every type this model uses against stored vectors. */
static int
model_selftest(const struct model *m, char *err, size_t errlen)
{
	char		 msg[QUANT_SELFTEST_ERRLEN];
	uint32_t	 type;

	for (type = 0; type < 64; type++) {
		if ((m->m_types & (1ULL << type)) == 0)
			continue;
		if (quant_selftest(type, msg, sizeof(msg)) != 0)
			return model_errf(err, errlen, "kernel self-test "
			    "failed: %s", msg);
	}
	return 0;
}

int
model_load(struct gguf *g, struct model **mp, char *err, size_t errlen)
{
	struct model	*m;
	const char	*arch = gguf_architecture(g);
	size_t		 i;
	int		 r;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	m->m_gguf = g;
	for (i = 0; i < sizeof(model_archs) / sizeof(model_archs[0]); i++)
		if (strcmp(arch, model_archs[i].ad_name) == 0)
			break;
	if (i == sizeof(model_archs) / sizeof(model_archs[0])) {
		r = model_errf(err, errlen, "unsupported architecture \"%s\"",
		    arch);
		goto fail;
	}
	m->m_hp.hp_arch = model_archs[i].ad_arch;
	m->m_hp.hp_arch_name = model_archs[i].ad_name;
	m->m_hp.hp_rope_neox = model_archs[i].ad_rope_neox;
	if ((r = model_hparams(g, &m->m_hp, err, errlen)) != 0 ||
	    (r = model_bind_all(m, err, errlen)) != 0 ||
	    (r = tok_load(g, &m->m_tok, err, errlen)) != 0)
		goto fail;
	if (tok_n_vocab(m->m_tok) != m->m_hp.hp_n_vocab) {
		r = model_errf(err, errlen, "the vocabulary has %u tokens, "
		    "token_embd.weight %u", tok_n_vocab(m->m_tok),
		    m->m_hp.hp_n_vocab);
		goto fail;
	}
	if ((r = model_selftest(m, err, errlen)) != 0)
		goto fail;
	*mp = m;
	return 0;
 fail:
	model_free(m);
	return r;
}

void
model_free(struct model *m)
{
	uint32_t	 il;
	struct model_layer *l;

	if (m == NULL)
		return;
	for (il = 0; m->m_layers != NULL && il < m->m_hp.hp_n_layer; il++) {
		l = &m->m_layers[il];
		free((char *)l->l_attn_norm.w_name);
		free((char *)l->l_wq.w_name);
		free((char *)l->l_wk.w_name);
		free((char *)l->l_wv.w_name);
		free((char *)l->l_wo.w_name);
		free((char *)l->l_bq.w_name);
		free((char *)l->l_bk.w_name);
		free((char *)l->l_bv.w_name);
		free((char *)l->l_ffn_norm.w_name);
		free((char *)l->l_gate.w_name);
		free((char *)l->l_up.w_name);
		free((char *)l->l_down.w_name);
	}
	free(m->m_layers);
	tok_free(m->m_tok);
	free(m);
}

const char *
model_arch_name(const struct model *m)
{
	return m->m_hp.hp_arch_name;
}

enum model_pooling
model_pooling(const struct model *m)
{
	return (enum model_pooling)m->m_hp.hp_pooling;
}

static uint64_t
model_wbytes(const struct model_weight *w)
{
	return w->w_data == NULL ? 0 : (uint64_t)w->w_nrows * w->w_rowbytes;
}

/* A layer's weights, every one (absent biases have no data). */
static void
model_layer_list(const struct model_layer *l,
    const struct model_weight *w[MODEL_LAYER_WEIGHTS])
{
	w[0] = &l->l_attn_norm;
	w[1] = &l->l_wq;
	w[2] = &l->l_wk;
	w[3] = &l->l_wv;
	w[4] = &l->l_wo;
	w[5] = &l->l_bq;
	w[6] = &l->l_bk;
	w[7] = &l->l_bv;
	w[8] = &l->l_ffn_norm;
	w[9] = &l->l_gate;
	w[10] = &l->l_up;
	w[11] = &l->l_down;
}

static uint64_t
model_layer_bytes(const struct model_layer *l)
{
	const struct model_weight	*w[MODEL_LAYER_WEIGHTS];
	uint64_t			 sum = 0;
	size_t				 i;

	model_layer_list(l, w);
	for (i = 0; i < MODEL_LAYER_WEIGHTS; i++)
		sum += model_wbytes(w[i]);
	return sum;
}

void
model_layer_extent(const struct model *m, uint32_t il, const void **start,
    size_t *len)
{
	const struct model_weight	*w[MODEL_LAYER_WEIGHTS];
	uintptr_t			 a = UINTPTR_MAX, b = 0, p;
	size_t				 i;

	model_layer_list(&m->m_layers[il], w);
	for (i = 0; i < MODEL_LAYER_WEIGHTS; i++) {
		if (w[i]->w_data == NULL)
			continue;
		p = (uintptr_t)w[i]->w_data;
		if (p < a)
			a = p;
		if (p + model_wbytes(w[i]) > b)
			b = p + model_wbytes(w[i]);
	}
	*start = (const void *)a;
	*len = b > a ? b - a : 0;
}

uint64_t
model_weight_bytes(const struct model *m)
{
	uint64_t	sum = 0;
	uint32_t	il;

	for (il = 0; il < m->m_hp.hp_n_layer; il++)
		sum += model_layer_bytes(&m->m_layers[il]);
	sum += model_wbytes(&m->m_out_norm) + model_wbytes(&m->m_output);
	/* One embedding row per token. */
	sum += m->m_tok_embd.w_rowbytes;
	return sum;
}

uint64_t
model_stream_unit_bytes(const struct model *m)
{
	uint64_t	unit = MODEL_STREAM_MIN_UNIT, b;
	uint32_t	il;

	for (il = 0; il < m->m_hp.hp_n_layer; il++)
		if ((b = model_layer_bytes(&m->m_layers[il])) > unit)
			unit = b;
	return unit;
}
