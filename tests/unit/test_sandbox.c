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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef SANDBOX_SECCOMP
#include <seccomp.h>
#endif

#include <CUnit/CUnit.h>

#include "err.h"
#include "log.h"
#include "sandbox.h"
#include "tests.h"

/*
 * Tests for common/sandbox.c and the four filter tables.  Everything that
 * confines runs in a forked child, which reports back through its exit
 * status (or the signal that killed it) and always leaves with _exit(),
 * so no CUnit or sanitizer state runs twice.
 */

/* XXX lead: drop these once the daemon headers declare the tables. */
extern const struct sandbox_rule	infer_filter[];
extern const size_t			infer_filter_len;
extern const struct sandbox_rule	front_filter[];
extern const size_t			front_filter_len;
extern const struct sandbox_rule	attest_filter[];
extern const size_t			attest_filter_len;
extern struct sandbox_rule		*attest_filter_build(int, int, int,
				    size_t *);
extern const struct sandbox_rule	key_filter[];
extern const size_t			key_filter_len;

#define TEST_UID		65534	/* nobody */
#define TEST_GID		65534
#define TEST_CONTENT		"power sandbox test\n"
#define TEST_CHILD_OUT_BYTES	1024
/* SNP_GET_REPORT from <linux/sev-guest.h>: _IOWR('S', 0x0, 32 bytes). */
#define TEST_SNP_GET_REPORT	_IOC(_IOC_READ | _IOC_WRITE, 'S', 0x0, 32)
#define TEST_SNP_GET_EXT_REPORT	_IOC(_IOC_READ | _IOC_WRITE, 'S', 0x2, 32)
#define TEST_TSM_DIR		"/tmp/power-sandbox-tsm"

#ifndef nitems
#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#endif

struct filter {
	const char			*f_name;
	const struct sandbox_rule	*f_rules;
	const size_t			*f_len;
	/* Rules that name fds, built in the child after the fixture. */
	struct sandbox_rule		*(*f_build)(size_t *);
};

struct call {
	const char	*c_name;
	void		(*c_fn)(void);
};

static int	child_run(const struct filter *, void (*)(void), int *,
		    char *, size_t);
static void	child_confine(const struct filter *);
static void	child_describe(int, char *, size_t);
static void	expect_works(const struct filter *, void (*)(void));
static int	skip_unless(int, const char *);
static void	fixture_open(void);
static void	fixture_loopback(void);
static int	dir_make(char *, size_t, const char *, mode_t);
static int	drop_prepare(void);
static int	suite_rm(const char *, const struct stat *, int,
		    struct FTW *);
static void	drop_verify(int);
#ifdef SANDBOX_SECCOMP
static int	child_killed(int, const char *);
static void	expect_killed(const struct filter *, const struct call *,
		    size_t);
static int	fd_pass(int, int, int);
static int	loop_run(void);
static void	loop_cb(evutil_socket_t, short, void *);
static void	*thread_main(void *);
static void	works_common(void);
static struct sandbox_rule *attest_build_dev(size_t *);
static struct sandbox_rule *attest_build_tsm(size_t *);
static struct sandbox_rule *attest_build_entry(size_t *);
static int	tsm_fixture(void);
static void	tsm_path(char *, size_t, pid_t);
static void	tsm_clean(void);
#endif

#ifdef SANDBOX_SECCOMP
static const struct filter infer = { "infer_filter", infer_filter,
    &infer_filter_len, NULL };
static const struct filter front = { "front_filter", front_filter,
    &front_filter_len, NULL };
static const struct filter attest = { "attest_filter", attest_filter,
    &attest_filter_len, NULL };
static const struct filter attest_dev = { "attest_filter + device fd",
    attest_filter, &attest_filter_len, attest_build_dev };
static const struct filter attest_tsm = {
    "attest_filter + configfs-tsm report directory fd", attest_filter,
    &attest_filter_len, attest_build_tsm };
static const struct filter attest_entry = {
    "attest_filter + configfs-tsm entry fd", attest_filter,
    &attest_filter_len, attest_build_entry };
static const struct filter key = { "key_filter", key_filter,
    &key_filter_len, NULL };
#endif

/* Per-child fixture, made before the filter goes on, as a daemon does. */
static int			 fx_pipe[2] = { -1, -1 };
static int			 fx_sp[2] = { -1, -1 };
static int			 fx_file = -1;
static void			*fx_page;
static struct event_base	*fx_base;
static int			 fx_listen = -1, fx_client = -1;
static int			 fx_loopback;	/* make the two above */
static int			 fx_dir = -1;	/* attest_build_tsm, _entry */

static int
skip_unless(int cond, const char *why)
{
	if (!cond)
		printf("(skipped: %s) ", why);
	return !cond;
}

static void
fixture_open(void)
{
	char	path[] = "/tmp/power-sandbox.XXXXXX";

	if (pipe(fx_pipe) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fx_sp) == -1)
		_exit(90);
	if ((fx_file = mkstemp(path)) == -1)
		_exit(91);
	(void)unlink(path);
	if (write(fx_file, TEST_CONTENT, sizeof(TEST_CONTENT) - 1) !=
	    (ssize_t)sizeof(TEST_CONTENT) - 1)
		_exit(92);
	fx_page = mmap(NULL, (size_t)getpagesize(), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fx_page == MAP_FAILED)
		_exit(93);
	if ((fx_base = event_base_new()) == NULL)
		_exit(94);
	if (fx_loopback)
		fixture_loopback();
}

