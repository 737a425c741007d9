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

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "engine/gguf.h"
#include "engine/qdot.h"

/*
 * The AVX-512 level: AVX-512 F/BW/VL/VNNI, FMA and F16C (Zen 4, Ice
 * Lake and later).  Nothing here calls into the rest of the engine.
 *
 * Decoding takes a few rows at a time against the one token; prefill
 * keeps a few rows unpacked in registers while every token of a chunk
 * goes past them, so a weight is unpacked once per chunk of tokens
 * and the (row, token) sums wait on the stack.  The arithmetic of one
 * pair is written once, in the qd512_*pair() helpers, and every path
 * sums a pair in the same steps and the same order: a row's bits
 * never depend on the row split or the batch.
 *
 * The 32-value types put four blocks in a step: the first sixteen
 * values of each block in one vector and the last sixteen in another,
 * so that both VNNI products of a block land in the same four lanes.
 * A weight offset (8 for Q4_0, 16 for Q5_0, 128 for Q8_0 made
 * unsigned) is taken off through the activation sums the product
 * starts from.  The K-quants sum a whole super-block exactly in
 * integers, sub-block scales included; the mins (and Q6_K's offset)
 * come from the activation block sums.
 */

#define QD512_INLINE	static inline __attribute__((__always_inline__))

/*
 * The tile arrays are written before they are read; keep
 * -ftrivial-auto-var-init from clearing kilobytes on every call.
 */
#define QD512_NOINIT	__attribute__((__uninitialized__))

#define QD512_MAXR	8	/* rows at once, at most */
#define QD512_TC	32	/* tokens in a prefill chunk */

/*
 * Rows at once by kind of weight (0 float, 1 32-value, 2 K-quant), in
 * decoding and in prefill, where a float tile also takes 4 tokens.
 * The register budget sets them; they were measured on Sapphire Rapids.
 */
#define QD512_RD(k)	((k) == 0 ? 8 : 4)
#define QD512_RP(k)	((k) == 0 ? 6 : (k) == 1 ? 8 : 5)
#define QD512_TP	4

/* The 32-value types, four blocks. */
struct qd512_brow {
	__m512i		br_p;	/* values 0-15 of 4 blocks, u8 */
	__m512i		br_q;	/* values 16-31 */
	__m512		br_d;	/* each block's scale in its lanes */
	__m512		br_m;	/* Q4_1, Q5_1: the mins, lanes 0-3 */
};

struct qd512_btok {
	__m512i		bt_p;	/* activations, laid out as br_p */
	__m512i		bt_q;
	__m512i		bt_c;	/* -offset * sum: sums start here */
	__m512		bt_d;
	__m512		bt_s;	/* Q4_1, Q5_1: d * sum, lanes 0-3 */
};

/* The K-quants, one super-block. */
struct qd512_krow {
	const u_char	*kr_q;	/* the nibbles (Q6_K: ql) */
	const u_char	*kr_h;	/* Q6_K: qh */
	__m512i		 kr_s01; /* scales of packed steps 0 and 1 */
	__m512i		 kr_s23; /* and of steps 2 and 3 */
	__m512i		 kr_g;	/* Q5_K: high bits, two shifts */
	__m512		 kr_d;
	__m512		 kr_m;	/* dmin * mins; Q6_K: -32 d sc */
};

struct qd512_ktok {
	const int8_t	*kt_q;
	__m512		 kt_d;
	__m512		 kt_b;	/* d * bsums (Q4_K, Q5_K: pairs) */
};

static void	qd512_q_b32(const float *, struct qd_b32 *, size_t);
static void	qd512_q_b256(const float *, struct qd_b256 *, size_t);
static void	qd512_gemm_f32(const struct qd_gemm *);
static void	qd512_gemm_f16(const struct qd_gemm *);
static void	qd512_gemm_bf16(const struct qd_gemm *);
static void	qd512_gemm_q8_0(const struct qd_gemm *);
static void	qd512_gemm_q4_0(const struct qd_gemm *);
static void	qd512_gemm_q4_1(const struct qd_gemm *);
static void	qd512_gemm_q5_0(const struct qd_gemm *);
static void	qd512_gemm_q5_1(const struct qd_gemm *);
static void	qd512_gemm_q4_k(const struct qd_gemm *);
static void	qd512_gemm_q5_k(const struct qd_gemm *);
static void	qd512_gemm_q6_k(const struct qd_gemm *);

/* Small helpers. */

