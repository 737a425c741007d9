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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "err.h"
#include "tests.h"

/*
 * Unit tests for common/buf.c, the bounded buffer every wire parser
 * uses.  Error paths come first: short data, wrapping lengths, strings
 * with NULs or over the limit, writes to read-only buffers.
 */

static struct buf *test_buf_with(const void *, size_t);
static struct buf *test_buf_prefixed(uint32_t, const void *, size_t);
static int	test_all_zero(const u_char *, size_t);

/* A writable buffer holding len bytes of p. */
static struct buf *
test_buf_with(const void *p, size_t len)
{
	struct buf	*b;

	b = buf_new(0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(buf_put(b, p, len), 0);
	return b;
}

/* A u32 length prefix (possibly lying) followed by len bytes of p. */
static struct buf *
test_buf_prefixed(uint32_t prefix, const void *p, size_t len)
{
	struct buf	*b;

	b = buf_new(0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(buf_put_u32(b, prefix), 0);
	CU_ASSERT_EQUAL_FATAL(buf_put(b, p, len), 0);
	return b;
}

static int
test_all_zero(const u_char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

static void
test_short_integers(void)
{
	static const u_char	 seven[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct buf		*b;
	uint8_t			 v8 = 0xaa;
	uint16_t		 v16 = 0xaaaa;
	uint32_t		 v32 = 0xaaaaaaaa;
	uint64_t		 v64 = 0xaaaaaaaaaaaaaaaaULL;

	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_get_u8(b, &v8), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v8, 0);
	CU_ASSERT_EQUAL(buf_put_u8(b, 1), 0);
	CU_ASSERT_EQUAL(buf_get_u16(b, &v16), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v16, 0);
	CU_ASSERT_EQUAL(buf_get_u16_le(b, &v16), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_len(b), 1);
	buf_free(b);

	b = test_buf_with(seven, 3);
	CU_ASSERT_EQUAL(buf_get_u32(b, &v32), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v32, 0);
	v32 = 0xaaaaaaaa;
	CU_ASSERT_EQUAL(buf_get_u32_le(b, &v32), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v32, 0);
	CU_ASSERT_EQUAL(buf_len(b), 3);
	buf_free(b);

	b = test_buf_with(seven, sizeof(seven));
	CU_ASSERT_EQUAL(buf_get_u64(b, &v64), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v64, 0);
	v64 = 1;
	CU_ASSERT_EQUAL(buf_get_u64_le(b, &v64), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v64, 0);
	CU_ASSERT_EQUAL(buf_len(b), sizeof(seven));
	CU_ASSERT_EQUAL(memcmp(buf_ptr(b), seven, sizeof(seven)), 0);
	buf_free(b);
}

static void
test_short_get(void)
{
	static const u_char	 four[4] = { 1, 2, 3, 4 };
	struct buf		*b;
	u_char			 out[5];

	b = test_buf_with(four, sizeof(four));
	memset(out, 0xee, sizeof(out));
	CU_ASSERT_EQUAL(buf_get(b, out, 5), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_get(b, NULL, 5), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_get(b, NULL, SIZE_MAX), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(out[0], 0xee);
	CU_ASSERT_EQUAL(buf_len(b), 4);
	buf_free(b);
}

/* Length prefix cut short, or longer than what follows it. */
static void
test_short_string_data(void)
{
	static const u_char	 abc[3] = { 'a', 'b', 'c' };
	struct buf		*b;
	const u_char		*dp = abc;
	u_char			*d = (u_char *)abc;
	char			*s = (char *)abc;
	size_t			 len = 99;

	b = test_buf_with(abc, sizeof(abc));
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(buf_get_data(b, &d, &len), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(buf_get_data_direct(b, &dp, &len),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_PTR_NULL(dp);
	CU_ASSERT_EQUAL(buf_len(b), 3);
	buf_free(b);

	b = test_buf_prefixed(4, abc, sizeof(abc));
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_get_data(b, &d, &len), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_get_data_direct(b, &dp, &len),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_len(b), 7);
	buf_free(b);

	/* A prefix near UINT32_MAX must not wrap the remaining-bytes test. */
	b = test_buf_prefixed(UINT32_MAX, abc, sizeof(abc));
	CU_ASSERT_EQUAL(buf_get_data(b, &d, &len), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_get_data_direct(b, &dp, &len),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_len(b), 7);
	buf_free(b);
}

static void
test_reserve_wrap(void)
{
	struct buf	*b;
	u_char		*p = (u_char *)"x";
	size_t		 len;

	b = test_buf_with("0123456789", 10);
	len = buf_len(b);
	CU_ASSERT_EQUAL(buf_reserve(b, SIZE_MAX, &p), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_PTR_NULL(p);
	/* size + len would wrap to a small number here. */
	CU_ASSERT_EQUAL(buf_reserve(b, SIZE_MAX - len + 1, &p),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_reserve(b, SIZE_MAX - 5, &p),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_reserve(b, BUF_SIZE_MAX, &p),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_put(b, "x", SIZE_MAX), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_put_data(b, "x", SIZE_MAX),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_put_data(b, "x", SIZE_MAX - 3),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_len(b), 10);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(b), "0123456789", 10), 0);
	buf_free(b);
}

static void
test_reserve_over_max(void)
{
	struct buf	*b;
	u_char		*p;
	u_char		 fill[60];

	memset(fill, 'f', sizeof(fill));
	b = buf_new(100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(buf_put(b, fill, sizeof(fill)), 0);
	CU_ASSERT_EQUAL(buf_avail(b), 40);
	CU_ASSERT_EQUAL(buf_reserve(b, 41, &p), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_len(b), 60);
	CU_ASSERT_EQUAL(buf_reserve(b, 40, &p), 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_EQUAL(buf_len(b), 100);
	CU_ASSERT_EQUAL(buf_avail(b), 0);
	CU_ASSERT_EQUAL(buf_put_u8(b, 1), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_putf(b, "%d", 1), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_len(b), 100);
	buf_free(b);
}

static void
test_max_bounds(void)
{
	struct buf	*b;
	size_t		 n = 0;

	CU_ASSERT_PTR_NULL(buf_new(BUF_SIZE_MAX + 1));
	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_max(b), BUF_SIZE_MAX);
	CU_ASSERT_EQUAL(buf_set_max(b, BUF_SIZE_MAX + 1),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_put(b, "abcdef", 6), 0);
	CU_ASSERT_EQUAL(buf_set_max(b, 5), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_max(b), BUF_SIZE_MAX);
	CU_ASSERT_EQUAL(buf_set_max(b, 6), 0);
	CU_ASSERT_EQUAL(buf_put_u8(b, 1), PWR_ERR_NO_BUFFER_SPACE);
	buf_free(b);

	/* Byte by byte, a buffer grows to exactly its maximum. */
	b = buf_new(1000);
	while (buf_put_u8(b, (uint8_t)n) == 0)
		n++;
	CU_ASSERT_EQUAL(n, 1000);
	CU_ASSERT_EQUAL(buf_len(b), 1000);
	CU_ASSERT_EQUAL(buf_ptr(b)[999], (u_char)999);
	buf_free(b);
}

/* Consumed space at the front is reused; the maximum counts live bytes. */
static void
test_max_after_consume(void)
{
	struct buf	*b;
	u_char		*p;

	b = buf_new(16);
	CU_ASSERT_EQUAL(buf_put(b, "0123456789abcdef", 16), 0);
	CU_ASSERT_EQUAL(buf_put_u8(b, 0), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_consume(b, 12), 0);
	CU_ASSERT_EQUAL(buf_avail(b), 12);
	CU_ASSERT_EQUAL(buf_reserve(b, 8, &p), 0);
	/* The bytes compaction moved out of the way were wiped. */
	CU_ASSERT(test_all_zero(p, 8));
	CU_ASSERT_EQUAL(memcmp(buf_ptr(b), "cdef", 4), 0);
	CU_ASSERT_EQUAL(buf_reserve(b, 4, &p), 0);
	CU_ASSERT(test_all_zero(p, 4));
	CU_ASSERT_EQUAL(buf_reserve(b, 1, &p), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_len(b), 16);
	buf_free(b);
}

static void
test_consume_bounds(void)
{
	struct buf	*b;

	b = test_buf_with("abcdef", 6);
	CU_ASSERT_EQUAL(buf_consume(b, 7), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_consume(b, SIZE_MAX), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_consume_end(b, 7), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_consume_end(b, SIZE_MAX),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_len(b), 6);
	CU_ASSERT_EQUAL(buf_consume(b, 2), 0);
	CU_ASSERT_EQUAL(buf_consume_end(b, 5), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_consume_end(b, 1), 0);
	CU_ASSERT_EQUAL(buf_len(b), 3);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(b), "cde", 3), 0);
	CU_ASSERT_EQUAL(buf_consume(b, 3), 0);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	CU_ASSERT_EQUAL(buf_consume(b, 1), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_consume(b, 0), 0);
	buf_free(b);
}

static void
test_string_nul(void)
{
	struct buf	*b;
	char		*s = (char *)"x";
	size_t		 len = 1;

	b = test_buf_prefixed(5, "ab\0cd", 5);
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len), PWR_ERR_STRING_HAS_NUL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(buf_len(b), 9);
	buf_free(b);

	/* A trailing NUL counts too: the length must not include it. */
	b = test_buf_prefixed(3, "ab\0", 3);
	CU_ASSERT_EQUAL(buf_get_string(b, &s, NULL), PWR_ERR_STRING_HAS_NUL);
	CU_ASSERT_EQUAL(buf_len(b), 7);
	buf_free(b);
}

static void
test_string_too_large(void)
{
	struct buf	*b;
	char		*s = NULL, *big;
	size_t		 len;

	/* Refused on the prefix alone, before looking for the bytes. */
	b = test_buf_prefixed(BUF_STRING_MAX + 1, "abc", 3);
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len),
	    PWR_ERR_STRING_TOO_LARGE);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(buf_len(b), 7);
	buf_free(b);

	big = malloc(BUF_STRING_MAX + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'a', BUF_STRING_MAX + 1);
	big[BUF_STRING_MAX + 1] = '\0';
	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_put_string(b, big), PWR_ERR_STRING_TOO_LARGE);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	CU_ASSERT_EQUAL(buf_put_data(b, big, BUF_STRING_MAX + 1), 0);
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len),
	    PWR_ERR_STRING_TOO_LARGE);
	CU_ASSERT_EQUAL(buf_len(b), BUF_STRING_MAX + 5);
	buf_reset(b);

	/* Exactly the limit is fine. */
	big[BUF_STRING_MAX] = '\0';
	CU_ASSERT_EQUAL(buf_put_string(b, big), 0);
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len), 0);
	CU_ASSERT_EQUAL(len, BUF_STRING_MAX);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT_EQUAL(strlen(s), BUF_STRING_MAX);
	free(s);
	free(big);
	buf_free(b);
}

