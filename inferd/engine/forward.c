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
#include <sys/mman.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/pool.h"
#include "engine/qdot.h"
#include "engine/quant.h"

/* Refuse with a reason: PWR_ERR_RANGE. */
#define fwd_errf(e, l, ...)	\
	pwr_errf(e, l, PWR_ERR_RANGE, __VA_ARGS__)

/*
 * The forward pass of llama and qwen2 over a batch of tokens:
 * embedding, then per layer RMSNorm, Q/K/V (+ biases), RoPE, causal
 * grouped-query attention over the KV cache, output projection and
 * residual, RMSNorm, SwiGLU FFN and residual; then the final norm and
 * the classifier for the tokens whose logits are wanted.
 *
 * A prompt goes through the layers as a matrix of up to n_batch
 * tokens (qd_gemm's register-tiled products); decoding is the same
 * code with one token, where the products are matrix-vector.  Every
 * product's rows are split between the pool's threads; a row's value
 * does not depend on the split, so any thread count gives the same
 * logits.  Reductions that llama.cpp does in double (RMSNorm's sum of
 * squares, softmax's sum) are done in double here too.
 *
 * Layer streaming: with the model mapped from a file, a layer's pages
 * are dropped from our mapping (MADV_DONTNEED; the page cache keeps
 * them) as soon as the layer is done and the next one is asked for
 * ahead (MADV_WILLNEED); the classifier goes in chunks the same way.
 * With a layer source (cp_fetch) instead, the callback brings each
 * layer in before it is used and takes it away after; the rest of the
 * model stays where it is and nothing is advised.
 */

#define FWD_ATT_CHUNK	16		/* query rows per attention product */

enum { FWD_A32, FWD_A256, FWD_NACT };

struct fwd_span {
	const void	*s_start;
	size_t		 s_len;
};

struct model_ctx {
	const struct model	*c_model;
	struct kv_cache		*c_kv;
	struct pool		*c_pool;
	uint32_t		 c_n_ctx;
	uint32_t		 c_n_past;
	uint32_t		 c_n_batch;
	uint32_t		 c_n_threads;
	int			 c_stream;
	model_fetch_cb		 c_fetch;	/* layer source, or NULL */
	void			*c_fetch_arg;
	int			 c_timing;
	struct model_stats	 c_stats;

	/* Batch buffers: c_n_batch rows each. */
	float			*c_x;		/* residual stream, n_embd */
	float			*c_xb;		/* n_embd */
	float			*c_att;		/* n_head * head_dim */
	float			*c_q;		/* n_head * head_dim */
	float			*c_k;		/* n_head_kv * head_dim */
	float			*c_v;
	float			*c_hb;		/* n_ff */
	float			*c_hb2;
	u_char			*c_act[FWD_NACT]; /* quantised activations */
	size_t			 c_act_len[FWD_NACT];
	float			*c_rope_cos;	/* rope_dims / 2 per row */
	float			*c_rope_sin;
	float			*c_scores;	/* per thread: rows x n_ctx */
	size_t			 c_score_rows;
	float			*c_logits;	/* n_vocab */
	float			*c_pooled;	/* model_embed's sum, or NULL */
	double			*c_inv_freq;	/* rope_dims / 2 */

	/* Layer streaming: each layer's pages, the classifier's chunks. */
	struct fwd_span		*c_spans;	/* n_layer */
	uint32_t		 c_out_chunk;	/* classifier rows per chunk */

	/* The pass under way, for the pool's jobs. */
	uint32_t		 c_nb;		/* tokens in this pass */
	uint32_t		 c_pos0;
	uint32_t		 c_il;
};

/* Products run on the pool: up to three weights on one input. */
struct fwd_mm {
	struct qd_gemm		 mm_g[3];
	int			 mm_n;
	int			 mm_swiglu;	/* gate, up: hb = silu(g) * u */
};

static uint64_t	fwd_now(void);
static void	fwd_time(struct model_ctx *, enum model_stage, uint64_t *);
static size_t	fwd_buf_floats(const struct model_ctx *, uint32_t);
static void	fwd_free_buffers(struct model_ctx *);
static int	fwd_spans(struct model_ctx *, char *, size_t);
static void	fwd_advise(const void *, size_t, int);
static void	fwd_rmsnorm(float *, const float *, const float *, uint32_t,
		    float);
static void	fwd_add(float *, const float *, size_t);
static void	fwd_rope_angles(struct model_ctx *, uint32_t, uint32_t);
static void	fwd_rope(const struct model_ctx *, float *, uint32_t,
		    uint32_t);
static void	fwd_softmax(float *, uint32_t, float);
static int	fwd_act_class(uint32_t);
static const void *fwd_quantize(struct model_ctx *, uint32_t, const float *,
		    size_t, uint32_t, size_t *, int *);
static void	fwd_quant_job(void *, int, int);
static void	fwd_mm_add(struct fwd_mm *, const struct model_weight *,
		    const void *, size_t, uint32_t, float *, size_t);
