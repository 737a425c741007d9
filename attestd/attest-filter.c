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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef SANDBOX_SECCOMP
#include <seccomp.h>
#endif

#include "evidence.h"
#include "sandbox.h"
#include "xmalloc.h"
#include "attestd.h"

/*
 * The seccomp filter of attestd, which asks the TEE firmware for signed
 * reports.  It is single-threaded, parses no HTTP or JSON, and talks
 * only over its channels and the guest device or configfs-tsm entry it
 * opened before the drop, so it starts nothing and opens nothing else.
 * The rules that name those fds are added at run time by
 * attest_filter_build().  Anything not listed kills it.
 */

#define ATTEST_FILTER_FD_RULES	6	/* the most attest_filter_build adds */

#ifdef SANDBOX_SECCOMP

const struct sandbox_rule attest_filter[] = {
	/* I/O on the channels and the guest device opened before. */
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

	/* malloc; never PROT_EXEC. */
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

	/* Report nonces, ids for status, and leaving. */
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

	/* Non-blocking mode; the SNP requests are added per device fd. */
	SC_ALLOW_ARG32(ioctl, 1, FIONBIO),
};

const size_t attest_filter_len =
    sizeof(attest_filter) / sizeof(attest_filter[0]);

/* Allowed when 32-bit argument n is fd and argument m & mask is value. */
#define ATTEST_RULE_FD_MASKED(name, n, fd, m, mask, value)		\
	{ SCMP_SYS(name), SANDBOX_ALLOW, 0, 2,				\
	    { { (n), SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)(fd) },	\
	      { (m), SCMP_CMP_MASKED_EQ, (mask), (value) } } }

/*
 * The table plus rules that only hold for the fds attestd opened as
 * root (-1: none): the SNP guest requests on devfd alone; openat
 * relative to the configfs-tsm entry entryfd alone; and only in the
 * fallback of an entry per request, mkdirat, openat and unlinkat
 * relative to the report directory dirfd alone.  openat can never
 * create or truncate, and unlinkat removes directories only.
 * SNP_GET_DERIVED_KEY stays out: attestd holds no keys.  The caller
 * frees the result.
 */
struct sandbox_rule *
attest_filter_build(int devfd, int entryfd, int dirfd, size_t *nrules)
{
	const struct sandbox_rule snp[] = {
		SC_ALLOW_ARG32_2(ioctl, 0, devfd, 1, ATTEST_SNP_GET_REPORT),
		SC_ALLOW_ARG32_2(ioctl, 0, devfd, 1,
		    ATTEST_SNP_GET_EXT_REPORT),
	};
	const struct sandbox_rule entry[] = {
		ATTEST_RULE_FD_MASKED(openat, 0, entryfd, 2,
		    O_CREAT | O_TRUNC | O_TMPFILE, 0),
	};
	const struct sandbox_rule tsm[] = {
		SC_ALLOW_ARG32(mkdirat, 0, dirfd),
		ATTEST_RULE_FD_MASKED(openat, 0, dirfd, 2,
		    O_CREAT | O_TRUNC | O_TMPFILE, 0),
		SC_ALLOW_ARG32_2(unlinkat, 0, dirfd, 2, AT_REMOVEDIR),
	};
	struct sandbox_rule	*rules;
	size_t			 n = attest_filter_len;

	_Static_assert(sizeof(snp) + sizeof(entry) + sizeof(tsm) <=
	    ATTEST_FILTER_FD_RULES * sizeof(struct sandbox_rule),
	    "ATTEST_FILTER_FD_RULES is too small");
	rules = xcalloc(attest_filter_len + ATTEST_FILTER_FD_RULES,
	    sizeof(*rules));
	memcpy(rules, attest_filter, sizeof(attest_filter));
	if (devfd != -1) {
		memcpy(rules + n, snp, sizeof(snp));
		n += sizeof(snp) / sizeof(snp[0]);
	}
	if (entryfd != -1) {
		memcpy(rules + n, entry, sizeof(entry));
		n += sizeof(entry) / sizeof(entry[0]);
	}
	if (dirfd != -1) {
		memcpy(rules + n, tsm, sizeof(tsm));
		n += sizeof(tsm) / sizeof(tsm[0]);
	}
	*nrules = n;
	return rules;
}

#else /* !SANDBOX_SECCOMP */

/* --with-sandbox=none: sandbox_seccomp() only warns; nothing to list. */
const struct sandbox_rule attest_filter[1];
const size_t attest_filter_len = 0;

struct sandbox_rule *
attest_filter_build(int devfd, int entryfd, int dirfd, size_t *nrules)
{
	*nrules = 0;
	return xcalloc(1, sizeof(struct sandbox_rule));
}

#endif /* SANDBOX_SECCOMP */
