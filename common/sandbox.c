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
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef SANDBOX_SECCOMP
#include <seccomp.h>
#endif

#include "err.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"

/*
 * Privilege separation helpers: drop to an unprivileged user inside an
 * empty chroot, clear capabilities, cap resources and install the
 * per-process seccomp filter.  The daemons call these in the order that
 * STYLE.md section 7 fixes; every failure is fatal.
 */

static void	sandbox_bounding_clear(void);
static void	sandbox_check_uid(uid_t, uid_t);
static void	sandbox_check_gid(gid_t, gid_t);
static void	sandbox_verify(uid_t, gid_t, const uid_t *, const gid_t *);
static void	sandbox_setrlimit(int, const char *, rlim_t);
#ifdef SANDBOX_SECCOMP
static void	sandbox_add_rule(scmp_filter_ctx, const struct sandbox_rule *);
static void	sandbox_rule_fatal(const char *, int, int)
		    __attribute__((noreturn));
#endif
#if defined(SANDBOX_SECCOMP) && defined(SANDBOX_DEBUG)
static void	sandbox_debug_init(const char *);
static size_t	sandbox_debug_cat(char *, size_t, size_t, const char *);
static void	sandbox_debug_sigsys(int, siginfo_t *, void *);
static void	sandbox_debug_frame(const char *, size_t);
#endif

#if defined(SANDBOX_SECCOMP) && defined(SANDBOX_DEBUG)
/*
 * The SIGSYS handler may only make async-signal-safe calls, so the
 * syscall names are resolved up front into one static string table.
 */
#define SANDBOX_DEBUG_NSYSCALLS	1024
#define SANDBOX_DEBUG_NAMES_BYTES	(16 * 1024)
static char	 sandbox_debug_proc[64];
static int	 sandbox_debug_logfd = -1;	/* parent channel, or -1 */
static char	 sandbox_debug_names[SANDBOX_DEBUG_NAMES_BYTES];
static uint16_t	 sandbox_debug_off[SANDBOX_DEBUG_NSYSCALLS];	/* 0: unknown */
#endif

int
sandbox_privileged(void)
{
	return geteuid() == 0;
}

