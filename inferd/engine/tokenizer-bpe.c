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

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "err.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/tokenizer.h"
#include "engine/tokenizer-local.h"

/*
 * GPT-2 byte-level BPE ("gpt2" vocabularies), as llama.cpp's
 * llm_tokenizer_bpe does it.  The text is cut into words by the list of
 * regexes that tokenizer.ggml.pre names, each regex cutting the pieces
 * the one before left; every byte of a word becomes its GPT-2 stand-in
 * character; then the adjacent pair with the lowest merge rank is
 * merged until none is left.
 *
 * The regexes run on PCRE2 (UTF, UCP, no JIT).  llama.cpp runs them on
 * its own Unicode tables with quirks that the subject string given to
 * PCRE2 reproduces: invalid UTF-8 becomes U+FFFD, and white space
 * outside ASCII becomes \v so that \s (rewritten to ASCII white space,
 * as PCRE2's \s takes U+180E too) sees exactly Unicode White_Space, also
 * where llama.cpp's std::wregex fallback would have seen \v.  Its
 * hand-written GPT-2 and Llama-3 splitters behave as the full regexes,
 * the GPT-2 one with the final "|\s+" that llama.cpp's string lacks.
 */

#define BPE_MATCH_LIMIT	10000000U	/* PCRE2 backtracking steps */
#define BPE_NCP		324		/* code points of the byte map */

enum bpe_set {
	BPE_SET_DEFAULT,
	BPE_SET_GPT2,
	BPE_SET_LLAMA3,
	BPE_SET_QWEN2,
	BPE_SET_DEEPSEEK_LLM,
	BPE_SET_DEEPSEEK_CODER,
	BPE_SET_FALCON,
	BPE_SET_STARCODER,
	BPE_SET_PORO,
	BPE_SET_VIKING,
	BPE_SET__MAX
};

/* What tokenizer.ggml.pre selects, with llama.cpp's names for it. */
struct bpe_pre {
	const char	*bp_name;
	enum bpe_set	 bp_set;
	int		 bp_flags;
#define BPE_IGNORE_MERGES	0x01	/* a word that is a token stays one */
#define BPE_ADD_BOS		0x02	/* BOS by default */
#define BPE_NO_BOS		0x04	/* no BOS token unless named */
};

struct bpe_sym {
	int32_t		 bs_prev;
	int32_t		 bs_next;
	uint32_t	 bs_off;
	uint32_t	 bs_len;	/* 0 once merged into its left */
};

struct bpe_bigram {
	int32_t		 bb_left;
	int32_t		 bb_right;
	uint32_t	 bb_rank;
	uint32_t	 bb_len;
};

/* Scratch space of one encode, sized by its text. */
struct bpe_work {
	uint32_t		*bw_cp;		/* code points */
	size_t			 bw_ncp;
	char			*bw_subj;	/* what the regexes see */
	uint32_t		*bw_soff;	/* code point -> subject byte */
	uint32_t		*bw_b2c;	/* subject byte -> code point */
	uint32_t		*bw_bnd[2];	/* word boundaries, in code points */
	size_t			 bw_nbnd;
	int			 bw_cur;
	char			*bw_word;	/* one word, byte-mapped */
	struct bpe_sym		*bw_sym;
	struct bpe_bigram	*bw_heap;
	size_t			 bw_nheap;
};

static int	bpe_pre_find(const struct gguf *, const struct bpe_pre **,
		    char *, size_t);
static char	*bpe_rewrite(const char *);
static int	bpe_compile(struct tok *, enum bpe_set, char *, size_t);
static int	bpe_load_merges(struct tok *, const struct gguf *, char *,
		    size_t);
static int32_t	bpe_rank(const struct tok *, const char *, size_t,
		    const char *, size_t);
static uint32_t	bpe_decode(const u_char *, size_t, size_t *);
static int	bpe_is_space(uint32_t);
static size_t	bpe_put_utf8(uint32_t, char *);
static void	bpe_subject(struct bpe_work *, const char *, size_t);
static int	bpe_split(const struct tok *, pcre2_code *, struct bpe_work *);
static void	bpe_add_bnd(uint32_t *, size_t *, uint32_t);
static int	bpe_before(const struct bpe_bigram *,
		    const struct bpe_bigram *);
