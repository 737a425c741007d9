#!/bin/sh
# Models load on first use and go again: the first configured model is
# loaded at start (/ready 200), another is loaded by the first request
# that names it, MaxLoadedModels 1 unloads the least recently used
# one, KeepAlive unloads an idle one (/ready 503, loaded_models 0), and
# the next request loads it again.
tid="models"
. "$(dirname "$0")/test-exec.sh"

command -v python3 >/dev/null || fail "python3 needed to read JSON (./bootstrap installs it)"

M=$top_srcdir/models/stories260K.gguf
write_config <<EOT
Model second $M
MaxLoadedModels 1
KeepAlive 3
Threads 1
EOT
start_family

# loaded NAME...: /v1/models must list exactly these as loaded.
loaded() {
	curl -s --max-time 30 -o "$OBJ/models" "$URL/v1/models" ||
	    fail "GET /v1/models"
	got=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["data"]
print(" ".join(sorted(m["id"] for m in d if m["loaded"])))' "$OBJ/models") ||
	    fail "/v1/models: $(head -c 300 "$OBJ/models")"
	[ "$got" = "$*" ] || fail "loaded models: '$got', wanted '$*'"
}

# complete NAME: one short completion from that model.
complete() {
	c=$(curl -s -o "$OBJ/body" -w '%{http_code}' --max-time 60 \
	    -H 'Content-Type: application/json' "$URL/v1/completions" \
	    -d "{\"model\":\"$1\",\"prompt\":\"Once\",\"max_tokens\":4}")
	[ "$c" = 200 ] || fail "completion from $1: $c $(head -c 300 "$OBJ/body")"
}

ready() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/ready"
}

# The first configured model ("second": our lines come before
# test-exec's stories260K) is loaded at start.
[ "$(ready)" = 200 ] || fail "/ready not 200 at start"
loaded second
complete stories260K
loaded stories260K
complete second
loaded second

# Idle for KeepAlive: nothing loaded, and /ready says so.
n=0
while [ "$(ready)" != 503 ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "/ready still 200 long after KeepAlive"
	sleep 0.1
done
loaded
curl -s --max-time 5 "$URL/health" | grep -q '"loaded_models":0' ||
    fail "/health does not show 0 loaded models"
complete stories260K
loaded stories260K
[ "$(ready)" = 200 ] || fail "/ready not 200 after a reload"
grep -q 'model stories260K unloaded' "$LOG" ||
    fail "inferd logged no unload of stories260K"
pass
