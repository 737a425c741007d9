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

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ratls.h"

/*
 * libFuzzer target for the RA-TLS parsers power-verify runs on what a
 * server sends: the input as a DER certificate (both extensions taken
 * out), and the same bytes as a CMW record and as the JSON extension.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ratls_cert	 rc;
	char			 media[RATLS_MAX_MEDIA];
	u_char			*raw;
	size_t			 rawlen;

	if (ratls_cert_parse(data, len, &rc) == 0) {
		if (rc.rc_json != NULL && ratls_json_report(rc.rc_json,
		    rc.rc_jsonlen, &raw, &rawlen) == 0)
			free(raw);
		ratls_cert_clear(&rc);
	}
	if (ratls_cmw_parse((const char *)data, len, media, sizeof(media),
	    &raw, &rawlen) == 0)
		free(raw);
	if (ratls_json_report((const char *)data, len, &raw, &rawlen) == 0)
		free(raw);
	return 0;
}
