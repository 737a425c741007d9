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
#include <sys/stat.h>

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/qdot.h"
#include "engine/quant.h"
#include "engine/tokenizer.h"
#include "tests.h"

/*
 * The forward pass against references: llama.cpp's logits and an
 * independent float64 forward pass for stories260K and for tiny llama-
 * and qwen2-shaped models in every tensor type (tests/data/golden, see
 * its PROVENANCE.md), and llama2.c's greedy text for stories260K.
 * Also: models that must be refused, and context limits.
 */

#define TM_VOCAB	512		/* every golden model's vocabulary */
#define TM_MAX_SEQ	256
#define TM_F32_TOL	1e-3		/* float activations, F32 KV */
#define TM_F16KV_TOL	5e-2		/* the same with an F16 KV cache */

struct tm_loaded {
	struct gguf	*tl_gguf;
	struct model	*tl_model;
};

struct tm_diff {
	double	td_max;
	double	td_sumsq;
	size_t	td_n;
};

static char	*tm_path(const char *);
static float	*tm_read_f32(const char *, size_t *);
static int	 tm_load(const char *, struct tm_loaded *, char *, size_t);
static void	 tm_unload(struct tm_loaded *);
static void	 tm_cmp(struct tm_diff *, const float *, const float *,
		    size_t);
static double	 tm_rms(const struct tm_diff *);
static int32_t	 tm_argmax(const float *);
static size_t	 tm_ids(json_t *, int32_t *, size_t);
static double	 tm_type_tol(const char *);
static void	 tm_story_case(const char *, uint32_t, double);
static void	 tm_tiny_model(json_t *, const char *, const char *);
static void	 tm_refuse(const char *, size_t, const void *, size_t,
		    const char *);

/* Per type: the worst difference seen, reported at the end. */
static struct {
	char	name[32];
	double	vs_ref;
	double	vs_llama;
	double	vs_llama_rms;
} tm_report[32];
static size_t	tm_nreport;

static char *
tm_path(const char *rel)
{
	char	*p;

	if (asprintf(&p, "%s/tests/data/%s", tests_datadir(), rel) == -1)
		return NULL;
	return p;
}

static float *
tm_read_f32(const char *rel, size_t *np)
{
	struct stat	 st;
	float		*v = NULL;
	char		*path = tm_path(rel);
	int		 fd;

	*np = 0;
	if (path == NULL || (fd = open(path, O_RDONLY)) == -1) {
		free(path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size % 4 == 0 &&
	    (v = malloc(st.st_size)) != NULL &&
	    read(fd, v, st.st_size) == st.st_size)
		*np = st.st_size / 4;
	else {
		free(v);
		v = NULL;
	}
	close(fd);
	free(path);
	return v;
}

static int
tm_load(const char *rel, struct tm_loaded *tl, char *err, size_t errlen)
{
	char	*path = tm_path(rel);
	int	 fd, r;

	memset(tl, 0, sizeof(*tl));
	if (path == NULL || (fd = open(path, O_RDONLY)) == -1) {
		free(path);
		(void)snprintf(err, errlen, "cannot open %s", rel);
		return PWR_ERR_SYSTEM_ERROR;
	}
	free(path);
	r = gguf_open_fd(fd, &tl->tl_gguf, err, errlen);
	close(fd);
	if (r == 0 && (r = model_load(tl->tl_gguf, &tl->tl_model, err,
	    errlen)) != 0) {
		gguf_close(tl->tl_gguf);
		tl->tl_gguf = NULL;
	}
	return r;
}

static void
tm_unload(struct tm_loaded *tl)
{
	model_free(tl->tl_model);
	gguf_close(tl->tl_gguf);
	memset(tl, 0, sizeof(*tl));
}

static void
tm_cmp(struct tm_diff *d, const float *a, const float *b, size_t n)
{
	size_t	i;
	double	x;

	for (i = 0; i < n; i++) {
		x = fabs((double)a[i] - b[i]);
		if (!(x <= d->td_max))		/* NaN sticks */
			d->td_max = x;
		d->td_sumsq += x * x;
		d->td_n++;
	}
}

static double
tm_rms(const struct tm_diff *d)
{
	return d->td_n ? sqrt(d->td_sumsq / d->td_n) : 0;
}

/* Greedy: the largest logit, the lowest id on a tie. */
static int32_t
tm_argmax(const float *l)
{
	int32_t	i, best = 0;

	for (i = 1; i < TM_VOCAB; i++)
		if (l[i] > l[best])
			best = i;
	return best;
}

static size_t
tm_ids(json_t *arr, int32_t *ids, size_t max)
{
	size_t	i, n = json_array_size(arr);

	if (n > max)
		return 0;
	for (i = 0; i < n; i++)
		ids[i] = (int32_t)json_integer_value(json_array_get(arr, i));
	return n;
}

/*
 * stories260K: the prompt in one call, then the greedy chain one token
 * at a time.  Logits against llama.cpp's stored rows; our own greedy
 * chain of 200 tokens must be llama.cpp's exactly (F32 KV).
 */
static void
tm_story_case(const char *name, uint32_t kv_type, double tol)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	struct tm_loaded	 tl;
	struct tm_diff		 d = { 0, 0, 0 };
	json_error_t		 je;
	json_t			*js;
	int32_t			 prompt[TM_MAX_SEQ], greedy[TM_MAX_SEQ], id;
	size_t			 np, ng, nref, j;
	float			*ref, *all;
	char			 rel[128], *path, err[256];

	(void)snprintf(rel, sizeof(rel), "golden/stories260K/%s.json", name);
	path = tm_path(rel);
	js = json_load_file(path, 0, &je);
	free(path);
	CU_ASSERT_FATAL(js != NULL);
	np = tm_ids(json_object_get(js, "prompt_token_ids"), prompt,
	    TM_MAX_SEQ);
	ng = tm_ids(json_object_get(js, "greedy_token_ids"), greedy,
	    TM_MAX_SEQ);
	CU_ASSERT_FATAL(np > 0 && ng == 200);
	(void)snprintf(rel, sizeof(rel), "golden/stories260K/%s.logits.f32",
	    name);
	ref = tm_read_f32(rel, &nref);
	CU_ASSERT_FATAL(ref != NULL && nref == (np + 32) * TM_VOCAB);
	CU_ASSERT_FATAL(tm_load("../../models/stories260K.gguf", &tl, err,
	    sizeof(err)) == 0);
	model_ctx_defaults(&cp);
	cp.cp_kv_type = kv_type;
	CU_ASSERT_FATAL(model_ctx_new(tl.tl_model, &cp, &ctx, err,
	    sizeof(err)) == 0);
	all = calloc(np, TM_VOCAB * sizeof(float));
	CU_ASSERT_FATAL(all != NULL);
	CU_ASSERT_FATAL(model_eval(ctx, prompt, np, all, err,
	    sizeof(err)) == 0);
	tm_cmp(&d, all, ref, np * TM_VOCAB);
	for (j = 0; j < ng; j++) {
		id = tm_argmax(model_ctx_logits(ctx));
		if (kv_type == GGUF_TYPE_F32)
			CU_ASSERT_EQUAL(id, greedy[j]);
		/* Teacher forcing keeps the rows comparable. */
		CU_ASSERT_FATAL(model_eval(ctx, &greedy[j], 1, NULL, err,
		    sizeof(err)) == 0);
		if (j < 32)
			tm_cmp(&d, model_ctx_logits(ctx),
			    ref + (np + j) * TM_VOCAB, TM_VOCAB);
	}
	fprintf(stderr, "  stories260K %s (%s KV): max |diff| vs llama.cpp "
	    "%.3g\n", name, kv_type == GGUF_TYPE_F32 ? "F32" : "F16",
	    d.td_max);
	CU_ASSERT(d.td_max <= tol);
	free(all);
	free(ref);
	model_ctx_free(ctx);
	tm_unload(&tl);
	json_decref(js);
}

