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
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * fake-tsm: a configfs-tsm report directory emulated on a plain
 * directory, so the tests drive attestd's real configfs code path.
 *
 *	fake-tsm -t sev|tdx -r report [-b bumpfile] [-c vcek.der]
 *	    [-R readyfile] dir
 *
 * When a directory appears in dir (attestd's mkdir), a child fills it
 * as the kernel would and serves it for as long as the fake runs:
 * provider, generation, inblob, outblob and, for sev, auxblob and
 * privlevel.  As root, like the kernel, it makes them root's with the
 * kernel's modes (inblob and privlevel 0200, the rest 0444), so attestd
 * must give inblob away before it drops root.  inblob, outblob and
 * auxblob are FIFOs, so every open is a rendezvous with attestd;
 * generation is a plain file, replaced whole.  One round:
 *
 *	attestd				fake
 *	writes inblob, closes		reads inblob to EOF; generation + 1
 *	opens outblob			writes the fixture with inblob spliced
 *	reads generation, outblob
 *	reads auxblob			writes the GUID table with the VCEK
 *	reads generation
 *
 * Before the first round attestd (root) waits for provider, which
 * appears last, chowns inblob, may write privlevel and reads
 * generation.  A FIFO is replaced by a fresh one with the old one's
 * owner and mode (a chown sticks, as on configfs) before the fake
 * closes its end, so a later open never meets an old writer.  When
 * bumpfile exists at a round, the fake removes it and, in this round
 * and the next, moves the generation by two as if another process had
 * written inblob too: attestd must retry once and then fail.  Children
 * die with the fake (PR_SET_PDEATHSIG); the test kills the fake when it
 * ends.
 */

#define FAKE_RD_LEN		64
#define FAKE_SNP_RD_OFF		0x50	/* report_data in an SNP report */
#define FAKE_TDX_RD_OFF		(48 + 520)	/* quote v4: header, body */
#define FAKE_TDX_V5_RD_OFF	(48 + 6 + 520)	/* v5: type and size first */
#define FAKE_MAX_FILE		(64 * 1024)
#define FAKE_ENTRY_LEN		24	/* GUID, u32 offset, u32 length */
#define FAKE_ROUNDS_BUMP	2	/* attestd tries twice */

static void	fake_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static size_t	fake_load(const char *, unsigned char *, size_t);
static mode_t	fake_mode(mode_t);
static void	fake_fifo(int, const char *, mode_t);
static void	fake_file(int, const char *, const char *, mode_t);
static int	fake_open(int, const char *, int);
static void	fake_write_all(int, const unsigned char *, size_t,
		    const char *);
static void	fake_serve(int, const char *, const unsigned char *,
		    size_t);
static void	fake_entry(int, const char *);
static void	fake_table_build(const char *);
static void	fake_usage(void) __attribute__((noreturn));

static const char	*fake_type;		/* "sev" or "tdx" */
static const char	*fake_bumpfile;		/* -b, absolute */
static unsigned char	 fake_report[FAKE_MAX_FILE];
static size_t		 fake_report_len;
static size_t		 fake_rd_off;
static unsigned char	 fake_table[FAKE_MAX_FILE];
static size_t		 fake_table_len;
static uid_t		 fake_uid;
static gid_t		 fake_gid;

/* The VCEK GUID 63da758d-e664-4564-adc5-f4b93be8accd as hosts lay it out. */
static const unsigned char fake_vcek_guid[16] = {
	0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
	0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd
};

static void
fake_die(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	fprintf(stderr, "fake-tsm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	_exit(1);
}

static void
fake_usage(void)
{
	fprintf(stderr, "usage: fake-tsm -t sev|tdx -r report [-b bumpfile] "
	    "[-c vcek.der] [-R readyfile] dir\n");
	exit(2);
}

static size_t
fake_load(const char *path, unsigned char *p, size_t max)
{
	size_t	len = 0;
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		fake_die("%s", path);
	while ((n = read(fd, p + len, max - len)) > 0)
		if ((len += (size_t)n) == max)
			fake_die("%s: too large", path);
	if (n == -1)
		fake_die("%s", path);
	close(fd);
	return len;
}

/*
 * The kernel's mode as root; run as a user, the fake needs its own end
 * of each FIFO too, so the owner gets read and write.
 */
static mode_t
fake_mode(mode_t kernel)
{
	return geteuid() == 0 ? kernel : (kernel | 0600);
}

/*
 * A fresh FIFO at name, atomically replacing any old one, whose owner
 * and mode it keeps; a new one is the entry owner's with mode.
 */
static void
fake_fifo(int dfd, const char *name, mode_t mode)
{
	struct stat	st;
	char		tmp[NAME_MAX];
	uid_t		uid = fake_uid;
	gid_t		gid = fake_gid;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		uid = st.st_uid;
		gid = st.st_gid;
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT)
		fake_die("stat %s", name);
	snprintf(tmp, sizeof(tmp), ".%s.new", name);
	if (mkfifoat(dfd, tmp, mode) == -1 ||
	    fchownat(dfd, tmp, uid, gid, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fchmodat(dfd, tmp, mode, 0) == -1 ||
	    renameat(dfd, tmp, dfd, name) == -1)
		fake_die("fifo %s", name);
}

/* A regular file with its whole content at once (rename). */
static void
fake_file(int dfd, const char *name, const char *content, mode_t mode)
{
	char	tmp[NAME_MAX];
	int	fd;

	snprintf(tmp, sizeof(tmp), ".%s.new", name);
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		fake_die("%s", tmp);
	fake_write_all(fd, (const unsigned char *)content, strlen(content),
	    name);
	if (fchown(fd, fake_uid, fake_gid) == -1 || fchmod(fd, mode) == -1 ||
	    close(fd) == -1 || renameat(dfd, tmp, dfd, name) == -1)
		fake_die("file %s", name);
}

static int
fake_open(int dfd, const char *name, int flags)
{
	int	fd;

	while ((fd = openat(dfd, name, flags | O_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (fd == -1)
		fake_die("open %s", name);
	return fd;
}

static void
fake_write_all(int fd, const unsigned char *p, size_t len, const char *what)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			fake_die("write %s", what);
		}
		p += n;
		len -= (size_t)n;
	}
}

/* One blob into the FIFO name, when attestd opens it for reading. */
static void
fake_serve(int dfd, const char *name, const unsigned char *data,
    size_t len)
{
	int	fd;

	fd = fake_open(dfd, name, O_WRONLY);
	fake_fifo(dfd, name, 0);
	fake_write_all(fd, data, len, name);
	close(fd);
}

/* One report entry, served round after round as the comment at the top. */
static void
fake_entry(int dfd, const char *name)
{
	unsigned char	rd[FAKE_RD_LEN + 1];
	unsigned long	gen = 0;
	char		v[32];
	size_t		len;
	ssize_t		n;
	int		fd, bump = 0;
	int		sev = strcmp(fake_type, "sev") == 0;

	fake_file(dfd, "generation", "0\n", fake_mode(0444));
	fake_fifo(dfd, "inblob", fake_mode(0200));
	fake_fifo(dfd, "outblob", fake_mode(0444));
	if (sev) {
		fake_fifo(dfd, "auxblob", fake_mode(0444));
		fake_file(dfd, "privlevel", "", fake_mode(0200));
	}
	fake_file(dfd, "provider", sev ? "sev_guest\n" : "tdx_guest\n",
	    fake_mode(0444));

	for (;;) {
		fd = fake_open(dfd, "inblob", O_RDONLY);
		fake_fifo(dfd, "inblob", 0);
		len = 0;
		while ((n = read(fd, rd + len, sizeof(rd) - len)) > 0)
			len += (size_t)n;
		close(fd);
		if (len != FAKE_RD_LEN) {
			errno = EINVAL;
			fake_die("%s: inblob of %zu bytes", name, len);
		}
		if (fake_bumpfile != NULL && unlink(fake_bumpfile) == 0)
			bump = FAKE_ROUNDS_BUMP;
		/* Ours, and another process's in a bumped round. */
		gen += bump > 0 ? 2 : 1;
		if (bump > 0)
			bump--;
		snprintf(v, sizeof(v), "%lu\n", gen);
		fake_file(dfd, "generation", v, fake_mode(0444));

		memcpy(fake_report + fake_rd_off, rd, FAKE_RD_LEN);
		fake_serve(dfd, "outblob", fake_report, fake_report_len);
		if (sev)
			fake_serve(dfd, "auxblob", fake_table, fake_table_len);
	}
}

/* A GUID table with one entry, the VCEK, then its terminator. */
static void
fake_table_build(const char *vcek)
{
	unsigned char	der[FAKE_MAX_FILE / 2];
	size_t		len = fake_load(vcek, der, sizeof(der));
	uint32_t	off = 2 * FAKE_ENTRY_LEN, l32 = (uint32_t)len;

	memset(fake_table, 0, 2 * FAKE_ENTRY_LEN);
	memcpy(fake_table, fake_vcek_guid, sizeof(fake_vcek_guid));
	/* Little-endian on the x86 hosts that have SEV-SNP. */
	memcpy(fake_table + 16, &off, 4);
	memcpy(fake_table + 20, &l32, 4);
	memcpy(fake_table + off, der, len);
	fake_table_len = off + len;
}

int
main(int argc, char **argv)
{
	char			 ev[sizeof(struct inotify_event) + NAME_MAX + 1]
				    __attribute__((aligned(8)));
	const char		*report = NULL, *vcek = NULL, *ready = NULL;
	struct inotify_event	*ie;
	struct sigaction	 sa;
	struct stat		 st;
	ssize_t			 n, off;
	pid_t			 parent = getpid();
	int			 c, in, dfd;

	while ((c = getopt(argc, argv, "b:c:R:r:t:")) != -1) {
		switch (c) {
		case 'b':
			fake_bumpfile = optarg;
			break;
		case 'c':
			vcek = optarg;
			break;
		case 'R':
			ready = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		case 't':
			fake_type = optarg;
			break;
		default:
			fake_usage();
		}
	}
	if (argc - optind != 1 || report == NULL || fake_type == NULL ||
	    (strcmp(fake_type, "sev") != 0 && strcmp(fake_type, "tdx") != 0) ||
	    (strcmp(fake_type, "sev") == 0 && vcek == NULL))
		fake_usage();

	fake_report_len = fake_load(report, fake_report, sizeof(fake_report));
	if (strcmp(fake_type, "sev") == 0) {
		fake_rd_off = FAKE_SNP_RD_OFF;
		fake_table_build(vcek);
	} else
		fake_rd_off = fake_report[0] == 5 ? FAKE_TDX_V5_RD_OFF :
		    FAKE_TDX_RD_OFF;
	if (fake_report_len < fake_rd_off + FAKE_RD_LEN) {
		errno = EINVAL;
		fake_die("%s: too short", report);
	}

	/* Nobody waits for the children. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		fake_die("sigaction");

	if ((in = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(in, argv[optind], IN_CREATE | IN_ONLYDIR) == -1)
		fake_die("inotify %s", argv[optind]);
	if (ready != NULL && (c = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0644)) != -1)
		close(c);

	for (;;) {
		if ((n = read(in, ev, sizeof(ev))) == -1) {
			if (errno == EINTR)
				continue;
			fake_die("inotify read");
		}
		for (off = 0; off < n; off += (ssize_t)sizeof(*ie) + ie->len) {
			ie = (struct inotify_event *)(ev + off);
			if ((ie->mask & IN_ISDIR) == 0 || ie->len == 0)
				continue;
			switch (fork()) {
			case -1:
				fake_die("fork");
			case 0:
				if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
				    getppid() != parent)
					_exit(1);
				if (chdir(argv[optind]) == -1 ||
				    (dfd = open(ie->name, O_RDONLY |
				    O_DIRECTORY | O_CLOEXEC)) == -1 ||
				    fstat(dfd, &st) == -1)
					fake_die("%s", ie->name);
				/* Files belong to whoever made the entry. */
				fake_uid = st.st_uid;
				fake_gid = st.st_gid;
				fake_entry(dfd, ie->name);
				_exit(0);
			default:
				break;
			}
		}
	}
	/* NOTREACHED */
}
