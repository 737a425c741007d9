#!/bin/sh
# power-mkmodel writes GGUF files our reader accepts, for both
# architectures in every tensor type, with llama.cpp's names, shapes
# and fallback types; the same seed gives the same bytes, and --vocab
# copies a vocabulary verbatim.  No daemon is started.
tid="mkmodel"
. "$(dirname "$0")/test-exec.sh"

MK=$top_builddir/tests/tools/power-mkmodel
RUN=$top_builddir/power-run/power-run
VOCAB=$top_srcdir/models/stories260K.gguf
TYPES="F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K"
TINY_HEADS="heads 4 kv_heads 2 head_dim 64"
[ -x "$MK" ] || fail "$MK not built"

# ftype TYPE: general.file_type as llama-quantize sets it.
ftype() {
	case $1 in
	F32) echo 0 ;; F16) echo 1 ;; Q4_0) echo 2 ;; Q4_1) echo 3 ;;
	Q8_0) echo 7 ;; Q5_0) echo 8 ;; Q5_1) echo 9 ;; Q4_K) echo 15 ;;
	Q5_K) echo 17 ;; Q6_K) echo 18 ;; BF16) echo 32 ;;
	esac
}

# mk FILE ARGS...: write FILE, or fail.
mk() {
	f=$1
	shift
	"$MK" -o "$f" "$@" 2>"$OBJ/mk.err" ||
	    fail "power-mkmodel $*: $(cat "$OBJ/mk.err")"
}

# check FILE: --check says ok; its output is in $OBJ/check for has.
check() {
	CUR=$1
	"$MK" --check "$1" >"$OBJ/check" 2>"$OBJ/check.err" ||
	    fail "--check $1: $(cat "$OBJ/check.err")"
	grep -qx ok "$OBJ/check" || fail "--check $1 did not say ok"
}

# has LINE / hasnt PATTERN: about the last check.
has() {
	grep -qxF "$1" "$OBJ/check" || fail "$CUR: no line '$1'"
}
hasnt() {
	grep -q "$1" "$OBJ/check" && fail "$CUR: has '$1'"
	return 0
}

# Both archs, every type, one layer of the tiny shape.
for a in llama qwen2; do
	for t in $TYPES; do
		m=$OBJ/$a-$t.gguf
		mk "$m" -a "$a" -t "$t" -l 1 -s 7
		check "$m"
		has "arch $a"
		has "version 3"
		has "alignment 32"
		has "file_type $(ftype "$t")"
		has "meta general.architecture $a"
		has "shape embd 256 ff 512 layers 1 $TINY_HEADS vocab 512"
		has "tensor token_embd.weight $t 256x512"
		has "tensor blk.0.attn_q.weight $t 256x256"
		has "tensor blk.0.attn_k.weight $t 256x128"
		has "tensor blk.0.attn_output.weight $t 256x256"
		has "tensor blk.0.ffn_down.weight $t 512x256"
		has "tensor blk.0.attn_norm.weight F32 256"
		has "tensor output_norm.weight F32 256"
		if [ "$a" = llama ]; then
			has "tensors 12"
			has "tensor output.weight $t 256x512"
			hasnt "\.bias "
			has "meta llama.rope.freq_base 10000"
			has "meta llama.attention.layer_norm_rms_epsilon 1e-05"
			n1=3
			n2=9
		else
			has "tensors 14"
			hasnt "^tensor output\.weight"
			has "tensor blk.0.attn_q.bias F32 256"
			has "tensor blk.0.attn_k.bias F32 128"
			has "tensor blk.0.attn_v.bias F32 128"
			has "meta qwen2.rope.freq_base 1e+06"
			has "meta qwen2.attention.layer_norm_rms_epsilon 1e-06"
			n1=6
			n2=8
		fi
		if [ "$t" = F32 ]; then
			has "types F32=$((n1 + n2))"
		else
			has "types F32=$n1 $t=$n2"
		fi
	done
done

# The synthetic SentencePiece vocabulary.
check "$OBJ/llama-F32.gguf"
has "tokens 512"
has "meta tokenizer.ggml.model llama"
has "meta tokenizer.ggml.tokens [string x 512]"
has "meta tokenizer.ggml.scores [float32 x 512]"
has "meta tokenizer.ggml.token_type [int32 x 512]"
has "meta tokenizer.ggml.bos_token_id 1"
has "meta tokenizer.ggml.eos_token_id 2"
mk "$OBJ/v1000.gguf" -l 1 --vocab-size 1000
check "$OBJ/v1000.gguf"
has "tokens 1000"
has "tensor token_embd.weight F32 256x1000"

# Same seed, same bytes; another seed, other bytes; metadata alike.
mk "$OBJ/again.gguf" -a qwen2 -t Q4_K -l 1 -s 7
cmp -s "$OBJ/qwen2-Q4_K.gguf" "$OBJ/again.gguf" ||
    fail "seed 7 twice gave different files"
mk "$OBJ/other.gguf" -a qwen2 -t Q4_K -l 1 -s 8
cmp -s "$OBJ/qwen2-Q4_K.gguf" "$OBJ/other.gguf" &&
    fail "seeds 7 and 8 gave the same file"
[ "$(wc -c <"$OBJ/other.gguf")" = "$(wc -c <"$OBJ/again.gguf")" ] ||
    fail "seeds 7 and 8 gave files of different sizes"

# --vocab copies every tokenizer.* pair verbatim.
check "$VOCAB"
want=$(grep '^tokenizer_hash ' "$OBJ/check")
mk "$OBJ/vocab.gguf" -a qwen2 -t Q8_0 -l 1 --vocab "$VOCAB"
check "$OBJ/vocab.gguf"
has "$want"
has "tokens 512"
has "meta tokenizer.ggml.padding_token_id 4294967295"
has "tensor token_embd.weight Q8_0 256x512"

