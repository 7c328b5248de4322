"""SIGTERM and SIGINT end every command with 0, 1 or 2 (contract section 18, last bullet).

``reconciler`` as a real process against a sandbox started here, with latency injected on
the requests that the signal must land during; the test waits for a line of the child's
output (never a fixed sleep) before it signals.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.sandbox import RunningSandbox

STOPS = [signal.SIGTERM, signal.SIGINT]
CLONES = [(e, a) for e in ("preview-101", "preview-102") for a in ("api", "web")]


class Child:
    """``python -m reconciler ARGV...`` against ``sandbox``; its stderr read line by line."""

    def __init__(self, sandbox: RunningSandbox, cwd: Path, *argv: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "QOVERY_TOKEN_TYPE"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *argv],
            cwd=cwd,
            env={**env, **sandbox.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        assert self.process.stderr is not None
        self._pump = threading.Thread(target=self._read, args=(self.process.stderr,))
        self._pump.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Read stderr until a line holds ``text``; fail if the child ends first."""
        while True:
            line = self._lines.get(timeout=timeout)
            assert line is not None, f"the child ended before {text!r}: {''.join(self.err)}"
            self.err.append(line)
            if text in line:
                return

    def end(self, timeout: float = 30) -> tuple[int, str, str]:
        """Wait for the child; its exit code, stdout and whole stderr."""
        code = self.process.wait(timeout=timeout)
        assert self.process.stdout is not None
        out = self.process.stdout.read()  # a few lines: they never fill the pipe
        while (line := self._lines.get(timeout=timeout)) is not None:
            self.err.append(line)
        return code, out, "".join(self.err)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._pump.join(timeout=5)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def manifest(tmp_path: Path) -> str:
    return write_manifest(tmp_path, demo_manifest())


def writes(sandbox: RunningSandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests() if r["method"] != "GET"]


@pytest.mark.parametrize("stop", STOPS)
def test_a_signal_before_apply_writes_anything_exits_1_with_no_change(
    sandbox: RunningSandbox, tmp_path: Path, stop: signal.Signals
) -> None:
    # the listings after the organizations' hang: the signal lands while apply observes
    rules = [{"method": "GET", "path": "/organization/*", "action": "delay", "seconds": 60}]
    sandbox.set_faults(rules=rules)
    child = Child(
        sandbox, tmp_path, "apply", manifest(tmp_path), "--auto-approve", "--parallelism", "1", "-v"
    )
    try:
        child.wait_for("debug: GET /organization -> 200")
        child.process.send_signal(stop)
        code, _, err = child.end()
    finally:
        child.close()
    assert code == 1, err
    assert "interrupted" in err and "Traceback" not in err
    assert writes(sandbox) == []


@pytest.mark.parametrize("stop", STOPS)
def test_a_signal_during_apply_finishes_the_calls_in_flight_skips_the_rest_and_exits_1(
    sandbox: RunningSandbox, tmp_path: Path, stop: signal.Signals
) -> None:
    rules = [{"method": "POST", "path": "/application/*/clone", "action": "delay", "seconds": 1}]
    sandbox.set_faults(rules=rules)
    child = Child(
        sandbox, tmp_path, "apply", manifest(tmp_path), "--auto-approve", "--parallelism", "1"
    )
    try:
        child.wait_for(": Creating...")  # the first clone is on the wire, held by the delay
        child.process.send_signal(stop)
        code, out, err = child.end()
    finally:
        child.close()
    assert code == 1, err
    assert "Stopping: the calls in flight finish" in err and "Traceback" not in err
    made = sum(sandbox.application(env, app) is not None for env, app in CLONES)
    assert made >= 1  # the call in flight was finished, not abandoned
    assert f"Apply ended: {made} created, 0 updated, 0 deleted, 0 failed, 0 conflicts" in out
    assert f", {len(CLONES) - made} skipped." in out or made == len(CLONES)


def test_a_signal_ends_a_read_only_command_with_1_not_143(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    rules = [{"method": "GET", "path": "/organization/*", "action": "delay", "seconds": 60}]
    sandbox.set_faults(rules=rules)
    child = Child(sandbox, tmp_path, "drift", manifest(tmp_path), "--parallelism", "1", "-v")
    try:
        child.wait_for("debug: GET /organization -> 200")
        child.process.send_signal(signal.SIGTERM)
        code, _, err = child.end()
    finally:
        child.close()
    assert code == 1 and "interrupted" in err and "Traceback" not in err
