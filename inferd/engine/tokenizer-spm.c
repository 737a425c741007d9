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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/tokenizer.h"
#include "engine/tokenizer-local.h"

/*
 * SentencePiece BPE ("llama" vocabularies), as llama.cpp's
 * llm_tokenizer_spm does it: spaces become U+2581, the text is cut into
 * UTF-8 characters, and the adjacent pair whose concatenation is the
 * token with the highest score is merged until none is left.  What is
 * not a token at the end falls back to <0xNN> byte tokens.
 */

#define SPM_SPACE	"\xe2\x96\x81"	/* U+2581, SentencePiece's space */
#define SPM_SPACE_LEN	3

struct spm_sym {
	int32_t		 ss_prev;
	int32_t		 ss_next;
	uint32_t	 ss_off;
	uint32_t	 ss_len;	/* 0 once merged into its left */
};

struct spm_bigram {
	int32_t		 sb_left;
	int32_t		 sb_right;
	float		 sb_score;
	uint32_t	 sb_len;	/* of both, when queued */
};

struct spm_heap {
	struct spm_bigram	*sh_b;
	size_t			 sh_n;
};

static int	spm_before(const struct spm_bigram *, const struct spm_bigram *);
static void	spm_heap_push(struct spm_heap *, const struct spm_bigram *);
static void	spm_heap_pop(struct spm_heap *, struct spm_bigram *);
static void	spm_try_bigram(const struct tok *, const char *,
		    const struct spm_sym *, int32_t, int32_t, struct spm_heap *);
static void	spm_emit(const struct tok *, const char *, size_t,
		    struct tok_out *);
static int	spm_hex(char);

/* Highest score first; on a tie, the leftmost pair. */
static int
spm_before(const struct spm_bigram *a, const struct spm_bigram *b)
{
	if (a->sb_score != b->sb_score)
		return a->sb_score > b->sb_score;
	return a->sb_left < b->sb_left;
}

static void
spm_heap_push(struct spm_heap *h, const struct spm_bigram *b)
{
	size_t			 i = h->sh_n++, up;
	struct spm_bigram	 tmp;

	h->sh_b[i] = *b;
	while (i > 0) {
		up = (i - 1) / 2;
		if (!spm_before(&h->sh_b[i], &h->sh_b[up]))
			break;
		tmp = h->sh_b[i];
		h->sh_b[i] = h->sh_b[up];
		h->sh_b[up] = tmp;
		i = up;
	}
}

static void
spm_heap_pop(struct spm_heap *h, struct spm_bigram *top)
{
	size_t			 i = 0, l, best;
	struct spm_bigram	 tmp;

	*top = h->sh_b[0];
	h->sh_b[0] = h->sh_b[--h->sh_n];
	for (;;) {
		l = 2 * i + 1;
		best = i;
		if (l < h->sh_n && spm_before(&h->sh_b[l], &h->sh_b[best]))
			best = l;
		if (l + 1 < h->sh_n &&
		    spm_before(&h->sh_b[l + 1], &h->sh_b[best]))
			best = l + 1;
		if (best == i)
			break;
		tmp = h->sh_b[i];
		h->sh_b[i] = h->sh_b[best];
		h->sh_b[best] = tmp;
		i = best;
	}
}

/* Queue left+right if their text together is a token. */
static void
spm_try_bigram(const struct tok *t, const char *s, const struct spm_sym *sym,
    int32_t left, int32_t right, struct spm_heap *h)
{
	struct spm_bigram	b;
	uint32_t		len;
	int32_t			id;

	if (left < 0 || right < 0)
		return;
	len = sym[left].ss_len + sym[right].ss_len;
	if ((id = tok_lookup(t, s + sym[left].ss_off, len)) < 0)
		return;
	b.sb_left = left;
	b.sb_right = right;
	b.sb_score = t->t_ent[id].te_score;
	b.sb_len = len;
	spm_heap_push(h, &b);
}

/* One final symbol: its token, or its bytes one by one. */
static void
spm_emit(const struct tok *t, const char *s, size_t len, struct tok_out *o)
{
	size_t	i;
	int32_t	id;

	if ((id = tok_lookup(t, s, len)) >= 0) {
		tok_out_push(o, id);
		return;
	}
	for (i = 0; i < len; i++) {
		id = t->t_byte_id[(u_char)s[i]];
		/*
		 * A vocabulary without that byte: llama.cpp throws here;
		 * <unk> says something was lost.
		 */
		if (id < 0)
			id = t->t_unk;
		if (id >= 0)
			tok_out_push(o, id);
	}
}

