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

#ifndef POWER_TDX_H
#define POWER_TDX_H

/*
 * Intel TDX quotes, versions 4 and 5 (Intel TDX DCAP Quoting Library
 * API, "Quote Format"): header, TD report body, signature data with the
 * QE report and its certification data.  Pure, bounded parser: nothing
 * is read outside the given bytes, every length is checked against what
 * remains, and the pointers below borrow from the caller's quote.
 */

#define TDX_HEADER_LEN		48
#define TDX_BODY10_LEN		584	/* TDX 1.0 TD report body */
#define TDX_BODY15_LEN		648	/* TDX 1.5: + TEE_TCB_SVN2, MRSERVICETD */
#define TDX_QE_REPORT_LEN	384	/* SGX report body */
#define TDX_SIG_LEN		64	/* ECDSA P-256 r || s, big-endian */
#define TDX_AK_LEN		64	/* P-256 point x || y, raw */

#define TDX_TEE_TYPE_SGX	0x00000000
#define TDX_TEE_TYPE_TDX	0x00000081
#define TDX_AK_TYPE_ECDSA_P256	2
#define TDX_BODY_TYPE_10	2	/* v5 body descriptor */
#define TDX_BODY_TYPE_15	3
#define TDX_CERT_QE_REPORT	6	/* QE report certification data */
#define TDX_CERT_PCK_CHAIN	5	/* PEM: PCK leaf, platform CA, root */

#define TDX_TD_ATTR_DEBUG	0x01	/* TDATTRIBUTES byte 0, bit 0 */

/* Intel's SGX extension of PCK certificates and its FMSPC member. */
#define TDX_OID_SGX_EXT		"1.2.840.113741.1.13.1"
#define TDX_OID_FMSPC		"1.2.840.113741.1.13.1.4"
#define TDX_FMSPC_LEN		6
/* Its TCB member: components .1 to .16, then the PCESVN as .17. */
#define TDX_OID_TCB		"1.2.840.113741.1.13.1.2"
#define TDX_TCB_SVNS		16
#define TDX_TCB_PCESVN_ARC	17

struct tdx_quote {
	/* Header. */
	uint16_t	 tq_version;		/* 4 or 5 */
	uint16_t	 tq_att_key_type;	/* TDX_AK_TYPE_ECDSA_P256 */
	uint32_t	 tq_tee_type;		/* 0x81 for TDX */
	uint16_t	 tq_qe_svn;
	uint16_t	 tq_pce_svn;
	u_char		 tq_qe_vendor_id[16];
	u_char		 tq_user_data[20];

	/* TD report body; v4 is always TDX_BODY_TYPE_10. */
	uint16_t	 tq_body_type;
	uint32_t	 tq_body_len;
	u_char		 tq_tee_tcb_svn[16];
	u_char		 tq_mrseam[48];
	u_char		 tq_mrsignerseam[48];
	u_char		 tq_seam_attributes[8];
	u_char		 tq_td_attributes[8];
	u_char		 tq_xfam[8];
	u_char		 tq_mrtd[48];
	u_char		 tq_mrconfigid[48];
	u_char		 tq_mrowner[48];
	u_char		 tq_mrownerconfig[48];
	u_char		 tq_rtmr[4][48];
	u_char		 tq_report_data[64];
	u_char		 tq_tee_tcb_svn2[16];	/* TDX 1.5 only, else zero */
	u_char		 tq_mrservicetd[48];	/* TDX 1.5 only, else zero */

	/* What the attestation key signed: header through body. */
	const u_char	*tq_signed;
	size_t		 tq_signed_len;

	/* Signature data. */
	u_char		 tq_sig[TDX_SIG_LEN];
	u_char		 tq_attest_key[TDX_AK_LEN];
	uint16_t	 tq_cert_type;		/* TDX_CERT_QE_REPORT */

