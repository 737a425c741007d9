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
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/pool.h"
#include "engine/sampler.h"
#include "engine/tokenizer.h"

/*
 * power-run: generate text from a GGUF model on the command line, the
 * way llama-cli does, then report prompt and generation speed.  It uses
 * the same engine library as inferd, without the daemons.
 */

#define RUN_MAX_PROMPT_BYTES	(16 * 1024 * 1024)
#define RUN_MAX_TOKENS		(1U << 20)

struct run_opts {
	const char		*ro_model;
	const char		*ro_prompt;
	const char		*ro_prompt_file;
	int64_t			 ro_n_predict;	/* -1: until EOS or full */
	uint32_t		 ro_threads;
	uint32_t		 ro_batch;
	int			 ro_stream;
	uint32_t		 ro_n_ctx;
	uint32_t		 ro_kv_type;
	int			 ro_seed_set;
	int			 ro_special;
	int			 ro_ignore_eos;
	struct sampler_params	 ro_sp;
};

static void	usage(void) __attribute__((__noreturn__));
static double	run_num(const char *, const char *, double, double);
static void	run_args(int, char **, struct run_opts *);
static char	*run_read_prompt(const char *, size_t *);
static double	run_now(void);
static int32_t	*run_tokenize(const struct tok *, const char *, size_t,
		    int, size_t *);
static void	run_print(struct tok_stream *, int32_t);
static void	run_generate(const struct run_opts *, struct model *);

enum {
	OPT_TEMP = 256, OPT_SEED, OPT_TOP_K, OPT_TOP_P, OPT_MIN_P,
	OPT_REPEAT, OPT_REPEAT_N, OPT_FREQ, OPT_PRESENCE, OPT_KV,
	OPT_SPECIAL, OPT_IGNORE_EOS, OPT_STREAM
};

static const struct option run_longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "prompt", required_argument, NULL, 'p' },
	{ "file", required_argument, NULL, 'f' },
	{ "n-predict", required_argument, NULL, 'n' },
	{ "threads", required_argument, NULL, 't' },
	{ "ctx-size", required_argument, NULL, 'c' },
	{ "temp", required_argument, NULL, OPT_TEMP },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "top-k", required_argument, NULL, OPT_TOP_K },
	{ "top-p", required_argument, NULL, OPT_TOP_P },
	{ "min-p", required_argument, NULL, OPT_MIN_P },
	{ "repeat-penalty", required_argument, NULL, OPT_REPEAT },
	{ "repeat-last-n", required_argument, NULL, OPT_REPEAT_N },
	{ "frequency-penalty", required_argument, NULL, OPT_FREQ },
	{ "presence-penalty", required_argument, NULL, OPT_PRESENCE },
	{ "kv-type", required_argument, NULL, OPT_KV },
	{ "special", no_argument, NULL, OPT_SPECIAL },
	{ "ignore-eos", no_argument, NULL, OPT_IGNORE_EOS },
	{ "batch-size", required_argument, NULL, 'b' },
	{ "stream", no_argument, NULL, OPT_STREAM },
	{ NULL, 0, NULL, 0 }
};

static void
usage(void)
{
	fprintf(stderr, "usage: power-run -m model.gguf [-p prompt | -f file] "
	    "[-n tokens] [-c ctx]\n"
	    "\t[-b batch] [-t threads] [--stream] [--temp T] [--seed S]\n"
	    "\t[--top-k K] [--top-p P] [--min-p P]\n"
	    "\t[--repeat-penalty R] [--repeat-last-n N] "
	    "[--frequency-penalty F]\n"
	    "\t[--presence-penalty P] [--kv-type f16|f32] [--special] "
	    "[--ignore-eos]\n");
	exit(2);
}

/* A number in [lo, hi], or exit naming the option. */
static double
run_num(const char *opt, const char *s, double lo, double hi)
{
	char	*ep;
	double	 v;

	v = strtod(s, &ep);
	if (*s == '\0' || *ep != '\0' || !(v >= lo && v <= hi))
		pwr_tool_errx(2, "%s: \"%s\" is not a number in %g..%g", opt, s, lo, hi);
	return v;
}

