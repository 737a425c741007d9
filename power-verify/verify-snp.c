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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "err.h"
#include "snp.h"
#include "verify.h"

/*
 * AMD SEV-SNP: the report's ECDSA P-384 signature by the VCEK or VLEK,
 * the certificate chain to AMD's pinned roots, the binding of the
 * signing key's certificate to the report's TCB and chip, and the guest
 * policy.  The measurement pin and the report_data bindings are
 * verify_evidence()'s.
 */

#define VSNP_MAX_CERTS		(2 * VERIFY_MAX_CERTS)
#define VSNP_OID_TCB		"1.3.6.1.4.1.3704.1.3."
#define VSNP_OID_HWID		"1.3.6.1.4.1.3704.1.4"

struct vsnp {
	struct snp_report	 vs_sr;
	X509			*vs_certs[VSNP_MAX_CERTS];
	const char		*vs_roles[VSNP_MAX_CERTS];
	size_t			 vs_ncerts;
	X509			*vs_signer;	/* verified the report */
	X509			*vs_leaf;	/* the signer, or a candidate */
	const char		*vs_whose;	/* "VCEK" or "VLEK" */
	enum snp_product	 vs_product;	/* from the signer's issuer */
};

static void	vsnp_add_cert(struct vsnp *, const u_char *, size_t,
		    const char *);
static void	vsnp_certs(struct verify *, struct vsnp *,
		    const struct verify_cert *, size_t);
static void	vsnp_free(struct vsnp *);
static int	vsnp_sig_der(const struct snp_report *, u_char **, size_t *);
static int	vsnp_verify_with(X509 *, const u_char *, const u_char *,
		    size_t);
static void	vsnp_signature(struct verify *, struct vsnp *,
		    const u_char *);
static enum snp_product vsnp_issuer(X509 *, int *);
static X509	*vsnp_pem(const char *);
static int	vsnp_ark_pinned(struct verify *, struct vsnp *, X509 *);
static const struct verify_amd_chain *vsnp_chain_pick(struct verify *,
		    struct vsnp *);
static void	vsnp_chain(struct verify *, struct vsnp *);
static int	vsnp_ext_der(X509 *, const char *, const u_char **, long *);
static int	vsnp_ext_int(X509 *, const char *, long *);
static int	vsnp_tcb_compare(struct vsnp *, struct snp_tcb *, char *,
		    size_t);
static int	vsnp_hwid_compare(struct vsnp *, char *, size_t);
static void	vsnp_tcb_binding(struct verify *, struct vsnp *);
static void	vsnp_policy(struct verify *, struct vsnp *);
static void	vsnp_min_tcb(struct verify *, struct vsnp *);

static void
vsnp_add_cert(struct vsnp *vs, const u_char *der, size_t len,
    const char *label)
{
	const u_char	*q = der;
	X509		*x;

	if (vs->vs_ncerts >= VSNP_MAX_CERTS || len > LONG_MAX ||
	    (x = d2i_X509(NULL, &q, (long)len)) == NULL)
		return;
	if (q != der + len) {
		X509_free(x);
		return;
	}
	vs->vs_roles[vs->vs_ncerts] = label;
	vs->vs_certs[vs->vs_ncerts++] = x;
}

/* The evidence's certificates, then the ones given with --cert. */
static void
vsnp_certs(struct verify *v, struct vsnp *vs, const struct verify_cert *vc,
    size_t n)
{
	const struct verify_opts	*vo = v->v_opts;
	struct verify_cert		 user[VERIFY_MAX_CERTS];
	char				 err[256];
	size_t				 i, j;
	int				 got;

	for (i = 0; i < n; i++)
		vsnp_add_cert(vs, vc[i].vc_der, vc[i].vc_len,
		    verify_cert_role(vc[i].vc_der, vc[i].vc_len));
	for (i = 0; i < vo->vo_ncert_files; i++) {
		memset(user, 0, sizeof(user));
		if ((got = verify_load_certs(vo->vo_cert_files[i], user,
		    VERIFY_MAX_CERTS, err, sizeof(err))) < 0) {
			verify_check(v, "cert-file", 1, VERIFY_FAIL, "client",
			    "%s", err);
			continue;
		}
		for (j = 0; j < (size_t)got; j++)
			vsnp_add_cert(vs, user[j].vc_der, user[j].vc_len,
			    verify_cert_role(user[j].vc_der, user[j].vc_len));
		verify_certs_free(user, VERIFY_MAX_CERTS);
	}
}

