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

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <jansson.h>

#include "buf.h"
#include "evidence.h"
#include "hex.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "snp.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "frontd.h"
#include "front-request.h"

/*
 * GET /v1/attestation in the network child.  The nonce is the client's;
 * the model's SHA-256 is the one inferd serves (as GET /v1/models shows
 * it: the hash keyd computed).  Both go into report_data; attestd turns
 * that into evidence, which comes back as the JSON document of PROTOCOL
 * "GET /v1/attestation".  Also decodes every ATTEST_REPORT, for this
 * and for the RA-TLS certificates of front-tls.c.
 */

#define ATTEST_MODELS_DOC	"{}"

/* A GET /v1/attestation between the client, inferd and attestd. */
struct attest_req {
	TAILQ_ENTRY(attest_req)	 at_entry;
	struct network		*at_nw;
	struct evhttp_request	*at_req;	/* NULL: answered or gone */
	struct evhttp_connection *at_conn;
	uint32_t		 at_infer_id;	/* awaited from inferd, or 0 */
	uint32_t		 at_attest_id;	/* awaited from attestd, or 0 */
	u_char			 at_nonce[EVIDENCE_NONCE_LEN];
	char			*at_model;	/* asked for; NULL: the first */
	u_char			 at_sha256[EVIDENCE_SHA256_LEN];
	u_char			 at_rd[EVIDENCE_REPORT_DATA_LEN];
	struct event		*at_timer;
	struct timespec		 at_start;
};

static char	*attest_base64(const u_char *, size_t);
static void	attest_error(struct evhttp_request *, int, const char *,
		    const char *, const char *, const char *);
static void	attest_log(struct attest_req *, int);
static void	attest_timeout(evutil_socket_t, short, void *);
static struct attest_req *attest_find(struct network *, uint32_t, int);
static void	attest_done(struct attest_req *);
static void	attest_fail(struct attest_req *, int, const char *,
		    const char *, const char *);
static void	attest_models(struct attest_req *, const u_char *, size_t);
static int	attest_pick(struct attest_req *, json_t *);
static void	attest_answer(struct attest_req *, struct attest_evidence *);
static uint32_t	attest_newid(struct network *);

void
attest_init(struct network *nw)
{
	TAILQ_INIT(&nw->nw_attests);
}



