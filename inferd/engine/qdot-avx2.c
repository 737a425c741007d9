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
 * The AVX2 level of the integer kernels (AVX2, FMA and F16C).
 *
 * Decoding (one token) streams each weight row once from memory, so
 * it unpacks each block in registers and uses it at once, prefetching
 * the rows well ahead; the 32-value types go two rows at a time to
 * share what the activation blocks need.  Batches unpack a chunk of a
 * few rows onto the stack instead (nibbles and high bits as one byte
 * per value, scales as vectors), and up to QD_TOKS tokens then run
 * over that chunk in register tiles, so a block is decoded once per
 * QD_TOKS tokens and the tiles' inner loops are loads, maddubs and
 * madd.
 *
 * Bits: the value of a (row, token) pair must not depend on the path
 * or tile it was computed in, on the row range or on the token count,
 * since threads split rows differently and prefill and decode must
 * agree.  So every pair has its own float accumulator, and both paths
 * build the same integer vectors and hand them to the same finishing
 * function (qd_fin32, qd_fink, or one FMA for the float types): exact
 * integer sums, one conversion, then FMAs in a fixed order.  Where an
 * accumulator waits between chunks, a register or the stack, changes
 * nothing.  A row that ends in a partial group of four 32-value blocks,
 * or in fewer than 8 float values, is padded with zero weights and zero
 * activations in every path alike.
 *
 * The integer sums stay exact: _mm256_maddubs_epi16 is only given
 * unsigned weights below 64 (or |w| of Q8_0, with the weight's sign
 * moved to the activation), so its 16-bit pair sums cannot saturate.
 * Offsets are taken out in 32 bits afterwards: q - 8 of Q4_0 as 8 times
 * the block's activation sum, q - 32 of Q6_K and the mins of Q4_K and
 * Q5_K through the activation bsums.
 */

/*
 * The helpers must be inlined for the type and tile sizes to become
 * constants.  Stack buffers that are always written before they are
 * read skip -ftrivial-auto-var-init, which would clear kilobytes on
 * every call.
 */
#define QD_INLINE	static inline __attribute__((__always_inline__))
#if defined(__has_attribute) && __has_attribute(__uninitialized__)
#define QD_NOINIT	__attribute__((__uninitialized__))
#else
#define QD_NOINIT
#endif

/*
 * Tuning, measured on one core of a Sapphire Rapids: decoding is bound
 * by memory, so rows are prefetched well ahead and the 32-value types
 * stream two rows at a time (four parallel streams came out slower);
 * the float types take four rows to hide the FMA latency.  Batches use
 * tiles of four rows by one token (three for the floats); larger tiles
 * only made the compiler spill.
 */
#define QD_PF_BYTES	4096	/* how far ahead a streamed row is fetched */
#define QD_DEC_ROWS_F	4	/* decoding: rows at a time, float types */
#define QD_DEC_ROWS_32	2	/* decoding: rows at a time, 32-value types */
#define QD_TOKS		64	/* tokens whose accumulators wait on a chunk */
#define QD_CHUNK	1024	/* the most values of a chunk */
#define QD_MAXROWS	4	/* the largest row tile */
#define QD_MAXTOKS	4	/* the largest token tile */
#define QD_B32_MAX	34	/* bytes of the largest 32-value block */

/* Four blocks of a 32-value type, unpacked. */
struct qd_w32 {
	__m256i	 w_q[4];	/* values as unsigned bytes, |w| for Q8_0 */
	__m256i	 w_s[4];	/* Q8_0: the weights, for their signs */
	__m256	 w_d;		/* the four scales, then again */
	__m256	 w_m;		/* Q4_1, Q5_1: the four mins, then zeros */
};

/* One K-quant super-block, unpacked. */
struct qd_wk {
	__m256i	 w_q[8];	/* 32 values each, unsigned */
	__m256i	 w_sc[8];	/* their scales as 16-bit words */
	__m256i	 w_mx;		/* against the bsums: mins, Q6_K scales */
	__m256	 w_dd;		/* d and -dmin as qd_fink wants them */
};

/* A row's unpacked chunk. */
union qd_wrow {
	struct qd_w32	 r_32[QD_CHUNK / 128];
	struct qd_wk	 r_k[QD_CHUNK / 256];
	float		 r_f[QD_CHUNK];
};

/* What a token's four 32-value blocks give every row. */
struct qd_a32 {
	const struct qd_b32	*a_b;	/* the four blocks */
	__m256			 a_d;	/* their scales, twice */
	__m256			 a_s;	/* Q4_1, Q5_1: scale times sum */
	__m256i			 a_off[4]; /* Q4_0, Q5_0: offset times a */
};

enum { QD_FLOAT, QD_B32, QD_K, QD_NONE };

static void	qd_q32(const float *, struct qd_b32 *, size_t);
static void	qd_q256(const float *, struct qd_b256 *, size_t);
QD_INLINE float	qd_amax(const float *, size_t);
QD_INLINE __m256i qd_qvec(const float *, __m256);
QD_INLINE __m256i qd_pack(__m256i, __m256i, __m256i, __m256i);
QD_INLINE int	qd_isum(__m256i);

QD_INLINE int	qd_family(uint32_t);
QD_INLINE size_t qd_bytes(uint32_t);
QD_INLINE size_t qd_trows(uint32_t);
QD_INLINE size_t qd_ttoks(uint32_t);
QD_INLINE size_t qd_chunk(uint32_t);
QD_INLINE uint16_t qd_u16(const u_char *);
QD_INLINE void	qd_pf(const u_char *, size_t);
QD_INLINE float	qd_hsum(__m256);
QD_INLINE __m256i qd_hadd4(__m256i, __m256i, __m256i, __m256i);

QD_INLINE __m256 qd_f8(uint32_t, const u_char *);
QD_INLINE __m256 qd_f8tail(uint32_t, const u_char *, size_t);
QD_INLINE __m256 qd_x8tail(const float *, size_t);

QD_INLINE __m256i qd_nib(const u_char *);
QD_INLINE __m256i qd_bits5(const u_char *);
QD_INLINE __m256i qd_b32q(uint32_t, const u_char *, __m256i *);
QD_INLINE __m256 qd_b32d(uint32_t, const u_char *, size_t);
QD_INLINE void	qd_tok32(uint32_t, const struct qd_b32 *, struct qd_a32 *);
QD_INLINE __m256i qd_dot32(uint32_t, __m256i, __m256i, const struct qd_a32 *,
		    size_t);
QD_INLINE __m256 qd_fin32(uint32_t, const __m256i *, __m256, __m256,
		    const struct qd_a32 *, __m256);

