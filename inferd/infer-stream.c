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
#include <sys/queue.h>
#include <sys/resource.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "inferd.h"

/*
 * Encrypted models streamed from keyd (StreamLayers yes): keyd sends
 * the chunk table of the .enc (KEY_MODEL_STREAM) and decrypts a chunk
 * into a sealed memfd whenever we ask (KEY_CHUNK_REQ, KEY_CHUNK).  The
 * plaintext has its place in an anonymous mapping of its full size, of
 * which only the resident chunks (header, embeddings, output, norms:
 * whatever is not one layer's) stay filled; a layer's chunks are
 * fetched just before the engine runs the layer and their pages given
 * back just after (the engine's cp_fetch hook).
 *
 * A fetch is a blocking round trip on the keyd channel: frames of
 * other types that keyd sent meanwhile are queued and handled, in
 * order, once the loop runs again.  Frames on other channels wait in
 * their sockets.
 */

#define INFER_CHUNK_TIMEOUT_MS	120000	/* keyd may be checking a model */
#define INFER_CHUNK_RESIDENT	(-1)	/* not one layer's */
#define INFER_CHUNK_UNSET	(-2)

struct infer_chunk {
	uint64_t	 ic_off;
	uint64_t	 ic_len;
	int64_t		 ic_layer;	/* INFER_CHUNK_RESIDENT or a layer */
};

struct infer_stream {
	u_char			*is_map;	/* plaintext size, anonymous */
	size_t			 is_size;
	uint32_t		 is_model;	/* keyd's index of the model */
	uint32_t		 is_n;
	struct infer_chunk	*is_chunks;
};

struct infer_deferred {
	TAILQ_ENTRY(infer_deferred)	 id_entry;
	struct proto_msg		 id_msg;
};

static int	infer_stream_get(struct infer_stream *, uint32_t);
static int	infer_stream_wait(uint32_t, struct proto_msg *);
static int	infer_stream_take(struct infer_stream *, uint32_t,
		    struct proto_msg *);
static void	infer_stream_stray(struct proto_msg *);
static void	infer_stream_queue(struct proto_msg *);
static void	infer_stream_drain(evutil_socket_t, short, void *);
static int	infer_stream_classify(struct infer_stream *,
		    const struct gguf *, uint32_t);
static int64_t	infer_stream_layer_of(const struct gguf_tensor *, uint32_t);
static void	infer_stream_mark(struct infer_stream *, uint64_t, uint64_t,
		    int64_t);
static int	infer_stream_residents(struct infer_stream *, char *, size_t);
static double	infer_stream_ms(const struct timespec *);

static TAILQ_HEAD(, infer_deferred) infer_deferred =
    TAILQ_HEAD_INITIALIZER(infer_deferred);
static struct proc_peer			*infer_keyd;
static const struct proc_handler	*infer_keyd_table;
static struct event			*infer_drain_ev;
static int				 infer_draining;
static uint32_t				 infer_reqid;	/* last asked */
static uint32_t				 infer_abandoned; /* ids up to it */

void
infer_stream_init(struct event_base *base, struct proc_peer *keyd,
    const struct proc_handler *handlers)
{
	infer_keyd = keyd;
	infer_keyd_table = handlers;
	if ((infer_drain_ev = event_new(base, -1, 0, infer_stream_drain,
	    NULL)) == NULL)
		fatalx_f("event_new");
}

/*
 * The chunk table of KEY_MODEL_STREAM: u32 n, then per chunk u64
 * plaintext offset and u64 length, in order, tiling size bytes.  NULL
 * after a violation.
 */
struct infer_stream *
infer_stream_parse(struct proc_peer *peer, struct proto_msg *msg,
    uint32_t model, uint64_t size)
{
	struct infer_stream	*is;
	uint64_t		 end = 0;
	uint32_t		 i, n;

	n = proc_get_u32(msg);
	if (msg->pm_err != 0 || n == 0 || n > INFER_MAX_CHUNKS ||
	    size == 0 || size > SIZE_MAX / 2) {
		proc_violation(peer, "KEY_MODEL_STREAM: %u chunks, %llu bytes",
		    n, (unsigned long long)size);
		return NULL;
	}
	is = xcalloc(1, sizeof(*is));
	is->is_chunks = xcalloc(n, sizeof(*is->is_chunks));
	is->is_n = n;
	is->is_model = model;
	is->is_size = (size_t)size;
	for (i = 0; i < n; i++) {
		is->is_chunks[i].ic_off = proc_get_u64(msg);
		is->is_chunks[i].ic_len = proc_get_u64(msg);
		is->is_chunks[i].ic_layer = INFER_CHUNK_UNSET;
		if (msg->pm_err != 0 || is->is_chunks[i].ic_off != end ||
		    is->is_chunks[i].ic_len == 0 ||
		    is->is_chunks[i].ic_len > size - end) {
			proc_violation(peer, "KEY_MODEL_STREAM: chunk %u", i);
			infer_stream_free(is);
			return NULL;
		}
		end += is->is_chunks[i].ic_len;
	}
	if (end != size) {
		proc_violation(peer, "KEY_MODEL_STREAM: chunks cover %llu of "
		    "%llu bytes", (unsigned long long)end,
		    (unsigned long long)size);
		infer_stream_free(is);
		return NULL;
	}
	return is;
}