static void
test_read_only(void)
{
	struct buf	*b;
	uint32_t	 v;
	u_char		*p;

	CU_ASSERT_PTR_NULL(buf_from(NULL, 1));
	b = buf_from("\1\0\0\0\2", 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NULL(buf_mutable_ptr(b));
	CU_ASSERT_EQUAL(buf_avail(b), 0);
	CU_ASSERT_EQUAL(buf_put_u8(b, 1), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_putf(b, "x"), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_reserve(b, 0, &p), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_set_max(b, 100), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_putb(b, b), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_len(b), 5);
	CU_ASSERT_EQUAL(buf_get_u32_le(b, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(buf_len(b), 1);
	buf_free(b);

	b = buf_from(NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(b);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	buf_free(b);
}

static void
test_null_args(void)
{
	struct buf	*b;
	uint32_t	 v = 7;
	uint64_t	 v64 = 7;
	char		*s = (char *)"x";
	u_char		*p = (u_char *)"x";

	CU_ASSERT_EQUAL(buf_get_u32(NULL, &v), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(buf_get_u64_le(NULL, &v64), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(v64, 0);
	CU_ASSERT_EQUAL(buf_get_string(NULL, &s, NULL), PWR_ERR_INTERNAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(buf_reserve(NULL, 1, &p), PWR_ERR_INTERNAL);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(buf_put(NULL, "x", 1), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_putf(NULL, "x"), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_consume(NULL, 0), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_peek_u32(NULL, 0, &v), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_len(NULL), 0);
	CU_ASSERT_PTR_NULL(buf_ptr(NULL));
	buf_free(NULL);
	buf_reset(NULL);

	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_put(b, NULL, 1), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_put_string(b, NULL), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_putb(b, NULL), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_get_u32(b, NULL), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	buf_free(b);
}

static void
test_peek_bounds(void)
{
	struct buf	*b;
	uint32_t	 v = 1;

	b = test_buf_with("abcdefgh", 8);
	CU_ASSERT_EQUAL(buf_peek_u32(b, 5, &v), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(buf_peek_u32(b, 9, &v), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_peek_u32(b, SIZE_MAX, &v),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_peek_u32(b, SIZE_MAX - 2, &v),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(buf_peek_u32(b, 4, &v), 0);
	CU_ASSERT_EQUAL(memcmp(&v, "efgh", 4), 0);
	CU_ASSERT_EQUAL(buf_len(b), 8);
	buf_free(b);
}

static void
test_reset_wipes(void)
{
	struct buf	*b;
	u_char		*p;
	size_t		 i;

	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_put(b, "secret key material", 19), 0);
	buf_reset(b);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	CU_ASSERT_EQUAL(buf_max(b), BUF_SIZE_MAX);
	/* The same bytes are handed out again: they must read as zero. */
	CU_ASSERT_EQUAL(buf_reserve(b, 19, &p), 0);
	CU_ASSERT(test_all_zero(p, 19));
	CU_ASSERT(test_all_zero(buf_mutable_ptr(b), 19));
	buf_free(b);

	/* A large buffer shrinks back, wiped, and keeps its maximum. */
	b = buf_new(100000);
	for (i = 0; i < 5000; i++)
		CU_ASSERT_EQUAL_FATAL(buf_put(b, "0123456789", 10), 0);
	buf_reset(b);
	CU_ASSERT_EQUAL(buf_max(b), 100000);
	CU_ASSERT_EQUAL(buf_reserve(b, 200, &p), 0);
	CU_ASSERT(test_all_zero(p, 200));
	buf_free(b);
}

static void
test_int_round_trip(void)
{
	struct buf	*b;
	uint8_t		 v8;
	uint16_t	 v16;
	uint32_t	 v32;
	uint64_t	 v64;

	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_put_u8(b, 0xfe), 0);
	CU_ASSERT_EQUAL(buf_put_u16(b, 0xbeef), 0);
	CU_ASSERT_EQUAL(buf_put_u32(b, 0xdeadbeef), 0);
	CU_ASSERT_EQUAL(buf_put_u64(b, 0x0123456789abcdefULL), 0);
	CU_ASSERT_EQUAL(buf_len(b), 15);
	CU_ASSERT_EQUAL(buf_get_u8(b, &v8), 0);
	CU_ASSERT_EQUAL(v8, 0xfe);
	CU_ASSERT_EQUAL(buf_get_u16(b, &v16), 0);
	CU_ASSERT_EQUAL(v16, 0xbeef);
	CU_ASSERT_EQUAL(buf_get_u32(b, &v32), 0);
	CU_ASSERT_EQUAL(v32, 0xdeadbeef);
	CU_ASSERT_EQUAL(buf_get_u64(b, &v64), 0);
	CU_ASSERT_EQUAL(v64, 0x0123456789abcdefULL);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	buf_free(b);
}

static void
test_le_getters(void)
{
	static const u_char	 le[] = {
		0x01, 0x02,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88,
	};
	struct buf		*b;
	uint16_t		 v16;
	uint32_t		 v32;
	uint64_t		 v64;

	b = buf_from(le, sizeof(le));
	CU_ASSERT_EQUAL(buf_get_u16_le(b, &v16), 0);
	CU_ASSERT_EQUAL(v16, 0x0201);
	CU_ASSERT_EQUAL(buf_get_u32_le(b, &v32), 0);
	CU_ASSERT_EQUAL(v32, 0x04030201);
	CU_ASSERT_EQUAL(buf_get_u64_le(b, &v64), 0);
	CU_ASSERT_EQUAL(v64, 0x8807060504030201ULL);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	buf_free(b);
}

static void
test_string_data_round_trip(void)
{
	struct buf	*b;
	char		*s;
	u_char		*d;
	const u_char	*dp;
	size_t		 len;

	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_put_string(b, "hello"), 0);
	CU_ASSERT_EQUAL(buf_put_string(b, ""), 0);
	CU_ASSERT_EQUAL(buf_put_data(b, "a\0b", 3), 0);
	CU_ASSERT_EQUAL(buf_put_data(b, NULL, 0), 0);
	CU_ASSERT_EQUAL(buf_put_data(b, "xyz", 3), 0);
	CU_ASSERT_EQUAL(buf_put_string(b, "tail"), 0);

	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len), 0);
	CU_ASSERT_STRING_EQUAL(s, "hello");
	CU_ASSERT_EQUAL(len, 5);
	free(s);
	CU_ASSERT_EQUAL(buf_get_string(b, &s, &len), 0);
	CU_ASSERT_STRING_EQUAL(s, "");
	CU_ASSERT_EQUAL(len, 0);
	free(s);
	CU_ASSERT_EQUAL(buf_get_data(b, &d, &len), 0);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(d, "a\0b", 3), 0);
	free(d);
	CU_ASSERT_EQUAL(buf_get_data(b, &d, &len), 0);
	CU_ASSERT_PTR_NOT_NULL(d);
	CU_ASSERT_EQUAL(len, 0);
	free(d);
	/* Borrowed: the pointer is into the buffer itself. */
	CU_ASSERT_EQUAL(buf_get_data_direct(b, &dp, &len), 0);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(dp, "xyz", 3), 0);
	CU_ASSERT_PTR_EQUAL(dp + 3, buf_ptr(b));
	CU_ASSERT_EQUAL(buf_get_string(b, NULL, &len), 0);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(buf_len(b), 0);
	buf_free(b);
}

static void
test_putf(void)
{
	struct buf	*b;

	b = buf_new(12);
	CU_ASSERT_EQUAL(buf_putf(b, "%s=%d", "abc", 42), 0);
	CU_ASSERT_EQUAL(buf_len(b), 6);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(b), "abc=42", 6), 0);
	/* 6 + 7 > 12: refused whole, buffer unchanged. */
	CU_ASSERT_EQUAL(buf_putf(b, "%s", "1234567"), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_len(b), 6);
	/* The NUL vsnprintf writes needs room too, but is not kept. */
	CU_ASSERT_EQUAL(buf_putf(b, "%s", "12345"), 0);
	CU_ASSERT_EQUAL(buf_len(b), 11);
	CU_ASSERT_EQUAL(buf_putf(b, "%s", ""), 0);
	CU_ASSERT_EQUAL(buf_len(b), 11);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(b), "abc=4212345", 11), 0);
	buf_free(b);
}

