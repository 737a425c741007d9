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

#include <endian.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "engine/gguf.h"

/*
 * The GGUF reader: a file is mapped read-only and walked through a
 * bounded buffer view.  Nothing is trusted until checked: each length is
 * compared with what remains before it is consumed, each product is
 * checked for overflow, and every tensor must lie aligned inside the
 * data section without overlapping another.
 */

struct gguf {
	const u_char		*g_map;
	size_t			 g_size;
	int			 g_mapped;	/* we munmap it */
	uint32_t		 g_version;
	uint64_t		 g_nkv;
	uint64_t		 g_ntensors;
	struct gguf_kv		*g_kv;
	struct gguf_tensor	*g_tensors;
	size_t			 g_align;
	uint64_t		 g_dataoff;
	char			 g_arch[64];
};

/* ggml tensor types: elements per block and bytes per block. */
static const struct {
	uint32_t	 id;
	const char	*name;
	uint32_t	 blck;
	uint32_t	 bytes;
} gguf_types[] = {
	{ 0, "F32", 1, 4 },	{ 1, "F16", 1, 2 },
	{ 2, "Q4_0", 32, 18 },	{ 3, "Q4_1", 32, 20 },
	{ 6, "Q5_0", 32, 22 },	{ 7, "Q5_1", 32, 24 },
	{ 8, "Q8_0", 32, 34 },	{ 9, "Q8_1", 32, 36 },
	{ 10, "Q2_K", 256, 84 },	{ 11, "Q3_K", 256, 110 },
	{ 12, "Q4_K", 256, 144 },	{ 13, "Q5_K", 256, 176 },
	{ 14, "Q6_K", 256, 210 },	{ 15, "Q8_K", 256, 292 },
	{ 30, "BF16", 1, 2 },
};

/* Bytes of a scalar metadata value; 0 for strings and arrays. */
static const uint8_t gguf_vsize[GGUF_T__MAX] = {
	1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8
};

static int	gguf_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	gguf_get_str(struct buf *, size_t, struct gguf_str *);
static int	gguf_skip_value(struct buf *, uint32_t, int);
static int	gguf_parse(struct gguf *, char *, size_t);
static int	gguf_parse_kv(struct gguf *, struct buf *, char *, size_t);
static int	gguf_parse_tensors(struct gguf *, struct buf *, char *,
		    size_t);
static int	gguf_check_layout(struct gguf *, char *, size_t);
static void	gguf_printable(const struct gguf_str *, char *, size_t);
static int	gguf_cmp_name(const void *, const void *);
static int	gguf_cmp_key(const void *, const void *);
static int	gguf_cmp_offset(const void *, const void *);

static int
gguf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return PWR_ERR_INVALID_FORMAT;
}

/* A string for messages: printable ASCII, cut to fit. */
static void
gguf_printable(const struct gguf_str *s, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; i < s->s_len && i + 1 < outlen; i++)
		out[i] = (s->s_ptr[i] >= 0x20 && s->s_ptr[i] < 0x7f) ?
		    s->s_ptr[i] : '?';
	out[i] = '\0';
}

const char *
gguf_type_name(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(gguf_types) / sizeof(gguf_types[0]); i++)
		if (gguf_types[i].id == type)
			return gguf_types[i].name;
	return NULL;
}

int
gguf_type_size(uint32_t type, uint32_t *blck, uint32_t *bytes)
{
	size_t	i;

	for (i = 0; i < sizeof(gguf_types) / sizeof(gguf_types[0]); i++)
		if (gguf_types[i].id == type) {
			*blck = gguf_types[i].blck;
			*bytes = gguf_types[i].bytes;
			return 0;
		}
	return PWR_ERR_NOT_FOUND;
}

