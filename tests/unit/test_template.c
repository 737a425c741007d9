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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

#include "err.h"
#include "engine/template.h"
#include "tests.h"

/*
 * The chat template interpreter: the real templates against the
 * renderings Jinja2 made of them (tests/data/chat-templates), the
 * limits that keep a hostile template from hanging or exhausting the
 * process, and one test per feature so that a regression names what
 * broke.  The expected strings of the feature tests are what Jinja2
 * 3.1 renders, configured as apply_chat_template configures it.
 */

/* strftime_now() in the references is 2024-07-26; noon that day, UTC. */
#define TT_NOW		((time_t)1721995200)
/* A limit must trip well within this, even under a sanitizer. */
#define TT_QUICK_SECS	10.0

struct tt_case {
	const char	*tc_src;
	const char	*tc_want;	/* NULL: the render must fail */
};

static char	*tt_slurp(const char *, size_t *);
static char	*tt_repeat(const char *, size_t, const char *, const char *);
static json_t	*tt_ctx(void);
static int	 tt_render(const char *, json_t *, char **, size_t *, char *,
		    size_t);
static void	 tt_table(const struct tt_case *, size_t);
static double	 tt_now(void);
static void	 tt_limit(const char *, int);
static int	 tt_artefact(const char *, const char *);
static void	 tt_one_reference(const char *, json_t *, json_t *, size_t *,
		    size_t *, size_t *);

static void	test_references(void);
static void	test_repeatable(void);
static void	test_bad_args(void);
static void	test_syntax_errors(void);
static void	test_limit_nesting(void);
static void	test_limit_loops(void);
static void	test_limit_growth(void);
static void	test_raise(void);
static void	test_undefined(void);
static void	test_chatml(void);
static void	test_whitespace(void);
static void	test_values(void);
static void	test_operators(void);
static void	test_access(void);
static void	test_filters(void);
static void	test_tojson(void);
static void	test_tests(void);
static void	test_methods(void);
static void	test_loops(void);
static void	test_scopes(void);
static void	test_macros(void);
static void	test_markup(void);

static char *
tt_slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* The variables the feature tests use. */
static json_t *
tt_ctx(void)
{
	json_error_t	 je;

	return json_loads("{"
	    "\"s\": \"Hello World\", \"n\": null, \"t\": true, \"f\": 1.5,"
	    "\"i\": 7, \"l\": [3, 1, 2], \"e\": [],"
	    "\"d\": {\"a\": 1, \"b\": [1, 2], \"c\": {\"x\": \"y\"}},"
	    "\"u8\": \"h\\u00e9llo\","
	    "\"msgs\": [{\"role\": \"user\", \"content\": \"hi\"},"
	    " {\"role\": \"assistant\", \"content\": \" yo \"}]"
	    "}", 0, &je);
}

static int
tt_render(const char *src, json_t *ctx, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct tmpl	*t;
	int		 r;

	*out = NULL;
	*outlen = 0;
	if ((r = tmpl_parse(src, strlen(src), &t, err, errlen)) != 0)
		return r;
	r = tmpl_render(t, ctx, TT_NOW, out, outlen, err, errlen);
	tmpl_free(t);
	return r;
}

static void
tt_table(const struct tt_case *tc, size_t n)
{
	json_t	*ctx = tt_ctx();
	char	*out, err[TMPL_ERRLEN];
	size_t	 i, len;
	int	 r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	for (i = 0; i < n; i++) {
		r = tt_render(tc[i].tc_src, ctx, &out, &len, err, sizeof(err));
		if (tc[i].tc_want == NULL) {
			if (r == 0)
				fprintf(stderr, "\n  %s: rendered \"%s\"\n",
				    tc[i].tc_src, out);
			CU_ASSERT(r != 0);
		} else if (r != 0) {
			fprintf(stderr, "\n  %s: %s\n", tc[i].tc_src, err);
			CU_FAIL("render failed");
		} else {
			if (strcmp(out, tc[i].tc_want) != 0)
				fprintf(stderr, "\n  %s: \"%s\", want \"%s\"\n",
				    tc[i].tc_src, out, tc[i].tc_want);
			CU_ASSERT_STRING_EQUAL(out, tc[i].tc_want);
			CU_ASSERT_EQUAL(len, strlen(tc[i].tc_want));
		}
		if (out != NULL)
			freezero(out, len + 1);
	}
	json_decref(ctx);
}

static double
tt_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* src must fail with the code given, and quickly. */
static void
tt_limit(const char *src, int want)
{
	json_t	*ctx = tt_ctx();
	char	*out, err[TMPL_ERRLEN];
	size_t	 len;
	double	 t0;
	int	 r;

	t0 = tt_now();
	r = tt_render(src, ctx, &out, &len, err, sizeof(err));
	if (r != want)
		fprintf(stderr, "\n  %.60s: got %d (%s), want %d\n", src, r,
		    r ? err : "rendered", want);
	CU_ASSERT_EQUAL(r, want);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT(tt_now() - t0 < TT_QUICK_SECS);
	free(out);
	json_decref(ctx);
}

/*
 * Two reference errors are Python's, not the template language's (see
 * renders/README.md): tojson given a generator (map() is lazy in
 * Python) and str + dict in the functionary templates given dict
 * arguments.  They are not references for another implementation.
 */
static int
tt_artefact(const char *tname, const char *error)
{
	if (strstr(error, "Object of type generator") != NULL)
		return 1;
	return strncmp(tname, "meetkai-functionary", 19) == 0 &&
	    strstr(error, "can only concatenate str (not \"dict\")") != NULL;
}

