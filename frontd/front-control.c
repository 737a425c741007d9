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
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"
#include "proc.h"
#include "xmalloc.h"
#include "frontd.h"

/*
 * The admin control socket: a UNIX socket, mode 0660, owned by root and
 * AdminGroup, served by the parent.  powerctl speaks the same framing
 * as the family.  A client that breaks the protocol is disconnected; it
 * is not a process of ours, so nothing else happens to it.
 */

struct admin {
	struct proc_peer	 ad_peer;
	struct front_parent	*ad_fp;
	int			 ad_used;
	uint32_t		 ad_rotating;	/* request id, 0: none */
};

static void	control_accept(evutil_socket_t, short, void *);
static int	control_allowed(struct front_parent *, int);
static void	control_lost(struct proc_peer *, int, const char *);
static void	control_dispatch_status(struct proc_peer *,
		    struct proto_msg *);
static void	control_dispatch_reload(struct proc_peer *,
		    struct proto_msg *);
static void	control_dispatch_rotate(struct proc_peer *,
		    struct proto_msg *);
static void	control_error(struct proc_peer *, uint32_t, const char *);
static void	control_send_one(struct proc_peer *, uint32_t, const char *,
		    pid_t, uid_t, const char *, unsigned int, uint64_t,
		    const char *);

static struct admin	control_admins[FRONT_MAX_ADMIN];

static const struct proto_perm control_perms[] = {
	{ PROTO_ADM_STATUS_REQ, 0 },
	{ PROTO_ADM_RELOAD, 0 },
	{ PROTO_ADM_ROTATE_KEY, 0 },
};

static const struct proc_handler control_handlers[] = {
	{ PROTO_ADM_STATUS_REQ, control_dispatch_status },
	{ PROTO_ADM_RELOAD, control_dispatch_reload },
	{ PROTO_ADM_ROTATE_KEY, control_dispatch_rotate },
	{ 0, NULL }
};

void
control_init(struct front_parent *fp)
{
	const char		*path = config_str(fp->fp_conf,
				    CONF_KW_CONTROLSOCKET);
	struct sockaddr_un	 sun;
	struct group		*gr;
	char			 dir[PATH_MAX];
	mode_t			 old;
	int			 fd;

	fp->fp_admingid = getgid();
	if (fp->fp_separate) {
		if ((gr = getgrnam(config_str(fp->fp_conf,
		    CONF_KW_ADMINGROUP))) == NULL)
			fatalx("AdminGroup %s: no such group",
			    config_str(fp->fp_conf, CONF_KW_ADMINGROUP));
		fp->fp_admingid = gr->gr_gid;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("ControlSocket %s: path too long", path);
	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		fatalx("ControlSocket %s: path too long", path);
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", dir);

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		fatal("control socket");
	/* Remove a stale socket; refuse to replace anything else. */
	if (unlink(path) == -1 && errno != ENOENT)
		fatal("unlink %s", path);
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	umask(old);
	if (chown(path, fp->fp_separate ? 0 : getuid(), fp->fp_admingid) ==
	    -1 || chmod(path, 0660) == -1)
		fatal("ControlSocket %s: owner or mode", path);
	if (listen(fd, FRONT_MAX_ADMIN) == -1)
		fatal("listen %s", path);
	fp->fp_ctlfd = fd;
	fp->fp_ctlev = event_new(fp->fp_base, fd, EV_READ | EV_PERSIST,
	    control_accept, fp);
	event_add(fp->fp_ctlev, NULL);
}

void
control_cleanup(struct front_parent *fp)
{
	if (fp->fp_ctlev == NULL)
		return;
	event_free(fp->fp_ctlev);
	fp->fp_ctlev = NULL;
	close(fp->fp_ctlfd);
	(void)unlink(config_str(fp->fp_conf, CONF_KW_CONTROLSOCKET));
}

/*
 * The file mode already keeps others out; the peer's credentials are
 * checked again in case the socket was made reachable another way.
 */
static int
control_allowed(struct front_parent *fp, int fd)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	struct passwd	*pw;
	gid_t		 groups[NGROUPS_MAX];
	int		 n = NGROUPS_MAX, i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return 0;
	if (cred.uid == 0 || cred.uid == geteuid() ||
	    cred.gid == fp->fp_admingid)
		return 1;
	if ((pw = getpwuid(cred.uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == fp->fp_admingid)
			return 1;
	return 0;
}

static void
control_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct front_parent	*fp = arg;
	struct admin		*ad = NULL;
	size_t			 i;
	int			 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("control accept");
		return;
	}
	if (!control_allowed(fp, fd)) {
		log_ratelimit("control socket: connection refused: "
		    "not root or AdminGroup");
		close(fd);
		return;
	}
	for (i = 0; i < FRONT_MAX_ADMIN; i++)
		if (!control_admins[i].ad_used) {
			ad = &control_admins[i];
			break;
		}
	if (ad == NULL) {
		log_ratelimit("control socket: too many clients");
		close(fd);
		return;
	}
	ad->ad_used = 1;
	ad->ad_fp = fp;
	ad->ad_rotating = 0;
	proc_peer_open(&ad->ad_peer, fp->fp_base, fd, PROC_PARENT,
	    PROTO_MAX_CTL_FRAME, control_perms,
	    sizeof(control_perms) / sizeof(control_perms[0]),
	    control_handlers, control_lost, ad);
	ad->ad_peer.pp_name = "powerctl";
}

