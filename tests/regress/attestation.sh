#!/bin/sh
# GET /v1/attestation end to end with TEE simulate: the document carries
# every field, report_data binds the client's nonce and the served
# model's SHA-256, and power-verify accepts it (with --allow-simulated)
# from a saved file and by fetching it itself.  Bad nonces get 400, an
# unknown model 404, and TEE none 503 tee_unavailable.
tid="attestation"
. "$(dirname "$0")/test-exec.sh"

command -v python3 >/dev/null || fail "python3 needed to read JSON (./bootstrap installs it)"
PV=$top_builddir/power-verify/power-verify
[ -x "$PV" ] || fail "no $PV"

start_family

# json FILE EXPR: a Python expression over the document d.
json() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$@"
}

N=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
curl -s --max-time 10 -o "$OBJ/models" "$URL/v1/models" || fail "GET /v1/models"
S=$(json "$OBJ/models" 'd["data"][0]["sha256"]')
echo "$S" | grep -Eq '^[0-9a-f]{64}$' || fail "/v1/models shows no sha256: $S"

t0=$(date +%s%N)
http GET "/v1/attestation?nonce=$N"
t1=$(date +%s%N)
[ "$CODE" = 200 ] || fail "GET /v1/attestation: $CODE $BODY"
echo "/v1/attestation in $(( (t1 - t0) / 1000000 )) ms (curl, simulate)"
cp "$OBJ/body" "$OBJ/saved.json"
got=$(json "$OBJ/saved.json" '" ".join(str(x) for x in (d["object"],
    d["tee_type"], d["simulated"], d["nonce"] == sys.argv[3],
    d["model"], d["model_sha256"] == sys.argv[4],
    d["report_data"] == sys.argv[3] + sys.argv[4],
    len(d["measurement"]), type(d["certificates"]).__name__,
    len(d["report"]) > 100))' "$N" "$S") 2>&1 ||
    fail "document: $got: $BODY"
[ "$got" = "attestation simulated True True stories260K True True 96 list True" ] ||
    fail "document fields: $got"

# power-verify on the saved document: nonce and model bindings pass.
"$PV" --allow-simulated --nonce "$N" --model-sha256 "$S" \
    report "$OBJ/saved.json" > "$OBJ/pv.out" 2>&1 ||
    fail "power-verify report: $(cat "$OBJ/pv.out")"
for c in nonce-binding model-binding; do
	grep -q "^$c  *pass" "$OBJ/pv.out" ||
	    fail "power-verify: $c did not pass: $(cat "$OBJ/pv.out")"
done
"$PV" --nonce "$N" --model-sha256 "$S" report "$OBJ/saved.json" \
    > "$OBJ/pv.out" 2>&1 &&
    fail "power-verify accepted a simulated report without --allow-simulated"
# The same nonce with its first digit changed.
case $N in
0*)	W=1$(echo "$N" | cut -c2-) ;;
*)	W=0$(echo "$N" | cut -c2-) ;;
esac
"$PV" --allow-simulated --nonce "$W" --model-sha256 "$S" \
    report "$OBJ/saved.json" > "$OBJ/pv.out" 2>&1 &&
    fail "power-verify accepted a wrong nonce"
grep -q "^nonce-binding  *FAIL" "$OBJ/pv.out" ||
    fail "wrong nonce: no nonce-binding FAIL: $(cat "$OBJ/pv.out")"

# power-verify fetches it itself, with a nonce of its own.
"$PV" --model stories260K --allow-simulated fetch "$URL" > "$OBJ/pv.out" 2>&1 ||
    fail "power-verify fetch: $(cat "$OBJ/pv.out")"
for c in fetch nonce-binding model-binding model-name; do
	grep -q "^$c  *pass" "$OBJ/pv.out" ||
	    fail "power-verify fetch: $c did not pass: $(cat "$OBJ/pv.out")"
done
"$PV" --model stories260K --model-sha256 "$(echo "$S" | tr 0-9a-f 1-9a-f0)" \
    --allow-simulated fetch "$URL" > "$OBJ/pv.out" 2>&1 &&
    fail "power-verify fetch accepted a wrong --model-sha256"

# Bad nonces: 400 invalid_value on param nonce.
for q in "nonce=$(echo "$N" | cut -c2-)" "nonce=$(echo "$N" | sed 's/^./g/')" \
    "" "nonce=${N}00" "model=stories260K"; do
	http GET "/v1/attestation?$q"
	[ "$CODE" = 400 ] || fail "?$q: status $CODE, not 400: $BODY"
	for want in '"code":"invalid_value"' '"param":"nonce"' \
	    '"type":"invalid_request_error"'; do
		echo "$BODY" | grep -q "$want" || fail "?$q: lacks $want: $BODY"
	done
done

http GET "/v1/attestation?nonce=$N&model=stories260K"
[ "$CODE" = 200 ] || fail "model=stories260K: $CODE $BODY"
http GET "/v1/attestation?nonce=$N&model=no-such-model"
[ "$CODE" = 404 ] || fail "unknown model: $CODE $BODY"
echo "$BODY" | grep -q '"code":"model_not_found"' || fail "unknown model: $BODY"
http POST "/v1/attestation?nonce=$N"
[ "$CODE" = 405 ] || fail "POST: $CODE $BODY"

# TEE none: 503 tee_unavailable, the rest of the API still serves.
stop_family
PORT=
rm -f "$CONF"
echo "TEE none" | write_config
start_family
http GET "/v1/attestation?nonce=$N"
[ "$CODE" = 503 ] || fail "TEE none: $CODE $BODY"
for want in '"code":"tee_unavailable"' '"type":"server_error"'; do
	echo "$BODY" | grep -q "$want" || fail "TEE none: lacks $want: $BODY"
done
http GET /v1/models
[ "$CODE" = 200 ] || fail "TEE none: /v1/models $CODE"
pass