QD_INLINE __m256i qd_kscales(uint32_t, const u_char *, __m256i *);
QD_INLINE __m256i qd_ksc(uint32_t, __m256i, size_t);
QD_INLINE __m256i qd_kq(uint32_t, const u_char *, size_t);
QD_INLINE __m256i qd_kdot(__m256i, __m256i, const int8_t *);
QD_INLINE __m256 qd_fink(uint32_t, __m256i, __m256i, __m256,
		    const struct qd_b256 *, __m256);
QD_INLINE __m256 qd_kdd(uint32_t, const u_char *);

QD_INLINE void	qd_rowsf(uint32_t, const struct qd_gemm *, size_t, size_t);
QD_INLINE void	qd_grp32(uint32_t, const u_char *, size_t,
		    const struct qd_b32 *, size_t, int, __m256 *);
QD_INLINE void	qd_rows32(uint32_t, const struct qd_gemm *, size_t, size_t);
QD_INLINE float	qd_rowk(uint32_t, const u_char *, const struct qd_b256 *,
		    size_t);
QD_INLINE void	qd_decode(const struct qd_gemm *, uint32_t);

QD_INLINE void	qd_prepf(uint32_t, const u_char *, size_t, float *);
QD_INLINE void	qd_prep32(uint32_t, const u_char *, struct qd_w32 *);
QD_INLINE void	qd_prepk(uint32_t, const u_char *, struct qd_wk *);
QD_INLINE void	qd_prep(uint32_t, const u_char *, size_t, size_t,
		    union qd_wrow *);
QD_INLINE void	qd_tilef(uint32_t, const union qd_wrow *, size_t, size_t,
		    const u_char *, size_t, size_t, size_t, int, __m256 *);
QD_INLINE void	qd_tgrp32(uint32_t, const union qd_wrow *, size_t, size_t,
		    const struct qd_b32 *const *, size_t,
		    __m256 (*)[QD_MAXTOKS]);
QD_INLINE void	qd_tile32(uint32_t, const union qd_wrow *, size_t, size_t,
		    const u_char *, size_t, size_t, size_t, int, __m256 *);
QD_INLINE void	qd_tilek(uint32_t, const union qd_wrow *, size_t, size_t,
		    const u_char *, size_t, size_t, size_t, int, __m256 *);
QD_INLINE void	qd_tile(uint32_t, const union qd_wrow *, size_t, size_t,
		    const u_char *, size_t, size_t, size_t, int, __m256 *);
QD_INLINE void	qd_batch(const struct qd_gemm *, uint32_t);

static void	qd_gemm_f32(const struct qd_gemm *);
static void	qd_gemm_f16(const struct qd_gemm *);
static void	qd_gemm_bf16(const struct qd_gemm *);
static void	qd_gemm_q8_0(const struct qd_gemm *);
static void	qd_gemm_q4_0(const struct qd_gemm *);
static void	qd_gemm_q4_1(const struct qd_gemm *);
static void	qd_gemm_q5_0(const struct qd_gemm *);
static void	qd_gemm_q5_1(const struct qd_gemm *);
static void	qd_gemm_q4_k(const struct qd_gemm *);
static void	qd_gemm_q5_k(const struct qd_gemm *);
static void	qd_gemm_q6_k(const struct qd_gemm *);

/* Activations. */

/* The largest |x| of n (a multiple of 8) values; NaNs are passed over. */
QD_INLINE float
qd_amax(const float *x, size_t n)
{
	const __m256	sign = _mm256_set1_ps(-0.0f);
	__m256		m = _mm256_setzero_ps();
	__m128		h;
	size_t		i;

	/* max_ps returns its second operand when either is a NaN. */
	for (i = 0; i < n; i += 8)
		m = _mm256_max_ps(_mm256_andnot_ps(sign,
		    _mm256_loadu_ps(x + i)), m);
	h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
	h = _mm_max_ps(h, _mm_movehl_ps(h, h));
	h = _mm_max_ss(h, _mm_movehdup_ps(h));
	return _mm_cvtss_f32(h);
}

/* Eight values times id, rounded to nearest even as nearbyintf does. */
QD_INLINE __m256i
qd_qvec(const float *x, __m256 id)
{
	return _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
}

/* Four vectors of eight 32-bit integers as 32 bytes, in order. */
QD_INLINE __m256i
qd_pack(__m256i q0, __m256i q1, __m256i q2, __m256i q3)
{
	__m256i	p;

	/* The packs work within 128-bit lanes; the permute undoes that. */
	p = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1),
	    _mm256_packs_epi32(q2, q3));
	return _mm256_permutevar8x32_epi32(p,
	    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

QD_INLINE int
qd_isum(__m256i v)
{
	__m128i	h;

	h = _mm_add_epi32(_mm256_castsi256_si128(v),
	    _mm256_extracti128_si256(v, 1));
	h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
	return _mm_cvtsi128_si32(h);
}

static void
qd_q32(const float *x, struct qd_b32 *b, size_t nb)
{
	__m256i	q0, q1, q2, q3;
	__m256	vid;
	float	d, id;
	size_t	i;

	for (i = 0; i < nb; i++, x += 32, b++) {
		d = qd_amax(x, 32) / 127.0f;
		id = d != 0 ? 1.0f / d : 0.0f;
		vid = _mm256_set1_ps(id);
		q0 = qd_qvec(x, vid);
		q1 = qd_qvec(x + 8, vid);
		q2 = qd_qvec(x + 16, vid);
		q3 = qd_qvec(x + 24, vid);
		_mm256_storeu_si256((__m256i *)b->qs, qd_pack(q0, q1, q2, q3));
		b->d = d;
		b->s = d * (float)qd_isum(_mm256_add_epi32(
		    _mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)));
	}
}

