#!/bin/sh
# SIGTERM drains and stops the whole family: exit status 0, no process
# left behind, the control socket removed.
tid="shutdown"
. "$(dirname "$0")/test-exec.sh"

start_family
pids="$FRONTD_PID"
for name in network inferd attestd keyd; do
	pids="$pids $(pid_of "$name")" || fail "no $name"
done
[ -S "$CTL" ] || fail "no control socket"
stop_family
[ "$STOP_STATUS" = 0 ] || fail "frontd exited with $STOP_STATUS"
sleep 0.2
for p in $pids; do
	kill -0 "$p" 2>/dev/null && fail "pid $p still running"
done
[ -e "$CTL" ] && fail "control socket left behind"
grep -q 'stopped' "$LOG" || fail "no stopped line"
grep -q 'lost child' "$LOG" && fail "a child was lost during shutdown"
FRONTD_PID=
pass
