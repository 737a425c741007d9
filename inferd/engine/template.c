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

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "err.h"
#include "template.h"
#include "utf8.h"

/*
 * Chat templates: a tree-walking interpreter for the Jinja2 subset that
 * chat templates use.  tmpl_parse() lexes and parses the source into a
 * tree kept in an arena and never changed afterwards, so one template
 * may be rendered any number of times.  tmpl_render() walks the tree
 * with values living in a per-render heap: they are reference counted,
 * and every object sits on one list so that cycles (a macro stored in
 * the frame it closes over, a namespace holding itself) are freed too
 * when the render ends.  Strings are wiped when freed: they hold the
 * conversation.
 *
 * The semantics are Jinja2 3.1's configured as Hugging Face's
 * apply_chat_template does (see template.h).  Where Python shows
 * through (str() and repr() of values, json.dumps, str methods,
 * Markup from |safe) Python's behaviour is followed.  Known gaps:
 * filters that are lazy generators in Jinja (map, select, unique, ...)
 * and range() give lists here, so an empty result is false, tojson
 * takes it and errors in it are not deferred; integers are 64-bit
 * (overflow is TMPL_ERR_LIMIT); case mapping covers Latin, Greek and
 * Cyrillic; identifiers are ASCII; no recursive loops, blocks,
 * includes, imports, *args or groupby.
 */

#define TMPL_MAX_EVAL_DEPTH	1024	/* C recursion levels: < 512 KiB of stack */
#define TMPL_MAX_ARGS		32	/* arguments of one call */
#define TMPL_MAX_ITEMS		(1U << 20)	/* entries of a list or dict */
#define TMPL_MAX_ARENA		(64U << 20)	/* bytes of one parse tree */
#define TMPL_ARENA_CHUNK	(64U << 10)
#define TMPL_BYTES_PER_STEP	64	/* bytes copied or scanned per step */
#define TMPL_MAX_RANGE		100000	/* range() items, as Jinja's sandbox */
#define TMPL_DICT_INDEX_MIN	8	/* entries before a dict gets a hash */

/* Values. */
enum tv_type {
	TV_UNDEF = 0,
	TV_NONE,
	TV_BOOL,
	TV_INT,
	TV_FLOAT,
	TV_FUNC,	/* a global function: u.i is its FN_* */
	TV_STR,		/* first heap type */
	TV_LIST,
	TV_DICT,
	TV_NS,
	TV_MACRO,
	TV_BOUND,
	TV_LOOP,
	TV_FRAME	/* never a value; heap objects only */
};

#define TVF_MARKUP	0x01	/* str: Markup, from |safe or escape */
#define TVF_TUPLE	0x02	/* list: a tuple */
#define TVF_UNSAFE	0x04	/* undefined: the sandbox refused it */
#define TVF_KEYS	0x08	/* list: a dict_keys view (prints so) */
#define TVF_VALUES	0x10	/* list: a dict_values view */
#define TVF_ITEMS	0x20	/* list: a dict_items view */
#define TVF_VIEW	(TVF_KEYS | TVF_VALUES | TVF_ITEMS)

struct tobj;
struct tstr;
struct tlist;
struct tdict;

struct tval {
	uint8_t		 v_type;
	uint8_t		 v_fl;
	uint8_t		 v_owner;	/* undefined attribute: owner's type */
	union {
		int64_t		 i;
		double		 f;
		const char	*hint;	/* undefined: the missing name */
		struct tobj	*o;
		struct tstr	*s;
		struct tlist	*l;
		struct tdict	*d;
	} u;
};

/* Header of every heap object. */
struct tobj {
	struct tobj	*ob_prev;
	struct tobj	*ob_next;
	uint32_t	 ob_refs;
	uint8_t		 ob_kind;	/* TV_* */
	uint8_t		 ob_static;	/* in the parse arena: not counted */
	uint16_t	 ob_depth;	/* nesting of lists and dicts */
	size_t		 ob_size;	/* bytes charged to the render */
};

struct tstr {
	struct tobj	 s_ob;
	size_t		 s_len;
	size_t		 s_ncp;		/* code points; SIZE_MAX: not known */
	const char	*s_p;
	char		 s_buf[];
};

struct tlist {
	struct tobj	 l_ob;
	size_t		 l_n;
	size_t		 l_cap;
	struct tval	*l_v;
};

struct tdent {
	struct tval	 de_key;
	struct tval	 de_val;
	uint32_t	 de_hash;
};

/* A dict or a namespace: entries in insertion order, hashed when big. */
struct tdict {
	struct tobj	 d_ob;
	size_t		 d_n;
	size_t		 d_cap;
	struct tdent	*d_e;
	uint32_t	*d_idx;		/* entry + 1, 0 for empty */
	size_t		 d_icap;
};

struct tvar {
	int		 va_name;
	struct tval	 va_val;
};

struct tframe {
	struct tobj	 f_ob;
	struct tframe	*f_parent;
	size_t		 f_n;
	size_t		 f_cap;
	struct tvar	*f_v;
};

struct tnode;

struct tmacro {
	struct tobj		 m_ob;
	const struct tnode	*m_def;		/* N_MACRO or N_CALLBLOCK */
	struct tframe		*m_closure;
};

struct tbound {
	struct tobj	 b_ob;
	int		 b_meth;
	struct tval	 b_self;
};

struct tloop {
	struct tobj	 lp_ob;
	struct tlist	*lp_items;
	size_t		 lp_i;
	struct tval	 lp_last;	/* loop.changed() */
	int		 lp_haslast;
};

/* Parse tree. */
enum tn_kind {
	N_DATA = 1,	/* n_val: text */
	N_PRINT,	/* n_a */
	N_IF,		/* n_a test, n_b body, n_c else body */
	N_FOR,		/* n_a target, n_b iter, n_c body, n_d else, n_e filter */
	N_SET,		/* n_a target, n_b value */
	N_SETBLOCK,	/* n_a target, n_b filters or NULL, n_c body */
	N_MACRO,	/* n_name, n_a params, n_c body */
	N_CALLBLOCK,	/* n_a call, n_b params, n_c body */
	N_FILTERBLOCK,	/* n_b filters, n_c body */
	N_WITH,		/* n_a params (name = value), n_c body */
	N_BREAK,
	N_CONTINUE,
	N_PARAM,	/* n_name, n_a default or NULL */
	N_CONST,	/* n_val */
	N_NAME,		/* n_name */
	N_NSREF,	/* n_name, n_val attribute (targets only) */
	N_TUPLE,	/* n_a items */
	N_LIST,		/* n_a items */
	N_DICT,		/* n_a pairs */
	N_PAIR,		/* n_a key, n_b value */
	N_GETATTR,	/* n_a object, n_val name, n_op method */
	N_GETITEM,	/* n_a object, n_b key */
	N_SLICE,	/* n_a start, n_b stop, n_c step (each may be NULL) */
	N_CALL,		/* n_a callee, n_b args */
	N_KWARG,	/* n_name, n_val name, n_a value */
	N_FILTER,	/* n_a value or NULL, n_op filter, n_b args, n_val name */
	N_TEST,		/* n_a value, n_op test, n_b args, n_val name */
	N_BIN,		/* n_op, n_a, n_b */
	N_NEG,
	N_POS,
	N_NOT,
	N_AND,
	N_OR,
	N_CMP,		/* n_a first, n_b operands */
	N_OPERAND,	/* n_op, n_a */
	N_CONCAT,	/* n_a items */
	N_COND		/* n_a test, n_b then, n_c else or NULL */
};

#define NF_VARARGS	0x01	/* macro body reads varargs */
#define NF_KWARGS	0x02	/* ... kwargs */
#define NF_CALLER	0x04	/* ... caller */
#define NF_SOFT		0x08	/* unknown filter/test: fail when run */

struct tnode {
	uint8_t		 n_kind;
	uint8_t		 n_op;
	uint16_t	 n_flags;
	uint32_t	 n_line;
	int		 n_name;
	struct tnode	*n_a;
	struct tnode	*n_b;
	struct tnode	*n_c;
	struct tnode	*n_d;
	struct tnode	*n_e;
	struct tnode	*n_next;
	struct tval	 n_val;
};

struct tchunk {
	struct tchunk	*ch_next;
	size_t		 ch_used;
	size_t		 ch_size;
	max_align_t	 ch_data[];
};

struct tmpl {
	struct tnode	*t_root;
	char		**t_names;	/* interned identifiers */
	size_t		 t_nnames;
	size_t		 t_capnames;
	struct tchunk	*t_chunks;
	size_t		 t_arena;
	char		*t_src;		/* the source, newlines normalised */
	size_t		 t_srclen;
};

/* Names every template knows, interned first so their ids are fixed. */
enum {
	NM_LOOP = 0,
	NM_VARARGS,
	NM_KWARGS,
	NM_CALLER,
	NM_RANGE,
	NM_DICT,
	NM_NAMESPACE,
	NM_RAISE,
	NM_STRFTIME,
	NM_LIPSUM,
	NM_CYCLER,
	NM_JOINER,
	NM_NFIXED
};

static const char *const tm_fixed_names[NM_NFIXED] = {
	"loop", "varargs", "kwargs", "caller", "range", "dict", "namespace",
	"raise_exception", "strftime_now", "lipsum", "cycler", "joiner"
};

/* Global functions (TV_FUNC). */
enum {
	FN_RANGE = 1,
	FN_DICT,
	FN_NAMESPACE,
	FN_RAISE,
	FN_STRFTIME,
	FN_UNSUPPORTED
};

struct tbuf {
	char	*b_p;
	size_t	 b_len;
	size_t	 b_cap;
};

struct targs {
	size_t		 a_n;
	struct tval	 a_v[TMPL_MAX_ARGS];
	const char	*a_kw[TMPL_MAX_ARGS];	/* NULL: positional */
};

/* Statement results besides 0 and errors. */
#define TX_BREAK	1
#define TX_CONTINUE	2

/* JSON output options, as json.dumps takes them. */
struct tjson {
	const char	*tj_ind;	/* NULL: no indent */
	size_t		 tj_indn;
	const char	*tj_isep;
	size_t		 tj_isepn;
	const char	*tj_ksep;
	size_t		 tj_ksepn;
};

enum tk_type {
	TK_EOF = 0,
	TK_DATA,
	TK_VBEGIN,
	TK_VEND,
	TK_BBEGIN,
	TK_BEND,
	TK_NAME,
	TK_STR,
	TK_INT,
	TK_FLOAT,
	TK_OP
};

enum tk_op {
	OP_NONE = 0,
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_FLOORDIV,
	OP_MOD,
	OP_POW,
	OP_TILDE,
	OP_LBRACKET,
	OP_RBRACKET,
	OP_LPAREN,
	OP_RPAREN,
	OP_LBRACE,
	OP_RBRACE,
	OP_EQ,
	OP_NE,
	OP_GT,
	OP_GTEQ,
	OP_LT,
	OP_LTEQ,
	OP_ASSIGN,
	OP_DOT,
	OP_COLON,
	OP_PIPE,
	OP_COMMA,
	OP_SEMI,
	OP_IN,		/* comparisons only */
	OP_NOTIN
};

struct ttok {
	int		 tk_type;
	int		 tk_op;
	uint32_t	 tk_line;
	const char	*tk_p;
	size_t		 tk_n;
	int64_t		 tk_i;
	double		 tk_f;
};

enum { LX_ROOT, LX_BLOCK, LX_VAR, LX_DONE };

struct tlex {
	const char	*lx_s;
	size_t		 lx_n;
	size_t		 lx_pos;
	uint32_t	 lx_line;
	int		 lx_state;
	int		 lx_bol;	/* the last match ended with a newline */
	char		 lx_brk[TMPL_MAX_DEPTH];
	size_t		 lx_nbrk;
	struct ttok	 lx_q[3];
	size_t		 lx_qn;
};

struct tparse {
	struct tlex	 p_lx;
	struct ttok	 p_cur;
	struct ttok	 p_next;
	int		 p_havenext;
	struct tmpl	*p_t;
	unsigned int	 p_depth;
	int		 p_soft;	/* inside an if: unknown filters wait */
	int		 p_inloop;
	struct tnode	*p_macro;	/* macro whose body is parsed */
	uint32_t	*p_hash;	/* name interning: id + 1 */
	size_t		 p_hcap;
	char		*p_err;
	size_t		 p_errlen;
	int		 p_rc;
};

/* A %-format conversion specification. */
struct tfmtspec {
	const char	*fs_key;	/* %(key)s, or NULL */
	size_t		 fs_keylen;
	char		 fs_flags[8];
	int64_t		 fs_width;
	int64_t		 fs_prec;	/* -1: none */
	char		 fs_conv;
};

struct trender {
	const struct tmpl	*r_t;
	struct tobj		 r_heap;	/* list head of live objects */
	struct tobj		*r_dead;	/* released, children pending */
	int			 r_draining;
	size_t			 r_mem;
	uint64_t		 r_steps;
	unsigned int		 r_depth;
	unsigned int		 r_calls;
	uint32_t		 r_line;
	struct tbuf		*r_out;
	const char		*r_fname;	/* filter being called */
	time_t			 r_now;
	struct tval		 r_ctx;		/* TV_DICT or TV_UNDEF */
	char			*r_err;
	size_t			 r_errlen;
	int			 r_rc;
};

