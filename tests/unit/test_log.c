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
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "log.h"
#include "tests.h"

/*
 * Unit tests for common/log.c: the redaction filter and the logging
 * choke point.  User content and credentials never reach a log line,
 * whatever shape the text has.  Bad paths come first: tiny buffers,
 * unterminated values, escapes, oversize and multi-line records.
 */

static void	test_capture(int, const char *, void *);
static void	test_expect(const char *, const char *);
static void	test_expect_hidden(const char *, const char *);
static void	test_expect_small(const char *, size_t, const char *);
static void	test_vis_small(const char *, size_t, const char *);
static void	test_sink_on(int);
static void	test_sink_off(void);
static void	test_stderr_of(void (*)(void), char *, size_t);

#define TEST_CANARY	'Z'

static char	test_captured[LOG_MAX_LINE * 2];
static int	test_ncaptured;
static int	test_errno_after;

/* A log sink keeping the last line it was given. */
static void
test_capture(int level, const char *line, void *arg)
{
	(void)strlcpy(test_captured, line, sizeof(test_captured));
	test_ncaptured++;
}

static void
test_expect(const char *in, const char *want)
{
	char	out[1024];

	log_redact(in, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, want);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "\n  in   %s\n  got  %s\n  want %s\n", in, out,
		    want);
}

/* The secret word must not survive, whatever else happens to the text. */
static void
test_expect_hidden(const char *in, const char *secret)
{
	char	out[1024];

	log_redact(in, out, sizeof(out));
	CU_ASSERT_PTR_NULL(strstr(out, secret));
	if (strstr(out, secret) != NULL)
		fprintf(stderr, "\n  in   %s\n  got  %s\n", in, out);
}

/* Redact into outlen bytes followed by a canary that must survive. */
static void
test_expect_small(const char *in, size_t outlen, const char *want)
{
	char	out[16];

	CU_ASSERT_FATAL(outlen < sizeof(out));
	memset(out, TEST_CANARY, sizeof(out));
	log_redact(in, out, outlen);
	CU_ASSERT(memchr(out, '\0', outlen) != NULL);
	CU_ASSERT_EQUAL(out[outlen], TEST_CANARY);
	CU_ASSERT_STRING_EQUAL(out, want);
}

static void
test_vis_small(const char *in, size_t outlen, const char *want)
{
	char	out[16];

	CU_ASSERT_FATAL(outlen < sizeof(out));
	memset(out, TEST_CANARY, sizeof(out));
	log_vis(in, out, outlen);
	CU_ASSERT(memchr(out, '\0', outlen) != NULL);
	CU_ASSERT_EQUAL(out[outlen], TEST_CANARY);
	CU_ASSERT_STRING_EQUAL(out, want);
}

static void
test_sink_on(int level)
{
	log_setlevel(level);
	log_setsink(test_capture, NULL);
	test_captured[0] = '\0';
	test_ncaptured = 0;
}

static void
test_sink_off(void)
{
	log_setsink(NULL, NULL);
	log_setlevel(LOG_LEVEL_QUIET);
}

