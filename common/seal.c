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
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "hex.h"
#include "seal.h"

/*
 * The .enc format, SHA-256 of model files and Ed25519 model signatures
 * (the layout is in seal.h, power-seal(1) and PROTOCOL).  Each chunk is
 * one AES-256-GCM message whose AAD is the header (without the tags)
 * and the chunk index, so any edit of the header fails every chunk, and
 * a chunk moved to another index fails.  Large chunks are processed in
 * SEAL_IO_BYTES blocks with pread/pwrite so memory stays bounded.
 */

#define SEAL_ENC_CHUNK_MAX	((size_t)INT_MAX & ~(size_t)0xfff)

static uint64_t	seal_align(uint64_t);
static void	seal_enc_u32(u_char *, uint32_t);
static void	seal_enc_u64(u_char *, uint64_t);
static int	seal_parse_fixed(struct buf *, struct seal_header *, char *,
		    size_t);
static int	seal_parse_chunks(struct buf *, uint64_t, struct seal_header *,
		    char *, size_t);
static int	seal_parse_tail(struct buf *, struct seal_header *, char *,
		    size_t);
static int	seal_gcm_init(EVP_CIPHER_CTX *, int, const u_char *,
		    const struct seal_header *, uint32_t);
static int	seal_gcm_update(EVP_CIPHER_CTX *, const u_char *, u_char *,
		    size_t);
static int	seal_pwrite_full(int, const u_char *, size_t, uint64_t);
static int	seal_decrypt_chunk_fd(EVP_CIPHER_CTX *, EVP_MD_CTX *, int,
		    const struct seal_header *, const u_char *, uint32_t, int,
		    u_char *, uint64_t *, seal_progress_cb, void *, char *,
		    size_t);
static int	seal_encrypt_plan(uint64_t, const uint64_t *, size_t,
		    struct seal_header *, char *, size_t);
static int	seal_encrypt_chunk_fd(EVP_CIPHER_CTX *, EVP_MD_CTX *, int,
		    int, struct seal_header *, const u_char *, uint32_t,
		    u_char *, uint64_t *, seal_progress_cb, void *, char *,
		    size_t);
static int	seal_header_encode(const struct seal_header *, u_char **,
		    size_t *);
static int	seal_zero_fill(int, uint64_t, uint64_t);
static EVP_PKEY	*seal_pem_key(const char *, size_t, int);
static int	seal_pem_nopass(char *, int, int, void *);

static const u_char	seal_zero[SEAL_ALIGN];

static uint64_t
seal_align(uint64_t v)
{
	return (v + (SEAL_ALIGN - 1)) & ~(uint64_t)(SEAL_ALIGN - 1);
}

static void
seal_enc_u32(u_char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static void
seal_enc_u64(u_char *p, uint64_t v)
{
	seal_enc_u32(p, (uint32_t)v);
	seal_enc_u32(p + 4, (uint32_t)(v >> 32));
}

size_t
seal_header_size(uint32_t n)
{
	return seal_align(SEAL_FIXED_LEN +
	    (uint64_t)n * (SEAL_ENTRY_LEN + SEAL_TAG_LEN));
}

static int
seal_parse_fixed(struct buf *b, struct seal_header *sh, char *err,
    size_t errlen)
{
	u_char	magic[SEAL_MAGIC_LEN];

	if (buf_get(b, magic, sizeof(magic)) != 0 ||
	    buf_get_u32_le(b, &sh->sh_version) != 0 ||
	    buf_get(b, sh->sh_keyid, sizeof(sh->sh_keyid)) != 0 ||
	    buf_get_u64_le(b, &sh->sh_plain_size) != 0 ||
	    buf_get_u32_le(b, &sh->sh_nchunks) != 0)
		return pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
		    "header shorter than %d bytes", SEAL_FIXED_LEN);
	if (memcmp(magic, SEAL_MAGIC, sizeof(magic)) != 0)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "not a power-seal file (bad magic)");
	if (sh->sh_version != SEAL_VERSION)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "unsupported version %u", sh->sh_version);
	if (sh->sh_nchunks == 0 || sh->sh_nchunks > SEAL_MAX_CHUNKS)
		return pwr_errf(err, errlen, PWR_ERR_RANGE,
		    "chunk count %u not in 1..%d", sh->sh_nchunks,
		    SEAL_MAX_CHUNKS);
	sh->sh_header_len = seal_header_size(sh->sh_nchunks);
	sh->sh_aad_len = SEAL_FIXED_LEN + (size_t)sh->sh_nchunks *
	    SEAL_ENTRY_LEN;
	return 0;
}