static uint32_t	 u8_dec(const char *, size_t, size_t *);
static size_t	 u8_count(const char *, size_t);
static size_t	 u8_back(const char *, size_t);
static int	 u_isspace(uint32_t);
static int	 u_islinebreak(uint32_t);
static int	 u_isprintable(uint32_t);
static uint32_t	 u_lower(uint32_t);
static uint32_t	 u_upper(uint32_t);
static int	 u_iscased(uint32_t);
static int	 u_isalpha(uint32_t);
static int	 u_isdigit(uint32_t);
static int	 rn_fail(struct trender *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
static int	 rn_oom(struct trender *);
static int	 rn_work(struct trender *, size_t);
static int	 rn_charge(struct trender *, size_t);
static void	 rn_uncharge(struct trender *, size_t);
static void	*rn_alloc(struct trender *, int, size_t);
static int	 tv_isheap(const struct tval *);
static struct tval	 tv_dup(const struct tval *);
static void	 tv_drop(struct trender *, struct tval *);
static void	 ob_free(struct trender *, struct tobj *);
static void	 ob_children(struct trender *, struct tobj *);
static void	 ob_release(struct trender *, struct tobj *);
static void	 rn_sweep(struct trender *);
static int	 tb_reserve(struct trender *, struct tbuf *, size_t);
static int	 tb_put(struct trender *, struct tbuf *, const char *, size_t);
static int	 tb_puts(struct trender *, struct tbuf *, const char *);
static int	 tb_putc(struct trender *, struct tbuf *, char);
static int	 tb_printf(struct trender *, struct tbuf *, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
static void	 tb_free(struct trender *, struct tbuf *);
static struct tstr	*ts_alloc(struct trender *, size_t);
static void	 tv_setstr(struct tval *, struct tstr *, int);
static int	 tv_newstr(struct trender *, const char *, size_t, int,
		    struct tval *);
static int	 tv_borrowstr(struct trender *, const char *, size_t,
		    struct tval *);
static int	 tv_frombuf(struct trender *, struct tbuf *, int,
		    struct tval *);
static size_t	 ts_ncp(struct tstr *);
static void	 tv_undef(struct tval *, const char *, int);
static void	 tv_bool(struct tval *, int);
static void	 tv_int(struct tval *, int64_t);
static void	 tv_float(struct tval *, double);
static void	 tv_none(struct tval *);
static int	 rn_undef_error(struct trender *, const struct tval *);
static const char	*tv_tname(const struct tval *);
static struct tlist	*tl_new(struct trender *, size_t);
static unsigned int	 tv_depth(const struct tval *);
static int	 ob_deepen(struct trender *, struct tobj *,
		    const struct tval *);
static int	 tl_push(struct trender *, struct tlist *, struct tval *);
static void	 tv_setlist(struct tval *, struct tlist *, int);
static uint32_t	 hash_bytes(const char *, size_t);
static uint32_t	 hash_int(int64_t);
static int	 tv_hash(struct trender *, const struct tval *, uint32_t *);
static struct tdict	*td_new(struct trender *, int);
static void	 tv_setdict(struct tval *, struct tdict *);
static int	 td_reindex(struct trender *, struct tdict *);
static struct tdent	*td_find(struct trender *, const struct tdict *,
		    const struct tval *, uint32_t);
static struct tval	*td_get(struct trender *, const struct tdict *,
		    const struct tval *);
static struct tval	*td_getstr(struct trender *, const struct tdict *,
		    const char *, size_t);
static int	 td_set(struct trender *, struct tdict *, struct tval *,
		    struct tval *);
static struct tframe	*fr_new(struct trender *, struct tframe *);
static struct tval	*fr_find(struct trender *, struct tframe *, int);
static int	 fr_set(struct trender *, struct tframe *, int, struct tval *);
static void	 fmt_float(double, char *, size_t);
static int	 ts_put_repr(struct trender *, struct tbuf *,
		    const struct tstr *);
static int	 td_put_repr(struct trender *, struct tbuf *,
		    const struct tdict *, unsigned int);
static int	 tv_put_str(struct trender *, struct tbuf *,
		    const struct tval *, unsigned int);
static int	 tv_put_repr(struct trender *, struct tbuf *,
		    const struct tval *, unsigned int);
static int	 tv_tostr(struct trender *, const struct tval *, struct tval *);
static int	 tv_truthy(const struct tval *);
static int	 tv_isnum(const struct tval *);
static int	 tv_isint(const struct tval *);
static double	 tv_num(const struct tval *);
static int	 tv_eq(struct trender *, const struct tval *,
		    const struct tval *);
static int	 tv_cmp(struct trender *, const struct tval *,
		    const struct tval *, int *);
static int	 tj_put_str(struct trender *, struct tbuf *, const char *,
		    size_t);
static int	 tj_newline(struct trender *, struct tbuf *,
		    const struct tjson *, unsigned int);
static int	 tj_put_num(struct trender *, struct tbuf *,
		    const struct tval *);
static int	 tj_put_key(struct trender *, struct tbuf *,
		    const struct tval *);
static int	 tj_put(struct trender *, struct tbuf *, const struct tval *,
		    const struct tjson *, unsigned int);
static int	 html_escape(struct trender *, const struct tstr *,
		    struct tval *);
static int	 ps_fail(struct tparse *, uint32_t, int, const char *, ...)
		    __attribute__((__format__(printf, 4, 5)));
static void	 lx_advance(struct tlex *, size_t);
static void	 lx_push(struct tlex *, int, size_t, size_t);
static size_t	 lx_skipws(const char *, size_t, size_t);
static size_t	 lx_rstrip(const char *, size_t, size_t);
static int	 lx_match(const struct tlex *, size_t, const char *);
static size_t	 lx_blockend(const struct tlex *, size_t);
static size_t	 lx_rawbegin(const struct tlex *, size_t);
static size_t	 lx_dataend(const struct tlex *, size_t, size_t, int, int);
static int	 lx_raw(struct tparse *, size_t);
static int	 lx_comment(struct tparse *, size_t);
static int	 lx_root(struct tparse *);
static int	 lx_isdigit(int);
static int	 lx_isname(int, int);
static int	 lx_isdigitb(int, int);
static size_t	 lx_digits(const char *, size_t, size_t, int, int);
static int	 lx_number(struct tparse *, size_t);
static int	 lx_string(struct tparse *, size_t);
static int	 lx_operator(struct tparse *, size_t);
static int	 lx_tag(struct tparse *);
static int	 lx_next(struct tparse *, struct ttok *);
static void	*ps_alloc(struct tparse *, size_t);
static struct tnode	*ps_node(struct tparse *, int, uint32_t);
static struct tstr	*ps_str(struct tparse *, const char *, size_t, int);
static int	 ps_intern(struct tparse *, const char *, size_t);
static int	 ps_advance(struct tparse *);
static const struct ttok	*ps_peek(struct tparse *);
static int	 tk_isname(const struct ttok *, const char *);
static int	 tk_isop(const struct ttok *, int);
static const char	*tk_describe(const struct ttok *, char *, size_t);
static int	 ps_unexpected(struct tparse *);
static int	 ps_expect_op(struct tparse *, int);
static int	 ps_expect(struct tparse *, int);
static int	 ps_enter(struct tparse *);
static void	 ps_append(struct tnode ***, struct tnode *);
static int	 ps_unescape(struct tparse *, const char *, size_t, char *,
		    size_t *);
static struct tnode	*ps_string(struct tparse *);
static struct tnode	*ps_name(struct tparse *, int);
static struct tnode	*ps_list(struct tparse *, int, int);
static struct tnode	*ps_primary(struct tparse *, int);
static int	 ps_tuple_end(struct tparse *, const char *);
static struct tnode	*ps_tuple(struct tparse *, int, int, const char *, int,
		    int);
static int	 ps_call_args(struct tparse *, struct tnode **);
static struct tnode	*ps_call(struct tparse *, struct tnode *);
static int	 ps_dotted(struct tparse *, char *, size_t);
static struct tnode	*ps_filter(struct tparse *, struct tnode *, int);
static struct tnode	*ps_test(struct tparse *, struct tnode *);
static struct tnode	*ps_subscribed(struct tparse *);
static struct tnode	*ps_subscript(struct tparse *, struct tnode *);
static struct tnode	*ps_postfix(struct tparse *, struct tnode *);
static struct tnode	*ps_filter_expr(struct tparse *, struct tnode *);
static struct tnode	*ps_unary(struct tparse *, int);
static struct tnode	*ps_binary(struct tparse *, int, struct tnode *,
		    struct tnode *, int);
static struct tnode	*ps_pow(struct tparse *);
static struct tnode	*ps_math2(struct tparse *);
static struct tnode	*ps_concat(struct tparse *);
static struct tnode	*ps_math1(struct tparse *);
static struct tnode	*ps_compare(struct tparse *);
static struct tnode	*ps_not(struct tparse *);
static struct tnode	*ps_and(struct tparse *);
static struct tnode	*ps_or(struct tparse *);
static struct tnode	*ps_condexpr(struct tparse *);
static struct tnode	*ps_expr(struct tparse *, int);
static int	 ps_can_assign(const struct tnode *);
static struct tnode	*ps_target(struct tparse *, const char *, int);
static int	 ps_names_loop(const struct tnode *);
static struct tnode	*ps_statements(struct tparse *, const char *const *,
		    int);
static struct tnode	*ps_for(struct tparse *, struct tnode *);
static struct tnode	*ps_if(struct tparse *, struct tnode *);
static struct tnode	*ps_scoped(struct tparse *, const char *const *,
		    struct tnode *);
static struct tnode	*ps_set(struct tparse *, struct tnode *);
static int	 ps_signature(struct tparse *, struct tnode **);
static struct tnode	*ps_macro(struct tparse *, struct tnode *);
static struct tnode	*ps_callblock(struct tparse *, struct tnode *);
static struct tnode	*ps_with(struct tparse *, struct tnode *);
static struct tnode	*ps_print(struct tparse *, uint32_t);
static struct tnode	*ps_statement(struct tparse *);
static int	 ps_isend(struct tparse *, const char *const *);
static struct tnode	*ps_subparse(struct tparse *, const char *const *);
static const char	*rn_name(const struct trender *, int);
static int	 rn_typeerror(struct trender *, const char *,
		    const struct tval *, const struct tval *);
static void	 args_free(struct trender *, struct targs *);
static int	 ev_args(struct trender *, struct tframe *,
		    const struct tnode *, struct targs *);
static int	 args_bind(struct trender *, const char *, struct targs *,
		    const char *const *, size_t, struct tval **, size_t *);
static int	 tv_bind(struct trender *, const struct tval *, int,
		    struct tval *);
static int	 lp_attr(struct trender *, const struct tloop *, const char *,
		    struct tval *);
static int	 tv_getattr(struct trender *, const struct tval *,
		    const struct tstr *, int, struct tval *);
static size_t	 ts_offset(struct trender *, struct tstr *, size_t);
static int	 tv_getitem(struct trender *, const struct tval *,
		    const struct tval *, struct tval *);
static size_t	 slice_span(int64_t, const struct tval *, const struct tval *,
		    int64_t, int64_t *);
static int	 ts_slice(struct trender *, const struct tval *,
		    const struct tval *, const struct tval *, int64_t,
		    struct tval *);
static int	 tv_slice(struct trender *, const struct tval *,
		    const struct tval *, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tv_iter(struct trender *, const struct tval *, struct tval *);
static int	 tv_contains(struct trender *, const struct tval *,
		    const struct tval *, int *);
static int	 ts_concat(struct trender *, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tl_concat(struct trender *, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tv_repeat(struct trender *, const struct tval *, int64_t,
		    struct tval *);
static int	 rn_overflow(struct trender *);
static int	 int_pow(struct trender *, int64_t, int64_t, struct tval *);
static void	 float_divmod(double, double, double *, double *);
static int	 num_binop(struct trender *, int, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tv_binop(struct trender *, int, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tv_compare(struct trender *, int, const struct tval *,
		    const struct tval *, int *);
static int	 ev_name(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 ev_callvalue(struct trender *, const struct tval *,
		    struct targs *, const struct tval *, struct tval *);
static int	 ev_call(struct trender *, struct tframe *,
		    const struct tnode *, const struct tval *, struct tval *);
static int	 ev_macro_params(struct trender *, const struct tnode *,
		    struct tframe *, struct targs *, size_t, unsigned char *,
		    size_t *);
static int	 ev_macro_extras(struct trender *, const struct tnode *,
		    const char *, struct tframe *, struct targs *, size_t,
		    size_t, const unsigned char *, const struct tval *);
static int	 ev_macro(struct trender *, struct tmacro *, struct targs *,
		    const struct tval *, struct tval *);
static int	 ev_filter(struct trender *, struct tframe *,
		    const struct tnode *, const struct tval *, struct tval *);
static int	 ev_filter1(struct trender *, struct tframe *,
		    const struct tnode *, const struct tval *, struct tval *);
static int	 ev_test(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 ev_unary(struct trender *, const struct tnode *, struct tval *,
		    struct tval *);
static int	 ev_cmp(struct trender *, struct tframe *, const struct tnode *,
		    struct tval *);
static int	 ev_seq(struct trender *, struct tframe *, const struct tnode *,
		    struct tval *);
static int	 ev_constslice(const struct tnode *, const struct tval *,
		    const struct tval *);
static int	 ev_subscript(struct trender *, struct tframe *,
		    const struct tnode *, const struct tval *, struct tval *);
static int	 ev_expr1(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 rn_enter(struct trender *, const struct tnode *);
static int	 ev_expr(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 ex_assign(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static void	 fr_clear(struct trender *, struct tframe *);
static int	 ex_filtered(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 ex_for(struct trender *, struct tframe *,
		    const struct tnode *);
static int	 ex_capture(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 ex_macro(struct trender *, struct tframe *,
		    const struct tnode *, struct tval *);
static int	 ex_stmt1(struct trender *, struct tframe *,
		    const struct tnode *);
static int	 ex_body(struct trender *, struct tframe *,
		    const struct tnode *);
static int	 me_lookup(const char *, size_t);
static int	 me_types(const struct tval *);
static int	 me_applies(int, const struct tval *);
static int	 me_unsafe(const char *, const struct tval *);
static int	 arg_str(struct trender *, const char *, struct tval *, int);
static int	 arg_int(struct trender *, const char *, struct tval *,
		    int64_t *, int64_t);
static int	 ts_inset(const struct tstr *, uint32_t);
static int	 ts_strip(struct trender *, const struct tval *,
		    const struct tstr *, int, int, struct tval *);
static int	 ts_map(struct trender *, const struct tval *, int,
		    struct tval *);
static size_t	 ts_find(const struct tstr *, size_t, const struct tstr *, int);
static int	 list_pushstr(struct trender *, struct tlist *, const char *,
		    size_t, int);
static size_t	 ts_wsback(const char *, size_t, int);
static size_t	 ts_wsfwd(const char *, size_t, size_t, int);
static int	 ts_split_sep(struct trender *, const struct tval *,
		    const struct tstr *, int64_t, int, struct tlist *);
static int	 ts_split_ws(struct trender *, const struct tval *, int64_t,
		    int, struct tlist *);
static int	 ts_split(struct trender *, const struct tval *,
		    const struct tstr *, int64_t, int, struct tval *);
static int	 ts_splitlines(struct trender *, const struct tval *, int,
		    struct tval *);
static int	 ts_replace(struct trender *, const struct tval *,
		    const struct tstr *, const struct tstr *, int64_t, int,
		    struct tval *);
static int	 ts_pad(struct trender *, const struct tval *, int, int64_t,
		    const struct tstr *, struct tval *);
static int	 ts_is(const struct tval *, int);
static int	 ts_partition(struct trender *, const struct tval *,
		    const struct tstr *, int, struct tval *);
static int	 ts_affix(struct trender *, const struct tval *, struct tval *,
		    int, int *);
static int	 ts_join(struct trender *, const struct tval *, struct tval *,
		    struct tval *);
static int	 me_str(struct trender *, const struct tval *, int,
		    struct targs *, struct tval *);
static int	 tl_fromdict(struct trender *, const struct tdict *, int,
		    struct tval *);
static int	 td_copy(struct trender *, const struct tdict *, int,
		    struct tval *);
static int	 me_loop(struct trender *, const struct tval *, int,
		    struct targs *, struct tval *);
static int	 me_call(struct trender *, const struct tval *, int,
		    struct targs *, struct tval *);
static int	 ch_in(int, const char *);
static int	 fmt_num(struct trender *, struct tbuf *, char, const char *,
		    int64_t, const struct tval *);
static int	 fmt_one(struct trender *, struct tbuf *, char, const char *,
		    int64_t, int64_t, const struct tval *);
static int	 fmt_spec(const char *, size_t, size_t *, struct tfmtspec *);
static int	 fmt_percent(struct trender *, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tv_attrpath(struct trender *, const struct tval *,
		    const struct tval *, struct tval *);
static int	 tv_sortkey(struct trender *, const struct tval *,
		    const struct tval *, int, struct tval *);
static int	 sort_idx(struct trender *, const struct tval *, size_t *,
		    size_t, int);
static int	 tl_sorted(struct trender *, const struct tval *,
		    const struct tval *, int, int, struct tval *);
static int	 fl_iter(struct trender *, struct tval *, struct tval *);
static int	 fl_abs(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_attr(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_batch(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_strmap(struct trender *, struct tval *, int, struct tval *);
static int	 fl_capitalize(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_lower(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_upper(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_title(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_center(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_length(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_default(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_dictsort(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_escape(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_forceescape(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_first(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_last(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 str_tonum(const struct tstr *, int, int, int64_t *, double *);
static int	 fl_int(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_float(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_format(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_indent(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_items(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_join(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_list(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_map(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_select(struct trender *, struct tval *, struct targs *,
		    struct tval *, int, int);
static int	 fl_selectf(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_rejectf(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_selectattr(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_rejectattr(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_minmax(struct trender *, struct tval *, struct targs *,
		    struct tval *, int);
static int	 fl_max(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_min(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_replace(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_reverse(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_round(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_safe(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_sort(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_string(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_sum(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_tojson(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_trim(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_truncate(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_unique(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_wordcount(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_unsupported(struct trender *, struct tval *, struct targs *,
		    struct tval *);
static int	 fl_lookup(const char *);
static int	 fl_call(struct trender *, int, const char *, struct tval *,
		    struct targs *, struct tval *);
static int	 te_lookup(const char *);
static int	 te_parity(struct trender *, const struct tval *, int64_t,
		    int *);
static int	 te_strcase(struct trender *, const struct tval *, int, int *);
static int	 te_call(struct trender *, int, const char *,
		    const struct tval *, struct targs *, int *);
static int	 fn_range(struct trender *, struct targs *, struct tval *);
static int	 fn_dict(struct trender *, struct targs *, int, struct tval *);
static int	 fn_strftime(struct trender *, struct targs *, struct tval *);
static int	 fn_call(struct trender *, const struct tval *, struct targs *,
		    struct tval *);
static int	 cv_json(struct trender *, const json_t *, struct tval *,
		    unsigned int);

/* ChatML, the template used when a model ships none. */
const char	tmpl_chatml[] =
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}";

static const char *const tv_type_names[] = {
	"Undefined", "NoneType", "bool", "int", "float", "builtin_function",
	"str", "list", "dict", "Namespace", "Macro", "method", "LoopContext",
	"frame"
};

/*
 * UTF-8 and the few Unicode properties Python's str methods need.  The
 * source is checked to be UTF-8 when parsed and jansson checks strings,
 * so decoding may assume well-formed input.
 */

static uint32_t
u8_dec(const char *s, size_t n, size_t *adv)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (n == 0) {
		*adv = 0;
		return 0;
	}
	if (p[0] < 0x80 || n < 2) {
		*adv = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*adv = 2;
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0 || n < 4) {
		if (n < 3) {
			*adv = 1;
			return p[0];
		}
		*adv = 3;
		return (uint32_t)(p[0] & 0x0f) << 12 |
		    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*adv = 4;
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

static size_t
u8_count(const char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Start of the code point before position i (> 0). */
static size_t
u8_back(const char *s, size_t i)
{
	do
		i--;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80);
	return i;
}

/* Python's str.isspace(), which is also what re's \s matches. */
static int
u_isspace(uint32_t c)
{
	if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
		return 1;
	if (c < 0x85)
		return 0;
	return c == 0x85 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The line boundaries of str.splitlines() ("\r\n" is handled apart). */
static int
u_islinebreak(uint32_t c)
{
	return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c ||
	    (c >= 0x1c && c <= 0x1e) || c == 0x85 || c == 0x2028 ||
	    c == 0x2029;
}

/*
 * Characters repr() escapes besides the C0 controls: C1 controls, the
 * separators and format characters, private use.  XXX: an approximation
 * of Python's Py_UNICODE_ISPRINTABLE without the unassigned code points.
 */
static int
u_isprintable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad)
		return 0;
	if (c < 0x600)
		return 1;
	if ((c >= 0x600 && c <= 0x605) || c == 0x61c || c == 0x6dd ||
	    c == 0x70f || c == 0x180e || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	    (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff ||
	    (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xe000 && c <= 0xf8ff) ||
	    (c >= 0xf0000))
		return 0;
	return 1;
}

/*
 * Simple case mappings: ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic.  Other scripts are left alone.
 */
static uint32_t
u_lower(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if ((c >= 0xc0 && c <= 0xde && c != 0xd7))
		return c + 32;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
			return (c & 1) ? c : c + 1;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c + 1 : c;
		return c;
	}
	if ((c >= 0x391 && c <= 0x3a9 && c != 0x3a2))
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

static uint32_t
u_upper(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') ? c - 32 : c;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 32;
	if (c == 0xff)
		return 0x178;
	if (c == 0xb5)
		return 0x39c;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x131)
			return 'I';
		if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
			return (c & 1) ? c - 1 : c;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c : c - 1;
		if (c == 0x17f)
			return 'S';
		return c;
	}
	if (c == 0x3c2)
		return 0x3a3;
	if (c >= 0x3b1 && c <= 0x3c9)
		return c - 32;
	if (c >= 0x430 && c <= 0x44f)
		return c - 32;
	if (c >= 0x450 && c <= 0x45f)
		return c - 80;
	return c;
}

static int
u_iscased(uint32_t c)
{
	return u_lower(c) != c || u_upper(c) != c;
}

static int
u_isalpha(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	/* XXX: letters outside the mapped scripts count as letters too. */
	return u_iscased(c) || (c >= 0x4e00 && c <= 0x9fff) ||
	    c == 0xaa || c == 0xba || c == 0xdf || (c >= 0x3040 &&
	    c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7a3);
}

static int
u_isdigit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * The render: errors, steps, the heap.
 */

static int
rn_fail(struct trender *r, int code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[TMPL_ERRLEN];

	if (r->r_rc != 0)
		return r->r_rc;
	r->r_rc = code;
	if (r->r_err == NULL || r->r_errlen == 0)
		return code;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == TMPL_ERR_RAISED)
		(void)snprintf(r->r_err, r->r_errlen, "%s", msg);
	else
		(void)snprintf(r->r_err, r->r_errlen, "line %u: %s",
		    (unsigned int)r->r_line, msg);
	return code;
}

static int
rn_oom(struct trender *r)
{
	return rn_fail(r, PWR_ERR_ALLOC_FAIL, "out of memory");
}

/* Charge work: one step, plus one per TMPL_BYTES_PER_STEP of bytes. */
static int
rn_work(struct trender *r, size_t bytes)
{
	r->r_steps += 1 + bytes / TMPL_BYTES_PER_STEP;
	if (r->r_steps > TMPL_MAX_STEPS)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "render takes more than %u steps", TMPL_MAX_STEPS);
	return 0;
}

static int
rn_charge(struct trender *r, size_t add)
{
	if (add > TMPL_MAX_MEMORY - r->r_mem)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "render needs more than %u bytes", TMPL_MAX_MEMORY);
	r->r_mem += add;
	return 0;
}

static void
rn_uncharge(struct trender *r, size_t sub)
{
	r->r_mem = sub > r->r_mem ? 0 : r->r_mem - sub;
}

static void *
rn_alloc(struct trender *r, int kind, size_t size)
{
	struct tobj	*o;

	if (rn_charge(r, size) != 0)
		return NULL;
	if ((o = calloc(1, size)) == NULL) {
		rn_uncharge(r, size);
		rn_oom(r);
		return NULL;
	}
	o->ob_kind = kind;
	o->ob_refs = 1;
	o->ob_size = size;
	o->ob_next = r->r_heap.ob_next;
	o->ob_prev = &r->r_heap;
	r->r_heap.ob_next->ob_prev = o;
	r->r_heap.ob_next = o;
	return o;
}

static int
tv_isheap(const struct tval *v)
{
	return v->v_type >= TV_STR;
}

static struct tval
tv_dup(const struct tval *v)
{
	if (tv_isheap(v) && !v->u.o->ob_static)
		v->u.o->ob_refs++;
	return *v;
}


static void
tv_drop(struct trender *r, struct tval *v)
{
	if (tv_isheap(v))
		ob_release(r, v->u.o);
	v->v_type = TV_UNDEF;
	v->v_fl = 0;
	v->u.hint = NULL;
}

/* Free an object's own memory; children are the caller's business. */
static void
ob_free(struct trender *r, struct tobj *o)
{
	struct tlist	*l;
	struct tdict	*d;
	struct tframe	*f;
	size_t		 extra = 0;

	switch (o->ob_kind) {
	case TV_LIST:
		l = (struct tlist *)o;
		extra = l->l_cap * sizeof(*l->l_v);
		free(l->l_v);
		break;
	case TV_DICT:
	case TV_NS:
		d = (struct tdict *)o;
		extra = d->d_cap * sizeof(*d->d_e) +
		    d->d_icap * sizeof(*d->d_idx);
		free(d->d_e);
		free(d->d_idx);
		break;
	case TV_FRAME:
		f = (struct tframe *)o;
		extra = f->f_cap * sizeof(*f->f_v);
		free(f->f_v);
		break;
	}
	rn_uncharge(r, o->ob_size + extra);
	freezero(o, o->ob_size);
}

/* Drop the references an object holds. */
static void
ob_children(struct trender *r, struct tobj *o)
{
	struct tlist	*l;
	struct tdict	*d;
	struct tframe	*f;
	struct tmacro	*m;
	struct tbound	*b;
	struct tloop	*lp;
	size_t		 i;

	switch (o->ob_kind) {
	case TV_LIST:
		l = (struct tlist *)o;
		for (i = 0; i < l->l_n; i++)
			tv_drop(r, &l->l_v[i]);
		l->l_n = 0;
		break;
	case TV_DICT:
	case TV_NS:
		d = (struct tdict *)o;
		for (i = 0; i < d->d_n; i++) {
			tv_drop(r, &d->d_e[i].de_key);
			tv_drop(r, &d->d_e[i].de_val);
		}
		d->d_n = 0;
		break;
	case TV_FRAME:
		f = (struct tframe *)o;
		for (i = 0; i < f->f_n; i++)
			tv_drop(r, &f->f_v[i].va_val);
		f->f_n = 0;
		if (f->f_parent != NULL)
			ob_release(r, &f->f_parent->f_ob);
		f->f_parent = NULL;
		break;
	case TV_MACRO:
		m = (struct tmacro *)o;
		if (m->m_closure != NULL)
			ob_release(r, &m->m_closure->f_ob);
		m->m_closure = NULL;
		break;
	case TV_BOUND:
		b = (struct tbound *)o;
		tv_drop(r, &b->b_self);
		break;
	case TV_LOOP:
		lp = (struct tloop *)o;
		if (lp->lp_items != NULL)
			ob_release(r, &lp->lp_items->l_ob);
		lp->lp_items = NULL;
		tv_drop(r, &lp->lp_last);
		break;
	}
}

/*
 * Release a reference.  Objects whose count drops to zero go on a list
 * drained here, not recursively: a deeply nested value must not use
 * the C stack to be freed.
 */
static void
ob_release(struct trender *r, struct tobj *o)
{
	if (o == NULL || o->ob_static)
		return;
	if (--o->ob_refs > 0)
		return;
	o->ob_prev->ob_next = o->ob_next;
	o->ob_next->ob_prev = o->ob_prev;
	o->ob_next = r->r_dead;
	r->r_dead = o;
	if (r->r_draining)
		return;
	r->r_draining = 1;
	while ((o = r->r_dead) != NULL) {
		r->r_dead = o->ob_next;
		ob_children(r, o);
		ob_free(r, o);
	}
	r->r_draining = 0;
}

/* End of a render: free what cycles kept alive. */
static void
rn_sweep(struct trender *r)
{
	struct tobj	*o, *next;

	for (o = r->r_heap.ob_next; o != &r->r_heap; o = next) {
		next = o->ob_next;
		ob_free(r, o);
	}
	r->r_heap.ob_next = r->r_heap.ob_prev = &r->r_heap;
}

/*
 * Output buffers, bounded by TMPL_MAX_OUTPUT and wiped as they grow.
 */

static int
tb_reserve(struct trender *r, struct tbuf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (n > TMPL_MAX_OUTPUT - b->b_len)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "output longer than %u bytes", TMPL_MAX_OUTPUT);
	if (b->b_len + n + 1 <= b->b_cap)
		return 0;
	cap = b->b_cap < 256 ? 256 : b->b_cap;
	while (cap < b->b_len + n + 1)
		cap *= 2;
	if (cap > TMPL_MAX_OUTPUT + 1)
		cap = TMPL_MAX_OUTPUT + 1;
	if (rn_charge(r, cap - b->b_cap) != 0)
		return r->r_rc;
	if ((p = recallocarray(b->b_p, b->b_cap, cap, 1)) == NULL) {
		rn_uncharge(r, cap - b->b_cap);
		return rn_oom(r);
	}
	b->b_p = p;
	b->b_cap = cap;
	return 0;
}

static int
tb_put(struct trender *r, struct tbuf *b, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (tb_reserve(r, b, n) != 0)
		return r->r_rc;
	memcpy(b->b_p + b->b_len, p, n);
	b->b_len += n;
	b->b_p[b->b_len] = '\0';
	return rn_work(r, n);
}

static int
tb_puts(struct trender *r, struct tbuf *b, const char *s)
{
	return tb_put(r, b, s, strlen(s));
}

static int
tb_putc(struct trender *r, struct tbuf *b, char c)
{
	return tb_put(r, b, &c, 1);
}

static int
tb_printf(struct trender *r, struct tbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 tmp[128];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return rn_fail(r, PWR_ERR_INTERNAL, "format overflow");
	return tb_put(r, b, tmp, (size_t)n);
}

static void
tb_free(struct trender *r, struct tbuf *b)
{
	if (b->b_p != NULL) {
		rn_uncharge(r, b->b_cap);
		freezero(b->b_p, b->b_cap);
	}
	b->b_p = NULL;
	b->b_len = b->b_cap = 0;
}

/*
 * Strings.
 */

static struct tstr *
ts_alloc(struct trender *r, size_t len)
{
	struct tstr	*s;

	if (len > TMPL_MAX_OUTPUT) {
		rn_fail(r, TMPL_ERR_LIMIT, "string longer than %u bytes",
		    TMPL_MAX_OUTPUT);
		return NULL;
	}
	if ((s = rn_alloc(r, TV_STR, sizeof(*s) + len + 1)) == NULL)
		return NULL;
	s->s_len = len;
	s->s_ncp = SIZE_MAX;
	s->s_p = s->s_buf;
	return s;
}

static void
tv_setstr(struct tval *v, struct tstr *s, int markup)
{
	v->v_type = TV_STR;
	v->v_fl = markup ? TVF_MARKUP : 0;
	v->v_owner = 0;
	v->u.s = s;
}

static int
tv_newstr(struct trender *r, const char *p, size_t n, int markup,
    struct tval *out)
{
	struct tstr	*s;

	tv_undef(out, NULL, 0);
	if ((s = ts_alloc(r, n)) == NULL)
		return r->r_rc;
	if (n > 0)
		memcpy(s->s_buf, p, n);
	s->s_buf[n] = '\0';
	tv_setstr(out, s, markup);
	return rn_work(r, n);
}

/* A string that points into memory outliving the render (ctx). */
static int
tv_borrowstr(struct trender *r, const char *p, size_t n, struct tval *out)
{
	struct tstr	*s;

	tv_undef(out, NULL, 0);
	if (n > TMPL_MAX_OUTPUT)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "string longer than %u bytes", TMPL_MAX_OUTPUT);
	if ((s = rn_alloc(r, TV_STR, sizeof(*s))) == NULL)
		return r->r_rc;
	s->s_len = n;
	s->s_ncp = SIZE_MAX;
	s->s_p = p;
	tv_setstr(out, s, 0);
	return 0;
}

/* Turn a buffer into a string value; the buffer is freed. */
static int
tv_frombuf(struct trender *r, struct tbuf *b, int markup, struct tval *out)
{
	tv_undef(out, NULL, 0);
	int	rc;

	rc = tv_newstr(r, b->b_len ? b->b_p : "", b->b_len, markup, out);
	tb_free(r, b);
	return rc;
}

static size_t
ts_ncp(struct tstr *s)
{
	if (s->s_ncp == SIZE_MAX)
		s->s_ncp = u8_count(s->s_p, s->s_len);
	return s->s_ncp;
}

static void
tv_undef(struct tval *v, const char *hint, int owner)
{
	memset(v, 0, sizeof(*v));
	v->v_type = TV_UNDEF;
	v->v_owner = (uint8_t)owner;
	v->u.hint = hint;
}

static void
tv_bool(struct tval *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->v_type = TV_BOOL;
	v->u.i = b != 0;
}

static void
tv_int(struct tval *v, int64_t i)
{
	memset(v, 0, sizeof(*v));
	v->v_type = TV_INT;
	v->u.i = i;
}

static void
tv_float(struct tval *v, double f)
{
	memset(v, 0, sizeof(*v));
	v->v_type = TV_FLOAT;
	v->u.f = f;
}

static void
tv_none(struct tval *v)
{
	memset(v, 0, sizeof(*v));
	v->v_type = TV_NONE;
}

/* Jinja's UndefinedError for using v, which is undefined. */
static int
rn_undef_error(struct trender *r, const struct tval *v)
{
	if (v->v_fl & TVF_UNSAFE)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "SecurityError: access to attribute '%s' is unsafe",
		    v->u.hint != NULL ? v->u.hint : "?");
	if (v->u.hint == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "UndefinedError: value is undefined");
	if (v->v_owner == 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "UndefinedError: '%s' is undefined", v->u.hint);
	return rn_fail(r, PWR_ERR_INVALID_FORMAT,
	    "UndefinedError: '%s object' has no attribute '%s'",
	    tv_type_names[v->v_owner], v->u.hint);
}

static const char *
tv_tname(const struct tval *v)
{
	return tv_type_names[v->v_type];
}

/*
 * Lists.
 */

static struct tlist *
tl_new(struct trender *r, size_t cap)
{
	struct tlist	*l;

	if (cap > TMPL_MAX_ITEMS) {
		rn_fail(r, TMPL_ERR_LIMIT, "more than %u items",
		    TMPL_MAX_ITEMS);
		return NULL;
	}
	if ((l = rn_alloc(r, TV_LIST, sizeof(*l))) == NULL)
		return NULL;
	if (cap > 0) {
		if (rn_charge(r, cap * sizeof(*l->l_v)) != 0) {
			ob_release(r, &l->l_ob);
			return NULL;
		}
		if ((l->l_v = calloc(cap, sizeof(*l->l_v))) == NULL) {
			rn_uncharge(r, cap * sizeof(*l->l_v));
			ob_release(r, &l->l_ob);
			rn_oom(r);
			return NULL;
		}
		l->l_cap = cap;
	}
	return l;
}

static unsigned int
tv_depth(const struct tval *v)
{
	if (v->v_type == TV_LIST || v->v_type == TV_DICT)
		return v->u.o->ob_depth;
	return 0;
}

static int
ob_deepen(struct trender *r, struct tobj *o, const struct tval *v)
{
	unsigned int	d = tv_depth(v) + 1;

	if (d > TMPL_MAX_DATA_DEPTH)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "values nested more than %u deep", TMPL_MAX_DATA_DEPTH);
	if (d > o->ob_depth)
		o->ob_depth = (uint16_t)d;
	return 0;
}

/* Append v, taking the reference; on failure v is dropped. */
static int
tl_push(struct trender *r, struct tlist *l, struct tval *v)
{
	struct tval	*nv;
	size_t		 cap;

	if (ob_deepen(r, &l->l_ob, v) != 0) {
		tv_drop(r, v);
		return r->r_rc;
	}
	if (l->l_n == l->l_cap) {
		if (l->l_n >= TMPL_MAX_ITEMS) {
			tv_drop(r, v);
			return rn_fail(r, TMPL_ERR_LIMIT,
			    "more than %u items", TMPL_MAX_ITEMS);
		}
		cap = l->l_cap < 8 ? 8 : l->l_cap * 2;
		if (rn_charge(r, (cap - l->l_cap) * sizeof(*nv)) != 0) {
			tv_drop(r, v);
			return r->r_rc;
		}
		if ((nv = reallocarray(l->l_v, cap, sizeof(*nv))) == NULL) {
			rn_uncharge(r, (cap - l->l_cap) * sizeof(*nv));
			tv_drop(r, v);
			return rn_oom(r);
		}
		l->l_v = nv;
		l->l_cap = cap;
	}
	l->l_v[l->l_n++] = *v;
	v->v_type = TV_UNDEF;
	return rn_work(r, 0);
}

static void
tv_setlist(struct tval *v, struct tlist *l, int tuple)
{
	memset(v, 0, sizeof(*v));
	v->v_type = TV_LIST;
	v->v_fl = tuple ? TVF_TUPLE : 0;
	v->u.l = l;
}

/*
 * Dicts and namespaces.
 */

static uint32_t
hash_bytes(const char *p, size_t n)
{
	uint32_t	h = 2166136261U;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619U;
	}
	return h;
}

static uint32_t
hash_int(int64_t i)
{
	uint64_t	x = (uint64_t)i;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Hash a key the way equality sees it: 1, 1.0 and True are one key. */
static int
tv_hash(struct trender *r, const struct tval *v, uint32_t *h)
{
	size_t		i;
	uint32_t	x;

	if (rn_work(r, v->v_type == TV_STR ? v->u.s->s_len : 0) != 0)
		return -1;
	switch (v->v_type) {
	case TV_STR:
		*h = hash_bytes(v->u.s->s_p, v->u.s->s_len);
		return 0;
	case TV_BOOL:
	case TV_INT:
		*h = hash_int(v->u.i);
		return 0;
	case TV_FLOAT:
		if (v->u.f == floor(v->u.f) && fabs(v->u.f) < 9.2e18)
			*h = hash_int((int64_t)v->u.f);
		else
			*h = hash_bytes((const char *)&v->u.f,
			    sizeof(v->u.f));
		return 0;
	case TV_NONE:
		*h = 0x9e3779b9U;
		return 0;
	case TV_UNDEF:
		*h = 0x85ebca6bU;
		return 0;
	case TV_LIST:
		if (!(v->v_fl & TVF_TUPLE))
			return -1;
		x = 0x345678U;
		for (i = 0; i < v->u.l->l_n; i++) {
			if (tv_hash(r, &v->u.l->l_v[i], h) != 0)
				return -1;
			x = (x ^ *h) * 1000003U;
		}
		*h = x;
		return 0;
	case TV_DICT:
		return -1;
	default:
		*h = hash_bytes((const char *)&v->u.o, sizeof(v->u.o));
		return 0;
	}
}

static struct tdict *
td_new(struct trender *r, int kind)
{
	return rn_alloc(r, kind, sizeof(struct tdict));
}

static void
tv_setdict(struct tval *v, struct tdict *d)
{
	memset(v, 0, sizeof(*v));
	v->v_type = d->d_ob.ob_kind;
	v->u.d = d;
}


static int
td_reindex(struct trender *r, struct tdict *d)
{
	uint32_t	*idx;
	size_t		 cap, i, j;

	cap = 16;
	while (cap < d->d_n * 2 + 2)
		cap *= 2;
	if (rn_charge(r, cap * sizeof(*idx)) != 0)
		return r->r_rc;
	if ((idx = calloc(cap, sizeof(*idx))) == NULL) {
		rn_uncharge(r, cap * sizeof(*idx));
		return rn_oom(r);
	}
	for (i = 0; i < d->d_n; i++) {
		j = d->d_e[i].de_hash & (cap - 1);
		while (idx[j] != 0)
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	rn_uncharge(r, d->d_icap * sizeof(*idx));
	free(d->d_idx);
	d->d_idx = idx;
	d->d_icap = cap;
	return 0;
}

static struct tdent *
td_find(struct trender *r, const struct tdict *d, const struct tval *k,
    uint32_t h)
{
	size_t	i, j;

	if (d->d_idx == NULL) {
		for (i = 0; i < d->d_n; i++)
			if (d->d_e[i].de_hash == h &&
			    tv_eq(r, &d->d_e[i].de_key, k))
				return &d->d_e[i];
		return NULL;
	}
	for (j = h & (d->d_icap - 1); d->d_idx[j] != 0;
	    j = (j + 1) & (d->d_icap - 1)) {
		i = d->d_idx[j] - 1;
		if (d->d_e[i].de_hash == h && tv_eq(r, &d->d_e[i].de_key, k))
			return &d->d_e[i];
	}
	return NULL;
}

/* Look a key up; NULL if absent or unhashable. */
static struct tval *
td_get(struct trender *r, const struct tdict *d, const struct tval *k)
{
	struct tdent	*e;
	uint32_t	 h;

	if (d->d_n == 0 || tv_hash(r, k, &h) != 0)
		return NULL;
	e = td_find(r, d, k, h);
	return e != NULL ? &e->de_val : NULL;
}

static struct tval *
td_getstr(struct trender *r, const struct tdict *d, const char *p,
    size_t n)
{
	struct tstr	 s;
	struct tval	 k;

	memset(&s, 0, sizeof(s));
	s.s_ob.ob_static = 1;
	s.s_p = p;
	s.s_len = n;
	tv_setstr(&k, &s, 0);
	return td_get(r, d, &k);
}

/* Set key k to v, taking both references; on failure both are dropped. */
static int
td_set(struct trender *r, struct tdict *d, struct tval *k, struct tval *v)
{
	struct tdent	*e, *ne;
	uint32_t	 h;
	size_t		 cap;

	if (tv_hash(r, k, &h) != 0) {
		rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: unhashable type: '%s'", tv_tname(k));
		goto fail;
	}
	if (d->d_ob.ob_kind == TV_DICT && ob_deepen(r, &d->d_ob, v) != 0)
		goto fail;
	if ((e = td_find(r, d, k, h)) != NULL) {
		tv_drop(r, &e->de_val);
		e->de_val = *v;
		tv_drop(r, k);
		v->v_type = TV_UNDEF;
		return rn_work(r, 0);
	}
	if (d->d_n == d->d_cap) {
		if (d->d_n >= TMPL_MAX_ITEMS) {
			rn_fail(r, TMPL_ERR_LIMIT, "more than %u items",
			    TMPL_MAX_ITEMS);
			goto fail;
		}
		cap = d->d_cap < 4 ? 4 : d->d_cap * 2;
		if (rn_charge(r, (cap - d->d_cap) * sizeof(*ne)) != 0)
			goto fail;
		if ((ne = reallocarray(d->d_e, cap, sizeof(*ne))) == NULL) {
			rn_uncharge(r, (cap - d->d_cap) * sizeof(*ne));
			rn_oom(r);
			goto fail;
		}
		d->d_e = ne;
		d->d_cap = cap;
	}
	e = &d->d_e[d->d_n++];
	e->de_key = *k;
	e->de_val = *v;
	e->de_hash = h;
	k->v_type = v->v_type = TV_UNDEF;
	if (d->d_n >= TMPL_DICT_INDEX_MIN && d->d_n * 2 + 2 > d->d_icap)
		return td_reindex(r, d);
	if (d->d_idx != NULL) {
		cap = h & (d->d_icap - 1);
		while (d->d_idx[cap] != 0)
			cap = (cap + 1) & (d->d_icap - 1);
		d->d_idx[cap] = (uint32_t)d->d_n;
	}
	return rn_work(r, 0);
fail:
	tv_drop(r, k);
	tv_drop(r, v);
	return r->r_rc;
}

/*
 * Frames: the variables of a scope (template, loop iteration, macro
 * call, block).  Lookups walk the parents.
 */

static struct tframe *
fr_new(struct trender *r, struct tframe *parent)
{
	struct tframe	*f;

	if ((f = rn_alloc(r, TV_FRAME, sizeof(*f))) == NULL)
		return NULL;
	f->f_parent = parent;
	if (parent != NULL)
		parent->f_ob.ob_refs++;
	return f;
}

static struct tval *
fr_find(struct trender *r, struct tframe *f, int name)
{
	size_t	i, scanned = 0;

	for (; f != NULL; f = f->f_parent) {
		for (i = 0; i < f->f_n; i++)
			if (f->f_v[i].va_name == name) {
				(void)rn_work(r, scanned * 4);
				return &f->f_v[i].va_val;
			}
		scanned += f->f_n + 1;
	}
	(void)rn_work(r, scanned * 4);
	return NULL;
}

/* Bind name in f itself, taking the reference of v. */
static int
fr_set(struct trender *r, struct tframe *f, int name, struct tval *v)
{
	struct tvar	*nv;
	size_t		 i, cap;

	for (i = 0; i < f->f_n; i++) {
		if (f->f_v[i].va_name == name) {
			tv_drop(r, &f->f_v[i].va_val);
			f->f_v[i].va_val = *v;
			v->v_type = TV_UNDEF;
			return 0;
		}
	}
	if (f->f_n == f->f_cap) {
		cap = f->f_cap < 4 ? 4 : f->f_cap * 2;
		if (rn_charge(r, (cap - f->f_cap) * sizeof(*nv)) != 0) {
			tv_drop(r, v);
			return r->r_rc;
		}
		if ((nv = reallocarray(f->f_v, cap, sizeof(*nv))) == NULL) {
			rn_uncharge(r, (cap - f->f_cap) * sizeof(*nv));
			tv_drop(r, v);
			return rn_oom(r);
		}
		f->f_v = nv;
		f->f_cap = cap;
	}
	f->f_v[f->f_n].va_name = name;
	f->f_v[f->f_n].va_val = *v;
	f->f_n++;
	v->v_type = TV_UNDEF;
	return 0;
}

/*
 * Python's float repr: the shortest digits that read back the same,
 * positional between 1e-4 and 1e16, else with an exponent.
 */
static void
fmt_float(double x, char *out, size_t outlen)
{
	char	 tmp[40], dig[24];
	int	 prec, exp, decpt, nd, i;
	size_t	 o = 0;
	char	*e;

	if (isnan(x)) {
		(void)snprintf(out, outlen, "nan");
		return;
	}
	if (isinf(x)) {
		(void)snprintf(out, outlen, x < 0 ? "-inf" : "inf");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	/* tmp is [-]d[.ddd]e[+-]XX */
	e = strchr(tmp, 'e');
	exp = (int)strtol(e + 1, NULL, 10);
	nd = 0;
	for (i = (tmp[0] == '-'); &tmp[i] < e; i++)
		if (tmp[i] >= '0' && tmp[i] <= '9')
			dig[nd++] = tmp[i];
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	if (tmp[0] == '-')
		out[o++] = '-';
	decpt = exp + 1;
	if (decpt > -4 && decpt <= 16) {
		if (decpt <= 0) {
			out[o++] = '0';
			out[o++] = '.';
			for (i = 0; i < -decpt; i++)
				out[o++] = '0';
			for (i = 0; i < nd; i++)
				out[o++] = dig[i];
		} else if (decpt >= nd) {
			for (i = 0; i < nd; i++)
				out[o++] = dig[i];
			for (i = nd; i < decpt; i++)
				out[o++] = '0';
			out[o++] = '.';
			out[o++] = '0';
		} else {
			for (i = 0; i < nd; i++) {
				if (i == decpt)
					out[o++] = '.';
				out[o++] = dig[i];
			}
		}
		out[o] = '\0';
		return;
	}
	out[o++] = dig[0];
	if (nd > 1) {
		out[o++] = '.';
		for (i = 1; i < nd; i++)
			out[o++] = dig[i];
	}
	(void)snprintf(out + o, outlen - o, "e%c%02d", exp < 0 ? '-' : '+',
	    exp < 0 ? -exp : exp);
}


/* repr() of a str: Python's choice of quotes and escapes. */
static int
ts_put_repr(struct trender *r, struct tbuf *b, const struct tstr *s)
{
	const char	*p = s->s_p;
	size_t		 n = s->s_len, i, adv;
	uint32_t	 c;
	char		 q = '\'', tmp[16];
	int		 rc = 0;

	if (memchr(p, '\'', n) != NULL && memchr(p, '"', n) == NULL)
		q = '"';
	if (tb_putc(r, b, q) != 0)
		return r->r_rc;
	for (i = 0; i < n && rc == 0; i += adv) {
		c = u8_dec(p + i, n - i, &adv);
		if (c == (uint32_t)q || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			rc = tb_put(r, b, tmp, 2);
		} else if (c == '\n')
			rc = tb_put(r, b, "\\n", 2);
		else if (c == '\r')
			rc = tb_put(r, b, "\\r", 2);
		else if (c == '\t')
			rc = tb_put(r, b, "\\t", 2);
		else if (u_isprintable(c))
			rc = tb_put(r, b, p + i, adv);
		else if (c < 0x100)
			rc = tb_printf(r, b, "\\x%02x", c);
		else if (c < 0x10000)
			rc = tb_printf(r, b, "\\u%04x", c);
		else
			rc = tb_printf(r, b, "\\U%08x", c);
	}
	if (rc != 0)
		return rc;
	return tb_putc(r, b, q);
}

static int
td_put_repr(struct trender *r, struct tbuf *b, const struct tdict *d,
    unsigned int depth)
{
	size_t	i;

	if (tb_putc(r, b, '{') != 0)
		return r->r_rc;
	for (i = 0; i < d->d_n; i++) {
		if ((i > 0 && tb_put(r, b, ", ", 2) != 0) ||
		    tv_put_repr(r, b, &d->d_e[i].de_key, depth + 1) != 0 ||
		    tb_put(r, b, ": ", 2) != 0 ||
		    tv_put_repr(r, b, &d->d_e[i].de_val, depth + 1) != 0)
			return r->r_rc;
	}
	return tb_putc(r, b, '}');
}

/* str(v) for scalars and containers alike. */
static int
tv_put_str(struct trender *r, struct tbuf *b, const struct tval *v,
    unsigned int depth)
{
	char	tmp[40];

	switch (v->v_type) {
	case TV_UNDEF:
		return 0;
	case TV_NONE:
		return tb_put(r, b, "None", 4);
	case TV_BOOL:
		return v->u.i ? tb_put(r, b, "True", 4) :
		    tb_put(r, b, "False", 5);
	case TV_INT:
		return tb_printf(r, b, "%lld", (long long)v->u.i);
	case TV_FLOAT:
		fmt_float(v->u.f, tmp, sizeof(tmp));
		return tb_puts(r, b, tmp);
	case TV_STR:
		return tb_put(r, b, v->u.s->s_p, v->u.s->s_len);
	default:
		return tv_put_repr(r, b, v, depth);
	}
}

static int
tv_put_repr(struct trender *r, struct tbuf *b, const struct tval *v,
    unsigned int depth)
{
	const struct tlist	*l;
	const struct tmacro	*m;
	const struct tloop	*lp;
	size_t			 i;

	if (depth > TMPL_MAX_DATA_DEPTH)
		return tb_put(r, b, "...", 3);
	switch (v->v_type) {
	case TV_STR:
		if (v->v_fl & TVF_MARKUP) {
			if (tb_put(r, b, "Markup(", 7) != 0 ||
			    ts_put_repr(r, b, v->u.s) != 0)
				return r->r_rc;
			return tb_putc(r, b, ')');
		}
		return ts_put_repr(r, b, v->u.s);
	case TV_LIST:
		l = v->u.l;
		if ((v->v_fl & TVF_VIEW) && tb_puts(r, b, (v->v_fl & TVF_KEYS) ?
		    "dict_keys(" : (v->v_fl & TVF_VALUES) ? "dict_values(" :
		    "dict_items(") != 0)
			return r->r_rc;
		if (tb_putc(r, b, (v->v_fl & TVF_TUPLE) ? '(' : '[') != 0)
			return r->r_rc;
		for (i = 0; i < l->l_n; i++) {
			if ((i > 0 && tb_put(r, b, ", ", 2) != 0) ||
			    tv_put_repr(r, b, &l->l_v[i], depth + 1) != 0)
				return r->r_rc;
		}
		if ((v->v_fl & TVF_TUPLE) && l->l_n == 1 &&
		    tb_putc(r, b, ',') != 0)
			return r->r_rc;
		if (tb_putc(r, b, (v->v_fl & TVF_TUPLE) ? ')' : ']') != 0)
			return r->r_rc;
		return (v->v_fl & TVF_VIEW) ? tb_putc(r, b, ')') : 0;
	case TV_DICT:
		return td_put_repr(r, b, v->u.d, depth);
	case TV_NS:
		if (tb_put(r, b, "<Namespace ", 11) != 0 ||
		    td_put_repr(r, b, v->u.d, depth) != 0)
			return r->r_rc;
		return tb_putc(r, b, '>');
	case TV_MACRO:
		m = (const struct tmacro *)v->u.o;
		if (m->m_def->n_kind == N_MACRO)
			return tb_printf(r, b, "<Macro '%.64s'>",
			    r->r_t->t_names[m->m_def->n_name]);
		return tb_puts(r, b, "<Macro 'caller'>");
	case TV_BOUND:
		return tb_puts(r, b, "<built-in method>");
	case TV_FUNC:
		return tb_puts(r, b, "<built-in function>");
	case TV_LOOP:
		lp = (const struct tloop *)v->u.o;
		return tb_printf(r, b, "<LoopContext %zu/%zu>", lp->lp_i + 1,
		    lp->lp_items->l_n);
	case TV_UNDEF:
		return tb_puts(r, b, "Undefined");
	default:
		return tv_put_str(r, b, v, depth);
	}
}

/* str(v) as a string value (plain str, never Markup). */
static int
tv_tostr(struct trender *r, const struct tval *v, struct tval *out)
{
	struct tbuf	b;

	tv_undef(out, NULL, 0);
	if (v->v_type == TV_STR) {
		*out = tv_dup(v);
		out->v_fl = 0;
		return 0;
	}
	memset(&b, 0, sizeof(b));
	if (tv_put_str(r, &b, v, 0) != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, 0, out);
}

static int
tv_truthy(const struct tval *v)
{
	switch (v->v_type) {
	case TV_UNDEF:
	case TV_NONE:
		return 0;
	case TV_BOOL:
	case TV_INT:
		return v->u.i != 0;
	case TV_FLOAT:
		return v->u.f != 0.0;
	case TV_STR:
		return v->u.s->s_len > 0;
	case TV_LIST:
		return v->u.l->l_n > 0;
	case TV_DICT:
		return v->u.d->d_n > 0;
	default:
		return 1;
	}
}

static int
tv_isnum(const struct tval *v)
{
	return v->v_type == TV_BOOL || v->v_type == TV_INT ||
	    v->v_type == TV_FLOAT;
}

static int
tv_isint(const struct tval *v)
{
	return v->v_type == TV_BOOL || v->v_type == TV_INT;
}

static double
tv_num(const struct tval *v)
{
	return v->v_type == TV_FLOAT ? v->u.f : (double)v->u.i;
}

/* Python ==; containers compare by value (tuples only with tuples). */
static int
tv_eq(struct trender *r, const struct tval *a, const struct tval *b)
{
	size_t			 i;
	const struct tval	*bv;

	/* Charged: shared containers can make a compare very long. */
	if (r->r_rc != 0 || rn_work(r, 0) != 0)
		return 0;
	if (tv_isnum(a) && tv_isnum(b)) {
		if (a->v_type != TV_FLOAT && b->v_type != TV_FLOAT)
			return a->u.i == b->u.i;
		return tv_num(a) == tv_num(b);
	}
	if (a->v_type != b->v_type)
		return 0;
	switch (a->v_type) {
	case TV_UNDEF:
	case TV_NONE:
		return 1;
	case TV_STR:
		return a->u.s->s_len == b->u.s->s_len &&
		    memcmp(a->u.s->s_p, b->u.s->s_p, a->u.s->s_len) == 0;
	case TV_LIST:
		if ((a->v_fl & (TVF_TUPLE | TVF_VIEW)) !=
		    (b->v_fl & (TVF_TUPLE | TVF_VIEW)) ||
		    a->u.l->l_n != b->u.l->l_n)
			return 0;
		for (i = 0; i < a->u.l->l_n; i++)
			if (!tv_eq(r, &a->u.l->l_v[i], &b->u.l->l_v[i]))
				return 0;
		return 1;
	case TV_DICT:
		if (a->u.d->d_n != b->u.d->d_n)
			return 0;
		for (i = 0; i < a->u.d->d_n; i++) {
			bv = td_get(r, b->u.d, &a->u.d->d_e[i].de_key);
			if (bv == NULL || !tv_eq(r, &a->u.d->d_e[i].de_val, bv))
				return 0;
		}
		return 1;
	case TV_FUNC:
		return a->u.i == b->u.i;
	default:
		return a->u.o == b->u.o;
	}
}

/*
 * Python ordering: numbers, strings (code point order, which is UTF-8
 * byte order), lists and tuples element by element.  Returns 0 and
 * sets *cmp, or an error for types that do not order.
 */
static int
tv_cmp(struct trender *r, const struct tval *a, const struct tval *b,
    int *cmp)
{
	size_t	i, n;
	double	x, y;
	int	c;

	if (tv_isnum(a) && tv_isnum(b)) {
		if (a->v_type != TV_FLOAT && b->v_type != TV_FLOAT)
			*cmp = (a->u.i > b->u.i) - (a->u.i < b->u.i);
		else {
			x = tv_num(a);
			y = tv_num(b);
			*cmp = (x > y) - (x < y);
		}
		return 0;
	}
	if (a->v_type == TV_UNDEF)
		return rn_undef_error(r, a);
	if (b->v_type == TV_UNDEF)
		return rn_undef_error(r, b);
	if (a->v_type == TV_STR && b->v_type == TV_STR) {
		n = a->u.s->s_len < b->u.s->s_len ? a->u.s->s_len :
		    b->u.s->s_len;
		c = memcmp(a->u.s->s_p, b->u.s->s_p, n);
		if (c == 0)
			c = (a->u.s->s_len > b->u.s->s_len) -
			    (a->u.s->s_len < b->u.s->s_len);
		*cmp = (c > 0) - (c < 0);
		return 0;
	}
	if (a->v_type == TV_LIST && b->v_type == TV_LIST &&
	    (a->v_fl & TVF_TUPLE) == (b->v_fl & TVF_TUPLE)) {
		n = a->u.l->l_n < b->u.l->l_n ? a->u.l->l_n : b->u.l->l_n;
		for (i = 0; i < n; i++) {
			if (tv_eq(r, &a->u.l->l_v[i], &b->u.l->l_v[i]))
				continue;
			return tv_cmp(r, &a->u.l->l_v[i], &b->u.l->l_v[i],
			    cmp);
		}
		*cmp = (a->u.l->l_n > b->u.l->l_n) -
		    (a->u.l->l_n < b->u.l->l_n);
		return 0;
	}
	return rn_fail(r, PWR_ERR_INVALID_FORMAT,
	    "TypeError: values of type '%s' and '%s' do not order",
	    tv_tname(a), tv_tname(b));
}

/*
 * JSON as Python's json.dumps(ensure_ascii=False) writes it.
 */

static int
tj_put_str(struct trender *r, struct tbuf *b, const char *p, size_t n)
{
	size_t	i, run = 0;
	int	rc = 0;
	char	c;

	if (tb_putc(r, b, '"') != 0)
		return r->r_rc;
	for (i = 0; i < n && rc == 0; i++) {
		c = p[i];
		if ((unsigned char)c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = tb_put(r, b, p + run, i - run);
		run = i + 1;
		if (rc != 0)
			break;
		switch (c) {
		case '"':
			rc = tb_put(r, b, "\\\"", 2);
			break;
		case '\\':
			rc = tb_put(r, b, "\\\\", 2);
			break;
		case '\n':
			rc = tb_put(r, b, "\\n", 2);
			break;
		case '\r':
			rc = tb_put(r, b, "\\r", 2);
			break;
		case '\t':
			rc = tb_put(r, b, "\\t", 2);
			break;
		case '\b':
			rc = tb_put(r, b, "\\b", 2);
			break;
		case '\f':
			rc = tb_put(r, b, "\\f", 2);
			break;
		default:
			rc = tb_printf(r, b, "\\u%04x", (unsigned char)c);
			break;
		}
	}
	if (rc != 0 || tb_put(r, b, p + run, n - run) != 0)
		return r->r_rc;
	return tb_putc(r, b, '"');
}

static int
tj_newline(struct trender *r, struct tbuf *b, const struct tjson *o,
    unsigned int level)
{
	unsigned int	i;

	if (tb_putc(r, b, '\n') != 0)
		return r->r_rc;
	for (i = 0; i < level; i++)
		if (tb_put(r, b, o->tj_ind, o->tj_indn) != 0)
			return r->r_rc;
	return 0;
}

static int
tj_put_num(struct trender *r, struct tbuf *b, const struct tval *v)
{
	char	tmp[40];

	if (v->v_type == TV_BOOL)
		return tb_puts(r, b, v->u.i ? "true" : "false");
	if (v->v_type == TV_INT)
		return tb_printf(r, b, "%lld", (long long)v->u.i);
	if (isnan(v->u.f))
		return tb_puts(r, b, "NaN");
	if (isinf(v->u.f))
		return tb_puts(r, b, v->u.f < 0 ? "-Infinity" : "Infinity");
	fmt_float(v->u.f, tmp, sizeof(tmp));
	return tb_puts(r, b, tmp);
}

static int
tj_put_key(struct trender *r, struct tbuf *b, const struct tval *k)
{
	struct tbuf	tmp;
	int		rc;

	switch (k->v_type) {
	case TV_STR:
		return tj_put_str(r, b, k->u.s->s_p, k->u.s->s_len);
	case TV_NONE:
		return tb_puts(r, b, "\"null\"");
	case TV_BOOL:
	case TV_INT:
	case TV_FLOAT:
		memset(&tmp, 0, sizeof(tmp));
		if (tj_put_num(r, &tmp, k) != 0) {
			tb_free(r, &tmp);
			return r->r_rc;
		}
		rc = tj_put_str(r, b, tmp.b_p, tmp.b_len);
		tb_free(r, &tmp);
		return rc;
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: keys must be str, int, float, bool or None, "
		    "not %s", tv_tname(k));
	}
}

static int
tj_put(struct trender *r, struct tbuf *b, const struct tval *v,
    const struct tjson *o, unsigned int level)
{
	size_t	i, n;

	switch (v->v_type) {
	case TV_NONE:
		return tb_put(r, b, "null", 4);
	case TV_BOOL:
	case TV_INT:
	case TV_FLOAT:
		return tj_put_num(r, b, v);
	case TV_STR:
		return tj_put_str(r, b, v->u.s->s_p, v->u.s->s_len);
	case TV_LIST:
		if (v->v_fl & TVF_VIEW)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "Object of type dict view is not JSON serializable");
		break;
	case TV_DICT:
		break;
	case TV_UNDEF:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: Object "
		    "of type Undefined is not JSON serializable");
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: Object "
		    "of type %s is not JSON serializable", tv_tname(v));
	}
	n = v->v_type == TV_LIST ? v->u.l->l_n : v->u.d->d_n;
	if (tb_putc(r, b, v->v_type == TV_LIST ? '[' : '{') != 0)
		return r->r_rc;
	for (i = 0; i < n; i++) {
		if (i > 0 && tb_put(r, b, o->tj_isep, o->tj_isepn) != 0)
			return r->r_rc;
		if (o->tj_ind != NULL && tj_newline(r, b, o, level + 1) != 0)
			return r->r_rc;
		if (v->v_type == TV_LIST) {
			if (tj_put(r, b, &v->u.l->l_v[i], o, level + 1) != 0)
				return r->r_rc;
			continue;
		}
		if (tj_put_key(r, b, &v->u.d->d_e[i].de_key) != 0 ||
		    tb_put(r, b, o->tj_ksep, o->tj_ksepn) != 0 ||
		    tj_put(r, b, &v->u.d->d_e[i].de_val, o, level + 1) != 0)
			return r->r_rc;
	}
	if (n > 0 && o->tj_ind != NULL && tj_newline(r, b, o, level) != 0)
		return r->r_rc;
	return tb_putc(r, b, v->v_type == TV_LIST ? ']' : '}');
}

/* Markup's escape(): the five HTML characters. */
static int
html_escape(struct trender *r, const struct tstr *s, struct tval *out)
{
	struct tbuf	 b;
	const char	*p = s->s_p, *rep;
	size_t		 i, run = 0;

	tv_undef(out, NULL, 0);
	memset(&b, 0, sizeof(b));
	for (i = 0; i < s->s_len; i++) {
		switch (p[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&#34;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		if (tb_put(r, &b, p + run, i - run) != 0 ||
		    tb_puts(r, &b, rep) != 0)
			goto fail;
		run = i + 1;
	}
	if (tb_put(r, &b, p + run, s->s_len - run) != 0)
		goto fail;
	return tv_frombuf(r, &b, 1, out);
fail:
	tb_free(r, &b);
	return r->r_rc;
}

/*
 * Lexer.  Jinja's rules with trim_blocks and lstrip_blocks on: a "-"
 * after an opening delimiter strips the whitespace before it, a "-"
 * before a closing one the whitespace after it; the first newline
 * after a block or comment tag goes; spaces and tabs before a block or
 * comment tag that starts a line go, unless the tag opens with "+".
 */

static const struct {
	const char	*op_s;
	int		 op_id;
} lx_ops[] = {
	{ "//", OP_FLOORDIV }, { "**", OP_POW }, { "==", OP_EQ },
	{ "!=", OP_NE }, { ">=", OP_GTEQ }, { "<=", OP_LTEQ },
	{ "+", OP_ADD }, { "-", OP_SUB }, { "/", OP_DIV }, { "*", OP_MUL },
	{ "%", OP_MOD }, { "~", OP_TILDE }, { "[", OP_LBRACKET },
	{ "]", OP_RBRACKET }, { "(", OP_LPAREN }, { ")", OP_RPAREN },
	{ "{", OP_LBRACE }, { "}", OP_RBRACE }, { ">", OP_GT },
	{ "<", OP_LT }, { "=", OP_ASSIGN }, { ".", OP_DOT },
	{ ":", OP_COLON }, { "|", OP_PIPE }, { ",", OP_COMMA },
	{ ";", OP_SEMI }
};

static int
ps_fail(struct tparse *p, uint32_t line, int code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[TMPL_ERRLEN];

	if (p->p_rc != 0)
		return p->p_rc;
	p->p_rc = code;
	if (p->p_err == NULL || p->p_errlen == 0)
		return code;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)snprintf(p->p_err, p->p_errlen, "line %u: %s",
	    (unsigned int)line, msg);
	return code;
}

static void
lx_advance(struct tlex *lx, size_t to)
{
	const char	*nl;

	while (lx->lx_pos < to &&
	    (nl = memchr(lx->lx_s + lx->lx_pos, '\n', to - lx->lx_pos))
	    != NULL) {
		lx->lx_line++;
		lx->lx_pos = (size_t)(nl - lx->lx_s) + 1;
	}
	lx->lx_pos = to;
}

static void
lx_push(struct tlex *lx, int type, size_t start, size_t n)
{
	struct ttok	*t = &lx->lx_q[lx->lx_qn++];

	memset(t, 0, sizeof(*t));
	t->tk_type = type;
	t->tk_line = lx->lx_line;
	t->tk_p = lx->lx_s + start;
	t->tk_n = n;
}

/* Skip whitespace from i, as Python's \s* does. */
static size_t
lx_skipws(const char *s, size_t n, size_t i)
{
	size_t		adv;
	uint32_t	c;

	while (i < n) {
		c = u8_dec(s + i, n - i, &adv);
		if (!u_isspace(c))
			break;
		i += adv;
	}
	return i;
}

/* Whitespace before position end that str.rstrip() would remove. */
static size_t
lx_rstrip(const char *s, size_t start, size_t end)
{
	size_t		i, adv;

	while (end > start) {
		i = u8_back(s, end);
		if (i < start || !u_isspace(u8_dec(s + i, end - i, &adv)))
			break;
		end = i;
	}
	return end;
}

static int
lx_match(const struct tlex *lx, size_t i, const char *lit)
{
	size_t	n = strlen(lit);

	return n <= lx->lx_n - i && memcmp(lx->lx_s + i, lit, n) == 0;
}

/*
 * The end of a block tag at i ("+%}", "-%}" and whitespace, "%}" and
 * one newline); 0 if there is none.
 */
static size_t
lx_blockend(const struct tlex *lx, size_t i)
{
	if (lx_match(lx, i, "+%}"))
		return i + 3;
	if (lx_match(lx, i, "-%}"))
		return lx_skipws(lx->lx_s, lx->lx_n, i + 3);
	if (lx_match(lx, i, "%}")) {
		i += 2;
		if (i < lx->lx_n && lx->lx_s[i] == '\n')
			i++;
		return i;
	}
	return 0;
}

/* "{% raw %}" at q: returns where its body starts, or 0. */
static size_t
lx_rawbegin(const struct tlex *lx, size_t j)
{
	j = lx_skipws(lx->lx_s, lx->lx_n, j);
	if (!lx_match(lx, j, "raw"))
		return 0;
	j = lx_skipws(lx->lx_s, lx->lx_n, j + 3);
	if (lx_match(lx, j, "-%}"))
		return lx_skipws(lx->lx_s, lx->lx_n, j + 3);
	if (lx_match(lx, j, "%}"))
		return j + 2;
	return 0;
}

/*
 * Data before a tag at q: strip it as the tag's sign says.  kind is
 * the tag's second character.
 */
static size_t
lx_dataend(const struct tlex *lx, size_t start, size_t q, int sign,
    int kind)
{
	size_t	lpos, i, adv;

	if (sign == '-')
		return lx_rstrip(lx->lx_s, start, q);
	if (sign == '+' || kind == '{')
		return q;
	for (lpos = q; lpos > start && lx->lx_s[lpos - 1] != '\n'; lpos--)
		;
	if ((lpos == start && !lx->lx_bol) || lpos == q)
		return q;
	for (i = lpos; i < q; i += adv)
		if (!u_isspace(u8_dec(lx->lx_s + i, q - i, &adv)))
			return q;
	return lpos;
}

static int
lx_raw(struct tparse *p, size_t body)
{
	struct tlex	*lx = &p->p_lx;
	size_t		 q, j, end, dend;
	int		 sign;

	lx->lx_bol = body > 0 && lx->lx_s[body - 1] == '\n';
	for (q = body; q + 1 < lx->lx_n; q++) {
		if (lx->lx_s[q] != '{' || lx->lx_s[q + 1] != '%')
			continue;
		j = q + 2;
		sign = 0;
		if (j < lx->lx_n && (lx->lx_s[j] == '-' || lx->lx_s[j] == '+'))
			sign = lx->lx_s[j++];
		j = lx_skipws(lx->lx_s, lx->lx_n, j);
		if (!lx_match(lx, j, "endraw"))
			continue;
		j = lx_skipws(lx->lx_s, lx->lx_n, j + 6);
		if ((end = lx_blockend(lx, j)) == 0)
			continue;
		lx_advance(lx, body);
		dend = lx_dataend(lx, body, q, sign, '%');
		if (dend > body)
			lx_push(lx, TK_DATA, body, dend - body);
		lx_advance(lx, end);
		lx->lx_bol = lx->lx_s[end - 1] == '\n';
		return 0;
	}
	return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
	    "Missing end of raw directive");
}

static int
lx_comment(struct tparse *p, size_t j)
{
	struct tlex	*lx = &p->p_lx;
	const char	*e;
	size_t		 q, end;
	int		 sign = 0;

	e = NULL;
	for (q = j; q + 1 < lx->lx_n; q++) {
		if (lx->lx_s[q] == '#' && lx->lx_s[q + 1] == '}') {
			e = lx->lx_s + q;
			break;
		}
	}
	if (e == NULL)
		return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
		    "Missing end of comment tag");
	if (q > j && (lx->lx_s[q - 1] == '-' || lx->lx_s[q - 1] == '+'))
		sign = lx->lx_s[q - 1];
	end = q + 2;
	if (sign == '-')
		end = lx_skipws(lx->lx_s, lx->lx_n, end);
	else if (sign == 0 && end < lx->lx_n && lx->lx_s[end] == '\n')
		end++;
	lx_advance(lx, end);
	lx->lx_bol = lx->lx_s[end - 1] == '\n';
	return 0;
}

/* Root state: data up to the next tag, and the tag's opening. */
static int
lx_root(struct tparse *p)
{
	struct tlex	*lx = &p->p_lx;
	const char	*s = lx->lx_s;
	size_t		 start, q, j, dend, body;
	int		 sign, kind;

	for (;;) {
		start = lx->lx_pos;
		for (q = start; q + 1 < lx->lx_n; q++)
			if (s[q] == '{' && (s[q + 1] == '{' ||
			    s[q + 1] == '%' || s[q + 1] == '#'))
				break;
		if (q + 1 >= lx->lx_n) {
			if (start < lx->lx_n)
				lx_push(lx, TK_DATA, start, lx->lx_n - start);
			lx_advance(lx, lx->lx_n);
			lx_push(lx, TK_EOF, lx->lx_n, 0);
			lx->lx_state = LX_DONE;
			return 0;
		}
		kind = s[q + 1];
		j = q + 2;
		sign = 0;
		if (j < lx->lx_n && (s[j] == '-' || s[j] == '+'))
			sign = s[j++];
		body = kind == '%' ? lx_rawbegin(lx, j) : 0;
		dend = lx_dataend(lx, start, q, sign, kind);
		if (dend > start)
			lx_push(lx, TK_DATA, start, dend - start);
		lx_advance(lx, q);
		if (body != 0) {
			lx_advance(lx, body);
			if (lx_raw(p, body) != 0)
				return p->p_rc;
		} else if (kind == '#') {
			if (lx_comment(p, j) != 0)
				return p->p_rc;
		} else {
			lx_push(lx, kind == '{' ? TK_VBEGIN : TK_BBEGIN, q,
			    j - q);
			lx_advance(lx, j);
			lx->lx_state = kind == '{' ? LX_VAR : LX_BLOCK;
			lx->lx_bol = 0;
			lx->lx_nbrk = 0;
			return 0;
		}
		if (lx->lx_qn > 0)
			return 0;
	}
}

static int
lx_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
lx_isname(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && lx_isdigit(c));
}

static int
lx_isdigitb(int c, int base)
{
	if (base == 16)
		return lx_isdigit(c) || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F');
	return c >= '0' && c < '0' + base;
}

/*
 * Digits with single underscores between them from i; with lead, an
 * underscore may come before the first digit too (after "0x").
 */
static size_t
lx_digits(const char *s, size_t n, size_t i, int base, int lead)
{
	size_t	start = i;

	for (;;) {
		if (i < n && lx_isdigitb((unsigned char)s[i], base))
			i++;
		else if (i + 1 < n && s[i] == '_' && (i > start || lead) &&
		    lx_isdigitb((unsigned char)s[i + 1], base))
			i += 2;
		else
			break;
	}
	return i;
}

static int
lx_number(struct tparse *p, size_t i)
{
	struct tlex		*lx = &p->p_lx;
	const char		*s = lx->lx_s;
	char			 tmp[64];
	size_t			 n = lx->lx_n, e, j, k, ds, o;
	int			 isfloat = 0, base = 10;
	unsigned long long	 v;

	if (s[i] == '0' && i + 1 < n && s[i + 1] != '\0' &&
	    strchr("bBoOxX", s[i + 1]) != NULL) {
		base = (s[i + 1] | 0x20) == 'b' ? 2 :
		    (s[i + 1] | 0x20) == 'o' ? 8 : 16;
		ds = i + 2;
		e = lx_digits(s, n, ds, base, 1);
		if (e == ds)
			return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
			    "invalid number literal");
	} else {
		ds = i;
		e = lx_digits(s, n, i, 10, 0);
		j = e;
		if (i == 0 || s[i - 1] != '.') {
			if (j + 1 < n && s[j] == '.' &&
			    lx_isdigit((unsigned char)s[j + 1])) {
				j = lx_digits(s, n, j + 1, 10, 0);
				isfloat = 1;
			}
			if (j < n && (s[j] == 'e' || s[j] == 'E')) {
				k = j + 1;
				if (k < n && (s[k] == '+' || s[k] == '-'))
					k++;
				if (k < n && lx_isdigit((unsigned char)s[k])) {
					j = lx_digits(s, n, k, 10, 0);
					isfloat = 1;
				}
			}
		}
		if (isfloat)
			e = j;
		else if (s[i] == '0') {
			/* Only zeros may follow a leading zero. */
			for (k = i + 1; k + 1 < e + 1 && k < e &&
			    (s[k] == '0' || (s[k] == '_' && k + 1 < e &&
			    s[k + 1] == '0')); k++)
				;
			e = k;
		}
	}
	for (o = 0, k = ds; k < e; k++) {
		if (s[k] == '_')
			continue;
		if (o + 1 >= sizeof(tmp))
			return ps_fail(p, lx->lx_line, TMPL_ERR_LIMIT,
			    "number literal too long");
		tmp[o++] = s[k];
	}
	tmp[o] = '\0';
	lx_push(lx, isfloat ? TK_FLOAT : TK_INT, i, e - i);
	if (isfloat)
		lx->lx_q[lx->lx_qn - 1].tk_f = strtod(tmp, NULL);
	else {
		v = strtoull(tmp, NULL, base);
		if (v > INT64_MAX)
			return ps_fail(p, lx->lx_line, TMPL_ERR_LIMIT,
			    "integer literal too large");
		lx->lx_q[lx->lx_qn - 1].tk_i = (int64_t)v;
	}
	lx_advance(lx, e);
	return 0;
}

static int
lx_string(struct tparse *p, size_t i)
{
	struct tlex	*lx = &p->p_lx;
	char		 q = lx->lx_s[i];
	size_t		 k;

	for (k = i + 1; k < lx->lx_n; k++) {
		if (lx->lx_s[k] == '\\') {
			k++;
			continue;
		}
		if (lx->lx_s[k] == q) {
			lx_push(lx, TK_STR, i + 1, k - i - 1);
			lx_advance(lx, k + 1);
			return 0;
		}
	}
	return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
	    "unexpected char %c", q);
}

static int
lx_operator(struct tparse *p, size_t i)
{
	struct tlex	*lx = &p->p_lx;
	size_t		 k, n;
	int		 op;
	char		 want;

	for (k = 0; k < sizeof(lx_ops) / sizeof(lx_ops[0]); k++)
		if (lx_match(lx, i, lx_ops[k].op_s))
			break;
	if (k == sizeof(lx_ops) / sizeof(lx_ops[0])) {
		if ((unsigned char)lx->lx_s[i] >= 0x80)
			return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
			    "unexpected non-ASCII character");
		return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
		    "unexpected char '%c'", lx->lx_s[i]);
	}
	op = lx_ops[k].op_id;
	n = strlen(lx_ops[k].op_s);
	if (op == OP_LBRACE || op == OP_LPAREN || op == OP_LBRACKET) {
		if (lx->lx_nbrk >= TMPL_MAX_DEPTH)
			return ps_fail(p, lx->lx_line, TMPL_ERR_LIMIT,
			    "brackets nested more than %d deep",
			    TMPL_MAX_DEPTH);
		lx->lx_brk[lx->lx_nbrk++] = op == OP_LBRACE ? '}' :
		    op == OP_LPAREN ? ')' : ']';
	} else if (op == OP_RBRACE || op == OP_RPAREN || op == OP_RBRACKET) {
		if (lx->lx_nbrk == 0)
			return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
			    "unexpected '%c'", lx->lx_s[i]);
		want = lx->lx_brk[--lx->lx_nbrk];
		if (want != lx->lx_s[i])
			return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
			    "unexpected '%c', expected '%c'", lx->lx_s[i],
			    want);
	}
	lx_push(lx, TK_OP, i, n);
	lx->lx_q[lx->lx_qn - 1].tk_op = op;
	lx_advance(lx, i + n);
	return 0;
}

/* Inside a tag: one token. */
static int
lx_tag(struct tparse *p)
{
	struct tlex	*lx = &p->p_lx;
	size_t		 i, end = 0;
	int		 c;

	i = lx_skipws(lx->lx_s, lx->lx_n, lx->lx_pos);
	lx_advance(lx, i);
	if (i >= lx->lx_n)
		return ps_fail(p, lx->lx_line, PWR_ERR_INVALID_FORMAT,
		    "unexpected end of template inside a tag");
	if (lx->lx_nbrk == 0) {
		if (lx->lx_state == LX_BLOCK)
			end = lx_blockend(lx, i);
		else if (lx_match(lx, i, "-}}"))
			end = lx_skipws(lx->lx_s, lx->lx_n, i + 3);
		else if (lx_match(lx, i, "}}"))
			end = i + 2;
		if (end != 0) {
			lx_push(lx, lx->lx_state == LX_BLOCK ? TK_BEND :
			    TK_VEND, i, end - i);
			lx_advance(lx, end);
			lx->lx_state = LX_ROOT;
			lx->lx_bol = lx->lx_s[end - 1] == '\n';
			return 0;
		}
	}
	c = (unsigned char)lx->lx_s[i];
	if (lx_isdigit(c))
		return lx_number(p, i);
	if (lx_isname(c, 1)) {
		for (end = i + 1; end < lx->lx_n &&
		    lx_isname((unsigned char)lx->lx_s[end], 0); end++)
			;
		lx_push(lx, TK_NAME, i, end - i);
		lx_advance(lx, end);
		return 0;
	}
	if (c == '\'' || c == '"')
		return lx_string(p, i);
	return lx_operator(p, i);
}

static int
lx_next(struct tparse *p, struct ttok *t)
{
	struct tlex	*lx = &p->p_lx;

	while (lx->lx_qn == 0) {
		if (lx->lx_state == LX_DONE) {
			lx_push(lx, TK_EOF, lx->lx_n, 0);
			break;
		}
		if ((lx->lx_state == LX_ROOT ? lx_root(p) : lx_tag(p)) != 0)
			return p->p_rc;
	}
	*t = lx->lx_q[0];
	lx->lx_qn--;
	memmove(&lx->lx_q[0], &lx->lx_q[1], lx->lx_qn * sizeof(lx->lx_q[0]));
	return 0;
}

/*
 * Parser: recursive descent following Jinja's grammar, into nodes kept
 * in the template's arena.
 */

static void *
ps_alloc(struct tparse *p, size_t size)
{
	struct tmpl	*t = p->p_t;
	struct tchunk	*c = t->t_chunks;
	size_t		 csize;
	void		*ptr;

	size = (size + sizeof(max_align_t) - 1) &
	    ~(sizeof(max_align_t) - 1);
	if (c == NULL || c->ch_size - c->ch_used < size) {
		csize = size > TMPL_ARENA_CHUNK ? size : TMPL_ARENA_CHUNK;
		if (csize > TMPL_MAX_ARENA - t->t_arena) {
			ps_fail(p, p->p_cur.tk_line, TMPL_ERR_LIMIT,
			    "template needs more than %u bytes",
			    TMPL_MAX_ARENA);
			return NULL;
		}
		if ((c = calloc(1, sizeof(*c) + csize)) == NULL) {
			ps_fail(p, p->p_cur.tk_line, PWR_ERR_ALLOC_FAIL,
			    "out of memory");
			return NULL;
		}
		c->ch_size = csize;
		c->ch_next = t->t_chunks;
		t->t_chunks = c;
		t->t_arena += csize;
	}
	ptr = (char *)c->ch_data + c->ch_used;
	c->ch_used += size;
	return ptr;
}

static struct tnode *
ps_node(struct tparse *p, int kind, uint32_t line)
{
	struct tnode	*n;

	if ((n = ps_alloc(p, sizeof(*n))) == NULL)
		return NULL;
	n->n_kind = (uint8_t)kind;
	n->n_line = line;
	return n;
}

/* A string constant living as long as the template. */
static struct tstr *
ps_str(struct tparse *p, const char *s, size_t n, int copy)
{
	struct tstr	*ts;
	char		*buf;

	if ((ts = ps_alloc(p, sizeof(*ts) + (copy ? n + 1 : 0))) == NULL)
		return NULL;
	ts->s_ob.ob_static = 1;
	ts->s_ob.ob_kind = TV_STR;
	ts->s_ob.ob_refs = 1;
	ts->s_len = n;
	if (copy) {
		buf = ts->s_buf;
		if (n > 0)
			memcpy(buf, s, n);
		buf[n] = '\0';
		s = buf;
	}
	ts->s_p = s;
	ts->s_ncp = u8_count(s, n);
	return ts;
}

static int
ps_intern(struct tparse *p, const char *s, size_t n)
{
	struct tmpl	*t = p->p_t;
	uint32_t	*nh, h;
	char		**nn, *name;
	size_t		 i, j, cap;

	h = hash_bytes(s, n);
	if (p->p_hcap > 0) {
		for (i = h & (p->p_hcap - 1); p->p_hash[i] != 0;
		    i = (i + 1) & (p->p_hcap - 1)) {
			name = t->t_names[p->p_hash[i] - 1];
			if (strlen(name) == n && memcmp(name, s, n) == 0)
				return (int)p->p_hash[i] - 1;
		}
	}
	if (t->t_nnames >= INT_MAX / 4) {
		ps_fail(p, p->p_cur.tk_line, TMPL_ERR_LIMIT, "too many names");
		return -1;
	}
	if (t->t_nnames == t->t_capnames) {
		cap = t->t_capnames < 32 ? 32 : t->t_capnames * 2;
		if ((nn = reallocarray(t->t_names, cap, sizeof(*nn))) == NULL)
			goto oom;
		t->t_names = nn;
		t->t_capnames = cap;
	}
	if ((t->t_nnames + 1) * 2 > p->p_hcap) {
		cap = p->p_hcap < 64 ? 64 : p->p_hcap * 2;
		if ((nh = calloc(cap, sizeof(*nh))) == NULL)
			goto oom;
		for (i = 0; i < t->t_nnames; i++) {
			name = t->t_names[i];
			j = hash_bytes(name, strlen(name)) & (cap - 1);
			while (nh[j] != 0)
				j = (j + 1) & (cap - 1);
			nh[j] = (uint32_t)i + 1;
		}
		free(p->p_hash);
		p->p_hash = nh;
		p->p_hcap = cap;
	}
	if ((name = ps_alloc(p, n + 1)) == NULL)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	t->t_names[t->t_nnames] = name;
	for (i = h & (p->p_hcap - 1); p->p_hash[i] != 0;
	    i = (i + 1) & (p->p_hcap - 1))
		;
	p->p_hash[i] = (uint32_t)t->t_nnames + 1;
	return (int)t->t_nnames++;
oom:
	ps_fail(p, p->p_cur.tk_line, PWR_ERR_ALLOC_FAIL, "out of memory");
	return -1;
}

static int
ps_advance(struct tparse *p)
{
	if (p->p_havenext) {
		p->p_cur = p->p_next;
		p->p_havenext = 0;
		return 0;
	}
	return lx_next(p, &p->p_cur);
}

static const struct ttok *
ps_peek(struct tparse *p)
{
	if (!p->p_havenext) {
		if (lx_next(p, &p->p_next) != 0)
			memset(&p->p_next, 0, sizeof(p->p_next));
		p->p_havenext = 1;
	}
	return &p->p_next;
}

static int
tk_isname(const struct ttok *t, const char *name)
{
	return t->tk_type == TK_NAME && strlen(name) == t->tk_n &&
	    memcmp(t->tk_p, name, t->tk_n) == 0;
}

static int
tk_isop(const struct ttok *t, int op)
{
	return t->tk_type == TK_OP && t->tk_op == op;
}

static const char *
tk_describe(const struct ttok *t, char *buf, size_t len)
{
	switch (t->tk_type) {
	case TK_EOF:
		return "end of template";
	case TK_VEND:
		return "end of print statement";
	case TK_BEND:
		return "end of statement block";
	case TK_VBEGIN:
		return "begin of print statement";
	case TK_BBEGIN:
		return "begin of statement block";
	case TK_DATA:
		return "template data";
	default:
		(void)snprintf(buf, len, "%.*s",
		    (int)(t->tk_n > 32 ? 32 : t->tk_n), t->tk_p);
		return buf;
	}
}

static int
ps_unexpected(struct tparse *p)
{
	char	buf[40];

	return ps_fail(p, p->p_cur.tk_line, PWR_ERR_INVALID_FORMAT,
	    "unexpected '%s'", tk_describe(&p->p_cur, buf, sizeof(buf)));
}

static int
ps_expect_op(struct tparse *p, int op)
{
	if (!tk_isop(&p->p_cur, op))
		return ps_unexpected(p);
	return ps_advance(p);
}

static int
ps_expect(struct tparse *p, int type)
{
	if (p->p_cur.tk_type != type)
		return ps_unexpected(p);
	return ps_advance(p);
}

static int
ps_enter(struct tparse *p)
{
	if (++p->p_depth > TMPL_MAX_DEPTH)
		return ps_fail(p, p->p_cur.tk_line, TMPL_ERR_LIMIT,
		    "nested more than %d deep", TMPL_MAX_DEPTH);
	return 0;
}

/* Append a chain of nodes to a list. */
static void
ps_append(struct tnode ***tail, struct tnode *n)
{
	**tail = n;
	while (n->n_next != NULL)
		n = n->n_next;
	*tail = &n->n_next;
}

/*
 * Python's unicode-escape decoding of a string literal's body, into
 * out (as long as the body at least).
 */
static int
ps_unescape(struct tparse *p, const char *s, size_t n, char *out,
    size_t *outlen)
{
	size_t		 i, o = 0, k, want;
	uint32_t	 c;
	int		 d;
	char		*end, hex[9];

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			out[o++] = s[i];
			continue;
		}
		c = (unsigned char)s[++i];
		want = 0;
		switch (c) {
		case '\n':
			continue;
		case '\\': case '\'': case '"':
			break;
		case 'a':
			c = 7;
			break;
		case 'b':
			c = 8;
			break;
		case 'f':
			c = 12;
			break;
		case 'n':
			c = 10;
			break;
		case 'r':
			c = 13;
			break;
		case 't':
			c = 9;
			break;
		case 'v':
			c = 11;
			break;
		case 'x':
			want = 2;
			break;
		case 'u':
			want = 4;
			break;
		case 'U':
			want = 8;
			break;
		case 'N':
			return ps_fail(p, p->p_cur.tk_line,
			    PWR_ERR_INVALID_FORMAT,
			    "\\N{...} escapes are not supported");
		default:
			if (c >= '0' && c <= '7') {
				c -= '0';
				for (k = 0; k < 2 && i + 1 < n &&
				    s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					c = c * 8 + (uint32_t)(s[++i] - '0');
				break;
			}
			out[o++] = '\\';
			out[o++] = (char)c;
			continue;
		}
		if (want > 0) {
			if (n - i - 1 < want)
				goto trunc;
			memcpy(hex, s + i + 1, want);
			hex[want] = '\0';
			for (k = 0; k < want; k++) {
				d = (unsigned char)hex[k];
				if (!lx_isdigitb(d, 16))
					goto trunc;
			}
			c = (uint32_t)strtoul(hex, &end, 16);
			if (c > 0x10ffff)
				return ps_fail(p, p->p_cur.tk_line,
				    PWR_ERR_INVALID_FORMAT,
				    "illegal Unicode character");
			i += want;
		}
		o += utf8_encode(c, out + o);
	}
	*outlen = o;
	return 0;
trunc:
	return ps_fail(p, p->p_cur.tk_line, PWR_ERR_INVALID_FORMAT,
	    "truncated \\%cXX escape", (int)c);
}

/* Adjacent string literals, decoded and joined. */
static struct tnode *
ps_string(struct tparse *p)
{
	struct tnode	*n;
	char		*buf = NULL, *nb;
	size_t		 len = 0, cap = 0, add = 0;

	if ((n = ps_node(p, N_CONST, p->p_cur.tk_line)) == NULL)
		return NULL;
	while (p->p_cur.tk_type == TK_STR) {
		if (p->p_cur.tk_n + 1 > cap - len) {
			cap = len + p->p_cur.tk_n + 1;
			cap = cap < 64 ? 64 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				ps_fail(p, p->p_cur.tk_line,
				    PWR_ERR_ALLOC_FAIL, "out of memory");
				return NULL;
			}
			buf = nb;
		}
		if (ps_unescape(p, p->p_cur.tk_p, p->p_cur.tk_n, buf + len,
		    &add) != 0 || ps_advance(p) != 0) {
			free(buf);
			return NULL;
		}
		len += add;
	}
	n->n_val.v_type = TV_STR;
	n->n_val.u.s = ps_str(p, buf, len, 1);
	free(buf);
	return n->n_val.u.s != NULL ? n : NULL;
}


static struct tnode *
ps_name(struct tparse *p, int with_ns)
{
	struct tnode	*n;
	struct ttok	 tok = p->p_cur;
	int		 id;

	if (ps_advance(p) != 0)
		return NULL;
	if (tk_isname(&tok, "true") || tk_isname(&tok, "True") ||
	    tk_isname(&tok, "false") || tk_isname(&tok, "False")) {
		if ((n = ps_node(p, N_CONST, tok.tk_line)) != NULL)
			tv_bool(&n->n_val, tok.tk_p[0] == 't' ||
			    tok.tk_p[0] == 'T');
		return n;
	}
	if (tk_isname(&tok, "none") || tk_isname(&tok, "None")) {
		if ((n = ps_node(p, N_CONST, tok.tk_line)) != NULL)
			tv_none(&n->n_val);
		return n;
	}
	if ((id = ps_intern(p, tok.tk_p, tok.tk_n)) < 0)
		return NULL;
	if (with_ns && tk_isop(&p->p_cur, OP_DOT)) {
		if (ps_advance(p) != 0)
			return NULL;
		if (p->p_cur.tk_type != TK_NAME) {
			ps_unexpected(p);
			return NULL;
		}
		if ((n = ps_node(p, N_NSREF, tok.tk_line)) == NULL)
			return NULL;
		n->n_name = id;
		n->n_val.v_type = TV_STR;
		if ((n->n_val.u.s = ps_str(p, p->p_cur.tk_p, p->p_cur.tk_n,
		    1)) == NULL || ps_advance(p) != 0)
			return NULL;
		return n;
	}
	if ((n = ps_node(p, N_NAME, tok.tk_line)) == NULL)
		return NULL;
	n->n_name = id;
	if (p->p_macro != NULL) {
		if (id == NM_VARARGS)
			p->p_macro->n_flags |= NF_VARARGS;
		else if (id == NM_KWARGS)
			p->p_macro->n_flags |= NF_KWARGS;
		else if (id == NM_CALLER)
			p->p_macro->n_flags |= NF_CALLER;
	}
	return n;
}

static struct tnode *
ps_list(struct tparse *p, int close, int kind)
{
	struct tnode	*n, *item, *val, **tail;

	if ((n = ps_node(p, kind, p->p_cur.tk_line)) == NULL ||
	    ps_advance(p) != 0)
		return NULL;
	tail = &n->n_a;
	while (!tk_isop(&p->p_cur, close)) {
		if (n->n_a != NULL) {
			if (ps_expect_op(p, OP_COMMA) != 0)
				return NULL;
			if (tk_isop(&p->p_cur, close))
				break;
		}
		if ((item = ps_expr(p, 1)) == NULL)
			return NULL;
		if (kind == N_DICT) {
			if (ps_expect_op(p, OP_COLON) != 0 ||
			    (val = ps_expr(p, 1)) == NULL ||
			    (n->n_d = ps_node(p, N_PAIR, item->n_line)) == NULL)
				return NULL;
			n->n_d->n_a = item;
			n->n_d->n_b = val;
			item = n->n_d;
			n->n_d = NULL;
		}
		ps_append(&tail, item);
	}
	if (ps_advance(p) != 0)
		return NULL;
	return n;
}

static struct tnode *
ps_primary(struct tparse *p, int with_ns)
{
	struct tnode	*n;

	switch (p->p_cur.tk_type) {
	case TK_NAME:
		return ps_name(p, with_ns);
	case TK_STR:
		return ps_string(p);
	case TK_INT:
	case TK_FLOAT:
		if ((n = ps_node(p, N_CONST, p->p_cur.tk_line)) == NULL)
			return NULL;
		if (p->p_cur.tk_type == TK_INT)
			tv_int(&n->n_val, p->p_cur.tk_i);
		else
			tv_float(&n->n_val, p->p_cur.tk_f);
		return ps_advance(p) == 0 ? n : NULL;
	case TK_OP:
		if (p->p_cur.tk_op == OP_LPAREN) {
			if (ps_advance(p) != 0 ||
			    (n = ps_tuple(p, 0, 1, NULL, 1, 0)) == NULL ||
			    ps_expect_op(p, OP_RPAREN) != 0)
				return NULL;
			return n;
		}
		if (p->p_cur.tk_op == OP_LBRACKET)
			return ps_list(p, OP_RBRACKET, N_LIST);
		if (p->p_cur.tk_op == OP_LBRACE)
			return ps_list(p, OP_RBRACE, N_DICT);
		break;
	}
	ps_unexpected(p);
	return NULL;
}

static int
ps_tuple_end(struct tparse *p, const char *extra)
{
	return p->p_cur.tk_type == TK_VEND || p->p_cur.tk_type == TK_BEND ||
	    tk_isop(&p->p_cur, OP_RPAREN) ||
	    (extra != NULL && tk_isname(&p->p_cur, extra));
}

static struct tnode *
ps_tuple(struct tparse *p, int simplified, int condexpr, const char *extra,
    int explicit, int with_ns)
{
	struct tnode	*n, *items = NULL, **tail = &items, *e;
	uint32_t	 line = p->p_cur.tk_line;
	int		 istuple = 0;
	char		 buf[40];

	for (;;) {
		if (items != NULL && ps_expect_op(p, OP_COMMA) != 0)
			return NULL;
		if (ps_tuple_end(p, extra))
			break;
		e = simplified ? ps_primary(p, with_ns) : ps_expr(p, condexpr);
		if (e == NULL)
			return NULL;
		ps_append(&tail, e);
		if (!tk_isop(&p->p_cur, OP_COMMA))
			break;
		istuple = 1;
	}
	if (!istuple) {
		if (items != NULL)
			return items;
		if (!explicit) {
			ps_fail(p, p->p_cur.tk_line, PWR_ERR_INVALID_FORMAT,
			    "Expected an expression, got '%s'",
			    tk_describe(&p->p_cur, buf, sizeof(buf)));
			return NULL;
		}
	}
	if ((n = ps_node(p, N_TUPLE, line)) == NULL)
		return NULL;
	n->n_a = items;
	return n;
}

static int
ps_call_args(struct tparse *p, struct tnode **args)
{
	struct tnode	*n, **tail = args;
	int		 count = 0, kw = 0, id;

	*args = NULL;
	if (ps_expect_op(p, OP_LPAREN) != 0)
		return p->p_rc;
	while (!tk_isop(&p->p_cur, OP_RPAREN)) {
		if (count > 0) {
			if (ps_expect_op(p, OP_COMMA) != 0)
				return p->p_rc;
			if (tk_isop(&p->p_cur, OP_RPAREN))
				break;
		}
		if (tk_isop(&p->p_cur, OP_MUL) || tk_isop(&p->p_cur, OP_POW))
			return ps_fail(p, p->p_cur.tk_line,
			    PWR_ERR_INVALID_FORMAT,
			    "*args and **kwargs are not supported");
		if (++count > TMPL_MAX_ARGS)
			return ps_fail(p, p->p_cur.tk_line, TMPL_ERR_LIMIT,
			    "more than %d arguments", TMPL_MAX_ARGS);
		if (p->p_cur.tk_type == TK_NAME &&
		    tk_isop(ps_peek(p), OP_ASSIGN)) {
			if (p->p_rc != 0 ||
			    (n = ps_node(p, N_KWARG, p->p_cur.tk_line)) == NULL ||
			    (id = ps_intern(p, p->p_cur.tk_p,
			    p->p_cur.tk_n)) < 0)
				return p->p_rc;
			n->n_name = id;
			if (ps_advance(p) != 0 || ps_advance(p) != 0 ||
			    (n->n_a = ps_expr(p, 1)) == NULL)
				return p->p_rc;
			kw = 1;
		} else {
			if (kw)
				return ps_fail(p, p->p_cur.tk_line,
				    PWR_ERR_INVALID_FORMAT, "invalid syntax "
				    "for function call expression");
			if ((n = ps_expr(p, 1)) == NULL)
				return p->p_rc;
		}
		ps_append(&tail, n);
	}
	return ps_advance(p);
}

static struct tnode *
ps_call(struct tparse *p, struct tnode *callee)
{
	struct tnode	*n;

	if ((n = ps_node(p, N_CALL, p->p_cur.tk_line)) == NULL ||
	    ps_call_args(p, &n->n_b) != 0)
		return NULL;
	n->n_a = callee;
	return n;
}

/* A filter or test name, dotted parts included. */
static int
ps_dotted(struct tparse *p, char *buf, size_t len)
{
	size_t	o = 0;

	for (;;) {
		if (p->p_cur.tk_type != TK_NAME)
			return ps_unexpected(p);
		if (p->p_cur.tk_n >= len - o - 1)
			return ps_fail(p, p->p_cur.tk_line,
			    PWR_ERR_INVALID_FORMAT, "name too long");
		memcpy(buf + o, p->p_cur.tk_p, p->p_cur.tk_n);
		o += p->p_cur.tk_n;
		buf[o] = '\0';
		if (ps_advance(p) != 0)
			return p->p_rc;
		if (!tk_isop(&p->p_cur, OP_DOT))
			return 0;
		if (ps_advance(p) != 0)
			return p->p_rc;
		buf[o++] = '.';
	}
}


static struct tnode *
ps_filter(struct tparse *p, struct tnode *node, int inline_)
{
	struct tnode	*n;
	char		 name[64];
	uint32_t	 line;

	while (tk_isop(&p->p_cur, OP_PIPE) || inline_) {
		if (!inline_ && ps_advance(p) != 0)
			return NULL;
		inline_ = 0;
		line = p->p_cur.tk_line;
		if (ps_dotted(p, name, sizeof(name)) != 0 ||
		    (n = ps_node(p, N_FILTER, line)) == NULL)
			return NULL;
		n->n_a = node;
		n->n_val.v_type = TV_STR;
		if ((n->n_val.u.s = ps_str(p, name, strlen(name), 1)) == NULL)
			return NULL;
		if ((n->n_op = (uint8_t)fl_lookup(name)) == 0) {
			if (!p->p_soft) {
				ps_fail(p, line, PWR_ERR_INVALID_FORMAT,
				    "No filter named '%s'.", name);
				return NULL;
			}
			n->n_flags |= NF_SOFT;
		}
		if (tk_isop(&p->p_cur, OP_LPAREN) &&
		    ps_call_args(p, &n->n_b) != 0)
			return NULL;
		node = n;
	}
	return node;
}

static struct tnode *
ps_test(struct tparse *p, struct tnode *node)
{
	struct tnode	*n, *arg;
	char		 name[64];
	uint32_t	 line = p->p_cur.tk_line;
	int		 neg = 0, t;

	if (ps_advance(p) != 0)
		return NULL;
	if (tk_isname(&p->p_cur, "not")) {
		neg = 1;
		if (ps_advance(p) != 0)
			return NULL;
	}
	if (ps_dotted(p, name, sizeof(name)) != 0 ||
	    (n = ps_node(p, N_TEST, line)) == NULL)
		return NULL;
	n->n_a = node;
	n->n_val.v_type = TV_STR;
	if ((n->n_val.u.s = ps_str(p, name, strlen(name), 1)) == NULL)
		return NULL;
	if ((n->n_op = (uint8_t)te_lookup(name)) == 0) {
		if (!p->p_soft) {
			ps_fail(p, line, PWR_ERR_INVALID_FORMAT,
			    "No test named '%s'.", name);
			return NULL;
		}
		n->n_flags |= NF_SOFT;
	}
	t = p->p_cur.tk_type;
	if (tk_isop(&p->p_cur, OP_LPAREN)) {
		if (ps_call_args(p, &n->n_b) != 0)
			return NULL;
	} else if ((t == TK_NAME || t == TK_STR || t == TK_INT ||
	    t == TK_FLOAT || tk_isop(&p->p_cur, OP_LBRACKET) ||
	    tk_isop(&p->p_cur, OP_LBRACE)) &&
	    !tk_isname(&p->p_cur, "else") && !tk_isname(&p->p_cur, "or") &&
	    !tk_isname(&p->p_cur, "and")) {
		if (tk_isname(&p->p_cur, "is")) {
			ps_fail(p, line, PWR_ERR_INVALID_FORMAT,
			    "You cannot chain multiple tests with is");
			return NULL;
		}
		if ((arg = ps_primary(p, 0)) == NULL ||
		    (arg = ps_postfix(p, arg)) == NULL)
			return NULL;
		n->n_b = arg;
	}
	if (!neg)
		return n;
	if ((arg = ps_node(p, N_NOT, line)) == NULL)
		return NULL;
	arg->n_a = n;
	return arg;
}

static struct tnode *
ps_subscribed(struct tparse *p)
{
	struct tnode	*n, *start = NULL;
	uint32_t	 line = p->p_cur.tk_line;

	if (tk_isop(&p->p_cur, OP_COLON)) {
		if (ps_advance(p) != 0)
			return NULL;
	} else {
		if ((start = ps_expr(p, 1)) == NULL)
			return NULL;
		if (!tk_isop(&p->p_cur, OP_COLON))
			return start;
		if (ps_advance(p) != 0)
			return NULL;
	}
	if ((n = ps_node(p, N_SLICE, line)) == NULL)
		return NULL;
	n->n_a = start;
	if (!tk_isop(&p->p_cur, OP_COLON) &&
	    !tk_isop(&p->p_cur, OP_RBRACKET) &&
	    !tk_isop(&p->p_cur, OP_COMMA) &&
	    (n->n_b = ps_expr(p, 1)) == NULL)
		return NULL;
	if (tk_isop(&p->p_cur, OP_COLON)) {
		if (ps_advance(p) != 0)
			return NULL;
		if (!tk_isop(&p->p_cur, OP_RBRACKET) &&
		    !tk_isop(&p->p_cur, OP_COMMA) &&
		    (n->n_c = ps_expr(p, 1)) == NULL)
			return NULL;
	}
	return n;
}

static struct tnode *
ps_subscript(struct tparse *p, struct tnode *obj)
{
	struct tnode	*n, *args = NULL, **tail = &args, *a;
	uint32_t	 line = p->p_cur.tk_line;
	int		 dot = tk_isop(&p->p_cur, OP_DOT), count = 0;

	if (ps_advance(p) != 0)
		return NULL;
	if (dot) {
		if (p->p_cur.tk_type == TK_NAME) {
			if ((n = ps_node(p, N_GETATTR, line)) == NULL)
				return NULL;
			n->n_a = obj;
			n->n_val.v_type = TV_STR;
			if ((n->n_val.u.s = ps_str(p, p->p_cur.tk_p,
			    p->p_cur.tk_n, 1)) == NULL)
				return NULL;
			n->n_op = (uint8_t)me_lookup(p->p_cur.tk_p,
			    p->p_cur.tk_n);
			return ps_advance(p) == 0 ? n : NULL;
		}
		if (p->p_cur.tk_type != TK_INT) {
			ps_fail(p, line, PWR_ERR_INVALID_FORMAT,
			    "expected name or number");
			return NULL;
		}
		if ((n = ps_node(p, N_GETITEM, line)) == NULL ||
		    (a = ps_node(p, N_CONST, line)) == NULL)
			return NULL;
		tv_int(&a->n_val, p->p_cur.tk_i);
		n->n_a = obj;
		n->n_b = a;
		return ps_advance(p) == 0 ? n : NULL;
	}
	while (!tk_isop(&p->p_cur, OP_RBRACKET)) {
		if (count++ > 0 && ps_expect_op(p, OP_COMMA) != 0)
			return NULL;
		if ((a = ps_subscribed(p)) == NULL)
			return NULL;
		ps_append(&tail, a);
	}
	if (ps_advance(p) != 0 || (n = ps_node(p, N_GETITEM, line)) == NULL)
		return NULL;
	n->n_a = obj;
	if (count == 1)
		n->n_b = args;
	else {
		if ((n->n_b = ps_node(p, N_TUPLE, line)) == NULL)
			return NULL;
		n->n_b->n_a = args;
	}
	return n;
}

static struct tnode *
ps_postfix(struct tparse *p, struct tnode *n)
{
	while (n != NULL) {
		if (tk_isop(&p->p_cur, OP_DOT) ||
		    tk_isop(&p->p_cur, OP_LBRACKET))
			n = ps_subscript(p, n);
		else if (tk_isop(&p->p_cur, OP_LPAREN))
			n = ps_call(p, n);
		else
			break;
	}
	return n;
}

static struct tnode *
ps_filter_expr(struct tparse *p, struct tnode *n)
{
	while (n != NULL) {
		if (tk_isop(&p->p_cur, OP_PIPE))
			n = ps_filter(p, n, 0);
		else if (tk_isname(&p->p_cur, "is"))
			n = ps_test(p, n);
		else if (tk_isop(&p->p_cur, OP_LPAREN))
			n = ps_call(p, n);
		else
			break;
	}
	return n;
}

static struct tnode *
ps_unary(struct tparse *p, int with_filter)
{
	struct tnode	*n, *x;
	uint32_t	 line = p->p_cur.tk_line;
	int		 kind = 0;

	if (tk_isop(&p->p_cur, OP_SUB))
		kind = N_NEG;
	else if (tk_isop(&p->p_cur, OP_ADD))
		kind = N_POS;
	if (kind != 0) {
		if (ps_advance(p) != 0 || ps_enter(p) != 0)
			return NULL;
		x = ps_unary(p, 0);
		p->p_depth--;
		if (x == NULL || (n = ps_node(p, kind, line)) == NULL)
			return NULL;
		n->n_a = x;
	} else if ((n = ps_primary(p, 0)) == NULL)
		return NULL;
	if ((n = ps_postfix(p, n)) == NULL)
		return NULL;
	return with_filter ? ps_filter_expr(p, n) : n;
}

static struct tnode *
ps_binary(struct tparse *p, int kind, struct tnode *a, struct tnode *b,
    int op)
{
	struct tnode	*n;

	if (a == NULL || b == NULL || (n = ps_node(p, kind, a->n_line)) == NULL)
		return NULL;
	n->n_a = a;
	n->n_b = b;
	n->n_op = (uint8_t)op;
	return n;
}

static struct tnode *
ps_pow(struct tparse *p)
{
	struct tnode	*a;

	a = ps_unary(p, 1);
	while (a != NULL && tk_isop(&p->p_cur, OP_POW)) {
		if (ps_advance(p) != 0)
			return NULL;
		a = ps_binary(p, N_BIN, a, ps_unary(p, 1), OP_POW);
	}
	return a;
}

static struct tnode *
ps_math2(struct tparse *p)
{
	struct tnode	*a;
	int		 op;

	a = ps_pow(p);
	while (a != NULL && p->p_cur.tk_type == TK_OP &&
	    ((op = p->p_cur.tk_op) == OP_MUL || op == OP_DIV ||
	    op == OP_FLOORDIV || op == OP_MOD)) {
		if (ps_advance(p) != 0)
			return NULL;
		a = ps_binary(p, N_BIN, a, ps_pow(p), op);
	}
	return a;
}

static struct tnode *
ps_concat(struct tparse *p)
{
	struct tnode	*a, *n, **tail;

	if ((a = ps_math2(p)) == NULL || !tk_isop(&p->p_cur, OP_TILDE))
		return a;
	if ((n = ps_node(p, N_CONCAT, a->n_line)) == NULL)
		return NULL;
	tail = &n->n_a;
	ps_append(&tail, a);
	while (tk_isop(&p->p_cur, OP_TILDE)) {
		if (ps_advance(p) != 0 || (a = ps_math2(p)) == NULL)
			return NULL;
		ps_append(&tail, a);
	}
	return n;
}

static struct tnode *
ps_math1(struct tparse *p)
{
	struct tnode	*a;
	int		 op;

	a = ps_concat(p);
	while (a != NULL && p->p_cur.tk_type == TK_OP &&
	    ((op = p->p_cur.tk_op) == OP_ADD || op == OP_SUB)) {
		if (ps_advance(p) != 0)
			return NULL;
		a = ps_binary(p, N_BIN, a, ps_concat(p), op);
	}
	return a;
}

static struct tnode *
ps_compare(struct tparse *p)
{
	struct tnode	*a, *n = NULL, *o, **tail = NULL;
	int		 op;

	if ((a = ps_math1(p)) == NULL)
		return NULL;
	for (;;) {
		op = 0;
		if (p->p_cur.tk_type == TK_OP && (p->p_cur.tk_op == OP_EQ ||
		    p->p_cur.tk_op == OP_NE || p->p_cur.tk_op == OP_LT ||
		    p->p_cur.tk_op == OP_LTEQ || p->p_cur.tk_op == OP_GT ||
		    p->p_cur.tk_op == OP_GTEQ))
			op = p->p_cur.tk_op;
		else if (tk_isname(&p->p_cur, "in"))
			op = OP_IN;
		else if (tk_isname(&p->p_cur, "not") &&
		    tk_isname(ps_peek(p), "in")) {
			if (ps_advance(p) != 0)
				return NULL;
			op = OP_NOTIN;
		}
		if (op == 0 || p->p_rc != 0)
			break;
		if (n == NULL) {
			if ((n = ps_node(p, N_CMP, a->n_line)) == NULL)
				return NULL;
			n->n_a = a;
			tail = &n->n_b;
		}
		if ((o = ps_node(p, N_OPERAND, p->p_cur.tk_line)) == NULL ||
		    ps_advance(p) != 0 || (o->n_a = ps_math1(p)) == NULL)
			return NULL;
		o->n_op = (uint8_t)op;
		ps_append(&tail, o);
	}
	if (p->p_rc != 0)
		return NULL;
	return n != NULL ? n : a;
}

static struct tnode *
ps_not(struct tparse *p)
{
	struct tnode	*n, *x;
	uint32_t	 line = p->p_cur.tk_line;

	if (!tk_isname(&p->p_cur, "not"))
		return ps_compare(p);
	if (ps_advance(p) != 0 || ps_enter(p) != 0)
		return NULL;
	x = ps_not(p);
	p->p_depth--;
	if (x == NULL || (n = ps_node(p, N_NOT, line)) == NULL)
		return NULL;
	n->n_a = x;
	return n;
}

static struct tnode *
ps_and(struct tparse *p)
{
	struct tnode	*a;

	a = ps_not(p);
	while (a != NULL && tk_isname(&p->p_cur, "and")) {
		if (ps_advance(p) != 0)
			return NULL;
		a = ps_binary(p, N_AND, a, ps_not(p), 0);
	}
	return a;
}

static struct tnode *
ps_or(struct tparse *p)
{
	struct tnode	*a;

	a = ps_and(p);
	while (a != NULL && tk_isname(&p->p_cur, "or")) {
		if (ps_advance(p) != 0)
			return NULL;
		a = ps_binary(p, N_OR, a, ps_and(p), 0);
	}
	return a;
}

static struct tnode *
ps_condexpr(struct tparse *p)
{
	struct tnode	*a, *n;
	int		 soft = p->p_soft;

	if ((a = ps_or(p)) == NULL)
		return NULL;
	while (tk_isname(&p->p_cur, "if")) {
		if ((n = ps_node(p, N_COND, a->n_line)) == NULL ||
		    ps_advance(p) != 0)
			return NULL;
		p->p_soft = 1;
		n->n_b = a;
		if ((n->n_a = ps_or(p)) == NULL)
			return NULL;
		if (tk_isname(&p->p_cur, "else")) {
			if (ps_advance(p) != 0 || ps_enter(p) != 0)
				return NULL;
			n->n_c = ps_condexpr(p);
			p->p_depth--;
			if (n->n_c == NULL)
				return NULL;
		}
		p->p_soft = soft;
		a = n;
	}
	return a;
}

static struct tnode *
ps_expr(struct tparse *p, int condexpr)
{
	struct tnode	*n;

	if (ps_enter(p) != 0)
		return NULL;
	n = condexpr ? ps_condexpr(p) : ps_or(p);
	p->p_depth--;
	return n;
}

static int
ps_can_assign(const struct tnode *n)
{
	if (n->n_kind == N_NAME || n->n_kind == N_NSREF)
		return 1;
	if (n->n_kind != N_TUPLE)
		return 0;
	for (n = n->n_a; n != NULL; n = n->n_next)
		if (!ps_can_assign(n))
			return 0;
	return 1;
}

static struct tnode *
ps_target(struct tparse *p, const char *extra, int with_ns)
{
	struct tnode	*n;
	uint32_t	 line = p->p_cur.tk_line;

	if ((n = ps_tuple(p, 1, 1, extra, 0, with_ns)) == NULL)
		return NULL;
	if (!ps_can_assign(n) || (n->n_kind == N_TUPLE && n->n_a == NULL)) {
		ps_fail(p, line, PWR_ERR_INVALID_FORMAT,
		    "can't assign to this expression");
		return NULL;
	}
	return n;
}

static int
ps_names_loop(const struct tnode *n)
{
	if (n->n_kind == N_NAME)
		return n->n_name == NM_LOOP;
	for (n = n->n_a; n != NULL; n = n->n_next)
		if (n->n_kind == N_NAME && n->n_name == NM_LOOP)
			return 1;
	return 0;
}

/* The body of a block statement, up to one of the end tags. */
static struct tnode *
ps_statements(struct tparse *p, const char *const *ends, int drop)
{
	struct tnode	*body;

	if (tk_isop(&p->p_cur, OP_COLON) && ps_advance(p) != 0)
		return NULL;
	if (ps_expect(p, TK_BEND) != 0 || ps_enter(p) != 0)
		return NULL;
	body = ps_subparse(p, ends);
	p->p_depth--;
	if (p->p_rc != 0)
		return NULL;
	if (drop && ps_advance(p) != 0)
		return NULL;
	return body;
}

/* Statement parsers return their node; NULL with p_rc set on error. */
static const char *const ps_end_for[] = { "endfor", "else", NULL };
static const char *const ps_end_endfor[] = { "endfor", NULL };
static const char *const ps_end_if[] = { "elif", "else", "endif", NULL };
static const char *const ps_end_endif[] = { "endif", NULL };
static const char *const ps_end_set[] = { "endset", NULL };
static const char *const ps_end_macro[] = { "endmacro", NULL };
static const char *const ps_end_call[] = { "endcall", NULL };
static const char *const ps_end_filter[] = { "endfilter", NULL };
static const char *const ps_end_with[] = { "endwith", NULL };

static struct tnode *
ps_for(struct tparse *p, struct tnode *n)
{
	int	inloop = p->p_inloop, soft = p->p_soft;

	if ((n->n_a = ps_target(p, "in", 0)) == NULL)
		return NULL;
	if (ps_names_loop(n->n_a)) {
		ps_fail(p, n->n_line, PWR_ERR_INVALID_FORMAT, "Can't assign "
		    "to special loop variable in for-loop target");
		return NULL;
	}
	if (!tk_isname(&p->p_cur, "in")) {
		ps_unexpected(p);
		return NULL;
	}
	if (ps_advance(p) != 0 ||
	    (n->n_b = ps_tuple(p, 0, 0, "recursive", 0, 0)) == NULL)
		return NULL;
	if (tk_isname(&p->p_cur, "if") && (ps_advance(p) != 0 ||
	    (n->n_e = ps_expr(p, 1)) == NULL))
		return NULL;
	if (tk_isname(&p->p_cur, "recursive")) {
		ps_fail(p, n->n_line, PWR_ERR_INVALID_FORMAT,
		    "recursive loops are not supported");
		return NULL;
	}
	p->p_inloop = 1;
	p->p_soft = 0;
	n->n_c = ps_statements(p, ps_end_for, 0);
	p->p_inloop = inloop;
	if (p->p_rc != 0)
		return NULL;
	if (tk_isname(&p->p_cur, "else")) {
		if (ps_advance(p) != 0)
			return NULL;
		n->n_d = ps_statements(p, ps_end_endfor, 1);
	} else if (ps_advance(p) != 0)
		return NULL;
	p->p_soft = soft;
	return p->p_rc == 0 ? n : NULL;
}

static struct tnode *
ps_if(struct tparse *p, struct tnode *n)
{
	struct tnode	*cur = n;
	int		 soft = p->p_soft;

	p->p_soft = 1;
	for (;;) {
		if ((cur->n_a = ps_tuple(p, 0, 0, NULL, 0, 0)) == NULL)
			return NULL;
		cur->n_b = ps_statements(p, ps_end_if, 0);
		if (p->p_rc != 0)
			return NULL;
		if (tk_isname(&p->p_cur, "elif")) {
			if ((cur->n_c = ps_node(p, N_IF,
			    p->p_cur.tk_line)) == NULL || ps_advance(p) != 0)
				return NULL;
			cur = cur->n_c;
			continue;
		}
		if (tk_isname(&p->p_cur, "else")) {
			if (ps_advance(p) != 0)
				return NULL;
			cur->n_c = ps_statements(p, ps_end_endif, 1);
		} else if (ps_advance(p) != 0)
			return NULL;
		break;
	}
	p->p_soft = soft;
	return p->p_rc == 0 ? n : NULL;
}

/*
 * A body parsed as its own scope, where unknown filters fail early.  A
 * macro's body is a function of its own: loop controls stop there.
 */
static struct tnode *
ps_scoped(struct tparse *p, const char *const *ends, struct tnode *macro)
{
	struct tnode	*body, *saved = p->p_macro;
	int		 inloop = p->p_inloop, soft = p->p_soft;

	if (macro != NULL)
		p->p_inloop = 0;
	p->p_soft = 0;
	if (macro != NULL)
		p->p_macro = macro;
	body = ps_statements(p, ends, 1);
	p->p_macro = saved;
	p->p_inloop = inloop;
	p->p_soft = soft;
	return body;
}

static struct tnode *
ps_set(struct tparse *p, struct tnode *n)
{
	if ((n->n_a = ps_target(p, NULL, 1)) == NULL)
		return NULL;
	if (tk_isop(&p->p_cur, OP_ASSIGN)) {
		if (ps_advance(p) != 0 ||
		    (n->n_b = ps_tuple(p, 0, 1, NULL, 0, 0)) == NULL)
			return NULL;
		return n;
	}
	if (n->n_a->n_kind == N_TUPLE) {
		ps_fail(p, n->n_line, PWR_ERR_INVALID_FORMAT,
		    "a block set needs a single target");
		return NULL;
	}
	n->n_kind = N_SETBLOCK;
	if (tk_isop(&p->p_cur, OP_PIPE) &&
	    (n->n_b = ps_filter(p, NULL, 0)) == NULL)
		return NULL;
	n->n_c = ps_scoped(p, ps_end_set, NULL);
	return p->p_rc == 0 ? n : NULL;
}

static int
ps_signature(struct tparse *p, struct tnode **params)
{
	struct tnode	*a, **tail = params;
	int		 defaults = 0, id;

	if (ps_expect_op(p, OP_LPAREN) != 0)
		return p->p_rc;
	while (!tk_isop(&p->p_cur, OP_RPAREN)) {
		if (*params != NULL && ps_expect_op(p, OP_COMMA) != 0)
			return p->p_rc;
		if (p->p_cur.tk_type != TK_NAME)
			return ps_unexpected(p);
		if (tk_isname(&p->p_cur, "true") ||
		    tk_isname(&p->p_cur, "false") ||
		    tk_isname(&p->p_cur, "none") ||
		    tk_isname(&p->p_cur, "True") ||
		    tk_isname(&p->p_cur, "False") ||
		    tk_isname(&p->p_cur, "None"))
			return ps_fail(p, p->p_cur.tk_line,
			    PWR_ERR_INVALID_FORMAT, "can't assign to a "
			    "constant");
		if ((a = ps_node(p, N_PARAM, p->p_cur.tk_line)) == NULL ||
		    (id = ps_intern(p, p->p_cur.tk_p, p->p_cur.tk_n)) < 0 ||
		    ps_advance(p) != 0)
			return p->p_rc;
		a->n_name = id;
		if (tk_isop(&p->p_cur, OP_ASSIGN)) {
			if (ps_advance(p) != 0 ||
			    (a->n_a = ps_expr(p, 1)) == NULL)
				return p->p_rc;
			defaults = 1;
		} else if (defaults)
			return ps_fail(p, a->n_line, PWR_ERR_INVALID_FORMAT,
			    "non-default argument follows default argument");
		ps_append(&tail, a);
	}
	return ps_advance(p);
}

static struct tnode *
ps_macro(struct tparse *p, struct tnode *n)
{
	if (p->p_cur.tk_type != TK_NAME) {
		ps_unexpected(p);
		return NULL;
	}
	if ((n->n_name = ps_intern(p, p->p_cur.tk_p, p->p_cur.tk_n)) < 0 ||
	    ps_advance(p) != 0 || ps_signature(p, &n->n_a) != 0)
		return NULL;
	n->n_c = ps_scoped(p, ps_end_macro, n);
	return p->p_rc == 0 ? n : NULL;
}

static struct tnode *
ps_callblock(struct tparse *p, struct tnode *n)
{
	if (tk_isop(&p->p_cur, OP_LPAREN) && ps_signature(p, &n->n_b) != 0)
		return NULL;
	if ((n->n_a = ps_expr(p, 1)) == NULL)
		return NULL;
	if (n->n_a->n_kind != N_CALL) {
		ps_fail(p, n->n_line, PWR_ERR_INVALID_FORMAT, "expected call");
		return NULL;
	}
	n->n_c = ps_scoped(p, ps_end_call, n);
	return p->p_rc == 0 ? n : NULL;
}

static struct tnode *
ps_with(struct tparse *p, struct tnode *n)
{
	struct tnode	*a, **tail = &n->n_a;
	int		 id;

	while (p->p_cur.tk_type != TK_BEND) {
		if (n->n_a != NULL && ps_expect_op(p, OP_COMMA) != 0)
			return NULL;
		if (p->p_cur.tk_type != TK_NAME) {
			ps_unexpected(p);
			return NULL;
		}
		if ((a = ps_node(p, N_PARAM, p->p_cur.tk_line)) == NULL ||
		    (id = ps_intern(p, p->p_cur.tk_p, p->p_cur.tk_n)) < 0 ||
		    ps_advance(p) != 0 || ps_expect_op(p, OP_ASSIGN) != 0 ||
		    (a->n_a = ps_expr(p, 1)) == NULL)
			return NULL;
		a->n_name = id;
		ps_append(&tail, a);
	}
	n->n_c = ps_statements(p, ps_end_with, 1);
	return p->p_rc == 0 ? n : NULL;
}

static struct tnode *
ps_print(struct tparse *p, uint32_t line)
{
	struct tnode	*list = NULL, **tail = &list, *n;

	while (p->p_cur.tk_type != TK_BEND) {
		if (list != NULL && ps_expect_op(p, OP_COMMA) != 0)
			return NULL;
		if ((n = ps_node(p, N_PRINT, line)) == NULL ||
		    (n->n_a = ps_expr(p, 1)) == NULL)
			return NULL;
		ps_append(&tail, n);
	}
	if (list == NULL && (list = ps_node(p, N_DATA, line)) != NULL) {
		list->n_val.v_type = TV_STR;
		list->n_val.u.s = ps_str(p, "", 0, 0);
	}
	return list;
}

static struct tnode *
ps_statement(struct tparse *p)
{
	static const char *const unsupported[] = { "block", "extends",
	    "include", "import", "from", "autoescape", NULL };
	struct tnode	*n;
	struct ttok	 tok = p->p_cur;
	char		 buf[40];
	size_t		 i;

	if (tok.tk_type != TK_NAME) {
		ps_fail(p, tok.tk_line, PWR_ERR_INVALID_FORMAT,
		    "tag name expected");
		return NULL;
	}
	if (ps_advance(p) != 0)
		return NULL;
	if (tk_isname(&tok, "print"))
		return ps_print(p, tok.tk_line);
	if ((n = ps_node(p, N_SET, tok.tk_line)) == NULL)
		return NULL;
	if (tk_isname(&tok, "for")) {
		n->n_kind = N_FOR;
		return ps_for(p, n);
	}
	if (tk_isname(&tok, "if")) {
		n->n_kind = N_IF;
		return ps_if(p, n);
	}
	if (tk_isname(&tok, "set"))
		return ps_set(p, n);
	if (tk_isname(&tok, "macro")) {
		n->n_kind = N_MACRO;
		return ps_macro(p, n);
	}
	if (tk_isname(&tok, "call")) {
		n->n_kind = N_CALLBLOCK;
		return ps_callblock(p, n);
	}
	if (tk_isname(&tok, "filter")) {
		n->n_kind = N_FILTERBLOCK;
		if ((n->n_b = ps_filter(p, NULL, 1)) == NULL)
			return NULL;
		n->n_c = ps_scoped(p, ps_end_filter, NULL);
		return p->p_rc == 0 ? n : NULL;
	}
	if (tk_isname(&tok, "with")) {
		n->n_kind = N_WITH;
		return ps_with(p, n);
	}
	if (tk_isname(&tok, "break") || tk_isname(&tok, "continue")) {
		if (!p->p_inloop) {
			ps_fail(p, tok.tk_line, PWR_ERR_INVALID_FORMAT,
			    "'%s' outside loop", tk_describe(&tok, buf,
			    sizeof(buf)));
			return NULL;
		}
		n->n_kind = tok.tk_p[0] == 'b' ? N_BREAK : N_CONTINUE;
		return n;
	}
	for (i = 0; unsupported[i] != NULL; i++)
		if (tk_isname(&tok, unsupported[i])) {
			ps_fail(p, tok.tk_line, PWR_ERR_INVALID_FORMAT,
			    "tag '%s' is not supported", unsupported[i]);
			return NULL;
		}
	ps_fail(p, tok.tk_line, PWR_ERR_INVALID_FORMAT,
	    "Encountered unknown tag '%s'.", tk_describe(&tok, buf,
	    sizeof(buf)));
	return NULL;
}

static int
ps_isend(struct tparse *p, const char *const *ends)
{
	size_t	i;

	for (i = 0; ends != NULL && ends[i] != NULL; i++)
		if (tk_isname(&p->p_cur, ends[i]))
			return 1;
	return 0;
}

/*
 * Template data, prints and statements up to one of the end tags
 * (NULL: to the end); p_cur is left on the end tag's name.
 */
static struct tnode *
ps_subparse(struct tparse *p, const char *const *ends)
{
	struct tnode	*body = NULL, **tail = &body, *n;
	size_t		 i;
	char		 want[128];

	for (;;) {
		switch (p->p_cur.tk_type) {
		case TK_DATA:
			if ((n = ps_node(p, N_DATA, p->p_cur.tk_line)) == NULL)
				return NULL;
			n->n_val.v_type = TV_STR;
			if ((n->n_val.u.s = ps_str(p, p->p_cur.tk_p,
			    p->p_cur.tk_n, 0)) == NULL || ps_advance(p) != 0)
				return NULL;
			ps_append(&tail, n);
			break;
		case TK_VBEGIN:
			if ((n = ps_node(p, N_PRINT, p->p_cur.tk_line)) == NULL ||
			    ps_advance(p) != 0 ||
			    (n->n_a = ps_tuple(p, 0, 1, NULL, 0, 0)) == NULL ||
			    ps_expect(p, TK_VEND) != 0)
				return NULL;
			ps_append(&tail, n);
			break;
		case TK_BBEGIN:
			if (ps_advance(p) != 0)
				return NULL;
			if (ps_isend(p, ends))
				return body;
			if ((n = ps_statement(p)) == NULL ||
			    ps_expect(p, TK_BEND) != 0)
				return NULL;
			ps_append(&tail, n);
			break;
		case TK_EOF:
			if (ends == NULL)
				return body;
			want[0] = '\0';
			for (i = 0; ends[i] != NULL; i++) {
				(void)strlcat(want, i ? " or '" : "'",
				    sizeof(want));
				(void)strlcat(want, ends[i], sizeof(want));
				(void)strlcat(want, "'", sizeof(want));
			}
			ps_fail(p, p->p_cur.tk_line, PWR_ERR_INVALID_FORMAT,
			    "Unexpected end of template. Jinja was looking "
			    "for the following tags: %s.", want);
			return NULL;
		default:
			ps_unexpected(p);
			return NULL;
		}
	}
}

/*
 * Evaluation.  ev_* functions leave a new reference in *out (the
 * caller drops it) and return 0 or an error; ex_* run statements and
 * may also return TX_BREAK or TX_CONTINUE.
 */


static const char *
rn_name(const struct trender *r, int id)
{
	return r->r_t->t_names[id];
}

static int
rn_typeerror(struct trender *r, const char *what, const struct tval *a,
    const struct tval *b)
{
	if (a->v_type == TV_UNDEF)
		return rn_undef_error(r, a);
	if (b != NULL && b->v_type == TV_UNDEF)
		return rn_undef_error(r, b);
	if (b == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: bad operand type for %s: '%s'", what,
		    tv_tname(a));
	if (a->v_type == TV_STR && strcmp(what, "+") == 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: can only concatenate str (not \"%s\") to str",
		    tv_tname(b));
	return rn_fail(r, PWR_ERR_INVALID_FORMAT,
	    "TypeError: unsupported operand type(s) for %s: '%s' and '%s'",
	    what, tv_tname(a), tv_tname(b));
}

static void
args_free(struct trender *r, struct targs *a)
{
	size_t	i;

	for (i = 0; i < a->a_n; i++)
		tv_drop(r, &a->a_v[i]);
	a->a_n = 0;
}

static int
ev_args(struct trender *r, struct tframe *f, const struct tnode *n,
    struct targs *a)
{
	a->a_n = 0;
	for (; n != NULL; n = n->n_next) {
		if (a->a_n >= TMPL_MAX_ARGS) {
			args_free(r, a);
			return rn_fail(r, TMPL_ERR_LIMIT, "too many arguments");
		}
		a->a_kw[a->a_n] = NULL;
		if (n->n_kind == N_KWARG)
			a->a_kw[a->a_n] = rn_name(r, n->n_name);
		if (ev_expr(r, f, n->n_kind == N_KWARG ? n->n_a : n,
		    &a->a_v[a->a_n]) != 0)
			goto fail;
		a->a_n++;
	}
	return 0;
fail:
	args_free(r, a);
	return r->r_rc;
}

/*
 * Match a call's arguments to parameter names: slot[i] points to the
 * argument for names[i] or is NULL.  Extra positional arguments are an
 * error unless *nextra is given; they are then left for the caller.
 */
static int
args_bind(struct trender *r, const char *fn, struct targs *a,
    const char *const *names, size_t nnames, struct tval **slot,
    size_t *nextra)
{
	size_t	i, k, npos = 0;

	for (k = 0; k < nnames; k++)
		slot[k] = NULL;
	for (i = 0; i < a->a_n; i++) {
		if (a->a_kw[i] == NULL) {
			if (npos < nnames)
				slot[npos] = &a->a_v[i];
			else if (nextra == NULL)
				return rn_fail(r, PWR_ERR_INVALID_FORMAT,
				    "TypeError: %s() takes at most %zu "
				    "arguments", fn, nnames);
			npos++;
			continue;
		}
		for (k = 0; k < nnames; k++)
			if (strcmp(names[k], a->a_kw[i]) == 0)
				break;
		if (k == nnames)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: %s() got an unexpected keyword "
			    "argument '%s'", fn, a->a_kw[i]);
		if (slot[k] != NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: %s() got multiple values for "
			    "argument '%s'", fn, a->a_kw[i]);
		slot[k] = &a->a_v[i];
	}
	if (nextra != NULL)
		*nextra = npos > nnames ? npos - nnames : 0;
	return 0;
}

static int
tv_bind(struct trender *r, const struct tval *self, int meth,
    struct tval *out)
{
	struct tbound	*b;

	tv_undef(out, NULL, 0);
	if ((b = rn_alloc(r, TV_BOUND, sizeof(*b))) == NULL)
		return r->r_rc;
	b->b_meth = meth;
	b->b_self = tv_dup(self);
	memset(out, 0, sizeof(*out));
	out->v_type = TV_BOUND;
	out->u.o = &b->b_ob;
	return 0;
}

static int
lp_attr(struct trender *r, const struct tloop *lp, const char *name,
    struct tval *out)
{
	size_t	n = lp->lp_items->l_n, i = lp->lp_i;

	tv_undef(out, NULL, 0);
	if (strcmp(name, "index") == 0)
		tv_int(out, (int64_t)i + 1);
	else if (strcmp(name, "index0") == 0)
		tv_int(out, (int64_t)i);
	else if (strcmp(name, "revindex") == 0)
		tv_int(out, (int64_t)(n - i));
	else if (strcmp(name, "revindex0") == 0)
		tv_int(out, (int64_t)(n - i - 1));
	else if (strcmp(name, "first") == 0)
		tv_bool(out, i == 0);
	else if (strcmp(name, "last") == 0)
		tv_bool(out, i + 1 == n);
	else if (strcmp(name, "length") == 0)
		tv_int(out, (int64_t)n);
	else if (strcmp(name, "depth") == 0)
		tv_int(out, 1);
	else if (strcmp(name, "depth0") == 0)
		tv_int(out, 0);
	else if (strcmp(name, "previtem") == 0) {
		if (i == 0)
			tv_undef(out, "previtem", TV_LOOP);
		else
			*out = tv_dup(&lp->lp_items->l_v[i - 1]);
	} else if (strcmp(name, "nextitem") == 0) {
		if (i + 1 >= n)
			tv_undef(out, "nextitem", TV_LOOP);
		else
			*out = tv_dup(&lp->lp_items->l_v[i + 1]);
	} else
		tv_undef(out, NULL, TV_LOOP);
	(void)r;
	return 0;
}

/* obj.name: Jinja's getattr, attribute first, then item. */
static int
tv_getattr(struct trender *r, const struct tval *obj, const struct tstr *name,
    int meth, struct tval *out)
{
	const char	*hint = name->s_ob.ob_static ? name->s_p : NULL;
	struct tval	*v;

	tv_undef(out, NULL, 0);
	switch (obj->v_type) {
	case TV_UNDEF:
		return rn_undef_error(r, obj);
	case TV_DICT:
	case TV_NS:
	case TV_STR:
	case TV_LIST:
	case TV_LOOP:
		if (meth != 0 && me_applies(meth, obj))
			return tv_bind(r, obj, meth, out);
		if (me_unsafe(hint != NULL ? hint : "", obj)) {
			tv_undef(out, hint, obj->v_type);
			out->v_fl = TVF_UNSAFE;
			return 0;
		}
		if (obj->v_type == TV_DICT || obj->v_type == TV_NS) {
			if ((v = td_getstr(r, obj->u.d, name->s_p,
			    name->s_len)) != NULL) {
				*out = tv_dup(v);
				return 0;
			}
		} else if (obj->v_type == TV_LOOP && hint != NULL)
			return lp_attr(r, (const struct tloop *)obj->u.o,
			    hint, out);
		break;
	}
	tv_undef(out, hint, obj->v_type);
	return 0;
}

/* Byte offset of code point i of s (i <= the code point count). */
static size_t
ts_offset(struct trender *r, struct tstr *s, size_t i)
{
	size_t	off, adv;

	if (ts_ncp(s) == s->s_len)
		return i;
	for (off = 0; i > 0 && off < s->s_len; i--) {
		(void)u8_dec(s->s_p + off, s->s_len - off, &adv);
		off += adv;
	}
	(void)rn_work(r, off);
	return off;
}

/* obj[key]: item first, then attribute for string keys. */
static int
tv_getitem(struct trender *r, const struct tval *obj, const struct tval *key,
    struct tval *out)
{
	struct tval	*v;
	int64_t		 i, n;
	size_t		 off, adv;

	tv_undef(out, NULL, 0);
	switch (obj->v_type) {
	case TV_UNDEF:
		return rn_undef_error(r, obj);
	case TV_DICT:
	case TV_NS:
		if ((v = td_get(r, obj->u.d, key)) != NULL) {
			*out = tv_dup(v);
			return 0;
		}
		break;
	case TV_LIST:
		if (!tv_isint(key) || (obj->v_fl & TVF_VIEW))
			break;
		n = (int64_t)obj->u.l->l_n;
		i = key->u.i < 0 ? key->u.i + n : key->u.i;
		if (i >= 0 && i < n)
			*out = tv_dup(&obj->u.l->l_v[i]);
		else
			tv_undef(out, NULL, TV_LIST);
		return 0;
	case TV_STR:
		if (!tv_isint(key))
			break;
		n = (int64_t)ts_ncp(obj->u.s);
		i = key->u.i < 0 ? key->u.i + n : key->u.i;
		if (i < 0 || i >= n) {
			tv_undef(out, NULL, TV_STR);
			return 0;
		}
		off = ts_offset(r, obj->u.s, (size_t)i);
		(void)u8_dec(obj->u.s->s_p + off, obj->u.s->s_len - off,
		    &adv);
		return tv_newstr(r, obj->u.s->s_p + off, adv,
		    obj->v_fl & TVF_MARKUP, out);
	}
	if (key->v_type == TV_STR)
		return tv_getattr(r, obj, key->u.s,
		    me_lookup(key->u.s->s_p, key->u.s->s_len), out);
	tv_undef(out, NULL, obj->v_type);
	return 0;
}

/* Python's slice.indices(): start, stop clamped, and the item count. */
static size_t
slice_span(int64_t len, const struct tval *a, const struct tval *b,
    int64_t step, int64_t *startp)
{
	int64_t	start, stop, def0, def1, *p, i;
	int	k;

	def0 = step > 0 ? 0 : len - 1;
	def1 = step > 0 ? len : -1;
	for (k = 0; k < 2; k++) {
		p = k == 0 ? &start : &stop;
		if ((k == 0 ? a : b)->v_type == TV_NONE) {
			*p = k == 0 ? def0 : def1;
			continue;
		}
		i = (k == 0 ? a : b)->u.i;
		if (i < 0) {
			i += len;
			if (i < 0)
				i = step < 0 ? -1 : 0;
		} else if (i >= len)
			i = step < 0 ? len - 1 : len;
		*p = i;
	}
	*startp = start;
	if (step > 0)
		return start < stop ? (size_t)((stop - start - 1) / step + 1) :
		    0;
	return stop < start ? (size_t)((start - stop - 1) / -step + 1) : 0;
}

/* A slice of a string, by code points. */
static int
ts_slice(struct trender *r, const struct tval *obj, const struct tval *a,
    const struct tval *b, int64_t step, struct tval *out)
{
	struct tstr	*s = obj->u.s;
	struct tbuf	 buf;
	size_t		*offs = NULL, count, k, ncp, off, adv;
	int64_t		 start, i;

	tv_undef(out, NULL, 0);
	ncp = ts_ncp(s);
	count = slice_span((int64_t)ncp, a, b, step, &start);
	if (ncp == s->s_len && step == 1)
		return tv_newstr(r, s->s_p + start, count,
		    obj->v_fl & TVF_MARKUP, out);
	if (ncp != s->s_len) {
		/* Where each code point starts. */
		if (rn_charge(r, (ncp + 1) * sizeof(*offs)) != 0)
			return r->r_rc;
		if ((offs = calloc(ncp + 1, sizeof(*offs))) == NULL) {
			rn_uncharge(r, (ncp + 1) * sizeof(*offs));
			return rn_oom(r);
		}
		for (k = 0, off = 0; k < ncp; k++) {
			offs[k] = off;
			(void)u8_dec(s->s_p + off, s->s_len - off, &adv);
			off += adv;
		}
		offs[ncp] = s->s_len;
		(void)rn_work(r, s->s_len);
	}
	memset(&buf, 0, sizeof(buf));
	for (k = 0, i = start; k < count && r->r_rc == 0; k++, i += step) {
		if (offs == NULL)
			(void)tb_put(r, &buf, s->s_p + i, 1);
		else
			(void)tb_put(r, &buf, s->s_p + offs[i],
			    offs[i + 1] - offs[i]);
	}
	if (offs != NULL) {
		rn_uncharge(r, (ncp + 1) * sizeof(*offs));
		free(offs);
	}
	if (r->r_rc != 0) {
		tb_free(r, &buf);
		return r->r_rc;
	}
	return tv_frombuf(r, &buf, obj->v_fl & TVF_MARKUP, out);
}

/* obj[a:b:c] on a list, tuple or string; missing parts are none. */
static int
tv_slice(struct trender *r, const struct tval *obj, const struct tval *a,
    const struct tval *b, const struct tval *c, struct tval *out)
{
	struct tlist	*l;
	struct tval	 v;
	size_t		 count, k;
	int64_t		 step = 1, start, i;

	tv_undef(out, NULL, 0);
	if (obj->v_type == TV_UNDEF)
		return rn_undef_error(r, obj);
	/* Jinja subscripts slices directly: errors are not undefined. */
	if ((obj->v_type != TV_LIST && obj->v_type != TV_STR) ||
	    (obj->v_fl & TVF_VIEW))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: '%s' object is not subscriptable",
		    tv_tname(obj));
	if ((a->v_type != TV_NONE && !tv_isint(a)) ||
	    (b->v_type != TV_NONE && !tv_isint(b)) ||
	    (c->v_type != TV_NONE && !tv_isint(c))) {
		if (a->v_type == TV_UNDEF || b->v_type == TV_UNDEF ||
		    c->v_type == TV_UNDEF)
			return rn_undef_error(r, a->v_type == TV_UNDEF ? a :
			    b->v_type == TV_UNDEF ? b : c);
		return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: slice "
		    "indices must be integers or None");
	}
	if (c->v_type != TV_NONE) {
		if (c->u.i == 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "ValueError: slice step cannot be zero");
		step = c->u.i < -INT64_MAX ? -INT64_MAX : c->u.i;
	}
	if (obj->v_type == TV_STR)
		return ts_slice(r, obj, a, b, step, out);
	count = slice_span((int64_t)obj->u.l->l_n, a, b, step, &start);
	if ((l = tl_new(r, count)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, obj->v_fl & TVF_TUPLE);
	for (k = 0, i = start; k < count; k++, i += step) {
		v = tv_dup(&obj->u.l->l_v[i]);
		if (tl_push(r, l, &v) != 0)
			return r->r_rc;
	}
	return 0;
}

/* Iterate: the items of v as a list (dict keys, string characters). */
static int
tv_iter(struct trender *r, const struct tval *v, struct tval *out)
{
	struct tlist	*l;
	struct tval	 item;
	size_t		 i, adv;

	tv_undef(out, NULL, 0);
	switch (v->v_type) {
	case TV_LIST:
		*out = tv_dup(v);
		return 0;
	case TV_UNDEF:
	case TV_DICT:
	case TV_STR:
		break;
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: '%s' object is not iterable", tv_tname(v));
	}
	if ((l = tl_new(r, 0)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, 0);
	if (v->v_type == TV_DICT) {
		for (i = 0; i < v->u.d->d_n; i++) {
			item = tv_dup(&v->u.d->d_e[i].de_key);
			if (tl_push(r, l, &item) != 0)
				return r->r_rc;
		}
	} else if (v->v_type == TV_STR) {
		for (i = 0; i < v->u.s->s_len; i += adv) {
			(void)u8_dec(v->u.s->s_p + i, v->u.s->s_len - i, &adv);
			if (tv_newstr(r, v->u.s->s_p + i, adv,
			    v->v_fl & TVF_MARKUP, &item) != 0 ||
			    tl_push(r, l, &item) != 0)
				return r->r_rc;
		}
	}
	return 0;
}

static int
tv_contains(struct trender *r, const struct tval *item,
    const struct tval *cont, int *res)
{
	size_t		i;
	uint32_t	h;

	*res = 0;
	switch (cont->v_type) {
	case TV_UNDEF:
		return 0;
	case TV_STR:
		if (item->v_type != TV_STR)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: 'in <string>' requires string as "
			    "left operand, not %s", tv_tname(item));
		*res = item->u.s->s_len == 0 || memmem(cont->u.s->s_p,
		    cont->u.s->s_len, item->u.s->s_p, item->u.s->s_len) !=
		    NULL;
		return rn_work(r, cont->u.s->s_len);
	case TV_LIST:
		for (i = 0; i < cont->u.l->l_n && !*res; i++)
			*res = tv_eq(r, item, &cont->u.l->l_v[i]);
		return rn_work(r, i * 16);
	case TV_DICT:
		if (tv_hash(r, item, &h) != 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: unhashable type: '%s'",
			    tv_tname(item));
		*res = td_get(r, cont->u.d, item) != NULL;
		return 0;
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
		    "argument of type '%s' is not iterable", tv_tname(cont));
	}
}

/* a + b for strings, Markup escaping the plain side. */
static int
ts_concat(struct trender *r, const struct tval *a, const struct tval *b,
    struct tval *out)
{
	struct tval	 ea, eb;
	struct tstr	*s;
	int		 markup;

	tv_undef(out, NULL, 0);
	markup = (a->v_fl | b->v_fl) & TVF_MARKUP;
	tv_undef(&ea, NULL, 0);
	tv_undef(&eb, NULL, 0);
	if (markup && !(a->v_fl & TVF_MARKUP) &&
	    html_escape(r, a->u.s, &ea) != 0)
		return r->r_rc;
	if (markup && !(b->v_fl & TVF_MARKUP) &&
	    html_escape(r, b->u.s, &eb) != 0) {
		tv_drop(r, &ea);
		return r->r_rc;
	}
	if (ea.v_type == TV_STR)
		a = &ea;
	if (eb.v_type == TV_STR)
		b = &eb;
	if (a->u.s->s_len > TMPL_MAX_OUTPUT - b->u.s->s_len)
		s = ts_alloc(r, TMPL_MAX_OUTPUT + 1);
	else
		s = ts_alloc(r, a->u.s->s_len + b->u.s->s_len);
	if (s != NULL) {
		memcpy(s->s_buf, a->u.s->s_p, a->u.s->s_len);
		memcpy(s->s_buf + a->u.s->s_len, b->u.s->s_p, b->u.s->s_len);
		s->s_buf[s->s_len] = '\0';
		tv_setstr(out, s, markup);
		(void)rn_work(r, s->s_len);
	}
	tv_drop(r, &ea);
	tv_drop(r, &eb);
	return r->r_rc;
}

static int
tl_concat(struct trender *r, const struct tval *a, const struct tval *b,
    struct tval *out)
{
	struct tlist	*l;
	struct tval	 v;
	size_t		 i;

	tv_undef(out, NULL, 0);
	if (a->u.l->l_n > TMPL_MAX_ITEMS - b->u.l->l_n)
		return rn_fail(r, TMPL_ERR_LIMIT, "more than %u items",
		    TMPL_MAX_ITEMS);
	if ((l = tl_new(r, a->u.l->l_n + b->u.l->l_n)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, a->v_fl & TVF_TUPLE);
	for (i = 0; i < a->u.l->l_n + b->u.l->l_n; i++) {
		v = tv_dup(i < a->u.l->l_n ? &a->u.l->l_v[i] :
		    &b->u.l->l_v[i - a->u.l->l_n]);
		if (tl_push(r, l, &v) != 0)
			return r->r_rc;
	}
	return 0;
}

/* s * n and list * n. */
static int
tv_repeat(struct trender *r, const struct tval *a, int64_t n,
    struct tval *out)
{
	struct tlist	*l;
	struct tstr	*s;
	struct tval	 v;
	size_t		 unit, i, k;

	tv_undef(out, NULL, 0);
	if (n < 0)
		n = 0;
	unit = a->v_type == TV_STR ? a->u.s->s_len : a->u.l->l_n;
	if (unit > 0 && (uint64_t)n > (a->v_type == TV_STR ?
	    TMPL_MAX_OUTPUT : TMPL_MAX_ITEMS) / unit)
		return rn_fail(r, TMPL_ERR_LIMIT, "repetition too long");
	if (unit == 0)
		n = 0;
	if (a->v_type == TV_STR) {
		if ((s = ts_alloc(r, unit * (size_t)n)) == NULL)
			return r->r_rc;
		for (i = 0; i < (size_t)n; i++)
			memcpy(s->s_buf + i * unit, a->u.s->s_p, unit);
		s->s_buf[s->s_len] = '\0';
		tv_setstr(out, s, a->v_fl & TVF_MARKUP);
		return rn_work(r, s->s_len);
	}
	if ((l = tl_new(r, unit * (size_t)n)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, a->v_fl & TVF_TUPLE);
	for (i = 0; i < (size_t)n; i++)
		for (k = 0; k < unit; k++) {
			v = tv_dup(&a->u.l->l_v[k]);
			if (tl_push(r, l, &v) != 0)
				return r->r_rc;
		}
	return 0;
}

static int
rn_overflow(struct trender *r)
{
	return rn_fail(r, TMPL_ERR_LIMIT, "integer overflow");
}

static int
int_pow(struct trender *r, int64_t base, int64_t e, struct tval *out)
{
	int64_t	acc = 1;

	tv_undef(out, NULL, 0);
	while (e > 0) {
		if ((e & 1) && __builtin_mul_overflow(acc, base, &acc))
			return rn_overflow(r);
		e >>= 1;
		if (e > 0 && __builtin_mul_overflow(base, base, &base))
			return rn_overflow(r);
	}
	tv_int(out, acc);
	return 0;
}

/* CPython's float floor division and modulo. */
static void
float_divmod(double x, double y, double *fdiv, double *fmod_)
{
	double	mod, div, fl;

	mod = fmod(x, y);
	div = (x - mod) / y;
	if (mod != 0.0) {
		if ((y < 0) != (mod < 0)) {
			mod += y;
			div -= 1.0;
		}
	} else
		mod = copysign(0.0, y);
	if (div != 0.0) {
		fl = floor(div);
		if (div - fl > 0.5)
			fl += 1.0;
	} else
		fl = copysign(0.0, x / y);
	*fdiv = fl;
	*fmod_ = mod;
}


static int
num_binop(struct trender *r, int op, const struct tval *a,
    const struct tval *b, struct tval *out)
{
	int64_t	x, y, z;
	double	fx, fy, fd, fm;
	int	isf = a->v_type == TV_FLOAT || b->v_type == TV_FLOAT;

	tv_undef(out, NULL, 0);
	x = a->u.i;
	y = b->u.i;
	fx = tv_num(a);
	fy = tv_num(b);
	if ((op == OP_DIV || op == OP_FLOORDIV || op == OP_MOD) &&
	    (isf ? fy == 0.0 : y == 0))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ZeroDivisionError: division by zero");
	switch (op) {
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
		if (isf) {
			tv_float(out, op == OP_ADD ? fx + fy : op == OP_SUB ?
			    fx - fy : fx * fy);
			return 0;
		}
		if (op == OP_ADD ? __builtin_add_overflow(x, y, &z) :
		    op == OP_SUB ? __builtin_sub_overflow(x, y, &z) :
		    __builtin_mul_overflow(x, y, &z))
			return rn_overflow(r);
		tv_int(out, z);
		return 0;
	case OP_DIV:
		tv_float(out, fx / fy);
		return 0;
	case OP_FLOORDIV:
	case OP_MOD:
		if (isf) {
			float_divmod(fx, fy, &fd, &fm);
			tv_float(out, op == OP_MOD ? fm : fd);
			return 0;
		}
		if (x == INT64_MIN && y == -1) {
			if (op == OP_MOD) {
				tv_int(out, 0);
				return 0;
			}
			return rn_overflow(r);
		}
		z = x % y;
		if (z != 0 && ((z < 0) != (y < 0)))
			z += y;
		if (op == OP_MOD)
			tv_int(out, z);
		else
			tv_int(out, (x - z) / y);
		return 0;
	case OP_POW:
		if (!isf && y >= 0)
			return int_pow(r, x, y, out);
		if (fx == 0.0 && fy < 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "ZeroDivisionError: 0.0 cannot be raised to a "
			    "negative power");
		if (fx < 0 && fy != floor(fy))
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "complex results are not supported");
		tv_float(out, pow(fx, fy));
		return 0;
	}
	return rn_fail(r, PWR_ERR_INTERNAL, "bad operator");
}

static int
tv_binop(struct trender *r, int op, const struct tval *a,
    const struct tval *b, struct tval *out)
{
	static const char *const sym[] = { "", "+", "-", "*", "/", "//", "%",
	    "**" };

	tv_undef(out, NULL, 0);
	if (a->v_type == TV_UNDEF)
		return rn_undef_error(r, a);
	if (b->v_type == TV_UNDEF)
		return rn_undef_error(r, b);
	if (tv_isnum(a) && tv_isnum(b))
		return num_binop(r, op, a, b, out);
	if (op == OP_ADD && a->v_type == TV_STR && b->v_type == TV_STR)
		return ts_concat(r, a, b, out);
	if (op == OP_ADD && a->v_type == TV_LIST && b->v_type == TV_LIST &&
	    (a->v_fl & TVF_TUPLE) == (b->v_fl & TVF_TUPLE) &&
	    !((a->v_fl | b->v_fl) & TVF_VIEW))
		return tl_concat(r, a, b, out);
	if (op == OP_MUL && tv_isint(b) && (a->v_type == TV_STR ||
	    (a->v_type == TV_LIST && !(a->v_fl & TVF_VIEW))))
		return tv_repeat(r, a, b->u.i, out);
	if (op == OP_MUL && tv_isint(a) && (b->v_type == TV_STR ||
	    (b->v_type == TV_LIST && !(b->v_fl & TVF_VIEW))))
		return tv_repeat(r, b, a->u.i, out);
	if (op == OP_MOD && a->v_type == TV_STR)
		return fmt_percent(r, a, b, out);
	return rn_typeerror(r, op <= OP_POW ? sym[op] : "?", a, b);
}

static int
tv_compare(struct trender *r, int op, const struct tval *a,
    const struct tval *b, int *res)
{
	int	c;

	switch (op) {
	case OP_EQ:
		*res = tv_eq(r, a, b);
		return 0;
	case OP_NE:
		*res = !tv_eq(r, a, b);
		return 0;
	case OP_IN:
		return tv_contains(r, a, b, res);
	case OP_NOTIN:
		if (tv_contains(r, a, b, res) != 0)
			return r->r_rc;
		*res = !*res;
		return 0;
	}
	if (tv_cmp(r, a, b, &c) != 0)
		return r->r_rc;
	switch (op) {
	case OP_LT:
		*res = c < 0;
		break;
	case OP_LTEQ:
		*res = c <= 0;
		break;
	case OP_GT:
		*res = c > 0;
		break;
	default:
		*res = c >= 0;
		break;
	}
	return 0;
}

static int
ev_name(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	static const int fns[NM_NFIXED] = { 0, 0, 0, 0, FN_RANGE, FN_DICT,
	    FN_NAMESPACE, FN_RAISE, FN_STRFTIME, FN_UNSUPPORTED,
	    FN_UNSUPPORTED, FN_UNSUPPORTED };
	const char	*name = rn_name(r, n->n_name);
	struct tval	*v;

	tv_undef(out, NULL, 0);
	if ((v = fr_find(r, f, n->n_name)) == NULL &&
	    r->r_ctx.v_type == TV_DICT)
		v = td_getstr(r, r->r_ctx.u.d, name, strlen(name));
	if (v != NULL) {
		*out = tv_dup(v);
		return 0;
	}
	if (n->n_name < NM_NFIXED && fns[n->n_name] != 0) {
		memset(out, 0, sizeof(*out));
		out->v_type = TV_FUNC;
		out->v_owner = (uint8_t)n->n_name;
		out->u.i = fns[n->n_name];
		return 0;
	}
	tv_undef(out, name, 0);
	return 0;
}


static int
ev_callvalue(struct trender *r, const struct tval *fv, struct targs *a,
    const struct tval *caller, struct tval *out)
{
	const struct tbound	*b;

	tv_undef(out, NULL, 0);
	if (caller != NULL && fv->v_type != TV_MACRO)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: a call block needs a macro");
	switch (fv->v_type) {
	case TV_MACRO:
		return ev_macro(r, (struct tmacro *)fv->u.o, a, caller, out);
	case TV_FUNC:
		return fn_call(r, fv, a, out);
	case TV_BOUND:
		b = (const struct tbound *)fv->u.o;
		return me_call(r, &b->b_self, b->b_meth, a, out);
	case TV_UNDEF:
		return rn_undef_error(r, fv);
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: '%s' object is not callable", tv_tname(fv));
	}
}

static int
ev_call(struct trender *r, struct tframe *f, const struct tnode *n,
    const struct tval *caller, struct tval *out)
{
	const struct tnode	*callee = n->n_a;
	struct tval		 obj, fv;
	struct targs		 a;
	int			 rc;

	tv_undef(out, NULL, 0);
	tv_undef(&obj, NULL, 0);
	tv_undef(&fv, NULL, 0);
	if (callee->n_kind == N_GETATTR && callee->n_op != 0 &&
	    caller == NULL) {
		/* A method call: no bound method object needed. */
		if (ev_expr(r, f, callee->n_a, &obj) != 0)
			return r->r_rc;
		if (me_applies(callee->n_op, &obj)) {
			if ((rc = ev_args(r, f, n->n_b, &a)) == 0) {
				rc = me_call(r, &obj, callee->n_op, &a, out);
				args_free(r, &a);
			}
			tv_drop(r, &obj);
			return rc;
		}
		rc = tv_getattr(r, &obj, callee->n_val.u.s, callee->n_op,
		    &fv);
		tv_drop(r, &obj);
		if (rc != 0)
			return rc;
	} else if (ev_expr(r, f, callee, &fv) != 0)
		return r->r_rc;
	if ((rc = ev_args(r, f, n->n_b, &a)) == 0) {
		r->r_line = n->n_line;
		rc = ev_callvalue(r, &fv, &a, caller, out);
		args_free(r, &a);
	}
	tv_drop(r, &fv);
	return rc;
}

/*
 * Bind a macro's parameters in fr: each from its positional argument,
 * its keyword argument, its default (evaluated in fr, so it may use the
 * parameters before it) or else undefined.  used[] marks the keyword
 * arguments taken; *np is the number of parameters.
 */
static int
ev_macro_params(struct trender *r, const struct tnode *def, struct tframe *fr,
    struct targs *a, size_t npos, unsigned char *used, size_t *np)
{
	const struct tnode	*p;
	const char		*pname;
	struct tval		 v;
	size_t			 i, kwi;
	int			 rc = 0;

	*np = 0;
	p = def->n_kind == N_MACRO ? def->n_a : def->n_b;
	for (; p != NULL && rc == 0; p = p->n_next, (*np)++) {
		pname = rn_name(r, p->n_name);
		kwi = SIZE_MAX;
		for (i = npos; i < a->a_n && kwi == SIZE_MAX; i++)
			if (strcmp(a->a_kw[i], pname) == 0)
				kwi = i;
		if (kwi != SIZE_MAX)
			used[kwi] = 1;
		if (*np < npos && kwi != SIZE_MAX)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "macro got multiple values for argument '%s'",
			    pname);
		if (*np < npos)
			v = tv_dup(&a->a_v[*np]);
		else if (kwi != SIZE_MAX)
			v = tv_dup(&a->a_v[kwi]);
		else if (p->n_a != NULL)
			rc = ev_expr(r, fr, p->n_a, &v);
		else
			tv_undef(&v, pname, 0);
		if (rc == 0)
			rc = fr_set(r, fr, p->n_name, &v);
	}
	return rc;
}

/*
 * What the parameters did not take: extra positional arguments go to
 * varargs and extra keywords to kwargs, if the body reads them; else
 * they are errors, as in Jinja.  caller is bound if the body reads it.
 */
static int
ev_macro_extras(struct trender *r, const struct tnode *def, const char *name,
    struct tframe *fr, struct targs *a, size_t npos, size_t np,
    const unsigned char *used, const struct tval *caller)
{
	struct tlist	*extra;
	struct tdict	*kw = NULL;
	struct tval	 v, k;
	size_t		 i;
	int		 rc = 0, gotcaller = 0;

	if (npos > np && !(def->n_flags & NF_VARARGS))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: macro "
		    "'%s' takes not more than %zu argument(s)", name, np);
	if (def->n_flags & NF_VARARGS) {
		if ((extra = tl_new(r, 0)) == NULL)
			return r->r_rc;
		tv_setlist(&v, extra, 1);
		if ((rc = fr_set(r, fr, NM_VARARGS, &v)) != 0)
			return rc;
		for (i = np; rc == 0 && i < npos; i++) {
			v = tv_dup(&a->a_v[i]);
			rc = tl_push(r, extra, &v);
		}
	}
	if (rc == 0 && (def->n_flags & NF_KWARGS)) {
		if ((kw = td_new(r, TV_DICT)) == NULL)
			return r->r_rc;
		tv_setdict(&v, kw);
		rc = fr_set(r, fr, NM_KWARGS, &v);
	}
	for (i = npos; rc == 0 && i < a->a_n; i++) {
		if (used[i])
			continue;
		if (strcmp(a->a_kw[i], "caller") == 0 &&
		    (def->n_flags & NF_CALLER) && caller == NULL) {
			v = tv_dup(&a->a_v[i]);
			rc = fr_set(r, fr, NM_CALLER, &v);
			gotcaller = 1;
			continue;
		}
		if (kw == NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "macro '%s' takes no keyword argument '%s'", name,
			    a->a_kw[i]);
		if ((rc = tv_newstr(r, a->a_kw[i], strlen(a->a_kw[i]), 0,
		    &k)) == 0) {
			v = tv_dup(&a->a_v[i]);
			rc = td_set(r, kw, &k, &v);
		}
	}
	if (rc != 0 || !(def->n_flags & NF_CALLER) || gotcaller) {
		if (rc == 0 && caller != NULL && !(def->n_flags & NF_CALLER))
			rc = rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "macro '%s' takes no keyword argument 'caller'",
			    name);
		return rc;
	}
	if (caller != NULL)
		v = tv_dup(caller);
	else
		tv_undef(&v, "caller", 0);
	return fr_set(r, fr, NM_CALLER, &v);
}

/* Call a macro (or a call block's caller): its output is the value. */
static int
ev_macro(struct trender *r, struct tmacro *m, struct targs *a,
    const struct tval *caller, struct tval *out)
{
	const struct tnode	*def = m->m_def;
	const char		*name;
	struct tframe		*fr;
	struct tbuf		 buf, *saved;
	size_t			 i, np, npos = 0;
	unsigned char		 used[TMPL_MAX_ARGS];
	int			 rc;

	tv_undef(out, NULL, 0);
	name = def->n_kind == N_MACRO ? rn_name(r, def->n_name) : "caller";
	if (r->r_calls >= TMPL_MAX_DEPTH)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "macro calls nested more than %d deep", TMPL_MAX_DEPTH);
	if ((fr = fr_new(r, m->m_closure)) == NULL)
		return r->r_rc;
	r->r_calls++;
	memset(used, 0, sizeof(used));
	for (i = 0; i < a->a_n; i++)
		if (a->a_kw[i] == NULL)
			npos++;
	memset(&buf, 0, sizeof(buf));
	if ((rc = ev_macro_params(r, def, fr, a, npos, used, &np)) == 0 &&
	    (rc = ev_macro_extras(r, def, name, fr, a, npos, np, used,
	    caller)) == 0) {
		saved = r->r_out;
		r->r_out = &buf;
		rc = ex_body(r, fr, def->n_c);
		r->r_out = saved;
	}
	ob_release(r, &fr->f_ob);
	r->r_calls--;
	if (rc != 0) {
		tb_free(r, &buf);
		return rc < 0 ? rc : rn_fail(r, PWR_ERR_INTERNAL,
		    "loop control escaped a macro");
	}
	return tv_frombuf(r, &buf, 0, out);
}


/*
 * A filter node: its value is the node below it, or base for the
 * innermost filter of a filter block or a filtered block set.
 */
static int
ev_filter(struct trender *r, struct tframe *f, const struct tnode *n,
    const struct tval *base, struct tval *out)
{
	tv_undef(out, NULL, 0);
	int	rc;

	/* Filter block chains recurse here without ev_expr. */
	if (rn_enter(r, n) != 0)
		return r->r_rc;
	rc = ev_filter1(r, f, n, base, out);
	r->r_depth--;
	return rc;
}

static int
ev_filter1(struct trender *r, struct tframe *f, const struct tnode *n,
    const struct tval *base, struct tval *out)
{
	struct tval	v;
	struct targs	a;
	int		rc;

	tv_undef(out, NULL, 0);
	if (n->n_a == NULL)
		v = tv_dup(base);
	else if (base != NULL && n->n_a->n_kind == N_FILTER) {
		if (ev_filter(r, f, n->n_a, base, &v) != 0)
			return r->r_rc;
	} else if (ev_expr(r, f, n->n_a, &v) != 0)
		return r->r_rc;
	if (n->n_flags & NF_SOFT) {
		tv_drop(r, &v);
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "No filter named '%s' found.", n->n_val.u.s->s_p);
	}
	if ((rc = ev_args(r, f, n->n_b, &a)) == 0) {
		r->r_line = n->n_line;
		rc = fl_call(r, n->n_op, n->n_val.u.s->s_p, &v, &a, out);
		args_free(r, &a);
	}
	tv_drop(r, &v);
	return rc;
}

static int
ev_test(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	struct tval	v;
	struct targs	a;
	int		rc, res = 0;

	tv_undef(out, NULL, 0);
	if (ev_expr(r, f, n->n_a, &v) != 0)
		return r->r_rc;
	if (n->n_flags & NF_SOFT) {
		tv_drop(r, &v);
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "No test named '%s' found.", n->n_val.u.s->s_p);
	}
	if ((rc = ev_args(r, f, n->n_b, &a)) == 0) {
		r->r_line = n->n_line;
		rc = te_call(r, n->n_op, n->n_val.u.s->s_p, &v, &a, &res);
		args_free(r, &a);
	}
	tv_drop(r, &v);
	if (rc == 0)
		tv_bool(out, res);
	return rc;
}

static int
ev_unary(struct trender *r, const struct tnode *n, struct tval *v,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	if (!tv_isnum(v))
		return rn_typeerror(r, n->n_kind == N_NEG ? "unary -" :
		    "unary +", v, NULL);
	if (v->v_type == TV_FLOAT)
		tv_float(out, n->n_kind == N_NEG ? -v->u.f : v->u.f);
	else if (n->n_kind == N_NEG && v->u.i == INT64_MIN)
		return rn_overflow(r);
	else
		tv_int(out, n->n_kind == N_NEG ? -v->u.i : v->u.i);
	return 0;
}

static int
ev_cmp(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	const struct tnode	*o;
	struct tval		 cur, rhs;
	int			 res = 1;

	tv_undef(out, NULL, 0);
	if (ev_expr(r, f, n->n_a, &cur) != 0)
		return r->r_rc;
	for (o = n->n_b; o != NULL && res; o = o->n_next) {
		if (ev_expr(r, f, o->n_a, &rhs) != 0) {
			tv_drop(r, &cur);
			return r->r_rc;
		}
		r->r_line = o->n_line;
		if (tv_compare(r, o->n_op, &cur, &rhs, &res) != 0) {
			tv_drop(r, &rhs);
			tv_drop(r, &cur);
			return r->r_rc;
		}
		tv_drop(r, &cur);
		cur = rhs;
	}
	tv_drop(r, &cur);
	tv_bool(out, res);
	return 0;
}

static int
ev_seq(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	const struct tnode	*i;
	struct tlist		*l;
	struct tdict		*d;
	struct tval		 k, v;

	tv_undef(out, NULL, 0);
	if (n->n_kind == N_DICT) {
		if ((d = td_new(r, TV_DICT)) == NULL)
			return r->r_rc;
		tv_setdict(out, d);
		for (i = n->n_a; i != NULL; i = i->n_next) {
			if (ev_expr(r, f, i->n_a, &k) != 0)
				return r->r_rc;
			if (ev_expr(r, f, i->n_b, &v) != 0) {
				tv_drop(r, &k);
				return r->r_rc;
			}
			if (td_set(r, d, &k, &v) != 0)
				return r->r_rc;
		}
		return 0;
	}
	if ((l = tl_new(r, 0)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, n->n_kind == N_TUPLE);
	for (i = n->n_a; i != NULL; i = i->n_next)
		if (ev_expr(r, f, i, &v) != 0 || tl_push(r, l, &v) != 0)
			return r->r_rc;
	return 0;
}

/*
 * Does Jinja's optimizer fold this slice of constants into undefined?
 * It does when subscripting raises a TypeError at compile time.
 */
static int
ev_constslice(const struct tnode *n, const struct tval *obj,
    const struct tval *v)
{
	const struct tnode	*s = n->n_b;
	int			 i;

	if (n->n_a->n_kind != N_CONST ||
	    (s->n_a != NULL && s->n_a->n_kind != N_CONST) ||
	    (s->n_b != NULL && s->n_b->n_kind != N_CONST) ||
	    (s->n_c != NULL && s->n_c->n_kind != N_CONST))
		return 0;
	if (obj->v_type != TV_LIST && obj->v_type != TV_STR)
		return 1;
	for (i = 0; i < 3; i++)
		if (v[i].v_type != TV_NONE && !tv_isint(&v[i]))
			return 1;
	return 0;
}

static int
ev_subscript(struct trender *r, struct tframe *f, const struct tnode *n,
    const struct tval *obj, struct tval *out)
{
	const struct tnode	*s = n->n_b, *part[3];
	struct tval		 v[3], key;
	int			 i, rc = 0;

	tv_undef(out, NULL, 0);
	if (s->n_kind != N_SLICE) {
		if (ev_expr(r, f, s, &key) != 0)
			return r->r_rc;
		r->r_line = n->n_line;
		rc = tv_getitem(r, obj, &key, out);
		tv_drop(r, &key);
		return rc;
	}
	part[0] = s->n_a;
	part[1] = s->n_b;
	part[2] = s->n_c;
	for (i = 0; i < 3; i++)
		tv_none(&v[i]);
	for (i = 0; i < 3 && rc == 0; i++)
		if (part[i] != NULL)
			rc = ev_expr(r, f, part[i], &v[i]);
	if (rc == 0 && ev_constslice(n, obj, v)) {
		/* Jinja folds a constant slice, and undefined is what fails. */
		tv_undef(out, NULL, obj->v_type);
	} else if (rc == 0) {
		r->r_line = n->n_line;
		rc = tv_slice(r, obj, &v[0], &v[1], &v[2], out);
	}
	for (i = 0; i < 3; i++)
		tv_drop(r, &v[i]);
	return rc;
}

static int
ev_expr1(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	struct tval	a, b;
	struct tbuf	buf;
	const struct tnode *i;
	int		rc = 0;

	tv_undef(out, NULL, 0);
	switch (n->n_kind) {
	case N_CONST:
		*out = tv_dup(&n->n_val);
		return 0;
	case N_NAME:
		return ev_name(r, f, n, out);
	case N_GETATTR:
	case N_GETITEM:
		if (ev_expr(r, f, n->n_a, &a) != 0)
			return r->r_rc;
		r->r_line = n->n_line;
		if (n->n_kind == N_GETATTR)
			rc = tv_getattr(r, &a, n->n_val.u.s, n->n_op, out);
		else
			rc = ev_subscript(r, f, n, &a, out);
		tv_drop(r, &a);
		return rc;
	case N_CALL:
		return ev_call(r, f, n, NULL, out);
	case N_FILTER:
		return ev_filter(r, f, n, NULL, out);
	case N_TEST:
		return ev_test(r, f, n, out);
	case N_BIN:
		if (ev_expr(r, f, n->n_a, &a) != 0)
			return r->r_rc;
		if (ev_expr(r, f, n->n_b, &b) != 0) {
			tv_drop(r, &a);
			return r->r_rc;
		}
		r->r_line = n->n_line;
		rc = tv_binop(r, n->n_op, &a, &b, out);
		tv_drop(r, &a);
		tv_drop(r, &b);
		return rc;
	case N_NEG:
	case N_POS:
	case N_NOT:
		if (ev_expr(r, f, n->n_a, &a) != 0)
			return r->r_rc;
		if (n->n_kind == N_NOT)
			tv_bool(out, !tv_truthy(&a));
		else
			rc = ev_unary(r, n, &a, out);
		tv_drop(r, &a);
		return rc;
	case N_AND:
	case N_OR:
		if (ev_expr(r, f, n->n_a, &a) != 0)
			return r->r_rc;
		if (tv_truthy(&a) == (n->n_kind == N_OR)) {
			*out = a;
			return 0;
		}
		tv_drop(r, &a);
		return ev_expr(r, f, n->n_b, out);
	case N_CMP:
		return ev_cmp(r, f, n, out);
	case N_CONCAT:
		memset(&buf, 0, sizeof(buf));
		for (i = n->n_a; i != NULL && rc == 0; i = i->n_next) {
			if ((rc = ev_expr(r, f, i, &a)) == 0) {
				rc = tv_put_str(r, &buf, &a, 0);
				tv_drop(r, &a);
			}
		}
		if (rc != 0) {
			tb_free(r, &buf);
			return rc;
		}
		return tv_frombuf(r, &buf, 0, out);
	case N_COND:
		if (ev_expr(r, f, n->n_a, &a) != 0)
			return r->r_rc;
		rc = tv_truthy(&a);
		tv_drop(r, &a);
		if (rc)
			return ev_expr(r, f, n->n_b, out);
		if (n->n_c != NULL)
			return ev_expr(r, f, n->n_c, out);
		tv_undef(out, NULL, 0);
		return 0;
	case N_LIST:
	case N_TUPLE:
	case N_DICT:
		return ev_seq(r, f, n, out);
	case N_SLICE:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "a slice is only allowed as a subscript");
	default:
		return rn_fail(r, PWR_ERR_INTERNAL, "bad expression node %d",
		    n->n_kind);
	}
}

static int
rn_enter(struct trender *r, const struct tnode *n)
{
	if (r->r_depth >= TMPL_MAX_EVAL_DEPTH)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "evaluation nested more than %d deep",
		    TMPL_MAX_EVAL_DEPTH);
	r->r_depth++;
	r->r_line = n->n_line;
	if (rn_work(r, 0) != 0) {
		r->r_depth--;
		return r->r_rc;
	}
	return 0;
}

static int
ev_expr(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	int	rc;

	tv_undef(out, NULL, 0);
	if (rn_enter(r, n) != 0)
		return r->r_rc;
	rc = ev_expr1(r, f, n, out);
	r->r_depth--;
	if (rc != 0)
		tv_drop(r, out);
	return rc;
}

/*
 * Statements.
 */

static int
ex_assign(struct trender *r, struct tframe *f, const struct tnode *t,
    struct tval *v)
{
	const struct tnode	*i;
	struct tval		*ns, seq, k;
	size_t			 want = 0, k2;
	int			 rc = 0;

	switch (t->n_kind) {
	case N_NAME:
		return fr_set(r, f, t->n_name, v);
	case N_NSREF:
		if ((ns = fr_find(r, f, t->n_name)) == NULL &&
		    r->r_ctx.v_type == TV_DICT)
			ns = td_getstr(r, r->r_ctx.u.d, rn_name(r, t->n_name),
			    strlen(rn_name(r, t->n_name)));
		if (ns == NULL || ns->v_type != TV_NS) {
			tv_drop(r, v);
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "cannot assign attribute on non-namespace object");
		}
		k = tv_dup(&t->n_val);
		return td_set(r, ns->u.d, &k, v);
	case N_TUPLE:
		break;
	default:
		tv_drop(r, v);
		return rn_fail(r, PWR_ERR_INTERNAL, "bad assignment target");
	}
	for (i = t->n_a; i != NULL; i = i->n_next)
		want++;
	rc = tv_iter(r, v, &seq);
	tv_drop(r, v);
	if (rc != 0)
		return rc;
	if (seq.u.l->l_n != want)
		rc = rn_fail(r, PWR_ERR_INVALID_FORMAT, "ValueError: %s "
		    "values to unpack (expected %zu, got %zu)",
		    seq.u.l->l_n < want ? "not enough" : "too many", want,
		    seq.u.l->l_n);
	for (i = t->n_a, k2 = 0; rc == 0 && i != NULL; i = i->n_next, k2++) {
		k = tv_dup(&seq.u.l->l_v[k2]);
		rc = ex_assign(r, f, i, &k);
	}
	tv_drop(r, &seq);
	return rc;
}

/* Drop a frame's variables so that it may serve the next iteration. */
static void
fr_clear(struct trender *r, struct tframe *f)
{
	size_t	i;

	for (i = 0; i < f->f_n; i++)
		tv_drop(r, &f->f_v[i].va_val);
	f->f_n = 0;
}

static int
ex_filtered(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *items)
{
	struct tframe	*tf;
	struct tlist	*l;
	struct tval	 item, cond;
	size_t		 i;
	int		 rc = 0, keep;

	if ((l = tl_new(r, 0)) == NULL)
		return r->r_rc;
	if ((tf = fr_new(r, f)) == NULL) {
		ob_release(r, &l->l_ob);
		return r->r_rc;
	}
	for (i = 0; i < items->u.l->l_n && rc == 0; i++) {
		fr_clear(r, tf);
		item = tv_dup(&items->u.l->l_v[i]);
		if ((rc = ex_assign(r, tf, n->n_a, &item)) != 0 ||
		    (rc = ev_expr(r, tf, n->n_e, &cond)) != 0)
			break;
		keep = tv_truthy(&cond);
		tv_drop(r, &cond);
		if (keep) {
			item = tv_dup(&items->u.l->l_v[i]);
			rc = tl_push(r, l, &item);
		}
	}
	ob_release(r, &tf->f_ob);
	tv_drop(r, items);
	if (rc != 0) {
		ob_release(r, &l->l_ob);
		return rc;
	}
	tv_setlist(items, l, 0);
	return 0;
}

static int
ex_for(struct trender *r, struct tframe *f, const struct tnode *n)
{
	struct tframe	*fr = NULL;
	struct tloop	*lp;
	struct tval	 it, items, lv, item;
	size_t		 i;
	int		 rc;

	if (ev_expr(r, f, n->n_b, &it) != 0)
		return r->r_rc;
	rc = tv_iter(r, &it, &items);
	tv_drop(r, &it);
	if (rc != 0)
		return rc;
	if (n->n_e != NULL && ex_filtered(r, f, n, &items) != 0)
		return r->r_rc;
	if (items.u.l->l_n == 0) {
		tv_drop(r, &items);
		if (n->n_d == NULL)
			return 0;
		if ((fr = fr_new(r, f)) == NULL)
			return r->r_rc;
		rc = ex_body(r, fr, n->n_d);
		ob_release(r, &fr->f_ob);
		return rc;
	}
	if ((lp = rn_alloc(r, TV_LOOP, sizeof(*lp))) == NULL) {
		tv_drop(r, &items);
		return r->r_rc;
	}
	lp->lp_items = items.u.l;
	memset(&lv, 0, sizeof(lv));
	lv.v_type = TV_LOOP;
	lv.u.o = &lp->lp_ob;
	for (i = 0; i < lp->lp_items->l_n; i++) {
		lp->lp_i = i;
		if (fr != NULL && fr->f_ob.ob_refs == 1)
			fr_clear(r, fr);
		else {
			if (fr != NULL)
				ob_release(r, &fr->f_ob);
			if ((fr = fr_new(r, f)) == NULL) {
				rc = r->r_rc;
				break;
			}
		}
		item = tv_dup(&lp->lp_items->l_v[i]);
		if ((rc = ex_assign(r, fr, n->n_a, &item)) != 0)
			break;
		item = tv_dup(&lv);
		if ((rc = fr_set(r, fr, NM_LOOP, &item)) != 0)
			break;
		rc = ex_body(r, fr, n->n_c);
		if (rc == TX_CONTINUE)
			rc = 0;
		if (rc != 0)
			break;
	}
	if (fr != NULL)
		ob_release(r, &fr->f_ob);
	tv_drop(r, &lv);
	return rc == TX_BREAK ? 0 : rc;
}

/* Run a body in a scope of its own, capturing what it writes. */
static int
ex_capture(struct trender *r, struct tframe *f, const struct tnode *body,
    struct tval *out)
{
	struct tframe	*inner;
	struct tbuf	 buf, *saved;
	int		 rc;

	tv_undef(out, NULL, 0);
	if ((inner = fr_new(r, f)) == NULL)
		return r->r_rc;
	memset(&buf, 0, sizeof(buf));
	saved = r->r_out;
	r->r_out = &buf;
	rc = ex_body(r, inner, body);
	r->r_out = saved;
	ob_release(r, &inner->f_ob);
	if (rc != 0) {
		tb_free(r, &buf);
		return rc;
	}
	return tv_frombuf(r, &buf, 0, out);
}

static int
ex_macro(struct trender *r, struct tframe *f, const struct tnode *n,
    struct tval *out)
{
	struct tmacro	*m;

	tv_undef(out, NULL, 0);
	if ((m = rn_alloc(r, TV_MACRO, sizeof(*m))) == NULL)
		return r->r_rc;
	m->m_def = n;
	m->m_closure = f;
	f->f_ob.ob_refs++;
	memset(out, 0, sizeof(*out));
	out->v_type = TV_MACRO;
	out->u.o = &m->m_ob;
	return 0;
}

static int
ex_stmt1(struct trender *r, struct tframe *f, const struct tnode *n)
{
	const struct tnode	*p;
	struct tframe		*inner;
	struct tval		 v, w;
	int			 rc = 0;

	switch (n->n_kind) {
	case N_DATA:
		return tb_put(r, r->r_out, n->n_val.u.s->s_p,
		    n->n_val.u.s->s_len);
	case N_PRINT:
		if (ev_expr(r, f, n->n_a, &v) != 0)
			return r->r_rc;
		rc = tv_put_str(r, r->r_out, &v, 0);
		tv_drop(r, &v);
		return rc;
	case N_IF:
		if (ev_expr(r, f, n->n_a, &v) != 0)
			return r->r_rc;
		rc = tv_truthy(&v);
		tv_drop(r, &v);
		return ex_body(r, f, rc ? n->n_b : n->n_c);
	case N_FOR:
		return ex_for(r, f, n);
	case N_SET:
		if (ev_expr(r, f, n->n_b, &v) != 0)
			return r->r_rc;
		return ex_assign(r, f, n->n_a, &v);
	case N_SETBLOCK:
		/* A break inside leaves the loop before anything is set. */
		if ((rc = ex_capture(r, f, n->n_c, &v)) != 0)
			return rc;
		if (n->n_b != NULL) {
			rc = ev_filter(r, f, n->n_b, &v, &w);
			tv_drop(r, &v);
			if (rc != 0)
				return rc;
			v = w;
		}
		return ex_assign(r, f, n->n_a, &v);
	case N_MACRO:
		if (ex_macro(r, f, n, &v) != 0)
			return r->r_rc;
		return fr_set(r, f, n->n_name, &v);
	case N_CALLBLOCK:
		if (ex_macro(r, f, n, &w) != 0)
			return r->r_rc;
		rc = ev_call(r, f, n->n_a, &w, &v);
		tv_drop(r, &w);
		if (rc == 0)
			rc = tv_put_str(r, r->r_out, &v, 0);
		tv_drop(r, &v);
		return rc;
	case N_FILTERBLOCK:
		if ((rc = ex_capture(r, f, n->n_c, &v)) != 0)
			return rc;
		rc = ev_filter(r, f, n->n_b, &v, &w);
		tv_drop(r, &v);
		if (rc == 0)
			rc = tv_put_str(r, r->r_out, &w, 0);
		tv_drop(r, &w);
		return rc;
	case N_WITH:
		if ((inner = fr_new(r, f)) == NULL)
			return r->r_rc;
		for (p = n->n_a; p != NULL && rc == 0; p = p->n_next)
			if ((rc = ev_expr(r, f, p->n_a, &v)) == 0)
				rc = fr_set(r, inner, p->n_name, &v);
		if (rc == 0)
			rc = ex_body(r, inner, n->n_c);
		ob_release(r, &inner->f_ob);
		return rc;
	case N_BREAK:
		return TX_BREAK;
	case N_CONTINUE:
		return TX_CONTINUE;
	default:
		return rn_fail(r, PWR_ERR_INTERNAL, "bad statement node %d",
		    n->n_kind);
	}
}

static int
ex_body(struct trender *r, struct tframe *f, const struct tnode *n)
{
	int	rc;

	for (; n != NULL; n = n->n_next) {
		if (rn_enter(r, n) != 0)
			return r->r_rc;
		rc = ex_stmt1(r, f, n);
		r->r_depth--;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Methods of str, dict, list and the loop object, called with Python's
 * semantics.  The sandbox refuses the mutating ones.
 */

#define MT_STR	0x01
#define MT_LIST	0x02
#define MT_DICT	0x04
#define MT_LOOP	0x08

enum {
	ME_NONE = 0,
	ME_STRIP, ME_LSTRIP, ME_RSTRIP, ME_SPLIT, ME_RSPLIT, ME_SPLITLINES,
	ME_STARTSWITH, ME_ENDSWITH, ME_UPPER, ME_LOWER, ME_TITLE,
	ME_CAPITALIZE, ME_SWAPCASE, ME_CASEFOLD, ME_REPLACE, ME_FIND,
	ME_RFIND, ME_INDEX, ME_RINDEX, ME_COUNT, ME_JOIN, ME_ISDIGIT,
	ME_ISALPHA, ME_ISALNUM, ME_ISSPACE, ME_ISLOWER, ME_ISUPPER,
	ME_CENTER, ME_LJUST, ME_RJUST, ME_ZFILL, ME_REMOVEPREFIX,
	ME_REMOVESUFFIX, ME_PARTITION, ME_RPARTITION, ME_FORMAT,
	ME_ITEMS, ME_KEYS, ME_VALUES, ME_GET, ME_COPY,
	ME_CYCLE, ME_CHANGED,
	ME_N
};

static const struct {
	const char	*me_name;
	int		 me_types;
} me_table[ME_N] = {
	{ "", 0 },
	{ "strip", MT_STR }, { "lstrip", MT_STR }, { "rstrip", MT_STR },
	{ "split", MT_STR }, { "rsplit", MT_STR }, { "splitlines", MT_STR },
	{ "startswith", MT_STR }, { "endswith", MT_STR },
	{ "upper", MT_STR }, { "lower", MT_STR }, { "title", MT_STR },
	{ "capitalize", MT_STR }, { "swapcase", MT_STR },
	{ "casefold", MT_STR }, { "replace", MT_STR }, { "find", MT_STR },
	{ "rfind", MT_STR }, { "index", MT_STR | MT_LIST },
	{ "rindex", MT_STR }, { "count", MT_STR | MT_LIST },
	{ "join", MT_STR }, { "isdigit", MT_STR }, { "isalpha", MT_STR },
	{ "isalnum", MT_STR }, { "isspace", MT_STR }, { "islower", MT_STR },
	{ "isupper", MT_STR }, { "center", MT_STR }, { "ljust", MT_STR },
	{ "rjust", MT_STR }, { "zfill", MT_STR },
	{ "removeprefix", MT_STR }, { "removesuffix", MT_STR },
	{ "partition", MT_STR }, { "rpartition", MT_STR },
	{ "format", MT_STR },
	{ "items", MT_DICT }, { "keys", MT_DICT }, { "values", MT_DICT },
	{ "get", MT_DICT }, { "copy", MT_DICT | MT_LIST },
	{ "cycle", MT_LOOP }, { "changed", MT_LOOP }
};

static int
me_lookup(const char *name, size_t len)
{
	int	i;

	for (i = 1; i < ME_N; i++)
		if (strlen(me_table[i].me_name) == len &&
		    memcmp(me_table[i].me_name, name, len) == 0)
			return i;
	return ME_NONE;
}

static int
me_types(const struct tval *v)
{
	switch (v->v_type) {
	case TV_STR:
		return MT_STR;
	case TV_LIST:
		return MT_LIST;
	case TV_DICT:
		return MT_DICT;
	case TV_LOOP:
		return MT_LOOP;
	default:
		return 0;
	}
}

static int
me_applies(int meth, const struct tval *v)
{
	return meth > 0 && meth < ME_N && (me_table[meth].me_types &
	    me_types(v)) != 0;
}

/* Attributes ImmutableSandboxedEnvironment refuses. */
static int
me_unsafe(const char *name, const struct tval *v)
{
	static const char *const list[] = { "append", "clear", "extend",
	    "insert", "pop", "remove", "reverse", "sort", NULL };
	static const char *const dict[] = { "clear", "pop", "popitem",
	    "setdefault", "update", NULL };
	const char *const *p;

	if (name[0] == '_' && name[1] == '_')
		return v->v_type != TV_NS;
	if (v->v_type == TV_LIST)
		p = list;
	else if (v->v_type == TV_DICT)
		p = dict;
	else
		return 0;
	for (; *p != NULL; p++)
		if (strcmp(*p, name) == 0)
			return 1;
	return 0;
}

/* One argument that must be a str; NULL (absent) is allowed if opt. */
static int
arg_str(struct trender *r, const char *fn, struct tval *v, int opt)
{
	if (v == NULL ? opt : v->v_type == TV_STR ||
	    (opt && v->v_type == TV_NONE))
		return 0;
	if (v == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: %s() takes at least 1 argument", fn);
	if (v->v_type == TV_UNDEF)
		return rn_undef_error(r, v);
	return rn_fail(r, PWR_ERR_INVALID_FORMAT,
	    "TypeError: %s() argument must be str, not %s", fn, tv_tname(v));
}

static int
arg_int(struct trender *r, const char *fn, struct tval *v, int64_t *i,
    int64_t dflt)
{
	if (v == NULL || v->v_type == TV_NONE) {
		*i = dflt;
		return 0;
	}
	if (tv_isint(v)) {
		*i = v->u.i;
		return 0;
	}
	if (v->v_type == TV_UNDEF)
		return rn_undef_error(r, v);
	return rn_fail(r, PWR_ERR_INVALID_FORMAT,
	    "TypeError: %s() argument must be int, not %s", fn, tv_tname(v));
}

/* Is code point c in the set of characters chars (NULL: whitespace)? */
static int
ts_inset(const struct tstr *chars, uint32_t c)
{
	size_t	i, adv;

	if (chars == NULL)
		return u_isspace(c);
	for (i = 0; i < chars->s_len; i += adv)
		if (u8_dec(chars->s_p + i, chars->s_len - i, &adv) == c)
			return 1;
	return 0;
}

static int
ts_strip(struct trender *r, const struct tval *s, const struct tstr *chars,
    int left, int right, struct tval *out)
{
	const char	*p = s->u.s->s_p;
	size_t		 a = 0, b = s->u.s->s_len, adv, i;

	tv_undef(out, NULL, 0);
	while (left && a < b && ts_inset(chars, u8_dec(p + a, b - a, &adv)))
		a += adv;
	while (right && b > a) {
		i = u8_back(p, b);
		if (!ts_inset(chars, u8_dec(p + i, b - i, &adv)))
			break;
		b = i;
	}
	(void)rn_work(r, s->u.s->s_len);
	return tv_newstr(r, p + a, b - a, s->v_fl & TVF_MARKUP, out);
}

/* Map every code point through fn (upper, lower, ...). */
static int
ts_map(struct trender *r, const struct tval *s, int mode, struct tval *out)
{
	struct tbuf	 b;
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, i, adv;
	uint32_t	 c, m;
	int		 start = 1, prevcased = 0;
	char		 tmp[4];

	tv_undef(out, NULL, 0);
	memset(&b, 0, sizeof(b));
	for (i = 0; i < n && r->r_rc == 0; i += adv) {
		c = u8_dec(p + i, n - i, &adv);
		switch (mode) {
		case ME_UPPER:
			m = u_upper(c);
			break;
		case ME_LOWER:
		case ME_CASEFOLD:
			m = u_lower(c);
			break;
		case ME_SWAPCASE:
			m = u_lower(c) != c ? u_lower(c) : u_upper(c);
			break;
		case ME_CAPITALIZE:
			m = start ? u_upper(c) : u_lower(c);
			break;
		default:	/* ME_TITLE: str.title() */
			m = prevcased ? u_lower(c) : u_upper(c);
			prevcased = u_iscased(c) || (u_isalpha(c) &&
			    c >= 0x80);
			break;
		}
		start = 0;
		if ((mode == ME_UPPER || (mode == ME_TITLE && m != c) ||
		    (mode == ME_CAPITALIZE && i == 0) || mode == ME_SWAPCASE) &&
		    c == 0xdf) {
			(void)tb_put(r, &b, mode == ME_UPPER ||
			    mode == ME_SWAPCASE ? "SS" : "Ss", 2);
			continue;
		}
		(void)tb_put(r, &b, tmp, utf8_encode(m, tmp));
	}
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, s->v_fl & TVF_MARKUP, out);
}

/* Find needle in s from byte offset from; returns offset or SIZE_MAX. */
static size_t
ts_find(const struct tstr *s, size_t from, const struct tstr *needle,
    int rev)
{
	const char	*p;
	size_t		 i;

	if (needle->s_len > s->s_len - from)
		return SIZE_MAX;
	if (!rev) {
		p = memmem(s->s_p + from, s->s_len - from, needle->s_p,
		    needle->s_len);
		return p == NULL ? SIZE_MAX : (size_t)(p - s->s_p);
	}
	for (i = s->s_len - needle->s_len + 1; i-- > from;)
		if (memcmp(s->s_p + i, needle->s_p, needle->s_len) == 0)
			return i;
	return SIZE_MAX;
}

static int
list_pushstr(struct trender *r, struct tlist *l, const char *p, size_t n,
    int markup)
{
	struct tval	v;

	if (tv_newstr(r, p, n, markup, &v) != 0)
		return r->r_rc;
	return tl_push(r, l, &v);
}

/* Whitespace before byte offset i: where the run starts. */
static size_t
ts_wsback(const char *p, size_t i, int want)
{
	size_t	k, adv;

	while (i > 0) {
		k = u8_back(p, i);
		if (u_isspace(u8_dec(p + k, i - k, &adv)) != want)
			break;
		i = k;
	}
	return i;
}

static size_t
ts_wsfwd(const char *p, size_t n, size_t i, int want)
{
	size_t	adv;

	while (i < n && u_isspace(u8_dec(p + i, n - i, &adv)) == want)
		i += adv;
	return i;
}

/* The fields of s between separators sep, from the right if rev. */
static int
ts_split_sep(struct trender *r, const struct tval *s, const struct tstr *sep,
    int64_t max, int rev, struct tlist *l)
{
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, a, b;
	int		 mk = s->v_fl & TVF_MARKUP;

	if (!rev) {
		for (a = 0; max != 0 && (b = ts_find(s->u.s, a, sep, 0)) !=
		    SIZE_MAX; a = b + sep->s_len, max--)
			if (list_pushstr(r, l, p + a, b - a, mk) != 0)
				return r->r_rc;
		return list_pushstr(r, l, p + a, n - a, mk);
	}
	for (b = n; max != 0 && b >= sep->s_len; max--) {
		for (a = b - sep->s_len + 1; a-- > 0;)
			if (memcmp(p + a, sep->s_p, sep->s_len) == 0)
				break;
		if (a == SIZE_MAX)
			break;
		if (list_pushstr(r, l, p + a + sep->s_len, b - a - sep->s_len,
		    mk) != 0)
			return r->r_rc;
		b = a;
	}
	return list_pushstr(r, l, p, b, mk);
}

/* The words of s; after max splits the rest is one field. */
static int
ts_split_ws(struct trender *r, const struct tval *s, int64_t max, int rev,
    struct tlist *l)
{
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, a, b;
	int		 mk = s->v_fl & TVF_MARKUP;

	if (!rev) {
		for (a = ts_wsfwd(p, n, 0, 1); a < n;
		    a = ts_wsfwd(p, n, b, 1), max--) {
			b = max == 0 ? n : ts_wsfwd(p, n, a, 0);
			if (list_pushstr(r, l, p + a, b - a, mk) != 0)
				return r->r_rc;
		}
		return 0;
	}
	for (b = ts_wsback(p, n, 1); b > 0; b = ts_wsback(p, a, 1), max--) {
		a = max == 0 ? 0 : ts_wsback(p, b, 0);
		if (list_pushstr(r, l, p + a, b - a, mk) != 0)
			return r->r_rc;
	}
	return 0;
}

/* str.split() and rsplit(): sep NULL splits on whitespace runs. */
static int
ts_split(struct trender *r, const struct tval *s, const struct tstr *sep,
    int64_t max, int rev, struct tval *out)
{
	struct tlist	*l;
	struct tval	 tmp;
	size_t		 lo, hi;

	tv_undef(out, NULL, 0);
	if (sep != NULL && sep->s_len == 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: empty separator");
	if ((l = tl_new(r, 0)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, 0);
	(void)rn_work(r, s->u.s->s_len);
	if ((sep != NULL ? ts_split_sep(r, s, sep, max, rev, l) :
	    ts_split_ws(r, s, max, rev, l)) != 0)
		return r->r_rc;
	/* rsplit found the fields from the right. */
	for (lo = 0, hi = l->l_n; rev && hi > lo + 1; lo++, hi--) {
		tmp = l->l_v[lo];
		l->l_v[lo] = l->l_v[hi - 1];
		l->l_v[hi - 1] = tmp;
	}
	return 0;
}

static int
ts_splitlines(struct trender *r, const struct tval *s, int keep,
    struct tval *out)
{
	struct tlist	*l;
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, a = 0, i, adv, eol;
	uint32_t	 c;

	tv_undef(out, NULL, 0);
	if ((l = tl_new(r, 0)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, 0);
	for (i = 0; i < n; i += adv) {
		c = u8_dec(p + i, n - i, &adv);
		if (!u_islinebreak(c))
			continue;
		eol = i + adv;
		if (c == '\r' && eol < n && p[eol] == '\n')
			eol++;
		if (list_pushstr(r, l, p + a, keep ? eol - a : i - a,
		    s->v_fl & TVF_MARKUP) != 0)
			return r->r_rc;
		a = eol;
		adv = eol - i;
	}
	if (a < n)
		return list_pushstr(r, l, p + a, n - a, s->v_fl & TVF_MARKUP);
	return 0;
}

static int
ts_replace(struct trender *r, const struct tval *s, const struct tstr *old,
    const struct tstr *new, int64_t count, int markup, struct tval *out)
{
	struct tbuf	 b;
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, a = 0, f, adv;

	tv_undef(out, NULL, 0);
	memset(&b, 0, sizeof(b));
	if (old->s_len == 0) {
		/* Insert new before every character and at the end. */
		for (a = 0; a <= n && r->r_rc == 0; a += adv) {
			if (count-- != 0)
				(void)tb_put(r, &b, new->s_p, new->s_len);
			else {
				(void)tb_put(r, &b, p + a, n - a);
				break;
			}
			if (a == n)
				break;
			(void)u8_dec(p + a, n - a, &adv);
			(void)tb_put(r, &b, p + a, adv);
		}
	} else {
		while (count != 0 && r->r_rc == 0 &&
		    (f = ts_find(s->u.s, a, old, 0)) != SIZE_MAX) {
			(void)tb_put(r, &b, p + a, f - a);
			(void)tb_put(r, &b, new->s_p, new->s_len);
			a = f + old->s_len;
			count--;
		}
		(void)tb_put(r, &b, p + a, n - a);
	}
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, markup, out);
}

/* center, ljust, rjust, zfill: pad to width code points. */
static int
ts_pad(struct trender *r, const struct tval *s, int mode, int64_t width,
    const struct tstr *fill, struct tval *out)
{
	struct tbuf	 b;
	size_t		 ncp = ts_ncp(s->u.s), total, left, i;
	const char	*fp = " ";
	size_t		 fn = 1, sign = 0;

	tv_undef(out, NULL, 0);
	if (fill != NULL) {
		if (ts_ncp((struct tstr *)fill) != 1)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "The fill character must be exactly one "
			    "character long");
		fp = fill->s_p;
		fn = fill->s_len;
	}
	if (width <= 0 || (uint64_t)width <= ncp)
		return tv_newstr(r, s->u.s->s_p, s->u.s->s_len,
		    s->v_fl & TVF_MARKUP, out);
	if ((uint64_t)width > TMPL_MAX_OUTPUT)
		return rn_fail(r, TMPL_ERR_LIMIT, "padding too wide");
	total = (size_t)width - ncp;
	if (mode == ME_CENTER)
		left = total / 2 + (total & (size_t)width & 1);
	else if (mode == ME_RJUST || mode == ME_ZFILL)
		left = total;
	else
		left = 0;
	memset(&b, 0, sizeof(b));
	if (mode == ME_ZFILL) {
		fp = "0";
		if (s->u.s->s_len > 0 && (s->u.s->s_p[0] == '-' ||
		    s->u.s->s_p[0] == '+')) {
			sign = 1;
			(void)tb_put(r, &b, s->u.s->s_p, 1);
		}
	}
	for (i = 0; i < left && r->r_rc == 0; i++)
		(void)tb_put(r, &b, fp, fn);
	(void)tb_put(r, &b, s->u.s->s_p + sign, s->u.s->s_len - sign);
	for (i = left; i < total && r->r_rc == 0; i++)
		(void)tb_put(r, &b, fp, fn);
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, s->v_fl & TVF_MARKUP, out);
}

static int
ts_is(const struct tval *s, int mode)
{
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, i, adv;
	uint32_t	 c;
	int		 cased = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i += adv) {
		c = u8_dec(p + i, n - i, &adv);
		switch (mode) {
		case ME_ISDIGIT:
			if (!u_isdigit(c))
				return 0;
			break;
		case ME_ISALPHA:
			if (!u_isalpha(c))
				return 0;
			break;
		case ME_ISALNUM:
			if (!u_isalpha(c) && !u_isdigit(c))
				return 0;
			break;
		case ME_ISSPACE:
			if (!u_isspace(c))
				return 0;
			break;
		case ME_ISLOWER:
			if (u_lower(c) != c)
				return 0;
			cased |= u_upper(c) != c;
			break;
		default:
			if (u_upper(c) != c)
				return 0;
			cased |= u_lower(c) != c;
			break;
		}
	}
	return mode == ME_ISLOWER || mode == ME_ISUPPER ? cased : 1;
}

static int
ts_partition(struct trender *r, const struct tval *s, const struct tstr *sep,
    int rev, struct tval *out)
{
	struct tlist	*l;
	const char	*p = s->u.s->s_p;
	size_t		 n = s->u.s->s_len, f;
	int		 mk = s->v_fl & TVF_MARKUP;

	tv_undef(out, NULL, 0);
	if (sep->s_len == 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: empty separator");
	if ((l = tl_new(r, 3)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, 1);
	f = ts_find(s->u.s, 0, sep, rev);
	if (f == SIZE_MAX) {
		if (rev)
			return list_pushstr(r, l, "", 0, mk) ||
			    list_pushstr(r, l, "", 0, mk) ||
			    list_pushstr(r, l, p, n, mk) ? r->r_rc : 0;
		return list_pushstr(r, l, p, n, mk) ||
		    list_pushstr(r, l, "", 0, mk) ||
		    list_pushstr(r, l, "", 0, mk) ? r->r_rc : 0;
	}
	return list_pushstr(r, l, p, f, mk) ||
	    list_pushstr(r, l, sep->s_p, sep->s_len, mk) ||
	    list_pushstr(r, l, p + f + sep->s_len, n - f - sep->s_len, mk) ?
	    r->r_rc : 0;
}

static int
ts_affix(struct trender *r, const struct tval *s, struct tval *arg,
    int end, int *res)
{
	const struct tstr	*a;
	size_t			 i, n;

	*res = 0;
	if (arg != NULL && arg->v_type == TV_LIST &&
	    (arg->v_fl & TVF_TUPLE)) {
		n = arg->u.l->l_n;
		for (i = 0; i < n && !*res; i++) {
			if (arg_str(r, end ? "endswith" : "startswith",
			    &arg->u.l->l_v[i], 0) != 0)
				return r->r_rc;
			if (ts_affix(r, s, &arg->u.l->l_v[i], end, res) != 0)
				return r->r_rc;
		}
		return 0;
	}
	if (arg_str(r, end ? "endswith" : "startswith", arg, 0) != 0)
		return r->r_rc;
	a = arg->u.s;
	if (a->s_len > s->u.s->s_len)
		return 0;
	*res = memcmp(s->u.s->s_p + (end ? s->u.s->s_len - a->s_len : 0),
	    a->s_p, a->s_len) == 0;
	return 0;
}

static int
ts_join(struct trender *r, const struct tval *sep, struct tval *seq,
    struct tval *out)
{
	struct tval	 items, esc;
	struct tbuf	 b;
	size_t		 i;
	int		 mk = sep->v_fl & TVF_MARKUP;

	tv_undef(out, NULL, 0);
	if (seq == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: join() takes exactly one argument");
	if (tv_iter(r, seq, &items) != 0)
		return r->r_rc;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < items.u.l->l_n && r->r_rc == 0; i++) {
		if (items.u.l->l_v[i].v_type != TV_STR) {
			rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "sequence item %zu: expected str instance, %s "
			    "found", i, tv_tname(&items.u.l->l_v[i]));
			break;
		}
		if (i > 0)
			(void)tb_put(r, &b, sep->u.s->s_p, sep->u.s->s_len);
		if (mk && !(items.u.l->l_v[i].v_fl & TVF_MARKUP)) {
			if (html_escape(r, items.u.l->l_v[i].u.s, &esc) != 0)
				break;
			(void)tb_put(r, &b, esc.u.s->s_p, esc.u.s->s_len);
			tv_drop(r, &esc);
		} else
			(void)tb_put(r, &b, items.u.l->l_v[i].u.s->s_p,
			    items.u.l->l_v[i].u.s->s_len);
	}
	tv_drop(r, &items);
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, mk, out);
}

static int
me_str(struct trender *r, const struct tval *s, int meth, struct targs *a,
    struct tval *out)
{
	static const char *const n1[] = { "a", "b", "c" };
	struct tval	*sl[3];
	const char	*fn = me_table[meth].me_name;
	int64_t		 i1;
	size_t		 f;
	int		 res;

	tv_undef(out, NULL, 0);
	if (args_bind(r, fn, a, n1, 3, sl, NULL) != 0)
		return r->r_rc;
	switch (meth) {
	case ME_STRIP:
	case ME_LSTRIP:
	case ME_RSTRIP:
		if (arg_str(r, fn, sl[0], 1) != 0)
			return r->r_rc;
		return ts_strip(r, s, sl[0] != NULL &&
		    sl[0]->v_type == TV_STR ? sl[0]->u.s : NULL,
		    meth != ME_RSTRIP, meth != ME_LSTRIP, out);
	case ME_SPLIT:
	case ME_RSPLIT:
		if (arg_str(r, fn, sl[0], 1) != 0 ||
		    arg_int(r, fn, sl[1], &i1, -1) != 0)
			return r->r_rc;
		return ts_split(r, s, sl[0] != NULL &&
		    sl[0]->v_type == TV_STR ? sl[0]->u.s : NULL, i1,
		    meth == ME_RSPLIT, out);
	case ME_SPLITLINES:
		return ts_splitlines(r, s, sl[0] != NULL &&
		    tv_truthy(sl[0]), out);
	case ME_STARTSWITH:
	case ME_ENDSWITH:
		if (sl[1] != NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "%s() with start and end is not supported", fn);
		if (ts_affix(r, s, sl[0], meth == ME_ENDSWITH, &res) != 0)
			return r->r_rc;
		tv_bool(out, res);
		return 0;
	case ME_UPPER:
	case ME_LOWER:
	case ME_TITLE:
	case ME_CAPITALIZE:
	case ME_SWAPCASE:
	case ME_CASEFOLD:
		return ts_map(r, s, meth, out);
	case ME_REPLACE:
		if (arg_str(r, fn, sl[0], 0) != 0 ||
		    arg_str(r, fn, sl[1], 0) != 0 ||
		    arg_int(r, fn, sl[2], &i1, -1) != 0)
			return r->r_rc;
		return ts_replace(r, s, sl[0]->u.s, sl[1]->u.s, i1,
		    s->v_fl & TVF_MARKUP, out);
	case ME_FIND:
	case ME_RFIND:
	case ME_INDEX:
	case ME_RINDEX:
		if (arg_str(r, fn, sl[0], 0) != 0)
			return r->r_rc;
		if (sl[1] != NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "%s() with start and end is not supported", fn);
		f = ts_find(s->u.s, 0, sl[0]->u.s, meth == ME_RFIND ||
		    meth == ME_RINDEX);
		(void)rn_work(r, s->u.s->s_len);
		if (f == SIZE_MAX && (meth == ME_INDEX || meth == ME_RINDEX))
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "ValueError: substring not found");
		tv_int(out, f == SIZE_MAX ? -1 :
		    (int64_t)u8_count(s->u.s->s_p, f));
		return 0;
	case ME_COUNT:
		if (arg_str(r, fn, sl[0], 0) != 0)
			return r->r_rc;
		if (sl[0]->u.s->s_len == 0) {
			tv_int(out, (int64_t)ts_ncp(s->u.s) + 1);
			return 0;
		}
		for (i1 = 0, f = 0; (f = ts_find(s->u.s, f, sl[0]->u.s, 0)) !=
		    SIZE_MAX; f += sl[0]->u.s->s_len)
			i1++;
		tv_int(out, i1);
		return rn_work(r, s->u.s->s_len);
	case ME_JOIN:
		return ts_join(r, s, sl[0], out);
	case ME_ISDIGIT:
	case ME_ISALPHA:
	case ME_ISALNUM:
	case ME_ISSPACE:
	case ME_ISLOWER:
	case ME_ISUPPER:
		tv_bool(out, ts_is(s, meth));
		return 0;
	case ME_CENTER:
	case ME_LJUST:
	case ME_RJUST:
	case ME_ZFILL:
		if (sl[0] == NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: %s() takes a width", fn);
		if (arg_int(r, fn, sl[0], &i1, 0) != 0 ||
		    (meth != ME_ZFILL && arg_str(r, fn, sl[1], 1) != 0))
			return r->r_rc;
		return ts_pad(r, s, meth, i1, meth != ME_ZFILL && sl[1] !=
		    NULL && sl[1]->v_type == TV_STR ? sl[1]->u.s : NULL, out);
	case ME_REMOVEPREFIX:
	case ME_REMOVESUFFIX:
		if (ts_affix(r, s, sl[0], meth == ME_REMOVESUFFIX, &res) != 0)
			return r->r_rc;
		f = res ? sl[0]->u.s->s_len : 0;
		return tv_newstr(r, s->u.s->s_p + (meth == ME_REMOVEPREFIX ?
		    f : 0), s->u.s->s_len - f, s->v_fl & TVF_MARKUP, out);
	case ME_PARTITION:
	case ME_RPARTITION:
		if (arg_str(r, fn, sl[0], 0) != 0)
			return r->r_rc;
		return ts_partition(r, s, sl[0]->u.s, meth == ME_RPARTITION,
		    out);
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "str.%s() is not supported", fn);
	}
}

static int
tl_fromdict(struct trender *r, const struct tdict *d, int what,
    struct tval *out)
{
	struct tlist	*l, *pair;
	struct tval	 v;
	size_t		 i;

	tv_undef(out, NULL, 0);
	if ((l = tl_new(r, d->d_n)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, 0);
	for (i = 0; i < d->d_n; i++) {
		if (what == ME_KEYS)
			v = tv_dup(&d->d_e[i].de_key);
		else if (what == ME_VALUES)
			v = tv_dup(&d->d_e[i].de_val);
		else {
			if ((pair = tl_new(r, 2)) == NULL)
				return r->r_rc;
			tv_setlist(&v, pair, 1);
			if (tl_push(r, l, &v) != 0)
				return r->r_rc;
			v = tv_dup(&d->d_e[i].de_key);
			if (tl_push(r, pair, &v) != 0)
				return r->r_rc;
			v = tv_dup(&d->d_e[i].de_val);
			if (tl_push(r, pair, &v) != 0 ||
			    ob_deepen(r, &l->l_ob, &l->l_v[i]) != 0)
				return r->r_rc;
			continue;
		}
		if (tl_push(r, l, &v) != 0)
			return r->r_rc;
	}
	return 0;
}

static int
td_copy(struct trender *r, const struct tdict *src, int kind,
    struct tval *out)
{
	struct tdict	*d;
	struct tval	 k, v;
	size_t		 i;

	tv_undef(out, NULL, 0);
	if ((d = td_new(r, kind)) == NULL)
		return r->r_rc;
	tv_setdict(out, d);
	for (i = 0; i < src->d_n; i++) {
		k = tv_dup(&src->d_e[i].de_key);
		v = tv_dup(&src->d_e[i].de_val);
		if (td_set(r, d, &k, &v) != 0)
			return r->r_rc;
	}
	return 0;
}

static int
me_loop(struct trender *r, const struct tval *self, int meth,
    struct targs *a, struct tval *out)
{
	struct tloop	*lp = (struct tloop *)self->u.o;
	struct tlist	*l;
	struct tval	 v, item;
	size_t		 i;

	tv_undef(out, NULL, 0);
	if (meth == ME_CYCLE) {
		if (a->a_n == 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: no items for cycling given");
		*out = tv_dup(&a->a_v[lp->lp_i % a->a_n]);
		return 0;
	}
	if ((l = tl_new(r, a->a_n)) == NULL)
		return r->r_rc;
	tv_setlist(&v, l, 1);
	for (i = 0; i < a->a_n; i++) {
		item = tv_dup(&a->a_v[i]);
		if (tl_push(r, l, &item) != 0) {
			tv_drop(r, &v);
			return r->r_rc;
		}
	}
	tv_bool(out, !lp->lp_haslast || !tv_eq(r, &lp->lp_last, &v));
	tv_drop(r, &lp->lp_last);
	lp->lp_last = v;
	lp->lp_haslast = 1;
	return 0;
}

static int
me_call(struct trender *r, const struct tval *self, int meth,
    struct targs *a, struct tval *out)
{
	static const char *const n2[] = { "a", "b" };
	struct tval	*sl[2], *v;
	size_t		 i;
	int64_t		 c;

	tv_undef(out, NULL, 0);
	if (!me_applies(meth, self))
		return rn_fail(r, PWR_ERR_INTERNAL, "bad method call");
	if (self->v_type == TV_STR)
		return me_str(r, self, meth, a, out);
	if (self->v_type == TV_LOOP)
		return me_loop(r, self, meth, a, out);
	if (args_bind(r, me_table[meth].me_name, a, n2, 2, sl, NULL) != 0)
		return r->r_rc;
	switch (meth) {
	case ME_ITEMS:
	case ME_KEYS:
	case ME_VALUES:
		if (tl_fromdict(r, self->u.d, meth, out) != 0)
			return r->r_rc;
		out->v_fl |= meth == ME_ITEMS ? TVF_ITEMS : meth == ME_KEYS ?
		    TVF_KEYS : TVF_VALUES;
		return 0;
	case ME_GET:
		if (sl[0] == NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: get expected at least 1 argument");
		if ((v = td_get(r, self->u.d, sl[0])) != NULL)
			*out = tv_dup(v);
		else if (sl[1] != NULL)
			*out = tv_dup(sl[1]);
		else
			tv_none(out);
		return 0;
	case ME_COPY:
		if (self->v_type == TV_DICT)
			return td_copy(r, self->u.d, TV_DICT, out);
		return tv_slice(r, self, &(struct tval){ .v_type = TV_NONE },
		    &(struct tval){ .v_type = TV_NONE },
		    &(struct tval){ .v_type = TV_NONE }, out);
	case ME_INDEX:
	case ME_COUNT:
		if (sl[0] == NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: %s() takes exactly one argument",
			    me_table[meth].me_name);
		for (i = 0, c = 0; i < self->u.l->l_n; i++) {
			if (!tv_eq(r, &self->u.l->l_v[i], sl[0]))
				continue;
			if (meth == ME_INDEX) {
				tv_int(out, (int64_t)i);
				return 0;
			}
			c++;
		}
		if (meth == ME_INDEX)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "ValueError: value is not in list");
		tv_int(out, c);
		return 0;
	}
	return rn_fail(r, PWR_ERR_INTERNAL, "bad method");
}

/*
 * Python's %-formatting (str % args and the format filter): the s, r,
 * d, i, f, e, g, x, o, c and % conversions with flags, width and
 * precision.
 */
/* Is c one of the characters of set?  NUL never is. */
static int
ch_in(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* A number for %-formatting: sign and alternate form by hand. */
static int
fmt_num(struct trender *r, struct tbuf *b, char conv, const char *flags,
    int64_t prec, const struct tval *v)
{
	char			 num[400];
	unsigned long long	 u;
	double			 x;
	int			 n, neg, alt = strchr(flags, '#') != NULL, p;

	if (ch_in(conv, "diuxXo")) {
		if (v->v_type == TV_FLOAT && ch_in(conv, "xXo"))
			return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "%%%c format: an integer is required, not float",
			    conv);
		x = tv_num(v);
		if (v->v_type == TV_FLOAT && !(fabs(x) < 9.2e18))
			return rn_overflow(r);
		neg = v->v_type == TV_FLOAT ? x < 0 : v->u.i < 0;
		u = v->v_type == TV_FLOAT ? (unsigned long long)fabs(x) :
		    neg ? 0ULL - (unsigned long long)v->u.i :
		    (unsigned long long)v->u.i;
		if (conv == 'x')
			n = snprintf(num, sizeof(num), "%llx", u);
		else if (conv == 'X')
			n = snprintf(num, sizeof(num), "%llX", u);
		else if (conv == 'o')
			n = snprintf(num, sizeof(num), "%llo", u);
		else
			n = snprintf(num, sizeof(num), "%llu", u);
	} else {
		x = tv_num(v);
		neg = signbit(x) && !isnan(x);
		x = fabs(x);
		p = prec < 0 ? 6 : prec > 200 ? 200 : (int)prec;
		switch (conv) {
		case 'e':
			n = snprintf(num, sizeof(num), "%.*e", p, x);
			break;
		case 'E':
			n = snprintf(num, sizeof(num), "%.*E", p, x);
			break;
		case 'g':
			n = alt ? snprintf(num, sizeof(num), "%#.*g", p, x) :
			    snprintf(num, sizeof(num), "%.*g", p, x);
			break;
		case 'G':
			n = alt ? snprintf(num, sizeof(num), "%#.*G", p, x) :
			    snprintf(num, sizeof(num), "%.*G", p, x);
			break;
		case 'F':
			n = snprintf(num, sizeof(num), "%.*F", p, x);
			break;
		default:
			n = snprintf(num, sizeof(num), "%.*f", p, x);
			break;
		}
	}
	if (n < 0 || (size_t)n >= sizeof(num))
		return rn_fail(r, TMPL_ERR_LIMIT, "number too long");
	if (neg)
		(void)tb_putc(r, b, '-');
	else if (strchr(flags, '+') != NULL)
		(void)tb_putc(r, b, '+');
	else if (strchr(flags, ' ') != NULL)
		(void)tb_putc(r, b, ' ');
	if (alt && ch_in(conv, "xXo")) {
		(void)tb_putc(r, b, '0');
		(void)tb_putc(r, b, conv);
	}
	return tb_put(r, b, num, (size_t)n);
}

static int
fmt_one(struct trender *r, struct tbuf *b, char conv, const char *flags,
    int64_t width, int64_t prec, const struct tval *v)
{
	struct tbuf	 tmp;
	char		 num[8];
	size_t		 ncp, i, pre;
	int		 n, left = strchr(flags, '-') != NULL;
	uint32_t	 c;

	memset(&tmp, 0, sizeof(tmp));
	switch (conv) {
	case 's':
	case 'r':
	case 'a':
		if ((conv == 's' ? tv_put_str(r, &tmp, v, 0) :
		    tv_put_repr(r, &tmp, v, 0)) != 0)
			goto fail;
		if (prec >= 0 && (size_t)prec < u8_count(tmp.b_p, tmp.b_len)) {
			for (i = 0, n = 0; i < tmp.b_len; i++)
				if (((unsigned char)tmp.b_p[i] & 0xc0) != 0x80 &&
				    n++ == prec)
					break;
			tmp.b_len = i;
		}
		break;
	case 'c':
		if (v->v_type == TV_STR && ts_ncp(v->u.s) == 1) {
			(void)tb_put(r, &tmp, v->u.s->s_p, v->u.s->s_len);
			break;
		}
		if (!tv_isint(v) || v->u.i < 0 || v->u.i > 0x10ffff)
			goto typeerr;
		(void)tb_put(r, &tmp, num, utf8_encode((uint32_t)v->u.i, num));
		break;
	default:
		if (!tv_isnum(v))
			goto typeerr;
		if (fmt_num(r, &tmp, conv, flags, prec, v) != 0)
			goto fail;
		break;
	}
	if (r->r_rc != 0)
		goto fail;
	ncp = u8_count(tmp.b_p, tmp.b_len);
	if (width > TMPL_MAX_OUTPUT)
		width = TMPL_MAX_OUTPUT;
	c = strchr(flags, '0') != NULL && !ch_in(conv, "src") &&
	    !left ? '0' : ' ';
	/* Zeros go after the sign and any 0x prefix. */
	pre = 0;
	if (c == '0') {
		if (tmp.b_len > 0 && ch_in(tmp.b_p[0], "-+ "))
			pre = 1;
		if (tmp.b_len > pre + 1 && tmp.b_p[pre] == '0' &&
		    ch_in(tmp.b_p[pre + 1], "xXo"))
			pre += 2;
	}
	if (pre > 0)
		(void)tb_put(r, b, tmp.b_p, pre);
	for (i = ncp; !left && width > 0 && i < (size_t)width; i++)
		(void)tb_putc(r, b, (char)c);
	if (tmp.b_len > pre)
		(void)tb_put(r, b, tmp.b_p + pre, tmp.b_len - pre);
	for (i = ncp; left && width > 0 && i < (size_t)width; i++)
		(void)tb_putc(r, b, ' ');
	tb_free(r, &tmp);
	return r->r_rc;
typeerr:
	tb_free(r, &tmp);
	if (v->v_type == TV_UNDEF)
		return rn_undef_error(r, v);
	return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: %%%c format: "
	    "a number is required, not %s", conv, tv_tname(v));
fail:
	tb_free(r, &tmp);
	return r->r_rc;
}

/*
 * One conversion specification after a '%' at p[*i]: an optional
 * (key), flags, width, precision, length modifiers and the
 * conversion.  Returns -1 if the format ends first.
 */
static int
fmt_spec(const char *p, size_t n, size_t *ip, struct tfmtspec *fs)
{
	size_t	i = *ip, k, nf = 0;

	memset(fs, 0, sizeof(*fs));
	fs->fs_prec = -1;
	if (i < n && p[i] == '(') {
		for (k = i + 1; k < n && p[k] != ')'; k++)
			;
		if (k >= n)
			return -1;
		fs->fs_key = p + i + 1;
		fs->fs_keylen = k - i - 1;
		i = k + 1;
	}
	for (; i < n && ch_in(p[i], "-+ #0"); i++)
		if (nf < sizeof(fs->fs_flags) - 1)
			fs->fs_flags[nf++] = p[i];
	for (; i < n && lx_isdigit((unsigned char)p[i]) &&
	    fs->fs_width < TMPL_MAX_OUTPUT; i++)
		fs->fs_width = fs->fs_width * 10 + (p[i] - '0');
	if (i < n && p[i] == '.')
		for (fs->fs_prec = 0, i++; i < n &&
		    lx_isdigit((unsigned char)p[i]) &&
		    fs->fs_prec < TMPL_MAX_OUTPUT; i++)
			fs->fs_prec = fs->fs_prec * 10 + (p[i] - '0');
	while (i < n && ch_in(p[i], "hlL"))
		i++;
	if (i >= n)
		return -1;
	fs->fs_conv = p[i];
	*ip = i;
	return 0;
}

/*
 * Python's str % args: a tuple gives the arguments in turn, a dict
 * the (key)ed ones, anything else is the one argument.
 */
static int
fmt_percent(struct trender *r, const struct tval *fmt, const struct tval *args,
    struct tval *out)
{
	const char		*p = fmt->u.s->s_p;
	const struct tval	*v, *list = NULL;
	struct tfmtspec		 fs;
	struct tbuf		 b;
	size_t			 n = fmt->u.s->s_len, i, next = 0, nargs = 1;

	tv_undef(out, NULL, 0);
	if (args->v_type == TV_LIST && (args->v_fl & TVF_TUPLE)) {
		list = args;
		nargs = args->u.l->l_n;
	}
	memset(&b, 0, sizeof(b));
	for (i = 0; i < n && r->r_rc == 0; i++) {
		if (p[i] != '%') {
			(void)tb_putc(r, &b, p[i]);
			continue;
		}
		i++;
		if (fmt_spec(p, n, &i, &fs) != 0) {
			rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "ValueError: incomplete format");
			break;
		}
		if (fs.fs_conv == '%') {
			(void)tb_putc(r, &b, '%');
			continue;
		}
		if (!ch_in(fs.fs_conv, "sradiuxXoeEfFgGc")) {
			rn_fail(r, PWR_ERR_INVALID_FORMAT, "ValueError: "
			    "unsupported format character");
			break;
		}
		if (fs.fs_key != NULL) {
			if (args->v_type != TV_DICT) {
				rn_fail(r, PWR_ERR_INVALID_FORMAT,
				    "TypeError: format requires a mapping");
				break;
			}
			if ((v = td_getstr(r, args->u.d, fs.fs_key,
			    fs.fs_keylen)) == NULL) {
				rn_fail(r, PWR_ERR_INVALID_FORMAT,
				    "KeyError: a format key is missing");
				break;
			}
		} else if (args->v_type == TV_DICT && list == NULL)
			v = args;
		else if (next >= nargs) {
			rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: not "
			    "enough arguments for format string");
			break;
		} else
			v = list != NULL ? &list->u.l->l_v[next] : args;
		if (fs.fs_key == NULL)
			next++;
		(void)fmt_one(r, &b, fs.fs_conv, fs.fs_flags, fs.fs_width,
		    fs.fs_prec, v);
	}
	/* Python takes anything subscriptable but a tuple for a mapping. */
	if (r->r_rc == 0 && next < nargs && (list != NULL ||
	    (args->v_type != TV_DICT && args->v_type != TV_LIST &&
	    args->v_type != TV_NS && args->v_type != TV_UNDEF)))
		rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: not all "
		    "arguments converted during string formatting");
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, fmt->v_fl & TVF_MARKUP, out);
}

/*
 * Filters.
 */

typedef int	(*fl_fn)(struct trender *, struct tval *, struct targs *,
		    struct tval *);

/* Bind a filter's arguments (after the value) or fail. */
#define FL_BIND(names, slots)						\
	do {								\
		if (args_bind(r, r->r_fname, a, names,			\
		    sizeof(names) / sizeof(names[0]), slots, NULL) != 0)\
			return r->r_rc;					\
	} while (0)

/* Jinja's make_attrgetter: dotted path, digits index. */
static int
tv_attrpath(struct trender *r, const struct tval *item, const struct tval *path,
    struct tval *out)
{
	struct tval	 cur, next, key;
	const char	*p, *e, *end;
	size_t		 i;
	int		 digits, rc = 0;

	tv_undef(out, NULL, 0);
	if (path->v_type != TV_STR) {
		if (!tv_isint(path))
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: attribute must be a string");
		return tv_getitem(r, item, path, out);
	}
	cur = tv_dup(item);
	p = path->u.s->s_p;
	end = p + path->u.s->s_len;
	for (;;) {
		if ((e = memchr(p, '.', (size_t)(end - p))) == NULL)
			e = end;
		digits = e > p;
		for (i = 0; p + i < e; i++)
			if (!lx_isdigit((unsigned char)p[i]))
				digits = 0;
		if (digits && e - p < 18)
			tv_int(&key, strtoll(p, NULL, 10));
		else if ((rc = tv_newstr(r, p, (size_t)(e - p), 0, &key)) != 0)
			break;
		rc = tv_getitem(r, &cur, &key, &next);
		tv_drop(r, &key);
		tv_drop(r, &cur);
		if (rc != 0)
			return rc;
		cur = next;
		if (e == end)
			break;
		p = e + 1;
	}
	if (rc != 0) {
		tv_drop(r, &cur);
		return rc;
	}
	*out = cur;
	return 0;
}

/* A sort or grouping key: the attribute, lowercased unless cs. */
static int
tv_sortkey(struct trender *r, const struct tval *item, const struct tval *attr,
    int cs, struct tval *out)
{
	struct tval	v;
	int		rc;

	tv_undef(out, NULL, 0);
	if (attr != NULL && attr->v_type != TV_NONE) {
		if (tv_attrpath(r, item, attr, &v) != 0)
			return r->r_rc;
	} else
		v = tv_dup(item);
	if (cs || v.v_type != TV_STR) {
		*out = v;
		return 0;
	}
	rc = ts_map(r, &v, ME_LOWER, out);
	tv_drop(r, &v);
	return rc;
}

/* Stable merge sort of idx[] by keys[]; descending when rev. */
static int
sort_idx(struct trender *r, const struct tval *keys, size_t *idx, size_t n,
    int rev)
{
	size_t	*tmp, w, lo, mid, hi, i, j, k;
	int	 c;

	if (n < 2)
		return 0;
	if (rn_charge(r, n * sizeof(*tmp)) != 0)
		return r->r_rc;
	if ((tmp = calloc(n, sizeof(*tmp))) == NULL) {
		rn_uncharge(r, n * sizeof(*tmp));
		return rn_oom(r);
	}
	for (w = 1; w < n && r->r_rc == 0; w *= 2) {
		for (lo = 0; lo < n && r->r_rc == 0; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			k = lo;
			while (i < mid && j < hi) {
				if (tv_cmp(r, &keys[idx[j]], &keys[idx[i]],
				    &c) != 0)
					break;
				if (rev)
					c = -c;
				tmp[k++] = c < 0 ? idx[j++] : idx[i++];
			}
			while (i < mid)
				tmp[k++] = idx[i++];
			while (j < hi)
				tmp[k++] = idx[j++];
			memcpy(idx + lo, tmp + lo, (hi - lo) * sizeof(*idx));
			(void)rn_work(r, (hi - lo) * 8);
		}
	}
	rn_uncharge(r, n * sizeof(*tmp));
	free(tmp);
	return r->r_rc;
}

/* Sort list items (a TV_LIST) into a new list. */
static int
tl_sorted(struct trender *r, const struct tval *items, const struct tval *attr,
    int cs, int rev, struct tval *out)
{
	struct tval	*keys;
	struct tlist	*l;
	struct tval	 v;
	size_t		*idx, n = items->u.l->l_n, i;
	int		 rc = 0;

	tv_undef(out, NULL, 0);
	if (rn_charge(r, n * (sizeof(*keys) + sizeof(*idx))) != 0)
		return r->r_rc;
	keys = calloc(n + 1, sizeof(*keys));
	idx = calloc(n + 1, sizeof(*idx));
	if (keys == NULL || idx == NULL)
		rc = rn_oom(r);
	for (i = 0; rc == 0 && i < n; i++) {
		idx[i] = i;
		rc = tv_sortkey(r, &items->u.l->l_v[i], attr, cs, &keys[i]);
	}
	if (rc == 0)
		rc = sort_idx(r, keys, idx, n, rev);
	if (rc == 0 && (l = tl_new(r, n)) != NULL) {
		tv_setlist(out, l, 0);
		for (i = 0; i < n && rc == 0; i++) {
			v = tv_dup(&items->u.l->l_v[idx[i]]);
			rc = tl_push(r, l, &v);
		}
	} else if (rc == 0)
		rc = r->r_rc;
	for (i = 0; keys != NULL && i < n; i++)
		tv_drop(r, &keys[i]);
	free(keys);
	free(idx);
	rn_uncharge(r, n * (sizeof(*keys) + sizeof(*idx)));
	return rc;
}

static int
fl_iter(struct trender *r, struct tval *v, struct tval *items)
{
	return tv_iter(r, v, items);
}

static int
fl_abs(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	if (v->v_type == TV_FLOAT)
		tv_float(out, fabs(v->u.f));
	else if (tv_isint(v)) {
		if (v->u.i == INT64_MIN)
			return rn_overflow(r);
		tv_int(out, v->u.i < 0 ? -v->u.i : v->u.i);
	} else
		return rn_typeerror(r, "abs()", v, NULL);
	return 0;
}

static int
fl_attr(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "name" };
	struct tval	*s[1];

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (arg_str(r, "attr", s[0], 0) != 0)
		return r->r_rc;
	if (v->v_type == TV_DICT) {
		/* Attributes only: a dict's keys are not attributes. */
		if (me_applies(me_lookup(s[0]->u.s->s_p, s[0]->u.s->s_len), v))
			return tv_bind(r, v, me_lookup(s[0]->u.s->s_p,
			    s[0]->u.s->s_len), out);
		tv_undef(out, NULL, TV_DICT);
		return 0;
	}
	return tv_getattr(r, v, s[0]->u.s, me_lookup(s[0]->u.s->s_p,
	    s[0]->u.s->s_len), out);
}

static int
fl_batch(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "linecount", "fill_with" };
	struct tval	*s[2], items, item;
	struct tlist	*l, *cur = NULL;
	size_t		 i;
	int64_t		 n;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (s[0] == NULL || arg_int(r, "batch", s[0], &n, 1) != 0)
		return r->r_rc ? r->r_rc : rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: batch() needs a line count");
	if (n <= 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: batch size must be positive");
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if ((l = tl_new(r, 0)) == NULL)
		goto done;
	tv_setlist(out, l, 0);
	for (i = 0; i < items.u.l->l_n && r->r_rc == 0; i++) {
		if (cur == NULL || cur->l_n == (size_t)n) {
			if ((cur = tl_new(r, 0)) == NULL)
				break;
			tv_setlist(&item, cur, 0);
			if (tl_push(r, l, &item) != 0)
				break;
		}
		item = tv_dup(&items.u.l->l_v[i]);
		if (tl_push(r, cur, &item) != 0 ||
		    ob_deepen(r, &l->l_ob, &l->l_v[l->l_n - 1]) != 0)
			break;
	}
	while (r->r_rc == 0 && s[1] != NULL && s[1]->v_type != TV_NONE &&
	    cur != NULL && cur->l_n < (size_t)n) {
		item = tv_dup(s[1]);
		(void)tl_push(r, cur, &item);
	}
done:
	tv_drop(r, &items);
	return r->r_rc;
}

static int
fl_strmap(struct trender *r, struct tval *v, int mode, struct tval *out)
{
	struct tval	s;
	int		rc;

	tv_undef(out, NULL, 0);
	if (v->v_type == TV_STR)
		return ts_map(r, v, mode, out);
	if (tv_tostr(r, v, &s) != 0)
		return r->r_rc;
	rc = ts_map(r, &s, mode, out);
	tv_drop(r, &s);
	return rc;
}

static int
fl_capitalize(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	return fl_strmap(r, v, ME_CAPITALIZE, out);
}

static int
fl_lower(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	return fl_strmap(r, v, ME_LOWER, out);
}

static int
fl_upper(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	return fl_strmap(r, v, ME_UPPER, out);
}

/* Jinja's title: words start after spaces, dashes and brackets. */
static int
fl_title(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	struct tval	 s;
	struct tbuf	 b;
	const char	*p;
	size_t		 n, i, adv;
	uint32_t	 c;
	int		 start = 1;
	char		 tmp[4];

	tv_undef(out, NULL, 0);
	(void)a;
	if (tv_tostr(r, v, &s) != 0)
		return r->r_rc;
	p = s.u.s->s_p;
	n = s.u.s->s_len;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < n && r->r_rc == 0; i += adv) {
		c = u8_dec(p + i, n - i, &adv);
		if (u_isspace(c) || c == '-' || c == '(' || c == '[' ||
		    c == '{') {
			start = 1;
			(void)tb_put(r, &b, p + i, adv);
			continue;
		}
		if (start && c == 0xdf)
			(void)tb_put(r, &b, "SS", 2);
		else
			(void)tb_put(r, &b, tmp, utf8_encode(start ? u_upper(c) :
			    u_lower(c), tmp));
		start = 0;
	}
	tv_drop(r, &s);
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, v->v_type == TV_STR &&
	    (v->v_fl & TVF_MARKUP), out);
}

static int
fl_center(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "width" };
	struct tval	*s[1], str;
	int64_t		 w;
	int		 rc;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (arg_int(r, "center", s[0], &w, 80) != 0 ||
	    tv_tostr(r, v, &str) != 0)
		return r->r_rc;
	rc = ts_pad(r, &str, ME_CENTER, w, NULL, out);
	tv_drop(r, &str);
	return rc;
}

static int
fl_length(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	switch (v->v_type) {
	case TV_UNDEF:
		tv_int(out, 0);
		return 0;
	case TV_STR:
		tv_int(out, (int64_t)ts_ncp(v->u.s));
		return 0;
	case TV_LIST:
		tv_int(out, (int64_t)v->u.l->l_n);
		return 0;
	case TV_DICT:
		tv_int(out, (int64_t)v->u.d->d_n);
		return 0;
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: object of type '%s' has no len()",
		    tv_tname(v));
	}
}

static int
fl_default(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "default_value", "boolean" };
	struct tval	*s[2];

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (v->v_type == TV_UNDEF || (s[1] != NULL && tv_truthy(s[1]) &&
	    !tv_truthy(v))) {
		if (s[0] != NULL)
			*out = tv_dup(s[0]);
		else
			return tv_newstr(r, "", 0, 0, out);
	} else
		*out = tv_dup(v);
	return 0;
}

static int
fl_dictsort(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "case_sensitive", "by",
	    "reverse" };
	struct tval	*s[3], items, pos;
	int		 rc, byval = 0;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (v->v_type != TV_DICT)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: dictsort needs a dict");
	if (s[1] != NULL) {
		if (arg_str(r, "dictsort", s[1], 0) != 0)
			return r->r_rc;
		if (strcmp(s[1]->u.s->s_p, "value") == 0)
			byval = 1;
		else if (strcmp(s[1]->u.s->s_p, "key") != 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "FilterArgumentError: You can only sort by either "
			    "\"key\" or \"value\"");
	}
	if (tl_fromdict(r, v->u.d, ME_ITEMS, &items) != 0)
		return r->r_rc;
	tv_int(&pos, byval);
	rc = tl_sorted(r, &items, &pos, s[0] != NULL && tv_truthy(s[0]),
	    s[2] != NULL && tv_truthy(s[2]), out);
	tv_drop(r, &items);
	return rc;
}

static int
fl_escape(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tval	s;
	int		rc;

	tv_undef(out, NULL, 0);
	(void)a;
	if (v->v_type == TV_STR && (v->v_fl & TVF_MARKUP)) {
		*out = tv_dup(v);
		return 0;
	}
	if (tv_tostr(r, v, &s) != 0)
		return r->r_rc;
	rc = html_escape(r, s.u.s, out);
	tv_drop(r, &s);
	return rc;
}

static int
fl_forceescape(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tval	s;
	int		rc;

	tv_undef(out, NULL, 0);
	(void)a;
	if (tv_tostr(r, v, &s) != 0)
		return r->r_rc;
	rc = html_escape(r, s.u.s, out);
	tv_drop(r, &s);
	return rc;
}

static int
fl_first(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tval	items;

	tv_undef(out, NULL, 0);
	(void)a;
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if (items.u.l->l_n > 0)
		*out = tv_dup(&items.u.l->l_v[0]);
	else
		tv_undef(out, NULL, 0);
	tv_drop(r, &items);
	return 0;
}

static int
fl_last(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	struct tval	items;

	tv_undef(out, NULL, 0);
	(void)a;
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if (items.u.l->l_n > 0)
		*out = tv_dup(&items.u.l->l_v[items.u.l->l_n - 1]);
	else
		tv_undef(out, NULL, 0);
	tv_drop(r, &items);
	return 0;
}

/* Python's int() and float() of a string. */
static int
str_tonum(const struct tstr *s, int base, int isfloat, int64_t *i,
    double *f)
{
	char		 buf[80], *end;
	size_t		 a = 0, b = s->s_len, adv, o = 0, k;
	long long	 v;

	while (a < b && u_isspace(u8_dec(s->s_p + a, b - a, &adv)))
		a += adv;
	while (b > a && u_isspace((unsigned char)s->s_p[b - 1]))
		b--;
	if (b - a == 0 || b - a >= sizeof(buf))
		return -1;
	for (k = a; k < b; k++) {
		if (s->s_p[k] == '_') {
			if (k == a || k + 1 == b || !lx_isdigitb(
			    (unsigned char)s->s_p[k - 1], 16) ||
			    !lx_isdigitb((unsigned char)s->s_p[k + 1], 16))
				return -1;
			continue;
		}
		buf[o++] = s->s_p[k];
	}
	buf[o] = '\0';
	errno = 0;
	if (isfloat) {
		if (strchr(buf, 'x') != NULL || strchr(buf, 'X') != NULL)
			return -1;
		*f = strtod(buf, &end);
		return *end == '\0' ? 0 : -1;
	}
	if (base == 16 && (strncmp(buf, "0x", 2) == 0 ||
	    strncmp(buf, "0X", 2) == 0))
		memmove(buf, buf + 2, o - 1);
	if (buf[0] == '\0' || isspace((unsigned char)buf[0]))
		return -1;
	v = strtoll(buf, &end, base);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*i = v;
	return 0;
}

static int
fl_int(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "default", "base" };
	struct tval	*s[2];
	int64_t		 base, i;
	double		 f;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (arg_int(r, "int", s[1], &base, 10) != 0)
		return r->r_rc;
	if (base != 0 && (base < 2 || base > 36))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: int() base must be >= 2 and <= 36, or 0");
	switch (v->v_type) {
	case TV_UNDEF:
		return rn_undef_error(r, v);
	case TV_BOOL:
	case TV_INT:
		tv_int(out, v->u.i);
		return 0;
	case TV_FLOAT:
		if (v->u.f != v->u.f || fabs(v->u.f) >= 9.2e18)
			break;
		tv_int(out, (int64_t)v->u.f);
		return 0;
	case TV_STR:
		if (str_tonum(v->u.s, (int)base, 0, &i, &f) == 0) {
			tv_int(out, i);
			return 0;
		}
		if (str_tonum(v->u.s, 10, 1, &i, &f) == 0 && f == f &&
		    fabs(f) < 9.2e18) {
			tv_int(out, (int64_t)f);
			return 0;
		}
		break;
	default:
		break;
	}
	if (s[0] != NULL)
		*out = tv_dup(s[0]);
	else
		tv_int(out, 0);
	return 0;
}

static int
fl_float(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "default" };
	struct tval	*s[1];
	int64_t		 i;
	double		 f;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (v->v_type == TV_UNDEF)
		return rn_undef_error(r, v);
	if (tv_isnum(v)) {
		tv_float(out, tv_num(v));
		return 0;
	}
	if (v->v_type == TV_STR && str_tonum(v->u.s, 10, 1, &i, &f) == 0) {
		tv_float(out, f);
		return 0;
	}
	if (s[0] != NULL)
		*out = tv_dup(s[0]);
	else
		tv_float(out, 0.0);
	return 0;
}

static int
fl_format(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tlist	*l;
	struct tval	 args, item, fmt;
	size_t		 i;
	int		 rc;

	tv_undef(out, NULL, 0);
	if ((l = tl_new(r, a->a_n)) == NULL)
		return r->r_rc;
	tv_setlist(&args, l, 1);
	for (i = 0; i < a->a_n; i++) {
		if (a->a_kw[i] != NULL) {
			tv_drop(r, &args);
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "format with keyword arguments is not supported");
		}
		item = tv_dup(&a->a_v[i]);
		if (tl_push(r, l, &item) != 0) {
			tv_drop(r, &args);
			return r->r_rc;
		}
	}
	if ((rc = tv_tostr(r, v, &fmt)) == 0) {
		fmt.v_fl = v->v_fl & TVF_MARKUP;
		rc = fmt_percent(r, &fmt, &args, out);
		tv_drop(r, &fmt);
	}
	tv_drop(r, &args);
	return rc;
}

/* Jinja's indent: every line but the first (and blank ones) indented. */
static int
fl_indent(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "width", "first", "blank" };
	struct tval	*s[3], lines, ind;
	struct tbuf	 b;
	struct tstr	*ls;
	size_t		 i, adv;
	uint32_t	 last;
	int64_t		 w;
	int		 first, blank, rc = 0;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (v->v_type != TV_STR)
		return rn_typeerror(r, "+", v, &(struct tval){
		    .v_type = TV_STR });
	memset(&b, 0, sizeof(b));
	tv_undef(&ind, NULL, 0);
	if (s[0] != NULL && s[0]->v_type == TV_STR)
		ind = tv_dup(s[0]);
	else {
		if (arg_int(r, "indent", s[0], &w, 4) != 0)
			return r->r_rc;
		if (w > 4096)
			return rn_fail(r, TMPL_ERR_LIMIT, "indent too wide");
		for (i = 0; i < (size_t)(w > 0 ? w : 0); i++)
			(void)tb_putc(r, &b, ' ');
		if (r->r_rc != 0 || tv_frombuf(r, &b, 0, &ind) != 0)
			return r->r_rc;
	}
	first = s[1] != NULL && tv_truthy(s[1]);
	blank = s[2] != NULL && tv_truthy(s[2]);
	/* s += "\n"; s.splitlines() */
	if ((rc = ts_splitlines(r, v, 0, &lines)) != 0) {
		tv_drop(r, &ind);
		return rc;
	}
	last = 0;
	if (v->u.s->s_len > 0) {
		i = u8_back(v->u.s->s_p, v->u.s->s_len);
		last = u8_dec(v->u.s->s_p + i, v->u.s->s_len - i, &adv);
	}
	if (v->u.s->s_len == 0 || (u_islinebreak(last) && last != '\r'))
		rc = list_pushstr(r, lines.u.l, "", 0, 0);
	if (first && rc == 0)
		rc = tb_put(r, &b, ind.u.s->s_p, ind.u.s->s_len);
	for (i = 0; i < lines.u.l->l_n && rc == 0; i++) {
		ls = lines.u.l->l_v[i].u.s;
		if (i > 0) {
			(void)tb_putc(r, &b, '\n');
			if (blank || ls->s_len > 0)
				(void)tb_put(r, &b, ind.u.s->s_p,
				    ind.u.s->s_len);
		}
		rc = tb_put(r, &b, ls->s_p, ls->s_len);
	}
	tv_drop(r, &lines);
	tv_drop(r, &ind);
	if (rc != 0 || r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, v->v_fl & TVF_MARKUP, out);
}

static int
fl_items(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tlist	*l;

	tv_undef(out, NULL, 0);
	(void)a;
	if (v->v_type == TV_UNDEF) {
		if ((l = tl_new(r, 0)) == NULL)
			return r->r_rc;
		tv_setlist(out, l, 0);
		return 0;
	}
	if (v->v_type != TV_DICT)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: Can only get item pairs from a mapping.");
	return tl_fromdict(r, v->u.d, ME_ITEMS, out);
}

static int
fl_join(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "d", "attribute" };
	struct tval	*s[2], items, item;
	struct tbuf	 b;
	size_t		 i;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < items.u.l->l_n && r->r_rc == 0; i++) {
		if (i > 0 && s[0] != NULL &&
		    tv_put_str(r, &b, s[0], 0) != 0)
			break;
		if (s[1] != NULL && s[1]->v_type != TV_NONE) {
			if (tv_attrpath(r, &items.u.l->l_v[i], s[1],
			    &item) != 0)
				break;
			(void)tv_put_str(r, &b, &item, 0);
			tv_drop(r, &item);
		} else
			(void)tv_put_str(r, &b, &items.u.l->l_v[i], 0);
	}
	tv_drop(r, &items);
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, 0, out);
}

static int
fl_list(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	struct tval	items;
	int		rc;

	tv_undef(out, NULL, 0);
	(void)a;
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if (!(items.v_fl & (TVF_TUPLE | TVF_VIEW))) {
		*out = items;
		return 0;
	}
	/* list(tuple) is a list, and so is list(d.keys()). */
	items.v_fl &= ~TVF_VIEW;
	rc = tv_slice(r, &items, &(struct tval){ .v_type = TV_NONE },
	    &(struct tval){ .v_type = TV_NONE },
	    &(struct tval){ .v_type = TV_NONE }, out);
	tv_drop(r, &items);
	if (rc == 0)
		out->v_fl &= ~(TVF_TUPLE | TVF_VIEW);
	return rc;
}


static int
fl_map(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	struct tval	*attr = NULL, *dflt = NULL, items, item;
	struct targs	 sub;
	struct tlist	*l;
	const char	*fname = NULL;
	size_t		 i, k, first = 0;
	int		 fid = 0, rc = 0;

	tv_undef(out, NULL, 0);
	for (i = 0; i < a->a_n; i++) {
		if (a->a_kw[i] != NULL && strcmp(a->a_kw[i], "attribute") == 0)
			attr = &a->a_v[i];
		else if (a->a_kw[i] != NULL &&
		    strcmp(a->a_kw[i], "default") == 0)
			dflt = &a->a_v[i];
	}
	if (attr == NULL) {
		if (a->a_n == 0 || a->a_kw[0] != NULL ||
		    a->a_v[0].v_type != TV_STR)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "map requires a filter argument");
		fname = a->a_v[0].u.s->s_p;
		if ((fid = fl_lookup(fname)) == 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "No filter named '%s'.", fname);
		first = 1;
	}
	/* Jinja's generator yields nothing for a false value. */
	if (!tv_truthy(v))
		return fl_iter(r, &(struct tval){ .v_type = TV_UNDEF }, out);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if ((l = tl_new(r, items.u.l->l_n)) == NULL) {
		tv_drop(r, &items);
		return r->r_rc;
	}
	tv_setlist(out, l, 0);
	for (i = 0; i < items.u.l->l_n && rc == 0; i++) {
		if (attr != NULL) {
			if ((rc = tv_attrpath(r, &items.u.l->l_v[i], attr,
			    &item)) != 0)
				break;
			if (item.v_type == TV_UNDEF && dflt != NULL) {
				tv_drop(r, &item);
				item = tv_dup(dflt);
			}
		} else {
			sub.a_n = 0;
			for (k = first; k < a->a_n; k++) {
				sub.a_v[sub.a_n] = a->a_v[k];
				sub.a_kw[sub.a_n++] = a->a_kw[k];
			}
			if ((rc = fl_call(r, fid, fname, &items.u.l->l_v[i],
			    &sub, &item)) != 0)
				break;
		}
		rc = tl_push(r, l, &item);
	}
	tv_drop(r, &items);
	return rc;
}

/* select, reject, selectattr, rejectattr. */
static int
fl_select(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out, int attr, int want)
{
	struct tval	 items, item, *test = NULL, *path = NULL;
	struct targs	 sub;
	struct tlist	*l;
	size_t		 i, k, rest;
	int		 tid = 0, res, rc = 0;

	tv_undef(out, NULL, 0);
	rest = 0;
	if (attr) {
		if (a->a_n == 0 || a->a_kw[0] != NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "Missing parameter for attribute name");
		path = &a->a_v[0];
		rest = 1;
	}
	if (a->a_n > rest) {
		test = &a->a_v[rest];
		if (a->a_kw[rest] != NULL || test->v_type != TV_STR)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: the test name must be a string");
		if ((tid = te_lookup(test->u.s->s_p)) == 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "No test named '%s'.", test->u.s->s_p);
		rest++;
	}
	if (!tv_truthy(v))
		return fl_iter(r, &(struct tval){ .v_type = TV_UNDEF }, out);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if ((l = tl_new(r, 0)) == NULL) {
		tv_drop(r, &items);
		return r->r_rc;
	}
	tv_setlist(out, l, 0);
	for (i = 0; i < items.u.l->l_n && rc == 0; i++) {
		if (path != NULL) {
			if ((rc = tv_attrpath(r, &items.u.l->l_v[i], path,
			    &item)) != 0)
				break;
		} else
			item = tv_dup(&items.u.l->l_v[i]);
		if (test != NULL) {
			sub.a_n = 0;
			for (k = rest; k < a->a_n; k++) {
				sub.a_v[sub.a_n] = a->a_v[k];
				sub.a_kw[sub.a_n++] = a->a_kw[k];
			}
			rc = te_call(r, tid, test->u.s->s_p, &item, &sub, &res);
		} else
			res = tv_truthy(&item);
		tv_drop(r, &item);
		if (rc == 0 && res == want) {
			item = tv_dup(&items.u.l->l_v[i]);
			rc = tl_push(r, l, &item);
		}
	}
	tv_drop(r, &items);
	return rc;
}

static int
fl_selectf(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	return fl_select(r, v, a, out, 0, 1);
}

static int
fl_rejectf(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	return fl_select(r, v, a, out, 0, 0);
}

static int
fl_selectattr(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	return fl_select(r, v, a, out, 1, 1);
}

static int
fl_rejectattr(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	return fl_select(r, v, a, out, 1, 0);
}

/* min and max. */
static int
fl_minmax(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out, int max)
{
	static const char *const names[] = { "case_sensitive", "attribute" };
	struct tval	*s[2], items, best, key;
	size_t		 i, bi = 0;
	int		 c, rc = 0;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	tv_undef(&best, NULL, 0);
	for (i = 0; i < items.u.l->l_n && rc == 0; i++) {
		if ((rc = tv_sortkey(r, &items.u.l->l_v[i], s[1],
		    s[0] != NULL && tv_truthy(s[0]), &key)) != 0)
			break;
		if (i > 0 && (rc = tv_cmp(r, &key, &best, &c)) != 0) {
			tv_drop(r, &key);
			break;
		}
		if (i == 0 || (max ? c > 0 : c < 0)) {
			tv_drop(r, &best);
			best = key;
			bi = i;
		} else
			tv_drop(r, &key);
	}
	tv_drop(r, &best);
	if (rc == 0) {
		if (items.u.l->l_n > 0)
			*out = tv_dup(&items.u.l->l_v[bi]);
		else
			tv_undef(out, NULL, 0);
	}
	tv_drop(r, &items);
	return rc;
}

static int
fl_max(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	return fl_minmax(r, v, a, out, 1);
}

static int
fl_min(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	return fl_minmax(r, v, a, out, 0);
}

static int
fl_replace(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "old", "new", "count" };
	struct tval	*s[3], str, o, n;
	int64_t		 count;
	int		 rc;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (s[0] == NULL || s[1] == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: replace() needs old and new");
	if (arg_int(r, "replace", s[2], &count, -1) != 0)
		return r->r_rc;
	if (tv_tostr(r, v, &str) != 0)
		return r->r_rc;
	if (tv_tostr(r, s[0], &o) != 0) {
		tv_drop(r, &str);
		return r->r_rc;
	}
	if ((rc = tv_tostr(r, s[1], &n)) == 0) {
		rc = ts_replace(r, &str, o.u.s, n.u.s, count, 0, out);
		tv_drop(r, &n);
	}
	tv_drop(r, &o);
	tv_drop(r, &str);
	return rc;
}

static int
fl_reverse(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tval	items, m1, none;

	tv_undef(out, NULL, 0);
	(void)a;
	tv_int(&m1, -1);
	tv_none(&none);
	if (v->v_type == TV_STR)
		return tv_slice(r, v, &none, &none, &m1, out);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	items.v_fl &= ~TVF_VIEW;
	if (tv_slice(r, &items, &none, &none, &m1, out) == 0)
		out->v_fl &= ~TVF_TUPLE;
	tv_drop(r, &items);
	return r->r_rc;
}

static int
fl_round(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "precision", "method" };
	struct tval	*s[2];
	int64_t		 prec;
	double		 x, m;
	char		 buf[400];
	const char	*method = "common";

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (arg_int(r, "round", s[0], &prec, 0) != 0 ||
	    arg_str(r, "round", s[1], 1) != 0)
		return r->r_rc;
	if (s[1] != NULL && s[1]->v_type == TV_STR)
		method = s[1]->u.s->s_p;
	if (strcmp(method, "common") != 0 && strcmp(method, "ceil") != 0 &&
	    strcmp(method, "floor") != 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "FilterArgumentError: method must be common, ceil or "
		    "floor");
	if (!tv_isnum(v))
		return rn_typeerror(r, "round()", v, NULL);
	if (prec > 300 || prec < -300)
		prec = prec > 0 ? 300 : -300;
	x = tv_num(v);
	m = pow(10.0, (double)prec);
	if (strcmp(method, "ceil") == 0)
		x = ceil(x * m) / m;
	else if (strcmp(method, "floor") == 0)
		x = floor(x * m) / m;
	else if (v->v_type != TV_FLOAT) {
		tv_int(out, v->u.i);
		return 0;
	} else if (prec >= 0 && isfinite(x)) {
		(void)snprintf(buf, sizeof(buf), "%.*f", (int)prec, x);
		x = strtod(buf, NULL);
	} else if (isfinite(x))
		x = nearbyint(x * m) / m;
	tv_float(out, x);
	return 0;
}

static int
fl_safe(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	if (tv_tostr(r, v, out) != 0)
		return r->r_rc;
	out->v_fl |= TVF_MARKUP;
	return 0;
}

static int
fl_sort(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "reverse", "case_sensitive",
	    "attribute" };
	struct tval	*s[3], items;
	int		 rc;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	rc = tl_sorted(r, &items, s[2], s[1] != NULL && tv_truthy(s[1]),
	    s[0] != NULL && tv_truthy(s[0]), out);
	tv_drop(r, &items);
	return rc;
}

static int
fl_string(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)a;
	if (v->v_type == TV_STR) {
		*out = tv_dup(v);
		return 0;
	}
	return tv_tostr(r, v, out);
}

static int
fl_sum(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "attribute", "start" };
	struct tval	*s[2], items, acc, item, next;
	size_t		 i;
	int		 rc = 0;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if (s[1] != NULL)
		acc = tv_dup(s[1]);
	else
		tv_int(&acc, 0);
	for (i = 0; i < items.u.l->l_n && rc == 0; i++) {
		if (s[0] != NULL && s[0]->v_type != TV_NONE) {
			if ((rc = tv_attrpath(r, &items.u.l->l_v[i], s[0],
			    &item)) != 0)
				break;
		} else
			item = tv_dup(&items.u.l->l_v[i]);
		rc = tv_binop(r, OP_ADD, &acc, &item, &next);
		tv_drop(r, &item);
		tv_drop(r, &acc);
		acc = next;
	}
	tv_drop(r, &items);
	if (rc != 0) {
		tv_drop(r, &acc);
		return rc;
	}
	*out = acc;
	return 0;
}

/* Hugging Face's tojson: json.dumps(ensure_ascii=False, ...). */
static int
fl_tojson(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "ensure_ascii", "indent",
	    "separators", "sort_keys" };
	struct tval	*s[4], *sep;
	struct tjson	 o;
	struct tbuf	 b, ib;
	int64_t		 w, i;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if ((s[0] != NULL && tv_truthy(s[0])) ||
	    (s[3] != NULL && tv_truthy(s[3])))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "tojson: ensure_ascii and sort_keys are not supported");
	memset(&o, 0, sizeof(o));
	memset(&b, 0, sizeof(b));
	memset(&ib, 0, sizeof(ib));
	if (s[1] != NULL && s[1]->v_type == TV_STR) {
		o.tj_ind = s[1]->u.s->s_p;
		o.tj_indn = s[1]->u.s->s_len;
	} else if (s[1] != NULL && s[1]->v_type != TV_NONE) {
		if (arg_int(r, "tojson", s[1], &w, 0) != 0)
			return r->r_rc;
		if (w > 4096)
			return rn_fail(r, TMPL_ERR_LIMIT, "indent too wide");
		for (i = 0; i < w; i++)
			(void)tb_putc(r, &ib, ' ');
		o.tj_ind = ib.b_p != NULL ? ib.b_p : "";
		o.tj_indn = ib.b_len;
	}
	o.tj_isep = o.tj_ind != NULL ? "," : ", ";
	o.tj_isepn = strlen(o.tj_isep);
	o.tj_ksep = ": ";
	o.tj_ksepn = 2;
	if ((sep = s[2]) != NULL && sep->v_type != TV_NONE) {
		if (sep->v_type != TV_LIST || sep->u.l->l_n != 2 ||
		    sep->u.l->l_v[0].v_type != TV_STR ||
		    sep->u.l->l_v[1].v_type != TV_STR) {
			tb_free(r, &ib);
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "ValueError: separators must be two strings");
		}
		o.tj_isep = sep->u.l->l_v[0].u.s->s_p;
		o.tj_isepn = sep->u.l->l_v[0].u.s->s_len;
		o.tj_ksep = sep->u.l->l_v[1].u.s->s_p;
		o.tj_ksepn = sep->u.l->l_v[1].u.s->s_len;
	}
	if (r->r_rc == 0)
		(void)tj_put(r, &b, v, &o, 0);
	tb_free(r, &ib);
	if (r->r_rc != 0) {
		tb_free(r, &b);
		return r->r_rc;
	}
	return tv_frombuf(r, &b, 0, out);
}

static int
fl_trim(struct trender *r, struct tval *v, struct targs *a, struct tval *out)
{
	static const char *const names[] = { "chars" };
	struct tval	*s[1], str;
	int		 rc;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (arg_str(r, "trim", s[0], 1) != 0)
		return r->r_rc;
	if (v->v_type == TV_STR)
		return ts_strip(r, v, s[0] != NULL && s[0]->v_type == TV_STR ?
		    s[0]->u.s : NULL, 1, 1, out);
	if (tv_tostr(r, v, &str) != 0)
		return r->r_rc;
	rc = ts_strip(r, &str, s[0] != NULL && s[0]->v_type == TV_STR ?
	    s[0]->u.s : NULL, 1, 1, out);
	tv_drop(r, &str);
	return rc;
}

static const struct tstr fl_space = {
	.s_ob = { .ob_static = 1, .ob_kind = TV_STR }, .s_len = 1, .s_ncp = 1,
	.s_p = " "
};

static int
fl_truncate(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "length", "killwords", "end",
	    "leeway" };
	struct tval	*s[4], str, cut, none, stop, part, end;
	int64_t		 len, leeway, keep;
	size_t		 endcp;
	int		 rc;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (arg_int(r, "truncate", s[0], &len, 255) != 0 ||
	    arg_int(r, "truncate", s[3], &leeway, 5) != 0 ||
	    arg_str(r, "truncate", s[2], 1) != 0)
		return r->r_rc;
	if (v->v_type != TV_STR) {
		/* len(s) <= length + leeway returns s itself. */
		if (fl_length(r, v, NULL, &str) != 0)
			return r->r_rc;
		if (str.u.i > len + leeway)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: truncate needs a string");
		*out = tv_dup(v);
		return 0;
	}
	str = tv_dup(v);
	if (s[2] != NULL && s[2]->v_type == TV_STR)
		end = tv_dup(s[2]);
	else if (tv_newstr(r, "...", 3, 0, &end) != 0) {
		tv_drop(r, &str);
		return r->r_rc;
	}
	endcp = ts_ncp(end.u.s);
	if (len < (int64_t)endcp)
		rc = rn_fail(r, PWR_ERR_INVALID_FORMAT, "expected length >= "
		    "%zu, got %lld", endcp, (long long)len);
	else if (leeway < 0)
		rc = rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "expected leeway >= 0");
	else if ((int64_t)ts_ncp(str.u.s) <= len + leeway) {
		*out = str;
		str.v_type = TV_UNDEF;
		rc = 0;
	} else {
		keep = len - (int64_t)endcp;
		tv_none(&none);
		tv_int(&stop, keep);
		if ((rc = tv_slice(r, &str, &none, &stop, &none, &cut)) == 0) {
			if (!(s[1] != NULL && tv_truthy(s[1]))) {
				rc = ts_split(r, &cut, &fl_space, 1, 1, &part);
				if (rc == 0) {
					tv_drop(r, &cut);
					cut = tv_dup(&part.u.l->l_v[0]);
					tv_drop(r, &part);
				}
			}
			if (rc == 0)
				rc = ts_concat(r, &cut, &end, out);
			tv_drop(r, &cut);
		}
	}
	tv_drop(r, &end);
	tv_drop(r, &str);
	return rc;
}

