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
#include <float.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "engine/gguf.h"

/*
 * The GGUF reader.  The file is mapped read-only and walked once through
 * a borrowed buf view: every length is compared with what remains before
 * it is consumed, every product is checked for overflow before it is
 * formed, and every tensor must lie aligned inside the data section
 * without overlapping another.  What the walk records (offsets of values
 * and of string-array elements, tensor extents) is all the getters use
 * afterwards, so they never re-parse untrusted bytes.
 */

/* Smallest possible entries, to bound counts by the bytes left. */
#define GGUF_KV_MIN_BYTES	14	/* u64 len, 1-byte key, u32 type, u8 */
#define GGUF_TI_MIN_BYTES	33	/* name 8 + 1, n_dims, ne0, type, off */
#define GGUF_STR_MIN_BYTES	8	/* u64 len */
#define GGUF_ARR_MIN_BYTES	12	/* u32 type, u64 count */
#define GGUF_MSG_NAME		48	/* bytes of a name quoted in errors */

/* A metadata pair and, for a string array, where each element starts. */
struct gguf_kvi {
	struct gguf_kv	 ki_kv;
	uint64_t	*ki_elem;	/* file offsets of the u64 lengths */
};

struct gguf {
	const u_char		 *g_map;
	size_t			  g_size;
	void			 *g_mapping;	/* ours to munmap, or NULL */
	uint32_t		  g_version;
	uint64_t		  g_nkv;
	uint64_t		  g_ntensors;
	struct gguf_kvi		 *g_kv;		/* file order */
	struct gguf_kvi		**g_kvsort;	/* by key */
	struct gguf_tensor	 *g_tensors;	/* file order */
	struct gguf_tensor	**g_tsort;	/* by name */
	size_t			  g_align;
	uint64_t		  g_dataoff;
	char			  g_arch[64];
};

/* State of one parse: the cursor, and what is being read for messages. */
struct gguf_parse {
	struct gguf	*p_g;
	struct buf	*p_b;
	char		*p_err;
	size_t		 p_errlen;
	char		 p_what[GGUF_MSG_NAME + 64];
};

/* Elements and bytes per block, checked against ggml's block layouts. */
static const struct {
	uint32_t	 ty_id;
	const char	*ty_name;
	uint32_t	 ty_blck;
	uint32_t	 ty_bytes;
} gguf_types[] = {
	{ GGUF_TYPE_F32, "F32", 1, 4 },
	{ GGUF_TYPE_F16, "F16", 1, 2 },
	{ GGUF_TYPE_Q4_0, "Q4_0", 32, 18 },
	{ GGUF_TYPE_Q4_1, "Q4_1", 32, 20 },
	{ GGUF_TYPE_Q5_0, "Q5_0", 32, 22 },
	{ GGUF_TYPE_Q5_1, "Q5_1", 32, 24 },
	{ GGUF_TYPE_Q8_0, "Q8_0", 32, 34 },
	{ GGUF_TYPE_Q8_1, "Q8_1", 32, 36 },
	{ GGUF_TYPE_Q2_K, "Q2_K", 256, 84 },
	{ GGUF_TYPE_Q3_K, "Q3_K", 256, 110 },
	{ GGUF_TYPE_Q4_K, "Q4_K", 256, 144 },
	{ GGUF_TYPE_Q5_K, "Q5_K", 256, 176 },
	{ GGUF_TYPE_Q6_K, "Q6_K", 256, 210 },
	{ GGUF_TYPE_Q8_K, "Q8_K", 256, 292 },
	{ GGUF_TYPE_IQ2_XXS, "IQ2_XXS", 256, 66 },
	{ GGUF_TYPE_IQ2_XS, "IQ2_XS", 256, 74 },
	{ GGUF_TYPE_IQ3_XXS, "IQ3_XXS", 256, 98 },
	{ GGUF_TYPE_IQ1_S, "IQ1_S", 256, 50 },
	{ GGUF_TYPE_IQ4_NL, "IQ4_NL", 32, 18 },
	{ GGUF_TYPE_IQ3_S, "IQ3_S", 256, 110 },
	{ GGUF_TYPE_IQ2_S, "IQ2_S", 256, 82 },
	{ GGUF_TYPE_IQ4_XS, "IQ4_XS", 256, 136 },
	{ GGUF_TYPE_I8, "I8", 1, 1 },
	{ GGUF_TYPE_I16, "I16", 1, 2 },
	{ GGUF_TYPE_I32, "I32", 1, 4 },
	{ GGUF_TYPE_I64, "I64", 1, 8 },
	{ GGUF_TYPE_F64, "F64", 1, 8 },
	{ GGUF_TYPE_IQ1_M, "IQ1_M", 256, 56 },
	{ GGUF_TYPE_BF16, "BF16", 1, 2 },
	{ GGUF_TYPE_TQ1_0, "TQ1_0", 256, 54 },
	{ GGUF_TYPE_TQ2_0, "TQ2_0", 256, 66 },
	{ GGUF_TYPE_MXFP4, "MXFP4", 32, 17 },
};

/* Names and sizes of metadata values; 0 bytes: strings and arrays. */
static const struct {
	const char	*vt_name;
	uint8_t		 vt_bytes;
} gguf_vtypes[GGUF_T__MAX] = {
	{ "uint8", 1 },		{ "int8", 1 },
	{ "uint16", 2 },	{ "int16", 2 },
	{ "uint32", 4 },	{ "int32", 4 },
	{ "float32", 4 },	{ "bool", 1 },
	{ "string", 0 },	{ "array", 0 },
	{ "uint64", 8 },	{ "int64", 8 },
	{ "float64", 8 },
};

