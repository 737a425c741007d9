#!/bin/sh
# The OpenAI-compatible API end to end with curl against the family on
# the bundled model: every endpoint, streamed and not; the errors (400,
# 404, 405, 413, 429, 503); stop strings across tokens; seeds; n; usage
# in streams; logprobs; a client leaving frees inferd for the next one;
# RequestTimeout does not cut a long stream; /ready.  Timeouts are
# generous: this also runs under ASan on two CPUs.
tid="api"
. "$(dirname "$0")/test-exec.sh"

command -v python3 >/dev/null || fail "python3 needed to read JSON (./bootstrap installs it)"

write_config <<EOT
MaxQueue 0
Threads 1
MaxBodyBytes 65536
RequestTimeout 2
EOT
start_family

MODEL=stories260K
# A long generation: 16 choices of up to 2000 tokens each.
LONG="\"model\":\"$MODEL\",\"prompt\":\"Once upon a time\",\"n\":16,\
\"max_tokens\":2000,\"temperature\":1"

# post PATH JSON [curl args]: sets CODE; the answer is in $OBJ/body.
post() {
	p=$1
	printf '%s' "$2" > "$OBJ/req"
	shift 2
	CODE=$(curl -s -o "$OBJ/body" -D "$OBJ/headers" -w '%{http_code}' \
	    --max-time 300 -H 'Content-Type: application/json' \
	    --data-binary @"$OBJ/req" "$@" "$URL$p")
}

# get PATH: sets CODE; the answer is in $OBJ/body.
get() {
	CODE=$(curl -s -o "$OBJ/body" -D "$OBJ/headers" -w '%{http_code}' \
	    --max-time 60 "$URL$1")
}

# bad WHAT: fail, showing the start of the answer.
bad() {
	fail "$1: $(head -c 600 "$OBJ/body")"
}

# check WHAT EXPR...: each Python expression must hold for the answer:
# d is the JSON (or, for a stream, the list of chunks up to [DONE],
# with done telling whether [DONE] came last).
check() {
	what=$1
	shift
	python3 - "$OBJ/body" "$@" <<'EOPY' || bad "$what"
import base64, json, struct, sys
raw = open(sys.argv[1], "rb").read().decode()
if raw.startswith("data: "):
	d, done = [], False
	for ev in raw.split("\n\n"):
		if not ev:
			continue
		assert ev.startswith("data: "), ev
		if ev == "data: [DONE]":
			done = True
			continue
		assert not done, "chunk after [DONE]"
		d.append(json.loads(ev[6:]))
else:
	d = json.loads(raw)
for e in sys.argv[2:]:
	if not eval(e):
		print("failed: " + e)
		sys.exit(1)
EOPY
}

# expect_error STATUS CODE PARAM: the answer is an OpenAI error.
expect_error() {
	[ "$CODE" = "$1" ] || fail "want $1 $2, got $CODE: $(cat "$OBJ/body")"
	grep -qi '^content-type: application/json' "$OBJ/headers" ||
	    fail "error $1 $2 is not application/json"
	check "error $1 $2" "set(d) == {'error'}" \
	    "set(d['error']) == {'message', 'type', 'param', 'code'}" \
	    "d['error']['code'] == '$2'" \
	    "d['error']['param'] == ('$3' or None)" \
	    "isinstance(d['error']['message'], str)"
}

# --- /ready, models
get /ready
[ "$CODE" = 200 ] || fail "/ready: $CODE"
check "/ready" "d == {'status': 'ready'}"
get /v1/models
[ "$CODE" = 200 ] || fail "/v1/models: $CODE"
check "/v1/models" "d['object'] == 'list'" \
    "[m['id'] for m in d['data']] == ['$MODEL']" \
    "d['data'][0]['object'] == 'model'" \
    "d['data'][0]['owned_by'] == 'power'" \
    "d['data'][0]['format'] == 'gguf'" \
    "d['data'][0]['size'] > 0 and d['data'][0]['loaded'] is True" \
    "isinstance(d['data'][0]['created'], int)" "'sha256' in d['data'][0]"
