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

#include <float.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "front-request.h"
#include "utf8.h"

/*
 * The OpenAI request bodies and answers, with no I/O: everything here
 * is a function of its arguments, so that the unit tests and the fuzzer
 * can reach all of it.  Error messages name the field at fault and
 * never repeat what the client sent: prompts are secrets.
 */

struct req_numspec {
	const char	*ns_name;
	double		 ns_min;
	double		 ns_max;
	int		 ns_minopen;	/* refuse the minimum itself */
	double		 ns_default;
};

static int	req_invalid(struct req_error *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static int	req_verror(struct req_error *, int, const char *, const char *,
		    const char *, const char *, va_list)
		    __attribute__((format(printf, 6, 0)));
static int	req_missing(struct req_error *, const char *);
static json_t	*req_opt(const json_t *, const char *);
static int	req_token_id(const json_t *);
static int	req_int(const json_t *, const char *, json_int_t, json_int_t,
		    json_int_t, json_int_t *, struct req_error *);
static int	req_bool(const json_t *, const char *, int, int *,
		    struct req_error *);
static int	req_model(const json_t *, json_t *, struct req_error *);
static int	req_content(const json_t *, const char *, struct buf *,
		    struct req_error *);
static int	req_message(const json_t *, size_t, json_t **,
		    struct req_error *);
static int	req_messages(const json_t *, json_t *, struct req_error *);
static int	req_tools(const json_t *, json_t *, struct req_error *);
static int	req_tokens(const json_t *, const char *, size_t, int,
		    json_t **, struct req_error *);
static int	req_inputs(const json_t *, const char *, int, json_t **,
		    size_t *, struct req_error *);
static int	req_stop(const json_t *, json_t *, struct req_error *);
static int	req_logit_bias(const json_t *, json_t *, struct req_error *);
static int	req_sampling(const json_t *, json_t *, uint64_t,
		    struct req_error *);
static int	req_stream(const json_t *, struct req *, struct req_error *);
static int	req_generate(const json_t *, struct req *, uint64_t,
		    struct req_error *);
static int	req_embedding(const json_t *, struct req *,
		    struct req_error *);
static int	req_tokenize(const json_t *, struct req *,
		    struct req_error *);
static int	req_detokenize(const json_t *, struct req *,
		    struct req_error *);
static int	req_bad(const char **, const char *);
static int	req_check_entry(const json_t *, int);
static int	req_check_logprobs(const json_t *);
static json_t	*req_usage(const json_t *, int);
static size_t	req_codepoints(const char *, size_t);
static int	req_put_json(struct buf *, const json_t *);

static const char *const req_roles[] = {
	"system", "user", "assistant", "tool", "developer", NULL
};

static const struct req_numspec req_nums[] = {
	{ "temperature",	0.0,	2.0,	0,	1.0 },
	{ "top_p",		0.0,	1.0,	0,	1.0 },
	{ "min_p",		0.0,	1.0,	0,	0.0 },
	{ "presence_penalty",	-2.0,	2.0,	0,	0.0 },
	{ "frequency_penalty",	-2.0,	2.0,	0,	0.0 },
	{ "repeat_penalty",	0.0,	DBL_MAX, 1,	1.0 },
};

static const char req_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
req_verror(struct req_error *err, int status, const char *type,
    const char *code, const char *param, const char *fmt, va_list ap)
{
	memset(err, 0, sizeof(*err));
	err->re_status = status;
	(void)strlcpy(err->re_type, type, sizeof(err->re_type));
	if (code != NULL)
		(void)strlcpy(err->re_code, code, sizeof(err->re_code));
	if (param != NULL)
		(void)strlcpy(err->re_param, param, sizeof(err->re_param));
	(void)vsnprintf(err->re_message, sizeof(err->re_message), fmt, ap);
	/* What was cut to fit must still be UTF-8 for the JSON. */
	utf8_trim(err->re_type);
	utf8_trim(err->re_code);
	utf8_trim(err->re_param);
	utf8_trim(err->re_message);
	return -1;
}

int
req_set_error(struct req_error *err, int status, const char *type,
    const char *code, const char *param, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)req_verror(err, status, type, code, param, fmt, ap);
	va_end(ap);
	return -1;
}

/* 400 invalid_value for param; the message says what was expected. */
static int
req_invalid(struct req_error *err, const char *param, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)req_verror(err, 400, "invalid_request_error", "invalid_value",
	    param, fmt, ap);
	va_end(ap);
	return -1;
}

static int
req_missing(struct req_error *err, const char *param)
{
	return req_set_error(err, 400, "invalid_request_error",
	    "missing_required_parameter", param,
	    "Missing required parameter: '%s'.", param);
}

json_t *
req_error_json(const struct req_error *err)
{
	return json_pack("{s:{s:s, s:s, s:s?, s:s?}}", "error",
	    "message", err->re_message, "type", err->re_type,
	    "param", err->re_param[0] != '\0' ? err->re_param : NULL,
	    "code", err->re_code[0] != '\0' ? err->re_code : NULL);
}

/* An optional member: absent and null are the same. */
static json_t *
req_opt(const json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) == NULL || json_is_null(v))
		return NULL;
	return v;
}

static int
req_token_id(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= REQ_MAX_TOKEN_ID;
}

static int
req_int(const json_t *body, const char *key, json_int_t min, json_int_t max,
    json_int_t def, json_int_t *out, struct req_error *err)
{
	json_t	*v;

	*out = def;
	if ((v = req_opt(body, key)) == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		if (max >= INT32_MAX)
			return req_invalid(err, key, "'%s' must be an integer"
			    " of at least %lld.", key, (long long)min);
		return req_invalid(err, key, "'%s' must be an integer from"
		    " %lld to %lld.", key, (long long)min, (long long)max);
	}
	*out = json_integer_value(v);
	return 0;
}

static int
req_bool(const json_t *body, const char *key, int def, int *out,
    struct req_error *err)
{
	json_t	*v;

	*out = def;
	if ((v = req_opt(body, key)) == NULL)
		return 0;
	if (!json_is_boolean(v))
		return req_invalid(err, key, "'%s' must be a boolean.", key);
	*out = json_is_true(v);
	return 0;
}

