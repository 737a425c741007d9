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
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "evidence.h"
#include "log.h"
#include "sandbox.h"
#include "attestd.h"

/*
 * The providers behind ATTEST_REPORT_REQ: SEV-SNP through the guest
 * device, SEV-SNP reports and TDX quotes through configfs-tsm, and the
 * simulated report.  A device or TSM that fails gives a status and a
 * message, never a crash: the network child answers 503.  The report is
 * checked to carry the report_data asked for before it leaves.
 */

#define ATTEST_SNP_MSG_VERSION	1
#define ATTEST_SNP_RESP_LEN	4000	/* struct snp_report_resp */
#define ATTEST_SNP_RESP_HDR	32	/* status, report_size, reserved */
#define ATTEST_SNP_VMM_INVALID_LEN 1	/* SNP_GUEST_VMM_ERR_INVALID_LEN */
#define ATTEST_PAGE_BYTES	4096
#define ATTEST_SNP_CERTS_START	(2 * ATTEST_PAGE_BYTES)
#define ATTEST_SNP_TRIES	3
#define ATTEST_GUID_LEN		16
#define ATTEST_CERT_ENTRY_LEN	24	/* GUID, u32 offset, u32 length */
#define ATTEST_TSM_NAME_MAX	64
#define ATTEST_TSM_ATTR_MAX	64	/* bytes of provider, generation */
#define ATTEST_TSM_WAIT_NS	200000	/* between looks for provider */
#define ATTEST_TSM_WAIT_STEPS	10000	/* 2 s in all */
#define ATTEST_TSM_TRIES	2
#define ATTEST_TSM_ENTRY_NAME	"power-attestd-%u"	/* AttestUser's uid */

/* <linux/sev-guest.h> struct snp_report_req. */
struct attest_snp_req {
	uint8_t		sq_user_data[EVIDENCE_REPORT_DATA_LEN];
	uint32_t	sq_vmpl;
	uint8_t		sq_rsvd[28];
};

/* struct snp_ext_report_req: the report request and the cert buffer. */
struct attest_snp_ext_req {
	struct attest_snp_req	se_data;
	uint64_t		se_certs_address;
	uint32_t		se_certs_len;
};

/* struct snp_guest_request_ioctl. */
struct attest_snp_ioctl {
	uint8_t		si_msg_version;
	uint64_t	si_req_data;
	uint64_t	si_resp_data;
	uint64_t	si_exitinfo2;	/* VMM error << 32 | firmware error */
};

_Static_assert(sizeof(struct attest_snp_ioctl) == 32,
    "struct snp_guest_request_ioctl is 32 bytes");
_Static_assert(sizeof(struct attest_snp_req) == 96,
    "struct snp_report_req is 96 bytes");

