#!/bin/sh
# The official openai npm package (pinned in tests/sdk/package.json and
# its lock file) drives the running family on the bundled model: chat
# and completions, streamed and not, embeddings, models, and errors
# caught as the SDK's APIError.  npm installs the package from the
# registry into the test's scratch directory, never into the tree.
tid="sdk"
. "$(dirname "$0")/test-exec.sh"

command -v node >/dev/null || fail "node not installed (./bootstrap installs it)"
command -v npm >/dev/null || fail "npm not installed (./bootstrap installs it)"

mkdir -p "$OBJ/sdk"
cp "$top_srcdir/tests/sdk/package.json" "$top_srcdir/tests/sdk/package-lock.json" \
    "$top_srcdir/tests/sdk/sdk-test.mjs" "$OBJ/sdk/"
# A cache of our own: root's may be unwritable or stale.
(cd "$OBJ/sdk" && npm ci --no-audit --no-fund --cache "$OBJ/npm-cache" \
    >"$OBJ/npm.log" 2>&1) || { cat "$OBJ/npm.log"; fail "npm ci failed"; }
chmod -R a+rX "$OBJ/sdk"

start_family
# The bundled model must be loaded before the first timed request.
n=0
until curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/ready" |
    grep -q 200; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "/ready never said 200"
	sleep 0.1
done

POWER_URL=$URL/v1 POWER_MODEL=stories260K timeout 300 node "$OBJ/sdk/sdk-test.mjs" \
    >"$OBJ/sdk.out" 2>&1
rc=$?
cat "$OBJ/sdk.out"
[ $rc = 0 ] || fail "the openai SDK test failed ($rc)"
grep -q '^all SDK checks passed' "$OBJ/sdk.out" || fail "no summary line"
pass
