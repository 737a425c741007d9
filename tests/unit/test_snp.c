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
#include <jansson.h>

#include "err.h"
#include "snp.h"
#include "tests.h"

/*
 * The SEV-SNP report parser on every real report in tests/data (fields
 * from tests/data/attestation/PROVENANCE.md), its bad paths, and the
 * certificate table of an extended report.
 */

#define TS_DIR		"tests/data/attestation/sev-snp/"
#define TS_MAX_BYTES	(64 * 1024)
#define ts_slurp(rel, lenp)	\
	tests_slurp(TS_DIR, rel, TS_MAX_BYTES, lenp)

enum ts_enc {
	TS_RAW,
	TS_HEX,		/* hex text */
	TS_HCL,		/* Azure HCL report: bytes [32, 1216) */
	TS_JSON_HCL,	/* the same as a JSON byte array in .report */
};

static u_char	*ts_load(const char *, enum ts_enc);
static void	 ts_put_le(u_char *, size_t, uint64_t);
static int	 ts_parses(const u_char *);
static size_t	 ts_table(u_char *, size_t, const u_char (*)[16],
		    const uint32_t *, const uint32_t *, size_t);

static const struct {
	const char	*path;
	enum ts_enc	 enc;
	uint32_t	 version;
	uint32_t	 vmpl;
	int		 key;		/* SNP_SIGNING_KEY_* */
	uint8_t		 tcb[4];	/* reported bl tee snp ucode */
	enum snp_product product;	/* from CPUID */
	uint8_t		 rd0;		/* report_data[0] */
} ts_fixtures[] = {
	{ "go-sev-guest/attestation.bin", TS_RAW, 2, 0, 0, { 2, 0, 5, 68 },
	    SNP_PRODUCT_UNKNOWN, 0x01 },
	{ "virtee-sev/report_milan.hex", TS_HEX, 2, 0, 0, { 3, 0, 8, 115 },
	    SNP_PRODUCT_UNKNOWN, 0xd4 },
	{ "trustee/test-report.bin", TS_RAW, 2, 0, 0, { 3, 0, 8, 115 },
	    SNP_PRODUCT_UNKNOWN, 0xec },
	{ "trustee/test-vlek-report.bin", TS_RAW, 3, 1, 1,
	    { 4, 0, 24, 217 }, SNP_PRODUCT_MILAN, 0x81 },
	{ "trustee/az-snp-vtpm/hcl-report.bin", TS_HCL, 2, 0, 0,
	    { 3, 0, 8, 115 }, SNP_PRODUCT_UNKNOWN, 0xb3 },
	{ "trustee/az-snp-vtpm/evidence-genoa.json", TS_JSON_HCL, 3, 0, 0,
	    { 10, 0, 23, 84 }, SNP_PRODUCT_GENOA, 0xb5 },
	{ "teekit/sev-gcp.bin", TS_RAW, 5, 0, 0, { 4, 0, 27, 222 },
	    SNP_PRODUCT_MILAN, 0x00 },
	{ "teekit/sev-gcp-reportdata.bin", TS_RAW, 5, 1, 0,
	    { 4, 0, 27, 222 }, SNP_PRODUCT_MILAN, 0x32 },
	{ "teekit/sev-gcp-x25519-bound.bin", TS_RAW, 5, 1, 0,
	    { 4, 0, 27, 222 }, SNP_PRODUCT_MILAN, -1 },
};


