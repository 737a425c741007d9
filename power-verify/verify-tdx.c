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

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hex.h"
#include "tdx.h"
#include "verify.h"

/*
 * Intel TDX quotes: the attestation key's signature over the quote, the
 * QE report signed by the PCK, the attestation key's hash in the QE
 * report, the PCK chain to the pinned Intel SGX Root CA and, when the
 * user gives them, the signatures and validity of Intel's TCB info and
 * QE identity, the platform's FMSPC in the TCB info and the QE against
 * its identity; then the platform's and the QE's TCB level in that TCB
 * info and QE identity, and the chains against the user's CRLs.
 */

#define VTDX_PCK_CHAIN_CERTS	3	/* PCK leaf, platform CA, root */
#define VTDX_MAX_COLLATERAL	(1024 * 1024)	/* bytes of one JSON file */
#define VTDX_CN_PCK		"Intel SGX PCK Certificate"
#define VTDX_CN_TCB_SIGNER	"Intel SGX TCB Signing"
#define VTDX_MAX_LEVELS		64	/* tcbLevels of one document */
#define VTDX_ADVISORY_CHARS	96	/* of a check's detail */

/* Where a TCB evaluation landed: borrowed from the JSON document. */
struct vtdx_grade {
	const char	*vg_status;	/* after the module and relaunch */
	const char	*vg_level;	/* the level's own tcbStatus */
	const char	*vg_module;	/* the module identity's, or NULL */
	json_t		*vg_entry;	/* the matched tcbLevels entry */
};

/* One of Intel's signed JSON documents. */
struct vtdx_coll {
	const char	*vk_sig_check;	/* "tdx-tcb-info-signature" */
	const char	*vk_fresh_check;
	const char	*vk_member;	/* the signed member: "tcbInfo" */
	const char	*vk_whose;
	const char	*vk_option;
};

static EVP_PKEY	*vtdx_key_raw(const u_char [TDX_AK_LEN]);
static int	 vtdx_ecdsa_verify(EVP_PKEY *, const u_char [TDX_SIG_LEN],
		    const u_char *, size_t);
static int	 vtdx_is_p256(EVP_PKEY *);
static X509	*vtdx_pinned_root(void);
static int	 vtdx_cn_is(X509 *, const char *);
static int	 vtdx_has_sgx_ext(X509 *);
static int	 vtdx_chain_verify(const struct verify *, X509 *,
		    STACK_OF(X509) *, int, char *, size_t);
static STACK_OF(X509) *vtdx_read_pem(const void *, size_t);
static void	 vtdx_quote_sig(struct verify *, const struct tdx_quote *);
static void	 vtdx_ak_binding(struct verify *, const struct tdx_quote *);
static void	 vtdx_qe_sig(struct verify *, const struct tdx_quote *,
		    STACK_OF(X509) *);
static void	 vtdx_pck_chain(struct verify *, const struct tdx_quote *,
		    STACK_OF(X509) *);
static void	 vtdx_policy(struct verify *, const struct tdx_quote *);
static int	 vtdx_read_file(const char *, char **, size_t *);
static const char *vtdx_tohex(const u_char [TDX_TCB_SVNS],
		    char [2 * TDX_TCB_SVNS + 1]);
static int	 vtdx_json_string(const char *, size_t, size_t *);
static int	 vtdx_json_value(const char *, size_t, size_t *);
static int	 vtdx_json_member(const char *, size_t, const char *,
		    size_t *, size_t *);
static EVP_PKEY	*vtdx_tcb_signer(struct verify *, const char *,
		    const struct vtdx_coll *);
static void	 vtdx_fresh(struct verify *, const struct vtdx_coll *,
		    json_t *);
static json_t	*vtdx_collateral(struct verify *, const char *,
		    const struct vtdx_coll *, int *);
static void	 vtdx_tcb_fmspc(struct verify *, json_t *,
		    const struct tdx_quote *);
static int	 vtdx_json_hex(json_t *, const char *, u_char *, size_t);
static void	 vtdx_qe_identity(struct verify *, const struct tdx_quote *,
		    json_t *);
static int	 vtdx_fmspc_matches(json_t *, const struct tdx_quote *);
static int	 vtdx_json_uint(json_t *, const char *, json_int_t,
		    json_int_t *);
static int	 vtdx_svns(json_t *, u_char [TDX_TCB_SVNS]);
static int	 vtdx_levels(json_t *, struct tdx_tcb_level *, size_t *);
static int	 vtdx_module(json_t *, const struct tdx_quote *,
		    const u_char [TDX_TCB_SVNS], const char **, char *, size_t);
static int	 vtdx_grade(json_t *, const struct tdx_tcb_level *, size_t,
		    const struct tdx_pck_tcb *, const struct tdx_quote *,
		    const u_char [TDX_TCB_SVNS], struct vtdx_grade *, char *,
		    size_t);
static int	 vtdx_allowed(const struct verify_opts *, const char *);
static void	 vtdx_advisories(json_t *, char *, size_t);
static void	 vtdx_status_check(struct verify *, const char *, const char *,
		    json_t *, const char *, int, const char *);
static void	 vtdx_tcb_status(struct verify *, json_t *, int,
		    const struct tdx_quote *);
static void	 vtdx_qe_tcb_status(struct verify *, json_t *, int,
		    const struct tdx_quote *);
static void	 vtdx_min_tcb(struct verify *, const struct tdx_quote *);

/*
 * The Intel SGX Root CA, pinned: the only trust anchor for TDX.  PEM
 * text of go-tdx-guest verify/trusted_root.pem (commit 91f9a52f36c7),
 * as Intel publishes it at certificates.trustedservices.intel.com;
 * sha256 fingerprint 44:A0:19:6B:2B:99:F8:89:B8:E1:49:E9:5B:80:7A:35:
 * 0E:74:24:96:43:99:E8:85:A7:CB:B8:CC:FA:B6:74:D3, valid 2018-05-21 to
 * 2049-12-31.
 */
