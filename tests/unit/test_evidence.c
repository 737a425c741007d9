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
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>

#include "err.h"
#include "evidence.h"
#include "snp.h"
#include "tests.h"

/*
 * common/evidence.c: the report_data layouts, the simulated report and
 * the recogniser that tells SNP reports, TDX quotes and simulated
 * reports apart.
 */

#define TE_DIR		"tests/data/attestation/"
#define TE_MAX_BYTES	(64 * 1024)
#define te_slurp(rel, lenp)	\
	tests_slurp(TE_DIR, rel, TE_MAX_BYTES, lenp)

static void	 te_rd(u_char [EVIDENCE_REPORT_DATA_LEN]);


static void
te_rd(u_char rd[EVIDENCE_REPORT_DATA_LEN])
{
	size_t	i;

	for (i = 0; i < EVIDENCE_REPORT_DATA_LEN; i++)
		rd[i] = (u_char)(0xa0 + i);
}

static void
test_evidence_rd_layouts(void)
{
	u_char	rd[EVIDENCE_REPORT_DATA_LEN], a[32], b[32];
	size_t	i;

	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	memset(rd, 0xff, sizeof(rd));
	evidence_rd_api(rd, a, b);
	CU_ASSERT(memcmp(rd, a, 32) == 0);
	CU_ASSERT(memcmp(rd + 32, b, 32) == 0);
	memset(rd, 0xff, sizeof(rd));
	evidence_rd_ratls(rd, a);
	CU_ASSERT(memcmp(rd, a, 32) == 0);
	CU_ASSERT_EQUAL(rd[32], EVIDENCE_RATLS_VERSION);
	for (i = 33; i < EVIDENCE_REPORT_DATA_LEN; i++)
		CU_ASSERT_EQUAL(rd[i], 0);
}

static void
test_evidence_sim_round_trip(void)
{
	static const char	 what[] = "power simulated measurement";
	struct evidence_info	 ei;
	u_char			 rep[EVIDENCE_SIM_LEN], rd[64], m[48];
	unsigned int		 mlen = sizeof(m);

	te_rd(rd);
	evidence_sim_build(rep, rd);
	CU_ASSERT(memcmp(rep, EVIDENCE_SIM_MAGIC,
	    sizeof(EVIDENCE_SIM_MAGIC)) == 0);
	CU_ASSERT_EQUAL(rep[32], EVIDENCE_SIM_VERSION);
	CU_ASSERT_EQUAL_FATAL(evidence_parse(rep, sizeof(rep), &ei), 0);
	CU_ASSERT_STRING_EQUAL(ei.ei_tee, EVIDENCE_TEE_SIM);
	CU_ASSERT_TRUE(ei.ei_simulated);
	CU_ASSERT(memcmp(ei.ei_report_data, rd, 64) == 0);
	CU_ASSERT(memcmp(rep + 40, rd, 64) == 0);
	CU_ASSERT_EQUAL(ei.ei_measurement_len, 48);
	CU_ASSERT_EQUAL_FATAL(EVP_Digest(what, sizeof(what) - 1, m, &mlen,
	    EVP_sha384(), NULL), 1);
	CU_ASSERT(memcmp(ei.ei_measurement, m, 48) == 0);
	CU_ASSERT(memcmp(rep + 104, m, 48) == 0);
}

