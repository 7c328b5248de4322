"""Fault soak: many seeded runs of ``apply --auto-approve`` against a misbehaving sandbox.

Run: ``.venv/bin/python bench/soak.py [--runs N] [--seed S]``. Each run starts a fresh demo
sandbox and draws its own mix of faults from ``random.Random(seed + run)``: 5xx, bursts of
429 (small ``Retry-After``), latency and latency spikes, dropped connections (before and
after acting), truncated answers and clones whose answer is lost. The CLI's ``apply`` (in
this process, the real code over loopback sockets) runs under that mix, then again with
half the faults, then with none, stopping as soon as a plan (no faults) is empty.

Counted over all runs, and all must be zero: duplicate services in an environment,
missing clones, clones not owned by their manifest, unowned services changed or deleted,
runs that needed more than 3 applies, tracebacks. ``tests/soak/test_soak.py`` runs a few
of these runs; helpers live in ``bench/common.py``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    check_clones,
    machine,
    plan_is_empty,
    run_cli,
    unmanaged_snapshot,
    unmanaged_touched,
    unowned_written,
    write_demo_manifests,
)

from reconciler.sandbox import RunningSandbox, start

MAX_APPLIES = 3
COUNTERS = (
    "duplicates",
    "missing",
    "unowned_clones",
    "unmanaged_touched",
    "unowned_written",
    "no_convergence",
    "tracebacks",
)


def draw_faults(rng: random.Random) -> dict[str, Any]:
    """One random mix of faults (the keys of ``PUT /_sandbox/faults``)."""
    rules: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(("drop", "drop_after", "truncate", "delay", "respond429"))
        method, path = rng.choice(
            (
                ("GET", "/environment/*/application"),
                ("GET", "/application/*"),
                ("PUT", "/application/*"),
                ("POST", "*/clone"),
                ("POST", "*/deploy"),
                ("GET", "/organization/*"),
            )
        )
        rule: dict[str, Any] = {"method": method, "path": path, "times": rng.randint(1, 3)}
        if kind == "delay":
            rule.update(action="delay", seconds=rng.uniform(0.2, 0.6))  # a latency spike
        elif kind == "respond429":  # a burst of 429 on one path
            rule.update(
                action="respond",
                status=429,
                body='{"message": "slow down"}',
                headers={"Retry-After": "0.05"},
                times=rng.randint(2, 5),
            )
        else:
            rule["action"] = kind
        rules.append(rule)
    return {
        "seed": rng.randrange(2**31),
        "latency": rng.choice((0.0, 0.002, 0.01)),
        "error_rate": rng.uniform(0.0, 0.25),
        "rate_limit_rate": rng.uniform(0.0, 0.15),
        "retry_after": rng.choice((0.01, 0.05)),
        "ambiguous_clone_rate": rng.uniform(0.0, 0.6),
        "rules": rules,
    }


def halved(faults: dict[str, Any]) -> dict[str, Any]:
    """The same mix at half the rates, without the targeted rules."""
    lower = {k: v / 2 for k, v in faults.items() if k.endswith("_rate")}
    return {**faults, **lower, "rules": []}


@dataclass
class SoakTotals:
    runs: int = 0
    applies: int = 0
    requests: int = 0
    faulted: int = 0  # requests answered with 429/5xx or no answer
    lost_clones: int = 0  # clone requests the server acted on without answering
    applies_needed: dict[int, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    notes: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return not any(self.counts.values())


def soak_run(
    sandbox: RunningSandbox, manifests: str, rng: random.Random, totals: SoakTotals
) -> None:
    """One run: apply under faults, then under fewer, then none, until the plan is empty."""
    before = unmanaged_snapshot(sandbox.state())
    faults = draw_faults(rng)
    converged, attempt = False, 0
    for attempt, mix in enumerate((faults, halved(faults), {})[:MAX_APPLIES], start=1):
        sandbox.set_faults(**mix)
        result = run_cli(sandbox, "apply", manifests, "--auto-approve", "--no-color")
        totals.applies += 1
        if result.traceback:
            totals.counts["tracebacks"] += 1
            totals.notes.append(f"run {totals.runs}: traceback in apply {attempt}:\n{result.err}")
        sandbox.clear_faults()
        if plan_is_empty(sandbox, manifests):
            converged = True
            break
    log = sandbox.requests()
    totals.requests += len(log)
    totals.faulted += sum(
        1 for r in log if r["status"] is None or r["status"] in (429, 500, 502, 503, 504)
    )
    totals.lost_clones += sum(
        1 for r in log if r["path"].endswith("/clone") and r["status"] is None
    )
    totals.applies_needed[attempt] = totals.applies_needed.get(attempt, 0) + 1
    if not converged:
        totals.counts["no_convergence"] += 1
        totals.notes.append(
            f"run {totals.runs}: no empty plan after {MAX_APPLIES} applies ({faults})"
        )
    check = check_clones(sandbox)
    totals.counts["duplicates"] += check.duplicates
    totals.counts["missing"] += check.missing
    totals.counts["unowned_clones"] += check.unowned
    totals.counts["unmanaged_touched"] += unmanaged_touched(before, sandbox.state())
    totals.counts["unowned_written"] += unowned_written(before, log)


def soak(runs: int, seed: int, workdir: Path) -> SoakTotals:
    """``runs`` seeded runs, each on a fresh demo sandbox; the totals over all of them."""
    manifests = write_demo_manifests(workdir / "manifests", deploy=True)
    totals = SoakTotals()
    for run in range(runs):
        with start(deploy_seconds=0.02) as sandbox:
            soak_run(sandbox, manifests, random.Random(seed + run), totals)
        totals.runs += 1
    return totals


def print_table(totals: SoakTotals, seconds: float) -> None:
    print(
        f"runs: {totals.runs}, applies: {totals.applies}, requests: {totals.requests} "
        f"({totals.faulted} answered 429/5xx or not at all), {seconds:.1f} s"
    )
    print(f"{'count (all must be 0)':<24}{'value':>6}")
    for name in COUNTERS:
        print(f"{name:<24}{totals.counts[name]:>6}")
    needed = ", ".join(f"{n} apply: {k} runs" for n, k in sorted(totals.applies_needed.items()))
    print(f"clone answers lost (clone made, no answer): {totals.lost_clones}")
    print(f"applies needed to converge: {needed}")
    for note in totals.notes[:10]:
        print(note)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine())
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        totals = soak(args.runs, args.seed, Path(tmp))
    print_table(totals, time.perf_counter() - began)
    return 0 if totals.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
