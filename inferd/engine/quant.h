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

#ifndef POWER_QUANT_H
#define POWER_QUANT_H

/*
 * Tensor types and their scalar reference kernels: F32, F16, BF16,
 * Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K.  Block layouts are the
 * GGUF ones (little-endian ggml structs); dequantisation is bit-exact
 * with ggml's to_float.  Activations stay float: a dot product
 * dequantises a block at a time and accumulates in float.  These
 * kernels are the oracle the SIMD ones (issue 4) are tested against.
 *
 * Types are the enum gguf_ttype ids (gguf.h).  Lengths n are element
 * counts and must be a multiple of the type's block; the caller checks
 * that once with quant_row_ok() when it binds a tensor.
 */

#define QUANT_MAX_BLOCK		256	/* largest block, in values (K-quants) */
#define QUANT_SELFTEST_ERRLEN	160

/* 1 if the engine computes with this type. */
int	 quant_supported(uint32_t type);
/* Values and bytes per block; 0 for an unsupported type. */
size_t	 quant_block_values(uint32_t type);
size_t	 quant_block_bytes(uint32_t type);
/* 1 if n values of type make whole blocks (n > 0). */
int	 quant_row_ok(uint32_t type, size_t n);
/* Bytes of n values (n a multiple of the block). */
size_t	 quant_row_bytes(uint32_t type, size_t n);

/*
 * Half and bfloat16 conversions, as ggml does them: round to nearest
 * even, subnormals kept, overflow to infinity.  A NaN stays a NaN: to
 * half it becomes the quiet NaN 0x7e00 with its sign, to bfloat16 it
 * keeps its top payload bits and is made quiet; widening a signalling
 * half NaN quiets it too.
 */
float	 quant_f16_to_f32(uint16_t);
uint16_t quant_f32_to_f16(float);
float	 quant_bf16_to_f32(uint16_t);
uint16_t quant_f32_to_bf16(float);

/*
 * n values of row (type) into dst, bit-exact with ggml.  Given a type or
 * n that quant_row_ok() refuses, it writes n zeros (quant_dot returns 0,
 * quant_matvec writes nrows zeros): a caller's bug stays harmless.
 */
void	 quant_dequant_row(uint32_t type, const void *row, float *dst,
	    size_t n);
/* Sum over i of row[i] * x[i], for n values. */
float	 quant_dot(uint32_t type, const void *row, const float *x, size_t n);
/*
 * y[r] = dot(row r of w, x) for r < nrows; rows are ncols values each
 * and stored back to back (quant_row_bytes(type, ncols) apart).
 */
void	 quant_matvec(uint32_t type, const void *w, size_t nrows,
	    size_t ncols, const float *x, float *y);

/*
 * Quantise n floats into dst (quant_row_bytes(type, n) bytes), with the
 * reference (non-imatrix) rounding of ggml's quantize_row_*_ref.  Used
 * by the synthetic model writer and the tests, never on a hot path.
 * Returns 0, or PWR_ERR_INVALID_FORMAT for an unsupported type or n.
 */
int	 quant_quantize_row(uint32_t type, const float *src, void *dst,
	    size_t n);

/*
 * Startup self-test for one type: stored blocks go through
 * quant_dequant_row, quant_dot and quant_matvec and are compared with
 * stored expected values.  0, or PWR_ERR_INVALID_FORMAT with the first
 * mismatch described in err.
 */
int	 quant_selftest(uint32_t type, char *err, size_t errlen);

#endif /* POWER_QUANT_H */
