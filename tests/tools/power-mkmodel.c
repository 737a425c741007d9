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
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/quant.h"

/*
 * power-mkmodel: write a synthetic llama or qwen2 GGUF v3 file with
 * seeded random weights, laid out exactly like llama.cpp's own files,
 * so the engine can be tested and benchmarked at any shape and tensor
 * type without downloading a model.  Tensors are generated, quantised
 * with our quant_quantize_row() and written one row at a time, so even
 * the 1B presets need only a few rows of memory.  The same options and
 * seed always give the same bytes.
 *
 * With --check FILE it reads a GGUF back through our reader, checks
 * that every tensor the architecture needs is there with the shape
 * the metadata implies, and prints a summary the regress tests read.
 */

#define MK_ALIGN		32	/* GGUF's default; not written */
#define MK_TYPE_Q4_K_M		0x10000	/* a mix of types, not a ggml type */
#define MK_MAX_NAME		64	/* "blk.N.attn_output.weight" */
#define MK_MIN_VOCAB		259	/* 3 specials, 256 byte tokens */
#define MK_MAX_VOCAB		(1 << 22)
#define MK_MAX_EMBD		65536
#define MK_MAX_FF		(1 << 20)
#define MK_MAX_LAYER		1024
#define MK_MAX_HEAD		4096
#define MK_MAX_CTX		(1 << 24)
#define MK_WRITE_BUF_BYTES	(1 << 20)
#define MK_PIECE_BYTES		32	/* a generated piece and NUL */

/* SentencePiece token types, as llama.cpp numbers them. */
#define MK_TOK_NORMAL		1
#define MK_TOK_UNKNOWN		2
#define MK_TOK_CONTROL		3
#define MK_TOK_BYTE		6

enum mk_arch {
	MK_ARCH_LLAMA,
	MK_ARCH_QWEN2
};

enum mk_init {
	MK_INIT_NORMAL,		/* N(0, p0^2) */
	MK_INIT_UNIFORM		/* U(p0, p1) */
};

/* Shape and hyperparameters of the model to write or check. */
struct mk_model {
	enum mk_arch	 m_arch;
	char		 m_name[64];	/* general.name */
	uint32_t	 m_embd;
	uint32_t	 m_ff;
	uint32_t	 m_layer;
	uint32_t	 m_head;
	uint32_t	 m_head_kv;
	uint32_t	 m_head_dim;
	int		 m_head_dim_key;	/* write key_length too */
	uint32_t	 m_ctx;
	uint32_t	 m_vocab;
	float		 m_rope_base;
	float		 m_eps;
	int		 m_tied;	/* no output.weight */
	int		 m_bias;	/* attn_q/k/v.bias */
	uint32_t	 m_type;	/* ggml type asked for */
	uint64_t	 m_seed;
};

struct mk_tensor {
	char		 t_name[MK_MAX_NAME];
	uint32_t	 t_ndims;
	uint64_t	 t_ne[2];	/* ne0 = the input dimension */
	uint32_t	 t_type;
	enum mk_init	 t_init;
	float		 t_p0;
	float		 t_p1;
	uint64_t	 t_offset;	/* from the data section's start */
	uint64_t	 t_nbytes;
};

struct mk_out {
	FILE		*o_fp;
	uint64_t	 o_off;		/* bytes written so far */
	uint64_t	 o_nkv;		/* metadata pairs written */
};

/* A GGUF mapped by hand, so raw value bytes can be copied. */
struct mk_file {
	const u_char	*f_map;
	size_t		 f_len;
	struct gguf	*f_gguf;
};

struct mk_rng {
	uint64_t	 r_state;
	int		 r_have_spare;
	double		 r_spare;
};

struct mk_typeinfo {
	const char	*ti_name;
	uint32_t	 ti_type;
	uint32_t	 ti_ftype;	/* general.file_type, llama.cpp's */
};

struct mk_preset {
	const char	*p_name;
	enum mk_arch	 p_arch;
	uint32_t	 p_embd;
	uint32_t	 p_ff;
	uint32_t	 p_layer;
	uint32_t	 p_head;
	uint32_t	 p_head_kv;
	uint32_t	 p_ctx;
	uint32_t	 p_vocab;
};

static void	usage(void) __attribute__((noreturn));
static void	mk_cleanup(void);
static long long mk_num(const char *, const char *, long long, long long);
static const struct mk_typeinfo *mk_typeinfo(uint32_t);
static const struct mk_typeinfo *mk_type_by_name(const char *);
static const char *mk_arch_name(enum mk_arch);
static void	mk_arch_defaults(struct mk_model *, enum mk_arch);
static uint32_t	mk_pick_type(uint32_t, const struct mk_tensor *);
static uint32_t	mk_mix_q4_k_m(const struct mk_model *,
		    const struct mk_tensor *);
static uint64_t	mk_row_bytes(uint32_t, uint64_t);
static void	mk_add(struct mk_tensor *, size_t *, size_t, const char *,
		    uint64_t, uint64_t, enum mk_init, float, float);
static size_t	mk_tensors(const struct mk_model *, struct mk_tensor **);
static void	mk_layout(struct mk_tensor *, size_t);
static uint64_t	mk_splitmix64(uint64_t *);
static void	mk_rng_init(struct mk_rng *, uint64_t, const char *);
static double	mk_rng_normal(struct mk_rng *);
static double	mk_rng_uniform(struct mk_rng *);
static void	mk_put(struct mk_out *, const void *, size_t);
static void	mk_put_u8(struct mk_out *, uint8_t);
static void	mk_put_u32(struct mk_out *, uint32_t);
static void	mk_put_u64(struct mk_out *, uint64_t);
static void	mk_put_f32(struct mk_out *, float);
static void	mk_put_strn(struct mk_out *, const char *, size_t);
static void	mk_put_str(struct mk_out *, const char *);
static void	mk_put_pad(struct mk_out *);
static void	mk_kv_key(struct mk_out *, const char *, const char *,
		    uint32_t);
static void	mk_kv_u32(struct mk_out *, const char *, const char *,
		    uint32_t);
static void	mk_kv_f32(struct mk_out *, const char *, const char *,
		    float);
static void	mk_kv_str(struct mk_out *, const char *, const char *,
		    const char *);
static void	mk_kv_bool(struct mk_out *, const char *, int);
static size_t	mk_piece(uint32_t, char *, size_t);
static uint64_t	mk_vocab_nkv(const struct mk_file *);
static void	mk_vocab_synthetic(struct mk_out *, uint32_t);
static void	mk_vocab_copy(struct mk_out *, const struct mk_file *);
static uint64_t	mk_meta_nkv(const struct mk_model *,
		    const struct mk_file *);
static void	mk_write_meta(struct mk_out *, const struct mk_model *,
		    const struct mk_file *);
static void	mk_write_row(struct mk_out *, uint32_t, const float *,
		    u_char *, uint64_t);
static void	mk_write_tensor(struct mk_out *, const struct mk_model *,
		    const struct mk_tensor *, float *, u_char *);
