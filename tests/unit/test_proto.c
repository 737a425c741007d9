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
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "tests.h"

/*
 * Unit tests for common/proto.c over real SOCK_SEQPACKET socketpairs.
 * Bad frames are crafted by hand and sent with sendmsg(); each must be
 * refused, read off the socket, and leave no fd behind.
 */

#define TEST_MAXFRAME	1024

static const struct proto_perm test_perms[] = {
	{ PROTO_CTL_READY,	0 },
	{ PROTO_CTL_STATUS,	0 },
	{ PROTO_CTL_CONFIG,	PROTO_PERM_ONCE },
	{ PROTO_CTL_PEER,	PROTO_PERM_FD },
	{ PROTO_KEY_MODEL,	PROTO_PERM_FD | PROTO_PERM_ONCE },
};
#define TEST_NPERMS	(sizeof(test_perms) / sizeof(test_perms[0]))

/* A connected pair: chan reads sv[0], tests write raw frames to sv[1]. */
struct test_pair {
	int			 sv[2];
	struct proto_chan	 chan;
};

static void	test_pair_open(struct test_pair *);
static void	test_pair_close(struct test_pair *);
static void	test_hdr(struct proto_hdr *, uint32_t, uint32_t, uint32_t);
static void	test_send(int, const void *, size_t, const int *, size_t);
static void	test_send_hdr(int, uint32_t, uint32_t, uint32_t, size_t,
		    const int *, size_t);
static int	test_nfds(void);
static int	test_devnull(void);
static void	test_expect(struct test_pair *, int);
static void	test_expect_next_ok(struct test_pair *);
static size_t	test_frame(u_char *, size_t, uint32_t, uint32_t, uint32_t,
		    size_t);

static void
test_pair_open(struct test_pair *tp)
{
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, tp->sv), 0);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&tp->chan, tp->sv[0],
	    TEST_MAXFRAME, test_perms, TEST_NPERMS), 0);
}

static void
test_pair_close(struct test_pair *tp)
{
	proto_chan_clear(&tp->chan);
	close(tp->sv[0]);
	if (tp->sv[1] != -1)
		close(tp->sv[1]);
}

static void
test_hdr(struct proto_hdr *hdr, uint32_t type, uint32_t len, uint32_t flags)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->type = type;
	hdr->len = len;
	hdr->peerid = 77;
	hdr->flags = flags;
}

