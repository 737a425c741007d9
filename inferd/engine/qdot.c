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

#include "engine/gguf.h"
#include "engine/qdot.h"
#include "engine/quant.h"

/*
 * Level choice and the scalar reference of the integer kernels.  The
 * reference decodes a weight block into small integers and its scales
 * and sums integer products per sub-block, exactly as the SIMD levels
 * do in registers; it is written for clarity, not speed.
 */

static int		qd_chosen = -1;

static int	qd_cpu_level(void);
static float	qd_f16(const u_char *);
static float	qd_scale(const float *, size_t, float *);
static void	qd_q_b32(const float *, struct qd_b32 *, size_t);
static void	qd_q_b256(const float *, struct qd_b256 *, size_t);
static float	qd_dot_ref(uint32_t, const u_char *, const void *, size_t);
static float	qd_dot_b32(uint32_t, const u_char *, const struct qd_b32 *,
		    size_t);
static float	qd_dot_k(uint32_t, const u_char *, const struct qd_b256 *,
		    size_t);
static void	qd_k4_scales(const u_char *, int *, int *);

static int
qd_cpu_level(void)
{
#ifdef POWER_X86_SIMD
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512vnni") &&
	    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return QD_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return QD_AVX2;	/* F16C comes with every AVX2 CPU */
#endif
	return QD_SCALAR;
}

enum qd_level
qd_level_best(void)
{
	return (enum qd_level)qd_cpu_level();
}

enum qd_level
qd_level(void)
{
	const char	*e;

	if (qd_chosen < 0) {
		e = getenv("POWER_NO_SIMD");
		if (e != NULL && *e != '\0' && strcmp(e, "0") != 0)
			qd_chosen = QD_SCALAR;
		else
			qd_chosen = qd_cpu_level();
	}
	return (enum qd_level)qd_chosen;
}

int
qd_set_level(enum qd_level l)
{
	if ((int)l > qd_cpu_level())
		return -1;
	qd_chosen = l;
	return 0;
}

const char *
qd_level_name(enum qd_level l)
{
	switch (l) {
	case QD_AVX512:
		return "avx512";
	case QD_AVX2:
		return "avx2";
	default:
		return "scalar";
	}
}

int
qd_supported(uint32_t type)
{
	return qd_act_class(type) != QD_ACT_NONE;
}

size_t
qd_act_bytes(uint32_t type, size_t n)
{
	switch (qd_act_class(type)) {
	case QD_ACT_B32:
		return n / QD_B32_VALUES * sizeof(struct qd_b32);
	case QD_ACT_B256:
		return n / QD_B256_VALUES * sizeof(struct qd_b256);
	default:
		return n * sizeof(float);
	}
}

/* The scale of n activations (d = max|x| / 127) and its inverse. */
static float
qd_scale(const float *x, size_t n, float *d)
{
	float	amax = 0;
	size_t	j;

	for (j = 0; j < n; j++)
		if (fabsf(x[j]) > amax)
			amax = fabsf(x[j]);
	*d = amax / 127.0f;
	return *d != 0 ? 1.0f / *d : 0.0f;
}

static void
qd_q_b32(const float *x, struct qd_b32 *b, size_t nb)
{
	float		id;
	size_t		i, j;
	int		sum, q;

	for (i = 0; i < nb; i++, x += 32, b++) {
		id = qd_scale(x, 32, &b->d);
		sum = 0;
		for (j = 0; j < 32; j++) {
			q = (int)nearbyintf(x[j] * id);
			b->qs[j] = (int8_t)q;
			sum += q;
		}
		b->s = b->d * (float)sum;
	}
}

static void
qd_q_b256(const float *x, struct qd_b256 *b, size_t nb)
{
	float		id;
	size_t		i, j;
	int		q;

	for (i = 0; i < nb; i++, x += 256, b++) {
		id = qd_scale(x, 256, &b->d);
		memset(b->bsums, 0, sizeof(b->bsums));
		for (j = 0; j < 256; j++) {
			q = (int)nearbyintf(x[j] * id);
			b->qs[j] = (int8_t)q;
			b->bsums[j / 16] += (int16_t)q;
		}
	}
}

void
qd_quantize_ref(uint32_t type, const float *x, void *xa, size_t n)
{
	switch (qd_act_class(type)) {
	case QD_ACT_B32:
		qd_q_b32(x, xa, n / 32);
		break;
	case QD_ACT_B256:
		qd_q_b256(x, xa, n / 256);
		break;
	default:
		memcpy(xa, x, n * sizeof(float));
		break;
	}
}

