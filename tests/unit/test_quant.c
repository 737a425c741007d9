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
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/quant.h"
#include "tests.h"

/*
 * The tensor kernels against ggml: the golden tensors of
 * tests/data/golden/quant (one 256x128 weight in every type, its raw
 * bytes as llama-quantize wrote them and ggml's to_float of them) must
 * dequantise bit for bit and quantise byte for byte; dot products must
 * agree with double precision; the half/bfloat16 conversions are
 * checked at every edge.  Refusals come first.
 */

#define TQ_COLS		256	/* golden tensor: ne0 */
#define TQ_ROWS		128	/* golden tensor: ne1 */
#define TQ_VALUES	(TQ_COLS * TQ_ROWS)
#define TQ_DOT_RTOL	1e-5	/* of the sum of |w * x| */

struct tq_type {
	uint32_t	 t_id;
	const char	*t_name;
	float		 t_rtol;	/* round-trip bound, of absmax */
};

/*
 * The round-trip bounds are about twice the worst error seen on the
 * test's row; they catch a broken quantiser, not a slightly worse one.
 */
static const struct tq_type tq_types[] = {
	{ GGUF_TYPE_F32, "F32", 0.0f },
	{ GGUF_TYPE_F16, "F16", 6e-4f },
	{ GGUF_TYPE_BF16, "BF16", 5e-3f },
	{ GGUF_TYPE_Q8_0, "Q8_0", 7e-3f },
	{ GGUF_TYPE_Q4_0, "Q4_0", 0.13f },
	{ GGUF_TYPE_Q4_1, "Q4_1", 0.08f },
	{ GGUF_TYPE_Q5_0, "Q5_0", 0.06f },
	{ GGUF_TYPE_Q5_1, "Q5_1", 0.04f },
	{ GGUF_TYPE_Q4_K, "Q4_K", 0.09f },
	{ GGUF_TYPE_Q5_K, "Q5_K", 0.035f },
	{ GGUF_TYPE_Q6_K, "Q6_K", 0.03f },
};
#define TQ_NTYPES	(sizeof(tq_types) / sizeof(tq_types[0]))

static void	*tq_read(const char *, const char *, size_t);
static uint32_t	 tq_bits(float);
static float	 tq_float(uint32_t);
static float	 tq_x(size_t);
static int	 tq_close(float, const float *, const float *, size_t);

static void	test_unsupported_types(void);
static void	test_partial_blocks(void);
static void	test_block_sizes(void);
static void	test_f16_edges(void);
static void	test_f16_all(void);
static void	test_bf16_edges(void);
static void	test_bf16_all(void);
static void	test_golden_dequant(void);
static void	test_golden_quantize(void);
static void	test_dot_matvec(void);
static void	test_hand_blocks(void);
static void	test_round_trip(void);
static void	test_odd_rows(void);
static void	test_selftest(void);

/* One golden file, which must be exactly len bytes. */
static void *
tq_read(const char *type, const char *ext, size_t len)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	void		*p;
	ssize_t		 n;
	int		 fd, r;

	r = snprintf(path, sizeof(path),
	    "%s/tests/data/golden/quant/%s.blk.0.attn_k.weight.%s",
	    tests_datadir(), type, ext);
	CU_ASSERT_FATAL(r > 0 && (size_t)r < sizeof(path));
	CU_ASSERT_FATAL((fd = open(path, O_RDONLY)) != -1);
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	CU_ASSERT_FATAL(st.st_size == (off_t)len);
	CU_ASSERT_FATAL((p = malloc(len)) != NULL);
	n = read(fd, p, len);
	close(fd);
	CU_ASSERT_FATAL(n == (ssize_t)len);
	return p;
}