/*
 * Chunks must tile the plaintext in order and their ciphertexts the
 * file after the header, each at the next SEAL_ALIGN boundary, ending
 * exactly at the end of the file.  Every sum is checked before it is
 * made: comparisons are against what remains.
 */
static int
seal_parse_chunks(struct buf *b, uint64_t file_size, struct seal_header *sh,
    char *err, size_t errlen)
{
	struct seal_chunk	*c;
	uint64_t		 plain = 0, foff = sh->sh_header_len, end = 0;
	uint32_t		 i;

	for (i = 0; i < sh->sh_nchunks; i++) {
		c = &sh->sh_chunks[i];
		if (buf_get_u64_le(b, &c->sc_plain_off) != 0 ||
		    buf_get_u64_le(b, &c->sc_len) != 0 ||
		    buf_get(b, c->sc_nonce, sizeof(c->sc_nonce)) != 0)
			return pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
			    "chunk table truncated at chunk %u", i);
		if (c->sc_plain_off != plain)
			return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
			    "chunk %u: plaintext offset %llu, expected %llu",
			    i, (unsigned long long)c->sc_plain_off,
			    (unsigned long long)plain);
		if (c->sc_len == 0 || c->sc_len > sh->sh_plain_size - plain)
			return pwr_errf(err, errlen, PWR_ERR_RANGE,
			    "chunk %u: length %llu out of range", i,
			    (unsigned long long)c->sc_len);
		if (foff > file_size || c->sc_len > file_size - foff)
			return pwr_errf(err, errlen, PWR_ERR_RANGE,
			    "chunk %u: past the end of the file", i);
		c->sc_file_off = foff;
		plain += c->sc_len;
		end = foff + c->sc_len;
		if (end > UINT64_MAX - SEAL_ALIGN)
			return pwr_errf(err, errlen, PWR_ERR_RANGE,
			    "chunk %u: offset overflows", i);
		foff = seal_align(end);
	}
	if (plain != sh->sh_plain_size)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "chunks cover %llu of %llu plaintext bytes",
		    (unsigned long long)plain,
		    (unsigned long long)sh->sh_plain_size);
	if (end != file_size)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "file is %llu bytes, chunks end at %llu",
		    (unsigned long long)file_size, (unsigned long long)end);
	return 0;
}

static int
seal_parse_tail(struct buf *b, struct seal_header *sh, char *err,
    size_t errlen)
{
	uint32_t	i;
	size_t		pad;
	uint8_t		v;

	for (i = 0; i < sh->sh_nchunks; i++) {
		if (buf_get(b, sh->sh_chunks[i].sc_tag, SEAL_TAG_LEN) != 0)
			return pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
			    "tag table truncated at chunk %u", i);
	}
	/* Padding is not in the AAD, so it must be zero to be canonical. */
	pad = sh->sh_header_len - sh->sh_aad_len -
	    (size_t)sh->sh_nchunks * SEAL_TAG_LEN;
	while (pad-- > 0) {
		if (buf_get_u8(b, &v) != 0)
			return pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
			    "header padding truncated");
		if (v != 0)
			return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
			    "header padding is not zero");
	}
	return 0;
}

int
seal_header_parse(const u_char *p, size_t len, uint64_t file_size,
    struct seal_header *sh, char *err, size_t errlen)
{
	struct buf	*b;
	int		 r;