static int
fl_unique(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	static const char *const names[] = { "case_sensitive", "attribute" };
	struct tval	*s[2], items, key, none, item;
	struct tdict	*seen;
	struct tlist	*l;
	size_t		 i;
	int		 rc = 0;

	tv_undef(out, NULL, 0);
	FL_BIND(names, s);
	if (fl_iter(r, v, &items) != 0)
		return r->r_rc;
	if ((seen = td_new(r, TV_DICT)) == NULL ||
	    (l = tl_new(r, 0)) == NULL) {
		if (seen != NULL)
			ob_release(r, &seen->d_ob);
		tv_drop(r, &items);
		return r->r_rc;
	}
	tv_setlist(out, l, 0);
	for (i = 0; i < items.u.l->l_n && rc == 0; i++) {
		if ((rc = tv_sortkey(r, &items.u.l->l_v[i], s[1],
		    s[0] != NULL && tv_truthy(s[0]), &key)) != 0)
			break;
		if (td_get(r, seen, &key) != NULL) {
			tv_drop(r, &key);
			continue;
		}
		tv_none(&none);
		if ((rc = td_set(r, seen, &key, &none)) != 0)
			break;
		item = tv_dup(&items.u.l->l_v[i]);
		rc = tl_push(r, l, &item);
	}
	ob_release(r, &seen->d_ob);
	tv_drop(r, &items);
	return rc;
}

