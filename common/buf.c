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

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

/*
 * The bounded buffer (after OpenSSH sshbuf.c).  Readable bytes are
 * b_d[b_off .. b_size); b_size .. b_alloc is free space.  The invariants
 * are checked on entry to every function: b_off <= b_size <= b_alloc,
 * b_size - b_off <= b_max <= BUF_SIZE_MAX.  Growth goes through
 * recallocarray() and free/reset use explicit_bzero()/freezero(), so no
 * stale copy of the contents is left on the heap.  This is the only
 * file that does pointer arithmetic on peer data.
 */

#define BUF_ALLOC_INIT		256	/* first allocation, bytes */
#define BUF_ALLOC_INC		256	/* least headroom on growth, bytes */

struct buf {
	u_char		*b_d;		/* never NULL */
	size_t		 b_off;		/* first readable byte */
	size_t		 b_size;	/* end of readable bytes */
	size_t		 b_alloc;	/* bytes allocated at b_d */
	size_t		 b_max;		/* most readable bytes allowed */
	int		 b_readonly;	/* buf_from(), buf_view(): no puts */
	int		 b_borrowed;	/* buf_view(): b_d is not ours */
};

static int	buf_check(const struct buf *);
static void	buf_compact(struct buf *);
static int	buf_grow(struct buf *, size_t);
static int	buf_get_le(struct buf *, size_t, uint64_t *);
static int	buf_peek_len(const struct buf *, size_t *);

static int
buf_check(const struct buf *b)
{
	if (b == NULL || b->b_d == NULL || b->b_off > b->b_size ||
	    b->b_size > b->b_alloc ||
	    (b->b_max > BUF_SIZE_MAX && !b->b_borrowed) ||
	    b->b_size - b->b_off > b->b_max)
		return PWR_ERR_INTERNAL;
	return 0;
}