get /v1/models/$MODEL
[ "$CODE" = 200 ] || fail "/v1/models/$MODEL: $CODE"
check "/v1/models/id" "d['id'] == '$MODEL' and d['object'] == 'model'"
get /v1/models/no-such-model
expect_error 404 model_not_found model

# --- chat, not streamed
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"system\",\"content\":\"You tell stories.\"},{\"role\":\"user\",\"content\":\
[{\"type\":\"text\",\"text\":\"Once upon \"},{\"type\":\"text\",\"text\":\
\"a time\"}]}],\"max_tokens\":12,\"temperature\":0,\"user\":\"x\",\
\"some_new_field\":{\"a\":1}}"
[ "$CODE" = 200 ] || fail "chat: $CODE $(cat "$OBJ/body")"
grep -qi '^content-type: application/json' "$OBJ/headers" ||
    fail "chat answer is not application/json"
check "chat" "d['id'].startswith('chatcmpl-')" \
    "d['object'] == 'chat.completion'" "isinstance(d['created'], int)" \
    "d['model'] == '$MODEL'" "d['system_fingerprint'].startswith('fp_')" \
    "len(d['choices']) == 1" "d['choices'][0]['index'] == 0" \
    "d['choices'][0]['message']['role'] == 'assistant'" \
    "len(d['choices'][0]['message']['content']) > 0" \
    "d['choices'][0]['message'].get('refusal') is None" \
    "d['choices'][0]['logprobs'] is None" \
    "d['choices'][0]['finish_reason'] in ('stop', 'length')" \
    "d['usage']['completion_tokens'] <= 12" \
    "d['usage']['prompt_tokens'] > 0" \
    "d['usage']['total_tokens'] == d['usage']['prompt_tokens'] + \
d['usage']['completion_tokens']"
chat_text=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))
["choices"][0]["message"]["content"])' "$OBJ/body")

# --- chat, streamed with usage: the same text
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"system\",\"content\":\"You tell stories.\"},{\"role\":\"user\",\"content\":\
\"Once upon a time\"}],\"max_tokens\":12,\"temperature\":0,\"stream\":true,\
\"stream_options\":{\"include_usage\":true}}" -N
[ "$CODE" = 200 ] || fail "chat stream: $CODE"
grep -qi '^content-type: text/event-stream' "$OBJ/headers" ||
    fail "chat stream is not text/event-stream"
printf '%s' "$chat_text" > "$OBJ/text"
check "chat stream" "done" "len(d) >= 4" \
    "all(c['object'] == 'chat.completion.chunk' for c in d)" \
    "len({(c['id'], c['created'], c['model'], c['system_fingerprint']) \
for c in d}) == 1" "d[0]['id'].startswith('chatcmpl-')" \
    "d[0]['choices'][0]['delta'] == {'role': 'assistant', 'content': ''}" \
    "all(c['usage'] is None for c in d[:-1])" \
    "d[-1]['choices'] == [] and d[-1]['usage']['total_tokens'] == \
d[-1]['usage']['prompt_tokens'] + d[-1]['usage']['completion_tokens']" \
    "d[-2]['choices'][0]['delta'] == {} and \
d[-2]['choices'][0]['finish_reason'] in ('stop', 'length')" \
    "all(c['choices'][0]['finish_reason'] is None for c in d[:-2])" \
    "''.join(c['choices'][0]['delta'].get('content', '') for c in d[:-1]) \
== open(sys.argv[1][:-4] + 'text').read()"

# --- completions, streamed and not, agree; no usage unless asked
CBODY="\"model\":\"$MODEL\",\"prompt\":\"Lily and Ben\",\"max_tokens\":16,\
\"temperature\":0"
post /v1/completions "{$CBODY}"
[ "$CODE" = 200 ] || fail "completion: $CODE"
check "completion" "d['id'].startswith('cmpl-')" \
    "d['object'] == 'text_completion'" "d['model'] == '$MODEL'" \
    "d['system_fingerprint'].startswith('fp_')" \
    "isinstance(d['choices'][0]['text'], str)" \
    "d['choices'][0]['index'] == 0 and d['choices'][0]['logprobs'] is None" \
    "d['usage']['completion_tokens'] == 16"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))
