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

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/tokenizer.h"
#include "engine/tokenizer-local.h"

/* Refuse with a reason: PWR_ERR_INVALID_FORMAT. */
#define tok_errf(e, l, ...)	\
	pwr_errf(e, l, PWR_ERR_INVALID_FORMAT, __VA_ARGS__)

/*
 * Vocabulary loading, special tokens, encoding's outer loop and decoding,
 * shared by the SentencePiece (tokenizer-spm.c) and byte-level BPE
 * (tokenizer-bpe.c) tokenizers.  The rules follow llama.cpp's
 * llama-vocab.cpp, so that the same GGUF gives the same ids.
 */

#define TOK_KEY(k)	"tokenizer.ggml." k

/* A piece of the input: raw text, or a special token found in it. */
struct tok_frag {
	int32_t		 tf_id;		/* -1: raw text */
	size_t		 tf_off;
	size_t		 tf_len;
};

/* Special token slots found by their text when the GGUF names none. */
enum tok_slot {
	TOK_SLOT_EOT,
	TOK_SLOT_EOM,
	TOK_SLOT_FIM_PRE,
	TOK_SLOT_FIM_SUF,
	TOK_SLOT_FIM_MID,
	TOK_SLOT_FIM_PAD,
	TOK_SLOT_FIM_REP,
	TOK_SLOT_FIM_SEP,
	TOK_SLOT__MAX
};

static int	tok_load_model(struct tok *, const struct gguf *, char *,
		    size_t);
static int	tok_load_tokens(struct tok *, const struct gguf *, char *,
		    size_t);
static int	tok_load_scores(struct tok *, const struct gguf *, char *,
		    size_t);
static int	tok_load_types(struct tok *, const struct gguf *, char *,
		    size_t);
static int	tok_load_id(const struct tok *, const struct gguf *,
		    const char *, int32_t *, char *, size_t);
static int	tok_load_ids(struct tok *, const struct gguf *, int32_t *,
		    char *, size_t);
static int	tok_load_flag(const struct gguf *, const char *, int *,
		    char *, size_t);
static void	tok_autodetect(struct tok *, int32_t *);
static void	tok_mark_eog(struct tok *, const int32_t *);
static void	tok_set_strip(struct tok *, const struct gguf *);
static int	tok_load_pieces(struct tok *, char *, size_t);
static void	tok_load_special(struct tok *);
static int	tok_special_cmp(const void *, const void *);
static int	tok_hash_insert(struct tok *, uint32_t);
static void	tok_partition(const struct tok *, const char *, size_t, int,
		    struct tok_frag **, size_t *);
static void	tok_frag_split(struct tok_frag **, size_t *, size_t *,
		    size_t, const struct tok_frag *, size_t);
static size_t	tok_utf8_hold(const u_char *, size_t);

/* Texts that mark a slot's token, in the order they are preferred. */
static const char *const tok_slot_names[TOK_SLOT__MAX][8] = {
	[TOK_SLOT_EOT] = { "<|eot_id|>", "<|im_end|>", "<|end|>",
	    "<end_of_turn>", "<|endoftext|>", "<EOT>",
	    "<\xef\xbd\x9c" "end\xe2\x96\x81" "of\xe2\x96\x81" "sentence"
	    "\xef\xbd\x9c>", NULL },
	[TOK_SLOT_EOM] = { "<|eom_id|>", NULL },
	[TOK_SLOT_FIM_PRE] = { "<|fim_prefix|>", "<fim-prefix>",
	    "<\xef\xbd\x9c" "fim\xe2\x96\x81" "begin\xef\xbd\x9c>", "<PRE>",
	    NULL },
	[TOK_SLOT_FIM_SUF] = { "<|fim_suffix|>", "<fim-suffix>",
	    "<\xef\xbd\x9c" "fim\xe2\x96\x81" "hole\xef\xbd\x9c>", "<SUF>",
	    NULL },
	[TOK_SLOT_FIM_MID] = { "<|fim_middle|>", "<fim-middle>",
	    "<\xef\xbd\x9c" "fim\xe2\x96\x81" "end\xef\xbd\x9c>", "<MID>",
	    NULL },
	[TOK_SLOT_FIM_PAD] = { "<|fim_pad|>", "<fim-pad>", "<PAD>", NULL },
	[TOK_SLOT_FIM_REP] = { "<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
	    "<REPO>", NULL },
	[TOK_SLOT_FIM_SEP] = { "<|file_sep|>", NULL },
};

