#!/bin/sh
# HTTP edges: unknown paths and methods answer in OpenAI's error shape,
# body and header limits hold, and MaxConnections stops accepting.
tid="http"
. "$(dirname "$0")/test-exec.sh"

write_config <<EOT
MaxBodyBytes 1024
MaxHeaderBytes 2048
MaxConnections 2
EOT
start_family

http GET /v1/nope
[ "$CODE" = 404 ] || fail "GET /v1/nope: status $CODE"
for want in '"error":{' '"message":"Invalid URL (GET /v1/nope)"' \
    '"type":"invalid_request_error"' '"param":null' '"code":"not_found"'; do
	echo "$BODY" | grep -qF "$want" || fail "404 body lacks $want: $BODY"
done

http POST /health -d x
[ "$CODE" = 405 ] || fail "POST /health: status $CODE"
echo "$BODY" | grep -q '"code":"method_not_allowed"' || fail "405 body: $BODY"
grep -qi '^allow: GET, HEAD' "$OBJ/headers" || fail "405 without Allow"

http DELETE /anything
[ "$CODE" = 404 ] || fail "DELETE /anything: status $CODE"

# Raw bytes that are not UTF-8 in the path: an answer that is still
# JSON (or a 400 from the parser), and the network child survives.
command -v bash >/dev/null || skip "bash needed for raw requests"
netpid=$(pid_of network) || fail "no network child"
printf 'GET /\377\376\001x HTTP/1.0\r\n\r\n' > "$OBJ/raw"
bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat '$OBJ/raw' >&3;
    timeout 2 cat <&3" > "$OBJ/rawout" 2>/dev/null
head -n 1 "$OBJ/rawout" | grep -q ' 40[04] ' ||
    fail "raw odd path: $(head -n 1 "$OBJ/rawout")"
if head -n 1 "$OBJ/rawout" | grep -q ' 404 '; then
	tail -n 1 "$OBJ/rawout" | grep -q '"message":"Invalid URL (GET /???x)"' ||
	    fail "raw odd path body: $(tail -n 1 "$OBJ/rawout")"
fi
[ "$(pid_of network)" = "$netpid" ] || fail "network child died"

head -c 4096 /dev/zero | tr '\0' a > "$OBJ/big"
http POST /health --data-binary @"$OBJ/big"
[ "$CODE" = 413 ] || fail "4096-byte body over MaxBodyBytes 1024: $CODE"

http GET /health -H "X-Big: $(head -c 4096 /dev/zero | tr '\0' b)"
case "$CODE" in
4*) ;;
*) fail "4 KiB header over MaxHeaderBytes 2048: status $CODE" ;;
esac

# Two idle connections fill MaxConnections 2: a third client waits.
command -v bash >/dev/null || skip "bash needed for the connection test"
bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT 4<>/dev/tcp/127.0.0.1/$PORT;
    sleep 3" &
holder=$!
sleep 0.5
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/health")
[ "$c" = 000 ] || fail "third connection served at MaxConnections 2 ($c)"
wait "$holder"
wait_healthy 5 || fail "not serving after the connections closed"
pass
