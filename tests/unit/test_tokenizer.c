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

#include "err.h"
#include "engine/gguf.h"
#include "engine/tokenizer.h"
#include "gguf-write.h"
#include "tests.h"

/*
 * The tokenizers against llama.cpp's own test vectors (every string of
 * every vocabulary must give exactly llama.cpp's ids), then decoding,
 * streaming, special tokens and the buffer limits, and vocabularies with
 * broken metadata built here, which must be refused by name.
 */

#define TT_MAX_IDS	4096
#define TT_SEP		"\n__ggml_vocab_test__\n"
#define TT_DIR		"tests/data/tokenizer"
#define TT_MAX_BYTES	(64 * 1024)
#define tt_slurp(rel, lenp)	\
	tests_slurp("", rel, TT_MAX_BYTES, lenp)

/* Vocabularies with vectors: file, vectors' stem, or NULL for the file. */
static const struct tt_vocab {
	const char	*v_name;
	const char	*v_gguf;
	const char	*v_inp;
	const char	*v_out;
} tt_vocabs[] = {
	{ "llama-spm", TT_DIR "/ggml-vocab-llama-spm.gguf", NULL, NULL },
	{ "phi-3", TT_DIR "/ggml-vocab-phi-3.gguf", NULL, NULL },
	{ "gpt-2", TT_DIR "/ggml-vocab-gpt-2.gguf", NULL, NULL },
	{ "deepseek-coder", TT_DIR "/ggml-vocab-deepseek-coder.gguf", NULL,
	    NULL },
	{ "deepseek-llm", TT_DIR "/ggml-vocab-deepseek-llm.gguf", NULL, NULL },
	{ "falcon", TT_DIR "/ggml-vocab-falcon.gguf", NULL, NULL },
	{ "mpt", TT_DIR "/ggml-vocab-mpt.gguf", NULL, NULL },
	{ "refact", TT_DIR "/ggml-vocab-refact.gguf", NULL, NULL },
	{ "starcoder", TT_DIR "/ggml-vocab-starcoder.gguf", NULL, NULL },
	{ "qwen2", TT_DIR "/ggml-vocab-qwen2.gguf", NULL, NULL },
	{ "llama-bpe", TT_DIR "/ggml-vocab-llama-bpe.gguf", NULL, NULL },
	{ "stories260K", "models/stories260K.gguf",
	    TT_DIR "/ggml-vocab-llama-spm.gguf.inp",
	    TT_DIR "/stories260K.gguf.out" },
};
#define TT_NVOCAB	(sizeof(tt_vocabs) / sizeof(tt_vocabs[0]))

enum { TT_SPM, TT_PHI3, TT_GPT2, TT_DSCODER, TT_DSLLM, TT_FALCON, TT_MPT,
    TT_REFACT, TT_STARCODER, TT_QWEN2, TT_LLAMA3, TT_STORIES };

static char	*tt_path(const char *);
static struct tok *tt_load_file(const char *);
static int	tt_init(void);
static int	tt_cleanup(void);
static size_t	tt_encode(const struct tok *, const char *, int, int,
		    int32_t *);
static int	tt_has(const int32_t *, size_t, int32_t);
static size_t	tt_decode(const struct tok *, const int32_t *, size_t, int,
		    char *);
static void	tt_vectors(size_t);
static void	tw_spm(struct tw *, size_t, int);
static void	tw_bpe(struct tw *, const char *);
static int	tw_load(struct tw *, struct tok **, char *, size_t);
static void	tw_refused(struct tw *, const char *, int);

static void	test_bad_model(void);
static void	test_bad_tokens(void);
static void	test_bad_arrays(void);
static void	test_bad_ids(void);
static void	test_bad_pre(void);
static void	test_small_vocabs(void);
static void	test_vectors_spm(void);
static void	test_vectors_bpe(void);
static void	test_round_trip(void);
static void	test_stream(void);
static void	test_special(void);
static void	test_add_bos(void);
static void	test_no_buffer_space(void);
static void	test_eog(void);

static struct tok	*tt_tok[TT_NVOCAB];

static char *
tt_path(const char *rel)
{
	char	*p;

	if (asprintf(&p, "%s/%s", tests_datadir(), rel) == -1)
		return NULL;
	return p;
}

