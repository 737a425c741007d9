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
#include <sys/socket.h>
#include <sys/time.h>

#include <netdb.h>
#include <poll.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "evidence.h"
#include "hex.h"
#include "ratls.h"
#include "verify.h"

/*
 * The subcommands that talk to a server: fetch (GET /v1/attestation
 * with our nonce, over HTTP or HTTPS) and ratls (a TLS 1.3 handshake,
 * then the evidence in the server's RA-TLS certificate, bound to the
 * key that just proved itself in the handshake).  Each step is a check
 * in the table, so a failure says where the chain broke.
 */

#define NET_TIMEOUT_SEC		15	/* connect, send, receive */
#define NET_MAX_RESPONSE	(1024 * 1024)	/* bytes of an HTTP answer */
#define NET_MAX_HOST		256
#define NET_MAX_PATH		1024
#define NET_MAX_MODEL		256

struct net_url {
	int	nu_tls;
	char	nu_host[NET_MAX_HOST];		/* without brackets */
	char	nu_port[8];
	char	nu_path[NET_MAX_PATH];		/* prefix, no trailing '/' */
};

static int	net_parse_url(const char *, struct net_url *);
static int	net_parse_hostport(const char *, char *, size_t, char *,
		    size_t);
static int	net_connect_one(const struct addrinfo *);
static BIO	*net_connect(struct verify *, const char *, const char *);
static SSL_CTX	*net_tls_ctx(int);
static SSL	*net_tls(struct verify *, BIO **, const char *, int, SSL_CTX *,
		    long long *);
static int	net_is_ratls(X509 *);
static void	net_check_server_cert(struct verify *, SSL *, X509 *);
static int	net_request(struct verify *, BIO *, const struct net_url *,
		    char **, size_t *);
static int	net_body(struct verify *, char *, size_t, char **, size_t *);
static void	net_urlencode(const char *, char *, size_t);
static void	net_fetched(struct verify *, const char *, size_t);
static long long net_ms(const struct timespec *);

/* http[s]://host[:port][/prefix] */
static int
net_parse_url(const char *url, struct net_url *nu)
{
	const char	*p, *slash;
	char		 hostport[NET_MAX_HOST + 16];
	size_t		 n;

	memset(nu, 0, sizeof(*nu));
	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0) {
		p = url + 8;
		nu->nu_tls = 1;
	} else
		return -1;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n >= sizeof(hostport))
		return -1;
	memcpy(hostport, p, n);
	hostport[n] = '\0';
	if (strchr(hostport, '@') != NULL)
		return -1;
	if (net_parse_hostport(hostport, nu->nu_host, sizeof(nu->nu_host),
	    nu->nu_port, sizeof(nu->nu_port)) != 0) {
		/* No port: the scheme's. */
		if (strchr(hostport, ':') != NULL && hostport[0] != '[')
			return -1;
		if (hostport[0] == '[') {
			if (hostport[n - 1] != ']' || n - 2 >=
			    sizeof(nu->nu_host))
				return -1;
			memcpy(nu->nu_host, hostport + 1, n - 2);
			nu->nu_host[n - 2] = '\0';
		} else
			strlcpy(nu->nu_host, hostport, sizeof(nu->nu_host));
		strlcpy(nu->nu_port, nu->nu_tls ? "443" : "80",
		    sizeof(nu->nu_port));
	}
	if (slash != NULL && strlcpy(nu->nu_path, slash,
	    sizeof(nu->nu_path)) >= sizeof(nu->nu_path))
		return -1;
	n = strlen(nu->nu_path);
	while (n > 0 && nu->nu_path[n - 1] == '/')
		nu->nu_path[--n] = '\0';
	for (p = nu->nu_path; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '?' || *p == '#')
			return -1;
	return 0;
}

/* host:port or [v6]:port, the port numeric. */
static int
net_parse_hostport(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*colon, *errstr;
	size_t		 n;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		n = (size_t)(colon - s - 1);
		colon++;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= hostlen || strlen(colon + 1) >= portlen)
		return -1;
	(void)strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	strlcpy(port, colon + 1, portlen);
	return 0;
}

static long long
net_ms(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* One address: connected within NET_TIMEOUT_SEC, or -1 and errno. */
static int
net_connect_one(const struct addrinfo *ai)
{
	struct pollfd	pfd;
	socklen_t	len = sizeof(int);
	int		fd, err = 0, flags;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) == -1)
		return -1;
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, NET_TIMEOUT_SEC * 1000) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	if (fcntl(fd, F_SETFL, flags) == -1)
		goto fail;
	return fd;
 fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* A TCP connection with send and receive timeouts, or NULL (checked). */