static int
req_model(const json_t *body, json_t *doc, struct req_error *err)
{
	json_t	*v;

	if ((v = req_opt(body, "model")) == NULL)
		return req_missing(err, "model");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > REQ_MAX_MODEL_BYTES)
		return req_invalid(err, "model", "'model' must be the name of"
		    " a model (a non-empty string of at most %d bytes).",
		    REQ_MAX_MODEL_BYTES);
	json_object_set_new(doc, "model", json_stringn(json_string_value(v),
	    json_string_length(v)));
	return 0;
}

/*
 * A message's content: a string, or an array of text parts whose texts
 * are concatenated.
 */
static int
req_content(const json_t *v, const char *param, struct buf *text,
    struct req_error *err)
{
	json_t	*part, *t;
	size_t	 i;

	if (json_is_string(v))
		return buf_put(text, json_string_value(v),
		    json_string_length(v)) == 0 ? 0 : req_invalid(err, param,
		    "'%s' is too long.", param);
	if (!json_is_array(v))
		return req_invalid(err, param, "'%s' must be a string or an"
		    " array of content parts.", param);
	json_array_foreach(v, i, part) {
		if (!json_is_object(part) ||
		    !json_is_string(json_object_get(part, "type")))
			return req_invalid(err, param, "'%s' part %zu must be"
			    " an object with a 'type'.", param, i);
		if (strcmp(json_string_value(json_object_get(part, "type")),
		    "text") != 0)
			return req_invalid(err, param, "'%s' part %zu: only"
			    " 'text' parts are supported.", param, i);
		if (!json_is_string(t = json_object_get(part, "text")))
			return req_invalid(err, param, "'%s' part %zu must"
			    " have a string 'text'.", param, i);
		if (buf_put(text, json_string_value(t),
		    json_string_length(t)) != 0)
			return req_invalid(err, param, "'%s' is too long.",
			    param);
	}
	return 0;
}

static int
req_message(const json_t *m, size_t i, json_t **out, struct req_error *err)
{
	json_t		*role, *content, *calls, *v, *msg;
	struct buf	*text;
	char		 param[REQ_ERR_PARAM_BYTES];
	size_t		 j, k;
	static const char *const passed[] = { "name", "tool_call_id", NULL };

	*out = NULL;
	snprintf(param, sizeof(param), "messages[%zu]", i);
	if (!json_is_object(m))
		return req_invalid(err, param, "'%s' must be an object.",
		    param);
	snprintf(param, sizeof(param), "messages[%zu].role", i);
	if ((role = req_opt(m, "role")) == NULL)
		return req_missing(err, param);
	for (j = 0; req_roles[j] != NULL; j++)
		if (json_is_string(role) &&
		    strcmp(json_string_value(role), req_roles[j]) == 0)
			break;
	if (req_roles[j] == NULL)
		return req_invalid(err, param, "'%s' must be one of system,"
		    " user, assistant, tool or developer.", param);
	snprintf(param, sizeof(param), "messages[%zu].tool_calls", i);
	if ((calls = req_opt(m, "tool_calls")) != NULL) {
		if (!json_is_array(calls))
			return req_invalid(err, param, "'%s' must be an array"
			    " of objects.", param);
		json_array_foreach(calls, k, v)
			if (!json_is_object(v))
				return req_invalid(err, param, "'%s' must be"
				    " an array of objects.", param);
	}
	for (j = 0; passed[j] != NULL; j++) {
		snprintf(param, sizeof(param), "messages[%zu].%s", i,
		    passed[j]);
		if ((v = req_opt(m, passed[j])) != NULL && !json_is_string(v))
			return req_invalid(err, param, "'%s' must be a"
			    " string.", param);
	}
	snprintf(param, sizeof(param), "messages[%zu].content", i);
	/* Only an assistant message that calls tools may lack content. */
	content = req_opt(m, "content");
	if (content == NULL && !(strcmp(json_string_value(role),
	    "assistant") == 0 && calls != NULL && json_array_size(calls) > 0))
		return req_missing(err, param);
	if ((text = buf_new(0)) == NULL)
		return req_invalid(err, param, "'%s' is too long.", param);
	if (content != NULL && req_content(content, param, text, err) != 0) {
		buf_free(text);
		return -1;
	}
	msg = json_pack("{s:O, s:s%}", "role", role, "content",
	    buf_len(text) == 0 ? "" : (const char *)buf_ptr(text),
	    buf_len(text));
	buf_free(text);
	if (msg == NULL)
		return req_invalid(err, param, "'%s' is not valid text.",
		    param);
	for (j = 0; passed[j] != NULL; j++)
		if ((v = req_opt(m, passed[j])) != NULL)
			json_object_set(msg, passed[j], v);
	if (calls != NULL)
		json_object_set_new(msg, "tool_calls", json_deep_copy(calls));
	*out = msg;
	return 0;
}

static int
req_messages(const json_t *body, json_t *doc, struct req_error *err)
{
	json_t	*v, *m, *arr, *msg;
	size_t	 i;

	if ((v = req_opt(body, "messages")) == NULL)
		return req_missing(err, "messages");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return req_invalid(err, "messages", "'messages' must be a"
		    " non-empty array of messages.");
	arr = json_array();
	json_array_foreach(v, i, m) {
		if (req_message(m, i, &msg, err) != 0) {
			json_decref(arr);
			return -1;
		}
		json_array_append_new(arr, msg);
	}
	json_object_set_new(doc, "messages", arr);
	return 0;
}

static int
req_tools(const json_t *body, json_t *doc, struct req_error *err)
{
	json_t	*v, *t;
	size_t	 i;

	if ((v = req_opt(body, "tools")) == NULL)
		return 0;
	if (!json_is_array(v))
		return req_invalid(err, "tools", "'tools' must be an array of"
		    " objects.");
	json_array_foreach(v, i, t)
		if (!json_is_object(t))
			return req_invalid(err, "tools", "'tools' must be an"
			    " array of objects.");
	json_object_set_new(doc, "tools", json_deep_copy(v));
	return 0;
}