/* GGUF keys of the slots, where the converter wrote them. */
static const char *const tok_slot_keys[TOK_SLOT__MAX] = {
	[TOK_SLOT_EOT] = TOK_KEY("eot_token_id"),
	[TOK_SLOT_EOM] = TOK_KEY("eom_token_id"),
	[TOK_SLOT_FIM_PRE] = TOK_KEY("fim_pre_token_id"),
	[TOK_SLOT_FIM_SUF] = TOK_KEY("fim_suf_token_id"),
	[TOK_SLOT_FIM_MID] = TOK_KEY("fim_mid_token_id"),
	[TOK_SLOT_FIM_PAD] = TOK_KEY("fim_pad_token_id"),
	[TOK_SLOT_FIM_REP] = TOK_KEY("fim_rep_token_id"),
	[TOK_SLOT_FIM_SEP] = TOK_KEY("fim_sep_token_id"),
};

/* Whatever their type, tokens with these texts end generation. */
static const char *const tok_eog_names[] = {
	"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
	"<|endoftext|>", "<|eom_id|>", "<EOT>", NULL
};

/* FNV-1a, continued from h. */
uint32_t
tok_hash_bytes(uint32_t h, const void *p, size_t len)
{
	const u_char	*s = p;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 16777619U;
	}
	return h;
}

/* The id whose text is s, or -1. */
int32_t
tok_lookup(const struct tok *t, const char *s, size_t len)
{
	const struct tok_entry	*e;
	size_t			 i;
	uint32_t		 v;

	if (len == 0 || len > TOK_MAX_TEXT_BYTES)
		return -1;
	i = tok_hash_bytes(2166136261U, s, len) & t->t_hmask;
	while ((v = t->t_hash[i]) != 0) {
		e = &t->t_ent[v - 1];
		if (e->te_len == len && memcmp(t->t_text + e->te_off, s,
		    len) == 0)
			return (int32_t)(v - 1);
		i = (i + 1) & t->t_hmask;
	}
	return -1;
}

void
tok_out_push(struct tok_out *o, int32_t id)
{
	if (o->to_n < o->to_max)
		o->to_ids[o->to_n] = id;
	o->to_n++;
}

/* Bytes of the UTF-8 sequence lead starts, as llama.cpp counts them. */
size_t
tok_utf8_len(u_char lead)
{
	static const uint8_t	len[16] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4
	};

	return len[lead >> 4];
}

/* Add token id to the text table; a second token with its text is an error. */
static int
tok_hash_insert(struct tok *t, uint32_t id)
{
	const struct tok_entry	*e = &t->t_ent[id], *o;
	size_t			 i;
	uint32_t		 v;

	if (e->te_len == 0)
		return 0;	/* nothing can match it */
	i = tok_hash_bytes(2166136261U, t->t_text + e->te_off, e->te_len) &
	    t->t_hmask;
	while ((v = t->t_hash[i]) != 0) {
		o = &t->t_ent[v - 1];
		if (o->te_len == e->te_len && memcmp(t->t_text + o->te_off,
		    t->t_text + e->te_off, e->te_len) == 0)
			return -1;
		i = (i + 1) & t->t_hmask;
	}
	t->t_hash[i] = id + 1;
	return 0;
}

static int
tok_load_model(struct tok *t, const struct gguf *g, char *err,
    size_t errlen)
{
	struct gguf_str	 s;
	int		 r;

	if ((r = gguf_get_str(g, TOK_KEY("model"), &s)) != 0)
		return tok_errf(err, errlen, "%s: %s", TOK_KEY("model"),
		    r == PWR_ERR_NOT_FOUND ? "missing" : "not a string");
	if (s.s_len == 5 && memcmp(s.s_ptr, "llama", 5) == 0)
		t->t_kind = TOK_KIND_SPM;
	else if (s.s_len == 4 && memcmp(s.s_ptr, "gpt2", 4) == 0)
		t->t_kind = TOK_KIND_BPE;
	else if (s.s_len == 4 && memcmp(s.s_ptr, "bert", 4) == 0)
		return tok_errf(err, errlen, "%s: WordPiece (bert) "
		    "vocabularies are not supported", TOK_KEY("model"));
	else
		return tok_errf(err, errlen, "%s: unknown tokenizer \"%.*s\"",
		    TOK_KEY("model"), (int)(s.s_len > 32 ? 32 : s.s_len),
		    s.s_ptr);
	return 0;
}

