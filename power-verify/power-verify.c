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

#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "err.h"
#include "hex.h"
#include "verify.h"

/*
 * power-verify: check a TEE's evidence from the client's side.  main
 * only parses the command line; verify.c and the per-TEE files do the
 * checking, and the exit status is verify_finish()'s.
 */

static void	usage(void) __attribute__((__noreturn__));
static void	pv_hex_opt(const char *, const char *, u_char *, size_t);
static time_t	pv_time(const char *);
static void	pv_min_tcb(const char *, int [4]);
static int	pv_num(const char *, const char *, long long, long long);
static void	pv_args(int, char **, struct verify_opts *);
static void	pv_check_certs(const struct verify_opts *);
static void	pv_allow_tcb(const char *, struct verify_opts *);
static void	pv_check_crls(const struct verify_opts *);

/*
 * Intel's TCB statuses that --allow-tcb-status may let pass; Revoked
 * is never one of them.
 */
static const char *const pv_tcb_statuses[] = {
	"SWHardeningNeeded", "ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded", "OutOfDate",
	"OutOfDateConfigurationNeeded", "TDRelaunchAdvised",
	"TDRelaunchAdvisedConfigurationNeeded", NULL
};

enum {
	OPT_NONCE = 256, OPT_MODEL_SHA256, OPT_MODEL, OPT_MEASUREMENT, OPT_AT,
	OPT_ALLOW_SIM, OPT_ALLOW_DEBUG, OPT_VMPL, OPT_MIN_TCB,
	OPT_MIN_VERSION, OPT_CERT, OPT_TCB_INFO, OPT_QE_IDENTITY,
	OPT_TCB_CHAIN, OPT_CAFILE, OPT_JSON, OPT_ALLOW_TCB, OPT_MIN_TDX_TCB,
	OPT_CRL
};

static const struct option pv_longopts[] = {
	{ "nonce", required_argument, NULL, OPT_NONCE },
	{ "model-sha256", required_argument, NULL, OPT_MODEL_SHA256 },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "measurement", required_argument, NULL, OPT_MEASUREMENT },
	{ "at", required_argument, NULL, OPT_AT },
	{ "allow-simulated", no_argument, NULL, OPT_ALLOW_SIM },
	{ "allow-debug", no_argument, NULL, OPT_ALLOW_DEBUG },
	{ "vmpl", required_argument, NULL, OPT_VMPL },
	{ "min-tcb", required_argument, NULL, OPT_MIN_TCB },
	{ "min-report-version", required_argument, NULL, OPT_MIN_VERSION },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "tcb-info", required_argument, NULL, OPT_TCB_INFO },
	{ "qe-identity", required_argument, NULL, OPT_QE_IDENTITY },
	{ "tcb-chain", required_argument, NULL, OPT_TCB_CHAIN },
	{ "cafile", required_argument, NULL, OPT_CAFILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "allow-tcb-status", required_argument, NULL, OPT_ALLOW_TCB },
	{ "min-tdx-tcb", required_argument, NULL, OPT_MIN_TDX_TCB },
	{ "crl", required_argument, NULL, OPT_CRL },
	{ "quiet", no_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: power-verify [options] report FILE\n"
	    "       power-verify [options] fetch URL\n"
	    "       power-verify [options] ratls HOST:PORT\n"
	    "options: [--nonce hex64] [--model-sha256 hex64] [--model name]\n"
	    "\t[--measurement hex96] [--at time] [--allow-simulated]\n"
	    "\t[--allow-debug] [--vmpl N] [--min-tcb BL:TEE:SNP:UCODE]\n"
	    "\t[--min-report-version N] [--cert file] [--tcb-info file]\n"
	    "\t[--qe-identity file] [--tcb-chain file] [--cafile file]\n"
	    "\t[--allow-tcb-status status] [--min-tdx-tcb hex32]\n"
	    "\t[--crl file] [--json] [-q]\n");
	exit(2);
}

static void
pv_hex_opt(const char *opt, const char *s, u_char *out, size_t len)
{
	if (hex_decode(s, out, len) != 0)
		pwr_tool_errx(2, "--%s: \"%s\" is not %zu hex digits", opt, s,
		    2 * len);
}