/* Send one raw datagram with nfd fds attached. */
static void
test_send(int s, const void *data, size_t len, const int *fds, size_t nfd)
{
	struct msghdr	 mh;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * 4)];
	}		 cmsgbuf;

	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfd > 0) {
		CU_ASSERT_FATAL(nfd <= 4);
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfd);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfd);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfd);
	}
	CU_ASSERT_EQUAL_FATAL(sendmsg(s, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

/* A header followed by zero bytes, sent as dlen bytes in all. */
static void
test_send_hdr(int s, uint32_t type, uint32_t len, uint32_t flags,
    size_t dlen, const int *fds, size_t nfd)
{
	struct proto_hdr	 hdr;
	u_char			*d;

	d = calloc(1, dlen < sizeof(hdr) ? sizeof(hdr) : dlen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	test_hdr(&hdr, type, len, flags);
	memcpy(d, &hdr, dlen < sizeof(hdr) ? dlen : sizeof(hdr));
	test_send(s, d, dlen, fds, nfd);
	free(d);
}

static int
test_nfds(void)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(dir);
	return n;
}

static int
test_devnull(void)
{
	int	 fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd != -1);
	return fd;
}

/* The next receive fails with want and leaves nothing in msg. */
static void
test_expect(struct test_pair *tp, int want)
{
	struct proto_msg	 msg;

	CU_ASSERT_EQUAL(proto_recv(&tp->chan, &msg), want);
	CU_ASSERT_PTR_NULL(msg.pm_buf);
	CU_ASSERT_EQUAL(msg.pm_fd, -1);
	proto_msg_clear(&msg);
}

/*
 * The bad datagram was consumed: a good frame sent after it is the next
 * thing received, and then the socket is empty.
 */
static void
test_expect_next_ok(struct test_pair *tp)
{
	struct proto_msg	 msg;

	test_send_hdr(tp->sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	CU_ASSERT_EQUAL(proto_recv(&tp->chan, &msg), 1);
	CU_ASSERT_EQUAL(msg.pm_hdr.type, PROTO_CTL_READY);
	proto_msg_clear(&msg);
	CU_ASSERT_EQUAL(proto_recv(&tp->chan, &msg), 0);
}

static void
test_recv_too_large(void)
{
	struct test_pair	 tp;

	test_pair_open(&tp);
	/* Only 16 bytes travel: refused on the peeked header alone. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, TEST_MAXFRAME + 1,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TOO_LARGE);
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, UINT32_MAX,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TOO_LARGE);
	/* A real oversized datagram is dropped whole. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, TEST_MAXFRAME + 100,
	    PROTO_VERSION, TEST_MAXFRAME + 100, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TOO_LARGE);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

static void
test_recv_type(void)
{
	struct test_pair	 tp;

	test_pair_open(&tp);
	test_send_hdr(tp.sv[1], PROTO_ADM_RELOAD, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TYPE);
	test_send_hdr(tp.sv[1], 0, PROTO_HDR_LEN, PROTO_VERSION,
	    PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TYPE);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

static void
test_recv_fd_unexpected(void)
{
	struct test_pair	 tp;
	int			 fd, before;

	test_pair_open(&tp);
	fd = test_devnull();
	before = test_nfds();

	/* Flagged in the header: refused at the peek, fd still closed. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION | PROTO_F_FD, PROTO_HDR_LEN, &fd, 1);
	test_expect(&tp, PWR_ERR_FRAME_FD_UNEXPECTED);
	CU_ASSERT_EQUAL(test_nfds(), before);

	/* Not flagged: found only on the full receive. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, &fd, 1);
	test_expect(&tp, PWR_ERR_FRAME_FD_UNEXPECTED);
	CU_ASSERT_EQUAL(test_nfds(), before);
	/* The fd a receive would have got is free again. */
	CU_ASSERT_EQUAL(fcntl(before, F_GETFD), -1);

	/* Flag claims an fd that the type does allow, but none came. */
	test_send_hdr(tp.sv[1], PROTO_CTL_PEER, PROTO_HDR_LEN,
	    PROTO_VERSION | PROTO_F_FD, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_FD_MISSING);

	test_expect_next_ok(&tp);
	close(fd);
	test_pair_close(&tp);
}

static void
test_recv_two_fds(void)
{
	struct test_pair	 tp;
	int			 fds[2], before;

	test_pair_open(&tp);
	fds[0] = test_devnull();
	fds[1] = test_devnull();
	before = test_nfds();
	test_send_hdr(tp.sv[1], PROTO_CTL_PEER, PROTO_HDR_LEN,
	    PROTO_VERSION | PROTO_F_FD, PROTO_HDR_LEN, fds, 2);
	test_expect(&tp, PWR_ERR_FRAME_FD_UNEXPECTED);
	CU_ASSERT_EQUAL(test_nfds(), before);
	test_expect_next_ok(&tp);
	close(fds[0]);
	close(fds[1]);
	test_pair_close(&tp);
}

static void
test_recv_fd_missing(void)
{
	struct test_pair	 tp;

	test_pair_open(&tp);
	test_send_hdr(tp.sv[1], PROTO_CTL_PEER, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_FD_MISSING);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

static void
test_recv_version(void)
{
	struct test_pair	 tp;

	test_pair_open(&tp);
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION + 1, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_VERSION);
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN, 0,
	    PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_VERSION);
	/* Unknown flag bits mean another protocol. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION | 0x10000, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_VERSION);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

static void
test_recv_truncated(void)
{
	struct test_pair	 tp;
	int			 fd, before;

	test_pair_open(&tp);
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION, 10, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TRUNCATED);
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION, 1, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TRUNCATED);
	/* A short datagram with an fd: the fd is closed too. */
	fd = test_devnull();
	before = test_nfds();
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, PROTO_HDR_LEN,
	    PROTO_VERSION, 15, &fd, 1);
	test_expect(&tp, PWR_ERR_FRAME_TRUNCATED);
	CU_ASSERT_EQUAL(test_nfds(), before);
	close(fd);
	/* A whole header whose len is below the header size. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, 8, PROTO_VERSION,
	    PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_TRUNCATED);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

static void
test_recv_length(void)
{
	struct test_pair	 tp;
	int			 fd, before;

	test_pair_open(&tp);
	/* Header claims more than came. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, 32, PROTO_VERSION, 24,
	    NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_LENGTH);
	/* Header claims less than came. */
	test_send_hdr(tp.sv[1], PROTO_CTL_READY, 20, PROTO_VERSION, 24,
	    NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_LENGTH);
	/* With an fd that would otherwise be fine: it is closed. */
	fd = test_devnull();
	before = test_nfds();
	test_send_hdr(tp.sv[1], PROTO_CTL_PEER, 40, PROTO_VERSION | PROTO_F_FD,
	    24, &fd, 1);
	test_expect(&tp, PWR_ERR_FRAME_LENGTH);
	CU_ASSERT_EQUAL(test_nfds(), before);
	close(fd);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

static void
test_recv_once(void)
{
	struct test_pair	 tp;
	struct proto_msg	 msg;

	test_pair_open(&tp);
	test_send_hdr(tp.sv[1], PROTO_CTL_CONFIG, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	test_send_hdr(tp.sv[1], PROTO_CTL_CONFIG, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	CU_ASSERT_EQUAL(proto_recv(&tp.chan, &msg), 1);
	CU_ASSERT_EQUAL(msg.pm_hdr.type, PROTO_CTL_CONFIG);
	proto_msg_clear(&msg);
	test_expect(&tp, PWR_ERR_FRAME_TYPE);
	/* Other permissions are untouched. */
	CU_ASSERT_EQUAL(tp.chan.pc_nperms, TEST_NPERMS - 1);
	test_expect_next_ok(&tp);
	test_pair_close(&tp);
}

/* A refused ONCE frame does not use up the permission. */
static void
test_recv_once_kept_on_error(void)
{
	struct test_pair	 tp;
	struct proto_msg	 msg;
	int			 fd;

	test_pair_open(&tp);
	test_send_hdr(tp.sv[1], PROTO_KEY_MODEL, PROTO_HDR_LEN,
	    PROTO_VERSION, PROTO_HDR_LEN, NULL, 0);
	test_expect(&tp, PWR_ERR_FRAME_FD_MISSING);
	fd = test_devnull();
	test_send_hdr(tp.sv[1], PROTO_KEY_MODEL, PROTO_HDR_LEN,
	    PROTO_VERSION | PROTO_F_FD, PROTO_HDR_LEN, &fd, 1);
	close(fd);
	CU_ASSERT_EQUAL(proto_recv(&tp.chan, &msg), 1);
	CU_ASSERT(msg.pm_fd >= 0);
	proto_msg_clear(&msg);
	test_pair_close(&tp);
}

static void
test_recv_eof_again(void)
{
	struct test_pair	 tp;

	test_pair_open(&tp);
	test_expect(&tp, 0);
	close(tp.sv[1]);
	tp.sv[1] = -1;
	test_expect(&tp, PWR_ERR_EOF);
	test_pair_close(&tp);
}

static void
test_round_trip(void)
{
	struct test_pair	 tp;
	struct proto_chan	 out;
	struct proto_msg	 msg;
	struct buf		*b;
	uint32_t		 v;
	char			*s;

	test_pair_open(&tp);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&out, tp.sv[1], TEST_MAXFRAME,
	    NULL, 0), 0);
	b = buf_new(0);
	CU_ASSERT_EQUAL(buf_put_u32(b, 12345), 0);
	CU_ASSERT_EQUAL(buf_put_string(b, "ready"), 0);
	CU_ASSERT_EQUAL(proto_compose_buf(&out, PROTO_CTL_STATUS, 9, -1, b),
	    0);
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_READY, 10, -1, NULL, 0),
	    0);
	CU_ASSERT_EQUAL(proto_pending(&out), 2);
	CU_ASSERT_EQUAL(proto_flush(&out), 0);
	CU_ASSERT_EQUAL(proto_pending(&out), 0);

	CU_ASSERT_EQUAL_FATAL(proto_recv(&tp.chan, &msg), 1);
	CU_ASSERT_EQUAL(msg.pm_hdr.type, PROTO_CTL_STATUS);
	CU_ASSERT_EQUAL(msg.pm_hdr.len, PROTO_HDR_LEN + buf_len(b));
	CU_ASSERT_EQUAL(msg.pm_hdr.peerid, 9);
	CU_ASSERT_EQUAL(msg.pm_hdr.flags, PROTO_VERSION);
	CU_ASSERT_EQUAL(msg.pm_fd, -1);
	CU_ASSERT_EQUAL(msg.pm_err, 0);
	CU_ASSERT_EQUAL(buf_len(msg.pm_buf), buf_len(b));
	CU_ASSERT_EQUAL(buf_get_u32(msg.pm_buf, &v), 0);
	CU_ASSERT_EQUAL(v, 12345);
	CU_ASSERT_EQUAL(buf_get_string(msg.pm_buf, &s, NULL), 0);
	CU_ASSERT_STRING_EQUAL(s, "ready");
	free(s);
	proto_msg_clear(&msg);
	CU_ASSERT_PTR_NULL(msg.pm_buf);

	CU_ASSERT_EQUAL_FATAL(proto_recv(&tp.chan, &msg), 1);
	CU_ASSERT_EQUAL(msg.pm_hdr.type, PROTO_CTL_READY);
	CU_ASSERT_EQUAL(msg.pm_hdr.peerid, 10);
	CU_ASSERT_EQUAL(buf_len(msg.pm_buf), 0);
	proto_msg_clear(&msg);
	test_expect(&tp, 0);

	buf_free(b);
	proto_chan_clear(&out);
	test_pair_close(&tp);
}

