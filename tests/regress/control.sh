#!/bin/sh
# The control socket: mode 0660 (root:AdminGroup when root), powerctl
# status and reload, a reload that would need a restart is refused, a
# client that is neither root nor in AdminGroup is turned away.
tid="control"
. "$(dirname "$0")/test-exec.sh"

start_family
mode=$(stat -c %a "$CTL")
[ "$mode" = 660 ] || fail "control socket mode $mode"
if [ "$IS_ROOT" = 1 ]; then
	[ "$(stat -c %U:%G "$CTL")" = root:_poweradmin ] ||
	    fail "control socket owner $(stat -c %U:%G "$CTL")"
fi

out=$("$POWERCTL" -s "$CTL" status) || fail "status: $out"
[ "$(echo "$out" | wc -l)" = 6 ] || fail "status lines: $out"

out=$("$POWERCTL" -s "$CTL" reload) || fail "reload: $out"
[ "$out" = "configuration reloaded" ] || fail "reload said: $out"

# SIGHUP reloads too, and children get their part again.
sed -i 's/^LogLevel DEBUG$/LogLevel DEBUG2/' "$CONF"
kill -HUP "$FRONTD_PID"
wait_log "SIGHUP: reloading" 2 || fail "SIGHUP not seen"
wait_log "configuration reloaded" 2 || fail "SIGHUP reload failed"

sed -i 's/^Listen 127.0.0.1:0$/Listen 127.0.0.1:1/' "$CONF"
out=$("$POWERCTL" -s "$CTL" reload 2>&1) && fail "Listen change reloaded"
echo "$out" | grep -q "Listen changed" || fail "reload error: $out"
wait_healthy 2 || fail "family hurt by the refused reload"

if [ "$IS_ROOT" = 1 ] && command -v setpriv >/dev/null; then
	chmod 0666 "$CTL"
	if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$POWERCTL" -s "$CTL" status 2>&1); then
		fail "nobody was served: $out"
	fi
	wait_log "connection refused: not root or AdminGroup" 2 ||
	    fail "refusal not logged"
fi
out=$("$POWERCTL" -s "$OBJ/nonexistent.sock" status 2>&1) &&
    fail "powerctl without frontd succeeded"
pass