static char *
attest_base64(const u_char *p, size_t len)
{
	char	*s;

	s = xcalloc(1, (len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((u_char *)s, p, (int)len);
	return s;
}

static void
attest_error(struct evhttp_request *req, int status, const char *type,
    const char *code, const char *param, const char *message)
{
	struct req_error	err;
	json_t			*obj;

	(void)req_set_error(&err, status, type, code, param, "%s", message);
	if ((obj = req_error_json(&err)) == NULL)
		fatalx_f("req_error_json");
	http_reply_json(req, status, NULL, obj);
}

static void
attest_log(struct attest_req *at, int status)
{
	log_info("GET /v1/attestation %d model=%.64s %lldms", status,
	    at->at_model != NULL ? at->at_model : "-",
	    network_ms_since(&at->at_start));
}

static uint32_t
attest_newid(struct network *nw)
{
	do {
		++nw->nw_nextid;
	} while (nw->nw_nextid == 0 || attest_find(nw, nw->nw_nextid, 0) ||
	    attest_find(nw, nw->nw_nextid, 1) || tls_owns(nw, nw->nw_nextid));
	return nw->nw_nextid;
}

/*
 * GET /v1/attestation?nonce=<64 hex>&model=<name>.  Checked here, then
 * inferd is asked for its model list (the hash it serves).
 */
void
attest_get(struct network *nw, struct evhttp_request *req)
{
	struct evkeyvalq	 q;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*query, *nonce, *model;
	struct attest_req	*at;
	struct buf		*b;
	struct timeval		 tv;

	TAILQ_INIT(&q);
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		attest_error(req, 400, "invalid_request_error",
		    "invalid_value", "nonce", "The query string is malformed.");
		return;
	}
	nonce = evhttp_find_header(&q, "nonce");
	model = evhttp_find_header(&q, "model");
	at = xcalloc(1, sizeof(*at));
	clock_gettime(CLOCK_MONOTONIC, &at->at_start);
	if (nonce == NULL || hex_decode(nonce, at->at_nonce,
	    sizeof(at->at_nonce)) != 0) {
		attest_error(req, 400, "invalid_request_error",
		    "invalid_value", "nonce", nonce == NULL ?
		    "The nonce parameter is required: 64 hex digits." :
		    "The nonce must be exactly 64 hex digits (32 bytes).");
		goto refused;
	}
	if (model != NULL && (*model == '\0' || strlen(model) > 256)) {
		attest_error(req, 404, "invalid_request_error",
		    "model_not_found", "model", "The model does not exist.");
		goto refused;
	}
	if (!nw->nw_attest.pp_open) {
		attest_error(req, 503, "server_error", "tee_unavailable",
		    NULL, "The attestation service is not running.");
		goto refused;
	}
	if (!nw->nw_infer.pp_open || nw->nw_nattests >= FRONT_MAX_ATTEST) {
		attest_error(req, 503, "server_error", "service_unavailable",
		    NULL, nw->nw_infer.pp_open ? "Too many attestation "
		    "requests in flight; try again later." : "The inference "
		    "service is not available; try again later.");
		goto refused;
	}
	if (model != NULL)
		at->at_model = xstrdup(model);
	evhttp_clear_headers(&q);
	at->at_nw = nw;
	at->at_req = req;
	at->at_conn = evhttp_request_get_connection(req);
	at->at_infer_id = attest_newid(nw);
	TAILQ_INSERT_TAIL(&nw->nw_attests, at, at_entry);
	nw->nw_nattests++;
	http_watch_close(nw, req);
	if ((b = buf_new(PROTO_MAX_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, REQ_OP_MODELS) != 0 ||
	    buf_put_u32(b, sizeof(ATTEST_MODELS_DOC) - 1) != 0 ||
	    buf_put_data(b, ATTEST_MODELS_DOC,
	    sizeof(ATTEST_MODELS_DOC) - 1) != 0)
		fatalx_f("buf");
	proc_send(&nw->nw_infer, PROTO_INFER_REQUEST, at->at_infer_id, -1, b);
	buf_free(b);
	tv.tv_sec = FRONT_ATTEST_TIMEOUT_MS / 1000;
	tv.tv_usec = (FRONT_ATTEST_TIMEOUT_MS % 1000) * 1000;
	if ((at->at_timer = evtimer_new(nw->nw_base, attest_timeout,
	    at)) == NULL)
		fatalx_f("evtimer_new");
	evtimer_add(at->at_timer, &tv);
	return;
 refused:
	evhttp_clear_headers(&q);
	attest_log(at, evhttp_request_get_response_code(req));
	free(at);
}

/* which 0: the id awaited from inferd; 1: from attestd. */
static struct attest_req *
attest_find(struct network *nw, uint32_t id, int which)
{
	struct attest_req	*at;

	TAILQ_FOREACH(at, &nw->nw_attests, at_entry)
		if ((which ? at->at_attest_id : at->at_infer_id) == id)
			return at;
	return NULL;
}

int
attest_owns_infer(struct network *nw, uint32_t id)
{
	return id != 0 && attest_find(nw, id, 0) != NULL;
}

/*
 * A request is kept until its sibling has answered, even after the
 * client went or the timer fired, so that the late answer is expected.
 */
static void
attest_done(struct attest_req *at)
{
	struct network	*nw = at->at_nw;

	if (at->at_req != NULL)
		return;
	if (at->at_infer_id != 0 || at->at_attest_id != 0) {
		if (at->at_timer != NULL)
			evtimer_del(at->at_timer);
		return;
	}
	TAILQ_REMOVE(&nw->nw_attests, at, at_entry);
	nw->nw_nattests--;
	if (at->at_timer != NULL)
		event_free(at->at_timer);
	free(at->at_model);
	explicit_bzero(at, sizeof(*at));
	free(at);
}

static void
attest_fail(struct attest_req *at, int status, const char *type,
    const char *code, const char *message)
{
	if (at->at_req != NULL) {
		attest_error(at->at_req, status, type, code,
		    status == 404 ? "model" : NULL, message);
		attest_log(at, status);
		at->at_req = NULL;
	}
	attest_done(at);
}

static void
attest_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct attest_req	*at = arg;

	attest_fail(at, 503, "server_error", at->at_attest_id != 0 ?
	    "tee_unavailable" : "service_unavailable", at->at_attest_id != 0 ?
	    "The TEE did not produce evidence in time." :
	    "The inference service did not answer in time.");
}

void
attest_conn_closed(struct network *nw, struct evhttp_connection *conn)
{
	struct attest_req	*at, *next;

	TAILQ_FOREACH_SAFE(at, &nw->nw_attests, at_entry, next) {
		if (at->at_conn != conn || at->at_req == NULL)
			continue;
		if (evhttp_request_get_connection(at->at_req) == NULL)
			evhttp_request_free(at->at_req);
		at->at_req = NULL;
		attest_log(at, 499);
		attest_done(at);
	}
}

/* A sibling went: what it owed will not come. */
void
attest_peer_lost(struct network *nw, enum proc_id id)
{
	struct attest_req	*at, *next;

	TAILQ_FOREACH_SAFE(at, &nw->nw_attests, at_entry, next) {
		if (id == PROC_INFERD && at->at_infer_id != 0) {
			at->at_infer_id = 0;
			attest_fail(at, 503, "server_error",
			    "service_unavailable", "The inference service "
			    "stopped; try again later.");
		} else if (id == PROC_ATTESTD && at->at_attest_id != 0) {
			at->at_attest_id = 0;
			attest_fail(at, 503, "server_error", "tee_unavailable",
			    "The attestation service stopped; try again "
			    "later.");
		}
	}
}

/*
 * The whole model list we asked for, put together by front-api.c: a
 * RESULT, or an ERROR (inferd could not list its models).
 */
void
attest_infer_doc(struct network *nw, uint32_t id, uint32_t kind,
    const u_char *data, size_t len)
{
	struct attest_req	*at;

	if ((at = attest_find(nw, id, 0)) == NULL)
		fatalx_f("no request %u", id);
	if (kind != REQ_KIND_RESULT && kind != REQ_KIND_ERROR) {
		proc_violation(&nw->nw_infer, "INFER_REPLY: models kind %u",
		    kind);
		return;
	}
	attest_models(at, kind == REQ_KIND_RESULT ? data : NULL, len);
}

/* The model list (NULL: inferd answered with an error). */
static void
attest_models(struct attest_req *at, const u_char *data, size_t len)
{
	struct network	*nw = at->at_nw;
	json_error_t	 jerr;
	json_t		*doc = NULL;
	const char	*why;
	int		 r;

	at->at_infer_id = 0;
	if (data != NULL && ((doc = json_loadb((const char *)data, len, 0,
	    &jerr)) == NULL || req_check_models(doc, &why) != 0)) {
		if (doc != NULL)
			json_decref(doc);
		proc_violation(&nw->nw_infer, "INFER_REPLY: model list "
		    "malformed");
		return;
	}
	if (at->at_req == NULL || doc == NULL) {
		if (doc != NULL)
			json_decref(doc);
		attest_fail(at, 503, "server_error", "service_unavailable",
		    "The inference service could not list its models.");
		return;
	}
	r = attest_pick(at, doc);
	json_decref(doc);
	if (r != 0)
		return;
	if (!nw->nw_attest.pp_open) {
		attest_fail(at, 503, "server_error", "tee_unavailable",
		    "The attestation service is not running.");
		return;
	}
	evidence_rd_api(at->at_rd, at->at_nonce, at->at_sha256);
	at->at_attest_id = attest_newid(nw);
	attest_request(nw, at->at_attest_id, at->at_rd);
}

/*
 * The model asked for (or the first one served) and its SHA-256; 0,
 * or -1 with the client answered.
 */
static int
attest_pick(struct attest_req *at, json_t *doc)
{
	json_t		*m, *found = NULL, *h;
	size_t		 i;
	char		 msg[160];

	json_array_foreach(json_object_get(doc, "data"), i, m) {
		if (json_object_get(m, "error") != NULL)
			continue;
		if (at->at_model == NULL || strcmp(at->at_model,
		    json_string_value(json_object_get(m, "id"))) == 0) {
			found = m;
			break;
		}
	}
	if (found == NULL) {
		attest_fail(at, 404, "invalid_request_error",
		    "model_not_found", "The model does not exist.");
		return -1;
	}
	if (at->at_model == NULL)
		at->at_model = xstrdup(json_string_value(json_object_get(found,
		    "id")));
	h = json_object_get(found, "sha256");
	if (json_is_null(h)) {
		snprintf(msg, sizeof(msg), "The SHA-256 of model %.64s is not "
		    "known yet; try again once it has been verified.",
		    at->at_model);
		attest_fail(at, 503, "server_error", "model_hash_unknown", msg);
		return -1;
	}
	if (hex_decode(json_string_value(h), at->at_sha256,
	    sizeof(at->at_sha256)) != 0) {
		proc_violation(&at->at_nw->nw_infer, "INFER_REPLY: sha256 of "
		    "a model is not 64 hex digits");
		return -1;
	}
	return 0;
}

/* ATTEST_REPORT_REQ: evidence over rd, answered under id. */
void
attest_request(struct network *nw, uint32_t id, const u_char rd[64])
{
	struct buf	*b;

	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_data(b, rd, EVIDENCE_REPORT_DATA_LEN) != 0)
		fatalx_f("buf");
	proc_send(&nw->nw_attest, PROTO_ATTEST_REPORT_REQ, id, -1, b);
	buf_free(b);
}

