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

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "evidence.h"
#include "hex.h"
#include "verify.h"

/*
 * The check table, the report_data bindings, the dispatch of raw
 * evidence to the TEE-specific verifiers, the /v1/attestation document
 * and the "report FILE" input forms.
 */

static void	verify_bind_api(struct verify *, const u_char *);
static void	verify_bind_spki(struct verify *, const u_char *);
static void	verify_bind_one(struct verify *, const char *, const u_char *,
		    const u_char *, const char *);
static int	verify_signed(const struct verify *);
static void	verify_print_text(const struct verify *, FILE *, int);
static void	verify_print_json(const struct verify *, FILE *, int);
static const char *verify_result_name(enum verify_result);
static char	*verify_hex(const u_char *, size_t, char *, size_t);
static int	verify_json_hex(struct verify *, json_t *, const char *,
		    const u_char *, size_t);
static int	verify_json_certs(json_t *, struct verify_cert *, size_t,
		    size_t *);
static void	verify_json_claims(struct verify *, json_t *,
		    const u_char *, size_t);
static int	verify_read(const char *, u_char **, size_t *);
static int	verify_is_text(const u_char *, size_t);
static int	verify_decode_text(const u_char *, size_t, u_char **,
		    size_t *);
static const char *verify_x509_role(X509 *);
static int	verify_cert_add(X509 *, struct verify_cert *);
static int	verify_crl_file(const char *, X509_STORE *, char *, size_t);

void
verify_init(struct verify *v, const struct verify_opts *vo)
{
	memset(v, 0, sizeof(*v));
	v->v_opts = vo;
}

/*
 * Record one check.  Details may quote the evidence, so anything that
 * is not printable ASCII is replaced before it reaches a terminal.
 */
void
verify_check(struct verify *v, const char *name, int required,
    enum verify_result result, const char *whose, const char *fmt, ...)
{
	struct verify_check	*vc;
	va_list			 ap;
	size_t			 i;

	if (v->v_nchecks >= VERIFY_MAX_CHECKS) {
		/* A full table must not read as a pass. */
		vc = &v->v_checks[VERIFY_MAX_CHECKS - 1];
		strlcpy(vc->vc_name, "too-many-checks", sizeof(vc->vc_name));
		vc->vc_result = VERIFY_FAIL;
		vc->vc_required = 1;
		strlcpy(vc->vc_whose, "power-verify", sizeof(vc->vc_whose));
		strlcpy(vc->vc_detail, "the check table is full",
		    sizeof(vc->vc_detail));
		return;
	}
	vc = &v->v_checks[v->v_nchecks++];
	memset(vc, 0, sizeof(*vc));
	strlcpy(vc->vc_name, name, sizeof(vc->vc_name));
	vc->vc_required = required != 0;
	vc->vc_result = result;
	strlcpy(vc->vc_whose, whose != NULL ? whose : "-",
	    sizeof(vc->vc_whose));
	va_start(ap, fmt);
	(void)vsnprintf(vc->vc_detail, sizeof(vc->vc_detail), fmt, ap);
	va_end(ap);
	for (i = 0; vc->vc_detail[i] != '\0'; i++)
		if (vc->vc_detail[i] < 0x20 || vc->vc_detail[i] > 0x7e)
			vc->vc_detail[i] = '?';
}

static char *
verify_hex(const u_char *p, size_t len, char *out, size_t outlen)
{
	if (outlen == 0)
		return out;
	hex_encode(p, len < (outlen - 1) / 2 ? len : (outlen - 1) / 2, out);
	return out;
}


/* One binding over 32 bytes of report_data, compared in constant time. */
static void
verify_bind_one(struct verify *v, const char *name, const u_char *got,
    const u_char *want, const char *what)
{
	char	hg[65], hw[65];

	if (CRYPTO_memcmp(got, want, 32) == 0)
		verify_check(v, name, 1, VERIFY_PASS, "report",
		    "report_data %s = %s", what, verify_hex(got, 32, hg,
		    sizeof(hg)));
	else
		verify_check(v, name, 1, VERIFY_FAIL, "report",
		    "report_data %s is %s, expected %s", what,
		    verify_hex(got, 32, hg, sizeof(hg)),
		    verify_hex(want, 32, hw, sizeof(hw)));
}

