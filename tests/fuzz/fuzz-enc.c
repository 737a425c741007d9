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

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "seal.h"

/*
 * libFuzzer target for the .enc header parser and the key parser.  The
 * input is parsed twice: as a whole file (file size = input size; when
 * it parses, each chunk inside the input is decrypted with a fixed key,
 * which must fail or succeed cleanly), and as a header followed by a
 * little-endian u64 file size in the last 8 bytes, so the fuzzer
 * controls the size checks.  Its first bytes also go to
 * seal_key_from_hex().
 */

#define FUZZ_HEX_BYTES		200
#define FUZZ_CHUNK_MAX		(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_hex(const uint8_t *, size_t);
static void	fuzz_chunks(const struct seal_header *, const uint8_t *,
		    size_t);
static void	fuzz_parse(const uint8_t *, size_t, uint64_t, int);

static const u_char	fuzz_key[SEAL_KEY_LEN];

static void
fuzz_hex(const uint8_t *data, size_t size)
{
	char	s[FUZZ_HEX_BYTES + 1];
	u_char	key[SEAL_KEY_LEN];

	if (size > FUZZ_HEX_BYTES)
		size = FUZZ_HEX_BYTES;
	memcpy(s, data, size);
	s[size] = '\0';
	if (seal_key_from_hex(s, key) != 0) {
		/* A refused key leaves nothing behind. */
		for (size = 0; size < sizeof(key); size++)
			if (key[size] != 0)
				abort();
	}
}

static void
fuzz_chunks(const struct seal_header *sh, const uint8_t *data, size_t size)
{
	const struct seal_chunk	*c;
	u_char			*p;
	uint32_t		 i;

	for (i = 0; i < sh->sh_nchunks; i++) {
		c = &sh->sh_chunks[i];
		if (c->sc_file_off > size || c->sc_len > size - c->sc_file_off)
			abort();	/* the parser let a chunk out */
		if (c->sc_len > FUZZ_CHUNK_MAX)
			continue;
		if ((p = malloc(c->sc_len)) == NULL)
			abort();
		memcpy(p, data + c->sc_file_off, c->sc_len);
		(void)seal_chunk_decrypt(fuzz_key, sh, i, p, p);
		free(p);
	}
}

static void
fuzz_parse(const uint8_t *data, size_t size, uint64_t file_size, int whole)
{
	struct seal_header	sh;
	char			err[256];

	if (seal_header_parse(data, size, file_size, &sh, err,
	    sizeof(err)) != 0) {
		if (err[0] == '\0' || sh.sh_chunks != NULL)
			abort();	/* no reason, or a leak */
		return;
	}
	if (sh.sh_header_len > size || sh.sh_aad_len > sh.sh_header_len)
		abort();
	if (whole)
		fuzz_chunks(&sh, data, size);
	seal_header_free(&sh);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t	file_size = 0;
	size_t		i;

	fuzz_hex(data, size);
	fuzz_parse(data, size, size, 1);
	if (size >= 8) {
		for (i = 0; i < 8; i++)
			file_size |= (uint64_t)data[size - 8 + i] << (8 * i);
		fuzz_parse(data, size - 8, file_size, 0);
	}
	return 0;
}