static void
run_args(int argc, char **argv, struct run_opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	sampler_defaults(&o->ro_sp);
	/* llama-cli's defaults. */
	o->ro_sp.sp_temp = 0.8f;
	o->ro_sp.sp_top_k = 40;
	o->ro_sp.sp_top_p = 0.95f;
	o->ro_sp.sp_min_p = 0.05f;
	o->ro_n_predict = -1;
	o->ro_threads = 1;
	o->ro_kv_type = GGUF_TYPE_F16;
	while ((ch = getopt_long(argc, argv, "b:c:f:m:n:p:t:", run_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'm':
			o->ro_model = optarg;
			break;
		case 'p':
			o->ro_prompt = optarg;
			break;
		case 'f':
			o->ro_prompt_file = optarg;
			break;
		case 'n':
			o->ro_n_predict = (int64_t)run_num("-n", optarg, -1,
			    RUN_MAX_TOKENS);
			break;
		case 'b':
			o->ro_batch = (uint32_t)run_num("-b", optarg, 1,
			    MODEL_MAX_BATCH);
			break;
		case 't':
			o->ro_threads = (uint32_t)run_num("-t", optarg, 1,
			    POOL_MAX_THREADS);
			break;
		case 'c':
			o->ro_n_ctx = (uint32_t)run_num("-c", optarg, 0,
			    MODEL_MAX_CTX);
			break;
		case OPT_TEMP:
			o->ro_sp.sp_temp = run_num("--temp", optarg, 0, 100);
			break;
		case OPT_SEED:
			o->ro_sp.sp_seed = (uint64_t)run_num("--seed", optarg,
			    0, 9007199254740992.0);
			o->ro_seed_set = 1;
			break;
		case OPT_TOP_K:
			o->ro_sp.sp_top_k = run_num("--top-k", optarg, 0,
			    MODEL_MAX_VOCAB);
			break;
		case OPT_TOP_P:
			o->ro_sp.sp_top_p = run_num("--top-p", optarg, 0, 1);
			break;
		case OPT_MIN_P:
			o->ro_sp.sp_min_p = run_num("--min-p", optarg, 0, 1);
			break;
		case OPT_REPEAT:
			o->ro_sp.sp_repeat_penalty = run_num(
			    "--repeat-penalty", optarg, 0, 100);
			break;
		case OPT_REPEAT_N:
			o->ro_sp.sp_penalty_last_n = run_num(
			    "--repeat-last-n", optarg, 0, SAMPLER_MAX_WINDOW);
			break;
		case OPT_FREQ:
			o->ro_sp.sp_freq_penalty = run_num(
			    "--frequency-penalty", optarg, -2, 2);
			break;
		case OPT_PRESENCE:
			o->ro_sp.sp_presence_penalty = run_num(
			    "--presence-penalty", optarg, -2, 2);
			break;
		case OPT_KV:
			if (strcasecmp(optarg, "f16") == 0)
				o->ro_kv_type = GGUF_TYPE_F16;
			else if (strcasecmp(optarg, "f32") == 0)
				o->ro_kv_type = GGUF_TYPE_F32;
			else
				pwr_tool_errx(2, "--kv-type: \"%s\" is not f16 or f32",
				    optarg);
			break;
		case OPT_SPECIAL:
			o->ro_special = 1;
			break;
		case OPT_IGNORE_EOS:
			o->ro_ignore_eos = 1;
			break;
		case OPT_STREAM:
			o->ro_stream = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->ro_model == NULL ||
	    (o->ro_prompt != NULL && o->ro_prompt_file != NULL))
		usage();
	if (!o->ro_seed_set &&
	    getentropy(&o->ro_sp.sp_seed, sizeof(o->ro_sp.sp_seed)) == -1)
		pwr_tool_err(1, "getentropy");
}

static char *
run_read_prompt(const char *path, size_t *lenp)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		pwr_tool_err(1, "%s", path);
	if ((buf = malloc(RUN_MAX_PROMPT_BYTES)) == NULL)
		pwr_tool_err(1, NULL);
	while ((n = read(fd, buf + len, RUN_MAX_PROMPT_BYTES - len)) > 0)
		if ((len += n) == RUN_MAX_PROMPT_BYTES)
			pwr_tool_errx(1, "%s: longer than %d bytes", path,
			    RUN_MAX_PROMPT_BYTES);
	if (n == -1)
		pwr_tool_err(1, "%s", path);
	close(fd);
	*lenp = len;
	return buf;
}

static double
run_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int32_t *
run_tokenize(const struct tok *tok, const char *text, size_t len,
    int special, size_t *np)
{
	int32_t	*ids = NULL;
	size_t	 max = 64;
	int	 r;

	for (;;) {
		if ((ids = reallocarray(ids, max, sizeof(*ids))) == NULL)
			pwr_tool_err(1, NULL);
		r = tok_encode(tok, text, len, tok_add_bos(tok), special, ids,
		    max, np);
		if (r == 0)
			return ids;
		if (r != PWR_ERR_NO_BUFFER_SPACE || *np <= max)
			pwr_tool_errx(1, "tokenizing the prompt: %s",
			    pwr_err(r));
		max = *np;
	}
}

static void
run_print(struct tok_stream *ts, int32_t id)
{
	char	out[TOK_MAX_PIECE_BYTES + 16];
	int	n;

	if ((n = tok_stream_push(ts, id, out, sizeof(out))) > 0)
		fwrite(out, 1, n, stdout);
	fflush(stdout);
}

static void
run_generate(const struct run_opts *o, struct model *m)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	struct sampler		*smp;
	struct tok_stream	 ts;
	const struct tok	*tok = m->m_tok;
	char			 e[MODEL_ERRLEN], out[16], *text;
	size_t			 len, n, i;
	int32_t			*ids, id;
	int64_t			 gen = 0;
	double			 t0, t1, t2;
	int			 r;

	if (o->ro_prompt_file != NULL)
		text = run_read_prompt(o->ro_prompt_file, &len);
	else {
		text = strdup(o->ro_prompt != NULL ? o->ro_prompt : "");
		len = strlen(text);
	}
	ids = run_tokenize(tok, text, len, o->ro_special, &n);
	free(text);
	if (n == 0)
		pwr_tool_errx(1, "the prompt is empty and the vocabulary has no BOS");
	model_ctx_defaults(&cp);
	cp.cp_n_ctx = o->ro_n_ctx;
	cp.cp_kv_type = o->ro_kv_type;
	cp.cp_n_threads = o->ro_threads;
	if (o->ro_batch != 0)
		cp.cp_n_batch = o->ro_batch;
	cp.cp_stream = o->ro_stream;
	if ((r = model_ctx_new(m, &cp, &ctx, e, sizeof(e))) != 0)
		pwr_tool_errx(1, "%s", r == PWR_ERR_ALLOC_FAIL ?
		    pwr_err(r) : e);
	if ((r = sampler_new(&o->ro_sp, m->m_hp.hp_n_vocab, &smp)) != 0)
		pwr_tool_errx(1, "sampler: %s", pwr_err(r));
	tok_stream_init(&ts, tok, o->ro_special);
	for (i = 0; i < n; i++) {
		run_print(&ts, ids[i]);
		sampler_accept(smp, ids[i]);
	}
	t0 = run_now();
	if (model_eval(ctx, ids, n, NULL, e, sizeof(e)) != 0)
		pwr_tool_errx(1, "%s", e);
	t1 = run_now();
	while (o->ro_n_predict < 0 || gen < o->ro_n_predict) {
		id = sampler_sample(smp, (float *)model_ctx_logits(ctx));
		if (tok_is_eog(tok, id) && !o->ro_ignore_eos)
			break;
		run_print(&ts, id);
		sampler_accept(smp, id);
		gen++;
		if (model_ctx_n_past(ctx) == model_ctx_n_ctx(ctx))
			break;
		if (model_eval(ctx, &id, 1, NULL, e, sizeof(e)) != 0)
			pwr_tool_errx(1, "%s", e);
	}
	t2 = run_now();
	if ((r = tok_stream_flush(&ts, out, sizeof(out))) > 0)
		fwrite(out, 1, r, stdout);
	printf("\n");
	fflush(stdout);
	fprintf(stderr, "power-run: seed %llu, context %u, KV %s\n",
	    (unsigned long long)o->ro_sp.sp_seed, model_ctx_n_ctx(ctx),
	    o->ro_kv_type == GGUF_TYPE_F32 ? "F32" : "F16");
	fprintf(stderr, "power-run: prompt: %zu tokens in %.2f ms, %.1f "
	    "tokens/s\n", n, (t1 - t0) * 1e3, n / (t1 - t0));
	fprintf(stderr, "power-run: generation: %lld tokens in %.2f ms, %.1f "
	    "tokens/s\n", (long long)gen, (t2 - t1) * 1e3,
	    gen > 0 ? gen / (t2 - t1) : 0.0);
	free(ids);
	sampler_free(smp);
	model_ctx_free(ctx);
}

int
main(int argc, char **argv)
{
	struct run_opts	 o;
	struct gguf	*g;
	struct model	*m;
	char		 e[MODEL_ERRLEN];
	int		 fd, r;

	run_args(argc, argv, &o);
	if ((fd = open(o.ro_model, O_RDONLY)) == -1)
		pwr_tool_err(1, "%s", o.ro_model);
	if ((r = gguf_open_fd(fd, &g, e, sizeof(e))) != 0)
		pwr_tool_errx(1, "%s: %s", o.ro_model,
		    r == PWR_ERR_INVALID_FORMAT ? e : pwr_err(r));
	close(fd);
	if ((r = model_load(g, &m, e, sizeof(e))) != 0)
		pwr_tool_errx(1, "%s: %s", o.ro_model,
		    r == PWR_ERR_ALLOC_FAIL ? pwr_err(r) : e);
	run_generate(&o, m);
	model_free(m);
	gguf_close(g);
	return 0;
}