static uint32_t
tq_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static float
tq_float(uint32_t u)
{
	float	f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Activations in [-1, 1), from a small LCG: fixed, and not symmetric. */
static float
tq_x(size_t i)
{
	uint32_t	s = (uint32_t)i * 2654435761U + 12345;

	s ^= s >> 15;
	s *= 2246822519U;
	s ^= s >> 13;
	return (float)(s >> 8) / 8388608.0f - 1.0f;
}

/*
 * got against the double dot of w and x.  The bound is relative to the
 * sum of |w * x|: a float sum of n terms can be off by a few ulps of
 * each, and the result itself may be a small difference of large terms.
 */
static int
tq_close(float got, const float *w, const float *x, size_t n)
{
	double	want = 0.0, mag = 0.0;
	size_t	i;

	for (i = 0; i < n; i++) {
		want += (double)w[i] * x[i];
		mag += fabs((double)w[i] * x[i]);
	}
	return fabs((double)got - want) <= TQ_DOT_RTOL * mag + 1e-30;
}

static void
test_unsupported_types(void)
{
	static const uint32_t bad[] = {
		4, 5, GGUF_TYPE_Q8_1, GGUF_TYPE_Q2_K, GGUF_TYPE_Q3_K,
		GGUF_TYPE_Q8_K, GGUF_TYPE_IQ2_XXS, GGUF_TYPE_IQ2_XS,
		GGUF_TYPE_IQ3_XXS, GGUF_TYPE_IQ1_S, GGUF_TYPE_IQ4_NL,
		GGUF_TYPE_IQ3_S, GGUF_TYPE_IQ2_S, GGUF_TYPE_IQ4_XS,
		GGUF_TYPE_I8, GGUF_TYPE_I16, GGUF_TYPE_I32, GGUF_TYPE_I64,
		GGUF_TYPE_F64, GGUF_TYPE_IQ1_M, GGUF_TYPE_TQ1_0,
		GGUF_TYPE_TQ2_0, GGUF_TYPE_MXFP4, 31, 40, 1000, UINT32_MAX
	};
	float		src[TQ_COLS] = { 1.0f };
	u_char		dst[1024];
	size_t		i, j, nsupported = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(quant_supported(bad[i]), 0);
		CU_ASSERT_EQUAL(quant_block_values(bad[i]), 0);
		CU_ASSERT_EQUAL(quant_block_bytes(bad[i]), 0);
		CU_ASSERT_EQUAL(quant_row_ok(bad[i], TQ_COLS), 0);
		CU_ASSERT_EQUAL(quant_row_bytes(bad[i], TQ_COLS), 0);
		memset(dst, 0xa5, sizeof(dst));
		CU_ASSERT_EQUAL(quant_quantize_row(bad[i], src, dst, TQ_COLS),
		    PWR_ERR_INVALID_FORMAT);
		CU_ASSERT_EQUAL(dst[0], 0xa5);
		/* Misuse still yields zeros, not stack garbage. */
		CU_ASSERT_EQUAL(quant_dot(bad[i], dst, src, TQ_COLS), 0.0f);
	}
	/* Exactly the 11 types, among every id up to 63. */
	for (i = 0; i < 64; i++) {
		if (!quant_supported(i))
			continue;
		nsupported++;
		for (j = 0; j < TQ_NTYPES; j++)
			if (tq_types[j].t_id == i)
				break;
		CU_ASSERT(j < TQ_NTYPES);
	}
	CU_ASSERT_EQUAL(nsupported, TQ_NTYPES);
}

