#!/usr/bin/env python3
"""Instructions per request, counted by callgrind: the difference between two runs of the
same server binary, one sending FEW requests and one sending MANY, so that start-up and
shut-down cancel out. Counts repeat to within about 2 %, unlike timings on a shared
machine. Needs valgrind.

    benches/instructions.py target/release/gately-mock            # the seed PATCH
    benches/instructions.py OLD NEW                               # two builds, side by side
    benches/instructions.py --live OLD NEW                        # the clock running, as in load.sh

With the clock frozen (the default, so that counts taken on different days compare) every
PATCH sets what is already set; with it running, as under benches/load.sh, each PATCH
moves `updated_at`, and the answer and the journal's `changes` say so.
"""
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile

KEY = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
JANE = "a1b2c3d4-e5f6-4789-abcd-ef1234567890"
BODY = b'{"status":"inactive","notes":"Churned after trial"}'
FEW, MANY = 2000, 22000


def count(binary, requests, live):
    out = tempfile.NamedTemporaryFile(delete=False).name
    clock = [] if live else ["--frozen-time", "2025-06-15T14:30:00.000Z"]
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve",
         "--port", "0", *clock],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    port = int(re.search(r":(\d+)$", line.strip()).group(1))
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    for _ in range(requests):
        connection.request("PATCH", f"/api/v1/contacts/{JANE}", BODY, headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    connection.close()
    server.send_signal(signal.SIGTERM)
    server.wait()
    with open(out) as profile:
        totals = [l for l in profile if l.startswith(("summary:", "totals:"))]
    os.unlink(out)
    return int(totals[-1].split()[1])


def per_request(binary, live):
    return (count(binary, MANY, live) - count(binary, FEW, live)) / (MANY - FEW)


if __name__ == "__main__":
    live = "--live" in sys.argv[1:]
    for binary in [arg for arg in sys.argv[1:] if arg != "--live"]:
        clock = "live clock" if live else "frozen clock"
        print(f"{binary}: {per_request(binary, live):,.0f} instructions per seed PATCH ({clock})")