static void	mk_write(const char *, const struct mk_model *,
		    const struct mk_file *);
static void	mk_file_open(const char *, struct mk_file *);
static void	mk_file_close(struct mk_file *);
static uint32_t	mk_vocab_count(const struct mk_file *, const char *);
static uint32_t	mk_get_u32(const struct mk_file *, const char *,
		    const char *, const char *, int);
static void	mk_model_from_file(const struct mk_file *, const char *,
		    struct mk_model *);
static uint64_t	mk_tokenizer_hash(const struct mk_file *);
static void	mk_print_str(const char *, size_t);
static void	mk_print_meta(const struct mk_file *);
static int	mk_check_tensor(const struct mk_file *, const char *,
		    const struct mk_tensor *, uint64_t *);
static int	mk_check(const char *);
static void	mk_parse(int, char **, struct mk_model *, const char **,
		    const char **, const char **);

static const struct mk_typeinfo mk_types[] = {
	{ "F32", GGUF_TYPE_F32, 0 },
	{ "F16", GGUF_TYPE_F16, 1 },
	{ "BF16", GGUF_TYPE_BF16, 32 },
	{ "Q8_0", GGUF_TYPE_Q8_0, 7 },
	{ "Q4_0", GGUF_TYPE_Q4_0, 2 },
	{ "Q4_1", GGUF_TYPE_Q4_1, 3 },
	{ "Q5_0", GGUF_TYPE_Q5_0, 8 },
	{ "Q5_1", GGUF_TYPE_Q5_1, 9 },
	{ "Q4_K", GGUF_TYPE_Q4_K, 15 },	/* Q4_K_M, as llama-quantize */
	{ "Q5_K", GGUF_TYPE_Q5_K, 17 },	/* Q5_K_M */
	{ "Q6_K", GGUF_TYPE_Q6_K, 18 },
	{ "Q4_K_M", MK_TYPE_Q4_K_M, 15 },
};

static const struct mk_preset mk_presets[] = {
	/* The golden tiny models (golden README section 2). */
	{ "tiny", MK_ARCH_LLAMA, 256, 512, 2, 4, 2, 256, 512 },
	{ "qwen2.5-0.5b", MK_ARCH_QWEN2, 896, 4864, 24, 14, 2, 32768,
	    151936 },
	{ "tinyllama-1.1b", MK_ARCH_LLAMA, 2048, 5632, 22, 32, 4, 2048,
	    32000 },
};

static const char	mk_alphabet[] = "etaoinshrdlcumwfgypbvkjxqz";
static const char	mk_spm_space[] = "\xe2\x96\x81";	/* U+2581 */

/* The temporary output, removed if we die before the rename. */
static char	*mk_tmp_path;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: power-mkmodel -o out.gguf [-a llama|qwen2] "
	    "[-t F32|F16|BF16|Q8_0|Q4_0|Q4_1|\n"
	    "\tQ5_0|Q5_1|Q4_K|Q5_K|Q6_K|Q4_K_M] "
	    "[-p tiny|qwen2.5-0.5b|tinyllama-1.1b]\n"
	    "\t[-e n_embd] [-f n_ff] [-l n_layer] [-H n_head] "
	    "[-K n_head_kv] [-D head_dim]\n"
	    "\t[-c ctx] [-s seed] [--vocab FILE.gguf] [--vocab-size N]\n"
	    "       power-mkmodel --check FILE.gguf\n");
	exit(1);
}

static void
mk_cleanup(void)
{
	if (mk_tmp_path != NULL) {
		(void)unlink(mk_tmp_path);
		free(mk_tmp_path);
		mk_tmp_path = NULL;
	}
}

static long long
mk_num(const char *opt, const char *s, long long lo, long long hi)
{
	const char	*errstr;
	long long	 v;

	v = strtonum(s, lo, hi, &errstr);
	if (errstr != NULL)
		fatalx("%s %s: %s (%lld to %lld)", opt, s, errstr, lo, hi);
	return v;
}

static const struct mk_typeinfo *
mk_typeinfo(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(mk_types) / sizeof(mk_types[0]); i++)
		if (mk_types[i].ti_type == type)
			return &mk_types[i];
	return NULL;
}

static const struct mk_typeinfo *
mk_type_by_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(mk_types) / sizeof(mk_types[0]); i++)
		if (strcasecmp(mk_types[i].ti_name, name) == 0)
			return &mk_types[i];
	return NULL;
}

static const char *
mk_arch_name(enum mk_arch arch)
{
	return arch == MK_ARCH_QWEN2 ? "qwen2" : "llama";
}

/* What each architecture's real models do. */
static void
mk_arch_defaults(struct mk_model *m, enum mk_arch arch)
{
	m->m_arch = arch;
	if (arch == MK_ARCH_QWEN2) {
		m->m_rope_base = 1000000.0f;
		m->m_eps = 1e-6f;
		m->m_tied = 1;
		m->m_bias = 1;
	} else {
		m->m_rope_base = 10000.0f;
		m->m_eps = 1e-5f;
		m->m_tied = 0;
		m->m_bias = 0;
	}
}

/*
 * The type a tensor is stored in.  1-D tensors stay F32, as llama.cpp
 * keeps them.  A 2-D tensor whose rows are not whole blocks falls back
 * the way llama-quantize does: Q4_K to Q5_0, Q5_K to Q5_1 and Q6_K to
 * Q8_0 (qwen2.5-0.5b's 896-wide rows take this path), then F16 if even
 * that does not fit.  llama.cpp refuses the legacy types there; we use
 * F16 so that any shape can be written.
 */
static uint32_t
mk_pick_type(uint32_t want, const struct mk_tensor *t)
{
	uint32_t	blck, bytes;

	if (t->t_ndims == 1)
		return GGUF_TYPE_F32;
	if (gguf_type_size(want, &blck, &bytes) == 0 &&
	    t->t_ne[0] % blck == 0)
		return want;
	switch (want) {
	case GGUF_TYPE_Q4_K:
		want = GGUF_TYPE_Q5_0;
		break;
	case GGUF_TYPE_Q5_K:
		want = GGUF_TYPE_Q5_1;
		break;
	case GGUF_TYPE_Q6_K:
		want = GGUF_TYPE_Q8_0;
		break;
	default:
		return GGUF_TYPE_F16;
	}
	if (gguf_type_size(want, &blck, &bytes) == 0 &&
	    t->t_ne[0] % blck == 0)
		return want;
	return GGUF_TYPE_F16;
}

/*
 * llama-quantize's Q4_K_M: Q4_K everywhere but the classifier (or the
 * embedding standing in for it) in Q6_K, and attn_v and ffn_down in
 * Q6_K in the first and last eighth of the layers and every third
 * layer between; rows that are not whole 256-blocks fall back as in
 * mk_pick_type.
 */
