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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/qdot.h"
#include "engine/sampler.h"
#include "engine/tokenizer.h"

/*
 * power-bench: prompt processing and generation speed of GGUF models,
 * measured the way llama.cpp's llama-bench measures them, with the
 * engine inferd uses.  On request it also shows where a token's time
 * goes and how close decoding comes to the memory bandwidth bound.
 */

#define BENCH_MAX_LIST		64	/* values in one list */
#define BENCH_MAX_MODELS	64
#define BENCH_MAX_REPS		1000
#define BENCH_MAX_THREADS	256
#define BENCH_SEED		0x706f776572ULL	/* "power" */
#define BENCH_BW_MIN_BYTES	(1ULL << 30)	/* at least 1 GiB */
#define BENCH_BW_LLC_TIMES	4		/* or 4 times the LLC */
#define BENCH_BW_RUNS		5		/* best of */
#define BENCH_BW_ALIGN		4096	/* slices are whole pages */
/* The streaming RSS limit: largest unit + KV cache + this. */
#define BENCH_STREAM_SLACK_BYTES (32ULL << 20)
#define BENCH_MIB		(1024.0 * 1024.0)

enum bench_fmt {
	BENCH_FMT_MD,
	BENCH_FMT_CSV,
	BENCH_FMT_JSON,
	BENCH_FMT_JSONL
};

/* The --breakdown columns: the engine's stages, sampling, the rest. */
enum bench_stage {
	BENCH_ST_ATTN,
	BENCH_ST_FFN,
	BENCH_ST_OUTPUT,
	BENCH_ST_SAMPLING,
	BENCH_ST_OTHER,
	BENCH_ST__MAX
};

static const char *const bench_stage_names[BENCH_ST__MAX] = {
	"attention", "FFN", "output", "sampling", "other"
};
static const char *const bench_stage_keys[BENCH_ST__MAX] = {
	"attention_ms", "ffn_ms", "output_ms", "sampling_ms", "other_ms"
};

struct bench_list {
	uint32_t	 l_v[BENCH_MAX_LIST];
	size_t		 l_n;
};

struct bench_opts {
	char			*bo_models[BENCH_MAX_MODELS];
	size_t			 bo_nmodels;
	struct bench_list	 bo_prompt;
	struct bench_list	 bo_gen;
	struct bench_list	 bo_threads;
	uint32_t		 bo_reps;
	uint32_t		 bo_batch;	/* 0: the engine's */
	uint32_t		 bo_n_ctx;	/* 0: the longest test */
	uint32_t		 bo_kv_type;
	int			 bo_stream;
	int			 bo_breakdown;
	int			 bo_bandwidth;
	enum bench_fmt		 bo_fmt;
};

/* What the tables say about a model file; kept after it is unloaded. */
struct bench_minfo {
	const char	*mi_path;
	const char	*mi_name;	/* the file's base name */
	char		*mi_arch;
	const char	*mi_type;	/* the type holding the most bytes */
	uint64_t	 mi_size;	/* bytes of tensor data */
	uint64_t	 mi_params;
	uint64_t	 mi_weight_bytes;
	uint64_t	 mi_unit_bytes;	/* largest streamed unit */
	uint64_t	 mi_kv_bytes;	/* the KV cache of the context */
	uint32_t	 mi_n_ctx;
};

/* The read bandwidth at one thread count (--bandwidth). */
struct bench_bw {
	uint32_t	 bw_threads;
	double		 bw_gbs;
};

/* One test at one thread count: a row of the table. */
struct bench_result {
	const struct bench_minfo *br_mi;
	uint32_t	 br_threads;	/* as the context runs them */
	uint32_t	 br_batch;
	uint32_t	 br_n_ctx;
	int		 br_stream;
	uint32_t	 br_n_prompt;
	uint32_t	 br_n_gen;
	double		*br_samples;	/* tokens/s of each run */
	uint32_t	 br_nsamples;
	double		 br_avg;
	double		 br_sd;
	uint64_t	 br_rss;	/* the process's peak so far */
	uint64_t	 br_decode_bytes;	/* tg: mean bytes per step */
	double		 br_bw_gbs;	/* 0: not measured */
	double		 br_bound_ts;	/* tg with --bandwidth */
	/* --breakdown: milliseconds per token. */
	double		 br_stage_ms[BENCH_ST__MAX];
};

/* A context and what one test needs to run on it. */
struct bench_run {
	const struct bench_opts	*ru_o;
	struct model		*ru_model;
	struct model_ctx	*ru_ctx;
	struct sampler		*ru_smp;
	int32_t			*ru_tokens;
	uint64_t		 ru_rng;
	uint64_t		 ru_ns[BENCH_ST__MAX]; /* --breakdown */
	uint64_t		 ru_wall_ns;
};

struct bench_bw_thread {
	pthread_t		 bt_tid;
	pthread_barrier_t	*bt_bar;
	const void		*bt_p;
	size_t			 bt_len;
	uint64_t		 bt_sum;
};

static void	usage(void) __attribute__((__noreturn__));
static uint32_t	bench_num(const char *, const char *, long long,
		    long long);
static void	bench_list_add(struct bench_list *, const char *, char *,
		    long long, long long);
static void	bench_models_add(struct bench_opts *, char *);
static uint32_t	bench_longest(const struct bench_opts *);
static void	bench_args(int, char **, struct bench_opts *);
static uint64_t	bench_now_ns(void);
static uint64_t	bench_peak_rss(void);
static uint64_t	bench_rand(uint64_t *);
static uint64_t	bench_bw_bytes(void);
static uint64_t	bench_read_plain(const void *, size_t);
#if defined(__x86_64__) || defined(__i386__)
static uint64_t	bench_read_avx2(const void *, size_t);
#endif
static uint64_t	bench_read(const void *, size_t);
static void	*bench_bw_worker(void *);
static double	bench_bw_measure(u_char *, uint64_t, uint32_t);
static void	bench_bw_child(int, const struct bench_list *, uint64_t);
static void	bench_bandwidth(const struct bench_list *, struct bench_bw *,
		    uint64_t *);
static double	bench_bw_at(const struct bench_bw *, size_t, uint32_t);
static void	bench_minfo(struct bench_minfo *, const char *,
		    const struct gguf *, const struct model *);