/* A listening loopback socket with one connection waiting on it. */
static void
fixture_loopback(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fx_listen = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fx_listen, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fx_listen, 4) == -1 ||
	    getsockname(fx_listen, (struct sockaddr *)&sin, &len) == -1)
		_exit(95);
	if ((fx_client = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fx_client, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		_exit(96);
}

/*
 * Fork a child that sets up the fixture, confines itself with the filter
 * and runs fn; fn returning means success (exit 0).  The child's stderr
 * is collected into out.
 */
static int
child_run(const struct filter *f, void (*fn)(void), int *status, char *out,
    size_t outlen)
{
	struct rlimit	rl = { 0, 0 };
	size_t		off = 0;
	ssize_t		n;
	pid_t		pid;
	int		p[2];

	out[0] = '\0';
	if (pipe(p) == -1)
		return -1;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* A SIGSYS kill dumps core otherwise. */
		(void)setrlimit(RLIMIT_CORE, &rl);
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(97);
		close(p[0]);
		close(p[1]);
		/* Let fatal() and the debug trap report into out. */
		log_init(1, LOG_LEVEL_ERROR, 0);
		log_procinit("test");
		fixture_open();
		if (f != NULL)
			child_confine(f);
		fn();
		_exit(0);
	}
	close(p[1]);
	while (off < outlen - 1 &&
	    ((n = read(p[0], out + off, outlen - 1 - off)) > 0 ||
	    (n == -1 && errno == EINTR)))
		if (n > 0)
			off += (size_t)n;
	out[off] = '\0';
	close(p[0]);
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* In the child: the filter, with its fd rules when it has them. */
static void
child_confine(const struct filter *f)
{
	struct sandbox_rule	*rules;
	size_t			 n;

	sandbox_no_new_privs();
	if (f->f_build == NULL) {
		sandbox_seccomp("test", f->f_rules, *f->f_len);
		return;
	}
	rules = f->f_build(&n);
	sandbox_seccomp("test", rules, n);
}

static void
child_describe(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		(void)snprintf(buf, len, "killed by signal %d",
		    WTERMSIG(status));
	else if (WIFEXITED(status))
		(void)snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else
		(void)snprintf(buf, len, "status %#x", status);
}

static void
expect_works(const struct filter *f, void (*fn)(void))
{
	char	out[TEST_CHILD_OUT_BYTES], how[64];
	char	what[2 * TEST_CHILD_OUT_BYTES];
	int	status;

	if (child_run(f, fn, &status, out, sizeof(out)) == -1) {
		CU_FAIL("fork");
		return;
	}
	child_describe(status, how, sizeof(how));
	(void)snprintf(what, sizeof(what), "allowed calls under %s: child %s "
	    "(exit N = check N failed) %s", f != NULL ? f->f_name : "none",
	    how, out);
	CU_assertImplementation(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    __LINE__, what, __FILE__, "", CU_FALSE);
}

#ifdef SANDBOX_SECCOMP

/*
 * Did the filter stop the child?  Debug builds trap, report and exit 1,
 * except where SIGSYS is blocked (glibc's pthread_create around clone3):
 * then the kernel kills as in a normal build.
 */
static int
child_killed(int status, const char *out)
{
#ifdef SANDBOX_DEBUG
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
	    strstr(out, "test: sandbox violation: syscall ") != NULL)
		return 1;
#endif
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static void
expect_killed(const struct filter *f, const struct call *calls, size_t n)
{
	char	out[TEST_CHILD_OUT_BYTES], how[64];
	char	what[2 * TEST_CHILD_OUT_BYTES];
	size_t	i;
	int	status;

	for (i = 0; i < n; i++) {
		if (child_run(f, calls[i].c_fn, &status, out,
		    sizeof(out)) == -1) {
			CU_FAIL("fork");
			continue;
		}
		child_describe(status, how, sizeof(how));
		(void)snprintf(what, sizeof(what), "%s under %s must kill: "
		    "child %s %s", calls[i].c_name, f->f_name, how, out);
		CU_assertImplementation(child_killed(status, out), __LINE__,
		    what, __FILE__, "", CU_FALSE);
	}
}

/* Forbidden calls, made through syscall(2) so libc adds nothing. */

static void
call_open(void)
{
	syscall(SYS_open, "/", O_RDONLY);
}

static void
call_openat(void)
{
	syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
}

static void
call_openat2(void)
{
	uint64_t	how[3] = { O_RDONLY, 0, 0 };	/* struct open_how */

	syscall(SYS_openat2, AT_FDCWD, "/", how, sizeof(how));
}

static void
call_creat(void)
{
	syscall(SYS_creat, "/tmp/power-sandbox-creat", 0600);
}

static void
call_socket(void)
{
	syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
}

static void
call_socketpair(void)
{
	int	sv[2];

	syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
}

static void
call_connect(void)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	syscall(SYS_connect, fx_sp[0], &sin, sizeof(sin));
}

static void
call_bind(void)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	syscall(SYS_bind, fx_sp[0], &sin, sizeof(sin));
}

static void
call_listen(void)
{
	syscall(SYS_listen, fx_sp[0], 1);
}

static void
call_accept4(void)
{
	syscall(SYS_accept4, fx_sp[0], NULL, NULL, 0);
}

static void
call_execve(void)
{
	char	*argv[] = { "true", NULL }, *envp[] = { NULL };

	syscall(SYS_execve, "/bin/true", argv, envp);
}

static void
call_execveat(void)
{
	char	*argv[] = { "true", NULL }, *envp[] = { NULL };

	syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp, 0);
}

static void
call_ptrace(void)
{
	syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}

static void
call_fork(void)
{
	if (syscall(SYS_fork) == 0)
		_exit(0);
}

static void
call_vfork(void)
{
	if (syscall(SYS_vfork) == 0)
		_exit(0);
}

static void
call_clone_process(void)
{
	if (syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0)
		_exit(0);
}

/* A raw thread would share this stack: reaching the kernel is enough. */
static void
call_clone_thread(void)
{
	if (syscall(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES |
	    CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, 0, 0, 0, 0) == 0)
		syscall(SYS_exit, 0);
}

static void
call_pthread(void)
{
	pthread_t	t;
	int		v = 0;

	if (pthread_create(&t, NULL, thread_main, &v) == 0)
		pthread_join(t, NULL);
}

static void
call_process_vm_readv(void)
{
	struct iovec	lio, rio;
	char		buf[8];

	lio.iov_base = buf;
	lio.iov_len = sizeof(buf);
	rio = lio;
	syscall(SYS_process_vm_readv, getppid(), &lio, 1, &rio, 1, 0);
}

static void
call_kill(void)
{
	syscall(SYS_kill, getpid(), 0);
}

