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

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "err.h"
#include "ratls.h"

/*
 * Making and reading RA-TLS certificates (see ratls.h and PROTOCOL
 * "RA-TLS certificate").  OpenSSL does the DER; everything taken out
 * of a certificate is checked against the RATLS_MAX_* limits first.
 */

#define RATLS_SERIAL_BYTES	16

static int	ratls_add_ext(X509 *, const char *, const u_char *, size_t);
static int	ratls_add_std(X509 *, int, const char *);
static int	ratls_cmw_der(const char *, const u_char *, size_t, u_char **,
		    int *);
static int	ratls_serial(X509 *);
static int	ratls_name(X509 *);
static int	ratls_ext_data(X509 *, const char *, const u_char **,
		    size_t *);
static int	ratls_time(const ASN1_TIME *, time_t *);
static int	ratls_b64_decode(const char *, size_t, int, u_char **,
		    size_t *);

static const struct {
	const char	*tee;
	const char	*media;
} ratls_media[] = {
	{ "sev-snp", RATLS_MEDIA_SNP },
	{ "tdx", RATLS_MEDIA_TDX },
	{ "simulated", RATLS_MEDIA_SIM },
};

const char *
ratls_media_type(const char *tee)
{
	size_t	i;

	for (i = 0; i < sizeof(ratls_media) / sizeof(ratls_media[0]); i++)
		if (tee != NULL && strcmp(tee, ratls_media[i].tee) == 0)
			return ratls_media[i].media;
	return NULL;
}

long
ratls_renew_after(long lifetime)
{
	if (lifetime <= 0)
		return 0;
	return lifetime - lifetime / 3;
}

unsigned int
ratls_retry_after(unsigned int previous)
{
	if (previous < RATLS_RETRY_MIN_SEC)
		return RATLS_RETRY_MIN_SEC;
	if (previous >= RATLS_RETRY_MAX_SEC / 2)
		return RATLS_RETRY_MAX_SEC;
	return previous * 2;
}

int
ratls_spki_sha256(EVP_PKEY *key, u_char out[32])
{
	u_char		*der = NULL;
	unsigned int	 len = 32;
	int		 n;

	if ((n = i2d_PUBKEY(key, &der)) <= 0)
		return PWR_ERR_INVALID_FORMAT;
	if (EVP_Digest(der, (size_t)n, out, &len, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return PWR_ERR_INTERNAL;
	}
	OPENSSL_free(der);
	return 0;
}

int
ratls_cert_make(EVP_PKEY *key, const char *json, size_t jsonlen,
    const char *tee, const u_char *raw, size_t rawlen, time_t now,
    long lifetime, X509 **out)
{
	X509		*x;
	u_char		*cmw = NULL;
	int		 cmwlen = 0, r = PWR_ERR_INTERNAL;

	*out = NULL;
	if (ratls_media_type(tee) == NULL || jsonlen > RATLS_MAX_JSON ||
	    lifetime <= 0)
		return PWR_ERR_INVALID_FORMAT;
	if ((x = X509_new()) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if (X509_set_version(x, 2) != 1 || ratls_serial(x) != 0 ||
	    ratls_name(x) != 0 ||
	    ASN1_TIME_set(X509_getm_notBefore(x),
	    now - RATLS_BACKDATE_SEC) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), now + lifetime) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto out;
	if (ratls_add_std(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    ratls_add_std(x, NID_key_usage, "critical,digitalSignature") != 0 ||
	    ratls_add_std(x, NID_ext_key_usage, "serverAuth") != 0)
		goto out;
	if (ratls_add_ext(x, RATLS_OID_JSON, (const u_char *)json,
	    jsonlen) != 0 ||
	    ratls_cmw_der(tee, raw, rawlen, &cmw, &cmwlen) != 0 ||
	    ratls_add_ext(x, RATLS_OID_CMW, cmw, (size_t)cmwlen) != 0)
		goto out;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	*out = x;
	x = NULL;
	r = 0;
 out:
	OPENSSL_free(cmw);
	X509_free(x);
	return r;
}

/* Positive, non-zero, RATLS_SERIAL_BYTES random bytes (RFC 5280 4.1.2.2). */
static int
ratls_serial(X509 *x)
{
	u_char		 rnd[RATLS_SERIAL_BYTES];
	BIGNUM		*bn;
	int		 r = -1;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	rnd[0] &= 0x7f;
	rnd[0] |= 0x01;
	if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL)
		return -1;
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		r = 0;
	BN_free(bn);
	return r;
}

static int
ratls_name(X509 *x)
{
	X509_NAME	*n;
	int		 r = -1;

	if ((n = X509_NAME_new()) == NULL)
		return -1;
	if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const u_char *)RATLS_CN, -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, n) == 1 &&
	    X509_set_issuer_name(x, n) == 1)
		r = 0;
	X509_NAME_free(n);
	return r;
}