/* Run fn with stderr going to a file; return what it wrote. */
static void
test_stderr_of(void (*fn)(void), char *out, size_t outlen)
{
	FILE	*f;
	size_t	 n;
	int	 saved;

	out[0] = '\0';
	f = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved != -1);
	CU_ASSERT_FATAL(dup2(fileno(f), STDERR_FILENO) != -1);
	fn();
	CU_ASSERT_FATAL(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	rewind(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void
test_redact_tiny_buffers(void)
{
	static const char *const in[] = {
		"{\"prompt\":\"secret\"}", "Bearer secret", "plain text",
		"sk-abcdefghijklmnopqrstu", "prompt=secret", "",
	};
	char	out[8];
	size_t	i, len;

	/* outlen 0 writes nothing at all. */
	memset(out, TEST_CANARY, sizeof(out));
	log_redact("abc", out, 0);
	CU_ASSERT_EQUAL(out[0], TEST_CANARY);

	test_expect_small("{\"prompt\":\"secret\"}", 1, "");
	test_expect_small("{\"prompt\":\"secret\"}", 2, "{");
	test_expect_small("{\"prompt\":\"secret\"}", 5, "{\"pr");
	test_expect_small("Bearer secret", 1, "");
	test_expect_small("Bearer secret", 2, "B");
	test_expect_small("Bearer secret", 5, "Bear");
	test_expect_small("sk-abcdefghijklmnopqrstu", 5, "sk-[");
	test_expect_small("prompt=secret", 5, "prom");
	test_expect_small("abcdef", 5, "abcd");

	/* Every length up to the buffer: bounded, terminated, no leak. */
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (len = 1; len < sizeof(out); len++) {
			memset(out, TEST_CANARY, sizeof(out));
			log_redact(in[i], out, len);
			CU_ASSERT(strlen(out) < len);
			CU_ASSERT_EQUAL(out[len], TEST_CANARY);
			CU_ASSERT_PTR_NULL(strstr(out, "secret"));
		}
	}
}

static void
test_vis_tiny_buffers(void)
{
	char	out[4];

	memset(out, TEST_CANARY, sizeof(out));
	log_vis("abc", out, 0);
	CU_ASSERT_EQUAL(out[0], TEST_CANARY);

	test_vis_small("abc", 1, "");
	test_vis_small("abc", 2, "a");
	test_vis_small("abcdef", 5, "abcd");
	/* An escape that does not fit is left out whole. */
	test_vis_small("\n", 1, "");
	test_vis_small("\n", 2, "");
	test_vis_small("\n", 3, "\\n");
	test_vis_small("a\nb", 3, "a");
	test_vis_small("a\nb", 4, "a\\n");
	test_vis_small("\\\\", 5, "\\\\\\\\");
	test_vis_small("\\\\", 4, "\\\\");
	test_vis_small("\001", 2, "");
	test_vis_small("\001", 4, "");
	test_vis_small("\001", 5, "\\x01");
	test_vis_small("ab\001", 5, "ab");
	test_vis_small("\n\n\n\n", 5, "\\n\\n");
	test_vis_small("\377\377", 8, "\\xff");
	test_vis_small("\377\377", 9, "\\xff\\xff");
}

static void
test_unterminated_values(void)
{
	test_expect("{\"prompt\":\"never closed", "{\"prompt\":\"[REDACTED]\"");
	test_expect("{\"prompt\":\"ends in a lone backslash\\",
	    "{\"prompt\":\"[REDACTED]\"");
	test_expect("{\"content\":{\"a\":[1,2", "{\"content\":\"[REDACTED]\"");
	test_expect("{\"input\":[\"a\",{\"b\":\"}]\"",
	    "{\"input\":\"[REDACTED]\"");
	/* A key with nothing after it still gets a mask, not the next line. */
	test_expect("{\"prompt\":", "{\"prompt\":\"[REDACTED]\"");
	test_expect("prompt:", "prompt:[REDACTED]");
	/* A key without a separator is not a key. */
	test_expect("\"prompt\"", "\"prompt\"");
}

static void
test_escapes_in_values(void)
{
	test_expect("{\"prompt\":\"a \\\"quoted\\\" b\",\"x\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"x\":1}");
	/* An escaped backslash at the end does not escape the quote. */
	test_expect("{\"text\":\"ends in backslash\\\\\",\"x\":1}",
	    "{\"text\":\"[REDACTED]\",\"x\":1}");
	test_expect("{\"prompt\":\"\\\\\",\"n\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"n\":1}");
	test_expect("{\"prompt\":\"x\\\\\\\"y\",\"n\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"n\":1}");
	/* A value that looks like more JSON is still one value. */
	test_expect("{\"text\":\"a \\\",\\\"x\\\":\\\"fake\"}",
	    "{\"text\":\"[REDACTED]\"}");
	test_expect("{\"prompt\":\"a}b]c\",\"n\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"n\":1}");
	/* A non-JSON bare value: masked to the end of the line. */
	test_expect("{\"prompt\":secret words,\"a\":1}\nnext",
	    "{\"prompt\":\"[REDACTED]\"\nnext");
}

static void
test_odd_neighbours(void)
{
	/* Whatever comes before a secret cannot swallow its key. */
	test_expect_hidden("x-api-key= \"prompt\":\"SECRET\"", "SECRET");
	test_expect_hidden("bearer content: SECRET", "SECRET");
	test_expect_hidden("Bearer Bearer  SECRET", "SECRET");
	test_expect_hidden("\"text\": Bearer  SECRET", "SECRET");
	test_expect_hidden("\\\"text\\\": Cookie: a=1; SECRET", "SECRET");
	test_expect_hidden("Cookie:\" \"prompt\":\"SECRET\"", "SECRET");
	test_expect_hidden("bearer \\\"text\\\":\\\"SECRET\\\"", "SECRET");
	/* A key inside another value: over-masking is the safe side. */
	test_expect("{\"error\":\"bad prompt: SECRET\",\"n\":1}",
	    "{\"error\":\"bad prompt: [REDACTED]");
}

static void
test_choke_truncates(void)
{
	char	big[20000];
	size_t	i, k, n;

	test_sink_on(LOG_LEVEL_DEBUG);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	CU_ASSERT_EQUAL(test_ncaptured, 1);
	n = strlen(test_captured);
	CU_ASSERT(n < LOG_MAX_LINE);
	CU_ASSERT(n > LOG_MAX_LINE - 8);
	CU_ASSERT(n >= 3 && strcmp(test_captured + n - 3, "...") == 0);
	CU_ASSERT(strspn(test_captured, "a") == n - 3);

	/* Truncation never leaves half an escape before the "...". */
	for (i = 0; i < 4; i++) {
		memset(big, '\\', sizeof(big) - 1);
		memset(big, 'a', i);
		log_info("%s", big);
		n = strlen(test_captured);
		CU_ASSERT(n < LOG_MAX_LINE && n > 3);
		for (k = 0; k < n - 3 && test_captured[n - 4 - k] == '\\'; k++)
			;
		CU_ASSERT(k % 2 == 0);
	}
	/* Nor half a \xNN escape. */
	for (i = 0; i < 4; i++) {
		memset(big, '\001', sizeof(big) - 1);
		memset(big, 'a', i);
		log_info("%s", big);
		n = strlen(test_captured);
		CU_ASSERT(n < LOG_MAX_LINE && n > 3);
		CU_ASSERT((n - 3 - i) % 4 == 0);
	}
	/* A secret past the cut is not half shown either. */
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big + LOG_MAX_LINE - 20, "{\"prompt\":\"secret\"}", 19);
	log_info("%s", big);
	CU_ASSERT_PTR_NULL(strstr(test_captured, "secr"));
	test_sink_off();
}