static int
fl_wordcount(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	struct tval	 s;
	const char	*p;
	size_t		 n, i, adv;
	int64_t		 count = 0;
	int		 inword = 0, w;
	uint32_t	 c;

	tv_undef(out, NULL, 0);
	(void)a;
	if (tv_tostr(r, v, &s) != 0)
		return r->r_rc;
	p = s.u.s->s_p;
	n = s.u.s->s_len;
	for (i = 0; i < n; i += adv) {
		c = u8_dec(p + i, n - i, &adv);
		w = u_isalpha(c) || u_isdigit(c) || c == '_' || c >= 0x80;
		if (w && !inword)
			count++;
		inword = w;
	}
	tv_drop(r, &s);
	tv_int(out, count);
	return rn_work(r, n);
}

static int
fl_unsupported(struct trender *r, struct tval *v, struct targs *a,
    struct tval *out)
{
	tv_undef(out, NULL, 0);
	(void)v;
	(void)a;
	(void)out;
	return rn_fail(r, PWR_ERR_INVALID_FORMAT, "filter '%s' is not "
	    "supported", r->r_fname);
}

static const struct {
	const char	*fl_name;
	fl_fn		 fl_fn;
} fl_table[] = {
	{ "", NULL },
	{ "abs", fl_abs },
	{ "attr", fl_attr },
	{ "batch", fl_batch },
	{ "capitalize", fl_capitalize },
	{ "center", fl_center },
	{ "count", fl_length },
	{ "d", fl_default },
	{ "default", fl_default },
	{ "dictsort", fl_dictsort },
	{ "e", fl_escape },
	{ "escape", fl_escape },
	{ "first", fl_first },
	{ "float", fl_float },
	{ "forceescape", fl_forceescape },
	{ "format", fl_format },
	{ "indent", fl_indent },
	{ "int", fl_int },
	{ "items", fl_items },
	{ "join", fl_join },
	{ "last", fl_last },
	{ "length", fl_length },
	{ "list", fl_list },
	{ "lower", fl_lower },
	{ "map", fl_map },
	{ "max", fl_max },
	{ "min", fl_min },
	{ "reject", fl_rejectf },
	{ "rejectattr", fl_rejectattr },
	{ "replace", fl_replace },
	{ "reverse", fl_reverse },
	{ "round", fl_round },
	{ "safe", fl_safe },
	{ "select", fl_selectf },
	{ "selectattr", fl_selectattr },
	{ "sort", fl_sort },
	{ "string", fl_string },
	{ "sum", fl_sum },
	{ "title", fl_title },
	{ "tojson", fl_tojson },
	{ "trim", fl_trim },
	{ "truncate", fl_truncate },
	{ "unique", fl_unique },
	{ "upper", fl_upper },
	{ "wordcount", fl_wordcount },
	/* Jinja has these; a template using them fails when it runs. */
	{ "filesizeformat", fl_unsupported },
	{ "groupby", fl_unsupported },
	{ "pprint", fl_unsupported },
	{ "random", fl_unsupported },
	{ "slice", fl_unsupported },
	{ "striptags", fl_unsupported },
	{ "urlencode", fl_unsupported },
	{ "urlize", fl_unsupported },
	{ "wordwrap", fl_unsupported },
	{ "xmlattr", fl_unsupported }
};

