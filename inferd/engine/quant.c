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
#include <string.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/quant.h"

/*
 * Scalar reference kernels for the tensor types the engine computes
 * with.  Blocks are read and written byte by byte as little-endian, so
 * nothing depends on the host's byte order or on struct padding.  The
 * arithmetic follows ggml's to_float and quantize_row_*_ref operation
 * for operation (same order, same float32 roundings), which is what
 * makes the output bit-exact with ggml and llama-quantize.
 */

/*
 * A fused multiply-add rounds once where ggml rounds twice.  GCC
 * contracts a * b + c across statements by default in GNU C mode on
 * targets with FMA (arm64, or x86 with -march=native), and that moves
 * the K-quant scale search: built that way, one Q4_K block of the
 * golden tensor came out different.  So no contraction in this file.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=off")
#endif

#define QUANT_QK	32	/* values in a Q4_0 .. Q8_0 block */
#define QUANT_QK_K	256	/* values in a K-quant super-block */
#define QUANT_SUB_K	32	/* values in a Q4_K/Q5_K sub-block */
#define QUANT_SUB6_K	16	/* values in a Q6_K sub-block */
#define QUANT_EPS	1e-15f	/* ggml's GROUP_MAX_EPS: all zero */
#define QUANT_NEAREST_MAX 4194303.f /* nearest-int range, 2^22 - 1 */

/* A sub-block being fitted by quant_qkx2: values, weights, sums. */
struct quant_grp {
	const float	*g_x;
	const float	*g_w;
	size_t		 g_n;
	int		 g_nmax;
	float		 g_sum_w;	/* sum of w */
	float		 g_sum_x;	/* sum of w * x */
};

typedef void	(*quant_deq_fn)(const u_char *, float *, size_t);
typedef void	(*quant_q_fn)(const float *, u_char *, size_t);

struct quant_type {
	uint32_t	 qt_id;
	uint32_t	 qt_blck;	/* values per block */
	uint32_t	 qt_bytes;	/* bytes per block */
	quant_deq_fn	 qt_deq;	/* nblocks blocks to floats */
	quant_q_fn	 qt_quant;	/* nblocks blocks from floats */
};

static const struct quant_type *quant_lookup(uint32_t);
static uint16_t	 quant_get16(const u_char *);
static void	 quant_put16(u_char *, uint16_t);
static float	 quant_get_f16(const u_char *);
static int	 quant_nearest(float);
static int	 quant_trunc(float, int, int);
static void	 quant_absmax(const float *, size_t, float *, float *);
static void	 quant_minmax(const float *, size_t, float *, float *);
static void	 quant_scale_min_k4(size_t, const u_char *, u_char *,
		    u_char *);

static void	 quant_deq_f32(const u_char *, float *, size_t);
static void	 quant_deq_f16(const u_char *, float *, size_t);
static void	 quant_deq_bf16(const u_char *, float *, size_t);
static void	 quant_deq_q8_0(const u_char *, float *, size_t);
static void	 quant_deq_q4_0(const u_char *, float *, size_t);
static void	 quant_deq_q4_1(const u_char *, float *, size_t);
static void	 quant_deq_q5_0(const u_char *, float *, size_t);
static void	 quant_deq_q5_1(const u_char *, float *, size_t);
static void	 quant_deq_q4_k(const u_char *, float *, size_t);
static void	 quant_deq_q5_k(const u_char *, float *, size_t);
static void	 quant_deq_q6_k(const u_char *, float *, size_t);

static void	 quant_q_f32(const float *, u_char *, size_t);
static void	 quant_q_f16(const float *, u_char *, size_t);
static void	 quant_q_bf16(const float *, u_char *, size_t);
static void	 quant_q_q8_0(const float *, u_char *, size_t);
static void	 quant_q_q4_0(const float *, u_char *, size_t);
static void	 quant_q_q4_1(const float *, u_char *, size_t);
static void	 quant_q_q5_0(const float *, u_char *, size_t);
static void	 quant_q_q5_1(const float *, u_char *, size_t);
static void	 quant_q_q4_k(const float *, u_char *, size_t);
static void	 quant_q_q5_k(const float *, u_char *, size_t);
static void	 quant_q_q6_k(const float *, u_char *, size_t);

static float	 quant_qkx2(size_t, int, const float *, const float *,
		    u_char *, float *, float, float, int);
static int	 quant_qkx2_fit(const struct quant_grp *, float, float,
		    u_char *, float *, float *);
static float	 quant_qkx2_error(size_t, const float *, const float *,
		    const u_char *, float, float);
static float	 quant_qx(size_t, int, const float *, int8_t *);
static void	 quant_qx_sums(size_t, int, const float *, float, float *,
		    float *);
static void	 quant_qx_levels(size_t, int, const float *, float,
		    int8_t *);
static void	 quant_k_scales(const float *, size_t, int, float, int,
		    u_char *, float *, float *);
static void	 quant_k_pack_scales(u_char *, const float *, const float *);
static void	 quant_k_requant(const float *, const u_char *, int,
		    u_char *);
static void	 quant_q6_requant(const float *, const u_char *, int8_t *);
static void	 quant_q6_pack(const int8_t *, u_char *);

