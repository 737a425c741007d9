#!/bin/sh
# ListenTLS.  Without TLSCertificate: RA-TLS with TEE simulate, TLS 1.3
# only; power-verify ratls checks the handshake, both extensions and
# the SPKI binding; the API works over it; a reload that changes
# RATLSLifetime re-issues the certificate (a new serial) while an open
# connection keeps working.  With TLSCertificate and TLSKey: the
# operator's certificate, checked by curl --cacert and power-verify
# fetch --cafile; a key file others can read is refused.  TEE none: no
# RA-TLS, plain HTTP still serves.
tid="ratls"
. "$(dirname "$0")/test-exec.sh"

command -v python3 >/dev/null || fail "python3 needed (./bootstrap installs it)"
command -v openssl >/dev/null || skip "openssl(1) not installed"
PV=$top_builddir/power-verify/power-verify
[ -x "$PV" ] || fail "no $PV"

write_config <<EOT
ListenTLS 127.0.0.1:0
RATLSLifetime 600
EOT
start_family
TPORT=$(sed -n 's/.*listening for TLS on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$LOG" | head -n 1)
[ -n "$TPORT" ] || fail "no TLS listener in the log"
TURL=https://127.0.0.1:$TPORT
wait_log "RA-TLS certificate issued" 10 || fail "no RA-TLS certificate"
grep "RA-TLS certificate issued" "$LOG" | head -n 1 | sed 's/^.*issued: /issued: /'

# power-verify ratls: handshake, extensions, SPKI binding.
"$PV" --allow-simulated ratls "127.0.0.1:$TPORT" > "$OBJ/pv.out" 2>&1 ||
    fail "power-verify ratls: $(cat "$OBJ/pv.out")"
for c in tls-handshake cert-validity cert-self-signature ratls-extension \
    ratls-cmw-agree spki-binding; do
	grep -q "^$c  *pass" "$OBJ/pv.out" ||
	    fail "power-verify ratls: $c did not pass: $(cat "$OBJ/pv.out")"
done
grep "^tls-handshake" "$OBJ/pv.out"
"$PV" ratls "127.0.0.1:$TPORT" > "$OBJ/pv.out" 2>&1 &&
    fail "power-verify ratls accepted simulated evidence without --allow-simulated"
"$PV" --allow-simulated --at 2000-01-01T00:00:00Z ratls "127.0.0.1:$TPORT" \
    > "$OBJ/pv.out" 2>&1 && fail "power-verify ratls: expired is accepted"
grep -q "^cert-validity  *FAIL" "$OBJ/pv.out" ||
    fail "--at 2000: no cert-validity FAIL: $(cat "$OBJ/pv.out")"

# The API over RA-TLS.
c=$(curl -sk -o "$OBJ/body" -w '%{http_code}' --max-time 10 "$TURL/v1/models")
[ "$c" = 200 ] && grep -q stories260K "$OBJ/body" ||
    fail "GET /v1/models over TLS: $c $(cat "$OBJ/body")"
c=$(curl -sk -o "$OBJ/body" -w '%{http_code}' --max-time 60 \
    -H 'Content-Type: application/json' "$TURL/v1/chat/completions" \
    -d '{"model":"stories260K","max_tokens":4,"messages":[{"role":"user","content":"Hi"}]}')
[ "$c" = 200 ] && grep -q '"chat.completion"' "$OBJ/body" ||
    fail "chat completion over TLS: $c $(cat "$OBJ/body")"
c=$(curl -sk -o "$OBJ/body" -w '%{http_code}' --max-time 10 \
    "$TURL/v1/attestation?nonce=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')")
[ "$c" = 200 ] || fail "/v1/attestation over TLS: $c"

# TLS 1.3 only.
openssl s_client -connect "127.0.0.1:$TPORT" -tls1_2 </dev/null \
    >"$OBJ/s12" 2>&1 && fail "RA-TLS accepted TLS 1.2"
openssl s_client -connect "127.0.0.1:$TPORT" -tls1_3 </dev/null \
    >"$OBJ/s13" 2>&1 || fail "RA-TLS refused TLS 1.3: $(tail -5 "$OBJ/s13")"
grep -q "TLSv1.3" "$OBJ/s13" || fail "s_client -tls1_3: $(tail -5 "$OBJ/s13")"

# Re-issue: a reload that changes RATLSLifetime makes a new certificate;
# a connection opened before it still works, a new one sees the new one.
cat > "$OBJ/reissue.py" <<'EOPY'
import http.client, ssl, subprocess, sys
port, cmd = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def get(c):
    c.request("GET", "/health")
    r = c.getresponse()
    r.read()
    return r.status
a = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
assert get(a) == 200
sock = a.sock
der_a = sock.getpeercert(binary_form=True)
subprocess.run(cmd, shell=True, check=True)
b = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
assert get(b) == 200
der_b = b.sock.getpeercert(binary_form=True)
assert der_a != der_b, "the certificate was not re-issued"
assert get(a) == 200 and a.sock is sock, "the open connection was dropped"
assert a.sock.getpeercert(binary_form=True) == der_a
print("re-issued; the open connection kept its certificate")
EOPY
sed 's/^RATLSLifetime 600$/RATLSLifetime 700/' "$CONF" > "$OBJ/conf.new" &&
    cat "$OBJ/conf.new" > "$CONF"
n=$(grep -c "RA-TLS certificate issued" "$LOG")
python3 "$OBJ/reissue.py" "$TPORT" "'$POWERCTL' -s '$CTL' reload >/dev/null &&
    i=0; while [ \$(grep -c 'RA-TLS certificate issued' '$LOG') -le $n ];
    do i=\$((i + 1)); [ \$i -gt 100 ] && exit 1; sleep 0.1; done" ||
    fail "re-issue"
"$PV" --allow-simulated ratls "127.0.0.1:$TPORT" > "$OBJ/pv.out" 2>&1 ||
    fail "power-verify ratls after re-issue: $(cat "$OBJ/pv.out")"
# fetch over RA-TLS: no CA vouches for it; the nonce-bound evidence does.
"$PV" --allow-simulated fetch "$TURL" > "$OBJ/pv.out" 2>&1 ||
    fail "power-verify fetch over RA-TLS: $(cat "$OBJ/pv.out")"
grep -q "^tls-certificate  *skipped" "$OBJ/pv.out" ||
    fail "fetch over RA-TLS: $(cat "$OBJ/pv.out")"

# The operator's certificate and key.
stop_family
PORT=
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$OBJ/key.pem" -out "$OBJ/cert.pem" -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    >/dev/null 2>&1 || fail "openssl req"
chmod 0600 "$OBJ/key.pem"
chmod 0644 "$OBJ/cert.pem"
rm -f "$CONF"
write_config <<EOT
ListenTLS 127.0.0.1:0
TLSCertificate $OBJ/cert.pem
TLSKey $OBJ/key.pem
EOT
chmod 0644 "$OBJ/key.pem"
"$FRONTD" -n -f "$CONF" > "$OBJ/n.out" 2>&1 &&
    fail "frontd -n accepted a TLSKey that others can read"
grep -q "TLSKey.*not readable by group or others" "$OBJ/n.out" ||
    fail "frontd -n: $(cat "$OBJ/n.out")"
chmod 0600 "$OBJ/key.pem"
start_family
TPORT=$(sed -n 's/.*listening for TLS on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$LOG" | head -n 1)
c=$(curl -s --cacert "$OBJ/cert.pem" -o "$OBJ/body" -w '%{http_code}' \
    --max-time 10 "https://127.0.0.1:$TPORT/health")
[ "$c" = 200 ] || fail "curl --cacert: $c $(cat "$OBJ/body")"
openssl s_client -connect "127.0.0.1:$TPORT" -tls1_2 </dev/null \
    >"$OBJ/s12" 2>&1 || fail "operator certificate: TLS 1.2 refused"
"$PV" --cafile "$OBJ/cert.pem" --allow-simulated \
    fetch "https://127.0.0.1:$TPORT" > "$OBJ/pv.out" 2>&1 ||
    fail "power-verify fetch --cafile: $(cat "$OBJ/pv.out")"
grep -q "^tls-certificate  *pass" "$OBJ/pv.out" ||
    fail "fetch --cafile: $(cat "$OBJ/pv.out")"
"$PV" --allow-simulated fetch "https://127.0.0.1:$TPORT" \
    > "$OBJ/pv.out" 2>&1 && fail "power-verify fetch trusted an unknown CA"
grep -q "^tls-certificate  *FAIL" "$OBJ/pv.out" ||
    fail "fetch without --cafile: $(cat "$OBJ/pv.out")"
grep -q "RA-TLS" "$LOG" && fail "RA-TLS with an operator certificate"

# TEE none: no RA-TLS (handshakes refused, said in the log); Listen serves.
stop_family
PORT=
rm -f "$CONF"
write_config <<EOT
ListenTLS 127.0.0.1:0
TEE none
EOT
start_family
TPORT=$(sed -n 's/.*listening for TLS on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$LOG" | head -n 1)
wait_log "RA-TLS is not served: no TEE" 10 || fail "TEE none: not logged"
curl -sk --max-time 5 -o /dev/null "https://127.0.0.1:$TPORT/health" &&
    fail "TEE none: a TLS handshake succeeded"
http GET /health
[ "$CODE" = 200 ] || fail "TEE none: plain /health $CODE"
pass