static void	fwd_mm_job(void *, int, int);
static void	fwd_attn_rows(struct model_ctx *, float *, uint32_t,
		    uint32_t, const float *, size_t, uint32_t, uint32_t, int,
		    float *, size_t);
static void	fwd_attn_job(void *, int, int);
static void	fwd_matmul(struct model_ctx *, const struct model_weight *,
		    const struct model_weight *, const struct model_weight *,
		    const float *, size_t, uint32_t, float *, float *, float *,
		    int);
static void	fwd_layer(struct model_ctx *, uint32_t);
static void	fwd_pool(struct model_ctx *, uint32_t);
static int	fwd_check(const struct model_ctx *, const int32_t *, size_t,
		    char *, size_t);
static void	fwd_output(struct model_ctx *, const float *, uint32_t,
		    float *);
static int	fwd_fetch(struct model_ctx *, uint32_t, int);
static int	fwd_pass(struct model_ctx *, const int32_t *, uint32_t,
		    float *, int, uint32_t *);
static uint32_t	fwd_n_ctx(const struct model *,
		    const struct model_ctx_params *, char *, size_t, int *);

void
model_ctx_defaults(struct model_ctx_params *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->cp_kv_type = GGUF_TYPE_F16;
	cp->cp_n_threads = 1;
	cp->cp_n_batch = MODEL_DEFAULT_BATCH;
}