/*
 * ATTEST_REPORT: decoded and checked here (sizes, the evidence parses,
 * the report_data is what was asked for), then handed to whoever asked.
 * An answer to nobody, or a malformed one, is a violation.
 */
void
attest_dispatch_report(struct network *nw, struct proto_msg *msg)
{
	struct proc_peer	*peer = &nw->nw_attest;
	struct attest_evidence	 ae;
	struct evidence_info	 ei;
	struct attest_req	*at = NULL;
	uint32_t		 id = msg->pm_hdr.peerid;
	int			 tls;

	memset(&ae, 0, sizeof(ae));
	ae.ae_status = proc_get_u32(msg);
	ae.ae_tee = proc_get_string(msg);
	ae.ae_simulated = proc_get_u8(msg) != 0;
	ae.ae_report = proc_get_data(msg, &ae.ae_reportlen);
	ae.ae_certs = proc_get_data(msg, &ae.ae_certslen);
	ae.ae_message = proc_get_string(msg);
	if (proc_end(peer, msg) != 0)
		goto out;
	tls = id != 0 && tls_owns(nw, id);
	if (!tls && (id == 0 || (at = attest_find(nw, id, 1)) == NULL)) {
		proc_violation(peer, "ATTEST_REPORT: no request %u", id);
		goto out;
	}
	if (ae.ae_reportlen > EVIDENCE_MAX_REPORT ||
	    ae.ae_certslen > 28 * 1024 ||
	    (ae.ae_status == 0 && ae.ae_reportlen == 0)) {
		proc_violation(peer, "ATTEST_REPORT: %zu report bytes, %zu "
		    "certificate bytes", ae.ae_reportlen, ae.ae_certslen);
		goto out;
	}
	if (ae.ae_status == 0) {
		if (evidence_parse(ae.ae_report, ae.ae_reportlen, &ei) != 0) {
			proc_violation(peer, "ATTEST_REPORT: not evidence");
			goto out;
		}
		ae.ae_info = &ei;
	}
	if (tls)
		tls_evidence(nw, id, &ae);
	else {
		at->at_attest_id = 0;
		attest_answer(at, &ae);
	}
 out:
	free(ae.ae_tee);
	free(ae.ae_message);
}

