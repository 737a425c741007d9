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
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "engine/gguf.h"
#include "engine/pool.h"
#include "engine/qdot.h"
#include "engine/quant.h"
#include "tests.h"

/*
 * The SIMD kernels against the scalar reference, and the reference
 * against the float kernels of quant.c.
 *
 * Exact: a level's activation bytes equal the reference's.  Within a
 * tolerance: a level's products may sum the per-block integer results
 * in another order and with FMA, so |simd - ref| <= 1e-5 * M + 1e-6,
 * where M is the sum of |w[i] * x[i]| of that row and token (float
 * rounding over a few thousand terms stays well inside that).  The
 * reference itself differs from the float product only by activation
 * rounding: at most sum |w[i]| * d/2 of x's block (d = max|x| / 127).
 */

#define TQ_MAXROWS	37
#define TQ_MAXTOK	13
#define TQ_MAXCOLS	(4 * 256)

static const uint32_t tq_types[] = {
	GGUF_TYPE_F32, GGUF_TYPE_F16, GGUF_TYPE_BF16, GGUF_TYPE_Q8_0,
	GGUF_TYPE_Q4_0, GGUF_TYPE_Q4_1, GGUF_TYPE_Q5_0, GGUF_TYPE_Q5_1,
	GGUF_TYPE_Q4_K, GGUF_TYPE_Q5_K, GGUF_TYPE_Q6_K,
};

static uint64_t	tq_state = 0x9e3779b97f4a7c15ULL;

static float	tq_rand(void);
static void	tq_fill(float *, size_t, int);
static void	tq_case(uint32_t, size_t, size_t, size_t, size_t, size_t,
		    int);

static void	test_levels(void);
static void	test_quantize_exact(void);
static void	test_ref_vs_float(void);
static void	test_gemm_levels(void);
static void	test_gemm_bounds(void);
static void	test_gemm_short_rows(void);
static void	test_gemm_split(void);
static void	test_pool(void);
static void	test_pool_split(void);

static float
tq_rand(void)
{
	tq_state ^= tq_state << 13;
	tq_state ^= tq_state >> 7;
	tq_state ^= tq_state << 17;
	return (float)((tq_state >> 11) * (1.0 / 9007199254740992.0)) * 2.0f -
	    1.0f;
}

/* Kinds: 0 uniform, 1 with outliers and zeros, 2 exact ties (k / 2). */
static void
tq_fill(float *x, size_t n, int kind)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		x[i] = tq_rand();
		if (kind == 1) {
			if (i % 29 == 3)
				x[i] *= 40.0f;
			if (i % 7 == 0)
				x[i] = 0;
			if (i >= 32 && i < 64)
				x[i] = 0;	/* a whole zero block */
		} else if (kind == 2)
			x[i] = (float)((int)(x[i] * 254)) / 2.0f;
	}
}

static void
test_levels(void)
{
	enum qd_level	best = qd_level_best();

	CU_ASSERT(qd_set_level(QD_SCALAR) == 0);
	CU_ASSERT(qd_level() == QD_SCALAR);
	CU_ASSERT(qd_set_level(best) == 0);
	CU_ASSERT(qd_level() == best);
	if (best < QD_AVX512)
		CU_ASSERT(qd_set_level(QD_AVX512) == -1);
	CU_ASSERT_STRING_EQUAL(qd_level_name(QD_SCALAR), "scalar");
	CU_ASSERT(qd_supported(GGUF_TYPE_Q4_K));
	CU_ASSERT(!qd_supported(GGUF_TYPE_Q2_K));
	CU_ASSERT(qd_act_bytes(GGUF_TYPE_Q8_0, 64) ==
	    2 * sizeof(struct qd_b32));
	CU_ASSERT(qd_act_bytes(GGUF_TYPE_Q6_K, 512) ==
	    2 * sizeof(struct qd_b256));
	CU_ASSERT(qd_act_bytes(GGUF_TYPE_F16, 10) == 10 * sizeof(float));
}

