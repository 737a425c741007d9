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

#ifndef POWER_TEMPLATE_H
#define POWER_TEMPLATE_H

/*
 * Chat templates: an interpreter for the subset of Jinja2 that the
 * chat templates shipped in GGUF files (tokenizer.chat_template) use,
 * rendered the way Hugging Face's apply_chat_template configures
 * Jinja2: trim_blocks and lstrip_blocks on, loop controls, tojson as
 * Python's json.dumps(ensure_ascii=False), raise_exception() and
 * strftime_now() as globals.
 *
 * Templates and the values they are rendered with are untrusted input:
 * parsing and rendering are bounded (TMPL_MAX_*) and never abort; a
 * render needs less than 512 KiB of stack.  A parsed template is not
 * changed by rendering, so threads may render one template at once.
 * Library code: 0 or a negative PWR_ERR_*, err gets the reason.
 */

#define TMPL_MAX_SOURCE		(1U << 20)	/* template bytes */
#define TMPL_MAX_DEPTH		64		/* nesting: blocks, calls, exprs */
#define TMPL_MAX_OUTPUT		(16U << 20)	/* rendered bytes */
#define TMPL_MAX_STEPS		(1U << 24)	/* evaluation steps per render */
#define TMPL_MAX_MEMORY		(128U << 20)	/* bytes a render may hold */
#define TMPL_MAX_DATA_DEPTH	256		/* nesting of lists and dicts */
#define TMPL_ERRLEN		256

/*
 * Render failures the caller tells apart: the template itself called
 * raise_exception() (the conversation is not one the template accepts:
 * the client's fault), or a limit was hit.  Other runtime errors
 * (undefined method, type errors) give PWR_ERR_INVALID_FORMAT.
 */
#define TMPL_ERR_RAISED		(-100)
#define TMPL_ERR_LIMIT		(-101)

struct tmpl;
struct json_t;

/*
 * Parse a template.  A syntax error gives PWR_ERR_INVALID_FORMAT, a
 * template over a limit (size, nesting) TMPL_ERR_LIMIT; err starts
 * with "line N:".
 */
int	 tmpl_parse(const char *src, size_t len, struct tmpl **,
	    char *err, size_t errlen);
void	 tmpl_free(struct tmpl *);

/*
 * Render with the variables of ctx (a JSON object: messages, tools,
 * add_generation_prompt, bos_token, eos_token, ...); a key absent from
 * ctx is undefined in the template.  now is what strftime_now() formats
 * (seconds since the epoch, UTC).  On success *out is a NUL-terminated
 * malloc'd string of *outlen bytes; the caller frees it with
 * freezero(*out, *outlen + 1): it holds the conversation.  On failure
 * err says why; after TMPL_ERR_RAISED it is the template's own message,
 * which may quote the conversation (a role name, say): do not log it.
 * ctx must not change during the render (strings are not copied).
 */
int	 tmpl_render(const struct tmpl *, const struct json_t *ctx,
	    time_t now, char **out, size_t *outlen, char *err, size_t errlen);

/* The template used when a model has none: ChatML. */
extern const char	tmpl_chatml[];

#endif /* POWER_TEMPLATE_H */