static void	bench_tokens(struct bench_run *, uint32_t);
static void	bench_eval(struct bench_run *, const int32_t *, size_t);
static void	bench_sample(struct bench_run *);
static uint64_t	bench_once(struct bench_run *, uint32_t, uint32_t);
static void	bench_stats(struct bench_result *);
static void	bench_breakdown(struct bench_run *, struct bench_result *,
		    uint64_t);
static void	bench_test(struct bench_run *, uint32_t, uint32_t,
		    struct bench_result *);
static struct model_ctx *bench_ctx(const struct bench_opts *,
		    const struct model *, const char *, uint32_t, uint32_t);
static void	bench_row(struct bench_run *, const struct bench_minfo *,
		    uint32_t, uint32_t, double);
static void	bench_model(const struct bench_opts *, const char *,
		    const struct bench_bw *, size_t, struct bench_minfo *);
static const char *bench_test_name(const struct bench_result *, char *,
		    size_t);
static const char *bench_fmt_size(uint64_t, char *, size_t);
static const char *bench_fmt_params(uint64_t, char *, size_t);
static void	bench_md_header(const struct bench_opts *);
static void	bench_md_row(const struct bench_opts *,
		    const struct bench_result *);
static void	bench_md_breakdown(void);
static void	bench_md_footer(const struct bench_opts *,
		    const struct bench_bw *, size_t, uint64_t);
static void	bench_json_str(const char *);
static void	bench_json_row(const struct bench_opts *,
		    const struct bench_result *);
static void	bench_csv_str(const char *);
static void	bench_csv_header(const struct bench_opts *);
static void	bench_csv_row(const struct bench_opts *,
		    const struct bench_result *);
static void	bench_emit(const struct bench_opts *,
		    const struct bench_result *);
static void	bench_bw_report(const struct bench_opts *,
		    const struct bench_bw *, size_t, uint64_t);

enum {
	OPT_KV = 256, OPT_STREAM, OPT_BREAKDOWN, OPT_BANDWIDTH
};

static const struct option bench_longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "n-prompt", required_argument, NULL, 'p' },
	{ "n-gen", required_argument, NULL, 'n' },
	{ "threads", required_argument, NULL, 't' },
	{ "repetitions", required_argument, NULL, 'r' },
	{ "batch-size", required_argument, NULL, 'b' },
	{ "ctx-size", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "kv-type", required_argument, NULL, OPT_KV },
	{ "stream", no_argument, NULL, OPT_STREAM },
	{ "breakdown", no_argument, NULL, OPT_BREAKDOWN },
	{ "bandwidth", no_argument, NULL, OPT_BANDWIDTH },
	{ NULL, 0, NULL, 0 }
};

/* Every row, kept for the breakdown table and the footer. */
static struct bench_result	*bench_results;
static size_t			 bench_nresults;

static void
usage(void)
{
	fprintf(stderr, "usage: power-bench -m model.gguf [-p n,...] "
	    "[-n n,...] [-t n,...] [-r reps]\n"
	    "\t[-b batch] [-c ctx] [--kv-type f16|f32] [--stream] "
	    "[--breakdown]\n"
	    "\t[--bandwidth] [-o md|csv|json|jsonl]\n"
	    "       power-bench --bandwidth [-t n,...] "
	    "[-o md|csv|json|jsonl]\n");
	exit(1);
}

/* A whole number in [lo, hi], or exit naming the option. */
static uint32_t
bench_num(const char *opt, const char *s, long long lo, long long hi)
{
	const char	*errstr;
	long long	 v;

	v = strtonum(s, lo, hi, &errstr);
	if (errstr != NULL)
		pwr_tool_errx(1, "%s: \"%s\" is %s (%lld to %lld)", opt, s,
		    errstr, lo, hi);
	return (uint32_t)v;
}

/* Append a comma-separated list, as llama-bench takes them. */
static void
bench_list_add(struct bench_list *l, const char *opt, char *arg,
    long long lo, long long hi)
{
	char	*s;

	while ((s = strsep(&arg, ",")) != NULL) {
		if (l->l_n == BENCH_MAX_LIST)
			pwr_tool_errx(1, "%s: more than %d values", opt,
			    BENCH_MAX_LIST);
		l->l_v[l->l_n++] = bench_num(opt, s, lo, hi);
	}
}

static void
bench_models_add(struct bench_opts *o, char *arg)
{
	char	*s;

	while ((s = strsep(&arg, ",")) != NULL) {
		if (*s == '\0')
			pwr_tool_errx(1, "-m: an empty file name");
		if (o->bo_nmodels == BENCH_MAX_MODELS)
			pwr_tool_errx(1, "-m: more than %d models",
			    BENCH_MAX_MODELS);
		o->bo_models[o->bo_nmodels++] = s;
	}
}

/* The positions the longest test needs. */
static uint32_t
bench_longest(const struct bench_opts *o)
{
	uint32_t	n = 0;
	size_t		i;

	for (i = 0; i < o->bo_prompt.l_n; i++)
		if (o->bo_prompt.l_v[i] > n)
			n = o->bo_prompt.l_v[i];
	for (i = 0; i < o->bo_gen.l_n; i++)
		if (o->bo_gen.l_v[i] > n)
			n = o->bo_gen.l_v[i];
	return n;
}

