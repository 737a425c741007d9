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
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "err.h"
#include "seal.h"
#include "engine/gguf.h"
#include "tests.h"

/*
 * Unit tests for common/seal.c: the .enc header parser's limits first,
 * then round trips (synthetic data and the bundled model) and every way
 * a sealed file can be damaged (wrong key, flipped byte, swapped or
 * moved chunks, edited header, truncation), key parsing, signatures and
 * memfd sealing.  Sealed files live in memfds: nothing touches disk.
 */

#define TS_PLAIN_BYTES	(3 * 1024 * 1024 + 77)

struct ts_sealed {
	int			 ts_plain;	/* memfd with the plaintext */
	int			 ts_enc;	/* memfd with the .enc */
	struct seal_header	 ts_sh;
	u_char			 ts_sha[SEAL_SHA256_LEN];
};

static const u_char	ts_key[SEAL_KEY_LEN] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

static int	ts_memfd(const char *);
static void	ts_put32(u_char *, uint32_t);
static void	ts_put64(u_char *, uint64_t);
static u_char	*ts_header(uint32_t, const uint64_t *, uint64_t, size_t *,
		    uint64_t *);
static int	ts_parse(const u_char *, size_t, uint64_t, char *);
static void	ts_seal_fd(int, const uint64_t *, size_t, struct ts_sealed *);
static void	ts_seal_synthetic(struct ts_sealed *);
static void	ts_unseal(struct ts_sealed *);
static int	ts_decrypt(struct ts_sealed *, char *, size_t);
static void	ts_flip(int, uint64_t);
static u_char	*ts_pread(int, uint64_t, size_t);
static char	*ts_pem(EVP_PKEY *, int, size_t *);
static void	ts_progress(uint64_t, uint64_t, void *);

static int
ts_memfd(const char *name)
{
	int	fd;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CU_ASSERT_FATAL(fd != -1);
	return fd;
}

static void
ts_put32(u_char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void
ts_put64(u_char *p, uint64_t v)
{
	ts_put32(p, (uint32_t)v);
	ts_put32(p + 4, (uint32_t)(v >> 32));
}

/*
 * A well-formed header for n chunks of the given lengths, written here
 * independently of seal.c; *filep gets the matching file size.
 */
static u_char *
ts_header(uint32_t n, const uint64_t *lens, uint64_t plain, size_t *lenp,
    uint64_t *filep)
{
	u_char		*p;
	size_t		 hlen = seal_header_size(n);
	uint64_t	 off = 0, foff = hlen;
	uint32_t	 i;

	CU_ASSERT_FATAL((p = calloc(1, hlen)) != NULL);
	memcpy(p, "PWRSEAL\0", 8);
	ts_put32(p + 8, 1);
	ts_put64(p + 20, plain);
	ts_put32(p + 28, n);
	for (i = 0; i < n; i++) {
		ts_put64(p + 32 + 28 * i, off);
		ts_put64(p + 32 + 28 * i + 8, lens[i]);
		off += lens[i];
		*filep = foff + lens[i];
		foff = (foff + lens[i] + 4095) & ~(uint64_t)4095;
	}
	*lenp = hlen;
	return p;
}

static int
ts_parse(const u_char *p, size_t len, uint64_t file, char *err)
{
	struct seal_header	sh;
	int			r;

	r = seal_header_parse(p, len, file, &sh, err, 256);
	if (r == 0)
		seal_header_free(&sh);
	return r;
}

static void
test_header_limits(void)
{
	uint64_t	 lens[3] = { 100, 5000, 1 }, file;
	u_char		*p;
	size_t		 len;
	char		 err[256];

	p = ts_header(3, lens, 5101, &len, &file);
	CU_ASSERT_EQUAL(len, 4096);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), 0);
	/* Short, truncated header, file too short or too long. */
	CU_ASSERT_EQUAL(ts_parse(p, 31, file, err), PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_EQUAL(ts_parse(p, len - 1, file, err),
	    PWR_ERR_MESSAGE_INCOMPLETE);
	CU_ASSERT_NOT_EQUAL(ts_parse(p, len, file - 1, err), 0);
	CU_ASSERT_NOT_EQUAL(ts_parse(p, len, file + 1, err), 0);
	CU_ASSERT_NOT_EQUAL(ts_parse(p, len, 100, err), 0);
	/* Magic and version. */
	p[7] = 'X';
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "magic"));
	p[7] = 0;
	ts_put32(p + 8, 2);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "version 2"));
	ts_put32(p + 8, 1);
	/* Chunk counts. */
	ts_put32(p + 28, 0);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_RANGE);
	ts_put32(p + 28, SEAL_MAX_CHUNKS + 1);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_RANGE);
	ts_put32(p + 28, UINT32_MAX);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_RANGE);
	ts_put32(p + 28, 3);
	/* Padding is canonical. */
	p[len - 1] = 1;
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_INVALID_FORMAT);
	p[len - 1] = 0;
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), 0);
	free(p);
}