/* The SNP_REPORT_LEN bytes of a report, whatever the file wraps it in. */
static u_char *
ts_load(const char *rel, enum ts_enc enc)
{
	json_t		*doc, *arr;
	u_char		*in, *out;
	size_t		 len, i;
	unsigned int	 byte;

	if ((in = ts_slurp(rel, &len)) == NULL ||
	    (out = calloc(1, SNP_REPORT_LEN)) == NULL) {
		free(in);
		return NULL;
	}
	switch (enc) {
	case TS_RAW:
		if (len == SNP_REPORT_LEN)
			memcpy(out, in, len);
		break;
	case TS_HEX:
		for (i = 0; i < SNP_REPORT_LEN && 2 * i + 1 < len; i++)
			if (sscanf((char *)in + 2 * i, "%2x", &byte) == 1)
				out[i] = (u_char)byte;
		break;
	case TS_HCL:
		if (len >= 32 + SNP_REPORT_LEN)
			memcpy(out, in + 32, SNP_REPORT_LEN);
		break;
	case TS_JSON_HCL:
		if ((doc = json_loadb((char *)in, len, 0, NULL)) == NULL)
			break;
		arr = json_object_get(doc, "report");
		for (i = 0; i < SNP_REPORT_LEN &&
		    32 + i < json_array_size(arr); i++)
			out[i] = (u_char)json_integer_value(
			    json_array_get(arr, 32 + i));
		json_decref(doc);
		break;
	}
	free(in);
	return out;
}

static void
ts_put_le(u_char *p, size_t n, uint64_t v)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (u_char)(v >> (8 * i));
}

static int
ts_parses(const u_char *p)
{
	struct snp_report	sr;

	return snp_report_parse(p, SNP_REPORT_LEN, &sr) == 0;
}