static void
test_stories_f32kv(void)
{
	tm_story_case("bos_only", GGUF_TYPE_F32, TM_F32_TOL);
	tm_story_case("once_upon_a_time", GGUF_TYPE_F32, TM_F32_TOL);
	tm_story_case("lily_dog", GGUF_TYPE_F32, TM_F32_TOL);
	tm_story_case("tom_cafe", GGUF_TYPE_F32, TM_F32_TOL);
}

static void
test_stories_f16kv(void)
{
	tm_story_case("bos_only", GGUF_TYPE_F16, TM_F16KV_TOL);
	tm_story_case("lily_dog", GGUF_TYPE_F16, TM_F16KV_TOL);
	tm_story_case("tom_cafe", GGUF_TYPE_F16, TM_F16KV_TOL);
}

/*
 * llama2.c's run.c, greedy, 200 steps from BOS: each of the 200
 * positions (BOS at 0) yields one token, decoded with the first piece's
 * leading space dropped.  Both KV types.
 */
static void
test_stories_greedy_text(void)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	struct tm_loaded	 tl;
	struct tok_stream	 ts;
	char			*want, err[256], text[4096];
	size_t			 wantlen, len;
	int32_t			 id;
	int			 step, n, kvi;
	float			*raw;

	raw = tm_read_f32("golden/stories260K/expected_greedy_200steps.txt",
	    &wantlen);
	/* 464 bytes: a multiple of 4, so the f32 reader takes it whole. */
	CU_ASSERT_FATAL(raw != NULL);
	want = (char *)raw;
	wantlen *= 4;
	CU_ASSERT_FATAL(tm_load("../../models/stories260K.gguf", &tl, err,
	    sizeof(err)) == 0);
	for (kvi = 0; kvi < 2; kvi++) {
		model_ctx_defaults(&cp);
		cp.cp_kv_type = kvi ? GGUF_TYPE_F16 : GGUF_TYPE_F32;
		CU_ASSERT_FATAL(model_ctx_new(tl.tl_model, &cp, &ctx, err,
		    sizeof(err)) == 0);
		tok_stream_init(&ts, tl.tl_model->m_tok, 0);
		len = 0;
		id = tok_bos(tl.tl_model->m_tok);
		for (step = 0; step < 200; step++) {
			CU_ASSERT_FATAL(model_eval(ctx, &id, 1, NULL, err,
			    sizeof(err)) == 0);
			id = tm_argmax(model_ctx_logits(ctx));
			n = tok_stream_push(&ts, id, text + len,
			    sizeof(text) - len);
			CU_ASSERT_FATAL(n >= 0);
			len += n;
			CU_ASSERT_FATAL(len < sizeof(text) - 300);
		}
		len += tok_stream_flush(&ts, text + len, sizeof(text) - len);
		CU_ASSERT_EQUAL(len, wantlen);
		CU_ASSERT(len == wantlen && memcmp(text, want, len) == 0);
		model_ctx_free(ctx);
	}
	tm_unload(&tl);
	free(raw);
}