static const struct quant_type quant_types[] = {
	{ GGUF_TYPE_F32, 1, 4, quant_deq_f32, quant_q_f32 },
	{ GGUF_TYPE_F16, 1, 2, quant_deq_f16, quant_q_f16 },
	{ GGUF_TYPE_Q4_0, 32, 18, quant_deq_q4_0, quant_q_q4_0 },
	{ GGUF_TYPE_Q4_1, 32, 20, quant_deq_q4_1, quant_q_q4_1 },
	{ GGUF_TYPE_Q5_0, 32, 22, quant_deq_q5_0, quant_q_q5_0 },
	{ GGUF_TYPE_Q5_1, 32, 24, quant_deq_q5_1, quant_q_q5_1 },
	{ GGUF_TYPE_Q8_0, 32, 34, quant_deq_q8_0, quant_q_q8_0 },
	{ GGUF_TYPE_Q4_K, 256, 144, quant_deq_q4_k, quant_q_q4_k },
	{ GGUF_TYPE_Q5_K, 256, 176, quant_deq_q5_k, quant_q_q5_k },
	{ GGUF_TYPE_Q6_K, 256, 210, quant_deq_q6_k, quant_q_q6_k },
	{ GGUF_TYPE_BF16, 1, 2, quant_deq_bf16, quant_q_bf16 },
};

static const struct quant_type *
quant_lookup(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(quant_types) / sizeof(quant_types[0]); i++)
		if (quant_types[i].qt_id == type)
			return &quant_types[i];
	return NULL;
}

int
quant_supported(uint32_t type)
{
	return quant_lookup(type) != NULL;
}

size_t
quant_block_values(uint32_t type)
{
	const struct quant_type	*qt;

	return (qt = quant_lookup(type)) == NULL ? 0 : qt->qt_blck;
}

size_t
quant_block_bytes(uint32_t type)
{
	const struct quant_type	*qt;

	return (qt = quant_lookup(type)) == NULL ? 0 : qt->qt_bytes;
}

int
quant_row_ok(uint32_t type, size_t n)
{
	const struct quant_type	*qt;

	if ((qt = quant_lookup(type)) == NULL || n == 0 || n % qt->qt_blck != 0)
		return 0;
	/* The byte count must fit a size_t too. */
	return n / qt->qt_blck <= SIZE_MAX / qt->qt_bytes;
}

size_t
quant_row_bytes(uint32_t type, size_t n)
{
	const struct quant_type	*qt;

	if (!quant_row_ok(type, n))
		return 0;
	qt = quant_lookup(type);
	return n / qt->qt_blck * qt->qt_bytes;
}

/* Half and bfloat16. */

float
quant_f16_to_f32(uint16_t h)
{
	uint32_t	sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t	exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	float		f;

	if (exp == 0x1f) {
		/* ggml's conversion quiets a signalling NaN. */
		bits = sign | 0x7f800000 | (man << 13);
		if (man != 0)
			bits |= 0x00400000;
	} else if (exp != 0)
		bits = sign | ((exp + 112) << 23) | (man << 13);
	else {
		/* Zero or subnormal: man * 2^-24 is exact in a float. */
		f = (float)man * 0x1p-24f;
		return sign ? -f : f;
	}
	memcpy(&f, &bits, sizeof(f));
	return f;
}

uint16_t
quant_f32_to_f16(float f)
{
	uint32_t	w, a, sign, m, q, rem, half, shift;

	memcpy(&w, &f, sizeof(w));
	sign = (w >> 16) & 0x8000;
	a = w & 0x7fffffff;
	if (a > 0x7f800000)
		return sign | 0x7e00;	/* NaN: ggml's quiet NaN */
	if (a >= 0x477ff000)
		return sign | 0x7c00;	/* 65520 and up: infinity */
	if (a >= 0x38800000) {
		/* Normal half: rebias, then round to nearest even at bit 13. */
		a -= 112U << 23;
		return sign | ((a + 0xfff + ((a >> 13) & 1)) >> 13);
	}
	if (a <= 0x33000000)
		return sign;		/* 2^-25 and below round to zero */
	/* Subnormal half: the value in units of 2^-24, rounded to even. */
	m = (a & 0x7fffff) | 0x800000;
	shift = 126 - (a >> 23);	/* 14 .. 24 */
	q = m >> shift;
	rem = m & ((1U << shift) - 1);
	half = 1U << (shift - 1);
	if (rem > half || (rem == half && (q & 1)))
		q++;
	return sign | q;
}

