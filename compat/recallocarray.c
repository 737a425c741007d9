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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Resize an array of oldn to newn elements of size bytes: new memory is
 * zeroed and the old allocation is wiped before it is freed, so no copy
 * of its contents is left behind on the heap.
 */

void *
recallocarray(void *p, size_t oldn, size_t newn, size_t size)
{
	size_t	 oldsize, newsize;
	void	*np;

	if (p == NULL)
		return calloc(newn, size);
	if (size != 0 && (newn > SIZE_MAX / size || oldn > SIZE_MAX / size)) {
		errno = ENOMEM;
		return NULL;
	}
	newsize = newn * size;
	oldsize = oldn * size;
	if ((np = malloc(newsize == 0 ? 1 : newsize)) == NULL)
		return NULL;
	if (newsize > oldsize) {
		memcpy(np, p, oldsize);
		memset((char *)np + oldsize, 0, newsize - oldsize);
	} else
		memcpy(np, p, newsize);
	explicit_bzero(p, oldsize);
	free(p);
	return np;
}
