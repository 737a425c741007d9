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

#ifndef POWER_ATTESTD_H
#define POWER_ATTESTD_H

/* attestd: the only process that touches TEE devices. */

#define ATTEST_TYPE_MAX		16	/* bytes of a TEE type name */
#define ATTEST_DETAIL_MAX	256	/* bytes of a detail message */

struct config;

/* What TEE we are in and the open device that serves its evidence. */
struct attest_tee {
	char	at_type[ATTEST_TYPE_MAX];	/* sev-snp tdx tsm simulate none */
	int	at_available;		/* evidence can be produced */
	int	at_simulated;		/* not hardware evidence */
	int	at_fd;			/* device or configfs dir, or -1 */
	char	at_detail[ATTEST_DETAIL_MAX];
};

/* attest-tee.c */
void	attest_tee_detect(struct attest_tee *, const struct config *);

/* attest-filter.c */
extern const struct sandbox_rule	attest_filter[];
extern const size_t			attest_filter_len;

#endif /* POWER_ATTESTD_H */
