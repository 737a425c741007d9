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
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "err.h"
#include "hex.h"
#include "seal.h"
#include "engine/gguf.h"

/*
 * power-seal: make and check what keyd serves.  It encrypts a GGUF into
 * the .enc format with chunks cut at tensor/layer boundaries, writes
 * and verifies Ed25519 publisher signatures over the plaintext, and
 * prints plaintext hashes and chunk tables.  Keys are wiped after use;
 * plaintext is only ever read, never written.
 */

#define PS_MAX_PEM_BYTES	(64 * 1024)
#define PS_MAX_LABEL		64
#define PS_MAX_LAYER		1000000

struct ps_opts {
	const char	*po_key;	/* -k: AES key file */
	const char	*po_sign;	/* -s: Ed25519 private key */
	const char	*po_pub;	/* -p: Ed25519 public key */
	const char	*po_sha256;	/* --sha256: expected plaintext hash */
};

/* One tensor, as the chunk planner sees it. */
struct ps_tensor {
	uint64_t		 pt_start;	/* absolute file offset */
	int64_t			 pt_layer;	/* blk.N, or -1 */
	const struct gguf_tensor *pt_t;
};

/* Where chunks start (after 0), and a label for each chunk. */
struct ps_plan {
	uint64_t	*pp_cuts;
	size_t		 pp_ncuts;
	char		(*pp_labels)[PS_MAX_LABEL];	/* pp_ncuts + 1 */
};

/* A model's plaintext, as sign, verify and hash see it. */
struct ps_model {
	int		 pm_enc;
	uint32_t	 pm_nchunks;
	uint64_t	 pm_size;
	u_char		 pm_sha256[SEAL_SHA256_LEN];
	u_char		 pm_keyid[SEAL_KEYID_LEN];
};

struct ps_progress {
	const char	*pg_what;
	int		 pg_last;
};

static void	usage(void) __attribute__((__noreturn__));
static void	ps_args(int, char **, const char *, struct ps_opts *, int);
static void	ps_progress(uint64_t, uint64_t, void *);
static void	ps_progress_end(struct ps_progress *);
static void	ps_read_key(const char *, u_char *);
static char	*ps_read_file(const char *, size_t, size_t *);
static int	ps_open_model(const char *, int *);
static int	ps_atomic_open(const char *, char **);
static void	ps_atomic_commit(int, char *, const char *);
static int64_t	ps_layer(const struct gguf_tensor *);
static int	ps_tensor_cmp(const void *, const void *);
static int	ps_int64_cmp(const void *, const void *);
static struct ps_tensor *ps_tensors(const struct gguf *, size_t *);
static int	ps_layers_contiguous(const struct ps_tensor *, size_t);
static void	ps_plan_add(struct ps_plan *, uint64_t, uint64_t,
		    const struct ps_tensor *);
static void	ps_plan(const struct gguf *, uint64_t, struct ps_plan *);
static void	ps_plan_free(struct ps_plan *);
static void	ps_model_hash(const char *, const char *, struct ps_model *,
		    char *, size_t, int *);
static void	ps_check_signkey(const char *);
static void	ps_write_sig(const char *, const char *,
		    const struct ps_model *);
static int	ps_keygen(int, char **);
static int	ps_encrypt(int, char **);
static int	ps_sign(int, char **);
static int	ps_verify_sig(const char *, const char *,
		    const struct ps_model *);
static int	ps_verify(int, char **);
static int	ps_hash(int, char **);
static void	ps_info_enc(int, const char *);
static void	ps_info_gguf(int, const char *);
static int	ps_info(int, char **);

enum { OPT_SHA256 = 256 };

static const struct option ps_longopts[] = {
	{ "sha256", required_argument, NULL, OPT_SHA256 },
	{ NULL, 0, NULL, 0 }
};

