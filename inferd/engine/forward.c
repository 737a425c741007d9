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

/* Refuse with a reason: PWR_ERR_RANGE. */
#define fwd_errf(e, l, ...)	\
	pwr_errf(e, l, PWR_ERR_RANGE, __VA_ARGS__)

/*
 * The forward pass of llama and qwen2, one token at a time: embedding,
 * then per layer RMSNorm, Q/K/V (+ biases), RoPE, grouped-query
 * attention over the KV cache, output projection and residual, RMSNorm,
 * SwiGLU FFN and residual; then the final norm and the classifier.
 * Activations are float; reductions that llama.cpp does in double
 * (RMSNorm's sum of squares, softmax's sum) are done in double here too.
 */

struct model_ctx {
	const struct model	*c_model;
	struct kv_cache		*c_kv;
	uint32_t		 c_n_ctx;
	uint32_t		 c_n_past;
	float			*c_x;		/* residual stream, n_embd */
	float			*c_xb;		/* n_embd */
	float			*c_att_out;	/* n_head * head_dim */
	float			*c_q;		/* n_head * head_dim */
	float			*c_k;		/* n_head_kv * head_dim */
	float			*c_v;
	float			*c_scores;	/* n_ctx */
	float			*c_hb;		/* n_ff */
	float			*c_hb2;
	float			*c_logits;	/* n_vocab */
	double			*c_inv_freq;	/* rope_dims / 2 */
	float			*c_rope_cos;	/* this position's angles, */
	float			*c_rope_sin;	/* shared by every layer */
};

static void	fwd_rmsnorm(float *, const float *, const float *, uint32_t,
		    float);
static void	fwd_matvec(const struct model_weight *, const float *,
		    float *);
static void	fwd_add(float *, const float *, uint32_t);
static void	fwd_rope_angles(struct model_ctx *, uint32_t);
static void	fwd_rope(const struct model_ctx *, float *, uint32_t);
static void	fwd_softmax(float *, uint32_t);
static void	fwd_attention(struct model_ctx *, uint32_t, uint32_t);
static void	fwd_ffn(struct model_ctx *, const struct model_layer *);
static void	fwd_layer(struct model_ctx *, uint32_t, uint32_t);
static void	fwd_token(struct model_ctx *, int32_t, uint32_t, float *);
static uint32_t	fwd_n_ctx(const struct model *,
		    const struct model_ctx_params *, char *, size_t, int *);

void
model_ctx_defaults(struct model_ctx_params *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->cp_kv_type = GGUF_TYPE_F16;
}

/* The context length: the smallest of the model's, the asked and the budget's. */
static uint32_t
fwd_n_ctx(const struct model *m, const struct model_ctx_params *cp,
    char *err, size_t errlen, int *rp)
{
	const struct model_hparams	*hp = &m->m_hp;
	uint64_t			 per, fit;
	uint32_t			 n = hp->hp_n_ctx_train;

	*rp = 0;
	if (cp->cp_n_ctx != 0 && cp->cp_n_ctx < n)
		n = cp->cp_n_ctx;
	if (cp->cp_mem_budget != 0) {
		per = kv_bytes_per_pos(hp->hp_n_layer,
		    hp->hp_n_head_kv * hp->hp_head_dim, cp->cp_kv_type);
		fit = cp->cp_mem_budget / per;
		if (fit == 0) {
			*rp = fwd_errf(err, errlen, "a memory budget of %llu "
			    "bytes holds no position (%llu bytes each)",
			    (unsigned long long)cp->cp_mem_budget,
			    (unsigned long long)per);
			return 0;
		}
		if (fit < n)
			n = (uint32_t)fit;
	}
	return n;
}

int
model_ctx_new(const struct model *m, const struct model_ctx_params *cpin,
    struct model_ctx **cp, char *err, size_t errlen)
{
	const struct model_hparams	*hp = &m->m_hp;
	struct model_ctx_params		 defaults;
	struct model_ctx		*c;
	uint32_t			 i, qdim = hp->hp_n_head * hp->hp_head_dim;
	uint32_t			 kvdim = hp->hp_n_head_kv * hp->hp_head_dim;
	int				 r;