void
sandbox_drop(const char *dir, uid_t uid, gid_t gid)
{
	char	 err[256];
	uid_t	 olduid[3];
	gid_t	 oldgid[3];

	/* Without root there is nothing to change: the caller warns. */
	if (!sandbox_privileged())
		return;

	if (getresuid(&olduid[0], &olduid[1], &olduid[2]) == -1)
		fatal_f("getresuid");
	if (getresgid(&oldgid[0], &oldgid[1], &oldgid[2]) == -1)
		fatal_f("getresgid");

	if (dir != NULL) {
		if (sandbox_check_dir(dir, err, sizeof(err)) != 0)
			fatalx_f("chroot directory %s", err);
		if (chroot(dir) == -1)
			fatal_f("chroot %s", dir);
		if (chdir("/") == -1)
			fatal_f("chdir /");
	}

	/* Only possible while we hold CAP_SETPCAP, before the uid change. */
	sandbox_bounding_clear();

	if (setgroups(1, &gid) == -1)
		fatal_f("setgroups %lu", (unsigned long)gid);
	if (setresgid(gid, gid, gid) == -1)
		fatal_f("setresgid %lu", (unsigned long)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal_f("setresuid %lu", (unsigned long)uid);

	sandbox_verify(uid, gid, olduid, oldgid);
}

/*
 * Empty the bounding set, which limits what a later execve could gain
 * (the filters forbid execve and no_new_privs blocks set-id gains too).
 * It takes CAP_SETPCAP, so this does nothing once root is given up, or
 * for a root that was started without it.
 */
static void
sandbox_bounding_clear(void)
{
	cap_t			now;
	cap_flag_value_t	setpcap;
	unsigned long		cap;
	int			r;

	if ((now = cap_get_proc()) == NULL)
		fatal_f("cap_get_proc");
	if (cap_get_flag(now, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap) == -1)
		fatal_f("cap_get_flag");
	cap_free(now);
	if (setpcap != CAP_SET)
		return;

	/* PR_CAPBSET_READ fails with EINVAL past the kernel's last cap. */
	for (cap = 0; ; cap++) {
		if ((r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) == -1)
			break;
		if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			fatal_f("PR_CAPBSET_DROP %lu", cap);
	}
}

/* Check the new ids are all set and neither root nor the old come back. */
static void
sandbox_verify(uid_t uid, gid_t gid, const uid_t *olduid,
    const gid_t *oldgid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, groups[1];
	int	i, n;

	if (getresuid(&ru, &eu, &su) == -1)
		fatal_f("getresuid");
	if (ru != uid || eu != uid || su != uid)
		fatalx_f("uids %lu/%lu/%lu, want %lu", (unsigned long)ru,
		    (unsigned long)eu, (unsigned long)su, (unsigned long)uid);
	if (getresgid(&rg, &eg, &sg) == -1)
		fatal_f("getresgid");
	if (rg != gid || eg != gid || sg != gid)
		fatalx_f("gids %lu/%lu/%lu, want %lu", (unsigned long)rg,
		    (unsigned long)eg, (unsigned long)sg, (unsigned long)gid);

	if ((n = getgroups(0, NULL)) == -1)
		fatal_f("getgroups");
	if (n != 1)
		fatalx_f("%d supplementary groups, want 1", n);
	if (getgroups(1, groups) != 1 || groups[0] != gid)
		fatalx_f("supplementary group is not %lu", (unsigned long)gid);

	/* Root can take any id back: nothing more to check for it. */
	if (uid == 0)
		return;
	sandbox_check_uid(0, uid);
	sandbox_check_gid(0, gid);
	for (i = 0; i < 3; i++) {
		sandbox_check_uid(olduid[i], uid);
		sandbox_check_gid(oldgid[i], gid);
	}
}

static void
sandbox_check_uid(uid_t old, uid_t uid)
{
	if (old == uid)
		return;
	if (setuid(old) != -1 || seteuid(old) != -1)
		fatalx_f("uid %lu could be restored", (unsigned long)old);
}

static void
sandbox_check_gid(gid_t old, gid_t gid)
{
	if (old == gid)
		return;
	if (setgid(old) != -1 || setegid(old) != -1)
		fatalx_f("gid %lu could be restored", (unsigned long)old);
}

void
sandbox_caps_clear(void)
{
	cap_t	empty, now;
	int	r;

	/* Still root (not yet dropped, or a uid 0 target): this too. */
	sandbox_bounding_clear();

	/* The ambient set needs Linux 4.3; older kernels have none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal_f("PR_CAP_AMBIENT_CLEAR_ALL");

	if ((empty = cap_init()) == NULL)
		fatal_f("cap_init");
	if (cap_set_proc(empty) == -1)
		fatal_f("cap_set_proc");
	if ((now = cap_get_proc()) == NULL)
		fatal_f("cap_get_proc");
	r = cap_compare(empty, now);
	cap_free(now);
	cap_free(empty);
	if (r != 0)
		fatalx_f("capabilities remain after clearing");
	/*
	 * The ambient set is a subset of permitted and inheritable, both
	 * now empty, so the kernel has emptied it as well.
	 */
}

void
sandbox_rlimits(const struct sandbox_limits *sl)
{
	if (sl == NULL)
		fatalx_f("no limits");
	sandbox_setrlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", sl->sl_nofile);
	/*
	 * RLIMIT_NPROC counts every process of the real uid.  Unprivileged
	 * (development) runs keep the developer's uid, so a low limit would
	 * count their shell and editor too and break thread creation.
	 */
	if (sandbox_privileged())
		sandbox_setrlimit(RLIMIT_NPROC, "RLIMIT_NPROC", sl->sl_nproc);
	sandbox_setrlimit(RLIMIT_FSIZE, "RLIMIT_FSIZE", sl->sl_fsize);
	sandbox_setrlimit(RLIMIT_CORE, "RLIMIT_CORE", 0);
}

/*
 * Set soft and hard limit to value; RLIM_INFINITY leaves the limit alone.
 * A limit is never raised: confinement only ever lowers it, and raising
 * the hard limit would fail without root anyway.
 */
static void
sandbox_setrlimit(int resource, const char *name, rlim_t value)
{
	struct rlimit	rl;

	if (value == RLIM_INFINITY)
		return;
	if (getrlimit(resource, &rl) == -1)
		fatal_f("getrlimit %s", name);
	if (rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
		value = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1)
		fatal_f("setrlimit %s %llu", name, (unsigned long long)value);
}

void
sandbox_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal_f("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatalx_f("no_new_privs is not set");
}

#ifndef SANDBOX_SECCOMP
void
sandbox_seccomp(const char *procname, const struct sandbox_rule *rules,
    size_t nrules)
{
	log_warnx("built with --with-sandbox=none: system calls are not "
	    "filtered");
}
#else /* SANDBOX_SECCOMP */

#ifdef SANDBOX_DEBUG
#define SANDBOX_DEFAULT_ACTION	SCMP_ACT_TRAP
#else
#define SANDBOX_DEFAULT_ACTION	SCMP_ACT_KILL_PROCESS
#endif

void
sandbox_seccomp(const char *procname, const struct sandbox_rule *rules,
    size_t nrules)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 r;

	/*
	 * libc reads the time zone on first use of local time (libevent's
	 * Date header does): load it now, while files can still be opened.
	 */
	tzset();
	if ((ctx = seccomp_init(SANDBOX_DEFAULT_ACTION)) == NULL)
		fatalx_f("seccomp_init failed");
	/* A foreign-architecture call (int 0x80, x32) always kills. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0)
		sandbox_rule_fatal("SCMP_FLTATR_ACT_BADARCH", -1, r);
	/* Cover any thread a library may have started already. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0)
		sandbox_rule_fatal("SCMP_FLTATR_CTL_TSYNC", -1, r);

	for (i = 0; i < nrules; i++)
		sandbox_add_rule(ctx, &rules[i]);

#ifdef SANDBOX_DEBUG
	/* The SIGSYS handler's own write(2) and _exit(2). */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write),
	    0)) != 0 && r != -EEXIST)
		sandbox_rule_fatal("rule", SCMP_SYS(write), r);
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group),
	    0)) != 0 && r != -EEXIST)
		sandbox_rule_fatal("rule", SCMP_SYS(exit_group), r);
	sandbox_debug_init(procname);
