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

#ifndef POWER_SEAL_H
#define POWER_SEAL_H

/*
 * Model integrity and confidentiality: SHA-256 of model files, Ed25519
 * publisher signatures (<model>.sig) and the .enc format (AES-256-GCM
 * per chunk, chunk index in the AAD, chunks on tensor/layer boundaries
 * of the plaintext GGUF).  Used by keyd and power-seal; the format is
 * documented in power-seal(1) and PROTOCOL.  Pure functions over fds
 * and memory: nothing here opens a path.
 *
 * .enc layout, all integers little-endian:
 *	0	magic "PWRSEAL\0"		8
 *	8	u32 version (1)			4
 *	12	key id				8
 *	20	u64 plaintext size		8
 *	28	u32 chunk count n		4
 *	32	n entries: u64 plaintext offset, u64 length, nonce[12]
 *	32+28n	n GCM tags of 16 bytes
 *	32+44n	zero padding to a multiple of SEAL_ALIGN
 * then chunk i's ciphertext (as long as its plaintext) at an offset
 * aligned to SEAL_ALIGN, in order, nothing after the last chunk.  The
 * AAD of chunk i is bytes [0, 32+28n) of the file || u32 i.
 */

#define SEAL_MAGIC		"PWRSEAL\0"	/* 8 bytes */
#define SEAL_MAGIC_LEN		8
#define SEAL_VERSION		1
#define SEAL_KEY_LEN		32		/* AES-256 */
#define SEAL_KEYID_LEN		8
#define SEAL_NONCE_LEN		12
#define SEAL_TAG_LEN		16
#define SEAL_MAX_CHUNKS		65536
#define SEAL_SIG_LEN		64		/* Ed25519 */
#define SEAL_SHA256_LEN		32
#define SEAL_ALIGN		4096		/* chunk ciphertext, bytes */
#define SEAL_FIXED_LEN		32		/* magic to chunk count */
#define SEAL_ENTRY_LEN		28		/* offset, length, nonce */
#define SEAL_IO_BYTES		(1024 * 1024)	/* pread/pwrite block */
#define SEAL_KEYID_LABEL	"power-seal key id"	/* no NUL hashed */
#define SEAL_SIG_LABEL		"power-model-signature-v1" /* NUL hashed */
#define SEAL_STATEMENT_LEN	(sizeof(SEAL_SIG_LABEL) + 32 + 8)

struct seal_chunk {
	uint64_t	sc_plain_off;	/* where it goes in the GGUF */
	uint64_t	sc_len;		/* plaintext = ciphertext bytes */
	uint64_t	sc_file_off;	/* where its ciphertext is in .enc */
	u_char		sc_nonce[SEAL_NONCE_LEN];
	u_char		sc_tag[SEAL_TAG_LEN];
};

struct seal_header {
	uint32_t		 sh_version;
	u_char			 sh_keyid[SEAL_KEYID_LEN];
	uint64_t		 sh_plain_size;
	uint32_t		 sh_nchunks;
	struct seal_chunk	*sh_chunks;
	size_t			 sh_header_len;	/* bytes before chunk 0 */
	u_char			*sh_aad;	/* bytes [0, 32+28n) */
	size_t			 sh_aad_len;
};

/*
 * Header in memory (fuzzed): the buffer holds at least sh_header_len
 * bytes (padding included) of a file of file_size bytes; every field
 * is checked (chunks contiguous, in order, cover the plaintext, end
 * exactly at file_size).  0 or PWR_ERR_*; err says why.
 */
int	seal_header_parse(const u_char *, size_t, uint64_t file_size,
	    struct seal_header *, char *err, size_t errlen);
/* Read and parse the header of an open .enc file (pread, fstat). */
int	seal_header_read(int fd, struct seal_header *, char *, size_t);
void	seal_header_free(struct seal_header *);	/* NULL is fine */
/* Bytes before chunk 0 for n chunks, padding included. */
size_t	seal_header_size(uint32_t n);

/* The id a key is known by: SHA-256("power-seal key id" || key)[0..7]. */
void	seal_keyid(const u_char key[SEAL_KEY_LEN],
	    u_char id[SEAL_KEYID_LEN]);