static void
vsnp_free(struct vsnp *vs)
{
	size_t	i;

	for (i = 0; i < vs->vs_ncerts; i++)
		X509_free(vs->vs_certs[i]);
	memset(vs, 0, sizeof(*vs));
}

/* r and s are 72-byte little-endian integers; OpenSSL wants DER. */
static int
vsnp_sig_der(const struct snp_report *sr, u_char **der, size_t *derlen)
{
	ECDSA_SIG	*sig;
	BIGNUM		*r, *s;
	int		 n;

	*der = NULL;
	*derlen = 0;
	r = BN_lebin2bn(sr->sr_sig_r, SNP_SIG_PART_LEN, NULL);
	s = BN_lebin2bn(sr->sr_sig_s, SNP_SIG_PART_LEN, NULL);
	if (r == NULL || s == NULL || (sig = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(s);
		return -1;
	}
	if (ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return -1;
	}
	n = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return -1;
	*derlen = (size_t)n;
	return 0;
}

/* 1 if x's key is a P-384 key that signed bytes [0, 0x2a0) of p. */
static int
vsnp_verify_with(X509 *x, const u_char *p, const u_char *der,
    size_t derlen)
{
	EVP_PKEY	*pk;
	EVP_MD_CTX	*md;
	char		 group[32];
	int		 ok = 0;

	if ((pk = X509_get0_pubkey(x)) == NULL || !EVP_PKEY_is_a(pk, "EC") ||
	    EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) != 1 ||
	    strcmp(group, "secp384r1") != 0)
		return 0;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pk) == 1 &&
	    EVP_DigestVerify(md, der, derlen, p, SNP_SIGNED_LEN) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	return ok;
}

static void
vsnp_signature(struct verify *v, struct vsnp *vs, const u_char *p)
{
	const struct snp_report	*sr = &vs->vs_sr;
	const char		*role;
	u_char			*der;
	size_t			 derlen, i, tried = 0;

	role = sr->sr_signing_key == SNP_SIGNING_KEY_VLEK ? "vlek" : "vcek";
	vs->vs_whose = sr->sr_signing_key == SNP_SIGNING_KEY_VLEK ?
	    "VLEK" : "VCEK";
	if (sr->sr_sig_algo != SNP_SIG_ALGO_ECDSA_P384) {
		verify_check(v, "snp-signature", 1, VERIFY_FAIL, "report",
		    "signature_algo %u is not ECDSA P-384 with SHA-384",
		    sr->sr_sig_algo);
		return;
	}
	if (sr->sr_signing_key != SNP_SIGNING_KEY_VCEK &&
	    sr->sr_signing_key != SNP_SIGNING_KEY_VLEK) {
		verify_check(v, "snp-signature", 1, VERIFY_FAIL, "report",
		    "signer_info key %d: neither VCEK nor VLEK signed it",
		    sr->sr_signing_key);
		return;
	}
	if (vsnp_sig_der(sr, &der, &derlen) != 0) {
		verify_check(v, "snp-signature", 1, VERIFY_FAIL, "report",
		    "the signature is not an ECDSA (r, s) pair");
		return;
	}
	for (i = 0; i < vs->vs_ncerts && vs->vs_signer == NULL; i++) {
		if (strcmp(vs->vs_roles[i], role) != 0)
			continue;
		if (vs->vs_leaf == NULL)
			vs->vs_leaf = vs->vs_certs[i];
		tried++;
		if (vsnp_verify_with(vs->vs_certs[i], p, der, derlen))
			vs->vs_signer = vs->vs_leaf = vs->vs_certs[i];
	}
	OPENSSL_free(der);
	if (vs->vs_signer != NULL)
		verify_check(v, "snp-signature", 1, VERIFY_PASS, vs->vs_whose,
		    "ECDSA P-384/SHA-384 over [0, 0x2a0) by the %s",
		    vs->vs_whose);
	else if (tried == 0)
		verify_check(v, "snp-signature", 1, VERIFY_FAIL, vs->vs_whose,
		    "no %s certificate: the evidence has none, give one "
		    "with --cert", vs->vs_whose);
	else
		verify_check(v, "snp-signature", 1, VERIFY_FAIL, vs->vs_whose,
		    "the signature does not verify with the %s key%s given",
		    vs->vs_whose, tried == 1 ? "" : "s");
}

