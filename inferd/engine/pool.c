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
#include <sys/syscall.h>

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "engine/pool.h"

/*
 * A job is published by bumping p_gen; workers that saw the old value
 * spin on it for a while (a token's matmuls follow each other within
 * microseconds) and then sleep on it with FUTEX_WAIT.  The caller does
 * its own share and waits the same way for p_pending to reach zero.
 * Sleepers announce themselves before their last look, and wakers look
 * after publishing, both sequentially consistent: one of the two sees
 * the other, so no wake-up is lost and no futex call is made while
 * everybody spins.  Spinners yield the CPU now and then: when there are
 * fewer free CPUs than threads (another busy process, a small VM), the
 * thread being waited for may be queued behind the spinner on the same
 * CPU, and without the yield every job would cost a scheduler slice.
 */

#define POOL_SPIN	(1 << 15)
#define POOL_YIELD	(1 << 10)	/* spins between two sched_yield */

struct pool_worker {
	struct pool	*w_pool;
	pthread_t	 w_thread;
	int		 w_ith;
	int		 w_started;
};

struct pool {
	int			 p_n;
	struct pool_worker	*p_workers;
	pool_fn			 p_fn;
	void			*p_arg;
	int			 p_stop;
	_Atomic uint32_t	 p_gen;
	_Atomic uint32_t	 p_pending;
	_Atomic uint32_t	 p_sleepers;
	_Atomic uint32_t	 p_waiting;	/* the caller sleeps */
};

static void	*pool_main(void *);
static void	 pool_wait_change(_Atomic uint32_t *, uint32_t,
		    _Atomic uint32_t *);
static void	 pool_wake(_Atomic uint32_t *, int);

static void
pool_relax(int i)
{
	if (i % POOL_YIELD == POOL_YIELD - 1) {
		(void)sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Return once *word != old: spin, then sleep (counted in *sleepers). */
static void
pool_wait_change(_Atomic uint32_t *word, uint32_t old,
    _Atomic uint32_t *sleepers)
{
	int	i;

	for (i = 0; i < POOL_SPIN; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) != old)
			return;
		pool_relax(i);
	}
	atomic_fetch_add(sleepers, 1);
	while (atomic_load(word) == old)
		(void)syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, old, NULL,
		    NULL, 0);
	atomic_fetch_sub(sleepers, 1);
}

static void
pool_wake(_Atomic uint32_t *word, int n)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static void *
pool_main(void *v)
{
	struct pool_worker	*w = v;
	struct pool		*p = w->w_pool;
	uint32_t		 seen = 0;

	for (;;) {
		pool_wait_change(&p->p_gen, seen, &p->p_sleepers);
		seen = atomic_load(&p->p_gen);
		if (p->p_stop)
			break;
		p->p_fn(p->p_arg, w->w_ith, p->p_n);
		if (atomic_fetch_sub(&p->p_pending, 1) == 1 &&
		    atomic_load(&p->p_waiting) != 0)
			pool_wake(&p->p_pending, 1);
	}
	return NULL;
}

int
pool_new(int n, struct pool **pp)
{
	struct pool	*p;
	int		 i;

	*pp = NULL;
	if (n < 1 || n > POOL_MAX_THREADS)
		return PWR_ERR_RANGE;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	p->p_n = n;
	if ((p->p_workers = calloc(n, sizeof(*p->p_workers))) == NULL) {
		free(p);
		return PWR_ERR_ALLOC_FAIL;
	}
	for (i = 1; i < n; i++) {
		p->p_workers[i].w_pool = p;
		p->p_workers[i].w_ith = i;
		if (pthread_create(&p->p_workers[i].w_thread, NULL,
		    pool_main, &p->p_workers[i]) != 0) {
			pool_free(p);
			return PWR_ERR_ALLOC_FAIL;
		}
		p->p_workers[i].w_started = 1;
	}
	*pp = p;
	return 0;
}

void
pool_free(struct pool *p)
{
	int	i;

	if (p == NULL)
		return;
	p->p_stop = 1;
	atomic_fetch_add(&p->p_gen, 1);
	pool_wake(&p->p_gen, INT_MAX);
	for (i = 1; i < p->p_n; i++)
		if (p->p_workers[i].w_started)
			(void)pthread_join(p->p_workers[i].w_thread, NULL);
	free(p->p_workers);
	free(p);
}

int
pool_threads(const struct pool *p)
{
	return p == NULL ? 1 : p->p_n;
}

void
pool_run(struct pool *p, pool_fn fn, void *arg)
{
	uint32_t	left;
	int		i;

	if (p == NULL || p->p_n == 1) {
		fn(arg, 0, 1);
		return;
	}
	p->p_fn = fn;
	p->p_arg = arg;
	atomic_store(&p->p_pending, (uint32_t)(p->p_n - 1));
	atomic_fetch_add(&p->p_gen, 1);
	if (atomic_load(&p->p_sleepers) != 0)
		pool_wake(&p->p_gen, INT_MAX);
	fn(arg, 0, p->p_n);
	for (i = 0; i < POOL_SPIN; i++) {
		if (atomic_load_explicit(&p->p_pending,
		    memory_order_acquire) == 0)
			return;
		pool_relax(i);
	}
	atomic_store(&p->p_waiting, 1);
	while ((left = atomic_load(&p->p_pending)) != 0)
		(void)syscall(SYS_futex, &p->p_pending, FUTEX_WAIT_PRIVATE,
		    left, NULL, NULL, 0);
	atomic_store(&p->p_waiting, 0);
}

void
pool_split(size_t n, size_t align, int ith, int nth, size_t *r0, size_t *r1)
{
	size_t	units, per, extra, a, b;

	if (align == 0)
		align = 1;
	units = (n + align - 1) / align;
	per = units / (size_t)nth;
	extra = units % (size_t)nth;
	a = (size_t)ith * per + ((size_t)ith < extra ? (size_t)ith : extra);
	b = a + per + ((size_t)ith < extra ? 1 : 0);
	a *= align;
	b *= align;
	*r0 = a < n ? a : n;
	*r1 = b < n ? b : n;
}
