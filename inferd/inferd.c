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

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/pool.h"
#include "engine/qdot.h"
#include "engine/template.h"
#include "engine/tokenizer.h"
#include "inferd.h"

/*
 * inferd: the inference worker.  It runs as InferUser in an empty
 * chroot under a kill-by-default seccomp filter that allows no open,
 * socket, exec or fork.  Model files arrive as descriptors from keyd,
 * which verified them (a file, or a sealed memfd of a decrypted
 * model); the engine reads them through mmap.  A sealed model may also
 * be streamed from keyd a chunk at a time (infer-stream.c).  This file keeps the
 * models (checking, loading, unloading) and the channels; the requests
 * are served in infer-serve.c.
 */

static void	infer_send_status(struct proc_peer *, uint32_t);
static int	infer_status_model(struct buf *, const struct infer_model *);
static void	infer_dispatch_config(struct proc_peer *,
		    struct proto_msg *);
static void	infer_apply_config(const struct config *);
static void	infer_count_models(const struct config *);
static uint32_t	infer_models_pending(void);
static void	infer_dispatch_status(struct proc_peer *,
		    struct proto_msg *);
static void	infer_dispatch_peer(struct proc_peer *, struct proto_msg *);
static void	infer_dispatch_key_model(struct proc_peer *,
		    struct proto_msg *);
static struct infer_model *infer_model_slot(const char *, int,
		    const char *, struct infer_stream *);
static void	infer_check(struct infer_model *);
static void	infer_refuse(struct infer_model *, const char *);
static void	infer_forget_engine(struct infer_model *);
static int	infer_load(struct infer_model *, char *, size_t);
static void	infer_unload(struct infer_model *, const char *);
static void	infer_release_pages(const struct infer_model *);
static void	infer_shrink(const struct infer_model *, size_t);
static size_t	infer_nloaded(void);
static void	infer_idle_arm(struct infer_model *);
static void	infer_idle_cb(evutil_socket_t, short, void *);
static void	infer_warmup(struct infer_model *);
static void	infer_ctx_params(const struct config *);
static uint32_t	infer_ncpu(void);
static void	infer_dispatch_net_status(struct proc_peer *,
		    struct proto_msg *);
static void	infer_lost_network(struct proc_peer *, int, const char *);

static const struct proto_perm infer_parent_perms[] = {
	{ PROTO_CTL_CONFIG, 0 },
	{ PROTO_CTL_STATUS_REQ, 0 },
	{ PROTO_CTL_PEER, PROTO_PERM_FD },
	{ PROTO_CTL_SHUTDOWN, PROTO_PERM_ONCE },
};

static const struct proc_handler infer_parent_handlers[] = {
	{ PROTO_CTL_CONFIG, infer_dispatch_config },
	{ PROTO_CTL_STATUS_REQ, infer_dispatch_status },
	{ PROTO_CTL_PEER, infer_dispatch_peer },
	{ PROTO_CTL_SHUTDOWN, proc_dispatch_shutdown },
	{ 0, NULL }
};

static const struct proto_perm infer_keyd_perms[] = {
	{ PROTO_KEY_MODEL, PROTO_PERM_FD },
	{ PROTO_KEY_MODEL_REFUSED, 0 },
	{ PROTO_KEY_MODEL_STREAM, 0 },
	{ PROTO_KEY_CHUNK, PROTO_PERM_FD },
};

static const struct proc_handler infer_keyd_handlers[] = {
	{ PROTO_KEY_MODEL, infer_dispatch_key_model },
	{ PROTO_KEY_MODEL_REFUSED, infer_dispatch_key_model },
	{ PROTO_KEY_MODEL_STREAM, infer_dispatch_key_model },
	{ PROTO_KEY_CHUNK, infer_stream_dispatch_chunk },
	{ 0, NULL }
};

static const struct proto_perm infer_network_perms[] = {
	{ PROTO_INFER_STATUS_REQ, 0 },
	{ PROTO_INFER_REQUEST, 0 },
	{ PROTO_INFER_CANCEL, 0 },
};

