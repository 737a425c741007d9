#!/bin/sh
# power-verify on every real SEV-SNP report in tests/data with the
# certificate that signed it: all pass.  Then every way to break one
# fails on the check that should catch it: a flipped bit in the report
# body, the signature or the VCEK; a wrong nonce, model hash or
# measurement; an expired chain without --at; a look-alike AMD chain
# made here with openssl(1); a simulated report without
# --allow-simulated; a /v1/attestation document that lies about the
# report.  No daemon is started.
tid="verify-snp"
. "$(dirname "$0")/test-exec.sh"

PV=${POWER_VERIFY:-$top_builddir/power-verify/power-verify}
D=$top_srcdir/tests/data/attestation/sev-snp
[ -x "$PV" ] || fail "$PV not built"
command -v python3 >/dev/null || skip "python3 not installed"
command -v openssl >/dev/null || skip "openssl(1) not installed"
cd "$OBJ" || fail "cd $OBJ"

GSG=$D/go-sev-guest/attestation.bin
GSG_VCEK=$D/go-sev-guest/vcek.testcer
EXPIRED_OK=--at=2025-06-01T00:00:00Z

# verify NAME ARGS...: run power-verify report, table in NAME.out.
verify() {
	out=$1
	shift
	"$PV" report "$@" >"$out.out" 2>"$out.err"
	echo $?
}

# has NAME CHECK RESULT: the table of NAME shows CHECK with RESULT.
has() {
	grep -Eq "^$2 +$3 " "$1.out"
}

# ok NAME ARGS...: exit 0, the SNP checks pass, the table says so.
ok() {
	n=$1
	rc=$(verify "$@")
	[ "$rc" = 0 ] || { cat "$n.out" "$n.err"; fail "$n: exit $rc"; }
	for c in snp-report-parse snp-signature snp-chain snp-tcb-binding \
	    policy-debug; do
		has "$n" "$c" pass || { cat "$n.out"; fail "$n: $c"; }
	done
	grep -q "^verified: every required check passed" "$n.out" ||
	    fail "$n: no verdict"
}

# bad NAME CHECK ARGS...: exit 1, and CHECK is the one that says FAIL.
bad() {
	n=$1
	c=$2
	shift 2
	rc=$(verify "$n" "$@")
	[ "$rc" = 1 ] || { cat "$n.out" "$n.err"; fail "$n: exit $rc"; }
	has "$n" "$c" FAIL || { cat "$n.out"; fail "$n: $c did not fail"; }
	grep -q "^NOT VERIFIED" "$n.out" || fail "$n: no verdict"
}

# flip IN OUT OFFSET: copy IN with one bit of byte OFFSET changed.
flip() {
	python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[int(sys.argv[3], 0)] ^= 0x01
open(sys.argv[2], "wb").write(d)' "$1" "$2" "$3" || fail "flip $1"
}

# --- inputs that need extracting: Azure HCL and the Genoa JSON.
python3 -c 'import json, sys
d = open(sys.argv[1], "rb").read()
open("hcl.bin", "wb").write(d[32:1216])
j = json.load(open(sys.argv[2]))
open("genoa.bin", "wb").write(bytes(j["report"])[32:1216])' \
    "$D/trustee/az-snp-vtpm/hcl-report.bin" \
    "$D/trustee/az-snp-vtpm/evidence-genoa.json" || fail "extract"
openssl x509 -in "$D/trustee/az-snp-vtpm/vcek.pem" -out az-vcek.pem ||
    fail "first cert of vcek.pem"

# --- every real report verifies with its signer.
ok gsg "$GSG" --cert "$GSG_VCEK" --allow-debug
ok virtee "$D/virtee-sev/report_milan.hex" \
    --cert "$D/virtee-sev/vcek_milan.der"
ok trustee "$D/trustee/test-report.bin" --cert "$D/trustee/test-vcek.der"
ok vlek "$D/trustee/test-vlek-report.bin" --cert "$D/trustee/test-vlek.der" \
    $EXPIRED_OK
