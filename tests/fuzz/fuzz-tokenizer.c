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

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/tokenizer.h"
#include "utf8.h"

/*
 * libFuzzer target for the tokenizers: the bundled stories260K vocabulary
 * (SentencePiece) and two BPE ones (Qwen2 and DeepSeek LLM, the richest
 * regex lists) encode the input with parse_special off and on, and the
 * ids are decoded through the stream.  Every id must be a token, the
 * count must stay within what the input can give and agree with a
 * short buffer's answer, and where the rules promise it (no special
 * parsing; valid UTF-8 for BPE) decoding must give the input back.  A
 * broken promise aborts, so libFuzzer reports it like a crash.
 */

#define FUZZ_NVOCAB	3

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tok	*fuzz_load(const char *, const char *);
static void		 fuzz_one(const struct tok *, const uint8_t *, size_t,
			    int);

static const char *const fuzz_vocabs[FUZZ_NVOCAB] = {
	"models/stories260K.gguf",
	"tests/data/tokenizer/ggml-vocab-qwen2.gguf",
	"tests/data/tokenizer/ggml-vocab-deepseek-llm.gguf",
};
static struct tok	*fuzz_tok[FUZZ_NVOCAB];
static int32_t		*fuzz_ids;
static size_t		 fuzz_cap;

static struct tok *
fuzz_load(const char *top, const char *rel)
{
	struct gguf	*g;
	struct tok	*t;
	char		 path[4096], err[256];
	int		 fd, r;

	r = snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (r < 0 || (size_t)r >= sizeof(path))
		abort();
	if ((fd = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "fuzz-tokenizer: %s: cannot open\n", path);
		abort();
	}
	if (gguf_open_fd(fd, &g, err, sizeof(err)) != 0 ||
	    tok_load(g, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz-tokenizer: %s: %s\n", path, err);
		abort();
	}
	gguf_close(g);
	close(fd);
	return t;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*top;
	size_t		 i;

	(void)argc;
	(void)argv;
	if ((top = getenv("top_srcdir")) == NULL)
		top = ".";
	for (i = 0; i < FUZZ_NVOCAB; i++)
		fuzz_tok[i] = fuzz_load(top, fuzz_vocabs[i]);
	return 0;
}

static void
fuzz_one(const struct tok *t, const uint8_t *data, size_t len, int special)
{
	struct tok_stream	 ts;
	char			 buf[TOK_MAX_PIECE_BYTES + 8];
	size_t			 n, n2, i, out = 0;
	int			 r, same;

	r = tok_encode(t, (const char *)data, len, 0, special, fuzz_ids,
	    fuzz_cap, &n);
	if (r != 0 && r != PWR_ERR_STRING_TOO_LARGE)
		abort();
	if (r != 0)
		return;
	/* At most U+FFFD's three bytes per input byte, plus a space. */
	if (n > 3 * len + 1)
		abort();
	for (i = 0; i < n; i++)
		if (fuzz_ids[i] < 0 || (uint32_t)fuzz_ids[i] >= tok_n_vocab(t))
			abort();
	if (n > 0) {
		r = tok_encode(t, (const char *)data, len, 1, special,
		    fuzz_ids + n, n, &n2);
		if (r != PWR_ERR_NO_BUFFER_SPACE || n2 != n + 1)
			abort();
	}

	/*
	 * Valid UTF-8 comes back.  Byte-level BPE turns invalid UTF-8
	 * into U+FFFD; SentencePiece may cut an escaped space in two after
	 * a broken character, puts a space after each special token it
	 * parsed, and gives a U+2581 in the text back as a space.
	 */
	same = utf8_valid(data, len);
	if (tok_kind(t) == TOK_KIND_SPM && (special ||
	    memmem(data, len, "\xe2\x96\x81", 3) != NULL))
		same = 0;
	tok_stream_init(&ts, t, special);
	for (i = 0; i <= n; i++) {
		if (i < n)
			r = tok_stream_push(&ts, fuzz_ids[i], buf, sizeof(buf));
		else
			r = tok_stream_flush(&ts, buf, 8);
		if (r < 0 || (size_t)r > sizeof(buf))
			abort();
		if (same && ((size_t)r > len - out ||
		    memcmp(buf, data + out, (size_t)r) != 0))
			abort();
		out += (size_t)r;
	}
	if (same && out != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t	i, need;

	if (fuzz_tok[0] == NULL)
		abort();
	need = 3 * len + 2;
	if (need > fuzz_cap) {
		free(fuzz_ids);
		fuzz_cap = need;
		/* Room for two encodes. */
		if ((fuzz_ids = calloc(2 * need, sizeof(*fuzz_ids))) == NULL)
			abort();
	}
	for (i = 0; i < FUZZ_NVOCAB; i++) {
		fuzz_one(fuzz_tok[i], data, len, 0);
		fuzz_one(fuzz_tok[i], data, len, 1);
	}
	return 0;
}
