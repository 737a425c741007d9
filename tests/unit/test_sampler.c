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

#include <CUnit/CUnit.h>

#include "err.h"
#include "engine/sampler.h"
#include "tests.h"

/*
 * The sampler's behaviour, not its internals: which token comes out for
 * given logits, history and parameters, and how often over many draws.
 * Every draw is seeded, so the counts below are fixed numbers; the
 * bounds are still wide enough (five standard deviations or more) to
 * hold for any seed, so they test the distribution, not the generator.
 */

#define TS_DRAWS	10000

static struct sampler	*ts_new(const struct sampler_params *, uint32_t);
static void	ts_count(struct sampler *, const float *, uint32_t,
		    uint32_t *);
static int32_t	ts_once(struct sampler *, const float *, uint32_t);
static void	ts_refused(const struct sampler_params *, uint32_t);

static void	test_bad_params(void);
static void	test_defaults(void);
static void	test_greedy(void);
static void	test_greedy_nan_inf(void);
static void	test_seed(void);
static void	test_top_k(void);
static void	test_top_p(void);
static void	test_min_p(void);
static void	test_temperature(void);
static void	test_repeat_penalty(void);
static void	test_freq_presence(void);
static void	test_bias(void);
static void	test_window(void);
static void	test_reset(void);
static void	test_sampling_nan_inf(void);

static struct sampler *
ts_new(const struct sampler_params *sp, uint32_t n_vocab)
{
	struct sampler	*s = NULL;

	CU_ASSERT_FATAL(sampler_new(sp, n_vocab, &s) == 0);
	CU_ASSERT_FATAL(s != NULL);
	return s;
}

/* One sample from a fresh copy of logits, which sampling may change. */
static int32_t
ts_once(struct sampler *s, const float *logits, uint32_t n)
{
	float	buf[16];

	CU_ASSERT_FATAL(n <= 16);
	memcpy(buf, logits, n * sizeof(*buf));
	return sampler_sample(s, buf);
}

/* TS_DRAWS samples into hist[n]; history is not touched. */
static void
ts_count(struct sampler *s, const float *logits, uint32_t n, uint32_t *hist)
{
	int32_t	id;
	int	i;

	memset(hist, 0, n * sizeof(*hist));
	for (i = 0; i < TS_DRAWS; i++) {
		id = ts_once(s, logits, n);
		CU_ASSERT_FATAL(id >= 0 && (uint32_t)id < n);
		hist[id]++;
	}
}

static void
ts_refused(const struct sampler_params *sp, uint32_t n_vocab)
{
	struct sampler	*s = (struct sampler *)1;

	CU_ASSERT_EQUAL(sampler_new(sp, n_vocab, &s), PWR_ERR_RANGE);
	CU_ASSERT_PTR_NULL(s);
}