/* RFC 3339 in UTC ("2025-06-01T00:00:00Z") or "@" and Unix seconds. */
static time_t
pv_time(const char *s)
{
	struct tm	 tm;
	const char	*errstr, *end;
	time_t		 t;

	if (s[0] == '@') {
		t = (time_t)strtonum(s + 1, 0, LLONG_MAX / 2, &errstr);
		if (errstr != NULL)
			pwr_tool_errx(2, "--at: \"%s\": seconds %s", s, errstr);
		return t;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    strcmp(end, "Z") != 0)
		pwr_tool_errx(2, "--at: \"%s\" is not YYYY-MM-DDTHH:MM:SSZ "
		    "or @seconds", s);
	if ((t = timegm(&tm)) == (time_t)-1)
		pwr_tool_errx(2, "--at: \"%s\" is out of range", s);
	return t;
}

static int
pv_num(const char *opt, const char *s, long long lo, long long hi)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, lo, hi, &errstr);
	if (errstr != NULL)
		pwr_tool_errx(2, "--%s: \"%s\" is %s (%lld..%lld)", opt, s,
		    errstr, lo, hi);
	return (int)n;
}

/* BL:TEE:SNP:UCODE, each 0..255 or empty (any). */
static void
pv_min_tcb(const char *s, int min[4])
{
	char	 buf[64], *p, *field;
	int	 i;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		pwr_tool_errx(2, "--min-tcb: \"%s\" is too long", s);
	p = buf;
	for (i = 0; i < 4; i++) {
		if ((field = strsep(&p, ":")) == NULL)
			pwr_tool_errx(2, "--min-tcb: \"%s\" is not "
			    "BL:TEE:SNP:UCODE", s);
		min[i] = *field == '\0' ? -1 : pv_num("min-tcb", field, 0,
		    255);
	}
	if (p != NULL)
		pwr_tool_errx(2, "--min-tcb: \"%s\" has more than four fields",
		    s);
}