void
infer_stream_free(struct infer_stream *is)
{
	if (is == NULL)
		return;
	if (is->is_map != NULL)
		(void)munmap(is->is_map, is->is_size);
	free(is->is_chunks);
	free(is);
}

/*
 * The same model as we have (a keyd restart): the same table.  keyd's
 * index may have moved; the one we keep follows it.
 */
int
infer_stream_same(struct infer_stream *have, const struct infer_stream *is)
{
	uint32_t	i;

	if (have == NULL || is == NULL)
		return have == is;
	if (have->is_n != is->is_n || have->is_size != is->is_size)
		return 0;
	for (i = 0; i < is->is_n; i++)
		if (have->is_chunks[i].ic_off != is->is_chunks[i].ic_off ||
		    have->is_chunks[i].ic_len != is->is_chunks[i].ic_len)
			return 0;
	have->is_model = is->is_model;
	return 1;
}

/*
 * Check a streamed model: its place in memory, chunk 0 (which holds the
 * GGUF header: power-seal cuts chunks where tensors start), the GGUF
 * read from there (the reader checks the tensors' extents, never their
 * bytes), the weights bound, then every resident chunk fetched.
 */
int
infer_stream_open(struct infer_model *im, char *err, size_t errlen)
{
	struct infer_stream	*is = im->im_stream;
	struct timespec		 t0;
	int			 r;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	is->is_map = mmap(NULL, is->is_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (is->is_map == MAP_FAILED) {
		is->is_map = NULL;
		(void)snprintf(err, errlen, "mmap of %zu bytes: %s",
		    is->is_size, strerror(errno));
		return PWR_ERR_SYSTEM_ERROR;
	}
	/* Decrypted weights are the model owner's: keep them out of cores. */
	(void)madvise(is->is_map, is->is_size, MADV_DONTDUMP);
	if (infer_stream_get(is, 0) != 0) {
		(void)snprintf(err, errlen, "keyd did not send chunk 0");
		return PWR_ERR_NOT_FOUND;
	}
	if ((r = gguf_open_mem(is->is_map, is->is_size, &im->im_gguf, err,
	    errlen)) != 0 ||
	    (r = model_load(im->im_gguf, &im->im_model, err, errlen)) != 0)
		return r;
	if ((r = infer_stream_classify(is, im->im_gguf,
	    im->im_model->m_hp.hp_n_layer)) != 0 ||
	    (r = infer_stream_residents(is, err, errlen)) != 0) {
		if (r == PWR_ERR_INVALID_FORMAT)
			(void)snprintf(err, errlen, "chunk 0 does not hold the "
			    "GGUF header and tensor table");
		return r;
	}
	log_info("model %s: streamed: %u chunks, resident part in %.1f ms",
	    im->im_name, is->is_n, infer_stream_ms(&t0));
	return 0;
}

/*
 * Which chunks belong to one layer alone: each tensor marks the chunks
 * it overlaps with its layer, or as resident if it is no layer's; a
 * chunk two layers share stays resident, as does chunk 0.
 */
static int
infer_stream_classify(struct infer_stream *is, const struct gguf *g,
    uint32_t nlayer)
{
	const struct gguf_tensor	*t;
	uint64_t			 i, off;

	if (gguf_data_offset(g) > is->is_chunks[0].ic_len)
		return PWR_ERR_INVALID_FORMAT;
	is->is_chunks[0].ic_layer = INFER_CHUNK_RESIDENT;
	for (i = 0; (t = gguf_tensor_at(g, i)) != NULL; i++) {
		if (t->t_nbytes == 0)
			continue;
		off = (uint64_t)(t->t_data - is->is_map);
		infer_stream_mark(is, off, t->t_nbytes,
		    infer_stream_layer_of(t, nlayer));
	}
	for (i = 0; i < is->is_n; i++)
		if (is->is_chunks[i].ic_layer == INFER_CHUNK_UNSET)
			is->is_chunks[i].ic_layer = INFER_CHUNK_RESIDENT;
	return 0;
}

/* blk.N.* with N < nlayer: N; anything else is resident. */
static int64_t
infer_stream_layer_of(const struct gguf_tensor *t, uint32_t nlayer)
{
	const char	*p = t->t_name.s_ptr;
	size_t		 i, len = t->t_name.s_len;
	uint64_t	 n = 0;

	if (len < 6 || memcmp(p, "blk.", 4) != 0)
		return INFER_CHUNK_RESIDENT;
	for (i = 4; i < len && p[i] >= '0' && p[i] <= '9' && n < nlayer; i++)
		n = n * 10 + (uint64_t)(p[i] - '0');
	if (i == 4 || i >= len || p[i] != '.' || n >= nlayer)
		return INFER_CHUNK_RESIDENT;
	return (int64_t)n;
}

static void
infer_stream_mark(struct infer_stream *is, uint64_t off, uint64_t len,
    int64_t layer)
{
	struct infer_chunk	*c;
	uint32_t		 lo = 0, hi = is->is_n, mid;

	/* The chunk holding off: the last one starting at or before it. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (is->is_chunks[mid].ic_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (; lo < is->is_n && is->is_chunks[lo].ic_off < off + len; lo++) {
		c = &is->is_chunks[lo];
		if (c->ic_layer == INFER_CHUNK_UNSET)
			c->ic_layer = layer;
		else if (c->ic_layer != layer)
			c->ic_layer = INFER_CHUNK_RESIDENT;
	}
}

static int
infer_stream_residents(struct infer_stream *is, char *err, size_t errlen)
{
	uint32_t	i;

	for (i = 1; i < is->is_n; i++) {
		if (is->is_chunks[i].ic_layer != INFER_CHUNK_RESIDENT)
			continue;
		if (infer_stream_get(is, i) != 0) {
			(void)snprintf(err, errlen, "keyd did not send chunk "
			    "%u", i);
			return PWR_ERR_NOT_FOUND;
		}
	}
	return 0;
}

/*
 * The engine's layer source (cp_fetch, arg the model): acquire fetches
 * the layer's chunks into place; release gives back the pages wholly
 * inside them (the pages at their ends may hold a neighbour's bytes).
 */
int
infer_stream_fetch(void *arg, uint32_t layer, int acquire)
{
	struct infer_model	*im = arg;
	struct infer_stream	*is = im->im_stream;
	struct infer_chunk	*c;
	uintptr_t		 a, b, pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uint32_t		 i;

	for (i = 0; i < is->is_n; i++) {
		c = &is->is_chunks[i];
		if (c->ic_layer != (int64_t)layer)
			continue;
		if (acquire) {
			if (infer_stream_get(is, i) != 0)
				return -1;
			continue;
		}
		a = ((uintptr_t)is->is_map + c->ic_off + pg - 1) & ~(pg - 1);
		b = ((uintptr_t)is->is_map + c->ic_off + c->ic_len) &
		    ~(pg - 1);
		if (b > a && madvise((void *)a, b - a, MADV_DONTNEED) == -1)
			log_warn_f("madvise");
	}
	return 0;
}

/* Chunk i into place: ask keyd and wait for its answer. */
static int
infer_stream_get(struct infer_stream *is, uint32_t i)
{
	struct proto_msg	 msg;
	struct buf		*b;
	uint32_t		 id;
	int			 r;

	if (!infer_keyd->pp_open) {
		log_warnx("chunk %u of model %u: no channel to keyd", i,
		    is->is_model);
		return -1;
	}
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, is->is_model) != 0 || buf_put_u32(b, i) != 0)
		fatalx_f("buf");
	if (++infer_reqid == 0)
		infer_reqid = 1;
	id = infer_reqid;
	proc_send(infer_keyd, PROTO_KEY_CHUNK_REQ, id, -1, b);
	buf_free(b);
	proc_flush_blocking(infer_keyd);
	if (infer_stream_wait(id, &msg) != 0)
		return -1;
	r = infer_stream_take(is, i, &msg);
	proto_msg_clear(&msg);
	return r;
}

