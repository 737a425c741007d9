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


#ifndef POWER_HEX_H
#define POWER_HEX_H

/* Hexadecimal text of binary values: digests, nonces, keys, ids. */

/* len bytes as 2 * len lower-case digits and a NUL: out holds 2*len+1. */
void	hex_encode(const u_char *, size_t len, char *out);
/* Exactly 2 * len digits (either case) and nothing else; 0 or -1. */
int	hex_decode(const char *, u_char *out, size_t len);
/* The first 2 * len characters, which must all be digits; 0 or -1. */
int	hex_decode_prefix(const char *, u_char *out, size_t len);

#endif /* POWER_HEX_H */