/* A GGUF string: u64 length, then the bytes (no NUL). */
static int
gguf_get_str(struct buf *b, size_t max, struct gguf_str *s)
{
	uint64_t	len;
	int		r;

	if ((r = buf_get_u64_le(b, &len)) != 0)
		return r;
	if (len > max)
		return PWR_ERR_STRING_TOO_LARGE;
	if (len > buf_len(b))
		return PWR_ERR_MESSAGE_INCOMPLETE;
	s->s_ptr = (const char *)buf_ptr(b);
	s->s_len = (size_t)len;
	return buf_consume(b, (size_t)len);
}

/* Consume one value of the given type; arrays nest at most depth deep. */
static int
gguf_skip_value(struct buf *b, uint32_t type, int depth)
{
	struct gguf_str	 s;
	uint32_t	 etype;
	uint64_t	 n, i;
	int		 r;

	if (type >= GGUF_T__MAX)
		return PWR_ERR_INVALID_FORMAT;
	if (type == GGUF_T_STRING)
		return gguf_get_str(b, BUF_STRING_MAX, &s);
	if (type != GGUF_T_ARRAY) {
		if (gguf_vsize[type] > buf_len(b))
			return PWR_ERR_MESSAGE_INCOMPLETE;
		return buf_consume(b, gguf_vsize[type]);
	}
	if (depth >= GGUF_MAX_DEPTH)
		return PWR_ERR_INVALID_FORMAT;
	if ((r = buf_get_u32_le(b, &etype)) != 0 ||
	    (r = buf_get_u64_le(b, &n)) != 0)
		return r;
	if (etype >= GGUF_T__MAX)
		return PWR_ERR_INVALID_FORMAT;
	if (etype != GGUF_T_STRING && etype != GGUF_T_ARRAY) {
		if (n > buf_len(b) / gguf_vsize[etype])
			return PWR_ERR_MESSAGE_INCOMPLETE;
		return buf_consume(b, (size_t)n * gguf_vsize[etype]);
	}
	/* Each string or array element takes at least 8 bytes. */
	if (n > buf_len(b) / 8)
		return PWR_ERR_MESSAGE_INCOMPLETE;
	for (i = 0; i < n; i++)
		if ((r = gguf_skip_value(b, etype, depth + 1)) != 0)
			return r;
	return 0;
}

static int
gguf_parse_kv(struct gguf *g, struct buf *b, char *err, size_t errlen)
{
	struct gguf_kv	*kv;
	const u_char	*start;
	char		 key[80];
	uint64_t	 i;
	int		 r;

	/* A pair takes at least 8 (key length) + 4 (type) + 1 bytes. */
	if (g->g_nkv > GGUF_MAX_KV || g->g_nkv > buf_len(b) / 13)
		return gguf_fail(err, errlen, "kv_count %llu: more than the "
		    "file can hold", (unsigned long long)g->g_nkv);
	g->g_kv = calloc(g->g_nkv == 0 ? 1 : (size_t)g->g_nkv, sizeof(*kv));
	if (g->g_kv == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < g->g_nkv; i++) {
		kv = &g->g_kv[i];
		if ((r = gguf_get_str(b, GGUF_MAX_KEY, &kv->kv_key)) != 0)
			return gguf_fail(err, errlen, "kv %llu: key: %s",
			    (unsigned long long)i, pwr_err(r));
		gguf_printable(&kv->kv_key, key, sizeof(key));
		if (kv->kv_key.s_len == 0)
			return gguf_fail(err, errlen, "kv %llu: empty key",
			    (unsigned long long)i);
		if ((r = buf_get_u32_le(b, &kv->kv_type)) != 0)
			return gguf_fail(err, errlen, "kv %llu (%s): type: %s",
			    (unsigned long long)i, key, pwr_err(r));
		if (kv->kv_type >= GGUF_T__MAX)
			return gguf_fail(err, errlen, "kv %llu (%s): unknown "
			    "value type %u", (unsigned long long)i, key,
			    kv->kv_type);
		start = buf_ptr(b);
		if (kv->kv_type == GGUF_T_ARRAY && buf_len(b) >= 12) {
			memcpy(&kv->kv_arrtype, start, 4);
			memcpy(&kv->kv_arrlen, start + 4, 8);
			kv->kv_arrtype = le32toh(kv->kv_arrtype);
			kv->kv_arrlen = le64toh(kv->kv_arrlen);
		}
		if ((r = gguf_skip_value(b, kv->kv_type, 0)) != 0)
			return gguf_fail(err, errlen, "kv %llu (%s): value: %s",
			    (unsigned long long)i, key, pwr_err(r));
		kv->kv_val = start;
		kv->kv_len = (size_t)(buf_ptr(b) - start);
	}
	return 0;
}

