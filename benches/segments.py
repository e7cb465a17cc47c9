"""Segments over many contacts (issue 24), against the release binary.

Writes a fixtures directory holding the built-in set plus N generated Acme contacts (seeded:
statuses, companies, tags, a custom `plan`, creation times spread over 2024-2025), starts the
mock on it, and times, over kept-alive connections, each read a segment makes the mock work
out its members: `GET …/segments/{id}` (its contact_count), `GET …/segments` (all three),
`GET /api/v1/contacts?segment_id=…` (a page of members), beside the plain first page.

    cargo build --release && python3 benches/segments.py [--contacts 100000] [--requests 200]
        [--binary path/to/another/gately-mock]

Not run by the test suite.
"""
import argparse
import http.client
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from load import KEY, MOCK, start

ACME = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73"
SEGMENTS = {
    "Pro plan (custom_fields.plan eq)": "3c8e1f42-9a7b-4d5c-a6e2-0b4f8d1c7e53",
    "Active VIPs (tags contains, status eq)": "5f2d7a84-1e6b-4c3a-9d8f-2a7c4e6b1d95",
    "Joined since March 2025 (created_at gte)": "8b6a3d15-4f2e-4a7c-8e1b-5c9d2f7a3e46",
}


def fixtures(count, seed):
    """A directory with the built-in fixtures and `count` more Acme contacts."""
    directory = Path(tempfile.mkdtemp(prefix="gately-segments-"))
    for name in ["api-keys.json", "tags.json", "lists.json", "segments.json"]:
        shutil.copy(Path("fixtures") / name, directory / name)
    contacts = json.loads(Path("fixtures/contacts.json").read_text())
    tags = [t["name"] for t in json.loads(Path("fixtures/tags.json").read_text())
            if t["project_id"] == ACME]
    rng = random.Random(seed)
    for n in range(count):
        month = rng.randrange(24)
        contact = {
            "id": f"00000000-0000-4000-8000-{n:012x}",
            "project_id": ACME,
            "name": f"Contact {n}",
            "email": f"contact{n}@example.com",
            "status": rng.choice(["new", "active", "inactive", "archived"]),
            "company": rng.choice(["Acme", "Initech", "Globex", "Umbrella", None]),
            "tags": rng.sample(tags, rng.randrange(3)),
            "custom_fields": {"plan": rng.choice(["pro", "trial", "enterprise", "free"])},
            "created_at": f"{2024 + month // 12}-{month % 12 + 1:02d}-{rng.randrange(1, 29):02d}T10:00:00.000Z",
        }
        contacts.append(contact)
    (directory / "contacts.json").write_text(json.dumps(contacts))
    return directory


def timed(connection, path, requests):
    """Milliseconds of each of `requests` GETs of `path`, and the last body."""
    times, body = [], None
    for _ in range(requests):
        began = time.perf_counter()
        connection.request("GET", path, headers={"Authorization": f"Bearer {KEY}"})
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
    return times, json.loads(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--binary", default=MOCK, help="the gately-mock to measure")
    args = parser.parse_args()
    directory = fixtures(args.contacts, args.seed)
    began = time.perf_counter()
    server, url = start([args.binary, "serve", "--port", "0", "--fixtures", str(directory),
                         "--frozen-time", "2025-06-15T14:30:00Z", "--journal-limit", "100"])
    startup = (time.perf_counter() - began) * 1000
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    total = args.contacts + 11
    print(f"{total} Acme contacts; start-up {startup:.0f} ms; {args.requests} requests each\n")
    print("| read | members | p50 ms | p99 ms |")
    print("|---|---|---|---|")

    def row(name, path, members):
        times, body = timed(connection, path, args.requests)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"| {name} | {members(body)} | {statistics.median(times):.2f} | {p99:.2f} |")

    row("`GET /api/v1/contacts?limit=50` (no segment)", "/api/v1/contacts?limit=50",
        lambda body: body["pagination"]["total"])
    for name, segment in SEGMENTS.items():
        row(f"`GET …/segments/{{id}}`: {name}", f"/api/v1/contacts/segments/{segment}",
            lambda body: body["contact_count"])
    for name, segment in SEGMENTS.items():
        row(f"`GET /api/v1/contacts?segment_id=…&limit=50`: {name}",
            f"/api/v1/contacts?segment_id={segment}&limit=50",
            lambda body: body["pagination"]["total"])
    row("`GET /api/v1/contacts/segments` (all three)", "/api/v1/contacts/segments",
        lambda body: sum(s["contact_count"] for s in body))
    server.terminate()
    server.wait()
    shutil.rmtree(directory)


if __name__ == "__main__":
    main()
