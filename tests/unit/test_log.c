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

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <CUnit/CUnit.h>

#include "log.h"
#include "tests.h"

/*
 * The redaction filter and the logging choke point: user content and
 * credentials never reach a log line, whatever shape the text has.
 */

static char	captured[LOG_MAX_LINE * 2];
static int	ncaptured;

static void
capture(int level, const char *line, void *arg)
{
	strlcpy(captured, line, sizeof(captured));
	ncaptured++;
}

static void
expect(const char *in, const char *want)
{
	char	out[1024];

	log_redact(in, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, want);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "\n  in   %s\n  got  %s\n  want %s\n", in, out,
		    want);
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

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(in, sizeof(in), "{\"model\":\"m\",\"%s\":\"secret "
		    "words\",\"n\":2}", keys[i]);
		snprintf(want, sizeof(want), "{\"model\":\"m\",\"%s\":"
		    "\"[REDACTED]\",\"n\":2}", keys[i]);
		expect(in, want);
	}
}

static void
test_nested_values(void)
{
	expect("{\"prompt\":{\"a\":\"x\",\"b\":[1,\"y\"]},\"k\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"k\":1}");
	expect("{\"input\":[\"one\",\"two\",{\"x\":\"}\"}],\"k\":1}",
	    "{\"input\":\"[REDACTED]\",\"k\":1}");
	expect("{\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"},"
	    "{\"role\":\"assistant\",\"content\":\"hello\"}]}",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"[REDACTED]\"},"
	    "{\"role\":\"assistant\",\"content\":\"[REDACTED]\"}]}");
	expect("{\"a\":{\"b\":{\"query\":\"deep\"}}}",
	    "{\"a\":{\"b\":{\"query\":\"[REDACTED]\"}}}");
	expect("{\"prompt\":42,\"x\":true}", "{\"prompt\":\"[REDACTED]\","
	    "\"x\":true}");
}

static void
test_escapes_in_values(void)
{
	expect("{\"prompt\":\"a \\\"quoted\\\" b\",\"x\":1}",
	    "{\"prompt\":\"[REDACTED]\",\"x\":1}");
	expect("{\"text\":\"ends in backslash\\\\\",\"x\":1}",
	    "{\"text\":\"[REDACTED]\",\"x\":1}");
	expect("{\"text\":\"a \\\",\\\"x\\\":\\\"fake\"}",
	    "{\"text\":\"[REDACTED]\"}");
}

static void
test_unterminated_values(void)
{
	expect("{\"prompt\":\"never closed", "{\"prompt\":\"[REDACTED]\"");
	expect("{\"content\":{\"a\":[1,2", "{\"content\":\"[REDACTED]\"");
}

static void
test_key_spelling(void)
{
	expect("{\"Prompt\" : \"x\"}", "{\"Prompt\" : \"[REDACTED]\"}");
	expect("{\"CONTENT\":\"x\"}", "{\"CONTENT\":\"[REDACTED]\"}");
	/* A longer key that only contains a redacted word is kept. */
	expect("{\"prompt_tokens\":12}", "{\"prompt_tokens\":12}");
	expect("{\"text_offset\":[1]}", "{\"text_offset\":[1]}");
}

static void
test_non_json_text(void)
{
	expect("request prompt=hello world", "request prompt=[REDACTED]");
	expect("got content: the secret; next",
	    "got content: [REDACTED]; next");
	expect("query=a&model=b", "query=[REDACTED]&model=b");
	/* Prose that merely uses the words stays. */
	expect("message type 5 not allowed", "message type 5 not allowed");
	expect("bad input from peer", "bad input from peer");
	expect("system call 41 refused", "system call 41 refused");
}

static void
test_credentials(void)
{
	expect("Authorization: Bearer abc.def-ghi",
	    "Authorization: [REDACTED]");
	expect("sent Bearer xyz123 to peer", "sent Bearer [REDACTED] to peer");
	expect("Cookie: session=abcdef", "Cookie: [REDACTED]");
	/* Text-form values run to the end of the line: over-redaction is safe. */
	expect("api_key=12345678 next", "api_key=[REDACTED]");
	expect("{\"authorization\":\"Basic Zm9vOmJhcg==\"}",
	    "{\"authorization\":\"[REDACTED]\"}");
	expect("key sk-abcdefghijklmnopqrstuv end",
	    "key sk-[REDACTED] end");
	expect("short sk-abc stays", "short sk-abc stays");
}

