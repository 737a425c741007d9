#!/bin/sh
# power-verify on every real Intel TDX quote in tests/data: all pass at a
# time inside their certificates' validity.  Then every way to break one
# fails on the check that should catch it, and on that check only: a
# flipped bit in the header, the TD report body, the quote signature,
# the attestation key, the QE report, its signature, the QE auth data,
# the PCK leaf or the platform CA; a look-alike Intel chain made here
# with openssl(1) and a QE report re-signed with its PCK key; Intel's TCB
# info and QE identity with a flipped byte, for another FMSPC or out of
# date; a debug TD; an expired chain without --at.  Then the TCB levels
# of the real collateral, edited copies of it, --min-tdx-tcb, and Intel's
# CRLs in date, out of date, tampered with, and one revoking a look-alike
# PCK.  No daemon is started.
tid="verify-tdx"
. "$(dirname "$0")/test-exec.sh"

PV=${POWER_VERIFY:-$top_builddir/power-verify/power-verify}
D=$(cd "$top_srcdir" && pwd)/tests/data/attestation/tdx
G=$D/go-tdx-guest
[ -x "$PV" ] || fail "$PV not built"
PV=$(cd "$(dirname "$PV")" && pwd)/$(basename "$PV")
command -v python3 >/dev/null || skip "python3 not installed"
command -v openssl >/dev/null || skip "openssl(1) not installed"
cd "$OBJ" || fail "cd $OBJ"

# Upstream test times: inside every certificate and collateral window.
AT_SPR=--at=2023-07-01T01:00:00Z
AT=--at=2026-02-03T01:00:00Z
COLL="--tcb-info=$G/sample_tcbInfo_response
    --qe-identity=$G/sample_qeIdentity_response
    --tcb-chain=$G/tcb_signing_issuer_chain.pem"

# verify NAME ARGS...: power-verify report; the table in NAME.out.
verify() {
	out=$1
	shift
	"$PV" report "$@" >"$out.out" 2>"$out.err"
	echo $?
}

# failed NAME: the checks that failed, sorted, on one line.
failed() {
	awk 'tolower($2) == "fail" { print $1 }' "$1.out" | sort | tr '\n' ' ' |
	    sed 's/ $//'
}

pass_ok() {
	name=$1
	shift
	rc=$(verify "$name" "$@")
	[ "$rc" = 0 ] || { cat "$name.out" "$name.err"; fail "$name: exit $rc"; }
}

# fail_on NAME "CHECKS" ARGS...: exit 1 and exactly these checks failed.
fail_on() {
	name=$1
	want=$2
	shift 2
	rc=$(verify "$name" "$@")
	got=$(failed "$name")
	if [ "$rc" != 1 ] || [ "$got" != "$want" ]; then
		cat "$name.out" "$name.err"
		fail "$name: exit $rc, failed \"$got\", want \"$want\""
	fi
}

# Quotes kept as base64 are decoded; SPR_E4 loses the text upstream
# appended after the quote ("extra bytes(only for testing purpose)").
python3 - "$D" <<'EOF' || fail "cannot prepare the quotes"
import base64, json, sys
d = sys.argv[1]
doc = json.load(open(d + "/teekit/tdx-v4-gcp.json"))
open("gcp.dat", "wb").write(base64.b64decode(doc["tdx"]["quote"]))
open("azure.dat", "wb").write(base64.b64decode(
    open(d + "/teekit/tdx-v4-azure", "rb").read()))
spr = open(d + "/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", "rb").read()
open("spr.dat", "wb").write(spr[:4935])
EOF

