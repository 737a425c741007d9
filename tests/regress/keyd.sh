#!/bin/sh
# keyd vouches for every model before inferd serves it: a wrong SHA-256,
# a wrong or missing signature, a key file others may read are refused
# with a clear log line, /health says models_verified false and the API
# says the model is unavailable; a sealed (.enc) model is served from a
# sealed memfd and its plaintext is in no file; ModelKey env works; a
# killed keyd comes back and finds the hash in HashCache; powerctl
# rotate-key under load drops no request, and fails with no next key.
tid="keyd"
. "$(dirname "$0")/test-exec.sh"

SEAL=$top_builddir/power-seal/power-seal
MK=$top_builddir/tests/tools/power-mkmodel
VOCAB=$top_srcdir/models/stories260K.gguf
[ -x "$SEAL" ] || fail "$SEAL not built"
[ -x "$MK" ] || fail "$MK not built"
command -v openssl >/dev/null || skip "openssl not installed"
command -v sha256sum >/dev/null || skip "sha256sum not installed"

M=$OBJ/models
CACHEDIR=$OBJ/cache
mkdir -p "$M" "$CACHEDIR"
chmod 0755 "$M"

# conf [lines on stdin]: the test config without the default model.
conf() {
	write_config
	grep -v '^Model stories260K ' "$CONF" >"$CONF.new" &&
	    mv "$CONF.new" "$CONF"
	echo "HashCache $CACHEDIR/hashcache" >>"$CONF"
}

# chat MODEL: one short chat completion; sets CODE and BODY.
chat() {
	http POST /v1/chat/completions -H 'Content-Type: application/json' \
	    -d "{\"model\":\"$1\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
}

# checked NAME: wait until keyd's verdict on NAME reached the log.
checked() {
	wait_log "keyd: model $1[: (].*\(verified\|refused\)" 10 ||
	    fail "no verdict on $1"
	wait_log "inferd: model $1\( \|: gguf\)" 5 || true
}

# verified_is true|false: /health says so.
verified_is() {
	http GET /health
	echo "$BODY" | grep -q "\"models_verified\":$1" ||
	    fail "/health models_verified not $1: $BODY"
}

# A unique plaintext model (its own seed), so that a search by its hash
# cannot find another test's copy.
seed=$(( $$ * 7919 + $(date +%s) % 100000 ))
"$MK" -o "$OBJ/plain.gguf" -p tiny --vocab "$VOCAB" -s "$seed" \
    2>"$OBJ/mk.err" || fail "power-mkmodel: $(cat "$OBJ/mk.err")"
PLAIN_SHA=$(sha256_hex "$OBJ/plain.gguf")
PLAIN_SIZE=$(wc -c <"$OBJ/plain.gguf" | tr -d ' ')

# Keys: k1 a root-only file, k2 in the environment, k0 readable by all.
umask 077
"$SEAL" keygen "$OBJ/k1" >/dev/null || fail "keygen k1"
"$SEAL" keygen "$OBJ/k2" >/dev/null || fail "keygen k2"
"$SEAL" keygen "$OBJ/k0" >/dev/null || fail "keygen k0"
umask 022
POWER_TEST_MODEL_KEY=$(cat "$OBJ/k2")
export POWER_TEST_MODEL_KEY

# Models: a plain copy, the same sealed three times (k1, k2, k0), a
# tampered copy, and signed, badly signed and unsigned copies.
cp "$OBJ/plain.gguf" "$M/good.gguf"
"$SEAL" encrypt -k "$OBJ/k1" "$OBJ/plain.gguf" "$M/k1.enc" >/dev/null ||
    fail "encrypt k1"
"$SEAL" encrypt -k "$OBJ/k2" "$OBJ/plain.gguf" "$M/k2.enc" >/dev/null ||
    fail "encrypt k2"
"$SEAL" encrypt -k "$OBJ/k0" "$OBJ/plain.gguf" "$M/k0.enc" >/dev/null ||
    fail "encrypt k0"
chmod 0644 "$OBJ/k0"
cp "$VOCAB" "$M/tampered.gguf"
size=$(wc -c <"$M/tampered.gguf" | tr -d ' ')
# Flip one byte near the end (tensor data, not the header).
off=$((size - 100))
b=$(dd if="$M/tampered.gguf" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 |
    tr -d ' ')
