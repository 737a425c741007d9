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
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

/*
 * Frames over AF_UNIX SOCK_SEQPACKET: one datagram per frame, at most one
 * fd with it.  The receiver peeks at the fixed header and checks it
 * against the channel (length, version, type, fd) before allocating
 * anything, as OpenSSH mm_request_receive() checks MONITOR_MAX_MSGLEN.
 * A rejected datagram is always read off the socket and any fds that
 * came with it are closed, so a bad frame leaks nothing.
 */

/* A queued outgoing frame: header and payload in one buffer. */
struct proto_out {
	struct proto_out	*po_next;
	struct buf		*po_buf;
	int			 po_fd;		/* -1 or closed once sent */
};

/* fds a rejected datagram may carry that are received and closed. */
#define PROTO_DISCARD_FDS	16

/* Send buffer headroom over maxframe: the kernel's skb accounting. */
#define PROTO_SNDBUF_SLACK	4096

static const struct proto_perm *proto_perm_find(const struct proto_chan *,
		    uint32_t);
static void	proto_perm_use(struct proto_chan *, uint32_t);
static int	proto_cmsg_fds(struct msghdr *, int *);
static void	proto_discard(int);
static void	proto_out_free(struct proto_out *);
static void	proto_msg_init(struct proto_msg *);

_Static_assert(sizeof(struct proto_hdr) == PROTO_HDR_LEN,
    "struct proto_hdr must be the 16 bytes on the wire");

static const struct {
	uint32_t	 tn_type;
	const char	*tn_name;
} proto_type_names[] = {
	{ PROTO_CTL_CONFIG,		"CTL_CONFIG" },
	{ PROTO_CTL_READY,		"CTL_READY" },
	{ PROTO_CTL_STATUS_REQ,		"CTL_STATUS_REQ" },
	{ PROTO_CTL_STATUS,		"CTL_STATUS" },
	{ PROTO_CTL_LOG,		"CTL_LOG" },
	{ PROTO_CTL_PEER,		"CTL_PEER" },
	{ PROTO_CTL_LISTEN,		"CTL_LISTEN" },
	{ PROTO_CTL_SHUTDOWN,		"CTL_SHUTDOWN" },
	{ PROTO_CTL_ROTATE_KEY,		"CTL_ROTATE_KEY" },
	{ PROTO_CTL_ROTATED,		"CTL_ROTATED" },
	{ PROTO_CTL_TLS,		"CTL_TLS" },
	{ PROTO_INFER_STATUS_REQ,	"INFER_STATUS_REQ" },
	{ PROTO_INFER_STATUS,		"INFER_STATUS" },
	{ PROTO_INFER_REQUEST,		"INFER_REQUEST" },
	{ PROTO_INFER_CANCEL,		"INFER_CANCEL" },
	{ PROTO_INFER_REPLY,		"INFER_REPLY" },
	{ PROTO_KEY_MODEL,		"KEY_MODEL" },
	{ PROTO_KEY_MODEL_REFUSED,	"KEY_MODEL_REFUSED" },
	{ PROTO_KEY_MODEL_STREAM,	"KEY_MODEL_STREAM" },
	{ PROTO_KEY_CHUNK_REQ,		"KEY_CHUNK_REQ" },
	{ PROTO_KEY_CHUNK,		"KEY_CHUNK" },
	{ PROTO_ATTEST_TEE_REQ,		"ATTEST_TEE_REQ" },
	{ PROTO_ATTEST_TEE,		"ATTEST_TEE" },
	{ PROTO_ATTEST_REPORT_REQ,	"ATTEST_REPORT_REQ" },
	{ PROTO_ATTEST_REPORT,		"ATTEST_REPORT" },
	{ PROTO_ADM_STATUS_REQ,		"ADM_STATUS_REQ" },
	{ PROTO_ADM_STATUS,		"ADM_STATUS" },
	{ PROTO_ADM_STATUS_END,		"ADM_STATUS_END" },
	{ PROTO_ADM_RELOAD,		"ADM_RELOAD" },
	{ PROTO_ADM_OK,			"ADM_OK" },
	{ PROTO_ADM_ERROR,		"ADM_ERROR" },
	{ PROTO_ADM_ROTATE_KEY,		"ADM_ROTATE_KEY" },
};

/*
 * fd may be -1 (for the fuzzer and tests).  On a socket, the send buffer
 * is raised so that one maxframe datagram fits: Linux refuses a datagram
 * larger than SO_SNDBUF with EMSGSIZE.  That is best effort; if it
 * fails, proto_flush() reports the error.
 */
