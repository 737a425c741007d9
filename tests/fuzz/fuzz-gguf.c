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

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"

/*
 * libFuzzer target for the GGUF reader: open the input as a model, then
 * walk every key, every array element and every tensor through the
 * public getters, as the model loader and tokenizer will.  Whatever the
 * reader accepts must hold up: each string and tensor lies inside the
 * input, each key and name is found again by lookup, and each tensor is
 * aligned with the byte size its type and dims give.  A broken promise
 * aborts, so libFuzzer reports it like a crash.  A file the reader
 * accepts then goes through the model loader (hyper-parameters, shapes,
 * tokenizer) and, if that accepts it too, two tokens of forward pass in
 * a small context.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_inside(const void *, size_t);
static void	fuzz_str(const struct gguf_str *);
static void	fuzz_scalars(const struct gguf *, const char *);
static void	fuzz_array(const struct gguf *, const char *,
		    const struct gguf_kv *);
static void	fuzz_kvs(const struct gguf *);
static void	fuzz_tensor(const struct gguf *, const struct gguf_tensor *);
static void	fuzz_model(struct gguf *);

static const u_char	*fuzz_base;
static size_t		 fuzz_len;
static volatile u_char	 fuzz_sink;

/* p[0..n) is inside the input, and readable (ASan checks the reads). */
static void
fuzz_inside(const void *p, size_t n)
{
	uintptr_t	a = (uintptr_t)p, b = (uintptr_t)fuzz_base;

	if (n == 0)
		return;
	if (a < b || a - b > fuzz_len || n > fuzz_len - (a - b))
		abort();
	fuzz_sink ^= ((const u_char *)p)[0];
	fuzz_sink ^= ((const u_char *)p)[n - 1];
}

static void
fuzz_str(const struct gguf_str *s)
{
	char	*c;
	int	 r;

	if (s->s_ptr == NULL)
		abort();
	fuzz_inside(s->s_ptr, s->s_len);
	r = gguf_strdup(s, &c);
	if (r == 0) {
		if (strlen(c) != s->s_len)
			abort();
		free(c);
	} else if (r != PWR_ERR_STRING_HAS_NUL || c != NULL)
		abort();
}

static void
fuzz_scalars(const struct gguf *g, const char *key)
{
	struct gguf_str	 s;
	uint64_t	 u64;
	uint32_t	 u32;
	int32_t		 i32;
	float		 f;
	char		*c;
	int		 b;

	(void)gguf_get_u32(g, key, &u32);
	(void)gguf_get_u64(g, key, &u64);
	(void)gguf_get_i32(g, key, &i32);
	(void)gguf_get_f32(g, key, &f);
	(void)gguf_get_bool(g, key, &b);
	if (gguf_get_str(g, key, &s) == 0)
		fuzz_str(&s);
	if (gguf_get_strdup(g, key, &c) == 0)
		free(c);
}

static void
fuzz_array(const struct gguf *g, const char *key, const struct gguf_kv *kv)
{
	struct gguf_str	 s;
	const void	*p;
	uint64_t	 n, i;
	uint32_t	 et, u32;
	int32_t		 i32;
	float		 f;

	if (gguf_get_arr(g, key, &et, &n) != 0 || et != kv->kv_arrtype ||
	    n != kv->kv_arrlen)
		abort();
	if (et == GGUF_T_STRING) {
		for (i = 0; i < n; i++) {
			if (gguf_get_arr_str(g, key, i, &s) != 0)
				abort();
			fuzz_str(&s);
		}
		if (gguf_get_arr_str(g, key, n, &s) != PWR_ERR_RANGE)
			abort();
		return;
	}
	if (et == GGUF_T_ARRAY)
		return;
	if (gguf_get_arr_data(g, key, et, &p, &n) != 0 || n != kv->kv_arrlen)
		abort();
	/* The elements fit in the value after its 12-byte array header. */
	if (kv->kv_len < 12 || (n > 0 && p == NULL))
		abort();
	fuzz_inside(p, (size_t)(kv->kv_len - 12));
	for (i = 0; i < n; i++) {
		(void)gguf_get_arr_u32(g, key, i, &u32);
		(void)gguf_get_arr_i32(g, key, i, &i32);
		(void)gguf_get_arr_f32(g, key, i, &f);
	}
	if (gguf_get_arr_u32(g, key, n, &u32) != PWR_ERR_RANGE)
		abort();
}

