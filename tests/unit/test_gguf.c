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

#include <endian.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "err.h"
#include "engine/gguf.h"
#include "tests.h"

/*
 * The GGUF reader against the bundled model and against malformed files
 * built here by a tiny writer: every refusal names what was wrong, and
 * nothing crashes.
 */

struct tw {
	u_char	 d[4096];
	size_t	 n;
};

static void
tw_bytes(struct tw *w, const void *p, size_t n)
{
	CU_ASSERT_FATAL(w->n + n <= sizeof(w->d));
	memcpy(w->d + w->n, p, n);
	w->n += n;
}

static void
tw_u32(struct tw *w, uint32_t v)
{
	v = htole32(v);
	tw_bytes(w, &v, 4);
}

static void
tw_u64(struct tw *w, uint64_t v)
{
	v = htole64(v);
	tw_bytes(w, &v, 8);
}

static void
tw_str(struct tw *w, const char *s)
{
	tw_u64(w, strlen(s));
	tw_bytes(w, s, strlen(s));
}

static void
tw_header(struct tw *w, uint32_t version, uint64_t nt, uint64_t nkv)
{
	w->n = 0;
	tw_u32(w, GGUF_MAGIC);
	tw_u32(w, version);
	tw_u64(w, nt);
	tw_u64(w, nkv);
}

/* One 1-D F32 tensor info of n elements at offset. */
static void
tw_tensor(struct tw *w, const char *name, uint64_t n, uint32_t type,
    uint64_t off)
{
	tw_str(w, name);
	tw_u32(w, 1);
	tw_u64(w, n);
	tw_u32(w, type);
	tw_u64(w, off);
}

/* Pad to 32 and add data bytes. */
static void
tw_data(struct tw *w, size_t n)
{
	while (w->n % 32 != 0)
		w->d[w->n++] = 0;
	CU_ASSERT_FATAL(w->n + n <= sizeof(w->d));
	memset(w->d + w->n, 0, n);
	w->n += n;
}

static int
tw_open(struct tw *w, char *err, size_t errlen)
{
	struct gguf	*g;
	int		 r;

	err[0] = '\0';
	r = gguf_open_mem(w->d, w->n, &g, err, errlen);
	if (r == 0)
		gguf_close(g);
	return r;
}

#define REFUSED(w, what) do {						\
	char	e_[256];						\
	CU_ASSERT(tw_open((w), e_, sizeof(e_)) != 0);			\
	CU_ASSERT(strstr(e_, (what)) != NULL);				\
	if (strstr(e_, (what)) == NULL)					\
		fprintf(stderr, "\n  got \"%s\", want \"%s\"\n", e_, (what)); \
} while (0)

static void
test_truncated_anywhere(void)
{
	u_char		*buf;
	struct gguf	*g;
	char		 path[PATH_MAX], err[256];
	size_t		 len, cut;
	ssize_t		 n;
	int		 fd, refused = 0;

	snprintf(path, sizeof(path), "%s/models/stories260K.gguf",
	    tests_datadir());
	CU_ASSERT_FATAL((fd = open(path, O_RDONLY)) != -1);
	buf = malloc(2 * 1024 * 1024);
	CU_ASSERT_FATAL(buf != NULL);
	n = read(fd, buf, 2 * 1024 * 1024);
	close(fd);
	CU_ASSERT_FATAL(n > 14176);
	len = (size_t)n;
	/* Every cut through the header and the first tensor's data. */
	for (cut = 0; cut < 14176 + 64; cut++) {
		if (gguf_open_mem(buf, cut, &g, err, sizeof(err)) == 0)
			gguf_close(g);
		else
			refused++;
	}
	CU_ASSERT_EQUAL(refused, 14176 + 64);
	CU_ASSERT_EQUAL(gguf_open_mem(buf, len - 1, &g, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "past the end") != NULL);
	free(buf);
}

static void
test_bad_magic_and_versions(void)
{
	struct tw	w;

	tw_header(&w, 3, 0, 0);
	w.d[0] = 'X';
	REFUSED(&w, "bad magic");
	tw_header(&w, 1, 0, 0);
	REFUSED(&w, "version 1 not supported");
	tw_header(&w, 4, 0, 0);
	REFUSED(&w, "version 4 not supported");
}

static void
test_huge_counts(void)
{
	struct tw	w;

	tw_header(&w, 3, 0, UINT64_MAX);
	REFUSED(&w, "kv_count");
	tw_header(&w, 3, UINT64_MAX / 2, 0);
	REFUSED(&w, "tensor_count");
}

