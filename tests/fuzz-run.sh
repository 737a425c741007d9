#!/bin/sh
# fuzz-run.sh: short libFuzzer runs of every parser's fuzzer (built with
# --enable-fuzzing), starting from the seed corpora in tests/fuzz/corpus.
# Each runs FUZZ_SECONDS (default 20) on a scratch copy of its corpus.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
secs=${FUZZ_SECONDS:-20}
work=$(mktemp -d /tmp/power-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for name in frame config gguf tokenizer template request inferdoc \
    snp tdx enc ratls verify hashcache; do
	bin=$top_builddir/tests/fuzz/fuzz-$name
	[ -x "$bin" ] || { echo "FAIL: fuzz-$name not built"; exit 1; }
	mkdir -p "$work/$name"
	cp "$top_srcdir/tests/fuzz/corpus/$name"/* "$work/$name/" 2>/dev/null
	if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" \
	    -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/" "$work/$name" </dev/null \
	    >"$work/$name.log" 2>&1; then
		echo "PASS: fuzz-$name: $(grep -o 'Done [0-9]* runs.*' \
		    "$work/$name.log")"
	else
		echo "FAIL: fuzz-$name"
		tail -n 40 "$work/$name.log"
		status=1
	fi
done
exit $status
