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

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "frontd/front-request.h"

/*
 * libFuzzer target for frontd/front-request.c.  The first byte picks
 * what the rest is: a client body for one of the endpoints (checked,
 * then its document written out), or an inferd reply document (an
 * EVENT, a RESULT or an ERROR) checked against fixed requests and, when
 * it passes, turned into the client's answer and stream chunks.
 */

#define FUZZ_NREQ	6

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_init(void);
static void	fuzz_body(enum req_endpoint, const uint8_t *, size_t);
static void	fuzz_event(json_t *);
static void	fuzz_result(json_t *);
static void	fuzz_error(json_t *);

/* Requests the replies are checked against, one per kind of answer. */
static const char *const fuzz_bodies[FUZZ_NREQ][2] = {
	{ "0", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"x\"}],\"n\":2,\"logprobs\":true,\"stream\":true,"
	    "\"stream_options\":{\"include_usage\":true}}" },
	{ "1", "{\"model\":\"m\",\"prompt\":[\"a\",\"b\"],\"logprobs\":2}" },
	{ "2", "{\"model\":\"m\",\"input\":[\"a\",\"b\"],"
	    "\"encoding_format\":\"base64\"}" },
	{ "2", "{\"model\":\"m\",\"input\":\"a\"}" },
	{ "3", "{\"model\":\"m\",\"content\":\"a\"}" },
	{ "4", "{\"model\":\"m\",\"tokens\":[1]}" },
};
static struct req	fuzz_req[FUZZ_NREQ];
static int		fuzz_ready;

static void
fuzz_init(void)
{
	struct req_error	err;
	size_t			i;

	for (i = 0; i < FUZZ_NREQ; i++)
		if (req_parse(fuzz_bodies[i][0][0] - '0', fuzz_bodies[i][1],
		    strlen(fuzz_bodies[i][1]), 1, &fuzz_req[i], &err) != 0)
			abort();
	fuzz_ready = 1;
}

static void
fuzz_body(enum req_endpoint ep, const uint8_t *data, size_t len)
{
	struct req		 rq;
	struct req_error	 err;
	struct buf		*b;
	json_t			*e;
	char			*s;

	if (req_parse(ep, data, len, 42, &rq, &err) != 0) {
		if ((e = req_error_json(&err)) == NULL)
			abort();
		json_decref(e);
		return;
	}
	if ((s = json_dumps(rq.rq_doc, JSON_COMPACT)) == NULL)
		abort();
	free(s);
	if (rq.rq_op == REQ_OP_GENERATE) {
		b = buf_new(0);
		if (req_sse_head(b, &rq, "id", 1) != 0)
			abort();
		buf_free(b);
	}
	req_clear(&rq);
}

/* An EVENT against the chat and completion requests. */
static void
fuzz_event(json_t *doc)
{
	struct req_event	 ev;
	struct req_choice	 ch;
	struct buf		*head, *out;
	const char		*why;
	size_t			 i;
	enum req_delta		 d;

	for (i = 0; i < 2; i++) {
		if (req_check_event(doc, &fuzz_req[i], &ev, &why) != 0)
			continue;
		memset(&ch, 0, sizeof(ch));
		head = buf_new(0);
		out = buf_new(0);
		if (req_sse_head(head, &fuzz_req[i], "id", 1) != 0)
			abort();
		for (d = REQ_DELTA_ROLE; d <= REQ_DELTA_FINISH; d++)
			if (req_sse_choice(out, &fuzz_req[i], head, &ch,
			    ev.ev_index, d, &ev) != 0)
				abort();
		buf_free(head);
		buf_free(out);
	}
}

static void
fuzz_result(json_t *doc)
{
	struct req_choice	 ch[4];
	const char		*why;
	json_t			*r;
	size_t			 i, j;

	memset(ch, 0, sizeof(ch));
	for (j = 0; j < 4; j++)
		ch[j].rc_text = buf_new(0);
	for (i = 0; i < FUZZ_NREQ; i++) {
		if (req_check_result(doc, &fuzz_req[i], &why) != 0)
			continue;
		switch (fuzz_req[i].rq_op) {
		case REQ_OP_GENERATE:
			r = req_reply_generate(&fuzz_req[i], "id", 1, ch, doc);
			break;
		case REQ_OP_EMBED:
			r = req_reply_embed(&fuzz_req[i], doc);
			break;
		default:
			r = req_reply_tokenize(&fuzz_req[i], doc);
			break;
		}
		if (r == NULL)
			abort();
		json_decref(r);
	}
	for (j = 0; j < 4; j++)
		buf_free(ch[j].rc_text);
	if (req_check_models(doc, &why) == 0) {
		if ((r = req_reply_models(doc, NULL)) == NULL)
			abort();
		json_decref(r);
		if ((r = req_reply_models(doc, "m")) != NULL)
			json_decref(r);
	}
}

static void
fuzz_error(json_t *doc)
{
	struct req_error	 err;
	struct buf		*b;
	const char		*why;
	json_t			*e;

	if (req_check_error(doc, &err, &why) != 0)
		return;
	if ((e = req_error_json(&err)) == NULL)
		abort();
	json_decref(e);
	b = buf_new(0);
	if (req_sse_error(b, &err) != 0)
		abort();
	buf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t		*doc;
	unsigned int	 sel;

	if (!fuzz_ready)
		fuzz_init();
	if (len == 0)
		return 0;
	sel = data[0] % (REQ_EP_MAX + 3);
	data++;
	len--;
	if (sel < REQ_EP_MAX) {
		fuzz_body(sel, data, len);
		return 0;
	}
	if ((doc = json_loadb((const char *)data, len, 0, NULL)) == NULL)
		return 0;
	if (json_is_object(doc)) {
		switch (sel - REQ_EP_MAX) {
		case 0:
			fuzz_event(doc);
			break;
		case 1:
			fuzz_result(doc);
			break;
		default:
			fuzz_error(doc);
			break;
		}
	}
	json_decref(doc);
	return 0;
}