static void
test_header_chunk_table(void)
{
	uint64_t	 lens[3] = { 100, 5000, 1 }, file;
	u_char		*p;
	size_t		 len;
	char		 err[256];

	p = ts_header(3, lens, 5101, &len, &file);
	/* Plaintext offsets must follow each other. */
	ts_put64(p + 32 + 28, 99);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chunk 1"));
	ts_put64(p + 32 + 28, 100);
	/* Zero, wrapping and oversized lengths. */
	ts_put64(p + 32 + 8, 0);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_RANGE);
	ts_put64(p + 32 + 8, UINT64_MAX);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_RANGE);
	ts_put64(p + 32 + 8, 100);
	ts_put64(p + 32 + 56 + 8, 2);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_RANGE);
	ts_put64(p + 32 + 56 + 8, 1);
	/* Chunks that do not cover the whole plaintext. */
	ts_put64(p + 20, 5102);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), PWR_ERR_INVALID_FORMAT);
	ts_put64(p + 20, UINT64_MAX);
	CU_ASSERT_NOT_EQUAL(ts_parse(p, len, UINT64_MAX, err), 0);
	ts_put64(p + 20, 5101);
	CU_ASSERT_EQUAL(ts_parse(p, len, file, err), 0);
	free(p);
}

/* A chunk whose end wraps the file offset is refused, not wrapped. */
static void
test_header_overflow(void)
{
	uint64_t	 lens[2] = { UINT64_MAX - 8192, 4096 }, file;
	u_char		*p;
	size_t		 len;
	char		 err[256];

	p = ts_header(2, lens, UINT64_MAX - 4096, &len, &file);
	CU_ASSERT_NOT_EQUAL(ts_parse(p, len, UINT64_MAX, err), 0);
	CU_ASSERT_NOT_EQUAL(ts_parse(p, len, UINT64_MAX - 4096, err), 0);
	free(p);
}