static int
ratls_add_std(X509 *x, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 r;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return r;
}

/* A non-critical extension whose extnValue holds exactly these bytes. */
static int
ratls_add_ext(X509 *x, const char *oid, const u_char *p, size_t len)
{
	ASN1_OBJECT		*obj;
	ASN1_OCTET_STRING	*os = NULL;
	X509_EXTENSION		*ext = NULL;
	int			 r = -1;

	if (len > INT_MAX || (obj = OBJ_txt2obj(oid, 1)) == NULL)
		return -1;
	if ((os = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(os, p, (int)len) == 1 &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
	    X509_add_ext(x, ext, -1) == 1)
		r = 0;
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return r;
}

/* CMW ::= CHOICE { json UTF8String, ... }: the JSON record, DER. */
static int
ratls_cmw_der(const char *tee, const u_char *raw, size_t rawlen,
    u_char **der, int *derlen)
{
	ASN1_UTF8STRING	*u;
	char		*b64 = NULL, *rec = NULL;
	int		 n, r = -1;

	*der = NULL;
	if (ratls_b64url_encode(raw, rawlen, &b64) != 0)
		return -1;
	if (asprintf(&rec, "[\"%s\",\"%s\"]", ratls_media_type(tee),
	    b64) == -1) {
		rec = NULL;
		goto out;
	}
	if ((u = ASN1_UTF8STRING_new()) == NULL)
		goto out;
	if (ASN1_STRING_set(u, rec, -1) == 1 &&
	    (n = i2d_ASN1_UTF8STRING(u, der)) > 0) {
		*derlen = n;
		r = 0;
	}
	ASN1_UTF8STRING_free(u);
 out:
	free(b64);
	free(rec);
	return r;
}

int
ratls_cert_parse(const u_char *p, size_t len, struct ratls_cert *rc)
{
	const u_char	*q = p;
	X509		*x;
	int		 r;

	memset(rc, 0, sizeof(*rc));
	if (p == NULL || len == 0 || len > RATLS_MAX_CERT)
		return PWR_ERR_INVALID_FORMAT;
	if ((x = d2i_X509(NULL, &q, (long)len)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if ((size_t)(q - p) != len)
		r = PWR_ERR_TRAILING_DATA;
	else
		r = ratls_cert_extract(x, rc);
	X509_free(x);
	return r;
}

/*
 * The validity, SPKI hash and both extensions.  A missing extension
 * leaves its fields empty (the caller reports which); a malformed or
 * repeated one is an error.
 */
int
ratls_cert_extract(X509 *x, struct ratls_cert *rc)
{
	X509_PUBKEY	*pk;
	EVP_PKEY	*key;
	ASN1_UTF8STRING	*u = NULL;
	const u_char	*p, *q;
	u_char		*der = NULL;
	unsigned int	 hlen = 32;
	size_t		 len;
	int		 n, r;

	memset(rc, 0, sizeof(*rc));
	if (ratls_time(X509_get0_notBefore(x), &rc->rc_notbefore) != 0 ||
	    ratls_time(X509_get0_notAfter(x), &rc->rc_notafter) != 0)
		return PWR_ERR_INVALID_FORMAT;
	if ((pk = X509_get_X509_PUBKEY(x)) == NULL ||
	    (n = i2d_X509_PUBKEY(pk, &der)) <= 0)
		return PWR_ERR_INVALID_FORMAT;
	r = EVP_Digest(der, (size_t)n, rc->rc_spki_sha256, &hlen,
	    EVP_sha256(), NULL) == 1 ? 0 : PWR_ERR_INTERNAL;
	OPENSSL_free(der);
	if (r != 0)
		return r;
	if ((key = X509_get0_pubkey(x)) != NULL && X509_verify(x, key) == 1)
		rc->rc_selfsigned = 1;
	ERR_clear_error();

	if ((r = ratls_ext_data(x, RATLS_OID_JSON, &p, &len)) < 0)
		goto fail;
	if (r == 1) {
		if (len == 0 || len > RATLS_MAX_JSON ||
		    memchr(p, '\0', len) != NULL) {
			r = PWR_ERR_INVALID_FORMAT;
			goto fail;
		}
		rc->rc_json = malloc(len + 1);
		if (rc->rc_json == NULL) {
			r = PWR_ERR_ALLOC_FAIL;
			goto fail;
		}
		memcpy(rc->rc_json, p, len);
		rc->rc_json[len] = '\0';
		rc->rc_jsonlen = len;
	}
	if ((r = ratls_ext_data(x, RATLS_OID_CMW, &p, &len)) < 0)
		goto fail;
	if (r == 1) {
		q = p;
		if (len > RATLS_MAX_JSON ||
		    (u = d2i_ASN1_UTF8STRING(NULL, &q, (long)len)) == NULL ||
		    (size_t)(q - p) != len) {
			/* A string with bytes after it is parsed, then refused. */
			ASN1_UTF8STRING_free(u);
			r = PWR_ERR_INVALID_FORMAT;
			goto fail;
		}
		r = ratls_cmw_parse((const char *)ASN1_STRING_get0_data(u),
		    (size_t)ASN1_STRING_length(u), rc->rc_media,
		    sizeof(rc->rc_media), &rc->rc_raw, &rc->rc_rawlen);
		ASN1_UTF8STRING_free(u);
		if (r != 0)
			goto fail;
	}
	return 0;
 fail:
	ERR_clear_error();
	ratls_cert_clear(rc);
	return r;
}

/* 1 and the extnValue bytes if present once, 0 if absent, else < 0. */
static int
ratls_ext_data(X509 *x, const char *oid, const u_char **p, size_t *len)
{
	ASN1_OBJECT		*obj;
	X509_EXTENSION		*ext;
	ASN1_OCTET_STRING	*os;
	int			 i, j;

	*p = NULL;
	*len = 0;
	if ((obj = OBJ_txt2obj(oid, 1)) == NULL)
		return PWR_ERR_INTERNAL;
	i = X509_get_ext_by_OBJ(x, obj, -1);
	j = i < 0 ? -1 : X509_get_ext_by_OBJ(x, obj, i);
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return 0;
	if (j >= 0)
		return PWR_ERR_INVALID_FORMAT;	/* repeated */
	if ((ext = X509_get_ext(x, i)) == NULL ||
	    (os = X509_EXTENSION_get_data(ext)) == NULL ||
	    ASN1_STRING_length(os) < 0)
		return PWR_ERR_INVALID_FORMAT;
	*p = ASN1_STRING_get0_data(os);
	*len = (size_t)ASN1_STRING_length(os);
	return 1;
}

static int
ratls_time(const ASN1_TIME *t, time_t *out)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

void
ratls_cert_clear(struct ratls_cert *rc)
{
	free(rc->rc_json);
	free(rc->rc_raw);
	memset(rc, 0, sizeof(*rc));
}

/*
 * ["<media type>", "<base64url>"] or with a third member, the CMW
 * indicator (an integer 1-15).  Nothing else.
 */
int
ratls_cmw_parse(const char *s, size_t len, char *media, size_t medialen,
    u_char **raw, size_t *rawlen)
{
	json_error_t	 jerr;
	json_t		*rec, *t, *v, *ind;
	json_int_t	 n;
	int		 r = PWR_ERR_INVALID_FORMAT;

	*raw = NULL;
	*rawlen = 0;
	if (len == 0 || len > RATLS_MAX_JSON || s[0] != '[')
		return PWR_ERR_INVALID_FORMAT;
	if ((rec = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if (!json_is_array(rec) || json_array_size(rec) < 2 ||
	    json_array_size(rec) > 3 ||
	    !json_is_string(t = json_array_get(rec, 0)) ||
	    !json_is_string(v = json_array_get(rec, 1)) ||
	    json_string_length(t) == 0 || json_string_length(t) >= medialen ||
	    strlen(json_string_value(t)) != json_string_length(t))
		goto out;
	if ((ind = json_array_get(rec, 2)) != NULL && (!json_is_integer(ind) ||
	    (n = json_integer_value(ind)) < 1 || n > 15))
		goto out;
	strlcpy(media, json_string_value(t), medialen);
	r = ratls_b64_decode(json_string_value(v), json_string_length(v), 1,
	    raw, rawlen);
 out:
	json_decref(rec);
	return r;
}

/* The "report" member of the JSON extension, decoded. */
int
ratls_json_report(const char *s, size_t len, u_char **raw, size_t *rawlen)
{
	json_error_t	 jerr;
	json_t		*doc, *rep;
	int		 r = PWR_ERR_INVALID_FORMAT;

	*raw = NULL;
	*rawlen = 0;
	if (len == 0 || len > RATLS_MAX_JSON)
		return PWR_ERR_INVALID_FORMAT;
	if ((doc = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if (json_is_object(doc) &&
	    json_is_string(rep = json_object_get(doc, "report")))
		r = ratls_b64_decode(json_string_value(rep),
		    json_string_length(rep), 0, raw, rawlen);
	json_decref(doc);
	return r;
}

int
ratls_b64url_encode(const u_char *p, size_t len, char **out)
{
	char	*s;
	size_t	 i, n;

	*out = NULL;
	if (len > INT_MAX / 2)
		return PWR_ERR_RANGE;
	if ((s = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	n = (size_t)EVP_EncodeBlock((u_char *)s, p, (int)len);
	while (n > 0 && s[n - 1] == '=')
		n--;
	s[n] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	*out = s;
	return 0;
}

int
ratls_b64url_decode(const char *s, size_t len, u_char **out, size_t *outlen)
{
	return ratls_b64_decode(s, len, 1, out, outlen);
}

static int
ratls_b64_value(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/*
 * Strict: standard base64 must be padded to a multiple of four,
 * base64url must not be padded; no other character, no whitespace,
 * and the unused bits of the last character must be zero.
 */
static int
ratls_b64_decode(const char *s, size_t len, int url, u_char **out,
    size_t *outlen)
{
	u_char		*p;
	uint32_t	 acc = 0;
	size_t		 i, n = 0, bits = 0;
	int		 v;

	*out = NULL;
	*outlen = 0;
	if (!url) {
		if (len % 4 != 0)
			return PWR_ERR_INVALID_FORMAT;
		if (len > 0 && s[len - 1] == '=')
			len--;
		if (len > 0 && s[len - 1] == '=')
			len--;
	} else if (len % 4 == 1)
		return PWR_ERR_INVALID_FORMAT;
	if ((p = malloc(len / 4 * 3 + 3)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < len; i++) {
		if ((v = ratls_b64_value((u_char)s[i], url)) < 0)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			p[n++] = (u_char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (acc != 0)
		goto bad;
	*out = p;
	*outlen = n;
	return 0;
 bad:
	free(p);
	return PWR_ERR_INVALID_FORMAT;
}