static void
test_bad_params(void)
{
	struct sampler_params	sp;
	struct sampler_bias	b[SAMPLER_MAX_BIAS + 1];
	struct sampler		*s;

	memset(b, 0, sizeof(b));
	sampler_defaults(&sp);
	ts_refused(&sp, 0);
	ts_refused(&sp, (uint32_t)INT32_MAX + 1);
	ts_refused(NULL, 0);

	sp.sp_temp = -0.5f;
	ts_refused(&sp, 8);
	sp.sp_temp = NAN;
	ts_refused(&sp, 8);
	sp.sp_temp = INFINITY;
	ts_refused(&sp, 8);

	sampler_defaults(&sp);
	sp.sp_top_p = 0.0f;
	ts_refused(&sp, 8);
	sp.sp_top_p = 1.01f;
	ts_refused(&sp, 8);
	sp.sp_top_p = NAN;
	ts_refused(&sp, 8);

	sampler_defaults(&sp);
	sp.sp_min_p = -0.01f;
	ts_refused(&sp, 8);
	sp.sp_min_p = 1.5f;
	ts_refused(&sp, 8);

	sampler_defaults(&sp);
	sp.sp_repeat_penalty = 0.0f;
	ts_refused(&sp, 8);
	sp.sp_repeat_penalty = -1.0f;
	ts_refused(&sp, 8);
	sampler_defaults(&sp);
	sp.sp_freq_penalty = INFINITY;
	ts_refused(&sp, 8);
	sampler_defaults(&sp);
	sp.sp_presence_penalty = NAN;
	ts_refused(&sp, 8);

	sampler_defaults(&sp);
	sp.sp_penalty_last_n = SAMPLER_MAX_WINDOW + 1;
	ts_refused(&sp, 8);

	sampler_defaults(&sp);
	sp.sp_bias = b;
	sp.sp_nbias = SAMPLER_MAX_BIAS + 1;
	ts_refused(&sp, 8);
	sp.sp_nbias = 1;
	b[0].sb_id = 8;
	ts_refused(&sp, 8);
	b[0].sb_id = -1;
	ts_refused(&sp, 8);
	b[0].sb_id = 3;
	b[0].sb_bias = NAN;
	ts_refused(&sp, 8);
	sp.sp_bias = NULL;
	ts_refused(&sp, 8);

	/* The limits themselves are fine. */
	sampler_defaults(&sp);
	sp.sp_bias = b;
	sp.sp_nbias = SAMPLER_MAX_BIAS;
	b[0].sb_id = 7;
	b[0].sb_bias = -INFINITY;
	sp.sp_penalty_last_n = SAMPLER_MAX_WINDOW;
	sp.sp_top_p = 1.0f;
	sp.sp_min_p = 1.0f;
	s = ts_new(&sp, 8);
	sampler_free(s);
	sampler_free(NULL);
}

static void
test_defaults(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	static const float	l[4] = { 0.1f, 0.9f, 0.3f, 0.2f };

	sampler_defaults(&sp);
	CU_ASSERT_EQUAL(sp.sp_temp, 0.0f);
	CU_ASSERT_EQUAL(sp.sp_top_k, 0);
	CU_ASSERT_EQUAL(sp.sp_top_p, 1.0f);
	CU_ASSERT_EQUAL(sp.sp_min_p, 0.0f);
	CU_ASSERT_EQUAL(sp.sp_repeat_penalty, 1.0f);
	CU_ASSERT_EQUAL(sp.sp_freq_penalty, 0.0f);
	CU_ASSERT_EQUAL(sp.sp_presence_penalty, 0.0f);
	CU_ASSERT_EQUAL(sp.sp_penalty_last_n, 64);
	CU_ASSERT_EQUAL(sp.sp_nbias, 0);

	/* NULL params: greedy, and accepting tokens changes nothing. */
	s = ts_new(NULL, 4);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 1);
	sampler_accept(s, 1);
	sampler_accept(s, 1);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 1);
	/* Out-of-range ids are ignored. */
	sampler_accept(s, -1);
	sampler_accept(s, 4);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 1);
	sampler_free(s);
}

static void
test_greedy(void)
{
	struct sampler	*s;
	float		 big[1000];
	uint32_t	 i;
	static const float	tie[5] = { -1.0f, 2.0f, 0.5f, 2.0f, 2.0f };
	static const float	neg[3] = { -3.0f, -2.0f, -2.5f };

	s = ts_new(NULL, 5);
	CU_ASSERT_EQUAL(ts_once(s, tie, 5), 1);
	sampler_free(s);
	s = ts_new(NULL, 3);
	CU_ASSERT_EQUAL(ts_once(s, neg, 3), 1);
	sampler_free(s);

	for (i = 0; i < 1000; i++)
		big[i] = sinf((float)i);
	big[777] = 1.5f;
	s = ts_new(NULL, 1000);
	CU_ASSERT_EQUAL(sampler_sample(s, big), 777);
	sampler_free(s);
}