printf "$(printf '\\%03o' $(( (b + 1) % 256 )))" |
    dd of="$M/tampered.gguf" bs=1 seek=$off conv=notrunc 2>/dev/null
VOCAB_SHA=$(sha256_hex "$VOCAB")
[ "$(sha256_hex "$M/tampered.gguf")" != "$VOCAB_SHA" ] || fail "byte not flipped"
openssl genpkey -algorithm ed25519 -out "$OBJ/sign.pem" 2>/dev/null &&
    openssl pkey -in "$OBJ/sign.pem" -pubout -out "$OBJ/pub.pem" \
    2>/dev/null || fail "openssl ed25519 key"
openssl genpkey -algorithm ed25519 -out "$OBJ/other.pem" 2>/dev/null ||
    fail "openssl ed25519 key"
cp "$VOCAB" "$M/signed.gguf"
cp "$VOCAB" "$M/badsig.gguf"
cp "$VOCAB" "$M/nosig.gguf"
"$SEAL" sign -s "$OBJ/sign.pem" "$M/signed.gguf" >/dev/null || fail "sign"
"$SEAL" sign -s "$OBJ/other.pem" "$M/badsig.gguf" >/dev/null ||
    fail "sign badsig"
# The plaintext of the sealed models exists nowhere from here on.
rm -f "$OBJ/plain.gguf"

# 1. Everything good: plain with its hash, sealed with k1 and k2.
conf <<EOF
ModelKey file $OBJ/k1
ModelKey env POWER_TEST_MODEL_KEY
MaxQueue 64
Model good $M/good.gguf sha256:$PLAIN_SHA
Model sealed1 $M/k1.enc sha256:$PLAIN_SHA
Model sealed2 $M/k2.enc
EOF
restart_family
for m in good sealed1 sealed2; do
	checked "$m"
	grep -q "keyd: model $m .*refused" "$LOG" && fail "$m refused"
done
grep -q "keyd: model sealed1: decrypted .* with key 1 " "$LOG" ||
    fail "sealed1 not decrypted with key 1"
grep -q "keyd: model sealed2: decrypted .* with key 2 " "$LOG" ||
    fail "sealed2 not decrypted with key 2 (ModelKey env)"
verified_is true
for m in good sealed1 sealed2; do
	chat "$m"
	[ "$CODE" = 200 ] || fail "chat with $m: $CODE $BODY"
done
http GET /v1/models/sealed1
echo "$BODY" | grep -q "\"sha256\":\"$PLAIN_SHA\"" ||
    fail "sealed1 sha256 not the plaintext's: $BODY"

# inferd serves the sealed models from memfds; no file holds them.
ipid=$(pid_of inferd) || fail "no inferd"
n=$(ls -l /proc/"$ipid"/fd 2>/dev/null | grep -c 'memfd:power-model')
[ "$n" -ge 2 ] || fail "inferd holds $n power-model memfds, not 2"
leaks=$(gguf_copies "$PLAIN_SHA" "$PLAIN_SIZE" "$M/good.gguf" \
    "$OBJ" /tmp /var/tmp /dev/shm "$CACHEDIR")
[ -z "$leaks" ] || fail "plaintext of a sealed model on disk: $leaks"

# A killed keyd comes back, re-verifies from HashCache, re-sends.
old=$(pid_of keyd) || fail "no keyd"
: >"$OBJ/mark"
kill -KILL "$old"
wait_new_pid keyd "$old" 3 || fail "keyd not restarted"
wait_log "keyd: model good: sha256 cached" 5 ||
    fail "restarted keyd re-hashed good instead of using HashCache"
wait_log "lost child: keyd (pid $old)" 2 || fail "no lost child line"
wait_healthy 3 || fail "/health not ok after keyd restart"
verified_is true
chat sealed1
[ "$CODE" = 200 ] || fail "chat after keyd restart: $CODE $BODY"

# Rotation under load: every request answered 200.
i=0
pids=
while [ $i -lt 20 ]; do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 -X POST \
	    -H 'Content-Type: application/json' -d '{"model":"sealed1",'\
'"max_tokens":150,"ignore_eos":true,"messages":[{"role":"user",'\
'"content":"hi"}]}' "$URL/v1/chat/completions" >>"$OBJ/codes" &
	pids="$pids $!"
	i=$((i + 1))
done
sleep 0.3
"$POWERCTL" -s "$CTL" rotate-key >"$OBJ/rot1" 2>&1 ||
    fail "rotate-key: $(cat "$OBJ/rot1")"