# Rows that are not whole blocks fall back as llama-quantize does:
# K-quants to Q5_0, Q5_1 or Q8_0, and then to F16.
for p in Q4_K:Q5_0 Q5_K:Q5_1 Q6_K:Q8_0; do
	t=${p%%:*}
	fb=${p#*:}
	mk "$OBJ/fb.gguf" -a qwen2 -t "$t" -e 384 -H 6 -K 2 -f 512 -l 1
	check "$OBJ/fb.gguf"
	has "tensor blk.0.attn_q.weight $fb 384x384"
	has "tensor blk.0.ffn_down.weight $t 512x384"
	has "types F32=6 $fb=7 $t=1"
done
mk "$OBJ/fb.gguf" -t Q8_0 -e 80 -H 2 -K 1 -f 96 -l 1
check "$OBJ/fb.gguf"
has "tensor blk.0.attn_q.weight F16 80x80"
has "tensor blk.0.ffn_down.weight Q8_0 96x80"
mk "$OBJ/hd.gguf" -e 256 -H 4 -K 2 -D 32 -l 1
check "$OBJ/hd.gguf"
has "meta llama.attention.key_length 32"
has "meta llama.rope.dimension_count 32"
has "tensor blk.0.attn_q.weight F32 256x128"
has "tensor blk.0.attn_output.weight F32 128x256"

# The presets' shapes, one layer and a small vocabulary to stay quick.
mk "$OBJ/q05.gguf" -p qwen2.5-0.5b -l 1 -t Q4_K --vocab "$VOCAB"
check "$OBJ/q05.gguf"
has "shape embd 896 ff 4864 layers 1 heads 14 kv_heads 2 head_dim 64 vocab 512"
has "meta qwen2.context_length 32768"
has "tensor blk.0.attn_k.weight Q5_0 896x128"
has "tensor blk.0.ffn_down.weight Q4_K 4864x896"
hasnt "^tensor output\.weight"
mk "$OBJ/tl.gguf" -p tinyllama-1.1b -l 1 -t F16 --vocab "$VOCAB"
check "$OBJ/tl.gguf"
has "shape embd 2048 ff 5632 layers 1 heads 32 kv_heads 4 head_dim 64 vocab 512"
has "meta llama.context_length 2048"
has "tensor blk.0.attn_v.weight F16 2048x256"
has "tensor output.weight F16 2048x512"

# Bad options are refused and leave nothing behind.
rm -f "$OBJ/bad.gguf"
for args in "-t Q3_K" "-a gpt2" "-e 0" "-e 100 -H 3" "-H 4 -K 3" \
    "-D 63" "-p huge" "-s -1" "-l 2000" "--vocab-size 258" \
    "--vocab $VOCAB --vocab-size 600" "--vocab $top_srcdir/README.md"; do
	# shellcheck disable=SC2086
	if "$MK" -o "$OBJ/bad.gguf" $args 2>"$OBJ/mk.err"; then
		fail "accepted: $args"
	fi
	[ -s "$OBJ/mk.err" ] || fail "no message for: $args"
done
for f in "$OBJ"/bad.gguf*; do
	[ -e "$f" ] && fail "a refused run left $f"
done
"$MK" --check "$top_srcdir/README.md" >/dev/null 2>&1 &&
    fail "--check accepted a text file"

# Q4_K_M as llama-quantize mixes it: attn_v and ffn_down in Q6_K in the
# first and last eighth of the layers and every third between (16
# layers: 0 1 4 7 10 13 14 15), the classifier in Q6_K, the rest Q4_K.
"$MK" -p tiny -l 16 -t Q4_K_M -o "$OBJ/mix.gguf" ||
    fail "Q4_K_M model not written"
"$MK" --check "$OBJ/mix.gguf" >"$OBJ/mix.out" || fail "Q4_K_M check failed"
grep -q '^file_type 15$' "$OBJ/mix.out" || fail "Q4_K_M file type"
for l in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	case $l in 0|1|4|7|10|13|14|15) want=Q6_K ;; *) want=Q4_K ;; esac
	for tn in attn_v ffn_down; do
		grep -q "^tensor blk\.$l\.$tn\.weight $want " "$OBJ/mix.out" ||
		    fail "Q4_K_M: blk.$l.$tn is not $want"
	done
	grep -q "^tensor blk\.$l\.attn_q\.weight Q4_K " "$OBJ/mix.out" ||
	    fail "Q4_K_M: blk.$l.attn_q is not Q4_K"
done
grep -q '^tensor output\.weight Q6_K ' "$OBJ/mix.out" ||
    fail "Q4_K_M: output.weight is not Q6_K"

# If power-run is built and runs the bundled model, it must run ours.
if [ -x "$RUN" ] && "$RUN" -m "$VOCAB" -p "Once" -n 4 --temp 0 \
    >/dev/null 2>&1; then
	for a in llama qwen2; do
		out=$("$RUN" -m "$OBJ/$a-Q8_0.gguf" -p "the cat" -n 8 \
		    --temp 0 2>"$OBJ/run.err") ||
		    fail "power-run on $a-Q8_0: $(cat "$OBJ/run.err")"
		# It echoes the prompt; eight tokens must add to it.
		[ ${#out} -gt 7 ] ||
		    fail "power-run on $a-Q8_0 printed only '$out'"
	done
else
	echo "mkmodel: power-run not usable; generation not tried"
fi
pass