static void
qd_q256(const float *x, struct qd_b256 *b, size_t nb)
{
	__m256i	q[8], s[4];
	__m256	vid;
	__m128i	lo, hi;
	float	d, id;
	size_t	i, j, k;

	for (i = 0; i < nb; i++, x += 256, b++) {
		d = qd_amax(x, 256) / 127.0f;
		id = d != 0 ? 1.0f / d : 0.0f;
		vid = _mm256_set1_ps(id);
		for (j = 0; j < 256; j += 64) {
			for (k = 0; k < 8; k++)
				q[k] = qd_qvec(x + j + 8 * k, vid);
			_mm256_storeu_si256((__m256i *)(b->qs + j),
			    qd_pack(q[0], q[1], q[2], q[3]));
			_mm256_storeu_si256((__m256i *)(b->qs + j + 32),
			    qd_pack(q[4], q[5], q[6], q[7]));
			/* Four sums of 16, one per lane after the hadds. */
			s[j / 64] = qd_hadd4(_mm256_add_epi32(q[0], q[1]),
			    _mm256_add_epi32(q[2], q[3]),
			    _mm256_add_epi32(q[4], q[5]),
			    _mm256_add_epi32(q[6], q[7]));
		}
		for (j = 0; j < 4; j++)
			s[j] = _mm256_add_epi32(s[j],
			    _mm256_permute2x128_si256(s[j], s[j], 0x01));
		lo = _mm_packs_epi32(_mm256_castsi256_si128(s[0]),
		    _mm256_castsi256_si128(s[1]));
		hi = _mm_packs_epi32(_mm256_castsi256_si128(s[2]),
		    _mm256_castsi256_si128(s[3]));
		_mm_storeu_si128((__m128i *)b->bsums, lo);
		_mm_storeu_si128((__m128i *)(b->bsums + 8), hi);
		b->d = d;
	}
}

int
qd_avx2_quantize(uint32_t type, const float *x, void *xa, size_t n)
{
	switch (qd_family(type)) {
	case QD_FLOAT:
		memcpy(xa, x, n * sizeof(float));
		return 1;
	case QD_B32:
		qd_q32(x, xa, n / QD_B32_VALUES);
		return 1;
	case QD_K:
		qd_q256(x, xa, n / QD_B256_VALUES);
		return 1;
	default:
		return 0;
	}
}

/* Small helpers. */

QD_INLINE int
qd_family(uint32_t type)
{
	switch (qd_act_class(type)) {
	case QD_ACT_FLOAT:
		return QD_FLOAT;
	case QD_ACT_B32:
		return QD_B32;
	case QD_ACT_B256:
		return QD_K;
	default:
		return QD_NONE;
	}
}

/* Bytes of one block (one value for the float types). */
QD_INLINE size_t
qd_bytes(uint32_t type)
{
	switch (type) {
	case GGUF_TYPE_F32:
		return 4;
	case GGUF_TYPE_F16:
	case GGUF_TYPE_BF16:
		return 2;
	case GGUF_TYPE_Q8_0:
		return 34;
	case GGUF_TYPE_Q4_0:
		return 18;
	case GGUF_TYPE_Q4_1:
		return 20;
	case GGUF_TYPE_Q5_0:
		return 22;
	case GGUF_TYPE_Q5_1:
		return 24;
	case GGUF_TYPE_Q4_K:
		return 144;
	case GGUF_TYPE_Q5_K:
		return 176;
	default:
		return 210;	/* Q6_K */
	}
}

/* A batch's register tile, rows by tokens, and its chunk of values. */
QD_INLINE size_t
qd_trows(uint32_t type)
{
	return 4;
}

QD_INLINE size_t
qd_ttoks(uint32_t type)
{
	return qd_family(type) == QD_FLOAT ? 3 : 1;
}

QD_INLINE size_t
qd_chunk(uint32_t type)
{
	switch (qd_family(type)) {
	case QD_FLOAT:
		return 512;
	case QD_B32:
		return 1024;
	default:
		return 256;
	}
}

QD_INLINE uint16_t
qd_u16(const u_char *p)
{
	uint16_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The n bytes that a streamed row will need QD_PF_BYTES from now, into
 * L2: a prefetch into L1 would hold one of its few fill buffers.
 */
QD_INLINE void
qd_pf(const u_char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i += 64)
		_mm_prefetch((const char *)p + QD_PF_BYTES + i, _MM_HINT_T1);
}

/* The same order for every accumulator. */
QD_INLINE float
qd_hsum(__m256 v)
{
	__m128	h;

	h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	h = _mm_add_ps(h, _mm_movehl_ps(h, h));
	h = _mm_add_ss(h, _mm_movehdup_ps(h));
	return _mm_cvtss_f32(h);
}

/*
 * Four vectors of eight to one: lanes k and k + 4 hold the halves of
 * vector k's sum.
 */
QD_INLINE __m256i
qd_hadd4(__m256i i0, __m256i i1, __m256i i2, __m256i i3)
{
	return _mm256_hadd_epi32(_mm256_hadd_epi32(i0, i1),
	    _mm256_hadd_epi32(i2, i3));
}

/* The float types. */

/* Eight weights at p as floats. */
QD_INLINE __m256
qd_f8(uint32_t type, const u_char *p)
{
	switch (type) {
	case GGUF_TYPE_F32:
		return _mm256_loadu_ps((const float *)p);
	case GGUF_TYPE_F16:
		return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
	default:	/* BF16 */
		return _mm256_castsi256_ps(_mm256_slli_epi32(
		    _mm256_cvtepu16_epi32(_mm_loadu_si128(
		    (const __m128i *)p)), 16));
	}
}

/* The last n (1 to 7) weights of a row, then zeros. */
QD_INLINE __m256
qd_f8tail(uint32_t type, const u_char *p, size_t n)
{
	u_char	b[32];

	memset(b, 0, sizeof(b));
	memcpy(b, p, n * qd_bytes(type));
	return qd_f8(type, b);
}

QD_INLINE __m256
qd_x8tail(const float *x, size_t n)
{
	float	f[8];

	memset(f, 0, sizeof(f));
	memcpy(f, x, n * sizeof(float));
	return _mm256_loadu_ps(f);
}

/* The 32-value types. */

/* 16 bytes of nibbles as 32 bytes: the low nibbles, then the high. */
QD_INLINE __m256i
qd_nib(const u_char *q)
{
	__m256i	x;

	/* One load for both lanes; the high lane is shifted by 4. */
	x = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)q));
	return _mm256_and_si256(_mm256_srlv_epi64(x,
	    _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0x0f));
}

/* The 32 bits of a Q5 block's qh as bytes of 0x10 or 0. */
QD_INLINE __m256i
qd_bits5(const u_char *qh)
{
	const __m256i	shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0,
			    1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
			    3, 3, 3, 3, 3, 3, 3, 3);
	const __m256i	bit = _mm256_set1_epi64x(0x8040201008040201LL);
	__m256i		v;
	uint32_t	bits;

	/*
	 * qh sits at byte 2 or 4 of the block: copy it out rather than
	 * load a misaligned float (compilers still emit one broadcast).
	 */
	memcpy(&bits, qh, sizeof(bits));
	v = _mm256_set1_epi32((int)bits);
	v = _mm256_shuffle_epi8(v, shuf);
	v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
	return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* A block's 32 values as unsigned bytes; Q8_0 gives |w| and w in *s. */
