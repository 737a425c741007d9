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

#endif /* POWER_TDX_H */
