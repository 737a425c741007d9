#!/bin/sh
# power-seal end to end with the real binary: keygen (0600, refuses to
# overwrite), encrypt the bundled model with chunks on layer
# boundaries, verify tags and signatures, plaintext hash equals
# sha256sum of the GGUF, and every kind of tampering fails.  No daemon
# is started.
tid="seal"
. "$(dirname "$0")/test-exec.sh"

PS=$top_builddir/power-seal/power-seal
MK=$top_builddir/tests/tools/power-mkmodel
MODEL=$top_srcdir/models/stories260K.gguf
[ -x "$PS" ] || fail "$PS not built"
command -v openssl >/dev/null || skip "openssl(1) not installed"
cd "$OBJ" || fail "cd $OBJ"

# flip FILE OFFSET: change one byte in place.
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $(((b + 1) % 256)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# chunks FILE: "offset length" of each chunk power-seal info lists.
chunks() {
	"$PS" info "$1" | awk '/^chunk /{ print $3, $4 }'
}

# --- keys
"$PS" keygen k >keygen.out || fail "keygen"
grep -q '^key id [0-9a-f]\{16\}$' keygen.out || fail "keygen: no key id"
[ "$(stat -c %a k)" = 600 ] || fail "key file mode $(stat -c %a k)"
grep -qx '[0-9a-f]\{64\}' k || fail "key file is not 64 hex digits"
cp k k.orig
"$PS" keygen k 2>/dev/null && fail "keygen overwrote an existing key"
cmp -s k k.orig || fail "keygen changed an existing key"
"$PS" keygen k2 >/dev/null || fail "keygen k2"
openssl genpkey -algorithm ed25519 -out priv.pem 2>/dev/null &&
    openssl pkey -in priv.pem -pubout -out pub.pem 2>/dev/null &&
    openssl genpkey -algorithm ed25519 -out priv2.pem 2>/dev/null &&
    openssl pkey -in priv2.pem -pubout -out pub2.pem 2>/dev/null ||
    skip "openssl cannot make Ed25519 keys"

# --- encrypt, verify, hash
"$PS" encrypt -k k -s priv.pem "$MODEL" s.enc >enc.out 2>&1 ||
    fail "encrypt: $(cat enc.out)"
[ -f s.enc.sig ] && [ "$(stat -c %s s.enc.sig)" = 64 ] ||
    fail "encrypt -s wrote no 64-byte s.enc.sig"
ls | grep -q 'XXXX\|\.enc\.[A-Za-z0-9]\{6\}$' && fail "temp file left"
want=$(sha256sum "$MODEL" | cut -d' ' -f1)
got=$("$PS" hash -k k s.enc | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "decrypted hash $got, sha256sum says $want"
got=$("$PS" hash "$MODEL" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "plain hash $got, sha256sum says $want"
"$PS" verify -k k -p pub.pem --sha256 "$want" s.enc >v.out ||
    fail "verify: $(cat v.out)"
for w in "decrypt    pass" "signature  pass" "sha256-pin pass" \
    "sha256     $want"; do
	grep -q "^$w" v.out || fail "verify did not say '$w'"
done
"$PS" verify -k k --sha256 "$(echo "$want" | tr 0-9a-f 1-9a-f0)" s.enc \
    >v.out && fail "a wrong --sha256 passed"
grep -q '^sha256-pin FAIL' v.out || fail "wrong --sha256 not reported"

# --- chunks on tensor/layer boundaries, ciphertext 4096-aligned
"$PS" info "$MODEL" >plan.out || fail "info $MODEL"
labels=$(awk '/^chunk /{ printf "%s ", $5 }' plan.out)
[ "$labels" = "header blk.0 blk.1 blk.2 blk.3 blk.4 " ] ||
    fail "stories260K chunks: $labels"
[ "$(chunks "$MODEL")" = "$(chunks s.enc)" ] ||
    fail "the .enc chunk table is not the planned one"
"$PS" info s.enc | awk '/^chunk /{ if ($6 % 4096) exit 1 }' ||
    fail "a chunk is not 4096-aligned"
chunks s.enc | awk -v size=$(stat -c %s "$MODEL") '
    { if ($1 != next_off) exit 1; next_off = $1 + $2 }
    END { if (next_off != size) exit 1 }' ||
    fail "chunks do not tile the plaintext"
if [ -x "$MK" ]; then
	# Layers first, then output_norm/output: a tail chunk.
	"$MK" -o tiny.gguf -p tiny -l 3 || fail "power-mkmodel"
	labels=$("$PS" info tiny.gguf | awk '/^chunk /{ printf "%s ", $5 }')
	[ "$labels" = "header blk.0 blk.1 blk.2 output_norm.weight " ] ||
	    fail "tiny chunks: $labels"
	"$PS" encrypt -k k tiny.gguf tiny.enc >/dev/null ||
	    fail "encrypt tiny"
	[ "$(chunks tiny.gguf)" = "$(chunks tiny.enc)" ] ||
	    fail "tiny: the .enc chunk table is not the planned one"
	[ "$("$PS" hash -k k tiny.enc | cut -d' ' -f1)" = \
	    "$(sha256sum tiny.gguf | cut -d' ' -f1)" ] || fail "tiny hash"
fi
head -c 4 s.enc | grep -q PWRS || fail "no magic"
dd if=s.enc bs=4096 skip=1 count=1 2>/dev/null | head -c 4 | grep -q GGUF &&
    fail "chunk 0 holds plaintext"

# --- tampering
off=$("$PS" info s.enc | awk '$1 == "chunk" && $2 == 2 { print $6 + 77 }')
cp s.enc t.enc && flip t.enc "$off"
"$PS" verify -k k t.enc >v.out && fail "a flipped ciphertext byte passed"
grep -q 'decrypt    FAIL (chunk 2 of 6' v.out ||
    fail "flipped byte not blamed on chunk 2: $(cat v.out)"
cp s.enc t.enc && flip t.enc 48		# chunk 0's nonce, in the AAD
"$PS" verify -k k t.enc >v.out && fail "an edited header passed"
cp s.enc t.enc && truncate -s -1 t.enc
"$PS" verify -k k t.enc >v.out 2>&1 && fail "a truncated file passed"
"$PS" verify -k k2 s.enc >v.out 2>&1 && fail "a wrong key passed"
grep -q 'key id' v.out || fail "wrong key not reported by key id"
"$PS" verify -p pub.pem s.enc >v.out 2>&1 && fail "no -k, yet verified"

# --- signatures on a plain GGUF
cp "$MODEL" m.gguf
"$PS" sign -s priv.pem m.gguf >/dev/null || fail "sign m.gguf"
[ "$(stat -c %s m.gguf.sig)" = 64 ] || fail "m.gguf.sig is not 64 bytes"
"$PS" verify -p pub.pem m.gguf >v.out || fail "verify m.gguf: $(cat v.out)"
"$PS" verify -p pub2.pem m.gguf >v.out && fail "a wrong public key passed"
grep -q '^signature  FAIL' v.out || fail "wrong public key not reported"
# The .enc's signature covers the plaintext, so it verifies the GGUF.
cp s.enc.sig m.gguf.sig
"$PS" verify -p pub.pem m.gguf >/dev/null || fail "enc sig on plaintext"
flip m.gguf.sig 10
"$PS" verify -p pub.pem m.gguf >/dev/null && fail "a flipped signature passed"
"$PS" sign -s priv.pem m.gguf >/dev/null || fail "re-sign m.gguf"
flip m.gguf 600000
"$PS" verify -p pub.pem m.gguf >/dev/null && fail "a tampered model passed"
# openssl(1) alone checks it, from the documented statement.
if command -v xxd >/dev/null && command -v tac >/dev/null; then
	{
		printf 'power-model-signature-v1\000'
		echo "$want" | xxd -r -p
		printf '%016x' "$(stat -c %s "$MODEL")" | fold -w2 | tac |
		    tr -d '\n' | xxd -r -p
	} >stmt
	[ "$(stat -c %s stmt)" = 65 ] || fail "statement is not 65 bytes"
	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in stmt \
	    -sigfile s.enc.sig >/dev/null 2>&1 ||
	    fail "openssl pkeyutl does not verify the .enc signature"
fi
"$PS" sign -s priv.pem s.enc >/dev/null 2>&1 && fail "signed .enc without -k"
"$PS" sign -s priv2.pem -k k s.enc >/dev/null || fail "sign .enc with -k"
"$PS" verify -k k -p pub2.pem s.enc >/dev/null || fail "re-signed .enc"

# --- refusals
"$PS" encrypt -k k pub.pem x.enc >/dev/null 2>&1 && fail "encrypted a non-GGUF"
[ -e x.enc ] && fail "a refused encrypt left x.enc"
"$PS" encrypt "$MODEL" x.enc >/dev/null 2>&1; [ $? = 2 ] ||
    fail "encrypt without -k is not a usage error"
"$PS" verify m.gguf >/dev/null 2>&1; [ $? = 2 ] ||
    fail "verify with nothing to check is not a usage error"
"$PS" encrypt -k k -s pub.pem "$MODEL" x.enc >/dev/null 2>&1 &&
    fail "encrypted with a public key as the signing key"
[ -e x.enc ] && fail "a bad signing key still left x.enc"
echo "not a key" >bad.key && chmod 600 bad.key
"$PS" encrypt -k bad.key "$MODEL" x.enc >/dev/null 2>&1 && fail "bad key used"
pass
