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
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xmalloc.h"
#include "engine/sampler.h"

/*
 * The sampler.  One call runs, in llama.cpp's default order: logit
 * bias, penalties, then either greedy argmax (temperature 0) or top-k,
 * top-p, min-p, temperature, softmax and a draw.  Top-p and min-p
 * measure probabilities at temperature 1, before the temperature step,
 * as llama.cpp does.
 *
 * Bias and penalties are applied to the caller's logits in place; the
 * filters work on a candidate array of n_vocab entries allocated once.
 * The penalty window is a ring of the last penalty_last_n accepted
 * tokens with a count per vocabulary entry, so a penalty costs the
 * window's length, not the vocabulary's.
 *
 * NaN logits count as -inf.  A +inf logit wins: the +inf tokens share
 * all the probability.  If every token is -inf, token 0 is returned,
 * which is what the greedy "lowest id wins ties" rule gives too.
 *
 * The random numbers are xoshiro256** (Blackman and Vigna), its state
 * seeded from sp_seed through splitmix64 as its authors recommend: a
 * small, fast generator whose output is the same on every platform, so
 * a seed names one sequence of tokens.
 */

/* Marks a window token whose penalty this call has already applied. */
#define SAMPLER_COUNT_DONE	0x80000000U

#define SAMPLER_ROTL(x, k)	(((x) << (k)) | ((x) >> (64 - (k))))

struct sampler_cand {
	int32_t	c_id;
	float	c_logit;
	float	c_p;		/* exp(logit - max), not normalised */
};

struct sampler {
	struct sampler_params	 s_params;
	struct sampler_bias	*s_bias;	/* sp_bias points here */
	uint32_t		 s_nvocab;
	struct sampler_cand	*s_cand;	/* n_vocab */
	int32_t			*s_ring;	/* the window, or NULL */
	uint32_t		*s_count;	/* n_vocab, or NULL */
	uint32_t		 s_ring_head;	/* next slot to write */
	uint32_t		 s_ring_len;
	uint64_t		 s_rng[4];
};

static int	sampler_check(const struct sampler_params *, uint32_t);
static uint64_t	sampler_splitmix64(uint64_t *);
static void	sampler_seed(struct sampler *);
static uint64_t	sampler_next(struct sampler *);
static double	sampler_uniform(struct sampler *);
static void	sampler_apply_bias(struct sampler *, float *);
static void	sampler_apply_penalties(struct sampler *, float *);
static int32_t	sampler_greedy(const float *, uint32_t);
static int	sampler_cand_better(const struct sampler_cand *,
		    const struct sampler_cand *);
static int	sampler_cand_cmp(const void *, const void *);
static void	sampler_sift_down(struct sampler_cand *, size_t, size_t);
static size_t	sampler_top_k(struct sampler_cand *, size_t, size_t);
static double	sampler_softmax(struct sampler_cand *, size_t);
static size_t	sampler_partition(struct sampler_cand *, size_t, float,
		    double *);
static size_t	sampler_top_p(struct sampler_cand *, size_t, float, int);
static size_t	sampler_min_p(struct sampler_cand *, size_t, float);
static int32_t	sampler_draw(struct sampler *, struct sampler_cand *,
		    size_t);

void
sampler_defaults(struct sampler_params *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->sp_temp = 0.0f;
	sp->sp_top_k = 0;
	sp->sp_top_p = 1.0f;
	sp->sp_min_p = 0.0f;
	sp->sp_repeat_penalty = 1.0f;
	sp->sp_freq_penalty = 0.0f;
	sp->sp_presence_penalty = 0.0f;
	sp->sp_penalty_last_n = 64;
	sp->sp_seed = 0;
	sp->sp_bias = NULL;
	sp->sp_nbias = 0;
}

