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

#ifndef POWER_POOL_H
#define POWER_POOL_H

/*
 * The engine's thread pool: n - 1 workers made once, plus the calling
 * thread as number 0.  pool_run() hands every thread the same job and
 * returns when all have finished it; workers wait between jobs by
 * spinning briefly, then sleeping on a futex, so no thread is created
 * per token or per matmul.
 */

#define POOL_MAX_THREADS	64

struct pool;

/* fn(arg, ith, nth) runs on every thread, ith in [0, nth). */
typedef void	(*pool_fn)(void *arg, int ith, int nth);

int	 pool_new(int nthreads, struct pool **);
void	 pool_free(struct pool *);
int	 pool_threads(const struct pool *);
void	 pool_run(struct pool *, pool_fn, void *arg);
/* Rows [*r0, *r1) of n for thread ith of nth, in multiples of align. */
void	 pool_split(size_t n, size_t align, int ith, int nth, size_t *r0,
	    size_t *r1);

#endif /* POWER_POOL_H */
