"""Fleet scale: ``plan`` of 2,000 existing clones (20 sources × 100 environments) at 50 ms.

Run: ``.venv/bin/python bench/fleet.py [--latency 0.05] [--sample 200]``. The organization
is built as a seed dict; the sandbox serves it from a child process (so that its CPU is not
counted as the tool's), and the clones are first created by a real ``apply`` at zero
latency. Then, with ``--latency`` on every request, three ways of learning the state of the
same 2,000 clones are measured in this one run:

- this tool: ``reconciler plan`` (the real CLI, in a child process that has imported it
  already): requests from the sandbox's log, wall time, CPU time, peak RSS, and the ratio to
  the physical bound ``(resolution steps + ⌈listings ÷ parallelism⌉) × latency``, where the
  resolution steps are the two that must follow one another before the listings can start
  (organizations, then projects and environments);
- Terraform's refresh model with a provider: one ``GET /{kind}/{id}`` per managed
  service, 10 at a time (``-parallelism=10``), the ids given up front as a state file
  would (httpx directly);
- a sequential shell-loop script: for each target environment, for each application,
  ``GET /application/{id}``, one at a time; timed on ``--sample`` requests and extrapolated.

Targets: ≤ 110 requests, wall ≤ 1.5× the bound, ≥ 10× faster than the refresh, ≥ 50×
faster than the loop. ``--mixed``: the same 20 sources are 14 applications, 3 containers and
3 jobs (named without ``kind:``); the plan must cost one list per kind per environment (3 ×
101 + the 3 resolution calls), no more. The sandbox's own time to serve one listing and one
GET is printed too: it is a single Python process on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine

SOURCES = 20
TARGETS = 100
PARALLELISM = 8  # the tool's default --parallelism
TERRAFORM_PARALLELISM = 10
RESOLUTION_STEPS = 2
MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: fleet}
spec:
  organization: Fleet
  source:
    project: platform
    environment: source
    applications: [%(apps)s]
  targets:
    - environment: {match: "target-*"}
  overrides: {cpu: 250, memory: 256}
  ignore: [max_running_instances]
  policy: {on_drift: report}
"""


def source_name(n: int) -> str:
    return f"svc-{n:02d}"


MIXED_CONTAINERS = range(14, 17)  # with --mixed, these sources are containers
MIXED_JOBS = range(17, 20)  # and these jobs
SEGMENTS = ("/application", "/container", "/job")
STAGES = ("organizations", "resolution", "listings", "statuses", "variables")
"""The stages of a plan's requests, in the order they follow one another."""


def stage_of(path: str) -> str:
    """The stage (``STAGES``) of a request of a plan, by its path (no query): each kind's
    listings and their statuses are read together; the environments' statuses after them."""
    if path == "/organization":
        return "organizations"
    if path.endswith(SEGMENTS) or path.endswith(tuple(f"{s}/status" for s in SEGMENTS)):
        return "listings"
    if path.endswith("/statuses"):
        return "statuses"
    return "variables" if path.startswith("/variable") else "resolution"


def seed(mixed: bool = False) -> dict[str, Any]:
    """One organization: the source environment with 20 varied applications (with
    ``mixed``: 14 applications, 3 containers, 3 jobs), 100 targets."""
    apps = []
    for n in range(SOURCES if not mixed else MIXED_CONTAINERS.start):
        app: dict[str, Any] = {
            "name": source_name(n),
            "cpu": 250 * (1 + n % 4),
            "memory": 256 * (1 + n % 3),
            "git_repository": {"url": f"https://github.com/fleet/svc-{n}.git", "branch": "main"},
        }
        if n % 5 == 0:
            app["ports"] = []
            app["storage"] = [{"type": "FAST_SSD", "size": 10, "mount_point": "/data"}]
        apps.append(app)
    source: dict[str, Any] = {"name": "source", "mode": "STAGING", "applications": apps}
    if mixed:
        source["containers"] = [
            {"name": source_name(n), "image_name": f"fleet/svc-{n}", "tag": f"1.{n}"}
            for n in MIXED_CONTAINERS
        ]
        source["jobs"] = [
            {"name": source_name(n), "schedule": {"cronjob": {"scheduled_at": f"{n} 3 * * *"}}}
            for n in MIXED_JOBS
        ]
    environments = [source]
    environments += [{"name": f"target-{n:03d}", "mode": "PREVIEW"} for n in range(TARGETS)]
    return {
        "organizations": [
            {"name": "Fleet", "projects": [{"name": "platform", "environments": environments}]}
        ]
    }