/* The README's tolerances against llama.cpp, which quantises activations. */
static double
tm_type_tol(const char *type)
{
	if (strcmp(type, "F32") == 0)
		return TM_F32_TOL;
	if (strcmp(type, "F16") == 0)
		return 0.05;
	if (strcmp(type, "BF16") == 0)
		return 0.3;
	return 1.5;
}

static void
tm_note(const char *stem, double ref, double llama, double rms)
{
	size_t	i;

	for (i = 0; i < tm_nreport; i++)
		if (strcmp(tm_report[i].name, stem) == 0)
			break;
	if (i == tm_nreport) {
		if (tm_nreport == sizeof(tm_report) / sizeof(tm_report[0]))
			return;
		(void)strlcpy(tm_report[i].name, stem,
		    sizeof(tm_report[i].name));
		tm_nreport++;
	}
	tm_report[i].vs_ref = fmax(tm_report[i].vs_ref, ref);
	tm_report[i].vs_llama = fmax(tm_report[i].vs_llama, llama);
	tm_report[i].vs_llama_rms = fmax(tm_report[i].vs_llama_rms, rms);
}

/*
 * Feed input ++ chain[0..15] and compare the 24 prompt rows and the 16
 * decode rows with ref (a file pair); greedy must follow the chain
 * wherever its margin exceeds tol.
 */
static void
tm_tiny_run(struct model *m, const int32_t *in, size_t nin,
    const int32_t *chain, size_t nchain, const char *stem, const char *who,
    double tol, struct tm_diff *d)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	char			 rel[160], err[256];
	float			*pref, *dref, *all, top1, top2;
	size_t			 np, nd, j;
	int32_t			 id, best;
	int			 k;

	(void)snprintf(rel, sizeof(rel), "golden/tiny/%s%s.logits.f32", stem,
	    who);
	pref = tm_read_f32(rel, &np);
	(void)snprintf(rel, sizeof(rel), "golden/tiny/%s%s.decode_logits.f32",
	    stem, who);
	dref = tm_read_f32(rel, &nd);
	CU_ASSERT_FATAL(pref != NULL && np == nin * TM_VOCAB);
	CU_ASSERT_FATAL(dref != NULL && nd == nchain * TM_VOCAB);
	model_ctx_defaults(&cp);
	cp.cp_kv_type = GGUF_TYPE_F32;
	CU_ASSERT_FATAL(model_ctx_new(m, &cp, &ctx, err, sizeof(err)) == 0);
	all = calloc(nin, TM_VOCAB * sizeof(float));
	CU_ASSERT_FATAL(all != NULL);
	CU_ASSERT_FATAL(model_eval(ctx, in, nin, all, err, sizeof(err)) == 0);
	tm_cmp(d, all, pref, nin * TM_VOCAB);
	for (j = 0; j < nchain; j++) {
		/* The reference's margin at this step decides if it counts. */
		const float *row = j == 0 ? pref + (nin - 1) * TM_VOCAB :
		    dref + (j - 1) * TM_VOCAB;
		best = tm_argmax(row);
		top1 = row[best];
		top2 = -INFINITY;
		for (k = 0; k < TM_VOCAB; k++)
			if (k != best && row[k] > top2)
				top2 = row[k];
		id = tm_argmax(model_ctx_logits(ctx));
		if (top1 - top2 > 2 * tol && id != chain[j]) {
			fprintf(stderr, "  %s%s: step %zu: token %d, want %d "
			    "(margin %.3f)\n", stem, who, j, id, chain[j],
			    top1 - top2);
			CU_FAIL("greedy token differs");
		}
		CU_ASSERT_FATAL(model_eval(ctx, &chain[j], 1, NULL, err,
		    sizeof(err)) == 0);
		tm_cmp(d, model_ctx_logits(ctx), dref + j * TM_VOCAB,
		    TM_VOCAB);
	}
	free(all);
	free(pref);
	free(dref);
	model_ctx_free(ctx);
}

