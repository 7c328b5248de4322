"""CPU and memory of planning 10,000 desired clones (10% drifted) from in-memory state.

Run: ``.venv/bin/python bench/plan_cpu.py [--clones N]``. Prints the planner's CPU time and
peak traced memory, and a baseline measured in the same run: the naive approach (deepdiff
on every raw pair, ``ignore_order=True``) timed on a sample and extrapolated. Target: below
1.5 s and 300 MB for 10,000 clones.
"""

from __future__ import annotations

import argparse
import copy
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers_planning import application, fresh_clone

from reconciler.core.model import (
    DesiredClone,
    DesiredState,
    EnvironmentRef,
    ObservedApplication,
    ObservedState,
    Policy,
)
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.planning import plan

SOURCES = 10
SAMPLE = 200


def build(clones: int) -> tuple[DesiredState, ObservedState, list[tuple[Any, Any]]]:
    source_env = EnvironmentRef("env-src", "staging", "p", "shop", "o")
    sources = [application(f"src-{i}", f"app-{i}", source_env.id) for i in range(SOURCES)]
    apps: dict[str, list[ObservedApplication]] = {
        source_env.id: [ObservedApplication(s["id"], s["name"], source_env.id, s) for s in sources]
    }
    desired: list[DesiredClone] = []
    pairs: list[tuple[Any, Any]] = []
    policy = Policy()
    for n in range(clones // SOURCES):
        env = EnvironmentRef(f"env-{n}", f"preview-{n}", "p", "shop", "o")
        listed = apps.setdefault(env.id, [])
        for i, src in enumerate(sources):
            clone = fresh_clone(src, f"c-{n}-{i}", src["name"], env.id)
            clone["description"] = with_marker(
                clone["description"], Owner("m", src["name"], src["id"])
            )
            if (n * SOURCES + i) % 10 == 0:
                clone["cpu"] = 1000  # 10% drifted
            listed.append(ObservedApplication(clone["id"], clone["name"], env.id, clone))
            desired.append(
                DesiredClone(
                    f"m.{src['name']}[shop/{env.name}]",
                    "m",
                    src["id"],
                    src["name"],
                    source_env,
                    env,
                    src["name"],
                    {"memory": 512},
                    (),
                    policy,
                )
            )
            pairs.append((src, clone))
    state = DesiredState(tuple(desired), ("m",), {"m": policy}, {})
    observed = ObservedState({k: tuple(v) for k, v in apps.items()})
    return state, observed, pairs


def naive_seconds_per_pair(pairs: list[tuple[Any, Any]]) -> float:
    from deepdiff import DeepDiff

    sample = pairs[:SAMPLE]
    start = time.process_time()
    for source, clone in sample:
        DeepDiff(
            copy.deepcopy(source),
            clone,
            ignore_order=True,
            exclude_regex_paths=[r"\['id'\]", r"created_at", r"updated_at"],
        )
    return (time.process_time() - start) / len(sample)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clones", type=int, default=10_000)
    args = parser.parse_args()
    desired, observed, pairs = build(args.clones)

    start = time.process_time()
    result = plan(desired, observed)
    cpu = time.process_time() - start
    assert result.summary.drifted == args.clones // 10, result.summary

    tracemalloc.start()
    plan(desired, observed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    naive = naive_seconds_per_pair(pairs) * args.clones
    print(f"clones planned:          {args.clones} ({result.summary.drifted} drifted)")
    print(f"planner CPU time:        {cpu:.3f} s  (target < 1.5 s)")
    print(f"planner peak (traced):   {peak / 2**20:.1f} MB  (target < 300 MB)")
    print(f"process max RSS:         {rss_mb:.1f} MB  (inputs included)")
    print(f"naive deepdiff baseline: {naive:.2f} s  (extrapolated from {SAMPLE} pairs)")
    print(f"speed-up over baseline:  {naive / cpu:.1f}x")


if __name__ == "__main__":
    main()