static int
tok_load_tokens(struct tok *t, const struct gguf *g, char *err,
    size_t errlen)
{
	struct gguf_str	 s;
	uint64_t	 n, i;
	uint32_t	 etype;
	size_t		 total = 0, hsize;
	int		 r;

	if ((r = gguf_get_arr(g, TOK_KEY("tokens"), &etype, &n)) != 0)
		return tok_errf(err, errlen, "%s: %s", TOK_KEY("tokens"),
		    r == PWR_ERR_NOT_FOUND ? "missing" : "not an array");
	if (etype != GGUF_T_STRING)
		return tok_errf(err, errlen, "%s: not an array of strings",
		    TOK_KEY("tokens"));
	if (n == 0 || n > TOK_MAX_VOCAB)
		return tok_errf(err, errlen, "%s: %llu tokens, want 1 to %u",
		    TOK_KEY("tokens"), (unsigned long long)n, TOK_MAX_VOCAB);
	t->t_n = (uint32_t)n;
	t->t_ent = xcalloc(n, sizeof(*t->t_ent));
	for (i = 0; i < n; i++) {
		if (gguf_get_arr_str(g, TOK_KEY("tokens"), i, &s) != 0)
			return tok_errf(err, errlen, "%s: element %llu "
			    "unreadable", TOK_KEY("tokens"),
			    (unsigned long long)i);
		if (s.s_len > TOK_MAX_TEXT_BYTES)
			return tok_errf(err, errlen, "%s: token %llu is %zu "
			    "bytes, over %d", TOK_KEY("tokens"),
			    (unsigned long long)i, s.s_len,
			    TOK_MAX_TEXT_BYTES);
		t->t_ent[i].te_off = (uint32_t)total;
		t->t_ent[i].te_len = (uint16_t)s.s_len;
		t->t_ent[i].te_type = TOK_TYPE_NORMAL;
		total += s.s_len;
	}
	t->t_text = xcalloc(total + 1, 1);
	for (i = 0; i < n; i++) {
		(void)gguf_get_arr_str(g, TOK_KEY("tokens"), i, &s);
		if (s.s_len > 0)
			memcpy(t->t_text + t->t_ent[i].te_off, s.s_ptr,
			    s.s_len);
	}
	/* A table at most half full. */
	for (hsize = 1; hsize < n * 2; hsize <<= 1)
		;
	t->t_hash = xcalloc(hsize, sizeof(*t->t_hash));
	t->t_hmask = hsize - 1;
	for (i = 0; i < n; i++)
		if (tok_hash_insert(t, (uint32_t)i) != 0)
			return tok_errf(err, errlen, "%s: token %llu repeats "
			    "an earlier token's text", TOK_KEY("tokens"),
			    (unsigned long long)i);
	return 0;
}

static int
tok_load_scores(struct tok *t, const struct gguf *g, char *err,
    size_t errlen)
{
	const void	*p;
	uint64_t	 n, i;
	float		 f;
	int		 r;

	r = gguf_get_arr_data(g, TOK_KEY("scores"), GGUF_T_FLOAT32, &p, &n);
	if (r == PWR_ERR_NOT_FOUND)
		return 0;	/* all 0, as llama.cpp takes it */
	if (r != 0)
		return tok_errf(err, errlen, "%s: not an array of float32",
		    TOK_KEY("scores"));
	if (n != t->t_n)
		return tok_errf(err, errlen, "%s: %llu elements for %u tokens",
		    TOK_KEY("scores"), (unsigned long long)n, t->t_n);
	for (i = 0; i < n; i++) {
		memcpy(&f, (const u_char *)p + i * sizeof(f), sizeof(f));
		if (isnan(f))
			return tok_errf(err, errlen, "%s: element %llu is NaN",
			    TOK_KEY("scores"), (unsigned long long)i);
		t->t_ent[i].te_score = f;
	}
	return 0;
}

