#!/bin/sh
# A child that sends its parent a frame type not allowed on its channel
# is killed as compromised and restarted (inferd-test sends CTL_LISTEN,
# a parent-to-network type, on SIGUSR2); a sibling that gets a bad frame
# stops serving that channel (inferd-test's bad KEY_CHUNK_REQ, SIGURG).
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

# inferd-test asks keyd for a chunk of a model that does not exist
# (SIGURG): keyd refuses to serve a peer that breaks the protocol, the
# parent starts a new keyd, and it vouches for the models again.
oldk=$(pid_of keyd) || fail "no keyd"
newi=$(pid_of inferd) || fail "no inferd"
kill -URG "$newi"
wait_log "keyd: inferd broke the protocol: KEY_CHUNK_REQ" 2 ||
    fail "keyd did not refuse the bad chunk request"
wait_new_pid keyd "$oldk" 3 || fail "keyd not restarted"
wait_healthy 3 || fail "/health not ok after keyd's restart"
wait_models 5 || fail "models not answered for after keyd's restart"
http GET /health
echo "$BODY" | grep -q '"models_verified":true' ||
    fail "models not verified after keyd's restart: $BODY"
pass