	*cp = NULL;
	if (cpin == NULL) {
		model_ctx_defaults(&defaults);
		cpin = &defaults;
	}
	if (cpin->cp_kv_type != GGUF_TYPE_F16 &&
	    cpin->cp_kv_type != GGUF_TYPE_F32)
		return fwd_errf(err, errlen, "KV cache type must be F16 or "
		    "F32");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	c->c_model = m;
	if ((c->c_n_ctx = fwd_n_ctx(m, cpin, err, errlen, &r)) == 0)
		goto fail;
	r = kv_new(hp->hp_n_layer, c->c_n_ctx, kvdim, cpin->cp_kv_type,
	    &c->c_kv);
	if (r != 0) {
		(void)fwd_errf(err, errlen, "no memory for a KV cache of %u "
		    "positions", c->c_n_ctx);
		goto fail;
	}
	c->c_x = calloc(hp->hp_n_embd, sizeof(float));
	c->c_xb = calloc(hp->hp_n_embd, sizeof(float));
	c->c_att_out = calloc(qdim, sizeof(float));
	c->c_q = calloc(qdim, sizeof(float));
	c->c_k = calloc(kvdim, sizeof(float));
	c->c_v = calloc(kvdim, sizeof(float));
	c->c_scores = calloc(c->c_n_ctx, sizeof(float));
	c->c_hb = calloc(hp->hp_n_ff, sizeof(float));
	c->c_hb2 = calloc(hp->hp_n_ff, sizeof(float));
	c->c_logits = calloc(hp->hp_n_vocab, sizeof(float));
	c->c_inv_freq = calloc(hp->hp_rope_dims / 2, sizeof(double));
	c->c_rope_cos = calloc(hp->hp_rope_dims / 2, sizeof(float));
	c->c_rope_sin = calloc(hp->hp_rope_dims / 2, sizeof(float));
	if (c->c_x == NULL || c->c_xb == NULL || c->c_att_out == NULL ||
	    c->c_q == NULL || c->c_k == NULL || c->c_v == NULL ||
	    c->c_scores == NULL || c->c_hb == NULL || c->c_hb2 == NULL ||
	    c->c_logits == NULL || c->c_inv_freq == NULL ||
	    c->c_rope_cos == NULL || c->c_rope_sin == NULL) {
		r = PWR_ERR_ALLOC_FAIL;
		goto fail;
	}
	for (i = 0; i < hp->hp_rope_dims / 2; i++)
		c->c_inv_freq[i] = pow(hp->hp_rope_base,
		    -2.0 * i / hp->hp_rope_dims);
	*cp = c;
	return 0;
 fail:
	model_ctx_free(c);
	return r;
}

void
model_ctx_free(struct model_ctx *c)
{
	const struct model_hparams	*hp;

	if (c == NULL)
		return;
	hp = &c->c_model->m_hp;
	kv_free(c->c_kv);
	/* Activations are derived from the prompt: wipe them too. */
	if (c->c_x != NULL)
		freezero(c->c_x, hp->hp_n_embd * sizeof(float));
	if (c->c_xb != NULL)
		freezero(c->c_xb, hp->hp_n_embd * sizeof(float));
	if (c->c_att_out != NULL)
		freezero(c->c_att_out,
		    hp->hp_n_head * hp->hp_head_dim * sizeof(float));
	if (c->c_q != NULL)
		freezero(c->c_q,
		    hp->hp_n_head * hp->hp_head_dim * sizeof(float));
	if (c->c_k != NULL)
		freezero(c->c_k,
		    hp->hp_n_head_kv * hp->hp_head_dim * sizeof(float));
	if (c->c_v != NULL)
		freezero(c->c_v,
		    hp->hp_n_head_kv * hp->hp_head_dim * sizeof(float));
	if (c->c_scores != NULL)
		freezero(c->c_scores, c->c_n_ctx * sizeof(float));
	if (c->c_hb != NULL)
		freezero(c->c_hb, hp->hp_n_ff * sizeof(float));
	if (c->c_hb2 != NULL)
		freezero(c->c_hb2, hp->hp_n_ff * sizeof(float));
	if (c->c_logits != NULL)
		freezero(c->c_logits, hp->hp_n_vocab * sizeof(float));
	free(c->c_inv_freq);
	free(c->c_rope_cos);
	free(c->c_rope_sin);
	free(c);
}

