#!/bin/sh
# power-bench on the bundled model: the markdown table has a row per
# test and thread count and the peak RSS; JSON and CSV carry the same
# rows; --stream, --breakdown and --bandwidth add what they promise;
# POWER_NO_SIMD=1 shows the scalar level; bad files and options give
# one-line errors.  Then tests/bench/compare on a tiny synthetic model
# without llama.cpp prints its tables.
tid="power-bench"
. "$(dirname "$0")/test-exec.sh"

BENCH=$top_builddir/power-bench/power-bench
MODEL=$top_srcdir/models/stories260K.gguf
COMPARE=$top_srcdir/tests/bench/compare

bench() {
	"$BENCH" -m "$MODEL" -r 2 "$@" >"$OBJ/out" 2>"$OBJ/err" ||
	    fail "power-bench $*: $(cat "$OBJ/err")"
}

# rows TEST: how many table rows are for TEST.
rows() {
	grep -c "^| stories260K.gguf .* | *$1 | " "$OBJ/out"
}

# Markdown: a pp and a tg row at each thread count, then the peak RSS.
bench -p 16 -n 8 -t 1,2
HEAD='^| model  *| *size *| *params *| *level *| *threads *| *stream *|'
grep -q "$HEAD *test *| *t/s *|\$" "$OBJ/out" ||
    fail "no table header: $(cat "$OBJ/out")"
[ "$(rows pp16)" = 2 ] || fail "not two pp16 rows: $(cat "$OBJ/out")"
[ "$(rows tg8)" = 2 ] || fail "not two tg8 rows: $(cat "$OBJ/out")"
grep -q '| *[0-9][0-9.]* ± [0-9][0-9.]* |$' "$OBJ/out" ||
    fail "no mean ± sd: $(cat "$OBJ/out")"
grep -q '^peak RSS: [0-9.]* MiB$' "$OBJ/out" ||
    fail "no peak RSS: $(cat "$OBJ/out")"
[ -s "$OBJ/err" ] && fail "stderr: $(cat "$OBJ/err")"

# -p 0 leaves the prompt test out, as in llama-bench.
bench -p 0 -n 4 -t 1
[ "$(rows tg4)" = 1 ] && ! grep -q ' pp' "$OBJ/out" ||
    fail "-p 0: $(cat "$OBJ/out")"

# JSON: an array of objects with the documented keys; CSV: a header
# and one line per test.
bench -p 16 -n 8 -t 1 -o json --breakdown --bandwidth
for k in model size_bytes n_params level n_threads stream test n_prompt \
    n_gen avg_ts stddev_ts samples_ts peak_rss_bytes decode_bytes \
    bandwidth_gbs bound_ts bound_pct breakdown attention_ms ffn_ms \
    output_ms sampling_ms other_ms; do
	grep -q "\"$k\": " "$OBJ/out" || fail "json: no $k: $(cat "$OBJ/out")"
done
if command -v python3 >/dev/null; then
	python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
assert [r["test"] for r in rows] == ["pp16", "tg8"], rows
assert all(r["avg_ts"] > 0 and len(r["samples_ts"]) == 2 for r in rows)
assert rows[1]["bound_ts"] > 0 and "bound_ts" not in rows[0]
' "$OBJ/out" || fail "json does not parse as expected: $(cat "$OBJ/out")"
fi
bench -p 16 -n 8 -t 1 -o csv
[ "$(wc -l < "$OBJ/out")" -eq 3 ] && head -n 1 "$OBJ/out" |
    grep -q '^model,.*,n_threads,.*,test,n_prompt,n_gen,avg_ts,stddev_ts,' ||
    fail "csv: $(cat "$OBJ/out")"

# --stream: the stream column and the limit line.
bench -p 16 -n 8 -t 1 --stream
grep -q '| yes  *| *pp16 |' "$OBJ/out" || fail "--stream: $(cat "$OBJ/out")"
grep -q '^stream: stories260K.gguf: largest unit .* MiB, KV cache .* limit ' \
    "$OBJ/out" || fail "--stream: no limit line: $(cat "$OBJ/out")"