/* /v1/attestation: [nonce (32)][model SHA-256 (32)]. */
static void
verify_bind_api(struct verify *v, const u_char *rd)
{
	const struct verify_opts	*vo = v->v_opts;

	if (vo->vo_have_nonce)
		verify_bind_one(v, "nonce-binding", rd, vo->vo_nonce,
		    "[0:32] (nonce)");
	else
		verify_check(v, "nonce-binding", 0, VERIFY_SKIP, "client",
		    "no --nonce given: freshness not checked");
	if (vo->vo_have_model)
		verify_bind_one(v, "model-binding", rd + 32,
		    vo->vo_model_sha256, "[32:64] (model SHA-256)");
	else
		verify_check(v, "model-binding", 0, VERIFY_SKIP, "client",
		    "no --model-sha256 given");
	verify_check(v, "spki-binding", 0, VERIFY_SKIP, "client",
	    "not an RA-TLS certificate");
}

/* RA-TLS: [SHA-256(SPKI) (32)][0x01][31 zero bytes]; nothing else fits. */
static void
verify_bind_spki(struct verify *v, const u_char *rd)
{
	const struct verify_opts	*vo = v->v_opts;
	u_char				 want[EVIDENCE_REPORT_DATA_LEN];
	char				 hg[129];

	evidence_rd_ratls(want, vo->vo_spki_sha256);
	if (CRYPTO_memcmp(rd, want, sizeof(want)) == 0)
		verify_check(v, "spki-binding", 1, VERIFY_PASS, "report",
		    "report_data = SHA-256(SPKI) || 01 || 0 * 31");
	else
		verify_check(v, "spki-binding", 1, VERIFY_FAIL, "report",
		    "report_data %s is not SHA-256 of the certificate's "
		    "SPKI in the RA-TLS layout", verify_hex(rd, 64, hg,
		    sizeof(hg)));
	if (vo->vo_have_nonce)
		verify_check(v, "nonce-binding", 1, VERIFY_FAIL, "client",
		    "the RA-TLS report_data carries no nonce");
	else
		verify_check(v, "nonce-binding", 0, VERIFY_SKIP, "client",
		    "RA-TLS: freshness comes from the TLS handshake");
	if (vo->vo_have_model)
		verify_check(v, "model-binding", 1, VERIFY_FAIL, "client",
		    "the RA-TLS report_data carries no model hash");
	else
		verify_check(v, "model-binding", 0, VERIFY_SKIP, "client",
		    "RA-TLS: no model in report_data");
}

void
verify_bindings(struct verify *v, const u_char rd[64])
{
	if (v->v_opts->vo_have_spki)
		verify_bind_spki(v, rd);
	else
		verify_bind_api(v, rd);
}

void
verify_measurement(struct verify *v, const u_char *m, size_t len)
{
	const struct verify_opts	*vo = v->v_opts;
	char				 hm[2 * EVIDENCE_MEASUREMENT_MAX + 1];

	verify_hex(m, len, hm, sizeof(hm));
	if (!vo->vo_have_measurement)
		verify_check(v, "measurement", 0, VERIFY_SKIP, "client",
		    "%s (no --measurement pin)", hm);
	else if (vo->vo_measurement_len == len &&
	    CRYPTO_memcmp(m, vo->vo_measurement, len) == 0)
		verify_check(v, "measurement", 1, VERIFY_PASS, "report",
		    "%s", hm);
	else
		verify_check(v, "measurement", 1, VERIFY_FAIL, "report",
		    "%s is not the pinned measurement", hm);
}

