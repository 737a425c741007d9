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

#ifndef POWER_ATTESTD_H
#define POWER_ATTESTD_H

/* attestd: the only process that touches TEE devices. */

#define ATTEST_TYPE_MAX		16	/* bytes of a TEE type name */
#define ATTEST_DETAIL_MAX	256	/* bytes of a detail message */
#define ATTEST_MESSAGE_MAX	256	/* bytes of an ATTEST_REPORT message */
#define ATTEST_MAX_CERTTABLE	(28 * 1024)	/* bytes of a cert table */

/* ATTEST_REPORT status (PROTOCOL section 5). */
#define ATTEST_STATUS_OK	0
#define ATTEST_STATUS_NO_TEE	1	/* TEE none, or not available */
#define ATTEST_STATUS_FAILED	2	/* the device or the TSM failed */

/*
 * The SEV-SNP guest requests of the Linux uapi <linux/sev-guest.h>:
 * _IOWR('S', nr, struct snp_guest_request_ioctl), a 32-byte struct.
 * Written out so that the build needs no kernel headers.
 */
#define ATTEST_SNP_GET_REPORT	 _IOC(_IOC_READ | _IOC_WRITE, 'S', 0x0, 32)
#define ATTEST_SNP_GET_EXT_REPORT _IOC(_IOC_READ | _IOC_WRITE, 'S', 0x2, 32)

struct config;
struct proc_child_conf;
struct sandbox_rule;

/* How attestd uses configfs-tsm (at_tsm). */
#define ATTEST_TSM_NONE		0	/* not configfs-tsm */
#define ATTEST_TSM_ENTRY	1	/* at_fd is our own report entry */
#define ATTEST_TSM_PERREQ	2	/* at_fd is the report directory */

/* What TEE we are in and the open device that serves its evidence. */
struct attest_tee {
	char		at_type[ATTEST_TYPE_MAX];	/* TEE keyword value */
	int		at_available;	/* evidence can be produced */
	int		at_simulated;	/* not hardware evidence */
	int		at_fd;		/* device, entry or report dir, or -1 */
	int		at_tsm;		/* ATTEST_TSM_* */
	char		at_tsm_tee[ATTEST_TYPE_MAX];	/* its provider */
	int		at_gen_known;	/* at_gen is the entry's generation */
	uint64_t	at_gen;		/* generation last seen */
	uint32_t	at_vmpl;	/* SevVmpl */
	char		at_detail[ATTEST_DETAIL_MAX];
};

/* One answer to ATTEST_REPORT_REQ. */
struct attest_evidence {
	uint32_t	ae_status;		/* ATTEST_STATUS_* */
	char		ae_tee[ATTEST_TYPE_MAX];	/* EVIDENCE_TEE_* or "" */
	int		ae_simulated;
	u_char		ae_report[EVIDENCE_MAX_REPORT];
	size_t		ae_report_len;
	u_char		ae_certs[ATTEST_MAX_CERTTABLE];	/* SNP GUID table */
	size_t		ae_certs_len;
	char		ae_message[ATTEST_MESSAGE_MAX];	/* "" on success */
};

/* attest-tee.c */
void	attest_tee_detect(struct attest_tee *, const struct proc_child_conf *);

/* attest-report.c */
void	attest_report(struct attest_tee *,
	    const u_char [EVIDENCE_REPORT_DATA_LEN], struct attest_evidence *);
void	attest_evidence_clear(struct attest_evidence *);
int	attest_tsm_prepare(struct attest_tee *, uid_t, gid_t, int, char *,
	    size_t);

/* attest-filter.c */
extern const struct sandbox_rule	attest_filter[];
extern const size_t			attest_filter_len;
struct sandbox_rule *attest_filter_build(int devfd, int entryfd, int dirfd,
	    size_t *);

#endif /* POWER_ATTESTD_H */
