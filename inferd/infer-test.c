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
#include <sys/socket.h>
#include <sys/syscall.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "inferd.h"

/*
 * Test hooks, compiled only into inferd-test (make check): SIGUSR1 makes
 * a forbidden system call, SIGUSR2 sends the parent a frame type it does
 * not allow from inferd, SIGURG asks keyd for a chunk of a model that
 * does not exist.  The regress tests use them to prove that the seccomp
 * filter kills inferd and that a peer which breaks the protocol is not
 * served.  The installed inferd has none of them.
 */

#ifdef POWER_TEST_HOOKS
static int			 infer_test_fd = -1;
static const struct proc_peer	*infer_test_keyd;

static void
infer_test_syscall(int sig)
{
	/* inferd may never create a socket: this must die by SIGSYS. */
	(void)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

static void
infer_test_frame(int sig)
{
	struct proto_hdr	hdr;
	ssize_t			n;

	/* CTL_LISTEN goes from the parent to the network child only. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = PROTO_CTL_LISTEN;
	hdr.len = sizeof(hdr);
	hdr.flags = PROTO_VERSION;
	n = write(infer_test_fd, &hdr, sizeof(hdr));
	(void)n;
}

static void
infer_test_chunk(int sig)
{
	struct {
		struct proto_hdr	hdr;
		uint32_t		model, chunk;
	}			f;
	ssize_t			n;

	if (!infer_test_keyd->pp_open)
		return;
	memset(&f, 0, sizeof(f));
	f.hdr.type = PROTO_KEY_CHUNK_REQ;
	f.hdr.len = sizeof(f);
	f.hdr.peerid = 1;
	f.hdr.flags = PROTO_VERSION;
	f.model = 999;
	n = write(infer_test_keyd->pp_chan.pc_fd, &f, sizeof(f));
	(void)n;
}

void
infer_test_init(int parentfd, const struct proc_peer *keyd)
{
	struct sigaction	sa;

	infer_test_fd = parentfd;
	infer_test_keyd = keyd;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = infer_test_syscall;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = infer_test_frame;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = infer_test_chunk;
	sigaction(SIGURG, &sa, NULL);
	log_warnx("test hooks compiled in: this inferd is for tests only");
}
#else
void
infer_test_init(int parentfd, const struct proc_peer *keyd)
{
}
#endif
