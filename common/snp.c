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

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "snp.h"

/*
 * The SEV-SNP ATTESTATION_REPORT and the certificate table of an
 * extended report.  Every field is read through a bounded buffer in
 * the order the ABI spec lays it out, and reserved bytes must be zero,
 * so a report from a newer firmware with fields we do not know about is
 * refused rather than half understood.
 */

#define SNP_CERT_ENTRY_LEN	24	/* GUID, u32 offset, u32 length */
#define SNP_GUID_LEN		16

static int	snp_get_mbz(struct buf *, size_t);
static int	snp_get_head(struct buf *, struct snp_report *);
static int	snp_get_body(struct buf *, struct snp_report *);
static int	snp_get_tail(struct buf *, struct snp_report *);
static const char *snp_guid_name(const u_char *);
static int	snp_guid_equal(const u_char *, const u_char *);
static int	snp_cert_entry(struct buf *, u_char [SNP_GUID_LEN], uint32_t *,
		    uint32_t *);

/*
 * The GUIDs of the GHCB spec's certificate table, written in RFC 4122
 * byte order as the hosts (and go-sev-guest) store them.
 */
static const struct {
	const char	*sg_name;
	u_char		 sg_guid[SNP_GUID_LEN];
} snp_guids[] = {
	{ "vcek", { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
	    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd } },
	{ "vlek", { 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
	    0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 } },
	{ "ask", { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
	    0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 } },
	{ "ark", { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
	    0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae } },
};

/* Skip len reserved bytes, which must all be zero. */
static int
snp_get_mbz(struct buf *b, size_t len)
{
	u_char	tmp[SNP_REPORT_LEN];
	size_t	i;
	int	r;

	if (len > sizeof(tmp))
		return PWR_ERR_INTERNAL;
	if ((r = buf_get(b, tmp, len)) != 0)
		return r;
	for (i = 0; i < len; i++)
		if (tmp[i] != 0)
			return PWR_ERR_INVALID_FORMAT;
	return 0;
}

/* 0x00 to 0x50: version, policy, VMPL, TCB and signer. */
static int
snp_get_head(struct buf *b, struct snp_report *sr)
{
	int	r;

	if ((r = buf_get_u32_le(b, &sr->sr_version)) != 0 ||
	    (r = buf_get_u32_le(b, &sr->sr_guest_svn)) != 0 ||
	    (r = buf_get_u64_le(b, &sr->sr_policy)) != 0 ||
	    (r = buf_get(b, sr->sr_family_id, 16)) != 0 ||
	    (r = buf_get(b, sr->sr_image_id, 16)) != 0 ||
	    (r = buf_get_u32_le(b, &sr->sr_vmpl)) != 0 ||
	    (r = buf_get_u32_le(b, &sr->sr_sig_algo)) != 0 ||
	    (r = buf_get_u64_le(b, &sr->sr_current_tcb)) != 0 ||
	    (r = buf_get_u64_le(b, &sr->sr_platform_info)) != 0 ||
	    (r = buf_get_u32_le(b, &sr->sr_signer_info)) != 0 ||
	    (r = snp_get_mbz(b, 4)) != 0)
		return r;
	if (sr->sr_version < SNP_REPORT_VERSION_MIN ||
	    sr->sr_version > SNP_REPORT_VERSION_MAX)
		return PWR_ERR_INVALID_FORMAT;
	/* Bits 5 to 31 of signer_info are reserved. */
	if ((sr->sr_signer_info & ~0x1fU) != 0)
		return PWR_ERR_INVALID_FORMAT;
	sr->sr_author_key_en =
	    (sr->sr_signer_info & SNP_SIGNER_AUTHOR_KEY_EN) != 0;
	sr->sr_mask_chip_key =
	    (sr->sr_signer_info & SNP_SIGNER_MASK_CHIP_KEY) != 0;
	sr->sr_signing_key = SNP_SIGNER_KEY(sr->sr_signer_info);
	return 0;
}

