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

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "hex.h"
#include "log.h"
#include "sandbox.h"
#include "seal.h"
#include "keyd.h"

/*
 * The model keys (ModelKey), in the order configured.  They live in one
 * anonymous page that is kept out of core dumps and locked in memory
 * when the limit allows, and nowhere else: a copy read from a file or
 * the environment is wiped as soon as it is parsed.  One key is
 * current; rotation makes the next usable one current and wipes every
 * key before it.
 */

struct key_slot {
	u_char	ks_key[SEAL_KEY_LEN];
	u_char	ks_id[SEAL_KEYID_LEN];
	int	ks_usable;
};

static int	key_store_file(const char *, u_char[SEAL_KEY_LEN]);
static int	key_store_env(const char *, u_char[SEAL_KEY_LEN]);

static struct key_slot	*key_slots;	/* the page */
static size_t		 key_pagelen;
static size_t		 key_nslots;
static size_t		 key_cur;

void
key_store_init(void)
{
	long	pg = sysconf(_SC_PAGESIZE);

	key_pagelen = pg > 0 ? (size_t)pg : 4096;
	if (sizeof(struct key_slot) * KEY_MAX_KEYS > key_pagelen)
		fatalx_f("key page too small");
	key_slots = mmap(NULL, key_pagelen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (key_slots == MAP_FAILED)
		fatal_f("mmap");
	if (madvise(key_slots, key_pagelen, MADV_DONTDUMP) == -1)
		fatal_f("MADV_DONTDUMP");
	/* Best effort: RLIMIT_MEMLOCK may be 0 for this user. */
	if (mlock(key_slots, key_pagelen) == -1)
		log_debug("mlock of the key page: %s", strerror(errno));
	if (atexit(key_store_wipe) != 0)
		fatalx_f("atexit");
}

/*
 * As root, before the sandbox: every ModelKey.  A key that cannot be
 * used (a file others may read, a variable not set, bad contents) is
 * logged and left unusable; a model that needs it is refused later.
 */
void
key_store_load(const struct config *conf)
{
	const struct config_value	*cv;
	struct key_slot			*ks;
	char				 id[2 * SEAL_KEYID_LEN + 1];
	int				 r;

	for (cv = config_get(conf, CONF_KW_MODELKEY); cv != NULL;
	    cv = cv->cv_next) {
		if (key_nslots >= KEY_MAX_KEYS) {
			log_warnx("ModelKey: more than %d keys: the rest are "
			    "ignored", KEY_MAX_KEYS);
			break;
		}
		ks = &key_slots[key_nslots++];
		if (strcmp(cv->cv_argv[0], "file") == 0)
			r = key_store_file(cv->cv_argv[1], ks->ks_key);
		else
			r = key_store_env(cv->cv_argv[1], ks->ks_key);
		if (r != 0) {
			OPENSSL_cleanse(ks->ks_key, sizeof(ks->ks_key));
			continue;
		}
		seal_keyid(ks->ks_key, ks->ks_id);
		ks->ks_usable = 1;
		hex_encode(ks->ks_id, sizeof(ks->ks_id), id);
		log_verbose("ModelKey %zu (%s %s): key id %s", key_nslots,
		    cv->cv_argv[0], cv->cv_argv[1], id);
	}
	/* The first usable key is current. */
	while (key_cur + 1 < key_nslots && !key_slots[key_cur].ks_usable)
		key_cur++;
}

/* Root-owned (or ours, when not root) and not readable by others. */
static int
key_store_file(const char *path, u_char key[SEAL_KEY_LEN])
{
	struct stat	st;
	int		fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY)) == -1) {
		log_warn("ModelKey file %s: key unusable", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("ModelKey file %s: not a regular file: key "
		    "unusable", path);
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		log_warnx("ModelKey file %s: owned by uid %u, not root: key "
		    "unusable", path, (unsigned int)st.st_uid);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		log_warnx("ModelKey file %s: mode %04o: group or others may "
		    "read it (want 0600 or stricter): key unusable", path,
		    (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	r = seal_key_read_fd(fd, key);
	close(fd);
	if (r != 0)
		log_warnx("ModelKey file %s: not 64 hex digits: key unusable",
		    path);
	return r == 0 ? 0 : -1;
}

/* The parent passed this variable to keyd alone; wipe it once read. */
static int
key_store_env(const char *var, u_char key[SEAL_KEY_LEN])
{
	char	*v;
	int	 r;

	if ((v = getenv(var)) == NULL) {
		log_warnx("ModelKey env %s: not set: key unusable", var);
		return -1;
	}
	r = seal_key_from_hex(v, key);
	explicit_bzero(v, strlen(v));
	(void)unsetenv(var);
	if (r != 0)
		log_warnx("ModelKey env %s: not 64 hex digits: key unusable",
		    var);
	return r;
}

size_t
key_store_count(void)
{
	return key_nslots;
}

uint32_t
key_store_current(void)
{
	return (uint32_t)key_cur;
}

/*
 * The key with this id, searched from the current key on (the keys
 * before it were rotated out); its index, or -1.
 */
int
key_store_find(const u_char id[SEAL_KEYID_LEN], const u_char **key)
{
	size_t	i;

	*key = NULL;
	for (i = key_cur; i < key_nslots; i++)
		if (key_slots[i].ks_usable &&
		    CRYPTO_memcmp(key_slots[i].ks_id, id, SEAL_KEYID_LEN) ==
		    0) {
			*key = key_slots[i].ks_key;
			return (int)i;
		}
	return -1;
}

/*
 * Make key want (0-based; 0 means the next usable one) current and wipe
 * those before it.  Models already decrypted are not touched.
 */
int
key_store_rotate(uint32_t want, char *msg, size_t msglen)
{
	char	id[2 * SEAL_KEYID_LEN + 1];
	size_t	i, next;

	next = want == 0 ? key_cur + 1 : want;
	while (next < key_nslots && !key_slots[next].ks_usable)
		next++;
	if (next <= key_cur || next >= key_nslots) {
		snprintf(msg, msglen, "no next key: key %zu of %zu is current",
		    key_cur + 1, key_nslots);
		return -1;
	}
	for (i = key_cur; i < next; i++) {
		OPENSSL_cleanse(&key_slots[i], sizeof(key_slots[i]));
		key_slots[i].ks_usable = 0;
	}
	key_cur = next;
	hex_encode(key_slots[next].ks_id, SEAL_KEYID_LEN, id);
	snprintf(msg, msglen, "key %zu of %zu (id %s) is current", next + 1,
	    key_nslots, id);
	return 0;
}

void
key_store_wipe(void)
{
	if (key_slots == NULL || key_slots == MAP_FAILED)
		return;
	OPENSSL_cleanse(key_slots, key_pagelen);
	key_nslots = key_cur = 0;
}