static void
test_choke_single_line(void)
{
	test_sink_on(LOG_LEVEL_DEBUG);
	log_warnx("two\nlines");
	CU_ASSERT_EQUAL(test_ncaptured, 1);
	CU_ASSERT_PTR_NULL(strchr(test_captured, '\n'));
	CU_ASSERT_STRING_EQUAL(test_captured, "two\\nlines");
	log_warnx("%s", "cr\r\ttab \033[2J esc \\ bs");
	CU_ASSERT_STRING_EQUAL(test_captured,
	    "cr\\r\\ttab \\x1b[2J esc \\\\ bs");
	test_sink_off();
}

static void
test_each_key(void)
{
	static const char *const keys[] = {
		"content", "prompt", "text", "arguments", "input", "delta",
		"system", "message", "query", "instruction",
	};
	char	in[256], want[256];
	size_t	i;

	test_expect("{\"model\":\"m\",\"prompt\":\"secret\"}",
	    "{\"model\":\"m\",\"prompt\":\"[REDACTED]\"}");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(in, sizeof(in), "{\"model\":\"m\",\"%s\":\"secret "
		    "words\",\"n\":2}", keys[i]);
		snprintf(want, sizeof(want), "{\"model\":\"m\",\"%s\":"
		    "\"[REDACTED]\",\"n\":2}", keys[i]);
		test_expect(in, want);
	}
	/* Every key in one object, and keys that are not listed stay. */
	test_expect("{\"instruction\":\"x\",\"query\":\"y\",\"role\":\"user\"}",
	    "{\"instruction\":\"[REDACTED]\",\"query\":\"[REDACTED]\","
	    "\"role\":\"user\"}");
	test_expect("{\"model\":\"m\",\"max_tokens\":5,\"stream\":true}",
	    "{\"model\":\"m\",\"max_tokens\":5,\"stream\":true}");
	/* A listed word as a value, not a key, stays. */
	test_expect("{\"a\":\"content\",\"b\":\"x\"}",
	    "{\"a\":\"content\",\"b\":\"x\"}");
	test_expect("[\"prompt\",\"x\"]", "[\"prompt\",\"x\"]");
}

