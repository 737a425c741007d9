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
 * the file with a message naming the field.  After a successful open
 * every getter only reads what was checked.  Strings point into the
 * mapping and are not NUL-terminated; gguf_strdup() makes a C string.
 *
 * Library code: functions return 0 or a negative PWR_ERR_* (err.h);
 * a refused file is PWR_ERR_INVALID_FORMAT with the reason in err.
 * Getters return PWR_ERR_NOT_FOUND for a missing key,
 * PWR_ERR_INVALID_FORMAT for a value of another type and
 * PWR_ERR_RANGE for a value or index that does not fit.
 */

#define GGUF_MAGIC		0x46554747U	/* "GGUF" little-endian */
#define GGUF_HEADER_BYTES	24		/* magic to kv_count */
#define GGUF_MAX_DIMS		4
#define GGUF_MAX_KEY_BYTES	65535		/* metadata key (the spec) */
#define GGUF_MAX_NAME_BYTES	65536		/* tensor name */
#define GGUF_MAX_STRING_BYTES	(16UL * 1024 * 1024) /* string value */
#define GGUF_MAX_KV		(1U << 20)	/* metadata pairs */
#define GGUF_MAX_TENSORS	(1U << 20)	/* tensors */
#define GGUF_MAX_STRARRAY	(1U << 24)	/* elements of a string array */
#define GGUF_MAX_DEPTH		4		/* array nesting levels */
#define GGUF_DEFAULT_ALIGNMENT	32

/* Metadata value types. */
enum gguf_vtype {
	GGUF_T_UINT8 = 0,
	GGUF_T_INT8,
	GGUF_T_UINT16,
	GGUF_T_INT16,
	GGUF_T_UINT32,
	GGUF_T_INT32,
	GGUF_T_FLOAT32,
	GGUF_T_BOOL,
	GGUF_T_STRING,
	GGUF_T_ARRAY,
	GGUF_T_UINT64,
	GGUF_T_INT64,
	GGUF_T_FLOAT64,
	GGUF_T__MAX
};

/* Tensor (ggml) types; the holes are ids retired from the format. */
enum gguf_ttype {
	GGUF_TYPE_F32 = 0,
	GGUF_TYPE_F16 = 1,
	GGUF_TYPE_Q4_0 = 2,
	GGUF_TYPE_Q4_1 = 3,
	GGUF_TYPE_Q5_0 = 6,
	GGUF_TYPE_Q5_1 = 7,
	GGUF_TYPE_Q8_0 = 8,
	GGUF_TYPE_Q8_1 = 9,
	GGUF_TYPE_Q2_K = 10,
	GGUF_TYPE_Q3_K = 11,
	GGUF_TYPE_Q4_K = 12,
	GGUF_TYPE_Q5_K = 13,
	GGUF_TYPE_Q6_K = 14,
	GGUF_TYPE_Q8_K = 15,
	GGUF_TYPE_IQ2_XXS = 16,
	GGUF_TYPE_IQ2_XS = 17,
	GGUF_TYPE_IQ3_XXS = 18,
	GGUF_TYPE_IQ1_S = 19,
	GGUF_TYPE_IQ4_NL = 20,
	GGUF_TYPE_IQ3_S = 21,
	GGUF_TYPE_IQ2_S = 22,
	GGUF_TYPE_IQ4_XS = 23,
	GGUF_TYPE_I8 = 24,
	GGUF_TYPE_I16 = 25,
	GGUF_TYPE_I32 = 26,
	GGUF_TYPE_I64 = 27,
	GGUF_TYPE_F64 = 28,
	GGUF_TYPE_IQ1_M = 29,
	GGUF_TYPE_BF16 = 30,
	GGUF_TYPE_TQ1_0 = 34,
	GGUF_TYPE_TQ2_0 = 35,
	GGUF_TYPE_MXFP4 = 39
};

/* Bytes in the mapping: not NUL-terminated, may hold any byte. */
struct gguf_str {
	const char	*s_ptr;
	size_t		 s_len;
};

/* One metadata pair, as gguf_kv_at() shows it. */
struct gguf_kv {
	struct gguf_str	 kv_key;	/* printable ASCII, no NUL */
	uint32_t	 kv_type;	/* enum gguf_vtype */
	uint32_t	 kv_arrtype;	/* GGUF_T_ARRAY: element type */
	uint64_t	 kv_arrlen;	/* GGUF_T_ARRAY: element count */
	uint64_t	 kv_off;	/* value's first byte, in the file */
	uint64_t	 kv_len;	/* value's bytes */
};

