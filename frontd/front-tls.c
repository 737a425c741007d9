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
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "evidence.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "ratls.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "frontd.h"

/*
 * TLS in the network child (ListenTLS).  With TLSCertificate and TLSKey
 * the parent sends the operator's chain and key in CTL_TLS (TLS 1.2 and
 * 1.3).  Without them the listeners serve RA-TLS (TLS 1.3 only): a
 * P-256 key made here, evidence from attestd over the SHA-256 of its
 * SubjectPublicKeyInfo, and a self-signed certificate carrying the
 * evidence (common/ratls.c, PROTOCOL "RA-TLS certificate").  It is
 * re-issued after two thirds of RATLSLifetime; new handshakes get the
 * new one, open connections keep theirs.  Until there is a certificate
 * a handshake fails with a handshake_failure alert.
 */

#define TLS_EVIDENCE_WAIT_SEC	30	/* attestd's answer, then warn */

enum tls_mode {
	TLS_MODE_NONE = 0,
	TLS_MODE_OPERATOR,
	TLS_MODE_RATLS,
};

struct tls_state {
	enum tls_mode	 ts_mode;
	SSL_CTX		*ts_ctx;	/* for new handshakes; NULL: refuse */
	SSL_CTX		*ts_refuse;	/* no certificate (yet) */
	long		 ts_lifetime;	/* RATLSLifetime */
	/* RA-TLS: the certificate being made. */
	uint32_t	 ts_pending;	/* ATTEST_REPORT_REQ id, or 0 */
	EVP_PKEY	*ts_key;
	u_char		 ts_rd[EVIDENCE_REPORT_DATA_LEN];
	struct timespec	 ts_asked;
	/* RA-TLS: the certificate served. */
	time_t		 ts_notafter;
	struct event	*ts_timer;	/* re-issue, or retry */
	unsigned int	 ts_backoff;	/* seconds; 0 after a success */
	int		 ts_notee;	/* attestd said TEE none */
	unsigned long	 ts_issued;
	char		 ts_status[160];
};

static SSL_CTX	*tls_ctx_new(int);
static int	 tls_refuse_cb(SSL *, int *, void *);
static SSL_CTX	*tls_ctx_operator(const u_char *, size_t, const u_char *,
		    size_t);
static void	 tls_issue(struct network *);
static void	 tls_timer_cb(evutil_socket_t, short, void *);
static void	 tls_schedule(struct tls_state *, long);
static void	 tls_retry(struct tls_state *, const char *);
static int	 tls_install(struct network *, struct attest_evidence *);
static void	 tls_set_ctx(struct tls_state *, SSL_CTX *);

static struct tls_state	tls_state_store;

/*
 * Before the sandbox: OpenSSL reads its configuration and loads its
 * providers now, while files can still be opened; a key made and
 * thrown away warms up what RA-TLS needs later.
 */
void
tls_init(struct network *nw)
{
	struct tls_state	*ts = &tls_state_store;
	EVP_PKEY		*k;

	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		fatalx("OPENSSL_init_ssl");
	if ((k = EVP_EC_gen("P-256")) == NULL)
		fatalx("EVP_EC_gen");
	EVP_PKEY_free(k);
	if ((ts->ts_refuse = tls_ctx_new(TLS1_3_VERSION)) == NULL)
		fatalx("SSL_CTX_new");
	SSL_CTX_set_client_hello_cb(ts->ts_refuse, tls_refuse_cb, ts);
	if ((ts->ts_timer = evtimer_new(nw->nw_base, tls_timer_cb, nw)) ==
	    NULL)
		fatalx("evtimer_new");
	ts->ts_lifetime = (long)config_num(nw->nw_cc.cc_config,
	    CONF_KW_RATLSLIFETIME);
	strlcpy(ts->ts_status, "none", sizeof(ts->ts_status));
	nw->nw_tls = ts;
}

static SSL_CTX *
tls_ctx_new(int minversion)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, minversion) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

static int
tls_refuse_cb(SSL *ssl, int *alert, void *arg)
{
	struct tls_state	*ts = arg;

	log_ratelimit("TLS handshake refused: %s", ts->ts_notee ?
	    "RA-TLS needs a TEE (TEE none)" :
	    "no RA-TLS certificate yet (waiting for attestd)");
	*alert = SSL_AD_HANDSHAKE_FAILURE;
	return SSL_CLIENT_HELLO_ERROR;
}