static int	gguf_fail(struct gguf_parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	gguf_what(struct gguf_parse *, const char *, uint64_t,
		    const struct gguf_str *);
static void	gguf_printable(const struct gguf_str *, char *, size_t);
static uint64_t	gguf_pos(const struct gguf_parse *);
static int	gguf_read_u32(struct gguf_parse *, const char *, uint32_t *);
static int	gguf_read_u64(struct gguf_parse *, const char *, uint64_t *);
static int	gguf_read_str(struct gguf_parse *, const char *, size_t,
		    struct gguf_str *);
static int	gguf_read_value(struct gguf_parse *, uint32_t, int,
		    struct gguf_kvi *);
static int	gguf_read_array(struct gguf_parse *, int, struct gguf_kvi *);
static int	gguf_read_fixed(struct gguf_parse *, uint32_t, uint64_t);
static int	gguf_parse_header(struct gguf_parse *);
static int	gguf_parse_kvs(struct gguf_parse *);
static int	gguf_parse_kv(struct gguf_parse *, uint64_t);
static int	gguf_parse_alignment(struct gguf_parse *);
static int	gguf_parse_tensors(struct gguf_parse *);
static int	gguf_parse_tensor(struct gguf_parse *, uint64_t);
static int	gguf_parse_dims(struct gguf_parse *, struct gguf_tensor *);
static int	gguf_parse_size(struct gguf_parse *, struct gguf_tensor *);
static int	gguf_parse_dataoff(struct gguf_parse *);
static int	gguf_check_keys(struct gguf_parse *);
static int	gguf_check_names(struct gguf_parse *);
static int	gguf_check_extents(struct gguf_parse *);
static int	gguf_check_overlap(struct gguf_parse *);
static int	gguf_parse(struct gguf *, char *, size_t);
static int	gguf_strcmp(const struct gguf_str *, const struct gguf_str *);
static int	gguf_cmp_kv(const void *, const void *);
static int	gguf_cmp_kv_key(const void *, const void *);
static int	gguf_cmp_name(const void *, const void *);
static int	gguf_cmp_name_key(const void *, const void *);
static int	gguf_cmp_offset(const void *, const void *);
static const struct gguf_kvi *gguf_lookup(const struct gguf *, const char *);
static const u_char *gguf_at(const struct gguf *, uint64_t);
static uint64_t	gguf_le(const u_char *, size_t);
static int	gguf_int(const u_char *, uint32_t, uint64_t *, int *);
static int	gguf_get_int(const struct gguf *, const char *, uint64_t *,
		    int *);
static int	gguf_float(const u_char *, uint32_t, float *);
static int	gguf_elem(const struct gguf *, const char *, uint64_t,
		    uint32_t *, const u_char **);

/*
 * Error reporting.  Messages name what was being read ("kv 3
 * (general.name)", "tensor 12 (blk.0.attn_q.weight)") and the field.
 */

static int
gguf_fail(struct gguf_parse *p, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];
	int	 n;

	if (p->p_err == NULL || p->p_errlen == 0)
		return PWR_ERR_INVALID_FORMAT;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	if (p->p_what[0] != '\0')
		(void)snprintf(p->p_err, p->p_errlen, "%s: %s", p->p_what, msg);
	else
		(void)snprintf(p->p_err, p->p_errlen, "%s", msg);
	return PWR_ERR_INVALID_FORMAT;
}