static void
usage(void)
{
	fprintf(stderr, "usage: power-seal keygen keyfile\n"
	    "       power-seal encrypt -k keyfile [-s signkey.pem] "
	    "in.gguf out.enc\n"
	    "       power-seal sign -s signkey.pem [-k keyfile] model\n"
	    "       power-seal verify [-p pubkey.pem] [-k keyfile] "
	    "[--sha256 hex] model\n"
	    "       power-seal hash [-k keyfile] model\n"
	    "       power-seal info file\n");
	exit(2);
}

/* Options allowed for this sub-command, then exactly nargs operands. */
static void
ps_args(int argc, char **argv, const char *allowed, struct ps_opts *o,
    int nargs)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:p:s:", ps_longopts,
	    NULL)) != -1) {
		if (ch == '?' || strchr(allowed, ch == OPT_SHA256 ? 'S' :
		    ch) == NULL)
			usage();
		switch (ch) {
		case 'k':
			o->po_key = optarg;
			break;
		case 'p':
			o->po_pub = optarg;
			break;
		case 's':
			o->po_sign = optarg;
			break;
		case OPT_SHA256:
			o->po_sha256 = optarg;
			break;
		}
	}
	if (argc - optind != nargs)
		usage();
}


/* Percentages on a terminal only: scripts see clean output. */
static void
ps_progress(uint64_t done, uint64_t total, void *arg)
{
	struct ps_progress	*pg = arg;
	int			 pct;

	if (total == 0 || !isatty(STDERR_FILENO))
		return;
	pct = (int)(done * 100 / total);
	if (pct == pg->pg_last)
		return;
	pg->pg_last = pct;
	fprintf(stderr, "\r%s: %3d%%", pg->pg_what, pct);
}

static void
ps_progress_end(struct ps_progress *pg)
{
	if (pg->pg_last >= 0 && isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
}

static void
ps_read_key(const char *path, u_char *key)
{
	struct stat	st;
	int		fd, r;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) == -1)
		pwr_tool_err(1, "%s", path);
	if (fstat(fd, &st) == -1)
		pwr_tool_err(1, "%s", path);
	if ((st.st_mode & 077) != 0)
		fprintf(stderr, "power-seal: warning: %s is readable by "
		    "others (mode %03o); keyd will refuse it\n", path,
		    (u_int)(st.st_mode & 0777));
	if ((r = seal_key_read_fd(fd, key)) != 0)
		pwr_tool_errx(1, "%s: %s", path, r == PWR_ERR_SYSTEM_ERROR ?
		    strerror(errno) : "not a key (64 hex digits expected)");
	close(fd);
}

/* A whole small file; the caller wipes it (it may be a private key). */
static char *
ps_read_file(const char *path, size_t max, size_t *lenp)
{
	struct stat	 st;
	char		*p;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		pwr_tool_err(1, "%s", path);
	if (st.st_size <= 0 || (uint64_t)st.st_size > max)
		pwr_tool_errx(1, "%s: size %lld not in 1..%zu", path,
		    (long long)st.st_size, max);
	if ((p = calloc(1, (size_t)st.st_size + 1)) == NULL)
		pwr_tool_err(1, NULL);
	if ((n = read(fd, p, (size_t)st.st_size)) != st.st_size)
		pwr_tool_errx(1, "%s: short read", path);
	close(fd);
	*lenp = (size_t)n;
	return p;
}

/* Open a model and say whether it is an .enc (by magic, not name). */
static int
ps_open_model(const char *path, int *encp)
{
	u_char	magic[SEAL_MAGIC_LEN];
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		pwr_tool_err(1, "%s", path);
	*encp = pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
	    memcmp(magic, SEAL_MAGIC, sizeof(magic)) == 0;
	return fd;
}

/* A temporary file next to path; renamed over it once complete. */
static int
ps_atomic_open(const char *path, char **tmpp)
{
	int	fd;

	if (asprintf(tmpp, "%s.XXXXXX", path) == -1)
		pwr_tool_err(1, NULL);
	if ((fd = mkstemp(*tmpp)) == -1)
		pwr_tool_err(1, "%s", *tmpp);
	if (fchmod(fd, 0644) == -1) {
		(void)unlink(*tmpp);
		pwr_tool_err(1, "%s", *tmpp);
	}
	return fd;
}