static void	attest_fail(struct attest_evidence *, uint32_t, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	attest_report_sim(const u_char *, struct attest_evidence *);
static void	attest_report_snp(const struct attest_tee *, const u_char *,
		    struct attest_evidence *);
static int	attest_snp_call(const struct attest_tee *, unsigned long,
		    const u_char *, uint32_t *, uint64_t *);
static int	attest_snp_resp(struct attest_evidence *);
static size_t	attest_certs_used(const u_char *, size_t);
static void	attest_report_tsm(struct attest_tee *, const u_char *,
		    struct attest_evidence *);
static void	attest_report_perreq(const struct attest_tee *,
		    const u_char *, struct attest_evidence *);
static void	attest_tsm_entry(int, const char *, int *, uint64_t *,
		    const u_char *, struct attest_evidence *);
static const char *attest_tsm_provider(int, const char *, const char *,
		    char *, size_t);
static int	attest_tsm_privlevel(int, const char *, const char *,
		    uint32_t, char *, size_t);
static int	attest_tsm_round(int, const char *, const u_char *,
		    struct attest_evidence *, uint64_t *, uint64_t *);
static int	attest_tsm_open(int, const char *, const char *, int);
static int	attest_tsm_write(int, const char *, const char *,
		    const u_char *, size_t);
static int	attest_tsm_read(int, const char *, const char *, u_char *,
		    size_t, size_t *);
static int	attest_tsm_generation(int, const char *, uint64_t *);
static int	attest_read_all(int, u_char *, size_t, size_t *);
static void	attest_check(const u_char *, struct attest_evidence *);

/*
 * The kernel copies the response and the certificates into these; the
 * certificate buffer must be page-aligned and a whole number of pages.
 */
static u_char	attest_snp_buf[ATTEST_SNP_RESP_LEN];
static u_char	attest_snp_certs[ATTEST_MAX_CERTTABLE]
		    __attribute__((aligned(ATTEST_PAGE_BYTES)));

void
attest_evidence_clear(struct attest_evidence *ae)
{
	/* Evidence is for the client that asked; wipe what was used. */
	explicit_bzero(ae->ae_report, ae->ae_report_len);
	explicit_bzero(ae->ae_certs, ae->ae_certs_len);
	ae->ae_report_len = ae->ae_certs_len = 0;
	ae->ae_status = ATTEST_STATUS_OK;
	ae->ae_tee[0] = '\0';
	ae->ae_simulated = 0;
	ae->ae_message[0] = '\0';
}

static void
attest_fail(struct attest_evidence *ae, uint32_t status, const char *fmt,
    ...)
{
	va_list	ap;

	explicit_bzero(ae->ae_report, ae->ae_report_len);
	explicit_bzero(ae->ae_certs, ae->ae_certs_len);
	ae->ae_report_len = ae->ae_certs_len = 0;
	ae->ae_status = status;
	va_start(ap, fmt);
	(void)vsnprintf(ae->ae_message, sizeof(ae->ae_message), fmt, ap);
	va_end(ap);
	if (status != ATTEST_STATUS_NO_TEE)
		log_ratelimit("report failed: %s", ae->ae_message);
}

void
attest_report(struct attest_tee *at,
    const u_char rd[EVIDENCE_REPORT_DATA_LEN], struct attest_evidence *ae)
{
	attest_evidence_clear(ae);
	if (!at->at_available) {
		if (strcmp(at->at_type, "none") == 0)
			attest_fail(ae, ATTEST_STATUS_NO_TEE, "no TEE");
		else
			attest_fail(ae, ATTEST_STATUS_NO_TEE,
			    "TEE %s unavailable", at->at_type);
		return;
	}
	if (at->at_simulated)
		attest_report_sim(rd, ae);
	else if (at->at_tsm)
		attest_report_tsm(at, rd, ae);
	else
		attest_report_snp(at, rd, ae);
	if (ae->ae_status == ATTEST_STATUS_OK)
		attest_check(rd, ae);
}

/*
 * Whatever answered, the report must be of the kind announced and bind
 * the caller's report_data: a TSM that answered for someone else's
 * inblob must not pass.
 */
static void
attest_check(const u_char *rd, struct attest_evidence *ae)
{
	struct evidence_info	ei;

	if (evidence_parse(ae->ae_report, ae->ae_report_len, &ei) != 0) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "%s: %zu bytes of "
		    "evidence that do not parse", ae->ae_tee,
		    ae->ae_report_len);
		return;
	}
	if (strcmp(ei.ei_tee, ae->ae_tee) != 0) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "%s: the evidence is "
		    "a %s report", ae->ae_tee, ei.ei_tee);
		return;
	}
	if (memcmp(ei.ei_report_data, rd, EVIDENCE_REPORT_DATA_LEN) != 0)
		attest_fail(ae, ATTEST_STATUS_FAILED, "%s: the report does "
		    "not carry the report_data asked for", ae->ae_tee);
}

static void
attest_report_sim(const u_char *rd, struct attest_evidence *ae)
{
	evidence_sim_build(ae->ae_report, rd);
	ae->ae_report_len = EVIDENCE_SIM_LEN;
	strlcpy(ae->ae_tee, EVIDENCE_TEE_SIM, sizeof(ae->ae_tee));
	ae->ae_simulated = 1;
}

/* SEV-SNP through /dev/sev-guest. */

