#!/usr/bin/env bash
# Consumer to provider, with a Pact tool none of us wrote: a client's traffic against the
# mock is recorded, `gately-mock pact` writes its contract, and pact-python's verifier
# (the Rust pact_ffi one) checks it against a fresh mock playing the provider, through its
# provider-states route. A contract with one field of the wrong type must fail.
# Usage: .ci/pact.sh PATH/TO/gately-mock PYTHON_VENV WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1 venv=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'pact-python==4.2.*'
source "$here/mock.sh"
key=gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0
jane=a1b2c3d4-e5f6-4789-abcd-ef1234567890
john=f7c2a47a-ed10-47d4-8ae0-28a305d98934

# The consumer: a web app's calls, recorded.
"$bin" serve --port 0 --record "$work/traffic.jsonl" > "$mock_out" &
mock_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on ' "$mock_out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$mock_out")
call() { curl -sS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
call "$url/api/v1/contacts?status=active&limit=10"
call "$url/api/v1/contacts/$jane"
call -X PATCH "$url/api/v1/contacts/$jane" -d '{"status":"inactive","notes":"Churned after trial"}'
call -X PATCH "$url/api/v1/contacts/$jane" -d '{"email":"john@example.com"}'
call "$url/api/v1/contacts/00000000-0000-4000-8000-000000000000"
call -X POST "$url/api/v1/contacts" -d '{"name":"Ada Lovelace","email":"ada@example.com","tags":["VIP"]}'
ada=$(curl -sS -H "Authorization: Bearer $key" "$url/api/v1/contacts?search=ada" | python3 -c 'import json,sys; print(json.load(sys.stdin)["contacts"][0]["id"])')
call -X PATCH "$url/api/v1/contacts/$ada" -d '{"company":"Analytical Engines"}'
call "$url/api/v1/contacts/tags"
call -X POST "$url/api/v1/contacts/$john/unsubscribes" -d '{"reason":"Too many emails","source":"user_request"}'
call -X DELETE "$url/api/v1/contacts/$john"
stop_mock

"$bin" pact "$work/traffic.jsonl" --consumer web-app --output "$work/pact.json"

# The provider: a fresh mock, verified by the outside verifier.
start_mock "$bin"
"$venv/bin/python" "$here/pact-verify.py" "$url" "$work/pact.json" "$key" > "$work/verify.log" 2>&1 \
    || { cat "$work/verify.log"; echo "the contract gately-mock wrote did not verify"; exit 1; }
tail -1 "$work/verify.log"

# A contract that is wrong: the first interaction's contact name a number.
python3 - "$work/pact.json" "$work/wrong.json" <<'PY'
import json, sys
pact = json.load(open(sys.argv[1]))
for interaction in pact["interactions"]:
    body = interaction["response"]["body"]
    if isinstance(body, dict) and isinstance(body.get("name"), str):
        body["name"] = 42
        break
json.dump(pact, open(sys.argv[2], "w"))
PY
if "$venv/bin/python" "$here/pact-verify.py" "$url" "$work/wrong.json" "$key" > "$work/wrong.log" 2>&1; then
    cat "$work/wrong.log"; echo "a contract with a field of the wrong type verified"; exit 1
fi
grep -c -i "mismatch\|expected" "$work/wrong.log" > /dev/null || { cat "$work/wrong.log"; exit 1; }
echo "pact verifier: a contract with a field of the wrong type is reported red"