/* The vocabulary of a GGUF file; the file is closed once it is loaded. */
static struct tok *
tt_load_file(const char *rel)
{
	struct gguf	*g;
	struct tok	*t = NULL;
	char		 err[256], *p;
	int		 fd;

	if ((p = tt_path(rel)) == NULL)
		return NULL;
	fd = open(p, O_RDONLY);
	free(p);
	if (fd == -1)
		return NULL;
	if (gguf_open_fd(fd, &g, err, sizeof(err)) == 0) {
		if (tok_load(g, &t, err, sizeof(err)) != 0)
			fprintf(stderr, "\n  %s: %s\n", rel, err);
		gguf_close(g);
	}
	close(fd);
	return t;
}

static int
tt_init(void)
{
	size_t	i;

	for (i = 0; i < TT_NVOCAB; i++)
		if ((tt_tok[i] = tt_load_file(tt_vocabs[i].v_gguf)) == NULL)
			return -1;
	return 0;
}

static int
tt_cleanup(void)
{
	size_t	i;

	for (i = 0; i < TT_NVOCAB; i++) {
		tok_free(tt_tok[i]);
		tt_tok[i] = NULL;
	}
	return 0;
}

static size_t
tt_encode(const struct tok *t, const char *s, int add_bos, int special,
    int32_t *ids)
{
	size_t	n;
	int	r;

	r = tok_encode(t, s, strlen(s), add_bos, special, ids, TT_MAX_IDS, &n);
	CU_ASSERT_EQUAL(r, 0);
	return r == 0 ? n : 0;
}

