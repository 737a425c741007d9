#!/bin/sh
# GET /health answers through the family: the network child asks inferd
# (loaded models) and attestd (TEE) over their channels; powerctl status
# shows inferd's GGUF header facts for the bundled model.
tid="health"
. "$(dirname "$0")/test-exec.sh"

start_family

http GET /health
[ "$CODE" = 200 ] || fail "GET /health: status $CODE"
for want in '"status":"ok"' '"version":"' '"uptime_seconds":' \
    '"loaded_models":1' '"type":"simulate"' '"simulated":true' \
    '"available":true'; do
	echo "$BODY" | grep -q "$want" || fail "/health lacks $want: $BODY"
done
grep -qi '^content-type: application/json' "$OBJ/headers" ||
    fail "/health is not application/json"

http HEAD /health -I
[ "$CODE" = 200 ] || fail "HEAD /health: status $CODE"

out=$("$POWERCTL" -s "$CTL" status) || fail "powerctl status failed"
echo "$out" | grep -q 'inferd .*stories260K: gguf v3, 48 tensors, 19 kv, arch llama' ||
    fail "powerctl status lacks the GGUF facts: $out"
for p in frontd network inferd attestd keyd; do
	echo "$out" | grep -q "^$p " || fail "powerctl status lacks $p"
done
pass
