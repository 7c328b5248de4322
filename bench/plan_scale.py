"""Plans at scale, as ratios to baselines measured in the same run (issue 15's figures).

Run: ``.venv/bin/python bench/plan_scale.py MODE [--latency 0.05] [--parallelism 8]``, MODE:

- ``every-update``: 2,000 clones over 100 environments, an override edited for the whole
  fleet (every clone an update); ``plan`` as text, then as ``--json``. Targets: wall ≤ 1.5×
  the bound, CPU after start-up ≤ 0.5 s.
- ``fleet-10k``: 10,000 clones over 500 environments, 10% drifted; ``plan --json``. Targets:
  wall ≤ 1.3× the bound, ≥ 15× faster than the Terraform-style refresh, peak RSS ≤ 300 MB.
- ``variables``: 2,000 clones, 5 of the 20 sources declaring a variable (500 clones): the
  plan's requests must be the variable-free plan's + 500; wall ≤ 1.5× the bound.
- ``apply-updates``: ``apply --auto-approve`` of the 2,000 updates of ``every-update``.
  Targets: wall ≤ 1.15× ``(3 + ⌈requests ÷ 8⌉) × latency`` (every request of the run, plan
  included), mean requests in flight ≥ 7.5 of 8, CPU per update ≤ 1 ms.

The sandbox serves the fleet (``bench/scaled.py``) from its own process; each plan runs in a
fresh child process that has imported the CLI already (its CPU and peak RSS are the plan's,
start-up excluded), its standard output the process's, as ``plan --json > /dev/null`` has it.
The bound is ``(2 + ⌈listings ÷ p⌉ + ⌈variable reads ÷ p⌉) × latency``: the stages that
must follow one another (organizations; projects and environments; the listings; the
variables), each at parallelism ``p``. ``plan`` reads statuses only for the
environments where it has a conflict with a listed service or a delete (none here); were it to read
some, they would be a stage of their own, ``+ ⌈state reads ÷ p⌉``. Apply's bound counts
every request of the run, ``(3 + ⌈requests ÷ p⌉) × latency``, so its statuses stage (the
safety rule before any write, for services being deleted) is in it. Baselines in the same run: a
Terraform-style refresh (one GET per clone, parallelism 10) and a sequential loop, each timed
on a sample and extrapolated; the sandbox's median served time per answer; and, for a plan,
the same requests made by a client that only moves bytes (``fleet.wire_replay``: its stages
in turn, parallelism ``p``, no body parsed), the measured floor of the plan's wall on this
machine, whose ratio to the refresh is the most the plan's can be.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import sys
import tempfile
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine
from fleet import Admin, managed_ids, sequential_loop, stage_of, terraform_refresh, wire_replay
from scaled import manifest, serve

MODES = {  # targets, drifted percent, variable sources, every update, formats
    "every-update": (100, 0, 0, True, ("text", "json")),
    "fleet-10k": (500, 10, 0, False, ("json",)),
    "variables": (100, 0, 5, False, ("text",)),
    "apply-updates": (100, 0, 0, True, ("apply",)),
}
REFRESH_SAMPLE = 1000


def measure(pipe: Connection) -> None:
    """Child process: import the CLI (every module), then time the ``reconciler`` run it is sent."""
    import importlib
    import os
    import pkgutil
    import resource

    from common import timed_run

    import reconciler

    for module in pkgutil.walk_packages(reconciler.__path__, "reconciler."):
        if not module.name.startswith(("reconciler.sandbox", "reconciler.__main__")):
            importlib.import_module(module.name)  # start-up, not the plan's CPU
    url, token, argv = pipe.recv()
    os.environ.update(QOVERY_API_URL=url, QOVERY_API_TOKEN=token)
    os.environ.pop("QOVERY_TOKEN_TYPE", None)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = timed_run(argv, real_stdout=True)  # as ``plan --json > /dev/null``
    pipe.send(
        {key: run[key] for key in ("code", "wall", "cpu", "epoch")}
        | {"rss_before_mb": rss_before / 1024, "rss_mb": run["rss"] / 1024}
        | {"bytes": run["out_bytes"], "tail": run["err"][-500:]}
    )


def run_plan(admin: Admin, context: Any, argv: list[str]) -> tuple[dict[str, Any], list[Any]]:
    """One plan in a fresh child process; what it measured and the sandbox's log of it."""
    pipe, child = context.Pipe()
    planner = context.Process(target=measure, args=(child,), daemon=True)
    planner.start()
    child.close()  # the child's end lives in the child only: its death is an EOFError here
    admin.clear()
    pipe.send((admin.url, admin.token, argv))
    measured = pipe.recv()
    planner.join()
    return measured, admin.requests()


def stages(log: list[dict[str, Any]]) -> dict[str, int]:
    """The plan's requests by stage (``fleet.stage_of``; the organizations are resolution)."""
    counts = Counter(stage_of(str(r["path"])) for r in log)
    counts["resolution"] += counts.pop("organizations", 0)
    return {stage: counts[stage] for stage in ("listings", "statuses", "variables", "resolution")}


