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
#include <time.h>

#include <jansson.h>

#include "err.h"
#include "engine/template.h"

/*
 * libFuzzer target for the chat template interpreter.  The input up to
 * its first NUL byte is the template; the byte after it, if any,
 * picks the context: with or without tools, with or without the
 * generation prompt.  The context is a small fixed conversation with
 * every role, a tool call and bos/eos tokens.  Parsing and rendering
 * must return one of the documented codes, and a rendering must be
 * NUL-terminated at its length and within TMPL_MAX_OUTPUT; anything
 * else aborts, so libFuzzer reports it like a crash.
 */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_code_ok(int);

static json_t	*fuzz_ctx[4];

static const char fuzz_base[] = "{"
    "\"bos_token\": \"<s>\", \"eos_token\": \"</s>\","
    "\"messages\": ["
    " {\"role\": \"system\", \"content\": \"You are terse.\"},"
    " {\"role\": \"user\", \"content\": \"Weather in \\\"Paris\\\"? \\u00e9\"},"
    " {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{"
    "  \"id\": \"c1\", \"type\": \"function\", \"function\": {"
    "  \"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]},"
    " {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"21\"},"
    " {\"role\": \"assistant\", \"content\": \"  It is 21. \"}]"
    "}";

static const char fuzz_tools[] = "[{\"type\": \"function\", \"function\": {"
    "\"name\": \"get_weather\", \"description\": \"Weather of a city\","
    "\"parameters\": {\"type\": \"object\", \"properties\": {"
    "\"city\": {\"type\": \"string\", \"description\": \"City\"},"
    "\"unit\": {\"type\": \"string\", \"enum\": [\"c\", \"f\"]}},"
    "\"required\": [\"city\"]}}}]";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_error_t	je;
	size_t		i;

	(void)argc;
	(void)argv;
	for (i = 0; i < 4; i++) {
		if ((fuzz_ctx[i] = json_loads(fuzz_base, 0, &je)) == NULL)
			abort();
		if ((i & 1) && json_object_set_new(fuzz_ctx[i], "tools",
		    json_loads(fuzz_tools, 0, &je)) != 0)
			abort();
		if (json_object_set_new(fuzz_ctx[i], "add_generation_prompt",
		    json_boolean(i & 2)) != 0)
			abort();
	}
	return 0;
}

static int
fuzz_code_ok(int r)
{
	return r == PWR_ERR_INVALID_FORMAT || r == PWR_ERR_ALLOC_FAIL ||
	    r == TMPL_ERR_LIMIT || r == TMPL_ERR_RAISED;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tmpl	*t;
	const uint8_t	*nul;
	char		*out, err[TMPL_ERRLEN];
	size_t		 tlen, outlen;
	int		 r, which = 0;

	tlen = len;
	if ((nul = memchr(data, '\0', len)) != NULL) {
		tlen = (size_t)(nul - data);
		if (tlen + 1 < len)
			which = data[tlen + 1] & 3;
	}
	r = tmpl_parse((const char *)data, tlen, &t, err, sizeof(err));
	if (r != 0) {
		if (t != NULL || !fuzz_code_ok(r) || r == TMPL_ERR_RAISED ||
		    err[0] == '\0')
			abort();
		return 0;
	}
	r = tmpl_render(t, fuzz_ctx[which], (time_t)1721995200, &out, &outlen,
	    err, sizeof(err));
	if (r == 0) {
		if (out == NULL || outlen > TMPL_MAX_OUTPUT ||
		    out[outlen] != '\0')
			abort();
		freezero(out, outlen + 1);
	} else if (out != NULL || !fuzz_code_ok(r))
		abort();
	tmpl_free(t);
	return 0;
}