has vlek snp-signature pass && grep -q "VLEK" vlek.out ||
    fail "vlek: not signed by the VLEK"
ok azure hcl.bin --cert az-vcek.pem
ok azure-bundle hcl.bin --cert "$D/trustee/az-snp-vtpm/vcek.pem"
ok genoa genoa.bin --cert "$D/trustee/az-snp-vtpm/vcek-genoa.pem"
grep -q "ARK-Genoa" genoa.out || fail "genoa: not the Genoa chain"
ok gcp "$D/teekit/sev-gcp.bin" --cert "$D/teekit/sev-gcp-vcek.pem"
ok gcp-rd "$D/teekit/sev-gcp-reportdata.bin" \
    --cert "$D/teekit/sev-gcp-vcek.pem"
ok gcp-x25519 "$D/teekit/sev-gcp-x25519-bound.bin" \
    --cert "$D/teekit/sev-gcp-x25519-vcek.pem"

# Base64 text and standard input are read too.
python3 -c 'import base64, sys
sys.stdout.write(base64.encodebytes(open(sys.argv[1], "rb").read()).decode())' \
    "$GSG" >gsg.b64
ok gsg-b64 gsg.b64 --cert "$GSG_VCEK" --allow-debug
ok gsg-stdin - --cert "$GSG_VCEK" --allow-debug <"$GSG"

# --- policy: go-sev-guest's guest allows debugging.
bad gsg-debug policy-debug "$GSG" --cert "$GSG_VCEK"
bad gcp-vmpl policy-vmpl "$D/teekit/sev-gcp-reportdata.bin" \
    --cert "$D/teekit/sev-gcp-vcek.pem" --vmpl 0
ok gcp-vmpl1 "$D/teekit/sev-gcp-reportdata.bin" \
    --cert "$D/teekit/sev-gcp-vcek.pem" --vmpl 1
bad min-tcb policy-min-tcb "$D/trustee/test-report.bin" \
    --cert "$D/trustee/test-vcek.der" --min-tcb 3:0:8:116
ok min-tcb-ok "$D/trustee/test-report.bin" \
    --cert "$D/trustee/test-vcek.der" --min-tcb 3:0:8:115
bad min-version policy-report-version "$D/trustee/test-report.bin" \
    --cert "$D/trustee/test-vcek.der" --min-report-version 3

# --- a flipped bit anywhere in the signed body or the signature.
for off in 21 0x50 0x90 0x180 0x1a0; do
	flip "$GSG" body.bin $off
	bad "body-$off" snp-signature body.bin --cert "$GSG_VCEK" --allow-debug
done
flip "$GSG" sig.bin $((0x2a0 + 5))
bad sig-r snp-signature sig.bin --cert "$GSG_VCEK" --allow-debug
flip "$GSG" sig.bin $((0x2e8 + 7))
bad sig-s snp-signature sig.bin --cert "$GSG_VCEK" --allow-debug

# A VCEK whose to-be-signed part changed (a digit of notBefore, so it
# still parses) no longer chains to AMD.
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b"\x17\x0d")
d[i + 2 + 11] ^= 0x01
open("vcek-flip.der", "wb").write(d)' "$GSG_VCEK" || fail "vcek flip"
bad vcek-flip snp-chain "$GSG" --cert vcek-flip.der --allow-debug
# trustee's deliberately altered VCEKs: another hwID, a broken signature.
bad vcek-legacy snp-signature "$D/trustee/test-report.bin" \
    --cert "$D/trustee/test-vcek-invalid-legacy.der"
# Another chip's VCEK: the signature cannot verify.
bad other-chip snp-signature "$D/trustee/test-report.bin" \
    --cert "$D/virtee-sev/vcek_milan.der"
bad no-cert snp-signature "$GSG" --allow-debug