/* A non-empty array of token ids, copied. */
static int
req_tokens(const json_t *v, const char *param, size_t index, int empty_ok,
    json_t **out, struct req_error *err)
{
	json_t	*t;
	size_t	 i;

	*out = NULL;
	if (!json_is_array(v) || (!empty_ok && json_array_size(v) == 0))
		return req_invalid(err, param, "'%s' item %zu must be a"
		    " non-empty array of token ids.", param, index);
	json_array_foreach(v, i, t)
		if (!req_token_id(t))
			return req_invalid(err, param, "'%s' item %zu: token"
			    " ids are integers from 0 to %d.", param, index,
			    REQ_MAX_TOKEN_ID);
	*out = json_deep_copy(v);
	return 0;
}

/*
 * A prompt or an embedding input: a string, an array of strings, an
 * array of token ids or an array of arrays of token ids.  The result is
 * always an array of strings or of token id arrays.
 */
static int
req_inputs(const json_t *v, const char *param, int empty_ok, json_t **out,
    size_t *count, struct req_error *err)
{
	json_t	*arr, *item, *t;
	size_t	 i;

	*out = NULL;
	*count = 0;
	if (json_is_string(v)) {
		if (!empty_ok && json_string_length(v) == 0)
			return req_invalid(err, param, "'%s' must not be"
			    " empty.", param);
		*out = json_pack("[O]", v);
		*count = 1;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return req_invalid(err, param, "'%s' must be a string or a"
		    " non-empty array of strings, token ids or arrays of token"
		    " ids.", param);
	/* One prompt of token ids, as long as the body allows. */
	if (json_is_integer(json_array_get(v, 0))) {
		if (req_tokens(v, param, 0, 0, &t, err) != 0)
			return -1;
		*out = json_pack("[o]", t);
		*count = 1;
		return 0;
	}
	if (json_array_size(v) > REQ_MAX_INPUTS)
		return req_invalid(err, param, "'%s' may have at most %d"
		    " items.", param, REQ_MAX_INPUTS);
	arr = json_array();
	json_array_foreach(v, i, item) {
		if (json_is_string(json_array_get(v, 0)) &&
		    json_is_string(item)) {
			if (!empty_ok && json_string_length(item) == 0)
				break;
			json_array_append(arr, item);
		} else if (json_is_array(json_array_get(v, 0))) {
			if (req_tokens(item, param, i, 0, &t, err) != 0) {
				json_decref(arr);
				return -1;
			}
			json_array_append_new(arr, t);
		} else
			break;
	}
	if (i != json_array_size(v)) {
		json_decref(arr);
		return req_invalid(err, param, "'%s' item %zu must be a"
		    " non-empty %s like the first.", param, i,
		    json_is_string(json_array_get(v, 0)) ? "string" :
		    "array of token ids");
	}
	*out = arr;
	*count = i;
	return 0;
}

static int
req_stop(const json_t *body, json_t *doc, struct req_error *err)
{
	json_t	*v, *s, *arr;
	size_t	 i;

	arr = json_array();
	json_object_set_new(doc, "stop", arr);
	if ((v = req_opt(body, "stop")) == NULL)
		return 0;
	if (json_is_string(v) && json_string_length(v) > 0) {
		json_array_append(arr, v);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > REQ_MAX_STOP)
		return req_invalid(err, "stop", "'stop' must be a non-empty"
		    " string or an array of at most %d of them.",
		    REQ_MAX_STOP);
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || json_string_length(s) == 0)
			return req_invalid(err, "stop", "'stop' must be a"
			    " non-empty string or an array of at most %d of"
			    " them.", REQ_MAX_STOP);
		json_array_append(arr, s);
	}
	return 0;
}

/* {"token id": bias} becomes [[id, bias], ...]. */
static int
req_logit_bias(const json_t *body, json_t *doc, struct req_error *err)
{
	json_t		*v, *bias, *arr;
	const char	*key;
	const char	*errstr;
	long long	 id;

	arr = json_array();
	json_object_set_new(doc, "logit_bias", arr);
	if ((v = req_opt(body, "logit_bias")) == NULL)
		return 0;
	if (!json_is_object(v))
		return req_invalid(err, "logit_bias", "'logit_bias' must be"
		    " an object of token ids to numbers.");
	json_object_foreach(v, key, bias) {
		if (key[0] < '0' || key[0] > '9' || strlen(key) > 10)
			return req_invalid(err, "logit_bias", "'logit_bias'"
			    " keys must be token ids.");
		id = strtonum(key, 0, REQ_MAX_TOKEN_ID, &errstr);
		if (errstr != NULL)
			return req_invalid(err, "logit_bias", "'logit_bias'"
			    " keys must be token ids.");
		if (!json_is_number(bias) || json_number_value(bias) < -100.0 ||
		    json_number_value(bias) > 100.0)
			return req_invalid(err, "logit_bias", "'logit_bias'"
			    " values must be numbers from -100 to 100.");
		json_array_append_new(arr, json_pack("[I, f]",
		    (json_int_t)id, json_number_value(bias)));
	}
	return 0;
}

/* Fold any integer seed into PROTOCOL's 0 .. 2^53. */
uint64_t
req_seed_fold(json_int_t v)
{
	if (v >= 0 && (uint64_t)v <= REQ_SEED_MAX)
		return (uint64_t)v;
	return (uint64_t)v & (REQ_SEED_MAX - 1);
}

static int
req_sampling(const json_t *body, json_t *doc, uint64_t seed,
    struct req_error *err)
{
	const struct req_numspec	*ns;
	json_t				*v;
	json_int_t			 k;
	size_t				 i;
	double				 d;
	int				 ign;

