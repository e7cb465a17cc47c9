#!/usr/bin/env bash
# Clients none of us wrote, generated from the mock's own OpenAPI document, call every
# operation against a running mock: openapi-python-client (Python), openapi-typescript with
# openapi-fetch (TypeScript, compiled by `tsc --strict`), the admin routes too. Every answer
# must parse.
# Usage: .ci/clients.sh PATH/TO/gately-mock OPENAPI.json PYTHON_VENV NPM_DIR WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1 openapi=$2 venv=$3 work=$5
rm -rf "$work" && mkdir -p "$work/py" "$work/ts"
# Absolute: tsconfig.json and the node_modules link are read from inside $work/ts.
npm_dir=$(cd "$4" && pwd)

"$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-python-client==0.29.*'
printf 'project_name_override: gately-client\npackage_name_override: gately_client\npost_hooks: []\n' > "$work/py/config.yml"
"$venv/bin/openapi-python-client" generate --path "$openapi" --meta none \
    --config "$work/py/config.yml" --output-path "$work/py/gately_client"

npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
    openapi-typescript@7 openapi-fetch@0.17 typescript@5 @types/node@20
"$npm_dir/node_modules/.bin/openapi-typescript" "$openapi" -o "$work/ts/gately.d.ts"
cp "$here/typescript-client.ts" "$work/ts/"
cat > "$work/ts/tsconfig.json" <<JSON
{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "NodeNext",
    "moduleResolution": "NodeNext", "skipLibCheck": true, "outDir": "out",
    "types": ["node"], "typeRoots": ["$npm_dir/node_modules/@types"] },
  "files": ["typescript-client.ts"] }
JSON
ln -sfn "$npm_dir/node_modules" "$work/ts/node_modules"
"$npm_dir/node_modules/.bin/tsc" -p "$work/ts/tsconfig.json"

source "$here/mock.sh"

start_mock "$bin"
PYTHONPATH="$work/py" "$venv/bin/python" "$here/python-client.py" "$url"
stop_mock
start_mock "$bin"   # fresh fixtures: both clients delete John
node "$work/ts/out/typescript-client.js" "$url"
