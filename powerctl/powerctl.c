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
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"

/*
 * powerctl: ask the running frontd parent, over its control socket,
 * how the family is doing, or tell it to reload or to rotate keys.
 */

#define CTL_TIMEOUT_MS		5000	/* the parent answers at once */

static void	usage(void) __attribute__((noreturn));
static int	ctl_connect(const char *);
static int	ctl_read(struct proto_chan *, struct proto_msg *);
static int	ctl_status(struct proto_chan *);
static int	ctl_done(struct proto_chan *, const char *, const char *);
static void	ctl_uptime(uint64_t, char *, size_t);

static const struct proto_perm ctl_perms[] = {
	{ PROTO_ADM_STATUS, 0 },
	{ PROTO_ADM_STATUS_END, 0 },
	{ PROTO_ADM_OK, 0 },
	{ PROTO_ADM_ERROR, 0 },
};

static void
usage(void)
{
	fprintf(stderr, "usage: powerctl [-s socket] status | reload | "
	    "rotate-key\n");
	exit(1);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("connect %s (is frontd running?)", path);
	return fd;
}

static int
ctl_read(struct proto_chan *chan, struct proto_msg *msg)
{
	struct pollfd	pfd;
	int		r;

	for (;;) {
		memset(msg, 0, sizeof(*msg));
		msg->pm_fd = -1;
		if ((r = proto_recv(chan, msg)) == 1)
			return 0;
		if (r < 0)
			fatalx("control socket: %s", pwr_err(r));
		pfd.fd = chan->pc_fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, CTL_TIMEOUT_MS)) == 0)
			fatalx("no answer from frontd in %d ms",
			    CTL_TIMEOUT_MS);
		if (r == -1 && errno != EINTR)
			fatal("poll");
	}
}

static void
ctl_uptime(uint64_t s, char *out, size_t len)
{
	if (s >= 86400)
		snprintf(out, len, "%llud%02lluh", (unsigned long long)s / 86400,
		    (unsigned long long)(s % 86400) / 3600);
	else if (s >= 3600)
		snprintf(out, len, "%lluh%02llum", (unsigned long long)s / 3600,
		    (unsigned long long)(s % 3600) / 60);
	else if (s >= 60)
		snprintf(out, len, "%llum%02llus", (unsigned long long)s / 60,
		    (unsigned long long)s % 60);
	else
		snprintf(out, len, "%llus", (unsigned long long)s);
}

static int
ctl_status(struct proto_chan *chan)
{
	struct proto_msg	 msg;
	char			*name, *state, *detail, up[32], uid[16];
	uint32_t		 pid, u, restarts;
	uint64_t		 uptime;
	int			 r;

	printf("%-8s %7s %6s %-10s %8s %7s  %s\n", "PROCESS", "PID", "UID",
	    "STATE", "RESTARTS", "UPTIME", "DETAIL");
	for (;;) {
		ctl_read(chan, &msg);
		if (msg.pm_hdr.type == PROTO_ADM_STATUS_END) {
			proto_msg_clear(&msg);
			return 0;
		}
		if (msg.pm_hdr.type != PROTO_ADM_STATUS)
			fatalx("unexpected %s",
			    proto_type_name(msg.pm_hdr.type));
		name = state = detail = NULL;
		r = buf_get_string(msg.pm_buf, &name, NULL);
		if (r == 0)
			r = buf_get_u32(msg.pm_buf, &pid);
		if (r == 0)
			r = buf_get_u32(msg.pm_buf, &u);
		if (r == 0)
			r = buf_get_string(msg.pm_buf, &state, NULL);
		if (r == 0)
			r = buf_get_u32(msg.pm_buf, &restarts);
		if (r == 0)
			r = buf_get_u64(msg.pm_buf, &uptime);
		if (r == 0)
			r = buf_get_string(msg.pm_buf, &detail, NULL);
		if (r == 0 && buf_len(msg.pm_buf) != 0)
			r = PWR_ERR_TRAILING_DATA;
		if (r != 0)
			fatalx("malformed status: %s", pwr_err(r));
		ctl_uptime(uptime, up, sizeof(up));
		if (u == UINT32_MAX)
			strlcpy(uid, "-", sizeof(uid));
		else
			snprintf(uid, sizeof(uid), "%u", u);
		printf("%-8s %7u %6s %-10s %8u %7s  %s\n", name, pid, uid,
		    state, restarts, pid ? up : "-", detail);
		free(name);
		free(state);
		free(detail);
		proto_msg_clear(&msg);
	}
}

/* ADM_OK or ADM_ERROR: what succeeded, or what failed and why. */
static int
ctl_done(struct proto_chan *chan, const char *done, const char *what)
{
	struct proto_msg	 msg;
	char			*err = NULL;
	int			 ret = 0;

	ctl_read(chan, &msg);
	if (msg.pm_hdr.type == PROTO_ADM_OK)
		printf("%s\n", done);
	else if (msg.pm_hdr.type == PROTO_ADM_ERROR &&
	    buf_get_string(msg.pm_buf, &err, NULL) == 0) {
		fprintf(stderr, "powerctl: %s failed: %s\n", what, err);
		ret = 1;
	} else
		fatalx("unexpected %s", proto_type_name(msg.pm_hdr.type));
	free(err);
	proto_msg_clear(&msg);
	return ret;
}

int
main(int argc, char **argv)
{
	struct proto_chan	 chan;
	const char		*path = POWER_RUNDIR "/control.sock";
	int			 ch, fd, r;
	uint32_t		 type;

	log_init(1, LOG_LEVEL_ERROR, 0);
	log_procinit("powerctl");
	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (strcmp(argv[0], "status") == 0)
		type = PROTO_ADM_STATUS_REQ;
	else if (strcmp(argv[0], "reload") == 0)
		type = PROTO_ADM_RELOAD;
	else if (strcmp(argv[0], "rotate-key") == 0)
		type = PROTO_ADM_ROTATE_KEY;
	else
		usage();

	fd = ctl_connect(path);
	if ((r = proto_chan_init(&chan, fd, PROTO_MAX_CTL_FRAME, ctl_perms,
	    sizeof(ctl_perms) / sizeof(ctl_perms[0]))) != 0 ||
	    (r = proto_compose(&chan, type, 1, -1, NULL, 0)) != 0 ||
	    (r = proto_flush(&chan)) != 0)
		fatalx("control socket: %s", pwr_err(r));
	if (type == PROTO_ADM_STATUS_REQ)
		r = ctl_status(&chan);
	else if (type == PROTO_ADM_RELOAD)
		r = ctl_done(&chan, "configuration reloaded", "reload");
	else
		r = ctl_done(&chan, "key rotated", "rotate-key");
	proto_chan_clear(&chan);
	close(fd);
	return r;
}
