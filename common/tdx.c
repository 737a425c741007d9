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
static STACK_OF(ASN1_TYPE) *tdx_seq(const ASN1_TYPE *);
static int	tdx_pair(const ASN1_TYPE *, char *, size_t, const ASN1_TYPE **,
		    STACK_OF(ASN1_TYPE) **);
static X509	*tdx_pck_cert(const struct tdx_quote *);
static STACK_OF(ASN1_TYPE) *tdx_sgx_ext(X509 *);
static int	tdx_fmspc_ext(X509 *, u_char [TDX_FMSPC_LEN]);
static int	tdx_tcb_component(const ASN1_TYPE *, struct tdx_pck_tcb *,
		    uint32_t *);
static int	tdx_tcb_ext(X509 *, struct tdx_pck_tcb *);
static int	tdx_status_is(const char *, const char *const *);

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

/*
 * Intel's SGX extension is a SEQUENCE of SEQUENCE { OID, value }, and
 * its TCB member's value is another such SEQUENCE.
 */
static STACK_OF(ASN1_TYPE) *
tdx_seq(const ASN1_TYPE *t)
{
	const u_char	*p;

	if (t == NULL || ASN1_TYPE_get(t) != V_ASN1_SEQUENCE)
		return NULL;
	p = ASN1_STRING_get0_data(t->value.sequence);
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p,
	    ASN1_STRING_length(t->value.sequence));
}

