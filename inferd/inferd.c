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
#include "engine/tokenizer.h"
#include "inferd.h"

/*
 * inferd: the inference worker.  It runs as InferUser in an empty
 * chroot under a kill-by-default seccomp filter that allows no open,
 * socket, exec or fork.  Model files arrive as descriptors from the
 * parent; the engine reads them through mmap.
 */

static void	infer_send_status(struct proc_peer *, uint32_t);
static void	infer_dispatch_config(struct proc_peer *, struct proto_msg *);
static void	infer_dispatch_status(struct proc_peer *, struct proto_msg *);
static void	infer_dispatch_peer(struct proc_peer *, struct proto_msg *);
static void	infer_dispatch_model(struct proc_peer *, struct proto_msg *);
static void	infer_load(struct infer_model *, int);
static void	infer_warmup(struct infer_model *);
static void	infer_ctx_params(const struct config *);
static uint32_t	infer_ncpu(void);
static void	infer_dispatch_net_status(struct proc_peer *,
		    struct proto_msg *);

static const struct proto_perm infer_parent_perms[] = {
	{ PROTO_CTL_CONFIG, 0 },
	{ PROTO_CTL_STATUS_REQ, 0 },
	{ PROTO_CTL_PEER, PROTO_PERM_FD },
	{ PROTO_CTL_MODEL, PROTO_PERM_FD },
	{ PROTO_CTL_SHUTDOWN, PROTO_PERM_ONCE },
};

static const struct proc_handler infer_parent_handlers[] = {
	{ PROTO_CTL_CONFIG, infer_dispatch_config },
	{ PROTO_CTL_STATUS_REQ, infer_dispatch_status },
	{ PROTO_CTL_PEER, infer_dispatch_peer },
	{ PROTO_CTL_MODEL, infer_dispatch_model },
	{ PROTO_CTL_SHUTDOWN, proc_dispatch_shutdown },
	{ 0, NULL }
};

static const struct proto_perm infer_network_perms[] = {
	{ PROTO_INFER_STATUS_REQ, 0 },
};

static const struct proc_handler infer_network_handlers[] = {
	{ PROTO_INFER_STATUS_REQ, infer_dispatch_net_status },
	{ 0, NULL }
};