# 1. Every quote verifies.  SPR_E4 is below every TCB level of its TCB
# info (section 8), so its collateral is checked on trustee's quote 4,
# the same platform (FMSPC 50806f000000) in debug mode.
fail_on spr "tdx-tcb-status" spr.dat $AT_SPR $COLL
pass_ok trustee4-coll "$D/trustee/tdx_quote_4.dat" $AT_SPR $COLL --allow-debug
pass_ok spr-bare spr.dat $AT
pass_ok v5 "$G/quote_v5_sample.dat" $AT
pass_ok cos113 "$G/ccel/cos-113-tdx-quote.dat" $AT
pass_ok trustee4 "$D/trustee/tdx_quote_4.dat" $AT --allow-debug
pass_ok trustee5 "$D/trustee/tdx_quote_5.dat" $AT
pass_ok trustee6 "$D/trustee/tdx_quote_6.dat" $AT
pass_ok az-vtpm "$D/trustee/az-tdx-vtpm/td-quote.bin" $AT
pass_ok gcp gcp.dat $AT
pass_ok azure azure.dat $AT
pass_ok edgeless "$D/teekit/tdx-v4-edgeless.dat" $AT
pass_ok moemahhouk "$D/teekit/tdx-v4-moemahhouk.dat" $AT
pass_ok phala "$D/teekit/tdx-v4-phala.dat" $AT
grep -q '^tdx-tcb-fmspc  *pass .*50806f000000' spr.out ||
    fail "spr: FMSPC not matched against TCB info"
grep -q '^tdx-qe-identity  *pass' spr.out || fail "spr: QE identity"
grep -q '^tdx-tcb-status  *pass  *platform  *UpToDate (level of 2023-02-15T00:00:00Z)$' \
    trustee4-coll.out || fail "trustee4: $(cat trustee4-coll.out)"

# 2. Not TDX quotes, or not only a quote.
rc=$(verify sgx "$D/trustee/occlum_quote.dat" $AT)
[ "$rc" = 1 ] || fail "SGX quote: exit $rc"
# Upstream appended 39 bytes of text to this quote: signed by nobody,
# reported and ignored.
rc=$(verify trailing "$G/tdx_prod_quote_SPR_E4.dat" $AT)
[ "$rc" = 0 ] || fail "quote with trailing text: exit $rc"
grep -q '^tdx-trailing-data  *skip.*39 bytes' trailing.out ||
    fail "trailing text not reported"

# 3. One flipped bit or byte each (offsets in a v4 quote: header 0,
# body 48, signature 636, attestation key 700, QE report 770, QE report
# signature 1154, QE auth data 1220, PEM chain 1258).
python3 <<'EOF' || fail "cannot flip bits"
q = open("spr.dat", "rb").read()
def flip(name, off, bit=0x01):
    b = bytearray(q)
    b[off] ^= bit
    open(name, "wb").write(b)
flip("f-header.dat", 30)		# user_data
flip("f-body.dat", 48 + 136)		# MRTD
flip("f-rdata.dat", 48 + 520 + 63)	# REPORTDATA
flip("f-sig.dat", 636 + 40)
flip("f-ak.dat", 700 + 10)
flip("f-qe.dat", 770 + 100)
flip("f-qe-rdata.dat", 770 + 320)
flip("f-qe-sig.dat", 1154 + 40)
flip("f-auth.dat", 1220 + 5)
# A base64 character in the signatures of the PCK leaf and the platform
# CA (near their ends), and in the platform CA's names (it no longer
# parses).
def b64(name, i, step):
    b = bytearray(q)
    while not chr(b[i]).isalnum(): i += step
    b[i] = ord("B") if b[i] != ord("B") else ord("C")
    open(name, "wb").write(b)
end = q.index(b"-----END CERTIFICATE-----")
end2 = q.index(b"-----END CERTIFICATE-----", end + 1)
b64("f-pck.dat", end - 40, -1)
b64("f-ca.dat", end2 - 40, -1)
b64("f-ca-name.dat", q.index(b"-----BEGIN", end) + 28 + 150, 1)
EOF
fail_on f-header "tdx-quote-signature" f-header.dat $AT
fail_on f-body "tdx-quote-signature" f-body.dat $AT
fail_on f-rdata "tdx-quote-signature" f-rdata.dat $AT
fail_on f-sig "tdx-quote-signature" f-sig.dat $AT
fail_on f-ak "tdx-ak-binding tdx-quote-signature" f-ak.dat $AT
fail_on f-qe "tdx-qe-report-signature" f-qe.dat $AT
fail_on f-qe-rdata "tdx-ak-binding tdx-qe-report-signature" \
    f-qe-rdata.dat $AT