static int
fl_lookup(const char *name)
{
	size_t	i;

	for (i = 1; i < sizeof(fl_table) / sizeof(fl_table[0]); i++)
		if (strcmp(fl_table[i].fl_name, name) == 0)
			return (int)i;
	return 0;
}

static int
fl_call(struct trender *r, int id, const char *name, struct tval *v,
    struct targs *a, struct tval *out)
{
	tv_undef(out, NULL, 0);
	if (id <= 0 || (size_t)id >= sizeof(fl_table) / sizeof(fl_table[0]))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "No filter named '%s'.", name);
	r->r_fname = fl_table[id].fl_name;
	return fl_table[id].fl_fn(r, v, a, out);
}

/*
 * Tests.
 */

typedef int	(*te_fn)(struct trender *, const struct tval *, struct tval *,
		    int *);

enum {
	TE_NONE = 0, TE_BOOLEAN, TE_CALLABLE, TE_DEFINED, TE_DIVISIBLEBY,
	TE_EQ, TE_ESCAPED, TE_EVEN, TE_FALSE, TE_FILTER, TE_FLOAT, TE_GE,
	TE_GT, TE_IN, TE_INTEGER, TE_ITERABLE, TE_LE, TE_LOWER, TE_LT,
	TE_MAPPING, TE_NE, TE_NULL, TE_NUMBER, TE_ODD, TE_SAMEAS,
	TE_SEQUENCE, TE_STRING, TE_TEST, TE_TRUE, TE_UNDEFINED, TE_UPPER
};

