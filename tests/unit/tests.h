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

#ifndef POWER_TESTS_H
#define POWER_TESTS_H

/*
 * Unit tests: each tests/unit/test_<module>.c exports <module>_suite(),
 * which adds one CUnit suite and returns 0, or -1 if CUnit failed.
 */

int	buf_suite(void);
int	config_suite(void);
int	evidence_suite(void);
int	gguf_suite(void);
int	hex_suite(void);
int	log_suite(void);
int	model_suite(void);
int	proto_suite(void);
int	qdot_suite(void);
int	quant_suite(void);
int	ratls_suite(void);
int	request_suite(void);
int	sampler_suite(void);
int	sandbox_suite(void);
int	seal_suite(void);
int	snp_suite(void);
int	tdx_suite(void);
int	template_suite(void);
int	tokenizer_suite(void);
int	utf8_suite(void);

/* Directory holding tests/data (the source tree's). */
const char *tests_datadir(void);
/* A file under tests_datadir()/dir, NUL-terminated; NULL if over max. */
u_char	*tests_slurp(const char *dir, const char *rel, size_t max,
	    size_t *);

#endif /* POWER_TESTS_H */