static uint32_t
mk_mix_q4_k_m(const struct mk_model *m, const struct mk_tensor *t)
{
	const char	*p;
	uint32_t	 il, n = m->m_layer;
	int		 more;

	if (strcmp(t->t_name, "output.weight") == 0 ||
	    (m->m_tied && strcmp(t->t_name, "token_embd.weight") == 0))
		return GGUF_TYPE_Q6_K;
	if (strncmp(t->t_name, "blk.", 4) != 0)
		return GGUF_TYPE_Q4_K;
	il = (uint32_t)strtoul(t->t_name + 4, NULL, 10);
	p = strchr(t->t_name + 4, '.');
	more = il < n / 8 || il >= 7 * n / 8 ||
	    (il >= n / 8 && (il - n / 8) % 3 == 2);
	if (p != NULL && more && (strcmp(p, ".attn_v.weight") == 0 ||
	    strcmp(p, ".ffn_down.weight") == 0))
		return GGUF_TYPE_Q6_K;
	return GGUF_TYPE_Q4_K;
}

static uint64_t
mk_row_bytes(uint32_t type, uint64_t n)
{
	uint32_t	blck, bytes;

	if (gguf_type_size(type, &blck, &bytes) != 0 || n % blck != 0)
		fatalx("internal error: %u values of type %u", (u_int)n, type);
	return n / blck * bytes;
}

static void
mk_add(struct mk_tensor *t, size_t *np, size_t max, const char *name,
    uint64_t ne0, uint64_t ne1, enum mk_init init, float p0, float p1)
{
	struct mk_tensor	*e;

	if (*np >= max)
		fatalx("internal error: more than %zu tensors", max);
	e = &t[(*np)++];
	memset(e, 0, sizeof(*e));
	if (strlcpy(e->t_name, name, sizeof(e->t_name)) >= sizeof(e->t_name))
		fatalx("internal error: tensor name %s too long", name);
	e->t_ndims = ne1 == 0 ? 1 : 2;
	e->t_ne[0] = ne0;
	e->t_ne[1] = ne1 == 0 ? 1 : ne1;
	e->t_init = init;
	e->t_p0 = p0;
	e->t_p1 = p1;
}

/*
 * The tensors of the model, named and shaped as llama.cpp's GGUFs
 * (ne0 is the input dimension), with the initial distributions of the
 * golden README's table.  Scales are written for any width: q and k
 * 1.5/sqrt(n_in), the other matrices 1/sqrt(n_in), norms U(0.6, 1.4).
 * The qwen2 output norm is scaled so that logits through the tied
 * N(0, 0.02^2) embedding have a standard deviation near 6, and the
 * llama output matrix so that its logits are near 7: 18.75 and 0.45
 * at width 256, as in the golden files.
 */
static size_t
mk_tensors(const struct mk_model *m, struct mk_tensor **tp)
{
	struct mk_tensor	*t;
	size_t			 n = 0, max;
	uint64_t		 e = m->m_embd, f = m->m_ff;
	uint64_t		 q = (uint64_t)m->m_head * m->m_head_dim;
	uint64_t		 kv = (uint64_t)m->m_head_kv * m->m_head_dim;
	float			 se = 1.0f / sqrtf((float)e);
	char			 name[MK_MAX_NAME];
	uint32_t		 l;

#define BLK(s)	(snprintf(name, sizeof(name), "blk.%u." s, l), name)
	max = 3 + (size_t)m->m_layer * 12;
	t = xcalloc(max, sizeof(*t));
	mk_add(t, &n, max, "token_embd.weight", e, m->m_vocab,
	    MK_INIT_NORMAL, m->m_arch == MK_ARCH_QWEN2 ? 0.02f : 1.0f, 0);
	for (l = 0; l < m->m_layer; l++) {
		mk_add(t, &n, max, BLK("attn_norm.weight"), e, 0,
		    MK_INIT_UNIFORM, 0.6f, 1.4f);
		mk_add(t, &n, max, BLK("attn_q.weight"), e, q,
		    MK_INIT_NORMAL, 1.5f * se, 0);
		mk_add(t, &n, max, BLK("attn_k.weight"), e, kv,
		    MK_INIT_NORMAL, 1.5f * se, 0);
		mk_add(t, &n, max, BLK("attn_v.weight"), e, kv,
		    MK_INIT_NORMAL, se, 0);
		if (m->m_bias) {
			mk_add(t, &n, max, BLK("attn_q.bias"), q, 0,
			    MK_INIT_NORMAL, 0.5f, 0);
			mk_add(t, &n, max, BLK("attn_k.bias"), kv, 0,
			    MK_INIT_NORMAL, 0.5f, 0);
			mk_add(t, &n, max, BLK("attn_v.bias"), kv, 0,
			    MK_INIT_NORMAL, 0.5f, 0);
		}
		mk_add(t, &n, max, BLK("attn_output.weight"), q, e,
		    MK_INIT_NORMAL, 1.0f / sqrtf((float)q), 0);
		mk_add(t, &n, max, BLK("ffn_norm.weight"), e, 0,
		    MK_INIT_UNIFORM, 0.6f, 1.4f);
		mk_add(t, &n, max, BLK("ffn_gate.weight"), e, f,
		    MK_INIT_NORMAL, se, 0);
		mk_add(t, &n, max, BLK("ffn_up.weight"), e, f,
		    MK_INIT_NORMAL, se, 0);
		mk_add(t, &n, max, BLK("ffn_down.weight"), f, e,
		    MK_INIT_NORMAL, 1.0f / sqrtf((float)f), 0);
	}
#undef BLK
	if (m->m_arch == MK_ARCH_QWEN2 && m->m_tied)
		mk_add(t, &n, max, "output_norm.weight", e, 0,
		    MK_INIT_UNIFORM, 0.6f * 300.0f * se, 1.4f * 300.0f * se);
	else
		mk_add(t, &n, max, "output_norm.weight", e, 0,
		    MK_INIT_UNIFORM, 0.6f, 1.4f);
	if (!m->m_tied)
		mk_add(t, &n, max, "output.weight", e, m->m_vocab,
		    MK_INIT_NORMAL, 7.2f * se, 0);
	*tp = t;
	return n;
}

/* Types, sizes and aligned offsets in the data section. */
static void
mk_layout(struct mk_tensor *t, size_t n)
{
	uint64_t	off = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		t[i].t_type = mk_pick_type(t[i].t_type, &t[i]);
		t[i].t_nbytes = mk_row_bytes(t[i].t_type, t[i].t_ne[0]) *
		    t[i].t_ne[1];
		t[i].t_offset = off;
		off += t[i].t_nbytes;
		off = (off + MK_ALIGN - 1) / MK_ALIGN * MK_ALIGN;
	}
}

static uint64_t
mk_splitmix64(uint64_t *x)
{
	uint64_t	z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Each tensor has its own splitmix64 stream, started from the seed
 * and an FNV-1a hash of its name, so a tensor's values depend only on
 * the seed, its name and its shape: not on the order of writing, nor
 * on the other tensors.
 */
static void
mk_rng_init(struct mk_rng *r, uint64_t seed, const char *name)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *name != '\0'; name++) {
		h ^= (u_char)*name;
		h *= 0x100000001b3ULL;
	}
	r->r_state = seed;
	r->r_state = mk_splitmix64(&r->r_state) ^ h;
	r->r_have_spare = 0;
	r->r_spare = 0.0;
}