static const char vtdx_intel_root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw\n"
    "aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv\n"
    "cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ\n"
    "BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG\n"
    "A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0\n"
    "aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT\n"
    "AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7\n"
    "1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB\n"
    "uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ\n"
    "MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50\n"
    "ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV\n"
    "Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI\n"
    "KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg\n"
    "AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=\n"
    "-----END CERTIFICATE-----\n";

static const struct vtdx_coll vtdx_tcbinfo = {
	"tdx-tcb-info-signature", "tdx-tcb-info-fresh", "tcbInfo",
	"TCB info", "--tcb-info"
};
static const struct vtdx_coll vtdx_qeidentity = {
	"tdx-qe-identity-signature", "tdx-qe-identity-fresh",
	"enclaveIdentity", "QE identity", "--qe-identity"
};

/* A P-256 public key from the quote's raw x || y. */
static EVP_PKEY *
vtdx_key_raw(const u_char xy[TDX_AK_LEN])
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey = NULL;
	OSSL_PARAM	 params[3];
	u_char		 point[1 + TDX_AK_LEN];
	char		 group[] = "prime256v1";

	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, xy, TDX_AK_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* ECDSA with SHA-256, signature as big-endian r || s; 1 good, 0 not. */
static int
vtdx_ecdsa_verify(EVP_PKEY *pkey, const u_char rs[TDX_SIG_LEN],
    const u_char *msg, size_t len)
{
	EVP_MD_CTX	*md = NULL;
	ECDSA_SIG	*sig;
	BIGNUM		*r, *s;
	u_char		*der = NULL;
	int		 derlen, ok = 0;

	r = BN_bin2bn(rs, TDX_SIG_LEN / 2, NULL);
	s = BN_bin2bn(rs + TDX_SIG_LEN / 2, TDX_SIG_LEN / 2, NULL);
	if ((sig = ECDSA_SIG_new()) == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	if ((derlen = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto out;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) != 1)
		goto out;
	ok = EVP_DigestVerify(md, der, derlen, msg, len) == 1;
 out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return ok;
}

static int
vtdx_is_p256(EVP_PKEY *pkey)
{
	char	group[32];
	size_t	len;

	if (pkey == NULL || !EVP_PKEY_is_a(pkey, "EC"))
		return 0;
	if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0;
}

static X509 *
vtdx_pinned_root(void)
{
	BIO	*bio;
	X509	*x;

	if ((bio = BIO_new_mem_buf(vtdx_intel_root_pem,
	    sizeof(vtdx_intel_root_pem) - 1)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

static int
vtdx_cn_is(X509 *x, const char *want)
{
	char	cn[128];
	int	len;

	len = X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof(cn));
	return len > 0 && (size_t)len < sizeof(cn) && strcmp(cn, want) == 0;
}

/* Only PCK certificates carry Intel's SGX extension. */
static int
vtdx_has_sgx_ext(X509 *x)
{
	ASN1_OBJECT	*oid;
	int		 idx;

	if ((oid = OBJ_txt2obj(TDX_OID_SGX_EXT, 1)) == NULL)
		return 0;
	idx = X509_get_ext_by_OBJ(x, oid, -1);
	ASN1_OBJECT_free(oid);
	return idx >= 0;
}

/*
 * Chain leaf through untrusted to the pinned root at --at, with exactly
 * depth certificates in the chain; 1 if it holds, else 0 with why.
 */
static int
vtdx_chain_verify(const struct verify *v, X509 *leaf,
    STACK_OF(X509) *untrusted, int depth, char *why, size_t whylen)
{
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*ctx = NULL;
	X509		*root;
	int		 ok = 0, err;

	snprintf(why, whylen, "cannot set up verification");
	if ((root = vtdx_pinned_root()) == NULL ||
	    (store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, root) != 1)
		goto out;
	if (verify_add_crls(v->v_opts, store, why, whylen) < 0)
		goto out;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
	    v->v_opts->vo_at);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
	    X509_V_FLAG_X509_STRICT);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		snprintf(why, whylen, "depth %d: %s",
		    X509_STORE_CTX_get_error_depth(ctx),
		    X509_verify_cert_error_string(err));
		goto out;
	}
	if (sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) != depth) {
		snprintf(why, whylen, "chain of %d certificates, want %d",
		    sk_X509_num(X509_STORE_CTX_get0_chain(ctx)), depth);
		goto out;
	}
	ok = 1;
 out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(root);
	return ok;
}

/* Every certificate of a PEM text, in order; NULL if there is none. */
static STACK_OF(X509) *
vtdx_read_pem(const void *p, size_t len)
{
	STACK_OF(X509)	*sk;
	BIO		*bio;
	X509		*x;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(p, (int)len)) == NULL)
		return NULL;
	if ((sk = sk_X509_new_null()) == NULL) {
		BIO_free(bio);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			break;
		}
	}
	ERR_clear_error();
	BIO_free(bio);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

static void
vtdx_quote_sig(struct verify *v, const struct tdx_quote *tq)
{
	EVP_PKEY	*ak;
	int		 ok;

	if ((ak = vtdx_key_raw(tq->tq_attest_key)) == NULL) {
		verify_check(v, "tdx-quote-signature", 1, VERIFY_FAIL,
		    "quote", "attestation key is not a P-256 point");
		return;
	}
	ok = vtdx_ecdsa_verify(ak, tq->tq_sig, tq->tq_signed,
	    tq->tq_signed_len);
	EVP_PKEY_free(ak);
	verify_check(v, "tdx-quote-signature", 1,
	    ok ? VERIFY_PASS : VERIFY_FAIL, "quote",
	    ok ? "ECDSA P-256 over header and TD report by the attestation key" :
	    "signature over header and TD report does not verify");
}