/*
 * One guest request.  certs_len is NULL for SNP_GET_REPORT; for
 * SNP_GET_EXT_REPORT it is the buffer size in and, when the host wants
 * more, the size it asked for out.  Returns ioctl's result, errno kept.
 */
static int
attest_snp_call(const struct attest_tee *at, unsigned long nr,
    const u_char *rd, uint32_t *certs_len, uint64_t *exitinfo2)
{
	struct attest_snp_ext_req	req;
	struct attest_snp_ioctl		io;
	int				r, saved;

	memset(&req, 0, sizeof(req));
	memcpy(req.se_data.sq_user_data, rd, EVIDENCE_REPORT_DATA_LEN);
	req.se_data.sq_vmpl = at->at_vmpl;
	if (certs_len != NULL) {
		req.se_certs_address = (uint64_t)(uintptr_t)attest_snp_certs;
		req.se_certs_len = *certs_len;
	}
	memset(&io, 0, sizeof(io));
	io.si_msg_version = ATTEST_SNP_MSG_VERSION;
	io.si_req_data = (uint64_t)(uintptr_t)&req;
	io.si_resp_data = (uint64_t)(uintptr_t)attest_snp_buf;
	explicit_bzero(attest_snp_buf, sizeof(attest_snp_buf));
	r = ioctl(at->at_fd, nr, &io);
	saved = errno;
	*exitinfo2 = io.si_exitinfo2;
	if (certs_len != NULL)
		*certs_len = req.se_certs_len;
	errno = saved;
	return r;
}

/* The firmware's answer: u32 status, u32 report_size, 24 reserved. */
static int
attest_snp_resp(struct attest_evidence *ae)
{
	struct buf	*b;
	uint32_t	 status, size;
	int		 r = -1;

	if ((b = buf_view(attest_snp_buf, sizeof(attest_snp_buf))) == NULL)
		fatalx_f("buf_view");
	if (buf_get_u32_le(b, &status) != 0 || buf_get_u32_le(b, &size) != 0 ||
	    buf_get(b, NULL, ATTEST_SNP_RESP_HDR - 8) != 0)
		attest_fail(ae, ATTEST_STATUS_FAILED, "SNP: short response");
	else if (status != 0)
		attest_fail(ae, ATTEST_STATUS_FAILED, "SNP: firmware status "
		    "%#x", status);
	else if (size == 0 || size > buf_len(b) ||
	    size > sizeof(ae->ae_report))
		attest_fail(ae, ATTEST_STATUS_FAILED, "SNP: report of %u "
		    "bytes", size);
	else if (buf_get(b, ae->ae_report, size) == 0) {
		ae->ae_report_len = size;
		r = 0;
	}
	buf_free(b);
	explicit_bzero(attest_snp_buf, sizeof(attest_snp_buf));
	return r;
}

/*
 * The bytes of a GUID table in use: the entries with their all-zero
 * terminator, and the certificates they point at.  0 when the host
 * sent no certificates (the buffer is still zero).
 */
static size_t
attest_certs_used(const u_char *p, size_t len)
{
	static const u_char	 zero[ATTEST_GUID_LEN];
	struct buf		*b;
	u_char			 guid[ATTEST_GUID_LEN];
	uint64_t		 used = 0;
	uint32_t		 off, clen;
	size_t			 n = 0;

	if ((b = buf_view(p, len)) == NULL)
		fatalx_f("buf_view");
	while (buf_get(b, guid, sizeof(guid)) == 0 &&
	    buf_get_u32_le(b, &off) == 0 && buf_get_u32_le(b, &clen) == 0) {
		if (memcmp(guid, zero, sizeof(zero)) == 0 && off == 0 &&
		    clen == 0)
			break;
		n++;
		if ((uint64_t)off + clen > used)
			used = (uint64_t)off + clen;
	}
	buf_free(b);
	if (n == 0)
		return 0;
	if (used < (n + 1) * ATTEST_CERT_ENTRY_LEN)
		used = (n + 1) * ATTEST_CERT_ENTRY_LEN;
	/* The network child's parser reports an entry that overruns. */
	return used > len ? len : (size_t)used;
}