/* Uniform in [0, 1), 53 bits. */
static double
mk_rng_uniform(struct mk_rng *r)
{
	return (double)(mk_splitmix64(&r->r_state) >> 11) * 0x1.0p-53;
}

/* Standard normal by Box-Muller, both values of each pair used. */
static double
mk_rng_normal(struct mk_rng *r)
{
	double	u1, u2, rad;

	if (r->r_have_spare) {
		r->r_have_spare = 0;
		return r->r_spare;
	}
	u1 = 1.0 - mk_rng_uniform(r);		/* (0, 1]: log is finite */
	u2 = mk_rng_uniform(r);
	rad = sqrt(-2.0 * log(u1));
	r->r_spare = rad * sin(2.0 * M_PI * u2);
	r->r_have_spare = 1;
	return rad * cos(2.0 * M_PI * u2);
}

static void
mk_put(struct mk_out *o, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, o->o_fp) != n)
		fatal("write %s", mk_tmp_path);
	o->o_off += n;
}

static void
mk_put_u8(struct mk_out *o, uint8_t v)
{
	mk_put(o, &v, 1);
}

static void
mk_put_u32(struct mk_out *o, uint32_t v)
{
	u_char	b[4];
	int	i;

	for (i = 0; i < 4; i++)
		b[i] = (u_char)(v >> (8 * i));
	mk_put(o, b, sizeof(b));
}

static void
mk_put_u64(struct mk_out *o, uint64_t v)
{
	u_char	b[8];
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (u_char)(v >> (8 * i));
	mk_put(o, b, sizeof(b));
}

static void
mk_put_f32(struct mk_out *o, float f)
{
	uint32_t	v;

	memcpy(&v, &f, sizeof(v));
	mk_put_u32(o, v);
}

static void
mk_put_strn(struct mk_out *o, const char *s, size_t n)
{
	mk_put_u64(o, n);
	mk_put(o, s, n);
}

static void
mk_put_str(struct mk_out *o, const char *s)
{
	mk_put_strn(o, s, strlen(s));
}

static void
mk_put_pad(struct mk_out *o)
{
	static const u_char	zero[MK_ALIGN];

	if (o->o_off % MK_ALIGN != 0)
		mk_put(o, zero, MK_ALIGN - o->o_off % MK_ALIGN);
}

/* A key, "prefix.key" when prefix is given, and its value type. */
static void
mk_kv_key(struct mk_out *o, const char *prefix, const char *key,
    uint32_t type)
{
	char	name[128];
	int	len;

	if (prefix != NULL)
		len = snprintf(name, sizeof(name), "%s.%s", prefix, key);
	else
		len = snprintf(name, sizeof(name), "%s", key);
	if (len < 0 || (size_t)len >= sizeof(name))
		fatalx("internal error: key %s too long", key);
	mk_put_str(o, name);
	mk_put_u32(o, type);
	o->o_nkv++;
}

static void
mk_kv_u32(struct mk_out *o, const char *prefix, const char *key,
    uint32_t v)
{
	mk_kv_key(o, prefix, key, GGUF_T_UINT32);
	mk_put_u32(o, v);
}

static void
mk_kv_f32(struct mk_out *o, const char *prefix, const char *key, float v)
{
	mk_kv_key(o, prefix, key, GGUF_T_FLOAT32);
	mk_put_f32(o, v);
}

static void
mk_kv_str(struct mk_out *o, const char *prefix, const char *key,
    const char *v)
{
	mk_kv_key(o, prefix, key, GGUF_T_STRING);
	mk_put_str(o, v);
}

static void
mk_kv_bool(struct mk_out *o, const char *key, int v)
{
	mk_kv_key(o, NULL, key, GGUF_T_BOOL);
	mk_put_u8(o, v ? 1 : 0);
}

/*
 * Generated piece i: "▁" first, then every word over the alphabet in
 * order of length, each once with the SentencePiece space mark and
 * once without.  Shorter words come first and score higher, so every
 * piece's prefixes are in the vocabulary before it, as merges need.
 */
static size_t
mk_piece(uint32_t i, char *buf, size_t len)
{
	uint64_t	w, span = 26;
	size_t		n = 0, wl = 1, k;

	if (i == 0)
		return strlcpy(buf, mk_spm_space, len);
	i--;
	if (i % 2 == 0)
		n = strlcpy(buf, mk_spm_space, len);
	for (w = i / 2; w >= span; span *= 26, wl++)
		w -= span;
	if (n + wl >= len)
		fatalx("internal error: piece %u too long", i);
	for (k = wl; k-- > 0; w /= 26)
		buf[n + k] = mk_alphabet[w % 26];
	buf[n + wl] = '\0';
	return n + wl;
}

/*
 * A SentencePiece ("llama") vocabulary: <unk>, <s>, </s>, the 256 byte
 * tokens and generated pieces up to n tokens.  Arrays are written
 * element by element; nothing is held in memory.
 */
static void
mk_vocab_synthetic(struct mk_out *o, uint32_t n)
{
	static const char	*special[3] = { "<unk>", "<s>", "</s>" };
	static const uint32_t	 stype[3] = {
		MK_TOK_UNKNOWN, MK_TOK_CONTROL, MK_TOK_CONTROL
	};
	char			 piece[MK_PIECE_BYTES];
	uint32_t		 i;
	size_t			 len;

	mk_kv_str(o, NULL, "tokenizer.ggml.model", "llama");
	mk_kv_key(o, NULL, "tokenizer.ggml.tokens", GGUF_T_ARRAY);
	mk_put_u32(o, GGUF_T_STRING);
	mk_put_u64(o, n);
	for (i = 0; i < n; i++) {
		if (i < 3)
			len = strlcpy(piece, special[i], sizeof(piece));
		else if (i < MK_MIN_VOCAB)
			len = (size_t)snprintf(piece, sizeof(piece),
			    "<0x%02X>", i - 3);
		else
			len = mk_piece(i - MK_MIN_VOCAB, piece, sizeof(piece));
		mk_put_strn(o, piece, len);
	}
	mk_kv_key(o, NULL, "tokenizer.ggml.scores", GGUF_T_ARRAY);
	mk_put_u32(o, GGUF_T_FLOAT32);
	mk_put_u64(o, n);
	for (i = 0; i < n; i++)
		mk_put_f32(o, i < MK_MIN_VOCAB ? 0.0f :
		    -(float)(i - MK_MIN_VOCAB + 1));
	mk_kv_key(o, NULL, "tokenizer.ggml.token_type", GGUF_T_ARRAY);
	mk_put_u32(o, GGUF_T_INT32);
	mk_put_u64(o, n);
	for (i = 0; i < n; i++)
		mk_put_u32(o, i < 3 ? stype[i] :
		    i < MK_MIN_VOCAB ? MK_TOK_BYTE : MK_TOK_NORMAL);
	mk_kv_u32(o, NULL, "tokenizer.ggml.unknown_token_id", 0);
	mk_kv_u32(o, NULL, "tokenizer.ggml.bos_token_id", 1);
	mk_kv_u32(o, NULL, "tokenizer.ggml.eos_token_id", 2);
	mk_kv_bool(o, "tokenizer.ggml.add_bos_token", 1);
	mk_kv_bool(o, "tokenizer.ggml.add_eos_token", 0);
}

