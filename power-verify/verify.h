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

#ifndef POWER_VERIFY_H
#define POWER_VERIFY_H

/*
 * power-verify: the client's side of the trust chain.  Every check is
 * recorded by name with pass, fail or skipped and whose evidence failed;
 * the exit status is 0 only when every required check passed and the
 * evidence's own signature was verified (a passing required check whose
 * name ends in "-signature"), or it was a simulated report that
 * --allow-simulated let through.
 *
 * Division of labour: verify_evidence() recognises the evidence, hands
 * it to verify_snp() or verify_tdx() (which check signatures, chains,
 * TCB and policy), and then itself runs the measurement pin and the
 * report_data bindings for every kind of evidence, so the TEE-specific
 * verifiers must not record "measurement" or the "*-binding" checks.
 */

#define VERIFY_MAX_CHECKS	96
#define VERIFY_MAX_CERTS	8
#define VERIFY_MAX_CRLS		8	/* --crl files */
#define VERIFY_MAX_TCB_STATUS	8	/* --allow-tcb-status */
#define VERIFY_MAX_INPUT	(1024 * 1024)	/* bytes of a report FILE */

enum verify_result {
	VERIFY_PASS,
	VERIFY_FAIL,
	VERIFY_SKIP,
};

struct verify_check {
	char			vc_name[48];	/* "snp-signature", ... */
	enum verify_result	vc_result;
	int			vc_required;
	char			vc_whose[48];	/* "VCEK", "PCK", "client" ... */
	char			vc_detail[256];
};

/* A certificate the evidence came with or the user gave. */
struct verify_cert {
	char		 vc_name[16];	/* "vcek" "vlek" "ask" "ark" "pck" ... */
	u_char		*vc_der;
	size_t		 vc_len;
};

struct verify_opts {
	time_t		 vo_at;			/* --at, or now */
	int		 vo_allow_simulated;
	int		 vo_have_nonce;
	u_char		 vo_nonce[32];
	int		 vo_have_model;
	u_char		 vo_model_sha256[32];
	int		 vo_have_spki;		/* set by ratls */
	u_char		 vo_spki_sha256[32];
	int		 vo_have_measurement;
	u_char		 vo_measurement[48];
	size_t		 vo_measurement_len;
	/* Policy. */
	int		 vo_allow_debug;
	int		 vo_max_vmpl;		/* -1: any */
	int		 vo_min_report_version;	/* 0: any */
	int		 vo_min_tcb[4];		/* SNP bl tee snp ucode; -1 any */
	int		 vo_have_min_tdx_tcb;
	u_char		 vo_min_tdx_tcb[16];	/* TDX TEE_TCB_SVN, per byte */
	/* TCB statuses besides UpToDate that pass (Intel's names). */
	const char	*vo_allow_tcb[VERIFY_MAX_TCB_STATUS];
	size_t		 vo_nallow_tcb;
	/* Extra inputs: signer certs, TDX collateral (paths or NULL). */
	const char	*vo_cert_files[VERIFY_MAX_CERTS];
	size_t		 vo_ncert_files;
	const char	*vo_tcbinfo;
	const char	*vo_qeidentity;
	const char	*vo_tcb_chain;		/* issuer chain of both */
	const char	*vo_crl_files[VERIFY_MAX_CRLS];	/* DER or PEM */
	size_t		 vo_ncrl_files;
	const char	*vo_cafile;		/* TLS trust for fetch */
	const char	*vo_model;		/* --model NAME for fetch */
	int		 vo_json;		/* table as JSON */
	int		 vo_quiet;
};

struct verify {
	const struct verify_opts	*v_opts;
	struct verify_check		 v_checks[VERIFY_MAX_CHECKS];
	size_t				 v_nchecks;
};

/* verify.c */
void	verify_init(struct verify *, const struct verify_opts *);
void	verify_check(struct verify *, const char *name, int required,
	    enum verify_result, const char *whose, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* nonce, model and SPKI bindings over report_data (constant time). */
void	verify_bindings(struct verify *, const u_char rd[64]);
/*
 * Raw evidence of any kind (SNP report, TDX quote, simulated report),
 * with the certificates it came with; records every check.
 */
void	verify_evidence(struct verify *, const u_char *, size_t,
	    const struct verify_cert *, size_t);
/* A /v1/attestation document (also the RA-TLS JSON extension). */
void	verify_attestation_json(struct verify *, const char *, size_t);
/* Print the table; 0 if every required check passed, else 1. */
int	verify_finish(struct verify *, FILE *);
/* The measurement pin (--measurement); skipped when not asked for. */
void	verify_measurement(struct verify *, const u_char *, size_t);
/*
 * The "report FILE" subcommand: FILE ("-" for standard input) holds raw
 * evidence, its hex or base64 text, or a /v1/attestation document.
 * 0, or -1 after printing why FILE could not be read.
 */
int	verify_report(struct verify *, const char *path);
/* Base64 (whitespace ignored) into a new allocation; 0 or -1. */
int	verify_base64_decode(const char *, size_t, u_char **, size_t *);
/*
 * Every certificate of a PEM bundle or the one of a DER file, appended
 * to certs (vc_name from the subject: "vcek" "vlek" "ask" "asvk" "ark"
 * "other"); the number added, or -1 with errbuf set.
 */
int	verify_load_certs(const char *path, struct verify_cert *,
	    size_t max, char *errbuf, size_t errlen);
/* The same for DER certificates given as bytes. */
const char *verify_cert_role(const u_char *, size_t);
void	verify_certs_free(struct verify_cert *, size_t);
/*
 * Every CRL of the --crl files into store, with revocation checked for
 * every certificate of a chain; the number added (0: no --crl), or -1
 * with errbuf set.  The struct is OpenSSL's X509_STORE.
 */
struct x509_store_st;
int	verify_add_crls(const struct verify_opts *, struct x509_store_st *,
	    char *errbuf, size_t errlen);

/* verify-snp.c */
void	verify_snp(struct verify *, const u_char *, size_t,
	    const struct verify_cert *, size_t);

/* verify-roots.c: AMD's roots, pinned per product. */
struct verify_amd_chain {
	const char	*vac_product;	/* "Milan" "Genoa" "Turin" */
	int		 vac_vlek;	/* ASVK (VLEK) chain, not ASK */
	const char	*vac_ask;	/* PEM of the ASK or ASVK */
	const char	*vac_ark;	/* PEM of the ARK */
};
const struct verify_amd_chain *verify_amd_chain(const char *, int vlek);

/* verify-tdx.c */
void	verify_tdx(struct verify *, const u_char *, size_t);

/* verify-net.c: the subcommands that talk to a server. */
int	verify_fetch(struct verify *, const char *url);
int	verify_ratls(struct verify *, const char *hostport);

#endif /* POWER_VERIFY_H */