fail_on f-qe-sig "tdx-qe-report-signature" f-qe-sig.dat $AT
fail_on f-auth "tdx-ak-binding" f-auth.dat $AT
fail_on f-pck "tdx-pck-chain" f-pck.dat $AT
fail_on f-ca "tdx-pck-chain" f-ca.dat $AT
fail_on f-ca-name "tdx-pck-chain" f-ca-name.dat $AT
grep -q 'depth 0: certificate signature' f-pck.out || fail "f-pck: $(cat f-pck.out)"
grep -q 'depth 1: certificate signature' f-ca.out || fail "f-ca: $(cat f-ca.out)"

# 4. Intel's collateral: a flipped byte in the signed text or the
# signature, the wrong platform's TCB info, the wrong time.
python3 - "$G" <<'EOF' || fail "cannot edit collateral"
import sys
g = sys.argv[1]
for src, dst in (("sample_tcbInfo_response", "tcb"),
    ("sample_qeIdentity_response", "qeid")):
    t = open(g + "/" + src, "rb").read()
    i = t.index(b'"issueDate":"') + 16		# a digit of the year
    b = bytearray(t); b[i] ^= 0x01
    open(dst + "-body.json", "wb").write(b)
    i = t.index(b'"signature":"') + 20
    b = bytearray(t); b[i] = ord("0") if b[i] != ord("0") else ord("1")
    open(dst + "-sig.json", "wb").write(b)
EOF
CHAIN=--tcb-chain=$G/tcb_signing_issuer_chain.pem
fail_on tcb-body "tdx-tcb-info-signature tdx-tcb-status" spr.dat $AT_SPR $CHAIN \
    --tcb-info=tcb-body.json
fail_on tcb-sig "tdx-tcb-info-signature tdx-tcb-status" spr.dat $AT_SPR $CHAIN \
    --tcb-info=tcb-sig.json
fail_on qeid-body "tdx-qe-identity-signature" spr.dat $AT_SPR $CHAIN \
    --qe-identity=qeid-body.json
fail_on qeid-sig "tdx-qe-identity-signature" spr.dat $AT_SPR $CHAIN \
    --qe-identity=qeid-sig.json
fail_on tcb-fmspc "tdx-tcb-fmspc tdx-tcb-info-fresh" spr.dat $AT_SPR \
    $CHAIN --tcb-info=$G/sample_tcbinfo_response_v5
fail_on tcb-nochain "tdx-tcb-info-signature tdx-tcb-status" spr.dat $AT_SPR \
    --tcb-info=$G/sample_tcbInfo_response
fail_on tcb-late "tdx-tcb-info-fresh tdx-tcb-status" spr.dat --at=2023-08-01T00:00:00Z \
    $CHAIN --tcb-info=$G/sample_tcbInfo_response
# Collateral is not a PCK chain's business: the PCK is no TCB signer.
python3 - <<'EOF' || fail "cannot extract the PCK chain"
q = open("spr.dat", "rb").read()
open("pck-chain.pem", "wb").write(q[q.index(b"-----BEGIN"):])
EOF
fail_on tcb-pck-signer "tdx-tcb-info-signature tdx-tcb-status" spr.dat $AT_SPR \
    --tcb-chain=pck-chain.pem --tcb-info=$G/sample_tcbInfo_response

# 5. Time: the TCB signing certificate expired in 2025; the PCK
# platform CA expires in 2033 and no certificate is older than 2018.
rc=$(verify expired spr.dat $COLL)
[ "$rc" = 1 ] || fail "expired collateral without --at: exit $rc"
grep -qi '^tdx-tcb-info-signature  *fail .*expired' expired.out ||
    fail "expired: $(cat expired.out)"