static void
test_nested_values(void)
{
	test_expect("{\"prompt\":{\"a\":\"x\",\"b\":[1,\"y\"]},\"k\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"k\":1}");
	test_expect("{\"input\":[\"one\",\"two\",{\"x\":\"}\"}],\"k\":1}",
	    "{\"input\":\"[REDACTED]\",\"k\":1}");
	/* "messages" is not a key, but each "content" inside it is. */
	test_expect("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"[REDACTED]\"}]}");
	test_expect("{\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"hi there\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"[REDACTED]\"},"
	    "{\"role\":\"assistant\",\"content\":\"[REDACTED]\"}]}");
	/* An array of objects under a key goes whole. */
	test_expect("{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
	    "\"n\":1}",
	    "{\"content\":\"[REDACTED]\",\"n\":1}");
	test_expect("{\"prompt\":[[\"a\"],[\"b\"]],\"n\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"n\":1}");
	test_expect("{\"choices\":[{\"delta\":{\"content\":\"tok\"},"
	    "\"index\":0}]}",
	    "{\"choices\":[{\"delta\":\"[REDACTED]\",\"index\":0}]}");
	test_expect("{\"a\":{\"b\":{\"query\":\"deep\"}}}",
	    "{\"a\":{\"b\":{\"query\":\"[REDACTED]\"}}}");
	test_expect("{\"a\":[{\"b\":[{\"c\":{\"prompt\":\"deep\"}}]}],\"z\":0}",
	    "{\"a\":[{\"b\":[{\"c\":{\"prompt\":\"[REDACTED]\"}}]}],\"z\":0}");
	/* Literals and numbers are masked too. */
	test_expect("{\"prompt\":42,\"x\":true}",
	    "{\"prompt\":\"[REDACTED]\",\"x\":true}");
	test_expect("{\"prompt\":null,\"x\":-1e5}",
	    "{\"prompt\":\"[REDACTED]\",\"x\":-1e5}");
}

static void
test_key_spelling(void)
{
	test_expect("{\"Prompt\":\"x\"}", "{\"Prompt\":\"[REDACTED]\"}");
	test_expect("{\"CONTENT\":\"x\"}", "{\"CONTENT\":\"[REDACTED]\"}");
	test_expect("{\"Prompt\" : \"x\"}", "{\"Prompt\" : \"[REDACTED]\"}");
	test_expect("{\"prompt\"\t:\t\"x\",\"y\":2}",
	    "{\"prompt\"\t:\t\"[REDACTED]\",\"y\":2}");
	test_expect("{\"content\" :\"x\"    ,\"b\":1}",
	    "{\"content\" :\"[REDACTED]\"    ,\"b\":1}");
	/* A longer key that only contains a listed word is kept. */
	test_expect("{\"prompt_tokens\":12}", "{\"prompt_tokens\":12}");
	test_expect("{\"text_offset\":[1]}", "{\"text_offset\":[1]}");
	test_expect("content-type: application/json",
	    "content-type: application/json");
	test_expect("content_length=5", "content_length=5");
}

