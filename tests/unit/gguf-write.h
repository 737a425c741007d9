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

#ifndef POWER_TESTS_GGUF_WRITE_H
#define POWER_TESTS_GGUF_WRITE_H

/*
 * GGUF files built in memory for the unit tests (test_gguf.c for the
 * reader, test_tokenizer.c for vocabularies): little-endian fields
 * appended to a buffer of at most TW_MAX_BYTES, a CUnit failure past it.
 */

#define TW_MAX_BYTES	(1024 * 1024)

struct tw {
	u_char		*w_d;
	size_t		 w_n;
	uint64_t	 w_nkv;		/* keys written since the header */
};

void	tw_bytes(struct tw *, const void *, size_t);
void	tw_u8(struct tw *, uint8_t);
void	tw_u32(struct tw *, uint32_t);
void	tw_u64(struct tw *, uint64_t);
void	tw_str(struct tw *, const char *);
/* Start a new file with these header fields. */
void	tw_header(struct tw *, uint32_t version, uint64_t nt, uint64_t nkv);
/* A key and its type; the first key of an empty buffer starts a v3 file. */
void	tw_key(struct tw *, const char *, uint32_t type);
/* Put the number of keys written into the header. */
void	tw_set_nkv(struct tw *);
void	tw_kv_u32(struct tw *, const char *, uint32_t);
void	tw_kv_str(struct tw *, const char *, const char *);
void	tw_kv_strs(struct tw *, const char *, const char *const *, size_t);
void	tw_kv_f32s(struct tw *, const char *, const float *, size_t);
void	tw_kv_i32s(struct tw *, const char *, const int32_t *, size_t);
void	tw_tensor(struct tw *, const char *, uint32_t nd, const uint64_t *ne,
	    uint32_t type, uint64_t off);
void	tw_tensor1(struct tw *, const char *, uint64_t n, uint32_t type,
	    uint64_t off);
void	tw_pad(struct tw *, size_t align);
void	tw_zero(struct tw *, size_t);
void	tw_free(struct tw *);

#endif /* POWER_TESTS_GGUF_WRITE_H */
