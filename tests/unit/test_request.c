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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

#include "buf.h"
#include "frontd/front-request.h"
#include "tests.h"

/*
 * Unit tests for frontd/front-request.c: every field of every endpoint
 * with good and bad values (each error's status, type, code and param),
 * the exact documents inferd gets, the checks of inferd's replies and
 * the JSON and events the client gets.
 */

#define TEST_SEED	12345
#define TEST_SECRET	"SECRET-PROMPT-TEXT"
#define TEST_CHAT	"{\"model\":\"m\",\"messages\":[{\"role\":\"user\"," \
			    "\"content\":\"hi\"}]"
#define TEST_COMPL	"{\"model\":\"m\",\"prompt\":\"hi\""

struct test_case {
	const char	*tc_extra;	/* members added to a good body */
	const char	*tc_param;	/* NULL: must be accepted */
	const char	*tc_code;
};

static int	test_parse(enum req_endpoint, const char *, struct req *,
		    struct req_error *);
static void	test_expect(enum req_endpoint, const char *, int,
		    const char *, const char *);
static void	test_cases(enum req_endpoint, const char *,
		    const struct test_case *, size_t);
static char	*test_dump(const json_t *);
static json_t	*test_json(const char *);
static char	*test_sse(const struct req *, enum req_delta,
		    const struct req_event *);

static int
test_parse(enum req_endpoint ep, const char *body, struct req *rq,
    struct req_error *err)
{
	return req_parse(ep, body, strlen(body), TEST_SEED, rq, err);
}

/* body must fail with status, code and param (NULL: null). */
static void
test_expect(enum req_endpoint ep, const char *body, int status,
    const char *code, const char *param)
{
	struct req		rq;
	struct req_error	err;

	CU_ASSERT_EQUAL(test_parse(ep, body, &rq, &err), -1);
	CU_ASSERT_PTR_NULL(rq.rq_doc);
	CU_ASSERT_EQUAL(err.re_status, status);
	CU_ASSERT_STRING_EQUAL(err.re_code, code);
	CU_ASSERT_STRING_EQUAL(err.re_param, param != NULL ? param : "");
	CU_ASSERT_STRING_EQUAL(err.re_type, "invalid_request_error");
	CU_ASSERT_PTR_NULL(strstr(err.re_message, TEST_SECRET));
	if (err.re_status != status || strcmp(err.re_param,
	    param != NULL ? param : "") != 0)
		fprintf(stderr, "\n%s: %d %s %s (%s)\n", body, err.re_status,
		    err.re_code, err.re_param, err.re_message);
}

/* Each case: the good body with tc_extra added, accepted or refused. */
static void
test_cases(enum req_endpoint ep, const char *good,
    const struct test_case *tc, size_t n)
{
	struct req		 rq;
	struct req_error	 err;
	char			 body[1024];
	size_t			 i;

	for (i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "%s,%s}", good, tc[i].tc_extra);
		if (tc[i].tc_param == NULL) {
			CU_ASSERT_EQUAL(test_parse(ep, body, &rq, &err), 0);
			if (rq.rq_doc == NULL)
				fprintf(stderr, "\n%s: %s\n", body,
				    err.re_message);
			req_clear(&rq);
		} else
			test_expect(ep, body, 400, tc[i].tc_code,
			    tc[i].tc_param);
	}
}

static char *
test_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static json_t *
test_json(const char *s)
{
	json_error_t	 e;
	json_t		*v;

	v = json_loads(s, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	return v;
}

static void
test_bad_json_is_400_without_echo(void)
{
	test_expect(REQ_EP_CHAT, "{\"model\":\"" TEST_SECRET, 400,
	    "invalid_json", NULL);
	test_expect(REQ_EP_CHAT, "", 400, "invalid_json", NULL);
	test_expect(REQ_EP_CHAT, "[1,2]", 400, "invalid_json", NULL);
	test_expect(REQ_EP_COMPLETION, "\"" TEST_SECRET "\"", 400,
	    "invalid_json", NULL);
	test_expect(REQ_EP_EMBEDDING, "{\"a\":1} x", 400, "invalid_json",
	    NULL);
	/* NUL is valid JSON: this body is only missing its messages. */
	test_expect(REQ_EP_CHAT, "{\"model\":\"m\\u0000\"}", 400,
	    "missing_required_parameter", "messages");
	test_expect(REQ_EP_CHAT, "{\"n\":99999999999999999999999}", 400,
	    "invalid_json", NULL);
}

static void
test_model_is_required(void)
{
	enum req_endpoint	ep;

	for (ep = 0; ep < REQ_EP_MAX; ep++) {
		test_expect(ep, "{}", 400, "missing_required_parameter",
		    "model");
		test_expect(ep, "{\"model\":null}", 400,
		    "missing_required_parameter", "model");
		test_expect(ep, "{\"model\":1}", 400, "invalid_value",
		    "model");
		test_expect(ep, "{\"model\":\"\"}", 400, "invalid_value",
		    "model");
	}
}

static void
test_messages_are_checked(void)
{
	static const char *const bad[][3] = {
		{ "{\"model\":\"m\"}", "missing_required_parameter",
		    "messages" },
		{ "{\"model\":\"m\",\"messages\":[]}", "invalid_value",
		    "messages" },
		{ "{\"model\":\"m\",\"messages\":{}}", "invalid_value",
		    "messages" },
		{ "{\"model\":\"m\",\"messages\":[1]}", "invalid_value",
		    "messages[0]" },
		{ "{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}",
		    "missing_required_parameter", "messages[0].role" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"robot\","
		    "\"content\":\"" TEST_SECRET "\"}]}", "invalid_value",
		    "messages[0].role" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
		    "\"content\":\"a\"},{\"role\":\"user\"}]}",
		    "missing_required_parameter", "messages[1].content" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\","
		    "\"content\":null}]}", "missing_required_parameter",
		    "messages[0].content" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
		    "\"content\":5}]}", "invalid_value",
		    "messages[0].content" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"image_url\",\"image_url\":"
		    "{\"url\":\"x\"}}]}]}", "invalid_value",
		    "messages[0].content" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"text\"}]}]}", "invalid_value",
		    "messages[0].content" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
		    "\"content\":[\"x\"]}]}", "invalid_value",
		    "messages[0].content" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
		    "\"content\":\"x\",\"name\":1}]}", "invalid_value",
		    "messages[0].name" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\","
		    "\"content\":\"x\",\"tool_call_id\":[]}]}",
		    "invalid_value", "messages[0].tool_call_id" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\","
		    "\"tool_calls\":{}}]}", "invalid_value",
		    "messages[0].tool_calls" },
		{ "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\","
		    "\"tool_calls\":[1]}]}", "invalid_value",
		    "messages[0].tool_calls" },
		{ TEST_CHAT ",\"tools\":{}}", "invalid_value", "tools" },
		{ TEST_CHAT ",\"tools\":[\"f\"]}", "invalid_value", "tools" },
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_expect(REQ_EP_CHAT, bad[i][0], 400, bad[i][1], bad[i][2]);
}

static void
test_content_parts_are_concatenated(void)
{
	struct req		 rq;
	struct req_error	 err;
	char			*s;

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, "{\"model\":\"m\","
	    "\"messages\":[{\"role\":\"developer\",\"content\":[{\"type\":"
	    "\"text\",\"text\":\"Once \"},{\"type\":\"text\",\"text\":"
	    "\"upon\"},{\"type\":\"text\",\"text\":\"\"}],\"extra\":1}]}",
	    &rq, &err), 0);
	s = test_dump(json_object_get(rq.rq_doc, "messages"));
	CU_ASSERT_STRING_EQUAL(s, "[{\"content\":\"Once upon\","
	    "\"role\":\"developer\"}]");
	free(s);
	req_clear(&rq);
}