static void
test_greedy_nan_inf(void)
{
	struct sampler	*s;
	static const float	nan1[4] = { NAN, 1.0f, NAN, 0.5f };
	static const float	inf1[4] = { 1.0f, INFINITY, 3.0f, INFINITY };
	static const float	allbad[3] = { NAN, -INFINITY, NAN };

	s = ts_new(NULL, 4);
	CU_ASSERT_EQUAL(ts_once(s, nan1, 4), 1);
	CU_ASSERT_EQUAL(ts_once(s, inf1, 4), 1);
	sampler_free(s);
	s = ts_new(NULL, 3);
	CU_ASSERT_EQUAL(ts_once(s, allbad, 3), 0);
	sampler_free(s);
}

static void
test_seed(void)
{
	struct sampler_params	sp;
	struct sampler		*a, *b, *c;
	int32_t			 ta[64], tb[64], tc[64];
	int			 i, same_c = 0;
	static const float	l[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	sampler_defaults(&sp);
	sp.sp_temp = 1.0f;
	sp.sp_seed = 42;
	a = ts_new(&sp, 8);
	b = ts_new(&sp, 8);
	sp.sp_seed = 43;
	c = ts_new(&sp, 8);
	for (i = 0; i < 64; i++) {
		ta[i] = ts_once(a, l, 8);
		tb[i] = ts_once(b, l, 8);
		tc[i] = ts_once(c, l, 8);
		if (ta[i] == tc[i])
			same_c++;
	}
	CU_ASSERT(memcmp(ta, tb, sizeof(ta)) == 0);
	/* 64 uniform draws over 8 agree about 8 times by chance. */
	CU_ASSERT(same_c < 32);
	sampler_free(a);
	sampler_free(b);
	sampler_free(c);
}

static void
test_top_k(void)
{
	struct sampler_params	sp;
	struct sampler		*g, *s;
	uint32_t		 hist[6];
	float			 l[6];
	int			 i, j;

	sampler_defaults(&sp);
	sp.sp_temp = 1.5f;
	sp.sp_top_k = 1;
	s = ts_new(&sp, 6);
	g = ts_new(NULL, 6);
	/* Top-k 1 is greedy, whatever the seed and the logits. */
	for (i = 0; i < 200; i++) {
		for (j = 0; j < 6; j++)
			l[j] = (float)((i * 7 + j * 13) % 11) / 3.0f;
		CU_ASSERT_EQUAL(ts_once(s, l, 6), ts_once(g, l, 6));
	}
	sampler_free(s);
	sampler_free(g);

	/* Top-k 2: only the two best, in about their softmax ratio. */
	sp.sp_temp = 1.0f;
	sp.sp_top_k = 2;
	s = ts_new(&sp, 6);
	l[0] = 0.0f;
	l[1] = 1.0f;
	l[2] = 0.9f;
	l[3] = 0.5f;
	l[4] = -1.0f;
	l[5] = 0.95f;
	ts_count(s, l, 6, hist);
	CU_ASSERT_EQUAL(hist[0] + hist[2] + hist[3] + hist[4], 0);
	/* p(1) = 1 / (1 + e^-0.05) = 0.5125, sd 0.005 */
	CU_ASSERT(hist[1] > 4875 && hist[1] < 5375);
	CU_ASSERT_EQUAL(hist[1] + hist[5], TS_DRAWS);
	sampler_free(s);
}

static void
test_top_p(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	uint32_t		 hist[4], big[6];
	float			 flat[300];
	int32_t			 id;
	int			 i, j;
	/* softmax: 0.6439 0.2369 0.0871 0.0321 */
	static const float	l[4] = { 1.0f, 3.0f, 0.0f, 2.0f };

	sampler_defaults(&sp);
	sp.sp_temp = 1.0f;
	sp.sp_top_p = 0.01f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[1], TS_DRAWS);
	sampler_free(s);

	/* 0.7 needs the two best (0.644 < 0.7 <= 0.881). */
	sp.sp_top_p = 0.7f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[0] + hist[2], 0);
	/* renormalised: 0.731 / 0.269 */
	CU_ASSERT(hist[1] > 7000 && hist[1] < 7620);
	sampler_free(s);

	/*
	 * 300 equal logits and p 0.5: exactly the 150 lowest ids stay
	 * (ties go to the lower id), which takes more than one round of
	 * the partial sort.
	 */
	sampler_defaults(&sp);
	sp.sp_temp = 1.0f;
	sp.sp_top_p = 0.5f;
	s = ts_new(&sp, 300);
	memset(big, 0, sizeof(big));
	for (i = 0; i < 3000; i++) {
		for (j = 0; j < 300; j++)
			flat[j] = 0.0f;
		id = sampler_sample(s, flat);
		CU_ASSERT_FATAL(id >= 0 && id < 300);
		big[id / 50]++;
	}
	CU_ASSERT_EQUAL(big[3] + big[4] + big[5], 0);
	CU_ASSERT(big[0] > 700 && big[1] > 700 && big[2] > 700);
	sampler_free(s);

	/* Two peaks hold 0.99 of 300: p 0.9 keeps just those two. */
	sp.sp_top_p = 0.9f;
	s = ts_new(&sp, 300);
	memset(big, 0, sizeof(big));
	for (i = 0; i < 3000; i++) {
		for (j = 0; j < 300; j++)
			flat[j] = 0.0f;
		flat[250] = 10.0f;
		flat[17] = 9.5f;
		id = sampler_sample(s, flat);
		if (id == 250)
			big[0]++;
		else if (id == 17)
			big[1]++;
		else
			big[2]++;
	}
	CU_ASSERT_EQUAL(big[2], 0);
	CU_ASSERT(big[0] > big[1] && big[1] > 500);
	sampler_free(s);

	/*
	 * One peak (299) at 10 over 299 zeros: p 0.999 needs the peak and
	 * 277 zeros, 1 + 277e^-10 >= 0.999(1 + 299e^-10), so ids 277 and
	 * 278 are out.  Temperature 100 then makes the kept ones nearly
	 * equally likely, so ids up to 276 do show up.
	 */
	sp.sp_top_p = 0.999f;
	sp.sp_temp = 100.0f;
	s = ts_new(&sp, 300);
	memset(big, 0, sizeof(big));
	for (i = 0; i < 3000; i++) {
		for (j = 0; j < 300; j++)
			flat[j] = 0.0f;
		flat[299] = 10.0f;
		id = sampler_sample(s, flat);
		if (id == 277 || id == 278)
			big[0]++;
		else if (id >= 250 && id < 277)
			big[1]++;
	}
	CU_ASSERT_EQUAL(big[0], 0);
	CU_ASSERT(big[1] > 100);
	sampler_free(s);

	/* Top-p after top-k sees only the top-k survivors. */
	sampler_defaults(&sp);
	sp.sp_temp = 1.0f;
	sp.sp_top_k = 3;
	sp.sp_top_p = 0.95f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[2], 0);
	CU_ASSERT(hist[0] > 0 && hist[1] > 0 && hist[3] > 0);
	sampler_free(s);
}