static void
test_snp_fixtures(void)
{
	struct snp_report	 sr;
	struct snp_tcb		 st;
	u_char			*p;
	size_t			 i;

	for (i = 0; i < sizeof(ts_fixtures) / sizeof(ts_fixtures[0]); i++) {
		p = ts_load(ts_fixtures[i].path, ts_fixtures[i].enc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(snp_report_parse(p, SNP_REPORT_LEN, &sr), 0);
		CU_ASSERT_EQUAL(sr.sr_version, ts_fixtures[i].version);
		CU_ASSERT_EQUAL(sr.sr_vmpl, ts_fixtures[i].vmpl);
		CU_ASSERT_EQUAL(sr.sr_signing_key, ts_fixtures[i].key);
		CU_ASSERT_EQUAL(sr.sr_sig_algo, SNP_SIG_ALGO_ECDSA_P384);
		CU_ASSERT_EQUAL(snp_report_product(&sr),
		    ts_fixtures[i].product);
		snp_tcb_decode(sr.sr_reported_tcb, SNP_PRODUCT_MILAN, &st);
		CU_ASSERT_EQUAL(st.st_bl, ts_fixtures[i].tcb[0]);
		CU_ASSERT_EQUAL(st.st_tee, ts_fixtures[i].tcb[1]);
		CU_ASSERT_EQUAL(st.st_snp, ts_fixtures[i].tcb[2]);
		CU_ASSERT_EQUAL(st.st_ucode, ts_fixtures[i].tcb[3]);
		/* The fields land where the ABI puts them. */
		CU_ASSERT(memcmp(sr.sr_report_data, p + 0x50, 64) == 0);
		CU_ASSERT(memcmp(sr.sr_measurement, p + 0x90, 48) == 0);
		CU_ASSERT(memcmp(sr.sr_chip_id, p + 0x1a0, 64) == 0);
		CU_ASSERT(memcmp(sr.sr_sig_r, p + SNP_SIG_R_OFF, 72) == 0);
		CU_ASSERT(memcmp(sr.sr_sig_s, p + SNP_SIG_S_OFF, 72) == 0);
		CU_ASSERT_EQUAL((sr.sr_policy & SNP_POLICY_DEBUG) != 0,
		    i == 0);	/* only go-sev-guest's guest allows debug */
		if (ts_fixtures[i].rd0 != (uint8_t)-1)
			CU_ASSERT_EQUAL(sr.sr_report_data[0],
			    ts_fixtures[i].rd0);
		free(p);
	}
}

static void
test_snp_fields(void)
{
	struct snp_report	 sr;
	u_char			*p;

	p = ts_load("teekit/sev-gcp.bin", TS_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(snp_report_parse(p, SNP_REPORT_LEN, &sr), 0);
	CU_ASSERT_EQUAL(sr.sr_policy, 0x30000);
	CU_ASSERT_EQUAL(sr.sr_cpuid_fam, 0x19);
	CU_ASSERT_EQUAL(sr.sr_cpuid_mod, 0x01);
	CU_ASSERT_EQUAL(sr.sr_cpuid_step, 0x01);
	CU_ASSERT_EQUAL(sr.sr_current_major, 1);
	CU_ASSERT_EQUAL(sr.sr_current_minor, 55);
	CU_ASSERT_EQUAL(sr.sr_current_build, 35);
	CU_ASSERT_EQUAL(sr.sr_launch_mit_vector, 0x0b);
	CU_ASSERT_EQUAL(sr.sr_current_mit_vector, 0x0b);
	CU_ASSERT_EQUAL(sr.sr_reported_tcb, sr.sr_launch_tcb);
	CU_ASSERT_EQUAL(sr.sr_chip_id[0], 0x98);
	free(p);
	p = ts_load("trustee/test-report.bin", TS_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(snp_report_parse(p, SNP_REPORT_LEN, &sr), 0);
	CU_ASSERT_EQUAL(sr.sr_guest_svn, 4);
	CU_ASSERT_EQUAL(sr.sr_policy, 0x3001f);
	CU_ASSERT_EQUAL(sr.sr_current_tcb >> 56, 206);	/* ucode */
	CU_ASSERT_FALSE(sr.sr_author_key_en);
	CU_ASSERT_FALSE(sr.sr_mask_chip_key);
	free(p);
}

static void
test_snp_length(void)
{
	struct snp_report	 sr;
	u_char			*p, *big;

	p = ts_load("go-sev-guest/attestation.bin", TS_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(snp_report_parse(NULL, SNP_REPORT_LEN, &sr),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(snp_report_parse(p, 0, &sr), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(snp_report_parse(p, SNP_SIGNED_LEN, &sr),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(snp_report_parse(p, SNP_REPORT_LEN - 1, &sr),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(sr.sr_version, 0);	/* nothing half-filled */
	big = calloc(1, SNP_REPORT_LEN + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memcpy(big, p, SNP_REPORT_LEN);
	CU_ASSERT_EQUAL(snp_report_parse(big, SNP_REPORT_LEN + 1, &sr),
	    PWR_ERR_INVALID_FORMAT);
	free(big);
	free(p);
}

static void
test_snp_version(void)
{
	static const uint32_t	 bad[] = { 0, 1, 6, 0x00020004, UINT32_MAX };
	u_char			*p;
	size_t			 i;

	p = ts_load("go-sev-guest/attestation.bin", TS_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ts_put_le(p, 4, bad[i]);
		CU_ASSERT_FALSE(ts_parses(p));
	}
	/* Version 2 reports have no CPUID, so 3..5 only need zero MBZ. */
	for (i = 2; i <= 5; i++) {
		ts_put_le(p, 4, i);
		CU_ASSERT_TRUE(ts_parses(p));
	}
	free(p);
}

static void
test_snp_reserved(void)
{
	static const struct {
		uint32_t	version;
		size_t		off;
		int		ok;
	} tc[] = {
		{ 2, 0x4c, 0 },		/* after signer_info */
		{ 2, 0x188, 0 },	/* CPUID is reserved in v2 */
		{ 3, 0x188, 1 },
		{ 3, 0x18b, 0 },
		{ 5, 0x19f, 0 },
		{ 2, 0x1eb, 0 },
		{ 2, 0x1ef, 0 },
		{ 2, 0x1f8, 0 },	/* mitigation vectors are v5 */
		{ 4, 0x207, 0 },
		{ 5, 0x1f8, 1 },
		{ 5, 0x207, 1 },
		{ 5, 0x208, 0 },
		{ 5, 0x29f, 0 },
		{ 5, 0x330, 0 },	/* after s */
		{ 5, SNP_REPORT_LEN - 1, 0 },
		{ 5, 0x48, 1 },		/* signer_info: author key */
	};
	u_char		*p, q[SNP_REPORT_LEN];
	size_t		 i;

	p = ts_load("teekit/sev-gcp.bin", TS_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		memcpy(q, p, sizeof(q));
		ts_put_le(q, 4, tc[i].version);
		if (tc[i].version < 5)
			memset(q + 0x1f8, 0, 16);
		if (tc[i].version < 3)
			memset(q + 0x188, 0, 3);
		CU_ASSERT_TRUE(ts_parses(q));
		q[tc[i].off] ^= 0x01;
		CU_ASSERT_EQUAL(ts_parses(q), tc[i].ok);
	}
	/* signer_info bits 5..31 are reserved; key 7 means none. */
	ts_put_le(p, 4, 5);
	ts_put_le(p + 0x48, 4, 0x20);
	CU_ASSERT_FALSE(ts_parses(p));
	ts_put_le(p + 0x48, 4, 0x1f);
	CU_ASSERT_TRUE(ts_parses(p));
	free(p);
}

static void
test_snp_signer(void)
{
	struct snp_report	 sr;
	u_char			*p;

	p = ts_load("teekit/sev-gcp.bin", TS_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ts_put_le(p + 0x48, 4, SNP_SIGNER_MASK_CHIP_KEY |
	    (SNP_SIGNING_KEY_VLEK << 2));
	CU_ASSERT_EQUAL_FATAL(snp_report_parse(p, SNP_REPORT_LEN, &sr), 0);
	CU_ASSERT_TRUE(sr.sr_mask_chip_key);
	CU_ASSERT_FALSE(sr.sr_author_key_en);
	CU_ASSERT_EQUAL(sr.sr_signing_key, SNP_SIGNING_KEY_VLEK);
	ts_put_le(p + 0x48, 4, SNP_SIGNER_AUTHOR_KEY_EN |
	    (SNP_SIGNING_KEY_NONE << 2));
	CU_ASSERT_EQUAL_FATAL(snp_report_parse(p, SNP_REPORT_LEN, &sr), 0);
	CU_ASSERT_TRUE(sr.sr_author_key_en);
	CU_ASSERT_EQUAL(sr.sr_signing_key, SNP_SIGNING_KEY_NONE);
	free(p);
}

static void
test_snp_tcb(void)
{
	struct snp_tcb		st;
	struct snp_report	sr;
	/* ucode 0xd5, then reserved, snp 0x18 (Milan) or fmc 1 (Turin). */
	uint64_t		v = 0xd518000000000403ULL;
	uint64_t		t = 0xd500000018030401ULL;

	snp_tcb_decode(v, SNP_PRODUCT_MILAN, &st);
	CU_ASSERT(st.st_bl == 3 && st.st_tee == 4 && st.st_snp == 0x18 &&
	    st.st_ucode == 0xd5 && st.st_fmc == 0);
	snp_tcb_decode(v, SNP_PRODUCT_GENOA, &st);
	CU_ASSERT(st.st_bl == 3 && st.st_snp == 0x18);
	snp_tcb_decode(t, SNP_PRODUCT_TURIN, &st);
	CU_ASSERT(st.st_fmc == 1 && st.st_bl == 4 && st.st_tee == 3 &&
	    st.st_snp == 0x18 && st.st_ucode == 0xd5);
	memset(&sr, 0, sizeof(sr));
	sr.sr_version = 3;
	sr.sr_cpuid_fam = 0x19;
	sr.sr_cpuid_mod = 0x01;
	CU_ASSERT_EQUAL(snp_report_product(&sr), SNP_PRODUCT_MILAN);
	sr.sr_cpuid_mod = 0x11;
	CU_ASSERT_EQUAL(snp_report_product(&sr), SNP_PRODUCT_GENOA);
	sr.sr_cpuid_mod = 0xa0;
	CU_ASSERT_EQUAL(snp_report_product(&sr), SNP_PRODUCT_GENOA);
	sr.sr_cpuid_mod = 0x30;
	CU_ASSERT_EQUAL(snp_report_product(&sr), SNP_PRODUCT_UNKNOWN);
	sr.sr_cpuid_fam = 0x1a;
	sr.sr_cpuid_mod = 0x02;
	CU_ASSERT_EQUAL(snp_report_product(&sr), SNP_PRODUCT_TURIN);
	sr.sr_version = 2;
	CU_ASSERT_EQUAL(snp_report_product(&sr), SNP_PRODUCT_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(snp_product_name(SNP_PRODUCT_GENOA), "Genoa");
	CU_ASSERT_PTR_NULL(snp_product_name(SNP_PRODUCT_UNKNOWN));
	CU_ASSERT_EQUAL(snp_product_from_name("Turin"), SNP_PRODUCT_TURIN);
	CU_ASSERT_EQUAL(snp_product_from_name("Milan-B0"),
	    SNP_PRODUCT_UNKNOWN);
	CU_ASSERT_EQUAL(snp_product_from_name(NULL), SNP_PRODUCT_UNKNOWN);
}

/* The GUIDs in RFC 4122 byte order. */
static const u_char ts_guid_vcek[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64,
    0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
static const u_char ts_guid_vlek[16] = { 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a,
    0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 };
static const u_char ts_guid_ask[16] = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac,
    0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
static const u_char ts_guid_ark[16] = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03,
    0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };

/* n entries and the terminator at the start of buf; the header length. */
static size_t
ts_table(u_char *buf, size_t len, const u_char (*guids)[16],
    const uint32_t *off, const uint32_t *n, size_t count)
{
	size_t	i;

	memset(buf, 0, len);
	for (i = 0; i < count; i++) {
		memcpy(buf + 24 * i, guids[i], 16);
		ts_put_le(buf + 24 * i + 16, 4, off[i]);
		ts_put_le(buf + 24 * i + 20, 4, n[i]);
	}
	return 24 * (count + 1);
}

static void
test_snp_certtable(void)
{
	u_char		 buf[4096];
	u_char		 guids[4][16];
	uint32_t	 off[4], n[4];
	struct snp_cert	 sc[4];
	size_t		 hdr;
	int		 i;

	memcpy(guids[0], ts_guid_vcek, 16);
	memcpy(guids[1], ts_guid_ask, 16);
	memcpy(guids[2], ts_guid_ark, 16);
	memcpy(guids[3], ts_guid_vlek, 16);
	for (i = 0; i < 4; i++) {
		off[i] = 200 + 1000 * i;
		n[i] = 700 + i;
	}
	hdr = ts_table(buf, sizeof(buf), (const u_char (*)[16])guids, off, n,
	    4);
	CU_ASSERT_EQUAL(hdr, 120);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 4), 4);
	CU_ASSERT_STRING_EQUAL(sc[0].sc_name, "vcek");
	CU_ASSERT_STRING_EQUAL(sc[1].sc_name, "ask");
	CU_ASSERT_STRING_EQUAL(sc[2].sc_name, "ark");
	CU_ASSERT_STRING_EQUAL(sc[3].sc_name, "vlek");
	for (i = 0; i < 4; i++) {
		CU_ASSERT_PTR_EQUAL(sc[i].sc_der, buf + off[i]);
		CU_ASSERT_EQUAL(sc[i].sc_len, n[i]);
	}
	/* More entries than room. */
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 3),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NULL(sc[0].sc_der);
	/* The last certificate ends exactly at the end of the table. */
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, off[3] + n[3], sc, 4), 4);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, off[3] + n[3] - 1, sc, 4),
	    PWR_ERR_INVALID_FORMAT);
	/* The terminator missing: the entries run off the end. */
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, 24 * 4, sc, 4),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, 24 * 4 + 23, sc, 4),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, 10, sc, 4),
	    PWR_ERR_INVALID_FORMAT);
}