QD512_INLINE uint16_t
qd512_ld16(const u_char *p)
{
	uint16_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

QD512_INLINE uint32_t
qd512_ld32(const u_char *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Decoding streams each weight once, a few short rows at a time, which
 * the hardware prefetcher follows poorly: ask for the same place in
 * the next group of rows, the next stretch of the matrix.  A prefetch
 * past the end of the weights is harmless.
 */
QD512_INLINE void
qd512_prefetch(const u_char *p, size_t n)
{
	size_t	o;

	for (o = 0; o < n; o += 64)
		__builtin_prefetch(p + o);
}

/*
 * A pair's float sum, always in this order: the 256-bit halves, the
 * 128-bit halves, elements 0 + 2 and 1 + 3, then those two.
 */
QD512_INLINE float
qd512_hsum(__m512 v)
{
	__m256	a;
	__m128	b, c;

	a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(
	    _mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
	b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
	c = _mm_add_ps(b, _mm_movehl_ps(b, b));
	return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

/*
 * The sums of n (at most 8) pairs to n consecutive floats: the adds of
 * qd512_hsum() on the same operands, eight sums a vector at a time.
 */
QD512_INLINE void
qd512_store(float *y, const __m512 *v, int n)
{
	const __m512i	 idx = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2,
	    13, 9, 5, 1, 12, 8, 4, 0);
	__m512		 u[8] QD512_NOINIT, a[4] QD512_NOINIT, b[2], c, r;
	float		 f[8] QD512_NOINIT;
	int		 i;

	if (n == 1) {
		*y = qd512_hsum(v[0]);
		return;
	}
#pragma GCC unroll 8
	for (i = 0; i < 8; i++)
		u[i] = i < n ? v[i] : _mm512_setzero_ps();
	/* a[i]: the 256-bit sums of u[2i] and u[2i + 1], side by side. */
#pragma GCC unroll 4
	for (i = 0; i < 4; i++)
		a[i] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * i],
		    u[2 * i + 1], 0x44), _mm512_shuffle_f32x4(u[2 * i],
		    u[2 * i + 1], 0xee));
	/* b[i]: the 128-bit sums of u[4i] to u[4i + 3], a lane each. */
#pragma GCC unroll 2
	for (i = 0; i < 2; i++)
		b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i],
		    a[2 * i + 1], 0x88), _mm512_shuffle_f32x4(a[2 * i],
		    a[2 * i + 1], 0xdd));
	c = _mm512_add_ps(_mm512_shuffle_ps(b[0], b[1], 0x44),
	    _mm512_shuffle_ps(b[0], b[1], 0xee));
	r = _mm512_add_ps(_mm512_shuffle_ps(c, c, 0x88),
	    _mm512_shuffle_ps(c, c, 0xdd));
	/* Lane L holds the sums of u[L] and u[4 + L] in elements 0, 1. */
	_mm256_storeu_ps(f, _mm512_castps512_ps256(_mm512_permutexvar_ps(idx,
	    r)));
	memcpy(y, f, n * sizeof(*y));
}

/* Activation quantisation, bit for bit as qd_quantize_ref. */

static void
qd512_q_b32(const float *x, struct qd_b32 *b, size_t nb)
{
	__m512	 v0, v1, vid;
	__m512i	 q0, q1;
	float	 amax, d, id;
	size_t	 i;

	for (i = 0; i < nb; i++, x += 32, b++) {
		v0 = _mm512_loadu_ps(x);
		v1 = _mm512_loadu_ps(x + 16);
		amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0),
		    _mm512_abs_ps(v1)));
		d = amax / 127.0f;
		id = d != 0 ? 1.0f / d : 0.0f;
		vid = _mm512_set1_ps(id);
		/* The default rounding mode is nearbyintf's: to even. */
		q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, vid));
		q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, vid));
		b->d = d;
		b->s = d * (float)_mm512_reduce_add_epi32(_mm512_add_epi32(q0,
		    q1));
		_mm_storeu_si128((__m128i *)(void *)b->qs,
		    _mm512_cvtepi32_epi8(q0));
		_mm_storeu_si128((__m128i *)(void *)(b->qs + 16),
		    _mm512_cvtepi32_epi8(q1));
	}
}

static void
qd512_q_b256(const float *x, struct qd_b256 *b, size_t nb)
{
	__m512	 m, vid;
	__m512i	 q;
	float	 d, id;
	size_t	 i, j;

	for (i = 0; i < nb; i++, x += 256, b++) {
		m = _mm512_setzero_ps();
		for (j = 0; j < 256; j += 16)
			m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x +
			    j)));
		d = _mm512_reduce_max_ps(m) / 127.0f;
		id = d != 0 ? 1.0f / d : 0.0f;
		vid = _mm512_set1_ps(id);
		b->d = d;
		for (j = 0; j < 16; j++) {
			q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x +
			    16 * j), vid));
			b->bsums[j] = (int16_t)_mm512_reduce_add_epi32(q);
			_mm_storeu_si128((__m128i *)(void *)(b->qs + 16 * j),
			    _mm512_cvtepi32_epi8(q));
		}
	}
}

int
qd_avx512_quantize(uint32_t type, const float *x, void *xa, size_t n)
{
	switch (qd_act_class(type)) {
	case QD_ACT_B32:
		qd512_q_b32(x, xa, n / QD_B32_VALUES);
		break;
	case QD_ACT_B256:
		qd512_q_b256(x, xa, n / QD_B256_VALUES);
		break;
	default:
		memcpy(xa, x, n * sizeof(float));
		break;
	}
	return 1;
}

/* The 32-value types: four blocks a step. */

QD512_INLINE size_t
qd512_bbytes(uint32_t type)
{
	switch (type) {
	case GGUF_TYPE_Q8_0:
		return 34;
	case GGUF_TYPE_Q4_0:
		return 18;
	case GGUF_TYPE_Q4_1:
		return 20;
	case GGUF_TYPE_Q5_0:
		return 22;
	default:
		return 24;
	}
}

/* Four f16 at a stride, as floats. */
QD512_INLINE __m128
qd512_f16s(const u_char *p, size_t stride)
{
	uint64_t	h;

	h = (uint64_t)qd512_ld16(p) | (uint64_t)qd512_ld16(p + stride) << 16 |
	    (uint64_t)qd512_ld16(p + 2 * stride) << 32 |
	    (uint64_t)qd512_ld16(p + 3 * stride) << 48;
	return _mm_cvtph_ps(_mm_cvtsi64_si128((long long)h));
}