/*
 * SNP_GET_EXT_REPORT first, for the host's certificates; a buffer that
 * is too small is grown to what the host asked for.  When the extended
 * request fails, the plain SNP_GET_REPORT still gives a report (the
 * client then fetches the VCEK from AMD itself).
 */
static void
attest_report_snp(const struct attest_tee *at, const u_char *rd,
    struct attest_evidence *ae)
{
	uint64_t	ei = 0;
	uint32_t	want = ATTEST_SNP_CERTS_START, got;
	int		i, r = -1;

	strlcpy(ae->ae_tee, EVIDENCE_TEE_SNP, sizeof(ae->ae_tee));
	for (i = 0; i < ATTEST_SNP_TRIES; i++) {
		got = want;
		explicit_bzero(attest_snp_certs, want);
		r = attest_snp_call(at, ATTEST_SNP_GET_EXT_REPORT, rd,
		    &got, &ei);
		if (r == 0 || errno != EIO ||
		    (ei >> 32) != ATTEST_SNP_VMM_INVALID_LEN || got <= want ||
		    got > sizeof(attest_snp_certs) || got % ATTEST_PAGE_BYTES)
			break;
		log_debug("SNP: the host has %u bytes of certificates", got);
		want = got;
	}
	if (r == 0) {
		if (attest_snp_resp(ae) == 0) {
			ae->ae_certs_len = attest_certs_used(attest_snp_certs,
			    want);
			memcpy(ae->ae_certs, attest_snp_certs,
			    ae->ae_certs_len);
		}
		explicit_bzero(attest_snp_certs, want);
		return;
	}
	log_ratelimit("SNP_GET_EXT_REPORT: %s (firmware %#x, VMM %#x); "
	    "trying SNP_GET_REPORT", strerror(errno),
	    (unsigned int)(ei & 0xffffffff), (unsigned int)(ei >> 32));
	if (attest_snp_call(at, ATTEST_SNP_GET_REPORT, rd, NULL,
	    &ei) == -1) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "SNP_GET_REPORT: %s "
		    "(firmware %#x, VMM %#x)", strerror(errno),
		    (unsigned int)(ei & 0xffffffff), (unsigned int)(ei >> 32));
		return;
	}
	(void)attest_snp_resp(ae);
}

/* configfs-tsm: SEV-SNP reports and TDX quotes. */

/*
 * As root, before the sandbox: our own report entry, made once and
 * kept.  The kernel makes an entry's attributes root's, so inblob is
 * given to the user attestd is about to become; privlevel is written
 * here, once (every write bumps the generation).  A stale entry of an
 * earlier attestd, which could not remove it as AttestUser, is removed
 * first; one that will not go is reused.  Returns 0 with at_fd the
 * entry, 1 when the kernel refuses the chown (the caller falls back to
 * an entry per request), -1 when configfs-tsm cannot serve; why says
 * why.
 */