static void
test_snp_certtable_bounds(void)
{
	static const struct {
		uint32_t	off;
		uint32_t	n;
	} bad[] = {
		{ 0, 100 },			/* inside the header */
		{ 47, 100 },			/* the terminator's last byte */
		{ 48, 0 },			/* empty certificate */
		{ 48, 4096 - 47 },		/* one byte too long */
		{ 4096, 1 },			/* just past the end */
		{ UINT32_MAX, 2 },		/* offset + length wraps */
		{ 48, UINT32_MAX },
		{ UINT32_MAX, UINT32_MAX },
	};
	u_char		 buf[4096], guid[1][16];
	uint32_t	 off, n;
	struct snp_cert	 sc[2];
	size_t		 i;

	memcpy(guid[0], ts_guid_vcek, 16);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		off = bad[i].off;
		n = bad[i].n;
		(void)ts_table(buf, sizeof(buf), (const u_char (*)[16])guid,
		    &off, &n, 1);
		CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 2),
		    PWR_ERR_INVALID_FORMAT);
		CU_ASSERT_PTR_NULL(sc[0].sc_der);
	}
	off = 48;
	n = 4096 - 48;
	(void)ts_table(buf, sizeof(buf), (const u_char (*)[16])guid, &off, &n,
	    1);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 2), 1);
}