static const struct {
	const char	*te_name;
	int		 te_id;
	int		 te_nargs;
} te_table[] = {
	{ "", TE_NONE, 0 },
	{ "boolean", TE_BOOLEAN, 0 }, { "callable", TE_CALLABLE, 0 },
	{ "defined", TE_DEFINED, 0 }, { "divisibleby", TE_DIVISIBLEBY, 1 },
	{ "eq", TE_EQ, 1 }, { "equalto", TE_EQ, 1 }, { "==", TE_EQ, 1 },
	{ "escaped", TE_ESCAPED, 0 }, { "even", TE_EVEN, 0 },
	{ "false", TE_FALSE, 0 }, { "filter", TE_FILTER, 0 },
	{ "float", TE_FLOAT, 0 }, { "ge", TE_GE, 1 }, { ">=", TE_GE, 1 },
	{ "gt", TE_GT, 1 }, { "greaterthan", TE_GT, 1 }, { ">", TE_GT, 1 },
	{ "in", TE_IN, 1 }, { "integer", TE_INTEGER, 0 },
	{ "iterable", TE_ITERABLE, 0 }, { "le", TE_LE, 1 },
	{ "<=", TE_LE, 1 }, { "lower", TE_LOWER, 0 }, { "lt", TE_LT, 1 },
	{ "lessthan", TE_LT, 1 }, { "<", TE_LT, 1 },
	{ "mapping", TE_MAPPING, 0 }, { "ne", TE_NE, 1 }, { "!=", TE_NE, 1 },
	{ "none", TE_NULL, 0 }, { "number", TE_NUMBER, 0 },
	{ "odd", TE_ODD, 0 }, { "sameas", TE_SAMEAS, 1 },
	{ "sequence", TE_SEQUENCE, 0 }, { "string", TE_STRING, 0 },
	{ "test", TE_TEST, 0 }, { "true", TE_TRUE, 0 },
	{ "undefined", TE_UNDEFINED, 0 }, { "upper", TE_UPPER, 0 }
};