static void
test_non_json_text(void)
{
	test_expect("prompt=hello world", "prompt=[REDACTED]");
	test_expect("content: x", "content: [REDACTED]");
	test_expect("request prompt=hello world", "request prompt=[REDACTED]");
	test_expect("PROMPT = hello", "PROMPT = [REDACTED]");
	test_expect("got content: the secret; next",
	    "got content: [REDACTED]; next");
	test_expect("query=a&model=b", "query=[REDACTED]&model=b");
	test_expect("prompt=a\nsecond line", "prompt=[REDACTED]\nsecond line");
	test_expect("prompt=\"a b\", model=c",
	    "prompt=\"[REDACTED]\", model=c");
	/* Any "word:" is taken as a key: "the input: x" is masked. */
	test_expect("the input: x", "the input: [REDACTED]");
	/* Prose that merely uses the words stays. */
	test_expect("message type 5 not allowed", "message type 5 not allowed");
	test_expect("bad input", "bad input");
	test_expect("bad input from peer", "bad input from peer");
	test_expect("system call 41 refused", "system call 41 refused");
	test_expect("text/plain input.txt", "text/plain input.txt");
}

static void
test_credentials(void)
{
	test_expect("Authorization: Bearer abc.def",
	    "Authorization: [REDACTED]");
	test_expect("Authorization: Bearer abc.def-ghi",
	    "Authorization: [REDACTED]");
	test_expect("Authorization:Bearer abc", "Authorization:[REDACTED]");
	test_expect("Bearer xyz", "Bearer [REDACTED]");
	test_expect("sent Bearer xyz123 to peer",
	    "sent Bearer [REDACTED] to peer");
	test_expect("Cookie: session=abcdef", "Cookie: [REDACTED]");
	/* Text-form values run to the end of the line: over-masking is safe. */
	test_expect("api_key=12345678 next", "api_key=[REDACTED]");
	test_expect("X-Api-Key: 0123456789", "X-Api-Key: [REDACTED]");
	test_expect("password=hunter2 user=bob", "password=[REDACTED]");
	test_expect("{\"authorization\":\"Basic Zm9vOmJhcg==\"}",
	    "{\"authorization\":\"[REDACTED]\"}");
	test_expect("{\"Authorization\":\"Bearer x\"}",
	    "{\"Authorization\":\"[REDACTED]\"}");
	test_expect("{\"headers\":{\"cookie\":[\"a\",\"b\"]},\"n\":1}",
	    "{\"headers\":{\"cookie\":\"[REDACTED]\"},\"n\":1}");
	/* sk- keys: 16 characters or more after the dash. */
	test_expect("key sk-abcdefghijklmnopqrstuv end",
	    "key sk-[REDACTED] end");
	test_expect("sk-abcdefghijklmnop", "sk-[REDACTED]");
	test_expect("sk-abcdefghijklmno", "sk-abcdefghijklmno");
	test_expect("sk-proj-abcdefghijklmnop", "sk-[REDACTED]");
	test_expect("key=sk-abcdefghijklmnopqrstuvwx", "key=sk-[REDACTED]");
	test_expect("sk-ab", "sk-ab");
	test_expect("short sk-abc stays", "short sk-abc stays");
	/* A header value runs to the end of the line, past "; ". */
	test_expect("Cookie: a=1; b=2", "Cookie: [REDACTED]");
	test_expect("Set-Cookie: sid=x; Path=/\r\nVary: *",
	    "Set-Cookie: [REDACTED]\r\nVary: *");
	test_expect("Proxy-Authorization: Basic Zm9v",
	    "Proxy-Authorization: [REDACTED]");
	test_expect("content: x Cookie: a=1; b=2",
	    "content: [REDACTED]Cookie: [REDACTED]");
	/* However many blanks come after Bearer. */
	test_expect("sent Bearer  abc to", "sent Bearer  [REDACTED] to");
	test_expect("sent bearer\tabc to", "sent bearer\t[REDACTED] to");
	test_expect("Bearer", "Bearer");
	test_expect("{\"bearer\":\"abc\"}", "{\"bearer\":\"abc\"}");
}

