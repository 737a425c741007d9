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

#ifndef POWER_RATLS_H
#define POWER_RATLS_H

/*
 * RA-TLS certificates: a self-signed X.509 certificate whose key is
 * bound into TEE evidence (report_data = evidence_rd_ratls() over the
 * SHA-256 of its SubjectPublicKeyInfo), carrying that evidence in two
 * extensions (PROTOCOL "RA-TLS certificate"):
 *   1.3.6.1.4.1.56560.1.1  extnValue = the UTF-8 JSON object of
 *                          /v1/attestation minus nonce, model and
 *                          model_sha256 (the seed's extension);
 *   1.3.6.1.5.5.7.1.35     id-pe-cmw (IETF RATS CMW): extnValue = DER
 *                          UTF8String holding the JSON CMW record
 *                          ["<media type>", "<base64url raw evidence>"].
 * frontd makes them, power-verify and the fuzzer parse them.  The
 * parser is bounded: it reads nothing outside the bytes it is given.
 */

#define RATLS_OID_JSON		"1.3.6.1.4.1.56560.1.1"
#define RATLS_OID_CMW		"1.3.6.1.5.5.7.1.35"
#define RATLS_CN		"power RA-TLS"
#define RATLS_BACKDATE_SEC	60	/* notBefore = now - this */
#define RATLS_MAX_CERT		(160 * 1024)	/* DER bytes we parse */
#define RATLS_MAX_JSON		(128 * 1024)	/* the JSON extension */
#define RATLS_MAX_MEDIA		128	/* CMW media type, bytes */

/* CMW media types of the raw evidence (power's own, not registered). */
#define RATLS_MEDIA_SNP		"application/vnd.power.sev-snp-report"
#define RATLS_MEDIA_TDX		"application/vnd.power.tdx-quote"
#define RATLS_MEDIA_SIM		"application/vnd.power.simulated-report"

struct evp_pkey_st;
struct x509_st;

/* What ratls_cert_parse() found; free with ratls_cert_clear(). */
struct ratls_cert {
	char		*rc_json;		/* NUL-terminated, or NULL */
	size_t		 rc_jsonlen;
	char		 rc_media[RATLS_MAX_MEDIA];	/* "" if no CMW */
	u_char		*rc_raw;		/* CMW evidence, or NULL */
	size_t		 rc_rawlen;
	u_char		 rc_spki_sha256[32];
	time_t		 rc_notbefore;
	time_t		 rc_notafter;
	int		 rc_selfsigned;		/* signature checks with its key */
};

/* The CMW media type for a tee_type ("sev-snp", ...), or NULL. */
const char	*ratls_media_type(const char *tee_type);
/* SHA-256 of the DER SubjectPublicKeyInfo of key. */
int	ratls_spki_sha256(struct evp_pkey_st *, u_char [32]);
/*
 * A self-signed certificate for key (P-256), valid from now - 60 s
 * to now + lifetime, with a random serial and both extensions.
 */
int	ratls_cert_make(struct evp_pkey_st *, const char *json, size_t jsonlen,
	    const char *tee_type, const u_char *raw, size_t rawlen,
	    time_t now, long lifetime, struct x509_st **);
/* Parse DER (or take an X509 already parsed) and extract. */
int	ratls_cert_parse(const u_char *, size_t, struct ratls_cert *);
int	ratls_cert_extract(struct x509_st *, struct ratls_cert *);
void	ratls_cert_clear(struct ratls_cert *);
/*
 * The "report" member of the JSON extension, base64-decoded; 0 or
 * PWR_ERR_INVALID_FORMAT.  *raw is allocated, caller frees.
 */
int	ratls_json_report(const char *, size_t, u_char **, size_t *);
/* The CMW JSON record's media type and raw value. */
int	ratls_cmw_parse(const char *, size_t, char *, size_t, u_char **,
	    size_t *);
/*
 * Re-issue schedule: a certificate of lifetime seconds is replaced
 * after two thirds of it; a failed attempt is retried after a delay
 * that doubles from RATLS_RETRY_MIN_SEC to RATLS_RETRY_MAX_SEC.
 */
#define RATLS_RETRY_MIN_SEC	1
#define RATLS_RETRY_MAX_SEC	300
long	ratls_renew_after(long lifetime);
unsigned int ratls_retry_after(unsigned int previous);
/* base64url without padding (RFC 4648 section 5), as CMW wants. */
int	ratls_b64url_encode(const u_char *, size_t, char **);
int	ratls_b64url_decode(const char *, size_t, u_char **, size_t *);

#endif /* POWER_RATLS_H */