/*
 * The product is in the issuer's name: "SEV-Milan" for a VCEK,
 * "SEV-VLEK-Milan" for a VLEK.
 */
static enum snp_product
vsnp_issuer(X509 *x, int *vlek)
{
	char	cn[64];

	*vlek = 0;
	if (X509_NAME_get_text_by_NID(X509_get_issuer_name(x),
	    NID_commonName, cn, sizeof(cn)) <= 0 ||
	    strncmp(cn, "SEV-", 4) != 0)
		return SNP_PRODUCT_UNKNOWN;
	if (strncmp(cn, "SEV-VLEK-", 9) == 0) {
		*vlek = 1;
		return snp_product_from_name(cn + 9);
	}
	return snp_product_from_name(cn + 4);
}

static X509 *
vsnp_pem(const char *pem)
{
	BIO	*bio;
	X509	*x;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* An ARK that came with the evidence must be AMD's, byte for byte. */
static int
vsnp_ark_pinned(struct verify *v, struct vsnp *vs, X509 *ark)
{
	char	cn[64];
	size_t	i;

	for (i = 0; i < vs->vs_ncerts; i++) {
		if (strcmp(vs->vs_roles[i], "ark") != 0 ||
		    X509_cmp(vs->vs_certs[i], ark) == 0)
			continue;
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(
		    vs->vs_certs[i]), NID_commonName, cn, sizeof(cn)) <= 0)
			strlcpy(cn, "ARK", sizeof(cn));
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, "ARK",
		    "the %s given is not AMD's pinned root", cn);
		return -1;
	}
	return 0;
}

/*
 * Which pinned chain the signer must end in: the product its issuer
 * names, which must agree with the report's signer_info and CPUID.
 */
static const struct verify_amd_chain *
vsnp_chain_pick(struct verify *v, struct vsnp *vs)
{
	const struct verify_amd_chain	*ac;
	const char			*prod, *rprod;
	int				 vlek;

	vs->vs_product = vsnp_issuer(vs->vs_leaf, &vlek);
	prod = snp_product_name(vs->vs_product);
	rprod = snp_product_name(snp_report_product(&vs->vs_sr));
	if ((ac = verify_amd_chain(prod, vlek)) == NULL)
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, vs->vs_whose,
		    "the %s's issuer is not an AMD Milan, Genoa or Turin "
		    "ASK or ASVK", vs->vs_whose);
	else if (vlek != (vs->vs_sr.sr_signing_key == SNP_SIGNING_KEY_VLEK))
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, vs->vs_whose,
		    "the report says %s but the certificate is issued by "
		    "an %s", vs->vs_whose, vlek ? "ASVK" : "ASK");
	else if (rprod != NULL && strcmp(rprod, prod) != 0)
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, vs->vs_whose,
		    "the report's CPUID says %s, the %s is a %s key", rprod,
		    vs->vs_whose, prod);
	else
		return ac;
	return NULL;
}

/*
 * The signer against the pinned ARK (the only trust anchor) through the
 * pinned ASK or ASVK, at --at or now.  Whatever intermediates came with
 * the evidence play no part.
 */