void
verify_evidence(struct verify *v, const u_char *p, size_t len,
    const struct verify_cert *certs, size_t ncerts)
{
	struct evidence_info	ei;

	if (evidence_parse(p, len, &ei) != 0) {
		verify_check(v, "evidence-parse", 1, VERIFY_FAIL, "report",
		    "%zu bytes are not an SEV-SNP report, a TDX quote "
		    "(v4/v5) or a simulated report", len);
		return;
	}
	if (strcmp(ei.ei_tee, EVIDENCE_TEE_SNP) == 0)
		verify_snp(v, p, len, certs, ncerts);
	else if (strcmp(ei.ei_tee, EVIDENCE_TEE_TDX) == 0)
		verify_tdx(v, p, len);
	else if (v->v_opts->vo_allow_simulated)
		verify_check(v, "simulated", 1, VERIFY_PASS, "server",
		    "simulated report: no hardware vouches for it "
		    "(allowed by --allow-simulated)");
	else
		verify_check(v, "simulated", 1, VERIFY_FAIL, "server",
		    "simulated report: no TEE signed it "
		    "(--allow-simulated accepts it for development)");
	verify_measurement(v, ei.ei_measurement, ei.ei_measurement_len);
	verify_bindings(v, ei.ei_report_data);
}

/*
 * A hex field of the document that must say what the raw report says.
 * 1 if the field is present, 0 if absent.
 */
static int
verify_json_hex(struct verify *v, json_t *doc, const char *field,
    const u_char *want, size_t len)
{
	const char	*s;
	char		 name[48];
	u_char		 got[EVIDENCE_REPORT_DATA_LEN];
	size_t		 i;

	(void)snprintf(name, sizeof(name), "json-%s", field);
	/* Check names use hyphens: json-model-sha256. */
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == '_')
			name[i] = '-';
	if ((s = json_string_value(json_object_get(doc, field))) == NULL) {
		if (json_object_get(doc, field) != NULL)
			verify_check(v, name, 1, VERIFY_FAIL, "server",
			    "\"%s\" is not a string", field);
		return 0;
	}
	if (len > sizeof(got) || hex_decode(s, got, len) != 0)
		verify_check(v, name, 1, VERIFY_FAIL, "server",
		    "\"%s\" is not %zu bytes of hex", field, len);
	else if (CRYPTO_memcmp(got, want, len) != 0)
		verify_check(v, name, 1, VERIFY_FAIL, "server",
		    "\"%s\" differs from what the report says", field);
	else
		verify_check(v, name, 1, VERIFY_PASS, "server",
		    "\"%s\" matches the report", field);
	return 1;
}

/* The document's certificates: {"type": ..., "der": base64}. */
static int
verify_json_certs(json_t *arr, struct verify_cert *vc, size_t max,
    size_t *np)
{
	json_t		*c;
	const char	*type, *der;
	size_t		 i;

	*np = 0;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return -1;
	json_array_foreach(arr, i, c) {
		type = json_string_value(json_object_get(c, "type"));
		der = json_string_value(json_object_get(c, "der"));
		if (type == NULL || der == NULL)
			return -1;
		if (verify_base64_decode(der, strlen(der), &vc[i].vc_der,
		    &vc[i].vc_len) != 0 || vc[i].vc_len > EVIDENCE_MAX_CERT)
			return -1;
		strlcpy(vc[i].vc_name, type, sizeof(vc[i].vc_name));
		*np = i + 1;
	}
	return 0;
}

