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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "err.h"
#include "engine/gguf.h"
#include "gguf-write.h"
#include "tests.h"

/*
 * The GGUF reader against the bundled model and against malformed files
 * built here by a small writer: each refusal names what was wrong, and
 * nothing crashes.  The bad paths come first.
 */

static int	tw_open(struct tw *, char *, size_t);
static void	tw_refused(struct tw *, const char *, int);
static void	tw_accepted(struct tw *, int);
static void	tw_all_types(struct tw *);
static u_char	*read_model(size_t *);
static int	tw_cleanup(void);

static void	test_truncated_model(void);
static void	test_truncated_synthetic(void);
static void	test_magic_and_versions(void);
static void	test_huge_counts(void);
static void	test_huge_lengths(void);
static void	test_nesting(void);
static void	test_bad_values(void);
static void	test_duplicates(void);
static void	test_tensor_dims(void);
static void	test_tensor_types(void);
static void	test_tensor_layout(void);
static void	test_alignment(void);
static void	test_open_fd_errors(void);
static void	test_messages(void);
static void	test_getters(void);
static void	test_tensors(void);
static void	test_type_table(void);
static void	test_no_tensors(void);
static void	test_bundled_model(void);

static struct tw	tw;

static int
tw_open(struct tw *w, char *err, size_t errlen)
{
	struct gguf	*g;
	int		 r;

	r = gguf_open_mem(w->w_d, w->w_n, &g, err, errlen);
	if (r == 0)
		gguf_close(g);
	else
		CU_ASSERT(g == NULL);
	return r;
}

/* The file is refused as malformed, with want in the message. */
static void
tw_refused(struct tw *w, const char *want, int line)
{
	char	err[512];
	int	r;

	r = tw_open(w, err, sizeof(err));
	CU_ASSERT_EQUAL(r, PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, want) != NULL);
	if (r != PWR_ERR_INVALID_FORMAT || strstr(err, want) == NULL)
		fprintf(stderr, "\n  line %d: got %d \"%s\", want \"%s\"\n",
		    line, r, err, want);
}

static void
tw_accepted(struct tw *w, int line)
{
	char	err[512];
	int	r;

	r = tw_open(w, err, sizeof(err));
	CU_ASSERT_EQUAL(r, 0);
	if (r != 0)
		fprintf(stderr, "\n  line %d: refused: %s\n", line, err);
}

#define REFUSED(w, want)	tw_refused((w), (want), __LINE__)
#define ACCEPTED(w)		tw_accepted((w), __LINE__)

/*
 * A file with one key of every value type, nested and string arrays,
 * and tensors of several types, ending with the last tensor's data.
 */
static void
tw_all_types(struct tw *w)
{
	static const uint64_t	 ne2[2] = { 64, 3 };
	static const char	 nulstr[] = { 'a', '\0', 'b' };
	size_t			 start;

	tw_header(w, 3, 5, 23);
	tw_key(w, "t.u8", GGUF_T_UINT8);
	tw_u8(w, 200);
	tw_key(w, "t.i8", GGUF_T_INT8);
	tw_u8(w, (uint8_t)-5);
	tw_key(w, "t.u16", GGUF_T_UINT16);
	tw_bytes(w, "\x34\x12", 2);
	tw_key(w, "t.i16", GGUF_T_INT16);
	tw_bytes(w, "\xfe\xff", 2);
	tw_kv_u32(w, "t.u32", 4000000000U);
	tw_key(w, "t.i32", GGUF_T_INT32);
	tw_u32(w, (uint32_t)-7);
	tw_key(w, "t.f32", GGUF_T_FLOAT32);
	tw_u32(w, 0x3fc00000);			/* 1.5 */
	tw_key(w, "t.bool", GGUF_T_BOOL);
	tw_u8(w, 1);
	tw_key(w, "t.str", GGUF_T_STRING);
	tw_str(w, "hello");
	tw_key(w, "t.nul", GGUF_T_STRING);
	tw_u64(w, sizeof(nulstr));
	tw_bytes(w, nulstr, sizeof(nulstr));
	tw_key(w, "t.empty", GGUF_T_STRING);
	tw_u64(w, 0);
	tw_key(w, "t.u64", GGUF_T_UINT64);
	tw_u64(w, 1ULL << 40);
	tw_key(w, "t.i64", GGUF_T_INT64);
	tw_u64(w, (uint64_t)-1);
	tw_key(w, "t.f64", GGUF_T_FLOAT64);
	tw_u64(w, 0x4004000000000000ULL);	/* 2.5 */
	tw_key(w, "t.f64big", GGUF_T_FLOAT64);
	tw_u64(w, 0x7e37e43c8800759cULL);	/* 1e300 */
	tw_key(w, "a.u32", GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_UINT32);
	tw_u64(w, 3);
	tw_u32(w, 1);
	tw_u32(w, 2);
	tw_u32(w, 0xffffffffU);
	tw_key(w, "a.i8", GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_INT8);
	tw_u64(w, 2);
	tw_u8(w, (uint8_t)-1);
	tw_u8(w, 127);
	tw_key(w, "a.f32", GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_FLOAT32);
	tw_u64(w, 2);
	tw_u32(w, 0xbf800000);			/* -1.0 */
	tw_u32(w, 0x40000000);			/* 2.0 */
	tw_key(w, "a.str", GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_STRING);
	tw_u64(w, 3);
	tw_str(w, "a");
	tw_str(w, "");
	tw_str(w, "ccc");
	tw_key(w, "a.bool", GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_BOOL);
	tw_u64(w, 2);
	tw_u8(w, 0);
	tw_u8(w, 1);
	tw_key(w, "a.nest", GGUF_T_ARRAY);	/* [[1, 2], ["x"]] */
	tw_u32(w, GGUF_T_ARRAY);
	tw_u64(w, 2);
	tw_u32(w, GGUF_T_UINT16);
	tw_u64(w, 2);
	tw_bytes(w, "\x01\x00\x02\x00", 4);
	tw_u32(w, GGUF_T_STRING);
	tw_u64(w, 1);
	tw_str(w, "x");
	tw_key(w, "a.empty", GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_STRING);
	tw_u64(w, 0);
	tw_key(w, "general.architecture", GGUF_T_STRING);
	tw_str(w, "test\x01" "arch");

	/* Tensors, not in offset order. */
	tw_tensor(w, "w.f32", 2, ne2, GGUF_TYPE_F32, 0);	/* 768 */
	tw_tensor1(w, "w.q4_0", 64, GGUF_TYPE_Q4_0, 768);	/* 36 */
	tw_tensor1(w, "w.q4_k", 512, GGUF_TYPE_Q4_K, 832);	/* 288 */
	tw_tensor1(w, "w.bf16", 3, GGUF_TYPE_BF16, 1184);	/* 6 */
	tw_tensor1(w, "w.q8_0", 32, GGUF_TYPE_Q8_0, 1120);	/* 34 */
	tw_pad(w, 32);
	start = w->w_n;
	tw_zero(w, 1190);
	/* Mark the first and last byte of w.f32 and of w.bf16. */
	w->w_d[start] = 0xa1;
	w->w_d[start + 767] = 0xa2;
	w->w_d[start + 1184] = 0xb1;
	w->w_d[start + 1189] = 0xb2;
}