static void
vsnp_chain(struct verify *v, struct vsnp *vs)
{
	const struct verify_amd_chain	*ac;
	X509				*ark = NULL, *ask = NULL;
	X509_STORE			*store = NULL;
	X509_STORE_CTX			*ctx = NULL;
	STACK_OF(X509)			*untrusted = NULL;

	if (vs->vs_leaf == NULL) {
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, vs->vs_whose,
		    "no %s certificate to check", vs->vs_whose);
		return;
	}
	if ((ac = vsnp_chain_pick(v, vs)) == NULL)
		return;
	if ((ark = vsnp_pem(ac->vac_ark)) == NULL ||
	    (ask = vsnp_pem(ac->vac_ask)) == NULL ||
	    (store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_new_null()) == NULL ||
	    X509_STORE_add_cert(store, ark) != 1 ||
	    sk_X509_push(untrusted, ask) <= 0)
		pwr_tool_errx(1, "loading the pinned AMD roots failed");
	ask = NULL;	/* the stack owns it */
	if (vsnp_ark_pinned(v, vs, ark) != 0)
		goto out;
	if (X509_STORE_CTX_init(ctx, store, vs->vs_leaf, untrusted) != 1)
		pwr_tool_errx(1, "X509_STORE_CTX_init failed");
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
	    v->v_opts->vo_at);
	if (X509_verify_cert(ctx) != 1)
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, vs->vs_whose,
		    "%s -> %s -> ARK-%s: %s (at depth %d)", vs->vs_whose,
		    ac->vac_vlek ? "ASVK" : "ASK", ac->vac_product,
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(
		    ctx)), X509_STORE_CTX_get_error_depth(ctx));
	else if (sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) != 3)
		verify_check(v, "snp-chain", 1, VERIFY_FAIL, vs->vs_whose,
		    "the chain is not %s -> ASK -> ARK", vs->vs_whose);
	else
		verify_check(v, "snp-chain", 1, VERIFY_PASS, vs->vs_whose,
		    "%s -> SEV-%s%s -> ARK-%s (pinned), RSA-PSS",
		    vs->vs_whose, ac->vac_vlek ? "VLEK-" : "", ac->vac_product,
		    ac->vac_product);
 out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_STORE_free(store);
	X509_free(ark);
	X509_free(ask);
}

/* The DER inside an extension's OCTET STRING; 0, or -1 if absent. */
static int
vsnp_ext_der(X509 *x, const char *oid, const u_char **p, long *len)
{
	ASN1_OBJECT		*obj;
	const ASN1_OCTET_STRING	*os;
	int			 idx;

	if ((obj = OBJ_txt2obj(oid, 1)) == NULL)
		return -1;
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0 ||
	    (os = X509_EXTENSION_get_data(X509_get_ext(x, idx))) == NULL)
		return -1;
	*p = ASN1_STRING_get0_data(os);
	*len = ASN1_STRING_length(os);
	return 0;
}

/* An SPL extension: a DER INTEGER in 0..255; 0, or -1. */
static int
vsnp_ext_int(X509 *x, const char *oid, long *val)
{
	ASN1_INTEGER	*ai;
	const u_char	*p, *q;
	int64_t		 n;
	long		 len;
	int		 r = -1;

	if (vsnp_ext_der(x, oid, &p, &len) != 0)
		return -1;
	q = p;
	if ((ai = d2i_ASN1_INTEGER(NULL, &q, len)) == NULL)
		return -1;
	if (q == p + len && ASN1_INTEGER_get_int64(&n, ai) == 1 &&
	    n >= 0 && n <= 255) {
		*val = (long)n;
		r = 0;
	}
	ASN1_INTEGER_free(ai);
	return r;
}

/* 0 if every SPL in the certificate equals the report's reported_tcb. */
static int
vsnp_tcb_compare(struct vsnp *vs, struct snp_tcb *st, char *why,
    size_t whylen)
{
	static const struct {
		const char	*name;
		const char	*arc;
		size_t		 off;
	} spl[] = {
		{ "bl", "1", offsetof(struct snp_tcb, st_bl) },
		{ "tee", "2", offsetof(struct snp_tcb, st_tee) },
		{ "snp", "3", offsetof(struct snp_tcb, st_snp) },
		{ "ucode", "8", offsetof(struct snp_tcb, st_ucode) },
		{ "fmc", "9", offsetof(struct snp_tcb, st_fmc) },
	};
	char	oid[64];
	long	val;
	size_t	i;
	uint8_t	want;

	snp_tcb_decode(vs->vs_sr.sr_reported_tcb, vs->vs_product, st);
	for (i = 0; i < sizeof(spl) / sizeof(spl[0]); i++) {
		want = *((uint8_t *)st + spl[i].off);
		(void)snprintf(oid, sizeof(oid), "%s%s", VSNP_OID_TCB,
		    spl[i].arc);
		if (vsnp_ext_int(vs->vs_leaf, oid, &val) != 0) {
			/* Only Turin certificates carry an FMC SPL. */
			if (strcmp(spl[i].name, "fmc") == 0 &&
			    vs->vs_product != SNP_PRODUCT_TURIN)
				continue;
			(void)snprintf(why, whylen, "the %s has no %s SPL "
			    "(%s)", vs->vs_whose, spl[i].name, oid);
			return -1;
		}
		if (val != want) {
			(void)snprintf(why, whylen, "%s SPL: %s %ld, "
			    "reported_tcb %u", spl[i].name, vs->vs_whose,
			    val, want);
			return -1;
		}
	}
	return 0;
}