static void
call_mmap_exec(void)
{
	syscall(SYS_mmap, NULL, (size_t)getpagesize(), PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void
call_mmap_wx(void)
{
	syscall(SYS_mmap, NULL, (size_t)getpagesize(),
	    PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
}

static void
call_mmap_file_exec(void)
{
	syscall(SYS_mmap, NULL, (size_t)getpagesize(), PROT_READ | PROT_EXEC,
	    MAP_PRIVATE, fx_file, 0);
}

static void
call_mprotect_exec(void)
{
	syscall(SYS_mprotect, fx_page, (size_t)getpagesize(),
	    PROT_READ | PROT_EXEC);
}

static void
call_pkey_mprotect(void)
{
	syscall(SYS_pkey_mprotect, fx_page, (size_t)getpagesize(),
	    PROT_READ | PROT_EXEC, -1);
}

static void
call_prctl_dumpable(void)
{
	syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static void
call_fcntl_dupfd(void)
{
	syscall(SYS_fcntl, fx_pipe[0], F_DUPFD, 0);
}

static void
call_ioctl_tcgets(void)
{
	char	buf[64];

	syscall(SYS_ioctl, fx_pipe[0], TCGETS, buf);
}

static void
call_ioctl_random(void)
{
	syscall(SYS_ioctl, fx_pipe[0], 0x12345678UL, NULL);
}

static void
call_ioctl_fionbio(void)
{
	int	on = 1;

	syscall(SYS_ioctl, fx_sp[0], FIONBIO, &on);
}

static void
call_ioctl_snp_derived_key(void)
{
	/* SNP_GET_DERIVED_KEY: _IOWR('S', 0x1, 32 bytes). */
	syscall(SYS_ioctl, fx_pipe[0],
	    (unsigned long)_IOC(_IOC_READ | _IOC_WRITE, 'S', 0x1, 32), NULL);
}

static void
call_ioctl_snp_wrong_fd(void)
{
	/* The device is fx_pipe[0]: the same request elsewhere kills. */
	syscall(SYS_ioctl, fx_pipe[1], (unsigned long)TEST_SNP_GET_REPORT,
	    NULL);
}

static void
call_ioctl_snp_report(void)
{
	syscall(SYS_ioctl, fx_pipe[0], (unsigned long)TEST_SNP_GET_REPORT,
	    NULL);
}

static void
call_mkdirat_cwd(void)
{
	syscall(SYS_mkdirat, AT_FDCWD, "entry", 0700);
}

static void
call_mkdirat_other_fd(void)
{
	syscall(SYS_mkdirat, fx_file, "entry", 0700);
}

static void
call_openat_dir_creat(void)
{
	syscall(SYS_openat, fx_dir, "new", O_WRONLY | O_CREAT, 0600);
}

static void
call_openat_dir_trunc(void)
{
	syscall(SYS_openat, fx_dir, "attr", O_WRONLY | O_TRUNC);
}

static void
call_openat_dir_tmpfile(void)
{
	syscall(SYS_openat, fx_dir, ".", O_RDWR | O_TMPFILE, 0600);
}

static void
call_unlinkat_file(void)
{
	syscall(SYS_unlinkat, fx_dir, "attr", 0);
}

static void
call_unlinkat_cwd(void)
{
	syscall(SYS_unlinkat, AT_FDCWD, "entry", AT_REMOVEDIR);
}

static void
call_mkdirat_dir(void)
{
	syscall(SYS_mkdirat, fx_dir, "entry", 0700);
}

static void
call_unlinkat_dir(void)
{
	syscall(SYS_unlinkat, fx_dir, "entry", AT_REMOVEDIR);
}

static void
call_setsockopt_filter(void)
{
	syscall(SYS_setsockopt, fx_sp[0], SOL_SOCKET, SO_ATTACH_FILTER,
	    NULL, 0);
}

static void
call_memfd_create(void)
{
	syscall(SYS_memfd_create, "dek", 0);
}

static void
call_pread(void)
{
	char	buf[4];

	syscall(SYS_pread64, fx_file, buf, sizeof(buf), 0);
}

/* Allowed behaviour, shared by the filters; exits with the failed check. */

static void *
thread_main(void *arg)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		*(int *)arg = 42;
	return arg;
}

static int	loop_nread, loop_ntimer, loop_nsig;

static void
loop_cb(evutil_socket_t fd, short what, void *arg)
{
	char	c;

	if ((what & EV_READ) && read(fd, &c, 1) != 1)
		return;
	(*(int *)arg)++;
}

/* A pipe read, a timer and a signal through the libevent loop. */
static int
loop_run(void)
{
	struct event	*rev, *tev, *sev;
	struct timeval	 tv = { 0, 1000 };
	int		 i;

	rev = event_new(fx_base, fx_pipe[0], EV_READ, loop_cb, &loop_nread);
	tev = evtimer_new(fx_base, loop_cb, &loop_ntimer);
	sev = evsignal_new(fx_base, SIGUSR1, loop_cb, &loop_nsig);
	if (rev == NULL || tev == NULL || sev == NULL ||
	    event_add(rev, NULL) == -1 || evtimer_add(tev, &tv) == -1 ||
	    evsignal_add(sev, NULL) == -1)
		return -1;
	if (write(fx_pipe[1], "x", 1) != 1 || raise(SIGUSR1) != 0)
		return -1;
	for (i = 0; i < 100 && (loop_nread == 0 || loop_ntimer == 0 ||
	    loop_nsig == 0); i++)
		if (event_base_loop(fx_base, EVLOOP_ONCE) == -1)
			return -1;
	event_free(rev);
	event_free(tev);
	event_free(sev);
	return loop_nread == 1 && loop_ntimer == 1 && loop_nsig == 1 ? 0 : -1;
}

/* Send fd over s_out with SCM_RIGHTS and return what arrives on s_in. */
static int
fd_pass(int s_out, int s_in, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	char		 c = 'f';
	int		 got;

	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = &c;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s_out, &mh, MSG_NOSIGNAL) != 1)
		return -1;

	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	if (recvmsg(s_in, &mh, MSG_CMSG_CLOEXEC) != 1 ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
		return -1;
	if ((cm = CMSG_FIRSTHDR(&mh)) == NULL || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&got, CMSG_DATA(cm), sizeof(int));
	return got;
}

/* What every process does: frames, fds, flags, memory, clocks, loop. */
static void
works_common(void)
{
	struct timespec	 now, ts = { 0, 1000 };
	struct stat	 st;
	char		 c, rnd[16], *p, *q;
	int		 fd, fl;

	if (write(fx_pipe[1], "a", 1) != 1 || read(fx_pipe[0], &c, 1) != 1 ||
	    c != 'a')
		_exit(10);
	if ((fd = fd_pass(fx_sp[0], fx_sp[1], fx_pipe[1])) == -1)
		_exit(11);
	if (close(fd) == -1)
		_exit(12);
	if ((fl = fcntl(fx_pipe[0], F_GETFL)) == -1 ||
	    fcntl(fx_pipe[0], F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fx_pipe[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fx_pipe[0], F_GETFD) != FD_CLOEXEC)
		_exit(13);
	if ((p = malloc(64)) == NULL || (q = malloc(4 << 20)) == NULL)
		_exit(14);
	memset(q, 1, 4 << 20);
	if ((q = realloc(q, 8 << 20)) == NULL)
		_exit(15);
	free(q);
	free(p);
	if (mprotect(fx_page, (size_t)getpagesize(), PROT_READ) == -1 ||
	    madvise(fx_page, (size_t)getpagesize(), MADV_DONTDUMP) == -1)
		_exit(16);
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now) == -1 ||
	    nanosleep(&ts, NULL) == -1)
		_exit(17);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		_exit(18);
	if (fstat(fx_file, &st) == -1 || st.st_size != sizeof(TEST_CONTENT) - 1)
		_exit(19);
	if (prctl(PR_SET_NAME, "sandboxed", 0, 0, 0) == -1)
		_exit(20);
	if ((pid_t)syscall(SYS_getpid) != getpid() || getuid() != geteuid())
		_exit(21);
	if (loop_run() == -1)
		_exit(22);
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void
works_infer(void)
{
	struct sysinfo	 si;
	pthread_t	 t[2];
	void		*map;
	char		 buf[8];
	int		 v[2] = { 0, 0 }, n, big[2048];
	size_t		 i;

	works_common();
	map = mmap(NULL, sizeof(TEST_CONTENT) - 1, PROT_READ, MAP_SHARED,
	    fx_file, 0);
	if (map == MAP_FAILED ||
	    memcmp(map, TEST_CONTENT, sizeof(TEST_CONTENT) - 1) != 0 ||
	    munmap(map, sizeof(TEST_CONTENT) - 1) == -1)
		_exit(30);
	if (pread(fx_file, buf, 5, 0) != 5 || memcmp(buf, "power", 5) != 0)
		_exit(31);
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_main, &v[i]) != 0)
			_exit(32);
	for (i = 0; i < 2; i++)
		if (pthread_join(t[i], NULL) != 0 || v[i] != 42)
			_exit(33);
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		_exit(34);
	/* isatty() and other probes fail quietly. */
	if (ioctl(fx_pipe[0], FIONREAD, &n) != -1 || errno != ENOTTY)
		_exit(35);
	/* So does sysinfo, and glibc's qsort of more than 1 KiB copes. */
	if (sysinfo(&si) != -1 || errno != ENOSYS)
		_exit(36);
	for (i = 0; i < nitems(big); i++)
		big[i] = (int)(nitems(big) - i);
	qsort(big, nitems(big), sizeof(big[0]), cmp_int);
	for (i = 1; i < nitems(big); i++)
		if (big[i - 1] > big[i])
			_exit(37);
}