/* Four floats, each repeated over the four lanes of its block. */
QD512_INLINE __m512
qd512_lanes4(__m128 v)
{
	const __m512i	idx = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2,
	    1, 1, 1, 1, 0, 0, 0, 0);

	return _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(v));
}

/*
 * 32 bytes at each of a, b, c and d: their first halves to lo and
 * their second halves to hi, a 128-bit lane each.
 */
QD512_INLINE void
qd512_split(const void *a, const void *b, const void *c, const void *d,
    __m512i *lo, __m512i *hi)
{
	const __m512i	 il = _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0);
	const __m512i	 ih = _mm512_set_epi64(15, 14, 11, 10, 7, 6, 3, 2);
	__m512i		 ab, cd;

	ab = _mm512_inserti64x4(_mm512_castsi256_si512(
	    _mm256_loadu_si256((const __m256i *)a)),
	    _mm256_loadu_si256((const __m256i *)b), 1);
	cd = _mm512_inserti64x4(_mm512_castsi256_si512(
	    _mm256_loadu_si256((const __m256i *)c)),
	    _mm256_loadu_si256((const __m256i *)d), 1);
	*lo = _mm512_permutex2var_epi64(ab, il, cd);
	*hi = _mm512_permutex2var_epi64(ab, ih, cd);
}

/* Four 16-byte nibble runs at a stride, low and high nibbles apart. */
QD512_INLINE void
qd512_nibx4(const u_char *p, size_t stride, __m512i *lo, __m512i *hi)
{
	const __m512i	 m4 = _mm512_set1_epi8(0x0f);
	__m512i		 x;

	x = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)p));
	x = _mm512_inserti32x4(x, _mm_loadu_si128((const __m128i *)(p +
	    stride)), 1);
	x = _mm512_inserti32x4(x, _mm_loadu_si128((const __m128i *)(p +
	    2 * stride)), 2);
	x = _mm512_inserti32x4(x, _mm_loadu_si128((const __m128i *)(p +
	    3 * stride)), 3);
	*lo = _mm512_and_si512(x, m4);
	*hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), m4);
}

/*
 * Q5_0/Q5_1: bit j of a block's qh is the fifth bit of value j, so the
 * low 16 bits of four blocks make one byte mask and the high 16 bits
 * another.
 */
QD512_INLINE void
qd512_qh5(const u_char *p, size_t stride, __m512i *lo, __m512i *hi)
{
	const __m512i	 b4 = _mm512_set1_epi8(0x10);
	uint64_t	 h0, h1, h2, h3, ml, mh;

	h0 = qd512_ld32(p);
	h1 = qd512_ld32(p + stride);
	h2 = qd512_ld32(p + 2 * stride);
	h3 = qd512_ld32(p + 3 * stride);
	ml = (h0 & 0xffff) | (h1 & 0xffff) << 16 | (h2 & 0xffff) << 32 |
	    h3 << 48;
	mh = h0 >> 16 | (h1 & 0xffff0000) | (h2 >> 16) << 32 |
	    (h3 >> 16) << 48;
	*lo = _mm512_mask_add_epi8(*lo, _cvtu64_mask64(ml), *lo, b4);
	*hi = _mm512_mask_add_epi8(*hi, _cvtu64_mask64(mh), *hi, b4);
}

QD512_INLINE void
qd512_brow(uint32_t type, const u_char *w, struct qd512_brow *o)
{
	const size_t	bs = qd512_bbytes(type);

	switch (type) {
	case GGUF_TYPE_Q8_0:
		qd512_split(w + 2, w + bs + 2, w + 2 * bs + 2, w + 3 * bs + 2,
		    &o->br_p, &o->br_q);
		/* Unsigned for VNNI: w + 128; the activations pay it back. */
		o->br_p = _mm512_xor_si512(o->br_p, _mm512_set1_epi8(-128));
		o->br_q = _mm512_xor_si512(o->br_q, _mm512_set1_epi8(-128));
		break;
	case GGUF_TYPE_Q4_0:
		qd512_nibx4(w + 2, bs, &o->br_p, &o->br_q);
		break;
	case GGUF_TYPE_Q4_1:
		qd512_nibx4(w + 4, bs, &o->br_p, &o->br_q);
		break;
	case GGUF_TYPE_Q5_0:
		qd512_nibx4(w + 6, bs, &o->br_p, &o->br_q);
		qd512_qh5(w + 2, bs, &o->br_p, &o->br_q);
		break;
	default:
		qd512_nibx4(w + 8, bs, &o->br_p, &o->br_q);
		qd512_qh5(w + 4, bs, &o->br_p, &o->br_q);
		break;
	}
	o->br_d = qd512_lanes4(qd512_f16s(w, bs));
	if (type == GGUF_TYPE_Q4_1 || type == GGUF_TYPE_Q5_1)
		o->br_m = _mm512_zextps128_ps512(qd512_f16s(w + 2, bs));
}