	memset(sh, 0, sizeof(*sh));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL || len < SEAL_FIXED_LEN)
		return pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
		    "header shorter than %d bytes", SEAL_FIXED_LEN);
	if ((b = buf_view(p, len)) == NULL)
		return pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
		    "out of memory");
	if ((r = seal_parse_fixed(b, sh, err, errlen)) != 0)
		goto out;
	if (len < sh->sh_header_len || file_size < sh->sh_header_len) {
		r = pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
		    "header of %zu bytes truncated", sh->sh_header_len);
		goto out;
	}
	if ((sh->sh_chunks = calloc(sh->sh_nchunks,
	    sizeof(*sh->sh_chunks))) == NULL ||
	    (sh->sh_aad = malloc(sh->sh_aad_len)) == NULL) {
		r = pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL, "out of memory");
		goto out;
	}
	memcpy(sh->sh_aad, p, sh->sh_aad_len);
	if ((r = seal_parse_chunks(b, file_size, sh, err, errlen)) != 0 ||
	    (r = seal_parse_tail(b, sh, err, errlen)) != 0)
		goto out;
	r = 0;
 out:
	buf_free(b);
	if (r != 0)
		seal_header_free(sh);
	return r;
}

int
seal_header_read(int fd, struct seal_header *sh, char *err, size_t errlen)
{
	struct stat	 st;
	u_char		 fixed[SEAL_FIXED_LEN], *p;
	size_t		 hlen;
	uint32_t	 n;
	int		 r;

	memset(sh, 0, sizeof(*sh));
	if (fstat(fd, &st) == -1)
		return pwr_errf(err, errlen, PWR_ERR_SYSTEM_ERROR,
		    "fstat: %s", strerror(errno));
	if ((r = seal_pread_full(fd, fixed, sizeof(fixed), 0)) != 0)
		return pwr_errf(err, errlen, r, "read header: %s",
		    r == PWR_ERR_EOF ? "file too short" : strerror(errno));
	/* Only the count is needed to size the read; parse checks all. */
	n = (uint32_t)fixed[28] | (uint32_t)fixed[29] << 8 |
	    (uint32_t)fixed[30] << 16 | (uint32_t)fixed[31] << 24;
	if (n == 0 || n > SEAL_MAX_CHUNKS)
		return seal_header_parse(fixed, sizeof(fixed),
		    (uint64_t)st.st_size, sh, err, errlen);
	hlen = seal_header_size(n);
	if ((uint64_t)st.st_size < hlen)
		return pwr_errf(err, errlen, PWR_ERR_MESSAGE_INCOMPLETE,
		    "file too short for a header of %zu bytes", hlen);
	if ((p = malloc(hlen)) == NULL)
		return pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
		    "out of memory");
	if ((r = seal_pread_full(fd, p, hlen, 0)) != 0)
		r = pwr_errf(err, errlen, r, "read header: %s",
		    r == PWR_ERR_EOF ? "file too short" : strerror(errno));
	else
		r = seal_header_parse(p, hlen, (uint64_t)st.st_size, sh,
		    err, errlen);
	free(p);
	return r;
}

void
seal_header_free(struct seal_header *sh)
{
	if (sh == NULL)
		return;
	free(sh->sh_chunks);
	free(sh->sh_aad);
	memset(sh, 0, sizeof(*sh));
}

void
seal_keyid(const u_char key[SEAL_KEY_LEN], u_char id[SEAL_KEYID_LEN])
{
	u_char		md[SEAL_SHA256_LEN];
	EVP_MD_CTX	*ctx;

	memset(md, 0, sizeof(md));
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, SEAL_KEYID_LABEL,
	    sizeof(SEAL_KEYID_LABEL) - 1) != 1 ||
	    EVP_DigestUpdate(ctx, key, SEAL_KEY_LEN) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		abort();	/* SHA-256 does not fail but for OOM */
	EVP_MD_CTX_free(ctx);
	memcpy(id, md, SEAL_KEYID_LEN);
	OPENSSL_cleanse(md, sizeof(md));
}

int
seal_key_from_hex(const char *s, u_char key[SEAL_KEY_LEN])
{
	memset(key, 0, SEAL_KEY_LEN);
	if (s == NULL)
		return -1;
	while (isspace((u_char)*s))
		s++;
	if (hex_decode_prefix(s, key, SEAL_KEY_LEN) != 0)
		goto bad;
	s += 2 * SEAL_KEY_LEN;
	while (isspace((u_char)*s))
		s++;
	if (*s == '\0')
		return 0;
 bad:
	OPENSSL_cleanse(key, SEAL_KEY_LEN);
	return -1;
}