static void
test_huge_string_and_array(void)
{
	struct tw	w;

	tw_header(&w, 3, 0, 1);
	tw_u64(&w, UINT64_MAX);		/* key length */
	tw_bytes(&w, "abcdefgh", 8);
	REFUSED(&w, "kv 0: key");

	tw_header(&w, 3, 0, 1);
	tw_str(&w, "a.key");
	tw_u32(&w, GGUF_T_STRING);
	tw_u64(&w, 1ULL << 40);
	tw_bytes(&w, "x", 1);
	REFUSED(&w, "kv 0 (a.key): value");

	tw_header(&w, 3, 0, 1);
	tw_str(&w, "arr");
	tw_u32(&w, GGUF_T_ARRAY);
	tw_u32(&w, GGUF_T_UINT32);
	tw_u64(&w, UINT64_MAX / 2);
	tw_u32(&w, 1);
	REFUSED(&w, "kv 0 (arr): value");

	tw_header(&w, 3, 0, 1);
	tw_str(&w, "arr");
	tw_u32(&w, GGUF_T_ARRAY);
	tw_u32(&w, GGUF_T_STRING);
	tw_u64(&w, UINT64_MAX);
	tw_u64(&w, 0);
	REFUSED(&w, "kv 0 (arr): value");
}

static void
test_nested_arrays_bounded(void)
{
	struct tw	w;
	int		i;

	/* One level of nesting is fine. */
	tw_header(&w, 3, 0, 1);
	tw_str(&w, "nest");
	tw_u32(&w, GGUF_T_ARRAY);
	tw_u32(&w, GGUF_T_ARRAY);
	tw_u64(&w, 1);
	tw_u32(&w, GGUF_T_UINT8);
	tw_u64(&w, 2);
	tw_bytes(&w, "ab", 2);
	{
		char	e[256];

		CU_ASSERT_EQUAL(tw_open(&w, e, sizeof(e)), 0);
	}
	/* Deeper is refused. */
	tw_header(&w, 3, 0, 1);
	tw_str(&w, "deep");
	tw_u32(&w, GGUF_T_ARRAY);
	for (i = 0; i < 4; i++) {
		tw_u32(&w, GGUF_T_ARRAY);
		tw_u64(&w, 1);
	}
	tw_u32(&w, GGUF_T_UINT8);
	tw_u64(&w, 0);
	REFUSED(&w, "kv 0 (deep): value");
}

static void
test_bad_value_type(void)
{
	struct tw	w;

	tw_header(&w, 3, 0, 1);
	tw_str(&w, "k");
	tw_u32(&w, 99);
	tw_u32(&w, 0);
	REFUSED(&w, "unknown value type 99");
}

static void
test_duplicates(void)
{
	struct tw	w;

	tw_header(&w, 3, 0, 2);
	tw_str(&w, "same");
	tw_u32(&w, GGUF_T_UINT8);
	tw_bytes(&w, "a", 1);
	tw_str(&w, "same");
	tw_u32(&w, GGUF_T_UINT8);
	tw_bytes(&w, "b", 1);
	REFUSED(&w, "duplicate key same");

	tw_header(&w, 3, 2, 0);
	tw_tensor(&w, "t", 8, 0, 0);
	tw_tensor(&w, "t", 8, 0, 32);
	tw_data(&w, 64);
	REFUSED(&w, "duplicate tensor t");
}

static void
test_tensor_layout(void)
{
	struct tw	w;
	char		e[256];

	/* A valid pair, for contrast. */
	tw_header(&w, 3, 2, 0);
	tw_tensor(&w, "a", 8, 0, 0);
	tw_tensor(&w, "b", 8, 0, 32);
	tw_data(&w, 64);
	CU_ASSERT_EQUAL(tw_open(&w, e, sizeof(e)), 0);

	tw_header(&w, 3, 2, 0);
	tw_tensor(&w, "a", 16, 0, 0);		/* 64 bytes */
	tw_tensor(&w, "b", 8, 0, 32);
	tw_data(&w, 96);
	REFUSED(&w, "overlaps");

	tw_header(&w, 3, 1, 0);
	tw_tensor(&w, "a", 8, 0, 4);
	tw_data(&w, 64);
	REFUSED(&w, "not aligned");

	tw_header(&w, 3, 1, 0);
	tw_tensor(&w, "a", 8, 0, 1ULL << 62);
	tw_data(&w, 64);
	REFUSED(&w, "past the end");

	tw_header(&w, 3, 1, 0);
	tw_tensor(&w, "a", 8, 77, 0);
	tw_data(&w, 64);
	REFUSED(&w, "unknown type id 77");

	tw_header(&w, 3, 1, 0);
	tw_tensor(&w, "q", 33, 8, 0);		/* Q8_0 rows are 32s */
	tw_data(&w, 64);
	REFUSED(&w, "not a multiple");
}