static const struct proc_handler infer_network_handlers[] = {
	{ PROTO_INFER_STATUS_REQ, infer_dispatch_net_status },
	{ PROTO_INFER_REQUEST, infer_dispatch_request },
	{ PROTO_INFER_CANCEL, infer_dispatch_cancel },
	{ 0, NULL }
};

static struct event_base	*infer_base;
static struct proc_peer		 infer_parent;
static struct proc_peer		 infer_network;
static struct proc_peer		 infer_keyd;
static struct infer_model	 infer_models[INFER_MAX_MODELS];
static struct model_ctx_params	 infer_ctxp;
static size_t			 infer_nmodels;
static uint32_t			 infer_expected;	/* keyd's count */
static uint32_t			 infer_configured;	/* Model lines */
static long long		 infer_keepalive;	/* seconds; 0 never */
static size_t			 infer_maxloaded;	/* 0: no limit */
static uint64_t			 infer_clock;	/* LRU order */

/* Threads count against RLIMIT_NPROC; fork is refused by seccomp. */
static const struct sandbox_limits infer_limits = {
	.sl_nofile = INFER_MAX_MODELS + 32,
	.sl_nproc = INFER_MAX_THREADS,
	.sl_fsize = 0,
};

int
main(int argc, char **argv)
{
	struct proc_child_conf	cc;
	int			debug, verbose;

	proc_child_args(argc, argv, &debug, &verbose);
	log_init(1, LOG_LEVEL_INFO + verbose, 0);
	log_procinit("inferd");
	proc_child_init(PROC_INFERD, &cc);
	log_setlevel((int)config_num(cc.cc_config, CONF_KW_LOGLEVEL) +
	    verbose);
	infer_ctx_params(cc.cc_config);
	infer_apply_config(cc.cc_config);
	infer_count_models(cc.cc_config);
	if ((infer_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	infer_serve_init(infer_base, &infer_network);
	infer_stream_init(infer_base, &infer_keyd, infer_keyd_handlers);
	proc_peer_open(&infer_parent, infer_base, PROC_CHANNEL_FD, PROC_PARENT,
	    PROTO_MAX_CTL_FRAME, infer_parent_perms,
	    sizeof(infer_parent_perms) / sizeof(infer_parent_perms[0]),
	    infer_parent_handlers, proc_lost_parent, NULL);
	proc_log_to_parent(&infer_parent);
	infer_test_init(PROC_CHANNEL_FD, &infer_keyd);
	proc_child_sandbox(&cc, &infer_limits, infer_filter, infer_filter_len);
	proc_child_conf_clear(&cc);
	proc_send_empty(&infer_parent, PROTO_CTL_READY, 0);
	event_base_dispatch(infer_base);
	return 0;
}

static void
infer_dispatch_config(struct proc_peer *peer, struct proto_msg *msg)
{
	struct config	*conf;

	if ((conf = proc_child_reload(peer, msg, PROC_INFERD)) == NULL)
		return;
	infer_apply_config(conf);
	config_free(conf);
}

/*
 * KeepAlive and MaxLoadedModels, at start and on reload.  The context
 * settings are read once at start (infer_ctx_params).
 */
static void
infer_apply_config(const struct config *conf)
{
	size_t	i;

	infer_keepalive = config_num(conf, CONF_KW_KEEPALIVE);
	infer_maxloaded = (size_t)config_num(conf, CONF_KW_MAXLOADEDMODELS);
	for (i = 0; i < infer_nmodels; i++) {
		if (infer_models[i].im_idle != NULL)
			evtimer_del(infer_models[i].im_idle);
		if (infer_models[i].im_busy == 0)
			infer_idle_arm(&infer_models[i]);
	}
	if (infer_maxloaded > 0)
		infer_shrink(NULL, infer_maxloaded);
}

/* State and detail: each model with its GGUF header facts. */
static void
infer_send_status(struct proc_peer *peer, uint32_t peerid)
{
	struct buf	*detail, *b;
	size_t		 i;
	int		 r = 0;

	if ((detail = buf_new(PROTO_MAX_CTL_FRAME / 2)) == NULL ||
	    (b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (infer_nmodels == 0)
		r |= buf_putf(detail, "no models configured");
	for (i = 0; i < infer_nmodels && r == 0; i++) {
		if (i > 0)
			r |= buf_putf(detail, "; ");
		r |= infer_status_model(detail, &infer_models[i]);
	}
	r |= buf_put_u8(detail, 0);
	r |= buf_put_string(b, "serving");
	r |= buf_put_string(b, (const char *)buf_ptr(detail));
	if (r != 0)
		fatalx_f("status too long");
	proc_send(peer, PROTO_CTL_STATUS, peerid, -1, b);
	buf_free(b);
	buf_free(detail);
}

static int
infer_status_model(struct buf *b, const struct infer_model *im)
{
	int	r;

	if (im->im_model == NULL)
		return buf_putf(b, "%s: refused: %s", im->im_name,
		    im->im_error);
	r = buf_putf(b, "%s: gguf v%u, %llu tensors, %llu kv, arch %s, "
	    "%llu bytes, %u layers, %u embd, %u tokens, ", im->im_name,
	    gguf_version(im->im_gguf),
	    (unsigned long long)gguf_n_tensors(im->im_gguf),
	    (unsigned long long)gguf_n_kv(im->im_gguf),
	    gguf_architecture(im->im_gguf),
	    (unsigned long long)gguf_file_size(im->im_gguf),
	    im->im_model->m_hp.hp_n_layer, im->im_model->m_hp.hp_n_embd,
	    im->im_model->m_hp.hp_n_vocab);
	if (r == 0 && im->im_ctx != NULL)
		r = buf_putf(b, "context %u, %u threads, %s kernels%s, "
		    "loaded", model_ctx_n_ctx(im->im_ctx),
		    model_ctx_threads(im->im_ctx), qd_level_name(qd_level()),
		    model_ctx_streaming(im->im_ctx) ?
		    ", streaming layers" : "");
	else if (r == 0)
		r = buf_putf(b, "not loaded");
	if (r == 0)
		r = buf_putf(b, ", %s chat template",
		    im->im_chatml ? "ChatML" : "GGUF");
	return r;
}

static void
infer_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	if (proc_end(peer, msg) != 0)
		return;
	infer_send_status(peer, msg->pm_hdr.peerid);
}

static void
infer_dispatch_peer(struct proc_peer *peer, struct proto_msg *msg)
{
	uint32_t	id;
	int		fd;

	id = proc_get_u32(msg);
	if (proc_end(peer, msg) != 0)
		return;
	fd = proc_take_fd(msg);
	if (id == PROC_KEYD) {
		proc_peer_close(&infer_keyd);
		proc_peer_open(&infer_keyd, infer_base, fd, PROC_KEYD,
		    PROTO_MAX_CTL_FRAME, infer_keyd_perms,
		    sizeof(infer_keyd_perms) / sizeof(infer_keyd_perms[0]),
		    infer_keyd_handlers, proc_lost_sibling, NULL);
		log_debug("channel to keyd open");
		return;
	}
	if (id != PROC_NETWORK) {
		close(fd);
		proc_violation(peer, "CTL_PEER: no channel to %s",
		    proc_name(id));
		return;
	}
	/* The requests of the old network child have no one to answer. */
	infer_serve_drop();
	proc_peer_close(&infer_network);
	proc_peer_open(&infer_network, infer_base, fd, PROC_NETWORK,
	    PROTO_MAX_FRAME, infer_network_perms,
	    sizeof(infer_network_perms) / sizeof(infer_network_perms[0]),
	    infer_network_handlers, infer_lost_network, NULL);
	log_debug("channel to network open");
}

/* A violation ends inferd there; a closed channel drops its requests. */
static void
infer_lost_network(struct proc_peer *peer, int violation, const char *why)
{
	if (!violation)
		infer_serve_drop();
	proc_lost_sibling(peer, violation, why);
}

/*
 * Contexts: ContextLength, KVCacheMemory (MiB), KVCacheType, Threads
 * and StreamLayers.
 */
static void
infer_ctx_params(const struct config *conf)
{
	model_ctx_defaults(&infer_ctxp);
	infer_ctxp.cp_n_ctx = (uint32_t)config_num(conf, CONF_KW_CONTEXTLENGTH);
	infer_ctxp.cp_mem_budget =
	    (uint64_t)config_num(conf, CONF_KW_KVCACHEMEMORY) << 20;
	if (strcasecmp(config_str(conf, CONF_KW_KVCACHETYPE), "f32") == 0)
		infer_ctxp.cp_kv_type = GGUF_TYPE_F32;
	infer_ctxp.cp_stream =
	    strcasecmp(config_str(conf, CONF_KW_STREAMLAYERS), "yes") == 0;
	infer_ctxp.cp_n_threads = (uint32_t)config_num(conf, CONF_KW_THREADS);
	if (infer_ctxp.cp_n_threads == 0)
		infer_ctxp.cp_n_threads = infer_ncpu();
}

/* The CPUs we may run on (sched_getaffinity: no /sys in the chroot). */
static uint32_t
infer_ncpu(void)
{
	cpu_set_t	set;
	int		n;

	if (sched_getaffinity(0, sizeof(set), &set) == -1 ||
	    (n = CPU_COUNT(&set)) < 1)
		return 1;
	return n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (uint32_t)n;
}

/*
 * One short pass through the whole model before the first request: it
 * brings the weights into memory, starts the kernel threads working
 * under the sandbox, and proves the forward pass runs.  Two tokens, so
 * the batched path is taken too.
 */
static void
infer_warmup(struct infer_model *im)
{
	struct timespec	 t0, t1;
	int32_t		 ids[2];
	char		 err[256];
	int		 bos = tok_bos(im->im_model->m_tok);

	ids[0] = ids[1] = bos >= 0 ? bos : 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (model_eval(im->im_ctx, ids, 2, NULL, err, sizeof(err)) != 0)
		log_warnx("model %s: warm-up: %s", im->im_name, err);
	model_ctx_reset(im->im_ctx);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("model %s: warm-up pass in %.1f ms", im->im_name,
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
}

/*
 * Read the GGUF, bind its weights and tokenizer, self-test the kernels
 * and try the chat template; any failure leaves the model refused with
 * the reason.
 */
static void
infer_check(struct infer_model *im)
{
	char	err[512];
	int	r;

	if (im->im_stream != NULL)
		r = infer_stream_open(im, err, sizeof(err));
	else if ((r = gguf_open_fd(im->im_fd, &im->im_gguf, err,
	    sizeof(err))) == 0)
		r = model_load(im->im_gguf, &im->im_model, err, sizeof(err));
	if (r != 0 || (r = infer_tmpl_check(im, err, sizeof(err))) != 0) {
		if (r == PWR_ERR_ALLOC_FAIL)
			(void)strlcpy(err, pwr_err(r), sizeof(err));
		infer_refuse(im, err);
		return;
	}
	if ((im->im_idle = evtimer_new(infer_base, infer_idle_cb, im)) == NULL)
		fatalx_f("evtimer_new");
	log_info("model %s: gguf v%u, %llu tensors, arch %s, %u layers, "
	    "%s chat template", im->im_name, gguf_version(im->im_gguf),
	    (unsigned long long)gguf_n_tensors(im->im_gguf),
	    model_arch_name(im->im_model), im->im_model->m_hp.hp_n_layer,
	    im->im_chatml ? "ChatML" : "GGUF");
}

/* Forget whatever a failed check or load left; keep the reason. */
static void
infer_refuse(struct infer_model *im, const char *why)
{
	infer_forget_engine(im);
	free(im->im_error);
	im->im_error = xstrdup(why);
	log_warnx("model %s (%s) refused: %s", im->im_name, im->im_path, why);
}

static void
infer_forget_engine(struct infer_model *im)
{
	if (im->im_idle != NULL)
		event_free(im->im_idle);
	im->im_idle = NULL;
	tmpl_free(im->im_tmpl);
	im->im_tmpl = NULL;
	free(im->im_bos_text);
	free(im->im_eos_text);
	im->im_bos_text = im->im_eos_text = NULL;
	model_free(im->im_model);
	im->im_model = NULL;
	gguf_close(im->im_gguf);
	im->im_gguf = NULL;
	/* A streamed model's memory goes with its engine. */
	infer_stream_free(im->im_stream);
	im->im_stream = NULL;
}

/*
 * Give a checked model its context and KV cache, then run the warm-up
 * pass: from then on it is loaded.
 */
static int
infer_load(struct infer_model *im, char *err, size_t errlen)
{
	struct model_ctx_params	cp = infer_ctxp;
	struct timespec		t0, t1;
	int			r;

	/* A streamed model's layers come from keyd, one at a time. */
	if (im->im_stream != NULL) {
		cp.cp_fetch = infer_stream_fetch;
		cp.cp_fetch_arg = im;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = model_ctx_new(im->im_model, &cp, &im->im_ctx, err,
	    errlen)) != 0) {
		if (r == PWR_ERR_ALLOC_FAIL)
			(void)strlcpy(err, pwr_err(r), errlen);
		im->im_ctx = NULL;
		return -1;
	}
	im->im_cache = xcalloc(model_ctx_n_ctx(im->im_ctx),
	    sizeof(*im->im_cache));
	im->im_ncache = 0;
	infer_warmup(im);
	im->im_lastuse = ++infer_clock;
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("model %s loaded in %.1f ms: context %u, %u threads, "
	    "%s kernels%s", im->im_name,
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
	    model_ctx_n_ctx(im->im_ctx), model_ctx_threads(im->im_ctx),
	    qd_level_name(qd_level()),
	    model_ctx_streaming(im->im_ctx) ? ", streaming layers" : "");
	if (im->im_busy == 0)
		infer_idle_arm(im);
	return 0;
}

/*
 * Free the context and give the weights' pages back to the kernel; the
 * mapping stays, so a later load faults them in again from the file.
 */
static void
infer_unload(struct infer_model *im, const char *why)
{
	if (im->im_ctx == NULL)
		return;
	evtimer_del(im->im_idle);
	model_ctx_free(im->im_ctx);
	im->im_ctx = NULL;
	freezero(im->im_cache, (size_t)im->im_ncache * sizeof(*im->im_cache));
	im->im_cache = NULL;
	im->im_ncache = 0;
	infer_release_pages(im);
	log_info("model %s unloaded: %s", im->im_name, why);
	infer_send_status(&infer_parent, 0);
}

/* MADV_DONTNEED over the tensor data, widened to whole pages. */
static void
infer_release_pages(const struct infer_model *im)
{
	const struct gguf_tensor	*t;
	uintptr_t			 lo = UINTPTR_MAX, hi = 0, page;
	uint64_t			 i;

	for (i = 0; (t = gguf_tensor_at(im->im_gguf, i)) != NULL; i++) {
		if (t->t_nbytes == 0)
			continue;
		if ((uintptr_t)t->t_data < lo)
			lo = (uintptr_t)t->t_data;
		if ((uintptr_t)t->t_data + t->t_nbytes > hi)
			hi = (uintptr_t)t->t_data + t->t_nbytes;
	}
	if (lo >= hi || !gguf_file_mapped(im->im_gguf))
		return;
	page = (uintptr_t)sysconf(_SC_PAGESIZE);
	lo &= ~(page - 1);
	hi = (hi + page - 1) & ~(page - 1);
	if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == -1)
		log_warn("model %s: madvise", im->im_name);
}

static size_t
infer_nloaded(void)
{
	size_t	i, n = 0;

	for (i = 0; i < infer_nmodels; i++)
		if (infer_models[i].im_ctx != NULL)
			n++;
	return n;
}

/*
 * MaxLoadedModels: unload the least recently used models that have no
 * request queued or running until at most target are loaded.  Before a
 * load the target is one less than the limit.  If every loaded model
 * has a request, the limit is exceeded until they finish.
 */
static void
infer_shrink(const struct infer_model *keep, size_t target)
{
	struct infer_model	*im, *lru;
	size_t			 i;

	while (infer_nloaded() > target) {
		lru = NULL;
		for (i = 0; i < infer_nmodels; i++) {
			im = &infer_models[i];
			if (im == keep || im->im_ctx == NULL || im->im_busy > 0)
				continue;
			if (lru == NULL || im->im_lastuse < lru->im_lastuse)
				lru = im;
		}
		if (lru == NULL)
			return;
		infer_unload(lru, "MaxLoadedModels");
	}
}

static void
infer_idle_arm(struct infer_model *im)
{
	struct timeval	tv;

	if (im->im_ctx == NULL || infer_keepalive <= 0)
		return;
	tv.tv_sec = (time_t)infer_keepalive;
	tv.tv_usec = 0;
	evtimer_add(im->im_idle, &tv);
}

/* KeepAlive: idle that long, the model is unloaded. */
static void
infer_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct infer_model	*im = arg;

	if (im->im_busy == 0)
		infer_unload(im, "KeepAlive");
}

struct infer_model *
infer_model_find(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < infer_nmodels; i++)
		if (strlen(infer_models[i].im_name) == len &&
		    memcmp(infer_models[i].im_name, name, len) == 0)
			return &infer_models[i];
	return NULL;
}