/* Every value in range, so sampling never has to check again. */
static int
sampler_check(const struct sampler_params *sp, uint32_t n_vocab)
{
	size_t	i;

	if (n_vocab == 0 || n_vocab > INT32_MAX)
		return PWR_ERR_RANGE;
	/* !(x >= 0) also catches NaN. */
	if (!(sp->sp_temp >= 0.0f) || isinf(sp->sp_temp))
		return PWR_ERR_RANGE;
	if (!(sp->sp_top_p > 0.0f && sp->sp_top_p <= 1.0f))
		return PWR_ERR_RANGE;
	if (!(sp->sp_min_p >= 0.0f && sp->sp_min_p <= 1.0f))
		return PWR_ERR_RANGE;
	/* The repeat penalty divides: it must be a positive number. */
	if (!(sp->sp_repeat_penalty > 0.0f) || isinf(sp->sp_repeat_penalty))
		return PWR_ERR_RANGE;
	if (!isfinite(sp->sp_freq_penalty) ||
	    !isfinite(sp->sp_presence_penalty))
		return PWR_ERR_RANGE;
	if (sp->sp_penalty_last_n > SAMPLER_MAX_WINDOW)
		return PWR_ERR_RANGE;
	if (sp->sp_nbias > SAMPLER_MAX_BIAS ||
	    (sp->sp_nbias > 0 && sp->sp_bias == NULL))
		return PWR_ERR_RANGE;
	for (i = 0; i < sp->sp_nbias; i++) {
		if (sp->sp_bias[i].sb_id < 0 ||
		    (uint32_t)sp->sp_bias[i].sb_id >= n_vocab)
			return PWR_ERR_RANGE;
		if (isnan(sp->sp_bias[i].sb_bias))
			return PWR_ERR_RANGE;
	}
	return 0;
}

int
sampler_new(const struct sampler_params *params, uint32_t n_vocab,
    struct sampler **sp)
{
	struct sampler_params	 def;
	struct sampler		*s;
	int			 r;

	*sp = NULL;
	if (params == NULL) {
		sampler_defaults(&def);
		params = &def;
	}
	if ((r = sampler_check(params, n_vocab)) != 0)
		return r;

	s = xcalloc(1, sizeof(*s));
	s->s_params = *params;
	s->s_nvocab = n_vocab;
	s->s_cand = xcalloc(n_vocab, sizeof(*s->s_cand));
	if (params->sp_nbias > 0) {
		s->s_bias = xcalloc(params->sp_nbias, sizeof(*s->s_bias));
		memcpy(s->s_bias, params->sp_bias,
		    params->sp_nbias * sizeof(*s->s_bias));
	}
	s->s_params.sp_bias = s->s_bias;
	if (params->sp_penalty_last_n > 0) {
		s->s_ring = xcalloc(params->sp_penalty_last_n,
		    sizeof(*s->s_ring));
		s->s_count = xcalloc(n_vocab, sizeof(*s->s_count));
	}
	sampler_seed(s);
	*sp = s;
	return 0;
}

void
sampler_free(struct sampler *s)
{
	if (s == NULL)
		return;
	free(s->s_cand);
	free(s->s_ring);
	free(s->s_count);
	free(s->s_bias);
	free(s);
}

void
sampler_reset(struct sampler *s)
{
	uint32_t	i;

	/*
	 * Only the window's tokens have counts: clear just those.  The
	 * ring fills slots 0 to len - 1 before it wraps, so those are the
	 * slots in use either way.
	 */
	for (i = 0; i < s->s_ring_len; i++)
		s->s_count[s->s_ring[i]] = 0;
	s->s_ring_head = 0;
	s->s_ring_len = 0;
	sampler_seed(s);
}

void
sampler_accept(struct sampler *s, int32_t id)
{
	uint32_t	w = s->s_params.sp_penalty_last_n;

	if (w == 0 || id < 0 || (uint32_t)id >= s->s_nvocab)
		return;
	if (s->s_ring_len == w)
		s->s_count[s->s_ring[s->s_ring_head]]--;
	else
		s->s_ring_len++;
	s->s_ring[s->s_ring_head] = id;
	s->s_count[id]++;
	s->s_ring_head = (s->s_ring_head + 1) % w;
}

