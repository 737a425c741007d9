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

#ifndef POWER_SANDBOX_H
#define POWER_SANDBOX_H

/*
 * Privilege drop and confinement, in the order every daemon uses:
 * sandbox_drop() (chroot, setgroups, setresgid, setresuid, verify),
 * sandbox_caps_clear(), sandbox_rlimits(), sandbox_no_new_privs(), and
 * sandbox_seccomp() last, once every fd is open.  Each process keeps its
 * own filter table in its own folder.  These call fatal() on failure:
 * a daemon that cannot confine itself must not run.
 */

#define SANDBOX_ALLOW		0
#define SANDBOX_ERRNO		1	/* fail with sr_errno, for probes */

#define SANDBOX_MAX_ARGS	3

struct sandbox_arg {
	unsigned int	sa_arg;		/* argument index 0-5 */
	int		sa_op;		/* enum scmp_compare */
	uint64_t	sa_a;		/* datum (mask for MASKED_EQ) */
	uint64_t	sa_b;		/* second datum for MASKED_EQ */
};

struct sandbox_rule {
	int			sr_syscall;	/* SCMP_SYS(name) */
	int			sr_action;	/* SANDBOX_* */
	int			sr_errno;
	unsigned int		sr_nargs;
	struct sandbox_arg	sr_args[SANDBOX_MAX_ARGS];
};

struct sandbox_limits {
	rlim_t	sl_nofile;		/* RLIMIT_NOFILE */
	rlim_t	sl_nproc;		/* RLIMIT_NPROC (tasks, threads too) */
	rlim_t	sl_fsize;		/* RLIMIT_FSIZE */
};

/*
 * Rule builders for the per-process filter tables (which include
 * <seccomp.h> for SCMP_SYS and the comparison operators).
 */
#define SC_ALLOW(name)							\
	{ SCMP_SYS(name), SANDBOX_ALLOW, 0, 0, { { 0, 0, 0, 0 } } }
#define SC_ERRNO(name, e)						\
	{ SCMP_SYS(name), SANDBOX_ERRNO, (e), 0, { { 0, 0, 0, 0 } } }
/* Allowed when (argument n & mask) == value. */
#define SC_ALLOW_MASKED(name, n, mask, value)				\
	{ SCMP_SYS(name), SANDBOX_ALLOW, 0, 1,				\
	    { { (n), SCMP_CMP_MASKED_EQ, (mask), (value) } } }
/* Allowed when a 32-bit argument n (an int in the kernel) is value. */
#define SC_ALLOW_ARG32(name, n, value)					\
	SC_ALLOW_MASKED(name, n, 0xffffffffULL, (uint32_t)(value))
/* Allowed when 32-bit arguments n and m are a and b. */
#define SC_ALLOW_ARG32_2(name, n, a, m, b)				\
	{ SCMP_SYS(name), SANDBOX_ALLOW, 0, 2,				\
	    { { (n), SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)(a) },	\
	      { (m), SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)(b) } } }

/* Whether we can separate at all (running as root). */
int	sandbox_privileged(void);
/*
 * chroot(dir) + chdir("/"), then setgroups/setresgid/setresuid to
 * uid/gid, then check that neither uid 0 nor the old ids come back.
 * dir may be NULL (no chroot).  As non-root it does nothing: there is
 * nothing to drop, and the caller warns.
 */
void	sandbox_drop(const char *dir, uid_t uid, gid_t gid);
void	sandbox_caps_clear(void);
void	sandbox_rlimits(const struct sandbox_limits *);
void	sandbox_no_new_privs(void);
/*
 * Install a kill-by-default filter made of rules (architecture checked).
 * With --enable-sandbox-debug, a forbidden call traps instead and the
 * syscall number is logged before the process exits.
 */
void	sandbox_seccomp(const char *procname, const struct sandbox_rule *,
	    size_t nrules);
/*
 * With --enable-sandbox-debug, a trapped call is also reported as a
 * CTL_LOG frame on this fd (the parent channel); -1 means stderr only.
 */
void	sandbox_set_logfd(int);
/* Check a chroot directory: root-owned, not group/world writable. */
int	sandbox_check_dir(const char *dir, char *err, size_t errlen);

#endif /* POWER_SANDBOX_H */