static void
pv_args(int argc, char **argv, struct verify_opts *vo)
{
	int	ch, have_at = 0;

	memset(vo, 0, sizeof(*vo));
	vo->vo_max_vmpl = -1;
	vo->vo_min_tcb[0] = vo->vo_min_tcb[1] = -1;
	vo->vo_min_tcb[2] = vo->vo_min_tcb[3] = -1;
	while ((ch = getopt_long(argc, argv, "q", pv_longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_NONCE:
			pv_hex_opt("nonce", optarg, vo->vo_nonce, 32);
			vo->vo_have_nonce = 1;
			break;
		case OPT_MODEL_SHA256:
			pv_hex_opt("model-sha256", optarg,
			    vo->vo_model_sha256, 32);
			vo->vo_have_model = 1;
			break;
		case OPT_MODEL:
			vo->vo_model = optarg;
			break;
		case OPT_MEASUREMENT:
			pv_hex_opt("measurement", optarg, vo->vo_measurement,
			    sizeof(vo->vo_measurement));
			vo->vo_measurement_len = sizeof(vo->vo_measurement);
			vo->vo_have_measurement = 1;
			break;
		case OPT_AT:
			vo->vo_at = pv_time(optarg);
			have_at = 1;
			break;
		case OPT_ALLOW_SIM:
			vo->vo_allow_simulated = 1;
			break;
		case OPT_ALLOW_DEBUG:
			vo->vo_allow_debug = 1;
			break;
		case OPT_VMPL:
			vo->vo_max_vmpl = pv_num("vmpl", optarg, 0, 3);
			break;
		case OPT_MIN_TCB:
			pv_min_tcb(optarg, vo->vo_min_tcb);
			break;
		case OPT_MIN_VERSION:
			vo->vo_min_report_version = pv_num("min-report-version",
			    optarg, 1, 255);
			break;
		case OPT_CERT:
			if (vo->vo_ncert_files >= VERIFY_MAX_CERTS)
				pwr_tool_errx(2, "--cert: at most %d files",
				    VERIFY_MAX_CERTS);
			vo->vo_cert_files[vo->vo_ncert_files++] = optarg;
			break;
		case OPT_TCB_INFO:
			vo->vo_tcbinfo = optarg;
			break;
		case OPT_QE_IDENTITY:
			vo->vo_qeidentity = optarg;
			break;
		case OPT_TCB_CHAIN:
			vo->vo_tcb_chain = optarg;
			break;
		case OPT_CAFILE:
			vo->vo_cafile = optarg;
			break;
		case OPT_JSON:
			vo->vo_json = 1;
			break;
		case OPT_ALLOW_TCB:
			pv_allow_tcb(optarg, vo);
			break;
		case OPT_MIN_TDX_TCB:
			pv_hex_opt("min-tdx-tcb", optarg, vo->vo_min_tdx_tcb,
			    sizeof(vo->vo_min_tdx_tcb));
			vo->vo_have_min_tdx_tcb = 1;
			break;
		case OPT_CRL:
			if (vo->vo_ncrl_files >= VERIFY_MAX_CRLS)
				pwr_tool_errx(2, "--crl: at most %d files",
				    VERIFY_MAX_CRLS);
			vo->vo_crl_files[vo->vo_ncrl_files++] = optarg;
			break;
		case 'q':
			vo->vo_quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (!have_at)
		vo->vo_at = time(NULL);
}

/* A --cert file that cannot be read is a usage error, found early. */
static void
pv_check_certs(const struct verify_opts *vo)
{
	struct verify_cert	vc[VERIFY_MAX_CERTS];
	char			err[256];
	size_t			i;
	int			n;

	for (i = 0; i < vo->vo_ncert_files; i++) {
		memset(vc, 0, sizeof(vc));
		if ((n = verify_load_certs(vo->vo_cert_files[i], vc,
		    VERIFY_MAX_CERTS, err, sizeof(err))) < 0)
			pwr_tool_errx(1, "--cert %s", err);
		verify_certs_free(vc, (size_t)n);
	}
}

static void
pv_allow_tcb(const char *s, struct verify_opts *vo)
{
	size_t	i;

	for (i = 0; pv_tcb_statuses[i] != NULL; i++)
		if (strcmp(s, pv_tcb_statuses[i]) == 0)
			break;
	if (pv_tcb_statuses[i] == NULL)
		pwr_tool_errx(2, "--allow-tcb-status: \"%s\" is not one of "
		    "Intel's statuses that can be allowed", s);
	if (vo->vo_nallow_tcb >= VERIFY_MAX_TCB_STATUS)
		pwr_tool_errx(2, "--allow-tcb-status: at most %d",
		    VERIFY_MAX_TCB_STATUS);
	vo->vo_allow_tcb[vo->vo_nallow_tcb++] = pv_tcb_statuses[i];
}

/* A --crl file that cannot be read is a usage error too. */
static void
pv_check_crls(const struct verify_opts *vo)
{
	X509_STORE	*store;
	char		 err[256];

	if (vo->vo_ncrl_files == 0)
		return;
	if ((store = X509_STORE_new()) == NULL)
		pwr_tool_errx(1, "X509_STORE_new failed");
	if (verify_add_crls(vo, store, err, sizeof(err)) < 0)
		pwr_tool_errx(1, "--crl %s", err);
	X509_STORE_free(store);
}

int
main(int argc, char **argv)
{
	struct verify_opts	 vo;
	struct verify		 v;
	const char		*cmd;

	pv_args(argc, argv, &vo);
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	cmd = argv[0];
	pv_check_certs(&vo);
	pv_check_crls(&vo);
	if (strcmp(cmd, "fetch") == 0 && !vo.vo_have_nonce) {
		/* Without --nonce, a fresh random one proves freshness. */
		if (RAND_bytes(vo.vo_nonce, sizeof(vo.vo_nonce)) != 1)
			pwr_tool_errx(1, "RAND_bytes failed");
		vo.vo_have_nonce = 1;
	}
	verify_init(&v, &vo);
	if (strcmp(cmd, "report") == 0) {
		if (verify_report(&v, argv[1]) != 0)
			return 1;
	} else if (strcmp(cmd, "fetch") == 0)
		(void)verify_fetch(&v, argv[1]);
	else if (strcmp(cmd, "ratls") == 0)
		(void)verify_ratls(&v, argv[1]);
	else
		usage();
	return verify_finish(&v, stdout);
}