static void
tm_tiny_model(json_t *man, const char *arch, const char *type)
{
	struct tm_loaded	 tl;
	struct tm_diff		 dref = { 0, 0, 0 }, dll = { 0, 0, 0 };
	json_t			*jm;
	int32_t			 in[TM_MAX_SEQ], cref[32], cll[32];
	size_t			 nin, nref, nll;
	char			 stem[64], rel[160], err[256];
	double			 tol = tm_type_tol(type);
	int			 qact = strcmp(type, "F32") != 0 &&
				    strcmp(type, "F16") != 0 &&
				    strcmp(type, "BF16") != 0;

	(void)snprintf(stem, sizeof(stem), "tiny-%s-%s", arch, type);
	jm = json_object_get(json_object_get(man, "models"), stem);
	CU_ASSERT_FATAL(jm != NULL);
	nin = tm_ids(json_object_get(man, "token_ids"), in, TM_MAX_SEQ);
	nref = tm_ids(json_object_get(json_object_get(jm, "ref_f64"),
	    "greedy_token_ids"), cref, 32);
	nll = tm_ids(json_object_get(json_object_get(jm, "llamacpp"),
	    "greedy_token_ids"), cll, 32);
	CU_ASSERT_FATAL(nin == 24 && nref == 16 && nll == 16);
	(void)snprintf(rel, sizeof(rel), "golden/tiny/models/%s.gguf", stem);
	if (tm_load(rel, &tl, err, sizeof(err)) != 0) {
		fprintf(stderr, "  %s: %s\n", stem, err);
		CU_FAIL_FATAL("model refused");
	}
	/*
	 * Float weights keep float activations: the f64 reference holds
	 * to 1e-3.  The quantised types quantise activations to 8 bits
	 * as llama.cpp does, so both references are held to the README's
	 * tolerance for that arithmetic (1.5 max, 0.25 RMS).
	 */
	tm_tiny_run(tl.tl_model, in, nin, cref, nref, stem, ".ref_f64",
	    qact ? tol : TM_F32_TOL, &dref);
	tm_tiny_run(tl.tl_model, in, nin, cll, nll, stem, "", tol, &dll);
	fprintf(stderr, "  %-16s %-6s max |diff| vs f64 ref %.3g (rms %.3g), "
	    "vs llama.cpp %.3g (rms %.3g)\n", stem, qd_level_name(qd_level()),
	    dref.td_max, tm_rms(&dref), dll.td_max, tm_rms(&dll));
	tm_note(type, dref.td_max, dll.td_max, tm_rms(&dll));
	CU_ASSERT(dref.td_max <= (qact ? tol : TM_F32_TOL));
	CU_ASSERT(dll.td_max <= tol);
	if (qact) {
		CU_ASSERT(tm_rms(&dll) <= 0.25);
		CU_ASSERT(tm_rms(&dref) <= 0.25);
	}
	tm_unload(&tl);
}

static void
test_tiny_models(void)
{
	static const char *types[] = { "F32", "F16", "BF16", "Q8_0", "Q4_0",
	    "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K" };
	json_error_t	 je;
	json_t		*man;
	char		*path = tm_path("golden/tiny/manifest.json");
	size_t		 i;
	enum qd_level	 levels[2];
	int		 l;

	man = json_load_file(path, 0, &je);
	free(path);
	CU_ASSERT_FATAL(man != NULL);
	/* With the SIMD kernels, and with the scalar ones (POWER_NO_SIMD). */
	levels[0] = qd_level_best();
	levels[1] = QD_SCALAR;
	for (l = 0; l < (levels[0] == QD_SCALAR ? 1 : 2); l++) {
		CU_ASSERT_FATAL(qd_set_level(levels[l]) == 0);
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			tm_tiny_model(man, "llama", types[i]);
			tm_tiny_model(man, "qwen2", types[i]);
		}
	}
	(void)qd_set_level(levels[0]);
	for (i = 0; i < tm_nreport; i++)
		fprintf(stderr, "  %-5s max |diff| vs f64 ref %.3g, vs "
		    "llama.cpp %.3g (rms %.3g)\n", tm_report[i].name,
		    tm_report[i].vs_ref, tm_report[i].vs_llama,
		    tm_report[i].vs_llama_rms);
	json_decref(man);
}

/*
 * The bundled model with bytes patched at the first occurrence of
 * `from` must be refused with an error containing `want`.
 */
static void
tm_refuse(const char *from, size_t fromlen, const void *to, size_t tolen,
    const char *want)
{
	struct gguf	*g;
	struct model	*m = NULL;
	char		 err[256], *path = tm_path("../../models/stories260K.gguf");
	u_char		*buf, *p;
	size_t		 len;
	struct stat	 st;
	int		 fd = -1, r;

	CU_ASSERT_FATAL(path != NULL && (fd = open(path, O_RDONLY)) != -1);
	free(path);
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	len = st.st_size;
	CU_ASSERT_FATAL((buf = malloc(len)) != NULL);
	CU_ASSERT_FATAL(read(fd, buf, len) == (ssize_t)len);
	close(fd);
	p = memmem(buf, len, from, fromlen);
	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, to, tolen);
	err[0] = '\0';
	r = gguf_open_mem(buf, len, &g, err, sizeof(err));
	if (r == 0) {
		r = model_load(g, &m, err, sizeof(err));
		model_free(m);
		gguf_close(g);
	}
	CU_ASSERT(r != 0);
	if (strstr(err, want) == NULL) {
		fprintf(stderr, "  error \"%s\", want \"%s\"\n", err, want);
		CU_FAIL("wrong error");
	}
	free(buf);
}