int
tok_spm_encode(const struct tok *t, const char *text, size_t len,
    int prefix, struct tok_out *o)
{
	struct spm_heap		 h;
	struct spm_bigram	 b;
	struct spm_sym		*sym, *l, *r;
	char			*s;
	size_t			 n = 0, i, slen = 0, nsym = 0;

	/* Every byte may become three. */
	s = xcalloc(len + 1, SPM_SPACE_LEN);
	if (prefix) {
		memcpy(s, SPM_SPACE, SPM_SPACE_LEN);
		slen = SPM_SPACE_LEN;
	}
	for (i = 0; i < len; i++) {
		if (text[i] == ' ') {
			memcpy(s + slen, SPM_SPACE, SPM_SPACE_LEN);
			slen += SPM_SPACE_LEN;
		} else
			s[slen++] = text[i];
	}
	if (slen == 0) {
		free(s);
		return 0;
	}
	/* s is the prompt, escaped: it is wiped when done. */

	/* Characters by their lead byte, as llama.cpp cuts them. */
	sym = xcalloc(slen, sizeof(*sym));
	for (i = 0; i < slen; i += n) {
		n = tok_utf8_len((u_char)s[i]);
		if (n > slen - i)
			n = slen - i;
		sym[nsym].ss_off = (uint32_t)i;
		sym[nsym].ss_len = (uint32_t)n;
		sym[nsym].ss_prev = (int32_t)nsym - 1;
		sym[nsym].ss_next = i + n == slen ? -1 : (int32_t)nsym + 1;
		nsym++;
	}

	/* Each merge queues at most two pairs. */
	h.sh_b = xcalloc(3 * nsym + 1, sizeof(*h.sh_b));
	h.sh_n = 0;
	for (i = 1; i < nsym; i++)
		spm_try_bigram(t, s, sym, (int32_t)i - 1, (int32_t)i, &h);
	while (h.sh_n > 0) {
		spm_heap_pop(&h, &b);
		l = &sym[b.sb_left];
		r = &sym[b.sb_right];
		/* Stale: one side was merged since it was queued. */
		if (l->ss_len == 0 || r->ss_len == 0 ||
		    l->ss_len + r->ss_len != b.sb_len)
			continue;
		l->ss_len += r->ss_len;
		r->ss_len = 0;
		l->ss_next = r->ss_next;
		if (r->ss_next >= 0)
			sym[r->ss_next].ss_prev = b.sb_left;
		spm_try_bigram(t, s, sym, l->ss_prev, b.sb_left, &h);
		spm_try_bigram(t, s, sym, b.sb_left, l->ss_next, &h);
	}
	for (i = 0; i < nsym; i = (size_t)sym[i].ss_next) {
		spm_emit(t, s + sym[i].ss_off, sym[i].ss_len, o);
		if (sym[i].ss_next < 0)
			break;
	}
	free(h.sh_b);
	free(sym);
	freezero(s, (len + 1) * SPM_SPACE_LEN);
	return 0;
}

static int
spm_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The byte fallback table: <0xNN>, else the byte itself as a token.
 * Byte tokens must spell their byte, since decoding reads it back.
 */
int
tok_spm_load(struct tok *t, char *err, size_t errlen)
{
	const struct tok_entry	*e;
	const char		*p;
	char			 name[8];
	uint32_t		 i;
	int			 b;

	for (i = 0; i < t->t_n; i++) {
		e = &t->t_ent[i];
		if (e->te_type != TOK_TYPE_BYTE)
			continue;
		p = t->t_text + e->te_off;
		if (e->te_len != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>' ||
		    spm_hex(p[3]) < 0 || spm_hex(p[4]) < 0) {
			if (err != NULL && errlen > 0)
				(void)snprintf(err, errlen, "tokenizer.ggml."
				    "tokens: byte token %u is not <0xNN>", i);
			return PWR_ERR_INVALID_FORMAT;
		}
	}
	for (b = 0; b < 256; b++) {
		(void)snprintf(name, sizeof(name), "<0x%02X>", b);
		t->t_byte_id[b] = tok_lookup(t, name, 6);
		if (t->t_byte_id[b] < 0) {
			name[0] = (char)b;
			t->t_byte_id[b] = tok_lookup(t, name, 1);
		}
	}
	return 0;
}

/* Token id's bytes: U+2581 is a space, <0xNN> the byte. */
int
tok_spm_piece(const struct tok *t, uint32_t id, char *buf, size_t *lenp)
{
	const struct tok_entry	*e = &t->t_ent[id];
	const char		*p = t->t_text + e->te_off;
	size_t			 i, n = 0;

	switch (e->te_type) {
	case TOK_TYPE_NORMAL:
		for (i = 0; i < e->te_len; ) {
			if (n >= *lenp)
				return PWR_ERR_NO_BUFFER_SPACE;
			if (e->te_len - i >= SPM_SPACE_LEN &&
			    memcmp(p + i, SPM_SPACE, SPM_SPACE_LEN) == 0) {
				buf[n++] = ' ';
				i += SPM_SPACE_LEN;
			} else
				buf[n++] = p[i++];
		}
		break;
	case TOK_TYPE_BYTE:
		if (*lenp < 1)
			return PWR_ERR_NO_BUFFER_SPACE;
		buf[n++] = (char)(spm_hex(p[3]) << 4 | spm_hex(p[4]));
		break;
	default:
		break;	/* unused and undefined tokens say nothing */
	}
	*lenp = n;
	return 0;
}