QD512_INLINE void
qd512_btok(uint32_t type, const struct qd_b32 *a, struct qd512_btok *o)
{
	const __m512i	 z = _mm512_setzero_si512();
	__m512i		 off;

	qd512_split(a[0].qs, a[1].qs, a[2].qs, a[3].qs, &o->bt_p, &o->bt_q);
	o->bt_d = qd512_lanes4(_mm_set_ps(a[3].d, a[2].d, a[1].d, a[0].d));
	switch (type) {
	case GGUF_TYPE_Q8_0:
		off = _mm512_set1_epi8(-128);	/* 128 as u8 */
		break;
	case GGUF_TYPE_Q4_0:
		off = _mm512_set1_epi8(8);
		break;
	case GGUF_TYPE_Q5_0:
		off = _mm512_set1_epi8(16);
		break;
	default:
		/* Q4_1, Q5_1: no offset; the mins go with d * sum. */
		o->bt_c = z;
		o->bt_s = _mm512_zextps128_ps512(_mm_set_ps(a[3].s, a[2].s,
		    a[1].s, a[0].s));
		return;
	}
	o->bt_c = _mm512_sub_epi32(z, _mm512_dpbusd_epi32(
	    _mm512_dpbusd_epi32(z, off, o->bt_p), off, o->bt_q));
}

/* One pair, one step: the only arithmetic a 32-value product does. */
QD512_INLINE __m512
qd512_bpair(uint32_t type, const struct qd512_brow *r,
    const struct qd512_btok *t, __m512 acc)
{
	__m512i	s;

	s = _mm512_dpbusd_epi32(t->bt_c, r->br_p, t->bt_p);
	s = _mm512_dpbusd_epi32(s, r->br_q, t->bt_q);
	acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s),
	    _mm512_mul_ps(r->br_d, t->bt_d), acc);
	if (type == GGUF_TYPE_Q4_1 || type == GGUF_TYPE_Q5_1)
		acc = _mm512_fmadd_ps(r->br_m, t->bt_s, acc);
	return acc;
}

/*
 * Four blocks from block i on; the last one to three of a row go
 * through zeroed copies of four blocks, where a zero block has scale 0
 * and adds nothing.
 */
QD512_INLINE void
qd512_brow_at(uint32_t type, const u_char *w, size_t i, size_t nb,
    struct qd512_brow *o)
{
	u_char	buf[4 * 34];

	w += i * qd512_bbytes(type);
	if (i + 4 <= nb) {
		qd512_brow(type, w, o);
		return;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, w, (nb - i) * qd512_bbytes(type));
	qd512_brow(type, buf, o);
}

QD512_INLINE void
qd512_btok_at(uint32_t type, const void *x, size_t i, size_t nb,
    struct qd512_btok *o)
{
	const struct qd_b32	*a = (const struct qd_b32 *)x + i;
	struct qd_b32		 buf[4];

	if (i + 4 <= nb) {
		qd512_btok(type, a, o);
		return;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, a, (nb - i) * sizeof(*a));
	qd512_btok(type, buf, o);
}

/* Decoding: nr rows against the one token. */
QD512_INLINE void
qd512_bdec(uint32_t type, const struct qd_gemm *g, size_t r, int nr)
{
	struct qd512_brow	 wr[QD512_MAXR] QD512_NOINIT;
	struct qd512_btok	 at QD512_NOINIT;
	__m512			 acc[QD512_MAXR] QD512_NOINIT;
	const u_char		*w = g->g_w;
	const size_t		 bs = qd512_bbytes(type);
	size_t			 nb = g->g_ncols / QD_B32_VALUES, i;
	int			 ir;

	w += r * g->g_rowbytes;
#pragma GCC unroll 8
	for (ir = 0; ir < nr; ir++)
		acc[ir] = _mm512_setzero_ps();
	for (i = 0; i < nb; i += 4) {
#pragma GCC unroll 8
		for (ir = 0; ir < nr; ir++) {
			qd512_brow_at(type, w + ir * g->g_rowbytes, i, nb,
			    &wr[ir]);
			qd512_prefetch(w + (ir + nr) * g->g_rowbytes + i * bs,
			    4 * bs);
		}
		qd512_btok_at(type, g->g_x, i, nb, &at);
#pragma GCC unroll 8
		for (ir = 0; ir < nr; ir++)
			acc[ir] = qd512_bpair(type, &wr[ir], &at, acc[ir]);
	}
	qd512_store(g->g_y + r, acc, nr);
}

/* Prefill: nr rows unpacked once a step, a chunk of tokens past them. */
QD512_INLINE void
qd512_bblock(uint32_t type, const struct qd_gemm *g, size_t r, int nr)
{
	struct qd512_brow	 wr[QD512_MAXR] QD512_NOINIT;
	struct qd512_btok	 at QD512_NOINIT;
	__m512			 acc[QD512_TC][QD512_MAXR] QD512_NOINIT;
	const u_char		*w = g->g_w, *x;
	size_t			 nb = g->g_ncols / QD_B32_VALUES;
	size_t			 i, t0, t, tn;
	int			 ir;

	w += r * g->g_rowbytes;
	for (t0 = 0; t0 < g->g_ntok; t0 += tn) {
		tn = g->g_ntok - t0 < QD512_TC ? g->g_ntok - t0 : QD512_TC;
		x = (const u_char *)g->g_x + t0 * g->g_xstride;
		for (t = 0; t < tn; t++)
#pragma GCC unroll 8
			for (ir = 0; ir < nr; ir++)
				acc[t][ir] = _mm512_setzero_ps();
		for (i = 0; i < nb; i += 4) {
#pragma GCC unroll 8
			for (ir = 0; ir < nr; ir++)
				qd512_brow_at(type, w + ir * g->g_rowbytes, i,
				    nb, &wr[ir]);
			for (t = 0; t < tn; t++) {
				qd512_btok_at(type, x + t * g->g_xstride, i,
				    nb, &at);
#pragma GCC unroll 8
				for (ir = 0; ir < nr; ir++)
					acc[t][ir] = qd512_bpair(type, &wr[ir],
					    &at, acc[t][ir]);
			}
		}
		for (t = 0; t < tn; t++)
			qd512_store(g->g_y + (t0 + t) * g->g_ystride + r,
			    acc[t], nr);
	}
}