static void
test_round_trip_fd(void)
{
	struct test_pair	 tp;
	struct proto_chan	 out;
	struct proto_msg	 msg;
	struct stat		 sa, sb;
	char			 path[] = "/tmp/power-test-proto.XXXXXX";
	int			 fd, sent;

	test_pair_open(&tp);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&out, tp.sv[1], TEST_MAXFRAME,
	    NULL, 0), 0);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	unlink(path);
	CU_ASSERT_EQUAL(fstat(fd, &sa), 0);
	sent = dup(fd);
	CU_ASSERT_FATAL(sent != -1);

	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_PEER, 1, sent, "x", 1),
	    0);
	CU_ASSERT_EQUAL(proto_flush(&out), 0);
	/* The channel closed its copy once it was sent. */
	CU_ASSERT_EQUAL(fcntl(sent, F_GETFD), -1);

	CU_ASSERT_EQUAL_FATAL(proto_recv(&tp.chan, &msg), 1);
	CU_ASSERT_EQUAL(msg.pm_hdr.type, PROTO_CTL_PEER);
	CU_ASSERT_EQUAL(msg.pm_hdr.flags, PROTO_VERSION | PROTO_F_FD);
	CU_ASSERT_FATAL(msg.pm_fd >= 0);
	CU_ASSERT_EQUAL(fstat(msg.pm_fd, &sb), 0);
	CU_ASSERT_EQUAL(sa.st_dev, sb.st_dev);
	CU_ASSERT_EQUAL(sa.st_ino, sb.st_ino);
	CU_ASSERT(fcntl(msg.pm_fd, F_GETFD) & FD_CLOEXEC);
	sent = msg.pm_fd;
	proto_msg_clear(&msg);
	CU_ASSERT_EQUAL(fcntl(sent, F_GETFD), -1);
	CU_ASSERT_EQUAL(msg.pm_fd, -1);

	close(fd);
	proto_chan_clear(&out);
	test_pair_close(&tp);
}