static int
te_lookup(const char *name)
{
	size_t	i;

	for (i = 1; i < sizeof(te_table) / sizeof(te_table[0]); i++)
		if (strcmp(te_table[i].te_name, name) == 0)
			return (int)i;
	return 0;
}

static int
te_parity(struct trender *r, const struct tval *v, int64_t div, int *res)
{
	struct tval	d, m;

	tv_int(&d, div);
	if (tv_binop(r, OP_MOD, v, &d, &m) != 0)
		return r->r_rc;
	*res = !tv_truthy(&m);
	return 0;
}

static int
te_strcase(struct trender *r, const struct tval *v, int upper, int *res)
{
	struct tval	s;

	if (tv_tostr(r, v, &s) != 0)
		return r->r_rc;
	*res = ts_is(&s, upper ? ME_ISUPPER : ME_ISLOWER);
	tv_drop(r, &s);
	return 0;
}

static int
te_call(struct trender *r, int id, const char *name, const struct tval *v,
    struct targs *a, int *res)
{
	static const char *const names[] = { "other" };
	struct tval	*s[1], *o, m, zero;
	int		 c, t;

	s[0] = NULL;
	if (id <= 0 || (size_t)id >= sizeof(te_table) / sizeof(te_table[0]))
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "No test named '%s'.", name);
	if (args_bind(r, te_table[id].te_name, a, names,
	    (size_t)te_table[id].te_nargs, s, NULL) != 0)
		return r->r_rc;
	o = s[0];
	if (te_table[id].te_nargs > 0 && o == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: test '%s' needs an argument", name);
	t = v->v_type;
	*res = 0;
	switch (te_table[id].te_id) {
	case TE_BOOLEAN:
		*res = t == TV_BOOL;
		return 0;
	case TE_CALLABLE:
		*res = t == TV_MACRO || t == TV_FUNC || t == TV_BOUND ||
		    t == TV_LOOP;
		return 0;
	case TE_DEFINED:
		*res = t != TV_UNDEF;
		return 0;
	case TE_UNDEFINED:
		*res = t == TV_UNDEF;
		return 0;
	case TE_DIVISIBLEBY:
		/* value % num == 0, whatever % does with them. */
		if (tv_binop(r, OP_MOD, v, o, &m) != 0)
			return r->r_rc;
		tv_int(&zero, 0);
		*res = tv_eq(r, &m, &zero);
		tv_drop(r, &m);
		return r->r_rc;
	case TE_EVEN:
	case TE_ODD:
		if (te_parity(r, v, 2, res) != 0)
			return r->r_rc;
		if (te_table[id].te_id == TE_ODD)
			*res = !*res;
		return 0;
	case TE_EQ:
		*res = tv_eq(r, v, o);
		return 0;
	case TE_NE:
		*res = !tv_eq(r, v, o);
		return 0;
	case TE_GE:
	case TE_GT:
	case TE_LE:
	case TE_LT:
		if (tv_cmp(r, v, o, &c) != 0)
			return r->r_rc;
		c = te_table[id].te_id == TE_GE ? c >= 0 :
		    te_table[id].te_id == TE_GT ? c > 0 :
		    te_table[id].te_id == TE_LE ? c <= 0 : c < 0;
		*res = c;
		return 0;
	case TE_IN:
		return tv_contains(r, v, o, res);
	case TE_ESCAPED:
		*res = t == TV_STR && (v->v_fl & TVF_MARKUP);
		return 0;
	case TE_FALSE:
		*res = t == TV_BOOL && v->u.i == 0;
		return 0;
	case TE_TRUE:
		*res = t == TV_BOOL && v->u.i != 0;
		return 0;
	case TE_FILTER:
	case TE_TEST:
		*res = t == TV_STR && (te_table[id].te_id == TE_FILTER ?
		    fl_lookup(v->u.s->s_p) : te_lookup(v->u.s->s_p)) != 0;
		return 0;
	case TE_FLOAT:
		*res = t == TV_FLOAT;
		return 0;
	case TE_INTEGER:
		*res = t == TV_INT;
		return 0;
	case TE_NUMBER:
		*res = tv_isnum(v);
		return 0;
	case TE_ITERABLE:
		*res = t == TV_UNDEF || t == TV_STR || t == TV_LIST ||
		    t == TV_DICT || t == TV_LOOP;
		return 0;
	case TE_SEQUENCE:
		*res = t == TV_UNDEF || t == TV_STR || t == TV_LIST ||
		    t == TV_DICT || t == TV_NS;
		return 0;
	case TE_MAPPING:
		*res = t == TV_DICT;
		return 0;
	case TE_NULL:
		*res = t == TV_NONE;
		return 0;
	case TE_STRING:
		*res = t == TV_STR;
		return 0;
	case TE_LOWER:
	case TE_UPPER:
		return te_strcase(r, v, te_table[id].te_id == TE_UPPER, res);
	case TE_SAMEAS:
		if (t != o->v_type)
			return 0;
		if (t == TV_NONE || t == TV_UNDEF)
			*res = 1;
		else if (t == TV_BOOL || t == TV_INT)
			*res = v->u.i == o->u.i && v->u.i >= -5 &&
			    v->u.i <= 256;
		else if (t >= TV_STR)
			*res = v->u.o == o->u.o;
		return 0;
	}
	return rn_fail(r, PWR_ERR_INTERNAL, "bad test");
}