static void
test_tool_calls_pass_through(void)
{
	struct req		 rq;
	struct req_error	 err;
	char			*s;

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, "{\"model\":\"m\","
	    "\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
	    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
	    "\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\","
	    "\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},{\"role\":"
	    "\"tool\",\"tool_call_id\":\"c1\",\"name\":\"w\",\"content\":"
	    "\"rain\"}],\"tools\":[{\"type\":\"function\",\"function\":"
	    "{\"name\":\"w\"}}]}", &rq, &err), 0);
	s = test_dump(json_object_get(rq.rq_doc, "messages"));
	CU_ASSERT_STRING_EQUAL(s, "[{\"content\":\"weather?\",\"role\":"
	    "\"user\"},{\"content\":\"\",\"role\":\"assistant\",\"tool_calls\":"
	    "[{\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\","
	    "\"name\":\"w\"},\"id\":\"c1\",\"type\":\"function\"}]},"
	    "{\"content\":\"rain\",\"name\":\"w\",\"role\":\"tool\","
	    "\"tool_call_id\":\"c1\"}]");
	free(s);
	s = test_dump(json_object_get(rq.rq_doc, "tools"));
	CU_ASSERT_STRING_EQUAL(s, "[{\"function\":{\"name\":\"w\"},"
	    "\"type\":\"function\"}]");
	free(s);
	req_clear(&rq);
}

static void
test_chat_document_is_canonical(void)
{
	struct req		 rq;
	struct req_error	 err;
	char			*s;

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, TEST_CHAT
	    ",\"user\":\"u\",\"frobnicate\":[1],\"top_p\":null}", &rq, &err),
	    0);
	s = test_dump(rq.rq_doc);
	CU_ASSERT_STRING_EQUAL(s, "{\"frequency_penalty\":0.0,\"ignore_eos\":"
	    "false,\"kind\":\"chat\",\"logit_bias\":[],\"logprobs\":false,\"messages\":"
	    "[{\"content\":\"hi\",\"role\":\"user\"}],\"min_p\":0.0,\"model\":"
	    "\"m\",\"n\":1,\"presence_penalty\":0.0,\"repeat_penalty\":1.0,"
	    "\"seed\":12345,\"stop\":[],\"temperature\":1.0,\"top_k\":0,"
	    "\"top_logprobs\":0,\"top_p\":1.0}");
	free(s);
	CU_ASSERT_STRING_EQUAL(rq.rq_model, "m");
	CU_ASSERT_EQUAL(rq.rq_op, REQ_OP_GENERATE);
	CU_ASSERT_EQUAL(rq.rq_nchoices, 1);
	CU_ASSERT_FALSE(rq.rq_stream);
	req_clear(&rq);

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, TEST_CHAT
	    ",\"max_tokens\":7,\"n\":3,\"temperature\":0,\"top_p\":0.5,"
	    "\"min_p\":0.1,\"top_k\":40,\"presence_penalty\":-2,"
	    "\"frequency_penalty\":2,\"repeat_penalty\":1.1,\"seed\":9,"
	    "\"stop\":\"\\n\",\"logit_bias\":{\"15\":-100,\"7\":2.5},"
	    "\"logprobs\":true,\"top_logprobs\":20,\"stream\":true,"
	    "\"stream_options\":{\"include_usage\":true},"
	    "\"ignore_eos\":true}", &rq, &err), 0);
	s = test_dump(rq.rq_doc);
	CU_ASSERT_STRING_EQUAL(s, "{\"frequency_penalty\":2.0,\"ignore_eos\":"
	    "true,\"kind\":\"chat\",\"logit_bias\":[[15,-100.0],[7,2.5]],\"logprobs\":true,"
	    "\"max_tokens\":7,\"messages\":[{\"content\":\"hi\",\"role\":"
	    "\"user\"}],\"min_p\":0.10000000000000001,\"model\":\"m\",\"n\":3,"
	    "\"presence_penalty\":-2.0,\"repeat_penalty\":1.1000000000000001,"
	    "\"seed\":9,\"stop\":[\"\\n\"],\"temperature\":0.0,\"top_k\":40,"
	    "\"top_logprobs\":20,\"top_p\":0.5}");
	free(s);
	CU_ASSERT_TRUE(rq.rq_stream);
	CU_ASSERT_TRUE(rq.rq_usage);
	CU_ASSERT_TRUE(rq.rq_logprobs);
	CU_ASSERT_EQUAL(rq.rq_nchoices, 3);
	req_clear(&rq);
}

static void
test_completion_document_is_canonical(void)
{
	struct req		 rq;
	struct req_error	 err;
	char			*s;

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_COMPLETION, "{\"model\":"
	    "\"m\",\"prompt\":[[1,2],[3]],\"n\":2,\"logprobs\":3,"
	    "\"max_completion_tokens\":4,\"max_tokens\":9,\"stream\":false,"
	    "\"stream_options\":{\"include_usage\":true}}", &rq, &err), 0);
	s = test_dump(rq.rq_doc);
	CU_ASSERT_STRING_EQUAL(s, "{\"frequency_penalty\":0.0,\"ignore_eos\":"
	    "false,\"kind\":\"completion\",\"logit_bias\":[],\"logprobs\":true,\"max_tokens\":"
	    "4,\"min_p\":0.0,\"model\":\"m\",\"n\":2,\"presence_penalty\":0.0,"
	    "\"prompts\":[[1,2],[3]],\"repeat_penalty\":1.0,\"seed\":12345,"
	    "\"stop\":[],\"temperature\":1.0,\"top_k\":0,\"top_logprobs\":3,"
	    "\"top_p\":1.0}");
	free(s);
	CU_ASSERT_EQUAL(rq.rq_nprompts, 2);
	CU_ASSERT_EQUAL(rq.rq_nchoices, 4);
	CU_ASSERT_FALSE(rq.rq_usage);	/* only with stream */
	req_clear(&rq);
}