uint32_t
model_ctx_n_ctx(const struct model_ctx *c)
{
	return c->c_n_ctx;
}

uint32_t
model_ctx_n_past(const struct model_ctx *c)
{
	return c->c_n_past;
}

void
model_ctx_reset(struct model_ctx *c)
{
	/* Old positions are overwritten before they are read again. */
	c->c_n_past = 0;
}

const float *
model_ctx_logits(const struct model_ctx *c)
{
	return c->c_logits;
}

static void
fwd_rmsnorm(float *out, const float *x, const float *w, uint32_t n,
    float eps)
{
	double		sum = 0;
	float		scale;
	uint32_t	i;

	for (i = 0; i < n; i++)
		sum += (double)x[i] * x[i];
	scale = 1.0f / sqrtf((float)(sum / n) + eps);
	for (i = 0; i < n; i++)
		out[i] = x[i] * scale * w[i];
}

static void
fwd_matvec(const struct model_weight *w, const float *x, float *y)
{
	quant_matvec(w->w_type, w->w_data, w->w_nrows, w->w_ncols, x, y);
}

static void
fwd_add(float *y, const float *x, uint32_t n)
{
	uint32_t	i;

	for (i = 0; i < n; i++)
		y[i] += x[i];
}

/* The rotation angles of one position, once for all layers. */
static void
fwd_rope_angles(struct model_ctx *c, uint32_t pos)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 i;
	double				 theta;

	for (i = 0; i < hp->hp_rope_dims / 2; i++) {
		theta = (double)pos * hp->hp_rope_freq_scale *
		    c->c_inv_freq[i];
		c->c_rope_cos[i] = (float)cos(theta);
		c->c_rope_sin[i] = (float)sin(theta);
	}
}

/*
 * Rotate the first rope_dims values of each of nh heads by the current
 * position's angles: adjacent pairs (2i, 2i+1) normally, (i, i + d/2)
 * for NeoX.
 */
static void
fwd_rope(const struct model_ctx *c, float *v, uint32_t nh)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 h, i, half = hp->hp_rope_dims / 2;
	uint32_t			 i0, i1;
	float				 cs, sn, a, b, *hv;

	for (i = 0; i < half; i++) {
		cs = c->c_rope_cos[i];
		sn = c->c_rope_sin[i];
		i0 = hp->hp_rope_neox ? i : 2 * i;
		i1 = hp->hp_rope_neox ? i + half : 2 * i + 1;
		for (h = 0; h < nh; h++) {
			hv = v + (size_t)h * hp->hp_head_dim;
			a = hv[i0];
			b = hv[i1];
			hv[i0] = a * cs - b * sn;
			hv[i1] = a * sn + b * cs;
		}
	}
}

static void
fwd_softmax(float *x, uint32_t n)
{
	double		sum = 0;
	float		max = x[0];
	uint32_t	i;

	for (i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (i = 0; i < n; i++)
		x[i] = (float)(x[i] / sum);
}

/* Each query head attends over positions 0..pos of its KV head. */
static void
fwd_attention(struct model_ctx *c, uint32_t il, uint32_t pos)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 h, t, hd = hp->hp_head_dim;
	uint32_t			 group = hp->hp_n_head / hp->hp_n_head_kv;
	float				 scale = 1.0f / sqrtf((float)hd);
	float				*q, *out;

	for (h = 0; h < hp->hp_n_head; h++) {
		q = c->c_q + (size_t)h * hd;
		out = c->c_att_out + (size_t)h * hd;
		for (t = 0; t <= pos; t++)
			c->c_scores[t] = kv_dot_key(c->c_kv, il, t,
			    (h / group) * hd, q, hd) * scale;
		fwd_softmax(c->c_scores, pos + 1);
		memset(out, 0, hd * sizeof(float));
		for (t = 0; t <= pos; t++)
			kv_axpy_value(c->c_kv, il, t, (h / group) * hd,
			    c->c_scores[t], out, hd);
	}
}

