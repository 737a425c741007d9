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
#include <sys/resource.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "sandbox.h"
#include "seal.h"
#include "xmalloc.h"
#include "keyd.h"

/*
 * One model's checks, fail closed: its SHA-256 is always computed (of
 * the plaintext; from HashCache when the file is unchanged) and
 * compared with the configured one; with ModelSigningKey, <path>.sig
 * must verify; an .enc file is decrypted with the ModelKey its header
 * names into a sealed memfd, so its plaintext never reaches a disk.
 * Anything that fails leaves the model refused with the reason.
 *
 * With StreamLayers, an .enc is decrypted once to check every tag and
 * hash the plaintext, which is not kept; keyd keeps the checked header
 * and a copy of the key, and decrypts one chunk at a time when inferd
 * asks (key_model_chunk).  The header held here is the one that was
 * verified: a file changed on disk afterwards fails its tags.
 */

struct key_progress {
	const char	*kp_verb;	/* "hashing", "decrypting" */
	const char	*kp_name;
	uint64_t	 kp_total;
	int		 kp_decile;	/* last 10% step reported */
};

static void	key_model_refuse(struct key_model *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	key_model_sig_open(struct key_model *);
static int	key_model_hash(struct key_model *, const struct stat *);
static int	key_model_decrypt(struct key_model *);
static int	key_model_stream(struct key_model *, struct seal_header *,
		    const u_char *, int, const char *);
static u_char	*key_stream_key(const u_char *);
static void	key_stream_wipe(void);
static int	key_model_sig_check(struct key_model *, const char *, size_t);
static void	key_progress_cb(uint64_t, uint64_t, void *);
static void	key_size_text(uint64_t, char *, size_t);
static double	key_elapsed(const struct timespec *);

/*
 * The keys of streamed models, one slot per model, in a page kept out
 * of core dumps like the key store's: a rotation must not cut off a
 * model that is being served, as it does not take back a memfd.
 */
static u_char	*key_stream_page;
static size_t	 key_stream_pagelen;
static size_t	 key_stream_nkeys;


static void
key_model_refuse(struct key_model *km, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(km->km_reason, sizeof(km->km_reason), fmt, ap);
	va_end(ap);
	km->km_state = KM_REFUSED;
	if (km->km_memfd != -1)
		close(km->km_memfd);
	km->km_memfd = -1;
	/* km_stream stays: inferd may still ask, and is told no. */
	seal_header_free(km->km_sh);
	free(km->km_sh);
	km->km_sh = NULL;
	if (km->km_key != NULL)
		OPENSSL_cleanse(km->km_key, SEAL_KEY_LEN);
	km->km_key = NULL;
	log_warnx("model %s (%s) refused: %s", km->km_name, km->km_path,
	    km->km_reason);
}

/*
 * As root, before the sandbox: the file, its signature if there is one,
 * and whether it is sealed.  Nothing is hashed yet.
 */
void
key_model_open(struct key_model *km, const char *name, const char *path,
    const char *want)
{
	u_char		magic[SEAL_MAGIC_LEN];
	struct stat	st;
	size_t		i;

	memset(km, 0, sizeof(*km));
	km->km_name = xstrdup(name);
	km->km_path = xstrdup(path);
	km->km_memfd = -1;
	if (want != NULL && strncmp(want, "sha256:", 7) == 0 &&
	    strlen(want + 7) == 64)
		for (i = 0; i < 64; i++)
			km->km_want[i] = (char)tolower((u_char)want[7 + i]);
	if ((km->km_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(km->km_fd, &st) == -1) {
		key_model_refuse(km, "cannot open: %s", strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		key_model_refuse(km, "not a regular file");
		return;
	}
	km->km_mtime = (int64_t)st.st_mtime;
	km->km_size = (uint64_t)st.st_size;
	km->km_enc = pread(km->km_fd, magic, sizeof(magic), 0) ==
	    (ssize_t)sizeof(magic) &&
	    memcmp(magic, SEAL_MAGIC, sizeof(magic)) == 0;
	key_model_sig_open(km);
}

/* <path>.sig: 64 raw bytes; anything else fails the check later. */
static void
key_model_sig_open(struct key_model *km)
{
	char	 path[4096];
	ssize_t	 n;
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s.sig", km->km_path) >=
	    sizeof(path)) {
		km->km_sigerr = ENAMETOOLONG;
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		km->km_sigerr = errno;
		return;
	}
	km->km_sig = xmalloc(KEY_MAX_SIG_BYTES);
	if ((n = read(fd, km->km_sig, KEY_MAX_SIG_BYTES)) == -1) {
		km->km_sigerr = errno;
		n = 0;
	}
	km->km_siglen = (size_t)n;
	close(fd);
}

/*
 * In the sandbox: hash or decrypt, then compare and verify.  pub is the
 * ModelSigningKey PEM, or NULL when none is configured.
 */
void
key_model_verify(struct key_model *km, const char *pub, size_t publen)
{
	struct stat	st;
	char		have[65];

	if (km->km_state != KM_PENDING)
		return;
	if (km->km_enc) {
		if (key_model_decrypt(km) != 0)
			return;
	} else {
		if (fstat(km->km_fd, &st) == -1) {
			key_model_refuse(km, "fstat: %s", strerror(errno));
			return;
		}
		if (key_model_hash(km, &st) != 0)
			return;
	}
	hex_encode(km->km_sha, sizeof(km->km_sha), have);
	if (km->km_want[0] != '\0' && strcmp(km->km_want, have) != 0) {
		key_model_refuse(km, "sha256 mismatch: configured %s, file %s",
		    km->km_want, have);
		return;
	}
	if (pub != NULL && key_model_sig_check(km, pub, publen) != 0)
		return;
	km->km_state = KM_VERIFIED;
	log_info("model %s: verified: sha256 %s%s%s", km->km_name, have,
	    km->km_want[0] != '\0' ? ", as configured" : "",
	    pub != NULL ? ", signature good" : "");
}

/* A plaintext model: HashCache, else every byte. */
static int
key_model_hash(struct key_model *km, const struct stat *st)
{
	struct key_progress	kp = { "hashing", km->km_name, 0, 0 };
	struct timespec		t0;
	char			size[32];
	double			s;
	int			r;

	km->km_size = (uint64_t)st->st_size;
	km->km_mtime = (int64_t)st->st_mtime;
	if (key_cache_lookup(st, km->km_sha) == 0) {
		log_info("model %s: sha256 cached (file unchanged)",
		    km->km_name);
		return 0;
	}
	key_size_text(km->km_size, size, sizeof(size));
	kp.kp_total = km->km_size;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = seal_sha256_fd(km->km_fd, km->km_sha, key_progress_cb,
	    &kp)) != 0) {
		key_model_refuse(km, "hashing failed: %s", r ==
		    PWR_ERR_SYSTEM_ERROR ? strerror(errno) : pwr_err(r));
		return -1;
	}
	s = key_elapsed(&t0);
	log_info("model %s: hashed %s in %.2f s (%.0f MB/s)", km->km_name,
	    size, s, s > 0 ? (double)km->km_size / s / 1e6 : 0.0);
	key_cache_store(st, km->km_sha);
	return 0;
}

