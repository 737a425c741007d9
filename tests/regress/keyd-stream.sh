#!/bin/sh
# StreamLayers with a sealed (.enc) model: keyd checks it whole once,
# then hands inferd one decrypted chunk at a time.  Greedy completions
# are byte for byte those of the same model served plain or from a
# whole memfd; inferd's resident memory stays well below the model
# (and below the whole-memfd case); no plaintext reaches a file; a
# killed keyd, between requests or in the middle of one, comes back and
# inferd goes on streaming from the new one.
tid="keyd-stream"
. "$(dirname "$0")/test-exec.sh"

SEAL=$top_builddir/power-seal/power-seal
MK=$top_builddir/tests/tools/power-mkmodel
VOCAB=$top_srcdir/models/stories260K.gguf
[ -x "$SEAL" ] || fail "$SEAL not built"
[ -x "$MK" ] || fail "$MK not built"
command -v sha256sum >/dev/null || skip "sha256sum not installed"

M=$OBJ/models
mkdir -p "$M"
chmod 0755 "$M"

# conf [lines on stdin]: the test config without the default model.
conf() {
	write_config
	grep -v '^Model stories260K ' "$CONF" >"$CONF.new" &&
	    mv "$CONF.new" "$CONF"
}

# complete MODEL: a greedy completion of 16 tokens; sets TEXT.
complete() {
	http POST /v1/completions -H 'Content-Type: application/json' \
	    -d "{\"model\":\"$1\",\"prompt\":\"Once upon a time\",\"max_tokens\":16,\"temperature\":0,\"seed\":7,\"ignore_eos\":true}"
	[ "$CODE" = 200 ] || fail "completion with $1: $CODE $BODY"
	TEXT=$(echo "$BODY" | sed -n 's/.*"text":"\([^"]*\)".*/\1/p')
	[ -n "$TEXT" ] || fail "completion with $1: no text: $BODY"
}

# rss NAME: VmRSS of that child in KiB.
rss() {
	p=$(pid_of "$1") || fail "no $1"
	sed -n 's/^VmRSS:[^0-9]*\([0-9]*\) kB/\1/p' /proc/"$p"/status
}

# 8 layers of about 4.4 MiB (Q8_0), its own seed so no other copy exists.
seed=$(( $$ * 7919 + $(date +%s) % 100000 ))
"$MK" -o "$OBJ/plain.gguf" -t Q8_0 -e 512 -f 2048 -l 8 -H 8 -K 8 \
    --vocab "$VOCAB" -s "$seed" 2>"$OBJ/mk.err" >/dev/null ||
    fail "power-mkmodel: $(cat "$OBJ/mk.err")"
PLAIN_SHA=$(sha256_hex "$OBJ/plain.gguf")
PLAIN_SIZE=$(wc -c <"$OBJ/plain.gguf" | tr -d ' ')
umask 077
"$SEAL" keygen "$OBJ/k1" >/dev/null || fail "keygen"
umask 022
cp "$OBJ/plain.gguf" "$M/good.gguf"
"$SEAL" encrypt -k "$OBJ/k1" "$OBJ/plain.gguf" "$M/m.enc" >/dev/null ||
    fail "encrypt"
rm -f "$OBJ/plain.gguf"

# 1. The reference: the plain file and the .enc from a whole memfd.
conf <<EOF
ModelKey file $OBJ/k1
Model whole $M/m.enc sha256:$PLAIN_SHA
Model plain $M/good.gguf sha256:$PLAIN_SHA
EOF
restart_family
complete whole
WHOLE_TEXT=$TEXT
RSS_WHOLE=$(rss inferd)
complete plain
[ "$TEXT" = "$WHOLE_TEXT" ] || fail "plain and memfd differ: $TEXT / $WHOLE_TEXT"

# 2. Streamed: the same text, a fraction of the memory.
conf <<EOF
ModelKey file $OBJ/k1
StreamLayers yes
Model enc $M/m.enc sha256:$PLAIN_SHA
EOF
restart_family
wait_log "keyd: model enc: checked .* in [0-9]* chunks with key 1" 5 ||
    fail "keyd did not check enc for streaming"
wait_log "inferd: model enc: streamed: [0-9]* chunks" 5 ||
    fail "inferd did not take enc as a stream"
ipid=$(pid_of inferd) || fail "no inferd"
n=$(ls -l /proc/"$ipid"/fd 2>/dev/null | grep -c 'memfd:power-model')
[ "$n" = 0 ] || fail "inferd holds $n whole-model memfds while streaming"
complete enc
[ "$TEXT" = "$WHOLE_TEXT" ] || fail "streamed text differs: $TEXT / $WHOLE_TEXT"
complete enc
[ "$TEXT" = "$WHOLE_TEXT" ] || fail "second streamed text differs: $TEXT"
RSS_STREAM=$(rss inferd)
size_k=$((PLAIN_SIZE / 1024))
echo "model $size_k KiB; inferd VmRSS: whole memfd $RSS_WHOLE KiB," \
    "streamed $RSS_STREAM KiB"
# Streaming saves most of the model (a layer is 1/8 of it); the bound
# is relative so that an ASan build's larger base passes too.
[ "$RSS_STREAM" -lt "$size_k" ] ||
    fail "streamed inferd RSS $RSS_STREAM KiB, model $size_k KiB"
[ "$RSS_STREAM" -lt $((RSS_WHOLE - size_k * 3 / 4)) ] ||
    fail "streamed RSS $RSS_STREAM KiB not well below whole $RSS_WHOLE KiB"

# No file holds the plaintext (but the plain copy we made on purpose).
leaks=$(gguf_copies "$PLAIN_SHA" "$PLAIN_SIZE" "$M/good.gguf" \
    "$OBJ" /tmp /var/tmp /dev/shm)
[ -z "$leaks" ] || fail "plaintext of the streamed model on disk: $leaks"

# 3. keyd killed: it comes back, inferd keeps its model and streams on.
old=$(pid_of keyd) || fail "no keyd"
kill -KILL "$old"
wait_new_pid keyd "$old" 3 || fail "keyd not restarted"
wait_log "lost child: keyd (pid $old)" 2 || fail "no lost child line"
wait_healthy 5 || fail "/health not ok after keyd restart"
wait_models 10 || fail "the new keyd did not answer for enc"
complete enc
[ "$TEXT" = "$WHOLE_TEXT" ] || fail "text after keyd restart: $TEXT"

# 4. keyd killed in the middle of a generation: that request fails
# cleanly (or finishes), inferd stays, and the next one is served.
curl -s -o "$OBJ/long" -w '%{http_code}' --max-time 60 \
    -H 'Content-Type: application/json' -d '{"model":"enc","prompt":"Once",'\
'"max_tokens":200,"temperature":0,"ignore_eos":true}' \
    "$URL/v1/completions" >"$OBJ/long.code" &
cpid=$!
sleep 1
old=$(pid_of keyd) || fail "no keyd"
kill -KILL "$old"
wait "$cpid"
code=$(cat "$OBJ/long.code")
echo "the generation keyd died under: $code"
case $code in
200|500) ;;
*) fail "generation cut by keyd's death: $code $(cat "$OBJ/long")" ;;
esac
wait_new_pid keyd "$old" 3 || fail "keyd not restarted"
wait_models 10 || fail "the new keyd did not answer for enc"
complete enc
[ "$TEXT" = "$WHOLE_TEXT" ] || fail "text after keyd died mid-request: $TEXT"
[ "$(pid_of inferd)" = "$ipid" ] || fail "inferd restarted with keyd"
grep -q "protocol violation" "$LOG" && fail "a protocol violation"
pass