/* The operator's chain (leaf first) and key, PEM, from memory. */
static SSL_CTX *
tls_ctx_operator(const u_char *cert, size_t certlen, const u_char *key,
    size_t keylen)
{
	SSL_CTX		*ctx;
	BIO		*bio = NULL;
	X509		*x = NULL;
	EVP_PKEY	*pk = NULL;
	int		 ok = 0;

	if ((ctx = tls_ctx_new(TLS1_2_VERSION)) == NULL)
		return NULL;
	if ((bio = BIO_new_mem_buf(cert, (int)certlen)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1)
		goto out;
	X509_free(x);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1)
			goto out;
	BIO_free(bio);
	if ((bio = BIO_new_mem_buf(key, (int)keylen)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(ctx, pk) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto out;
	ok = 1;
 out:
	if (!ok)
		X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	ERR_clear_error();
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * CTL_TLS: a TLS listen socket, with the operator's chain and key or
 * (both empty) RA-TLS.  The frame, key included, is wiped when it is
 * cleared.
 */
void
tls_listen(struct network *nw, struct proc_peer *peer, struct proto_msg *msg)
{
	struct tls_state	*ts = nw->nw_tls;
	const u_char		*cert, *key;
	size_t			 certlen = 0, keylen = 0;
	enum tls_mode		 mode;
	char			*addr;
	SSL_CTX			*ctx;

	addr = proc_get_string(msg);
	cert = proc_get_data(msg, &certlen);
	key = proc_get_data(msg, &keylen);
	if (proc_end(peer, msg) != 0)
		goto out;
	mode = certlen == 0 ? TLS_MODE_RATLS : TLS_MODE_OPERATOR;
	if ((certlen == 0) != (keylen == 0) ||
	    (ts->ts_mode != TLS_MODE_NONE && ts->ts_mode != mode) ||
	    nw->nw_nbound >= FRONT_MAX_BOUND) {
		proc_violation(peer, "CTL_TLS: %zu certificate bytes, %zu key "
		    "bytes, mode %d then %d", certlen, keylen, ts->ts_mode, mode);
		goto out;
	}
	if (mode == TLS_MODE_OPERATOR && ts->ts_ctx == NULL) {
		/* frontd -n checked the files: this cannot fail. */
		if ((ctx = tls_ctx_operator(cert, certlen, key, keylen)) == NULL)
			fatalx("TLSCertificate/TLSKey: cannot use them");
		tls_set_ctx(ts, ctx);
		strlcpy(ts->ts_status, "operator certificate",
		    sizeof(ts->ts_status));
		network_send_status(nw, 0);
	}
	ts->ts_mode = mode;
	http_add_tls_listener(nw, proc_take_fd(msg), addr);
	/* Without attestd yet, tls_attest_up() starts it. */
	if (mode == TLS_MODE_RATLS && ts->ts_ctx == NULL &&
	    ts->ts_pending == 0 && !ts->ts_notee && nw->nw_attest.pp_open)
		tls_issue(nw);
 out:
	free(addr);
}

/* RATLSLifetime changed on reload: the next certificate has the new one. */
void
tls_config(struct network *nw, struct config *conf)
{
	struct tls_state	*ts = nw->nw_tls;
	long			 lifetime;

	lifetime = (long)config_num(conf, CONF_KW_RATLSLIFETIME);
	if (lifetime == ts->ts_lifetime)
		return;
	ts->ts_lifetime = lifetime;
	if (ts->ts_mode == TLS_MODE_RATLS && ts->ts_pending == 0) {
		log_info("RATLSLifetime now %ld s: re-issuing the RA-TLS "
		    "certificate", lifetime);
		tls_issue(nw);
	}
}

int
tls_owns(struct network *nw, uint32_t id)
{
	return nw->nw_tls != NULL && id != 0 && nw->nw_tls->ts_pending == id;
}

/* A new attestd channel: the first certificate, or a retry at once. */
void
tls_attest_up(struct network *nw)
{
	struct tls_state	*ts = nw->nw_tls;

	ts->ts_notee = 0;
	if (ts->ts_mode == TLS_MODE_RATLS && ts->ts_pending == 0 &&
	    (ts->ts_ctx == NULL || ts->ts_backoff != 0))
		tls_issue(nw);
}

void
tls_peer_lost(struct network *nw, enum proc_id id)
{
	struct tls_state	*ts = nw->nw_tls;

	if (id != PROC_ATTESTD || ts->ts_pending == 0)
		return;
	ts->ts_pending = 0;
	EVP_PKEY_free(ts->ts_key);
	ts->ts_key = NULL;
	tls_retry(ts, "attestd went away");
}

/* A fresh key, and evidence over its SPKI asked of attestd. */
static void
tls_issue(struct network *nw)
{
	struct tls_state	*ts = nw->nw_tls;
	u_char			 spki[EVIDENCE_SHA256_LEN];

	if (ts->ts_pending != 0)
		return;
	if (!nw->nw_attest.pp_open) {
		tls_retry(ts, "attestd is not running");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts->ts_asked);
	if ((ts->ts_key = EVP_EC_gen("P-256")) == NULL ||
	    ratls_spki_sha256(ts->ts_key, spki) != 0)
		fatalx("RA-TLS: cannot make a P-256 key");
	evidence_rd_ratls(ts->ts_rd, spki);
	do {
		ts->ts_pending = ++nw->nw_nextid;
	} while (ts->ts_pending == 0 || attest_owns_infer(nw,
	    ts->ts_pending));
	attest_request(nw, ts->ts_pending, ts->ts_rd);
	log_debug("RA-TLS: evidence asked for, request %u", ts->ts_pending);
	tls_schedule(ts, TLS_EVIDENCE_WAIT_SEC);
}

/* attestd's answer for the certificate being made. */
void
tls_evidence(struct network *nw, uint32_t id, struct attest_evidence *ae)
{
	struct tls_state	*ts = nw->nw_tls;
	char			 why[256];

	ts->ts_pending = 0;
	if (ae->ae_status != 0 || strcmp(ae->ae_tee, "none") == 0) {
		EVP_PKEY_free(ts->ts_key);
		ts->ts_key = NULL;
		/* Status 1: no TEE; waiting would not make one appear. */
		if (ae->ae_status == 1 || strcmp(ae->ae_tee, "none") == 0) {
			ts->ts_notee = 1;
			log_warnx("RA-TLS is not served: no TEE (%.100s); "
			    "ListenTLS refuses handshakes, Listen still "
			    "serves", ae->ae_message);
			strlcpy(ts->ts_status, "RA-TLS unavailable: no TEE",
			    sizeof(ts->ts_status));
			network_send_status(nw, 0);
			return;
		}
		snprintf(why, sizeof(why), "attestd: %.200s", ae->ae_message);
		tls_retry(ts, why);
		return;
	}
	if (CRYPTO_memcmp(ae->ae_info->ei_report_data, ts->ts_rd,
	    sizeof(ts->ts_rd)) != 0) {
		EVP_PKEY_free(ts->ts_key);
		ts->ts_key = NULL;
		proc_violation(&nw->nw_attest, "ATTEST_REPORT: report_data is "
		    "not what was asked for");
		return;
	}
	if (tls_install(nw, ae) != 0)
		tls_retry(ts, "cannot make the certificate");
}

/* The certificate over this evidence, and a context serving it. */
static int
tls_install(struct network *nw, struct attest_evidence *ae)
{
	struct tls_state	*ts = nw->nw_tls;
	const struct evidence_info *ei = ae->ae_info;
	X509			*x = NULL;
	SSL_CTX			*ctx = NULL;
	BIGNUM			*bn = NULL;
	json_t			*obj;
	char			*json, *serial = NULL, until[32];
	time_t			 now = time(NULL);
	struct tm		 tm;
	long long		 evms;
	int			 r = -1;

	evms = network_ms_since(&ts->ts_asked);
	obj = attest_evidence_json(ae);
	if ((json = json_dumps(obj, JSON_COMPACT)) == NULL)
		fatalx_f("json_dumps");
	json_decref(obj);
	if (ratls_cert_make(ts->ts_key, json, strlen(json), ei->ei_tee,
	    ae->ae_report, ae->ae_reportlen, now, ts->ts_lifetime, &x) != 0 ||
	    (ctx = tls_ctx_new(TLS1_3_VERSION)) == NULL ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, ts->ts_key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto out;
	tls_set_ctx(ts, ctx);
	ctx = NULL;
	ts->ts_notafter = now + ts->ts_lifetime;
	ts->ts_backoff = 0;
	ts->ts_issued++;
	tls_schedule(ts, ratls_renew_after(ts->ts_lifetime));
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) !=
	    NULL)
		serial = BN_bn2hex(bn);
	gmtime_r(&ts->ts_notafter, &tm);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(ts->ts_status, sizeof(ts->ts_status), "RA-TLS certificate"
	    " %lu (%s%s), valid until %s", ts->ts_issued, ei->ei_tee,
	    ei->ei_simulated ? ", SIMULATED" : "", until);
	log_info("RA-TLS certificate issued: serial %s, %s evidence%s, "
	    "valid until %s, %lld ms (evidence %lld ms)",
	    serial != NULL ? serial : "?", ei->ei_tee, ei->ei_simulated ?
	    " (simulated)" : "", until, network_ms_since(&ts->ts_asked), evms);
	network_send_status(nw, 0);
	r = 0;
 out:
	ERR_clear_error();
	OPENSSL_free(serial);
	BN_free(bn);
	SSL_CTX_free(ctx);
	X509_free(x);
	free(json);
	EVP_PKEY_free(ts->ts_key);
	ts->ts_key = NULL;
	return r;
}

/* Handshakes from now on use ctx; SSLs made from the old one keep it. */
static void
tls_set_ctx(struct tls_state *ts, SSL_CTX *ctx)
{
	SSL_CTX_free(ts->ts_ctx);
	ts->ts_ctx = ctx;
}

static void
tls_schedule(struct tls_state *ts, long seconds)
{
	struct timeval	tv;

	tv.tv_sec = seconds;
	tv.tv_usec = 0;
	evtimer_add(ts->ts_timer, &tv);
}

/* Try again later; the certificate served stays while it is valid. */
static void
tls_retry(struct tls_state *ts, const char *why)
{
	ts->ts_backoff = ratls_retry_after(ts->ts_backoff);
	log_warnx("RA-TLS certificate not issued (%s): retrying in %u s%s",
	    why, ts->ts_backoff, ts->ts_ctx != NULL ?
	    "; the current one is served meanwhile" : "");
	tls_schedule(ts, ts->ts_backoff);
}

static void
tls_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct network		*nw = arg;
	struct tls_state	*ts = nw->nw_tls;
	time_t			 now = time(NULL);
	long			 wait;

	if (ts->ts_ctx != NULL && now >= ts->ts_notafter) {
		log_warnx("RA-TLS certificate expired: refusing handshakes "
		    "until a new one is issued");
		tls_set_ctx(ts, NULL);
	}
	if (ts->ts_pending == 0) {
		if (!ts->ts_notee)
			tls_issue(nw);
		return;
	}
	/*
	 * attestd is stuck (a device that never answers): keep waiting
	 * for the answer, say so, and still stop serving the certificate
	 * when it expires.
	 */
	log_warnx("RA-TLS: attestd has not answered request %u for %lld s",
	    ts->ts_pending, network_ms_since(&ts->ts_asked) / 1000);
	snprintf(ts->ts_status, sizeof(ts->ts_status), "%s; evidence "
	    "request %u unanswered", ts->ts_ctx != NULL ? "RA-TLS "
	    "certificate served" : "no RA-TLS certificate", ts->ts_pending);
	network_send_status(nw, 0);
	wait = TLS_EVIDENCE_WAIT_SEC;
	if (ts->ts_ctx != NULL && ts->ts_notafter - now < wait)
		wait = (long)(ts->ts_notafter - now) + 1;
	tls_schedule(ts, wait);
}

/* The bufferevent of a new TLS connection (evhttp's bevcb). */
struct bufferevent *
tls_bufferevent(struct network *nw, struct event_base *base)
{
	struct tls_state	*ts = nw->nw_tls;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(ts->ts_ctx != NULL ? ts->ts_ctx :
	    ts->ts_refuse)) == NULL)
		fatalx("SSL_new");
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_openssl_socket_new");
	/* Clients often close without close_notify; that is not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

const char *
tls_status(struct network *nw)
{
	return nw->nw_tls->ts_status;
}
