"""Wall time of an apply under API latency: 50 environments × 4 source apps = 200 creates.

Run: ``.venv/bin/python bench/apply_latency.py [--environments 50] [--latency 0.05]
[--parallelism 8]``. A sandbox (seed built as a dict) answers every request after
``--latency`` seconds; the real loader, observer, planner, executor and client run an
apply of one manifest whose ``match: "preview-*"`` selector picks every environment.

Printed: wall time, requests (from the sandbox's log), the sandbox's peak concurrency,
and the ratio to the bound ``(resolution steps + ⌈requests ÷ parallelism⌉) × latency``,
where the resolution steps are the three observation stages that must follow one
another (organizations → projects and environments → applications). Target ≤ 1.3×.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from reconciler.edges.client import QoveryClient
from reconciler.edges.executing import execute
from reconciler.edges.session import Session
from reconciler.pipeline import load, plan_manifests
from reconciler.sandbox import start

SOURCE_APPS = ("api", "web", "worker", "cron")
RESOLUTION_STEPS = 3
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata:
  name: previews
spec:
  organization: Bench
  source:
    project: shop
    environment: staging
    applications: [api, web, worker, cron]
  targets:
    - environment: {match: "preview-*"}
  overrides:
    cpu: 250
"""


def seed(environments: int) -> dict[str, Any]:
    previews = [{"name": f"preview-{n}", "mode": "PREVIEW"} for n in range(environments)]
    staging = {
        "name": "staging",
        "mode": "STAGING",
        "applications": [{"name": name} for name in SOURCE_APPS],
    }
    return {
        "organizations": [
            {"name": "Bench", "projects": [{"name": "shop", "environments": [staging, *previews]}]}
        ]
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--environments", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--parallelism", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        manifest = Path(workdir) / "bench.yaml"
        manifest.write_text(MANIFEST)
        clonesets = load([str(manifest)])
        with (
            start(seed(args.environments), faults={"latency": args.latency}) as sandbox,
            QoveryClient(
                sandbox.url, sandbox.authorization, max_connections=args.parallelism
            ) as client,
        ):
            session = Session(client, sandbox.url, args.parallelism)
            sandbox.clear_requests()
            started = time.perf_counter()
            plan = plan_manifests(session, clonesets).plan
            planned = time.perf_counter()
            result = execute(plan, client, parallelism=args.parallelism)
            wall = time.perf_counter() - started
            requests = sandbox.requests()
            peak = sandbox.stats()["peak_in_flight"]

    creates = args.environments * len(SOURCE_APPS)
    bound = (RESOLUTION_STEPS + math.ceil(len(requests) / args.parallelism)) * args.latency
    kinds = Counter(f"{r['method']} {UUID.sub('{id}', r['path'])}" for r in requests)
    print(f"environments × sources:  {args.environments} × {len(SOURCE_APPS)} = {creates} creates")
    print(f"outcome:                 {result.summary_line()}")
    print(f"wall time:               {wall:.2f} s  (observe + plan {planned - started:.2f} s)")
    print(f"requests:                {len(requests)}  {dict(kinds.most_common())}")
    print(f"peak concurrency:        {peak}  (parallelism {args.parallelism})")
    print(
        f"bound:                   {bound:.2f} s  = ({RESOLUTION_STEPS} + ⌈{len(requests)} ÷ "
        f"{args.parallelism}⌉) × {args.latency:g} s"
    )
    print(f"ratio to the bound:      {wall / bound:.2f}×  (target ≤ 1.3×)")
    return 0 if result.ok and result.counts()["created"] == creates else 1


if __name__ == "__main__":
    sys.exit(main())