/* One SEQUENCE { OID, value }: the OID as text and the value. */
static int
tdx_pair(const ASN1_TYPE *t, char *oid, size_t oidlen, const ASN1_TYPE **valp,
    STACK_OF(ASN1_TYPE) **pairp)
{
	STACK_OF(ASN1_TYPE)	*pair;
	const ASN1_TYPE		*k;
	int			 n;

	*valp = NULL;
	*pairp = NULL;
	if ((pair = tdx_seq(t)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if (sk_ASN1_TYPE_num(pair) != 2 ||
	    (k = sk_ASN1_TYPE_value(pair, 0)) == NULL ||
	    ASN1_TYPE_get(k) != V_ASN1_OBJECT || oidlen > INT_MAX ||
	    (n = OBJ_obj2txt(oid, (int)oidlen, k->value.object, 1)) <= 0 ||
	    (size_t)n >= oidlen) {
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		return PWR_ERR_INVALID_FORMAT;
	}
	*valp = sk_ASN1_TYPE_value(pair, 1);
	*pairp = pair;
	return 0;
}

/* The first certificate of the quote's PEM chain. */
static X509 *
tdx_pck_cert(const struct tdx_quote *tq)
{
	BIO	*bio;
	X509	*pck;

	if (tq->tq_inner_type != TDX_CERT_PCK_CHAIN || tq->tq_inner == NULL ||
	    tq->tq_inner_len > INT_MAX)
		return NULL;
	if ((bio = BIO_new_mem_buf(tq->tq_inner, (int)tq->tq_inner_len)) ==
	    NULL)
		return NULL;
	pck = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	ERR_clear_error();
	BIO_free(bio);
	return pck;
}

static STACK_OF(ASN1_TYPE) *
tdx_sgx_ext(X509 *pck)
{
	ASN1_OBJECT		*oid;
	ASN1_OCTET_STRING	*data;
	const u_char		*p;
	int			 idx;

	if ((oid = OBJ_txt2obj(TDX_OID_SGX_EXT, 1)) == NULL)
		return NULL;
	idx = X509_get_ext_by_OBJ(pck, oid, -1);
	ASN1_OBJECT_free(oid);
	if (idx < 0)
		return NULL;
	data = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
	p = ASN1_STRING_get0_data(data);
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, ASN1_STRING_length(data));
}

static int
tdx_fmspc_ext(X509 *pck, u_char fmspc[TDX_FMSPC_LEN])
{
	STACK_OF(ASN1_TYPE)	*seq, *pair;
	const ASN1_TYPE		*val;
	char			 oid[64];
	int			 i, r = PWR_ERR_INVALID_FORMAT;

	if ((seq = tdx_sgx_ext(pck)) == NULL)
		return r;
	for (i = 0; r != 0 && i < sk_ASN1_TYPE_num(seq); i++) {
		if (tdx_pair(sk_ASN1_TYPE_value(seq, i), oid, sizeof(oid),
		    &val, &pair) != 0)
			continue;
		if (strcmp(oid, TDX_OID_FMSPC) == 0 &&
		    ASN1_TYPE_get(val) == V_ASN1_OCTET_STRING &&
		    ASN1_STRING_length(val->value.octet_string) ==
		    TDX_FMSPC_LEN) {
			memcpy(fmspc, ASN1_STRING_get0_data(
			    val->value.octet_string), TDX_FMSPC_LEN);
			r = 0;
		}
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return r;
}

int
tdx_quote_fmspc(const struct tdx_quote *tq, u_char fmspc[TDX_FMSPC_LEN])
{
	X509	*pck;
	int	 r;

	memset(fmspc, 0, TDX_FMSPC_LEN);
	if ((pck = tdx_pck_cert(tq)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	r = tdx_fmspc_ext(pck, fmspc);
	X509_free(pck);
	return r;
}

/*
 * One member of the TCB SEQUENCE: arc 1..16 a component (0..255), arc
 * 17 the PCESVN (0..65535); *seen gets the arc's bit.  The CPUSVN (arc
 * 18) repeats the components as one string and is not needed.
 */
static int
tdx_tcb_component(const ASN1_TYPE *t, struct tdx_pck_tcb *tp, uint32_t *seen)
{
	STACK_OF(ASN1_TYPE)	*pair;
	const ASN1_TYPE		*val;
	const char		*errstr;
	char			 oid[64];
	size_t			 plen = strlen(TDX_OID_TCB);
	int64_t			 v;
	long long		 arc;
	int			 r = PWR_ERR_INVALID_FORMAT;

	if (tdx_pair(t, oid, sizeof(oid), &val, &pair) != 0)
		return r;
	if (strncmp(oid, TDX_OID_TCB, plen) != 0 || oid[plen] != '.')
		goto out;
	arc = strtonum(oid + plen + 1, 1, 64, &errstr);
	if (errstr != NULL || arc > TDX_TCB_PCESVN_ARC) {
		r = 0;			/* another member: not ours */
		goto out;
	}
	if (ASN1_TYPE_get(val) != V_ASN1_INTEGER ||
	    ASN1_INTEGER_get_int64(&v, val->value.integer) != 1 || v < 0 ||
	    v > (arc == TDX_TCB_PCESVN_ARC ? UINT16_MAX : UINT8_MAX) ||
	    (*seen & (1U << arc)) != 0)
		goto out;
	*seen |= 1U << arc;
	if (arc == TDX_TCB_PCESVN_ARC)
		tp->tp_pcesvn = (uint16_t)v;
	else
		tp->tp_sgx[arc - 1] = (u_char)v;
	r = 0;
 out:
	sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	return r;
}

static int
tdx_tcb_ext(X509 *pck, struct tdx_pck_tcb *tp)
{
	STACK_OF(ASN1_TYPE)	*seq, *pair, *tcb = NULL;
	const ASN1_TYPE		*val;
	char			 oid[64];
	uint32_t		 seen = 0;
	int			 i, r = PWR_ERR_INVALID_FORMAT;

	if ((seq = tdx_sgx_ext(pck)) == NULL)
		return r;
	for (i = 0; tcb == NULL && i < sk_ASN1_TYPE_num(seq); i++) {
		if (tdx_pair(sk_ASN1_TYPE_value(seq, i), oid, sizeof(oid),
		    &val, &pair) != 0)
			continue;
		if (strcmp(oid, TDX_OID_TCB) == 0)
			tcb = tdx_seq(val);
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	}
	for (i = 0; tcb != NULL && i < sk_ASN1_TYPE_num(tcb); i++)
		if (tdx_tcb_component(sk_ASN1_TYPE_value(tcb, i), tp,
		    &seen) != 0)
			goto out;
	/* Every one of arcs 1 to 17, exactly once. */
	if (seen == ((1U << (TDX_TCB_PCESVN_ARC + 1)) - 2))
		r = 0;
 out:
	sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return r;
}

int
tdx_quote_pck_tcb(const struct tdx_quote *tq, struct tdx_pck_tcb *tp)
{
	X509	*pck;
	int	 r;

	memset(tp, 0, sizeof(*tp));
	if ((pck = tdx_pck_cert(tq)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	if ((r = tdx_tcb_ext(pck, tp)) != 0)
		memset(tp, 0, sizeof(*tp));
	X509_free(pck);
	return r;
}

int
tdx_tcb_match(const struct tdx_tcb_level *tl, size_t n,
    const struct tdx_pck_tcb *tp, const u_char svn[TDX_TCB_SVNS])
{
	size_t	i, j, first;

	first = svn[1] > 0 ? 2 : 0;
	for (i = 0; i < n && i < INT_MAX; i++) {
		if (tl[i].tl_pcesvn > tp->tp_pcesvn)
			continue;
		for (j = 0; j < TDX_TCB_SVNS; j++)
			if (tl[i].tl_sgx[j] > tp->tp_sgx[j])
				break;
		if (j < TDX_TCB_SVNS)
			continue;
		for (j = first; j < TDX_TCB_SVNS; j++)
			if (tl[i].tl_tdx[j] > svn[j])
				break;
		if (j == TDX_TCB_SVNS)
			return (int)i;
	}
	return -1;
}

int
tdx_tcb_module_id(const u_char svn[TDX_TCB_SVNS], char *id, size_t idlen)
{
	int	n;

	if (idlen > 0)
		id[0] = '\0';
	if (svn[1] == 0)
		return 0;
	n = snprintf(id, idlen, "TDX_%02X", svn[1]);
	if (n < 0 || (size_t)n >= idlen)
		return PWR_ERR_NO_BUFFER_SPACE;
	return 1;
}

static int
tdx_status_is(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* Intel's QVL: an out-of-date module makes the whole TCB out of date. */
const char *
tdx_tcb_converge(const char *level, const char *module)
{
	static const char *const plain[] = { "UpToDate",
	    "SWHardeningNeeded", NULL };
	static const char *const config[] = { "ConfigurationNeeded",
	    "ConfigurationAndSWHardeningNeeded", NULL };

	if (module == NULL || strcmp(module, "OutOfDate") != 0)
		return level;
	if (tdx_status_is(level, plain))
		return "OutOfDate";
	if (tdx_status_is(level, config))
		return "OutOfDateConfigurationNeeded";
	return level;
}

/*
 * A TD launched on an out-of-date TCB, on a platform whose TCB has
 * since been brought up to date underneath it (TD preserving module
 * update): relaunching it is what fixes it.
 */
const char *
tdx_tcb_relaunch(const char *launch, const char *current)
{
	static const char *const stale[] = { "OutOfDate",
	    "OutOfDateConfigurationNeeded", NULL };
	static const char *const config[] = { "ConfigurationNeeded",
	    "ConfigurationAndSWHardeningNeeded", NULL };

	if (current == NULL || !tdx_status_is(launch, stale) ||
	    tdx_status_is(current, stale) || strcmp(current, "Revoked") == 0)
		return launch;
	if (strcmp(launch, "OutOfDateConfigurationNeeded") == 0 ||
	    tdx_status_is(current, config))
		return "TDRelaunchAdvisedConfigurationNeeded";
	return "TDRelaunchAdvised";
}