struct buf *
buf_new(size_t max)
{
	struct buf	*b;

	if (max == 0)
		max = BUF_SIZE_MAX;
	if (max > BUF_SIZE_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->b_max = max;
	b->b_alloc = max < BUF_ALLOC_INIT ? max : BUF_ALLOC_INIT;
	if ((b->b_d = calloc(1, b->b_alloc)) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

/*
 * A read-only copy of len bytes: getters and consume work, puts, reserve
 * and buf_set_max fail with PWR_ERR_INTERNAL (writing to it is a bug).
 */
struct buf *
buf_from(const void *p, size_t len)
{
	struct buf	*b;

	if ((p == NULL && len != 0) || len > BUF_SIZE_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->b_alloc = len == 0 ? 1 : len;
	if ((b->b_d = calloc(1, b->b_alloc)) == NULL) {
		free(b);
		return NULL;
	}
	if (len != 0)
		memcpy(b->b_d, p, len);
	b->b_size = b->b_max = len;
	b->b_readonly = 1;
	return b;
}

/*
 * A read-only view of memory we do not own (a mapped model file): no
 * copy, never written, never freed or wiped by us.
 */
struct buf *
buf_view(const void *p, size_t len)
{
	struct buf	*b;

	if (p == NULL || len == 0 || len > BUF_VIEW_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->b_d = (u_char *)p;
	b->b_size = b->b_max = b->b_alloc = len;
	b->b_readonly = b->b_borrowed = 1;
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->b_borrowed) {
		freezero(b, sizeof(*b));
		return;
	}
	if (b->b_d != NULL)
		freezero(b->b_d, b->b_alloc);
	freezero(b, sizeof(*b));
}

/* Wipe everything; a large allocation shrinks back to the first size. */
void
buf_reset(struct buf *b)
{
	u_char	*d;
	size_t	 init;

	if (buf_check(b) != 0)
		return;
	if (b->b_borrowed) {
		b->b_off = b->b_size = 0;
		return;
	}
	explicit_bzero(b->b_d, b->b_alloc);
	b->b_off = b->b_size = 0;
	init = b->b_max < BUF_ALLOC_INIT ? b->b_max : BUF_ALLOC_INIT;
	if (b->b_readonly || init == 0 || b->b_alloc <= init)
		return;
	if ((d = recallocarray(b->b_d, b->b_alloc, init, 1)) != NULL) {
		b->b_d = d;
		b->b_alloc = init;
	}
}

size_t
buf_len(const struct buf *b)
{
	if (buf_check(b) != 0)
		return 0;
	return b->b_size - b->b_off;
}

size_t
buf_max(const struct buf *b)
{
	if (buf_check(b) != 0)
		return 0;
	return b->b_max;
}

size_t
buf_avail(const struct buf *b)
{
	if (buf_check(b) != 0 || b->b_readonly)
		return 0;
	return b->b_max - (b->b_size - b->b_off);
}

const u_char *
buf_ptr(const struct buf *b)
{
	if (buf_check(b) != 0)
		return NULL;
	return b->b_d + b->b_off;
}

u_char *
buf_mutable_ptr(struct buf *b)
{
	if (buf_check(b) != 0 || b->b_readonly)
		return NULL;
	return b->b_d + b->b_off;
}

/* max 0 means BUF_SIZE_MAX, as for buf_new(). */
int
buf_set_max(struct buf *b, size_t max)
{
	int	 r;

	if ((r = buf_check(b)) != 0)
		return r;
	if (b->b_readonly)
		return PWR_ERR_INTERNAL;
	if (max == 0)
		max = BUF_SIZE_MAX;
	if (max > BUF_SIZE_MAX)
		return PWR_ERR_NO_BUFFER_SPACE;
	if (b->b_size - b->b_off > max)
		return PWR_ERR_NO_BUFFER_SPACE;
	b->b_max = max;
	return 0;
}

/* Move the readable bytes to the front and wipe where they were. */
static void
buf_compact(struct buf *b)
{
	size_t	 len = b->b_size - b->b_off;

	if (b->b_off == 0)
		return;
	memmove(b->b_d, b->b_d + b->b_off, len);
	explicit_bzero(b->b_d + len, b->b_off);
	b->b_off = 0;
	b->b_size = len;
}

/*
 * Make the allocation hold need bytes (need <= b_max is checked).  Small
 * buffers double; a bigger jump gets a quarter more for the next puts.
 * Both are capped at the maximum, so buf_new(n) + buf_reserve(n)
 * allocates exactly n bytes.
 */
static int
buf_grow(struct buf *b, size_t need)
{
	u_char	*d;
	size_t	 nalloc, extra;

	if (b->b_alloc <= b->b_max / 2 && need <= b->b_alloc * 2)
		nalloc = b->b_alloc * 2;
	else {
		extra = need / 4 + BUF_ALLOC_INC;
		if (extra > b->b_max - need)
			extra = b->b_max - need;
		nalloc = need + extra;
	}
	if ((d = recallocarray(b->b_d, b->b_alloc, nalloc, 1)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	b->b_d = d;
	b->b_alloc = nalloc;
	return 0;
}

/*
 * Append len writable bytes.  The test compares len against the room
 * left (max minus what is readable), so a huge len cannot wrap.  On
 * failure the readable contents are unchanged.
 */
int
buf_reserve(struct buf *b, size_t len, u_char **dpp)
{
	size_t	 used;
	int	 r;

	if (dpp != NULL)
		*dpp = NULL;
	if ((r = buf_check(b)) != 0)
		return r;
	if (b->b_readonly)
		return PWR_ERR_INTERNAL;
	used = b->b_size - b->b_off;
	if (len > b->b_max - used)
		return PWR_ERR_NO_BUFFER_SPACE;
	if (len > b->b_alloc - b->b_size) {
		buf_compact(b);
		/* used + len <= max <= BUF_SIZE_MAX: cannot wrap. */
		if (len > b->b_alloc - b->b_size &&
		    (r = buf_grow(b, used + len)) != 0)
			return r;
	}
	if (dpp != NULL)
		*dpp = b->b_d + b->b_size;
	b->b_size += len;
	return 0;
}

int
buf_consume(struct buf *b, size_t len)
{
	int	 r;

	if ((r = buf_check(b)) != 0)
		return r;
	if (len > b->b_size - b->b_off)
		return PWR_ERR_MESSAGE_INCOMPLETE;
	b->b_off += len;
	if (b->b_off == b->b_size)
		b->b_off = b->b_size = 0;
	return 0;
}

int
buf_consume_end(struct buf *b, size_t len)
{
	int	 r;

	if ((r = buf_check(b)) != 0)
		return r;
	if (len > b->b_size - b->b_off)
		return PWR_ERR_MESSAGE_INCOMPLETE;
	b->b_size -= len;
	if (b->b_off == b->b_size)
		b->b_off = b->b_size = 0;
	return 0;
}

int
buf_put(struct buf *b, const void *v, size_t len)
{
	u_char	*p;
	int	 r;

	if (v == NULL && len != 0)
		return PWR_ERR_INTERNAL;
	if ((r = buf_reserve(b, len, &p)) != 0)
		return r;
	if (len != 0)
		memcpy(p, v, len);
	return 0;
}

/* v may be b itself: the source is found again after the reserve. */
int
buf_putb(struct buf *b, const struct buf *v)
{
	u_char	*p;
	size_t	 len;
	int	 r;

	if ((r = buf_check(v)) != 0)
		return r;
	len = v->b_size - v->b_off;
	if ((r = buf_reserve(b, len, &p)) != 0)
		return r;
	if (len != 0)
		memcpy(p, v->b_d + v->b_off, len);
	return 0;
}

int
buf_putf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap, ap2;
	u_char	*p;
	int	 len, r;

	if (fmt == NULL)
		return PWR_ERR_INTERNAL;
	if ((r = buf_check(b)) != 0)
		return r;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap);
	if (len < 0) {
		r = PWR_ERR_INVALID_FORMAT;
		goto out;
	}
	/* One more for the NUL vsnprintf writes, dropped below. */
	if ((r = buf_reserve(b, (size_t)len + 1, &p)) != 0)
		goto out;
	if (vsnprintf((char *)p, (size_t)len + 1, fmt, ap2) != len) {
		buf_consume_end(b, (size_t)len + 1);
		r = PWR_ERR_INTERNAL;
		goto out;
	}
	r = buf_consume_end(b, 1);
 out:
	va_end(ap2);
	va_end(ap);
	return r;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, sizeof(v));
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	return buf_put(b, &v, sizeof(v));
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	return buf_put(b, &v, sizeof(v));
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	return buf_put(b, &v, sizeof(v));
}

int
buf_put_string(struct buf *b, const char *s)
{
	size_t	 len;

	if (s == NULL)
		return PWR_ERR_INTERNAL;
	if ((len = strlen(s)) > BUF_STRING_MAX)
		return PWR_ERR_STRING_TOO_LARGE;
	return buf_put_data(b, s, len);
}

int
buf_put_data(struct buf *b, const void *v, size_t len)
{
	uint32_t	 len32;
	u_char		*p;
	int		 r;

	if (v == NULL && len != 0)
		return PWR_ERR_INTERNAL;
	/* Checked before adding the prefix, so the sum cannot wrap. */
	if (len > BUF_SIZE_MAX)
		return PWR_ERR_NO_BUFFER_SPACE;
	if ((r = buf_reserve(b, sizeof(len32) + len, &p)) != 0)
		return r;
	len32 = (uint32_t)len;
	memcpy(p, &len32, sizeof(len32));
	if (len != 0)
		memcpy(p + sizeof(len32), v, len);
	return 0;
}

int
buf_get(struct buf *b, void *v, size_t len)
{
	int	 r;

	if ((r = buf_check(b)) != 0)
		return r;
	if (len > b->b_size - b->b_off)
		return PWR_ERR_MESSAGE_INCOMPLETE;
	if (v != NULL && len != 0)
		memcpy(v, b->b_d + b->b_off, len);
	return buf_consume(b, len);
}

int
buf_get_u8(struct buf *b, uint8_t *vp)
{
	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	return buf_get(b, vp, sizeof(*vp));
}

int
buf_get_u16(struct buf *b, uint16_t *vp)
{
	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	return buf_get(b, vp, sizeof(*vp));
}

int
buf_get_u32(struct buf *b, uint32_t *vp)
{
	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	return buf_get(b, vp, sizeof(*vp));
}

int
buf_get_u64(struct buf *b, uint64_t *vp)
{
	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	return buf_get(b, vp, sizeof(*vp));
}

/* Read an n-byte little-endian integer whatever the host order. */
static int
buf_get_le(struct buf *b, size_t n, uint64_t *vp)
{
	const u_char	*p;
	uint64_t	 v = 0;
	size_t		 i;
	int		 r;

	*vp = 0;
	if ((r = buf_check(b)) != 0)
		return r;
	if (n > b->b_size - b->b_off)
		return PWR_ERR_MESSAGE_INCOMPLETE;
	p = b->b_d + b->b_off;
	for (i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	*vp = v;
	return buf_consume(b, n);
}

int
buf_get_u16_le(struct buf *b, uint16_t *vp)
{
	uint64_t	 v;
	int		 r;

	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	if ((r = buf_get_le(b, sizeof(*vp), &v)) == 0)
		*vp = (uint16_t)v;
	return r;
}

int
buf_get_u32_le(struct buf *b, uint32_t *vp)
{
	uint64_t	 v;
	int		 r;

	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	if ((r = buf_get_le(b, sizeof(*vp), &v)) == 0)
		*vp = (uint32_t)v;
	return r;
}

int
buf_get_u64_le(struct buf *b, uint64_t *vp)
{
	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	return buf_get_le(b, sizeof(*vp), vp);
}

int
buf_peek_u32(const struct buf *b, size_t off, uint32_t *vp)
{
	size_t	 len;
	int	 r;

	if (vp == NULL)
		return PWR_ERR_INTERNAL;
	*vp = 0;
	if ((r = buf_check(b)) != 0)
		return r;
	len = b->b_size - b->b_off;
	if (off > len || sizeof(*vp) > len - off)
		return PWR_ERR_MESSAGE_INCOMPLETE;
	memcpy(vp, b->b_d + b->b_off + off, sizeof(*vp));
	return 0;
}

/* Check that a u32 length and that many bytes are there; peek only. */
static int
buf_peek_len(const struct buf *b, size_t *lenp)
{
	uint32_t	 len32;
	int		 r;

	*lenp = 0;
	if ((r = buf_peek_u32(b, 0, &len32)) != 0)
		return r;
	if (len32 > b->b_size - b->b_off - sizeof(len32))
		return PWR_ERR_MESSAGE_INCOMPLETE;
	*lenp = len32;
	return 0;
}

int
buf_get_data_direct(struct buf *b, const u_char **vp, size_t *lenp)
{
	const u_char	*p;
	size_t		 len;
	int		 r;

	if (vp != NULL)
		*vp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = buf_peek_len(b, &len)) != 0)
		return r;
	p = b->b_d + b->b_off + sizeof(uint32_t);
	if ((r = buf_consume(b, sizeof(uint32_t) + len)) != 0)
		return r;
	/* Consuming everything rewinds b_off; the bytes stay in place. */
	if (vp != NULL)
		*vp = p;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

/* An empty value is returned as a 1-byte allocation, never NULL. */
int
buf_get_data(struct buf *b, u_char **vp, size_t *lenp)
{
	const u_char	*p;
	u_char		*d;
	size_t		 len;
	int		 r;

	if (vp != NULL)
		*vp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = buf_peek_len(b, &len)) != 0)
		return r;
	p = b->b_d + b->b_off + sizeof(uint32_t);
	if (vp != NULL) {
		if ((d = malloc(len == 0 ? 1 : len)) == NULL)
			return PWR_ERR_ALLOC_FAIL;
		if (len != 0)
			memcpy(d, p, len);
		*vp = d;
	}
	if (lenp != NULL)
		*lenp = len;
	return buf_consume(b, sizeof(uint32_t) + len);
}

int
buf_get_string(struct buf *b, char **sp, size_t *lenp)
{
	const u_char	*p;
	uint32_t	 len32;
	char		*s;
	size_t		 len;
	int		 r;

	if (sp != NULL)
		*sp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = buf_peek_u32(b, 0, &len32)) != 0)
		return r;
	if (len32 > BUF_STRING_MAX)
		return PWR_ERR_STRING_TOO_LARGE;
	if ((r = buf_peek_len(b, &len)) != 0)
		return r;
	p = b->b_d + b->b_off + sizeof(uint32_t);
	if (len != 0 && memchr(p, '\0', len) != NULL)
		return PWR_ERR_STRING_HAS_NUL;
	if (sp != NULL) {
		if ((s = malloc(len + 1)) == NULL)
			return PWR_ERR_ALLOC_FAIL;
		if (len != 0)
			memcpy(s, p, len);
		s[len] = '\0';
		*sp = s;
	}
	if (lenp != NULL)
		*lenp = len;
	return buf_consume(b, sizeof(uint32_t) + len);
}
