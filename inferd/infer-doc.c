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

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sandbox.h"
#include "inferd.h"

/*
 * Checking the documents of INFER_REQUEST (PROTOCOL 3): only the
 * members PROTOCOL lists, each of its type, the required ones present.
 * A failure is a violation by the network child, which the caller
 * turns into inferd's exit; the reason names the member, never its
 * value.  Pure functions of the document, fuzzed by fuzz-inferdoc.
 */

/* What a member of a request document must be. */
enum infer_jtype {
	INFER_J_STRING = 1,
	INFER_J_INTEGER,
	INFER_J_NUMBER,
	INFER_J_BOOL,
	INFER_J_ARRAY,
	INFER_J_OBJECT
};

struct infer_member {
	const char		*m_name;
	int			 m_type;	/* enum infer_jtype */
	int			 m_required;
};

static int	infer_bad(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	infer_jtype_ok(const json_t *, int);
static int	infer_streq(const json_t *, const char *);
static int	infer_int_in(const json_t *, const char *, const char *,
		    json_int_t, json_int_t);
static int	infer_check_members(json_t *, const char *,
		    const struct infer_member *, size_t);
static int	infer_check_ids(const json_t *, const char *);
static int	infer_check_inputs(const json_t *, const char *);
static int	infer_check_messages(json_t *);
static int	infer_check_generate(json_t *);
static int	infer_check_embed(json_t *);
static int	infer_check_tokenize(json_t *);
static int	infer_check_detokenize(json_t *);
static int	infer_check_models(json_t *);

static char	*infer_why;
static size_t	 infer_whylen;

static const struct infer_member infer_generate_members[] = {
	{ "model", INFER_J_STRING, 1 },
	{ "kind", INFER_J_STRING, 1 },
	{ "messages", INFER_J_ARRAY, 0 },
	{ "tools", INFER_J_ARRAY, 0 },
	{ "prompts", INFER_J_ARRAY, 0 },
	{ "max_tokens", INFER_J_INTEGER, 0 },
	{ "n", INFER_J_INTEGER, 0 },
	{ "temperature", INFER_J_NUMBER, 0 },
	{ "top_p", INFER_J_NUMBER, 0 },
	{ "min_p", INFER_J_NUMBER, 0 },
	{ "presence_penalty", INFER_J_NUMBER, 0 },
	{ "frequency_penalty", INFER_J_NUMBER, 0 },
	{ "repeat_penalty", INFER_J_NUMBER, 0 },
	{ "top_k", INFER_J_INTEGER, 0 },
	{ "seed", INFER_J_INTEGER, 0 },
	{ "stop", INFER_J_ARRAY, 0 },
	{ "logit_bias", INFER_J_ARRAY, 0 },
	{ "logprobs", INFER_J_BOOL, 0 },
	{ "top_logprobs", INFER_J_INTEGER, 0 },
	{ "ignore_eos", INFER_J_BOOL, 0 },
};

static const struct infer_member infer_message_members[] = {
	{ "role", INFER_J_STRING, 1 },
	{ "content", INFER_J_STRING, 1 },
	{ "name", INFER_J_STRING, 0 },
	{ "tool_call_id", INFER_J_STRING, 0 },
	{ "tool_calls", INFER_J_ARRAY, 0 },
};

static const struct infer_member infer_embed_members[] = {
	{ "model", INFER_J_STRING, 1 },
	{ "inputs", INFER_J_ARRAY, 1 },
};

static const struct infer_member infer_tokenize_members[] = {
	{ "model", INFER_J_STRING, 1 },
	{ "content", INFER_J_STRING, 0 },
	{ "messages", INFER_J_ARRAY, 0 },
	{ "tools", INFER_J_ARRAY, 0 },
	{ "add_special", INFER_J_BOOL, 0 },
};

static const struct infer_member infer_detokenize_members[] = {
	{ "model", INFER_J_STRING, 1 },
	{ "tokens", INFER_J_ARRAY, 1 },
};

#define INFER_NMEMBERS(t)	(sizeof(t) / sizeof((t)[0]))

static int
infer_bad(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(infer_why, infer_whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
infer_jtype_ok(const json_t *v, int type)
{
	switch (type) {
	case INFER_J_STRING:
		return json_is_string(v);
	case INFER_J_INTEGER:
		return json_is_integer(v);
	case INFER_J_NUMBER:
		return json_is_number(v);
	case INFER_J_BOOL:
		return json_is_boolean(v);
	case INFER_J_ARRAY:
		return json_is_array(v);
	case INFER_J_OBJECT:
		return json_is_object(v);
	}
	return 0;
}

/* A JSON string equal to s (which has no NUL inside). */
static int
infer_streq(const json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) &&
	    memcmp(json_string_value(v), s, strlen(s)) == 0;
}

/* Only the members of the table, each of its type; the required ones. */
static int
infer_check_members(json_t *o, const char *what,
    const struct infer_member *tab, size_t n)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, tab[i].m_name) == 0)
				break;
		if (i == n)
			return infer_bad("%s: a member PROTOCOL does not list",
			    what);
		if (!infer_jtype_ok(v, tab[i].m_type))
			return infer_bad("%s: %s has the wrong type", what,
			    tab[i].m_name);
	}
	for (i = 0; i < n; i++)
		if (tab[i].m_required &&
		    json_object_get(o, tab[i].m_name) == NULL)
			return infer_bad("%s: no %s", what, tab[i].m_name);
	return 0;
}

/* An integer member, if present, within [lo, hi]. */
static int
infer_int_in(const json_t *o, const char *what, const char *name,
    json_int_t lo, json_int_t hi)
{
	const json_t	*v;

	if ((v = json_object_get(o, name)) == NULL)
		return 0;
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return infer_bad("%s: %s out of range", what, name);
	return 0;
}