static void
test_json_in_json(void)
{
	/* JSON inside a JSON string: keys and values come as \"...\". */
	test_expect("{\"body\":\"{\\\"prompt\\\":\\\"a \\\\\\\"b\\\\\\\" c\\\","
	    "\\\"n\\\":1}\"}",
	    "{\"body\":\"{\\\"prompt\\\":\\\"[REDACTED]\\\",\\\"n\\\":1}\"}");
	test_expect("{\"e\":\"{\\\"messages\\\":[{\\\"content\\\":{\\\"x\\\":"
	    "\\\"}\\\"}}]}\",\"k\":2}",
	    "{\"e\":\"{\\\"messages\\\":[{\\\"content\\\":"
	    "\\\"[REDACTED]\\\"}]}\","
	    "\"k\":2}");
	test_expect("{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\",\"n\":1}",
	    "{\"arguments\":\"[REDACTED]\",\"n\":1}");
	/* Pretty-printed JSON may break the line around the colon. */
	test_expect("{\"prompt\"\n:\n  \"abc\"}",
	    "{\"prompt\"\n:\n  \"[REDACTED]\"}");
}

static void
test_idempotent(void)
{
	static const char *const in[] = {
		"content: x; y", "Cookie: a=1; b=2",
		"{\"prompt\":\"x\",\"n\":1}",
		"Bearer abc", "sk-abcdefghijklmnopqrstu", "prompt=\"a b\" x=1",
		"{\\\"text\\\":\\\"x\\\"}", "{\"input\":[1,2]}",
	};
	char	one[256], two[256];
	size_t	i;

	/* The parent filters a child's records again: nothing changes. */
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		log_redact(in[i], one, sizeof(one));
		log_redact(one, two, sizeof(two));
		CU_ASSERT_STRING_EQUAL(one, two);
	}
}

static void
test_vis_bytes(void)
{
	char	in[2], out[8], want[8];
	int	c;

	test_vis_small("a\nb\rc\td\\e\001f\377", 15, "a\\nb\\rc\\td\\\\e");
	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		if (c == '\n')
			strlcpy(want, "\\n", sizeof(want));
		else if (c == '\r')
			strlcpy(want, "\\r", sizeof(want));
		else if (c == '\t')
			strlcpy(want, "\\t", sizeof(want));
		else if (c == '\\')
			strlcpy(want, "\\\\", sizeof(want));
		else if (c < 0x20 || c >= 0x7f)
			snprintf(want, sizeof(want), "\\x%02x", c);
		else
			snprintf(want, sizeof(want), "%c", c);
		log_vis(in, out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, want);
	}
	log_vis("a\nb\rc\td\\e\001f\377", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a\\nb\\rc");
}

static void
test_choke_redacts(void)
{
	test_sink_on(LOG_LEVEL_DEBUG);
	log_info("request %s", "{\"prompt\":\"secret\"}");
	CU_ASSERT_EQUAL(test_ncaptured, 1);
	CU_ASSERT_PTR_NULL(strstr(test_captured, "secret"));
	CU_ASSERT_STRING_EQUAL(test_captured,
	    "request {\"prompt\":\"[REDACTED]\"}");
	/* Whichever entry point: the _f prefix and errno text too. */
	log_warnx_f("Bearer %s", "tok");
	CU_ASSERT_STRING_EQUAL(test_captured,
	    "test_choke_redacts: Bearer [REDACTED]");
	errno = ENOENT;
	log_warn("content: %s", "secret");
	CU_ASSERT_PTR_NULL(strstr(test_captured, "secret"));
	log_debug("%s", "{\"messages\":[{\"content\":\"secret\"}]}\n"
	    "Cookie: secret");
	CU_ASSERT_PTR_NULL(strstr(test_captured, "secret"));
	CU_ASSERT_EQUAL(test_ncaptured, 4);
	test_sink_off();
}