grep -q "key rotated" "$OBJ/rot1" || fail "rotate-key said: $(cat "$OBJ/rot1")"
wait_log "keyd: key rotated: key 2 of 2" 2 || fail "no rotation line"
if "$POWERCTL" -s "$CTL" rotate-key >"$OBJ/rot2" 2>&1; then
	fail "second rotate-key succeeded: $(cat "$OBJ/rot2")"
fi
grep -q "no next key" "$OBJ/rot2" || fail "rotate-key said: $(cat "$OBJ/rot2")"
# shellcheck disable=SC2086
wait $pids
n=$(grep -c '^200$' "$OBJ/codes")
[ "$n" = 20 ] || fail "$n of 20 requests answered 200 during rotation: $(
    sort "$OBJ/codes" | uniq -c | tr '\n' ' ')"
chat sealed2
[ "$CODE" = 200 ] || fail "chat after rotation: $CODE $BODY"
"$POWERCTL" -s "$CTL" status >"$OBJ/status" || fail "powerctl status"
grep -Eq "^keyd .*3 verified, 0 refused.*key 2 current" "$OBJ/status" ||
    fail "keyd status: $(cat "$OBJ/status")"

# 2. Refusals: a tampered copy, a key file mode 0644.
conf <<EOF
ModelKey file $OBJ/k0
Model fine $VOCAB
Model tampered $M/tampered.gguf sha256:$VOCAB_SHA
Model sealed0 $M/k0.enc
EOF
restart_family
for m in fine tampered sealed0; do
	checked "$m"
done
grep -q "keyd: model tampered ($M/tampered.gguf) refused: sha256 mismatch: configured $VOCAB_SHA, file $(sha256_hex "$M/tampered.gguf")" \
    "$LOG" || fail "no clear line for the tampered model"
grep -q "keyd: ModelKey file $OBJ/k0: mode 0644: group or others may read it" \
    "$LOG" || fail "no line for the 0644 key file"
grep -q "keyd: model sealed0 .* refused: sealed with key id .*: no usable ModelKey" \
    "$LOG" || fail "sealed0 not refused for want of a usable key"
grep -q "keyd: model fine: verified" "$LOG" || fail "fine not verified"
verified_is false
chat tampered
[ "$CODE" = 503 ] || fail "chat with tampered: $CODE $BODY"
echo "$BODY" | grep -q 'model_not_available' || fail "tampered: $BODY"
echo "$BODY" | grep -q 'failed verification' || fail "tampered: $BODY"
# The network child lists only models that can be served.
http GET /v1/models
echo "$BODY" | grep -q '"id":"fine"' || fail "/v1/models: $BODY"
echo "$BODY" | grep -q '"id":"tampered"' && fail "/v1/models: $BODY"
http GET /v1/models/tampered
[ "$CODE" = 503 ] || fail "/v1/models/tampered: $CODE $BODY"
echo "$BODY" | grep -q '"code":"model_not_available"' ||
    fail "/v1/models/tampered: $BODY"
http GET /v1/models/nosuch
[ "$CODE" = 404 ] || fail "/v1/models/nosuch: $CODE $BODY"
chat fine
[ "$CODE" = 200 ] || fail "chat with fine beside refused ones: $CODE $BODY"

# 3. Signatures: good, by another key, missing.
conf <<EOF
ModelSigningKey $OBJ/pub.pem
Model signed $M/signed.gguf
Model badsig $M/badsig.gguf
Model nosig $M/nosig.gguf
EOF
restart_family
for m in signed badsig nosig; do
	checked "$m"
done
grep -q "keyd: model signed: verified: sha256 .*, signature good" "$LOG" ||
    fail "signed not verified"
grep -q "keyd: model badsig (.*) refused: signature .*badsig.gguf.sig does not verify" \
    "$LOG" || fail "badsig not refused"
grep -q "keyd: model nosig (.*) refused: ModelSigningKey is set and .*nosig.gguf.sig cannot be read" \
    "$LOG" || fail "nosig not refused"
verified_is false
chat signed
[ "$CODE" = 200 ] || fail "chat with signed: $CODE $BODY"
chat badsig
[ "$CODE" = 503 ] || fail "chat with badsig: $CODE $BODY"
chat nosig
[ "$CODE" = 503 ] || fail "chat with nosig: $CODE $BODY"
pass
