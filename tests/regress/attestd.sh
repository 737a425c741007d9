#!/bin/sh
# attestd's providers through the whole family: configfs-tsm (the real
# code path, on a fake report directory that tests/tools/fake-tsm fills
# like the kernel does, root's) for SEV-SNP and TDX, the simulated report
# and TEE none, a generation that changes underneath, attestd killed and
# restarted, and a malformed ATTEST_REPORT_REQ from the network side.
tid="attestd"
. "$(dirname "$0")/test-exec.sh"

FAKE=$top_builddir/tests/tools/fake-tsm
DATA=$top_srcdir/tests/data/attestation
SNP_REPORT=$DATA/sev-snp/go-sev-guest/attestation.bin
SNP_VCEK=$DATA/sev-snp/go-sev-guest/vcek.testcer
TDX_QUOTE=$DATA/tdx/teekit/tdx-v4-edgeless.dat
NONCE=00112233445566778899aabbccddeeff0123456789abcdef0f1e2d3c4b5a6978
FAKE_PID=
# attestd's entry is named after the uid it runs as.
if [ "$IS_ROOT" = 1 ]; then
	mkdir -p "$OBJ/empty"
	sh "$top_srcdir/tools/power-adduser.sh" "$OBJ/empty" >/dev/null ||
	    fail "power-adduser.sh"
	AUID=$(id -u _powerattest) || fail "no user _powerattest"
else
	AUID=$(id -u)
fi
ENTRY=power-attestd-$AUID

[ -x "$FAKE" ] || fail "fake-tsm not built"
command -v python3 >/dev/null ||
    fail "python3 needed to read JSON (./bootstrap installs it)"

trap 'stop_fake; cleanup' EXIT

stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	FAKE_PID=
}

# family TEE [extra config lines]: a fresh family with this TEE.
family() {
	{ echo "TEE $1"; shift; for l in "$@"; do echo "$l"; done; } |
	    write_config
	restart_family
}

# fake TYPE REPORT [-c VCEK]: a fake configfs-tsm in $OBJ/tsm, owned by
# whoever runs the test (root in CI, as the kernel's is), with a stale
# entry of an earlier attestd in it for attestd to remove.
fake() {
	stop_fake
	rm -rf "$OBJ/tsm" "$OBJ/ready" "$OBJ/bump"
	mkdir "$OBJ/tsm" "$OBJ/tsm/$ENTRY"
	t=$1
	r=$2
	shift 2
	"$FAKE" -t "$t" -r "$r" -b "$OBJ/bump" -R "$OBJ/ready" "$@" \
	    "$OBJ/tsm" &
	FAKE_PID=$!
	n=0
	while [ ! -f "$OBJ/ready" ]; do
		n=$((n + 1))
		[ $n -gt 50 ] && fail "fake-tsm did not start"
		sleep 0.1
	done
}

attestation() {
	http GET "/v1/attestation?nonce=$NONCE"
}

# check_json TEE FIXTURE [VCEK]: the document has the fixture with
# report_data = nonce || model SHA-256 spliced at OFFSET, and the VCEK.
check_json() {
	python3 - "$OBJ/body" "$NONCE" "$@" <<'EOPY' || fail "$1: $BODY"
import base64, hashlib, json, sys
doc = json.load(open(sys.argv[1]))
nonce, tee, fixture = sys.argv[2], sys.argv[3], sys.argv[4]
off, vcek = int(sys.argv[5], 0), sys.argv[6] if len(sys.argv) > 6 else None
def need(c, what):
    if not c:
        sys.exit("bad " + what)
need(doc["object"] == "attestation", "object")
need(doc["tee_type"] == tee, "tee_type")
need(doc["simulated"] is (tee == "simulated"), "simulated")
need(doc["nonce"] == nonce, "nonce")
rd = bytes.fromhex(nonce) + bytes.fromhex(doc["model_sha256"])
need(doc["report_data"] == rd.hex(), "report_data")
report = base64.b64decode(doc["report"])
if fixture != "-":
    want = bytearray(open(fixture, "rb").read())
    want[off:off + 64] = rd
    need(report == bytes(want), "report (not the fake's outblob)")
else:
    need(report[off:off + 64] == rd, "simulated report_data")
certs = doc.get("certificates", [])
if vcek is not None and vcek != "-":
    der = open(vcek, "rb").read()
    need(any(c["type"] == "vcek" and base64.b64decode(c["der"]) == der
        for c in certs), "certificates (no VCEK)")
else:
    need(certs == [], "certificates")
EOPY
}

# one_entry WHAT: attestd's own entry, and nothing else, is there.
one_entry() {
	[ "$(ls -A "$OBJ/tsm")" = "$ENTRY" ] ||
	    fail "$1: in the report directory: $(ls -A "$OBJ/tsm")"
}

# time_reports N: milliseconds per GET /v1/attestation over N requests.
time_reports() {
	s=$(date +%s%N)
	i=0
	while [ $i -lt "$1" ]; do
		c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		    "$URL/v1/attestation?nonce=$NONCE")
		[ "$c" = 200 ] || fail "report $i of $1: $c"
		i=$((i + 1))
	done
	e=$(date +%s%N)
	echo "$(( (e - s) / 1000 / $1 )) us per report"
}

