"""Shared fixtures. ``sandbox``: a fresh demo sandbox per test (in memory, cheap to start: its
seed is parsed once, ``helpers_sandbox.demo_seed``); ``sandbox_env``: the environment
variables that point the CLI at it; ``cli``: the CLI run in-process against it, its output
captured (``helpers_cli``). ``quick_waits``, for every test: a CLI run in this process waits
less between a deploy's status reads and between retries (``helpers_waits``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from helpers_cli import CliResult, point_at, run_cli
from helpers_sandbox import demo_seed
from helpers_waits import shorten_waits

from reconciler.sandbox import RunningSandbox, start

__all__ = ["CliResult"]


@pytest.fixture(autouse=True)
def quick_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    shorten_waits(monkeypatch)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start(demo_seed()) as running:
        yield running


@pytest.fixture
def sandbox_env(sandbox: RunningSandbox) -> dict[str, str]:
    """``QOVERY_API_URL`` and ``QOVERY_API_TOKEN`` of the ``sandbox`` fixture."""
    return dict(sandbox.env)


@pytest.fixture
def cli(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``reconciler ARGS...`` in-process against the ``sandbox`` fixture.

    ``cli("plan", "manifests/")`` → CliResult(code, out, err); nothing is a TTY, no colour.
    """
    point_at(monkeypatch, sandbox)
    return run_cli