static int
gguf_parse_tensors(struct gguf *g, struct buf *b, char *err, size_t errlen)
{
	struct gguf_tensor	*t;
	uint32_t		 blck, bytes;
	uint64_t		 i, rows, nel;
	char			 name[80];
	unsigned int		 d;
	int			 r;

	/* A tensor info takes at least 8 + 4 + 8 + 4 + 8 bytes. */
	if (g->g_ntensors > GGUF_MAX_TENSORS ||
	    g->g_ntensors > buf_len(b) / 32)
		return gguf_fail(err, errlen, "tensor_count %llu: more than "
		    "the file can hold", (unsigned long long)g->g_ntensors);
	g->g_tensors = calloc(g->g_ntensors == 0 ? 1 :
	    (size_t)g->g_ntensors, sizeof(*t));
	if (g->g_tensors == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0; i < g->g_ntensors; i++) {
		t = &g->g_tensors[i];
		if ((r = gguf_get_str(b, GGUF_MAX_NAME, &t->t_name)) != 0)
			return gguf_fail(err, errlen, "tensor %llu: name: %s",
			    (unsigned long long)i, pwr_err(r));
		gguf_printable(&t->t_name, name, sizeof(name));
		if ((r = buf_get_u32_le(b, &t->t_ndims)) != 0)
			return gguf_fail(err, errlen, "tensor %llu (%s): "
			    "n_dims: %s", (unsigned long long)i, name,
			    pwr_err(r));
		if (t->t_ndims == 0 || t->t_ndims > GGUF_MAX_DIMS)
			return gguf_fail(err, errlen, "tensor %llu (%s): "
			    "n_dims %u not in 1-%d", (unsigned long long)i,
			    name, t->t_ndims, GGUF_MAX_DIMS);
		nel = 1;
		for (d = 0; d < GGUF_MAX_DIMS; d++) {
			t->t_ne[d] = 1;
			if (d >= t->t_ndims)
				continue;
			if ((r = buf_get_u64_le(b, &t->t_ne[d])) != 0)
				return gguf_fail(err, errlen, "tensor %llu "
				    "(%s): dim %u: %s", (unsigned long long)i,
				    name, d, pwr_err(r));
			if (t->t_ne[d] == 0 || t->t_ne[d] > INT64_MAX ||
			    nel > INT64_MAX / t->t_ne[d])
				return gguf_fail(err, errlen, "tensor %llu "
				    "(%s): dims overflow or are zero",
				    (unsigned long long)i, name);
			nel *= t->t_ne[d];
		}
		if ((r = buf_get_u32_le(b, &t->t_type)) != 0 ||
		    (r = buf_get_u64_le(b, &t->t_offset)) != 0)
			return gguf_fail(err, errlen, "tensor %llu (%s): type "
			    "or offset: %s", (unsigned long long)i, name,
			    pwr_err(r));
		if (gguf_type_size(t->t_type, &blck, &bytes) != 0)
			return gguf_fail(err, errlen, "tensor %llu (%s): "
			    "unknown type id %u", (unsigned long long)i, name,
			    t->t_type);
		if (t->t_ne[0] % blck != 0)
			return gguf_fail(err, errlen, "tensor %llu (%s): row "
			    "of %llu not a multiple of the %s block (%u)",
			    (unsigned long long)i, name,
			    (unsigned long long)t->t_ne[0],
			    gguf_type_name(t->t_type), blck);
		rows = nel / t->t_ne[0];
		if (t->t_ne[0] / blck > UINT64_MAX / bytes ||
		    rows > UINT64_MAX / (t->t_ne[0] / blck * bytes))
			return gguf_fail(err, errlen, "tensor %llu (%s): size "
			    "overflows", (unsigned long long)i, name);
		t->t_nbytes = t->t_ne[0] / blck * bytes * rows;
	}
	return 0;
}

