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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <CUnit/CUnit.h>

#include "err.h"
#include "evidence.h"
#include "ratls.h"
#include "tests.h"

/*
 * RA-TLS certificates: what ratls_cert_make() writes, ratls_cert_parse()
 * reads back; the bad paths first (truncation, trailing bytes, repeated
 * or malformed extensions, non-canonical base64).
 */

#define T_LIFETIME	600
#define T_NOW		1767225600	/* 2026-01-01T00:00:00Z */

static EVP_PKEY	*t_key;

/* A simulated report over this key's SPKI, and its JSON document. */
static void
t_evidence(EVP_PKEY *key, u_char raw[EVIDENCE_SIM_LEN], char *json,
    size_t jsonlen)
{
	u_char	spki[32], rd[EVIDENCE_REPORT_DATA_LEN];
	char	*b64;

	CU_ASSERT_EQUAL_FATAL(ratls_spki_sha256(key, spki), 0);
	evidence_rd_ratls(rd, spki);
	evidence_sim_build(raw, rd);
	b64 = calloc(1, 4 * EVIDENCE_SIM_LEN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b64);
	EVP_EncodeBlock((u_char *)b64, raw, EVIDENCE_SIM_LEN);
	snprintf(json, jsonlen, "{\"object\":\"attestation\",\"tee_type\":"
	    "\"simulated\",\"simulated\":true,\"report\":\"%s\"}", b64);
	free(b64);
}

/* A fresh RA-TLS certificate as DER; the caller frees it. */
static u_char *
t_cert(EVP_PKEY *key, size_t *len, X509 **xp)
{
	u_char	 raw[EVIDENCE_SIM_LEN], *der = NULL;
	char	 json[1024];
	X509	*x;
	int	 n;

	t_evidence(key, raw, json, sizeof(json));
	CU_ASSERT_EQUAL_FATAL(ratls_cert_make(key, json, strlen(json),
	    "simulated", raw, sizeof(raw), T_NOW, T_LIFETIME, &x), 0);
	n = i2d_X509(x, &der);
	CU_ASSERT_FATAL(n > 0);
	*len = (size_t)n;
	if (xp != NULL)
		*xp = x;
	else
		X509_free(x);
	return der;
}

static void
test_truncated(void)
{
	struct ratls_cert	 rc;
	u_char			*der;
	size_t			 len, i;

	der = t_cert(t_key, &len, NULL);
	for (i = 0; i < len; i += 97)
		CU_ASSERT_NOT_EQUAL(ratls_cert_parse(der, i, &rc), 0);
	CU_ASSERT_PTR_NULL(rc.rc_json);
	OPENSSL_free(der);
}