static void
test_min_p(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	uint32_t		 hist[4];
	static const float	l[4] = { -1.0f, 0.0f, -5.0f, -2.2f };

	/* 0.1 keeps logits above log(0.1) = -2.30: ids 0, 1, 3. */
	sampler_defaults(&sp);
	sp.sp_temp = 1.0f;
	sp.sp_min_p = 0.1f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[2], 0);
	CU_ASSERT(hist[0] > 0 && hist[1] > 0 && hist[3] > 0);
	sampler_free(s);

	/* 0.2 (above e^-2.2 = 0.11) drops 3 too. */
	sp.sp_min_p = 0.2f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[2] + hist[3], 0);
	CU_ASSERT(hist[0] > 0 && hist[1] > 0);
	sampler_free(s);

	/* 1 keeps only the best. */
	sp.sp_min_p = 1.0f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[1], TS_DRAWS);
	sampler_free(s);
}

/*
 * Logits 0, 1, 2.  Token 2 has p = e^2 / (1 + e + e^2) = 0.665 at
 * temperature 1, 0.867 at 0.5 (sharper) and 0.506 at 2 (flatter).
 * Over 10000 draws the standard deviation is under 0.005.
 */
static void
test_temperature(void)
{
	static const struct {
		float	temp;
		double	p2;
	} t[] = {
		{ 1.0f, 0.6652 },
		{ 0.5f, 0.8668 },
		{ 2.0f, 0.5065 },
	};
	struct sampler_params	sp;
	struct sampler		*s;
	uint32_t		 hist[3];
	size_t			 i;
	double			 f;
	static const float	l[3] = { 0.0f, 1.0f, 2.0f };

	sampler_defaults(&sp);
	sp.sp_seed = 7;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sp.sp_temp = t[i].temp;
		s = ts_new(&sp, 3);
		ts_count(s, l, 3, hist);
		f = (double)hist[2] / TS_DRAWS;
		CU_ASSERT(fabs(f - t[i].p2) < 0.025);
		if (fabs(f - t[i].p2) >= 0.025)
			fprintf(stderr, "\n  temp %g: p2 %g, want %g\n",
			    t[i].temp, f, t[i].p2);
		CU_ASSERT(hist[0] < hist[1] && hist[1] < hist[2]);
		sampler_free(s);
	}
}

