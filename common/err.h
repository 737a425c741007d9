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

#ifndef POWER_ERR_H
#define POWER_ERR_H

/*
 * Error codes returned by the common/ library.  Library functions return
 * 0 on success or one of these (negative) on failure; pwr_err() names them.
 */
#define PWR_ERR_SUCCESS			0
#define PWR_ERR_INTERNAL		-1	/* a bug: bad arguments */
#define PWR_ERR_ALLOC_FAIL		-2	/* out of memory */
#define PWR_ERR_NO_BUFFER_SPACE		-3	/* would exceed the buffer's maximum */
#define PWR_ERR_MESSAGE_INCOMPLETE	-4	/* short data */
#define PWR_ERR_INVALID_FORMAT		-5	/* malformed data */
#define PWR_ERR_STRING_TOO_LARGE	-6	/* string over its limit */
#define PWR_ERR_STRING_HAS_NUL		-7	/* NUL byte inside a string */
#define PWR_ERR_SYSTEM_ERROR		-8	/* see errno */
#define PWR_ERR_EOF			-9	/* peer closed the channel */
#define PWR_ERR_AGAIN			-10	/* would block; try later */
#define PWR_ERR_FRAME_TOO_LARGE		-11	/* len over the channel max */
#define PWR_ERR_FRAME_TRUNCATED		-12	/* shorter than the header */
#define PWR_ERR_FRAME_VERSION		-13	/* protocol version mismatch */
#define PWR_ERR_FRAME_TYPE		-14	/* type not allowed here */
#define PWR_ERR_FRAME_FD_UNEXPECTED	-15	/* fd where none is allowed */
#define PWR_ERR_FRAME_FD_MISSING	-16	/* fd required but absent */
#define PWR_ERR_FRAME_LENGTH		-17	/* header len != bytes read */
#define PWR_ERR_TRAILING_DATA		-18	/* bytes left after decoding */
#define PWR_ERR_CONFIG			-19	/* configuration error */
#define PWR_ERR_NOT_FOUND		-20	/* no such entry */
#define PWR_ERR_RANGE			-21	/* value out of range */

const char	*pwr_err(int);
/* Format a reason into err (if not NULL), and return r. */
int		 pwr_errf(char *err, size_t errlen, int r, const char *fmt, ...)
		    __attribute__((__format__(printf, 4, 5)));

/*
 * err(3) and errx(3) for the command-line tools, whose <err.h> this
 * header shadows: "prog: message[: strerror]" on stderr, after
 * flushing stdout, then exit(eval).
 */
void		 pwr_tool_err(int eval, const char *fmt, ...)
		    __attribute__((__noreturn__, __format__(printf, 2, 3)));
void		 pwr_tool_errx(int eval, const char *fmt, ...)
		    __attribute__((__noreturn__, __format__(printf, 2, 3)));

#endif /* POWER_ERR_H */