static void
ts_seal_fd(int plain, const uint64_t *cuts, size_t ncuts, struct ts_sealed *t)
{
	char	err[256];
	int	r;

	memset(t, 0, sizeof(*t));
	t->ts_plain = plain;
	t->ts_enc = ts_memfd("enc");
	r = seal_encrypt_fd(plain, t->ts_enc, ts_key, cuts, ncuts, t->ts_sha,
	    NULL, NULL, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT_EQUAL_FATAL(seal_header_read(t->ts_enc, &t->ts_sh, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(t->ts_sh.sh_nchunks, ncuts + 1);
}

/* Cuts chosen so chunks 1 and 2 have the same length. */
static void
ts_seal_synthetic(struct ts_sealed *t)
{
	static const uint64_t	 cuts[] = { 1, 5001, 10001, 1048579 };
	u_char			*p;
	size_t			 i;
	int			 fd;

	fd = ts_memfd("plain");
	CU_ASSERT_FATAL((p = malloc(TS_PLAIN_BYTES)) != NULL);
	for (i = 0; i < TS_PLAIN_BYTES; i++)
		p[i] = (u_char)(i * 2654435761U >> 13);
	CU_ASSERT_FATAL(write(fd, p, TS_PLAIN_BYTES) == TS_PLAIN_BYTES);
	free(p);
	ts_seal_fd(fd, cuts, sizeof(cuts) / sizeof(cuts[0]), t);
}

static void
ts_unseal(struct ts_sealed *t)
{
	seal_header_free(&t->ts_sh);
	close(t->ts_plain);
	close(t->ts_enc);
}

static int
ts_decrypt(struct ts_sealed *t, char *err, size_t errlen)
{
	struct seal_header	sh;
	u_char			sha[SEAL_SHA256_LEN];
	int			r;

	if ((r = seal_header_read(t->ts_enc, &sh, err, errlen)) != 0)
		return r;
	r = seal_decrypt_fd(t->ts_enc, &sh, ts_key, -1, sha, NULL, NULL,
	    err, errlen);
	seal_header_free(&sh);
	return r;
}

static void
ts_flip(int fd, uint64_t off)
{
	u_char	c;

	CU_ASSERT_FATAL(pread(fd, &c, 1, (off_t)off) == 1);
	c ^= 0x01;
	CU_ASSERT_FATAL(pwrite(fd, &c, 1, (off_t)off) == 1);
}

static u_char *
ts_pread(int fd, uint64_t off, size_t len)
{
	u_char	*p;

	CU_ASSERT_FATAL((p = malloc(len)) != NULL);
	CU_ASSERT_FATAL(pread(fd, p, len, (off_t)off) == (ssize_t)len);
	return p;
}

static void
ts_progress(uint64_t done, uint64_t total, void *arg)
{
	uint64_t	*last = arg;

	CU_ASSERT(done > *last && done <= total);
	*last = done;
}

static void
test_round_trip_synthetic(void)
{
	struct ts_sealed	 t;
	struct stat		 st;
	u_char			 sha[SEAL_SHA256_LEN], sha2[SEAL_SHA256_LEN];
	u_char			*a, *b;
	uint64_t		 last = 0;
	char			 err[256];
	int			 out;

	ts_seal_synthetic(&t);
	CU_ASSERT_EQUAL(t.ts_sh.sh_plain_size, TS_PLAIN_BYTES);
	CU_ASSERT_EQUAL(t.ts_sh.sh_chunks[4].sc_len,
	    TS_PLAIN_BYTES - 1048579);
	CU_ASSERT_EQUAL(t.ts_sh.sh_chunks[1].sc_file_off % SEAL_ALIGN, 0);
	out = ts_memfd("out");
	CU_ASSERT_EQUAL(seal_decrypt_fd(t.ts_enc, &t.ts_sh, ts_key, out, sha,
	    ts_progress, &last, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(last, TS_PLAIN_BYTES);
	CU_ASSERT_EQUAL(memcmp(sha, t.ts_sha, sizeof(sha)), 0);
	CU_ASSERT_EQUAL(seal_sha256_fd(t.ts_plain, sha2, NULL, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(sha, sha2, sizeof(sha)), 0);
	CU_ASSERT_FATAL(fstat(out, &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, TS_PLAIN_BYTES);
	a = ts_pread(out, 0, TS_PLAIN_BYTES);
	b = ts_pread(t.ts_plain, 0, TS_PLAIN_BYTES);
	CU_ASSERT_EQUAL(memcmp(a, b, TS_PLAIN_BYTES), 0);
	/* The ciphertext is not the plaintext. */
	free(a);
	a = ts_pread(t.ts_enc, t.ts_sh.sh_chunks[4].sc_file_off, 4096);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b + 1048579, 4096), 0);
	free(a);
	free(b);
	close(out);
	ts_unseal(&t);
}

/* Each chunk decrypts alone, in place, as streaming mode does it. */
static void
test_chunk_at_a_time(void)
{
	struct ts_sealed	 t;
	struct seal_chunk	*c;
	u_char			*ct, *pt;
	uint32_t		 i;

	ts_seal_synthetic(&t);
	for (i = 0; i < t.ts_sh.sh_nchunks; i++) {
		c = &t.ts_sh.sh_chunks[i];
		ct = ts_pread(t.ts_enc, c->sc_file_off, c->sc_len);
		pt = ts_pread(t.ts_plain, c->sc_plain_off, c->sc_len);
		CU_ASSERT_EQUAL(seal_chunk_decrypt(ts_key, &t.ts_sh, i, ct, ct),
		    0);
		CU_ASSERT_EQUAL(memcmp(ct, pt, c->sc_len), 0);
		free(ct);
		free(pt);
	}
	CU_ASSERT_EQUAL(seal_chunk_decrypt(ts_key, &t.ts_sh,
	    t.ts_sh.sh_nchunks, NULL, NULL), -1);
	ts_unseal(&t);
}

/* Cut at every tensor of the bundled model, header in chunk 0. */
static void
test_round_trip_model(void)
{
	struct ts_sealed	 t;
	struct gguf		*g;
	const struct gguf_tensor *gt;
	uint64_t		 cuts[64];
	u_char			 sha[SEAL_SHA256_LEN];
	char			 path[PATH_MAX], err[256];
	size_t			 n = 0, i;
	int			 fd, out;

	snprintf(path, sizeof(path), "%s/models/stories260K.gguf",
	    tests_datadir());
	CU_ASSERT_FATAL((fd = open(path, O_RDONLY)) != -1);
	CU_ASSERT_EQUAL_FATAL(gguf_open_fd(fd, &g, err, sizeof(err)), 0);
	for (i = 0; i < gguf_n_tensors(g) && n < 64; i++) {
		gt = gguf_tensor_at(g, i);
		if (i == 0 || gguf_data_offset(g) + gt->t_offset > cuts[n - 1])
			cuts[n++] = gguf_data_offset(g) + gt->t_offset;
	}
	gguf_close(g);
	ts_seal_fd(fd, cuts, n, &t);
	CU_ASSERT_EQUAL(t.ts_sh.sh_chunks[1].sc_plain_off, cuts[0]);
	out = ts_memfd("out");
	CU_ASSERT_EQUAL(seal_decrypt_fd(t.ts_enc, &t.ts_sh, ts_key, out, sha,
	    NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(sha, t.ts_sha, sizeof(sha)), 0);
	/* The decrypted memfd is a GGUF the engine accepts. */
	CU_ASSERT_EQUAL(gguf_open_fd(out, &g, err, sizeof(err)), 0);
	gguf_close(g);
	CU_ASSERT_EQUAL(seal_memfd_seal(out), 0);
	close(out);
	ts_unseal(&t);
}

static void
test_wrong_key(void)
{
	struct ts_sealed	 t;
	struct seal_chunk	*c;
	u_char			 key[SEAL_KEY_LEN], sha[SEAL_SHA256_LEN], *ct;
	char			 err[256];

	ts_seal_synthetic(&t);
	memcpy(key, ts_key, sizeof(key));
	key[31] ^= 0x80;
	CU_ASSERT_EQUAL(seal_decrypt_fd(t.ts_enc, &t.ts_sh, key, -1, sha,
	    NULL, NULL, err, sizeof(err)), PWR_ERR_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key id"));
	/* Without the key id check, the tag still refuses it. */
	c = &t.ts_sh.sh_chunks[0];
	ct = ts_pread(t.ts_enc, c->sc_file_off, c->sc_len);
	CU_ASSERT_EQUAL(seal_chunk_decrypt(key, &t.ts_sh, 0, ct, ct), -1);
	free(ct);
	ts_unseal(&t);
}

/* A flipped ciphertext or tag bit fails the chunk, by number. */
static void
test_flipped_byte(void)
{
	struct ts_sealed	t;
	struct stat		st;
	char			err[256];
	int			out;

	ts_seal_synthetic(&t);
	ts_flip(t.ts_enc, t.ts_sh.sh_chunks[3].sc_file_off + 12345);
	out = ts_memfd("out");
	CU_ASSERT_EQUAL(seal_decrypt_fd(t.ts_enc, &t.ts_sh, ts_key, out,
	    t.ts_sha, NULL, NULL, err, sizeof(err)), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chunk 3 of 5"));
	/* Nothing unauthenticated is left in the output. */
	CU_ASSERT_FATAL(fstat(out, &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, 0);
	close(out);
	ts_flip(t.ts_enc, t.ts_sh.sh_chunks[3].sc_file_off + 12345);
	CU_ASSERT_EQUAL(ts_decrypt(&t, err, sizeof(err)), 0);
	/* A tag lives outside the AAD: flipping it fails only its chunk. */
	ts_flip(t.ts_enc, t.ts_sh.sh_aad_len + 16 * 4 + 3);
	CU_ASSERT_EQUAL(ts_decrypt(&t, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chunk 4 of 5"));
	ts_unseal(&t);
}

/*
 * Chunks 1 and 2 have the same length: moving one's ciphertext, tag
 * and even nonce to the other's place still fails.
 */
static void
test_swapped_chunks(void)
{
	struct ts_sealed	 t;
	struct seal_chunk	*c1, *c2;
	u_char			*a, *b, ent1[28], ent2[28];
	u_char			 tag1[16], tag2[16];
	uint64_t		 e1, e2, t1, t2;
	char			 err[256];

	ts_seal_synthetic(&t);
	c1 = &t.ts_sh.sh_chunks[1];
	c2 = &t.ts_sh.sh_chunks[2];
	CU_ASSERT_EQUAL_FATAL(c1->sc_len, c2->sc_len);
	a = ts_pread(t.ts_enc, c1->sc_file_off, c1->sc_len);
	b = ts_pread(t.ts_enc, c2->sc_file_off, c2->sc_len);
	/* Chunk 1's ciphertext decrypted as chunk 2 fails. */
	CU_ASSERT_EQUAL(seal_chunk_decrypt(ts_key, &t.ts_sh, 2, a, a), -1);
	free(a);
	a = ts_pread(t.ts_enc, c1->sc_file_off, c1->sc_len);
	CU_ASSERT_FATAL(pwrite(t.ts_enc, a, c1->sc_len,
	    (off_t)c2->sc_file_off) == (ssize_t)c1->sc_len);
	CU_ASSERT_FATAL(pwrite(t.ts_enc, b, c2->sc_len,
	    (off_t)c1->sc_file_off) == (ssize_t)c2->sc_len);
	t1 = t.ts_sh.sh_aad_len + 16;
	t2 = t.ts_sh.sh_aad_len + 32;
	CU_ASSERT_FATAL(pread(t.ts_enc, tag1, 16, (off_t)t1) == 16);
	CU_ASSERT_FATAL(pread(t.ts_enc, tag2, 16, (off_t)t2) == 16);
	CU_ASSERT_FATAL(pwrite(t.ts_enc, tag2, 16, (off_t)t1) == 16);
	CU_ASSERT_FATAL(pwrite(t.ts_enc, tag1, 16, (off_t)t2) == 16);
	CU_ASSERT_EQUAL(ts_decrypt(&t, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chunk 1 of"));
	/* Nonces too (offsets stay): the index in the AAD still fails. */
	e1 = 32 + 28 + 16;
	e2 = 32 + 56 + 16;
	CU_ASSERT_FATAL(pread(t.ts_enc, ent1, 12, (off_t)e1) == 12);
	CU_ASSERT_FATAL(pread(t.ts_enc, ent2, 12, (off_t)e2) == 12);
	CU_ASSERT_FATAL(pwrite(t.ts_enc, ent2, 12, (off_t)e1) == 12);
	CU_ASSERT_FATAL(pwrite(t.ts_enc, ent1, 12, (off_t)e2) == 12);
	CU_ASSERT_EQUAL(ts_decrypt(&t, err, sizeof(err)),
	    PWR_ERR_INVALID_FORMAT);
	free(a);
	free(b);
	ts_unseal(&t);
}

/* A header edit (here the last chunk's nonce) fails every chunk. */
static void
test_edited_header(void)
{
	struct ts_sealed	 t;
	struct seal_header	 sh;
	struct seal_chunk	*c;
	u_char			*ct;
	char			 err[256];
	uint32_t		 i;

	ts_seal_synthetic(&t);
	ts_flip(t.ts_enc, 32 + 28 * 4 + 16);
	CU_ASSERT_EQUAL_FATAL(seal_header_read(t.ts_enc, &sh, err,
	    sizeof(err)), 0);
	for (i = 0; i < sh.sh_nchunks; i++) {
		c = &sh.sh_chunks[i];
		ct = ts_pread(t.ts_enc, c->sc_file_off, c->sc_len);
		CU_ASSERT_EQUAL(seal_chunk_decrypt(ts_key, &sh, i, ct, ct), -1);
		free(ct);
	}
	seal_header_free(&sh);
	ts_flip(t.ts_enc, 32 + 28 * 4 + 16);
	/* A changed key id reads as another key. */
	ts_flip(t.ts_enc, 12);
	CU_ASSERT_EQUAL(ts_decrypt(&t, err, sizeof(err)), PWR_ERR_NOT_FOUND);
	ts_unseal(&t);
}

static void
test_truncated_file(void)
{
	struct ts_sealed	t;
	struct stat		st;
	char			err[256];

	ts_seal_synthetic(&t);
	CU_ASSERT_FATAL(fstat(t.ts_enc, &st) == 0);
	CU_ASSERT_FATAL(ftruncate(t.ts_enc, st.st_size - 1) == 0);
	CU_ASSERT_NOT_EQUAL(ts_decrypt(&t, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "past the end"));
	/* Even with the old header, reading stops at the end. */
	CU_ASSERT_EQUAL(seal_decrypt_fd(t.ts_enc, &t.ts_sh, ts_key, -1,
	    t.ts_sha, NULL, NULL, err, sizeof(err)), PWR_ERR_EOF);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chunk 4: read"));
	CU_ASSERT_FATAL(ftruncate(t.ts_enc, st.st_size + 1) == 0);
	CU_ASSERT_NOT_EQUAL(ts_decrypt(&t, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(ftruncate(t.ts_enc, 100) == 0);
	CU_ASSERT_NOT_EQUAL(ts_decrypt(&t, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(ftruncate(t.ts_enc, 0) == 0);
	CU_ASSERT_NOT_EQUAL(ts_decrypt(&t, err, sizeof(err)), 0);
	ts_unseal(&t);
}

static void
test_encrypt_refuses_bad_cuts(void)
{
	uint64_t	cuts[3] = { 10, 10, 20 };
	char		err[256];
	int		in, out;

	in = ts_memfd("in");
	out = ts_memfd("out");
	CU_ASSERT_NOT_EQUAL(seal_encrypt_fd(in, out, ts_key, NULL, 0, NULL,
	    NULL, NULL, err, sizeof(err)), 0);	/* empty input */
	CU_ASSERT_FATAL(ftruncate(in, 100) == 0);
	CU_ASSERT_NOT_EQUAL(seal_encrypt_fd(in, out, ts_key, cuts, 3, NULL,
	    NULL, NULL, err, sizeof(err)), 0);
	cuts[1] = 100;
	CU_ASSERT_NOT_EQUAL(seal_encrypt_fd(in, out, ts_key, cuts, 2, NULL,
	    NULL, NULL, err, sizeof(err)), 0);
	cuts[1] = 50;
	CU_ASSERT_EQUAL(seal_encrypt_fd(in, out, ts_key, cuts, 2, NULL,
	    NULL, NULL, err, sizeof(err)), 0);
	close(in);
	close(out);
}

static void
test_key_hex(void)
{
	static const char hex[] =
	    "0101010101010101010101010101010101010101010101010101010101010101";
	u_char		key[SEAL_KEY_LEN];
	char		s[160];
	int		fd;

	CU_ASSERT_EQUAL(seal_key_from_hex(hex, key), 0);
	CU_ASSERT_EQUAL(memcmp(key, ts_key, sizeof(key)), 0);
	snprintf(s, sizeof(s), " \t%s\n\n", hex);
	CU_ASSERT_EQUAL(seal_key_from_hex(s, key), 0);
	CU_ASSERT_EQUAL(seal_key_from_hex(
	    "ABCDEF0101010101010101010101010101010101010101010101010101010101",
	    key), 0);
	CU_ASSERT_EQUAL(key[0], 0xab);
	/* Too short, too long, not hex, inner space, NULL, empty. */
	CU_ASSERT_EQUAL(seal_key_from_hex(hex + 1, key), -1);
	snprintf(s, sizeof(s), "%s0", hex);
	CU_ASSERT_EQUAL(seal_key_from_hex(s, key), -1);
	snprintf(s, sizeof(s), "%s", hex);
	s[10] = 'g';
	CU_ASSERT_EQUAL(seal_key_from_hex(s, key), -1);
	CU_ASSERT_EQUAL(memcmp(key, "\0\0\0\0\0\0\0\0", 8), 0);
	s[10] = ' ';
	CU_ASSERT_EQUAL(seal_key_from_hex(s, key), -1);
	snprintf(s, sizeof(s), "%s x", hex);
	CU_ASSERT_EQUAL(seal_key_from_hex(s, key), -1);
	CU_ASSERT_EQUAL(seal_key_from_hex(NULL, key), -1);
	CU_ASSERT_EQUAL(seal_key_from_hex("", key), -1);
	/* Key files: newline fine, embedded NUL or oversize refused. */
	fd = ts_memfd("key");
	snprintf(s, sizeof(s), "%s\n", hex);
	CU_ASSERT_FATAL(write(fd, s, 65) == 65);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(seal_key_read_fd(fd, key), 0);
	CU_ASSERT_EQUAL(memcmp(key, ts_key, sizeof(key)), 0);
	CU_ASSERT_FATAL(pwrite(fd, "", 1, 64) == 1);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(seal_key_read_fd(fd, key), PWR_ERR_INVALID_FORMAT);
	memset(s, ' ', sizeof(s));
	CU_ASSERT_FATAL(pwrite(fd, s, sizeof(s), 65) == sizeof(s));
	CU_ASSERT_FATAL(pwrite(fd, s, sizeof(s), 65 + sizeof(s)) == sizeof(s));
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(seal_key_read_fd(fd, key), PWR_ERR_STRING_TOO_LARGE);
	close(fd);
}

/* Known answers, computed with sha256sum(1). */
static void
test_keyid_and_sha256(void)
{
	static const u_char id1[8] = {
		0xf2, 0xa9, 0x76, 0x4d, 0xf2, 0xa2, 0x9e, 0x68 };
	static const u_char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	u_char		id[SEAL_KEYID_LEN], sha[32];
	int		fd;

	seal_keyid(ts_key, id);
	CU_ASSERT_EQUAL(memcmp(id, id1, sizeof(id)), 0);
	fd = ts_memfd("abc");
	CU_ASSERT_FATAL(write(fd, "abc", 3) == 3);
	CU_ASSERT_EQUAL(seal_sha256_fd(fd, sha, NULL, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(sha, abc, sizeof(sha)), 0);
	close(fd);
	CU_ASSERT_NOT_EQUAL(seal_sha256_fd(-1, sha, NULL, NULL), 0);
}

static char *
ts_pem(EVP_PKEY *pkey, int private, size_t *lenp)
{
	BIO	*bio;
	char	*p = NULL, *d;
	long	 n;

	CU_ASSERT_FATAL((bio = BIO_new(BIO_s_mem())) != NULL);
	if (private) {
		CU_ASSERT_FATAL(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL,
		    0, NULL, NULL) == 1);
	} else {
		CU_ASSERT_FATAL(PEM_write_bio_PUBKEY(bio, pkey) == 1);
	}
	n = BIO_get_mem_data(bio, &d);
	CU_ASSERT_FATAL(n > 0 && (p = malloc((size_t)n)) != NULL);
	memcpy(p, d, (size_t)n);
	*lenp = (size_t)n;
	BIO_free(bio);
	return p;
}

static void
test_signatures(void)
{
	EVP_PKEY	*k1, *k2, *ec;
	u_char		 sha[32], sig[SEAL_SIG_LEN], st[SEAL_STATEMENT_LEN];
	char		*priv, *pub, *pub2, *ecpub, err[256];
	size_t		 lpriv, lpub, lpub2, lec;

	k1 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CU_ASSERT_FATAL(k1 != NULL && k2 != NULL);
	CU_ASSERT_FATAL((ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-256")) != NULL);
	priv = ts_pem(k1, 1, &lpriv);
	pub = ts_pem(k1, 0, &lpub);
	pub2 = ts_pem(k2, 0, &lpub2);
	ecpub = ts_pem(ec, 0, &lec);
	memset(sha, 0x5a, sizeof(sha));
	seal_sig_statement(sha, 0x0102030405060708ULL, st);
	CU_ASSERT_EQUAL(sizeof(st), 65);
	CU_ASSERT_EQUAL(memcmp(st, "power-model-signature-v1\0", 25), 0);
	CU_ASSERT_EQUAL(st[57], 0x08);
	CU_ASSERT_EQUAL(st[64], 0x01);
	CU_ASSERT_EQUAL(seal_sig_sign(priv, lpriv, sha, 1000, sig, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(seal_sig_verify(pub, lpub, sha, 1000, sig, err,
	    sizeof(err)), 0);
	/* Wrong size, hash, key; flipped signature bit; wrong key types. */
	CU_ASSERT_EQUAL(seal_sig_verify(pub, lpub, sha, 1001, sig, err,
	    sizeof(err)), PWR_ERR_NOT_FOUND);
	sha[31] ^= 1;
	CU_ASSERT_NOT_EQUAL(seal_sig_verify(pub, lpub, sha, 1000, sig, err,
	    sizeof(err)), 0);
	sha[31] ^= 1;
	CU_ASSERT_NOT_EQUAL(seal_sig_verify(pub2, lpub2, sha, 1000, sig, err,
	    sizeof(err)), 0);
	sig[40] ^= 0x10;
	CU_ASSERT_NOT_EQUAL(seal_sig_verify(pub, lpub, sha, 1000, sig, err,
	    sizeof(err)), 0);
	sig[40] ^= 0x10;
	CU_ASSERT_EQUAL(seal_sig_verify(ecpub, lec, sha, 1000, sig, err,
	    sizeof(err)), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_EQUAL(seal_sig_verify("junk", 4, sha, 1000, sig, err,
	    sizeof(err)), PWR_ERR_INVALID_FORMAT);
	CU_ASSERT_NOT_EQUAL(seal_sig_sign(pub, lpub, sha, 1000, sig, err,
	    sizeof(err)), 0);
	free(priv);
	free(pub);
	free(pub2);
	free(ecpub);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(ec);
}

static void
test_memfd_seal(void)
{
	int	fd, seals;

	fd = ts_memfd("sealed");
	CU_ASSERT_FATAL(write(fd, "GGUF", 4) == 4);
	CU_ASSERT_EQUAL(seal_memfd_seal(fd), 0);
	seals = fcntl(fd, F_GET_SEALS);
	CU_ASSERT_EQUAL(seals, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	    F_SEAL_SEAL);
	errno = 0;
	CU_ASSERT_EQUAL(pwrite(fd, "X", 1, 0), -1);
	CU_ASSERT_EQUAL(errno, EPERM);
	CU_ASSERT_EQUAL(ftruncate(fd, 0), -1);
	CU_ASSERT_EQUAL(ftruncate(fd, 8192), -1);
	CU_ASSERT_EQUAL(mmap(NULL, 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0), MAP_FAILED);
	CU_ASSERT_EQUAL(fcntl(fd, F_ADD_SEALS, 0), -1);
	close(fd);
	/* A memfd made without MFD_ALLOW_SEALING cannot be sealed. */
	CU_ASSERT_FATAL((fd = memfd_create("nosealing", MFD_CLOEXEC)) != -1);
	CU_ASSERT_EQUAL(seal_memfd_seal(fd), -1);
	close(fd);
}

int
seal_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "header: magic, version, counts, padding, sizes are checked",
		    test_header_limits },
		{ "header: chunk table must tile the plaintext",
		    test_header_chunk_table },
		{ "header: offsets that would wrap are refused",
		    test_header_overflow },
		{ "a truncated or extended file is refused",
		    test_truncated_file },
		{ "a wrong key is refused by key id and by tag",
		    test_wrong_key },
		{ "a flipped ciphertext or tag bit fails, naming the chunk",
		    test_flipped_byte },
		{ "swapped chunks fail", test_swapped_chunks },
		{ "an edited header fails every chunk", test_edited_header },
		{ "encrypt refuses empty input and bad cuts",
		    test_encrypt_refuses_bad_cuts },
		{ "key hex parsing accepts surrounding white space only",
		    test_key_hex },
		{ "key id and SHA-256 known answers", test_keyid_and_sha256 },
		{ "round trip of synthetic data", test_round_trip_synthetic },
		{ "chunks decrypt one at a time", test_chunk_at_a_time },
		{ "round trip of the bundled model", test_round_trip_model },
		{ "Ed25519 sign, verify, and refusals", test_signatures },
		{ "a sealed memfd refuses writes with EPERM", test_memfd_seal },
	};
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("seal", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	}
	return 0;
}