static uint64_t
sampler_splitmix64(uint64_t *x)
{
	uint64_t	z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 never yields an all-zero xoshiro state from any seed. */
static void
sampler_seed(struct sampler *s)
{
	uint64_t	x = s->s_params.sp_seed;
	int		i;

	for (i = 0; i < 4; i++)
		s->s_rng[i] = sampler_splitmix64(&x);
}

/* xoshiro256**. */
static uint64_t
sampler_next(struct sampler *s)
{
	uint64_t	*st = s->s_rng, out, t;

	out = SAMPLER_ROTL(st[1] * 5, 7) * 9;
	t = st[1] << 17;
	st[2] ^= st[0];
	st[3] ^= st[1];
	st[1] ^= st[2];
	st[0] ^= st[3];
	st[2] ^= t;
	st[3] = SAMPLER_ROTL(st[3], 45);
	return out;
}

/* Uniform in [0, 1) from the top 53 bits, exact in a double. */
static double
sampler_uniform(struct sampler *s)
{
	return (double)(sampler_next(s) >> 11) * 0x1.0p-53;
}

static void
sampler_apply_bias(struct sampler *s, float *logits)
{
	size_t	i;

	for (i = 0; i < s->s_params.sp_nbias; i++)
		logits[s->s_bias[i].sb_id] += s->s_bias[i].sb_bias;
}

/*
 * llama.cpp's penalties, once per distinct token in the window: the
 * repeat penalty divides a positive logit and multiplies a negative
 * one, then the frequency penalty is taken count times and the
 * presence penalty once.  The DONE bit skips repeats of a token in
 * the ring; the second pass clears it.
 */
static void
sampler_apply_penalties(struct sampler *s, float *logits)
{
	const struct sampler_params	*sp = &s->s_params;
	uint32_t			 i, c;
	int32_t				 id;

	if (s->s_ring_len == 0 || (sp->sp_repeat_penalty == 1.0f &&
	    sp->sp_freq_penalty == 0.0f && sp->sp_presence_penalty == 0.0f))
		return;
	for (i = 0; i < s->s_ring_len; i++) {
		id = s->s_ring[i];
		c = s->s_count[id];
		if (c & SAMPLER_COUNT_DONE)
			continue;
		if (logits[id] <= 0.0f)
			logits[id] *= sp->sp_repeat_penalty;
		else
			logits[id] /= sp->sp_repeat_penalty;
		logits[id] -= (float)c * sp->sp_freq_penalty +
		    sp->sp_presence_penalty;
		s->s_count[id] = c | SAMPLER_COUNT_DONE;
	}
	for (i = 0; i < s->s_ring_len; i++)
		s->s_count[s->s_ring[i]] &= ~SAMPLER_COUNT_DONE;
}

/* Argmax; NaN never wins, and the lowest id wins a tie. */
static int32_t
sampler_greedy(const float *logits, uint32_t n)
{
	uint32_t	i, best = 0;
	float		bv = -INFINITY;

	for (i = 0; i < n; i++) {
		if (logits[i] > bv) {
			bv = logits[i];
			best = i;
		}
	}
	return (int32_t)best;
}

/* Higher logit first, then lower id: a total order, so sorts agree. */
static int
sampler_cand_better(const struct sampler_cand *a,
    const struct sampler_cand *b)
{
	if (a->c_logit != b->c_logit)
		return a->c_logit > b->c_logit;
	return a->c_id < b->c_id;
}

static int
sampler_cand_cmp(const void *va, const void *vb)
{
	const struct sampler_cand	*a = va, *b = vb;

	if (a->c_id == b->c_id)
		return 0;
	return sampler_cand_better(a, b) ? -1 : 1;
}

/* Sift entry i down a heap of n whose root is the worst candidate. */
static void
sampler_sift_down(struct sampler_cand *c, size_t n, size_t i)
{
	struct sampler_cand	tmp;
	size_t			l, w;

	for (;;) {
		w = i;
		l = 2 * i + 1;
		if (l < n && sampler_cand_better(&c[w], &c[l]))
			w = l;
		if (l + 1 < n && sampler_cand_better(&c[w], &c[l + 1]))
			w = l + 1;
		if (w == i)
			return;
		tmp = c[i];
		c[i] = c[w];
		c[w] = tmp;
		i = w;
	}
}

/*
 * The k best to the front, sorted.  A heap of the k best so far, with
 * the worst of them at the root, costs n log k rather than a full sort
 * of the vocabulary; swapping keeps the array a permutation.
 */
static size_t
sampler_top_k(struct sampler_cand *c, size_t n, size_t k)
{
	struct sampler_cand	tmp;
	size_t			i;

	if (k == 0 || k >= n) {
		qsort(c, n, sizeof(*c), sampler_cand_cmp);
		return n;
	}
	for (i = k / 2; i-- > 0;)
		sampler_sift_down(c, k, i);
	for (i = k; i < n; i++) {
		if (!sampler_cand_better(&c[i], &c[0]))
			continue;
		tmp = c[0];
		c[0] = c[i];
		c[i] = tmp;
		sampler_sift_down(c, k, 0);
	}
	qsort(c, k, sizeof(*c), sampler_cand_cmp);
	return k;
}

/*
 * Fill c_p with exp(logit - max) and return their sum.  With a +inf
 * logit the +inf tokens get weight 1 and the rest 0.
 */
static double
sampler_softmax(struct sampler_cand *c, size_t n)
{
	double	sum = 0.0;
	float	max = -INFINITY;
	size_t	i;

	for (i = 0; i < n; i++)
		if (c[i].c_logit > max)
			max = c[i].c_logit;
	for (i = 0; i < n; i++) {
		if (isinf(max))
			c[i].c_p = c[i].c_logit == max ? 1.0f : 0.0f;
		else
			c[i].c_p = expf(c[i].c_logit - max);
		sum += c[i].c_p;
	}
	return sum;
}

/*
 * Move the candidates weighing at least w to the front; their count,
 * and their weight in *mass.
 */
static size_t
sampler_partition(struct sampler_cand *c, size_t n, float w, double *mass)
{
	struct sampler_cand	tmp;
	size_t			i, m = 0;

	*mass = 0.0;
	for (i = 0; i < n; i++) {
		if (!(c[i].c_p >= w))
			continue;
		*mass += c[i].c_p;
		tmp = c[m];
		c[m++] = c[i];
		c[i] = tmp;
	}
	return m;
}

/*
 * The shortest prefix, best first, holding at least p.  Sorting a
 * whole vocabulary costs milliseconds and the prefix is usually short,
 * so unless top-k sorted them already, move the candidates within
 * -log(w) of the best logit to the front and sort only those.  Every
 * candidate left behind ranks below all of them, so a prefix that ends
 * among them is the one a full sort gives, with the same sums.  If it
 * does not, lower w; w = 0 takes everything.
 */
static size_t
sampler_top_p(struct sampler_cand *c, size_t n, float p, int sorted)
{
	static const float	 floors[] = { 1e-3f, 1e-6f, 1e-12f, 0.0f };
	double			 sum, target, cum, mass;
	size_t			 f, i, m;

	sum = sampler_softmax(c, n);
	target = (double)p * sum;
	for (f = 0; f < sizeof(floors) / sizeof(floors[0]); f++) {
		m = n;
		if (!sorted) {
			m = sampler_partition(c, n, floors[f], &mass);
			if (mass < target && m < n)
				continue;
			qsort(c, m, sizeof(*c), sampler_cand_cmp);
		}
		cum = 0.0;
		for (i = 0; i < m; i++) {
			cum += c[i].c_p;
			if (cum >= target)
				return i + 1;
		}
		if (m == n)
			break;
	}
	return n;
}

/*
 * Keep tokens at least min_p times as likely as the best one, i.e.
 * whose logit is within -log(min_p) of the maximum.  Stable, so a
 * sorted array stays sorted; the best token always stays.
 */
static size_t
sampler_min_p(struct sampler_cand *c, size_t n, float min_p)
{
	float	max = -INFINITY, floor;
	size_t	i, kept = 0;

	for (i = 0; i < n; i++)
		if (c[i].c_logit > max)
			max = c[i].c_logit;
	floor = max + logf(min_p);
	for (i = 0; i < n; i++)
		if (c[i].c_logit >= floor)
			c[kept++] = c[i];
	return kept;
}

/*
 * One uniform draw against the running sum.  Rounding may leave the
 * sum short of the target; the last token with any weight takes that.
 */
static int32_t
sampler_draw(struct sampler *s, struct sampler_cand *c, size_t n)
{
	double	sum, target, cum = 0.0;
	size_t	i, last = 0;

	sum = sampler_softmax(c, n);
	target = sampler_uniform(s) * sum;
	for (i = 0; i < n; i++) {
		if (c[i].c_p <= 0.0f)
			continue;
		last = i;
		cum += c[i].c_p;
		if (cum > target)
			return c[i].c_id;
	}
	return c[last].c_id;
}

int32_t
sampler_sample(struct sampler *s, float *logits)
{
	const struct sampler_params	*sp = &s->s_params;
	struct sampler_cand		*c = s->s_cand;
	size_t				 i, n = 0;
	int				 sorted = 0;

	sampler_apply_bias(s, logits);
	sampler_apply_penalties(s, logits);
	if (sp->sp_temp <= 0.0f)
		return sampler_greedy(logits, s->s_nvocab);

	/* Banned and NaN tokens can never be drawn: leave them out. */
	for (i = 0; i < s->s_nvocab; i++) {
		if (!(logits[i] > -INFINITY))
			continue;
		c[n].c_id = (int32_t)i;
		c[n].c_logit = logits[i];
		n++;
	}
	if (n == 0)
		return 0;

	if (sp->sp_top_k > 0 && sp->sp_top_k < n) {
		n = sampler_top_k(c, n, sp->sp_top_k);
		sorted = 1;
	}
	if (sp->sp_top_p < 1.0f)
		n = sampler_top_p(c, n, sp->sp_top_p, sorted);
	if (sp->sp_min_p > 0.0f)
		n = sampler_min_p(c, n, sp->sp_min_p);
	if (sp->sp_temp != 1.0f)
		for (i = 0; i < n; i++)
			c[i].c_logit /= sp->sp_temp;
	return sampler_draw(s, c, n);
}
