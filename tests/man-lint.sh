#!/bin/sh
#
# Copyright (c) 2026 The power authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# man-lint.sh: run "mandoc -Tlint" over every manual page in man/ and
# fail on any message it prints.  make check sets MANDOC (empty when
# configure found no mandoc, and then the test is skipped) and
# top_srcdir.  All pages are linted in one run so that cross references
# between them resolve.
#
# Two kinds of message depend on the manuals installed on the build host,
# not on our pages, and are ignored: the state of mandoc.db, and
# "referenced manual not found" for pages that are not ours (syslog(3)
# and the like).  A reference to one of our own pages (the daemons and
# anything named power*) that does not resolve is kept: it is a typo or
# a missing page.

if [ -z "${MANDOC:-}" ]; then
	echo "man-lint: MANDOC is not set (configure found no mandoc): skipped"
	exit 77
fi
if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/.." && pwd) || exit 1
fi
cd "$top_srcdir/man" || exit 1

set -- *.[1-8]
if [ ! -f "$1" ]; then
	echo "man-lint: no manual pages in $top_srcdir/man"
	exit 1
fi

out=$("$MANDOC" -Tlint "$@" 2>&1)
rc=$?
# 0-4: no message up to an unsupported feature; 5 and above: mandoc
# itself failed (bad argument, system error), whatever it printed.
if [ "$rc" -ge 5 ]; then
	printf '%s\n' "$out"
	echo "man-lint: $MANDOC failed with status $rc"
	exit 1
fi

msgs=$(printf '%s\n' "$out" | awk '
	/mandoc\.db/ { next }
	/referenced manual not found: Xr / {
		name = $0
		sub(/.*referenced manual not found: Xr /, "", name)
		sub(/ .*/, "", name)
		if (name !~ /^(frontd|inferd|attestd|keyd|power.*)$/)
			next
	}
	NF > 0 { print }')

echo "man-lint: $MANDOC -Tlint $*"
if [ -n "$msgs" ]; then
	printf '%s\n' "$msgs"
	echo "man-lint: FAIL"
	exit 1
fi
echo "man-lint: clean"
exit 0