QD_INLINE __m256i
qd_b32q(uint32_t type, const u_char *b, __m256i *s)
{
	switch (type) {
	case GGUF_TYPE_Q8_0:
		*s = _mm256_loadu_si256((const __m256i *)(b + 2));
		return _mm256_abs_epi8(*s);
	case GGUF_TYPE_Q4_0:
		return qd_nib(b + 2);
	case GGUF_TYPE_Q4_1:
		return qd_nib(b + 4);
	case GGUF_TYPE_Q5_0:
		return _mm256_or_si256(qd_nib(b + 6), qd_bits5(b + 2));
	default:	/* Q5_1 */
		return _mm256_or_si256(qd_nib(b + 8), qd_bits5(b + 4));
	}
}

/*
 * The halves at offset off of four blocks as floats: the scales (off
 * 0) in both lanes, the mins (off 2) in the low lane only, as the sums
 * of qd_fin32 expect them.  Four overlapping loads put half k in word
 * k, and word blends (not shuffles, which compete with the hadds for
 * one port) gather them; every load stays inside the four blocks.
 */
QD_INLINE __m256
qd_b32d(uint32_t type, const u_char *b, size_t off)
{
	const size_t	bs = qd_bytes(type) - 2;
	__m128i		h;

	b += off;
	h = _mm_blend_epi16(_mm_loadu_si128((const __m128i *)b),
	    _mm_loadu_si128((const __m128i *)(b + bs)), 0x02);
	h = _mm_blend_epi16(h, _mm_loadu_si128((const __m128i *)
	    (b + 2 * bs)), 0x04);
	h = _mm_blend_epi16(h, _mm_loadu_si128((const __m128i *)
	    (b + 3 * bs)), 0x08);
	if (off == 0)
		return _mm256_cvtph_ps(_mm_unpacklo_epi64(h, h));
	return _mm256_cvtph_ps(_mm_move_epi64(h));
}

/* A token's four blocks: what every row's product with them needs. */
QD_INLINE void
qd_tok32(uint32_t type, const struct qd_b32 *a, struct qd_a32 *t)
{
	__m128	v;
	size_t	k;

	t->a_b = a;
	/* As in qd_b32d: block k's d, and s after it, lands in lane k. */
	v = _mm_blend_ps(_mm_loadu_ps(&a[0].d), _mm_loadu_ps(&a[1].d - 1),
	    0x2);
	v = _mm_blend_ps(v, _mm_loadu_ps(&a[2].d - 2), 0x4);
	v = _mm_blend_ps(v, _mm_loadu_ps(&a[3].d - 3), 0x8);
	t->a_d = _mm256_set_m128(v, v);
	if (type == GGUF_TYPE_Q4_1 || type == GGUF_TYPE_Q5_1) {
		v = _mm_blend_ps(_mm_loadu_ps(&a[0].s),
		    _mm_loadu_ps(&a[1].s - 1), 0x2);
		v = _mm_blend_ps(v, _mm_loadu_ps(&a[2].s - 2), 0x4);
		v = _mm_blend_ps(v, _mm_loadu_ps(&a[3].s - 3), 0x8);
		t->a_s = _mm256_set_m128(v, v);
	}
	/* The offset of Q4_0 and Q5_0 times the activations, in pairs. */
	if (type == GGUF_TYPE_Q4_0 || type == GGUF_TYPE_Q5_0)
#pragma GCC unroll 8
		for (k = 0; k < 4; k++)
			t->a_off[k] = _mm256_maddubs_epi16(_mm256_set1_epi8(
			    type == GGUF_TYPE_Q4_0 ? 8 : 16),
			    _mm256_loadu_si256((const __m256i *)a[k].qs));
}

/*
 * Block k's products with a token, summed in 32 bits in groups of
 * four; the 16-bit pair sums of q * a less those of the offset times
 * a are those of (q - 8) * a (q - 16 for Q5_0), which stay small.
 */
QD_INLINE __m256i
qd_dot32(uint32_t type, __m256i q, __m256i s, const struct qd_a32 *t,
    size_t k)
{
	__m256i	v = _mm256_loadu_si256((const __m256i *)t->a_b[k].qs);

	if (type == GGUF_TYPE_Q8_0)
		v = _mm256_sign_epi8(v, s);
	v = _mm256_maddubs_epi16(q, v);
	if (type == GGUF_TYPE_Q4_0 || type == GGUF_TYPE_Q5_0)
		v = _mm256_sub_epi16(v, t->a_off[k]);
	return _mm256_madd_epi16(v, _mm256_set1_epi16(1));
}

/*
 * Four blocks' sums i[4] into a pair's accumulator: one conversion,
 * one FMA with the products of the scales, and one more for the mins
 * of Q4_1 and Q5_1 (the reference adds m * s per block).
 */
QD_INLINE __m256
qd_fin32(uint32_t type, const __m256i *i, __m256 wd, __m256 wm,
    const struct qd_a32 *t, __m256 acc)
{
	__m256i	h;

	h = qd_hadd4(i[0], i[1], i[2], i[3]);
	acc = _mm256_fmadd_ps(_mm256_mul_ps(wd, t->a_d), _mm256_cvtepi32_ps(h),
	    acc);
	if (type == GGUF_TYPE_Q4_1 || type == GGUF_TYPE_Q5_1)
		acc = _mm256_fmadd_ps(wm, t->a_s, acc);
	return acc;
}

/* The K-quants. */

/*
 * A super-block's scales for qd_ksc, and in *mx the 16-bit words that
 * meet the bsums: each min twice for Q4_K and Q5_K, the 16 scales for
 * Q6_K.
 */
QD_INLINE __m256i
qd_kscales(uint32_t type, const u_char *w, __m256i *mx)
{
	uint32_t	u0, u1, u2, sc0, sc1, mn0, mn1;
	__m256i		x;

	if (type == GGUF_TYPE_Q6_K) {
		*mx = _mm256_cvtepi8_epi16(_mm_loadu_si128(
		    (const __m128i *)(w + 192)));
		return *mx;
	}
	/* The 6-bit scales and mins, as qd_k4_scales unpacks them. */
	memcpy(&u0, w + 4, sizeof(u0));
	memcpy(&u1, w + 8, sizeof(u1));
	memcpy(&u2, w + 12, sizeof(u2));
	sc0 = u0 & 0x3f3f3f3f;
	sc1 = (u2 & 0x0f0f0f0f) | ((u0 >> 6) & 0x03030303) << 4;
	mn0 = u1 & 0x3f3f3f3f;
	mn1 = ((u2 >> 4) & 0x0f0f0f0f) | ((u1 >> 6) & 0x03030303) << 4;
	x = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(
	    (long long)((uint64_t)mn1 << 32 | mn0)));
	*mx = _mm256_or_si256(x, _mm256_slli_epi32(x, 16));
	return _mm256_set1_epi64x((long long)((uint64_t)sc1 << 32 | sc0));
}