static void
test_prompt_forms(void)
{
	static const char *const good[][2] = {
		{ "\"x\"", "[\"x\"]" },
		{ "\"\"", "[\"\"]" },
		{ "[\"a\",\"b\"]", "[\"a\",\"b\"]" },
		{ "[1,2,3]", "[[1,2,3]]" },
		{ "[[1],[2,3]]", "[[1],[2,3]]" },
		{ "[0,2147483647]", "[[0,2147483647]]" },
	};
	static const char *const bad[] = {
		"[]", "{}", "1", "[\"a\",1]", "[1,\"a\"]", "[[1],[]]",
		"[[1],2]", "[-1]", "[2147483648]", "[1.5]", "[[1],[\"x\"]]",
		"[null]", "true",
	};
	struct req		 rq;
	struct req_error	 err;
	char			 body[256], *s;
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), "{\"model\":\"m\",\"prompt\":%s}",
		    good[i][0]);
		CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_COMPLETION, body, &rq,
		    &err), 0);
		s = test_dump(json_object_get(rq.rq_doc, "prompts"));
		CU_ASSERT_STRING_EQUAL(s, good[i][1]);
		free(s);
		req_clear(&rq);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"model\":\"m\",\"prompt\":%s}",
		    bad[i]);
		test_expect(REQ_EP_COMPLETION, body, 400, "invalid_value",
		    "prompt");
	}
	test_expect(REQ_EP_COMPLETION, "{\"model\":\"m\"}", 400,
	    "missing_required_parameter", "prompt");
}

static void
test_too_many_choices(void)
{
	struct req		 rq;
	struct req_error	 err;
	char			*body;
	size_t			 i, len, cap = 300 * 6 + 128;

	body = calloc(1, cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	len = (size_t)snprintf(body, cap, "{\"model\":\"m\",\"prompt\":[");
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s\"p\"",
		    i > 0 ? "," : "");
	snprintf(body + len, cap - len, "],\"n\":10}");
	CU_ASSERT_EQUAL(test_parse(REQ_EP_COMPLETION, body, &rq, &err), 0);
	CU_ASSERT_EQUAL(rq.rq_nchoices, 2000);
	req_clear(&rq);
	snprintf(body + len, cap - len, "],\"n\":11}");
	test_expect(REQ_EP_COMPLETION, body, 400, "invalid_value", "n");
	free(body);
}

static void
test_sampling_ranges(void)
{
	static const struct test_case cases[] = {
		{ "\"temperature\":0", NULL, NULL },
		{ "\"temperature\":2", NULL, NULL },
		{ "\"temperature\":2.01", "temperature", "invalid_value" },
		{ "\"temperature\":-0.1", "temperature", "invalid_value" },
		{ "\"temperature\":\"1\"", "temperature", "invalid_value" },
		{ "\"top_p\":0", NULL, NULL },
		{ "\"top_p\":1.5", "top_p", "invalid_value" },
		{ "\"min_p\":1", NULL, NULL },
		{ "\"min_p\":-1", "min_p", "invalid_value" },
		{ "\"presence_penalty\":-2", NULL, NULL },
		{ "\"presence_penalty\":2.5", "presence_penalty",
		    "invalid_value" },
		{ "\"frequency_penalty\":-2.5", "frequency_penalty",
		    "invalid_value" },
		{ "\"repeat_penalty\":0.5", NULL, NULL },
		{ "\"repeat_penalty\":0", "repeat_penalty", "invalid_value" },
		{ "\"repeat_penalty\":-1", "repeat_penalty", "invalid_value" },
		{ "\"top_k\":0", NULL, NULL },
		{ "\"top_k\":-1", "top_k", "invalid_value" },
		{ "\"top_k\":1.5", "top_k", "invalid_value" },
		{ "\"n\":16", NULL, NULL },
		{ "\"n\":0", "n", "invalid_value" },
		{ "\"n\":17", "n", "invalid_value" },
		{ "\"max_tokens\":1", NULL, NULL },
		{ "\"max_tokens\":0", "max_tokens", "invalid_value" },
		{ "\"max_tokens\":-5", "max_tokens", "invalid_value" },
		{ "\"max_tokens\":\"5\"", "max_tokens", "invalid_value" },
		{ "\"max_completion_tokens\":0", "max_completion_tokens",
		    "invalid_value" },
		{ "\"seed\":-1", NULL, NULL },
		{ "\"seed\":1.5", "seed", "invalid_value" },
		{ "\"seed\":\"7\"", "seed", "invalid_value" },
		{ "\"stop\":[\"a\",\"b\",\"c\",\"d\"]", NULL, NULL },
		{ "\"stop\":[]", NULL, NULL },
		{ "\"stop\":\"\"", "stop", "invalid_value" },
		{ "\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", "stop",
		    "invalid_value" },
		{ "\"stop\":[\"a\",\"\"]", "stop", "invalid_value" },
		{ "\"stop\":[1]", "stop", "invalid_value" },
		{ "\"logit_bias\":{\"0\":100,\"2147483647\":-100}", NULL,
		    NULL },
		{ "\"logit_bias\":{\"x\":1}", "logit_bias", "invalid_value" },
		{ "\"logit_bias\":{\"-1\":1}", "logit_bias", "invalid_value" },
		{ "\"logit_bias\":{\"2147483648\":1}", "logit_bias",
		    "invalid_value" },
		{ "\"logit_bias\":{\"1\":100.5}", "logit_bias",
		    "invalid_value" },
		{ "\"logit_bias\":{\"1\":\"2\"}", "logit_bias",
		    "invalid_value" },
		{ "\"logit_bias\":[1]", "logit_bias", "invalid_value" },
		{ "\"stream\":1", "stream", "invalid_value" },
		{ "\"stream_options\":1", "stream_options", "invalid_value" },
		{ "\"stream\":true,\"stream_options\":{\"include_usage\":1}",
		    "stream_options.include_usage", "invalid_value" },
		{ "\"user\":\"someone\",\"unknown\":{\"x\":1}", NULL, NULL },
	};

	test_cases(REQ_EP_CHAT, TEST_CHAT, cases,
	    sizeof(cases) / sizeof(cases[0]));
	test_cases(REQ_EP_COMPLETION, TEST_COMPL, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

static void
test_logprobs_per_endpoint(void)
{
	static const struct test_case chat[] = {
		{ "\"logprobs\":true", NULL, NULL },
		{ "\"logprobs\":false,\"top_logprobs\":0", NULL, NULL },
		{ "\"logprobs\":true,\"top_logprobs\":20", NULL, NULL },
		{ "\"logprobs\":1", "logprobs", "invalid_value" },
		{ "\"logprobs\":true,\"top_logprobs\":21", "top_logprobs",
		    "invalid_value" },
		{ "\"logprobs\":true,\"top_logprobs\":-1", "top_logprobs",
		    "invalid_value" },
		{ "\"top_logprobs\":2", "top_logprobs", "invalid_value" },
	};
	static const struct test_case compl[] = {
		{ "\"logprobs\":0", NULL, NULL },
		{ "\"logprobs\":5", NULL, NULL },
		{ "\"logprobs\":6", "logprobs", "invalid_value" },
		{ "\"logprobs\":true", "logprobs", "invalid_value" },
		{ "\"top_logprobs\":50", NULL, NULL },	/* chat only */
	};
	struct req		 rq;
	struct req_error	 err;

	test_cases(REQ_EP_CHAT, TEST_CHAT, chat,
	    sizeof(chat) / sizeof(chat[0]));
	test_cases(REQ_EP_COMPLETION, TEST_COMPL, compl,
	    sizeof(compl) / sizeof(compl[0]));
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_COMPLETION, TEST_COMPL
	    ",\"logprobs\":0}", &rq, &err), 0);
	CU_ASSERT_TRUE(rq.rq_logprobs);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(rq.rq_doc,
	    "top_logprobs")), 0);
	req_clear(&rq);
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_COMPLETION, TEST_COMPL "}",
	    &rq, &err), 0);
	CU_ASSERT_FALSE(rq.rq_logprobs);
	req_clear(&rq);
}

