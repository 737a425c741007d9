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
#include <openssl/evp.h>

#include "err.h"
#include "tdx.h"
#include "tests.h"

/*
 * Unit tests for common/tdx.c, the TDX quote parser, on every real TDX
 * quote in tests/data/attestation/tdx.  Bad input first: truncation at
 * every length, SGX quotes, lengths that overrun their parent, trailing
 * bytes that are not zero.  The signatures are power-verify's business
 * (tests/regress/verify-tdx.sh).
 */

#define TT_DIR		"tests/data/attestation/tdx/"
#define TT_MAX_BYTES	(64 * 1024)
#define tt_slurp(rel, lenp)	\
	tests_slurp(TT_DIR, rel, TT_MAX_BYTES, lenp)
#define TT_SPR		"go-tdx-guest/tdx_prod_quote_SPR_E4.dat"
#define TT_SPR_LEN	4935	/* without upstream's appended test text */
#define TT_V5		"go-tdx-guest/quote_v5_sample.dat"
#define TT_COS		"go-tdx-guest/ccel/cos-113-tdx-quote.dat"
#define TT_EDGELESS	"teekit/tdx-v4-edgeless.dat"

/* Offsets in a v4 quote. */
#define TT_V4_SIGLEN	(TDX_HEADER_LEN + TDX_BODY10_LEN)	/* 632 */
#define TT_V4_CERTTYPE	(TT_V4_SIGLEN + 4 + TDX_SIG_LEN + TDX_AK_LEN)
#define TT_V4_CERTSIZE	(TT_V4_CERTTYPE + 2)
#define TT_V4_AUTHLEN	(TT_V4_CERTSIZE + 4 + TDX_QE_REPORT_LEN + TDX_SIG_LEN)
#define TT_V4_INNER	(TT_V4_AUTHLEN + 2 + 32)		/* type, size */

enum tt_enc {
	TT_RAW,
	TT_BASE64,		/* base64 text */
	TT_GCP_JSON,		/* base64 in .tdx.quote */
};

static const struct tt_fixture {
	const char	*tf_path;
	enum tt_enc	 tf_enc;
	uint16_t	 tf_version;
	uint16_t	 tf_body_type;
	size_t		 tf_padding;
	const char	*tf_fmspc;
	int		 tf_debug;
} tt_fixtures[] = {
	{ TT_V5, TT_RAW, 5, 3, 0, "90c06f000000", 0 },
	{ TT_COS, TT_RAW, 4, 2, 3065, "00806f050000", 0 },
	{ "trustee/tdx_quote_4.dat", TT_RAW, 4, 2, 0, "50806f000000", 1 },
	{ "trustee/tdx_quote_5.dat", TT_RAW, 5, 3, 0, "90c06f000000", 0 },
	{ "trustee/tdx_quote_6.dat", TT_RAW, 4, 2, 70, "00a06d080000", 0 },
	{ "trustee/az-tdx-vtpm/td-quote.bin", TT_RAW, 4, 2, 70,
	    "00806f050000", 0 },
	{ "teekit/tdx-v4-gcp.json", TT_GCP_JSON, 4, 2, 3065, "00806f050000",
	    0 },
	{ "teekit/tdx-v4-azure", TT_BASE64, 4, 2, 70, "00806f050000", 0 },
	{ TT_EDGELESS, TT_RAW, 4, 2, 0, "00806f050000", 0 },
	{ "teekit/tdx-v4-moemahhouk.dat", TT_RAW, 4, 2, 70, "90c06f000000",
	    0 },
	{ "teekit/tdx-v4-phala.dat", TT_RAW, 4, 2, 70, "b0c06f000000", 0 },
};

static u_char	*tt_base64(const char *, size_t, size_t *);
static u_char	*tt_load(const char *, enum tt_enc, size_t *);
static void	 tt_put_le(u_char *, size_t, uint32_t);
static int	 tt_parses(const u_char *, size_t);
static void	 tt_expect_bad(u_char *, size_t, size_t, size_t, uint32_t);