static void
test_putb(void)
{
	struct buf	*a, *b;

	a = test_buf_with("abc", 3);
	b = buf_new(5);
	CU_ASSERT_EQUAL(buf_putb(b, a), 0);
	CU_ASSERT_EQUAL(buf_putb(b, a), PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(buf_len(b), 3);
	buf_free(b);

	/* Appending a buffer to itself, across a reallocation. */
	CU_ASSERT_EQUAL(buf_consume(a, 1), 0);
	CU_ASSERT_EQUAL(buf_putb(a, a), 0);
	CU_ASSERT_EQUAL(buf_len(a), 4);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(a), "bcbc", 4), 0);
	while (buf_len(a) < 4096)
		CU_ASSERT_EQUAL_FATAL(buf_putb(a, a), 0);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(a) + 4092, "bcbc", 4), 0);
	buf_free(a);
}

static void
test_get_skip(void)
{
	struct buf	*b;
	uint8_t		 v;

	b = test_buf_with("abcd", 4);
	CU_ASSERT_EQUAL(buf_get(b, NULL, 3), 0);
	CU_ASSERT_EQUAL(buf_get_u8(b, &v), 0);
	CU_ASSERT_EQUAL(v, 'd');
	CU_ASSERT_EQUAL(buf_get(b, NULL, 0), 0);
	buf_free(b);
}