static void
works_front(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			c;
	int			s, on = 1, err, n;

	works_common();
	if ((s = accept4(fx_listen, NULL, NULL, SOCK_CLOEXEC)) == -1)
		_exit(40);
	len = sizeof(ss);
	if (getsockname(s, (struct sockaddr *)&ss, &len) == -1)
		_exit(41);
	len = sizeof(ss);
	if (getpeername(s, (struct sockaddr *)&ss, &len) == -1)
		_exit(42);
	if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1)
		_exit(43);
	len = sizeof(err);
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0)
		_exit(44);
	if (ioctl(s, FIONBIO, &on) == -1)
		_exit(45);
	if (send(fx_client, "h", 1, 0) != 1)
		_exit(46);
	/* Non-blocking now; the byte may need a moment on loopback. */
	while ((n = (int)recv(s, &c, 1, 0)) == -1 && errno == EAGAIN)
		(void)poll(NULL, 0, 1);
	if (n != 1 || c != 'h')
		_exit(47);
	if (ioctl(s, FIONREAD, &n) == -1 || n != 0)
		_exit(48);
	if (shutdown(s, SHUT_RDWR) == -1 || close(s) == -1)
		_exit(49);
}

static void
works_attest(void)
{
	int	on = 1;

	works_common();
	if (ioctl(fx_sp[0], FIONBIO, &on) == -1)
		_exit(51);
}

/* The device is fx_pipe[0]; a pipe answers the requests ENOTTY. */
static void
works_attest_dev(void)
{
	works_attest();
	if (ioctl(fx_pipe[0], TEST_SNP_GET_REPORT, NULL) != -1 ||
	    errno != ENOTTY)
		_exit(52);
	if (ioctl(fx_pipe[0], TEST_SNP_GET_EXT_REPORT, NULL) != -1 ||
	    errno != ENOTTY)
		_exit(53);
}

