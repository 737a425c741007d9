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

# conf-doc.sh: check that man/power.conf.5 and etc/power.conf follow the
# keyword table in common/conf.h, as printed by "frontd -K" (one line per
# keyword: name, type, default or "none", range, processes; tab
# separated).
#
# - every keyword has a ".It Cm Keyword" entry in the man page, and the
#   man page has no ".It Cm" entry for a keyword the table lacks;
# - every keyword but Include has a "#Keyword " line in etc/power.conf,
#   followed by its default when it has one.  A path default depends on
#   the configure prefix (LibexecDir): there the file may name another
#   directory as long as the last component is the same.
#
# make check sets top_builddir and top_srcdir.  Prints what is wrong and
# exits 1, or prints nothing and exits 0.

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/.." && pwd) || exit 1
fi
: "${top_builddir:=$top_srcdir}"

frontd="$top_builddir/frontd/frontd"
man="$top_srcdir/man/power.conf.5"
conf="$top_srcdir/etc/power.conf"
tab=$(printf '\t')
bad=0

for f in "$man" "$conf"; do
	if [ ! -r "$f" ]; then
		echo "conf-doc: cannot read $f"
		exit 1
	fi
done
if ! table=$("$frontd" -K); then
	echo "conf-doc: $frontd -K failed"
	exit 1
fi
if [ -z "$table" ]; then
	echo "conf-doc: $frontd -K printed nothing"
	exit 1
fi

# The keyword names of the man page's .It Cm entries, one per line:
# those of outer lists only, since a keyword's own list of choices
# (TEE) may use .It Cm too.
manwords=$(awk '
	/^\.Bl/ { depth++; next }
	/^\.El/ { depth--; next }
	depth == 1 && $1 == ".It" && $2 == "Cm" { print $3 }' "$man")

while IFS="$tab" read -r kw type def range procs; do
	[ -n "$kw" ] || continue
	if ! printf '%s\n' "$manwords" | grep -qx "$kw"; then
		echo "conf-doc: $man: no \".It Cm $kw\" entry"
		bad=1
	fi
	[ "$type" = include ] && continue
	line=$(grep "^#$kw " "$conf" | head -n 1)
	if [ -z "$line" ]; then
		echo "conf-doc: $conf: no \"#$kw \" line"
		bad=1
		continue
	fi
	[ "$def" = none ] && continue
	val=${line#"#$kw "}
	[ "$val" = "$def" ] && continue
	if [ "$type" = path ] && [ "${val#/}" != "$val" ] &&
	    [ "${val##*/}" = "${def##*/}" ]; then
		continue
	fi
	echo "conf-doc: $conf: \"$line\" but the default is \"$def\""
	bad=1
done <<END
$table
END

tablewords=$(printf '%s\n' "$table" | cut -f 1)
for w in $manwords; do
	if ! printf '%s\n' "$tablewords" | grep -qx "$w"; then
		echo "conf-doc: $man: \".It Cm $w\" is not a keyword"
		bad=1
	fi
done

exit $bad