static void
tt_one_reference(const char *tname, json_t *cases, json_t *tc,
    size_t *nmatch, size_t *nerr, size_t *nskip)
{
	struct tmpl	*t;
	const char	*cname, *dir = tests_datadir(), *want;
	json_t		*c, *ctx, *ref;
	char		 path[1024], err[TMPL_ERRLEN], *src, *exp, *out;
	size_t		 len, elen, outlen;
	int		 r;

	(void)snprintf(path, sizeof(path),
	    "%s/tests/data/chat-templates/%s.jinja", dir, tname);
	src = tt_slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	r = tmpl_parse(src, len, &t, err, sizeof(err));
	free(src);
	if (r != 0)
		fprintf(stderr, "\n  %s: %s\n", tname, err);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	json_object_foreach(tc, cname, ref) {
		ctx = json_deep_copy(json_object_get(cases, cname));
		CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
		json_object_set_new(ctx, "bos_token", json_string("<s>"));
		json_object_set_new(ctx, "eos_token", json_string("</s>"));
		r = tmpl_render(t, ctx, TT_NOW, &out, &outlen, err,
		    sizeof(err));
		json_decref(ctx);
		if ((c = json_object_get(ref, "error")) != NULL) {
			want = json_string_value(c);
			if (tt_artefact(tname, want)) {
				(*nskip)++;
			} else {
				if (r == 0)
					fprintf(stderr, "\n  %s %s: rendered, "
					    "Jinja2 raised %s\n", tname, cname,
					    want);
				CU_ASSERT(r != 0);
				/* raise_exception(): the template's words. */
				if (strncmp(want, "TemplateError: ", 15) == 0) {
					CU_ASSERT_EQUAL(r, TMPL_ERR_RAISED);
					CU_ASSERT_STRING_EQUAL(err, want + 15);
				}
				*nerr += r != 0;
			}
			if (r == 0)
				freezero(out, outlen + 1);
			continue;
		}
		(void)snprintf(path, sizeof(path),
		    "%s/tests/data/chat-templates/renders/%s", dir,
		    json_string_value(json_object_get(ref, "file")));
		exp = tt_slurp(path, &elen);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exp);
		if (r != 0)
			fprintf(stderr, "\n  %s %s: %s\n", tname, cname, err);
		else if (outlen != elen || memcmp(out, exp, elen) != 0)
			fprintf(stderr, "\n  %s %s: output differs\n", tname,
			    cname);
		else
			(*nmatch)++;
		CU_ASSERT(r == 0 && outlen == elen &&
		    memcmp(out, exp, elen) == 0);
		free(exp);
		if (r == 0)
			freezero(out, outlen + 1);
	}
	tmpl_free(t);
}

static void
test_references(void)
{
	json_t		*idx, *cases, *renders, *tc, *c;
	json_error_t	 je;
	const char	*tname, *cname;
	char		 path[1024];
	size_t		 nmatch = 0, nerr = 0, nskip = 0, nfile = 0, ntotal = 0;

	(void)snprintf(path, sizeof(path),
	    "%s/tests/data/chat-templates/renders/index.json",
	    tests_datadir());
	idx = json_load_file(path, 0, &je);
	CU_ASSERT_PTR_NOT_NULL_FATAL(idx);
	cases = json_object_get(idx, "cases");
	renders = json_object_get(idx, "renders");
	CU_ASSERT_FATAL(json_is_object(cases) && json_is_object(renders));
	json_object_foreach(renders, tname, tc) {
		json_object_foreach(tc, cname, c) {
			ntotal++;
			nfile += json_object_get(c, "file") != NULL;
		}
		tt_one_reference(tname, cases, tc, &nmatch, &nerr, &nskip);
	}
	/* 17 templates x 7 cases: 101 renders, 13 errors, 5 artefacts. */
	CU_ASSERT_EQUAL(ntotal, 119);
	CU_ASSERT_EQUAL(nmatch, nfile);
	CU_ASSERT_EQUAL(nmatch, 101);
	CU_ASSERT_EQUAL(nerr, 13);
	CU_ASSERT_EQUAL(nskip, 5);
	CU_ASSERT_EQUAL(nmatch + nerr + nskip, ntotal);
	json_decref(idx);
}