static void
test_seed_is_kept_or_picked(void)
{
	struct req		rq;
	struct req_error	err;

	CU_ASSERT_EQUAL_FATAL(req_parse(REQ_EP_CHAT, TEST_CHAT "}",
	    strlen(TEST_CHAT "}"), UINT64_MAX, &rq, &err), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(rq.rq_doc,
	    "seed")), (json_int_t)(REQ_SEED_MAX - 1));
	req_clear(&rq);
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, TEST_CHAT
	    ",\"seed\":9007199254740992}", &rq, &err), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(rq.rq_doc,
	    "seed")), (json_int_t)REQ_SEED_MAX);
	req_clear(&rq);
	CU_ASSERT_EQUAL(req_seed_fold(0), 0);
	CU_ASSERT_EQUAL(req_seed_fold(-1), REQ_SEED_MAX - 1);
	CU_ASSERT_EQUAL(req_seed_fold((json_int_t)REQ_SEED_MAX + 1), 1);
}

static void
test_embedding_inputs(void)
{
	static const struct test_case cases[] = {
		{ "\"input\":\"a\"", NULL, NULL },
		{ "\"input\":[\"a\",\"b\"]", NULL, NULL },
		{ "\"input\":[1,2]", NULL, NULL },
		{ "\"input\":[[1],[2]]", NULL, NULL },
		{ "\"input\":\"a\",\"encoding_format\":\"base64\"", NULL,
		    NULL },
		{ "\"input\":\"a\",\"encoding_format\":\"float\"", NULL,
		    NULL },
		{ "\"input\":\"\"", "input", "invalid_value" },
		{ "\"input\":[\"a\",\"\"]", "input", "invalid_value" },
		{ "\"input\":[]", "input", "invalid_value" },
		{ "\"input\":[[]]", "input", "invalid_value" },
		{ "\"input\":{}", "input", "invalid_value" },
		{ "\"input\":\"a\",\"encoding_format\":\"hex\"",
		    "encoding_format", "invalid_value" },
		{ "\"input\":\"a\",\"encoding_format\":1", "encoding_format",
		    "invalid_value" },
		{ "\"input\":null", "input", "missing_required_parameter" },
	};
	struct req		 rq;
	struct req_error	 err;
	char			*body, *s;
	size_t			 i, len, cap = 2049 * 4 + 64;

	test_cases(REQ_EP_EMBEDDING, "{\"model\":\"m\"", cases,
	    sizeof(cases) / sizeof(cases[0]));
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_EMBEDDING, "{\"model\":\"m\","
	    "\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}", &rq,
	    &err), 0);
	s = test_dump(rq.rq_doc);
	CU_ASSERT_STRING_EQUAL(s, "{\"inputs\":[\"a\",\"b\"],\"model\":\"m\"}");
	free(s);
	CU_ASSERT_EQUAL(rq.rq_op, REQ_OP_EMBED);
	CU_ASSERT_EQUAL(rq.rq_ninputs, 2);
	CU_ASSERT_TRUE(rq.rq_base64);
	req_clear(&rq);

	body = calloc(1, cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	len = (size_t)snprintf(body, cap, "{\"model\":\"m\",\"input\":[");
	for (i = 0; i < 2048; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s[1]",
		    i > 0 ? "," : "");
	snprintf(body + len, cap - len, "]}");
	CU_ASSERT_EQUAL(test_parse(REQ_EP_EMBEDDING, body, &rq, &err), 0);
	CU_ASSERT_EQUAL(rq.rq_ninputs, 2048);
	req_clear(&rq);
	snprintf(body + len, cap - len, ",[2]]}");
	test_expect(REQ_EP_EMBEDDING, body, 400, "invalid_value", "input");
	/* The limit counts inputs, not the token ids of one. */
	len = (size_t)snprintf(body, cap, "{\"model\":\"m\",\"input\":[");
	for (i = 0; i < 3000; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s1",
		    i > 0 ? "," : "");
	snprintf(body + len, cap - len, "]}");
	CU_ASSERT_EQUAL(test_parse(REQ_EP_EMBEDDING, body, &rq, &err), 0);
	CU_ASSERT_EQUAL(rq.rq_ninputs, 1);
	req_clear(&rq);
	free(body);
}