static void
bench_args(int argc, char **argv, struct bench_opts *o)
{
	long	ncpu;
	int	ch;

	memset(o, 0, sizeof(*o));
	o->bo_reps = 5;
	o->bo_kv_type = GGUF_TYPE_F16;
	while ((ch = getopt_long(argc, argv, "b:c:m:n:o:p:r:t:",
	    bench_longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			bench_models_add(o, optarg);
			break;
		case 'p':
			bench_list_add(&o->bo_prompt, "-p", optarg, 0,
			    MODEL_MAX_CTX);
			break;
		case 'n':
			bench_list_add(&o->bo_gen, "-n", optarg, 0,
			    MODEL_MAX_CTX);
			break;
		case 't':
			bench_list_add(&o->bo_threads, "-t", optarg, 1,
			    BENCH_MAX_THREADS);
			break;
		case 'r':
			o->bo_reps = bench_num("-r", optarg, 1,
			    BENCH_MAX_REPS);
			break;
		case 'b':
			o->bo_batch = bench_num("-b", optarg, 1,
			    MODEL_MAX_BATCH);
			break;
		case 'c':
			o->bo_n_ctx = bench_num("-c", optarg, 1,
			    MODEL_MAX_CTX);
			break;
		case 'o':
			if (strcmp(optarg, "md") == 0)
				o->bo_fmt = BENCH_FMT_MD;
			else if (strcmp(optarg, "csv") == 0)
				o->bo_fmt = BENCH_FMT_CSV;
			else if (strcmp(optarg, "json") == 0)
				o->bo_fmt = BENCH_FMT_JSON;
			else if (strcmp(optarg, "jsonl") == 0)
				o->bo_fmt = BENCH_FMT_JSONL;
			else
				pwr_tool_errx(1, "-o: \"%s\" is not md, csv, "
				    "json or jsonl", optarg);
			break;
		case OPT_KV:
			if (strcasecmp(optarg, "f16") == 0)
				o->bo_kv_type = GGUF_TYPE_F16;
			else if (strcasecmp(optarg, "f32") == 0)
				o->bo_kv_type = GGUF_TYPE_F32;
			else
				pwr_tool_errx(1, "--kv-type: \"%s\" is not f16 "
				    "or f32", optarg);
			break;
		case OPT_STREAM:
			o->bo_stream = 1;
			break;
		case OPT_BREAKDOWN:
			o->bo_breakdown = 1;
			break;
		case OPT_BANDWIDTH:
			o->bo_bandwidth = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (o->bo_nmodels == 0 && !o->bo_bandwidth))
		usage();
	/* llama-bench's defaults: -p 512 -n 128, a thread per CPU. */
	if (o->bo_prompt.l_n == 0)
		o->bo_prompt.l_v[o->bo_prompt.l_n++] = 512;
	if (o->bo_gen.l_n == 0)
		o->bo_gen.l_v[o->bo_gen.l_n++] = 128;
	if (o->bo_threads.l_n == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		if (ncpu < 1)
			ncpu = 1;
		if (ncpu > BENCH_MAX_THREADS)
			ncpu = BENCH_MAX_THREADS;
		o->bo_threads.l_v[o->bo_threads.l_n++] = (uint32_t)ncpu;
	}
	if (o->bo_nmodels > 0 && bench_longest(o) == 0)
		pwr_tool_errx(1, "no tests: every -p and -n value is 0");
	if (o->bo_n_ctx != 0 && o->bo_n_ctx < bench_longest(o))
		pwr_tool_errx(1, "-c %u: the longest test needs %u positions",
		    o->bo_n_ctx, bench_longest(o));
}

static uint64_t
bench_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The process's peak resident set so far; Linux counts in KiB. */
static uint64_t
bench_peak_rss(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		pwr_tool_err(1, "getrusage");
	return (uint64_t)ru.ru_maxrss * 1024;
}

/* xorshift64*: the same token ids on every run. */
static uint64_t
bench_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * The bandwidth buffer: 1 GiB or four times the last-level cache,
 * whichever is larger, so that no cache holds a useful part of it; but
 * no more than half the memory.
 */
static uint64_t
bench_bw_bytes(void)
{
	uint64_t	bytes = BENCH_BW_MIN_BYTES, half = 0;
	long		llc = 0, pages, psz;

#ifdef _SC_LEVEL3_CACHE_SIZE
	llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
	if (llc > 0 && (uint64_t)llc * BENCH_BW_LLC_TIMES > bytes)
		bytes = (uint64_t)llc * BENCH_BW_LLC_TIMES;
	pages = sysconf(_SC_PHYS_PAGES);
	psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0)
		half = (uint64_t)pages * (uint64_t)psz / 2;
	if (half != 0 && bytes > half)
		bytes = half;
	bytes -= bytes % BENCH_BW_ALIGN;
	return bytes;
}

/* Sum 64-bit words four at a time; gcc -O2 keeps this a plain loop. */
static uint64_t
bench_read_plain(const void *p, size_t len)
{
	const uint64_t	*w = p;
	uint64_t	 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t		 i, n = len / sizeof(*w);

	for (i = 0; i + 4 <= n; i += 4) {
		s0 += w[i];
		s1 += w[i + 1];
		s2 += w[i + 2];
		s3 += w[i + 3];
	}
	return s0 + s1 + s2 + s3;
}

#if defined(__x86_64__) || defined(__i386__)
/* 32-byte loads, four accumulators; len is whole pages. */
__attribute__((target("avx2")))
static uint64_t
bench_read_avx2(const void *p, size_t len)
{
	const __m256i	*v = p;
	__m256i		 a0, a1, a2, a3;
	uint64_t	 out[4];
	size_t		 i, n = len / sizeof(*v);

	a0 = a1 = a2 = a3 = _mm256_setzero_si256();
	for (i = 0; i + 4 <= n; i += 4) {
		a0 = _mm256_add_epi64(a0, _mm256_load_si256(v + i));
		a1 = _mm256_add_epi64(a1, _mm256_load_si256(v + i + 1));
		a2 = _mm256_add_epi64(a2, _mm256_load_si256(v + i + 2));
		a3 = _mm256_add_epi64(a3, _mm256_load_si256(v + i + 3));
	}
	a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1),
	    _mm256_add_epi64(a2, a3));
	_mm256_storeu_si256((__m256i *)out, a0);
	return out[0] + out[1] + out[2] + out[3];
}
#endif

static uint64_t
bench_read(const void *p, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_cpu_supports("avx2"))
		return bench_read_avx2(p, len);
#endif
	return bench_read_plain(p, len);
}

static void *
bench_bw_worker(void *arg)
{
	struct bench_bw_thread	*bt = arg;
	int			 i;

	for (i = 0; i < BENCH_BW_RUNS; i++) {
		pthread_barrier_wait(bt->bt_bar);
		bt->bt_sum += bench_read(bt->bt_p, bt->bt_len);
		pthread_barrier_wait(bt->bt_bar);
	}
	return NULL;
}

/*
 * Read the whole buffer with n threads, each its own slice, and keep
 * the fastest of BENCH_BW_RUNS runs.  The calling thread reads slice 0
 * and times each run between the two barriers.
 */