static void
test_quantize_exact(void)
{
	static float	 x[TQ_MAXCOLS];
	static u_char	 a[TQ_MAXCOLS * 4], b[TQ_MAXCOLS * 4];
	enum qd_level	 l, best = qd_level_best();
	size_t		 i, n, bytes;
	int		 kind, bad = 0;

	for (l = QD_SCALAR; l <= best; l++) {
		CU_ASSERT_FATAL(qd_set_level(l) == 0);
		for (i = 0; i < sizeof(tq_types) / sizeof(tq_types[0]); i++)
			for (kind = 0; kind < 3; kind++)
				for (n = 256; n <= TQ_MAXCOLS; n += 256) {
					tq_fill(x, n, kind);
					bytes = qd_act_bytes(tq_types[i], n);
					memset(a, 0xa5, sizeof(a));
					memset(b, 0x5a, sizeof(b));
					qd_quantize_ref(tq_types[i], x, a, n);
					qd_quantize(tq_types[i], x, b, n);
					if (memcmp(a, b, bytes) != 0) {
						fprintf(stderr, "level %s type "
						    "%u n %zu kind %d: "
						    "activations differ\n",
						    qd_level_name(l),
						    tq_types[i], n, kind);
						bad++;
					}
				}
	}
	CU_ASSERT(bad == 0);
	(void)qd_set_level(best);
}

/*
 * One product of nrows x ncols weights (type) with ntok tokens, rows
 * [r0, r1); every level against the reference, the reference against
 * the float kernels.
 */
static void
tq_case(uint32_t type, size_t nrows, size_t ncols, size_t ntok, size_t r0,
    size_t r1, int kind)
{
	static float	 wf[TQ_MAXROWS * TQ_MAXCOLS], x[TQ_MAXTOK * TQ_MAXCOLS];
	static float	 wd[TQ_MAXCOLS], yref[TQ_MAXTOK * (TQ_MAXROWS + 3)];
	static float	 y[TQ_MAXTOK * (TQ_MAXROWS + 3)];
	static u_char	 w[TQ_MAXROWS * TQ_MAXCOLS * 4];
	static u_char	 xa[TQ_MAXTOK * TQ_MAXCOLS * 4];
	struct qd_gemm	 g;
	enum qd_level	 l, best = qd_level_best();
	size_t		 rb = quant_row_bytes(type, ncols);
	size_t		 xs = qd_act_bytes(type, ncols), ys = nrows + 3;
	size_t		 r, t, i, blk;
	double		 mag, bound, fl, amax, wsum;
	int		 bad = 0;

	tq_fill(wf, nrows * ncols, kind);
	for (r = 0; r < nrows; r++)
		CU_ASSERT_FATAL(quant_quantize_row(type, wf + r * ncols,
		    w + r * rb, ncols) == 0);
	tq_fill(x, ntok * ncols, kind);
	for (t = 0; t < ntok; t++)
		qd_quantize_ref(type, x + t * ncols, xa + t * xs, ncols);

	memset(&g, 0, sizeof(g));
	g.g_type = type;
	g.g_w = w;
	g.g_rowbytes = rb;
	g.g_ncols = ncols;
	g.g_r0 = r0;
	g.g_r1 = r1;
	g.g_x = xa;
	g.g_xstride = xs;
	g.g_ntok = ntok;
	g.g_ystride = ys;

	for (i = 0; i < ntok * ys; i++)
		yref[i] = -12345.0f;
	g.g_y = yref;
	qd_gemm_ref(&g);

	blk = quant_block_values(type) == 1 ? 1 :
	    (type == GGUF_TYPE_Q4_K || type == GGUF_TYPE_Q5_K ||
	    type == GGUF_TYPE_Q6_K) ? 256 : 32;
	for (t = 0; t < ntok; t++)
		for (r = r0; r < r1; r++) {
			quant_dequant_row(type, w + r * rb, wd, ncols);
			mag = 0;
			bound = 0;
			for (i = 0; i < ncols; i++)
				mag += fabs((double)wd[i] * x[t * ncols + i]);
			if (blk > 1)
				for (i = 0; i < ncols; i += blk) {
					size_t	j;

					amax = 0;
					wsum = 0;
					for (j = 0; j < blk; j++) {
						if (fabs(x[t * ncols + i + j]) >
						    amax)
							amax = fabs(x[t *
							    ncols + i + j]);
						wsum += fabs(wd[i + j]);
					}
					bound += wsum * amax / 254.0 * 1.001;
				}
			fl = quant_dot(type, w + r * rb, x + t * ncols, ncols);
			if (fabs(yref[t * ys + r] - fl) >
			    bound + 1e-5 * mag + 1e-6) {
				fprintf(stderr, "type %u row %zu tok %zu: ref "
				    "%g float %g bound %g\n", type, r, t,
				    yref[t * ys + r], fl, bound);
				bad++;
			}
		}

	for (l = QD_SCALAR + 1; l <= best; l++) {
		CU_ASSERT_FATAL(qd_set_level(l) == 0);
		for (i = 0; i < ntok * ys; i++)
			y[i] = -12345.0f;
		g.g_y = y;
		qd_gemm(&g);
		for (t = 0; t < ntok; t++)
			for (r = 0; r < ys; r++) {
				if (r < r0 || r >= r1) {
					if (y[t * ys + r] != -12345.0f) {
						fprintf(stderr, "level %s type "
						    "%u: row %zu written\n",
						    qd_level_name(l), type, r);
						bad++;
					}
					continue;
				}
				quant_dequant_row(type, w + r * rb, wd, ncols);
				mag = 0;
				for (i = 0; i < ncols; i++)
					mag += fabs((double)wd[i] *
					    x[t * ncols + i]);
				if (fabs(y[t * ys + r] - yref[t * ys + r]) >
				    1e-5 * mag + 1e-6) {
					fprintf(stderr, "level %s type %u "
					    "rows %zu ncols %zu ntok %zu: row "
					    "%zu tok %zu: %.9g, reference "
					    "%.9g\n", qd_level_name(l), type,
					    nrows, ncols, ntok, r, t,
					    y[t * ys + r], yref[t * ys + r]);
					bad++;
				}
			}
	}
	(void)qd_set_level(best);
	CU_ASSERT(bad == 0);
}