static void
test_tokenize_and_detokenize(void)
{
	static const struct test_case tok[] = {
		{ "\"content\":\"hi\"", NULL, NULL },
		{ "\"content\":\"\"", NULL, NULL },
		{ "\"content\":\"hi\",\"add_special\":false", NULL, NULL },
		{ "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
		    "\"tools\":[]", NULL, NULL },
		{ "\"content\":1", "content", "invalid_value" },
		{ "\"content\":\"a\",\"messages\":[]", "content",
		    "invalid_value" },
		{ "\"messages\":[{\"role\":\"x\",\"content\":\"hi\"}]",
		    "messages[0].role", "invalid_value" },
		{ "\"content\":\"hi\",\"add_special\":\"no\"", "add_special",
		    "invalid_value" },
		{ "\"add_special\":true", "content",
		    "missing_required_parameter" },
	};
	static const struct test_case detok[] = {
		{ "\"tokens\":[1,2]", NULL, NULL },
		{ "\"tokens\":[]", NULL, NULL },
		{ "\"tokens\":[-1]", "tokens", "invalid_value" },
		{ "\"tokens\":\"1\"", "tokens", "invalid_value" },
		{ "\"tokens\":[[1]]", "tokens", "invalid_value" },
		{ "\"tokens\":null", "tokens", "missing_required_parameter" },
	};
	struct req		 rq;
	struct req_error	 err;
	char			*s;

	test_cases(REQ_EP_TOKENIZE, "{\"model\":\"m\"", tok,
	    sizeof(tok) / sizeof(tok[0]));
	test_cases(REQ_EP_DETOKENIZE, "{\"model\":\"m\"", detok,
	    sizeof(detok) / sizeof(detok[0]));
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_TOKENIZE, "{\"model\":\"m\","
	    "\"content\":\"hi\"}", &rq, &err), 0);
	s = test_dump(rq.rq_doc);
	CU_ASSERT_STRING_EQUAL(s, "{\"add_special\":true,\"content\":\"hi\","
	    "\"model\":\"m\"}");
	free(s);
	CU_ASSERT_EQUAL(rq.rq_op, REQ_OP_TOKENIZE);
	req_clear(&rq);
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_DETOKENIZE, "{\"model\":\"m\","
	    "\"tokens\":[5]}", &rq, &err), 0);
	s = test_dump(rq.rq_doc);
	CU_ASSERT_STRING_EQUAL(s, "{\"model\":\"m\",\"tokens\":[5]}");
	free(s);
	CU_ASSERT_EQUAL(rq.rq_op, REQ_OP_DETOKENIZE);
	req_clear(&rq);
}

static void
test_error_json_shape(void)
{
	struct req_error	 err;
	json_t			*v;
	char			*s;

	(void)req_set_error(&err, 404, "invalid_request_error",
	    "model_not_found", "model", "No %s.", "model");
	v = req_error_json(&err);
	s = test_dump(v);
	CU_ASSERT_STRING_EQUAL(s, "{\"error\":{\"code\":\"model_not_found\","
	    "\"message\":\"No model.\",\"param\":\"model\",\"type\":"
	    "\"invalid_request_error\"}}");
	free(s);
	json_decref(v);
	(void)req_set_error(&err, 503, "server_error", NULL, NULL, "x");
	v = req_error_json(&err);
	s = test_dump(v);
	CU_ASSERT_STRING_EQUAL(s, "{\"error\":{\"code\":null,\"message\":"
	    "\"x\",\"param\":null,\"type\":\"server_error\"}}");
	free(s);
	json_decref(v);
}

static void
test_event_check(void)
{
	static const char *const bad[] = {
		"{\"text\":\"a\"}",
		"{\"index\":2,\"text\":\"a\"}",
		"{\"index\":-1,\"text\":\"a\"}",
		"{\"index\":0}",
		"{\"index\":0,\"text\":1}",
		"{\"index\":0,\"text\":\"a\",\"finish_reason\":\"eos\"}",
		"{\"index\":0,\"text\":\"a\",\"finish_reason\":null}",
		"{\"index\":0,\"text\":\"a\",\"logprobs\":{}}",
		"{\"index\":0,\"text\":\"a\",\"logprobs\":[{\"token\":\"a\"}]}",
		"{\"index\":0,\"text\":\"a\",\"logprobs\":[{\"token\":\"a\","
		    "\"bytes\":[256],\"logprob\":0,\"top_logprobs\":[]}]}",
		"{\"index\":0,\"text\":\"a\",\"logprobs\":[{\"token\":\"a\","
		    "\"bytes\":[97],\"logprob\":0}]}",
		"{\"index\":0,\"text\":\"a\",\"logprobs\":[{\"token\":\"a\","
		    "\"bytes\":[97],\"logprob\":0,\"top_logprobs\":[{}]}]}",
	};
	struct req		 rq;
	struct req_error	 err;
	struct req_event	 ev;
	json_t			*v;
	const char		*why;
	size_t			 i;

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, TEST_CHAT ",\"n\":2}",
	    &rq, &err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = test_json(bad[i]);
		CU_ASSERT_EQUAL(req_check_event(v, &rq, &ev, &why), -1);
		CU_ASSERT_PTR_NOT_NULL(why);
		json_decref(v);
	}
	v = test_json("{\"index\":1,\"text\":\"b\\n\",\"finish_reason\":"
	    "\"length\",\"logprobs\":[{\"token\":\"b\",\"bytes\":[98],"
	    "\"logprob\":-0.5,\"top_logprobs\":[{\"token\":\"b\",\"bytes\":"
	    "[98],\"logprob\":-0.5}]}]}");
	CU_ASSERT_EQUAL(req_check_event(v, &rq, &ev, &why), 0);
	CU_ASSERT_EQUAL(ev.ev_index, 1);
	CU_ASSERT_EQUAL(ev.ev_textlen, 2);
	CU_ASSERT_STRING_EQUAL(ev.ev_finish, "length");
	CU_ASSERT_PTR_NOT_NULL(ev.ev_logprobs);
	json_decref(v);
	req_clear(&rq);

	/* An EVENT for an embedding is a violation too. */
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_EMBEDDING, "{\"model\":\"m\","
	    "\"input\":\"x\"}", &rq, &err), 0);
	v = test_json("{\"index\":0,\"text\":\"\"}");
	CU_ASSERT_EQUAL(req_check_event(v, &rq, &ev, &why), -1);
	json_decref(v);
	req_clear(&rq);
}

