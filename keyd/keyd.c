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
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "seal.h"
#include "xmalloc.h"
#include "keyd.h"

/*
 * keyd: the only process that reads key files and the one that vouches
 * for models.  As root it opens every model, its signature, the
 * ModelKey files and variables, the ModelSigningKey and the HashCache;
 * then it drops to KeyUser in an empty chroot under seccomp.  There it
 * hashes (or decrypts) and checks each model, and hands inferd, over
 * their own channel, each verified model as a descriptor (the file, or
 * a sealed memfd of the plaintext) and each refused one with the
 * reason.  Whenever inferd's channel is new, it gets them all again.
 * With StreamLayers an .enc model goes to inferd as its chunk table
 * instead, and inferd asks for each chunk when it needs it.
 */

static void	key_dispatch_config(struct proc_peer *, struct proto_msg *);
static void	key_dispatch_status(struct proc_peer *, struct proto_msg *);
static void	key_dispatch_peer(struct proc_peer *, struct proto_msg *);
static void	key_dispatch_rotate(struct proc_peer *, struct proto_msg *);
static void	key_send_status(uint32_t, const char *, const char *);
static void	key_lost_infer(struct proc_peer *, int, const char *);
static void	key_open_all(const struct config *);
static void	key_open_signer(const char *);
static void	key_crypto_init(void);
static void	key_work_cb(evutil_socket_t, short, void *);
static void	key_send_model(size_t);
static int	key_put_chunks(struct buf *, const struct key_model *);
static void	key_dispatch_chunk(struct proc_peer *, struct proto_msg *);
static void	key_send_chunk(struct proc_peer *, uint32_t, uint32_t,
		    uint32_t, int, uint64_t);
static void	key_detail(char *, size_t);

static const struct proto_perm key_parent_perms[] = {
	{ PROTO_CTL_CONFIG, 0 },
	{ PROTO_CTL_STATUS_REQ, 0 },
	{ PROTO_CTL_PEER, PROTO_PERM_FD },
	{ PROTO_CTL_ROTATE_KEY, 0 },
	{ PROTO_CTL_SHUTDOWN, PROTO_PERM_ONCE },
};

static const struct proc_handler key_parent_handlers[] = {
	{ PROTO_CTL_CONFIG, key_dispatch_config },
	{ PROTO_CTL_STATUS_REQ, key_dispatch_status },
	{ PROTO_CTL_PEER, key_dispatch_peer },
	{ PROTO_CTL_ROTATE_KEY, key_dispatch_rotate },
	{ PROTO_CTL_SHUTDOWN, proc_dispatch_shutdown },
	{ 0, NULL }
};

/* inferd only asks for chunks of the models it streams. */
static const struct proto_perm key_infer_perms[] = {
	{ PROTO_KEY_CHUNK_REQ, 0 },
};

static const struct proc_handler key_infer_handlers[] = {
	{ PROTO_KEY_CHUNK_REQ, key_dispatch_chunk },
	{ 0, NULL }
};

static struct event_base	*key_base;
static struct proc_peer		 key_parent;
static struct proc_peer		 key_infer;
static struct event		*key_work_ev;
static struct key_model		 key_models[KEY_MAX_MODELS];
static size_t			 key_nmodels;
static size_t			 key_next;	/* next model to check */
static int			 key_started;	/* checks under way */
static int			 key_stream;	/* StreamLayers yes */
static char			*key_pub;	/* ModelSigningKey PEM */
static size_t			 key_publen;

/*
 * Descriptors: the models and their memfds, the cache and channels.
 * keyd writes plaintext into memfds, which RLIMIT_FSIZE also limits.
 */
static const struct sandbox_limits key_limits = {
	.sl_nofile = 2 * KEY_MAX_MODELS + 16, .sl_nproc = 0,
	.sl_fsize = RLIM_INFINITY,
};