/* QE report_data = SHA-256(attestation key || QE auth data) || zeros. */
static void
vtdx_ak_binding(struct verify *v, const struct tdx_quote *tq)
{
	EVP_MD_CTX	*md;
	u_char		 h[32], zero[32];
	unsigned int	 hlen = 0;
	int		 ok = 0;

	memset(zero, 0, sizeof(zero));
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, tq->tq_attest_key, TDX_AK_LEN) == 1 &&
	    (tq->tq_qe_auth_len == 0 || EVP_DigestUpdate(md, tq->tq_qe_auth,
	    tq->tq_qe_auth_len) == 1) &&
	    EVP_DigestFinal_ex(md, h, &hlen) == 1 && hlen == sizeof(h))
		ok = CRYPTO_memcmp(h, tq->tq_qe_report_data, 32) == 0 &&
		    CRYPTO_memcmp(zero, tq->tq_qe_report_data + 32, 32) == 0;
	EVP_MD_CTX_free(md);
	verify_check(v, "tdx-ak-binding", 1, ok ? VERIFY_PASS : VERIFY_FAIL,
	    "QE", ok ? "QE report data = SHA-256(attestation key, QE auth data)" :
	    "QE report data does not hash the attestation key");
}

static void
vtdx_qe_sig(struct verify *v, const struct tdx_quote *tq,
    STACK_OF(X509) *chain)
{
	EVP_PKEY	*pck;
	int		 ok;

	if (chain == NULL) {
		verify_check(v, "tdx-qe-report-signature", 1, VERIFY_FAIL,
		    "PCK", "no PCK certificate in the quote");
		return;
	}
	pck = X509_get0_pubkey(sk_X509_value(chain, 0));
	if (!vtdx_is_p256(pck)) {
		verify_check(v, "tdx-qe-report-signature", 1, VERIFY_FAIL,
		    "PCK", "PCK key is not ECDSA P-256");
		return;
	}
	ok = vtdx_ecdsa_verify(pck, tq->tq_qe_report_sig, tq->tq_qe_report,
	    TDX_QE_REPORT_LEN);
	verify_check(v, "tdx-qe-report-signature", 1,
	    ok ? VERIFY_PASS : VERIFY_FAIL, "PCK",
	    ok ? "QE report signed by the PCK" :
	    "QE report signature does not verify with the PCK");
}

/* Leaf, platform CA, then the pinned root itself, byte for byte. */
static void
vtdx_pck_chain(struct verify *v, const struct tdx_quote *tq,
    STACK_OF(X509) *chain)
{
	X509		*root = NULL;
	STACK_OF(X509)	*mid = NULL;
	u_char		*a = NULL, *b = NULL;
	char		 why[192];
	int		 alen, blen, ok = 0;

	if (chain == NULL || sk_X509_num(chain) != VTDX_PCK_CHAIN_CERTS) {
		snprintf(why, sizeof(why), "certification data type %u: want "
		    "a PEM chain of %d certificates", tq->tq_inner_type,
		    VTDX_PCK_CHAIN_CERTS);
		goto out;
	}
	snprintf(why, sizeof(why), "root in the quote is not the pinned "
	    "Intel SGX Root CA");
	if ((root = vtdx_pinned_root()) == NULL ||
	    (alen = i2d_X509(root, &a)) <= 0 ||
	    (blen = i2d_X509(sk_X509_value(chain, 2), &b)) <= 0 ||
	    alen != blen || memcmp(a, b, alen) != 0)
		goto out;
	snprintf(why, sizeof(why), "leaf is not a PCK certificate");
	if (!vtdx_cn_is(sk_X509_value(chain, 0), VTDX_CN_PCK) ||
	    !vtdx_has_sgx_ext(sk_X509_value(chain, 0)))
		goto out;
	if ((mid = sk_X509_new_null()) == NULL ||
	    sk_X509_push(mid, sk_X509_value(chain, 1)) <= 0)
		goto out;
	ok = vtdx_chain_verify(v, sk_X509_value(chain, 0), mid,
	    VTDX_PCK_CHAIN_CERTS, why, sizeof(why));
 out:
	verify_check(v, "tdx-pck-chain", 1, ok ? VERIFY_PASS : VERIFY_FAIL,
	    "PCK chain", "%s%s", ok ? "PCK -> platform CA -> pinned Intel SGX "
	    "Root CA" : why, ok && v->v_opts->vo_ncrl_files > 0 ?
	    ", none revoked (--crl)" : "");
	sk_X509_free(mid);
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_free(root);
}

static void
vtdx_policy(struct verify *v, const struct tdx_quote *tq)
{
	const struct verify_opts	*vo = v->v_opts;
	int				 debug, min;

	debug = (tq->tq_td_attributes[0] & TDX_TD_ATTR_DEBUG) != 0;
	verify_check(v, "policy-debug", 1,
	    !debug || vo->vo_allow_debug ? VERIFY_PASS : VERIFY_FAIL, "policy",
	    "TD debug %s%s", debug ? "on" : "off",
	    debug && vo->vo_allow_debug ? " (allowed)" : "");
	min = vo->vo_min_report_version;
	verify_check(v, "policy-report-version", 1,
	    min <= 0 || tq->tq_version >= min ? VERIFY_PASS : VERIFY_FAIL,
	    "policy", "quote version %u, minimum %d", tq->tq_version, min);
}