float
quant_bf16_to_f32(uint16_t h)
{
	uint32_t	bits = (uint32_t)h << 16;
	float		f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

uint16_t
quant_f32_to_bf16(float f)
{
	uint32_t	w;

	memcpy(&w, &f, sizeof(w));
	if ((w & 0x7fffffff) > 0x7f800000)
		return (w >> 16) | 0x40;	/* NaN, made quiet */
	/* Round to nearest even; subnormals are kept, as ggml does. */
	return (w + 0x7fff + ((w >> 16) & 1)) >> 16;
}

/* Small helpers. */

static uint16_t
quant_get16(const u_char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static void
quant_put16(u_char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static float
quant_get_f16(const u_char *p)
{
	return quant_f16_to_f32(quant_get16(p));
}

/*
 * Round to nearest, ties to even, like ggml's nearest_int for the
 * range it allows; out-of-range and NaN inputs are clamped so the cast
 * stays defined.
 */
static int
quant_nearest(float v)
{
	if (!(v >= -QUANT_NEAREST_MAX))
		return v != v ? 0 : -(int)QUANT_NEAREST_MAX;
	if (v > QUANT_NEAREST_MAX)
		return (int)QUANT_NEAREST_MAX;
	return (int)rintf(v);
}

/* C's truncating cast, clamped to [lo, hi] first (NaN gives lo). */
static int
quant_trunc(float v, int lo, int hi)
{
	if (!(v > (float)lo))
		return lo;
	if (v >= (float)hi)
		return hi;
	return (int)v;
}

/* The first value of largest magnitude, and that magnitude. */
static void
quant_absmax(const float *x, size_t n, float *amaxp, float *maxp)
{
	float	amax = 0.0f, max = 0.0f;
	size_t	i;

	for (i = 0; i < n; i++)
		if (amax < fabsf(x[i])) {
			amax = fabsf(x[i]);
			max = x[i];
		}
	*amaxp = amax;
	*maxp = max;
}

static void
quant_minmax(const float *x, size_t n, float *minp, float *maxp)
{
	float	min = 3.40282347e+38f, max = -3.40282347e+38f;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (x[i] < min)
			min = x[i];
		if (x[i] > max)
			max = x[i];
	}
	*minp = min;
	*maxp = max;
}

/*
 * The 6-bit scale and min of sub-block j of a Q4_K/Q5_K block: the
 * first four pairs sit in the low 6 bits of bytes 0-7; the last four
 * are split into a nibble in bytes 8-11 and the top 2 bits of bytes 0-7.
 */
static void
quant_scale_min_k4(size_t j, const u_char *q, u_char *sc, u_char *m)
{
	if (j < 4) {
		*sc = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*sc = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4);
		*m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
	}
}

/* Dequantisation, nb blocks at a time. */

static void
quant_deq_f32(const u_char *p, float *y, size_t nb)
{
	uint32_t	bits;
	size_t		i;

	for (i = 0; i < nb; i++, p += 4) {
		bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		memcpy(&y[i], &bits, sizeof(bits));
	}
}

static void
quant_deq_f16(const u_char *p, float *y, size_t nb)
{
	size_t	i;

	for (i = 0; i < nb; i++, p += 2)
		y[i] = quant_get_f16(p);
}

static void
quant_deq_bf16(const u_char *p, float *y, size_t nb)
{
	size_t	i;

	for (i = 0; i < nb; i++, p += 2)
		y[i] = quant_bf16_to_f32(quant_get16(p));
}

/* Q8_0: f16 d, int8 q[32]; value = q * d. */
static void
quant_deq_q8_0(const u_char *p, float *y, size_t nb)
{
	float	d;
	size_t	i, j;

	for (i = 0; i < nb; i++, p += 34, y += QUANT_QK) {
		d = quant_get_f16(p);
		for (j = 0; j < QUANT_QK; j++)
			y[j] = (float)(int8_t)p[2 + j] * d;
	}
}

/* Q4_0: f16 d, 16 bytes of nibbles (low: values 0-15, high: 16-31). */
static void
quant_deq_q4_0(const u_char *p, float *y, size_t nb)
{
	float	d;
	size_t	i, j;

	for (i = 0; i < nb; i++, p += 18, y += QUANT_QK) {
		d = quant_get_f16(p);
		for (j = 0; j < QUANT_QK / 2; j++) {
			y[j] = (float)((p[2 + j] & 0xf) - 8) * d;
			y[j + 16] = (float)((p[2 + j] >> 4) - 8) * d;
		}
	}
}

/* Q4_1: f16 d, f16 m, 16 bytes of nibbles; value = q * d + m. */
static void
quant_deq_q4_1(const u_char *p, float *y, size_t nb)
{
	float	d, m;
	size_t	i, j;

	for (i = 0; i < nb; i++, p += 20, y += QUANT_QK) {
		d = quant_get_f16(p);
		m = quant_get_f16(p + 2);
		for (j = 0; j < QUANT_QK / 2; j++) {
			y[j] = (float)(p[4 + j] & 0xf) * d + m;
			y[j + 16] = (float)(p[4 + j] >> 4) * d + m;
		}
	}
}

/* Q5_0: f16 d, u32 qh (bit j is value j's fifth bit), 16 nibble bytes. */
static void
quant_deq_q5_0(const u_char *p, float *y, size_t nb)
{
	uint32_t	qh;
	float		d;
	size_t		i, j;
	int		lo, hi;

	for (i = 0; i < nb; i++, p += 22, y += QUANT_QK) {
		d = quant_get_f16(p);
		qh = (uint32_t)p[2] | (uint32_t)p[3] << 8 |
		    (uint32_t)p[4] << 16 | (uint32_t)p[5] << 24;
		for (j = 0; j < QUANT_QK / 2; j++) {
			lo = (p[6 + j] & 0xf) | ((qh >> j) & 1) << 4;
			hi = (p[6 + j] >> 4) | ((qh >> (j + 16)) & 1) << 4;
			y[j] = (float)(lo - 16) * d;
			y[j + 16] = (float)(hi - 16) * d;
		}
	}
}

/* Q5_1: f16 d, f16 m, u32 qh, 16 nibble bytes; value = q * d + m. */
static void
quant_deq_q5_1(const u_char *p, float *y, size_t nb)
{
	uint32_t	qh;
	float		d, m;
	size_t		i, j;
	int		lo, hi;

	for (i = 0; i < nb; i++, p += 24, y += QUANT_QK) {
		d = quant_get_f16(p);
		m = quant_get_f16(p + 2);
		qh = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		for (j = 0; j < QUANT_QK / 2; j++) {
			lo = (p[8 + j] & 0xf) | ((qh >> j) & 1) << 4;
			hi = (p[8 + j] >> 4) | ((qh >> (j + 16)) & 1) << 4;
			y[j] = (float)lo * d + m;
			y[j + 16] = (float)hi * d + m;
		}
	}
}

/*
 * Q4_K: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes
 * of nibbles.  Each 32 bytes hold 64 values: the low nibbles are one
 * sub-block, the high nibbles the next.  value = d*sc * q - dmin*m.
 */
static void
quant_deq_q4_k(const u_char *p, float *y, size_t nb)
{
	const u_char	*q;
	float		 d, dmin, d1, m1, d2, m2;
	size_t		 i, j, l;
	u_char		 sc, m;

	for (i = 0; i < nb; i++, p += 144) {
		d = quant_get_f16(p);
		dmin = quant_get_f16(p + 2);
		q = p + 16;
		for (j = 0; j < 8; j += 2, q += 32, y += 64) {
			quant_scale_min_k4(j, p + 4, &sc, &m);
			d1 = d * sc;
			m1 = dmin * m;
			quant_scale_min_k4(j + 1, p + 4, &sc, &m);
			d2 = d * sc;
			m2 = dmin * m;
			for (l = 0; l < 32; l++) {
				y[l] = d1 * (float)(q[l] & 0xf) - m1;
				y[l + 32] = d2 * (float)(q[l] >> 4) - m2;
			}
		}
	}
}

/*
 * Q5_K: as Q4_K with 32 bytes qh after the scales: bit 2k of qh[l] is
 * the fifth bit of value l of sub-block 2k, bit 2k+1 that of 2k+1.
 */
static void
quant_deq_q5_k(const u_char *p, float *y, size_t nb)
{
	const u_char	*qh, *ql;
	float		 d, dmin, d1, m1, d2, m2;
	size_t		 i, j, l;
	u_char		 sc, m;
	int		 lo, hi;

	for (i = 0; i < nb; i++, p += 176) {
		d = quant_get_f16(p);
		dmin = quant_get_f16(p + 2);
		qh = p + 16;
		ql = p + 48;
		for (j = 0; j < 8; j += 2, ql += 32, y += 64) {
			quant_scale_min_k4(j, p + 4, &sc, &m);
			d1 = d * sc;
			m1 = dmin * m;
			quant_scale_min_k4(j + 1, p + 4, &sc, &m);
			d2 = d * sc;
			m2 = dmin * m;
			for (l = 0; l < 32; l++) {
				lo = (ql[l] & 0xf) + ((qh[l] >> j) & 1) * 16;
				hi = (ql[l] >> 4) +
				    ((qh[l] >> (j + 1)) & 1) * 16;
				y[l] = d1 * (float)lo - m1;
				y[l + 32] = d2 * (float)hi - m2;
			}
		}
	}
}

/*
 * Q6_K: 128 bytes ql (low nibbles), 64 bytes qh (2 high bits each),
 * 16 int8 scales, f16 d.  Each half of 128 values uses 64 ql bytes and
 * 32 qh bytes; value = d * scale * (q - 32).
 */
static void
quant_deq_q6_k(const u_char *p, float *y, size_t nb)
{
	const u_char	*ql, *qh;
	const int8_t	*sc;
	float		 d;
	size_t		 i, h, l, is;
	int		 q1, q2, q3, q4;

	for (i = 0; i < nb; i++, p += 210) {
		d = quant_get_f16(p + 208);
		for (h = 0; h < 2; h++, y += 128) {
			ql = p + 64 * h;
			qh = p + 128 + 32 * h;
			sc = (const int8_t *)(p + 192 + 8 * h);
			for (l = 0; l < 32; l++) {
				is = l / 16;
				q1 = ((ql[l] & 0xf) | ((qh[l] & 3) << 4)) - 32;
				q2 = ((ql[l + 32] & 0xf) |
				    (((qh[l] >> 2) & 3) << 4)) - 32;
				q3 = ((ql[l] >> 4) |
				    (((qh[l] >> 4) & 3) << 4)) - 32;
				q4 = ((ql[l + 32] >> 4) |
				    (((qh[l] >> 6) & 3) << 4)) - 32;
				y[l] = d * sc[is] * (float)q1;
				y[l + 32] = d * sc[is + 2] * (float)q2;
				y[l + 64] = d * sc[is + 4] * (float)q3;
				y[l + 96] = d * sc[is + 6] * (float)q4;
			}
		}
	}
}

void
quant_dequant_row(uint32_t type, const void *row, float *dst, size_t n)
{
	const struct quant_type	*qt;

	if (!quant_row_ok(type, n)) {
		/* Callers check first; never leave garbage behind anyway. */
		if (n > 0 && n <= SIZE_MAX / sizeof(*dst))
			memset(dst, 0, n * sizeof(*dst));
		return;
	}
	qt = quant_lookup(type);
	qt->qt_deq(row, dst, n / qt->qt_blck);
}

/*
 * A chunk of QUANT_MAX_BLOCK values at a time is dequantised onto the
 * stack; the chunk is a whole number of blocks of every type.  Each
 * chunk's products are summed on their own first, which keeps the
 * float rounding error near that of a 256-term sum for long rows.
 */
float
quant_dot(uint32_t type, const void *row, const float *x, size_t n)
{
	const struct quant_type	*qt;
	const u_char		*p = row;
	float			 buf[QUANT_MAX_BLOCK], sum = 0.0f, part;
	size_t			 off, m, i;

	if (!quant_row_ok(type, n))
		return 0.0f;
	qt = quant_lookup(type);
	for (off = 0; off < n; off += m) {
		m = n - off < QUANT_MAX_BLOCK ? n - off : QUANT_MAX_BLOCK;
		qt->qt_deq(p, buf, m / qt->qt_blck);
		p += m / qt->qt_blck * qt->qt_bytes;
		part = 0.0f;
		for (i = 0; i < m; i++)
			part += buf[i] * x[off + i];
		sum += part;
	}
	return sum;
}

void
quant_matvec(uint32_t type, const void *w, size_t nrows, size_t ncols,
    const float *x, float *y)
{
	const u_char	*p = w;
	size_t		 r, stride;

	if ((stride = quant_row_bytes(type, ncols)) == 0) {
		if (nrows > 0 && nrows <= SIZE_MAX / sizeof(*y))
			memset(y, 0, nrows * sizeof(*y));
		return;
	}
	for (r = 0; r < nrows; r++, p += stride)
		y[r] = quant_dot(type, p, x, ncols);
}

/* Quantisation, nb blocks at a time. */

static void
quant_q_f32(const float *x, u_char *p, size_t nb)
{
	uint32_t	bits;
	size_t		i;

	for (i = 0; i < nb; i++, p += 4) {
		memcpy(&bits, &x[i], sizeof(bits));
		p[0] = bits & 0xff;
		p[1] = (bits >> 8) & 0xff;
		p[2] = (bits >> 16) & 0xff;
		p[3] = bits >> 24;
	}
}

static void
quant_q_f16(const float *x, u_char *p, size_t nb)
{
	size_t	i;

	for (i = 0; i < nb; i++, p += 2)
		quant_put16(p, quant_f32_to_f16(x[i]));
}

static void
quant_q_bf16(const float *x, u_char *p, size_t nb)
{
	size_t	i;

	for (i = 0; i < nb; i++, p += 2)
		quant_put16(p, quant_f32_to_bf16(x[i]));
}

/* d = absmax / 127; q = round(x / d), halves away from zero. */
static void
quant_q_q8_0(const float *x, u_char *p, size_t nb)
{
	float	amax, d, id;
	size_t	i, j;

	for (i = 0; i < nb; i++, p += 34, x += QUANT_QK) {
		amax = 0.0f;
		for (j = 0; j < QUANT_QK; j++)
			amax = amax > fabsf(x[j]) ? amax : fabsf(x[j]);
		d = amax / 127;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		quant_put16(p, quant_f32_to_f16(d));
		for (j = 0; j < QUANT_QK; j++)
			p[2 + j] = (u_char)(int8_t)quant_trunc(
			    roundf(x[j] * id), -128, 127);
	}
}

/*
 * Q4_0 and Q5_0 map the value of largest magnitude to -8 (-16): d is
 * signed, so the extreme lands exactly on the one extra negative level.
 */
static void
quant_q_q4_0(const float *x, u_char *p, size_t nb)
{
	float	amax, max, d, id;
	size_t	i, j;
	int	lo, hi;

	for (i = 0; i < nb; i++, p += 18, x += QUANT_QK) {
		quant_absmax(x, QUANT_QK, &amax, &max);
		d = max / -8;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		quant_put16(p, quant_f32_to_f16(d));
		for (j = 0; j < QUANT_QK / 2; j++) {
			lo = quant_trunc(x[j] * id + 8.5f, 0, 15);
			hi = quant_trunc(x[j + 16] * id + 8.5f, 0, 15);
			p[2 + j] = lo | hi << 4;
		}
	}
}

static void
quant_q_q4_1(const float *x, u_char *p, size_t nb)
{
	float	min, max, d, id;
	size_t	i, j;
	int	lo, hi;

	for (i = 0; i < nb; i++, p += 20, x += QUANT_QK) {
		quant_minmax(x, QUANT_QK, &min, &max);
		d = (max - min) / 15;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		quant_put16(p, quant_f32_to_f16(d));
		quant_put16(p + 2, quant_f32_to_f16(min));
		for (j = 0; j < QUANT_QK / 2; j++) {
			lo = quant_trunc((x[j] - min) * id + 0.5f, 0, 15);
			hi = quant_trunc((x[j + 16] - min) * id + 0.5f, 0, 15);
			p[4 + j] = lo | hi << 4;
		}
	}
}

static void
quant_q_q5_0(const float *x, u_char *p, size_t nb)
{
	uint32_t	qh;
	float		amax, max, d, id;
	size_t		i, j;
	int		lo, hi;

	for (i = 0; i < nb; i++, p += 22, x += QUANT_QK) {
		quant_absmax(x, QUANT_QK, &amax, &max);
		d = max / -16;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		quant_put16(p, quant_f32_to_f16(d));
		qh = 0;
		for (j = 0; j < QUANT_QK / 2; j++) {
			lo = quant_trunc(x[j] * id + 16.5f, 0, 31);
			hi = quant_trunc(x[j + 16] * id + 16.5f, 0, 31);
			p[6 + j] = (lo & 0xf) | (hi & 0xf) << 4;
			qh |= (uint32_t)(lo >> 4) << j;
			qh |= (uint32_t)(hi >> 4) << (j + 16);
		}
		quant_put16(p + 2, qh & 0xffff);
		quant_put16(p + 4, qh >> 16);
	}
}

static void
quant_q_q5_1(const float *x, u_char *p, size_t nb)
{
	uint32_t	qh;
	float		min, max, d, id;
	size_t		i, j;
	int		lo, hi;

	for (i = 0; i < nb; i++, p += 24, x += QUANT_QK) {
		quant_minmax(x, QUANT_QK, &min, &max);
		d = (max - min) / 31;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		quant_put16(p, quant_f32_to_f16(d));
		quant_put16(p + 2, quant_f32_to_f16(min));
		qh = 0;
		for (j = 0; j < QUANT_QK / 2; j++) {
			lo = quant_trunc((x[j] - min) * id + 0.5f, 0, 31);
			hi = quant_trunc((x[j + 16] - min) * id + 0.5f, 0, 31);
			p[8 + j] = (lo & 0xf) | (hi & 0xf) << 4;
			qh |= (uint32_t)(lo >> 4) << j;
			qh |= (uint32_t)(hi >> 4) << (j + 16);
		}
		quant_put16(p + 4, qh & 0xffff);
		quant_put16(p + 6, qh >> 16);
	}
}

/*
 * Weighted squared error of levels L under scale and min (ggml's
 * make_qkx2_quants with use_mad false).
 */
static float
quant_qkx2_error(size_t n, const float *x, const float *w, const u_char *L,
    float scale, float min)
{
	float	err = 0.0f, diff;
	size_t	i;

	for (i = 0; i < n; i++) {
		diff = scale * L[i] + min - x[i];
		err += w[i] * (diff * diff);
	}
	return err;
}

/*
 * One grid of quant_qkx2: levels of x - min at iscale into aux, and
 * their weighted least-squares scale and min (the min capped at 0).
 * 0 if the levels are degenerate.
 */
static int
quant_qkx2_fit(const struct quant_grp *g, float iscale, float min,
    u_char *aux, float *sp, float *mp)
{
	float	sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f, w, D;
	size_t	i;
	int	l;

	for (i = 0; i < g->g_n; i++) {
		l = quant_nearest(iscale * (g->g_x[i] - min));
		l = l < 0 ? 0 : l > g->g_nmax ? g->g_nmax : l;
		aux[i] = l;
		w = g->g_w[i];
		sum_l += w * l;
		sum_l2 += w * l * l;
		sum_xl += w * l * g->g_x[i];
	}
	D = g->g_sum_w * sum_l2 - sum_l * sum_l;
	if (!(D > 0))
		return 0;
	*sp = (g->g_sum_w * sum_xl - g->g_sum_x * sum_l) / D;
	*mp = (sum_l2 * g->g_sum_x - sum_l * sum_xl) / D;
	if (*mp > 0) {
		*mp = 0;
		*sp = sum_xl / sum_l2;
	}
	return 1;
}

/*
 * Levels 0..nmax with a scale and a min (returned in *minp, negated)
 * for one sub-block: start from the plain min/max mapping, then try
 * nstep+1 stretched grids and keep the least-squares fit of each that
 * lowers the weighted error.  This is ggml's make_qkx2_quants, and the
 * float operations stay in its order; like ggml, each grid is laid
 * from the best min found so far.
 */
static float
quant_qkx2(size_t n, int nmax, const float *x, const float *w, u_char *L,
    float *minp, float rmin, float rdelta, int nstep)
{
	struct quant_grp g = { x, w, n, nmax, w[0], w[0] * x[0] };
	u_char		 aux[QUANT_SUB_K];
	float		 min = x[0], max = x[0], iscale, scale, best, s, m;
	float		 err;
	size_t		 i;
	int		 is, l;

	for (i = 1; i < n; i++) {
		if (x[i] < min)
			min = x[i];
		if (x[i] > max)
			max = x[i];
		g.g_sum_w += w[i];
		g.g_sum_x += w[i] * x[i];
	}
	if (min > 0)
		min = 0;
	if (max == min) {
		memset(L, 0, n);
		*minp = -min;
		return 0.0f;
	}
	iscale = nmax / (max - min);
	scale = 1 / iscale;
	for (i = 0; i < n; i++) {
		l = quant_nearest(iscale * (x[i] - min));
		L[i] = l < 0 ? 0 : l > nmax ? nmax : l;
	}
	best = quant_qkx2_error(n, x, w, L, scale, min);
	for (is = 0; is <= nstep; is++) {
		iscale = (rmin + rdelta * is + nmax) / (max - min);
		if (!quant_qkx2_fit(&g, iscale, min, aux, &s, &m))
			continue;
		if ((err = quant_qkx2_error(n, x, w, aux, s, m)) < best) {
			memcpy(L, aux, n);
			best = err;
			scale = s;
			min = m;
		}
	}
	*minp = -min;
	return scale;
}

/*
 * Scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block (levels in
 * L), weighting each value by the sub-block's rms plus its magnitude.
 */
static void
quant_k_scales(const float *x, size_t nsub, int nmax, float rmin,
    int nstep, u_char *L, float *scales, float *mins)
{
	float	w[QUANT_SUB_K], sum_x2, av;
	size_t	j, l;

	for (j = 0; j < nsub; j++, x += QUANT_SUB_K, L += QUANT_SUB_K) {
		sum_x2 = 0.0f;
		for (l = 0; l < QUANT_SUB_K; l++)
			sum_x2 += x[l] * x[l];
		av = sqrtf(sum_x2 / QUANT_SUB_K);
		for (l = 0; l < QUANT_SUB_K; l++)
			w[l] = av + fabsf(x[l]);
		scales[j] = quant_qkx2(QUANT_SUB_K, nmax, x, w, L, &mins[j],
		    rmin, 0.1f, nstep);
	}
}

/*
 * Quantise the 8 scales and mins to 6 bits against their maxima and
 * store d, dmin and the 12 packed bytes at the start of the block.
 */
static void
quant_k_pack_scales(u_char *p, const float *scales, const float *mins)
{
	u_char	*q = p + 4, ls, lm;
	float	 inv_scale, inv_min, max_scale = 0.0f, max_min = 0.0f;
	size_t	 j;

	for (j = 0; j < 8; j++) {
		if (scales[j] > max_scale)
			max_scale = scales[j];
		if (mins[j] > max_min)
			max_min = mins[j];
	}
	inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
	inv_min = max_min > 0 ? 63.f / max_min : 0.f;
	for (j = 0; j < 8; j++) {
		/* ggml stores the int into a uint8_t before the MIN. */
		ls = (u_char)quant_nearest(inv_scale * scales[j]);
		lm = (u_char)quant_nearest(inv_min * mins[j]);
		ls = ls < 63 ? ls : 63;
		lm = lm < 63 ? lm : 63;
		if (j < 4) {
			q[j] = ls;
			q[j + 4] = lm;
		} else {
			q[j + 4] = (ls & 0xf) | (lm & 0xf) << 4;
			q[j - 4] |= (ls >> 4) << 6;
			q[j] |= (lm >> 4) << 6;
		}
	}
	quant_put16(p, quant_f32_to_f16(max_scale / 63.f));
	quant_put16(p + 2, quant_f32_to_f16(max_min / 63.f));
}

/*
 * With the stored (rounded) scales, requantise every value of a
 * Q4_K/Q5_K block to 0..nmax; a sub-block whose scale rounded to zero
 * keeps the levels its search chose.
 */
static void
quant_k_requant(const float *x, const u_char *p, int nmax, u_char *L)
{
	float	d, dm;
	size_t	j, i;
	u_char	sc, m;
	int	l;

	for (j = 0; j < 8; j++) {
		quant_scale_min_k4(j, p + 4, &sc, &m);
		d = quant_get_f16(p) * sc;
		if (d == 0.0f)
			continue;
		dm = quant_get_f16(p + 2) * m;
		for (i = 0; i < QUANT_SUB_K; i++) {
			l = quant_nearest((x[32 * j + i] + dm) / d);
			L[32 * j + i] = l < 0 ? 0 : l > nmax ? nmax : l;
		}
	}
}

static void
quant_q_q4_k(const float *x, u_char *p, size_t nb)
{
	u_char	L[QUANT_QK_K], *q;
	float	scales[8], mins[8];
	size_t	i, j, l;

	for (i = 0; i < nb; i++, p += 144, x += QUANT_QK_K) {
		quant_k_scales(x, 8, 15, -1.f, 20, L, scales, mins);
		memset(p, 0, 144);
		quant_k_pack_scales(p, scales, mins);
		quant_k_requant(x, p, 15, L);
		for (j = 0, q = p + 16; j < QUANT_QK_K; j += 64, q += 32)
			for (l = 0; l < 32; l++)
				q[l] = L[j + l] | L[j + l + 32] << 4;
	}
}

static void
quant_q_q5_k(const float *x, u_char *p, size_t nb)
{
	u_char	L[QUANT_QK_K], *qh, *ql;
	float	scales[8], mins[8];
	size_t	i, j, l;

	for (i = 0; i < nb; i++, p += 176, x += QUANT_QK_K) {
		quant_k_scales(x, 8, 31, -0.5f, 15, L, scales, mins);
		memset(p, 0, 176);
		quant_k_pack_scales(p, scales, mins);
		quant_k_requant(x, p, 31, L);
		qh = p + 16;
		ql = p + 48;
		for (j = 0; j < 8; j += 2, ql += 32)
			for (l = 0; l < 32; l++) {
				qh[l] |= (L[32 * j + l] >> 4) << j;
				qh[l] |= (L[32 * (j + 1) + l] >> 4) << (j + 1);
				ql[l] = (L[32 * j + l] & 0xf) |
				    (L[32 * (j + 1) + l] & 0xf) << 4;
			}
	}
}

/* Sums of w*x*l and w*l*l, w = x*x, for the grid iscale (make_qx). */
static void
quant_qx_sums(size_t n, int nmax, const float *x, float iscale,
    float *sumlxp, float *suml2p)
{
	float	sumlx = 0.0f, suml2 = 0.0f, w;
	size_t	i;
	int	l;

	for (i = 0; i < n; i++) {
		l = quant_nearest(iscale * x[i]);
		l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
		w = x[i] * x[i];
		sumlx += w * x[i] * l;
		suml2 += w * l * l;
	}
	*sumlxp = sumlx;
	*suml2p = suml2;
}

static void
quant_qx_levels(size_t n, int nmax, const float *x, float iscale, int8_t *L)
{
	size_t	i;
	int	l;

	for (i = 0; i < n; i++) {
		l = quant_nearest(iscale * x[i]);
		l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
		L[i] = nmax + l;
	}
}

/*
 * Signed levels -nmax..nmax-1 (stored biased by nmax) and a scale for
 * one group, weighted by x^2: try 19 grids around nmax / max and keep
 * the least-squares scale of the best.  ggml's make_qx_quants with
 * rmse_type 1 and no importance weights, in its float order.
 */
static float
quant_qx(size_t n, int nmax, const float *x, int8_t *L)
{
	float	amax, max, iscale, sumlx, suml2, scale, best;
	int	is;

	quant_absmax(x, n, &amax, &max);
	if (amax < QUANT_EPS) {
		memset(L, 0, n);
		return 0.0f;
	}
	iscale = -nmax / max;
	quant_qx_levels(n, nmax, x, iscale, L);
	quant_qx_sums(n, nmax, x, iscale, &sumlx, &suml2);
	scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
	best = scale * sumlx;
	for (is = -9; is <= 9; is++) {
		if (is == 0)
			continue;
		iscale = -(nmax + 0.1f * is) / max;
		quant_qx_sums(n, nmax, x, iscale, &sumlx, &suml2);
		if (suml2 > 0 && sumlx * sumlx > best * suml2) {
			quant_qx_levels(n, nmax, x, iscale, L);
			scale = sumlx / suml2;
			best = scale * sumlx;
		}
	}
	return scale;
}

/*
 * Requantise a Q6_K block's values with its stored (rounded) scales; a
 * sub-block whose scale rounded to zero keeps its search levels.
 */
static void
quant_q6_requant(const float *x, const u_char *p, int8_t *L)
{
	const int8_t	*sc = (const int8_t *)(p + 192);
	float		 d;
	size_t		 j, k;
	int		 q;

	for (j = 0; j < 16; j++) {
		d = quant_get_f16(p + 208) * sc[j];
		if (d == 0.0f)
			continue;
		for (k = 0; k < QUANT_SUB6_K; k++) {
			q = quant_nearest(x[16 * j + k] / d);
			q = q < -32 ? -32 : q > 31 ? 31 : q;
			L[16 * j + k] = q + 32;
		}
	}
}

/* Levels 0..63 into ql (low nibbles) and qh (high 2 bits), per half. */
static void
quant_q6_pack(const int8_t *L, u_char *p)
{
	u_char	*ql, *qh, v[4];
	size_t	 h, l, k;

	for (h = 0; h < 2; h++) {
		ql = p + 64 * h;
		qh = p + 128 + 32 * h;
		for (l = 0; l < 32; l++) {
			for (k = 0; k < 4; k++)
				v[k] = (u_char)L[128 * h + 32 * k + l];
			ql[l] = (v[0] & 0xf) | (v[2] & 0xf) << 4;
			ql[l + 32] = (v[1] & 0xf) | (v[3] & 0xf) << 4;
			qh[l] = (v[0] >> 4) | (v[1] >> 4) << 2 |
			    (v[2] >> 4) << 4 | (v[3] >> 4) << 6;
		}
	}
}

/*
 * Q6_K: a signed scale per 16 values from quant_qx, the scales then
 * quantised to int8 against the one of largest magnitude (which maps
 * to -128), and the values requantised with the rounded scales.
 */
static void
quant_q_q6_k(const float *x, u_char *p, size_t nb)
{
	int8_t	 L[QUANT_QK_K], *sc;
	float	 scales[16], max_scale, max_abs, iscale;
	size_t	 i, j;
	int	 q;

	for (i = 0; i < nb; i++, p += 210, x += QUANT_QK_K) {
		memset(p, 0, 210);
		max_scale = max_abs = 0.0f;
		for (j = 0; j < 16; j++) {
			scales[j] = quant_qx(QUANT_SUB6_K, 32,
			    x + QUANT_SUB6_K * j, L + QUANT_SUB6_K * j);
			if (fabsf(scales[j]) > max_abs) {
				max_abs = fabsf(scales[j]);
				max_scale = scales[j];
			}
		}
		if (max_abs < QUANT_EPS)
			continue;	/* all zero, d included */
		iscale = -128.f / max_scale;
		quant_put16(p + 208, quant_f32_to_f16(1 / iscale));
		sc = (int8_t *)(p + 192);
		for (j = 0; j < 16; j++) {
			q = quant_nearest(iscale * scales[j]);
			sc[j] = q < -128 ? -128 : q > 127 ? 127 : q;
		}
		quant_q6_requant(x, p, L);
		quant_q6_pack(L, p);
	}
}

int
quant_quantize_row(uint32_t type, const float *src, void *dst, size_t n)
{
	const struct quant_type	*qt;

	if (!quant_row_ok(type, n))
		return PWR_ERR_INVALID_FORMAT;
	qt = quant_lookup(type);
	qt->qt_quant(src, dst, n / qt->qt_blck);
	return 0;
}