static u_char *
tt_base64(const char *text, size_t len, size_t *outlen)
{
	u_char	*clean, *out;
	size_t	 i, n = 0;
	int	 r;

	*outlen = 0;
	if ((clean = calloc(1, len + 1)) == NULL ||
	    (out = calloc(1, len + 1)) == NULL) {
		free(clean);
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (strchr(" \t\r\n", text[i]) == NULL)
			clean[n++] = (u_char)text[i];
	r = EVP_DecodeBlock(out, clean, (int)n);
	if (r < 0) {
		free(clean);
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the bytes the '=' padding stands for. */
	while (n > 0 && clean[n - 1] == '=') {
		n--;
		r--;
	}
	free(clean);
	*outlen = (size_t)r;
	return out;
}

static u_char *
tt_load(const char *rel, enum tt_enc enc, size_t *lenp)
{
	json_t		*doc;
	const char	*q;
	u_char		*raw, *out = NULL;
	size_t		 len;

	*lenp = 0;
	if ((raw = tt_slurp(rel, &len)) == NULL)
		return NULL;
	if (enc == TT_RAW) {
		*lenp = len;
		return raw;
	}
	if (enc == TT_BASE64)
		out = tt_base64((char *)raw, len, lenp);
	else if ((doc = json_loadb((char *)raw, len, 0, NULL)) != NULL) {
		q = json_string_value(json_object_get(json_object_get(doc,
		    "tdx"), "quote"));
		if (q != NULL)
			out = tt_base64(q, strlen(q), lenp);
		json_decref(doc);
	}
	free(raw);
	return out;
}

static void
tt_put_le(u_char *p, size_t n, uint32_t v)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static int
tt_parses(const u_char *p, size_t len)
{
	struct tdx_quote	tq;

	return tdx_quote_parse(p, len, &tq) == 0;
}

static void
test_truncated(void)
{
	const char	*files[] = { TT_SPR, TT_V5, TT_EDGELESS };
	struct tdx_quote tq;
	u_char		*q;
	size_t		 i, n, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		q = tt_slurp(files[i], &len);
		CU_ASSERT_FATAL(q != NULL);
		if (i == 0)
			len = TT_SPR_LEN;
		CU_ASSERT(tdx_quote_parse(q, len, &tq) == 0);
		for (n = 0; n < len; n++) {
			if (tdx_quote_parse(q, n, &tq) !=
			    PWR_ERR_INVALID_FORMAT) {
				CU_FAIL("truncated quote accepted");
				break;
			}
		}
		/* A failed parse leaves nothing behind. */
		CU_ASSERT(tq.tq_version == 0 && tq.tq_signed == NULL);
		free(q);
	}
	CU_ASSERT(tdx_quote_parse(NULL, 100, &tq) == PWR_ERR_INVALID_FORMAT);
}

static void
test_sgx_rejected(void)
{
	u_char	*q;
	size_t	 len;

	q = tt_slurp("trustee/occlum_quote.dat", &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT(!tt_parses(q, len));
	free(q);

	q = tt_slurp(TT_EDGELESS, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT(tt_parses(q, len));
	tt_put_le(q + 4, 4, TDX_TEE_TYPE_SGX);		/* tee_type */
	CU_ASSERT(!tt_parses(q, len));
	tt_put_le(q + 4, 4, TDX_TEE_TYPE_TDX);
	tt_put_le(q, 2, 3);				/* version */
	CU_ASSERT(!tt_parses(q, len));
	tt_put_le(q, 2, 4);
	tt_put_le(q + 2, 2, 3);				/* ECDSA P-384 */
	CU_ASSERT(!tt_parses(q, len));
	tt_put_le(q + 2, 2, TDX_AK_TYPE_ECDSA_P256);
	CU_ASSERT(tt_parses(q, len));
	free(q);
}

static void
test_trailing(void)
{
	struct tdx_quote tq;
	u_char		*q, *big;
	size_t		 len;

	/* Upstream appended ASCII text to this one: kept apart, unread. */
	q = tt_slurp(TT_SPR, &len);
	CU_ASSERT_FATAL(q != NULL && len == TT_SPR_LEN + 39);
	CU_ASSERT(tdx_quote_parse(q, len, &tq) == 0);
	CU_ASSERT(tq.tq_trailing_nonzero && tq.tq_padding_len == 39);
	CU_ASSERT(tq.tq_quote_len == TT_SPR_LEN);
	CU_ASSERT(tdx_quote_parse(q, TT_SPR_LEN, &tq) == 0);
	CU_ASSERT(!tq.tq_trailing_nonzero && tq.tq_padding_len == 0);
	free(q);

	q = tt_slurp(TT_COS, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT(tdx_quote_parse(q, len, &tq) == 0);
	CU_ASSERT(tq.tq_padding_len == 3065);
	CU_ASSERT(tq.tq_quote_len == len - 3065);
	CU_ASSERT(!tq.tq_trailing_nonzero);
	q[len - 1] = 0x01;
	CU_ASSERT(tdx_quote_parse(q, len, &tq) == 0);
	CU_ASSERT(tq.tq_trailing_nonzero && tq.tq_padding_len == 3065);
	free(q);

	/* Zeros after a quote that had none are padding. */
	q = tt_slurp(TT_EDGELESS, &len);
	CU_ASSERT_FATAL(q != NULL);
	big = calloc(1, len + 100);
	CU_ASSERT_FATAL(big != NULL);
	memcpy(big, q, len);
	CU_ASSERT(tdx_quote_parse(big, len + 100, &tq) == 0);
	CU_ASSERT(tq.tq_padding_len == 100);
	free(big);
	free(q);
}

/* Set a little-endian field, expect rejection, restore it. */
static void
tt_expect_bad(u_char *q, size_t len, size_t off, size_t n, uint32_t v)
{
	u_char	save[4];

	memcpy(save, q + off, n);
	tt_put_le(q + off, n, v);
	CU_ASSERT(!tt_parses(q, len));
	memcpy(q + off, save, n);
}

static void
test_lengths(void)
{
	u_char		*q, *pad;
	size_t		 len;
	uint32_t	 slen, clen, ilen;

	q = tt_slurp(TT_EDGELESS, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_FATAL((pad = calloc(1, len + 16)) != NULL);
	slen = q[TT_V4_SIGLEN] | q[TT_V4_SIGLEN + 1] << 8;
	clen = q[TT_V4_CERTSIZE] | q[TT_V4_CERTSIZE + 1] << 8;
	ilen = q[TT_V4_INNER + 2] | q[TT_V4_INNER + 3] << 8;
	CU_ASSERT(slen == len - TT_V4_SIGLEN - 4);
	/* Past the end, and short of the nested data. */
	tt_expect_bad(q, len, TT_V4_SIGLEN, 4, slen + 1);
	tt_expect_bad(q, len, TT_V4_SIGLEN, 4, slen - 1);
	tt_expect_bad(q, len, TT_V4_SIGLEN, 4, UINT32_MAX);
	tt_expect_bad(q, len, TT_V4_CERTSIZE, 4, clen + 1);
	tt_expect_bad(q, len, TT_V4_CERTSIZE, 4, clen - 1);
	tt_expect_bad(q, len, TT_V4_AUTHLEN, 2, 33);
	tt_expect_bad(q, len, TT_V4_AUTHLEN, 2, 0xffff);
	tt_expect_bad(q, len, TT_V4_INNER + 2, 4, ilen + 1);
	tt_expect_bad(q, len, TT_V4_INNER + 2, 4, ilen - 1);
	tt_expect_bad(q, len, TT_V4_INNER + 2, 4, 0);
	/* Only QE report certification data carries the chain. */
	tt_expect_bad(q, len, TT_V4_CERTTYPE, 2, TDX_CERT_PCK_CHAIN);
	/* With zero padding behind, a longer length swallows a zero. */
	memcpy(pad, q, len);
	CU_ASSERT(tt_parses(pad, len + 16));
	tt_expect_bad(pad, len + 16, TT_V4_SIGLEN, 4, slen + 1);
	tt_expect_bad(pad, len + 16, TT_V4_CERTSIZE, 4, clen + 1);
	tt_expect_bad(pad, len + 16, TT_V4_INNER + 2, 4, ilen + 1);
	free(pad);
	free(q);
}

static void
test_v5_body(void)
{
	struct tdx_quote tq;
	u_char		*q;
	size_t		 len, desc = TDX_HEADER_LEN;

	q = tt_slurp(TT_V5, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_FATAL(tdx_quote_parse(q, len, &tq) == 0);
	CU_ASSERT(tq.tq_version == 5 && tq.tq_body_type == TDX_BODY_TYPE_15);
	CU_ASSERT(tq.tq_body_len == TDX_BODY15_LEN);
	/* The signature covers the body descriptor too. */
	CU_ASSERT(tq.tq_signed == q);
	CU_ASSERT(tq.tq_signed_len == TDX_HEADER_LEN + 6 + TDX_BODY15_LEN);
	CU_ASSERT(memcmp(tq.tq_mrservicetd, q + desc + 6 + 600, 48) == 0);
	CU_ASSERT(memcmp(tq.tq_tee_tcb_svn2, q + desc + 6 + 584, 16) == 0);
	CU_ASSERT(memcmp(tq.tq_mrtd, q + desc + 6 + 136, 48) == 0);
	/* A 1.5 type with a 1.0 size, an SGX body, an unknown type. */
	tt_expect_bad(q, len, desc + 2, 4, TDX_BODY10_LEN);
	tt_expect_bad(q, len, desc, 2, TDX_BODY_TYPE_10);
	tt_expect_bad(q, len, desc, 2, 1);
	tt_expect_bad(q, len, desc, 2, 4);
	free(q);
}

static void
test_fixtures(void)
{
	const struct tt_fixture	*tf;
	struct tdx_quote	 tq;
	u_char			*q, fmspc[TDX_FMSPC_LEN];
	char			 hex[2 * TDX_FMSPC_LEN + 1];
	size_t			 i, j, len;

	for (i = 0; i < sizeof(tt_fixtures) / sizeof(tt_fixtures[0]); i++) {
		tf = &tt_fixtures[i];
		q = tt_load(tf->tf_path, tf->tf_enc, &len);
		CU_ASSERT_FATAL(q != NULL);
		if (tdx_quote_parse(q, len, &tq) != 0) {
			fprintf(stderr, "%s: not parsed\n", tf->tf_path);
			CU_FAIL("fixture not parsed");
			free(q);
			continue;
		}
		CU_ASSERT(tq.tq_version == tf->tf_version);
		CU_ASSERT(tq.tq_tee_type == TDX_TEE_TYPE_TDX);
		CU_ASSERT(tq.tq_body_type == tf->tf_body_type);
		CU_ASSERT(tq.tq_padding_len == tf->tf_padding);
		CU_ASSERT(tq.tq_cert_type == TDX_CERT_QE_REPORT);
		CU_ASSERT(tq.tq_inner_type == TDX_CERT_PCK_CHAIN);
		CU_ASSERT(tq.tq_qe_auth_len == 32);
		CU_ASSERT(tq.tq_qe_isvprodid == 2);	/* the TD QE */
		CU_ASSERT((tq.tq_td_attributes[0] & TDX_TD_ATTR_DEBUG) ==
		    (tf->tf_debug ? TDX_TD_ATTR_DEBUG : 0));
		CU_ASSERT(tdx_quote_fmspc(&tq, fmspc) == 0);
		for (j = 0; j < TDX_FMSPC_LEN; j++)
			snprintf(hex + 2 * j, 3, "%02x", fmspc[j]);
		if (strcmp(hex, tf->tf_fmspc) != 0) {
			fprintf(stderr, "%s: FMSPC %s\n", tf->tf_path, hex);
			CU_FAIL("wrong FMSPC");
		}
		free(q);
	}
}

static void
test_report_data(void)
{
	/* What go-tdx-guest's own tests expect of this quote. */
	static const u_char	 tt_spr_report_data[64] = {
		0x6c, 0x62, 0xde, 0xc1, 0xb8, 0x19, 0x17, 0x49,
		0xa3, 0x1d, 0xab, 0x49, 0x0b, 0xe5, 0x32, 0xa3,
		0x59, 0x44, 0xde, 0xa4, 0x7c, 0xae, 0xf1, 0xf9,
		0x80, 0x86, 0x39, 0x93, 0xd9, 0x89, 0x95, 0x45,
		0xeb, 0x74, 0x06, 0xa3, 0x8d, 0x1e, 0xed, 0x31,
		0x3b, 0x98, 0x7a, 0x46, 0x7d, 0xac, 0xea, 0xd6,
		0xf0, 0xc8, 0x7a, 0x6d, 0x76, 0x6c, 0x66, 0xf6,
		0xf2, 0x9f, 0x8a, 0xcb, 0x28, 0x1f, 0x11, 0x13,
	};
	struct tdx_quote	 tq;
	u_char			*q, *nonce;
	size_t			 len, nlen;

	q = tt_slurp(TT_SPR, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_FATAL(tdx_quote_parse(q, TT_SPR_LEN, &tq) == 0);
	CU_ASSERT(memcmp(tq.tq_report_data, tt_spr_report_data, 64) == 0);
	free(q);

	q = tt_slurp(TT_COS, &len);
	nonce = tt_slurp("go-tdx-guest/ccel/nonce.dat", &nlen);
	CU_ASSERT_FATAL(q != NULL && nonce != NULL && nlen == 64);
	CU_ASSERT_FATAL(tdx_quote_parse(q, len, &tq) == 0);
	CU_ASSERT(memcmp(tq.tq_report_data, nonce, 64) == 0);
	free(nonce);
	free(q);
}

static void
test_qe_report(void)
{
	static const u_char	 mrsigner[32] = {	/* Intel's, per QE identity */
		0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17,
		0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
		0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf,
		0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5,
	};
	struct tdx_quote	 tq;
	u_char			*q, fmspc[TDX_FMSPC_LEN];
	size_t			 len;

	q = tt_slurp(TT_SPR, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_FATAL(tdx_quote_parse(q, TT_SPR_LEN, &tq) == 0);
	CU_ASSERT(memcmp(tq.tq_qe_mrsigner, mrsigner, 32) == 0);
	CU_ASSERT(memcmp(tq.tq_qe_report + 320, tq.tq_qe_report_data,
	    64) == 0);
	CU_ASSERT(tq.tq_signed_len == TT_V4_SIGLEN);
	CU_ASSERT(tq.tq_qe_auth == q + TT_V4_AUTHLEN + 2);
	CU_ASSERT(tq.tq_inner == q + TT_V4_INNER + 6);
	CU_ASSERT(tq.tq_inner_len == TT_SPR_LEN - TT_V4_INNER - 6);
	/* Another inner type parses, but has no chain to read. */
	tt_put_le(q + TT_V4_INNER, 2, 3);
	CU_ASSERT_FATAL(tdx_quote_parse(q, TT_SPR_LEN, &tq) == 0);
	CU_ASSERT(tq.tq_inner_type == 3);
	CU_ASSERT(tdx_quote_fmspc(&tq, fmspc) == PWR_ERR_INVALID_FORMAT);
	free(q);
}

/* The SGX TCB of the PCK certificates of SPR_E4 and the v5 sample. */
static void
test_pck_tcb(void)
{
	static const u_char	 spr[TDX_TCB_SVNS] = { 3, 3, 2, 2, 2, 1, 0, 2 };
	static const u_char	 v5[TDX_TCB_SVNS] = { 4, 4, 2, 2, 4, 1, 0, 5 };
	struct tdx_quote	 tq;
	struct tdx_pck_tcb	 tp;
	u_char			*q;
	size_t			 len;

	q = tt_slurp(TT_SPR, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_FATAL(tdx_quote_parse(q, TT_SPR_LEN, &tq) == 0);
	CU_ASSERT_FATAL(tdx_quote_pck_tcb(&tq, &tp) == 0);
	CU_ASSERT(memcmp(tp.tp_sgx, spr, sizeof(spr)) == 0);
	CU_ASSERT(tp.tp_pcesvn == 11);
	/* No PEM chain, nothing to read. */
	tt_put_le(q + TT_V4_INNER, 2, 3);
	CU_ASSERT_FATAL(tdx_quote_parse(q, TT_SPR_LEN, &tq) == 0);
	CU_ASSERT(tdx_quote_pck_tcb(&tq, &tp) == PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(tp.tp_pcesvn == 0);
	free(q);

	q = tt_slurp(TT_V5, &len);
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT_FATAL(tdx_quote_parse(q, len, &tq) == 0);
	CU_ASSERT_FATAL(tdx_quote_pck_tcb(&tq, &tp) == 0);
	CU_ASSERT(memcmp(tp.tp_sgx, v5, sizeof(v5)) == 0);
	CU_ASSERT(tp.tp_pcesvn == 13);
	free(q);
}

/*
 * Three levels, newest first, as in sample_tcbinfo_response_v5 but
 * with distinct TDX components: the platform lands on the first level
 * it reaches in every component.
 */
static void
test_tcb_match(void)
{
	static const struct tdx_tcb_level	tl[3] = {
		{ { 3, 3, 2, 2, 4, 1, 0, 5 }, 13, { 5, 0, 3 } },
		{ { 2, 2, 2, 2, 3, 1, 0, 5 }, 13, { 5, 0, 2 } },
		{ { 2, 2, 2, 2, 3, 1, 0, 5 }, 5, { 2, 0, 2 } },
	};
	struct tdx_pck_tcb	tp = { { 3, 3, 2, 2, 4, 1, 0, 5 }, 13 };
	u_char			svn[TDX_TCB_SVNS] = { 5, 0, 3 };

	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 0);
	CU_ASSERT(tdx_tcb_match(tl, 0, &tp, svn) == -1);
	/* Above every level is still the newest. */
	svn[5] = 9;
	tp.tp_sgx[15] = 9;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 0);
	/* One TDX component short of the newest. */
	svn[2] = 2;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 1);
	/* One SGX component short as well. */
	tp.tp_sgx[4] = 3;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 1);
	tp.tp_sgx[0] = 2;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 1);
	/* A PCESVN below 13 leaves only the oldest. */
	tp.tp_pcesvn = 12;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 2);
	/* Below that too: nothing. */
	tp.tp_pcesvn = 4;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == -1);
	tp.tp_pcesvn = 13;
	tp.tp_sgx[0] = 1;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == -1);
	tp.tp_sgx[0] = 2;
	/* Component 0 below every level, with module major version 0. */
	svn[0] = 1;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == -1);
	/* With major version 1 the module identity grades it instead. */
	svn[1] = 1;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 1);
	svn[2] = 3;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 1);
	tp.tp_sgx[4] = 4;
	tp.tp_sgx[0] = 3;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == 0);
	/* A later component still counts. */
	svn[2] = 1;
	CU_ASSERT(tdx_tcb_match(tl, 3, &tp, svn) == -1);
}