static BIO *
net_connect(struct verify *v, const char *host, const char *port)
{
	struct timeval	 tv = { NET_TIMEOUT_SEC, 0 };
	struct addrinfo	 hints, *res, *ai;
	BIO		*bio;
	int		 fd = -1, r, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		verify_check(v, "connect", 1, VERIFY_FAIL, "client",
		    "%s: %s", host, gai_strerror(r));
		return NULL;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		if ((fd = net_connect_one(ai)) == -1)
			err = errno;
	freeaddrinfo(res);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    (bio = BIO_new_socket(fd, BIO_CLOSE)) == NULL) {
		verify_check(v, "connect", 1, VERIFY_FAIL, "server",
		    "cannot connect to %s port %s: %s", host, port,
		    strerror(fd == -1 ? err : errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return bio;
}

static SSL_CTX *
net_tls_ctx(int tls13only)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, tls13only ? TLS1_3_VERSION :
	    TLS1_2_VERSION) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* An RA-TLS certificate may carry tens of KiB of evidence. */
	SSL_CTX_set_max_cert_list(ctx, RATLS_MAX_CERT);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

/*
 * The handshake over *bio (which the returned SSL then owns).  No
 * certificate check here: the caller decides what vouches for the key.
 */
static SSL *
net_tls(struct verify *v, BIO **bio, const char *host, int hostcheck,
    SSL_CTX *ctx, long long *ms)
{
	struct timespec	 t0;
	SSL		*ssl;
	BIO		*sbio;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((ssl = SSL_new(ctx)) == NULL ||
	    (sbio = BIO_new(BIO_f_ssl())) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* SNI for names; the host check for --cafile or the system store. */
	if (host[strspn(host, "0123456789.")] != '\0' &&
	    strchr(host, ':') == NULL)
		(void)SSL_set_tlsext_host_name(ssl, host);
	if (hostcheck && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1)
		(void)SSL_set1_host(ssl, host);
	ERR_clear_error();
	SSL_set_bio(ssl, *bio, *bio);
	*bio = NULL;
	if (SSL_connect(ssl) != 1) {
		verify_check(v, "tls-handshake", 1, VERIFY_FAIL, "server",
		    "%s", ERR_reason_error_string(ERR_peek_last_error()) !=
		    NULL ? ERR_reason_error_string(ERR_peek_last_error()) :
		    "the server closed the connection");
		ERR_clear_error();
		BIO_free(sbio);
		SSL_free(ssl);
		return NULL;
	}
	*ms = net_ms(&t0);
	verify_check(v, "tls-handshake", 1, VERIFY_PASS, "server",
	    "%s, %s, %lld ms", SSL_get_version(ssl),
	    SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)), *ms);
	BIO_set_ssl(sbio, ssl, BIO_CLOSE);
	*bio = sbio;
	return ssl;
}

static int
net_is_ratls(X509 *x)
{
	ASN1_OBJECT	*obj;
	int		 i;

	if ((obj = OBJ_txt2obj(RATLS_OID_JSON, 1)) == NULL)
		return 0;
	i = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	return i >= 0;
}

/*
 * fetch over HTTPS: the certificate chains to --cafile (or the system
 * store) and names the host, unless the server presents an RA-TLS
 * certificate: then nothing but its evidence could vouch for it, and
 * the document's own evidence, bound to our nonce, is what counts.
 */
static void
net_check_server_cert(struct verify *v, SSL *ssl, X509 *x)
{
	long	r;

	if (x == NULL) {
		verify_check(v, "tls-certificate", 1, VERIFY_FAIL, "server",
		    "no certificate");
		return;
	}
	if (net_is_ratls(x)) {
		verify_check(v, "tls-certificate", 0, VERIFY_SKIP, "server",
		    "RA-TLS certificate: not CA-checked (power-verify ratls "
		    "checks it); the evidence below binds our nonce");
		return;
	}
	if ((r = SSL_get_verify_result(ssl)) == X509_V_OK)
		verify_check(v, "tls-certificate", 1, VERIFY_PASS, "server",
		    "chains to %s and names the host",
		    v->v_opts->vo_cafile != NULL ? v->v_opts->vo_cafile :
		    "the system's trust store");
	else
		verify_check(v, "tls-certificate", 1, VERIFY_FAIL, "server",
		    "%s (give the issuer with --cafile)",
		    X509_verify_cert_error_string(r));
}

