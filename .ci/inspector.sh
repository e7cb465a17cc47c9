#!/usr/bin/env bash
# The inspector page in a real browser (Debian's chromium, headless, driven by
# puppeteer-core over the DevTools protocol): .ci/inspector.mjs against a fresh mock.
# Usage: .ci/inspector.sh PATH/TO/gately-mock NPM_DIR SCREENSHOT.png
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1 screenshot=$3
npm_dir=$(cd "$2" && pwd)
command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
npm install --prefix "$npm_dir" --no-audit --no-fund --silent puppeteer-core@24
# Node resolves packages from the script's folder up: run a copy beside node_modules.
cp "$here/inspector.mjs" "$npm_dir/inspector.mjs"

source "$here/mock.sh"
start_mock "$bin"
node "$npm_dir/inspector.mjs" "$url" "$screenshot"
