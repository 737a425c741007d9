#!/bin/sh
# inferd binds the bundled model (weights, tokenizer, kernel self-test)
# and prepares its context under the sandbox: ContextLength and
# KVCacheMemory bound the context, and a model that cannot run (here,
# another architecture) is refused with the reason in powerctl status
# while the family keeps serving the others; Threads and StreamLayers
# take effect under the seccomp filter.
tid="model-load"
. "$(dirname "$0")/test-exec.sh"

sed 's/llama/gemma/g' "$top_srcdir/models/stories260K.gguf" > "$OBJ/gemma.gguf"
chmod 0644 "$OBJ/gemma.gguf"
write_config <<EOF2
ContextLength 64
KVCacheType f32
Model gemma $OBJ/gemma.gguf
EOF2
start_family
out=$("$POWERCTL" -s "$CTL" status) || fail "powerctl status failed"
echo "$out" | grep -q 'stories260K: gguf v3, 48 tensors, 19 kv, arch llama, 1185376 bytes, 5 layers, 64 embd, 512 tokens, context 64' ||
    fail "status lacks the model facts: $out"
echo "$out" | grep -q 'gemma: refused: unsupported architecture "gemma"' ||
    fail "status lacks the refusal: $out"
http GET /health
echo "$BODY" | grep -q '"loaded_models":1' || fail "/health: $BODY"
stop_family
PORT=
: > "$LOG"

# 1 MiB of F32 cache holds 1048576 / (5 layers * 2 * 32 * 4) = 819.
write_config <<EOF2
KVCacheMemory 1
KVCacheType f32
EOF2
start_family
out=$("$POWERCTL" -s "$CTL" status) || fail "powerctl status failed"
echo "$out" | grep -q 'context 819' || fail "budget not applied: $out"
stop_family
PORT=
: > "$LOG"

# Two kernel threads and layer streaming under the seccomp filter: the
# warm-up pass at load runs the pool (clone, futex) and madvise.
write_config <<EOF2
Threads 2
StreamLayers yes
LogLevel DEBUG
EOF2
start_family
out=$("$POWERCTL" -s "$CTL" status) || fail "powerctl status failed"
echo "$out" | grep -q 'context 2048, 2 threads, [a-z0-9]* kernels, streaming layers' ||
    fail "threads/streaming not applied: $out"
grep -q 'warm-up pass in' "$LOG" || fail "no warm-up pass: $(cat "$LOG")"
grep -q 'warm-up:' "$LOG" && fail "warm-up failed: $(cat "$LOG")"
pass