/* Pairs the synthetic vocabulary writes, or the file's tokenizer.*. */
static uint64_t
mk_vocab_nkv(const struct mk_file *v)
{
	const struct gguf_kv	*kv;
	uint64_t		 i, n = 0;

	if (v == NULL)
		return 9;
	for (i = 0; (kv = gguf_kv_at(v->f_gguf, i)) != NULL; i++)
		if (kv->kv_key.s_len >= 10 &&
		    memcmp(kv->kv_key.s_ptr, "tokenizer.", 10) == 0)
			n++;
	return n;
}

/*
 * Copy every tokenizer.* pair verbatim: key, type and the value's
 * bytes as the reader delimited them (an array's element type and
 * count included), so types and order survive exactly.
 */
static void
mk_vocab_copy(struct mk_out *o, const struct mk_file *v)
{
	const struct gguf_kv	*kv;
	uint64_t		 i;

	for (i = 0; (kv = gguf_kv_at(v->f_gguf, i)) != NULL; i++) {
		if (kv->kv_key.s_len < 10 ||
		    memcmp(kv->kv_key.s_ptr, "tokenizer.", 10) != 0)
			continue;
		if (kv->kv_off > v->f_len || kv->kv_len > v->f_len - kv->kv_off)
			fatalx("internal error: value outside the vocab file");
		mk_put_strn(o, kv->kv_key.s_ptr, kv->kv_key.s_len);
		mk_put_u32(o, kv->kv_type);
		mk_put(o, v->f_map + kv->kv_off, (size_t)kv->kv_len);
		o->o_nkv++;
	}
}

static uint64_t
mk_meta_nkv(const struct mk_model *m, const struct mk_file *v)
{
	uint64_t	n = 3 + 9;

	if (m->m_type != GGUF_TYPE_F32 && m->m_type != GGUF_TYPE_F16 &&
	    m->m_type != GGUF_TYPE_BF16)
		n++;
	if (m->m_head_dim_key)
		n += 2;
	return n + mk_vocab_nkv(v);
}

static void
mk_write_meta(struct mk_out *o, const struct mk_model *m,
    const struct mk_file *v)
{
	const char	*a = mk_arch_name(m->m_arch);

	mk_kv_str(o, NULL, "general.architecture", a);
	mk_kv_str(o, NULL, "general.name", m->m_name);
	mk_kv_u32(o, NULL, "general.file_type",
	    mk_typeinfo(m->m_type)->ti_ftype);
	/* llama-quantize marks quantised files with the block format. */
	if (m->m_type != GGUF_TYPE_F32 && m->m_type != GGUF_TYPE_F16 &&
	    m->m_type != GGUF_TYPE_BF16)
		mk_kv_u32(o, NULL, "general.quantization_version", 2);
	mk_kv_u32(o, a, "context_length", m->m_ctx);
	mk_kv_u32(o, a, "embedding_length", m->m_embd);
	mk_kv_u32(o, a, "feed_forward_length", m->m_ff);
	mk_kv_u32(o, a, "block_count", m->m_layer);
	mk_kv_u32(o, a, "attention.head_count", m->m_head);
	mk_kv_u32(o, a, "attention.head_count_kv", m->m_head_kv);
	if (m->m_head_dim_key) {
		mk_kv_u32(o, a, "attention.key_length", m->m_head_dim);
		mk_kv_u32(o, a, "attention.value_length", m->m_head_dim);
	}
	mk_kv_f32(o, a, "rope.freq_base", m->m_rope_base);
	mk_kv_u32(o, a, "rope.dimension_count", m->m_head_dim);
	mk_kv_f32(o, a, "attention.layer_norm_rms_epsilon", m->m_eps);
	if (v != NULL)
		mk_vocab_copy(o, v);
	else
		mk_vocab_synthetic(o, m->m_vocab);
}

/* n values in the tensor's type: floats little-endian, else quantised. */
static void
mk_write_row(struct mk_out *o, uint32_t type, const float *src, u_char *dst,
    uint64_t n)
{
	uint64_t	i;
	uint32_t	v;
	uint16_t	h;
	int		r;

	switch (type) {
	case GGUF_TYPE_F32:
		for (i = 0; i < n; i++) {
			memcpy(&v, &src[i], sizeof(v));
			dst[4 * i] = (u_char)v;
			dst[4 * i + 1] = (u_char)(v >> 8);
			dst[4 * i + 2] = (u_char)(v >> 16);
			dst[4 * i + 3] = (u_char)(v >> 24);
		}
		break;
	case GGUF_TYPE_F16:
	case GGUF_TYPE_BF16:
		for (i = 0; i < n; i++) {
			h = type == GGUF_TYPE_F16 ? quant_f32_to_f16(src[i]) :
			    quant_f32_to_bf16(src[i]);
			dst[2 * i] = (u_char)h;
			dst[2 * i + 1] = (u_char)(h >> 8);
		}
		break;
	default:
		if ((r = quant_quantize_row(type, src, dst, (size_t)n)) != 0)
			fatalx("quantising %llu values to %s: %s",
			    (unsigned long long)n, gguf_type_name(type),
			    pwr_err(r));
		if (quant_row_bytes(type, (size_t)n) != mk_row_bytes(type, n))
			fatalx("internal error: %s row sizes disagree",
			    gguf_type_name(type));
		break;
	}
	mk_put(o, dst, (size_t)mk_row_bytes(type, n));
}

static void
mk_write_tensor(struct mk_out *o, const struct mk_model *m,
    const struct mk_tensor *t, float *row, u_char *qrow)
{
	struct mk_rng	rng;
	uint64_t	r, i;

	mk_rng_init(&rng, m->m_seed, t->t_name);
	for (r = 0; r < t->t_ne[1]; r++) {
		for (i = 0; i < t->t_ne[0]; i++) {
			if (t->t_init == MK_INIT_NORMAL)
				row[i] = (float)(mk_rng_normal(&rng) * t->t_p0);
			else
				row[i] = (float)(t->t_p0 +
				    mk_rng_uniform(&rng) * (t->t_p1 - t->t_p0));
		}
		mk_write_row(o, t->t_type, row, qrow, t->t_ne[0]);
	}
	mk_put_pad(o);
}

/*
 * Header, metadata, tensor infos, then the data tensor by tensor, into
 * a temporary file beside the output, renamed over it once complete.
 */