static void
ps_atomic_commit(int fd, char *tmp, const char *path)
{
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		pwr_tool_err(1, "%s", path);
	}
	free(tmp);
}

/* N for a tensor named "blk.N.*", else -1. */
static int64_t
ps_layer(const struct gguf_tensor *t)
{
	char		 num[8];
	const char	*s = t->t_name.s_ptr, *errstr;
	size_t		 i, len = t->t_name.s_len;
	long long	 v;

	if (len < 6 || memcmp(s, "blk.", 4) != 0)
		return -1;
	for (i = 4; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (i - 4 >= sizeof(num) - 1)
			return -1;
		num[i - 4] = s[i];
	}
	if (i == 4 || i >= len || s[i] != '.')
		return -1;
	num[i - 4] = '\0';
	v = strtonum(num, 0, PS_MAX_LAYER, &errstr);
	return errstr != NULL ? -1 : v;
}

static int
ps_tensor_cmp(const void *a, const void *b)
{
	const struct ps_tensor	*x = a, *y = b;

	if (x->pt_start != y->pt_start)
		return x->pt_start < y->pt_start ? -1 : 1;
	return 0;
}

static int
ps_int64_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The tensors in file-offset order. */
static struct ps_tensor *
ps_tensors(const struct gguf *g, size_t *np)
{
	struct ps_tensor	*v;
	size_t			 i, n = (size_t)gguf_n_tensors(g);

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		pwr_tool_err(1, NULL);
	for (i = 0; i < n; i++) {
		v[i].pt_t = gguf_tensor_at(g, i);
		v[i].pt_start = gguf_data_offset(g) + v[i].pt_t->t_offset;
		v[i].pt_layer = ps_layer(v[i].pt_t);
	}
	qsort(v, n, sizeof(*v), ps_tensor_cmp);
	*np = n;
	return v;
}

/* 1 if each layer's tensors form one run in file order. */
static int
ps_layers_contiguous(const struct ps_tensor *v, size_t n)
{
	int64_t	*runs;
	size_t	 i, nruns = 0;
	int	 ok = 1;

	if ((runs = calloc(n + 1, sizeof(*runs))) == NULL)
		pwr_tool_err(1, NULL);
	for (i = 0; i < n; i++) {
		if (v[i].pt_layer >= 0 &&
		    (i == 0 || v[i].pt_layer != v[i - 1].pt_layer))
			runs[nruns++] = v[i].pt_layer;
	}
	qsort(runs, nruns, sizeof(*runs), ps_int64_cmp);
	for (i = 1; i < nruns; i++)
		if (runs[i] == runs[i - 1])
			ok = 0;
	free(runs);
	return ok;
}

static void
ps_plan_add(struct ps_plan *pp, uint64_t cut, uint64_t size,
    const struct ps_tensor *t)
{
	size_t	n;

	if (cut == 0 || cut >= size ||
	    (pp->pp_ncuts > 0 && cut <= pp->pp_cuts[pp->pp_ncuts - 1]))
		return;
	n = ++pp->pp_ncuts;
	if (n >= SEAL_MAX_CHUNKS)
		pwr_tool_errx(1, "more than %d chunks", SEAL_MAX_CHUNKS);
	pp->pp_cuts[n - 1] = cut;
	if (t->pt_layer >= 0)
		(void)snprintf(pp->pp_labels[n], PS_MAX_LABEL, "blk.%lld",
		    (long long)t->pt_layer);
	else
		(void)snprintf(pp->pp_labels[n], PS_MAX_LABEL, "%.*s",
		    (int)(t->pt_t->t_name.s_len < PS_MAX_LABEL - 1 ?
		    t->pt_t->t_name.s_len : PS_MAX_LABEL - 1),
		    t->pt_t->t_name.s_ptr);
}

/*
 * Chunk 0 is the GGUF header, metadata, tensor infos and any tensors
 * before the first layer; then one chunk per layer (blk.N.*) and one
 * for each run of other tensors.  If a layer's tensors are scattered
 * the layer cannot be one chunk, so every tensor starts a chunk.
 */
