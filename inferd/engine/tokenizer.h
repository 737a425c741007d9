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

#ifndef POWER_TOKENIZER_H
#define POWER_TOKENIZER_H

/*
 * Tokenizers read from a GGUF's tokenizer.ggml.* metadata:
 * SentencePiece-style BPE ("llama": scores, byte fallback <0xNN>, space
 * prefix) in tokenizer-spm.c and GPT-2 byte-level BPE ("gpt2": merge
 * ranks, the pre-tokenizer regexes chosen by tokenizer.ggml.pre, PCRE2
 * with UTF and UCP, no JIT) in tokenizer-bpe.c; vocabulary loading,
 * special tokens and decoding in tokenizer.c.  The vocabulary is
 * untrusted input: every array is checked before use, and a vocabulary
 * with a token whose bytes would exceed TOK_MAX_PIECE_BYTES is refused
 * (MPT's and GPT-NeoX's longest tokens are 512 spaces).
 *
 * A loaded struct tok is read-only except for the regex match data of
 * the BPE pre-tokenizer: encode with one struct tok in one thread at a
 * time.
 * Library code: 0 or a negative PWR_ERR_*; err gets the reason.
 */

#define TOK_MAX_VOCAB		(1U << 21)	/* tokens in a vocabulary */
#define TOK_MAX_PIECE_BYTES	1024		/* decoded bytes of one token */
#define TOK_NONE		(-1)		/* no such special token */

enum tok_kind {
	TOK_KIND_SPM = 1,		/* tokenizer.ggml.model = llama */
	TOK_KIND_BPE,			/* gpt2 */
	TOK_KIND_WPM			/* bert (WordPiece), if supported */
};

struct gguf;
struct tok;

int	 tok_load(const struct gguf *, struct tok **, char *err, size_t errlen);
void	 tok_free(struct tok *);

enum tok_kind	 tok_kind(const struct tok *);
uint32_t	 tok_n_vocab(const struct tok *);
int32_t		 tok_bos(const struct tok *);	/* or TOK_NONE */
int32_t		 tok_eos(const struct tok *);
int32_t		 tok_eot(const struct tok *);
int		 tok_add_bos(const struct tok *); /* the vocab's default */
/* 1 for EOS, EOT and any other end-of-generation token. */
int		 tok_is_eog(const struct tok *, int32_t id);
/* The vocabulary's text of id (as stored, e.g. "▁the"), or NULL. */
const char	*tok_text(const struct tok *, int32_t id, size_t *len);

/*
 * Encode len bytes of text (any bytes; invalid UTF-8 is handled the way
 * llama.cpp does).  add_bos prepends BOS when the vocab has one;
 * parse_special recognises control/user-defined token texts in the
 * input.  ids has room for maxids; *nids gets the count.  If the result
 * would not fit, returns PWR_ERR_NO_BUFFER_SPACE with *nids set to the
 * count needed.  Text over 8 MiB, or text that drives a pre-tokenizer
 * regex past its backtracking limit, gives PWR_ERR_STRING_TOO_LARGE.
 * User-defined tokens are always matched in the text, as llama.cpp does.
 */
int	 tok_encode(const struct tok *, const char *text, size_t len,
	    int add_bos, int parse_special, int32_t *ids, size_t maxids,
	    size_t *nids);

/*
 * The bytes of one token: "▁" becomes a space, <0xNN> the byte, byte-level
 * BPE undone.  Control tokens give nothing unless special is set.
 * Returns the byte count (<= TOK_MAX_PIECE_BYTES) or a negative PWR_ERR_*.
 */
int	 tok_piece(const struct tok *, int32_t id, int special, char *buf,
	    size_t buflen);

/*
 * Streaming detokenizer: feed ids one at a time, get bytes out, with
 * incomplete UTF-8 sequences held back until they complete (or are
 * flushed).  For SPM vocabularies with a space prefix, the leading space
 * of the first piece after tok_stream_init is dropped, as SentencePiece
 * decoding does.
 */
struct tok_stream {
	const struct tok	*ts_tok;
	int			 ts_special;
	int			 ts_started;
	size_t			 ts_npend;
	u_char			 ts_pend[8];
};

void	 tok_stream_init(struct tok_stream *, const struct tok *,
	    int special);
/* Appends at most TOK_MAX_PIECE_BYTES + 8 bytes to out; returns the count. */
int	 tok_stream_push(struct tok_stream *, int32_t id, char *out,
	    size_t outlen);
/* Whatever is held back (invalid UTF-8 is passed through). */
int	 tok_stream_flush(struct tok_stream *, char *out, size_t outlen);

#endif /* POWER_TOKENIZER_H */