static int
tok_load_types(struct tok *t, const struct gguf *g, char *err,
    size_t errlen)
{
	const void	*p;
	uint64_t	 n, i;
	int32_t		 v;
	int		 r;

	r = gguf_get_arr_data(g, TOK_KEY("token_type"), GGUF_T_INT32, &p, &n);
	if (r == PWR_ERR_NOT_FOUND)
		return 0;	/* all normal */
	if (r != 0)
		return tok_errf(err, errlen, "%s: not an array of int32",
		    TOK_KEY("token_type"));
	if (n != t->t_n)
		return tok_errf(err, errlen, "%s: %llu elements for %u tokens",
		    TOK_KEY("token_type"), (unsigned long long)n, t->t_n);
	for (i = 0; i < n; i++) {
		memcpy(&v, (const u_char *)p + i * sizeof(v), sizeof(v));
		if (v < 0 || v >= TOK_TYPE__MAX)
			return tok_errf(err, errlen, "%s: token %llu has "
			    "type %d", TOK_KEY("token_type"),
			    (unsigned long long)i, (int)v);
		t->t_ent[i].te_type = (uint8_t)v;
	}
	return 0;
}

/*
 * A special token id: absent leaves *id alone; 0xffffffff or -1 means
 * none (converters write that); anything else must be a token.
 */
static int
tok_load_id(const struct tok *t, const struct gguf *g, const char *key,
    int32_t *id, char *err, size_t errlen)
{
	uint64_t	u;
	int32_t		i;
	int		r;

	if ((r = gguf_get_u64(g, key, &u)) == 0) {
		if (u == UINT32_MAX) {
			*id = TOK_NONE;
			return 0;
		}
		if (u >= t->t_n)
			return tok_errf(err, errlen, "%s: %llu is not a token "
			    "id (%u tokens)", key, (unsigned long long)u,
			    t->t_n);
		*id = (int32_t)u;
		return 0;
	}
	if (r == PWR_ERR_NOT_FOUND)
		return 0;
	if (gguf_get_i32(g, key, &i) == 0 && i == -1) {
		*id = TOK_NONE;
		return 0;
	}
	return tok_errf(err, errlen, "%s: not a token id", key);
}

static int
tok_load_ids(struct tok *t, const struct gguf *g, int32_t *slot,
    char *err, size_t errlen)
{
	size_t	i;
	int	r;

	if ((r = tok_load_id(t, g, TOK_KEY("bos_token_id"), &t->t_bos, err,
	    errlen)) != 0 ||
	    (r = tok_load_id(t, g, TOK_KEY("eos_token_id"), &t->t_eos, err,
	    errlen)) != 0 ||
	    (r = tok_load_id(t, g, TOK_KEY("unknown_token_id"), &t->t_unk,
	    err, errlen)) != 0 ||
	    (r = tok_load_id(t, g, TOK_KEY("padding_token_id"), &t->t_pad,
	    err, errlen)) != 0)
		return r;
	for (i = 0; i < TOK_SLOT__MAX; i++)
		if ((r = tok_load_id(t, g, tok_slot_keys[i], &slot[i], err,
		    errlen)) != 0)
			return r;
	t->t_eot = slot[TOK_SLOT_EOT];
	t->t_eom = slot[TOK_SLOT_EOM];
	return 0;
}