static void
mk_write(const char *path, const struct mk_model *m, const struct mk_file *v)
{
	struct mk_out		 o;
	struct mk_tensor	*t;
	size_t			 n, i;
	uint64_t		 nkv, data, maxrow = 0;
	float			*row;
	u_char			*qrow;
	mode_t			 mask;
	int			 fd;

	n = mk_tensors(m, &t);
	for (i = 0; i < n; i++) {
		t[i].t_type = m->m_type == MK_TYPE_Q4_K_M ?
		    mk_mix_q4_k_m(m, &t[i]) : m->m_type;
		if (t[i].t_ne[0] > maxrow)
			maxrow = t[i].t_ne[0];
	}
	mk_layout(t, n);
	row = xcalloc((size_t)maxrow, sizeof(*row));
	qrow = xcalloc((size_t)maxrow, sizeof(float));

	if (xasprintf(&mk_tmp_path, "%s.XXXXXX", path) == -1)
		fatalx("asprintf");
	if ((fd = mkstemp(mk_tmp_path)) == -1)
		fatal("mkstemp %s", mk_tmp_path);
	mask = umask(0);
	(void)umask(mask);
	if (fchmod(fd, 0666 & ~mask) == -1)
		fatal("fchmod %s", mk_tmp_path);
	memset(&o, 0, sizeof(o));
	if ((o.o_fp = fdopen(fd, "w")) == NULL)
		fatal("fdopen %s", mk_tmp_path);
	(void)setvbuf(o.o_fp, NULL, _IOFBF, MK_WRITE_BUF_BYTES);

	nkv = mk_meta_nkv(m, v);
	mk_put(&o, "GGUF", 4);
	mk_put_u32(&o, 3);
	mk_put_u64(&o, n);
	mk_put_u64(&o, nkv);
	mk_write_meta(&o, m, v);
	if (o.o_nkv != nkv)
		fatalx("internal error: %llu pairs written, %llu counted",
		    (unsigned long long)o.o_nkv, (unsigned long long)nkv);
	for (i = 0; i < n; i++) {
		mk_put_str(&o, t[i].t_name);
		mk_put_u32(&o, t[i].t_ndims);
		mk_put_u64(&o, t[i].t_ne[0]);
		if (t[i].t_ndims == 2)
			mk_put_u64(&o, t[i].t_ne[1]);
		mk_put_u32(&o, t[i].t_type);
		mk_put_u64(&o, t[i].t_offset);
	}
	mk_put_pad(&o);
	data = o.o_off;
	for (i = 0; i < n; i++) {
		if (o.o_off != data + t[i].t_offset)
			fatalx("internal error: %s at %llu, not %llu",
			    t[i].t_name, (unsigned long long)o.o_off,
			    (unsigned long long)(data + t[i].t_offset));
		mk_write_tensor(&o, m, &t[i], row, qrow);
	}

	if (fflush(o.o_fp) != 0 || fsync(fileno(o.o_fp)) == -1)
		fatal("write %s", mk_tmp_path);
	if (fclose(o.o_fp) != 0)
		fatal("close %s", mk_tmp_path);
	if (rename(mk_tmp_path, path) == -1)
		fatal("rename %s to %s", mk_tmp_path, path);
	free(mk_tmp_path);
	mk_tmp_path = NULL;
	free(row);
	free(qrow);
	free(t);
}

/*
 * Map a GGUF ourselves and read it with gguf_open_mem(), so the raw
 * bytes of a value the reader has bounded can be copied or hashed.
 */