int
seal_key_read_fd(int fd, u_char key[SEAL_KEY_LEN])
{
	char	text[257];
	size_t	len = 0;
	ssize_t	n;
	int	r = 0;

	memset(key, 0, SEAL_KEY_LEN);
	for (;;) {
		n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = PWR_ERR_SYSTEM_ERROR;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(text) - 1) {
			r = PWR_ERR_STRING_TOO_LARGE;
			goto out;
		}
	}
	text[len] = '\0';
	if (strlen(text) != len || seal_key_from_hex(text, key) != 0)
		r = PWR_ERR_INVALID_FORMAT;
 out:
	explicit_bzero(text, sizeof(text));
	return r;
}

static int
seal_gcm_init(EVP_CIPHER_CTX *ctx, int enc, const u_char *key,
    const struct seal_header *sh, uint32_t i)
{
	u_char	idx[4];
	int	outl;

	seal_enc_u32(idx, i);
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key,
	    sh->sh_chunks[i].sc_nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &outl, sh->sh_aad,
	    (int)sh->sh_aad_len) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &outl, idx, sizeof(idx)) != 1)
		return -1;
	return 0;
}

/* GCM is a stream mode: output length always equals input length. */
static int
seal_gcm_update(EVP_CIPHER_CTX *ctx, const u_char *in, u_char *out,
    size_t len)
{
	size_t	n;
	int	outl;

	while (len > 0) {
		n = len > SEAL_ENC_CHUNK_MAX ? SEAL_ENC_CHUNK_MAX : len;
		if (EVP_CipherUpdate(ctx, out, &outl, in, (int)n) != 1 ||
		    (size_t)outl != n)
			return -1;
		in += n;
		out += n;
		len -= n;
	}
	return 0;
}

int
seal_chunk_decrypt(const u_char key[SEAL_KEY_LEN],
    const struct seal_header *sh, uint32_t i, const u_char *ct, u_char *pt)
{
	EVP_CIPHER_CTX	*ctx;
	u_char		 tag[SEAL_TAG_LEN];
	int		 outl, r = -1;

	if (sh == NULL || i >= sh->sh_nchunks || sh->sh_aad == NULL ||
	    sh->sh_aad_len > INT_MAX)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	memcpy(tag, sh->sh_chunks[i].sc_tag, sizeof(tag));
	if (seal_gcm_init(ctx, 0, key, sh, i) == 0 &&
	    seal_gcm_update(ctx, ct, pt, sh->sh_chunks[i].sc_len) == 0 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, NULL, &outl) == 1)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