struct gguf_tensor {
	struct gguf_str	 t_name;	/* no NUL inside */
	uint32_t	 t_type;	/* enum gguf_ttype */
	uint32_t	 t_ndims;	/* 1 to GGUF_MAX_DIMS */
	uint64_t	 t_ne[GGUF_MAX_DIMS];	/* unused dims are 1 */
	uint64_t	 t_nelem;	/* product of t_ne, <= INT64_MAX */
	uint64_t	 t_offset;	/* from the start of the data section */
	uint64_t	 t_nbytes;
	const u_char	*t_data;	/* t_nbytes inside the mapping */
};

struct gguf;

/*
 * gguf_open_fd() maps the file (fstat, mmap PROT_READ MAP_PRIVATE) and
 * keeps the mapping until gguf_close(); fd may be closed after it.
 * gguf_open_mem() reads memory the caller keeps valid and unchanged
 * until gguf_close().  err (may be NULL) gets the reason for a refusal.
 */
int	gguf_open_fd(int fd, struct gguf **, char *err, size_t errlen);
int	gguf_open_mem(const void *, size_t, struct gguf **, char *err,
	    size_t errlen);
void	gguf_close(struct gguf *);		/* NULL is fine */
/* 1 if the data is a read-only mapping of a file (gguf_open_fd). */
int	gguf_file_mapped(const struct gguf *);

uint32_t	 gguf_version(const struct gguf *);
uint64_t	 gguf_n_kv(const struct gguf *);
uint64_t	 gguf_n_tensors(const struct gguf *);
uint64_t	 gguf_file_size(const struct gguf *);
size_t		 gguf_alignment(const struct gguf *);
uint64_t	 gguf_data_offset(const struct gguf *);	/* from file start */
/* general.architecture made printable, or "unknown"; NUL-terminated. */
const char	*gguf_architecture(const struct gguf *);

/* Metadata in file order: NULL once i >= gguf_n_kv(). */
const struct gguf_kv	*gguf_kv_at(const struct gguf *, uint64_t i);
/* 0 and the value type (type may be NULL), or PWR_ERR_NOT_FOUND. */
int	gguf_find_key(const struct gguf *, const char *key, uint32_t *type);

/*
 * Typed values.  Integer getters take any integer type whose value
 * fits; gguf_get_f32() takes FLOAT32, and FLOAT64 if it fits a float.
 */
int	gguf_get_str(const struct gguf *, const char *, struct gguf_str *);
int	gguf_get_strdup(const struct gguf *, const char *, char **);
int	gguf_get_u32(const struct gguf *, const char *, uint32_t *);
int	gguf_get_u64(const struct gguf *, const char *, uint64_t *);
int	gguf_get_i32(const struct gguf *, const char *, int32_t *);
int	gguf_get_f32(const struct gguf *, const char *, float *);
int	gguf_get_bool(const struct gguf *, const char *, int *);

/* Arrays: element type and count, then element i (O(1) each). */
int	gguf_get_arr(const struct gguf *, const char *, uint32_t *etype,
	    uint64_t *n);
int	gguf_get_arr_str(const struct gguf *, const char *, uint64_t i,
	    struct gguf_str *);
int	gguf_get_arr_u32(const struct gguf *, const char *, uint64_t i,
	    uint32_t *);
int	gguf_get_arr_i32(const struct gguf *, const char *, uint64_t i,
	    int32_t *);
int	gguf_get_arr_f32(const struct gguf *, const char *, uint64_t i,
	    float *);
/*
 * The packed little-endian elements of an array of fixed-size etype
 * (not STRING or ARRAY).  The pointer may be unaligned: memcpy from it.
 */
int	gguf_get_arr_data(const struct gguf *, const char *, uint32_t etype,
	    const void **, uint64_t *n);

/* Tensors in file order: NULL once i >= gguf_n_tensors(). */
const struct gguf_tensor *gguf_tensor_at(const struct gguf *, uint64_t i);
const struct gguf_tensor *gguf_find_tensor(const struct gguf *,
	    const char *name);

/* A NUL-terminated copy for free(); refuses a string holding a NUL. */
int	gguf_strdup(const struct gguf_str *, char **);

/* "Q4_K", "uint32", ...; NULL for an unknown id. */
const char	*gguf_type_name(uint32_t ttype);
const char	*gguf_vtype_name(uint32_t vtype);
/* Elements per block and bytes per block, or PWR_ERR_NOT_FOUND. */
int		 gguf_type_size(uint32_t ttype, uint32_t *blck,
		    uint32_t *bytes);

#endif /* POWER_GGUF_H */