struct infer_model *
infer_model_at(size_t i)
{
	return i < infer_nmodels ? &infer_models[i] : NULL;
}

/* Load a checked model for a request (blocking the loop meanwhile). */
int
infer_model_ready(struct infer_model *im, char *err, size_t errlen)
{
	if (im->im_ctx != NULL) {
		im->im_lastuse = ++infer_clock;
		return 0;
	}
	if (infer_maxloaded > 0)
		infer_shrink(im, infer_maxloaded - 1);
	if (infer_load(im, err, errlen) != 0) {
		log_warnx("model %s: loading failed: %s", im->im_name, err);
		return -1;
	}
	infer_send_status(&infer_parent, 0);
	return 0;
}

/* A request names the model: it is busy until released. */
void
infer_model_hold(struct infer_model *im)
{
	im->im_busy++;
	if (im->im_idle != NULL)
		evtimer_del(im->im_idle);
}

void
infer_model_release(struct infer_model *im)
{
	if (im->im_busy == 0)
		fatalx_f("model %s not held", im->im_name);
	im->im_lastuse = ++infer_clock;
	if (--im->im_busy > 0)
		return;
	infer_idle_arm(im);
	if (infer_maxloaded > 0)
		infer_shrink(NULL, infer_maxloaded);
}

/* The KV cache no longer holds what im_cache says (reset, failure). */
void
infer_model_forget(struct infer_model *im)
{
	if (im->im_cache != NULL)
		explicit_bzero(im->im_cache,
		    (size_t)im->im_ncache * sizeof(*im->im_cache));
	im->im_ncache = 0;
	if (im->im_ctx != NULL)
		model_ctx_reset(im->im_ctx);
}