int
main(int argc, char **argv)
{
	struct proc_child_conf	 cc;
	int			 debug, verbose;

	proc_child_args(argc, argv, &debug, &verbose);
	log_init(1, LOG_LEVEL_INFO + verbose, 0);
	log_procinit("keyd");
	/* Key material must never reach a core file. */
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	key_store_init();
	proc_child_init(PROC_KEYD, &cc);
	log_setlevel((int)config_num(cc.cc_config, CONF_KW_LOGLEVEL) +
	    verbose);
	if ((key_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_peer_open(&key_parent, key_base, PROC_CHANNEL_FD, PROC_PARENT,
	    PROTO_MAX_CTL_FRAME, key_parent_perms,
	    sizeof(key_parent_perms) / sizeof(key_parent_perms[0]),
	    key_parent_handlers, proc_lost_parent, NULL);
	proc_log_to_parent(&key_parent);
	key_crypto_init();
	key_open_all(cc.cc_config);
	if ((key_work_ev = evtimer_new(key_base, key_work_cb, NULL)) == NULL)
		fatalx("evtimer_new");
	proc_child_sandbox(&cc, &key_limits, key_filter, key_filter_len);
	proc_child_conf_clear(&cc);
	proc_send_empty(&key_parent, PROTO_CTL_READY, 0);
	event_base_dispatch(key_base);
	return 0;
}

/*
 * OpenSSL reads its configuration and fetches its algorithms on first
 * use; do that here, where open() still works.
 */
static void
key_crypto_init(void)
{
	EVP_CIPHER	*c;
	EVP_MD		*md;
	EVP_PKEY_CTX	*pk;

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    (c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (pk = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL)) == NULL)
		fatalx("OpenSSL: AES-256-GCM, SHA-256 or Ed25519 missing");
	EVP_CIPHER_free(c);
	EVP_MD_free(md);
	EVP_PKEY_CTX_free(pk);
}

/* As root: keys, signing key, cache and every model. */
static void
key_open_all(const struct config *conf)
{
	const struct config_value	*cv;
	const char			*path;
	struct key_model		*km;

	key_store_load(conf);
	if ((path = config_str(conf, CONF_KW_MODELSIGNINGKEY)) != NULL)
		key_open_signer(path);
	key_cache_open(config_str(conf, CONF_KW_HASHCACHE));
	key_stream = strcasecmp(config_str(conf, CONF_KW_STREAMLAYERS),
	    "yes") == 0;
	for (cv = config_get(conf, CONF_KW_MODEL); cv != NULL;
	    cv = cv->cv_next) {
		if (key_nmodels >= KEY_MAX_MODELS) {
			log_warnx("Model: more than %d models: %s ignored",
			    KEY_MAX_MODELS, cv->cv_argv[0]);
			continue;
		}
		km = &key_models[key_nmodels++];
		key_model_open(km, cv->cv_argv[0], cv->cv_argv[1],
		    cv->cv_argc > 2 ? cv->cv_argv[2] : NULL);
		km->km_stream = km->km_enc && key_stream;
	}
}

/*
 * The publisher's Ed25519 public key (PEM).  Set but unreadable, it
 * still demands a signature, which then cannot verify: fail closed.
 */
static void
key_open_signer(const char *path)
{
	u_char	zero[SEAL_SIG_LEN], sha[32];
	char	err[256];
	ssize_t	n;
	int	fd;

	key_pub = xcalloc(1, KEY_MAX_PUB_BYTES + 1);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    (n = read(fd, key_pub, KEY_MAX_PUB_BYTES)) <= 0) {
		log_warn("ModelSigningKey %s: every model will be refused",
		    path);
		/* Empty: no signature verifies against it. */
		key_publen = 0;
		if (fd != -1)
			close(fd);
		return;
	}
	close(fd);
	key_publen = (size_t)n;
	/* A malformed key shows here, not once per model. */
	memset(zero, 0, sizeof(zero));
	memset(sha, 0, sizeof(sha));
	if (seal_sig_verify(key_pub, key_publen, sha, 0, zero, err,
	    sizeof(err)) == PWR_ERR_INVALID_FORMAT)
		log_warnx("ModelSigningKey %s: %s", path, err);
}

static void
key_dispatch_config(struct proc_peer *peer, struct proto_msg *msg)
{
	/* Keys, models and the cache are read once, at start. */
	config_free(proc_child_reload(peer, msg, PROC_KEYD));
}

/*
 * The parent's first status request follows every frame it brokered at
 * our start (the channel to inferd, a rotation to restore): only then do
 * the checks begin, with the right key current.
 */
static void
key_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct timeval	tv = { 0, 0 };
	char		detail[512];

	if (proc_end(peer, msg) != 0)
		return;
	if (!key_started) {
		key_started = 1;
		evtimer_add(key_work_ev, &tv);
	}
	key_detail(detail, sizeof(detail));
	key_send_status(msg->pm_hdr.peerid, key_next < key_nmodels ?
	    "verifying" : "serving", detail);
}