static void
test_evidence_sim_bad(void)
{
	static const size_t	 flips[] = { 0, 21, 22, 31, 32, 33, 35 };
	struct evidence_info	 ei;
	u_char			 rep[EVIDENCE_SIM_LEN + 1], rd[64];
	size_t			 i;

	te_rd(rd);
	evidence_sim_build(rep, rd);
	rep[EVIDENCE_SIM_LEN] = 0;
	CU_ASSERT_EQUAL(evidence_parse(rep, EVIDENCE_SIM_LEN - 1, &ei),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(evidence_parse(rep, EVIDENCE_SIM_LEN + 1, &ei),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_FALSE(ei.ei_simulated);
	/* The magic, its padding and the version are all checked. */
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		rep[flips[i]] ^= 0x01;
		CU_ASSERT_EQUAL(evidence_parse(rep, EVIDENCE_SIM_LEN, &ei),
		    PWR_ERR_INVALID_FORMAT);
		rep[flips[i]] ^= 0x01;
	}
	CU_ASSERT_EQUAL(evidence_parse(rep, EVIDENCE_SIM_LEN, &ei), 0);
}

static void
test_evidence_snp(void)
{
	static const char *const files[] = {
		"sev-snp/go-sev-guest/attestation.bin",
		"sev-snp/trustee/test-report.bin",
		"sev-snp/trustee/test-vlek-report.bin",
		"sev-snp/teekit/sev-gcp.bin",
		"sev-snp/teekit/sev-gcp-reportdata.bin",
		"sev-snp/teekit/sev-gcp-x25519-bound.bin",
	};
	struct evidence_info	 ei;
	u_char			*p;
	size_t			 i, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = te_slurp(files[i], &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL_FATAL(len, SNP_REPORT_LEN);
		CU_ASSERT_EQUAL(evidence_parse(p, len, &ei), 0);
		CU_ASSERT_STRING_EQUAL(ei.ei_tee, EVIDENCE_TEE_SNP);
		CU_ASSERT_FALSE(ei.ei_simulated);
		CU_ASSERT(memcmp(ei.ei_report_data, p + 0x50, 64) == 0);
		CU_ASSERT(memcmp(ei.ei_measurement, p + 0x90, 48) == 0);
		CU_ASSERT_EQUAL(ei.ei_measurement_len, 48);
		/* One byte short, or a bad version: not evidence at all. */
		CU_ASSERT_EQUAL(evidence_parse(p, len - 1, &ei),
		    PWR_ERR_INVALID_FORMAT);
		p[0] = 9;
		CU_ASSERT_EQUAL(evidence_parse(p, len, &ei),
		    PWR_ERR_INVALID_FORMAT);
		free(p);
	}
	/* The Azure HCL wrapper is not an SNP report; its middle is. */
	p = te_slurp("sev-snp/trustee/az-snp-vtpm/hcl-report.bin", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(evidence_parse(p, len, &ei), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(evidence_parse(p + 32, SNP_REPORT_LEN, &ei), 0);
	CU_ASSERT_STRING_EQUAL(ei.ei_tee, EVIDENCE_TEE_SNP);
	free(p);
}

static void
test_evidence_tdx(void)
{
	struct evidence_info	 ei;
	u_char			*p;
	size_t			 len;

	p = te_slurp("tdx/trustee/tdx_quote_4.dat", &len);
	if (p == NULL)
		return;		/* the TDX data set is another suite's */
	CU_ASSERT_EQUAL(evidence_parse(p, len, &ei), 0);
	CU_ASSERT_STRING_EQUAL(ei.ei_tee, EVIDENCE_TEE_TDX);
	CU_ASSERT_EQUAL(ei.ei_measurement_len, 48);
	free(p);
}

static void
test_evidence_junk(void)
{
	struct evidence_info	 ei;
	u_char			*big;

	CU_ASSERT_EQUAL(evidence_parse(NULL, 10, &ei), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(evidence_parse((const u_char *)"x", 0, &ei),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(evidence_parse((const u_char *)"POWER-SIMULATED",
	    15, &ei), PWR_ERR_INVALID_FORMAT);
	big = calloc(1, EVIDENCE_MAX_REPORT + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL(evidence_parse(big, SNP_REPORT_LEN, &ei),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(evidence_parse(big, EVIDENCE_MAX_REPORT + 1, &ei),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_STRING_EQUAL(ei.ei_tee, "");
	free(big);
}

int
evidence_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("evidence", NULL, NULL)) == NULL ||
	    CU_add_test(s, "report_data layouts: API and RA-TLS",
	    test_evidence_rd_layouts) == NULL ||
	    CU_add_test(s, "simulated report: build and parse round trip",
	    test_evidence_sim_round_trip) == NULL ||
	    CU_add_test(s, "simulated report: length, magic, version checked",
	    test_evidence_sim_bad) == NULL ||
	    CU_add_test(s, "SNP fixtures are recognised with their fields",
	    test_evidence_snp) == NULL ||
	    CU_add_test(s, "a TDX quote is recognised as tdx",
	    test_evidence_tdx) == NULL ||
	    CU_add_test(s, "empty, zero and oversize input is not evidence",
	    test_evidence_junk) == NULL)
		return -1;
	return 0;
}