["choices"][0]["text"], end="")' "$OBJ/body" > "$OBJ/text"
post /v1/completions "{$CBODY,\"stream\":true}" -N
[ "$CODE" = 200 ] || fail "completion stream: $CODE"
check "completion stream" "done" \
    "all(c['object'] == 'text_completion' for c in d)" \
    "all('usage' not in c for c in d)" \
    "d[-1]['choices'][0]['finish_reason'] == 'length'" \
    "''.join(c['choices'][0]['text'] for c in d) == \
open(sys.argv[1][:-4] + 'text').read()"

# --- n = 2, streamed: each choice has its role chunk and its finish
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"user\",\"content\":\"The dog\"}],\"max_tokens\":8,\"n\":2,\"stream\":true}" -N
[ "$CODE" = 200 ] || fail "n=2 stream: $CODE"
check "n=2 stream" "done" \
    "sorted(c['choices'][0]['index'] for c in d if \
c['choices'][0]['delta'].get('role')) == [0, 1]" \
    "sorted(c['choices'][0]['index'] for c in d if \
c['choices'][0]['finish_reason']) == [0, 1]"
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":[\"A\",\"B\"],\
\"max_tokens\":4,\"n\":2}"
[ "$CODE" = 200 ] || fail "2 prompts x n=2: $CODE"
check "2 prompts x n=2" "[c['index'] for c in d['choices']] == [0, 1, 2, 3]"

# --- seeds: the same seed at temperature 1 gives the same text
SBODY="\"model\":\"$MODEL\",\"prompt\":\"The cat\",\"max_tokens\":40,\
\"temperature\":1"
post /v1/completions "{$SBODY,\"seed\":42,\"n\":2}"
[ "$CODE" = 200 ] || fail "seed 42: $CODE"
cp "$OBJ/body" "$OBJ/seed42"
post /v1/completions "{$SBODY,\"seed\":42,\"n\":2}"
check "same seed, same text" "[c['text'] for c in d['choices']] == \
[c['text'] for c in json.load(open(sys.argv[1][:-4] + 'seed42'))['choices']]"
differ=0
for seed in 43 44 45 46; do
	post /v1/completions "{$SBODY,\"seed\":$seed,\"n\":2}"
	if python3 -c 'import json,sys
a, b = (json.load(open(f))["choices"][0]["text"] for f in sys.argv[1:])
sys.exit(a == b)' "$OBJ/body" "$OBJ/seed42"; then
		differ=1
		break
	fi
done
[ $differ = 1 ] || fail "seeds 43-46 all gave seed 42's text"

# --- logprobs, chat and legacy completions
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"user\",\"content\":\"Once\"}],\"max_tokens\":4,\"logprobs\":true,\
\"top_logprobs\":2}"
[ "$CODE" = 200 ] || fail "chat logprobs: $CODE"
check "chat logprobs" "len(d['choices'][0]['logprobs']['content']) == \
d['usage']['completion_tokens']" \
    "all(len(t['top_logprobs']) == 2 and t['logprob'] <= 0 and \
isinstance(t['bytes'], list) for t in d['choices'][0]['logprobs']['content'])"
post /v1/completions "{$CBODY,\"logprobs\":2}"
[ "$CODE" = 200 ] || fail "completion logprobs: $CODE"
check "completion logprobs" "len(d['choices'][0]['logprobs']['tokens']) == 16" \
    "len(d['choices'][0]['logprobs']['token_logprobs']) == 16" \
    "all(len(t) == 2 for t in d['choices'][0]['logprobs']['top_logprobs'])" \
    "d['choices'][0]['logprobs']['text_offset'][0] == 0"
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"user\",\"content\":\"Once\"}],\"max_tokens\":3,\"logprobs\":true,\
\"stream\":true}" -N
check "chat logprobs stream" "done" "all(c['choices'][0]['logprobs'] \
['content'] for c in d if c['choices'][0]['delta'].get('content'))"