static void
test_result_and_error_checks(void)
{
	static const struct {
		enum req_endpoint	 ep;
		const char		*body;
		const char		*good;
		const char		*bad;
	} t[] = {
		{ REQ_EP_CHAT, TEST_CHAT "}",
		    "{\"model\":\"m\",\"prompt_tokens\":3,"
		    "\"completion_tokens\":0}",
		    "{\"model\":\"m\",\"prompt_tokens\":-3,"
		    "\"completion_tokens\":0}" },
		{ REQ_EP_EMBEDDING, "{\"model\":\"m\",\"input\":[\"a\",\"b\"]}",
		    "{\"model\":\"m\",\"data\":[[0.5,1],[1,0]],"
		    "\"prompt_tokens\":2}",
		    "{\"model\":\"m\",\"data\":[[0.5,1],[1]],"
		    "\"prompt_tokens\":2}" },
		{ REQ_EP_EMBEDDING, "{\"model\":\"m\",\"input\":[\"a\",\"b\"]}",
		    "{\"model\":\"m\",\"data\":[[0.5],[1]],"
		    "\"prompt_tokens\":2}",
		    "{\"model\":\"m\",\"data\":[[0.5]],\"prompt_tokens\":2}" },
		{ REQ_EP_TOKENIZE, "{\"model\":\"m\",\"content\":\"x\"}",
		    "{\"model\":\"m\",\"tokens\":[{\"id\":1,\"start\":0,"
		    "\"end\":1,\"piece\":\"x\"}]}",
		    "{\"model\":\"m\",\"tokens\":[{\"id\":1,\"start\":2,"
		    "\"end\":1,\"piece\":\"x\"}]}" },
		{ REQ_EP_DETOKENIZE, "{\"model\":\"m\",\"tokens\":[1]}",
		    "{\"model\":\"m\",\"content\":\"x\"}",
		    "{\"model\":\"m\",\"content\":null}" },
	};
	static const char *const bad_errors[] = {
		"{\"status\":418,\"type\":\"t\",\"code\":null,\"param\":null,"
		    "\"message\":\"m\"}",
		"{\"status\":400,\"type\":1,\"code\":null,\"param\":null,"
		    "\"message\":\"m\"}",
		"{\"status\":400,\"type\":\"t\",\"param\":null,"
		    "\"message\":\"m\"}",
		"{\"status\":\"400\",\"type\":\"t\",\"code\":null,"
		    "\"param\":null,\"message\":\"m\"}",
	};
	struct req		 rq;
	struct req_error	 err;
	const char		*why;
	json_t			*v;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(test_parse(t[i].ep, t[i].body, &rq,
		    &err), 0);
		v = test_json(t[i].good);
		CU_ASSERT_EQUAL(req_check_result(v, &rq, &why), 0);
		json_decref(v);
		v = test_json(t[i].bad);
		CU_ASSERT_EQUAL(req_check_result(v, &rq, &why), -1);
		json_decref(v);
		req_clear(&rq);
	}
	for (i = 0; i < sizeof(bad_errors) / sizeof(bad_errors[0]); i++) {
		v = test_json(bad_errors[i]);
		CU_ASSERT_EQUAL(req_check_error(v, &err, &why), -1);
		json_decref(v);
	}
	v = test_json("{\"status\":400,\"type\":\"invalid_request_error\","
	    "\"code\":\"context_length_exceeded\",\"param\":\"messages\","
	    "\"message\":\"too long\"}");
	CU_ASSERT_EQUAL(req_check_error(v, &err, &why), 0);
	CU_ASSERT_EQUAL(err.re_status, 400);
	CU_ASSERT_STRING_EQUAL(err.re_code, "context_length_exceeded");
	CU_ASSERT_STRING_EQUAL(err.re_param, "messages");
	json_decref(v);
	v = test_json("{\"data\":[{\"id\":\"a\",\"created\":1,\"size\":2,"
	    "\"sha256\":null,\"loaded\":1}]}");
	CU_ASSERT_EQUAL(req_check_models(v, &why), -1);
	json_decref(v);
}

static void
test_models_answer(void)
{
	json_t		*res, *v;
	const char	*why;
	char		*s;

	res = test_json("{\"data\":[{\"id\":\"a\",\"created\":1,\"size\":2,"
	    "\"sha256\":null,\"loaded\":true},{\"id\":\"b\",\"created\":3,"
	    "\"size\":4,\"sha256\":\"ab\",\"loaded\":false},{\"id\":\"c\","
	    "\"created\":5,\"size\":6,\"sha256\":null,\"loaded\":false,"
	    "\"error\":\"bad hash\"}]}");
	CU_ASSERT_EQUAL(req_check_models(res, &why), 0);
	v = req_reply_models(res, NULL);
	s = test_dump(v);
	CU_ASSERT_STRING_EQUAL(s, "{\"data\":[{\"created\":1,\"format\":"
	    "\"gguf\",\"id\":\"a\",\"loaded\":true,\"object\":\"model\","
	    "\"owned_by\":\"power\",\"sha256\":null,\"size\":2},{\"created\":3,"
	    "\"format\":\"gguf\",\"id\":\"b\",\"loaded\":false,\"object\":"
	    "\"model\",\"owned_by\":\"power\",\"sha256\":\"ab\",\"size\":4}],"
	    "\"object\":\"list\"}");
	free(s);
	json_decref(v);
	v = req_reply_models(res, "b");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "id")),
	    "b");
	json_decref(v);
	CU_ASSERT_PTR_NULL(req_reply_models(res, "c"));	/* refused */
	CU_ASSERT_PTR_NULL(req_reply_models(res, "z"));
	json_decref(res);
}