seal_pread_full(int fd, u_char *p, size_t len, uint64_t off)
{
	ssize_t	n;

	while (len > 0) {
		if (off > (uint64_t)INT64_MAX - len) {
			errno = EOVERFLOW;
			return PWR_ERR_SYSTEM_ERROR;
		}
		n = pread(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return PWR_ERR_SYSTEM_ERROR;
		if (n == 0)
			return PWR_ERR_EOF;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int
seal_pwrite_full(int fd, const u_char *p, size_t len, uint64_t off)
{
	ssize_t	n;

	while (len > 0) {
		if (off > (uint64_t)INT64_MAX - len) {
			errno = EFBIG;
			return PWR_ERR_SYSTEM_ERROR;
		}
		n = pwrite(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return PWR_ERR_SYSTEM_ERROR;
		if (n == 0) {
			errno = EIO;
			return PWR_ERR_SYSTEM_ERROR;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int
seal_decrypt_chunk_fd(EVP_CIPHER_CTX *ctx, EVP_MD_CTX *md, int in_fd,
    const struct seal_header *sh, const u_char *key, uint32_t i, int out_fd,
    u_char *blk, uint64_t *done, seal_progress_cb cb, void *arg, char *err,
    size_t errlen)
{
	const struct seal_chunk	*c = &sh->sh_chunks[i];
	uint64_t		 pos;
	size_t			 n;
	u_char			 tag[SEAL_TAG_LEN];
	int			 outl, r;

	if (seal_gcm_init(ctx, 0, key, sh, i) != 0)
		return pwr_errf(err, errlen, PWR_ERR_INTERNAL,
		    "chunk %u: cipher set-up failed", i);
	for (pos = 0; pos < c->sc_len; pos += n) {
		n = c->sc_len - pos > SEAL_IO_BYTES ? SEAL_IO_BYTES :
		    (size_t)(c->sc_len - pos);
		if ((r = seal_pread_full(in_fd, blk, n,
		    c->sc_file_off + pos)) != 0)
			return pwr_errf(err, errlen, r, "chunk %u: read: %s",
			    i, r == PWR_ERR_EOF ? "file truncated" :
			    strerror(errno));
		if (seal_gcm_update(ctx, blk, blk, n) != 0 ||
		    EVP_DigestUpdate(md, blk, n) != 1)
			return pwr_errf(err, errlen, PWR_ERR_INTERNAL,
			    "chunk %u: cipher failed", i);
		if (out_fd != -1 && (r = seal_pwrite_full(out_fd, blk, n,
		    c->sc_plain_off + pos)) != 0)
			return pwr_errf(err, errlen, r, "chunk %u: write: %s",
			    i, strerror(errno));
		*done += n;
		if (cb != NULL)
			cb(*done, sh->sh_plain_size, arg);
	}
	memcpy(tag, c->sc_tag, sizeof(tag));
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) != 1 || EVP_DecryptFinal_ex(ctx, NULL, &outl) != 1)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "chunk %u of %u: authentication failed (wrong key or "
		    "modified file)", i, sh->sh_nchunks);
	return 0;
}

int
seal_decrypt_fd(int in_fd, const struct seal_header *sh,
    const u_char key[SEAL_KEY_LEN], int out_fd, u_char sha256[32],
    seal_progress_cb cb, void *arg, char *err, size_t errlen)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	EVP_MD_CTX	*md = NULL;
	u_char		*blk = NULL, id[SEAL_KEYID_LEN];
	uint64_t	 done = 0;
	uint32_t	 i;
	int		 r = 0;

	memset(sha256, 0, SEAL_SHA256_LEN);
	if (sh == NULL || sh->sh_aad == NULL || sh->sh_aad_len > INT_MAX)
		return pwr_errf(err, errlen, PWR_ERR_INTERNAL, "no header");
	seal_keyid(key, id);
	if (memcmp(id, sh->sh_keyid, sizeof(id)) != 0)
		return pwr_errf(err, errlen, PWR_ERR_NOT_FOUND,
		    "the file was sealed with another key (key id mismatch)");
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    (blk = malloc(SEAL_IO_BYTES)) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < sh->sh_nchunks; i++) {
		if ((r = seal_decrypt_chunk_fd(ctx, md, in_fd, sh, key, i,
		    out_fd, blk, &done, cb, arg, err, errlen)) != 0)
			goto out;
	}
	if (EVP_DigestFinal_ex(md, sha256, NULL) != 1)
		r = pwr_errf(err, errlen, PWR_ERR_INTERNAL, "SHA-256 failed");
 out:
	/* Best effort: leave no unauthenticated plaintext behind. */
	if (r != 0 && out_fd != -1 && ftruncate(out_fd, 0) == -1) {
		/* nothing more to do */
	}
	if (blk != NULL)
		freezero(blk, SEAL_IO_BYTES);
	EVP_CIPHER_CTX_free(ctx);
	EVP_MD_CTX_free(md);
	return r;
}

/* Lay the chunks out and give each a fresh random nonce. */
static int
seal_encrypt_plan(uint64_t size, const uint64_t *cuts, size_t ncuts,
    struct seal_header *sh, char *err, size_t errlen)
{
	struct seal_chunk	*c;
	uint64_t		 start = 0, end, foff;
	size_t			 i;

	if (size == 0)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "empty input");
	if (ncuts >= SEAL_MAX_CHUNKS)
		return pwr_errf(err, errlen, PWR_ERR_RANGE,
		    "%zu chunks, at most %d", ncuts + 1, SEAL_MAX_CHUNKS);
	sh->sh_version = SEAL_VERSION;
	sh->sh_plain_size = size;
	sh->sh_nchunks = (uint32_t)ncuts + 1;
	sh->sh_header_len = seal_header_size(sh->sh_nchunks);
	sh->sh_aad_len = SEAL_FIXED_LEN + (size_t)sh->sh_nchunks *
	    SEAL_ENTRY_LEN;
	if ((sh->sh_chunks = calloc(sh->sh_nchunks,
	    sizeof(*sh->sh_chunks))) == NULL)
		return pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
		    "out of memory");
	foff = sh->sh_header_len;
	for (i = 0; i < sh->sh_nchunks; i++) {
		end = i < ncuts ? cuts[i] : size;
		if (end <= start || end > size)
			return pwr_errf(err, errlen, PWR_ERR_RANGE,
			    "cut %zu at %llu is out of order or range", i,
			    (unsigned long long)end);
		c = &sh->sh_chunks[i];
		c->sc_plain_off = start;
		c->sc_len = end - start;
		c->sc_file_off = foff;
		if (RAND_bytes(c->sc_nonce, sizeof(c->sc_nonce)) != 1)
			return pwr_errf(err, errlen, PWR_ERR_INTERNAL,
			    "RAND_bytes failed");
		if (foff + c->sc_len > (uint64_t)INT64_MAX - SEAL_ALIGN)
			return pwr_errf(err, errlen, PWR_ERR_RANGE,
			    "output too large");
		foff = seal_align(foff + c->sc_len);
		start = end;
	}
	return 0;
}