/* A whole small file, NUL-terminated; 0 or -1. */
static int
vtdx_read_file(const char *path, char **out, size_t *outlen)
{
	FILE	*f;
	char	*p;
	size_t	 len;

	*out = NULL;
	*outlen = 0;
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if ((p = malloc(VTDX_MAX_COLLATERAL + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	len = fread(p, 1, VTDX_MAX_COLLATERAL + 1, f);
	if (ferror(f) || len == 0 || len > VTDX_MAX_COLLATERAL) {
		fclose(f);
		free(p);
		return -1;
	}
	fclose(f);
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return 0;
}

/* Sixteen SVN bytes as hex, for a check's detail. */
static const char *
vtdx_tohex(const u_char svn[TDX_TCB_SVNS], char out[2 * TDX_TCB_SVNS + 1])
{
	size_t	i;

	for (i = 0; i < TDX_TCB_SVNS; i++)
		snprintf(out + 2 * i, 3, "%02x", svn[i]);
	return out;
}


/*
 * Intel signs the bytes of a member's value exactly as they appear in
 * the file, so the value is located in the text rather than
 * re-serialised.  jansson has already checked that the text is valid
 * JSON; these only find where a value ends.  *ip is an index into s.
 */
static int
vtdx_json_string(const char *s, size_t len, size_t *ip)
{
	size_t	i = *ip;

	if (i >= len || s[i] != '"')
		return -1;
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"') {
			*ip = i + 1;
			return 0;
		}
	}
	return -1;
}

static int
vtdx_json_value(const char *s, size_t len, size_t *ip)
{
	size_t	i = *ip, depth = 0;

	if (i < len && s[i] == '"')
		return vtdx_json_string(s, len, ip);
	while (i < len) {
		if (s[i] == '"') {
			if (vtdx_json_string(s, len, &i) != 0)
				return -1;
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']') {
			if (depth == 0)
				break;		/* end of a scalar */
			if (--depth == 0) {
				i++;
				break;
			}
		} else if (depth == 0 && strchr(", \t\r\n", s[i]) != NULL)
			break;
		i++;
	}
	if (i == *ip || depth != 0)
		return -1;
	*ip = i;
	return 0;
}

/* The raw text of top-level member key: offset and length. */
static int
vtdx_json_member(const char *s, size_t len, const char *key, size_t *offp,
    size_t *lenp)
{
	size_t	i = 0, k, klen = strlen(key);
	int	match;

	while (i < len && strchr(" \t\r\n", s[i]) != NULL)
		i++;
	if (i >= len || s[i++] != '{')
		return -1;
	for (;;) {
		while (i < len && strchr(" \t\r\n,", s[i]) != NULL)
			i++;
		k = i;
		if (vtdx_json_string(s, len, &i) != 0)
			return -1;
		/* The key's text is s[k + 1, i - 1); escapes never match. */
		match = i - k - 2 == klen && memcmp(s + k + 1, key, klen) == 0;
		while (i < len && strchr(" \t\r\n:", s[i]) != NULL)
			i++;
		*offp = i;
		if (vtdx_json_value(s, len, &i) != 0)
			return -1;
		if (match) {
			*lenp = i - *offp;
			return 0;
		}
	}
}

/*
 * The TCB signing certificate from --tcb-chain: signed directly by the
 * pinned root and named as Intel names it, so that no PCK (which also
 * chains to the root) can sign collateral.
 */
static EVP_PKEY *
vtdx_tcb_signer(struct verify *v, const char *path,
    const struct vtdx_coll *vk)
{
	STACK_OF(X509)	*sk = NULL;
	EVP_PKEY	*pkey = NULL;
	X509		*leaf;
	char		*text = NULL, why[192];
	size_t		 len;

	snprintf(why, sizeof(why), "cannot read --tcb-chain %s",
	    path == NULL ? "(not given)" : path);
	if (path == NULL || vtdx_read_file(path, &text, &len) != 0 ||
	    (sk = vtdx_read_pem(text, len)) == NULL)
		goto out;
	leaf = sk_X509_value(sk, 0);
	snprintf(why, sizeof(why), "TCB signing certificate is not \"%s\"",
	    VTDX_CN_TCB_SIGNER);
	if (!vtdx_cn_is(leaf, VTDX_CN_TCB_SIGNER) ||
	    !vtdx_is_p256(X509_get0_pubkey(leaf)))
		goto out;
	if (!vtdx_chain_verify(v, leaf, sk, 2, why, sizeof(why)))
		goto out;
	if ((pkey = X509_get0_pubkey(leaf)) != NULL)
		EVP_PKEY_up_ref(pkey);
 out:
	if (pkey == NULL)
		verify_check(v, vk->vk_sig_check, 1, VERIFY_FAIL, vk->vk_whose,
		    "TCB signing chain: %s", why);
	sk_X509_pop_free(sk, X509_free);
	free(text);
	return pkey;
}

/* issueDate <= --at < nextUpdate. */
static void
vtdx_fresh(struct verify *v, const struct vtdx_coll *vk, json_t *body)
{
	ASN1_TIME	*t[2] = { NULL, NULL };
	const char	*names[2] = { "issueDate", "nextUpdate" };
	const char	*s[2] = { NULL, NULL };
	char		 asn1[32];
	time_t		 at = v->v_opts->vo_at;
	size_t		 i, j, n;
	int		 ok = 0;

	for (i = 0; i < 2; i++) {
		/* "2023-06-18T08:42:58Z" -> "20230618084258Z" */
		if ((s[i] = json_string_value(json_object_get(body,
		    names[i]))) == NULL)
			goto out;
		for (j = n = 0; s[i][j] != '\0' && n < sizeof(asn1) - 1; j++)
			if (strchr("-:T", s[i][j]) == NULL)
				asn1[n++] = s[i][j];
		asn1[n] = '\0';
		if ((t[i] = ASN1_TIME_new()) == NULL ||
		    ASN1_TIME_set_string(t[i], asn1) != 1)
			goto out;
	}
	ok = X509_cmp_time(t[0], &at) < 0 && X509_cmp_time(t[1], &at) > 0;
 out:
	verify_check(v, vk->vk_fresh_check, 1, ok ? VERIFY_PASS : VERIFY_FAIL,
	    vk->vk_whose, "%s %s to %s", ok ? "valid from" :
	    "--at is outside", s[0] != NULL ? s[0] : "?",
	    s[1] != NULL ? s[1] : "?");
	ASN1_TIME_free(t[0]);
	ASN1_TIME_free(t[1]);
}

/*
 * One of Intel's JSON documents: its signature by the TCB signing key
 * over the member's raw text, then its validity window.  Returns the
 * signed member (a new reference) whenever the document could be read,
 * *verified saying whether its signature held: the TCB levels are
 * evaluated either way, as checks of their own.
 */
static json_t *
vtdx_collateral(struct verify *v, const char *path,
    const struct vtdx_coll *vk, int *verified)
{
	json_t		*doc = NULL, *body = NULL;
	EVP_PKEY	*signer = NULL;
	const char	*hex;
	char		*text = NULL;
	u_char		 sig[TDX_SIG_LEN];
	size_t		 len, off, vlen;

	*verified = 0;
	if (vtdx_read_file(path, &text, &len) != 0) {
		verify_check(v, vk->vk_sig_check, 1, VERIFY_FAIL, vk->vk_whose,
		    "cannot read %s %s", vk->vk_option, path);
		goto out;
	}
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL || !json_is_object(json_object_get(doc, vk->vk_member)) ||
	    (hex = json_string_value(json_object_get(doc, "signature"))) ==
	    NULL || hex_decode(hex, sig, sizeof(sig)) != 0 ||
	    vtdx_json_member(text, len, vk->vk_member, &off, &vlen) != 0) {
		verify_check(v, vk->vk_sig_check, 1, VERIFY_FAIL, vk->vk_whose,
		    "%s is not an Intel %s document", path, vk->vk_member);
		goto out;
	}
	body = json_incref(json_object_get(doc, vk->vk_member));
	if ((signer = vtdx_tcb_signer(v, v->v_opts->vo_tcb_chain, vk)) ==
	    NULL)
		goto out;
	if (!vtdx_ecdsa_verify(signer, sig, (const u_char *)text + off,
	    vlen)) {
		verify_check(v, vk->vk_sig_check, 1, VERIFY_FAIL, vk->vk_whose,
		    "signature over %s does not verify", vk->vk_member);
		goto out;
	}
	verify_check(v, vk->vk_sig_check, 1, VERIFY_PASS, vk->vk_whose,
	    "signed by the Intel SGX TCB Signing key");
	*verified = 1;
	vtdx_fresh(v, vk, body);
 out:
	EVP_PKEY_free(signer);
	json_decref(doc);
	free(text);
	return body;
}