/*
 * A VCEK belongs to one chip: its hwID is the report's chip_id.  KDS
 * writes the bare bytes; newer certificates wrap them in a DER OCTET
 * STRING.  Both are accepted.
 */
static int
vsnp_hwid_compare(struct vsnp *vs, char *why, size_t whylen)
{
	ASN1_OCTET_STRING	*os = NULL;
	const u_char		*p, *q, *id;
	long			 len;
	size_t			 n, want;
	int			 r = -1;

	if (vsnp_ext_der(vs->vs_leaf, VSNP_OID_HWID, &p, &len) != 0) {
		(void)snprintf(why, whylen, "the VCEK has no hwID");
		return -1;
	}
	/* Turin keys are named by the first 8 bytes of chip_id only. */
	want = vs->vs_product == SNP_PRODUCT_TURIN ? 8 : 64;
	id = p;
	n = (size_t)len;
	q = p;
	if (n != want && (os = d2i_ASN1_OCTET_STRING(NULL, &q, len)) != NULL &&
	    q == p + len) {
		id = ASN1_STRING_get0_data(os);
		n = (size_t)ASN1_STRING_length(os);
	}
	if (n != want)
		(void)snprintf(why, whylen, "the VCEK's hwID is not %zu bytes",
		    want);
	else if (memcmp(id, vs->vs_sr.sr_chip_id, n) != 0)
		(void)snprintf(why, whylen, "the VCEK's hwID is not the "
		    "report's chip_id: the key belongs to another chip");
	else
		r = 0;
	ASN1_OCTET_STRING_free(os);
	return r;
}

static void
vsnp_tcb_binding(struct verify *v, struct vsnp *vs)
{
	struct snp_tcb	st;
	char		why[160];
	const char	*hw;

	if (vs->vs_leaf == NULL || vs->vs_product == SNP_PRODUCT_UNKNOWN) {
		verify_check(v, "snp-tcb-binding", 1, VERIFY_FAIL,
		    vs->vs_whose, "no AMD %s certificate to compare with",
		    vs->vs_whose);
		return;
	}
	if (vsnp_tcb_compare(vs, &st, why, sizeof(why)) != 0) {
		verify_check(v, "snp-tcb-binding", 1, VERIFY_FAIL,
		    vs->vs_whose, "%s", why);
		return;
	}
	if (vs->vs_sr.sr_signing_key == SNP_SIGNING_KEY_VLEK)
		hw = "VLEK: no chip binding";
	else if (vs->vs_sr.sr_mask_chip_key)
		hw = "chip_id masked by the guest policy";
	else if (vsnp_hwid_compare(vs, why, sizeof(why)) != 0) {
		verify_check(v, "snp-tcb-binding", 1, VERIFY_FAIL,
		    vs->vs_whose, "%s", why);
		return;
	} else
		hw = "hwID = chip_id";
	verify_check(v, "snp-tcb-binding", 1, VERIFY_PASS, vs->vs_whose,
	    "%s SPLs bl %u tee %u snp %u ucode %u%s = reported_tcb; %s",
	    vs->vs_whose, st.st_bl, st.st_tee, st.st_snp, st.st_ucode,
	    vs->vs_product == SNP_PRODUCT_TURIN ? " fmc" : "", hw);
}