/*
 * The K-quants: a super-block is four VNNI products of 64 values.  A
 * product's lanes each hold four byte products of one sub-block, at
 * most 4 * 63 * 127 in size, so two products pack into 16-bit words
 * without saturating and one 16-bit dot product applies the scales of
 * both.  This keeps the integer multiplier, which runs one 512-bit op
 * a cycle on Zen 4 and Intel alike, down to six ops a super-block.
 */

/* Word indices: scale a in words 0-3, b in 4-7 of each 128-bit lane. */
#define QD512_SCI(a0, b0, a1, b1, a2, b2, a3, b3)			\
	_mm512_set_epi32((b3) * 0x10001, (b3) * 0x10001,		\
	(a3) * 0x10001, (a3) * 0x10001, (b2) * 0x10001, (b2) * 0x10001,	\
	(a2) * 0x10001, (a2) * 0x10001, (b1) * 0x10001, (b1) * 0x10001,	\
	(a1) * 0x10001, (a1) * 0x10001, (b0) * 0x10001, (b0) * 0x10001,	\
	(a0) * 0x10001, (a0) * 0x10001)

QD512_INLINE size_t
qd512_kbytes(uint32_t type)
{
	switch (type) {
	case GGUF_TYPE_Q4_K:
		return 144;
	case GGUF_TYPE_Q5_K:
		return 176;
	default:
		return 210;
	}
}

/*
 * A row's super-block: the scales spread to match the packed products,
 * the float factors, and where the quants are.
 */
QD512_INLINE void
qd512_krow(uint32_t type, const u_char *w, struct qd512_krow *o)
{
	uint32_t	u[3];
	uint64_t	sc, mn;
	__m512i		tab, qh;
	__m128i		s8;
	__m128		dm;

	if (type == GGUF_TYPE_Q6_K) {
		/* Step k lane L is sub-block 4k + L. */
		s8 = _mm_loadu_si128((const __m128i *)(w + 192));
		tab = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(s8));
		o->kr_q = w;
		o->kr_h = w + 128;
		o->kr_s01 = _mm512_permutexvar_epi16(QD512_SCI(0, 4, 1, 5,
		    2, 6, 3, 7), tab);
		o->kr_s23 = _mm512_permutexvar_epi16(QD512_SCI(8, 12, 9, 13,
		    10, 14, 11, 15), tab);
		o->kr_d = _mm512_set1_ps(_mm_cvtss_f32(_mm_cvtph_ps(
		    _mm_cvtsi32_si128(qd512_ld16(w + 208)))));
		o->kr_m = _mm512_mul_ps(_mm512_cvtepi32_ps(
		    _mm512_cvtepi8_epi32(s8)), _mm512_mul_ps(o->kr_d,
		    _mm512_set1_ps(-32.0f)));
		return;
	}
	/* The 6-bit scales and mins, as qd_k4_scales unpacks them. */
	memcpy(u, w + 4, sizeof(u));
	sc = (uint64_t)(u[0] & 0x3f3f3f3f) | (uint64_t)((u[2] & 0x0f0f0f0f) |
	    ((u[0] >> 6) & 0x03030303) << 4) << 32;
	mn = (uint64_t)(u[1] & 0x3f3f3f3f) | (uint64_t)(((u[2] >> 4) &
	    0x0f0f0f0f) | ((u[1] >> 6) & 0x03030303) << 4) << 32;
	dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)qd512_ld32(w)));
	/* Step k holds sub-block 2k in lanes 0-1, 2k + 1 in lanes 2-3. */
	tab = _mm512_castsi128_si512(_mm_cvtepu8_epi16(
	    _mm_cvtsi64_si128((long long)sc)));
	o->kr_s01 = _mm512_permutexvar_epi16(QD512_SCI(0, 2, 0, 2, 1, 3,
	    1, 3), tab);
	o->kr_s23 = _mm512_permutexvar_epi16(QD512_SCI(4, 6, 4, 6, 5, 7,
	    5, 7), tab);
	o->kr_d = _mm512_broadcastss_ps(dm);
	o->kr_m = _mm512_zextps256_ps512(_mm256_mul_ps(_mm256_cvtepi32_ps(
	    _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mn))),
	    _mm256_broadcastss_ps(_mm_movehdup_ps(dm))));
	if (type == GGUF_TYPE_Q4_K)
		o->kr_q = w + 16;
	else {
		o->kr_q = w + 48;
		/* qh in the low half, qh >> 1 in the high half. */
		qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(
		    (const __m256i *)(w + 16)));
		o->kr_g = _mm512_mask_srli_epi16(qh, 0xffff0000, qh, 1);
	}
}