/* The 16-bit scales of the c-th 32 values (c a constant). */
QD_INLINE __m256i
qd_ksc(uint32_t type, __m256i s, size_t c)
{
	size_t	k = 4 * (c & 3);

	if (type != GGUF_TYPE_Q6_K)
		return _mm256_shuffle_epi8(s,
		    _mm256_set1_epi16((short)(0x8000 | c)));
	/* Q6_K: a scale per 16 values, so two per vector. */
	if (c < 4)
		s = _mm256_permute2x128_si256(s, s, 0x00);
	else
		s = _mm256_permute2x128_si256(s, s, 0x11);
	return _mm256_shuffle_epi8(s, _mm256_set_m128i(
	    _mm_set1_epi16((short)((k + 3) << 8 | (k + 2))),
	    _mm_set1_epi16((short)((k + 1) << 8 | k))));
}

/* The c-th 32 values (c a constant) of a super-block, unsigned. */
QD_INLINE __m256i
qd_kq(uint32_t type, const u_char *w, size_t c)
{
	const __m256i	m4 = _mm256_set1_epi8(0x0f);
	__m256i		x, h;

	switch (type) {
	case GGUF_TYPE_Q4_K:
		x = _mm256_loadu_si256((const __m256i *)(w + 16 + 32 *
		    (c / 2)));
		return _mm256_and_si256(c & 1 ? _mm256_srli_epi16(x, 4) : x,
		    m4);
	case GGUF_TYPE_Q5_K:
		/* Bit c of qh[l] is the fifth bit of value l. */
		x = _mm256_loadu_si256((const __m256i *)(w + 48 + 32 *
		    (c / 2)));
		h = _mm256_loadu_si256((const __m256i *)(w + 16));
		if (c < 4)
			h = _mm256_slli_epi16(h, 4 - c);
		else if (c > 4)
			h = _mm256_srli_epi16(h, c - 4);
		return _mm256_or_si256(_mm256_and_si256(c & 1 ?
		    _mm256_srli_epi16(x, 4) : x, m4),
		    _mm256_and_si256(h, _mm256_set1_epi8(0x10)));
	default:
		/* Q6_K: see qd_dot_k for the order. */
		x = _mm256_loadu_si256((const __m256i *)(w + 64 * (c / 4) +
		    32 * (c & 1)));
		h = _mm256_loadu_si256((const __m256i *)(w + 128 +
		    32 * (c / 4)));
		switch (c & 3) {
		case 0:
			h = _mm256_slli_epi16(h, 4);
			break;
		case 1:
			h = _mm256_slli_epi16(h, 2);
			break;
		case 3:
			h = _mm256_srli_epi16(h, 2);
			break;
		}
		return _mm256_or_si256(_mm256_and_si256(c & 2 ?
		    _mm256_srli_epi16(x, 4) : x, m4),
		    _mm256_and_si256(h, _mm256_set1_epi8(0x30)));
	}
}

/* 32 values times their scales, in 32 bits. */
QD_INLINE __m256i
qd_kdot(__m256i q, __m256i sc, const int8_t *a)
{
	return _mm256_madd_epi16(_mm256_maddubs_epi16(q,
	    _mm256_loadu_si256((const __m256i *)a)), sc);
}

/*
 * A super-block's scaled sums into a pair's accumulator.  The mins
 * (or Q6_K's offset of 32) meet the bsums first.  Q6_K then needs one
 * FMA with d times the activation's scale; for Q4_K and Q5_K an hadd
 * puts the scaled sums and the mins side by side, and dd holds d and
 * -dmin times the activation's scale to match, so one conversion and
 * one FMA do both.
 */
QD_INLINE __m256
qd_fink(uint32_t type, __m256i sum, __m256i mx, __m256 dd,
    const struct qd_b256 *a, __m256 acc)
{
	mx = _mm256_madd_epi16(mx,
	    _mm256_loadu_si256((const __m256i *)a->bsums));
	if (type == GGUF_TYPE_Q6_K)
		sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(mx, 5));
	else
		sum = _mm256_hadd_epi32(sum, mx);
	return _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(sum), acc);
}

/* A super-block's d and dmin in the lanes that qd_fink wants. */
QD_INLINE __m256
qd_kdd(uint32_t type, const u_char *w)
{
	uint32_t	h;
	__m128		v;

	if (type == GGUF_TYPE_Q6_K)
		return _mm256_set1_ps(_cvtsh_ss(qd_u16(w + 208)));
	memcpy(&h, w, sizeof(h));
	v = _mm_cvtph_ps(_mm_cvtsi32_si128((int)h));
	return _mm256_xor_ps(_mm256_permutevar8x32_ps(
	    _mm256_castps128_ps256(v), _mm256_setr_epi32(0, 0, 1, 1,
	    0, 0, 1, 1)), _mm256_setr_ps(0, 0, -0.0f, -0.0f, 0, 0, -0.0f,
	    -0.0f));
}

/* Decoding: one token, the weights unpacked in registers. */

/* Rows [r, r + nr) of a float type. */
QD_INLINE void
qd_rowsf(uint32_t type, const struct qd_gemm *g, size_t r, size_t nr)
{
	const size_t	 es = qd_bytes(type), n = g->g_ncols;
	const u_char	*w = (const u_char *)g->g_w + r * g->g_rowbytes;
	const float	*x = g->g_x;
	__m256		 acc[QD_MAXROWS] QD_NOINIT, v;
	size_t		 i, k;

#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
		acc[i] = _mm256_setzero_ps();
	for (k = 0; k + 8 <= n; k += 8) {
		v = _mm256_loadu_ps(x + k);
#pragma GCC unroll 8
		for (i = 0; i < nr; i++) {
			if ((k * es) % 64 == 0)
				qd_pf(w + i * g->g_rowbytes + k * es, 64);
			acc[i] = _mm256_fmadd_ps(qd_f8(type, w +
			    i * g->g_rowbytes + k * es), v, acc[i]);
		}
	}
	if (k < n) {
		v = qd_x8tail(x + k, n - k);
		for (i = 0; i < nr; i++)
			acc[i] = _mm256_fmadd_ps(qd_f8tail(type, w +
			    i * g->g_rowbytes + k * es, n - k), v, acc[i]);
	}
#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
		g->g_y[r + i] = qd_hsum(acc[i]);
}

