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

#ifndef POWER_PROC_H
#define POWER_PROC_H

/*
 * The process family and its channels, on top of proto.c and libevent.
 * A peer is one end of a channel with its dispatch table.  Decoding a
 * payload uses the proc_get_* getters, which set a sticky error on short
 * data; proc_end() then checks for errors and trailing bytes.  Any
 * violation calls the peer's pp_violation handler: a child exits, the
 * parent kills the offending child.
 */

#define PROC_CHANNEL_FD		3	/* where a child finds its parent */

enum proc_id {
	PROC_PARENT = 0,
	PROC_NETWORK,
	PROC_INFERD,
	PROC_ATTESTD,
	PROC_KEYD,
	PROC_MAX
};

struct proc_peer;
struct proto_msg;
struct event_base;

struct proc_handler {
	uint32_t	ph_type;
	void		(*ph_cb)(struct proc_peer *, struct proto_msg *);
};

struct proc_peer {
	enum proc_id		 pp_id;		/* who is at the other end */
	const char		*pp_name;
	struct proto_chan	 pp_chan;
	struct event		*pp_rev;
	struct event		*pp_wev;
	const struct proc_handler *pp_handlers;	/* ends with ph_cb NULL */
	/* the peer closed or broke the protocol; closed after this returns */
	void			(*pp_lost)(struct proc_peer *, int violation,
				    const char *why);
	void			*pp_arg;
	int			 pp_open;
};

const char	*proc_name(enum proc_id);
int		 proc_id_from_name(const char *);	/* -1 if unknown */

/*
 * Open a peer on fd (non-blocking, close-on-exec set here) with the
 * receive permissions and handlers for this channel.
 */
void	proc_peer_open(struct proc_peer *, struct event_base *, int fd,
	    enum proc_id, size_t maxframe, const struct proto_perm *,
	    size_t nperms, const struct proc_handler *,
	    void (*lost)(struct proc_peer *, int, const char *), void *arg);
void	proc_peer_close(struct proc_peer *);
void	proc_peer_drain(struct proc_peer *);

/* Queue a frame and arrange for it to be sent; fatal if it cannot be. */
void	proc_send(struct proc_peer *, uint32_t type, uint32_t peerid, int fd,
	    const struct buf *);
void	proc_send_empty(struct proc_peer *, uint32_t type, uint32_t peerid);
/* Queue a frame only: the next proc_send (or flush) sends it too. */
void	proc_queue(struct proc_peer *, uint32_t type, uint32_t peerid,
	    const struct buf *);
/* Send everything queued now, blocking (used before exit). */
void	proc_flush_blocking(struct proc_peer *);

/* Payload getters: set msg->pm_err on failure and return zero/NULL. */
uint8_t		 proc_get_u8(struct proto_msg *);
uint32_t	 proc_get_u32(struct proto_msg *);
uint64_t	 proc_get_u64(struct proto_msg *);
char		*proc_get_string(struct proto_msg *);	/* caller frees */
/* u32 length + bytes, left in the frame: valid until it is cleared. */
const u_char	*proc_get_data(struct proto_msg *, size_t *);
/* Check no getter failed and nothing is left; else a violation. */
int	proc_end(struct proc_peer *, struct proto_msg *);
/* Report a protocol violation by this peer (calls pp_lost). */
void	proc_violation(struct proc_peer *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Take the fd out of a message (the message no longer closes it). */
int	proc_take_fd(struct proto_msg *);

/*
 * Child side.  proc_child_init() checks that fd 3 is our channel,
 * reads the blocking PROTO_CTL_CONFIG frame from the parent and returns
 * it (the child applies it, drops privileges, then calls
 * proc_child_open() to serve the channel from the event loop).
 */
struct proc_child_conf {
	enum proc_id	 cc_id;
	int		 cc_debug;	/* -d: log to stderr */
	int		 cc_separate;	/* root: uid/chroot separation */
	uid_t		 cc_uid;
	gid_t		 cc_gid;
	char		*cc_chroot;
	uint64_t	 cc_started;	/* family start, seconds since epoch */
	struct config	*cc_config;	/* this child's part */
};

void	proc_child_args(int argc, char **argv, int *debug, int *verbose);
void	proc_child_init(enum proc_id, struct proc_child_conf *);
void	proc_child_conf_clear(struct proc_child_conf *);
/* Encode/decode the config frame (parent composes, child parses). */
void	proc_conf_compose(struct buf *, const struct proc_child_conf *,
	    const struct config *);
int	proc_conf_parse(struct proto_msg *, struct proc_child_conf *,
	    char *err, size_t);
/* Route log records to the parent channel. */
void	proc_log_to_parent(struct proc_peer *);

/*
 * What every child does once its channels are open: drop to its user in
 * the chroot (or warn when not root), clear capabilities, set limits,
 * no_new_privs, and the process's seccomp filter last.
 */
struct sandbox_limits;
struct sandbox_rule;
void	proc_child_sandbox(const struct proc_child_conf *,
	    const struct sandbox_limits *, const struct sandbox_rule *,
	    size_t);
/*
 * Shared handlers: CTL_CONFIG on reload (returns the new config, or
 * NULL after a violation), CTL_SHUTDOWN, the parent channel lost (exit),
 * a sibling channel lost (wait for the parent to send a new one).
 */
struct config *proc_child_reload(struct proc_peer *, struct proto_msg *,
	    enum proc_id);
void	proc_dispatch_shutdown(struct proc_peer *, struct proto_msg *);
void	proc_lost_parent(struct proc_peer *, int, const char *);
void	proc_lost_sibling(struct proc_peer *, int, const char *);

#endif /* POWER_PROC_H */