static int
tt_has(const int32_t *ids, size_t n, int32_t id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Decode through the stream, as a server does, into out (NUL-ended). */
static size_t
tt_decode(const struct tok *t, const int32_t *ids, size_t n, int special,
    char *out)
{
	struct tok_stream	ts;
	size_t			i, len = 0;
	int			r;

	tok_stream_init(&ts, t, special);
	for (i = 0; i < n; i++) {
		r = tok_stream_push(&ts, ids[i], out + len,
		    TOK_MAX_PIECE_BYTES + 8);
		CU_ASSERT(r >= 0);
		if (r > 0)
			len += (size_t)r;
	}
	r = tok_stream_flush(&ts, out + len, 8);
	CU_ASSERT(r >= 0);
	if (r > 0)
		len += (size_t)r;
	out[len] = '\0';
	return len;
}

/*
 * Every string of the .inp gives exactly the ids of its .out line, with
 * no BOS and parse_special off, as llama.cpp's test-tokenizer-0 runs.
 */
static void
tt_vectors(size_t v)
{
	const struct tt_vocab	*tv = &tt_vocabs[v];
	int32_t			*ids;
	u_char			*inp, *out;
	char			*ip, *op, *end, *nl, *want, *tokp, *rel = NULL;
	size_t			 ni, no, n, k, len, pass = 0, total = 0;
	long			 id;
	int			 ok, r;

	CU_ASSERT_FATAL(tt_tok[v] != NULL);
	if (tv->v_inp != NULL) {
		inp = tt_slurp(tv->v_inp, &ni);
		out = tt_slurp(tv->v_out, &no);
	} else {
		CU_ASSERT_FATAL(asprintf(&rel, "%s.inp", tv->v_gguf) != -1);
		inp = tt_slurp(rel, &ni);
		free(rel);
		CU_ASSERT_FATAL(asprintf(&rel, "%s.out", tv->v_gguf) != -1);
		out = tt_slurp(rel, &no);
		free(rel);
	}
	CU_ASSERT_FATAL(inp != NULL && out != NULL);
	ids = calloc(TT_MAX_IDS, sizeof(*ids));
	CU_ASSERT_FATAL(ids != NULL);
	ip = (char *)inp;
	op = (char *)out;
	while (ip < (char *)inp + ni && (nl = strchr(op, '\n')) != NULL) {
		*nl = '\0';
		end = strstr(ip, TT_SEP);
		len = end != NULL ? (size_t)(end - ip) : strlen(ip);
		r = tok_encode(tt_tok[v], ip, len, 0, 0, ids, TT_MAX_IDS, &n);
		ok = r == 0;
		want = op;
		for (k = 0; ok && k < n; k++) {
			id = strtol(want, &tokp, 10);
			ok = tokp != want && id == ids[k];
			want = tokp;
		}
		ok = ok && strspn(want, " \r") == strlen(want);
		total++;
		if (ok)
			pass++;
		else
			fprintf(stderr, "\n  %s: string %zu \"%.*s\" gives "
			    "other ids than \"%s\"\n", tv->v_name, total,
			    (int)len, ip, op);
		op = nl + 1;
		if (end == NULL)
			break;
		ip = end + strlen(TT_SEP);
	}
	fprintf(stderr, "tokenizer: %s %zu/%zu\n", tv->v_name, pass, total);
	CU_ASSERT(total == 46);
	CU_ASSERT_EQUAL(pass, total);
	free(ids);
	free(inp);
	free(out);
}

static void
test_vectors_spm(void)
{
	tt_vectors(TT_SPM);
	tt_vectors(TT_PHI3);
	tt_vectors(TT_STORIES);
}

static void
test_vectors_bpe(void)
{
	size_t	v;

	for (v = TT_GPT2; v <= TT_LLAMA3; v++)
		tt_vectors(v);
}

/*
 * Decoding what was encoded gives the text back, for every vector of
 * every vocabulary: SPM drops the space it put first, byte-level BPE
 * loses nothing.
 */
static void
test_round_trip(void)
{
	int32_t	*ids;
	u_char	*inp;
	char	*ip, *end, *text, *dec;
	size_t	 ni, n, v, len, bad;
	int	 r;

	inp = tt_slurp(TT_DIR "/ggml-vocab-llama-spm.gguf.inp", &ni);
	CU_ASSERT_FATAL(inp != NULL);
	ids = calloc(TT_MAX_IDS, sizeof(*ids));
	dec = calloc(TT_MAX_IDS, TOK_MAX_PIECE_BYTES + 8);
	CU_ASSERT_FATAL(ids != NULL && dec != NULL);
	for (v = 0; v < TT_NVOCAB; v++) {
		bad = 0;
		for (ip = (char *)inp; (end = strstr(ip, TT_SEP)) != NULL;
		    ip = end + strlen(TT_SEP)) {
			len = (size_t)(end - ip);
			r = tok_encode(tt_tok[v], ip, len, 0, 0, ids,
			    TT_MAX_IDS, &n);
			CU_ASSERT_EQUAL_FATAL(r, 0);
			text = strndup(ip, len);
			CU_ASSERT_FATAL(text != NULL);
			tt_decode(tt_tok[v], ids, n, 0, dec);
			if (strcmp(dec, text) != 0) {
				bad++;
				fprintf(stderr, "\n  %s: \"%s\" comes back "
				    "as \"%s\"\n", tt_vocabs[v].v_name, text,
				    dec);
			}
			free(text);
		}
		CU_ASSERT_EQUAL(bad, 0);
	}
	free(dec);
	free(ids);
	free(inp);
}

/*
 * A character split over byte tokens comes out whole, once its last
 * byte arrives; flush gives what an unfinished one held back.
 */
static void
test_stream(void)
{
	const struct tok	*t = tt_tok[TT_SPM];
	struct tok_stream	 ts;
	char			 out[TOK_MAX_PIECE_BYTES + 8];
	int32_t			 ids[TT_MAX_IDS];
	size_t			 n;

	/* U+1F999 as <0xF0> <0x9F> <0xA6> <0x99>: ids 243 162 169 156. */
	tok_stream_init(&ts, t, 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 243, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 162, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 169, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 156, out, sizeof(out)), 4);
	CU_ASSERT(memcmp(out, "\xf0\x9f\xa6\x99", 4) == 0);
	CU_ASSERT_EQUAL(tok_stream_flush(&ts, out, sizeof(out)), 0);

	/* Held back bytes come out ahead of the next piece. */
	tok_stream_init(&ts, t, 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 243, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 162, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tok_stream_flush(&ts, out, sizeof(out)), 2);
	CU_ASSERT(memcmp(out, "\xf0\x9f", 2) == 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 243, out, sizeof(out)), 0);
	n = tt_encode(t, "Hello", 0, 0, ids);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	/* Not the first piece any more: its space stays. */
	CU_ASSERT_EQUAL(tok_stream_push(&ts, ids[0], out, sizeof(out)), 7);
	CU_ASSERT(memcmp(out, "\xf0 Hello", 7) == 0);

	/* A byte that starts nothing passes at once. */
	tok_stream_init(&ts, t, 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 3 + 0xff, out, sizeof(out)), 1);
	CU_ASSERT_EQUAL((u_char)out[0], 0xff);

	/* The first piece loses its SentencePiece space, BOS or not. */
	n = tt_encode(t, "Hello world", 1, 0, ids);
	CU_ASSERT_EQUAL(tt_decode(t, ids, n, 0, out), 11);
	CU_ASSERT_STRING_EQUAL(out, "Hello world");
	CU_ASSERT_EQUAL(tt_decode(t, ids, n, 1, out), 15);
	CU_ASSERT_STRING_EQUAL(out, "<s> Hello world");

	/* Byte-level BPE: the pieces of a split character. */
	t = tt_tok[TT_GPT2];
	n = tt_encode(t, "\xf0\x9f\xa6\x99", 0, 0, ids);
	CU_ASSERT(n > 1);
	CU_ASSERT_EQUAL(tt_decode(t, ids, n, 0, out), 4);
	CU_ASSERT_STRING_EQUAL(out, "\xf0\x9f\xa6\x99");
	tok_stream_init(&ts, t, 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, ids[0], out, sizeof(out)), 0);

	/* Bad ids are refused, and leave the stream as it was. */
	CU_ASSERT_EQUAL(tok_stream_push(&ts, -1, out, sizeof(out)),
	    PWR_ERR_RANGE);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, (int32_t)tok_n_vocab(t), out,
	    sizeof(out)), PWR_ERR_RANGE);
}