static int
tw_cleanup(void)
{
	tw_free(&tw);
	return 0;
}

static u_char *
read_model(size_t *lenp)
{
	struct stat	 st;
	u_char		*p;
	char		 path[PATH_MAX];
	ssize_t		 n;
	int		 fd;

	*lenp = 0;
	snprintf(path, sizeof(path), "%s/models/stories260K.gguf",
	    tests_datadir());
	CU_ASSERT_FATAL((fd = open(path, O_RDONLY)) != -1);
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	CU_ASSERT_FATAL((p = malloc((size_t)st.st_size)) != NULL);
	n = read(fd, p, (size_t)st.st_size);
	close(fd);
	CU_ASSERT_FATAL(n == st.st_size);
	*lenp = (size_t)n;
	return p;
}

/*
 * The model's last tensor ends at the end of the file, so every cut is
 * refused: through the header, the padding, and the data.
 */
static void
test_truncated_model(void)
{
	struct gguf	*g;
	u_char		*p, *c;
	size_t		 len, cut, refused = 0, tries = 0;
	char		 err[256];

	p = read_model(&len);
	for (cut = 0; cut < 14176 + 512; cut++, tries++) {
		/* A copy of exactly cut bytes, so ASan sees any overread. */
		c = malloc(cut + 1);
		CU_ASSERT_FATAL(c != NULL);
		memcpy(c, p, cut);
		err[0] = '\0';
		if (gguf_open_mem(cut == 0 ? NULL : c, cut, &g, err,
		    sizeof(err)) == 0)
			gguf_close(g);
		else if (err[0] != '\0')
			refused++;
		free(c);
	}
	for (cut = len - 300; cut < len; cut++, tries++)
		if (gguf_open_mem(p, cut, &g, err, sizeof(err)) == 0)
			gguf_close(g);
		else
			refused++;
	CU_ASSERT_EQUAL(refused, tries);
	CU_ASSERT_EQUAL(gguf_open_mem(p, 13, &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "shorter than a GGUF header") != NULL);
	CU_ASSERT_EQUAL(gguf_open_mem(p, 100, &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "header: kv_count 19: more than the 76 bytes "
	    "left can hold") != NULL);
	CU_ASSERT_EQUAL(gguf_open_mem(p, 1000, &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "kv 0 (tokenizer.ggml.tokens): array of 512 "
	    "strings past end of file") != NULL);
	CU_ASSERT_EQUAL(gguf_open_mem(p, len - 1, &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "tensor 47 (blk.4.ffn_norm.weight): 256 bytes "
	    "at data offset 1170944 run past end of file") != NULL);
	CU_ASSERT_EQUAL(gguf_open_mem(p, len, &g, err, sizeof(err)), 0);
	gguf_close(g);
	free(p);
}

/* Every cut of a file holding every value type is refused, too. */
static void
test_truncated_synthetic(void)
{
	struct gguf	*g;
	u_char		*c;
	size_t		 cut, refused = 0;
	char		 err[256];

	tw_all_types(&tw);
	for (cut = 0; cut < tw.w_n; cut++) {
		c = malloc(cut + 1);
		CU_ASSERT_FATAL(c != NULL);
		memcpy(c, tw.w_d, cut);
		if (gguf_open_mem(c, cut, &g, err, sizeof(err)) == 0)
			gguf_close(g);
		else
			refused++;
		free(c);
	}
	CU_ASSERT_EQUAL(refused, tw.w_n);
	ACCEPTED(&tw);
}

static void
test_magic_and_versions(void)
{
	tw_header(&tw, 3, 0, 0);
	tw.w_d[3] = 'X';
	REFUSED(&tw, "header: bad magic");
	tw_header(&tw, 0, 0, 0);
	REFUSED(&tw, "GGUF version 0 is not supported");
	tw_header(&tw, 1, 0, 0);
	REFUSED(&tw, "GGUF version 1 (32-bit counts) is not supported");
	tw_header(&tw, 4, 0, 0);
	REFUSED(&tw, "GGUF version 4 is not supported (2 and 3 are)");
	tw_header(&tw, 0x03000000U, 0, 0);
	REFUSED(&tw, "big-endian");
	tw_header(&tw, 2, 0, 0);
	ACCEPTED(&tw);
	tw_header(&tw, 3, 0, 0);
	ACCEPTED(&tw);
}

static void
test_huge_counts(void)
{
	tw_header(&tw, 3, 0, UINT64_MAX);
	REFUSED(&tw, "kv_count 18446744073709551615 over the limit");
	tw_header(&tw, 3, 0, GGUF_MAX_KV + 1ULL);
	REFUSED(&tw, "over the limit of 1048576");
	tw_header(&tw, 3, 0, 3);
	tw_kv_u32(&tw, "a", 1);
	tw_kv_u32(&tw, "b", 2);
	REFUSED(&tw, "kv_count 3: more than the 34 bytes left can hold");

	tw_header(&tw, 3, UINT64_MAX / 2, 0);
	REFUSED(&tw, "tensor_count 9223372036854775807 over the limit");
	tw_header(&tw, 3, 2, 0);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 0);
	REFUSED(&tw, "tensor_count 2: more than the 33 bytes left can hold");
}

