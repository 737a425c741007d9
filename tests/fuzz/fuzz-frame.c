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

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

/*
 * libFuzzer target for the frame decoder: proto_decode() on channels
 * with the family's real permission tables, then the payload through the
 * buf getters the handlers use.  The first input byte picks the set-up:
 *
 *	bit 0		an fd travels with the frame (a dup of /dev/null)
 *	bits 1-2	permission table: child control, parent control,
 *			network side of inferd, parent admin socket
 *	bits 3-4	maxframe: control, absolute, 64 bytes, header only
 *
 * The rest is the datagram.  proto_decode() owns the fd it is given and
 * must close it on error; that and proto_msg_clear() are checked after
 * each run, so an fd leak aborts.
 */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_fd(void);
static void	fuzz_payload(struct buf *);
static void	fuzz_decode(struct proto_chan *, const uint8_t *, size_t, int);

static const struct proto_perm fuzz_child_perms[] = {
	{ PROTO_CTL_CONFIG,	PROTO_PERM_ONCE },
	{ PROTO_CTL_STATUS_REQ,	0 },
	{ PROTO_CTL_PEER,	PROTO_PERM_FD },
	{ PROTO_CTL_LISTEN,	PROTO_PERM_FD },
	{ PROTO_KEY_MODEL,	PROTO_PERM_FD | PROTO_PERM_ONCE },
	{ PROTO_CTL_SHUTDOWN,	0 },
};
static const struct proto_perm fuzz_parent_perms[] = {
	{ PROTO_CTL_READY,	PROTO_PERM_ONCE },
	{ PROTO_CTL_STATUS,	0 },
	{ PROTO_CTL_LOG,	0 },
};
static const struct proto_perm fuzz_network_perms[] = {
	{ PROTO_INFER_STATUS,	0 },
	{ PROTO_ATTEST_TEE,	0 },
};
static const struct proto_perm fuzz_admin_perms[] = {
	{ PROTO_ADM_STATUS_REQ,	0 },
	{ PROTO_ADM_RELOAD,	0 },
};

static const struct {
	const struct proto_perm	*ft_perms;
	size_t			 ft_nperms;
} fuzz_tables[] = {
	{ fuzz_child_perms,
	    sizeof(fuzz_child_perms) / sizeof(fuzz_child_perms[0]) },
	{ fuzz_parent_perms,
	    sizeof(fuzz_parent_perms) / sizeof(fuzz_parent_perms[0]) },
	{ fuzz_network_perms,
	    sizeof(fuzz_network_perms) / sizeof(fuzz_network_perms[0]) },
	{ fuzz_admin_perms,
	    sizeof(fuzz_admin_perms) / sizeof(fuzz_admin_perms[0]) },
};

static const size_t fuzz_maxframes[] = {
	PROTO_MAX_CTL_FRAME, PROTO_MAX_FRAME, 64, PROTO_HDR_LEN,
};

static int	 fuzz_devnull = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

/* A fresh fd for proto_decode() to own; reopen /dev/null if it went. */
static int
fuzz_fd(void)
{
	int	 fd;

	if (fuzz_devnull == -1 || fcntl(fuzz_devnull, F_GETFD) == -1)
		fuzz_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fuzz_devnull == -1 || (fd = dup(fuzz_devnull)) == -1)
		abort();
	return fd;
}

/* Walk a payload with getters chosen by the payload itself. */
static void
fuzz_payload(struct buf *b)
{
	const u_char	*dp;
	u_char		*d;
	char		*s;
	size_t		 len, steps;
	uint64_t	 v64;
	uint32_t	 v32;
	uint16_t	 v16;
	uint8_t		 op;
	int		 r = 0;

	for (steps = 0; steps < 64 && r == 0; steps++) {
		if (buf_get_u8(b, &op) != 0)
			return;
		switch (op % 12) {
		case 0:
			r = buf_get_u16(b, &v16);
			break;
		case 1:
			r = buf_get_u32(b, &v32);
			break;
		case 2:
			r = buf_get_u64(b, &v64);
			break;
		case 3:
			r = buf_get_u16_le(b, &v16);
			break;
		case 4:
			r = buf_get_u32_le(b, &v32);
			break;
		case 5:
			r = buf_get_u64_le(b, &v64);
			break;
		case 6:
			if ((r = buf_get_string(b, &s, &len)) == 0) {
				if (strlen(s) != len)
					abort();
				free(s);
			}
			break;
		case 7:
			if ((r = buf_get_data(b, &d, &len)) == 0)
				free(d);
			break;
		case 8:
			if ((r = buf_get_data_direct(b, &dp, &len)) == 0 &&
			    len != 0)
				v16 = dp[len - 1];	/* must be readable */
			break;
		case 9:
			r = buf_peek_u32(b, op / 12, &v32);
			break;
		case 10:
			r = buf_consume(b, op / 12);
			break;
		case 11:
			r = buf_consume_end(b, op / 12);
			break;
		}
	}
}

static void
fuzz_decode(struct proto_chan *chan, const uint8_t *data, size_t size,
    int have_fd)
{
	struct proto_chan	 out;
	struct proto_msg	 msg;
	int			 fd = -1, r;

	if (have_fd)
		fd = fuzz_fd();
	r = proto_decode(chan, data, size, fd, &msg);
	if (r != 0) {
		/* The fd is proto_decode's: it must be closed by now. */
		if (fd != -1 && fcntl(fd, F_GETFD) != -1)
			abort();
		if (msg.pm_buf != NULL || msg.pm_fd != -1)
			abort();
		return;
	}
	if (msg.pm_hdr.len != size || msg.pm_fd != fd ||
	    buf_len(msg.pm_buf) != size - PROTO_HDR_LEN)
		abort();
	(void)proto_type_name(msg.pm_hdr.type);

	/* What was accepted must compose back to the same length. */
	if (proto_chan_init(&out, -1, chan->pc_maxframe, NULL, 0) != 0 ||
	    proto_compose_buf(&out, msg.pm_hdr.type, msg.pm_hdr.peerid, -1,
	    msg.pm_buf) != 0 || proto_pending(&out) != 1)
		abort();
	proto_chan_clear(&out);

	fuzz_payload(msg.pm_buf);
	proto_msg_clear(&msg);
	if (fd != -1 && fcntl(fd, F_GETFD) != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_chan	 chan;
	struct proto_hdr	 hdr;
	struct buf		*b;
	uint8_t			 sel;
	size_t			 t;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;

	t = (sel >> 1) & 3;
	if (proto_chan_init(&chan, -1, fuzz_maxframes[(sel >> 3) & 3],
	    fuzz_tables[t].ft_perms, fuzz_tables[t].ft_nperms) != 0)
		abort();
	if (size >= sizeof(hdr)) {
		memcpy(&hdr, data, sizeof(hdr));
		(void)proto_check_hdr(&chan, &hdr, size, sel & 1);
	}
	/* Twice: the second run sees any ONCE permission revoked. */
	fuzz_decode(&chan, data, size, sel & 1);
	fuzz_decode(&chan, data, size, sel & 1);
	proto_chan_clear(&chan);

	/* The same bytes straight through the getters. */
	if ((b = buf_from(data, size)) != NULL) {
		fuzz_payload(b);
		buf_free(b);
	}
	return 0;
}
