"""The sandbox's own time to serve, at 10,000 services against 20, measured in one run.

Run: ``.venv/bin/python bench/sandbox_serving.py [--targets 500] [--rounds 3]
[--parallelism 8]``. Two sandboxes, each in its own process (``bench/scaled.py``): the
fleet of 20 clones per target environment over ``--targets`` environments (10,000 clones),
and the same fleet over one environment (20 clones). No latency is injected; the client
sends, ``--parallelism`` at a time, what a plan and a refresh send: each target
environment's listing of applications, its application statuses, its environment statuses,
one application, and the variables of one application. Printed per request kind: the
sandbox's median and 90th percentile served time (its request log: from the request read to
the answer written) at each size, and their ratio. Every request touches the same 20
services at both sizes: the target is a ratio near 1 (the sandbox's work follows what a
request touches, not the size of the store). The client's requests per second are printed
too.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine
from fleet import Admin
from scaled import serve

KINDS = ("listing", "statuses", "environment", "application", "variables")


def requests_for(admin: Admin, rounds: int, environments: int) -> list[tuple[str, str]]:
    """(kind, path) of every request: ``environments`` target environments, ``rounds`` times."""
    org = admin.get("/organization")["results"][0]["id"]
    project = admin.get(f"/organization/{org}/project")["results"][0]["id"]
    targets = [
        e["id"]
        for e in admin.get(f"/project/{project}/environment")["results"]
        if e["name"].startswith("target-")
    ]
    paths = []
    for n in range(environments):
        env = targets[n % len(targets)]
        app = admin.get(f"/environment/{env}/application")["results"][n % 20]["id"]
        paths += [
            ("listing", f"/environment/{env}/application"),
            ("statuses", f"/environment/{env}/application/status"),
            ("environment", f"/environment/{env}/statuses"),
            ("application", f"/application/{app}"),
            ("variables", f"/variable?parent_id={app}&scope=APPLICATION"),
        ]
    return paths * rounds


def drive(admin: Admin, paths: list[tuple[str, str]], parallelism: int) -> float:
    """Send every request, ``parallelism`` at a time; the wall time."""
    headers = {"Authorization": f"Token {admin.token}"}
    limits = httpx.Limits(max_connections=parallelism)
    with httpx.Client(base_url=admin.url, headers=headers, limits=limits) as http:

        def get(path: str) -> None:
            http.get(path).raise_for_status()

        began = time.perf_counter()
        with ThreadPoolExecutor(parallelism) as pool:
            list(pool.map(get, [p for _, p in paths]))
        return time.perf_counter() - began


def served(admin: Admin, paths: list[tuple[str, str]]) -> dict[str, list[float]]:
    """The sandbox's served time (ms) of each request kind, from its log (once every entry
    has its duration: the last answers reach the client a moment before they are logged)."""
    log = admin.requests()
    for _ in range(100):
        if all(entry["duration_ms"] is not None for entry in log):
            break
        time.sleep(0.02)
        log = admin.requests()
    kind_of = {path.split("?")[0]: kind for kind, path in paths}
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for entry in log:
        times[kind_of[entry["path"]]].append(float(entry["duration_ms"]))
    return times


def measure(context: Any, targets: int, args: argparse.Namespace) -> tuple[dict[str, Any], float]:
    """A sandbox of ``targets`` × 20 clones in a child process; its served times, the rate."""
    pipe, child = context.Pipe()
    server = context.Process(target=serve, args=(child, targets, 0), daemon=True)
    server.start()
    admin = Admin(*pipe.recv())
    paths = requests_for(admin, args.rounds, args.environments)
    drive(admin, paths[: len(paths) // args.rounds], args.parallelism)  # warm up
    admin.clear()
    wall = drive(admin, paths, args.parallelism)
    times = served(admin, paths)
    pipe.send("stop")
    server.join(timeout=10)
    return times, len(paths) / wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=500)
    parser.add_argument("--environments", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parallelism", type=int, default=8)
    args = parser.parse_args()
    print(machine())
    context = multiprocessing.get_context("spawn")
    big, big_rate = measure(context, args.targets, args)
    small, small_rate = measure(context, 1, args)
    print(
        f"{args.targets * 20} services against 20, {args.environments} environments × "
        f"{args.rounds} rounds, parallelism {args.parallelism}, no latency injected"
    )
    print(f"  {'request':<12} {'median ms (big / small)':>26} {'p90 ms (big / small)':>24}  ratio")
    for kind in KINDS:
        b, s = sorted(big[kind]), sorted(small[kind])
        bm, sm = statistics.median(b), statistics.median(s)
        b90, s90 = b[int(len(b) * 0.9)], s[int(len(s) * 0.9)]
        print(f"  {kind:<12} {bm:>12.2f} / {sm:<11.2f} {b90:>11.2f} / {s90:<10.2f} {bm / sm:5.2f}×")
    print(
        f"  requests per second: {big_rate:.0f} / {small_rate:.0f} ({big_rate / small_rate:.2f}×)"
    )
    print(f"load at the end: {machine().split('load average ')[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
