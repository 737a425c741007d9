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

#include "err.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/quant.h"

/*
 * The KV cache: for each layer, n_ctx rows of K and of V, kv_dim values
 * each (all KV heads of one position side by side).  FP16 by default;
 * F32 for the exactness tests, where F16 rounding moves logits by ~0.02.
 */

struct kv_cache {
	uint32_t	 kv_type;
	uint32_t	 kv_n_layer;
	uint32_t	 kv_n_ctx;
	uint32_t	 kv_dim;
	size_t		 kv_elt;	/* bytes per value */
	size_t		 kv_layer_bytes; /* one of K or V for one layer */
	u_char		*kv_k;
	u_char		*kv_v;
};

static const u_char	*kv_row(const u_char *, const struct kv_cache *,
			    uint32_t, uint32_t);

size_t
kv_bytes_per_pos(uint32_t n_layer, uint32_t kv_dim, uint32_t type)
{
	size_t	elt = type == GGUF_TYPE_F32 ? 4 : 2;

	return 2 * (size_t)n_layer * kv_dim * elt;
}

int
kv_new(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, uint32_t type,
    struct kv_cache **kvp)
{
	struct kv_cache	*kv;
	size_t		 elt, per_layer;

	*kvp = NULL;
	if (type != GGUF_TYPE_F16 && type != GGUF_TYPE_F32)
		return PWR_ERR_INVALID_FORMAT;
	if (n_layer == 0 || n_ctx == 0 || kv_dim == 0)
		return PWR_ERR_RANGE;
	elt = type == GGUF_TYPE_F32 ? 4 : 2;
	if (n_ctx > SIZE_MAX / kv_dim / elt)
		return PWR_ERR_RANGE;
	per_layer = (size_t)n_ctx * kv_dim * elt;
	if (per_layer > SIZE_MAX / n_layer)
		return PWR_ERR_RANGE;
	if ((kv = calloc(1, sizeof(*kv))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	kv->kv_type = type;
	kv->kv_n_layer = n_layer;
	kv->kv_n_ctx = n_ctx;
	kv->kv_dim = kv_dim;
	kv->kv_elt = elt;
	kv->kv_layer_bytes = per_layer;
	kv->kv_k = calloc(n_layer, per_layer);
	kv->kv_v = calloc(n_layer, per_layer);
	if (kv->kv_k == NULL || kv->kv_v == NULL) {
		kv_free(kv);
		return PWR_ERR_ALLOC_FAIL;
	}
	*kvp = kv;
	return 0;
}

void
kv_free(struct kv_cache *kv)
{
	if (kv == NULL)
		return;
	/* The cache holds what the prompt became: wipe it. */
	if (kv->kv_k != NULL)
		freezero(kv->kv_k, kv->kv_n_layer * kv->kv_layer_bytes);
	if (kv->kv_v != NULL)
		freezero(kv->kv_v, kv->kv_n_layer * kv->kv_layer_bytes);
	free(kv);
}

static const u_char *
kv_row(const u_char *base, const struct kv_cache *kv, uint32_t layer,
    uint32_t pos)
{
	return base + layer * kv->kv_layer_bytes +
	    (size_t)pos * kv->kv_dim * kv->kv_elt;
}

void
kv_store(struct kv_cache *kv, uint32_t layer, uint32_t pos, const float *k,
    const float *v)
{
	uint16_t	*hk, *hv;
	uint32_t	 i;

	hk = (uint16_t *)kv_row(kv->kv_k, kv, layer, pos);
	hv = (uint16_t *)kv_row(kv->kv_v, kv, layer, pos);
	if (kv->kv_type == GGUF_TYPE_F32) {
		memcpy(hk, k, kv->kv_dim * sizeof(float));
		memcpy(hv, v, kv->kv_dim * sizeof(float));
		return;
	}
	for (i = 0; i < kv->kv_dim; i++) {
		hk[i] = quant_f32_to_f16(k[i]);
		hv[i] = quant_f32_to_f16(v[i]);
	}
}

const void *
kv_keys(const struct kv_cache *kv, uint32_t layer, size_t *rowbytes)
{
	*rowbytes = kv->kv_dim * kv->kv_elt;
	return kv_row(kv->kv_k, kv, layer, 0);
}

const void *
kv_values(const struct kv_cache *kv, uint32_t layer, size_t *rowbytes)
{
	*rowbytes = kv->kv_dim * kv->kv_elt;
	return kv_row(kv->kv_v, kv, layer, 0);
}

uint32_t
kv_type(const struct kv_cache *kv)
{
	return kv->kv_type;
}
