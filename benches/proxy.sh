#!/usr/bin/env bash
# Proxy overhead (issue 20): a gately-mock loaded directly and through a second gately-mock
# in proxy mode (`serve --upstream`), interleaved, on this machine.
#
#   benches/proxy.sh                                   # 3 rounds of 10 s per method
#   benches/proxy.sh --duration 2 --rounds 1           # a smoke run
#
# Needs only cargo and python3: it builds the mock in release mode and installs the load
# generator (oha) with `cargo install` when it is missing. Not run by the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin gately-mock
sync
if ! command -v oha >/dev/null 2>&1; then
    echo "installing the load generator: cargo install oha --locked" >&2
    cargo install oha --locked --quiet
fi
exec python3 benches/proxy.py "$@"
