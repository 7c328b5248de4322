"""The short forms of the fault soak and the crash soak (``bench/soak.py``, ``bench/crash.py``).

A few seeded runs of ``apply`` under random faults, and a few applies SIGKILLed at chosen
moments then run again: each must end with exactly one owned clone per desired target,
unowned applications untouched, no traceback, and an empty plan. Also: the checks of
``bench/common.py`` do see a missing, duplicated or unowned clone (so a zero means
something), and the sandbox stays quiet when a client goes away mid-answer.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from common import (
    check_clones,
    run_cli,
    unmanaged_snapshot,
    unmanaged_touched,
    unowned_written,
    write_demo_manifests,
)
from crash import PHASES, crash_soak
from soak import soak

from reconciler.sandbox import RunningSandbox, start


@pytest.mark.slow
def test_apply_under_random_faults_converges_without_duplicates(tmp_path: Path) -> None:
    totals = soak(runs=4, seed=3, workdir=tmp_path)
    assert totals.counts == dict.fromkeys(totals.counts, 0), totals.notes
    assert totals.faulted > 0, "no fault was met: a weak soak"
    assert max(totals.applies_needed) <= 3


@pytest.mark.slow
def test_apply_killed_in_every_phase_converges_when_run_again(tmp_path: Path) -> None:
    results = crash_soak(trials=len(PHASES), seed=5, workdir=tmp_path)
    assert [t.problems for t in results] == [[] for _ in results]
    assert all(t.ok for t in results)
    killed_with_calls_in_flight = [t.phase for t in results if t.killed and t.in_flight]
    assert len(killed_with_calls_in_flight) >= 3, [vars(t) for t in results]


def test_the_checks_see_missing_duplicate_and_unowned_clones(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert check_clones(sandbox).missing == 18  # nothing applied yet (containers, jobs too)
    manifests = write_demo_manifests(tmp_path)
    before = unmanaged_snapshot(sandbox.state())
    assert run_cli(sandbox, "apply", manifests, "--auto-approve").code == 0
    assert vars(check_clones(sandbox)) == {"duplicates": 0, "missing": 0, "unowned": 0}
    assert unmanaged_touched(before, sandbox.state()) == 0
    assert unowned_written(before, sandbox.requests()) == 0  # it cloned sources, wrote none

    clone = sandbox.application("preview-101", "api")
    assert clone is not None
    sandbox.edit_out_of_band(clone["id"], description="hand-made")
    preview = sandbox.environment_id("preview-102")
    sandbox.store.replace(_with_copy(sandbox.state(), preview, "web"))
    legacy = sandbox.application("qa", "legacy", project="data")
    assert legacy is not None
    sandbox.edit_out_of_band(legacy["id"], cpu=1000)
    check = check_clones(sandbox)
    assert (check.duplicates, check.unowned) == (1, 1)
    assert unmanaged_touched(before, sandbox.state()) == 1
    # a write counts even when it leaves the application as it was; cloning from it does not
    same = [{"method": "PUT", "path": f"/application/{legacy['id']}"}]
    assert unowned_written(before, same) == 1
    assert (
        unowned_written(before, [{"method": "POST", "path": f"/application/{legacy['id']}/clone"}])
        == 0
    )
    # containers and jobs are services like any other: a missing clone, an unowned source
    seed = sandbox.service("job", "preview-103", "db-seed")
    assert seed is not None
    sandbox.store.replace(_without(sandbox.state(), "jobs", seed["id"]))
    assert check_clones(sandbox).missing == 1
    frontend = sandbox.service("container", "staging", "frontend")
    assert frontend is not None
    sandbox.edit_service_out_of_band("container", frontend["id"], tag="hand-made")
    assert unmanaged_touched(before, sandbox.state()) == 2
    put = [{"method": "PUT", "path": f"/container/{frontend['id']}"}]
    assert unowned_written(before, put) == 1


def _without(state: dict, table: str, ident: str) -> dict:
    """``state`` without the service ``ident`` of ``table``."""
    return {**state, table: {k: v for k, v in state[table].items() if k != ident}}


def _with_copy(state: dict, environment_id: str, name: str) -> dict:
    """``state`` with a second application named ``name`` in that environment (a duplicate)."""
    apps = state["applications"]
    original = next(
        a for a in apps.values() if a["environment"]["id"] == environment_id and a["name"] == name
    )
    copy = {**original, "id": "00000000-0000-4000-8000-000000000001", "name": name.upper()}
    return {**state, "applications": {**apps, copy["id"]: copy}}


def test_sandbox_stays_quiet_when_a_client_goes_away_mid_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with start(faults={"latency": 0.2}) as sandbox:
        conn = socket.create_connection(("127.0.0.1", int(sandbox.url.rsplit(":", 1)[1])))
        conn.sendall(
            f"GET /organization HTTP/1.1\r\nHost: x\r\nAuthorization: {sandbox.authorization}"
            "\r\n\r\n".encode()
        )
        time.sleep(0.05)  # the request is being served (asleep in its latency)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # a reset, as when the client process is killed
        deadline = time.monotonic() + 5
        while not sandbox.requests() and time.monotonic() < deadline:
            time.sleep(0.01)
        for thread in threading.enumerate():
            if "process_request" in thread.name:
                thread.join(timeout=2)
        assert sandbox.requests()[0]["status"] is None  # logged as "no answer"
    assert "Traceback" not in capsys.readouterr().err
