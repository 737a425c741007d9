#!/bin/sh
# kill -9 of each child in turn: the parent logs "lost child", starts a
# new one, brokers its channels again, and /health is ok within 2 s.
tid="restart"
. "$(dirname "$0")/test-exec.sh"

start_family
for name in network inferd attestd keyd; do
	old=$(pid_of "$name") || fail "no $name"
	kill -KILL "$old"
	wait_log "lost child: $name (pid $old) killed by signal 9" 2 ||
	    fail "no lost child line for $name"
	wait_healthy 2 || fail "/health not ok within 2 s of killing $name"
	wait_new_pid "$name" "$old" 2 || fail "$name not restarted in 2 s"
done
out=$("$POWERCTL" -s "$CTL" status) || fail "powerctl status"
for name in network inferd attestd keyd; do
	echo "$out" | grep -Eq "^$name +[0-9]+ +[0-9]+ +serving +1 " ||
	    fail "$name restart count: $out"
done
# The restarted inferd got the model again.
echo "$out" | grep -q 'stories260K: gguf v3' || fail "model lost: $out"
pass