# -- child processes: the sandbox, and the measured plan


def serve_sandbox(pipe: Connection, mixed: bool) -> None:
    """Child process: serve the fleet seed until the parent sends anything."""
    from reconciler.sandbox import start

    with start(seed(mixed), deploy_seconds=0.0) as sandbox:
        pipe.send((sandbox.url, sandbox.token))
        pipe.recv()


def measure_plan(pipe: Connection) -> None:
    """Child process: import the CLI, then time ``reconciler plan`` each time it is asked."""
    import os
    import resource

    from common import timed_run

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    while (job := pipe.recv()) is not None:
        url, token, manifests, parallelism = job
        os.environ.update(QOVERY_API_URL=url, QOVERY_API_TOKEN=token)
        argv = ["plan", manifests, "--detailed-exitcode", "--parallelism", str(parallelism)]
        run = timed_run(argv)
        tail = run["out"][-300:] + run["err"][-300:]
        keys = ("code", "wall", "cpu", "rss", "epoch")
        pipe.send({key: run[key] for key in keys} | {"rss_before": rss_before, "tail": tail})


# -- talking to the sandbox from this process


class Admin:
    """The sandbox child's URL, token and admin API (request log, faults)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"})

    def latency(self, seconds: float) -> None:
        self.http.put("/_sandbox/faults", json={"latency": seconds}).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_sandbox/requests").json())

    def clear(self) -> None:
        self.http.delete("/_sandbox/requests").raise_for_status()

    def get(self, path: str) -> Any:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()


def create_clones(admin: Admin, manifests: str) -> tuple[float, str]:
    """``reconciler apply`` at zero latency, in a child process; its wall time and summary."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "QOVERY_TOKEN_TYPE"}
    env.update(QOVERY_API_URL=admin.url, QOVERY_API_TOKEN=admin.token)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "apply", manifests, "--auto-approve", "--no-color"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(
            f"apply failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return seconds, done.stdout.strip().splitlines()[-1]


def managed_ids(admin: Admin) -> list[tuple[str, str]]:
    """(environment id, service path) of every clone: what a Terraform state would hold."""
    org = admin.get("/organization")["results"][0]["id"]
    project = admin.get(f"/organization/{org}/project")["results"][0]["id"]
    environments = admin.get(f"/project/{project}/environment")["results"]
    ids = []
    for env in environments:
        if env["name"].startswith("target-"):
            ids += [
                (env["id"], f"{segment}/{a['id']}")
                for segment in SEGMENTS
                for a in admin.get(f"/environment/{env['id']}{segment}")["results"]
            ]
    return ids


def terraform_refresh(admin: Admin, ids: list[tuple[str, str]]) -> tuple[float, int]:
    """One GET per managed application, ``TERRAFORM_PARALLELISM`` at a time."""
    limits = httpx.Limits(max_connections=TERRAFORM_PARALLELISM)
    with httpx.Client(
        base_url=admin.url, headers={"Authorization": f"Token {admin.token}"}, limits=limits
    ) as http:

        def read(path: str) -> int:
            return http.get(path).status_code

        began = time.perf_counter()
        with ThreadPoolExecutor(TERRAFORM_PARALLELISM) as pool:
            statuses = list(pool.map(read, [app_id for _, app_id in ids]))
        seconds = time.perf_counter() - began
    assert statuses == [200] * len(ids), set(statuses)
    return seconds, len(statuses)


def wire_replay(admin: Admin, log: list[dict[str, Any]], parallelism: int) -> float:
    """Seconds for a client that only moves bytes to make the requests of a plan's ``log``,
    in its stages (``stage_of``), each stage at ``parallelism`` over kept-alive connections
    (``http.client``), every body read and none parsed: the wall a plan could reach if it
    spent nothing on what it reads, on this machine, against this sandbox."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    where = urlsplit(admin.url)
    host = where.hostname or "127.0.0.1"
    headers = {"Authorization": f"Token {admin.token}"}
    local = threading.local()
    stages: dict[str, list[str]] = {stage: [] for stage in STAGES}
    for request in sorted(log, key=lambda r: r["started"]):
        bare = str(request["path"])
        path = f"{bare}?{request['query']}" if request.get("query") else bare
        stages[stage_of(bare)].append(path)

    def read(path: str) -> int:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(host, where.port)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    began = time.perf_counter()
    with ThreadPoolExecutor(parallelism) as pool:
        for paths in stages.values():
            statuses = list(pool.map(read, paths))
            assert set(statuses) <= {200}, set(statuses)
    return time.perf_counter() - began


def sequential_loop(admin: Admin, ids: list[tuple[str, str]], sample: int) -> float:
    """Seconds per application of a one-at-a-time loop, timed on ``sample`` applications."""
    with httpx.Client(
        base_url=admin.url, headers={"Authorization": f"Token {admin.token}"}
    ) as http:
        began = time.perf_counter()
        for _, path in ids[:sample]:
            http.get(path).raise_for_status()
        return (time.perf_counter() - began) / sample


def serving_times(admin: Admin, ids: list[tuple[str, str]]) -> tuple[float, float]:
    """Median ms the sandbox spends serving one listing (20 apps) and one GET, no latency."""
    admin.latency(0.0)
    admin.clear()
    for env_id, path in ids[: 20 * SOURCES : SOURCES]:
        admin.get(f"/environment/{env_id}/application")
        admin.get(path)
    log = admin.requests()
    listing = [r["duration_ms"] for r in log if r["path"].endswith("/application")]
    single = [r["duration_ms"] for r in log if not r["path"].endswith("/application")]
    return statistics.median(listing), statistics.median(single)


@dataclass
class PlanRun:
    """One timed ``plan``: what the child measured and the sandbox's log of it."""

    parallelism: int
    measured: dict[str, Any]
    log: list[dict[str, Any]]

    @property
    def wall(self) -> float:
        return float(self.measured["wall"])

    @property
    def listings(self) -> int:
        return sum(1 for r in self.log if r["path"].endswith(SEGMENTS))

    def listings_by_kind(self) -> str:
        counts = {s[1:]: sum(1 for r in self.log if r["path"].endswith(s)) for s in SEGMENTS}
        return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)

    def rounds(self) -> int:
        """Round trips that must follow one another: resolution steps, then the listings."""
        return RESOLUTION_STEPS + math.ceil(self.listings / self.parallelism)

    def served_ms(self) -> float:
        """Median time the sandbox took to answer one request of this plan (latency included)."""
        return float(statistics.median(r["duration_ms"] for r in self.log))