static void
ps_plan(const struct gguf *g, uint64_t size, struct ps_plan *pp)
{
	struct ps_tensor	*v;
	size_t			 i, n;
	int			 contiguous;

	memset(pp, 0, sizeof(*pp));
	v = ps_tensors(g, &n);
	contiguous = ps_layers_contiguous(v, n);
	if ((pp->pp_cuts = calloc(n + 1, sizeof(*pp->pp_cuts))) == NULL ||
	    (pp->pp_labels = calloc(n + 2, sizeof(*pp->pp_labels))) == NULL)
		pwr_tool_err(1, NULL);
	(void)strlcpy(pp->pp_labels[0], "header", PS_MAX_LABEL);
	for (i = 0; i < n; i++) {
		if (!contiguous || (i == 0 && v[i].pt_layer >= 0) ||
		    (i > 0 && v[i].pt_layer != v[i - 1].pt_layer))
			ps_plan_add(pp, v[i].pt_start, size, &v[i]);
	}
	free(v);
}

static void
ps_plan_free(struct ps_plan *pp)
{
	free(pp->pp_cuts);
	free(pp->pp_labels);
	memset(pp, 0, sizeof(*pp));
}

/*
 * The plaintext hash and size of a model: an .enc is decrypted (every
 * tag checked, nothing written) with the key in keypath.  For an .enc,
 * *okp says whether every chunk authenticated and err says why not.
 */
static void
ps_model_hash(const char *path, const char *keypath, struct ps_model *m,
    char *err, size_t errlen, int *okp)
{
	struct seal_header	sh;
	struct ps_progress	pg = { "hashing", -1 };
	struct stat		st;
	u_char			key[SEAL_KEY_LEN];
	int			fd, r;

	memset(m, 0, sizeof(*m));
	*okp = 1;
	fd = ps_open_model(path, &m->pm_enc);
	if (!m->pm_enc) {
		if (fstat(fd, &st) == -1 ||
		    seal_sha256_fd(fd, m->pm_sha256, ps_progress, &pg) != 0)
			pwr_tool_err(1, "%s", path);
		m->pm_size = (uint64_t)st.st_size;
		ps_progress_end(&pg);
		close(fd);
		return;
	}
	if ((r = seal_header_read(fd, &sh, err, errlen)) != 0)
		pwr_tool_errx(1, "%s: %s", path, err);
	m->pm_nchunks = sh.sh_nchunks;
	m->pm_size = sh.sh_plain_size;
	memcpy(m->pm_keyid, sh.sh_keyid, sizeof(m->pm_keyid));
	if (keypath == NULL)
		pwr_tool_errx(1, "%s is encrypted: -k keyfile is needed to "
		    "hash its plaintext", path);
	ps_read_key(keypath, key);
	pg.pg_what = "decrypting";
	if (seal_decrypt_fd(fd, &sh, key, -1, m->pm_sha256, ps_progress,
	    &pg, err, errlen) != 0)
		*okp = 0;
	ps_progress_end(&pg);
	OPENSSL_cleanse(key, sizeof(key));
	seal_header_free(&sh);
	close(fd);
}

/* Refuse a bad signing key before hours of encryption, not after. */
static void
ps_check_signkey(const char *privpath)
{
	u_char	 zero[SEAL_SHA256_LEN], sig[SEAL_SIG_LEN];
	char	*pem, err[256];
	size_t	 len;
	int	 r;

	memset(zero, 0, sizeof(zero));
	pem = ps_read_file(privpath, PS_MAX_PEM_BYTES, &len);
	r = seal_sig_sign(pem, len, zero, 0, sig, err, sizeof(err));
	freezero(pem, len + 1);
	if (r != 0)
		pwr_tool_errx(1, "%s: %s", privpath, err);
}