static double
bench_bw_measure(u_char *buf, uint64_t bytes, uint32_t n)
{
	struct bench_bw_thread	*bt;
	pthread_barrier_t	 bar;
	uint64_t		 t0, t1, best = UINT64_MAX, slice;
	uint32_t		 i;
	int			 run, r;

	/* Whole pages each, so that the 32-byte loads are aligned. */
	slice = bytes / n / BENCH_BW_ALIGN * BENCH_BW_ALIGN;
	if ((bt = calloc(n, sizeof(*bt))) == NULL)
		pwr_tool_err(1, NULL);
	if ((r = pthread_barrier_init(&bar, NULL, n)) != 0) {
		errno = r;
		pwr_tool_err(1, "pthread_barrier_init");
	}
	for (i = 0; i < n; i++) {
		bt[i].bt_bar = &bar;
		bt[i].bt_p = buf + i * slice;
		bt[i].bt_len = slice;
	}
	for (i = 1; i < n; i++)
		if ((r = pthread_create(&bt[i].bt_tid, NULL, bench_bw_worker,
		    &bt[i])) != 0) {
			errno = r;
			pwr_tool_err(1, "pthread_create");
		}
	for (run = 0; run < BENCH_BW_RUNS; run++) {
		t0 = bench_now_ns();
		pthread_barrier_wait(&bar);
		bt[0].bt_sum += bench_read(bt[0].bt_p, bt[0].bt_len);
		pthread_barrier_wait(&bar);
		t1 = bench_now_ns();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	for (i = 1; i < n; i++)
		pthread_join(bt[i].bt_tid, NULL);
	pthread_barrier_destroy(&bar);
	/* Use the sums, so that no load can be optimised away. */
	for (i = 0; i < n; i++)
		if (bt[i].bt_sum == 0)
			pwr_tool_errx(1, "bandwidth: thread %u read nothing", i);
	free(bt);
	return (double)(slice * n) / (best > 0 ? best : 1);
}

/* In a child process: measure and write one double per thread count. */
static void
bench_bw_child(int fd, const struct bench_list *threads, uint64_t bytes)
{
	u_char	*buf;
	double	 gbs;
	size_t	 i;

	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		pwr_tool_err(1, "bandwidth: mmap %llu bytes",
		    (unsigned long long)bytes);
#ifdef MADV_HUGEPAGE
	/* Fewer faults to take and TLB misses to time; a hint only. */
	(void)madvise(buf, bytes, MADV_HUGEPAGE);
#endif
	/* Fault every page in before the clock starts. */
	memset(buf, 1, bytes);
	for (i = 0; i < threads->l_n; i++) {
		gbs = bench_bw_measure(buf, bytes, threads->l_v[i]);
		if (write(fd, &gbs, sizeof(gbs)) != sizeof(gbs))
			pwr_tool_err(1, "bandwidth: write");
	}
	munmap(buf, bytes);
}

/*
 * The bandwidth buffer would be the peak of our RSS, so it lives in a
 * child process: getrusage(RUSAGE_SELF) leaves children out.
 */
static void
bench_bandwidth(const struct bench_list *threads, struct bench_bw *bw,
    uint64_t *bytesp)
{
	uint64_t	bytes;
	size_t		got = 0;
	ssize_t		n;
	pid_t		pid;
	int		fds[2], status;

	*bytesp = bytes = bench_bw_bytes();
	if (pipe(fds) == -1)
		pwr_tool_err(1, "pipe");
	fflush(stdout);
	if ((pid = fork()) == -1)
		pwr_tool_err(1, "fork");
	if (pid == 0) {
		close(fds[0]);
		bench_bw_child(fds[1], threads, bytes);
		_exit(0);
	}
	close(fds[1]);
	while (got < threads->l_n) {
		n = read(fds[0], &bw[got].bw_gbs, sizeof(bw[got].bw_gbs));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != sizeof(bw[got].bw_gbs))
			break;
		bw[got].bw_threads = threads->l_v[got];
		got++;
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1)
		pwr_tool_err(1, "waitpid");
	/* The child has said why on stderr. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		exit(1);
	if (got != threads->l_n)
		pwr_tool_errx(1, "bandwidth: the measuring process stopped early");
}

static double
bench_bw_at(const struct bench_bw *bw, size_t nbw, uint32_t threads)
{
	size_t	i;

	for (i = 0; i < nbw; i++)
		if (bw[i].bw_threads == threads)
			return bw[i].bw_gbs;
	return 0;
}

static void
bench_minfo(struct bench_minfo *mi, const char *path, const struct gguf *g,
    const struct model *m)
{
	const struct gguf_tensor	*t;
	uint64_t			 i, bytes[64];
	uint32_t			 best = 0;
	const char			*slash;

	memset(mi, 0, sizeof(*mi));
	memset(bytes, 0, sizeof(bytes));
	mi->mi_path = path;
	slash = strrchr(path, '/');
	mi->mi_name = slash != NULL ? slash + 1 : path;
	if ((mi->mi_arch = strdup(model_arch_name(m))) == NULL)
		pwr_tool_err(1, NULL);
	for (i = 0; i < gguf_n_tensors(g); i++) {
		t = gguf_tensor_at(g, i);
		mi->mi_size += t->t_nbytes;
		mi->mi_params += t->t_nelem;
		if (t->t_type < 64)
			bytes[t->t_type] += t->t_nbytes;
	}
	for (i = 0; i < 64; i++)
		if (bytes[i] > bytes[best])
			best = (uint32_t)i;
	mi->mi_type = gguf_type_name(best);
	mi->mi_weight_bytes = model_weight_bytes(m);
	mi->mi_unit_bytes = model_stream_unit_bytes(m);
}

/* llama-bench's tokens: BOS if the vocabulary wants one, then random. */
static void
bench_tokens(struct bench_run *ru, uint32_t n)
{
	const struct model	*m = ru->ru_model;
	uint32_t		 i = 0;
	int32_t			 bos = TOK_NONE;

	if (m->m_tok != NULL && tok_add_bos(m->m_tok))
		bos = tok_bos(m->m_tok);
	if (n > 0 && bos != TOK_NONE)
		ru->ru_tokens[i++] = bos;
	for (; i < n; i++)
		ru->ru_tokens[i] = (int32_t)(bench_rand(&ru->ru_rng) %
		    m->m_hp.hp_n_vocab);
}

static void
bench_eval(struct bench_run *ru, const int32_t *ids, size_t n)
{
	char	e[MODEL_ERRLEN];

	if (model_eval(ru->ru_ctx, ids, n, NULL, e, sizeof(e)) != 0)
		pwr_tool_errx(1, "%s", e);
}

/* Greedy sampling, timed for --breakdown. */
static void
bench_sample(struct bench_run *ru)
{
	uint64_t	t0;

	t0 = bench_now_ns();
	(void)sampler_sample(ru->ru_smp,
	    (float *)model_ctx_logits(ru->ru_ctx));
	ru->ru_ns[BENCH_ST_SAMPLING] += bench_now_ns() - t0;
}

/*
 * One run from an empty context: the whole prompt in one model_eval,
 * or n_gen single-token steps.  Returns the nanoseconds it took.
 */
static uint64_t
bench_once(struct bench_run *ru, uint32_t n_prompt, uint32_t n_gen)
{
	struct model_stats	st;
	uint64_t		t0, t1;
	uint32_t		i;
	int			bd = ru->ru_o->bo_breakdown;

	model_ctx_reset(ru->ru_ctx);
	model_ctx_stats_reset(ru->ru_ctx);
	t0 = bench_now_ns();
	if (n_prompt > 0) {
		bench_eval(ru, ru->ru_tokens, n_prompt);
		if (bd)
			bench_sample(ru);
	}
	for (i = 0; i < n_gen; i++) {
		bench_eval(ru, &ru->ru_tokens[i], 1);
		if (bd)
			bench_sample(ru);
	}
	t1 = bench_now_ns();
	if (bd) {
		model_ctx_stats(ru->ru_ctx, &st);
		ru->ru_ns[BENCH_ST_ATTN] += st.ms_ns[MODEL_STAGE_ATTN];
		ru->ru_ns[BENCH_ST_FFN] += st.ms_ns[MODEL_STAGE_FFN];
		ru->ru_ns[BENCH_ST_OUTPUT] += st.ms_ns[MODEL_STAGE_OUTPUT];
		ru->ru_wall_ns += t1 - t0;
	}
	return t1 > t0 ? t1 - t0 : 1;
}

/* Mean and sample standard deviation of the repetitions. */
static void
bench_stats(struct bench_result *br)
{
	double		sum = 0, sq = 0, d;
	uint32_t	i;

	for (i = 0; i < br->br_nsamples; i++)
		sum += br->br_samples[i];
	br->br_avg = sum / br->br_nsamples;
	for (i = 0; i < br->br_nsamples; i++) {
		d = br->br_samples[i] - br->br_avg;
		sq += d * d;
	}
	br->br_sd = br->br_nsamples > 1 ?
	    sqrt(sq / (br->br_nsamples - 1)) : 0;
}

/*
 * Per-token milliseconds of each stage.  "other" is the wall time the
 * named stages do not cover: the engine's own OTHER stage (embedding,
 * streaming), thread hand-offs and the loop around model_eval.
 */
static void
bench_breakdown(struct bench_run *ru, struct bench_result *br,
    uint64_t ntok)
{
	uint64_t	named = 0;
	int		s;

	for (s = 0; s < BENCH_ST_OTHER; s++)
		named += ru->ru_ns[s];
	ru->ru_ns[BENCH_ST_OTHER] = ru->ru_wall_ns > named ?
	    ru->ru_wall_ns - named : 0;
	for (s = 0; s < BENCH_ST__MAX; s++)
		br->br_stage_ms[s] = ru->ru_ns[s] / 1e6 / ntok;
}

static void
bench_test(struct bench_run *ru, uint32_t n_prompt, uint32_t n_gen,
    struct bench_result *br)
{
	const struct bench_opts	*o = ru->ru_o;
	uint64_t		 ns, b0 = 0, b1 = 0;
	uint32_t		 n = n_prompt + n_gen, i;

	ru->ru_rng = BENCH_SEED;
	bench_tokens(ru, n);
	/* A warm-up, as llama-bench: the prompt, or one decode step. */
	(void)bench_once(ru, n_prompt, n_gen > 0 ? 1 : 0);
	memset(ru->ru_ns, 0, sizeof(ru->ru_ns));
	ru->ru_wall_ns = 0;
	br->br_nsamples = o->bo_reps;
	if ((br->br_samples = calloc(o->bo_reps, sizeof(double))) == NULL)
		pwr_tool_err(1, NULL);
	for (i = 0; i < o->bo_reps; i++) {
		model_ctx_reset(ru->ru_ctx);
		b0 = model_ctx_decode_bytes(ru->ru_ctx);
		ns = bench_once(ru, n_prompt, n_gen);
		b1 = model_ctx_decode_bytes(ru->ru_ctx);
		br->br_samples[i] = n * 1e9 / ns;
	}
	bench_stats(br);
	br->br_n_prompt = n_prompt;
	br->br_n_gen = n_gen;
	/* KV reads grow linearly: the mean step reads the midpoint. */
	if (n_gen > 0)
		br->br_decode_bytes = (b0 + b1) / 2;
	if (o->bo_breakdown)
		bench_breakdown(ru, br, (uint64_t)n * o->bo_reps);
	br->br_rss = bench_peak_rss();
}

static struct model_ctx *
bench_ctx(const struct bench_opts *o, const struct model *m,
    const char *path, uint32_t n_ctx, uint32_t threads)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	char			 e[MODEL_ERRLEN];
	int			 r;

	model_ctx_defaults(&cp);
	cp.cp_n_ctx = n_ctx;
	cp.cp_kv_type = o->bo_kv_type;
	cp.cp_n_threads = threads;
	if (o->bo_batch != 0)
		cp.cp_n_batch = o->bo_batch;
	cp.cp_stream = o->bo_stream;
	if ((r = model_ctx_new(m, &cp, &ctx, e, sizeof(e))) != 0)
		pwr_tool_errx(1, "%s: %s", path,
		    r == PWR_ERR_ALLOC_FAIL ? pwr_err(r) : e);
	if (model_ctx_n_ctx(ctx) < n_ctx)
		pwr_tool_errx(1, "%s: the tests need %u positions, the model's "
		    "context holds %u", path, n_ctx, model_ctx_n_ctx(ctx));
	model_ctx_set_timing(ctx, o->bo_breakdown);
	return ctx;
}