static void
test_huge_lengths(void)
{
	tw_header(&tw, 3, 0, 1);
	tw_u64(&tw, UINT64_MAX);		/* key length */
	tw_bytes(&tw, "abcdefgh", 8);
	REFUSED(&tw, "kv 0: key: length 18446744073709551615 over the "
	    "limit of 65535");

	tw_header(&tw, 3, 0, 1);
	tw_u64(&tw, 65536);
	tw_zero(&tw, 65536 + 5);
	REFUSED(&tw, "kv 0: key: length 65536 over the limit");

	tw_header(&tw, 3, 0, 1);
	tw_u64(&tw, 20);
	tw_bytes(&tw, "short", 5);
	tw_zero(&tw, 9);
	REFUSED(&tw, "kv 0: key: length 20 past end of file (14 bytes left)");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "a.key", GGUF_T_STRING);
	tw_u64(&tw, 1ULL << 40);
	tw_bytes(&tw, "x", 1);
	REFUSED(&tw, "kv 0 (a.key): string: length 1099511627776 over the "
	    "limit");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "a.key", GGUF_T_STRING);
	tw_u64(&tw, 100);
	tw_bytes(&tw, "x", 1);
	REFUSED(&tw, "kv 0 (a.key): string: length 100 past end of file");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "arr", GGUF_T_ARRAY);
	tw_u32(&tw, GGUF_T_UINT32);
	tw_u64(&tw, UINT64_MAX / 2);
	tw_u32(&tw, 1);
	REFUSED(&tw, "kv 0 (arr): 9223372036854775807 uint32 value(s) past "
	    "end of file (4 bytes left)");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "arr", GGUF_T_ARRAY);
	tw_u32(&tw, GGUF_T_UINT64);
	tw_u64(&tw, 1ULL << 61);		/* * 8 would wrap to 0 */
	REFUSED(&tw, "uint64 value(s) past end of file");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "arr", GGUF_T_ARRAY);
	tw_u32(&tw, GGUF_T_STRING);
	tw_u64(&tw, UINT64_MAX);
	tw_u64(&tw, 0);
	REFUSED(&tw, "kv 0 (arr): array of 18446744073709551615 strings past "
	    "end of file");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "arr", GGUF_T_ARRAY);
	tw_u32(&tw, GGUF_T_STRING);
	tw_u64(&tw, 2);
	tw_str(&tw, "ok");
	tw_u64(&tw, UINT64_MAX - 1);		/* second element */
	REFUSED(&tw, "kv 0 (arr): string: length 18446744073709551614 over");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "arr", GGUF_T_ARRAY);	/* [[huge]] */
	tw_u32(&tw, GGUF_T_ARRAY);
	tw_u64(&tw, 1);
	tw_u32(&tw, GGUF_T_INT16);
	tw_u64(&tw, UINT64_MAX / 2 + 1);
	REFUSED(&tw, "int16 value(s) past end of file");

	tw_header(&tw, 3, 1, 0);
	tw_u64(&tw, UINT64_MAX - 7);		/* tensor name */
	tw_zero(&tw, 40);
	REFUSED(&tw, "tensor 0: name: length 18446744073709551608 over the "
	    "limit of 65536");
}

static void
test_nesting(void)
{
	int	i, levels;

	/* levels arrays inside each other; the innermost holds 2 bytes. */
	for (levels = 1; levels <= GGUF_MAX_DEPTH + 1; levels++) {
		tw_header(&tw, 3, 0, 1);
		tw_key(&tw, "nest", GGUF_T_ARRAY);
		for (i = 1; i < levels; i++) {
			tw_u32(&tw, GGUF_T_ARRAY);
			tw_u64(&tw, 1);
		}
		tw_u32(&tw, GGUF_T_UINT8);
		tw_u64(&tw, 2);
		tw_bytes(&tw, "ab", 2);
		if (levels <= GGUF_MAX_DEPTH)
			ACCEPTED(&tw);
		else
			REFUSED(&tw, "kv 0 (nest): arrays nested more than 4 "
			    "deep");
	}

	/* Much deeper, with room to spare: still refused, no recursion. */
	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "deep", GGUF_T_ARRAY);
	for (i = 0; i < 10000; i++) {
		tw_u32(&tw, GGUF_T_ARRAY);
		tw_u64(&tw, 1);
	}
	REFUSED(&tw, "nested more than 4 deep");
}

static void
test_bad_values(void)
{
	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "k", 13);
	tw_u32(&tw, 0);
	REFUSED(&tw, "kv 0 (k): unknown value type 13");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "k", GGUF_T_ARRAY);
	tw_u32(&tw, 99);
	tw_u64(&tw, 0);
	REFUSED(&tw, "kv 0 (k): unknown array element type 99");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "k", GGUF_T_BOOL);
	tw_u8(&tw, 2);
	REFUSED(&tw, "kv 0 (k): bool value 2 is neither 0 nor 1");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "k", GGUF_T_ARRAY);
	tw_u32(&tw, GGUF_T_BOOL);
	tw_u64(&tw, 3);
	tw_bytes(&tw, "\x01\x00\xff", 3);
	REFUSED(&tw, "bool value 255 is neither 0 nor 1");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "", GGUF_T_UINT8);
	tw_u8(&tw, 0);
	tw_zero(&tw, 8);
	REFUSED(&tw, "kv 0: empty key");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "bad\nkey", GGUF_T_UINT8);
	tw_u8(&tw, 0);
	REFUSED(&tw, "kv 0: key byte 3 is 0x0a, not printable ASCII");

	tw_header(&tw, 3, 0, 1);
	tw_u64(&tw, 3);
	tw_bytes(&tw, "a\0b", 3);
	tw_u32(&tw, GGUF_T_UINT8);
	tw_u8(&tw, 0);
	REFUSED(&tw, "kv 0: key byte 1 is 0x00");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "caf\xc3\xa9", GGUF_T_UINT8);
	tw_u8(&tw, 0);
	REFUSED(&tw, "key byte 3 is 0xc3");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "k", GGUF_T_UINT64);
	tw_u32(&tw, 0);
	REFUSED(&tw, "kv 0 (k): 1 uint64 value(s) past end of file (4 bytes "
	    "left)");

	tw_header(&tw, 3, 1, 0);
	tw_str(&tw, "");
	tw_zero(&tw, 40);
	REFUSED(&tw, "tensor 0: empty name");

	tw_header(&tw, 3, 1, 0);
	tw_u64(&tw, 3);
	tw_bytes(&tw, "a\0b", 3);
	tw_zero(&tw, 40);
	REFUSED(&tw, "tensor 0 (a?b): NUL byte in the name");
}