static void
ps_write_sig(const char *model, const char *privpath, const struct ps_model *m)
{
	u_char	 sig[SEAL_SIG_LEN];
	char	*pem, *sigpath, *tmp, err[256];
	size_t	 len;
	int	 fd, r;

	pem = ps_read_file(privpath, PS_MAX_PEM_BYTES, &len);
	r = seal_sig_sign(pem, len, m->pm_sha256, m->pm_size, sig, err,
	    sizeof(err));
	freezero(pem, len + 1);
	if (r != 0)
		pwr_tool_errx(1, "%s: %s", privpath, err);
	if (asprintf(&sigpath, "%s.sig", model) == -1)
		pwr_tool_err(1, NULL);
	fd = ps_atomic_open(sigpath, &tmp);
	if (write(fd, sig, sizeof(sig)) != sizeof(sig)) {
		(void)unlink(tmp);
		pwr_tool_err(1, "%s", tmp);
	}
	ps_atomic_commit(fd, tmp, sigpath);
	printf("signature %s\n", sigpath);
	free(sigpath);
}

static int
ps_keygen(int argc, char **argv)
{
	struct ps_opts	o;
	u_char		key[SEAL_KEY_LEN], id[SEAL_KEYID_LEN];
	char		hex[2 * SEAL_KEY_LEN + 2];
	char		idhex[2 * SEAL_KEYID_LEN + 1];
	const char	*path;
	int		fd;

	ps_args(argc, argv, "", &o, 1);
	path = argv[optind];
	if (RAND_bytes(key, sizeof(key)) != 1)
		pwr_tool_errx(1, "RAND_bytes failed");
	seal_keyid(key, id);
	hex_encode(key, sizeof(key), hex);
	OPENSSL_cleanse(key, sizeof(key));
	hex[2 * SEAL_KEY_LEN] = '\n';
	/* O_EXCL: an existing key may already protect models; keep it. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
	    0600)) == -1)
		pwr_tool_err(1, "%s", path);
	if (fchmod(fd, 0600) == -1 ||
	    write(fd, hex, sizeof(hex) - 1) != (ssize_t)sizeof(hex) - 1 ||
	    fsync(fd) == -1 || close(fd) == -1) {
		OPENSSL_cleanse(hex, sizeof(hex));
		(void)unlink(path);
		pwr_tool_err(1, "%s", path);
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	hex_encode(id, sizeof(id), idhex);
	printf("key id %s\n", idhex);
	return 0;
}

static int
ps_encrypt(int argc, char **argv)
{
	struct ps_opts		 o;
	struct ps_plan		 pp;
	struct ps_model		 m;
	struct ps_progress	 pg = { "encrypting", -1 };
	struct gguf		*g;
	u_char			 key[SEAL_KEY_LEN];
	char			*tmp, err[256], hex[2 * SEAL_SHA256_LEN + 1];
	const char		*in, *out;
	int			 ifd, ofd, r;

	ps_args(argc, argv, "ks", &o, 2);
	in = argv[optind];
	out = argv[optind + 1];
	if (o.po_key == NULL)
		usage();
	if (o.po_sign != NULL)
		ps_check_signkey(o.po_sign);
	if ((ifd = open(in, O_RDONLY)) == -1)
		pwr_tool_err(1, "%s", in);
	if ((r = gguf_open_fd(ifd, &g, err, sizeof(err))) != 0)
		pwr_tool_errx(1, "%s: %s", in,
		    r == PWR_ERR_INVALID_FORMAT ? err : pwr_err(r));
	ps_plan(g, gguf_file_size(g), &pp);
	memset(&m, 0, sizeof(m));
	m.pm_size = gguf_file_size(g);
	m.pm_nchunks = (uint32_t)pp.pp_ncuts + 1;
	gguf_close(g);
	/* Read last, so the refusals above leave no key in memory. */
	ps_read_key(o.po_key, key);
	ofd = ps_atomic_open(out, &tmp);
	r = seal_encrypt_fd(ifd, ofd, key, pp.pp_cuts, pp.pp_ncuts,
	    m.pm_sha256, ps_progress, &pg, err, sizeof(err));
	OPENSSL_cleanse(key, sizeof(key));
	ps_progress_end(&pg);
	if (r != 0) {
		(void)unlink(tmp);
		pwr_tool_errx(1, "%s: %s", out, err);
	}
	ps_atomic_commit(ofd, tmp, out);
	close(ifd);
	ps_plan_free(&pp);
	hex_encode(m.pm_sha256, sizeof(m.pm_sha256), hex);
	printf("sealed %s: %u chunks, plaintext sha256 %s\n", out,
	    m.pm_nchunks, hex);
	if (o.po_sign != NULL)
		ps_write_sig(out, o.po_sign, &m);
	return 0;
}