static void
test_compose_too_large(void)
{
	struct test_pair	 tp;
	struct proto_chan	 out, big;
	struct proto_msg	 msg;
	static const struct proto_perm	 perm = { PROTO_CTL_STATUS, 0 };
	u_char			*payload;

	test_pair_open(&tp);
	payload = calloc(1, PROTO_MAX_FRAME);
	CU_ASSERT_PTR_NOT_NULL_FATAL(payload);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&out, tp.sv[1], TEST_MAXFRAME,
	    NULL, 0), 0);
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_STATUS, 0, -1, payload,
	    TEST_MAXFRAME - PROTO_HDR_LEN + 1), PWR_ERR_FRAME_TOO_LARGE);
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_STATUS, 0, -1, payload,
	    SIZE_MAX), PWR_ERR_FRAME_TOO_LARGE);
	CU_ASSERT_EQUAL(proto_pending(&out), 0);
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_STATUS, 0, -1, payload,
	    TEST_MAXFRAME - PROTO_HDR_LEN), 0);
	CU_ASSERT_EQUAL(proto_flush(&out), 0);
	CU_ASSERT_EQUAL(proto_recv(&tp.chan, &msg), 1);
	CU_ASSERT_EQUAL(buf_len(msg.pm_buf), TEST_MAXFRAME - PROTO_HDR_LEN);
	proto_msg_clear(&msg);
	proto_chan_clear(&out);

	/* The absolute ceiling fits through the socket both ways. */
	CU_ASSERT_EQUAL(proto_chan_init(&out, tp.sv[1], SIZE_MAX, NULL, 0),
	    0);
	CU_ASSERT_EQUAL(out.pc_maxframe, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(proto_chan_init(&big, tp.sv[0], 0, &perm, 1), 0);
	CU_ASSERT_EQUAL(big.pc_maxframe, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_STATUS, 0, -1, payload,
	    PROTO_MAX_FRAME - PROTO_HDR_LEN), 0);
	CU_ASSERT_EQUAL(proto_flush(&out), 0);
	CU_ASSERT_EQUAL(proto_recv(&big, &msg), 1);
	CU_ASSERT_EQUAL(buf_len(msg.pm_buf), PROTO_MAX_FRAME - PROTO_HDR_LEN);
	proto_msg_clear(&msg);
	proto_chan_clear(&big);
	proto_chan_clear(&out);

	CU_ASSERT_EQUAL(proto_chan_init(&out, -1, PROTO_HDR_LEN - 1, NULL, 0),
	    PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(proto_chan_init(&out, -1, 100, NULL, 1),
	    PWR_ERR_INTERNAL);
	free(payload);
	test_pair_close(&tp);
}