fail_on pck-late "tdx-pck-chain" spr.dat --at=2034-01-01T00:00:00Z
fail_on pck-early "tdx-pck-chain" spr.dat --at=2017-01-01T00:00:00Z

# 6. Policy: a debug TD, an old quote version, a measurement pin.
fail_on debug "policy-debug" "$D/trustee/tdx_quote_4.dat" $AT
fail_on minver "policy-report-version" spr.dat $AT --min-report-version=5
pass_ok minver5 "$G/quote_v5_sample.dat" $AT --min-report-version=5
MRTD=$(python3 -c 'print(open("spr.dat", "rb").read()[184:232].hex())')
BAD=$(python3 -c 'b = bytearray(open("spr.dat", "rb").read()[184:232])
b[0] ^= 1
print(b.hex())')
pass_ok mrtd spr.dat $AT --measurement="$MRTD"
fail_on mrtd-bad "measurement" spr.dat $AT --measurement="$BAD"

# 7. A look-alike Intel chain: same names, our keys.  The QE report is
# re-signed with the look-alike PCK key, so only the chain can tell.
# Then the real root with a look-alike platform CA under it.
subj="/O=Intel Corporation/L=Santa Clara/ST=CA/C=US"
for k in root ca pck; do
	openssl ecparam -name prime256v1 -genkey -noout -out $k.key ||
	    fail "openssl ecparam"
done
# The authority key id of the real root's key, so that under the real
# root the chain builds and only the signature (or, in section 10,
# revocation) stops it.
printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" \
    "keyUsage=critical,keyCertSign,cRLSign" \
    "2.5.29.35=DER:3016801422650cd65a9d3489f383b49552bf501b392706ac" \
    >ca.ext
# The SGX extension with only an FMSPC in it.
printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,nonRepudiation" \
    "1.2.840.113741.1.13.1=DER:30143012060a2a864886f84d010d0104040650806f000000" \
    >pck.ext
openssl req -new -x509 -key root.key -days 3650 -subj \
    "/CN=Intel SGX Root CA$subj" -out root.pem 2>/dev/null &&
openssl req -new -key ca.key -subj "/CN=Intel SGX PCK Platform CA$subj" \
    -out ca.csr 2>/dev/null &&
openssl x509 -req -in ca.csr -CA root.pem -CAkey root.key -days 3650 \
    -set_serial 2 -extfile ca.ext -out ca.pem 2>/dev/null &&
openssl req -new -key pck.key -subj "/CN=Intel SGX PCK Certificate$subj" \
    -out pck.csr 2>/dev/null &&
openssl x509 -req -in pck.csr -CA ca.pem -CAkey ca.key -days 3650 \
    -set_serial 3 -extfile pck.ext -out pck.pem 2>/dev/null ||
    fail "cannot make the look-alike chain"
cat pck.pem ca.pem root.pem >fake-chain.pem
cat pck.pem ca.pem "$G/trusted_root.pem" >fake-mid.pem
python3 - <<'EOF' || fail "cannot cut the QE report"
q = open("spr.dat", "rb").read()
open("qe.bin", "wb").write(q[770:770 + 384])
EOF
openssl dgst -sha256 -sign pck.key -out qe.sig qe.bin ||
    fail "cannot sign the QE report"
python3 - <<'EOF' || fail "cannot build the look-alike quotes"
import struct
q = bytearray(open("spr.dat", "rb").read())
der = open("qe.sig", "rb").read()
def integer(d, i):	# DER INTEGER at i: value, next index
    assert d[i] == 2
    n = d[i + 1]
    v = int.from_bytes(d[i + 2:i + 2 + n], "big")
    return v, i + 2 + n
assert der[0] == 0x30 and der[1] < 0x80
r, i = integer(der, 2)
s, _ = integer(der, i)
q[1154:1218] = r.to_bytes(32, "big") + s.to_bytes(32, "big")
for src, dst in (("fake-chain.pem", "fake-root.dat"),
    ("fake-mid.pem", "fake-mid.dat")):
    pem = open(src, "rb").read()
    b = bytearray(q[:1258]) + pem
    struct.pack_into("<I", b, 1254, len(pem))		# inner size
    struct.pack_into("<I", b, 766, len(b) - 770)	# cert data size
    struct.pack_into("<I", b, 632, len(b) - 636)	# signature data
    open(dst, "wb").write(b)
EOF
fail_on fake-root "tdx-pck-chain" fake-root.dat
grep -q 'not the pinned' fake-root.out || fail "fake-root: $(cat fake-root.out)"
fail_on fake-mid "tdx-pck-chain" fake-mid.dat
grep -q 'depth 1: certificate signature failure' fake-mid.out ||
    fail "fake-mid: $(cat fake-mid.out)"

# 8. TCB levels (Intel's TDX TCB level matching).  SPR_E4's PCK is below
# every level of its TCB info in the SGX components (03030202 02010002
# against 05050202 03010003) and its TEE_TCB_SVN[2] is 4 against 5: no
# level matches, and no --allow-tcb-status changes that.  Its QE (ISVSVN
# 4) is UpToDate.
grep -q '^tdx-tcb-status  *FAIL  *platform  *no TCB level matches PCK SGX TCB 03030202020100020000000000000000, PCESVN 11, TEE_TCB_SVN 03000400000000000000000000000000$' \
    spr.out || fail "spr: $(grep tcb-status spr.out)"
grep -q '^tdx-qe-tcb-status  *pass  *QE  *UpToDate (level of 2023-02-15T00:00:00Z)$' \
    spr.out || fail "spr: $(grep qe-tcb-status spr.out)"
fail_on spr-allow "tdx-tcb-status" spr.dat $AT_SPR $COLL \
    --allow-tcb-status=OutOfDate --allow-tcb-status=SWHardeningNeeded
# The v5 sample: its TCB info's signer expired before it was issued, so
# the signature fails; the level is evaluated all the same: UpToDate,
# TDX module TDX_01 (TEE_TCB_SVN[0] 11, level 6) and TEE_TCB_SVN2 too.
V5TCB="--tcb-info=$G/sample_tcbinfo_response_v5 $CHAIN"
fail_on v5-tcb "tdx-tcb-info-signature" "$G/quote_v5_sample.dat" $AT $V5TCB
grep -q '^tdx-tcb-status  *pass .*UpToDate (level of 2024-11-13T00:00:00Z, level UpToDate, module TDX_01 UpToDate, TEE_TCB_SVN2 UpToDate); the document is not verified$' \
    v5-tcb.out || fail "v5-tcb: $(grep tcb-status v5-tcb.out)"
# trustee's quote 6 with trustee's TCB info: OutOfDate, which
# --allow-tcb-status lets through (its signer had expired too).
T6="$D/trustee/tdx_quote_6.dat --at=2025-11-01T00:00:00Z $CHAIN
    --tcb-info=$D/trustee/tcbInfo.json"
fail_on t6 "tdx-tcb-info-signature tdx-tcb-status" $T6
grep -q '^tdx-tcb-status  *FAIL .*OutOfDate (level of 2018-01-04T00:00:00Z, level OutOfDate, module TDX_03 UpToDate)' \
    t6.out || fail "t6: $(grep tcb-status t6.out)"
fail_on t6-allow "tdx-tcb-info-signature" $T6 --allow-tcb-status=OutOfDate
grep -q '^tdx-tcb-status  *pass .*OutOfDate, allowed' t6-allow.out ||
    fail "t6-allow: $(grep tcb-status t6-allow.out)"
rc=$(verify revoked-allow spr.dat --allow-tcb-status=Revoked)
[ "$rc" = 2 ] || fail "--allow-tcb-status=Revoked: exit $rc"
# Edited copies of the v5 TCB info (unverified either way): without its
# newest level the platform lands on the OutOfDate one of 2024-03-13;
# a TDX_01 module level above TEE_TCB_SVN[0] (11) but not above
# TEE_TCB_SVN2[0] (13) makes the TD's launch TCB out of date and the one
# it runs on now up to date: relaunch.  Unknown module version: fail.
python3 - "$G" <<'EOF' || fail "cannot edit the v5 TCB info"
import json, sys
src = json.load(open(sys.argv[1] + "/sample_tcbinfo_response_v5"))
doc = json.loads(json.dumps(src))
del doc["tcbInfo"]["tcbLevels"][0]
json.dump(doc, open("v5-old.json", "w"))
doc = json.loads(json.dumps(src))
for m in doc["tcbInfo"]["tdxModuleIdentities"]:
    if m["id"] == "TDX_01":
        m["tcbLevels"] = [
            {"tcb": {"isvsvn": 13}, "tcbDate": "2025-01-01T00:00:00Z",
             "tcbStatus": "UpToDate"},
            {"tcb": {"isvsvn": 4}, "tcbDate": "2024-03-13T00:00:00Z",
             "tcbStatus": "OutOfDate"}]
json.dump(doc, open("v5-relaunch.json", "w"))
doc = json.loads(json.dumps(src))
for m in doc["tcbInfo"]["tdxModuleIdentities"]:
    m["id"] = "TDX_7F"
json.dump(doc, open("v5-nomodule.json", "w"))
EOF
V5="$G/quote_v5_sample.dat $AT $CHAIN"
fail_on v5-old "tdx-tcb-info-signature tdx-tcb-status" $V5 \
    --tcb-info=v5-old.json
grep -q '^tdx-tcb-status  *FAIL .*OutOfDate (level of 2024-03-13T00:00:00Z, level OutOfDate, module TDX_01 UpToDate, TEE_TCB_SVN2 OutOfDate); advisories INTEL-SA-01036,INTEL-SA-01079,' \
    v5-old.out || fail "v5-old: $(grep tcb-status v5-old.out)"
fail_on v5-old-allow "tdx-tcb-info-signature" $V5 --tcb-info=v5-old.json \
    --allow-tcb-status=OutOfDate
fail_on v5-relaunch "tdx-tcb-info-signature tdx-tcb-status" $V5 \
    --tcb-info=v5-relaunch.json
grep -q '^tdx-tcb-status  *FAIL .*TDRelaunchAdvised (level of 2024-11-13T00:00:00Z, level UpToDate, module TDX_01 OutOfDate, TEE_TCB_SVN2 UpToDate)' \
    v5-relaunch.out || fail "v5-relaunch: $(grep tcb-status v5-relaunch.out)"
fail_on v5-relaunch-allow "tdx-tcb-info-signature" $V5 \
    --tcb-info=v5-relaunch.json --allow-tcb-status=TDRelaunchAdvised
fail_on v5-nomodule "tdx-tcb-info-signature tdx-tcb-status" $V5 \
    --tcb-info=v5-nomodule.json
grep -q 'no TDX module identity TDX_01' v5-nomodule.out ||
    fail "v5-nomodule: $(grep tcb-status v5-nomodule.out)"

# 9. --min-tdx-tcb: every byte of TEE_TCB_SVN (SPR_E4: 03 00 04).
pass_ok min-tdx spr.dat $AT --min-tdx-tcb=03000400000000000000000000000000
grep -q '^policy-min-tcb  *pass' min-tdx.out || fail "min-tdx: not checked"
fail_on min-tdx-low "policy-min-tcb" spr.dat $AT \
    --min-tdx-tcb=03000500000000000000000000000000
grep -q 'TEE_TCB_SVN\[2\] 4 is below the minimum 5' min-tdx-low.out ||
    fail "min-tdx-low: $(grep policy-min-tcb min-tdx-low.out)"
fail_on min-tdx-last "policy-min-tcb" spr.dat $AT \
    --min-tdx-tcb=00000000000000000000000000000001
rc=$(verify min-tdx-bad spr.dat --min-tdx-tcb=0300)
[ "$rc" = 2 ] || fail "--min-tdx-tcb=0300: exit $rc"

# 10. CRLs.  SPR_E4's PCK is issued by the PCK Platform CA, so Intel's
# platform CA CRL and root CA CRL (valid 2023-06-08 to 07-08) cover its
# whole chain, in DER or as one PEM file.  Either alone leaves a
# certificate without a CRL; out of date, not yet valid and a flipped
# signature byte fail; a file with no CRL is an error.
CRL="--crl=$G/pckcrl --crl=$G/rootcrl.der"
pass_ok crl spr.dat $AT_SPR $CRL
grep -q '^tdx-pck-chain  *pass .*none revoked (--crl)' crl.out ||
    fail "crl: $(grep pck-chain crl.out)"
pass_ok crl-coll "$D/trustee/tdx_quote_4.dat" $AT_SPR $COLL $CRL \
    --allow-debug
{ openssl crl -inform DER -in "$G/pckcrl" &&
    openssl crl -inform DER -in "$G/rootcrl.der"; } >crls.pem 2>/dev/null ||
    fail "cannot convert the CRLs"
pass_ok crl-pem spr.dat $AT_SPR --crl=crls.pem
fail_on crl-pck-only "tdx-pck-chain" spr.dat $AT_SPR --crl=$G/pckcrl
grep -q 'depth 1: unable to get certificate CRL' crl-pck-only.out ||
    fail "crl-pck-only: $(grep pck-chain crl-pck-only.out)"
fail_on crl-late "tdx-pck-chain" spr.dat --at=2023-07-09T00:00:00Z $CRL
grep -q 'CRL has expired' crl-late.out || fail "crl-late: $(cat crl-late.out)"
fail_on crl-early "tdx-pck-chain" spr.dat --at=2023-06-01T00:00:00Z $CRL
grep -q 'CRL is not yet valid' crl-early.out ||
    fail "crl-early: $(cat crl-early.out)"
python3 - "$G" <<'EOF' || fail "cannot flip a CRL byte"
import sys
b = bytearray(open(sys.argv[1] + "/pckcrl", "rb").read())
b[-5] ^= 0x01			# in the signature's s
open("pckcrl-sig.der", "wb").write(b)
EOF
fail_on crl-sig "tdx-pck-chain" spr.dat $AT_SPR --crl=pckcrl-sig.der \
    --crl=$G/rootcrl.der
grep -q 'CRL signature failure' crl-sig.out ||
    fail "crl-sig: $(cat crl-sig.out)"
rc=$(verify crl-none spr.dat --crl=spr.dat)
[ "$rc" = 1 ] && grep -q 'no PEM or DER CRL' crl-none.err ||
    fail "--crl with no CRL: exit $rc"
# A look-alike platform CA's CRL revoking its PCK: revocation is judged
# before signatures, so "revoked" names the leaf.
printf '%s\n' '[ca]' 'default_ca = d' '[d]' 'database = ca-index.txt' \
    'crlnumber = ca-crlnumber' 'default_md = sha256' >ca.cnf
: >ca-index.txt
echo 01 >ca-crlnumber
openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke pck.pem \
    >/dev/null 2>&1 &&
openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl \
    -crldays 30 -out revoked.crl >/dev/null 2>&1 ||
    fail "cannot make a CRL revoking the look-alike PCK"
fail_on fake-revoked "tdx-pck-chain" fake-mid.dat --crl=revoked.crl
grep -q 'depth 0: certificate revoked' fake-revoked.out ||
    fail "fake-revoked: $(cat fake-revoked.out)"

pass