static void
vtdx_tcb_fmspc(struct verify *v, json_t *tcbinfo, const struct tdx_quote *tq)
{
	const char	*want;
	u_char		 have[TDX_FMSPC_LEN];

	if (tcbinfo == NULL) {
		verify_check(v, "tdx-tcb-fmspc", 0, VERIFY_SKIP, "TCB info",
		    "no verified TCB info");
		return;
	}
	if (tdx_quote_fmspc(tq, have) != 0) {
		verify_check(v, "tdx-tcb-fmspc", 1, VERIFY_FAIL, "PCK",
		    "no FMSPC in the PCK certificate");
		return;
	}
	want = json_string_value(json_object_get(tcbinfo, "fmspc"));
	if (!vtdx_fmspc_matches(tcbinfo, tq)) {
		verify_check(v, "tdx-tcb-fmspc", 1, VERIFY_FAIL, "TCB info",
		    "PCK FMSPC %02x%02x%02x%02x%02x%02x, TCB info is for %s",
		    have[0], have[1], have[2], have[3], have[4], have[5],
		    want != NULL ? want : "?");
		return;
	}
	verify_check(v, "tdx-tcb-fmspc", 1, VERIFY_PASS, "TCB info",
	    "FMSPC %s", want);
}

/* A hex member of an Intel JSON object, exactly len bytes. */
static int
vtdx_json_hex(json_t *obj, const char *key, u_char *out, size_t len)
{
	const char	*hex;

	if ((hex = json_string_value(json_object_get(obj, key))) == NULL)
		return -1;
	return hex_decode(hex, out, len);
}

/* The QE that signed is the one Intel's QE identity describes. */
static void
vtdx_qe_identity(struct verify *v, const struct tdx_quote *tq,
    json_t *id)
{
	u_char	mrsigner[32], misc[4], miscmask[4], attr[16], attrmask[16];
	u_char	have;
	size_t	i;
	int	ok;

	if (id == NULL) {
		verify_check(v, "tdx-qe-identity", 0, VERIFY_SKIP,
		    "QE identity", "no verified QE identity");
		return;
	}
	ok = vtdx_json_hex(id, "mrsigner", mrsigner, sizeof(mrsigner)) == 0 &&
	    vtdx_json_hex(id, "miscselect", misc, sizeof(misc)) == 0 &&
	    vtdx_json_hex(id, "miscselectMask", miscmask,
	    sizeof(miscmask)) == 0 &&
	    vtdx_json_hex(id, "attributes", attr, sizeof(attr)) == 0 &&
	    vtdx_json_hex(id, "attributesMask", attrmask,
	    sizeof(attrmask)) == 0 &&
	    memcmp(mrsigner, tq->tq_qe_mrsigner, sizeof(mrsigner)) == 0 &&
	    json_integer_value(json_object_get(id, "isvprodid")) ==
	    tq->tq_qe_isvprodid;
	/* miscselect is a little-endian u32; Intel writes it big-endian. */
	for (i = 0; ok && i < sizeof(misc); i++) {
		have = (tq->tq_qe_miscselect >> (8 * (3 - i))) & 0xff;
		ok = (have & miscmask[i]) == misc[i];
	}
	for (i = 0; ok && i < sizeof(attr); i++)
		ok = (tq->tq_qe_attributes[i] & attrmask[i]) == attr[i];
	verify_check(v, "tdx-qe-identity", 1, ok ? VERIFY_PASS : VERIFY_FAIL,
	    "QE", ok ? "QE signer, product and attributes match" :
	    "QE report does not match the QE identity");
}