/*
 * A model from keyd: verified (KEY_MODEL, with its descriptor, or
 * KEY_MODEL_STREAM, with its chunk table) or refused
 * (KEY_MODEL_REFUSED, with the reason).  The engine checks a
 * verified one completely before we keep it; a bad file is refused and
 * reported, not fatal: it came from the operator's disk.  The first
 * model that checks out is loaded at once, so that the family is ready;
 * the others on the first request that names them.  A new keyd, or a
 * new channel, sends them all again.
 */
static void
infer_dispatch_key_model(struct proc_peer *peer, struct proto_msg *msg)
{
	struct infer_model	*im;
	struct infer_stream	*is = NULL;
	uint32_t		 idx, count;
	uint64_t		 size, mtime;
	char			*name, *path, *text, err[512];
	int			 refused;

	/* Behind frames put aside while a chunk was fetched. */
	if (infer_stream_defer(peer, msg))
		return;
	refused = msg->pm_hdr.type == PROTO_KEY_MODEL_REFUSED;
	idx = proc_get_u32(msg);
	count = proc_get_u32(msg);
	name = proc_get_string(msg);
	path = proc_get_string(msg);
	text = proc_get_string(msg);
	size = proc_get_u64(msg);
	mtime = proc_get_u64(msg);
	if (msg->pm_hdr.type == PROTO_KEY_MODEL_STREAM && msg->pm_err == 0 &&
	    (is = infer_stream_parse(peer, msg, idx, size)) == NULL)
		goto out;
	if (proc_end(peer, msg) != 0)
		goto out;
	if (count > INFER_MAX_MODELS || idx >= count ||
	    (!refused && strlen(text) != 64) ||
	    (infer_nmodels >= count && infer_model_find(name,
	    strlen(name)) == NULL)) {
		proc_violation(peer, "%s: model %u of %u",
		    proto_type_name(msg->pm_hdr.type), idx, count);
		goto out;
	}
	infer_expected = count;
	if ((im = infer_model_slot(name, refused, text, is)) == NULL)
		goto out;	/* kept as it is */
	im->im_name = name;
	im->im_path = path;
	im->im_sha256 = xstrdup(refused ? "" : text);
	im->im_size = size;
	im->im_mtime = (int64_t)mtime;
	name = path = NULL;
	if (refused) {
		im->im_fd = -1;
		im->im_unverified = 1;
		infer_refuse(im, text);
	} else if (is != NULL) {
		im->im_fd = -1;
		im->im_stream = is;
		is = NULL;
		infer_check(im);
	} else {
		im->im_fd = proc_take_fd(msg);
		infer_check(im);
	}
	if (im->im_model != NULL && infer_nloaded() == 0 &&
	    infer_load(im, err, sizeof(err)) != 0)
		infer_refuse(im, err);
	/* Tell the parent without being asked, so powerctl is current. */
	infer_send_status(&infer_parent, 0);
 out:
	infer_stream_free(is);
	free(name);
	free(path);
	free(text);
}

