"""Scale (issue 21): start-up, memory and the list's reads at 1 000, 10 000 and 100 000
contacts, against the release binary (and, with --before, a second binary side by side).

For each size, `gately-mock fixtures generate --contacts N --seed 21` writes the built-in set
plus N contacts in the Acme project; the mock is started on it three times (start-up: from
spawn to its `listening on` line, the median), then each read is timed over one kept-alive
connection (`--requests` times, p50 and p99 of the client's round trip). RSS is read from
/proc after start-up, less an empty server's (the built-in fixtures), per contact; and again
after every contact was sent once (each then keeps its JSON, see store/contact.rs).

    cargo build --release && python3 benches/scale.py [--sizes 1000,10000,100000]
        [--requests 50] [--before path/to/an/older/gately-mock]

Not run by the test suite.
"""
import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from load import JANE, KEY, MOCK, SEED_BODY, start, status_kib

HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def generate(binary, count):
    directory = Path(tempfile.mkdtemp(prefix="gately-scale-")) / "fixtures"
    subprocess.run([binary, "fixtures", "generate", "--contacts", str(count), "--seed", "21",
                    "--out", str(directory)], check=True, stdout=subprocess.DEVNULL)
    return directory


def serve(binary, directory):
    command = [binary, "serve", "--port", "0", "--frozen-time", "2025-06-15T14:30:00Z",
               "--journal-limit", "100"]
    if directory is not None:
        command += ["--fixtures", str(directory)]
    began = time.perf_counter()
    server, url = start(command)
    return server, url, (time.perf_counter() - began) * 1000


def stop(server):
    server.terminate()
    server.wait()


def timed(connection, method, path, requests, body=None):
    """Milliseconds of each round trip, and the last answer's JSON."""
    times, answer = [], None
    for _ in range(requests):
        began = time.perf_counter()
        connection.request(method, path, body=body, headers=HEADERS)
        response = connection.getresponse()
        answer = response.read()
        times.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise SystemExit(f"{method} {path}: {response.status} {answer[:300]!r}")
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))], json.loads(answer)


def reads(total):
    last = (total + 49) // 50
    return [
        ("first page", "GET", "/api/v1/contacts?limit=50", None),
        ("middle page", "GET", f"/api/v1/contacts?limit=50&page={max(1, last // 2)}", None),
        ("last page", "GET", f"/api/v1/contacts?limit=50&page={last}", None),
        ("search=hansen", "GET", "/api/v1/contacts?search=hansen&limit=50", None),
        ("status=active", "GET", "/api/v1/contacts?status=active&limit=50", None),
        ("tags=VIP", "GET", "/api/v1/contacts?tags=VIP&limit=50", None),
        ("status=active&tags=VIP", "GET", "/api/v1/contacts?status=active&tags=VIP&limit=50", None),
        ("PATCH Jane", "PATCH", f"/api/v1/contacts/{JANE}", SEED_BODY),
        ("GET Jane", "GET", f"/api/v1/contacts/{JANE}", None),
    ]


def measure(binary, count, requests, empty_kib):
    directory = generate(MOCK, count)
    startups = []
    for _ in range(3):
        server, url, startup = serve(binary, directory)
        startups.append(startup)
        if len(startups) < 3:
            stop(server)
    rss = (status_kib(server.pid, "VmRSS") - empty_kib) * 1024 / (count + 11)
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    row = {"contacts": count + 11, "startup_ms": statistics.median(startups), "rss_bytes_per_contact": rss}
    for name, method, path, body in reads(count + 11):
        p50, p99, answer = timed(connection, method, path, requests, body)
        row[name] = (p50, p99)
        if "pagination" in answer:
            row[f"{name} total"] = answer["pagination"]["total"]
    # Every contact sent once: each keeps its JSON from then on.
    for page in range(1, (count + 11) // 200 + 2):
        timed(connection, "GET", f"/api/v1/contacts?limit=200&page={page}", 1)
    row["rss_after_reading_all"] = (status_kib(server.pid, "VmRSS") - empty_kib) * 1024 / (count + 11)
    stop(server)
    shutil.rmtree(directory.parent)
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--before", help="an older binary, measured on the same fixtures")
    args = parser.parse_args()
    binaries = [("now", MOCK)] + ([("before", args.before)] if args.before else [])
    results = {}
    for label, binary in binaries:
        server, _, _ = serve(binary, None)
        empty_kib = status_kib(server.pid, "VmRSS")
        stop(server)
        for count in map(int, args.sizes.split(",")):
            results[(label, count)] = measure(binary, count, args.requests, empty_kib)
    names = [name for name, *_ in reads(0)]
    print("| binary | contacts | start-up ms | RSS B/contact | after all sent | "
          + " | ".join(f"{n} p50/p99 ms" for n in names) + " |")
    print("|---" * (5 + len(names)) + "|")
    for (label, _), row in results.items():
        cells = [f"{row[n][0]:.2f} / {row[n][1]:.2f}" for n in names]
        print(f"| {label} | {row['contacts']} | {row['startup_ms']:.0f} | {row['rss_bytes_per_contact']:.0f} | "
              f"{row['rss_after_reading_all']:.0f} | " + " | ".join(cells) + " |")
    totals = {(label, count): {k: v for k, v in row.items() if k.endswith("total")}
              for (label, count), row in results.items()}
    print("\ntotals (the same for each binary at one size):", json.dumps({f"{k[0]} {k[1]}": v for k, v in totals.items()}))


if __name__ == "__main__":
    main()