#endif

	if ((r = seccomp_load(ctx)) != 0)
		sandbox_rule_fatal("seccomp_load", -1, r);
	seccomp_release(ctx);
}

static void
sandbox_add_rule(scmp_filter_ctx ctx, const struct sandbox_rule *sr)
{
	struct scmp_arg_cmp	args[SANDBOX_MAX_ARGS];
	uint32_t		action;
	unsigned int		i;
	int			r;

	switch (sr->sr_action) {
	case SANDBOX_ALLOW:
		action = SCMP_ACT_ALLOW;
		break;
	case SANDBOX_ERRNO:
		action = SCMP_ACT_ERRNO((uint32_t)sr->sr_errno);
		break;
	default:
		sandbox_rule_fatal("bad action for", sr->sr_syscall, -EINVAL);
	}
	if (sr->sr_nargs > SANDBOX_MAX_ARGS)
		sandbox_rule_fatal("too many arguments for", sr->sr_syscall,
		    -EINVAL);

	memset(args, 0, sizeof(args));
	for (i = 0; i < sr->sr_nargs; i++) {
		args[i].arg = sr->sr_args[i].sa_arg;
		args[i].op = (enum scmp_compare)sr->sr_args[i].sa_op;
		args[i].datum_a = sr->sr_args[i].sa_a;
		args[i].datum_b = sr->sr_args[i].sa_b;
	}
	if ((r = seccomp_rule_add_array(ctx, action, sr->sr_syscall,
	    sr->sr_nargs, args)) != 0)
		sandbox_rule_fatal("seccomp_rule_add", sr->sr_syscall, r);
}

/*
 * r is a negative errno from libseccomp; nr is -1 when the failure is not
 * about one system call (pseudo-call numbers are below -10000).
 */
__attribute__((noreturn))
static void
sandbox_rule_fatal(const char *what, int nr, int r)
{
	char	*name;

	if (nr == -1)
		fatalx("seccomp %s: %s", what, strerror(-r));
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	fatalx("seccomp %s %s (%d): %s", what,
	    name != NULL ? name : "unknown", nr, strerror(-r));
	/* NOTREACHED */
}

#ifdef SANDBOX_DEBUG
static void
sandbox_debug_init(const char *procname)
{
	struct sigaction	 sa;
	char			*name;
	size_t			 off = 0, len;
	int			 nr;

	/* A truncated name still identifies the process. */
	(void)strlcpy(sandbox_debug_proc, procname, sizeof(sandbox_debug_proc));
	for (nr = 0; nr < SANDBOX_DEBUG_NSYSCALLS; nr++) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name == NULL)
			continue;
		len = strlen(name) + 1;
		if (len <= sizeof(sandbox_debug_names) - off) {
			memcpy(sandbox_debug_names + off, name, len);
			sandbox_debug_off[nr] = (uint16_t)(off + 1);
			off += len;
		}
		free(name);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_debug_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal_f("sigaction SIGSYS");
	log_warnx("sandbox debug build: violations trap; never ship this");
}