def time_plans(
    admin: Admin, context: Any, manifests: str, latency: float, repeats: int
) -> dict[int, list[PlanRun]]:
    """``repeats`` plans at the default parallelism and at Terraform's, in one child process."""
    pipe, child = context.Pipe()
    planner = context.Process(target=measure_plan, args=(child,), daemon=True)
    planner.start()
    admin.latency(latency)
    runs: dict[int, list[PlanRun]] = {PARALLELISM: [], TERRAFORM_PARALLELISM: []}
    for _ in range(repeats):
        for parallelism, done in runs.items():
            admin.clear()
            pipe.send((admin.url, admin.token, manifests, parallelism))
            done.append(PlanRun(parallelism, pipe.recv(), admin.requests()))
    pipe.send(None)
    planner.join()
    return {p: sorted(done, key=lambda run: run.wall) for p, done in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mixed", action="store_true", help="containers and jobs too")
    args = parser.parse_args()
    print(machine())
    context = multiprocessing.get_context("spawn")
    sandbox_pipe, child_pipe = context.Pipe()
    server = context.Process(target=serve_sandbox, args=(child_pipe, args.mixed), daemon=True)
    server.start()
    admin = Admin(*sandbox_pipe.recv())
    with tempfile.TemporaryDirectory() as tmp:
        manifests = Path(tmp) / "fleet.yaml"
        manifests.write_text(MANIFEST % {"apps": ", ".join(source_name(n) for n in range(SOURCES))})
        create_seconds, created = create_clones(admin, str(manifests))
        print(f"setup: apply created the clones in {create_seconds:.1f} s at 0 latency ({created})")
        ids = managed_ids(admin)
        assert len(ids) == SOURCES * TARGETS, len(ids)
        listing_ms, get_ms = serving_times(admin, ids)
        plans = time_plans(admin, context, str(manifests), args.latency, args.repeats)
    admin.latency(args.latency)
    refresh, refreshed = terraform_refresh(admin, ids)
    per_app = sequential_loop(admin, ids, args.sample)
    print(f"load at the end: {machine().split('load average ')[1]}")
    sandbox_pipe.send("stop")
    server.join(timeout=10)
    print(
        f"fleet{' (mixed: 14 applications, 3 containers, 3 jobs)' if args.mixed else ''}: "
        f"{SOURCES} sources × {TARGETS} environments = {SOURCES * TARGETS} existing "
        f"clones, latency {args.latency * 1000:.0f} ms per request; plan timed {args.repeats}× "
        "per parallelism, median shown"
    )
    for runs in plans.values():
        report_plan(runs, args.latency)
    median = plans[PARALLELISM][len(plans[PARALLELISM]) // 2]
    equal = plans[TERRAFORM_PARALLELISM][len(plans[TERRAFORM_PARALLELISM]) // 2]
    loop = per_app * SOURCES * TARGETS
    print(
        f"terraform-style refresh: {refreshed} GETs at parallelism {TERRAFORM_PARALLELISM}: "
        f"{refresh:.2f} s → plan is {refresh / median.wall:.1f}× faster at its default "
        f"parallelism {PARALLELISM}, {refresh / equal.wall:.1f}× at the same parallelism "
        f"{TERRAFORM_PARALLELISM}  (target ≥ 10×)"
    )
    print(
        f"sequential loop: {per_app * 1000:.1f} ms per application over a sample of "
        f"{args.sample}, × {SOURCES * TARGETS} = {loop:.1f} s (extrapolated) → plan is "
        f"{loop / median.wall:.0f}× faster  (target ≥ 50×)"
    )
    print(
        f"sandbox serving time, no latency (median): one listing of {SOURCES} applications "
        f"{listing_ms:.1f} ms, one GET /application/{{id}} {get_ms:.1f} ms"
    )
    return 0 if all(r.measured["code"] == 0 for runs in plans.values() for r in runs) else 1


def report_plan(runs: list[PlanRun], latency: float) -> None:
    run = runs[len(runs) // 2]
    measured, wall = run.measured, run.wall
    bound = run.rounds() * latency
    served = run.served_ms() / 1000
    first = min(r["started"] for r in run.log) - measured["epoch"]
    last = max(r["started"] + r["duration_ms"] / 1000 for r in run.log) - measured["epoch"]
    walls = ", ".join(f"{r.wall:.3f}" for r in runs)
    print(f"plan --parallelism {run.parallelism}: exit {measured['code']} (0 = nothing to change)")
    print(
        f"  requests:  {len(run.log)} ({run.listings} environment listings: "
        f"{run.listings_by_kind()})  (target ≤ 110; mixed: ≤ 3 + 3 × 101)"
    )
    print(
        f"  wall:      {wall:.3f} s (runs: {walls});  CPU {measured['cpu']:.3f} s;  peak RSS "
        f"{measured['rss'] / 1024:.0f} MB ({measured['rss_before'] / 1024:.0f} MB after imports)"
    )
    print(
        f"  bound:     {bound:.3f} s = ({RESOLUTION_STEPS} + ⌈{run.listings} ÷ "
        f"{run.parallelism}⌉) × {latency:g} s;  ratio {wall / bound:.2f}×  (target ≤ 1.5×)"
    )
    print(
        f"  phases:    {first:.3f} s before the first request (load, validate), "
        f"{last - first:.3f} s of requests, {wall - last:.3f} s after the last answer (plan, print)"
    )
    print(
        f"  sandbox:   median {served * 1000:.1f} ms per answer in this plan "
        f"({latency * 1000:.0f} ms injected); the bound at that served time: "
        f"{run.rounds() * served:.3f} s, "
        f"ratio {wall / (run.rounds() * served):.2f}×"
    )


if __name__ == "__main__":
    sys.exit(main())