static int
tok_load_flag(const struct gguf *g, const char *key, int *v, char *err,
    size_t errlen)
{
	int	b, r;

	if ((r = gguf_get_bool(g, key, &b)) == PWR_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return tok_errf(err, errlen, "%s: not a bool", key);
	*v = b;
	return 0;
}

/*
 * Slots the GGUF left empty are found by text, and their tokens become
 * control tokens whatever the vocabulary says, as llama.cpp does.
 */
static void
tok_autodetect(struct tok *t, int32_t *slot)
{
	size_t	i, j;
	int32_t	id;

	for (i = 0; i < TOK_SLOT__MAX; i++) {
		if (slot[i] != TOK_NONE)
			continue;
		for (j = 0; tok_slot_names[i][j] != NULL; j++) {
			id = tok_lookup(t, tok_slot_names[i][j],
			    strlen(tok_slot_names[i][j]));
			if (id >= 0) {
				slot[i] = id;
				t->t_ent[id].te_type = TOK_TYPE_CONTROL;
				break;
			}
		}
	}
	t->t_eot = slot[TOK_SLOT_EOT];
	t->t_eom = slot[TOK_SLOT_EOM];
}

static void
tok_mark_eog(struct tok *t, const int32_t *slot)
{
	static const int	 eog_slots[] = {
		TOK_SLOT_FIM_PAD, TOK_SLOT_FIM_REP, TOK_SLOT_FIM_SEP,
		TOK_SLOT_EOT, TOK_SLOT_EOM
	};
	size_t			 i;
	int32_t			 id;

	for (i = 0; i < sizeof(eog_slots) / sizeof(eog_slots[0]); i++)
		if (slot[eog_slots[i]] != TOK_NONE)
			t->t_ent[slot[eog_slots[i]]].te_flags |= TOK_F_EOG;
	for (i = 0; tok_eog_names[i] != NULL; i++) {
		id = tok_lookup(t, tok_eog_names[i], strlen(tok_eog_names[i]));
		if (id >= 0) {
			t->t_ent[id].te_flags |= TOK_F_EOG;
			t->t_ent[id].te_type = TOK_TYPE_CONTROL;
		}
	}
	if (t->t_eos != TOK_NONE)
		t->t_ent[t->t_eos].te_flags |= TOK_F_EOG;
}

/*
 * llama.cpp sets per-token strip attributes by name, since GGUF has no
 * field for them: Phi-3's special tokens eat the white space after them
 * (but <unk>, <s> and <|endoftext|>), and jina-v2's <mask> the white
 * space before it.
 */
static void
tok_set_strip(struct tok *t, const struct gguf *g)
{
	static const char *const keep[] = { "<unk>", "<s>", "<|endoftext|>" };
	struct gguf_str		 s;
	char			 name[64];
	size_t			 i, n;
	int32_t			 id;

	if (gguf_get_str(g, TOK_KEY("pre"), &s) == 0 &&
	    ((s.s_len == 10 && (memcmp(s.s_ptr, "jina-v2-de", 10) == 0 ||
	    memcmp(s.s_ptr, "jina-v2-es", 10) == 0)) ||
	    (s.s_len == 12 && memcmp(s.s_ptr, "jina-v2-code", 12) == 0))) {
		if ((id = tok_lookup(t, "<mask>", 6)) >= 0)
			t->t_ent[id].te_flags |= TOK_F_LSTRIP;
		return;
	}
	if (gguf_get_str(g, "general.name", &s) != 0)
		return;
	n = s.s_len < sizeof(name) - 1 ? s.s_len : sizeof(name) - 1;
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((u_char)s.s_ptr[i]);
	name[n] = '\0';
	if (strstr(name, "phi-3") == NULL && strstr(name, "phi3") == NULL)
		return;
	for (i = 0; i < t->t_nspecial; i++)
		t->t_ent[t->t_special[i]].te_flags |= TOK_F_RSTRIP;
	if ((id = tok_lookup(t, "</s>", 4)) >= 0)
		t->t_ent[id].te_flags |= TOK_F_RSTRIP;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((id = tok_lookup(t, keep[i], strlen(keep[i]))) >= 0)
			t->t_ent[id].te_flags &= ~TOK_F_RSTRIP;
}

/* Every token's bytes, decoded once so tok_piece() only copies. */
static int
tok_load_pieces(struct tok *t, char *err, size_t errlen)
{
	struct tok_entry	*e;
	char			 buf[TOK_MAX_TEXT_BYTES];
	size_t			 total = 0, len, cap;
	uint32_t		 i;
	int			 r;

	cap = 1024;
	t->t_piece = xcalloc(cap, 1);
	for (i = 0; i < t->t_n; i++) {
		e = &t->t_ent[i];
		switch (e->te_type) {
		case TOK_TYPE_UNKNOWN:
		case TOK_TYPE_CONTROL:
		case TOK_TYPE_USER_DEFINED:
			len = e->te_len;
			memcpy(buf, t->t_text + e->te_off, len);
			break;
		default:
			len = sizeof(buf);
			r = t->t_kind == TOK_KIND_SPM ?
			    tok_spm_piece(t, i, buf, &len) :
			    tok_bpe_piece(t, i, buf, &len);
			if (r != 0)
				return tok_errf(err, errlen, "%s: token %u "
				    "cannot be decoded", TOK_KEY("tokens"), i);
			break;
		}
		if (len > TOK_MAX_PIECE_BYTES)
			return tok_errf(err, errlen, "%s: token %u decodes to "
			    "%zu bytes, over %d", TOK_KEY("tokens"), i, len,
			    TOK_MAX_PIECE_BYTES);
		while (len > cap - total) {
			t->t_piece = xreallocarray(t->t_piece, cap, 2);
			cap *= 2;
		}
		memcpy(t->t_piece + total, buf, len);
		e->te_poff = (uint32_t)total;
		e->te_plen = (uint16_t)len;
		total += len;
	}
	return 0;
}

/* Keys made by tok_load_special: longer text, then lower id, first. */
static int
tok_special_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : (x > y);
}

