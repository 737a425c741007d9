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
 * Attention's value sum with AVX2 + FMA + F16C: a head's output (up to
 * 256 values) lives in registers while the cached rows stream past,
 * two rows per step so the loads of one overlap the FMAs of the other.
 * Each output lane adds the rows in order, as the reference does.
 */

#define WS_MAXREG	32	/* 8-float registers: head_dim up to 256 */

static inline __m256
ws_load(uint32_t type, const u_char *p)
{
	if (type == GGUF_TYPE_F32)
		return _mm256_loadu_ps((const float *)p);
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

int
qd_avx2_wsum(uint32_t type, const void *rows, size_t rowbytes, size_t nrows,
    const float *w, float *out, size_t n)
{
	const u_char	*p = rows;
	__m256		 acc[WS_MAXREG], wr;
	size_t		 elt = type == GGUF_TYPE_F32 ? 4 : 2;
	size_t		 r, i, nv = n / 8;

	if ((type != GGUF_TYPE_F32 && type != GGUF_TYPE_F16) || n % 8 != 0 ||
	    nv > WS_MAXREG)
		return 0;
	for (i = 0; i < nv; i++)
		acc[i] = _mm256_setzero_ps();
	for (r = 0; r < nrows; r++, p += rowbytes) {
		wr = _mm256_set1_ps(w[r]);
		for (i = 0; i < nv; i++)
			acc[i] = _mm256_fmadd_ps(wr, ws_load(type,
			    p + i * 8 * elt), acc[i]);
	}
	for (i = 0; i < nv; i++)
		_mm256_storeu_ps(out + i * 8, acc[i]);
	return 1;
}