# --- bindings: go-sev-guest's report_data is 0102030405, then zeros.
Z27=000000000000000000000000000000000000000000000000000000
Z32=0000000000000000000000000000000000000000000000000000000000000000
ok nonce "$GSG" --cert "$GSG_VCEK" --allow-debug --nonce 0102030405$Z27 \
    --model-sha256 $Z32
has nonce nonce-binding pass || fail "nonce: not checked"
has nonce model-binding pass || fail "model: not checked"
bad nonce-bad nonce-binding "$GSG" --cert "$GSG_VCEK" --allow-debug \
    --nonce 0102030406$Z27
bad model-bad model-binding "$GSG" --cert "$GSG_VCEK" --allow-debug \
    --model-sha256 0100000000000000000000000000000000000000000000000000000000000000
M=$(sed -n 's/^measurement .* \([0-9a-f]\{96\}\) (no.*/\1/p' gsg.out)
[ ${#M} = 96 ] || fail "measurement not shown"
ok pin "$GSG" --cert "$GSG_VCEK" --allow-debug --measurement "$M"
has pin measurement pass || fail "pin: not checked"
bad pin-bad measurement "$GSG" --cert "$GSG_VCEK" --allow-debug \
    --measurement "$(echo "$M" | tr 0-9a-f 1-9a-f0)"

# --- an expired chain fails without --at.
bad vlek-expired snp-chain "$D/trustee/test-vlek-report.bin" \
    --cert "$D/trustee/test-vlek.der"
grep -q "expired" vlek-expired.out || fail "vlek-expired: not for expiry"

# --- a look-alike AMD chain: same names, our own keys.
subj="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"
pss="-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sha384"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' \
    >ca.ext
{
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ark.key \
	    -subj "$subj/CN=ARK-Milan" -days 30 $pss -out ark.pem &&
	openssl req -new -newkey rsa:2048 -nodes -keyout ask.key \
	    -subj "$subj/CN=SEV-Milan" -out ask.csr &&
	openssl x509 -req -in ask.csr -CA ark.pem -CAkey ark.key \
	    -set_serial 2 -days 30 $pss -extfile ca.ext -out ask.pem &&
	openssl ecparam -name secp384r1 -genkey -noout -out vcek.key &&
	openssl req -new -key vcek.key -subj "$subj/CN=SEV-VCEK" \
	    -out vcek.csr &&
	openssl x509 -req -in vcek.csr -CA ask.pem -CAkey ask.key \
	    -set_serial 3 -days 30 $pss -out vcek.pem &&
	head -c $((0x2a0)) "$D/trustee/test-report.bin" >body &&
	openssl dgst -sha384 -sign vcek.key -out body.sig body
} >openssl.log 2>&1 || { cat openssl.log; fail "look-alike chain"; }
# The report re-signed by the fake VCEK: r and s little-endian.
python3 -c 'import sys
rep = bytearray(open(sys.argv[1], "rb").read())
sig = open("body.sig", "rb").read()
def der_int(b, i):
    assert b[i] == 2
    n = b[i + 1]
    return int.from_bytes(b[i + 2:i + 2 + n], "big"), i + 2 + n
i = 2 if sig[1] < 0x80 else 3
r, i = der_int(sig, i)
s, i = der_int(sig, i)
rep[0x2a0:0x2a0 + 72] = r.to_bytes(72, "little")
rep[0x2e8:0x2e8 + 72] = s.to_bytes(72, "little")
open("forged.bin", "wb").write(rep)' "$D/trustee/test-report.bin" ||
    fail "forge"
bad lookalike snp-chain forged.bin --cert vcek.pem --cert ask.pem \
    --cert ark.pem
has lookalike snp-signature pass || fail "lookalike: signature should pass"
grep -q "not AMD's pinned root" lookalike.out || fail "lookalike: why"
bad lookalike-leaf snp-chain forged.bin --cert vcek.pem
has lookalike-leaf snp-signature pass || fail "lookalike-leaf: signature"

# --- a simulated report needs --allow-simulated.
python3 -c 'import hashlib
m = b"POWER-SIMULATED-REPORT".ljust(32, b"\0")
m += (1).to_bytes(4, "little") + bytes(4)
m += bytes(range(64))
m += hashlib.sha384(b"power simulated measurement").digest()
open("sim.bin", "wb").write(m)' || fail "sim"
bad sim simulated sim.bin
rc=$(verify sim-ok sim.bin --allow-simulated)
[ "$rc" = 0 ] && has sim-ok simulated pass || fail "sim-ok: exit $rc"

# --- /v1/attestation documents: the certificate comes with it.
# doc OUT FIELD=VALUE...: the document of go-sev-guest's report, with
# fields replaced.
doc() {
	python3 -c 'import base64, hashlib, json, sys
rep = open(sys.argv[2], "rb").read()
der = open(sys.argv[3], "rb").read()
d = {"object": "attestation", "tee_type": "sev-snp", "simulated": False,
    "report": base64.b64encode(rep).decode(),
    "certificates": [{"type": "vcek", "der": base64.b64encode(der).decode()}],
    "nonce": rep[0x50:0x70].hex(), "model": "stories260K",
    "model_sha256": rep[0x70:0x90].hex(), "report_data": rep[0x50:0x90].hex(),
    "measurement": rep[0x90:0xc0].hex()}
for kv in sys.argv[4:]:
    k, v = kv.split("=", 1)
    d[k] = json.loads(v)
open(sys.argv[1], "w").write(json.dumps(d))' "$@" || fail "doc $1"
}
doc doc.json "$GSG" "$GSG_VCEK"
ok doc doc.json --allow-debug --nonce 0102030405$Z27
for c in json-document json-tee-type json-report-data json-measurement \
    json-nonce json-model-sha256; do
	has doc $c pass || { cat doc.out; fail "doc: $c"; }
done
doc lie.json "$GSG" "$GSG_VCEK" "measurement=\"$(echo "$M" |
    tr 0-9a-f 1-9a-f0)\""
bad doc-measurement json-measurement lie.json --allow-debug
doc lie.json "$GSG" "$GSG_VCEK" "tee_type=\"tdx\""
bad doc-tee json-tee-type lie.json --allow-debug
doc lie.json "$GSG" "$GSG_VCEK" "nonce=\"$Z32\""
bad doc-nonce json-nonce lie.json --allow-debug
doc lie.json "$GSG" "$GSG_VCEK" "report=\"AAAA\""
bad doc-report evidence-parse lie.json --allow-debug
printf '{"object": "attestation", "tee_type": ' >lie.json
bad doc-json json-document lie.json
# JSON output carries the same verdict.
"$PV" --json report "$GSG" --cert "$GSG_VCEK" --allow-debug >json.out ||
    fail "--json: exit $?"
python3 -c 'import json, sys
d = json.load(open("json.out"))
assert d["verified"] is True
assert any(c["name"] == "snp-chain" and c["result"] == "pass"
    for c in d["checks"])' || fail "--json output"

# --- usage errors exit 2; unreadable input exits 1.
"$PV" report >/dev/null 2>&1; [ $? = 2 ] || fail "no FILE: not 2"
"$PV" --nonce 12 report "$GSG" >/dev/null 2>&1; [ $? = 2 ] ||
    fail "short nonce: not 2"
"$PV" --at yesterday report "$GSG" >/dev/null 2>&1; [ $? = 2 ] ||
    fail "bad --at: not 2"
"$PV" --min-tcb 1:2:3 report "$GSG" >/dev/null 2>&1; [ $? = 2 ] ||
    fail "bad --min-tcb: not 2"
"$PV" frob x >/dev/null 2>&1; [ $? = 2 ] || fail "bad subcommand: not 2"
"$PV" report "$OBJ/nonexistent" >/dev/null 2>&1; [ $? = 1 ] ||
    fail "missing file: not 1"
"$PV" -q report "$GSG" --cert "$GSG_VCEK" --allow-debug >q.out ||
    fail "-q: exit $?"
[ -s q.out ] && fail "-q printed something"

pass