static int
vtdx_fmspc_matches(json_t *tcbinfo, const struct tdx_quote *tq)
{
	const char	*want;
	u_char		 have[TDX_FMSPC_LEN], w[TDX_FMSPC_LEN];

	want = json_string_value(json_object_get(tcbinfo, "fmspc"));
	return want != NULL && tdx_quote_fmspc(tq, have) == 0 &&
	    hex_decode(want, w, sizeof(w)) == 0 &&
	    memcmp(have, w, sizeof(w)) == 0;
}

/* An integer member in 0..max. */
static int
vtdx_json_uint(json_t *obj, const char *key, json_int_t max, json_int_t *out)
{
	json_t	*j = json_object_get(obj, key);

	*out = 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    json_integer_value(j) > max)
		return -1;
	*out = json_integer_value(j);
	return 0;
}

/* An array of sixteen { "svn": 0..255 }. */
static int
vtdx_svns(json_t *arr, u_char out[TDX_TCB_SVNS])
{
	json_int_t	svn;
	size_t		i;

	if (!json_is_array(arr) || json_array_size(arr) != TDX_TCB_SVNS)
		return -1;
	for (i = 0; i < TDX_TCB_SVNS; i++) {
		if (vtdx_json_uint(json_array_get(arr, i), "svn", UINT8_MAX,
		    &svn) != 0)
			return -1;
		out[i] = (u_char)svn;
	}
	return 0;
}

/* Every entry of TCB info's tcbLevels, in Intel's order, with a status. */
static int
vtdx_levels(json_t *levels, struct tdx_tcb_level *tl, size_t *np)
{
	json_t		*tcb, *e;
	json_int_t	 pcesvn;
	size_t		 i;

	*np = 0;
	if (!json_is_array(levels) || json_array_size(levels) == 0 ||
	    json_array_size(levels) > VTDX_MAX_LEVELS)
		return -1;
	json_array_foreach(levels, i, e) {
		tcb = json_object_get(e, "tcb");
		if (vtdx_svns(json_object_get(tcb, "sgxtcbcomponents"),
		    tl[i].tl_sgx) != 0 ||
		    vtdx_svns(json_object_get(tcb, "tdxtcbcomponents"),
		    tl[i].tl_tdx) != 0 ||
		    vtdx_json_uint(tcb, "pcesvn", UINT16_MAX, &pcesvn) != 0 ||
		    json_string_value(json_object_get(e, "tcbStatus")) == NULL)
			return -1;
		tl[i].tl_pcesvn = (uint16_t)pcesvn;
	}
	*np = json_array_size(levels);
	return 0;
}

/*
 * A TDX module of major version 1 or later is graded by the module
 * identity of that version: Intel's signer and attributes, then the
 * first of its levels that TEE_TCB_SVN[0] reaches.  *status stays NULL
 * when the TCB level alone grades the module.  0, or -1 with why.
 */
static int
vtdx_module(json_t *tcbinfo, const struct tdx_quote *tq,
    const u_char svn[TDX_TCB_SVNS], const char **status, char *why,
    size_t whylen)
{
	json_t		*mod = NULL, *e;
	json_int_t	 isvsvn;
	const char	*name;
	char		 id[16];
	u_char		 mrsigner[48], attr[8], mask[8];
	size_t		 i;

	*status = NULL;
	if (tdx_tcb_module_id(svn, id, sizeof(id)) != 1)
		return 0;
	json_array_foreach(json_object_get(tcbinfo, "tdxModuleIdentities"),
	    i, e) {
		name = json_string_value(json_object_get(e, "id"));
		if (name != NULL && strcmp(name, id) == 0)
			mod = e;
	}
	snprintf(why, whylen, "no TDX module identity %s in the TCB info", id);
	if (mod == NULL)
		return -1;
	snprintf(why, whylen, "TDX module is not Intel's %s (MRSIGNERSEAM or "
	    "SEAMATTRIBUTES)", id);
	if (vtdx_json_hex(mod, "mrsigner", mrsigner, sizeof(mrsigner)) != 0 ||
	    vtdx_json_hex(mod, "attributes", attr, sizeof(attr)) != 0 ||
	    vtdx_json_hex(mod, "attributesMask", mask, sizeof(mask)) != 0 ||
	    memcmp(mrsigner, tq->tq_mrsignerseam, sizeof(mrsigner)) != 0)
		return -1;
	for (i = 0; i < sizeof(attr); i++)
		if ((tq->tq_seam_attributes[i] & mask[i]) != attr[i])
			return -1;
	json_array_foreach(json_object_get(mod, "tcbLevels"), i, e) {
		if (vtdx_json_uint(json_object_get(e, "tcb"), "isvsvn",
		    UINT8_MAX, &isvsvn) == 0 && isvsvn <= svn[0] &&
		    (*status = json_string_value(json_object_get(e,
		    "tcbStatus"))) != NULL)
			return 0;
	}
	snprintf(why, whylen, "no level of TDX module %s for its SVN %u", id,
	    svn[0]);
	return -1;
}