/* What attestd does in a configfs-tsm report directory. */
static void
works_attest_tsm(void)
{
	char	buf[sizeof(TEST_CONTENT)];
	int	fd;

	works_attest();
	if (mkdirat(fx_dir, "entry", 0700) == -1)
		_exit(54);
	if ((fd = openat(fx_dir, "attr", O_WRONLY | O_CLOEXEC)) == -1 ||
	    write(fd, "P", 1) != 1 || close(fd) == -1)
		_exit(55);
	if ((fd = openat(fx_dir, "attr", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1 || read(fd, buf, sizeof(buf)) !=
	    sizeof(TEST_CONTENT) - 1 || buf[0] != 'P' || close(fd) == -1)
		_exit(56);
	if (openat(fx_dir, "missing", O_RDONLY) != -1 || errno != ENOENT)
		_exit(57);
	if (unlinkat(fx_dir, "entry", AT_REMOVEDIR) == -1)
		_exit(58);
}

/* What attestd does in its own configfs-tsm entry: no mkdir, no rmdir. */
static void
works_attest_entry(void)
{
	char	buf[sizeof(TEST_CONTENT)];
	int	fd;

	works_attest();
	if ((fd = openat(fx_dir, "attr", O_WRONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1 || write(fd, "E", 1) != 1 || close(fd) == -1)
		_exit(60);
	if ((fd = openat(fx_dir, "attr", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1 || read(fd, buf, sizeof(buf)) !=
	    sizeof(TEST_CONTENT) - 1 || buf[0] != 'E' || close(fd) == -1)
		_exit(61);
	if (openat(fx_dir, "missing", O_RDONLY) != -1 || errno != ENOENT)
		_exit(62);
}

/* The tsm fixture lives at a path the parent can remove afterwards. */
static void
tsm_path(char *path, size_t len, pid_t parent)
{
	(void)snprintf(path, len, "%s.%ld", TEST_TSM_DIR, (long)parent);
}

static struct sandbox_rule *
attest_build_dev(size_t *n)
{
	return attest_filter_build(fx_pipe[0], -1, -1, n);
}

/* A directory with one attribute, "attr"; exits on failure. */
static int
tsm_fixture(void)
{
	char	path[128];
	int	fd;

	tsm_path(path, sizeof(path), getppid());
	if ((mkdir(path, 0700) == -1 && errno != EEXIST) ||
	    (fx_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		_exit(98);
	if ((fd = openat(fx_dir, "attr", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1 || write(fd, TEST_CONTENT,
	    sizeof(TEST_CONTENT) - 1) != sizeof(TEST_CONTENT) - 1 ||
	    close(fd) == -1)
		_exit(99);
	(void)unlinkat(fx_dir, "entry", AT_REMOVEDIR);
	return fx_dir;
}

static struct sandbox_rule *
attest_build_tsm(size_t *n)
{
	return attest_filter_build(-1, -1, tsm_fixture(), n);
}

static struct sandbox_rule *
attest_build_entry(size_t *n)
{
	return attest_filter_build(-1, tsm_fixture(), -1, n);
}

static void
tsm_clean(void)
{
	char	path[128], file[160];

	tsm_path(path, sizeof(path), getpid());
	(void)snprintf(file, sizeof(file), "%s/attr", path);
	(void)unlink(file);
	(void)snprintf(file, sizeof(file), "%s/entry", path);
	(void)rmdir(file);
	(void)rmdir(path);
}

static void
works_key(void)
{
	char	buf[sizeof(TEST_CONTENT) - 1];
	int	mfd, dfd;

	works_common();
	/* HashCache: read, then rewritten in place. */
	if (pread(fx_file, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    memcmp(buf, TEST_CONTENT, sizeof(buf)) != 0)
		_exit(60);
	if (pwrite(fx_file, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    ftruncate(fx_file, (off_t)sizeof(buf)) == -1)
		_exit(61);
	/* A decrypted model: a memfd, written, sealed, then read-only. */
	if ((mfd = memfd_create("power-model", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1 ||
	    ftruncate(mfd, (off_t)sizeof(buf)) == -1 ||
	    pwrite(mfd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		_exit(62);
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		_exit(63);
	if (pwrite(mfd, buf, 1, 0) != -1 || errno != EPERM)
		_exit(64);
	/* Each inferd gets its own copy of the descriptor. */
	if ((dfd = dup(mfd)) == -1 || close(dfd) == -1 || close(mfd) == -1)
		_exit(65);
}

/* inferd */

static const struct call infer_files[] = {
	{ "open", call_open },
	{ "openat", call_openat },
	{ "openat2", call_openat2 },
	{ "creat", call_creat },
};

static const struct call infer_sockets[] = {
	{ "socket", call_socket },
	{ "socketpair", call_socketpair },
	{ "connect", call_connect },
	{ "bind", call_bind },
	{ "listen", call_listen },
	{ "accept4", call_accept4 },
};

static const struct call infer_procs[] = {
	{ "execve", call_execve },
	{ "execveat", call_execveat },
	{ "ptrace", call_ptrace },
	{ "fork", call_fork },
	{ "vfork", call_vfork },
	{ "clone without CLONE_THREAD", call_clone_process },
	{ "process_vm_readv", call_process_vm_readv },
	{ "kill", call_kill },
};

static const struct call infer_exec_memory[] = {
	{ "mmap PROT_EXEC", call_mmap_exec },
	{ "mmap PROT_WRITE|PROT_EXEC", call_mmap_wx },
	{ "mmap of a file PROT_EXEC", call_mmap_file_exec },
	{ "mprotect PROT_EXEC", call_mprotect_exec },
	{ "pkey_mprotect", call_pkey_mprotect },
};

static const struct call infer_commands[] = {
	{ "prctl PR_SET_DUMPABLE", call_prctl_dumpable },
	{ "fcntl F_DUPFD", call_fcntl_dupfd },
	{ "memfd_create", call_memfd_create },
};

static void
test_infer_files(void)
{
	expect_killed(&infer, infer_files, nitems(infer_files));
}

static void
test_infer_sockets(void)
{
	expect_killed(&infer, infer_sockets, nitems(infer_sockets));
}

static void
test_infer_procs(void)
{
	expect_killed(&infer, infer_procs, nitems(infer_procs));
}

static void
test_infer_exec_memory(void)
{
	expect_killed(&infer, infer_exec_memory, nitems(infer_exec_memory));
}

static void
test_infer_commands(void)
{
	expect_killed(&infer, infer_commands, nitems(infer_commands));
}

static void
test_infer_works(void)
{
	expect_works(&infer, works_infer);
}

/* frontd network child */

static const struct call front_forbidden[] = {
	{ "socket", call_socket },
	{ "socketpair", call_socketpair },
	{ "connect", call_connect },
	{ "bind", call_bind },
	{ "listen", call_listen },
	{ "openat", call_openat },
	{ "execve", call_execve },
	{ "clone without CLONE_THREAD", call_clone_process },
	{ "clone with CLONE_THREAD", call_clone_thread },
	{ "pthread_create (clone3)", call_pthread },
	{ "fork", call_fork },
	{ "mmap PROT_EXEC", call_mmap_exec },
	{ "mprotect PROT_EXEC", call_mprotect_exec },
	{ "pread64", call_pread },
};

static const struct call front_arguments[] = {
	{ "ioctl TCGETS", call_ioctl_tcgets },
	{ "ioctl 0x12345678", call_ioctl_random },
	{ "setsockopt SO_ATTACH_FILTER", call_setsockopt_filter },
	{ "fcntl F_DUPFD", call_fcntl_dupfd },
	{ "prctl PR_SET_DUMPABLE", call_prctl_dumpable },
};

static void
test_front_forbidden(void)
{
	expect_killed(&front, front_forbidden, nitems(front_forbidden));
}

static void
test_front_arguments(void)
{
	expect_killed(&front, front_arguments, nitems(front_arguments));
}

static void
test_front_works(void)
{
	fx_loopback = 1;
	expect_works(&front, works_front);
	fx_loopback = 0;
}

/* attestd */

static const struct call attest_ioctls[] = {
	{ "ioctl 0x12345678", call_ioctl_random },
	{ "ioctl TCGETS", call_ioctl_tcgets },
	{ "ioctl SNP_GET_DERIVED_KEY", call_ioctl_snp_derived_key },
};

static const struct call attest_forbidden[] = {
	{ "openat", call_openat },
	{ "socket", call_socket },
	{ "execve", call_execve },
	{ "clone without CLONE_THREAD", call_clone_process },
	{ "pthread_create (clone3)", call_pthread },
	{ "mmap PROT_EXEC", call_mmap_exec },
	{ "memfd_create", call_memfd_create },
};

static void
test_attest_ioctls(void)
{
	expect_killed(&attest, attest_ioctls, nitems(attest_ioctls));
}

static void
test_attest_forbidden(void)
{
	expect_killed(&attest, attest_forbidden, nitems(attest_forbidden));
}

static void
test_attest_works(void)
{
	expect_works(&attest, works_attest);
}

/* Without the fds, neither the SNP requests nor configfs calls pass. */
static const struct call attest_fd_calls[] = {
	{ "ioctl SNP_GET_REPORT", call_ioctl_snp_report },
	{ "mkdirat", call_mkdirat_cwd },
};

static const struct call attest_dev_bad[] = {
	{ "ioctl SNP_GET_REPORT on another fd", call_ioctl_snp_wrong_fd },
	{ "ioctl SNP_GET_DERIVED_KEY", call_ioctl_snp_derived_key },
	{ "ioctl 0x12345678", call_ioctl_random },
	{ "mkdirat", call_mkdirat_cwd },
};

static const struct call attest_tsm_bad[] = {
	{ "mkdirat relative to the cwd", call_mkdirat_cwd },
	{ "mkdirat relative to another fd", call_mkdirat_other_fd },
	{ "openat O_CREAT", call_openat_dir_creat },
	{ "openat O_TRUNC", call_openat_dir_trunc },
	{ "openat O_TMPFILE", call_openat_dir_tmpfile },
	{ "openat relative to the cwd", call_openat },
	{ "unlinkat of a file", call_unlinkat_file },
	{ "unlinkat relative to the cwd", call_unlinkat_cwd },
	{ "ioctl SNP_GET_REPORT", call_ioctl_snp_report },
};

static void
test_attest_fd_rules_absent(void)
{
	expect_killed(&attest, attest_fd_calls, nitems(attest_fd_calls));
}

static void
test_attest_dev(void)
{
	expect_works(&attest_dev, works_attest_dev);
	expect_killed(&attest_dev, attest_dev_bad, nitems(attest_dev_bad));
}

static void
test_attest_tsm(void)
{
	expect_works(&attest_tsm, works_attest_tsm);
	expect_killed(&attest_tsm, attest_tsm_bad, nitems(attest_tsm_bad));
	tsm_clean();
}

static const struct call attest_entry_bad[] = {
	{ "mkdirat relative to the entry", call_mkdirat_dir },
	{ "unlinkat relative to the entry", call_unlinkat_dir },
	{ "mkdirat relative to the cwd", call_mkdirat_cwd },
	{ "openat O_CREAT", call_openat_dir_creat },
	{ "openat O_TRUNC", call_openat_dir_trunc },
	{ "openat O_TMPFILE", call_openat_dir_tmpfile },
	{ "openat relative to the cwd", call_openat },
	{ "unlinkat of a file", call_unlinkat_file },
	{ "ioctl SNP_GET_REPORT", call_ioctl_snp_report },
};

static void
test_attest_entry(void)
{
	expect_works(&attest_entry, works_attest_entry);
	expect_killed(&attest_entry, attest_entry_bad,
	    nitems(attest_entry_bad));
	tsm_clean();
}

/* keyd */

static const struct call key_forbidden[] = {
	{ "ioctl FIONBIO", call_ioctl_fionbio },
	{ "ioctl TCGETS", call_ioctl_tcgets },
	{ "openat", call_openat },
	{ "socket", call_socket },
	{ "execve", call_execve },
	{ "fcntl F_DUPFD", call_fcntl_dupfd },
	{ "clone without CLONE_THREAD", call_clone_process },
	{ "pthread_create (clone3)", call_pthread },
	{ "mmap PROT_EXEC", call_mmap_exec },
	{ "prctl PR_SET_DUMPABLE", call_prctl_dumpable },
};

static void
test_key_forbidden(void)
{
	expect_killed(&key, key_forbidden, nitems(key_forbidden));
}

static void
test_key_works(void)
{
	expect_works(&key, works_key);
}

/* Rule tables that libseccomp cannot take stop the process. */

static const struct sandbox_rule bad_action[] = {
	{ SCMP_SYS(read), 7, 0, 0, { { 0, 0, 0, 0 } } },
};
static const struct sandbox_rule bad_nargs[] = {
	{ SCMP_SYS(read), SANDBOX_ALLOW, 0, SANDBOX_MAX_ARGS + 1,
	    { { 0, 0, 0, 0 } } },
};
static const struct sandbox_rule bad_op[] = {
	{ SCMP_SYS(read), SANDBOX_ALLOW, 0, 1, { { 0, 99, 0, 0 } } },
};
static const size_t bad_len = 1;

static void
call_nothing(void)
{
}

static void
test_bad_tables(void)
{
	const struct filter	 bad[] = {
		{ "a rule with an unknown action", bad_action, &bad_len,
		    NULL },
		{ "a rule with too many arguments", bad_nargs, &bad_len,
		    NULL },
		{ "a rule with an unknown comparison", bad_op, &bad_len,
		    NULL },
	};
	char			 out[TEST_CHILD_OUT_BYTES];
	size_t			 i;
	int			 status;

	for (i = 0; i < nitems(bad); i++) {
		if (child_run(&bad[i], call_nothing, &status, out,
		    sizeof(out)) == -1) {
			CU_FAIL("fork");
			continue;
		}
		/* fatal(): a plain non-zero exit naming the call. */
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) != 0);
		CU_ASSERT(strstr(out, "read (") != NULL);
	}
}
#endif /* SANDBOX_SECCOMP */

/* rlimits, capabilities, no_new_privs */

static void
rlimits_set(void)
{
	struct sandbox_limits	sl;
	struct rlimit		rl = { 128, 128 }, nproc;
	cap_t			now, empty;
	cap_flag_value_t	setpcap;
	int			root = sandbox_privileged();

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    getrlimit(RLIMIT_NPROC, &nproc) == -1)
		_exit(2);
	if ((now = cap_get_proc()) == NULL ||
	    cap_get_flag(now, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap) == -1)
		_exit(2);
	cap_free(now);
	sl.sl_nofile = 64;
	sl.sl_nproc = 16;
	sl.sl_fsize = 0;
	sandbox_rlimits(&sl);
	sandbox_caps_clear();

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur != 64 ||
	    rl.rlim_max != 64)
		_exit(3);
	if (getrlimit(RLIMIT_FSIZE, &rl) == -1 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)
		_exit(4);
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)
		_exit(5);
	if (getrlimit(RLIMIT_NPROC, &rl) == -1)
		_exit(6);
	/* Unprivileged runs leave RLIMIT_NPROC alone. */
	if (root && (rl.rlim_cur != 16 || rl.rlim_max != 16))
		_exit(7);
	if (!root && (rl.rlim_cur != nproc.rlim_cur ||
	    rl.rlim_max != nproc.rlim_max))
		_exit(8);

	if ((now = cap_get_proc()) == NULL || (empty = cap_init()) == NULL ||
	    cap_compare(now, empty) != 0)
		_exit(9);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE,
	    0, 0) == 1)
		_exit(10);
	/* With CAP_SETPCAP (root) the bounding set went too. */
	if (setpcap == CAP_SET &&
	    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		_exit(11);
}

static void
rlimits_never_raised(void)
{
	struct sandbox_limits	sl;
	struct rlimit		nofile = { 32, 32 }, fsize = { 4096, 4096 };
	struct rlimit		rl;

	if (setrlimit(RLIMIT_NOFILE, &nofile) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &fsize) == -1)
		_exit(2);
	sl.sl_nofile = 4096;
	sl.sl_nproc = RLIM_INFINITY;
	sl.sl_fsize = RLIM_INFINITY;
	sandbox_rlimits(&sl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur != 32 ||
	    rl.rlim_max != 32)
		_exit(3);
	if (getrlimit(RLIMIT_FSIZE, &rl) == -1 || rl.rlim_cur != 4096 ||
	    rl.rlim_max != 4096)
		_exit(4);
}

static void
no_new_privs_set(void)
{
	sandbox_no_new_privs();
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		_exit(2);
}

static void
test_rlimits_caps(void)
{
	expect_works(NULL, rlimits_set);
}

static void
test_rlimits_never_raised(void)
{
	expect_works(NULL, rlimits_never_raised);
}

static void
test_no_new_privs(void)
{
	expect_works(NULL, no_new_privs_set);
}

/* sandbox_check_dir */

static char	tmpbase[64];

static int
dir_make(char *path, size_t len, const char *name, mode_t mode)
{
	if ((size_t)snprintf(path, len, "%s/%s", tmpbase, name) >= len)
		return -1;
	if (mkdir(path, 0700) == -1 || chmod(path, mode) == -1)
		return -1;
	return 0;
}

static void
test_check_dir_rejects(void)
{
	char	path[256], file[300], err[512];
	int	fd;

	CU_ASSERT(sandbox_check_dir(tmpbase, NULL, 0) == PWR_ERR_INTERNAL);
	CU_ASSERT(sandbox_check_dir(NULL, err, sizeof(err)) ==
	    PWR_ERR_INTERNAL);

	CU_ASSERT(sandbox_check_dir("var/empty", err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "absolute") != NULL);

	(void)snprintf(path, sizeof(path), "%s/missing", tmpbase);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) ==
	    PWR_ERR_SYSTEM_ERROR);
	CU_ASSERT(strstr(err, "missing") != NULL);

	(void)snprintf(path, sizeof(path), "%s/file", tmpbase);
	CU_ASSERT_FATAL((fd = open(path, O_CREAT | O_WRONLY, 0644)) != -1);
	close(fd);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "not a directory") != NULL);

	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "world", 0777) == 0);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "writable") != NULL);

	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "group", 0775) == 0);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "writable") != NULL);

	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "full", 0755) == 0);
	(void)snprintf(file, sizeof(file), "%s/.hidden", path);
	CU_ASSERT_FATAL((fd = open(file, O_CREAT | O_WRONLY, 0644)) != -1);
	close(fd);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "not empty") != NULL);

	/* A symlink to a good directory is still refused. */
	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "target", 0755) == 0);
	(void)snprintf(file, sizeof(file), "%s/link", tmpbase);
	CU_ASSERT_FATAL(symlink(path, file) == 0);
	CU_ASSERT(sandbox_check_dir(file, err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "not a directory") != NULL);

	if (skip_unless(sandbox_privileged(), "ownership needs root"))
		return;
	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "owned", 0755) == 0);
	CU_ASSERT_FATAL(chown(path, TEST_UID, TEST_GID) == 0);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) ==
	    PWR_ERR_CONFIG);
	CU_ASSERT(strstr(err, "not owned by root") != NULL);
}

