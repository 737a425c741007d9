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
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "evidence.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "attestd.h"

/*
 * Find the TEE, as root and before the sandbox: the device or our
 * configfs-tsm entry is opened (and made) here and kept, because after
 * the privilege drop nothing can be opened by path, nor made in
 * configfs, whose entries are root's.  TEE auto tries SEV-SNP, then
 * configfs-tsm, then TDX.  A TDX guest without configfs-tsm has only
 * TDREPORT, which no remote party can verify: it is never presented as
 * evidence.
 */

static int	attest_try_snp(struct attest_tee *, const char *);
static int	attest_try_tsm(struct attest_tee *, const char *,
		    const struct proc_child_conf *);
static int	attest_try_tdx(struct attest_tee *, const char *,
		    const char *, const struct proc_child_conf *);
static void	attest_set(struct attest_tee *, const char *, int, int,
		    const char *, ...) __attribute__((format(printf, 5, 6)));

static void
attest_set(struct attest_tee *at, const char *type, int available,
    int simulated, const char *fmt, ...)
{
	va_list	ap;

	strlcpy(at->at_type, type, sizeof(at->at_type));
	at->at_available = available;
	at->at_simulated = simulated;
	va_start(ap, fmt);
	(void)vsnprintf(at->at_detail, sizeof(at->at_detail), fmt, ap);
	va_end(ap);
}

static int
attest_try_snp(struct attest_tee *at, const char *dev)
{
	int	fd;

	if ((fd = open(dev, O_RDWR | O_CLOEXEC)) == -1) {
		attest_set(at, "sev-snp", 0, 0, "%s: %s", dev,
		    strerror(errno));
		return -1;
	}
	at->at_fd = fd;
	attest_set(at, "sev-snp", 1, 0, "%s", dev);
	return 0;
}

/*
 * Our own report entry, given to AttestUser (attest_tsm_prepare).  A
 * kernel that will not chown its attributes leaves an entry per
 * request, which AttestUser cannot make on configfs: say so.
 */
static int
attest_try_tsm(struct attest_tee *at, const char *dir,
    const struct proc_child_conf *cc)
{
	char	why[ATTEST_DETAIL_MAX];
	uid_t	uid = cc->cc_separate ? cc->cc_uid : getuid();
	gid_t	gid = cc->cc_separate ? cc->cc_gid : getgid();
	int	fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		attest_set(at, "tsm", 0, 0, "%s: %s", dir, strerror(errno));
		return -1;
	}
	at->at_fd = fd;
	at->at_tsm = ATTEST_TSM_PERREQ;
	r = attest_tsm_prepare(at, uid, gid, cc->cc_separate, why,
	    sizeof(why));
	if (r == 0) {
		attest_set(at, "tsm", 1, 0, "configfs-tsm %s", dir);
		return 0;
	}
	if (r == 1) {
		log_warnx("configfs-tsm: %s; falling back to an entry per "
		    "request, which fails with EACCES unless AttestUser may "
		    "write in %s (see attestd(8), CAVEATS)", why, dir);
		attest_set(at, "tsm", 1, 0, "configfs-tsm %s, an entry per "
		    "request", dir);
		return 0;
	}
	close(fd);
	at->at_fd = -1;
	at->at_tsm = ATTEST_TSM_NONE;
	attest_set(at, "tsm", 0, 0, "configfs-tsm %s: %s", dir, why);
	return -1;
}

static int
attest_try_tdx(struct attest_tee *at, const char *dev, const char *tsm,
    const struct proc_child_conf *cc)
{
	struct stat	st;
	char		why[ATTEST_DETAIL_MAX];

	if (stat(dev, &st) == -1) {
		attest_set(at, "tdx", 0, 0, "%s: %s", dev, strerror(errno));
		return -1;
	}
	/* The provider is checked against at_type. */
	strlcpy(at->at_type, "tdx", sizeof(at->at_type));
	if (attest_try_tsm(at, tsm, cc) == 0) {
		attest_set(at, "tdx", 1, 0, "quotes via configfs-tsm %s%s",
		    tsm, at->at_tsm == ATTEST_TSM_PERREQ ?
		    ", an entry per request" : "");
		return 0;
	}
	strlcpy(why, at->at_detail, sizeof(why));
	attest_set(at, "tdx", 0, 0, "%s present but no usable configfs-tsm "
	    "(%s): TDREPORT alone is not remotely verifiable", dev, why);
	return -1;
}

void
attest_tee_detect(struct attest_tee *at, const struct proc_child_conf *cc)
{
	const struct config *conf = cc->cc_config;
	const char	*tee = config_str(conf, CONF_KW_TEE);
	const char	*snp = config_str(conf, CONF_KW_SEVGUESTDEVICE);
	const char	*tdx = config_str(conf, CONF_KW_TDXGUESTDEVICE);
	const char	*tsm = config_str(conf, CONF_KW_TSMREPORTDIRECTORY);
	struct stat	 st;

	memset(at, 0, sizeof(*at));
	at->at_fd = -1;
	at->at_vmpl = (uint32_t)config_num(conf, CONF_KW_SEVVMPL);
	if (strcmp(tee, "sev-snp") == 0)
		(void)attest_try_snp(at, snp);
	else if (strcmp(tee, "tsm") == 0)
		(void)attest_try_tsm(at, tsm, cc);
	else if (strcmp(tee, "tdx") == 0)
		(void)attest_try_tdx(at, tdx, tsm, cc);
	else if (strcmp(tee, "simulate") == 0)
		attest_set(at, "simulate", 1, 1, "SIMULATED: not hardware "
		    "evidence, for development only");
	else if (strcmp(tee, "none") == 0)
		attest_set(at, "none", 0, 0, "TEE none in power.conf");
	else if (stat(snp, &st) == 0)
		(void)attest_try_snp(at, snp);
	else if (stat(tsm, &st) == 0 && S_ISDIR(st.st_mode))
		(void)attest_try_tsm(at, tsm, cc);
	else if (stat(tdx, &st) == 0)
		(void)attest_try_tdx(at, tdx, tsm, cc);
	else
		attest_set(at, "none", 0, 0, "no TEE found (%s, %s, %s)",
		    snp, tsm, tdx);
	if (at->at_available)
		log_info("TEE %s: %s", at->at_type, at->at_detail);
	else
		log_warnx("TEE %s unavailable: %s", at->at_type, at->at_detail);
}
