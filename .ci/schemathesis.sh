#!/usr/bin/env bash
# A client none of us wrote: Schemathesis generates requests from the mock's own OpenAPI
# document and checks every answer against it (all checks, a bounded number of examples).
# Usage: .ci/schemathesis.sh PATH/TO/gately-mock PATH/TO/st
set -euo pipefail
bin=$1
st=$2
source "$(dirname "$0")/mock.sh"
start_mock "$bin"
"$st" run "$url/__admin/openapi.json" \
    --checks all \
    --max-examples 25 \
    --seed 20250615 \
    --exclude-path-regex '^/__admin/' \
    -H "Authorization: Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