static void
test_duplicates(void)
{
	tw_header(&tw, 3, 0, 3);
	tw_kv_u32(&tw, "same", 1);
	tw_kv_u32(&tw, "other", 2);
	tw_key(&tw, "same", GGUF_T_STRING);
	tw_str(&tw, "x");
	REFUSED(&tw, "kv 2 (same): duplicate key (also kv 0)");

	/* A prefix is not a duplicate. */
	tw_header(&tw, 3, 0, 2);
	tw_kv_u32(&tw, "same", 1);
	tw_kv_u32(&tw, "same.more", 1);
	ACCEPTED(&tw);

	tw_header(&tw, 3, 3, 0);
	tw_tensor1(&tw, "t", 8, GGUF_TYPE_F32, 0);
	tw_tensor1(&tw, "u", 8, GGUF_TYPE_F32, 32);
	tw_tensor1(&tw, "t", 8, GGUF_TYPE_F32, 64);
	tw_pad(&tw, 32);
	tw_zero(&tw, 96);
	REFUSED(&tw, "tensor 2 (t): duplicate name (also tensor 0)");
}

static void
test_tensor_dims(void)
{
	uint64_t	ne[4];

	tw_header(&tw, 3, 1, 0);
	tw_str(&tw, "z");
	tw_u32(&tw, 0);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (z): n_dims 0 not in 1-4");

	tw_header(&tw, 3, 1, 0);
	tw_str(&tw, "five");
	tw_u32(&tw, 5);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (five): n_dims 5 not in 1-4");

	tw_header(&tw, 3, 1, 0);
	tw_str(&tw, "huge");
	tw_u32(&tw, UINT32_MAX);
	tw_zero(&tw, 64);
	REFUSED(&tw, "n_dims 4294967295 not in 1-4");

	ne[0] = 32;
	ne[1] = 0;
	tw_header(&tw, 3, 1, 0);
	tw_tensor(&tw, "zero", 2, ne, GGUF_TYPE_F32, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (zero): dimension 1 is 0");

	ne[0] = 1ULL << 20;
	ne[1] = ne[2] = 1ULL << 21;
	ne[3] = 2;				/* 2^63 elements */
	tw_header(&tw, 3, 1, 0);
	tw_tensor(&tw, "big", 4, ne, GGUF_TYPE_F32, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (big): dimension 3 (2): element count "
	    "overflows");

	ne[0] = 1ULL << 32;
	ne[1] = 1ULL << 32;			/* 2^64: wraps to 0 */
	tw_header(&tw, 3, 1, 0);
	tw_tensor(&tw, "wrap", 2, ne, GGUF_TYPE_F32, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (wrap): dimension 1 (4294967296): element "
	    "count overflows");

	ne[0] = UINT64_MAX;
	tw_header(&tw, 3, 1, 0);
	tw_tensor(&tw, "neg", 1, ne, GGUF_TYPE_F32, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "dimension 0 (18446744073709551615): element count "
	    "overflows");

	tw_header(&tw, 3, 1, 0);
	tw_str(&tw, "cut");
	tw_u32(&tw, 4);
	tw_u64(&tw, 1);
	tw_u64(&tw, 1);
	tw_u64(&tw, 1);
	tw_u64(&tw, 1);
	tw_zero(&tw, 1);
	REFUSED(&tw, "tensor 0 (cut): type: truncated at offset");
}

static void
test_tensor_types(void)
{
	uint64_t	ne[2];

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 8, 77, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (a): unknown tensor type 77");

	/* Retired ids are unknown too. */
	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 32, 4, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "unknown tensor type 4");

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "q", 33, GGUF_TYPE_Q8_0, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (q): ne0 33 is not a multiple of the Q8_0 "
	    "block size 32");

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "k", 128, GGUF_TYPE_Q4_K, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 144);
	REFUSED(&tw, "ne0 128 is not a multiple of the Q4_K block size 256");

	/* 2^62 int64 elements: 2^65 bytes. */
	ne[0] = 1ULL << 31;
	ne[1] = 1ULL << 31;
	tw_header(&tw, 3, 1, 0);
	tw_tensor(&tw, "i64", 2, ne, GGUF_TYPE_I64, 0);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (i64): 4611686018427387904 I64 blocks: byte "
	    "size overflows");
}

static void
test_tensor_layout(void)
{
	/* A valid pair, for contrast. */
	tw_header(&tw, 3, 2, 0);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 0);
	tw_tensor1(&tw, "b", 8, GGUF_TYPE_F32, 32);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	ACCEPTED(&tw);

	tw_header(&tw, 3, 2, 0);
	tw_tensor1(&tw, "a", 16, GGUF_TYPE_F32, 0);	/* 64 bytes */
	tw_tensor1(&tw, "b", 8, GGUF_TYPE_F32, 32);
	tw_pad(&tw, 32);
	tw_zero(&tw, 96);
	REFUSED(&tw, "tensor 1 (b): data at offset 32 overlaps tensor 0 "
	    "(offset 0, 64 bytes)");

	tw_header(&tw, 3, 2, 0);
	tw_tensor1(&tw, "b", 8, GGUF_TYPE_F32, 64);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 64);
	tw_pad(&tw, 32);
	tw_zero(&tw, 96);
	REFUSED(&tw, "overlaps tensor");

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 4);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (a): data offset 4 is not a multiple of the "
	    "alignment 32");

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 1ULL << 62);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "tensor 0 (a): data offset 4611686018427387904 past end "
	    "of file");

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 0xffffffffffffffe0ULL);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	REFUSED(&tw, "past end of file");

	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 16, GGUF_TYPE_F32, 32);
	tw_pad(&tw, 32);
	tw_zero(&tw, 95);
	REFUSED(&tw, "tensor 0 (a): 64 bytes at data offset 32 run past end "
	    "of file");

	/* No padding after the tensor infos: no data section at all. */
	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, "a", 1, GGUF_TYPE_F32, 0);
	REFUSED(&tw, "data section: starts at offset 64, past end of file "
	    "(size 57)");
}