static void
control_lost(struct proc_peer *peer, int violation, const char *why)
{
	struct admin	*ad = peer->pp_arg;

	ad->ad_used = 0;
	ad->ad_rotating = 0;
}

static void
control_send_one(struct proc_peer *peer, uint32_t id, const char *name,
    pid_t pid, uid_t uid, const char *state, unsigned int restarts,
    uint64_t uptime, const char *detail)
{
	struct buf	*b;

	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, name) != 0 ||
	    buf_put_u32(b, (uint32_t)pid) != 0 ||
	    buf_put_u32(b, (uint32_t)uid) != 0 ||
	    buf_put_string(b, state) != 0 ||
	    buf_put_u32(b, restarts) != 0 ||
	    buf_put_u64(b, uptime) != 0 ||
	    buf_put_string(b, detail) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_ADM_STATUS, id, -1, b);
	buf_free(b);
}

static void
control_dispatch_status(struct proc_peer *peer, struct proto_msg *msg)
{
	struct admin		*ad = peer->pp_arg;
	struct front_parent	*fp = ad->ad_fp;
	struct child		*ch;
	uint32_t		 id = msg->pm_hdr.peerid;
	char			 detail[256];
	int			 i;

	if (proc_end(peer, msg) != 0)
		return;
	snprintf(detail, sizeof(detail), "%s, %zu listener(s), %zu model(s)%s",
	    fp->fp_conffile, fp->fp_nlisten, fp->fp_nmodel,
	    fp->fp_separate ? "" : ", no privilege separation (not root)");
	control_send_one(peer, id, "frontd", getpid(), geteuid(),
	    fp->fp_stopping ? "stopping" : "running", 0, parent_uptime(fp),
	    detail);
	for (i = 1; i < PROC_MAX; i++) {
		ch = &fp->fp_child[i];
		control_send_one(peer, id, proc_name(i), ch->ch_pid,
		    ch->ch_pid > 0 ? child_real_uid(ch) : (uid_t)-1,
		    ch->ch_state == CHILD_RUNNING && ch->ch_state_text ?
		    ch->ch_state_text : child_state_name(ch->ch_state),
		    ch->ch_restarts, ch->ch_pid > 0 ? child_uptime(ch) : 0,
		    ch->ch_detail != NULL ? ch->ch_detail : "");
	}
	proc_send_empty(peer, PROTO_ADM_STATUS_END, id);
}

static void
control_dispatch_reload(struct proc_peer *peer, struct proto_msg *msg)
{
	struct admin	*ad = peer->pp_arg;
	struct buf	*b;
	char		 err[512];

	if (proc_end(peer, msg) != 0)
		return;
	log_info("reload requested on the control socket");
	parent_reload(ad->ad_fp, err, sizeof(err));
	if (err[0] == '\0') {
		proc_send_empty(peer, PROTO_ADM_OK, msg->pm_hdr.peerid);
		return;
	}
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, err) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_ADM_ERROR, msg->pm_hdr.peerid, -1, b);
	buf_free(b);
}

static void
control_error(struct proc_peer *peer, uint32_t id, const char *text)
{
	struct buf	*b;

	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_string(b, text) != 0)
		fatalx_f("buf");
	proc_send(peer, PROTO_ADM_ERROR, id, -1, b);
	buf_free(b);
}

/*
 * powerctl rotate-key: keyd makes its next ModelKey current.  The
 * answer comes back as CTL_ROTATED with the admin's slot as peerid.
 */
static void
control_dispatch_rotate(struct proc_peer *peer, struct proto_msg *msg)
{
	struct admin	*ad = peer->pp_arg;
	struct child	*ch = &ad->ad_fp->fp_child[PROC_KEYD];
	struct buf	*b;

	if (proc_end(peer, msg) != 0)
		return;
	if (ch->ch_state != CHILD_RUNNING || !ch->ch_peer.pp_open) {
		control_error(peer, msg->pm_hdr.peerid, "keyd is not running");
		return;
	}
	if (ad->ad_rotating != 0) {
		control_error(peer, msg->pm_hdr.peerid,
		    "a rotation is already under way");
		return;
	}
	log_info("key rotation requested on the control socket");
	ad->ad_rotating = msg->pm_hdr.peerid != 0 ? msg->pm_hdr.peerid : 1;
	if ((b = buf_new(PROTO_MAX_CTL_FRAME)) == NULL)
		fatalx_f("buf_new");
	if (buf_put_u32(b, 0) != 0)
		fatalx_f("buf");
	proc_send(&ch->ch_peer, PROTO_CTL_ROTATE_KEY,
	    (uint32_t)(ad - control_admins) + 1, -1, b);
	buf_free(b);
}

/* keyd answered; the admin who asked may have left meanwhile. */
void
control_rotated(struct front_parent *fp, uint32_t slot, int ok,
    const char *text)
{
	struct admin	*ad;
	uint32_t	 id;

	if (slot == 0 || slot > FRONT_MAX_ADMIN)
		return;
	ad = &control_admins[slot - 1];
	if (!ad->ad_used || ad->ad_rotating == 0)
		return;
	id = ad->ad_rotating;
	ad->ad_rotating = 0;
	if (ok)
		proc_send_empty(&ad->ad_peer, PROTO_ADM_OK, id);
	else
		control_error(&ad->ad_peer, id, text);
}
