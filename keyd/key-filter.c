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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#ifdef SANDBOX_SECCOMP
#include <seccomp.h>
#endif

#include "sandbox.h"
#include "keyd.h"

/*
 * The seccomp filter of keyd, which holds the long-term keys and checks
 * the models.  It opened every file it needs before the drop, so it
 * opens nothing, touches no device (no ioctl at all), starts nothing
 * and never maps memory executable.  It reads models and writes two
 * things: its HashCache and the memfds it decrypts sealed models into.
 * Anything not listed kills it.
 */

#ifdef SANDBOX_SECCOMP

const struct sandbox_rule key_filter[] = {
	/* I/O on the channels. */
	SC_ALLOW(read),
	SC_ALLOW(write),
	SC_ALLOW(readv),
	SC_ALLOW(writev),
	SC_ALLOW(close),
	/* stdio on the inherited stderr. */
	SC_ALLOW(lseek),
	SC_ALLOW(fstat),
	/* glibc's fstat(); a path lookup finds only the empty chroot. */
	SC_ALLOW(newfstatat),

	/* Frames on the SEQPACKET channels. */
	SC_ALLOW(recvmsg),
	SC_ALLOW(sendmsg),
	/* proto_chan_init() sizes the send buffer of a new channel. */
	SC_ALLOW_ARG32_2(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF),

	/* libevent's epoll loop (poll as its fallback backend). */
	SC_ALLOW(epoll_wait),
	SC_ALLOW(epoll_pwait),
	SC_ALLOW(epoll_ctl),
	SC_ALLOW(poll),
	SC_ALLOW(ppoll),

	/* malloc and MADV_DONTDUMP on secret pages; never PROT_EXEC. */
	SC_ALLOW(brk),
	SC_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),
	SC_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SC_ALLOW(munmap),
	SC_ALLOW(mremap),
	SC_ALLOW(madvise),

	/* Single-threaded: no clone or clone3; futex for libc locks. */
	SC_ALLOW(futex),

	/* Signal events of the loop, and abort() via tgkill to self. */
	SC_ALLOW(rt_sigreturn),
	SC_ALLOW(rt_sigprocmask),
	SC_ALLOW(rt_sigaction),
	SC_ALLOW(sigaltstack),
	SC_ALLOW(tgkill),

	/* Clocks for timeouts (usually the vDSO). */
	SC_ALLOW(clock_gettime),
	SC_ALLOW(clock_nanosleep),
	SC_ALLOW(nanosleep),
	SC_ALLOW(gettimeofday),

	/* Nonces and IVs, ids for status, and leaving. */
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

	/* Hashing and decrypting models; the HashCache records. */
	SC_ALLOW(pread64),
	SC_ALLOW(pwrite64),
	SC_ALLOW(ftruncate),
	/* The plaintext of a sealed model: a memfd, sealed once written. */
	SC_ALLOW(memfd_create),
	SC_ALLOW_ARG32(fcntl, 1, F_ADD_SEALS),
	/* A copy of a model's descriptor for each inferd it is sent to. */
	SC_ALLOW(dup),
};

const size_t key_filter_len = sizeof(key_filter) / sizeof(key_filter[0]);

#else /* !SANDBOX_SECCOMP */

/* --with-sandbox=none: sandbox_seccomp() only warns; nothing to list. */
const struct sandbox_rule key_filter[1];
const size_t key_filter_len = 0;

#endif /* SANDBOX_SECCOMP */