static void
test_partial_blocks(void)
{
	float		src[2 * QUANT_MAX_BLOCK], out[4];
	u_char		dst[1024];
	uint32_t	t;
	size_t		i, blck, big;

	memset(src, 0, sizeof(src));
	for (i = 0; i < TQ_NTYPES; i++) {
		t = tq_types[i].t_id;
		blck = quant_block_values(t);
		CU_ASSERT_EQUAL(quant_row_ok(t, 0), 0);
		CU_ASSERT_EQUAL(quant_row_bytes(t, 0), 0);
		CU_ASSERT_EQUAL(quant_quantize_row(t, src, dst, 0),
		    PWR_ERR_INVALID_FORMAT);
		CU_ASSERT_EQUAL(quant_row_ok(t, blck), 1);
		CU_ASSERT_EQUAL(quant_row_ok(t, 2 * blck), 1);
		if (blck > 1) {
			CU_ASSERT_EQUAL(quant_row_ok(t, blck - 1), 0);
			CU_ASSERT_EQUAL(quant_row_ok(t, blck + 1), 0);
			CU_ASSERT_EQUAL(quant_row_ok(t, 2 * blck - 1), 0);
			CU_ASSERT_EQUAL(quant_row_bytes(t, blck + 1), 0);
			memset(dst, 0xa5, sizeof(dst));
			CU_ASSERT_EQUAL(quant_quantize_row(t, src, dst,
			    blck + 1), PWR_ERR_INVALID_FORMAT);
			CU_ASSERT_EQUAL(dst[0], 0xa5);
			/* A partial row dequantises to zeros, not garbage. */
			out[0] = out[3] = 1.0f;
			quant_dequant_row(t, dst, out, 3);
			CU_ASSERT(out[0] == 0.0f && out[2] == 0.0f);
			CU_ASSERT_EQUAL(out[3], 1.0f);
		}
		/* Whole blocks whose byte count does not fit a size_t. */
		if (quant_block_bytes(t) > blck) {
			big = SIZE_MAX - SIZE_MAX % blck;
			CU_ASSERT_EQUAL(quant_row_ok(t, big), 0);
			CU_ASSERT_EQUAL(quant_row_bytes(t, big), 0);
		}
	}
	/* The largest F16 row that fits is accepted. */
	CU_ASSERT_EQUAL(quant_row_ok(GGUF_TYPE_F16, SIZE_MAX / 2), 1);
	CU_ASSERT_EQUAL(quant_row_ok(GGUF_TYPE_F16, SIZE_MAX / 2 + 1), 0);
}

static void
test_block_sizes(void)
{
	uint32_t	t, blck, bytes;
	size_t		i;

	for (i = 0; i < TQ_NTYPES; i++) {
		t = tq_types[i].t_id;
		CU_ASSERT_EQUAL(quant_supported(t), 1);
		CU_ASSERT_FATAL(gguf_type_size(t, &blck, &bytes) == 0);
		CU_ASSERT_EQUAL(quant_block_values(t), blck);
		CU_ASSERT_EQUAL(quant_block_bytes(t), bytes);
		CU_ASSERT(quant_block_values(t) <= QUANT_MAX_BLOCK);
		CU_ASSERT_EQUAL(quant_row_bytes(t, 3 * QUANT_MAX_BLOCK),
		    3 * QUANT_MAX_BLOCK / blck * bytes);
		CU_ASSERT_STRING_EQUAL(gguf_type_name(t), tq_types[i].t_name);
	}
	CU_ASSERT_EQUAL(quant_block_bytes(GGUF_TYPE_Q4_K), 144);
	CU_ASSERT_EQUAL(quant_block_bytes(GGUF_TYPE_Q5_K), 176);
	CU_ASSERT_EQUAL(quant_block_bytes(GGUF_TYPE_Q6_K), 210);
	CU_ASSERT_EQUAL(quant_row_bytes(GGUF_TYPE_Q4_0, TQ_COLS), 144);
}