/* One evaluation of a TEE_TCB_SVN: the level, then the module. */
static int
vtdx_grade(json_t *tcbinfo, const struct tdx_tcb_level *tl, size_t n,
    const struct tdx_pck_tcb *tp, const struct tdx_quote *tq,
    const u_char svn[TDX_TCB_SVNS], struct vtdx_grade *g, char *why,
    size_t whylen)
{
	char	sgx[2 * TDX_TCB_SVNS + 1], tee[2 * TDX_TCB_SVNS + 1];
	int	i;

	memset(g, 0, sizeof(*g));
	if ((i = tdx_tcb_match(tl, n, tp, svn)) < 0) {
		snprintf(why, whylen, "no TCB level matches PCK SGX TCB %s, "
		    "PCESVN %u, TEE_TCB_SVN %s", vtdx_tohex(tp->tp_sgx, sgx),
		    tp->tp_pcesvn, vtdx_tohex(svn, tee));
		return -1;
	}
	g->vg_entry = json_array_get(json_object_get(tcbinfo, "tcbLevels"),
	    i);
	g->vg_level = json_string_value(json_object_get(g->vg_entry,
	    "tcbStatus"));
	if (vtdx_module(tcbinfo, tq, svn, &g->vg_module, why, whylen) != 0)
		return -1;
	g->vg_status = tdx_tcb_converge(g->vg_level, g->vg_module);
	return 0;
}

static int
vtdx_allowed(const struct verify_opts *vo, const char *status)
{
	size_t	i;

	if (strcmp(status, "UpToDate") == 0)
		return 1;
	for (i = 0; i < vo->vo_nallow_tcb; i++)
		if (strcmp(status, vo->vo_allow_tcb[i]) == 0)
			return 1;
	return 0;
}

/* A level's advisoryIDs, as many as fit, then how many did not. */
static void
vtdx_advisories(json_t *entry, char *buf, size_t len)
{
	json_t		*ids, *e;
	const char	*s;
	size_t		 i, left;

	buf[0] = '\0';
	ids = json_object_get(entry, "advisoryIDs");
	json_array_foreach(ids, i, e) {
		if ((s = json_string_value(e)) == NULL)
			continue;
		left = json_array_size(ids) - i;
		if (strlen(buf) + strlen(s) + 16 >= len) {
			snprintf(buf + strlen(buf), len - strlen(buf),
			    " +%zu more", left);
			return;
		}
		strlcat(buf, buf[0] == '\0' ? "; advisories " : ",", len);
		strlcat(buf, s, len);
	}
}

static void
vtdx_status_check(struct verify *v, const char *name, const char *whose,
    json_t *entry, const char *status, int verified, const char *extra)
{
	const char	*date;
	char		 adv[VTDX_ADVISORY_CHARS];
	int		 ok;

	ok = vtdx_allowed(v->v_opts, status);
	date = json_string_value(json_object_get(entry, "tcbDate"));
	vtdx_advisories(entry, adv, sizeof(adv));
	verify_check(v, name, 1, ok ? VERIFY_PASS : VERIFY_FAIL, whose,
	    "%s%s (level of %s%s)%s%s", status,
	    ok && strcmp(status, "UpToDate") != 0 ? ", allowed" : "",
	    date != NULL ? date : "?", extra, adv,
	    verified ? "" : "; the document is not verified");
}

/*
 * The platform's TCB status (Intel's TDX TCB level matching): the PCK's
 * SGX components and PCESVN and the quote's TEE_TCB_SVN against the
 * levels, the TDX module against its identity, and for a TDX 1.5 TD the
 * TCB it runs on now (TEE_TCB_SVN2) for relaunch advice.
 */
static void
vtdx_tcb_status(struct verify *v, json_t *tcbinfo, int verified,
    const struct tdx_quote *tq)
{
	struct tdx_tcb_level	 tl[VTDX_MAX_LEVELS];
	struct tdx_pck_tcb	 tp;
	struct vtdx_grade	 launch, now;
	const char		*status;
	char			 why[160], extra[96], id[16];
	size_t			 n;
	u_char			 zero[TDX_TCB_SVNS];

	if (tcbinfo == NULL) {
		verify_check(v, "tdx-tcb-status", 0, VERIFY_SKIP, "TCB info",
		    "no TCB info");
		return;
	}
	if (!vtdx_fmspc_matches(tcbinfo, tq)) {
		verify_check(v, "tdx-tcb-status", 0, VERIFY_SKIP, "TCB info",
		    "not evaluated: the TCB info is for another FMSPC");
		return;
	}
	if (tdx_quote_pck_tcb(tq, &tp) != 0) {
		verify_check(v, "tdx-tcb-status", 1, VERIFY_FAIL, "PCK",
		    "no SGX TCB components in the PCK certificate");
		return;
	}
	if (vtdx_levels(json_object_get(tcbinfo, "tcbLevels"), tl, &n) != 0) {
		verify_check(v, "tdx-tcb-status", 1, VERIFY_FAIL, "TCB info",
		    "tcbLevels is not Intel's TCB info v3 format");
		return;
	}
	if (vtdx_grade(tcbinfo, tl, n, &tp, tq, tq->tq_tee_tcb_svn, &launch,
	    why, sizeof(why)) != 0) {
		verify_check(v, "tdx-tcb-status", 1, VERIFY_FAIL, "platform",
		    "%s%s", why, verified ? "" :
		    "; the document is not verified");
		return;
	}
	status = launch.vg_status;
	extra[0] = '\0';
	if (launch.vg_module != NULL &&
	    tdx_tcb_module_id(tq->tq_tee_tcb_svn, id, sizeof(id)) == 1)
		snprintf(extra, sizeof(extra), ", level %s, module %s %s",
		    launch.vg_level, id, launch.vg_module);
	memset(zero, 0, sizeof(zero));
	if (tq->tq_body_type == TDX_BODY_TYPE_15 &&
	    memcmp(tq->tq_tee_tcb_svn2, zero, sizeof(zero)) != 0 &&
	    vtdx_grade(tcbinfo, tl, n, &tp, tq, tq->tq_tee_tcb_svn2, &now,
	    why, sizeof(why)) == 0) {
		status = tdx_tcb_relaunch(launch.vg_status, now.vg_status);
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
		    ", TEE_TCB_SVN2 %s", now.vg_status);
	}
	vtdx_status_check(v, "tdx-tcb-status", "platform", launch.vg_entry,
	    status, verified, extra);
}