	for (i = 0; i < sizeof(req_nums) / sizeof(req_nums[0]); i++) {
		ns = &req_nums[i];
		d = ns->ns_default;
		if ((v = req_opt(body, ns->ns_name)) != NULL) {
			if (!json_is_number(v))
				return req_invalid(err, ns->ns_name, "'%s' must"
				    " be a number.", ns->ns_name);
			d = json_number_value(v);
			if (d < ns->ns_min || d > ns->ns_max ||
			    (ns->ns_minopen && d == ns->ns_min)) {
				if (ns->ns_max == DBL_MAX)
					return req_invalid(err, ns->ns_name,
					    "'%s' must be greater than %g.",
					    ns->ns_name, ns->ns_min);
				return req_invalid(err, ns->ns_name, "'%s' must"
				    " be a number from %g to %g.", ns->ns_name,
				    ns->ns_min, ns->ns_max);
			}
		}
		json_object_set_new(doc, ns->ns_name, json_real(d));
	}
	if (req_int(body, "top_k", 0, INT32_MAX, 0, &k, err) != 0)
		return -1;
	json_object_set_new(doc, "top_k", json_integer(k));
	seed &= REQ_SEED_MAX - 1;
	if ((v = req_opt(body, "seed")) != NULL) {
		if (!json_is_integer(v))
			return req_invalid(err, "seed", "'seed' must be an"
			    " integer.");
		seed = req_seed_fold(json_integer_value(v));
	}
	json_object_set_new(doc, "seed", json_integer((json_int_t)seed));
	/* llama.cpp's extension: generate past end-of-generation tokens. */
	if (req_bool(body, "ignore_eos", 0, &ign, err) != 0)
		return -1;
	json_object_set_new(doc, "ignore_eos", json_boolean(ign));
	if (req_stop(body, doc, err) != 0 ||
	    req_logit_bias(body, doc, err) != 0)
		return -1;
	return 0;
}

static int
req_stream(const json_t *body, struct req *rq, struct req_error *err)
{
	json_t	*opts;

	if (req_bool(body, "stream", 0, &rq->rq_stream, err) != 0)
		return -1;
	if ((opts = req_opt(body, "stream_options")) == NULL)
		return 0;
	if (!json_is_object(opts))
		return req_invalid(err, "stream_options", "'stream_options'"
		    " must be an object.");
	if (req_bool(opts, "include_usage", 0, &rq->rq_usage, err) != 0) {
		(void)strlcpy(err->re_param, "stream_options.include_usage",
		    sizeof(err->re_param));
		return -1;
	}
	if (!rq->rq_stream)
		rq->rq_usage = 0;
	return 0;
}

static int
req_generate(const json_t *body, struct req *rq, uint64_t seed,
    struct req_error *err)
{
	json_t		*doc = rq->rq_doc, *v, *prompts;
	json_int_t	 n, max, top = 0, lp;
	int		 chat = rq->rq_ep == REQ_EP_CHAT, logprobs;

	json_object_set_new(doc, "kind", json_string(chat ? "chat" :
	    "completion"));
	if (chat) {
		if (req_messages(body, doc, err) != 0 ||
		    req_tools(body, doc, err) != 0)
			return -1;
		rq->rq_nprompts = 1;
	} else {
		if ((v = req_opt(body, "prompt")) == NULL)
			return req_missing(err, "prompt");
		if (req_inputs(v, "prompt", 1, &prompts, &rq->rq_nprompts,
		    err) != 0)
			return -1;
		json_object_set_new(doc, "prompts", prompts);
	}
	if (req_int(body, "max_tokens", 1, REQ_MAX_TOKENS, 0, &max, err) != 0 ||
	    req_int(body, "max_completion_tokens", 1, REQ_MAX_TOKENS, max,
	    &max, err) != 0)
		return -1;
	if (max > 0)
		json_object_set_new(doc, "max_tokens", json_integer(max));
	if (req_int(body, "n", 1, REQ_MAX_N, 1, &n, err) != 0)
		return -1;
	rq->rq_n = (size_t)n;
	if (rq->rq_nprompts > REQ_MAX_CHOICES / rq->rq_n)
		return req_invalid(err, "n", "'n' times the number of prompts"
		    " must be at most %d.", REQ_MAX_CHOICES);
	rq->rq_nchoices = rq->rq_n * rq->rq_nprompts;
	json_object_set_new(doc, "n", json_integer(n));
	if (req_sampling(body, doc, seed, err) != 0)
		return -1;
	if (chat) {
		if (req_bool(body, "logprobs", 0, &logprobs, err) != 0 ||
		    req_int(body, "top_logprobs", 0, REQ_MAX_TOP_LOGPROBS, 0,
		    &top, err) != 0)
			return -1;
		if (top > 0 && !logprobs)
			return req_invalid(err, "top_logprobs", "'top_logprobs'"
			    " needs 'logprobs' set to true.");
	} else {
		if (req_int(body, "logprobs", 0, REQ_MAX_LEGACY_LOGPROBS, -1,
		    &lp, err) != 0)
			return -1;
		logprobs = lp >= 0;
		top = lp > 0 ? lp : 0;
	}
	rq->rq_logprobs = logprobs;
	json_object_set_new(doc, "logprobs", json_boolean(logprobs));
	json_object_set_new(doc, "top_logprobs", json_integer(top));
	return req_stream(body, rq, err);
}

static int
req_embedding(const json_t *body, struct req *rq, struct req_error *err)
{
	json_t		*v, *inputs;
	const char	*fmt;

	if ((v = req_opt(body, "input")) == NULL)
		return req_missing(err, "input");
	if (req_inputs(v, "input", 0, &inputs, &rq->rq_ninputs, err) != 0)
		return -1;
	json_object_set_new(rq->rq_doc, "inputs", inputs);
	if ((v = req_opt(body, "encoding_format")) != NULL) {
		fmt = json_is_string(v) ? json_string_value(v) : "";
		if (strcmp(fmt, "base64") == 0)
			rq->rq_base64 = 1;
		else if (strcmp(fmt, "float") != 0)
			return req_invalid(err, "encoding_format",
			    "'encoding_format' must be \"float\" or"
			    " \"base64\".");
	}
	return 0;
}