static void	bpe_heap_push(struct bpe_work *, const struct bpe_bigram *);
static void	bpe_heap_pop(struct bpe_work *, struct bpe_bigram *);
static void	bpe_try_bigram(const struct tok *, struct bpe_work *, int32_t,
		    int32_t);
static void	bpe_word(const struct tok *, struct bpe_work *, size_t,
		    struct tok_out *);
static void	bpe_byte_map(void);

/*
 * The pre-tokenizer regexes, in llama.cpp's llm_tokenizer_bpe order.
 * They are the models' own (from their tokenizer.json), adapted as
 * llama.cpp adapts them; \s and \S are rewritten at load.
 */
#define BPE_RE_GPT2 \
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|" \
	"\\s+(?!\\S)|\\s+"
#define BPE_RE_LLAMA3(n) \
	"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|" \
	"[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}" n "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|" \
	"\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define BPE_RE_CJK \
	"[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"
#define BPE_RE_PORO \
	" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}" \
	"\\x{60C})]+"

static const char *const bpe_sets[BPE_SET__MAX][TOK_MAX_REGEX + 1] = {
	[BPE_SET_DEFAULT] = {
		"[\\p{P}\\$\\+<=>\\^~\\|]+",
		BPE_RE_GPT2,
		"\\p{N}+",
		"[0-9][0-9][0-9]",
		NULL
	},
	[BPE_SET_GPT2] = { BPE_RE_GPT2, NULL },
	[BPE_SET_LLAMA3] = { BPE_RE_LLAMA3("{1,3}"), NULL },
	[BPE_SET_QWEN2] = { BPE_RE_LLAMA3(""), NULL },
	[BPE_SET_DEEPSEEK_LLM] = {
		"[\\r\\n]",
		/* DeepSeek's cased letters. */
		"\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}"
		"\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
		"\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}"
		"\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}"
		"\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}"
		"\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}"
		"\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"
		"\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}"
		"\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
		"\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}"
		"\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}"
		"\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}"
		"\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}"
		"\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"
		"\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}"
		"\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}"
		"\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}"
		"\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}"
		"\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"
		"\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}"
		"\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
		"\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}"
		"\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}"
		"\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
		"\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}"
		"\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
		"\\x{1E900}-\\x{1E943}]+",
		"\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}"
		"\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
		/*
		 * "\s+$"; the lookbehind only saves PCRE2 from trying every
		 * start inside a long run of white space.
		 */
		"(?<!\\s)\\s+$",
		BPE_RE_CJK,
		"\\p{N}+",
		NULL
	},
	[BPE_SET_DEEPSEEK_CODER] = {
		"[\\r\\n]",
		"\\s?\\p{L}+",
		"\\s?\\p{P}+",
		BPE_RE_CJK,
		"\\p{N}",
		NULL
	},
	[BPE_SET_FALCON] = {
		"[\\p{P}\\$\\+<=>\\^~\\|`]+",
		BPE_RE_GPT2,
		"[0-9][0-9][0-9]",
		NULL
	},
	[BPE_SET_STARCODER] = { "\\p{N}", BPE_RE_GPT2, NULL },
	[BPE_SET_PORO] = { BPE_RE_PORO, NULL },
	[BPE_SET_VIKING] = { BPE_RE_PORO, "\\p{N}", NULL },
};

static const struct bpe_pre bpe_pres[] = {
	{ "default",		BPE_SET_DEFAULT,	0 },
	{ "llama3",		BPE_SET_LLAMA3,	BPE_IGNORE_MERGES|BPE_ADD_BOS },
	{ "llama-v3",		BPE_SET_LLAMA3,	BPE_IGNORE_MERGES|BPE_ADD_BOS },
	{ "llama-bpe",		BPE_SET_LLAMA3,	BPE_IGNORE_MERGES|BPE_ADD_BOS },
	{ "falcon3",		BPE_SET_LLAMA3,	BPE_IGNORE_MERGES|BPE_ADD_BOS },
	{ "dbrx",		BPE_SET_LLAMA3,		0 },
	{ "smaug-bpe",		BPE_SET_LLAMA3,		0 },
	{ "chatglm-bpe",	BPE_SET_LLAMA3,		BPE_NO_BOS },
	{ "deepseek-llm",	BPE_SET_DEEPSEEK_LLM,	0 },
	{ "deepseek-coder",	BPE_SET_DEEPSEEK_CODER,	0 },
	{ "falcon",		BPE_SET_FALCON,		0 },
	{ "mpt",		BPE_SET_GPT2,		0 },
	{ "gpt-2",		BPE_SET_GPT2,		0 },
	{ "phi-2",		BPE_SET_GPT2,		0 },
	{ "jina-es",		BPE_SET_GPT2,		0 },
	{ "jina-de",		BPE_SET_GPT2,		0 },
	{ "gigachat",		BPE_SET_GPT2,		0 },
	{ "jina-v1-en",		BPE_SET_GPT2,		0 },
	{ "jina-v2-es",		BPE_SET_GPT2,		0 },
	{ "jina-v2-de",		BPE_SET_GPT2,		0 },
	{ "jina-v2-code",	BPE_SET_GPT2,		0 },
	{ "roberta-bpe",	BPE_SET_GPT2,		0 },
	{ "olmo",		BPE_SET_GPT2,		0 },
	{ "jais",		BPE_SET_GPT2,		0 },
	{ "starcoder",		BPE_SET_STARCODER,	0 },
	{ "refact",		BPE_SET_STARCODER,	0 },
	{ "command-r",		BPE_SET_STARCODER,	0 },
	{ "smollm",		BPE_SET_STARCODER,	0 },
	{ "codeshell",		BPE_SET_STARCODER,	0 },
	{ "exaone",		BPE_SET_STARCODER,	0 },
	{ "minerva-7b",		BPE_SET_STARCODER,	0 },
	{ "qwen2",		BPE_SET_QWEN2,		0 },
	{ "deepseek-r1-qwen",	BPE_SET_QWEN2,		0 },
	{ "stablelm2",		BPE_SET_QWEN2,		0 },
	{ "megrez",		BPE_SET_QWEN2,		0 },
	{ "poro-chat",		BPE_SET_PORO,		0 },
	{ "bloom",		BPE_SET_PORO,		0 },
	{ "gpt3-finnish",	BPE_SET_PORO,		0 },
	{ "viking",		BPE_SET_VIKING,		0 },
};

/* Known to llama.cpp, but with rules not done here. */
static const char *const bpe_unsupported[] = {
	"deepseek-v3", "tekken", "chameleon", NULL
};

/* GPT-2's byte <-> stand-in character map. */
static uint16_t	bpe_b2u[256];
static int16_t	bpe_u2b[BPE_NCP];
static int	bpe_map_done;

/*
 * Bytes that are printable in Latin-1 stand for themselves; the others
 * get the code points from U+0100 up, in byte order.
 */
static void
bpe_byte_map(void)
{
	int	b, n = 0;

	if (bpe_map_done)
		return;
	for (b = 0; b < BPE_NCP; b++)
		bpe_u2b[b] = -1;
	for (b = 0; b < 256; b++) {
		if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) ||
		    (b >= 0xae && b <= 0xff))
			bpe_b2u[b] = (uint16_t)b;
		else
			bpe_b2u[b] = (uint16_t)(256 + n++);
		bpe_u2b[bpe_b2u[b]] = (int16_t)b;
	}
	bpe_map_done = 1;
}