/* The QE's status: the first QE identity level its ISVSVN reaches. */
static void
vtdx_qe_tcb_status(struct verify *v, json_t *id, int verified,
    const struct tdx_quote *tq)
{
	json_t		*e;
	json_int_t	 isvsvn;
	const char	*status;
	size_t		 i;

	if (id == NULL) {
		verify_check(v, "tdx-qe-tcb-status", 0, VERIFY_SKIP,
		    "QE identity", "no QE identity");
		return;
	}
	json_array_foreach(json_object_get(id, "tcbLevels"), i, e) {
		if (vtdx_json_uint(json_object_get(e, "tcb"), "isvsvn",
		    UINT16_MAX, &isvsvn) != 0 ||
		    (status = json_string_value(json_object_get(e,
		    "tcbStatus"))) == NULL)
			break;
		if (isvsvn <= tq->tq_qe_isvsvn) {
			vtdx_status_check(v, "tdx-qe-tcb-status", "QE", e,
			    status, verified, "");
			return;
		}
	}
	verify_check(v, "tdx-qe-tcb-status", 1, VERIFY_FAIL, "QE",
	    "no QE identity level for ISVSVN %u%s", tq->tq_qe_isvsvn,
	    verified ? "" : "; the document is not verified");
}

/* --min-tdx-tcb: each byte of TEE_TCB_SVN at least the given one. */
static void
vtdx_min_tcb(struct verify *v, const struct tdx_quote *tq)
{
	const struct verify_opts	*vo = v->v_opts;
	const u_char			*svn = tq->tq_tee_tcb_svn;
	size_t				 i;

	if (!vo->vo_have_min_tdx_tcb) {
		verify_check(v, "policy-min-tcb", 0, VERIFY_SKIP, "client",
		    "TEE_TCB_SVN %02x%02x%02x%02x... (no --min-tdx-tcb)",
		    svn[0], svn[1], svn[2], svn[3]);
		return;
	}
	for (i = 0; i < TDX_TCB_SVNS; i++) {
		if (svn[i] < vo->vo_min_tdx_tcb[i]) {
			verify_check(v, "policy-min-tcb", 1, VERIFY_FAIL,
			    "quote", "TEE_TCB_SVN[%zu] %u is below the minimum "
			    "%u", i, svn[i], vo->vo_min_tdx_tcb[i]);
			return;
		}
	}
	verify_check(v, "policy-min-tcb", 1, VERIFY_PASS, "quote",
	    "TEE_TCB_SVN meets --min-tdx-tcb");
}

void
verify_tdx(struct verify *v, const u_char *p, size_t len)
{
	const struct verify_opts	*vo = v->v_opts;
	struct tdx_quote		 tq;
	STACK_OF(X509)			*chain = NULL;
	json_t				*tcbinfo = NULL, *qeid = NULL;
	int				 tcb_ok = 0, qeid_ok = 0;

	if (tdx_quote_parse(p, len, &tq) != 0) {
		verify_check(v, "tdx-quote-parse", 1, VERIFY_FAIL, "quote",
		    "not a TDX quote v4 or v5 with QE report certification "
		    "data");
		return;
	}
	verify_check(v, "tdx-quote-parse", 1, VERIFY_PASS, "quote",
	    "version %u, body type %u (%u bytes), %zu bytes of padding",
	    tq.tq_version, tq.tq_body_type, tq.tq_body_len, tq.tq_padding_len);
	if (tq.tq_trailing_nonzero)
		verify_check(v, "tdx-trailing-data", 0, VERIFY_SKIP, "quote",
		    "%zu bytes after the signature data are not zero: signed "
		    "by nobody, ignored", tq.tq_padding_len);
	if (tq.tq_inner_type == TDX_CERT_PCK_CHAIN)
		chain = vtdx_read_pem(tq.tq_inner, tq.tq_inner_len);
	vtdx_quote_sig(v, &tq);
	vtdx_qe_sig(v, &tq, chain);
	vtdx_ak_binding(v, &tq);
	vtdx_pck_chain(v, &tq, chain);
	if (vo->vo_tcbinfo != NULL)
		tcbinfo = vtdx_collateral(v, vo->vo_tcbinfo, &vtdx_tcbinfo,
		    &tcb_ok);
	else
		verify_check(v, "tdx-tcb-info-signature", 0, VERIFY_SKIP,
		    "TCB info", "no --tcb-info given");
	vtdx_tcb_fmspc(v, tcb_ok ? tcbinfo : NULL, &tq);
	vtdx_tcb_status(v, tcbinfo, tcb_ok, &tq);
	if (vo->vo_qeidentity != NULL)
		qeid = vtdx_collateral(v, vo->vo_qeidentity, &vtdx_qeidentity,
		    &qeid_ok);
	else
		verify_check(v, "tdx-qe-identity-signature", 0, VERIFY_SKIP,
		    "QE identity", "no --qe-identity given");
	vtdx_qe_identity(v, &tq, qeid_ok ? qeid : NULL);
	vtdx_qe_tcb_status(v, qeid, qeid_ok, &tq);
	vtdx_policy(v, &tq);
	vtdx_min_tcb(v, &tq);
	json_decref(tcbinfo);
	json_decref(qeid);
	sk_X509_pop_free(chain, X509_free);
}
