"""Helpers shared by the bench scripts (soak, crash, fleet) and by tests/soak/test_soak.py.

Running the real CLI (in-process, or as a subprocess pointed at a sandbox), the demo
manifests the soaks apply, and the checks made on a sandbox's state afterwards: clones per
desired target, ownership, untouched unowned applications, tracebacks. Nothing here mocks
the reconciler: every check reads the sandbox's own store.

Neighbours: ``bench/soak.py``, ``bench/crash.py``, ``bench/fleet.py`` and
``tests/soak/test_soak.py`` call it; it drives ``reconciler.cli`` and ``reconciler.sandbox``.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.cli import main
from reconciler.core.ownership import read_marker
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox

REPO = Path(__file__).resolve().parent.parent

# The two CloneSets the soaks apply to the demo organization: 5 sources × 3 previews (three
# applications, the container frontend found by name, the job db-seed declared as one), and
# 3 sources into data/qa (beside the unowned `legacy`) with correction and deploy.
PREVIEWS = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: previews}
spec:
  organization: Acme
  source:
    project: shop
    environment: staging
    applications: [api, web, worker, frontend, {name: db-seed, kind: job}]
  targets:
    - environment: {match: "preview-*"}
  overrides: {cpu: 250, memory: 256}
  policy: {on_drift: correct, deploy: %(deploy)s}
"""
QA = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: qa}
spec:
  organization: Acme
  source: {project: shop, environment: staging, applications: [api, worker, frontend]}
  targets:
    - {project: data, environment: qa}
  overrides:
    git_repository: {branch: develop}
  policy: {on_drift: correct, deploy: true}
"""
# (manifest, source name) → the (project, environment) targets it must be cloned into.
DESIRED: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    **{
        ("previews", app): tuple(("shop", f"preview-{n}") for n in (101, 102, 103))
        for app in ("api", "web", "worker", "frontend", "db-seed")
    },
    **{("qa", app): (("data", "qa"),) for app in ("api", "worker", "frontend")},
}
SERVICE_TABLES = ("applications", "containers", "jobs")
"""The sandbox state's tables of services, one per kind; names are unique across them."""
SERVICE_SEGMENTS = ("application", "container", "job")


def services(state: Mapping[str, Any]) -> dict[str, Any]:
    """Every service of every kind in a sandbox state, by id."""
    return {i: s for table in SERVICE_TABLES for i, s in state.get(table, {}).items()}


