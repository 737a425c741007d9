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
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "err.h"
#include "tdx.h"

/*
 * The TDX quote parser.  A quote is header, TD report body, then a
 * length-prefixed signature data block: the attestation key's signature,
 * the key, and certification data of type 6 that nests the QE report,
 * its PCK signature, the QE authentication data and the PCK chain.  Each
 * nested block is parsed from its own bounded view so a length can never
 * reach past its parent.  All integers are little-endian.
 */

static int	tdx_get_ref(struct buf *, size_t, const u_char **);
static int	tdx_get_fields(struct buf *, u_char *const *, const size_t *,
		    size_t);
static int	tdx_parse_header(struct buf *, struct tdx_quote *);
static int	tdx_parse_body(struct buf *, struct tdx_quote *);
static int	tdx_parse_qe_report(struct tdx_quote *);
static int	tdx_parse_qe_cert(const u_char *, size_t, struct tdx_quote *);
static int	tdx_parse_sigdata(const u_char *, size_t, struct tdx_quote *);
static int	tdx_all_zero(const u_char *, size_t);
static int	tdx_fmspc_entry(const ASN1_TYPE *, const ASN1_OBJECT *,
		    u_char [TDX_FMSPC_LEN]);
static int	tdx_fmspc_ext(X509 *, u_char [TDX_FMSPC_LEN]);

/* Borrow len bytes from the front of b (a view of the caller's quote). */
static int
tdx_get_ref(struct buf *b, size_t len, const u_char **pp)
{
	*pp = NULL;
	if (len > buf_len(b))
		return PWR_ERR_MESSAGE_INCOMPLETE;
	*pp = buf_ptr(b);
	return buf_consume(b, len);
}

/* Copy n fixed-size fields in order. */
static int
tdx_get_fields(struct buf *b, u_char *const *dst, const size_t *lens,
    size_t n)
{
	size_t	i;
	int	r;

	for (i = 0; i < n; i++) {
		if ((r = buf_get(b, dst[i], lens[i])) != 0)
			return r;
	}
	return 0;
}

static int
tdx_parse_header(struct buf *b, struct tdx_quote *tq)
{
	int	r;

	if ((r = buf_get_u16_le(b, &tq->tq_version)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_att_key_type)) != 0 ||
	    (r = buf_get_u32_le(b, &tq->tq_tee_type)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_qe_svn)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_pce_svn)) != 0 ||
	    (r = buf_get(b, tq->tq_qe_vendor_id, 16)) != 0 ||
	    (r = buf_get(b, tq->tq_user_data, 20)) != 0)
		return r;
	/* SGX quotes (tee_type 0) share the header; they are not ours. */
	if (tq->tq_version != 4 && tq->tq_version != 5)
		return PWR_ERR_INVALID_FORMAT;
	if (tq->tq_tee_type != TDX_TEE_TYPE_TDX ||
	    tq->tq_att_key_type != TDX_AK_TYPE_ECDSA_P256)
		return PWR_ERR_INVALID_FORMAT;
	return 0;
}

/* v4: a TDX 1.0 body; v5: a (type, size) descriptor first. */
static int
tdx_parse_body(struct buf *b, struct tdx_quote *tq)
{
	u_char *const	 dst[] = {
		tq->tq_tee_tcb_svn, tq->tq_mrseam, tq->tq_mrsignerseam,
		tq->tq_seam_attributes, tq->tq_td_attributes, tq->tq_xfam,
		tq->tq_mrtd, tq->tq_mrconfigid, tq->tq_mrowner,
		tq->tq_mrownerconfig, tq->tq_rtmr[0], tq->tq_rtmr[1],
		tq->tq_rtmr[2], tq->tq_rtmr[3], tq->tq_report_data,
		tq->tq_tee_tcb_svn2, tq->tq_mrservicetd,
	};
	const size_t	 lens[] = {
		16, 48, 48, 8, 8, 8, 48, 48, 48, 48, 48, 48, 48, 48, 64, 16, 48,
	};
	size_t		 n = sizeof(lens) / sizeof(lens[0]);
	int		 r;

	tq->tq_body_type = TDX_BODY_TYPE_10;
	tq->tq_body_len = TDX_BODY10_LEN;
	if (tq->tq_version == 5 &&
	    ((r = buf_get_u16_le(b, &tq->tq_body_type)) != 0 ||
	    (r = buf_get_u32_le(b, &tq->tq_body_len)) != 0))
		return r;
	if (tq->tq_body_type == TDX_BODY_TYPE_10 &&
	    tq->tq_body_len == TDX_BODY10_LEN)
		n -= 2;		/* no TEE_TCB_SVN2, MRSERVICETD */
	else if (tq->tq_body_type != TDX_BODY_TYPE_15 ||
	    tq->tq_body_len != TDX_BODY15_LEN)
		return PWR_ERR_INVALID_FORMAT;
	return tdx_get_fields(b, dst, lens, n);
}