static void
test_ref_vs_float(void)
{
	size_t	i;

	/* Only the reference: level comparisons follow. */
	for (i = 0; i < sizeof(tq_types) / sizeof(tq_types[0]); i++) {
		tq_case(tq_types[i], 5, 256, 2, 0, 5, 0);
		tq_case(tq_types[i], 3, 512, 1, 0, 3, 1);
	}
}

static void
test_gemm_levels(void)
{
	static const size_t	rows[] = { 1, 2, 3, 5, 8, 17, 33, 37 };
	static const size_t	toks[] = { 1, 2, 3, 4, 5, 7, 8, 13 };
	size_t			i, j, c, kind;

	for (i = 0; i < sizeof(tq_types) / sizeof(tq_types[0]); i++)
		for (j = 0; j < sizeof(rows) / sizeof(rows[0]); j++)
			for (c = 1; c <= 4; c += (c == 1 ? 1 : 2))
				for (kind = 0; kind < 3; kind++)
					tq_case(tq_types[i], rows[j], c * 256,
					    toks[(j + c + kind) % 8], 0,
					    rows[j], (int)kind);
}

/*
 * The float types also multiply attention: K cache rows of head_dim
 * values (64, 80, 96, 128 ...) against query heads.
 */
static void
test_gemm_short_rows(void)
{
	static const size_t	cols[] = { 1, 8, 24, 64, 80, 96, 100, 128, 136 };
	static const uint32_t	ft[] = { GGUF_TYPE_F32, GGUF_TYPE_F16,
				    GGUF_TYPE_BF16 };
	size_t			i, c;

	for (i = 0; i < 3; i++)
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			tq_case(ft[i], 37, cols[c], 1, 0, 37, 0);
			tq_case(ft[i], 33, cols[c], 7, 2, 31, 1);
			tq_case(ft[i], 5, cols[c], 13, 0, 5, 0);
		}
}

/* Sub-ranges of rows, as the thread pool hands them out. */
static void
test_gemm_bounds(void)
{
	size_t	i;

	for (i = 0; i < sizeof(tq_types) / sizeof(tq_types[0]); i++) {
		tq_case(tq_types[i], 37, 256, 1, 5, 36, 0);
		tq_case(tq_types[i], 37, 512, 13, 1, 30, 1);
		tq_case(tq_types[i], 37, 256, 7, 17, 18, 2);
		tq_case(tq_types[i], 37, 768, 4, 3, 35, 0);
	}
}

/*
 * A row's value must not depend on how the rows were split (threads
 * take different ranges with 1 and 2 threads) or on which token batch
 * it is in: the same bits, always.
 */
