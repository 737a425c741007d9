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

#ifndef POWER_UTF8_H
#define POWER_UTF8_H

/*
 * Strict UTF-8: no overlong forms, no surrogates, nothing past
 * U+10FFFF.  Text from tokens and templates is checked with these
 * before it goes into JSON.
 */

/* The length (1-4) of the valid sequence at p, of n > 0 bytes, or 0. */
size_t	utf8_len(const u_char *p, size_t n);
/* 1 if all n bytes are valid UTF-8. */
int	utf8_valid(const void *s, size_t n);
/* Cut a sequence left incomplete at the end of s (by truncation). */
void	utf8_trim(char *s);
/* Write code point c (a surrogate becomes U+FFFD) to out[4]; its length. */
size_t	utf8_encode(uint32_t c, char *out);

#endif /* POWER_UTF8_H */
