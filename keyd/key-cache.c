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
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "keyd.h"

/*
 * HashCache: the SHA-256 of each plaintext model file, keyed by what
 * changes when the file does: device, inode, size, mtime and ctime.
 * ctime cannot be set from user space, so a file rewritten in place and
 * given its old mtime back still misses.  The file is a magic followed
 * by fixed records in host byte order; one that does not parse exactly
 * is ignored whole and rewritten, and a record is only ever used for
 * its exact key.
 */

#define KEY_CACHE_MAGIC		"PWRHASH1"
#define KEY_CACHE_MAGIC_LEN	8
#define KEY_CACHE_REC_BYTES	(7 * 8 + 32)
#define KEY_CACHE_MAX_BYTES	(KEY_CACHE_MAGIC_LEN + \
				    KEY_CACHE_MAX_RECORDS * KEY_CACHE_REC_BYTES)

struct key_cache_rec {
	uint64_t	kc_key[7];	/* dev ino size mtime(s,ns) ctime(s,ns) */
	u_char		kc_sha[32];
};

static void	key_cache_key(const struct stat *, uint64_t[7]);
static void	key_cache_write(void);

static int			 key_cache_fd = -1;
static struct key_cache_rec	 key_cache_recs[KEY_CACHE_MAX_RECORDS];
static size_t			 key_cache_n;
static size_t			 key_cache_next;	/* slot reused when full */

/* As root, before the sandbox: open (or create) and read the cache. */
void
key_cache_open(const char *path)
{
	struct stat	 st;
	u_char		*data;
	ssize_t		 n;

	if ((key_cache_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0600)) == -1) {
		log_warn("HashCache %s: running without a hash cache", path);
		return;
	}
	if (fstat(key_cache_fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("HashCache %s: not a regular file: running without "
		    "a hash cache", path);
		close(key_cache_fd);
		key_cache_fd = -1;
		return;
	}
	if (st.st_size == 0)
		return;
	if (st.st_size > KEY_CACHE_MAX_BYTES) {
		log_warnx("HashCache %s: %lld bytes, more than %d: ignored",
		    path, (long long)st.st_size, KEY_CACHE_MAX_BYTES);
		return;
	}
	data = xmalloc((size_t)st.st_size);
	n = pread(key_cache_fd, data, (size_t)st.st_size, 0);
	if (n != st.st_size || key_cache_parse(data, (size_t)n) != 0)
		log_warnx("HashCache %s: malformed: ignored", path);
	else
		log_debug("HashCache %s: %zu entries", path, key_cache_n);
	free(data);
}

/*
 * The records of a cache file's contents (fuzzed): 0, or -1 with the
 * table left empty.
 */
int
key_cache_parse(const u_char *data, size_t len)
{
	struct buf		*b;
	struct key_cache_rec	*kc;
	u_char			 magic[KEY_CACHE_MAGIC_LEN];
	size_t			 i;
	int			 r = 0;

	key_cache_n = key_cache_next = 0;
	if (len < KEY_CACHE_MAGIC_LEN ||
	    (len - KEY_CACHE_MAGIC_LEN) % KEY_CACHE_REC_BYTES != 0)
		return -1;
	if ((b = buf_from(data, len)) == NULL)
		fatalx_f("buf_from");
	r |= buf_get(b, magic, sizeof(magic));
	if (r != 0 || memcmp(magic, KEY_CACHE_MAGIC, sizeof(magic)) != 0) {
		buf_free(b);
		return -1;
	}
	while (r == 0 && buf_len(b) > 0 && key_cache_n <
	    KEY_CACHE_MAX_RECORDS) {
		kc = &key_cache_recs[key_cache_n];
		for (i = 0; i < 7; i++)
			r |= buf_get_u64(b, &kc->kc_key[i]);
		r |= buf_get(b, kc->kc_sha, sizeof(kc->kc_sha));
		if (r == 0)
			key_cache_n++;
	}
	if (buf_len(b) != 0)
		r = -1;
	buf_free(b);
	if (r != 0) {
		key_cache_n = 0;
		return -1;
	}
	key_cache_next = key_cache_n % KEY_CACHE_MAX_RECORDS;
	return 0;
}

static void
key_cache_key(const struct stat *st, uint64_t key[7])
{
	key[0] = (uint64_t)st->st_dev;
	key[1] = (uint64_t)st->st_ino;
	key[2] = (uint64_t)st->st_size;
	key[3] = (uint64_t)st->st_mtim.tv_sec;
	key[4] = (uint64_t)st->st_mtim.tv_nsec;
	key[5] = (uint64_t)st->st_ctim.tv_sec;
	key[6] = (uint64_t)st->st_ctim.tv_nsec;
}

/* How many records the table holds (for the fuzzer). */
size_t
key_cache_count(void)
{
	return key_cache_n;
}

/* 0 and the hash if this exact file state was hashed before; else -1. */
int
key_cache_lookup(const struct stat *st, u_char sha[32])
{
	uint64_t	key[7];
	size_t		i;

	key_cache_key(st, key);
	for (i = 0; i < key_cache_n; i++)
		if (memcmp(key_cache_recs[i].kc_key, key, sizeof(key)) == 0) {
			memcpy(sha, key_cache_recs[i].kc_sha, 32);
			return 0;
		}
	return -1;
}

/*
 * Remember a hash.  A record for the same file (device and inode) is
 * replaced; when the table is full the oldest slot goes.
 */
void
key_cache_store(const struct stat *st, const u_char sha[32])
{
	struct key_cache_rec	*kc = NULL;
	uint64_t		 key[7];
	size_t			 i;

	key_cache_key(st, key);
	for (i = 0; i < key_cache_n; i++)
		if (key_cache_recs[i].kc_key[0] == key[0] &&
		    key_cache_recs[i].kc_key[1] == key[1]) {
			kc = &key_cache_recs[i];
			break;
		}
	if (kc == NULL && key_cache_n < KEY_CACHE_MAX_RECORDS)
		kc = &key_cache_recs[key_cache_n++];
	else if (kc == NULL) {
		kc = &key_cache_recs[key_cache_next];
		key_cache_next = (key_cache_next + 1) % KEY_CACHE_MAX_RECORDS;
	}
	memcpy(kc->kc_key, key, sizeof(key));
	memcpy(kc->kc_sha, sha, sizeof(kc->kc_sha));
	key_cache_write();
}

/* Rewrite the whole file: it is small, and a torn write only misses. */
static void
key_cache_write(void)
{
	struct buf	*b;
	size_t		 i, j;
	int		 r = 0;

	if (key_cache_fd == -1)
		return;
	if ((b = buf_new(KEY_CACHE_MAX_BYTES)) == NULL)
		fatalx_f("buf_new");
	r |= buf_put(b, KEY_CACHE_MAGIC, KEY_CACHE_MAGIC_LEN);
	for (i = 0; i < key_cache_n; i++) {
		for (j = 0; j < 7; j++)
			r |= buf_put_u64(b, key_cache_recs[i].kc_key[j]);
		r |= buf_put(b, key_cache_recs[i].kc_sha, 32);
	}
	if (r != 0)
		fatalx_f("buf");
	if (pwrite(key_cache_fd, buf_ptr(b), buf_len(b), 0) !=
	    (ssize_t)buf_len(b) ||
	    ftruncate(key_cache_fd, (off_t)buf_len(b)) == -1)
		log_warn("HashCache: write");
	buf_free(b);
}