def report(label: str, measured: dict[str, Any], log: list[Any], p: int, latency: float) -> float:
    """Print one plan's figures; returns its wall time."""
    counts = stages(log)
    rounds = [math.ceil(counts[s] / p) for s in ("listings", "statuses", "variables") if counts[s]]
    bound = (2 + sum(rounds)) * latency
    served = statistics.median(r["duration_ms"] for r in log) / 1000
    wall = float(measured["wall"])
    last = max(r["started"] + r["duration_ms"] / 1000 for r in log) - measured["epoch"]
    print(f"{label}: exit {measured['code']}, {measured['bytes']} bytes out")
    print(f"  requests:  {len(log)} ({', '.join(f'{n} {s}' for s, n in counts.items())})")
    print(
        f"  wall:      {wall:.3f} s;  CPU {measured['cpu']:.3f} s (start-up excluded);  peak "
        f"RSS {measured['rss_mb']:.0f} MB ({measured['rss_before_mb']:.0f} MB after imports)"
    )
    print(
        f"  bound:     {bound:.3f} s = (2 + {' + '.join(map(str, rounds))}) × {latency:g} s; "
        f"ratio {wall / bound:.2f}×"
    )
    at_served = (2 + sum(rounds)) * served
    print(
        f"  sandbox:   median {served * 1000:.1f} ms per answer ({latency * 1000:.0f} ms "
        f"injected; the bound at that: {at_served:.3f} s, ratio {wall / at_served:.2f}×); "
        f"{wall - last:.3f} s after the last answer (plan, print)"
    )
    if measured["code"] not in (0, 2):
        print(measured["tail"])
    return wall


def report_apply(measured: dict[str, Any], log: list[Any], p: int, latency: float) -> float:
    """Print one apply's figures; returns its wall time."""
    wall = float(measured["wall"])
    bound = (3 + math.ceil(len(log) / p)) * latency
    begun = min(r["started"] for r in log)
    ended = max(r["started"] + r["duration_ms"] / 1000 for r in log)
    writes = [r for r in log if r["method"] == "PUT"]
    w_begun = min(r["started"] for r in writes)
    w_ended = max(r["started"] + r["duration_ms"] / 1000 for r in writes)
    in_writes = [r for r in log if r["started"] >= w_begun]
    busy = sum(r["duration_ms"] for r in in_writes) / 1000 / (w_ended - w_begun)
    served = statistics.median(r["duration_ms"] for r in log) / 1000
    print(f"apply: exit {measured['code']}, {len(writes)} PUTs, {len(log)} requests in all")
    print(
        f"  wall:      {wall:.3f} s;  CPU {measured['cpu']:.3f} s, "
        f"{measured['cpu'] / max(1, len(writes)) * 1000:.2f} ms per update (plan included)"
    )
    print(
        f"  bound:     {bound:.3f} s = (3 + ⌈{len(log)} ÷ {p}⌉) × {latency:g} s; "
        f"ratio {wall / bound:.2f}×;  at the served time {served * 1000:.1f} ms: "
        f"{wall / ((3 + math.ceil(len(log) / p)) * served):.2f}×"
    )
    print(
        f"  in flight: {sum(r['duration_ms'] for r in log) / 1000 / (ended - begun):.2f} "
        f"mean over the run, {busy:.2f} during the writes (of {p})"
    )
    if measured["code"] != 0:
        print(measured["tail"])
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--parallelism", type=int, default=8)
    args = parser.parse_args()
    targets, drifted, variable_sources, every_update, formats = MODES[args.mode]
    print(machine())
    context = multiprocessing.get_context("spawn")
    sandbox_pipe, child_pipe = context.Pipe()
    server = context.Process(target=serve, args=(child_pipe, targets, drifted), daemon=True)
    server.start()
    admin = Admin(*sandbox_pipe.recv())
    ids = managed_ids(admin)
    print(f"fleet: {len(ids)} clones over {targets} environments ({drifted}% drifted)")
    admin.latency(args.latency)
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.yaml"
        base = ["plan", str(path), "--no-color", "--parallelism", str(args.parallelism)]
        if variable_sources:
            path.write_text(manifest())
            _, plain_log = run_plan(admin, context, base)
            print(f"the same plan without variables: {len(plain_log)} requests")
        path.write_text(manifest(every_update=every_update, variable_sources=variable_sources))
        for form in formats:
            if form == "apply":
                argv = ["apply", *base[1:], "--auto-approve"]
                measured, log = run_plan(admin, context, argv)
                walls.append(report_apply(measured, log, args.parallelism, args.latency))
                continue
            argv = base + (["--json"] if form == "json" else [])
            measured, log = run_plan(admin, context, argv)
            walls.append(report(f"plan ({form})", measured, log, args.parallelism, args.latency))
        if variable_sources:
            extra = len(log) - len(plain_log)
            print(f"  variables: {extra} more requests (target: {variable_sources * 100})")
    sample = ids[:: max(1, len(ids) // REFRESH_SAMPLE)][:REFRESH_SAMPLE]
    refresh, _ = terraform_refresh(admin, sample)
    refresh *= len(ids) / len(sample)
    loop = sequential_loop(admin, ids, 100) * len(ids)
    print(
        f"terraform-style refresh (one GET per clone, parallelism 10, {len(sample)} timed, "
        f"extrapolated): {refresh:.1f} s → plan {refresh / min(walls):.1f}× faster"
    )
    print(f"sequential loop (100 timed, extrapolated): {loop:.1f} s → {loop / min(walls):.0f}×")
    if "apply" not in formats:  # what the refresh ratio could be: a plan that costs nothing
        wire = wire_replay(admin, log, args.parallelism)
        ceiling = refresh / wire
        print(
            f"wire only (the plan's {len(log)} requests in its stages, parallelism "
            f"{args.parallelism}, bodies read, none parsed): {wire:.3f} s → the refresh ratio "
            f"can be at most {ceiling:.1f}× here; the plan reaches "
            f"{refresh / min(walls) / ceiling:.0%} of it"
        )
    print(f"load at the end: {machine().split('load average ')[1]}")
    sandbox_pipe.send("stop")
    server.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
