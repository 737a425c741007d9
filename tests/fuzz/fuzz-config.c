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
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

/*
 * libFuzzer target for the power.conf(5) parser: the input becomes the
 * contents of a memfd, which config_load() reads by its /proc/self/fd
 * path as it would read /etc/power/power.conf.  Then the defaults are
 * applied and the result dumped, as frontd -T does.  A relative Include
 * resolves against /proc/self/fd, so run the fuzzer with its standard
 * input on /dev/null.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 fuzz_fd = -1;
static FILE	*fuzz_null;
static char	 fuzz_path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config	*conf;
	char		 err[512];

	if (fuzz_fd == -1) {
		if ((fuzz_fd = memfd_create("fuzz-config", MFD_CLOEXEC)) == -1 ||
		    (fuzz_null = fopen("/dev/null", "w")) == NULL)
			abort();
		(void)snprintf(fuzz_path, sizeof(fuzz_path),
		    "/proc/self/fd/%d", fuzz_fd);
	}
	if (ftruncate(fuzz_fd, 0) == -1 ||
	    (len > 0 && pwrite(fuzz_fd, data, len, 0) != (ssize_t)len))
		abort();

	conf = config_new();
	(void)config_load(conf, fuzz_path, err, sizeof(err));
	config_defaults(conf);
	config_dump(conf, fuzz_null);
	config_free(conf);
	return 0;
}
