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

#ifndef POWER_TOKENIZER_LOCAL_H
#define POWER_TOKENIZER_LOCAL_H

/*
 * What tokenizer.c, tokenizer-spm.c and tokenizer-bpe.c share: the
 * loaded vocabulary, its hash tables and the output buffer of an
 * encode.  Not for use outside those three files.
 */

#define TOK_MAX_TEXT_BYTES	4096		/* one token's text, stored */
#define TOK_MAX_MERGES		(1U << 24)	/* BPE merge rules */
#define TOK_MAX_INPUT_BYTES	(1U << 23)	/* text given to tok_encode */
#define TOK_MAX_REGEX		6		/* pre-tokenizer regexes */

/* tokenizer.ggml.token_type values (llama.cpp's llama_token_type). */
enum tok_type {
	TOK_TYPE_UNDEFINED = 0,
	TOK_TYPE_NORMAL,
	TOK_TYPE_UNKNOWN,
	TOK_TYPE_CONTROL,
	TOK_TYPE_USER_DEFINED,
	TOK_TYPE_UNUSED,
	TOK_TYPE_BYTE,
	TOK_TYPE__MAX
};

/* te_flags */
#define TOK_F_EOG	0x01	/* ends generation */
#define TOK_F_LSTRIP	0x02	/* eats white space before it (special) */
#define TOK_F_RSTRIP	0x04	/* eats white space after it (special) */

struct tok_entry {
	uint32_t	 te_off;	/* text in t_text */
	uint32_t	 te_poff;	/* piece in t_piece */
	uint16_t	 te_len;
	uint16_t	 te_plen;
	uint8_t		 te_type;	/* enum tok_type */
	uint8_t		 te_flags;
	float		 te_score;
};

/* A BPE merge rule "left right": its two halves in t_mtext. */
struct tok_merge {
	uint32_t	 tm_off;
	uint16_t	 tm_llen;
	uint16_t	 tm_rlen;
};

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

struct tok {
	enum tok_kind		 t_kind;
	uint32_t		 t_n;		/* tokens */
	struct tok_entry	*t_ent;
	char			*t_text;	/* every token's text */
	char			*t_piece;	/* every token's decoded bytes */

	/* Open-addressed text -> id table: id + 1, 0 when empty. */
	uint32_t		*t_hash;
	size_t			 t_hmask;

	int32_t			 t_bos, t_eos, t_eot, t_eom, t_unk, t_pad;
	int			 t_add_bos;
	int			 t_add_space_prefix;
	int			 t_remove_extra_ws;	/* read; SPM ignores it */
	int32_t			 t_byte_id[256];	/* SPM byte fallback */

	/* Control, user-defined and unknown tokens, longest text first. */
	int32_t			*t_special;
	size_t			 t_nspecial;

	/* BPE: merge rules, rank = index; table holds rank + 1. */
	struct tok_merge	*t_merges;
	char			*t_mtext;
	uint32_t		 t_nmerges;
	uint32_t		*t_mhash;
	size_t			 t_mmask;
	int			 t_ignore_merges;

	/*
	 * BPE pre-tokenizer: compiled once at load, without JIT.  The match
	 * data is shared, so a struct tok encodes one text at a time.
	 */
	struct pcre2_real_code_8	*t_re[TOK_MAX_REGEX];
	size_t				 t_nre;
	struct pcre2_real_match_data_8	*t_md;
	struct pcre2_real_match_context_8 *t_mctx;
};

/* Where encoded ids go: counted even past the end of the buffer. */
struct tok_out {
	int32_t		*to_ids;
	size_t		 to_max;
	size_t		 to_n;
};

/* tokenizer.c */
int32_t	 tok_lookup(const struct tok *, const char *, size_t);
uint32_t tok_hash_bytes(uint32_t, const void *, size_t);
void	 tok_out_push(struct tok_out *, int32_t);
size_t	 tok_utf8_len(u_char);

/* tokenizer-spm.c */
int	 tok_spm_load(struct tok *, char *, size_t);
int	 tok_spm_encode(const struct tok *, const char *, size_t, int,
	    struct tok_out *);
int	 tok_spm_piece(const struct tok *, uint32_t, char *, size_t *);

/* tokenizer-bpe.c */
int	 tok_bpe_load(struct tok *, const struct gguf *, char *, size_t);
void	 tok_bpe_free(struct tok *);
int	 tok_bpe_encode(const struct tok *, const char *, size_t,
	    struct tok_out *);
int	 tok_bpe_piece(const struct tok *, uint32_t, char *, size_t *);

#endif /* POWER_TOKENIZER_LOCAL_H */