/* One parse, many renders: the template is not changed by rendering. */
static void
test_repeatable(void)
{
	static const char src[] = "{% set ns = namespace(n=0) %}"
	    "{% for m in msgs %}{% set ns.n = ns.n + 1 %}{{ m.role }},"
	    "{% endfor %}{{ ns.n }}{{ ' x '|trim }}";
	struct tmpl	*t;
	json_t		*ctx = tt_ctx();
	char		*out, err[TMPL_ERRLEN];
	size_t		 len;
	int		 i;

	CU_ASSERT_EQUAL_FATAL(tmpl_parse(src, strlen(src), &t, err,
	    sizeof(err)), 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(tmpl_render(t, ctx, TT_NOW, &out, &len,
		    err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(out, "user,assistant,2x");
		freezero(out, len + 1);
	}
	/* No context at all: every variable is undefined. */
	CU_ASSERT_EQUAL(tmpl_render(t, NULL, TT_NOW, &out, &len, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "0x");
	free(out);
	tmpl_free(t);
	json_decref(ctx);
}

static void
test_bad_args(void)
{
	struct tmpl	*t;
	json_t		*arr;
	char		*out, err[TMPL_ERRLEN];
	size_t		 len;

	/* Not UTF-8. */
	CU_ASSERT_EQUAL(tmpl_parse("a\xff", 2, &t, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(tmpl_parse("x", TMPL_MAX_SOURCE + 1, &t, err,
	    sizeof(err)), TMPL_ERR_LIMIT);
	CU_ASSERT_EQUAL(tmpl_render(NULL, NULL, 0, &out, &len, err,
	    sizeof(err)), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL_FATAL(tmpl_parse("x", 1, &t, err, sizeof(err)), 0);
	arr = json_array();
	CU_ASSERT_EQUAL(tmpl_render(t, arr, 0, &out, &len, err,
	    sizeof(err)), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NULL(out);
	json_decref(arr);
	tmpl_free(t);
	tmpl_free(NULL);
	/* The empty template renders nothing. */
	CU_ASSERT_EQUAL_FATAL(tmpl_parse("", 0, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tmpl_render(t, NULL, 0, &out, &len, NULL, 0), 0);
	CU_ASSERT_EQUAL(len, 0);
	free(out);
	tmpl_free(t);
}

static void
test_syntax_errors(void)
{
	static const struct {
		const char	*src;
		const char	*line;
	} bad[] = {
		{ "a\nb\n{{ x +* }}", "line 3:" },
		{ "{% for x in y %}\n{% endif %}", "line 2:" },
		{ "\n\n\n{% if x %}", "line 4:" },
		{ "{{ x|nosuch }}", "line 1:" },
		{ "{% nosuchtag %}", "line 1:" },
		{ "x\n{# open", "line 2:" },
		{ "{{ 'unterminated }}", "line 1:" },
		{ "{{ (1 }}", "line 1:" },
		{ "{% break %}", "line 1:" },
		{ "{% macro m(a=1, b) %}{% endmacro %}", "line 1:" },
		{ "{% set 1 = 2 %}", "line 1:" },
		{ "{{ f(a=1, 2) }}", "line 1:" },
		{ "{% include 'x' %}", "line 1:" },
		{ "{{ '\\x4' }}", "line 1:" },
		{ "{% for loop in x %}{% endfor %}", "line 1:" },
	};
	struct tmpl	*t;
	char		 err[TMPL_ERRLEN];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(tmpl_parse(bad[i].src, strlen(bad[i].src), &t,
		    err, sizeof(err)), PWR_ERR_INVALID_FORMAT);
		CU_ASSERT_PTR_NULL(t);
		if (strncmp(err, bad[i].line, strlen(bad[i].line)) != 0)
			fprintf(stderr, "\n  %s: \"%s\"\n", bad[i].src, err);
		CU_ASSERT(strncmp(err, bad[i].line, strlen(bad[i].line)) == 0);
	}
	/* An unknown filter in an if waits until it runs, as in Jinja. */
	CU_ASSERT_EQUAL(tmpl_parse("{% if 0 %}{{ x|nosuch }}{% endif %}", 35,
	    &t, err, sizeof(err)), 0);
	tmpl_free(t);
}

static char *
tt_repeat(const char *a, size_t n, const char *mid, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), lm = strlen(mid), i;
	char	*s, *p;

	if ((s = malloc((la + lb) * n + lm + 1)) == NULL)
		return NULL;
	for (p = s, i = 0; i < n; i++, p += la)
		memcpy(p, a, la);
	memcpy(p, mid, lm);
	p += lm;
	for (i = 0; i < n; i++, p += lb)
		memcpy(p, b, lb);
	*p = '\0';
	return s;
}

static void
test_limit_nesting(void)
{
	char	*s, *v;

	/* Too deep to parse: brackets, then blocks. */
	s = tt_repeat("(", 100, "1", ")");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FATAL(asprintf(&v, "{{ %s }}", s) != -1);
	tt_limit(v, TMPL_ERR_LIMIT);
	free(v);
	free(s);
	s = tt_repeat("{% if 1 %}", 100, "x", "{% endif %}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	tt_limit(s, TMPL_ERR_LIMIT);
	free(s);
	/* Unbounded recursion, and an expression too deep to evaluate. */
	tt_limit("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
	    TMPL_ERR_LIMIT);
	s = tt_repeat("1 + ", 5000, "1", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FATAL(asprintf(&v, "{{ %s }}", s) != -1);
	tt_limit(v, TMPL_ERR_LIMIT);
	free(v);
	free(s);
	/* Lists nested deeper than TMPL_MAX_DATA_DEPTH. */
	tt_limit("{% set ns = namespace(l=[]) %}{% for i in range(1000) %}"
	    "{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l|length }}",
	    TMPL_ERR_LIMIT);
}

static void
test_limit_loops(void)
{
	tt_limit("{% for i in range(10**9) %}x{% endfor %}", TMPL_ERR_LIMIT);
	tt_limit("{% for i in range(100000) %}{% for j in range(100000) %}"
	    "{% endfor %}{% endfor %}", TMPL_ERR_LIMIT);
	tt_limit("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
	    TMPL_ERR_LIMIT);
	tt_limit("{{ 2 ** 64 }}", TMPL_ERR_LIMIT);
}

static void
test_limit_growth(void)
{
	/* Strings and lists that double: every intermediate is bounded. */
	tt_limit("{% set ns = namespace(s='x') %}{% for i in range(64) %}"
	    "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
	    TMPL_ERR_LIMIT);
	tt_limit("{% set ns = namespace(s='x') %}{% for i in range(64) %}"
	    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}", TMPL_ERR_LIMIT);
	tt_limit("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}"
	    "{% set ns.l = ns.l + ns.l %}{% endfor %}", TMPL_ERR_LIMIT);
	tt_limit("{{ 'x' * 10**9 }}", TMPL_ERR_LIMIT);
	tt_limit("{{ [1] * 10**9 }}", TMPL_ERR_LIMIT);
	tt_limit("{{ 'ab'|indent(10**9) }}", TMPL_ERR_LIMIT);
	/* Many strings alive at once: the render's memory is bounded. */
	tt_limit("{% set ns = namespace(l=[]) %}{% for i in range(60000) %}"
	    "{% set ns.l = ns.l + ['x' * 4000] %}{% endfor %}",
	    TMPL_ERR_LIMIT);
}

static void
test_raise(void)
{
	json_t	*ctx = tt_ctx();
	char	*out, err[TMPL_ERRLEN];
	size_t	 len;

	CU_ASSERT_EQUAL(tt_render("{% if msgs[0].role == 'user' %}"
	    "{{ raise_exception('Bad role ' + msgs[0].role) }}{% endif %}",
	    ctx, &out, &len, err, sizeof(err)), TMPL_ERR_RAISED);
	CU_ASSERT_STRING_EQUAL(err, "Bad role user");
	CU_ASSERT_PTR_NULL(out);
	/* Other runtime errors are not the template's own. */
	CU_ASSERT_EQUAL(tt_render("{{ nosuch.attr }}", ctx, &out, &len, err,
	    sizeof(err)), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(strstr(err, "'nosuch' is undefined") != NULL);
	CU_ASSERT_EQUAL(tt_render("{{ 'a' + 1 }}", ctx, &out, &len, err,
	    sizeof(err)), PWR_ERR_INVALID_FORMAT);
	json_decref(ctx);
}

static void
test_undefined(void)
{
	static const struct tt_case tc[] = {
		{ "[{{ nosuch }}]", "[]" },
		{ "{{ nosuch is defined }}{{ d.zz is undefined }}",
		    "FalseTrue" },
		{ "{% for x in nosuch %}{{ x }}{% else %}none{% endfor %}",
		    "none" },
		{ "{{ nosuch|length }}{{ nosuch|default('dflt') }}"
		    "{{ nosuch|trim }}{{ nosuch|list }}", "0dflt[]" },
		{ "{{ nosuch == nosuch }}{{ 'x' in nosuch }}"
		    "{{ nosuch is iterable }}", "TrueFalseTrue" },
		{ "{{ 'a' ~ nosuch ~ 'b' }}", "ab" },
		{ "{{ d.zz }}{{ d['zz'] }}{{ l[10] }}{{ s[99] }}", "" },
		{ "{{ 'y' if nosuch }}", "" },
		{ "{{ nosuch.attr }}", NULL },
		{ "{{ nosuch['k'] }}", NULL },
		{ "{{ nosuch + 'a' }}", NULL },
		{ "{{ 'a' + nosuch }}", NULL },
		{ "{{ nosuch() }}", NULL },
		{ "{{ nosuch|tojson }}", NULL },
		{ "{{ nosuch < 1 }}", NULL },
		{ "{{ d.zz.yy }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_chatml(void)
{
	struct tmpl	*t;
	json_t		*ctx;
	json_error_t	 je;
	char		*out, err[TMPL_ERRLEN];
	size_t		 len;

	CU_ASSERT_EQUAL_FATAL(tmpl_parse(tmpl_chatml, strlen(tmpl_chatml),
	    &t, err, sizeof(err)), 0);
	ctx = json_loads("{\"messages\": [{\"role\": \"system\", \"content\":"
	    " \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}],"
	    " \"add_generation_prompt\": true}", 0, &je);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_EQUAL_FATAL(tmpl_render(t, ctx, TT_NOW, &out, &len, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out,
	    "<|im_start|>system\nBe brief.<|im_end|>\n"
	    "<|im_start|>user\nHi<|im_end|>\n"
	    "<|im_start|>assistant\n");
	freezero(out, len + 1);
	json_object_set_new(ctx, "add_generation_prompt", json_false());
	CU_ASSERT_EQUAL_FATAL(tmpl_render(t, ctx, TT_NOW, &out, &len, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out,
	    "<|im_start|>system\nBe brief.<|im_end|>\n"
	    "<|im_start|>user\nHi<|im_end|>\n");
	freezero(out, len + 1);
	json_decref(ctx);
	tmpl_free(t);
}

static void
test_whitespace(void)
{
	static const struct tt_case tc[] = {
		/* trim_blocks and lstrip_blocks */
		{ "a\n  {% if t %}\n  x\n  {% endif %}\nb", "a\n  x\nb" },
		{ "a\n  {%+ if t %}x{% endif %}\nb", "a\n  xb" },
		{ "a\n  {{ s }}\nb", "a\n  Hello World\nb" },
		{ "  {# comment #}\nx", "x" },
		{ "x\n{# c #}\ny", "x\ny" },
		/* - strips on its side */
		{ "a\n  {%- if t -%}\n  x\n  {%- endif -%}\nb", "axb" },
		{ "x {#- comment -#}   y", "xy" },
		{ "{{- s -}}  \n  {{ s }}", "Hello WorldHello World" },
		{ "{% for m in msgs %}\n  {{ m.role }}\n{% endfor %}\nend",
		    "  user\n  assistant\nend" },
		/* One trailing newline goes, a second stays. */
		{ "x\n", "x" },
		{ "x\n\n", "x\n" },
		{ "a\r\nb\rc", "a\nb\nc" },
		{ "{% raw %}{{ x }}{% endraw %}", "{{ x }}" },
		{ "  {% raw %}\n{{ x }}\n  {% endraw %}\ny", "\n{{ x }}\ny" },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_values(void)
{
	static const struct tt_case tc[] = {
		/* str() as Python writes it */
		{ "{{ 1 }} {{ 1.0 }} {{ 0.1 }} {{ 1e16 }} {{ 1e15 }} "
		    "{{ 1e-5 }} {{ 1/3 }} {{ -0.0 }}",
		    "1 1.0 0.1 1e+16 1000000000000000.0 1e-05 "
		    "0.3333333333333333 -0.0" },
		{ "{{ none }}{{ true }}{{ False }}{{ None }}",
		    "NoneTrueFalseNone" },
		{ "{{ [1, 'a', none, true, 1.5, [2], {'k': 'v'}] }}",
		    "[1, 'a', None, True, 1.5, [2], {'k': 'v'}]" },
		{ "{{ (1,) }}{{ () }}{{ (1, 'a') }}", "(1,)()(1, 'a')" },
		{ "{{ [\"it's\", 'q\"q', 'nl\\n', '\\x01', '\\u00e9'] }}",
		    "[\"it's\", 'q\"q', 'nl\\n', '\\x01', '\xc3\xa9']" },
		{ "{{ 'a' 'b' \"c\" }}{{ '\\x41\\u00e9\\101' }}", "abc"
		    "A\xc3\xa9" "A" },
		{ "{{ 0x1F }}{{ 0o17 }}{{ 0b101 }}{{ 1_000 }}{{ 1e3 }}",
		    "311551000" "1000.0" },
		{ "{{ d }}", "{'a': 1, 'b': [1, 2], 'c': {'x': 'y'}}" },
		{ "{{ u8 }}{{ u8|length }}{{ u8[1] }}{{ u8[::-1] }}",
		    "h\xc3\xa9llo" "5" "\xc3\xa9" "oll\xc3\xa9h" },
		{ "{{ strftime_now('%Y-%m-%d %H:%M') }}", "2024-07-26 12:00" },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_operators(void)
{
	static const struct tt_case tc[] = {
		{ "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }} "
		    "{{ 7 / 2 }} {{ 6 / 2 }} {{ 2 ** 10 }} {{ 2 ** -2 }}",
		    "3 -4 -2 2 3.5 3.0 1024 0.25" },
		{ "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + true }} {{ 3 * 1.5 }}",
		    "3.0 0.5 2 4.5" },
		{ "{{ 'ab' * 3 }}{{ 3 * 'x' }}{{ [1] * 2 }}{{ 'a' * -1 }}",
		    "abababxxx[1, 1]" },
		{ "{{ 'a' ~ 1 ~ none ~ true ~ 1.5 }}", "a1NoneTrue1.5" },
		{ "{{ [1] + [2] }}{{ (1,) + (2,) }}", "[1, 2](1, 2)" },
		{ "{{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 10 - 2 - 3 }}",
		    "64 4 5" },
		{ "{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 1 == 1.0 }}{{ 'a' < 'b' }}"
		    "{{ [1, 2] < [1, 3] }}{{ (1, 2) == [1, 2] }}",
		    "TrueFalseTrueTrueTrueFalse" },
		{ "{{ 'a' in 'bab' }}{{ 'x' not in 'bab' }}{{ 1 in l }}"
		    "{{ 'a' in d }}{{ 'z' in d }}", "TrueTrueTrueTrueFalse" },
		{ "{{ t and 'yes' }}{{ n or 'dflt' }}{{ [] and 1 }}"
		    "{{ 'y' if n else 'n' }}", "yesdflt[]n" },
		{ "{{ not t }}{{ not not n }}{{ -i }}", "FalseFalse-7" },
		{ "{{ '%s=%d' % ('a', 3) }}|{{ '%05.2f|%-4s|%x' % "
		    "(3.14159, 'ab', 255) }}", "a=3|03.14|ab  |ff" },
		{ "{{ 1 / 0 }}", NULL },
		{ "{{ 'a' + 1 }}", NULL },
		{ "{{ [1] + (2,) }}", NULL },
		{ "{{ 1 < 'a' }}", NULL },
		{ "{{ 1 in 'abc' }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_access(void)
{
	static const struct tt_case tc[] = {
		{ "{{ d.a }}{{ d['a'] }}{{ d.c.x }}{{ d['c']['x'] }}{{ l.0 }}",
		    "11yy3" },
		{ "{{ l[-1] }}{{ l[1:] }}{{ l[:1] }}{{ l[::-1] }}{{ l[::2] }}"
		    "{{ l[-2:] }}{{ l[5:] }}", "2[1, 2][3][2, 1, 3][3, 2]"
		    "[1, 2][]" },
		{ "{{ s[1:4] }}{{ s[-5:] }}{{ s[::-2] }}{{ s[0] }}{{ s[-1] }}",
		    "ellWorlddrWolHHd" },
		{ "{{ msgs[0].role }}{{ msgs[1]['content'] }}", "user yo " },
		/* A dict's methods come first for ".", its keys for "[]". */
		{ "{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 5) }}"
		    "{{ d.keys()|list }}{{ d.items()|list }}",
		    "1None5['a', 'b', 'c'][('a', 1), ('b', [1, 2]), "
		    "('c', {'x': 'y'})]" },
		{ "{{ l[1:2:0] }}", NULL },
		{ "{{ d[1:] }}", NULL },
		{ "{{ d.pop('a') }}", NULL },
		{ "{{ l.append(1) }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_filters(void)
{
	static const struct tt_case tc[] = {
		{ "[{{ '  x  '|trim }}][{{ 'xxaxx'|trim('x') }}]", "[x][a]" },
		{ "{{ s|lower }}|{{ s|upper }}|{{ 'hello wor-ld'|title }}|"
		    "{{ 'aBC dEF'|capitalize }}",
		    "hello world|HELLO WORLD|Hello Wor-Ld|Abc def" },
		{ "{{ l|length }}{{ l|count }}{{ d|length }}{{ s|length }}",
		    "33311" },
		{ "{{ n|default('x') }}{{ ''|default('x', true) }}"
		    "{{ nosuch|d('y') }}", "Nonexy" },
		{ "{{ l|join(', ') }}|{{ l|join }}|"
		    "{{ msgs|join(',', attribute='role') }}",
		    "3, 1, 2|312|user,assistant" },
		{ "{{ l|first }}{{ l|last }}{{ s|first }}{{ e|first }}", "32H" },
		{ "{{ l|sort }}{{ l|sort(reverse=true) }}"
		    "{{ ['b', 'A', 'a']|sort }}",
		    "[1, 2, 3][3, 2, 1]['A', 'a', 'b']" },
		{ "{{ ['B', 'a', 'b', 'A']|unique|list }}{{ l|min }}"
		    "{{ l|max }}{{ l|sum }}", "['B', 'a']136" },
		{ "{{ l|reverse|list }}{{ s|reverse }}",
		    "[2, 1, 3]dlroW olleH" },
		{ "{{ d|items|list }}", "[('a', 1), ('b', [1, 2]), "
		    "('c', {'x': 'y'})]" },
		{ "{{ msgs|map(attribute='role')|list }}"
		    "{{ ['a', 'b']|map('upper')|list }}",
		    "['user', 'assistant']['A', 'B']" },
		{ "{{ msgs|selectattr('role', 'equalto', 'user')|list|length }}"
		    "{{ msgs|rejectattr('role', 'equalto', 'user')|"
		    "map(attribute='role')|join }}"
		    "{{ [1, 2, 3, 4]|select('odd')|list }}"
		    "{{ [0, 1, '', 'a']|select|list }}",
		    "1assistant[1, 3][1, 'a']" },
		{ "{{ n|selectattr('a')|list }}{{ n|map('upper')|list }}",
		    "[][]" },
		{ "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|"
		    "{{ 'a\\n\\nb'|indent(2, blank=true) }}",
		    "a\n    b\n\n    c|  a\n  b|a\n  \n  b" },
		{ "{{ s|replace('o', '0') }}{{ s|replace('o', '0', 1) }}",
		    "Hell0 W0rldHell0 World" },
		{ "{{ l|string }}{{ 5|string }}", "[3, 1, 2]5" },
		{ "{{ '5'|int }}{{ '5.7'|int }}{{ 'x'|int }}{{ 'x'|int(3) }}"
		    "{{ 5.9|int }}{{ '1.5'|float }}{{ 'x'|float }}",
		    "55035" "1.5" "0.0" },
		{ "{{ -3|abs }}{{ 2.567|round(2) }}{{ 2.5|round }}"
		    "{{ 2.1|round(method='ceil') }}", "32.572.03.0" },
		{ "{{ 'hello world foo bar'|truncate(9) }}|"
		    "{{ 'hello world foo bar'|truncate(9, true) }}",
		    "hello...|hello ..." },
		{ "{{ l|batch(2)|list }}{{ {'b': 1, 'a': 2}|dictsort }}",
		    "[[3, 1], [2]][('a', 2), ('b', 1)]" },
		{ "{{ '%s-%d'|format('a', 3) }}{{ s|wordcount }}", "a-32" },
		{ "{{ 5|length }}", NULL },
		{ "{{ 3|indent }}", NULL },
		{ "{{ l|items|list }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_tojson(void)
{
	static const struct tt_case tc[] = {
		{ "{{ d|tojson }}",
		    "{\"a\": 1, \"b\": [1, 2], \"c\": {\"x\": \"y\"}}" },
		{ "{{ 'q\"b\\\\n\\nt\\t\\x01\\u00e9\\u2028'|tojson }}",
		    "\"q\\\"b\\\\n\\nt\\t\\u0001\xc3\xa9\xe2\x80\xa8\"" },
		{ "{{ n|tojson }}{{ t|tojson }}{{ f|tojson }}{{ 1.0|tojson }}"
		    "{{ (1, 2)|tojson }}", "nulltrue1.51.0[1, 2]" },
		{ "{{ d|tojson(indent=2) }}", "{\n  \"a\": 1,\n  \"b\": [\n"
		    "    1,\n    2\n  ],\n  \"c\": {\n    \"x\": \"y\"\n  }\n}" },
		{ "{{ e|tojson(indent=2) }}{{ {}|tojson(indent=4) }}", "[]{}" },
		{ "{{ l|tojson(separators=(',', ':')) }}", "[3,1,2]" },
		/* True == 1: one key, as in Python. */
		{ "{{ {1: 'a', none: 'b', true: 'c', 2.5: 'd'}|tojson }}",
		    "{\"1\": \"c\", \"null\": \"b\", \"2.5\": \"d\"}" },
		{ "{{ nosuch|tojson }}", NULL },
		{ "{{ namespace()|tojson }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_tests(void)
{
	static const struct tt_case tc[] = {
		{ "{{ n is none }}{{ n is defined }}{{ s is string }}"
		    "{{ d is mapping }}{{ l is mapping }}",
		    "TrueTrueTrueTrueFalse" },
		{ "{{ l is iterable }}{{ i is iterable }}{{ d is sequence }}"
		    "{{ i is sequence }}", "TrueFalseTrueFalse" },
		{ "{{ i is number }}{{ t is number }}{{ i is integer }}"
		    "{{ t is integer }}{{ f is float }}{{ t is boolean }}",
		    "TrueTrueTrueFalseTrueTrue" },
		{ "{{ t is true }}{{ 1 is true }}{{ i is odd }}{{ i is even }}"
		    "{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}",
		    "TrueFalseTrueFalseTrueFalse" },
		{ "{{ 'a' is eq 'a' }}{{ 1 is equalto 1 }}{{ 1 is ne 2 }}"
		    "{{ 1 is lt 2 }}{{ 1 is gt 2 }}{{ 1 is in l }}",
		    "TrueTrueTrueTrueFalseTrue" },
		{ "{{ 'abc' is lower }}{{ s is upper }}{{ i is not none }}"
		    "{{ nosuch is not defined }}", "TrueFalseTrueTrue" },
		{ "{{ nosuch is odd }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_methods(void)
{
	static const struct tt_case tc[] = {
		{ "{{ s.upper() }}{{ s.lower() }}{{ 'hello world'.title() }}",
		    "HELLO WORLDhello worldHello World" },
		{ "[{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|"
		    "{{ '  x  '.rstrip() }}|{{ 'xxaxx'.strip('x') }}]",
		    "[x|x  |  x|a]" },
		{ "{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}"
		    "{{ 'a b c'.split(' ', 1) }}{{ 'a b c'.rsplit(' ', 1) }}",
		    "['a', 'b', '', 'c']['a', 'b']['a', 'b c']['a b', 'c']" },
		{ "{{ 'x</think>y'.split('</think>')[-1] }}", "y" },
		{ "{{ s.startswith('Hell') }}{{ s.endswith('x') }}"
		    "{{ s.startswith(('x', 'H')) }}", "TrueFalseTrue" },
		{ "{{ s.replace('l', 'L') }}{{ s.find('o') }}{{ s.count('l') }}",
		    "HeLLo WorLd43" },
		{ "{{ ', '.join(['a', 'b']) }}{{ 'ab'.center(6) }}|",
		    "a, b  ab  |" },
		{ "{{ 'a\\nb\\r\\nc'.splitlines() }}", "['a', 'b', 'c']" },
		{ "{{ ', '.join([1, 2]) }}", NULL },
		{ "{{ s.index('z') }}", NULL },
		{ "{{ s.nosuch() }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_loops(void)
{
	static const struct tt_case tc[] = {
		{ "{% for m in msgs %}{{ loop.index }}{{ loop.index0 }}"
		    "{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}"
		    "{{ loop.last }}{{ loop.length }}|{% endfor %}",
		    "1021TrueFalse2|2110FalseTrue2|" },
		{ "{% for m in msgs %}{{ loop.previtem.role if loop.previtem }}"
		    "-{{ loop.nextitem.role if loop.nextitem }};{% endfor %}",
		    "-assistant;user-;" },
		{ "{% for x in l %}{% if x == 1 %}{% break %}{% endif %}"
		    "{{ x }}{% endfor %}", "3" },
		{ "{% for x in l %}{% if x == 1 %}{% continue %}{% endif %}"
		    "{{ x }}{% endfor %}", "32" },
		{ "{% for x in l if x > 1 %}{{ x }}{{ loop.length }}"
		    "{% endfor %}", "3222" },
		{ "{% for x in e %}{{ x }}{% else %}empty{% endfor %}",
		    "empty" },
		{ "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
		    "a=1;b=[1, 2];c={'x': 'y'};" },
		{ "{% for k in d %}{{ k }}{% endfor %}{% for c in 'ab' %}"
		    "{{ c }}{% endfor %}", "abcab" },
		{ "{% for x in [1, 2] %}{% for y in [3, 4] %}{{ loop.index }}"
		    "{% endfor %}{{ loop.index }}|{% endfor %}", "121|122|" },
		{ "{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}"
		    "{% endfor %}", "aba" },
		{ "{% for x in range(3) %}{{ x }}{% endfor %}"
		    "{% for x in range(5, 0, -2) %}{{ x }}{% endfor %}",
		    "012531" },
		{ "{% for x in n %}{% endfor %}", NULL },
		{ "{% for a, b in [(1, 2, 3)] %}{% endfor %}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_scopes(void)
{
	static const struct tt_case tc[] = {
		/* A loop body is a scope, fresh on every iteration. */
		{ "{% for i in range(2) %}{% set x = i %}{% endfor %}[{{ x }}]",
		    "[]" },
		{ "{% set x = 1 %}{% for i in range(2) %}{{ x }}{% set x = 5 %}"
		    "{{ x }}{% endfor %}{{ x }}", "15151" },
		{ "{% for i in range(2) %}{% if i == 0 %}{% set y = 'a' %}"
		    "{% endif %}[{{ y }}]{% endfor %}", "[a][]" },
		/* An if is not. */
		{ "{% if t %}{% set z = 1 %}{% endif %}{{ z }}", "1" },
		/* A namespace carries values out of loops. */
		{ "{% set ns = namespace(x=1, y=[]) %}{% for i in range(3) %}"
		    "{% set ns.x = ns.x + i %}{% set ns.y = ns.y + [i] %}"
		    "{% endfor %}{{ ns.x }}{{ ns.y }}{{ ns }}",
		    "4[0, 1, 2]<Namespace {'x': 4, 'y': [0, 1, 2]}>" },
		{ "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"
		    "{{ ns['a'] }}{{ ns.c }}", "121" },
		{ "{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12" },
		{ "{% set x %}block {{ s }}{% endset %}[{{ x }}]",
		    "[block Hello World]" },
		{ "{% set x | trim | upper %}  block  {% endset %}[{{ x }}]",
		    "[BLOCK]" },
		{ "{% with a = 1 %}{{ a }}{% endwith %}[{{ a }}]", "1[]" },
		{ "{% filter upper %}hi {{ s }}{% endfilter %}",
		    "HI HELLO WORLD" },
		{ "{% set x = 1 %}{% set x.y = 2 %}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

static void
test_macros(void)
{
	static const struct tt_case tc[] = {
		{ "{% macro m(a, b=2, c='x') %}{{ a }}-{{ b }}-{{ c }}"
		    "{% endmacro %}{{ m(1) }}|{{ m(1, 3) }}|{{ m(1, c='y') }}|"
		    "{{ m() }}", "1-2-x|1-3-x|1-2-y|-2-x" },
		{ "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}"
		    "{{ m(1, 2, x=3) }}", "(1, 2){'x': 3}" },
		{ "{% macro m(n) %}{% if n > 0 %}{{ n }}{{ m(n - 1) }}{% endif %}"
		    "{% endmacro %}{{ m(3) }}", "321" },
		{ "{% macro m() %}{{ caller() }}{{ caller() }}{% endmacro %}"
		    "{% call m() %}[x]{% endcall %}", "[x][x]" },
		{ "{% macro m() %}{{ caller(1, 2) }}{% endmacro %}"
		    "{% call(a, b) m() %}{{ a + b }}{% endcall %}", "3" },
		/* Free names are looked up when the macro runs. */
		{ "{% macro m() %}{{ y }}{% endmacro %}{% set y = 5 %}{{ m() }}"
		    "{% set y = 6 %}{{ m() }}", "56" },
		{ "{% macro m() %}{% set q = 1 %}{{ q }}{% endmacro %}{{ m() }}"
		    "[{{ q }}]", "1[]" },
		{ "{% set ns = namespace(v=0) %}{% macro inc() %}"
		    "{% set ns.v = ns.v + 1 %}{% endmacro %}{{ inc() }}"
		    "{{ inc() }}{{ ns.v }}", "2" },
		{ "{% macro m(x) %}{{ x|upper }}{% endmacro %}{{ m('a') + 'b' }}",
		    "Ab" },
		{ "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", NULL },
		{ "{% macro m(a) %}{% endmacro %}{{ m(z=1) }}", NULL },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

/* |safe makes Markup, and Markup + str escapes the str. */
static void
test_markup(void)
{
	static const struct tt_case tc[] = {
		{ "{{ '<a>'|safe }}{{ ('<a>'|safe) + '<b>' }}"
		    "{{ '<b>' + ('<a>'|safe) }}{{ ('<a>'|safe) ~ '<b>' }}",
		    "<a><a>&lt;b&gt;&lt;b&gt;<a><a><b>" },
		{ "{{ \"'\"|safe + {'k': 'v'}|tojson }}",
		    "'{&#34;k&#34;: &#34;v&#34;}" },
		{ "{{ '<a>'|e }}{{ '<a>'|forceescape }}", "&lt;a&gt;&lt;a&gt;" },
		{ "{{ ('x'|safe) is escaped }}{{ 'x' is escaped }}",
		    "TrueFalse" },
	};

	tt_table(tc, sizeof(tc) / sizeof(tc[0]));
}

int
template_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "real templates render as Jinja2 does, errors too",
		    test_references },
		{ "a parsed template renders repeatedly", test_repeatable },
		{ "bad arguments and non-UTF-8 source are refused",
		    test_bad_args },
		{ "syntax errors are INVALID_FORMAT with the line",
		    test_syntax_errors },
		{ "deep nesting and recursion hit TMPL_ERR_LIMIT",
		    test_limit_nesting },
		{ "huge loops hit TMPL_ERR_LIMIT quickly", test_limit_loops },
		{ "doubling strings and lists hit TMPL_ERR_LIMIT",
		    test_limit_growth },
		{ "raise_exception gives TMPL_ERR_RAISED and its message",
		    test_raise },
		{ "undefined values behave as Jinja's Undefined",
		    test_undefined },
		{ "tmpl_chatml renders ChatML", test_chatml },
		{ "whitespace control, trim_blocks, lstrip_blocks",
		    test_whitespace },
		{ "literals and values print as Python prints them",
		    test_values },
		{ "arithmetic, comparison and logic", test_operators },
		{ "attributes, items and slices", test_access },
		{ "filters", test_filters },
		{ "tojson writes what json.dumps writes", test_tojson },
		{ "tests (is ...)", test_tests },
		{ "str methods", test_methods },
		{ "for loops, loop variables, break and continue",
		    test_loops },
		{ "scopes, set, namespace, with and filter blocks",
		    test_scopes },
		{ "macros, call blocks and caller", test_macros },
		{ "Markup from |safe escapes what it is added to",
		    test_markup },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("template", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