/* 0x50 to 0x1a0: what the guest asked for and what was measured. */
static int
snp_get_body(struct buf *b, struct snp_report *sr)
{
	int	r;

	if ((r = buf_get(b, sr->sr_report_data, 64)) != 0 ||
	    (r = buf_get(b, sr->sr_measurement, 48)) != 0 ||
	    (r = buf_get(b, sr->sr_host_data, 32)) != 0 ||
	    (r = buf_get(b, sr->sr_id_key_digest, 48)) != 0 ||
	    (r = buf_get(b, sr->sr_author_key_digest, 48)) != 0 ||
	    (r = buf_get(b, sr->sr_report_id, 32)) != 0 ||
	    (r = buf_get(b, sr->sr_report_id_ma, 32)) != 0 ||
	    (r = buf_get_u64_le(b, &sr->sr_reported_tcb)) != 0)
		return r;
	/* Version 2 reserved the CPUID bytes. */
	if (sr->sr_version >= 3) {
		if ((r = buf_get_u8(b, &sr->sr_cpuid_fam)) != 0 ||
		    (r = buf_get_u8(b, &sr->sr_cpuid_mod)) != 0 ||
		    (r = buf_get_u8(b, &sr->sr_cpuid_step)) != 0)
			return r;
		return snp_get_mbz(b, 0x1a0 - 0x18b);
	}
	return snp_get_mbz(b, 0x1a0 - 0x188);
}

/* 0x1a0 to the end: chip, firmware versions and the signature. */
static int
snp_get_tail(struct buf *b, struct snp_report *sr)
{
	int	r;

	if ((r = buf_get(b, sr->sr_chip_id, 64)) != 0 ||
	    (r = buf_get_u64_le(b, &sr->sr_committed_tcb)) != 0 ||
	    (r = buf_get_u8(b, &sr->sr_current_build)) != 0 ||
	    (r = buf_get_u8(b, &sr->sr_current_minor)) != 0 ||
	    (r = buf_get_u8(b, &sr->sr_current_major)) != 0 ||
	    (r = snp_get_mbz(b, 1)) != 0 ||
	    (r = buf_get_u8(b, &sr->sr_committed_build)) != 0 ||
	    (r = buf_get_u8(b, &sr->sr_committed_minor)) != 0 ||
	    (r = buf_get_u8(b, &sr->sr_committed_major)) != 0 ||
	    (r = snp_get_mbz(b, 1)) != 0 ||
	    (r = buf_get_u64_le(b, &sr->sr_launch_tcb)) != 0)
		return r;
	if (sr->sr_version >= 5) {
		if ((r = buf_get_u64_le(b, &sr->sr_launch_mit_vector)) != 0 ||
		    (r = buf_get_u64_le(b, &sr->sr_current_mit_vector)) != 0)
			return r;
	} else if ((r = snp_get_mbz(b, 16)) != 0)
		return r;
	if ((r = snp_get_mbz(b, SNP_SIG_R_OFF - 0x208)) != 0 ||
	    (r = buf_get(b, sr->sr_sig_r, SNP_SIG_PART_LEN)) != 0 ||
	    (r = buf_get(b, sr->sr_sig_s, SNP_SIG_PART_LEN)) != 0)
		return r;
	return snp_get_mbz(b, SNP_REPORT_LEN - SNP_SIG_S_OFF -
	    SNP_SIG_PART_LEN);
}

