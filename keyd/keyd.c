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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "keyd.h"

/*
 * keyd: the only process that will read key files.  It keeps no key in
 * this release: it starts, makes itself undumpable, drops to KeyUser in
 * an empty chroot under seccomp and answers status frames.  Model
 * verification and decryption come with the trust-chain work, and land
 * here, behind the same channel.
 */

static void	key_dispatch_config(struct proc_peer *, struct proto_msg *);
static void	key_dispatch_status(struct proc_peer *, struct proto_msg *);

static const struct proto_perm key_parent_perms[] = {
	{ PROTO_CTL_CONFIG, 0 },
	{ PROTO_CTL_STATUS_REQ, 0 },
	{ PROTO_CTL_SHUTDOWN, PROTO_PERM_ONCE },
};

static const struct proc_handler key_parent_handlers[] = {
	{ PROTO_CTL_CONFIG, key_dispatch_config },
	{ PROTO_CTL_STATUS_REQ, key_dispatch_status },
	{ PROTO_CTL_SHUTDOWN, proc_dispatch_shutdown },
	{ 0, NULL }
};

static struct proc_peer	key_parent;

static const struct sandbox_limits key_limits = {
	.sl_nofile = 16, .sl_nproc = 0, .sl_fsize = 0,
};

int
main(int argc, char **argv)
{
	struct proc_child_conf	 cc;
	struct event_base	*base;
	int			 debug, verbose;

	proc_child_args(argc, argv, &debug, &verbose);
	log_init(1, LOG_LEVEL_INFO + verbose, 0);
	log_procinit("keyd");
	/* Key material must never reach a core file. */
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	proc_child_init(PROC_KEYD, &cc);
	log_setlevel((int)config_num(cc.cc_config, CONF_KW_LOGLEVEL) +
	    verbose);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_peer_open(&key_parent, base, PROC_CHANNEL_FD, PROC_PARENT,
	    PROTO_MAX_CTL_FRAME, key_parent_perms,
	    sizeof(key_parent_perms) / sizeof(key_parent_perms[0]),
	    key_parent_handlers, proc_lost_parent, NULL);
	proc_log_to_parent(&key_parent);
	proc_child_sandbox(&cc, &key_limits, key_filter, key_filter_len);
	proc_child_conf_clear(&cc);
	proc_send_empty(&key_parent, PROTO_CTL_READY, 0);
	event_base_dispatch(base);
	return 0;
}

static void
key_dispatch_config(struct proc_peer *peer, struct proto_msg *msg)
{
	config_free(proc_child_reload(peer, msg, PROC_KEYD));
}

static void
key_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct buf	*b;

	if (proc_end(peer, msg) != 0)
		return;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, "serving") != 0 ||
	    buf_put_string(b, "no key material held") != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_CTL_STATUS, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
}