/* The QE's SGX report body: the fields a QE identity speaks about. */
static int
tdx_parse_qe_report(struct tdx_quote *tq)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_view(tq->tq_qe_report, TDX_QE_REPORT_LEN)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if ((r = buf_get(b, tq->tq_qe_cpusvn, 16)) != 0 ||
	    (r = buf_get_u32_le(b, &tq->tq_qe_miscselect)) != 0 ||
	    (r = buf_get(b, NULL, 28)) != 0 ||
	    (r = buf_get(b, tq->tq_qe_attributes, 16)) != 0 ||
	    (r = buf_get(b, tq->tq_qe_mrenclave, 32)) != 0 ||
	    (r = buf_get(b, NULL, 32)) != 0 ||
	    (r = buf_get(b, tq->tq_qe_mrsigner, 32)) != 0 ||
	    (r = buf_get(b, NULL, 96)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_qe_isvprodid)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_qe_isvsvn)) != 0 ||
	    (r = buf_get(b, NULL, 60)) != 0 ||
	    (r = buf_get(b, tq->tq_qe_report_data, 64)) != 0)
		goto out;
	r = buf_len(b) == 0 ? 0 : PWR_ERR_INTERNAL;
 out:
	buf_free(b);
	return r;
}

/* Type 6: QE report, its signature, auth data, inner cert data. */
static int
tdx_parse_qe_cert(const u_char *p, size_t len, struct tdx_quote *tq)
{
	struct buf	*b;
	uint16_t	 alen;
	uint32_t	 ilen;
	int		 r;

	if ((b = buf_view(p, len)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if ((r = buf_get(b, tq->tq_qe_report, TDX_QE_REPORT_LEN)) != 0 ||
	    (r = buf_get(b, tq->tq_qe_report_sig, TDX_SIG_LEN)) != 0 ||
	    (r = buf_get_u16_le(b, &alen)) != 0 ||
	    (r = tdx_get_ref(b, alen, &tq->tq_qe_auth)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_inner_type)) != 0 ||
	    (r = buf_get_u32_le(b, &ilen)) != 0 ||
	    (r = tdx_get_ref(b, ilen, &tq->tq_inner)) != 0)
		goto out;
	tq->tq_qe_auth_len = alen;
	tq->tq_inner_len = ilen;
	if (alen == 0)
		tq->tq_qe_auth = NULL;
	/* The nested sizes must account for every byte. */
	if (ilen == 0 || buf_len(b) != 0) {
		r = PWR_ERR_INVALID_FORMAT;
		goto out;
	}
	r = tdx_parse_qe_report(tq);
 out:
	buf_free(b);
	return r;
}

static int
tdx_parse_sigdata(const u_char *p, size_t len, struct tdx_quote *tq)
{
	struct buf	*b;
	const u_char	*cert;
	uint32_t	 clen;
	int		 r;

	if ((b = buf_view(p, len)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if ((r = buf_get(b, tq->tq_sig, TDX_SIG_LEN)) != 0 ||
	    (r = buf_get(b, tq->tq_attest_key, TDX_AK_LEN)) != 0 ||
	    (r = buf_get_u16_le(b, &tq->tq_cert_type)) != 0 ||
	    (r = buf_get_u32_le(b, &clen)) != 0 ||
	    (r = tdx_get_ref(b, clen, &cert)) != 0)
		goto out;
	if (tq->tq_cert_type != TDX_CERT_QE_REPORT || buf_len(b) != 0) {
		r = PWR_ERR_INVALID_FORMAT;
		goto out;
	}
	r = tdx_parse_qe_cert(cert, clen, tq);
 out:
	buf_free(b);
	return r;
}

static int
tdx_all_zero(const u_char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

int
tdx_quote_parse(const u_char *p, size_t len, struct tdx_quote *tq)
{
	struct buf	*b;
	const u_char	*sig;
	uint32_t	 slen;
	int		 r;

	memset(tq, 0, sizeof(*tq));
	if (p == NULL || len < TDX_HEADER_LEN)
		return PWR_ERR_INVALID_FORMAT;
	if ((b = buf_view(p, len)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if ((r = tdx_parse_header(b, tq)) != 0 ||
	    (r = tdx_parse_body(b, tq)) != 0)
		goto out;
	tq->tq_signed = p;
	tq->tq_signed_len = len - buf_len(b);
	if ((r = buf_get_u32_le(b, &slen)) != 0 ||
	    (r = tdx_get_ref(b, slen, &sig)) != 0 ||
	    (r = tdx_parse_sigdata(sig, slen, tq)) != 0)
		goto out;
	tq->tq_padding_len = buf_len(b);
	tq->tq_quote_len = len - tq->tq_padding_len;
	/*
	 * Fixed-size quote buffers leave zeros.  Other bytes after the
	 * signature data are covered by no signature and never read; the
	 * verifier reports them.
	 */
	tq->tq_trailing_nonzero = !tdx_all_zero(buf_ptr(b),
	    tq->tq_padding_len);
 out:
	buf_free(b);
	if (r != 0) {
		memset(tq, 0, sizeof(*tq));
		r = r == PWR_ERR_ALLOC_FAIL ? r : PWR_ERR_INVALID_FORMAT;
	}
	return r;
}

/* One SEQUENCE { OID, value } of the SGX extension: the FMSPC? */
static int
tdx_fmspc_entry(const ASN1_TYPE *t, const ASN1_OBJECT *want,
    u_char fmspc[TDX_FMSPC_LEN])
{
	STACK_OF(ASN1_TYPE)	*pair;
	const ASN1_TYPE		*k, *val;
	const u_char		*p;
	int			 r = PWR_ERR_NOT_FOUND;

	if (ASN1_TYPE_get(t) != V_ASN1_SEQUENCE)
		return r;
	p = ASN1_STRING_get0_data(t->value.sequence);
	if ((pair = d2i_ASN1_SEQUENCE_ANY(NULL, &p,
	    ASN1_STRING_length(t->value.sequence))) == NULL)
		return r;
	if (sk_ASN1_TYPE_num(pair) == 2 &&
	    (k = sk_ASN1_TYPE_value(pair, 0)) != NULL &&
	    ASN1_TYPE_get(k) == V_ASN1_OBJECT &&
	    OBJ_cmp(k->value.object, want) == 0 &&
	    (val = sk_ASN1_TYPE_value(pair, 1)) != NULL &&
	    ASN1_TYPE_get(val) == V_ASN1_OCTET_STRING &&
	    ASN1_STRING_length(val->value.octet_string) == TDX_FMSPC_LEN) {
		memcpy(fmspc, ASN1_STRING_get0_data(val->value.octet_string),
		    TDX_FMSPC_LEN);
		r = 0;
	}
	sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	return r;
}

/* The SGX extension is a SEQUENCE of SEQUENCE { OID, value }. */
static int
tdx_fmspc_ext(X509 *pck, u_char fmspc[TDX_FMSPC_LEN])
{
	ASN1_OBJECT		*ext_oid, *fmspc_oid;
	ASN1_OCTET_STRING	*data;
	STACK_OF(ASN1_TYPE)	*seq = NULL;
	const u_char		*p;
	int			 i, idx, r = PWR_ERR_INVALID_FORMAT;

	ext_oid = OBJ_txt2obj(TDX_OID_SGX_EXT, 1);
	fmspc_oid = OBJ_txt2obj(TDX_OID_FMSPC, 1);
	if (ext_oid == NULL || fmspc_oid == NULL ||
	    (idx = X509_get_ext_by_OBJ(pck, ext_oid, -1)) < 0)
		goto out;
	data = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
	p = ASN1_STRING_get0_data(data);
	if ((seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p,
	    ASN1_STRING_length(data))) == NULL)
		goto out;
	for (i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		if (tdx_fmspc_entry(sk_ASN1_TYPE_value(seq, i), fmspc_oid,
		    fmspc) == 0) {
			r = 0;
			break;
		}
	}
 out:
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	ASN1_OBJECT_free(ext_oid);
	ASN1_OBJECT_free(fmspc_oid);
	return r;
}

int
tdx_quote_fmspc(const struct tdx_quote *tq, u_char fmspc[TDX_FMSPC_LEN])
{
	BIO	*bio;
	X509	*pck = NULL;
	int	 r = PWR_ERR_INVALID_FORMAT;

	memset(fmspc, 0, TDX_FMSPC_LEN);
	if (tq->tq_inner_type != TDX_CERT_PCK_CHAIN || tq->tq_inner == NULL ||
	    tq->tq_inner_len > INT_MAX)
		return r;
	if ((bio = BIO_new_mem_buf(tq->tq_inner, (int)tq->tq_inner_len)) ==
	    NULL)
		return PWR_ERR_ALLOC_FAIL;
	if ((pck = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		r = tdx_fmspc_ext(pck, fmspc);
	ERR_clear_error();
	X509_free(pck);
	BIO_free(bio);
	return r;
}
