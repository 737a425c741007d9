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

#include <string.h>

#include <CUnit/CUnit.h>

#include "hex.h"
#include "tests.h"

/* Tests for common/hex.c. */

static void	test_hex_roundtrip(void);
static void	test_hex_bad(void);

static void
test_hex_roundtrip(void)
{
	const u_char	in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	u_char		out[sizeof(in)];
	char		text[2 * sizeof(in) + 1];

	hex_encode(in, sizeof(in), text);
	CU_ASSERT_STRING_EQUAL(text, "00017f80abff");
	CU_ASSERT(hex_decode(text, out, sizeof(out)) == 0);
	CU_ASSERT(memcmp(in, out, sizeof(in)) == 0);
	CU_ASSERT(hex_decode("00017F80ABFF", out, sizeof(out)) == 0);
	CU_ASSERT(memcmp(in, out, sizeof(in)) == 0);
	hex_encode(in, 0, text);
	CU_ASSERT_STRING_EQUAL(text, "");
	CU_ASSERT(hex_decode("", out, 0) == 0);
	/* A prefix: what follows is the caller's business. */
	CU_ASSERT(hex_decode_prefix("abcd \n", out, 2) == 0);
	CU_ASSERT(out[0] == 0xab && out[1] == 0xcd);
}

static void
test_hex_bad(void)
{
	u_char	out[2] = { 0x11, 0x22 };

	CU_ASSERT(hex_decode("abc", out, 2) == -1);	/* short */
	CU_ASSERT(hex_decode("abcde", out, 2) == -1);	/* long */
	CU_ASSERT(hex_decode("abcg", out, 2) == -1);	/* not a digit */
	CU_ASSERT(hex_decode(" abc", out, 2) == -1);
	CU_ASSERT(hex_decode("0x12", out, 2) == -1);
	CU_ASSERT(hex_decode_prefix("ab", out, 2) == -1); /* NUL early */
	/* Nothing is written unless every digit is good. */
	CU_ASSERT(out[0] == 0x11 && out[1] == 0x22);
}

int
hex_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("hex", NULL, NULL)) == NULL)
		return -1;
	if (CU_add_test(s, "bytes to text and back, either case",
	    test_hex_roundtrip) == NULL ||
	    CU_add_test(s, "wrong lengths and non-digits are refused, "
	    "out untouched", test_hex_bad) == NULL)
		return -1;
	return 0;
}