/* Append s to buf at off (bounded); strlen is avoided on purpose. */
static size_t
sandbox_debug_cat(char *buf, size_t size, size_t off, const char *s)
{
	while (*s != '\0' && off < size)
		buf[off++] = *s++;
	return off;
}

/* Async-signal-safe: no stdio, no malloc, only write(2) and _exit(2). */
static void
sandbox_debug_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char		buf[256], num[24];
	const char	*name = "?";
	size_t		off = 0, n = sizeof(num) - 1;
	unsigned int	nr = (unsigned int)si->si_syscall;

	num[n] = '\0';
	do {
		num[--n] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr != 0 && n > 0);
	nr = (unsigned int)si->si_syscall;
	if (nr < SANDBOX_DEBUG_NSYSCALLS && sandbox_debug_off[nr] != 0)
		name = sandbox_debug_names + sandbox_debug_off[nr] - 1;

	off = sandbox_debug_cat(buf, sizeof(buf), off, sandbox_debug_proc);
	off = sandbox_debug_cat(buf, sizeof(buf), off,
	    ": sandbox violation: syscall ");
	off = sandbox_debug_cat(buf, sizeof(buf), off, num + n);
	off = sandbox_debug_cat(buf, sizeof(buf), off, " (");
	off = sandbox_debug_cat(buf, sizeof(buf), off, name);
	off = sandbox_debug_cat(buf, sizeof(buf), off, ")\n");
	if (write(STDERR_FILENO, buf, off) == -1)
		_exit(1);
	sandbox_debug_frame(buf + strlen(sandbox_debug_proc) + 2,
	    off - strlen(sandbox_debug_proc) - 3);
	_exit(1);
}

/*
 * Also tell the parent, whose log reaches syslog when our stderr does
 * not: one CTL_LOG frame, built by hand, is one write(2) on the
 * SEQPACKET channel, which is async-signal-safe and atomic.
 */
static void
sandbox_debug_frame(const char *msg, size_t len)
{
	char		 frame[PROTO_HDR_LEN + 8 + 256];
	struct proto_hdr hdr;
	uint32_t	 v;

	if (sandbox_debug_logfd == -1 || len > 256)
		return;
	hdr.type = PROTO_CTL_LOG;
	hdr.len = (uint32_t)(PROTO_HDR_LEN + 8 + len);
	hdr.peerid = 0;
	hdr.flags = PROTO_VERSION;
	memcpy(frame, &hdr, PROTO_HDR_LEN);
	v = LOG_LEVEL_ERROR;
	memcpy(frame + PROTO_HDR_LEN, &v, 4);
	v = (uint32_t)len;
	memcpy(frame + PROTO_HDR_LEN + 4, &v, 4);
	memcpy(frame + PROTO_HDR_LEN + 8, msg, len);
	if (write(sandbox_debug_logfd, frame, hdr.len) == -1)
		return;
}
#endif /* SANDBOX_DEBUG */
#endif /* SANDBOX_SECCOMP */

void
sandbox_set_logfd(int fd)
{
#if defined(SANDBOX_SECCOMP) && defined(SANDBOX_DEBUG)
	sandbox_debug_logfd = fd;
#endif
}

int
sandbox_check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	const char	*why = NULL;
	int		 r = PWR_ERR_CONFIG, saved;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL || err == NULL || errlen == 0)
		return PWR_ERR_INTERNAL;

	if (dir[0] != '/')
		why = "not an absolute path";
	else if (lstat(dir, &st) == -1) {
		why = strerror(errno);
		r = PWR_ERR_SYSTEM_ERROR;
	} else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (sandbox_privileged() && st.st_uid != 0)
		why = "not owned by root";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		why = "writable by group or others";
	if (why != NULL) {
		(void)snprintf(err, errlen, "%s: %s", dir, why);
		return r;
	}

	/* An empty chroot leaves nothing to open, even by mistake. */
	if ((d = opendir(dir)) == NULL) {
		saved = errno;
		(void)snprintf(err, errlen, "%s: %s", dir, strerror(saved));
		errno = saved;
		return PWR_ERR_SYSTEM_ERROR;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			why = "not empty";
			break;
		}
	}
	closedir(d);
	if (why != NULL) {
		(void)snprintf(err, errlen, "%s: %s", dir, why);
		return PWR_ERR_CONFIG;
	}
	return 0;
}