int
buf_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "integer getters on short data fail and consume nothing",
		    test_short_integers },
		{ "get on short data fails and consumes nothing",
		    test_short_get },
		{ "string and data getters on short data consume nothing",
		    test_short_string_data },
		{ "reserve near SIZE_MAX fails without wrapping",
		    test_reserve_wrap },
		{ "reserve one byte over max fails, exactly max succeeds",
		    test_reserve_over_max },
		{ "max is enforced and can be set only above the contents",
		    test_max_bounds },
		{ "consumed space is reused within max and wiped",
		    test_max_after_consume },
		{ "consume and consume_end are bounded",
		    test_consume_bounds },
		{ "string with an embedded NUL is rejected",
		    test_string_nul },
		{ "string over BUF_STRING_MAX is rejected",
		    test_string_too_large },
		{ "read-only buffer refuses writes", test_read_only },
		{ "NULL arguments are an internal error", test_null_args },
		{ "peek_u32 past the end fails without wrapping",
		    test_peek_bounds },
		{ "reset wipes the contents", test_reset_wipes },
		{ "integers round trip in host order", test_int_round_trip },
		{ "little-endian getters ignore host order", test_le_getters },
		{ "strings and data round trip", test_string_data_round_trip },
		{ "putf formats without keeping the NUL", test_putf },
		{ "putb appends another buffer or itself", test_putb },
		{ "get with a NULL destination skips bytes", test_get_skip },
	};
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite("buf", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	}
	return 0;
}