/*
 * Control tokens are found in the text only with parse_special;
 * user-defined ones always (Qwen3's <think>, MPT's runs of spaces).
 */
static void
test_special(void)
{
	const struct tok	*t = tt_tok[TT_QWEN2];
	int32_t			 ids[TT_MAX_IDS], ids2[TT_MAX_IDS];
	size_t			 n, n2;
	char			 buf[TOK_MAX_PIECE_BYTES];

	n = tt_encode(t, "<|im_end|>", 0, 1, ids);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(ids[0], 151645);
	n = tt_encode(t, "<|im_end|>", 0, 0, ids);
	CU_ASSERT(n > 1);
	CU_ASSERT(!tt_has(ids, n, 151645));
	n = tt_encode(t, "a<|im_start|>user\nhi<|im_end|>", 0, 1, ids);
	CU_ASSERT(n >= 5);
	CU_ASSERT(tt_has(ids, n, 151644) && tt_has(ids, n, 151645));
	n = tt_encode(t, "x<think>y", 0, 0, ids);
	CU_ASSERT(tt_has(ids, n, 151667));

	/* A control token's text is its piece only when asked for. */
	CU_ASSERT_EQUAL(tok_piece(t, 151645, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(tok_piece(t, 151645, 1, buf, sizeof(buf)), 10);
	CU_ASSERT(memcmp(buf, "<|im_end|>", 10) == 0);
	CU_ASSERT_EQUAL(tok_piece(t, 151667, 0, buf, sizeof(buf)), 7);

	/* SPM: "<s>" splits the text, and a space prefix follows it. */
	t = tt_tok[TT_SPM];
	n = tt_encode(t, "<s>Hello", 0, 1, ids);
	n2 = tt_encode(t, "Hello", 0, 0, ids2);
	CU_ASSERT_EQUAL_FATAL(n, n2 + 1);
	CU_ASSERT_EQUAL(ids[0], 1);
	CU_ASSERT(memcmp(ids + 1, ids2, n2 * sizeof(*ids)) == 0);
	n = tt_encode(t, "<s>Hello", 0, 0, ids);
	CU_ASSERT(!tt_has(ids, n, 1));

	/* Phi-3's special tokens eat the white space after them. */
	t = tt_tok[TT_PHI3];
	n = tt_encode(t, "<|user|>\n  Hi", 0, 1, ids);
	n2 = tt_encode(t, "<|user|>Hi", 0, 1, ids2);
	CU_ASSERT_EQUAL_FATAL(n, n2);
	CU_ASSERT(memcmp(ids, ids2, n * sizeof(*ids)) == 0);
	CU_ASSERT_EQUAL(ids[0], 32010);

	/* MPT: four spaces are one user-defined token, special or not. */
	t = tt_tok[TT_MPT];
	n = tt_encode(t, "a    b", 0, 0, ids);
	CU_ASSERT(tt_has(ids, n, 50274));
}

static void
test_add_bos(void)
{
	int32_t	ids[TT_MAX_IDS];
	size_t	n;

	CU_ASSERT(tok_add_bos(tt_tok[TT_SPM]));
	CU_ASSERT_EQUAL(tok_bos(tt_tok[TT_SPM]), 1);
	CU_ASSERT_EQUAL(tok_eos(tt_tok[TT_SPM]), 2);
	n = tt_encode(tt_tok[TT_SPM], "Hello", 1, 0, ids);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(ids[0], 1);
	CU_ASSERT_EQUAL(ids[1], 15043);
	n = tt_encode(tt_tok[TT_SPM], "", 1, 0, ids);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(tt_encode(tt_tok[TT_SPM], "", 0, 0, ids), 0);

	/* Llama 3 asks for BOS without a key; Qwen says no. */
	CU_ASSERT(tok_add_bos(tt_tok[TT_LLAMA3]));
	CU_ASSERT_EQUAL(tok_bos(tt_tok[TT_LLAMA3]), 128000);
	CU_ASSERT(!tok_add_bos(tt_tok[TT_QWEN2]));
	n = tt_encode(tt_tok[TT_QWEN2], "Hello", 1, 0, ids);
	CU_ASSERT_EQUAL(ids[0], 151643);
	CU_ASSERT(!tok_add_bos(tt_tok[TT_GPT2]));
	CU_ASSERT_EQUAL(tok_kind(tt_tok[TT_GPT2]), TOK_KIND_BPE);
	CU_ASSERT_EQUAL(tok_kind(tt_tok[TT_SPM]), TOK_KIND_SPM);
	CU_ASSERT_EQUAL(tok_n_vocab(tt_tok[TT_QWEN2]), 151936);
}

/* A full buffer says how much room the ids need, and nothing is lost. */
static void
test_no_buffer_space(void)
{
	const struct tok	*t = tt_tok[TT_GPT2];
	int32_t			 ids[4];
	char			 buf[4];
	size_t			 n;
	const char		*s = "Hello world, hello again";
	struct tok_stream	 ts;

	CU_ASSERT_EQUAL(tok_encode(t, s, strlen(s), 0, 0, NULL, 0, &n),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(tok_encode(t, s, strlen(s), 0, 0, ids, 4, &n),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(tok_encode(t, s, 11, 0, 0, ids, 2, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(tok_encode(t, s, 11, 1, 0, ids, 2, &n),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(n, 3);

	/* "Hello" has five bytes. */
	CU_ASSERT_EQUAL(tok_piece(t, 15496, 0, buf, sizeof(buf)),
	    PWR_ERR_NO_BUFFER_SPACE);
	CU_ASSERT_EQUAL(tok_piece(t, -1, 0, buf, sizeof(buf)), PWR_ERR_RANGE);
	tok_stream_init(&ts, t, 0);
	CU_ASSERT_EQUAL(tok_stream_push(&ts, 15496, buf, sizeof(buf)),
	    PWR_ERR_NO_BUFFER_SPACE);
}

static void
test_eog(void)
{
	const struct tok	*t = tt_tok[TT_LLAMA3];
	const char		*s;
	size_t			 len;

	CU_ASSERT_EQUAL(tok_eot(t), 128009);		/* <|eot_id|> */
	CU_ASSERT(tok_is_eog(t, 128009));
	CU_ASSERT(tok_is_eog(t, 128001));		/* eos */
	CU_ASSERT(!tok_is_eog(t, 128000));
	CU_ASSERT(!tok_is_eog(t, -1));
	CU_ASSERT(!tok_is_eog(t, 1 << 30));
	t = tt_tok[TT_QWEN2];
	CU_ASSERT(tok_is_eog(t, 151645) && tok_is_eog(t, 151643));
	CU_ASSERT(tok_is_eog(t, 151662));		/* <|fim_pad|> */
	CU_ASSERT(!tok_is_eog(t, 151644));
	s = tok_text(t, 151644, &len);
	CU_ASSERT(s != NULL && len == 12 && memcmp(s, "<|im_start|>", 12) == 0);
	CU_ASSERT(tok_text(t, -5, &len) == NULL && len == 0);
	CU_ASSERT_EQUAL(tok_eot(tt_tok[TT_SPM]), TOK_NONE);
	CU_ASSERT(tok_is_eog(tt_tok[TT_SPM], 2));
}

static const char *const tw_spm_tokens[] = {
	"<unk>", "<s>", "</s>", "<0x41>", "\xe2\x96\x81", "a", "b",
	"\xe2\x96\x81" "a", "ab"
};
static const float tw_spm_scores[] = { 0, 0, 0, 0, -1, -2, -3, -4, -5 };
static const int32_t tw_spm_types[] = { 2, 3, 3, 6, 1, 1, 1, 1, 1 };

/* A small SentencePiece vocabulary of n tokens (at most 9). */
static void
tw_spm(struct tw *w, size_t n, int with_model)
{
	if (with_model)
		tw_kv_str(w, "tokenizer.ggml.model", "llama");
	tw_kv_strs(w, "tokenizer.ggml.tokens", tw_spm_tokens, n);
}

static const char *const tw_bpe_tokens[] = {
	"a", "b", "ab", "\xc4\xa0", "\xc4\xa0" "a", "<|endoftext|>"
};
static const char *const tw_bpe_merges[] = { "a b", "\xc4\xa0 a" };

static void
tw_bpe(struct tw *w, const char *pre)
{
	tw_kv_str(w, "tokenizer.ggml.model", "gpt2");
	tw_kv_strs(w, "tokenizer.ggml.tokens", tw_bpe_tokens, 6);
	tw_kv_strs(w, "tokenizer.ggml.merges", tw_bpe_merges, 2);
	if (pre != NULL)
		tw_kv_str(w, "tokenizer.ggml.pre", pre);
}

/* Load the vocabulary written so far, and start a new one. */
static int
tw_load(struct tw *w, struct tok **tp, char *err, size_t errlen)
{
	struct gguf	*g;
	int		 r;

	*tp = NULL;
	if (w->w_n == 0) {
		tw_key(w, "general.name", GGUF_T_STRING);
		tw_str(w, "x");
	}
	tw_set_nkv(w);
	r = gguf_open_mem(w->w_d, w->w_n, &g, err, errlen);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	r = tok_load(g, tp, err, errlen);
	gguf_close(g);
	w->w_n = 0;
	w->w_nkv = 0;
	return r;
}

static void
tw_refused(struct tw *w, const char *want, int line)
{
	struct tok	*t;
	char		 err[256];
	int		 r;

	r = tw_load(w, &t, err, sizeof(err));
	CU_ASSERT_EQUAL(r, PWR_ERR_INVALID_FORMAT);
	CU_ASSERT(t == NULL);
	CU_ASSERT(strstr(err, want) != NULL);
	if (r != PWR_ERR_INVALID_FORMAT || strstr(err, want) == NULL)
		fprintf(stderr, "\n  line %d: got %d \"%s\", want \"%s\"\n",
		    line, r, err, want);
	tok_free(t);
}

#define REFUSED(w, want)	tw_refused((w), (want), __LINE__)

static struct tw	tw;

static void
test_bad_model(void)
{
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", tw_spm_tokens, 9);
	REFUSED(&tw, "tokenizer.ggml.model: missing");
	tw_key(&tw, "tokenizer.ggml.model", GGUF_T_UINT32);
	tw_u32(&tw, 1);
	REFUSED(&tw, "tokenizer.ggml.model: not a string");
	tw_kv_str(&tw, "tokenizer.ggml.model", "t5");
	tw_spm(&tw, 9, 0);
	REFUSED(&tw, "unknown tokenizer \"t5\"");
	tw_kv_str(&tw, "tokenizer.ggml.model", "bert");
	tw_spm(&tw, 9, 0);
	REFUSED(&tw, "WordPiece (bert)");
}

static void
test_bad_tokens(void)
{
	static const char *const dup[] = { "<unk>", "a", "b", "a" };
	static const char *const badbyte[] = { "<unk>", "<0xZZ>" };
	static const int32_t	 badbyte_types[] = { 2, 6 };
	char			*big;

	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	REFUSED(&tw, "tokenizer.ggml.tokens: missing");
	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	tw_kv_u32(&tw, "tokenizer.ggml.tokens", 3);
	REFUSED(&tw, "tokenizer.ggml.tokens: not an array");
	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	tw_kv_f32s(&tw, "tokenizer.ggml.tokens", tw_spm_scores, 3);
	REFUSED(&tw, "not an array of strings");
	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", tw_spm_tokens, 0);
	REFUSED(&tw, "0 tokens");
	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", dup, 4);
	REFUSED(&tw, "token 3 repeats");
	big = calloc(1, 5001);
	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'x', 5000);
	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", (const char *const *)&big, 1);
	REFUSED(&tw, "token 0 is 5000 bytes");
	free(big);
	tw_kv_str(&tw, "tokenizer.ggml.model", "llama");
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", badbyte, 2);
	tw_kv_i32s(&tw, "tokenizer.ggml.token_type", badbyte_types, 2);
	REFUSED(&tw, "byte token 1 is not <0xNN>");
}

static void
test_bad_arrays(void)
{
	static const int32_t	bad_types[] = { 2, 3, 3, 6, 1, 1, 1, 9, 1 };
	float			nan_scores[9];

	tw_spm(&tw, 9, 1);
	tw_kv_f32s(&tw, "tokenizer.ggml.scores", tw_spm_scores, 8);
	REFUSED(&tw, "scores: 8 elements for 9 tokens");
	tw_spm(&tw, 9, 1);
	tw_kv_i32s(&tw, "tokenizer.ggml.scores", tw_spm_types, 9);
	REFUSED(&tw, "scores: not an array of float32");
	memcpy(nan_scores, tw_spm_scores, sizeof(nan_scores));
	nan_scores[4] = nanf("");
	tw_spm(&tw, 9, 1);
	tw_kv_f32s(&tw, "tokenizer.ggml.scores", nan_scores, 9);
	REFUSED(&tw, "element 4 is NaN");
	tw_spm(&tw, 9, 1);
	tw_kv_i32s(&tw, "tokenizer.ggml.token_type", tw_spm_types, 8);
	REFUSED(&tw, "token_type: 8 elements for 9 tokens");
	tw_spm(&tw, 9, 1);
	tw_kv_i32s(&tw, "tokenizer.ggml.token_type", bad_types, 9);
	REFUSED(&tw, "token 7 has type 9");
	tw_spm(&tw, 9, 1);
	tw_kv_f32s(&tw, "tokenizer.ggml.token_type", tw_spm_scores, 9);
	REFUSED(&tw, "token_type: not an array of int32");
	tw_kv_str(&tw, "tokenizer.ggml.model", "gpt2");
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", tw_bpe_tokens, 6);
	REFUSED(&tw, "tokenizer.ggml.merges: missing");
	tw_kv_str(&tw, "tokenizer.ggml.model", "gpt2");
	tw_kv_strs(&tw, "tokenizer.ggml.tokens", tw_bpe_tokens, 6);
	tw_kv_f32s(&tw, "tokenizer.ggml.merges", tw_spm_scores, 2);
	REFUSED(&tw, "merges: not an array of strings");
}

static void
test_bad_ids(void)
{
	struct tok	*t;
	char		 err[256];

	tw_spm(&tw, 9, 1);
	tw_kv_u32(&tw, "tokenizer.ggml.bos_token_id", 9);
	REFUSED(&tw, "bos_token_id: 9 is not a token id (9 tokens)");
	tw_spm(&tw, 9, 1);
	tw_kv_u32(&tw, "tokenizer.ggml.eos_token_id", 1000000);
	REFUSED(&tw, "eos_token_id: 1000000 is not a token id");
	tw_spm(&tw, 9, 1);
	tw_kv_str(&tw, "tokenizer.ggml.padding_token_id", "3");
	REFUSED(&tw, "padding_token_id: not a token id");
	tw_spm(&tw, 9, 1);
	tw_kv_u32(&tw, "tokenizer.ggml.add_bos_token", 1);
	REFUSED(&tw, "add_bos_token: not a bool");

	/* 0xffffffff is how converters say "none" (stories260K does). */
	tw_spm(&tw, 9, 1);
	tw_kv_u32(&tw, "tokenizer.ggml.bos_token_id", 0xffffffffU);
	tw_kv_u32(&tw, "tokenizer.ggml.padding_token_id", 0xffffffffU);
	CU_ASSERT_EQUAL_FATAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tok_bos(t), TOK_NONE);
	CU_ASSERT(!tok_add_bos(t));
	tok_free(t);

	/* A vocabulary too small for the SPM default ids has none. */
	tw_spm(&tw, 1, 1);
	CU_ASSERT_EQUAL_FATAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tok_bos(t), TOK_NONE);
	CU_ASSERT_EQUAL(tok_eos(t), TOK_NONE);
	tok_free(t);
}

static void
test_bad_pre(void)
{
	struct tok	*t;
	char		 err[256];

	tw_bpe(&tw, "nonesuch");
	REFUSED(&tw, "unknown pre-tokenizer \"nonesuch\"");
	tw_bpe(&tw, "tekken");
	REFUSED(&tw, "unsupported pre-tokenizer \"tekken\"");
	tw_bpe(&tw, "deepseek-v3");
	REFUSED(&tw, "unsupported pre-tokenizer \"deepseek-v3\"");

	/* The names llama.cpp maps to the same rules load. */
	tw_bpe(&tw, "deepseek-r1-qwen");
	CU_ASSERT_EQUAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	tok_free(t);
	tw_bpe(&tw, "");
	CU_ASSERT_EQUAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	tok_free(t);
	tw_bpe(&tw, "chatglm-bpe");
	CU_ASSERT_EQUAL_FATAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tok_bos(t), TOK_NONE);
	tok_free(t);
}

/* The small vocabularies above encode and decode as they should. */
static void
test_small_vocabs(void)
{
	struct tok	*t;
	int32_t		 ids[16];
	char		 err[256], buf[16];
	size_t		 n;

	tw_spm(&tw, 9, 1);
	tw_kv_f32s(&tw, "tokenizer.ggml.scores", tw_spm_scores, 9);
	tw_kv_i32s(&tw, "tokenizer.ggml.token_type", tw_spm_types, 9);
	CU_ASSERT_EQUAL_FATAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	/* "▁a" outscores "ab"; "A" is a byte token; "c" is unknown. */
	CU_ASSERT_EQUAL(tok_encode(t, "abAc", 4, 0, 0, ids, 16, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT(ids[0] == 7 && ids[1] == 6 && ids[2] == 3 && ids[3] == 0);
	CU_ASSERT_EQUAL(tok_piece(t, 7, 0, buf, sizeof(buf)), 2);
	CU_ASSERT(memcmp(buf, " a", 2) == 0);
	CU_ASSERT_EQUAL(tok_piece(t, 3, 0, buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(buf[0], 'A');
	CU_ASSERT_EQUAL(tok_piece(t, 0, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(tok_piece(t, 0, 1, buf, sizeof(buf)), 5);
	tok_free(t);

	tw_bpe(&tw, "gpt-2");
	CU_ASSERT_EQUAL_FATAL(tw_load(&tw, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tok_encode(t, "ab a", 4, 0, 0, ids, 16, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT(ids[0] == 2 && ids[1] == 4);
	/* Bytes with no token are dropped, as llama.cpp drops them. */
	CU_ASSERT_EQUAL(tok_encode(t, "xa", 2, 0, 0, ids, 16, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(tok_piece(t, 4, 0, buf, sizeof(buf)), 2);
	CU_ASSERT(memcmp(buf, " a", 2) == 0);
	tok_free(t);
}

static int
tw_cleanup(void)
{
	tw_free(&tw);
	return tt_cleanup();
}

int
tokenizer_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "missing, mistyped or unknown tokenizer models are refused",
		    test_bad_model },
		{ "missing, empty, repeated or oversized tokens are refused",
		    test_bad_tokens },
		{ "score, type and merge arrays must match the tokens",
		    test_bad_arrays },
		{ "special token ids must be tokens or none", test_bad_ids },
		{ "unknown and unsupported pre-tokenizers are refused by name",
		    test_bad_pre },
		{ "small SPM and BPE vocabularies encode and decode",
		    test_small_vocabs },
		{ "SPM vocabularies give llama.cpp's ids for every vector",
		    test_vectors_spm },
		{ "BPE vocabularies give llama.cpp's ids for every vector",
		    test_vectors_bpe },
		{ "decoding gives every vector back", test_round_trip },
		{ "the stream holds back split UTF-8 characters",
		    test_stream },
		{ "special tokens are parsed only when asked, user-defined "
		    "always", test_special },
		{ "BOS is added when asked, with each vocab's default",
		    test_add_bos },
		{ "a short buffer gives NO_BUFFER_SPACE and the count",
		    test_no_buffer_space },
		{ "end-of-generation tokens and token texts", test_eog },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("tokenizer", tt_init, tw_cleanup)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}