static void
test_generate_answers(void)
{
	struct req		 rq;
	struct req_error	 err;
	struct req_choice	 ch[2];
	json_t			*res, *v;
	char			*s;
	size_t			 i;

	memset(ch, 0, sizeof(ch));
	for (i = 0; i < 2; i++)
		ch[i].rc_text = buf_new(0);
	CU_ASSERT_EQUAL(buf_put(ch[0].rc_text, "Once", 4), 0);
	ch[0].rc_finish = "stop";
	ch[1].rc_finish = "length";
	res = test_json("{\"model\":\"m\",\"prompt_tokens\":3,"
	    "\"completion_tokens\":4}");

	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, TEST_CHAT ",\"n\":2}",
	    &rq, &err), 0);
	v = req_reply_generate(&rq, "chatcmpl-x", 1700000000, ch, res);
	s = test_dump(v);
	CU_ASSERT_STRING_EQUAL(s, "{\"choices\":[{\"finish_reason\":\"stop\","
	    "\"index\":0,\"logprobs\":null,\"message\":{\"content\":\"Once\","
	    "\"refusal\":null,\"role\":\"assistant\"}},{\"finish_reason\":"
	    "\"length\",\"index\":1,\"logprobs\":null,\"message\":{\"content\":"
	    "\"\",\"refusal\":null,\"role\":\"assistant\"}}],\"created\":"
	    "1700000000,\"id\":\"chatcmpl-x\",\"model\":\"m\",\"object\":"
	    "\"chat.completion\",\"system_fingerprint\":\"" REQ_FINGERPRINT
	    "\",\"usage\":{\"completion_tokens\":4,\"prompt_tokens\":3,"
	    "\"total_tokens\":7}}");
	free(s);
	json_decref(v);
	req_clear(&rq);

	ch[0].rc_logprobs = test_json("[{\"token\":\"On\",\"bytes\":[79,110],"
	    "\"logprob\":-1,\"top_logprobs\":[{\"token\":\"On\",\"bytes\":"
	    "[79,110],\"logprob\":-1},{\"token\":\"X\",\"bytes\":[88],"
	    "\"logprob\":-2}]},{\"token\":\"\\u00e9e\",\"bytes\":[195,169,"
	    "101],\"logprob\":-0.5,\"top_logprobs\":[]}]");
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_COMPLETION, TEST_COMPL
	    ",\"n\":2,\"logprobs\":2}", &rq, &err), 0);
	v = req_reply_generate(&rq, "cmpl-x", 5, ch, res);
	s = test_dump(json_object_get(v, "choices"));
	CU_ASSERT_STRING_EQUAL(s, "[{\"finish_reason\":\"stop\",\"index\":0,"
	    "\"logprobs\":{\"text_offset\":[0,2],\"token_logprobs\":[-1,-0.5],"
	    "\"tokens\":[\"On\",\"\xc3\xa9" "e\"],\"top_logprobs\":[{\"On\":-1,"
	    "\"X\":-2},{}]},\"text\":\"Once\"},{\"finish_reason\":\"length\","
	    "\"index\":1,\"logprobs\":null,\"text\":\"\"}]");
	free(s);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v,
	    "object")), "text_completion");
	CU_ASSERT_EQUAL(ch[0].rc_offset, 4);	/* code points, not bytes */
	json_decref(v);
	req_clear(&rq);

	json_decref(ch[0].rc_logprobs);
	json_decref(res);
	for (i = 0; i < 2; i++)
		buf_free(ch[i].rc_text);
}

static char *
test_sse(const struct req *rq, enum req_delta delta,
    const struct req_event *ev)
{
	struct req_choice	 ch;
	struct buf		*head, *out;
	char			*s;

	memset(&ch, 0, sizeof(ch));
	head = buf_new(0);
	out = buf_new(0);
	CU_ASSERT_EQUAL(req_sse_head(head, rq, "id-1", 7), 0);
	CU_ASSERT_EQUAL(req_sse_choice(out, rq, head, &ch, ev->ev_index,
	    delta, ev), 0);
	s = calloc(1, buf_len(out) + 1);
	memcpy(s, buf_ptr(out), buf_len(out));
	buf_free(head);
	buf_free(out);
	return s;
}

static void
test_stream_chunks(void)
{
	struct req		 rq;
	struct req_error	 err;
	struct req_event	 ev;
	struct buf		*head, *out;
	json_t			*res;
	char			*s;

	memset(&ev, 0, sizeof(ev));
	ev.ev_index = 1;
	ev.ev_text = "a\"b\n\x01";
	ev.ev_textlen = 5;
	ev.ev_finish = "length";
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, "{\"model\":\"m\\\"q\","
	    "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":2,"
	    "\"stream\":true}", &rq, &err), 0);
	s = test_sse(&rq, REQ_DELTA_ROLE, &ev);
	CU_ASSERT_STRING_EQUAL(s, "data: {\"id\":\"id-1\",\"object\":"
	    "\"chat.completion.chunk\",\"created\":7,\"model\":\"m\\\"q\","
	    "\"system_fingerprint\":\"" REQ_FINGERPRINT "\",\"choices\":"
	    "[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
	    "\"logprobs\":null,\"finish_reason\":null}]}\n\n");
	free(s);
	s = test_sse(&rq, REQ_DELTA_TEXT, &ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"choices\":[{\"index\":1,"
	    "\"delta\":{\"content\":\"a\\\"b\\n\\u0001\"},\"logprobs\":null,"
	    "\"finish_reason\":null}]}\n\n"));
	free(s);
	s = test_sse(&rq, REQ_DELTA_FINISH, &ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"choices\":[{\"index\":1,"
	    "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"length\"}]}"
	    "\n\n"));
	free(s);
	req_clear(&rq);

	/* Completions, usage on: "usage":null on every chunk. */
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_COMPLETION, TEST_COMPL
	    ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
	    &rq, &err), 0);
	ev.ev_index = 0;
	s = test_sse(&rq, REQ_DELTA_TEXT, &ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"object\":\"text_completion\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"choices\":[{\"text\":"
	    "\"a\\\"b\\n\\u0001\",\"index\":0,\"logprobs\":null,"
	    "\"finish_reason\":null}],\"usage\":null}\n\n"));
	free(s);
	s = test_sse(&rq, REQ_DELTA_FINISH, &ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"choices\":[{\"text\":\"\","
	    "\"index\":0,\"logprobs\":null,\"finish_reason\":\"length\"}],"
	    "\"usage\":null}\n\n"));
	free(s);
	head = buf_new(0);
	out = buf_new(0);
	res = test_json("{\"model\":\"m\",\"prompt_tokens\":3,"
	    "\"completion_tokens\":4}");
	CU_ASSERT_EQUAL(req_sse_head(head, &rq, "id-2", 8), 0);
	CU_ASSERT_EQUAL(req_sse_usage(out, head, res), 0);
	CU_ASSERT_EQUAL(buf_put(out, "", 1), 0);
	CU_ASSERT_STRING_EQUAL((const char *)buf_ptr(out), "data: {\"id\":"
	    "\"id-2\",\"object\":\"text_completion\",\"created\":8,\"model\":"
	    "\"m\",\"system_fingerprint\":\"" REQ_FINGERPRINT "\",\"choices\":"
	    "[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,"
	    "\"total_tokens\":7}}\n\n");
	json_decref(res);
	buf_free(head);
	buf_free(out);
	req_clear(&rq);
}

static void
test_stream_logprobs_and_errors(void)
{
	struct req		 rq;
	struct req_error	 err;
	struct req_event	 ev;
	struct buf		*out;
	json_t			*lp;
	char			*s;

	lp = test_json("[{\"token\":\"a\",\"bytes\":[97],\"logprob\":-1,"
	    "\"top_logprobs\":[]}]");
	memset(&ev, 0, sizeof(ev));
	ev.ev_text = "a";
	ev.ev_textlen = 1;
	ev.ev_logprobs = lp;
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_CHAT, TEST_CHAT
	    ",\"stream\":true,\"logprobs\":true}", &rq, &err), 0);
	s = test_sse(&rq, REQ_DELTA_TEXT, &ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"logprobs\":{\"content\":[{"
	    "\"token\":\"a\",\"bytes\":[97],\"logprob\":-1,"
	    "\"top_logprobs\":[]}],\"refusal\":null}"));
	free(s);
	req_clear(&rq);
	json_decref(lp);

	out = buf_new(0);
	(void)req_set_error(&err, 500, "server_error", NULL, NULL, "boom");
	CU_ASSERT_EQUAL(req_sse_error(out, &err), 0);
	CU_ASSERT_EQUAL(buf_put(out, "", 1), 0);
	CU_ASSERT_STRING_EQUAL((const char *)buf_ptr(out), "data: {\"error\":"
	    "{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,"
	    "\"code\":null}}\n\n");
	buf_free(out);
}