/*
 * The whole header (padding included), as the file holds it; the AAD
 * is its first sh_aad_len bytes.
 */
static int
seal_header_encode(const struct seal_header *sh, u_char **pp, size_t *lenp)
{
	const struct seal_chunk	*c;
	u_char			*p, *e, *t;
	uint32_t		 i;

	*pp = NULL;
	*lenp = 0;
	if ((p = calloc(1, sh->sh_header_len)) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	memcpy(p, SEAL_MAGIC, SEAL_MAGIC_LEN);
	seal_enc_u32(p + 8, sh->sh_version);
	memcpy(p + 12, sh->sh_keyid, SEAL_KEYID_LEN);
	seal_enc_u64(p + 20, sh->sh_plain_size);
	seal_enc_u32(p + 28, sh->sh_nchunks);
	e = p + SEAL_FIXED_LEN;
	t = p + sh->sh_aad_len;
	for (i = 0; i < sh->sh_nchunks; i++) {
		c = &sh->sh_chunks[i];
		seal_enc_u64(e, c->sc_plain_off);
		seal_enc_u64(e + 8, c->sc_len);
		memcpy(e + 16, c->sc_nonce, SEAL_NONCE_LEN);
		memcpy(t, c->sc_tag, SEAL_TAG_LEN);
		e += SEAL_ENTRY_LEN;
		t += SEAL_TAG_LEN;
	}
	*pp = p;
	*lenp = sh->sh_header_len;
	return 0;
}

static int
seal_encrypt_chunk_fd(EVP_CIPHER_CTX *ctx, EVP_MD_CTX *md, int in_fd,
    int out_fd, struct seal_header *sh, const u_char *key, uint32_t i,
    u_char *blk, uint64_t *done, seal_progress_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct seal_chunk	*c = &sh->sh_chunks[i];
	uint64_t		 pos;
	size_t			 n;
	int			 outl, r;

	if (seal_gcm_init(ctx, 1, key, sh, i) != 0)
		return pwr_errf(err, errlen, PWR_ERR_INTERNAL,
		    "chunk %u: cipher set-up failed", i);
	for (pos = 0; pos < c->sc_len; pos += n) {
		n = c->sc_len - pos > SEAL_IO_BYTES ? SEAL_IO_BYTES :
		    (size_t)(c->sc_len - pos);
		if ((r = seal_pread_full(in_fd, blk, n,
		    c->sc_plain_off + pos)) != 0)
			return pwr_errf(err, errlen, r, "read input: %s",
			    r == PWR_ERR_EOF ? "file shrank" : strerror(errno));
		if (EVP_DigestUpdate(md, blk, n) != 1 ||
		    seal_gcm_update(ctx, blk, blk, n) != 0)
			return pwr_errf(err, errlen, PWR_ERR_INTERNAL,
			    "chunk %u: cipher failed", i);
		if ((r = seal_pwrite_full(out_fd, blk, n,
		    c->sc_file_off + pos)) != 0)
			return pwr_errf(err, errlen, r, "write: %s",
			    strerror(errno));
		*done += n;
		if (cb != NULL)
			cb(*done, sh->sh_plain_size, arg);
	}
	if (EVP_EncryptFinal_ex(ctx, blk, &outl) != 1 || outl != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    c->sc_tag) != 1)
		return pwr_errf(err, errlen, PWR_ERR_INTERNAL,
		    "chunk %u: cipher failed", i);
	/* Alignment gap up to the next chunk: zeros, never plaintext. */
	if (i + 1 < sh->sh_nchunks && (r = seal_zero_fill(out_fd,
	    c->sc_file_off + c->sc_len, sh->sh_chunks[i + 1].sc_file_off)) != 0)
		return pwr_errf(err, errlen, r, "write: %s", strerror(errno));
	return 0;
}