/* An array of integers (token ids; their range is checked later). */
static int
infer_check_ids(const json_t *a, const char *what)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(a, i, v)
		if (!json_is_integer(v))
			return infer_bad("%s: a token id is not an integer",
			    what);
	return 0;
}

/* Prompts or embedding inputs: strings or arrays of token ids. */
static int
infer_check_inputs(const json_t *a, const char *what)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(a, i, v) {
		if (json_is_string(v))
			continue;
		if (!json_is_array(v))
			return infer_bad("%s: an element is neither a string "
			    "nor an array", what);
		if (infer_check_ids(v, what) != 0)
			return -1;
	}
	return 0;
}

static int
infer_check_messages(json_t *a)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(a, i, v) {
		if (!json_is_object(v))
			return infer_bad("messages: an element is not an "
			    "object");
		if (infer_check_members(v, "messages", infer_message_members,
		    INFER_NMEMBERS(infer_message_members)) != 0)
			return -1;
	}
	return 0;
}

static int
infer_check_generate(json_t *doc)
{
	const json_t	*kind, *v, *e;
	json_t		*msgs, *prompts;
	size_t		 i;

	if (infer_check_members(doc, "generate", infer_generate_members,
	    INFER_NMEMBERS(infer_generate_members)) != 0)
		return -1;
	kind = json_object_get(doc, "kind");
	msgs = json_object_get(doc, "messages");
	prompts = json_object_get(doc, "prompts");
	if (infer_streq(kind, "chat")) {
		if (msgs == NULL || prompts != NULL)
			return infer_bad("generate: chat without messages, "
			    "or with prompts");
		if (infer_check_messages(msgs) != 0)
			return -1;
	} else if (infer_streq(kind, "completion")) {
		if (prompts == NULL || msgs != NULL ||
		    json_object_get(doc, "tools") != NULL)
			return infer_bad("generate: completion without "
			    "prompts, or with messages");
		if (infer_check_inputs(prompts, "generate: prompts") != 0)
			return -1;
	} else
		return infer_bad("generate: unknown kind");
	if (infer_int_in(doc, "generate", "max_tokens", 1, INT64_MAX) != 0 ||
	    infer_int_in(doc, "generate", "n", 1, INFER_MAX_CHOICES) != 0 ||
	    infer_int_in(doc, "generate", "top_k", 0, INT64_MAX) != 0 ||
	    infer_int_in(doc, "generate", "seed", 0, INFER_MAX_SEED) != 0 ||
	    infer_int_in(doc, "generate", "top_logprobs", 0,
	    INFER_MAX_TOP) != 0)
		return -1;
	if ((v = json_object_get(doc, "stop")) != NULL) {
		if (json_array_size(v) > INFER_MAX_STOPS)
			return infer_bad("generate: more than %d stop strings",
			    INFER_MAX_STOPS);
		json_array_foreach(v, i, e)
			if (!json_is_string(e) || json_string_length(e) == 0)
				return infer_bad("generate: a stop string is "
				    "empty or not a string");
	}
	if ((v = json_object_get(doc, "logit_bias")) != NULL) {
		json_array_foreach(v, i, e)
			if (!json_is_array(e) || json_array_size(e) != 2 ||
			    !json_is_integer(json_array_get(e, 0)) ||
			    !json_is_number(json_array_get(e, 1)))
				return infer_bad("generate: a logit_bias entry "
				    "is not [id, bias]");
	}
	return 0;
}

static int
infer_check_embed(json_t *doc)
{
	if (infer_check_members(doc, "embed", infer_embed_members,
	    INFER_NMEMBERS(infer_embed_members)) != 0)
		return -1;
	return infer_check_inputs(json_object_get(doc, "inputs"),
	    "embed: inputs");
}

static int
infer_check_tokenize(json_t *doc)
{
	json_t	*content, *msgs;

	if (infer_check_members(doc, "tokenize", infer_tokenize_members,
	    INFER_NMEMBERS(infer_tokenize_members)) != 0)
		return -1;
	content = json_object_get(doc, "content");
	msgs = json_object_get(doc, "messages");
	if ((content == NULL) == (msgs == NULL))
		return infer_bad("tokenize: not one of content and messages");
	if (msgs == NULL && json_object_get(doc, "tools") != NULL)
		return infer_bad("tokenize: tools without messages");
	return msgs != NULL ? infer_check_messages(msgs) : 0;
}

static int
infer_check_detokenize(json_t *doc)
{
	if (infer_check_members(doc, "detokenize", infer_detokenize_members,
	    INFER_NMEMBERS(infer_detokenize_members)) != 0)
		return -1;
	return infer_check_ids(json_object_get(doc, "tokens"),
	    "detokenize: tokens");
}

static int
infer_check_models(json_t *doc)
{
	if (json_object_size(doc) != 0)
		return infer_bad("models: a member PROTOCOL does not list");
	return 0;
}

int
infer_doc_check(uint32_t op, json_t *doc, char *why, size_t whylen)
{
	infer_why = why;
	infer_whylen = whylen;
	if (whylen > 0)
		why[0] = '\0';
	if (!json_is_object(doc))
		return infer_bad("not a JSON object");
	switch (op) {
	case INFER_OP_GENERATE:
		return infer_check_generate(doc);
	case INFER_OP_EMBED:
		return infer_check_embed(doc);
	case INFER_OP_TOKENIZE:
		return infer_check_tokenize(doc);
	case INFER_OP_DETOKENIZE:
		return infer_check_detokenize(doc);
	case INFER_OP_MODELS:
		return infer_check_models(doc);
	}
	return infer_bad("op %u", op);
}