static void
key_send_status(uint32_t peerid, const char *state, const char *detail)
{
	struct buf	*b;

	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, state) != 0 || buf_put_string(b, detail) != 0)
		fatalx_f("buf");
	proc_send(&key_parent, PROTO_CTL_STATUS, peerid, -1, b);
	buf_free(b);
}

/* Progress of a long hash: shown at once, the loop is busy. */
void
key_status_progress(const char *line)
{
	key_send_status(0, "verifying", line);
	proc_flush_blocking(&key_parent);
}

static void
key_detail(char *out, size_t len)
{
	size_t	i, ok = 0, bad = 0;

	for (i = 0; i < key_nmodels; i++) {
		if (key_models[i].km_state == KM_VERIFIED)
			ok++;
		else if (key_models[i].km_state == KM_REFUSED)
			bad++;
	}
	snprintf(out, len, "%zu model(s): %zu verified, %zu refused%s; "
	    "%zu key(s), key %u current%s", key_nmodels, ok, bad,
	    ok + bad < key_nmodels ? ", checking" : "", key_store_count(),
	    key_store_current() + 1, key_pub != NULL ?
	    "; signatures required" : "");
}

/* One model per turn of the loop, so frames are served in between. */
static void
key_work_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { 0, 0 };
	struct key_model *km;
	char		 detail[512];

	if (key_next >= key_nmodels)
		return;
	km = &key_models[key_next];
	key_model_verify(km, key_pub, key_publen);
	key_send_model(key_next);
	key_next++;
	key_detail(detail, sizeof(detail));
	key_send_status(0, key_next < key_nmodels ? "verifying" : "serving",
	    detail);
	if (key_next < key_nmodels)
		evtimer_add(key_work_ev, &tv);
}

/*
 * KEY_MODEL with the descriptor to serve, KEY_MODEL_STREAM with the
 * chunk table of a streamed one, or KEY_MODEL_REFUSED with the reason.
 * index and count let inferd tell when it has them all.
 */
static void
key_send_model(size_t i)
{
	struct key_model	*km = &key_models[i];
	struct buf		*b;
	char			 sha[65];
	int			 fd = -1, r = 0;

	if (!key_infer.pp_open || km->km_state == KM_PENDING)
		return;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	hex_encode(km->km_sha, sizeof(km->km_sha), sha);
	r |= buf_put_u32(b, (uint32_t)i);
	r |= buf_put_u32(b, (uint32_t)key_nmodels);
	r |= buf_put_string(b, km->km_name);
	r |= buf_put_string(b, km->km_path);
	r |= buf_put_string(b, km->km_state == KM_VERIFIED ? sha :
	    km->km_reason);
	r |= buf_put_u64(b, km->km_size);
	r |= buf_put_u64(b, (uint64_t)km->km_mtime);
	if (r != 0)
		fatalx_f("buf");
	if (km->km_state == KM_VERIFIED && km->km_stream) {
		if (key_put_chunks(b, km) != 0)
			fatalx_f("chunk table");
		proc_send(&key_infer, PROTO_KEY_MODEL_STREAM, 0, -1, b);
	} else if (km->km_state == KM_VERIFIED) {
		if ((fd = dup(km->km_memfd != -1 ? km->km_memfd :
		    km->km_fd)) == -1)
			fatal_f("dup");
		proc_send(&key_infer, PROTO_KEY_MODEL, 0, fd, b);
	} else
		proc_send(&key_infer, PROTO_KEY_MODEL_REFUSED, 0, -1, b);
	buf_free(b);
}

/* u32 n, then each chunk's plaintext offset and length. */
static int
key_put_chunks(struct buf *b, const struct key_model *km)
{
	const struct seal_header	*sh = km->km_sh;
	uint32_t			 i;
	int				 r;

	r = buf_put_u32(b, sh->sh_nchunks);
	for (i = 0; i < sh->sh_nchunks && r == 0; i++) {
		r |= buf_put_u64(b, sh->sh_chunks[i].sc_plain_off);
		r |= buf_put_u64(b, sh->sh_chunks[i].sc_len);
	}
	return r;
}

