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

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "tdx.h"

/*
 * libFuzzer target for the TDX quote parser: tdx_quote_parse() on the
 * input, then on a quote that parsed, the FMSPC lookup in its PEM chain
 * (OpenSSL parses the PEM and the certificate; we walk the extension).
 * Every borrowed pointer must lie inside the input, and the pieces must
 * add up to what the parser says it consumed.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_inside(const uint8_t *, size_t, const u_char *, size_t);

static int
fuzz_inside(const uint8_t *p, size_t len, const u_char *q, size_t qlen)
{
	uintptr_t	a = (uintptr_t)p, b = (uintptr_t)q;

	if (qlen == 0)
		return 1;
	return b >= a && qlen <= len && b - a <= len - qlen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_quote	tq;
	u_char			fmspc[TDX_FMSPC_LEN];

	if (tdx_quote_parse(data, size, &tq) != 0)
		return 0;
	if (tq.tq_quote_len + tq.tq_padding_len != size ||
	    tq.tq_signed != data || tq.tq_signed_len > tq.tq_quote_len ||
	    !fuzz_inside(data, size, tq.tq_qe_auth, tq.tq_qe_auth_len) ||
	    !fuzz_inside(data, size, tq.tq_inner, tq.tq_inner_len) ||
	    (tq.tq_version != 4 && tq.tq_version != 5))
		__builtin_trap();
	(void)tdx_quote_fmspc(&tq, fmspc);
	return 0;
}
