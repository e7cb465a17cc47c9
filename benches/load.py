"""Drives benches/load.sh: starts each server, warms it up, loads it with oha, and reads the
server's CPU time and peak RSS from /proc. See benches/load.sh for the options."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

KEY = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
JANE = "a1b2c3d4-e5f6-4789-abcd-ef1234567890"
SEED_BODY = '{"status":"inactive","notes":"Churned after trial"}'
INVALID_BODY = '{"statsu":"inactive","email":"jane@"}'
MOCK = "target/release/gately-mock"
BASELINE = "target/release/examples/baseline"
TICKS = os.sysconf("SC_CLK_TCK")
# With --pin: the CPUs each side may run on (None: any). Set once in main().
CPUS = {"server": None, "client": None}


def pinned(side):
    """What a child process runs before it starts: its CPU set, when --pin asked for one."""
    cpus = CPUS[side]
    return None if cpus is None else lambda: os.sched_setaffinity(0, cpus)


def start(command):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=pinned("server"))
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        raise SystemExit(f"{command[0]} did not start: {line!r}")
    return process, line.removeprefix("listening on ").strip()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def status_kib(pid, field):
    """A size from /proc/PID/status (`VmHWM`: peak RSS, `VmRSS`: RSS now), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def peak_rss_kib(pid):
    return status_kib(pid, "VmHWM")


def oha(url, method, body, connections, duration=None, requests=None):
    command = ["oha", "--no-tui", "-w", "--output-format", "json", "-c", str(connections), "-m", method,
               "-H", f"Authorization: Bearer {KEY}"]
    command += ["-z", f"{duration}s"] if duration else ["-n", str(requests)]
    if body is not None:
        command += ["-H", "Content-Type: application/json", "-d", body]
    return subprocess.Popen(command + [url], stdout=subprocess.PIPE, text=True, preexec_fn=pinned("client"))


def finish(process):
    out, _ = process.communicate()
    report = json.loads(out)
    codes = {int(k): v for k, v in (report.get("statusCodeDistribution") or {}).items()}
    errors = sum((report.get("errorDistribution") or {}).values())
    return report, codes, errors