static int
bpe_pre_find(const struct gguf *g, const struct bpe_pre **pp, char *err,
    size_t errlen)
{
	struct gguf_str	 s;
	size_t		 i;
	int		 r;

	*pp = &bpe_pres[0];
	if ((r = gguf_get_str(g, "tokenizer.ggml.pre", &s)) ==
	    PWR_ERR_NOT_FOUND || (r == 0 && s.s_len == 0))
		return 0;	/* llama.cpp warns and takes "default" */
	if (r != 0) {
		(void)snprintf(err, errlen, "tokenizer.ggml.pre: not a string");
		return PWR_ERR_INVALID_FORMAT;
	}
	for (i = 0; i < sizeof(bpe_pres) / sizeof(bpe_pres[0]); i++) {
		if (strlen(bpe_pres[i].bp_name) == s.s_len &&
		    memcmp(bpe_pres[i].bp_name, s.s_ptr, s.s_len) == 0) {
			*pp = &bpe_pres[i];
			return 0;
		}
	}
	for (i = 0; bpe_unsupported[i] != NULL; i++)
		if (strlen(bpe_unsupported[i]) == s.s_len &&
		    memcmp(bpe_unsupported[i], s.s_ptr, s.s_len) == 0)
			break;
	(void)snprintf(err, errlen, "tokenizer.ggml.pre: %s pre-tokenizer "
	    "\"%.*s\"", bpe_unsupported[i] != NULL ? "unsupported" : "unknown",
	    (int)(s.s_len > 32 ? 32 : s.s_len), s.s_ptr);
	return PWR_ERR_INVALID_FORMAT;
}