static void
test_choke_level_filter(void)
{
	test_sink_on(LOG_LEVEL_INFO);
	log_debug("filtered out");
	log_verbose("filtered out");
	CU_ASSERT_EQUAL(test_ncaptured, 0);
	log_info("kept");
	CU_ASSERT_EQUAL(test_ncaptured, 1);

	log_setlevel(LOG_LEVEL_ERROR);
	log_info("filtered out");
	log_debug("filtered out");
	CU_ASSERT_EQUAL(test_ncaptured, 1);
	log_warnx("kept");
	CU_ASSERT_EQUAL(test_ncaptured, 2);
	CU_ASSERT_STRING_EQUAL(test_captured, "kept");

	log_setlevel(LOG_LEVEL_QUIET);
	log_warnx("filtered out");
	CU_ASSERT_EQUAL(test_ncaptured, 2);

	log_setlevel(LOG_LEVEL_DEBUG3);
	log_debug("kept");
	CU_ASSERT_EQUAL(test_ncaptured, 3);

	/* Out-of-range levels are clamped. */
	log_setlevel(99);
	CU_ASSERT_EQUAL(log_getlevel(), LOG_LEVEL_DEBUG3);
	log_setlevel(-5);
	CU_ASSERT_EQUAL(log_getlevel(), LOG_LEVEL_QUIET);
	test_sink_off();
}

static void
test_errno_to_stderr(void)
{
	errno = EACCES;
	log_info("to stderr");
	test_errno_after = errno;
}

static void
test_choke_keeps_errno(void)
{
	char	out[256];
	int	saved;

	test_sink_on(LOG_LEVEL_DEBUG);
	errno = EBADF;
	log_info("keeps errno");
	saved = errno;
	CU_ASSERT_EQUAL(saved, EBADF);

	errno = EBADF;
	log_warn("with errno");
	saved = errno;
	CU_ASSERT_EQUAL(saved, EBADF);
	CU_ASSERT_STRING_EQUAL(test_captured,
	    "with errno: Bad file descriptor");

	errno = EINTR;
	log_setlevel(LOG_LEVEL_QUIET);
	log_warn("filtered");
	saved = errno;
	CU_ASSERT_EQUAL(saved, EINTR);
	test_sink_off();

	/* The stderr path too. */
	log_setlevel(LOG_LEVEL_INFO);
	test_stderr_of(test_errno_to_stderr, out, sizeof(out));
	log_setlevel(LOG_LEVEL_QUIET);
	CU_ASSERT_EQUAL(test_errno_after, EACCES);
	CU_ASSERT_STRING_EQUAL(out, "unit: to stderr\n");
}

static void
test_forward_records(void)
{
	/* A child's line arrives escaped: its backslashes are not doubled. */
	log_forward(LOG_LEVEL_ERROR, "network", "a\\nb \\\\ c");
	/* ... but raw control characters from a child are still escaped. */
	log_forward(LOG_LEVEL_ERROR, "inferd", "x\ny {\"prompt\":\"s\"}");
	/* Below the level: dropped. */
	log_forward(LOG_LEVEL_DEBUG, "keyd", "not shown");
}

static void
test_forward(void)
{
	char	out[1024];

	log_setlevel(LOG_LEVEL_INFO);
	test_stderr_of(test_forward_records, out, sizeof(out));
	log_setlevel(LOG_LEVEL_QUIET);
	CU_ASSERT_STRING_EQUAL(out, "network: a\\nb \\\\ c\n"
	    "inferd: x\\ny {\"prompt\":\"[REDACTED]\"}\n");
}

static void
test_fatal_again(void)
{
	fatalx("from the hook");
}

