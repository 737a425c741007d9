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

#ifndef POWER_SNP_H
#define POWER_SNP_H

/*
 * AMD SEV-SNP attestation reports (SEV-SNP ABI spec, "ATTESTATION_REPORT
 * structure", report versions 2 to 5) and the extended-report
 * certificate table.  Pure, bounded parsers: nothing is read outside the
 * given bytes.
 */

#define SNP_REPORT_LEN		1184	/* 0x4a0 */
#define SNP_SIGNED_LEN		0x2a0	/* bytes covered by the signature */
#define SNP_REPORT_VERSION_MIN	2
#define SNP_REPORT_VERSION_MAX	5
#define SNP_SIG_R_OFF		0x2a0	/* r, little-endian */
#define SNP_SIG_S_OFF		0x2e8	/* s, little-endian */
#define SNP_SIG_PART_LEN	72	/* bytes of r or s */
#define SNP_SIG_ALGO_ECDSA_P384	1	/* ECDSA P-384 with SHA-384 */

#define SNP_POLICY_SMT		(1ULL << 16)
#define SNP_POLICY_MIGRATE_MA	(1ULL << 18)
#define SNP_POLICY_DEBUG	(1ULL << 19)

/* signer_info (0x48): which key signed the report. */
#define SNP_SIGNER_AUTHOR_KEY_EN	0x01
#define SNP_SIGNER_MASK_CHIP_KEY	0x02
#define SNP_SIGNER_KEY(si)		(((si) >> 2) & 0x07)
#define SNP_SIGNING_KEY_VCEK		0
#define SNP_SIGNING_KEY_VLEK		1
#define SNP_SIGNING_KEY_NONE		7

/* The processor generation decides how a TCB_VERSION is laid out. */
enum snp_product {
	SNP_PRODUCT_UNKNOWN,
	SNP_PRODUCT_MILAN,
	SNP_PRODUCT_GENOA,
	SNP_PRODUCT_TURIN,
};

/* One TCB_VERSION, decoded; st_fmc is zero before Turin. */
struct snp_tcb {
	uint8_t		st_fmc;
	uint8_t		st_bl;
	uint8_t		st_tee;
	uint8_t		st_snp;
	uint8_t		st_ucode;
};

struct snp_report {
	uint32_t	sr_version;
	uint32_t	sr_guest_svn;
	uint64_t	sr_policy;
	u_char		sr_family_id[16];
	u_char		sr_image_id[16];
	uint32_t	sr_vmpl;
	uint32_t	sr_sig_algo;
	uint64_t	sr_current_tcb;		/* raw TCB_VERSION */
	uint64_t	sr_platform_info;
	uint32_t	sr_signer_info;
	int		sr_author_key_en;
	int		sr_mask_chip_key;
	int		sr_signing_key;		/* SNP_SIGNING_KEY_* */
	u_char		sr_report_data[64];
	u_char		sr_measurement[48];
	u_char		sr_host_data[32];
	u_char		sr_id_key_digest[48];
	u_char		sr_author_key_digest[48];
	u_char		sr_report_id[32];
	u_char		sr_report_id_ma[32];
	uint64_t	sr_reported_tcb;
	uint8_t		sr_cpuid_fam;		/* version 3 and later */
	uint8_t		sr_cpuid_mod;
	uint8_t		sr_cpuid_step;
	u_char		sr_chip_id[64];
	uint64_t	sr_committed_tcb;
	uint8_t		sr_current_build;
	uint8_t		sr_current_minor;
	uint8_t		sr_current_major;
	uint8_t		sr_committed_build;
	uint8_t		sr_committed_minor;
	uint8_t		sr_committed_major;
	uint64_t	sr_launch_tcb;
	uint64_t	sr_launch_mit_vector;	/* version 5 and later */
	uint64_t	sr_current_mit_vector;
	u_char		sr_sig_r[SNP_SIG_PART_LEN];
	u_char		sr_sig_s[SNP_SIG_PART_LEN];
};

/*
 * 0 or PWR_ERR_INVALID_FORMAT: wrong length, unknown version, or a
 * reserved field that is not zero.
 */
int	snp_report_parse(const u_char *, size_t, struct snp_report *);

/* The generation from CPUID (version 3 and later), else UNKNOWN. */
enum snp_product snp_report_product(const struct snp_report *);
/* "Milan" "Genoa" "Turin"; NULL for UNKNOWN. */
const char	*snp_product_name(enum snp_product);
/* "Milan" and the like (a VCEK issuer's suffix) to the generation. */
enum snp_product snp_product_from_name(const char *);
/* Split a raw TCB_VERSION the way the given generation lays it out. */
void	snp_tcb_decode(uint64_t, enum snp_product, struct snp_tcb *);

/* One certificate of the GUID table (SNP_GET_EXT_REPORT / auxblob). */
struct snp_cert {
	char		 sc_name[8];	/* vcek vlek ask ark asvk other */
	const u_char	*sc_der;	/* points into the table */
	size_t		 sc_len;
};

/*
 * Up to max entries; returns the count, or PWR_ERR_INVALID_FORMAT for a
 * table that is truncated, unterminated, has more than max entries, or
 * an entry that points outside it.  An empty input is an empty table.
 */
int	snp_certtable_parse(const u_char *, size_t, struct snp_cert *,
	    size_t max);

#endif /* POWER_SNP_H */
