#!/bin/sh
# Started by an unprivileged user (a developer's laptop), the family
# still runs: a warning says no uid or chroot separation is possible,
# and every child is still under seccomp with no_new_privs.
tid="nonroot"
. "$(dirname "$0")/test-exec.sh"

if [ "$IS_ROOT" = 1 ]; then
	command -v setpriv >/dev/null || skip "setpriv not installed"
	# Rerun this test as nobody, in a directory nobody can use.
	if [ -z "${POWER_NONROOT_INNER:-}" ]; then
		chmod 0755 "$OBJ"
		chown 65534:65534 "$OBJ"
		POWER_NONROOT_INNER=1 setpriv --reuid=65534 --regid=65534 \
		    --clear-groups env TMPDIR="$OBJ" POWER_NONROOT_INNER=1 \
		    top_builddir="$top_builddir" top_srcdir="$top_srcdir" \
		    sh "$0"
		exit $?
	fi
fi
start_family
grep -q "not root: no uid or chroot separation is possible" "$LOG" ||
    fail "no warning about the missing separation"
for name in network inferd attestd keyd; do
	pid=$(pid_of "$name") || fail "no $name"
	grep -q '^Seccomp:	2$' "/proc/$pid/status" ||
	    fail "$name without seccomp"
	grep -q '^NoNewPrivs:	1$' "/proc/$pid/status" ||
	    fail "$name without no_new_privs"
done
pass