static void
test_check_dir_accepts(void)
{
	char	path[256], err[512];

	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "empty", 0755) == 0);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) == 0);
	CU_ASSERT(err[0] == '\0');
	CU_ASSERT_FATAL(dir_make(path, sizeof(path), "private", 0700) == 0);
	CU_ASSERT(sandbox_check_dir(path, err, sizeof(err)) == 0);
}

/* sandbox_drop */

static char		drop_dir[256];
static struct stat	drop_st;

static void
drop_verify(int chrooted)
{
	struct stat	st;
	uid_t		ru, eu, su;
	gid_t		rg, eg, sg, groups[4];

	if (getresuid(&ru, &eu, &su) == -1 || ru != TEST_UID ||
	    eu != TEST_UID || su != TEST_UID)
		_exit(2);
	if (getresgid(&rg, &eg, &sg) == -1 || rg != TEST_GID ||
	    eg != TEST_GID || sg != TEST_GID)
		_exit(3);
	if (getgroups(4, groups) != 1 || groups[0] != TEST_GID)
		_exit(4);
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setgroups(0, NULL) != -1)
		_exit(5);
	if (stat("/", &st) == -1)
		_exit(6);
	if (chrooted && (st.st_dev != drop_st.st_dev ||
	    st.st_ino != drop_st.st_ino))
		_exit(7);
	if (!chrooted && (st.st_dev == drop_st.st_dev &&
	    st.st_ino == drop_st.st_ino))
		_exit(8);
}