/*
 * The tokens matched in raw text before the tokenizer runs, longest
 * first so "<|im_end|>" wins over a shorter token inside it.  Ties go by
 * id (llama.cpp leaves their order to std::sort).
 */
static void
tok_load_special(struct tok *t)
{
	uint64_t	*key;
	uint32_t	 i;
	size_t		 n = 0;
	uint8_t		 type;

	key = xcalloc(t->t_n, sizeof(*key));
	for (i = 0; i < t->t_n; i++) {
		type = t->t_ent[i].te_type;
		if ((type == TOK_TYPE_CONTROL || type == TOK_TYPE_USER_DEFINED ||
		    type == TOK_TYPE_UNKNOWN) && t->t_ent[i].te_len > 0)
			key[n++] = (uint64_t)(UINT16_MAX -
			    t->t_ent[i].te_len) << 32 | i;
	}
	qsort(key, n, sizeof(*key), tok_special_cmp);
	t->t_special = xcalloc(t->t_n, sizeof(*t->t_special));
	for (i = 0; i < n; i++)
		t->t_special[i] = (int32_t)(key[i] & UINT32_MAX);
	t->t_nspecial = n;
	free(key);
}

int
tok_load(const struct gguf *g, struct tok **tp, char *err, size_t errlen)
{
	struct tok	*t;
	int32_t		 slot[TOK_SLOT__MAX];
	char		 ebuf[1];
	size_t		 i;
	int		 r;

	*tp = NULL;
	if (err == NULL || errlen == 0) {
		err = ebuf;
		errlen = sizeof(ebuf);
	}
	err[0] = '\0';
	t = xcalloc(1, sizeof(*t));
	t->t_bos = t->t_eos = t->t_eot = t->t_eom = TOK_NONE;
	t->t_unk = t->t_pad = TOK_NONE;
	for (i = 0; i < TOK_SLOT__MAX; i++)
		slot[i] = TOK_NONE;
	for (i = 0; i < 256; i++)
		t->t_byte_id[i] = -1;
	if ((r = tok_load_model(t, g, err, errlen)) != 0 ||
	    (r = tok_load_tokens(t, g, err, errlen)) != 0 ||
	    (r = tok_load_scores(t, g, err, errlen)) != 0 ||
	    (r = tok_load_types(t, g, err, errlen)) != 0)
		goto fail;
	if (t->t_kind == TOK_KIND_SPM) {
		/* llama.cpp's defaults for SentencePiece vocabularies. */
		t->t_bos = t->t_n > 1 ? 1 : TOK_NONE;
		t->t_eos = t->t_n > 2 ? 2 : TOK_NONE;
		t->t_unk = 0;
		t->t_add_bos = 1;
		t->t_add_space_prefix = 1;
		r = tok_spm_load(t, err, errlen);
	} else
		r = tok_bpe_load(t, g, err, errlen);
	if (r != 0)
		goto fail;
	if ((r = tok_load_ids(t, g, slot, err, errlen)) != 0 ||
	    (r = tok_load_flag(g, TOK_KEY("add_bos_token"), &t->t_add_bos,
	    err, errlen)) != 0 ||
	    (r = tok_load_flag(g, TOK_KEY("add_space_prefix"),
	    &t->t_add_space_prefix, err, errlen)) != 0 ||
	    (r = tok_load_flag(g, TOK_KEY("remove_extra_whitespaces"),
	    &t->t_remove_extra_ws, err, errlen)) != 0)
		goto fail;
	tok_autodetect(t, slot);
	tok_mark_eog(t, slot);
	if ((r = tok_load_pieces(t, err, errlen)) != 0)
		goto fail;
	tok_load_special(t);
	tok_set_strip(t, g);
	*tp = t;
	return 0;
 fail:
	tok_free(t);
	return r;
}

void
tok_free(struct tok *t)
{
	if (t == NULL)
		return;
	tok_bpe_free(t);
	free(t->t_ent);
	free(t->t_text);
	free(t->t_piece);
	free(t->t_hash);
	free(t->t_special);
	free(t->t_merges);
	free(t->t_mtext);
	free(t->t_mhash);
	free(t);
}

enum tok_kind
tok_kind(const struct tok *t)
{
	return t->t_kind;
}

uint32_t
tok_n_vocab(const struct tok *t)
{
	return t->t_n;
}