static void
fwd_ffn(struct model_ctx *c, const struct model_layer *l)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 i;
	float				 g;

	fwd_rmsnorm(c->c_xb, c->c_x, l->l_ffn_norm.w_data, hp->hp_n_embd,
	    hp->hp_rms_eps);
	fwd_matvec(&l->l_gate, c->c_xb, c->c_hb);
	fwd_matvec(&l->l_up, c->c_xb, c->c_hb2);
	for (i = 0; i < hp->hp_n_ff; i++) {
		g = c->c_hb[i];
		c->c_hb[i] = g / (1.0f + expf(-g)) * c->c_hb2[i];
	}
	fwd_matvec(&l->l_down, c->c_hb, c->c_xb);
	fwd_add(c->c_x, c->c_xb, hp->hp_n_embd);
}

static void
fwd_layer(struct model_ctx *c, uint32_t il, uint32_t pos)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	const struct model_layer	*l = &c->c_model->m_layers[il];

	fwd_rmsnorm(c->c_xb, c->c_x, l->l_attn_norm.w_data, hp->hp_n_embd,
	    hp->hp_rms_eps);
	fwd_matvec(&l->l_wq, c->c_xb, c->c_q);
	fwd_matvec(&l->l_wk, c->c_xb, c->c_k);
	fwd_matvec(&l->l_wv, c->c_xb, c->c_v);
	if (l->l_bq.w_data != NULL) {
		fwd_add(c->c_q, l->l_bq.w_data, l->l_bq.w_ncols);
		fwd_add(c->c_k, l->l_bk.w_data, l->l_bk.w_ncols);
		fwd_add(c->c_v, l->l_bv.w_data, l->l_bv.w_ncols);
	}
	fwd_rope(c, c->c_q, hp->hp_n_head);
	fwd_rope(c, c->c_k, hp->hp_n_head_kv);
	kv_store(c->c_kv, il, pos, c->c_k, c->c_v);
	fwd_attention(c, il, pos);
	fwd_matvec(&l->l_wo, c->c_att_out, c->c_xb);
	fwd_add(c->c_x, c->c_xb, hp->hp_n_embd);
	fwd_ffn(c, l);
}

/* One token at pos; logits into out if it is not NULL. */
static void
fwd_token(struct model_ctx *c, int32_t id, uint32_t pos, float *out)
{
	const struct model		*m = c->c_model;
	const struct model_hparams	*hp = &m->m_hp;
	const u_char			*row;
	uint32_t			 il;

	row = (const u_char *)m->m_tok_embd.w_data +
	    (size_t)id * m->m_tok_embd.w_rowbytes;
	quant_dequant_row(m->m_tok_embd.w_type, row, c->c_x, hp->hp_n_embd);
	fwd_rope_angles(c, pos);
	for (il = 0; il < hp->hp_n_layer; il++)
		fwd_layer(c, il, pos);
	if (out == NULL)
		return;
	fwd_rmsnorm(c->c_xb, c->c_x, m->m_out_norm.w_data, hp->hp_n_embd,
	    hp->hp_rms_eps);
	fwd_matvec(&m->m_output, c->c_xb, out);
}

int
model_eval(struct model_ctx *c, const int32_t *tokens, size_t n, float *all,
    char *err, size_t errlen)
{
	uint32_t	 n_vocab = c->c_model->m_hp.hp_n_vocab;
	size_t		 i;
	float		*out;

	if (n == 0)
		return fwd_errf(err, errlen, "no tokens to evaluate");
	if (n > c->c_n_ctx - c->c_n_past)
		return fwd_errf(err, errlen, "context length exceeded: %u "
		    "positions used, %zu more asked, the context holds %u",
		    c->c_n_past, n, c->c_n_ctx);
	for (i = 0; i < n; i++)
		if (tokens[i] < 0 || (uint32_t)tokens[i] >= n_vocab)
			return fwd_errf(err, errlen, "token %zu: id %d is not "
			    "in the vocabulary (0..%u)", i, tokens[i],
			    n_vocab - 1);
	for (i = 0; i < n; i++) {
		out = NULL;
		if (all != NULL)
			out = all + i * n_vocab;
		else if (i == n - 1)
			out = c->c_logits;
		fwd_token(c, tokens[i], c->c_n_past, out);
		c->c_n_past++;
	}
	if (all != NULL)
		memcpy(c->c_logits, all + (n - 1) * n_vocab,
		    n_vocab * sizeof(float));
	return 0;
}