/* A full socket makes flush return AGAIN and keep the frames. */
static void
test_flush_again(void)
{
	struct test_pair	 tp;
	struct proto_chan	 out;
	struct proto_msg	 msg;
	int			 i, n, r, got = 0;

	test_pair_open(&tp);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&out, tp.sv[1], TEST_MAXFRAME,
	    NULL, 0), 0);
	for (i = 0; i < 5000; i++)
		CU_ASSERT_EQUAL_FATAL(proto_compose(&out, PROTO_CTL_READY,
		    (uint32_t)i, -1, NULL, 0), 0);
	CU_ASSERT_EQUAL(proto_flush(&out), PWR_ERR_AGAIN);
	n = proto_pending(&out);
	CU_ASSERT(n > 0 && n < 5000);
	for (;;) {
		while ((r = proto_recv(&tp.chan, &msg)) == 1) {
			CU_ASSERT_EQUAL(msg.pm_hdr.peerid, (uint32_t)got);
			got++;
			proto_msg_clear(&msg);
		}
		CU_ASSERT_EQUAL_FATAL(r, 0);
		if ((r = proto_flush(&out)) == 0 && proto_pending(&out) == 0 &&
		    got == 5000)
			break;
		CU_ASSERT_FATAL(r == 0 || r == PWR_ERR_AGAIN);
	}
	CU_ASSERT_EQUAL(got, 5000);
	proto_chan_clear(&out);
	test_pair_close(&tp);
}

