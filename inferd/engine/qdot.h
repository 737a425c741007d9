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

#ifndef POWER_QDOT_H
#define POWER_QDOT_H

/*
 * The hot kernels: weight rows times activations, for one token
 * (matrix-vector) or many (matrix-matrix, the batched prefill).
 *
 * Activations are quantised once per matmul into 8-bit blocks that
 * match the weight type, so the inner loops are integer dot products:
 *
 *	weight type			activation row
 *	Q4_0 Q4_1 Q5_0 Q5_1 Q8_0	struct qd_b32 per 32 values
 *	Q4_K Q5_K Q6_K			struct qd_b256 per 256 values
 *	F32 F16 BF16			the floats themselves
 *
 * Rounding is round-to-nearest-even of x / d with d = max|x| / 127, so
 * every level produces the same bytes.  Per block the integer sum is
 * exact; the float sums across blocks may be taken in another order by
 * the SIMD levels (tests/unit/test_qdot.c states the tolerance).
 *
 * Levels: the scalar code here is the reference; qdot-avx2.c and
 * qdot-avx512.c are chosen at run time by CPUID.  POWER_NO_SIMD=1 in
 * the environment forces the scalar level.
 */

#define QD_B32_VALUES	32
#define QD_B256_VALUES	256

struct qd_b32 {
	float	d;		/* scale: value = d * qs[i] */
	float	s;		/* d * (sum of qs), for Q4_1 and Q5_1 */
	int8_t	qs[32];
};

struct qd_b256 {
	float	d;
	int16_t	bsums[16];	/* sums of qs in groups of 16 */
	int8_t	qs[256];
};

/* Which activation row a weight type reads. */
enum qd_act {
	QD_ACT_NONE = 0,	/* no kernel for the type */
	QD_ACT_FLOAT,		/* F32 F16 BF16: the floats */
	QD_ACT_B32,		/* struct qd_b32 */
	QD_ACT_B256		/* struct qd_b256 */
};

/* Inline: the SIMD files use it and link before the library. */
static inline enum qd_act
qd_act_class(uint32_t type)
{
	switch (type) {
	case GGUF_TYPE_F32:
	case GGUF_TYPE_F16:
	case GGUF_TYPE_BF16:
		return QD_ACT_FLOAT;
	case GGUF_TYPE_Q8_0:
	case GGUF_TYPE_Q4_0:
	case GGUF_TYPE_Q4_1:
	case GGUF_TYPE_Q5_0:
	case GGUF_TYPE_Q5_1:
		return QD_ACT_B32;
	case GGUF_TYPE_Q4_K:
	case GGUF_TYPE_Q5_K:
	case GGUF_TYPE_Q6_K:
		return QD_ACT_B256;
	default:
		return QD_ACT_NONE;
	}
}

enum qd_level {
	QD_SCALAR = 0,
	QD_AVX2,		/* AVX2 + FMA + F16C */
	QD_AVX512		/* AVX-512 F/BW/VL/VNNI + the above */
};

/* One weight-times-activations product. */
struct qd_gemm {
	uint32_t	 g_type;	/* weight type, enum gguf_ttype */
	const void	*g_w;		/* row 0 of the weight */
	size_t		 g_rowbytes;	/* between weight rows */
	size_t		 g_ncols;	/* values per row (whole blocks) */
	size_t		 g_r0, g_r1;	/* compute rows [r0, r1) */
	const void	*g_x;		/* activations from qd_quantize */
	size_t		 g_xstride;	/* bytes between token rows */
	size_t		 g_ntok;	/* tokens */
	float		*g_y;		/* y[t * g_ystride + r] */
	size_t		 g_ystride;	/* floats between token rows */
};

/* The level in use (detected once), its name, and a forced level. */
enum qd_level	 qd_level(void);
const char	*qd_level_name(enum qd_level);
/* Best level this CPU (and build) has, ignoring POWER_NO_SIMD. */
enum qd_level	 qd_level_best(void);
/* For tests and power-bench: 0, or -1 if the CPU lacks the level. */
int		 qd_set_level(enum qd_level);

/* 1 if qd_gemm handles this weight type. */
int		 qd_supported(uint32_t type);
/* Bytes of one token's activation row of n values for this weight. */
size_t		 qd_act_bytes(uint32_t type, size_t n);
/* Quantise (or copy) n activations for a weight of this type. */
void		 qd_quantize(uint32_t type, const float *x, void *xa,
		    size_t n);
void		 qd_gemm(const struct qd_gemm *);

/*
 * Attention's weighted sum of cached values: out[i] = sum over r <
 * nrows of w[r] * row r[i], for i < n; rows are F16 or F32, rowbytes
 * apart.  Rows are added in order, so the result does not depend on
 * the thread count.
 */
void		 qd_wsum(uint32_t type, const void *rows, size_t rowbytes,
		    size_t nrows, const float *w, float *out, size_t n);

/* The scalar reference, whatever the level (tests compare with it). */
void		 qd_quantize_ref(uint32_t type, const float *x, void *xa,
		    size_t n);
void		 qd_gemm_ref(const struct qd_gemm *);
void		 qd_wsum_ref(uint32_t, const void *, size_t, size_t,
		    const float *, float *, size_t);

/*
 * The SIMD levels: each returns 1 when it handled the call, 0 to let
 * the scalar code do it (a type it has no kernel for).
 */
int		 qd_avx2_quantize(uint32_t, const float *, void *, size_t);
int		 qd_avx2_gemm(const struct qd_gemm *);
int		 qd_avx2_wsum(uint32_t, const void *, size_t, size_t,
		    const float *, float *, size_t);
int		 qd_avx512_quantize(uint32_t, const float *, void *, size_t);
int		 qd_avx512_gemm(const struct qd_gemm *);

#endif /* POWER_QDOT_H */