/*
 * Four blocks of rows [0, nr) (rb bytes apart) into their accumulators,
 * sharing the activation work; pf asks for the rows to be prefetched.
 */
QD_INLINE void
qd_grp32(uint32_t type, const u_char *w, size_t rb, const struct qd_b32 *a,
    size_t nr, int pf, __m256 *acc)
{
	const size_t	bs = qd_bytes(type);
	struct qd_a32	t QD_NOINIT;
	const u_char	*b;
	__m256i		i32[4] QD_NOINIT, q, s;
	size_t		i, j;

	qd_tok32(type, a, &t);
	s = _mm256_setzero_si256();
#pragma GCC unroll 8
	for (i = 0; i < nr; i++) {
		b = w + i * rb;
		if (pf)
			qd_pf(b, 4 * bs);
#pragma GCC unroll 8
		for (j = 0; j < 4; j++) {
			q = qd_b32q(type, b + j * bs, &s);
			i32[j] = qd_dot32(type, q, s, &t, j);
		}
		acc[i] = qd_fin32(type, i32, qd_b32d(type, b, 0),
		    qd_b32d(type, b, 2), &t, acc[i]);
	}
}

/* Rows [r, r + nr) of a 32-value type. */
QD_INLINE void
qd_rows32(uint32_t type, const struct qd_gemm *g, size_t r, size_t nr)
{
	const size_t		 bs = qd_bytes(type), nb = g->g_ncols / 32;
	const size_t		 rb = g->g_rowbytes;
	const u_char		*w = (const u_char *)g->g_w + r * rb;
	const struct qd_b32	*a = g->g_x;
	struct qd_b32		 apad[4] QD_NOINIT;
	u_char			 wpad[QD_MAXROWS][4 * QD_B32_MAX] QD_NOINIT;
	__m256			 acc[QD_MAXROWS] QD_NOINIT;
	size_t			 i, k;

#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
		acc[i] = _mm256_setzero_ps();
	for (k = 0; k + 4 <= nb; k += 4)
		qd_grp32(type, w + k * bs, rb, a + k, nr, 1, acc);
	if (k < nb) {
		/* The last, partial group: zero weights, zero activations. */
		memset(apad, 0, sizeof(apad));
		memcpy(apad, a + k, (nb - k) * sizeof(*a));
		memset(wpad, 0, sizeof(wpad));
		for (i = 0; i < nr; i++)
			memcpy(wpad[i], w + i * rb + k * bs, (nb - k) * bs);
		qd_grp32(type, wpad[0], sizeof(wpad[0]), apad, nr, 0, acc);
	}
#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
		g->g_y[r + i] = qd_hsum(acc[i]);
}

/* One row of a K-quant. */
QD_INLINE float
qd_rowk(uint32_t type, const u_char *w, const struct qd_b256 *a, size_t nb)
{
	__m256	acc = _mm256_setzero_ps();
	__m256i	s, mx, sum;
	size_t	k, c;

	for (k = 0; k < nb; k++, a++, w += qd_bytes(type)) {
		qd_pf(w, qd_bytes(type));
		s = qd_kscales(type, w, &mx);
		sum = _mm256_setzero_si256();
#pragma GCC unroll 8
		for (c = 0; c < 8; c++)
			sum = _mm256_add_epi32(sum, qd_kdot(qd_kq(type, w, c),
			    qd_ksc(type, s, c), a->qs + 32 * c));
		acc = qd_fink(type, sum, mx, _mm256_mul_ps(qd_kdd(type, w),
		    _mm256_broadcast_ss(&a->d)), a, acc);
	}
	return qd_hsum(acc);
}

QD_INLINE void
qd_decode(const struct qd_gemm *g, uint32_t type)
{
	const u_char	*w = g->g_w;
	size_t		 r, nr;

	if (qd_family(type) == QD_K) {
		for (r = g->g_r0; r < g->g_r1; r++)
			g->g_y[r] = qd_rowk(type, w + r * g->g_rowbytes,
			    g->g_x, g->g_ncols / 256);
		return;
	}
	for (r = g->g_r0; r < g->g_r1; r += nr) {
		if (qd_family(type) == QD_FLOAT) {
			nr = g->g_r1 - r >= QD_DEC_ROWS_F ? QD_DEC_ROWS_F : 1;
			if (nr == QD_DEC_ROWS_F)
				qd_rowsf(type, g, r, QD_DEC_ROWS_F);
			else
				qd_rowsf(type, g, r, 1);
		} else {
			nr = g->g_r1 - r >= QD_DEC_ROWS_32 ? QD_DEC_ROWS_32 : 1;
			if (nr == QD_DEC_ROWS_32)
				qd_rows32(type, g, r, QD_DEC_ROWS_32);
			else
				qd_rows32(type, g, r, 1);
		}
	}
}

/* Batches: chunks of rows unpacked on the stack. */

/* n float values to f, padded with zeros to a multiple of 8. */
QD_INLINE void
qd_prepf(uint32_t type, const u_char *w, size_t n, float *f)
{
	const size_t	es = qd_bytes(type);
	size_t		i;

	for (i = 0; i + 8 <= n; i += 8)
		_mm256_store_ps(f + i, qd_f8(type, w + i * es));
	if (i < n)
		_mm256_store_ps(f + i, qd_f8tail(type, w + i * es, n - i));
}

/* Four blocks of a 32-value type. */
QD_INLINE void
qd_prep32(uint32_t type, const u_char *w, struct qd_w32 *p)
{
	__m256i	s;
	size_t	k;

	s = _mm256_setzero_si256();
#pragma GCC unroll 8
	for (k = 0; k < 4; k++) {
		p->w_q[k] = qd_b32q(type, w + k * qd_bytes(type), &s);
		p->w_s[k] = s;
	}
	p->w_d = qd_b32d(type, w, 0);
	if (type == GGUF_TYPE_Q4_1 || type == GGUF_TYPE_Q5_1)
		p->w_m = qd_b32d(type, w, 2);
}

QD_INLINE void
qd_prepk(uint32_t type, const u_char *w, struct qd_wk *p)
{
	__m256i	s;
	size_t	c;

	s = qd_kscales(type, w, &p->w_mx);
#pragma GCC unroll 8
	for (c = 0; c < 8; c++) {
		p->w_q[c] = qd_kq(type, w, c);
		p->w_sc[c] = qd_ksc(type, s, c);
	}
	p->w_dd = qd_kdd(type, w);
}

/* Values [c0, c0 + n) of a row. */
QD_INLINE void
qd_prep(uint32_t type, const u_char *row, size_t c0, size_t n,
    union qd_wrow *p)
{
	const size_t	bs = qd_bytes(type);
	u_char		pad[4 * QD_B32_MAX] QD_NOINIT;
	size_t		k, nb;