/*
 * Where a model from keyd goes: a new slot, or the one it had.  NULL
 * when the one we have stays: the same verified file (an inferd or keyd
 * restart; streamed, the same chunk table too), or a model in use (XXX
 * keyd: a model changed on disk while requests use it is replaced only
 * by an inferd restart).
 */
static struct infer_model *
infer_model_slot(const char *name, int refused, const char *text,
    struct infer_stream *is)
{
	struct infer_model	*im;

	if ((im = infer_model_find(name, strlen(name))) == NULL) {
		im = &infer_models[infer_nmodels++];
		memset(im, 0, sizeof(*im));
		return im;
	}
	if (!refused && im->im_model != NULL &&
	    strcmp(im->im_sha256, text) == 0 &&
	    infer_stream_same(im->im_stream, is))
		return NULL;
	if (im->im_busy > 0) {
		log_warnx("model %s: keyd sent a changed model while requests "
		    "use it: kept until inferd restarts", im->im_name);
		return NULL;
	}
	infer_unload(im, "replaced");
	infer_forget_engine(im);
	if (im->im_fd != -1)
		close(im->im_fd);
	free(im->im_name);
	free(im->im_path);
	free(im->im_sha256);
	free(im->im_error);
	memset(im, 0, sizeof(*im));
	return im;
}