/* What the server claims next to the report must be what it says. */
static void
verify_json_claims(struct verify *v, json_t *doc, const u_char *p,
    size_t len)
{
	struct evidence_info	 ei;
	const char		*tee, *model;
	json_t			*sim;

	if (evidence_parse(p, len, &ei) != 0)
		return;
	tee = json_string_value(json_object_get(doc, "tee_type"));
	sim = json_object_get(doc, "simulated");
	if (strcmp(tee, ei.ei_tee) != 0)
		verify_check(v, "json-tee-type", 1, VERIFY_FAIL, "server",
		    "tee_type \"%s\" but the report is %s", tee, ei.ei_tee);
	else if (sim != NULL && (!json_is_boolean(sim) ||
	    json_is_true(sim) != (ei.ei_simulated != 0)))
		verify_check(v, "json-tee-type", 1, VERIFY_FAIL, "server",
		    "\"simulated\" disagrees with the report");
	else
		verify_check(v, "json-tee-type", 1, VERIFY_PASS, "server",
		    "%s", tee);
	(void)verify_json_hex(v, doc, "report_data", ei.ei_report_data,
	    EVIDENCE_REPORT_DATA_LEN);
	(void)verify_json_hex(v, doc, "measurement", ei.ei_measurement,
	    ei.ei_measurement_len);
	(void)verify_json_hex(v, doc, "nonce", ei.ei_report_data,
	    EVIDENCE_NONCE_LEN);
	if (verify_json_hex(v, doc, "model_sha256",
	    ei.ei_report_data + EVIDENCE_NONCE_LEN, EVIDENCE_SHA256_LEN) &&
	    (model = json_string_value(json_object_get(doc, "model"))) !=
	    NULL)
		verify_check(v, "json-model", 0, VERIFY_PASS, "server",
		    "the server says the model is \"%.64s\"", model);
}

void
verify_attestation_json(struct verify *v, const char *text, size_t len)
{
	struct verify_cert	 certs[EVIDENCE_MAX_CERTS];
	json_t			*doc;
	json_error_t		 jerr;
	const char		*obj, *report;
	u_char			*raw = NULL;
	size_t			 rawlen = 0, ncerts = 0;

	memset(certs, 0, sizeof(certs));
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		verify_check(v, "json-document", 1, VERIFY_FAIL, "server",
		    "not JSON: line %d: %.160s", jerr.line, jerr.text);
		return;
	}
	obj = json_string_value(json_object_get(doc, "object"));
	report = json_string_value(json_object_get(doc, "report"));
	if (!json_is_object(doc) || (obj != NULL &&
	    strcmp(obj, "attestation") != 0) ||
	    json_string_value(json_object_get(doc, "tee_type")) == NULL ||
	    report == NULL)
		verify_check(v, "json-document", 1, VERIFY_FAIL, "server",
		    "not an attestation document (tee_type and report "
		    "are required)");
	else if (verify_base64_decode(report, strlen(report), &raw,
	    &rawlen) != 0 || rawlen > EVIDENCE_MAX_REPORT)
		verify_check(v, "json-document", 1, VERIFY_FAIL, "server",
		    "\"report\" is not base64 of at most %d bytes",
		    EVIDENCE_MAX_REPORT);
	else if (verify_json_certs(json_object_get(doc, "certificates"),
	    certs, EVIDENCE_MAX_CERTS, &ncerts) != 0)
		verify_check(v, "json-document", 1, VERIFY_FAIL, "server",
		    "\"certificates\" is not a list of at most %d "
		    "{type, der} objects", EVIDENCE_MAX_CERTS);
	else {
		verify_check(v, "json-document", 1, VERIFY_PASS, "server",
		    "%zu-byte report, %zu certificate%s", rawlen, ncerts,
		    ncerts == 1 ? "" : "s");
		verify_evidence(v, raw, rawlen, certs, ncerts);
		verify_json_claims(v, doc, raw, rawlen);
	}
	verify_certs_free(certs, EVIDENCE_MAX_CERTS);
	free(raw);
	json_decref(doc);
}

static const char *
verify_result_name(enum verify_result r)
{
	switch (r) {
	case VERIFY_PASS:
		return "pass";
	case VERIFY_FAIL:
		return "FAIL";
	default:
		return "skipped";
	}
}