static int
gguf_cmp_name(const void *a, const void *b)
{
	const struct gguf_tensor	*x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor	*y = *(const struct gguf_tensor *const *)b;
	size_t				 n;
	int				 c;

	n = x->t_name.s_len < y->t_name.s_len ? x->t_name.s_len :
	    y->t_name.s_len;
	if ((c = memcmp(x->t_name.s_ptr, y->t_name.s_ptr, n)) != 0)
		return c;
	return (x->t_name.s_len > y->t_name.s_len) -
	    (x->t_name.s_len < y->t_name.s_len);
}

static int
gguf_cmp_key(const void *a, const void *b)
{
	const struct gguf_kv	*x = *(const struct gguf_kv *const *)a;
	const struct gguf_kv	*y = *(const struct gguf_kv *const *)b;
	size_t			 n;
	int			 c;

	n = x->kv_key.s_len < y->kv_key.s_len ? x->kv_key.s_len :
	    y->kv_key.s_len;
	if ((c = memcmp(x->kv_key.s_ptr, y->kv_key.s_ptr, n)) != 0)
		return c;
	return (x->kv_key.s_len > y->kv_key.s_len) -
	    (x->kv_key.s_len < y->kv_key.s_len);
}

static int
gguf_cmp_offset(const void *a, const void *b)
{
	const struct gguf_tensor	*x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor	*y = *(const struct gguf_tensor *const *)b;

	return (x->t_offset > y->t_offset) - (x->t_offset < y->t_offset);
}

/*
 * Duplicates, alignment, and the data section: each tensor inside it,
 * aligned, and not overlapping the next one by offset.
 */
static int
gguf_check_layout(struct gguf *g, char *err, size_t errlen)
{
	const struct gguf_kv	**kvs = NULL;
	const struct gguf_tensor **ts = NULL;
	const struct gguf_tensor *t;
	uint64_t		 i, avail;
	char			 name[80];
	int			 r = 0;

	kvs = calloc(g->g_nkv + 1, sizeof(*kvs));
	ts = calloc(g->g_ntensors + 1, sizeof(*ts));
	if (kvs == NULL || ts == NULL) {
		r = PWR_ERR_ALLOC_FAIL;
		goto out;
	}
	for (i = 0; i < g->g_nkv; i++)
		kvs[i] = &g->g_kv[i];
	qsort(kvs, (size_t)g->g_nkv, sizeof(*kvs), gguf_cmp_key);
	for (i = 1; i < g->g_nkv && r == 0; i++)
		if (gguf_cmp_key(&kvs[i - 1], &kvs[i]) == 0) {
			gguf_printable(&kvs[i]->kv_key, name, sizeof(name));
			r = gguf_fail(err, errlen, "duplicate key %s", name);
		}
	for (i = 0; i < g->g_ntensors; i++)
		ts[i] = &g->g_tensors[i];
	qsort(ts, (size_t)g->g_ntensors, sizeof(*ts), gguf_cmp_name);
	for (i = 1; i < g->g_ntensors && r == 0; i++)
		if (gguf_cmp_name(&ts[i - 1], &ts[i]) == 0) {
			gguf_printable(&ts[i]->t_name, name, sizeof(name));
			r = gguf_fail(err, errlen, "duplicate tensor %s", name);
		}
	if (r != 0)
		goto out;

	avail = g->g_size - g->g_dataoff;
	qsort(ts, (size_t)g->g_ntensors, sizeof(*ts), gguf_cmp_offset);
	for (i = 0; i < g->g_ntensors && r == 0; i++) {
		t = ts[i];
		gguf_printable(&t->t_name, name, sizeof(name));
		if (t->t_offset % g->g_align != 0)
			r = gguf_fail(err, errlen, "tensor %s: data offset "
			    "%llu not aligned to %zu", name,
			    (unsigned long long)t->t_offset, g->g_align);
		else if (t->t_offset > avail ||
		    t->t_nbytes > avail - t->t_offset)
			r = gguf_fail(err, errlen, "tensor %s: data at %llu+"
			    "%llu past the end of the file (size %zu)", name,
			    (unsigned long long)t->t_offset,
			    (unsigned long long)t->t_nbytes, g->g_size);
		else if (i > 0 && ts[i - 1]->t_offset +
		    ts[i - 1]->t_nbytes > t->t_offset)
			r = gguf_fail(err, errlen, "tensor %s overlaps the "
			    "tensor before it", name);
		else
			((struct gguf_tensor *)t)->t_data = g->g_map +
			    g->g_dataoff + t->t_offset;
	}
 out:
	free(kvs);
	free(ts);
	return r;
}

