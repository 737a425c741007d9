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

#ifndef POWER_KEYD_H
#define POWER_KEYD_H

/* keyd: the key custodian and model verifier. */

#define KEY_MAX_MODELS		32	/* as inferd's INFER_MAX_MODELS */
#define KEY_MAX_KEYS		16	/* ModelKey lines */
#define KEY_MAX_SIG_BYTES	4096	/* a <model>.sig file, read whole */
#define KEY_MAX_PUB_BYTES	8192	/* the ModelSigningKey PEM */
#define KEY_PROGRESS_MIN_BYTES	(64ULL << 20)	/* log progress above */
#define KEY_CACHE_MAX_RECORDS	1024	/* HashCache entries kept */
#define KEY_REASON_LEN		256
/* Chunks a KEY_MODEL_STREAM can list in one 64 KiB control frame. */
#define KEY_STREAM_MAX_CHUNKS	3072

struct config;
struct seal_header;
struct stat;

enum key_model_state {
	KM_PENDING = 0,		/* opened, not yet checked */
	KM_VERIFIED,		/* may be served: km_fd or km_memfd */
	KM_REFUSED		/* failed a check: km_reason says which */
};

/* A configured model, as keyd holds it. */
struct key_model {
	char			*km_name;
	char			*km_path;
	char			 km_want[65];	/* configured sha256, or "" */
	int			 km_fd;		/* the file, -1 if unopened */
	int			 km_memfd;	/* .enc: sealed plaintext */
	int			 km_enc;	/* file starts with SEAL_MAGIC */
	int			 km_stream;	/* .enc served chunk by chunk */
	struct seal_header	*km_sh;		/* streaming: the checked header */
	u_char			*km_key;	/* streaming: its key (key page) */
	u_char			*km_sig;	/* <path>.sig contents */
	size_t			 km_siglen;
	int			 km_sigerr;	/* errno opening .sig, 0 ok */
	uint64_t		 km_size;	/* plaintext bytes */
	int64_t			 km_mtime;	/* of the file on disk */
	u_char			 km_sha[32];	/* of the plaintext */
	enum key_model_state	 km_state;
	char			 km_reason[KEY_REASON_LEN];
};

/* keyd.c */
void	key_status_progress(const char *);

/* key-model.c */
void	key_model_open(struct key_model *, const char *name,
	    const char *path, const char *want);
void	key_model_verify(struct key_model *, const char *pub, size_t publen);
int	key_model_chunk(struct key_model *, uint32_t, int *fdp, char *,
	    size_t);

/* key-store.c */
void	key_store_init(void);
void	key_store_load(const struct config *);
size_t	key_store_count(void);
int	key_store_find(const u_char id[8], const u_char **key);
int	key_store_rotate(uint32_t want, char *, size_t);
uint32_t key_store_current(void);
void	key_store_wipe(void);

/* key-cache.c */
void	key_cache_open(const char *path);
int	key_cache_parse(const u_char *, size_t);
size_t	key_cache_count(void);
int	key_cache_lookup(const struct stat *, u_char sha[32]);
void	key_cache_store(const struct stat *, const u_char sha[32]);

/* key-filter.c */
extern const struct sandbox_rule	key_filter[];
extern const size_t			key_filter_len;

#endif /* POWER_KEYD_H */