/* Did the hardware (or --allow-simulated) vouch for the evidence? */
static int
verify_signed(const struct verify *v)
{
	const struct verify_check	*vc;
	size_t				 i, n;

	for (i = 0; i < v->v_nchecks; i++) {
		vc = &v->v_checks[i];
		n = strlen(vc->vc_name);
		if (vc->vc_required && vc->vc_result == VERIFY_PASS &&
		    ((n > 10 && strcmp(vc->vc_name + n - 10,
		    "-signature") == 0) || strcmp(vc->vc_name,
		    "simulated") == 0))
			return 1;
	}
	return 0;
}

static void
verify_print_text(const struct verify *v, FILE *fp, int ok)
{
	const struct verify_check	*vc;
	int				 wn = 5, ww = 5, n;
	size_t				 i;

	for (i = 0; i < v->v_nchecks; i++) {
		if ((n = (int)strlen(v->v_checks[i].vc_name)) > wn)
			wn = n;
		if ((n = (int)strlen(v->v_checks[i].vc_whose)) > ww)
			ww = n;
	}
	fprintf(fp, "%-*s  %-7s  %-*s  %s\n", wn, "CHECK", "RESULT", ww,
	    "WHOSE", "DETAIL");
	for (i = 0; i < v->v_nchecks; i++) {
		vc = &v->v_checks[i];
		fprintf(fp, "%-*s  %-7s  %-*s  %s%s\n", wn, vc->vc_name,
		    verify_result_name(vc->vc_result), ww, vc->vc_whose,
		    vc->vc_required || vc->vc_result == VERIFY_SKIP ? "" :
		    "(advisory) ", vc->vc_detail);
	}
	fprintf(fp, "%s\n", ok ? "verified: every required check passed" :
	    "NOT VERIFIED");
}

static void
verify_print_json(const struct verify *v, FILE *fp, int ok)
{
	const struct verify_check	*vc;
	json_t				*doc, *arr;
	size_t				 i;

	if ((doc = json_object()) == NULL || (arr = json_array()) == NULL)
		pwr_tool_errx(1, "out of memory");
	for (i = 0; i < v->v_nchecks; i++) {
		vc = &v->v_checks[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s, "
		    "s:s}", "name", vc->vc_name, "result",
		    vc->vc_result == VERIFY_PASS ? "pass" :
		    vc->vc_result == VERIFY_FAIL ? "fail" : "skipped",
		    "required", vc->vc_required, "whose", vc->vc_whose,
		    "detail", vc->vc_detail));
	}
	json_object_set_new(doc, "verified", json_boolean(ok));
	json_object_set_new(doc, "checks", arr);
	json_dumpf(doc, fp, JSON_INDENT(2));
	fputc('\n', fp);
	json_decref(doc);
}

int
verify_finish(struct verify *v, FILE *fp)
{
	size_t	i;
	int	ok;

	ok = v->v_nchecks > 0 && verify_signed(v);
	for (i = 0; i < v->v_nchecks; i++)
		if (v->v_checks[i].vc_required &&
		    v->v_checks[i].vc_result != VERIFY_PASS)
			ok = 0;
	if (v->v_opts->vo_json)
		verify_print_json(v, fp, ok);
	else if (!v->v_opts->vo_quiet)
		verify_print_text(v, fp, ok);
	fflush(fp);
	return ok ? 0 : 1;
}

int
verify_base64_decode(const char *s, size_t len, u_char **outp,
    size_t *outlenp)
{
	char	*clean;
	u_char	*out;
	size_t	 i, n = 0, pad = 0;
	int	 r;

	*outp = NULL;
	*outlenp = 0;
	if (len > VERIFY_MAX_INPUT || (clean = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		if (!isspace((u_char)s[i]))
			clean[n++] = s[i];
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0 || (out = malloc(n / 4 * 3)) == NULL) {
		free(clean);
		return -1;
	}
	if (clean[n - 1] == '=')
		pad = clean[n - 2] == '=' ? 2 : 1;
	/* EVP_DecodeBlock rejects a '=' anywhere but the end. */
	r = EVP_DecodeBlock(out, (u_char *)clean, (int)n);
	free(clean);
	if (r < 0 || (size_t)r != n / 4 * 3) {
		free(out);
		return -1;
	}
	*outp = out;
	*outlenp = (size_t)r - pad;
	return 0;
}

static int
verify_is_text(const u_char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!isprint(p[i]) && !isspace(p[i]))
			return 0;
	return len > 0;
}