static void
test_embedding_answers(void)
{
	struct req		 rq;
	struct req_error	 err;
	json_t			*res, *v;
	char			*s;

	res = test_json("{\"model\":\"m\",\"data\":[[1.0,-2.0],[0.5,0.25]],"
	    "\"prompt_tokens\":6}");
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_EMBEDDING, "{\"model\":\"m\","
	    "\"input\":[\"a\",\"b\"]}", &rq, &err), 0);
	v = req_reply_embed(&rq, res);
	s = test_dump(v);
	CU_ASSERT_STRING_EQUAL(s, "{\"data\":[{\"embedding\":[1.0,-2.0],"
	    "\"index\":0,\"object\":\"embedding\"},{\"embedding\":[0.5,0.25],"
	    "\"index\":1,\"object\":\"embedding\"}],\"model\":\"m\",\"object\":"
	    "\"list\",\"usage\":{\"prompt_tokens\":6,\"total_tokens\":6}}");
	free(s);
	json_decref(v);
	req_clear(&rq);
	/* 1.0f is 00 00 80 3f, -2.0f is 00 00 00 c0: little-endian. */
	CU_ASSERT_EQUAL_FATAL(test_parse(REQ_EP_EMBEDDING, "{\"model\":\"m\","
	    "\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}", &rq,
	    &err), 0);
	v = req_reply_embed(&rq, res);
	s = test_dump(json_object_get(v, "data"));
	CU_ASSERT_STRING_EQUAL(s, "[{\"embedding\":\"AACAPwAAAMA=\",\"index\":"
	    "0,\"object\":\"embedding\"},{\"embedding\":\"AAAAPwAAgD4=\","
	    "\"index\":1,\"object\":\"embedding\"}]");
	free(s);
	json_decref(v);
	req_clear(&rq);
	json_decref(res);
}

static void
test_base64_vectors(void)
{
	/* RFC 4648 section 10. */
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct buf	*b;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b = buf_new(0);
		CU_ASSERT_EQUAL(req_base64(b, (const u_char *)v[i][0],
		    strlen(v[i][0])), 0);
		CU_ASSERT_EQUAL(buf_put(b, "", 1), 0);
		CU_ASSERT_STRING_EQUAL((const char *)buf_ptr(b), v[i][1]);
		buf_free(b);
	}
}

static void
test_json_string_escapes(void)
{
	struct buf	*b;
	json_t		*v;
	const char	 in[] = "\"\\/\b\f\n\r\t\x1f\x7f\xc3\xa9";

	b = buf_new(0);
	CU_ASSERT_EQUAL(req_json_string(b, in, sizeof(in) - 1), 0);
	CU_ASSERT_EQUAL(buf_put(b, "", 1), 0);
	CU_ASSERT_STRING_EQUAL((const char *)buf_ptr(b), "\"\\\"\\\\/\\u0008"
	    "\\u000c\\n\\r\\t\\u001f\x7f\xc3\xa9\"");
	/* What jansson reads back is what went in. */
	v = json_loads((const char *)buf_ptr(b), JSON_DECODE_ANY, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(json_string_value(v), in);
	json_decref(v);
	buf_free(b);
}

int
request_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("request", NULL, NULL)) == NULL)
		return -1;
	if (CU_add_test(s, "malformed JSON is a 400 that does not echo it",
	    test_bad_json_is_400_without_echo) == NULL ||
	    CU_add_test(s, "model is required on every endpoint",
	    test_model_is_required) == NULL ||
	    CU_add_test(s, "each message field is checked",
	    test_messages_are_checked) == NULL ||
	    CU_add_test(s, "text content parts are concatenated",
	    test_content_parts_are_concatenated) == NULL ||
	    CU_add_test(s, "tool calls and tools pass through as given",
	    test_tool_calls_pass_through) == NULL ||
	    CU_add_test(s, "a chat request becomes the canonical document",
	    test_chat_document_is_canonical) == NULL ||
	    CU_add_test(s, "a completion request becomes the canonical "
	    "document", test_completion_document_is_canonical) == NULL ||
	    CU_add_test(s, "every prompt form, good and bad",
	    test_prompt_forms) == NULL ||
	    CU_add_test(s, "n times prompts over the limit is refused",
	    test_too_many_choices) == NULL ||
	    CU_add_test(s, "sampling fields: ranges, types, param named",
	    test_sampling_ranges) == NULL ||
	    CU_add_test(s, "logprobs: chat bool, completions count",
	    test_logprobs_per_endpoint) == NULL ||
	    CU_add_test(s, "seed: the client's folded, else the one given",
	    test_seed_is_kept_or_picked) == NULL ||
	    CU_add_test(s, "embedding inputs and encoding_format",
	    test_embedding_inputs) == NULL ||
	    CU_add_test(s, "tokenize and detokenize bodies",
	    test_tokenize_and_detokenize) == NULL ||
	    CU_add_test(s, "errors have OpenAI's shape",
	    test_error_json_shape) == NULL ||
	    CU_add_test(s, "a malformed EVENT is a violation",
	    test_event_check) == NULL ||
	    CU_add_test(s, "RESULT and ERROR documents are checked per op",
	    test_result_and_error_checks) == NULL ||
	    CU_add_test(s, "models list skips refused models",
	    test_models_answer) == NULL ||
	    CU_add_test(s, "chat and completion answers",
	    test_generate_answers) == NULL ||
	    CU_add_test(s, "stream chunks for each delta",
	    test_stream_chunks) == NULL ||
	    CU_add_test(s, "stream chunks with logprobs, and errors",
	    test_stream_logprobs_and_errors) == NULL ||
	    CU_add_test(s, "embeddings as floats and as base64",
	    test_embedding_answers) == NULL ||
	    CU_add_test(s, "base64 matches RFC 4648",
	    test_base64_vectors) == NULL ||
	    CU_add_test(s, "JSON strings are escaped and read back",
	    test_json_string_escapes) == NULL)
		return -1;
	return 0;
}