static void
test_alignment(void)
{
	static const uint32_t	bad[] = { 0, 1, 4, 24, 48, 0x80000001U };
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tw_header(&tw, 3, 0, 1);
		tw_kv_u32(&tw, "general.alignment", bad[i]);
		REFUSED(&tw, "general.alignment: ");
		REFUSED(&tw, "is not a power of two of 8 or more");
	}

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "general.alignment", GGUF_T_UINT64);
	tw_u64(&tw, 32);
	REFUSED(&tw, "general.alignment: type uint64, not uint32");

	tw_header(&tw, 3, 0, 1);
	tw_key(&tw, "general.alignment", GGUF_T_STRING);
	tw_str(&tw, "32");
	REFUSED(&tw, "general.alignment: type string, not uint32");

	/* 64 is honoured: a 32-aligned offset is refused, 64 is fine. */
	tw_header(&tw, 3, 1, 1);
	tw_kv_u32(&tw, "general.alignment", 64);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 32);
	tw_pad(&tw, 64);
	tw_zero(&tw, 128);
	REFUSED(&tw, "data offset 32 is not a multiple of the alignment 64");
	tw_header(&tw, 3, 1, 1);
	tw_kv_u32(&tw, "general.alignment", 64);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 64);
	tw_pad(&tw, 64);
	tw_zero(&tw, 96);
	ACCEPTED(&tw);

	/* The data section starts at the 64-byte boundary, not the 32. */
	tw_header(&tw, 3, 1, 1);
	tw_kv_u32(&tw, "general.alignment", 64);
	tw_tensor1(&tw, "a", 8, GGUF_TYPE_F32, 0);
	tw_pad(&tw, 32);
	if (tw.w_n % 64 == 0)
		tw_zero(&tw, 32);
	tw_zero(&tw, 32);
	REFUSED(&tw, "tensor 0 (a): data offset 0 past end of file (size 128, "
	    "data section at 128)");
}

