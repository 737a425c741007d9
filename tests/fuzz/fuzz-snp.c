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
#include "evidence.h"
#include "snp.h"

/*
 * libFuzzer target for the SEV-SNP parsers: the input as a report
 * (snp_report_parse), as an extended report's certificate table
 * (snp_certtable_parse) and as any evidence (evidence_parse).  Every
 * certificate must lie inside the input, after the table's header.
 */

#define FUZZ_MAX_CERTS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_report(const uint8_t *, size_t);
static void	fuzz_certtable(const uint8_t *, size_t);

static void
fuzz_report(const uint8_t *data, size_t size)
{
	struct snp_report	sr;
	struct snp_tcb		st;

	if (snp_report_parse(data, size, &sr) != 0)
		return;
	if (size != SNP_REPORT_LEN ||
	    sr.sr_version < SNP_REPORT_VERSION_MIN ||
	    sr.sr_version > SNP_REPORT_VERSION_MAX ||
	    sr.sr_signing_key > SNP_SIGNING_KEY_NONE ||
	    memcmp(sr.sr_report_data, data + 0x50, 64) != 0 ||
	    memcmp(sr.sr_sig_s, data + SNP_SIG_S_OFF, SNP_SIG_PART_LEN) != 0)
		__builtin_trap();
	snp_tcb_decode(sr.sr_reported_tcb, snp_report_product(&sr), &st);
}

static void
fuzz_certtable(const uint8_t *data, size_t size)
{
	struct snp_cert	sc[FUZZ_MAX_CERTS];
	uintptr_t	a = (uintptr_t)data, b;
	int		n, i;

	if ((n = snp_certtable_parse(data, size, sc, FUZZ_MAX_CERTS)) < 0)
		return;
	if (n > FUZZ_MAX_CERTS)
		__builtin_trap();
	for (i = 0; i < n; i++) {
		b = (uintptr_t)sc[i].sc_der;
		/* After the entries and the terminator, inside the input. */
		if (sc[i].sc_len == 0 || b < a + 24 * ((size_t)n + 1) ||
		    sc[i].sc_len > size || b - a > size - sc[i].sc_len ||
		    sc[i].sc_name[0] == '\0')
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evidence_info	ei;

	fuzz_report(data, size);
	fuzz_certtable(data, size);
	if (evidence_parse(data, size, &ei) == 0 &&
	    (ei.ei_measurement_len != 48 || ei.ei_tee[0] == '\0'))
		__builtin_trap();
	return 0;
}