int32_t
tok_bos(const struct tok *t)
{
	return t->t_bos;
}

int32_t
tok_eos(const struct tok *t)
{
	return t->t_eos;
}

int32_t
tok_eot(const struct tok *t)
{
	return t->t_eot;
}

int
tok_add_bos(const struct tok *t)
{
	return t->t_add_bos && t->t_bos != TOK_NONE;
}

int
tok_is_eog(const struct tok *t, int32_t id)
{
	if (id < 0 || (uint32_t)id >= t->t_n)
		return 0;
	return (t->t_ent[id].te_flags & TOK_F_EOG) != 0;
}

const char *
tok_text(const struct tok *t, int32_t id, size_t *len)
{
	*len = 0;
	if (id < 0 || (uint32_t)id >= t->t_n)
		return NULL;
	*len = t->t_ent[id].te_len;
	return t->t_text + t->t_ent[id].te_off;
}

/* Replace fragment i by the n fragments in repl. */
static void
tok_frag_split(struct tok_frag **fp, size_t *np, size_t *capp, size_t i,
    const struct tok_frag *repl, size_t n)
{
	struct tok_frag	*f;

	while (*np + n - 1 > *capp) {
		*fp = xreallocarray(*fp, *capp, 2 * sizeof(**fp));
		*capp *= 2;
	}
	f = *fp;
	memmove(&f[i + n], &f[i + 1], (*np - i - 1) * sizeof(*f));
	memcpy(&f[i], repl, n * sizeof(*f));
	*np += n - 1;
}

/*
 * Cut the text at every special token it holds, token by token, longest
 * first.  Control and unknown tokens count only with parse_special;
 * user-defined ones always do (as in Hugging Face tokenizers).
 */
static void
tok_partition(const struct tok *t, const char *text, size_t len,
    int parse_special, struct tok_frag **fragp, size_t *nfragp)
{
	const struct tok_entry	*e;
	struct tok_frag		*f, repl[3];
	const char		*p, *m;
	size_t			 nf = 1, cap = 16, i, k, n, l, r, ro;
	int32_t			 id;

	f = xcalloc(cap, sizeof(*f));
	f[0].tf_id = -1;
	f[0].tf_off = 0;
	f[0].tf_len = len;
	for (k = 0; k < t->t_nspecial; k++) {
		id = t->t_special[k];
		e = &t->t_ent[id];
		if (!parse_special && e->te_type != TOK_TYPE_USER_DEFINED)
			continue;
		p = t->t_text + e->te_off;
		for (i = 0; i < nf; i++) {
			if (f[i].tf_id != -1 || f[i].tf_len < e->te_len)
				continue;
			m = memmem(text + f[i].tf_off, f[i].tf_len, p,
			    e->te_len);
			if (m == NULL)
				continue;
			l = (size_t)(m - text) - f[i].tf_off;
			ro = (size_t)(m - text) + e->te_len;
			r = f[i].tf_off + f[i].tf_len - ro;
			if (e->te_flags & TOK_F_LSTRIP)
				while (l > 0 && isspace((u_char)
				    text[f[i].tf_off + l - 1]))
					l--;
			if (e->te_flags & TOK_F_RSTRIP)
				while (r > 0 && isspace((u_char)text[ro])) {
					ro++;
					r--;
				}
			n = 0;
			if (l > 0)
				repl[n++] = (struct tok_frag){ -1,
				    f[i].tf_off, l };
			repl[n++] = (struct tok_frag){ id, 0, 0 };
			if (r > 0)
				repl[n++] = (struct tok_frag){ -1, ro, r };
			tok_frag_split(&f, &nf, &cap, i, repl, n);
			/* Look again in what is right of the token. */
			i += n - 1 - (r > 0);
		}
	}
	*fragp = f;
	*nfragp = nf;
}