int
attest_tsm_prepare(struct attest_tee *at, uid_t uid, gid_t gid,
    int give, char *why, size_t whylen)
{
	char		 name[ATTEST_TSM_NAME_MAX];
	const char	*tee;
	int		 efd, r = -1;

	(void)snprintf(name, sizeof(name), ATTEST_TSM_ENTRY_NAME,
	    (unsigned int)uid);
	if (unlinkat(at->at_fd, name, AT_REMOVEDIR) == 0)
		log_info("configfs-tsm: removed %s, left by an earlier attestd",
		    name);
	else if (errno != ENOENT)
		log_warn("configfs-tsm: rmdir %s (reusing it)", name);
	if (mkdirat(at->at_fd, name, 0755) == -1 && errno != EEXIST) {
		(void)snprintf(why, whylen, "mkdir %s: %s", name,
		    strerror(errno));
		return -1;
	}
	if ((efd = openat(at->at_fd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		(void)snprintf(why, whylen, "%s: %s", name, strerror(errno));
		goto out;
	}
	if ((tee = attest_tsm_provider(efd, NULL, at->at_type, why,
	    whylen)) == NULL ||
	    attest_tsm_privlevel(efd, NULL, tee, at->at_vmpl, why,
	    whylen) != 0)
		goto out;
	if (give && fchownat(efd, "inblob", uid, gid,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == EPERM || errno == EINVAL || errno == EOPNOTSUPP)
			r = 1;
		(void)snprintf(why, whylen, "chown %s/inblob: %s", name,
		    strerror(errno));
		goto out;
	}
	if (attest_tsm_generation(efd, NULL, &at->at_gen) != 0) {
		(void)snprintf(why, whylen, "%s/generation: %s", name,
		    strerror(errno));
		goto out;
	}
	/* The report directory is not needed any more. */
	close(at->at_fd);
	at->at_fd = efd;
	at->at_tsm = ATTEST_TSM_ENTRY;
	at->at_gen_known = 1;
	strlcpy(at->at_tsm_tee, tee, sizeof(at->at_tsm_tee));
	log_debug("configfs-tsm: entry %s, provider %s, generation %llu",
	    name, tee, (unsigned long long)at->at_gen);
	return 0;
 out:
	if (efd != -1)
		close(efd);
	(void)unlinkat(at->at_fd, name, AT_REMOVEDIR);
	return r;
}

static void
attest_report_tsm(struct attest_tee *at, const u_char *rd,
    struct attest_evidence *ae)
{
	if (at->at_tsm == ATTEST_TSM_PERREQ) {
		attest_report_perreq(at, rd, ae);
		return;
	}
	strlcpy(ae->ae_tee, at->at_tsm_tee, sizeof(ae->ae_tee));
	attest_tsm_entry(at->at_fd, NULL, &at->at_gen_known, &at->at_gen,
	    rd, ae);
}

/*
 * The fallback when the kernel would not give inblob away: one entry
 * per request, removed afterwards whatever happened (configfs removes
 * its attributes with it).  As AttestUser this needs a report
 * directory that user may write in (see attestd(8), CAVEATS).
 */
static void
attest_report_perreq(const struct attest_tee *at, const u_char *rd,
    struct attest_evidence *ae)
{
	char		 name[ATTEST_TSM_NAME_MAX], why[ATTEST_MESSAGE_MAX];
	const char	*tee;
	uint64_t	 rnd, gen = 0;
	int		 known = 0;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal_f("getrandom");
	(void)snprintf(name, sizeof(name), "power-%ld-%016llx",
	    (long)getpid(), (unsigned long long)rnd);
	if (mkdirat(at->at_fd, name, 0700) == -1) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: mkdir "
		    "%s: %s", name, strerror(errno));
		return;
	}
	if ((tee = attest_tsm_provider(at->at_fd, name, at->at_type, why,
	    sizeof(why))) == NULL ||
	    attest_tsm_privlevel(at->at_fd, name, tee, at->at_vmpl, why,
	    sizeof(why)) != 0)
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s",
		    why);
	else {
		strlcpy(ae->ae_tee, tee, sizeof(ae->ae_tee));
		attest_tsm_entry(at->at_fd, name, &known, &gen, rd, ae);
	}
	if (unlinkat(at->at_fd, name, AT_REMOVEDIR) == -1)
		log_ratelimit("configfs-tsm: rmdir %s: %s", name,
		    strerror(errno));
}

/*
 * The generation counts writes to the entry, ours included: our write
 * of inblob must move it by exactly one from what we saw last, and it
 * must not move while we read.  Anything else is another process
 * writing the entry, whose outblob may answer its inblob: try once
 * more, then give up.  After an error the generation is read afresh.
 */