static int
ps_sign(int argc, char **argv)
{
	struct ps_opts	o;
	struct ps_model	m;
	char		err[256];
	int		ok;

	ps_args(argc, argv, "ks", &o, 1);
	if (o.po_sign == NULL)
		usage();
	ps_model_hash(argv[optind], o.po_key, &m, err, sizeof(err), &ok);
	if (!ok)
		pwr_tool_errx(1, "%s: %s", argv[optind], err);
	ps_write_sig(argv[optind], o.po_sign, &m);
	return 0;
}

static int
ps_verify_sig(const char *model, const char *pubpath, const struct ps_model *m)
{
	u_char	*sig;
	char	*pem, *sigpath, err[256];
	size_t	 len, siglen;
	int	 r;

	if (asprintf(&sigpath, "%s.sig", model) == -1)
		pwr_tool_err(1, NULL);
	pem = ps_read_file(pubpath, PS_MAX_PEM_BYTES, &len);
	sig = (u_char *)ps_read_file(sigpath, SEAL_SIG_LEN, &siglen);
	if (siglen != SEAL_SIG_LEN)
		r = pwr_errf(err, sizeof(err), PWR_ERR_INVALID_FORMAT,
		    "%s is %zu bytes, not %d", sigpath, siglen, SEAL_SIG_LEN);
	else
		r = seal_sig_verify(pem, len, m->pm_sha256, m->pm_size, sig,
		    err, sizeof(err));
	printf("signature  %s (%s, %s)\n", r == 0 ? "pass" : "FAIL",
	    sigpath, r == 0 ? "Ed25519" : err);
	free(pem);
	free(sig);
	free(sigpath);
	return r == 0;
}

static int
ps_verify(int argc, char **argv)
{
	struct ps_opts	 o;
	struct ps_model	 m;
	u_char		 want[SEAL_KEY_LEN];
	char		 err[256], hex[2 * SEAL_SHA256_LEN + 1];
	const char	*model;
	int		 ok, pass = 1;

	ps_args(argc, argv, "kpS", &o, 1);
	model = argv[optind];
	if (o.po_key == NULL && o.po_pub == NULL && o.po_sha256 == NULL)
		pwr_tool_errx(2, "nothing to verify: give -k, -p or --sha256");
	/* A SHA-256 in hex has the key's syntax: 64 hex digits. */
	if (o.po_sha256 != NULL && seal_key_from_hex(o.po_sha256, want) != 0)
		pwr_tool_errx(2, "--sha256: 64 hex digits expected");
	ps_model_hash(model, o.po_key, &m, err, sizeof(err), &ok);
	printf("model      %s\n", model);
	if (m.pm_enc) {
		hex_encode(m.pm_keyid, sizeof(m.pm_keyid), hex);
		printf("encrypted  yes, %u chunks, key id %s\n", m.pm_nchunks,
		    hex);
		printf("decrypt    %s (%s)\n", ok ? "pass" : "FAIL",
		    ok ? "every chunk authenticated" : err);
		if (!ok) {
			/* The hash of unauthenticated bytes means nothing. */
			return 1;
		}
	} else
		printf("encrypted  no\n");
	hex_encode(m.pm_sha256, sizeof(m.pm_sha256), hex);
	printf("sha256     %s\nsize       %llu\n", hex,
	    (unsigned long long)m.pm_size);
	if (o.po_sha256 != NULL) {
		ok = CRYPTO_memcmp(want, m.pm_sha256, sizeof(want)) == 0;
		printf("sha256-pin %s\n", ok ? "pass" : "FAIL");
		pass &= ok;
	}
	if (o.po_pub != NULL)
		pass &= ps_verify_sig(model, o.po_pub, &m);
	return pass ? 0 : 1;
}