static void
test_f16_edges(void)
{
	static const struct {
		uint32_t	f;	/* float bits */
		uint16_t	h;
	} to_half[] = {
		{ 0x00000000, 0x0000 },	/* 0 */
		{ 0x80000000, 0x8000 },	/* -0 */
		{ 0x3f800000, 0x3c00 },	/* 1 */
		{ 0xc0000000, 0xc000 },	/* -2 */
		{ 0x477fe000, 0x7bff },	/* 65504, the largest half */
		{ 0x477fefff, 0x7bff },	/* just under 65520 */
		{ 0x477ff000, 0x7c00 },	/* 65520: ties up to inf */
		{ 0x501502f9, 0x7c00 },	/* 1e10 */
		{ 0xc77ff000, 0xfc00 },
		{ 0x7f800000, 0x7c00 },	/* inf */
		{ 0xff800000, 0xfc00 },	/* -inf */
		{ 0x7fc00000, 0x7e00 },	/* NaN */
		{ 0xffc00001, 0xfe00 },	/* -NaN keeps its sign */
		{ 0x7f800001, 0x7e00 },	/* signalling NaN */
		{ 0x38800000, 0x0400 },	/* 2^-14, smallest normal */
		{ 0x387fc000, 0x03ff },	/* largest subnormal */
		{ 0x387fe000, 0x0400 },	/* ties up into the normals */
		{ 0x33800000, 0x0001 },	/* 2^-24, smallest subnormal */
		{ 0x33000000, 0x0000 },	/* 2^-25: tie, to even 0 */
		{ 0x33000001, 0x0001 },	/* just over the tie */
		{ 0x32ffffff, 0x0000 },
		{ 0x33c00000, 0x0002 },	/* 3 * 2^-25: tie, to even 2 */
		{ 0x33a00000, 0x0001 },	/* 1.25 * 2^-24 */
		{ 0x34200000, 0x0002 },	/* 5 * 2^-25: tie, to even 2 */
		{ 0xb3800000, 0x8001 },
		{ 0x00000001, 0x0000 },	/* float subnormal */
		{ 0x80000001, 0x8000 },
		{ 0x3f801000, 0x3c00 },	/* 1 + 2^-11: tie, to even */
		{ 0x3f803000, 0x3c02 },	/* 1 + 3 * 2^-11: tie, to even */
		{ 0x3f801001, 0x3c01 },	/* just over the tie */
		{ 0x3eaaaaab, 0x3555 },	/* 1/3 */
	};
	static const struct {
		uint16_t	h;
		uint32_t	f;
	} to_float[] = {
		{ 0x0000, 0x00000000 }, { 0x8000, 0x80000000 },
		{ 0x0001, 0x33800000 }, { 0x03ff, 0x387fc000 },
		{ 0x0400, 0x38800000 }, { 0x7bff, 0x477fe000 },
		{ 0x7c00, 0x7f800000 }, { 0xfc00, 0xff800000 },
		{ 0x7e00, 0x7fc00000 }, { 0xfe00, 0xffc00000 },
		{ 0x7c01, 0x7fc02000 },	/* signalling NaN is quieted */
		{ 0x3555, 0x3eaaa000 }, { 0xc000, 0xc0000000 },
	};
	size_t	i;

	for (i = 0; i < sizeof(to_half) / sizeof(to_half[0]); i++) {
		if (quant_f32_to_f16(tq_float(to_half[i].f)) != to_half[i].h)
			fprintf(stderr, "f16 of 0x%08x is 0x%04x want 0x%04x\n",
			    to_half[i].f,
			    quant_f32_to_f16(tq_float(to_half[i].f)),
			    to_half[i].h);
		CU_ASSERT_EQUAL(quant_f32_to_f16(tq_float(to_half[i].f)),
		    to_half[i].h);
	}
	for (i = 0; i < sizeof(to_float) / sizeof(to_float[0]); i++)
		CU_ASSERT_EQUAL(tq_bits(quant_f16_to_f32(to_float[i].h)),
		    to_float[i].f);
}