int
snp_report_parse(const u_char *p, size_t len, struct snp_report *sr)
{
	struct buf	*b;
	int		 r;

	memset(sr, 0, sizeof(*sr));
	if (p == NULL || len != SNP_REPORT_LEN)
		return PWR_ERR_INVALID_FORMAT;
	if ((b = buf_view(p, len)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if ((r = snp_get_head(b, sr)) == 0 &&
	    (r = snp_get_body(b, sr)) == 0 &&
	    (r = snp_get_tail(b, sr)) == 0 && buf_len(b) != 0)
		r = PWR_ERR_TRAILING_DATA;
	buf_free(b);
	if (r != 0) {
		memset(sr, 0, sizeof(*sr));
		return PWR_ERR_INVALID_FORMAT;
	}
	return 0;
}

enum snp_product
snp_report_product(const struct snp_report *sr)
{
	if (sr->sr_version < 3)
		return SNP_PRODUCT_UNKNOWN;
	if (sr->sr_cpuid_fam == 0x19 && sr->sr_cpuid_mod <= 0x0f)
		return SNP_PRODUCT_MILAN;
	/* Genoa, and Bergamo and Siena, which share its keys. */
	if (sr->sr_cpuid_fam == 0x19 && ((sr->sr_cpuid_mod >= 0x10 &&
	    sr->sr_cpuid_mod <= 0x1f) || (sr->sr_cpuid_mod >= 0xa0 &&
	    sr->sr_cpuid_mod <= 0xaf)))
		return SNP_PRODUCT_GENOA;
	if (sr->sr_cpuid_fam == 0x1a && sr->sr_cpuid_mod <= 0x1f)
		return SNP_PRODUCT_TURIN;
	return SNP_PRODUCT_UNKNOWN;
}

const char *
snp_product_name(enum snp_product pr)
{
	switch (pr) {
	case SNP_PRODUCT_MILAN:
		return "Milan";
	case SNP_PRODUCT_GENOA:
		return "Genoa";
	case SNP_PRODUCT_TURIN:
		return "Turin";
	default:
		return NULL;
	}
}

enum snp_product
snp_product_from_name(const char *name)
{
	if (name == NULL)
		return SNP_PRODUCT_UNKNOWN;
	if (strcmp(name, "Milan") == 0)
		return SNP_PRODUCT_MILAN;
	if (strcmp(name, "Genoa") == 0)
		return SNP_PRODUCT_GENOA;
	if (strcmp(name, "Turin") == 0)
		return SNP_PRODUCT_TURIN;
	return SNP_PRODUCT_UNKNOWN;
}

/*
 * Milan and Genoa: bl, tee, 4 reserved, snp, ucode.  Turin put the FMC
 * first: fmc, bl, tee, snp, 3 reserved, ucode.
 */
void
snp_tcb_decode(uint64_t v, enum snp_product pr, struct snp_tcb *st)
{
	memset(st, 0, sizeof(*st));
	if (pr == SNP_PRODUCT_TURIN) {
		st->st_fmc = v & 0xff;
		st->st_bl = (v >> 8) & 0xff;
		st->st_tee = (v >> 16) & 0xff;
		st->st_snp = (v >> 24) & 0xff;
	} else {
		st->st_bl = v & 0xff;
		st->st_tee = (v >> 8) & 0xff;
		st->st_snp = (v >> 48) & 0xff;
	}
	st->st_ucode = (v >> 56) & 0xff;
}

static int
snp_guid_equal(const u_char *a, const u_char *rfc)
{
	static const int	 le[SNP_GUID_LEN] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	size_t			 i;

	if (memcmp(a, rfc, SNP_GUID_LEN) == 0)
		return 1;
	/* Some hosts write the first three fields little-endian. */
	for (i = 0; i < SNP_GUID_LEN; i++)
		if (a[i] != rfc[le[i]])
			return 0;
	return 1;
}

static const char *
snp_guid_name(const u_char *guid)
{
	size_t	i;

	for (i = 0; i < sizeof(snp_guids) / sizeof(snp_guids[0]); i++)
		if (snp_guid_equal(guid, snp_guids[i].sg_guid))
			return snp_guids[i].sg_name;
	return "other";
}

/*
 * Read one entry of the table; 1 if it is the all-zero terminator, 0 if
 * not, or an error when the table ends first.
 */
static int
snp_cert_entry(struct buf *b, u_char guid[SNP_GUID_LEN], uint32_t *off,
    uint32_t *n)
{
	static const u_char	zero[SNP_GUID_LEN];

	if (buf_get(b, guid, SNP_GUID_LEN) != 0 ||
	    buf_get_u32_le(b, off) != 0 || buf_get_u32_le(b, n) != 0)
		return PWR_ERR_INVALID_FORMAT;
	return memcmp(guid, zero, SNP_GUID_LEN) == 0 && *off == 0 && *n == 0;
}

/*
 * Two passes: the first finds the terminator and so the end of the
 * header, the second checks that every certificate lies after the
 * header and inside the table before pointing at it.
 */
int
snp_certtable_parse(const u_char *p, size_t len, struct snp_cert *sc,
    size_t max)
{
	struct buf	*b;
	u_char		 guid[SNP_GUID_LEN];
	uint32_t	 off, n;
	size_t		 count, i, hdr;
	int		 r;

	if (max != 0)
		memset(sc, 0, max * sizeof(*sc));
	if (len == 0)
		return 0;
	if (p == NULL || (b = buf_view(p, len)) == NULL)
		return PWR_ERR_INVALID_FORMAT;
	for (count = 0; (r = snp_cert_entry(b, guid, &off, &n)) == 0;)
		count++;
	hdr = len - buf_len(b);
	if (r < 0 || count > max) {
		buf_free(b);
		return PWR_ERR_INVALID_FORMAT;
	}
	buf_free(b);
	if ((b = buf_view(p, len)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < count; i++) {
		(void)snp_cert_entry(b, guid, &off, &n);
		if (n == 0 || off < hdr || off > len || n > len - off)
			break;
		strlcpy(sc[i].sc_name, snp_guid_name(guid),
		    sizeof(sc[i].sc_name));
		sc[i].sc_der = p + off;
		sc[i].sc_len = n;
	}
	buf_free(b);
	if (i != count) {
		memset(sc, 0, max * sizeof(*sc));
		return PWR_ERR_INVALID_FORMAT;
	}
	return (int)count;
}