/*
 * Read the keyd channel until the KEY_CHUNK answering id arrives (0),
 * queueing anything else keyd sends meanwhile.  -1 if the channel
 * closed or keyd took too long (its late answer is then dropped).
 */
static int
infer_stream_wait(uint32_t id, struct proto_msg *msg)
{
	struct timespec	 t0;
	struct pollfd	 pfd;
	double		 left;
	int		 r;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	while (infer_keyd->pp_open) {
		memset(msg, 0, sizeof(*msg));
		msg->pm_fd = -1;
		r = proto_recv(&infer_keyd->pp_chan, msg);
		if (r == PWR_ERR_EOF) {
			/* As proc.c does for a closed channel. */
			infer_keyd->pp_lost(infer_keyd, 0, "channel closed");
			proc_peer_close(infer_keyd);
			return -1;
		}
		if (r < 0) {
			proc_violation(infer_keyd, "%s", pwr_err(r));
			return -1;
		}
		if (r == 1 && msg->pm_hdr.type == PROTO_KEY_CHUNK &&
		    msg->pm_hdr.peerid == id)
			return 0;
		if (r == 1 && msg->pm_hdr.type == PROTO_KEY_CHUNK) {
			infer_stream_stray(msg);
			proto_msg_clear(msg);
			continue;
		}
		if (r == 1) {
			infer_stream_queue(msg);
			continue;
		}
		left = INFER_CHUNK_TIMEOUT_MS - infer_stream_ms(&t0);
		if (left <= 0) {
			log_warnx("keyd did not answer chunk request %u in %d "
			    "s", id, INFER_CHUNK_TIMEOUT_MS / 1000);
			infer_abandoned = id;
			return -1;
		}
		pfd.fd = infer_keyd->pp_chan.pc_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			fatal_f("poll");
	}
	return -1;
}