/*
 * The evidence part of the document (all of the RA-TLS JSON extension):
 * object, tee_type, simulated, report, certificates, report_data and
 * measurement.  tee_type comes from the evidence itself; simulated if
 * either the evidence or attestd says so.
 */
json_t *
attest_evidence_json(const struct attest_evidence *ae)
{
	const struct evidence_info	*ei = ae->ae_info;
	struct snp_cert			 sc[EVIDENCE_MAX_CERTS];
	json_t				*obj, *certs;
	char				 rd[2 * EVIDENCE_REPORT_DATA_LEN + 1];
	char				 m[2 * EVIDENCE_MEASUREMENT_MAX + 1];
	char				*b64;
	int				 i, n;

	if ((certs = json_array()) == NULL)
		fatalx_f("json_array");
	n = snp_certtable_parse(ae->ae_certs, ae->ae_certslen, sc,
	    EVIDENCE_MAX_CERTS);
	if (n < 0)
		log_ratelimit("attestd's certificate table is malformed: "
		    "certificates left out");
	for (i = 0; i < n; i++) {
		if (sc[i].sc_len > EVIDENCE_MAX_CERT)
			continue;
		b64 = attest_base64(sc[i].sc_der, sc[i].sc_len);
		json_array_append_new(certs, json_pack("{s:s, s:s}", "type",
		    sc[i].sc_name, "der", b64));
		free(b64);
	}
	hex_encode(ei->ei_report_data, EVIDENCE_REPORT_DATA_LEN, rd);
	hex_encode(ei->ei_measurement, ei->ei_measurement_len, m);
	b64 = attest_base64(ae->ae_report, ae->ae_reportlen);
	obj = json_pack("{s:s, s:s, s:b, s:s, s:o, s:s, s:s}",
	    "object", "attestation", "tee_type", ei->ei_tee,
	    "simulated", ei->ei_simulated || ae->ae_simulated,
	    "report", b64, "certificates", certs, "report_data", rd,
	    "measurement", m);
	free(b64);
	if (obj == NULL)
		fatalx_f("json_pack");
	return obj;
}