/* The 256 weights of a row's super-block as bytes, in value order. */
QD512_INLINE void
qd512_kunpack(uint32_t type, const struct qd512_krow *r, __m512i w[4])
{
	const __m512i	 m4 = _mm512_set1_epi8(0x0f);
	const __m512i	 m30 = _mm512_set1_epi8(0x30);
	const __m512i	 m10 = _mm512_set1_epi8(0x10);
	__m512i		 z, g, h;
	int		 k;

	if (type == GGUF_TYPE_Q6_K) {
		/* Steps 2h and 2h + 1 share 64 bytes of ql, 32 of qh. */
#pragma GCC unroll 2
		for (k = 0; k < 4; k += 2) {
			z = _mm512_loadu_si512(r->kr_q + 32 * k);
			h = _mm512_broadcast_i64x4(_mm256_loadu_si256(
			    (const __m256i *)(r->kr_h + 16 * k)));
			g = _mm512_mask_srli_epi16(h, 0xffff0000, h, 2);
			w[k] = _mm512_ternarylogic_epi32(z, m4,
			    _mm512_and_si512(_mm512_slli_epi16(g, 4), m30),
			    0xea);
			w[k + 1] = _mm512_ternarylogic_epi32(
			    _mm512_srli_epi16(z, 4), m4, _mm512_and_si512(g,
			    m30), 0xea);
		}
		return;
	}
	/* Chunk k: low nibbles are sub-block 2k, high ones 2k + 1. */
#pragma GCC unroll 4
	for (k = 0; k < 4; k++) {
		z = _mm512_broadcast_i64x4(_mm256_loadu_si256(
		    (const __m256i *)(r->kr_q + 32 * k)));
		z = _mm512_mask_srli_epi16(z, 0xffff0000, z, 4);
		if (type == GGUF_TYPE_Q4_K) {
			w[k] = _mm512_and_si512(z, m4);
			continue;
		}
		/* Bit 2k (and 2k + 1, shifted down) to bit 4. */
		if (k == 0)
			h = _mm512_slli_epi16(r->kr_g, 4);
		else if (k == 1)
			h = _mm512_slli_epi16(r->kr_g, 2);
		else if (k == 2)
			h = r->kr_g;
		else
			h = _mm512_srli_epi16(r->kr_g, 2);
		w[k] = _mm512_ternarylogic_epi32(z, m4, _mm512_and_si512(h,
		    m10), 0xea);
	}
}

QD512_INLINE void
qd512_ktok(uint32_t type, const struct qd_b256 *a, struct qd512_ktok *o)
{
	__m256i	bs = _mm256_loadu_si256((const __m256i *)(const void *)
	    a->bsums);

	o->kt_q = a->qs;
	o->kt_d = _mm512_set1_ps(a->d);
	if (type == GGUF_TYPE_Q6_K)
		o->kt_b = _mm512_mul_ps(_mm512_cvtepi32_ps(
		    _mm512_cvtepi16_epi32(bs)), o->kt_d);
	else
		o->kt_b = _mm512_zextps256_ps512(_mm256_mul_ps(
		    _mm256_cvtepi32_ps(_mm256_madd_epi16(bs,
		    _mm256_set1_epi16(1))), _mm256_set1_ps(a->d)));
}

/* One pair, one super-block: the only arithmetic a K-quant does. */
QD512_INLINE __m512
qd512_kpair(uint32_t type, const __m512i w[4], const struct qd512_krow *r,
    const struct qd512_ktok *t, __m512 acc)
{
	const __m512i	 z = _mm512_setzero_si512();
	__m512i		 s0, s1, s2, s3, p;

	s0 = _mm512_dpbusd_epi32(z, w[0], _mm512_loadu_si512(t->kt_q));
	s1 = _mm512_dpbusd_epi32(z, w[1], _mm512_loadu_si512(t->kt_q + 64));
	s2 = _mm512_dpbusd_epi32(z, w[2], _mm512_loadu_si512(t->kt_q + 128));
	s3 = _mm512_dpbusd_epi32(z, w[3], _mm512_loadu_si512(t->kt_q + 192));
	p = _mm512_dpwssd_epi32(z, _mm512_packs_epi32(s0, s1), r->kr_s01);
	p = _mm512_dpwssd_epi32(p, _mm512_packs_epi32(s2, s3), r->kr_s23);
	acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p),
	    _mm512_mul_ps(r->kr_d, t->kt_d), acc);
	/* Q4_K, Q5_K: less the mins; Q6_K: the -32 of every quant. */
	if (type == GGUF_TYPE_Q6_K)
		return _mm512_fmadd_ps(r->kr_m, t->kt_b, acc);
	return _mm512_fnmadd_ps(r->kr_m, t->kt_b, acc);
}