# --- a stop string across a token boundary is cut and never streamed
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"Once upon a time\",\
\"max_tokens\":40,\"temperature\":0,\"logprobs\":0}"
[ "$CODE" = 200 ] || fail "greedy text: $CODE"
stop=$(python3 - "$OBJ/body" <<'EOPY'
import json, sys
c = json.load(open(sys.argv[1]))["choices"][0]
text, toks = c["text"], c["logprobs"]["tokens"]
off = 0
for a, b in zip(toks, toks[1:]):
	off += len(a)
	s = a[-2:] + b[:2]
	if len(a) >= 3 and len(b) >= 3 and text.find(s) == off - 2 and \
	    s.strip() == s and '"' not in s and '\\' not in s:
		print(s)
		break
EOPY
)
[ -n "$stop" ] || fail "no stop string across two tokens in: $(cat "$OBJ/body")"
python3 -c 'import json,sys
t = json.load(open(sys.argv[1]))["choices"][0]["text"]
print(t[:t.find(sys.argv[2])], end="")' "$OBJ/body" "$stop" > "$OBJ/text"
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"Once upon a time\",\
\"max_tokens\":40,\"temperature\":0,\"stop\":[\"zzz\",\"$stop\"]}"
[ "$CODE" = 200 ] || fail "stop: $CODE"
check "stop '$stop'" "d['choices'][0]['finish_reason'] == 'stop'" \
    "d['choices'][0]['text'] == open(sys.argv[1][:-4] + 'text').read()"
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"Once upon a time\",\
\"max_tokens\":40,\"temperature\":0,\"stop\":\"$stop\",\"stream\":true}" -N
[ "$CODE" = 200 ] || fail "stop stream: $CODE"
check "stop '$stop' streamed" "done" \
    "d[-1]['choices'][0]['finish_reason'] == 'stop'" \
    "not any('$stop' in c['choices'][0]['text'] for c in d)" \
    "''.join(c['choices'][0]['text'] for c in d) == \
open(sys.argv[1][:-4] + 'text').read()"

# --- embeddings, as floats and base64; tokenize and detokenize
post /v1/embeddings "{\"model\":\"$MODEL\",\"input\":[\"a happy cat\",\
\"a sad dog\"]}"
[ "$CODE" = 200 ] || fail "embeddings: $CODE"
cp "$OBJ/body" "$OBJ/emb"
check "embeddings" "d['object'] == 'list' and d['model'] == '$MODEL'" \
    "[e['index'] for e in d['data']] == [0, 1]" \
    "all(e['object'] == 'embedding' for e in d['data'])" \
    "abs(sum(x * x for x in d['data'][0]['embedding']) - 1) < 1e-3" \
    "d['data'][0]['embedding'] != d['data'][1]['embedding']" \
    "d['usage']['prompt_tokens'] == d['usage']['total_tokens'] > 0"
post /v1/embeddings "{\"model\":\"$MODEL\",\"input\":[\"a happy cat\",\
\"a sad dog\"],\"encoding_format\":\"base64\"}"
[ "$CODE" = 200 ] || fail "embeddings base64: $CODE"
check "embeddings base64" "all(max(abs(x - y) for x, y in zip(struct.unpack(\
'<%df' % (len(base64.b64decode(e['embedding'])) // 4), \
base64.b64decode(e['embedding'])), f['embedding'])) < 1e-6 for e, f in \
zip(d['data'], json.load(open(sys.argv[1][:-4] + 'emb'))['data']))"
post /v1/embeddings "{\"model\":\"$MODEL\",\"input\":[[1,403,407],[378]]}"
[ "$CODE" = 200 ] || fail "embeddings of token ids: $CODE"
post /v1/embeddings "{\"model\":\"$MODEL\",\"input\":\"\"}"
expect_error 400 invalid_value input

