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

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "log.h"
#include "tests.h"

/*
 * The unit test runner: every module's suite, run in CUnit's basic mode
 * so its run summary is the last thing printed.
 */

static int (*const suites[])(void) = {
	buf_suite,
	utf8_suite,
	hex_suite,
	proto_suite,
	config_suite,
	log_suite,
	sandbox_suite,
	gguf_suite,
	quant_suite,
	tokenizer_suite,
	qdot_suite,
	sampler_suite,
	model_suite,
	template_suite,
	request_suite,
	evidence_suite,
	snp_suite,
	tdx_suite,
	seal_suite,
	ratls_suite,
};

const char *
tests_datadir(void)
{
	const char	*dir;

	if ((dir = getenv("top_srcdir")) == NULL)
		dir = ".";
	return dir;
}

/*
 * The file dir/rel under tests_datadir(), NUL-terminated, if it is there
 * and smaller than max bytes; else NULL.
 */
u_char *
tests_slurp(const char *dir, const char *rel, size_t max, size_t *lenp)
{
	struct stat	 st;
	u_char		*b = NULL;
	char		 path[1024];
	int		 fd, n;

	*lenp = 0;
	n = snprintf(path, sizeof(path), "%s/%s%s", tests_datadir(), dir,
	    rel);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &st) == 0 && (uintmax_t)st.st_size < max &&
	    (b = calloc(1, (size_t)st.st_size + 1)) != NULL) {
		if (read(fd, b, (size_t)st.st_size) != st.st_size) {
			free(b);
			b = NULL;
		} else
			*lenp = (size_t)st.st_size;
	}
	close(fd);
	return b;
}

int
main(void)
{
	size_t		 i;
	unsigned int	 failed;

	log_init(1, LOG_LEVEL_QUIET, 0);
	log_procinit("unit");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i]() != 0) {
			fprintf(stderr, "suite %zu: %s\n", i, CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
	    CU_get_number_of_suites_failed() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
