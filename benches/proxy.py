"""Proxy overhead (issue 20): a gately-mock as the upstream, loaded directly and through a
second gately-mock in proxy mode (`serve --upstream`), interleaved round by round on this
machine. Reports req/s, p50/p99 and CPU per request of each process from /proc. Run it
with benches/proxy.sh, which builds the mock and installs oha."""
import argparse
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(__file__))
from load import JANE, MOCK, SEED_BODY, TICKS, cpu_ticks, finish, oha, spread, start  # noqa: E402


def measure(url, watched, args, method, body):
    """Loads `url` with `method` after a warm-up; CPU µs per request of each `watched` process."""
    contact = f"{url}/api/v1/contacts/{JANE}"
    finish(oha(contact, method, body, args.connections, duration=args.warmup))
    before = {name: cpu_ticks(p.pid) for name, p in watched.items()}
    report, codes, errors = finish(oha(contact, method, body, args.connections, duration=args.duration))
    requests = max(sum(codes.values()), 1)
    cpu = {name: (cpu_ticks(p.pid) - before[name]) / TICKS * 1e6 / requests for name, p in watched.items()}
    ok = sum(n for code, n in codes.items() if 200 <= code < 300)
    return {"rps": report["summary"]["requestsPerSec"], "p50_ms": report["latencyPercentiles"]["p50"] * 1000,
            "p99_ms": report["latencyPercentiles"]["p99"] * 1000, "cpu": cpu,
            "non_2xx": sum(codes.values()) - ok, "errors": errors}


def one_round(args, method, body):
    upstream, upstream_url = start([MOCK, "serve", "--port", "0"])
    proxy, proxy_url = start([MOCK, "serve", "--port", "0", "--upstream", upstream_url])
    try:
        direct = measure(upstream_url, {"upstream": upstream}, args, method, body)
        proxied = measure(proxy_url, {"proxy": proxy, "upstream": upstream}, args, method, body)
        return direct, proxied
    finally:
        for process in (proxy, upstream):
            process.terminate()
            process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}; {args.rounds} rounds × "
          f"{args.duration} s, {args.connections} keep-alive connections, {args.warmup} s warm-up; "
          "medians (min–max)\n")
    print("| request | path | req/s | p50 ms | p99 ms | upstream CPU µs/req | proxy CPU µs/req | non-2xx | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []
    for method, body in (("GET", None), ("PATCH", SEED_BODY)):
        rounds = [one_round(args, method, body) for _ in range(args.rounds)]
        for i, label in ((0, "direct"), (1, "through the proxy")):
            runs = [r[i] for r in rounds]
            proxy_cpu = spread([r["cpu"]["proxy"] for r in runs], "{:.1f}") if i else "–"
            print(f"| {method} | {label} | {spread([r['rps'] for r in runs], '{:.0f}')} "
                  f"| {spread([r['p50_ms'] for r in runs], '{:.2f}')} | {spread([r['p99_ms'] for r in runs], '{:.2f}')} "
                  f"| {spread([r['cpu']['upstream'] for r in runs], '{:.1f}')} | {proxy_cpu} "
                  f"| {sum(r['non_2xx'] for r in runs)} | {sum(r['errors'] for r in runs)} |")
        rps = ", ".join(f"{p['rps'] / d['rps']:.2f}" for d, p in rounds)
        cpu = ", ".join(f"{p['cpu']['proxy'] / d['cpu']['upstream']:.2f}" for d, p in rounds)
        notes.append(f"- {method}: proxied/direct req/s per round {rps}; the proxy's CPU per request "
                     f"per round {cpu}× the upstream's when called directly")
    print()
    print("\n".join(notes))

if __name__ == "__main__":
    main()