int
proto_chan_init(struct proto_chan *chan, int fd, size_t maxframe,
    const struct proto_perm *perms, size_t nperms)
{
	int	 sndbuf;

	if (chan == NULL)
		return PWR_ERR_INTERNAL;
	memset(chan, 0, sizeof(*chan));
	chan->pc_fd = -1;
	chan->pc_outtail = &chan->pc_outq;
	if ((perms == NULL && nperms != 0) ||
	    (maxframe != 0 && maxframe < PROTO_HDR_LEN))
		return PWR_ERR_INTERNAL;
	if (maxframe == 0 || maxframe > PROTO_MAX_FRAME)
		maxframe = PROTO_MAX_FRAME;
	if (nperms != 0) {
		chan->pc_perms = reallocarray(NULL, nperms, sizeof(*perms));
		if (chan->pc_perms == NULL)
			return PWR_ERR_ALLOC_FAIL;
		memcpy(chan->pc_perms, perms, nperms * sizeof(*perms));
	}
	chan->pc_nperms = nperms;
	chan->pc_maxframe = maxframe;
	chan->pc_fd = fd;
	if (fd >= 0) {
		sndbuf = (int)(maxframe + PROTO_SNDBUF_SLACK);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
	}
	return 0;
}

/* pc_fd is left open: the owner of the channel closes it. */
void
proto_chan_clear(struct proto_chan *chan)
{
	struct proto_out	*po;

	if (chan == NULL)
		return;
	while ((po = chan->pc_outq) != NULL) {
		chan->pc_outq = po->po_next;
		proto_out_free(po);
	}
	free(chan->pc_perms);
	chan->pc_perms = NULL;
	chan->pc_nperms = 0;
	chan->pc_outtail = &chan->pc_outq;
	chan->pc_outlen = 0;
}

static const struct proto_perm *
proto_perm_find(const struct proto_chan *chan, uint32_t type)
{
	size_t	 i;

	for (i = 0; i < chan->pc_nperms; i++) {
		if (chan->pc_perms[i].pp_type == type)
			return &chan->pc_perms[i];
	}
	return NULL;
}

/* A frame of this type was accepted: revoke a ONCE permission. */
static void
proto_perm_use(struct proto_chan *chan, uint32_t type)
{
	struct proto_perm	*pp = chan->pc_perms;
	size_t			 i;

	for (i = 0; i < chan->pc_nperms; i++) {
		if (pp[i].pp_type != type)
			continue;
		if (pp[i].pp_flags & PROTO_PERM_ONCE) {
			memmove(&pp[i], &pp[i + 1],
			    (chan->pc_nperms - i - 1) * sizeof(pp[0]));
			chan->pc_nperms--;
		}
		return;
	}
}

int
proto_check_hdr(const struct proto_chan *chan, const struct proto_hdr *hdr,
    size_t datalen, int have_fd)
{
	const struct proto_perm	*perm;
	int			 want_fd, flag_fd;

	if (chan == NULL || hdr == NULL)
		return PWR_ERR_INTERNAL;
	if (datalen < PROTO_HDR_LEN || hdr->len < PROTO_HDR_LEN)
		return PWR_ERR_FRAME_TRUNCATED;
	/* Flag bits we do not know belong to another version. */
	if ((hdr->flags & PROTO_F_VERSION_MASK) != PROTO_VERSION ||
	    (hdr->flags & ~(PROTO_F_VERSION_MASK | PROTO_F_FD)) != 0)
		return PWR_ERR_FRAME_VERSION;
	if (hdr->len > chan->pc_maxframe)
		return PWR_ERR_FRAME_TOO_LARGE;
	if ((perm = proto_perm_find(chan, hdr->type)) == NULL)
		return PWR_ERR_FRAME_TYPE;
	have_fd = have_fd != 0;
	want_fd = (perm->pp_flags & PROTO_PERM_FD) != 0;
	flag_fd = (hdr->flags & PROTO_F_FD) != 0;
	if (have_fd && !want_fd)
		return PWR_ERR_FRAME_FD_UNEXPECTED;
	if (!have_fd && want_fd)
		return PWR_ERR_FRAME_FD_MISSING;
	if (flag_fd != have_fd)
		return flag_fd ? PWR_ERR_FRAME_FD_MISSING :
		    PWR_ERR_FRAME_FD_UNEXPECTED;
	if (hdr->len != datalen)
		return PWR_ERR_FRAME_LENGTH;
	return 0;
}

static void
proto_msg_init(struct proto_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->pm_fd = -1;
}

/*
 * The frame is checked against its own header (copied out after the
 * length is known to cover it) before the payload buffer is allocated.
 * fd is owned from here on: it ends in msg->pm_fd, or closed on error.
 */
