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

#include <openssl/evp.h>

#include "err.h"
#include "evidence.h"
#include "snp.h"
#include "tdx.h"

/*
 * report_data layouts and the simulated report (see evidence.h and
 * PROTOCOL "Evidence"), and one recogniser for every kind of evidence
 * the family produces.
 */

static void	evidence_sim_measurement(u_char [48]);
static int	evidence_parse_sim(const u_char *, size_t,
		    struct evidence_info *);

void
evidence_rd_api(u_char rd[EVIDENCE_REPORT_DATA_LEN],
    const u_char nonce[EVIDENCE_NONCE_LEN],
    const u_char model_sha256[EVIDENCE_SHA256_LEN])
{
	memcpy(rd, nonce, EVIDENCE_NONCE_LEN);
	memcpy(rd + EVIDENCE_NONCE_LEN, model_sha256, EVIDENCE_SHA256_LEN);
}

void
evidence_rd_ratls(u_char rd[EVIDENCE_REPORT_DATA_LEN],
    const u_char spki_sha256[EVIDENCE_SHA256_LEN])
{
	memset(rd, 0, EVIDENCE_REPORT_DATA_LEN);
	memcpy(rd, spki_sha256, EVIDENCE_SHA256_LEN);
	rd[EVIDENCE_SHA256_LEN] = EVIDENCE_RATLS_VERSION;
}

/* A fixed, recognisable value: no hardware measured anything. */
static void
evidence_sim_measurement(u_char m[48])
{
	static const char	 what[] = "power simulated measurement";
	unsigned int		 len = 48;

	if (EVP_Digest(what, sizeof(what) - 1, m, &len, EVP_sha384(),
	    NULL) != 1 || len != 48)
		memset(m, 0, 48);
}

void
evidence_sim_build(u_char out[EVIDENCE_SIM_LEN],
    const u_char rd[EVIDENCE_REPORT_DATA_LEN])
{
	memset(out, 0, EVIDENCE_SIM_LEN);
	memcpy(out, EVIDENCE_SIM_MAGIC, sizeof(EVIDENCE_SIM_MAGIC));
	out[32] = EVIDENCE_SIM_VERSION;		/* u32 little-endian */
	memcpy(out + 40, rd, EVIDENCE_REPORT_DATA_LEN);
	evidence_sim_measurement(out + 104);
}

static int
evidence_parse_sim(const u_char *p, size_t len, struct evidence_info *ei)
{
	u_char	zero[32 - sizeof(EVIDENCE_SIM_MAGIC)];

	memset(zero, 0, sizeof(zero));
	if (len != EVIDENCE_SIM_LEN ||
	    memcmp(p, EVIDENCE_SIM_MAGIC, sizeof(EVIDENCE_SIM_MAGIC)) != 0 ||
	    memcmp(p + sizeof(EVIDENCE_SIM_MAGIC), zero, sizeof(zero)) != 0 ||
	    p[32] != EVIDENCE_SIM_VERSION || p[33] != 0 || p[34] != 0 ||
	    p[35] != 0)
		return PWR_ERR_INVALID_FORMAT;
	strlcpy(ei->ei_tee, EVIDENCE_TEE_SIM, sizeof(ei->ei_tee));
	ei->ei_simulated = 1;
	memcpy(ei->ei_report_data, p + 40, EVIDENCE_REPORT_DATA_LEN);
	memcpy(ei->ei_measurement, p + 104, 48);
	ei->ei_measurement_len = 48;
	return 0;
}

int
evidence_parse(const u_char *p, size_t len, struct evidence_info *ei)
{
	struct snp_report	sr;
	struct tdx_quote	tq;

	memset(ei, 0, sizeof(*ei));
	if (p == NULL || len == 0 || len > EVIDENCE_MAX_REPORT)
		return PWR_ERR_INVALID_FORMAT;
	if (len >= sizeof(EVIDENCE_SIM_MAGIC) &&
	    memcmp(p, EVIDENCE_SIM_MAGIC, sizeof(EVIDENCE_SIM_MAGIC)) == 0)
		return evidence_parse_sim(p, len, ei);
	if (snp_report_parse(p, len, &sr) == 0) {
		strlcpy(ei->ei_tee, EVIDENCE_TEE_SNP, sizeof(ei->ei_tee));
		memcpy(ei->ei_report_data, sr.sr_report_data, 64);
		memcpy(ei->ei_measurement, sr.sr_measurement, 48);
		ei->ei_measurement_len = 48;
		return 0;
	}
	if (tdx_quote_parse(p, len, &tq) == 0) {
		strlcpy(ei->ei_tee, EVIDENCE_TEE_TDX, sizeof(ei->ei_tee));
		memcpy(ei->ei_report_data, tq.tq_report_data, 64);
		memcpy(ei->ei_measurement, tq.tq_mrtd, 48);
		ei->ei_measurement_len = 48;
		return 0;
	}
	return PWR_ERR_INVALID_FORMAT;
}