post /v1/tokenize "{\"model\":\"$MODEL\",\"content\":\"Once upon a time\"}"
[ "$CODE" = 200 ] || fail "tokenize: $CODE"
check "tokenize" "d['model'] == '$MODEL'" "len(d['tokens']) >= 4" \
    "all(set(t) == {'id', 'start', 'end', 'piece'} for t in d['tokens'])" \
    "d['tokens'][-1]['end'] == len('Once upon a time')"
ids=$(python3 -c 'import json,sys
print(",".join(str(t["id"]) for t in json.load(open(sys.argv[1]))["tokens"]
    if t["end"] > t["start"]))' "$OBJ/body")
post /v1/tokenize "{\"model\":\"$MODEL\",\"content\":\"Once\",\
\"add_special\":false}"
check "tokenize without BOS" "d['tokens'][0]['start'] == 0 and \
d['tokens'][0]['end'] > 0"
post /v1/tokenize "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\
\"content\":\"hi\"}]}"
[ "$CODE" = 200 ] || fail "tokenize messages: $CODE"
post /v1/detokenize "{\"model\":\"$MODEL\",\"tokens\":[$ids]}"
[ "$CODE" = 200 ] || fail "detokenize: $CODE"
check "detokenize" "d['content'].strip() == 'Once upon a time'"

# --- errors
printf '{"model":"%s","prompt":"SECRETPROMPTTEXT' "$MODEL" > "$OBJ/req"
CODE=$(curl -s -o "$OBJ/body" -D "$OBJ/headers" -w '%{http_code}' \
    --max-time 60 --data-binary @"$OBJ/req" "$URL/v1/completions")
expect_error 400 invalid_json ""
grep -q SECRETPROMPTTEXT "$OBJ/body" && fail "a 400 echoed the prompt"
post /v1/chat/completions "{\"messages\":[{\"role\":\"user\",\
\"content\":\"x\"}]}"
expect_error 400 missing_required_parameter model
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"user\",\"content\":\"SECRETPROMPTTEXT\"}],\"temperature\":3}"
expect_error 400 invalid_value temperature
grep -q SECRETPROMPTTEXT "$OBJ/body" && fail "a 400 echoed the prompt"
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"x\",\"max_tokens\":0}"
expect_error 400 invalid_value max_tokens
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"x\",\"n\":\"2\"}"
expect_error 400 invalid_value n
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"robot\",\"content\":\"x\"}]}"
expect_error 400 invalid_value "messages[0].role"
post /v1/chat/completions "{\"model\":\"no-such-model\",\"messages\":\
[{\"role\":\"user\",\"content\":\"x\"}]}"
expect_error 404 model_not_found model
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":[$(python3 -c \
'print(",".join(["300"] * 2100))')]}"
expect_error 400 context_length_exceeded prompt
post /v1/nothing-here "{}"
expect_error 404 not_found ""
get /v1/chat/completions
expect_error 405 method_not_allowed ""
head -c 70000 /dev/zero | tr '\0' a > "$OBJ/big"
CODE=$(curl -s -o "$OBJ/body" -D "$OBJ/headers" -w '%{http_code}' \
    --max-time 60 --data-binary @"$OBJ/big" "$URL/v1/completions")
expect_error 413 request_too_large ""
CODE=$(curl -s -o "$OBJ/body" -D "$OBJ/headers" -w '%{http_code}' \
    --max-time 60 -H 'Transfer-Encoding: chunked' --data-binary @"$OBJ/big" \
    "$URL/v1/completions")
expect_error 413 request_too_large ""

# --- MaxQueue 0: with one generation running, the next is a 429; a
# tokenize still goes through.  The streaming client then leaves: its
# request is cancelled and the next generation runs.
curl -s -N --max-time 300 -o "$OBJ/long" -H 'Content-Type: application/json' \
    -d "{$LONG,\"stream\":true}" "$URL/v1/completions" &
longpid=$!
n=0
until grep -q '^data: {' "$OBJ/long" 2>/dev/null; do
	n=$((n + 1))
	[ $n -gt 600 ] && fail "the long stream did not start"
	sleep 0.1
done
post /v1/chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\
\"user\",\"content\":\"x\"}],\"max_tokens\":2}"
expect_error 429 rate_limit_exceeded ""
check "429 type" "d['error']['type'] == 'rate_limit_error'"
grep -qi '^retry-after: [0-9]' "$OBJ/headers" || fail "429 without Retry-After"
post /v1/embeddings "{\"model\":\"$MODEL\",\"input\":\"x\"}"
expect_error 429 rate_limit_exceeded ""
post /v1/tokenize "{\"model\":\"$MODEL\",\"content\":\"x\"}"
[ "$CODE" = 200 ] || fail "tokenize during a generation: $CODE"
kill "$longpid"
wait "$longpid" 2>/dev/null
grep -q '^data: \[DONE\]' "$OBJ/long" && fail "the long stream finished"

# next_runs: a short generation is served (after the slot is freed),
# and inferd logged one more cancel.
ncancel=0
next_runs() {
	n=0
	while :; do
		post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"x\",\
\"max_tokens\":3}"
		[ "$CODE" = 200 ] && break
		[ "$CODE" = 429 ] || fail "$1: next request got $CODE"
		n=$((n + 1))
		[ $n -gt 300 ] && fail "$1: the slot stayed busy"
		sleep 0.1
	done
	n=0
	until [ "$(grep -c 'cancelled after' "$LOG")" -gt $ncancel ]; do
		n=$((n + 1))
		[ $n -gt 300 ] && fail "$1: inferd did not cancel"
		sleep 0.1
	done
	ncancel=$(grep -c 'cancelled after' "$LOG")
}
next_runs "stream left"
grep -q ' 499 ' "$LOG" || fail "the client that left is not logged"

# The same for a client that leaves before a non-streamed answer.
curl -s --max-time 2 -o /dev/null -H 'Content-Type: application/json' \
    -d "{$LONG}" "$URL/v1/completions"
next_runs "non-streamed left"

# --- RequestTimeout (2 s) does not cut a longer stream or answer
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"Once upon a time\",\
\"n\":2,\"max_tokens\":2000,\"temperature\":1,\"stream\":true}" -N
[ "$CODE" = 200 ] || fail "long stream: $CODE"
check "long stream" "done" "len([c for c in d if \
c['choices'][0]['finish_reason']]) == 2"
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"Once upon a time\",\
\"n\":2,\"max_tokens\":2000,\"temperature\":1}"
[ "$CODE" = 200 ] || fail "long answer: $CODE"

# --- inferd stopped: /ready is 503 after 1 s; killed mid-request: 503
ipid=$(pid_of inferd) || fail "no inferd"
kill -STOP "$ipid"
get /ready
kill -CONT "$ipid"
expect_error 503 not_ready ""
curl -s --max-time 120 -o "$OBJ/dead" -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "{$LONG}" \
    "$URL/v1/completions" > "$OBJ/deadcode" &
deadpid=$!
sleep 1
kill -KILL "$ipid"
wait "$deadpid"
[ "$(cat "$OBJ/deadcode")" = 503 ] ||
    fail "inferd killed: $(cat "$OBJ/deadcode") $(cat "$OBJ/dead")"
grep -q '"code":"service_unavailable"' "$OBJ/dead" ||
    fail "inferd killed: $(cat "$OBJ/dead")"
wait_new_pid inferd "$ipid" 30 || fail "inferd not restarted"
n=0
until get /ready && [ "$CODE" = 200 ]; do
	n=$((n + 1))
	[ $n -gt 60 ] && fail "/ready not 200 after inferd restarted"
	sleep 0.5
done
post /v1/completions "{\"model\":\"$MODEL\",\"prompt\":\"x\",\"max_tokens\":3}"
[ "$CODE" = 200 ] || fail "after inferd restarted: $CODE"
pass
