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
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "verify.h"

/*
 * libFuzzer target for what power-verify reads from a server: the input
 * as a /v1/attestation document (verify_attestation_json, also what the
 * RA-TLS JSON extension carries) and as raw evidence (verify_evidence).
 * Checks are recorded, never printed; the table must stay in bounds.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_opts	vo;
	struct verify		v;

	memset(&vo, 0, sizeof(vo));
	/* Inside the validity of every fixture's chain. */
	vo.vo_at = 1719792000;		/* 2024-07-01 */
	vo.vo_max_vmpl = -1;
	vo.vo_min_tcb[0] = vo.vo_min_tcb[1] = vo.vo_min_tcb[2] =
	    vo.vo_min_tcb[3] = -1;
	vo.vo_have_nonce = 1;
	memset(vo.vo_nonce, 0x5a, sizeof(vo.vo_nonce));

	verify_init(&v, &vo);
	verify_attestation_json(&v, (const char *)data, size);
	if (v.v_nchecks > VERIFY_MAX_CHECKS)
		__builtin_trap();

	verify_init(&v, &vo);
	verify_evidence(&v, data, size, NULL, 0);
	if (v.v_nchecks > VERIFY_MAX_CHECKS)
		__builtin_trap();
	return 0;
}