static void
test_open_fd_errors(void)
{
	struct gguf	*g = (struct gguf *)1;
	char		 err[256];
	int		 fds[2];
	FILE		*f;

	CU_ASSERT_EQUAL(gguf_open_fd(-1, &g, err, sizeof(err)),
	    PWR_ERR_SYSTEM_ERROR);
	CU_ASSERT(g == NULL);
	CU_ASSERT(strstr(err, "fstat: ") != NULL);

	CU_ASSERT_FATAL(pipe(fds) == 0);
	CU_ASSERT_EQUAL(gguf_open_fd(fds[0], &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_STRING_EQUAL(err, "not a regular file");
	close(fds[0]);
	close(fds[1]);

	CU_ASSERT_FATAL((f = tmpfile()) != NULL);
	CU_ASSERT_EQUAL(gguf_open_fd(fileno(f), &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "file of 0 bytes is too short") != NULL);

	/* A malformed file is refused through the mapping too. */
	tw_header(&tw, 3, 0, 1);
	tw_kv_u32(&tw, "general.alignment", 3);
	CU_ASSERT_FATAL(fwrite(tw.w_d, 1, tw.w_n, f) == tw.w_n);
	CU_ASSERT_FATAL(fflush(f) == 0);
	CU_ASSERT_EQUAL(gguf_open_fd(fileno(f), &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(g == NULL);
	CU_ASSERT_STRING_EQUAL(err, "general.alignment: 3 is not a power of "
	    "two of 8 or more");
	CU_ASSERT_FATAL(ftruncate(fileno(f), 0) == 0);
	rewind(f);

	/* The same bytes as a file as in memory. */
	tw_all_types(&tw);
	CU_ASSERT_FATAL(fwrite(tw.w_d, 1, tw.w_n, f) == tw.w_n);
	CU_ASSERT_FATAL(fflush(f) == 0);
	CU_ASSERT_EQUAL_FATAL(gguf_open_fd(fileno(f), &g, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(gguf_n_tensors(g), 5);
	CU_ASSERT_EQUAL(gguf_file_size(g), tw.w_n);
	gguf_close(g);
	fclose(f);

	/* Bad arguments are bugs, not bad files. */
	CU_ASSERT_EQUAL(gguf_open_mem(NULL, 24, &g, err, sizeof(err)),
	    PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(gguf_open_mem(tw.w_d, tw.w_n, NULL, err, sizeof(err)),
	    PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(gguf_open_fd(0, NULL, err, sizeof(err)),
	    PWR_ERR_INTERNAL);

	/* NULL err is fine; so is a tiny one. */
	tw_header(&tw, 9, 0, 0);
	CU_ASSERT_EQUAL(gguf_open_mem(tw.w_d, tw.w_n, &g, NULL, 0),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_open_mem(tw.w_d, tw.w_n, &g, err, 5),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_STRING_EQUAL(err, "head");
	gguf_close(NULL);
}

/* A message quotes a long or unprintable name safely, cut short. */
static void
test_messages(void)
{
	char	name[200], err[512];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[5] = '\x1b';
	tw_header(&tw, 3, 1, 0);
	tw_tensor1(&tw, name, 8, GGUF_TYPE_F32, 4096);
	tw_pad(&tw, 32);
	tw_zero(&tw, 64);
	CU_ASSERT_EQUAL(tw_open(&tw, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_STRING_EQUAL(err, "tensor 0 (nnnnn?nnnnnnnnnnnnnnnnnnnnnnnnnn"
	    "nnnnnnnnnnnnnnnn...): data offset 4096 past end of file (size "
	    "320, data section at 256)");
}

static void
test_getters(void)
{
	const struct gguf_kv	*kv;
	struct gguf_str		 s;
	struct gguf		*g;
	const void		*p;
	uint64_t		 u64, n;
	uint32_t		 u32, et;
	int32_t			 i32;
	float			 f;
	char			*c, err[256];
	int			 b;

	tw_all_types(&tw);
	CU_ASSERT_FATAL(gguf_open_mem(tw.w_d, tw.w_n, &g, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(gguf_n_kv(g), 23);
	CU_ASSERT_STRING_EQUAL(gguf_architecture(g), "test?arch");

	/* Missing keys, wrong types, values that do not fit. */
	CU_ASSERT_EQUAL(gguf_find_key(g, "no.such", &et), PWR_ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(gguf_find_key(g, "t.u", NULL), PWR_ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(gguf_get_u32(g, "no.such", &u32), PWR_ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(gguf_get_u32(g, "t.str", &u32),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_u32(g, "t.f32", &u32),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_u32(g, "t.bool", &u32),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_u32(g, "t.i32", &u32), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_u32(g, "t.u64", &u32), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(u32, 0);
	CU_ASSERT_EQUAL(gguf_get_u64(g, "t.i64", &u64), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_i32(g, "t.u32", &i32), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_f32(g, "t.u32", &f), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_f32(g, "t.f64big", &f), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_bool(g, "t.u8", &b), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_str(g, "a.str", &s), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_strdup(g, "t.nul", &c),
	    PWR_ERR_STRING_HAS_NUL);
	CU_ASSERT(c == NULL);
	CU_ASSERT_EQUAL(gguf_get_arr(g, "t.u32", &et, &n),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_arr_str(g, "a.u32", 0, &s),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_arr_str(g, "a.str", 3, &s), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_arr_str(g, "a.empty", 0, &s),
	    PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_arr_u32(g, "a.u32", 3, &u32), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_arr_u32(g, "a.str", 0, &u32),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_arr_u32(g, "a.nest", 0, &u32),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_arr_u32(g, "a.i8", 0, &u32), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_arr_i32(g, "a.u32", 2, &i32), PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(gguf_get_arr_f32(g, "a.u32", 0, &f),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_arr_data(g, "a.u32", GGUF_T_INT32, &p, &n),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(gguf_get_arr_data(g, "a.str", GGUF_T_STRING, &p, &n),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(p == NULL && n == 0);

	/* Values. */
	CU_ASSERT(gguf_find_key(g, "t.f64", &et) == 0 &&
	    et == GGUF_T_FLOAT64);
	CU_ASSERT(gguf_get_u32(g, "t.u8", &u32) == 0 && u32 == 200);
	CU_ASSERT(gguf_get_i32(g, "t.i8", &i32) == 0 && i32 == -5);
	CU_ASSERT(gguf_get_u32(g, "t.u16", &u32) == 0 && u32 == 0x1234);
	CU_ASSERT(gguf_get_i32(g, "t.i16", &i32) == 0 && i32 == -2);
	CU_ASSERT(gguf_get_u32(g, "t.u32", &u32) == 0 &&
	    u32 == 4000000000U);
	CU_ASSERT(gguf_get_u64(g, "t.u32", &u64) == 0 &&
	    u64 == 4000000000U);
	CU_ASSERT(gguf_get_i32(g, "t.i32", &i32) == 0 && i32 == -7);
	CU_ASSERT(gguf_get_u64(g, "t.u64", &u64) == 0 && u64 == 1ULL << 40);
	CU_ASSERT(gguf_get_i32(g, "t.i64", &i32) == 0 && i32 == -1);
	CU_ASSERT(gguf_get_f32(g, "t.f32", &f) == 0 && f == 1.5f);
	CU_ASSERT(gguf_get_f32(g, "t.f64", &f) == 0 && f == 2.5f);
	CU_ASSERT(gguf_get_bool(g, "t.bool", &b) == 0 && b == 1);
	CU_ASSERT(gguf_get_str(g, "t.str", &s) == 0 && s.s_len == 5 &&
	    memcmp(s.s_ptr, "hello", 5) == 0);
	CU_ASSERT(gguf_get_str(g, "t.nul", &s) == 0 && s.s_len == 3 &&
	    memcmp(s.s_ptr, "a\0b", 3) == 0);
	CU_ASSERT(gguf_get_str(g, "t.empty", &s) == 0 && s.s_len == 0 &&
	    s.s_ptr != NULL);
	CU_ASSERT_FATAL(gguf_get_strdup(g, "t.str", &c) == 0);
	CU_ASSERT_STRING_EQUAL(c, "hello");
	free(c);
	CU_ASSERT_FATAL(gguf_get_strdup(g, "t.empty", &c) == 0);
	CU_ASSERT_STRING_EQUAL(c, "");
	free(c);

	/* Arrays. */
	CU_ASSERT(gguf_get_arr(g, "a.u32", &et, &n) == 0 &&
	    et == GGUF_T_UINT32 && n == 3);
	CU_ASSERT(gguf_get_arr_u32(g, "a.u32", 2, &u32) == 0 &&
	    u32 == 0xffffffffU);
	CU_ASSERT(gguf_get_arr_i32(g, "a.u32", 1, &i32) == 0 && i32 == 2);
	CU_ASSERT(gguf_get_arr_i32(g, "a.i8", 0, &i32) == 0 && i32 == -1);
	CU_ASSERT(gguf_get_arr_i32(g, "a.i8", 1, &i32) == 0 && i32 == 127);
	CU_ASSERT(gguf_get_arr_f32(g, "a.f32", 0, &f) == 0 && f == -1.0f);
	CU_ASSERT(gguf_get_arr_f32(g, "a.f32", 1, &f) == 0 && f == 2.0f);
	CU_ASSERT(gguf_get_arr_data(g, "a.bool", GGUF_T_BOOL, &p, &n) == 0 &&
	    n == 2 && memcmp(p, "\0\1", 2) == 0);
	CU_ASSERT(gguf_get_arr_data(g, "a.u32", GGUF_T_UINT32, &p, &n) == 0 &&
	    n == 3 && memcmp(p, "\1\0\0\0\2\0\0\0\377\377\377\377", 12) == 0);
	CU_ASSERT(gguf_get_arr(g, "a.str", &et, &n) == 0 &&
	    et == GGUF_T_STRING && n == 3);
	CU_ASSERT(gguf_get_arr_str(g, "a.str", 0, &s) == 0 &&
	    s.s_len == 1 && s.s_ptr[0] == 'a');
	CU_ASSERT(gguf_get_arr_str(g, "a.str", 1, &s) == 0 && s.s_len == 0);
	CU_ASSERT(gguf_get_arr_str(g, "a.str", 2, &s) == 0 &&
	    s.s_len == 3 && memcmp(s.s_ptr, "ccc", 3) == 0);
	CU_ASSERT_FATAL(gguf_strdup(&s, &c) == 0);
	CU_ASSERT_STRING_EQUAL(c, "ccc");
	free(c);
	CU_ASSERT(gguf_get_arr(g, "a.nest", &et, &n) == 0 &&
	    et == GGUF_T_ARRAY && n == 2);
	CU_ASSERT(gguf_get_arr(g, "a.empty", &et, &n) == 0 &&
	    et == GGUF_T_STRING && n == 0);

	/* Iteration in file order, and what it shows. */
	CU_ASSERT_FATAL((kv = gguf_kv_at(g, 0)) != NULL);
	CU_ASSERT(kv->kv_key.s_len == 4 &&
	    memcmp(kv->kv_key.s_ptr, "t.u8", 4) == 0);
	CU_ASSERT(kv->kv_type == GGUF_T_UINT8 && kv->kv_len == 1);
	CU_ASSERT_FATAL((kv = gguf_kv_at(g, 18)) != NULL);
	CU_ASSERT(kv->kv_type == GGUF_T_ARRAY &&
	    kv->kv_arrtype == GGUF_T_STRING && kv->kv_arrlen == 3 &&
	    kv->kv_len == 12 + 9 + 8 + 11);
	CU_ASSERT(gguf_kv_at(g, 23) == NULL);
	CU_ASSERT(gguf_kv_at(g, UINT64_MAX) == NULL);
	gguf_close(g);
}

static void
test_tensors(void)
{
	const struct gguf_tensor	*t;
	struct gguf			*g;
	const u_char			*data;
	uint64_t			 i;
	char				 err[256], *c;

	tw_all_types(&tw);
	CU_ASSERT_FATAL(gguf_open_mem(tw.w_d, tw.w_n, &g, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(gguf_n_tensors(g), 5);
	CU_ASSERT_EQUAL(gguf_data_offset(g) % 32, 0);
	CU_ASSERT_EQUAL(gguf_data_offset(g) + 1190, tw.w_n);
	data = tw.w_d + gguf_data_offset(g);

	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "w.f32")) != NULL);
	CU_ASSERT(t == gguf_tensor_at(g, 0));
	CU_ASSERT(t->t_ndims == 2 && t->t_ne[0] == 64 && t->t_ne[1] == 3 &&
	    t->t_ne[2] == 1 && t->t_ne[3] == 1 && t->t_nelem == 192);
	CU_ASSERT(t->t_type == GGUF_TYPE_F32 && t->t_nbytes == 768);
	CU_ASSERT(t->t_data == data && t->t_data[0] == 0xa1 &&
	    t->t_data[767] == 0xa2);
	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "w.q4_0")) != NULL);
	CU_ASSERT(t->t_nbytes == 2 * 18 && t->t_data == data + 768);
	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "w.q4_k")) != NULL);
	CU_ASSERT(t->t_nbytes == 2 * 144 && t->t_offset == 832);
	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "w.q8_0")) != NULL);
	CU_ASSERT(t->t_nbytes == 34 && t->t_data == data + 1120);
	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "w.bf16")) != NULL);
	CU_ASSERT(t == gguf_tensor_at(g, 3));
	CU_ASSERT(t->t_nbytes == 6 && t->t_data[0] == 0xb1 &&
	    t->t_data[5] == 0xb2);
	CU_ASSERT_FATAL(gguf_strdup(&t->t_name, &c) == 0);
	CU_ASSERT_STRING_EQUAL(c, "w.bf16");
	free(c);

	CU_ASSERT(gguf_find_tensor(g, "w") == NULL);
	CU_ASSERT(gguf_find_tensor(g, "w.f32x") == NULL);
	CU_ASSERT(gguf_find_tensor(g, "") == NULL);
	for (i = 0; (t = gguf_tensor_at(g, i)) != NULL; i++)
		CU_ASSERT(t->t_data + t->t_nbytes <= tw.w_d + tw.w_n);
	CU_ASSERT_EQUAL(i, 5);
	gguf_close(g);
}

/* The block sizes every reader must agree on (ggml's block layouts). */
static void
test_type_table(void)
{
	static const struct {
		uint32_t	 id;
		const char	*name;
		uint32_t	 blck, bytes;
	} want[] = {
		{ 0, "F32", 1, 4 },	{ 1, "F16", 1, 2 },
		{ 2, "Q4_0", 32, 18 },	{ 3, "Q4_1", 32, 20 },
		{ 6, "Q5_0", 32, 22 },	{ 7, "Q5_1", 32, 24 },
		{ 8, "Q8_0", 32, 34 },	{ 9, "Q8_1", 32, 36 },
		{ 10, "Q2_K", 256, 84 }, { 11, "Q3_K", 256, 110 },
		{ 12, "Q4_K", 256, 144 }, { 13, "Q5_K", 256, 176 },
		{ 14, "Q6_K", 256, 210 }, { 15, "Q8_K", 256, 292 },
		{ 30, "BF16", 1, 2 },
	};
	uint32_t	blck, bytes, id;
	size_t		i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CU_ASSERT(gguf_type_size(want[i].id, &blck, &bytes) == 0);
		CU_ASSERT(blck == want[i].blck && bytes == want[i].bytes);
		CU_ASSERT(gguf_type_name(want[i].id) != NULL &&
		    strcmp(gguf_type_name(want[i].id), want[i].name) == 0);
	}
	for (id = 4; id <= 5; id++) {
		CU_ASSERT(gguf_type_name(id) == NULL);
		CU_ASSERT(gguf_type_size(id, &blck, &bytes) ==
		    PWR_ERR_NOT_FOUND);
	}
	CU_ASSERT(gguf_type_name(40) == NULL);
	CU_ASSERT(gguf_type_name(UINT32_MAX) == NULL);
	CU_ASSERT_STRING_EQUAL(gguf_vtype_name(GGUF_T_UINT32), "uint32");
	CU_ASSERT_STRING_EQUAL(gguf_vtype_name(GGUF_T_FLOAT64), "float64");
	CU_ASSERT(gguf_vtype_name(GGUF_T__MAX) == NULL);
}

/* A vocabulary-only file may end without padding. */
static void
test_no_tensors(void)
{
	struct gguf	*g;
	char		 err[256];

	tw_header(&tw, 2, 0, 1);
	tw_key(&tw, "k", GGUF_T_UINT8);
	tw_u8(&tw, 1);
	CU_ASSERT_FATAL(gguf_open_mem(tw.w_d, tw.w_n, &g, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(gguf_version(g), 2);
	CU_ASSERT_EQUAL(gguf_n_tensors(g), 0);
	CU_ASSERT_EQUAL(gguf_data_offset(g), tw.w_n);
	CU_ASSERT_STRING_EQUAL(gguf_architecture(g), "unknown");
	CU_ASSERT(gguf_tensor_at(g, 0) == NULL);
	CU_ASSERT(gguf_find_tensor(g, "k") == NULL);
	gguf_close(g);

	tw_header(&tw, 3, 0, 0);
	CU_ASSERT_FATAL(gguf_open_mem(tw.w_d, tw.w_n, &g, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(gguf_n_kv(g), 0);
	CU_ASSERT(gguf_kv_at(g, 0) == NULL);
	CU_ASSERT_EQUAL(gguf_find_key(g, "k", NULL), PWR_ERR_NOT_FOUND);
	gguf_close(g);
}

static void
test_bundled_model(void)
{
	const struct gguf_tensor	*t;
	struct gguf_str			 s;
	struct gguf			*g;
	uint64_t			 n, i;
	uint32_t			 et, u;
	int32_t				 i32;
	float				 f;
	char				 path[PATH_MAX], err[256], *c;
	int				 fd;

	snprintf(path, sizeof(path), "%s/models/stories260K.gguf",
	    tests_datadir());
	CU_ASSERT_FATAL((fd = open(path, O_RDONLY)) != -1);
	CU_ASSERT_EQUAL_FATAL(gguf_open_fd(fd, &g, err, sizeof(err)), 0);
	close(fd);
	CU_ASSERT_EQUAL(gguf_version(g), 3);
	CU_ASSERT_EQUAL(gguf_n_tensors(g), 48);
	CU_ASSERT_EQUAL(gguf_n_kv(g), 19);
	CU_ASSERT_EQUAL(gguf_alignment(g), 32);
	CU_ASSERT_EQUAL(gguf_file_size(g), 1185376);
	CU_ASSERT_EQUAL(gguf_data_offset(g), 14176);
	CU_ASSERT_STRING_EQUAL(gguf_architecture(g), "llama");

	CU_ASSERT_FATAL(gguf_get_strdup(g, "general.architecture", &c) == 0);
	CU_ASSERT_STRING_EQUAL(c, "llama");
	free(c);
	CU_ASSERT(gguf_get_str(g, "tokenizer.ggml.model", &s) == 0 &&
	    s.s_len == 5 && memcmp(s.s_ptr, "llama", 5) == 0);
	CU_ASSERT(gguf_get_u32(g, "llama.block_count", &u) == 0 && u == 5);
	CU_ASSERT(gguf_get_u32(g, "llama.embedding_length", &u) == 0 &&
	    u == 64);
	CU_ASSERT(gguf_get_u32(g, "llama.attention.head_count_kv", &u) == 0 &&
	    u == 4);
	CU_ASSERT(gguf_get_f32(g, "llama.attention.layer_norm_rms_epsilon",
	    &f) == 0 && f > 0.9e-5f && f < 1.1e-5f);
	CU_ASSERT(gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &u) == 0 &&
	    u == 1);

	CU_ASSERT(gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &n) == 0);
	CU_ASSERT(et == GGUF_T_STRING && n == 512);
	CU_ASSERT(gguf_get_arr_str(g, "tokenizer.ggml.tokens", 0, &s) == 0 &&
	    s.s_len == 5 && memcmp(s.s_ptr, "<unk>", 5) == 0);
	CU_ASSERT(gguf_get_arr_str(g, "tokenizer.ggml.tokens", 1, &s) == 0 &&
	    s.s_len == 3 && memcmp(s.s_ptr, "<s>", 3) == 0);
	CU_ASSERT(gguf_get_arr_str(g, "tokenizer.ggml.tokens", 3, &s) == 0 &&
	    s.s_len == 6 && memcmp(s.s_ptr, "<0x00>", 6) == 0);
	CU_ASSERT(gguf_get_arr_str(g, "tokenizer.ggml.tokens", 511, &s) == 0);
	CU_ASSERT(gguf_get_arr_str(g, "tokenizer.ggml.tokens", 512, &s) ==
	    PWR_ERR_RANGE);
	CU_ASSERT(gguf_get_arr(g, "tokenizer.ggml.scores", &et, &n) == 0 &&
	    et == GGUF_T_FLOAT32 && n == 512);
	CU_ASSERT(gguf_get_arr_f32(g, "tokenizer.ggml.scores", 0, &f) == 0);
	CU_ASSERT(gguf_get_arr_i32(g, "tokenizer.ggml.token_type", 1,
	    &i32) == 0 && i32 == 3);

	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "token_embd.weight")) != NULL);
	CU_ASSERT(t == gguf_tensor_at(g, 0));
	CU_ASSERT_EQUAL(t->t_ndims, 2);
	CU_ASSERT_EQUAL(t->t_ne[0], 64);
	CU_ASSERT_EQUAL(t->t_ne[1], 512);
	CU_ASSERT_EQUAL(t->t_type, GGUF_TYPE_F32);
	CU_ASSERT_STRING_EQUAL(gguf_type_name(t->t_type), "F32");
	CU_ASSERT_EQUAL(t->t_nbytes, 64 * 512 * 4);
	CU_ASSERT_EQUAL(t->t_offset, 0);
	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "blk.4.ffn_norm.weight")) !=
	    NULL);
	CU_ASSERT(t->t_ndims == 1 && t->t_ne[0] == 64);
	CU_ASSERT_EQUAL(gguf_data_offset(g) + t->t_offset + t->t_nbytes,
	    gguf_file_size(g));
	CU_ASSERT(gguf_find_tensor(g, "no.such.tensor") == NULL);

	/* Every tensor is found by its own name. */
	for (i = 0; (t = gguf_tensor_at(g, i)) != NULL; i++) {
		CU_ASSERT_FATAL(gguf_strdup(&t->t_name, &c) == 0);
		CU_ASSERT(gguf_find_tensor(g, c) == t);
		free(c);
	}
	CU_ASSERT_EQUAL(i, 48);
	gguf_close(g);
}

int
gguf_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "the model cut at any byte is refused",
		    test_truncated_model },
		{ "a file of every value type cut at any byte is refused",
		    test_truncated_synthetic },
		{ "bad magic, versions 0, 1, 4 and big-endian are refused",
		    test_magic_and_versions },
		{ "counts larger than the file or the limits are refused",
		    test_huge_counts },
		{ "huge key, string, array and name lengths are refused",
		    test_huge_lengths },
		{ "arrays nest at most 4 deep", test_nesting },
		{ "unknown types, bad bools, bad keys and names are refused",
		    test_bad_values },
		{ "duplicate keys and tensor names are refused",
		    test_duplicates },
		{ "n_dims 0 and 5, zero and overflowing dims are refused",
		    test_tensor_dims },
		{ "unknown tensor types, partial blocks, byte overflow are "
		    "refused", test_tensor_types },
		{ "tensors past the end, misaligned or overlapping are "
		    "refused", test_tensor_layout },
		{ "alignment must be a uint32 power of two, 8 or more",
		    test_alignment },
		{ "gguf_open_fd refuses bad fds, pipes and empty files",
		    test_open_fd_errors },
		{ "messages quote names safely and cut them short",
		    test_messages },
		{ "typed getters convert, range-check and refuse types",
		    test_getters },
		{ "tensors are found by name and index with their data",
		    test_tensors },
		{ "ggml type ids, names and block sizes", test_type_table },
		{ "a file without tensors may end unpadded",
		    test_no_tensors },
		{ "the bundled stories260K model reads correctly",
		    test_bundled_model },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("gguf", NULL, tw_cleanup)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
