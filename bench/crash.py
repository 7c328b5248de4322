"""Crash soak: ``reconciler apply`` as a subprocess, SIGKILLed at chosen moments, then rerun.

Run: ``.venv/bin/python bench/crash.py [--trials N] [--seed S]``. A demo sandbox serves in
this process with 30 ms of latency per request (so calls are in flight); each trial resets
it to the seed, starts ``python -m reconciler apply --auto-approve`` on the soak manifests
(``deploy: true``: 18 clones of applications, containers and jobs to create and deploy),
watches the sandbox's request log and kills the process with SIGKILL at a moment of one of
these kinds, in turn:

- ``clone``: just after the n-th clone answer, the other clones still in flight;
- ``clone→edit``: just after the n-th clone answer, before that clone is read and edited;
- ``edit``: a few ms after the n-th edit (PUT) answer, other edits in flight;
- ``deploy``: after the n-th deploy answer, while deploys and status polls go on;
- ``random``: at a random time after start.

Then apply runs again (up to 3 times) until it exits 0, and the trial passes when the state
holds exactly one clone per desired target, each owned by its manifest, no unowned
application changed, and a plan is empty. ``tests/soak/test_soak.py`` runs a few trials.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    check_clones,
    cli_process,
    machine,
    plan_is_empty,
    unmanaged_snapshot,
    unmanaged_touched,
    unowned_written,
    write_demo_manifests,
)

from reconciler.sandbox import RunningSandbox, start

PHASES = ("clone", "clone→edit", "edit", "deploy", "random")
LATENCY = 0.03
RERUNS = 3
# (method, path suffix) of the answer each phase waits for, and how long after it to kill.
TRIGGERS: dict[str, tuple[str, str, float]] = {
    "clone": ("POST", "/clone", 0.0),
    "clone→edit": ("POST", "/clone", 0.0),
    "edit": ("PUT", "", 0.0),
    "deploy": ("POST", "/deploy", 0.02),
}
# The first requests of that kind are held longer, so that they are in flight at the kill.
HOLDS: dict[str, dict[str, object]] = {
    "clone": {"action": "delay", "method": "POST", "path": "*/clone", "seconds": 0.4, "times": 3},
    "edit": {"action": "delay", "method": "PUT", "path": "*", "seconds": 0.3, "times": 2},
}


@dataclass
class Trial:
    phase: str
    killed: bool = False  # the process was still running when the signal came
    in_flight: int = 0  # requests the sandbox was serving at that moment
    done_before_kill: int = 0  # Qovery requests answered before the kill
    reruns: int = 0
    ok: bool = False
    problems: list[str] = field(default_factory=list)


def _answers(sandbox: RunningSandbox, method: str, suffix: str) -> int:
    return sum(
        1
        for r in sandbox.requests()
        if r["method"] == method and r["path"].endswith(suffix) and r["status"] is not None
    )


def _wait_and_kill(
    sandbox: RunningSandbox, process: subprocess.Popen[str], trial: Trial, rng: random.Random
) -> None:
    """Kill ``process`` at the moment ``trial.phase`` asks for (or let it end first)."""
    if trial.phase == "random":
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.002)
    else:
        method, suffix, after = TRIGGERS[trial.phase]
        wanted = rng.randint(1, 4)
        while process.poll() is None and _answers(sandbox, method, suffix) < wanted:
            time.sleep(0.001)
        time.sleep(after)
    trial.in_flight = sandbox.stats()["in_flight"]
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        trial.killed = True
    process.communicate(timeout=60)
    trial.done_before_kill = len(sandbox.requests())


def run_trial(
    sandbox: RunningSandbox,
    seed_state: dict,
    workdir: Path,
    manifests: str,
    trial: Trial,
    rng: random.Random,
) -> None:
    sandbox.clear_faults()
    sandbox.replace_state(seed_state)
    sandbox.clear_requests()
    before = unmanaged_snapshot(sandbox.state())
    hold = HOLDS.get(trial.phase)
    sandbox.set_faults(latency=LATENCY, rules=[hold] if hold else [])
    process = cli_process(sandbox, workdir, "apply", manifests, "--auto-approve", "--no-color")
    _wait_and_kill(sandbox, process, trial, rng)
    sandbox.set_faults(latency=LATENCY)
    for trial.reruns in range(1, RERUNS + 1):
        rerun = cli_process(sandbox, workdir, "apply", manifests, "--auto-approve", "--no-color")
        out, err = rerun.communicate(timeout=120)
        if "Traceback" in out + err:
            trial.problems.append(f"traceback in rerun {trial.reruns}: {err[-2000:]}")
        if rerun.returncode == 0:
            break
    sandbox.clear_faults()
    check = check_clones(sandbox)
    for name in ("duplicates", "missing", "unowned"):
        if getattr(check, name):
            trial.problems.append(f"{name}: {getattr(check, name)}")
    touched = unmanaged_touched(before, sandbox.state())
    if touched:
        trial.problems.append(f"unowned applications changed: {touched}")
    written = unowned_written(before, sandbox.requests())
    if written:
        trial.problems.append(f"unowned applications written: {written}")
    if not plan_is_empty(sandbox, manifests):
        trial.problems.append("the plan is not empty after the reruns")
    trial.ok = not trial.problems


def crash_soak(trials: int, seed: int, workdir: Path) -> list[Trial]:
    """``trials`` kill-and-rerun trials on one sandbox reset to the demo seed each time."""
    manifests = write_demo_manifests(workdir / "manifests", deploy=True)
    rng = random.Random(seed)
    results = []
    with start(deploy_seconds=0.2) as sandbox:
        seed_state = sandbox.state()
        for n in range(trials):
            trial = Trial(PHASES[n % len(PHASES)])
            run_trial(sandbox, seed_state, workdir, manifests, trial, rng)
            results.append(trial)
    return results


def print_table(results: list[Trial], seconds: float) -> None:
    print(f"trials: {len(results)}, {seconds:.1f} s")
    print(f"{'phase':<12}{'trials':>7}{'killed':>7}{'in flight':>10}{'reruns':>7}{'passed':>7}")
    for phase in PHASES:
        rows = [t for t in results if t.phase == phase]
        if rows:
            print(
                f"{phase:<12}{len(rows):>7}{sum(t.killed for t in rows):>7}"
                f"{sum(t.in_flight for t in rows):>10}{sum(t.reruns for t in rows):>7}"
                f"{sum(t.ok for t in rows):>7}"
            )
    for number, trial in enumerate(results):
        for problem in trial.problems:
            print(f"trial {number} ({trial.phase}): {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine())
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        results = crash_soak(args.trials, args.seed, Path(tmp))
    print_table(results, time.perf_counter() - began)
    return 0 if all(t.ok for t in results) else 1


if __name__ == "__main__":
    sys.exit(main())
