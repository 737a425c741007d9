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
#include <sys/queue.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#ifdef SANDBOX_SECCOMP
#include <seccomp.h>
#endif

#include "proto.h"
#include "proc.h"
#include "sandbox.h"
#include "frontd.h"

/*
 * The seccomp filter of the network child (frontd -P network), which
 * parses HTTP and JSON from anyone.  It serves the listening sockets the
 * parent passed it and talks to its siblings over channels it was given,
 * so it creates no socket, opens no file, starts no thread or process
 * and never maps memory executable.  Anything not listed kills it.
 */

#ifdef SANDBOX_SECCOMP

const struct sandbox_rule front_filter[] = {
	/* I/O on connections and channels that are already open. */
	SC_ALLOW(read),
	SC_ALLOW(write),
	SC_ALLOW(readv),
	SC_ALLOW(writev),
	SC_ALLOW(close),
	/* libevent's evbuffer and stdio on the inherited stderr. */
	SC_ALLOW(lseek),
	SC_ALLOW(fstat),
	/* glibc's fstat(); a path lookup finds only the empty chroot. */
	SC_ALLOW(newfstatat),

	/* Frames (and fds) on the SEQPACKET channels. */
	SC_ALLOW(recvmsg),
	SC_ALLOW(sendmsg),
	/* proto_chan_init() sizes the send buffer of a new channel. */
	SC_ALLOW_ARG32_2(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF),

	/*
	 * Clients on the passed listening sockets; socket, bind, listen
	 * and connect stay forbidden.  send()/recv() are sendto/recvfrom.
	 */
	SC_ALLOW(accept),
	SC_ALLOW(accept4),
	SC_ALLOW(getsockname),
	SC_ALLOW(getpeername),
	SC_ALLOW(getsockopt),
	SC_ALLOW(shutdown),
	SC_ALLOW(sendto),
	SC_ALLOW(recvfrom),
	/*
	 * Only the options libevent sets; this keeps out socket filters
	 * (SO_ATTACH_FILTER), a kernel attack surface.
	 */
	SC_ALLOW_ARG32_2(setsockopt, 1, SOL_SOCKET, 2, SO_REUSEADDR),
	SC_ALLOW_ARG32_2(setsockopt, 1, SOL_SOCKET, 2, SO_KEEPALIVE),
	SC_ALLOW_ARG32_2(setsockopt, 1, IPPROTO_TCP, 2, TCP_NODELAY),

	/* libevent's epoll loop (poll as its fallback backend). */
	SC_ALLOW(epoll_wait),
	SC_ALLOW(epoll_pwait),
	SC_ALLOW(epoll_ctl),
	SC_ALLOW(poll),
	SC_ALLOW(ppoll),

	/* malloc; never PROT_EXEC. */
	SC_ALLOW(brk),
	SC_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),
	SC_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SC_ALLOW(munmap),
	SC_ALLOW(mremap),
	SC_ALLOW(madvise),

	/*
	 * Single-threaded: no clone or clone3 at all, so no thread-start
	 * calls (set_robust_list, rseq) either.  futex is still used by
	 * libc locks and once-initialisers.
	 */
	SC_ALLOW(futex),
	SC_ALLOW(sched_yield),

	/* Signal events of the loop, and abort() via tgkill to self. */
	SC_ALLOW(rt_sigreturn),
	SC_ALLOW(rt_sigprocmask),
	SC_ALLOW(rt_sigaction),
	SC_ALLOW(sigaltstack),
	SC_ALLOW(tgkill),

	/* Clocks for timeouts and Date headers (usually the vDSO). */
	SC_ALLOW(clock_gettime),
	SC_ALLOW(clock_nanosleep),
	SC_ALLOW(nanosleep),
	SC_ALLOW(gettimeofday),

	/* Request ids and TLS randomness, ids for status, and leaving. */
	SC_ALLOW(getrandom),
	SC_ALLOW(getpid),
	SC_ALLOW(gettid),
	SC_ALLOW(getuid),
	SC_ALLOW(geteuid),
	SC_ALLOW(getgid),
	SC_ALLOW(getegid),
	SC_ALLOW(exit),
	SC_ALLOW(exit_group),
	SC_ALLOW(restart_syscall),

	/* libevent's non-blocking and close-on-exec flags only. */
	SC_ALLOW_ARG32(fcntl, 1, F_GETFL),
	SC_ALLOW_ARG32(fcntl, 1, F_SETFL),
	SC_ALLOW_ARG32(fcntl, 1, F_GETFD),
	SC_ALLOW_ARG32(fcntl, 1, F_SETFD),

	/* Process name for ps. */
	SC_ALLOW_ARG32(prctl, 0, PR_SET_NAME),

	/* Non-blocking mode and bytes pending on a socket; nothing else. */
	SC_ALLOW_ARG32(ioctl, 1, FIONBIO),
	SC_ALLOW_ARG32(ioctl, 1, FIONREAD),

	/*
	 * TLS and RA-TLS (front-tls.c) need nothing more: OpenSSL reads
	 * its configuration and loads its providers before the filter
	 * (tls_init), then only computes and asks getrandom.
	 */
};

const size_t front_filter_len = sizeof(front_filter) / sizeof(front_filter[0]);

#else /* !SANDBOX_SECCOMP */

/* --with-sandbox=none: sandbox_seccomp() only warns; nothing to list. */
const struct sandbox_rule front_filter[1];
const size_t front_filter_len = 0;

#endif /* SANDBOX_SECCOMP */