static int
seal_zero_fill(int fd, uint64_t from, uint64_t to)
{
	if (to <= from)
		return 0;
	return seal_pwrite_full(fd, seal_zero, (size_t)(to - from), from);
}

int
seal_encrypt_fd(int in_fd, int out_fd, const u_char key[SEAL_KEY_LEN],
    const uint64_t *cuts, size_t ncuts, u_char sha256[32],
    seal_progress_cb cb, void *arg, char *err, size_t errlen)
{
	struct seal_header	 sh;
	struct seal_chunk	*c;
	struct stat		 st;
	EVP_CIPHER_CTX		*ctx = NULL;
	EVP_MD_CTX		*md = NULL;
	u_char			*blk = NULL, *hdr = NULL, digest[32];
	uint64_t		 done = 0;
	size_t			 hlen = 0;
	uint32_t		 i;
	int			 r;

	memset(&sh, 0, sizeof(sh));
	if (sha256 != NULL)
		memset(sha256, 0, SEAL_SHA256_LEN);
	if (fstat(in_fd, &st) == -1)
		return pwr_errf(err, errlen, PWR_ERR_SYSTEM_ERROR,
		    "fstat: %s", strerror(errno));
	if ((r = seal_encrypt_plan((uint64_t)st.st_size, cuts, ncuts, &sh,
	    err, errlen)) != 0)
		goto out;
	seal_keyid(key, sh.sh_keyid);
	/* The AAD holds no tags, so it is known before any chunk. */
	if ((r = seal_header_encode(&sh, &hdr, &hlen)) != 0) {
		r = pwr_errf(err, errlen, r, "out of memory");
		goto out;
	}
	sh.sh_aad = hdr;
	r = PWR_ERR_ALLOC_FAIL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    (blk = malloc(SEAL_IO_BYTES)) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = pwr_errf(err, errlen, r, "out of memory");
		goto out;
	}
	for (i = 0; i < sh.sh_nchunks; i++) {
		if ((r = seal_encrypt_chunk_fd(ctx, md, in_fd, out_fd, &sh,
		    key, i, blk, &done, cb, arg, err, errlen)) != 0)
			goto out;
	}
	if (EVP_DigestFinal_ex(md, digest, NULL) != 1) {
		r = pwr_errf(err, errlen, PWR_ERR_INTERNAL, "SHA-256 failed");
		goto out;
	}
	sh.sh_aad = NULL;
	free(hdr);
	if ((r = seal_header_encode(&sh, &hdr, &hlen)) != 0) {
		r = pwr_errf(err, errlen, r, "out of memory");
		goto out;
	}
	if ((r = seal_pwrite_full(out_fd, hdr, hlen, 0)) != 0) {
		r = pwr_errf(err, errlen, r, "write: %s", strerror(errno));
		goto out;
	}
	/* Old bytes past the end would make the file unreadable. */
	c = &sh.sh_chunks[sh.sh_nchunks - 1];
	if (ftruncate(out_fd, (off_t)(c->sc_file_off + c->sc_len)) == -1) {
		r = pwr_errf(err, errlen, PWR_ERR_SYSTEM_ERROR,
		    "truncate: %s", strerror(errno));
		goto out;
	}
	if (sha256 != NULL)
		memcpy(sha256, digest, sizeof(digest));
	r = 0;
 out:
	sh.sh_aad = NULL;
	free(hdr);
	seal_header_free(&sh);
	if (blk != NULL)
		freezero(blk, SEAL_IO_BYTES);
	EVP_CIPHER_CTX_free(ctx);
	EVP_MD_CTX_free(md);
	return r;
}