static void
test_tcb_status(void)
{
	static const struct {
		const char	*a, *b, *want;
	} converge[] = {
		{ "UpToDate", "UpToDate", "UpToDate" },
		{ "UpToDate", "OutOfDate", "OutOfDate" },
		{ "SWHardeningNeeded", "OutOfDate", "OutOfDate" },
		{ "ConfigurationNeeded", "OutOfDate",
		    "OutOfDateConfigurationNeeded" },
		{ "ConfigurationAndSWHardeningNeeded", "OutOfDate",
		    "OutOfDateConfigurationNeeded" },
		{ "Revoked", "OutOfDate", "Revoked" },
		{ "OutOfDate", "UpToDate", "OutOfDate" },
		{ "ConfigurationNeeded", NULL, "ConfigurationNeeded" },
	}, relaunch[] = {
		{ "OutOfDate", "UpToDate", "TDRelaunchAdvised" },
		{ "OutOfDate", "SWHardeningNeeded", "TDRelaunchAdvised" },
		{ "OutOfDate", "ConfigurationNeeded",
		    "TDRelaunchAdvisedConfigurationNeeded" },
		{ "OutOfDateConfigurationNeeded", "UpToDate",
		    "TDRelaunchAdvisedConfigurationNeeded" },
		{ "OutOfDate", "OutOfDate", "OutOfDate" },
		{ "OutOfDate", "Revoked", "OutOfDate" },
		{ "OutOfDate", NULL, "OutOfDate" },
		{ "UpToDate", "UpToDate", "UpToDate" },
		{ "ConfigurationNeeded", "UpToDate", "ConfigurationNeeded" },
	};
	u_char	svn[TDX_TCB_SVNS] = { 4, 0 };
	char	id[8];
	size_t	i;

	for (i = 0; i < sizeof(converge) / sizeof(converge[0]); i++)
		CU_ASSERT(strcmp(tdx_tcb_converge(converge[i].a,
		    converge[i].b), converge[i].want) == 0);
	for (i = 0; i < sizeof(relaunch) / sizeof(relaunch[0]); i++)
		CU_ASSERT(strcmp(tdx_tcb_relaunch(relaunch[i].a,
		    relaunch[i].b), relaunch[i].want) == 0);
	CU_ASSERT(tdx_tcb_module_id(svn, id, sizeof(id)) == 0);
	CU_ASSERT(id[0] == '\0');
	svn[1] = 0x1a;
	CU_ASSERT(tdx_tcb_module_id(svn, id, sizeof(id)) == 1);
	CU_ASSERT(strcmp(id, "TDX_1A") == 0);
	CU_ASSERT(tdx_tcb_module_id(svn, id, 6) == PWR_ERR_NO_BUFFER_SPACE);
}

int
tdx_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "truncated quote is rejected at every length",
		    test_truncated },
		{ "SGX quote, wrong TEE type, version or key type rejected",
		    test_sgx_rejected },
		{ "bytes after the signature data are set apart and flagged",
		    test_trailing },
		{ "lengths that overrun or fall short are rejected",
		    test_lengths },
		{ "v5 TDX 1.5 body and its descriptor",
		    test_v5_body },
		{ "every TDX fixture: version, body type, padding, FMSPC",
		    test_fixtures },
		{ "report_data of SPR_E4 and cos-113", test_report_data },
		{ "QE report fields, auth data and PEM chain located",
		    test_qe_report },
		{ "SGX TCB components and PCESVN of the PCK certificate",
		    test_pck_tcb },
		{ "TCB level matching: first level reached in every "
		    "component", test_tcb_match },
		{ "TDX module convergence and TD relaunch advice",
		    test_tcb_status },
	};
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite("tdx", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	}
	return 0;
}