static void
test_flush_eof(void)
{
	struct test_pair	 tp;
	struct proto_chan	 out;

	test_pair_open(&tp);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&out, tp.sv[1], TEST_MAXFRAME,
	    NULL, 0), 0);
	proto_chan_clear(&tp.chan);
	close(tp.sv[0]);
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_READY, 0, -1, NULL, 0),
	    0);
	CU_ASSERT_EQUAL(proto_flush(&out), PWR_ERR_EOF);
	CU_ASSERT_EQUAL(proto_pending(&out), 1);
	proto_chan_clear(&out);
	close(tp.sv[1]);
}

/* Clearing a channel closes queued fds but leaves pc_fd to its owner. */
static void
test_chan_clear(void)
{
	struct test_pair	 tp;
	struct proto_chan	 out;
	int			 fd, before;

	test_pair_open(&tp);
	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&out, tp.sv[1], TEST_MAXFRAME,
	    NULL, 0), 0);
	before = test_nfds();
	fd = test_devnull();
	CU_ASSERT_EQUAL(proto_compose(&out, PROTO_CTL_PEER, 0, fd, NULL, 0),
	    0);
	proto_chan_clear(&out);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	CU_ASSERT_EQUAL(test_nfds(), before);
	CU_ASSERT(fcntl(tp.sv[1], F_GETFD) != -1);
	CU_ASSERT_EQUAL(proto_pending(&out), 0);
	CU_ASSERT_PTR_NULL(out.pc_perms);
	test_pair_close(&tp);
}

/* Build a frame in memory: header, then len - 16 payload bytes. */
static size_t
test_frame(u_char *d, size_t dsize, uint32_t type, uint32_t len,
    uint32_t flags, size_t dlen)
{
	struct proto_hdr	 hdr;

	CU_ASSERT_FATAL(dlen <= dsize);
	memset(d, 'p', dsize);
	test_hdr(&hdr, type, len, flags);
	memcpy(d, &hdr, dlen < sizeof(hdr) ? dlen : sizeof(hdr));
	return dlen;
}

