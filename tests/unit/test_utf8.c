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
#include <string.h>

#include <CUnit/CUnit.h>

#include "utf8.h"
#include "tests.h"

/* Strict UTF-8: the forms RFC 3629 allows, and nothing else. */

static void
test_utf8_len(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} tc[] = {
		{ "a", 1 },
		{ "\xc3\xa9", 2 },		/* é */
		{ "\xe2\x82\xac", 3 },		/* € */
		{ "\xf0\x9f\x91\x8b", 4 },	/* 👋 */
		{ "\xf4\x8f\xbf\xbf", 4 },	/* U+10FFFF */
		{ "\xc0\xaf", 0 },		/* overlong / */
		{ "\xc1\xbf", 0 },
		{ "\xe0\x9f\xbf", 0 },		/* overlong U+07FF */
		{ "\xf0\x8f\xbf\xbf", 0 },	/* overlong U+FFFF */
		{ "\xed\xa0\x80", 0 },		/* surrogate U+D800 */
		{ "\xed\xbf\xbf", 0 },		/* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", 0 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 0 },
		{ "\x80", 0 },			/* lone continuation */
		{ "\xe2\x82", 0 },		/* truncated */
		{ "\xe2\x28\xac", 0 },		/* bad continuation */
		{ "\xff", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++)
		CU_ASSERT_EQUAL(utf8_len((const u_char *)tc[i].s,
		    strlen(tc[i].s)), tc[i].len);
	CU_ASSERT_TRUE(utf8_valid("", 0));
	CU_ASSERT_TRUE(utf8_valid("Tsch\xc3\xbc\xc3\x9f \xe4\xbd\xa0", 12));
	CU_ASSERT_FALSE(utf8_valid("ok\xed\xa0\x80", 5));
	CU_ASSERT_FALSE(utf8_valid("ok\xc3", 3));
	CU_ASSERT_TRUE(utf8_valid("a\0b", 3));
}

static void
test_utf8_trim(void)
{
	static const struct {
		const char	*in, *out;
	} tc[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "ab\xc3\xa9", "ab\xc3\xa9" },
		{ "ab\xc3", "ab" },
		{ "ab\xe2\x82", "ab" },
		{ "ab\xe2", "ab" },
		{ "ab\xf0\x9f\x91", "ab" },
		{ "ab\xf0\x9f\x91\x8b", "ab\xf0\x9f\x91\x8b" },
		{ "\xd9", "" },
	};
	char	buf[16];
	size_t	i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		(void)strlcpy(buf, tc[i].in, sizeof(buf));
		utf8_trim(buf);
		CU_ASSERT_STRING_EQUAL(buf, tc[i].out);
	}
}

static void
test_utf8_encode(void)
{
	char		out[4];
	uint32_t	c;
	size_t		n;

	for (c = 0; c <= 0x10ffff; c += (c < 0x800 ? 1 : 97)) {
		n = utf8_encode(c, out);
		if (c >= 0xd800 && c <= 0xdfff) {
			CU_ASSERT_EQUAL(n, 3);
			CU_ASSERT(memcmp(out, "\xef\xbf\xbd", 3) == 0);
			continue;
		}
		CU_ASSERT_EQUAL(n, c < 0x80 ? 1 : c < 0x800 ? 2 :
		    c < 0x10000 ? 3 : 4);
		CU_ASSERT_EQUAL(utf8_len((u_char *)out, n), n);
	}
	CU_ASSERT_EQUAL(utf8_encode(0x110000, out), 3);
	CU_ASSERT(memcmp(out, "\xef\xbf\xbd", 3) == 0);
}

int
utf8_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("utf8", NULL, NULL)) == NULL ||
	    CU_add_test(s, "strict UTF-8 sequences", test_utf8_len) == NULL ||
	    CU_add_test(s, "encoding, surrogates replaced",
	    test_utf8_encode) == NULL ||
	    CU_add_test(s, "a truncated sequence is cut",
	    test_utf8_trim) == NULL)
		return -1;
	return 0;
}