static void
test_trailing(void)
{
	struct ratls_cert	 rc;
	u_char			*der, *p;
	size_t			 len;

	der = t_cert(t_key, &len, NULL);
	p = malloc(len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, der, len);
	p[len] = 0;
	CU_ASSERT_EQUAL(ratls_cert_parse(p, len + 1, &rc),
	    PWR_ERR_TRAILING_DATA);
	CU_ASSERT_EQUAL(ratls_cert_parse(p, 0, &rc), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(ratls_cert_parse(NULL, 10, &rc),
	    PWR_ERR_INVALID_FORMAT);
	free(p);
	OPENSSL_free(der);
}

/* The same extension twice: which one would a verifier believe? */
static void
test_repeated_extension(void)
{
	struct ratls_cert	 rc;
	X509			*x;
	X509_EXTENSION		*ext;
	ASN1_OBJECT		*cmw;
	u_char			*der;
	size_t			 len;
	int			 i;

	der = t_cert(t_key, &len, &x);
	OPENSSL_free(der);
	CU_ASSERT_FATAL((cmw = OBJ_txt2obj(RATLS_OID_CMW, 1)) != NULL);
	i = X509_get_ext_by_OBJ(x, cmw, -1);
	ASN1_OBJECT_free(cmw);
	CU_ASSERT_FATAL(i >= 0);
	ext = X509_EXTENSION_dup(X509_get_ext(x, i));
	CU_ASSERT_EQUAL_FATAL(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	CU_ASSERT_FATAL(X509_sign(x, t_key, EVP_sha256()) > 0);
	CU_ASSERT_EQUAL(ratls_cert_extract(x, &rc), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NULL(rc.rc_json);
	X509_free(x);
}

/*
 * The CMW extension's UTF8String with a byte after it: refused (and the
 * string parsed on the way is freed: LeakSanitizer checks that).
 */
static void
test_cmw_trailing(void)
{
	struct ratls_cert	 rc;
	X509			*x;
	X509_EXTENSION		*ext;
	ASN1_OCTET_STRING	*os;
	ASN1_OBJECT		*cmw;
	u_char			*der, *val;
	size_t			 len;
	int			 i, n;

	der = t_cert(t_key, &len, &x);
	OPENSSL_free(der);
	CU_ASSERT_FATAL((cmw = OBJ_txt2obj(RATLS_OID_CMW, 1)) != NULL);
	i = X509_get_ext_by_OBJ(x, cmw, -1);
	ASN1_OBJECT_free(cmw);
	CU_ASSERT_FATAL(i >= 0);
	ext = X509_get_ext(x, i);
	os = X509_EXTENSION_get_data(ext);
	n = ASN1_STRING_length(os);
	CU_ASSERT_FATAL(n > 0);
	val = malloc((size_t)n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(val);
	memcpy(val, ASN1_STRING_get0_data(os), (size_t)n);
	val[n] = 0;
	CU_ASSERT_FATAL(ASN1_OCTET_STRING_set(os, val, n + 1) == 1);
	free(val);
	CU_ASSERT_FATAL(X509_sign(x, t_key, EVP_sha256()) > 0);
	CU_ASSERT_EQUAL(ratls_cert_extract(x, &rc), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NULL(rc.rc_raw);
	X509_free(x);
}

static void
test_cmw_bad(void)
{
	static const char *const bad[] = {
		"", "{}", "[]", "[\"a\"]", "[\"\",\"QQ\"]", "[1,\"QQ\"]",
		"[\"a\",\"QQ==\"]", "[\"a\",\"Q\"]", "[\"a\",\"QR\"]",
		"[\"a\",\"Q+\"]", "[\"a\",\"QQ\",0]", "[\"a\",\"QQ\",16]",
		"[\"a\",\"QQ\",4,1]", "[\"a\",\"Q Q\"]",
	};
	char	 media[RATLS_MAX_MEDIA];
	u_char	*raw;
	size_t	 rawlen, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_NOT_EQUAL(ratls_cmw_parse(bad[i], strlen(bad[i]),
		    media, sizeof(media), &raw, &rawlen), 0);
		CU_ASSERT_PTR_NULL(raw);
	}
	CU_ASSERT_EQUAL_FATAL(ratls_cmw_parse("[\"t/x\",\"QUI\",4]", 15,
	    media, sizeof(media), &raw, &rawlen), 0);
	CU_ASSERT_STRING_EQUAL(media, "t/x");
	CU_ASSERT_EQUAL(rawlen, 2);
	CU_ASSERT_EQUAL(memcmp(raw, "AB", 2), 0);
	free(raw);
}

static void
test_b64url(void)
{
	u_char	 in[256], *out;
	char	*s;
	size_t	 n, outlen;

	for (n = 0; n < sizeof(in); n++)
		in[n] = (u_char)(n * 7 + 3);
	for (n = 0; n <= sizeof(in); n += 17) {
		CU_ASSERT_EQUAL_FATAL(ratls_b64url_encode(in, n, &s), 0);
		CU_ASSERT_PTR_NULL(strpbrk(s, "+/="));
		CU_ASSERT_EQUAL_FATAL(ratls_b64url_decode(s, strlen(s), &out,
		    &outlen), 0);
		CU_ASSERT_EQUAL(outlen, n);
		CU_ASSERT_EQUAL(memcmp(out, in, n), 0);
		free(out);
		free(s);
	}
}

static void
test_unknown_tee(void)
{
	X509	*x;

	CU_ASSERT_NOT_EQUAL(ratls_cert_make(t_key, "{}", 2, "sgx",
	    (const u_char *)"x", 1, T_NOW, T_LIFETIME, &x), 0);
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT_NOT_EQUAL(ratls_cert_make(t_key, "{}", 2, "simulated",
	    (const u_char *)"x", 1, T_NOW, 0, &x), 0);
	CU_ASSERT_PTR_NULL(x);
}

/* A certificate without our extensions parses, with nothing found. */
static void
test_plain_cert(void)
{
	struct ratls_cert	 rc;
	X509			*x;
	u_char			*der = NULL;
	int			 n;

	x = X509_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	ASN1_TIME_set(X509_getm_notBefore(x), T_NOW);
	ASN1_TIME_set(X509_getm_notAfter(x), T_NOW + 10);
	X509_set_pubkey(x, t_key);
	CU_ASSERT_FATAL(X509_sign(x, t_key, EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(ratls_cert_parse(der, (size_t)n, &rc), 0);
	CU_ASSERT_PTR_NULL(rc.rc_json);
	CU_ASSERT_PTR_NULL(rc.rc_raw);
	CU_ASSERT_EQUAL(rc.rc_media[0], '\0');
	CU_ASSERT_EQUAL(rc.rc_selfsigned, 1);
	ratls_cert_clear(&rc);
	OPENSSL_free(der);
	X509_free(x);
}

static void
test_round_trip(void)
{
	struct ratls_cert	 rc;
	u_char			*der, spki[32], *jraw;
	size_t			 len, jrawlen;
	struct evidence_info	 ei;

	der = t_cert(t_key, &len, NULL);
	CU_ASSERT_EQUAL_FATAL(ratls_cert_parse(der, len, &rc), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rc.rc_json);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rc.rc_raw);
	CU_ASSERT_STRING_EQUAL(rc.rc_media, RATLS_MEDIA_SIM);
	CU_ASSERT_EQUAL(rc.rc_notbefore, T_NOW - RATLS_BACKDATE_SEC);
	CU_ASSERT_EQUAL(rc.rc_notafter, T_NOW + T_LIFETIME);
	CU_ASSERT_EQUAL(rc.rc_selfsigned, 1);
	/* The key in the certificate is the one the evidence binds. */
	CU_ASSERT_EQUAL(ratls_spki_sha256(t_key, spki), 0);
	CU_ASSERT_EQUAL(memcmp(spki, rc.rc_spki_sha256, 32), 0);
	CU_ASSERT_EQUAL_FATAL(evidence_parse(rc.rc_raw, rc.rc_rawlen, &ei),
	    0);
	CU_ASSERT_EQUAL(memcmp(ei.ei_report_data, spki, 32), 0);
	CU_ASSERT_EQUAL(ei.ei_report_data[32], EVIDENCE_RATLS_VERSION);
	/* Both extensions carry the same evidence. */
	CU_ASSERT_EQUAL_FATAL(ratls_json_report(rc.rc_json, rc.rc_jsonlen,
	    &jraw, &jrawlen), 0);
	CU_ASSERT_EQUAL(jrawlen, rc.rc_rawlen);
	CU_ASSERT_EQUAL(memcmp(jraw, rc.rc_raw, jrawlen), 0);
	free(jraw);
	ratls_cert_clear(&rc);
	OPENSSL_free(der);
}

static void
test_serial_fresh(void)
{
	X509	*a, *b;
	u_char	*d;
	size_t	 len;

	d = t_cert(t_key, &len, &a);
	OPENSSL_free(d);
	d = t_cert(t_key, &len, &b);
	OPENSSL_free(d);
	CU_ASSERT_NOT_EQUAL(ASN1_INTEGER_cmp(X509_get0_serialNumber(a),
	    X509_get0_serialNumber(b)), 0);
	CU_ASSERT(ASN1_INTEGER_get(X509_get0_serialNumber(a)) != 0);
	X509_free(a);
	X509_free(b);
}

static void
test_schedule(void)
{
	unsigned int	d = 0, i;

	CU_ASSERT_EQUAL(ratls_renew_after(600), 400);
	CU_ASSERT_EQUAL(ratls_renew_after(86400), 57600);
	CU_ASSERT_EQUAL(ratls_renew_after(0), 0);
	for (i = 0; i < 20; i++) {
		d = ratls_retry_after(d);
		CU_ASSERT(d >= RATLS_RETRY_MIN_SEC && d <= RATLS_RETRY_MAX_SEC);
	}
	CU_ASSERT_EQUAL(d, RATLS_RETRY_MAX_SEC);
	CU_ASSERT_EQUAL(ratls_retry_after(0), 1);
	CU_ASSERT_EQUAL(ratls_retry_after(1), 2);
}

static int
t_init(void)
{
	return (t_key = EVP_EC_gen("P-256")) == NULL ? -1 : 0;
}

static int
t_clean(void)
{
	EVP_PKEY_free(t_key);
	return 0;
}

int
ratls_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "truncated certificate is rejected", test_truncated },
		{ "trailing bytes after the certificate are rejected",
		    test_trailing },
		{ "a repeated RA-TLS extension is rejected",
		    test_repeated_extension },
		{ "malformed CMW records and base64url are rejected",
		    test_cmw_bad },
		{ "a CMW string with bytes after it is refused",
		    test_cmw_trailing },
		{ "base64url round trips without padding", test_b64url },
		{ "unknown TEE or zero lifetime makes no certificate",
		    test_unknown_tee },
		{ "a certificate without the extensions yields nothing",
		    test_plain_cert },
		{ "certificate round trip: key, validity, both extensions",
		    test_round_trip },
		{ "every certificate gets a fresh positive serial",
		    test_serial_fresh },
		{ "re-issue at two thirds, retries back off to the cap",
		    test_schedule },
	};
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite("ratls", t_init, t_clean)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