/*
 * KEY_CHUNK: u32 model, u32 chunk, u64 length (0: keyd cannot, and
 * refuses the model), fd a memfd of that many bytes.
 */
static int
infer_stream_take(struct infer_stream *is, uint32_t i, struct proto_msg *msg)
{
	struct infer_chunk	*c = &is->is_chunks[i];
	uint32_t		 model, chunk;
	uint64_t		 len, done = 0;
	ssize_t			 n;
	int			 fd;

	model = proc_get_u32(msg);
	chunk = proc_get_u32(msg);
	len = proc_get_u64(msg);
	if (proc_end(infer_keyd, msg) != 0)
		return -1;
	if (model != is->is_model || chunk != i ||
	    (len != 0 && len != c->ic_len)) {
		proc_violation(infer_keyd, "KEY_CHUNK: model %u chunk %u, %llu "
		    "bytes", model, chunk, (unsigned long long)len);
		return -1;
	}
	if (len == 0) {
		log_warnx("keyd refused chunk %u of model %u", i, model);
		return -1;
	}
	fd = msg->pm_fd;
	while (done < len) {
		n = pread(fd, is->is_map + c->ic_off + done,
		    (size_t)(len - done), (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			proc_violation(infer_keyd, "KEY_CHUNK: chunk %u: %s", i,
			    n == 0 ? "memfd too short" : strerror(errno));
			return -1;
		}
		done += (uint64_t)n;
	}
	return 0;
}

/* A KEY_CHUNK nobody waits for: late for an abandoned request, or bad. */
static void
infer_stream_stray(struct proto_msg *msg)
{
	uint32_t	id = msg->pm_hdr.peerid;

	if (id != 0 && id <= infer_abandoned)
		log_debug("late answer %u from keyd dropped", id);
	else
		proc_violation(infer_keyd, "KEY_CHUNK %u not asked for", id);
}

/* KEY_CHUNK from the loop: no fetch waits for it. */
void
infer_stream_dispatch_chunk(struct proc_peer *peer, struct proto_msg *msg)
{
	infer_stream_stray(msg);
}

/* The frame is kept (moved out of msg) for the drain. */
static void
infer_stream_queue(struct proto_msg *msg)
{
	struct infer_deferred	*d;

	d = xcalloc(1, sizeof(*d));
	d->id_msg = *msg;
	msg->pm_buf = NULL;
	msg->pm_fd = -1;
	TAILQ_INSERT_TAIL(&infer_deferred, d, id_entry);
	event_active(infer_drain_ev, 0, 0);
}

/*
 * A keyd frame is handled now (0) or queued behind those a fetch put
 * aside (1), so that they are handled in the order keyd sent them.
 */
int
infer_stream_defer(struct proc_peer *peer, struct proto_msg *msg)
{
	if (infer_draining || TAILQ_EMPTY(&infer_deferred))
		return 0;
	infer_stream_queue(msg);
	return 1;
}

static void
infer_stream_drain(evutil_socket_t fd, short ev, void *arg)
{
	const struct proc_handler	*h;
	struct infer_deferred		*d;

	infer_draining = 1;
	while ((d = TAILQ_FIRST(&infer_deferred)) != NULL) {
		TAILQ_REMOVE(&infer_deferred, d, id_entry);
		for (h = infer_keyd_table; h->ph_cb != NULL; h++)
			if (h->ph_type == d->id_msg.pm_hdr.type)
				break;
		if (h->ph_cb != NULL)
			h->ph_cb(infer_keyd, &d->id_msg);
		else
			proc_violation(infer_keyd, "no handler for %s",
			    proto_type_name(d->id_msg.pm_hdr.type));
		proto_msg_clear(&d->id_msg);
		free(d);
	}
	infer_draining = 0;
}

static double
infer_stream_ms(const struct timespec *t0)
{
	struct timespec	t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}