/* attestd's answer to a GET /v1/attestation. */
static void
attest_answer(struct attest_req *at, struct attest_evidence *ae)
{
	struct network	*nw = at->at_nw;
	json_t		*obj;
	char		 nonce[2 * EVIDENCE_NONCE_LEN + 1];
	char		 sha[2 * EVIDENCE_SHA256_LEN + 1];
	char		 msg[256];

	if (ae->ae_status != 0 || strcmp(ae->ae_tee, "none") == 0) {
		snprintf(msg, sizeof(msg), "No TEE evidence is available%s%.200s",
		    ae->ae_message[0] != '\0' ? ": " : ".", ae->ae_message);
		attest_fail(at, 503, "server_error", "tee_unavailable", msg);
		return;
	}
	if (CRYPTO_memcmp(ae->ae_info->ei_report_data, at->at_rd,
	    EVIDENCE_REPORT_DATA_LEN) != 0) {
		attest_fail(at, 502, "server_error", "tee_error", "The "
		    "evidence does not carry the report_data asked for.");
		proc_violation(&nw->nw_attest, "ATTEST_REPORT: report_data is "
		    "not what was asked for");
		return;
	}
	if (at->at_req == NULL) {
		attest_done(at);
		return;
	}
	hex_encode(at->at_nonce, sizeof(at->at_nonce), nonce);
	hex_encode(at->at_sha256, sizeof(at->at_sha256), sha);
	obj = attest_evidence_json(ae);
	if (json_object_set_new(obj, "nonce", json_string(nonce)) != 0 ||
	    json_object_set_new(obj, "model", json_string(at->at_model)) != 0 ||
	    json_object_set_new(obj, "model_sha256", json_string(sha)) != 0)
		fatalx_f("json_object_set_new");
	http_reply_json(at->at_req, 200, NULL, obj);
	attest_log(at, 200);
	at->at_req = NULL;
	attest_done(at);
}