def write_demo_manifests(directory: Path, *, deploy: bool = False) -> str:
    """Write the soak manifests into ``directory``; returns the directory to pass the CLI."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "previews.yaml").write_text(PREVIEWS % {"deploy": str(deploy).lower()})
    (directory / "qa.yaml").write_text(QA)
    return str(directory)


@dataclass(frozen=True)
class CliRun:
    """What one run of the CLI returned and printed."""

    code: int
    out: str
    err: str

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.err + self.out


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in (*values, "QOVERY_TOKEN_TYPE")}
    os.environ.pop("QOVERY_TOKEN_TYPE", None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def run_cli(sandbox: RunningSandbox, *argv: str) -> CliRun:
    """``reconciler ARGV...`` in this process against ``sandbox``; nothing is a TTY."""
    out, err = io.StringIO(), io.StringIO()
    with _environment(sandbox.env):
        try:
            code = main(list(argv), streams=Streams(out=out, err=err, inp=io.StringIO()))
        except BaseException as exc:  # a bug escaping main() counts as a traceback
            import traceback

            err.write("Traceback (most recent call last):\n" + traceback.format_exc())
            code = -1
            if isinstance(exc, KeyboardInterrupt):
                raise
    return CliRun(code, out.getvalue(), err.getvalue())


class _CountingSink(io.RawIOBase):
    """A standard output that keeps nothing and counts the bytes written (``> /dev/null``)."""

    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        self.written += size
        return size


def timed_run(argv: Sequence[str], *, real_stdout: bool = False) -> dict[str, Any]:
    """``reconciler ARGV...`` in this process (its environment as it is), timed: exit code,
    wall and CPU seconds, peak RSS in KB (``ru_maxrss``), start epoch, and what it printed.

    ``real_stdout``: standard output is the process's ``sys.stdout``, UTF-8 over a buffered
    binary stream, as ``reconciler plan --json > /dev/null`` has it (the plan document goes
    out as bytes), into a sink that only counts them (``out`` is then ``None``, ``out_bytes``
    their number); else an in-memory string, which a real run never writes to."""
    import resource
    import time

    err = io.StringIO()
    saved, sink = sys.stdout, _CountingSink()
    out: Any = io.StringIO()
    if real_stdout:
        out = sys.stdout = io.TextIOWrapper(io.BufferedWriter(sink), encoding="utf-8")
    try:
        epoch, wall, cpu = time.time(), time.perf_counter(), time.process_time()
        code = main(list(argv), streams=Streams(out, err, io.StringIO()))
        out.flush()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        sys.stdout = saved
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    printed: str | None = None if real_stdout else out.getvalue()
    size = sink.written if printed is None else len(printed.encode("utf-8"))
    return {"code": code, "wall": wall, "cpu": cpu, "rss": rss, "epoch": epoch} | {
        "out": printed,
        "out_bytes": size,
        "err": err.getvalue(),
    }


def cli_process(sandbox: RunningSandbox, cwd: Path, *argv: str) -> subprocess.Popen[str]:
    """``python -m reconciler ARGV...`` as a separate process against ``sandbox``."""
    env = {k: v for k, v in os.environ.items() if k != "QOVERY_TOKEN_TYPE"}
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *argv],
        env={**env, **sandbox.env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def plan_is_empty(sandbox: RunningSandbox, manifests: str) -> bool:
    """True when a plan (faults as they are) has nothing to write and no conflict."""
    result = run_cli(sandbox, "plan", manifests, "--detailed-exitcode", "--no-color")
    return result.code == 0


# -- checks on the sandbox's state


def applications_by_place(state: Mapping[str, Any]) -> Counter[tuple[str, str]]:
    """How many services (of any kind) each (environment id, lower-case name) holds."""
    return Counter(
        (app["environment"]["id"], app["name"].lower()) for app in services(state).values()
    )


def environment_ids(sandbox: RunningSandbox) -> dict[tuple[str, str], str]:
    """(project, environment) → environment id, for every target of ``DESIRED``."""
    places = {place for targets in DESIRED.values() for place in targets}
    return {(p, e): sandbox.environment_id(e, project=p) for p, e in places}


@dataclass
class CloneCheck:
    """What the state holds against ``DESIRED``: each count must be zero."""

    duplicates: int = 0  # an (environment, name) holding more than one application
    missing: int = 0  # a desired target with no application of that name
    unowned: int = 0  # a desired target whose application is not owned by its manifest


def check_clones(sandbox: RunningSandbox) -> CloneCheck:
    """Compare the sandbox's state with ``DESIRED`` (one owned clone per desired target)."""
    state = sandbox.state()
    ids = environment_ids(sandbox)
    counts = applications_by_place(state)
    check = CloneCheck(duplicates=sum(1 for n in counts.values() if n > 1))
    for (manifest, app), targets in DESIRED.items():
        for place in targets:
            found = [
                a
                for a in services(state).values()
                if a["environment"]["id"] == ids[place] and a["name"].lower() == app
            ]
            if not found:
                check.missing += 1
                continue
            owners = [read_marker(a.get("description")) for a in found]
            if not any(
                o is not None and (o.manifest, o.source_name) == (manifest, app) for o in owners
            ):
                check.unowned += 1
    return check


def unmanaged_snapshot(state: Mapping[str, Any]) -> dict[str, str]:
    """Every service that no manifest owns (sources, production, legacy...), as JSON."""
    return {
        app_id: json.dumps(app, sort_keys=True)
        for app_id, app in services(state).items()
        if read_marker(app.get("description")) is None
    }


def unmanaged_touched(before: Mapping[str, str], state: Mapping[str, Any]) -> int:
    """How many applications of ``before`` (unowned, at the start) changed or vanished."""
    now = services(state)
    return sum(
        1
        for app_id, text in before.items()
        if app_id not in now or json.dumps(now[app_id], sort_keys=True) != text
    )


WRITE_SUFFIXES = ("/deploy", "/stop", "/restart")


def unowned_written(before: Mapping[str, str], log: Sequence[Mapping[str, Any]]) -> int:
    """How many applications of ``before`` (unowned at the start) were WRITTEN by the run.

    Stricter than ``unmanaged_touched``: a write that left the application as it was still
    counts. A write is a PUT or DELETE of ``/{application|container|job}/{id}``, or a POST to
    its deploy, stop or restart; cloning from a service (``POST .../clone``) does not write it.
    """
    written = set()
    for request in log:
        parts = str(request["path"]).strip("/").split("/")
        if len(parts) < 2 or parts[0] not in SERVICE_SEGMENTS or parts[1] not in before:
            continue
        plain = len(parts) == 2 and request["method"] in ("PUT", "DELETE")
        action = request["method"] == "POST" and "/" + "/".join(parts[2:]) in WRITE_SUFFIXES
        if plain or action:
            written.add(parts[1])
    return len(written)


# -- the machine


def machine() -> str:
    """One line: cores, Python, and the load average right now."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores (nproc), Python {platform.python_version()}, "
        f"load average {load}"
    )