static void
attest_tsm_entry(int fd, const char *name, int *known, uint64_t *gen,
    const u_char *rd, struct attest_evidence *ae)
{
	const char	*n = name != NULL ? name : "our entry";
	uint64_t	 g1, g2;
	int		 i;

	for (i = 0; i < ATTEST_TSM_TRIES; i++) {
		if (!*known) {
			if (attest_tsm_generation(fd, name, gen) != 0) {
				attest_fail(ae, ATTEST_STATUS_FAILED,
				    "configfs-tsm: %s/generation: %s", n,
				    strerror(errno));
				return;
			}
			*known = 1;
		}
		if (attest_tsm_round(fd, name, rd, ae, &g1, &g2) != 0) {
			*known = 0;
			return;
		}
		if (g1 == *gen + 1 && g2 == g1) {
			*gen = g2;
			return;
		}
		log_ratelimit("configfs-tsm: %s: generation %llu went to %llu "
		    "and %llu, not %llu: another writer", n,
		    (unsigned long long)*gen, (unsigned long long)g1,
		    (unsigned long long)g2, (unsigned long long)*gen + 1);
		*gen = g2;
	}
	attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: the "
	    "generation changed underneath %d times: another process is "
	    "writing the report entry", ATTEST_TSM_TRIES);
}

/*
 * Which provider answers: sev_guest gives SNP reports, tdx_guest TDX
 * quotes.  configfs creates the attributes with the directory; a TSM
 * emulated in user space (the tests' fake) may take a moment, which is
 * waited for here.  Returns EVIDENCE_TEE_* or NULL, and why.
 */