static int
gguf_parse(struct gguf *g, char *err, size_t errlen)
{
	const struct gguf_kv	*kv;
	struct gguf_str		 s;
	struct buf		*b;
	uint32_t		 magic, align;
	size_t			 hdr;
	int			 r;

	if ((b = buf_view(g->g_map, g->g_size)) == NULL)
		return gguf_fail(err, errlen, "file of %zu bytes is too "
		    "small or too large", g->g_size);
	if ((r = buf_get_u32_le(b, &magic)) != 0 || magic != GGUF_MAGIC) {
		r = gguf_fail(err, errlen, "not a GGUF file (bad magic)");
		goto out;
	}
	if ((r = buf_get_u32_le(b, &g->g_version)) != 0) {
		r = gguf_fail(err, errlen, "version: truncated");
		goto out;
	}
	if (g->g_version != 2 && g->g_version != 3) {
		r = gguf_fail(err, errlen, "GGUF version %u not supported "
		    "(2 and 3 are)", g->g_version);
		goto out;
	}
	if ((r = buf_get_u64_le(b, &g->g_ntensors)) != 0 ||
	    (r = buf_get_u64_le(b, &g->g_nkv)) != 0) {
		r = gguf_fail(err, errlen, "header: truncated");
		goto out;
	}
	if ((r = gguf_parse_kv(g, b, err, errlen)) != 0 ||
	    (r = gguf_parse_tensors(g, b, err, errlen)) != 0)
		goto out;

	g->g_align = GGUF_DEFAULT_ALIGN;
	if ((kv = gguf_find_kv(g, "general.alignment")) != NULL) {
		if (gguf_kv_u32(kv, &align) != 0 || align == 0 ||
		    (align & (align - 1)) != 0) {
			r = gguf_fail(err, errlen, "general.alignment is not "
			    "a power of two (u32)");
			goto out;
		}
		g->g_align = align;
	}
	hdr = g->g_size - buf_len(b);
	if (hdr > SIZE_MAX - g->g_align) {
		r = gguf_fail(err, errlen, "header too large");
		goto out;
	}
	g->g_dataoff = (hdr + g->g_align - 1) / g->g_align * g->g_align;
	/* A file without tensors (a vocabulary) may end unpadded. */
	if (g->g_ntensors == 0 && g->g_dataoff > g->g_size)
		g->g_dataoff = g->g_size;
	if (g->g_dataoff > g->g_size) {
		r = gguf_fail(err, errlen, "data section starts at %llu, past "
		    "the end of the file (size %zu)",
		    (unsigned long long)g->g_dataoff, g->g_size);
		goto out;
	}
	if ((r = gguf_check_layout(g, err, errlen)) != 0)
		goto out;
	strlcpy(g->g_arch, "unknown", sizeof(g->g_arch));
	if ((kv = gguf_find_kv(g, "general.architecture")) != NULL &&
	    gguf_kv_str(kv, &s) == 0)
		gguf_printable(&s, g->g_arch, sizeof(g->g_arch));
 out:
	buf_free(b);
	return r;
}