int
proto_decode(struct proto_chan *chan, const u_char *data, size_t len,
    int fd, struct proto_msg *msg)
{
	struct proto_hdr	 hdr;
	struct buf		*b;
	int			 r;

	if (msg != NULL)
		proto_msg_init(msg);
	if (chan == NULL || msg == NULL || (data == NULL && len != 0)) {
		r = PWR_ERR_INTERNAL;
		goto fail;
	}
	if (len < PROTO_HDR_LEN) {
		r = PWR_ERR_FRAME_TRUNCATED;
		goto fail;
	}
	memcpy(&hdr, data, sizeof(hdr));
	if ((r = proto_check_hdr(chan, &hdr, len, fd >= 0)) != 0)
		goto fail;
	if ((b = buf_new(len)) == NULL) {
		r = PWR_ERR_ALLOC_FAIL;
		goto fail;
	}
	if ((r = buf_put(b, data, len)) != 0 ||
	    (r = buf_get(b, NULL, sizeof(hdr))) != 0) {
		buf_free(b);
		goto fail;
	}
	proto_perm_use(chan, hdr.type);
	msg->pm_hdr = hdr;
	msg->pm_fd = fd;
	msg->pm_buf = b;
	return 0;
 fail:
	if (fd >= 0)
		close(fd);
	return r;
}

int
proto_compose(struct proto_chan *chan, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len)
{
	struct proto_out	*po;
	struct proto_hdr	 hdr;
	int			 r;

	if (chan == NULL || (data == NULL && len != 0) ||
	    chan->pc_maxframe < PROTO_HDR_LEN)
		return PWR_ERR_INTERNAL;
	if (len > chan->pc_maxframe - PROTO_HDR_LEN)
		return PWR_ERR_FRAME_TOO_LARGE;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)(PROTO_HDR_LEN + len);
	hdr.peerid = peerid;
	hdr.flags = PROTO_VERSION | (fd >= 0 ? PROTO_F_FD : 0);
	if ((po = calloc(1, sizeof(*po))) == NULL)
		return PWR_ERR_ALLOC_FAIL;
	po->po_fd = -1;
	if ((po->po_buf = buf_new(hdr.len)) == NULL) {
		free(po);
		return PWR_ERR_ALLOC_FAIL;
	}
	if ((r = buf_put(po->po_buf, &hdr, sizeof(hdr))) != 0 ||
	    (r = buf_put(po->po_buf, data, len)) != 0) {
		proto_out_free(po);
		return r;
	}
	po->po_fd = fd >= 0 ? fd : -1;
	*chan->pc_outtail = po;
	chan->pc_outtail = &po->po_next;
	chan->pc_outlen++;
	return 0;
}

int
proto_compose_buf(struct proto_chan *chan, uint32_t type, uint32_t peerid,
    int fd, const struct buf *b)
{
	if (b == NULL)
		return PWR_ERR_INTERNAL;
	return proto_compose(chan, type, peerid, fd, buf_ptr(b), buf_len(b));
}

static void
proto_out_free(struct proto_out *po)
{
	if (po->po_fd >= 0)
		close(po->po_fd);
	buf_free(po->po_buf);
	free(po);
}

int
proto_flush(struct proto_chan *chan)
{
	struct proto_out	*po;
	struct msghdr		 mh;
	struct cmsghdr		*cmsg;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	ssize_t			 n;

	if (chan == NULL)
		return PWR_ERR_INTERNAL;
	while ((po = chan->pc_outq) != NULL) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf_mutable_ptr(po->po_buf);
		iov.iov_len = buf_len(po->po_buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (po->po_fd >= 0) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			mh.msg_control = cmsgbuf.buf;
			mh.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&mh);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &po->po_fd, sizeof(int));
		}
		while ((n = sendmsg(chan->pc_fd, &mh, MSG_NOSIGNAL)) == -1 &&
		    errno == EINTR)
			;
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return PWR_ERR_AGAIN;
			if (errno == EPIPE || errno == ECONNRESET)
				return PWR_ERR_EOF;
			return PWR_ERR_SYSTEM_ERROR;
		}
		/* A seqpacket datagram goes whole or not at all. */
		if ((size_t)n != iov.iov_len)
			return PWR_ERR_INTERNAL;
		if ((chan->pc_outq = po->po_next) == NULL)
			chan->pc_outtail = &chan->pc_outq;
		chan->pc_outlen--;
		proto_out_free(po);
	}
	return 0;
}

int
proto_pending(const struct proto_chan *chan)
{
	if (chan == NULL)
		return 0;
	return chan->pc_outlen > INT_MAX ? INT_MAX : (int)chan->pc_outlen;
}

/*
 * Collect the fds of a received message.  The first one is returned in
 * *fdp; any more are closed at once.  Returns how many came, or -1 if
 * there was control data other than SCM_RIGHTS.
 */
