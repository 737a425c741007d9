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
#include "sandbox.h"
#include "inferd.h"

/*
 * Test hooks, compiled only into inferd-test (make check): SIGUSR1 makes
 * a forbidden system call, SIGUSR2 sends the parent a frame type it does
 * not allow from inferd.  The regress tests use them to prove that the
 * seccomp filter kills inferd and that the parent kills a peer which
 * breaks the protocol.  The installed inferd has neither.
 */

#ifdef POWER_TEST_HOOKS
static int	infer_test_fd = -1;

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

void
infer_test_init(int parentfd)
{
	struct sigaction	sa;

	infer_test_fd = parentfd;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = infer_test_syscall;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = infer_test_frame;
	sigaction(SIGUSR2, &sa, NULL);
	log_warnx("test hooks compiled in: this inferd is for tests only");
}
#else
void
infer_test_init(int parentfd)
{
}
#endif