/* Decoding: nr rows against the one token, each unpacked in turn. */
QD512_INLINE void
qd512_kdec(uint32_t type, const struct qd_gemm *g, size_t r, int nr)
{
	struct qd512_krow	 wr QD512_NOINIT;
	struct qd512_ktok	 at QD512_NOINIT;
	__m512			 acc[QD512_MAXR] QD512_NOINIT;
	__m512i			 w[4] QD512_NOINIT;
	const u_char		*wp = g->g_w;
	const struct qd_b256	*a = g->g_x;
	const size_t		 bs = qd512_kbytes(type);
	size_t			 nb = g->g_ncols / QD_B256_VALUES, i;
	int			 ir;

	wp += r * g->g_rowbytes;
#pragma GCC unroll 8
	for (ir = 0; ir < nr; ir++)
		acc[ir] = _mm512_setzero_ps();
	for (i = 0; i < nb; i++) {
		qd512_ktok(type, a + i, &at);
#pragma GCC unroll 8
		for (ir = 0; ir < nr; ir++) {
			qd512_krow(type, wp + ir * g->g_rowbytes + i * bs, &wr);
			qd512_prefetch(wp + (ir + nr) * g->g_rowbytes + i * bs,
			    bs);
			qd512_kunpack(type, &wr, w);
			acc[ir] = qd512_kpair(type, w, &wr, &at, acc[ir]);
		}
	}
	qd512_store(g->g_y + r, acc, nr);
}

/* Prefill: nr rows unpacked once a super-block, a chunk of tokens. */
QD512_INLINE void
qd512_kblock(uint32_t type, const struct qd_gemm *g, size_t r, int nr)
{
	struct qd512_krow	 wr[QD512_MAXR] QD512_NOINIT;
	struct qd512_ktok	 at QD512_NOINIT;
	__m512			 acc[QD512_TC][QD512_MAXR] QD512_NOINIT;
	__m512i			 w[QD512_MAXR][4] QD512_NOINIT;
	const u_char		*wp = g->g_w, *x;
	const size_t		 bs = qd512_kbytes(type);
	size_t			 nb = g->g_ncols / QD_B256_VALUES;
	size_t			 i, t0, t, tn;
	int			 ir;

	wp += r * g->g_rowbytes;
	for (t0 = 0; t0 < g->g_ntok; t0 += tn) {
		tn = g->g_ntok - t0 < QD512_TC ? g->g_ntok - t0 : QD512_TC;
		x = (const u_char *)g->g_x + t0 * g->g_xstride;
		for (t = 0; t < tn; t++)
#pragma GCC unroll 8
			for (ir = 0; ir < nr; ir++)
				acc[t][ir] = _mm512_setzero_ps();
		for (i = 0; i < nb; i++) {
#pragma GCC unroll 8
			for (ir = 0; ir < nr; ir++) {
				qd512_krow(type, wp + ir * g->g_rowbytes +
				    i * bs, &wr[ir]);
				qd512_kunpack(type, &wr[ir], w[ir]);
			}
			for (t = 0; t < tn; t++) {
				qd512_ktok(type, (const struct qd_b256 *)
				    (const void *)(x + t * g->g_xstride) + i,
				    &at);
#pragma GCC unroll 8
				for (ir = 0; ir < nr; ir++)
					acc[t][ir] = qd512_kpair(type, w[ir],
					    &wr[ir], &at, acc[t][ir]);
			}
		}
		for (t = 0; t < tn; t++)
			qd512_store(g->g_y + (t0 + t) * g->g_ystride + r,
			    acc[t], nr);
	}
}

/*
 * F32, F16 and BF16 against float activations: a register tile of nr
 * rows and nt tokens, 16 values a step, one multiply-add a pair.
 */

QD512_INLINE __m512
qd512_frow(uint32_t type, const u_char *w)
{
	switch (type) {
	case GGUF_TYPE_F32:
		return _mm512_loadu_ps(w);
	case GGUF_TYPE_F16:
		return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)w));
	default:
		return _mm512_castsi512_ps(_mm512_slli_epi32(
		    _mm512_cvtepu16_epi32(_mm256_loadu_si256(
		    (const __m256i *)w)), 16));
	}
}

QD512_INLINE void
qd512_ftile(uint32_t type, const struct qd_gemm *g, size_t r, size_t t,
    int nr, int nt)
{
	__m512		 wr[QD512_MAXR] QD512_NOINIT, a;
	__m512		 acc[QD512_TP][QD512_MAXR] QD512_NOINIT;
	const u_char	*w = (const u_char *)g->g_w + r * g->g_rowbytes;
	const u_char	*x = (const u_char *)g->g_x + t * g->g_xstride;
	const size_t	 es = type == GGUF_TYPE_F32 ? 4 : 2;
	size_t		 n = g->g_ncols, i;
	u_char		 wb[64];
	float		 xb[16];
	int		 ir, it;

#pragma GCC unroll 4
	for (it = 0; it < nt; it++)
#pragma GCC unroll 8
		for (ir = 0; ir < nr; ir++)
			acc[it][ir] = _mm512_setzero_ps();
	for (i = 0; i + 16 <= n; i += 16) {
#pragma GCC unroll 8
		for (ir = 0; ir < nr; ir++) {
			wr[ir] = qd512_frow(type, w + ir * g->g_rowbytes +
			    i * es);
			/* Decoding: once a 64-byte line. */
			if (nt == 1 && i * es % 64 == 0)
				qd512_prefetch(w + (ir + nr) * g->g_rowbytes +
				    i * es, 64);
		}
#pragma GCC unroll 4
		for (it = 0; it < nt; it++) {
			a = _mm512_loadu_ps((const float *)(const void *)(x +
			    it * g->g_xstride) + i);
#pragma GCC unroll 8
			for (ir = 0; ir < nr; ir++)
				acc[it][ir] = _mm512_fmadd_ps(wr[ir], a,
				    acc[it][ir]);
		}
	}
	if (i < n) {
		/* The last values through zeroed copies. */
#pragma GCC unroll 8
		for (ir = 0; ir < nr; ir++) {
			memset(wb, 0, sizeof(wb));
			memcpy(wb, w + ir * g->g_rowbytes + i * es,
			    (n - i) * es);
			wr[ir] = qd512_frow(type, wb);
		}
#pragma GCC unroll 4
		for (it = 0; it < nt; it++) {
			memset(xb, 0, sizeof(xb));
			memcpy(xb, (const float *)(const void *)(x +
			    it * g->g_xstride) + i, (n - i) * sizeof(float));
			a = _mm512_loadu_ps(xb);
#pragma GCC unroll 8
			for (ir = 0; ir < nr; ir++)
				acc[it][ir] = _mm512_fmadd_ps(wr[ir], a,
				    acc[it][ir]);
		}
	}
#pragma GCC unroll 4
	for (it = 0; it < nt; it++)
		qd512_store(g->g_y + (t + it) * g->g_ystride + r, acc[it], nr);
}

