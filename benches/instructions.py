#!/usr/bin/env python3
"""Instructions per request, counted by callgrind: the difference between two runs of the
same server binary, one sending FEW requests and one sending MANY, so that start-up and
shut-down cancel out. Counts repeat to within about 2 %, unlike timings on a shared
machine. Needs valgrind.

    benches/instructions.py target/release/gately-mock            # the seed PATCH
    benches/instructions.py OLD NEW                               # two builds, side by side
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


def count(binary, requests):
    out = tempfile.NamedTemporaryFile(delete=False).name
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve",
         "--port", "0", "--frozen-time", "2025-06-15T14:30:00.000Z"],
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


def per_request(binary):
    return (count(binary, MANY) - count(binary, FEW)) / (MANY - FEW)


if __name__ == "__main__":
    for binary in sys.argv[1:]:
        print(f"{binary}: {per_request(binary):,.0f} instructions per seed PATCH")
