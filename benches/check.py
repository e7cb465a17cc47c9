"""`gately-mock check` on a long record file: exchanges per second and peak memory.

    python3 benches/check.py [--exchanges 100000] [--copies 1] [--har] [--before BINARY]

Records real traffic first: a mock started with `--record` is driven by oha with the mix
the issue measured (40 % valid PATCHes, 30 % refused PATCHes, 20 % filtered lists, 10 %
`Prefer: code=404`), the mix split by request count. `--copies K` writes that capture K
times into one file, each copy's `seq` carried on, for a file the size of a long CI capture
(`--copies 7` of 100 000 is about 1 GiB). Then `check` reads it in each format, three runs
each, timed with its peak RSS (`/usr/bin/time`'s own count, from `wait4`); with `--before`,
the same for that binary, and whether the two reports are byte-identical. `--har` checks the
same traffic as the mock's HAR export (`/__admin/requests.har`, one JSON document, fetched
before the recording mock stops) instead of its record file.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

KEY = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
JANE = "a1b2c3d4-e5f6-4789-abcd-ef1234567890"
MOCK = "target/release/gately-mock"
MIX = [  # share, method, path, body, extra header
    (0.4, "PATCH", f"/api/v1/contacts/{JANE}", '{"status":"inactive","notes":"Churned after trial"}', None),
    (0.3, "PATCH", f"/api/v1/contacts/{JANE}", '{"statsu":"inactive","email":"jane@"}', None),
    (0.2, "GET", "/api/v1/contacts?status=active&limit=5", None, None),
    (0.1, "GET", f"/api/v1/contacts/{JANE}", None, "Prefer: code=404"),
]


def record(path, exchanges, har=None):
    """Records `exchanges` of the mix in `path`; with `har`, the journal's HAR there too."""
    limit = exchanges if har else 100
    server = subprocess.Popen([MOCK, "serve", "--port", "0", "--record", path,
                               "--journal-limit", str(limit)], stdout=subprocess.PIPE, text=True)
    url = server.stdout.readline().removeprefix("listening on ").strip()
    try:
        for share, method, route, body, header in MIX:
            command = ["oha", "--no-tui", "-c", "8", "-n", str(int(exchanges * share)), "-m", method,
                       "-H", f"Authorization: Bearer {KEY}"]
            if body is not None:
                command += ["-H", "Content-Type: application/json", "-d", body]
            if header is not None:
                command += ["-H", header]
            subprocess.run(command + [url + route], check=True, stdout=subprocess.DEVNULL)
        if har:
            with urllib.request.urlopen(url + "/__admin/requests.har") as answer, open(har, "wb") as out:
                while block := answer.read(1 << 20):
                    out.write(block)
    finally:
        server.terminate()
        server.wait()


def copied(source, copies, target):
    """`source` written `copies` times into `target`, each copy's seq after the last's."""
    seq = re.compile(rb'^\{"seq":(\d+),')
    offset = last = 0
    with open(target, "wb") as out:
        for _ in range(copies):
            with open(source, "rb") as lines:
                for line in lines:
                    found = seq.match(line)
                    last = int(found.group(1)) + offset
                    out.write(b'{"seq":%d,' % last + line[found.end():])
            offset = last


def timed(binary, file, form):
    """Seconds, peak RSS in MiB, and the report's bytes of one `check`."""
    with tempfile.NamedTemporaryFile() as out, tempfile.NamedTemporaryFile(mode="r") as stats:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", stats.name, binary, "check", file,
                        "--format", form, "--coverage", "--output", out.name])
        seconds = time.perf_counter() - start
        peak_kib = int(stats.read().split()[-1])
        return seconds, peak_kib / 1024, open(out.name, "rb").read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="an older gately-mock to measure beside this one")
    parser.add_argument("--har", action="store_true", help="check the mock's HAR export of the traffic")
    parser.add_argument("--file", help="check this record file instead of recording one")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    file = args.file
    if file is None:
        once = os.path.join(scratch.name, "once.jsonl")
        har = os.path.join(scratch.name, "once.har") if args.har else None
        record(once, args.exchanges, har)
        file = har or once
        if args.copies > 1 and not args.har:
            file = os.path.join(scratch.name, "copies.jsonl")
            copied(once, args.copies, file)
            os.remove(once)
    if args.har and args.file is None:  # the HAR holds the record file's exchanges
        lines = sum(1 for _ in open(once, "rb"))
    elif file.endswith(".har"):
        with open(file, "rb") as archive:
            lines = len(json.load(archive)["log"]["entries"])
    else:
        lines = sum(1 for _ in open(file, "rb"))
    size = os.path.getsize(file)
    print(f"{lines} exchanges, {size / 2**20:.0f} MiB")
    binaries = [("now", MOCK)] + ([("before", args.before)] if args.before else [])
    print("| binary | format | seconds | exchanges/s | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for form in ("human", "json", "junit"):
        reports = {}
        for name, binary in binaries:
            runs = [timed(binary, file, form) for _ in range(args.runs)]
            reports[name] = runs[0][2]
            best = min(seconds for seconds, _, _ in runs)
            worst = max(seconds for seconds, _, _ in runs)
            peak = max(mib for _, mib, _ in runs)
            print(f"| {name} | {form} | {best:.2f}–{worst:.2f} | {lines / worst:,.0f}–{lines / best:,.0f} "
                  f"| {peak:.0f} |")
        if args.before:
            print(f"|  | {form}: reports {'identical' if reports['now'] == reports['before'] else 'DIFFER'} | | | |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