static int
req_tokenize(const json_t *body, struct req *rq, struct req_error *err)
{
	json_t	*content;
	int	 special;

	content = req_opt(body, "content");
	if (content != NULL && req_opt(body, "messages") != NULL)
		return req_invalid(err, "content", "Give either 'content' or"
		    " 'messages', not both.");
	if (content != NULL) {
		if (!json_is_string(content))
			return req_invalid(err, "content", "'content' must be"
			    " a string.");
		json_object_set(rq->rq_doc, "content", content);
	} else if (req_opt(body, "messages") != NULL) {
		if (req_messages(body, rq->rq_doc, err) != 0 ||
		    req_tools(body, rq->rq_doc, err) != 0)
			return -1;
	} else
		return req_missing(err, "content");
	if (req_bool(body, "add_special", 1, &special, err) != 0)
		return -1;
	json_object_set_new(rq->rq_doc, "add_special", json_boolean(special));
	return 0;
}

static int
req_detokenize(const json_t *body, struct req *rq, struct req_error *err)
{
	json_t	*v, *tokens;

	if ((v = req_opt(body, "tokens")) == NULL)
		return req_missing(err, "tokens");
	if (req_tokens(v, "tokens", 0, 1, &tokens, err) != 0)
		return req_invalid(err, "tokens", "'tokens' must be an array"
		    " of token ids (integers from 0 to %d).",
		    REQ_MAX_TOKEN_ID);
	json_object_set_new(rq->rq_doc, "tokens", tokens);
	return 0;
}

/*
 * Check a client's body for an endpoint and build inferd's document.
 * seed is used when the client gave none.  On error, err says what to
 * answer and rq holds nothing.
 */
int
req_parse(enum req_endpoint ep, const void *body, size_t len, uint64_t seed,
    struct req *rq, struct req_error *err)
{
	static const enum req_op ops[REQ_EP_MAX] = {
		REQ_OP_GENERATE, REQ_OP_GENERATE, REQ_OP_EMBED,
		REQ_OP_TOKENIZE, REQ_OP_DETOKENIZE
	};
	json_error_t	 jerr;
	json_t		*obj;
	int		 r;

	memset(rq, 0, sizeof(*rq));
	memset(err, 0, sizeof(*err));
	if ((unsigned int)ep >= REQ_EP_MAX)
		return req_set_error(err, 404, "invalid_request_error",
		    "not_found", NULL, "No such endpoint.");
	if ((obj = json_loadb(body, len, JSON_ALLOW_NUL, &jerr)) == NULL)
		return req_set_error(err, 400, "invalid_request_error",
		    "invalid_json", NULL, "The request body is not valid JSON"
		    " (line %d, column %d).", jerr.line, jerr.column);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return req_set_error(err, 400, "invalid_request_error",
		    "invalid_json", NULL, "The request body must be a JSON"
		    " object.");
	}
	rq->rq_ep = ep;
	rq->rq_op = ops[ep];
	rq->rq_n = rq->rq_nprompts = rq->rq_nchoices = 1;
	rq->rq_doc = json_object();
	if ((r = req_model(obj, rq->rq_doc, err)) == 0) {
		switch (ep) {
		case REQ_EP_CHAT:
		case REQ_EP_COMPLETION:
			r = req_generate(obj, rq, seed, err);
			break;
		case REQ_EP_EMBEDDING:
			r = req_embedding(obj, rq, err);
			break;
		case REQ_EP_TOKENIZE:
			r = req_tokenize(obj, rq, err);
			break;
		default:
			r = req_detokenize(obj, rq, err);
			break;
		}
	}
	json_decref(obj);
	if (r != 0) {
		req_clear(rq);
		return -1;
	}
	rq->rq_model = json_string_value(json_object_get(rq->rq_doc, "model"));
	return 0;
}

void
req_clear(struct req *rq)
{
	if (rq->rq_doc != NULL)
		json_decref(rq->rq_doc);
	memset(rq, 0, sizeof(*rq));
}

static int
req_bad(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/* {"token", "bytes": [0-255], "logprob"[, "top_logprobs": [...]]} */
static int
req_check_entry(const json_t *e, int top)
{
	json_t	*bytes, *b, *tops, *t;
	size_t	 i;

	if (!json_is_object(e) ||
	    !json_is_string(json_object_get(e, "token")) ||
	    !json_is_number(json_object_get(e, "logprob")) ||
	    !json_is_array(bytes = json_object_get(e, "bytes")))
		return -1;
	json_array_foreach(bytes, i, b)
		if (!json_is_integer(b) || json_integer_value(b) < 0 ||
		    json_integer_value(b) > 255)
			return -1;
	if (!top)
		return 0;
	if (!json_is_array(tops = json_object_get(e, "top_logprobs")))
		return -1;
	json_array_foreach(tops, i, t)
		if (req_check_entry(t, 0) != 0)
			return -1;
	return 0;
}

static int
req_check_logprobs(const json_t *lp)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(lp))
		return -1;
	json_array_foreach(lp, i, e)
		if (req_check_entry(e, 1) != 0)
			return -1;
	return 0;
}

/* A generation's EVENT: {"index", "text"[, "logprobs"][, "finish_reason"]} */
int
req_check_event(const json_t *ev, const struct req *rq,
    struct req_event *out, const char **why)
{
	json_t		*v;
	const char	*f;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (rq->rq_op != REQ_OP_GENERATE)
		return req_bad(why, "EVENT for a request that is not a"
		    " generation");
	v = json_object_get(ev, "index");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) >= rq->rq_nchoices)
		return req_bad(why, "EVENT index out of range");
	out->ev_index = (size_t)json_integer_value(v);
	if (!json_is_string(v = json_object_get(ev, "text")))
		return req_bad(why, "EVENT without text");
	out->ev_text = json_string_value(v);
	out->ev_textlen = json_string_length(v);
	if ((v = json_object_get(ev, "logprobs")) != NULL) {
		if (req_check_logprobs(v) != 0)
			return req_bad(why, "EVENT logprobs malformed");
		out->ev_logprobs = v;
	}
	if ((v = json_object_get(ev, "finish_reason")) != NULL) {
		f = json_is_string(v) ? json_string_value(v) : "";
		if (strcmp(f, "stop") == 0)
			out->ev_finish = "stop";
		else if (strcmp(f, "length") == 0)
			out->ev_finish = "length";
		else
			return req_bad(why, "EVENT finish_reason unknown");
	}
	return 0;
}