/*
 * KEY_CHUNK_REQ: u32 model, u32 chunk.  Only a model sent as a stream
 * may be asked for, and only its chunks.  If the chunk no longer
 * decrypts (the file changed on disk), the model is refused from then
 * on, inferd is told, and this answer carries an empty memfd.
 */
static void
key_dispatch_chunk(struct proc_peer *peer, struct proto_msg *msg)
{
	struct key_model	*km;
	uint32_t		 idx, chunk;
	char			 err[256];
	int			 fd;

	idx = proc_get_u32(msg);
	chunk = proc_get_u32(msg);
	if (proc_end(peer, msg) != 0)
		return;
	km = idx < key_nmodels ? &key_models[idx] : NULL;
	if (km == NULL || !km->km_stream || km->km_state == KM_PENDING ||
	    (km->km_state == KM_VERIFIED &&
	    chunk >= km->km_sh->sh_nchunks)) {
		proc_violation(peer, "KEY_CHUNK_REQ: model %u chunk %u", idx,
		    chunk);
		return;
	}
	if (km->km_state != KM_VERIFIED) {
		key_send_chunk(peer, msg->pm_hdr.peerid, idx, chunk, -1, 0);
		return;
	}
	if (key_model_chunk(km, chunk, &fd, err, sizeof(err)) != 0) {
		if (km->km_state == KM_REFUSED)
			key_send_model(idx);
		else
			log_warnx("model %s: %s", km->km_name, err);
		key_send_chunk(peer, msg->pm_hdr.peerid, idx, chunk, -1, 0);
		return;
	}
	key_send_chunk(peer, msg->pm_hdr.peerid, idx, chunk, fd,
	    km->km_sh->sh_chunks[chunk].sc_len);
}

/* KEY_CHUNK; fd -1 sends an empty sealed memfd (length 0: refused). */
static void
key_send_chunk(struct proc_peer *peer, uint32_t peerid, uint32_t idx,
    uint32_t chunk, int fd, uint64_t len)
{
	struct buf	*b;

	if (fd == -1 && ((fd = memfd_create("power-chunk", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1 || seal_memfd_seal(fd) == -1))
		fatal_f("memfd");
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, idx) != 0 || buf_put_u32(b, chunk) != 0 ||
	    buf_put_u64(b, len) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_KEY_CHUNK, peerid, fd, b);
	buf_free(b);
}

static void
key_dispatch_peer(struct proc_peer *peer, struct proto_msg *msg)
{
	uint32_t	id;
	size_t		i;
	int		fd;

	id = proc_get_u32(msg);
	if (proc_end(peer, msg) != 0)
		return;
	fd = proc_take_fd(msg);
	if (id != PROC_INFERD) {
		close(fd);
		proc_violation(peer, "CTL_PEER: no channel to %s",
		    proc_name(id));
		return;
	}
	proc_peer_close(&key_infer);
	proc_peer_open(&key_infer, key_base, fd, PROC_INFERD,
	    PROTO_MAX_CTL_FRAME, key_infer_perms,
	    sizeof(key_infer_perms) / sizeof(key_infer_perms[0]),
	    key_infer_handlers, key_lost_infer, NULL);
	log_debug("channel to inferd open");
	/* A new inferd: everything checked so far, again. */
	for (i = 0; i < key_next; i++)
		key_send_model(i);
}

static void
key_lost_infer(struct proc_peer *peer, int violation, const char *why)
{
	proc_lost_sibling(peer, violation, why);
}

/*
 * powerctl rotate-key, or the parent restoring a rotation after our
 * restart: u32 index to make current (0: the next one).
 */
static void
key_dispatch_rotate(struct proc_peer *peer, struct proto_msg *msg)
{
	struct buf	*b;
	uint32_t	 want;
	char		 text[256];
	int		 ok;

	want = proc_get_u32(msg);
	if (proc_end(peer, msg) != 0)
		return;
	ok = key_store_rotate(want, text, sizeof(text)) == 0;
	if (ok)
		log_info("key rotated: %s", text);
	else
		log_warnx("key rotation refused: %s", text);
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u8(b, ok) != 0 ||
	    buf_put_u32(b, key_store_current()) != 0 ||
	    buf_put_string(b, text) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_CTL_ROTATED, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
	key_detail(text, sizeof(text));
	key_send_status(0, key_next < key_nmodels ? "verifying" : "serving",
	    text);
}
