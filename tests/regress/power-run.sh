#!/bin/sh
# power-run on the bundled model: greedy generation from BOS alone is
# llama2.c's reference story byte for byte; the same seed gives the same
# text; speeds are reported; bad files and options give one-line errors.
tid="power-run"
. "$(dirname "$0")/test-exec.sh"

RUN=$top_builddir/power-run/power-run
MODEL=$top_srcdir/models/stories260K.gguf
WANT=$top_srcdir/tests/data/golden/stories260K/expected_greedy_200steps.txt

# llama2.c's 200 steps: 200 positions from BOS, each yielding a token.
# power-run ends the text with a newline; the reference has none.
for kv in f32 f16; do
	"$RUN" -m "$MODEL" -n 200 --temp 0 --kv-type $kv \
	    >"$OBJ/out" 2>"$OBJ/err" || fail "power-run: $(cat "$OBJ/err")"
	printf '\n' | cat "$WANT" - | cmp -s - "$OBJ/out" ||
	    fail "greedy story differs ($kv KV): $(head -c 200 "$OBJ/out")"
done
# Two threads, small prompt batches and layer streaming change nothing,
# with the SIMD kernels and with the scalar ones.
for env in "" "POWER_NO_SIMD=1"; do
	for opts in "-t 2" "-t 2 --stream -b 3" "--stream"; do
		env $env "$RUN" -m "$MODEL" -p "Once upon a time" -n 60 \
		    --temp 0 --kv-type f32 $opts >"$OBJ/alt" 2>"$OBJ/alt.err" ||
		    fail "power-run $opts: $(cat "$OBJ/alt.err")"
		env $env "$RUN" -m "$MODEL" -p "Once upon a time" -n 60 \
		    --temp 0 --kv-type f32 >"$OBJ/one" 2>/dev/null ||
		    fail "power-run failed"
		cmp -s "$OBJ/one" "$OBJ/alt" ||
		    fail "$env power-run $opts differs: $(cat "$OBJ/alt")"
	done
done

grep -q '^power-run: prompt: 1 tokens in .* tokens/s$' "$OBJ/err" ||
    fail "no prompt speed: $(cat "$OBJ/err")"
grep -q '^power-run: generation: 200 tokens in .* tokens/s$' "$OBJ/err" ||
    fail "no generation speed: $(cat "$OBJ/err")"

# A prompt is echoed and continued.
"$RUN" -m "$MODEL" -p "Once upon a time" -n 20 --temp 0 >"$OBJ/out" \
    2>/dev/null || fail "prompt run failed"
head -c 16 "$OBJ/out" | grep -q '^Once upon a time$' ||
    fail "prompt not echoed: $(cat "$OBJ/out")"

# Seeded sampling is reproducible and the seed matters.
"$RUN" -m "$MODEL" -n 40 --temp 1 --seed 42 >"$OBJ/a" 2>/dev/null &&
"$RUN" -m "$MODEL" -n 40 --temp 1 --seed 42 >"$OBJ/b" 2>/dev/null &&
"$RUN" -m "$MODEL" -n 40 --temp 1 --seed 43 >"$OBJ/c" 2>/dev/null ||
    fail "seeded runs failed"
cmp -s "$OBJ/a" "$OBJ/b" || fail "same seed, different text"
cmp -s "$OBJ/a" "$OBJ/c" && fail "different seeds, same text"

# Context limit: 8 positions hold BOS and 7 tokens; the 8th is sampled
# from the last position and generation stops.
"$RUN" -m "$MODEL" -c 8 -n 100 --temp 0 >/dev/null 2>"$OBJ/err" ||
    fail "-c 8 failed: $(cat "$OBJ/err")"
grep -q 'generation: 8 tokens' "$OBJ/err" || fail "-c 8: $(cat "$OBJ/err")"

# Bad input: one line naming the problem, non-zero exit.
oneline() {
	if "$RUN" "$@" >/dev/null 2>"$OBJ/err"; then
		fail "accepted: $*"
	fi
	[ "$(wc -l < "$OBJ/err")" -eq 1 ] || fail "not one line: $(cat "$OBJ/err")"
}
oneline -m "$OBJ/missing.gguf"
grep -q 'missing.gguf' "$OBJ/err" || fail "missing file: $(cat "$OBJ/err")"
head -c 5000 "$MODEL" > "$OBJ/cut.gguf"
oneline -m "$OBJ/cut.gguf"
grep -q 'cut.gguf: ' "$OBJ/err" || fail "truncated: $(cat "$OBJ/err")"
sed 's/llama/gemma/g' "$MODEL" > "$OBJ/gemma.gguf"
oneline -m "$OBJ/gemma.gguf"
grep -q 'unsupported architecture "gemma"' "$OBJ/err" ||
    fail "arch: $(cat "$OBJ/err")"
printf 'not a model at all' > "$OBJ/junk.gguf"
oneline -m "$OBJ/junk.gguf"
oneline -m "$MODEL" --temp -1
oneline -m "$MODEL" --kv-type q8
pass