static void
fuzz_kvs(const struct gguf *g)
{
	const struct gguf_kv	*kv;
	uint64_t		 i;
	uint32_t		 type;
	char			*key;

	for (i = 0; (kv = gguf_kv_at(g, i)) != NULL; i++) {
		if (kv->kv_key.s_len == 0 ||
		    gguf_strdup(&kv->kv_key, &key) != 0)
			abort();
		fuzz_inside(kv->kv_key.s_ptr, kv->kv_key.s_len);
		fuzz_inside(fuzz_base + kv->kv_off, (size_t)kv->kv_len);
		if (gguf_find_key(g, key, &type) != 0 || type != kv->kv_type ||
		    gguf_vtype_name(type) == NULL)
			abort();
		fuzz_scalars(g, key);
		if (type == GGUF_T_ARRAY)
			fuzz_array(g, key, kv);
		free(key);
	}
	if (i != gguf_n_kv(g))
		abort();
}

static void
fuzz_tensor(const struct gguf *g, const struct gguf_tensor *t)
{
	uint64_t	nel = 1;
	uint32_t	blck, bytes, d;
	char		*name;

	if (t->t_ndims < 1 || t->t_ndims > GGUF_MAX_DIMS)
		abort();
	for (d = 0; d < GGUF_MAX_DIMS; d++) {
		if (t->t_ne[d] == 0 || (d >= t->t_ndims && t->t_ne[d] != 1))
			abort();
		nel *= t->t_ne[d];
	}
	if (nel != t->t_nelem || gguf_type_name(t->t_type) == NULL ||
	    gguf_type_size(t->t_type, &blck, &bytes) != 0 ||
	    t->t_ne[0] % blck != 0 || t->t_nbytes != nel / blck * bytes)
		abort();
	if (t->t_offset % gguf_alignment(g) != 0 ||
	    t->t_data != fuzz_base + gguf_data_offset(g) + t->t_offset)
		abort();
	fuzz_inside(t->t_data, (size_t)t->t_nbytes);
	if (gguf_strdup(&t->t_name, &name) != 0)
		abort();
	if (gguf_find_tensor(g, name) != t)
		abort();
	free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct gguf_tensor	*t;
	struct gguf			*g;
	uint64_t			 i;
	size_t				 align;
	char				 err[256];

	err[0] = '\0';
	if (gguf_open_mem(data, len, &g, err, sizeof(err)) != 0) {
		/* Every refusal says why. */
		if (g != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	fuzz_base = data;
	fuzz_len = len;
	align = gguf_alignment(g);
	if (gguf_version(g) < 2 || gguf_version(g) > 3 || align < 8 ||
	    (align & (align - 1)) != 0 || gguf_file_size(g) != len ||
	    gguf_data_offset(g) > len || strlen(gguf_architecture(g)) == 0)
		abort();
	fuzz_kvs(g);
	for (i = 0; (t = gguf_tensor_at(g, i)) != NULL; i++)
		fuzz_tensor(g, t);
	if (i != gguf_n_tensors(g))
		abort();
	fuzz_model(g);
	gguf_close(g);
	return 0;
}

static void
fuzz_model(struct gguf *g)
{
	struct model_ctx_params	 cp;
	struct model_ctx	*ctx;
	struct model		*m;
	char			 err[256];
	int32_t			 ids[2] = { 0, 0 };

	err[0] = '\0';
	if (model_load(g, &m, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	model_ctx_defaults(&cp);
	cp.cp_n_ctx = 4;
	if (model_ctx_new(m, &cp, &ctx, err, sizeof(err)) == 0) {
		ids[1] = (int32_t)(m->m_hp.hp_n_vocab - 1);
		if (model_eval(ctx, ids, 2, NULL, err, sizeof(err)) != 0)
			abort();
		model_ctx_free(ctx);
	}
	model_free(m);
}