/* The walk over rows and tokens. */

QD512_INLINE int
qd512_kind(uint32_t type)
{
	switch (type) {
	case GGUF_TYPE_F32:
	case GGUF_TYPE_F16:
	case GGUF_TYPE_BF16:
		return 0;
	case GGUF_TYPE_Q4_K:
	case GGUF_TYPE_Q5_K:
	case GGUF_TYPE_Q6_K:
		return 2;
	default:
		return 1;
	}
}

/* Decoding: nr rows. */
QD512_INLINE void
qd512_dec(uint32_t type, const struct qd_gemm *g, size_t r, int nr)
{
	switch (qd512_kind(type)) {
	case 0:
		qd512_ftile(type, g, r, 0, nr, 1);
		break;
	case 1:
		qd512_bdec(type, g, r, nr);
		break;
	default:
		qd512_kdec(type, g, r, nr);
		break;
	}
}

/* Prefill: every token for nr rows. */
QD512_INLINE void
qd512_rows(uint32_t type, const struct qd_gemm *g, size_t r, int nr)
{
	size_t	t;

	switch (qd512_kind(type)) {
	case 0:
		for (t = 0; t + QD512_TP <= g->g_ntok; t += QD512_TP)
			qd512_ftile(type, g, r, t, nr, QD512_TP);
		for (; t < g->g_ntok; t++)
			qd512_ftile(type, g, r, t, nr, 1);
		break;
	case 1:
		qd512_bblock(type, g, r, nr);
		break;
	default:
		qd512_kblock(type, g, r, nr);
		break;
	}
}

/* Groups of rows, then the one to seven rows left one at a time. */
QD512_INLINE void
qd512_walk(uint32_t type, const struct qd_gemm *g)
{
	const int	rd = QD512_RD(qd512_kind(type));
	const int	rp = QD512_RP(qd512_kind(type));
	size_t		r = g->g_r0;

	if (g->g_ntok == 1) {
		for (; r + rd <= g->g_r1; r += rd)
			qd512_dec(type, g, r, rd);
		for (; r < g->g_r1; r++)
			qd512_dec(type, g, r, 1);
		return;
	}
	for (; r + rp <= g->g_r1; r += rp)
		qd512_rows(type, g, r, rp);
	for (; r < g->g_r1; r++)
		qd512_rows(type, g, r, 1);
}

static void
qd512_gemm_f32(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_F32, g);
}

static void
qd512_gemm_f16(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_F16, g);
}

static void
qd512_gemm_bf16(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_BF16, g);
}

static void
qd512_gemm_q8_0(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q8_0, g);
}

static void
qd512_gemm_q4_0(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q4_0, g);
}

static void
qd512_gemm_q4_1(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q4_1, g);
}

static void
qd512_gemm_q5_0(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q5_0, g);
}

static void
qd512_gemm_q5_1(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q5_1, g);
}

static void
qd512_gemm_q4_k(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q4_K, g);
}

static void
qd512_gemm_q5_k(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q5_K, g);
}

static void
qd512_gemm_q6_k(const struct qd_gemm *g)
{
	qd512_walk(GGUF_TYPE_Q6_K, g);
}

int
qd_avx512_gemm(const struct qd_gemm *g)
{
	switch (g->g_type) {
	case GGUF_TYPE_F32:
		qd512_gemm_f32(g);
		break;
	case GGUF_TYPE_F16:
		qd512_gemm_f16(g);
		break;
	case GGUF_TYPE_BF16:
		qd512_gemm_bf16(g);
		break;
	case GGUF_TYPE_Q8_0:
		qd512_gemm_q8_0(g);
		break;
	case GGUF_TYPE_Q4_0:
		qd512_gemm_q4_0(g);
		break;
	case GGUF_TYPE_Q4_1:
		qd512_gemm_q4_1(g);
		break;
	case GGUF_TYPE_Q5_0:
		qd512_gemm_q5_0(g);
		break;
	case GGUF_TYPE_Q5_1:
		qd512_gemm_q5_1(g);
		break;
	case GGUF_TYPE_Q4_K:
		qd512_gemm_q4_k(g);
		break;
	case GGUF_TYPE_Q5_K:
		qd512_gemm_q5_k(g);
		break;
	case GGUF_TYPE_Q6_K:
		qd512_gemm_q6_k(g);
		break;
	default:
		return 0;
	}
	return 1;
}