/* One row: a test at the context's thread count, printed when done. */
static void
bench_row(struct bench_run *ru, const struct bench_minfo *mi,
    uint32_t n_prompt, uint32_t n_gen, double gbs)
{
	struct bench_result	*br;

	bench_results = reallocarray(bench_results, bench_nresults + 1,
	    sizeof(*bench_results));
	if (bench_results == NULL)
		pwr_tool_err(1, NULL);
	br = &bench_results[bench_nresults++];
	memset(br, 0, sizeof(*br));
	br->br_mi = mi;
	br->br_threads = model_ctx_threads(ru->ru_ctx);
	br->br_batch = model_ctx_batch(ru->ru_ctx);
	br->br_n_ctx = model_ctx_n_ctx(ru->ru_ctx);
	br->br_stream = model_ctx_streaming(ru->ru_ctx);
	bench_test(ru, n_prompt, n_gen, br);
	br->br_bw_gbs = gbs;
	if (gbs > 0 && br->br_decode_bytes > 0)
		br->br_bound_ts = gbs * 1e9 / br->br_decode_bytes;
	bench_emit(ru->ru_o, br);
}

/* Every test of one model file, at every thread count. */
static void
bench_model(const struct bench_opts *o, const char *path,
    const struct bench_bw *bw, size_t nbw, struct bench_minfo *mi)
{
	const struct model_hparams	*hp;
	struct bench_run		 ru;
	struct gguf			*g;
	char				 e[MODEL_ERRLEN];
	uint32_t			 n_ctx, t;
	double				 gbs;
	size_t				 ti, i;
	int				 fd, r;

	if ((fd = open(path, O_RDONLY)) == -1)
		pwr_tool_err(1, "%s", path);
	if ((r = gguf_open_fd(fd, &g, e, sizeof(e))) != 0)
		pwr_tool_errx(1, "%s: %s", path,
		    r == PWR_ERR_INVALID_FORMAT ? e : pwr_err(r));
	close(fd);
	memset(&ru, 0, sizeof(ru));
	ru.ru_o = o;
	if ((r = model_load(g, &ru.ru_model, e, sizeof(e))) != 0)
		pwr_tool_errx(1, "%s: %s", path,
		    r == PWR_ERR_ALLOC_FAIL ? pwr_err(r) : e);
	hp = &ru.ru_model->m_hp;
	bench_minfo(mi, path, g, ru.ru_model);
	n_ctx = o->bo_n_ctx != 0 ? o->bo_n_ctx : bench_longest(o);
	mi->mi_n_ctx = n_ctx;
	mi->mi_kv_bytes = (uint64_t)kv_bytes_per_pos(hp->hp_n_layer,
	    hp->hp_n_head_kv * hp->hp_head_dim, o->bo_kv_type) * n_ctx;
	if ((ru.ru_tokens = calloc(n_ctx, sizeof(int32_t))) == NULL)
		pwr_tool_err(1, NULL);
	if ((r = sampler_new(NULL, hp->hp_n_vocab, &ru.ru_smp)) != 0)
		pwr_tool_errx(1, "sampler: %s", pwr_err(r));
	for (ti = 0; ti < o->bo_threads.l_n; ti++) {
		t = o->bo_threads.l_v[ti];
		gbs = bench_bw_at(bw, nbw, t);
		ru.ru_ctx = bench_ctx(o, ru.ru_model, path, n_ctx, t);
		/* -p 0 and -n 0 name no test, as in llama-bench. */
		for (i = 0; i < o->bo_prompt.l_n; i++)
			if (o->bo_prompt.l_v[i] > 0)
				bench_row(&ru, mi, o->bo_prompt.l_v[i], 0, gbs);
		for (i = 0; i < o->bo_gen.l_n; i++)
			if (o->bo_gen.l_v[i] > 0)
				bench_row(&ru, mi, 0, o->bo_gen.l_v[i], gbs);
		model_ctx_free(ru.ru_ctx);
	}
	sampler_free(ru.ru_smp);
	free(ru.ru_tokens);
	model_free(ru.ru_model);
	gguf_close(g);
}

