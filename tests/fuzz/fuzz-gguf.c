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

#include "buf.h"
#include "err.h"
#include "engine/gguf.h"

/*
 * libFuzzer target for the GGUF reader: open the input as a model and
 * walk every key, string-array element and tensor the way inferd will.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct gguf_tensor	*t;
	const struct gguf_kv		*kv;
	struct gguf_str			 s;
	struct gguf			*g;
	volatile uint8_t		 sink = 0;
	uint64_t			 i, j;
	uint32_t			 u;
	char				 err[256];

	if (gguf_open_mem(data, len, &g, err, sizeof(err)) != 0)
		return 0;
	for (i = 0; (kv = gguf_kv(g, i)) != NULL; i++) {
		(void)gguf_kv_u32(kv, &u);
		if (gguf_kv_str(kv, &s) == 0 && s.s_len > 0)
			sink ^= (uint8_t)s.s_ptr[s.s_len - 1];
		for (j = 0; j < kv->kv_arrlen && j < 64; j++)
			if (gguf_kv_arr_str(kv, j, &s) == 0 && s.s_len > 0)
				sink ^= (uint8_t)s.s_ptr[0];
	}
	for (i = 0; (t = gguf_tensor(g, i)) != NULL; i++)
		if (t->t_nbytes > 0)
			sink ^= t->t_data[t->t_nbytes - 1];
	(void)gguf_architecture(g);
	gguf_close(g);
	(void)sink;
	return 0;
}
