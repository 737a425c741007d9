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

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

/* Parse a base-10 integer within [minval, maxval]; *errstrp says why not. */

long long
strtonum(const char *s, long long minval, long long maxval,
    const char **errstrp)
{
	long long	 v = 0;
	char		*ep;
	const char	*errstr = NULL;
	int		 saved = errno;

	if (minval > maxval)
		errstr = "invalid";
	else {
		errno = 0;
		v = strtoll(s, &ep, 10);
		if (s == ep || *ep != '\0')
			errstr = "invalid";
		else if ((v == LLONG_MIN && errno == ERANGE) || v < minval)
			errstr = "too small";
		else if ((v == LLONG_MAX && errno == ERANGE) || v > maxval)
			errstr = "too large";
	}
	if (errstrp != NULL)
		*errstrp = errstr;
	errno = errstr != NULL ? EINVAL : saved;
	return errstr != NULL ? 0 : v;
}