static void
vsnp_min_tcb(struct verify *v, struct vsnp *vs)
{
	const int	*min = v->v_opts->vo_min_tcb;
	struct snp_tcb	 st;
	int		 have[4], i;
	static const char *const names[4] = { "bl", "tee", "snp", "ucode" };

	snp_tcb_decode(vs->vs_sr.sr_reported_tcb, vs->vs_product, &st);
	have[0] = st.st_bl;
	have[1] = st.st_tee;
	have[2] = st.st_snp;
	have[3] = st.st_ucode;
	if (min[0] < 0 && min[1] < 0 && min[2] < 0 && min[3] < 0) {
		verify_check(v, "policy-min-tcb", 0, VERIFY_SKIP, "client",
		    "reported_tcb %d:%d:%d:%d (no --min-tcb)", have[0],
		    have[1], have[2], have[3]);
		return;
	}
	for (i = 0; i < 4; i++) {
		if (min[i] >= 0 && have[i] < min[i]) {
			verify_check(v, "policy-min-tcb", 1, VERIFY_FAIL,
			    "report", "%s SPL %d is below the minimum %d",
			    names[i], have[i], min[i]);
			return;
		}
	}
	verify_check(v, "policy-min-tcb", 1, VERIFY_PASS, "report",
	    "reported_tcb %d:%d:%d:%d meets --min-tcb", have[0], have[1],
	    have[2], have[3]);
}

static void
vsnp_policy(struct verify *v, struct vsnp *vs)
{
	const struct verify_opts	*vo = v->v_opts;
	const struct snp_report		*sr = &vs->vs_sr;

	if ((sr->sr_policy & SNP_POLICY_DEBUG) == 0)
		verify_check(v, "policy-debug", 1, VERIFY_PASS, "report",
		    "debugging off (policy 0x%llx)",
		    (unsigned long long)sr->sr_policy);
	else
		verify_check(v, "policy-debug", 1, vo->vo_allow_debug ?
		    VERIFY_PASS : VERIFY_FAIL, "report", "DEBUG allowed: "
		    "the host can read and change guest memory%s",
		    vo->vo_allow_debug ? " (--allow-debug)" : "");
	if (vo->vo_max_vmpl < 0)
		verify_check(v, "policy-vmpl", 0, VERIFY_SKIP, "client",
		    "VMPL %u (no --vmpl)", sr->sr_vmpl);
	else
		verify_check(v, "policy-vmpl", 1, sr->sr_vmpl <=
		    (uint32_t)vo->vo_max_vmpl ? VERIFY_PASS : VERIFY_FAIL,
		    "report", "VMPL %u, at most %d allowed", sr->sr_vmpl,
		    vo->vo_max_vmpl);
	vsnp_min_tcb(v, vs);
	if (vo->vo_min_report_version <= 0)
		verify_check(v, "policy-report-version", 0, VERIFY_SKIP,
		    "client", "version %u (no --min-report-version)",
		    sr->sr_version);
	else
		verify_check(v, "policy-report-version", 1,
		    sr->sr_version >= (uint32_t)vo->vo_min_report_version ?
		    VERIFY_PASS : VERIFY_FAIL, "report", "version %u, at "
		    "least %d required", sr->sr_version,
		    vo->vo_min_report_version);
}

void
verify_snp(struct verify *v, const u_char *p, size_t len,
    const struct verify_cert *certs, size_t ncerts)
{
	struct vsnp	 vs;
	const char	*prod;

	memset(&vs, 0, sizeof(vs));
	if (snp_report_parse(p, len, &vs.vs_sr) != 0) {
		verify_check(v, "snp-report-parse", 1, VERIFY_FAIL, "report",
		    "%zu bytes are not an SEV-SNP report (versions %d to %d, "
		    "%d bytes)", len, SNP_REPORT_VERSION_MIN,
		    SNP_REPORT_VERSION_MAX, SNP_REPORT_LEN);
		return;
	}
	prod = snp_product_name(snp_report_product(&vs.vs_sr));
	verify_check(v, "snp-report-parse", 1, VERIFY_PASS, "report",
	    "version %u, VMPL %u, guest SVN %u, signed by the %s%s%s",
	    vs.vs_sr.sr_version, vs.vs_sr.sr_vmpl, vs.vs_sr.sr_guest_svn,
	    vs.vs_sr.sr_signing_key == SNP_SIGNING_KEY_VLEK ? "VLEK" :
	    "VCEK", prod != NULL ? ", CPU " : "", prod != NULL ? prod : "");
	vsnp_certs(v, &vs, certs, ncerts);
	vsnp_signature(v, &vs, p);
	vsnp_chain(v, &vs);
	vsnp_tcb_binding(v, &vs);
	vsnp_policy(v, &vs);
	vsnp_free(&vs);
}