/* "64 hex digits" (surrounding white space allowed) to a key; 0 or -1. */
int	seal_key_from_hex(const char *, u_char key[SEAL_KEY_LEN]);
/* Read a key file's contents from fd (at most 256 bytes); 0 or PWR_ERR_*. */
int	seal_key_read_fd(int fd, u_char key[SEAL_KEY_LEN]);

/*
 * Decrypt chunk i (sh_chunks[i].sc_len bytes) from ct into pt (may be
 * the same buffer); 0 or -1.  On -1, pt holds unauthenticated bytes
 * the caller must wipe and discard.
 */
int	seal_chunk_decrypt(const u_char key[SEAL_KEY_LEN],
	    const struct seal_header *, uint32_t i, const u_char *ct,
	    u_char *pt);

/* Callback for long jobs, after every block: bytes done of total. */
typedef void (*seal_progress_cb)(uint64_t done, uint64_t total, void *);

/*
 * Decrypt a whole .enc into out_fd (a memfd; -1: verify and hash
 * only), hashing the plaintext as it goes; 0 or PWR_ERR_* with err set
 * (a failed tag names the chunk).  A chunk is written before its tag
 * is checked: on failure out_fd holds unauthenticated bytes and is
 * truncated to 0 (best effort); never use it.  Errors:
 * PWR_ERR_NOT_FOUND the key id is not the key's, PWR_ERR_INVALID_FORMAT
 * a tag failed, PWR_ERR_EOF the file is short, PWR_ERR_SYSTEM_ERROR
 * read/write (errno).
 */
int	seal_decrypt_fd(int in_fd, const struct seal_header *,
	    const u_char key[SEAL_KEY_LEN], int out_fd,
	    u_char sha256[32], seal_progress_cb, void *, char *, size_t);
/*
 * Encrypt the plaintext in in_fd (its whole size, from offset 0) into
 * out_fd (empty, writable, seekable).  cuts are the plaintext offsets
 * where a new chunk starts, strictly increasing, each in (0, size);
 * the caller (power-seal) puts them on tensor/layer boundaries.
 * sha256 (may be NULL) gets the plaintext hash.
 */
int	seal_encrypt_fd(int in_fd, int out_fd, const u_char key[SEAL_KEY_LEN],
	    const uint64_t *cuts, size_t ncuts, u_char sha256[32],
	    seal_progress_cb, void *, char *, size_t);

/* SHA-256 of an open file from offset 0 to EOF, with progress. */
int	seal_sha256_fd(int fd, u_char out[32], seal_progress_cb, void *);

/*
 * Signatures: Ed25519 over the statement "power-model-signature-v1\0"
 * || SHA-256(plaintext GGUF) || u64 little-endian plaintext size, so a
 * verifier never holds the whole model.  pub/priv are PEM (no
 * passphrase); the .sig file is the 64 raw signature bytes.
 * seal_sig_verify: 0 if the signature verifies, PWR_ERR_INVALID_FORMAT
 * if the PEM is not an Ed25519 key, PWR_ERR_NOT_FOUND if the signature
 * does not verify (wrong key, model, size or signature).
 */
int	seal_sig_verify(const char *pub_pem, size_t, const u_char sha256[32],
	    uint64_t size, const u_char sig[SEAL_SIG_LEN], char *, size_t);
int	seal_sig_sign(const char *priv_pem, size_t, const u_char sha256[32],
	    uint64_t size, u_char sig[SEAL_SIG_LEN], char *, size_t);
/* The 65-byte statement a signature covers. */
void	seal_sig_statement(const u_char sha256[32], uint64_t size,
	    u_char out[SEAL_STATEMENT_LEN]);

/*
 * A sealed memfd: F_SEAL_WRITE|GROW|SHRINK|SEAL; 0 or -1 with errno.
 * The memfd needs MFD_ALLOW_SEALING and no writable shared mapping.
 */
int	seal_memfd_seal(int fd);

/* len bytes at off: 0, PWR_ERR_EOF (short file), PWR_ERR_SYSTEM_ERROR. */
int	seal_pread_full(int fd, u_char *, size_t len, uint64_t off);

#endif /* POWER_SEAL_H */
