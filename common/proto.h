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

#ifndef POWER_PROTO_H
#define POWER_PROTO_H

/*
 * Typed frames between the processes of the family, over AF_UNIX
 * SOCK_SEQPACKET socketpairs: one frame is one datagram, optionally with
 * one file descriptor (SCM_RIGHTS).  Every type is in the enum below and
 * documented in PROTOCOL.  Bump PROTO_VERSION on any payload change.
 */

#define PROTO_VERSION		3
#define PROTO_HDR_LEN		16		/* four uint32 */
#define PROTO_MAX_FRAME		(256 * 1024)	/* absolute ceiling, bytes */
#define PROTO_MAX_CTL_FRAME	(64 * 1024)	/* control channels, bytes */
#define PROTO_MAX_DOC		(64UL << 20)	/* INFER_* JSON document, bytes */

#define PROTO_F_VERSION_MASK	0x000000ffU	/* flags: low byte = version */
#define PROTO_F_FD		0x00000100U	/* flags: an fd travels */

struct proto_hdr {
	uint32_t	type;
	uint32_t	len;		/* header included */
	uint32_t	peerid;		/* request id, echoed in the answer */
	uint32_t	flags;		/* version, PROTO_F_* */
};

enum proto_type {
	/* parent <-> every child (control channel, fd 3): 1-99 */
	PROTO_CTL_CONFIG = 1,		/* p->c: the child's part of power.conf */
	PROTO_CTL_READY,		/* c->p: sandboxed, serving */
	PROTO_CTL_STATUS_REQ,		/* p->c: describe yourself */
	PROTO_CTL_STATUS,		/* c->p: state and detail text */
	PROTO_CTL_LOG,			/* c->p: one log record */
	PROTO_CTL_PEER,			/* p->c: fd = channel to a sibling */
	PROTO_CTL_LISTEN,		/* p->network: fd = listen socket */
	PROTO_CTL_SHUTDOWN,		/* p->c: drain and exit 0 */
	PROTO_CTL_ROTATE_KEY,		/* p->keyd: make the next ModelKey current */
	PROTO_CTL_ROTATED,		/* keyd->p: rotation result */
	PROTO_CTL_TLS,			/* p->network: operator cert and key */

	/* network child <-> inferd: 100-199 */
	PROTO_INFER_STATUS_REQ = 100,	/* n->i: which models are loaded */
	PROTO_INFER_STATUS,		/* i->n: the answer */
	PROTO_INFER_REQUEST,		/* n->i: a JSON request, chunked */
	PROTO_INFER_CANCEL,		/* n->i: drop a request */
	PROTO_INFER_REPLY,		/* i->n: a JSON reply, chunked */

	/* keyd <-> inferd: 200-299 */
	PROTO_KEY_MODEL = 200,		/* k->i: fd = verified model (or memfd) */
	PROTO_KEY_MODEL_REFUSED,	/* k->i: a model that failed its checks */
	PROTO_KEY_MODEL_STREAM,		/* k->i: verified .enc, chunk table */
	PROTO_KEY_CHUNK_REQ,		/* i->k: one chunk of a streamed model */
	PROTO_KEY_CHUNK,		/* k->i: fd = sealed memfd of the chunk */

	/* network child <-> attestd: 300-399 */
	PROTO_ATTEST_TEE_REQ = 300,	/* n->a: what TEE are we in */
	PROTO_ATTEST_TEE,		/* a->n: the answer */
	PROTO_ATTEST_REPORT_REQ,	/* n->a: evidence over 64 bytes */
	PROTO_ATTEST_REPORT,		/* a->n: report, certificates */

	/* powerctl <-> parent (control socket): 400-499 */
	PROTO_ADM_STATUS_REQ = 400,	/* c->p: status of the family */
	PROTO_ADM_STATUS,		/* p->c: one process's status */
	PROTO_ADM_STATUS_END,		/* p->c: end of the status list */
	PROTO_ADM_RELOAD,		/* c->p: re-read power.conf */
	PROTO_ADM_OK,			/* p->c: done */
	PROTO_ADM_ERROR,		/* p->c: failed, with a message */
	PROTO_ADM_ROTATE_KEY,		/* c->p: powerctl rotate-key */
};