/*
 * Global functions.
 */

static int
fn_range(struct trender *r, struct targs *a, struct tval *out)
{
	struct tlist	*l;
	struct tval	 v;
	int64_t		 arg[3], start = 0, stop, step = 1;
	size_t		 k, count;

	tv_undef(out, NULL, 0);
	if (a->a_n == 0 || a->a_n > 3)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: range expected 1 to 3 arguments");
	for (k = 0; k < a->a_n; k++) {
		if (a->a_kw[k] != NULL)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT,
			    "TypeError: range() takes no keyword arguments");
		if (arg_int(r, "range", &a->a_v[k], &arg[k], 0) != 0)
			return r->r_rc;
	}
	if (a->a_n == 1)
		stop = arg[0];
	else {
		start = arg[0];
		stop = arg[1];
		if (a->a_n == 3)
			step = arg[2];
	}
	if (step == 0)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: range() arg 3 must not be zero");
	if (step > 0)
		count = start < stop ? (uint64_t)(stop - start - 1) /
		    (uint64_t)step + 1 : 0;
	else
		count = stop < start ? (uint64_t)(start - stop - 1) /
		    (step == INT64_MIN ? (uint64_t)INT64_MAX + 1 :
		    (uint64_t)-step) + 1 : 0;
	if (count > TMPL_MAX_RANGE)
		return rn_fail(r, TMPL_ERR_LIMIT, "OverflowError: Range too "
		    "big. The sandbox blocks ranges larger than MAX_RANGE "
		    "(%d).", TMPL_MAX_RANGE);
	if ((l = tl_new(r, count)) == NULL)
		return r->r_rc;
	tv_setlist(out, l, 0);
	for (k = 0; k < count; k++) {
		/* Every item lies between start and stop: no overflow. */
		tv_int(&v, (int64_t)((uint64_t)start +
		    (uint64_t)k * (uint64_t)step));
		if (tl_push(r, l, &v) != 0)
			return r->r_rc;
	}
	return 0;
}

/* dict(...) and namespace(...): a mapping or pairs, then keywords. */
static int
fn_dict(struct trender *r, struct targs *a, int kind, struct tval *out)
{
	struct tdict	*d;
	struct tval	 k, v, pairs;
	const struct tval *p;
	size_t		 i, j;

	tv_undef(out, NULL, 0);
	if ((d = td_new(r, kind)) == NULL)
		return r->r_rc;
	tv_setdict(out, d);
	for (i = 0; i < a->a_n; i++) {
		if (a->a_kw[i] != NULL) {
			if (tv_newstr(r, a->a_kw[i], strlen(a->a_kw[i]), 0,
			    &k) != 0)
				return r->r_rc;
			v = tv_dup(&a->a_v[i]);
			if (td_set(r, d, &k, &v) != 0)
				return r->r_rc;
			continue;
		}
		if (i > 0)
			return rn_fail(r, PWR_ERR_INVALID_FORMAT, "TypeError: "
			    "dict expected at most 1 argument");
		p = &a->a_v[i];
		if (p->v_type == TV_DICT || p->v_type == TV_NS) {
			for (j = 0; j < p->u.d->d_n; j++) {
				k = tv_dup(&p->u.d->d_e[j].de_key);
				v = tv_dup(&p->u.d->d_e[j].de_val);
				if (td_set(r, d, &k, &v) != 0)
					return r->r_rc;
			}
			continue;
		}
		if (tv_iter(r, p, &pairs) != 0)
			return r->r_rc;
		for (j = 0; j < pairs.u.l->l_n; j++) {
			p = &pairs.u.l->l_v[j];
			if (p->v_type != TV_LIST || p->u.l->l_n != 2) {
				tv_drop(r, &pairs);
				return rn_fail(r, PWR_ERR_INVALID_FORMAT,
				    "ValueError: dictionary update sequence "
				    "element #%zu has the wrong length", j);
			}
			k = tv_dup(&p->u.l->l_v[0]);
			v = tv_dup(&p->u.l->l_v[1]);
			if (td_set(r, d, &k, &v) != 0) {
				tv_drop(r, &pairs);
				return r->r_rc;
			}
		}
		tv_drop(r, &pairs);
	}
	return 0;
}

static int
fn_strftime(struct trender *r, struct targs *a, struct tval *out)
{
	struct tm	 tm;
	char		 buf[1024];
	size_t		 n;

	tv_undef(out, NULL, 0);
	if (a->a_n != 1 || a->a_kw[0] != NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "TypeError: strftime_now() takes one argument");
	if (arg_str(r, "strftime_now", &a->a_v[0], 0) != 0)
		return r->r_rc;
	if (a->a_v[0].u.s->s_len > 256 ||
	    memchr(a->a_v[0].u.s->s_p, '\0', a->a_v[0].u.s->s_len) != NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: bad strftime format");
	if (gmtime_r(&r->r_now, &tm) == NULL)
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "ValueError: time out of range");
	/* The format is NUL-terminated: every str value is. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, sizeof(buf), a->a_v[0].u.s->s_p, &tm);
#pragma GCC diagnostic pop
	return tv_newstr(r, buf, n, 0, out);
}

static int
fn_call(struct trender *r, const struct tval *fv, struct targs *a,
    struct tval *out)
{
	struct tval	msg;

	tv_undef(out, NULL, 0);
	switch (fv->u.i) {
	case FN_RANGE:
		return fn_range(r, a, out);
	case FN_DICT:
		return fn_dict(r, a, TV_DICT, out);
	case FN_NAMESPACE:
		return fn_dict(r, a, TV_NS, out);
	case FN_STRFTIME:
		return fn_strftime(r, a, out);
	case FN_RAISE:
		if (a->a_n == 0)
			return rn_fail(r, TMPL_ERR_RAISED, "%s",
			    "raise_exception() called");
		if (tv_tostr(r, &a->a_v[0], &msg) != 0)
			return r->r_rc;
		rn_fail(r, TMPL_ERR_RAISED, "%.*s",
		    (int)(msg.u.s->s_len > TMPL_ERRLEN ? TMPL_ERRLEN :
		    msg.u.s->s_len), msg.u.s->s_p);
		tv_drop(r, &msg);
		return r->r_rc;
	default:
		return rn_fail(r, PWR_ERR_INVALID_FORMAT,
		    "'%s' is not supported", tm_fixed_names[fv->v_owner]);
	}
}

/*
 * The context: a JSON object whose members become the template's
 * variables.  Strings are not copied; they point into ctx, which
 * outlives the render.
 */
static int
cv_json(struct trender *r, const json_t *j, struct tval *out,
    unsigned int depth)
{
	struct tdict	*d;
	struct tlist	*l;
	struct tval	 k, v;
	const char	*key;
	json_t		*jv;
	size_t		 i;

	tv_undef(out, NULL, 0);
	if (depth > TMPL_MAX_DATA_DEPTH)
		return rn_fail(r, TMPL_ERR_LIMIT,
		    "context nested more than %u deep", TMPL_MAX_DATA_DEPTH);
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if ((d = td_new(r, TV_DICT)) == NULL)
			return r->r_rc;
		tv_setdict(out, d);
		json_object_foreach((json_t *)j, key, jv) {
			if (tv_borrowstr(r, key, strlen(key), &k) != 0)
				return r->r_rc;
			if (cv_json(r, jv, &v, depth + 1) != 0) {
				tv_drop(r, &k);
				return r->r_rc;
			}
			if (td_set(r, d, &k, &v) != 0)
				return r->r_rc;
		}
		return 0;
	case JSON_ARRAY:
		if ((l = tl_new(r, json_array_size(j))) == NULL)
			return r->r_rc;
		tv_setlist(out, l, 0);
		for (i = 0; i < json_array_size(j); i++)
			if (cv_json(r, json_array_get(j, i), &v,
			    depth + 1) != 0 || tl_push(r, l, &v) != 0)
				return r->r_rc;
		return 0;
	case JSON_STRING:
		return tv_borrowstr(r, json_string_value(j),
		    json_string_length(j), out);
	case JSON_INTEGER:
		tv_int(out, (int64_t)json_integer_value(j));
		return 0;
	case JSON_REAL:
		tv_float(out, json_real_value(j));
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		tv_bool(out, json_is_true(j));
		return 0;
	default:
		tv_none(out);
		return 0;
	}
}

/*
 * The API.
 */

int
tmpl_render(const struct tmpl *t, const struct json_t *ctx, time_t now,
    char **out, size_t *outlen, char *err, size_t errlen)
{
	struct trender	 r;
	struct tframe	*root;
	struct tbuf	 buf;
	int		 rc;

	*out = NULL;
	*outlen = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (t == NULL)
		return pwr_errf(err, errlen, PWR_ERR_INTERNAL, "no template");
	if (ctx != NULL && !json_is_object(ctx))
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "the context is not a JSON object");
	memset(&r, 0, sizeof(r));
	r.r_t = t;
	r.r_heap.ob_next = r.r_heap.ob_prev = &r.r_heap;
	r.r_now = now;
	r.r_err = err;
	r.r_errlen = errlen;
	memset(&buf, 0, sizeof(buf));
	r.r_out = &buf;
	rc = 0;
	if (ctx != NULL)
		rc = cv_json(&r, ctx, &r.r_ctx, 0);
	if (rc == 0 && (root = fr_new(&r, NULL)) != NULL) {
		rc = ex_body(&r, root, t->t_root);
		ob_release(&r, &root->f_ob);
	} else if (rc == 0)
		rc = r.r_rc;
	if (rc > 0)
		rc = rn_fail(&r, PWR_ERR_INTERNAL, "loop control outside loop");
	/* An error noted where no caller looked still fails the render. */
	if (rc == 0)
		rc = r.r_rc;
	if (rc == 0) {
		if ((*out = malloc(buf.b_len + 1)) == NULL)
			rc = pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
			    "out of memory");
		else {
			if (buf.b_len > 0)
				memcpy(*out, buf.b_p, buf.b_len);
			(*out)[buf.b_len] = '\0';
			*outlen = buf.b_len;
		}
	}
	tb_free(&r, &buf);
	tv_drop(&r, &r.r_ctx);
	rn_sweep(&r);
	return rc;
}

void
tmpl_free(struct tmpl *t)
{
	struct tchunk	*c, *next;

	if (t == NULL)
		return;
	for (c = t->t_chunks; c != NULL; c = next) {
		next = c->ch_next;
		free(c);
	}
	free(t->t_names);
	free(t->t_src);
	free(t);
}

int
tmpl_parse(const char *src, size_t len, struct tmpl **tp, char *err,
    size_t errlen)
{
	struct tparse	 p;
	struct tmpl	*t;
	size_t		 i, o;
	int		 k;

	*tp = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (src == NULL && len > 0)
		return pwr_errf(err, errlen, PWR_ERR_INTERNAL, "no source");
	if (len > TMPL_MAX_SOURCE)
		return pwr_errf(err, errlen, TMPL_ERR_LIMIT,
		    "template longer than %u bytes", TMPL_MAX_SOURCE);
	if (!utf8_valid(src, len))
		return pwr_errf(err, errlen, PWR_ERR_INVALID_FORMAT,
		    "template is not UTF-8");
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->t_src = malloc(len + 1)) == NULL) {
		free(t);
		return pwr_errf(err, errlen, PWR_ERR_ALLOC_FAIL,
		    "out of memory");
	}
	/* Newlines as Jinja sees them; one trailing newline dropped. */
	for (i = 0, o = 0; i < len; i++) {
		if (src[i] == '\r') {
			t->t_src[o++] = '\n';
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
		} else
			t->t_src[o++] = src[i];
	}
	if (o > 0 && t->t_src[o - 1] == '\n')
		o--;
	t->t_src[o] = '\0';
	t->t_srclen = o;

	memset(&p, 0, sizeof(p));
	p.p_t = t;
	p.p_err = err;
	p.p_errlen = errlen;
	p.p_lx.lx_s = t->t_src;
	p.p_lx.lx_n = t->t_srclen;
	p.p_lx.lx_line = 1;
	p.p_lx.lx_state = LX_ROOT;
	p.p_lx.lx_bol = 1;
	for (k = 0; k < NM_NFIXED && p.p_rc == 0; k++)
		(void)ps_intern(&p, tm_fixed_names[k],
		    strlen(tm_fixed_names[k]));
	if (p.p_rc == 0 && ps_advance(&p) == 0)
		t->t_root = ps_subparse(&p, NULL);
	free(p.p_hash);
	if (p.p_rc != 0) {
		tmpl_free(t);
		return p.p_rc;
	}
	*tp = t;
	return 0;
}