int
tok_encode(const struct tok *t, const char *text, size_t len, int add_bos,
    int parse_special, int32_t *ids, size_t maxids, size_t *nids)
{
	struct tok_out	 o;
	struct tok_frag	*f = NULL;
	size_t		 nf = 0, i;
	int		 prev_special = 1, r = 0;

	*nids = 0;
	if (len > TOK_MAX_INPUT_BYTES)
		return PWR_ERR_STRING_TOO_LARGE;
	if (text == NULL && len > 0)
		return PWR_ERR_INTERNAL;
	o.to_ids = ids;
	o.to_max = ids == NULL ? 0 : maxids;
	o.to_n = 0;
	if (add_bos && t->t_bos != TOK_NONE)
		tok_out_push(&o, t->t_bos);
	if (len > 0)
		tok_partition(t, text, len, parse_special, &f, &nf);
	for (i = 0; i < nf && r == 0; i++) {
		if (f[i].tf_id != -1) {
			tok_out_push(&o, f[i].tf_id);
			prev_special = 1;
			continue;
		}
		if (t->t_kind == TOK_KIND_SPM)
			r = tok_spm_encode(t, text + f[i].tf_off, f[i].tf_len,
			    t->t_add_space_prefix && prev_special, &o);
		else
			r = tok_bpe_encode(t, text + f[i].tf_off, f[i].tf_len,
			    &o);
		prev_special = 0;
	}
	free(f);
	if (r != 0)
		return r;
	*nids = o.to_n;
	return o.to_n > o.to_max ? PWR_ERR_NO_BUFFER_SPACE : 0;
}

int
tok_piece(const struct tok *t, int32_t id, int special, char *buf,
    size_t buflen)
{
	const struct tok_entry	*e;

	if (id < 0 || (uint32_t)id >= t->t_n)
		return PWR_ERR_RANGE;
	e = &t->t_ent[id];
	if (!special && (e->te_type == TOK_TYPE_CONTROL ||
	    e->te_type == TOK_TYPE_UNKNOWN))
		return 0;
	if (e->te_plen > buflen)
		return PWR_ERR_NO_BUFFER_SPACE;
	if (e->te_plen > 0)
		memcpy(buf, t->t_piece + e->te_poff, e->te_plen);
	return e->te_plen;
}

/*
 * How many bytes at the end of p[0..n) start a UTF-8 sequence that is
 * not complete yet (0 if none): those are held back.
 */
static size_t
tok_utf8_hold(const u_char *p, size_t n)
{
	size_t	i, need;

	for (i = 1; i <= 3 && i <= n; i++) {
		if ((p[n - i] & 0xc0) == 0x80)
			continue;	/* a continuation byte */
		if (p[n - i] >= 0xc2 && p[n - i] <= 0xdf)
			need = 2;
		else if ((p[n - i] & 0xf0) == 0xe0)
			need = 3;
		else if (p[n - i] >= 0xf0 && p[n - i] <= 0xf4)
			need = 4;
		else
			return 0;
		return need > i ? i : 0;
	}
	return 0;
}

void
tok_stream_init(struct tok_stream *ts, const struct tok *t, int special)
{
	memset(ts, 0, sizeof(*ts));
	ts->ts_tok = t;
	ts->ts_special = special;
}

int
tok_stream_push(struct tok_stream *ts, int32_t id, char *out, size_t outlen)
{
	const struct tok	*t = ts->ts_tok;
	u_char			 buf[TOK_MAX_PIECE_BYTES + sizeof(ts->ts_pend)];
	size_t			 n, hold, skip = 0;
	int			 r;

	memcpy(buf, ts->ts_pend, ts->ts_npend);
	r = tok_piece(t, id, ts->ts_special, (char *)buf + ts->ts_npend,
	    TOK_MAX_PIECE_BYTES);
	if (r < 0)
		return r;
	/* SentencePiece decoding drops the space the encoder put first. */
	if (r > 0 && !ts->ts_started) {
		if (t->t_kind == TOK_KIND_SPM && t->t_add_space_prefix &&
		    buf[ts->ts_npend] == ' ')
			skip = 1;
	}
	n = ts->ts_npend + (size_t)r;
	hold = tok_utf8_hold(buf, n);
	if (n - hold - skip > outlen)
		return PWR_ERR_NO_BUFFER_SPACE;
	if (r > 0)
		ts->ts_started = 1;
	if (skip) {
		memmove(buf + ts->ts_npend, buf + ts->ts_npend + 1,
		    (size_t)r - 1);
		n--;
	}
	memcpy(out, buf, n - hold);
	memcpy(ts->ts_pend, buf + n - hold, hold);
	ts->ts_npend = hold;
	return (int)(n - hold);
}

int
tok_stream_flush(struct tok_stream *ts, char *out, size_t outlen)
{
	size_t	n = ts->ts_npend;

	if (n > outlen)
		return PWR_ERR_NO_BUFFER_SPACE;
	memcpy(out, ts->ts_pend, n);
	ts->ts_npend = 0;
	return (int)n;
}
