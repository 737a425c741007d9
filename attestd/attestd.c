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
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "evidence.h"
#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "attestd.h"

/*
 * attestd: opens the TEE device as root, drops to AttestUser in an
 * empty chroot and answers questions about the TEE.  It parses no HTTP
 * or JSON and runs no threads.
 */

static void	attest_dispatch_config(struct proc_peer *, struct proto_msg *);
static void	attest_dispatch_status(struct proc_peer *, struct proto_msg *);
static void	attest_dispatch_peer(struct proc_peer *, struct proto_msg *);
static void	attest_dispatch_tee(struct proc_peer *, struct proto_msg *);
static void	attest_dispatch_report(struct proc_peer *, struct proto_msg *);
static void	attest_sandbox(struct proc_child_conf *);
static void	attest_openssl_init(void);

static const struct proto_perm attest_parent_perms[] = {
	{ PROTO_CTL_CONFIG, 0 },
	{ PROTO_CTL_STATUS_REQ, 0 },
	{ PROTO_CTL_PEER, PROTO_PERM_FD },
	{ PROTO_CTL_SHUTDOWN, PROTO_PERM_ONCE },
};

static const struct proc_handler attest_parent_handlers[] = {
	{ PROTO_CTL_CONFIG, attest_dispatch_config },
	{ PROTO_CTL_STATUS_REQ, attest_dispatch_status },
	{ PROTO_CTL_PEER, attest_dispatch_peer },
	{ PROTO_CTL_SHUTDOWN, proc_dispatch_shutdown },
	{ 0, NULL }
};

static const struct proto_perm attest_network_perms[] = {
	{ PROTO_ATTEST_TEE_REQ, 0 },
	{ PROTO_ATTEST_REPORT_REQ, 0 },
};

static const struct proc_handler attest_network_handlers[] = {
	{ PROTO_ATTEST_TEE_REQ, attest_dispatch_tee },
	{ PROTO_ATTEST_REPORT_REQ, attest_dispatch_report },
	{ 0, NULL }
};

static struct event_base	*attest_base;
static struct proc_peer		 attest_parent;
static struct proc_peer		 attest_network;
static struct attest_tee	 attest_tee;
static struct attest_evidence	 attest_evidence;	/* one answer at a time */

static const struct sandbox_limits attest_limits = {
	.sl_nofile = 16, .sl_nproc = 0, .sl_fsize = 0,
};