static int
req_count(const json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= INT32_MAX;
}

/* A RESULT, for each op its own members (PROTOCOL section 3). */
int
req_check_result(const json_t *res, const struct req *rq, const char **why)
{
	json_t	*data, *vec, *x, *t;
	size_t	 i, j, dim = 0;

	*why = "RESULT malformed";
	if (rq->rq_op != REQ_OP_MODELS &&
	    !json_is_string(json_object_get(res, "model")))
		return -1;
	switch (rq->rq_op) {
	case REQ_OP_GENERATE:
		if (!req_count(res, "prompt_tokens") ||
		    !req_count(res, "completion_tokens"))
			return -1;
		break;
	case REQ_OP_EMBED:
		data = json_object_get(res, "data");
		if (!req_count(res, "prompt_tokens") || !json_is_array(data) ||
		    json_array_size(data) != rq->rq_ninputs)
			return -1;
		json_array_foreach(data, i, vec) {
			if (!json_is_array(vec) || json_array_size(vec) == 0 ||
			    (i > 0 && json_array_size(vec) != dim))
				return -1;
			dim = json_array_size(vec);
			json_array_foreach(vec, j, x)
				if (!json_is_number(x))
					return -1;
		}
		break;
	case REQ_OP_TOKENIZE:
		if (!json_is_array(data = json_object_get(res, "tokens")))
			return -1;
		json_array_foreach(data, i, t)
			if (!json_is_object(t) || !req_count(t, "id") ||
			    !req_count(t, "start") || !req_count(t, "end") ||
			    !json_is_string(json_object_get(t, "piece")) ||
			    json_integer_value(json_object_get(t, "start")) >
			    json_integer_value(json_object_get(t, "end")))
				return -1;
		break;
	case REQ_OP_DETOKENIZE:
		if (!json_is_string(json_object_get(res, "content")))
			return -1;
		break;
	case REQ_OP_MODELS:
		return req_check_models(res, why);
	}
	*why = NULL;
	return 0;
}

int
req_check_models(const json_t *res, const char **why)
{
	json_t	*data, *m, *v;
	size_t	 i;

	*why = "models RESULT malformed";
	if (!json_is_array(data = json_object_get(res, "data")))
		return -1;
	json_array_foreach(data, i, m) {
		if (!json_is_object(m) ||
		    !json_is_string(json_object_get(m, "id")) ||
		    !json_is_integer(json_object_get(m, "created")) ||
		    !json_is_integer(json_object_get(m, "size")) ||
		    !json_is_boolean(json_object_get(m, "loaded")))
			return -1;
		v = json_object_get(m, "sha256");
		if (!json_is_string(v) && !json_is_null(v))
			return -1;
		v = json_object_get(m, "error");
		if (v != NULL && !json_is_string(v))
			return -1;
	}
	*why = NULL;
	return 0;
}

/* An ERROR: {"status", "type", "code", "param", "message"}. */
int
req_check_error(const json_t *doc, struct req_error *err, const char **why)
{
	json_t		*st, *ty, *co, *pa, *me;
	json_int_t	 s;

	*why = "ERROR malformed";
	st = json_object_get(doc, "status");
	ty = json_object_get(doc, "type");
	co = json_object_get(doc, "code");
	pa = json_object_get(doc, "param");
	me = json_object_get(doc, "message");
	if (!json_is_integer(st) || !json_is_string(ty) ||
	    !json_is_string(me) || (!json_is_string(co) && !json_is_null(co)) ||
	    (!json_is_string(pa) && !json_is_null(pa)))
		return -1;
	s = json_integer_value(st);
	if (s != 400 && s != 404 && s != 500 && s != 503)
		return req_bad(why, "ERROR status not allowed");
	(void)req_set_error(err, (int)s, json_string_value(ty),
	    json_is_string(co) ? json_string_value(co) : NULL,
	    json_is_string(pa) ? json_string_value(pa) : NULL, "%s",
	    json_string_value(me));
	*why = NULL;
	return 0;
}

static json_t *
req_usage(const json_t *res, int total_only)
{
	json_int_t	p, c;

	p = json_integer_value(json_object_get(res, "prompt_tokens"));
	c = json_integer_value(json_object_get(res, "completion_tokens"));
	if (total_only)
		return json_pack("{s:I, s:I}", "prompt_tokens", p,
		    "total_tokens", p);
	return json_pack("{s:I, s:I, s:I}", "prompt_tokens", p,
	    "completion_tokens", c, "total_tokens", p + c);
}