static struct event_base	*infer_base;
static struct proc_peer		 infer_parent;
static struct proc_peer		 infer_network;
static struct infer_model	 infer_models[INFER_MAX_MODELS];
static struct model_ctx_params	 infer_ctxp;
static size_t			 infer_nmodels;

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
	if ((infer_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_peer_open(&infer_parent, infer_base, PROC_CHANNEL_FD, PROC_PARENT,
	    PROTO_MAX_CTL_FRAME, infer_parent_perms,
	    sizeof(infer_parent_perms) / sizeof(infer_parent_perms[0]),
	    infer_parent_handlers, proc_lost_parent, NULL);
	proc_log_to_parent(&infer_parent);
	infer_test_init(PROC_CHANNEL_FD);
	proc_child_sandbox(&cc, &infer_limits, infer_filter, infer_filter_len);
	proc_child_conf_clear(&cc);
	proc_send_empty(&infer_parent, PROTO_CTL_READY, 0);
	event_base_dispatch(infer_base);
	return 0;
}

static void
infer_dispatch_config(struct proc_peer *peer, struct proto_msg *msg)
{
	config_free(proc_child_reload(peer, msg, PROC_INFERD));
}

/* State and detail: each model with its GGUF header facts. */
static void
infer_send_status(struct proc_peer *peer, uint32_t peerid)
{
	struct infer_model	*im;
	struct buf		*detail, *b;
	size_t			 i;
	int			 r = 0;

	if ((detail = buf_new(PROTO_MAX_CTL_FRAME / 2)) == NULL ||
	    (b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (infer_nmodels == 0)
		r |= buf_putf(detail, "no models configured");
	for (i = 0; i < infer_nmodels && r == 0; i++) {
		im = &infer_models[i];
		if (i > 0)
			r |= buf_putf(detail, "; ");
		if (im->im_gguf == NULL)
			r |= buf_putf(detail, "%s: refused: %s", im->im_name,
			    im->im_error);
		else
			r |= buf_putf(detail, "%s: gguf v%u, %llu tensors, "
			    "%llu kv, arch %s, %llu bytes, %u layers, "
			    "%u embd, %u tokens, context %u, %u threads, "
			    "%s kernels%s", im->im_name,
			    gguf_version(im->im_gguf),
			    (unsigned long long)gguf_n_tensors(im->im_gguf),
			    (unsigned long long)gguf_n_kv(im->im_gguf),
			    gguf_architecture(im->im_gguf),
			    (unsigned long long)gguf_file_size(im->im_gguf),
			    im->im_model->m_hp.hp_n_layer,
			    im->im_model->m_hp.hp_n_embd,
			    im->im_model->m_hp.hp_n_vocab,
			    model_ctx_n_ctx(im->im_ctx),
			    model_ctx_threads(im->im_ctx),
			    qd_level_name(qd_level()),
			    model_ctx_streaming(im->im_ctx) ?
			    ", streaming layers" : "");
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
	if (id != PROC_NETWORK) {
		close(fd);
		proc_violation(peer, "CTL_PEER: no channel to %s",
		    proc_name(id));
		return;
	}
	proc_peer_close(&infer_network);
	proc_peer_open(&infer_network, infer_base, fd, PROC_NETWORK,
	    PROTO_MAX_FRAME, infer_network_perms,
	    sizeof(infer_network_perms) / sizeof(infer_network_perms[0]),
	    infer_network_handlers, proc_lost_sibling, NULL);
	log_debug("channel to network open");
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
 * Read the GGUF, bind its weights and tokenizer and self-test the
 * kernels; any failure leaves the model refused with the reason.
 */
static void
infer_load(struct infer_model *im, int fd)
{
	char	err[512];
	int	r;

	if ((r = gguf_open_fd(fd, &im->im_gguf, err, sizeof(err))) != 0 ||
	    (r = model_load(im->im_gguf, &im->im_model, err,
	    sizeof(err))) != 0 ||
	    (r = model_ctx_new(im->im_model, &infer_ctxp, &im->im_ctx, err,
	    sizeof(err))) != 0) {
		if (r == PWR_ERR_ALLOC_FAIL)
			(void)strlcpy(err, pwr_err(r), sizeof(err));
		model_free(im->im_model);
		im->im_model = NULL;
		gguf_close(im->im_gguf);
		im->im_gguf = NULL;
		im->im_error = xstrdup(err);
		log_warnx("model %s (%s) refused: %s", im->im_name,
		    im->im_path, err);
		return;
	}
	infer_warmup(im);
	log_info("model %s: gguf v%u, %llu tensors, arch %s, %u layers, "
	    "context %u, %u threads, %s kernels%s", im->im_name,
	    gguf_version(im->im_gguf),
	    (unsigned long long)gguf_n_tensors(im->im_gguf),
	    model_arch_name(im->im_model), im->im_model->m_hp.hp_n_layer,
	    model_ctx_n_ctx(im->im_ctx), model_ctx_threads(im->im_ctx),
	    qd_level_name(qd_level()),
	    model_ctx_streaming(im->im_ctx) ? ", streaming layers" : "");
}

/*
 * A model file, already open: the engine checks it completely before
 * we keep it.  A bad file is refused and reported, not fatal: it came
 * from the operator's disk, not from a peer.
 */
static void
infer_dispatch_model(struct proc_peer *peer, struct proto_msg *msg)
{
	struct infer_model	*im;
	int			 fd;

	if (infer_nmodels >= INFER_MAX_MODELS) {
		proc_violation(peer, "CTL_MODEL: more than %d models",
		    INFER_MAX_MODELS);
		return;
	}
	im = &infer_models[infer_nmodels];
	memset(im, 0, sizeof(*im));
	im->im_name = proc_get_string(msg);
	im->im_path = proc_get_string(msg);
	im->im_sha256 = proc_get_string(msg);
	if (proc_end(peer, msg) != 0) {
		free(im->im_name);
		free(im->im_path);
		free(im->im_sha256);
		return;
	}
	infer_nmodels++;
	fd = proc_take_fd(msg);
	infer_load(im, fd);
	close(fd);
	/* Tell the parent without being asked, so powerctl is current. */
	infer_send_status(peer, 0);
}

static void
infer_dispatch_net_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct buf	*b;
	uint32_t	 loaded = 0;
	size_t		 i;

	if (proc_end(peer, msg) != 0)
		return;
	for (i = 0; i < infer_nmodels; i++)
		if (infer_models[i].im_gguf != NULL)
			loaded++;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, loaded) != 0 ||
	    buf_put_u32(b, (uint32_t)infer_nmodels) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_INFER_STATUS, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
}