static const char *
bench_test_name(const struct bench_result *br, char *buf, size_t len)
{
	if (br->br_n_prompt > 0)
		(void)snprintf(buf, len, "pp%u", br->br_n_prompt);
	else
		(void)snprintf(buf, len, "tg%u", br->br_n_gen);
	return buf;
}

static const char *
bench_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		(void)snprintf(buf, len, "%.2f GiB", bytes / BENCH_MIB / 1024);
	else
		(void)snprintf(buf, len, "%.2f MiB", bytes / BENCH_MIB);
	return buf;
}

static const char *
bench_fmt_params(uint64_t n, char *buf, size_t len)
{
	if (n >= 1000000000ULL)
		(void)snprintf(buf, len, "%.2f B", n / 1e9);
	else if (n >= 1000000ULL)
		(void)snprintf(buf, len, "%.2f M", n / 1e6);
	else
		(void)snprintf(buf, len, "%.2f K", n / 1e3);
	return buf;
}

static void
bench_md_header(const struct bench_opts *o)
{
	printf("| %-30s | %10s | %10s | %-6s | %7s | %6s | %8s | %20s |",
	    "model", "size", "params", "level", "threads", "stream", "test",
	    "t/s");
	if (o->bo_bandwidth)
		printf(" %10s | %7s |", "bound t/s", "% bound");
	printf("\n| %.30s | %.10s | %.10s | %.6s | %.7s | %.6s | %.8s | "
	    "%.20s |", "------------------------------", "---------:",
	    "---------:", "------", "------:", "------", "-------:",
	    "-------------------:");
	if (o->bo_bandwidth)
		printf(" %.10s | %.7s |", "---------:", "------:");
	printf("\n");
	fflush(stdout);
}

static void
bench_md_row(const struct bench_opts *o, const struct bench_result *br)
{
	const struct bench_minfo	*mi = br->br_mi;
	char				 size[32], params[32], test[32];
	char				 ts[64];

	(void)snprintf(ts, sizeof(ts), "%.2f ± %.2f", br->br_avg,
	    br->br_sd);
	/* "±" is two bytes of UTF-8 and one column. */
	printf("| %-30s | %10s | %10s | %-6s | %7u | %-6s | %8s | %21s |",
	    mi->mi_name, bench_fmt_size(mi->mi_size, size, sizeof(size)),
	    bench_fmt_params(mi->mi_params, params, sizeof(params)),
	    qd_level_name(qd_level()), br->br_threads,
	    br->br_stream ? "yes" : "no",
	    bench_test_name(br, test, sizeof(test)), ts);
	if (o->bo_bandwidth && br->br_bound_ts > 0)
		printf(" %10.2f | %6.1f%% |", br->br_bound_ts,
		    100 * br->br_avg / br->br_bound_ts);
	else if (o->bo_bandwidth)
		printf(" %10s | %7s |", "-", "-");
	printf("\n");
	fflush(stdout);
}

