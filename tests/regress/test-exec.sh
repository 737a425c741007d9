# test-exec.sh: sourced by every tests/regress/*.sh.  Starts the real
# family on 127.0.0.1 (a free port picked by the kernel) with a private
# config, socket and chroot under a temporary directory, and keeps the
# logs only when a test fails.  Tests call fail, skip and pass.

set -u

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"

tid=${tid:-$(basename "$0" .sh)}
OBJ=$(mktemp -d /tmp/power-regress.XXXXXX)
chmod 0755 "$OBJ"
LOG=$OBJ/frontd.log
CONF=$OBJ/power.conf
CTL=$OBJ/control.sock
FRONTD=$top_builddir/frontd/frontd
POWERCTL=$top_builddir/powerctl/powerctl
FRONTD_PID=
PORT=
URL=
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
# Under ASan, leak checking at exit cannot run inside seccomp.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export ASAN_OPTIONS

cleanup() {
	if [ -n "$FRONTD_PID" ] && kill -0 "$FRONTD_PID" 2>/dev/null; then
		kill -TERM "$FRONTD_PID" 2>/dev/null
		sleep 1
		kill -KILL "$FRONTD_PID" 2>/dev/null
		pkill -KILL -P "$FRONTD_PID" 2>/dev/null
	fi
	rm -rf "$OBJ"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $tid: $*"
	if [ -f "$LOG" ]; then
		echo "--- frontd log (last 60 lines) ---"
		tail -n 60 "$LOG"
	fi
	exit 1
}

skip() {
	echo "SKIP: $tid: $*"
	exit 77
}

pass() {
	echo "PASS: $tid"
	exit 0
}

need_root() {
	[ "$IS_ROOT" = 1 ] || skip "needs root"
}

command -v curl >/dev/null || skip "curl not installed"

# make_libexec [inferd-binary]: the directory LibexecDir points at.
make_libexec() {
	mkdir -p "$OBJ/libexec"
	ln -sf "$top_builddir/inferd/${1:-inferd}" "$OBJ/libexec/inferd"
	ln -sf "$top_builddir/attestd/attestd" "$OBJ/libexec/attestd"
	ln -sf "$top_builddir/keyd/keyd" "$OBJ/libexec/keyd"
}

# write_config [extra lines on stdin]: a config for this test.
write_config() {
	make_libexec "${INFERD:-inferd}"
	mkdir -p "$OBJ/empty"
	chmod 0755 "$OBJ/empty"
	{
		cat
		echo "Listen 127.0.0.1:0"
		echo "ControlSocket $CTL"
		echo "PidFile $OBJ/frontd.pid"
		echo "LibexecDir $OBJ/libexec"
		echo "ChrootDirectory $OBJ/empty"
		echo "Model stories260K $top_srcdir/models/stories260K.gguf"
		echo "TEE simulate"
		echo "LogLevel DEBUG"
	} > "$CONF"
	if [ "$IS_ROOT" = 1 ]; then
		sh "$top_srcdir/tools/power-adduser.sh" "$OBJ/empty" \
		    >/dev/null || fail "power-adduser.sh"
	else
		echo "AdminGroup $(id -gn)" >> "$CONF"
	fi
}

# start_family: frontd -d in the background; waits for /health.
start_family() {
	[ -f "$CONF" ] || write_config </dev/null
	# Empty the log first: the shell truncates it for frontd only once
	# the job has started, and the port is read from it below.
	: >"$LOG"
	"$FRONTD" -d -f "$CONF" >"$LOG" 2>&1 &
	FRONTD_PID=$!
	i=0
	while [ -z "$PORT" ]; do
		PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$LOG" | head -n 1)
		i=$((i + 1))
		[ $i -gt 100 ] && fail "frontd did not listen"
		kill -0 "$FRONTD_PID" 2>/dev/null || fail "frontd exited"
		[ -n "$PORT" ] || sleep 0.1
	done
	URL=http://127.0.0.1:$PORT
	wait_healthy 10 || fail "/health not ok after start"
	wait_models 20 || fail "keyd did not answer for every model"
}

# wait_models SECONDS: until keyd has answered for every model (served or
# refused), as /health's models_pending says.
wait_models() {
	n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		curl -s --max-time 1 "$URL/health" 2>/dev/null |
		    grep -q '"models_pending":0' && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# http METHOD PATH [curl args]: sets CODE and BODY (file $OBJ/body).
http() {
	m=$1
	p=$2
	shift 2
	CODE=$(curl -s -o "$OBJ/body" -D "$OBJ/headers" -w '%{http_code}' \
	    --max-time 5 -X "$m" "$@" "$URL$p")
	BODY=$(cat "$OBJ/body")
}

# wait_healthy SECONDS: until GET /health says 200 and "ok".
wait_healthy() {
	n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		c=$(curl -s -o "$OBJ/hbody" -w '%{http_code}' --max-time 1 \
		    "$URL/health" 2>/dev/null)
		if [ "$c" = 200 ] && grep -q '"status":"ok"' "$OBJ/hbody"; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# pid_of NAME: the running child called NAME (network, inferd, attestd,
# keyd), found among frontd's children by its executable name.
pid_of() {
	want=$1
	[ "$want" = network ] && want=frontd
	for p in $(pgrep -P "$FRONTD_PID"); do
		if [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$want" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_new_pid NAME OLDPID SECONDS: until NAME runs with another pid.
wait_new_pid() {
	n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		p=$(pid_of "$1") && [ "$p" != "$2" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_sigsys NAME OLDPID: the filter killed it (SIGSYS), or, in an
# --enable-sandbox-debug build, trapped and logged the call.
wait_sigsys() {
	wait_log "lost child: $1 (pid $2) killed by signal 31" 2 ||
	    grep -q "^$1: sandbox violation: syscall" "$LOG"
}

# wait_log PATTERN SECONDS: until the log has a line matching PATTERN.
wait_log() {
	n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		grep -q "$1" "$LOG" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# stop_family: SIGTERM, expect exit 0; sets STOP_STATUS.
stop_family() {
	kill -TERM "$FRONTD_PID"
	wait "$FRONTD_PID"
	STOP_STATUS=$?
}

# restart_family: stop the running family, which must exit 0, and start
# a new one on $CONF.
restart_family() {
	if [ -n "$FRONTD_PID" ]; then
		stop_family
		[ "$STOP_STATUS" = 0 ] || fail "frontd exited $STOP_STATUS"
	fi
	FRONTD_PID=
	PORT=
	start_family
}

# sha256_hex FILE: its SHA-256 in hex.
sha256_hex() {
	sha256sum <"$1" | cut -c1-64
}

# gguf_copies SHA256 SIZE KEEP DIR...: the files under the DIRs, other
# than KEEP, that are a GGUF of that size and hash (plaintext that
# should be in no file).
gguf_copies() {
	want=$1
	size=$2
	keep=$3
	shift 3
	find "$@" -xdev -type f -size "${size}c" 2>/dev/null |
	    while read -r f; do
		[ "$(head -c 4 "$f" 2>/dev/null)" = GGUF ] &&
		    [ "$(sha256_hex "$f")" = "$want" ] && [ "$f" != "$keep" ] &&
		    echo "$f"
	done
}
