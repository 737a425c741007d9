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

#ifndef POWER_CONF_H
#define POWER_CONF_H

/*
 * power.conf(5).  One table (CONFIG_ENTRIES below) lists every keyword:
 * the parser, frontd -T and the man page check all follow it.  Values
 * are kept as their argument vectors so the parent can send each child
 * its part, which the child re-validates with the same table.
 */

/* Which process uses a keyword. */
#define CONF_P_PARENT		0x01
#define CONF_P_NETWORK		0x02
#define CONF_P_INFERD		0x04
#define CONF_P_ATTESTD		0x08
#define CONF_P_KEYD		0x10
#define CONF_P_ALL		0x1f

/* Flags. */
#define CONF_F_MULTI		0x01	/* may repeat; values accumulate */

enum config_type {
	CONF_T_INCLUDE,		/* path or glob, read in place */
	CONF_T_PATH,		/* one absolute path */
	CONF_T_NAME,		/* a user or group name */
	CONF_T_INT,		/* integer within [min, max] */
	CONF_T_ENUM,		/* one of a |-separated list, case-insensitive */
	CONF_T_LISTEN,		/* host:port or [v6]:port */
	CONF_T_MODEL,		/* name path [sha256:<64 hex>] */
	CONF_T_KEYSRC,		/* file <path> | env <VAR> */
};

#ifndef POWER_PRIVSEP_PATH
#define POWER_PRIVSEP_PATH	"/var/empty"
#endif
#ifndef POWER_PRIVSEP_USER
#define POWER_PRIVSEP_USER	"_power"
#endif
#ifndef POWER_RUNDIR
#define POWER_RUNDIR		"/run/power"
#endif
#ifndef POWER_STATEDIR
#define POWER_STATEDIR		"/var/lib/power"
#endif
#ifndef POWER_LIBEXECDIR
#define POWER_LIBEXECDIR	"/usr/local/libexec/power"
#endif

/*
 * X(id, keyword, type, default, min, max, choices, procs, flags)
 * Keep in alphabetical order of keyword; the man page follows it.
 */