def measure(server, url, args, mixed=False):
    """One measured run against a started server: warm-up, then the load."""
    contact = f"{url}/api/v1/contacts/{JANE}"
    finish(oha(contact, "PATCH", SEED_BODY, args.connections, duration=args.warmup))
    before = cpu_ticks(server.pid)
    if mixed:  # 40% GET, 40% valid PATCH, 20% invalid PATCH, by connections
        c = args.connections
        loads = [oha(contact, "GET", None, c * 2 // 5, duration=args.duration),
                 oha(contact, "PATCH", SEED_BODY, c * 2 // 5, duration=args.duration),
                 oha(contact, "PATCH", INVALID_BODY, c - 2 * (c * 2 // 5), duration=args.duration)]
    else:
        loads = [oha(contact, "PATCH", SEED_BODY, args.connections, duration=args.duration)]
    results = [finish(load) for load in loads]
    after = cpu_ticks(server.pid)
    requests = sum(sum(codes.values()) for _, codes, _ in results)
    ok = sum(n for _, codes, _ in results for code, n in codes.items() if 200 <= code < 300)
    rps = sum(report["summary"]["requestsPerSec"] for report, _, _ in results)
    first = results[0][0]["latencyPercentiles"]
    return {
        "rps": rps,
        "p50_ms": first["p50"] * 1000,
        "p99_ms": first["p99"] * 1000,
        "cpu_us": (after - before) / TICKS * 1e6 / max(requests, 1),
        "rss_mib": peak_rss_kib(server.pid) / 1024,
        "non_2xx": requests - ok,
        "errors": sum(errors for _, _, errors in results),
        "requests": requests,
    }


def run_server(command, args, mixed=False):
    server, url = start(command)
    try:
        return measure(server, url, args, mixed)
    finally:
        server.terminate()
        server.wait()


def startup_ms(runs):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        process, _ = start([MOCK, "serve", "--port", "0"])
        times.append((time.perf_counter() - began) * 1000)
        process.terminate()
        process.wait()
    return statistics.median(times), min(times), max(times)


def million(args):
    server, url = start([MOCK, "serve", "--port", "0"])
    try:
        load = oha(f"{url}/api/v1/contacts/{JANE}", "PATCH", SEED_BODY, args.connections, requests=1_000_000)
        _, codes, errors = finish(load)
        return peak_rss_kib(server.pid) / 1024, sum(codes.values()), errors
    finally:
        server.terminate()
        server.wait()


def spread(values, fmt):
    """The median of `values`, with their range: `12 (10–15)`."""
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def row(name, runs, key, fmt):
    return spread([run[key] for run in runs], fmt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, load generator on the others, so that they do not compete")
    args = parser.parse_args()
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            raise SystemExit("--pin needs at least two CPUs")
        CPUS["server"], CPUS["client"] = {cpus[0]}, set(cpus[1:])

    scratch = tempfile.TemporaryDirectory()  # the record file: over 1 GB per (b) run
    record = os.path.join(scratch.name, "traffic.jsonl")
    servers = {
        "(a) gately-mock": [MOCK, "serve", "--port", "0"],
        "(b) gately-mock --record": [MOCK, "serve", "--port", "0", "--record", record],
        "(c) baseline": [BASELINE, "0"],
    }
    runs = {name: [] for name in servers}
    runs["(a) mixed 40/40/20"] = []
    runs["(c) mixed 40/40/20"] = []
    for round_no in range(1, args.rounds + 1):
        for name, command in servers.items():
            runs[name].append(run_server(command, args))
            print(f"round {round_no} {name}: {runs[name][-1]['rps']:.0f} req/s", file=sys.stderr)
            if os.path.exists(record):
                os.remove(record)
        runs["(a) mixed 40/40/20"].append(run_server(servers["(a) gately-mock"], args, mixed=True))
        runs["(c) mixed 40/40/20"].append(run_server(servers["(c) baseline"], args, mixed=True))

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}; "
          f"{args.rounds} rounds × {args.duration} s, {args.connections} keep-alive connections, "
          f"{args.warmup} s warm-up; "
          + (f"server on CPU {sorted(CPUS['server'])}, oha on CPUs {sorted(CPUS['client'])}; " if args.pin else "")
          + "medians (min–max)\n")
    print("| server | req/s | p50 ms | p99 ms | server CPU µs/req | peak RSS MiB | non-2xx | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for name, measured in runs.items():
        print(f"| {name} | {row(name, measured, 'rps', '{:.0f}')} | {row(name, measured, 'p50_ms', '{:.2f}')} "
              f"| {row(name, measured, 'p99_ms', '{:.2f}')} | {row(name, measured, 'cpu_us', '{:.1f}')} "
              f"| {row(name, measured, 'rss_mib', '{:.1f}')} | {sum(r['non_2xx'] for r in measured)} "
              f"| {sum(r['errors'] for r in measured)} |")
    med = {name: {k: statistics.median(r[k] for r in measured) for k in ("rps", "cpu_us", "p99_ms")}
           for name, measured in runs.items()}
    a, b, c = med["(a) gately-mock"], med["(b) gately-mock --record"], med["(c) baseline"]
    print()
    def per_round(name, key):
        """The ratio of `name` to the baseline in each round: the two ran seconds apart, so
        the spread shows how much of a gap is the machine's noise."""
        return ", ".join(f"{x[key] / y[key]:.2f}" for x, y in zip(runs[name], runs["(c) baseline"]))
    print(f"- (a)/(c) req/s: {a['rps'] / c['rps']:.2f} (target ≥ 0.80; per round {per_round('(a) gately-mock', 'rps')}); "
          f"CPU µs/req: {a['cpu_us'] / c['cpu_us']:.2f}× the baseline's (target ≤ 1.25; "
          f"per round {per_round('(a) gately-mock', 'cpu_us')})")
    print(f"- (b)/(c) req/s: {b['rps'] / c['rps']:.2f} (target ≥ 0.70; per round {per_round('(b) gately-mock --record', 'rps')})")
    print(f"- p99: (a) {a['p99_ms'] / c['p99_ms']:.2f}× the baseline's (target ≤ 2)")
    print(f"- mixed: (a)/(c) req/s {med['(a) mixed 40/40/20']['rps'] / med['(c) mixed 40/40/20']['rps']:.2f} "
          f"(the 20% invalid PATCHes are 422 by design, counted in non-2xx)")
    if not args.no_startup:
        median, low, high = startup_ms(20)
        print(f"- start-up to `listening on`: median {median:.1f} ms of 20 ({low:.1f}–{high:.1f}) (target ≤ 50)")
    if args.million:
        rss, count, errors = million(args)
        print(f"- peak RSS after {count} PATCHes (journal limit 10 000): {rss:.1f} MiB, {errors} errors (target ≤ 64)")


if __name__ == "__main__":
    main()