static void
test_fatal_hook(void)
{
	pid_t	pid;
	int	status;

	/* A fatal hook that calls fatal() itself ends in exit(1): no loop. */
	if ((pid = fork()) == 0) {
		log_setfatalhook(test_fatal_again);
		fatalx("first");
	}
	CU_ASSERT_FATAL(pid != -1);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

static void
test_names(void)
{
	static const char *const facilities[] = {
		"DAEMON", "USER", "AUTH", "LOCAL0", "LOCAL1", "LOCAL2",
		"LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6", "LOCAL7",
	};
	size_t	i;
	int	l, f;

	/* Unknown names and values first. */
	CU_ASSERT_EQUAL(log_level_from_name("LOUD"), -1);
	CU_ASSERT_EQUAL(log_level_from_name(""), -1);
	CU_ASSERT_EQUAL(log_level_from_name("INFO "), -1);
	CU_ASSERT_STRING_EQUAL(log_level_name(-1), "UNKNOWN");
	CU_ASSERT_STRING_EQUAL(log_level_name(LOG_LEVEL_DEBUG3 + 1), "UNKNOWN");
	CU_ASSERT_EQUAL(log_facility_from_name("KERN"), -1);
	CU_ASSERT_EQUAL(log_facility_from_name(""), -1);
	CU_ASSERT_STRING_EQUAL(log_facility_name(-1), "UNKNOWN");

	for (l = LOG_LEVEL_QUIET; l <= LOG_LEVEL_DEBUG3; l++)
		CU_ASSERT_EQUAL(log_level_from_name(log_level_name(l)), l);
	CU_ASSERT_EQUAL(log_level_from_name("debug"), LOG_LEVEL_DEBUG);
	CU_ASSERT_EQUAL(log_level_from_name("DEBUG1"), LOG_LEVEL_DEBUG);
	CU_ASSERT_EQUAL(log_level_from_name("VERBOSE"), LOG_LEVEL_VERBOSE);
	CU_ASSERT_STRING_EQUAL(log_level_name(LOG_LEVEL_INFO), "INFO");

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		f = log_facility_from_name(facilities[i]);
		CU_ASSERT(f != -1);
		CU_ASSERT_STRING_EQUAL(log_facility_name(f), facilities[i]);
	}
	CU_ASSERT_EQUAL(log_facility_from_name("local3"), LOG_LOCAL3);
	CU_ASSERT_EQUAL(log_facility_from_name("daemon"), LOG_DAEMON);
	CU_ASSERT_STRING_EQUAL(log_facility_name(LOG_DAEMON), "DAEMON");
}

int
log_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "tiny redaction buffers never overflow or leak",
		    test_redact_tiny_buffers },
		{ "tiny escape buffers never overflow or split an escape",
		    test_vis_tiny_buffers },
		{ "an unterminated value is redacted to the end",
		    test_unterminated_values },
		{ "escaped quotes and backslashes do not end a value",
		    test_escapes_in_values },
		{ "text before a secret cannot swallow its key",
		    test_odd_neighbours },
		{ "a 20000-byte record is cut below LOG_MAX_LINE with ...",
		    test_choke_truncates },
		{ "a record with a newline arrives on one line",
		    test_choke_single_line },
		{ "values of each of the 10 content keys are redacted",
		    test_each_key },
		{ "object and array values go whole, nested keys too",
		    test_nested_values },
		{ "keys match in any case and spacing, not inside longer keys",
		    test_key_spelling },
		{ "keys in non-JSON text are redacted, prose is not",
		    test_non_json_text },
		{ "bearer tokens, auth headers and API keys are masked",
		    test_credentials },
		{ "JSON inside a JSON string is redacted too",
		    test_json_in_json },
		{ "filtering a filtered line changes nothing",
		    test_idempotent },
		{ "control characters and non-ASCII bytes are escaped",
		    test_vis_bytes },
		{ "every record passes the filter at the choke point",
		    test_choke_redacts },
		{ "the level filters records", test_choke_level_filter },
		{ "a log call keeps errno", test_choke_keeps_errno },
		{ "a child's record is filtered, not escaped twice",
		    test_forward },
		{ "a fatal hook calling fatal() does not loop",
		    test_fatal_hook },
		{ "level and facility names round trip", test_names },
	};
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite("log", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	}
	return 0;
}