/*
 * llama.cpp's repeat penalty divides a positive logit and multiplies a
 * negative one; the margins below are chosen so that the other way
 * round, or no penalty, picks the other token.
 */
static void
test_repeat_penalty(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	static const float	pos[3] = { 2.0f, 1.5f, 0.0f };
	static const float	neg[3] = { -1.0f, -1.5f, -9.0f };
	static const float	neg2[3] = { -1.0f, -1.3f, -9.0f };

	sampler_defaults(&sp);
	sp.sp_repeat_penalty = 2.0f;
	s = ts_new(&sp, 3);
	CU_ASSERT_EQUAL(ts_once(s, pos, 3), 0);
	sampler_accept(s, 0);
	/* 2 / 2 = 1 < 1.5 */
	CU_ASSERT_EQUAL(ts_once(s, pos, 3), 1);
	/* -1 * 2 = -2 < -1.5 (dividing would give -0.5 and keep 0) */
	CU_ASSERT_EQUAL(ts_once(s, neg, 3), 1);
	sampler_free(s);

	sp.sp_repeat_penalty = 1.2f;
	s = ts_new(&sp, 3);
	sampler_accept(s, 0);
	/* 2 / 1.2 = 1.67 > 1.5; -1.2 > -1.3 */
	CU_ASSERT_EQUAL(ts_once(s, pos, 3), 0);
	CU_ASSERT_EQUAL(ts_once(s, neg2, 3), 0);
	/* Once per token: a second copy in the window adds nothing. */
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, pos, 3), 0);
	CU_ASSERT_EQUAL(ts_once(s, neg2, 3), 0);
	sampler_free(s);

	/* A penalty below 1 rewards repeats. */
	sp.sp_repeat_penalty = 0.5f;
	s = ts_new(&sp, 3);
	sampler_accept(s, 1);
	CU_ASSERT_EQUAL(ts_once(s, pos, 3), 1);
	sampler_free(s);
}

