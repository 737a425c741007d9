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

#ifndef POWER_INFERD_H
#define POWER_INFERD_H

/* inferd: the sandboxed inference worker. */

#define INFER_MAX_MODELS	32	/* models one inferd holds */
#define INFER_MAX_THREADS	256	/* RLIMIT_NPROC for our uid */

struct gguf;
struct model;
struct model_ctx;

struct infer_model {
	char		*im_name;
	char		*im_path;	/* for messages only: never opened */
	char		*im_sha256;	/* expected, hex, or "" */
	struct gguf	*im_gguf;	/* NULL if refused */
	struct model	*im_model;	/* bound weights and tokenizer */
	struct model_ctx *im_ctx;	/* its context and KV cache */
	char		*im_error;	/* why it was refused */
};

/* infer-filter.c */
extern const struct sandbox_rule	infer_filter[];
extern const size_t			infer_filter_len;

/* infer-test.c */
void	infer_test_init(int parentfd);

#endif /* POWER_INFERD_H */