	switch (qd_family(type)) {
	case QD_FLOAT:
		qd_prepf(type, row + c0 * bs, n, p->r_f);
		break;
	case QD_B32:
		row += c0 / 32 * bs;
		nb = n / 32;
		for (k = 0; k + 4 <= nb; k += 4)
			qd_prep32(type, row + k * bs, &p->r_32[k / 4]);
		if (k < nb) {
			/* A partial group: the missing blocks are zeros. */
			memset(pad, 0, sizeof(pad));
			memcpy(pad, row + k * bs, (nb - k) * bs);
			qd_prep32(type, pad, &p->r_32[k / 4]);
		}
		break;
	default:
		row += c0 / 256 * bs;
		for (k = 0; k < n / 256; k++)
			qd_prepk(type, row + k * bs, &p->r_k[k]);
		break;
	}
}

/*
 * Register tiles: nr rows by nt tokens over one chunk of n values at
 * c0; first says the accumulators start from zero.
 */

QD_INLINE void
qd_tilef(uint32_t type, const union qd_wrow *wb, size_t nr, size_t nt,
    const u_char *x, size_t xs, size_t c0, size_t n, int first, __m256 *acc)
{
	__m256	s[QD_MAXROWS][QD_MAXTOKS] QD_NOINIT, v;
	size_t	i, j, k;

#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			s[i][j] = first ? _mm256_setzero_ps() :
			    acc[i * QD_TOKS + j];
	for (k = 0; k + 8 <= n; k += 8) {
#pragma GCC unroll 8
		for (j = 0; j < nt; j++) {
			v = _mm256_loadu_ps((const float *)(x + j * xs) +
			    c0 + k);
#pragma GCC unroll 8
			for (i = 0; i < nr; i++)
				s[i][j] = _mm256_fmadd_ps(
				    _mm256_load_ps(wb[i].r_f + k), v, s[i][j]);
		}
	}
	if (k < n) {
		for (j = 0; j < nt; j++) {
			v = qd_x8tail((const float *)(x + j * xs) + c0 + k,
			    n - k);
			for (i = 0; i < nr; i++)
				s[i][j] = _mm256_fmadd_ps(
				    _mm256_load_ps(wb[i].r_f + k), v, s[i][j]);
		}
	}
#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			acc[i * QD_TOKS + j] = s[i][j];
}

/* One group of four blocks at k of a tile: a[j] are token j's blocks. */
QD_INLINE void
qd_tgrp32(uint32_t type, const union qd_wrow *wb, size_t nr, size_t nt,
    const struct qd_b32 *const *a, size_t k, __m256 (*s)[QD_MAXTOKS])
{
	struct qd_a32		 t[QD_MAXTOKS] QD_NOINIT;
	const struct qd_w32	*w;
	__m256i			 i32[4] QD_NOINIT;
	size_t			 i, j, l;

#pragma GCC unroll 8
	for (j = 0; j < nt; j++)
		qd_tok32(type, a[j], &t[j]);
#pragma GCC unroll 8
	for (i = 0; i < nr; i++) {
		w = &wb[i].r_32[k / 4];
#pragma GCC unroll 8
		for (j = 0; j < nt; j++) {
#pragma GCC unroll 8
			for (l = 0; l < 4; l++)
				i32[l] = qd_dot32(type, w->w_q[l], w->w_s[l],
				    &t[j], l);
			s[i][j] = qd_fin32(type, i32, w->w_d, w->w_m, &t[j],
			    s[i][j]);
		}
	}
}

QD_INLINE void
qd_tile32(uint32_t type, const union qd_wrow *wb, size_t nr, size_t nt,
    const u_char *x, size_t xs, size_t c0, size_t n, int first, __m256 *acc)
{
	struct qd_b32		 pad[QD_MAXTOKS][4] QD_NOINIT;
	const struct qd_b32	*a[QD_MAXTOKS] QD_NOINIT;
	__m256			 s[QD_MAXROWS][QD_MAXTOKS] QD_NOINIT;
	size_t			 nb = n / 32, i, j, k;

#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			s[i][j] = first ? _mm256_setzero_ps() :
			    acc[i * QD_TOKS + j];
#pragma GCC unroll 8
	for (j = 0; j < nt; j++)
		a[j] = (const struct qd_b32 *)(x + j * xs) + c0 / 32;
	for (k = 0; k + 4 <= nb; k += 4) {
		qd_tgrp32(type, wb, nr, nt, a, k, s);
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			a[j] += 4;
	}
	if (k < nb) {
		/* The row's last, partial group: zeros for the rest. */
		for (j = 0; j < nt; j++) {
			memset(pad[j], 0, sizeof(pad[j]));
			memcpy(pad[j], a[j], (nb - k) * sizeof(*a[j]));
			a[j] = pad[j];
		}
		qd_tgrp32(type, wb, nr, nt, a, k, s);
	}
#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			acc[i * QD_TOKS + j] = s[i][j];
}