static void
test_snp_certtable_edges(void)
{
	static const int le[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11,
	    12, 13, 14, 15 };
	u_char		 buf[256], guid[1][16];
	uint32_t	 off = 100, n = 10;
	struct snp_cert	 sc[2];
	size_t		 i;

	/* An empty input is an empty table; so is a lone terminator. */
	CU_ASSERT_EQUAL(snp_certtable_parse(NULL, 0, sc, 2), 0);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, 24, sc, 2), 0);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 0), 0);
	/* A terminator needs all three parts zero. */
	buf[16] = 1;
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, 24, sc, 2),
	    PWR_ERR_INVALID_FORMAT);
	/* An unknown GUID is kept as "other". */
	memset(guid[0], 0x5a, 16);
	(void)ts_table(buf, sizeof(buf), (const u_char (*)[16])guid, &off, &n,
	    1);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 2), 1);
	CU_ASSERT_STRING_EQUAL(sc[0].sc_name, "other");
	/* The VCEK GUID with its first three fields little-endian. */
	for (i = 0; i < 16; i++)
		guid[0][i] = ts_guid_vcek[le[i]];
	(void)ts_table(buf, sizeof(buf), (const u_char (*)[16])guid, &off, &n,
	    1);
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 2), 1);
	CU_ASSERT_STRING_EQUAL(sc[0].sc_name, "vcek");
	/* No entry may hide in a table with no room for it. */
	CU_ASSERT_EQUAL(snp_certtable_parse(buf, sizeof(buf), sc, 0),
	    PWR_ERR_INVALID_FORMAT);
}

