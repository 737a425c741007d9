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

#ifndef POWER_BUF_H
#define POWER_BUF_H

/*
 * Bounded buffer.  Every byte that comes from a peer process, a file or
 * the network is read through one of these: each buffer has a hard
 * maximum size, getters fail (and consume nothing) on short data, and
 * free/reset wipe the contents.
 */

#define BUF_SIZE_MAX		(256UL * 1024 * 1024)	/* hard ceiling, bytes */
#define BUF_STRING_MAX		(1024UL * 1024)		/* longest string, bytes */
#define BUF_VIEW_MAX		(SIZE_MAX / 2)		/* largest view, bytes */

struct buf;

struct buf	*buf_new(size_t max);		/* max 0 means BUF_SIZE_MAX */
/* Read-only copy: puts, reserve and set_max fail with PWR_ERR_INTERNAL. */
struct buf	*buf_from(const void *, size_t);
/* Borrowed read-only view (a file mapping): no copy, never written. */
struct buf	*buf_view(const void *, size_t);
void		 buf_free(struct buf *);		/* wipes; NULL is fine */
void		 buf_reset(struct buf *);		/* wipes, keeps max */
size_t		 buf_len(const struct buf *);		/* bytes readable */
size_t		 buf_max(const struct buf *);
size_t		 buf_avail(const struct buf *);	/* bytes writable */
const u_char	*buf_ptr(const struct buf *);		/* start of readable */
u_char		*buf_mutable_ptr(struct buf *);	/* NULL if read-only */
int		 buf_set_max(struct buf *, size_t);	/* 0: BUF_SIZE_MAX */

/* Make room for len more bytes; *dpp points at them. Cannot wrap. */
int	buf_reserve(struct buf *, size_t len, u_char **dpp);
int	buf_consume(struct buf *, size_t len);	/* drop from the front */
int	buf_consume_end(struct buf *, size_t len); /* drop from the end */

int	buf_put(struct buf *, const void *, size_t);
int	buf_putb(struct buf *, const struct buf *);
int	buf_putf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_put_u8(struct buf *, uint8_t);
int	buf_put_u16(struct buf *, uint16_t);	/* host byte order */
int	buf_put_u32(struct buf *, uint32_t);
int	buf_put_u64(struct buf *, uint64_t);
int	buf_put_string(struct buf *, const char *); /* u32 len + bytes */
int	buf_put_data(struct buf *, const void *, size_t); /* u32 len + bytes */

/* Getters: fail with PWR_ERR_MESSAGE_INCOMPLETE and consume nothing. */
int	buf_get(struct buf *, void *, size_t);	/* dst may be NULL: skip */
int	buf_get_u8(struct buf *, uint8_t *);
int	buf_get_u16(struct buf *, uint16_t *);	/* host byte order */
int	buf_get_u32(struct buf *, uint32_t *);
int	buf_get_u64(struct buf *, uint64_t *);
int	buf_get_u16_le(struct buf *, uint16_t *);	/* little-endian files */
int	buf_get_u32_le(struct buf *, uint32_t *);
int	buf_get_u64_le(struct buf *, uint64_t *);
/*
 * u32 length + bytes, returned NUL-terminated in a new allocation;
 * rejects an embedded NUL and lengths over BUF_STRING_MAX.
 */
int	buf_get_string(struct buf *, char **, size_t *);
/*
 * u32 length + bytes, borrowed pointer into the buffer (no copy); valid
 * until the next put, reserve, reset or free.
 */
int	buf_get_data_direct(struct buf *, const u_char **, size_t *);
/* u32 length + bytes, copied into a new allocation. */
int	buf_get_data(struct buf *, u_char **, size_t *);
int	buf_peek_u32(const struct buf *, size_t off, uint32_t *);

#endif /* POWER_BUF_H */
