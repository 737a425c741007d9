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
#include <sys/resource.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "sandbox.h"
#include "inferd/inferd.h"

/*
 * inferd's check of the documents the network child sends
 * (infer_doc_check): the first byte picks the op, the rest is the
 * JSON.  A document it accepts must have what inferd then reads
 * without checking again.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t	 jerr;
	json_t		*doc, *v;
	char		 why[256];
	uint32_t	 op;

	if (size < 1)
		return 0;
	op = data[0] % 7;		/* 0 and 6 are not ops */
	if ((doc = json_loadb((const char *)data + 1, size - 1,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr)) == NULL)
		return 0;
	if (infer_doc_check(op, doc, why, sizeof(why)) == 0) {
		if (op < INFER_OP_GENERATE || op > INFER_OP_MODELS)
			abort();
		if (op != INFER_OP_MODELS &&
		    !json_is_string(json_object_get(doc, "model")))
			abort();
		if (op == INFER_OP_GENERATE &&
		    (v = json_object_get(doc, "n")) != NULL &&
		    (json_integer_value(v) < 1 ||
		    json_integer_value(v) > INFER_MAX_CHOICES))
			abort();
	} else if (why[0] == '\0')
		abort();
	json_decref(doc);
	return 0;
}
