#!/bin/sh
# frontd -n accepts a good config and refuses broken ones with
# file:line; -T dumps the effective configuration.
tid="config"
. "$(dirname "$0")/test-exec.sh"

write_config </dev/null
out=$("$FRONTD" -n -f "$CONF" 2>&1) || fail "good config refused: $out"
[ "$out" = "configuration OK" ] || fail "-n said: $out"

out=$("$FRONTD" -T -f "$CONF" 2>&1) || fail "-T failed: $out"
echo "$out" | grep -q '^listen 127.0.0.1:0$' || fail "-T lacks listen: $out"
echo "$out" | grep -q '^maxconnections 256$' || fail "-T lacks defaults"
echo "$out" | grep -q '^tee simulate$' || fail "-T lacks tee"

# broken LINE CONTENT EXPECT: line LINE of a copy says CONTENT.
broken() {
	cp "$CONF" "$OBJ/bad.conf"
	{ head -n $(($1 - 1)) "$CONF"; echo "$2"; tail -n +"$1" "$CONF"; } \
	    > "$OBJ/bad.conf"
	if out=$("$FRONTD" -n -f "$OBJ/bad.conf" 2>&1); then
		fail "accepted: $2"
	fi
	echo "$out" | grep -qF "$OBJ/bad.conf:$1: " ||
	    fail "no file:line for '$2': $out"
	echo "$out" | grep -qF "$3" || fail "'$2': $out lacks '$3'"
}
broken 1 "Lisen 127.0.0.1:80" "Lisen"
broken 2 "MaxConnections 0" "MaxConnections"
broken 3 "MaxBodyBytes lots" "MaxBodyBytes"
broken 2 "TEE sgx" "TEE"
broken 1 "Listen 127.0.0.1" "Listen"
broken 1 'LibexecDir "/unterminated' "quote"

echo "Bogus yes" > "$OBJ/inc.conf"
{ echo "Include $OBJ/inc.conf"; cat "$CONF"; } > "$OBJ/top.conf"
out=$("$FRONTD" -n -f "$OBJ/top.conf" 2>&1) && fail "bad Include accepted"
echo "$out" | grep -qF "$OBJ/inc.conf:1: " || fail "Include error: $out"

out=$("$FRONTD" -n -f "$OBJ/missing.conf" 2>&1) && fail "missing file ok"
[ -n "$out" ] || fail "missing file: no message"

# Semantic checks beyond syntax, still before anything starts.
sed 's|^LibexecDir .*|LibexecDir /nonexistent|' "$CONF" > "$OBJ/bad.conf"
out=$("$FRONTD" -n -f "$OBJ/bad.conf" 2>&1) && fail "bad LibexecDir ok"
echo "$out" | grep -q "LibexecDir" || fail "LibexecDir error: $out"
if [ "$IS_ROOT" = 1 ]; then
	echo "User _power_no_such_user" > "$OBJ/bad.conf"
	cat "$CONF" >> "$OBJ/bad.conf"
	out=$("$FRONTD" -n -f "$OBJ/bad.conf" 2>&1) && fail "bad User ok"
	echo "$out" | grep -q "no such user" || fail "User error: $out"
fi
pass
