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

#ifndef POWER_SAMPLER_H
#define POWER_SAMPLER_H

/*
 * Token sampling: logit bias, repetition/frequency/presence penalties
 * over the last penalty_last_n tokens, then greedy (temperature 0) or
 * top-k, top-p, min-p, temperature and a draw from a seeded RNG, in
 * llama.cpp's default order.  Same seed, same logits, same history:
 * same token.  Everything is allocated in sampler_new(); sampling
 * allocates nothing.
 */

#define SAMPLER_MAX_BIAS	1024	/* logit_bias entries */
#define SAMPLER_MAX_WINDOW	4096	/* penalty window, in tokens */

struct sampler_bias {
	int32_t	sb_id;
	float	sb_bias;		/* -INFINITY bans the token */
};

struct sampler_params {
	float		 sp_temp;		/* 0: greedy */
	uint32_t	 sp_top_k;		/* 0: off */
	float		 sp_top_p;		/* 1: off */
	float		 sp_min_p;		/* 0: off */
	float		 sp_repeat_penalty;	/* 1: off (llama.cpp's) */
	float		 sp_freq_penalty;	/* 0: off (OpenAI's) */
	float		 sp_presence_penalty;	/* 0: off (OpenAI's) */
	uint32_t	 sp_penalty_last_n;	/* window; 0: off */
	uint64_t	 sp_seed;
	const struct sampler_bias *sp_bias;	/* copied by sampler_new */
	size_t		 sp_nbias;
};

struct sampler;

/* Defaults: greedy, every filter off, window 64, seed 0. */
void	 sampler_defaults(struct sampler_params *);
/* NULL params mean the defaults; PWR_ERR_RANGE for a bad value. */
int	 sampler_new(const struct sampler_params *, uint32_t n_vocab,
	    struct sampler **);
void	 sampler_free(struct sampler *);
/* Forget the history and reseed: the same draws as a new sampler. */
void	 sampler_reset(struct sampler *);
/*
 * Choose a token from n_vocab logits; bias and penalties are applied to
 * logits in place.  NaN counts as -inf; if every token is -inf, 0.
 */
int32_t	 sampler_sample(struct sampler *, float *logits);
/* Record a token, prompt or generated; out-of-range ids are ignored. */
void	 sampler_accept(struct sampler *, int32_t id);

#endif /* POWER_SAMPLER_H */
