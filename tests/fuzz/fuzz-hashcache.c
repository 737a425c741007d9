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
#include <sys/resource.h>

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"
#include "keyd.h"

/*
 * libFuzzer target for keyd's HashCache file: the input as the file's
 * contents.  Accepted only when it is the magic and whole records, no
 * more of them than the table holds; rejected input leaves no records.
 */

#define FUZZ_MAGIC_LEN	8
#define FUZZ_REC_BYTES	(7 * 8 + 32)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (key_cache_parse(data, size) != 0) {
		if (key_cache_count() != 0)
			__builtin_trap();
		return 0;
	}
	if (size < FUZZ_MAGIC_LEN ||
	    (size - FUZZ_MAGIC_LEN) % FUZZ_REC_BYTES != 0 ||
	    key_cache_count() != (size - FUZZ_MAGIC_LEN) / FUZZ_REC_BYTES ||
	    key_cache_count() > KEY_CACHE_MAX_RECORDS)
		__builtin_trap();
	return 0;
}
