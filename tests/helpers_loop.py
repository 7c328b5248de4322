"""Test helper: ``reconciler reconcile --interval`` in a child process, its JSON lines read
as they come (``Loop``), and ``round_end``, a condition on them. ``make_trouble`` sets up a
conflict and two failing creates for the demo manifest. Used by test_reconcile,
test_watching, test_budget and test_status_page."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.sandbox import RunningSandbox


class Loop:
    """``reconciler reconcile --interval`` in a child process; its lines read as they come."""

    def __init__(self, sandbox: RunningSandbox, cwd: Path, *argv: str) -> None:
        env = {**os.environ, **sandbox.env}
        env.pop("QOVERY_TOKEN_TYPE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "reconcile", *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.records: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def until(self, condition: Callable[[dict[str, Any]], bool], timeout: float = 10) -> None:
        """Read lines until one satisfies ``condition``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, self.process.stderr.read()  # type: ignore[union-attr]
                continue
            self.raw.append(line)
            record = json.loads(line)
            self.records.append(record)
            if condition(record):
                return
        pytest.fail(f"no such line within {timeout}s; got {self.raw}")

    def stop(self, signum: int, timeout: float = 5) -> tuple[int, str]:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=timeout)
        assert self.process.stderr is not None
        self._pump_thread.join(timeout=5)  # the child is gone: its stdout is at its end
        while not self.lines.empty():
            line = self.lines.get()
            self.raw.append(line)
            self.records.append(json.loads(line))
        return code, self.process.stderr.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._pump_thread.join(timeout=5)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def round_end(exit_code: int | None = None, **counts: int) -> Callable[[dict[str, Any]], bool]:
    def matches(record: dict[str, Any]) -> bool:
        if record["event"] != "round_end":
            return False
        if exit_code is not None and record["exit_code"] != exit_code:
            return False
        return all(record["counts"].get(k) == v for k, v in counts.items())

    return matches


def make_trouble(sandbox: RunningSandbox) -> None:
    """A stranger where api[preview-101] goes (a conflict), and every clone of web refused (two
    failed creates, every round) by an answer that quotes the token."""
    source = sandbox.application("staging", "api")
    web = sandbox.application("staging", "web")
    assert source is not None and web is not None
    with httpx.Client(base_url=sandbox.url, headers={"Authorization": sandbox.authorization}) as h:
        answer = h.post(
            f"/application/{source['id']}/clone",
            json={"name": "api", "environment_id": sandbox.environment_id("preview-101")},
        )
        assert answer.status_code == 202, answer.text
    sandbox.edit_out_of_band(answer.json()["id"], description="hand-made")
    detail = f"refused for the test (the API echoes the token {sandbox.token})"
    refuse = {"status": 400, "body": json.dumps({"detail": detail}), "action": "respond"}
    sandbox.set_faults(
        rules=[{"method": "POST", "path": f"/application/{web['id']}/clone", **refuse}]
    )