static void
test_refused(void)
{
	tm_refuse("general.architecture\x08\0\0\0\x05\0\0\0\0\0\0\0llama",
	    37, "general.architecture\x08\0\0\0\x05\0\0\0\0\0\0\0gemma",
	    37, "unsupported architecture \"gemma\"");
	tm_refuse("output_norm.weight", 18, "outpux_norm.weight", 18,
	    "missing tensor output_norm.weight");
	tm_refuse("llama.block_count", 17, "llama.block_coun_", 17,
	    "missing key llama.block_count");
	/* Tensor infos: name, n_dims (u32), ne (u64 each), type (u32). */
	tm_refuse("blk.0.attn_q.weight\x02\0\0\0\x40", 24,
	    "blk.0.attn_q.weight\x02\0\0\0\x3f", 24,
	    "blk.0.attn_q.weight: shape");
	tm_refuse("output_norm.weight\x01\0\0\0\x40\0\0\0\0\0\0\0\0", 31,
	    "output_norm.weight\x01\0\0\0\x40\0\0\0\0\0\0\0\x01", 31,
	    "output_norm.weight: a F16 vector");
	/* token_embd [64, 512] as IQ4_NL (type 20): blocks fit, no kernel. */
	tm_refuse("token_embd.weight\x02\0\0\0\x40\0\0\0\0\0\0\0"
	    "\0\x02\0\0\0\0\0\0\0", 38,
	    "token_embd.weight\x02\0\0\0\x40\0\0\0\0\0\0\0"
	    "\0\x02\0\0\0\0\0\0\x14", 38,
	    "token_embd.weight: unsupported tensor type IQ4_NL");
}

/*
 * Logits of the 24 golden ids, then 8 decoded one at a time, with the
 * given threads, batch and streaming; all 32 rows into out.
 */
static void
tm_variant(struct model *m, const int32_t *ids, uint32_t threads,
    uint32_t batch, int stream, float *out)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	char			 err[256];
	size_t			 j;

	model_ctx_defaults(&cp);
	cp.cp_n_threads = threads;
	cp.cp_n_batch = batch;
	cp.cp_stream = stream;
	if (model_ctx_new(m, &cp, &ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "  %s\n", err);
		CU_FAIL_FATAL("model_ctx_new");
	}
	CU_ASSERT(model_ctx_threads(ctx) == threads);
	CU_ASSERT(model_ctx_streaming(ctx) == stream);
	CU_ASSERT_FATAL(model_eval(ctx, ids, 24, out, err, sizeof(err)) == 0);
	for (j = 24; j < 32; j++) {
		CU_ASSERT_FATAL(model_eval(ctx, &ids[j], 1, NULL, err,
		    sizeof(err)) == 0);
		memcpy(out + j * TM_VOCAB, model_ctx_logits(ctx),
		    TM_VOCAB * sizeof(float));
	}
	model_ctx_free(ctx);
}

/*
 * Threads split every product's rows, batches split the prompt and
 * streaming drops and re-reads the weights: none of it may change a
 * single bit of the logits, at any kernel level.
 */
static void
test_identical_variants(void)
{
	static const char *models[] = { "Q4_K", "Q6_K", "Q8_0", "Q5_0",
	    "F16", "F32" };
	static const struct { uint32_t t, b; int s; } v[] = {
		{ 2, 256, 0 }, { 1, 5, 0 }, { 2, 7, 0 }, { 1, 1, 0 },
		{ 1, 256, 1 }, { 2, 3, 1 },
	};
	struct tm_loaded	 tl;
	enum qd_level		 l;
	float			*ref, *got;
	int32_t			 ids[32];
	char			 rel[160], err[256];
	size_t			 i, k, j;

	for (j = 0; j < 32; j++)
		ids[j] = (int32_t)(j == 0 ? 1 : (j * 37 + 11) % TM_VOCAB);
	ref = calloc(32, TM_VOCAB * sizeof(float));
	got = calloc(32, TM_VOCAB * sizeof(float));
	CU_ASSERT_FATAL(ref != NULL && got != NULL);
	for (l = QD_SCALAR; l <= qd_level_best(); l++) {
		CU_ASSERT_FATAL(qd_set_level(l) == 0);
		for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
			(void)snprintf(rel, sizeof(rel), "golden/tiny/models/"
			    "tiny-%s-%s.gguf", i % 2 ? "qwen2" : "llama",
			    models[i]);
			CU_ASSERT_FATAL(tm_load(rel, &tl, err,
			    sizeof(err)) == 0);
			tm_variant(tl.tl_model, ids, 1, 256, 0, ref);
			for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
				tm_variant(tl.tl_model, ids, v[k].t, v[k].b,
				    v[k].s, got);
				if (memcmp(ref, got, 32 * TM_VOCAB *
				    sizeof(float)) != 0) {
					fprintf(stderr, "  %s %s: %u threads, "
					    "batch %u, stream %d differ\n",
					    qd_level_name(l), rel, v[k].t,
					    v[k].b, v[k].s);
					CU_FAIL("logits differ");
				}
			}
			tm_unload(&tl);
		}
	}
	(void)qd_set_level(qd_level_best());
	free(ref);
	free(got);
}

/*
 * A layer source over a copy of the model whose layers are zeros but
 * while the pass uses them: acquire copies a layer in from the file,
 * release zeros it again.  fail_at makes that layer unavailable.
 */
struct tm_source {
	const struct model	*ts_model;	/* bound to ts_live */
	const u_char		*ts_file;
	u_char			*ts_live;
	uint32_t		 ts_fail_at;
	uint32_t		 ts_in;		/* acquired, not released */
	size_t			 ts_acquired;
	size_t			 ts_released;
	int			 ts_bad;	/* out of order */
};