static int
ps_hash(int argc, char **argv)
{
	struct ps_opts	o;
	struct ps_model	m;
	char		err[256], hex[2 * SEAL_SHA256_LEN + 1];
	int		ok;

	ps_args(argc, argv, "k", &o, 1);
	ps_model_hash(argv[optind], o.po_key, &m, err, sizeof(err), &ok);
	if (!ok)
		pwr_tool_errx(1, "%s: %s", argv[optind], err);
	hex_encode(m.pm_sha256, sizeof(m.pm_sha256), hex);
	printf("%s  %s\n", hex, argv[optind]);
	return 0;
}

static void
ps_info_enc(int fd, const char *path)
{
	struct seal_header	 sh;
	struct seal_chunk	*c;
	char			 err[256], hex[2 * SEAL_KEYID_LEN + 1];
	uint32_t		 i;

	if (seal_header_read(fd, &sh, err, sizeof(err)) != 0)
		pwr_tool_errx(1, "%s: %s", path, err);
	hex_encode(sh.sh_keyid, sizeof(sh.sh_keyid), hex);
	printf("format power-seal %u\nkey-id %s\nplaintext %llu\n"
	    "chunks %u\nheader %zu\n", sh.sh_version, hex,
	    (unsigned long long)sh.sh_plain_size, sh.sh_nchunks,
	    sh.sh_header_len);
	for (i = 0; i < sh.sh_nchunks; i++) {
		c = &sh.sh_chunks[i];
		printf("chunk %u %llu %llu file-offset %llu\n", i,
		    (unsigned long long)c->sc_plain_off,
		    (unsigned long long)c->sc_len,
		    (unsigned long long)c->sc_file_off);
	}
	seal_header_free(&sh);
}

static void
ps_info_gguf(int fd, const char *path)
{
	struct ps_plan	 pp;
	struct gguf	*g;
	char		 err[256];
	uint64_t	 size, start, end;
	size_t		 i;
	int		 r;

	if ((r = gguf_open_fd(fd, &g, err, sizeof(err))) != 0)
		pwr_tool_errx(1, "%s: %s", path,
		    r == PWR_ERR_INVALID_FORMAT ? err : pwr_err(r));
	size = gguf_file_size(g);
	ps_plan(g, size, &pp);
	printf("format gguf %u\nplaintext %llu\nchunks %zu\n",
	    gguf_version(g), (unsigned long long)size, pp.pp_ncuts + 1);
	for (i = 0; i <= pp.pp_ncuts; i++) {
		start = i == 0 ? 0 : pp.pp_cuts[i - 1];
		end = i == pp.pp_ncuts ? size : pp.pp_cuts[i];
		printf("chunk %zu %llu %llu %s\n", i,
		    (unsigned long long)start,
		    (unsigned long long)(end - start), pp.pp_labels[i]);
	}
	ps_plan_free(&pp);
	gguf_close(g);
}

/* The chunk table of an .enc, or the one encrypt would make of a GGUF. */
static int
ps_info(int argc, char **argv)
{
	struct ps_opts	o;
	int		fd, enc;

	ps_args(argc, argv, "", &o, 1);
	fd = ps_open_model(argv[optind], &enc);
	if (enc)
		ps_info_enc(fd, argv[optind]);
	else
		ps_info_gguf(fd, argv[optind]);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(int, char **);
	} cmds[] = {
		{ "keygen", ps_keygen },
		{ "encrypt", ps_encrypt },
		{ "sign", ps_sign },
		{ "verify", ps_verify },
		{ "hash", ps_hash },
		{ "info", ps_info },
	};
	size_t	i;

	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	}
	usage();
}