/* Every half is exact as a float and comes back unchanged. */
static void
test_f16_all(void)
{
	uint32_t	h, exp, man, bad = 0;
	double		want;
	float		f;

	for (h = 0; h < 65536; h++) {
		f = quant_f16_to_f32(h);
		exp = (h >> 10) & 0x1f;
		man = h & 0x3ff;
		if (exp == 0x1f && man == 0) {
			if (!isinf(f) || quant_f32_to_f16(f) != h)
				bad++;
			continue;
		}
		if (exp == 0x1f) {
			/* NaN comes back as ggml's canonical quiet NaN. */
			if (!isnan(f) ||
			    quant_f32_to_f16(f) != ((h & 0x8000) | 0x7e00))
				bad++;
			continue;
		}
		want = exp == 0 ? ldexp(man, -24) : ldexp(1024 + man,
		    (int)exp - 25);
		if (h & 0x8000)
			want = -want;
		if ((double)f != want || !!signbit(f) != !!(h & 0x8000) ||
		    quant_f32_to_f16(f) != h)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_bf16_edges(void)
{
	static const struct {
		uint32_t	f;
		uint16_t	b;
	} to_bf16[] = {
		{ 0x00000000, 0x0000 }, { 0x80000000, 0x8000 },
		{ 0x3f800000, 0x3f80 },	/* 1 */
		{ 0x3f808000, 0x3f80 },	/* tie, to even */
		{ 0x3f818000, 0x3f82 },	/* tie, to even */
		{ 0x3f808001, 0x3f81 },	/* just over the tie */
		{ 0x00010000, 0x0001 },	/* subnormals are kept */
		{ 0x00008000, 0x0000 },	/* subnormal tie, to even */
		{ 0x00018000, 0x0002 },
		{ 0x807fffff, 0x8080 },	/* rounds up to -2^-126 */
		{ 0x7f7f7fff, 0x7f7f },	/* largest that stays finite */
		{ 0x7f7fffff, 0x7f80 },	/* FLT_MAX rounds to inf */
		{ 0x7f800000, 0x7f80 }, { 0xff800000, 0xff80 },
		{ 0x7fc00000, 0x7fc0 },	/* NaN */
		{ 0x7f800001, 0x7fc0 },	/* signalling NaN, made quiet */
		{ 0xff812345, 0xffc1 },	/* payload and sign kept */
		{ 0x7fffffff, 0x7fff },
	};
	size_t	i;

	for (i = 0; i < sizeof(to_bf16) / sizeof(to_bf16[0]); i++)
		CU_ASSERT_EQUAL(quant_f32_to_bf16(tq_float(to_bf16[i].f)),
		    to_bf16[i].b);
	CU_ASSERT_EQUAL(tq_bits(quant_bf16_to_f32(0x7f81)), 0x7f810000);
	CU_ASSERT_EQUAL(tq_bits(quant_bf16_to_f32(0x8001)), 0x80010000);
}

static void
test_bf16_all(void)
{
	uint32_t	b, bad = 0;
	float		f;

	for (b = 0; b < 65536; b++) {
		f = quant_bf16_to_f32(b);
		if (tq_bits(f) != b << 16)
			bad++;
		if ((b & 0x7fff) > 0x7f80) {
			if (quant_f32_to_bf16(f) != (b | 0x40))
				bad++;
		} else if (quant_f32_to_bf16(f) != b)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_golden_dequant(void)
{
	const struct tq_type	*t;
	u_char			*raw;
	float			*want, *got;
	size_t			 i, r, k, rowbytes, bad;

	CU_ASSERT_FATAL((got = calloc(TQ_VALUES, sizeof(*got))) != NULL);
	for (i = 0; i < TQ_NTYPES; i++) {
		t = &tq_types[i];
		rowbytes = quant_row_bytes(t->t_id, TQ_COLS);
		raw = tq_read(t->t_name, "raw", rowbytes * TQ_ROWS);
		want = tq_read(t->t_name, "f32", TQ_VALUES * sizeof(float));
		for (r = 0; r < TQ_ROWS; r++)
			quant_dequant_row(t->t_id, raw + r * rowbytes,
			    got + r * TQ_COLS, TQ_COLS);
		for (k = 0, bad = 0; k < TQ_VALUES; k++)
			if (tq_bits(got[k]) != tq_bits(want[k]) && bad++ == 0)
				fprintf(stderr, "%s: value %zu is 0x%08x want "
				    "0x%08x\n", t->t_name, k, tq_bits(got[k]),
				    tq_bits(want[k]));
		CU_ASSERT_EQUAL(bad, 0);
		/* The whole tensor as one row gives the same values. */
		quant_dequant_row(t->t_id, raw, got, TQ_VALUES);
		CU_ASSERT(memcmp(got, want, TQ_VALUES * sizeof(float)) == 0);
		free(raw);
		free(want);
	}
	free(got);
}

/*
 * llama-quantize --pure made the golden raw files from the F32 tensor
 * with the reference (non-imatrix) quantisers, so ours must reproduce
 * them byte for byte, K-quant scale searches included.
 */
static void
test_golden_quantize(void)
{
	const struct tq_type	*t;
	u_char			*raw, *got;
	float			*src;
	size_t			 i, r, b, rowbytes, bb, bad;

	src = tq_read("F32", "f32", TQ_VALUES * sizeof(float));
	for (i = 0; i < TQ_NTYPES; i++) {
		t = &tq_types[i];
		rowbytes = quant_row_bytes(t->t_id, TQ_COLS);
		bb = quant_block_bytes(t->t_id);
		raw = tq_read(t->t_name, "raw", rowbytes * TQ_ROWS);
		CU_ASSERT_FATAL((got = malloc(rowbytes * TQ_ROWS)) != NULL);
		memset(got, 0xa5, rowbytes * TQ_ROWS);
		for (r = 0; r < TQ_ROWS; r++)
			CU_ASSERT_EQUAL(quant_quantize_row(t->t_id,
			    src + r * TQ_COLS, got + r * rowbytes, TQ_COLS), 0);
		for (b = 0, bad = 0; b < rowbytes * TQ_ROWS / bb; b++)
			if (memcmp(got + b * bb, raw + b * bb, bb) != 0 &&
			    bad++ == 0)
				fprintf(stderr, "%s: block %zu differs\n",
				    t->t_name, b);
		CU_ASSERT_EQUAL(bad, 0);
		free(raw);
		free(got);
	}
	free(src);
}

/*
 * quant_dot and quant_matvec against a double dot of the golden
 * dequantised values, with 256-value rows and, read as 64 rows of 512,
 * with rows longer than one dequantisation chunk.
 */
static void
test_dot_matvec(void)
{
	const struct tq_type	*t;
	u_char			*raw;
	float			*want, x[2 * TQ_COLS], y[TQ_ROWS];
	size_t			 i, r, rowbytes, bad;

	for (i = 0; i < 2 * TQ_COLS; i++)
		x[i] = tq_x(i);
	for (i = 0; i < TQ_NTYPES; i++) {
		t = &tq_types[i];
		rowbytes = quant_row_bytes(t->t_id, TQ_COLS);
		raw = tq_read(t->t_name, "raw", rowbytes * TQ_ROWS);
		want = tq_read(t->t_name, "f32", TQ_VALUES * sizeof(float));
		quant_matvec(t->t_id, raw, TQ_ROWS, TQ_COLS, x, y);
		for (r = 0, bad = 0; r < TQ_ROWS; r++) {
			if (!tq_close(y[r], want + r * TQ_COLS, x, TQ_COLS))
				bad++;
			/* matvec is dot, row by row. */
			if (tq_bits(y[r]) != tq_bits(quant_dot(t->t_id,
			    raw + r * rowbytes, x, TQ_COLS)))
				bad++;
		}
		quant_matvec(t->t_id, raw, TQ_ROWS / 2, 2 * TQ_COLS, x, y);
		for (r = 0; r < TQ_ROWS / 2; r++)
			if (!tq_close(y[r], want + r * 2 * TQ_COLS, x,
			    2 * TQ_COLS))
				bad++;
		if (bad != 0)
			fprintf(stderr, "%s: %zu dot products off\n",
			    t->t_name, bad);
		CU_ASSERT_EQUAL(bad, 0);
		free(raw);
		free(want);
	}
}

/*
 * Blocks worked out by hand, for the rounding rules the golden data
 * may not reach: Q8_0 rounds halves away from zero (roundf), Q4_0
 * truncates x/d + 8.5 and clamps 16 to 15.
 */
static void
test_hand_blocks(void)
{
	static const u_char want_q8[34] = {
		0x00, 0x3c, 0x7f, 0x03, 0xff, 0x00, 0x81,
	};
	static const u_char want_q4[18] = {
		0x00, 0x3c, 0xb0, 0x8f, 0x8f, 0x88, 0x88, 0x88, 0x88, 0x88,
		0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88,
	};
	float	x[32];
	u_char	q[34];

	/* d = 127 / 127 = 1, so q = round(x). */
	memset(x, 0, sizeof(x));
	x[0] = 127.0f;
	x[1] = 2.5f;
	x[2] = -0.5f;
	x[3] = 0.49f;
	x[4] = -127.0f;
	CU_ASSERT_EQUAL(quant_quantize_row(GGUF_TYPE_Q8_0, x, q, 32), 0);
	CU_ASSERT(memcmp(q, want_q8, sizeof(want_q8)) == 0);

	/* The largest magnitude is -8, so d = 1 and level = x + 8. */
	memset(x, 0, sizeof(x));
	x[0] = -8.0f;
	x[1] = 7.0f;
	x[2] = 7.9f;
	x[3] = -0.5f;
	x[16] = 3.0f;
	CU_ASSERT_EQUAL(quant_quantize_row(GGUF_TYPE_Q4_0, x, q, 32), 0);
	CU_ASSERT(memcmp(q, want_q4, sizeof(want_q4)) == 0);
}

/* Quantise then dequantise: the error stays within the type's bound. */
static void
test_round_trip(void)
{
	const struct tq_type	*t;
	u_char			 q[2 * TQ_COLS * sizeof(float)];
	float			 src[2 * TQ_COLS], out[2 * TQ_COLS];
	float			 amax, err;
	size_t			 i, k;

	for (k = 0; k < 2 * TQ_COLS; k++)
		src[k] = tq_x(k + 1000) * (k % 64 == 5 ? 3.0f : 0.5f);
	for (i = 0; i < TQ_NTYPES; i++) {
		t = &tq_types[i];
		CU_ASSERT_FATAL(quant_row_bytes(t->t_id, 2 * TQ_COLS) <=
		    sizeof(q));
		CU_ASSERT_EQUAL(quant_quantize_row(t->t_id, src, q,
		    2 * TQ_COLS), 0);
		quant_dequant_row(t->t_id, q, out, 2 * TQ_COLS);
		amax = err = 0.0f;
		for (k = 0; k < 2 * TQ_COLS; k++) {
			amax = fmaxf(amax, fabsf(src[k]));
			err = fmaxf(err, fabsf(out[k] - src[k]));
		}
		if (!(err <= t->t_rtol * amax))
			fprintf(stderr, "%s: round trip error %g of %g\n",
			    t->t_name, err, amax);
		CU_ASSERT(err <= t->t_rtol * amax);
	}
}

/*
 * Rows that take the quantisers' special paths: all zero (every scale
 * zero), constant, one spike among zeros, and non-finite input, which
 * must not crash or trip the sanitizers.
 */
static void
test_odd_rows(void)
{
	const struct tq_type	*t;
	u_char			 q[TQ_COLS * sizeof(float)];
	float			 src[TQ_COLS], out[TQ_COLS];
	size_t			 i, k, c;

	for (c = 0; c < 5; c++) {
		for (k = 0; k < TQ_COLS; k++)
			src[k] = c == 1 ? 0.25f : c == 2 && k == 77 ? -3.0f :
			    0.0f;
		if (c == 3)
			src[10] = NAN;
		if (c == 4) {
			src[3] = INFINITY;
			src[200] = -INFINITY;
		}
		for (i = 0; i < TQ_NTYPES; i++) {
			t = &tq_types[i];
			CU_ASSERT_EQUAL(quant_quantize_row(t->t_id, src, q,
			    TQ_COLS), 0);
			quant_dequant_row(t->t_id, q, out, TQ_COLS);
			if (c >= 3)
				continue;
			for (k = 0; k < TQ_COLS; k++)
				if (fabsf(out[k] - src[k]) > 0.05f *
				    (c == 2 ? 3.0f : 0.25f))
					break;
			CU_ASSERT_EQUAL(k, TQ_COLS);
			/* Zero comes back exactly: no 0/0 on the way. */
			for (k = 0; c == 0 && k < TQ_COLS; k++)
				if (out[k] != 0.0f)
					break;
			CU_ASSERT(c != 0 || k == TQ_COLS);
		}
	}
}

static void
test_selftest(void)
{
	static const struct {
		uint32_t	 type;
		const char	*name;
	} bad[] = {
		{ GGUF_TYPE_Q2_K, "Q2_K" }, { GGUF_TYPE_Q3_K, "Q3_K" },
		{ GGUF_TYPE_Q8_1, "Q8_1" }, { GGUF_TYPE_IQ2_XXS, "IQ2_XXS" },
		{ GGUF_TYPE_IQ4_NL, "IQ4_NL" }, { GGUF_TYPE_I32, "I32" },
		{ 99, "unknown" },
	};
	char	err[QUANT_SELFTEST_ERRLEN], tiny[8];
	size_t	i;

	for (i = 0; i < TQ_NTYPES; i++) {
		memset(err, 'x', sizeof(err));
		CU_ASSERT_EQUAL(quant_selftest(tq_types[i].t_id, err,
		    sizeof(err)), 0);
		CU_ASSERT_EQUAL(err[0], '\0');
		CU_ASSERT_EQUAL(quant_selftest(tq_types[i].t_id, NULL, 0), 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(quant_selftest(bad[i].type, err, sizeof(err)),
		    PWR_ERR_INVALID_FORMAT);
		CU_ASSERT(strstr(err, bad[i].name) != NULL);
		CU_ASSERT(strstr(err, "not supported") != NULL);
	}
	/* A short buffer is cut and terminated; NULL is allowed. */
	memset(tiny, 'x', sizeof(tiny));
	CU_ASSERT_EQUAL(quant_selftest(GGUF_TYPE_Q2_K, tiny, sizeof(tiny)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(tiny[sizeof(tiny) - 1], '\0');
	CU_ASSERT_EQUAL(strncmp(tiny, "Q2_K", 4), 0);
	CU_ASSERT_EQUAL(quant_selftest(GGUF_TYPE_Q2_K, NULL, 0),
	    PWR_ERR_INVALID_FORMAT);
}

int
quant_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "unsupported types are refused everywhere",
		    test_unsupported_types },
		{ "empty, partial-block and overflowing rows are refused",
		    test_partial_blocks },
		{ "block sizes match the GGUF type table",
		    test_block_sizes },
		{ "f16: zeros, subnormals, max, inf, NaN and ties",
		    test_f16_edges },
		{ "f16: all 65536 halves are exact and round-trip",
		    test_f16_all },
		{ "bf16: zeros, subnormals, max, inf, NaN and ties",
		    test_bf16_edges },
		{ "bf16: all 65536 values round-trip, NaN made quiet",
		    test_bf16_all },
		{ "golden tensors dequantise bit-exactly for all 11 types",
		    test_golden_dequant },
		{ "quantising the F32 tensor gives llama-quantize's bytes",
		    test_golden_quantize },
		{ "dot and matvec agree with a double dot product",
		    test_dot_matvec },
		{ "hand-made Q8_0 and Q4_0 blocks round like ggml",
		    test_hand_blocks },
		{ "quantise then dequantise stays within the type's error",
		    test_round_trip },
		{ "zero, constant, spiked and non-finite rows quantise",
		    test_odd_rows },
		{ "the self-test passes for supported types only",
		    test_selftest },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("quant", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