static int
proto_cmsg_fds(struct msghdr *mh, int *fdp)
{
	struct cmsghdr	*cmsg;
	size_t		 i, nfd;
	int		 fd, count = 0, bad = 0;

	*fdp = -1;
	for (cmsg = CMSG_FIRSTHDR(mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		if (cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(fd));
			if (*fdp == -1)
				*fdp = fd;
			else
				close(fd);
			count++;
		}
	}
	return bad ? -1 : count;
}

/* Read the datagram at the head of the queue and drop it and its fds. */
static void
proto_discard(int s)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	u_char		 data[PROTO_HDR_LEN];
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) *
				    PROTO_DISCARD_FDS)];
	}		 cmsgbuf;
	ssize_t		 n;
	int		 fd;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	while ((n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) == -1 &&
	    errno == EINTR)
		;
	if (n != -1) {
		(void)proto_cmsg_fds(&mh, &fd);
		if (fd != -1)
			close(fd);
	}
	explicit_bzero(data, sizeof(data));
}

/*
 * Receive one frame.  The header is peeked at and checked before any
 * allocation, using the PROTO_F_FD flag for the fd check; the full check
 * runs again on what was actually received.
 *
 * XXX h1: a zero-length datagram reads as EOF, like a closed peer.
 */
int
proto_recv(struct proto_chan *chan, struct proto_msg *msg)
{
	struct proto_hdr	 hdr;
	struct msghdr		 mh;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	struct buf		*b = NULL;
	u_char			*p;
	ssize_t			 n;
	int			 r, fd = -1, nfd;

	if (msg != NULL)
		proto_msg_init(msg);
	if (chan == NULL || msg == NULL)
		return PWR_ERR_INTERNAL;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &hdr;
	iov.iov_len = sizeof(hdr);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	while ((n = recvmsg(chan->pc_fd, &mh, MSG_PEEK)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET)
			return PWR_ERR_EOF;
		return PWR_ERR_SYSTEM_ERROR;
	}
	if (n == 0)
		return PWR_ERR_EOF;
	if ((size_t)n < sizeof(hdr)) {
		r = PWR_ERR_FRAME_TRUNCATED;
		goto discard;
	}
	if ((r = proto_check_hdr(chan, &hdr, hdr.len,
	    (hdr.flags & PROTO_F_FD) != 0)) != 0)
		goto discard;

	/* hdr.len is now within the channel's maximum. */
	if ((b = buf_new(hdr.len)) == NULL) {
		r = PWR_ERR_ALLOC_FAIL;
		goto discard;
	}
	if ((r = buf_reserve(b, hdr.len, &p)) != 0)
		goto discard;
	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = p;
	iov.iov_len = hdr.len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	while ((n = recvmsg(chan->pc_fd, &mh, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1) {
		r = PWR_ERR_SYSTEM_ERROR;
		goto fail;
	}
	/*
	 * Extra fds are closed by proto_cmsg_fds(); the kernel drops any
	 * that did not fit in cmsgbuf and sets MSG_CTRUNC.
	 */
	nfd = proto_cmsg_fds(&mh, &fd);
	if (nfd < 0 || nfd > 1 || (mh.msg_flags & MSG_CTRUNC)) {
		r = PWR_ERR_FRAME_FD_UNEXPECTED;
		goto fail;
	}
	if ((mh.msg_flags & MSG_TRUNC) || (size_t)n != hdr.len) {
		r = PWR_ERR_FRAME_LENGTH;
		goto fail;
	}
	/* Check the header that actually arrived, with the real fd. */
	if ((r = buf_get(b, &hdr, sizeof(hdr))) != 0 ||
	    (r = proto_check_hdr(chan, &hdr, (size_t)n, fd != -1)) != 0)
		goto fail;
	proto_perm_use(chan, hdr.type);
	msg->pm_hdr = hdr;
	msg->pm_fd = fd;
	msg->pm_buf = b;
	return 1;

 discard:
	proto_discard(chan->pc_fd);
 fail:
	if (fd != -1)
		close(fd);
	buf_free(b);
	explicit_bzero(&hdr, sizeof(hdr));
	return r;
}

void
proto_msg_clear(struct proto_msg *msg)
{
	if (msg == NULL)
		return;
	buf_free(msg->pm_buf);
	if (msg->pm_fd >= 0)
		close(msg->pm_fd);
	explicit_bzero(msg, sizeof(*msg));
	msg->pm_fd = -1;
}

const char *
proto_type_name(uint32_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(proto_type_names) /
	    sizeof(proto_type_names[0]); i++) {
		if (proto_type_names[i].tn_type == type)
			return proto_type_names[i].tn_name;
	}
	return "unknown";
}