/* A name from the file, made safe to print: ASCII only, cut with "...". */
static void
gguf_printable(const struct gguf_str *s, char *out, size_t outlen)
{
	size_t	i, max;
	u_char	c;

	if (outlen < 4) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	max = s->s_len < outlen - 1 ? s->s_len : outlen - 4;
	for (i = 0; i < max; i++) {
		c = (u_char)s->s_ptr[i];
		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (max < s->s_len) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/* Set the message prefix: "kv 3", "kv 3 (key)", "tensor 5 (name)". */
static void
gguf_what(struct gguf_parse *p, const char *kind, uint64_t i,
    const struct gguf_str *name)
{
	char	 pr[GGUF_MSG_NAME + 4];

	if (name == NULL) {
		(void)snprintf(p->p_what, sizeof(p->p_what), "%s %llu", kind,
		    (unsigned long long)i);
		return;
	}
	gguf_printable(name, pr, sizeof(pr));
	(void)snprintf(p->p_what, sizeof(p->p_what), "%s %llu (%s)", kind,
	    (unsigned long long)i, pr);
}

/*
 * The cursor.  Offsets come from what the buf has left, never from its
 * pointer, which goes back to the start once a view is used up.
 */

static uint64_t
gguf_pos(const struct gguf_parse *p)
{
	return p->p_g->g_size - buf_len(p->p_b);
}

static int
gguf_read_u32(struct gguf_parse *p, const char *field, uint32_t *v)
{
	if (buf_get_u32_le(p->p_b, v) != 0)
		return gguf_fail(p, "%s: truncated at offset %llu (file size "
		    "%zu)", field, (unsigned long long)gguf_pos(p),
		    p->p_g->g_size);
	return 0;
}

static int
gguf_read_u64(struct gguf_parse *p, const char *field, uint64_t *v)
{
	if (buf_get_u64_le(p->p_b, v) != 0)
		return gguf_fail(p, "%s: truncated at offset %llu (file size "
		    "%zu)", field, (unsigned long long)gguf_pos(p),
		    p->p_g->g_size);
	return 0;
}

/* A GGUF string: u64 length, then the bytes (no NUL). */
static int
gguf_read_str(struct gguf_parse *p, const char *field, size_t max,
    struct gguf_str *s)
{
	uint64_t	len;
	size_t		left;
	int		r;

	s->s_ptr = "";
	s->s_len = 0;
	if ((r = gguf_read_u64(p, field, &len)) != 0)
		return r;
	left = buf_len(p->p_b);
	if (len > max)
		return gguf_fail(p, "%s: length %llu over the limit of %zu",
		    field, (unsigned long long)len, max);
	if (len > left)
		return gguf_fail(p, "%s: length %llu past end of file (%zu "
		    "bytes left)", field, (unsigned long long)len, left);
	if (len == 0)
		return 0;
	s->s_ptr = (const char *)buf_ptr(p->p_b);
	s->s_len = (size_t)len;
	if (buf_consume(p->p_b, s->s_len) != 0)
		return gguf_fail(p, "%s: cannot consume", field);
	return 0;
}

/* n values of a fixed-size type; booleans must be 0 or 1. */
static int
gguf_read_fixed(struct gguf_parse *p, uint32_t type, uint64_t n)
{
	const u_char	*v;
	size_t		 size = gguf_vtypes[type].vt_bytes, left, i;

	left = buf_len(p->p_b);
	if (n > left / size)
		return gguf_fail(p, "%llu %s value(s) past end of file (%zu "
		    "bytes left)", (unsigned long long)n,
		    gguf_vtypes[type].vt_name, left);
	if (n == 0)
		return 0;
	if (type == GGUF_T_BOOL) {
		v = buf_ptr(p->p_b);
		for (i = 0; i < (size_t)n; i++)
			if (v[i] > 1)
				return gguf_fail(p, "bool value %u is neither "
				    "0 nor 1", v[i]);
	}
	if (buf_consume(p->p_b, (size_t)n * size) != 0)
		return gguf_fail(p, "cannot consume value");
	return 0;
}

/*
 * An array: u32 element type, u64 count, the elements.  Each level is
 * one deeper; a top-level string array (ki != NULL) records where each
 * element starts so that element i is found without a walk.
 */
static int
gguf_read_array(struct gguf_parse *p, int depth, struct gguf_kvi *ki)
{
	uint32_t	 etype;
	uint64_t	 n, i, min;
	size_t		 left;
	int		 r;

	if (depth >= GGUF_MAX_DEPTH)
		return gguf_fail(p, "arrays nested more than %d deep",
		    GGUF_MAX_DEPTH);
	if ((r = gguf_read_u32(p, "array type", &etype)) != 0 ||
	    (r = gguf_read_u64(p, "array length", &n)) != 0)
		return r;
	if (etype >= GGUF_T__MAX)
		return gguf_fail(p, "unknown array element type %u", etype);
	if (ki != NULL) {
		ki->ki_kv.kv_arrtype = etype;
		ki->ki_kv.kv_arrlen = n;
	}
	if (gguf_vtypes[etype].vt_bytes != 0)
		return gguf_read_fixed(p, etype, n);

	/* Strings and arrays: each element takes some bytes at least. */
	left = buf_len(p->p_b);
	min = etype == GGUF_T_STRING ? GGUF_STR_MIN_BYTES : GGUF_ARR_MIN_BYTES;
	if (n > left / min)
		return gguf_fail(p, "array of %llu %ss past end of file (%zu "
		    "bytes left)", (unsigned long long)n,
		    gguf_vtypes[etype].vt_name, left);
	if (ki != NULL && etype == GGUF_T_STRING && n > 0) {
		if (n > GGUF_MAX_STRARRAY)
			return gguf_fail(p, "array of %llu strings over the "
			    "limit of %u", (unsigned long long)n,
			    GGUF_MAX_STRARRAY);
		if ((ki->ki_elem = reallocarray(NULL, (size_t)n,
		    sizeof(*ki->ki_elem))) == NULL)
			return PWR_ERR_ALLOC_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (ki != NULL && ki->ki_elem != NULL)
			ki->ki_elem[i] = gguf_pos(p);
		if ((r = gguf_read_value(p, etype, depth + 1, NULL)) != 0)
			return r;
	}
	return 0;
}

static int
gguf_read_value(struct gguf_parse *p, uint32_t type, int depth,
    struct gguf_kvi *ki)
{
	struct gguf_str	s;

	if (type == GGUF_T_STRING)
		return gguf_read_str(p, "string", GGUF_MAX_STRING_BYTES, &s);
	if (type == GGUF_T_ARRAY)
		return gguf_read_array(p, depth, ki);
	return gguf_read_fixed(p, type, 1);
}

/*
 * The header: magic, version, counts.  Version 1 had 32-bit counts and
 * is refused by name; a byte-swapped version means a big-endian file.
 */
static int
gguf_parse_header(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	uint32_t	 magic, v;

	(void)strlcpy(p->p_what, "header", sizeof(p->p_what));
	if (buf_get_u32_le(p->p_b, &magic) != 0 || magic != GGUF_MAGIC)
		return gguf_fail(p, "bad magic: not a GGUF file");
	if (gguf_read_u32(p, "version", &v) != 0)
		return PWR_ERR_INVALID_FORMAT;
	g->g_version = v;
	if (v == 1)
		return gguf_fail(p, "GGUF version 1 (32-bit counts) is not "
		    "supported; convert the model to version 3");
	if (v == 0x02000000U || v == 0x03000000U)
		return gguf_fail(p, "big-endian GGUF files are not supported");
	if (v != 2 && v != 3)
		return gguf_fail(p, "GGUF version %u is not supported (2 and "
		    "3 are)", v);
	if (gguf_read_u64(p, "tensor_count", &g->g_ntensors) != 0 ||
	    gguf_read_u64(p, "kv_count", &g->g_nkv) != 0)
		return PWR_ERR_INVALID_FORMAT;
	return 0;
}

/* One pair: key (printable ASCII), value type, value. */
static int
gguf_parse_kv(struct gguf_parse *p, uint64_t i)
{
	struct gguf_kvi	*ki = &p->p_g->g_kv[i];
	struct gguf_kv	*kv = &ki->ki_kv;
	size_t		 j;
	u_char		 c;
	int		 r;

	gguf_what(p, "kv", i, NULL);
	if ((r = gguf_read_str(p, "key", GGUF_MAX_KEY_BYTES,
	    &kv->kv_key)) != 0)
		return r;
	if (kv->kv_key.s_len == 0)
		return gguf_fail(p, "empty key");
	for (j = 0; j < kv->kv_key.s_len; j++) {
		c = (u_char)kv->kv_key.s_ptr[j];
		if (c < 0x20 || c >= 0x7f)
			return gguf_fail(p, "key byte %zu is 0x%02x, not "
			    "printable ASCII", j, c);
	}
	gguf_what(p, "kv", i, &kv->kv_key);
	if ((r = gguf_read_u32(p, "value type", &kv->kv_type)) != 0)
		return r;
	if (kv->kv_type >= GGUF_T__MAX)
		return gguf_fail(p, "unknown value type %u", kv->kv_type);
	kv->kv_off = gguf_pos(p);
	if ((r = gguf_read_value(p, kv->kv_type, 0, ki)) != 0)
		return r;
	kv->kv_len = gguf_pos(p) - kv->kv_off;
	return 0;
}

static int
gguf_parse_kvs(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	size_t		 left = buf_len(p->p_b);
	uint64_t	 i;
	int		 r;

	if (g->g_nkv > GGUF_MAX_KV)
		return gguf_fail(p, "kv_count %llu over the limit of %u",
		    (unsigned long long)g->g_nkv, GGUF_MAX_KV);
	if (g->g_nkv > left / GGUF_KV_MIN_BYTES)
		return gguf_fail(p, "kv_count %llu: more than the %zu bytes "
		    "left can hold", (unsigned long long)g->g_nkv, left);
	if (g->g_nkv == 0)
		return 0;
	if ((g->g_kv = calloc((size_t)g->g_nkv, sizeof(*g->g_kv))) == NULL ||
	    (g->g_kvsort = calloc((size_t)g->g_nkv,
	    sizeof(*g->g_kvsort))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < g->g_nkv; i++) {
		if ((r = gguf_parse_kv(p, i)) != 0)
			return r;
		g->g_kvsort[i] = &g->g_kv[i];
	}
	return 0;
}

/* Sort the keys for lookups; two equal neighbours are a duplicate. */
static int
gguf_check_keys(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	uint64_t	 i, a, b;

	p->p_what[0] = '\0';
	if (g->g_nkv == 0)
		return 0;
	qsort(g->g_kvsort, (size_t)g->g_nkv, sizeof(*g->g_kvsort),
	    gguf_cmp_kv);
	for (i = 1; i < g->g_nkv; i++) {
		if (gguf_cmp_kv(&g->g_kvsort[i - 1], &g->g_kvsort[i]) != 0)
			continue;
		/* qsort is not stable: name the later one in the file. */
		a = (uint64_t)(g->g_kvsort[i - 1] - g->g_kv);
		b = (uint64_t)(g->g_kvsort[i] - g->g_kv);
		gguf_what(p, "kv", a > b ? a : b, &g->g_kv[a].ki_kv.kv_key);
		return gguf_fail(p, "duplicate key (also kv %llu)",
		    (unsigned long long)(a < b ? a : b));
	}
	return 0;
}

/* general.alignment: a uint32 power of two, 8 or more (the spec). */
static int
gguf_parse_alignment(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	uint32_t	 type, align;

	g->g_align = GGUF_DEFAULT_ALIGNMENT;
	if (gguf_find_key(g, "general.alignment", &type) != 0)
		return 0;
	(void)strlcpy(p->p_what, "general.alignment", sizeof(p->p_what));
	if (type != GGUF_T_UINT32)
		return gguf_fail(p, "type %s, not uint32",
		    gguf_vtype_name(type));
	if (gguf_get_u32(g, "general.alignment", &align) != 0)
		return gguf_fail(p, "unreadable");
	if (align < 8 || (align & (align - 1)) != 0)
		return gguf_fail(p, "%u is not a power of two of 8 or more",
		    align);
	g->g_align = align;
	return 0;
}

/* ne[0..n_dims): each nonzero, and their product within int64. */
static int
gguf_parse_dims(struct gguf_parse *p, struct gguf_tensor *t)
{
	uint32_t	d;
	int		r;

	if ((r = gguf_read_u32(p, "n_dims", &t->t_ndims)) != 0)
		return r;
	if (t->t_ndims == 0 || t->t_ndims > GGUF_MAX_DIMS)
		return gguf_fail(p, "n_dims %u not in 1-%d", t->t_ndims,
		    GGUF_MAX_DIMS);
	t->t_nelem = 1;
	for (d = 0; d < GGUF_MAX_DIMS; d++) {
		t->t_ne[d] = 1;
		if (d >= t->t_ndims)
			continue;
		if ((r = gguf_read_u64(p, "dimension", &t->t_ne[d])) != 0)
			return r;
		if (t->t_ne[d] == 0)
			return gguf_fail(p, "dimension %u is 0", d);
		if (t->t_ne[d] > INT64_MAX ||
		    t->t_nelem > INT64_MAX / t->t_ne[d])
			return gguf_fail(p, "dimension %u (%llu): element "
			    "count overflows", d,
			    (unsigned long long)t->t_ne[d]);
		t->t_nelem *= t->t_ne[d];
	}
	return 0;
}

/* Known type, rows made of whole blocks, byte size without overflow. */
static int
gguf_parse_size(struct gguf_parse *p, struct gguf_tensor *t)
{
	uint32_t	blck, bytes;
	uint64_t	nblocks;

	if (gguf_type_size(t->t_type, &blck, &bytes) != 0)
		return gguf_fail(p, "unknown tensor type %u", t->t_type);
	if (t->t_ne[0] % blck != 0)
		return gguf_fail(p, "ne0 %llu is not a multiple of the %s "
		    "block size %u", (unsigned long long)t->t_ne[0],
		    gguf_type_name(t->t_type), blck);
	/* ne0 is a multiple of blck, so the product is too. */
	nblocks = t->t_nelem / blck;
	if (nblocks > UINT64_MAX / bytes || nblocks * bytes > SIZE_MAX)
		return gguf_fail(p, "%llu %s blocks: byte size overflows",
		    (unsigned long long)nblocks, gguf_type_name(t->t_type));
	t->t_nbytes = nblocks * bytes;
	return 0;
}

static int
gguf_parse_tensor(struct gguf_parse *p, uint64_t i)
{
	struct gguf_tensor	*t = &p->p_g->g_tensors[i];
	int			 r;

	gguf_what(p, "tensor", i, NULL);
	if ((r = gguf_read_str(p, "name", GGUF_MAX_NAME_BYTES,
	    &t->t_name)) != 0)
		return r;
	if (t->t_name.s_len == 0)
		return gguf_fail(p, "empty name");
	gguf_what(p, "tensor", i, &t->t_name);
	if (memchr(t->t_name.s_ptr, '\0', t->t_name.s_len) != NULL)
		return gguf_fail(p, "NUL byte in the name");
	if ((r = gguf_parse_dims(p, t)) != 0 ||
	    (r = gguf_read_u32(p, "type", &t->t_type)) != 0 ||
	    (r = gguf_parse_size(p, t)) != 0 ||
	    (r = gguf_read_u64(p, "data offset", &t->t_offset)) != 0)
		return r;
	return 0;
}

static int
gguf_parse_tensors(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	size_t		 left = buf_len(p->p_b);
	uint64_t	 i;
	int		 r;

	(void)strlcpy(p->p_what, "header", sizeof(p->p_what));
	if (g->g_ntensors > GGUF_MAX_TENSORS)
		return gguf_fail(p, "tensor_count %llu over the limit of %u",
		    (unsigned long long)g->g_ntensors, GGUF_MAX_TENSORS);
	if (g->g_ntensors > left / GGUF_TI_MIN_BYTES)
		return gguf_fail(p, "tensor_count %llu: more than the %zu "
		    "bytes left can hold", (unsigned long long)g->g_ntensors,
		    left);
	if (g->g_ntensors == 0)
		return 0;
	if ((g->g_tensors = calloc((size_t)g->g_ntensors,
	    sizeof(*g->g_tensors))) == NULL ||
	    (g->g_tsort = calloc((size_t)g->g_ntensors,
	    sizeof(*g->g_tsort))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < g->g_ntensors; i++) {
		if ((r = gguf_parse_tensor(p, i)) != 0)
			return r;
		g->g_tsort[i] = &g->g_tensors[i];
	}
	return 0;
}

/*
 * The data section starts at the next multiple of the alignment after
 * the tensor infos.  A file without tensors (a vocabulary) may end
 * before that.
 */
static int
gguf_parse_dataoff(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	uint64_t	 hdr, pad;

	(void)strlcpy(p->p_what, "data section", sizeof(p->p_what));
	hdr = gguf_pos(p);
	pad = (g->g_align - hdr % g->g_align) % g->g_align;
	if (pad <= g->g_size - hdr)
		g->g_dataoff = hdr + pad;
	else if (g->g_ntensors == 0)
		g->g_dataoff = g->g_size;
	else
		return gguf_fail(p, "starts at offset %llu, past end of file "
		    "(size %zu)", (unsigned long long)(hdr + pad), g->g_size);
	return 0;
}

static int
gguf_check_names(struct gguf_parse *p)
{
	struct gguf	*g = p->p_g;
	uint64_t	 i, a, b;

	if (g->g_ntensors == 0)
		return 0;
	qsort(g->g_tsort, (size_t)g->g_ntensors, sizeof(*g->g_tsort),
	    gguf_cmp_name);
	for (i = 1; i < g->g_ntensors; i++) {
		if (gguf_cmp_name(&g->g_tsort[i - 1], &g->g_tsort[i]) != 0)
			continue;
		a = (uint64_t)(g->g_tsort[i - 1] - g->g_tensors);
		b = (uint64_t)(g->g_tsort[i] - g->g_tensors);
		gguf_what(p, "tensor", a > b ? a : b, &g->g_tensors[a].t_name);
		return gguf_fail(p, "duplicate name (also tensor %llu)",
		    (unsigned long long)(a < b ? a : b));
	}
	return 0;
}

/*
 * Each tensor aligned and inside the data section.  The comparisons
 * are against what is left, so nothing can wrap; the data pointer is
 * formed only once the extent is known to be inside the mapping.
 */
static int
gguf_check_extents(struct gguf_parse *p)
{
	struct gguf		*g = p->p_g;
	struct gguf_tensor	*t;
	uint64_t		 i, avail;

	avail = g->g_size - g->g_dataoff;
	for (i = 0; i < g->g_ntensors; i++) {
		t = &g->g_tensors[i];
		gguf_what(p, "tensor", i, &t->t_name);
		if (t->t_offset % g->g_align != 0)
			return gguf_fail(p, "data offset %llu is not a "
			    "multiple of the alignment %zu",
			    (unsigned long long)t->t_offset, g->g_align);
		if (t->t_offset >= avail)
			return gguf_fail(p, "data offset %llu past end of "
			    "file (size %zu, data section at %llu)",
			    (unsigned long long)t->t_offset, g->g_size,
			    (unsigned long long)g->g_dataoff);
		if (t->t_nbytes > avail - t->t_offset)
			return gguf_fail(p, "%llu bytes at data offset %llu "
			    "run past end of file (size %zu, data section at "
			    "%llu)", (unsigned long long)t->t_nbytes,
			    (unsigned long long)t->t_offset, g->g_size,
			    (unsigned long long)g->g_dataoff);
		t->t_data = gguf_at(g, g->g_dataoff + t->t_offset);
	}
	return 0;
}

/* Sorted by offset, each tensor must end before the next one starts. */
static int
gguf_check_overlap(struct gguf_parse *p)
{
	struct gguf		 *g = p->p_g;
	struct gguf_tensor	**ts, *a, *b;
	uint64_t		  i;
	int			  r = 0;

	if (g->g_ntensors < 2)
		return 0;
	if ((ts = reallocarray(NULL, (size_t)g->g_ntensors,
	    sizeof(*ts))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < g->g_ntensors; i++)
		ts[i] = &g->g_tensors[i];
	qsort(ts, (size_t)g->g_ntensors, sizeof(*ts), gguf_cmp_offset);
	for (i = 1; i < g->g_ntensors && r == 0; i++) {
		a = ts[i - 1];
		b = ts[i];
		/* Both extents are inside the file: the sum cannot wrap. */
		if (a->t_offset + a->t_nbytes > b->t_offset) {
			gguf_what(p, "tensor", (uint64_t)(b - g->g_tensors),
			    &b->t_name);
			r = gguf_fail(p, "data at offset %llu overlaps tensor "
			    "%llu (offset %llu, %llu bytes)",
			    (unsigned long long)b->t_offset,
			    (unsigned long long)(a - g->g_tensors),
			    (unsigned long long)a->t_offset,
			    (unsigned long long)a->t_nbytes);
		}
	}
	free(ts);
	return r;
}

static int
gguf_parse(struct gguf *g, char *err, size_t errlen)
{
	struct gguf_parse	 p;
	struct gguf_str		 s;
	int			 r;

	memset(&p, 0, sizeof(p));
	p.p_g = g;
	p.p_err = err;
	p.p_errlen = errlen;
	if (g->g_size < GGUF_HEADER_BYTES) {
		(void)strlcpy(p.p_what, "header", sizeof(p.p_what));
		return gguf_fail(&p, "file of %zu bytes is shorter than a "
		    "GGUF header (%d bytes)", g->g_size, GGUF_HEADER_BYTES);
	}
	if ((p.p_b = buf_view(g->g_map, g->g_size)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if ((r = gguf_parse_header(&p)) != 0 ||
	    (r = gguf_parse_kvs(&p)) != 0 ||
	    (r = gguf_check_keys(&p)) != 0 ||
	    (r = gguf_parse_alignment(&p)) != 0 ||
	    (r = gguf_parse_tensors(&p)) != 0 ||
	    (r = gguf_parse_dataoff(&p)) != 0 ||
	    (r = gguf_check_names(&p)) != 0 ||
	    (r = gguf_check_extents(&p)) != 0 ||
	    (r = gguf_check_overlap(&p)) != 0)
		goto out;
	(void)strlcpy(g->g_arch, "unknown", sizeof(g->g_arch));
	if (gguf_get_str(g, "general.architecture", &s) == 0 && s.s_len > 0)
		gguf_printable(&s, g->g_arch, sizeof(g->g_arch));
 out:
	if (r == PWR_ERR_ALLOC_FAIL && err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s%sout of memory", p.p_what,
		    p.p_what[0] != '\0' ? ": " : "");
	buf_free(p.p_b);
	return r;
}

int
gguf_open_mem(const void *mem, size_t len, struct gguf **gp, char *err,
    size_t errlen)
{
	struct gguf	*g;
	int		 r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (gp == NULL)
		return PWR_ERR_INTERNAL;
	*gp = NULL;
	if (mem == NULL && len != 0)
		return PWR_ERR_INTERNAL;
	if (len > BUF_VIEW_MAX) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "header: file of %zu bytes "
			    "is too large", len);
		return PWR_ERR_INVALID_FORMAT;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	g->g_map = mem;
	g->g_size = len;
	if ((r = gguf_parse(g, err, errlen)) != 0) {
		gguf_close(g);
		return r;
	}
	*gp = g;
	return 0;
}

int
gguf_open_fd(int fd, struct gguf **gp, char *err, size_t errlen)
{
	struct stat	 st;
	void		*p;
	size_t		 len;
	int		 r, saved;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (gp == NULL)
		return PWR_ERR_INTERNAL;
	*gp = NULL;
	if (fstat(fd, &st) == -1) {
		saved = errno;
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "fstat: %s",
			    strerror(saved));
		errno = saved;
		return PWR_ERR_SYSTEM_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "not a regular file");
		return PWR_ERR_INVALID_FORMAT;
	}
	if (st.st_size < GGUF_HEADER_BYTES ||
	    (uintmax_t)st.st_size > BUF_VIEW_MAX) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "header: file of %lld "
			    "bytes is %s for a GGUF file",
			    (long long)st.st_size, st.st_size <
			    GGUF_HEADER_BYTES ? "too short" : "too large");
		return PWR_ERR_INVALID_FORMAT;
	}
	len = (size_t)st.st_size;
	if ((p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED) {
		saved = errno;
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "mmap: %s",
			    strerror(saved));
		errno = saved;
		return PWR_ERR_SYSTEM_ERROR;
	}
	if ((r = gguf_open_mem(p, len, gp, err, errlen)) != 0) {
		(void)munmap(p, len);
		return r;
	}
	(*gp)->g_mapping = p;
	return 0;
}

void
gguf_close(struct gguf *g)
{
	uint64_t	i;

	if (g == NULL)
		return;
	if (g->g_mapping != NULL)
		(void)munmap(g->g_mapping, g->g_size);
	for (i = 0; g->g_kv != NULL && i < g->g_nkv; i++)
		free(g->g_kv[i].ki_elem);
	free(g->g_kv);
	free(g->g_kvsort);
	free(g->g_tensors);
	free(g->g_tsort);
	free(g);
}

int
gguf_file_mapped(const struct gguf *g)
{
	return g->g_mapping != NULL;
}

uint32_t
gguf_version(const struct gguf *g)
{
	return g->g_version;
}

uint64_t
gguf_n_kv(const struct gguf *g)
{
	return g->g_nkv;
}

uint64_t
gguf_n_tensors(const struct gguf *g)
{
	return g->g_ntensors;
}

uint64_t
gguf_file_size(const struct gguf *g)
{
	return g->g_size;
}

size_t
gguf_alignment(const struct gguf *g)
{
	return g->g_align;
}

uint64_t
gguf_data_offset(const struct gguf *g)
{
	return g->g_dataoff;
}

const char *
gguf_architecture(const struct gguf *g)
{
	return g->g_arch;
}

/* Byte order of two names (memcmp, then the shorter first). */
static int
gguf_strcmp(const struct gguf_str *a, const struct gguf_str *b)
{
	size_t	n = a->s_len < b->s_len ? a->s_len : b->s_len;
	int	c;

	if (n > 0 && (c = memcmp(a->s_ptr, b->s_ptr, n)) != 0)
		return c;
	return (a->s_len > b->s_len) - (a->s_len < b->s_len);
}

static int
gguf_cmp_kv(const void *a, const void *b)
{
	const struct gguf_kvi	*x = *(const struct gguf_kvi *const *)a;
	const struct gguf_kvi	*y = *(const struct gguf_kvi *const *)b;

	return gguf_strcmp(&x->ki_kv.kv_key, &y->ki_kv.kv_key);
}

static int
gguf_cmp_kv_key(const void *key, const void *elem)
{
	const struct gguf_kvi	*y = *(const struct gguf_kvi *const *)elem;

	return gguf_strcmp(key, &y->ki_kv.kv_key);
}

static int
gguf_cmp_name(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;

	return gguf_strcmp(&x->t_name, &y->t_name);
}

static int
gguf_cmp_name_key(const void *key, const void *elem)
{
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)elem;

	return gguf_strcmp(key, &y->t_name);
}

static int
gguf_cmp_offset(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;

	return (x->t_offset > y->t_offset) - (x->t_offset < y->t_offset);
}

static const struct gguf_kvi *
gguf_lookup(const struct gguf *g, const char *key)
{
	struct gguf_kvi *const	*kp;
	struct gguf_str		 k;

	if (g == NULL || key == NULL || g->g_nkv == 0)
		return NULL;
	k.s_ptr = key;
	k.s_len = strlen(key);
	kp = bsearch(&k, g->g_kvsort, (size_t)g->g_nkv, sizeof(*g->g_kvsort),
	    gguf_cmp_kv_key);
	return kp == NULL ? NULL : *kp;
}

/* Only for offsets the parse has checked against the file size. */
static const u_char *
gguf_at(const struct gguf *g, uint64_t off)
{
	return g->g_map + off;
}

/* An n-byte little-endian unsigned integer at p (unaligned is fine). */
static uint64_t
gguf_le(const u_char *p, size_t n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

/*
 * An integer value of any width and sign, as a magnitude: *neg set means
 * the value is (int64_t)*u, which is negative.
 */
static int
gguf_int(const u_char *p, uint32_t type, uint64_t *u, int *neg)
{
	uint64_t	v;

	*u = 0;
	*neg = 0;
	switch (type) {
	case GGUF_T_UINT8:
	case GGUF_T_UINT16:
	case GGUF_T_UINT32:
	case GGUF_T_UINT64:
		*u = gguf_le(p, gguf_vtypes[type].vt_bytes);
		return 0;
	case GGUF_T_INT8:
		v = gguf_le(p, 1);
		*u = (uint64_t)(int64_t)(int8_t)(uint8_t)v;
		break;
	case GGUF_T_INT16:
		v = gguf_le(p, 2);
		*u = (uint64_t)(int64_t)(int16_t)(uint16_t)v;
		break;
	case GGUF_T_INT32:
		v = gguf_le(p, 4);
		*u = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
		break;
	case GGUF_T_INT64:
		*u = gguf_le(p, 8);
		break;
	default:
		return PWR_ERR_INVALID_FORMAT;
	}
	*neg = (int64_t)*u < 0;
	return 0;
}

static int
gguf_float(const u_char *p, uint32_t type, float *f)
{
	uint32_t	u32;
	uint64_t	u64;
	double		d;

	*f = 0;
	if (type == GGUF_T_FLOAT32) {
		u32 = (uint32_t)gguf_le(p, 4);
		memcpy(f, &u32, sizeof(*f));
		return 0;
	}
	if (type != GGUF_T_FLOAT64)
		return PWR_ERR_INVALID_FORMAT;
	u64 = gguf_le(p, 8);
	memcpy(&d, &u64, sizeof(d));
	/* NaN and the infinities convert; finite values must fit. */
	if (d > FLT_MAX && d - d == 0)
		return PWR_ERR_RANGE;
	if (d < -FLT_MAX && d - d == 0)
		return PWR_ERR_RANGE;
	*f = (float)d;
	return 0;
}

const struct gguf_kv *
gguf_kv_at(const struct gguf *g, uint64_t i)
{
	if (g == NULL || i >= g->g_nkv)
		return NULL;
	return &g->g_kv[i].ki_kv;
}

int
gguf_find_key(const struct gguf *g, const char *key, uint32_t *type)
{
	const struct gguf_kvi	*ki;

	if (type != NULL)
		*type = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (type != NULL)
		*type = ki->ki_kv.kv_type;
	return 0;
}

int
gguf_get_str(const struct gguf *g, const char *key, struct gguf_str *s)
{
	const struct gguf_kvi	*ki;

	s->s_ptr = "";
	s->s_len = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (ki->ki_kv.kv_type != GGUF_T_STRING)
		return PWR_ERR_INVALID_FORMAT;
	/* The value is the u64 length (checked at open) and the bytes. */
	s->s_len = (size_t)(ki->ki_kv.kv_len - 8);
	if (s->s_len > 0)
		s->s_ptr = (const char *)gguf_at(g, ki->ki_kv.kv_off + 8);
	return 0;
}

int
gguf_get_strdup(const struct gguf *g, const char *key, char **sp)
{
	struct gguf_str	s;
	int		r;

	*sp = NULL;
	if ((r = gguf_get_str(g, key, &s)) != 0)
		return r;
	return gguf_strdup(&s, sp);
}

int
gguf_get_u32(const struct gguf *g, const char *key, uint32_t *v)
{
	uint64_t	u;
	int		r;

	*v = 0;
	if ((r = gguf_get_u64(g, key, &u)) != 0)
		return r;
	if (u > UINT32_MAX)
		return PWR_ERR_RANGE;
	*v = (uint32_t)u;
	return 0;
}

/* The integer value of key, whatever its integer type. */
static int
gguf_get_int(const struct gguf *g, const char *key, uint64_t *u, int *neg)
{
	const struct gguf_kvi	*ki;

	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	return gguf_int(gguf_at(g, ki->ki_kv.kv_off), ki->ki_kv.kv_type, u,
	    neg);
}

int
gguf_get_u64(const struct gguf *g, const char *key, uint64_t *v)
{
	uint64_t	u;
	int		neg, r;

	*v = 0;
	if ((r = gguf_get_int(g, key, &u, &neg)) != 0)
		return r;
	if (neg)
		return PWR_ERR_RANGE;
	*v = u;
	return 0;
}

int
gguf_get_i32(const struct gguf *g, const char *key, int32_t *v)
{
	uint64_t	u;
	int		neg, r;

	*v = 0;
	if ((r = gguf_get_int(g, key, &u, &neg)) != 0)
		return r;
	if (neg ? (int64_t)u < INT32_MIN : u > INT32_MAX)
		return PWR_ERR_RANGE;
	*v = (int32_t)(int64_t)u;
	return 0;
}

int
gguf_get_f32(const struct gguf *g, const char *key, float *v)
{
	const struct gguf_kvi	*ki;

	*v = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	return gguf_float(gguf_at(g, ki->ki_kv.kv_off), ki->ki_kv.kv_type, v);
}

int
gguf_get_bool(const struct gguf *g, const char *key, int *v)
{
	const struct gguf_kvi	*ki;

	*v = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (ki->ki_kv.kv_type != GGUF_T_BOOL)
		return PWR_ERR_INVALID_FORMAT;
	*v = *gguf_at(g, ki->ki_kv.kv_off) != 0;
	return 0;
}

int
gguf_get_arr(const struct gguf *g, const char *key, uint32_t *etype,
    uint64_t *n)
{
	const struct gguf_kvi	*ki;

	*etype = 0;
	*n = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (ki->ki_kv.kv_type != GGUF_T_ARRAY)
		return PWR_ERR_INVALID_FORMAT;
	*etype = ki->ki_kv.kv_arrtype;
	*n = ki->ki_kv.kv_arrlen;
	return 0;
}

int
gguf_get_arr_str(const struct gguf *g, const char *key, uint64_t i,
    struct gguf_str *s)
{
	const struct gguf_kvi	*ki;
	uint64_t		 off;

	s->s_ptr = "";
	s->s_len = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (ki->ki_kv.kv_type != GGUF_T_ARRAY ||
	    ki->ki_kv.kv_arrtype != GGUF_T_STRING)
		return PWR_ERR_INVALID_FORMAT;
	if (i >= ki->ki_kv.kv_arrlen)
		return PWR_ERR_RANGE;
	/* Element i's u64 length was checked against the file at open. */
	off = ki->ki_elem[i];
	s->s_len = (size_t)gguf_le(gguf_at(g, off), 8);
	if (s->s_len > 0)
		s->s_ptr = (const char *)gguf_at(g, off + 8);
	return 0;
}

/* Element i of a fixed-size array: its type and where it is. */
static int
gguf_elem(const struct gguf *g, const char *key, uint64_t i,
    uint32_t *etype, const u_char **pp)
{
	const struct gguf_kvi	*ki;
	size_t			 size;

	*etype = 0;
	*pp = NULL;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (ki->ki_kv.kv_type != GGUF_T_ARRAY ||
	    (size = gguf_vtypes[ki->ki_kv.kv_arrtype].vt_bytes) == 0)
		return PWR_ERR_INVALID_FORMAT;
	if (i >= ki->ki_kv.kv_arrlen)
		return PWR_ERR_RANGE;
	/* n * size fit in the file at open, so i * size cannot wrap. */
	*etype = ki->ki_kv.kv_arrtype;
	*pp = gguf_at(g, ki->ki_kv.kv_off + GGUF_ARR_MIN_BYTES + i * size);
	return 0;
}

int
gguf_get_arr_u32(const struct gguf *g, const char *key, uint64_t i,
    uint32_t *v)
{
	const u_char	*p;
	uint64_t	 u;
	uint32_t	 etype;
	int		 neg, r;

	*v = 0;
	if ((r = gguf_elem(g, key, i, &etype, &p)) != 0 ||
	    (r = gguf_int(p, etype, &u, &neg)) != 0)
		return r;
	if (neg || u > UINT32_MAX)
		return PWR_ERR_RANGE;
	*v = (uint32_t)u;
	return 0;
}

int
gguf_get_arr_i32(const struct gguf *g, const char *key, uint64_t i,
    int32_t *v)
{
	const u_char	*p;
	uint64_t	 u;
	uint32_t	 etype;
	int		 neg, r;

	*v = 0;
	if ((r = gguf_elem(g, key, i, &etype, &p)) != 0 ||
	    (r = gguf_int(p, etype, &u, &neg)) != 0)
		return r;
	if (neg ? (int64_t)u < INT32_MIN : u > INT32_MAX)
		return PWR_ERR_RANGE;
	*v = (int32_t)(int64_t)u;
	return 0;
}

int
gguf_get_arr_f32(const struct gguf *g, const char *key, uint64_t i,
    float *v)
{
	const u_char	*p;
	uint32_t	 etype;
	int		 r;

	*v = 0;
	if ((r = gguf_elem(g, key, i, &etype, &p)) != 0)
		return r;
	return gguf_float(p, etype, v);
}

int
gguf_get_arr_data(const struct gguf *g, const char *key, uint32_t etype,
    const void **pp, uint64_t *n)
{
	const struct gguf_kvi	*ki;

	*pp = NULL;
	*n = 0;
	if ((ki = gguf_lookup(g, key)) == NULL)
		return PWR_ERR_NOT_FOUND;
	if (ki->ki_kv.kv_type != GGUF_T_ARRAY ||
	    ki->ki_kv.kv_arrtype != etype || etype >= GGUF_T__MAX ||
	    gguf_vtypes[etype].vt_bytes == 0)
		return PWR_ERR_INVALID_FORMAT;
	*n = ki->ki_kv.kv_arrlen;
	if (*n > 0)
		*pp = gguf_at(g, ki->ki_kv.kv_off + GGUF_ARR_MIN_BYTES);
	return 0;
}

const struct gguf_tensor *
gguf_tensor_at(const struct gguf *g, uint64_t i)
{
	if (g == NULL || i >= g->g_ntensors)
		return NULL;
	return &g->g_tensors[i];
}

const struct gguf_tensor *
gguf_find_tensor(const struct gguf *g, const char *name)
{
	struct gguf_tensor *const	*tp;
	struct gguf_str			 k;

	if (g == NULL || name == NULL || g->g_ntensors == 0)
		return NULL;
	k.s_ptr = name;
	k.s_len = strlen(name);
	tp = bsearch(&k, g->g_tsort, (size_t)g->g_ntensors,
	    sizeof(*g->g_tsort), gguf_cmp_name_key);
	return tp == NULL ? NULL : *tp;
}

int
gguf_strdup(const struct gguf_str *s, char **sp)
{
	char	*d;

	*sp = NULL;
	if (s->s_len > 0 && memchr(s->s_ptr, '\0', s->s_len) != NULL)
		return PWR_ERR_STRING_HAS_NUL;
	if (s->s_len == SIZE_MAX || (d = malloc(s->s_len + 1)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if (s->s_len > 0)
		memcpy(d, s->s_ptr, s->s_len);
	d[s->s_len] = '\0';
	*sp = d;
	return 0;
}

const char *
gguf_type_name(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(gguf_types) / sizeof(gguf_types[0]); i++)
		if (gguf_types[i].ty_id == type)
			return gguf_types[i].ty_name;
	return NULL;
}

const char *
gguf_vtype_name(uint32_t type)
{
	return type < GGUF_T__MAX ? gguf_vtypes[type].vt_name : NULL;
}

int
gguf_type_size(uint32_t type, uint32_t *blck, uint32_t *bytes)
{
	size_t	i;

	*blck = *bytes = 0;
	for (i = 0; i < sizeof(gguf_types) / sizeof(gguf_types[0]); i++)
		if (gguf_types[i].ty_id == type) {
			*blck = gguf_types[i].ty_blck;
			*bytes = gguf_types[i].ty_bytes;
			return 0;
		}
	return PWR_ERR_NOT_FOUND;
}