QD_INLINE void
qd_tilek(uint32_t type, const union qd_wrow *wb, size_t nr, size_t nt,
    const u_char *x, size_t xs, size_t c0, size_t n, int first, __m256 *acc)
{
	const struct qd_b256	*a[QD_MAXTOKS] QD_NOINIT;
	__m256			 s[QD_MAXROWS][QD_MAXTOKS] QD_NOINIT;
	__m256i			 sum[QD_MAXROWS][QD_MAXTOKS] QD_NOINIT;
	__m256i			 q[QD_MAXROWS] QD_NOINIT;
	__m256i			 sc[QD_MAXROWS] QD_NOINIT, v, t;
	size_t			 i, j, k, c;

#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			s[i][j] = first ? _mm256_setzero_ps() :
			    acc[i * QD_TOKS + j];
	for (k = 0; k < n / 256; k++) {
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			a[j] = (const struct qd_b256 *)(x + j * xs) +
			    c0 / 256 + k;
		/* Each weight and activation vector is loaded once. */
#pragma GCC unroll 8
		for (c = 0; c < 8; c++) {
#pragma GCC unroll 8
			for (i = 0; i < nr; i++) {
				q[i] = wb[i].r_k[k].w_q[c];
				sc[i] = wb[i].r_k[k].w_sc[c];
			}
#pragma GCC unroll 8
			for (j = 0; j < nt; j++) {
				v = _mm256_loadu_si256((const __m256i *)
				    (a[j]->qs + 32 * c));
#pragma GCC unroll 8
				for (i = 0; i < nr; i++) {
					t = _mm256_madd_epi16(
					    _mm256_maddubs_epi16(q[i], v),
					    sc[i]);
					sum[i][j] = c == 0 ? t :
					    _mm256_add_epi32(sum[i][j], t);
				}
			}
		}
#pragma GCC unroll 8
		for (i = 0; i < nr; i++) {
			const struct qd_wk	*w = &wb[i].r_k[k];

#pragma GCC unroll 8
			for (j = 0; j < nt; j++) {
				s[i][j] = qd_fink(type, sum[i][j], w->w_mx,
				    _mm256_mul_ps(w->w_dd, _mm256_broadcast_ss(
				    &a[j]->d)), a[j], s[i][j]);
			}
		}
	}
#pragma GCC unroll 8
	for (i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (j = 0; j < nt; j++)
			acc[i * QD_TOKS + j] = s[i][j];
}

QD_INLINE void
qd_tile(uint32_t type, const union qd_wrow *wb, size_t nr, size_t nt,
    const u_char *x, size_t xs, size_t c0, size_t n, int first, __m256 *acc)
{
	switch (qd_family(type)) {
	case QD_FLOAT:
		qd_tilef(type, wb, nr, nt, x, xs, c0, n, first, acc);
		break;
	case QD_B32:
		qd_tile32(type, wb, nr, nt, x, xs, c0, n, first, acc);
		break;
	default:
		qd_tilek(type, wb, nr, nt, x, xs, c0, n, first, acc);
		break;
	}
}

/*
 * Row tiles, then up to QD_TOKS tokens at a time, then the chunks of
 * the rows, then token tiles over the chunk.
 */
QD_INLINE void
qd_batch(const struct qd_gemm *g, uint32_t type)
{
	const size_t	 tr = qd_trows(type), tt = qd_ttoks(type);
	const size_t	 xs = g->g_xstride;
	union qd_wrow	 wbuf[QD_MAXROWS] QD_NOINIT, *wb = wbuf;
	__m256		 acc[QD_MAXROWS * QD_TOKS] QD_NOINIT;
	const u_char	*w = g->g_w, *x;
	size_t		 r, nr, t0, nt, c0, n, i, t;

	/*
	 * Through an opaque pointer, so that the compiler sees memory and
	 * does not try to keep pieces of the buffer in registers.
	 */
	__asm__("" : "+r" (wb));

	for (r = g->g_r0; r < g->g_r1; r += nr) {
		nr = g->g_r1 - r >= tr ? tr : 1;
		for (t0 = 0; t0 < g->g_ntok; t0 += nt) {
			nt = g->g_ntok - t0 < QD_TOKS ? g->g_ntok - t0 :
			    QD_TOKS;
			x = (const u_char *)g->g_x + t0 * xs;
			for (c0 = 0; c0 < g->g_ncols; c0 += n) {
				n = g->g_ncols - c0 < qd_chunk(type) ?
				    g->g_ncols - c0 : qd_chunk(type);
				for (i = 0; i < nr; i++)
					qd_prep(type, w + (r + i) *
					    g->g_rowbytes, c0, n, &wb[i]);
				for (t = 0; t + tt <= nt; t += tt) {
					if (nr == tr)
						qd_tile(type, wb, tr, tt,
						    x + t * xs, xs, c0, n,
						    c0 == 0, acc + t);
					else
						qd_tile(type, wb, 1, tt,
						    x + t * xs, xs, c0, n,
						    c0 == 0, acc + t);
				}
				for (; t < nt; t++) {
					if (nr == tr)
						qd_tile(type, wb, tr, 1,
						    x + t * xs, xs, c0, n,
						    c0 == 0, acc + t);
					else
						qd_tile(type, wb, 1, 1,
						    x + t * xs, xs, c0, n,
						    c0 == 0, acc + t);
				}
			}
			for (i = 0; i < nr; i++)
				for (t = 0; t < nt; t++)
					g->g_y[(t0 + t) * g->g_ystride + r +
					    i] = qd_hsum(acc[i * QD_TOKS + t]);
		}
	}
}

/* One function per type, so that every branch on the type folds. */

#define QD_GEMM_FN(name, type)						\
static void								\
name(const struct qd_gemm *g)						\
{									\
	if (g->g_ntok == 1)						\
		qd_decode(g, type);					\
	else								\
		qd_batch(g, type);					\
}

QD_GEMM_FN(qd_gemm_f32, GGUF_TYPE_F32)
QD_GEMM_FN(qd_gemm_f16, GGUF_TYPE_F16)
QD_GEMM_FN(qd_gemm_bf16, GGUF_TYPE_BF16)
QD_GEMM_FN(qd_gemm_q8_0, GGUF_TYPE_Q8_0)
QD_GEMM_FN(qd_gemm_q4_0, GGUF_TYPE_Q4_0)
QD_GEMM_FN(qd_gemm_q4_1, GGUF_TYPE_Q4_1)
QD_GEMM_FN(qd_gemm_q5_0, GGUF_TYPE_Q5_0)
QD_GEMM_FN(qd_gemm_q5_1, GGUF_TYPE_Q5_1)
QD_GEMM_FN(qd_gemm_q4_k, GGUF_TYPE_Q4_K)
QD_GEMM_FN(qd_gemm_q5_k, GGUF_TYPE_Q5_K)
QD_GEMM_FN(qd_gemm_q6_k, GGUF_TYPE_Q6_K)

int
qd_avx2_gemm(const struct qd_gemm *g)
{
	switch (g->g_type) {
	case GGUF_TYPE_F32:
		qd_gemm_f32(g);
		break;
	case GGUF_TYPE_F16:
		qd_gemm_f16(g);
		break;
	case GGUF_TYPE_BF16:
		qd_gemm_bf16(g);
		break;
	case GGUF_TYPE_Q8_0:
		qd_gemm_q8_0(g);
		break;
	case GGUF_TYPE_Q4_0:
		qd_gemm_q4_0(g);
		break;
	case GGUF_TYPE_Q4_1:
		qd_gemm_q4_1(g);
		break;
	case GGUF_TYPE_Q5_0:
		qd_gemm_q5_0(g);
		break;
	case GGUF_TYPE_Q5_1:
		qd_gemm_q5_1(g);
		break;
	case GGUF_TYPE_Q4_K:
		qd_gemm_q4_k(g);
		break;
	case GGUF_TYPE_Q5_K:
		qd_gemm_q5_k(g);
		break;
	case GGUF_TYPE_Q6_K:
		qd_gemm_q6_k(g);
		break;
	default:
		return 0;
	}
	return 1;
}