int
main(int argc, char **argv)
{
	struct proc_child_conf	cc;
	int			debug, verbose;

	proc_child_args(argc, argv, &debug, &verbose);
	log_init(1, LOG_LEVEL_INFO + verbose, 0);
	log_procinit("attestd");
	/* Reports are evidence for clients: keep them out of core dumps. */
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	proc_child_init(PROC_ATTESTD, &cc);
	log_setlevel((int)config_num(cc.cc_config, CONF_KW_LOGLEVEL) +
	    verbose);
	if ((attest_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_peer_open(&attest_parent, attest_base, PROC_CHANNEL_FD,
	    PROC_PARENT, PROTO_MAX_CTL_FRAME, attest_parent_perms,
	    sizeof(attest_parent_perms) / sizeof(attest_parent_perms[0]),
	    attest_parent_handlers, proc_lost_parent, NULL);
	proc_log_to_parent(&attest_parent);
	attest_tee_detect(&attest_tee, &cc);
	attest_openssl_init();
	attest_sandbox(&cc);
	proc_child_conf_clear(&cc);
	proc_send_empty(&attest_parent, PROTO_CTL_READY, 0);
	event_base_dispatch(attest_base);
	return 0;
}

/*
 * OpenSSL reads its configuration and loads its providers on first use:
 * do that now, while files can still be opened (the simulated report
 * hashes with SHA-384).
 */
static void
attest_openssl_init(void)
{
	EVP_MD	*md;

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    (md = EVP_MD_fetch(NULL, "SHA384", NULL)) == NULL)
		fatalx("OpenSSL initialisation failed");
	EVP_MD_free(md);
}

/*
 * The filter allows the SNP requests only on the device opened, and
 * configfs-tsm calls only relative to our report entry (or, in the
 * fallback, to the report directory).
 */
static void
attest_sandbox(struct proc_child_conf *cc)
{
	struct attest_tee	*at = &attest_tee;
	struct sandbox_rule	*rules;
	size_t			 n;

	rules = attest_filter_build(
	    at->at_tsm == ATTEST_TSM_NONE ? at->at_fd : -1,
	    at->at_tsm == ATTEST_TSM_ENTRY ? at->at_fd : -1,
	    at->at_tsm == ATTEST_TSM_PERREQ ? at->at_fd : -1, &n);
	proc_child_sandbox(cc, &attest_limits, rules, n);
	free(rules);
}

static void
attest_dispatch_config(struct proc_peer *peer, struct proto_msg *msg)
{
	/*
	 * The TEE keywords (SevVmpl too: configfs-tsm takes it from root)
	 * need the device, opened as root: the parent refuses a reload
	 * that changes them.
	 */
	config_free(proc_child_reload(peer, msg, PROC_ATTESTD));
}

static void
attest_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct buf	*b;
	char		 detail[ATTEST_DETAIL_MAX + 64];

	if (proc_end(peer, msg) != 0)
		return;
	snprintf(detail, sizeof(detail), "tee %s%s: %s", attest_tee.at_type,
	    attest_tee.at_available ? "" : " (unavailable)",
	    attest_tee.at_detail);
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, "serving") != 0 ||
	    buf_put_string(b, detail) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_CTL_STATUS, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
}

static void
attest_dispatch_peer(struct proc_peer *peer, struct proto_msg *msg)
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
	proc_peer_close(&attest_network);
	proc_peer_open(&attest_network, attest_base, fd, PROC_NETWORK,
	    PROTO_MAX_CTL_FRAME, attest_network_perms,
	    sizeof(attest_network_perms) / sizeof(attest_network_perms[0]),
	    attest_network_handlers, proc_lost_sibling, NULL);
}

static void
attest_dispatch_tee(struct proc_peer *peer, struct proto_msg *msg)
{
	struct buf	*b;

	if (proc_end(peer, msg) != 0)
		return;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, attest_tee.at_type) != 0 ||
	    buf_put_u8(b, attest_tee.at_available ? 1 : 0) != 0 ||
	    buf_put_u8(b, attest_tee.at_simulated ? 1 : 0) != 0 ||
	    buf_put_string(b, attest_tee.at_detail) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_ATTEST_TEE, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
}

/*
 * Evidence over the 64 bytes the network child chose.  Any other
 * length is a broken or hostile peer.  The device may take a while;
 * attestd answers one question at a time.
 */
static void
attest_dispatch_report(struct proc_peer *peer, struct proto_msg *msg)
{
	struct attest_evidence	*ae = &attest_evidence;
	struct buf		*b;
	const u_char		*rd;
	size_t			 len;

	rd = proc_get_data(msg, &len);
	if (proc_end(peer, msg) != 0)
		return;
	if (len != EVIDENCE_REPORT_DATA_LEN) {
		proc_violation(peer, "ATTEST_REPORT_REQ: report_data of %zu "
		    "bytes", len);
		return;
	}
	attest_report(&attest_tee, rd, ae);
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, ae->ae_status) != 0 ||
	    buf_put_string(b, ae->ae_tee) != 0 ||
	    buf_put_u8(b, ae->ae_simulated ? 1 : 0) != 0 ||
	    buf_put_data(b, ae->ae_report, ae->ae_report_len) != 0 ||
	    buf_put_data(b, ae->ae_certs, ae->ae_certs_len) != 0 ||
	    buf_put_string(b, ae->ae_message) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_ATTEST_REPORT, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
	attest_evidence_clear(ae);
}