/*
 * A sealed model: the key named by its header, decrypted into a memfd
 * that is then sealed against any change.  seal_decrypt_fd checks every
 * chunk's tag; a failure leaves nothing behind.
 */
static int
key_model_decrypt(struct key_model *km)
{
	struct key_progress	 kp = { "decrypting", km->km_name, 0, 0 };
	struct seal_header	 sh;
	struct timespec		 t0;
	const u_char		*key;
	char			 err[256], id[2 * SEAL_KEYID_LEN + 1];
	char			 size[32];
	int			 slot, r;

	memset(&sh, 0, sizeof(sh));
	if (seal_header_read(km->km_fd, &sh, err, sizeof(err)) != 0) {
		key_model_refuse(km, ".enc header: %s", err);
		return -1;
	}
	hex_encode(sh.sh_keyid, sizeof(sh.sh_keyid), id);
	if ((slot = key_store_find(sh.sh_keyid, &key)) == -1) {
		key_model_refuse(km, "sealed with key id %s: no usable "
		    "ModelKey has it", id);
		seal_header_free(&sh);
		return -1;
	}
	if (km->km_stream && sh.sh_nchunks > KEY_STREAM_MAX_CHUNKS) {
		log_warnx("model %s: %u chunks, more than the %d a stream "
		    "can list: decrypted whole instead", km->km_name,
		    sh.sh_nchunks, KEY_STREAM_MAX_CHUNKS);
		km->km_stream = 0;
	}
	if (km->km_stream)
		return key_model_stream(km, &sh, key, slot, id);
	if ((km->km_memfd = memfd_create("power-model", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1 ||
	    ftruncate(km->km_memfd, (off_t)sh.sh_plain_size) == -1) {
		key_model_refuse(km, "memfd: %s", strerror(errno));
		seal_header_free(&sh);
		return -1;
	}
	kp.kp_total = sh.sh_plain_size;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	r = seal_decrypt_fd(km->km_fd, &sh, key, km->km_memfd, km->km_sha,
	    key_progress_cb, &kp, err, sizeof(err));
	km->km_size = sh.sh_plain_size;
	seal_header_free(&sh);
	if (r != 0) {
		key_model_refuse(km, "decryption with key %d (id %s) failed: "
		    "%s", slot + 1, id, err);
		return -1;
	}
	if (seal_memfd_seal(km->km_memfd) == -1) {
		key_model_refuse(km, "sealing the memfd: %s",
		    strerror(errno));
		return -1;
	}
	key_size_text(km->km_size, size, sizeof(size));
	log_info("model %s: decrypted %s with key %d (id %s) into a sealed "
	    "memfd in %.2f s", km->km_name, size, slot + 1, id,
	    key_elapsed(&t0));
	return 0;
}

/*
 * Streaming: every tag checked and the plaintext hashed, nothing
 * written; the header (moved out of sh) and a copy of the key stay.
 */
static int
key_model_stream(struct key_model *km, struct seal_header *sh,
    const u_char *key, int slot, const char *id)
{
	struct key_progress	 kp = { "verifying", km->km_name, 0, 0 };
	struct timespec		 t0;
	char			 err[256], size[32];
	int			 r;

	kp.kp_total = sh->sh_plain_size;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	r = seal_decrypt_fd(km->km_fd, sh, key, -1, km->km_sha,
	    key_progress_cb, &kp, err, sizeof(err));
	km->km_size = sh->sh_plain_size;
	if (r != 0) {
		seal_header_free(sh);
		key_model_refuse(km, "decryption with key %d (id %s) failed: "
		    "%s", slot + 1, id, err);
		return -1;
	}
	km->km_sh = xcalloc(1, sizeof(*km->km_sh));
	*km->km_sh = *sh;
	memset(sh, 0, sizeof(*sh));
	km->km_key = key_stream_key(key);
	key_size_text(km->km_size, size, sizeof(size));
	log_info("model %s: checked %s in %u chunks with key %d (id %s) in "
	    "%.2f s: streamed to inferd a chunk at a time", km->km_name,
	    size, km->km_sh->sh_nchunks, slot + 1, id, key_elapsed(&t0));
	return 0;
}

/* A slot in the streaming key page, holding a copy of key. */
static u_char *
key_stream_key(const u_char *key)
{
	long	pg;
	u_char	*k;

	if (key_stream_page == NULL) {
		pg = sysconf(_SC_PAGESIZE);
		key_stream_pagelen = pg > 0 ? (size_t)pg : 4096;
		if ((size_t)SEAL_KEY_LEN * KEY_MAX_MODELS > key_stream_pagelen)
			fatalx_f("key page too small");
		key_stream_page = mmap(NULL, key_stream_pagelen,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (key_stream_page == MAP_FAILED)
			fatal_f("mmap");
		if (madvise(key_stream_page, key_stream_pagelen,
		    MADV_DONTDUMP) == -1)
			fatal_f("MADV_DONTDUMP");
		if (atexit(key_stream_wipe) != 0)
			fatalx_f("atexit");
	}
	if (key_stream_nkeys >= KEY_MAX_MODELS)
		fatalx_f("more streamed models than models");
	k = key_stream_page + key_stream_nkeys++ * SEAL_KEY_LEN;
	memcpy(k, key, SEAL_KEY_LEN);
	return k;
}

static void
key_stream_wipe(void)
{
	if (key_stream_page != NULL)
		OPENSSL_cleanse(key_stream_page, key_stream_pagelen);
}

/*
 * Chunk i of a streamed model, decrypted into a new memfd that is then
 * sealed: the ciphertext is read into the memfd's own pages and
 * decrypted in place, so no other copy of the plaintext is made.  The
 * tag is checked again (the file may have changed since it was
 * verified); on failure the bytes are wiped and the model is refused
 * from then on.  0 with *fdp, or -1 with err.  The caller checked that
 * the model streams and i is in range.
 */
int
key_model_chunk(struct key_model *km, uint32_t i, int *fdp, char *err,
    size_t errlen)
{
	const struct seal_chunk	*c = &km->km_sh->sh_chunks[i];
	u_char			*p;
	size_t			 len = (size_t)c->sc_len;
	int			 fd, r;

	*fdp = -1;
	if ((fd = memfd_create("power-chunk", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1) {
		(void)snprintf(err, errlen, "memfd: %s", strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)len) == -1 || (p = mmap(NULL, len,
	    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		(void)snprintf(err, errlen, "memfd: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if ((r = seal_pread_full(km->km_fd, p, len, c->sc_file_off)) != 0)
		(void)snprintf(err, errlen, "chunk %u: read: %s", i,
		    r == PWR_ERR_EOF ? "file truncated" : strerror(errno));
	else if ((r = seal_chunk_decrypt(km->km_key, km->km_sh, i, p,
	    p)) != 0)
		(void)snprintf(err, errlen, "chunk %u: authentication failed "
		    "(the file changed since it was verified)", i);
	if (r != 0) {
		explicit_bzero(p, len);
		(void)munmap(p, len);
		close(fd);
		key_model_refuse(km, "while streaming: %s", err);
		return -1;
	}
	(void)munmap(p, len);
	if (seal_memfd_seal(fd) == -1) {
		(void)snprintf(err, errlen, "sealing the memfd: %s",
		    strerror(errno));
		r = -1;
	}
	if (r != 0) {
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}


static int
key_model_sig_check(struct key_model *km, const char *pub, size_t publen)
{
	char	err[256];

	if (km->km_sig == NULL) {
		key_model_refuse(km, "ModelSigningKey is set and %s.sig "
		    "cannot be read: %s", km->km_path,
		    strerror(km->km_sigerr));
		return -1;
	}
	if (km->km_siglen != SEAL_SIG_LEN) {
		key_model_refuse(km, "%s.sig: %zu bytes, not a %d-byte "
		    "Ed25519 signature", km->km_path, km->km_siglen,
		    SEAL_SIG_LEN);
		return -1;
	}
	if (seal_sig_verify(pub, publen, km->km_sha, km->km_size, km->km_sig,
	    err, sizeof(err)) != 0) {
		key_model_refuse(km, "signature %s.sig does not verify with "
		    "ModelSigningKey: %s", km->km_path, err);
		return -1;
	}
	return 0;
}


/* Every 10% of a large file: a log line and powerctl status. */
static void
key_progress_cb(uint64_t done, uint64_t total, void *arg)
{
	struct key_progress	*kp = arg;
	char			 size[32], line[256];
	int			 decile;

	if (kp->kp_total < KEY_PROGRESS_MIN_BYTES || total == 0)
		return;
	decile = (int)(done * 10 / total);
	if (decile <= kp->kp_decile || decile >= 10)
		return;
	kp->kp_decile = decile;
	key_size_text(total, size, sizeof(size));
	snprintf(line, sizeof(line), "%s %s %d%% of %s", kp->kp_verb,
	    kp->kp_name, decile * 10, size);
	log_info("%s", line);
	key_status_progress(line);
}

static void
key_size_text(uint64_t n, char *out, size_t len)
{
	if (n >= (1ULL << 30))
		snprintf(out, len, "%.1f GiB", (double)n / (1ULL << 30));
	else if (n >= (1ULL << 20))
		snprintf(out, len, "%.1f MiB", (double)n / (1ULL << 20));
	else
		snprintf(out, len, "%llu bytes", (unsigned long long)n);
}

static double
key_elapsed(const struct timespec *t0)
{
	struct timespec	t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}