static int
tm_source_cb(void *arg, uint32_t il, int acquire)
{
	struct tm_source	*ts = arg;
	const void		*start;
	size_t			 len, off;

	model_layer_extent(ts->ts_model, il, &start, &len);
	off = (size_t)((const u_char *)start - ts->ts_live);
	if (acquire) {
		if (il == ts->ts_fail_at)
			return -1;
		if (ts->ts_in != UINT32_MAX)
			ts->ts_bad = 1;
		memcpy(ts->ts_live + off, ts->ts_file + off, len);
		ts->ts_in = il;
		ts->ts_acquired++;
	} else {
		if (ts->ts_in != il)
			ts->ts_bad = 1;
		memset(ts->ts_live + off, 0, len);
		ts->ts_in = UINT32_MAX;
		ts->ts_released++;
	}
	return 0;
}

static void
tm_source_model(const char *rel)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	struct tm_source	 ts;
	struct tm_loaded	 tl;
	struct gguf		*g;
	struct model		*m;
	struct stat		 st;
	const void		*start;
	float			*ref, *got;
	int32_t			 ids[32];
	char			 err[256], *path = tm_path(rel);
	u_char			*file = NULL, *live = NULL;
	size_t			 len, j;
	uint32_t		 il;
	int			 fd = -1;

	CU_ASSERT_FATAL(path != NULL && (fd = open(path, O_RDONLY)) != -1);
	free(path);
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	CU_ASSERT_FATAL((file = malloc(st.st_size)) != NULL &&
	    (live = malloc(st.st_size)) != NULL);
	CU_ASSERT_FATAL(read(fd, file, st.st_size) == st.st_size);
	close(fd);
	memcpy(live, file, st.st_size);
	for (j = 0; j < 32; j++)
		ids[j] = (int32_t)(j == 0 ? 1 : (j * 37 + 11) % TM_VOCAB);
	ref = calloc(32, TM_VOCAB * sizeof(float));
	got = calloc(32, TM_VOCAB * sizeof(float));
	CU_ASSERT_FATAL(ref != NULL && got != NULL);
	CU_ASSERT_FATAL(tm_load(rel, &tl, err, sizeof(err)) == 0);
	tm_variant(tl.tl_model, ids, 1, 7, 0, ref);
	tm_unload(&tl);

	CU_ASSERT_FATAL(gguf_open_mem(live, st.st_size, &g, err,
	    sizeof(err)) == 0);
	CU_ASSERT_FATAL(model_load(g, &m, err, sizeof(err)) == 0);
	for (il = 0; il < m->m_hp.hp_n_layer; il++) {
		model_layer_extent(m, il, &start, &len);
		memset((u_char *)start, 0, len);
	}
	memset(&ts, 0, sizeof(ts));
	ts.ts_model = m;
	ts.ts_file = file;
	ts.ts_live = live;
	ts.ts_fail_at = UINT32_MAX;
	ts.ts_in = UINT32_MAX;
	model_ctx_defaults(&cp);
	cp.cp_n_batch = 7;
	cp.cp_stream = 1;	/* ignored: the source owns the layers */
	cp.cp_fetch = tm_source_cb;
	cp.cp_fetch_arg = &ts;
	CU_ASSERT_FATAL(model_ctx_new(m, &cp, &ctx, err, sizeof(err)) == 0);
	CU_ASSERT(model_ctx_streaming(ctx));
	CU_ASSERT_FATAL(model_eval(ctx, ids, 24, got, err, sizeof(err)) == 0);
	for (j = 24; j < 32; j++) {
		CU_ASSERT_FATAL(model_eval(ctx, &ids[j], 1, NULL, err,
		    sizeof(err)) == 0);
		memcpy(got + j * TM_VOCAB, model_ctx_logits(ctx),
		    TM_VOCAB * sizeof(float));
	}
	CU_ASSERT(memcmp(ref, got, 32 * TM_VOCAB * sizeof(float)) == 0);
	/* 4 passes of 7 prompt tokens (24 = 7+7+7+3), then 8 of one. */
	CU_ASSERT(ts.ts_acquired == (size_t)12 * m->m_hp.hp_n_layer);
	CU_ASSERT(ts.ts_released == ts.ts_acquired);
	CU_ASSERT(!ts.ts_bad);

	/* A layer that cannot be had fails the pass and advances nothing. */
	ts.ts_fail_at = m->m_hp.hp_n_layer - 1;
	CU_ASSERT(model_eval(ctx, ids, 2, NULL, err, sizeof(err)) ==
	    PWR_ERR_NOT_FOUND);
	CU_ASSERT(strstr(err, "layer") != NULL);
	CU_ASSERT(model_ctx_n_past(ctx) == 32);
	CU_ASSERT(model_embed(ctx, ids, 2, got, err, sizeof(err)) ==
	    PWR_ERR_NOT_FOUND);
	CU_ASSERT(!ts.ts_bad);
	model_ctx_free(ctx);
	model_free(m);
	gguf_close(g);
	free(file);
	free(live);
	free(ref);
	free(got);
}

/* A layer source (cp_fetch) changes no bit of the logits. */
static void
test_layer_source(void)
{
	tm_source_model("golden/tiny/models/tiny-llama-Q8_0.gguf");
	tm_source_model("golden/tiny/models/tiny-qwen2-Q6_K.gguf");
}