/* Percent-encode everything but unreserved characters (RFC 3986). */
static void
net_urlencode(const char *s, char *out, size_t outlen)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			n = 0;
	u_char			c;

	for (; *s != '\0' && n + 4 < outlen; s++) {
		c = (u_char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			out[n++] = (char)c;
		else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 0x0f];
		}
	}
	out[n] = '\0';
}

/* Send the GET and read the whole answer (Connection: close). */
static int
net_request(struct verify *v, BIO *bio, const struct net_url *nu,
    char **resp, size_t *resplen)
{
	const struct verify_opts	*vo = v->v_opts;
	char				 nonce[65], model[3 * NET_MAX_MODEL + 1];
	char				*req = NULL, *buf;
	size_t				 len = 0, i;
	int				 n;

	*resp = NULL;
	*resplen = 0;
	for (i = 0; i < 32; i++)
		snprintf(nonce + 2 * i, 3, "%02x", vo->vo_nonce[i]);
	model[0] = '\0';
	if (vo->vo_model != NULL)
		net_urlencode(vo->vo_model, model, sizeof(model));
	if (asprintf(&req, "GET %s/v1/attestation?nonce=%s%s%s HTTP/1.1\r\n"
	    "Host: %s%s%s:%s\r\nAccept: application/json\r\n"
	    "User-Agent: power-verify/%s\r\nConnection: close\r\n\r\n",
	    nu->nu_path, nonce, model[0] != '\0' ? "&model=" : "", model,
	    strchr(nu->nu_host, ':') != NULL ? "[" : "", nu->nu_host,
	    strchr(nu->nu_host, ':') != NULL ? "]" : "", nu->nu_port,
	    PACKAGE_VERSION) == -1)
		return -1;
	n = BIO_write(bio, req, (int)strlen(req));
	free(req);
	if (n <= 0 || BIO_flush(bio) != 1) {
		verify_check(v, "fetch", 1, VERIFY_FAIL, "server",
		    "cannot send the request");
		return -1;
	}
	if ((buf = malloc(NET_MAX_RESPONSE + 1)) == NULL)
		return -1;
	while (len < NET_MAX_RESPONSE &&
	    (n = BIO_read(bio, buf + len, (int)(NET_MAX_RESPONSE - len))) > 0)
		len += (size_t)n;
	ERR_clear_error();
	if (len == 0 || len >= NET_MAX_RESPONSE) {
		verify_check(v, "fetch", 1, VERIFY_FAIL, "server", len == 0 ?
		    "no answer" : "the answer is over %d bytes",
		    NET_MAX_RESPONSE);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*resp = buf;
	*resplen = len;
	return 0;
}

/*
 * The body of a 200 answer (Content-Length, chunked, or up to the
 * close).  Anything else is a failed fetch, the server's error shown.
 */
static int
net_body(struct verify *v, char *resp, size_t len, char **body,
    size_t *bodylen)
{
	char		*eoh, *p, *q, *end, *out;
	const char	*errstr;
	long long	 clen = -1;
	unsigned long	 chunk;
	int		 status = 0, chunked = 0;

	*body = NULL;
	*bodylen = 0;
	if ((eoh = strstr(resp, "\r\n\r\n")) == NULL ||
	    sscanf(resp, "HTTP/1.%*1d %3d", &status) != 1) {
		verify_check(v, "fetch", 1, VERIFY_FAIL, "server",
		    "not an HTTP answer");
		return -1;
	}
	*eoh = '\0';
	for (p = strstr(resp, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, "Content-Length:", 15) == 0) {
			q = p + 17 + strspn(p + 17, " \t");
			end = q + strcspn(q, "\r");
			*end = '\0';
			clen = strtonum(q, 0, NET_MAX_RESPONSE, &errstr);
			*end = '\r';
			if (errstr != NULL)
				clen = -2;
		} else if (strncasecmp(p + 2, "Transfer-Encoding:", 18) == 0 &&
		    strcasestr(p + 20, "chunked") != NULL &&
		    strcasestr(p + 20, "chunked") < p + 20 + strcspn(p + 20,
		    "\r"))
			chunked = 1;
	}
	p = eoh + 4;
	len -= (size_t)(p - resp);
	if (chunked) {
		/* Decoded in place: the result is never longer. */
		out = q = p;
		for (;;) {
			chunk = strtoul(q, &end, 16);
			if (end == q || (end = strstr(end, "\r\n")) == NULL ||
			    chunk > len || (size_t)(end + 2 - p) + chunk > len)
				break;
			q = end + 2;
			if (chunk == 0)
				break;
			memmove(out, q, chunk);
			out += chunk;
			q += chunk;
			if (strncmp(q, "\r\n", 2) != 0)
				break;
			q += 2;
		}
		len = (size_t)(out - p);
	} else if (clen == -2 || (clen >= 0 && (size_t)clen > len)) {
		verify_check(v, "fetch", 1, VERIFY_FAIL, "server",
		    "the answer is cut short");
		return -1;
	} else if (clen >= 0)
		len = (size_t)clen;
	p[len] = '\0';
	if (status != 200) {
		verify_check(v, "fetch", 1, VERIFY_FAIL, "server",
		    "HTTP %d: %.200s", status, p);
		return -1;
	}
	verify_check(v, "fetch", 1, VERIFY_PASS, "server",
	    "HTTP 200, %zu bytes", len);
	*body = p;
	*bodylen = len;
	return 0;
}