# --breakdown: a second table naming the stages.
bench -p 16 -n 8 -t 1 --breakdown
for s in attention FFN output sampling other; do
	grep -q "^| model .*| *$s |" "$OBJ/out" ||
	    fail "--breakdown: no $s: $(cat "$OBJ/out")"
done

# The kernel level: the CPU's, or scalar when asked.
POWER_NO_SIMD=1 bench -p 8 -n 2 -t 1
grep -q '| scalar | ' "$OBJ/out" || fail "POWER_NO_SIMD: $(cat "$OBJ/out")"

# Bad input: one line naming the problem, exit status 1.
oneline() {
	"$BENCH" "$@" >/dev/null 2>"$OBJ/err"
	[ $? -eq 1 ] || fail "not exit 1: $*"
	[ "$(wc -l < "$OBJ/err")" -eq 1 ] ||
	    fail "not one line: $* : $(cat "$OBJ/err")"
	grep -q '^power-bench: ' "$OBJ/err" || fail "unnamed: $(cat "$OBJ/err")"
}
oneline -m "$OBJ/missing.gguf"
grep -q 'missing.gguf' "$OBJ/err" || fail "missing file: $(cat "$OBJ/err")"
head -c 5000 "$MODEL" > "$OBJ/cut.gguf"
oneline -m "$OBJ/cut.gguf"
grep -q 'cut.gguf: ' "$OBJ/err" || fail "truncated: $(cat "$OBJ/err")"
oneline -m "$MODEL" -t 0
oneline -m "$MODEL" -p 16,x
oneline -m "$MODEL" -o xml
oneline -m "$MODEL" --kv-type q8
oneline -m "$MODEL" -p 0 -n 0
oneline -m "$MODEL" -p 64 -c 32
"$BENCH" -m "$MODEL" --no-such-option >/dev/null 2>"$OBJ/err"
[ $? -eq 1 ] && grep -q '^usage: power-bench' "$OBJ/err" ||
    fail "bad option: $(cat "$OBJ/err")"
"$BENCH" >/dev/null 2>"$OBJ/err"
[ $? -eq 1 ] && grep -q '^usage: power-bench' "$OBJ/err" ||
    fail "no -m: $(cat "$OBJ/err")"

# compare without llama.cpp: our numbers, the bound and streaming.
LLAMA_BENCH= COMPARE_MODELS=tiny COMPARE_TYPES=Q8_0 COMPARE_REPS=1 \
    COMPARE_PROMPT=16 COMPARE_GEN=4 BENCH_DIR="$OBJ/models" \
    sh "$COMPARE" -B "$top_builddir" -t 1 >"$OBJ/out" 2>"$OBJ/err" ||
    fail "compare: $(cat "$OBJ/err")"
[ -s "$OBJ/models/tiny-Q8_0.gguf" ] || fail "compare wrote no model"
grep -q '^| tiny | Q8_0 | 1 | pp16 | [0-9.]* ± [0-9.]* |$' "$OBJ/out" ||
    fail "compare: no pp16 row: $(cat "$OBJ/out")"
grep -q '^| tiny | Q8_0 | 1 | tg4 | .* MiB | .* | >= 75% | ' "$OBJ/out" ||
    fail "compare: no bound row: $(cat "$OBJ/out")"
grep -q '^| tiny | Q8_0 | 1 | tg4 | .* MiB | .* MiB | ok | .* | >= 0.50 | ' \
    "$OBJ/out" || fail "compare: no streaming row: $(cat "$OBJ/out")"
grep -q 'llama.cpp' "$OBJ/out" && fail "compare: llama.cpp column unasked"
grep -q '^[0-9]* of [0-9]* checks met their target$' "$OBJ/out" ||
    fail "compare: no summary: $(cat "$OBJ/out")"
pass
