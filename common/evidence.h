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

#ifndef POWER_EVIDENCE_H
#define POWER_EVIDENCE_H

/*
 * What the family binds into the 64 bytes of report_data, and the
 * simulated report of TEE simulate.  Shared by attestd (which asks for
 * evidence), the network child (which builds report_data and reads the
 * measurement back for /v1/attestation) and power-verify.  See PROTOCOL
 * "Evidence".
 */

#define EVIDENCE_REPORT_DATA_LEN	64
#define EVIDENCE_NONCE_LEN		32
#define EVIDENCE_SHA256_LEN		32
#define EVIDENCE_MEASUREMENT_MAX	48	/* SNP 48, TDX MRTD 48 */
#define EVIDENCE_MAX_REPORT		(32 * 1024)	/* bytes of raw evidence */
#define EVIDENCE_MAX_CERTS		8
#define EVIDENCE_MAX_CERT		(16 * 1024)	/* bytes of one DER cert */

/*
 * report_data layouts.
 * /v1/attestation: [nonce (32)][model SHA-256 (32)].
 * RA-TLS: [SHA-256(SubjectPublicKeyInfo DER) (32)][version 0x01][31 zero].
 */
#define EVIDENCE_RATLS_VERSION		0x01

void	evidence_rd_api(u_char rd[EVIDENCE_REPORT_DATA_LEN],
	    const u_char nonce[EVIDENCE_NONCE_LEN],
	    const u_char model_sha256[EVIDENCE_SHA256_LEN]);
void	evidence_rd_ratls(u_char rd[EVIDENCE_REPORT_DATA_LEN],
	    const u_char spki_sha256[EVIDENCE_SHA256_LEN]);

/*
 * The simulated report (TEE simulate): no signature, marked in every
 * field a client sees.  Layout, EVIDENCE_SIM_LEN bytes:
 *   0   magic "POWER-SIMULATED-REPORT\0" padded with zero to 32 bytes
 *   32  u32 version (little-endian), EVIDENCE_SIM_VERSION
 *   36  u32 flags, zero
 *   40  report_data (64)
 *   104 measurement (48): SHA-384 of "power simulated measurement"
 *   152 end
 */
#define EVIDENCE_SIM_MAGIC		"POWER-SIMULATED-REPORT"
#define EVIDENCE_SIM_VERSION		1
#define EVIDENCE_SIM_LEN		152

/* The TEE types, as tee_type in /v1/attestation and the frames. */
#define EVIDENCE_TEE_SNP		"sev-snp"
#define EVIDENCE_TEE_TDX		"tdx"
#define EVIDENCE_TEE_SIM		"simulated"

/* What a client-facing summary of any report needs. */
struct evidence_info {
	char	ei_tee[16];			/* EVIDENCE_TEE_* */
	int	ei_simulated;
	u_char	ei_report_data[EVIDENCE_REPORT_DATA_LEN];
	u_char	ei_measurement[EVIDENCE_MEASUREMENT_MAX];
	size_t	ei_measurement_len;		/* 48 */
};

/* Build a simulated report over rd into out (EVIDENCE_SIM_LEN). */
void	evidence_sim_build(u_char out[EVIDENCE_SIM_LEN],
	    const u_char rd[EVIDENCE_REPORT_DATA_LEN]);
/*
 * Recognise raw evidence (an SNP report, a TDX quote v4/v5 or a
 * simulated report) and fill info; 0 or PWR_ERR_INVALID_FORMAT.
 * Bounded: never reads outside [p, p + len).
 */
int	evidence_parse(const u_char *p, size_t len, struct evidence_info *);

#endif /* POWER_EVIDENCE_H */