static void
bench_md_breakdown(void)
{
	const struct bench_result	*br;
	double				 total;
	size_t				 i;
	char				 test[32];
	int				 s;

	printf("\nper-token time in ms (share of the total):\n\n");
	printf("| %-30s | %7s | %8s |", "model", "threads", "test");
	for (s = 0; s < BENCH_ST__MAX; s++)
		printf(" %15s |", bench_stage_names[s]);
	printf(" %8s |\n| %.30s | %.7s | %.8s |",
	    "total", "------------------------------", "------:",
	    "-------:");
	for (s = 0; s < BENCH_ST__MAX; s++)
		printf(" %.15s |", "--------------:");
	printf(" %.8s |\n", "-------:");
	for (i = 0; i < bench_nresults; i++) {
		br = &bench_results[i];
		total = 0;
		for (s = 0; s < BENCH_ST__MAX; s++)
			total += br->br_stage_ms[s];
		printf("| %-30s | %7u | %8s |", br->br_mi->mi_name,
		    br->br_threads, bench_test_name(br, test, sizeof(test)));
		for (s = 0; s < BENCH_ST__MAX; s++)
			printf(" %7.3f (%4.1f%%) |", br->br_stage_ms[s],
			    total > 0 ? 100 * br->br_stage_ms[s] / total : 0);
		printf(" %8.3f |\n", total);
	}
}