/* Hex text of the evidence, else base64 text of it. */
static int
verify_decode_text(const u_char *p, size_t len, u_char **outp,
    size_t *outlenp)
{
	char	*hex;
	size_t	 i, n = 0;

	*outp = NULL;
	*outlenp = 0;
	if ((hex = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (isspace(p[i]))
			continue;
		if (!isxdigit(p[i]))
			break;
		hex[n++] = (char)p[i];
	}
	hex[n] = '\0';
	if (i == len && n > 0 && n % 2 == 0 &&
	    (*outp = malloc(n / 2)) != NULL) {
		*outlenp = n / 2;
		if (hex_decode(hex, *outp, n / 2) == 0) {
			free(hex);
			return 0;
		}
		free(*outp);
		*outp = NULL;
		*outlenp = 0;
	}
	free(hex);
	return verify_base64_decode((const char *)p, len, outp, outlenp);
}

static int
verify_read(const char *path, u_char **outp, size_t *outlenp)
{
	FILE	*fp;
	u_char	*p;
	size_t	 len = 0, n;

	*outp = NULL;
	*outlenp = 0;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if ((p = malloc(VERIFY_MAX_INPUT + 1)) == NULL) {
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	while (len <= VERIFY_MAX_INPUT &&
	    (n = fread(p + len, 1, VERIFY_MAX_INPUT + 1 - len, fp)) > 0)
		len += n;
	if (ferror(fp) || len > VERIFY_MAX_INPUT) {
		if (fp != stdin)
			fclose(fp);
		free(p);
		errno = EFBIG;
		return -1;
	}
	if (fp != stdin)
		fclose(fp);
	*outp = p;
	*outlenp = len;
	return 0;
}

int
verify_report(struct verify *v, const char *path)
{
	u_char	*in, *raw = NULL;
	size_t	 inlen, rawlen, i;

	if (verify_read(path, &in, &inlen) != 0) {
		fprintf(stderr, "power-verify: %s: %s\n", path,
		    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		return -1;
	}
	for (i = 0; i < inlen && isspace(in[i]); i++)
		;
	/* No raw evidence starts with a brace; a document always does. */
	if (i < inlen && in[i] == '{')
		verify_attestation_json(v, (const char *)in, inlen);
	else if (verify_is_text(in, inlen) &&
	    verify_decode_text(in, inlen, &raw, &rawlen) == 0) {
		verify_evidence(v, raw, rawlen, NULL, 0);
		free(raw);
	} else
		verify_evidence(v, in, inlen, NULL, 0);
	free(in);
	return 0;
}

/* What a certificate is, by the names AMD gives its keys. */
static const char *
verify_x509_role(X509 *x)
{
	char	cn[64];

	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof(cn)) <= 0)
		return "other";
	if (strcmp(cn, "SEV-VCEK") == 0)
		return "vcek";
	if (strcmp(cn, "SEV-VLEK") == 0)
		return "vlek";
	if (strncmp(cn, "ARK-", 4) == 0)
		return "ark";
	if (strncmp(cn, "SEV-VLEK-", 9) == 0)
		return "asvk";
	if (strncmp(cn, "SEV-", 4) == 0)
		return "ask";
	return "other";
}

const char *
verify_cert_role(const u_char *der, size_t len)
{
	const u_char	*q = der;
	const char	*role = "other";
	X509		*x;

	if (len > EVIDENCE_MAX_CERT ||
	    (x = d2i_X509(NULL, &q, (long)len)) == NULL)
		return role;
	if (q == der + len)
		role = verify_x509_role(x);
	X509_free(x);
	return role;
}

static int
verify_cert_add(X509 *x, struct verify_cert *vc)
{
	u_char	*der, *q;
	int	 n;

	if ((n = i2d_X509(x, NULL)) <= 0 || (der = malloc(n)) == NULL)
		return -1;
	q = der;
	if (i2d_X509(x, &q) != n) {
		free(der);
		return -1;
	}
	vc->vc_der = der;
	vc->vc_len = (size_t)n;
	strlcpy(vc->vc_name, verify_x509_role(x), sizeof(vc->vc_name));
	return 0;
}

int
verify_load_certs(const char *path, struct verify_cert *vc, size_t max,
    char *errbuf, size_t errlen)
{
	BIO		*bio = NULL;
	X509		*x;
	u_char		*in;
	const u_char	*q;
	size_t		 inlen, n = 0;

	if (verify_read(path, &in, &inlen) != 0) {
		(void)snprintf(errbuf, errlen, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (memmem(in, inlen, "-----BEGIN", 10) != NULL) {
		if ((bio = BIO_new_mem_buf(in, (int)inlen)) == NULL)
			goto fail;
		while (n < max && (x = PEM_read_bio_X509(bio, NULL, NULL,
		    NULL)) != NULL) {
			if (verify_cert_add(x, &vc[n]) == 0)
				n++;
			X509_free(x);
		}
		BIO_free(bio);
	} else {
		q = in;
		if (max > 0 && (x = d2i_X509(NULL, &q, (long)inlen)) != NULL) {
			if (q == in + inlen && verify_cert_add(x, &vc[n]) == 0)
				n++;
			X509_free(x);
		}
	}
	if (n == 0)
		goto fail;
	free(in);
	return (int)n;
 fail:
	free(in);
	(void)snprintf(errbuf, errlen, "%s: no PEM or DER certificate%s",
	    path, max == 0 ? " (too many certificates)" : "");
	return -1;
}

/* A file's CRLs: one DER CRL, or any number of PEM ones. */
static int
verify_crl_file(const char *path, X509_STORE *store, char *errbuf,
    size_t errlen)
{
	BIO		*bio;
	X509_CRL	*crl;
	u_char		*in;
	const u_char	*q;
	size_t		 inlen;
	int		 n = 0;

	if (verify_read(path, &in, &inlen) != 0) {
		(void)snprintf(errbuf, errlen, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (memmem(in, inlen, "-----BEGIN", 10) != NULL) {
		if ((bio = BIO_new_mem_buf(in, (int)inlen)) != NULL) {
			while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL,
			    NULL)) != NULL) {
				n += X509_STORE_add_crl(store, crl) == 1;
				X509_CRL_free(crl);
			}
			BIO_free(bio);
		}
	} else {
		q = in;
		if ((crl = d2i_X509_CRL(NULL, &q, (long)inlen)) != NULL) {
			if (q == in + inlen)
				n += X509_STORE_add_crl(store, crl) == 1;
			X509_CRL_free(crl);
		}
	}
	ERR_clear_error();
	free(in);
	if (n == 0)
		(void)snprintf(errbuf, errlen, "%s: no PEM or DER CRL", path);
	return n == 0 ? -1 : n;
}

int
verify_add_crls(const struct verify_opts *vo, X509_STORE *store,
    char *errbuf, size_t errlen)
{
	size_t	i;
	int	n, total = 0;

	for (i = 0; i < vo->vo_ncrl_files; i++) {
		if ((n = verify_crl_file(vo->vo_crl_files[i], store, errbuf,
		    errlen)) < 0)
			return -1;
		total += n;
	}
	if (total > 0)
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);
	return total;
}

void
verify_certs_free(struct verify_cert *vc, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(vc[i].vc_der);
		vc[i].vc_der = NULL;
		vc[i].vc_len = 0;
	}
}