	/* QE report certification data. */
	u_char		 tq_qe_report[TDX_QE_REPORT_LEN];
	u_char		 tq_qe_cpusvn[16];
	uint32_t	 tq_qe_miscselect;
	u_char		 tq_qe_attributes[16];
	u_char		 tq_qe_mrenclave[32];
	u_char		 tq_qe_mrsigner[32];
	uint16_t	 tq_qe_isvprodid;
	uint16_t	 tq_qe_isvsvn;
	u_char		 tq_qe_report_data[64];
	u_char		 tq_qe_report_sig[TDX_SIG_LEN];
	const u_char	*tq_qe_auth;		/* may be NULL when empty */
	size_t		 tq_qe_auth_len;
	uint16_t	 tq_inner_type;		/* TDX_CERT_PCK_CHAIN */
	const u_char	*tq_inner;		/* the PEM chain for type 5 */
	size_t		 tq_inner_len;

	size_t		 tq_quote_len;		/* bytes up to the padding */
	size_t		 tq_padding_len;	/* bytes after that */
	int		 tq_trailing_nonzero;	/* not all of them zero */
};

/*
 * 0, PWR_ERR_INVALID_FORMAT or PWR_ERR_ALLOC_FAIL; on error tq is all
 * zero.  Bytes after the signature data (zero padding of fixed-size
 * quote buffers, or anything else) are signed by nobody and ignored;
 * tq_trailing_nonzero says whether they were all zero.  The pointers in
 * tq borrow from p.
 */
int	tdx_quote_parse(const u_char *, size_t, struct tdx_quote *);

/*
 * The FMSPC (family-model-stepping-platform-custom SKU) of the PCK
 * certificate, the first of the quote's PEM chain: what TCB info is
 * selected by.  0 or PWR_ERR_INVALID_FORMAT.  Nothing is verified here.
 */
int	tdx_quote_fmspc(const struct tdx_quote *, u_char [TDX_FMSPC_LEN]);

/* The platform's TCB as its PCK certificate states it. */
struct tdx_pck_tcb {
	u_char		tp_sgx[TDX_TCB_SVNS];	/* SGX TCB components */
	uint16_t	tp_pcesvn;
};

/* One of Intel's TDX TCB levels (TCB info "tcbLevels"), minus status. */
struct tdx_tcb_level {
	u_char		tl_sgx[TDX_TCB_SVNS];	/* sgxtcbcomponents */
	uint16_t	tl_pcesvn;
	u_char		tl_tdx[TDX_TCB_SVNS];	/* tdxtcbcomponents */
};

/*
 * The TCB components and PCESVN of the quote's PCK certificate.  0 or
 * PWR_ERR_INVALID_FORMAT (no chain, no extension, a component missing,
 * repeated or out of range).  Nothing is verified here.
 */
int	tdx_quote_pck_tcb(const struct tdx_quote *, struct tdx_pck_tcb *);

/*
 * Intel's TDX TCB level matching: the index of the first of n levels
 * (Intel lists them newest first) that the platform reaches in every
 * SGX component, the PCESVN and every TDX component of tee_tcb_svn, or
 * -1.  When tee_tcb_svn[1] (the TDX module's major version) is not
 * zero, components 0 and 1 are the module's and are left to
 * tdx_tcb_module_id().
 */
int	tdx_tcb_match(const struct tdx_tcb_level *, size_t,
	    const struct tdx_pck_tcb *, const u_char [TDX_TCB_SVNS]);

/*
 * The id of the TDX module identity that grades tee_tcb_svn[0], as
 * Intel names it ("TDX_01"), or 0 when tee_tcb_svn[1] is zero and the
 * level alone grades the module.
 */
int	tdx_tcb_module_id(const u_char [TDX_TCB_SVNS], char *, size_t);

/*
 * Intel's status arithmetic: a TCB level's status lowered by an
 * out-of-date TDX module, and the TD relaunch advice of a TDX 1.5 TD
 * whose launch TCB (TEE_TCB_SVN) is out of date while the one it runs
 * on now (TEE_TCB_SVN2) is not.  Static strings.
 */
const char *tdx_tcb_converge(const char *level, const char *module);
const char *tdx_tcb_relaunch(const char *launch, const char *current);

#endif /* POWER_TDX_H */