static void
test_tensor_dims(void)
{
	struct tw	w;

	tw_header(&w, 3, 1, 0);
	tw_str(&w, "z");
	tw_u32(&w, 0);
	tw_data(&w, 64);
	REFUSED(&w, "n_dims 0");

	tw_header(&w, 3, 1, 0);
	tw_str(&w, "five");
	tw_u32(&w, 5);
	tw_data(&w, 64);
	REFUSED(&w, "n_dims 5");

	tw_header(&w, 3, 1, 0);
	tw_str(&w, "big");
	tw_u32(&w, 3);
	tw_u64(&w, 1ULL << 40);
	tw_u64(&w, 1ULL << 40);
	tw_u64(&w, 1ULL << 40);
	tw_u32(&w, 0);
	tw_u64(&w, 0);
	REFUSED(&w, "overflow");
}

static void
test_alignment(void)
{
	struct tw	w;

	tw_header(&w, 3, 0, 1);
	tw_str(&w, "general.alignment");
	tw_u32(&w, GGUF_T_UINT32);
	tw_u32(&w, 24);
	REFUSED(&w, "power of two");

	tw_header(&w, 3, 0, 1);
	tw_str(&w, "general.alignment");
	tw_u32(&w, GGUF_T_UINT32);
	tw_u32(&w, 0);
	REFUSED(&w, "power of two");
}

static void
test_bundled_model(void)
{
	const struct gguf_tensor	*t;
	const struct gguf_kv		*kv;
	struct gguf_str			 s;
	struct gguf			*g;
	char				 path[PATH_MAX], err[256];
	int				 fd;

	snprintf(path, sizeof(path), "%s/models/stories260K.gguf",
	    tests_datadir());
	CU_ASSERT_FATAL((fd = open(path, O_RDONLY)) != -1);
	CU_ASSERT_FATAL(gguf_open_fd(fd, &g, err, sizeof(err)) == 0);
	close(fd);
	CU_ASSERT_EQUAL(gguf_version(g), 3);
	CU_ASSERT_EQUAL(gguf_n_tensors(g), 48);
	CU_ASSERT_EQUAL(gguf_n_kv(g), 19);
	CU_ASSERT_EQUAL(gguf_alignment(g), 32);
	CU_ASSERT_EQUAL(gguf_data_offset(g), 14176);
	CU_ASSERT_STRING_EQUAL(gguf_architecture(g), "llama");
	CU_ASSERT_FATAL((kv = gguf_find_kv(g, "tokenizer.ggml.model")) != NULL);
	CU_ASSERT(gguf_kv_str(kv, &s) == 0 && s.s_len == 5 &&
	    memcmp(s.s_ptr, "llama", 5) == 0);
	CU_ASSERT_FATAL((kv = gguf_find_kv(g, "tokenizer.ggml.tokens")) !=
	    NULL);
	CU_ASSERT_EQUAL(kv->kv_arrlen, 512);
	CU_ASSERT(gguf_kv_arr_str(kv, 1, &s) == 0 && s.s_len == 3 &&
	    memcmp(s.s_ptr, "<s>", 3) == 0);
	CU_ASSERT(gguf_kv_arr_str(kv, 512, &s) != 0);
	CU_ASSERT_FATAL((t = gguf_find_tensor(g, "token_embd.weight")) != NULL);
	CU_ASSERT_EQUAL(t->t_ndims, 2);
	CU_ASSERT_EQUAL(t->t_ne[0], 64);
	CU_ASSERT_EQUAL(t->t_ne[1], 512);
	CU_ASSERT_STRING_EQUAL(gguf_type_name(t->t_type), "F32");
	CU_ASSERT_EQUAL(t->t_nbytes, 64 * 512 * 4);
	CU_ASSERT(gguf_find_tensor(g, "no.such.tensor") == NULL);
	gguf_close(g);
}

int
gguf_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("gguf", NULL, NULL)) == NULL)
		return -1;
	if (CU_add_test(s, "a file cut at any byte is refused",
	    test_truncated_anywhere) == NULL ||
	    CU_add_test(s, "bad magic, version 1 and 4 are refused",
	    test_bad_magic_and_versions) == NULL ||
	    CU_add_test(s, "counts larger than the file are refused",
	    test_huge_counts) == NULL ||
	    CU_add_test(s, "huge string and array lengths are refused",
	    test_huge_string_and_array) == NULL ||
	    CU_add_test(s, "array nesting is bounded",
	    test_nested_arrays_bounded) == NULL ||
	    CU_add_test(s, "unknown value types are refused",
	    test_bad_value_type) == NULL ||
	    CU_add_test(s, "duplicate keys and tensor names are refused",
	    test_duplicates) == NULL ||
	    CU_add_test(s, "overlapping, misaligned, out-of-file tensors and "
	    "unknown types are refused", test_tensor_layout) == NULL ||
	    CU_add_test(s, "bad dimension counts and overflowing dims are "
	    "refused", test_tensor_dims) == NULL ||
	    CU_add_test(s, "alignment must be a power of two",
	    test_alignment) == NULL ||
	    CU_add_test(s, "the bundled stories260K model reads correctly",
	    test_bundled_model) == NULL)
		return -1;
	return 0;
}
