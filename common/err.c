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

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/*
 * Names for the PWR_ERR_* codes returned by the common/ library, in the
 * manner of OpenSSH ssh_err().
 */

struct err_name {
	int		 en_code;
	const char	*en_msg;
};

static const struct err_name err_names[] = {
	{ PWR_ERR_SUCCESS,		"success" },
	{ PWR_ERR_INTERNAL,		"internal error" },
	{ PWR_ERR_ALLOC_FAIL,		"memory allocation failed" },
	{ PWR_ERR_NO_BUFFER_SPACE,	"no buffer space" },
	{ PWR_ERR_MESSAGE_INCOMPLETE,	"message incomplete" },
	{ PWR_ERR_INVALID_FORMAT,	"invalid format" },
	{ PWR_ERR_STRING_TOO_LARGE,	"string is too large" },
	{ PWR_ERR_STRING_HAS_NUL,	"string contains a NUL byte" },
	{ PWR_ERR_SYSTEM_ERROR,		"system error" },
	{ PWR_ERR_EOF,			"connection closed" },
	{ PWR_ERR_AGAIN,		"resource temporarily unavailable" },
	{ PWR_ERR_FRAME_TOO_LARGE,	"frame is too large" },
	{ PWR_ERR_FRAME_TRUNCATED,	"frame is shorter than its header" },
	{ PWR_ERR_FRAME_VERSION,	"protocol version mismatch" },
	{ PWR_ERR_FRAME_TYPE,		"frame type not allowed" },
	{ PWR_ERR_FRAME_FD_UNEXPECTED,	"unexpected file descriptor" },
	{ PWR_ERR_FRAME_FD_MISSING,	"missing file descriptor" },
	{ PWR_ERR_FRAME_LENGTH,		"frame length mismatch" },
	{ PWR_ERR_TRAILING_DATA,	"trailing data" },
	{ PWR_ERR_CONFIG,		"configuration error" },
	{ PWR_ERR_NOT_FOUND,		"not found" },
	{ PWR_ERR_RANGE,		"value out of range" },
};

const char *
pwr_err(int r)
{
	size_t	 i;

	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++) {
		if (err_names[i].en_code == r)
			return err_names[i].en_msg;
	}
	return "unknown error";
}

/*
 * Library code that refuses input says why in a caller's buffer; a
 * cut message is still a refusal.
 */
int
pwr_errf(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static void __attribute__((__noreturn__))
pwr_tool_verr(int eval, int saved, int with_errno, const char *fmt,
    va_list ap)
{
	(void)fflush(stdout);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	if (fmt != NULL) {
		vfprintf(stderr, fmt, ap);
		if (with_errno)
			fprintf(stderr, ": ");
	}
	if (with_errno)
		fprintf(stderr, "%s", strerror(saved));
	fprintf(stderr, "\n");
	exit(eval);
}

void
pwr_tool_err(int eval, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	pwr_tool_verr(eval, saved, 1, fmt, ap);
	va_end(ap);
}

void
pwr_tool_errx(int eval, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	pwr_tool_verr(eval, 0, 0, fmt, ap);
	va_end(ap);
}