/*
 * The document fetched: checked with the nonce we sent and the model
 * hash it names (which must be --model-sha256 when that was given).
 */
static void
net_fetched(struct verify *v, const char *body, size_t len)
{
	const struct verify_opts	*saved = v->v_opts;
	struct verify_opts		 vo = *saved;
	json_error_t			 jerr;
	json_t				*doc;
	const char			*hash, *model;

	if ((doc = json_loadb(body, len, 0, &jerr)) != NULL) {
		hash = json_string_value(json_object_get(doc, "model_sha256"));
		model = json_string_value(json_object_get(doc, "model"));
		if (hash == NULL)
			verify_check(v, "model-hash", 1, VERIFY_FAIL, "server",
			    "the document names no model_sha256");
		else if (!vo.vo_have_model && hex_decode(hash,
		    vo.vo_model_sha256, sizeof(vo.vo_model_sha256)) == 0)
			vo.vo_have_model = 1;
		if (saved->vo_model != NULL)
			verify_check(v, "model-name", 1, model != NULL &&
			    strcmp(model, saved->vo_model) == 0 ?
			    VERIFY_PASS : VERIFY_FAIL, "server",
			    "asked for \"%.64s\", the document is for "
			    "\"%.64s\"", saved->vo_model,
			    model != NULL ? model : "(none)");
		json_decref(doc);
	}
	v->v_opts = &vo;
	verify_attestation_json(v, body, len);
	v->v_opts = saved;
}