static uint64_t
fwd_now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Charge the time since *t0 to a stage and restart the clock. */
static void
fwd_time(struct model_ctx *c, enum model_stage st, uint64_t *t0)
{
	uint64_t	now;

	if (!c->c_timing)
		return;
	now = fwd_now();
	c->c_stats.ms_ns[st] += now - *t0;
	*t0 = now;
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

/* Floats of each batch buffer, for freezero. */
static size_t
fwd_buf_floats(const struct model_ctx *c, uint32_t per_row)
{
	return (size_t)c->c_n_batch * per_row;
}

/* Each layer's bytes in the mapping, and the classifier's chunk size. */
static int
fwd_spans(struct model_ctx *c, char *err, size_t errlen)
{
	const struct model	*m = c->c_model;
	uint64_t		 unit;
	uint32_t		 il;

	if (!gguf_file_mapped(m->m_gguf))
		return fwd_errf(err, errlen, "layer streaming needs a model "
		    "mapped from a file");
	if ((c->c_spans = calloc(m->m_hp.hp_n_layer,
	    sizeof(*c->c_spans))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (il = 0; il < m->m_hp.hp_n_layer; il++)
		model_layer_extent(m, il, &c->c_spans[il].s_start,
		    &c->c_spans[il].s_len);
	unit = model_stream_unit_bytes(m);
	c->c_out_chunk = (uint32_t)(unit / m->m_output.w_rowbytes);
	if (c->c_out_chunk == 0)
		c->c_out_chunk = 1;
	return 0;
}

/* madvise a byte range of the mapping, widened to whole pages. */
static void
fwd_advise(const void *p, size_t len, int advice)
{
	static size_t	pg;
	uintptr_t	a = (uintptr_t)p, b = a + len;

	if (pg == 0)
		pg = (size_t)sysconf(_SC_PAGESIZE);
	if (len == 0)
		return;
	a &= ~(uintptr_t)(pg - 1);
	(void)madvise((void *)a, b - a, advice);
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
	uint32_t			 widest, group;
	size_t				 nb;
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
	if (cpin->cp_n_threads > POOL_MAX_THREADS)
		return fwd_errf(err, errlen, "%u threads: at most %d",
		    cpin->cp_n_threads, POOL_MAX_THREADS);
	if (cpin->cp_n_batch > MODEL_MAX_BATCH)
		return fwd_errf(err, errlen, "a batch of %u tokens: at most "
		    "%d", cpin->cp_n_batch, MODEL_MAX_BATCH);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	c->c_model = m;
	c->c_n_threads = cpin->cp_n_threads == 0 ? 1 : cpin->cp_n_threads;
	c->c_n_batch = cpin->cp_n_batch == 0 ? MODEL_DEFAULT_BATCH :
	    cpin->cp_n_batch;
	/* A layer source owns the layers' memory: never advise it. */
	c->c_fetch = cpin->cp_fetch;
	c->c_fetch_arg = cpin->cp_fetch_arg;
	c->c_stream = cpin->cp_stream != 0 && c->c_fetch == NULL;
	if ((c->c_n_ctx = fwd_n_ctx(m, cpin, err, errlen, &r)) == 0)
		goto fail;
	if (c->c_n_batch > c->c_n_ctx)
		c->c_n_batch = c->c_n_ctx;
	if (c->c_stream && (r = fwd_spans(c, err, errlen)) != 0)
		goto fail;
	r = kv_new(hp->hp_n_layer, c->c_n_ctx, kvdim, cpin->cp_kv_type,
	    &c->c_kv);
	if (r != 0) {
		(void)fwd_errf(err, errlen, "no memory for a KV cache of %u "
		    "positions", c->c_n_ctx);
		goto fail;
	}
	if ((r = pool_new((int)c->c_n_threads, &c->c_pool)) != 0) {
		(void)fwd_errf(err, errlen, "cannot start %u threads",
		    c->c_n_threads);
		goto fail;
	}
	nb = c->c_n_batch;
	widest = hp->hp_n_embd;
	if (hp->hp_n_ff > widest)
		widest = hp->hp_n_ff;
	if (qdim > widest)
		widest = qdim;
	group = hp->hp_n_head / hp->hp_n_head_kv;
	c->c_score_rows = group > FWD_ATT_CHUNK ? group : FWD_ATT_CHUNK;
	c->c_x = calloc(nb * hp->hp_n_embd, sizeof(float));
	c->c_xb = calloc(nb * hp->hp_n_embd, sizeof(float));
	c->c_att = calloc(nb * qdim, sizeof(float));
	c->c_q = calloc(nb * qdim, sizeof(float));
	c->c_k = calloc(nb * kvdim, sizeof(float));
	c->c_v = calloc(nb * kvdim, sizeof(float));
	c->c_hb = calloc(nb * hp->hp_n_ff, sizeof(float));
	c->c_hb2 = calloc(nb * hp->hp_n_ff, sizeof(float));
	c->c_act_len[FWD_A32] = nb * qd_act_bytes(GGUF_TYPE_Q8_0,
	    (widest + 31) / 32 * 32);
	c->c_act_len[FWD_A256] = nb * qd_act_bytes(GGUF_TYPE_Q4_K,
	    (widest + 255) / 256 * 256);
	c->c_act[FWD_A32] = calloc(1, c->c_act_len[FWD_A32]);
	c->c_act[FWD_A256] = calloc(1, c->c_act_len[FWD_A256]);
	c->c_rope_cos = calloc(nb * (hp->hp_rope_dims / 2 + 1), sizeof(float));
	c->c_rope_sin = calloc(nb * (hp->hp_rope_dims / 2 + 1), sizeof(float));
	c->c_scores = calloc(c->c_n_threads * c->c_score_rows *
	    (size_t)c->c_n_ctx, sizeof(float));
	c->c_logits = calloc(hp->hp_n_vocab, sizeof(float));
	c->c_inv_freq = calloc(hp->hp_rope_dims / 2 + 1, sizeof(double));
	if (c->c_x == NULL || c->c_xb == NULL || c->c_att == NULL ||
	    c->c_q == NULL || c->c_k == NULL || c->c_v == NULL ||
	    c->c_hb == NULL || c->c_hb2 == NULL ||
	    c->c_act[FWD_A32] == NULL || c->c_act[FWD_A256] == NULL ||
	    c->c_rope_cos == NULL || c->c_rope_sin == NULL ||
	    c->c_scores == NULL || c->c_logits == NULL ||
	    c->c_inv_freq == NULL) {
		r = PWR_ERR_ALLOC_FAIL;
		(void)fwd_errf(err, errlen, "no memory for a batch of %zu "
		    "tokens", nb);
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

/* Everything derived from the prompt is wiped before it is freed. */
static void
fwd_free_buffers(struct model_ctx *c)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 qdim = hp->hp_n_head * hp->hp_head_dim;
	uint32_t			 kvdim = hp->hp_n_head_kv * hp->hp_head_dim;
	int				 i;

	if (c->c_x != NULL)
		freezero(c->c_x, fwd_buf_floats(c, hp->hp_n_embd) * 4);
	if (c->c_xb != NULL)
		freezero(c->c_xb, fwd_buf_floats(c, hp->hp_n_embd) * 4);
	if (c->c_att != NULL)
		freezero(c->c_att, fwd_buf_floats(c, qdim) * 4);
	if (c->c_q != NULL)
		freezero(c->c_q, fwd_buf_floats(c, qdim) * 4);
	if (c->c_k != NULL)
		freezero(c->c_k, fwd_buf_floats(c, kvdim) * 4);
	if (c->c_v != NULL)
		freezero(c->c_v, fwd_buf_floats(c, kvdim) * 4);
	if (c->c_hb != NULL)
		freezero(c->c_hb, fwd_buf_floats(c, hp->hp_n_ff) * 4);
	if (c->c_hb2 != NULL)
		freezero(c->c_hb2, fwd_buf_floats(c, hp->hp_n_ff) * 4);
	for (i = 0; i < FWD_NACT; i++)
		if (c->c_act[i] != NULL)
			freezero(c->c_act[i], c->c_act_len[i]);
	if (c->c_scores != NULL)
		freezero(c->c_scores, c->c_n_threads * c->c_score_rows *
		    (size_t)c->c_n_ctx * sizeof(float));
	if (c->c_logits != NULL)
		freezero(c->c_logits, hp->hp_n_vocab * sizeof(float));
}

void
model_ctx_free(struct model_ctx *c)
{
	if (c == NULL)
		return;
	pool_free(c->c_pool);
	kv_free(c->c_kv);
	fwd_free_buffers(c);
	free(c->c_rope_cos);
	free(c->c_rope_sin);
	free(c->c_inv_freq);
	free(c->c_spans);
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

uint32_t
model_ctx_threads(const struct model_ctx *c)
{
	return c->c_n_threads;
}

uint32_t
model_ctx_batch(const struct model_ctx *c)
{
	return c->c_n_batch;
}

/* n tokens can be evaluated after the n_past already in the cache. */
static int
fwd_check(const struct model_ctx *c, const int32_t *tokens, size_t n,
    char *err, size_t errlen)
{
	uint32_t	n_vocab = c->c_model->m_hp.hp_n_vocab;
	size_t		i;

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
	return 0;
}

int
model_ctx_streaming(const struct model_ctx *c)
{
	return c->c_stream || c->c_fetch != NULL;
}

void
model_ctx_reset(struct model_ctx *c)
{
	/* Old positions are overwritten before they are read again. */
	c->c_n_past = 0;
}

void
model_ctx_truncate(struct model_ctx *c, uint32_t n)
{
	if (n < c->c_n_past)
		c->c_n_past = n;
}

const float *
model_ctx_logits(const struct model_ctx *c)
{
	return c->c_logits;
}

void
model_ctx_set_timing(struct model_ctx *c, int on)
{
	c->c_timing = on != 0;
}

void
model_ctx_stats(const struct model_ctx *c, struct model_stats *st)
{
	*st = c->c_stats;
}

void
model_ctx_stats_reset(struct model_ctx *c)
{
	memset(&c->c_stats, 0, sizeof(c->c_stats));
}

uint64_t
model_ctx_decode_bytes(const struct model_ctx *c)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;

	return model_weight_bytes(c->c_model) +
	    (uint64_t)kv_bytes_per_pos(hp->hp_n_layer,
	    hp->hp_n_head_kv * hp->hp_head_dim, kv_type(c->c_kv)) *
	    c->c_n_past;
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
fwd_add(float *y, const float *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		y[i] += x[i];
}

/* Each batch row's rotation angles, once for all layers. */
static void
fwd_rope_angles(struct model_ctx *c, uint32_t pos0, uint32_t nb)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 i, t, half = hp->hp_rope_dims / 2;
	double				 theta;

	for (t = 0; t < nb; t++)
		for (i = 0; i < half; i++) {
			theta = (double)(pos0 + t) * hp->hp_rope_freq_scale *
			    c->c_inv_freq[i];
			c->c_rope_cos[t * half + i] = (float)cos(theta);
			c->c_rope_sin[t * half + i] = (float)sin(theta);
		}
}

/*
 * Rotate the first rope_dims values of each of nh heads of batch row t:
 * adjacent pairs (2i, 2i+1) normally, (i, i + d/2) for NeoX.
 */
static void
fwd_rope(const struct model_ctx *c, float *v, uint32_t nh, uint32_t t)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 h, i, half = hp->hp_rope_dims / 2;
	uint32_t			 i0, i1;
	float				 cs, sn, a, b, *hv;

	for (i = 0; i < half; i++) {
		cs = c->c_rope_cos[t * half + i];
		sn = c->c_rope_sin[t * half + i];
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

/* x = softmax(x * scale) over n values. */
static void
fwd_softmax(float *x, uint32_t n, float scale)
{
	double		sum = 0;
	float		max;
	uint32_t	i;

	for (i = 0; i < n; i++)
		x[i] *= scale;
	max = x[0];
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

/* Which activation buffer a weight type reads; -1: the floats. */
static int
fwd_act_class(uint32_t type)
{
	switch (qd_act_class(type)) {
	case QD_ACT_B32:
		return FWD_A32;
	case QD_ACT_B256:
		return FWD_A256;
	default:
		return -1;
	}
}

struct fwd_qjob {
	uint32_t	 q_type;
	const float	*q_x;
	size_t		 q_n;		/* values per row */
	u_char		*q_out;
	size_t		 q_stride;	/* bytes per quantised row */
	uint32_t	 q_rows;
};

static void
fwd_quant_job(void *arg, int ith, int nth)
{
	struct fwd_qjob	*q = arg;
	size_t		 t0, t1, t;

	pool_split(q->q_rows, 1, ith, nth, &t0, &t1);
	for (t = t0; t < t1; t++)
		qd_quantize(q->q_type, q->q_x + t * q->q_n,
		    q->q_out + t * q->q_stride, q->q_n);
}

/*
 * The activations nb rows of x (n values each) become for a weight of
 * type: quantised into the class's buffer unless *done says it already
 * holds them, or x itself for the float types.  *stride gets the bytes
 * between rows.
 */
static const void *
fwd_quantize(struct model_ctx *c, uint32_t type, const float *x, size_t n,
    uint32_t nb, size_t *stride, int *done)
{
	struct fwd_qjob	q;
	int		cls = fwd_act_class(type);

	if (cls < 0) {
		*stride = n * sizeof(float);
		return x;
	}
	*stride = qd_act_bytes(type, n);
	if (!done[cls]) {
		q.q_type = type;
		q.q_x = x;
		q.q_n = n;
		q.q_out = c->c_act[cls];
		q.q_stride = *stride;
		q.q_rows = nb;
		if (nb > 1)
			pool_run(c->c_pool, fwd_quant_job, &q);
		else
			fwd_quant_job(&q, 0, 1);
		done[cls] = 1;
	}
	return c->c_act[cls];
}

static void
fwd_mm_add(struct fwd_mm *mm, const struct model_weight *w, const void *xa,
    size_t xstride, uint32_t nb, float *y, size_t ystride)
{
	struct qd_gemm	*g = &mm->mm_g[mm->mm_n++];

	memset(g, 0, sizeof(*g));
	g->g_type = w->w_type;
	g->g_w = w->w_data;
	g->g_rowbytes = w->w_rowbytes;
	g->g_ncols = w->w_ncols;
	g->g_r0 = 0;
	g->g_r1 = w->w_nrows;
	g->g_x = xa;
	g->g_xstride = xstride;
	g->g_ntok = nb;
	g->g_y = y;
	g->g_ystride = ystride;
}

/*
 * Each thread takes its share of every product's rows (in multiples of
 * 16, which keeps SIMD row tiles whole) and, for gate and up, applies
 * SwiGLU to the rows it computed.
 */
static void
fwd_mm_job(void *arg, int ith, int nth)
{
	struct fwd_mm	*mm = arg;
	struct qd_gemm	 g;
	size_t		 r0, r1, r, t;
	float		*gp, *up, v;
	int		 i;

	for (i = 0; i < mm->mm_n; i++) {
		g = mm->mm_g[i];
		pool_split(g.g_r1, 16, ith, nth, &r0, &r1);
		g.g_r0 = r0;
		g.g_r1 = r1;
		qd_gemm(&g);
	}
	if (!mm->mm_swiglu)
		return;
	pool_split(mm->mm_g[0].g_r1, 16, ith, nth, &r0, &r1);
	for (t = 0; t < mm->mm_g[0].g_ntok; t++) {
		gp = mm->mm_g[0].g_y + t * mm->mm_g[0].g_ystride;
		up = mm->mm_g[1].g_y + t * mm->mm_g[1].g_ystride;
		for (r = r0; r < r1; r++) {
			v = gp[r];
			gp[r] = v / (1.0f + expf(-v)) * up[r];
		}
	}
}

/*
 * y = w x for up to three weights reading the same nb rows of x (n
 * values each); outputs are nb rows of each weight's nrows.
 */
static void
fwd_matmul(struct model_ctx *c, const struct model_weight *w0,
    const struct model_weight *w1, const struct model_weight *w2,
    const float *x, size_t n, uint32_t nb, float *y0, float *y1, float *y2,
    int swiglu)
{
	const struct model_weight	*w[3] = { w0, w1, w2 };
	float				*y[3] = { y0, y1, y2 };
	struct fwd_mm			 mm;
	const void			*xa;
	size_t				 xs;
	int				 done[FWD_NACT] = { 0 }, i;

	memset(&mm, 0, sizeof(mm));
	mm.mm_swiglu = swiglu;
	for (i = 0; i < 3 && w[i] != NULL; i++) {
		xa = fwd_quantize(c, w[i]->w_type, x, n, nb, &xs, done);
		fwd_mm_add(&mm, w[i], xa, xs, nb, y[i], w[i]->w_nrows);
	}
	pool_run(c->c_pool, fwd_mm_job, &mm);
}

/*
 * Attention of nrows query rows that share KV head kvh: row i is at
 * q + i * qstride with position pos0 + i * step and attends to
 * positions 0 ... its own.  One product gives every row's scores for
 * the longest prefix; each row then softmaxes its own and sums values.
 */
static void
fwd_attn_rows(struct model_ctx *c, float *scores, uint32_t il, uint32_t kvh,
    const float *q, size_t qstride, uint32_t nrows, uint32_t pos0, int step,
    float *out, size_t ostride)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	const u_char			*kb, *vb;
	struct qd_gemm			 g;
	size_t				 rb, elt;
	uint32_t			 i, np, hd = hp->hp_head_dim;
	uint32_t			 type = kv_type(c->c_kv);
	float				 scale = 1.0f / sqrtf((float)hd);

	elt = type == GGUF_TYPE_F32 ? 4 : 2;
	np = pos0 + (nrows - 1) * (uint32_t)step + 1;
	kb = kv_keys(c->c_kv, il, &rb);
	vb = kv_values(c->c_kv, il, &rb);
	memset(&g, 0, sizeof(g));
	g.g_type = type;
	g.g_w = kb + (size_t)kvh * hd * elt;
	g.g_rowbytes = rb;
	g.g_ncols = hd;
	g.g_r0 = 0;
	g.g_r1 = np;
	g.g_x = q;
	g.g_xstride = qstride * sizeof(float);
	g.g_ntok = nrows;
	g.g_y = scores;
	g.g_ystride = c->c_n_ctx;
	qd_gemm(&g);
	for (i = 0; i < nrows; i++) {
		np = pos0 + i * (uint32_t)step + 1;
		fwd_softmax(scores + (size_t)i * c->c_n_ctx, np, scale);
		qd_wsum(type, vb + (size_t)kvh * hd * elt, rb, np,
		    scores + (size_t)i * c->c_n_ctx, out + i * ostride, hd);
	}
}

/*
 * Units of work are (head, chunk of FWD_ATT_CHUNK tokens); a thread
 * takes a contiguous run.  Decoding a single token, heads of the same
 * KV group go into one product so their keys are read once.
 */
static void
fwd_attn_job(void *arg, int ith, int nth)
{
	struct model_ctx		*c = arg;
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 hd = hp->hp_head_dim, nb = c->c_nb;
	uint32_t			 qdim = hp->hp_n_head * hd;
	uint32_t			 group = hp->hp_n_head / hp->hp_n_head_kv;
	uint32_t			 nchunk, h, he, ch, t0, tn;
	size_t				 u0, u1, u;
	float				*scores;

	scores = c->c_scores + (size_t)ith * c->c_score_rows * c->c_n_ctx;
	nchunk = (nb + FWD_ATT_CHUNK - 1) / FWD_ATT_CHUNK;
	pool_split((size_t)hp->hp_n_head * nchunk, 1, ith, nth, &u0, &u1);
	if (nb == 1) {
		for (h = (uint32_t)u0; h < u1; h = he) {
			he = (h / group + 1) * group;
			if (he > u1)
				he = (uint32_t)u1;
			fwd_attn_rows(c, scores, c->c_il, h / group,
			    c->c_q + (size_t)h * hd, hd, he - h, c->c_pos0, 0,
			    c->c_att + (size_t)h * hd, hd);
		}
		return;
	}
	for (u = u0; u < u1; u++) {
		h = (uint32_t)(u / nchunk);
		ch = (uint32_t)(u % nchunk);
		t0 = ch * FWD_ATT_CHUNK;
		tn = nb - t0 < FWD_ATT_CHUNK ? nb - t0 : FWD_ATT_CHUNK;
		fwd_attn_rows(c, scores, c->c_il, h / group,
		    c->c_q + (size_t)t0 * qdim + (size_t)h * hd, qdim, tn,
		    c->c_pos0 + t0, 1,
		    c->c_att + (size_t)t0 * qdim + (size_t)h * hd, qdim);
	}
}

static void
fwd_layer(struct model_ctx *c, uint32_t il)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	const struct model_layer	*l = &c->c_model->m_layers[il];
	uint32_t			 t, nb = c->c_nb, ne = hp->hp_n_embd;
	uint32_t			 qdim = hp->hp_n_head * hp->hp_head_dim;
	uint32_t			 kvdim = hp->hp_n_head_kv * hp->hp_head_dim;
	uint64_t			 t0 = c->c_timing ? fwd_now() : 0;

	c->c_il = il;
	for (t = 0; t < nb; t++)
		fwd_rmsnorm(c->c_xb + (size_t)t * ne, c->c_x + (size_t)t * ne,
		    l->l_attn_norm.w_data, ne, hp->hp_rms_eps);
	fwd_matmul(c, &l->l_wq, &l->l_wk, &l->l_wv, c->c_xb, ne, nb,
	    c->c_q, c->c_k, c->c_v, 0);
	for (t = 0; t < nb; t++) {
		if (l->l_bq.w_data != NULL) {
			fwd_add(c->c_q + (size_t)t * qdim, l->l_bq.w_data,
			    qdim);
			fwd_add(c->c_k + (size_t)t * kvdim, l->l_bk.w_data,
			    kvdim);
			fwd_add(c->c_v + (size_t)t * kvdim, l->l_bv.w_data,
			    kvdim);
		}
		fwd_rope(c, c->c_q + (size_t)t * qdim, hp->hp_n_head, t);
		fwd_rope(c, c->c_k + (size_t)t * kvdim, hp->hp_n_head_kv, t);
		kv_store(c->c_kv, il, c->c_pos0 + t,
		    c->c_k + (size_t)t * kvdim, c->c_v + (size_t)t * kvdim);
	}
	pool_run(c->c_pool, fwd_attn_job, c);
	fwd_matmul(c, &l->l_wo, NULL, NULL, c->c_att, qdim, nb, c->c_xb,
	    NULL, NULL, 0);
	fwd_add(c->c_x, c->c_xb, (size_t)nb * ne);
	fwd_time(c, MODEL_STAGE_ATTN, &t0);

	for (t = 0; t < nb; t++)
		fwd_rmsnorm(c->c_xb + (size_t)t * ne, c->c_x + (size_t)t * ne,
		    l->l_ffn_norm.w_data, ne, hp->hp_rms_eps);
	fwd_matmul(c, &l->l_gate, &l->l_up, NULL, c->c_xb, ne, nb, c->c_hb,
	    c->c_hb2, NULL, 1);
	fwd_matmul(c, &l->l_down, NULL, NULL, c->c_hb, hp->hp_n_ff, nb,
	    c->c_xb, NULL, NULL, 0);
	fwd_add(c->c_x, c->c_xb, (size_t)nb * ne);
	fwd_time(c, MODEL_STAGE_FFN, &t0);
}

/*
 * Logits of nb rows of normed activations into out (n_vocab per row);
 * streaming, the classifier goes in chunks of rows, each dropped from
 * the mapping once used.
 */
static void
fwd_output(struct model_ctx *c, const float *xn, uint32_t nb, float *out)
{
	const struct model		*m = c->c_model;
	const struct model_weight	*w = &m->m_output;
	struct model_weight		 part;
	uint32_t			 r, n, nv = m->m_hp.hp_n_vocab;
	uint32_t			 ne = m->m_hp.hp_n_embd;
	size_t				 xs;
	const void			*xa;
	struct fwd_mm			 mm;
	int				 done[FWD_NACT] = { 0 };

	if (!c->c_stream) {
		fwd_matmul(c, w, NULL, NULL, xn, ne, nb, out, NULL, NULL, 0);
		return;
	}
	xa = fwd_quantize(c, w->w_type, xn, ne, nb, &xs, done);
	for (r = 0; r < nv; r += n) {
		n = nv - r < c->c_out_chunk ? nv - r : c->c_out_chunk;
		if (r + n < nv)
			fwd_advise((const u_char *)w->w_data +
			    (size_t)(r + n) * w->w_rowbytes,
			    (size_t)(nv - r - n < c->c_out_chunk ?
			    nv - r - n : c->c_out_chunk) * w->w_rowbytes,
			    MADV_WILLNEED);
		part = *w;
		part.w_data = (const u_char *)w->w_data +
		    (size_t)r * w->w_rowbytes;
		part.w_nrows = n;
		memset(&mm, 0, sizeof(mm));
		fwd_mm_add(&mm, &part, xa, xs, nb, out + r, nv);
		pool_run(c->c_pool, fwd_mm_job, &mm);
		fwd_advise(part.w_data, (size_t)n * w->w_rowbytes,
		    MADV_DONTNEED);
	}
}

/* The layer source, timed as streaming; 0 or -1. */
static int
fwd_fetch(struct model_ctx *c, uint32_t il, int acquire)
{
	uint64_t	t0 = c->c_timing ? fwd_now() : 0;
	int		r;

	r = c->c_fetch(c->c_fetch_arg, il, acquire);
	fwd_time(c, MODEL_STAGE_OTHER, &t0);
	return r == 0 ? 0 : -1;
}

/*
 * One pass of nb tokens at positions n_past ...; logits of every token
 * into all (n_vocab per row) when all is not NULL, else of the last one
 * into c_logits when want_last.  -1 (nothing advanced) if the layer
 * source failed; *failed is the layer.
 */
static int
fwd_pass(struct model_ctx *c, const int32_t *tokens, uint32_t nb,
    float *all, int want_last, uint32_t *failed)
{
	const struct model		*m = c->c_model;
	const struct model_hparams	*hp = &m->m_hp;
	const struct model_weight	*e = &m->m_tok_embd;
	const u_char			*row;
	struct fwd_span			*s;
	uint32_t			 il, t, ne = hp->hp_n_embd;
	uint64_t			 t0 = c->c_timing ? fwd_now() : 0;

	c->c_nb = nb;
	c->c_pos0 = c->c_n_past;
	for (t = 0; t < nb; t++) {
		row = (const u_char *)e->w_data +
		    (size_t)tokens[t] * e->w_rowbytes;
		quant_dequant_row(e->w_type, row, c->c_x + (size_t)t * ne, ne);
		if (c->c_stream && !m->m_tied)
			fwd_advise(row, e->w_rowbytes, MADV_DONTNEED);
	}
	fwd_rope_angles(c, c->c_pos0, nb);
	if (c->c_stream)
		fwd_advise(c->c_spans[0].s_start, c->c_spans[0].s_len,
		    MADV_WILLNEED);
	fwd_time(c, MODEL_STAGE_OTHER, &t0);
	for (il = 0; il < hp->hp_n_layer; il++) {
		if (c->c_stream && il + 1 < hp->hp_n_layer) {
			s = &c->c_spans[il + 1];
			fwd_advise(s->s_start, s->s_len,
			    MADV_WILLNEED);
		}
		if (c->c_fetch != NULL && fwd_fetch(c, il, 1) != 0) {
			*failed = il;
			return -1;
		}
		fwd_layer(c, il);
		if (c->c_fetch != NULL)
			(void)fwd_fetch(c, il, 0);
		if (c->c_stream) {
			t0 = c->c_timing ? fwd_now() : 0;
			s = &c->c_spans[il];
			fwd_advise(s->s_start, s->s_len,
			    MADV_DONTNEED);
			fwd_time(c, MODEL_STAGE_OTHER, &t0);
		}
	}
	t0 = c->c_timing ? fwd_now() : 0;
	if (c->c_pooled != NULL)
		fwd_pool(c, nb);
	else if (all != NULL) {
		for (t = 0; t < nb; t++)
			fwd_rmsnorm(c->c_xb + (size_t)t * ne,
			    c->c_x + (size_t)t * ne, m->m_out_norm.w_data, ne,
			    hp->hp_rms_eps);
		fwd_output(c, c->c_xb, nb, all);
	} else if (want_last) {
		fwd_rmsnorm(c->c_xb, c->c_x + (size_t)(nb - 1) * ne,
		    m->m_out_norm.w_data, ne, hp->hp_rms_eps);
		fwd_output(c, c->c_xb, 1, c->c_logits);
	}
	fwd_time(c, MODEL_STAGE_OUTPUT, &t0);
	c->c_n_past += nb;
	c->c_stats.ms_tokens += nb;
	c->c_stats.ms_passes++;
	return 0;
}

int
model_eval(struct model_ctx *c, const int32_t *tokens, size_t n, float *all,
    char *err, size_t errlen)
{
	uint32_t	 n_vocab = c->c_model->m_hp.hp_n_vocab, nb, il;
	size_t		 i;
	int		 r;

	if ((r = fwd_check(c, tokens, n, err, errlen)) != 0)
		return r;
	for (i = 0; i < n; i += nb) {
		nb = n - i < c->c_n_batch ? (uint32_t)(n - i) : c->c_n_batch;
		if (fwd_pass(c, tokens + i, nb,
		    all != NULL ? all + i * n_vocab : NULL, i + nb == n,
		    &il) != 0)
			return pwr_errf(err, errlen, PWR_ERR_NOT_FOUND,
			    "the weights of layer %u are not available", il);
	}
	if (all != NULL)
		memcpy(c->c_logits, all + (n - 1) * n_vocab,
		    n_vocab * sizeof(float));
	return 0;
}

/*
 * An embedding pass: the final norm of each token's hidden state goes
 * into the pooled vector instead of through the classifier.
 */
static void
fwd_pool(struct model_ctx *c, uint32_t nb)
{
	const struct model		*m = c->c_model;
	const struct model_hparams	*hp = &m->m_hp;
	uint32_t			 t, i, ne = hp->hp_n_embd;
	const float			*x;

	for (t = 0; t < nb; t++) {
		if ((hp->hp_pooling == MODEL_POOLING_CLS &&
		    c->c_pos0 + t != 0) ||
		    (hp->hp_pooling == MODEL_POOLING_LAST && t + 1 != nb))
			continue;
		fwd_rmsnorm(c->c_xb, c->c_x + (size_t)t * ne,
		    m->m_out_norm.w_data, ne, hp->hp_rms_eps);
		x = c->c_xb;
		if (hp->hp_pooling == MODEL_POOLING_MEAN)
			for (i = 0; i < ne; i++)
				c->c_pooled[i] += x[i];
		else
			memcpy(c->c_pooled, x, ne * sizeof(float));
	}
}

int
model_embed(struct model_ctx *c, const int32_t *tokens, size_t n, float *out,
    char *err, size_t errlen)
{
	const struct model_hparams	*hp = &c->c_model->m_hp;
	uint32_t			 nb, i, il, ne = hp->hp_n_embd;
	double				 ss = 0;
	size_t				 k;
	float				 scale;
	int				 r;

	memset(out, 0, ne * sizeof(float));
	model_ctx_reset(c);
	if ((r = fwd_check(c, tokens, n, err, errlen)) != 0)
		return r;
	c->c_pooled = out;
	for (k = 0; k < n; k += nb) {
		nb = n - k < c->c_n_batch ? (uint32_t)(n - k) : c->c_n_batch;
		if (fwd_pass(c, tokens + k, nb, NULL, 0, &il) != 0) {
			c->c_pooled = NULL;
			model_ctx_reset(c);
			return pwr_errf(err, errlen, PWR_ERR_NOT_FOUND,
			    "the weights of layer %u are not available", il);
		}
	}
	c->c_pooled = NULL;
	model_ctx_reset(c);
	if (hp->hp_pooling == MODEL_POOLING_MEAN)
		for (i = 0; i < ne; i++)
			out[i] /= (float)n;
	for (i = 0; i < ne; i++)
		ss += (double)out[i] * out[i];
	scale = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
	for (i = 0; i < ne; i++)
		out[i] *= scale;
	return 0;
}
