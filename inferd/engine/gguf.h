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

#ifndef POWER_GGUF_H
#define POWER_GGUF_H

/*
 * GGUF v2/v3 reader.  The file is untrusted: gguf_open_*() checks every
 * count, length, dimension, type, offset and the alignment against the
 * file size and against overflow before anything is used, and refuses
 * the file with a message naming the field.  Strings point into the
 * mapping and are not NUL-terminated.
 */

#define GGUF_MAGIC		0x46554747U	/* "GGUF" little-endian */
#define GGUF_MAX_DIMS		4
#define GGUF_MAX_KEY		65535		/* bytes of a metadata key */
#define GGUF_MAX_NAME		1024		/* bytes of a tensor name */
#define GGUF_MAX_KV		(1U << 20)	/* metadata pairs */
#define GGUF_MAX_TENSORS	(1U << 20)	/* tensors */
#define GGUF_MAX_DEPTH		2		/* array nesting */
#define GGUF_DEFAULT_ALIGN	32

enum gguf_vtype {
	GGUF_T_UINT8 = 0, GGUF_T_INT8, GGUF_T_UINT16, GGUF_T_INT16,
	GGUF_T_UINT32, GGUF_T_INT32, GGUF_T_FLOAT32, GGUF_T_BOOL,
	GGUF_T_STRING, GGUF_T_ARRAY, GGUF_T_UINT64, GGUF_T_INT64,
	GGUF_T_FLOAT64, GGUF_T__MAX
};

struct gguf_str {
	const char	*s_ptr;		/* into the mapping, not NUL-ended */
	size_t		 s_len;
};

struct gguf_kv {
	struct gguf_str	 kv_key;
	uint32_t	 kv_type;	/* enum gguf_vtype */
	const u_char	*kv_val;	/* the value's bytes in the mapping */
	size_t		 kv_len;
	uint32_t	 kv_arrtype;	/* GGUF_T_ARRAY: element type */
	uint64_t	 kv_arrlen;	/* GGUF_T_ARRAY: element count */
};

struct gguf_tensor {
	struct gguf_str	 t_name;
	uint32_t	 t_ndims;
	uint64_t	 t_ne[GGUF_MAX_DIMS];	/* unused dims are 1 */
	uint32_t	 t_type;		/* ggml type id */
	uint64_t	 t_offset;		/* from the data section */
	uint64_t	 t_nbytes;
	const u_char	*t_data;
};

struct gguf;

int	gguf_open_fd(int fd, struct gguf **, char *err, size_t errlen);
int	gguf_open_mem(const void *, size_t, struct gguf **, char *err,
	    size_t errlen);
void	gguf_close(struct gguf *);

uint32_t	 gguf_version(const struct gguf *);
uint64_t	 gguf_n_kv(const struct gguf *);
uint64_t	 gguf_n_tensors(const struct gguf *);
uint64_t	 gguf_file_size(const struct gguf *);
size_t		 gguf_alignment(const struct gguf *);
uint64_t	 gguf_data_offset(const struct gguf *);
/* general.architecture, or "unknown"; printable, NUL-terminated. */
const char	*gguf_architecture(const struct gguf *);

const struct gguf_kv	 *gguf_kv(const struct gguf *, uint64_t);
const struct gguf_kv	 *gguf_find_kv(const struct gguf *, const char *);
const struct gguf_tensor *gguf_tensor(const struct gguf *, uint64_t);
const struct gguf_tensor *gguf_find_tensor(const struct gguf *,
	    const char *);
/* Typed values: 0, or PWR_ERR_INVALID_FORMAT for another type. */
int	gguf_kv_u32(const struct gguf_kv *, uint32_t *);
int	gguf_kv_str(const struct gguf_kv *, struct gguf_str *);
/* Element i of a string array. */
int	gguf_kv_arr_str(const struct gguf_kv *, uint64_t, struct gguf_str *);

const char	*gguf_type_name(uint32_t);	/* ggml type, or NULL */
int		 gguf_type_size(uint32_t, uint32_t *blck, uint32_t *bytes);

#endif /* POWER_GGUF_H */
