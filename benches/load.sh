#!/usr/bin/env bash
# The load benchmark of issue 8: gately-mock (defaults; with --record) against a bare hyper
# baseline (examples/baseline.rs), interleaved A B C A B C …, on this machine.
#
#   benches/load.sh                    # 3 rounds of 10 s, 64 connections (a few minutes)
#   benches/load.sh --duration 1 --rounds 1 --no-startup   # a smoke run
#   benches/load.sh --million          # also: peak RSS after 1 000 000 PATCHes
#   benches/load.sh --pin              # server on CPU 0, oha on the other CPUs
#
# Needs only cargo and python3: it builds both servers in release mode and installs the
# load generator (oha) with `cargo install` when it is missing. Not run by the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin gately-mock --example baseline
# A build leaves hundreds of MB to write back; without this the kernel's writeback competes
# with whichever server is measured first.
sync
if ! command -v oha >/dev/null 2>&1; then
    echo "installing the load generator: cargo install oha --locked" >&2
    cargo install oha --locked --quiet
fi
exec python3 benches/load.py "$@"