/*
 * The pattern with \s as [\t-\r ] and \S as [^\t-\r ]: the subject has
 * no other white space left (bpe_subject), and PCRE2's own \s would take
 * U+180E, which Unicode no longer calls white space.
 */
static char *
bpe_rewrite(const char *re)
{
	char	*out, *o;
	int	 in_class = 0;

	o = out = xcalloc(strlen(re) * 4 + 1, 1);
	for (; *re != '\0'; re++) {
		if (*re == '\\' && re[1] == 's') {
			o = stpcpy(o, in_class ? "\\t-\\r " : "[\\t-\\r ]");
			re++;
		} else if (*re == '\\' && re[1] == 'S' && !in_class) {
			o = stpcpy(o, "[^\\t-\\r ]");
			re++;
		} else if (*re == '\\' && re[1] != '\0') {
			*o++ = *re++;
			*o++ = *re;
		} else {
			if (*re == '[')
				in_class = 1;
			else if (*re == ']')
				in_class = 0;
			*o++ = *re;
		}
	}
	*o = '\0';
	return out;
}

static int
bpe_compile(struct tok *t, enum bpe_set set, char *err, size_t errlen)
{
	PCRE2_SIZE	 eoff;
	char		*re;
	int		 ecode;

	for (t->t_nre = 0; bpe_sets[set][t->t_nre] != NULL; t->t_nre++) {
		re = bpe_rewrite(bpe_sets[set][t->t_nre]);
		t->t_re[t->t_nre] = pcre2_compile((PCRE2_SPTR)re,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP |
		    PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C, &ecode,
		    &eoff, NULL);
		free(re);
		if (t->t_re[t->t_nre] == NULL) {
			(void)snprintf(err, errlen, "pre-tokenizer regex %zu: "
			    "PCRE2 error %d at %zu", t->t_nre, ecode,
			    (size_t)eoff);
			return PWR_ERR_INTERNAL;
		}
	}
	t->t_md = pcre2_match_data_create(1, NULL);
	t->t_mctx = pcre2_match_context_create(NULL);
	if (t->t_md == NULL || t->t_mctx == NULL)
		return PWR_ERR_ALLOC_FAIL;
	pcre2_set_match_limit(t->t_mctx, BPE_MATCH_LIMIT);
	return 0;
}

/*
 * Merge rules "left right", split at the first space after the first
 * byte; rank is the index, and the first of two equal rules counts.
 */