static void
mk_file_open(const char *path, struct mk_file *f)
{
	struct stat	 st;
	char		 err[256];
	void		*p;
	int		 fd, r;

	memset(f, 0, sizeof(*f));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		fatal("open %s", path);
	if (fstat(fd, &st) == -1)
		fatal("fstat %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > SIZE_MAX)
		fatalx("%s: not a GGUF file", path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		fatal("mmap %s", path);
	close(fd);
	f->f_map = p;
	f->f_len = (size_t)st.st_size;
	err[0] = '\0';
	if ((r = gguf_open_mem(f->f_map, f->f_len, &f->f_gguf, err,
	    sizeof(err))) != 0)
		fatalx("%s: %s", path, err[0] != '\0' ? err : pwr_err(r));
}

static void
mk_file_close(struct mk_file *f)
{
	gguf_close(f->f_gguf);
	if (f->f_map != NULL)
		munmap((void *)f->f_map, f->f_len);
	memset(f, 0, sizeof(*f));
}

/* Tokens in the file's vocabulary, 0 if it has none. */
static uint32_t
mk_vocab_count(const struct mk_file *f, const char *path)
{
	uint32_t	etype;
	uint64_t	n;

	if (gguf_get_arr(f->f_gguf, "tokenizer.ggml.tokens", &etype, &n) != 0)
		return 0;
	if (etype != GGUF_T_STRING || n == 0 || n > MK_MAX_VOCAB)
		fatalx("%s: tokenizer.ggml.tokens is not 1 to %d strings",
		    path, MK_MAX_VOCAB);
	return (uint32_t)n;
}

/* "<arch>.key" as a u32; 0 when optional and missing. */
static uint32_t
mk_get_u32(const struct mk_file *f, const char *path, const char *arch,
    const char *key, int need)
{
	char		name[128];
	uint32_t	v;
	int		r;

	(void)snprintf(name, sizeof(name), "%s.%s", arch, key);
	if ((r = gguf_get_u32(f->f_gguf, name, &v)) == 0 && v > 0)
		return v;
	if (r == PWR_ERR_NOT_FOUND && !need)
		return 0;
	fatalx("%s: %s: %s", path, name, r == 0 ? "zero" : pwr_err(r));
}

static void
mk_model_from_file(const struct mk_file *f, const char *path,
    struct mk_model *m)
{
	const struct gguf_tensor	*te;
	const char			*arch;

	memset(m, 0, sizeof(*m));
	arch = gguf_architecture(f->f_gguf);
	if (strcmp(arch, "llama") == 0)
		mk_arch_defaults(m, MK_ARCH_LLAMA);
	else if (strcmp(arch, "qwen2") == 0)
		mk_arch_defaults(m, MK_ARCH_QWEN2);
	else
		fatalx("%s: architecture %s is neither llama nor qwen2",
		    path, arch);
	m->m_embd = mk_get_u32(f, path, arch, "embedding_length", 1);
	m->m_ff = mk_get_u32(f, path, arch, "feed_forward_length", 1);
	m->m_layer = mk_get_u32(f, path, arch, "block_count", 1);
	m->m_head = mk_get_u32(f, path, arch, "attention.head_count", 1);
	m->m_head_kv = mk_get_u32(f, path, arch, "attention.head_count_kv",
	    0);
	if (m->m_head_kv == 0)
		m->m_head_kv = m->m_head;
	m->m_head_dim = mk_get_u32(f, path, arch, "attention.key_length", 0);
	if (m->m_head_dim == 0)
		m->m_head_dim = m->m_embd / m->m_head;
	if (m->m_layer > MK_MAX_LAYER)
		fatalx("%s: %u layers", path, m->m_layer);
	/* The embedding has the rows; a vocabulary may be shorter. */
	if ((te = gguf_find_tensor(f->f_gguf, "token_embd.weight")) == NULL)
		fatalx("%s: no token_embd.weight", path);
	if (te->t_ndims != 2 || te->t_ne[1] > MK_MAX_VOCAB)
		fatalx("%s: token_embd.weight is not 2-D", path);
	m->m_vocab = (uint32_t)te->t_ne[1];
	/* Untied checkpoints of either arch carry output.weight. */
	m->m_tied = gguf_find_tensor(f->f_gguf, "output.weight") == NULL;
}

/* FNV-1a over every tokenizer.* key, type and value, in file order. */
static uint64_t
mk_tokenizer_hash(const struct mk_file *f)
{
	const struct gguf_kv	*kv;
	const u_char		*p;
	uint64_t		 i, j, h = 0xcbf29ce484222325ULL;

	for (i = 0; (kv = gguf_kv_at(f->f_gguf, i)) != NULL; i++) {
		if (kv->kv_key.s_len < 10 ||
		    memcmp(kv->kv_key.s_ptr, "tokenizer.", 10) != 0)
			continue;
		p = (const u_char *)kv->kv_key.s_ptr;
		for (j = 0; j < kv->kv_key.s_len; j++)
			h = (h ^ p[j]) * 0x100000001b3ULL;
		h = (h ^ kv->kv_type) * 0x100000001b3ULL;
		p = f->f_map + kv->kv_off;
		for (j = 0; j < kv->kv_len; j++)
			h = (h ^ p[j]) * 0x100000001b3ULL;
	}
	return h;
}

/* Printable ASCII as is, anything else as \xNN, at most 64 bytes. */
static void
mk_print_str(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && i < 64; i++) {
		if (s[i] >= ' ' && s[i] < 0x7f && s[i] != '\\')
			putchar(s[i]);
		else
			printf("\\x%02x", (u_char)s[i]);
	}
	if (len > 64)
		printf("...");
}

/* "meta key value" for scalars and strings, the shape for arrays. */
static void
mk_print_meta(const struct mk_file *f)
{
	const struct gguf_kv	*kv;
	struct gguf_str		 str;
	char			*key;
	uint64_t		 i, u;
	float			 fl;
	int			 b;

	for (i = 0; (kv = gguf_kv_at(f->f_gguf, i)) != NULL; i++) {
		if (gguf_strdup(&kv->kv_key, &key) != 0)
			fatalx("key %llu: no memory", (unsigned long long)i);
		printf("meta %s ", key);
		if (kv->kv_type == GGUF_T_ARRAY)
			printf("[%s x %llu]", gguf_vtype_name(kv->kv_arrtype),
			    (unsigned long long)kv->kv_arrlen);
		else if (kv->kv_type == GGUF_T_STRING &&
		    gguf_get_str(f->f_gguf, key, &str) == 0)
			mk_print_str(str.s_ptr, str.s_len);
		else if ((kv->kv_type == GGUF_T_FLOAT32 ||
		    kv->kv_type == GGUF_T_FLOAT64) &&
		    gguf_get_f32(f->f_gguf, key, &fl) == 0)
			printf("%g", (double)fl);
		else if (kv->kv_type == GGUF_T_BOOL &&
		    gguf_get_bool(f->f_gguf, key, &b) == 0)
			printf("%s", b ? "true" : "false");
		else if (gguf_get_u64(f->f_gguf, key, &u) == 0)
			printf("%llu", (unsigned long long)u);
		else
			printf("(%s)", gguf_vtype_name(kv->kv_type));
		printf("\n");
		free(key);
	}
}

/*
 * One expected tensor: present, shaped as the metadata says, 1-D ones
 * F32, and its first row dequantising to finite numbers when the
 * engine knows the type.  Counts the type in types[].
 */
static int
mk_check_tensor(const struct mk_file *f, const char *path,
    const struct mk_tensor *want, uint64_t *types)
{
	const struct gguf_tensor	*t;
	const char			*tn;
	float				*row;
	uint64_t			 i;
	int				 ok = 1;

	if ((t = gguf_find_tensor(f->f_gguf, want->t_name)) == NULL) {
		fprintf(stderr, "%s: %s missing\n", path, want->t_name);
		return 0;
	}
	tn = gguf_type_name(t->t_type);
	printf("tensor %s %s %llu", want->t_name, tn != NULL ? tn : "?",
	    (unsigned long long)t->t_ne[0]);
	if (t->t_ndims == 2)
		printf("x%llu", (unsigned long long)t->t_ne[1]);
	printf("\n");
	if (t->t_ndims != want->t_ndims || t->t_ne[0] != want->t_ne[0] ||
	    t->t_ne[1] != want->t_ne[1]) {
		fprintf(stderr, "%s: %s is %llux%llu, want %llux%llu\n", path,
		    want->t_name, (unsigned long long)t->t_ne[0],
		    (unsigned long long)t->t_ne[1],
		    (unsigned long long)want->t_ne[0],
		    (unsigned long long)want->t_ne[1]);
		return 0;
	}
	if (t->t_ndims == 1 && t->t_type != GGUF_TYPE_F32) {
		fprintf(stderr, "%s: %s is %s, not F32\n", path, want->t_name,
		    tn != NULL ? tn : "?");
		ok = 0;
	}
	if (t->t_type < 64)
		types[t->t_type]++;
	if (!quant_supported(t->t_type) ||
	    !quant_row_ok(t->t_type, (size_t)t->t_ne[0]))
		return ok;
	row = xcalloc((size_t)t->t_ne[0], sizeof(*row));
	quant_dequant_row(t->t_type, t->t_data, row, (size_t)t->t_ne[0]);
	for (i = 0; i < t->t_ne[0]; i++)
		if (!isfinite(row[i]))
			break;
	if (i < t->t_ne[0]) {
		fprintf(stderr, "%s: %s: value %llu of row 0 is %g\n", path,
		    want->t_name, (unsigned long long)i, (double)row[i]);
		ok = 0;
	}
	free(row);
	return ok;
}

/*
 * --check: the file opens, holds exactly the tensors its metadata
 * implies, and a summary for the tests goes to stdout.  0 if so.
 */
static int
mk_check(const char *path)
{
	struct mk_file		 f;
	struct mk_model		 m;
	struct mk_tensor	*t;
	uint64_t		 types[64];
	uint32_t		 ftype = 0;
	size_t			 n, i;
	int			 ok = 1;

	mk_file_open(path, &f);
	mk_model_from_file(&f, path, &m);
	(void)gguf_get_u32(f.f_gguf, "general.file_type", &ftype);
	printf("arch %s\n", mk_arch_name(m.m_arch));
	printf("version %u\n", gguf_version(f.f_gguf));
	printf("alignment %zu\n", gguf_alignment(f.f_gguf));
	printf("kv %llu\n", (unsigned long long)gguf_n_kv(f.f_gguf));
	printf("tensors %llu\n", (unsigned long long)gguf_n_tensors(f.f_gguf));
	printf("file_type %u\n", ftype);
	printf("shape embd %u ff %u layers %u heads %u kv_heads %u "
	    "head_dim %u vocab %u\n", m.m_embd, m.m_ff, m.m_layer, m.m_head,
	    m.m_head_kv, m.m_head_dim, m.m_vocab);
	printf("tokens %u\n", mk_vocab_count(&f, path));
	printf("tokenizer_hash %016llx\n",
	    (unsigned long long)mk_tokenizer_hash(&f));
	mk_print_meta(&f);

	memset(types, 0, sizeof(types));
	n = mk_tensors(&m, &t);
	for (i = 0; i < n; i++)
		if (!mk_check_tensor(&f, path, &t[i], types))
			ok = 0;
	if (gguf_n_tensors(f.f_gguf) != n) {
		fprintf(stderr, "%s: %llu tensors, want %zu\n", path,
		    (unsigned long long)gguf_n_tensors(f.f_gguf), n);
		ok = 0;
	}
	printf("types");
	for (i = 0; i < 64; i++)
		if (types[i] > 0)
			printf(" %s=%llu", gguf_type_name((uint32_t)i),
			    (unsigned long long)types[i]);
	printf("\n%s\n", ok ? "ok" : "bad");
	free(t);
	mk_file_close(&f);
	return ok ? 0 : 1;
}

/* Options into m: a preset first, then -a, then explicit shapes. */
static void
mk_parse(int argc, char **argv, struct mk_model *m, const char **outp,
    const char **vocabp, const char **checkp)
{
	static const struct option	 longopts[] = {
		{ "check", required_argument, NULL, 'C' },
		{ "vocab", required_argument, NULL, 'V' },
		{ "vocab-size", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct mk_preset		*p = &mk_presets[0];
	const struct mk_typeinfo	*ti;
	const char			*arch = NULL;
	uint32_t			 embd = 0, ff = 0, layer = 0;
	uint32_t			 head = 0, head_kv = 0, hd = 0;
	uint32_t			 ctx = 0, vocab = 0;
	size_t				 i;
	int				 ch;

	memset(m, 0, sizeof(*m));
	m->m_type = GGUF_TYPE_F32;
	*outp = *vocabp = *checkp = NULL;
	while ((ch = getopt_long(argc, argv, "a:c:D:e:f:H:hK:l:o:p:s:t:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			arch = optarg;
			if (strcmp(arch, "llama") != 0 &&
			    strcmp(arch, "qwen2") != 0)
				fatalx("-a %s: not llama or qwen2", arch);
			break;
		case 'c':
			ctx = mk_num("-c", optarg, 1, MK_MAX_CTX);
			break;
		case 'C':
			*checkp = optarg;
			break;
		case 'D':
			hd = mk_num("-D", optarg, 2, MK_MAX_EMBD);
			break;
		case 'e':
			embd = mk_num("-e", optarg, 1, MK_MAX_EMBD);
			break;
		case 'f':
			ff = mk_num("-f", optarg, 1, MK_MAX_FF);
			break;
		case 'H':
			head = mk_num("-H", optarg, 1, MK_MAX_HEAD);
			break;
		case 'K':
			head_kv = mk_num("-K", optarg, 1, MK_MAX_HEAD);
			break;
		case 'l':
			layer = mk_num("-l", optarg, 1, MK_MAX_LAYER);
			break;
		case 'N':
			vocab = mk_num("--vocab-size", optarg, MK_MIN_VOCAB,
			    MK_MAX_VOCAB);
			break;
		case 'o':
			*outp = optarg;
			break;
		case 'V':
			*vocabp = optarg;
			break;
		case 'p':
			for (i = 0; i < sizeof(mk_presets) /
			    sizeof(mk_presets[0]); i++)
				if (strcmp(mk_presets[i].p_name, optarg) == 0)
					break;
			if (i == sizeof(mk_presets) / sizeof(mk_presets[0]))
				fatalx("-p %s: not tiny, qwen2.5-0.5b or "
				    "tinyllama-1.1b", optarg);
			p = &mk_presets[i];
			break;
		case 's':
			m->m_seed = (uint64_t)mk_num("-s", optarg, 0,
			    LLONG_MAX);
			break;
		case 't':
			if ((ti = mk_type_by_name(optarg)) == NULL)
				fatalx("-t %s: unknown type", optarg);
			m->m_type = ti->ti_type;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (*checkp != NULL && *outp != NULL))
		usage();
	if (*checkp != NULL)
		return;
	if (*outp == NULL)
		fatalx("no output file: use -o");
	if (*vocabp != NULL && vocab != 0)
		fatalx("--vocab and --vocab-size: the file sets the size");

	mk_arch_defaults(m, p->p_arch);
	if (arch != NULL)
		mk_arch_defaults(m, strcmp(arch, "qwen2") == 0 ?
		    MK_ARCH_QWEN2 : MK_ARCH_LLAMA);
	m->m_embd = embd != 0 ? embd : p->p_embd;
	m->m_ff = ff != 0 ? ff : p->p_ff;
	m->m_layer = layer != 0 ? layer : p->p_layer;
	m->m_head = head != 0 ? head : p->p_head;
	m->m_head_kv = head_kv != 0 ? head_kv : p->p_head_kv;
	m->m_ctx = ctx != 0 ? ctx : p->p_ctx;
	m->m_vocab = vocab != 0 ? vocab : p->p_vocab;
	(void)snprintf(m->m_name, sizeof(m->m_name), "power-mkmodel %s %s",
	    p->p_name, mk_arch_name(m->m_arch));
	if (hd != 0) {
		m->m_head_dim = hd;
		m->m_head_dim_key = 1;
	} else if (m->m_embd % m->m_head != 0)
		fatalx("n_embd %u is not a multiple of n_head %u: give -D",
		    m->m_embd, m->m_head);
	else
		m->m_head_dim = m->m_embd / m->m_head;
	if (m->m_head_kv > m->m_head || m->m_head % m->m_head_kv != 0)
		fatalx("n_head %u is not a multiple of n_head_kv %u",
		    m->m_head, m->m_head_kv);
	if (m->m_head_dim % 2 != 0)
		fatalx("head_dim %u is odd: RoPE rotates pairs",
		    m->m_head_dim);
	if ((uint64_t)m->m_head * m->m_head_dim > MK_MAX_EMBD)
		fatalx("n_head * head_dim is over %d", MK_MAX_EMBD);
}

int
main(int argc, char **argv)
{
	struct mk_model	 m;
	struct mk_file	 vf, *v = NULL;
	const char	*out, *vocab, *check;
	uint32_t	 n;

	log_init(1, LOG_LEVEL_ERROR, 0);
	log_procinit("power-mkmodel");
	log_setfatalhook(mk_cleanup);
	mk_parse(argc, argv, &m, &out, &vocab, &check);
	if (check != NULL)
		return mk_check(check);

	if (vocab != NULL) {
		mk_file_open(vocab, &vf);
		v = &vf;
		if ((n = mk_vocab_count(v, vocab)) == 0)
			fatalx("%s: no tokenizer.ggml.tokens", vocab);
		m.m_vocab = n;
	}
	mk_write(out, &m, v);
	if (v != NULL)
		mk_file_close(v);
	return 0;
}