/* The context is the smallest of model, request and memory budget. */
static void
test_context_limits(void)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	struct tm_loaded	 tl;
	char			 err[256];
	int32_t			 ids[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, bad = 512;

	CU_ASSERT_FATAL(tm_load("../../models/stories260K.gguf", &tl, err,
	    sizeof(err)) == 0);
	CU_ASSERT_FATAL(model_ctx_new(tl.tl_model, NULL, &ctx, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(model_ctx_n_ctx(ctx), 2048);
	CU_ASSERT_EQUAL(model_eval(ctx, &bad, 1, NULL, err, sizeof(err)),
	    PWR_ERR_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not in the vocabulary"));
	CU_ASSERT_EQUAL(model_ctx_n_past(ctx), 0);
	model_ctx_free(ctx);

	model_ctx_defaults(&cp);
	cp.cp_n_ctx = 6;
	CU_ASSERT_FATAL(model_ctx_new(tl.tl_model, &cp, &ctx, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(model_ctx_n_ctx(ctx), 6);
	CU_ASSERT_EQUAL(model_eval(ctx, ids, 4, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(model_eval(ctx, ids, 3, NULL, err, sizeof(err)),
	    PWR_ERR_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "context length exceeded"));
	CU_ASSERT_EQUAL(model_ctx_n_past(ctx), 4);
	CU_ASSERT_EQUAL(model_eval(ctx, ids, 2, NULL, err, sizeof(err)), 0);
	model_ctx_reset(ctx);
	CU_ASSERT_EQUAL(model_ctx_n_past(ctx), 0);
	model_ctx_free(ctx);

	/* 5 layers * 2 * 32 kv values * 2 bytes = 640 bytes a position. */
	cp.cp_n_ctx = 0;
	cp.cp_mem_budget = 640 * 100 + 5;
	CU_ASSERT_FATAL(model_ctx_new(tl.tl_model, &cp, &ctx, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(model_ctx_n_ctx(ctx), 100);
	model_ctx_free(ctx);
	cp.cp_mem_budget = 100;
	CU_ASSERT_EQUAL(model_ctx_new(tl.tl_model, &cp, &ctx, err,
	    sizeof(err)), PWR_ERR_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "holds no position"));
	cp.cp_mem_budget = 0;
	cp.cp_kv_type = GGUF_TYPE_Q8_0;
	CU_ASSERT_NOT_EQUAL(model_ctx_new(tl.tl_model, &cp, &ctx, err,
	    sizeof(err)), 0);
	tm_unload(&tl);
}

/*
 * Truncating the sequence and evaluating again gives the same bits, and
 * an embedding is the final-norm hidden state: the classifier applied
 * to it gives the logits up to a scale.
 */
static void
test_truncate_embed(void)
{
	struct model_ctx	*ctx;
	struct tm_loaded	 tl;
	const struct model_weight *w;
	char			 err[256];
	int32_t			 ids[8] = { 1, 403, 407, 261, 378, 1, 9, 30 };
	float			*l1, *e, *e2, *row, *z;
	double			 zz = 0, lz = 0, d, dmax = 0, lmax = 0, n2 = 0;
	uint32_t		 nv, ne, v, i;

	CU_ASSERT_FATAL(tm_load("../../models/stories260K.gguf", &tl, err,
	    sizeof(err)) == 0);
	CU_ASSERT_FATAL(model_ctx_new(tl.tl_model, NULL, &ctx, err,
	    sizeof(err)) == 0);
	nv = tl.tl_model->m_hp.hp_n_vocab;
	ne = tl.tl_model->m_hp.hp_n_embd;
	CU_ASSERT_EQUAL(model_pooling(tl.tl_model), MODEL_POOLING_MEAN);
	l1 = calloc(nv, sizeof(float));
	e = calloc(ne, sizeof(float));
	e2 = calloc(ne, sizeof(float));
	row = calloc(ne, sizeof(float));
	z = calloc(nv, sizeof(float));
	CU_ASSERT_FATAL(l1 != NULL && e != NULL && e2 != NULL &&
	    row != NULL && z != NULL);

	CU_ASSERT_FATAL(model_eval(ctx, ids, 6, NULL, err, sizeof(err)) == 0);
	memcpy(l1, model_ctx_logits(ctx), nv * sizeof(float));
	CU_ASSERT_FATAL(model_eval(ctx, ids + 6, 2, NULL, err,
	    sizeof(err)) == 0);
	model_ctx_truncate(ctx, 5);
	CU_ASSERT_EQUAL(model_ctx_n_past(ctx), 5);
	model_ctx_truncate(ctx, 7);		/* never grows */
	CU_ASSERT_EQUAL(model_ctx_n_past(ctx), 5);
	CU_ASSERT_FATAL(model_eval(ctx, ids + 5, 1, NULL, err,
	    sizeof(err)) == 0);
	CU_ASSERT(memcmp(l1, model_ctx_logits(ctx), nv * sizeof(float)) == 0);

	/* One token: mean pooling is that token's normalised state. */
	CU_ASSERT_FATAL(model_embed(ctx, ids + 1, 1, e, err,
	    sizeof(err)) == 0);
	CU_ASSERT_EQUAL(model_ctx_n_past(ctx), 0);
	for (i = 0; i < ne; i++)
		n2 += (double)e[i] * e[i];
	CU_ASSERT_DOUBLE_EQUAL(n2, 1.0, 1e-5);
	CU_ASSERT_FATAL(model_eval(ctx, ids + 1, 1, NULL, err,
	    sizeof(err)) == 0);
	w = &tl.tl_model->m_output;
	for (v = 0; v < nv; v++) {
		quant_dequant_row(w->w_type, (const u_char *)w->w_data +
		    (size_t)v * w->w_rowbytes, row, ne);
		for (z[v] = 0, i = 0; i < ne; i++)
			z[v] += row[i] * e[i];
		zz += (double)z[v] * z[v];
		lz += (double)z[v] * model_ctx_logits(ctx)[v];
	}
	for (v = 0; v < nv; v++) {
		d = fabs(model_ctx_logits(ctx)[v] - lz / zz * z[v]);
		dmax = d > dmax ? d : dmax;
		d = fabs(model_ctx_logits(ctx)[v]);
		lmax = d > lmax ? d : lmax;
	}
	CU_ASSERT(dmax < 1e-3 * lmax);

	/* Mean of several; the same input gives the same bits. */
	CU_ASSERT_FATAL(model_embed(ctx, ids, 8, e, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(model_embed(ctx, ids, 8, e2, err, sizeof(err)) == 0);
	CU_ASSERT(memcmp(e, e2, ne * sizeof(float)) == 0);
	CU_ASSERT_FATAL(model_embed(ctx, ids, 7, e2, err, sizeof(err)) == 0);
	CU_ASSERT(memcmp(e, e2, ne * sizeof(float)) != 0);
	CU_ASSERT_EQUAL(model_embed(ctx, ids, 0, e2, err, sizeof(err)),
	    PWR_ERR_RANGE);
	ids[3] = (int32_t)nv;
	CU_ASSERT_EQUAL(model_embed(ctx, ids, 8, e2, err, sizeof(err)),
	    PWR_ERR_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not in the vocabulary"));
	free(l1);
	free(e);
	free(e2);
	free(row);
	free(z);
	model_ctx_free(ctx);
	tm_unload(&tl);
}

/* Hyper-parameters of the bundled model come from its metadata. */
static void
test_hparams(void)
{
	struct tm_loaded		 tl;
	const struct model_hparams	*hp;
	char				 err[256];

	CU_ASSERT_FATAL(tm_load("../../models/stories260K.gguf", &tl, err,
	    sizeof(err)) == 0);
	hp = &tl.tl_model->m_hp;
	CU_ASSERT_EQUAL(hp->hp_arch, MODEL_ARCH_LLAMA);
	CU_ASSERT_EQUAL(hp->hp_n_vocab, 512);
	CU_ASSERT_EQUAL(hp->hp_n_embd, 64);
	CU_ASSERT_EQUAL(hp->hp_n_ff, 172);
	CU_ASSERT_EQUAL(hp->hp_n_layer, 5);
	CU_ASSERT_EQUAL(hp->hp_n_head, 8);
	CU_ASSERT_EQUAL(hp->hp_n_head_kv, 4);
	CU_ASSERT_EQUAL(hp->hp_head_dim, 8);
	CU_ASSERT_EQUAL(hp->hp_rope_dims, 8);
	CU_ASSERT_EQUAL(hp->hp_n_ctx_train, 2048);
	CU_ASSERT_EQUAL(hp->hp_rope_neox, 0);
	CU_ASSERT(hp->hp_rope_base == 10000.0f);
	CU_ASSERT(hp->hp_rms_eps == 1e-5f);
	CU_ASSERT_EQUAL(tl.tl_model->m_tied, 0);
	tm_unload(&tl);
	CU_ASSERT_FATAL(tm_load("golden/tiny/models/tiny-qwen2-F32.gguf", &tl,
	    err, sizeof(err)) == 0);
	hp = &tl.tl_model->m_hp;
	CU_ASSERT_EQUAL(hp->hp_arch, MODEL_ARCH_QWEN2);
	CU_ASSERT_EQUAL(hp->hp_rope_neox, 1);
	CU_ASSERT(hp->hp_rope_base == 1000000.0f);
	CU_ASSERT_EQUAL(tl.tl_model->m_tied, 1);
	CU_ASSERT_PTR_NOT_NULL(tl.tl_model->m_layers[0].l_bq.w_data);
	tm_unload(&tl);
}

int
model_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "hyper-parameters come from the metadata", test_hparams },
		{ "models that cannot run are refused by name",
		    test_refused },
		{ "context length: model, request, budget; overflow refused",
		    test_context_limits },
		{ "stories260K logits match llama.cpp (F32 KV, 1e-3)",
		    test_stories_f32kv },
		{ "stories260K logits match llama.cpp (F16 KV, 0.05)",
		    test_stories_f16kv },
		{ "stories260K greedy text is llama2.c's, byte for byte",
		    test_stories_greedy_text },
		{ "tiny llama/qwen2 in every type match f64 and llama.cpp",
		    test_tiny_models },
		{ "threads, batch sizes and streaming give the same bits",
		    test_identical_variants },
		{ "truncated sequences and embeddings",
		    test_truncate_embed },
		{ "a layer source gives the same bits; its failure fails",
		    test_layer_source },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("model", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