static int
bpe_load_merges(struct tok *t, const struct gguf *g, char *err,
    size_t errlen)
{
	struct gguf_str		 s;
	struct tok_merge	*m;
	const char		*sp;
	uint64_t		 n, i;
	uint32_t		 etype, v, h;
	size_t			 total = 0, hsize, j;
	int			 r;

	if ((r = gguf_get_arr(g, "tokenizer.ggml.merges", &etype, &n)) != 0 ||
	    etype != GGUF_T_STRING) {
		(void)snprintf(err, errlen, "tokenizer.ggml.merges: %s",
		    r == PWR_ERR_NOT_FOUND ? "missing" :
		    "not an array of strings");
		return PWR_ERR_INVALID_FORMAT;
	}
	if (n > TOK_MAX_MERGES) {
		(void)snprintf(err, errlen, "tokenizer.ggml.merges: %llu "
		    "rules, over %u", (unsigned long long)n, TOK_MAX_MERGES);
		return PWR_ERR_INVALID_FORMAT;
	}
	t->t_nmerges = (uint32_t)n;
	t->t_merges = xcalloc(n + 1, sizeof(*t->t_merges));
	for (i = 0; i < n; i++) {
		if (gguf_get_arr_str(g, "tokenizer.ggml.merges", i, &s) != 0 ||
		    s.s_len > 2 * TOK_MAX_TEXT_BYTES + 1) {
			(void)snprintf(err, errlen, "tokenizer.ggml.merges: "
			    "rule %llu is %zu bytes", (unsigned long long)i,
			    s.s_len);
			return PWR_ERR_INVALID_FORMAT;
		}
		m = &t->t_merges[i];
		m->tm_off = (uint32_t)total;
		sp = s.s_len > 1 ? memchr(s.s_ptr + 1, ' ', s.s_len - 1) : NULL;
		if (sp != NULL) {
			m->tm_llen = (uint16_t)(sp - s.s_ptr);
			m->tm_rlen = (uint16_t)(s.s_len - m->tm_llen - 1);
		}
		total += s.s_len;
	}
	t->t_mtext = xcalloc(total + 1, 1);
	for (hsize = 1; hsize < n * 2 + 2; hsize <<= 1)
		;
	t->t_mhash = xcalloc(hsize, sizeof(*t->t_mhash));
	t->t_mmask = hsize - 1;
	for (i = 0; i < n; i++) {
		(void)gguf_get_arr_str(g, "tokenizer.ggml.merges", i, &s);
		m = &t->t_merges[i];
		if (s.s_len > 0)
			memcpy(t->t_mtext + m->tm_off, s.s_ptr, s.s_len);
		if (m->tm_llen == 0 || m->tm_rlen == 0)
			continue;	/* no rule llama.cpp could apply */
		if (bpe_rank(t, t->t_mtext + m->tm_off, m->tm_llen,
		    t->t_mtext + m->tm_off + m->tm_llen + 1, m->tm_rlen) >= 0)
			continue;
		h = tok_hash_bytes(2166136261U, s.s_ptr, s.s_len);
		for (j = h & t->t_mmask; (v = t->t_mhash[j]) != 0;
		    j = (j + 1) & t->t_mmask)
			;
		t->t_mhash[j] = (uint32_t)i + 1;
	}
	return 0;
}

/* The rank of merging left and right, or -1. */
static int32_t
bpe_rank(const struct tok *t, const char *l, size_t ll, const char *r,
    size_t rl)
{
	const struct tok_merge	*m;
	const char		*p;
	uint32_t		 h, v;
	size_t			 j;

	h = tok_hash_bytes(2166136261U, l, ll);
	h = tok_hash_bytes(h, " ", 1);
	h = tok_hash_bytes(h, r, rl);
	for (j = h & t->t_mmask; (v = t->t_mhash[j]) != 0;
	    j = (j + 1) & t->t_mmask) {
		m = &t->t_merges[v - 1];
		p = t->t_mtext + m->tm_off;
		if (m->tm_llen == ll && m->tm_rlen == rl &&
		    memcmp(p, l, ll) == 0 && memcmp(p + ll + 1, r, rl) == 0)
			return (int32_t)(v - 1);
	}
	return -1;
}

int
tok_bpe_load(struct tok *t, const struct gguf *g, char *err, size_t errlen)
{
	const struct bpe_pre	*pre;
	int			 r;

	bpe_byte_map();
	if ((r = bpe_pre_find(g, &pre, err, errlen)) != 0 ||
	    (r = bpe_load_merges(t, g, err, errlen)) != 0 ||
	    (r = bpe_compile(t, pre->bp_set, err, errlen)) != 0)
		return r;
	t->t_ignore_merges = (pre->bp_flags & BPE_IGNORE_MERGES) != 0;
	t->t_add_bos = (pre->bp_flags & BPE_ADD_BOS) != 0;
	if (pre->bp_flags & BPE_NO_BOS)
		t->t_bos = TOK_NONE;
	return 0;
}

void
tok_bpe_free(struct tok *t)
{
	size_t	i;

	for (i = 0; i < t->t_nre; i++)
		pcre2_code_free(t->t_re[i]);
	t->t_nre = 0;
	pcre2_match_data_free(t->t_md);
	pcre2_match_context_free(t->t_mctx);
	t->t_md = NULL;
	t->t_mctx = NULL;
}

/*
 * One code point at p, as llama.cpp's unicode_cpt_from_utf8 reads it
 * (overlong forms and surrogates pass); U+FFFD for one byte otherwise,
 * also past U+10FFFF, where llama.cpp would throw.
 */