/* Code points in UTF-8 text (OpenAI's text_offset counts characters). */
static size_t
req_codepoints(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (((u_char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Chat token entries in the legacy completions shape: tokens,
 * token_logprobs, top_logprobs ({token: logprob}) and text_offset.
 */
json_t *
req_legacy_logprobs(const json_t *entries, size_t *offset)
{
	json_t		*lp, *e, *t, *top;
	json_t		*tokens, *lps, *tops, *offs;
	size_t		 i, j;
	const char	*tok;

	tokens = json_array();
	lps = json_array();
	tops = json_array();
	offs = json_array();
	json_array_foreach(entries, i, e) {
		tok = json_string_value(json_object_get(e, "token"));
		json_array_append_new(tokens, json_string(tok));
		json_array_append(lps, json_object_get(e, "logprob"));
		top = json_object();
		json_array_foreach(json_object_get(e, "top_logprobs"), j, t)
			json_object_set(top, json_string_value(
			    json_object_get(t, "token")),
			    json_object_get(t, "logprob"));
		json_array_append_new(tops, top);
		json_array_append_new(offs, json_integer((json_int_t)*offset));
		*offset += req_codepoints(tok, json_string_length(
		    json_object_get(e, "token")));
	}
	lp = json_pack("{s:o, s:o, s:o, s:o}", "tokens", tokens,
	    "token_logprobs", lps, "top_logprobs", tops, "text_offset", offs);
	return lp;
}

/* The answer to a chat or completion request that did not stream. */
json_t *
req_reply_generate(const struct req *rq, const char *id, int64_t created,
    struct req_choice *ch, const json_t *result)
{
	json_t		*choices, *c, *lp, *text;
	size_t		 i;
	int		 chat = rq->rq_ep == REQ_EP_CHAT;

	choices = json_array();
	for (i = 0; i < rq->rq_nchoices; i++) {
		text = json_stringn(buf_len(ch[i].rc_text) == 0 ? "" :
		    (const char *)buf_ptr(ch[i].rc_text),
		    buf_len(ch[i].rc_text));
		if (text == NULL)
			text = json_string("");
		lp = json_null();
		if (ch[i].rc_logprobs != NULL) {
			json_decref(lp);
			if (chat)
				lp = json_pack("{s:O, s:n}", "content",
				    ch[i].rc_logprobs, "refusal");
			else
				lp = req_legacy_logprobs(ch[i].rc_logprobs,
				    &ch[i].rc_offset);
		}
		if (chat)
			c = json_pack("{s:I, s:{s:s, s:o, s:n}, s:o, s:s}",
			    "index", (json_int_t)i, "message", "role",
			    "assistant", "content", text, "refusal",
			    "logprobs", lp, "finish_reason",
			    ch[i].rc_finish != NULL ? ch[i].rc_finish : "stop");
		else
			c = json_pack("{s:o, s:I, s:o, s:s}", "text", text,
			    "index", (json_int_t)i, "logprobs", lp,
			    "finish_reason",
			    ch[i].rc_finish != NULL ? ch[i].rc_finish : "stop");
		json_array_append_new(choices, c);
	}
	return json_pack("{s:s, s:s, s:I, s:O, s:s, s:o, s:o}", "id", id,
	    "object", chat ? "chat.completion" : "text_completion",
	    "created", (json_int_t)created,
	    "model", json_object_get(result, "model"),
	    "system_fingerprint", REQ_FINGERPRINT, "choices", choices,
	    "usage", req_usage(result, 0));
}

/* Embeddings: floats as they came, or base64 of little-endian float32. */
json_t *
req_reply_embed(const struct req *rq, const json_t *result)
{
	json_t		*data, *vec, *x, *emb;
	struct buf	*raw, *b64;
	size_t		 i, j;
	uint32_t	 u;
	float		 f;
	u_char		 le[4];

	data = json_array();
	json_array_foreach(json_object_get(result, "data"), i, vec) {
		if (rq->rq_base64) {
			if ((raw = buf_new(0)) == NULL ||
			    (b64 = buf_new(0)) == NULL) {
				buf_free(raw);
				json_decref(data);
				return NULL;
			}
			json_array_foreach(vec, j, x) {
				f = (float)json_number_value(x);
				memcpy(&u, &f, sizeof(u));
				le[0] = u & 0xff;
				le[1] = (u >> 8) & 0xff;
				le[2] = (u >> 16) & 0xff;
				le[3] = (u >> 24) & 0xff;
				(void)buf_put(raw, le, sizeof(le));
			}
			if (req_base64(b64, buf_ptr(raw), buf_len(raw)) != 0)
				emb = json_string("");
			else
				emb = json_stringn((const char *)buf_ptr(b64),
				    buf_len(b64));
			buf_free(raw);
			buf_free(b64);
		} else
			emb = json_deep_copy(vec);
		json_array_append_new(data, json_pack("{s:s, s:I, s:o}",
		    "object", "embedding", "index", (json_int_t)i,
		    "embedding", emb));
	}
	return json_pack("{s:s, s:o, s:O, s:o}", "object", "list",
	    "data", data, "model", json_object_get(result, "model"),
	    "usage", req_usage(result, 1));
}

/* /v1/tokenize answers {model, tokens}; /v1/detokenize {model, content}. */
json_t *
req_reply_tokenize(const struct req *rq, const json_t *result)
{
	if (rq->rq_op == REQ_OP_TOKENIZE)
		return json_pack("{s:O, s:O}", "model",
		    json_object_get(result, "model"),
		    "tokens", json_object_get(result, "tokens"));
	return json_pack("{s:O, s:O}", "model",
	    json_object_get(result, "model"),
	    "content", json_object_get(result, "content"));
}

/*
 * The OpenAI model list from inferd's models RESULT, or the one model
 * called id (NULL if there is none).  Models inferd refused are not
 * served, so not listed.
 */
json_t *
req_reply_models(const json_t *result, const char *id)
{
	json_t	*data, *m, *o;
	size_t	 i;

	data = json_array();
	json_array_foreach(json_object_get(result, "data"), i, m) {
		if (json_object_get(m, "error") != NULL)
			continue;
		if (id != NULL && strcmp(id,
		    json_string_value(json_object_get(m, "id"))) != 0)
			continue;
		o = json_pack("{s:O, s:s, s:O, s:s, s:s, s:O, s:O, s:O}",
		    "id", json_object_get(m, "id"), "object", "model",
		    "created", json_object_get(m, "created"),
		    "owned_by", "power", "format", "gguf",
		    "size", json_object_get(m, "size"),
		    "sha256", json_object_get(m, "sha256"),
		    "loaded", json_object_get(m, "loaded"));
		if (id != NULL) {
			json_decref(data);
			return o;
		}
		json_array_append_new(data, o);
	}
	if (id != NULL) {
		json_decref(data);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

/* Is id a configured model that inferd refused (its checks failed)? */
int
req_model_refused(const json_t *result, const char *id)
{
	json_t	*m;
	size_t	 i;

	json_array_foreach(json_object_get(result, "data"), i, m) {
		if (strcmp(id, json_string_value(json_object_get(m, "id"))) ==
		    0)
			return json_object_get(m, "error") != NULL;
	}
	return 0;
}

/* A JSON string with its quotes; s is UTF-8 without NUL (from jansson). */
int
req_json_string(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, run = 0;
	char			 esc[6];
	u_char			 c;

	if (buf_put(b, "\"", 1) != 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (u_char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		/* Copy the plain run before this byte in one go. */
		if (buf_put(b, s + run, i - run) != 0)
			return -1;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			if (buf_put(b, esc, 6) != 0)
				return -1;
			continue;
		}
		if (buf_put(b, esc, 2) != 0)
			return -1;
	}
	if (buf_put(b, s + run, len - run) != 0 || buf_put(b, "\"", 1) != 0)
		return -1;
	return 0;
}

static int
req_put_json(struct buf *b, const json_t *v)
{
	char	*s;
	int	 r;

	if ((s = json_dumps(v, REQ_JSON_FLAGS | JSON_ENCODE_ANY)) == NULL)
		return -1;
	r = buf_put(b, s, strlen(s));
	free(s);
	return r == 0 ? 0 : -1;
}

/*
 * The start of every chunk of a stream, up to the choices:
 * data: {"id":..., "object":..., "created":..., "model":...,
 * "system_fingerprint":..., "choices":[
 */
int
req_sse_head(struct buf *b, const struct req *rq, const char *id,
    int64_t created)
{
	if (buf_putf(b, "data: {\"id\":\"%s\",\"object\":\"%s\","
	    "\"created\":%lld,\"model\":", id, rq->rq_ep == REQ_EP_CHAT ?
	    "chat.completion.chunk" : "text_completion",
	    (long long)created) != 0 ||
	    req_json_string(b, rq->rq_model, strlen(rq->rq_model)) != 0 ||
	    buf_putf(b, ",\"system_fingerprint\":\"%s\",\"choices\":[",
	    REQ_FINGERPRINT) != 0)
		return -1;
	return 0;
}

/* One chunk of a stream about one choice, appended to b. */
int
req_sse_choice(struct buf *b, const struct req *rq, const struct buf *head,
    struct req_choice *ch, size_t index, enum req_delta delta,
    const struct req_event *ev)
{
	json_t		*lp = NULL;
	const char	*finish = NULL;
	int		 r = 0;

	if (buf_putb(b, head) != 0)
		return -1;
	if (delta == REQ_DELTA_TEXT && rq->rq_logprobs &&
	    ev->ev_logprobs != NULL) {
		if (rq->rq_ep == REQ_EP_CHAT)
			lp = json_pack("{s:O, s:n}", "content",
			    ev->ev_logprobs, "refusal");
		else
			lp = req_legacy_logprobs(ev->ev_logprobs,
			    &ch->rc_offset);
	}
	if (delta == REQ_DELTA_FINISH)
		finish = ev->ev_finish != NULL ? ev->ev_finish : "stop";
	if (rq->rq_ep == REQ_EP_CHAT) {
		r |= buf_putf(b, "{\"index\":%zu,\"delta\":", index);
		if (delta == REQ_DELTA_ROLE)
			r |= buf_putf(b, "{\"role\":\"assistant\","
			    "\"content\":\"\"}");
		else if (delta == REQ_DELTA_TEXT) {
			r |= buf_putf(b, "{\"content\":");
			r |= req_json_string(b, ev->ev_text, ev->ev_textlen);
			r |= buf_put(b, "}", 1);
		} else
			r |= buf_put(b, "{}", 2);
	} else {
		r |= buf_putf(b, "{\"text\":");
		if (delta == REQ_DELTA_TEXT)
			r |= req_json_string(b, ev->ev_text, ev->ev_textlen);
		else
			r |= buf_put(b, "\"\"", 2);
		r |= buf_putf(b, ",\"index\":%zu", index);
	}
	r |= buf_putf(b, ",\"logprobs\":");
	if (lp != NULL) {
		r |= req_put_json(b, lp);
		json_decref(lp);
	} else
		r |= buf_put(b, "null", 4);
	if (finish != NULL)
		r |= buf_putf(b, ",\"finish_reason\":\"%s\"}]", finish);
	else
		r |= buf_putf(b, ",\"finish_reason\":null}]");
	r |= buf_putf(b, "%s}\n\n", rq->rq_usage ? ",\"usage\":null" : "");
	return r == 0 ? 0 : -1;
}

/* The last chunk when include_usage is set: no choices, the usage. */
int
req_sse_usage(struct buf *b, const struct buf *head, const json_t *result)
{
	json_t	*u;
	int	 r;

	u = req_usage(result, 0);
	r = buf_putb(b, head);
	if (r == 0)
		r = buf_put(b, "],\"usage\":", 10);
	if (r == 0)
		r = req_put_json(b, u);
	if (r == 0)
		r = buf_put(b, "}\n\n", 3);
	json_decref(u);
	return r == 0 ? 0 : -1;
}

/* An error in a stream that has started: data: {"error":{...}} */
int
req_sse_error(struct buf *b, const struct req_error *err)
{
	json_t	*e;
	int	 r;

	if ((e = req_error_json(err)) == NULL)
		return -1;
	r = buf_put(b, "data: ", 6);
	if (r == 0)
		r = req_put_json(b, e);
	if (r == 0)
		r = buf_put(b, "\n\n", 2);
	json_decref(e);
	return r == 0 ? 0 : -1;
}

/* RFC 4648 base64 with padding. */
int
req_base64(struct buf *b, const u_char *p, size_t len)
{
	char	q[4];
	size_t	i;
	u_int	v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (u_int)p[i] << 16 | (u_int)p[i + 1] << 8 | p[i + 2];
		q[0] = req_b64[v >> 18];
		q[1] = req_b64[(v >> 12) & 0x3f];
		q[2] = req_b64[(v >> 6) & 0x3f];
		q[3] = req_b64[v & 0x3f];
		if (buf_put(b, q, 4) != 0)
			return -1;
	}
	if (i == len)
		return 0;
	v = (u_int)p[i] << 16;
	if (i + 1 < len)
		v |= (u_int)p[i + 1] << 8;
	q[0] = req_b64[v >> 18];
	q[1] = req_b64[(v >> 12) & 0x3f];
	q[2] = i + 1 < len ? req_b64[(v >> 6) & 0x3f] : '=';
	q[3] = '=';
	return buf_put(b, q, 4) == 0 ? 0 : -1;
}