# The network child's end of its channel to attestd, found through the
# socket peers, and a frame written into it as if the network sent it.
inject_bad_request() {
	net=$(pid_of network) || fail "no network child"
	att=$(pid_of attestd) || fail "no attestd"
	python3 - "$net" "$att" <<'EOPY' || fail "could not inject a frame"
import ctypes, os, re, struct, subprocess, sys
net, att = sys.argv[1], sys.argv[2]
ss = subprocess.run(["ss", "-xpn"], capture_output=True, text=True).stdout
mine, peer = {}, {}
for line in ss.splitlines():
    f = line.split()
    if len(f) < 8:
        continue
    for pid, fd in re.findall(r"pid=(\d+),fd=(\d+)", line):
        mine[(pid, f[5])] = int(fd)
        peer[(pid, f[5])] = f[7]
att_socks = {ino for (pid, ino) in mine if pid == att}
netfd = [fd for (pid, ino), fd in mine.items()
    if pid == net and peer[(pid, ino)] in att_socks]
if len(netfd) != 1:
    sys.exit("network/attestd channel not found")
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(int(net))
fd = libc.syscall(438, pidfd, netfd[0], 0)	# pidfd_getfd
if fd < 0:
    sys.exit("pidfd_getfd: " + os.strerror(ctypes.get_errno()))
payload = struct.pack("=I", 63) + bytes(63)	# one byte short
os.write(fd, struct.pack("=IIII", 302, 16 + len(payload), 1, 3) + payload)
EOPY
}

# 1. configfs-tsm with a sev_guest provider, VMPL 2: the stale entry is
# replaced by one whose inblob attestd's user owns, and reused.
fake sev "$SNP_REPORT" -c "$SNP_VCEK"
family tsm "TsmReportDirectory $OBJ/tsm" "SevVmpl 2"
grep -q "removed $ENTRY, left by an earlier attestd" "$LOG" ||
    fail "the stale entry was not removed"
attestation
[ "$CODE" = 200 ] || fail "tsm sev_guest: HTTP $CODE: $BODY"
check_json sev-snp "$SNP_REPORT" 0x50 "$SNP_VCEK"
one_entry "tsm sev_guest"
if [ "$IS_ROOT" = 1 ]; then
	o=$(stat -c '%U %a' "$OBJ/tsm/$ENTRY/inblob")
	[ "$o" = "_powerattest 200" ] || fail "inblob is $o, not _powerattest's"
	o=$(stat -c '%U' "$OBJ/tsm/$ENTRY" "$OBJ/tsm/$ENTRY/outblob" |
	    sort -u)
	[ "$o" = root ] || fail "the entry is not root's: $o"
fi
[ "$(cat "$OBJ/tsm/$ENTRY/privlevel")" = 2 ] ||
    fail "privlevel: $(cat "$OBJ/tsm/$ENTRY/privlevel")"
# A new SevVmpl needs a restart (configfs wants root): reload refused.
{ echo "TEE tsm"; echo "TsmReportDirectory $OBJ/tsm"; echo "SevVmpl 1"; } |
    write_config
out=$("$POWERCTL" -s "$CTL" reload 2>&1) && fail "reload took SevVmpl: $out"
echo "$out" | grep -q "SevVmpl changed: restart frontd" ||
    fail "reload refusal does not name SevVmpl: $out"
$POWERCTL -s "$CTL" status > "$OBJ/status" 2>&1 ||
    fail "powerctl status: $(cat "$OBJ/status")"
grep -q "^attestd .*tee tsm: configfs-tsm $OBJ/tsm" "$OBJ/status" ||
    fail "powerctl status has no TEE line: $(cat "$OBJ/status")"
echo "configfs-tsm (fake sev_guest): $(time_reports 20)"
one_entry "20 reports"

# 2. Another writer moves the generation in both tries: an error, no
# report; then the entry serves again.
: > "$OBJ/bump"
attestation
[ "$CODE" = 503 ] || fail "generation change: HTTP $CODE: $BODY"
wait_log "generation changed underneath" 2 ||
    fail "generation change not logged"
one_entry "generation change"
attestation
[ "$CODE" = 200 ] || fail "after the generation change: HTTP $CODE"

# 3. attestd killed: the parent restarts it and it serves again.
old=$(pid_of attestd) || fail "no attestd"
kill -KILL "$old"
wait_new_pid attestd "$old" 5 || fail "attestd not restarted"
wait_healthy 5 || fail "/health not ok after attestd's restart"
attestation
[ "$CODE" = 200 ] || fail "after attestd's restart: HTTP $CODE: $BODY"
check_json sev-snp "$SNP_REPORT" 0x50 "$SNP_VCEK"
one_entry "attestd's restart"

# 4. A malformed ATTEST_REPORT_REQ from the network side is fatal.
if [ "$IS_ROOT" = 1 ] && command -v ss >/dev/null; then
	old=$(pid_of attestd) || fail "no attestd"
	inject_bad_request
	wait_log "network broke the protocol: ATTEST_REPORT_REQ: report_data of 63 bytes" 2 ||
	    fail "a 63-byte report_data was not a violation"
	wait_new_pid attestd "$old" 5 || fail "attestd not restarted"
	wait_healthy 5 || fail "/health not ok after the violation"
fi

# 5. configfs-tsm with a tdx_guest provider: a quote, no auxblob.
fake tdx "$TDX_QUOTE"
family tdx "TsmReportDirectory $OBJ/tsm" "TdxGuestDevice $TDX_QUOTE"
attestation
[ "$CODE" = 200 ] || fail "tsm tdx_guest: HTTP $CODE: $BODY"
check_json tdx "$TDX_QUOTE" 568 -
one_entry "tsm tdx_guest"
stop_fake

# 6. Simulated.
family simulate
attestation
[ "$CODE" = 200 ] || fail "simulate: HTTP $CODE: $BODY"
check_json simulated - 40
echo "simulated: $(time_reports 20)"

# 7. No TEE: 503.
family none
attestation
[ "$CODE" = 503 ] || fail "TEE none: HTTP $CODE: $BODY"
echo "$BODY" | grep -q '"tee_unavailable"' || fail "TEE none: $BODY"
pass
