#!/bin/sh
# inferd making a forbidden system call (socket, from inferd-test on
# SIGUSR1) dies by SIGSYS and is restarted.  Run twice: plain, and with
# glibc's malloc perturbation so the filter holds under malloc debugging.
tid="seccomp"
INFERD=inferd-test
. "$(dirname "$0")/test-exec.sh"
[ -x "$top_builddir/inferd/inferd-test" ] || fail "inferd-test not built"

for tunables in "" "glibc.malloc.perturb=165:glibc.malloc.check=3"; do
	GLIBC_TUNABLES=$tunables
	export GLIBC_TUNABLES
	rm -f "$CONF"
	PORT=
	start_family
	old=$(pid_of inferd) || fail "no inferd"
	kill -USR1 "$old"
	wait_sigsys inferd "$old" ||
	    fail "inferd not killed by SIGSYS (tunables '$tunables')"
	wait_healthy 2 || fail "/health not ok after the restart"
	wait_new_pid inferd "$old" 2 || fail "inferd not restarted"
	stop_family
	[ "$STOP_STATUS" = 0 ] || fail "frontd exit $STOP_STATUS"
	FRONTD_PID=
done
pass