static void
test_gemm_split(void)
{
	static float	 wf[TQ_MAXROWS * 512], x[TQ_MAXTOK * 512];
	static float	 ya[TQ_MAXTOK * TQ_MAXROWS], yb[TQ_MAXTOK * TQ_MAXROWS];
	static u_char	 w[TQ_MAXROWS * 512 * 4], xa[TQ_MAXTOK * 512 * 4];
	struct qd_gemm	 g;
	enum qd_level	 l, best = qd_level_best();
	size_t		 i, k, t, n = TQ_MAXROWS, nc = 512, rb, xs;
	int		 bad = 0;

	for (l = QD_SCALAR; l <= best; l++) {
		CU_ASSERT_FATAL(qd_set_level(l) == 0);
		for (i = 0; i < sizeof(tq_types) / sizeof(tq_types[0]); i++) {
			rb = quant_row_bytes(tq_types[i], nc);
			xs = qd_act_bytes(tq_types[i], nc);
			tq_fill(wf, n * nc, 0);
			tq_fill(x, TQ_MAXTOK * nc, 0);
			for (k = 0; k < n; k++)
				(void)quant_quantize_row(tq_types[i],
				    wf + k * nc, w + k * rb, nc);
			for (t = 0; t < TQ_MAXTOK; t++)
				qd_quantize(tq_types[i], x + t * nc,
				    xa + t * xs, nc);
			memset(&g, 0, sizeof(g));
			g.g_type = tq_types[i];
			g.g_w = w;
			g.g_rowbytes = rb;
			g.g_ncols = nc;
			g.g_x = xa;
			g.g_xstride = xs;
			g.g_ystride = n;
			g.g_r1 = n;
			g.g_ntok = TQ_MAXTOK;
			g.g_y = ya;
			qd_gemm(&g);
			for (k = 1; k < n; k += 3) {
				g.g_y = yb;
				g.g_r0 = 0;
				g.g_r1 = k;
				qd_gemm(&g);
				g.g_r0 = k;
				g.g_r1 = n;
				qd_gemm(&g);
				if (memcmp(ya, yb, sizeof(ya)) != 0)
					bad++;
			}
			/* One token at a time, as decoding does. */
			g.g_r0 = 0;
			g.g_r1 = n;
			g.g_ntok = 1;
			for (t = 0; t < TQ_MAXTOK; t++) {
				g.g_x = xa + t * xs;
				g.g_y = yb + t * n;
				qd_gemm(&g);
			}
			if (memcmp(ya, yb, sizeof(ya)) != 0) {
				fprintf(stderr, "level %s type %u: batch and "
				    "single-token results differ\n",
				    qd_level_name(l), tq_types[i]);
				bad++;
			}
		}
	}
	(void)qd_set_level(best);
	CU_ASSERT(bad == 0);
}

struct tq_job {
	_Atomic int	 hits[POOL_MAX_THREADS];
	_Atomic long	 sum;
};

static void
tq_job(void *arg, int ith, int nth)
{
	struct tq_job	*j = arg;
	size_t		 r0, r1, r;
	long		 s = 0;

	atomic_fetch_add(&j->hits[ith], 1);
	pool_split(1000, 3, ith, nth, &r0, &r1);
	for (r = r0; r < r1; r++)
		s += (long)r;
	atomic_fetch_add(&j->sum, s);
}

static void
test_pool(void)
{
	struct pool	*p;
	struct tq_job	 j;
	int		 n, i, k;

	CU_ASSERT(pool_new(0, &p) != 0);
	CU_ASSERT(pool_new(POOL_MAX_THREADS + 1, &p) != 0);
	for (n = 1; n <= 4; n++) {
		CU_ASSERT_FATAL(pool_new(n, &p) == 0);
		CU_ASSERT(pool_threads(p) == n);
		memset(&j, 0, sizeof(j));
		for (k = 0; k < 2000; k++)
			pool_run(p, tq_job, &j);
		for (i = 0; i < n; i++)
			CU_ASSERT(atomic_load(&j.hits[i]) == 2000);
		CU_ASSERT(atomic_load(&j.sum) == 2000L * 999 * 1000 / 2);
		pool_free(p);
	}
}

static void
test_pool_split(void)
{
	size_t	n, a, r0, r1, next;
	int	nth, ith;

	for (n = 0; n < 300; n += 7)
		for (a = 1; a <= 64; a *= 4)
			for (nth = 1; nth <= 5; nth++) {
				next = 0;
				for (ith = 0; ith < nth; ith++) {
					pool_split(n, a, ith, nth, &r0, &r1);
					CU_ASSERT(r0 == next);
					CU_ASSERT(r1 >= r0);
					CU_ASSERT(r0 % a == 0 || r0 == n);
					next = r1;
				}
				CU_ASSERT(next == n);
			}
}

int
qdot_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "levels: detection, forcing, names, sizes", test_levels },
		{ "every level quantises activations to the same bytes",
		    test_quantize_exact },
		{ "the integer reference is the float product within the "
		    "activation rounding", test_ref_vs_float },
		{ "every level equals the reference on every type, odd rows "
		    "and token counts", test_gemm_levels },
		{ "row sub-ranges are computed and nothing else is written",
		    test_gemm_bounds },
		{ "float types on short rows (attention heads)",
		    test_gemm_short_rows },
		{ "a row's bits do not depend on the row split or the batch",
		    test_gemm_split },
		{ "the pool runs every thread once per job", test_pool },
		{ "pool_split covers the rows in aligned pieces",
		    test_pool_split },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("qdot", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