static void
drop_chroot(void)
{
	sandbox_drop(drop_dir, TEST_UID, TEST_GID);
	drop_verify(1);
}

static void
drop_nochroot(void)
{
	sandbox_drop(NULL, TEST_UID, TEST_GID);
	drop_verify(0);
}

static void
drop_full_order(void)
{
	struct sandbox_limits	sl = { 32, 4, 0 };

	sandbox_drop(drop_dir, TEST_UID, TEST_GID);
	sandbox_caps_clear();
	sandbox_rlimits(&sl);
	sandbox_no_new_privs();
#ifdef SANDBOX_SECCOMP
	sandbox_seccomp("test", infer_filter, infer_filter_len);
#endif
	if (getuid() != TEST_UID)
		_exit(2);
#ifdef SANDBOX_SECCOMP
	call_openat();		/* must not return */
	_exit(3);
#endif
}

static void
drop_unprivileged(void)
{
	struct stat	st;
	uid_t		ru, eu, su, uid = getuid();

	sandbox_drop(drop_dir, 0, 0);
	if (getresuid(&ru, &eu, &su) == -1 || ru != uid || eu != uid ||
	    su != uid)
		_exit(2);
	if (stat("/", &st) == -1 || (st.st_dev == drop_st.st_dev &&
	    st.st_ino == drop_st.st_ino))
		_exit(3);
}

