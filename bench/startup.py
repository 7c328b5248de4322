"""Start-up and offline validation: ``reconciler --version`` and ``validate`` of 200 manifests.

Run: ``.venv/bin/python bench/startup.py [--repeats 5] [--manifests 200]``. Each is a fresh
``python -m reconciler`` process (what a user waits for), timed ``--repeats`` times, median
shown; the baseline measured in the same run is a bare ``python -c pass`` (the interpreter's
own start-up). Targets: ``--version`` ≤ 0.15 s, ``validate`` of 200 manifests ≤ 1 s.
No network: ``validate`` is offline. Beside the wall time, the CPU time of the process
(user + system, median): on a shared, loaded machine the wall time waits for the cores, the
CPU time much less so.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: set-%(n)03d}
spec:
  organization: Acme
  source:
    project: shop
    environment: staging
    applications: [api, {name: web, overrides: {min_running_instances: 1}}]
  targets:
    - environment: {match: "preview-%(n)03d-*"}
  overrides: {cpu: 250, memory: 256, auto_preview: false}
  ignore: [max_running_instances]
  policy: {on_drift: report}
"""


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(argv: list[str], repeats: int) -> tuple[float, float, str]:
    """Median wall and CPU seconds of ``argv`` over ``repeats`` runs, and the last output."""
    walls, cpus, out = [], [], ""
    for _ in range(repeats):
        began, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        walls.append(time.perf_counter() - began)
        cpus.append(_children_cpu() - cpu)
        out = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            raise SystemExit(f"{argv[2:]} exited {done.returncode}: {out[-500:]}")
    return statistics.median(walls), statistics.median(cpus), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--manifests", type=int, default=200)
    args = parser.parse_args()
    python = [sys.executable, "-m", "reconciler"]
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    bare, bare_cpu, _ = timed([sys.executable, "-c", "pass"], args.repeats)
    version, version_cpu, shown = timed([*python, "--version"], args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.manifests):
            (Path(tmp) / f"set-{n:03d}.yaml").write_text(MANIFEST % {"n": n})
        validate, validate_cpu, said = timed([*python, "validate", tmp, "--no-color"], args.repeats)
    print(f"python -c pass (baseline):   {bare:.3f} s  (CPU {bare_cpu:.3f} s)")
    print(
        f"reconciler --version:        {version:.3f} s  (CPU {version_cpu:.3f} s; {shown})  "
        "(target ≤ 0.15 s)"
    )
    print(
        f"validate of {args.manifests} manifests: {validate:.3f} s  (CPU {validate_cpu:.3f} s; "
        f"said: {said.splitlines()[-1] if said else ''})  (target ≤ 1 s)"
    )
    print(f"runs: median of {args.repeats} fresh processes each")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