static const char *
attest_tsm_provider(int fd, const char *name, const char *type, char *why,
    size_t whylen)
{
	struct timespec	 ts = { 0, ATTEST_TSM_WAIT_NS };
	u_char		 v[ATTEST_TSM_ATTR_MAX];
	const char	*tee = NULL, *n = name != NULL ? name : "our entry";
	size_t		 len, i;
	int		 step, r;

	for (step = 0; ; step++) {
		r = attest_tsm_read(fd, name, "provider", v, sizeof(v) - 1,
		    &len);
		if (r == 0 || errno != ENOENT || step >= ATTEST_TSM_WAIT_STEPS)
			break;
		(void)nanosleep(&ts, NULL);
	}
	if (r != 0) {
		(void)snprintf(why, whylen, "%s/provider: %s", n,
		    strerror(errno));
		return NULL;
	}
	while (len > 0 && v[len - 1] == '\n')
		len--;
	v[len] = '\0';
	for (i = 0; i < len; i++)
		if (!(v[i] == '_' || (v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9')))
			break;
	if (i == len && strcmp((char *)v, "sev_guest") == 0)
		tee = EVIDENCE_TEE_SNP;
	else if (i == len && strcmp((char *)v, "tdx_guest") == 0)
		tee = EVIDENCE_TEE_TDX;
	if (tee == NULL || (strcmp(type, "tdx") == 0 &&
	    strcmp(tee, EVIDENCE_TEE_TDX) != 0)) {
		(void)snprintf(why, whylen, "provider %s is not %s",
		    i == len ? (char *)v : "(binary)",
		    strcmp(type, "tdx") == 0 ? "tdx_guest" :
		    "sev_guest or tdx_guest");
		return NULL;
	}
	return tee;
}

/*
 * SevVmpl for an SNP provider; 0 is the kernel's default and is left
 * alone, as is a TDX provider, which has no VMPL.
 */
static int
attest_tsm_privlevel(int fd, const char *name, const char *tee,
    uint32_t vmpl, char *why, size_t whylen)
{
	char	v[16];
	int	len;

	if (vmpl == 0 || strcmp(tee, EVIDENCE_TEE_SNP) != 0)
		return 0;
	len = snprintf(v, sizeof(v), "%u\n", (unsigned int)vmpl);
	if (attest_tsm_write(fd, name, "privlevel", (u_char *)v,
	    (size_t)len) != 0) {
		(void)snprintf(why, whylen, "%s/privlevel %u: %s",
		    name != NULL ? name : "our entry", (unsigned int)vmpl,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Write inblob, then read outblob and auxblob between two readings of
 * generation.  configfs makes the report when outblob is first read
 * after the write; the first generation is read once outblob is open.
 * The round is always finished, so that a TSM in lock step (the tests'
 * fake) stays in step; the caller judges the generations.
 */
static int
attest_tsm_round(int dfd, const char *name, const u_char *rd,
    struct attest_evidence *ae, uint64_t *g1, uint64_t *g2)
{
	const char	*n = name != NULL ? name : "our entry";
	int		 fd, r;

	explicit_bzero(ae->ae_report, ae->ae_report_len);
	explicit_bzero(ae->ae_certs, ae->ae_certs_len);
	ae->ae_report_len = ae->ae_certs_len = 0;
	if (attest_tsm_write(dfd, name, "inblob", rd,
	    EVIDENCE_REPORT_DATA_LEN) != 0) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s/"
		    "inblob: %s", n, strerror(errno));
		return -1;
	}
	if ((fd = attest_tsm_open(dfd, name, "outblob", O_RDONLY)) == -1) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s/"
		    "outblob: %s", n, strerror(errno));
		return -1;
	}
	if (attest_tsm_generation(dfd, name, g1) != 0) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s/"
		    "generation: %s", n, strerror(errno));
		close(fd);
		return -1;
	}
	r = attest_read_all(fd, ae->ae_report, sizeof(ae->ae_report),
	    &ae->ae_report_len);
	close(fd);
	if (r != 0 || ae->ae_report_len == 0) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s/"
		    "outblob: %s", n, r != 0 ? strerror(errno) : "empty");
		return -1;
	}
	/* SNP has the host's certificates there; TDX has no auxblob. */
	if (attest_tsm_read(dfd, name, "auxblob", ae->ae_certs,
	    sizeof(ae->ae_certs), &ae->ae_certs_len) != 0 && errno != ENOENT) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s/"
		    "auxblob: %s", n, strerror(errno));
		return -1;
	}
	if (attest_tsm_generation(dfd, name, g2) != 0) {
		attest_fail(ae, ATTEST_STATUS_FAILED, "configfs-tsm: %s/"
		    "generation: %s", n, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Relative to the entry (name NULL) or to the report directory: the
 * only places attestd opens in.  Never creates.
 */
static int
attest_tsm_open(int dfd, const char *name, const char *attr, int flags)
{
	char	path[ATTEST_TSM_NAME_MAX + 16];

	if (name == NULL)
		return openat(dfd, attr, flags | O_CLOEXEC | O_NOFOLLOW);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", name, attr) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(dfd, path, flags | O_CLOEXEC | O_NOFOLLOW);
}

/* configfs takes a binary attribute's value when the file is closed. */
static int
attest_tsm_write(int dfd, const char *name, const char *attr,
    const u_char *p, size_t len)
{
	ssize_t	n;
	int	fd, saved;

	if ((fd = attest_tsm_open(dfd, name, attr, O_WRONLY)) == -1)
		return -1;
	while ((n = write(fd, p, len)) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)len) {
		saved = n == -1 ? errno : EIO;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static int
attest_tsm_read(int dfd, const char *name, const char *attr, u_char *p,
    size_t max, size_t *lenp)
{
	int	fd, r, saved;

	*lenp = 0;
	if ((fd = attest_tsm_open(dfd, name, attr, O_RDONLY)) == -1)
		return -1;
	r = attest_read_all(fd, p, max, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

static int
attest_tsm_generation(int dfd, const char *name, uint64_t *gen)
{
	char		 v[ATTEST_TSM_ATTR_MAX];
	const char	*errstr;
	size_t		 len;

	*gen = 0;
	if (attest_tsm_read(dfd, name, "generation", (u_char *)v,
	    sizeof(v) - 1, &len) != 0)
		return -1;
	while (len > 0 && v[len - 1] == '\n')
		len--;
	v[len] = '\0';
	*gen = (uint64_t)strtonum(v, 0, LLONG_MAX, &errstr);
	if (errstr != NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Until EOF; more than max bytes is an error (EFBIG). */
static int
attest_read_all(int fd, u_char *p, size_t max, size_t *lenp)
{
	u_char	extra;
	ssize_t	n;

	*lenp = 0;
	while (*lenp < max) {
		if ((n = read(fd, p + *lenp, max - *lenp)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		*lenp += (size_t)n;
	}
	while ((n = read(fd, &extra, 1)) == -1 && errno == EINTR)
		;
	if (n == 0)
		return 0;
	if (n > 0)
		errno = EFBIG;
	return -1;
}