/*
 * How many models keyd has still to answer for: until its first answer
 * we only know how many power.conf names.
 */
static uint32_t
infer_models_pending(void)
{
	uint32_t	want;

	want = infer_expected != 0 ? infer_expected : infer_configured;
	return want > infer_nmodels ? want - (uint32_t)infer_nmodels : 0;
}

/*
 * The Model lines of power.conf: a change needs a restart, so counting
 * them once is enough.
 */
static void
infer_count_models(const struct config *conf)
{
	const struct config_value	*cv;

	for (cv = config_get(conf, CONF_KW_MODEL); cv != NULL;
	    cv = cv->cv_next)
		infer_configured++;
}

/* Every model keyd has was sent, and none failed its checks. */
int
infer_models_verified(void)
{
	size_t	i;

	if (infer_models_pending() != 0)
		return 0;
	for (i = 0; i < infer_nmodels; i++)
		if (infer_models[i].im_unverified)
			return 0;
	return 1;
}

static void
infer_dispatch_net_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct buf	*b;

	if (infer_serve_between(peer, "INFER_STATUS_REQ") != 0 ||
	    proc_end(peer, msg) != 0)
		return;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, (uint32_t)infer_nloaded()) != 0 ||
	    buf_put_u32(b, (uint32_t)infer_nmodels) != 0 ||
	    buf_put_u8(b, infer_models_verified()) != 0 ||
	    buf_put_u32(b, infer_models_pending()) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_INFER_STATUS, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
}