#define CONFIG_ENTRIES(X)						\
	X(ADMINGROUP, "AdminGroup", CONF_T_NAME, "_poweradmin",		\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(ATTESTUSER, "AttestUser", CONF_T_NAME, "_powerattest",	\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(CHROOTDIRECTORY, "ChrootDirectory", CONF_T_PATH,		\
	    POWER_PRIVSEP_PATH, 0, 0, NULL, CONF_P_PARENT, 0)		\
	X(CONTEXTLENGTH, "ContextLength", CONF_T_INT, "0",		\
	    0, 1048576, NULL, CONF_P_INFERD, 0)				\
	X(CONTROLSOCKET, "ControlSocket", CONF_T_PATH,			\
	    POWER_RUNDIR "/control.sock", 0, 0, NULL, CONF_P_PARENT, 0)	\
	X(HASHCACHE, "HashCache", CONF_T_PATH,			\
	    POWER_STATEDIR "/hashcache", 0, 0, NULL, CONF_P_KEYD, 0)	\
	X(INCLUDE, "Include", CONF_T_INCLUDE, NULL,			\
	    0, 0, NULL, 0, CONF_F_MULTI)				\
	X(INFERUSER, "InferUser", CONF_T_NAME, "_powerinfer",		\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(KEEPALIVE, "KeepAlive", CONF_T_INT, "0",			\
	    0, 31536000, NULL, CONF_P_INFERD, 0)			\
	X(KEYUSER, "KeyUser", CONF_T_NAME, "_powerkey",			\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(KVCACHEMEMORY, "KVCacheMemory", CONF_T_INT, "0",		\
	    0, 16777216, NULL, CONF_P_INFERD, 0)			\
	X(KVCACHETYPE, "KVCacheType", CONF_T_ENUM, "f16", 0, 0,		\
	    "f16|f32", CONF_P_INFERD, 0)				\
	X(LIBEXECDIR, "LibexecDir", CONF_T_PATH, POWER_LIBEXECDIR,	\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(LISTEN, "Listen", CONF_T_LISTEN, "127.0.0.1:8080",		\
	    0, 0, NULL, CONF_P_PARENT, CONF_F_MULTI)			\
	X(LISTENTLS, "ListenTLS", CONF_T_LISTEN, NULL,		\
	    0, 0, NULL, CONF_P_PARENT, CONF_F_MULTI)			\
	X(LOGLEVEL, "LogLevel", CONF_T_ENUM, "INFO", 0, 0,		\
	    "QUIET|FATAL|ERROR|INFO|VERBOSE|DEBUG|DEBUG1|DEBUG2|DEBUG3",	\
	    CONF_P_ALL, 0)						\
	X(MAXBODYBYTES, "MaxBodyBytes", CONF_T_INT, "1048576",		\
	    1024, 67108864, NULL, CONF_P_NETWORK, 0)			\
	X(MAXCONNECTIONS, "MaxConnections", CONF_T_INT, "256",		\
	    1, 16384, NULL, CONF_P_NETWORK, 0)				\
	X(MAXHEADERBYTES, "MaxHeaderBytes", CONF_T_INT, "16384",	\
	    1024, 1048576, NULL, CONF_P_NETWORK, 0)			\
	X(MAXLOADEDMODELS, "MaxLoadedModels", CONF_T_INT, "0",	\
	    0, 32, NULL, CONF_P_INFERD, 0)				\
	X(MAXQUEUE, "MaxQueue", CONF_T_INT, "16",			\
	    0, 4096, NULL, CONF_P_NETWORK, 0)				\
	X(MODEL, "Model", CONF_T_MODEL, NULL,				\
	    0, 0, NULL, CONF_P_PARENT | CONF_P_INFERD | CONF_P_KEYD,	\
	    CONF_F_MULTI)						\
	X(MODELKEY, "ModelKey", CONF_T_KEYSRC, NULL,			\
	    0, 0, NULL, CONF_P_KEYD, CONF_F_MULTI)			\
	X(MODELSIGNINGKEY, "ModelSigningKey", CONF_T_PATH, NULL,	\
	    0, 0, NULL, CONF_P_KEYD, 0)					\
	X(PIDFILE, "PidFile", CONF_T_PATH, POWER_RUNDIR "/frontd.pid",	\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(RATLSLIFETIME, "RATLSLifetime", CONF_T_INT, "86400",	\
	    600, 31536000, NULL, CONF_P_NETWORK, 0)			\
	X(REQUESTTIMEOUT, "RequestTimeout", CONF_T_INT, "60",		\
	    1, 86400, NULL, CONF_P_NETWORK, 0)				\
	X(SEVGUESTDEVICE, "SevGuestDevice", CONF_T_PATH,		\
	    "/dev/sev-guest", 0, 0, NULL, CONF_P_ATTESTD, 0)		\
	X(SEVVMPL, "SevVmpl", CONF_T_INT, "0",				\
	    0, 3, NULL, CONF_P_ATTESTD, 0)				\
	X(STREAMLAYERS, "StreamLayers", CONF_T_ENUM, "no", 0, 0,	\
	    "no|yes", CONF_P_INFERD | CONF_P_KEYD, 0)			\
	X(SYSLOGFACILITY, "SyslogFacility", CONF_T_ENUM, "DAEMON", 0, 0,	\
	    "DAEMON|USER|AUTH|LOCAL0|LOCAL1|LOCAL2|LOCAL3|LOCAL4|LOCAL5|"	\
	    "LOCAL6|LOCAL7", CONF_P_PARENT, 0)				\
	X(TDXGUESTDEVICE, "TdxGuestDevice", CONF_T_PATH,		\
	    "/dev/tdx_guest", 0, 0, NULL, CONF_P_ATTESTD, 0)		\
	X(TEE, "TEE", CONF_T_ENUM, "auto", 0, 0,			\
	    "auto|sev-snp|tdx|tsm|simulate|none", CONF_P_ATTESTD, 0)	\
	X(THREADS, "Threads", CONF_T_INT, "0",				\
	    0, 64, NULL, CONF_P_INFERD, 0)				\
	X(TLSCERTIFICATE, "TLSCertificate", CONF_T_PATH, NULL,	\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(TLSKEY, "TLSKey", CONF_T_PATH, NULL,			\
	    0, 0, NULL, CONF_P_PARENT, 0)				\
	X(TSMREPORTDIRECTORY, "TsmReportDirectory", CONF_T_PATH,	\
	    "/sys/kernel/config/tsm/report", 0, 0, NULL,		\
	    CONF_P_ATTESTD, 0)						\
	X(USER, "User", CONF_T_NAME, POWER_PRIVSEP_USER,		\
	    0, 0, NULL, CONF_P_PARENT, 0)

#define CONFIG_ENUM_ID(id, ...)	CONF_KW_##id,
enum config_kw {
	CONFIG_ENTRIES(CONFIG_ENUM_ID)
	CONF_KW__MAX
};
#undef CONFIG_ENUM_ID

#define CONFIG_MAX_DEPTH	8	/* Include nesting */
#define CONFIG_MAX_LINE		4096	/* bytes per line */
#define CONFIG_MAX_ARGS		8	/* arguments per line */
#define CONFIG_MAX_VALUES	64	/* values of one MULTI keyword */

struct config_entry {
	enum config_kw	 ce_id;
	const char	*ce_name;
	enum config_type ce_type;
	const char	*ce_default;	/* NULL: none */
	long long	 ce_min;
	long long	 ce_max;
	const char	*ce_choices;	/* CONF_T_ENUM: "a|b|c" */
	int		 ce_procs;	/* CONF_P_* */
	int		 ce_flags;	/* CONF_F_* */
};

struct config_value {
	int			 cv_argc;
	char			**cv_argv;	/* cv_argc strings, NULL-ended */
	long long		 cv_num;	/* INT value or ENUM index */
	char			*cv_file;	/* where it was set, or NULL */
	int			 cv_line;
	struct config_value	*cv_next;
};

struct config {
	struct config_value	*cf_vals[CONF_KW__MAX];
	char			*cf_path;	/* top-level file */
};

const struct config_entry *config_table(size_t *);
const struct config_entry *config_entry_byname(const char *); /* any case */

struct config	*config_new(void);
void		 config_free(struct config *);
/*
 * Parse a file (and its Includes).  On error returns PWR_ERR_CONFIG and
 * writes "file:line: message" into err.  Defaults are not applied.
 */
int	config_load(struct config *, const char *path, char *err, size_t);
/*
 * Set a keyword from an argument vector, with the same validation as the
 * parser.  A single-valued keyword that is already set keeps its first
 * value (returns 0).  file may be NULL (then line is ignored).
 */
int	config_set(struct config *, enum config_kw, int argc, char **argv,
	    const char *file, int line, char *err, size_t);
/* Give every unset keyword that has a default its default. */
void	config_defaults(struct config *);

const struct config_value *config_get(const struct config *, enum config_kw);
const char	*config_str(const struct config *, enum config_kw);
long long	 config_num(const struct config *, enum config_kw);

/* frontd -T: every keyword, lower case, with its effective value(s). */
void	config_dump(const struct config *, FILE *);
/* The keyword table with defaults and ranges (for man page checks). */
void	config_dump_table(FILE *);

/* Split "host:port" / "[v6]:port"; 0 or PWR_ERR_INVALID_FORMAT. */
int	config_split_listen(const char *, char *host, size_t, char *port,
	    size_t);

#endif /* POWER_CONF_H */