static void
bench_md_footer(const struct bench_opts *o, const struct bench_bw *bw,
    size_t nbw, uint64_t bwbytes)
{
	const struct bench_minfo	*mi, *last = NULL;
	char				 a[32], b[32], c[32];
	size_t				 i;

	if (o->bo_breakdown && bench_nresults > 0)
		bench_md_breakdown();
	printf("\npeak RSS: %s\n", bench_fmt_size(bench_peak_rss(), a,
	    sizeof(a)));
	for (i = 0; o->bo_stream && i < bench_nresults; i++) {
		if ((mi = bench_results[i].br_mi) == last)
			continue;
		last = mi;
		printf("stream: %s: largest unit %s, KV cache %s (%u "
		    "positions), limit %s\n", mi->mi_name,
		    bench_fmt_size(mi->mi_unit_bytes, a, sizeof(a)),
		    bench_fmt_size(mi->mi_kv_bytes, b, sizeof(b)),
		    mi->mi_n_ctx, bench_fmt_size(mi->mi_unit_bytes +
		    mi->mi_kv_bytes + BENCH_STREAM_SLACK_BYTES, c,
		    sizeof(c)));
	}
	for (i = 0; i < nbw; i++)
		printf("bandwidth: %.2f GB/s read with %u thread%s "
		    "(%s buffer, best of %d)\n", bw[i].bw_gbs,
		    bw[i].bw_threads, bw[i].bw_threads == 1 ? "" : "s",
		    bench_fmt_size(bwbytes, a, sizeof(a)), BENCH_BW_RUNS);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void
bench_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((u_char)*s < 0x20)
			printf("\\u%04x", (u_char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* One object on one line: a JSONL line or an element of the array. */
static void
bench_json_row(const struct bench_opts *o, const struct bench_result *br)
{
	const struct bench_minfo	*mi = br->br_mi;
	char				 test[32];
	uint32_t			 i;
	int				 s;

	printf("{\"model\": ");
	bench_json_str(mi->mi_name);
	printf(", \"model_path\": ");
	bench_json_str(mi->mi_path);
	printf(", \"arch\": ");
	bench_json_str(mi->mi_arch);
	printf(", \"type\": \"%s\", \"size_bytes\": %llu, \"n_params\": "
	    "%llu, \"level\": \"%s\", \"n_threads\": %u, \"n_batch\": %u, "
	    "\"n_ctx\": %u, \"kv_type\": \"%s\", \"stream\": %s, "
	    "\"test\": \"%s\", \"n_prompt\": %u, \"n_gen\": %u, "
	    "\"avg_ts\": %.6f, \"stddev_ts\": %.6f, \"samples_ts\": [",
	    mi->mi_type, (unsigned long long)mi->mi_size,
	    (unsigned long long)mi->mi_params, qd_level_name(qd_level()),
	    br->br_threads, br->br_batch, br->br_n_ctx,
	    o->bo_kv_type == GGUF_TYPE_F32 ? "f32" : "f16",
	    br->br_stream ? "true" : "false",
	    bench_test_name(br, test, sizeof(test)), br->br_n_prompt,
	    br->br_n_gen, br->br_avg, br->br_sd);
	for (i = 0; i < br->br_nsamples; i++)
		printf("%s%.6f", i > 0 ? ", " : "", br->br_samples[i]);
	printf("], \"peak_rss_bytes\": %llu, \"weight_bytes\": %llu, "
	    "\"decode_bytes\": %llu, \"stream_unit_bytes\": %llu, "
	    "\"kv_bytes\": %llu", (unsigned long long)br->br_rss,
	    (unsigned long long)mi->mi_weight_bytes,
	    (unsigned long long)br->br_decode_bytes,
	    (unsigned long long)mi->mi_unit_bytes,
	    (unsigned long long)mi->mi_kv_bytes);
	if (o->bo_bandwidth) {
		printf(", \"bandwidth_gbs\": %.3f", br->br_bw_gbs);
		if (br->br_bound_ts > 0)
			printf(", \"bound_ts\": %.6f, \"bound_pct\": %.2f",
			    br->br_bound_ts, 100 * br->br_avg /
			    br->br_bound_ts);
	}
	if (o->bo_breakdown) {
		printf(", \"breakdown\": {");
		for (s = 0; s < BENCH_ST__MAX; s++)
			printf("%s\"%s\": %.6f", s > 0 ? ", " : "",
			    bench_stage_keys[s], br->br_stage_ms[s]);
		printf("}");
	}
	printf("}");
}

/* CSV strings are always quoted, as llama-bench writes them. */
static void
bench_csv_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
bench_csv_header(const struct bench_opts *o)
{
	int	s;

	printf("model,model_path,arch,type,size_bytes,n_params,level,"
	    "n_threads,n_batch,n_ctx,kv_type,stream,test,n_prompt,n_gen,"
	    "avg_ts,stddev_ts,samples_ts,peak_rss_bytes,weight_bytes,"
	    "decode_bytes,stream_unit_bytes,kv_bytes");
	if (o->bo_bandwidth)
		printf(",bandwidth_gbs,bound_ts,bound_pct");
	for (s = 0; o->bo_breakdown && s < BENCH_ST__MAX; s++)
		printf(",%s", bench_stage_keys[s]);
	printf("\n");
}

static void
bench_csv_row(const struct bench_opts *o, const struct bench_result *br)
{
	const struct bench_minfo	*mi = br->br_mi;
	char				 test[32];
	uint32_t			 i;
	int				 s;

	bench_csv_str(mi->mi_name);
	putchar(',');
	bench_csv_str(mi->mi_path);
	putchar(',');
	bench_csv_str(mi->mi_arch);
	printf(",\"%s\",%llu,%llu,\"%s\",%u,%u,%u,\"%s\",%d,\"%s\",%u,%u,"
	    "%.6f,%.6f,\"", mi->mi_type, (unsigned long long)mi->mi_size,
	    (unsigned long long)mi->mi_params, qd_level_name(qd_level()),
	    br->br_threads, br->br_batch, br->br_n_ctx,
	    o->bo_kv_type == GGUF_TYPE_F32 ? "f32" : "f16", br->br_stream,
	    bench_test_name(br, test, sizeof(test)), br->br_n_prompt,
	    br->br_n_gen, br->br_avg, br->br_sd);
	for (i = 0; i < br->br_nsamples; i++)
		printf("%s%.6f", i > 0 ? ";" : "", br->br_samples[i]);
	printf("\",%llu,%llu,%llu,%llu,%llu", (unsigned long long)br->br_rss,
	    (unsigned long long)mi->mi_weight_bytes,
	    (unsigned long long)br->br_decode_bytes,
	    (unsigned long long)mi->mi_unit_bytes,
	    (unsigned long long)mi->mi_kv_bytes);
	if (o->bo_bandwidth && br->br_bound_ts > 0)
		printf(",%.3f,%.6f,%.2f", br->br_bw_gbs, br->br_bound_ts,
		    100 * br->br_avg / br->br_bound_ts);
	else if (o->bo_bandwidth)
		printf(",%.3f,,", br->br_bw_gbs);
	for (s = 0; o->bo_breakdown && s < BENCH_ST__MAX; s++)
		printf(",%.6f", br->br_stage_ms[s]);
	printf("\n");
}

/*
 * A finished row, printed at once so that a long run shows progress.
 * The header waits for the first row: a file that fails to load
 * leaves only its error.
 */
static void
bench_emit(const struct bench_opts *o, const struct bench_result *br)
{
	switch (o->bo_fmt) {
	case BENCH_FMT_MD:
		if (bench_nresults == 1)
			bench_md_header(o);
		bench_md_row(o, br);
		break;
	case BENCH_FMT_CSV:
		if (bench_nresults == 1)
			bench_csv_header(o);
		bench_csv_row(o, br);
		break;
	case BENCH_FMT_JSONL:
		bench_json_row(o, br);
		printf("\n");
		break;
	case BENCH_FMT_JSON:
		printf("%s  ", bench_nresults > 1 ? ",\n" : "[\n");
		bench_json_row(o, br);
		break;
	}
	fflush(stdout);
}

/* --bandwidth without a model: the measurement alone. */
static void
bench_bw_report(const struct bench_opts *o, const struct bench_bw *bw,
    size_t nbw, uint64_t bytes)
{
	char	size[32];
	size_t	i;

	switch (o->bo_fmt) {
	case BENCH_FMT_MD:
		printf("| %7s | %10s | %10s |\n| %.7s | %.10s | %.10s |\n",
		    "threads", "buffer", "read GB/s", "------:", "---------:",
		    "---------:");
		for (i = 0; i < nbw; i++)
			printf("| %7u | %10s | %10.2f |\n", bw[i].bw_threads,
			    bench_fmt_size(bytes, size, sizeof(size)),
			    bw[i].bw_gbs);
		break;
	case BENCH_FMT_CSV:
		printf("test,n_threads,buffer_bytes,bandwidth_gbs\n");
		for (i = 0; i < nbw; i++)
			printf("\"bandwidth\",%u,%llu,%.3f\n",
			    bw[i].bw_threads, (unsigned long long)bytes,
			    bw[i].bw_gbs);
		break;
	case BENCH_FMT_JSON:
	case BENCH_FMT_JSONL:
		if (o->bo_fmt == BENCH_FMT_JSON)
			printf("[\n");
		for (i = 0; i < nbw; i++)
			printf("%s{\"test\": \"bandwidth\", \"n_threads\": %u, "
			    "\"buffer_bytes\": %llu, \"bandwidth_gbs\": %.3f}"
			    "%s\n", o->bo_fmt == BENCH_FMT_JSON ? "  " : "",
			    bw[i].bw_threads, (unsigned long long)bytes,
			    bw[i].bw_gbs, o->bo_fmt == BENCH_FMT_JSON &&
			    i + 1 < nbw ? "," : "");
		if (o->bo_fmt == BENCH_FMT_JSON)
			printf("]\n");
		break;
	}
}

int
main(int argc, char **argv)
{
	struct bench_opts	 o;
	struct bench_bw		 bw[BENCH_MAX_LIST];
	struct bench_minfo	*mi;
	uint64_t		 bwbytes = 0;
	size_t			 i, nbw = 0;

	bench_args(argc, argv, &o);
	if (o.bo_bandwidth) {
		bench_bandwidth(&o.bo_threads, bw, &bwbytes);
		nbw = o.bo_threads.l_n;
	}
	if (o.bo_nmodels == 0) {
		bench_bw_report(&o, bw, nbw, bwbytes);
		return 0;
	}
	if ((mi = calloc(o.bo_nmodels, sizeof(*mi))) == NULL)
		pwr_tool_err(1, NULL);
	for (i = 0; i < o.bo_nmodels; i++)
		bench_model(&o, o.bo_models[i], bw, nbw, &mi[i]);
	if (o.bo_fmt == BENCH_FMT_MD)
		bench_md_footer(&o, bw, nbw, bwbytes);
	else if (o.bo_fmt == BENCH_FMT_JSON)
		printf("%s]\n", bench_nresults > 0 ? "\n" : "[\n");
	for (i = 0; i < bench_nresults; i++)
		free(bench_results[i].br_samples);
	free(bench_results);
	for (i = 0; i < o.bo_nmodels; i++)
		free(mi[i].mi_arch);
	free(mi);
	return 0;
}
