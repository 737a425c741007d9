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
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "engine/gguf.h"
#include "gguf-write.h"

/* The unit tests' in-memory GGUF writer (see gguf-write.h). */

void
tw_bytes(struct tw *w, const void *p, size_t n)
{
	if (w->w_d == NULL)
		w->w_d = calloc(1, TW_MAX_BYTES);
	CU_ASSERT_FATAL(w->w_d != NULL);
	CU_ASSERT_FATAL(n <= TW_MAX_BYTES - w->w_n);
	if (n > 0)
		memcpy(w->w_d + w->w_n, p, n);
	w->w_n += n;
}

void
tw_u8(struct tw *w, uint8_t v)
{
	tw_bytes(w, &v, 1);
}

void
tw_u32(struct tw *w, uint32_t v)
{
	u_char	b[4];
	int	i;

	for (i = 0; i < 4; i++)
		b[i] = (u_char)(v >> (8 * i));
	tw_bytes(w, b, 4);
}

void
tw_u64(struct tw *w, uint64_t v)
{
	u_char	b[8];
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (u_char)(v >> (8 * i));
	tw_bytes(w, b, 8);
}

void
tw_str(struct tw *w, const char *s)
{
	tw_u64(w, strlen(s));
	tw_bytes(w, s, strlen(s));
}

void
tw_header(struct tw *w, uint32_t version, uint64_t nt, uint64_t nkv)
{
	w->w_n = 0;
	w->w_nkv = 0;
	tw_bytes(w, "GGUF", 4);
	tw_u32(w, version);
	tw_u64(w, nt);
	tw_u64(w, nkv);
}

void
tw_key(struct tw *w, const char *key, uint32_t type)
{
	if (w->w_n == 0)
		tw_header(w, 3, 0, 0);
	tw_str(w, key);
	tw_u32(w, type);
	w->w_nkv++;
}

void
tw_set_nkv(struct tw *w)
{
	int	i;

	CU_ASSERT_FATAL(w->w_n >= GGUF_HEADER_BYTES);
	for (i = 0; i < 8; i++)
		w->w_d[16 + i] = (u_char)(w->w_nkv >> (8 * i));
}

void
tw_kv_u32(struct tw *w, const char *key, uint32_t v)
{
	tw_key(w, key, GGUF_T_UINT32);
	tw_u32(w, v);
}

void
tw_kv_str(struct tw *w, const char *key, const char *v)
{
	tw_key(w, key, GGUF_T_STRING);
	tw_str(w, v);
}

void
tw_kv_strs(struct tw *w, const char *key, const char *const *v, size_t n)
{
	size_t	i;

	tw_key(w, key, GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_STRING);
	tw_u64(w, n);
	for (i = 0; i < n; i++)
		tw_str(w, v[i]);
}

void
tw_kv_f32s(struct tw *w, const char *key, const float *v, size_t n)
{
	uint32_t	u;
	size_t		i;

	tw_key(w, key, GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_FLOAT32);
	tw_u64(w, n);
	for (i = 0; i < n; i++) {
		memcpy(&u, &v[i], sizeof(u));
		tw_u32(w, u);
	}
}

void
tw_kv_i32s(struct tw *w, const char *key, const int32_t *v, size_t n)
{
	size_t	i;

	tw_key(w, key, GGUF_T_ARRAY);
	tw_u32(w, GGUF_T_INT32);
	tw_u64(w, n);
	for (i = 0; i < n; i++)
		tw_u32(w, (uint32_t)v[i]);
}

void
tw_tensor(struct tw *w, const char *name, uint32_t nd, const uint64_t *ne,
    uint32_t type, uint64_t off)
{
	uint32_t	i;

	tw_str(w, name);
	tw_u32(w, nd);
	for (i = 0; i < nd; i++)
		tw_u64(w, ne[i]);
	tw_u32(w, type);
	tw_u64(w, off);
}

void
tw_tensor1(struct tw *w, const char *name, uint64_t n, uint32_t type,
    uint64_t off)
{
	tw_tensor(w, name, 1, &n, type, off);
}

void
tw_pad(struct tw *w, size_t align)
{
	while (w->w_n % align != 0)
		tw_u8(w, 0);
}

void
tw_zero(struct tw *w, size_t n)
{
	while (n-- > 0)
		tw_u8(w, 0);
}

void
tw_free(struct tw *w)
{
	free(w->w_d);
	memset(w, 0, sizeof(*w));
}