static uint32_t
bpe_decode(const u_char *p, size_t n, size_t *used)
{
	uint32_t	c;
	size_t		need, i;

	*used = 1;
	if (p[0] < 0x80)
		return p[0];
	if ((p[0] & 0xe0) == 0xc0) {
		need = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 4;
		c = p[0] & 0x07;
	} else
		return 0xfffd;
	if (need > n)
		return 0xfffd;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0xfffd;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c > 0x10ffff)
		return 0xfffd;
	*used = need;
	return c;
}

/* Unicode White_Space outside ASCII. */
static int
bpe_is_space(uint32_t c)
{
	return c == 0x85 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

static size_t
bpe_put_utf8(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Code points of the text, and the subject string the regexes see. */
static void
bpe_subject(struct bpe_work *w, const char *text, size_t len)
{
	size_t		i, used, so = 0, k;
	uint32_t	c, sc;

	w->bw_ncp = 0;
	for (i = 0; i < len; i += used) {
		c = bpe_decode((const u_char *)text + i, len - i, &used);
		w->bw_cp[w->bw_ncp] = c;
		w->bw_soff[w->bw_ncp] = (uint32_t)so;
		sc = c;
		if (c >= 0x80 && bpe_is_space(c))
			sc = 0x0b;
		else if (c >= 0xd800 && c <= 0xdfff)
			sc = 0xfffd;	/* not UTF-8 to PCRE2 */
		k = bpe_put_utf8(sc, w->bw_subj + so);
		while (k-- > 0)
			w->bw_b2c[so++] = (uint32_t)w->bw_ncp;
		w->bw_ncp++;
	}
	w->bw_soff[w->bw_ncp] = (uint32_t)so;
	w->bw_b2c[so] = (uint32_t)w->bw_ncp;
}

static void
bpe_add_bnd(uint32_t *b, size_t *n, uint32_t v)
{
	if (v > b[*n - 1])
		b[(*n)++] = v;
}

/*
 * Cut every word so far at the matches of re: each match is a word, and
 * so is each stretch between matches.
 */
static int
bpe_split(const struct tok *t, pcre2_code *re, struct bpe_work *w)
{
	const uint32_t	*in = w->bw_bnd[w->bw_cur];
	uint32_t	*out = w->bw_bnd[!w->bw_cur];
	PCRE2_SIZE	*ov;
	PCRE2_SIZE	 pos;
	const char	*s;
	size_t		 nout = 1, j, base, len;
	int		 rc;

	out[0] = 0;
	for (j = 0; j + 1 < w->bw_nbnd; j++) {
		base = w->bw_soff[in[j]];
		len = w->bw_soff[in[j + 1]] - base;
		s = w->bw_subj + base;
		for (pos = 0; pos < len; ) {
			rc = pcre2_match(re, (PCRE2_SPTR)s, len, pos,
			    PCRE2_NO_UTF_CHECK, t->t_md, t->t_mctx);
			if (rc == PCRE2_ERROR_NOMATCH)
				break;
			if (rc < 0)
				return PWR_ERR_STRING_TOO_LARGE;
			ov = pcre2_get_ovector_pointer(t->t_md);
			if (ov[1] == ov[0]) {
				/* No pattern here matches empty; be safe. */
				pos = ov[0] + 1;
				while (pos < len && (s[pos] & 0xc0) == 0x80)
					pos++;
				continue;
			}
			bpe_add_bnd(out, &nout, w->bw_b2c[base + ov[0]]);
			bpe_add_bnd(out, &nout, w->bw_b2c[base + ov[1]]);
			pos = ov[1];
		}
		bpe_add_bnd(out, &nout, in[j + 1]);
	}
	w->bw_nbnd = nout;
	w->bw_cur = !w->bw_cur;
	return 0;
}

/* Lowest rank first; on a tie, the leftmost pair. */
static int
bpe_before(const struct bpe_bigram *a, const struct bpe_bigram *b)
{
	if (a->bb_rank != b->bb_rank)
		return a->bb_rank < b->bb_rank;
	return a->bb_left < b->bb_left;
}

static void
bpe_heap_push(struct bpe_work *w, const struct bpe_bigram *b)
{
	struct bpe_bigram	*h = w->bw_heap, tmp;
	size_t			 i = w->bw_nheap++, up;

	h[i] = *b;
	while (i > 0) {
		up = (i - 1) / 2;
		if (!bpe_before(&h[i], &h[up]))
			break;
		tmp = h[i];
		h[i] = h[up];
		h[up] = tmp;
		i = up;
	}
}

static void
bpe_heap_pop(struct bpe_work *w, struct bpe_bigram *top)
{
	struct bpe_bigram	*h = w->bw_heap, tmp;
	size_t			 i = 0, l, best;

	*top = h[0];
	h[0] = h[--w->bw_nheap];
	for (;;) {
		l = 2 * i + 1;
		best = i;
		if (l < w->bw_nheap && bpe_before(&h[l], &h[best]))
			best = l;
		if (l + 1 < w->bw_nheap && bpe_before(&h[l + 1], &h[best]))
			best = l + 1;
		if (best == i)
			break;
		tmp = h[i];
		h[i] = h[best];
		h[best] = tmp;
		i = best;
	}
}

static void
bpe_try_bigram(const struct tok *t, struct bpe_work *w, int32_t left,
    int32_t right)
{
	const struct bpe_sym	*l, *r;
	struct bpe_bigram	 b;
	int32_t			 rank;

	if (left < 0 || right < 0)
		return;
	l = &w->bw_sym[left];
	r = &w->bw_sym[right];
	rank = bpe_rank(t, w->bw_word + l->bs_off, l->bs_len,
	    w->bw_word + r->bs_off, r->bs_len);
	if (rank < 0)
		return;
	b.bb_left = left;
	b.bb_right = right;
	b.bb_rank = (uint32_t)rank;
	b.bb_len = l->bs_len + r->bs_len;
	bpe_heap_push(w, &b);
}

/* Merge one byte-mapped word of len bytes and emit its tokens. */
static void
bpe_word(const struct tok *t, struct bpe_work *w, size_t len,
    struct tok_out *o)
{
	struct bpe_sym		*sym = w->bw_sym, *l, *r;
	struct bpe_bigram	 b;
	const char		*s = w->bw_word;
	size_t			 i, n, nsym = 0, k;
	int32_t			 id;

	if (t->t_ignore_merges && (id = tok_lookup(t, s, len)) >= 0) {
		tok_out_push(o, id);
		return;
	}
	for (i = 0; i < len; i += n) {
		n = tok_utf8_len((u_char)s[i]);
		if (n > len - i)
			n = len - i;
		sym[nsym].bs_off = (uint32_t)i;
		sym[nsym].bs_len = (uint32_t)n;
		sym[nsym].bs_prev = (int32_t)nsym - 1;
		sym[nsym].bs_next = i + n == len ? -1 : (int32_t)nsym + 1;
		nsym++;
	}
	w->bw_nheap = 0;
	for (i = 1; i < nsym; i++)
		bpe_try_bigram(t, w, (int32_t)i - 1, (int32_t)i);
	while (w->bw_nheap > 0) {
		bpe_heap_pop(w, &b);
		l = &sym[b.bb_left];
		r = &sym[b.bb_right];
		if (l->bs_len == 0 || r->bs_len == 0 ||
		    l->bs_len + r->bs_len != b.bb_len)
			continue;	/* stale */
		l->bs_len += r->bs_len;
		r->bs_len = 0;
		l->bs_next = r->bs_next;
		if (r->bs_next >= 0)
			sym[r->bs_next].bs_prev = b.bb_left;
		bpe_try_bigram(t, w, l->bs_prev, b.bb_left);
		bpe_try_bigram(t, w, b.bb_left, l->bs_next);
	}
	for (i = 0; nsym > 0; i = (size_t)sym[i].bs_next) {
		if ((id = tok_lookup(t, s + sym[i].bs_off,
		    sym[i].bs_len)) >= 0)
			tok_out_push(o, id);
		else {
			/* As llama.cpp: each byte, if it is a token. */
			for (k = 0; k < sym[i].bs_len; k++)
				if ((id = tok_lookup(t, s + sym[i].bs_off + k,
				    1)) >= 0)
					tok_out_push(o, id);
		}
		if (sym[i].bs_next < 0)
			break;
	}
}

int
tok_bpe_encode(const struct tok *t, const char *text, size_t len,
    struct tok_out *o)
{
	struct bpe_work	 w;
	char		 u[4];
	size_t		 i, j, k, n, wl, maxw = 0;
	uint32_t	 a, b;
	int		 r = 0;

	if (len == 0)
		return 0;
	memset(&w, 0, sizeof(w));
	w.bw_cp = xcalloc(len + 1, sizeof(*w.bw_cp));
	w.bw_soff = xcalloc(len + 1, sizeof(*w.bw_soff));
	/* U+FFFD for one byte is the most a byte grows: to three. */
	w.bw_subj = xcalloc(len + 1, 3);
	w.bw_b2c = xcalloc(3 * len + 1, sizeof(*w.bw_b2c));
	bpe_subject(&w, text, len);
	w.bw_bnd[0] = xcalloc(w.bw_ncp + 1, sizeof(*w.bw_bnd[0]));
	w.bw_bnd[1] = xcalloc(w.bw_ncp + 1, sizeof(*w.bw_bnd[1]));
	w.bw_bnd[0][0] = 0;
	w.bw_bnd[0][1] = (uint32_t)w.bw_ncp;
	w.bw_nbnd = 2;
	for (i = 0; i < t->t_nre && r == 0; i++)
		r = bpe_split(t, (pcre2_code *)t->t_re[i], &w);
	if (r != 0)
		goto out;

	/* Each code point is at most 4 bytes, each byte 2 once mapped. */
	for (j = 0; j + 1 < w.bw_nbnd; j++)
		if (w.bw_bnd[w.bw_cur][j + 1] - w.bw_bnd[w.bw_cur][j] > maxw)
			maxw = w.bw_bnd[w.bw_cur][j + 1] -
			    w.bw_bnd[w.bw_cur][j];
	w.bw_word = xcalloc(maxw, 8);
	w.bw_sym = xcalloc(maxw, 8 * sizeof(*w.bw_sym));
	w.bw_heap = xcalloc(maxw, 24 * sizeof(*w.bw_heap));
	for (j = 0; j + 1 < w.bw_nbnd; j++) {
		a = w.bw_bnd[w.bw_cur][j];
		b = w.bw_bnd[w.bw_cur][j + 1];
		wl = 0;
		for (i = a; i < b; i++) {
			n = bpe_put_utf8(w.bw_cp[i], u);
			for (k = 0; k < n; k++)
				wl += bpe_put_utf8(bpe_b2u[(u_char)u[k]],
				    w.bw_word + wl);
		}
		bpe_word(t, &w, wl, o);
	}
 out:
	/* Code points, subject and word are the prompt: wipe them. */
	freezero(w.bw_cp, (len + 1) * sizeof(*w.bw_cp));
	free(w.bw_soff);
	freezero(w.bw_subj, (len + 1) * 3);
	free(w.bw_b2c);
	free(w.bw_bnd[0]);
	free(w.bw_bnd[1]);
	if (w.bw_word != NULL)
		freezero(w.bw_word, maxw * 8);
	free(w.bw_sym);
	free(w.bw_heap);
	return r;
}

/* Token id's bytes: each stand-in character back to its byte. */
int
tok_bpe_piece(const struct tok *t, uint32_t id, char *buf, size_t *lenp)
{
	const struct tok_entry	*e = &t->t_ent[id];
	const u_char		*p = (const u_char *)t->t_text + e->te_off;
	size_t			 i, n = 0, used;
	uint32_t		 c;

	if (e->te_type != TOK_TYPE_NORMAL) {
		*lenp = 0;	/* bytes, unused and undefined: nothing */
		return 0;
	}
	for (i = 0; i < e->te_len; i += used) {
		c = bpe_decode(p + i, e->te_len - i, &used);
		if (n + used > *lenp)
			return PWR_ERR_NO_BUFFER_SPACE;
		/*
		 * A character outside the map is copied as it is (llama.cpp
		 * writes an "[UNK_BYTE_0x...]" note instead).
		 */
		if (c < BPE_NCP && bpe_u2b[c] >= 0)
			buf[n++] = (char)bpe_u2b[c];
		else {
			memcpy(buf + n, p + i, used);
			n += used;
		}
	}
	*lenp = n;
	return 0;
}