/* logit - count * freq - presence, presence once however often seen. */
static void
test_freq_presence(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	static const float	l[3] = { 3.0f, 1.0f, 0.0f };

	sampler_defaults(&sp);
	sp.sp_freq_penalty = 0.5f;
	s = ts_new(&sp, 3);
	sampler_accept(s, 0);
	sampler_accept(s, 0);
	sampler_accept(s, 0);
	/* 3 - 3 * 0.5 = 1.5 > 1 */
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 0);
	sampler_accept(s, 0);
	/* 3 - 4 * 0.5 = 1 ties 1: the lower id, still 0 */
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 0);
	sampler_accept(s, 0);
	/* 3 - 5 * 0.5 = 0.5 < 1 */
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 1);
	sampler_free(s);

	sampler_defaults(&sp);
	sp.sp_presence_penalty = 1.5f;
	s = ts_new(&sp, 3);
	sampler_accept(s, 0);
	sampler_accept(s, 0);
	sampler_accept(s, 0);
	/* 3 - 1.5 = 1.5 > 1; taken three times it would be -1.5 */
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 0);
	sampler_free(s);
	sp.sp_presence_penalty = 2.5f;
	s = ts_new(&sp, 3);
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 1);
	sampler_free(s);

	/* Negative penalties (OpenAI allows -2) favour repeats. */
	sampler_defaults(&sp);
	sp.sp_presence_penalty = -2.5f;
	s = ts_new(&sp, 3);
	sampler_accept(s, 2);
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 0);
	sampler_accept(s, 1);
	/* 1 + 2.5 = 3.5 > 3 */
	CU_ASSERT_EQUAL(ts_once(s, l, 3), 1);
	sampler_free(s);
}

static void
test_bias(void)
{
	struct sampler_params	sp;
	struct sampler_bias	b[2];
	struct sampler		*s;
	uint32_t		 hist[4];
	static const float	l[4] = { 1.0f, 5.0f, 4.9f, 0.0f };

	/* -inf bans the best token, greedy and sampled. */
	sampler_defaults(&sp);
	b[0].sb_id = 1;
	b[0].sb_bias = -INFINITY;
	sp.sp_bias = b;
	sp.sp_nbias = 1;
	s = ts_new(&sp, 4);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 2);
	sampler_free(s);
	sp.sp_temp = 1.0f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[1], 0);
	CU_ASSERT(hist[2] > hist[0] && hist[0] > hist[3]);
	sampler_free(s);

	/* +100 forces the worst token. */
	b[0].sb_id = 3;
	b[0].sb_bias = 100.0f;
	s = ts_new(&sp, 4);
	ts_count(s, l, 4, hist);
	CU_ASSERT_EQUAL(hist[3], TS_DRAWS);
	sampler_free(s);

	/* The params' array is copied: changing it later does nothing. */
	b[0].sb_id = 2;
	b[0].sb_bias = -1.0f;
	b[1].sb_id = 0;
	b[1].sb_bias = 4.5f;
	sp.sp_nbias = 2;
	sp.sp_temp = 0.0f;
	s = ts_new(&sp, 4);
	b[1].sb_bias = 0.0f;
	/* 1 + 4.5 = 5.5 beats 5 */
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 0);
	sampler_free(s);
}

static void
test_window(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	static const float	l[4] = { 2.0f, 1.9f, 1.8f, 0.0f };
	static const float	f[4] = { 2.0f, 0.5f, 0.4f, 0.0f };

	sampler_defaults(&sp);
	sp.sp_presence_penalty = 1.0f;
	sp.sp_penalty_last_n = 2;
	s = ts_new(&sp, 4);
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 1);
	sampler_accept(s, 1);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 2);
	/* 0 leaves the window of two. */
	sampler_accept(s, 2);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 0);
	sampler_accept(s, 3);
	sampler_accept(s, 3);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 0);
	/* Wrap many times; the window still holds just the last two. */
	sampler_accept(s, 0);
	sampler_accept(s, 1);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 2);
	sampler_free(s);

	/* Counts leave with their tokens: 2 - 1 = 1 > 0.5, 2 - 3 < 0.5. */
	sampler_defaults(&sp);
	sp.sp_freq_penalty = 1.0f;
	sp.sp_penalty_last_n = 2;
	s = ts_new(&sp, 4);
	sampler_accept(s, 0);
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, f, 4), 1);
	sampler_accept(s, 3);
	sampler_accept(s, 3);
	CU_ASSERT_EQUAL(ts_once(s, f, 4), 0);
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, f, 4), 0);
	sampler_free(s);

	/* Window 0: penalties are off. */
	sp.sp_penalty_last_n = 0;
	s = ts_new(&sp, 4);
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, l, 4), 0);
	sampler_reset(s);
	sampler_free(s);
}

