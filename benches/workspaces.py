"""Workspaces under load (issue 18), against the release binary:

1. making 1 000 workspaces of the built-in fixtures over HTTP: the time of each `POST
   /__admin/workspaces` as the client sees it, the server's CPU per workspace, and its
   resident memory per workspace;
2. the seed's PATCH loaded with oha, interleaved rounds of three servers: (a) no workspace,
   the fixture key; (b) one workspace, its key; (c) 100 live workspaces, the load spread
   over 8 of them at a time (8 oha processes, a different 8 each round). The same
   connections in all three.

    cargo build --release && python3 benches/workspaces.py [--rounds 3] [--duration 10]

Needs oha (`cargo install oha --locked`). Not run by the test suite.
"""
import argparse
import http.client
import json
import statistics
import subprocess
import time
import urllib.parse

from load import JANE, KEY, MOCK, SEED_BODY, TICKS, cpu_ticks, finish, start, status_kib

FROZEN = "2025-06-15T14:30:00.000Z"


def make(connection, body="{}"):
    """One POST /__admin/workspaces on a kept-alive connection: the workspace, the seconds."""
    began = time.perf_counter()
    connection.request("POST", "/__admin/workspaces", body=body)
    response = connection.getresponse()
    made = json.loads(response.read())
    elapsed = time.perf_counter() - began
    if response.status != 201:
        raise SystemExit(f"a workspace was not made: {response.status} {made}")
    return made, elapsed


def creation(count):
    server, url = start([MOCK, "serve", "--port", "0", "--frozen-time", FROZEN])
    try:
        host = urllib.parse.urlparse(url).netloc
        connection = http.client.HTTPConnection(host)
        for _ in range(20):  # warm the connection and the allocator, then forget them
            made, _ = make(connection)
            connection.request("DELETE", f"/__admin/workspaces/{made['id']}")
            connection.getresponse().read()
        time.sleep(0.2)
        rss_before, cpu_before = status_kib(server.pid, "VmRSS"), cpu_ticks(server.pid)
        times = [make(connection)[1] for _ in range(count)]
        time.sleep(0.2)
        rss_after, cpu_after = status_kib(server.pid, "VmRSS"), cpu_ticks(server.pid)
        times.sort()
        print(f"making {count} workspaces over HTTP (client round trip): median "
              f"{statistics.median(times) * 1e3:.3f} ms, p99 {times[int(count * 0.99) - 1] * 1e3:.3f} ms, "
              f"max {times[-1] * 1e3:.3f} ms")
        print(f"  server CPU per workspace: {(cpu_after - cpu_before) / TICKS / count * 1e3:.3f} ms")
        print(f"  resident memory per workspace: {(rss_after - rss_before) / count:.1f} KiB "
              f"({rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after)")
    finally:
        server.terminate()
        server.wait()


def oha(url, key, connections, duration):
    command = ["oha", "--no-tui", "-w", "--output-format", "json", "-c", str(connections), "-m", "PATCH",
               "-z", f"{duration}s", "-H", f"Authorization: Bearer {key}",
               "-H", "Content-Type: application/json", "-d", SEED_BODY, f"{url}/api/v1/contacts/{JANE}"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def loaded(url, keys, args):
    """req/s of `len(keys)` oha processes, one per key, sharing the connections."""
    per = max(1, args.connections // len(keys))
    for process in [oha(url, key, per, args.warmup) for key in keys]:
        finish(process)
    loads = [oha(url, key, per, args.duration) for key in keys]
    total = 0.0
    for process in loads:
        report, codes, errors = finish(process)
        if errors or any(code != 200 for code in codes):
            raise SystemExit(f"non-200 answers or errors: {codes} {errors}")
        total += report["summary"]["requestsPerSec"]
    return total


def throughput(args):
    results = {"a": [], "b": [], "c": []}
    for round_ in range(args.rounds):
        for name in ["a", "b", "c"]:
            server, url = start([MOCK, "serve", "--port", "0", "--frozen-time", FROZEN])
            try:
                host = urllib.parse.urlparse(url).netloc
                connection = http.client.HTTPConnection(host)
                if name == "a":
                    keys = [KEY] * args.processes
                else:
                    live = 1 if name == "b" else 100
                    made = [make(connection)[0] for _ in range(live)]
                    for workspace in made:  # each has state and a journal of its own
                        connection.request("PATCH", f"/api/v1/contacts/{JANE}", body=SEED_BODY, headers={
                            "Authorization": f"Bearer {workspace['api_key']}",
                            "Content-Type": "application/json"})
                        connection.getresponse().read()
                    chosen = [made[(round_ * args.processes + i) % live] for i in range(args.processes)]
                    keys = [workspace["api_key"] for workspace in chosen]
                rate = loaded(url, keys, args)
                results[name].append(rate)
                print(f"round {round_ + 1} ({name}): {rate:.0f} req/s")
            finally:
                server.terminate()
                server.wait()
    a, b, c = (statistics.median(results[name]) for name in "abc")
    print(f"median req/s: (a) no workspace {a:.0f}, (b) one workspace {b:.0f}, "
          f"(c) 100 live workspaces {c:.0f}")
    print(f"(c)/(b) {c / b:.3f}, (b)/(a) {b / a:.3f}, (c)/(a) {c / a:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000, help="workspaces to make")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--processes", type=int, default=8, help="oha processes (keys) at once")
    args = parser.parse_args()
    creation(args.count)
    throughput(args)


if __name__ == "__main__":
    main()
