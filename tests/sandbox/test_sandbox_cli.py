"""`reconciler sandbox` as a real process: prints URL and token, serves, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest


def _serve(*flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _announced(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The URL and the token the sandbox printed."""
    assert proc.stdout is not None
    first, second = proc.stdout.readline(), proc.stdout.readline()
    assert first.startswith("sandbox listening on http://127.0.0.1:"), first
    assert second.startswith("token: "), second
    return first.split()[-1], second.split()[-1]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serves_then_stops_on_a_signal(tmp_path: Path, stop: signal.Signals) -> None:
    state = tmp_path / "state.json"
    proc = _serve("--state", str(state), "--fault-seed", "1")
    try:
        url, token = _announced(proc)
        assert token.startswith("sbx_")
        response = httpx.get(f"{url}/organization", headers={"Authorization": f"Token {token}"})
        assert [o["name"] for o in response.json()["results"]] == ["Acme", "Globex"]
        proc.send_signal(stop)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()
    assert state.exists()


def test_prints_an_export_line() -> None:
    proc = _serve()
    try:
        assert proc.stdout is not None
        text = "".join(proc.stdout.readline() for _ in range(3))
        assert "export QOVERY_API_URL=http://127.0.0.1:" in text
        assert " QOVERY_API_TOKEN=sbx_" in text
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_a_bad_seed_is_one_clear_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("organizations:\n  - name: A\n    projects: oops\n")
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(seed) in result.stderr and "'projects' must be a list" in result.stderr