int
seal_sha256_fd(int fd, u_char out[32], seal_progress_cb cb, void *arg)
{
	struct stat	 st;
	EVP_MD_CTX	*md;
	u_char		*blk;
	uint64_t	 off = 0;
	ssize_t		 n;
	int		 r = PWR_ERR_SYSTEM_ERROR;

	memset(out, 0, SEAL_SHA256_LEN);
	if (fstat(fd, &st) == -1)
		return PWR_ERR_SYSTEM_ERROR;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	if ((blk = malloc(SEAL_IO_BYTES)) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = PWR_ERR_ALLOC_FAIL;
		goto out;
	}
	for (;;) {
		n = pread(fd, blk, SEAL_IO_BYTES, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(md, blk, (size_t)n) != 1) {
			r = PWR_ERR_INTERNAL;
			goto out;
		}
		off += (uint64_t)n;
		if (cb != NULL)
			cb(off, (uint64_t)st.st_size, arg);
	}
	r = EVP_DigestFinal_ex(md, out, NULL) == 1 ? 0 : PWR_ERR_INTERNAL;
 out:
	if (blk != NULL)
		freezero(blk, SEAL_IO_BYTES);
	EVP_MD_CTX_free(md);
	return r;
}

void
seal_sig_statement(const u_char sha256[32], uint64_t size,
    u_char out[SEAL_STATEMENT_LEN])
{
	memcpy(out, SEAL_SIG_LABEL, sizeof(SEAL_SIG_LABEL));
	memcpy(out + sizeof(SEAL_SIG_LABEL), sha256, SEAL_SHA256_LEN);
	seal_enc_u64(out + sizeof(SEAL_SIG_LABEL) + SEAL_SHA256_LEN, size);
}

/* Never prompt on a terminal for a passphrase: refuse instead. */
static int
seal_pem_nopass(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

static EVP_PKEY *
seal_pem_key(const char *pem, size_t len, int private)
{
	BIO		*bio;
	EVP_PKEY	*pkey;

	if (pem == NULL || len == 0 || len > INT_MAX)
		return NULL;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	if (private)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, seal_pem_nopass,
		    NULL);
	else
		pkey = PEM_read_bio_PUBKEY(bio, NULL, seal_pem_nopass, NULL);
	BIO_free(bio);
	if (pkey != NULL && !EVP_PKEY_is_a(pkey, "ED25519")) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

int
seal_sig_verify(const char *pub_pem, size_t len, const u_char sha256[32],
    uint64_t size, const u_char sig[SEAL_SIG_LEN], char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*ctx;
	u_char		 msg[SEAL_STATEMENT_LEN];
	int		 r;

	if ((pkey = seal_pem_key(pub_pem, len, 0)) == NULL)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "not an Ed25519 public key in PEM");
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		EVP_PKEY_free(pkey);
		return pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
		    "out of memory");
	}
	seal_sig_statement(sha256, size, msg);
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
		r = pwr_errf(err, errlen, PWR_ERR_INTERNAL,
		    "Ed25519 set-up failed");
	else if (EVP_DigestVerify(ctx, sig, SEAL_SIG_LEN, msg,
	    sizeof(msg)) != 1)
		r = pwr_errf(err, errlen, PWR_ERR_NOT_FOUND,
		    "signature does not verify");
	else
		r = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return r;
}

int
seal_sig_sign(const char *priv_pem, size_t len, const u_char sha256[32],
    uint64_t size, u_char sig[SEAL_SIG_LEN], char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*ctx;
	u_char		 msg[SEAL_STATEMENT_LEN];
	size_t		 siglen = SEAL_SIG_LEN;
	int		 r;

	memset(sig, 0, SEAL_SIG_LEN);
	if ((pkey = seal_pem_key(priv_pem, len, 1)) == NULL)
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "not an unencrypted Ed25519 private key in PEM");
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		EVP_PKEY_free(pkey);
		return pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
		    "out of memory");
	}
	seal_sig_statement(sha256, size, msg);
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg, sizeof(msg)) != 1 ||
	    siglen != SEAL_SIG_LEN)
		r = pwr_errf(err, errlen, PWR_ERR_INTERNAL,
		    "Ed25519 signing failed");
	else
		r = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);	/* cleanses the private key */
	return r;
}

int
seal_memfd_seal(int fd)
{
	return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL);
}