static void
test_decode_bad(void)
{
	struct proto_chan	 chan;
	struct proto_msg	 msg;
	u_char			 d[64];
	int			 fd, before;
	size_t			 n;

	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&chan, -1, 32, test_perms,
	    TEST_NPERMS), 0);
	before = test_nfds();

	n = test_frame(d, sizeof(d), PROTO_CTL_READY, 16, PROTO_VERSION, 15);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_TRUNCATED);
	CU_ASSERT_EQUAL(proto_decode(&chan, NULL, 0, -1, &msg),
	    PWR_ERR_FRAME_TRUNCATED);
	n = test_frame(d, sizeof(d), PROTO_CTL_READY, 33, PROTO_VERSION, 33);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_TOO_LARGE);
	n = test_frame(d, sizeof(d), PROTO_CTL_READY, 16,
	    PROTO_VERSION + 1, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_VERSION);
	n = test_frame(d, sizeof(d), PROTO_ADM_OK, 16, PROTO_VERSION, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_TYPE);
	n = test_frame(d, sizeof(d), PROTO_CTL_PEER, 16, PROTO_VERSION, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_FD_MISSING);
	n = test_frame(d, sizeof(d), PROTO_CTL_READY, 20, PROTO_VERSION, 24);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_LENGTH);
	CU_ASSERT_PTR_NULL(msg.pm_buf);
	CU_ASSERT_EQUAL(msg.pm_fd, -1);

	/* The fd passed in is owned by proto_decode and closed on error. */
	fd = test_devnull();
	n = test_frame(d, sizeof(d), PROTO_CTL_READY, 16,
	    PROTO_VERSION | PROTO_F_FD, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, fd, &msg),
	    PWR_ERR_FRAME_FD_UNEXPECTED);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	fd = test_devnull();
	CU_ASSERT_EQUAL(proto_decode(&chan, d, 10, fd, &msg),
	    PWR_ERR_FRAME_TRUNCATED);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	CU_ASSERT_EQUAL(test_nfds(), before);

	/* Order: the first failing check is the one reported. */
	n = test_frame(d, sizeof(d), PROTO_ADM_OK, 60,
	    (PROTO_VERSION + 1) | PROTO_F_FD, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_VERSION);
	n = test_frame(d, sizeof(d), PROTO_ADM_OK, 60, PROTO_VERSION, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_TOO_LARGE);
	n = test_frame(d, sizeof(d), PROTO_ADM_OK, 20, PROTO_F_FD |
	    PROTO_VERSION, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_TYPE);
	n = test_frame(d, sizeof(d), PROTO_CTL_READY, 20, PROTO_F_FD |
	    PROTO_VERSION, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_FD_MISSING);

	CU_ASSERT_EQUAL(proto_decode(NULL, d, n, -1, &msg), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(proto_decode(&chan, NULL, 1, -1, &msg),
	    PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(chan.pc_nperms, TEST_NPERMS);
	proto_chan_clear(&chan);
}

static void
test_decode_ok_once(void)
{
	struct proto_chan	 chan;
	struct proto_msg	 msg;
	u_char			 d[64];
	size_t			 n;
	int			 fd;

	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&chan, -1, 64, test_perms,
	    TEST_NPERMS), 0);
	n = test_frame(d, sizeof(d), PROTO_CTL_CONFIG, 24, PROTO_VERSION, 24);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg), 0);
	CU_ASSERT_EQUAL(msg.pm_hdr.type, PROTO_CTL_CONFIG);
	CU_ASSERT_EQUAL(msg.pm_hdr.peerid, 77);
	CU_ASSERT_EQUAL(buf_len(msg.pm_buf), 8);
	CU_ASSERT_EQUAL(memcmp(buf_ptr(msg.pm_buf), "pppppppp", 8), 0);
	proto_msg_clear(&msg);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, -1, &msg),
	    PWR_ERR_FRAME_TYPE);

	fd = test_devnull();
	n = test_frame(d, sizeof(d), PROTO_KEY_MODEL, 16,
	    PROTO_VERSION | PROTO_F_FD, 16);
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, fd, &msg), 0);
	CU_ASSERT_EQUAL(msg.pm_fd, fd);
	proto_msg_clear(&msg);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	fd = test_devnull();
	CU_ASSERT_EQUAL(proto_decode(&chan, d, n, fd, &msg),
	    PWR_ERR_FRAME_TYPE);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	CU_ASSERT_EQUAL(chan.pc_nperms, TEST_NPERMS - 2);
	proto_chan_clear(&chan);
}