static void
test_truncation_bounds(void)
{
	char	out[8];
	size_t	len;

	for (len = 1; len <= 6; len++) {
		memset(out, 'Z', sizeof(out));
		log_redact("{\"prompt\":\"secret\"}", out, len);
		CU_ASSERT(strlen(out) < len);
		CU_ASSERT(out[len] == 'Z' || len == sizeof(out));
		CU_ASSERT(strstr(out, "secret") == NULL);
	}
	memset(out, 'Z', sizeof(out));
	log_vis("\n\n\n\n", out, 5);
	CU_ASSERT_STRING_EQUAL(out, "\\n\\n");
	CU_ASSERT(out[5] == 'Z');
}

static void
test_vis(void)
{
	char	out[64];

	log_vis("a\nb\rc\td\\e\001f\377", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a\\nb\\rc\\td\\\\e\\x01f\\xff");
	/* An escape is never split by the end of the buffer. */
	log_vis("ab\001", out, 5);
	CU_ASSERT_STRING_EQUAL(out, "ab");
}

static void
test_choke_point(void)
{
	char	big[20000];
	int	saved;

	log_setlevel(LOG_LEVEL_DEBUG);
	log_setsink(capture, NULL);
	ncaptured = 0;
	log_info("request %s", "{\"prompt\":\"the secret\"}");
	CU_ASSERT_EQUAL(ncaptured, 1);
	CU_ASSERT(strstr(captured, "secret") == NULL);
	CU_ASSERT(strstr(captured, "[REDACTED]") != NULL);

	log_warnx("two\nlines");
	CU_ASSERT_STRING_EQUAL(captured, "two\\nlines");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	CU_ASSERT(strlen(captured) < LOG_MAX_LINE);
	CU_ASSERT(strcmp(captured + strlen(captured) - 3, "...") == 0);

	errno = EBADF;
	log_info("keeps errno");
	saved = errno;
	CU_ASSERT_EQUAL(saved, EBADF);

	ncaptured = 0;
	log_setlevel(LOG_LEVEL_ERROR);
	log_info("filtered out");
	log_debug("filtered out");
	CU_ASSERT_EQUAL(ncaptured, 0);
	log_warnx("kept");
	CU_ASSERT_EQUAL(ncaptured, 1);

	log_setsink(NULL, NULL);
	log_setlevel(LOG_LEVEL_QUIET);
}

static void
test_names(void)
{
	CU_ASSERT_EQUAL(log_level_from_name("debug"), LOG_LEVEL_DEBUG);
	CU_ASSERT_EQUAL(log_level_from_name("DEBUG1"), LOG_LEVEL_DEBUG);
	CU_ASSERT_EQUAL(log_level_from_name("VERBOSE"), LOG_LEVEL_VERBOSE);
	CU_ASSERT_EQUAL(log_level_from_name("LOUD"), -1);
	CU_ASSERT_STRING_EQUAL(log_level_name(LOG_LEVEL_INFO), "INFO");
	CU_ASSERT_EQUAL(log_facility_from_name("local3"), LOG_LOCAL3);
	CU_ASSERT_STRING_EQUAL(log_facility_name(LOG_DAEMON), "DAEMON");
	CU_ASSERT_EQUAL(log_facility_from_name("KERN"), -1);
}

int
log_suite(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("log", NULL, NULL)) == NULL)
		return -1;
	if (CU_add_test(s, "values of each of the 10 content keys are redacted",
	    test_each_key) == NULL ||
	    CU_add_test(s, "object and array values go whole, nested keys too",
	    test_nested_values) == NULL ||
	    CU_add_test(s, "escaped quotes inside a value do not end it",
	    test_escapes_in_values) == NULL ||
	    CU_add_test(s, "an unterminated value is redacted to the end",
	    test_unterminated_values) == NULL ||
	    CU_add_test(s, "keys match in any case, not inside longer keys",
	    test_key_spelling) == NULL ||
	    CU_add_test(s, "keys in non-JSON text are redacted, prose is not",
	    test_non_json_text) == NULL ||
	    CU_add_test(s, "bearer tokens, auth headers and API keys are masked",
	    test_credentials) == NULL ||
	    CU_add_test(s, "tiny output buffers never overflow or leak",
	    test_truncation_bounds) == NULL ||
	    CU_add_test(s, "control characters are escaped",
	    test_vis) == NULL ||
	    CU_add_test(s, "every record passes the filter at the choke point",
	    test_choke_point) == NULL ||
	    CU_add_test(s, "level and facility names round trip",
	    test_names) == NULL)
		return -1;
	return 0;
}