int
gguf_open_mem(const void *p, size_t len, struct gguf **gp, char *err,
    size_t errlen)
{
	struct gguf	*g;
	int		 r;

	*gp = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	g->g_map = p;
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
	int		 r;

	*gp = NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		return gguf_fail(err, errlen, "not a regular file");
	if (st.st_size < 24 || (uint64_t)st.st_size > SIZE_MAX / 2)
		return gguf_fail(err, errlen, "file size %lld: not a GGUF "
		    "file", (long long)st.st_size);
	if ((p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED)
		return gguf_fail(err, errlen, "mmap failed");
	if ((r = gguf_open_mem(p, (size_t)st.st_size, gp, err, errlen)) != 0) {
		munmap(p, (size_t)st.st_size);
		return r;
	}
	(*gp)->g_mapped = 1;
	return 0;
}

void
gguf_close(struct gguf *g)
{
	if (g == NULL)
		return;
	if (g->g_mapped)
		munmap((void *)g->g_map, g->g_size);
	free(g->g_kv);
	free(g->g_tensors);
	free(g);
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

const struct gguf_kv *
gguf_kv(const struct gguf *g, uint64_t i)
{
	return i < g->g_nkv ? &g->g_kv[i] : NULL;
}

const struct gguf_kv *
gguf_find_kv(const struct gguf *g, const char *key)
{
	size_t		len = strlen(key);
	uint64_t	i;

	for (i = 0; i < g->g_nkv; i++)
		if (g->g_kv[i].kv_key.s_len == len &&
		    memcmp(g->g_kv[i].kv_key.s_ptr, key, len) == 0)
			return &g->g_kv[i];
	return NULL;
}

const struct gguf_tensor *
gguf_tensor(const struct gguf *g, uint64_t i)
{
	return i < g->g_ntensors ? &g->g_tensors[i] : NULL;
}

const struct gguf_tensor *
gguf_find_tensor(const struct gguf *g, const char *name)
{
	size_t		len = strlen(name);
	uint64_t	i;

	for (i = 0; i < g->g_ntensors; i++)
		if (g->g_tensors[i].t_name.s_len == len &&
		    memcmp(g->g_tensors[i].t_name.s_ptr, name, len) == 0)
			return &g->g_tensors[i];
	return NULL;
}

int
gguf_kv_u32(const struct gguf_kv *kv, uint32_t *v)
{
	if (kv->kv_type != GGUF_T_UINT32 || kv->kv_len != 4)
		return PWR_ERR_INVALID_FORMAT;
	memcpy(v, kv->kv_val, 4);
	*v = le32toh(*v);
	return 0;
}

/* Values were bounds-checked at open; these only re-read them. */
int
gguf_kv_str(const struct gguf_kv *kv, struct gguf_str *s)
{
	uint64_t	len;

	if (kv->kv_type != GGUF_T_STRING || kv->kv_len < 8)
		return PWR_ERR_INVALID_FORMAT;
	memcpy(&len, kv->kv_val, 8);
	len = le64toh(len);
	if (len != kv->kv_len - 8)
		return PWR_ERR_INVALID_FORMAT;
	s->s_ptr = (const char *)kv->kv_val + 8;
	s->s_len = (size_t)len;
	return 0;
}

int
gguf_kv_arr_str(const struct gguf_kv *kv, uint64_t idx, struct gguf_str *s)
{
	struct buf	*b;
	uint64_t	 i;
	int		 r;

	if (kv->kv_type != GGUF_T_ARRAY || kv->kv_arrtype != GGUF_T_STRING ||
	    idx >= kv->kv_arrlen || kv->kv_len <= 12)
		return PWR_ERR_INVALID_FORMAT;
	if ((b = buf_view(kv->kv_val + 12, kv->kv_len - 12)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	for (i = 0, r = 0; i <= idx && r == 0; i++)
		r = gguf_get_str(b, BUF_STRING_MAX, s);
	buf_free(b);
	return r;
}
