#!/bin/sh
# A child that sends its parent a frame type not allowed on its channel
# is killed as compromised and restarted (inferd-test sends CTL_LISTEN,
# a parent-to-network type, on SIGUSR2).
tid="violation"
INFERD=inferd-test
. "$(dirname "$0")/test-exec.sh"
[ -x "$top_builddir/inferd/inferd-test" ] || fail "inferd-test not built"

start_family
old=$(pid_of inferd) || fail "no inferd"
kill -USR2 "$old"
wait_log "protocol violation by inferd" 2 || fail "violation not detected"
wait_log "lost child: inferd (pid $old) killed by signal 9" 2 ||
    fail "inferd not killed"
wait_healthy 2 || fail "/health not ok after the restart"
wait_new_pid inferd "$old" 2 || fail "inferd not restarted"
pass
