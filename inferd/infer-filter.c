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
#include <sched.h>
#include <stdint.h>

#ifdef SANDBOX_SECCOMP
#include <seccomp.h>
#endif

#include "sandbox.h"
#include "inferd.h"

/*
 * The seccomp filter of inferd, the most exposed process after the
 * network child: it parses model files and runs the engine on prompts.
 * Everything it needs is open before the filter goes on (channels, the
 * model fds arrive by SCM_RIGHTS), so it opens nothing, creates no
 * sockets or processes, and never maps memory executable.  Anything not
 * listed kills the process.
 */

#ifdef SANDBOX_SECCOMP

const struct sandbox_rule infer_filter[] = {
	/* I/O on fds opened before the drop or received as frames. */
	SC_ALLOW(read),
	SC_ALLOW(write),
	SC_ALLOW(readv),
	SC_ALLOW(writev),
	SC_ALLOW(pread64),
	SC_ALLOW(lseek),
	SC_ALLOW(close),
	SC_ALLOW(fstat),
	/* glibc's fstat(); a path lookup finds only the empty chroot. */
	SC_ALLOW(newfstatat),

	/* Frames (and fds) on the SEQPACKET channels. */
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

	/* malloc, thread stacks and the model mapping; never PROT_EXEC. */
	SC_ALLOW(brk),
	SC_ALLOW_MASKED(mmap, 2, PROT_EXEC, 0),
	SC_ALLOW_MASKED(mprotect, 2, PROT_EXEC, 0),
	SC_ALLOW(munmap),
	SC_ALLOW(mremap),
	SC_ALLOW(madvise),

	/*
	 * Engine worker threads: clone only with CLONE_THREAD (which the
	 * kernel only accepts with CLONE_VM and CLONE_SIGHAND), so never
	 * a new process.  clone3 passes its flags in memory a filter cannot
	 * read, so it fails with ENOSYS and glibc falls back to clone.
	 */
	SC_ALLOW_MASKED(clone, 0, CLONE_THREAD, CLONE_THREAD),
	SC_ERRNO(clone3, ENOSYS),
	SC_ALLOW(set_robust_list),
	SC_ALLOW(rseq),
	SC_ALLOW(futex),
	SC_ALLOW(membarrier),
	SC_ALLOW(sched_yield),
	SC_ALLOW(sched_getaffinity),	/* glibc's CPU count */
	SC_ALLOW(exit),

	/* Signal events of the loop, and abort() via tgkill to self. */
	SC_ALLOW(rt_sigreturn),
	SC_ALLOW(rt_sigprocmask),
	SC_ALLOW(rt_sigaction),
	SC_ALLOW(sigaltstack),
	SC_ALLOW(tgkill),

	/* Clocks for timeouts and statistics (usually the vDSO). */
	SC_ALLOW(clock_gettime),
	SC_ALLOW(clock_nanosleep),
	SC_ALLOW(nanosleep),
	SC_ALLOW(gettimeofday),

	/* Sampling seeds, ids for the status report, and leaving. */
	SC_ALLOW(getrandom),
	SC_ALLOW(getpid),
	SC_ALLOW(gettid),
	SC_ALLOW(getuid),
	SC_ALLOW(geteuid),
	SC_ALLOW(getgid),
	SC_ALLOW(getegid),
	SC_ALLOW(exit_group),
	SC_ALLOW(restart_syscall),

	/* libevent's non-blocking and close-on-exec flags only. */
	SC_ALLOW_ARG32(fcntl, 1, F_GETFL),
	SC_ALLOW_ARG32(fcntl, 1, F_SETFL),
	SC_ALLOW_ARG32(fcntl, 1, F_GETFD),
	SC_ALLOW_ARG32(fcntl, 1, F_SETFD),

	/* Naming worker threads. */
	SC_ALLOW_ARG32(prctl, 0, PR_SET_NAME),

	/* No device here: isatty() and similar probes just fail. */
	SC_ERRNO(ioctl, ENOTTY),

	/*
	 * glibc's qsort asks sysinfo how much memory the machine has
	 * before it allocates a merge buffer for more than 1 KiB (sorting
	 * a large vocabulary's merges, say); failing, it sorts in place.
	 */
	SC_ERRNO(sysinfo, ENOSYS),
};

const size_t infer_filter_len = sizeof(infer_filter) / sizeof(infer_filter[0]);

#else /* !SANDBOX_SECCOMP */

/* --with-sandbox=none: sandbox_seccomp() only warns; nothing to list. */
const struct sandbox_rule infer_filter[1];
const size_t infer_filter_len = 0;

#endif /* SANDBOX_SECCOMP */