static int
drop_prepare(void)
{
	if ((size_t)snprintf(drop_dir, sizeof(drop_dir), "%s/chroot.XXXXXX",
	    tmpbase) >= sizeof(drop_dir) || mkdtemp(drop_dir) == NULL ||
	    chmod(drop_dir, 0755) == -1 || stat(drop_dir, &drop_st) == -1)
		return -1;
	return 0;
}

static void
test_drop_chroot(void)
{
	if (skip_unless(sandbox_privileged(), "needs root"))
		return;
	CU_ASSERT_FATAL(drop_prepare() == 0);
	expect_works(NULL, drop_chroot);
}

static void
test_drop_nochroot(void)
{
	if (skip_unless(sandbox_privileged(), "needs root"))
		return;
	CU_ASSERT_FATAL(drop_prepare() == 0);
	expect_works(NULL, drop_nochroot);
}

static void
test_drop_bad_chroot(void)
{
	char	out[TEST_CHILD_OUT_BYTES], file[300];
	int	status, fd;

	if (skip_unless(sandbox_privileged(), "needs root"))
		return;
	CU_ASSERT_FATAL(drop_prepare() == 0);
	(void)snprintf(file, sizeof(file), "%s/etc", drop_dir);
	CU_ASSERT_FATAL((fd = open(file, O_CREAT | O_WRONLY, 0644)) != -1);
	close(fd);
	CU_ASSERT_FATAL(child_run(NULL, drop_chroot, &status, out,
	    sizeof(out)) == 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	CU_ASSERT(strstr(out, "not empty") != NULL);
}

static void
test_drop_full_order(void)
{
	char	out[TEST_CHILD_OUT_BYTES];
	int	status;

	if (skip_unless(sandbox_privileged(), "needs root"))
		return;
	CU_ASSERT_FATAL(drop_prepare() == 0);
	CU_ASSERT_FATAL(child_run(NULL, drop_full_order, &status, out,
	    sizeof(out)) == 0);
#ifdef SANDBOX_SECCOMP
	CU_ASSERT(child_killed(status, out));
#else
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
}

static void
test_drop_unprivileged(void)
{
	if (skip_unless(!sandbox_privileged(), "runs only without root"))
		return;
	CU_ASSERT_FATAL(drop_prepare() == 0);
	expect_works(NULL, drop_unprivileged);
}

/* Suite */

static int
suite_init(void)
{
	const char	*tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(tmpbase, sizeof(tmpbase), "%s/power-sb.XXXXXX",
	    tmp) >= sizeof(tmpbase) || mkdtemp(tmpbase) == NULL)
		return -1;
	return 0;
}

static int
suite_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) == -1 ? -1 : 0;
}

static int
suite_clean(void)
{
	/* Depth first and without following the test's symlink. */
	return nftw(tmpbase, suite_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static const struct {
	const char	*t_name;
	void		(*t_fn)(void);
} sandbox_tests[] = {
#ifdef SANDBOX_SECCOMP
	{ "inferd: opening files kills", test_infer_files },
	{ "inferd: sockets kill", test_infer_sockets },
	{ "inferd: exec, ptrace, new processes and kill kill",
	    test_infer_procs },
	{ "inferd: executable memory kills", test_infer_exec_memory },
	{ "inferd: other prctl/fcntl commands and memfd kill",
	    test_infer_commands },
	{ "inferd: loop, threads, fd passing and mmap work",
	    test_infer_works },
	{ "frontd: sockets, files, clone and threads kill",
	    test_front_forbidden },
	{ "frontd: other ioctls, socket filters and commands kill",
	    test_front_arguments },
	{ "frontd: accepting and serving a connection works",
	    test_front_works },
	{ "attestd: ioctls other than SNP reports and FIONBIO kill",
	    test_attest_ioctls },
	{ "attestd: files, sockets, threads and exec memory kill",
	    test_attest_forbidden },
	{ "attestd: the loop works", test_attest_works },
	{ "attestd: no SNP ioctl or configfs call without their fd",
	    test_attest_fd_rules_absent },
	{ "attestd: SNP requests only on the device fd", test_attest_dev },
	{ "attestd: configfs-tsm fallback calls only in the report directory",
	    test_attest_tsm },
	{ "attestd: configfs-tsm entry: openat only, never mkdir or rmdir",
	    test_attest_entry },
	{ "keyd: ioctl, files, sockets, exec and threads kill",
	    test_key_forbidden },
	{ "keyd: frames, the loop, HashCache and sealed memfds work",
	    test_key_works },
	{ "bad rule tables are fatal", test_bad_tables },
#endif
	{ "drop: a non-empty chroot is fatal", test_drop_bad_chroot },
	{ "drop: root becomes nobody inside the empty chroot",
	    test_drop_chroot },
	{ "drop: without a chroot only the ids change", test_drop_nochroot },
	{ "drop: full order, then a forbidden call kills",
	    test_drop_full_order },
	{ "drop: unprivileged changes nothing", test_drop_unprivileged },
	{ "rlimits are set and capabilities cleared", test_rlimits_caps },
	{ "rlimits are never raised; RLIM_INFINITY leaves them",
	    test_rlimits_never_raised },
	{ "no_new_privs is set", test_no_new_privs },
	{ "check_dir rejects unsafe chroot directories",
	    test_check_dir_rejects },
	{ "check_dir accepts an empty directory", test_check_dir_accepts },
};

int
sandbox_suite(void)
{
	CU_pSuite	s;
	size_t		i;

	if ((s = CU_add_suite("sandbox", suite_init, suite_clean)) == NULL)
		return -1;
	for (i = 0; i < nitems(sandbox_tests); i++)
		if (CU_add_test(s, sandbox_tests[i].t_name,
		    sandbox_tests[i].t_fn) == NULL)
			return -1;
	return 0;
}
