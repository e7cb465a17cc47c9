"""A fixed-rate latency sweep (issue 21), the way MockServer publishes its figures: the seed
PATCH sent at fixed request rates (5k, 10k, 20k, 40k req/s by default) for a few seconds each,
p50/p99/p99.9 of each, for gately-mock and the bare hyper baseline (examples/baseline.rs)
side by side, the two runs of each rate seconds apart. oha's --latency-correction measures
each request from when it was due, not from when it was sent, so that a server falling
behind shows as latency (no coordinated omission). "Breaks away" is the first rate whose
p99 is over 10 times its p99 at the lowest rate, or whose achieved rate is under 95 % of the
asked one.

    cargo build --release --bin gately-mock --example baseline
    python3 benches/sweep.py [--rates 5000,10000,20000,40000] [--duration 5] [--connections 50]

Needs oha (benches/load.sh installs it). Not run by the test suite.
"""
import argparse
import json
import subprocess

from load import BASELINE, JANE, KEY, MOCK, SEED_BODY, start


def at_rate(url, rate, duration, connections):
    command = ["oha", "--no-tui", "--output-format", "json", "-z", f"{duration}s", "-q", str(rate),
               "--latency-correction", "-c", str(connections), "-m", "PATCH",
               "-H", f"Authorization: Bearer {KEY}", "-H", "Content-Type: application/json",
               "-d", SEED_BODY, f"{url}/api/v1/contacts/{JANE}"]
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    percentiles = report["latencyPercentiles"]
    return {
        "achieved": report["summary"]["requestsPerSec"],
        "p50": percentiles["p50"] * 1000,
        "p99": percentiles["p99"] * 1000,
        "p99.9": percentiles["p99.9"] * 1000,
    }


def sweep(command, rates, args):
    server, url = start(command)
    try:
        at_rate(url, rates[0], 1, args.connections)  # warm-up
        return [at_rate(url, rate, args.duration, args.connections) for rate in rates]
    finally:
        server.terminate()
        server.wait()


def breaks_at(rates, results):
    floor = results[0]["p99"]
    for rate, result in zip(rates, results):
        if result["p99"] > 10 * floor or result["achieved"] < 0.95 * rate:
            return rate
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="5000,10000,20000,40000")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    rates = [int(rate) for rate in args.rates.split(",")]
    servers = {"gately-mock": [MOCK, "serve", "--port", "0"], "baseline": [BASELINE, "0"]}
    results = {name: sweep(command, rates, args) for name, command in servers.items()}
    print(f"seed PATCH, {args.connections} connections, {args.duration} s per rate, "
          "latency corrected (ms from when each request was due)\n")
    print("| rate asked | server | achieved req/s | p50 ms | p99 ms | p99.9 ms |")
    print("|---|---|---|---|---|---|")
    for n, rate in enumerate(rates):
        for name in servers:
            r = results[name][n]
            print(f"| {rate} | {name} | {r['achieved']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['p99.9']:.2f} |")
    print()
    for name in servers:
        rate = breaks_at(rates, results[name])
        print(f"- {name}: " + (f"breaks away at {rate} req/s" if rate else f"holds up to {rates[-1]} req/s"))


if __name__ == "__main__":
    main()
