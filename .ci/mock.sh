# Sourced by the CI scripts that need a running mock: `start_mock BIN` serves on a free
# port and sets `url`; `stop_mock` stops it (also on exit).
mock_out=$(mktemp)
start_mock() {
    "$1" serve --port 0 > "$mock_out" &
    mock_pid=$!
    for _ in $(seq 1 100); do grep -q '^listening on ' "$mock_out" && break; sleep 0.1; done
    url=$(sed -n 's/^listening on //p' "$mock_out")
}
stop_mock() { kill -TERM "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null || true; }
trap 'stop_mock; rm -f "$mock_out"' EXIT
