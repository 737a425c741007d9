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

#include "hex.h"

/*
 * Hexadecimal text.  Decoding never writes a byte of out unless every
 * digit is good, so a caller can decode straight into a key buffer.
 */

static int	hex_digit(char);

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
hex_encode(const u_char *p, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

int
hex_decode_prefix(const char *s, u_char *out, size_t len)
{
	size_t	i;

	for (i = 0; i < 2 * len; i++)
		if (hex_digit(s[i]) < 0)	/* stops at the NUL too */
			return -1;
	for (i = 0; i < len; i++)
		out[i] = (u_char)(hex_digit(s[2 * i]) << 4 |
		    hex_digit(s[2 * i + 1]));
	return 0;
}

int
hex_decode(const char *s, u_char *out, size_t len)
{
	if (strnlen(s, 2 * len + 1) != 2 * len)
		return -1;
	return hex_decode_prefix(s, out, len);
}