static void
test_check_hdr(void)
{
	struct proto_chan	 chan;
	struct proto_hdr	 hdr;

	CU_ASSERT_EQUAL_FATAL(proto_chan_init(&chan, -1, 64, test_perms,
	    TEST_NPERMS), 0);
	test_hdr(&hdr, PROTO_CTL_CONFIG, 16, PROTO_VERSION);
	CU_ASSERT_EQUAL(proto_check_hdr(&chan, &hdr, 16, 0), 0);
	/* Checking does not use up a ONCE permission. */
	CU_ASSERT_EQUAL(proto_check_hdr(&chan, &hdr, 16, 0), 0);
	CU_ASSERT_EQUAL(proto_check_hdr(&chan, &hdr, 15, 0),
	    PWR_ERR_FRAME_TRUNCATED);
	CU_ASSERT_EQUAL(proto_check_hdr(&chan, &hdr, 17, 0),
	    PWR_ERR_FRAME_LENGTH);
	CU_ASSERT_EQUAL(proto_check_hdr(&chan, &hdr, 16, 1),
	    PWR_ERR_FRAME_FD_UNEXPECTED);
	CU_ASSERT_EQUAL(proto_check_hdr(NULL, &hdr, 16, 0), PWR_ERR_INTERNAL);
	CU_ASSERT_EQUAL(proto_check_hdr(&chan, NULL, 16, 0), PWR_ERR_INTERNAL);
	proto_chan_clear(&chan);
}

static void
test_type_name(void)
{
	CU_ASSERT_STRING_EQUAL(proto_type_name(PROTO_CTL_CONFIG), "CTL_CONFIG");
	CU_ASSERT_STRING_EQUAL(proto_type_name(PROTO_CTL_SHUTDOWN),
	    "CTL_SHUTDOWN");
	CU_ASSERT_STRING_EQUAL(proto_type_name(PROTO_INFER_STATUS),
	    "INFER_STATUS");
	CU_ASSERT_STRING_EQUAL(proto_type_name(PROTO_ATTEST_TEE_REQ),
	    "ATTEST_TEE_REQ");
	CU_ASSERT_STRING_EQUAL(proto_type_name(PROTO_ADM_ERROR), "ADM_ERROR");
	CU_ASSERT_STRING_EQUAL(proto_type_name(0), "unknown");
	CU_ASSERT_STRING_EQUAL(proto_type_name(UINT32_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(pwr_err(PWR_ERR_FRAME_TYPE),
	    "frame type not allowed");
	CU_ASSERT_STRING_EQUAL(pwr_err(12345), "unknown error");
}

int
proto_suite(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "frame longer than max is rejected before allocation",
		    test_recv_too_large },
		{ "type not allowed on this channel is rejected",
		    test_recv_type },
		{ "fd where none is allowed is rejected and closed",
		    test_recv_fd_unexpected },
		{ "two fds are rejected and both closed", test_recv_two_fds },
		{ "missing fd is rejected", test_recv_fd_missing },
		{ "wrong version or unknown flags are rejected",
		    test_recv_version },
		{ "datagram shorter than the header is rejected",
		    test_recv_truncated },
		{ "header len different from the datagram is rejected",
		    test_recv_length },
		{ "ONCE permission is revoked after first use",
		    test_recv_once },
		{ "refused ONCE frame does not use the permission",
		    test_recv_once_kept_on_error },
		{ "nothing ready is 0, closed peer is EOF",
		    test_recv_eof_again },
		{ "frames round trip through compose, flush and recv",
		    test_round_trip },
		{ "fd round trips and refers to the same file",
		    test_round_trip_fd },
		{ "compose refuses payloads over the channel max",
		    test_compose_too_large },
		{ "flush on a full socket returns AGAIN and keeps frames",
		    test_flush_again },
		{ "flush to a closed peer returns EOF", test_flush_eof },
		{ "chan_clear closes queued fds, not the channel fd",
		    test_chan_clear },
		{ "decode rejects the same bad frames", test_decode_bad },
		{ "decode accepts a frame and revokes ONCE",
		    test_decode_ok_once },
		{ "check_hdr is pure and checks datalen", test_check_hdr },
		{ "type and error names", test_type_name },
	};
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite("proto", NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	}
	return 0;
}