int
snp_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("snp", NULL, NULL)) == NULL ||
	    CU_add_test(s, "every SNP fixture: version, VMPL, signer, TCB",
	    test_snp_fixtures) == NULL ||
	    CU_add_test(s, "fields at their ABI offsets",
	    test_snp_fields) == NULL ||
	    CU_add_test(s, "a report of the wrong length is refused",
	    test_snp_length) == NULL ||
	    CU_add_test(s, "versions outside 2..5 are refused",
	    test_snp_version) == NULL ||
	    CU_add_test(s, "reserved bytes must be zero, by version",
	    test_snp_reserved) == NULL ||
	    CU_add_test(s, "signer_info: key, mask_chip_key, author key",
	    test_snp_signer) == NULL ||
	    CU_add_test(s, "TCB layouts of Milan, Genoa and Turin",
	    test_snp_tcb) == NULL ||
	    CU_add_test(s, "certificate table: GUIDs, offsets, terminator",
	    test_snp_certtable) == NULL ||
	    CU_add_test(s, "certificate table: out-of-bounds entries refused",
	    test_snp_certtable_bounds) == NULL ||
	    CU_add_test(s, "certificate table: empty, unknown GUID, LE GUID",
	    test_snp_certtable_edges) == NULL)
		return -1;
	return 0;
}