static void
test_reset(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	int32_t			 a[32], b[32];
	int			 i;
	static const float	l[4] = { 1.0f, 1.1f, 0.9f, 1.0f };
	static const float	g[4] = { 2.0f, 0.5f, 0.4f, 0.0f };

	sampler_defaults(&sp);
	sp.sp_temp = 1.0f;
	sp.sp_seed = 99;
	s = ts_new(&sp, 4);
	for (i = 0; i < 32; i++)
		a[i] = ts_once(s, l, 4);
	sampler_reset(s);
	for (i = 0; i < 32; i++)
		b[i] = ts_once(s, l, 4);
	CU_ASSERT(memcmp(a, b, sizeof(a)) == 0);
	sampler_free(s);

	sampler_defaults(&sp);
	sp.sp_freq_penalty = 1.0f;
	s = ts_new(&sp, 4);
	sampler_accept(s, 0);
	sampler_accept(s, 0);
	/* 2 - 2 = 0 < 0.5 */
	CU_ASSERT_EQUAL(ts_once(s, g, 4), 1);
	sampler_reset(s);
	CU_ASSERT_EQUAL(ts_once(s, g, 4), 0);
	/* Counts restart from zero: 2 - 1 = 1 > 0.5, where 3 would lose. */
	sampler_accept(s, 0);
	CU_ASSERT_EQUAL(ts_once(s, g, 4), 0);
	sampler_free(s);
}

/* NaN and infinities go through every filter without a crash. */
static void
test_sampling_nan_inf(void)
{
	struct sampler_params	sp;
	struct sampler		*s;
	uint32_t		 hist[4];
	static const float	nan1[4] = { NAN, 1.0f, NAN, 1.0f };
	static const float	inf1[4] = { 0.0f, INFINITY, INFINITY, 5.0f };
	static const float	allbad[4] = { NAN, -INFINITY, NAN, NAN };

	sampler_defaults(&sp);
	sp.sp_temp = 0.8f;
	sp.sp_top_k = 3;
	sp.sp_top_p = 0.9f;
	sp.sp_min_p = 0.05f;
	sp.sp_repeat_penalty = 1.3f;
	sp.sp_freq_penalty = 0.1f;
	s = ts_new(&sp, 4);
	sampler_accept(s, 0);
	sampler_accept(s, 2);
	ts_count(s, nan1, 4, hist);
	CU_ASSERT_EQUAL(hist[0] + hist[2], 0);
	CU_ASSERT(hist[1] > 4000 && hist[3] > 4000);
	ts_count(s, inf1, 4, hist);
	CU_ASSERT_EQUAL(hist[0] + hist[3], 0);
	CU_ASSERT(hist[1] > 4000 && hist[2] > 4000);
	CU_ASSERT_EQUAL(ts_once(s, allbad, 4), 0);
	sampler_free(s);
}

int
sampler_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "bad parameters are refused with PWR_ERR_RANGE",
		    test_bad_params },
		{ "defaults are greedy with every filter off", test_defaults },
		{ "greedy picks the argmax, the lowest id on ties",
		    test_greedy },
		{ "greedy skips NaN and takes +inf", test_greedy_nan_inf },
		{ "same seed, same tokens; another seed, others", test_seed },
		{ "top-k 1 is greedy; top-k 2 keeps only two", test_top_k },
		{ "top-p keeps the smallest prefix holding p", test_top_p },
		{ "min-p drops tokens below min_p times the best",
		    test_min_p },
		{ "temperature sharpens and flattens the distribution",
		    test_temperature },
		{ "repeat penalty divides positive, multiplies negative",
		    test_repeat_penalty },
		{ "frequency penalty per count, presence once",
		    test_freq_presence },
		{ "bias -inf bans a token and a large bias forces one",
		    test_bias },
		{ "tokens leave the penalty window", test_window },
		{ "reset forgets the history and reseeds", test_reset },
		{ "NaN and inf logits pass every filter",
		    test_sampling_nan_inf },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("sampler", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