void
qd_quantize(uint32_t type, const float *x, void *xa, size_t n)
{
#ifdef POWER_X86_SIMD
	switch (qd_level()) {
	case QD_AVX512:
		if (qd_avx512_quantize(type, x, xa, n))
			return;
		break;
	case QD_AVX2:
		if (qd_avx2_quantize(type, x, xa, n))
			return;
		break;
	default:
		break;
	}
#endif
	qd_quantize_ref(type, x, xa, n);
}

static float
qd_f16(const u_char *p)
{
	return quant_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
}

/* The 6-bit scales and mins of a Q4_K or Q5_K block's 12 bytes. */
static void
qd_k4_scales(const u_char *q, int *sc, int *m)
{
	int	j;

	for (j = 0; j < 8; j++) {
		if (j < 4) {
			sc[j] = q[j] & 63;
			m[j] = q[j + 4] & 63;
		} else {
			sc[j] = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4);
			m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
		}
	}
}

/* The 32-value types: one integer sum per block. */
static float
qd_dot_b32(uint32_t type, const u_char *w, const struct qd_b32 *a,
    size_t nb)
{
	const u_char	*q;
	uint32_t	 qh;
	float		 sum = 0;
	size_t		 i, j, bb = quant_block_bytes(type);
	int		 isum, v[32], lo, has_min;

	/* Q4_1 and Q5_1 carry a minimum after d; Q4_0, Q5_0 an offset. */
	has_min = type == GGUF_TYPE_Q4_1 || type == GGUF_TYPE_Q5_1;
	lo = type == GGUF_TYPE_Q4_0 ? 8 : type == GGUF_TYPE_Q5_0 ? 16 : 0;
	for (i = 0; i < nb; i++, a++, w += bb) {
		q = w + (has_min ? 4 : 2);
		switch (type) {
		case GGUF_TYPE_Q8_0:
			for (j = 0; j < 32; j++)
				v[j] = (int8_t)q[j];
			break;
		case GGUF_TYPE_Q4_0:
		case GGUF_TYPE_Q4_1:
			for (j = 0; j < 16; j++) {
				v[j] = (q[j] & 0xf) - lo;
				v[j + 16] = (q[j] >> 4) - lo;
			}
			break;
		case GGUF_TYPE_Q5_0:
		case GGUF_TYPE_Q5_1:
			qh = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
			    (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
			for (j = 0; j < 16; j++) {
				v[j] = ((q[4 + j] & 0xf) |
				    (int)((qh >> j) & 1) << 4) - lo;
				v[j + 16] = ((q[4 + j] >> 4) |
				    (int)((qh >> (j + 16)) & 1) << 4) - lo;
			}
			break;
		}
		isum = 0;
		for (j = 0; j < 32; j++)
			isum += v[j] * a->qs[j];
		sum += qd_f16(w) * a->d * (float)isum;
		if (has_min)
			sum += qd_f16(w + 2) * a->s;
	}
	return sum;
}

/* The K-quants: integer sums per sub-block, scaled, per super-block. */
static float
qd_dot_k(uint32_t type, const u_char *w, const struct qd_b256 *a,
    size_t nb)
{
	const u_char	*ql, *qh;
	float		 sum = 0;
	size_t		 i, j, l, h, bb = quant_block_bytes(type);
	int		 v[256], sc[16], m[8], sumi, summ, isub;

	for (i = 0; i < nb; i++, a++, w += bb) {
		switch (type) {
		case GGUF_TYPE_Q4_K:
			qd_k4_scales(w + 4, sc, m);
			ql = w + 16;
			for (j = 0; j < 4; j++, ql += 32)
				for (l = 0; l < 32; l++) {
					v[64 * j + l] = ql[l] & 0xf;
					v[64 * j + 32 + l] = ql[l] >> 4;
				}
			break;
		case GGUF_TYPE_Q5_K:
			qd_k4_scales(w + 4, sc, m);
			qh = w + 16;
			ql = w + 48;
			for (j = 0; j < 4; j++, ql += 32)
				for (l = 0; l < 32; l++) {
					v[64 * j + l] = (ql[l] & 0xf) |
					    ((qh[l] >> (2 * j)) & 1) << 4;
					v[64 * j + 32 + l] = (ql[l] >> 4) |
					    ((qh[l] >> (2 * j + 1)) & 1) << 4;
				}
			break;
		default:	/* Q6_K */
			for (h = 0; h < 2; h++) {
				ql = w + 64 * h;
				qh = w + 128 + 32 * h;
				for (l = 0; l < 32; l++) {
					v[128 * h + l] = ((ql[l] & 0xf) |
					    ((qh[l] & 3) << 4)) - 32;
					v[128 * h + l + 32] = ((ql[l + 32] &
					    0xf) | (((qh[l] >> 2) & 3) << 4)) -
					    32;
					v[128 * h + l + 64] = ((ql[l] >> 4) |
					    (((qh[l] >> 4) & 3) << 4)) - 32;
					v[128 * h + l + 96] = ((ql[l + 32] >>
					    4) | (((qh[l] >> 6) & 3) << 4)) - 32;
				}
			}
			for (j = 0; j < 16; j++)
				sc[j] = (int8_t)w[192 + j];
			break;
		}
		sumi = 0;
		if (type == GGUF_TYPE_Q6_K) {
			for (j = 0; j < 16; j++) {
				isub = 0;
				for (l = 0; l < 16; l++)
					isub += v[16 * j + l] *
					    a->qs[16 * j + l];
				sumi += sc[j] * isub;
			}
			sum += qd_f16(w + 208) * a->d * (float)sumi;
		} else {
			summ = 0;
			for (j = 0; j < 8; j++) {
				isub = 0;
				for (l = 0; l < 32; l++)
					isub += v[32 * j + l] *
					    a->qs[32 * j + l];
				sumi += sc[j] * isub;
				summ += m[j] * (a->bsums[2 * j] +
				    a->bsums[2 * j + 1]);
			}
			sum += qd_f16(w) * a->d * (float)sumi -
			    qd_f16(w + 2) * a->d * (float)summ;
		}
	}
	return sum;
}

static float
qd_dot_ref(uint32_t type, const u_char *w, const void *xa, size_t n)
{
	switch (qd_act_class(type)) {
	case QD_ACT_B32:
		return qd_dot_b32(type, w, xa, n / 32);
	case QD_ACT_B256:
		return qd_dot_k(type, w, xa, n / 256);
	default:
		return quant_dot(type, w, xa, n);
	}
}

void
qd_gemm_ref(const struct qd_gemm *g)
{
	const u_char	*w = g->g_w, *x = g->g_x;
	size_t		 r, t;

	for (t = 0; t < g->g_ntok; t++)
		for (r = g->g_r0; r < g->g_r1; r++)
			g->g_y[t * g->g_ystride + r] = qd_dot_ref(g->g_type,
			    w + r * g->g_rowbytes, x + t * g->g_xstride,
			    g->g_ncols);
}

void
qd_gemm(const struct qd_gemm *g)
{
	if (g->g_r0 >= g->g_r1 || g->g_ntok == 0)
		return;
#ifdef POWER_X86_SIMD
	switch (qd_level()) {
	case QD_AVX512:
		if (qd_avx512_gemm(g))
			return;
		break;
	case QD_AVX2:
		if (qd_avx2_gemm(g))
			return;
		break;
	default:
		break;
	}
#endif
	qd_gemm_ref(g);
}

void
qd_wsum_ref(uint32_t type, const void *rows, size_t rowbytes, size_t nrows,
    const float *w, float *out, size_t n)
{
	const u_char	*p = rows;
	size_t		 r, i;

	for (i = 0; i < n; i++)
		out[i] = 0;
	for (r = 0; r < nrows; r++, p += rowbytes) {
		if (type == GGUF_TYPE_F32)
			for (i = 0; i < n; i++)
				out[i] += w[r] * ((const float *)p)[i];
		else
			for (i = 0; i < n; i++)
				out[i] += w[r] * qd_f16(p + 2 * i);
	}
}

void
qd_wsum(uint32_t type, const void *rows, size_t rowbytes, size_t nrows,
    const float *w, float *out, size_t n)
{
#ifdef POWER_X86_SIMD
	if (qd_level() >= QD_AVX2 &&
	    qd_avx2_wsum(type, rows, rowbytes, nrows, w, out, n))
		return;
#endif
	qd_wsum_ref(type, rows, rowbytes, nrows, w, out, n);
}