int
verify_fetch(struct verify *v, const char *url)
{
	struct net_url	 nu;
	SSL_CTX		*ctx = NULL;
	SSL		*ssl = NULL;
	X509		*x;
	BIO		*bio;
	char		*resp = NULL, *body;
	size_t		 resplen, bodylen;
	long long	 ms;
	int		 r = -1;

	if (net_parse_url(url, &nu) != 0) {
		verify_check(v, "fetch", 1, VERIFY_FAIL, "client",
		    "\"%.128s\" is not http[s]://host[:port][/path]", url);
		return -1;
	}
	if ((bio = net_connect(v, nu.nu_host, nu.nu_port)) == NULL)
		return -1;
	if (nu.nu_tls) {
		if ((ctx = net_tls_ctx(0)) == NULL ||
		    (v->v_opts->vo_cafile != NULL ?
		    SSL_CTX_load_verify_locations(ctx, v->v_opts->vo_cafile,
		    NULL) : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
			verify_check(v, "tls-certificate", 1, VERIFY_FAIL,
			    "client", "cannot load %s", v->v_opts->vo_cafile ?
			    v->v_opts->vo_cafile : "the system trust store");
			goto out;
		}
		if ((ssl = net_tls(v, &bio, nu.nu_host, 1, ctx, &ms)) == NULL)
			goto out;
		x = SSL_get1_peer_certificate(ssl);
		net_check_server_cert(v, ssl, x);
		X509_free(x);
	}
	if (net_request(v, bio, &nu, &resp, &resplen) != 0 ||
	    net_body(v, resp, resplen, &body, &bodylen) != 0)
		goto out;
	net_fetched(v, body, bodylen);
	r = 0;
 out:
	free(resp);
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return r;
}

/*
 * ratls HOST:PORT: the certificate's key just signed the TLS 1.3
 * handshake; its evidence must bind that key (spki-binding) and be
 * genuine (the checks of verify_attestation_json).
 */
int
verify_ratls(struct verify *v, const char *hostport)
{
	const struct verify_opts	*saved = v->v_opts;
	struct verify_opts		 vo = *saved;
	struct ratls_cert		 rc;
	char				 host[NET_MAX_HOST], port[8];
	SSL_CTX				*ctx = NULL;
	SSL				*ssl;
	X509				*x = NULL;
	BIO				*bio;
	u_char				*jraw = NULL;
	size_t				 jrawlen = 0;
	const char			*media;
	struct evidence_info		 ei;
	long long			 ms;
	int				 r = -1;

	memset(&rc, 0, sizeof(rc));
	if (net_parse_hostport(hostport, host, sizeof(host), port,
	    sizeof(port)) != 0) {
		verify_check(v, "tls-handshake", 1, VERIFY_FAIL, "client",
		    "\"%.128s\" is not HOST:PORT", hostport);
		return -1;
	}
	if ((bio = net_connect(v, host, port)) == NULL)
		return -1;
	if ((ctx = net_tls_ctx(1)) == NULL ||
	    (ssl = net_tls(v, &bio, host, 0, ctx, &ms)) == NULL)
		goto out;
	if ((x = SSL_get1_peer_certificate(ssl)) == NULL ||
	    ratls_cert_extract(x, &rc) != 0) {
		verify_check(v, "ratls-extension", 1, VERIFY_FAIL, "server",
		    "%s", x == NULL ? "no certificate" :
		    "the certificate's RA-TLS extensions are malformed");
		goto out;
	}
	if (vo.vo_at < rc.rc_notbefore || vo.vo_at > rc.rc_notafter)
		verify_check(v, "cert-validity", 1, VERIFY_FAIL, "server",
		    "not valid at %lld (valid %lld to %lld)",
		    (long long)vo.vo_at, (long long)rc.rc_notbefore,
		    (long long)rc.rc_notafter);
	else
		verify_check(v, "cert-validity", 1, VERIFY_PASS, "server",
		    "valid for %lld s more", (long long)(rc.rc_notafter -
		    vo.vo_at));
	verify_check(v, "cert-self-signature", 1, rc.rc_selfsigned ?
	    VERIFY_PASS : VERIFY_FAIL, "server", "%s", rc.rc_selfsigned ?
	    "signed by its own key" : "not signed by its own key");
	if (rc.rc_json == NULL) {
		verify_check(v, "ratls-extension", 1, VERIFY_FAIL, "server",
		    "no %s extension: not an RA-TLS certificate",
		    RATLS_OID_JSON);
		goto out;
	}
	verify_check(v, "ratls-extension", 1, VERIFY_PASS, "server",
	    "%s: %zu bytes of JSON", RATLS_OID_JSON, rc.rc_jsonlen);
	if (rc.rc_raw == NULL)
		verify_check(v, "ratls-cmw", 1, VERIFY_FAIL, "server",
		    "no CMW extension (%s)", RATLS_OID_CMW);
	else if (ratls_json_report(rc.rc_json, rc.rc_jsonlen, &jraw,
	    &jrawlen) != 0 || jrawlen != rc.rc_rawlen ||
	    CRYPTO_memcmp(jraw, rc.rc_raw, jrawlen) != 0)
		verify_check(v, "ratls-cmw-agree", 1, VERIFY_FAIL, "server",
		    "the CMW evidence (%zu bytes) is not the JSON's report",
		    rc.rc_rawlen);
	else if (evidence_parse(rc.rc_raw, rc.rc_rawlen, &ei) != 0 ||
	    (media = ratls_media_type(ei.ei_tee)) == NULL ||
	    strcmp(media, rc.rc_media) != 0)
		verify_check(v, "ratls-cmw-agree", 1, VERIFY_FAIL, "server",
		    "CMW media type \"%.64s\" does not name this evidence",
		    rc.rc_media);
	else
		verify_check(v, "ratls-cmw-agree", 1, VERIFY_PASS, "server",
		    "%s (%s) carries the same %zu bytes", RATLS_OID_CMW,
		    rc.rc_media, rc.rc_rawlen);
	vo.vo_have_spki = 1;
	memcpy(vo.vo_spki_sha256, rc.rc_spki_sha256,
	    sizeof(vo.vo_spki_sha256));
	v->v_opts = &vo;
	verify_attestation_json(v, rc.rc_json, rc.rc_jsonlen);
	v->v_opts = saved;
	r = 0;
 out:
	free(jraw);
	ratls_cert_clear(&rc);
	X509_free(x);
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return r;
}