/* Permission flags, per type and channel. */
#define PROTO_PERM_FD		0x01	/* an fd must travel with it */
#define PROTO_PERM_ONCE		0x02	/* allowed once, then revoked */

struct proto_perm {
	uint32_t	pp_type;
	int		pp_flags;
};

struct proto_out;			/* queued outgoing frame */

struct proto_chan {
	int			 pc_fd;
	size_t			 pc_maxframe;
	struct proto_perm	*pc_perms;	/* own copy: ONCE clears */
	size_t			 pc_nperms;
	struct proto_out	*pc_outq;	/* head of send queue */
	struct proto_out	**pc_outtail;
	size_t			 pc_outlen;	/* frames queued */
};

struct proto_msg {
	struct proto_hdr	 pm_hdr;
	int			 pm_fd;		/* -1 if none */
	struct buf		*pm_buf;	/* payload only */
	int			 pm_err;	/* sticky getter error */
};

/*
 * Channel set-up.  perms is copied; a type absent from it is refused
 * on receive.  maxframe is capped at PROTO_MAX_FRAME (0 means
 * PROTO_MAX_FRAME).  fd may be -1 (decode only); on a socket SO_SNDBUF
 * is raised, best effort, so that a maxframe datagram fits.
 */
int	proto_chan_init(struct proto_chan *, int fd, size_t maxframe,
	    const struct proto_perm *, size_t nperms);
/*
 * Frees the queue and the permissions and closes the queued frames' fds.
 * pc_fd is NOT closed: the owner of the channel closes it.
 */
void	proto_chan_clear(struct proto_chan *);

/*
 * Check a header against the channel: length bounds, version, type
 * allowed, fd present iff the type requires one.  datalen is what was
 * actually received (header included).  Used by proto_recv() and by the
 * fuzzer.  Does not consume ONCE permissions.
 */
int	proto_check_hdr(const struct proto_chan *, const struct proto_hdr *,
	    size_t datalen, int have_fd);
/*
 * Decode a whole frame held in memory into msg (payload copied), as
 * proto_recv() would; returns 0 or PWR_ERR_*.  Consumes ONCE
 * permissions.  fd (or -1) is owned by proto_decode: it ends up in
 * msg->pm_fd, or is closed on error.
 */
int	proto_decode(struct proto_chan *, const u_char *, size_t, int fd,
	    struct proto_msg *);

/*
 * Queue a frame; fd (or -1) is sent with it and closed by the channel
 * once sent.  The payload must fit the channel's maximum, else
 * PWR_ERR_FRAME_TOO_LARGE.  On error the caller still owns fd.
 */
int	proto_compose(struct proto_chan *, uint32_t type, uint32_t peerid,
	    int fd, const void *, size_t);
int	proto_compose_buf(struct proto_chan *, uint32_t type, uint32_t peerid,
	    int fd, const struct buf *);
/*
 * Send queued frames: 0 all sent, PWR_ERR_AGAIN some left, PWR_ERR_EOF
 * if the peer has gone, other < 0 errors.
 */
int	proto_flush(struct proto_chan *);
int	proto_pending(const struct proto_chan *);

/*
 * Receive one frame.  Peeks at the header and checks it before
 * allocating.  Returns 1 with *msg filled, 0 if nothing is ready, or a
 * PWR_ERR_* code (PWR_ERR_EOF when the peer closed).  *msg is
 * overwritten (clear it before reuse).  A rejected frame is read off the
 * socket and its fds are closed.  pm_buf holds the frame with the header
 * already consumed: buf_len() is the payload length.
 */
int	proto_recv(struct proto_chan *, struct proto_msg *);
void	proto_msg_clear(struct proto_msg *);		/* wipes, closes fd */

const char *proto_type_name(uint32_t);

#endif /* POWER_PROTO_H */
